//! What kind of API key a [`Secret`] holds, told apart without ever printing it.
//!
//! Supabase projects have two generations of keys. The legacy `anon` and `service_role` keys
//! are JWTs (retired at the end of 2026); the new `sb_publishable_…` and `sb_secret_…` keys are
//! not. Supabase's gateway takes the new keys in the `apikey` header only and, when a request
//! has no `Authorization` header, hands GoTrue a JWT of the key's role. A new key sent as
//! `Authorization: Bearer` is passed on to GoTrue, which refuses it (403 `bad_jwt`, "token
//! contains an invalid number of segments"), so an `sb_` key is never a bearer.

use std::fmt;

use super::jwt::decode_unverified;
use super::secret::Secret;

/// Roles GoTrue accepts for admin calls by default (`GOTRUE_JWT_ADMIN_ROLES`).
pub const ADMIN_ROLES: &[&str] = &["service_role", "supabase_admin"];

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiKeyKind {
    /// A legacy JWT key, by its `role` claim (`None` when it has none).
    LegacyJwt { role: Option<String> },
    /// `sb_secret_…`: admin calls, through Supabase's gateway.
    Secret,
    /// `sb_publishable_…`: public and user calls, through Supabase's gateway.
    Publishable,
    /// Neither a JWT nor an `sb_` key.
    Opaque,
}

impl ApiKeyKind {
    pub fn of(key: &Secret) -> ApiKeyKind {
        let k = key.expose().trim();
        if k.starts_with("sb_secret_") {
            ApiKeyKind::Secret
        } else if k.starts_with("sb_publishable_") {
            ApiKeyKind::Publishable
        } else {
            match decode_unverified(k) {
                Ok(jwt) => ApiKeyKind::LegacyJwt {
                    role: jwt.claims.role.filter(|r| !r.is_empty()),
                },
                Err(_) => ApiKeyKind::Opaque,
            }
        }
    }

    pub fn is_jwt(&self) -> bool {
        matches!(self, ApiKeyKind::LegacyJwt { .. })
    }

    /// Whether the key is sent as `Authorization: Bearer` too. An `sb_` key never is: the
    /// gateway exchanges it for a JWT only when no `Authorization` header comes, and GoTrue
    /// refuses it as a bearer. Any other key is, so that GoTrue can say what is wrong with it.
    pub fn is_bearer(&self) -> bool {
        !matches!(self, ApiKeyKind::Secret | ApiKeyKind::Publishable)
    }

    /// Whether admin calls made with this key can succeed.
    pub fn can_admin(&self) -> bool {
        match self {
            ApiKeyKind::Secret => true,
            ApiKeyKind::LegacyJwt { role } => {
                role.as_deref().is_some_and(|r| ADMIN_ROLES.contains(&r))
            }
            ApiKeyKind::Publishable | ApiKeyKind::Opaque => false,
        }
    }

    /// Why admin calls with this key will fail, if they will.
    pub fn admin_problem(&self) -> Option<String> {
        match self {
            ApiKeyKind::Secret => None,
            ApiKeyKind::LegacyJwt { role } => match role.as_deref() {
                Some(r) if ADMIN_ROLES.contains(&r) => None,
                Some(r) => Some(format!(
                    "this JWT's role is `{r}`, not service_role: admin calls will be refused"
                )),
                None => Some(
                    "this JWT has no role claim, so it is no service_role key: admin calls will \
                     be refused"
                        .to_owned(),
                ),
            },
            ApiKeyKind::Publishable => Some(
                "this is a publishable key (sb_publishable_): admin calls need the secret key \
                 (sb_secret_) or the legacy service_role key"
                    .to_owned(),
            ),
            ApiKeyKind::Opaque => Some(
                "this key is neither a JWT nor an sb_secret_ key: admin calls may be refused"
                    .to_owned(),
            ),
        }
    }
}

/// A short name for the header and `doctor`: `service_role JWT`, `secret key`, ….
impl fmt::Display for ApiKeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiKeyKind::LegacyJwt { role: Some(r) } => write!(f, "{r} JWT"),
            ApiKeyKind::LegacyJwt { role: None } => f.write_str("JWT without a role"),
            ApiKeyKind::Secret => f.write_str("secret key"),
            ApiKeyKind::Publishable => f.write_str("publishable key"),
            ApiKeyKind::Opaque => f.write_str("opaque key"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> Secret {
        use base64::Engine;
        let b = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        Secret::new(format!(
            "{}.{}.c2ln",
            b(r#"{"alg":"HS256","typ":"JWT"}"#),
            b(claims)
        ))
    }

    #[test]
    fn kinds_are_told_apart() {
        let service = ApiKeyKind::of(&jwt(r#"{"role":"service_role"}"#));
        assert_eq!(
            service,
            ApiKeyKind::LegacyJwt {
                role: Some("service_role".into())
            }
        );
        assert!(service.is_jwt() && service.is_bearer() && service.can_admin());
        assert_eq!(service.to_string(), "service_role JWT");

        let anon = ApiKeyKind::of(&jwt(r#"{"role":"anon"}"#));
        assert!(anon.is_jwt() && !anon.can_admin());
        assert!(anon.admin_problem().is_some_and(|p| p.contains("`anon`")));

        let roleless = ApiKeyKind::of(&jwt(r#"{"sub":"x"}"#));
        assert_eq!(roleless, ApiKeyKind::LegacyJwt { role: None });
        assert!(!roleless.can_admin());

        let secret = ApiKeyKind::of(&Secret::new("sb_secret_abc123"));
        assert_eq!(secret, ApiKeyKind::Secret);
        assert!(!secret.is_jwt() && !secret.is_bearer() && secret.can_admin());
        assert!(secret.admin_problem().is_none());

        let publishable = ApiKeyKind::of(&Secret::new(" sb_publishable_abc "));
        assert_eq!(publishable, ApiKeyKind::Publishable);
        assert!(!publishable.is_bearer() && !publishable.can_admin());

        let opaque = ApiKeyKind::of(&Secret::new("just-a-string"));
        assert_eq!(opaque, ApiKeyKind::Opaque);
        // Sent as the bearer, so that GoTrue says what is wrong with it (bad_jwt).
        assert!(opaque.is_bearer() && !opaque.can_admin());
    }

    #[test]
    fn no_kind_prints_the_key() {
        for key in ["sb_secret_Q7xZ9k", "sb_publishable_W2vY8j", "opaque-P5tR3m"] {
            let kind = ApiKeyKind::of(&Secret::new(key));
            let shown = format!("{kind} {kind:?} {:?}", kind.admin_problem());
            assert!(!shown.contains(&key[key.len() - 6..]), "{shown}");
        }
    }
}
