//! The real release binary against `gotrue-console demo-server --users 100000` running as a
//! process of its own (so the server's start-up, memory and CPU are never counted as the
//! console's): time to the first frame in a pseudo-terminal, the console's memory and idle
//! CPU with every user loaded, keystroke-to-frame with 50 requests in flight, and
//! `users export` side by side with @supabase/auth-js paging through `listUsers`.
//! Part of `cargo bench`; prints one line per figure, with its target.

use gotrue_console::console::widgets::thousands;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const USERS: usize = 100_000;
const COLS: u16 = 200;
const ROWS: u16 = 60;
const BIN: &str = env!("CARGO_BIN_EXE_gotrue-console");

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn percentile(mut v: Vec<f64>, q: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * q).round() as usize]
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

#[path = "../tests/common/demo_process.rs"]
mod demo_process;
use demo_process::DemoProcess;

/// Sets the demo server's fault injection.
fn set_faults(demo: &DemoProcess, body: serde_json::Value) {
    let status = http::put(
        &format!("{}/demo/faults", demo.url),
        &demo.service_role_key,
        body,
    );
    assert!(status, "PUT /demo/faults");
}

/// How many of the requests told to hang have not arrived yet.
fn hang_next(demo: &DemoProcess) -> u64 {
    http::get_json(&format!("{}/demo/faults", demo.url), &demo.service_role_key)["hang_next"]
        .as_u64()
        .expect("hang_next")
}

/// Blocking HTTP for the few calls to `/demo/faults`, on a runtime of their own.
mod http {
    fn run<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(f)
    }

    pub fn put(url: &str, key: &str, body: serde_json::Value) -> bool {
        run(async {
            reqwest::Client::new()
                .put(url)
                .bearer_auth(key)
                .json(&body)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        })
    }

    pub fn get_json(url: &str, key: &str) -> serde_json::Value {
        run(async {
            reqwest::Client::new()
                .get(url)
                .bearer_auth(key)
                .send()
                .await
                .expect("GET")
                .json()
                .await
                .expect("JSON")
        })
    }
}

/// What the console wrote to its terminal: the screen, and when each chunk arrived.
#[derive(Default)]
struct Screen {
    parser: Option<vt100::Parser>,
    chunks: Vec<(Instant, usize)>,
    /// When the header was first on screen: the first frame.
    first_frame: Option<Instant>,
}

/// The console in a pseudo-terminal.
struct Console {
    screen: Arc<Mutex<Screen>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
    started: Instant,
}

impl Console {
    fn spawn(demo: &DemoProcess) -> Console {
        Self::spawn_with(
            demo.env()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    /// The console with `env` (the server's URL and keys).
    fn spawn_with(env: Vec<(String, String)>) -> Console {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pty");
        let mut cmd = CommandBuilder::new(BIN);
        cmd.env("TERM", "xterm-256color");
        let home = scratch();
        cmd.env("XDG_STATE_HOME", &home);
        cmd.env("XDG_CONFIG_HOME", &home);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let screen = Arc::new(Mutex::new(Screen {
            parser: Some(vt100::Parser::new(ROWS, COLS, 0)),
            ..Screen::default()
        }));
        let mut reader = pair.master.try_clone_reader().expect("a reader");
        let writer = pair.master.take_writer().expect("a writer");
        let started = Instant::now();
        let child = pair.slave.spawn_command(cmd).expect("the console starts");
        let s = screen.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 65536];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                let at = Instant::now();
                let mut guard = s.lock().expect("screen");
                let s = &mut *guard;
                s.chunks.push((at, n));
                let parser = s.parser.as_mut().expect("parser");
                parser.process(&buf[..n]);
                if s.first_frame.is_none() && parser.screen().contents().contains("gotrue-console")
                {
                    s.first_frame = Some(at);
                }
            }
        });
        Console {
            screen,
            writer,
            child,
            _master: pair.master,
            started,
        }
    }

    fn pid(&self) -> u32 {
        self.child.process_id().expect("a pid")
    }

    fn contents(&self) -> String {
        let s = self.screen.lock().expect("screen");
        s.parser.as_ref().expect("parser").screen().contents()
    }

    fn wait_until(&self, what: &str, limit: Duration, cond: impl Fn(&Console) -> bool) {
        let deadline = Instant::now() + limit;
        while !cond(self) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn first_frame(&self) -> Duration {
        self.wait_until("the first frame", Duration::from_secs(10), |c| {
            c.screen.lock().expect("screen").first_frame.is_some()
        });
        let at = self.screen.lock().expect("screen").first_frame;
        at.expect("first frame") - self.started
    }

    /// `L`, then every user on screen (a list this big opens as a window): how long from
    /// the key.
    fn wait_loaded(&mut self) -> Duration {
        self.wait_until("the first screen", Duration::from_secs(60), |c| {
            c.contents().contains("a window, by")
        });
        let sent = Instant::now();
        self.send(b"L");
        let total = format!("of {}]", thousands(USERS as u64 + 300));
        self.wait_until("every user", Duration::from_secs(120), |c| {
            let text = c.contents();
            text.contains(&total) && !text.contains("loading") && !text.contains("a window")
        });
        sent.elapsed()
    }

    /// Waits until the console has written nothing for `quiet`; the time of its last chunk.
    fn settle(&self, quiet: Duration) -> Option<Instant> {
        loop {
            let last = self.last_chunk();
            match last {
                Some(at) if at.elapsed() < quiet => std::thread::sleep(Duration::from_millis(2)),
                _ => return last,
            }
        }
    }

    fn last_chunk(&self) -> Option<Instant> {
        self.screen
            .lock()
            .expect("screen")
            .chunks
            .last()
            .map(|c| c.0)
    }

    fn bytes_written(&self) -> usize {
        self.screen
            .lock()
            .expect("screen")
            .chunks
            .iter()
            .map(|c| c.1)
            .sum()
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).expect("write to the pty");
        self.writer.flush().expect("flush the pty");
    }

    fn quit(mut self) {
        self.send(b"\x03");
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.child.try_wait().expect("try_wait").is_none() {
            assert!(Instant::now() < deadline, "the console did not quit");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')').expect("a stat line") + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: f64 =
        fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
    ticks / clock_ticks()
}

