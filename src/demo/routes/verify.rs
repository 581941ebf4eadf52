//! `GET/POST /verify`, after GoTrue's `Verify` (internal/api/verify.go): a
//! code with an email or phone, or a token hash, exchanged for a session.
//! `GET` is what mail links hit: it answers 303 to `redirect_to` with the
//! session (or the error) in the URL fragment.

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::super::audit::{Action, Actor};
use super::super::errors::{ApiError, ApiResult};
use super::super::gotime;
use super::super::mailer;
use super::super::model::{Identity, JsonMap, User};
use super::super::pagination::Query;
use super::super::passwords::PasswordHash;
use super::super::state::{AppState, Db};
use super::super::validate;
use super::common::{self, Shared};

const SINGLE_CONFIRMATION: &str =
    "Confirmation link accepted. Please proceed to confirm link sent to the other email";

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct VerifyParams {
    #[serde(rename = "type")]
    kind: String,
    token: String,
    token_hash: String,
    email: String,
    phone: String,
    redirect_to: String,
}

enum Outcome {
    Session(Value),
    SingleConfirmation,
}

/// How the user and token are found.
enum Lookup {
    /// Only the hash (`token_hash`, or the `token` of a mail link).
    Hash(String),
    /// A code with the email or phone it was sent to.
    Code {
        email: String,
        phone: String,
        code: String,
        hash: String,
    },
}

fn link_invalid() -> ApiError {
    ApiError::forbidden("otp_expired", "Email link is invalid or has expired")
}

fn code_invalid() -> ApiError {
    ApiError::forbidden("otp_expired", "Token has expired or is invalid")
}

pub async fn verify_post(State(st): State<Shared>, body: Bytes) -> ApiResult<Response> {
    let p: VerifyParams = common::parse_body(&body)?;
    if p.kind.is_empty() {
        return Err(ApiError::validation("Verify requires a verification type"));
    }
    if p.token.is_empty() == p.token_hash.is_empty() {
        return Err(ApiError::validation(
            "Verify requires either a token or a token hash",
        ));
    }
    let lookup = if !p.token.is_empty() {
        if !p.phone.is_empty() && p.email.is_empty() {
            let phone = validate::phone(&p.phone)?;
            let hash = mailer::token_hash(&phone, &p.token);
            Lookup::Code {
                email: String::new(),
                phone,
                code: p.token.clone(),
                hash,
            }
        } else if p.phone.is_empty() && !p.email.is_empty() {
            let email = validate::email(&p.email).map_err(|_| {
                ApiError::unprocessable("validation_failed", "Invalid email format")
            })?;
            let hash = mailer::token_hash(&email, &p.token);
            Lookup::Code {
                email,
                phone: String::new(),
                code: p.token.clone(),
                hash,
            }
        } else {
            return Err(ApiError::validation(
                "Only an email address or phone number should be provided on verify",
            ));
        }
    } else {
        if !p.email.is_empty() || !p.phone.is_empty() || !p.redirect_to.is_empty() {
            return Err(ApiError::validation(
                "Only the token_hash and type should be provided",
            ));
        }
        Lookup::Hash(p.token_hash.clone())
    };
    match verify(&st, &p.kind, lookup, gotime::now())? {
        Outcome::Session(v) => common::ok(&v),
        Outcome::SingleConfirmation => common::ok(&json!({
            "msg": SINGLE_CONFIRMATION,
            "code": "200",
        })),
    }
}

