//! Inviting many people: paste a list (one address a line, or `email, {json}`) or open a CSV
//! (email plus metadata columns), check the preview, send with pacing and retries, watch each
//! row, retry the failed ones, and write the results. A row that succeeded is never sent
//! again (the batch model refuses to move a settled row).

use crate::console::command::{
    ApiCall, ApiReply, Command, Pending, RequestId, Task, TaskError, TaskReply, Written,
};
use crate::console::keys::Action;
use crate::console::keys::Context;
use crate::console::screens::{Ctx, Effect, Level};
use crate::console::screens::{Screen, View};
use crate::console::widgets::field::Field;
use crate::console::widgets::list::rows_fit;
use crate::console::widgets::{panel, theme, thousands};
use crate::gotrue::GoTrueError;
use crate::ops::bulk::{InviteBatch, InviteEvent, RowStatus, RunEnd};
use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};
use std::path::PathBuf;
use tui_input::backend::crossterm::EventHandler;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Prompt {
    OpenCsv,
    WriteResults,
}

#[derive(Default)]
pub struct InvitesScreen {
    batch: Option<InviteBatch>,
    run: Option<Pending<InviteEvent>>,
    read: Option<Pending<Box<InviteBatch>>>,
    write: Option<Pending<Written>>,
    prompt: Option<(Prompt, Field)>,
    last_end: Option<RunEnd>,
    /// The last failure: a file of this machine, or GoTrue stopping a run.
    error: Option<TaskError>,
    cursor: crate::console::widgets::list::ListCursor,
    /// Rows were sent (or failed) since the results were last written.
    unsaved: bool,
    /// Generate invite links instead of mailing (`K`): they go into the results' link column.
    links_only: bool,
}

fn status_style(s: &RowStatus) -> Style {
    match s {
        RowStatus::Sent { .. } => theme::ok(),
        RowStatus::AlreadyExists => theme::info(),
        RowStatus::Invalid { .. } | RowStatus::Duplicate { .. } => theme::dim(),
        RowStatus::Failed { .. } => theme::danger(),
        RowStatus::Sending { .. } => theme::warn(),
        RowStatus::Pending => Style::new(),
    }
}

fn status_detail(s: &RowStatus) -> String {
    match s {
        RowStatus::Invalid { reason } => reason.clone(),
        RowStatus::Duplicate { of } => format!("duplicate of line {of}"),
        RowStatus::Sending { attempt } if *attempt > 1 => format!("attempt {attempt}"),
        RowStatus::Sent { user_id, .. } => user_id.to_string(),
        RowStatus::AlreadyExists => "a confirmed user has this address".into(),
        RowStatus::Failed {
            status,
            code,
            message,
        } => format!(
            "{} {} {message}",
            status.map(|s| s.to_string()).unwrap_or_default(),
            code.clone().unwrap_or_default()
        )
        .trim()
        .to_owned(),
        _ => String::new(),
    }
}

impl InvitesScreen {
    /// The counts, the table, the prompt or error: one layout for drawing and for paging.
    fn areas(&self, area: Rect) -> [Rect; 3] {
        Layout::vertical([
            Constraint::Length(2),
            Constraint::Fill(1),
            Constraint::Length(if self.prompt.is_some() || self.error.is_some() {
                4
            } else {
                1
            }),
        ])
        .areas(area)
    }

    /// A path was typed at the prompt.
    fn prompted(&mut self, prompt: Prompt, path: PathBuf, ctx: &mut Ctx) {
        match prompt {
            Prompt::OpenCsv => self.read = Some(ctx.task(Task::ReadInvites(path))),
            Prompt::WriteResults => {
                if let Some(b) = &self.batch {
                    self.write = Some(ctx.task(Task::WriteInviteResults {
                        path,
                        batch: Box::new(b.clone()),
                    }));
                }
            }
        }
    }

    pub fn is_editing(&self) -> bool {
        self.prompt.is_some()
    }

    pub fn is_running(&self) -> bool {
        self.run.is_some()
    }

