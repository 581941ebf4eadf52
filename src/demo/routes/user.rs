//! The signed-in user: `GET/PUT /user` (internal/api/user.go) and MFA
//! enrolment, `POST /factors`, `DELETE /factors/{id}` (mfa.go).

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::super::audit::{Action, Actor};
use super::super::errors::{ApiError, ApiResult};
use super::super::gotime;
use super::super::jwt;
use super::super::model::{Factor, FactorStatus, JsonMap, merge_metadata};
use super::super::outbox::Draft;
use super::super::pagination::{Query, go_query_escape};
use super::super::passwords::PasswordHash;
use super::super::validate;
use super::common::{self, Shared, object_or_default};
use super::sends::{self, SmsPurpose};

pub async fn get_user(State(st): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    let caller = common::require_user(&st, &headers)?;
    let token_aud = jwt::claim_aud(&caller.claims);
    let request_aud = headers
        .get("x-jwt-aud")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .or_else(|| token_aud.clone())
        .unwrap_or_else(|| "authenticated".into());
    if token_aud.as_deref() != Some(request_aud.as_str()) {
        return Err(ApiError::validation(
            "Token audience doesn't match request audience",
        ));
    }
    let db = st.read();
    let user = db
        .users
        .get(&caller.user_id)
        .ok_or_else(common::user_not_found)?;
    common::ok(&user.view(true))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct UserUpdate {
    email: String,
    password: Option<String>,
    nonce: String,
    data: Option<Value>,
    app_metadata: Option<Value>,
    phone: String,
    channel: String,
}

pub async fn put_user(
    State(st): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> ApiResult<Response> {
    let caller = common::require_user(&st, &headers)?;
    let mut p: UserUpdate = common::parse_body(&body)?;
    let s = &st.settings;
    if !p.email.is_empty() {
        p.email = validate::email(&p.email)?;
    }
    if !p.phone.is_empty() {
        p.phone = validate::phone(&p.phone)?;
        if p.channel.is_empty() {
            p.channel = "sms".into();
        }
        if p.channel != "sms" {
            return Err(ApiError::validation(
                "Invalid channel, supported values are 'sms' or 'whatsapp'",
            ));
        }
    }
    if let Some(pw) = &p.password {
        validate::password_strength(pw, s.password_min_length)?;
    }
    let redirect = common::referrer(s, &headers, &Query::from_uri(&uri));
    let now = gotime::now();
    let current = st
        .read()
        .users
        .get(&caller.user_id)
        .map(Cow::into_owned)
        .ok_or_else(common::user_not_found)?;
    if p.app_metadata.is_some() && !(current.aud == "authenticated" && current.role == "admin") {
        return Err(ApiError::forbidden(
            "not_admin",
            "Updating app_metadata requires admin privileges",
        ));
    }
    let aal2 = caller
        .session_id
        .and_then(|sid| st.read().sessions.get(&sid).map(|s| s.aal == "aal2"))
        .unwrap_or(false);
    let changes_secret = p.password.as_deref().is_some_and(|pw| !pw.is_empty())
        || (!p.email.is_empty() && p.email != current.email)
        || (!p.phone.is_empty() && p.phone != current.phone);
    if current.has_verified_factor() && !aal2 && changes_secret {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "insufficient_aal",
            "AAL2 session is required to update email or password when MFA is enabled.",
        ));
    }
    let mut db = st.write();
    if !p.email.is_empty()
        && p.email != current.email
        && db.users.email_taken(&p.email, Some(current.id))
    {
        return Err(ApiError::unprocessable(
            "email_exists",
            "A user with this email address has already been registered",
        ));
    }
    if !p.phone.is_empty()
        && p.phone != current.phone
        && db.users.phone_taken(&p.phone, Some(current.id))
    {
        return Err(ApiError::unprocessable(
            "phone_exists",
            "A user with this phone number has already been registered",
        ));
    }
    let new_hash = match p.password.as_deref() {
        Some(pw) if !pw.is_empty() => {
            if current.password.as_ref().is_some_and(|h| h.verify(pw)) {
                return Err(ApiError::unprocessable(
                    "same_password",
                    "New password should be different from the old password.",
                ));
            }
            Some(Some(PasswordHash::new(pw)))
        }
        Some(_) => Some(None),
        None => None,
    };
    let data = p.data.as_ref().map(|_| object_or_default(&p.data));
    let app = p
        .app_metadata
        .as_ref()
        .map(|_| object_or_default(&p.app_metadata));
    let outcome = db.users.update(
        &caller.user_id,
        |u| -> ApiResult<(Vec<Draft>, Vec<Action>)> {
            let mut drafts = Vec::new();
            let mut actions = Vec::new();
            if let Some(hash) = new_hash.clone() {
                u.set_password(hash, now);
                actions.push(Action::UserUpdatePassword);
            }
            if let Some(d) = &data {
                merge_metadata(&mut u.user_metadata, d);
            }
            if let Some(a) = &app {
                merge_metadata(&mut u.app_metadata, a);
            }
            if !p.email.is_empty() && p.email != u.email {
                drafts.extend(sends::email_change(s, u, &p.email, &redirect, now)?);
            }
            if !p.phone.is_empty() && p.phone != u.phone {
                if s.phone_autoconfirm {
                    let phone = p.phone.clone();
                    let mut upd = JsonMap::new();
                    upd.insert("phone".into(), Value::String(phone.clone()));
                    upd.insert("phone_verified".into(), Value::Bool(true));
                    u.update_identity("phone", &upd, now);
                    u.phone = phone;
                    u.phone_confirmed_at = Some(now);
                } else {
                    let (d, _) = sends::sms(s, u, &p.phone.clone(), SmsPurpose::PhoneChange, now)?;
                    drafts.push(d);
                }
            }
            actions.push(Action::UserModified);
            u.updated_at = now;
            Ok((drafts, actions))
        },
    );
    let (drafts, actions) = match outcome {
        Some(Ok(r)) => r?,
        Some(Err(_)) => {
            return Err(ApiError::unprocessable(
                "phone_exists",
                "A user with this phone number has already been registered",
            ));
        }
        None => return Err(common::user_not_found()),
    };
    if new_hash.is_some() {
        match caller.session_id {
            Some(sid) => db.sessions.logout_others(&caller.user_id, &sid),
            None => db.sessions.logout_user(&caller.user_id),
        }
    }
    let user = db
        .users
        .get(&caller.user_id)
        .map(Cow::into_owned)
        .ok_or_else(common::user_not_found)?;
    let actor = Actor::user(&user);
    for a in actions {
        st.log(&actor, a, None, now);
    }
    for d in drafts {
        st.send(d, now);
    }
    let _ = &p.nonce;
    common::ok(&user.view(true))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EnrollParams {
    friendly_name: String,
    factor_type: String,
    issuer: String,
    phone: String,
}

/// A random base32 secret (20 bytes, as pquerna/otp makes them).
fn totp_secret() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let bytes: [u8; 20] = rand::random();
    let mut out = String::with_capacity(32);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((buffer >> bits) & 31) as usize] as char);
        }
    }
    out
}

