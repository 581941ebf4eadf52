//! Sending the invitations: bounded concurrency, one pace for the whole run, 429s backed off,
//! ambiguous failures checked before anything is sent again.

use super::model::{InviteEvent, InviteJob, RowStatus, RunEnd};
use crate::gotrue::{
    ErrorKind, GenerateLinkRequest, GoTrueClient, GoTrueError, LinkType, ListUsers, User, UserId,
    UsersPage,
};
use chrono::{DateTime, TimeDelta, Utc};
use futures::{StreamExt, stream};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::mpsc::UnboundedSender;
use tokio::time::Instant;

/// How to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteOptions {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// The least time between the starts of two requests, across the whole run.
    pub min_interval: Duration,
    /// Attempts per row before it is failed (429s and ambiguous failures both count).
    pub max_attempts: u32,
    /// The first wait after a 429 or an ambiguous failure; doubles each time.
    pub backoff_base: Duration,
    /// The longest wait the doubling reaches (a wait GoTrue names itself is taken as it is).
    pub backoff_max: Duration,
    /// Where the invite link leads (`redirect_to`); GoTrue's site URL when `None`.
    pub redirect_to: Option<String>,
    /// Links only: generate each invite link (`generate_link`, type invite) instead of
    /// mailing it, for sending by other means; no mail goes out and the quota is untouched.
    pub links_only: bool,
    /// How far GoTrue's clock may be from ours. An invite GoTrue recorded up to this long
    /// before our attempt began still counts as the outcome of that attempt.
    pub clock_skew: Duration,
}

impl Default for InviteOptions {
    fn default() -> Self {
        Self {
            concurrency: 4,
            min_interval: Duration::from_millis(100),
            max_attempts: 5,
            backoff_base: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            redirect_to: None,
            clock_skew: Duration::from_secs(120),
            links_only: false,
        }
    }
}

/// Invites every job, `opts.concurrency` at a time, and reports on `events`. Returns (and
/// reports last) how the run ended.
///
/// Cancellable: drop the future, or abort its task. Every row then in progress is reported
/// `Pending` (in doubt when its request may have been delivered), followed by
/// `Finished(Cancelled)`.
///
/// Per row: a 429 waits (GoTrue's "after N seconds", else the backoff; a project-wide limit
/// holds the whole run) and retries. A 5xx, a broken connection or an unreadable answer may
/// hide a delivered invite, so the runner looks the user up first, and reports `Sent` when
/// GoTrue shows it invited since the attempt; only an absent invite is sent again. 422
/// `email_exists` is `AlreadyExists`; other refusals fail the row with GoTrue's code.
pub async fn run_invites(
    client: &GoTrueClient,
    jobs: Vec<InviteJob>,
    opts: InviteOptions,
    events: UnboundedSender<InviteEvent>,
) -> RunEnd {
    // Declared before the rows, so that on cancellation the rows report first (locals drop
    // in reverse order) and `Finished` comes last.
    let mut finish = FinishGuard {
        events: events.clone(),
        armed: true,
    };
    let run = Run {
        client,
        pacer: Pacer::new(opts.min_interval),
        stopped: Mutex::new(None),
        paused: Mutex::new(None),
        events: events.clone(),
        opts,
    };
    let mut rows = stream::iter(jobs)
        .map(|job| run.row(job))
        .buffer_unordered(run.opts.concurrency.max(1));
    while rows.next().await.is_some() {}
    drop(rows);

    let paused = run
        .paused
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let end = match (run.stop_reason(), paused) {
        (Some(reason), _) => RunEnd::Stopped { reason },
        (None, Some(reason)) => RunEnd::Paused { reason },
        (None, None) if events.is_closed() => RunEnd::Cancelled,
        (None, None) => RunEnd::Completed,
    };
    finish.armed = false;
    let _ = events.send(InviteEvent::Finished(end.clone()));
    end
}

/// Reports `Finished(Cancelled)` when the run is dropped before its end.
struct FinishGuard {
    events: UnboundedSender<InviteEvent>,
    armed: bool,
}

impl Drop for FinishGuard {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.events.send(InviteEvent::Finished(RunEnd::Cancelled));
        }
    }
}

/// One row's reporter. Dropped unfinished (the run was cancelled), it reports the row
/// `Pending`, in doubt if a request may have been delivered.
struct RowGuard {
    events: UnboundedSender<InviteEvent>,
    line: usize,
    doubt: Option<DateTime<Utc>>,
    open: bool,
}

