//! Reading a JWT's header and claims for display. Nothing here verifies a signature: the
//! console shows what a token says, GoTrue decides whether to believe it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwtError {
    #[error("a JWT has three parts separated by dots; this has {0}")]
    Parts(usize),
    #[error("the {0} is not base64url")]
    Base64(&'static str),
    #[error("the {0} is not a JSON object")]
    Json(&'static str),
}

/// The claims GoTrue puts in an access token, plus whatever else is there.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Claims {
    #[serde(default)]
    pub sub: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    /// A string or a list of strings.
    #[serde(default)]
    pub aud: Option<Value>,
    #[serde(default)]
    pub iss: Option<String>,
    #[serde(default)]
    pub exp: Option<i64>,
    #[serde(default)]
    pub iat: Option<i64>,
    #[serde(default)]
    pub aal: Option<String>,
    /// `[{method, timestamp}]` in GoTrue, plain strings elsewhere.
    #[serde(default)]
    pub amr: Option<Vec<Value>>,
    #[serde(default)]
    pub session_id: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub is_anonymous: Option<bool>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Claims {
    /// Authentication methods, e.g. `["password", "otp"]`.
    pub fn amr_methods(&self) -> Vec<String> {
        self.amr
            .iter()
            .flatten()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("method").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            })
            .collect()
    }

    pub fn audiences(&self) -> Vec<String> {
        match &self.aud {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Whether `exp` is at or before `now` (unix seconds). A token without `exp` never expires.
    pub fn is_expired_at(&self, now: i64) -> bool {
        self.exp.is_some_and(|exp| exp <= now)
    }
}

/// A decoded, unverified JWT.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedJwt {
    pub header: Map<String, Value>,
    pub claims: Claims,
}

impl DecodedJwt {
    pub fn algorithm(&self) -> Option<&str> {
        self.header.get("alg").and_then(Value::as_str)
    }

    /// The signing key's id, for asymmetric tokens.
    pub fn key_id(&self) -> Option<&str> {
        self.header.get("kid").and_then(Value::as_str)
    }
}

/// Decodes a JWT's header and claims without checking the signature.
pub fn decode_unverified(token: &str) -> Result<DecodedJwt, JwtError> {
    let token = token.trim();
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(JwtError::Parts(parts.len()));
    }
    let header = decode_part(parts[0], "header")?;
    let payload = decode_part(parts[1], "payload")?;
    let claims: Claims =
        serde_json::from_value(Value::Object(payload)).map_err(|_| JwtError::Json("payload"))?;
    Ok(DecodedJwt { header, claims })
}

/// Whether a string looks like a JWT (three base64url parts, the signature possibly empty),
/// without decoding it. `=` only as padding at the end of a part: `sb-access-token=eyJ….eyJ….`
/// is a cookie, not a token.
pub fn looks_like_jwt(s: &str) -> bool {
    let base64url = |p: &str| {
        let data = p.trim_end_matches('=');
        p.len() - data.len() <= 2
            && data
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let parts: Vec<&str> = s.trim().split('.').collect();
    parts.len() == 3
        && parts.iter().all(|p| base64url(p))
        && parts[..2].iter().all(|p| !p.is_empty())
}

fn decode_part(part: &str, which: &'static str) -> Result<Map<String, Value>, JwtError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| JwtError::Base64(which))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(JwtError::Json(which)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(payload: &str) -> String {
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let p = URL_SAFE_NO_PAD.encode(payload.as_bytes());
        format!("{h}.{p}.c2ln")
    }

    #[test]
    fn decodes_gotrue_claims() {
        let t = make(
            r#"{"sub":"u1","role":"authenticated","aud":"authenticated","exp":100,"iat":40,
                "aal":"aal1","amr":[{"method":"password","timestamp":40}],"session_id":"s1",
                "email":"ada@example.com","phone":"","is_anonymous":false,"app_metadata":{}}"#,
        );
        let d = decode_unverified(&t).unwrap();
        assert_eq!(d.algorithm(), Some("HS256"));
        assert_eq!(d.claims.sub.as_deref(), Some("u1"));
        assert_eq!(d.claims.amr_methods(), vec!["password"]);
        assert_eq!(d.claims.audiences(), vec!["authenticated"]);
        assert!(d.claims.is_expired_at(100));
        assert!(!d.claims.is_expired_at(99));
        assert!(d.claims.extra.contains_key("app_metadata"));
        assert!(looks_like_jwt(&t));
    }

    #[test]
    fn rejects_malformed_tokens() {
        assert_eq!(decode_unverified("abc"), Err(JwtError::Parts(1)));
        assert_eq!(decode_unverified("a.b.c.d"), Err(JwtError::Parts(4)));
        assert_eq!(
            decode_unverified("!!.e30.x"),
            Err(JwtError::Base64("header"))
        );
        let not_obj = format!(
            "{}.{}.x",
            URL_SAFE_NO_PAD.encode("{}"),
            URL_SAFE_NO_PAD.encode("[1]")
        );
        assert_eq!(decode_unverified(&not_obj), Err(JwtError::Json("payload")));
        assert!(!looks_like_jwt("hello world"));
    }

    /// Found by tests/fuzz.rs: cookie headers whose dots made them look like a bare token.
    #[test]
    fn a_cookie_with_dots_is_not_a_jwt() {
        assert!(!looks_like_jwt(
            "sb-access-token=eyJa-0_.eyJaAa-.; sb-refresh-token=0"
        ));
        assert!(!looks_like_jwt("theme=.0.; sb-abcd-auth-token=base64-eyJh"));
        assert!(!looks_like_jwt("sb-access-token=eyJa.eyJb.c"));
        assert!(looks_like_jwt("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1MSJ9."));
        assert!(looks_like_jwt("eyJhbGciOiJub25lIn0=.eyJzdWIiOiJ1MSJ9.c2ln"));
    }
}

