//! Users out of GoTrue and into a file: CSV for people and spreadsheets, NDJSON for programs.
//!
//! [`export_users`] streams every user page by page and writes each batch as it arrives, so an
//! export of any size holds only a few pages in memory. [`write_rows`] writes a list already at
//! hand (the console's loaded or filtered users) in the same formats.

use crate::gotrue::{
    AllUsers, GoTrueClient, GoTrueError, RawUser, ResumeAt, User, UserId, UserSort,
};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::StreamExt;
use serde_json::{Map, Value};
use std::collections::HashSet;
use std::fmt;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::str::FromStr;

/// The shape of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ExportFormat {
    /// A header, then one row per user: id, email, phone, created_at, last_sign_in_at,
    /// email_confirmed_at, phone_confirmed_at, invited_at, banned_until, deleted_at,
    /// providers, full_name, role, user_metadata, app_metadata, is_anonymous, is_sso_user.
    Csv,
    /// One JSON object per user and line, with every field the server sent.
    Ndjson,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Ndjson => "ndjson",
        }
    }

    /// The format a file name asks for: `.csv`, or `.ndjson` / `.jsonl`.
    pub fn from_path(path: &Path) -> Option<ExportFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(ExportFormat::Csv),
            "ndjson" | "jsonl" => Some(ExportFormat::Ndjson),
            _ => None,
        }
    }
}

impl fmt::Display for ExportFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ExportFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" => Ok(ExportFormat::Csv),
            "ndjson" | "jsonl" => Ok(ExportFormat::Ndjson),
            other => Err(format!("unknown export format `{other}` (csv or ndjson)")),
        }
    }
}

/// What to export and how to fetch it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExportOptions {
    pub format: ExportFormat,
    /// GoTrue's `filter`: an email substring or a full name. `None` exports everyone.
    pub filter: Option<String>,
    /// Users per request.
    pub per_page: u32,
    /// Pages fetched at once.
    pub concurrency: usize,
}

impl Default for ExportOptions {
    fn default() -> Self {
        let all = AllUsers::default();
        ExportOptions {
            format: ExportFormat::Ndjson,
            filter: None,
            per_page: all.per_page,
            concurrency: all.concurrency,
        }
    }
}

/// Why an export stopped.
#[derive(Debug)]
pub enum ExportError {
    /// GoTrue refused or failed (after the client's retries).
    GoTrue(GoTrueError),
    /// The output could not be written.
    Write(io::Error),
    /// A file of the export could not be created, written or renamed.
    File {
        path: std::path::PathBuf,
        source: io::Error,
    },
    /// `--resume` cannot go on from what an earlier export left.
    Resume(String),
    /// The database refused or failed (an export through `COPY`).
    Database(crate::db::DbError),
}

impl fmt::Display for ExportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // GoTrue's own words: status, code, message.
            ExportError::GoTrue(e) => e.fmt(f),
            ExportError::Write(e) => write!(f, "cannot write the export: {e}"),
            ExportError::File { path, source } => {
                write!(f, "cannot write {}: {source}", path.display())
            }
            ExportError::Resume(why) => f.write_str(why),
            ExportError::Database(e) => write!(f, "the database: {e}"),
        }
    }
}

impl std::error::Error for ExportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ExportError::GoTrue(e) => Some(e),
            ExportError::Write(e) => Some(e),
            ExportError::File { source, .. } => Some(source),
            ExportError::Resume(_) => None,
            ExportError::Database(e) => Some(e),
        }
    }
}

impl From<GoTrueError> for ExportError {
    fn from(e: GoTrueError) -> Self {
        ExportError::GoTrue(e)
    }
}

impl From<io::Error> for ExportError {
    fn from(e: io::Error) -> Self {
        ExportError::Write(e)
    }
}

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 17] = [
    "id",
    "email",
    "phone",
    "created_at",
    "last_sign_in_at",
    "email_confirmed_at",
    "phone_confirmed_at",
    "invited_at",
    "banned_until",
    "deleted_at",
    "providers",
    "full_name",
    "role",
    "user_metadata",
    "app_metadata",
    "is_anonymous",
    "is_sso_user",
];

/// The CSV header row.
pub fn csv_header() -> &'static [&'static str] {
    &CSV_COLUMNS
}

