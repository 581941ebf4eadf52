//! The records the demo keeps (users, identities, MFA factors) and their JSON
//! as GoTrue renders them (internal/models/{user,identity,factor}.go): field
//! order of the Go structs, `omitempty` fields left out, `email`/`phone` as
//! `""` when unset, metadata keys sorted like a Go map.

use chrono::{DateTime, Utc};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::gotime;
use super::passwords::PasswordHash;

pub type JsonMap = Map<String, Value>;

/// Recursively sorts object keys, as Go's `json.Marshal` does for maps.
pub fn canonical(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(canonical_map(map)),
        Value::Array(items) => Value::Array(items.into_iter().map(canonical).collect()),
        other => other,
    }
}

pub fn canonical_map(map: JsonMap) -> JsonMap {
    if is_canonical_map(&map) {
        return map;
    }
    let mut entries: Vec<(String, Value)> = map.into_iter().collect();
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    entries
        .into_iter()
        .map(|(k, v)| (k, canonical(v)))
        .collect()
}

fn is_canonical(v: &Value) -> bool {
    match v {
        Value::Object(m) => is_canonical_map(m),
        Value::Array(items) => items.iter().all(is_canonical),
        _ => true,
    }
}

fn is_canonical_map(m: &JsonMap) -> bool {
    let mut keys = m.keys();
    let mut prev = match keys.next() {
        Some(k) => k,
        None => return true,
    };
    for k in keys {
        if k <= prev {
            return false;
        }
        prev = k;
    }
    m.values().all(is_canonical)
}

/// GoTrue's `UpdateUserMetaData` / `UpdateAppMetaData`: merge, a `null`
/// removes the key.
pub fn merge_metadata(target: &mut JsonMap, updates: &JsonMap) {
    for (k, v) in updates {
        if v.is_null() {
            target.shift_remove(k);
        } else {
            target.insert(k.clone(), v.clone());
        }
    }
    let sorted = canonical_map(std::mem::take(target));
    *target = sorted;
}

/// An identity's `identity_data`. Email and phone identities hold the same
/// five keys for every user; those are kept compact and built into a map
/// only when rendered or changed (100k users would otherwise carry 100k
/// small maps).
#[derive(Clone, Debug, PartialEq)]
pub enum IdentityData {
    /// `{email?, email_verified, phone?, phone_verified, sub}`.
    Standard {
        email: Option<Box<str>>,
        phone: Option<Box<str>>,
        email_verified: bool,
        phone_verified: bool,
        sub: Uuid,
    },
    Map(JsonMap),
}

impl IdentityData {
    /// Stores `map` compactly when it has exactly the standard shape.
    pub fn from_map(map: JsonMap) -> Self {
        let standard = (|| {
            let allowed = ["email", "email_verified", "phone", "phone_verified", "sub"];
            if !map.keys().all(|k| allowed.contains(&k.as_str())) {
                return None;
            }
            let sub = Uuid::parse_str(map.get("sub")?.as_str()?).ok()?;
            if map.get("sub")?.as_str()? != sub.to_string() {
                return None;
            }
            let text = |k: &str| -> Option<Option<Box<str>>> {
                match map.get(k) {
                    None => Some(None),
                    Some(Value::String(s)) if !s.is_empty() && *s == s.to_lowercase() => {
                        Some(Some(s.as_str().into()))
                    }
                    _ => None,
                }
            };
            Some(IdentityData::Standard {
                email: text("email")?,
                phone: text("phone")?,
                email_verified: map.get("email_verified")?.as_bool()?,
                phone_verified: map.get("phone_verified")?.as_bool()?,
                sub,
            })
        })();
        standard.unwrap_or_else(|| IdentityData::Map(canonical_map(map)))
    }

