//! Marking users and running one admin action on all of them: the marks (kept by id across
//! filters, sorts and reloads), the run ([`BulkRun`] decides; this sends its steps on the
//! worker, one call per user, so each is journaled and shown in Activity), and the run's
//! view with a result for every row.

use super::{UserRow, UsersScreen};
use crate::console::command::{
    ApiCall, ApiReply, Pending, RequestId, Task, TaskDone, TaskError, TaskReply, Written,
};
use crate::console::keys::{Action, Context};
use crate::console::screens::{Ctx, Effect, Level, View};
use crate::console::widgets::list::ListCursor;
use crate::console::widgets::mask::mask_label;
use crate::console::widgets::{count_of, theme, thousands};
use crate::gotrue::{GoTrueError, UserId};
use crate::ops::bulk_users::{BulkAction, BulkRun, Marked, RowState, Step, attributes};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Gauge, Paragraph, Row, Table};
use std::collections::HashSet;

/// The users marked for a bulk action, in the order they were marked.
#[derive(Default)]
pub(super) struct Marks {
    rows: Vec<UserRow>,
    ids: HashSet<UserId>,
}

impl Marks {
    pub(super) fn contains(&self, id: UserId) -> bool {
        self.ids.contains(&id)
    }

    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    fn toggle(&mut self, row: &UserRow) -> bool {
        if self.ids.remove(&row.id) {
            self.rows.retain(|r| r.id != row.id);
            false
        } else {
            self.ids.insert(row.id);
            self.rows.push(row.clone());
            true
        }
    }

    fn add(&mut self, row: &UserRow) {
        if self.ids.insert(row.id) {
            self.rows.push(row.clone());
        }
    }

    fn clear(&mut self) {
        self.rows.clear();
        self.ids.clear();
    }

    /// A newer copy of a marked user (after a reload or a change).
    pub(super) fn refresh(&mut self, row: &UserRow) {
        if self.ids.contains(&row.id)
            && let Some(r) = self.rows.iter_mut().find(|r| r.id == row.id)
        {
            *r = row.clone();
        }
    }

    pub(super) fn forget(&mut self, id: UserId) {
        if self.ids.remove(&id) {
            self.rows.retain(|r| r.id != id);
        }
    }
}

/// A run going on (or finished, until dismissed).
pub(super) struct Running {
    pub(super) run: BulkRun,
    requests: Vec<(Pending<ApiReply>, UserId, bool)>,
    write: Option<Pending<Written>>,
    /// The run's rows are on screen instead of the list.
    pub(super) shown: bool,
    cursor: ListCursor,
    /// Steps the model gave that wait for the state recording them to be saved: nothing is
    /// sent that a restart would not know was out.
    staged: Vec<Step>,
    /// Read back from the state file at start-up, not yet resumed.
    restored: bool,
}

impl Running {
    fn new(run: BulkRun, shown: bool, restored: bool) -> Self {
        Running {
            run,
            requests: Vec::new(),
            write: None,
            shown,
            cursor: ListCursor::default(),
            staged: Vec::new(),
            restored,
        }
    }
}

/// What the state file is to become next.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum FileWant {
    #[default]
    Nothing,
    /// The run as it is now.
    Save,
    /// No file: the run finished or was closed.
    Remove,
}

/// The file an unfinished run is kept in between runs of the console (`bulk-PROFILE.json`
/// in the state folder). One write at a time, so the last word is the file's; each save
/// carries the steps it records, which are sent once it is written.
pub(super) struct RunFile {
    path: std::path::PathBuf,
    out: Option<(Pending<TaskDone>, Vec<Step>)>,
    want: FileWant,
    load: Option<Pending<Option<Box<BulkRun>>>>,
}

impl RunFile {
    pub(super) fn new(path: std::path::PathBuf) -> Self {
        RunFile {
            path,
            out: None,
            want: FileWant::Nothing,
            load: None,
        }
    }
}

