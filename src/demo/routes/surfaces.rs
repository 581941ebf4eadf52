//! GoTrue v2.196.0's newer admin surfaces: `/admin/users/{id}/passkeys`
//! (internal/api/passkey_admin.go), `/admin/sso/providers` (ssoadmin.go),
//! `/admin/oauth/clients` (oauthserver/handlers.go) and `/admin/custom-providers`
//! (custom_oauth_admin.go), plus the demo-only `POST /demo/users/{id}/passkeys`.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use uuid::Uuid;

use super::super::errors::{ApiError, ApiResult};
use super::super::gotime;
use super::super::model::JsonMap;
use super::super::surfaces::{DemoPasskey, client_secret, now_str};
use super::common::{self, Shared};

fn validation(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("validation_failed", message)
}

/// `loadUser` for these routes: the id parsed, the user there.
fn load_user(st: &Shared, raw: &str) -> ApiResult<Uuid> {
    let id = common::parse_user_id(raw)?;
    if st.read().users.get(&id).is_none() {
        return Err(common::user_not_found());
    }
    Ok(id)
}

// ---- passkeys ----

pub async fn list_passkeys(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(user_id): Path<String>,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    let id = load_user(&st, &user_id)?;
    let items = st.surfaces().passkeys_of(id);
    common::ok(&items)
}

