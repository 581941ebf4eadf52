//! One SSH session channel: ask for a terminal, start a console of its own, turn the
//! client's bytes into inputs, draw into the channel, and restore the client's terminal
//! however the console ends (quit, disconnect, idle, shutdown, or a panic).

use super::keys::KeyGrant;
use super::policy::{allowed_over_ssh, is_mutating, target};
use super::{Shared, Target};
use crate::console::app::{App, AppConfig, Msg};
use crate::console::command::{ApiCall, Command, Task};
use crate::console::input::Input;
use crate::demo::{DemoConfig, DemoServer};
use crate::gotrue::{BaseUrl, ClientConfig, ErrorKind, GoTrueClient, GoTrueError};
use crate::ops::journal::{JournalEntry, JournalEvent};
use crate::term::input_parser::InputParser;
use crate::term::{CommandGate, Driver, Environment, osc52};
use futures::future::BoxFuture;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use russh::server::{Handle, Msg as SshMsg};
use russh::{Channel, ChannelId, ChannelMsg};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Alternate screen, cursor hidden, bracketed paste on, screen cleared.
pub const ENTER: &[u8] = b"\x1b[?1049h\x1b[?25l\x1b[?2004h\x1b[H\x1b[2J";
/// The reverse, and mouse reports off if they were on: paste off, colours reset, cursor shown, back to the main screen.
pub const RESTORE: &[u8] = b"\x1b[?1006l\x1b[?1000l\x1b[?2004l\x1b[0m\x1b[?25h\x1b[?1049l";

/// How long a client has after opening a channel to ask for a terminal and a shell.
const NEGOTIATION: Duration = Duration::from_secs(30);
/// The largest terminal a client may claim (a bigger one costs the server memory for
/// nothing); 0 means unknown.
const MAX_COLS: u16 = 500;
const MAX_ROWS: u16 = 200;
const DEFAULT_SIZE: (u16, u16) = (80, 24);
/// Frames and inputs that may wait between the parts of a session.
const QUEUE: usize = 64;

/// Who is on the other end of a channel.
pub struct Visitor {
    pub grant: KeyGrant,
    pub peer: Option<SocketAddr>,
}

/// Why a console ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    Quit,
    /// The client closed the channel or the connection.
    Disconnected,
    Idle,
    Shutdown,
    /// The console's task panicked (a bug); the session was closed, the server runs on.
    Panicked,
    Failed(String),
}

impl Ended {
    fn reason(&self) -> String {
        match self {
            Ended::Quit => "quit".into(),
            Ended::Disconnected => "disconnected".into(),
            Ended::Idle => "idle".into(),
            Ended::Shutdown => "server shutdown".into(),
            Ended::Panicked => "panic".into(),
            Ended::Failed(e) => format!("failed: {e}"),
        }
    }

    /// What the client reads after its terminal is restored.
    fn message(&self, idle: Duration) -> Option<String> {
        match self {
            Ended::Quit | Ended::Disconnected => None,
            Ended::Idle => Some(format!(
                "gotrue-console: closed after {} without a key press.",
                human_duration(idle)
            )),
            Ended::Shutdown => Some("gotrue-console: the server is shutting down.".into()),
            Ended::Panicked => Some(
                "gotrue-console: the console hit a bug and was closed (the server runs on; \
                 its log has the details)."
                    .into(),
            ),
            Ended::Failed(e) => Some(format!("gotrue-console: {e}")),
        }
    }
}

/// `30 min`, `90 s`, `2 h`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 && s.is_multiple_of(3600) {
        format!("{} h", s / 3600)
    } else if s >= 60 && s.is_multiple_of(60) {
        format!("{} min", s / 60)
    } else {
        format!("{s} s")
    }
}

/// Why no console was started on a channel.
enum Refusal {
    /// The client left (or never asked for a shell in time).
    Gone,
    NoPty,
    Exec,
    Subsystem,
}

