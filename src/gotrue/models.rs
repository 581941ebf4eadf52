//! GoTrue's objects as they come over the wire.
//!
//! Everything but `id` is optional (older servers lack fields, list answers omit some), and
//! unknown fields are kept in `extra` so a raw JSON view shows exactly what the server sent.

use crate::gotrue::secret::Secret;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use uuid::Uuid;

/// A user's id.
pub type UserId = Uuid;

/// A GoTrue user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub id: UserId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `""` when unset, as GoTrue sends it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub email: String,
    /// Stored without `+`; `""` when unset.
    #[serde(default, deserialize_with = "null_as_default")]
    pub phone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_confirmed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_confirmed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_sent_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_sent_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_change_sent_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invited_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sign_in_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banned_until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub app_metadata: Map<String, Value>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub user_metadata: Map<String, Value>,
    /// `None` when the server sent `null` or nothing (lists often do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identities: Option<Vec<Identity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factors: Option<Vec<Factor>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_anonymous: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_sso_user: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    /// Fields this version of the console does not know, kept for the raw view.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Email, else `+phone`, else the id: how a user is named in messages, lists and dialogs.
pub fn user_label(id: &UserId, email: &str, phone: &str) -> String {
    if !email.is_empty() {
        email.to_owned()
    } else if !phone.is_empty() {
        format!("+{phone}")
    } else {
        id.to_string()
    }
}

impl User {
    /// Email, else `+phone`, else the id: how a user is named in messages.
    pub fn display_name(&self) -> String {
        user_label(&self.id, &self.email, &self.phone)
    }

    /// `user_metadata.full_name` or `name`, when set.
    pub fn full_name(&self) -> Option<&str> {
        ["full_name", "name"]
            .iter()
            .find_map(|k| self.user_metadata.get(*k).and_then(Value::as_str))
            .filter(|s| !s.is_empty())
    }

    /// The sign-in providers, from `app_metadata.providers` (present in lists, where
    /// identities may be null), else from the identities.
    pub fn providers(&self) -> Vec<String> {
        if let Some(list) = self.app_metadata.get("providers").and_then(Value::as_array) {
            return list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect();
        }
        if let Some(p) = self.app_metadata.get("provider").and_then(Value::as_str) {
            return vec![p.to_owned()];
        }
        let mut out: Vec<String> = self
            .identities
            .iter()
            .flatten()
            .map(|i| i.provider.clone())
            .collect();
        out.dedup();
        out
    }

    pub fn is_banned_at(&self, now: DateTime<Utc>) -> bool {
        self.banned_until.is_some_and(|until| until > now)
    }

    pub fn is_email_confirmed(&self) -> bool {
        self.email_confirmed_at.is_some()
    }

    pub fn is_confirmed(&self) -> bool {
        self.email_confirmed_at.is_some()
            || self.phone_confirmed_at.is_some()
            || self.confirmed_at.is_some()
    }

    /// The user's verified MFA factors, when the answer carried them.
    pub fn verified_factors(&self) -> impl Iterator<Item = &Factor> {
        self.factors
            .iter()
            .flatten()
            .filter(|f| f.status == FactorStatus::Verified)
    }
}

/// A sign-in identity: email, phone or an OAuth provider.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Identity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_id: Option<Uuid>,
    /// The provider's subject (for email identities, the user id).
    #[serde(default)]
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<Uuid>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub identity_data: Map<String, Value>,
    #[serde(default)]
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_sign_in_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FactorType {
    Totp,
    Phone,
    Webauthn,
    #[serde(other)]
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FactorStatus {
    Verified,
    Unverified,
    #[serde(other)]
    Unknown,
}

/// An MFA factor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    pub id: Uuid,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    pub factor_type: FactorType,
    pub status: FactorStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_challenged_at: Option<DateTime<Utc>>,
}

/// A signed-in session. The tokens are [`Secret`]s.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub access_token: Secret,
    #[serde(default = "bearer")]
    pub token_type: String,
    #[serde(default)]
    pub expires_in: i64,
    /// Unix seconds. Old servers omit it; the client fills it in from `expires_in`.
    #[serde(default)]
    pub expires_at: Option<i64>,
    pub refresh_token: Secret,
    #[serde(default)]
    pub user: Option<User>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_token: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_refresh_token: Option<Secret>,
}

