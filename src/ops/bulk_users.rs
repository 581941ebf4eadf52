//! One admin action on many users: delete (hard or soft), ban, unban, confirm, sign out
//! everywhere. A pure model that decides what to send next and folds in each answer; the
//! console turns its [`Step`]s into calls and its clock into pacing.
//!
//! The rules, the same as bulk invites:
//! - paced: at most [`BulkRun::IN_FLIGHT`] requests at once, and starts at least
//!   [`BulkRun::interval`] apart;
//! - a result for every row (done, skipped and why, failed with GoTrue's code and message);
//! - resumable: a pause leaves the rows not begun pending, and resuming sends only those;
//! - never twice: an answer that leaves the outcome unknown (a 5xx, a dropped connection)
//!   puts the row in doubt, and a row in doubt is read back (`GET /admin/users/{id}`) before
//!   anything is sent again. A sign-out cannot be read back: it stays in doubt until asked.

use crate::gotrue::{AdminUserAttributes, BanDuration, ErrorKind, GoTrueError, User, UserId};
use chrono::{DateTime, TimeDelta, Utc};
use std::io::Write;

/// What is done to every marked user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BulkAction {
    Delete { soft: bool },
    Ban(BanDuration),
    Unban,
    Confirm,
    SignOutEverywhere,
}

impl BulkAction {
    /// `ban`, `soft delete`, …: for titles, the journal and the results file.
    pub fn label(self) -> &'static str {
        match self {
            BulkAction::Delete { soft: false } => "delete",
            BulkAction::Delete { soft: true } => "soft delete",
            BulkAction::Ban(_) => "ban",
            BulkAction::Unban => "unban",
            BulkAction::Confirm => "confirm",
            BulkAction::SignOutEverywhere => "sign out everywhere",
        }
    }

    /// Whether GoTrue's copy of the user shows the action done.
    fn done_in(self, user: &User, now: DateTime<Utc>) -> bool {
        match self {
            BulkAction::Delete { .. } => user.deleted_at.is_some(),
            BulkAction::Ban(_) => user.banned_until.is_some_and(|t| t > now),
            BulkAction::Unban => user.banned_until.is_none_or(|t| t <= now),
            BulkAction::Confirm => {
                user.email_confirmed_at.is_some()
                    || user.confirmed_at.is_some()
                    || (user.email.is_empty() && user.phone_confirmed_at.is_some())
            }
            BulkAction::SignOutEverywhere => false,
        }
    }
}

/// What the model knows of a marked user when the run is planned.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Marked {
    pub id: UserId,
    pub email: String,
    pub phone: String,
    pub email_confirmed: bool,
    pub phone_confirmed: bool,
    pub banned: bool,
    pub deleted: bool,
}

impl Marked {
    pub fn label(&self) -> String {
        crate::gotrue::user_label(&self.id, &self.email, &self.phone)
    }
}

/// Where a row is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowState {
    Pending,
    /// A request is out: a read-back (`checking`) or the action itself.
    Working {
        checking: bool,
    },
    Done {
        note: &'static str,
    },
    Skipped(String),
    Failed {
        status: Option<u16>,
        code: Option<String>,
        message: String,
    },
    /// The action may have gone through; it is read back before anything is sent again.
    InDoubt(String),
}

impl RowState {
    pub fn label(&self) -> &'static str {
        match self {
            RowState::Pending => "pending",
            RowState::Working { checking: true } => "checking",
            RowState::Working { .. } => "sending",
            RowState::Done { .. } => "done",
            RowState::Skipped(_) => "skipped",
            RowState::Failed { .. } => "failed",
            RowState::InDoubt(_) => "in doubt",
        }
    }

    pub fn detail(&self) -> String {
        match self {
            RowState::Done { note } => (*note).to_owned(),
            RowState::Skipped(why) | RowState::InDoubt(why) => why.clone(),
            RowState::Failed {
                status,
                code,
                message,
            } => {
                let head = match (status, code) {
                    (Some(s), Some(c)) => format!("{s} {c}: "),
                    (Some(s), None) => format!("{s}: "),
                    (None, Some(c)) => format!("{c}: "),
                    (None, None) => String::new(),
                };
                format!("{head}{message}")
            }
            _ => String::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BulkRow {
    pub user: Marked,
    pub state: RowState,
    /// Sends of the action (429s and read-backs aside).
    pub attempts: u32,
}

/// A call for one row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Read the user back: did an earlier attempt go through?
    Check(UserId),
    /// Do it.
    Send(UserId),
}

/// Counts for the progress line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub pending: usize,
    pub working: usize,
    pub done: usize,
    pub skipped: usize,
    pub failed: usize,
    pub in_doubt: usize,
}