/// Runs one session channel to its end.
pub async fn run(mut channel: Channel<SshMsg>, handle: Handle, shared: Arc<Shared>, who: Visitor) {
    let id = channel.id();
    // The channel's messages, read on a task of their own (it ends with the channel).
    let (msg_tx, mut messages) = mpsc::channel::<ChannelMsg>(QUEUE);
    tokio::spawn(async move {
        while let Some(msg) = channel.wait().await {
            if msg_tx.send(msg).await.is_err() {
                return;
            }
        }
    });
    let session = new_session_id();
    let entry =
        |event| JournalEntry::new(&session, &who.grant.fingerprint, &who.grant.comment, event);
    let size = match negotiate(&mut messages, &handle, id).await {
        Ok(size) => size,
        Err(refusal) => {
            let why = match refusal {
                Refusal::Gone => None,
                Refusal::NoPty => Some(
                    "gotrue-console needs a terminal: connect with `ssh -t` (and without `-T`).",
                ),
                Refusal::Exec => {
                    Some("gotrue-console runs no commands: connect without one to get the console.")
                }
                Refusal::Subsystem => None,
            };
            if let Some(why) = why {
                let mut refused = entry(JournalEvent::SessionRefused);
                refused.peer = who.peer.map(|p| p.to_string());
                refused.reason = Some(why.to_owned());
                shared.journal.write(&refused);
                let _ = handle.data(id, format!("{why}\r\n").into_bytes()).await;
                let _ = handle.exit_status_request(id, 1).await;
            }
            close(&handle, id).await;
            return;
        }
    };

    let Ok(_slot) = shared.slots.clone().try_acquire_owned() else {
        let why = format!(
            "gotrue-console: all {} consoles are in use; try again later.",
            shared.max_sessions
        );
        let mut refused = entry(JournalEvent::SessionRefused);
        refused.peer = who.peer.map(|p| p.to_string());
        refused.reason = Some("session limit".into());
        shared.journal.write(&refused);
        let _ = handle.data(id, format!("{why}\r\n").into_bytes()).await;
        let _ = handle.exit_status_request(id, 1).await;
        close(&handle, id).await;
        return;
    };

    let mut start = entry(JournalEvent::SessionStart);
    start.peer = who.peer.map(|p| p.to_string());
    let read_only = shared.read_only || who.grant.read_only;
    start.role = Some(if read_only { "read-only" } else { "admin" }.into());
    start.mask = Some(who.grant.mask);
    shared.journal.write(&start);
    tracing::info!(session, key = %who.grant.fingerprint, comment = %who.grant.comment,
        peer = ?who.peer, read_only, "ssh session started");

    // Frames go to the client through one queue, so the restore comes after the last frame.
    let (out_tx, out_rx) = mpsc::channel::<Vec<u8>>(QUEUE);
    let writer = tokio::spawn(write_out(handle.clone(), id, out_rx));
    let ended = match connect(
        &shared.target,
        read_only,
        who.grant.mask,
        shared.journal.path(),
    )
    .await
    {
        Ok(mut backend) => {
            backend.app.prefs = shared.prefs.clone();
            let mut enter = ENTER.to_vec();
            if shared.prefs.mouse {
                enter.extend_from_slice(crate::term::MOUSE_ON);
            }
            let _ = out_tx.send(enter).await;
            let gate = command_gate(
                shared.clone(),
                session.clone(),
                who.grant.clone(),
                allowed_over_ssh,
            );
            let (input_tx, input_rx) = mpsc::channel::<Input>(QUEUE);
            let console = console(
                backend.client,
                backend.app,
                size,
                input_rx,
                out_tx.clone(),
                gate,
            );
            let ended = supervise(
                console,
                &mut messages,
                input_tx,
                shared.idle_timeout,
                shared.shutdown.clone(),
            )
            .await;
            if let Some(demo) = backend.demo {
                demo.shutdown().await;
            }
            ended
        }
        Err(e) => Ended::Failed(e),
    };

    let _ = out_tx.send(farewell(&ended, shared.idle_timeout)).await;
    drop(out_tx);
    // Everything queued reaches the channel before it closes (unless the client is gone).
    let _ = tokio::time::timeout(Duration::from_secs(5), writer).await;
    let status = u32::from(ended != Ended::Quit);
    let _ = handle.exit_status_request(id, status).await;
    close(&handle, id).await;

    let mut end = entry(JournalEvent::SessionEnd);
    end.reason = Some(ended.reason());
    shared.journal.write(&end);
    tracing::info!(session, reason = %ended.reason(), "ssh session ended");
}

