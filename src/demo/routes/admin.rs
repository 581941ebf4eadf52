//! `/admin/users` and their factors, after internal/api/admin.go.

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::super::audit::{Action, Actor};
use super::super::errors::{ApiError, ApiResult};
use super::super::gotime;
use super::super::listener::ConnKill;
use super::super::model::{Identity, JsonMap, User, canonical_map, merge_metadata};
use super::super::pagination::{self, Query};
use super::super::passwords::PasswordHash;
use super::super::store::Conflict;
use super::super::validate;
use super::common::{self, Shared, object_or_default};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AdminUserParams {
    id: String,
    aud: String,
    role: String,
    email: String,
    phone: String,
    password: Option<String>,
    password_hash: String,
    email_confirm: bool,
    phone_confirm: bool,
    user_metadata: Option<Value>,
    app_metadata: Option<Value>,
    ban_duration: String,
}

/// `{users:[…], aud}` with the users serialized straight from the table, and in cursor
/// mode `pagination: {next_cursor, has_more}`.
struct ListBody<'a> {
    users: Vec<Cow<'a, User>>,
    aud: &'a str,
    pagination: Option<(Option<String>, bool)>,
}

impl serde::Serialize for ListBody<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        let views: Vec<_> = self.users.iter().map(|u| u.view(false)).collect();
        m.serialize_entry("users", &views)?;
        m.serialize_entry("aud", self.aud)?;
        if let Some((next, has_more)) = &self.pagination {
            let mut p = serde_json::Map::new();
            if let Some(next) = next {
                p.insert("next_cursor".into(), Value::String(next.clone()));
            }
            p.insert("has_more".into(), Value::Bool(*has_more));
            m.serialize_entry("pagination", &p)?;
        }
        m.end()
    }
}

pub async fn list_users(
    State(st): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    let q = Query::from_uri(&uri);
    let ascending = pagination::created_at_ascending(&q)?;
    let filter = q.get("filter");
    let aud = headers
        .get("x-jwt-aud")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .unwrap_or("authenticated")
        .to_string();
    if pagination::wants_keyset(st.settings.cursor_pagination, &q) {
        let keyset = pagination::keyset(&q)?;
        let db = st.read();
        let mut users = db.users.keyset_page(filter, ascending, &keyset);
        let has_more = users.len() > keyset.limit;
        users.truncate(keyset.limit);
        let next = users
            .last()
            .filter(|_| has_more)
            .map(|u| pagination::Cursor {
                created_at: u.created_at,
                id: u.id,
            });
        let body = ListBody {
            users,
            aud: &aud,
            pagination: Some((next.as_ref().map(pagination::Cursor::encode), has_more)),
        };
        let mut response = common::json_response(axum::http::StatusCode::OK, &body).into_response();
        response
            .headers_mut()
            .extend(pagination::keyset_headers(&uri, next.as_ref()));
        return Ok(response);
    }
    let page = pagination::paginate(&q)?;
    let wait = st.faults().offset_latency(page.offset());
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
    let db = st.read();
    let (users, total) = db.users.page(filter, ascending, &page);
    let body = common::json_response(
        axum::http::StatusCode::OK,
        &ListBody {
            users,
            aud: &aud,
            pagination: None,
        },
    );
    let mut response = body.into_response();
    response
        .headers_mut()
        .extend(pagination::headers(&uri, &page, total));
    Ok(response)
}

fn ban_duration(raw: &str) -> ApiResult<Option<chrono::Duration>> {
    if raw.is_empty() {
        return Ok(None);
    }
    if raw == "none" {
        return Ok(Some(chrono::Duration::zero()));
    }
    gotime::parse_duration(raw)
        .map(Some)
        .map_err(|e| ApiError::validation(format!("invalid format for ban duration: {e}")))
}

fn apply_ban(u: &mut User, d: chrono::Duration, now: DateTime<Utc>) {
    u.banned_until = if d.is_zero() {
        None
    } else {
        Some(
            now.checked_add_signed(d)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        )
    };
}

