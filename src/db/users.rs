//! Users from `auth.users`: keyset pages in any sort, the filter's text and conditions as
//! SQL, exact counts by status. Rows come back as GoTrue's own [`User`] (identities and
//! factors included, in the same query), so the console treats them as the API's.

use super::conn::{Db, PasskeyTable, ReadTx, malformed};
use super::error::{DbError, DbErrorKind};
use crate::gotrue::User;
use crate::gotrue::user_query::{Cond, Query, State};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use tokio_postgres::types::ToSql;
use uuid::Uuid;

/// A timestamp as GoTrue's JSON writes it (Go's RFC 3339 with nanoseconds: UTC as `Z`, the
/// fraction without its trailing zeros, none when whole): `2025-06-01T12:00:00.12Z`, not
/// PostgreSQL's `2025-06-01T12:00:00.12+00:00`. PostgreSQL's own text of a `timestamp`
/// (`DateStyle` ISO, set by every transaction) already trims the fraction; only the `T`
/// and the `Z` are added. `NULL` stays `NULL`.
macro_rules! ts {
    ($e:literal) => {
        concat!(
            "(replace((",
            $e,
            " AT TIME ZONE 'UTC')::text, ' ', 'T') || 'Z')"
        )
    };
}

/// `,"key":"<timestamp>"`, or nothing when it is `NULL` (as GoTrue leaves it out).
macro_rules! opt_ts {
    ($key:literal, $e:literal) => {
        concat!(
            "coalesce(',\"",
            $key,
            "\":\"' || ",
            ts!($e),
            " || '\"', '')"
        )
    };
}

/// `,"key":<value as JSON>` (a string escaped by `to_json`), or nothing when `NULL`.
macro_rules! opt_json {
    ($key:literal, $e:literal) => {
        concat!(
            "coalesce(',\"",
            $key,
            "\":' || to_json(",
            $e,
            ")::text, '')"
        )
    };
}

/// A user as GoTrue's admin API shows it, written in SQL as JSON text: the same keys in
/// GoTrue's order (an unset timestamp is left out, as GoTrue leaves it out; `email` and
/// `phone` are `""` when unset), identities and MFA factors from their tables (`factors`
/// only when there are some). `u` is the `auth.users` row. One expression, so the list and
/// the export say the same.
///
/// Text is put together by hand, not with `jsonb_build_object`: on a million users the
/// `jsonb` version's export took 51 s, this one a fraction of it (README, Speed). Strings go
/// through `to_json` (escaped), ids and timestamps cannot need escaping, and metadata is the
/// stored `jsonb` as text.
pub const USER_JSON: &str = concat!(
    "('{\"id\":\"' || u.id::text || '\"' || ",
    opt_json!("aud", "u.aud"),
    " || ",
    opt_json!("role", "u.role"),
    " || ',\"email\":' || to_json(coalesce(u.email, ''))::text || ",
    opt_ts!("email_confirmed_at", "u.email_confirmed_at"),
    " || ',\"phone\":' || to_json(coalesce(u.phone, ''))::text || ",
    opt_ts!("phone_confirmed_at", "u.phone_confirmed_at"),
    " || ",
    opt_ts!("confirmation_sent_at", "u.confirmation_sent_at"),
    " || ",
    opt_ts!(
        "confirmed_at",
        "least(u.email_confirmed_at, u.phone_confirmed_at)"
    ),
    " || ",
    opt_ts!("recovery_sent_at", "u.recovery_sent_at"),
    " || ",
    opt_json!("new_email", "nullif(u.email_change, '')"),
    " || ",
    opt_ts!("email_change_sent_at", "u.email_change_sent_at"),
    " || ",
    opt_json!("new_phone", "nullif(u.phone_change, '')"),
    " || ",
    opt_ts!("invited_at", "u.invited_at"),
    " || ",
    opt_ts!("last_sign_in_at", "u.last_sign_in_at"),
    "
    || ',\"app_metadata\":' || coalesce(u.raw_app_meta_data, '{}'::jsonb)::text
    || ',\"user_metadata\":' || coalesce(u.raw_user_meta_data, '{}'::jsonb)::text
    || ',\"identities\":' || coalesce((
        SELECT '[' || string_agg('{\"identity_id\":\"' || i.id::text || '\"' || ",
    opt_json!("id", "i.provider_id"),
    " || ',\"user_id\":\"' || i.user_id::text || '\"'
               || ',\"identity_data\":' || coalesce(i.identity_data, '{}'::jsonb)::text || ",
    opt_json!("provider", "i.provider"),
    " || ",
    opt_ts!("last_sign_in_at", "i.last_sign_in_at"),
    " || ",
    opt_ts!("created_at", "i.created_at"),
    " || ",
    opt_ts!("updated_at", "i.updated_at"),
    " || ",
    opt_json!("email", "lower(i.identity_data->>'email')"),
    " || '}', ',' ORDER BY i.created_at, i.id) || ']'
        FROM auth.identities i WHERE i.user_id = u.id), '[]')
    || coalesce((
        SELECT ',\"factors\":[' || string_agg('{\"id\":\"' || f.id::text || '\"' || ",
    opt_ts!("created_at", "f.created_at"),
    " || ",
    opt_ts!("updated_at", "f.updated_at"),
    " || ',\"status\":' || to_json(f.status::text)::text || ",
    opt_json!("friendly_name", "f.friendly_name"),
    " || ',\"factor_type\":' || to_json(f.factor_type::text)::text || ",
    opt_json!("phone", "f.phone"),
    " || ",
    opt_ts!("last_challenged_at", "f.last_challenged_at"),
    " || '}', ',' ORDER BY f.created_at, f.id) || ']'
        FROM auth.mfa_factors f WHERE f.user_id = u.id), '') || ",
    opt_ts!("created_at", "u.created_at"),
    " || ",
    opt_ts!("updated_at", "u.updated_at"),
    " || ",
    opt_ts!("banned_until", "u.banned_until"),
    " || ",
    opt_ts!("deleted_at", "u.deleted_at"),
    " || coalesce(',\"is_anonymous\":' || u.is_anonymous::text, '')
    || coalesce(',\"is_sso_user\":' || u.is_sso_user::text, '') || '}')"
);

/// What the list is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Created,
    LastSignIn,
    Email,
}