pub async fn enroll_factor(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let caller = common::require_user(&st, &headers)?;
    if caller.claims.get("is_anonymous").and_then(Value::as_bool) == Some(true) {
        return Err(ApiError::forbidden(
            "no_authorization",
            "Anonymous user not allowed to perform these actions",
        ));
    }
    let p: EnrollParams = common::parse_body(&body)?;
    let factor_type = p.factor_type.as_str();
    if !matches!(factor_type, "totp" | "phone") {
        return Err(ApiError::validation(
            "factor_type needs to be totp, phone or webauthn",
        ));
    }
    let phone = if factor_type == "phone" {
        validate::phone(&p.phone)
            .map_err(|_| ApiError::validation("Invalid phone number format (E.164 required)"))?
    } else {
        String::new()
    };
    let now = gotime::now();
    let mut db = st.write();
    let user = db
        .users
        .get(&caller.user_id)
        .map(Cow::into_owned)
        .ok_or_else(common::user_not_found)?;
    // validateFactors (internal/api/mfa.go): an empty name is a name too.
    if user
        .factors
        .iter()
        .any(|f| f.friendly_name == p.friendly_name)
    {
        return Err(ApiError::unprocessable(
            "mfa_factor_name_conflict",
            format!(
                "A factor with the friendly name \"{}\" for this user already exists",
                p.friendly_name
            ),
        ));
    }
    let factor = Factor {
        id: Uuid::new_v4(),
        created_at: now,
        updated_at: now,
        status: FactorStatus::Unverified,
        friendly_name: p.friendly_name.clone(),
        factor_type: factor_type.to_string(),
        secret: if factor_type == "totp" {
            totp_secret()
        } else {
            String::new()
        },
        phone: phone.clone(),
        last_challenged_at: None,
    };
    let added = factor.clone();
    db.users
        .update(&caller.user_id, move |u| u.factors.push(added));
    let mut traits = JsonMap::new();
    traits.insert("factor_id".into(), Value::String(factor.id.to_string()));
    traits.insert("factor_type".into(), Value::String(factor_type.to_string()));
    st.log(
        &Actor::user(&user),
        Action::FactorInProgress,
        Some(traits),
        now,
    );
    if factor_type == "phone" {
        return common::ok(&json!({
            "id": factor.id,
            "type": "phone",
            "friendly_name": factor.friendly_name,
            "phone": phone,
        }));
    }
    let issuer = if p.issuer.is_empty() {
        url::Url::parse(&st.settings.site_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
            .unwrap_or_else(|| "localhost".into())
    } else {
        p.issuer.clone()
    };
    let account = if user.email.is_empty() {
        user.phone.clone()
    } else {
        user.email.clone()
    };
    let uri = format!(
        "otpauth://totp/{}:{}?algorithm=SHA1&digits=6&issuer={}&period=30&secret={}",
        go_query_escape(&issuer).replace('+', "%20"),
        go_query_escape(&account).replace('+', "%20"),
        go_query_escape(&issuer),
        factor.secret
    );
    // The demo has no QR encoder: an SVG placeholder that carries the URI.
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"200\"><rect width=\"200\" height=\"200\" fill=\"#fff\"/><text x=\"10\" y=\"100\" font-size=\"10\">demo TOTP: {}</text></svg>",
        factor.secret
    );
    let qr = format!("data:image/svg+xml;utf-8,{svg}");
    common::ok(&json!({
        "id": factor.id,
        "type": "totp",
        "friendly_name": factor.friendly_name,
        "totp": { "qr_code": qr, "secret": factor.secret, "uri": uri },
    }))
}