fn user_traits(u: &User) -> JsonMap {
    let mut t = JsonMap::new();
    t.insert("user_email".into(), Value::String(u.email.clone()));
    t.insert("user_id".into(), Value::String(u.id.to_string()));
    t.insert("user_phone".into(), Value::String(u.phone.clone()));
    t
}

/// The error GoTrue passes through from Postgres on a unique violation.
fn unique_violation(conflict: Conflict, id: Uuid, fallback: &str) -> ApiError {
    let (constraint, column, value) = match conflict {
        Conflict::Email(e) => ("users_email_partial_key", "email", e),
        Conflict::Phone(p) => ("users_phone_key", "phone", p),
        Conflict::Id => ("users_pkey", "id", id.to_string()),
    };
    ApiError::Postgres {
        code: "23505".into(),
        message: format!("duplicate key value violates unique constraint \"{constraint}\""),
        detail: Some(format!("Key ({column})=({value}) already exists.")),
        fallback_message: fallback.to_string(),
    }
}

pub async fn create_user(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let admin = common::require_admin(&st, &headers)?;
    let mut p: AdminUserParams = common::parse_body(&body)?;
    let aud = if p.aud.is_empty() {
        "authenticated".to_string()
    } else {
        p.aud.clone()
    };
    if p.email.is_empty() && p.phone.is_empty() {
        return Err(ApiError::validation(
            "Cannot create a user without either an email or phone",
        ));
    }
    let mut providers = Vec::new();
    if !p.email.is_empty() {
        p.email = validate::email(&p.email)?;
        if st.read().users.email_taken(&p.email, None) {
            return Err(ApiError::unprocessable(
                "email_exists",
                "A user with this email address has already been registered",
            ));
        }
        providers.push("email");
    }
    if !p.phone.is_empty() {
        p.phone = validate::phone(&p.phone)?;
        if st.read().users.phone_taken(&p.phone, None) {
            return Err(ApiError::unprocessable(
                "phone_exists",
                "Phone number already registered by another user",
            ));
        }
        providers.push("phone");
    }
    if p.password.is_some() && !p.password_hash.is_empty() {
        return Err(ApiError::validation(
            "Only a password or a password hash should be provided",
        ));
    }
    let password = if !p.password_hash.is_empty() {
        let hash = p.password_hash.clone();
        let parsed = tokio::task::spawn_blocking(move || PasswordHash::from_bcrypt(&hash))
            .await
            .map_err(|_| ApiError::internal("Error creating user"))?;
        parsed.map_err(|_| ApiError::internal("Error creating user"))?
    } else {
        let pw = match p.password.as_deref() {
            Some(pw) if !pw.is_empty() => pw.to_string(),
            _ => format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple()),
        };
        if pw.len() > validate::MAX_PASSWORD_LENGTH {
            return Err(ApiError::validation(
                "bcrypt: password length exceeds 72 bytes",
            ));
        }
        PasswordHash::new(&pw)
    };
    let id = if p.id.is_empty() {
        Uuid::new_v4()
    } else {
        let id = Uuid::parse_str(&p.id)
            .map_err(|_| ApiError::validation("ID must conform to the uuid v4 format"))?;
        if id.is_nil() {
            return Err(ApiError::validation("ID cannot be a nil uuid"));
        }
        id
    };
    let ban = ban_duration(&p.ban_duration)?;
    let now = gotime::now();
    let mut u = User::blank(id, now);
    u.aud = aud;
    u.email = p.email.clone();
    u.phone = p.phone.clone();
    u.password = Some(password);
    u.user_metadata = canonical_map(object_or_default(&p.user_metadata));
    u.app_metadata = canonical_map(
        match json!({"provider": providers[0], "providers": providers}) {
            Value::Object(m) => m,
            _ => JsonMap::new(),
        },
    );
    if !u.email.is_empty() {
        let data = Identity::standard_data(id, Some(&u.email), None, false, false);
        u.identities
            .push(Identity::new(id, "email", id.to_string(), data, now));
    }
    if !u.phone.is_empty() {
        let data = Identity::standard_data(id, None, Some(&u.phone), false, false);
        u.identities
            .push(Identity::new(id, "phone", id.to_string(), data, now));
    }
    if !p.role.is_empty() {
        u.role = p.role.trim().to_string();
    }
    if p.app_metadata.is_some() {
        merge_metadata(&mut u.app_metadata, &object_or_default(&p.app_metadata));
    }
    if p.email_confirm {
        u.confirm(now);
    }
    if p.phone_confirm {
        u.confirm_phone(now);
    }
    if let Some(d) = ban {
        apply_ban(&mut u, d, now);
    }
    u.updated_at = now;
    let traits = user_traits(&u);
    let shown = u.clone();
    let mut db = st.write();
    db.users
        .insert(u)
        .map_err(|c| unique_violation(c, id, "Database error creating new user"))?;
    st.log(
        &Actor::admin(&admin.role),
        Action::UserSignedUp,
        Some(traits),
        now,
    );
    common::ok(&shown.view_as_loaded(None))
}

