//! HS256 tokens: the anon / service-role keys and GoTrue's access tokens
//! (`generateAccessToken` in internal/api/token.go), and verification with
//! golang-jwt's error texts, which GoTrue puts in its `bad_jwt` message.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::Serialize;
use serde_json::Value;

use super::model::JsonMap;

/// One `amr` entry.
#[derive(Clone, Debug, Serialize)]
pub struct AmrEntry {
    pub method: String,
    pub timestamp: i64,
}

/// GoTrue's `AccessTokenClaims`, in its field order.
#[derive(Debug, Serialize)]
pub struct AccessClaims<'a> {
    pub iss: &'a str,
    pub sub: String,
    pub aud: &'a str,
    pub exp: i64,
    pub iat: i64,
    pub email: &'a str,
    pub phone: &'a str,
    pub app_metadata: &'a JsonMap,
    pub user_metadata: &'a JsonMap,
    pub role: &'a str,
    pub aal: &'a str,
    pub amr: &'a [AmrEntry],
    pub session_id: String,
    pub is_anonymous: bool,
}

#[derive(Serialize)]
struct KeyClaims<'a> {
    iss: &'a str,
    #[serde(rename = "ref")]
    project_ref: &'a str,
    role: &'a str,
    iat: i64,
    exp: i64,
}

pub fn sign<T: Serialize>(secret: &str, claims: &T) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .unwrap_or_default()
}

/// A project key like Supabase's (`{"iss":"supabase","ref":…,"role":…}`),
/// deterministic for a given secret.
pub fn project_key(secret: &str, role: &str) -> String {
    sign(
        secret,
        &KeyClaims {
            iss: "supabase-demo",
            project_ref: "demo",
            role,
            iat: 1_700_000_000,
            exp: 2_000_000_000,
        },
    )
}

/// Verifies an HS256 token and returns its claims, or golang-jwt's message.
pub fn verify(secret: &str, token: &str) -> Result<JsonMap, String> {
    if token.split('.').count() != 3 {
        return Err("token is malformed: token contains an invalid number of segments".into());
    }
    let mut validation = Validation::new(Algorithm::HS256);
    validation.required_spec_claims.clear();
    validation.validate_aud = false;
    validation.validate_nbf = true;
    validation.leeway = 0;
    match decode::<Value>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    ) {
        Ok(data) => match data.claims {
            Value::Object(map) => Ok(map),
            _ => Err("token is malformed: could not JSON decode claim".into()),
        },
        Err(e) => Err(match e.kind() {
            ErrorKind::InvalidSignature => {
                "token signature is invalid: signature is invalid".into()
            }
            ErrorKind::ExpiredSignature => "token has invalid claims: token is expired".into(),
            ErrorKind::ImmatureSignature => {
                "token has invalid claims: token is not valid yet".into()
            }
            ErrorKind::InvalidAlgorithm => {
                let alg = jsonwebtoken::decode_header(token)
                    .map(|h| format!("{:?}", h.alg))
                    .unwrap_or_else(|_| "unknown".into());
                format!("token signature is invalid: signing method {alg} is invalid")
            }
            ErrorKind::InvalidClaimFormat(claim) => {
                format!("token has invalid claims: invalid type for claim {claim}")
            }
            ErrorKind::Base64(_) => "token is malformed: could not base64 decode header".into(),
            ErrorKind::Json(_) | ErrorKind::Utf8(_) => {
                "token is malformed: could not JSON decode claim".into()
            }
            _ => "token is malformed: token is invalid".into(),
        }),
    }
}

/// A string claim, `""` when absent or not a string.
pub fn claim_str<'a>(claims: &'a JsonMap, key: &str) -> &'a str {
    claims.get(key).and_then(Value::as_str).unwrap_or("")
}

/// The first audience (`aud` may be a string or an array).
pub fn claim_aud(claims: &JsonMap) -> Option<String> {
    match claims.get("aud") {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Array(items)) => items
            .first()
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "super-secret-jwt-token-with-at-least-32-characters-long";

    #[test]
    fn keys_verify() {
        let key = project_key(SECRET, "service_role");
        let claims = verify(SECRET, &key).unwrap_or_default();
        assert_eq!(claim_str(&claims, "role"), "service_role");
        assert!(verify("another-secret-another-secret-another", &key).is_err());
        assert_eq!(
            verify(SECRET, "abc"),
            Err("token is malformed: token contains an invalid number of segments".to_string())
        );
    }

    #[test]
    fn expired_tokens_are_refused() {
        #[derive(Serialize)]
        struct C {
            sub: &'static str,
            exp: i64,
        }
        let t = sign(
            SECRET,
            &C {
                sub: "x",
                exp: 1000,
            },
        );
        assert_eq!(
            verify(SECRET, &t),
            Err("token has invalid claims: token is expired".to_string())
        );
    }
}
