//! Shared server state. Every lock is a plain `std::sync` lock taken for a
//! short, synchronous critical section; none is held across an `.await`.

use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use tokio::sync::watch;

use super::audit::{Action, Actor, AuditLog};
use super::faults::{FaultConfig, FaultState};
use super::model::JsonMap;
use super::outbox::{Draft, Outbox};
use super::sessions::Sessions;
use super::store::Users;

/// The configuration handlers read (fixed for the server's lifetime).
#[derive(Clone, Debug)]
pub struct Settings {
    /// GoTrue's external URL, e.g. `http://127.0.0.1:9998`.
    pub url: String,
    pub jwt_secret: String,
    /// The asymmetric signing key, when access tokens are ES256.
    pub jwt_key: Option<super::jwt::EcSigningKey>,
    pub jwt_exp: i64,
    pub site_url: String,
    pub mailer_autoconfirm: bool,
    pub phone_autoconfirm: bool,
    pub send_frequency: Duration,
    pub password_min_length: usize,
    /// `GOTRUE_MAILER_OTP_EXP`.
    pub otp_exp: Duration,
    /// `GOTRUE_SMS_OTP_EXP`.
    pub sms_otp_exp: Duration,
    /// `GOTRUE_SMS_TEST_OTP`: phone → fixed code.
    pub test_otps: Vec<(String, String)>,
    /// `GOTRUE_MAILER_SECURE_EMAIL_CHANGE_ENABLED`.
    pub secure_email_change: bool,
    /// `GOTRUE_JWT_ADMIN_ROLES`.
    pub admin_roles: Vec<String>,
    /// OAuth providers reported as enabled.
    pub oauth_providers: Vec<String>,
    pub anonymous_users: bool,
    /// `GOTRUE_EXPERIMENTAL_CURSOR_PAGINATION_ENABLED`.
    pub cursor_pagination: bool,
    /// `GOTRUE_RATE_LIMIT_EMAIL_SENT`, per hour (invitations only).
    pub email_rate_limit: Option<u32>,
    /// `GOTRUE_SAML_ENABLED`, as `/settings` reports it (the admin SSO routes answer
    /// either way, as in v2.196.0).
    pub saml_enabled: bool,
    /// `GOTRUE_OAUTH_SERVER_ENABLED`: off, `/admin/oauth/clients` answers 404
    /// `feature_disabled`.
    pub oauth_server: bool,
    /// `GOTRUE_CUSTOM_OAUTH_ENABLED`: off, `/admin/custom-providers` answers 404
    /// `feature_disabled`.
    pub custom_oauth: bool,
}

impl Settings {
    pub fn test_otp(&self, phone: &str) -> Option<&str> {
        self.test_otps
            .iter()
            .find(|(p, _)| p == phone)
            .map(|(_, otp)| otp.as_str())
    }
}

/// Users and their sessions, behind one lock so a handler sees them agree.
#[derive(Default)]
pub struct Db {
    pub users: Users,
    pub sessions: Sessions,
}

pub struct AppState {
    pub settings: Settings,
    db: RwLock<Db>,
    outbox: Mutex<Outbox>,
    audit: Mutex<AuditLog>,
    faults: Mutex<FaultState>,
    /// `GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL`, changeable by tests.
    reuse_interval: Mutex<StdDuration>,
    pub shutdown: watch::Receiver<bool>,
    /// `--smtp`: mails also go there.
    pub smtp: Option<super::smtp::SmtpRelay>,
    /// When the invitation mails of the last hour went out, for the mail quota.
    mails_sent: Mutex<std::collections::VecDeque<DateTime<Utc>>>,
    /// Passkeys, SSO providers, OAuth clients, custom providers.
    surfaces: Mutex<super::surfaces::Surfaces>,
}

fn recover<T>(r: Result<T, std::sync::PoisonError<T>>) -> T {
    // A panic elsewhere must not take the whole demo down with it.
    r.unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl AppState {
    pub fn new(
        settings: Settings,
        db: Db,
        audit: AuditLog,
        faults: FaultConfig,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        AppState {
            settings,
            db: RwLock::new(db),
            outbox: Mutex::new(Outbox::default()),
            audit: Mutex::new(audit),
            faults: Mutex::new(FaultState::new(faults)),
            reuse_interval: Mutex::new(StdDuration::from_secs(10)),
            shutdown,
            smtp: None,
            mails_sent: Mutex::new(std::collections::VecDeque::new()),
            surfaces: Mutex::new(super::surfaces::Surfaces::default()),
        }
    }

    /// Takes one mail of the project's hourly quota, or answers as GoTrue's `sendEmail`
    /// does when it is used up (autoconfirmed mail is not limited, as in GoTrue).
    pub fn take_mail_quota(&self, now: DateTime<Utc>) -> Result<(), super::errors::ApiError> {
        let Some(limit) = self.settings.email_rate_limit else {
            return Ok(());
        };
        if self.settings.mailer_autoconfirm {
            return Ok(());
        }
        let mut sent = recover(self.mails_sent.lock());
        while sent.front().is_some_and(|t| now - *t >= Duration::hours(1)) {
            sent.pop_front();
        }
        if sent.len() >= limit as usize {
            return Err(super::errors::ApiError::too_many(
                "over_email_send_rate_limit",
                "email rate limit exceeded",
            ));
        }
        sent.push_back(now);
        Ok(())
    }

    pub fn read(&self) -> RwLockReadGuard<'_, Db> {
        recover(self.db.read())
    }

    pub fn write(&self) -> RwLockWriteGuard<'_, Db> {
        recover(self.db.write())
    }

    pub fn outbox(&self) -> MutexGuard<'_, Outbox> {
        recover(self.outbox.lock())
    }

    pub fn audit(&self) -> MutexGuard<'_, AuditLog> {
        recover(self.audit.lock())
    }

    pub fn surfaces(&self) -> MutexGuard<'_, super::surfaces::Surfaces> {
        recover(self.surfaces.lock())
    }

    pub fn set_surfaces(&self, s: super::surfaces::Surfaces) {
        *recover(self.surfaces.lock()) = s;
    }

    pub fn faults(&self) -> MutexGuard<'_, FaultState> {
        recover(self.faults.lock())
    }

    pub fn reuse_interval(&self) -> Duration {
        let d = *recover(self.reuse_interval.lock());
        Duration::from_std(d).unwrap_or(Duration::seconds(10))
    }

    pub fn set_reuse_interval(&self, d: StdDuration) {
        *recover(self.reuse_interval.lock()) = d;
    }

    pub fn log(&self, actor: &Actor, action: Action, traits: Option<JsonMap>, at: DateTime<Utc>) {
        self.audit().record(actor, action, traits, "", at);
    }

    /// [`Self::log`] with the client's IP address, for the few entries GoTrue writes with
    /// `utilities.GetIPAddress(r)`.
    pub fn log_from(
        &self,
        ip: std::net::IpAddr,
        actor: &Actor,
        action: Action,
        traits: Option<JsonMap>,
        at: DateTime<Utc>,
    ) {
        self.audit()
            .record(actor, action, traits, &ip.to_string(), at);
    }

    pub fn send(&self, draft: Draft, at: DateTime<Utc>) {
        if let Some(smtp) = &self.smtp {
            smtp.relay(&draft);
        }
        self.outbox().push(draft, at);
    }
}