impl Counts {
    pub fn total(&self) -> usize {
        self.pending + self.working + self.done + self.skipped + self.failed + self.in_doubt
    }
}

/// The run.
#[derive(Clone, Debug, PartialEq)]
pub struct BulkRun {
    pub action: BulkAction,
    pub rows: Vec<BulkRow>,
    pub paused: bool,
    /// Why the run stopped by itself (the key was refused): nothing more is sent.
    pub stopped: Option<String>,
    /// The earliest time the next request may start.
    next_at: DateTime<Utc>,
    /// Set by a 429: the whole run waits until then.
    held_until: Option<DateTime<Utc>>,
    interval: TimeDelta,
}

impl BulkRun {
    pub const IN_FLIGHT: usize = 2;
    /// Sends of one row before it fails (429s and unclear answers both count).
    pub const MAX_ATTEMPTS: u32 = 4;

    /// Plans the run: rows the action cannot apply to are skipped at once, saying why.
    pub fn plan(action: BulkAction, users: Vec<Marked>, now: DateTime<Utc>) -> Self {
        let rows = users
            .into_iter()
            .map(|user| {
                let state = match skip_reason(action, &user) {
                    Some(why) => RowState::Skipped(why),
                    None => RowState::Pending,
                };
                BulkRow {
                    user,
                    state,
                    attempts: 0,
                }
            })
            .collect();
        Self {
            action,
            rows,
            paused: false,
            stopped: None,
            next_at: now,
            held_until: None,
            interval: TimeDelta::milliseconds(200),
        }
    }

    /// The least time between two starts.
    pub fn interval(&self) -> TimeDelta {
        self.interval
    }

