//! `?`: every key in force here, generated from the key registry.

use crate::console::keys::{Action, Context, Keymap, keys_label};
use crate::console::widgets::{centered, theme};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub fn lines(keys: &Keymap, context: Context, read_only: bool) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    if read_only {
        out.push(Line::styled(
            "Read-only profile: actions that change data are hidden.",
            theme::warn(),
        ));
        out.push(Line::raw(""));
    }
    let mut group = "";
    for b in keys.all(context, read_only) {
        if b.group != group {
            if !out.is_empty() && !group.is_empty() {
                out.push(Line::raw(""));
            }
            group = b.group;
            out.push(Line::styled(group.to_owned(), theme::accent()));
        }
        out.push(Line::from(vec![
            Span::styled(format!("  {:<16}", keys_label(b)), theme::key()),
            Span::raw(b.desc),
        ]));
    }
    out
}

pub fn draw(
    frame: &mut Frame,
    area: Rect,
    keys: &Keymap,
    context: Context,
    read_only: bool,
    scroll: u16,
) {
    let lines = lines(keys, context, read_only);
    let height = (lines.len() as u16 + 2).min(area.height);
    let popup = centered(area, 78.min(area.width), height);
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme::focused_border())
                    .title(Span::styled(
                        format!(
                            " Keys · {} closes · {}/{} scroll ",
                            keys.key_of(Context::Help, Action::Back),
                            keys.key_of(Context::Help, Action::Down),
                            keys.key_of(Context::Help, Action::Up)
                        ),
                        theme::title(),
                    )),
            )
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        popup,
    );
}