/// The last bytes a client gets: its terminal restored, then why the session ended.
fn farewell(ended: &Ended, idle: Duration) -> Vec<u8> {
    let mut tail = RESTORE.to_vec();
    if let Some(message) = ended.message(idle) {
        tail.extend_from_slice(format!("{message}\r\n").as_bytes());
    }
    tail
}

async fn close(handle: &Handle, id: ChannelId) {
    let _ = handle.eof(id).await;
    let _ = handle.close(id).await;
}

async fn write_out(handle: Handle, id: ChannelId, mut frames: mpsc::Receiver<Vec<u8>>) {
    while let Some(bytes) = frames.recv().await {
        if handle.data(id, bytes).await.is_err() {
            return;
        }
    }
}

fn new_session_id() -> String {
    let mut id = uuid::Uuid::new_v4().simple().to_string();
    id.truncate(12);
    id
}

fn clamp_size(cols: u32, rows: u32) -> (u16, u16) {
    if cols == 0 || rows == 0 {
        return DEFAULT_SIZE;
    }
    let cols = u16::try_from(cols).unwrap_or(MAX_COLS).min(MAX_COLS);
    let rows = u16::try_from(rows).unwrap_or(MAX_ROWS).min(MAX_ROWS);
    (cols, rows)
}

/// Waits for `pty-req` and `shell`; the terminal's size once both came.
async fn negotiate(
    messages: &mut mpsc::Receiver<ChannelMsg>,
    handle: &Handle,
    id: ChannelId,
) -> Result<(u16, u16), Refusal> {
    let deadline = Instant::now() + NEGOTIATION;
    let mut pty = None;
    loop {
        let msg = match tokio::time::timeout_at(deadline, messages.recv()).await {
            Ok(Some(msg)) => msg,
            Ok(None) | Err(_) => return Err(Refusal::Gone),
        };
        match msg {
            ChannelMsg::RequestPty {
                col_width,
                row_height,
                ..
            } => {
                pty = Some(clamp_size(col_width, row_height));
                let _ = handle.channel_success(id).await;
            }
            ChannelMsg::WindowChange {
                col_width,
                row_height,
                ..
            } if pty.is_some() => pty = Some(clamp_size(col_width, row_height)),
            ChannelMsg::RequestShell { .. } => {
                let _ = handle.channel_success(id).await;
                return pty.ok_or(Refusal::NoPty);
            }
            ChannelMsg::Exec { .. } => {
                // Accepted, so that the client shows the message that follows.
                let _ = handle.channel_success(id).await;
                return Err(Refusal::Exec);
            }
            ChannelMsg::RequestSubsystem { .. } => {
                let _ = handle.channel_failure(id).await;
                return Err(Refusal::Subsystem);
            }
            ChannelMsg::RequestX11 { .. } => {
                let _ = handle.channel_failure(id).await;
            }
            ChannelMsg::Eof | ChannelMsg::Close => return Err(Refusal::Gone),
            // Environment variables (`SendEnv LANG`) are asked without a reply and
            // ignored; an answer here would be taken as the answer to the shell request.
            // Agent forwarding is refused by the handler.
            _ => {}
        }
    }
}

