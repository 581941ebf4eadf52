//! A private PostgreSQL for a test binary: Debian's server binaries, `initdb` in a temp dir,
//! a free port on loopback, the fixture schema (`tests/fixtures/db/auth-schema.sql`) seeded
//! once. One cluster per test binary, started by the first test that asks, gone when the
//! binary exits (a shell beside the server waits on a pipe this process holds: when the
//! process ends, however it ends, the shell stops the server and removes the directory).
//!
//! As root, PostgreSQL refuses to run: it runs as `nobody` (`PG_OS_USER` to change), through
//! `runuser` or `setpriv`, as `tests/real-gotrue.sh` does. Without the binaries the test
//! FAILS, saying what to install: CI installs them (`.ci/run`).
//!
//! The server also speaks TLS, with a certificate for `db.example.test` (and 127.0.0.1)
//! signed by a CA the tests hold, so TLS modes can be tried against the real thing.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

pub const SUPERUSER_PASSWORD: &str = "pg-super-Secret-7f3";
pub const READER_PASSWORD: &str = "reader-Secret-91ab";
/// The TLS certificate's name (the cluster listens on 127.0.0.1; give `hostaddr`).
pub const TLS_HOST: &str = "db.example.test";

pub struct Cluster {
    pub port: u16,
    pub dir: PathBuf,
    /// Users seeded.
    pub users: u64,
    /// The CA that signed the server's certificate (PEM file).
    pub ca_file: PathBuf,
    bin: PathBuf,
    _keeper: Mutex<Child>,
}

/// A read replica of a [`Cluster`]: a hot standby streaming from it (`pg_basebackup -R`),
/// on a port of its own, with the same roles and users.
pub struct Replica {
    pub port: u16,
    _keeper: Mutex<Child>,
}

impl Replica {
    /// The primary's read-only role, on the standby.
    pub fn reader_url(&self) -> String {
        format!(
            "postgres://reader:{READER_PASSWORD}@127.0.0.1:{}/postgres",
            self.port
        )
    }

    pub fn superuser_url(&self) -> String {
        format!(
            "postgres://postgres:{SUPERUSER_PASSWORD}@127.0.0.1:{}/postgres",
            self.port
        )
    }
}

/// The standby of this test binary's cluster, made the first time it is asked for.
pub fn replica(c: &'static Cluster) -> &'static Replica {
    static REPLICA: OnceLock<Result<Replica, String>> = OnceLock::new();
    started_once(&REPLICA, "the test PostgreSQL replica", move || {
        start_replica(c)
    })
}

/// What `start` makes, made once in a thread of its own (its panic, a failed start, is
/// kept: every later caller fails with the same reason rather than trying again).
fn started_once<T: Send + Sync + 'static>(
    cell: &'static OnceLock<Result<T, String>>,
    what: &str,
    start: impl FnOnce() -> T + Send + 'static,
) -> &'static T {
    let started = cell.get_or_init(|| {
        std::thread::spawn(start).join().map_err(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default()
        })
    });
    match started {
        Ok(t) => t,
        Err(why) => panic!("{what} did not start: {why}"),
    }
}

impl Cluster {
    /// The superuser (can write: the console warns).
    pub fn superuser_url(&self) -> String {
        format!(
            "postgres://postgres:{SUPERUSER_PASSWORD}@127.0.0.1:{}/postgres",
            self.port
        )
    }

    /// A role that may only read the auth tables.
    pub fn reader_url(&self) -> String {
        format!(
            "postgres://reader:{READER_PASSWORD}@127.0.0.1:{}/postgres",
            self.port
        )
    }

    /// The reader, by the certificate's host name (not loopback by name), with `params`.
    pub fn reader_url_by_name(&self, params: &str) -> String {
        let sep = if params.is_empty() { "" } else { "&" };
        format!(
            "postgres://reader:{READER_PASSWORD}@{TLS_HOST}:{}/postgres?hostaddr=127.0.0.1{sep}{params}",
            self.port
        )
    }
}

/// The superuser, connected plainly (for the tests' own independent queries).
pub async fn connect_superuser(c: &Cluster) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(&c.superuser_url(), tokio_postgres::NoTls)
        .await
        .expect("the superuser connects");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
}

/// The cluster of this test binary, seeded with `users` users the first time (later calls
/// get the same cluster, whatever they ask).
pub fn cluster(users: u64) -> &'static Cluster {
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    started_once(&CLUSTER, "the test PostgreSQL", move || start(users))
}

