//! The local terminal: raw mode, alternate screen, bracketed paste, input from a reader
//! thread, and a restore on every way out (quit, error, panic, SIGTERM, SIGHUP).

use crate::app::App;
use crate::gotrue::GoTrueClient;
use crate::input::Input;
use crate::term::{Connector, Environment, osc52, run_app};
use ratatui::crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste};
use ratatui::crossterm::execute;
use std::io::Write;
use tokio::sync::mpsc;

pub async fn run(
    app_for: impl FnOnce((u16, u16)) -> App,
    client: GoTrueClient,
    connect: Option<Connector>,
) -> std::io::Result<()> {
    // ratatui::init: raw mode + alternate screen, and a panic hook that restores the
    // terminal before the panic report prints.
    let mut terminal = ratatui::init();
    let _ = execute!(std::io::stdout(), EnableBracketedPaste);
    let size = terminal
        .size()
        .map(|s| (s.width, s.height))
        .unwrap_or((80, 24));
    let app = app_for(size);

    let (tx, rx) = mpsc::unbounded_channel::<Input>();
    // crossterm's read() blocks: it gets a thread of its own. It ends with the process.
    let keys = tx.clone();
    std::thread::spawn(move || {
        loop {
            match event::read() {
                Ok(ev) => {
                    if let Some(input) = Input::from_crossterm(ev)
                        && keys.send(input).is_err()
                    {
                        return;
                    }
                }
                Err(_) => return,
            }
        }
    });
    let inputs =
        futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|i| (i, rx)) });
    let inputs = Box::pin(inputs);

    let mut env = Environment::system(Box::new(|text: &str| {
        let mut out = std::io::stdout();
        let _ = out.write_all(osc52(text).as_bytes());
        let _ = out.flush();
    }));
    env.connect = connect;

    let result = tokio::select! {
        r = run_app(&mut terminal, app, inputs, client, env) => r.map(drop),
        _ = terminated() => Ok(()),
    };
    let _ = execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    result
}

/// SIGTERM, or SIGHUP (the SSH link dropped): leave cleanly.
async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
    }
    #[cfg(not(unix))]
    std::future::pending::<()>().await
}
