//! Users out of GoTrue and into a file: CSV for people and spreadsheets, NDJSON for programs.
//!
//! [`export_users`] streams every user page by page and writes each batch as it arrives, so an
//! export of any size holds only a few pages in memory. [`write_rows`] writes a list already at
//! hand (the console's loaded or filtered users) in the same formats.

use crate::gotrue::{AllUsers, GoTrueClient, GoTrueError, RawUser, User, UserSort};
use chrono::{DateTime, SecondsFormat, Utc};
use futures::StreamExt;
use serde_json::{Map, Value};
use std::fmt;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::str::FromStr;

/// The shape of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum ExportFormat {
    /// A header, then one row per user: id, email, phone, created_at, last_sign_in_at,
    /// email_confirmed_at, phone_confirmed_at, invited_at, banned_until, deleted_at,
    /// providers, full_name, role, user_metadata, app_metadata.
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
        }
    }
}

impl std::error::Error for ExportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ExportError::GoTrue(e) => Some(e),
            ExportError::Write(e) => Some(e),
            ExportError::File { source, .. } => Some(source),
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
pub const CSV_COLUMNS: [&str; 15] = [
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
pub fn csv_fields(user: &User) -> [String; 15] {
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
    let mut rows = Rows::new(format, out)?;
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
/// it on success (the command line does).
pub async fn export_users<W: Write>(
    client: &GoTrueClient,
    opts: ExportOptions,
    out: W,
    progress: impl FnMut(u64, Option<u64>),
) -> Result<u64, ExportError> {
    if opts.format == ExportFormat::Ndjson {
        return export_ndjson_as_sent(client, opts, out, progress).await;
    }
    export_users_where(client, opts, out, |_| true, progress).await
}

/// The one way an export reaches a file, for the command line and the console alike: the
/// users (only those in `keep`, when given) go to `FILE.partial`, which is flushed to disk
/// and then renamed to `path`. A failure, or the future dropped on the way (Ctrl-C), leaves
/// no file behind: neither a half export under the real name nor the partial one.
pub async fn export_to_file(
    client: &GoTrueClient,
    opts: ExportOptions,
    path: &Path,
    keep: Option<std::collections::HashSet<crate::gotrue::UserId>>,
    progress: impl FnMut(u64, Option<u64>),
) -> Result<u64, ExportError> {
    let partial = PartialFile::new(path);
    let cannot = |e: io::Error| ExportError::File {
        path: path.to_owned(),
        source: e,
    };
    let mut file = std::fs::File::create(&partial.path).map_err(|e| ExportError::File {
        path: partial.path.clone(),
        source: e,
    })?;
    let count = match keep {
        None => export_users(client, opts, &mut file, progress).await,
        Some(ids) => {
            export_users_where(client, opts, &mut file, |u| ids.contains(&u.id), progress).await
        }
    }
    .map_err(|e| match e {
        ExportError::Write(e) => cannot(e),
        other => other,
    })?;
    file.sync_all().map_err(cannot)?;
    drop(file);
    std::fs::rename(&partial.path, path).map_err(cannot)?;
    partial.keep();
    Ok(count)
}

/// `FILE.partial` beside `FILE`, removed when dropped unless kept (renamed into place).
struct PartialFile {
    path: std::path::PathBuf,
    done: bool,
}

impl PartialFile {
    fn new(path: &Path) -> Self {
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        PartialFile {
            path: partial.into(),
            done: false,
        }
    }

    fn keep(mut self) {
        self.done = true;
    }
}

impl Drop for PartialFile {
    fn drop(&mut self) {
        if !self.done {
            let _ = std::fs::remove_file(&self.path);
        }
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
    }
}

/// NDJSON of every user: each user goes out as the server sent it, with only its id read
/// (to deliver each user once). Parsing every field into a `User` and writing it out again
/// took most of an export's CPU, on a machine the server shares.
async fn export_ndjson_as_sent<W: Write>(
    client: &GoTrueClient,
    opts: ExportOptions,
    out: W,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<u64, ExportError> {
    let mut out = BufWriter::with_capacity(64 * 1024, out);
    let mut users = std::pin::pin!(client.stream_all_users_as::<RawUser>(all_users(opts)));
    let mut written = 0u64;
    while let Some(batch) = users.next().await {
        let batch = batch?;
        for user in &batch.users {
            write_raw_ndjson_line(&mut out, user)?;
            written += 1;
        }
        progress(written, batch.total);
    }
    out.flush()?;
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

/// [`export_users`], writing only the users `keep` accepts (the console's instant filter).
pub async fn export_users_where<W: Write>(
    client: &GoTrueClient,
    opts: ExportOptions,
    out: W,
    keep: impl Fn(&User) -> bool,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<u64, ExportError> {
    let mut rows = Rows::new(opts.format, out)?;
    let mut users = std::pin::pin!(client.stream_all_users(all_users(opts)));
    let mut written = 0u64;
    while let Some(batch) = users.next().await {
        let batch = batch?;
        for user in batch.users.iter().filter(|u| keep(u)) {
            rows.write(user)?;
            written += 1;
        }
        progress(written, batch.total);
    }
    rows.finish()?;
    Ok(written)
}

/// A format's writer: the CSV writer (which buffers), or a buffer for NDJSON lines.
enum Rows<W: Write> {
    // Boxed: one per export, and the enum stays small.
    Csv(Box<csv::Writer<W>>),
    Ndjson(BufWriter<W>),
}

impl<W: Write> Rows<W> {
    /// The CSV header goes out first, so even an export of no users says what it holds.
    fn new(format: ExportFormat, out: W) -> io::Result<Self> {
        match format {
            ExportFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(csv_header())?;
                Ok(Rows::Csv(Box::new(w)))
            }
            ExportFormat::Ndjson => Ok(Rows::Ndjson(BufWriter::with_capacity(64 * 1024, out))),
        }
    }

    fn write(&mut self, user: &User) -> io::Result<()> {
        match self {
            Rows::Csv(w) => Ok(write_csv_row(w, user)?),
            Rows::Ndjson(w) => write_ndjson_line(w, user),
        }
    }

    fn finish(self) -> io::Result<()> {
        match self {
            Rows::Csv(mut w) => w.flush(),
            Rows::Ndjson(mut w) => w.flush(),
        }
    }
}

fn timestamp(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
        .unwrap_or_default()
}

fn json_object(map: &Map<String, Value>) -> String {
    // A map of JSON values always serialises; `{}` stands for none.
    serde_json::to_string(map).unwrap_or_else(|_| "{}".to_owned())
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
