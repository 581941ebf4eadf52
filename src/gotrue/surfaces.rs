//! Admin surfaces GoTrue v2.196.0 added beside the users API: a user's passkeys, SAML SSO
//! providers, the OAuth server's clients and custom OAuth/OIDC providers. Each may be
//! missing from a server (an older version) or switched off (its feature flag); see
//! [`GoTrueError::is_feature_unavailable`] and [`Availability`].

use crate::gotrue::client::{Auth, GoTrueClient};
use crate::gotrue::error::GoTrueError;
use crate::gotrue::models::UserId;
use crate::gotrue::secret::Secret;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The error codes GoTrue answers (404) when a surface is switched off.
pub const FEATURE_OFF_CODES: &[&str] = &[
    "feature_disabled",
    "saml_provider_disabled",
    "passkey_disabled",
];

impl GoTrueError {
    /// Whether this failure says the server lacks the surface asked for: switched off (404
    /// `feature_disabled`, `saml_provider_disabled`, `passkey_disabled`), or unknown to an
    /// older server (404 with no GoTrue code: its router's plain `404 page not found`).
    /// A 404 with another code (`sso_provider_not_found`, `user_not_found`) is a missing
    /// object, not a missing surface.
    pub fn is_feature_unavailable(&self) -> bool {
        match (self.status, self.code.as_deref()) {
            (Some(404), Some(code)) => FEATURE_OFF_CODES.contains(&code),
            (Some(404), None) => true,
            (Some(405), None) => true,
            _ => false,
        }
    }
}

/// What a list of a surface came to: the items, or a plain "this server has none of it".
#[derive(Clone, Debug, PartialEq)]
pub enum Availability<T> {
    Available(T),
    /// The server is too old for the surface, or has it switched off: GoTrue's words.
    Unavailable {
        code: Option<String>,
        message: String,
    },
}

impl<T> Availability<T> {
    /// A call's result, a missing surface turned into [`Availability::Unavailable`]; every
    /// other failure stays an error.
    pub fn from_result(result: Result<T, GoTrueError>) -> Result<Self, GoTrueError> {
        match result {
            Ok(v) => Ok(Availability::Available(v)),
            Err(e) if e.is_feature_unavailable() => Ok(Availability::Unavailable {
                code: e.code,
                message: e.message,
            }),
            Err(e) => Err(e),
        }
    }

    pub fn is_available(&self) -> bool {
        matches!(self, Availability::Available(_))
    }
}

/// One of a user's passkeys (GoTrue's `PasskeyListItem`).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct Passkey {
    pub id: String,
    #[serde(default)]
    pub friendly_name: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub last_used_at: Option<String>,
}

/// One domain of an SSO provider.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct SsoDomain {
    pub domain: String,
}

/// The SAML side of an SSO provider.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
pub struct SamlProvider {
    #[serde(default)]
    pub entity_id: String,
    /// Left out of lists (GoTrue blanks it there); present on get.
    #[serde(default)]
    pub metadata_xml: Option<String>,
    #[serde(default)]
    pub metadata_url: Option<String>,
    #[serde(default)]
    pub attribute_mapping: Option<Value>,
    #[serde(default)]
    pub name_id_format: Option<String>,
}

/// An SSO (SAML 2.0) identity provider.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct SsoProvider {
    pub id: String,
    #[serde(default)]
    pub resource_id: Option<String>,
    #[serde(default)]
    pub disabled: Option<bool>,
    #[serde(default)]
    pub saml: Option<SamlProvider>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub domains: Vec<SsoDomain>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `POST`/`PUT /admin/sso/providers`: only the fields set are sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SsoProviderParams {
    /// `saml`, the only type GoTrue takes (needed on create).
    #[serde(skip_serializing_if = "Option::is_none", rename = "type")]
    pub provider_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata_xml: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domains: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_mapping: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name_id_format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// A client of GoTrue's OAuth 2.1 server. The secret comes once, on registration and on
/// regeneration.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct OAuthClient {
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<Secret>,
    #[serde(default)]
    pub client_type: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub token_endpoint_auth_method: Option<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub grant_types: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub response_types: Vec<String>,
    #[serde(default)]
    pub client_name: Option<String>,
    #[serde(default)]
    pub client_uri: Option<String>,
    #[serde(default)]
    pub logo_uri: Option<String>,
    #[serde(default)]
    pub registration_type: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// `POST /admin/oauth/clients` and `PUT …/{client_id}`: only the fields set are sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct OAuthClientParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_uris: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logo_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grant_types: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_method: Option<String>,
}

/// A custom OAuth 2.0 or OIDC provider. Its client secret is never answered.
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
pub struct CustomProvider {
    pub id: String,
    /// `oauth2` or `oidc`.
    pub provider_type: String,
    /// `custom:<name>`.
    pub identifier: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub pkce_enabled: bool,
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub authorization_url: Option<String>,
    #[serde(default)]
    pub token_url: Option<String>,
    #[serde(default)]
    pub userinfo_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
    /// Everything else GoTrue sent (attribute mapping, discovery document, …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `POST /admin/custom-providers` and `PUT …/{identifier}`: only the fields set are sent.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CustomProviderParams {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "expose_secret"
    )]
    pub client_secret: Option<Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pkce_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_url: Option<String>,
}