pub async fn get_user(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(user_id): Path<String>,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    let id = common::parse_user_id(&user_id)?;
    let db = st.read();
    let user = db.users.get(&id).ok_or_else(common::user_not_found)?;
    common::ok(&user.view(true))
}

pub async fn update_user(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(user_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let admin = common::require_admin(&st, &headers)?;
    let id = common::parse_user_id(&user_id)?;
    if st.read().users.get(&id).is_none() {
        return Err(common::user_not_found());
    }
    let mut p: AdminUserParams = common::parse_body(&body)?;
    let s = &st.settings;
    if !p.email.is_empty() {
        p.email = validate::email(&p.email)?;
    }
    if !p.phone.is_empty() {
        p.phone = validate::phone(&p.phone)?;
    }
    let ban = ban_duration(&p.ban_duration)?;
    let new_password = match &p.password {
        Some(pw) => {
            validate::password_strength(pw, s.password_min_length)?;
            Some(if pw.is_empty() {
                None
            } else {
                Some(PasswordHash::new(pw))
            })
        }
        None => None,
    };
    let now = gotime::now();
    let user_meta = p
        .user_metadata
        .as_ref()
        .map(|_| object_or_default(&p.user_metadata));
    let app_meta = p
        .app_metadata
        .as_ref()
        .map(|_| object_or_default(&p.app_metadata));
    let mut db = st.write();
    let updated = db.users.update(&id, |u| {
        let loaded = (u.confirmed_at(), u.identities.clone());
        if !p.role.is_empty() {
            u.role = p.role.trim().to_string();
        }
        if p.email_confirm {
            u.confirm(now);
        }
        if p.phone_confirm {
            u.confirm_phone(now);
        }
        if let Some(hash) = new_password.clone() {
            u.set_password(hash, now);
        }
        if !p.email.is_empty() {
            let mut upd = JsonMap::new();
            upd.insert("email".into(), Value::String(p.email.clone()));
            upd.insert("email_verified".into(), Value::Bool(p.email_confirm));
            if u.identity_mut("email").is_some() {
                u.update_identity("email", &upd, now);
            } else {
                let data =
                    Identity::standard_data(u.id, Some(&p.email), None, p.email_confirm, false);
                u.identities
                    .push(Identity::new(u.id, "email", u.id.to_string(), data, now));
            }
            if u.is_anonymous && p.email_confirm {
                u.is_anonymous = false;
            }
            u.email = p.email.clone();
        }
        if !p.phone.is_empty() {
            let mut upd = JsonMap::new();
            upd.insert("phone".into(), Value::String(p.phone.clone()));
            upd.insert("phone_verified".into(), Value::Bool(p.phone_confirm));
            if u.identity_mut("phone").is_some() {
                u.update_identity("phone", &upd, now);
            } else {
                let data =
                    Identity::standard_data(u.id, None, Some(&p.phone), false, p.phone_confirm);
                u.identities
                    .push(Identity::new(u.id, "phone", u.id.to_string(), data, now));
            }
            if u.is_anonymous && p.phone_confirm {
                u.is_anonymous = false;
            }
            u.phone = p.phone.clone();
        }
        if let Some(a) = &app_meta {
            merge_metadata(&mut u.app_metadata, a);
        }
        if let Some(m) = &user_meta {
            merge_metadata(&mut u.user_metadata, m);
        }
        if let Some(d) = ban {
            apply_ban(u, d, now);
        }
        u.updated_at = now;
        (u.clone(), loaded)
    });
    let (user, (loaded_confirmed_at, loaded_identities)) = match updated {
        Some(Ok(u)) => u,
        Some(Err(conflict)) => return Err(unique_violation(conflict, id, "Error updating user")),
        None => return Err(common::user_not_found()),
    };
    if new_password.is_some() {
        db.sessions.logout_user(&id);
    }
    st.log(
        &Actor::admin(&admin.role),
        Action::UserModified,
        Some(user_traits(&user)),
        now,
    );
    // The answer shows the identities as they were loaded, plus any created here: an
    // updated one changed in the database only (adminUserUpdate, internal/api/admin.go).
    let mut shown = user.clone();
    shown.identities = loaded_identities.clone();
    for i in &user.identities {
        if !loaded_identities.iter().any(|l| l.provider == i.provider) {
            shown.identities.push(i.clone());
        }
    }
    common::ok(&shown.view_as_loaded(loaded_confirmed_at))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DeleteParams {
    should_soft_delete: bool,
}

/// `obfuscateValue`: base64url(sha256(id ‖ value)), unpadded.
fn obfuscate(id: &Uuid, value: &str) -> String {
    let mut h = Sha256::new();
    h.update(id.to_string().as_bytes());
    h.update(value.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(h.finalize())
}

/// `User.SoftDeleteUser` + `SoftDeleteUserIdentities` + factor removal.
fn soft_delete(u: &mut User, now: DateTime<Utc>) {
    let id = u.id;
    u.email = obfuscate(&id, &u.email);
    u.phone = obfuscate(&id, &u.phone).chars().take(15).collect();
    u.email_change = obfuscate(&id, &u.email_change);
    u.phone_change = obfuscate(&id, &u.phone_change).chars().take(15).collect();
    u.password = None;
    u.confirmation_token.clear();
    u.recovery_token.clear();
    u.email_change_token_current.clear();
    u.email_change_token_new.clear();
    u.phone_change_token.clear();
    u.deleted_at = Some(now);
    u.user_metadata = JsonMap::new();
    u.app_metadata = JsonMap::new();
    for identity in u.identities.iter_mut() {
        identity.identity_data.clear();
        identity.provider_id = obfuscate(
            &identity.user_id,
            &format!("{}:{}", identity.provider, identity.provider_id),
        );
    }
    u.factors.clear();
}

pub async fn delete_user(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(user_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    let admin = common::require_admin(&st, &headers)?;
    let id = common::parse_user_id(&user_id)?;
    if st.read().users.get(&id).is_none() {
        return Err(common::user_not_found());
    }
    let p: DeleteParams = if body.is_empty() {
        DeleteParams::default()
    } else {
        common::parse_body(&body)?
    };
    let now = gotime::now();
    let mut db = st.write();
    let user = db
        .users
        .get(&id)
        .map(Cow::into_owned)
        .ok_or_else(common::user_not_found)?;
    st.log(
        &Actor::admin(&admin.role),
        Action::UserDeleted,
        Some(user_traits(&user)),
        now,
    );
    if p.should_soft_delete {
        if user.deleted_at.is_none() {
            let done = db.users.update(&id, |u| soft_delete(u, now));
            if !matches!(done, Some(Ok(()))) {
                return Err(ApiError::internal("Error soft deleting user"));
            }
            db.sessions.logout_user(&id);
        }
    } else {
        db.users.remove(&id);
        db.sessions.logout_user(&id);
        // webauthn_credentials' foreign key: on delete cascade.
        st.surfaces().passkeys.retain(|p| p.user_id != id);
    }
    common::empty_object()
}

pub async fn list_factors(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(user_id): Path<String>,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    let id = common::parse_user_id(&user_id)?;
    let db = st.read();
    let user = db.users.get(&id).ok_or_else(common::user_not_found)?;
    common::ok(&user.factors)
}

fn parse_factor_id(raw: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw)
        .map_err(|_| ApiError::not_found("validation_failed", "factor_id must be an UUID"))
}

fn factor_not_found() -> ApiError {
    ApiError::not_found("mfa_factor_not_found", "Factor not found")
}

pub async fn delete_factor(
    State(st): State<Shared>,
    ConnectInfo(conn): ConnectInfo<ConnKill>,
    headers: HeaderMap,
    Path((user_id, factor_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    let id = common::parse_user_id(&user_id)?;
    let now = gotime::now();
    let mut db = st.write();
    let user = db
        .users
        .get(&id)
        .map(Cow::into_owned)
        .ok_or_else(common::user_not_found)?;
    let factor_id = parse_factor_id(&factor_id)?;
    let factor = user
        .factors
        .iter()
        .find(|f| f.id == factor_id)
        .cloned()
        .ok_or_else(factor_not_found)?;
    db.users
        .update(&id, |u| u.factors.retain(|f| f.id != factor_id));
    let mut traits = JsonMap::new();
    traits.insert("factor_id".into(), Value::String(factor_id.to_string()));
    traits.insert("user_id".into(), Value::String(id.to_string()));
    // adminUserDeleteFactor logs as the factor's user, with the caller's address.
    st.log_from(
        conn.peer.ip(),
        &Actor::user(&user),
        Action::FactorDeleted,
        Some(traits),
        now,
    );
    common::ok(&factor)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FactorUpdate {
    friendly_name: String,
    phone: String,
}

pub async fn update_factor(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path((user_id, factor_id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult<Response> {
    let admin = common::require_admin(&st, &headers)?;
    let id = common::parse_user_id(&user_id)?;
    if st.read().users.get(&id).is_none() {
        return Err(common::user_not_found());
    }
    let factor_id = parse_factor_id(&factor_id)?;
    let p: FactorUpdate = common::parse_body(&body)?;
    let now = gotime::now();
    let mut db = st.write();
    let phone =
        if p.phone.is_empty() {
            None
        } else {
            Some(validate::phone(&p.phone).map_err(|_| {
                ApiError::validation("Invalid phone number format (E.164 required)")
            })?)
        };
    let updated = db
        .users
        .update(&id, |u| {
            let f = u.factors.iter_mut().find(|f| f.id == factor_id)?;
            if !p.friendly_name.is_empty() {
                f.friendly_name = p.friendly_name.clone();
                f.updated_at = now;
            }
            if let (Some(ph), "phone") = (&phone, f.factor_type.as_str()) {
                f.phone = ph.clone();
                f.updated_at = now;
            }
            Some(f.clone())
        })
        .and_then(Result::ok)
        .flatten()
        .ok_or_else(factor_not_found)?;
    let mut traits = JsonMap::new();
    traits.insert("factor_id".into(), Value::String(factor_id.to_string()));
    traits.insert(
        "factor_type".into(),
        Value::String(updated.factor_type.to_string()),
    );
    traits.insert("user_id".into(), Value::String(id.to_string()));
    st.log(
        &Actor::admin(&admin.role),
        Action::FactorUpdated,
        Some(traits),
        now,
    );
    common::ok(&updated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obfuscation_is_gotrue_sized() {
        let id = Uuid::nil();
        assert_eq!(obfuscate(&id, "ada@example.com").len(), 43);
    }
}
