//! Admin-only helpers around mail: `POST /invite` (internal/api/invite.go),
//! `POST /admin/generate_link` (mail.go, which sends nothing) and
//! `GET /admin/audit` (audit.go).

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::super::audit::{Action, Actor, scope_columns};
use super::super::errors::{ApiError, ApiResult};
use super::super::gotime;
use super::super::mailer;
use super::super::model::{Identity, JsonMap, User, canonical_map, merge_metadata};
use super::super::pagination::{self, Query};
use super::super::passwords::PasswordHash;
use super::super::validate;
use super::common::{self, Shared, object_or_default};
use super::sends;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct InviteParams {
    email: String,
    data: Option<Value>,
}

/// A user created by invite or generate_link (no password unless given).
fn invited_user(email: &str, data: &JsonMap, password: Option<&str>, now: DateTime<Utc>) -> User {
    let mut u = User::blank(Uuid::new_v4(), now);
    u.email = email.to_string();
    u.user_metadata = data.clone();
    u.password = password.map(PasswordHash::new);
    u.app_metadata = canonical_map(match json!({"provider": "email", "providers": ["email"]}) {
        Value::Object(m) => m,
        _ => JsonMap::new(),
    });
    let identity_data = Identity::standard_data(u.id, Some(email), None, false, false);
    u.identities.push(Identity::new(
        u.id,
        "email",
        u.id.to_string(),
        identity_data,
        now,
    ));
    u
}

fn email_exists() -> ApiError {
    ApiError::unprocessable(
        "email_exists",
        "A user with this email address has already been registered",
    )
}

