//! Terminal plumbing. [`run_app`] is the one event loop, generic over the ratatui backend
//! and the input stream, so the same app runs in the local terminal, over SSH and in tests.

pub mod input_parser;
pub mod local;
pub mod ssh;

use crate::console::app::{App, AppConfig, Msg};
use crate::console::command::{Answer, Command, Outcome, Task, TaskError, TaskOutcome, TaskReply};
use crate::console::input::Input;
use crate::console::worker::Worker;
use crate::gotrue::{GoTrueClient, GoTrueError, RequestLog, Secret};
use chrono::{DateTime, Utc};
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::sync::Arc;
use tokio::sync::mpsc;

/// What the loop needs from its surroundings besides the terminal.
pub struct Environment {
    /// The clock (tests pass a fixed one).
    pub now: Box<dyn Fn() -> DateTime<Utc> + Send>,
    /// Where OSC 52 clipboard text goes: the terminal's output stream.
    pub clipboard: Box<dyn FnMut(&str) + Send>,
    /// Resolves a profile into a client and what the app shows of it. It may block (a key
    /// command runs up to 10 s): the driver calls it off the event loop.
    pub connect: Option<Connector>,
    /// Edits text in the user's editor with the console suspended (a local terminal only;
    /// `None` over SSH and in tests that do not set one).
    pub editor: Option<Editor>,
    /// Where a session is kept between runs when the profile asks for it: the OS keyring
    /// locally, a store of their own in tests, none over SSH.
    pub session_store: Option<crate::console::worker::SharedStore>,
}

/// Edits `text` in a file named `*.{extension}` and returns what the editor left, or why it
/// could not. It blocks until the editor exits; the console is suspended meanwhile.
pub type Editor = Box<dyn FnMut(&str, &str) -> Result<String, String> + Send>;

/// Sees every command the app issues before it runs, and may refuse it: a refused GoTrue call
/// is answered with the error instead. The SSH server journals commands with it and keeps
/// remote users from acting on the server's own machine.
pub type CommandGate = Box<dyn FnMut(&Command) -> Result<(), GoTrueError> + Send>;

/// A new connection for a profile name.
pub type Connector = Arc<dyn Fn(&str) -> Result<(GoTrueClient, AppConfig), String> + Send + Sync>;

impl Environment {
    pub fn system(clipboard: Box<dyn FnMut(&str) + Send>) -> Self {
        Self {
            now: Box::new(Utc::now),
            clipboard,
            connect: None,
            editor: None,
            session_store: None,
        }
    }
}

/// Mouse reports on: presses and releases (1000), in SGR form (1006). Not motion (1002,
/// 1003): it would flood a slow link for nothing the console uses.
pub const MOUSE_ON: &[u8] = b"\x1b[?1000h\x1b[?1006h";
/// Mouse reports off.
pub const MOUSE_OFF: &[u8] = b"\x1b[?1006l\x1b[?1000l";

/// The escape sequence that puts `text` on the clipboard of the terminal showing it.
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

type ConnectResult = Result<(GoTrueClient, AppConfig), String>;

/// The app with its worker: turns messages into state and commands into work. `run_app`
/// drives it from a terminal; tests drive the very same thing step by step.
pub struct Driver {
    app: App,
    worker: Worker,
    outcomes: mpsc::UnboundedReceiver<Answer>,
    /// Answers for refused calls and the editor, through the same channel as the worker's.
    refused: mpsc::UnboundedSender<Answer>,
    logs: mpsc::UnboundedReceiver<RequestLog>,
    connections_tx: mpsc::UnboundedSender<ConnectResult>,
    connections: mpsc::UnboundedReceiver<ConnectResult>,
    observer: crate::gotrue::RequestObserver,
    env: Environment,
    gate: Option<CommandGate>,
    quit: bool,
    /// Something else drew on the terminal (the editor): the next frame is drawn whole.
    repaint: bool,
}

impl Driver {
    pub fn new(app: App, client: GoTrueClient, env: Environment) -> Self {
        let (out_tx, outcomes) = mpsc::unbounded_channel::<Answer>();
        let (log_tx, logs) = mpsc::unbounded_channel::<RequestLog>();
        let observer: crate::gotrue::RequestObserver = Arc::new(move |log: &RequestLog| {
            let _ = log_tx.send(log.clone());
        });
        let refused = out_tx.clone();
        let mut worker = Worker::new(client.with_observer(observer.clone()), out_tx);
        worker.set_session_store(env.session_store.clone());
        worker.set_database(app.config().database.clone());
        worker.set_mailpit(
            app.config()
                .mailpit
                .as_deref()
                .and_then(|url| crate::mailpit::MailpitClient::new(url).ok()),
        );
        let (connections_tx, connections) = mpsc::unbounded_channel();
        Self {
            app,
            worker,
            outcomes,
            refused,
            logs,
            connections_tx,
            connections,
            observer,
            env,
            gate: None,
            quit: false,
            repaint: false,
        }
    }