pub async fn verify_get(
    State(st): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
) -> ApiResult<Response> {
    let q = Query::from_uri(&uri);
    let token = q.get("token").to_string();
    let kind = q.get("type").to_string();
    let redirect = common::referrer(&st.settings, &headers, &q);
    if kind.is_empty() {
        return Err(ApiError::validation("Verify requires a verification type"));
    }
    if token.is_empty() {
        return Err(ApiError::validation(
            "Verify requires a token or a token hash",
        ));
    }
    let location = match verify(&st, &kind, Lookup::Hash(token), gotime::now()) {
        Ok(Outcome::Session(v)) => {
            let mut frag = Query::default();
            for key in ["access_token", "token_type", "refresh_token"] {
                frag.set(
                    key,
                    v.get(key).and_then(Value::as_str).unwrap_or("").to_string(),
                );
            }
            for key in ["expires_in", "expires_at"] {
                frag.set(
                    key,
                    v.get(key).and_then(Value::as_i64).unwrap_or(0).to_string(),
                );
            }
            frag.set("type", kind.clone());
            format!("{redirect}#{}", frag.encode())
        }
        Ok(Outcome::SingleConfirmation) => {
            let mut frag = Query::default();
            frag.set("message", SINGLE_CONFIRMATION.to_string());
            with_fragment(&redirect, &frag.encode())
        }
        Err(e) => {
            let mut frag = Query::default();
            let oauth = match e.status() {
                StatusCode::BAD_REQUEST => Some("invalid_request"),
                StatusCode::UNAUTHORIZED => Some("unauthorized_client"),
                StatusCode::FORBIDDEN => Some("access_denied"),
                StatusCode::INTERNAL_SERVER_ERROR => Some("server_error"),
                StatusCode::SERVICE_UNAVAILABLE => Some("temporarily_unavailable"),
                _ => None,
            };
            if let Some(o) = oauth {
                frag.set("error", o.to_string());
            }
            frag.set("error_code", e.code().unwrap_or("").to_string());
            frag.set("error_description", e.message().to_string());
            with_fragment(&redirect, &frag.encode())
        }
    };
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response())
}

/// Replaces the fragment of `base`.
fn with_fragment(base: &str, fragment: &str) -> String {
    let without = base.split('#').next().unwrap_or(base);
    format!("{without}#{fragment}")
}

fn expired(sent_at: Option<DateTime<Utc>>, exp: chrono::Duration, now: DateTime<Utc>) -> bool {
    match sent_at {
        Some(t) => t.checked_add_signed(exp).is_none_or(|until| now > until),
        None => true,
    }
}

/// `isOtpValid`.
fn otp_valid(
    actual: &str,
    expected: &str,
    sent_at: Option<DateTime<Utc>>,
    exp: chrono::Duration,
    now: DateTime<Utc>,
) -> bool {
    !expected.is_empty()
        && sent_at.is_some()
        && !expired(sent_at, exp, now)
        && (actual == expected || format!("pkce_{actual}") == expected)
}

