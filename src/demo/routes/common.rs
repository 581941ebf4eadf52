//! Helpers shared by the handlers: JSON in and out, bearer-token checks
//! (`requireAuthentication`, `requireAdminCredentials` in
//! internal/api/auth.go), redirect validation and session issuing.

use std::sync::Arc;

use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use uuid::Uuid;

use super::super::errors::{ApiError, ApiResult};
use super::super::jwt::{self, AccessClaims};
use super::super::model::{JsonMap, User};
use super::super::pagination::Query;
use super::super::sessions::Session;
use super::super::state::{AppState, Db, Settings};

pub type Shared = Arc<AppState>;

/// `sendJSON`.
pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (status, [(header::CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(_) => ApiError::internal("Error encoding json response").into_response(),
    }
}

pub fn ok<T: Serialize>(body: &T) -> ApiResult<Response> {
    Ok(json_response(StatusCode::OK, body))
}

/// `{}`.
pub fn empty_object() -> ApiResult<Response> {
    ok(&json!({}))
}

/// `retrieveRequestParams`: `json.Unmarshal` of the body into the handler's params, with
/// the leniency of Go's `encoding/json` (internal/api/helpers.go): a body of `null` leaves
/// the params as they are, a `null` field leaves its field as it is, keys match the field
/// names case-insensitively, a key given twice keeps the last value, and unknown keys are
/// ignored. An empty body, broken JSON, a body that is not an object, and a value of the
/// wrong type are `bad_json`.
pub fn parse_body<T: DeserializeOwned + Default>(body: &[u8]) -> ApiResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_json("unexpected end of JSON input"));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Eof => ApiError::bad_json("unexpected end of JSON input"),
            _ => {
                let c = body
                    .get(e.column().saturating_sub(1))
                    .map(|b| *b as char)
                    .unwrap_or('?');
                ApiError::bad_json(format!(
                    "invalid character '{c}' looking for beginning of value"
                ))
            }
        }
    })?;
    let go_type = std::any::type_name::<T>()
        .rsplit("::")
        .next()
        .unwrap_or("params");
    let fields = match value {
        Value::Null => return Ok(T::default()),
        Value::Object(m) => go_fields(m),
        other => {
            let kind = match other {
                Value::Bool(_) => "bool",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                _ => "array",
            };
            return Err(ApiError::bad_json(format!(
                "json: cannot unmarshal {kind} into Go value of type api.{go_type}"
            )));
        }
    };
    serde_json::from_value(Value::Object(fields))
        .map_err(|e| ApiError::bad_json(format!("json: cannot unmarshal into api.{go_type}: {e}")))
}

/// The top-level keys as Go matches them to struct fields: case folded (the params' JSON
/// names are all lower case), later keys replacing earlier ones, `null` passed over.
fn go_fields(m: JsonMap) -> JsonMap {
    let mut out = JsonMap::new();
    for (k, v) in m {
        // Unmarshalling null into a field is a no-op: an earlier value stays.
        if !v.is_null() {
            out.insert(go_fold(&k), v);
        }
    }
    out
}

/// Lower case as Go's `EqualFold` sees it, including the Kelvin sign and the long s, which
/// fold to `k` and `s`.
fn go_fold(key: &str) -> String {
    key.chars()
        .flat_map(|c| match c {
            '\u{212A}' => vec!['k'],
            '\u{017F}' => vec!['s'],
            c => c.to_lowercase().collect(),
        })
        .collect()
}

/// A JSON object body field that may be absent or `null`.
pub fn object_or_default(v: &Option<Value>) -> JsonMap {
    match v {
        Some(Value::Object(m)) => m.clone(),
        _ => JsonMap::new(),
    }
}

/// `extractBearerToken`: `^(?:B|b)earer (\S+$)`.
pub fn bearer(headers: &HeaderMap) -> ApiResult<&str> {
    let raw = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = raw
        .strip_prefix("Bearer ")
        .or_else(|| raw.strip_prefix("bearer "));
    match token {
        Some(t) if !t.is_empty() && !t.chars().any(char::is_whitespace) => Ok(t),
        _ => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "no_authorization",
            "This endpoint requires a valid Bearer token",
        )),
    }
}

fn parse_claims(settings: &Settings, token: &str) -> ApiResult<JsonMap> {
    jwt::verify_any(&settings.jwt_secret, settings.jwt_key.as_ref(), token).map_err(|e| {
        ApiError::forbidden(
            "bad_jwt",
            format!("invalid JWT: unable to parse or verify signature, {e}"),
        )
    })
}

/// A request made with an admin token.
pub struct Admin {
    pub role: String,
}

/// `requireAdminCredentials`.
pub fn require_admin(st: &AppState, headers: &HeaderMap) -> ApiResult<Admin> {
    let token = bearer(headers)?;
    let claims = parse_claims(&st.settings, token)?;
    let role = jwt::claim_str(&claims, "role");
    if st.settings.admin_roles.iter().any(|r| r == role) {
        Ok(Admin {
            role: role.to_string(),
        })
    } else {
        Err(ApiError::forbidden("not_admin", "User not allowed"))
    }
}

