//! The admin API: users, links, MFA factors, audit log. Every call carries the service key.

use crate::gotrue::client::{Answer, Auth, GoTrueClient, parse_json};
use crate::gotrue::error::{ErrorKind, GoTrueError};
use crate::gotrue::links::{page_links, total_count};
use crate::gotrue::models::{
    AuditEntry, AuditPage, Factor, GeneratedLink, KeysetPage, ListedUser, Listing, OutboxMessage,
    User, UserId, UsersPage,
};
use crate::gotrue::secret::Secret;
use crate::gotrue::types::{
    AdminUserAttributes, AllUsers, FactorUpdate, GenerateLinkRequest, KeysetQuery, ListUsers,
    ResumeAt,
};
use futures::{Stream, StreamExt, stream};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::HashSet;
use std::time::Duration;
use uuid::Uuid;

/// One step of [`GoTrueClient::stream_all_users`].
#[derive(Clone, Debug, PartialEq)]
pub struct UsersBatch<U = User> {
    /// Users not seen in an earlier batch.
    pub users: Vec<U>,
    /// Users delivered so far, this batch included.
    pub loaded: u64,
    /// The total the server reported, when it did.
    pub total: Option<u64>,
    /// Where a read of every user can go on after this batch (`None` for a batch that is
    /// not part of one).
    pub after: Option<ResumeAt>,
}

#[derive(Deserialize)]
#[serde(bound = "U: ListedUser")]
struct UsersBody<U> {
    #[serde(default = "Vec::new")]
    users: Vec<U>,
    #[serde(default)]
    aud: Option<String>,
    /// Present only when the server paged by cursor.
    #[serde(default)]
    pagination: Option<CursorPagination>,
}

#[derive(Deserialize)]
struct CursorPagination {
    #[serde(default)]
    next_cursor: Option<String>,
    #[serde(default)]
    has_more: bool,
}

/// Pages faster than this are not paced: the server is not busy.
pub const PACE_ABOVE: Duration = Duration::from_millis(200);

/// After a page that took `took`, the wait before the next one when paced.
fn pace(paced: bool, took: Duration) -> Duration {
    if paced && took > PACE_ABOVE {
        took
    } else {
        Duration::ZERO
    }
}

/// A page by number: its users, and the total and pages its headers tell.
fn offset_page<U>(answer: &Answer, body: UsersBody<U>) -> UsersPage<U> {
    let (next_page, last_page) = page_links(&answer.headers);
    UsersPage {
        users: body.users,
        total: total_count(&answer.headers),
        next_page,
        last_page,
        aud: body.aud,
    }
}

/// GoTrue's `maxKeysetPerPage`.
pub const KEYSET_MAX_LIMIT: u32 = 1000;

/// Attempts for an idempotent read that failed for a passing reason.
const READ_ATTEMPTS: u32 = 4;

impl GoTrueClient {
    /// `GET /admin/users`: one page, with the total and next/last page from the headers.
    pub async fn list_users(&self, q: &ListUsers) -> Result<UsersPage, GoTrueError> {
        self.list_users_as(q).await
    }

    /// [`Self::list_users`], each user read as `U` (a [`crate::gotrue::RawUser`] reads
    /// only the id).
    pub async fn list_users_as<U: ListedUser>(
        &self,
        q: &ListUsers,
    ) -> Result<UsersPage<U>, GoTrueError> {
        if q.page == 0 {
            return Err(local_validation("pages are numbered from 1"));
        }
        let query = vec![
            ("page", q.page.to_string()),
            ("per_page", q.per_page.to_string()),
        ];
        let (answer, body) = self
            .get_users::<U>(query, q.filter.as_deref(), q.sort)
            .await?;
        Ok(offset_page(&answer, body))
    }

    /// `GET /admin/users` with `query`, GoTrue's filter and the sort.
    async fn get_users<U: ListedUser>(
        &self,
        mut query: Vec<(&str, String)>,
        filter: Option<&str>,
        sort: Option<crate::gotrue::types::UserSort>,
    ) -> Result<(Answer, UsersBody<U>), GoTrueError> {
        if let Some(f) = filter.filter(|f| !f.is_empty()) {
            query.push(("filter", f.to_owned()));
        }
        if let Some(s) = sort {
            query.push(("sort", s.as_str().to_owned()));
        }
        let answer = self
            .send(
                Method::GET,
                "/admin/users",
                &query,
                Auth::Admin,
                None::<&()>,
            )
            .await?;
        let body = parse_json(&answer)?;
        Ok((answer, body))
    }