impl SortKey {
    /// The expression sorted on; `NULL` for a user without one (an empty email is none).
    fn expr(self) -> &'static str {
        match self {
            SortKey::Created => "u.created_at",
            SortKey::LastSignIn => "u.last_sign_in_at",
            SortKey::Email => "nullif(u.email, '')",
        }
    }

    /// A user's value of the key, as the database compares it.
    pub fn value_of(self, user: &User) -> Option<SortValue> {
        match self {
            SortKey::Created => user.created_at.map(SortValue::Time),
            SortKey::LastSignIn => user.last_sign_in_at.map(SortValue::Time),
            SortKey::Email => (!user.email.is_empty()).then(|| SortValue::Text(user.email.clone())),
        }
    }
}

/// A sort: a key, a direction, ties broken by id in the same direction. Users without the
/// key (never signed in, no email) come last in both directions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sort {
    pub key: SortKey,
    pub descending: bool,
}

impl Sort {
    pub const NEWEST: Sort = Sort {
        key: SortKey::Created,
        descending: true,
    };

    fn dir(self) -> &'static str {
        if self.descending { "DESC" } else { "ASC" }
    }

    fn after(self) -> &'static str {
        if self.descending { "<" } else { ">" }
    }

    /// The `ORDER BY` of this sort, for anyone who wants to check the pages against it.
    pub fn order_by(self) -> String {
        let d = self.dir();
        format!("{} {d} NULLS LAST, u.id {d}", self.key.expr())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SortValue {
    Time(DateTime<Utc>),
    Text(String),
}

/// Where a page ends: the last user's sort value (`None`: it has none) and id. The next page
/// starts after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub value: Option<SortValue>,
    pub id: Uuid,
}

impl Cursor {
    /// The cursor as text, for a caller that carries cursors as strings (the console's list
    /// window): the id, then `t` and a time, `s` and a text, or `n` for no value.
    pub fn encode(&self) -> String {
        match &self.value {
            Some(SortValue::Time(t)) => format!("{}:t{}", self.id, t.to_rfc3339()),
            Some(SortValue::Text(s)) => format!("{}:s{s}", self.id),
            None => format!("{}:n", self.id),
        }
    }

