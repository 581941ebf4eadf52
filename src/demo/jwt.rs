//! Tokens: the anon / service-role keys (HS256, as Supabase's legacy keys), GoTrue's access
//! tokens (`generateAccessToken` in internal/api/token.go: HS256 with the secret, or ES256
//! with an asymmetric key as `GOTRUE_JWT_KEYS` gives it, its `kid` in the header), the JWKS
//! of the public keys (internal/api/jwks.go), and verification with golang-jwt's error
//! texts, which GoTrue puts in its `bad_jwt` message.

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

/// An ES256 (P-256) signing key, as one of GoTrue's `GOTRUE_JWT_KEYS`.
#[derive(Clone)]
pub struct EcSigningKey {
    pub kid: String,
    pkcs8: Vec<u8>,
    /// The public point, base64url.
    x: String,
    y: String,
}

impl std::fmt::Debug for EcSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EcSigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl EcSigningKey {
    pub fn generate() -> Result<EcSigningKey, String> {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
        use base64::Engine;
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(|_| "cannot make an ES256 key".to_owned())?;
        let pkcs8 = pair
            .to_pkcs8v1()
            .map_err(|_| "cannot encode the ES256 key".to_owned())?;
        // The uncompressed point: 0x04, X, Y.
        let point = pair.public_key().as_ref();
        if point.len() != 65 || point[0] != 4 {
            return Err("unexpected public key form".into());
        }
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        Ok(EcSigningKey {
            kid: uuid::Uuid::new_v4().to_string(),
            pkcs8: pkcs8.as_ref().to_vec(),
            x: b64(&point[1..33]),
            y: b64(&point[33..]),
        })
    }

    /// The public JWK, as GoTrue serves it at `/.well-known/jwks.json`.
    pub fn public_jwk(&self) -> Value {
        serde_json::json!({
            "alg": "ES256",
            "crv": "P-256",
            "key_ops": ["verify"],
            "kid": self.kid,
            "kty": "EC",
            "use": "sig",
            "x": self.x,
            "y": self.y,
        })
    }
}

/// Signs an access token: ES256 with the key's `kid` when there is an asymmetric key, else
/// HS256 with the secret.
pub fn sign_access<T: Serialize>(secret: &str, ec: Option<&EcSigningKey>, claims: &T) -> String {
    match ec {
        None => sign(secret, claims),
        Some(k) => {
            let mut header = Header::new(Algorithm::ES256);
            header.kid = Some(k.kid.clone());
            encode(&header, claims, &EncodingKey::from_ec_der(&k.pkcs8)).unwrap_or_default()
        }
    }
}

/// Verifies a token GoTrue would take: HS256 with the secret (the legacy keys, and tokens
/// from before a key rotation), or ES256 with the key its `kid` names.
pub fn verify_any(secret: &str, ec: Option<&EcSigningKey>, token: &str) -> Result<JsonMap, String> {
    let header = match jsonwebtoken::decode_header(token) {
        Ok(h) => h,
        Err(_) => return verify(secret, token),
    };
    if header.alg != Algorithm::ES256 {
        return verify(secret, token);
    }
    let Some(key) = ec.filter(|k| header.kid.as_deref() == Some(k.kid.as_str())) else {
        return Err(format!(
            "token is unverifiable: error while executing keyfunc: unrecognized JWT kid {} for \
             algorithm ES256",
            header.kid.unwrap_or_default()
        ));
    };
    let decoding = DecodingKey::from_ec_components(&key.x, &key.y)
        .map_err(|_| "token is unverifiable: bad key".to_owned())?;
    let mut validation = Validation::new(Algorithm::ES256);
    validation.required_spec_claims.clear();
    validation.validate_aud = false;
    validation.leeway = 0;
    match decode::<Value>(token, &decoding, &validation) {
        Ok(data) => match data.claims {
            Value::Object(map) => Ok(map),
            _ => Err("token is malformed: could not JSON decode claim".into()),
        },
        Err(e) => Err(match e.kind() {
            ErrorKind::ExpiredSignature => "token has invalid claims: token is expired".into(),
            _ => "token signature is invalid: crypto/ecdsa: verification error".into(),
        }),
    }
}

#[cfg(test)]
mod es256_tests {
    use super::*;

    #[test]
    fn es256_tokens_verify_with_their_key_only() {
        let k = EcSigningKey::generate().unwrap();
        let claims = serde_json::json!({"sub": "x", "exp": 4_000_000_000_i64});
        let t = sign_access("s", Some(&k), &claims);
        let h = jsonwebtoken::decode_header(&t).unwrap();
        assert_eq!(h.alg, Algorithm::ES256);
        assert_eq!(h.kid.as_deref(), Some(k.kid.as_str()));
        assert_eq!(verify_any("s", Some(&k), &t).unwrap()["sub"], "x");
        let other = EcSigningKey::generate().unwrap();
        assert!(verify_any("s", Some(&other), &t).is_err());
        assert!(verify_any("s", None, &t).is_err());
        // HS256 tokens (the legacy keys) still verify alongside.
        let hs = sign("s", &claims);
        assert!(verify_any("s", Some(&k), &hs).is_ok());
        let jwk = k.public_jwk();
        assert_eq!(jwk["kty"], "EC");
        assert!(jwk.get("d").is_none(), "no private part in the JWK");
    }
}