/// What the marked users are, for planning a run.
pub fn marked_of(rows: &[UserRow], now: DateTime<Utc>) -> Vec<Marked> {
    rows.iter()
        .map(|r| Marked {
            id: r.id,
            email: r.email.clone(),
            phone: r.phone.clone(),
            email_confirmed: r.email_confirmed,
            phone_confirmed: r.phone_confirmed,
            banned: r.banned_until.is_some_and(|t| t > now),
            deleted: r.deleted,
        })
        .collect()
}

impl UsersScreen {
    pub fn marked_count(&self) -> usize {
        self.marks.len()
    }

    /// The marked users, for a bulk action's dialog.
    pub fn marked(&self, now: DateTime<Utc>) -> Vec<Marked> {
        marked_of(&self.marks.rows, now)
    }

    /// The bulk run, going or finished, until it is dismissed.
    pub fn bulk_run(&self) -> Option<&BulkRun> {
        self.bulk.as_ref().map(|b| &b.run)
    }

    pub fn marked_ids(&self) -> Vec<UserId> {
        self.marks.rows.iter().map(|r| r.id).collect()
    }

    /// Whether a run is sending (for `q`, and for refusing a second run).
    pub fn bulk_busy(&self) -> bool {
        self.bulk.as_ref().is_some_and(|b| !b.run.is_settled())
    }

    pub(super) fn bulk_shown(&self) -> bool {
        self.bulk.as_ref().is_some_and(|b| b.shown)
    }

    /// Starts a run the dialog confirmed; the marks are spent on it.
    pub fn start_bulk(&mut self, run: BulkRun, ctx: &mut Ctx) {
        if self.bulk_busy() {
            ctx.flash(
                Level::Warn,
                "A bulk run is still going: pause it or let it end first",
            );
            return;
        }
        if self.bulk_restored() {
            ctx.flash(
                Level::Warn,
                "The unfinished bulk run of an earlier start is set aside for this one",
            );
        }
        self.marks.clear();
        self.bulk = Some(Running::new(run, true, false));
        self.advance(ctx);
    }

    /// Sends what the run may send now: once the state that records it is saved, when the
    /// run is kept in a file.
    pub(super) fn pump(&mut self, ctx: &mut Ctx) {
        let Some(b) = self.bulk.as_mut() else {
            return;
        };
        let steps = b.run.next_steps(ctx.now);
        if !steps.is_empty() || !b.staged.is_empty() {
            b.staged.extend(steps);
            self.persist(ctx);
        }
    }

    /// The run changed (an answer, a key): what it may send now is staged, and its file
    /// follows.
    fn advance(&mut self, ctx: &mut Ctx) {
        if let Some(b) = self.bulk.as_mut() {
            let steps = b.run.next_steps(ctx.now);
            b.staged.extend(steps);
        }
        self.persist(ctx);
    }

    /// The run changed: its file follows (saved, or removed once it is over), and the
    /// staged steps go out once the save that records them is written.
    fn persist(&mut self, ctx: &mut Ctx) {
        let Some(file) = self.run_file.as_mut() else {
            // Nothing kept: the steps go at once.
            if let Some(b) = self.bulk.as_mut() {
                let steps = std::mem::take(&mut b.staged);
                send_steps(b, steps, ctx);
            }
            return;
        };
        file.want = match &self.bulk {
            Some(b) if !b.run.is_finished() => FileWant::Save,
            Some(b) if !b.staged.is_empty() => FileWant::Save,
            _ => FileWant::Remove,
        };
        self.file_next(ctx);
    }

    /// Starts the next write of the state file, unless one is out.
    fn file_next(&mut self, ctx: &mut Ctx) {
        let Some(file) = self.run_file.as_mut() else {
            return;
        };
        if file.out.is_some() {
            return;
        }
        match std::mem::take(&mut file.want) {
            FileWant::Nothing => {}
            FileWant::Save => {
                let Some(b) = self.bulk.as_mut() else {
                    return;
                };
                let steps = std::mem::take(&mut b.staged);
                let task = Task::SaveBulkRun {
                    path: file.path.clone(),
                    json: b.run.to_json(),
                };
                file.out = Some((ctx.task(task), steps));
            }
            FileWant::Remove => {
                file.out = Some((ctx.task(Task::RemoveBulkRun(file.path.clone())), Vec::new()));
            }
        }
    }