fn clock_ticks() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// A line of /proc/PID/status, in MiB.
fn status_mib(pid: u32, key: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    let line = status.lines().find(|l| l.starts_with(key)).expect(key);
    let kb: f64 = line
        .split_whitespace()
        .nth(1)
        .expect("kB")
        .parse()
        .expect("a number");
    kb / 1024.0
}

fn first_frame(demo: &DemoProcess) {
    let mut ms = Vec::new();
    for _ in 0..10 {
        let console = Console::spawn(demo);
        ms.push(console.first_frame().as_secs_f64() * 1000.0);
        console.quit();
    }
    println!(
        "{:<44} target {:<9} median {:>6.1} ms  max {:>6.1} ms  (n={})",
        "first frame: process start to header drawn",
        "< 30 ms",
        median(ms.clone()),
        percentile(ms.clone(), 1.0),
        ms.len()
    );
}

/// Loads every user, then: memory, 10 s of idle CPU, and keystroke to frame with 50
/// requests hanging on the server.
fn loaded(demo: &DemoProcess) {
    let mut console = Console::spawn(demo);
    let load = console.wait_loaded();
    console.settle(Duration::from_millis(500));
    let pid = console.pid();
    println!(
        "{:<44} target {:<9} {:>6.2} s",
        format!(
            "L: load all {} users into the console",
            thousands(USERS as u64 + 300)
        ),
        "-",
        load.as_secs_f64()
    );
    println!(
        "{:<44} target {:<9} {:>6.1} MiB  (peak {:.1} MiB)",
        "memory: console process RSS, users loaded",
        "< 100 MB",
        status_mib(pid, "VmRSS:"),
        status_mib(pid, "VmHWM:")
    );

    let bytes = console.bytes_written();
    let cpu = cpu_seconds(pid);
    let t = Instant::now();
    std::thread::sleep(Duration::from_secs(10));
    let used = cpu_seconds(pid) - cpu;
    let wall = t.elapsed().as_secs_f64();
    println!(
        "{:<44} target {:<9} {:>6.2} %  ({:.0} ms CPU in {:.1} s, {} bytes drawn)",
        "idle CPU over 10 s, users loaded",
        "< 1 %",
        used / wall * 100.0,
        used * 1000.0,
        wall,
        console.bytes_written() - bytes
    );

    // 50 users opened and left: their `GET /admin/users/{id}` hang on the server. Each key
    // is its own write, so the lone Esc is not read as Alt plus the next key.
    set_faults(
        demo,
        serde_json::json!({"hang_next": 50, "path_prefix": "/admin/users/"}),
    );
    for key in std::iter::repeat_n([&b"\r"[..], b"\x1b", b"j"], 50).flatten() {
        console.send(key);
        std::thread::sleep(Duration::from_millis(30));
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while hang_next(demo) != 0 {
        assert!(Instant::now() < deadline, "the 50 requests never arrived");
        std::thread::sleep(Duration::from_millis(20));
    }
    console.settle(Duration::from_millis(300));
    let mut ms = Vec::new();
    for i in 0..200 {
        let sent = Instant::now();
        console.send(if (i / 20) % 2 == 0 { b"j" } else { b"k" });
        console.wait_until("a frame", Duration::from_secs(5), |c| {
            c.last_chunk().is_some_and(|at| at > sent)
        });
        // The frame is complete once nothing more arrives for 20 ms.
        let last = console.settle(Duration::from_millis(20)).expect("a frame");
        ms.push((last - sent).as_secs_f64() * 1000.0);
    }
    println!(
        "{:<44} target {:<9} median {:>6.2} ms  p99 {:>6.2} ms  (n={}, through the pty)",
        "keystroke to frame, 50 requests in flight",
        "-",
        median(ms.clone()),
        percentile(ms.clone(), 0.99),
        ms.len()
    );
    set_faults(demo, serde_json::json!({}));
    console.quit();
}

fn lines(path: &Path) -> usize {
    BufReader::new(std::fs::File::open(path).expect("the export"))
        .lines()
        .count()
}

/// Runs an exporter that writes `users` lines to `out`: how long it took.
fn timed(mut cmd: Command, out: &Path, users: usize) -> f64 {
    let _ = std::fs::remove_file(out);
    let started = Instant::now();
    let status = cmd.status().expect("the exporter runs");
    let secs = started.elapsed().as_secs_f64();
    assert!(status.success(), "{cmd:?} failed");
    assert_eq!(lines(out), users, "{cmd:?} wrote every user");
    secs
}

/// `gotrue-console users export --format ndjson --out OUT` against `demo`, its state in `dir`.
fn export_command(demo: &DemoProcess, out: &Path, dir: &Path) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(["users", "export", "--format", "ndjson", "--out"])
        .arg(out)
        .envs(demo.env())
        .env("XDG_CONFIG_HOME", dir)
        .env("XDG_STATE_HOME", dir)
        .stderr(Stdio::null());
    cmd
}