    /// Uses `editor` for `$EDITOR` edits from now on (`None`: there is no editor here).
    pub fn set_editor(&mut self, editor: Option<Editor>) {
        self.env.editor = editor;
    }

    /// Passes every command the app issues from now on through `gate` first.
    pub fn gate_commands(&mut self, gate: CommandGate) {
        self.gate = Some(gate);
    }

    /// Paces and retries bulk invitations with `opts` instead of the defaults.
    pub fn set_invite_options(&mut self, opts: crate::ops::bulk::InviteOptions) {
        self.worker.set_invite_options(opts);
    }

    /// Sets the clock and sends the first requests.
    pub fn start(&mut self) {
        self.app.update(Msg::Clock((self.env.now)()));
        let first = self.app.start();
        self.run(first);
    }

    pub fn app(&self) -> &App {
        &self.app
    }

    pub fn into_app(self) -> App {
        self.app
    }

    pub fn has_quit(&self) -> bool {
        self.quit
    }

    /// Whether the screen must be cleared and drawn whole (once: this resets it).
    pub fn take_repaint(&mut self) -> bool {
        std::mem::take(&mut self.repaint)
    }

    /// Requests still running on the worker.
    pub fn in_flight(&mut self) -> usize {
        self.worker.in_flight()
    }

    /// Feeds one message (after a clock tick) and runs what it asks for.
    pub fn handle(&mut self, msg: Msg) {
        let mut commands = self.app.update(Msg::Clock((self.env.now)()));
        commands.extend(self.app.update(msg));
        self.run(commands);
    }

    /// Waits for the next message: input, an answer, a finished request, or a wake-up the
    /// app asked for. `None` when the input stream ended.
    pub async fn next_message<S: Stream<Item = Input> + Unpin>(
        &mut self,
        inputs: &mut S,
    ) -> Option<Msg> {
        let sleep = self.app.next_wakeup().map(|at| {
            let wait = (at - (self.env.now)()).to_std().unwrap_or_default();
            tokio::time::sleep(wait)
        });
        tokio::select! {
            input = inputs.next() => input.map(Msg::Input),
            Some(connected) = self.connections.recv() => Some(self.connected(connected)),
            Some(answer) = self.outcomes.recv() => Some(answer_msg(answer)),
            Some(log) = self.logs.recv() => Some(Msg::Activity(log)),
            _ = async { match sleep { Some(s) => s.await, None => std::future::pending().await } } => {
                Some(Msg::Clock((self.env.now)()))
            }
        }
    }

    /// Handles every answer already waiting, without blocking. True if there were any.
    pub fn drain(&mut self) -> bool {
        let mut any = false;
        while let Ok(a) = self.outcomes.try_recv() {
            self.handle(answer_msg(a));
            any = true;
        }
        while let Ok(l) = self.logs.try_recv() {
            self.handle(Msg::Activity(l));
            any = true;
        }
        any
    }

    /// Waits for the next answer from the worker and handles it (tests).
    pub async fn handle_next_outcome(&mut self) -> bool {
        tokio::select! {
            Some(answer) = self.outcomes.recv() => { self.handle(answer_msg(answer)); true }
            Some(log) = self.logs.recv() => { self.handle(Msg::Activity(log)); true }
            Some(connected) = self.connections.recv() => {
                let msg = self.connected(connected);
                self.handle(msg);
                true
            }
            else => false,
        }
    }

    /// A finished profile switch: the worker takes the new client before the app, so the
    /// app's first requests already go to the new server.
    fn connected(&mut self, result: ConnectResult) -> Msg {
        Msg::Reconnected(result.map(|(client, config)| {
            self.worker
                .set_client(client.with_observer(self.observer.clone()));
            self.worker.set_database(config.database.clone());
            config
        }))
    }

