//! Errors: the public [`DemoError`] for starting the server, and [`ApiError`],
//! an HTTP error rendered exactly like GoTrue's `HandleResponseError`
//! (internal/api/errors.go): the legacy `{code:int, error_code, msg}` shape,
//! or `{code, message}` when the request carries `X-Supabase-Api-Version`
//! with a date on or after 2024-01-01.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// Why the demo server could not start or keep running.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    /// The embedded seed data could not be loaded.
    #[error("demo seed data is invalid: {0}")]
    Seed(String),
    /// Any other I/O failure (signals, stdout).
    #[error("demo server I/O error: {0}")]
    Io(#[from] std::io::Error),
}

pub const API_VERSION_HEADER: &str = "x-supabase-api-version";
pub const ERROR_CODE_HEADER: &str = "x-sb-error-code";

/// A GoTrue error answer.
#[derive(Debug, Clone)]
pub enum ApiError {
    /// GoTrue's `HTTPError`.
    Http {
        status: StatusCode,
        code: String,
        message: String,
    },
    /// GoTrue's `WeakPasswordError` (always 422).
    WeakPassword {
        message: String,
        reasons: Vec<String>,
    },
    /// A Postgres error GoTrue passes through in the legacy shape
    /// (`utilities.NewPostgresError`); the modern shape shows `fallback`.
    Postgres {
        code: String,
        message: String,
        detail: Option<String>,
        fallback_message: String,
    },
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError::Http {
            status,
            code: code.to_string(),
            message: message.into(),
        }
    }

    pub fn bad_request(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::bad_request("validation_failed", message)
    }

    pub fn unprocessable(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    pub fn forbidden(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, code, message)
    }

    pub fn not_found(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }

    pub fn too_many(code: &str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, code, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "unexpected_failure",
            message,
        )
    }

    pub fn weak_password(message: impl Into<String>, reasons: Vec<String>) -> Self {
        ApiError::WeakPassword {
            message: message.into(),
            reasons,
        }
    }

    /// `retrieveRequestParams`'s answer to a body that is not JSON.
    pub fn bad_json(detail: impl std::fmt::Display) -> Self {
        Self::bad_request(
            "bad_json",
            format!("Could not parse request body as JSON: {detail}"),
        )
    }

    /// The code GoTrue reports for this error (also used by the header).
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Http { code, .. } => Some(code),
            ApiError::WeakPassword { .. } => Some("weak_password"),
            ApiError::Postgres { .. } => Some("unexpected_failure"),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Http { status, .. } => *status,
            ApiError::WeakPassword { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Postgres { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            ApiError::Http { message, .. } | ApiError::WeakPassword { message, .. } => message,
            ApiError::Postgres {
                fallback_message, ..
            } => fallback_message,
        }
    }

    /// Renders the answer for a request that did (`modern`) or did not ask
    /// for the 2024-01-01 API version.
    pub fn render(&self, modern: bool) -> Response {
        let mut headers = HeaderMap::new();
        if modern {
            headers.insert(API_VERSION_HEADER, HeaderValue::from_static("2024-01-01"));
        }
        let (status, body) = match self {
            ApiError::Http {
                status,
                code,
                message,
            } => {
                set_code_header(&mut headers, code);
                let body = if modern {
                    json!({ "code": code, "message": message })
                } else if status.is_server_error() {
                    json!({
                        "code": status.as_u16(),
                        "error_code": code,
                        "msg": message,
                        "error_id": uuid::Uuid::new_v4().to_string(),
                    })
                } else {
                    json!({ "code": status.as_u16(), "error_code": code, "msg": message })
                };
                (*status, body)
            }
            ApiError::WeakPassword { message, reasons } => {
                let mut body = if modern {
                    json!({ "code": "weak_password", "message": message })
                } else {
                    // GoTrue sets the code header only on this branch.
                    set_code_header(&mut headers, "weak_password");
                    json!({ "code": 422, "error_code": "weak_password", "msg": message })
                };
                if let (false, Value::Object(map)) = (reasons.is_empty(), &mut body) {
                    map.insert("weak_password".into(), json!({ "reasons": reasons }));
                }
                (StatusCode::UNPROCESSABLE_ENTITY, body)
            }
            ApiError::Postgres {
                code,
                message,
                detail,
                fallback_message,
            } => {
                set_code_header(&mut headers, "unexpected_failure");
                let body = if modern {
                    json!({ "code": "unexpected_failure", "message": fallback_message })
                } else {
                    let mut body = json!({ "code": code, "message": message });
                    if let (Some(d), Value::Object(map)) = (detail, &mut body) {
                        map.insert("detail".into(), Value::String(d.clone()));
                    }
                    body
                };
                (StatusCode::INTERNAL_SERVER_ERROR, body)
            }
        };
        let mut response = (status, headers, json_bytes(&body)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}

fn set_code_header(headers: &mut HeaderMap, code: &str) {
    if let Ok(value) = HeaderValue::from_str(code) {
        headers.insert(ERROR_CODE_HEADER, value);
    }
}

fn json_bytes(v: &Value) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// Marker put on error responses so the API-version middleware can re-render
/// them in the shape the request asked for.
#[derive(Clone, Debug)]
pub struct RenderedError(pub ApiError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = self.render(false);
        response.extensions_mut().insert(RenderedError(self));
        response
    }
}

/// GoTrue's `DetermineClosestAPIVersion`: a `YYYY-MM-DD` date on or after
/// 2024-01-01 selects the modern error shape; anything else the legacy one.
pub fn wants_modern_errors(headers: &HeaderMap) -> bool {
    let Some(raw) = headers
        .get(API_VERSION_HEADER)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    match chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
        Ok(date) => chrono::NaiveDate::from_ymd_opt(2024, 1, 1).is_some_and(|d| date >= d),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_header_dates() {
        let mut h = HeaderMap::new();
        assert!(!wants_modern_errors(&h));
        h.insert(API_VERSION_HEADER, HeaderValue::from_static("2024-01-01"));
        assert!(wants_modern_errors(&h));
        h.insert(API_VERSION_HEADER, HeaderValue::from_static("2030-12-31"));
        assert!(wants_modern_errors(&h));
        h.insert(API_VERSION_HEADER, HeaderValue::from_static("2023-12-31"));
        assert!(!wants_modern_errors(&h));
        h.insert(API_VERSION_HEADER, HeaderValue::from_static("yesterday"));
        assert!(!wants_modern_errors(&h));
    }
}