    /// `GET /admin/users` by cursor: `limit`, `cursor`, `filter`, `sort`, and never `page`
    /// or `per_page`. A server that pages by cursor answers with `pagination`; one that does
    /// not, with its first offset page. That first answer is also how to tell them apart.
    /// A failure for a passing reason is retried with backoff, as every read is.
    pub async fn list_users_keyset(&self, q: &KeysetQuery) -> Result<Listing, GoTrueError> {
        retry_read(|| self.list_users_keyset_as(q)).await
    }

    /// [`Self::list_users_keyset`], each user read as `U`.
    pub async fn list_users_keyset_as<U: ListedUser>(
        &self,
        q: &KeysetQuery,
    ) -> Result<Listing<U>, GoTrueError> {
        if q.limit == 0 {
            return Err(local_validation("a page holds at least one user"));
        }
        let mut query = vec![("limit", q.limit.to_string())];
        if let Some(c) = q.cursor.as_deref().filter(|c| !c.is_empty()) {
            query.push(("cursor", c.to_owned()));
        }
        let (answer, mut body) = self
            .get_users::<U>(query, q.filter.as_deref(), q.sort)
            .await?;
        Ok(match body.pagination.take() {
            Some(p) => Listing::Keyset(KeysetPage {
                users: body.users,
                next_cursor: p.next_cursor.filter(|c| !c.is_empty() && p.has_more),
                has_more: p.has_more,
            }),
            None => Listing::Offset(offset_page(&answer, body)),
        })
    }