fn bearer() -> String {
    "bearer".to_owned()
}

impl Session {
    /// Fills in `expires_at` when the server left it out: now + `expires_in`.
    pub fn with_expiry_from(mut self, now: DateTime<Utc>) -> Self {
        if self.expires_at.is_none() {
            self.expires_at = Some(now.timestamp() + self.expires_in);
        }
        self
    }

    /// Seconds until the access token expires (negative once it has).
    pub fn seconds_left(&self, now: DateTime<Utc>) -> Option<i64> {
        self.expires_at.map(|at| at - now.timestamp())
    }
}

/// `GET /settings`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Provider name → enabled.
    #[serde(default)]
    pub external: std::collections::BTreeMap<String, bool>,
    #[serde(default)]
    pub disable_signup: bool,
    #[serde(default)]
    pub mailer_autoconfirm: bool,
    #[serde(default)]
    pub phone_autoconfirm: bool,
    #[serde(default)]
    pub sms_provider: Option<String>,
    #[serde(default)]
    pub saml_enabled: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Settings {
    /// Enabled providers, sorted by name.
    pub fn enabled_providers(&self) -> Vec<&str> {
        self.external
            .iter()
            .filter(|(_, on)| **on)
            .map(|(name, _)| name.as_str())
            .collect()
    }

    pub fn is_provider_enabled(&self, provider: &str) -> bool {
        self.external.get(provider).copied().unwrap_or(false)
    }
}

/// `GET /health`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Health {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
}

/// A GoTrue release from its version string: `v2.196.0` (or `2.196.0-rc.1`, or the demo's
/// `v2.196.0-demo`) is `(2, 196, 0)`; a build that names no release has none.
pub fn release(version: &str) -> Option<(u32, u32, u32)> {
    let core = version
        .trim()
        .trim_start_matches('v')
        .split(['-', '+'])
        .next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u32>().ok());
    let release = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(release)
}

/// One page of `GET /admin/users`.
#[derive(Clone, Debug, PartialEq)]
pub struct UsersPage<U = User> {
    pub users: Vec<U>,
    /// `X-Total-Count`: all users matching the filter.
    pub total: Option<u64>,
    /// From the `Link` header.
    pub next_page: Option<u32>,
    pub last_page: Option<u32>,
    pub aud: Option<String>,
}

/// One page of `GET /admin/users` paged by cursor.
#[derive(Clone, Debug, PartialEq)]
pub struct KeysetPage<U = User> {
    pub users: Vec<U>,
    /// The cursor of the next page, when there is one.
    pub next_cursor: Option<String>,
    pub has_more: bool,
}

/// What a [`crate::gotrue::KeysetQuery`] got back: a cursor page from a server that pages
/// by cursor, or the first offset page (GoTrue's default size, with the total) from one
/// that does not.
#[derive(Clone, Debug, PartialEq)]
pub enum Listing<U = User> {
    Keyset(KeysetPage<U>),
    Offset(UsersPage<U>),
}

/// A user as the server sent it, with only the id read: an NDJSON export passes it on
/// untouched instead of parsing every field and writing it out again.
#[derive(Clone, Debug)]
pub struct RawUser {
    pub id: UserId,
    pub json: Box<serde_json::value::RawValue>,
}

impl<'de> Deserialize<'de> for RawUser {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        struct Id {
            id: UserId,
        }
        let json = Box::<serde_json::value::RawValue>::deserialize(d)?;
        let Id { id } = serde_json::from_str(json.get()).map_err(serde::de::Error::custom)?;
        Ok(RawUser { id, json })
    }
}

/// What a page of users is read into: the full [`User`], or a [`RawUser`].
pub trait ListedUser: serde::de::DeserializeOwned + Send + 'static {
    fn id(&self) -> UserId;
}

impl ListedUser for User {
    fn id(&self) -> UserId {
        self.id
    }
}

impl ListedUser for RawUser {
    fn id(&self) -> UserId {
        self.id
    }
}

