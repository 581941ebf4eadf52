//! The pure model of a bulk invite: rows, their status, counts, retry, results, save and load.

use super::BulkError;
use crate::gotrue::UserId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// One batch of invitations, in the order of the source.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct InviteBatch {
    pub rows: Vec<InviteRow>,
}

/// One address to invite.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct InviteRow {
    /// Where it came from: the line of the pasted text or of the CSV file (the header is line
    /// 1), from 1. Unique within a batch; events name rows by it.
    pub line: usize,
    /// Trimmed and lower-cased, as GoTrue stores it (for an invalid row: as typed, trimmed).
    pub email: String,
    /// Sent as the invite's `data` (the user's `user_metadata`).
    #[serde(default)]
    pub data: Map<String, Value>,
    pub status: RowStatus,
    /// Set while an earlier attempt may have reached GoTrue without us learning the outcome
    /// (cancelled in flight, or a 5xx or broken answer that could not be checked): when that
    /// attempt began, by this machine's clock. The runner looks the user up before sending
    /// such a row again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_doubt_since: Option<DateTime<Utc>>,
}

/// Where a row stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum RowStatus {
    /// To be sent.
    Pending,
    /// Not sent: the address is unusable (or its data unreadable).
    Invalid { reason: String },
    /// Not sent: the same address is on the earlier line `of`.
    Duplicate { of: usize },
    /// A request for it is under way (or waiting to be retried).
    Sending { attempt: u32 },
    /// Invited: GoTrue has the user with `invited_at` set.
    Sent {
        user_id: UserId,
        /// GoTrue's `invited_at`, or when the answer came if it had none.
        at: DateTime<Utc>,
        /// Links only: the invite link GoTrue generated instead of mailing it, to hand
        /// over by other means. Whoever has it signs in as the user.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        link: Option<String>,
    },
    /// A confirmed user already has this address (GoTrue's 422 `email_exists`).
    AlreadyExists,
    /// GoTrue refused it, or it kept failing: HTTP status and GoTrue's code when an answer
    /// came.
    Failed {
        status: Option<u16>,
        code: Option<String>,
        message: String,
    },
}

impl RowStatus {
    /// A short word for a status column: `pending`, `sent`, `already_exists`…
    pub fn label(&self) -> &'static str {
        match self {
            RowStatus::Pending => "pending",
            RowStatus::Invalid { .. } => "invalid",
            RowStatus::Duplicate { .. } => "duplicate",
            RowStatus::Sending { .. } => "sending",
            RowStatus::Sent { link: Some(_), .. } => "link",
            RowStatus::Sent { .. } => "sent",
            RowStatus::AlreadyExists => "already_exists",
            RowStatus::Failed { .. } => "failed",
        }
    }

    /// Whether this row is finished for good: sent, already there, or never to be sent.
    /// Nothing moves a row out of these.
    pub fn is_settled(&self) -> bool {
        matches!(
            self,
            RowStatus::Sent { .. }
                | RowStatus::AlreadyExists
                | RowStatus::Invalid { .. }
                | RowStatus::Duplicate { .. }
        )
    }
}

/// How many rows are in each state. The fields add up to the number of rows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BatchCounts {
    pub pending: usize,
    pub sending: usize,
    pub sent: usize,
    pub exists: usize,
    pub invalid: usize,
    pub duplicate: usize,
    pub failed: usize,
    /// Of the pending and failed rows, those an earlier attempt may have reached (they are
    /// checked before being sent again). Not part of [`BatchCounts::total`].
    pub in_doubt: usize,
}

impl BatchCounts {
    pub fn total(&self) -> usize {
        self.pending
            + self.sending
            + self.sent
            + self.exists
            + self.invalid
            + self.duplicate
            + self.failed
    }
}

/// A row for the runner: everything needed to invite it.
#[derive(Clone, Debug, PartialEq)]
pub struct InviteJob {
    pub line: usize,
    pub email: String,
    pub data: Map<String, Value>,
    pub in_doubt_since: Option<DateTime<Utc>>,
}

