//! Understanding whatever a support person pastes to identify a user's session: a bare JWT,
//! a `Cookie:` header with `sb-access-token` / `sb-refresh-token` (gotrue-js v1's
//! `setAuthCookie`), or a supabase-js `sb-<ref>-auth-token` cookie holding the session as JSON
//! (optionally `base64-` prefixed, optionally split into `.0`, `.1`… chunks by @supabase/ssr).

use crate::gotrue::jwt::looks_like_jwt;
use crate::gotrue::secret::Secret;
use base64::Engine;
use serde_json::Value;

/// The tokens found in a pasted input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInput {
    pub access_token: Option<Secret>,
    pub refresh_token: Option<Secret>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenInputError {
    #[error("nothing was pasted")]
    Empty,
    #[error(
        "found no token: paste a JWT, a Cookie header with sb-access-token, or a supabase-js sb-<ref>-auth-token cookie"
    )]
    NoToken,
    #[error("the sb-…-auth-token cookie is not a session: {0}")]
    BadSessionCookie(String),
}

/// Finds the access and refresh tokens in `input`.
pub fn parse_token_input(input: &str) -> Result<TokenInput, TokenInputError> {
    let input = input.trim();
    if input.is_empty() {
        return Err(TokenInputError::Empty);
    }
    let unquoted = input.trim_matches('"');
    if looks_like_jwt(unquoted) {
        return Ok(TokenInput {
            access_token: Some(Secret::new(unquoted)),
            refresh_token: None,
        });
    }
    // A raw session JSON (what supabase-js keeps in localStorage) is accepted too.
    if input.starts_with('{') {
        return session_json(input);
    }

    let header = strip_header_name(input);
    let cookies = split_cookies(header);
    let find = |name: &str| {
        cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };

    let access = find("sb-access-token");
    let refresh = find("sb-refresh-token");
    if access.is_some() || refresh.is_some() {
        return Ok(TokenInput {
            access_token: access.map(Secret::from),
            refresh_token: refresh.map(Secret::from),
        });
    }

    // supabase-js: `sb-<ref>-auth-token`, possibly chunked as `sb-<ref>-auth-token.0`, `.1`, …
    if let Some(value) = auth_token_cookie(&cookies) {
        return session_cookie_value(&value);
    }
    Err(TokenInputError::NoToken)
}

fn strip_header_name(input: &str) -> &str {
    let lower = input.get(..7).map(str::to_ascii_lowercase);
    if lower.as_deref() == Some("cookie:") {
        input[7..].trim()
    } else {
        input
    }
}

fn split_cookies(header: &str) -> Vec<(String, String)> {
    header
        .split(';')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            let v = v.trim().trim_matches('"');
            let v = percent_decode(v);
            Some((k.trim().to_owned(), v))
        })
        .collect()
}

fn auth_token_cookie(cookies: &[(String, String)]) -> Option<String> {
    let is_auth = |k: &str| k.starts_with("sb-") && k.ends_with("-auth-token");
    if let Some((_, v)) = cookies.iter().find(|(k, _)| is_auth(k)) {
        return Some(v.clone());
    }
    // Chunked: join `.0`, `.1`, … in order.
    let mut chunks: Vec<(u32, &str)> = cookies
        .iter()
        .filter_map(|(k, v)| {
            let (base, idx) = k.rsplit_once('.')?;
            (is_auth(base)).then_some(())?;
            Some((idx.parse().ok()?, v.as_str()))
        })
        .collect();
    if chunks.is_empty() {
        return None;
    }
    chunks.sort_by_key(|(i, _)| *i);
    Some(chunks.into_iter().map(|(_, v)| v).collect())
}

fn session_cookie_value(value: &str) -> Result<TokenInput, TokenInputError> {
    let json = if let Some(b64) = value.strip_prefix("base64-") {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(b64.trim_end_matches('='))
            .or_else(|_| base64::engine::general_purpose::STANDARD.decode(b64))
            .map_err(|_| TokenInputError::BadSessionCookie("bad base64".into()))?;
        String::from_utf8(bytes)
            .map_err(|_| TokenInputError::BadSessionCookie("not UTF-8".into()))?
    } else {
        value.to_owned()
    };
    session_json(&json)
}