    /// The data as a (sorted) map.
    pub fn to_map(&self) -> JsonMap {
        match self {
            IdentityData::Map(m) => m.clone(),
            IdentityData::Standard {
                email,
                phone,
                email_verified,
                phone_verified,
                sub,
            } => {
                let mut m = JsonMap::new();
                if let Some(e) = email {
                    m.insert("email".into(), Value::String(e.to_string()));
                }
                m.insert("email_verified".into(), Value::Bool(*email_verified));
                if let Some(p) = phone {
                    m.insert("phone".into(), Value::String(p.to_string()));
                }
                m.insert("phone_verified".into(), Value::Bool(*phone_verified));
                m.insert("sub".into(), Value::String(sub.to_string()));
                m
            }
        }
    }

    /// For changing: turns compact data into a map first.
    pub fn make_mut(&mut self) -> &mut JsonMap {
        if let IdentityData::Standard { .. } = self {
            *self = IdentityData::Map(self.to_map());
        }
        match self {
            IdentityData::Map(m) => m,
            IdentityData::Standard { .. } => unreachable!("converted above"),
        }
    }

    pub fn email(&self) -> Option<String> {
        match self {
            IdentityData::Standard { email, .. } => email.as_deref().map(str::to_string),
            IdentityData::Map(m) => m
                .get("email")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_lowercase),
        }
    }

    pub fn is_empty(&self) -> bool {
        matches!(self, IdentityData::Map(m) if m.is_empty())
    }

    /// Empties it (soft delete).
    pub fn clear(&mut self) {
        *self = IdentityData::Map(JsonMap::new());
    }
}

#[derive(Clone, Debug)]
pub struct Identity {
    pub identity_id: Uuid,
    /// The provider's subject (`id` in JSON).
    pub provider_id: String,
    pub user_id: Uuid,
    pub identity_data: IdentityData,
    pub provider: String,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Identity {
    /// GoTrue's generated `email` column: the lower-cased `identity_data.email`.
    pub fn email(&self) -> Option<String> {
        self.identity_data.email()
    }

    /// `structs.Map(provider.Claims{Subject, Email, Phone, EmailVerified, PhoneVerified})`
    /// for the email and phone providers.
    pub fn standard_data(
        sub: Uuid,
        email: Option<&str>,
        phone: Option<&str>,
        email_verified: bool,
        phone_verified: bool,
    ) -> JsonMap {
        let mut m = JsonMap::new();
        if let Some(e) = email.filter(|e| !e.is_empty()) {
            m.insert("email".into(), Value::String(e.to_lowercase()));
        }
        m.insert("email_verified".into(), Value::Bool(email_verified));
        if let Some(p) = phone.filter(|p| !p.is_empty()) {
            m.insert("phone".into(), Value::String(p.to_string()));
        }
        m.insert("phone_verified".into(), Value::Bool(phone_verified));
        m.insert("sub".into(), Value::String(sub.to_string()));
        canonical_map(m)
    }

    pub fn new(
        user_id: Uuid,
        provider: &str,
        provider_id: String,
        data: JsonMap,
        at: DateTime<Utc>,
    ) -> Self {
        Identity {
            identity_id: Uuid::new_v4(),
            provider_id,
            user_id,
            identity_data: IdentityData::from_map(data),
            provider: provider.to_string(),
            last_sign_in_at: Some(at),
            created_at: at,
            updated_at: at,
        }
    }
}

impl Serialize for Identity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("identity_id", &self.identity_id)?;
        m.serialize_entry("id", &self.provider_id)?;
        m.serialize_entry("user_id", &self.user_id)?;
        if !self.identity_data.is_empty() {
            m.serialize_entry("identity_data", &self.identity_data.to_map())?;
        }
        m.serialize_entry("provider", &self.provider)?;
        if let Some(t) = &self.last_sign_in_at {
            m.serialize_entry("last_sign_in_at", &gotime::format(t))?;
        }
        m.serialize_entry("created_at", &gotime::format(&self.created_at))?;
        m.serialize_entry("updated_at", &gotime::format(&self.updated_at))?;
        if let Some(e) = self.email() {
            m.serialize_entry("email", &e)?;
        }
        m.end()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactorStatus {
    Verified,
    Unverified,
}

#[derive(Clone, Debug)]
pub struct Factor {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub status: FactorStatus,
    pub friendly_name: String,
    pub factor_type: String,
    pub secret: String,
    pub phone: String,
    pub last_challenged_at: Option<DateTime<Utc>>,
}

impl Serialize for Factor {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", &self.id)?;
        m.serialize_entry("created_at", &gotime::format(&self.created_at))?;
        m.serialize_entry("updated_at", &gotime::format(&self.updated_at))?;
        m.serialize_entry("status", &self.status)?;
        if !self.friendly_name.is_empty() {
            m.serialize_entry("friendly_name", &self.friendly_name)?;
        }
        m.serialize_entry("factor_type", &self.factor_type)?;
        m.serialize_entry("phone", &self.phone)?;
        m.serialize_entry(
            "last_challenged_at",
            &self.last_challenged_at.as_ref().map(gotime::format),
        )?;
        m.end()
    }
}

