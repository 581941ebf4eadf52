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
}

fn spawn(args: &[&str], cols: u16, rows: u16) -> Pty {
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
    let state = std::env::temp_dir().join(format!("gc-pty-{}", std::process::id()));
    cmd.env("XDG_STATE_HOME", &state);
    cmd.env("XDG_CONFIG_HOME", &state);
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