/// What the server's public keys say of a token's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Signed by the key with this `kid` in the server's JWKS.
    Verified { alg: String, kid: String },
    /// A symmetric token: only the server's secret can tell, and the console has none.
    NeedsSecret { alg: String },
    /// No key in the JWKS has the token's `kid` (another project, or a rotated-out key).
    UnknownKey { alg: String, kid: Option<String> },
    /// A key with that `kid` is there, and the signature is not its.
    Mismatch { alg: String, kid: String },
    /// Not a token the check can read.
    Unreadable(String),
}

impl std::fmt::Display for SignatureCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SignatureCheck::Verified { alg, kid } => write!(f, "verified with kid {kid} ({alg})"),
            SignatureCheck::NeedsSecret { alg } => {
                write!(f, "not verified: {alg} needs the secret")
            }
            SignatureCheck::UnknownKey { alg, kid } => match kid {
                Some(k) => write!(
                    f,
                    "not verified: no {alg} key with kid {k} in the server's JWKS"
                ),
                None => write!(
                    f,
                    "not verified: {alg}, no kid, and no key in the server's JWKS fits"
                ),
            },
            SignatureCheck::Mismatch { kid, .. } => {
                write!(f, "signature does not match (kid {kid})")
            }
            SignatureCheck::Unreadable(why) => write!(f, "not verified: {why}"),
        }
    }
}

/// Checks `token`'s signature against the server's JWKS (`/.well-known/jwks.json`). The
/// expiry and the audience are not checked here: only who signed it.
pub fn check_signature(token: &str, jwks: &jsonwebtoken::jwk::JwkSet) -> SignatureCheck {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    let header = match jsonwebtoken::decode_header(token) {
        Ok(h) => h,
        Err(e) => return SignatureCheck::Unreadable(format!("the header cannot be read: {e}")),
    };
    let alg = format!("{:?}", header.alg);
    if matches!(
        header.alg,
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
    ) {
        return SignatureCheck::NeedsSecret { alg };
    }
    let candidates: Vec<&jsonwebtoken::jwk::Jwk> = match &header.kid {
        Some(kid) => jwks.find(kid).into_iter().collect(),
        None => jwks.keys.iter().collect(),
    };
    let mut validation = Validation::new(header.alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    for jwk in &candidates {
        let Ok(key) = DecodingKey::from_jwk(jwk) else {
            continue;
        };
        let kid = jwk.common.key_id.clone().unwrap_or_default();
        match jsonwebtoken::decode::<serde_json::Value>(token, &key, &validation) {
            Ok(_) => return SignatureCheck::Verified { alg, kid },
            Err(_) if header.kid.is_some() => return SignatureCheck::Mismatch { alg, kid },
            Err(_) => {}
        }
    }
    SignatureCheck::UnknownKey {
        alg,
        kid: header.kid,
    }
}
