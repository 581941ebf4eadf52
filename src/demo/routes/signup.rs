//! `POST /signup`, after GoTrue's `Signup` (internal/api/signup.go). Also the
//! signup step that `/otp` and `/magiclink` run for unknown or unconfirmed
//! users.

use std::borrow::Cow;

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
use super::super::model::{Identity, JsonMap, User, canonical_map};
use super::super::outbox::Draft;
use super::super::pagination::Query;
use super::super::passwords::PasswordHash;
use super::super::state::AppState;
use super::super::validate;
use super::common::{self, Shared, object_or_default};
use super::sends::{self, SmsPurpose};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SignupParams {
    pub email: String,
    pub phone: String,
    pub password: String,
    pub data: Option<Value>,
    pub channel: String,
}

/// What a signup ends in.
pub enum SignupOutcome {
    /// Confirmed (auto-confirm): a session.
    Session(Value),
    /// Waiting for confirmation: the user.
    User(Value),
    /// An already confirmed user signed up again: a decoy user.
    Repeated(Value),
}

pub async fn signup(
    State(st): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> ApiResult<Response> {
    let params: SignupParams = common::parse_body(&body)?;
    if params.email.is_empty() && params.phone.is_empty() {
        return anonymous(&st, &params);
    }
    let redirect = common::referrer(&st.settings, &headers, &Query::from_uri(&uri));
    match run(&st, params, &redirect, gotime::now())? {
        SignupOutcome::Session(v) | SignupOutcome::User(v) | SignupOutcome::Repeated(v) => {
            common::ok(&v)
        }
    }
}

/// `SignupAnonymously` (internal/api/anonymous.go): a user with no email, phone, identity
/// or app metadata, the sign-up data as its user metadata, and a session. No audit entry.
fn anonymous(st: &AppState, params: &SignupParams) -> ApiResult<Response> {
    if !st.settings.anonymous_users {
        return Err(ApiError::unprocessable(
            "anonymous_provider_disabled",
            "Anonymous sign-ins are disabled",
        ));
    }
    let now = gotime::now();
    let mut user = User::blank(Uuid::new_v4(), now);
    user.is_anonymous = true;
    user.user_metadata = canonical_map(object_or_default(&params.data));
    let id = user.id;
    let mut db = st.write();
    db.users
        .insert(user)
        .map_err(|_| ApiError::internal("Database error creating anonymous user"))?;
    let mut session = common::grant(st, &mut db, &id, "anonymous", now)?;
    answer_as_signup_does(&mut session, "anonymous");
    common::ok(&session)
}

/// The body of GoTrue's `Signup`, shared with `/otp` and `/magiclink`.
pub fn run(
    st: &AppState,
    mut p: SignupParams,
    redirect: &str,
    now: DateTime<Utc>,
) -> ApiResult<SignupOutcome> {
    let s = &st.settings;
    let provider = if !p.email.is_empty() {
        "email"
    } else {
        "phone"
    };
    let data = canonical_map(object_or_default(&p.data));
    if p.phone.is_empty() || !p.email.is_empty() {
        p.channel.clear();
    } else if p.channel.is_empty() {
        p.channel = "sms".into();
    }
    // validateSignupParams
    if p.password.is_empty() {
        return Err(ApiError::validation("Signup requires a valid password"));
    }
    validate::password_strength(&p.password, s.password_min_length)?;
    if !p.email.is_empty() && !p.phone.is_empty() {
        return Err(ApiError::validation(
            "Only an email address or phone number should be provided on signup.",
        ));
    }
    if provider == "phone" && p.channel != "sms" {
        return Err(ApiError::validation(
            "Invalid channel, supported values are 'sms' or 'whatsapp'",
        ));
    }
    let key = if provider == "email" {
        validate::email(&p.email)?
    } else {
        validate::phone(&p.phone)?
    };

    let mut db = st.write();
    let existing = if provider == "email" {
        db.users.by_email(&key).map(|u| u.id)
    } else {
        db.users.by_phone(&key).map(|u| u.id)
    };

    let user_id = match existing {
        Some(id) => {
            let user = db
                .users
                .get(&id)
                .map(Cow::into_owned)
                .ok_or_else(common::user_not_found)?;
            let confirmed = if provider == "email" {
                user.is_confirmed()
            } else {
                user.is_phone_confirmed()
            };
            if confirmed {
                st.log(
                    &Actor::user(&user),
                    Action::UserRepeatedSignUp,
                    Some(traits(provider)),
                    now,
                );
                if s.mailer_autoconfirm || s.phone_autoconfirm {
                    return Err(ApiError::unprocessable(
                        "user_already_exists",
                        "User already registered",
                    ));
                }
                return Ok(SignupOutcome::Repeated(decoy(&user, provider, &data, now)));
            }
            // Unconfirmed: GoTrue leaves the user as it is and sends again.
            id
        }
        None => {
            let user = new_user(provider, &key, &p.password, &data, now);
            let id = user.id;
            db.users
                .insert(user)
                .map_err(|_| ApiError::internal("Database error saving new user"))?;
            id
        }
    };

    let autoconfirm = if provider == "email" {
        s.mailer_autoconfirm
    } else {
        s.phone_autoconfirm
    };
    let mut drafts: Vec<Draft> = Vec::new();
    let step = db.users.update(&user_id, |u| -> ApiResult<Actor> {
        let actor = Actor::user(u);
        if autoconfirm {
            if provider == "email" {
                u.confirm(now);
            } else {
                u.confirm_phone(now);
            }
        } else if provider == "email" {
            drafts.push(sends::confirmation(s, u, redirect, now)?);
        } else {
            let (draft, _) = sends::sms(s, u, &key, SmsPurpose::Confirmation, now)?;
            drafts.push(draft);
        }
        Ok(actor)
    });
    let actor = match step {
        Some(Ok(r)) => r?,
        _ => return Err(ApiError::internal("Database error updating user")),
    };
    let action = if autoconfirm {
        Action::UserSignedUp
    } else {
        Action::UserConfirmationRequested
    };
    st.log(&actor, action, Some(traits(provider)), now);
    for d in drafts {
        st.send(d, now);
    }

    let user = db
        .users
        .get(&user_id)
        .map(Cow::into_owned)
        .ok_or_else(common::user_not_found)?;
    if autoconfirm {
        st.log(&actor, Action::Login, Some(traits(provider)), now);
        let mut session = common::grant(st, &mut db, &user_id, "password", now)?;
        answer_as_signup_does(&mut session, provider);
        return Ok(SignupOutcome::Session(session));
    }
    let mut shown = user;
    shown.identities.retain(|i| i.provider == provider);
    if shown.invited_at.is_some() {
        shown.user_metadata = JsonMap::new();
        shown.identities.clear();
    }
    Ok(SignupOutcome::User(
        serde_json::to_value(shown.view(true)).unwrap_or(Value::Null),
    ))
}

/// The user in an auto-confirmed sign-up's answer is GoTrue's struct as the handler left
/// it, not as the database has it: no `confirmed_at` (a generated column, read only), and
/// the email identity marked verified in memory only (signup.go, models/user.go `Confirm`).
fn answer_as_signup_does(session: &mut Value, provider: &str) {
    let Some(user) = session.get_mut("user").and_then(Value::as_object_mut) else {
        return;
    };
    user.remove("confirmed_at");
    if provider != "email" {
        return;
    }
    if let Some(Value::Array(ids)) = user.get_mut("identities") {
        for data in ids
            .iter_mut()
            .filter(|i| i.get("provider").and_then(Value::as_str) == Some("email"))
            .filter_map(|i| i.get_mut("identity_data").and_then(Value::as_object_mut))
        {
            data.insert("email_verified".into(), Value::Bool(true));
        }
    }
}

fn traits(provider: &str) -> JsonMap {
    let mut t = JsonMap::new();
    t.insert("provider".into(), Value::String(provider.into()));
    t
}

/// `SignupParams.ToUserModel` + `createNewIdentity`.
fn new_user(provider: &str, key: &str, password: &str, data: &JsonMap, now: DateTime<Utc>) -> User {
    let mut u = User::blank(Uuid::new_v4(), now);
    let (email, phone) = if provider == "email" {
        (Some(key), None)
    } else {
        (None, Some(key))
    };
    if let Some(e) = email {
        u.email = e.to_string();
    }
    if let Some(p) = phone {
        u.phone = p.to_string();
    }
    u.password = Some(PasswordHash::new(password));
    // GoTrue's signup identity: Claims{Subject, Email} plus the signup data; its data is
    // also merged into user_metadata (createNewIdentity → UpdateUserMetaData).
    let mut identity_data = Identity::standard_data(u.id, email, None, false, false);
    for (k, v) in data {
        identity_data.entry(k.clone()).or_insert_with(|| v.clone());
    }
    u.user_metadata = canonical_map(identity_data.clone());
    u.identities.push(Identity::new(
        u.id,
        provider,
        u.id.to_string(),
        identity_data,
        now,
    ));
    u.app_metadata = canonical_map(
        match json!({"provider": provider, "providers": [provider]}) {
            Value::Object(m) => m,
            _ => JsonMap::new(),
        },
    );
    u
}

/// GoTrue's `sanitizeUser`: a user-shaped answer with a fresh id that says
/// nothing about the real account.
fn decoy(real: &User, provider: &str, data: &JsonMap, now: DateTime<Utc>) -> Value {
    let mut u = real.clone();
    u.id = Uuid::new_v4();
    u.role = String::new();
    u.email_change = String::new();
    u.created_at = now;
    u.updated_at = now;
    u.confirmation_sent_at = Some(now);
    u.last_sign_in_at = None;
    u.email_change_sent_at = None;
    u.email_confirmed_at = None;
    u.phone_confirmed_at = None;
    u.identities.clear();
    u.factors.clear();
    u.user_metadata = data.clone();
    u.app_metadata = canonical_map(
        match json!({"provider": provider, "providers": [provider]}) {
            Value::Object(m) => m,
            _ => JsonMap::new(),
        },
    );
    if provider == "email" {
        u.phone = String::new();
    } else {
        u.email = String::new();
    }
    serde_json::to_value(u.view(true)).unwrap_or(Value::Null)
}