pub async fn unenroll_factor(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(factor_id): Path<String>,
) -> ApiResult<Response> {
    let caller = common::require_user(&st, &headers)?;
    let factor_id = Uuid::parse_str(&factor_id)
        .map_err(|_| ApiError::not_found("validation_failed", "factor_id must be an UUID"))?;
    let now = gotime::now();
    let mut db = st.write();
    let user = db
        .users
        .get(&caller.user_id)
        .map(Cow::into_owned)
        .ok_or_else(common::user_not_found)?;
    let factor = user
        .factors
        .iter()
        .find(|f| f.id == factor_id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("mfa_factor_not_found", "Factor not found"))?;
    let aal2 = caller
        .session_id
        .and_then(|sid| db.sessions.get(&sid).map(|s| s.aal == "aal2"))
        .unwrap_or(false);
    if factor.status == FactorStatus::Verified && !aal2 {
        return Err(ApiError::unprocessable(
            "insufficient_aal",
            "AAL2 required to unenroll verified factor",
        ));
    }
    db.users
        .update(&caller.user_id, |u| u.factors.retain(|f| f.id != factor_id));
    let mut traits = JsonMap::new();
    traits.insert("factor_id".into(), Value::String(factor_id.to_string()));
    traits.insert("factor_status".into(), json!(factor.status));
    traits.insert("user_id".into(), Value::String(user.id.to_string()));
    st.log(
        &Actor::user(&user),
        Action::FactorUnenrolled,
        Some(traits),
        now,
    );
    common::ok(&json!({ "id": factor_id }))
}