/// A request made with a user's access token.
pub struct Caller {
    pub user_id: Uuid,
    pub session_id: Option<Uuid>,
    pub claims: JsonMap,
}

/// `requireAuthentication` + `maybeLoadUserOrSession`: a valid token whose
/// user and session still exist.
pub fn require_user(st: &AppState, headers: &HeaderMap) -> ApiResult<Caller> {
    let token = bearer(headers)?;
    let claims = parse_claims(&st.settings, token)?;
    let sub = jwt::claim_str(&claims, "sub");
    if sub.is_empty() {
        return Err(ApiError::forbidden(
            "bad_jwt",
            "invalid claim: missing sub claim",
        ));
    }
    let user_id = Uuid::parse_str(sub)
        .map_err(|_| ApiError::bad_request("bad_jwt", "invalid claim: sub claim must be a UUID"))?;
    let db = st.read();
    if db.users.get(&user_id).is_none() {
        return Err(ApiError::forbidden(
            "user_not_found",
            "User from sub claim in JWT does not exist",
        ));
    }
    let sid = jwt::claim_str(&claims, "session_id");
    let mut session_id = None;
    if !sid.is_empty() && sid != Uuid::nil().to_string() {
        let id = Uuid::parse_str(sid).map_err(|_| {
            ApiError::forbidden("bad_jwt", "invalid claim: session_id claim must be a UUID")
        })?;
        if db.sessions.get(&id).is_none() {
            return Err(ApiError::forbidden(
                "session_not_found",
                "Session from session_id claim in JWT does not exist",
            ));
        }
        session_id = Some(id);
    }
    Ok(Caller {
        user_id,
        session_id,
        claims,
    })
}

/// `utilities.IsRedirectURLValid` without an allow list: same site as
/// `site_url` (any port on loopback), or a loopback address.
pub fn redirect_ok(settings: &Settings, candidate: &str) -> bool {
    if candidate.is_empty() || candidate.chars().any(|c| c <= ' ' || c == '\u{7f}') {
        return false;
    }
    let (Ok(base), Ok(target)) = (
        url::Url::parse(&settings.site_url),
        url::Url::parse(candidate),
    ) else {
        return false;
    };
    let loopback =
        |host: Option<&str>| matches!(host, Some("localhost" | "127.0.0.1" | "[::1]" | "::1"));
    if base.host_str() == target.host_str()
        && base.scheme() == target.scheme()
        && (base.port_or_known_default() == target.port_or_known_default()
            || loopback(target.host_str()))
    {
        return true;
    }
    matches!(target.scheme(), "http" | "https") && loopback(target.host_str())
}

/// `utilities.GetReferrer`: `redirect_to` (header, query), then the
/// `Referer` header, then `site_url`.
pub fn referrer(settings: &Settings, headers: &HeaderMap, query: &Query) -> String {
    let header_value = headers
        .get("redirect_to")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let candidate = if header_value.is_empty() {
        query.get("redirect_to")
    } else {
        header_value
    };
    if redirect_ok(settings, candidate) {
        return candidate.to_string();
    }
    let referer = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if redirect_ok(settings, referer) {
        return referer.to_string();
    }
    settings.site_url.clone()
}

/// GoTrue's `AccessTokenResponse` for a user and session.
pub fn token_response(
    settings: &Settings,
    user: &User,
    session: &Session,
    refresh_token: &str,
    now: DateTime<Utc>,
) -> Value {
    let iat = now.timestamp();
    let exp = iat.saturating_add(settings.jwt_exp);
    let claims = AccessClaims {
        iss: &settings.url,
        sub: user.id.to_string(),
        aud: &user.aud,
        exp,
        iat,
        email: &user.email,
        phone: &user.phone,
        app_metadata: &user.app_metadata,
        user_metadata: &user.user_metadata,
        role: &user.role,
        aal: &session.aal,
        amr: &session.amr,
        session_id: session.id.to_string(),
        is_anonymous: user.is_anonymous,
    };
    json!({
        "access_token": jwt::sign_access(&settings.jwt_secret, settings.jwt_key.as_ref(), &claims),
        "token_type": "bearer",
        "expires_in": settings.jwt_exp,
        "expires_at": exp,
        "refresh_token": refresh_token,
        "user": user.view(true),
    })
}

/// `issueRefreshToken`: a new session signed in with `method`, the user's
/// `last_sign_in_at` bumped.
pub fn grant(
    st: &AppState,
    db: &mut Db,
    user_id: &Uuid,
    method: &str,
    now: DateTime<Utc>,
) -> ApiResult<Value> {
    let user = db
        .users
        .update(user_id, |u| {
            u.last_sign_in_at = Some(now);
            u.clone()
        })
        .and_then(Result::ok)
        .ok_or_else(|| ApiError::internal("Database error granting user"))?;
    let (session, refresh) = db.sessions.create(*user_id, method, now);
    Ok(token_response(&st.settings, &user, &session, &refresh, now))
}

/// The 404 for an unknown or malformed user id (`loadUser`).
pub fn parse_user_id(raw: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(raw)
        .map_err(|_| ApiError::not_found("validation_failed", "user_id must be an UUID"))
}

pub fn user_not_found() -> ApiError {
    ApiError::not_found("user_not_found", "User not found")
}
