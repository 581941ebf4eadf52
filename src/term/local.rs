//! The local terminal: raw mode, alternate screen, bracketed paste, input from a reader
//! thread, and a restore on every way out (quit, error, panic, SIGTERM, SIGHUP).

use crate::console::app::App;
use crate::console::input::Input;
use crate::gotrue::GoTrueClient;
use crate::term::{Connector, Environment, osc52, run_app};
use ratatui::crossterm::cursor::Show;
use ratatui::crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste, KeyCode};
use ratatui::crossterm::execute;
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::mpsc;

pub async fn run(
    app_for: impl FnOnce((u16, u16)) -> App,
    client: GoTrueClient,
    connect: Option<Connector>,
) -> std::io::Result<()> {
    // Listening for SIGTERM and SIGHUP starts before the terminal changes, so that neither
    // can leave it raw.
    let terminated = terminated();
    // ratatui::init: raw mode + alternate screen, and a panic hook that restores the
    // terminal before the panic report prints. Ours runs first: it also ends bracketed paste,
    // shows the cursor and writes the panic to the log.
    let mut terminal = ratatui::init();
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(panic = %info, "the console panicked");
        let _ = execute!(std::io::stdout(), DisableBracketedPaste, Show);
        mouse_reports(false);
        report(info);
    }));
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    let size = terminal
        .size()
        .map(|s| (s.width, s.height))
        .unwrap_or((80, 24));
    let app = app_for(size);
    let mouse = app.mouse();
    mouse_reports(mouse);

    let (tx, rx) = mpsc::unbounded_channel::<Input>();
    // crossterm's read() blocks: it gets a thread of its own, which the editor can pause. It
    // ends with the process.
    let reader = Arc::new(ReaderGate::default());
    let keys = tx.clone();
    let gate = reader.clone();
    std::thread::spawn(move || read_input(&gate, &keys));
    // A test hook: the key named in GOTRUE_CONSOLE_PANIC_KEY panics in the event loop, where a
    // bug would, so that tests can check what a panic leaves behind.
    let panic_key = std::env::var("GOTRUE_CONSOLE_PANIC_KEY")
        .ok()
        .and_then(|k| k.chars().next());
    let inputs = futures::stream::unfold(rx, move |mut rx| async move {
        let input = rx.recv().await?;
        if let (Some(k), Input::Key(key)) = (panic_key, &input)
            && key.code == KeyCode::Char(k)
        {
            panic!("forced by GOTRUE_CONSOLE_PANIC_KEY");
        }
        Some((input, rx))
    });
    let inputs = Box::pin(inputs);

    let mut env = Environment::system(Box::new(|text: &str| {
        let mut out = std::io::stdout();
        let _ = out.write_all(osc52(text).as_bytes());
        let _ = out.flush();
    }));
    env.connect = connect;
    // The OS keyring, for a profile that keeps its session (`keep_session = true`).
    env.session_store = Some(std::sync::Arc::new(
        crate::ops::session_store::KeyringStore::default(),
    ));
    env.editor = Some(Box::new(move |text: &str, extension: &str| {
        edit_suspended(&reader, text, extension, mouse)
    }));

    let result = tokio::select! {
        r = run_app(&mut terminal, app, inputs, client, env) => r.map(drop),
        _ = terminated => Ok(()),
    };
    restore();
    result
}

/// Cooked mode, main screen, no bracketed paste, no mouse reports, cursor shown.
fn restore() {
    let _ = execute!(std::io::stdout(), DisableBracketedPaste, Show);
    mouse_reports(false);
    ratatui::restore();
}

/// Mouse reports on or off: the same sequences as over SSH (presses and the wheel, no
/// motion), which crossterm's reader decodes.
fn mouse_reports(on: bool) {
    let mut out = std::io::stdout();
    let _ = out.write_all(if on {
        crate::term::MOUSE_ON
    } else {
        crate::term::MOUSE_OFF
    });
    let _ = out.flush();
}

/// SIGTERM, or SIGHUP (the SSH link dropped): leave cleanly. The handlers are installed
/// when this is called, not when it is first polled.
fn terminated() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let signals = signal(SignalKind::terminate()).and_then(|t| {
            let h = signal(SignalKind::hangup())?;
            Ok((t, h))
        });
        async move {
            let Ok((mut term, mut hup)) = signals else {
                return std::future::pending().await;
            };
            tokio::select! {
                _ = term.recv() => {}
                _ = hup.recv() => {}
            }
        }
    }
    #[cfg(not(unix))]
    std::future::pending::<()>()
}