/// A cell a spreadsheet will not run as a formula: text from users that starts with `=`,
/// `+`, `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP's advice for CSV
/// files that people open in Excel or Sheets). Other text is unchanged.
pub fn spreadsheet_safe(text: &str) -> std::borrow::Cow<'_, str> {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => std::borrow::Cow::Owned(format!("'{text}")),
        _ => std::borrow::Cow::Borrowed(text),
    }
}

/// One user's CSV fields, in [`CSV_COLUMNS`] order: timestamps in RFC 3339 (empty for none),
/// providers comma-joined, metadata as compact JSON. Quoting is the writer's job.
pub fn csv_fields(user: &User) -> [String; 17] {
    [
        user.id.to_string(),
        spreadsheet_safe(&user.email).into_owned(),
        user.phone.clone(),
        timestamp(user.created_at),
        timestamp(user.last_sign_in_at),
        timestamp(user.email_confirmed_at),
        timestamp(user.phone_confirmed_at),
        timestamp(user.invited_at),
        timestamp(user.banned_until),
        timestamp(user.deleted_at),
        spreadsheet_safe(&user.providers().join(",")).into_owned(),
        spreadsheet_safe(user.full_name().unwrap_or_default()).into_owned(),
        spreadsheet_safe(user.role.as_deref().unwrap_or_default()).into_owned(),
        json_object(&user.user_metadata),
        json_object(&user.app_metadata),
        (user.is_anonymous == Some(true)).to_string(),
        (user.is_sso_user == Some(true)).to_string(),
    ]
}

/// Writes one user as a CSV row (RFC 4180 quoting: fields with commas, quotes or line
/// breaks are quoted, quotes doubled).
pub fn write_csv_row<W: Write>(w: &mut csv::Writer<W>, user: &User) -> csv::Result<()> {
    w.write_record(csv_fields(user))
}

/// Writes one user as a line of JSON: every field the client read, unknown ones included.
pub fn write_ndjson_line<W: Write>(w: &mut W, user: &User) -> io::Result<()> {
    serde_json::to_writer(&mut *w, user)?;
    w.write_all(b"\n")
}

/// Writes a list of users already in memory: the CSV header and rows, or NDJSON lines.
pub fn write_rows<W: Write>(format: ExportFormat, users: &[User], out: W) -> io::Result<()> {
    let mut rows = Rows::new(format, out, None)?;
    for user in users {
        rows.write(user)?;
    }
    rows.finish()
}

/// Streams every user (oldest first, each once) from `client` into `out` and returns how many
/// were written. `progress` is called after each batch with the users written so far and the
/// total the server reported; callers throttle what they draw.
///
/// Writes to `out` are blocking and buffered here; `out` is flushed before this returns `Ok`.
/// On an error, what was written so far is incomplete: write to a temporary file and rename
/// it on success ([`export_to_file`] does).
pub async fn export_users<W: Write>(
    client: &GoTrueClient,
    opts: ExportOptions,
    out: W,
    progress: impl FnMut(u64, Option<u64>),
) -> Result<u64, ExportError> {
    let format = opts.format;
    let mut rows = Rows::new(format, out, None)?;
    let written = pump(
        client,
        all_users(opts),
        &mut rows,
        Skip::default(),
        None,
        |_, _, _, _| Ok(()),
        progress,
    )
    .await?;
    rows.finish()?;
    Ok(written)
}

/// How long the one `COPY` of a database export may run (a million users take seconds).
pub const COPY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3600);