fn verify(st: &AppState, kind: &str, lookup: Lookup, now: DateTime<Utc>) -> ApiResult<Outcome> {
    let mut db = st.write();
    let (user_id, kind) = match &lookup {
        Lookup::Hash(hash) => by_hash(st, &db, kind, hash, now)?,
        Lookup::Code {
            email,
            phone,
            code,
            hash,
        } => by_code(st, &db, kind, email, phone, code, hash, now)?,
    };
    let hash = match &lookup {
        Lookup::Hash(h) => h.clone(),
        Lookup::Code { hash, .. } => hash.clone(),
    };
    let s = &st.settings;
    let step = db
        .users
        .update(&user_id, |u| -> ApiResult<(Vec<Action>, bool, bool)> {
            // (audit actions, single confirmation, all sessions end)
            let mut actions = Vec::new();
            let mut logout_all = false;
            match kind.as_str() {
                "signup" | "invite" => {
                    if u.password.is_none() && u.invited_at.is_some() {
                        u.set_password(Some(PasswordHash::new(&Uuid::new_v4().to_string())), now);
                        logout_all = true;
                    }
                    actions.push(Action::UserSignedUp);
                    u.confirm(now);
                    let email = u.email.clone();
                    for i in u.identities.iter_mut() {
                        if !email.is_empty() && i.email().as_deref() == Some(email.as_str()) {
                            let mut upd = JsonMap::new();
                            upd.insert("email_verified".into(), Value::Bool(true));
                            super::super::model::merge_metadata(i.identity_data.make_mut(), &upd);
                            i.updated_at = now;
                        }
                    }
                }
                "recovery" | "magiclink" => {
                    u.recovery_token.clear();
                    if u.is_confirmed() {
                        actions.push(Action::Login);
                    } else {
                        actions.push(Action::UserSignedUp);
                        u.confirm(now);
                    }
                }
                "email_change" => {
                    if !s.mailer_autoconfirm
                        && s.secure_email_change
                        && u.email_change_confirm_status == 0
                        && !u.email.is_empty()
                    {
                        u.email_change_confirm_status = 1;
                        if hash == u.email_change_token_current {
                            u.email_change_token_current.clear();
                        } else if hash == u.email_change_token_new {
                            u.email_change_token_new.clear();
                        }
                        return Ok((actions, true, false));
                    }
                    actions.push(Action::UserModified);
                    let new_email = u.email_change.clone();
                    let mut upd = JsonMap::new();
                    upd.insert("email".into(), Value::String(new_email.clone()));
                    upd.insert("email_verified".into(), Value::Bool(true));
                    if u.identity_mut("email").is_some() {
                        u.update_identity("email", &upd, now);
                    } else {
                        let data =
                            Identity::standard_data(u.id, Some(&new_email), None, true, false);
                        u.identities.push(Identity::new(
                            u.id,
                            "email",
                            u.id.to_string(),
                            data,
                            now,
                        ));
                    }
                    u.email = new_email;
                    u.email_change.clear();
                    u.email_change_token_current.clear();
                    u.email_change_token_new.clear();
                    u.email_change_confirm_status = 0;
                    u.is_anonymous = false;
                    if !u.is_confirmed() {
                        u.confirm(now);
                    }
                }
                "sms" => {
                    actions.push(Action::UserSignedUp);
                    u.confirm_phone(now);
                    u.is_anonymous = false;
                }
                "phone_change" => {
                    actions.push(Action::UserModified);
                    let new_phone = u.phone_change.clone();
                    let mut upd = JsonMap::new();
                    upd.insert("phone".into(), Value::String(new_phone.clone()));
                    upd.insert("phone_verified".into(), Value::Bool(true));
                    if u.identity_mut("phone").is_some() {
                        u.update_identity("phone", &upd, now);
                    } else {
                        let data =
                            Identity::standard_data(u.id, None, Some(&new_phone), false, true);
                        u.identities.push(Identity::new(
                            u.id,
                            "phone",
                            u.id.to_string(),
                            data,
                            now,
                        ));
                    }
                    u.phone = new_phone;
                    u.phone_change.clear();
                    u.phone_change_token.clear();
                    u.phone_confirmed_at = Some(now);
                    u.is_anonymous = false;
                }
                _ => return Err(ApiError::validation("Unsupported verification type")),
            }
            u.refresh_providers();
            u.updated_at = now;
            Ok((actions, false, logout_all))
        });
    let (actions, single, logout_all) = match step {
        Some(Ok(r)) => r?,
        Some(Err(_)) => {
            return Err(ApiError::unprocessable(
                "email_exists",
                "A user with this email address has already been registered",
            ));
        }
        None => return Err(link_invalid()),
    };
    if single {
        return Ok(Outcome::SingleConfirmation);
    }
    if logout_all {
        db.sessions.logout_user(&user_id);
    }
    if let Some(u) = db.users.get(&user_id) {
        let actor = Actor::user(&u);
        for a in actions {
            st.log(&actor, a, None, now);
        }
    }
    let session = common::grant(st, &mut db, &user_id, "otp", now)?;
    Ok(Outcome::Session(session))
}