/// The filter of [`GoTrueClient::list_custom_providers`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomProviderType {
    OAuth2,
    Oidc,
}

impl CustomProviderType {
    pub fn as_str(self) -> &'static str {
        match self {
            CustomProviderType::OAuth2 => "oauth2",
            CustomProviderType::Oidc => "oidc",
        }
    }
}

fn expose_secret<S: serde::Serializer>(s: &Option<Secret>, ser: S) -> Result<S::Ok, S::Error> {
    match s {
        Some(s) => ser.serialize_str(s.expose()),
        None => ser.serialize_none(),
    }
}

fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize)]
struct SsoList {
    #[serde(default, deserialize_with = "null_as_empty")]
    items: Vec<SsoProvider>,
}

#[derive(Deserialize)]
struct OAuthClientList {
    #[serde(default, deserialize_with = "null_as_empty")]
    clients: Vec<OAuthClient>,
}

#[derive(Deserialize)]
struct CustomProviderList {
    #[serde(default, deserialize_with = "null_as_empty")]
    providers: Vec<CustomProvider>,
}

/// `s` as one path segment: RFC 3986's `pchar`s as they are (GoTrue's router matches
/// `custom:acme` literally, not `custom%3Aacme`), every other byte percent-encoded.
fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:@!$&'()*+,;=".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl GoTrueClient {
    /// `GET /admin/users/{id}/passkeys`.
    pub async fn list_passkeys(&self, user_id: UserId) -> Result<Vec<Passkey>, GoTrueError> {
        let path = format!("/admin/users/{user_id}/passkeys");
        let list: Option<Vec<Passkey>> = self
            .json(Method::GET, &path, &[], Auth::Admin, None::<&()>)
            .await?;
        Ok(list.unwrap_or_default())
    }

    /// `DELETE /admin/users/{id}/passkeys/{passkey_id}`: GoTrue answers 204.
    pub async fn delete_passkey(
        &self,
        user_id: UserId,
        passkey_id: &str,
    ) -> Result<(), GoTrueError> {
        let path = format!("/admin/users/{user_id}/passkeys/{}", seg(passkey_id));
        self.send(Method::DELETE, &path, &[], Auth::Admin, None::<&()>)
            .await
            .map(drop)
    }

    /// `GET /admin/sso/providers` (metadata XML left out).
    pub async fn list_sso_providers(&self) -> Result<Vec<SsoProvider>, GoTrueError> {
        let list: SsoList = self
            .json(
                Method::GET,
                "/admin/sso/providers",
                &[],
                Auth::Admin,
                None::<&()>,
            )
            .await?;
        Ok(list.items)
    }

    /// `GET /admin/sso/providers/{id}`.
    pub async fn get_sso_provider(&self, id: &str) -> Result<SsoProvider, GoTrueError> {
        let path = format!("/admin/sso/providers/{}", seg(id));
        self.json(Method::GET, &path, &[], Auth::Admin, None::<&()>)
            .await
    }

    /// `POST /admin/sso/providers`.
    pub async fn create_sso_provider(
        &self,
        p: &SsoProviderParams,
    ) -> Result<SsoProvider, GoTrueError> {
        self.json(
            Method::POST,
            "/admin/sso/providers",
            &[],
            Auth::Admin,
            Some(p),
        )
        .await
    }

    /// `PUT /admin/sso/providers/{id}`.
    pub async fn update_sso_provider(
        &self,
        id: &str,
        p: &SsoProviderParams,
    ) -> Result<SsoProvider, GoTrueError> {
        let path = format!("/admin/sso/providers/{}", seg(id));
        self.json(Method::PUT, &path, &[], Auth::Admin, Some(p))
            .await
    }

    /// `DELETE /admin/sso/providers/{id}`: the deleted provider.
    pub async fn delete_sso_provider(&self, id: &str) -> Result<SsoProvider, GoTrueError> {
        let path = format!("/admin/sso/providers/{}", seg(id));
        self.json(Method::DELETE, &path, &[], Auth::Admin, None::<&()>)
            .await
    }

    /// `GET /admin/oauth/clients`.
    pub async fn list_oauth_clients(&self) -> Result<Vec<OAuthClient>, GoTrueError> {
        let list: OAuthClientList = self
            .json(
                Method::GET,
                "/admin/oauth/clients",
                &[],
                Auth::Admin,
                None::<&()>,
            )
            .await?;
        Ok(list.clients)
    }

    /// `GET /admin/oauth/clients/{client_id}`.
    pub async fn get_oauth_client(&self, client_id: &str) -> Result<OAuthClient, GoTrueError> {
        let path = format!("/admin/oauth/clients/{}", seg(client_id));
        self.json(Method::GET, &path, &[], Auth::Admin, None::<&()>)
            .await
    }

    /// `POST /admin/oauth/clients`: the answer carries the secret, once.
    pub async fn register_oauth_client(
        &self,
        p: &OAuthClientParams,
    ) -> Result<OAuthClient, GoTrueError> {
        self.json(
            Method::POST,
            "/admin/oauth/clients",
            &[],
            Auth::Admin,
            Some(p),
        )
        .await
    }

    /// `PUT /admin/oauth/clients/{client_id}`.
    pub async fn update_oauth_client(
        &self,
        client_id: &str,
        p: &OAuthClientParams,
    ) -> Result<OAuthClient, GoTrueError> {
        let path = format!("/admin/oauth/clients/{}", seg(client_id));
        self.json(Method::PUT, &path, &[], Auth::Admin, Some(p))
            .await
    }

    /// `DELETE /admin/oauth/clients/{client_id}`: GoTrue answers 204.
    pub async fn delete_oauth_client(&self, client_id: &str) -> Result<(), GoTrueError> {
        let path = format!("/admin/oauth/clients/{}", seg(client_id));
        self.send(Method::DELETE, &path, &[], Auth::Admin, None::<&()>)
            .await
            .map(drop)
    }

    /// `POST /admin/oauth/clients/{client_id}/regenerate_secret`: the new secret, once.
    pub async fn regenerate_oauth_client_secret(
        &self,
        client_id: &str,
    ) -> Result<OAuthClient, GoTrueError> {
        let path = format!("/admin/oauth/clients/{}/regenerate_secret", seg(client_id));
        self.json(Method::POST, &path, &[], Auth::Admin, None::<&()>)
            .await
    }

    /// `GET /admin/custom-providers`, optionally `?type=oauth2|oidc`.
    pub async fn list_custom_providers(
        &self,
        filter: Option<CustomProviderType>,
    ) -> Result<Vec<CustomProvider>, GoTrueError> {
        let query: Vec<(&str, String)> = filter
            .map(|t| vec![("type", t.as_str().to_owned())])
            .unwrap_or_default();
        let list: CustomProviderList = self
            .json(
                Method::GET,
                "/admin/custom-providers",
                &query,
                Auth::Admin,
                None::<&()>,
            )
            .await?;
        Ok(list.providers)
    }

    /// `GET /admin/custom-providers/{identifier}`.
    pub async fn get_custom_provider(
        &self,
        identifier: &str,
    ) -> Result<CustomProvider, GoTrueError> {
        let path = format!("/admin/custom-providers/{}", seg(identifier));
        self.json(Method::GET, &path, &[], Auth::Admin, None::<&()>)
            .await
    }

    /// `POST /admin/custom-providers`.
    pub async fn create_custom_provider(
        &self,
        p: &CustomProviderParams,
    ) -> Result<CustomProvider, GoTrueError> {
        self.json(
            Method::POST,
            "/admin/custom-providers",
            &[],
            Auth::Admin,
            Some(p),
        )
        .await
    }

    /// `PUT /admin/custom-providers/{identifier}`.
    pub async fn update_custom_provider(
        &self,
        identifier: &str,
        p: &CustomProviderParams,
    ) -> Result<CustomProvider, GoTrueError> {
        let path = format!("/admin/custom-providers/{}", seg(identifier));
        self.json(Method::PUT, &path, &[], Auth::Admin, Some(p))
            .await
    }

    /// `DELETE /admin/custom-providers/{identifier}`.
    pub async fn delete_custom_provider(&self, identifier: &str) -> Result<(), GoTrueError> {
        let path = format!("/admin/custom-providers/{}", seg(identifier));
        self.send(Method::DELETE, &path, &[], Auth::Admin, None::<&()>)
            .await
            .map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_switched_off_or_missing_surface_is_unavailable() {
        let off = GoTrueError::from_response(
            404,
            Some("feature_disabled"),
            br#"{"code":404,"error_code":"feature_disabled","msg":"OAuth server is disabled"}"#,
        );
        assert!(off.is_feature_unavailable());
        let old = GoTrueError::from_response(404, None, b"404 page not found\n");
        assert!(old.is_feature_unavailable());
        let missing = GoTrueError::from_response(
            404,
            Some("sso_provider_not_found"),
            br#"{"code":404,"error_code":"sso_provider_not_found","msg":"SSO Identity Provider not found"}"#,
        );
        assert!(!missing.is_feature_unavailable());
    }

    #[test]
    fn a_segment_keeps_colons_and_escapes_slashes() {
        assert_eq!(seg("custom:acme"), "custom:acme");
        assert_eq!(seg("a/b c"), "a%2Fb%20c");
    }

    #[test]
    fn a_client_secret_never_prints() {
        let c: OAuthClient =
            serde_json::from_str(r#"{"client_id":"x","client_secret":"hunter2"}"#).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
