//! Reads straight from GoTrue's PostgreSQL, for admins who have the database: SQL-speed
//! lists, search and counts. Knows nothing of the UI (like [`crate::gotrue`]), and never
//! writes: every query runs in a `READ ONLY` transaction with a statement timeout, so it
//! works against a read replica too. Writes go through GoTrue's API, where hooks,
//! validation and the audit log apply.
//!
//! - [`url`]: the URL (a [`crate::gotrue::Secret`]) read into a target, TLS as `sslmode` says.
//! - [`conn`]: [`Db`], its read-only transactions, and what connecting learns ([`ConnectInfo`]).
//! - [`users`]: keyset pages in any sort, the console's filter as SQL, counts by status.
//! - [`stats`]: the Stats tab's figures over every user.
//! - [`tls`]: rustls set-up for each way of checking the certificate.
//! - [`error`]: [`DbError`], its messages cleaned of the URL's secrets.

pub mod conn;
pub mod error;
pub mod stats;
pub mod tls;
pub mod url;
pub mod users;

pub use conn::{
    ConnectInfo, DEFAULT_STATEMENT_TIMEOUT, Db, DbOptions, PasskeyTable, ReadTx, TlsState,
};
pub use error::{DbError, DbErrorKind};
pub use url::{DbTarget, SslMode};
pub use users::{
    CopyFailed, Cursor, Sort, SortKey, SortValue, StatusCounts, TextMatch, USER_JSON, UserSearch,
    UsersPage,
};