/// Streams every user `filter` finds (the console's `/` words; everyone without) out of the
/// database with `COPY … TO STDOUT` into `out`, oldest first, in the same formats as
/// [`export_users`]: NDJSON lines are GoTrue's user JSON as the database builds it (not
/// parsed on the way), CSV rows come from the same [`csv_fields`] as the API's. Returns how
/// many; `progress` is called every 10,000 users.
pub async fn export_users_from_db<W: Write>(
    db: &crate::db::Db,
    format: ExportFormat,
    filter: Option<&str>,
    out: W,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<u64, ExportError> {
    let mut rows = Rows::new(format, out, None)?;
    let count = copy_into(db, filter, &mut rows, &mut progress).await?;
    rows.finish()?;
    Ok(count)
}

async fn copy_into<W: Write>(
    db: &crate::db::Db,
    filter: Option<&str>,
    rows: &mut Rows<W>,
    progress: &mut impl FnMut(u64, Option<u64>),
) -> Result<u64, ExportError> {
    use crate::db::{CopyFailed, UserSearch};
    let search = UserSearch::parse(filter.unwrap_or_default(), Utc::now());
    let mut n = 0u64;
    let r = db
        .copy_users(&search, COPY_TIMEOUT, |line| {
            match rows {
                Rows::Ndjson(w) => {
                    w.write_all(line)?;
                    w.write_all(b"\n")?;
                }
                Rows::Csv(w) => {
                    let user: User = serde_json::from_slice(line).map_err(io::Error::other)?;
                    write_csv_row(w, &user)?;
                }
            }
            n += 1;
            if n.is_multiple_of(10_000) {
                progress(n, None);
            }
            Ok(())
        })
        .await;
    match r {
        Ok(count) => Ok(count),
        Err(CopyFailed::Db(e)) => Err(ExportError::Database(e)),
        Err(CopyFailed::Sink(e)) => Err(ExportError::Write(e)),
    }
}

/// [`export_users_from_db`] into `path`, as [`export_to_file`] writes: `FILE.partial`,
/// fsynced, renamed. Not resumable: one `COPY` either ends or starts over.
pub async fn export_db_to_file(
    db: &crate::db::Db,
    format: ExportFormat,
    filter: Option<&str>,
    path: &Path,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<Exported, ExportError> {
    let partial = PartialFile::new(path);
    let cannot = |p: &Path, e: io::Error| ExportError::File {
        path: p.to_owned(),
        source: e,
    };
    let file = std::fs::File::create(&partial.path).map_err(|e| cannot(&partial.path, e))?;
    let mut rows = Rows::new(format, file, None).map_err(|e| cannot(&partial.path, e))?;
    let count = copy_into(db, filter, &mut rows, &mut progress)
        .await
        .map_err(|e| match e {
            ExportError::Write(e) => cannot(&partial.path, e),
            other => other,
        })?;
    let file = rows.finish_into().map_err(|e| cannot(path, e))?;
    file.sync_all().map_err(|e| cannot(path, e))?;
    drop(file);
    std::fs::rename(&partial.path, path).map_err(|e| cannot(path, e))?;
    partial.done();
    Ok(Exported {
        written: count,
        earlier: 0,
    })
}

/// How [`export_to_file`] goes about it.
#[derive(Clone, Debug, Default)]
pub struct ToFile {
    /// Only these users (the console's instant filter). Such an export always starts over.
    pub keep: Option<HashSet<UserId>>,
    /// Once a batch is written, an export that stops (an error, Ctrl-C) leaves `FILE.partial`
    /// and `FILE.partial.state` behind for [`Self::resume`]; otherwise it leaves nothing.
    pub resumable: bool,
    /// Go on from `FILE.partial` where an earlier export to the same file stopped: after
    /// the last cursor or page it wrote. Without a partial file it starts from the top.
    pub resume: bool,
}

/// How an export to a file ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exported {
    /// Users in the file.
    pub written: u64,
    /// Of those, written by an earlier run this one went on from.
    pub earlier: u64,
}

/// The one way an export reaches a file, for the command line and the console alike: the
/// users go to `FILE.partial`, which is flushed to disk and then renamed to `path`. A
/// failure, or the future dropped on the way (Ctrl-C), leaves no half export under the real
/// name; what it leaves of the partial one [`ToFile`] says.
pub async fn export_to_file(
    client: &GoTrueClient,
    opts: ExportOptions,
    path: &Path,
    how: ToFile,
    progress: impl FnMut(u64, Option<u64>),
) -> Result<Exported, ExportError> {
    let mut partial = PartialFile::new(path);
    let cannot = |p: &Path, e: io::Error| ExportError::File {
        path: p.to_owned(),
        source: e,
    };
    let resumable = how.resumable && how.keep.is_none();
    let earlier = if how.resume && resumable {
        State::read(&partial.state)?
    } else {
        None
    };
    // An earlier run's work is kept whatever happens to this one.
    partial.keep_on_failure = earlier.is_some();
    let mut all = all_users(opts.clone());
    let mut skip = Skip::default();
    let (file, written) = match &earlier {
        Some(state) => {
            state.matches(&opts, &partial.path)?;
            all.per_page = state.per_page;
            all.resume = Some(state.after.clone());
            if let ResumeAt::Page(_) = state.after {
                all.keyset = false;
                skip.ids = state.last_ids.iter().copied().collect();
            }
            (state.reopen(&partial.path)?, state.written)
        }
        None => {
            // A fresh start: an earlier run's state goes with its file.
            match std::fs::remove_file(&partial.state) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(cannot(&partial.state, e));
                }
                _ => {}
            }
            let file =
                std::fs::File::create(&partial.path).map_err(|e| cannot(&partial.path, e))?;
            (file, 0)
        }
    };
    let mut rows = Rows::new(opts.format, file, earlier.as_ref().map(|s| s.bytes))
        .map_err(|e| cannot(&partial.path, e))?;
    if let Some(keep) = how.keep {
        skip.keep = Some(keep);
    }
    let mut state = State {
        format: opts.format.as_str().to_owned(),
        filter: opts.filter.clone().filter(|f| !f.is_empty()),
        per_page: all.per_page,
        columns: CSV_COLUMNS.len(),
        written,
        bytes: 0,
        after: ResumeAt::Page(0),
        last_ids: Vec::new(),
    };
    let state_path = partial.state.clone();
    let checkpoint = |rows: &mut Rows<std::fs::File>, after: &ResumeAt, ids: Vec<UserId>, n| {
        if !resumable {
            return Ok(());
        }
        rows.flush().map_err(|e| cannot(&partial.path, e))?;
        state.written = n;
        state.bytes = rows.bytes();
        state.after = after.clone();
        state.last_ids = match after {
            ResumeAt::Page(_) => ids,
            ResumeAt::Cursor(_) => Vec::new(),
        };
        state.write(&state_path)?;
        // From the first checkpoint on, a stopped export can be resumed: keep its files.
        partial.keep_on_failure = true;
        Ok(())
    };
    let few = skip
        .keep
        .as_ref()
        .filter(|keep| keep.len() <= BY_ID_AT_MOST)
        .cloned();
    let count = match few {
        // A handful picked out of a big list: asked for by id, not found by reading all.
        Some(ids) => by_id(client, &ids, &mut rows, progress).await,
        None => {
            pump(
                client,
                all,
                &mut rows,
                skip,
                Some(written),
                checkpoint,
                progress,
            )
            .await
        }
    };
    let count = count.map_err(|e| match e {
        ExportError::Write(e) => cannot(&partial.path, e),
        other => other,
    })?;
    let file = rows.finish_into().map_err(|e| cannot(path, e))?;
    file.sync_all().map_err(|e| cannot(path, e))?;
    drop(file);
    std::fs::rename(&partial.path, path).map_err(|e| cannot(path, e))?;
    partial.done();
    Ok(Exported {
        written: count,
        earlier: written,
    })
}