    pub fn with_interval(mut self, interval: TimeDelta) -> Self {
        self.interval = interval;
        self
    }

    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for r in &self.rows {
            match r.state {
                RowState::Pending => c.pending += 1,
                RowState::Working { .. } => c.working += 1,
                RowState::Done { .. } => c.done += 1,
                RowState::Skipped(_) => c.skipped += 1,
                RowState::Failed { .. } => c.failed += 1,
                RowState::InDoubt(_) => c.in_doubt += 1,
            }
        }
        c
    }

    /// Nothing in flight and nothing more will be sent without a key.
    pub fn is_settled(&self) -> bool {
        let c = self.counts();
        c.working == 0 && (c.pending == 0 || self.paused || self.stopped.is_some())
    }

    /// When the run wants the clock next (`None`: it waits for answers or a key).
    pub fn wake_at(&self) -> Option<DateTime<Utc>> {
        if self.paused || self.stopped.is_some() {
            return None;
        }
        let c = self.counts();
        (c.pending > 0 && c.working < Self::IN_FLIGHT).then(|| self.start_at())
    }

    fn start_at(&self) -> DateTime<Utc> {
        match self.held_until {
            Some(h) => h.max(self.next_at),
            None => self.next_at,
        }
    }

    /// The steps to start now, each marking its row as working.
    pub fn next_steps(&mut self, now: DateTime<Utc>) -> Vec<Step> {
        let mut out = Vec::new();
        if self.paused || self.stopped.is_some() {
            return out;
        }
        let mut working = self.counts().working;
        while working < Self::IN_FLIGHT && self.start_at() <= now {
            let Some(row) = self.rows.iter_mut().find(|r| r.state == RowState::Pending) else {
                break;
            };
            // A row sent before with an unclear answer is read back first.
            let checking = row.attempts > 0;
            row.state = RowState::Working { checking };
            if !checking {
                row.attempts += 1;
            }
            out.push(if checking {
                Step::Check(row.user.id)
            } else {
                Step::Send(row.user.id)
            });
            working += 1;
            self.next_at = now.max(self.next_at) + self.interval;
            self.held_until = None;
        }
        out
    }

    fn row_mut(&mut self, id: UserId) -> Option<&mut BulkRow> {
        self.rows.iter_mut().find(|r| r.user.id == id)
    }

    /// The answer to a `Send`.
    pub fn sent(&mut self, id: UserId, result: Result<(), GoTrueError>, now: DateTime<Utc>) {
        let action = self.action;
        let mut hold = None;
        let mut stop = None;
        let Some(row) = self.row_mut(id) else {
            return;
        };
        row.state = match result {
            Ok(()) => RowState::Done { note: "done" },
            Err(e) if e.status == Some(404) && matches!(action, BulkAction::Delete { .. }) => {
                RowState::Done {
                    note: "gone already",
                }
            }
            Err(e) if e.kind == ErrorKind::RateLimited => {
                // GoTrue did nothing: the row waits, and so does the run.
                hold = Some(now + TimeDelta::seconds(2i64.pow(row.attempts.min(5))));
                row.attempts = row.attempts.saturating_sub(1);
                RowState::Pending
            }
            Err(e) if unclear(&e) => {
                let why = format!("the answer left it unknown ({e})");
                if action == BulkAction::SignOutEverywhere || row.attempts >= Self::MAX_ATTEMPTS {
                    RowState::InDoubt(why)
                } else {
                    // Read back before anything is sent again (`attempts` > 0).
                    RowState::Pending
                }
            }
            Err(e) => {
                if e.kind == ErrorKind::Auth {
                    stop = Some(format!("GoTrue refused the key: {e}"));
                }
                failed(&e)
            }
        };
        if let Some(h) = hold {
            self.held_until = Some(h);
        }
        if stop.is_some() {
            self.stopped = stop;
        }
    }

    /// The answer to a `Check`.
    pub fn checked(&mut self, id: UserId, result: Result<&User, GoTrueError>, now: DateTime<Utc>) {
        let action = self.action;
        let Some(row) = self.row_mut(id) else {
            return;
        };
        row.state = match result {
            Ok(user) if action.done_in(user, now) => RowState::Done {
                note: "done (read back)",
            },
            // Not done: the earlier attempt did not go through, so sending is no repeat.
            Ok(_) => {
                row.attempts += 1;
                RowState::Working { checking: false }
            }
            Err(e) if e.status == Some(404) => match action {
                BulkAction::Delete { .. } => RowState::Done {
                    note: "gone (read back)",
                },
                _ => RowState::Failed {
                    status: Some(404),
                    code: e.code.clone(),
                    message: "the user is gone".into(),
                },
            },
            Err(e) => RowState::InDoubt(format!("could not read it back ({e})")),
        };
    }

    /// After a `checked` that found the action not done: whether the row now needs its send.
    pub fn wants_send(&self, id: UserId) -> bool {
        self.rows
            .iter()
            .any(|r| r.user.id == id && r.state == RowState::Working { checking: false })
    }

    pub fn pause(&mut self) {
        self.paused = true;
    }

    /// Resumes a paused run; failed rows and rows in doubt go again (in doubt: read back
    /// first). Returns how many rows are pending now.
    pub fn resume(&mut self, now: DateTime<Utc>) -> usize {
        self.paused = false;
        self.stopped = None;
        for r in &mut self.rows {
            match r.state {
                RowState::Failed { .. } => {
                    r.state = RowState::Pending;
                    r.attempts = 0;
                }
                RowState::InDoubt(_) if self.action != BulkAction::SignOutEverywhere => {
                    r.state = RowState::Pending;
                    r.attempts = r.attempts.max(1);
                }
                _ => {}
            }
        }
        self.next_at = self.next_at.max(now);
        self.counts().pending
    }

    /// Nothing pending and nothing in flight: whatever the rows' results, the run is over
    /// (its state file goes).
    pub fn is_finished(&self) -> bool {
        let c = self.counts();
        c.pending == 0 && c.working == 0
    }

    /// Takes back a step that was never sent (its state could not be saved first): the row
    /// is as it was before [`BulkRun::next_steps`] or [`BulkRun::checked`] gave it.
    pub fn withdraw(&mut self, step: &Step) {
        let (id, checking) = match step {
            Step::Check(id) => (*id, true),
            Step::Send(id) => (*id, false),
        };
        if let Some(row) = self.row_mut(id)
            && row.state == (RowState::Working { checking })
        {
            if !checking {
                row.attempts = row.attempts.saturating_sub(1);
            }
            row.state = RowState::Pending;
        }
    }

    /// The run as its state file keeps it: the action, every user and each row's state.
    pub fn to_json(&self) -> String {
        let saved = SavedRun {
            version: SAVED_VERSION,
            action: SavedAction::of(self.action),
            paused: self.paused,
            rows: self
                .rows
                .iter()
                .map(|r| SavedRow {
                    user: r.user.clone(),
                    state: SavedState::of(&r.state),
                    attempts: r.attempts,
                })
                .collect(),
        };
        // Plain data (strings, numbers, booleans): it always serialises.
        serde_json::to_string_pretty(&saved).unwrap_or_default()
    }

    /// A run read back from its state file, paused. A row that was in flight when the
    /// console stopped may have been done: it is in doubt, and read back before anything
    /// is sent again (a sign-out stays in doubt, as it cannot be read back).
    pub fn from_json(text: &str, now: DateTime<Utc>) -> Result<Self, String> {
        let saved: SavedRun = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if saved.version != SAVED_VERSION {
            return Err(format!(
                "written by another version of gotrue-console (format {})",
                saved.version
            ));
        }
        let action = saved.action.action();
        let rows = saved
            .rows
            .into_iter()
            .map(|r| BulkRow {
                user: r.user,
                state: r.state.state(),
                attempts: r.attempts,
            })
            .collect();
        let mut run = BulkRun::plan(action, Vec::new(), now);
        run.rows = rows;
        run.paused = true;
        Ok(run)
    }

    /// The results, one row per user: `id,email,phone,action,result,detail`.
    pub fn results_csv<W: Write>(&self, writer: W) -> Result<(), csv::Error> {
        let mut w = csv::Writer::from_writer(writer);
        w.write_record(["id", "email", "phone", "action", "result", "detail"])?;
        for r in &self.rows {
            let id = r.user.id.to_string();
            w.write_record([
                id.as_str(),
                &crate::ops::export::spreadsheet_safe(&r.user.email),
                &crate::ops::export::spreadsheet_safe(&r.user.phone),
                self.action.label(),
                r.state.label(),
                &crate::ops::export::spreadsheet_safe(&r.state.detail()),
            ])?;
        }
        w.flush()?;
        Ok(())
    }
}