impl RowGuard {
    fn emit(&self, status: RowStatus, in_doubt_since: Option<DateTime<Utc>>) {
        let _ = self.events.send(InviteEvent::Row {
            line: self.line,
            status,
            in_doubt_since,
        });
    }

    fn sending(&mut self, attempt: u32, in_flight: Option<DateTime<Utc>>) {
        self.doubt = in_flight;
        self.emit(RowStatus::Sending { attempt }, in_flight);
    }

    fn finish(mut self, status: RowStatus, doubt: Option<DateTime<Utc>>) {
        self.open = false;
        self.emit(status, doubt);
    }
}

impl Drop for RowGuard {
    fn drop(&mut self) {
        if self.open {
            self.emit(RowStatus::Pending, self.doubt);
        }
    }
}

/// Spaces the starts of requests `interval` apart across the whole run, and holds them all
/// after a project-wide rate limit.
struct Pacer {
    interval: Duration,
    next: Mutex<Instant>,
}

impl Pacer {
    fn new(interval: Duration) -> Self {
        Self {
            interval,
            next: Mutex::new(Instant::now()),
        }
    }

    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
            let slot = (*next).max(Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    fn hold_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut next = self.next.lock().unwrap_or_else(PoisonError::into_inner);
        *next = (*next).max(until);
    }
}

/// What an error means for the row.
enum Verdict {
    /// 422 `email_exists`: a confirmed user has the address.
    Exists,
    /// 429: GoTrue did nothing; wait and try again.
    RateLimited,
    /// 429 `over_email_send_rate_limit` without "after N seconds": the project's mail quota
    /// (`GOTRUE_RATE_LIMIT_EMAIL_SENT`; hosted built-in mail allows a few an hour) is used
    /// up. Retrying within the run only burns attempts: the run pauses.
    MailQuota,
    /// The invite may or may not have gone through.
    Ambiguous,
    /// No invite can succeed in this run.
    Fatal,
    /// GoTrue refused this row.
    Refused,
}

fn verdict(e: &GoTrueError) -> Verdict {
    let code = e.code.as_deref();
    let exists = matches!(code, Some("email_exists" | "user_already_exists"))
        || (code.is_none()
            && e.status == Some(422)
            && e.message.contains("already been registered"));
    if exists {
        Verdict::Exists
    } else if matches!(
        e.kind,
        ErrorKind::Server | ErrorKind::Transport | ErrorKind::Decode
    ) || e.status.is_some_and(|s| s >= 500)
    {
        // A Postgres 23505 passed through as a 500 lands here too: a concurrent insert of the
        // same address, possibly our own earlier attempt. The lookup settles it.
        Verdict::Ambiguous
    } else if e.kind == ErrorKind::RateLimited
        && code == Some("over_email_send_rate_limit")
        && retry_after(&e.message).is_none()
    {
        Verdict::MailQuota
    } else if e.kind == ErrorKind::RateLimited {
        Verdict::RateLimited
    } else if e.kind == ErrorKind::Auth || (e.status == Some(404) && code.is_none()) {
        Verdict::Fatal
    } else {
        Verdict::Refused
    }
}

/// GoTrue's "…you can only request this after 59 seconds." as a duration.
fn retry_after(message: &str) -> Option<Duration> {
    let start = message.find("after ")? + "after ".len();
    let rest = &message[start..];
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    let secs: u64 = rest[..digits].parse().ok()?;
    rest[digits..]
        .trim_start()
        .starts_with("second")
        .then(|| Duration::from_secs(secs))
}

fn backoff(opts: &InviteOptions, n: u32) -> Duration {
    let factor = 2u32.saturating_pow(n.saturating_sub(1));
    opts.backoff_base
        .saturating_mul(factor)
        .min(opts.backoff_max)
}

fn sent(user: &User) -> RowStatus {
    invited(user.id, user.invited_at.unwrap_or_else(Utc::now))
}

/// Mailed: GoTrue has the user invited at `at`.
fn invited(user_id: UserId, at: DateTime<Utc>) -> RowStatus {
    RowStatus::Sent {
        user_id,
        at,
        link: None,
    }
}

fn failed(e: &GoTrueError) -> RowStatus {
    RowStatus::Failed {
        status: e.status,
        code: e.code.clone(),
        message: e.message.clone(),
    }
}

