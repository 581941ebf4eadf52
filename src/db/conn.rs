//! The connection, and the one way to use it: a read-only transaction with a statement
//! timeout.

use super::error::{DbError, DbErrorKind};
use super::tls::client_config;
use super::url::{DbTarget, SslMode};
use crate::gotrue::Secret;
use bytes::Bytes;
use futures::Stream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, MutexGuard};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row};

/// How long one statement may run unless told otherwise (as the HTTP requests' `--timeout`).
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// How to use the database.
#[derive(Clone, Debug)]
pub struct DbOptions {
    /// `SET LOCAL statement_timeout` in every transaction.
    pub statement_timeout: Duration,
    /// How long connecting may take.
    pub connect_timeout: Duration,
}

impl Default for DbOptions {
    fn default() -> Self {
        DbOptions {
            statement_timeout: DEFAULT_STATEMENT_TIMEOUT,
            connect_timeout: Duration::from_secs(10),
        }
    }
}

/// Whether the connection is encrypted, as far as the URL lets us know.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsState {
    Off,
    /// `sslmode=prefer`: on if the server offered it.
    IfOffered,
    /// On; the certificate checked as the mode says.
    On(SslMode),
}

/// What the console learns when it connects, for the header, `doctor` and warnings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectInfo {
    /// `user@host:port/database`: no password.
    pub target: String,
    /// The role the queries run as (`current_user`).
    pub role: String,
    pub server_version: String,
    /// A standby (read replica): fine, every query only reads.
    pub in_recovery: bool,
    pub tls: TlsState,
    /// What the role may do to `auth.users` besides reading it (`INSERT`, `UPDATE`,
    /// `DELETE`): the console never writes, but a role that can is worth a warning.
    pub can_write_users: Vec<&'static str>,
    /// Whether `has:passkey` can be answered.
    pub passkeys: PasskeyTable,
    /// To show the user: a role that can write, TLS off or unchecked.
    pub warnings: Vec<String>,
}

/// GoTrue's database, read only. Cheap to share (`Arc` inside); one connection, reopened
/// when it drops (the console keeps two `Db`s: pages, and counts).
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    target: DbTarget,
    opts: DbOptions,
    client: Mutex<Client>,
    /// A transaction was dropped before its end: roll it back before the next one.
    dirty: AtomicBool,
    /// Whether passkeys can be read, as connecting found.
    passkeys: std::sync::OnceLock<PasskeyTable>,
}

/// GoTrue's passkeys table (`auth.webauthn_credentials`, v2.188.0 and later), for
/// `has:passkey`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PasskeyTable {
    /// Not looked at yet.
    #[default]
    Unknown,
    /// An older GoTrue: nobody has a passkey.
    Absent,
    /// There, but the role may not read it.
    Unreadable,
    Readable,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("target", &self.inner.target)
            .finish_non_exhaustive()
    }
}

async fn open(target: &DbTarget, opts: &DbOptions) -> Result<Client, DbError> {
    let mut config = target.config.clone();
    config.connect_timeout(opts.connect_timeout);
    if config.get_application_name().is_none() {
        config.application_name("gotrue-console");
    }
    let secrets = &target.secrets;
    let pg = |e: tokio_postgres::Error| DbError::from_pg(&e, secrets);
    let client = if target.sslmode == SslMode::Disable {
        config.ssl_mode(tokio_postgres::config::SslMode::Disable);
        let (client, conn) = config.connect(tokio_postgres::NoTls).await.map_err(pg)?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("database connection ended: {e}");
            }
        });
        client
    } else {
        config.ssl_mode(if target.sslmode == SslMode::Prefer {
            tokio_postgres::config::SslMode::Prefer
        } else {
            tokio_postgres::config::SslMode::Require
        });
        let tls = client_config(target.sslmode.cert_check(), target.root_cert.as_deref())
            .map_err(|why| DbError::new(DbErrorKind::Tls, super::error::redact(&why, secrets)))?;
        let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls);
        let (client, conn) = config.connect(tls).await.map_err(pg)?;
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!("database connection ended: {e}");
            }
        });
        client
    };
    Ok(client)
}