fn session_json(json: &str) -> Result<TokenInput, TokenInputError> {
    let v: Value = serde_json::from_str(json)
        .map_err(|e| TokenInputError::BadSessionCookie(format!("not JSON ({e})")))?;
    // Old supabase-js stored `[access, refresh, provider_token, provider_refresh, factors]`.
    if let Some(list) = v.as_array() {
        let get = |i: usize| list.get(i).and_then(Value::as_str).map(Secret::from);
        let out = TokenInput {
            access_token: get(0),
            refresh_token: get(1),
        };
        return if out.access_token.is_some() {
            Ok(out)
        } else {
            Err(TokenInputError::BadSessionCookie("no access_token".into()))
        };
    }
    let session = v.get("currentSession").unwrap_or(&v);
    let get = |k: &str| session.get(k).and_then(Value::as_str).map(Secret::from);
    let out = TokenInput {
        access_token: get("access_token"),
        refresh_token: get("refresh_token"),
    };
    if out.access_token.is_none() && out.refresh_token.is_none() {
        return Err(TokenInputError::BadSessionCookie(
            "no access_token or refresh_token".into(),
        ));
    }
    Ok(out)
}

fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_owned();
    }
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| s.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    const JWT: &str = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2ln";

    #[test]
    fn bare_jwt() {
        let t = parse_token_input(&format!("  {JWT}\n")).unwrap();
        assert_eq!(t.access_token.unwrap().expose(), JWT);
        assert_eq!(t.refresh_token, None);
    }

    /// Found by tests/fuzz.rs: without `Cookie:` and with the access token first, the dots of
    /// the token made the whole header pass for a bare JWT.
    #[test]
    fn a_cookie_header_whose_first_cookie_is_the_token() {
        let t = parse_token_input("sb-access-token=eyJa-0_.eyJaAa-.; sb-refresh-token=0").unwrap();
        assert_eq!(t.access_token.unwrap().expose(), "eyJa-0_.eyJaAa-.");
        assert_eq!(t.refresh_token.unwrap().expose(), "0");
        let t = parse_token_input(&format!("sb-access-token={JWT}")).unwrap();
        assert_eq!(t.access_token.unwrap().expose(), JWT);
    }

    #[test]
    fn v1_cookie_header() {
        let t = parse_token_input(&format!(
            "Cookie: theme=dark; sb-access-token={JWT}; sb-refresh-token=r3fr3sh"
        ))
        .unwrap();
        assert_eq!(t.access_token.unwrap().expose(), JWT);
        assert_eq!(t.refresh_token.unwrap().expose(), "r3fr3sh");
    }

    #[test]
    fn supabase_js_json_cookie_percent_encoded() {
        let json = format!(r#"{{"access_token":"{JWT}","refresh_token":"rt","expires_at":1}}"#);
        let encoded: String = url::form_urlencoded::byte_serialize(json.as_bytes()).collect();
        let t = parse_token_input(&format!("sb-abcd-auth-token={encoded}")).unwrap();
        assert_eq!(t.access_token.unwrap().expose(), JWT);
        assert_eq!(t.refresh_token.unwrap().expose(), "rt");
    }

    #[test]
    fn supabase_ssr_base64_chunked_cookie() {
        let json = format!(r#"{{"access_token":"{JWT}","refresh_token":"rt2"}}"#);
        let b64 = format!("base64-{}", URL_SAFE_NO_PAD.encode(json.as_bytes()));
        let (a, b) = b64.split_at(20);
        let t = parse_token_input(&format!(
            "Cookie: sb-xyz-auth-token.1={b}; sb-xyz-auth-token.0={a}"
        ))
        .unwrap();
        assert_eq!(t.refresh_token.unwrap().expose(), "rt2");
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(parse_token_input("  "), Err(TokenInputError::Empty));
        assert_eq!(
            parse_token_input("theme=dark"),
            Err(TokenInputError::NoToken)
        );
        assert!(matches!(
            parse_token_input("sb-a-auth-token=base64-!!!"),
            Err(TokenInputError::BadSessionCookie(_))
        ));
        assert!(matches!(
            parse_token_input("sb-a-auth-token={\"x\":1}"),
            Err(TokenInputError::BadSessionCookie(_))
        ));
    }
}
