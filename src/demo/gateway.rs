//! A stand-in for Supabase's API gateway (`demo-server --gateway`): GoTrue under `/auth/v1`,
//! behind the rules a hosted project or a local stack (`supabase start`) applies.
//!
//! - Every request needs an API key in the `apikey` header (or query parameter): without one,
//!   401 with `sb-error-code: UNAUTHORIZED_MISSING_API_KEY`; an unknown one, 401
//!   `UNAUTHORIZED_INVALID_API_KEY`.
//! - An `sb_secret_…` or `sb_publishable_…` key is exchanged for a JWT of its role
//!   (`service_role`, `anon`) only when the request has no `Authorization` header. An
//!   `Authorization` header is passed on as it is, so `Bearer sb_secret_…` reaches GoTrue,
//!   which refuses it (403 `bad_jwt`), as Supabase's does (supabase/supabase-js#1568).
//! - A secret key is refused on a request that looks like a browser's (an `Origin` header,
//!   or a `Mozilla/` user agent): 401 `UNAUTHORIZED_SECRET_KEY_IN_BROWSER`.
//! - The legacy JWT keys are taken as they are: only the project's own.
//! - Outside `/auth/v1` there is nothing: the gateway's own 404.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use serde_json::json;

use super::jwt;

/// Where GoTrue lives behind the gateway.
pub const AUTH_PREFIX: &str = "/auth/v1";

/// The project's API keys, new and legacy.
#[derive(Debug)]
pub struct GatewayKeys {
    pub secret: String,
    pub publishable: String,
    pub anon_jwt: String,
    pub service_role_jwt: String,
}

impl GatewayKeys {
    pub fn new(jwt_secret: &str) -> GatewayKeys {
        GatewayKeys {
            secret: format!("sb_secret_{}", random_token(32)),
            publishable: format!("sb_publishable_{}", random_token(32)),
            anon_jwt: jwt::project_key(jwt_secret, "anon"),
            service_role_jwt: jwt::project_key(jwt_secret, "service_role"),
        }
    }
}

fn random_token(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    let mut rng = rand::rng();
    (0..len)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// GoTrue's router, served under `/auth/v1` behind the gateway's rules.
pub fn wrap(gotrue: Router, keys: Arc<GatewayKeys>) -> Router {
    Router::new()
        .nest(AUTH_PREFIX, gotrue)
        .fallback(no_route)
        .layer(axum::middleware::from_fn_with_state(keys, gateway))
}

async fn no_route() -> Response {
    refusal(
        StatusCode::NOT_FOUND,
        None,
        "no Route matched with those values",
    )
}

fn refusal(status: StatusCode, code: Option<&'static str>, message: &str) -> Response {
    let mut r = (status, axum::Json(json!({ "message": message }))).into_response();
    if let Some(code) = code {
        r.headers_mut()
            .insert("sb-error-code", HeaderValue::from_static(code));
    }
    r
}

/// The API key of a request: the `apikey` header, else the `apikey` query parameter.
fn api_key(req: &Request) -> Option<String> {
    if let Some(v) = req.headers().get("apikey").and_then(|v| v.to_str().ok()) {
        return Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    }
    let query = req.uri().query()?;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "apikey")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn looks_like_a_browser(req: &Request) -> bool {
    let h = req.headers();
    h.contains_key(header::ORIGIN)
        || h.get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ua| ua.contains("Mozilla/"))
}

async fn gateway(State(keys): State<Arc<GatewayKeys>>, mut req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let under_auth = path == AUTH_PREFIX || path.starts_with(&format!("{AUTH_PREFIX}/"));
    if !under_auth {
        return no_route().await;
    }
    // CORS preflights carry no key; GoTrue answers them.
    if req.method() == Method::OPTIONS {
        return next.run(req).await;
    }
    let Some(key) = api_key(&req) else {
        return refusal(
            StatusCode::UNAUTHORIZED,
            Some("UNAUTHORIZED_MISSING_API_KEY"),
            "No API key found in request",
        );
    };
    let exchanged = if key == keys.secret {
        if looks_like_a_browser(&req) {
            return refusal(
                StatusCode::UNAUTHORIZED,
                Some("UNAUTHORIZED_SECRET_KEY_IN_BROWSER"),
                "Forbidden use of secret API key in browser",
            );
        }
        Some(&keys.service_role_jwt)
    } else if key == keys.publishable {
        Some(&keys.anon_jwt)
    } else if key == keys.anon_jwt || key == keys.service_role_jwt {
        None
    } else {
        return refusal(
            StatusCode::UNAUTHORIZED,
            Some("UNAUTHORIZED_INVALID_API_KEY"),
            "Invalid API key",
        );
    };
    if let Some(role_jwt) = exchanged
        && !req.headers().contains_key(header::AUTHORIZATION)
        && let Ok(v) = HeaderValue::from_str(&format!("Bearer {role_jwt}"))
    {
        req.headers_mut().insert(header::AUTHORIZATION, v);
    }
    next.run(req).await
}
