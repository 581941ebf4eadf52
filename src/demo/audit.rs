//! The audit log, as GoTrue's `NewAuditLogEntry` writes it
//! (internal/models/audit_log_entry.go) and `GET /admin/audit` reads it
//! (internal/api/audit.go): newest first, `query=author:|action:|type:` as a
//! case-insensitive substring (`ILIKE '%v%'`) on the payload.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;
use uuid::Uuid;

use super::gotime;
use super::model::{JsonMap, User, canonical_map};
use super::pagination::like_matches;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Login,
    Logout,
    UserSignedUp,
    UserInvited,
    UserDeleted,
    UserModified,
    UserRecoveryRequested,
    UserConfirmationRequested,
    UserRepeatedSignUp,
    UserUpdatePassword,
    TokenRevoked,
    TokenRefreshed,
    FactorInProgress,
    FactorUnenrolled,
    FactorDeleted,
    FactorUpdated,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::Logout => "logout",
            Action::UserSignedUp => "user_signedup",
            Action::UserInvited => "user_invited",
            Action::UserDeleted => "user_deleted",
            Action::UserModified => "user_modified",
            Action::UserRecoveryRequested => "user_recovery_requested",
            Action::UserConfirmationRequested => "user_confirmation_requested",
            Action::UserRepeatedSignUp => "user_repeated_signup",
            Action::UserUpdatePassword => "user_updated_password",
            Action::TokenRevoked => "token_revoked",
            Action::TokenRefreshed => "token_refreshed",
            Action::FactorInProgress => "factor_in_progress",
            Action::FactorUnenrolled => "factor_unenrolled",
            Action::FactorDeleted => "factor_deleted",
            Action::FactorUpdated => "factor_updated",
        }
    }

    /// GoTrue's `ActionLogTypeMap`.
    pub fn log_type(self) -> &'static str {
        match self {
            Action::Login | Action::Logout => "account",
            Action::UserSignedUp | Action::UserInvited | Action::UserDeleted => "team",
            Action::TokenRevoked | Action::TokenRefreshed => "token",
            Action::UserModified
            | Action::UserRecoveryRequested
            | Action::UserConfirmationRequested
            | Action::UserRepeatedSignUp
            | Action::UserUpdatePassword => "user",
            Action::FactorInProgress
            | Action::FactorUnenrolled
            | Action::FactorDeleted
            | Action::FactorUpdated => "factor",
        }
    }
}

/// Who did it: a user, or an admin token (GoTrue uses a user with a nil id
/// and the token's role as the email).
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: Uuid,
    pub username: String,
    pub name: Option<String>,
}

impl Actor {
    pub fn user(u: &User) -> Self {
        let username = if u.phone.is_empty() {
            u.email.clone()
        } else {
            u.phone.clone()
        };
        Actor {
            id: u.id,
            username,
            name: u.full_name().map(str::to_string),
        }
    }

    pub fn admin(role: &str) -> Self {
        Actor {
            id: Uuid::nil(),
            username: role.to_string(),
            name: None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct AuditEntry {
    pub id: Uuid,
    pub payload: JsonMap,
    pub created_at: DateTime<Utc>,
    pub ip_address: String,
}

impl Serialize for AuditEntry {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("payload", &self.payload)?;
        m.serialize_entry("created_at", &gotime::format(&self.created_at))?;
        m.serialize_entry("ip_address", &self.ip_address)?;
        m.end()
    }
}

/// Which payload fields a `query` scope searches.
pub fn scope_columns(scope: &str) -> Option<&'static [&'static str]> {
    match scope {
        "author" => Some(&["actor_username", "actor_name"]),
        "action" => Some(&["action"]),
        "type" => Some(&["log_type"]),
        _ => None,
    }
}

#[derive(Default)]
pub struct AuditLog {
    /// Oldest first.
    entries: Vec<AuditEntry>,
}

impl AuditLog {
    pub fn record(
        &mut self,
        actor: &Actor,
        action: Action,
        traits: Option<JsonMap>,
        ip: &str,
        at: DateTime<Utc>,
    ) {
        let mut payload = JsonMap::new();
        payload.insert("action".into(), Value::String(action.as_str().into()));
        payload.insert("actor_id".into(), Value::String(actor.id.to_string()));
        if let Some(name) = &actor.name {
            payload.insert("actor_name".into(), Value::String(name.clone()));
        }
        payload.insert(
            "actor_username".into(),
            Value::String(actor.username.clone()),
        );
        payload.insert("actor_via_sso".into(), Value::Bool(false));
        payload.insert("log_type".into(), Value::String(action.log_type().into()));
        if let Some(t) = traits {
            payload.insert("traits".into(), Value::Object(canonical_map(t)));
        }
        let entry = AuditEntry {
            id: Uuid::new_v4(),
            payload,
            created_at: at,
            ip_address: ip.to_string(),
        };
        // Seeded history may be older than the newest entry; keep order.
        let pos = self
            .entries
            .partition_point(|e| e.created_at <= entry.created_at);
        self.entries.insert(pos, entry);
    }

    /// Entries newest first, filtered like `FindAuditLogEntries`.
    pub fn search(&self, columns: &[&str], value: &str) -> Vec<&AuditEntry> {
        let pattern = format!("%{value}%");
        self.entries
            .iter()
            .rev()
            .filter(|e| {
                columns.is_empty()
                    || value.is_empty()
                    || columns.iter().any(|c| {
                        e.payload
                            .get(*c)
                            .map(|v| match v {
                                Value::String(s) => s.clone(),
                                other => other.to_string(),
                            })
                            .is_some_and(|s| like_matches(&pattern, &s, true))
                    })
            })
            .collect()
    }
}