/// The state file's format; another one is refused rather than misread.
const SAVED_VERSION: u32 = 1;

#[derive(serde::Serialize, serde::Deserialize)]
struct SavedRun {
    version: u32,
    action: SavedAction,
    paused: bool,
    rows: Vec<SavedRow>,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum SavedAction {
    Delete { soft: bool },
    Ban { seconds: u64 },
    Unban,
    Confirm,
    SignOutEverywhere,
}

impl SavedAction {
    fn of(action: BulkAction) -> Self {
        match action {
            BulkAction::Delete { soft } => SavedAction::Delete { soft },
            BulkAction::Ban(BanDuration::For(d)) => SavedAction::Ban {
                seconds: d.as_secs(),
            },
            BulkAction::Ban(BanDuration::Unban) | BulkAction::Unban => SavedAction::Unban,
            BulkAction::Confirm => SavedAction::Confirm,
            BulkAction::SignOutEverywhere => SavedAction::SignOutEverywhere,
        }
    }

    fn action(self) -> BulkAction {
        match self {
            SavedAction::Delete { soft } => BulkAction::Delete { soft },
            SavedAction::Ban { seconds } => {
                BulkAction::Ban(BanDuration::For(std::time::Duration::from_secs(seconds)))
            }
            SavedAction::Unban => BulkAction::Unban,
            SavedAction::Confirm => BulkAction::Confirm,
            SavedAction::SignOutEverywhere => BulkAction::SignOutEverywhere,
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct SavedRow {
    user: Marked,
    state: SavedState,
    attempts: u32,
}

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
enum SavedState {
    Pending,
    /// A request was out when the state was saved.
    InFlight {
        checking: bool,
    },
    Done {
        note: String,
    },
    Skipped {
        why: String,
    },
    Failed {
        status: Option<u16>,
        code: Option<String>,
        message: String,
    },
    InDoubt {
        why: String,
    },
}

/// What a done row says: one of the model's own notes.
const DONE_NOTES: [&str; 4] = [
    "done",
    "gone already",
    "done (read back)",
    "gone (read back)",
];

impl SavedState {
    fn of(state: &RowState) -> Self {
        match state {
            RowState::Pending => SavedState::Pending,
            RowState::Working { checking } => SavedState::InFlight {
                checking: *checking,
            },
            RowState::Done { note } => SavedState::Done {
                note: (*note).to_owned(),
            },
            RowState::Skipped(why) => SavedState::Skipped { why: why.clone() },
            RowState::Failed {
                status,
                code,
                message,
            } => SavedState::Failed {
                status: *status,
                code: code.clone(),
                message: message.clone(),
            },
            RowState::InDoubt(why) => SavedState::InDoubt { why: why.clone() },
        }
    }

    fn state(self) -> RowState {
        match self {
            SavedState::Pending => RowState::Pending,
            SavedState::InFlight { .. } => RowState::InDoubt(
                "the console stopped before GoTrue answered: read back before anything is sent \
                 again"
                    .into(),
            ),
            SavedState::Done { note } => RowState::Done {
                note: DONE_NOTES
                    .iter()
                    .find(|n| **n == note)
                    .copied()
                    .unwrap_or("done"),
            },
            SavedState::Skipped { why } => RowState::Skipped(why),
            SavedState::Failed {
                status,
                code,
                message,
            } => RowState::Failed {
                status,
                code,
                message,
            },
            SavedState::InDoubt { why } => RowState::InDoubt(why),
        }
    }
}

/// Writes a run's state to `path`, through a temporary file beside it (fsynced, then
/// renamed), so a crash never leaves half a file.
pub fn save_run(path: &std::path::Path, json: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(json.as_bytes())?;
        file.sync_all()
    };
    if let Err(e) = write() {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, path)
}

/// The run kept at `path`, if there is one; it comes back paused, rows that were in flight
/// in doubt.
pub fn load_run(path: &std::path::Path, now: DateTime<Utc>) -> Result<Option<BulkRun>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => BulkRun::from_json(&text, now).map(Some),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Removes the run kept at `path` (none there is no error).
pub fn remove_run(path: &std::path::Path) -> std::io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// `bulk-<profile>.json`: a profile's unfinished bulk run, in the console's state folder
/// (characters a file name should not hold become `_`).
pub fn state_file(dir: &std::path::Path, profile: &str) -> std::path::PathBuf {
    let name: String = profile
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("bulk-{name}.json"))
}

fn skip_reason(action: BulkAction, u: &Marked) -> Option<String> {
    match action {
        BulkAction::Delete { soft: true } if u.deleted => Some("soft-deleted already".into()),
        BulkAction::Unban if !u.banned => Some("not banned".into()),
        BulkAction::Confirm if u.email_confirmed || (u.email.is_empty() && u.phone_confirmed) => {
            Some("confirmed already".into())
        }
        BulkAction::Confirm if u.email.is_empty() && u.phone.is_empty() => {
            Some("no email or phone to confirm".into())
        }
        BulkAction::SignOutEverywhere => {
            crate::ops::signout::refusal(&u.email, u.banned, u.deleted).or_else(|| {
                (!u.email_confirmed).then(|| {
                    "email not confirmed: the link would confirm it; sign them out one by one \
                     (asked twice)"
                        .to_owned()
                })
            })
        }
        _ => None,
    }
}

/// An answer that may hide a change made.
fn unclear(e: &GoTrueError) -> bool {
    e.may_have_been_applied() || e.status.is_some_and(|s| s >= 500)
}

/// The admin update a ban, unban or confirm sends for the user (`None` for the others).
pub fn attributes(action: BulkAction, user: &Marked) -> Option<AdminUserAttributes> {
    let mut a = AdminUserAttributes::default();
    match action {
        BulkAction::Ban(d) => a.ban_duration = Some(d),
        BulkAction::Unban => a.ban_duration = Some(BanDuration::Unban),
        BulkAction::Confirm if !user.email.is_empty() => a.email_confirm = Some(true),
        BulkAction::Confirm => a.phone_confirm = Some(true),
        _ => return None,
    }
    Some(a)
}

fn failed(e: &GoTrueError) -> RowState {
    RowState::Failed {
        status: e.status,
        code: e.code.clone(),
        message: e.message.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn marked(n: u128) -> Marked {
        Marked {
            id: Uuid::from_u128(n),
            email: format!("u{n}@example.com"),
            phone: String::new(),
            email_confirmed: true,
            phone_confirmed: false,
            banned: false,
            deleted: false,
        }
    }

    fn t0() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).expect("a time")
    }

