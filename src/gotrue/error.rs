//! One error type for every way a GoTrue call can fail.

use serde_json::Value;
use std::fmt;

/// What kind of failure this is, so the UI can say the right thing and the worker knows what
/// is worth retrying.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// HTTP 429 or an `over_*_rate_limit` code.
    RateLimited,
    /// Wrong credentials, a bad, expired or signed-out token, a non-admin key, a banned user.
    Auth,
    /// The user, factor or other object does not exist.
    NotFound,
    /// The request was refused as invalid (bad input, weak password, expired OTP…).
    Validation,
    /// It already exists (email or phone taken, a unique constraint).
    Conflict,
    /// The server failed (5xx).
    Server,
    /// The request never got an HTTP answer: connection refused, reset, timeout, TLS.
    Transport,
    /// An answer came, but not one we could read (HTML, truncated or unexpected JSON).
    Decode,
}

impl ErrorKind {
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::Auth => "not authorised",
            ErrorKind::NotFound => "not found",
            ErrorKind::Validation => "invalid request",
            ErrorKind::Conflict => "conflict",
            ErrorKind::Server => "server error",
            ErrorKind::Transport => "network error",
            ErrorKind::Decode => "unreadable answer",
        }
    }
}

/// A failed GoTrue call: HTTP status, GoTrue's error code and message, and a kind.
#[derive(Clone, Debug, PartialEq)]
pub struct GoTrueError {
    pub kind: ErrorKind,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// GoTrue's error code (`weak_password`, `user_banned`, …), a Postgres SQLSTATE
    /// (`23505`) for database passthrough errors, or an OAuth `error` (`invalid_grant`).
    pub code: Option<String>,
    /// The human message, as the server wrote it, or a description of the transport failure.
    pub message: String,
    /// Extra detail: Postgres `detail`/`hint`, or a snippet of a body we could not read.
    pub detail: Option<String>,
    /// `weak_password.reasons`: `length`, `characters`, `pwned`.
    pub weak_password_reasons: Vec<String>,
    /// GoTrue's `error_id` on 5xx answers, to quote when reporting a server bug.
    pub error_id: Option<String>,
}

impl fmt::Display for GoTrueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.status, &self.code) {
            (Some(status), Some(code)) => write!(f, "{status} {code}: {}", self.message)?,
            (Some(status), None) => write!(f, "{status}: {}", self.message)?,
            (None, Some(code)) => write!(f, "{code}: {}", self.message)?,
            (None, None) => write!(f, "{}: {}", self.kind.label(), self.message)?,
        }
        if !self.weak_password_reasons.is_empty() {
            write!(f, " (reasons: {})", self.weak_password_reasons.join(", "))?;
        }
        Ok(())
    }
}

impl std::error::Error for GoTrueError {}

/// The longest piece of an unreadable body quoted back to the user.
const SNIPPET_LEN: usize = 200;

/// The code of a 2xx answer whose body broke off: the server answered, the connection did not
/// last. Worth retrying for a read; for a write, the change may have been made.
pub const CUT_OFF: &str = "answer_cut_off";

impl GoTrueError {
    /// A failure found on this side, before or without an answer: no status, no body.
    pub fn local(kind: ErrorKind, code: Option<&str>, message: impl Into<String>) -> Self {
        let mut err = Self::bare(kind, None, message.into());
        err.code = code.map(str::to_owned);
        err
    }

    pub fn transport(message: impl Into<String>) -> Self {
        Self::bare(ErrorKind::Transport, None, message.into())
    }

    pub fn decode(status: Option<u16>, message: impl Into<String>, body: &[u8]) -> Self {
        let mut err = Self::bare(ErrorKind::Decode, status, message.into());
        err.detail = snippet(body);
        err
    }

    /// A 2xx answer whose body broke off before its end.
    pub fn cut_off(status: u16, message: impl Into<String>) -> Self {
        let mut err = Self::bare(ErrorKind::Decode, Some(status), message.into());
        err.code = Some(CUT_OFF.to_owned());
        err
    }

    fn bare(kind: ErrorKind, status: Option<u16>, message: String) -> Self {
        Self {
            kind,
            status,
            code: None,
            message,
            detail: None,
            weak_password_reasons: Vec::new(),
            error_id: None,
        }
    }

    /// Whether retrying the same request later may succeed (for idempotent reads only).
    pub fn is_transient(&self) -> bool {
        match self.kind {
            ErrorKind::Transport | ErrorKind::RateLimited => true,
            ErrorKind::Server => matches!(self.status, Some(500 | 502 | 503 | 504)),
            // A body that broke off is a network failure; a whole answer that is not GoTrue's
            // (a proxy's page, a wrong URL) would only come again.
            ErrorKind::Decode => {
                self.status.is_none_or(|s| s >= 500) || self.code.as_deref() == Some(CUT_OFF)
            }
            _ => false,
        }
    }

