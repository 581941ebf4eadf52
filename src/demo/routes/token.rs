//! `POST /token` (internal/api/token.go, token_refresh.go) and
//! `POST /logout` (logout.go).

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::audit::{Action, Actor};
use super::super::errors::{ApiError, ApiResult};
use super::super::gotime;
use super::super::model::JsonMap;
use super::super::pagination::Query;
use super::super::sessions::RefreshRefusal;
use super::super::validate;
use super::common::{self, Shared};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PasswordGrant {
    email: String,
    phone: String,
    password: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RefreshGrant {
    refresh_token: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PkceGrant {
    auth_code: String,
    code_verifier: String,
}

pub async fn token(State(st): State<Shared>, uri: Uri, body: Bytes) -> ApiResult<Response> {
    let q = Query::from_uri(&uri);
    match q.get("grant_type") {
        "password" => password_grant(&st, &body).await,
        "refresh_token" => refresh_grant(&st, &body),
        "pkce" => {
            let p: PkceGrant = common::parse_body(&body)?;
            if p.auth_code.is_empty() || p.code_verifier.is_empty() {
                return Err(ApiError::validation(
                    "invalid request: both auth code and code verifier should be non-empty",
                ));
            }
            Err(ApiError::not_found(
                "flow_state_not_found",
                "invalid flow state, no valid flow state found",
            ))
        }
        "id_token" | "web3" => Err(ApiError::bad_request(
            "provider_disabled",
            "This grant type is not enabled on the demo server",
        )),
        _ => Err(ApiError::bad_request(
            "invalid_credentials",
            "unsupported_grant_type",
        )),
    }
}

fn invalid_credentials() -> ApiError {
    ApiError::bad_request("invalid_credentials", "Invalid login credentials")
}

async fn password_grant(st: &Shared, body: &[u8]) -> ApiResult<Response> {
    let p: PasswordGrant = common::parse_body(body)?;
    if !p.email.is_empty() && !p.phone.is_empty() {
        return Err(ApiError::validation(
            "Only an email address or phone number should be provided on login.",
        ));
    }
    let by_email = !p.email.is_empty();
    if !by_email && p.phone.is_empty() {
        return Err(ApiError::validation("missing email or phone"));
    }
    let now = gotime::now();
    let (user_id, hash) = {
        let db = st.read();
        let user = if by_email {
            db.users.by_email(&p.email)
        } else {
            db.users.by_phone(&validate::format_phone(&p.phone))
        }
        .ok_or_else(invalid_credentials)?;
        let hash = user.password.clone().ok_or_else(invalid_credentials)?;
        if user.is_banned(now) {
            return Err(ApiError::bad_request("user_banned", "User is banned"));
        }
        (user.id, hash)
    };
    // bcrypt is slow: check outside the lock, on a blocking thread.
    let password = p.password.clone();
    let valid = tokio::task::spawn_blocking(move || hash.verify(&password))
        .await
        .unwrap_or(false);
    if !valid {
        return Err(invalid_credentials());
    }
    let mut db = st.write();
    let user = db
        .users
        .get(&user_id)
        .map(Cow::into_owned)
        .ok_or_else(invalid_credentials)?;
    if by_email && !user.is_confirmed() {
        return Err(ApiError::bad_request(
            "email_not_confirmed",
            "Email not confirmed",
        ));
    }
    if !by_email && !user.is_phone_confirmed() {
        return Err(ApiError::bad_request(
            "phone_not_confirmed",
            "Phone not confirmed",
        ));
    }
    let mut traits = JsonMap::new();
    traits.insert(
        "provider".into(),
        Value::String(if by_email { "email" } else { "phone" }.into()),
    );
    st.log(&Actor::user(&user), Action::Login, Some(traits), now);
    let mut session = common::grant(st, &mut db, &user_id, "password", now)?;
    // A password grant sets `AccessTokenResponse.WeakPassword`, an interface, to a
    // `*WeakPasswordError` that is nil when the password meets today's rules; `omitempty`
    // keeps a typed nil, so the answer says `null` (internal/tokens/service.go, api/token.go).
    if let Value::Object(m) = &mut session {
        let weak = match validate::password_strength(&p.password, st.settings.password_min_length) {
            Err(ApiError::WeakPassword { message, reasons }) => {
                json!({ "message": message, "reasons": reasons })
            }
            _ => Value::Null,
        };
        m.insert("weak_password".into(), weak);
    }
    common::ok(&session)
}

fn refresh_grant(st: &Shared, body: &[u8]) -> ApiResult<Response> {
    let p: RefreshGrant = common::parse_body(body)?;
    if !refresh_token_well_formed(&p.refresh_token) {
        return Err(ApiError::validation("Refresh token is not valid"));
    }
    let not_found = || {
        ApiError::bad_request(
            "refresh_token_not_found",
            "Invalid Refresh Token: Refresh Token Not Found",
        )
    };
    let now = gotime::now();
    let interval = st.reuse_interval();
    let mut db = st.write();
    let user_id = db
        .sessions
        .token(&p.refresh_token)
        .map(|t| t.user_id)
        .ok_or_else(not_found)?;
    let user = db
        .users
        .get(&user_id)
        .map(Cow::into_owned)
        .ok_or_else(not_found)?;
    if user.is_banned(now) {
        return Err(ApiError::bad_request(
            "user_banned",
            "Invalid Refresh Token: User Banned",
        ));
    }
    let (session, issued) = db
        .sessions
        .refresh(&p.refresh_token, now, interval)
        .map_err(|r| match r {
            RefreshRefusal::NotFound => not_found(),
            RefreshRefusal::NoSession => ApiError::bad_request(
                "session_not_found",
                "Invalid Refresh Token: No Valid Session Found",
            ),
            RefreshRefusal::AlreadyUsed => ApiError::bad_request(
                "refresh_token_already_used",
                "Invalid Refresh Token: Already Used",
            ),
        })?;
    let actor = Actor::user(&user);
    st.log(&actor, Action::TokenRevoked, None, now);
    st.log(&actor, Action::TokenRefreshed, None, now);
    let response = common::token_response(&st.settings, &user, &session, &issued, now);
    common::ok(&response)
}

pub async fn logout(State(st): State<Shared>, headers: HeaderMap, uri: Uri) -> ApiResult<Response> {
    let caller = common::require_user(&st, &headers)?;
    let q = Query::from_uri(&uri);
    let scope = match q.get("scope") {
        "" | "global" => "global",
        "local" => "local",
        "others" => "others",
        other => {
            return Err(ApiError::validation(format!(
                "Unsupported logout scope \"{other}\""
            )));
        }
    };
    let now = gotime::now();
    let mut db = st.write();
    if let Some(user) = db.users.get(&caller.user_id) {
        st.log(&Actor::user(&user), Action::Logout, None, now);
    }
    match (scope, caller.session_id) {
        ("local", Some(sid)) => db.sessions.logout_session(&sid),
        ("others", Some(sid)) => db.sessions.logout_others(&caller.user_id, &sid),
        _ => db.sessions.logout_user(&caller.user_id),
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `RefreshTokenGrantParams.Validate` (internal/api/token_refresh.go): a legacy token is 12
/// lower-case letters and digits; a longer one must parse as the versioned format of
/// internal/crypto/refresh_tokens.go (base64url: version 0, a session id, a varint counter,
/// a 16-byte signature and a 4-byte SHA-256 checksum). Anything else is refused before any
/// look-up.
fn refresh_token_well_formed(token: &str) -> bool {
    use base64::Engine;
    use sha2::Digest;
    const CHECKSUM: usize = 4;
    const SIGNATURE: usize = 16;
    const MIN: usize = 1 + 16 + 1 + SIGNATURE + CHECKSUM;
    match token.len() {
        0..12 => false,
        12 => token
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()),
        _ => {
            let Ok(bytes) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token) else {
                return false;
            };
            if bytes.len() < MIN || bytes[0] != 0 {
                return false;
            }
            let (signed, checksum) = bytes.split_at(bytes.len() - CHECKSUM);
            if sha2::Sha256::digest(signed)[..CHECKSUM] != *checksum {
                return false;
            }
            // After the version byte and the session id: a varint counter, then the signature.
            let rest = &signed[17..];
            let Some(end) = rest.iter().position(|b| b & 0x80 == 0) else {
                return false;
            };
            end < 10 && rest.len() - (end + 1) == SIGNATURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::refresh_token_well_formed;
    use base64::Engine;
    use sha2::Digest;

    fn versioned(counter_bytes: &[u8], signature_len: usize) -> String {
        let mut raw = vec![0u8];
        raw.extend_from_slice(&[7u8; 16]);
        raw.extend_from_slice(counter_bytes);
        raw.extend(std::iter::repeat_n(9u8, signature_len));
        let sum = sha2::Sha256::digest(&raw);
        raw.extend_from_slice(&sum[..4]);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
    }

    #[test]
    fn refresh_tokens_of_both_forms() {
        assert!(refresh_token_well_formed("abcdefghij12"));
        assert!(!refresh_token_well_formed("ABCDEFGHIJ12"));
        assert!(!refresh_token_well_formed("not a token!"));
        assert!(!refresh_token_well_formed("short"));
        assert!(!refresh_token_well_formed(""));
        assert!(refresh_token_well_formed(&versioned(&[1], 16)));
        assert!(refresh_token_well_formed(&versioned(&[0x81, 0x01], 16)));
        assert!(!refresh_token_well_formed(&versioned(&[1], 15)));
        let mut broken = versioned(&[1], 16);
        broken.replace_range(0..1, "B");
        assert!(!refresh_token_well_formed(&broken));
        assert!(!refresh_token_well_formed("not-a-refresh-token"));
    }
}