/// Lets the editor take the terminal's input from the reader thread and give it back.
#[derive(Default)]
struct ReaderGate {
    state: Mutex<ReaderState>,
    changed: Condvar,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum ReaderState {
    #[default]
    Reading,
    PauseAsked,
    Paused,
}

impl ReaderGate {
    fn lock(&self) -> MutexGuard<'_, ReaderState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Returns once the reader thread stopped reading (or gave no sign within a second: a
    /// thread that ended reads nothing either).
    fn pause(&self) {
        let mut state = self.lock();
        *state = ReaderState::PauseAsked;
        self.changed.notify_all();
        let _ = self
            .changed
            .wait_timeout_while(state, Duration::from_secs(1), |s| {
                *s == ReaderState::PauseAsked
            });
    }

    fn resume(&self) {
        *self.lock() = ReaderState::Reading;
        self.changed.notify_all();
    }

    /// Blocks while a pause is asked for or in force; acknowledges the pause first.
    fn wait_until_reading(&self) {
        let mut state = self.lock();
        if *state == ReaderState::PauseAsked {
            *state = ReaderState::Paused;
            self.changed.notify_all();
        }
        let _guard = self
            .changed
            .wait_while(state, |s| *s != ReaderState::Reading)
            .unwrap_or_else(|e| e.into_inner());
    }
}

/// The reader thread: terminal events become inputs. It polls rather than blocking in
/// read(), so that it notices a pause within a tenth of a second.
fn read_input(gate: &ReaderGate, keys: &mpsc::UnboundedSender<Input>) {
    loop {
        gate.wait_until_reading();
        match event::poll(Duration::from_millis(100)) {
            Ok(false) => continue,
            Ok(true) => match event::read() {
                Ok(ev) => {
                    if let Some(input) = Input::from_crossterm(ev)
                        && keys.send(input).is_err()
                    {
                        return;
                    }
                }
                Err(_) => return,
            },
            Err(_) => return,
        }
    }
}

/// Suspends the console (input paused, cooked mode, main screen), edits `text` in
/// `$VISUAL`/`$EDITOR` (else `vi`), then takes the terminal back. The file is private to the
/// user (0600) and removed afterwards.
fn edit_suspended(
    gate: &ReaderGate,
    text: &str,
    extension: &str,
    mouse: bool,
) -> Result<String, String> {
    let path = std::env::temp_dir().join(format!(
        "gotrue-console-{}-{}.{extension}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    write_private(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let editor = ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|e| !e.trim().is_empty())
        .unwrap_or_else(|| "vi".to_owned());

    gate.pause();
    let mut out = std::io::stdout();
    restore();
    let status = editor_command(&editor, &path).status();
    let _ = ratatui::crossterm::terminal::enable_raw_mode();
    let _ = execute!(
        out,
        ratatui::crossterm::terminal::EnterAlternateScreen,
        EnableBracketedPaste
    );
    mouse_reports(mouse);
    gate.resume();

    let edited = std::fs::read_to_string(&path);
    let _ = std::fs::remove_file(&path);
    match status {
        Err(e) => Err(format!("cannot start the editor `{editor}`: {e}")),
        Ok(s) if !s.success() => Err(format!(
            "the editor `{editor}` exited with {s}; nothing was taken from it"
        )),
        Ok(_) => edited.map_err(|e| format!("cannot read back {}: {e}", path.display())),
    }
}

/// `$EDITOR` may carry arguments (`code --wait`): a shell splits it, and the file name goes
/// in as `$1`, never through the shell's parser.
fn editor_command(editor: &str, path: &std::path::Path) -> std::process::Command {
    #[cfg(unix)]
    {
        let mut cmd = std::process::Command::new("sh");
        cmd.arg("-c")
            .arg(format!("{editor} \"$1\""))
            .arg("gotrue-console-editor")
            .arg(path);
        cmd
    }
    #[cfg(not(unix))]
    {
        let mut cmd = std::process::Command::new(editor);
        cmd.arg(path);
        cmd
    }
}

fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}