    /// For a write: whether the server may have made the change despite this error (no whole
    /// answer came, or it failed on its side), so repeating it needs a look first.
    pub fn may_have_been_applied(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::Transport | ErrorKind::Decode | ErrorKind::Server
        )
    }

    /// Decodes a non-2xx answer. Understands every shape GoTrue and the things in front of
    /// it send: the 2024-01-01 shape `{code: "…", message}`, the older
    /// `{code: 422, error_code, msg}`, OAuth's `{error, error_description}`, Postgres
    /// passthrough `{code: "23505", message, detail, hint}`, the `x-sb-error-code` header, and
    /// empty, HTML or truncated bodies from gateways.
    pub fn from_response(status: u16, header_code: Option<&str>, body: &[u8]) -> Self {
        let json: Option<Value> = serde_json::from_slice(body).ok();
        let obj = json.as_ref().and_then(Value::as_object);

        let mut code: Option<String> = None;
        let mut message: Option<String> = None;
        let mut detail: Option<String> = None;
        let mut error_id: Option<String> = None;
        let mut reasons = Vec::new();

        if let Some(obj) = obj {
            let text = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_owned);
            // Codes: `error_code` (old shape), a string `code` (new shape or SQLSTATE), OAuth
            // `error`. A numeric `code` is only the HTTP status repeated.
            code = text("error_code")
                .or_else(|| text("code"))
                .or_else(|| text("error"));
            message = text("message")
                .or_else(|| text("msg"))
                .or_else(|| text("error_description"))
                .or_else(|| text("error"));
            let hint = text("hint");
            detail = match (text("detail"), hint) {
                (Some(d), Some(h)) => Some(format!("{d} (hint: {h})")),
                (d, h) => d.or(h),
            };
            error_id = text("error_id");
            if let Some(list) = obj
                .get("weak_password")
                .and_then(|w| w.get("reasons"))
                .and_then(Value::as_array)
            {
                reasons = list
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
            }
        }
        if let Some(h) = header_code.filter(|h| !h.is_empty()) {
            // The header is authoritative for GoTrue's own code; keep a SQLSTATE-looking body
            // code only when the header is absent.
            code = Some(h.to_owned());
        }
        if code.as_deref() == Some("") {
            code = None;
        }

        let readable = obj.is_some() && (message.is_some() || code.is_some());
        let kind = if readable || (200..600).contains(&status) && body_is_blank(body) {
            classify(status, code.as_deref())
        } else {
            // HTML from a proxy, a truncated body, plain text: the status still tells a lot.
            classify(status, None)
        };
        let message = match message {
            Some(m) if !m.is_empty() => m,
            _ if body_is_blank(body) => status_text(status).to_owned(),
            _ if obj.is_none() => format!(
                "{} (the server sent a body that is not GoTrue JSON)",
                status_text(status)
            ),
            _ => status_text(status).to_owned(),
        };
        if detail.is_none() && obj.is_none() {
            detail = snippet(body);
        }
        Self {
            kind,
            status: Some(status),
            code,
            message,
            detail,
            weak_password_reasons: reasons,
            error_id,
        }
    }
}

fn body_is_blank(body: &[u8]) -> bool {
    body.iter().all(u8::is_ascii_whitespace)
}

fn snippet(body: &[u8]) -> Option<String> {
    if body_is_blank(body) {
        return None;
    }
    let text = String::from_utf8_lossy(body);
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = text.chars().take(SNIPPET_LEN).collect();
    if text.chars().count() > SNIPPET_LEN {
        out.push('…');
    }
    Some(out)
}

fn classify(status: u16, code: Option<&str>) -> ErrorKind {
    if let Some(code) = code {
        if code.starts_with("over_") && code.ends_with("_rate_limit") {
            return ErrorKind::RateLimited;
        }
        match code {
            "invalid_credentials"
            | "email_not_confirmed"
            | "phone_not_confirmed"
            | "user_banned"
            | "bad_jwt"
            | "not_admin"
            | "no_authorization"
            | "session_not_found"
            | "session_expired"
            | "refresh_token_not_found"
            | "refresh_token_already_used"
            | "invalid_grant"
            | "insufficient_aal"
            | "reauthentication_needed"
            | "user_sso_managed" => return ErrorKind::Auth,
            "user_not_found"
            | "identity_not_found"
            | "mfa_factor_not_found"
            | "flow_state_not_found" => return ErrorKind::NotFound,
            "email_exists"
            | "phone_exists"
            | "user_already_exists"
            | "identity_already_exists"
            | "conflict"
            | "23505" => return ErrorKind::Conflict,
            _ => {}
        }
    }
    match status {
        429 => ErrorKind::RateLimited,
        401 | 403 => ErrorKind::Auth,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::Conflict,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::Validation,
    }
}

