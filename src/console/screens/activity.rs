//! Every request the console made and how it ended: method, path, status, latency, GoTrue's
//! code. Never a secret: the client records no query strings, headers or bodies.

use crate::console::keys::Action;
use crate::console::keys::Context;
use crate::console::screens::{Ctx, Screen, View};
use crate::console::widgets::theme;
use crate::gotrue::RequestLog;
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Row, Table};
use std::collections::VecDeque;

/// Entries kept; the oldest go first.
const KEEP: usize = 1000;

#[derive(Default)]
pub struct ActivityScreen {
    entries: VecDeque<(DateTime<Utc>, RequestLog)>,
    /// Its selection is the first row shown: a log scrolls, nothing is selected.
    cursor: crate::console::widgets::list::ListCursor,
}

impl ActivityScreen {
    pub fn push(&mut self, at: DateTime<Utc>, log: RequestLog) {
        if self.entries.len() == KEEP {
            self.entries.pop_front();
        }
        self.entries.push_back((at, log));
    }

    pub fn entries(&self) -> impl Iterator<Item = &RequestLog> {
        self.entries.iter().map(|(_, l)| l)
    }
}

impl Screen for ActivityScreen {
    fn set_area(&mut self, area: Rect) {
        self.cursor.set_table(area, self.entries.len());
    }

    fn on_click(&mut self, column: u16, row: u16) -> crate::console::widgets::list::Click {
        self.cursor.click(column, row, self.entries.len())
    }

    fn context(&self) -> Context {
        Context::Activity
    }

    fn on_action(&mut self, action: Action, _ctx: &mut Ctx) -> bool {
        self.cursor.on_action(action, self.entries.len())
    }

    fn draw(&self, frame: &mut Frame, area: Rect, _view: &View) {
        let rows = self
            .entries
            .iter()
            .rev()
            .skip(self.cursor.selected())
            .map(|(at, l)| {
                let status = l
                    .status
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "—".into());
                let style = match l.status {
                    Some(s) if s < 400 => theme::ok(),
                    Some(429) => theme::warn(),
                    _ => theme::danger(),
                };
                Row::new(vec![
                    ratatui::widgets::Cell::from(at.format("%H:%M:%S").to_string()),
                    ratatui::widgets::Cell::from(l.method.clone()),
                    ratatui::widgets::Cell::from(l.path.clone()),
                    ratatui::widgets::Cell::from(Span::styled(status, style)),
                    ratatui::widgets::Cell::from(format!("{} ms", l.latency.as_millis())),
                    ratatui::widgets::Cell::from(l.code.clone().unwrap_or_default()),
                ])
            });
        let title = format!(" Activity · {} requests ", self.entries.len());
        let table = Table::new(
            rows,
            [
                Constraint::Length(8),
                Constraint::Length(6),
                Constraint::Fill(1),
                Constraint::Length(6),
                Constraint::Length(8),
                Constraint::Length(26),
            ],
        )
        .header(
            Row::new(["Time", "Method", "Path", "Status", "Latency", "Code"]).style(theme::title()),
        )
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(title, theme::title())),
        );
        frame.render_widget(table, area);
    }
}