    pub fn batch(&self) -> Option<&InviteBatch> {
        self.batch.as_ref()
    }

    pub fn last_end(&self) -> Option<&RunEnd> {
        self.last_end.as_ref()
    }

    fn send(&mut self, ctx: &mut Ctx) {
        if self.run.is_some() {
            ctx.flash(Level::Warn, "Already sending");
            return;
        }
        let Some(b) = self.batch.as_mut() else {
            ctx.flash(Level::Warn, "No batch yet: paste a list or open a CSV (o)");
            return;
        };
        // Rows left "sending" by an interrupted run go back to pending (and stay in doubt).
        b.interrupted();
        let jobs = b.to_send();
        if jobs.is_empty() {
            ctx.flash(
                Level::Info,
                format!(
                    "Nothing to send: every row is settled ({} retries the failed ones)",
                    ctx.keys.key_of(Context::Invites, Action::RetryFailed)
                ),
            );
            return;
        }
        ctx.flash(
            Level::Info,
            if self.links_only {
                format!("Generating {} invite links (no mail)…", jobs.len())
            } else {
                format!("Sending {} invitations…", jobs.len())
            },
        );
        self.last_end = None;
        self.error = None;
        self.run = Some(ctx.send(ApiCall::RunInvites {
            jobs,
            links_only: self.links_only,
        }));
    }
}

impl Screen for InvitesScreen {
    fn unfinished(&self) -> Option<String> {
        if self.is_running() {
            Some("Invitations are being sent: quitting stops the run.".into())
        } else if self.unsaved {
            Some("The invitations' results are not written yet (W writes them).".into())
        } else {
            None
        }
    }

    fn set_area(&mut self, area: Rect) {
        let rows = self.batch.as_ref().map_or(0, |b| b.rows.len());
        self.cursor.set_table(self.areas(area)[1], rows);
    }

    fn on_click(&mut self, column: u16, row: u16) -> crate::console::widgets::list::Click {
        let rows = self.batch.as_ref().map_or(0, |b| b.rows.len());
        self.cursor.click(column, row, rows)
    }