    /// [`Cursor::encode`]'s text read back.
    pub fn decode(text: &str) -> Result<Cursor, DbError> {
        let bad = || DbError::new(DbErrorKind::Malformed, "a list cursor that is not ours");
        let (id, rest) = text.split_once(':').ok_or_else(bad)?;
        let id: Uuid = id.parse().map_err(|_| bad())?;
        let value = match rest.split_at_checked(1).ok_or_else(bad)? {
            ("t", t) => Some(SortValue::Time(
                DateTime::parse_from_rfc3339(t)
                    .map_err(|_| bad())?
                    .with_timezone(&Utc),
            )),
            ("s", s) => Some(SortValue::Text(s.to_owned())),
            ("n", "") => None,
            _ => return Err(bad()),
        };
        Ok(Cursor { value, id })
    }
}

/// How the filter's text matches.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TextMatch {
    /// Anywhere in email, phone, id or name (what the console's `/` does).
    #[default]
    Substring,
    /// At the start of them.
    Prefix,
}

/// Which users: the console's `/` query (text and conditions), read as SQL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserSearch {
    pub query: Query,
    pub text_match: TextMatch,
    /// What "banned" and "inactive" are measured against.
    pub now: DateTime<Utc>,
}

impl UserSearch {
    /// Everyone.
    pub fn all(now: DateTime<Utc>) -> UserSearch {
        UserSearch {
            query: Query::default(),
            text_match: TextMatch::Substring,
            now,
        }
    }

    /// The console's filter text, as the console reads it.
    pub fn parse(text: &str, now: DateTime<Utc>) -> UserSearch {
        UserSearch {
            query: Query::parse(text),
            text_match: TextMatch::Substring,
            now,
        }
    }
}

/// One page of users, and where the next starts (`None`: this was the last).
#[derive(Clone, Debug, PartialEq)]
pub struct UsersPage {
    pub users: Vec<User>,
    pub next: Option<Cursor>,
}

/// Exact counts of the users a search finds, by status (a user may be in several).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StatusCounts {
    pub total: u64,
    pub anonymous: u64,
    pub unconfirmed: u64,
    pub confirmed: u64,
    pub invited: u64,
    pub banned: u64,
    pub deleted: u64,
    pub sso: u64,
    pub mfa: u64,
}

/// A value a query takes: bound as `$n`, or (for `COPY`, which takes no parameters) set as
/// a transaction-local setting and read back with its type.
pub(crate) trait Param: ToSql + Sync + Send + 'static {
    const SQL_TYPE: &'static str;
    fn as_text(&self) -> String;
}

impl Param for DateTime<Utc> {
    const SQL_TYPE: &'static str = "timestamptz";
    fn as_text(&self) -> String {
        self.to_rfc3339()
    }
}

impl Param for String {
    const SQL_TYPE: &'static str = "text";
    fn as_text(&self) -> String {
        self.clone()
    }
}

impl Param for Uuid {
    const SQL_TYPE: &'static str = "uuid";
    fn as_text(&self) -> String {
        self.to_string()
    }
}

impl Param for i64 {
    const SQL_TYPE: &'static str = "bigint";
    fn as_text(&self) -> String {
        self.to_string()
    }
}

/// SQL text with its parameters, numbered as they are added.
#[derive(Default)]
pub(crate) struct Sql {
    params: Vec<Box<dyn ToSql + Sync + Send>>,
    /// For `COPY`: the values as text, for `set_config('gotrue_console.pN', …)`.
    settings: Option<Vec<String>>,
    /// What `has:passkey` can read.
    passkeys: PasskeyTable,
}

impl Sql {
    /// Parameters bound to a statement of `tx`.
    fn for_tx(tx: &ReadTx<'_>) -> Sql {
        Sql {
            passkeys: tx.passkeys(),
            ..Sql::default()
        }
    }

    /// Parameters as settings, for a statement that cannot bind any.
    fn as_settings() -> Sql {
        Sql {
            params: Vec::new(),
            settings: Some(Vec::new()),
            passkeys: PasskeyTable::Unknown,
        }
    }