/// The version of the saved-batch file format.
const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct SavedRef<'a> {
    version: u32,
    rows: &'a [InviteRow],
}

#[derive(Deserialize)]
struct Saved {
    version: u32,
    rows: Vec<InviteRow>,
}

impl InviteBatch {
    /// Rows parsed from a source, then validated: unusable addresses become
    /// [`RowStatus::Invalid`], repeats of an earlier pending address [`RowStatus::Duplicate`].
    pub(crate) fn validated(rows: Vec<InviteRow>) -> Self {
        let mut batch = InviteBatch { rows };
        batch.validate();
        batch
    }

    fn validate(&mut self) {
        let mut first_line: HashMap<String, usize> = HashMap::new();
        for row in &mut self.rows {
            if row.status != RowStatus::Pending {
                continue;
            }
            if let Some(reason) = super::email_problem(&row.email) {
                row.status = RowStatus::Invalid { reason };
            } else if let Some(&of) = first_line.get(&row.email) {
                row.status = RowStatus::Duplicate { of };
            } else {
                first_line.insert(row.email.clone(), row.line);
            }
        }
    }

    pub fn counts(&self) -> BatchCounts {
        let mut c = BatchCounts::default();
        for row in &self.rows {
            match row.status {
                RowStatus::Pending => c.pending += 1,
                RowStatus::Invalid { .. } => c.invalid += 1,
                RowStatus::Duplicate { .. } => c.duplicate += 1,
                RowStatus::Sending { .. } => c.sending += 1,
                RowStatus::Sent { .. } => c.sent += 1,
                RowStatus::AlreadyExists => c.exists += 1,
                RowStatus::Failed { .. } => c.failed += 1,
            }
            if row.in_doubt_since.is_some() {
                c.in_doubt += 1;
            }
        }
        c
    }

    pub fn row(&self, line: usize) -> Option<&InviteRow> {
        self.index_of(line).map(|i| &self.rows[i])
    }

    fn index_of(&self, line: usize) -> Option<usize> {
        // Parsed rows are in line order; a hand-edited saved file might not be.
        self.rows
            .binary_search_by_key(&line, |r| r.line)
            .ok()
            .or_else(|| self.rows.iter().position(|r| r.line == line))
    }

    /// The rows to hand to [`super::run_invites`]: the pending ones, and only those.
    pub fn to_send(&self) -> Vec<InviteJob> {
        self.rows
            .iter()
            .filter(|r| r.status == RowStatus::Pending)
            .map(|r| InviteJob {
                line: r.line,
                email: r.email.clone(),
                data: r.data.clone(),
                in_doubt_since: r.in_doubt_since,
            })
            .collect()
    }

    /// Folds one event of the runner into the model. A settled row (sent, already there,
    /// invalid, duplicate) never changes, whatever arrives. Returns whether anything changed.
    pub fn apply(&mut self, event: &InviteEvent) -> bool {
        match event {
            InviteEvent::Row {
                line,
                status,
                in_doubt_since,
            } => {
                let Some(i) = self.index_of(*line) else {
                    return false;
                };
                let row = &mut self.rows[i];
                if row.status.is_settled()
                    || (row.status == *status && row.in_doubt_since == *in_doubt_since)
                {
                    return false;
                }
                row.status = status.clone();
                row.in_doubt_since = *in_doubt_since;
                true
            }
            InviteEvent::Finished(_) => self.interrupted() > 0,
        }
    }

    /// After a run ended without reporting on every row (its task was dropped and its events
    /// lost, or a saved file was written mid-run): every row still sending goes back to
    /// pending, in doubt, so the next run checks it before sending. Returns how many.
    pub fn interrupted(&mut self) -> usize {
        let mut n = 0;
        for row in &mut self.rows {
            if let RowStatus::Sending { .. } = row.status {
                row.status = RowStatus::Pending;
                // When the attempt began is unknown: any invite counts as possibly ours.
                row.in_doubt_since = row.in_doubt_since.or(Some(DateTime::UNIX_EPOCH));
                n += 1;
            }
        }
        n
    }