    /// Every user, page by page. A server that pages by cursor is read by cursor, one page
    /// after the other (no COUNT, no OFFSET: the gentlest way through a big table), and no
    /// total is known. Otherwise the first page tells the total, the rest are fetched
    /// `concurrency` at a time and delivered in order. Users are delivered once each, even
    /// when the list shifts while it is read; a page that fails for a passing reason is
    /// retried with backoff. The stream ends after the last page or the first hard error.
    pub fn stream_all_users(
        &self,
        opts: AllUsers,
    ) -> impl Stream<Item = Result<UsersBatch, GoTrueError>> + Send + 'static {
        self.stream_all_users_as(opts)
    }

    /// [`Self::stream_all_users`], each user read as `U`.
    pub fn stream_all_users_as<U: ListedUser>(
        &self,
        opts: AllUsers,
    ) -> impl Stream<Item = Result<UsersBatch<U>, GoTrueError>> + Send + 'static {
        let (tx, rx) = tokio::sync::mpsc::channel(opts.concurrency.max(1) * 2);
        let client = self.clone();
        tokio::spawn(async move {
            if let Err(e) = client.feed_all_users(opts, &tx).await {
                let _ = tx.send(Err(e)).await;
            }
        });
        stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        })
    }

    async fn feed_all_users<U: ListedUser>(
        &self,
        opts: AllUsers,
        tx: &tokio::sync::mpsc::Sender<Result<UsersBatch<U>, GoTrueError>>,
    ) -> Result<(), GoTrueError> {
        let per_page = opts.per_page.max(1);
        let from_page = match &opts.resume {
            None => 1,
            Some(ResumeAt::Page(page)) => (*page).max(1),
            // The last page was read already.
            Some(ResumeAt::Cursor(None)) => return Ok(()),
            Some(ResumeAt::Cursor(Some(cursor))) => {
                self.feed_by_cursor(&opts, Some(cursor.clone()), tx).await?;
                return Ok(());
            }
        };
        if opts.keyset && opts.resume.is_none() && self.feed_by_cursor(&opts, None, tx).await? {
            return Ok(());
        }
        let query = |page| ListUsers {
            page,
            per_page,
            filter: opts.filter.clone(),
            sort: Some(opts.sort),
        };
        let mut seen: HashSet<UserId> = HashSet::new();
        let mut loaded = 0u64;
        let mut deliver = |page: UsersPage<U>, number: u32, total: Option<u64>| {
            let users: Vec<U> = page
                .users
                .into_iter()
                .filter(|u| seen.insert(u.id()))
                .collect();
            loaded += users.len() as u64;
            UsersBatch {
                users,
                loaded,
                total,
                after: Some(ResumeAt::Page(number)),
            }
        };

        let first = self.list_users_retrying(&query(from_page)).await?;
        let total = first.total;
        let mut last_len = first.users.len();
        // The last page: from `Link`, else from the total; unknown on servers with neither.
        let last = first.last_page.or_else(|| {
            total.map(|t| u32::try_from(t.div_ceil(u64::from(per_page))).unwrap_or(u32::MAX))
        });
        let mut has_next = first.next_page.is_some();
        if tx.send(Ok(deliver(first, from_page, total))).await.is_err() {
            return Ok(());
        }

        let mut page = from_page;
        if let Some(last) = last.filter(|l| *l > from_page) {
            let paced = opts.paced;
            let mut pages = stream::iter(from_page + 1..=last)
                .map(|p| {
                    let q = query(p);
                    async move {
                        let started = std::time::Instant::now();
                        let page = self.list_users_retrying(&q).await;
                        // The slot stays taken while paced: the next page waits.
                        tokio::time::sleep(pace(paced, started.elapsed())).await;
                        page
                    }
                })
                .buffered(opts.concurrency.max(1));
            while let Some(result) = pages.next().await {
                let next = result?;
                page += 1;
                last_len = next.users.len();
                has_next = next.next_page.is_some();
                if tx.send(Ok(deliver(next, page, total))).await.is_err() {
                    return Ok(());
                }
            }
        }
        // Past the last page known at the start: users created meanwhile, or a server that
        // sends no total. Read on until a short page.
        while last_len == per_page as usize || (last.is_none() && has_next) {
            page += 1;
            let next = self.list_users_retrying(&query(page)).await?;
            last_len = next.users.len();
            has_next = next.next_page.is_some();
            let batch = deliver(next, page, total);
            if batch.users.is_empty() && last_len == 0 {
                break;
            }
            if tx.send(Ok(batch)).await.is_err() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Every user by cursor; `Ok(false)` (nothing sent) when the server pages by offset.
    async fn feed_by_cursor<U: ListedUser>(
        &self,
        opts: &AllUsers,
        cursor: Option<String>,
        tx: &tokio::sync::mpsc::Sender<Result<UsersBatch<U>, GoTrueError>>,
    ) -> Result<bool, GoTrueError> {
        let mut query = KeysetQuery {
            limit: opts.per_page.clamp(1, KEYSET_MAX_LIMIT),
            cursor,
            filter: opts.filter.clone(),
            sort: Some(opts.sort),
        };
        let mut loaded = 0u64;
        loop {
            let started = std::time::Instant::now();
            let answer = retry_read(|| self.list_users_keyset_as::<U>(&query)).await?;
            let wait = pace(opts.paced, started.elapsed());
            let page = match answer {
                Listing::Keyset(page) => page,
                Listing::Offset(_) if query.cursor.is_none() => return Ok(false),
                Listing::Offset(_) => {
                    return Err(GoTrueError::local(
                        ErrorKind::Decode,
                        None,
                        "the server stopped paging by cursor in the middle of the list",
                    ));
                }
            };
            loaded += page.users.len() as u64;
            let next = page.next_cursor.filter(|_| page.has_more);
            let batch = UsersBatch {
                users: page.users,
                loaded,
                total: None,
                after: Some(ResumeAt::Cursor(next.clone())),
            };
            if tx.send(Ok(batch)).await.is_err() {
                return Ok(true);
            }
            match next {
                Some(next) => query.cursor = Some(next),
                None => return Ok(true),
            }
            tokio::time::sleep(wait).await;
        }
    }

    /// [`Self::list_users_as`], a failure for a passing reason retried with backoff.
    pub async fn list_users_retrying<U: ListedUser>(
        &self,
        q: &ListUsers,
    ) -> Result<UsersPage<U>, GoTrueError> {
        retry_read(|| self.list_users_as(q)).await
    }

    /// `GET /admin/users/{id}`: with identities and factors.
    pub async fn get_user_by_id(&self, id: UserId) -> Result<User, GoTrueError> {
        let path = format!("/admin/users/{id}");
        retry_read(|| self.json(Method::GET, &path, &[], Auth::Admin, None::<&()>)).await
    }

    /// `POST /admin/users`.
    pub async fn create_user(&self, attrs: &AdminUserAttributes) -> Result<User, GoTrueError> {
        self.json(Method::POST, "/admin/users", &[], Auth::Admin, Some(attrs))
            .await
    }

    /// `PUT /admin/users/{id}`: only the fields set are changed; metadata is merged.
    pub async fn update_user_by_id(
        &self,
        id: UserId,
        attrs: &AdminUserAttributes,
    ) -> Result<User, GoTrueError> {
        let path = format!("/admin/users/{id}");
        self.json(Method::PUT, &path, &[], Auth::Admin, Some(attrs))
            .await
    }

    /// `DELETE /admin/users/{id}`: hard, or soft (the row stays, marked deleted, its email
    /// and phone freed).
    pub async fn delete_user(&self, id: UserId, soft: bool) -> Result<(), GoTrueError> {
        let path = format!("/admin/users/{id}");
        let body = json!({ "should_soft_delete": soft });
        self.send(Method::DELETE, &path, &[], Auth::Admin, Some(&body))
            .await
            .map(drop)
    }

    /// `POST /invite`: creates the user and mails an invitation.
    pub async fn invite_user_by_email(
        &self,
        email: &str,
        data: Option<&Map<String, Value>>,
        redirect_to: Option<&str>,
    ) -> Result<User, GoTrueError> {
        let mut body = Map::new();
        body.insert("email".into(), Value::String(email.to_owned()));
        if let Some(data) = data {
            body.insert("data".into(), Value::Object(data.clone()));
        }
        let query: Vec<(&str, String)> = redirect_to
            .filter(|r| !r.is_empty())
            .map(|r| vec![("redirect_to", r.to_owned())])
            .unwrap_or_default();
        self.json(Method::POST, "/invite", &query, Auth::Admin, Some(&body))
            .await
    }

    /// `POST /admin/generate_link`: the link and OTP a mail would carry, without sending it.
    pub async fn generate_link(
        &self,
        req: &GenerateLinkRequest,
    ) -> Result<GeneratedLink, GoTrueError> {
        if req.link_type.needs_password() && req.password.is_none() {
            return Err(local_validation("a signup link needs a password"));
        }
        if req.link_type.needs_new_email() && req.new_email.is_none() {
            return Err(local_validation("an email change link needs the new email"));
        }
        let mut body = Map::new();
        body.insert("type".into(), Value::String(req.link_type.as_str().into()));
        body.insert("email".into(), Value::String(req.email.clone()));
        if let Some(p) = &req.password {
            body.insert("password".into(), Value::String(p.expose().to_owned()));
        }
        if let Some(n) = &req.new_email {
            body.insert("new_email".into(), Value::String(n.clone()));
        }
        if let Some(d) = &req.data {
            body.insert("data".into(), Value::Object(d.clone()));
        }
        if let Some(r) = req.redirect_to.as_deref().filter(|r| !r.is_empty()) {
            body.insert("redirect_to".into(), Value::String(r.to_owned()));
        }
        let answer = self
            .send(
                Method::POST,
                "/admin/generate_link",
                &[],
                Auth::Admin,
                Some(&body),
            )
            .await?;
        generated_link(&answer)
    }

    /// `GET /admin/users/{id}/factors`. GoTrue answers `null` for none.
    pub async fn list_factors(&self, user_id: UserId) -> Result<Vec<Factor>, GoTrueError> {
        let path = format!("/admin/users/{user_id}/factors");
        let factors: Option<Vec<Factor>> =
            retry_read(|| self.json(Method::GET, &path, &[], Auth::Admin, None::<&()>)).await?;
        Ok(factors.unwrap_or_default())
    }

    /// `DELETE /admin/users/{id}/factors/{factor_id}`: returns the deleted factor.
    pub async fn delete_factor(
        &self,
        user_id: UserId,
        factor_id: Uuid,
    ) -> Result<Factor, GoTrueError> {
        let path = format!("/admin/users/{user_id}/factors/{factor_id}");
        self.json(Method::DELETE, &path, &[], Auth::Admin, None::<&()>)
            .await
    }

    /// `PUT /admin/users/{id}/factors/{factor_id}`: a new friendly name (GoTrue keeps the
    /// old one when it is empty), or a phone factor's new number. Returns the factor.
    pub async fn update_factor(
        &self,
        user_id: UserId,
        factor_id: Uuid,
        update: &FactorUpdate,
    ) -> Result<Factor, GoTrueError> {
        let path = format!("/admin/users/{user_id}/factors/{factor_id}");
        self.json(Method::PUT, &path, &[], Auth::Admin, Some(update))
            .await
    }

    /// `GET /admin/audit`, with an optional `author:…`, `action:…` or `type:…` query.
    pub async fn audit_log(
        &self,
        page: u32,
        per_page: u32,
        query_text: Option<&str>,
    ) -> Result<AuditPage, GoTrueError> {
        if page == 0 {
            return Err(local_validation("pages are numbered from 1"));
        }
        let mut query = vec![
            ("page", page.to_string()),
            ("per_page", per_page.to_string()),
        ];
        if let Some(q) = query_text.map(str::trim).filter(|q| !q.is_empty()) {
            query.push(("query", q.to_owned()));
        }
        let answer = retry_read(|| {
            self.send(
                Method::GET,
                "/admin/audit",
                &query,
                Auth::Admin,
                None::<&()>,
            )
        })
        .await?;
        let entries: Option<Vec<AuditEntry>> = parse_json(&answer)?;
        let (next_page, last_page) = page_links(&answer.headers);
        Ok(AuditPage {
            entries: entries.unwrap_or_default(),
            total: total_count(&answer.headers),
            next_page,
            last_page,
        })
    }
}

impl GoTrueClient {
    /// `GET /demo/outbox`: what the embedded demo server would have mailed or texted. Only
    /// the demo server has it; a real GoTrue answers 404.
    pub async fn demo_outbox(&self) -> Result<Vec<OutboxMessage>, GoTrueError> {
        self.json(Method::GET, "/demo/outbox", &[], Auth::Admin, None::<&()>)
            .await
    }
}

fn generated_link(answer: &Answer) -> Result<GeneratedLink, GoTrueError> {
    let value: Value = parse_json(answer)?;
    let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_owned);
    let missing = |field: &str| {
        GoTrueError::decode(
            Some(answer.status),
            format!("generate_link answered without `{field}`"),
            b"",
        )
    };
    let action_link = text("action_link").ok_or_else(|| missing("action_link"))?;
    // GoTrue flattens the user into the same object (older servers nest it under `user`).
    let user_value = match value.get("user") {
        Some(u @ Value::Object(_)) => u.clone(),
        _ => value.clone(),
    };
    let user: User = serde_json::from_value(user_value).map_err(|e| {
        GoTrueError::decode(Some(answer.status), format!("expected a user: {e}"), b"")
    })?;
    Ok(GeneratedLink {
        action_link: Secret::new(action_link),
        email_otp: Secret::new(text("email_otp").unwrap_or_default()),
        hashed_token: Secret::new(text("hashed_token").unwrap_or_default()),
        verification_type: text("verification_type").unwrap_or_default(),
        redirect_to: text("redirect_to"),
        user,
    })
}

