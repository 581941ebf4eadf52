//! `serve-ssh` with a real OpenSSH client (`ssh`, `ssh-keygen`: Debian's openssh-client) in
//! a pseudo-terminal, against the server started in-process on 127.0.0.1:0 with `--demo`:
//! a staff key gets the console, the screen follows a resize, `q` restores the client's
//! terminal, a stranger's key is refused, a killed client leaves the others served, and the
//! limits and the journal hold.

use gotrue_console::ops::journal::{JournalEntry, JournalEvent};
use gotrue_console::term::ssh::{AUTH_DELAY, ServeConfig, SshServer, Target};
use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const LONG: Duration = Duration::from_secs(60);
const SHORT: Duration = Duration::from_secs(15);

/// A temporary folder with the server's files and two client keys: `staff` (in
/// authorized_keys) and `stranger` (not).
struct Keys {
    dir: PathBuf,
}

impl Keys {
    fn new() -> Keys {
        let dir = std::env::temp_dir().join(format!("gc-ssh-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        for name in [
            "staff", "stranger", "support", "s1", "s2", "s3", "s4", "s5", "s6",
        ] {
            let status = Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", "", "-C"])
                .arg(format!("{name}@test"))
                .arg("-f")
                .arg(dir.join(name))
                .status()
                .expect("ssh-keygen runs (Debian: openssh-client)");
            assert!(status.success());
        }
        let keys = Keys { dir };
        keys.authorize(&["staff"]);
        keys
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn public(&self, name: &str) -> String {
        std::fs::read_to_string(self.path(&format!("{name}.pub")))
            .unwrap()
            .trim()
            .to_owned()
    }

    /// Writes authorized_keys with these keys' lines (`name suffix` adds to the comment).
    fn authorize(&self, lines: &[&str]) {
        let text: String = lines
            .iter()
            .map(|line| {
                let (name, extra) = line.split_once(' ').unwrap_or((line, ""));
                format!("{} {extra}\n", self.public(name))
            })
            .collect();
        std::fs::write(self.path("authorized_keys"), text).unwrap();
    }

    /// `SHA256:…` as ssh-keygen prints it.
    fn fingerprint(&self, name: &str) -> String {
        let out = Command::new("ssh-keygen")
            .arg("-lf")
            .arg(self.path(&format!("{name}.pub")))
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        text.split_whitespace().nth(1).unwrap().to_owned()
    }

    fn journal(&self) -> Vec<JournalEntry> {
        std::fs::read_to_string(self.path("journal.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

impl Drop for Keys {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The SSH server on its own runtime.
struct Server {
    runtime: tokio::runtime::Runtime,
    server: Option<SshServer>,
    port: u16,
}

impl Server {
    fn start(keys: &Keys, tune: impl FnOnce(&mut ServeConfig)) -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let mut cfg = ServeConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            authorized_keys: keys.path("authorized_keys"),
            host_key: keys.path("host_ed25519"),
            target: Target::Demo {
                extra_users: 0,
                timeout: Duration::from_secs(30),
            },
            max_sessions: 16,
            idle_timeout: Duration::from_secs(30 * 60),
            journal: keys.path("journal.jsonl"),
            mask: false,
            read_only: false,
            prefs: Default::default(),
        };
        tune(&mut cfg);
        let server = runtime
            .block_on(SshServer::start(cfg))
            .expect("the server starts");
        let port = server.local_addr().port();
        Server {
            runtime,
            server: Some(server),
            port,
        }
    }

    fn active(&self) -> usize {
        self.server.as_ref().map_or(0, |s| s.active_sessions())
    }

    fn wait_active(&self, n: usize) {
        let deadline = Instant::now() + SHORT;
        while self.active() != n {
            assert!(
                Instant::now() < deadline,
                "{} sessions, expected {n}",
                self.active()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// `ssh` arguments for `key`, without a terminal option.
    fn ssh_args(&self, keys: &Keys, key: &str) -> Vec<String> {
        let mut args: Vec<String> = [
            "-F",
            "/dev/null",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "LogLevel=ERROR",
            // As Debian's /etc/ssh/ssh_config does: env requests must not upset the server.
            "-o",
            "SendEnv=LANG LC_*",
            "-p",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.push(self.port.to_string());
        args.push("-i".into());
        args.push(keys.path(key).display().to_string());
        args
    }

    /// `ssh OPTIONS 127.0.0.1 COMMAND` without a pseudo-terminal of our own: its output and
    /// status.
    fn run_ssh(
        &self,
        keys: &Keys,
        key: &str,
        options: &[&str],
        command: &[&str],
    ) -> std::process::Output {
        let mut cmd = Command::new("ssh");
        cmd.args(self.ssh_args(keys, key))
            .args(options)
            .arg("127.0.0.1")
            .args(command)
            .stdin(std::process::Stdio::null())
            .env("LANG", "C.UTF-8");
        cmd.output().expect("ssh runs (Debian: openssh-client)")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            self.runtime.block_on(server.shutdown());
        }
    }
}

/// `ssh -tt` in a pseudo-terminal, read through a terminal emulator.
struct Client {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    /// Set when the reader has read everything the client wrote (end of file).
    drained: Arc<std::sync::atomic::AtomicBool>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    master: Box<dyn MasterPty + Send>,
}

impl Client {
    fn connect(server: &Server, keys: &Keys, key: &str, cols: u16, rows: u16) -> Client {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("a pty");
        let mut cmd = CommandBuilder::new("ssh");
        cmd.args(server.ssh_args(keys, key));
        cmd.args(["-tt", "127.0.0.1"]);
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C.UTF-8");
        let child = pair.slave.spawn_command(cmd).expect("ssh starts");
        let mut reader = pair.master.try_clone_reader().expect("a reader");
        let writer = pair.master.take_writer().expect("a writer");
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let raw = Arc::new(Mutex::new(Vec::new()));
        let drained = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (p, r, d) = (parser.clone(), raw.clone(), drained.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                p.lock().unwrap().process(&buf[..n]);
                r.lock().unwrap().extend_from_slice(&buf[..n]);
            }
            d.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        Client {
            parser,
            raw,
            drained,
            writer,
            child,
            master: pair.master,
        }
    }

    fn contents(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_until(&self, what: &str, limit: Duration, ok: impl Fn(&vt100::Screen) -> bool) {
        let deadline = Instant::now() + limit;
        loop {
            if ok(self.parser.lock().unwrap().screen()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{what}: not so after {limit:?}; the screen:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_for(&self, text: &str, limit: Duration) {
        self.wait_until(&format!("`{text}` on screen"), limit, |s| {
            s.contents().contains(text)
        });
    }

    fn wait_gone(&self, text: &str, limit: Duration) {
        self.wait_until(&format!("`{text}` gone"), limit, |s| {
            !s.contents().contains(text)
        });
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    fn resize(&mut self, cols: u16, rows: u16) {
        self.parser
            .lock()
            .unwrap()
            .screen_mut()
            .set_size(rows, cols);
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
    }

    fn wait_exit(&mut self, limit: Duration) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // Its last bytes (leaving the alternate screen) may still be in the pty:
                // read to the end before anyone looks at them.
                while !self.drained.load(std::sync::atomic::Ordering::SeqCst)
                    && Instant::now() < deadline
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "ssh did not exit; the screen:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The client's terminal as it was: main screen, cursor shown, and the alternate
    /// screen left after it was last entered.
    fn assert_restored(&self) {
        let raw = self.raw.lock().unwrap().clone();
        let text = String::from_utf8_lossy(&raw);
        let entered = text
            .rfind("\x1b[?1049h")
            .expect("the alternate screen was entered");
        let left = text
            .rfind("\x1b[?1049l")
            .expect("the alternate screen was left");
        assert!(left > entered, "left after entered");
        assert!(
            text.rfind("\x1b[?2004l") > text.rfind("\x1b[?2004h"),
            "bracketed paste turned off"
        );
        let parser = self.parser.lock().unwrap();
        assert!(
            !parser.screen().alternate_screen(),
            "back on the main screen"
        );
        assert!(!parser.screen().hide_cursor(), "the cursor is shown");
    }
}

fn users_list_shown(client: &Client) {
    client.wait_for("@example.", LONG);
    let screen = client.contents();
    assert!(screen.contains("Users [1–"), "{screen}");
    assert!(screen.contains("DEMO"), "{screen}");
}

/// The row of the list's top border: as wide as the terminal.
fn border_width(screen: &vt100::Screen) -> Option<usize> {
    screen
        .rows(0, screen.size().1)
        .find(|row| row.starts_with('┌'))
        .map(|row| row.trim_end().chars().count())
}

#[test]
fn a_staff_key_gets_the_console_which_follows_a_resize_and_q_restores_the_terminal() {
    let keys = Keys::new();
    let server = Server::start(&keys, |_| {});
    let mut client = Client::connect(&server, &keys, "staff", 100, 30);
    users_list_shown(&client);
    client.wait_until("the list as wide as 100 columns", SHORT, |s| {
        border_width(s) == Some(100)
    });
    server.wait_active(1);

    client.resize(132, 42);
    client.wait_until("the list as wide as 132 columns", SHORT, |s| {
        border_width(s) == Some(132)
    });
    // The status line moved down to the new last row.
    client.wait_until("the footer on row 42", SHORT, |s| {
        s.rows(0, 132)
            .nth(41)
            .is_some_and(|row| !row.trim().is_empty())
    });
    client.resize(80, 24);
    client.wait_until("the list as wide as 80 columns", SHORT, |s| {
        border_width(s) == Some(80)
    });

    client.send(b"q");
    let status = client.wait_exit(SHORT);
    assert!(status.success(), "{status:?}");
    client.assert_restored();
    server.wait_active(0);

    let journal = keys.journal();
    let fingerprint = keys.fingerprint("staff");
    let start = journal
        .iter()
        .find(|e| e.event == JournalEvent::SessionStart)
        .expect("the session start is journaled");
    assert_eq!(start.fingerprint, fingerprint);
    assert_eq!(start.comment, "staff@test");
    assert_eq!(start.role.as_deref(), Some("admin"));
    let end = journal
        .iter()
        .find(|e| e.event == JournalEvent::SessionEnd)
        .expect("the session end is journaled");
    assert_eq!(end.session, start.session);
    assert_eq!(end.reason.as_deref(), Some("quit"));
}

#[test]
fn keys_paste_and_a_lone_esc_reach_the_console() {
    let keys = Keys::new();
    let server = Server::start(&keys, |_| {});
    let mut client = Client::connect(&server, &keys, "staff", 110, 32);
    users_list_shown(&client);
    // Filter by a bracketed paste, open the one match, then a lone Esc goes back.
    client.send(b"/");
    client.send(b"\x1b[200~ada@\x1b[201~");
    client.wait_for("/ ada@", SHORT);
    client.send(b"\r");
    // Ada is among the oldest users, so the list may still be loading her page: Enter on a
    // filter that has found nobody yet opens nobody ("No user selected").
    client.wait_for("│ada@example.com", SHORT);
    client.send(b"\r");
    client.wait_for("Users › ada@example.com", SHORT);
    client.send(b"\x1b");
    client.wait_gone("Users › ada@example.com", SHORT);
    // Arrow keys and Tab: to the Session tab and back.
    client.send(b"\t");
    client.wait_for("Sign in as a user", SHORT);
    client.send(b"\x1b[Z");
    client.wait_for("Users [1–", SHORT);
    client.send(b"\x03");
    assert!(client.wait_exit(SHORT).success());
    client.assert_restored();
}

/// `mouse = true` on the server: every session turns mouse reports on, a click on a tab
/// goes there, and leaving turns them off again. Off, nothing asks for them.
#[test]
fn with_the_mouse_on_a_click_reaches_the_console_and_reports_end_with_it() {
    let keys = Keys::new();
    let server = Server::start(&keys, |cfg| cfg.prefs.mouse = true);
    let mut client = Client::connect(&server, &keys, "staff", 120, 40);
    users_list_shown(&client);
    client.wait_until("mouse reports on", SHORT, |s| {
        s.mouse_protocol_mode() != vt100::MouseProtocolMode::None
    });
    let (column, row) = client
        .contents()
        .lines()
        .enumerate()
        .find_map(|(y, line)| line.find("Audit").map(|x| (x + 1, y + 1)))
        .expect("the Audit tab is drawn");
    client.send(format!("\x1b[<0;{column};{row}M\x1b[<0;{column};{row}m").as_bytes());
    client.wait_until("the Audit tab shown", SHORT, |s| {
        s.rows(0, 120)
            .nth(1)
            .is_some_and(|tabs| tabs.trim_end().ends_with("Audit"))
    });
    client.send(b"q");
    assert!(client.wait_exit(SHORT).success());
    client.assert_restored();
    assert_eq!(
        client.parser.lock().unwrap().screen().mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "mouse reports off"
    );
    drop(server);

    let server = Server::start(&keys, |_| {});
    let mut client = Client::connect(&server, &keys, "staff", 100, 30);
    users_list_shown(&client);
    client.send(b"q");
    assert!(client.wait_exit(SHORT).success());
    let raw = client.raw.lock().unwrap().clone();
    assert!(
        !String::from_utf8_lossy(&raw).contains("\x1b[?1000h"),
        "the mouse is off by default"
    );
}

#[test]
fn a_key_not_in_the_file_is_refused() {
    let keys = Keys::new();
    let server = Server::start(&keys, |_| {});
    let out = server.run_ssh(&keys, "stranger", &["-tt"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{out:?}");
    assert!(stderr.contains("Permission denied"), "{stderr}");
    assert!(keys.journal().is_empty(), "no session for a stranger");

    // The file is read again at every attempt: once listed, the same key gets in.
    keys.authorize(&["staff", "stranger"]);
    let mut client = Client::connect(&server, &keys, "stranger", 100, 30);
    users_list_shown(&client);
    client.send(b"q");
    assert!(client.wait_exit(SHORT).success());
    // And once removed, it is out again.
    keys.authorize(&["staff"]);
    let out = server.run_ssh(&keys, "stranger", &["-tt"], &[]);
    assert!(!out.status.success(), "{out:?}");
}

#[test]
fn a_connection_gets_a_few_attempts_only() {
    let keys = Keys::new();
    let server = Server::start(&keys, |_| {});
    // Six refused keys first (s1 is the main identity): staff, although listed, comes too
    // late.
    let mut options = Vec::new();
    for name in ["s2", "s3", "s4", "s5", "s6", "staff"] {
        options.push("-i".to_owned());
        options.push(keys.path(name).display().to_string());
    }
    options.push("-tt".into());
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    let started = Instant::now();
    let out = server.run_ssh(&keys, "s1", &options, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{out:?}");
    assert!(stderr.contains("Too many authentication"), "{stderr}");
    // Every refusal took its fixed time.
    assert!(
        started.elapsed() >= AUTH_DELAY * 6,
        "{:?}",
        started.elapsed()
    );
    assert!(keys.journal().is_empty());
}

#[test]
fn killing_a_client_leaves_the_server_serving_others() {
    let keys = Keys::new();
    let server = Server::start(&keys, |_| {});
    let mut first = Client::connect(&server, &keys, "staff", 100, 30);
    users_list_shown(&first);
    server.wait_active(1);
    first.child.kill().unwrap();
    let _ = first.wait_exit(SHORT);
    server.wait_active(0);

    let mut second = Client::connect(&server, &keys, "staff", 100, 30);
    users_list_shown(&second);
    second.send(b"q");
    assert!(second.wait_exit(SHORT).success());
    second.assert_restored();

    let ends: Vec<_> = keys
        .journal()
        .into_iter()
        .filter(|e| e.event == JournalEvent::SessionEnd)
        .filter_map(|e| e.reason)
        .collect();
    assert_eq!(ends, vec!["disconnected".to_owned(), "quit".to_owned()]);
}

#[test]
fn without_a_terminal_the_client_is_told_why() {
    let keys = Keys::new();
    let server = Server::start(&keys, |_| {});
    let out = server.run_ssh(&keys, "staff", &["-T"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{out:?}");
    assert!(stdout.contains("needs a terminal"), "{stdout}");
    let out = server.run_ssh(&keys, "staff", &["-T"], &["ls"]);
    assert!(!out.status.success(), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("runs no commands"),
        "{out:?}"
    );
}

#[test]
fn one_session_over_the_limit_is_told_and_closed() {
    let keys = Keys::new();
    let server = Server::start(&keys, |cfg| cfg.max_sessions = 1);
    let mut first = Client::connect(&server, &keys, "staff", 100, 30);
    users_list_shown(&first);
    let out = server.run_ssh(&keys, "staff", &["-tt"], &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{out:?}");
    assert!(stdout.contains("all 1 consoles are in use"), "{stdout}");
    // The first one is untouched.
    first.send(b"q");
    assert!(first.wait_exit(SHORT).success());
    first.assert_restored();
    assert!(
        keys.journal()
            .iter()
            .any(|e| e.event == JournalEvent::SessionRefused
                && e.reason.as_deref() == Some("session limit"))
    );
}

#[test]
fn an_idle_session_is_told_and_closed_with_the_terminal_restored() {
    let keys = Keys::new();
    let server = Server::start(&keys, |cfg| cfg.idle_timeout = Duration::from_secs(3));
    let mut client = Client::connect(&server, &keys, "staff", 100, 30);
    users_list_shown(&client);
    let status = client.wait_exit(LONG);
    assert!(!status.success(), "{status:?}");
    client.assert_restored();
    client.wait_for("closed after 3 s without a key press", SHORT);
    let ends: Vec<_> = keys
        .journal()
        .into_iter()
        .filter(|e| e.event == JournalEvent::SessionEnd)
        .filter_map(|e| e.reason)
        .collect();
    assert_eq!(ends, vec!["idle".to_owned()]);
}

#[test]
fn a_read_only_key_gets_a_read_only_console() {
    let keys = Keys::new();
    keys.authorize(&["staff", "support gotrue-console:read-only"]);
    let server = Server::start(&keys, |_| {});
    let mut client = Client::connect(&server, &keys, "support", 100, 30);
    users_list_shown(&client);
    client.wait_for("READ-ONLY", SHORT);
    client.send(b"q");
    assert!(client.wait_exit(SHORT).success());
    let start = keys
        .journal()
        .into_iter()
        .find(|e| e.event == JournalEvent::SessionStart)
        .unwrap();
    assert_eq!(start.role.as_deref(), Some("read-only"));
    assert_eq!(start.fingerprint, keys.fingerprint("support"));
}

#[test]
fn mutating_actions_are_journaled_with_the_key() {
    let keys = Keys::new();
    let server = Server::start(&keys, |_| {});
    let mut client = Client::connect(&server, &keys, "staff", 110, 32);
    users_list_shown(&client);
    // Session tab, third mode (sign in → sign up → magic link): a magic link to Ada.
    client.send(b"2");
    client.wait_for("Sign in as a user", SHORT);
    client.send(b"mm");
    client.send(b"e");
    client.send(b"ada@example.com\r");
    client.wait_for("Magic link sent to ada@example.com", SHORT);
    client.wait_until("the action journaled", SHORT, |_| {
        keys.journal()
            .iter()
            .any(|e| e.event == JournalEvent::Action)
    });
    let action = keys
        .journal()
        .into_iter()
        .find(|e| e.event == JournalEvent::Action)
        .unwrap();
    assert_eq!(action.action.as_deref(), Some("send magic link"));
    assert_eq!(action.target.as_deref(), Some("ada@example.com"));
    assert_eq!(action.fingerprint, keys.fingerprint("staff"));
    client.send(b"\x03");
    assert!(client.wait_exit(SHORT).success());
}

/// `gotrue-console serve-ssh` as a process, with its state folder at `state`: its stderr
/// once it serves and once it stopped (SIGTERM).
fn serve_and_stop(keys: &Keys, state: &std::path::Path, log: &str) -> String {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_gotrue-console"))
        .args([
            "serve-ssh",
            "--demo",
            "--listen",
            "127.0.0.1:0",
            "--log",
            log,
        ])
        .arg("--authorized-keys")
        .arg(keys.path("authorized_keys"))
        .arg("--host-key")
        .arg(keys.path("host_ed25519"))
        .arg("--journal")
        .arg(keys.path("journal.jsonl"))
        .env("XDG_STATE_HOME", state)
        .env_remove("GOTRUE_CONSOLE_LOG")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("gotrue-console runs");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            let _ = tx.send(line);
        }
    });
    let mut text = String::new();
    let deadline = Instant::now() + LONG;
    while !text.contains("Ctrl-C stops.") {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) => text.push_str(&format!("{line}\n")),
            Err(_) => panic!("serve-ssh did not start: {text}"),
        }
    }
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    assert!(child.wait().expect("it exits").success(), "{text}");
    text.extend(rx.try_iter().map(|l| format!("{l}\n")));
    text
}

/// `--log stderr` for systemd: tracing's lines on stderr, without colours or times, and no
/// file. `--log file` (the default): a dated file, `serve-ssh.log` linking to it, two weeks
/// of files kept.
#[test]
fn serve_ssh_logs_to_stderr_for_systemd_or_to_daily_files() {
    let keys = Keys::new();
    let state = keys.path("state");
    let text = serve_and_stop(&keys, &state, "stderr");
    let line = text
        .lines()
        .find(|l| l.contains("serving the console over ssh"))
        .unwrap_or_else(|| panic!("no log line: {text}"));
    assert!(
        line.starts_with(" INFO") || line.starts_with("INFO"),
        "{line}"
    );
    assert!(!text.contains('\x1b'), "no colours: {text:?}");
    let logs = state.join("gotrue-console");
    let files = std::fs::read_dir(&logs)
        .map(|d| {
            d.filter_map(Result::ok)
                .map(|e| e.file_name())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    assert!(
        !files
            .iter()
            .any(|f| f.to_string_lossy().starts_with("serve-ssh")),
        "no log file: {files:?}"
    );

    // Twenty days of old logs already there.
    std::fs::create_dir_all(&logs).unwrap();
    for day in 1..=20 {
        std::fs::write(
            logs.join(format!("serve-ssh.2026-01-{day:02}.log")),
            "old\n",
        )
        .unwrap();
    }
    let text = serve_and_stop(&keys, &state, "file");
    assert!(
        !text.contains("serving the console over ssh"),
        "not on stderr: {text}"
    );
    let current = std::fs::read_to_string(logs.join("serve-ssh.log")).expect("serve-ssh.log");
    assert!(
        current.contains("serving the console over ssh"),
        "{current}"
    );
    let today = format!("serve-ssh.{}.log", chrono::Utc::now().format("%Y-%m-%d"));
    let dated: Vec<String> = std::fs::read_dir(&logs)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|f| f.starts_with("serve-ssh.") && f != "serve-ssh.log")
        .collect();
    assert!(dated.contains(&today), "{dated:?}");
    assert_eq!(dated.len(), 14, "two weeks kept: {dated:?}");
}