fn find_bin() -> PathBuf {
    let has = |d: &Path| ["initdb", "postgres"].iter().all(|b| d.join(b).is_file());
    if let Some(path) = std::env::var_os("PATH") {
        for d in std::env::split_paths(&path) {
            if has(&d) {
                // The directory of the real binaries (a link in PATH may stand alone): the
                // replica needs pg_basebackup beside them.
                return std::fs::canonicalize(d.join("postgres"))
                    .ok()
                    .and_then(|p| p.parent().map(Path::to_path_buf))
                    .filter(|real| has(real))
                    .unwrap_or(d);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            has(&bin).then_some((v, bin))
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => bin,
        None => panic!(
            "PostgreSQL's server binaries (initdb, postgres) are not installed: these tests \
             need them (Debian: apt-get install postgresql; .ci/run installs it)"
        ),
    }
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The command prefix that drops root, as `tests/real-gotrue.sh` does.
fn run_as() -> (Vec<String>, Option<String>) {
    if !is_root() {
        return (Vec::new(), None);
    }
    let user = std::env::var("PG_OS_USER").unwrap_or_else(|_| "nobody".to_owned());
    let have = |b: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {b}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let prefix = if have("runuser") {
        vec!["runuser".into(), "-u".into(), user.clone(), "--".into()]
    } else if have("setpriv") {
        let id = |flag: &str| {
            let o = Command::new("id")
                .args([flag, &user])
                .output()
                .expect("id runs");
            String::from_utf8_lossy(&o.stdout).trim().to_owned()
        };
        vec![
            "setpriv".into(),
            format!("--reuid={}", id("-u")),
            format!("--regid={}", id("-g")),
            "--clear-groups".into(),
            "--".into(),
        ]
    } else {
        panic!("running as root, but neither runuser nor setpriv can drop privileges")
    };
    (prefix, Some(user))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// A CA and a server certificate it signed, for `TLS_HOST` and 127.0.0.1.
fn certificates(dir: &Path) -> PathBuf {
    let ca_key = rcgen::KeyPair::generate().expect("a CA key");
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "gotrue-console test CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("the CA certificate");
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().expect("a server key");
    let params = rcgen::CertificateParams::new(vec![TLS_HOST.to_owned(), "127.0.0.1".to_owned()])
        .expect("server params");
    let cert = params
        .signed_by(&key, &issuer)
        .expect("the server certificate");
    std::fs::write(dir.join("server.crt"), cert.pem()).expect("server.crt");
    std::fs::write(dir.join("server.key"), key.serialize_pem()).expect("server.key");
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca_cert.pem()).expect("ca.pem");
    ca_file
}

fn start(users: u64) -> Cluster {
    let bin = find_bin();
    let (prefix, os_user) = run_as();
    let dir = std::env::temp_dir().join(format!(
        "gotrue-console-pg-{}-{}",
        std::process::id(),
        std::env::current_exe()
            .ok()
            .and_then(|p| p.file_name().map(|f| f.to_string_lossy().into_owned()))
            .unwrap_or_default()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sock")).expect("the cluster's temp dir");
    let pwfile = dir.join("pwfile");
    std::fs::write(&pwfile, SUPERUSER_PASSWORD).expect("pwfile");
    let ca_file = certificates(&dir);
    if let Some(user) = &os_user {
        run(
            Command::new("chown").args(["-R", user]).arg(&dir),
            "chown the cluster's dir",
        );
    }
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(
        dir.join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .expect("chmod server.key");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod dir");
    let data = dir.join("data");
    let cmd = |program: &str| {
        let mut c = Command::new(prefix.first().map_or(program, String::as_str));
        if !prefix.is_empty() {
            c.args(&prefix[1..]).arg(program);
        }
        c.current_dir(&dir);
        c
    };
    run(
        cmd(&bin.join("initdb").to_string_lossy())
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-locale",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ])
            .arg(format!("--pwfile={}", pwfile.display())),
        "initdb",
    );
    let port = free_port();
    let d = |p: &str| sh_quote(&dir.join(p).to_string_lossy());
    let ssl = format!(
        "-c ssl=on -c ssl_cert_file={} -c ssl_key_file={}",
        d("server.crt"),
        d("server.key")
    );
    let mut keeper = serve(
        &bin,
        &cmd("sh"),
        &dir,
        "data",
        port,
        &ssl,
        "postgres.log",
        true,
    );
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let url = format!("postgres://postgres:{SUPERUSER_PASSWORD}@127.0.0.1:{port}/postgres");
    let client = rt.block_on(ready(&url, &mut keeper, &dir.join("postgres.log")));
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/db");
    let schema = std::fs::read_to_string(root.join("auth-schema.sql")).expect("the schema");
    let seed = std::fs::read_to_string(root.join("seed.sql"))
        .expect("the seed")
        .replace("{{USERS}}", &users.to_string());
    rt.block_on(async {
        client
            .batch_execute(&schema)
            .await
            .expect("the schema loads");
        client.batch_execute(&seed).await.expect("the seed runs");
        client
            .batch_execute(&format!(
                "CREATE ROLE reader LOGIN PASSWORD '{READER_PASSWORD}';
                 GRANT USAGE ON SCHEMA auth TO reader;
                 GRANT SELECT ON ALL TABLES IN SCHEMA auth TO reader;"
            ))
            .await
            .expect("the reader role");
    });
    drop(client);
    drop(rt);
    let _ = std::io::stderr().flush();
    Cluster {
        port,
        dir,
        users,
        ca_file,
        bin,
        _keeper: Mutex::new(keeper),
    }
}

/// Starts `postgres` on `dir/data` (as the command `sh` is run, root dropped) with a shell
/// beside it that waits on a pipe this process holds: when the process ends, however it
/// ends, the shell stops the server (and removes `dir` when `remove`).
#[allow(clippy::too_many_arguments)]
fn serve(
    bin: &Path,
    sh: &Command,
    dir: &Path,
    data: &str,
    port: u16,
    extra: &str,
    log: &str,
    remove: bool,
) -> Child {
    let d = |p: &str| sh_quote(&dir.join(p).to_string_lossy());
    let cleanup = if remove {
        format!("rm -rf {}", sh_quote(&dir.to_string_lossy()))
    } else {
        format!("rm -rf {}", d(data))
    };
    let script = format!(
        "{postgres} -D {data} -p {port} -c listen_addresses=127.0.0.1 -k {sock} \
         -c fsync=off -c synchronous_commit=off -c full_page_writes=off {extra} >{log} 2>&1 &
         pg=$!
         read _ignored
         kill -INT $pg 2>/dev/null
         wait $pg
         {cleanup}",
        postgres = sh_quote(&bin.join("postgres").to_string_lossy()),
        data = d(data),
        sock = d("sock"),
        log = d(log),
    );
    let mut c = Command::new(sh.get_program());
    c.args(sh.get_args());
    if let Some(cwd) = sh.get_current_dir() {
        c.current_dir(cwd);
    }
    let mut keeper = c
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the PostgreSQL server starts");
    // The pipe's write end lives as long as this process: its end is the server's.
    let stdin = keeper.stdin.take().expect("a pipe to the keeper");
    std::mem::forget(stdin);
    keeper
}

/// Connects to `url` once the server accepts connections (the server's log if it exits).
async fn ready(url: &str, keeper: &mut Child, log: &Path) -> tokio_postgres::Client {
    let started = Instant::now();
    loop {
        match tokio_postgres::connect(url, tokio_postgres::NoTls).await {
            Ok((client, conn)) => {
                tokio::spawn(async move {
                    let _ = conn.await;
                });
                return client;
            }
            Err(e) => {
                if let Ok(Some(status)) = keeper.try_wait() {
                    let log = std::fs::read_to_string(log).unwrap_or_default();
                    panic!("PostgreSQL exited ({status}): {e}\n{log}");
                }
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "PostgreSQL did not accept connections within 60 s: {e}"
                );
                // Waiting for the server to listen: nothing to be told by, so look again.
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

/// `pg_basebackup -R` of the primary into `dir/replica` (streaming its WAL), started as a
/// hot standby; ready once it accepts connections and has replayed the seed.
fn start_replica(c: &'static Cluster) -> Replica {
    let (prefix, _) = run_as();
    let cmd = |program: &str| {
        let mut cmd = Command::new(prefix.first().map_or(program, String::as_str));
        if !prefix.is_empty() {
            cmd.args(&prefix[1..]).arg(program);
        }
        cmd.current_dir(&c.dir);
        cmd
    };
    run(
        cmd(&c.bin.join("pg_basebackup").to_string_lossy())
            .arg("-h")
            .arg(c.dir.join("sock"))
            .args(["-p", &c.port.to_string(), "-U", "postgres", "-D"])
            .arg(c.dir.join("replica"))
            .args(["-R", "-X", "stream", "-c", "fast"]),
        "pg_basebackup",
    );
    let port = free_port();
    let mut keeper = serve(
        &c.bin,
        &cmd("sh"),
        &c.dir,
        "replica",
        port,
        "-c hot_standby=on",
        "replica.log",
        false,
    );
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let url = format!("postgres://postgres:{SUPERUSER_PASSWORD}@127.0.0.1:{port}/postgres");
    rt.block_on(async {
        let client = ready(&url, &mut keeper, &c.dir.join("replica.log")).await;
        let standby: bool = client
            .query_one("SELECT pg_is_in_recovery()", &[])
            .await
            .expect("the standby answers")
            .get(0);
        assert!(standby, "the replica is a standby");
    });
    drop(rt);
    Replica {
        port,
        _keeper: Mutex::new(keeper),
    }
}