    fn param<T: Param>(&mut self, value: T) -> String {
        if let Some(settings) = &mut self.settings {
            settings.push(value.as_text());
            return format!(
                "current_setting('gotrue_console.p{}')::{}",
                settings.len(),
                T::SQL_TYPE
            );
        }
        self.params.push(Box::new(value));
        format!("${}", self.params.len())
    }

    fn refs(&self) -> Vec<&(dyn ToSql + Sync)> {
        self.params
            .iter()
            .map(|p| p.as_ref() as &(dyn ToSql + Sync))
            .collect()
    }
}

/// The SQL of a state: a boolean, never `NULL`, of the row `u`.
fn state_sql(state: State, sql: &mut Sql, now: DateTime<Utc>) -> String {
    const CONFIRMED: &str =
        "(u.email_confirmed_at IS NOT NULL OR u.phone_confirmed_at IS NOT NULL)";
    match state {
        State::Anonymous => "coalesce(u.is_anonymous, false)".to_owned(),
        // As the status column: an anonymous user has nothing to confirm, an invited one is
        // "invited".
        State::Unconfirmed => format!(
            "(NOT coalesce(u.is_anonymous, false) AND NOT {CONFIRMED} AND u.invited_at IS NULL)"
        ),
        State::Confirmed => CONFIRMED.to_owned(),
        State::Invited => format!("(u.invited_at IS NOT NULL AND NOT {CONFIRMED})"),
        State::Banned => format!("coalesce(u.banned_until > {}, false)", sql.param(now)),
        State::Deleted => "(u.deleted_at IS NOT NULL)".to_owned(),
        State::Sso => "coalesce(u.is_sso_user, false)".to_owned(),
        State::Mfa => "EXISTS (SELECT 1 FROM auth.mfa_factors f \
                       WHERE f.user_id = u.id AND f.status = 'verified')"
            .to_owned(),
    }
}

fn day_start(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN))
}

fn cond_sql(cond: &Cond, sql: &mut Sql, now: DateTime<Utc>) -> Result<String, DbError> {
    Ok(match cond {
        Cond::Is(state) => state_sql(*state, sql, now),
        Cond::Passkey => match sql.passkeys {
            PasskeyTable::Readable => "EXISTS (SELECT 1 FROM auth.webauthn_credentials w \
                                       WHERE w.user_id = u.id)"
                .to_owned(),
            // A GoTrue older than passkeys: nobody has one.
            PasskeyTable::Absent => "false".to_owned(),
            PasskeyTable::Unreadable => {
                return Err(DbError::new(
                    DbErrorKind::Permission,
                    "has:passkey: the role may not read auth.webauthn_credentials \
                     (GRANT SELECT ON auth.webauthn_credentials)",
                ));
            }
            PasskeyTable::Unknown => {
                return Err(DbError::new(
                    DbErrorKind::Unsupported,
                    "has:passkey: whether this database has passkeys is not known yet",
                ));
            }
        },
        // As `User::providers`: app_metadata's `providers`, else its `provider`, else the
        // identities.
        Cond::Provider(p) => format!(
            "EXISTS (SELECT 1 FROM jsonb_array_elements_text(CASE
                 WHEN jsonb_typeof(u.raw_app_meta_data->'providers') = 'array'
                     THEN u.raw_app_meta_data->'providers'
                 WHEN jsonb_typeof(u.raw_app_meta_data->'provider') = 'string'
                     THEN jsonb_build_array(u.raw_app_meta_data->'provider')
                 ELSE (SELECT coalesce(jsonb_agg(i.provider), '[]'::jsonb)
                       FROM auth.identities i WHERE i.user_id = u.id) END) AS pr(name)
             WHERE lower(pr.name) = {})",
            sql.param(p.to_lowercase())
        ),
        Cond::Inactive(span) => format!(
            "(u.last_sign_in_at IS NULL OR u.last_sign_in_at <= {})",
            sql.param(now - *span)
        ),
        Cond::Created { from, to } => {
            let mut parts = vec!["u.created_at IS NOT NULL".to_owned()];
            if let Some(f) = from {
                parts.push(format!("u.created_at >= {}", sql.param(day_start(*f))));
            }
            if let Some(t) = to {
                let next = t.succ_opt().unwrap_or(*t);
                parts.push(format!("u.created_at < {}", sql.param(day_start(next))));
            }
            format!("({})", parts.join(" AND "))
        }
    })
}