    fn user(m: &Marked) -> User {
        serde_json::from_value(serde_json::json!({
            "id": m.id.to_string(), "aud": "authenticated", "role": "authenticated",
            "email": m.email, "phone": "", "app_metadata": {}, "user_metadata": {},
            "identities": [], "created_at": "2025-01-01T00:00:00Z",
            "updated_at": "2025-01-01T00:00:00Z", "is_anonymous": false
        }))
        .expect("a user")
    }

    fn server_error() -> GoTrueError {
        GoTrueError::from_response(502, None, b"<html>bad gateway</html>")
    }

    #[test]
    fn paced_two_at_a_time_and_a_result_for_every_row() {
        let now = t0();
        let run = BulkRun::plan(BulkAction::Unban, (1..=5).map(marked).collect(), now);
        // Nobody is banned: nothing to send, each says why.
        assert_eq!(run.counts().skipped, 5);
        assert!(run.is_settled() && run.wake_at().is_none());

        let users: Vec<Marked> = (1..=5).map(marked).collect();
        let mut run = BulkRun::plan(BulkAction::Ban(BanDuration::hours(24)), users, now);
        let first = run.next_steps(now);
        assert_eq!(first.len(), 1, "starts are an interval apart");
        assert_eq!(run.next_steps(now), vec![], "not yet");
        let later = now + run.interval();
        assert_eq!(run.next_steps(later).len(), 1);
        assert_eq!(
            run.next_steps(later + run.interval()),
            vec![],
            "two in flight at most"
        );
        let Step::Send(id) = first[0].clone() else {
            panic!("a send first")
        };
        run.sent(id, Ok(()), later);
        assert_eq!(run.counts().done, 1);
        assert_eq!(run.next_steps(later + run.interval()).len(), 1);
    }

