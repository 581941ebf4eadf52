//! The operator journal of `serve-ssh`: who connected with which key, and every change they
//! asked for, newest first.

use crate::command::{Pending, RequestId, Task, TaskError, TaskReply};
use crate::keys::Action;
use crate::keys::Context;
use crate::screens::Ctx;
use crate::screens::{Screen, View};
use crate::term::ssh::journal::{JournalEntry, JournalEvent};
use crate::widgets::{panel, theme, time};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};
use std::path::PathBuf;

/// Entries read at most (the newest).
pub const LAST: usize = 500;

#[derive(Default)]
pub struct JournalScreen {
    entries: Vec<JournalEntry>,
    pending: Option<Pending<Vec<JournalEntry>>>,
    error: Option<TaskError>,
    loaded: bool,
    selected: usize,
    /// The journal file, once known (`R` reads it again).
    path: Option<PathBuf>,
}

impl JournalScreen {
    pub fn is_loaded(&self) -> bool {
        self.loaded
    }

    pub fn entries(&self) -> &[JournalEntry] {
        &self.entries
    }

    pub fn load(&mut self, path: PathBuf, ctx: &mut Ctx) {
        self.path = Some(path.clone());
        self.pending = Some(ctx.task(Task::ReadJournal { path, last: LAST }));
    }
}

/// The last `last` entries of a journal file, newest first; unreadable lines are skipped.
pub fn read_last(path: &std::path::Path, last: usize) -> std::io::Result<Vec<JournalEntry>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    Ok(text
        .lines()
        .rev()
        .filter_map(|l| serde_json::from_str(l).ok())
        .take(last)
        .collect())
}

impl Screen for JournalScreen {
    fn context(&self) -> Context {
        Context::Journal
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let last = self.entries.len().saturating_sub(1);
        match action {
            Action::Refresh => match self.path.clone() {
                Some(path) => self.load(path, ctx),
                None => return false,
            },
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::Top => self.selected = 0,
            Action::Bottom => self.selected = last,
            Action::PageUp => self.selected = self.selected.saturating_sub(10),
            Action::PageDown => self.selected = (self.selected + 10).min(last),
            _ => return false,
        }
        true
    }

    fn on_task(&mut self, id: RequestId, result: Result<TaskReply, TaskError>, _ctx: &mut Ctx) {
        let Some(pending) = self.pending.filter(|p| p.is(id)) else {
            return;
        };
        self.pending = None;
        self.loaded = true;
        match pending.read(result) {
            Ok(entries) => {
                self.entries = entries;
                self.error = None;
                self.selected = 0;
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        let now = view.now;
        let block = Block::default().borders(Borders::ALL).title(Span::styled(
            format!(" Operator journal · last {} entries ", self.entries.len()),
            theme::title(),
        ));
        if let Some(e) = &self.error {
            frame.render_widget(
                Paragraph::new(panel::task_error_lines("Reading the journal", e))
                    .block(block)
                    .wrap(Wrap { trim: false }),
                area,
            );
            return;
        }
        if self.entries.is_empty() {
            let text = if self.loaded {
                "Nothing journaled yet."
            } else {
                "Loading…"
            };
            frame.render_widget(
                Paragraph::new(Line::styled(text, theme::dim())).block(block),
                area,
            );
            return;
        }
        let fit = area.height.saturating_sub(3) as usize;
        let offset = self.selected.saturating_sub(fit.saturating_sub(1));
        let rows = self
            .entries
            .iter()
            .enumerate()
            .skip(offset)
            .take(fit.max(1))
            .map(|(i, e)| {
                let what = match e.event {
                    JournalEvent::SessionStart => format!(
                        "session start {} {}",
                        e.role.clone().unwrap_or_default(),
                        e.peer.clone().unwrap_or_default()
                    ),
                    JournalEvent::SessionEnd => "session end".into(),
                    JournalEvent::SessionRefused => "refused".into(),
                    JournalEvent::Action => format!(
                        "{} {}",
                        e.action.clone().unwrap_or_default(),
                        e.target.clone().unwrap_or_default()
                    ),
                };
                let row = Row::new(vec![
                    time::relative(e.time, now),
                    e.comment.clone(),
                    e.session.chars().take(8).collect(),
                    what,
                ]);
                if i == self.selected {
                    row.style(theme::selected())
                } else {
                    row
                }
            });
        frame.render_widget(
            Table::new(
                rows,
                [
                    Constraint::Length(9),
                    Constraint::Length(20),
                    Constraint::Length(9),
                    Constraint::Fill(1),
                ],
            )
            .header(Row::new(["When", "Key", "Session", "What"]).style(theme::title()))
            .block(block),
            area,
        );
    }
}