/// `text` for a `LIKE` pattern: `%`, `_` and `\` stand for themselves.
fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The `WHERE` of a search (always something: `true` for everyone).
pub(crate) fn where_sql(search: &UserSearch, sql: &mut Sql) -> Result<String, DbError> {
    let mut parts = Vec::new();
    let text = search.query.text.trim();
    if !text.is_empty() {
        let pattern = |t: &str| match search.text_match {
            TextMatch::Substring => format!("%{}%", like_escape(t)),
            TextMatch::Prefix => format!("{}%", like_escape(t)),
        };
        let p = sql.param(pattern(text));
        // Only what could match is asked: a phone is digits (typed with `+`, spaces or
        // dashes), an id hex and dashes (in any case). On a million users each condition left
        // out is a conversion of every row spared (`id::text` most of all).
        let digits: String = text
            .chars()
            .filter(|c| !matches!(c, '+' | ' ' | '-' | '(' | ')'))
            .collect();
        let mut any = vec![
            format!("u.email ILIKE {p}"),
            format!("(u.raw_user_meta_data->>'full_name') ILIKE {p}"),
            format!("(u.raw_user_meta_data->>'name') ILIKE {p}"),
        ];
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            any.push(format!("u.phone LIKE {}", sql.param(pattern(&digits))));
        }
        let lower = text.to_lowercase();
        if lower
            .chars()
            .all(|c| matches!(c, '0'..='9' | 'a'..='f' | '-'))
        {
            any.push(format!("u.id::text LIKE {}", sql.param(pattern(&lower))));
        }
        parts.push(format!("coalesce({}, false)", any.join(" OR ")));
    }
    for term in &search.query.terms {
        let c = cond_sql(&term.cond, sql, search.now)?;
        parts.push(if term.negated { format!("NOT {c}") } else { c });
    }
    if parts.is_empty() {
        return Ok("true".to_owned());
    }
    Ok(parts.join(" AND "))
}

fn users_from(rows: &[tokio_postgres::Row]) -> Result<Vec<User>, DbError> {
    rows.iter()
        .map(|row| {
            let text: &str = row.try_get(0).map_err(malformed)?;
            serde_json::from_str(text).map_err(|e| {
                DbError::new(DbErrorKind::Malformed, format!("a user row as JSON: {e}"))
            })
        })
        .collect()
}