    /// Failed rows become pending again, for another run. Sent and existing rows never do.
    /// Returns how many.
    pub fn retry_failed(&mut self) -> usize {
        let mut n = 0;
        for row in &mut self.rows {
            if let RowStatus::Failed { .. } = row.status {
                row.status = RowStatus::Pending;
                n += 1;
            }
        }
        n
    }

    /// The results as CSV: `line, email, status, user_id, http_status, code, message, link`
    /// (the invite link, links only).
    pub fn results_csv<W: Write>(&self, writer: W) -> Result<(), BulkError> {
        let mut out = csv::Writer::from_writer(writer);
        out.write_record([
            "line",
            "email",
            "status",
            "user_id",
            "http_status",
            "code",
            "message",
            "link",
        ])?;
        for row in &self.rows {
            let (user_id, http_status, code, message) = match &row.status {
                RowStatus::Sent { user_id, .. } => {
                    (user_id.to_string(), String::new(), "", String::new())
                }
                RowStatus::Failed {
                    status,
                    code,
                    message,
                } => (
                    String::new(),
                    status.map(|s| s.to_string()).unwrap_or_default(),
                    code.as_deref().unwrap_or_default(),
                    message.clone(),
                ),
                RowStatus::Invalid { reason } => (String::new(), String::new(), "", reason.clone()),
                RowStatus::Duplicate { of } => (
                    String::new(),
                    String::new(),
                    "",
                    format!("duplicate of line {of}"),
                ),
                RowStatus::AlreadyExists => (
                    String::new(),
                    String::new(),
                    "email_exists",
                    "a confirmed user already has this address".to_owned(),
                ),
                RowStatus::Pending | RowStatus::Sending { .. } => {
                    (String::new(), String::new(), "", String::new())
                }
            };
            let message = match (&row.status, row.in_doubt_since) {
                (RowStatus::Pending | RowStatus::Failed { .. }, Some(_)) if message.is_empty() => {
                    "an earlier attempt may have gone through".to_owned()
                }
                (RowStatus::Pending | RowStatus::Failed { .. }, Some(_)) => {
                    format!("{message} (an earlier attempt may have gone through)")
                }
                _ => message,
            };
            let link = match &row.status {
                RowStatus::Sent {
                    link: Some(link), ..
                } => link.as_str(),
                _ => "",
            };
            // Addresses and messages come from the pasted list: no formulas.
            out.write_record([
                row.line.to_string().as_str(),
                &crate::ops::export::spreadsheet_safe(&row.email),
                row.status.label(),
                &user_id,
                &http_status,
                code,
                &crate::ops::export::spreadsheet_safe(&message),
                link,
            ])?;
        }
        out.flush()?;
        Ok(())
    }

    /// Writes the batch as JSON to `path` (through a temporary file beside it, so a crash
    /// never leaves half a file), to [`InviteBatch::load`] and resume later.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), BulkError> {
        let path = path.as_ref();
        let mut tmp_name = path.as_os_str().to_owned();
        tmp_name.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp_name);
        let write = || -> Result<(), BulkError> {
            let file = std::fs::File::create(&tmp)?;
            let mut w = std::io::BufWriter::new(file);
            serde_json::to_writer(
                &mut w,
                &SavedRef {
                    version: FORMAT_VERSION,
                    rows: &self.rows,
                },
            )?;
            w.flush()?;
            w.get_ref().sync_all()?;
            Ok(())
        };
        if let Err(e) = write() {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
        std::fs::rename(&tmp, path)?;
        Ok(())
    }

    /// Reads a batch written by [`InviteBatch::save`]. Rows saved while sending come back
    /// pending and in doubt: the next run checks them before sending.
    pub fn load(path: impl AsRef<Path>) -> Result<InviteBatch, BulkError> {
        let file = std::fs::File::open(path.as_ref())?;
        let saved: Saved = serde_json::from_reader(std::io::BufReader::new(file))?;
        if saved.version != FORMAT_VERSION {
            return Err(BulkError::Version(saved.version));
        }
        let mut batch = InviteBatch { rows: saved.rows };
        batch.interrupted();
        Ok(batch)
    }
}