    #[test]
    fn an_unclear_answer_is_read_back_before_anything_is_sent_again() {
        let now = t0();
        let m = marked(1);
        let mut run = BulkRun::plan(BulkAction::Delete { soft: true }, vec![m.clone()], now);
        assert_eq!(run.next_steps(now), vec![Step::Send(m.id)]);
        run.sent(m.id, Err(server_error()), now);
        let later = now + TimeDelta::seconds(1);
        assert_eq!(
            run.next_steps(later),
            vec![Step::Check(m.id)],
            "a look, not a send"
        );
        // It went through after all: done, never sent twice.
        let mut gone = user(&m);
        gone.deleted_at = Some(now);
        run.checked(m.id, Ok(&gone), later);
        assert_eq!(
            run.rows[0].state,
            RowState::Done {
                note: "done (read back)"
            }
        );
        assert_eq!(run.rows[0].attempts, 1);

        // Not through: the read-back says so, and the row is sent (once more).
        let mut run = BulkRun::plan(BulkAction::Delete { soft: true }, vec![m.clone()], now);
        run.next_steps(now);
        run.sent(m.id, Err(GoTrueError::transport("connection reset")), now);
        run.next_steps(later);
        run.checked(m.id, Ok(&user(&m)), later);
        assert!(run.wants_send(m.id));
        assert_eq!(run.rows[0].attempts, 2);
    }

