//! Exporting the users list as it is filtered: GoTrue's filter is sent again, the instant
//! filter is applied to what comes back, and the file is written through `FILE.partial`.

use crate::console::command::{Pending, RequestId, Task, TaskError, TaskReply, Written};
use crate::console::keys::Action;
use crate::console::screens::dialog::{Dialog, DialogEvent, Flow, Step};
use crate::console::screens::{Ctx, Level};
use crate::console::widgets::field::Field;
use crate::console::widgets::{theme, thousands};
use crate::gotrue::UserId;
use crate::ops::export::ExportFormat;
use ratatui::crossterm::event::KeyEvent;
use ratatui::text::Line;
use std::path::PathBuf;

pub struct ExportList {
    filter: Option<String>,
    ids: Option<Vec<UserId>>,
    dialog: Dialog,
    pending: Option<Pending<Written>>,
    done: bool,
}

impl ExportList {
    /// `ids`: the users the instant filter shows, when it is on.
    pub fn start(
        default_path: String,
        filter: Option<String>,
        ids: Option<Vec<UserId>>,
        shown: usize,
    ) -> Self {
        let what = match (&filter, &ids) {
            (None, None) => "every user".to_owned(),
            (_, Some(ids)) if ids.len() == 1 => "the one user the filter shows".to_owned(),
            (_, Some(ids)) => format!("the {} users the filter shows", thousands(ids.len() as u64)),
            (Some(f), None) => format!(
                "the users GoTrue's filter `{f}` finds ({} loaded)",
                thousands(shown as u64)
            ),
        };
        let mut path = Field::new("file").placeholder("users.csv or users.ndjson");
        path.set(default_path);
        Self {
            filter,
            ids,
            dialog: Dialog::new(
                "Export users",
                Dialog::form(
                    format!("Export {what}; .csv or .ndjson picks the format."),
                    vec![path],
                ),
            ),
            pending: None,
            done: false,
        }
    }
}

impl Flow for ExportList {
    fn on_key(&mut self, key: KeyEvent, action: Option<Action>, ctx: &mut Ctx) -> bool {
        match self.dialog.on_key(key, action) {
            DialogEvent::Close => false,
            DialogEvent::Submitted(values) => {
                let path = PathBuf::from(values.first().map(|v| v.trim()).unwrap_or_default());
                match ExportFormat::from_path(&path) {
                    Some(format) if self.pending.is_none() => {
                        self.dialog.note = Some("Writing…".into());
                        self.dialog.error = None;
                        self.pending = Some(ctx.task(Task::Export {
                            path,
                            format,
                            filter: self.filter.clone(),
                            ids: self.ids.clone(),
                        }));
                    }
                    Some(_) => {}
                    None => {
                        self.dialog.note =
                            Some("the file must end in .csv, .ndjson or .jsonl".into())
                    }
                }
                true
            }
            _ => true,
        }
    }

    fn on_paste(&mut self, text: &str) {
        self.dialog.on_paste(text);
    }

    fn on_task(&mut self, id: RequestId, result: Result<TaskReply, TaskError>, ctx: &mut Ctx) {
        let Some(pending) = self.pending.filter(|p| p.is(id)) else {
            return;
        };
        self.pending = None;
        match pending.read(result) {
            Ok(Written { count, path }) => {
                let text = format!("Wrote {} users to {}", thousands(count), path.display());
                ctx.flash(Level::Info, text.clone());
                self.done = true;
                self.dialog.set_step(Step::Done {
                    lines: vec![Line::styled(text, theme::ok())],
                    copy: None,
                });
            }
            // GoTrue's words in the panel; this machine's as a note. The form stays, as typed.
            Err(TaskError::GoTrue(e)) => {
                self.dialog.note = None;
                self.dialog.error = Some(e);
            }
            Err(e) => {
                self.dialog.error = None;
                self.dialog.note = Some(e.to_string());
            }
        }
    }

    fn is_finished(&self) -> bool {
        self.done
            || (self.pending.is_none()
                && (self.dialog.error.is_some() || self.dialog.note.is_some()))
    }

    fn dialog(&self) -> &Dialog {
        &self.dialog
    }
}
