//! `GET /health`, `GET /settings` (internal/api/settings.go) and
//! `GET /authorize` (external.go), which sends the browser to a local stand-in
//! for the OAuth provider.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::super::errors::{ApiError, ApiResult};
use super::super::pagination::{Query, go_query_escape};
use super::common::{self, Shared};

/// The GoTrue release the demo server follows, marked as the demo.
pub const VERSION: &str = "v2.196.0-demo";

/// Every provider key of GoTrue's `ProviderSettings` (v2.196.0), in its order.
const PROVIDERS: &[&str] = &[
    "anonymous_users",
    "apple",
    "azure",
    "bitbucket",
    "discord",
    "facebook",
    "snapchat",
    "figma",
    "fly",
    "github",
    "gitlab",
    "google",
    "keycloak",
    "kakao",
    "linkedin",
    "linkedin_oidc",
    "notion",
    "spotify",
    "slack",
    "slack_oidc",
    "workos",
    "twitch",
    "twitter",
    "email",
    "phone",
    "zoom",
];

pub async fn health() -> ApiResult<Response> {
    common::ok(&json!({
        "version": VERSION,
        "name": "GoTrue",
        "description": "GoTrue is a user registration and authentication API (gotrue-console demo server)",
    }))
}

/// `WellKnownJwks` (internal/api/jwks.go): the public signing keys, none for HS256.
pub async fn jwks(State(st): State<Shared>) -> Response {
    let keys: Vec<Value> = st.settings.jwt_key.iter().map(|k| k.public_jwk()).collect();
    let mut r = common::json_response(StatusCode::OK, &json!({ "keys": keys }));
    r.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("public, max-age=600"),
    );
    r
}

pub async fn settings(State(st): State<Shared>) -> ApiResult<Response> {
    let mut external = Map::new();
    let s = &st.settings;
    for p in PROVIDERS {
        let on = match *p {
            "email" | "phone" => true,
            "anonymous_users" => s.anonymous_users,
            other => s.oauth_providers.iter().any(|e| e == other),
        };
        external.insert((*p).to_string(), Value::Bool(on));
    }
    common::ok(&json!({
        "external": external,
        "disable_signup": false,
        "mailer_autoconfirm": s.mailer_autoconfirm,
        "phone_autoconfirm": s.phone_autoconfirm,
        "sms_provider": "twilio",
        "saml_enabled": st.settings.saml_enabled,
        // v2.196.0 reports this whether or not SAML is on (settings.go).
        "saml_private_key_next_configured": true,
        "passkeys_enabled": false,
    }))
}

pub async fn authorize(
    State(st): State<Shared>,
    headers: HeaderMap,
    uri: Uri,
) -> ApiResult<Response> {
    let q = Query::from_uri(&uri);
    let provider = q.get("provider");
    if !PROVIDERS.contains(&provider) || matches!(provider, "email" | "phone" | "anonymous_users") {
        return Err(ApiError::validation(format!(
            "Unsupported provider: Provider {provider} could not be found"
        )));
    }
    if !st.settings.oauth_providers.iter().any(|p| p == provider) {
        return Err(ApiError::validation(
            "Unsupported provider: provider is not enabled",
        ));
    }
    let redirect = common::referrer(&st.settings, &headers, &q);
    let location = format!(
        "{}/demo/oauth/{provider}?redirect_to={}&scopes={}",
        st.settings.url,
        go_query_escape(&redirect),
        go_query_escape(q.get("scopes"))
    );
    // Go's http.Redirect answers a GET with a short HTML body naming the target.
    let body = format!(
        "<a href=\"{}\">Found</a>.\n\n",
        location.replace('&', "&amp;").replace('"', "&quot;")
    );
    Ok((
        StatusCode::FOUND,
        [
            (header::LOCATION, location),
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
        ],
        body,
    )
        .into_response())
}

/// The stand-in provider page `/authorize` redirects to.
pub async fn fake_provider(Path(provider): Path<String>, uri: Uri) -> Response {
    let q = Query::from_uri(&uri);
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    Html(format!(
        "<!DOCTYPE html><html><head><title>{p} (demo)</title></head><body>\
         <h1>Sign in with {p}</h1>\
         <p>This is the gotrue-console demo server. OAuth providers are simulated: \
         no sign-in happens here.</p>\
         <p>After a real sign-in GoTrue would return to <code>{r}</code>.</p>\
         </body></html>",
        p = escape(&provider),
        r = escape(q.get("redirect_to")),
    ))
    .into_response()
}
