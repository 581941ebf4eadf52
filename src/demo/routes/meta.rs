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

pub const VERSION: &str = "v2.189.0-demo";

/// OAuth providers the demo pretends to have configured.
const ENABLED_PROVIDERS: &[&str] = &["github", "google"];

/// Every provider key of GoTrue's `ProviderSettings`.
const PROVIDERS: &[&str] = &[
    "anonymous_users",
    "apple",
    "azure",
    "bitbucket",
    "discord",
    "facebook",
    "figma",
    "fly",
    "github",
    "gitlab",
    "google",
    "keycloak",
    "kakao",
    "linkedin",
    "linkedin_oidc",
    "nextcloud",
    "notion",
    "spotify",
    "slack",
    "slack_oidc",
    "workos",
    "twitch",
    "twitter",
    "x",
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

pub async fn settings(State(st): State<Shared>) -> ApiResult<Response> {
    let mut external = Map::new();
    for p in PROVIDERS {
        let on = matches!(*p, "email" | "phone") || ENABLED_PROVIDERS.contains(p);
        external.insert((*p).to_string(), Value::Bool(on));
    }
    common::ok(&json!({
        "external": external,
        "disable_signup": false,
        "mailer_autoconfirm": st.settings.mailer_autoconfirm,
        "phone_autoconfirm": st.settings.phone_autoconfirm,
        "sms_provider": "twilio",
        "saml_enabled": false,
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
    if !ENABLED_PROVIDERS.contains(&provider) {
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
    Ok((StatusCode::FOUND, [(header::LOCATION, location)]).into_response())
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
