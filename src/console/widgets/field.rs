//! A labelled one-line text field over `tui_input`, masked for secrets.

use crate::console::widgets::theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;

/// Pasted text for a one-line field: line breaks and tabs become spaces (an XML document
/// pasted over several lines stays well-formed), other control characters go, and the ends
/// are trimmed.
pub fn one_line(text: &str) -> String {
    let spaced: String = text
        .chars()
        .filter_map(|c| match c {
            '\n' | '\r' | '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect();
    spaced.trim().to_owned()
}

#[derive(Clone, Debug, Default)]
pub struct Field {
    pub label: &'static str,
    pub input: Input,
    /// Shows `•` for each character: passwords and keys.
    pub masked: bool,
    pub placeholder: &'static str,
    /// A message about this field (a validation or server error).
    pub error: Option<String>,
}

impl Field {
    pub fn new(label: &'static str) -> Self {
        Self {
            label,
            ..Default::default()
        }
    }

    pub fn masked(mut self) -> Self {
        self.masked = true;
        self
    }

    pub fn placeholder(mut self, text: &'static str) -> Self {
        self.placeholder = text;
        self
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    pub fn set(&mut self, value: impl Into<String>) {
        self.input = Input::new(value.into());
    }

    /// A key typed into the field (its error goes: the user is fixing it).
    pub fn type_key(&mut self, key: ratatui::crossterm::event::KeyEvent) {
        use tui_input::backend::crossterm::EventHandler;
        self.error = None;
        self.input
            .handle_event(&ratatui::crossterm::event::Event::Key(key));
    }

    /// Pasted text added at the end, on one line (see [`one_line`]).
    pub fn paste(&mut self, text: &str) {
        let v = format!("{}{}", self.value(), one_line(text));
        self.set(v);
    }

    /// Draws `label: value` on one line; the focused field shows without colour too: a
    /// `▸` before its label, its room underlined, and the cursor in it.
    pub fn draw(&self, frame: &mut Frame, area: Rect, label_width: u16, focused: bool) {
        let mut label = format!("{:>w$} ", self.label, w = label_width as usize);
        if focused && label.starts_with(' ') {
            label.replace_range(..1, "▸");
        }
        let avail = area.width.saturating_sub(label_width + 2) as usize;
        let shown: String = if self.masked {
            "•".repeat(self.input.value().chars().count())
        } else {
            self.input.value().to_owned()
        };
        let scroll = self.input.visual_scroll(avail.max(1));
        let visible: String = shown.chars().skip(scroll).take(avail).collect();
        let value = if visible.is_empty() && !focused {
            Span::styled(self.placeholder, theme::dim())
        } else if focused {
            // Up to the error, if there is one: it stays in view.
            let error = self
                .error
                .as_ref()
                .map_or(0, |e| e.chars().count() + "  ✗ ".chars().count());
            let pad = avail.saturating_sub(visible.chars().count() + error);
            Span::styled(
                format!("{visible}{}", " ".repeat(pad)),
                ratatui::style::Style::new().add_modifier(ratatui::style::Modifier::UNDERLINED),
            )
        } else {
            Span::raw(visible)
        };
        let label_style = if focused { theme::key() } else { theme::dim() };
        let mut spans = vec![Span::styled(label, label_style), value];
        if let Some(err) = &self.error {
            spans.push(Span::styled(format!("  ✗ {err}"), theme::danger()));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        if focused {
            let x = area.x
                + label_width
                + 1
                + (self.input.visual_cursor().saturating_sub(scroll)) as u16;
            frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
        }
    }
}