    /// Reads the unfinished run of an earlier console, if the profile has one.
    pub fn load_kept_run(&mut self, ctx: &mut Ctx) {
        if let Some(file) = self.run_file.as_mut() {
            file.load = Some(ctx.task(Task::LoadBulkRun {
                path: file.path.clone(),
                now: ctx.now,
            }));
        }
    }

    /// The run's requests GoTrue has not answered yet (sent, not merely planned).
    pub fn bulk_requests_out(&self) -> usize {
        self.bulk.as_ref().map_or(0, |b| b.requests.len())
    }

    /// An unfinished run of an earlier console, read back, not resumed yet.
    pub fn bulk_restored(&self) -> bool {
        self.bulk.as_ref().is_some_and(|b| b.restored)
    }

    pub(super) fn bulk_wake(&self) -> Option<DateTime<Utc>> {
        self.bulk.as_ref().and_then(|b| b.run.wake_at())
    }

    /// An answer for the run; `Err` gives back an answer that is not the run's.
    pub(super) fn bulk_reply(
        &mut self,
        id: RequestId,
        result: Result<ApiReply, GoTrueError>,
        ctx: &mut Ctx,
    ) -> Option<Result<ApiReply, GoTrueError>> {
        let Some(b) = self.bulk.as_mut() else {
            return Some(result);
        };
        let Some(at) = b.requests.iter().position(|(p, _, _)| p.is(id)) else {
            return Some(result);
        };
        let (pending, user, check) = b.requests.swap_remove(at);
        let reply = pending.read(result);
        let now = ctx.now;
        let mut changed = None;
        let mut gone = false;
        if check {
            match &reply {
                Ok(ApiReply::User(u)) => b.run.checked(user, Ok(u), now),
                Ok(other) => b.run.checked(user, Err(unexpected(other)), now),
                Err(e) => b.run.checked(user, Err(e.clone()), now),
            }
            if b.run.wants_send(user) {
                b.staged.push(Step::Send(user));
            }
        } else {
            let outcome = match reply {
                Ok(ApiReply::UserSaved { user: u, .. }) => {
                    changed = Some(u);
                    Ok(())
                }
                Ok(ApiReply::Done | ApiReply::SignedOutEverywhere(_)) => Ok(()),
                Ok(other) => Err(unexpected(&other)),
                Err(e) => Err(e),
            };
            gone = outcome.is_ok() && matches!(b.run.action, BulkAction::Delete { .. });
            b.run.sent(user, outcome, now);
        }
        if b.run.is_settled() && b.run.counts().working == 0 {
            let c = b.run.counts();
            ctx.flash(
                if c.failed + c.in_doubt > 0 {
                    Level::Warn
                } else {
                    Level::Info
                },
                format!(
                    "Bulk {}: {} done, {} skipped, {} failed, {} in doubt",
                    b.run.action.label(),
                    c.done,
                    c.skipped,
                    c.failed,
                    c.in_doubt
                ),
            );
        }
        if let Some(u) = changed {
            ctx.effect(Effect::UserChanged(u));
        } else if gone {
            ctx.effect(Effect::UserDeleted(user));
        }
        self.advance(ctx);
        None
    }

    /// The results file was written (or not), the state file saved or read.
    pub(super) fn bulk_task(
        &mut self,
        id: RequestId,
        result: Result<TaskReply, TaskError>,
        ctx: &mut Ctx,
    ) -> bool {
        if let Some(file) = self.run_file.as_mut() {
            if let Some(load) = file.load.take_if(|p| p.is(id)) {
                self.restore(load.read(result), ctx);
                return true;
            }
            if let Some((save, steps)) = file.out.take_if(|(p, _)| p.is(id)) {
                match save.read(result) {
                    Ok(TaskDone) => {
                        if let Some(b) = self.bulk.as_mut() {
                            send_steps(b, steps, ctx);
                        }
                    }
                    Err(e) => self.unsaved(e, steps, ctx),
                }
                self.file_next(ctx);
                return true;
            }
        }
        let Some(b) = self.bulk.as_mut() else {
            return false;
        };
        let Some(p) = b.write.take_if(|p| p.is(id)) else {
            return false;
        };
        match p.read(result) {
            Ok(Written { count, path }) => ctx.flash(
                Level::Info,
                format!("Wrote {} rows to {}", thousands(count), path.display()),
            ),
            Err(e) => ctx.flash(Level::Error, format!("Writing the results failed: {e}")),
        }
        true
    }