/// Journals the session's changes, and refuses the calls that `allowed` does not pass (they
/// would act on the server's own machine for a remote user).
fn command_gate(
    shared: Arc<Shared>,
    session: String,
    grant: KeyGrant,
    allowed: fn(&ApiCall) -> bool,
) -> CommandGate {
    Box::new(move |command: &Command| {
        let call = match command {
            Command::Task(_, task) if super::policy::task_allowed_over_ssh(task) => {
                return Ok(());
            }
            Command::Task(_, task) => {
                let mut e = JournalEntry::new(
                    &session,
                    &grant.fingerprint,
                    &grant.comment,
                    JournalEvent::Action,
                );
                e.action = Some(task.label().to_owned());
                e.reason = Some("refused: not available over SSH".into());
                shared.journal.write(&e);
                tracing::warn!(session, action = task.label(), "refused over ssh");
                return Err(GoTrueError::local(
                    ErrorKind::Validation,
                    Some("not_available_over_ssh"),
                    match task {
                        // An editor on the server's machine is a shell on it.
                        Task::EditText { .. } => {
                            "An external editor is not available over SSH: use the form".into()
                        }
                        _ => format!(
                            "{} is not available over SSH: it would use the server's own files",
                            task.label()
                        ),
                    },
                ));
            }
            Command::Api(_, call) => call,
            _ => return Ok(()),
        };
        let permitted = allowed(call);
        if permitted && !is_mutating(call) {
            return Ok(());
        }
        let mut e = JournalEntry::new(
            &session,
            &grant.fingerprint,
            &grant.comment,
            JournalEvent::Action,
        );
        e.action = Some(call.label().to_owned());
        e.target = target(call);
        if !permitted {
            e.reason = Some("refused: not available over SSH".into());
        }
        shared.journal.write(&e);
        if permitted {
            return Ok(());
        }
        tracing::warn!(session, action = call.label(), "refused over ssh");
        Err(GoTrueError::local(
            ErrorKind::Validation,
            Some("not_available_over_ssh"),
            format!(
                "{} is not available over SSH: it would act on the server's own machine",
                call.label()
            ),
        ))
    })
}

/// What a console talks to.
struct Backend {
    client: GoTrueClient,
    app: AppConfig,
    /// The session's own demo server, stopped when the session ends.
    demo: Option<DemoServer>,
}

async fn connect(
    target: &Target,
    read_only: bool,
    mask: bool,
    journal: &std::path::Path,
) -> Result<Backend, String> {
    match target {
        Target::Demo {
            extra_users,
            timeout,
        } => {
            let demo = DemoServer::start(DemoConfig {
                extra_users: *extra_users,
                // Each visitor's data is signed with its own secret.
                jwt_secret: format!(
                    "{}{}",
                    uuid::Uuid::new_v4().simple(),
                    uuid::Uuid::new_v4().simple()
                ),
                ..DemoConfig::default()
            })
            .await
            .map_err(|e| format!("the demo server did not start: {e}"))?;
            let base = BaseUrl::parse(demo.url()).map_err(|e| e.to_string())?;
            let config = ClientConfig {
                request_timeout: *timeout,
                ..ClientConfig::new(base)
                    .anon_key(demo.anon_key())
                    .service_role_key(demo.service_role_key())
            };
            let client = GoTrueClient::new(config).map_err(|e| e.to_string())?;
            let app = AppConfig {
                server: demo.url().to_owned(),
                profile: Some("demo".into()),
                read_only,
                mask,
                journal: Some(journal.to_path_buf()),
                demo: true,
                has_service_key: true,
                admin_key_kind: None,
                ..AppConfig::default()
            };
            Ok(Backend {
                client,
                app,
                demo: Some(demo),
            })
        }
        Target::Server { client, app } => {
            let client = GoTrueClient::new((**client).clone()).map_err(|e| e.to_string())?;
            let app = AppConfig {
                read_only: app.read_only || read_only,
                mask: app.mask || mask,
                journal: Some(journal.to_path_buf()),
                // Only the server's profile: its other profiles stay out of reach.
                profiles: Vec::new(),
                warnings: Vec::new(),
                ..(**app).clone()
            };
            Ok(Backend {
                client,
                app,
                demo: None,
            })
        }
    }
}

