//! Terminal plumbing. [`run_app`] is the one event loop, generic over the ratatui backend
//! and the input stream, so the same app runs in the local terminal, over SSH and in tests.

pub mod local;

use crate::app::{App, Msg};
use crate::command::{Command, Outcome};
use crate::gotrue::{GoTrueClient, RequestLog, Secret};
use crate::input::Input;
use crate::worker::Worker;
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
}

impl Environment {
    pub fn system(clipboard: Box<dyn FnMut(&str) + Send>) -> Self {
        Self {
            now: Box::new(Utc::now),
            clipboard,
        }
    }
}

/// The escape sequence that puts `text` on the clipboard of the terminal showing it.
pub fn osc52(text: &str) -> String {
    use base64::Engine;
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(text)
    )
}

/// Runs the console until it quits or the input ends. Draws only after something changed.
pub async fn run_app<B, S>(
    terminal: &mut Terminal<B>,
    mut app: App,
    mut inputs: S,
    client: GoTrueClient,
    mut env: Environment,
) -> std::io::Result<App>
where
    B: Backend,
    B::Error: Into<std::io::Error>,
    S: Stream<Item = Input> + Unpin,
{
    let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Outcome>();
    let (log_tx, mut log_rx) = mpsc::unbounded_channel::<RequestLog>();
    let observer: crate::gotrue::RequestObserver = Arc::new(move |log: &RequestLog| {
        let _ = log_tx.send(log.clone());
    });
    let mut worker = Worker::new(client.with_observer(observer.clone()), out_tx);

    app.update(Msg::Clock((env.now)()));
    let first = app.start();
    if run_commands(first, &mut worker, &mut env, &observer) {
        return Ok(app);
    }
    loop {
        // Every pass of this loop follows a message that may have changed the state; an
        // idle console sits in the select below and draws nothing.
        terminal.draw(|f| app.draw(f)).map_err(Into::into)?;
        let sleep = app.next_wakeup().map(|at| {
            let wait = (at - (env.now)()).to_std().unwrap_or_default();
            tokio::time::sleep(wait)
        });
        let msg = tokio::select! {
            input = inputs.next() => match input {
                Some(input) => Msg::Input(input),
                None => return Ok(app),
            },
            Some(outcome) = out_rx.recv() => Msg::Outcome(outcome),
            Some(log) = log_rx.recv() => Msg::Activity(log),
            _ = async { match sleep { Some(s) => s.await, None => std::future::pending().await } } => {
                Msg::Clock((env.now)())
            }
        };
        let mut pending = vec![msg];
        // Take everything already waiting before drawing again: a burst of pages or keys
        // costs one frame, not one each.
        while let Ok(o) = out_rx.try_recv() {
            pending.push(Msg::Outcome(o));
        }
        while let Ok(l) = log_rx.try_recv() {
            pending.push(Msg::Activity(l));
        }
        for msg in pending {
            let mut commands = app.update(Msg::Clock((env.now)()));
            commands.extend(app.update(msg));
            if run_commands(commands, &mut worker, &mut env, &observer) {
                return Ok(app);
            }
        }
    }
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
            Command::Cancel(id) => worker.cancel(id),
            Command::Copy(text) => (env.clipboard)(&text),
            Command::SetServiceKey(key) => {
                if let Some(client) = with_service_key(worker.client(), key) {
                    worker.set_client(client.with_observer(observer.clone()));
                }
            }
            Command::Quit => return true,
        }
    }
    false
}

fn with_service_key(client: &GoTrueClient, key: Secret) -> Option<GoTrueClient> {
    let mut config = client.config().clone();
    config.service_role_key = Some(key);
    GoTrueClient::new(config).ok()
}