/// `gotrue-console users export` and an auth-js script, alternately, on the same server.
fn export(demo: &DemoProcess) {
    let authjs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/authjs");
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if node && !authjs.join("node_modules/@supabase/auth-js").exists() {
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&authjs)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "npm ci in tests/authjs");
    }
    let dir = scratch();
    let ours_out = dir.join("users.ndjson");
    let theirs_out = dir.join("authjs.ndjson");
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        ours.push(timed(
            export_command(demo, &ours_out, &dir),
            &ours_out,
            USERS + 300,
        ));
        if node {
            let mut cmd = Command::new("node");
            cmd.arg(authjs.join("export-users.mjs"))
                .arg(&theirs_out)
                .envs(demo.env())
                .stderr(Stdio::null());
            theirs.push(timed(cmd, &theirs_out, USERS + 300));
        }
    }
    let ours = median(ours);
    println!(
        "{:<44} target {:<9} {:>6.2} s",
        format!(
            "export {} users: gotrue-console",
            thousands(USERS as u64 + 300)
        ),
        "-",
        ours
    );
    if node {
        let theirs = median(theirs);
        println!(
            "{:<44} target {:<9} {:>6.2} s",
            "export: auth-js listUsers, per_page 1000", "-", theirs
        );
        println!(
            "{:<44} target {:<9} {:>6.1}x",
            "export: speed-up over auth-js",
            ">= 3x",
            theirs / ours
        );
    } else {
        println!("export: auth-js side skipped (node is not installed)");
    }
}