    #[test]
    fn a_sign_out_with_an_unclear_answer_stays_in_doubt() {
        let now = t0();
        let m = marked(1);
        let mut run = BulkRun::plan(BulkAction::SignOutEverywhere, vec![m.clone()], now);
        run.next_steps(now);
        run.sent(m.id, Err(server_error()), now);
        assert!(matches!(run.rows[0].state, RowState::InDoubt(_)));
        assert!(run.is_settled());
        assert_eq!(run.resume(now), 0, "resuming does not sign them out again");
    }

    #[test]
    fn sign_out_skips_who_it_cannot_sign_out_and_the_unconfirmed() {
        let now = t0();
        let unconfirmed = Marked {
            email_confirmed: false,
            ..marked(1)
        };
        let phone_only = Marked {
            email: String::new(),
            phone: "15555550100".into(),
            ..marked(2)
        };
        let banned = Marked {
            banned: true,
            ..marked(3)
        };
        let run = BulkRun::plan(
            BulkAction::SignOutEverywhere,
            vec![unconfirmed, phone_only, banned, marked(4)],
            now,
        );
        let states: Vec<&str> = run.rows.iter().map(|r| r.state.label()).collect();
        assert_eq!(states, ["skipped", "skipped", "skipped", "pending"]);
        assert!(run.rows[0].state.detail().contains("not confirmed"));
    }

    #[test]
    fn rate_limits_hold_the_run_and_do_not_count_as_a_send() {
        let now = t0();
        let m = marked(1);
        let mut run = BulkRun::plan(
            BulkAction::Confirm,
            vec![Marked {
                email_confirmed: false,
                ..m.clone()
            }],
            now,
        );
        run.next_steps(now);
        let limited = GoTrueError::from_response(
            429,
            None,
            br#"{"code":"over_request_rate_limit","message":"slow down"}"#,
        );
        run.sent(m.id, Err(limited), now);
        assert_eq!(run.rows[0].state, RowState::Pending);
        assert!(run.wake_at().is_some_and(|t| t > now + run.interval()));
        assert_eq!(run.next_steps(now + run.interval()), vec![]);
        let after = run.wake_at().expect("a time to go on");
        assert_eq!(
            run.next_steps(after),
            vec![Step::Send(m.id)],
            "a send, not a check"
        );
    }

    #[test]
    fn pause_keeps_rows_pending_and_resume_retries_failures() {
        let now = t0();
        let users: Vec<Marked> = (1..=3).map(marked).collect();
        let mut run = BulkRun::plan(BulkAction::Ban(BanDuration::hours(1)), users.clone(), now);
        run.next_steps(now);
        run.sent(
            users[0].id,
            Err(GoTrueError::from_response(
                400,
                None,
                br#"{"code":"validation_failed","message":"no"}"#,
            )),
            now,
        );
        run.pause();
        assert!(run.next_steps(now + TimeDelta::seconds(5)).is_empty());
        assert!(run.is_settled());
        let c = run.counts();
        assert_eq!((c.failed, c.pending), (1, 2));
        assert_eq!(run.resume(now), 3, "the failure goes again with the rest");

        let mut out = Vec::new();
        run.results_csv(&mut out).expect("written");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(text.lines().count(), 4);
        assert!(text.starts_with("id,email,phone,action,result,detail\n"));
    }

