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
    /// A click or a wheel turn, when the mouse is on (`mouse = true`, `--mouse`). The
    /// console is fully usable without.
    Mouse(Mouse),
}

/// A mouse event the console acts on, at a cell counted from 0 (the top left).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mouse {
    pub kind: MouseKind,
    pub column: u16,
    pub row: u16,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MouseKind {
    /// The left button pressed.
    Click,
    ScrollUp,
    ScrollDown,
}

impl Input {
    /// A plain key press (for tests and the SSH input parser).
    pub fn key(code: KeyCode) -> Self {
        Input::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    /// A mouse event at `column`, `row`.
    pub fn mouse(kind: MouseKind, column: u16, row: u16) -> Self {
        Input::Mouse(Mouse { kind, column, row })
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
            event::Event::Mouse(m) => {
                let kind = match m.kind {
                    event::MouseEventKind::Down(event::MouseButton::Left) => MouseKind::Click,
                    event::MouseEventKind::ScrollUp => MouseKind::ScrollUp,
                    event::MouseEventKind::ScrollDown => MouseKind::ScrollDown,
                    _ => return None,
                };
                Some(Input::mouse(kind, m.column, m.row))
            }
            _ => None,
        }
    }
}