    fn run(&mut self, commands: Vec<Command>) {
        for command in commands {
            if let Some(gate) = &mut self.gate
                && let Err(refusal) = gate(&command)
            {
                let answer = match command {
                    Command::Api(id, _) => Answer::Api(Outcome {
                        id,
                        result: Err(refusal),
                    }),
                    Command::Task(id, _) => Answer::Task(TaskOutcome {
                        id,
                        result: Err(TaskError::Refused(refusal.message)),
                    }),
                    _ => continue,
                };
                let _ = self.refused.send(answer);
                continue;
            }
            match command {
                Command::SwitchProfile(name) => self.switch_profile(name),
                Command::Task(id, Task::EditText { text, extension }) => {
                    let result = self.edit_text(&text, extension);
                    let _ = self.refused.send(Answer::Task(TaskOutcome { id, result }));
                }
                command => {
                    if run_commands(
                        vec![command],
                        &mut self.worker,
                        &mut self.env,
                        &self.observer,
                    ) {
                        self.quit = true;
                    }
                }
            }
        }
    }

    /// Runs the editor (blocking: the console is suspended until it exits).
    fn edit_text(&mut self, text: &str, extension: &str) -> Result<TaskReply, TaskError> {
        let Some(editor) = self.env.editor.as_mut() else {
            return Err(TaskError::Refused(
                "An external editor is only available in a local terminal (not over SSH): \
                 use the form"
                    .into(),
            ));
        };
        self.repaint = true;
        editor(text, extension)
            .map(TaskReply::Edited)
            .map_err(|why| TaskError::Refused(format!("The editor failed: {why}")))
    }

    fn switch_profile(&mut self, name: String) {
        let tx = self.connections_tx.clone();
        let Some(connect) = self.env.connect.clone() else {
            let _ = tx.send(Err("profiles are not available here".into()));
            return;
        };
        tokio::task::spawn_blocking(move || {
            let _ = tx.send(connect(&name));
        });
    }
}

fn answer_msg(answer: Answer) -> Msg {
    match answer {
        Answer::Api(o) => Msg::Outcome(o),
        Answer::Task(t) => Msg::Task(t),
    }
}

/// Runs the console until it quits or the input ends. Draws only after something changed.
pub async fn run_app<B, S>(
    terminal: &mut Terminal<B>,
    app: App,
    mut inputs: S,
    client: GoTrueClient,
    env: Environment,
) -> std::io::Result<App>
where
    B: Backend,
    B::Error: Into<std::io::Error>,
    S: Stream<Item = Input> + Unpin,
{
    let mut driver = Driver::new(app, client, env);
    driver.start();
    while !driver.has_quit() {
        if driver.take_repaint() {
            // The editor drew on the screen. Terminal::clear would ask the terminal where its
            // cursor is (an answer a slow link may not bring in time): clear the screen and
            // draw an empty frame instead, so the next frame is drawn whole.
            terminal
                .backend_mut()
                .clear_region(ratatui::backend::ClearType::All)
                .map_err(Into::into)?;
            terminal.draw(|_| {}).map_err(Into::into)?;
        }
        // Each pass follows a message that may have changed the state; an idle console
        // waits in next_message and draws nothing.
        terminal
            .draw(|f| driver.app().draw(f))
            .map_err(Into::into)?;
        let Some(msg) = driver.next_message(&mut inputs).await else {
            break;
        };
        driver.handle(msg);
        // Take everything already waiting before drawing again: a burst of pages costs one
        // frame, not one each.
        driver.drain();
    }
    Ok(driver.into_app())
}

/// Runs commands; true when the app asked to quit.
fn run_commands(
    commands: Vec<Command>,
    worker: &mut Worker,
    env: &mut Environment,
    observer: &crate::gotrue::RequestObserver,
) -> bool {
    for command in commands {
        match command {
            Command::Api(id, call) => worker.spawn(id, call),
            Command::Task(id, task) => worker.task(id, task),
            Command::Cancel(id) => worker.cancel(id),
            Command::Copy(text) => (env.clipboard)(&text),
            Command::SetServiceKey(key) => {
                if let Some(client) = with_service_key(worker.client(), key) {
                    worker.set_client(client.with_observer(observer.clone()));
                }
            }
            Command::UseBaseUrl(base) => {
                if let Ok(client) = worker.client().with_base_url(base) {
                    worker.set_client(client);
                }
            }
            Command::Quit => return true,
            // Handled by the driver, which owns the channel for the answer.
            Command::SwitchProfile(_) => {}
        }
    }
    false
}

fn with_service_key(client: &GoTrueClient, key: Secret) -> Option<GoTrueClient> {
    let mut config = client.config().clone();
    config.service_role_key = Some(key);
    GoTrueClient::new(config).ok()
}
