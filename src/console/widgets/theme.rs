//! Colours: the 16 ANSI colours only, so plain SSH sessions and old terminals show the same
//! console. Meaning never rests on colour alone (states also have words or symbols).

use ratatui::style::{Color, Modifier, Style};

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}
pub fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}
pub fn key() -> Style {
    Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
}
pub fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}
pub fn ok() -> Style {
    Style::new().fg(Color::Green)
}
pub fn warn() -> Style {
    Style::new().fg(Color::Yellow)
}
pub fn danger() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}
pub fn info() -> Style {
    Style::new().fg(Color::Blue)
}
pub fn accent() -> Style {
    Style::new().fg(Color::Magenta)
}
pub fn header() -> Style {
    Style::new().fg(Color::Black).bg(Color::Cyan)
}
/// A production profile: unmistakable.
pub fn production() -> Style {
    Style::new()
        .fg(Color::White)
        .bg(Color::Red)
        .add_modifier(Modifier::BOLD)
}
pub fn demo() -> Style {
    Style::new().fg(Color::Black).bg(Color::Yellow)
}
pub fn focused_border() -> Style {
    Style::new().fg(Color::Cyan)
}
