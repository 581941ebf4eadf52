//! Colours: the 16 ANSI colours only, so plain SSH sessions and old terminals show the same
//! console. Meaning never rests on colour alone (states also have words or symbols), and the
//! `mono` theme (chosen by `NO_COLOR` too) keeps the danger and selection cues in bold,
//! underline and reverse video.

use ratatui::style::{Color, Modifier, Style};
use std::cell::Cell;

/// The console's colours: `theme = "dark" | "light" | "mono"` in the config, or `--theme`.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    serde::Deserialize,
    serde::Serialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// For dark terminal backgrounds.
    #[default]
    Dark,
    /// For light terminal backgrounds.
    Light,
    /// No colour at all: bold, underline and reverse video only.
    Mono,
}

impl Theme {
    /// The theme in force: `--theme`, else the config's `theme`, else `mono` when `NO_COLOR`
    /// is set and not empty (no-color.org: an explicit choice wins over it), else dark.
    pub fn choose(flag: Option<Theme>, file: Option<Theme>, no_color: Option<&str>) -> Theme {
        flag.or(file)
            .or_else(|| no_color.filter(|v| !v.is_empty()).map(|_| Theme::Mono))
            .unwrap_or_default()
    }
}

thread_local! {
    static CURRENT: Cell<Theme> = const { Cell::new(Theme::Dark) };
}

/// Draws with `theme`: every style below reads it. A frame is drawn on one thread, start to
/// end, so the theme holds for exactly that frame (and tests on other threads keep theirs).
pub fn using<R>(theme: Theme, f: impl FnOnce() -> R) -> R {
    let before = CURRENT.with(|c| c.replace(theme));
    let out = f();
    CURRENT.with(|c| c.set(before));
    out
}

fn current() -> Theme {
    CURRENT.with(Cell::get)
}

/// A colour in the dark theme, its counterpart in the light one, nothing in mono.
fn fg(dark: Color, light: Color) -> Style {
    match current() {
        Theme::Dark => Style::new().fg(dark),
        Theme::Light => Style::new().fg(light),
        Theme::Mono => Style::new(),
    }
}

pub fn title() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}
pub fn dim() -> Style {
    match current() {
        Theme::Mono => Style::new().add_modifier(Modifier::DIM),
        _ => fg(Color::DarkGray, Color::DarkGray),
    }
}
pub fn key() -> Style {
    fg(Color::Cyan, Color::Blue).add_modifier(Modifier::BOLD)
}
pub fn selected() -> Style {
    Style::new().add_modifier(Modifier::REVERSED)
}
pub fn ok() -> Style {
    fg(Color::Green, Color::Green)
}
pub fn warn() -> Style {
    match current() {
        Theme::Mono => Style::new().add_modifier(Modifier::BOLD),
        _ => fg(Color::Yellow, Color::Magenta),
    }
}
pub fn danger() -> Style {
    let style = fg(Color::Red, Color::Red).add_modifier(Modifier::BOLD);
    match current() {
        // Without colour a danger still stands out.
        Theme::Mono => style.add_modifier(Modifier::UNDERLINED),
        _ => style,
    }
}
pub fn info() -> Style {
    fg(Color::Blue, Color::Blue)
}
pub fn accent() -> Style {
    match current() {
        Theme::Mono => Style::new().add_modifier(Modifier::BOLD),
        _ => fg(Color::Magenta, Color::Magenta),
    }
}
pub fn header() -> Style {
    match current() {
        Theme::Mono => Style::new().add_modifier(Modifier::REVERSED),
        _ => Style::new().fg(Color::Black).bg(Color::Cyan),
    }
}
/// A production profile: unmistakable.
pub fn production() -> Style {
    match current() {
        Theme::Mono => Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        _ => Style::new()
            .fg(Color::White)
            .bg(Color::Red)
            .add_modifier(Modifier::BOLD),
    }
}
pub fn demo() -> Style {
    match current() {
        Theme::Mono => Style::new().add_modifier(Modifier::REVERSED),
        _ => Style::new().fg(Color::Black).bg(Color::Yellow),
    }
}
pub fn focused_border() -> Style {
    match current() {
        Theme::Mono => Style::new().add_modifier(Modifier::BOLD),
        _ => fg(Color::Cyan, Color::Blue),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flag_wins_then_the_config_then_no_color() {
        assert_eq!(Theme::choose(None, None, None), Theme::Dark);
        assert_eq!(Theme::choose(None, None, Some("1")), Theme::Mono);
        assert_eq!(
            Theme::choose(None, None, Some("")),
            Theme::Dark,
            "empty is unset"
        );
        assert_eq!(
            Theme::choose(None, Some(Theme::Light), Some("1")),
            Theme::Light
        );
        assert_eq!(
            Theme::choose(Some(Theme::Dark), Some(Theme::Light), Some("1")),
            Theme::Dark
        );
    }

    #[test]
    fn mono_has_no_colour_and_keeps_its_cues() {
        using(Theme::Mono, || {
            for style in [
                title(),
                dim(),
                key(),
                selected(),
                ok(),
                warn(),
                danger(),
                info(),
                accent(),
                header(),
                production(),
                demo(),
                focused_border(),
            ] {
                assert_eq!((style.fg, style.bg), (None, None), "{style:?}");
            }
            assert!(selected().add_modifier.contains(Modifier::REVERSED));
            assert!(production().add_modifier.contains(Modifier::REVERSED));
            assert!(danger().add_modifier.contains(Modifier::UNDERLINED));
        });
        // The theme was the frame's only.
        assert_eq!(key().fg, Some(Color::Cyan));
        using(Theme::Light, || assert_eq!(key().fg, Some(Color::Blue)));
    }
}