/// What the terminal backend writes, taken after each frame and sent to the channel.
#[derive(Clone, Default)]
struct Screen(Arc<Mutex<Vec<u8>>>);

impl Screen {
    fn take(&self) -> Vec<u8> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Write for Screen {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The console of one session: the app and its driver on a terminal the size of the
/// client's, drawing into `out` after every message, until it quits or its inputs end.
fn console(
    client: GoTrueClient,
    cfg: AppConfig,
    (cols, rows): (u16, u16),
    mut inputs: mpsc::Receiver<Input>,
    out: mpsc::Sender<Vec<u8>>,
    gate: CommandGate,
) -> BoxFuture<'static, Ended> {
    Box::pin(async move {
        let screen = Screen::default();
        let clip = screen.clone();
        let env = Environment::system(Box::new(move |text: &str| {
            let _ = clip.clone().write_all(osc52(text).as_bytes());
        }));
        let area = Rect::new(0, 0, cols, rows);
        let mut terminal = match Terminal::with_options(
            CrosstermBackend::new(screen.clone()),
            TerminalOptions {
                viewport: Viewport::Fixed(area),
            },
        ) {
            Ok(t) => t,
            Err(e) => return Ended::Failed(e.to_string()),
        };
        let app = App::new(cfg, chrono::Utc::now(), (cols, rows));
        let mut driver = Driver::new(app, client, env);
        driver.gate_commands(gate);
        driver.start();
        let mut inputs = futures::stream::poll_fn(move |cx| inputs.poll_recv(cx));
        while !driver.has_quit() {
            if let Err(e) = terminal.draw(|f| driver.app().draw(f)) {
                return Ended::Failed(e.to_string());
            }
            let frame = screen.take();
            if !frame.is_empty() && out.send(frame).await.is_err() {
                return Ended::Disconnected;
            }
            let Some(msg) = driver.next_message(&mut inputs).await else {
                return Ended::Disconnected;
            };
            if let Msg::Input(Input::Resize { width, height }) = &msg
                && let Err(e) = terminal.resize(Rect::new(0, 0, *width, *height))
            {
                return Ended::Failed(e.to_string());
            }
            driver.handle(msg);
            driver.drain();
        }
        // A copy asked for just before quitting still reaches the clipboard.
        let last = screen.take();
        if !last.is_empty() {
            let _ = out.send(last).await;
        }
        Ended::Quit
    })
}

/// Runs `console` on its own task and feeds it the channel's input until one of them ends,
/// the client idles past `idle`, or the server shuts down. A panic in the console ends this
/// session only.
async fn supervise(
    console: BoxFuture<'static, Ended>,
    messages: &mut mpsc::Receiver<ChannelMsg>,
    inputs: mpsc::Sender<Input>,
    idle: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) -> Ended {
    let mut task = tokio::spawn(console);
    let mut parser = InputParser::new();
    let mut last_input = Instant::now();
    let mut esc_deadline: Option<Instant> = None;
    let mut inputs = Some(inputs);
    let ended = loop {
        let idle_at = last_input + idle;
        tokio::select! {
            joined = &mut task => break joined_reason(joined),
            msg = messages.recv() => {
                let new: Vec<Input> = match msg {
                    Some(ChannelMsg::Data { data }) => {
                        last_input = Instant::now();
                        esc_deadline = Some(last_input + InputParser::ESC_WAIT);
                        parser.feed(&data)
                    }
                    Some(ChannelMsg::WindowChange { col_width, row_height, .. }) => {
                        let (width, height) = clamp_size(col_width, row_height);
                        vec![Input::Resize { width, height }]
                    }
                    Some(ChannelMsg::Eof | ChannelMsg::Close) | None => {
                        break Ended::Disconnected;
                    }
                    Some(_) => Vec::new(),
                };
                if let Some(tx) = &inputs {
                    for input in new {
                        if tx.send(input).await.is_err() {
                            // The console stopped reading: it is ending; its task says why.
                            inputs = None;
                            break;
                        }
                    }
                }
            }
            _ = sleep_until_some(esc_deadline) => {
                esc_deadline = None;
                if let Some(tx) = &inputs {
                    for input in parser.flush() {
                        let _ = tx.send(input).await;
                    }
                }
            }
            _ = tokio::time::sleep_until(idle_at) => break Ended::Idle,
            () = stopped(&mut shutdown) => break Ended::Shutdown,
        }
    };
    // The console may still be running: its input ends, then it has a moment to finish
    // (and send its last frame) before it is stopped.
    drop(inputs);
    if !task.is_finished()
        && tokio::time::timeout(Duration::from_secs(2), &mut task)
            .await
            .is_err()
    {
        task.abort();
    }
    ended
}

fn joined_reason(joined: Result<Ended, tokio::task::JoinError>) -> Ended {
    match joined {
        Ok(ended) => ended,
        Err(e) if e.is_panic() => {
            let payload = e.into_panic();
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            tracing::error!(panic = %what, "an ssh session's console panicked");
            Ended::Panicked
        }
        Err(_) => Ended::Failed("the console was stopped".into()),
    }
}

/// When the server shuts down (or is gone).
async fn stopped(shutdown: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::KeyCode;
    use tokio::sync::watch;

    struct Rig {
        messages_tx: mpsc::Sender<ChannelMsg>,
        messages: mpsc::Receiver<ChannelMsg>,
        inputs_tx: Option<mpsc::Sender<Input>>,
        inputs: mpsc::Receiver<Input>,
        stop: watch::Sender<bool>,
    }

    fn rig() -> Rig {
        let (messages_tx, messages) = mpsc::channel(16);
        let (inputs_tx, inputs) = mpsc::channel(16);
        let (stop, _) = watch::channel(false);
        Rig {
            messages_tx,
            messages,
            inputs_tx: Some(inputs_tx),
            inputs,
            stop,
        }
    }

    impl Rig {
        async fn supervise(&mut self, console: BoxFuture<'static, Ended>, idle: u64) -> Ended {
            supervise(
                console,
                &mut self.messages,
                self.inputs_tx.take().unwrap(),
                Duration::from_secs(idle),
                self.stop.subscribe(),
            )
            .await
        }
    }

    fn data(bytes: &[u8]) -> ChannelMsg {
        ChannelMsg::Data {
            data: bytes.to_vec().into(),
        }
    }

    #[tokio::test]
    async fn a_panicking_console_ends_its_session_only_and_the_client_is_restored() {
        let mut r = rig();
        let ended = r
            .supervise(Box::pin(async { panic!("a bug in a screen") }), 60)
            .await;
        assert_eq!(ended, Ended::Panicked);
        let bytes = farewell(&ended, Duration::from_secs(60));
        assert!(bytes.starts_with(RESTORE), "restored first");
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("\x1b[?1049l") && text.contains("\x1b[?25h"));
        assert!(text.contains("hit a bug"), "{text}");
        // The runtime (the server) goes on: another console runs fine.
        let mut r = rig();
        let ended = r.supervise(Box::pin(async { Ended::Quit }), 60).await;
        assert_eq!(ended, Ended::Quit);
    }