fn status_text(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "HTTP error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modern_shape() {
        let e = GoTrueError::from_response(
            400,
            Some("user_banned"),
            br#"{"code":"user_banned","message":"User is banned"}"#,
        );
        assert_eq!(e.code.as_deref(), Some("user_banned"));
        assert_eq!(e.message, "User is banned");
        assert_eq!(e.kind, ErrorKind::Auth);
        assert_eq!(e.to_string(), "400 user_banned: User is banned");
    }

    #[test]
    fn legacy_shape_with_weak_password_reasons() {
        let e = GoTrueError::from_response(
            422,
            None,
            br#"{"code":422,"error_code":"weak_password","msg":"Password should be at least 6 characters.","weak_password":{"reasons":["length"]}}"#,
        );
        assert_eq!(e.code.as_deref(), Some("weak_password"));
        assert_eq!(e.message, "Password should be at least 6 characters.");
        assert_eq!(e.weak_password_reasons, vec!["length"]);
        assert_eq!(e.kind, ErrorKind::Validation);
        assert!(e.to_string().contains("reasons: length"));
    }

    #[test]
    fn oldest_shape_has_only_status_and_msg() {
        let e = GoTrueError::from_response(400, None, br#"{"code":400,"msg":"Invalid email"}"#);
        assert_eq!(e.code, None);
        assert_eq!(e.message, "Invalid email");
        assert_eq!(e.kind, ErrorKind::Validation);
    }

    #[test]
    fn oauth_shape() {
        let e = GoTrueError::from_response(
            400,
            None,
            br#"{"error":"invalid_grant","error_description":"Invalid login credentials"}"#,
        );
        assert_eq!(e.code.as_deref(), Some("invalid_grant"));
        assert_eq!(e.message, "Invalid login credentials");
        assert_eq!(e.kind, ErrorKind::Auth);
    }

    #[test]
    fn postgres_passthrough() {
        let e = GoTrueError::from_response(
            500,
            None,
            br#"{"code":"23505","message":"duplicate key value violates unique constraint \"users_email_partial_key\"","detail":"Key (email)=(a@b.c) already exists.","hint":null}"#,
        );
        assert_eq!(e.code.as_deref(), Some("23505"));
        assert_eq!(e.kind, ErrorKind::Conflict);
        assert_eq!(
            e.detail.as_deref(),
            Some("Key (email)=(a@b.c) already exists.")
        );
    }

    #[test]
    fn header_code_wins_and_rate_limits_are_recognised() {
        let e = GoTrueError::from_response(
            429,
            Some("over_email_send_rate_limit"),
            br#"{"code":429,"msg":"For security purposes, you can only request this after 59 seconds."}"#,
        );
        assert_eq!(e.code.as_deref(), Some("over_email_send_rate_limit"));
        assert_eq!(e.kind, ErrorKind::RateLimited);
        assert!(e.is_transient());
    }

    #[test]
    fn html_empty_and_truncated_bodies() {
        let e = GoTrueError::from_response(502, None, b"<html><body>Bad gateway</body></html>");
        assert_eq!(e.kind, ErrorKind::Server);
        assert_eq!(e.code, None);
        assert!(e.message.starts_with("Bad Gateway"));
        assert_eq!(
            e.detail.as_deref(),
            Some("<html><body>Bad gateway</body></html>")
        );

        let e = GoTrueError::from_response(503, None, b"");
        assert_eq!(e.message, "Service Unavailable");
        assert_eq!(e.detail, None);
        assert!(e.is_transient());

        let e = GoTrueError::from_response(400, None, br#"{"code":"validation_fai"#);
        assert_eq!(e.kind, ErrorKind::Validation);
        assert!(e.detail.unwrap().contains("validation_fai"));
    }

    #[test]
    fn a_cut_off_answer_is_worth_retrying_a_whole_html_page_is_not() {
        let cut = GoTrueError::cut_off(200, "the answer was cut off: connection reset");
        assert_eq!(cut.kind, ErrorKind::Decode);
        assert!(cut.is_transient());
        assert_eq!(
            cut.to_string(),
            "200 answer_cut_off: the answer was cut off: connection reset"
        );
        let html = GoTrueError::decode(Some(200), "unexpected answer", b"<html></html>");
        assert!(!html.is_transient());
    }

    #[test]
    fn long_bodies_are_cut() {
        let body = "x".repeat(5000);
        let e = GoTrueError::from_response(500, None, body.as_bytes());
        assert!(e.detail.unwrap().chars().count() <= SNIPPET_LEN + 1);
    }
}