/// What GoTrue knows of an address after an attempt that may have gone through.
enum Lookup {
    /// Invited since the attempt began (allowing for clock skew): the invite went through.
    Invited { user_id: UserId, at: DateTime<Utc> },
    /// A confirmed user has it, and was not invited since.
    Confirmed,
    /// No such user, or one not invited since: the attempt did not go through.
    NotInvited,
}

/// Matching users read at most while looking one address up (GoTrue's `filter` is a
/// substring match, so a short address can match many).
const LOOKUP_PAGES: u32 = 10;
const LOOKUP_PER_PAGE: u32 = 100;
/// Attempts of one lookup page that failed for a passing reason.
const LOOKUP_ATTEMPTS: u32 = 3;

struct Run<'a> {
    client: &'a GoTrueClient,
    opts: InviteOptions,
    pacer: Pacer,
    stopped: Mutex<Option<String>>,
    /// Set when the mail quota ran out: the run ends paused, its rows pending.
    paused: Mutex<Option<String>>,
    events: UnboundedSender<InviteEvent>,
}

impl Run<'_> {
    fn stop_reason(&self) -> Option<String> {
        self.stopped
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn stop(&self, e: &GoTrueError) {
        let mut stopped = self.stopped.lock().unwrap_or_else(PoisonError::into_inner);
        stopped.get_or_insert_with(|| e.to_string());
    }

    fn pause(&self, e: &GoTrueError) {
        let mut paused = self.paused.lock().unwrap_or_else(PoisonError::into_inner);
        paused.get_or_insert_with(|| {
            format!(
                "GoTrue's mail quota is used up ({e}). The project sends only so many mails an \
                 hour (GOTRUE_RATE_LIMIT_EMAIL_SENT; hosted projects' built-in mail, a few): \
                 send the rest later, set up custom SMTP, or hand out invite links instead"
            )
        });
    }

    fn halted(&self) -> bool {
        self.stop_reason().is_some()
            || self
                .paused
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .is_some()
    }

    async fn row(&self, job: InviteJob) {
        // After a fatal error or the mail quota, or once nobody listens, rows not yet begun
        // stay pending.
        if self.halted() || self.events.is_closed() {
            return;
        }
        let mut guard = RowGuard {
            events: self.events.clone(),
            line: job.line,
            doubt: job.in_doubt_since,
            open: true,
        };
        let (status, doubt) = self.settle(&job, &mut guard).await;
        guard.finish(status, doubt);
    }

    /// The row's result, and whether it is left in doubt.
    async fn settle(
        &self,
        job: &InviteJob,
        guard: &mut RowGuard,
    ) -> (RowStatus, Option<DateTime<Utc>>) {
        let email = job.email.as_str();
        // An earlier run may have delivered this invite: look before sending again.
        if let Some(since) = job.in_doubt_since {
            match self.lookup(email, since).await {
                Ok(Lookup::Invited { user_id, at }) => {
                    return (invited(user_id, at), None);
                }
                Ok(Lookup::Confirmed) => return (RowStatus::AlreadyExists, None),
                Ok(Lookup::NotInvited) => guard.doubt = None,
                Err(e) => {
                    tracing::warn!(
                        line = job.line, error = %e,
                        "cannot tell whether an earlier invite went through"
                    );
                    let status = RowStatus::Failed {
                        status: e.status,
                        code: e.code.clone(),
                        message: format!(
                            "could not check whether an earlier attempt went through: {}",
                            e.message
                        ),
                    };
                    return (status, Some(since));
                }
            }
        }
        if self.opts.links_only {
            return (self.link(job, guard).await, None);
        }
        // Set once an attempt may have been delivered; kept (as the earliest such start)
        // until a success or a definite answer about the user.
        let mut doubt: Option<DateTime<Utc>> = None;
        let mut rate_limited = 0u32;
        let mut unclear = 0u32;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            self.pacer.wait().await;
            let started = Utc::now();
            guard.sending(attempt, doubt.or(Some(started)));
            let result = self
                .client
                .invite_user_by_email(email, Some(&job.data), self.opts.redirect_to.as_deref())
                .await;
            let err = match result {
                Ok(user) => return (sent(&user), None),
                Err(e) => e,
            };
            match verdict(&err) {
                Verdict::Exists => return (RowStatus::AlreadyExists, None),
                Verdict::MailQuota => {
                    // GoTrue refused before it created or sent anything: back to pending.
                    self.pause(&err);
                    return (RowStatus::Pending, doubt);
                }
                Verdict::Refused => return (failed(&err), doubt),
                Verdict::Fatal => {
                    self.stop(&err);
                    return (failed(&err), doubt);
                }
                Verdict::RateLimited => {
                    // GoTrue refuses before it creates or sends anything.
                    guard.doubt = doubt;
                    if attempt >= self.opts.max_attempts {
                        return (failed(&err), doubt);
                    }
                    rate_limited += 1;
                    match retry_after(&err.message) {
                        // Per-user send frequency: only this row waits.
                        Some(wait) => tokio::time::sleep(wait).await,
                        // A project-wide limit: everyone waits.
                        None => self.pacer.hold_for(backoff(&self.opts, rate_limited)),
                    }
                }
                Verdict::Ambiguous => {
                    let since = *doubt.get_or_insert(started);
                    guard.doubt = doubt;
                    unclear += 1;
                    // Give a slow server time to finish what it may still be doing.
                    tokio::time::sleep(backoff(&self.opts, unclear)).await;
                    match self.lookup(email, since).await {
                        Ok(Lookup::Invited { user_id, at }) => {
                            return (invited(user_id, at), None);
                        }
                        Ok(Lookup::Confirmed) => return (RowStatus::AlreadyExists, None),
                        Ok(Lookup::NotInvited) if attempt < self.opts.max_attempts => {}
                        Ok(Lookup::NotInvited) => return (failed(&err), doubt),
                        Err(e) => {
                            tracing::warn!(
                                line = job.line, error = %e,
                                "cannot tell whether an invite went through"
                            );
                            return (failed(&err), doubt);
                        }
                    }
                }
            }
        }
    }

    /// Links only: the invite link, generated (nothing is mailed). An unclear answer is
    /// simply asked again: a new link replaces one that may have been made and never seen,
    /// and no mail went out either way.
    async fn link(&self, job: &InviteJob, guard: &mut RowGuard) -> RowStatus {
        let (mut attempt, mut waits) = (0u32, 0u32);
        loop {
            attempt += 1;
            self.pacer.wait().await;
            guard.sending(attempt, None);
            let mut request = GenerateLinkRequest::new(LinkType::Invite, job.email.clone());
            request.data = Some(job.data.clone()).filter(|d| !d.is_empty());
            request.redirect_to = self.opts.redirect_to.clone();
            let err = match self.client.generate_link(&request).await {
                Ok(link) => {
                    return RowStatus::Sent {
                        user_id: link.user.id,
                        at: link.user.invited_at.unwrap_or_else(Utc::now),
                        link: Some(link.action_link.expose().to_owned()),
                    };
                }
                Err(e) => e,
            };
            match verdict(&err) {
                Verdict::Exists => return RowStatus::AlreadyExists,
                Verdict::Fatal => {
                    self.stop(&err);
                    return failed(&err);
                }
                Verdict::Refused => return failed(&err),
                _ if attempt >= self.opts.max_attempts => return failed(&err),
                Verdict::RateLimited | Verdict::MailQuota => {
                    waits += 1;
                    self.pacer.hold_for(backoff(&self.opts, waits));
                }
                Verdict::Ambiguous => {
                    waits += 1;
                    tokio::time::sleep(backoff(&self.opts, waits)).await;
                }
            }
        }
    }

    /// Whether GoTrue has `email` invited since `since` (minus the clock skew allowance).
    async fn lookup(&self, email: &str, since: DateTime<Utc>) -> Result<Lookup, GoTrueError> {
        let threshold = TimeDelta::from_std(self.opts.clock_skew)
            .ok()
            .and_then(|skew| since.checked_sub_signed(skew))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let mut page = 1;
        loop {
            let query = ListUsers {
                page,
                per_page: LOOKUP_PER_PAGE,
                filter: Some(email.to_owned()),
                sort: None,
            };
            let found = self.list_users(&query).await?;
            let user = found
                .users
                .iter()
                .find(|u| u.deleted_at.is_none() && u.email.to_lowercase() == email);
            if let Some(user) = user {
                return Ok(match user.invited_at {
                    Some(at) if at >= threshold => Lookup::Invited {
                        user_id: user.id,
                        at,
                    },
                    _ if user.is_confirmed() => Lookup::Confirmed,
                    _ => Lookup::NotInvited,
                });
            }
            let more = found.next_page.is_some_and(|n| n > page)
                || found.users.len() >= LOOKUP_PER_PAGE as usize;
            if !more {
                return Ok(Lookup::NotInvited);
            }
            if page >= LOOKUP_PAGES {
                return Err(GoTrueError::transport(format!(
                    "could not find {email} among the first {} users matching it",
                    LOOKUP_PAGES * LOOKUP_PER_PAGE
                )));
            }
            page += 1;
        }
    }

    /// One page of users, paced, retried after a passing failure (it is a read).
    async fn list_users(&self, query: &ListUsers) -> Result<UsersPage, GoTrueError> {
        let mut attempt = 1;
        loop {
            self.pacer.wait().await;
            match self.client.list_users(query).await {
                Err(e) if e.is_transient() && attempt < LOOKUP_ATTEMPTS => {
                    tokio::time::sleep(backoff(&self.opts, attempt)).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(
        status: Option<u16>,
        kind: ErrorKind,
        code: Option<&str>,
        message: &str,
    ) -> GoTrueError {
        GoTrueError {
            kind,
            status,
            code: code.map(str::to_owned),
            message: message.to_owned(),
            detail: None,
            weak_password_reasons: Vec::new(),
            error_id: None,
        }
    }

    #[test]
    fn gotrue_wait_is_read_from_its_message() {
        assert_eq!(
            retry_after("For security purposes, you can only request this after 59 seconds."),
            Some(Duration::from_secs(59))
        );
        assert_eq!(retry_after("after 1 second"), Some(Duration::from_secs(1)));
        assert_eq!(retry_after("email rate limit exceeded"), None);
        assert_eq!(retry_after("try again after lunch"), None);
        assert_eq!(retry_after("after 5 minutes"), None);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let opts = InviteOptions {
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(500),
            ..InviteOptions::default()
        };
        let waits: Vec<u128> = (1..=5).map(|n| backoff(&opts, n).as_millis()).collect();
        assert_eq!(waits, vec![100, 200, 400, 500, 500]);
        assert_eq!(backoff(&opts, 99).as_millis(), 500);
    }

    #[test]
    fn errors_are_sorted_by_what_they_mean_for_a_write() {
        let v = |e: GoTrueError| match verdict(&e) {
            Verdict::Exists => "exists",
            Verdict::RateLimited => "rate limited",
            Verdict::MailQuota => "mail quota",
            Verdict::Ambiguous => "ambiguous",
            Verdict::Fatal => "fatal",
            Verdict::Refused => "refused",
        };
        use ErrorKind::*;
        assert_eq!(
            v(error(Some(422), Conflict, Some("email_exists"), "")),
            "exists"
        );
        assert_eq!(
            v(error(
                Some(422),
                Validation,
                None,
                "A user with this email address has already been registered"
            )),
            "exists"
        );
        // The project's quota, and one user's send frequency: the same code, told apart by
        // GoTrue's "after N seconds".
        assert_eq!(
            v(error(
                Some(429),
                RateLimited,
                Some("over_email_send_rate_limit"),
                "email rate limit exceeded"
            )),
            "mail quota"
        );
        assert_eq!(
            v(error(
                Some(429),
                RateLimited,
                Some("over_email_send_rate_limit"),
                "For security purposes, you can only request this after 41 seconds."
            )),
            "rate limited"
        );
        assert_eq!(
            v(error(
                Some(429),
                RateLimited,
                Some("over_request_rate_limit"),
                ""
            )),
            "rate limited"
        );
        assert_eq!(
            v(error(Some(500), Server, Some("unexpected_failure"), "")),
            "ambiguous"
        );
        assert_eq!(v(error(Some(503), Server, None, "")), "ambiguous");
        assert_eq!(
            v(error(Some(500), Conflict, Some("23505"), "")),
            "ambiguous"
        );
        assert_eq!(v(error(None, Transport, None, "reset")), "ambiguous");
        assert_eq!(v(error(Some(200), Decode, None, "cut off")), "ambiguous");
        assert_eq!(v(error(Some(403), Auth, Some("not_admin"), "")), "fatal");
        assert_eq!(
            v(error(None, Auth, Some("no_service_role_key"), "")),
            "fatal"
        );
        assert_eq!(v(error(Some(404), NotFound, None, "Not Found")), "fatal");
        assert_eq!(
            v(error(
                Some(400),
                Validation,
                Some("validation_failed"),
                "invalid format"
            )),
            "refused"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_pacer_spaces_requests_and_holds_after_a_limit() {
        let pacer = Pacer::new(Duration::from_millis(100));
        let start = Instant::now();
        for _ in 0..3 {
            pacer.wait().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(200));
        pacer.hold_for(Duration::from_secs(2));
        pacer.wait().await;
        assert_eq!(start.elapsed(), Duration::from_millis(2200));
    }
}
