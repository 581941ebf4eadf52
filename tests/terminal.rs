//! The real binary in a pseudo-terminal: it starts, shows the users, quits on `q`, and leaves
//! the terminal as it found it (alternate screen left, cursor shown, cooked mode back).

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

struct Pty {
    parser: Arc<Mutex<vt100::Parser>>,
    raw: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    pair_slave: Box<dyn portable_pty::SlavePty + Send>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
    /// XDG_STATE_HOME of the console: its log is `gotrue-console/gotrue-console.log`.
    state: std::path::PathBuf,
}

fn spawn(args: &[&str], cols: u16, rows: u16) -> Pty {
    spawn_with(args, &[], cols, rows)
}

fn spawn_with(args: &[&str], envs: &[(&str, &str)], cols: u16, rows: u16) -> Pty {
    let system = native_pty_system();
    let pair = system
        .openpty(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .expect("a pty");
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_gotrue-console"));
    cmd.args(args);
    cmd.env("TERM", "xterm-256color");
    static SPAWNED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = SPAWNED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let state = std::env::temp_dir().join(format!("gc-pty-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&state);
    cmd.env("XDG_STATE_HOME", &state);
    cmd.env("XDG_CONFIG_HOME", &state);
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let child = pair.slave.spawn_command(cmd).expect("the binary starts");
    let mut reader = pair.master.try_clone_reader().expect("a reader");
    let writer = pair.master.take_writer().expect("a writer");
    let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
    let raw = Arc::new(Mutex::new(Vec::new()));
    let (p, r) = (parser.clone(), raw.clone());
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            p.lock().unwrap().process(&buf[..n]);
            r.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    Pty {
        parser,
        raw,
        writer,
        child,
        pair_slave: pair.slave,
        _master: pair.master,
        state,
    }
}

impl Pty {
    fn contents(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, what: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.contents().contains(what) {
            assert!(
                Instant::now() < deadline,
                "`{what}` never appeared; the screen:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn wait_gone(&self, what: &str, limit: Duration) {
        let deadline = Instant::now() + limit;
        while self.contents().contains(what) {
            assert!(
                Instant::now() < deadline,
                "`{what}` stayed:\n{}",
                self.contents()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.state.join("gotrue-console/gotrue-console.log"))
            .unwrap_or_default()
    }

    /// Everything the console wrote to the terminal, as text.
    fn output(&self) -> String {
        String::from_utf8_lossy(&self.raw.lock().unwrap()).into_owned()
    }

    fn signal(&mut self, name: &str) {
        let pid = self.child.process_id().expect("a pid");
        let ok = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(pid.to_string())
            .status()
            .expect("kill runs")
            .success();
        assert!(ok, "kill -{name} {pid}");
    }

    fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    fn wait_exit(&mut self, limit: Duration) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the console did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The terminal's modes, as `stty -a` run on the same pty sees them.
    fn stty(&mut self) -> String {
        let mut cmd = CommandBuilder::new("stty");
        cmd.arg("-a");
        let before = self.raw.lock().unwrap().len();
        let mut child = self.pair_slave.spawn_command(cmd).expect("stty runs");
        child.wait().unwrap();
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let out = String::from_utf8_lossy(&self.raw.lock().unwrap()[before..]).into_owned();
            if out.contains("icanon") {
                return out;
            }
            assert!(Instant::now() < deadline, "no stty output: {out}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn assert_restored(&mut self) {
        // The console has exited, but the reader thread may not have drained the pty yet:
        // wait (bounded) until the last restore comes after the last entry into the
        // alternate screen (an editor run leaves and re-enters it on the way).
        let deadline = Instant::now() + Duration::from_secs(5);
        let restored = |raw: &[u8]| {
            let text = String::from_utf8_lossy(raw);
            text.rfind("\x1b[?1049l") > text.rfind("\x1b[?1049h")
        };
        while !restored(&self.raw.lock().unwrap()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let raw = self.raw.lock().unwrap().clone();
        let text = String::from_utf8_lossy(&raw);
        let entered = text
            .rfind("\x1b[?1049h")
            .expect("the alternate screen was entered");
        let left = text
            .rfind("\x1b[?1049l")
            .expect("the alternate screen was left");
        assert!(left > entered);
        let screen = self.parser.lock().unwrap();
        assert!(
            !screen.screen().alternate_screen(),
            "back on the main screen"
        );
        assert!(!screen.screen().hide_cursor(), "the cursor is shown");
        drop(screen);
        let modes = self.stty();
        assert!(modes.contains(" icanon"), "cooked mode back: {modes}");
        assert!(modes.contains(" echo"), "echo back: {modes}");
        assert!(!modes.contains("-icanon"), "{modes}");
    }
}

#[test]
fn starts_shows_users_and_q_restores_the_terminal() {
    for (cols, rows) in [(120, 40), (80, 24)] {
        let mut pty = spawn(&["--demo"], cols, rows);
        pty.wait_for("@example.", Duration::from_secs(60));
        let screen = pty.contents();
        assert!(screen.contains("Users [1–"), "{screen}");
        assert!(screen.contains("DEMO"), "{screen}");
        assert!(screen.contains("@example."), "{screen}");
        pty.send(b"q");
        let status = pty.wait_exit(Duration::from_secs(10));
        assert!(status.success(), "{status:?}");
        pty.assert_restored();
    }
}

#[test]
fn ctrl_c_quits_from_a_text_field() {
    let mut pty = spawn(&["--demo"], 100, 30);
    pty.wait_for("@example.", Duration::from_secs(60));
    pty.send(b"/");
    pty.send(b"ada");
    pty.wait_for("/ ada", Duration::from_secs(5));
    pty.send(b"q");
    pty.wait_for("/ adaq", Duration::from_secs(5));
    pty.send(b"\x03");
    let status = pty.wait_exit(Duration::from_secs(10));
    assert!(status.success(), "{status:?}");
    pty.assert_restored();
}

#[test]
fn an_unreachable_server_gets_a_panel_and_the_console_stays_usable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let mut pty = spawn(&["--url", &url], 100, 30);
    pty.wait_for("Server unreachable", Duration::from_secs(30));
    assert!(
        pty.contents().contains("could not connect"),
        "{}",
        pty.contents()
    );
    // The key entry has the focus (no key configured): leave it, then read the help.
    pty.wait_for("Enter submit", Duration::from_secs(5));
    pty.send(b"\x1b");
    pty.wait_for("e edit the form", Duration::from_secs(5));
    pty.send(b"?");
    pty.wait_for("Keys", Duration::from_secs(5));
    pty.send(b"\x1b");
    pty.wait_gone("Keys", Duration::from_secs(5));
    pty.send(b"q");
    assert!(pty.wait_exit(Duration::from_secs(10)).success());
    pty.assert_restored();
}

#[test]
fn ctrl_o_edits_the_user_in_editor_with_the_console_suspended() {
    let dir = std::env::temp_dir().join(format!("gc-editor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The "editor": records the terminal's modes, prints a marker on the main screen, and
    // changes one metadata value in the file it was given.
    let script = dir.join("editor.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nstty -a > '{modes}'\ncp \"$1\" '{seen}'\necho EDITOR-RAN\n\
             sed -i 's/\"locale\": \"en-GB\"/\"locale\": \"fr-FR\"/' \"$1\"\n",
            modes = dir.join("modes.txt").display(),
            seen = dir.join("seen.json").display(),
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&script)
        .status()
        .unwrap();
    let editor = script.display().to_string();
    let mut pty = spawn_with(&["--demo"], &[("EDITOR", &editor), ("VISUAL", "")], 120, 40);
    pty.wait_for("@example.", Duration::from_secs(60));
    pty.send(b"/ada@");
    pty.wait_for("/ ada@", Duration::from_secs(30));
    pty.send(b"\r");
    pty.send(b"e");
    pty.wait_for("user_metadata", Duration::from_secs(30));
    pty.wait_for("edit as JSON", Duration::from_secs(30));
    // A password typed in the form never goes to the editor's file.
    pty.send(b"\t\t");
    pty.send(b"typed-secret-pw");
    pty.send(b"\x0f");
    pty.wait_for("Save these changes?", Duration::from_secs(20));
    let screen = pty.contents();
    assert!(screen.contains("user_metadata.locale"), "{screen}");
    assert!(screen.contains("fr-FR"), "{screen}");
    assert!(screen.contains("password: changed"), "{screen}");

    let modes = std::fs::read_to_string(dir.join("modes.txt")).unwrap();
    assert!(
        modes.contains(" icanon") && modes.contains(" echo"),
        "cooked while editing: {modes}"
    );
    let seen = std::fs::read_to_string(dir.join("seen.json")).unwrap();
    assert!(seen.contains("\"email\": \"ada@example.com\""), "{seen}");
    assert!(!seen.contains("typed-secret-pw"), "{seen}");
    // The console left the alternate screen for the editor and came back to it.
    let raw = String::from_utf8_lossy(&pty.raw.lock().unwrap()).into_owned();
    let marker = raw
        .find("EDITOR-RAN")
        .expect("the editor's output reached the terminal");
    assert!(
        raw[..marker].rfind("\x1b[?1049l").is_some(),
        "main screen while editing"
    );
    assert!(
        raw[marker..].contains("\x1b[?1049h"),
        "alternate screen after"
    );
    // Keys work again (raw mode: `y` without Enter) and the change is saved.
    pty.send(b"y");
    pty.wait_for("Saved ada@example.com", Duration::from_secs(20));
    pty.send(b"\x1b");
    pty.wait_gone("Saved ada@example.com:", Duration::from_secs(5));
    pty.send(b"q");
    assert!(pty.wait_exit(Duration::from_secs(10)).success());
    pty.assert_restored();
    // The file with the user's data is gone.
    let left: Vec<_> = std::fs::read_dir(std::env::temp_dir())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name().to_string_lossy().starts_with(&format!(
                "gotrue-console-{}-",
                pty.child.process_id().unwrap_or(0)
            ))
        })
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigterm_and_sighup_leave_the_terminal_restored() {
    for signal in ["TERM", "HUP"] {
        let mut pty = spawn(&["--demo"], 100, 30);
        pty.wait_for("@example.", Duration::from_secs(60));
        // Mid-way through typing in a field, with bracketed paste on.
        pty.send(b"/ad");
        pty.wait_for("/ ad", Duration::from_secs(5));
        pty.signal(signal);
        pty.wait_exit(Duration::from_secs(10));
        pty.assert_restored();
        let out = pty.output();
        assert!(
            out.rfind("\x1b[?2004l") > out.rfind("\x1b[?2004h"),
            "SIG{signal}: bracketed paste is off again"
        );
    }
}

#[test]
fn a_panic_restores_the_terminal_and_is_reported_and_logged() {
    let mut pty = spawn_with(&["--demo"], &[("GOTRUE_CONSOLE_PANIC_KEY", "%")], 100, 30);
    pty.wait_for("@example.", Duration::from_secs(60));
    pty.send(b"%");
    let status = pty.wait_exit(Duration::from_secs(10));
    assert!(!status.success(), "a panic is a failure: {status:?}");
    pty.assert_restored();
    let out = pty.output();
    assert!(
        out.rfind("\x1b[?2004l") > out.rfind("\x1b[?2004h"),
        "bracketed paste is off again"
    );
    // The report is on the main screen, after the alternate screen was left.
    let left = out.rfind("\x1b[?1049l").expect("left the alternate screen");
    assert!(
        out[left..].contains("forced by GOTRUE_CONSOLE_PANIC_KEY"),
        "{}",
        &out[left..]
    );
    let log = pty.log();
    assert!(log.contains("the console panicked"), "{log}");
    assert!(log.contains("forced by GOTRUE_CONSOLE_PANIC_KEY"), "{log}");
}

#[path = "common/demo_process.rs"]
mod demo_process;
use demo_process::DemoProcess;

/// A whole session with trace logging, a known service key, typed passwords and live tokens,
/// ending in a panic: none of the secrets reaches the screen, the log or the panic report.
#[test]
fn no_secret_reaches_the_screen_the_log_or_the_panic_report() {
    let demo = DemoProcess::start(env!("CARGO_BIN_EXE_gotrue-console"), &[]);
    let mut pty = spawn_with(
        &[],
        &[
            ("GOTRUE_URL", &demo.url),
            ("GOTRUE_ANON_KEY", &demo.anon_key),
            ("GOTRUE_SERVICE_ROLE_KEY", &demo.service_role_key),
            ("GOTRUE_CONSOLE_LOG", "trace"),
            ("GOTRUE_CONSOLE_PANIC_KEY", "%"),
        ],
        120,
        40,
    );
    pty.wait_for("@example.", Duration::from_secs(60));
    // Sign in as a user: a typed password, then live access and refresh tokens.
    pty.send(b"2");
    pty.wait_for("Sign in as a user", Duration::from_secs(5));
    pty.send(b"e");
    pty.send(b"ada@example.com\t");
    pty.send(b"analytical-engine-1843\r");
    pty.wait_for("role  authenticated", Duration::from_secs(20));
    // Refresh: the refresh token goes out, new tokens come back. The activity tab lists both
    // token requests.
    pty.send(b"R");
    pty.send(b"4");
    let deadline = Instant::now() + Duration::from_secs(20);
    while pty.contents().matches("POST   /token").count() < 2 {
        assert!(Instant::now() < deadline, "no refresh:\n{}", pty.contents());
        std::thread::sleep(Duration::from_millis(20));
    }
    // Set a new password for a user through the edit form.
    pty.send(b"1");
    pty.wait_for("Users [", Duration::from_secs(5));
    pty.send(b"/grace@");
    pty.wait_for("/ grace@", Duration::from_secs(5));
    pty.send(b"\re");
    pty.wait_for("user_metadata", Duration::from_secs(10));
    pty.send(b"\t\tTyped-Pass-99-Zebra\r");
    pty.wait_for("Save these changes?", Duration::from_secs(20));
    pty.send(b"y");
    pty.wait_for("Saved grace@", Duration::from_secs(20));
    pty.send(b"\x1b");
    pty.wait_gone("Saved grace@example.com:", Duration::from_secs(5));
    pty.send(b"%");
    assert!(!pty.wait_exit(Duration::from_secs(10)).success());
    pty.assert_restored();

    let out = pty.output();
    let log = pty.log();
    assert!(log.contains("TRACE"), "trace logging was on");
    assert!(
        log.contains("the console panicked"),
        "the crash is in the log"
    );
    assert!(
        out.contains("forced by GOTRUE_CONSOLE_PANIC_KEY"),
        "the report was shown"
    );
    for (what, secret) in [
        ("the service key", demo.service_role_key.as_str()),
        ("the signed-in user's password", "analytical-engine-1843"),
        ("the password typed in the form", "Typed-Pass-99-Zebra"),
    ] {
        assert!(!out.contains(secret), "{what} reached the terminal");
        assert!(!log.contains(secret), "{what} reached the log");
    }
    // Access tokens (and the service key) are JWTs: no JWT at all may show.
    for (name, text) in [("terminal", &out), ("log", &log)] {
        if let Some(at) = text.find("eyJ") {
            let around = &text[at.saturating_sub(80)..(at + 80).min(text.len())];
            panic!("a JWT reached the {name}: …{around}…");
        }
    }
}
