//! A session in the cookie forms a web app reads: gotrue-js v1's `setAuthCookie`
//! (`sb-access-token`, `sb-refresh-token`), and @supabase/ssr's `sb-<ref>-auth-token`, the
//! session JSON as auth-js stores it, `base64-` + base64url of it by default (ssr's
//! `cookieEncoding: "base64url"`), split into `name.0`, `name.1`… by ssr's chunker when its
//! URI-encoded form is longer than 3180 characters. [`crate::gotrue::token_input`] reads all
//! of these back; tests/ssr_cookies.rs has @supabase/ssr itself read them.

use crate::gotrue::models::Session;
use crate::gotrue::secret::Secret;
use base64::Engine;
use std::fmt::Write as _;

/// @supabase/ssr's `MAX_CHUNK_SIZE`: the longest URI-encoded value one cookie carries.
pub const MAX_CHUNK_SIZE: usize = 3180;

/// What @supabase/ssr puts before a base64url-encoded value.
pub const BASE64_PREFIX: &str = "base64-";

/// How the `sb-<ref>-auth-token` value is written (@supabase/ssr's `cookieEncoding`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CookieEncoding {
    /// `base64-` + base64url (no padding) of the JSON: ssr's default since 0.4.
    #[default]
    Base64Url,
    /// The JSON as it is (ssr's `"raw"`, and the older default).
    Raw,
}

/// One cookie: its name and its value, before any URI encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cookie {
    pub name: String,
    pub value: Secret,
}

/// Every form of one session, ready to copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionCookies {
    /// gotrue-js v1's `sb-access-token` and `sb-refresh-token`.
    pub legacy: Vec<Cookie>,
    /// @supabase/ssr's `sb-<ref>-auth-token`, one cookie or its chunks.
    pub ssr: Vec<Cookie>,
}

impl SessionCookies {
    /// The cookies of `session` for the Supabase project at `supabase_url` (the profile's
    /// URL: its host's first label names the cookie).
    pub fn new(session: &Session, supabase_url: &str, encoding: CookieEncoding) -> Self {
        let legacy = vec![
            Cookie {
                name: "sb-access-token".into(),
                value: session.access_token.clone(),
            },
            Cookie {
                name: "sb-refresh-token".into(),
                value: session.refresh_token.clone(),
            },
        ];
        let value = auth_token_value(session, encoding);
        let ssr = create_chunks(&storage_key(supabase_url), value.expose(), MAX_CHUNK_SIZE);
        Self { legacy, ssr }
    }

    /// A `Cookie:` header with every cookie, for curl (`-H`): values URI-encoded as the
    /// `cookie` package ssr uses serialises them.
    pub fn header(&self) -> Secret {
        let all: Vec<Cookie> = self.legacy.iter().chain(&self.ssr).cloned().collect();
        Secret::new(format!("Cookie: {}", cookie_string(&all).expose()))
    }
}

/// `name=value; name=value`, values URI-encoded (what `document.cookie` and a `Cookie:`
/// header hold).
pub fn cookie_string(cookies: &[Cookie]) -> Secret {
    let pairs: Vec<String> = cookies
        .iter()
        .map(|c| format!("{}={}", c.name, encode_uri_component(c.value.expose())))
        .collect();
    Secret::new(pairs.join("; "))
}