impl Db {
    /// Connects, checks that this is GoTrue's database, and says what the role may do.
    pub async fn connect(url: &Secret, opts: DbOptions) -> Result<(Db, ConnectInfo), DbError> {
        let target = DbTarget::parse(url)?;
        let client = open(&target, &opts).await?;
        let db = Db {
            inner: Arc::new(Inner {
                target,
                opts,
                client: Mutex::new(client),
                dirty: AtomicBool::new(false),
                passkeys: std::sync::OnceLock::new(),
            }),
        };
        let info = db.check().await?;
        Ok((db, info))
    }

    pub fn target(&self) -> &DbTarget {
        &self.inner.target
    }

    /// Whether passkeys can be read (known once connected).
    pub fn passkeys(&self) -> PasskeyTable {
        self.inner.passkeys.get().copied().unwrap_or_default()
    }

    async fn check(&self) -> Result<ConnectInfo, DbError> {
        let tx = self.begin().await?;
        let row = tx
            .query_one(
                "SELECT current_user::text, current_setting('server_version'),
                        pg_is_in_recovery(), to_regclass('auth.users') IS NOT NULL,
                        coalesce(has_table_privilege(to_regclass('auth.users'), 'SELECT'), false),
                        coalesce(has_table_privilege(to_regclass('auth.users'), 'INSERT'), false),
                        coalesce(has_table_privilege(to_regclass('auth.users'), 'UPDATE'), false),
                        coalesce(has_table_privilege(to_regclass('auth.users'), 'DELETE'), false),
                        to_regclass('auth.webauthn_credentials') IS NOT NULL,
                        coalesce(has_table_privilege(
                            to_regclass('auth.webauthn_credentials'), 'SELECT'), false)",
                &[],
            )
            .await?;
        tx.finish().await?;
        let get_bool = |i: usize| row.try_get::<_, bool>(i).map_err(malformed);
        let role: String = row.try_get(0).map_err(malformed)?;
        if !get_bool(3)? {
            return Err(DbError::new(
                DbErrorKind::Schema,
                "this database has no auth.users table: give the URL of GoTrue's database",
            ));
        }
        if !get_bool(4)? {
            return Err(DbError::new(
                DbErrorKind::Permission,
                format!(
                    "role `{role}` may not read auth.users: GRANT USAGE ON SCHEMA auth and \
                     SELECT ON auth.users, auth.identities, auth.mfa_factors TO {role}"
                ),
            ));
        }
        let mut can_write_users = Vec::new();
        for (i, what) in [(5, "INSERT"), (6, "UPDATE"), (7, "DELETE")] {
            if get_bool(i)? {
                can_write_users.push(what);
            }
        }
        let passkeys = match (get_bool(8)?, get_bool(9)?) {
            (false, _) => PasskeyTable::Absent,
            (true, false) => PasskeyTable::Unreadable,
            (true, true) => PasskeyTable::Readable,
        };
        let _ = self.inner.passkeys.set(passkeys);
        let target = &self.inner.target;
        let mut warnings = target.warnings();
        if passkeys == PasskeyTable::Unreadable {
            warnings.push(format!(
                "role `{role}` may not read auth.webauthn_credentials: has:passkey cannot be \
                 answered (GRANT SELECT ON auth.webauthn_credentials TO {role})"
            ));
        }
        if !can_write_users.is_empty() {
            warnings.insert(
                0,
                format!(
                    "database role `{role}` can {} auth.users: the console only reads, but a \
                     role that can only SELECT is safer",
                    can_write_users.join(", ")
                ),
            );
        }
        Ok(ConnectInfo {
            target: target.describe(),
            role,
            server_version: row.try_get(1).map_err(malformed)?,
            in_recovery: get_bool(2)?,
            tls: match target.sslmode {
                SslMode::Disable => TlsState::Off,
                SslMode::Prefer => TlsState::IfOffered,
                mode => TlsState::On(mode),
            },
            can_write_users,
            passkeys,
            warnings,
        })
    }