/// The answer of `POST /admin/generate_link`: the user, plus the link and the OTP behind it.
#[derive(Clone, Debug, PartialEq)]
pub struct GeneratedLink {
    /// The link to hand over. Sensitive: whoever has it signs in.
    pub action_link: Secret,
    /// The code that completes the same flow with `/verify`.
    pub email_otp: Secret,
    pub hashed_token: Secret,
    pub verification_type: String,
    pub redirect_to: Option<String>,
    pub user: User,
}

/// `POST /factors` answer for a TOTP enrolment.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct TotpEnrollment {
    pub id: Uuid,
    #[serde(rename = "type", default)]
    pub factor_type: String,
    #[serde(default)]
    pub friendly_name: Option<String>,
    #[serde(default)]
    pub totp: Option<TotpDetails>,
}

#[derive(Clone, PartialEq, Deserialize)]
pub struct TotpDetails {
    #[serde(default)]
    pub qr_code: String,
    pub secret: Secret,
    #[serde(default)]
    pub uri: Secret,
}

impl fmt::Debug for TotpDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TotpDetails").finish_non_exhaustive()
    }
}

/// One entry of `GET /admin/audit`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: Uuid,
    #[serde(default)]
    pub payload: AuditPayload,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub ip_address: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditPayload {
    #[serde(default)]
    pub actor_id: Option<String>,
    #[serde(default)]
    pub actor_username: Option<String>,
    #[serde(default)]
    pub actor_name: Option<String>,
    #[serde(default)]
    pub actor_via_sso: Option<bool>,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub log_type: String,
    #[serde(default)]
    pub traits: Option<Value>,
}

/// One page of the audit log.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    pub total: Option<u64>,
    pub next_page: Option<u32>,
    pub last_page: Option<u32>,
}

/// A message the demo server would have sent (`GET /demo/outbox`; not part of GoTrue).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub id: u64,
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
    /// `confirmation`, `invite`, `magiclink`, `recovery`, `email_change`, `otp_email`,
    /// `otp_sms`, `phone_change`.
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub otp: Option<String>,
    #[serde(default)]
    pub user_id: Option<Uuid>,
}

/// `null` in JSON becomes the type's default (GoTrue sends `null` metadata on some paths).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: &str = r#"{
        "id":"4d56fd0f-1111-4bd1-9f32-0d6b7b0d9a01","aud":"authenticated","role":"authenticated",
        "email":"ada@example.com","phone":"","email_confirmed_at":"2024-01-02T03:04:05.123456Z",
        "app_metadata":{"provider":"email","providers":["email","github"]},
        "user_metadata":{"full_name":"Ada Lovelace"},
        "identities":null,"created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-01T00:00:00Z",
        "is_anonymous":false,"some_future_field":{"x":1}
    }"#;

    #[test]
    fn user_keeps_unknown_fields_and_reads_providers() {
        let u: User = serde_json::from_str(USER).unwrap();
        assert_eq!(u.email, "ada@example.com");
        assert_eq!(u.full_name(), Some("Ada Lovelace"));
        assert_eq!(u.providers(), vec!["email", "github"]);
        assert!(u.identities.is_none());
        assert_eq!(u.extra["some_future_field"]["x"], 1);
        let back = serde_json::to_value(&u).unwrap();
        assert_eq!(back["some_future_field"]["x"], 1);
        assert!(u.is_confirmed());
    }

    #[test]
    fn minimal_user_from_an_old_server() {
        let u: User =
            serde_json::from_str(r#"{"id":"4d56fd0f-1111-4bd1-9f32-0d6b7b0d9a01","email":null}"#)
                .unwrap();
        assert_eq!(u.email, "");
        assert_eq!(u.display_name(), "4d56fd0f-1111-4bd1-9f32-0d6b7b0d9a01");
    }

    #[test]
    fn session_expiry_is_computed_when_missing() {
        let s: Session = serde_json::from_str(
            r#"{"access_token":"a","token_type":"bearer","expires_in":3600,"refresh_token":"r"}"#,
        )
        .unwrap();
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let s = s.with_expiry_from(now);
        assert_eq!(s.expires_at, Some(1_700_003_600));
        assert_eq!(s.seconds_left(now), Some(3600));
        assert!(!format!("{s:?}").contains("\"a\""));
    }
}
