//! Passwordless and recovery sends: `POST /otp` (internal/api/otp.go),
//! `/magiclink` (magic_link.go), `/recover` (recover.go), `/resend`
//! (resend.go).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::super::audit::{Action, Actor};
use super::super::errors::{ApiError, ApiResult};
use super::super::gotime;
use super::super::model::JsonMap;
use super::super::outbox::{Draft, OutboxKind};
use super::super::pagination::Query;
use super::super::state::AppState;
use super::super::validate;
use super::common::{self, Shared};
use super::sends::{self, SmsPurpose};
use super::signup::{self, SignupParams};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct OtpParams {
    email: String,
    phone: String,
    create_user: Option<bool>,
    data: Option<Value>,
    channel: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EmailParams {
    email: String,
    data: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ResendParams {
    #[serde(rename = "type")]
    kind: String,
    email: String,
    phone: String,
}

/// A password nobody will ever type, for users signed up by `/otp`.
fn throwaway_password() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

pub async fn otp(
    State(st): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> ApiResult<Response> {
    let p: OtpParams = common::parse_body(&body)?;
    if !p.email.is_empty() && !p.phone.is_empty() {
        return Err(ApiError::validation(
            "Only an email address or phone number should be provided",
        ));
    }
    if !p.email.is_empty() && !p.channel.is_empty() {
        return Err(ApiError::validation(
            "Channel should only be specified with Phone OTP",
        ));
    }
    if p.create_user == Some(false) {
        let exists = if !p.email.is_empty() {
            let email = validate::email(&p.email)?;
            st.read().users.by_email(&email).is_some()
        } else if !p.phone.is_empty() {
            let phone = validate::phone(&p.phone)?;
            st.read().users.by_phone(&phone).is_some()
        } else {
            true
        };
        if !exists {
            return Err(ApiError::unprocessable(
                "otp_disabled",
                "Signups not allowed for otp",
            ));
        }
    }
    let redirect = common::referrer(&st.settings, &headers, &Query::from_uri(&uri));
    let now = gotime::now();
    if !p.email.is_empty() {
        magic_link_flow(&st, &p.email, p.data, &redirect, OutboxKind::OtpEmail, now)?;
        return common::empty_object();
    }
    if !p.phone.is_empty() {
        let channel = if p.channel.is_empty() {
            "sms".to_string()
        } else {
            p.channel
        };
        return match sms_flow(&st, &p.phone, p.data, &channel, now)? {
            Some(id) => common::ok(&json!({ "message_id": id })),
            None => common::empty_object(),
        };
    }
    Err(ApiError::validation("One of email or phone must be set"))
}

pub async fn magiclink(
    State(st): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> ApiResult<Response> {
    let p: EmailParams = common::parse_body(&body)?;
    let redirect = common::referrer(&st.settings, &headers, &Query::from_uri(&uri));
    magic_link_flow(
        &st,
        &p.email,
        p.data,
        &redirect,
        OutboxKind::Magiclink,
        gotime::now(),
    )?;
    common::empty_object()
}

/// GoTrue's `MagicLink`: unknown or unconfirmed users are signed up (which
/// sends a confirmation); confirmed users get a magic link.
fn magic_link_flow(
    st: &AppState,
    raw_email: &str,
    data: Option<Value>,
    redirect: &str,
    kind: OutboxKind,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    if raw_email.is_empty() {
        return Err(ApiError::unprocessable(
            "validation_failed",
            "Password recovery requires an email",
        ));
    }
    let email = validate::email(raw_email)?;
    let confirmed = st.read().users.by_email(&email).map(|u| u.is_confirmed());
    if confirmed != Some(true) {
        signup::run(
            st,
            SignupParams {
                email: email.clone(),
                password: throwaway_password(),
                data: data.clone(),
                ..SignupParams::default()
            },
            redirect,
            now,
        )?;
        if !st.settings.mailer_autoconfirm {
            return Ok(());
        }
    }
    let mut db = st.write();
    let id = db
        .users
        .by_email(&email)
        .map(|u| u.id)
        .ok_or_else(common::user_not_found)?;
    let sent = db
        .users
        .update(&id, |u| -> ApiResult<(Actor, Draft)> {
            let draft = sends::magic_link(&st.settings, u, redirect, kind, now)?;
            Ok((Actor::user(u), draft))
        })
        .and_then(Result::ok)
        .ok_or_else(common::user_not_found)?;
    let (actor, draft) = sent?;
    st.log(&actor, Action::UserRecoveryRequested, None, now);
    st.send(draft, now);
    Ok(())
}

/// GoTrue's `SmsOtp`. Returns the message id, or `None` when the user was
/// just signed up (GoTrue then answers `{}`).
fn sms_flow(
    st: &AppState,
    raw_phone: &str,
    data: Option<Value>,
    channel: &str,
    now: DateTime<Utc>,
) -> ApiResult<Option<String>> {
    let phone = validate::phone(raw_phone)?;
    if channel != "sms" {
        return Err(ApiError::validation(
            "Invalid channel, supported values are 'sms' or 'whatsapp'",
        ));
    }
    let confirmed = st
        .read()
        .users
        .by_phone(&phone)
        .map(|u| u.is_phone_confirmed());
    if confirmed != Some(true) {
        signup::run(
            st,
            SignupParams {
                phone: phone.clone(),
                password: throwaway_password(),
                data,
                channel: channel.to_string(),
                ..SignupParams::default()
            },
            "",
            now,
        )?;
        if !st.settings.phone_autoconfirm {
            return Ok(None);
        }
    }
    let mut db = st.write();
    let id = db
        .users
        .by_phone(&phone)
        .map(|u| u.id)
        .ok_or_else(common::user_not_found)?;
    let sent = db
        .users
        .update(&id, |u| -> ApiResult<(Actor, Draft, String)> {
            let (draft, message_id) =
                sends::sms(&st.settings, u, &phone, SmsPurpose::Confirmation, now)?;
            Ok((Actor::user(u), draft, message_id))
        })
        .and_then(Result::ok)
        .ok_or_else(common::user_not_found)?;
    let (actor, draft, message_id) = sent?;
    let mut traits = JsonMap::new();
    traits.insert("channel".into(), Value::String(channel.to_string()));
    st.log(&actor, Action::UserRecoveryRequested, Some(traits), now);
    st.send(draft, now);
    Ok(Some(message_id))
}

pub async fn recover(
    State(st): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> ApiResult<Response> {
    let p: EmailParams = common::parse_body(&body)?;
    if p.email.is_empty() {
        return Err(ApiError::validation("Password recovery requires an email"));
    }
    let email = validate::email(&p.email)?;
    let redirect = common::referrer(&st.settings, &headers, &Query::from_uri(&uri));
    let now = gotime::now();
    let mut db = st.write();
    let Some(id) = db.users.by_email(&email).map(|u| u.id) else {
        return common::empty_object();
    };
    let sent = db
        .users
        .update(&id, |u| -> ApiResult<(Actor, Draft)> {
            let draft = sends::recovery(&st.settings, u, &redirect, now)?;
            Ok((Actor::user(u), draft))
        })
        .and_then(Result::ok)
        .ok_or_else(common::user_not_found)?;
    let (actor, draft) = sent?;
    st.log(&actor, Action::UserRecoveryRequested, None, now);
    st.send(draft, now);
    common::empty_object()
}

pub async fn resend(
    State(st): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> ApiResult<Response> {
    let p: ResendParams = common::parse_body(&body)?;
    if !matches!(
        p.kind.as_str(),
        "signup" | "email_change" | "sms" | "phone_change"
    ) {
        return Err(ApiError::validation(
            "Missing one of these types: signup, email_change, sms, phone_change",
        ));
    }
    if p.email.is_empty() && p.kind == "signup" {
        return Err(ApiError::validation(
            "Type provided requires an email address",
        ));
    }
    if p.phone.is_empty() && p.kind == "sms" {
        return Err(ApiError::validation(
            "Type provided requires a phone number",
        ));
    }
    let (email, phone) = if !p.email.is_empty() && !p.phone.is_empty() {
        return Err(ApiError::validation(
            "Only an email address or phone number should be provided.",
        ));
    } else if !p.email.is_empty() {
        (Some(validate::email(&p.email)?), None)
    } else if !p.phone.is_empty() {
        (None, Some(validate::phone(&p.phone)?))
    } else {
        return Err(ApiError::validation(
            "Missing email address or phone number",
        ));
    };
    let redirect = common::referrer(&st.settings, &headers, &Query::from_uri(&uri));
    let now = gotime::now();
    let s = &st.settings;
    let mut db = st.write();
    let found = match (&email, &phone) {
        (Some(e), _) => db.users.by_email(e),
        (_, Some(ph)) => db.users.by_phone(ph),
        _ => None,
    };
    let Some(user) = found else {
        return common::empty_object();
    };
    let nothing_to_do = match p.kind.as_str() {
        "signup" => user.is_confirmed(),
        "sms" => user.is_phone_confirmed(),
        "email_change" => user.email_change.is_empty(),
        _ => user.phone_change.is_empty(),
    };
    if nothing_to_do {
        return common::empty_object();
    }
    let id = user.id;
    let kind = p.kind.clone();
    let phone_for_sms = phone.clone().unwrap_or_default();
    let sent = db
        .users
        .update(&id, |u| -> ApiResult<(Actor, Vec<Draft>, Option<String>)> {
            let actor = Actor::user(u);
            match kind.as_str() {
                "signup" => Ok((
                    actor,
                    vec![sends::confirmation(s, u, &redirect, now)?],
                    None,
                )),
                "sms" => {
                    let (d, id) = sends::sms(s, u, &phone_for_sms, SmsPurpose::Confirmation, now)?;
                    Ok((actor, vec![d], Some(id)))
                }
                "email_change" => {
                    let new_email = u.email_change.clone();
                    Ok((
                        actor,
                        sends::email_change(s, u, &new_email, &redirect, now)?,
                        None,
                    ))
                }
                _ => {
                    let new_phone = u.phone_change.clone();
                    let (d, id) = sends::sms(s, u, &new_phone, SmsPurpose::PhoneChange, now)?;
                    Ok((actor, vec![d], Some(id)))
                }
            }
        })
        .and_then(Result::ok)
        .ok_or_else(common::user_not_found)?;
    let (actor, drafts, message_id) = sent?;
    match p.kind.as_str() {
        "signup" => st.log(&actor, Action::UserConfirmationRequested, None, now),
        "sms" => st.log(&actor, Action::UserRecoveryRequested, None, now),
        _ => {}
    }
    for d in drafts {
        st.send(d, now);
    }
    match message_id {
        Some(id) => common::ok(&json!({ "message_id": id })),
        None => common::empty_object(),
    }
}