    fn context(&self) -> Context {
        if self.is_editing() {
            Context::Form
        } else {
            Context::Invites
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        if let Some((prompt, field)) = self.prompt.as_ref() {
            match action {
                Action::Back => self.prompt = None,
                Action::Submit => {
                    let path = PathBuf::from(field.value().trim());
                    let prompt = *prompt;
                    self.prompt = None;
                    if !path.as_os_str().is_empty() {
                        self.prompted(prompt, path, ctx);
                    }
                }
                _ => return false,
            }
            return true;
        }
        let rows = self.batch.as_ref().map_or(0, |b| b.rows.len());
        if self.cursor.on_action(action, rows) {
            return true;
        }
        match action {
            Action::OpenFile => {
                let mut f = Field::new("CSV file").placeholder("people.csv");
                f.set("");
                self.prompt = Some((Prompt::OpenCsv, f));
            }
            Action::WriteResults => {
                if self.batch.is_none() {
                    ctx.flash(Level::Warn, "No batch yet: paste a list or open a CSV (o)");
                } else {
                    let mut f = Field::new("results to");
                    f.set("invite-results.csv");
                    self.prompt = Some((Prompt::WriteResults, f));
                }
            }
            Action::SendInvites => self.send(ctx),
            Action::RetryFailed => {
                if self.run.is_some() {
                    ctx.flash(Level::Warn, "Still sending");
                } else if let Some(b) = self.batch.as_mut() {
                    let n = b.retry_failed();
                    ctx.flash(
                        Level::Info,
                        format!(
                            "{n} failed rows are pending again: {} sends them",
                            ctx.keys.key_of(Context::Invites, Action::SendInvites)
                        ),
                    );
                }
            }
            Action::ToggleLinksOnly => {
                self.links_only = !self.links_only;
                ctx.flash(
                    Level::Info,
                    if self.links_only {
                        "Links only: the next run generates invite links and mails nothing (W writes them out)"
                    } else {
                        "The next run mails the invitations"
                    },
                );
            }
            Action::CancelRun => match self.run {
                Some(run) => {
                    ctx.commands.push(Command::Cancel(run.id()));
                    ctx.flash(Level::Warn, "Cancelling: rows in flight go back to pending");
                }
                None => ctx.flash(Level::Info, "Nothing is being sent"),
            },
            _ => return false,
        }
        true
    }

    fn on_text(&mut self, key: KeyEvent, _ctx: &mut Ctx) {
        if let Some((_, field)) = self.prompt.as_mut() {
            field.input.handle_event(&Event::Key(key));
        }
    }

    /// A pasted list becomes the batch (unless one is running).
    fn on_paste(&mut self, text: &str, ctx: &mut Ctx) {
        if ctx.read_only {
            return;
        }
        if let Some((_, f)) = self.prompt.as_mut() {
            let v = format!("{}{}", f.value(), text.trim());
            f.set(v);
            return;
        }
        if self.run.is_some() {
            ctx.flash(
                Level::Warn,
                "A batch is being sent: cancel it (C) before pasting another",
            );
            return;
        }
        let batch = InviteBatch::from_text(text);
        let c = batch.counts();
        ctx.flash(
            Level::Info,
            format!(
                "{} rows: {} to send, {} invalid, {} duplicates",
                c.total(),
                c.pending,
                c.invalid,
                c.duplicate
            ),
        );
        self.batch = Some(batch);
        self.cursor.reset();
        self.last_end = None;
        self.error = None;
    }

    fn on_task(&mut self, id: RequestId, result: Result<TaskReply, TaskError>, ctx: &mut Ctx) {
        if let Some(read) = self.read.filter(|p| p.is(id)) {
            self.read = None;
            match read.read(result) {
                Ok(b) => {
                    let c = b.counts();
                    ctx.flash(
                        Level::Info,
                        format!("{} rows read: {} to send", c.total(), c.pending),
                    );
                    self.batch = Some(*b);
                    self.cursor.reset();
                    self.error = None;
                }
                Err(e) => self.error = Some(e),
            }
        } else if let Some(write) = self.write.filter(|p| p.is(id)) {
            self.write = None;
            match write.read(result) {
                Ok(Written { count, path }) => {
                    self.unsaved = false;
                    ctx.flash(
                        Level::Info,
                        format!("Wrote {count} rows to {}", path.display()),
                    )
                }
                Err(e) => self.error = Some(e),
            }
        }
    }

    fn on_reply(&mut self, id: RequestId, result: Result<ApiReply, GoTrueError>, ctx: &mut Ctx) {
        let Some(run) = self.run.filter(|p| p.is(id)) else {
            return;
        };
        match run.read(result) {
            Ok(ev) => {
                if let Some(b) = self.batch.as_mut() {
                    b.apply(&ev);
                }
                if matches!(ev, InviteEvent::Row { .. }) {
                    self.unsaved = true;
                }
                if let InviteEvent::Finished(end) = ev {
                    self.run = None;
                    let c = self
                        .batch
                        .as_ref()
                        .map(InviteBatch::counts)
                        .unwrap_or_default();
                    let text = format!(
                        "Invitations: {} sent, {} already users, {} failed, {} invalid",
                        c.sent,
                        c.exists,
                        c.failed,
                        c.invalid + c.duplicate
                    );
                    ctx.flash(
                        if c.failed > 0 {
                            Level::Warn
                        } else {
                            Level::Info
                        },
                        text,
                    );
                    match &end {
                        RunEnd::Stopped { reason } => {
                            ctx.flash(Level::Error, format!("Stopped: {reason}"))
                        }
                        RunEnd::Paused { reason } => ctx.flash(
                            Level::Warn,
                            format!(
                                "Paused, {} still pending ({} sends them): {reason}",
                                c.pending,
                                ctx.keys.key_of(Context::Invites, Action::SendInvites)
                            ),
                        ),
                        _ => {}
                    }
                    self.last_end = Some(end);
                    ctx.effect(Effect::SentSomething);
                }
            }
            Err(e) => {
                self.run = None;
                self.error = Some(TaskError::GoTrue(e));
            }
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        let [head, table_area, foot] = self.areas(area);
        let counts = self
            .batch
            .as_ref()
            .map(InviteBatch::counts)
            .unwrap_or_default();
        let status = if self.run.is_some() {
            Span::styled(
                format!(
                    " sending… {} cancels ",
                    view.key(Context::Invites, Action::CancelRun)
                ),
                theme::warn(),
            )
        } else if self.links_only {
            Span::styled(" links only: no mail ", theme::warn())
        } else {
            Span::raw("")
        };
        frame.render_widget(
            Paragraph::new(vec![
                Line::from(vec![
                    Span::styled(format!("{} rows  ", counts.total()), theme::title()),
                    Span::raw(format!("{} to send  ", counts.pending + counts.sending)),
                    Span::styled(format!("{} sent  ", counts.sent), theme::ok()),
                    Span::styled(format!("{} already users  ", counts.exists), theme::info()),
                    Span::styled(format!("{} failed  ", counts.failed), theme::danger()),
                    Span::styled(
                        format!("{} invalid or duplicate", counts.invalid + counts.duplicate),
                        theme::dim(),
                    ),
                    status,
                ]),
                Line::styled(
                    format!(
                        "paste a list (one address a line, or `email, {{json}}`) · {} open a CSV · {} send · {} retry failed · {} write results",
                        view.key(Context::Invites, Action::OpenFile),
                        view.key(Context::Invites, Action::SendInvites),
                        view.key(Context::Invites, Action::RetryFailed),
                        view.key(Context::Invites, Action::WriteResults)
                    ),
                    theme::dim(),
                ),
            ]),
            head,
        );
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(" Invitations ", theme::title()));
        match &self.batch {
            None => frame.render_widget(
                Paragraph::new(vec![
                    Line::raw(format!(
                        "Paste a list of addresses here (your terminal's paste), or press {} to open a CSV",
                        view.key(Context::Invites, Action::OpenFile)
                    )),
                    Line::raw("with an `email` column; other columns become the user's metadata."),
                    Line::raw(""),
                    Line::styled(
                        "Nothing is sent before S. Sends are paced, 429s retried with backoff, and a row that",
                        theme::dim(),
                    ),
                    Line::styled(
                        "succeeded is never sent again, even when the batch is run again.",
                        theme::dim(),
                    ),
                ])
                .block(block)
                .wrap(Wrap { trim: false }),
                table_area,
            ),
            Some(b) => {
                let fit = rows_fit(table_area);
                let offset = self.cursor.offset(fit);
                let rows = b.rows.iter().enumerate().skip(offset).take(fit.max(1)).map(|(i, r)| {
                    let row = Row::new(vec![
                        ratatui::widgets::Cell::from(r.line.to_string()),
                        ratatui::widgets::Cell::from(r.email.clone()),
                        ratatui::widgets::Cell::from(Span::styled(
                            r.status.label(),
                            status_style(&r.status),
                        )),
                        ratatui::widgets::Cell::from(status_detail(&r.status)),
                    ]);
                    if i == self.cursor.selected() { row.style(theme::selected()) } else { row }
                });
                frame.render_widget(
                    Table::new(
                        rows,
                        [
                            Constraint::Length(6),
                            Constraint::Percentage(40),
                            Constraint::Length(15),
                            Constraint::Fill(1),
                        ],
                    )
                    .header(Row::new(["Line", "Email", "Status", "Detail"]).style(theme::title()))
                    .block(block.title(Span::styled(
                        format!(" {} ", thousands(b.rows.len() as u64)),
                        theme::dim(),
                    ))),
                    table_area,
                );
            }
        }
        if let Some((_, f)) = &self.prompt {
            f.draw(frame, Rect::new(foot.x, foot.y, foot.width, 1), 12, true);
        } else if let Some(e) = &self.error {
            frame.render_widget(
                Paragraph::new(panel::task_error_lines("Invitations", e))
                    .wrap(Wrap { trim: false }),
                foot,
            );
        }
    }
}