    /// Marking and the run's keys; `None` when the action is not theirs.
    pub(super) fn bulk_action(&mut self, action: Action, ctx: &mut Ctx) -> Option<bool> {
        if self.bulk_shown() {
            return Some(self.run_view_action(action, ctx));
        }
        match action {
            Action::Mark => match self.selected_row().cloned() {
                Some(row) => {
                    self.marks.toggle(&row);
                    if let Some(pos) = self.cursor.target(Action::Down, self.list_len()) {
                        self.move_to(pos);
                    }
                }
                None => ctx.flash(Level::Warn, "No user selected"),
            },
            Action::MarkAll => {
                if self.marks.len() > 0 {
                    let n = self.marks.len();
                    self.marks.clear();
                    ctx.flash(Level::Info, format!("Unmarked {}", thousands(n as u64)));
                } else if let Some(n) = self.unheld_matches() {
                    let key = ctx.keys.key_of(Context::Users, Action::Filter);
                    ctx.flash(
                        Level::Warn,
                        format!(
                            "{} users match and {} are read: narrow the filter ({key}) to mark \
                             them all",
                            thousands(n),
                            thousands(self.total_loaded() as u64)
                        ),
                    );
                } else if self.windowed().is_some() && !self.reads_database() {
                    let key = ctx.keys.key_of(Context::Users, Action::Filter);
                    let all = ctx.keys.key_of(Context::Users, Action::LoadAll);
                    ctx.flash(
                        Level::Warn,
                        format!(
                            "The list is a window of a big server: filter it first ({key}), \
                             or load every user ({all})"
                        ),
                    );
                } else {
                    let rows: Vec<UserRow> = self.view_rows().cloned().collect();
                    for r in &rows {
                        self.marks.add(r);
                    }
                    ctx.flash(
                        Level::Info,
                        format!("Marked the {} users shown", thousands(rows.len() as u64)),
                    );
                }
            }
            Action::ShowBulkRun => match self.bulk.as_mut() {
                Some(b) => b.shown = true,
                None => ctx.flash(
                    Level::Info,
                    "No bulk run yet: mark users, then an admin key",
                ),
            },
            _ => return None,
        }
        Some(true)
    }