/// supabase-js's default storage key: `sb-` + the first label of the URL's host +
/// `-auth-token` (`sb-abcd-auth-token` for https://abcd.supabase.co, `sb-localhost-…` for
/// http://localhost:54321, `sb-127-…` for http://127.0.0.1:9999).
pub fn storage_key(supabase_url: &str) -> String {
    let host = url::Url::parse(supabase_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    // WHATWG URL keeps IPv6 hosts in brackets; split(".") then leaves them whole.
    let label = host.split('.').next().unwrap_or_default();
    format!("sb-{label}-auth-token")
}

/// The session as auth-js stores it (`JSON.stringify` of the session), encoded.
pub fn auth_token_value(session: &Session, encoding: CookieEncoding) -> Secret {
    // A Session always serialises (strings, numbers, maps with string keys).
    let json = serde_json::to_string(session).unwrap_or_default();
    match encoding {
        CookieEncoding::Raw => Secret::new(json),
        CookieEncoding::Base64Url => Secret::new(format!(
            "{BASE64_PREFIX}{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.as_bytes())
        )),
    }
}

/// @supabase/ssr's `createChunks(key, value, chunkSize)`, step for step: if the
/// URI-encoded value fits, one cookie named `key`; otherwise take the first `chunk_size`
/// encoded characters, drop an escape cut in two, drop whole escapes until what is left
/// decodes as UTF-8 (a character is never split), and emit the decoded text as `key.N`.
pub fn create_chunks(key: &str, value: &str, chunk_size: usize) -> Vec<Cookie> {
    let mut encoded = encode_uri_component(value);
    if encoded.len() <= chunk_size {
        return vec![Cookie {
            name: key.to_owned(),
            value: Secret::new(value),
        }];
    }
    let mut chunks = Vec::new();
    while !encoded.is_empty() {
        // `encoded` is ASCII, so byte indices are character indices.
        let mut head = &encoded[..chunk_size.min(encoded.len())];
        if let Some(last_escape) = head.rfind('%')
            && last_escape + 3 > chunk_size
        {
            head = &head[..last_escape];
        }
        let decoded = loop {
            match decode_uri_component(head) {
                Some(text) => break text,
                // ssr throws here; backing off whole escapes always reaches a boundary
                // for a chunk size of 12 or more (a 4-byte character is 12 characters).
                None if head.len() > 3 && head.as_bytes()[head.len() - 3] == b'%' => {
                    head = &head[..head.len() - 3];
                }
                None => break String::new(),
            }
        };
        if head.is_empty() {
            // Only reachable with a chunk size too small for one character.
            break;
        }
        let taken = head.len();
        chunks.push(decoded);
        encoded.drain(..taken);
    }
    chunks
        .into_iter()
        .enumerate()
        .map(|(i, value)| Cookie {
            name: format!("{key}.{i}"),
            value: Secret::new(value),
        })
        .collect()
}

/// JavaScript's `encodeURIComponent`: every byte of the UTF-8 form but
/// `A–Z a–z 0–9 - _ . ! ~ * ' ( )` as `%XX` (upper-case hex).
pub fn encode_uri_component(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// JavaScript's `decodeURIComponent`, `None` where it throws (a broken escape, or bytes that
/// are not UTF-8).
fn decode_uri_component(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gotrue::token_input::parse_token_input;

    fn session(metadata_len: usize, text: &str) -> Session {
        let filler: String = text.chars().cycle().take(metadata_len).collect();
        serde_json::from_value(serde_json::json!({
            "access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1MSJ9.c2ln",
            "token_type": "bearer",
            "expires_in": 3600,
            "expires_at": 1_900_000_000,
            "refresh_token": "r3fr3sh",
            "user": {
                "id": "0b6e8a1e-0000-4000-8000-000000000001",
                "aud": "authenticated",
                "role": "authenticated",
                "email": "ada@example.com",
                "user_metadata": { "note": filler },
                "created_at": "2026-01-01T00:00:00Z"
            }
        }))
        .unwrap()
    }

    #[test]
    fn the_cookie_is_named_after_the_project_ref() {
        assert_eq!(
            storage_key("https://abcd.supabase.co"),
            "sb-abcd-auth-token"
        );
        assert_eq!(
            storage_key("https://abcd.supabase.co/auth/v1"),
            "sb-abcd-auth-token"
        );
        assert_eq!(
            storage_key("http://localhost:54321"),
            "sb-localhost-auth-token"
        );
        assert_eq!(storage_key("http://127.0.0.1:9999"), "sb-127-auth-token");
    }

    #[test]
    fn encode_uri_component_matches_javascript() {
        // encodeURIComponent('{"a":"é b"}!~*\'()') in Node.
        assert_eq!(
            encode_uri_component("{\"a\":\"é b\"}!~*'()"),
            "%7B%22a%22%3A%22%C3%A9%20b%22%7D!~*'()"
        );
        assert_eq!(decode_uri_component("%C3%A9").as_deref(), Some("é"));
        assert_eq!(decode_uri_component("%C3"), None);
        assert_eq!(decode_uri_component("%C"), None);
    }

    #[test]
    fn a_small_session_is_one_cookie() {
        let c = SessionCookies::new(
            &session(10, "x"),
            "https://abcd.supabase.co",
            Default::default(),
        );
        assert_eq!(c.ssr.len(), 1);
        assert_eq!(c.ssr[0].name, "sb-abcd-auth-token");
        assert!(c.ssr[0].value.expose().starts_with("base64-eyJ"));
        assert_eq!(c.legacy[0].name, "sb-access-token");
        assert_eq!(c.legacy[1].value.expose(), "r3fr3sh");
    }

    #[test]
    fn base64url_chunks_are_plain_slices_of_3180() {
        let c = SessionCookies::new(
            &session(6000, "x"),
            "https://abcd.supabase.co",
            Default::default(),
        );
        let whole = auth_token_value(&session(6000, "x"), CookieEncoding::Base64Url);
        assert!(c.ssr.len() >= 3, "{}", c.ssr.len());
        for (i, chunk) in c.ssr.iter().enumerate() {
            assert_eq!(chunk.name, format!("sb-abcd-auth-token.{i}"));
            if i + 1 < c.ssr.len() {
                assert_eq!(chunk.value.expose().len(), MAX_CHUNK_SIZE);
            }
        }
        let joined: String = c.ssr.iter().map(|c| c.value.expose()).collect();
        assert_eq!(joined, whole.expose());
    }

    #[test]
    fn raw_chunks_never_split_an_escape_or_a_character() {
        // "é" is %C3%A9 and "😀" %F0%9F%98%80: a cut at any point has to back off.
        for text in ["é", "😀", "a😀", "ab😀", " \"é"] {
            let value = auth_token_value(&session(5000, text), CookieEncoding::Raw);
            for size in [12, 13, 14, 100, 101, 102, MAX_CHUNK_SIZE] {
                let chunks = create_chunks("k", value.expose(), size);
                assert!(chunks.len() > 1);
                let joined: String = chunks.iter().map(|c| c.value.expose()).collect();
                assert_eq!(joined, value.expose(), "{text:?} at {size}");
                for c in &chunks {
                    assert!(encode_uri_component(c.value.expose()).len() <= size);
                    assert!(!c.value.is_empty());
                }
            }
        }
    }

    #[test]
    fn every_form_parses_back() {
        for (len, text) in [(10, "x"), (6000, "x"), (5000, "é😀")] {
            let s = session(len, text);
            for encoding in [CookieEncoding::Base64Url, CookieEncoding::Raw] {
                let c = SessionCookies::new(&s, "https://abcd.supabase.co", encoding);
                // The whole Cookie: header.
                let t = parse_token_input(c.header().expose()).unwrap();
                assert_eq!(t.access_token.as_ref(), Some(&s.access_token));
                // The ssr cookie alone, chunks out of order.
                let mut pairs: Vec<String> = c
                    .ssr
                    .iter()
                    .map(|c| format!("{}={}", c.name, encode_uri_component(c.value.expose())))
                    .collect();
                pairs.reverse();
                let t = parse_token_input(&format!("Cookie: theme=dark; {}", pairs.join("; ")))
                    .unwrap();
                assert_eq!(
                    t.access_token.as_ref(),
                    Some(&s.access_token),
                    "{encoding:?}"
                );
                assert_eq!(t.refresh_token.as_ref(), Some(&s.refresh_token));
            }
        }
    }

    #[test]
    fn nothing_secret_in_debug() {
        let c = SessionCookies::new(
            &session(10, "x"),
            "https://abcd.supabase.co",
            Default::default(),
        );
        let dbg = format!("{c:?}");
        assert!(!dbg.contains("r3fr3sh") && !dbg.contains("eyJ"), "{dbg}");
    }
}