/// The users an unfinished export to `path` has in `FILE.partial`, if it left a state that
/// `--resume` can go on from.
pub fn unfinished(path: &Path) -> Option<u64> {
    let (_, state) = partial_paths(path);
    Some(State::read(&state).ok()??.written)
}

/// `FILE.partial` and `FILE.partial.state`.
pub fn partial_paths(path: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let mut state = partial.clone();
    state.push(".state");
    (partial.into(), state.into())
}

/// Up to this many kept users (the console's instant filter) are fetched one by one,
/// `GET /admin/users/{id}` four at a time, rather than found by reading every user: over a
/// window of a million users, a few requests instead of a thousand pages.
pub const BY_ID_AT_MOST: usize = 2_000;

/// The users `ids` names, oldest first, into `rows`; one deleted meanwhile (404) is left
/// out. Returns how many were written.
async fn by_id<W: Write>(
    client: &GoTrueClient,
    ids: &HashSet<UserId>,
    rows: &mut Rows<W>,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<u64, ExportError> {
    let total = Some(ids.len() as u64);
    let mut users = Vec::with_capacity(ids.len());
    let mut answers = futures::stream::iter(ids.iter().copied())
        .map(|id| client.get_user_by_id(id))
        .buffer_unordered(4);
    while let Some(answer) = answers.next().await {
        match answer {
            Ok(user) => users.push(user),
            Err(e) if e.kind == crate::gotrue::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        progress(users.len() as u64, total);
    }
    users.sort_by_key(|u| (u.created_at, u.id));
    for user in &users {
        rows.write(user)?;
    }
    Ok(users.len() as u64)
}

/// `FILE.partial` beside `FILE`, and its state `FILE.partial.state`. Both are removed when
/// dropped, unless the export is done (renamed into place) or may be resumed.
struct PartialFile {
    path: std::path::PathBuf,
    state: std::path::PathBuf,
    done: bool,
    keep_on_failure: bool,
}

impl PartialFile {
    fn new(path: &Path) -> Self {
        let (partial, state) = partial_paths(path);
        PartialFile {
            path: partial,
            state,
            done: false,
            keep_on_failure: false,
        }
    }

    /// The export is in place: the state has nothing left to say.
    fn done(mut self) {
        self.done = true;
        let _ = std::fs::remove_file(&self.state);
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.done && !self.keep_on_failure {
            let _ = std::fs::remove_file(&self.path);
            let _ = std::fs::remove_file(&self.state);
        }
    }
}

/// Where an unfinished export stands, written beside its partial file after each batch
/// (to a temporary name, then renamed, so it is always whole).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct State {
    /// What is exported: a resumed export must ask for the same.
    format: String,
    filter: Option<String>,
    per_page: u32,
    /// CSV's columns: a file begun with other columns is not continued.
    #[serde(default)]
    columns: usize,
    /// Users in the partial file, and its length in bytes after the last whole batch.
    written: u64,
    bytes: u64,
    /// Where the next batch starts.
    after: ResumeAt,
    /// By page: the users of the last page written, skipped when it is read again.
    #[serde(default)]
    last_ids: Vec<UserId>,
}

impl State {
    /// The state at `path`; `None` when there is none.
    fn read(path: &Path) -> Result<Option<State>, ExportError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(ExportError::File {
                    path: path.to_owned(),
                    source: e,
                });
            }
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            ExportError::Resume(format!(
                "{} is not an export's state ({e}): drop --resume to start over",
                path.display()
            ))
        })
    }

    fn write(&self, path: &Path) -> Result<(), ExportError> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        let cannot = |e: io::Error| ExportError::File {
            path: path.to_owned(),
            source: e,
        };
        let json = serde_json::to_vec(self).map_err(|e| cannot(e.into()))?;
        std::fs::write(&tmp, json).map_err(cannot)?;
        std::fs::rename(&tmp, path).map_err(cannot)
    }

    /// A resumed export asks for what the first one did.
    fn matches(&self, opts: &ExportOptions, path: &Path) -> Result<(), ExportError> {
        let filter = opts.filter.as_deref().filter(|f| !f.is_empty());
        let csv = opts.format == ExportFormat::Csv;
        let differs = if self.format != opts.format.as_str() {
            Some(format!("as {}", self.format))
        } else if csv && self.columns != CSV_COLUMNS.len() {
            Some(format!(
                "with {} columns, this version writes {}",
                self.columns,
                CSV_COLUMNS.len()
            ))
        } else if self.filter.as_deref() != filter {
            Some(match &self.filter {
                Some(f) => format!("with --filter {f:?}"),
                None => "without --filter".to_owned(),
            })
        } else {
            None
        };
        match differs {
            Some(how) => Err(ExportError::Resume(format!(
                "the unfinished export in {} was made {how}: ask for the same to resume it, or drop --resume to start over",
                path.display()
            ))),
            None => Ok(()),
        }
    }

    /// The partial file, cut back to the last whole batch and open at its end.
    fn reopen(&self, path: &Path) -> Result<std::fs::File, ExportError> {
        use std::io::{Seek, SeekFrom};
        let cannot = |e: io::Error| ExportError::File {
            path: path.to_owned(),
            source: e,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(cannot)?;
        let len = file.metadata().map_err(cannot)?.len();
        if len < self.bytes {
            return Err(ExportError::Resume(format!(
                "{} is shorter ({len} bytes) than its state says ({} bytes): drop --resume to start over",
                path.display(),
                self.bytes
            )));
        }
        // Whatever followed the last whole batch goes.
        file.set_len(self.bytes).map_err(cannot)?;
        file.seek(SeekFrom::End(0)).map_err(cannot)?;
        Ok(file)
    }
}