pub async fn invite(
    State(st): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> ApiResult<Response> {
    let admin = common::require_admin(&st, &headers)?;
    let p: InviteParams = common::parse_body(&body)?;
    let email = validate::email(&p.email)?;
    let data = canonical_map(object_or_default(&p.data));
    let redirect = common::referrer(&st.settings, &headers, &Query::from_uri(&uri));
    let now = gotime::now();
    let mut db = st.write();
    if db.users.by_email(&email).is_some_and(|u| u.is_confirmed()) {
        return Err(email_exists());
    }
    // GoTrue sends inside the transaction that makes the user: no mail, no user.
    st.take_mail_quota(now)?;
    let id = match db.users.by_email(&email) {
        Some(u) if u.is_confirmed() => return Err(email_exists()),
        Some(u) => u.id,
        None => {
            let u = invited_user(&email, &data, None, now);
            let id = u.id;
            db.users
                .insert(u)
                .map_err(|_| ApiError::internal("Database error saving new user"))?;
            id
        }
    };
    let (draft, user) = db
        .users
        .update(&id, |u| {
            (sends::invite(&st.settings, u, &redirect, now), u.clone())
        })
        .and_then(Result::ok)
        .ok_or_else(common::user_not_found)?;
    let mut traits = JsonMap::new();
    traits.insert("user_email".into(), Value::String(email.clone()));
    traits.insert("user_id".into(), Value::String(id.to_string()));
    st.log(
        &Actor::admin(&admin.role),
        Action::UserInvited,
        Some(traits),
        now,
    );
    st.send(draft, now);
    common::ok(&user.view(true))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct GenerateLinkParams {
    #[serde(rename = "type")]
    kind: String,
    email: String,
    new_email: String,
    password: String,
    data: Option<Value>,
    redirect_to: String,
}

pub async fn generate_link(
    State(st): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> ApiResult<Response> {
    let admin = common::require_admin(&st, &headers)?;
    let mut p: GenerateLinkParams = common::parse_body(&body)?;
    let s = &st.settings;
    let email = validate::email(&p.email)?;
    let mut referrer = common::referrer(s, &headers, &Query::from_uri(&uri));
    if common::redirect_ok(s, &p.redirect_to) {
        referrer = p.redirect_to.clone();
    }
    let existing = st.read().users.by_email(&email).map(Cow::into_owned);
    if existing.is_none() {
        match p.kind.as_str() {
            "magiclink" => {
                p.kind = "signup".into();
                p.password = format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple());
            }
            "recovery" | "email_change_current" | "email_change_new" => {
                return Err(ApiError::not_found(
                    "user_not_found",
                    "User with this email not found",
                ));
            }
            _ => {}
        }
    }
    if p.kind == "signup" && existing.is_none() {
        if p.password.is_empty() {
            return Err(ApiError::validation("Signup requires a valid password"));
        }
        validate::password_strength(&p.password, s.password_min_length)?;
    }
    let data = canonical_map(object_or_default(&p.data));
    let now = gotime::now();
    let otp = mailer::otp();
    let hashed = mailer::token_hash(&email, &otp);
    let mut db = st.write();
    let user_id = match (&existing, p.kind.as_str()) {
        (Some(u), _) => u.id,
        (None, "invite") => {
            let u = invited_user(&email, &data, None, now);
            let id = u.id;
            db.users
                .insert(u)
                .map_err(|_| ApiError::internal("Database error saving new user"))?;
            id
        }
        (None, "signup") => {
            let u = invited_user(&email, &data, Some(&p.password), now);
            let id = u.id;
            db.users
                .insert(u)
                .map_err(|_| ApiError::internal("Database error saving new user"))?;
            id
        }
        (None, other) => {
            return Err(ApiError::validation(format!(
                "Invalid email action link type requested: {other}"
            )));
        }
    };
    let kind = p.kind.clone();
    let new_email = if kind.starts_with("email_change") {
        let e = validate::email(&p.new_email)?;
        if db.users.email_taken(&e, Some(user_id)) {
            return Err(email_exists());
        }
        e
    } else {
        String::new()
    };
    if kind == "email_change_current" && !s.secure_email_change {
        return Err(ApiError::validation(
            "Enable secure email change to generate link for current email",
        ));
    }
    let result = db
        .users
        .update(
            &user_id,
            |u| -> ApiResult<(String, Option<Action>, Option<Actor>)> {
                let (token, link_type, action) = match kind.as_str() {
                    "magiclink" | "recovery" => {
                        u.recovery_token = hashed.clone();
                        u.recovery_sent_at = Some(now);
                        (
                            u.recovery_token.clone(),
                            kind.as_str(),
                            Some(Action::UserRecoveryRequested),
                        )
                    }
                    "invite" => {
                        if u.is_confirmed() {
                            return Err(email_exists());
                        }
                        u.confirmation_token = hashed.clone();
                        u.confirmation_sent_at = Some(now);
                        u.invited_at = Some(now);
                        (
                            u.confirmation_token.clone(),
                            "invite",
                            Some(Action::UserInvited),
                        )
                    }
                    "signup" => {
                        if u.is_confirmed() {
                            return Err(email_exists());
                        }
                        merge_metadata(&mut u.user_metadata, &data);
                        u.confirmation_token = hashed.clone();
                        u.confirmation_sent_at = Some(now);
                        (u.confirmation_token.clone(), "signup", None)
                    }
                    "email_change_current" | "email_change_new" => {
                        u.email_change_sent_at = Some(now);
                        u.email_change = new_email.clone();
                        u.email_change_confirm_status = 0;
                        if kind == "email_change_current" {
                            u.email_change_token_current = hashed.clone();
                            (u.email_change_token_current.clone(), "email_change", None)
                        } else {
                            u.email_change_token_new = mailer::token_hash(&new_email, &otp);
                            (u.email_change_token_new.clone(), "email_change", None)
                        }
                    }
                    other => {
                        return Err(ApiError::validation(format!(
                            "Invalid email action link type requested: {other}"
                        )));
                    }
                };
                let actor = match action {
                    Some(Action::UserInvited) => None,
                    _ => Some(Actor::user(u)),
                };
                Ok((
                    mailer::action_link(&s.url, &token, link_type, &referrer),
                    action,
                    actor,
                ))
            },
        )
        .and_then(Result::ok)
        .ok_or_else(common::user_not_found)?;
    let (link, action, actor) = result?;
    if let Some(action) = action {
        let who = actor.unwrap_or_else(|| Actor::admin(&admin.role));
        let traits = (action == Action::UserInvited).then(|| {
            let mut t = JsonMap::new();
            t.insert("user_email".into(), Value::String(email.clone()));
            t.insert("user_id".into(), Value::String(user_id.to_string()));
            t
        });
        st.log(&who, action, traits, now);
    }
    let user = db.users.get(&user_id).ok_or_else(common::user_not_found)?;
    let mut body = user.view(true).to_map();
    body.insert("action_link".into(), Value::String(link));
    body.insert("email_otp".into(), Value::String(otp));
    body.insert("hashed_token".into(), Value::String(hashed));
    body.insert("verification_type".into(), Value::String(kind));
    body.insert("redirect_to".into(), Value::String(referrer));
    common::ok(&body)
}

pub async fn audit(State(st): State<Shared>, headers: HeaderMap, uri: Uri) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    let q = Query::from_uri(&uri);
    let page = pagination::paginate(&q)?;
    let raw = q.get("query");
    let (columns, value): (&[&str], &str) = if raw.is_empty() {
        (&[], "")
    } else {
        match raw
            .split_once(':')
            .and_then(|(scope, v)| Some((scope_columns(scope)?, v)))
        {
            Some(found) => found,
            None => {
                return Err(ApiError::validation(format!("Invalid query scope: {raw}")));
            }
        }
    };
    let log = st.audit();
    let hits = log.search(columns, value);
    let total = hits.len() as u64;
    let rows: Vec<_> = hits
        .into_iter()
        .skip(page.offset())
        .take(page.limit())
        .collect();
    let mut response = common::json_response(StatusCode::OK, &rows).into_response();
    response
        .headers_mut()
        .extend(pagination::headers(&uri, &page, total));
    Ok(response)
}
