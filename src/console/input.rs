//! What the console reacts to, wherever it came from: the local terminal, an SSH channel or a
//! test. The app never reads a terminal itself.

use ratatui::crossterm::event::{self, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Key(KeyEvent),
    /// Bracketed paste: the whole text at once.
    Paste(String),
    Resize {
        width: u16,
        height: u16,
    },
    /// Terminal mouse events are accepted but optional; the console is fully usable without.
    ScrollUp,
    ScrollDown,
}

impl Input {
    /// A plain key press (for tests and the SSH input parser).
    pub fn key(code: KeyCode) -> Self {
        Input::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    pub fn ctrl(c: char) -> Self {
        Input::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
    }

    /// Every character of `text` as key presses.
    pub fn text(text: &str) -> Vec<Input> {
        text.chars().map(|c| Input::key(KeyCode::Char(c))).collect()
    }

    /// Converts a crossterm event; key releases and repeats of no interest are dropped.
    pub fn from_crossterm(ev: event::Event) -> Option<Self> {
        match ev {
            event::Event::Key(k) if k.kind != KeyEventKind::Release => Some(Input::Key(k)),
            event::Event::Paste(s) => Some(Input::Paste(s)),
            event::Event::Resize(width, height) => Some(Input::Resize { width, height }),
            event::Event::Mouse(m) => match m.kind {
                event::MouseEventKind::ScrollUp => Some(Input::ScrollUp),
                event::MouseEventKind::ScrollDown => Some(Input::ScrollDown),
                _ => None,
            },
            _ => None,
        }
    }
}