fn all_users(opts: ExportOptions) -> AllUsers {
    AllUsers {
        per_page: opts.per_page.max(1),
        concurrency: opts.concurrency.max(1),
        filter: opts.filter.filter(|f| !f.is_empty()),
        sort: UserSort::CreatedAsc,
        keyset: true,
        // An export is asked for and waited on: as fast as its concurrency allows.
        paced: false,
        resume: None,
    }
}

/// Users a run leaves out: those an earlier run wrote from the page it reads again, and,
/// for the console's instant filter, every user it does not keep.
#[derive(Default)]
struct Skip {
    ids: HashSet<UserId>,
    keep: Option<HashSet<UserId>>,
}

impl Skip {
    fn skips(&self, id: &UserId) -> bool {
        self.ids.contains(id) || self.keep.as_ref().is_some_and(|k| !k.contains(id))
    }
}

/// Every user from `client` into `rows`, batch by batch; after each, `checkpoint` hears
/// where the read stands, the batch's ids and the users written in all (`base` of them by
/// an earlier run). NDJSON without a `keep` list goes out as the server sent it, with only
/// each user's id read: parsing every field into a `User` and writing it out again took
/// most of an export's CPU, on a machine the server shares.
async fn pump<W: Write>(
    client: &GoTrueClient,
    all: AllUsers,
    rows: &mut Rows<W>,
    skip: Skip,
    base: Option<u64>,
    checkpoint: impl FnMut(&mut Rows<W>, &ResumeAt, Vec<UserId>, u64) -> Result<(), ExportError>,
    progress: impl FnMut(u64, Option<u64>),
) -> Result<u64, ExportError> {
    let base = base.unwrap_or(0);
    if rows.is_ndjson() && skip.keep.is_none() {
        let users = client.stream_all_users_as::<RawUser>(all);
        pump_as(users, rows, &skip, base, checkpoint, progress).await
    } else {
        let users = client.stream_all_users_as::<User>(all);
        pump_as(users, rows, &skip, base, checkpoint, progress).await
    }
}