    fn run_view_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let Some(b) = self.bulk.as_mut() else {
            return false;
        };
        let len = b.run.rows.len();
        match action {
            Action::Back | Action::ShowBulkRun => b.shown = false,
            Action::PauseRun if b.run.paused => {
                b.restored = false;
                let n = b.run.resume(ctx.now);
                ctx.flash(
                    Level::Info,
                    format!("Resumed: {} to go", thousands(n as u64)),
                );
                self.advance(ctx);
            }
            Action::PauseRun if b.run.is_settled() => ctx.flash(Level::Info, "The run is over"),
            Action::PauseRun => {
                b.run.pause();
                ctx.flash(
                    Level::Info,
                    "Pausing: requests out finish, nothing new is sent",
                );
                self.persist(ctx);
            }
            Action::RetryFailed if !b.run.is_settled() => {
                ctx.flash(Level::Warn, "The run is still going: pause it first")
            }
            Action::RetryFailed => {
                b.restored = false;
                let n = b.run.resume(ctx.now);
                ctx.flash(Level::Info, format!("{} rows to go", thousands(n as u64)));
                self.advance(ctx);
            }
            Action::WriteResults => {
                let path = std::path::PathBuf::from(format!(
                    "bulk-{}-{}.csv",
                    b.run.action.label().replace(' ', "-"),
                    ctx.now.format("%Y-%m-%d-%H%M%S")
                ));
                b.write = Some(ctx.task(Task::WriteBulkResults {
                    path,
                    run: Box::new(b.run.clone()),
                }));
            }
            Action::DismissRun if b.run.is_settled() => {
                self.bulk = None;
                self.persist(ctx);
            }
            Action::DismissRun => ctx.flash(Level::Warn, "The run is still going: pause it first"),
            Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::PageUp
            | Action::PageDown => {
                b.cursor.on_action(action, len);
            }
            _ => return false,
        }
        true
    }

    /// ` · 3 marked · ban 45/120` for the title.
    pub(super) fn bulk_title(&self) -> String {
        let mut out = String::new();
        if self.marks.len() > 0 {
            out.push_str(&format!("· {} marked ", thousands(self.marks.len() as u64)));
        }
        if let Some(b) = &self.bulk {
            let c = b.run.counts();
            let finished = c.done + c.skipped + c.failed + c.in_doubt;
            let state = if b.restored {
                " unfinished"
            } else if b.run.paused && !b.run.is_settled() {
                " pausing"
            } else if b.run.paused {
                " paused"
            } else if b.run.stopped.is_some() {
                " stopped"
            } else {
                ""
            };
            out.push_str(&format!(
                "· {} {}/{}{state} ",
                b.run.action.label(),
                thousands(finished as u64),
                thousands(c.total() as u64)
            ));
        }
        out
    }

    pub(super) fn bulk_set_area(&mut self, area: Rect) {
        if let Some(b) = self.bulk.as_mut() {
            let len = b.run.rows.len();
            let [_, table] = run_areas(area);
            b.cursor.set_table(table, len);
        }
    }

    /// The run's rows, drawn instead of the list.
    pub(super) fn draw_run(&self, frame: &mut Frame, area: Rect, view: &View) {
        let Some(b) = &self.bulk else {
            return;
        };
        let run = &b.run;
        let c = run.counts();
        let [head, table_area] = run_areas(area);
        let finished = c.done + c.skipped + c.failed + c.in_doubt;
        let ratio = if c.total() == 0 {
            1.0
        } else {
            finished as f64 / c.total() as f64
        };
        let state = match (&run.stopped, run.paused, run.is_settled()) {
            (Some(why), _, _) => format!("stopped: {why}"),
            (None, true, true) => "paused".to_owned(),
            (None, true, false) => "pausing…".to_owned(),
            (None, false, true) => "finished".to_owned(),
            (None, false, false) => "sending, two at a time".to_owned(),
        };
        let [gauge, line] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(head);
        frame.render_widget(
            Gauge::default()
                .gauge_style(if c.failed + c.in_doubt > 0 {
                    theme::warn()
                } else {
                    theme::info()
                })
                .ratio(ratio.clamp(0.0, 1.0))
                .label(format!(
                    "{} {} of {} · {state}",
                    run.action.label(),
                    thousands(finished as u64),
                    thousands(c.total() as u64)
                )),
            gauge,
        );
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(format!("{} done", c.done), theme::ok()),
                Span::raw(format!(" · {} skipped · ", c.skipped)),
                Span::styled(format!("{} failed", c.failed), theme::danger()),
                Span::raw(" · "),
                Span::styled(format!("{} in doubt", c.in_doubt), theme::warn()),
                Span::raw(format!(" · {} to go · ", c.pending + c.working)),
                Span::styled(view.key(Context::Global, Action::Back), theme::key()),
                Span::raw(" the list"),
            ])),
            line,
        );
        let page = b.cursor.page().max(1);
        let offset = b.cursor.offset(page);
        let end = (offset + page).min(run.rows.len());
        let rows = run.rows[offset..end].iter().enumerate().map(|(i, r)| {
            let style = match r.state {
                RowState::Done { .. } => theme::ok(),
                RowState::Failed { .. } => theme::danger(),
                RowState::InDoubt(_) => theme::warn(),
                RowState::Skipped(_) => theme::dim(),
                _ => theme::info(),
            };
            let row = Row::new(vec![
                Cell::from(mask_label(&r.user.label(), view.masked)),
                Cell::from(Span::styled(r.state.label(), style)),
                Cell::from(r.state.detail()),
            ]);
            if offset + i == b.cursor.selected() {
                row.style(theme::selected())
            } else {
                row
            }
        });
        let title = format!(
            " Bulk {}: {} ",
            run.action.label(),
            count_of(c.total(), "user", "users")
        );
        let table = Table::new(
            rows,
            [
                Constraint::Percentage(40),
                Constraint::Length(9),
                Constraint::Fill(1),
            ],
        )
        .header(Row::new(["User", "Result", "Detail"]).style(theme::title()))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .title(Span::styled(title, theme::title())),
        )
        .column_spacing(1);
        frame.render_widget(table, table_area);
    }
}