pub async fn delete_passkey(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path((user_id, passkey_id)): Path<(String, String)>,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    let id = load_user(&st, &user_id)?;
    // GoTrue answers an unparsable id and a missing one alike, with validation_failed.
    let not_found = || ApiError::not_found("validation_failed", "Passkey not found");
    let pk = Uuid::parse_str(&passkey_id).map_err(|_| not_found())?;
    let mut s = st.surfaces();
    let before = s.passkeys.len();
    s.passkeys.retain(|p| !(p.id == pk && p.user_id == id));
    if s.passkeys.len() == before {
        return Err(not_found());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct NewPasskey {
    friendly_name: Option<String>,
}

/// Demo only: what a WebAuthn registration would leave behind, for tests and the console.
pub async fn add_passkey(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(user_id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    let id = load_user(&st, &user_id)?;
    let p: NewPasskey = if body.iter().all(u8::is_ascii_whitespace) {
        NewPasskey::default()
    } else {
        common::parse_body(&body)?
    };
    let pk = DemoPasskey {
        id: Uuid::new_v4(),
        user_id: id,
        friendly_name: p.friendly_name.unwrap_or_default(),
        created_at: gotime::truncate(gotime::now()),
        last_used_at: None,
    };
    let answer = pk.to_json();
    st.surfaces().passkeys.push(pk);
    Ok(common::json_response(StatusCode::CREATED, &answer))
}

// ---- SSO providers ----

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct SsoParams {
    #[serde(rename = "type")]
    provider_type: String,
    metadata_url: String,
    metadata_xml: String,
    domains: Option<Vec<String>>,
    attribute_mapping: Option<Value>,
    name_id_format: Option<String>,
    resource_id: Option<String>,
    disabled: Option<bool>,
}

const NAME_ID_FORMATS: [&str; 4] = [
    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
    "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
];

impl SsoParams {
    fn validate(&self, for_update: bool) -> ApiResult<()> {
        if !for_update && self.provider_type != "saml" {
            return Err(validation("Only 'saml' supported for SSO provider type"));
        }
        if !self.metadata_url.is_empty() && !self.metadata_xml.is_empty() {
            return Err(validation(
                "Only one of metadata_xml or metadata_url needs to be set",
            ));
        }
        if !for_update && self.metadata_url.is_empty() && self.metadata_xml.is_empty() {
            return Err(validation(
                "Either metadata_xml or metadata_url must be set",
            ));
        }
        if !self.metadata_url.is_empty() {
            let u = url::Url::parse(&self.metadata_url)
                .map_err(|_| validation("metadata_url is not a valid URL"))?;
            if u.scheme() != "https" {
                return Err(validation("metadata_url is not a HTTPS URL"));
            }
        }
        match self.name_id_format.as_deref() {
            None | Some("") => {}
            Some(f) if NAME_ID_FORMATS.contains(&f) => {}
            Some(_) => {
                return Err(validation(format!(
                    "name_id_format must be unspecified or one of {}",
                    NAME_ID_FORMATS.join(", ")
                )));
            }
        }
        Ok(())
    }
}

/// The `entityID` of an IdP metadata document, checked as GoTrue's `parseSAMLMetadata`
/// does in its essentials (one IDPSSODescriptor, an entity id). No XML library: the demo
/// only needs to tell a plausible document from a broken one.
fn entity_id(xml: &str) -> ApiResult<String> {
    let start = xml
        .find("EntityDescriptor")
        .ok_or_else(|| validation("SAML Metadata does not contain an EntityID"))?;
    let rest = &xml[start..];
    let id = rest
        .find("entityID=\"")
        .map(|i| &rest[i + 10..])
        .and_then(|r| r.find('"').map(|j| r[..j].to_string()))
        .filter(|id| !id.is_empty())
        .ok_or_else(|| validation("SAML Metadata does not contain an EntityID"))?;
    // Opening tags only: the text between the last `<` and the name holds no `/`.
    let opening = xml
        .match_indices("IDPSSODescriptor")
        .filter(|(i, _)| {
            let head = &xml[..*i];
            head.rfind('<')
                .is_some_and(|lt| !head[lt..].contains('/') && !head[lt..].contains('>'))
        })
        .count();
    match opening {
        0 => Err(validation(
            "SAML Metadata does not contain any IDPSSODescriptor",
        )),
        1 => Ok(id),
        _ => Err(validation(
            "SAML Metadata contains multiple IDPSSODescriptors",
        )),
    }
}

fn sso_not_found() -> ApiError {
    ApiError::not_found("sso_provider_not_found", "SSO Identity Provider not found")
}

fn domains_json(domains: &[String]) -> Value {
    Value::Array(domains.iter().map(|d| json!({ "domain": d })).collect())
}

fn domain_taken(sso: &[JsonMap], domain: &str, except: Option<&str>) -> bool {
    sso.iter().any(|p| {
        p.get("id").and_then(Value::as_str) != except
            && p.get("domains")
                .and_then(Value::as_array)
                .is_some_and(|ds| {
                    ds.iter().any(|d| {
                        d.get("domain")
                            .and_then(Value::as_str)
                            .is_some_and(|x| x.eq_ignore_ascii_case(domain))
                    })
                })
    })
}

pub async fn list_sso(State(st): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    let items: Vec<Value> = st
        .surfaces()
        .sso
        .iter()
        .map(|p| {
            let mut p = p.clone();
            if let Some(Value::Object(saml)) = p.get_mut("saml") {
                saml.remove("metadata_xml");
            }
            Value::Object(p)
        })
        .collect();
    common::ok(&json!({ "items": items }))
}

fn find_sso(st: &Shared, id: &str) -> ApiResult<JsonMap> {
    let id = Uuid::parse_str(id)
        .map_err(|_| sso_not_found())?
        .to_string();
    st.surfaces()
        .sso
        .iter()
        .find(|p| p.get("id").and_then(Value::as_str) == Some(&id))
        .cloned()
        .ok_or_else(sso_not_found)
}

pub async fn get_sso(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    common::ok(&find_sso(&st, &id)?)
}

pub async fn create_sso(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    let p: SsoParams = common::parse_body(&body)?;
    p.validate(false)?;
    if !p.metadata_url.is_empty() {
        return Err(ApiError::bad_request(
            "saml_metadata_fetch_failed",
            "the demo server does not fetch metadata_url; send metadata_xml",
        ));
    }
    let entity = entity_id(&p.metadata_xml)?;
    let mut s = st.surfaces();
    if s.sso.iter().any(|x| {
        x.get("saml")
            .and_then(|v| v.get("entity_id"))
            .and_then(Value::as_str)
            == Some(&entity)
    }) {
        return Err(ApiError::unprocessable(
            "saml_idp_already_exists",
            format!("A SAML provider with this EntityID ({entity}) already exists"),
        ));
    }
    let domains = p.domains.clone().unwrap_or_default();
    for d in &domains {
        if domain_taken(&s.sso, d, None) {
            return Err(ApiError::bad_request(
                "sso_domain_already_exists",
                format!("SSO Domain '{d}' is already added to a SSO provider"),
            ));
        }
    }
    let now = now_str();
    let mut saml = JsonMap::new();
    saml.insert("entity_id".into(), Value::String(entity));
    saml.insert("metadata_xml".into(), Value::String(p.metadata_xml.clone()));
    saml.insert(
        "attribute_mapping".into(),
        p.attribute_mapping.clone().unwrap_or(json!({})),
    );
    if let Some(f) = p.name_id_format.clone().filter(|f| !f.is_empty()) {
        saml.insert("name_id_format".into(), Value::String(f));
    }
    let mut prov = JsonMap::new();
    prov.insert("id".into(), Value::String(Uuid::new_v4().to_string()));
    if let Some(r) = &p.resource_id {
        prov.insert("resource_id".into(), Value::String(r.clone()));
    }
    // `Disabled *bool` without omitempty: null unless given.
    prov.insert("disabled".into(), json!(p.disabled));
    prov.insert("saml".into(), Value::Object(saml));
    prov.insert("domains".into(), domains_json(&domains));
    prov.insert("created_at".into(), Value::String(now.clone()));
    prov.insert("updated_at".into(), Value::String(now));
    s.sso.push(prov.clone());
    Ok(common::json_response(StatusCode::CREATED, &prov))
}

pub async fn update_sso(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    let mut prov = find_sso(&st, &id)?;
    let p: SsoParams = common::parse_body(&body)?;
    p.validate(true)?;
    let pid = prov
        .get("id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let mut s = st.surfaces();
    if !p.metadata_xml.is_empty() {
        let entity = entity_id(&p.metadata_xml)?;
        let old = prov
            .get("saml")
            .and_then(|v| v.get("entity_id"))
            .and_then(Value::as_str);
        if old != Some(entity.as_str()) {
            return Err(validation("SAML Metadata can be updated only if the EntityID matches for the provider; expected '' but got ''"
                .replacen("''", &format!("'{}'", old.unwrap_or_default()), 1)
                .replacen("''", &format!("'{entity}'"), 1)));
        }
        if let Some(Value::Object(saml)) = prov.get_mut("saml") {
            saml.insert("metadata_xml".into(), Value::String(p.metadata_xml.clone()));
        }
    }
    if let Some(Value::Object(saml)) = prov.get_mut("saml") {
        if let Some(m) = &p.attribute_mapping {
            saml.insert("attribute_mapping".into(), m.clone());
        }
        if let Some(f) = p.name_id_format.clone().filter(|f| !f.is_empty()) {
            saml.insert("name_id_format".into(), Value::String(f));
        }
    }
    if let Some(domains) = &p.domains {
        for d in domains {
            if domain_taken(&s.sso, d, Some(&pid)) {
                return Err(ApiError::bad_request(
                    "sso_domain_already_exists",
                    format!("SSO Domain '{d}' is already added to a SSO provider"),
                ));
            }
        }
        prov.insert("domains".into(), domains_json(domains));
    }
    if let Some(r) = &p.resource_id {
        prov.insert("resource_id".into(), Value::String(r.clone()));
    }
    if let Some(d) = p.disabled {
        prov.insert("disabled".into(), json!(d));
    }
    prov.insert("updated_at".into(), Value::String(now_str()));
    if let Some(slot) = s
        .sso
        .iter_mut()
        .find(|x| x.get("id").and_then(Value::as_str) == Some(&pid))
    {
        *slot = prov.clone();
    }
    common::ok(&prov)
}

pub async fn delete_sso(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    let prov = find_sso(&st, &id)?;
    let pid = prov.get("id").cloned();
    st.surfaces().sso.retain(|x| x.get("id") != pid.as_ref());
    common::ok(&prov)
}

// ---- OAuth server clients ----

/// A surface behind a feature flag: off, GoTrue answers 404 `feature_disabled`.
fn gate(on: bool, message: &str) -> ApiResult<()> {
    if on {
        Ok(())
    } else {
        Err(ApiError::not_found("feature_disabled", message))
    }
}

fn oauth_gate(st: &Shared) -> ApiResult<()> {
    gate(st.settings.oauth_server, "OAuth server is disabled")
}

fn oauth_not_found() -> ApiError {
    ApiError::not_found("oauth_client_not_found", "OAuth client not found")
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ClientParams {
    redirect_uris: Option<Vec<String>>,
    grant_types: Option<Vec<String>>,
    client_name: Option<String>,
    client_uri: Option<String>,
    logo_uri: Option<String>,
    client_type: Option<String>,
    token_endpoint_auth_method: Option<String>,
}

fn check_uri(field: &str, v: &Option<String>) -> ApiResult<()> {
    if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
        if v.len() > 2048 {
            return Err(validation(format!("{field} cannot exceed 2048 characters")));
        }
        if url::Url::parse(v).is_err() {
            return Err(validation(format!("{field} must be a valid URL")));
        }
    }
    Ok(())
}

impl ClientParams {
    fn validate(&self, for_update: bool) -> ApiResult<()> {
        match &self.redirect_uris {
            None if !for_update => return Err(validation("redirect_uris is required")),
            Some(r) if r.is_empty() => return Err(validation("redirect_uris cannot be empty")),
            Some(r) if r.len() > 10 => {
                return Err(validation("redirect_uris cannot exceed 10 items"));
            }
            Some(r) => {
                for u in r {
                    if let Err(e) = url::Url::parse(u) {
                        return Err(validation(format!("invalid redirect_uri '{u}': {e}")));
                    }
                }
            }
            None => {}
        }
        if let Some(g) = &self.grant_types {
            if g.is_empty() && for_update {
                return Err(validation("grant_types cannot be empty"));
            }
            if g.iter()
                .any(|g| g != "authorization_code" && g != "refresh_token")
            {
                return Err(validation(
                    "grant_types must only contain 'authorization_code' and/or 'refresh_token'",
                ));
            }
        }
        if self.client_name.as_ref().is_some_and(|n| n.len() > 1024) {
            return Err(validation("client_name cannot exceed 1024 characters"));
        }
        check_uri("client_uri", &self.client_uri)?;
        check_uri("logo_uri", &self.logo_uri)?;
        if let Some(t) = self.client_type.as_deref().filter(|t| !t.is_empty())
            && t != "public"
            && t != "confidential"
        {
            return Err(validation("client_type must be 'public' or 'confidential'"));
        }
        if let Some(m) = self
            .token_endpoint_auth_method
            .as_deref()
            .filter(|m| !m.is_empty())
        {
            let valid = ["none", "client_secret_basic", "client_secret_post"];
            if !valid.contains(&m) {
                return Err(validation(format!(
                    "token_endpoint_auth_method must be one of: [{}]",
                    valid.join(" ")
                )));
            }
        }
        Ok(())
    }
}

pub async fn list_clients(State(st): State<Shared>, headers: HeaderMap) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    oauth_gate(&st)?;
    // Newest first; `clients` is left out when empty (omitempty).
    let clients: Vec<Value> = st
        .surfaces()
        .oauth_clients
        .iter()
        .rev()
        .map(|(c, _)| Value::Object(c.clone()))
        .collect();
    if clients.is_empty() {
        return common::ok(&json!({}));
    }
    common::ok(&json!({ "clients": clients }))
}

fn find_client(st: &Shared, raw: &str) -> ApiResult<JsonMap> {
    let id = Uuid::parse_str(raw)
        .map_err(|_| validation("invalid client_id format"))?
        .to_string();
    st.surfaces()
        .oauth_clients
        .iter()
        .find(|(c, _)| c.get("client_id").and_then(Value::as_str) == Some(&id))
        .map(|(c, _)| c.clone())
        .ok_or_else(oauth_not_found)
}

pub async fn get_client(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    oauth_gate(&st)?;
    common::ok(&find_client(&st, &id)?)
}

fn set_opt(m: &mut JsonMap, key: &str, v: &Option<String>) {
    if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
        m.insert(key.into(), Value::String(v.to_string()));
    }
}

pub async fn register_client(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    oauth_gate(&st)?;
    let p: ClientParams = serde_json::from_slice(&body)
        .map_err(|_| ApiError::bad_request("bad_json", "Invalid JSON body"))?;
    // The handler wraps the service's error in another: its message gains "400: ".
    p.validate(false)
        .map_err(|e| validation(format!("{}: {}", e.status().as_u16(), e.message())))?;
    let client_type = p
        .client_type
        .clone()
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "confidential".into());
    let method = p
        .token_endpoint_auth_method
        .clone()
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| {
            if client_type == "public" {
                "none".into()
            } else {
                "client_secret_basic".into()
            }
        });
    let now = now_str();
    let mut c = JsonMap::new();
    c.insert(
        "client_id".into(),
        Value::String(Uuid::new_v4().to_string()),
    );
    c.insert("client_type".into(), Value::String(client_type.clone()));
    c.insert("redirect_uris".into(), json!(p.redirect_uris));
    c.insert("token_endpoint_auth_method".into(), Value::String(method));
    let grants = p
        .grant_types
        .clone()
        .filter(|g| !g.is_empty())
        .unwrap_or_else(|| vec!["authorization_code".into(), "refresh_token".into()]);
    c.insert("grant_types".into(), json!(grants));
    c.insert("response_types".into(), json!(["code"]));
    set_opt(&mut c, "client_name", &p.client_name);
    set_opt(&mut c, "client_uri", &p.client_uri);
    set_opt(&mut c, "logo_uri", &p.logo_uri);
    c.insert("registration_type".into(), json!("manual"));
    c.insert("created_at".into(), Value::String(now.clone()));
    c.insert("updated_at".into(), Value::String(now));
    let secret = if client_type == "public" {
        String::new()
    } else {
        client_secret()
    };
    let mut answer = c.clone();
    if !secret.is_empty() {
        answer.insert("client_secret".into(), Value::String(secret.clone()));
    }
    st.surfaces().oauth_clients.push((c, secret));
    Ok(common::json_response(StatusCode::CREATED, &answer))
}