/// One user, with every column GoTrue keeps that the demo needs.
#[derive(Clone, Debug)]
pub struct User {
    pub id: Uuid,
    pub aud: String,
    pub role: String,
    /// Stored lower-case; empty when unset.
    pub email: String,
    /// Stored without `+`; empty when unset.
    pub phone: String,
    pub password: Option<PasswordHash>,
    pub email_confirmed_at: Option<DateTime<Utc>>,
    pub invited_at: Option<DateTime<Utc>>,
    pub phone_confirmed_at: Option<DateTime<Utc>>,
    pub confirmation_token: String,
    pub confirmation_sent_at: Option<DateTime<Utc>>,
    pub recovery_token: String,
    pub recovery_sent_at: Option<DateTime<Utc>>,
    pub email_change_token_current: String,
    pub email_change_token_new: String,
    pub email_change: String,
    pub email_change_sent_at: Option<DateTime<Utc>>,
    pub email_change_confirm_status: u8,
    pub phone_change_token: String,
    pub phone_change: String,
    pub phone_change_sent_at: Option<DateTime<Utc>>,
    pub reauthentication_sent_at: Option<DateTime<Utc>>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub app_metadata: JsonMap,
    pub user_metadata: JsonMap,
    pub factors: Vec<Factor>,
    pub identities: Vec<Identity>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub banned_until: Option<DateTime<Utc>>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub is_anonymous: bool,
}

impl User {
    /// A blank user as `models.NewUser` makes it (the caller fills in the rest).
    pub fn blank(id: Uuid, at: DateTime<Utc>) -> Self {
        User {
            id,
            aud: "authenticated".into(),
            role: "authenticated".into(),
            email: String::new(),
            phone: String::new(),
            password: None,
            email_confirmed_at: None,
            invited_at: None,
            phone_confirmed_at: None,
            confirmation_token: String::new(),
            confirmation_sent_at: None,
            recovery_token: String::new(),
            recovery_sent_at: None,
            email_change_token_current: String::new(),
            email_change_token_new: String::new(),
            email_change: String::new(),
            email_change_sent_at: None,
            email_change_confirm_status: 0,
            phone_change_token: String::new(),
            phone_change: String::new(),
            phone_change_sent_at: None,
            reauthentication_sent_at: None,
            last_sign_in_at: None,
            app_metadata: JsonMap::new(),
            user_metadata: JsonMap::new(),
            factors: Vec::new(),
            identities: Vec::new(),
            created_at: at,
            updated_at: at,
            banned_until: None,
            deleted_at: None,
            is_anonymous: false,
        }
    }

    pub fn is_confirmed(&self) -> bool {
        self.email_confirmed_at.is_some()
    }

    pub fn is_phone_confirmed(&self) -> bool {
        self.phone_confirmed_at.is_some()
    }

    /// `banned_until` in the future.
    pub fn is_banned(&self, now: DateTime<Utc>) -> bool {
        self.banned_until.is_some_and(|t| now < t)
    }