/// A list too big to load whole, as a window: process start to the newest users on
/// screen, `G` to the oldest on screen, `/` for a user far down the list to GoTrue's answer,
/// and the console's memory after all that. `what` names the server.
fn window(env: Vec<(String, String)>, what: &str, needle: &str) {
    // With a database the list is read by SQL: its title ends `· SQL`, and `/` is answered
    // on the filter line as `SQL: N users`.
    let sql = env.iter().any(|(k, _)| k == "SUPABASE_DB_URL");
    let (title, answered) = if sql {
        ("· SQL", "SQL: ")
    } else {
        ("a window, by", "GoTrue found")
    };
    let mut console = Console::spawn_with(env);
    let row = |c: &Console| {
        // A user row: the table's first column holds an address.
        c.contents()
            .lines()
            .skip(4)
            .any(|l| l.contains('@') && !l.contains('…'))
    };
    console.wait_until("the newest users", Duration::from_secs(120), |c| {
        c.contents().contains(title) && row(c)
    });
    let first = console.started.elapsed();
    console.settle(Duration::from_millis(300));
    let sent = Instant::now();
    console.send(b"G");
    console.wait_until("the oldest users", Duration::from_secs(120), |c| {
        let text = c.contents();
        let bottom = text
            .lines()
            .find(|l| l.contains(" Users ["))
            .and_then(|l| l.split(" of ").next().map(|s| s.to_owned()))
            .unwrap_or_default();
        !bottom.contains("[1–") && row(c) && !text.lines().skip(4).any(|l| l.contains('…'))
    });
    let to_end = sent.elapsed();
    console.send(b"/");
    for c in needle.bytes() {
        console.send(&[c]);
    }
    let typed = Instant::now();
    console.wait_until("the answer", Duration::from_secs(120), |c| {
        c.contents().contains(answered)
    });
    let search = typed.elapsed();
    let pid = console.pid();
    println!(
        "{:<44} target {:<9} {:>6.0} ms  ({what})",
        "window: process start to the newest users",
        "-",
        first.as_secs_f64() * 1000.0
    );
    println!(
        "{:<44} target {:<9} {:>6.0} ms  ({what})",
        "window: G to the oldest users on screen",
        "-",
        to_end.as_secs_f64() * 1000.0
    );
    println!(
        "{:<44} target {:<9} {:>6.0} ms  ({what}; 300 ms of it is the pause)",
        format!("window: / {needle} to the answer"),
        "-",
        search.as_secs_f64() * 1000.0
    );
    println!(
        "{:<44} target {:<9} {:>6.1} MiB  (peak {:.1} MiB; {what})",
        "memory: console RSS, a window",
        "< 150 MB",
        status_mib(pid, "VmRSS:"),
        status_mib(pid, "VmHWM:")
    );
    console.quit();
}

/// `BENCH_DEMO_USERS=1000000 cargo bench --bench process`: the window and the export against
/// a demo server of that many synthetic users, by page and then by cursor, and nothing
/// else (the demo server takes a while to seed a million).
fn demo_at_scale(users: usize) {
    for (how, extra) in [
        ("by page", None),
        ("by cursor", Some("--cursor-pagination")),
    ] {
        let mut args = vec!["--users".to_owned(), users.to_string()];
        args.extend(extra.map(str::to_owned));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let started = Instant::now();
        let demo = DemoProcess::start(BIN, &args);
        println!(
            "demo server with {} users {how}: ready in {:.1} s",
            thousands(users as u64),
            started.elapsed().as_secs_f64()
        );
        let env = demo
            .env()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        window(
            env,
            &format!("demo, {} users, {how}", thousands(users as u64)),
            "ada@example.com",
        );
        let dir = scratch();
        let out = dir.join("scale.ndjson");
        let secs = timed(export_command(&demo, &out, &dir), &out, users + 300);
        println!(
            "{:<44} target {:<9} {:>6.2} s  (demo, {how})",
            format!(
                "export {} users: gotrue-console",
                thousands(users as u64 + 300)
            ),
            "-",
            secs
        );
        let _ = std::fs::remove_file(&out);
    }
}

