//! The HTTP surface: GoTrue's routes (internal/api/api.go) plus `/demo/*`.

mod admin;
mod admin_links;
mod common;
mod demo;
mod meta;
mod middleware;
mod otp;
mod sends;
mod signup;
mod surfaces;
mod token;
mod user;
mod verify;

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::state::AppState;

/// Every route, wrapped in the CORS, error-shape and fault layers.
pub fn router(state: Arc<AppState>) -> Router {
    let api = Router::new()
        .route("/health", get(meta::health))
        .route("/settings", get(meta::settings))
        .route("/.well-known/jwks.json", get(meta::jwks))
        .route("/authorize", get(meta::authorize))
        .route("/signup", post(signup::signup))
        .route("/token", post(token::token))
        .route("/logout", post(token::logout))
        .route("/otp", post(otp::otp))
        .route("/magiclink", post(otp::magiclink))
        .route("/recover", post(otp::recover))
        .route("/resend", post(otp::resend))
        .route("/verify", get(verify::verify_get).post(verify::verify_post))
        .route("/invite", post(admin_links::invite))
        .route("/user", get(user::get_user).put(user::put_user))
        .route("/factors", post(user::enroll_factor))
        .route(
            "/factors/{factor_id}",
            axum::routing::delete(user::unenroll_factor),
        )
        .route(
            "/admin/users",
            get(admin::list_users).post(admin::create_user),
        )
        .route(
            "/admin/users/{user_id}",
            get(admin::get_user)
                .put(admin::update_user)
                .delete(admin::delete_user),
        )
        .route("/admin/users/{user_id}/factors", get(admin::list_factors))
        .route(
            "/admin/users/{user_id}/factors/{factor_id}",
            axum::routing::delete(admin::delete_factor).put(admin::update_factor),
        )
        .route(
            "/admin/users/{user_id}/passkeys",
            get(surfaces::list_passkeys),
        )
        .route(
            "/admin/users/{user_id}/passkeys/{passkey_id}",
            axum::routing::delete(surfaces::delete_passkey),
        )
        .route(
            "/admin/sso/providers",
            get(surfaces::list_sso).post(surfaces::create_sso),
        )
        .route(
            "/admin/sso/providers/{idp_id}",
            get(surfaces::get_sso)
                .put(surfaces::update_sso)
                .delete(surfaces::delete_sso),
        )
        .route(
            "/admin/oauth/clients",
            get(surfaces::list_clients).post(surfaces::register_client),
        )
        .route(
            "/admin/oauth/clients/{client_id}",
            get(surfaces::get_client)
                .put(surfaces::update_client)
                .delete(surfaces::delete_client),
        )
        .route(
            "/admin/oauth/clients/{client_id}/regenerate_secret",
            post(surfaces::regenerate_secret),
        )
        .route(
            "/admin/custom-providers",
            get(surfaces::list_custom).post(surfaces::create_custom),
        )
        .route(
            "/admin/custom-providers/{identifier}",
            get(surfaces::get_custom)
                .put(surfaces::update_custom)
                .delete(surfaces::delete_custom),
        )
        .route(
            "/demo/users/{user_id}/passkeys",
            post(surfaces::add_passkey),
        )
        .route("/admin/generate_link", post(admin_links::generate_link))
        .route("/admin/audit", get(admin_links::audit))
        .route(
            "/demo/outbox",
            get(demo::list_outbox).delete(demo::clear_outbox),
        )
        .route("/demo/faults", get(demo::get_faults).put(demo::put_faults))
        .route("/demo/oauth/{provider}", get(meta::fake_provider))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone());

    api.layer(axum::middleware::from_fn_with_state(
        state.clone(),
        middleware::faults,
    ))
    .layer(axum::middleware::from_fn(
        middleware::form_bodies_are_consumed,
    ))
    .layer(axum::middleware::from_fn(middleware::error_shape))
    .layer(axum::middleware::from_fn(middleware::cors))
}

/// Go's `http.NotFound`, which GoTrue's router answers unknown paths with.
async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "404 page not found\n",
    )
        .into_response()
}

/// chi's answer to a known path with the wrong method: 405, no body.
async fn method_not_allowed() -> Response {
    StatusCode::METHOD_NOT_ALLOWED.into_response()
}