    /// The generated `confirmed_at` column: the earlier confirmation.
    pub fn confirmed_at(&self) -> Option<DateTime<Utc>> {
        match (self.email_confirmed_at, self.phone_confirmed_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn full_name(&self) -> Option<&str> {
        self.user_metadata.get("full_name").and_then(Value::as_str)
    }

    pub fn has_verified_factor(&self) -> bool {
        self.factors
            .iter()
            .any(|f| f.status == FactorStatus::Verified)
    }

    /// GoTrue's `UpdateAppMetaDataProviders`: providers of the identities,
    /// first one as `provider`.
    pub fn refresh_providers(&mut self) {
        let mut providers: Vec<String> = Vec::new();
        for i in &self.identities {
            if !providers.contains(&i.provider) {
                providers.push(i.provider.clone());
            }
        }
        let mut update = JsonMap::new();
        if let Some(first) = providers.first() {
            update.insert("provider".into(), Value::String(first.clone()));
        }
        update.insert(
            "providers".into(),
            Value::Array(providers.into_iter().map(Value::String).collect()),
        );
        merge_metadata(&mut self.app_metadata, &update);
    }

    /// `User.Confirm`: email confirmed, confirmation token spent,
    /// `user_metadata.email_verified = true`.
    pub fn confirm(&mut self, now: DateTime<Utc>) {
        self.confirmation_token.clear();
        self.email_confirmed_at = Some(now);
        let mut update = JsonMap::new();
        update.insert("email_verified".into(), Value::Bool(true));
        merge_metadata(&mut self.user_metadata, &update);
        self.updated_at = now;
    }

    /// `User.ConfirmPhone`.
    pub fn confirm_phone(&mut self, now: DateTime<Utc>) {
        self.confirmation_token.clear();
        self.phone_confirmed_at = Some(now);
        self.updated_at = now;
    }

    /// `User.UpdatePassword`: a new password spends every pending token.
    /// (Ending sessions is the caller's job.)
    pub fn set_password(&mut self, hash: Option<PasswordHash>, now: DateTime<Utc>) {
        self.password = hash;
        self.confirmation_token.clear();
        self.confirmation_sent_at = None;
        self.recovery_token.clear();
        self.recovery_sent_at = None;
        self.email_change_token_current.clear();
        self.email_change_token_new.clear();
        self.email_change_sent_at = None;
        self.phone_change_token.clear();
        self.phone_change_sent_at = None;
        self.reauthentication_sent_at = None;
        self.updated_at = now;
    }

    /// Sets `email_verified`/`phone_verified` (or other keys) on one identity.
    pub fn update_identity(&mut self, provider: &str, updates: &JsonMap, now: DateTime<Utc>) {
        if let Some(identity) = self.identity_mut(provider) {
            merge_metadata(identity.identity_data.make_mut(), updates);
            identity.updated_at = now;
        }
    }

    pub fn identity_mut(&mut self, provider: &str) -> Option<&mut Identity> {
        self.identities.iter_mut().find(|i| i.provider == provider)
    }

    /// The user as JSON: `identities` is `null` when `with_identities` is
    /// false (the admin list does not load them).
    pub fn view(&self, with_identities: bool) -> UserJson<'_> {
        UserJson {
            user: self,
            with_identities,
            confirmed_at: self.confirmed_at(),
        }
    }

    /// The answer of a handler that wrote the user: `confirmed_at` is a generated column
    /// GoTrue's struct only gets when it reads the row (`rw:"r"` in models/user.go), so the
    /// answer shows it as it was loaded: absent for a user just created, and the old value
    /// for one just updated.
    pub fn view_as_loaded(&self, confirmed_at: Option<DateTime<Utc>>) -> UserJson<'_> {
        UserJson {
            user: self,
            with_identities: true,
            confirmed_at,
        }
    }
}

/// Serializes a [`User`] like GoTrue's `models.User`.
pub struct UserJson<'a> {
    user: &'a User,
    with_identities: bool,
    confirmed_at: Option<DateTime<Utc>>,
}

impl UserJson<'_> {
    pub fn to_map(&self) -> JsonMap {
        match serde_json::to_value(self) {
            Ok(Value::Object(m)) => m,
            _ => JsonMap::new(),
        }
    }
}

