//! Layers around every route: CORS like GoTrue's rs/cors setup, the error
//! shape chosen by `X-Supabase-Api-Version`, and fault injection.

use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::stream;

use super::super::errors::{ApiError, RenderedError, wants_modern_errors};
use super::super::faults::Fault;
use super::super::listener::ConnKill;
use super::super::state::AppState;

const ALLOWED_HEADERS: &str = "Accept, Authorization, Content-Type, X-Client-IP, X-Client-Info, \
     X-JWT-AUD, X-Use-Cookie, X-Supabase-Api-Version, apikey, x-client-info";
const EXPOSED_HEADERS: &str = "X-Total-Count, Link, X-Supabase-Api-Version";

/// Any origin, credentials allowed, the headers supabase-js sends.
pub async fn cors(req: Request, next: Next) -> Response {
    let origin = req.headers().get(header::ORIGIN).cloned();
    let preflight = req.method() == Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PUT, DELETE"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOWED_HEADERS),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        r
    } else {
        next.run(req).await
    };
    if let Some(origin) = origin {
        let h = response.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
        h.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
        h.append(header::VARY, HeaderValue::from_static("Origin"));
    }
    response
}

/// GoTrue's request logger looks up the referrer of every request
/// (internal/observability/request-logger.go → `utilities.GetReferrer` → `r.ParseForm()`),
/// and Go's `ParseForm` consumes a POST, PUT or PATCH body sent as a form: the handler then
/// finds the body empty. A JSON body sent with a form `Content-Type` is therefore
/// "unexpected end of JSON input".
pub async fn form_bodies_are_consumed(req: Request, next: Next) -> Response {
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .is_some_and(|v| v == "application/x-www-form-urlencoded" || v == "multipart/form-data");
    let consumes = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH);
    if form && consumes {
        let (parts, _) = req.into_parts();
        return next.run(Request::from_parts(parts, Body::empty())).await;
    }
    next.run(req).await
}

/// Re-renders GoTrue errors in the modern shape when the request asked for
/// API version 2024-01-01 or later.
pub async fn error_shape(req: Request, next: Next) -> Response {
    let modern = wants_modern_errors(req.headers());
    let response = next.run(req).await;
    if !modern {
        return response;
    }
    match response.extensions().get::<RenderedError>() {
        Some(RenderedError(err)) => {
            let err = err.clone();
            let mut fresh = err.render(true);
            fresh.extensions_mut().insert(RenderedError(err));
            fresh
        }
        None => response,
    }
}

fn sends_messages(method: &Method, path: &str) -> bool {
    matches!(
        path,
        "/signup" | "/otp" | "/magiclink" | "/recover" | "/resend" | "/invite"
    ) || (path == "/user" && method == Method::PUT)
}

/// Injects the configured faults.
pub async fn faults(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let sends = sends_messages(req.method(), &path);
    let (latency, fault) = {
        let mut f = st.faults();
        if !f.applies(&path) {
            (0, None)
        } else {
            (f.latency_ms(), f.pick(sends))
        }
    };
    if latency > 0 && !wait(&st, Duration::from_millis(latency)).await {
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unexpected_failure",
            "Server is shutting down",
        )
        .into_response();
    }
    let Some(fault) = fault else {
        return next.run(req).await;
    };
    match fault {
        Fault::Hang => {
            // Held until the client gives up or the server stops.
            wait(&st, Duration::from_secs(3600)).await;
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "unexpected_failure",
                "Server is shutting down",
            )
            .into_response()
        }
        Fault::Fail503 => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"message":"Service Unavailable (demo fault)"}"#,
        )
            .into_response(),
        Fault::Fail500 => {
            ApiError::internal("Unexpected failure, please check server logs for more information")
                .into_response()
        }
        Fault::RateLimit => {
            let (parts, body) = req.into_parts();
            let bytes = axum::body::to_bytes(body, 1 << 20)
                .await
                .unwrap_or_default();
            let phone = serde_json::from_slice::<serde_json::Value>(&bytes)
                .ok()
                .and_then(|v| v.get("phone").and_then(|p| p.as_str()).map(str::to_string))
                .is_some_and(|p| !p.is_empty());
            let _ = parts;
            if phone {
                ApiError::too_many("over_sms_send_rate_limit", "SMS rate limit exceeded")
            } else {
                ApiError::too_many("over_email_send_rate_limit", "email rate limit exceeded")
            }
            .into_response()
        }
        Fault::NonJson => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!DOCTYPE html><html><head><title>Just a moment...</title></head>\
             <body><h1>Checking your browser</h1><p>demo fault: not JSON</p></body></html>",
        )
            .into_response(),
        Fault::Drop => {
            if let Some(ConnectInfo(conn)) = req.extensions().get::<ConnectInfo<ConnKill>>() {
                conn.kill();
            }
            truncated(
                StatusCode::INTERNAL_SERVER_ERROR,
                HeaderMap::new(),
                Bytes::new(),
                0,
            )
        }
        Fault::Truncate => {
            let response = next.run(req).await;
            let (parts, body) = response.into_parts();
            let bytes = axum::body::to_bytes(body, 64 << 20)
                .await
                .unwrap_or_default();
            let keep = bytes.len() / 2;
            truncated(parts.status, parts.headers, bytes, keep)
        }
    }
}

/// A response announcing `full.len()` bytes that stops after `keep` of them
/// with an error, which makes hyper abort the connection.
fn truncated(status: StatusCode, mut headers: HeaderMap, full: Bytes, keep: usize) -> Response {
    let announced = full.len().max(1);
    let head = full.slice(..keep.min(full.len()));
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![
        Ok(head),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "body truncated by demo fault",
        )),
    ];
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(announced));
    let mut response = Response::new(Body::from_stream(stream::iter(chunks)));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

/// Sleeps, cut short by server shutdown. Returns `false` if cut short.
async fn wait(st: &AppState, d: Duration) -> bool {
    let mut shutdown = st.shutdown.clone();
    tokio::select! {
        _ = tokio::time::sleep(d) => true,
        _ = shutdown.wait_for(|stop| *stop) => false,
    }
}