/// Reads in the database of `env`'s GoTrue: `users export` through COPY (NDJSON and CSV)
/// beside `psql \copy` of the same rows (our query, and plain `row_to_json`), then the
/// counts the console asks for (everyone by status, a search, the Stats tab's figures).
fn database(env: &[(String, String)], db_url: &str) {
    use gotrue_console::db::{Db, DbOptions, USER_JSON, UserSearch};
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let (db, _) = rt
        .block_on(Db::connect(
            &gotrue_console::gotrue::Secret::new(db_url.to_owned()),
            DbOptions::default(),
        ))
        .expect("the database");
    let now = chrono::Utc::now();
    let everyone = rt
        .block_on(db.status_counts(&UserSearch::parse("", now)))
        .expect("counts")
        .total as usize;
    let dir = scratch();
    let out = dir.join("db.out");
    let ours = |format: &str| {
        let mut cmd = Command::new(BIN);
        cmd.args(["users", "export", "--format", format, "--out"])
            .arg(&out)
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("XDG_CONFIG_HOME", &dir)
            .env("XDG_STATE_HOME", &dir)
            .stderr(Stdio::null());
        cmd
    };
    let psql = |select: &str| {
        let mut cmd = Command::new("psql");
        cmd.arg(db_url).args([
            "-X",
            "-q",
            "-c",
            // One line: psql reads a backslash command to the end of its line.
            &format!(
                "\\copy ({}) TO '{}'",
                select.replace('\n', " "),
                out.display()
            ),
        ]);
        cmd
    };
    let ours_json =
        format!("SELECT {USER_JSON}::text FROM auth.users u ORDER BY u.created_at, u.id");
    type Run<'a> = (&'a str, Box<dyn Fn() -> Command + 'a>, usize);
    let runs: Vec<Run> = vec![
        (
            "export by COPY: gotrue-console, NDJSON",
            Box::new(|| ours("ndjson")),
            everyone,
        ),
        (
            "export by COPY: gotrue-console, CSV",
            Box::new(|| ours("csv")),
            everyone + 1,
        ),
        (
            "export: psql \\copy, the same JSON",
            Box::new(|| psql(&ours_json)),
            everyone,
        ),
        (
            "export: psql \\copy, row_to_json(users)",
            Box::new(|| psql("SELECT row_to_json(u) FROM auth.users u")),
            everyone,
        ),
        (
            "export: psql \\copy, row_to_json(users + ids, factors)",
            Box::new(|| {
                psql(
                    "SELECT row_to_json(x) FROM (SELECT u.*, \
                     (SELECT json_agg(i) FROM auth.identities i WHERE i.user_id = u.id) AS identities, \
                     (SELECT json_agg(f) FROM auth.mfa_factors f WHERE f.user_id = u.id) AS factors \
                     FROM auth.users u) x",
                )
            }),
            everyone,
        ),
    ];
    for (what, cmd, lines) in runs {
        let times: Vec<f64> = (0..3).map(|_| timed(cmd(), &out, lines)).collect();
        println!(
            "{:<44} target {:<9} {:>6.2} s  (median of 3, {} users)",
            what,
            "-",
            median(times),
            thousands(everyone as u64)
        );
    }
    let _ = std::fs::remove_file(&out);
    let time = |what: &str, f: &dyn Fn() -> u64| {
        let times: Vec<f64> = (0..3)
            .map(|_| {
                let started = Instant::now();
                let n = f();
                assert!(n > 0, "{what}: nothing counted");
                started.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        println!(
            "{what:<44} target {:<9} {:>6.0} ms  (median of 3)",
            "-",
            median(times)
        );
    };
    time("counts: everyone by status (exact)", &|| {
        rt.block_on(db.status_counts(&UserSearch::parse("", now)))
            .expect("counts")
            .total
    });
    let needle = std::env::var("BENCH_SEARCH").unwrap_or_else(|_| "ada@example.com".into());
    time(&format!("search: count of /{needle}"), &|| {
        rt.block_on(db.status_counts(&UserSearch::parse(&needle, now)))
            .expect("a search")
            .total
    });
    time("Stats tab: every figure in SQL", &|| {
        rt.block_on(db.user_figures(now)).expect("figures").users
    });
}

fn main() {
    if let Some(users) = std::env::var("BENCH_DEMO_USERS")
        .ok()
        .and_then(|n| n.parse().ok())
    {
        demo_at_scale(users);
        return;
    }
    // A real GoTrue of your own, for the window figures alone: BENCH_GOTRUE_URL and
    // BENCH_GOTRUE_SERVICE_ROLE_KEY (tests/real-gotrue.sh and a seeded table), and
    // BENCH_SEARCH, an email substring of a user far down its list.
    if let (Ok(url), Ok(key)) = (
        std::env::var("BENCH_GOTRUE_URL"),
        std::env::var("BENCH_GOTRUE_SERVICE_ROLE_KEY"),
    ) {
        let needle = std::env::var("BENCH_SEARCH").unwrap_or_else(|_| "ada@example.com".into());
        let env = vec![
            ("GOTRUE_URL".to_owned(), url.clone()),
            ("GOTRUE_SERVICE_ROLE_KEY".to_owned(), key),
        ];
        window(env.clone(), &format!("GoTrue at {url}"), &needle);
        // And its database: BENCH_DB_URL (a role that can read auth.*).
        if let Ok(db_url) = std::env::var("BENCH_DB_URL") {
            let mut env = env;
            env.push(("SUPABASE_DB_URL".to_owned(), db_url.clone()));
            window(env.clone(), "its database, by SQL", &needle);
            database(&env, &db_url);
        }
        return;
    }
    let demo = DemoProcess::start(BIN, &["--users", &USERS.to_string()]);
    println!(
        "process: release binary, demo server with {USERS} synthetic users (+ seed), {COLS}x{ROWS} pty"
    );
    first_frame(&demo);
    let env = demo
        .env()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
    window(env, "the demo server, by page", "ada@example.com");
    loaded(&demo);
    export(&demo);
    let _ = std::fs::remove_dir_all(scratch());
}