/// `verifyTokenHash`. Returns the user and the resolved type (`email`
/// becomes `signup` or `magiclink`).
fn by_hash(
    st: &AppState,
    db: &Db,
    kind: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> ApiResult<(Uuid, String)> {
    let matches = |u: &User| -> bool {
        match kind {
            "email" => u.confirmation_token == hash || u.recovery_token == hash,
            "signup" | "invite" => u.confirmation_token == hash,
            "recovery" | "magiclink" => u.recovery_token == hash,
            "email_change" => {
                u.email_change_token_current == hash || u.email_change_token_new == hash
            }
            _ => false,
        }
    };
    if !matches!(
        kind,
        "email" | "signup" | "invite" | "recovery" | "magiclink" | "email_change"
    ) {
        return Err(ApiError::validation("Invalid email verification type"));
    }
    let user = db
        .users
        .held()
        .find(|u| !hash.is_empty() && matches(u))
        .ok_or_else(link_invalid)?;
    if user.is_banned(now) {
        return Err(ApiError::forbidden("user_banned", "User is banned"));
    }
    let (sent_at, resolved) = match kind {
        "email" => {
            if user.recovery_token == hash {
                (user.recovery_sent_at, "magiclink")
            } else {
                (user.confirmation_sent_at, "signup")
            }
        }
        "signup" | "invite" => (user.confirmation_sent_at, kind),
        "recovery" | "magiclink" => (user.recovery_sent_at, kind),
        _ => (user.email_change_sent_at, kind),
    };
    if expired(sent_at, st.settings.otp_exp, now) {
        return Err(link_invalid());
    }
    Ok((user.id, resolved.to_string()))
}

/// `verifyUserAndToken`.
#[allow(clippy::too_many_arguments)]
fn by_code(
    st: &AppState,
    db: &Db,
    kind: &str,
    email: &str,
    phone: &str,
    code: &str,
    hash: &str,
    now: DateTime<Utc>,
) -> ApiResult<(Uuid, String)> {
    let user = match kind {
        "phone_change" => db
            .users
            .held()
            .find(|u| u.phone_change == phone)
            .map(Cow::Borrowed),
        "sms" => db.users.by_phone(phone),
        "email_change" => db
            .users
            .held()
            .find(|u| {
                (u.email == email && u.email_change_token_current == hash)
                    || (u.email_change == email && u.email_change_token_new == hash)
            })
            .map(Cow::Borrowed),
        _ => db.users.by_email(email),
    }
    .filter(|_| !(email.is_empty() && phone.is_empty()))
    .ok_or_else(code_invalid)?;
    if user.is_banned(now) {
        return Err(ApiError::forbidden("user_banned", "User is banned"));
    }
    let mail_exp = st.settings.otp_exp;
    let sms_exp = st.settings.sms_otp_exp;
    let mut resolved = kind.to_string();
    let valid = match kind {
        "email" => {
            if otp_valid(
                hash,
                &user.confirmation_token,
                user.confirmation_sent_at,
                mail_exp,
                now,
            ) {
                resolved = "signup".into();
                true
            } else if otp_valid(
                hash,
                &user.recovery_token,
                user.recovery_sent_at,
                mail_exp,
                now,
            ) {
                resolved = "magiclink".into();
                true
            } else {
                false
            }
        }
        "signup" | "invite" => otp_valid(
            hash,
            &user.confirmation_token,
            user.confirmation_sent_at,
            mail_exp,
            now,
        ),
        "recovery" | "magiclink" => otp_valid(
            hash,
            &user.recovery_token,
            user.recovery_sent_at,
            mail_exp,
            now,
        ),
        "email_change" => {
            otp_valid(
                hash,
                &user.email_change_token_current,
                user.email_change_sent_at,
                mail_exp,
                now,
            ) || otp_valid(
                hash,
                &user.email_change_token_new,
                user.email_change_sent_at,
                mail_exp,
                now,
            )
        }
        "sms" | "phone_change" => {
            if st.settings.test_otp(phone) == Some(code) {
                true
            } else if kind == "sms" {
                otp_valid(
                    hash,
                    &user.confirmation_token,
                    user.confirmation_sent_at,
                    sms_exp,
                    now,
                )
            } else {
                otp_valid(
                    hash,
                    &user.phone_change_token,
                    user.phone_change_sent_at,
                    sms_exp,
                    now,
                )
            }
        }
        _ => false,
    };
    if !valid {
        return Err(code_invalid());
    }
    Ok((user.id, resolved))
}