    /// Opens a read-only transaction with the statement timeout (and UTC for the
    /// timestamps the queries format). Only one at a time: the next waits.
    pub async fn begin(&self) -> Result<ReadTx<'_>, DbError> {
        self.begin_with_timeout(self.inner.opts.statement_timeout)
            .await
    }

    /// [`Db::begin`] with another statement timeout (an export of a million users).
    pub async fn begin_with_timeout(&self, timeout: Duration) -> Result<ReadTx<'_>, DbError> {
        let mut client = self.inner.client.lock().await;
        if client.is_closed() {
            *client = open(&self.inner.target, &self.inner.opts).await?;
            self.inner.dirty.store(false, Ordering::SeqCst);
        }
        let secrets = &self.inner.target.secrets;
        if self.inner.dirty.swap(false, Ordering::SeqCst) {
            client
                .batch_execute("ROLLBACK")
                .await
                .map_err(|e| DbError::from_pg(&e, secrets))?;
        }
        let ms = timeout.as_millis().clamp(1, i32::MAX as u128);
        client
            .batch_execute(&format!(
                "BEGIN TRANSACTION READ ONLY; SET LOCAL statement_timeout = {ms}; \
                 SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'"
            ))
            .await
            .map_err(|e| DbError::from_pg(&e, secrets))?;
        Ok(ReadTx {
            client,
            inner: &self.inner,
            finished: false,
        })
    }
}

/// A read-only transaction. End it with [`ReadTx::finish`]; dropped before that, it is rolled
/// back before the connection's next use.
pub struct ReadTx<'a> {
    client: MutexGuard<'a, Client>,
    inner: &'a Inner,
    finished: bool,
}

impl ReadTx<'_> {
    /// Whether passkeys can be read (known once connected).
    pub fn passkeys(&self) -> PasskeyTable {
        self.inner.passkeys.get().copied().unwrap_or_default()
    }

    fn pg(&self, e: tokio_postgres::Error) -> DbError {
        DbError::from_pg(&e, &self.inner.target.secrets)
    }

    pub async fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, DbError> {
        self.client.query(sql, params).await.map_err(|e| self.pg(e))
    }

    pub async fn query_one(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Row, DbError> {
        self.client
            .query_one(sql, params)
            .await
            .map_err(|e| self.pg(e))
    }

    /// Runs statements with no parameters and no rows (still inside the read-only
    /// transaction: a write fails).
    pub async fn execute_batch(&self, sql: &str) -> Result<(), DbError> {
        self.client.batch_execute(sql).await.map_err(|e| self.pg(e))
    }

    /// `COPY (…) TO STDOUT`'s data, as the server streams it.
    pub async fn copy_out(
        &self,
        sql: &str,
    ) -> Result<impl Stream<Item = Result<Bytes, DbError>> + '_, DbError> {
        use futures::StreamExt;
        let stream = self.client.copy_out(sql).await.map_err(|e| self.pg(e))?;
        let secrets = &self.inner.target.secrets;
        Ok(stream.map(move |chunk| chunk.map_err(|e| DbError::from_pg(&e, secrets))))
    }

    pub async fn finish(mut self) -> Result<(), DbError> {
        self.finished = true;
        self.client
            .batch_execute("COMMIT")
            .await
            .map_err(|e| DbError::from_pg(&e, &self.inner.target.secrets))
    }
}

impl Drop for ReadTx<'_> {
    fn drop(&mut self) {
        if !self.finished {
            self.inner.dirty.store(true, Ordering::SeqCst);
        }
    }
}

pub(crate) fn malformed(e: tokio_postgres::Error) -> DbError {
    DbError::new(DbErrorKind::Malformed, format!("an unexpected row: {e}"))
}