impl ReadTx<'_> {
    /// Up to `limit` users matching `search` in `sort` order, after `after` (from the top
    /// without). Users with the sort key come first (an index walk on it), then those
    /// without, by id.
    pub async fn users_page(
        &self,
        search: &UserSearch,
        sort: Sort,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<UsersPage, DbError> {
        self.users_page_in(search, sort, false, after, limit).await
    }

    /// [`ReadTx::users_page`], or with `reverse` the same list read from its other end:
    /// the users without the key first (by id, backwards), then the others, the key
    /// backwards. A list read from both ends (the console's window) meets in the middle.
    pub async fn users_page_in(
        &self,
        search: &UserSearch,
        sort: Sort,
        reverse: bool,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<UsersPage, DbError> {
        let key = sort.key.expr();
        let walk = Sort {
            descending: sort.descending != reverse,
            ..sort
        };
        let (d, op) = (walk.dir(), walk.after());
        // The part with the key and the part without, in the order read; a cursor is in the
        // one its value says, and the parts before it are behind.
        let parts: [bool; 2] = if reverse {
            [false, true]
        } else {
            [true, false]
        };
        let from = match after {
            Some(c) => parts
                .iter()
                .position(|valued| *valued == c.value.is_some())
                .unwrap_or(0),
            None => 0,
        };
        let mut users = Vec::new();
        for (i, valued) in parts.iter().copied().enumerate().skip(from) {
            if users.len() >= limit {
                break;
            }
            let mut sql = Sql::for_tx(self);
            let filter = where_sql(search, &mut sql)?;
            let after_here = after.filter(|_| i == from);
            let mut conds = vec![filter];
            let order = if valued {
                conds.push(format!("{key} IS NOT NULL"));
                if let Some(Cursor { value: Some(v), id }) = after_here {
                    let v = match v {
                        SortValue::Time(t) => sql.param(*t),
                        SortValue::Text(s) => sql.param(s.clone()),
                    };
                    let id = sql.param(*id);
                    conds.push(format!(
                        "({key} {op} {v} OR ({key} = {v} AND u.id {op} {id}))"
                    ));
                }
                format!("{key} {d}, u.id {d}")
            } else {
                conds.push(format!("{key} IS NULL"));
                if let Some(Cursor { value: None, id }) = after_here {
                    conds.push(format!("u.id {op} {}", sql.param(*id)));
                }
                format!("u.id {d}")
            };
            let lim = sql.param((limit - users.len()) as i64);
            let text = format!(
                "SELECT {USER_JSON}::text FROM auth.users u WHERE {} ORDER BY {order} LIMIT {lim}",
                conds.join(" AND ")
            );
            users.extend(users_from(&self.query(&text, &sql.refs()).await?)?);
        }
        let next = if users.len() == limit {
            users.last().map(|u| Cursor {
                value: sort.key.value_of(u),
                id: u.id,
            })
        } else {
            None
        };
        Ok(UsersPage { users, next })
    }

    /// One user by id, with identities and factors; `None` if there is none.
    pub async fn user(&self, id: Uuid) -> Result<Option<User>, DbError> {
        let rows = self
            .query(
                &format!("SELECT {USER_JSON}::text FROM auth.users u WHERE u.id = $1"),
                &[&id],
            )
            .await?;
        Ok(users_from(&rows)?.into_iter().next())
    }

    /// How many users `search` finds, in all and by status.
    pub async fn status_counts(&self, search: &UserSearch) -> Result<StatusCounts, DbError> {
        let mut sql = Sql::for_tx(self);
        let filter = where_sql(search, &mut sql)?;
        let now = search.now;
        let states = [
            State::Anonymous,
            State::Unconfirmed,
            State::Confirmed,
            State::Invited,
            State::Banned,
            State::Deleted,
            State::Sso,
            State::Mfa,
        ];
        let mut cols = vec!["count(*)".to_owned()];
        for s in states {
            cols.push(format!(
                "count(*) FILTER (WHERE {})",
                state_sql(s, &mut sql, now)
            ));
        }
        let text = format!(
            "SELECT {} FROM auth.users u WHERE {filter}",
            cols.join(", ")
        );
        let row = self.query_one(&text, &sql.refs()).await?;
        let n = |i: usize| -> Result<u64, DbError> {
            Ok(row.try_get::<_, i64>(i).map_err(malformed)?.max(0) as u64)
        };
        Ok(StatusCounts {
            total: n(0)?,
            anonymous: n(1)?,
            unconfirmed: n(2)?,
            confirmed: n(3)?,
            invited: n(4)?,
            banned: n(5)?,
            deleted: n(6)?,
            sso: n(7)?,
            mfa: n(8)?,
        })
    }
}

/// Why a `COPY` of users stopped.
#[derive(Debug)]
pub enum CopyFailed {
    Db(DbError),
    /// The caller's sink refused a line.
    Sink(std::io::Error),
}

impl From<DbError> for CopyFailed {
    fn from(e: DbError) -> Self {
        CopyFailed::Db(e)
    }
}

/// A line of `COPY … TO STDOUT`'s text format, its escapes undone (`\\`, `\n`, `\t`, …).
fn unescape_copy_text(line: &[u8], out: &mut Vec<u8>) {
    out.clear();
    let mut i = 0;
    while i < line.len() {
        let b = line[i];
        if b != b'\\' || i + 1 == line.len() {
            out.push(b);
            i += 1;
            continue;
        }
        let next = line[i + 1];
        i += 2;
        match next {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut v = u32::from(next - b'0');
                let mut n = 1;
                while n < 3 && i < line.len() && (b'0'..=b'7').contains(&line[i]) {
                    v = v * 8 + u32::from(line[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
            }
            other => out.push(other),
        }
    }
}

impl Db {
    /// Every user `search` finds, oldest first (then by id), as GoTrue's user JSON, one line
    /// each to `line`, streamed by `COPY … TO STDOUT` in one read-only transaction with
    /// `timeout` for its statement. Returns how many.
    pub async fn copy_users(
        &self,
        search: &UserSearch,
        timeout: std::time::Duration,
        mut line: impl FnMut(&[u8]) -> std::io::Result<()>,
    ) -> Result<u64, CopyFailed> {
        use futures::StreamExt;
        let mut sql = Sql::as_settings();
        sql.passkeys = self.passkeys();
        let filter = where_sql(search, &mut sql)?;
        let tx = self.begin_with_timeout(timeout).await?;
        for (i, value) in sql.settings.iter().flatten().enumerate() {
            let name = format!("gotrue_console.p{}", i + 1);
            tx.query("SELECT set_config($1, $2, true)", &[&name, value])
                .await?;
        }
        let copy = format!(
            "COPY (SELECT {USER_JSON}::text FROM auth.users u WHERE {filter} \
             ORDER BY u.created_at ASC NULLS LAST, u.id ASC) TO STDOUT"
        );
        let mut count = 0u64;
        {
            let stream = tx.copy_out(&copy).await?;
            futures::pin_mut!(stream);
            let mut pending: Vec<u8> = Vec::new();
            let mut plain = Vec::new();
            while let Some(chunk) = stream.next().await {
                let chunk = chunk?;
                pending.extend_from_slice(&chunk);
                let mut start = 0;
                while let Some(nl) = memchr::memchr(b'\n', &pending[start..]) {
                    unescape_copy_text(&pending[start..start + nl], &mut plain);
                    line(&plain).map_err(CopyFailed::Sink)?;
                    count += 1;
                    start += nl + 1;
                }
                pending.drain(..start);
            }
            if !pending.is_empty() {
                return Err(CopyFailed::Db(DbError::new(
                    DbErrorKind::Malformed,
                    "COPY ended in the middle of a line",
                )));
            }
        }
        tx.finish().await?;
        Ok(count)
    }

    /// [`ReadTx::users_page`] in a transaction of its own.
    pub async fn users_page(
        &self,
        search: &UserSearch,
        sort: Sort,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<UsersPage, DbError> {
        let tx = self.begin().await?;
        let page = tx.users_page(search, sort, after, limit).await?;
        tx.finish().await?;
        Ok(page)
    }

    /// [`ReadTx::users_page_in`] in a transaction of its own.
    pub async fn users_page_in(
        &self,
        search: &UserSearch,
        sort: Sort,
        reverse: bool,
        after: Option<&Cursor>,
        limit: usize,
    ) -> Result<UsersPage, DbError> {
        let tx = self.begin().await?;
        let page = tx
            .users_page_in(search, sort, reverse, after, limit)
            .await?;
        tx.finish().await?;
        Ok(page)
    }

    /// [`ReadTx::user`] in a transaction of its own.
    pub async fn user(&self, id: Uuid) -> Result<Option<User>, DbError> {
        let tx = self.begin().await?;
        let user = tx.user(id).await?;
        tx.finish().await?;
        Ok(user)
    }

    /// [`ReadTx::status_counts`] in a transaction of its own.
    pub async fn status_counts(&self, search: &UserSearch) -> Result<StatusCounts, DbError> {
        let tx = self.begin().await?;
        let counts = tx.status_counts(search).await?;
        tx.finish().await?;
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_survives_its_text_form() {
        let id = Uuid::from_u128(42);
        let time = Utc
            .with_ymd_and_hms(2025, 5, 1, 8, 30, 1)
            .single()
            .map(|t| t + chrono::Duration::microseconds(123_456));
        for value in [
            time.map(SortValue::Time),
            Some(SortValue::Text("a:b@example.com".into())),
            Some(SortValue::Text(String::new())),
            None,
        ] {
            let c = Cursor { value, id };
            assert_eq!(Cursor::decode(&c.encode()), Ok(c));
        }
        for bad in [
            "",
            "nope",
            "00000000-0000-0000-0000-00000000002a",
            "00000000-0000-0000-0000-00000000002a:x1",
            "00000000-0000-0000-0000-00000000002a:tyesterday",
            "00000000-0000-0000-0000-00000000002a:nx",
        ] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }
}