pub async fn update_client(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    oauth_gate(&st)?;
    let mut c = find_client(&st, &id)?;
    let raw: Value = serde_json::from_slice(&body)
        .map_err(|_| ApiError::bad_request("bad_json", "Invalid JSON body"))?;
    let p: ClientParams = serde_json::from_value(raw.clone())
        .map_err(|_| ApiError::bad_request("bad_json", "Invalid JSON body"))?;
    if raw
        .as_object()
        .is_none_or(|o| o.values().all(Value::is_null))
    {
        return Err(validation("No fields provided for update"));
    }
    p.validate(true)?;
    if let Some(r) = &p.redirect_uris {
        c.insert("redirect_uris".into(), json!(r));
    }
    if let Some(g) = &p.grant_types {
        c.insert("grant_types".into(), json!(g));
    }
    set_opt(&mut c, "client_name", &p.client_name);
    set_opt(&mut c, "client_uri", &p.client_uri);
    set_opt(&mut c, "logo_uri", &p.logo_uri);
    set_opt(
        &mut c,
        "token_endpoint_auth_method",
        &p.token_endpoint_auth_method,
    );
    c.insert("updated_at".into(), Value::String(now_str()));
    let cid = c.get("client_id").cloned();
    if let Some(slot) = st
        .surfaces()
        .oauth_clients
        .iter_mut()
        .find(|(x, _)| x.get("client_id") == cid.as_ref())
    {
        slot.0 = c.clone();
    }
    common::ok(&c)
}