impl Serialize for UserJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let u = self.user;
        let mut m = s.serialize_map(None)?;
        let opt_time = |m: &mut S::SerializeMap,
                        key: &str,
                        t: &Option<DateTime<Utc>>|
         -> Result<(), S::Error> {
            if let Some(t) = t {
                m.serialize_entry(key, &gotime::format(t))?;
            }
            Ok(())
        };
        m.serialize_entry("id", &u.id)?;
        m.serialize_entry("aud", &u.aud)?;
        m.serialize_entry("role", &u.role)?;
        m.serialize_entry("email", &u.email)?;
        opt_time(&mut m, "email_confirmed_at", &u.email_confirmed_at)?;
        opt_time(&mut m, "invited_at", &u.invited_at)?;
        m.serialize_entry("phone", &u.phone)?;
        opt_time(&mut m, "phone_confirmed_at", &u.phone_confirmed_at)?;
        opt_time(&mut m, "confirmation_sent_at", &u.confirmation_sent_at)?;
        opt_time(&mut m, "confirmed_at", &self.confirmed_at)?;
        opt_time(&mut m, "recovery_sent_at", &u.recovery_sent_at)?;
        if !u.email_change.is_empty() {
            m.serialize_entry("new_email", &u.email_change)?;
        }
        opt_time(&mut m, "email_change_sent_at", &u.email_change_sent_at)?;
        if !u.phone_change.is_empty() {
            m.serialize_entry("new_phone", &u.phone_change)?;
        }
        opt_time(&mut m, "phone_change_sent_at", &u.phone_change_sent_at)?;
        opt_time(
            &mut m,
            "reauthentication_sent_at",
            &u.reauthentication_sent_at,
        )?;
        opt_time(&mut m, "last_sign_in_at", &u.last_sign_in_at)?;
        m.serialize_entry("app_metadata", &u.app_metadata)?;
        m.serialize_entry("user_metadata", &u.user_metadata)?;
        if !u.factors.is_empty() {
            m.serialize_entry("factors", &u.factors)?;
        }
        if self.with_identities {
            m.serialize_entry("identities", &u.identities)?;
        } else {
            m.serialize_entry("identities", &Value::Null)?;
        }
        m.serialize_entry("created_at", &gotime::format(&u.created_at))?;
        m.serialize_entry("updated_at", &gotime::format(&u.updated_at))?;
        opt_time(&mut m, "banned_until", &u.banned_until)?;
        opt_time(&mut m, "deleted_at", &u.deleted_at)?;
        m.serialize_entry("is_anonymous", &u.is_anonymous)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn standard_identity_data_is_compact_and_renders_the_same() {
        let id = Uuid::new_v4();
        let map = Identity::standard_data(id, Some("A@X.io"), None, true, false);
        let data = IdentityData::from_map(map.clone());
        assert!(matches!(data, IdentityData::Standard { .. }));
        assert_eq!(data.to_map(), map);
        assert_eq!(data.email().as_deref(), Some("a@x.io"));
        let mut extra = map.clone();
        extra.insert("full_name".into(), json!("A"));
        assert!(matches!(
            IdentityData::from_map(extra),
            IdentityData::Map(_)
        ));
        let mut changed = data.clone();
        changed
            .make_mut()
            .insert("email_verified".into(), json!(false));
        assert_eq!(changed.to_map()["email_verified"], json!(false));
        changed.clear();
        assert!(changed.is_empty());
    }

    #[test]
    fn merge_removes_nulls_and_sorts() {
        let mut target = match json!({"b": 1, "a": 2}) {
            Value::Object(m) => m,
            _ => JsonMap::new(),
        };
        let updates = match json!({"a": null, "c": {"z": 1, "y": 2}}) {
            Value::Object(m) => m,
            _ => JsonMap::new(),
        };
        merge_metadata(&mut target, &updates);
        assert_eq!(
            serde_json::to_string(&target).unwrap_or_default(),
            r#"{"b":1,"c":{"y":2,"z":1}}"#
        );
    }
}
