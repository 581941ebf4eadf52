//! `:`: every action in force here, searchable by name; Enter runs it.

use crate::console::keys::{Action, Binding, Context, Keymap, keys_label};
use crate::console::widgets::{centered, theme};
use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

pub struct Palette {
    /// The bindings in force under the palette (read-only already applied).
    bindings: Vec<Binding>,
    input: Input,
    selected: usize,
}

pub enum PaletteOutcome {
    Stay,
    Close,
    Run(Action),
}

impl Palette {
    pub fn new(bindings: Vec<Binding>) -> Self {
        Self {
            bindings,
            input: Input::default(),
            selected: 0,
        }
    }

    /// Matching bindings (navigation keys left out: they are not commands).
    pub fn matches(&self) -> Vec<&Binding> {
        let needle = self.input.value().to_lowercase();
        self.bindings
            .iter()
            .filter(|b| !matches!(b.action, Action::Palette | Action::Back))
            .filter(|b| {
                needle.is_empty()
                    || b.desc.to_lowercase().contains(&needle)
                    || format!("{:?}", b.action).to_lowercase().contains(&needle)
            })
            .collect()
    }

    /// A key, with the action the palette's context binds it to; the rest is typing.
    pub fn on_key(&mut self, key: KeyEvent, action: Option<Action>) -> PaletteOutcome {
        match action {
            Some(Action::Back) => PaletteOutcome::Close,
            Some(Action::Submit) => match self.matches().get(self.selected) {
                Some(b) => PaletteOutcome::Run(b.action),
                None => PaletteOutcome::Stay,
            },
            Some(Action::Up) => {
                self.selected = self.selected.saturating_sub(1);
                PaletteOutcome::Stay
            }
            Some(Action::Down) => {
                let n = self.matches().len();
                self.selected = (self.selected + 1).min(n.saturating_sub(1));
                PaletteOutcome::Stay
            }
            _ => {
                self.input.handle_event(&Event::Key(key));
                self.selected = 0;
                PaletteOutcome::Stay
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, keys: &Keymap) {
        let matches = self.matches();
        let height = (matches.len() as u16 + 4).clamp(6, area.height);
        let popup = centered(area, 64.min(area.width), height);
        frame.render_widget(Clear, popup);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme::focused_border())
            .title(Span::styled(
                format!(
                    " Command palette · {} runs · {} closes ",
                    keys.key_of(Context::Palette, Action::Submit),
                    keys.key_of(Context::Palette, Action::Back)
                ),
                theme::title(),
            ));
        let inner = block.inner(popup);
        frame.render_widget(block, popup);
        let [input_area, list_area] =
            Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(inner);
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(": ", theme::key()),
                Span::raw(self.input.value().to_owned()),
            ])),
            input_area,
        );
        frame.set_cursor_position((
            input_area.x + 2 + self.input.visual_cursor() as u16,
            input_area.y,
        ));
        let rows = list_area.height as usize;
        let offset = self.selected.saturating_sub(rows.saturating_sub(1));
        let lines: Vec<Line> = matches
            .iter()
            .enumerate()
            .skip(offset)
            .take(rows)
            .map(|(i, b)| {
                let line = Line::from(vec![
                    Span::raw(format!("{:<44}", b.desc)),
                    Span::styled(keys_label(b), theme::key()),
                ]);
                if i == self.selected {
                    line.style(theme::selected())
                } else {
                    line
                }
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), list_area);
    }
}