    #[tokio::test(start_paused = true)]
    async fn bytes_become_inputs_and_a_lone_esc_comes_after_a_quiet_moment() {
        let mut r = rig();
        let (seen_tx, mut seen) = mpsc::unbounded_channel();
        let mut inputs = std::mem::replace(&mut r.inputs, mpsc::channel(1).1);
        let console = Box::pin(async move {
            while let Some(input) = inputs.recv().await {
                let _ = seen_tx.send(input);
            }
            Ended::Disconnected
        });
        r.messages_tx.send(data(b"j\x1b[B")).await.unwrap();
        r.messages_tx.send(data(b"\x1b")).await.unwrap();
        r.messages_tx
            .send(ChannelMsg::WindowChange {
                col_width: 120,
                row_height: 0,
                pix_width: 0,
                pix_height: 0,
            })
            .await
            .unwrap();
        let tx = r.messages_tx.clone();
        tokio::spawn(async move {
            // Long after the Esc's wait: the Esc was already given on its own.
            tokio::time::sleep(Duration::from_secs(1)).await;
            let _ = tx.send(ChannelMsg::Close).await;
        });
        let ended = r.supervise(console, 600).await;
        assert_eq!(ended, Ended::Disconnected);
        let mut got = Vec::new();
        while let Ok(input) = seen.try_recv() {
            got.push(input);
        }
        assert_eq!(
            got,
            vec![
                Input::key(KeyCode::Char('j')),
                Input::key(KeyCode::Down),
                // A size of 0 is unknown: the default.
                Input::Resize {
                    width: 80,
                    height: 24
                },
                Input::key(KeyCode::Esc),
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn idle_past_the_limit_ends_the_session() {
        let mut r = rig();
        let console = Box::pin(std::future::pending::<Ended>());
        let started = Instant::now();
        let ended = r.supervise(console, 90).await;
        assert_eq!(ended, Ended::Idle);
        assert!(started.elapsed() >= Duration::from_secs(90));
        let text = String::from_utf8_lossy(&farewell(&ended, Duration::from_secs(90))).into_owned();
        assert!(
            text.contains("closed after 90 s without a key press"),
            "{text}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_key_press_restarts_the_idle_clock() {
        let mut r = rig();
        let mut inputs = std::mem::replace(&mut r.inputs, mpsc::channel(1).1);
        let console = Box::pin(async move {
            while inputs.recv().await.is_some() {}
            std::future::pending::<Ended>().await
        });
        let tx = r.messages_tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(50)).await;
            let _ = tx.send(data(b"j")).await;
        });
        let started = Instant::now();
        assert_eq!(r.supervise(console, 60).await, Ended::Idle);
        assert!(started.elapsed() >= Duration::from_secs(110));
    }

    #[tokio::test]
    async fn shutdown_ends_the_session_and_says_so() {
        let mut r = rig();
        r.stop.send_replace(true);
        let console = Box::pin(std::future::pending::<Ended>());
        let ended = r.supervise(console, 600).await;
        assert_eq!(ended, Ended::Shutdown);
        let text = String::from_utf8_lossy(&farewell(&ended, Duration::from_secs(1))).into_owned();
        assert!(text.contains("shutting down"), "{text}");
    }

    fn shared(dir: &std::path::Path) -> Arc<Shared> {
        let (_, shutdown) = watch::channel(false);
        Arc::new(Shared {
            authorized_keys: dir.join("authorized_keys"),
            mask: false,
            read_only: false,
            prefs: Default::default(),
            idle_timeout: Duration::from_secs(60),
            max_sessions: 1,
            target: Target::Demo {
                extra_users: 0,
                timeout: Duration::from_secs(1),
            },
            journal: crate::ops::journal::Journal::open(&dir.join("journal.jsonl")).unwrap(),
            slots: Arc::new(tokio::sync::Semaphore::new(1)),
            startups: Arc::new(tokio::sync::Semaphore::new(1)),
            shutdown,
        })
    }

    fn grant() -> KeyGrant {
        KeyGrant {
            fingerprint: "SHA256:test".into(),
            comment: "ada@laptop".into(),
            read_only: false,
            mask: false,
        }
    }

    fn journal(dir: &std::path::Path) -> Vec<JournalEntry> {
        std::fs::read_to_string(dir.join("journal.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn temp_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("gc-gate-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_gate_journals_changes_and_lets_gotrue_calls_through() {
        let dir = temp_dir();
        let mut gate = command_gate(shared(&dir), "s1".into(), grant(), allowed_over_ssh);
        let id = crate::console::command::RequestId(1);
        assert!(gate(&Command::Api(id, ApiCall::Health)).is_ok());
        assert!(gate(&Command::Quit).is_ok());
        assert!(journal(&dir).is_empty(), "reads are not journaled");
        let link = ApiCall::MagicLink {
            email: "ada@example.com".into(),
        };
        assert!(gate(&Command::Api(id, link)).is_ok());
        let entries = journal(&dir);
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].action.as_deref(), Some("send magic link"));
        assert_eq!(entries[0].target.as_deref(), Some("ada@example.com"));
        assert_eq!(entries[0].fingerprint, "SHA256:test");
        assert_eq!(entries[0].reason, None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_call_not_allowed_over_ssh_is_refused_and_journaled() {
        let dir = temp_dir();
        let mut gate = command_gate(shared(&dir), "s1".into(), grant(), |_| false);
        let refused = gate(&Command::Api(
            crate::console::command::RequestId(7),
            ApiCall::Outbox,
        ))
        .expect_err("refused");
        assert_eq!(refused.code.as_deref(), Some("not_available_over_ssh"));
        assert!(
            refused.to_string().contains("not available over SSH"),
            "{refused}"
        );
        let entries = journal(&dir);
        assert_eq!(entries.len(), 1, "a refusal is journaled even for a read");
        assert_eq!(
            entries[0].reason.as_deref(),
            Some("refused: not available over SSH")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_external_editor_is_refused_over_ssh_even_where_calls_are_allowed() {
        let dir = temp_dir();
        let mut gate = command_gate(shared(&dir), "s1".into(), grant(), |_| true);
        let refused = gate(&Command::Task(
            crate::console::command::RequestId(3),
            Task::EditText {
                text: "{}".into(),
                extension: "json",
            },
        ))
        .expect_err("refused");
        assert_eq!(refused.code.as_deref(), Some("not_available_over_ssh"));
        let refused = gate(&Command::Task(
            crate::console::command::RequestId(4),
            Task::ReadInvites("/etc/passwd".into()),
        ))
        .expect_err("refused");
        assert!(
            refused.to_string().contains("server's own files"),
            "{refused}"
        );
        assert!(
            gate(&Command::Task(
                crate::console::command::RequestId(5),
                Task::ReadJournal {
                    path: "/var/lib/journal.jsonl".into(),
                    last: 10
                },
            ))
            .is_ok(),
            "the server's own journal"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A refused call never reaches the worker: its answer is the refusal.
    #[tokio::test]
    async fn the_driver_answers_a_refused_call_with_the_refusal() {
        let dir = temp_dir();
        let client = GoTrueClient::new(ClientConfig::new(
            BaseUrl::parse("http://127.0.0.1:9").unwrap(),
        ))
        .unwrap();
        let cfg = AppConfig {
            prefs: Default::default(),
            has_service_key: true,
            admin_key_kind: None,
            ..AppConfig::default()
        };
        let app = App::new(cfg, chrono::Utc::now(), (80, 24));
        let mut driver = Driver::new(app, client, Environment::system(Box::new(|_: &str| {})));
        driver.gate_commands(command_gate(shared(&dir), "s1".into(), grant(), |_| false));
        driver.start();
        assert_eq!(driver.in_flight(), 0, "nothing was sent");
        let answered = tokio::time::timeout(Duration::from_secs(5), driver.handle_next_outcome())
            .await
            .expect("the refusals are answers already waiting");
        assert!(answered);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn sizes_are_clamped() {
        assert_eq!(clamp_size(0, 0), DEFAULT_SIZE);
        assert_eq!(clamp_size(100, 30), (100, 30));
        assert_eq!(clamp_size(100_000, 70_000), (MAX_COLS, MAX_ROWS));
    }
}