/// A user as an export writes it: as the server sent it, or as read.
trait Written: crate::gotrue::ListedUser {
    fn write_to<W: Write>(&self, rows: &mut Rows<W>) -> io::Result<()>;
}

impl Written for RawUser {
    fn write_to<W: Write>(&self, rows: &mut Rows<W>) -> io::Result<()> {
        rows.raw(self)
    }
}

impl Written for User {
    fn write_to<W: Write>(&self, rows: &mut Rows<W>) -> io::Result<()> {
        rows.write(self)
    }
}

/// [`pump`]'s loop, over users read as `U`.
async fn pump_as<U: Written, W: Write>(
    users: impl futures::Stream<Item = Result<crate::gotrue::UsersBatch<U>, GoTrueError>>,
    rows: &mut Rows<W>,
    skip: &Skip,
    mut written: u64,
    mut checkpoint: impl FnMut(&mut Rows<W>, &ResumeAt, Vec<UserId>, u64) -> Result<(), ExportError>,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<u64, ExportError> {
    let mut users = std::pin::pin!(users);
    while let Some(batch) = users.next().await {
        let batch = batch?;
        for user in batch.users.iter().filter(|u| !skip.skips(&u.id())) {
            user.write_to(rows)?;
            written += 1;
        }
        if let Some(after) = &batch.after {
            let ids = batch.users.iter().map(|u| u.id()).collect();
            checkpoint(rows, after, ids, written)?;
        }
        progress(written, batch.total);
    }
    Ok(written)
}

/// One user as the server sent it, on one line (re-encoded only if the server's JSON had
/// line breaks between its tokens).
fn write_raw_ndjson_line<W: Write>(w: &mut W, user: &RawUser) -> io::Result<()> {
    let json = user.json.get();
    if json.contains(['\n', '\r']) {
        let value: Value = serde_json::from_str(json)?;
        serde_json::to_writer(&mut *w, &value)?;
    } else {
        w.write_all(json.as_bytes())?;
    }
    w.write_all(b"\n")
}

/// A writer that counts the bytes it passes on: where a resumed export cuts its file back to.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A format's writer: the CSV writer (which buffers), or a buffer for NDJSON lines.
enum Rows<W: Write> {
    // Boxed: one per export, and the enum stays small.
    Csv(Box<csv::Writer<Counting<W>>>),
    Ndjson(BufWriter<Counting<W>>),
}

impl<W: Write> Rows<W> {
    /// The CSV header goes out first, so even an export of no users says what it holds,
    /// unless the output goes on from an earlier run's `already` bytes.
    fn new(format: ExportFormat, out: W, already: Option<u64>) -> io::Result<Self> {
        let out = Counting {
            inner: out,
            bytes: already.unwrap_or(0),
        };
        match format {
            ExportFormat::Csv => {
                let mut w = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(out);
                if already.is_none() {
                    w.write_record(csv_header())?;
                }
                Ok(Rows::Csv(Box::new(w)))
            }
            ExportFormat::Ndjson => Ok(Rows::Ndjson(BufWriter::with_capacity(64 * 1024, out))),
        }
    }

    fn is_ndjson(&self) -> bool {
        matches!(self, Rows::Ndjson(_))
    }

    fn write(&mut self, user: &User) -> io::Result<()> {
        match self {
            Rows::Csv(w) => Ok(write_csv_row(w, user)?),
            Rows::Ndjson(w) => write_ndjson_line(w, user),
        }
    }

    /// A user as the server sent it (NDJSON only; CSV is made from parsed users).
    fn raw(&mut self, user: &RawUser) -> io::Result<()> {
        match self {
            Rows::Ndjson(w) => write_raw_ndjson_line(w, user),
            Rows::Csv(_) => Err(io::Error::other("a raw user cannot go into CSV")),
        }
    }

    /// Bytes passed on to the output (all of them, after [`Self::flush`]).
    fn bytes(&self) -> u64 {
        match self {
            Rows::Csv(w) => w.get_ref().bytes,
            Rows::Ndjson(w) => w.get_ref().bytes,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Rows::Csv(w) => w.flush(),
            Rows::Ndjson(w) => w.flush(),
        }
    }

    fn finish(mut self) -> io::Result<()> {
        self.flush()
    }

    /// Flushed, and the output back.
    fn finish_into(self) -> io::Result<W> {
        let counting = match self {
            Rows::Csv(w) => w
                .into_inner()
                .map_err(|e| io::Error::other(e.to_string()))?,
            Rows::Ndjson(w) => w.into_inner().map_err(|e| e.into_error())?,
        };
        Ok(counting.inner)
    }
}

fn timestamp(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        .unwrap_or_default()
}

fn json_object(map: &Map<String, Value>) -> String {
    // Keys sorted, at every depth: the same metadata is the same cell whether it came from
    // GoTrue's API (Go sorts map keys) or from the database (jsonb orders keys its own way).
    let mut value = Value::Object(map.clone());
    value.sort_all_objects();
    // A map of JSON values always serialises; `{}` stands for none.
    serde_json::to_string(&value).unwrap_or_else(|_| "{}".to_owned())
}

#[cfg(test)]
mod tests {
    use super::{spreadsheet_safe, write_raw_ndjson_line};
    use crate::gotrue::RawUser;

    const ID: &str = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b";

    fn line(json: &str) -> String {
        let user: RawUser = serde_json::from_str(json).unwrap();
        assert_eq!(user.id.to_string(), ID);
        let mut out = Vec::new();
        write_raw_ndjson_line(&mut out, &user).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn a_user_goes_out_as_the_server_sent_it_on_one_line() {
        let sent = format!(r#"{{"id":"{ID}","email":"a@example.com","x_new":{{"n":1.50}}}}"#);
        assert_eq!(line(&sent), format!("{sent}\n"));
        let pretty = format!("{{\n  \"id\": \"{ID}\",\n  \"email\": \"a\\nb\"\n}}");
        assert_eq!(
            line(&pretty),
            format!("{{\"id\":\"{ID}\",\"email\":\"a\\nb\"}}\n")
        );
    }

    #[test]
    fn formulas_are_defused_and_plain_text_kept() {
        assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(spreadsheet_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(spreadsheet_safe("-1+1"), "'-1+1");
        assert_eq!(spreadsheet_safe("ada@example.com"), "ada@example.com");
        assert_eq!(spreadsheet_safe(""), "");
    }
}