/// What the runner reports, for [`InviteBatch::apply`].
#[derive(Clone, Debug, PartialEq)]
pub enum InviteEvent {
    /// A row changed: each attempt (`Sending`), then its result. A row whose work was cut off
    /// by cancellation is reported `Pending` again.
    Row {
        line: usize,
        status: RowStatus,
        /// Set when an attempt may have reached GoTrue with the outcome unknown: while a
        /// request is in flight, after an ambiguous failure that could not be checked, after
        /// a cancellation mid-request.
        in_doubt_since: Option<DateTime<Utc>>,
    },
    /// The run is over; nothing follows.
    Finished(RunEnd),
}

/// How a run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunEnd {
    /// Every row it was given has a result.
    Completed,
    /// Dropped or aborted (or nobody listened any more); unfinished rows went back to pending.
    Cancelled,
    /// Stopped early because no invite could succeed (a refused or missing service key, a
    /// server without `/invite`); the rows not yet started are still pending.
    Stopped { reason: String },
    /// Paused because GoTrue's mail quota ran out (429 `over_email_send_rate_limit`); the
    /// rows not sent are pending, for a later run.
    Paused { reason: String },
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    fn row_event(line: usize, status: RowStatus) -> InviteEvent {
        InviteEvent::Row {
            line,
            status,
            in_doubt_since: None,
        }
    }

    fn sample() -> InviteBatch {
        InviteBatch::from_text(
            "ada@example.com\nbob@example.com\nnot-an-address\nADA@example.com\ncy@example.com\n",
        )
    }

    #[test]
    fn counts_add_up_and_to_send_is_only_pending() {
        let batch = sample();
        let c = batch.counts();
        assert_eq!((c.pending, c.invalid, c.duplicate), (3, 1, 1));
        assert_eq!(c.total(), batch.rows.len());
        let lines: Vec<usize> = batch.to_send().iter().map(|j| j.line).collect();
        assert_eq!(lines, vec![1, 2, 5]);
    }

    #[test]
    fn settled_rows_never_change_and_failed_rows_retry() {
        let mut batch = sample();
        let id = Uuid::new_v4();
        let sent = RowStatus::Sent {
            user_id: id,
            at: at("2025-06-01T10:00:00Z"),
            link: None,
        };
        assert!(batch.apply(&row_event(1, RowStatus::Sending { attempt: 1 })));
        assert!(batch.apply(&row_event(1, sent.clone())));
        // A late or stale event cannot undo a success, nor touch an invalid row.
        assert!(!batch.apply(&row_event(1, RowStatus::Pending)));
        assert!(!batch.apply(&row_event(3, RowStatus::Pending)));
        assert!(!batch.apply(&row_event(99, RowStatus::Pending)));
        let failed = RowStatus::Failed {
            status: Some(503),
            code: None,
            message: "Service Unavailable".into(),
        };
        batch.apply(&row_event(2, failed));
        batch.apply(&row_event(5, RowStatus::AlreadyExists));
        let c = batch.counts();
        assert_eq!((c.sent, c.failed, c.exists, c.pending), (1, 1, 1, 0));

        assert_eq!(batch.retry_failed(), 1);
        assert_eq!(batch.rows[0].status, sent);
        assert_eq!(batch.rows[1].status, RowStatus::Pending);
        assert_eq!(batch.rows[4].status, RowStatus::AlreadyExists);
        let lines: Vec<usize> = batch.to_send().iter().map(|j| j.line).collect();
        assert_eq!(lines, vec![2]);
    }

    #[test]
    fn an_interrupted_run_leaves_rows_pending_in_doubt() {
        let mut batch = sample();
        let since = at("2025-06-01T10:00:00Z");
        batch.apply(&InviteEvent::Row {
            line: 2,
            status: RowStatus::Sending { attempt: 2 },
            in_doubt_since: Some(since),
        });
        batch.apply(&row_event(5, RowStatus::Sending { attempt: 1 }));
        assert!(batch.apply(&InviteEvent::Finished(RunEnd::Cancelled)));
        assert_eq!(batch.rows[1].status, RowStatus::Pending);
        assert_eq!(batch.rows[1].in_doubt_since, Some(since));
        assert_eq!(batch.rows[4].status, RowStatus::Pending);
        assert_eq!(batch.rows[4].in_doubt_since, Some(DateTime::UNIX_EPOCH));
        assert_eq!(batch.counts().in_doubt, 2);
        let jobs = batch.to_send();
        assert!(
            jobs.iter()
                .any(|j| j.line == 2 && j.in_doubt_since == Some(since))
        );
    }

    #[test]
    fn results_csv_has_one_line_per_row() {
        let mut batch = sample();
        let id = Uuid::parse_str("6f1c1d2e-0000-4000-8000-000000000001").unwrap_or_default();
        batch.apply(&row_event(
            1,
            RowStatus::Sent {
                user_id: id,
                at: at("2025-06-01T10:00:00Z"),
                link: None,
            },
        ));
        batch.apply(&row_event(
            2,
            RowStatus::Failed {
                status: Some(400),
                code: Some("validation_failed".into()),
                message: "Unable to validate email address: invalid format".into(),
            },
        ));
        batch.apply(&row_event(5, RowStatus::AlreadyExists));
        let mut out = Vec::new();
        batch.results_csv(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "line,email,status,user_id,http_status,code,message,link\n\
             1,ada@example.com,sent,6f1c1d2e-0000-4000-8000-000000000001,,,,\n\
             2,bob@example.com,failed,,400,validation_failed,Unable to validate email address: invalid format,\n\
             3,not-an-address,invalid,,,,not an email address: no @,\n\
             4,ada@example.com,duplicate,,,,duplicate of line 1,\n\
             5,cy@example.com,already_exists,,,email_exists,a confirmed user already has this address,\n"
        );
    }

    #[test]
    fn results_csv_quotes_commas_and_marks_doubt() {
        let mut batch = InviteBatch::from_text("ada@example.com\n");
        batch.apply(&InviteEvent::Row {
            line: 1,
            status: RowStatus::Failed {
                status: Some(500),
                code: Some("unexpected_failure".into()),
                message: "Unexpected failure, please check server logs".into(),
            },
            in_doubt_since: Some(at("2025-06-01T10:00:00Z")),
        });
        let mut out = Vec::new();
        batch.results_csv(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.ends_with(
                "1,ada@example.com,failed,,500,unexpected_failure,\"Unexpected failure, please \
                 check server logs (an earlier attempt may have gone through)\",\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn save_and_load_round_trip_and_sending_rows_come_back_in_doubt() {
        let dir = std::env::temp_dir().join(format!("bulk-save-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("batch.json");
        let mut batch = InviteBatch::from_text("ada@example.com, {\"plan\": \"pro\"}\nbob@x.org\n");
        batch.apply(&row_event(
            1,
            RowStatus::Sent {
                user_id: Uuid::new_v4(),
                at: at("2025-06-01T10:00:00Z"),
                link: None,
            },
        ));
        batch.save(&path).unwrap();
        assert_eq!(InviteBatch::load(&path).unwrap(), batch);

        batch.apply(&row_event(2, RowStatus::Sending { attempt: 1 }));
        batch.save(&path).unwrap();
        let loaded = InviteBatch::load(&path).unwrap();
        assert_eq!(loaded.rows[0], batch.rows[0]);
        assert_eq!(loaded.rows[1].status, RowStatus::Pending);
        assert!(loaded.rows[1].in_doubt_since.is_some());
        assert!(!dir.join("batch.json.tmp").exists());

        std::fs::write(&path, r#"{"version": 9, "rows": []}"#).unwrap();
        assert!(matches!(
            InviteBatch::load(&path),
            Err(BulkError::Version(9))
        ));
        std::fs::write(&path, "not json").unwrap();
        assert!(matches!(InviteBatch::load(&path), Err(BulkError::Json(_))));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