fn local_validation(message: &str) -> GoTrueError {
    GoTrueError::local(ErrorKind::Validation, None, message.to_owned())
}

/// Runs an idempotent read again after a passing failure (transport, 5xx, 429), waiting
/// 250 ms, 500 ms, 1 s between attempts. Writes never come through here.
async fn retry_read<T, F, Fut>(mut call: F) -> Result<T, GoTrueError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, GoTrueError>>,
{
    let mut delay = Duration::from_millis(250);
    let mut attempt = 1;
    loop {
        match call().await {
            Err(e) if e.is_transient() && attempt < READ_ATTEMPTS => {
                tracing::debug!(attempt, error = %e, "retrying a read");
                tokio::time::sleep(delay).await;
                delay *= 2;
                attempt += 1;
            }
            other => return other,
        }
    }
}

#[cfg(test)]
mod pace_tests {
    use super::*;

    /// A fast server is not waited on; a slow one gets as much rest as its page took.
    #[test]
    fn paced_reading_rests_as_long_as_a_slow_page_took() {
        let slow = Duration::from_millis(900);
        assert_eq!(pace(true, slow), slow);
        assert_eq!(pace(true, Duration::from_millis(50)), Duration::ZERO);
        assert_eq!(pace(false, slow), Duration::ZERO, "an export is not paced");
    }
}