pub async fn delete_client(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    oauth_gate(&st)?;
    let c = find_client(&st, &id)?;
    let cid = c.get("client_id").cloned();
    st.surfaces()
        .oauth_clients
        .retain(|(x, _)| x.get("client_id") != cid.as_ref());
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn regenerate_secret(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    oauth_gate(&st)?;
    let mut c = find_client(&st, &id)?;
    if c.get("client_type").and_then(Value::as_str) == Some("public") {
        return Err(validation("Cannot regenerate secret for public client"));
    }
    let secret = client_secret();
    c.insert("updated_at".into(), Value::String(now_str()));
    let cid = c.get("client_id").cloned();
    if let Some(slot) = st
        .surfaces()
        .oauth_clients
        .iter_mut()
        .find(|(x, _)| x.get("client_id") == cid.as_ref())
    {
        *slot = (c.clone(), secret.clone());
    }
    let mut answer = c;
    answer.insert("client_secret".into(), Value::String(secret));
    common::ok(&answer)
}

// ---- custom OAuth/OIDC providers ----

fn custom_gate(st: &Shared) -> ApiResult<()> {
    gate(
        st.settings.custom_oauth,
        "Custom OAuth providers are disabled",
    )
}

fn custom_not_found() -> ApiError {
    ApiError::not_found(
        "custom_provider_not_found",
        "Custom OAuth provider not found",
    )
}

fn check_identifier(identifier: &str) -> ApiResult<()> {
    if identifier.is_empty() {
        return Err(validation("identifier is required"));
    }
    if !identifier.starts_with("custom:") {
        return Err(validation(format!(
            "identifier must start with 'custom:' prefix, e.g. 'custom:{identifier}'"
        )));
    }
    Ok(())
}

pub async fn list_custom(
    State(st): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    custom_gate(&st)?;
    let filter = q.get("type").filter(|t| !t.is_empty());
    if let Some(t) = filter
        && t != "oauth2"
        && t != "oidc"
    {
        return Err(validation("type must be either 'oauth2' or 'oidc'"));
    }
    let providers: Vec<Value> = st
        .surfaces()
        .custom
        .iter()
        .filter(|p| {
            filter.is_none_or(|t| p.get("provider_type").and_then(Value::as_str) == Some(t))
        })
        .map(|p| Value::Object(p.clone()))
        .collect();
    common::ok(&json!({ "providers": providers }))
}

fn find_custom(st: &Shared, identifier: &str) -> ApiResult<JsonMap> {
    check_identifier(identifier)?;
    st.surfaces()
        .custom
        .iter()
        .find(|p| p.get("identifier").and_then(Value::as_str) == Some(identifier))
        .cloned()
        .ok_or_else(custom_not_found)
}

pub async fn get_custom(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(identifier): Path<String>,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    custom_gate(&st)?;
    common::ok(&find_custom(&st, &identifier)?)
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct CustomParams {
    provider_type: String,
    identifier: String,
    name: String,
    client_id: String,
    client_secret: String,
    scopes: Option<Vec<String>>,
    pkce_enabled: Option<bool>,
    enabled: Option<bool>,
    issuer: Option<String>,
    authorization_url: Option<String>,
    token_url: Option<String>,
    userinfo_url: Option<String>,
}

/// `utilities.ValidateOAuthURL`: HTTPS, not loopback, private, link-local or metadata.
/// The demo resolves no names: a hostname passes, an IP literal is checked.
fn validate_oauth_url(raw: &str) -> ApiResult<()> {
    let u = url::Url::parse(raw).map_err(|_| validation("Invalid URL format"))?;
    if u.scheme() != "https" {
        return Err(validation("URL must use HTTPS"));
    }
    let host = match u.host() {
        Some(h) => h,
        None => return Err(validation("URL must have a valid hostname")),
    };
    let name = u.host_str().unwrap_or_default().to_lowercase();
    if ["localhost", "127.0.0.1", "[::1]", "0.0.0.0", "[::]"].contains(&name.as_str())
        || name.ends_with(".localhost")
    {
        return Err(validation(
            "URL cannot point to localhost or loopback addresses",
        ));
    }
    let ip: Option<std::net::IpAddr> = match host {
        url::Host::Ipv4(ip) => Some(ip.into()),
        url::Host::Ipv6(ip) => Some(ip.into()),
        url::Host::Domain(_) => None,
    };
    if let Some(ip) = ip {
        if ip.is_loopback() {
            return Err(validation("URL cannot resolve to loopback addresses"));
        }
        if let std::net::IpAddr::V4(v4) = ip {
            if v4.is_private() {
                return Err(validation(
                    "URL cannot resolve to private network addresses",
                ));
            }
            if v4.is_link_local() {
                return Err(validation("URL cannot resolve to link-local addresses"));
            }
        }
    }
    Ok(())
}

fn blank(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(str::is_empty)
}

pub async fn create_custom(
    State(st): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    custom_gate(&st)?;
    let p: CustomParams = common::parse_body(&body)?;
    if p.provider_type != "oauth2" && p.provider_type != "oidc" {
        return Err(validation(
            "provider_type must be either 'oauth2' or 'oidc'",
        ));
    }
    check_identifier(&p.identifier)?;
    if p.name.is_empty() {
        return Err(validation("name is required"));
    }
    if p.client_id.is_empty() {
        return Err(validation("client_id is required"));
    }
    if p.client_secret.is_empty() {
        return Err(validation("client_secret is required"));
    }
    if p.provider_type == "oidc" {
        // GoTrue fetches the issuer's discovery document here; the demo takes the issuer
        // as given.
        if blank(&p.issuer) {
            return Err(validation("issuer is required for OIDC providers"));
        }
    } else {
        if blank(&p.authorization_url) {
            return Err(validation(
                "authorization_url is required for OAuth2 providers",
            ));
        }
        if blank(&p.token_url) {
            return Err(validation("token_url is required for OAuth2 providers"));
        }
        if blank(&p.userinfo_url) {
            return Err(validation("userinfo_url is required for OAuth2 providers"));
        }
    }
    for v in [
        &p.issuer,
        &p.authorization_url,
        &p.token_url,
        &p.userinfo_url,
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            validate_oauth_url(v)?;
        }
    }
    let mut s = st.surfaces();
    if s.custom
        .iter()
        .any(|x| x.get("identifier").and_then(Value::as_str) == Some(&p.identifier))
    {
        return Err(ApiError::bad_request(
            "conflict",
            format!(
                "A custom provider with identifier '{}' already exists",
                p.identifier
            ),
        ));
    }
    let now = now_str();
    let mut m = JsonMap::new();
    m.insert("id".into(), Value::String(Uuid::new_v4().to_string()));
    m.insert("provider_type".into(), json!(p.provider_type));
    m.insert("identifier".into(), json!(p.identifier));
    m.insert("name".into(), json!(p.name));
    m.insert("client_id".into(), json!(p.client_id));
    m.insert("acceptable_client_ids".into(), json!([]));
    m.insert("scopes".into(), json!(p.scopes.unwrap_or_default()));
    m.insert("pkce_enabled".into(), json!(p.pkce_enabled.unwrap_or(true)));
    m.insert("attribute_mapping".into(), json!({}));
    m.insert("custom_claims_allowlist".into(), json!([]));
    m.insert("authorization_params".into(), json!({}));
    m.insert("enabled".into(), json!(p.enabled.unwrap_or(true)));
    m.insert("email_optional".into(), json!(false));
    for (k, v) in [
        ("issuer", &p.issuer),
        ("authorization_url", &p.authorization_url),
        ("token_url", &p.token_url),
        ("userinfo_url", &p.userinfo_url),
    ] {
        set_opt(&mut m, k, v);
    }
    m.insert("skip_nonce_check".into(), json!(false));
    m.insert("created_at".into(), Value::String(now.clone()));
    m.insert("updated_at".into(), Value::String(now));
    s.custom.push(m.clone());
    Ok(common::json_response(StatusCode::CREATED, &m))
}

pub async fn update_custom(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(identifier): Path<String>,
    body: Bytes,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    custom_gate(&st)?;
    let mut m = find_custom(&st, &identifier)?;
    let p: CustomParams = common::parse_body(&body)?;
    if !p.name.is_empty() {
        m.insert("name".into(), json!(p.name));
    }
    if !p.client_id.is_empty() {
        m.insert("client_id".into(), json!(p.client_id));
    }
    if let Some(s) = p.scopes {
        m.insert("scopes".into(), json!(s));
    }
    if let Some(b) = p.pkce_enabled {
        m.insert("pkce_enabled".into(), json!(b));
    }
    if let Some(b) = p.enabled {
        m.insert("enabled".into(), json!(b));
    }
    for (k, v) in [
        ("authorization_url", &p.authorization_url),
        ("token_url", &p.token_url),
        ("userinfo_url", &p.userinfo_url),
    ] {
        if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
            validate_oauth_url(v)?;
        }
        set_opt(&mut m, k, v);
    }
    m.insert("updated_at".into(), Value::String(now_str()));
    if let Some(slot) = st
        .surfaces()
        .custom
        .iter_mut()
        .find(|x| x.get("identifier").and_then(Value::as_str) == Some(&identifier))
    {
        *slot = m.clone();
    }
    common::ok(&m)
}

pub async fn delete_custom(
    State(st): State<Shared>,
    headers: HeaderMap,
    Path(identifier): Path<String>,
) -> ApiResult<Response> {
    common::require_admin(&st, &headers)?;
    custom_gate(&st)?;
    find_custom(&st, &identifier)?;
    st.surfaces()
        .custom
        .retain(|x| x.get("identifier").and_then(Value::as_str) != Some(&identifier));
    Ok(StatusCode::NO_CONTENT.into_response())
}