    #[test]
    fn the_state_file_round_trip_keeps_every_row_and_puts_rows_in_flight_in_doubt() {
        let now = t0();
        let users: Vec<Marked> = (1..=4).map(marked).collect();
        let mut run = BulkRun::plan(BulkAction::Ban(BanDuration::hours(24)), users.clone(), now);
        run.next_steps(now);
        run.sent(users[0].id, Ok(()), now);
        let later = now + TimeDelta::seconds(1);
        let out = run.next_steps(later);
        assert_eq!(out, vec![Step::Send(users[1].id)]);
        run.sent(
            users[1].id,
            Err(GoTrueError::from_response(
                400,
                None,
                br#"{"code":"validation_failed","message":"no"}"#,
            )),
            later,
        );
        let out = run.next_steps(later + TimeDelta::seconds(1));
        assert_eq!(out, vec![Step::Send(users[2].id)], "this one is in flight");

        let back = BulkRun::from_json(&run.to_json(), later).expect("read back");
        assert_eq!(back.action, run.action);
        assert!(back.paused, "a run read back waits for a key");
        let states: Vec<&str> = back.rows.iter().map(|r| r.state.label()).collect();
        assert_eq!(states, ["done", "failed", "in doubt", "pending"]);
        assert_eq!(
            back.rows[1].state, run.rows[1].state,
            "GoTrue's code is kept"
        );
        let users_back: Vec<Marked> = back.rows.iter().map(|r| r.user.clone()).collect();
        assert_eq!(users_back, users);
        assert!(!back.is_finished());

        // Resuming reads the row in doubt back before anything is sent; the done row is
        // never sent again.
        let mut back = back;
        assert_eq!(back.resume(later), 3);
        let steps = back.next_steps(later);
        assert_eq!(
            steps,
            vec![Step::Send(users[1].id)],
            "the failure goes again"
        );
        let steps = back.next_steps(later + TimeDelta::seconds(1));
        assert_eq!(
            steps,
            vec![Step::Check(users[2].id)],
            "in doubt: a look first"
        );
        assert!(!back.rows[0].state.label().contains("pending"));

        // Every action survives the trip; another format is refused, not misread.
        for action in [
            BulkAction::Delete { soft: true },
            BulkAction::Delete { soft: false },
            BulkAction::Unban,
            BulkAction::Confirm,
            BulkAction::SignOutEverywhere,
        ] {
            let run = BulkRun::plan(action, vec![marked(9)], now);
            assert_eq!(
                BulkRun::from_json(&run.to_json(), now).map(|r| r.action),
                Ok(action)
            );
        }
        let other = run.to_json().replace("\"version\": 1", "\"version\": 7");
        assert!(BulkRun::from_json(&other, now).is_err());
        assert!(BulkRun::from_json("{not json", now).is_err());
    }

    #[test]
    fn a_sign_out_in_flight_when_the_console_stopped_stays_in_doubt() {
        let now = t0();
        let m = marked(1);
        let mut run = BulkRun::plan(BulkAction::SignOutEverywhere, vec![m.clone()], now);
        run.next_steps(now);
        let mut back = BulkRun::from_json(&run.to_json(), now).expect("read back");
        assert!(matches!(back.rows[0].state, RowState::InDoubt(_)));
        assert_eq!(
            back.resume(now),
            0,
            "never signed in again to sign out twice"
        );
        assert!(back.is_finished());
    }

    #[test]
    fn saving_and_loading_the_state_file() {
        let dir = std::env::temp_dir().join(format!("bulk-users-test-{}", std::process::id()));
        let path = state_file(&dir, "prod/eu west");
        assert!(
            path.ends_with("bulk-prod_eu_west.json"),
            "{}",
            path.display()
        );
        let now = t0();
        assert_eq!(load_run(&path, now), Ok(None), "nothing kept yet");
        let run = BulkRun::plan(BulkAction::Unban, vec![marked(1)], now);
        save_run(&path, &run.to_json()).expect("saved");
        let back = load_run(&path, now).expect("read").expect("a run");
        assert_eq!(back.rows, run.rows);
        remove_run(&path).expect("removed");
        remove_run(&path).expect("removing twice is no error");
        assert_eq!(load_run(&path, now), Ok(None));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_refused_key_stops_the_run() {
        let now = t0();
        let users: Vec<Marked> = (1..=3).map(marked).collect();
        let mut run = BulkRun::plan(BulkAction::Delete { soft: false }, users.clone(), now);
        run.next_steps(now);
        let denied = GoTrueError::from_response(
            403,
            None,
            br#"{"code":"not_admin","message":"User not allowed"}"#,
        );
        run.sent(users[0].id, Err(denied), now);
        assert!(run.stopped.is_some());
        assert!(run.next_steps(now + TimeDelta::seconds(9)).is_empty());
        assert!(run.is_settled());
    }
}
