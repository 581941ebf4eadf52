//! What the users list keeps of a user: enough for the columns, the status and the filter.

use crate::console::widgets::theme;
use crate::gotrue::{User, UserId};
use chrono::{DateTime, Utc};
use ratatui::style::Style;

/// What the list keeps of a user: enough for the columns, the status and the filter. The
/// full user is fetched when it is opened. (A tenth of the memory of a full `User`.)
#[derive(Clone, Debug, PartialEq)]
pub struct UserRow {
    pub id: UserId,
    pub email: String,
    /// Without `+`, as GoTrue stores it.
    pub phone: String,
    pub name: Option<String>,
    pub providers: String,
    pub created: Option<DateTime<Utc>>,
    pub last_sign_in: Option<DateTime<Utc>>,
    pub email_confirmed: bool,
    pub phone_confirmed: bool,
    pub invited: bool,
    pub banned_until: Option<DateTime<Utc>>,
    pub deleted: bool,
    pub mfa_factors: u8,
    /// Signed in anonymously: no email or phone to confirm, by design.
    pub anonymous: bool,
    /// Made by an SSO (SAML) sign-in.
    pub sso: bool,
    /// Passkeys, where they were read (the user list does not carry them).
    pub passkeys: Option<u8>,
}

impl UserRow {
    pub fn from_user(u: &User) -> Self {
        let providers = u.providers().join(",");
        let name = u.full_name().map(str::to_owned);
        Self {
            id: u.id,
            email: u.email.clone(),
            phone: u.phone.clone(),
            name,
            providers,
            created: u.created_at,
            last_sign_in: u.last_sign_in_at,
            email_confirmed: u.email_confirmed_at.is_some() || u.confirmed_at.is_some(),
            phone_confirmed: u.phone_confirmed_at.is_some(),
            invited: u.invited_at.is_some(),
            banned_until: u.banned_until,
            deleted: u.deleted_at.is_some(),
            mfa_factors: u.verified_factors().count().min(255) as u8,
            anonymous: u.is_anonymous == Some(true),
            sso: u.is_sso_user == Some(true),
            passkeys: None,
        }
    }

    /// A confirmed email user and nothing else, for tests to change what they need.
    #[cfg(test)]
    pub(crate) fn plain(id: UserId, email: &str) -> Self {
        Self {
            id,
            email: email.into(),
            phone: String::new(),
            name: None,
            providers: "email".into(),
            created: None,
            last_sign_in: None,
            email_confirmed: true,
            phone_confirmed: false,
            invited: false,
            banned_until: None,
            deleted: false,
            mfa_factors: 0,
            anonymous: false,
            sso: false,
            passkeys: None,
        }
    }

    /// Email, else `+phone`, else the id.
    pub fn label(&self) -> String {
        crate::gotrue::user_label(&self.id, &self.email, &self.phone)
    }

    pub fn confirmed(&self) -> bool {
        self.email_confirmed || self.phone_confirmed
    }

    /// The states worth a glance, most serious first, with their style.
    pub fn status(&self, now: DateTime<Utc>) -> Vec<(&'static str, Style)> {
        let mut out = Vec::new();
        if self.deleted {
            out.push(("deleted", theme::dim()));
        }
        if self.banned_until.is_some_and(|u| u > now) {
            out.push(("banned", theme::danger()));
        }
        if self.anonymous {
            // Nothing to confirm: not "unconfirmed".
            out.push(("anonymous", theme::info()));
        } else if self.invited && !self.confirmed() {
            out.push(("invited", theme::info()));
        } else if !self.confirmed() {
            out.push(("unconfirmed", theme::warn()));
        }
        if self.sso {
            out.push(("SSO", theme::info()));
        }
        if self.mfa_factors > 0 {
            out.push(("MFA", theme::accent()));
        }
        out
    }
}
