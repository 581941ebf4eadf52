//! The operator journal of `serve-ssh`: who connected with which key, and every change they
//! asked for, newest first.

use crate::console::command::{Pending, RequestId, Task, TaskError, TaskReply};
use crate::console::keys::Action;
use crate::console::keys::Context;
use crate::console::screens::Ctx;
use crate::console::screens::{Screen, View};
use crate::console::widgets::list::rows_fit;
use crate::console::widgets::{panel, theme, time};
use crate::ops::journal::{JournalEntry, JournalEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Row, Table};
use std::path::PathBuf;

/// Entries read at most (the newest).
pub const LAST: usize = 500;

#[derive(Default)]
pub struct JournalScreen {
    entries: Vec<JournalEntry>,
    pending: Option<Pending<Vec<JournalEntry>>>,
    error: Option<TaskError>,
    loaded: bool,
    cursor: crate::console::widgets::list::ListCursor,
    /// The journal file, once known (`R` reads it again).
    path: Option<PathBuf>,
}

impl JournalScreen {
    /// The journal at `path` (read when its tab opens), if there is one to read.
    pub fn new(path: Option<PathBuf>) -> Self {
        JournalScreen {
            path,
            ..Self::default()
        }
    }

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

impl Screen for JournalScreen {
    fn on_show(&mut self, ctx: &mut Ctx) {
        if let Some(path) = self.path.clone() {
            self.load(path, ctx);
        }
    }

    fn set_area(&mut self, area: Rect) {
        self.cursor.set_table(area, self.entries.len());
    }

    fn on_click(&mut self, column: u16, row: u16) -> crate::console::widgets::list::Click {
        self.cursor.click(column, row, self.entries.len())
    }

    fn context(&self) -> Context {
        Context::Journal
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        if self.cursor.on_action(action, self.entries.len()) {
            return true;
        }
        match action {
            Action::Refresh => match self.path.clone() {
                Some(path) => self.load(path, ctx),
                None => return false,
            },
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
                self.cursor.reset();
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
        let state = match &self.error {
            Some(err) => Some(panel::LoadState::TaskFailed {
                what: "Reading the journal",
                err,
                hints: view.hints(&[(Context::Journal, Action::Refresh, "reload")]),
            }),
            None if !self.entries.is_empty() => None,
            None if self.loaded => Some(panel::LoadState::Empty("Nothing journaled yet.")),
            None => Some(panel::LoadState::Loading("Loading…")),
        };
        if let Some(state) = state {
            panel::draw_load_state(frame, area, block, state);
            return;
        }
        let fit = rows_fit(area);
        let offset = self.cursor.offset(fit);
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
                if i == self.cursor.selected() {
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