impl UsersScreen {
    /// The run an earlier console left unfinished, offered (paused) until `p` resumes it.
    fn restore(&mut self, read: Result<Option<Box<BulkRun>>, TaskError>, ctx: &mut Ctx) {
        match read {
            Ok(Some(run)) if self.bulk.is_none() => {
                let c = run.counts();
                let view = ctx.keys.key_of(Context::Users, Action::ShowBulkRun);
                let resume = ctx.keys.key_of(Context::BulkRun, Action::PauseRun);
                ctx.flash(
                    Level::Warn,
                    format!(
                        "An unfinished bulk {} ({} of {} done{}): {view} to view it, {resume} \
                         there to resume",
                        run.action.label(),
                        thousands((c.done + c.skipped) as u64),
                        thousands(c.total() as u64),
                        match c.in_doubt {
                            0 => String::new(),
                            n => format!(", {n} in doubt: read back before anything is sent"),
                        }
                    ),
                );
                self.bulk = Some(Running::new(*run, false, true));
            }
            // A run started meanwhile is the one the file follows now.
            Ok(Some(_)) | Ok(None) => {}
            Err(e) => ctx.flash(
                Level::Error,
                format!("The unfinished bulk run could not be read: {e}"),
            ),
        }
    }

    /// The state could not be saved: what it recorded is not sent, and the run pauses, so
    /// that a restart cannot send anything twice.
    fn unsaved(&mut self, e: TaskError, steps: Vec<Step>, ctx: &mut Ctx) {
        let Some(b) = self.bulk.as_mut() else {
            return;
        };
        for step in &steps {
            b.run.withdraw(step);
        }
        let staged = std::mem::take(&mut b.staged);
        for step in &staged {
            b.run.withdraw(step);
        }
        b.run.pause();
        ctx.flash(
            Level::Error,
            format!(
                "The bulk run's state could not be saved ({e}): paused, so that nothing is sent \
                 that a restart would not know of"
            ),
        );
    }
}

/// Sends steps whose state is saved (or needs none).
fn send_steps(b: &mut Running, steps: Vec<Step>, ctx: &mut Ctx) {
    for step in steps {
        let request = match step {
            Step::Check(id) => (ctx.send(ApiCall::GetUser(id)), id, true),
            Step::Send(id) => match send(&b.run, id, ctx) {
                Some(p) => (p, id, false),
                None => continue,
            },
        };
        b.requests.push(request);
    }
}

fn run_areas(area: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(area)
}

/// The call that does the run's action to one user.
fn send(run: &BulkRun, id: UserId, ctx: &mut Ctx) -> Option<Pending<ApiReply>> {
    let row = run.rows.iter().find(|r| r.user.id == id)?;
    let call = match run.action {
        BulkAction::Delete { soft } => ApiCall::DeleteUser { id, soft },
        BulkAction::SignOutEverywhere => ApiCall::SignOutEverywhere {
            user_id: id,
            email: row.user.email.clone(),
        },
        action => ApiCall::UpdateUser(id, Box::new(attributes(action, &row.user)?)),
    };
    Some(ctx.send(call))
}

fn unexpected(reply: &ApiReply) -> GoTrueError {
    crate::console::command::bug("a bulk run's answer", reply);
    <GoTrueError as crate::console::command::Unexpected>::unexpected("a bulk run's answer")
}
