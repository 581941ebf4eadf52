//! One error for every database failure, with the URL's secrets already taken out.

use std::fmt;

/// What kind of failure, for the title of a panel and for a hint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DbErrorKind {
    /// The URL cannot be read (or asks for something not supported).
    Url,
    /// TLS was required and could not be had, or the certificate was refused.
    Tls,
    /// The server could not be reached, or refused the login.
    Connect,
    /// No `auth.users` (or a column the console reads): not GoTrue's database, or an older one.
    Schema,
    /// The role may not read a table.
    Permission,
    /// A statement ran past the statement timeout.
    Timeout,
    /// The query failed otherwise (a write refused in a read-only transaction lands here).
    Query,
    /// A row the console cannot understand.
    Malformed,
    /// The filter asks for something the database reads cannot say yet.
    Unsupported,
}

/// A database failure. Its message never holds the URL's password: every message is made
/// from parts that cannot carry it, and passes through [`redact`] with the URL's secrets
/// besides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DbError {
    pub kind: DbErrorKind,
    /// PostgreSQL's SQLSTATE, when the server said it (`25006`: a write in a read-only
    /// transaction).
    pub code: Option<String>,
    pub message: String,
}

impl DbError {
    pub fn new(kind: DbErrorKind, message: impl Into<String>) -> DbError {
        DbError {
            kind,
            code: None,
            message: message.into(),
        }
    }

    /// A tokio-postgres error as ours, with `secrets` blotted out of its text.
    pub fn from_pg(e: &tokio_postgres::Error, secrets: &[String]) -> DbError {
        if let Some(db) = e.as_db_error() {
            let code = db.code().code().to_owned();
            let kind = match code.as_str() {
                "57014" => DbErrorKind::Timeout,
                "42P01" | "42703" | "3F000" | "42704" => DbErrorKind::Schema,
                "42501" => DbErrorKind::Permission,
                "28P01" | "28000" | "3D000" | "53300" => DbErrorKind::Connect,
                _ => DbErrorKind::Query,
            };
            let mut message = db.message().to_owned();
            if let Some(detail) = db.detail() {
                message.push_str(": ");
                message.push_str(detail);
            }
            if kind == DbErrorKind::Timeout {
                message.push_str(" (the statement timeout: raise it with --timeout)");
            }
            if kind == DbErrorKind::Schema {
                message.push_str(" (is this GoTrue's database, and a recent GoTrue?)");
            }
            return DbError {
                kind,
                code: Some(code),
                message: redact(&message, secrets),
            };
        }
        let text = full_text(e);
        let kind = if text.contains("TLS") || text.contains("tls") || text.contains("certificate") {
            DbErrorKind::Tls
        } else if e.is_closed() || text.contains("connect") || text.contains("password") {
            DbErrorKind::Connect
        } else {
            DbErrorKind::Query
        };
        let hint = if text.contains("server does not support TLS") {
            " — the host is not loopback, so TLS is required: add sslmode=disable to the URL \
             only on a network you trust"
        } else if text.contains("UnknownIssuer") || text.contains("invalid peer certificate") {
            " — give the CA that signed the server's certificate as sslrootcert=FILE (Supabase: \
             Database settings, SSL), or sslmode=require to encrypt without checking it"
        } else {
            ""
        };
        DbError {
            kind,
            code: None,
            message: redact(&format!("{text}{hint}"), secrets),
        }
    }
}

/// An error and its sources, one after another.
fn full_text(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}

/// `text` with each of `secrets` (that is not blank) replaced by `***`.
pub fn redact(text: &str, secrets: &[String]) -> String {
    let mut out = text.to_owned();
    for s in secrets {
        if !s.is_empty() {
            out = out.replace(s.as_str(), "***");
        }
    }
    out
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.code {
            Some(code) => write!(f, "{} (SQLSTATE {code})", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for DbError {}
