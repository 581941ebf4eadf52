//! v2.196.0's newer admin surfaces against a GoTrue server: passkeys, SSO providers, OAuth
//! server clients, custom providers, and how a server says it lacks one. The embedded demo
//! server by default; a real GoTrue under `tests/real-gotrue.sh`, where the feature flags
//! in this environment (passed through to GoTrue) say which surfaces are on:
//! `GOTRUE_OAUTH_SERVER_ENABLED=true` (GoTrue's default: off), `GOTRUE_CUSTOM_OAUTH_ENABLED`
//! (default: on), `GOTRUE_SAML_ENABLED` (reported by `/settings` only: v2.196.0's admin SSO
//! routes answer either way, and creating a provider needs `GOTRUE_SAML_PRIVATE_KEY`).

mod common;

use common::{Target, ci_like_demo_config, unique_email};
use gotrue_console::demo::{DemoConfig, DemoServer};
use gotrue_console::gotrue::{
    Availability, CustomProviderParams, CustomProviderType, ErrorKind, GoTrueClient, GoTrueError,
    OAuthClientParams, Secret, SsoProviderParams,
};
use serde_json::json;

const PASSWORD: &str = "correct-horse-battery-1";

fn env_flag(name: &str) -> Option<bool> {
    std::env::var(name).ok().map(|v| v == "true" || v == "1")
}

/// Whether the target has the OAuth server on: the demo's default is on; GoTrue's, off.
fn oauth_server_on(t: &Target) -> bool {
    !t.real || env_flag("GOTRUE_OAUTH_SERVER_ENABLED").unwrap_or(false)
}

fn custom_on(t: &Target) -> bool {
    !t.real || env_flag("GOTRUE_CUSTOM_OAUTH_ENABLED").unwrap_or(true)
}

/// SSO providers can be created: on the demo always; on GoTrue with SAML on and a key.
fn sso_creatable(t: &Target) -> bool {
    !t.real
        || (env_flag("GOTRUE_SAML_ENABLED").unwrap_or(false)
            && std::env::var("GOTRUE_SAML_PRIVATE_KEY").is_ok_and(|k| !k.is_empty()))
}

#[track_caller]
fn assert_code(err: &GoTrueError, status: u16, code: &str) {
    assert_eq!(err.status, Some(status), "{err:?}");
    assert_eq!(err.code.as_deref(), Some(code), "{err:?}");
}

fn tag() -> String {
    unique_email("x")
        .split('@')
        .next()
        .unwrap_or("x")
        .replace(['.', '+'], "-")
}

fn metadata(entity: &str) -> String {
    include_str!("fixtures/saml/idp-metadata.xml").replace("ENTITY", entity)
}

/// A passkey for `user`, as a WebAuthn registration would leave it: on the demo through its
/// demo-only route, on a real GoTrue straight into `auth.webauthn_credentials`.
async fn add_passkey(t: &Target, user: uuid::Uuid, name: &str) -> String {
    if let Some(demo) = t.demo() {
        let answer = reqwest::Client::new()
            .post(format!("{}/demo/users/{user}/passkeys", demo.url()))
            .bearer_auth(demo.service_role_key())
            .json(&json!({ "friendly_name": name }))
            .send()
            .await
            .expect("the demo answers");
        assert_eq!(answer.status(), 201);
        let body: serde_json::Value = answer.json().await.expect("JSON");
        return body["id"].as_str().expect("an id").to_owned();
    }
    let db = std::env::var("REAL_GOTRUE_DATABASE_URL")
        .expect("tests/real-gotrue.sh exports REAL_GOTRUE_DATABASE_URL");
    let sql = format!(
        "insert into auth.webauthn_credentials (user_id, credential_id, public_key, friendly_name) \
         values ('{user}', decode(md5(random()::text), 'hex'), decode(md5(random()::text), 'hex'), '{name}') returning id"
    );
    let out = tokio::process::Command::new("psql")
        .args([db.as_str(), "-qtAX", "-v", "ON_ERROR_STOP=1", "-c", &sql])
        .output()
        .await
        .expect("psql runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

// ---- passkeys ----------------------------------------------------------------------------

#[tokio::test]
async fn passkeys_are_listed_and_deleted() {
    let t = Target::new().await;
    let user = t.confirmed_user(PASSWORD).await;
    assert!(t.client.list_passkeys(user.id).await.unwrap().is_empty());

    let first = add_passkey(&t, user.id, "YubiKey").await;
    let second = add_passkey(&t, user.id, "Laptop").await;
    let list = t.client.list_passkeys(user.id).await.unwrap();
    let mut ids: Vec<_> = list.iter().map(|p| p.id.clone()).collect();
    ids.sort();
    let mut want = vec![first.clone(), second.clone()];
    want.sort();
    assert_eq!(ids, want);
    let yubikey = list.iter().find(|p| p.id == first).unwrap();
    assert_eq!(yubikey.friendly_name.as_deref(), Some("YubiKey"));
    assert!(yubikey.created_at.is_some());
    assert_eq!(yubikey.last_used_at, None);

    t.client.delete_passkey(user.id, &first).await.unwrap();
    let left = t.client.list_passkeys(user.id).await.unwrap();
    assert_eq!(
        left.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        [second.as_str()]
    );

    // Gone, or never a uuid: both "Passkey not found", coded validation_failed.
    let again = t.client.delete_passkey(user.id, &first).await.unwrap_err();
    assert_code(&again, 404, "validation_failed");
    assert!(!again.is_feature_unavailable());
    let bad = t
        .client
        .delete_passkey(user.id, "not-a-uuid")
        .await
        .unwrap_err();
    assert_code(&bad, 404, "validation_failed");
}

#[tokio::test]
async fn passkeys_of_a_missing_user_are_user_not_found() {
    let t = Target::new().await;
    let err = t
        .client
        .list_passkeys(uuid::Uuid::new_v4())
        .await
        .unwrap_err();
    assert_code(&err, 404, "user_not_found");
    assert!(
        !err.is_feature_unavailable(),
        "a missing user is not a missing surface"
    );
}

#[tokio::test]
async fn another_users_passkey_is_not_found() {
    let t = Target::new().await;
    let owner = t.confirmed_user(PASSWORD).await;
    let other = t.confirmed_user(PASSWORD).await;
    let pk = add_passkey(&t, owner.id, "Phone").await;
    let err = t.client.delete_passkey(other.id, &pk).await.unwrap_err();
    assert_code(&err, 404, "validation_failed");
    assert_eq!(t.client.list_passkeys(owner.id).await.unwrap().len(), 1);
}

// ---- SSO providers -----------------------------------------------------------------------

#[tokio::test]
async fn sso_providers_round_trip() {
    let t = Target::new().await;
    // Listing works whether SAML is on or not (no gate on the admin routes in v2.196.0).
    let before = t.client.list_sso_providers().await.unwrap();
    if !sso_creatable(&t) {
        return;
    }
    let tag = tag();
    let entity = format!("https://idp.gotrue-console.test/{tag}");
    let domain = format!("{tag}.example.com");
    let created = t
        .client
        .create_sso_provider(&SsoProviderParams {
            provider_type: Some("saml".into()),
            metadata_xml: Some(metadata(&tag)),
            domains: Some(vec![domain.clone()]),
            attribute_mapping: Some(json!({"keys": {"email": {"name": "mail"}}})),
            name_id_format: Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let saml = created.saml.clone().expect("a SAML provider");
    assert_eq!(saml.entity_id, entity);
    assert_eq!(created.domains[0].domain, domain);
    assert_ne!(created.disabled, Some(true));

    let listed = t.client.list_sso_providers().await.unwrap();
    assert_eq!(listed.len(), before.len() + 1);
    let mine = listed.iter().find(|p| p.id == created.id).unwrap();
    assert_eq!(
        mine.saml.as_ref().and_then(|s| s.metadata_xml.clone()),
        None,
        "lists leave the metadata out"
    );
    let got = t.client.get_sso_provider(&created.id).await.unwrap();
    assert!(got.saml.and_then(|s| s.metadata_xml).is_some());

    let updated = t
        .client
        .update_sso_provider(
            &created.id,
            &SsoProviderParams {
                domains: Some(vec![domain.clone(), format!("b-{domain}")]),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.domains.len(), 2);

    let deleted = t.client.delete_sso_provider(&created.id).await.unwrap();
    assert_eq!(deleted.id, created.id);
    let gone = t.client.get_sso_provider(&created.id).await.unwrap_err();
    assert_code(&gone, 404, "sso_provider_not_found");
    assert!(!gone.is_feature_unavailable());
}

#[tokio::test]
async fn sso_provider_validation() {
    let t = Target::new().await;
    let cases = [
        (
            SsoProviderParams {
                provider_type: Some("oidc".into()),
                ..Default::default()
            },
            "Only 'saml' supported for SSO provider type",
        ),
        (
            SsoProviderParams {
                provider_type: Some("saml".into()),
                ..Default::default()
            },
            "Either metadata_xml or metadata_url must be set",
        ),
        (
            SsoProviderParams {
                provider_type: Some("saml".into()),
                metadata_url: Some("https://a.example".into()),
                metadata_xml: Some("<x/>".into()),
                ..Default::default()
            },
            "Only one of metadata_xml or metadata_url needs to be set",
        ),
        (
            SsoProviderParams {
                provider_type: Some("saml".into()),
                metadata_url: Some("http://idp.example/metadata".into()),
                ..Default::default()
            },
            "metadata_url is not a HTTPS URL",
        ),
    ];
    for (params, message) in cases {
        let err = t.client.create_sso_provider(&params).await.unwrap_err();
        assert_code(&err, 400, "validation_failed");
        assert_eq!(err.message, message);
    }
}

// ---- OAuth server clients ----------------------------------------------------------------

#[tokio::test]
async fn oauth_clients_round_trip() {
    let t = Target::new().await;
    if !oauth_server_on(&t) {
        return;
    }
    let registered = t
        .client
        .register_oauth_client(&OAuthClientParams {
            client_name: Some("Console test".into()),
            redirect_uris: Some(vec!["https://app.example.com/callback".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    let secret = registered.client_secret.clone().expect("the secret, once");
    assert!(!secret.is_empty());
    assert!(!format!("{registered:?}").contains(secret.expose()));
    assert_eq!(registered.client_type.as_deref(), Some("confidential"));
    assert_eq!(registered.registration_type.as_deref(), Some("manual"));

    let got = t
        .client
        .get_oauth_client(&registered.client_id)
        .await
        .unwrap();
    assert_eq!(got.client_secret, None, "the secret is answered once");
    assert_eq!(got.client_name.as_deref(), Some("Console test"));
    assert!(
        t.client
            .list_oauth_clients()
            .await
            .unwrap()
            .iter()
            .any(|c| c.client_id == registered.client_id)
    );

    let updated = t
        .client
        .update_oauth_client(
            &registered.client_id,
            &OAuthClientParams {
                client_name: Some("Renamed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.client_name.as_deref(), Some("Renamed"));

    let fresh = t
        .client
        .regenerate_oauth_client_secret(&registered.client_id)
        .await
        .unwrap();
    let new_secret: Secret = fresh.client_secret.expect("a new secret");
    assert_ne!(new_secret.expose(), secret.expose());

    t.client
        .delete_oauth_client(&registered.client_id)
        .await
        .unwrap();
    let gone = t
        .client
        .get_oauth_client(&registered.client_id)
        .await
        .unwrap_err();
    assert_code(&gone, 404, "oauth_client_not_found");
}

#[tokio::test]
async fn oauth_client_validation() {
    let t = Target::new().await;
    if !oauth_server_on(&t) {
        return;
    }
    let err = t
        .client
        .register_oauth_client(&OAuthClientParams::default())
        .await
        .unwrap_err();
    assert_code(&err, 400, "validation_failed");
    // The handler wraps the service's error: GoTrue's own message gains "400: ".
    assert_eq!(err.message, "400: redirect_uris is required");
    let err = t.client.get_oauth_client("nope").await.unwrap_err();
    assert_code(&err, 400, "validation_failed");
    assert_eq!(err.message, "invalid client_id format");
    let public = t
        .client
        .register_oauth_client(&OAuthClientParams {
            redirect_uris: Some(vec!["https://app.example.com/cb".into()]),
            client_type: Some("public".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(public.client_secret, None);
    let err = t
        .client
        .regenerate_oauth_client_secret(&public.client_id)
        .await
        .unwrap_err();
    assert_code(&err, 400, "validation_failed");
    assert_eq!(err.message, "Cannot regenerate secret for public client");
}

// ---- custom providers --------------------------------------------------------------------

#[tokio::test]
async fn custom_providers_round_trip() {
    let t = Target::new().await;
    if !custom_on(&t) {
        return;
    }
    let identifier = format!("custom:{}", tag());
    let created = t
        .client
        .create_custom_provider(&CustomProviderParams {
            provider_type: Some("oauth2".into()),
            identifier: Some(identifier.clone()),
            name: Some("Acme".into()),
            client_id: Some("acme-client".into()),
            client_secret: Some(Secret::new("acme-secret")),
            scopes: Some(vec!["profile".into()]),
            authorization_url: Some("https://203.0.113.10/authorize".into()),
            token_url: Some("https://203.0.113.10/token".into()),
            userinfo_url: Some("https://203.0.113.10/userinfo".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    // GoTrue resolves each URL and refuses loopback and private addresses; an address of
    // the documentation range needs no DNS and passes.
    assert_eq!(created.identifier, identifier);
    assert_eq!(created.provider_type, "oauth2");
    assert!(
        !serde_json::to_string(&created.extra)
            .unwrap()
            .contains("acme-secret")
    );

    let oauth2 = t
        .client
        .list_custom_providers(Some(CustomProviderType::OAuth2))
        .await
        .unwrap();
    assert!(oauth2.iter().any(|p| p.identifier == identifier));
    let oidc = t
        .client
        .list_custom_providers(Some(CustomProviderType::Oidc))
        .await
        .unwrap();
    assert!(!oidc.iter().any(|p| p.identifier == identifier));

    let updated = t
        .client
        .update_custom_provider(
            &identifier,
            &CustomProviderParams {
                name: Some("Acme Corp".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.name, "Acme Corp");
    assert_eq!(
        t.client
            .get_custom_provider(&identifier)
            .await
            .unwrap()
            .name,
        "Acme Corp"
    );

    t.client.delete_custom_provider(&identifier).await.unwrap();
    let gone = t.client.get_custom_provider(&identifier).await.unwrap_err();
    assert_code(&gone, 404, "custom_provider_not_found");
    let bad = t.client.get_custom_provider("acme").await.unwrap_err();
    assert_code(&bad, 400, "validation_failed");
}

#[tokio::test]
async fn custom_provider_validation() {
    let t = Target::new().await;
    if !custom_on(&t) {
        return;
    }
    let err = t
        .client
        .create_custom_provider(&CustomProviderParams {
            provider_type: Some("oidc".into()),
            identifier: Some(format!("custom:{}", tag())),
            name: Some("Acme".into()),
            client_id: Some("c".into()),
            client_secret: Some(Secret::new("s")),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert_code(&err, 400, "validation_failed");
    assert_eq!(err.message, "issuer is required for OIDC providers");
}

// ---- unavailable surfaces ----------------------------------------------------------------

/// A server with the OAuth server and custom providers off: a demo so configured, or the
/// real GoTrue when its flags say so (else `None`: the run with the flags off covers it).
async fn features_off() -> Option<(GoTrueClient, Option<DemoServer>)> {
    let t = Target::new().await;
    if !t.real {
        let demo = DemoServer::start(DemoConfig {
            oauth_server: false,
            custom_oauth: false,
            ..ci_like_demo_config()
        })
        .await
        .expect("the demo server starts");
        let client = common::demo_client(&demo);
        return Some((client, Some(demo)));
    }
    (!oauth_server_on(&t) && !custom_on(&t)).then_some((t.client.clone(), None))
}

#[tokio::test]
async fn switched_off_surfaces_say_so() {
    let Some((client, _demo)) = features_off().await else {
        return;
    };
    let err = client.list_oauth_clients().await.unwrap_err();
    assert_code(&err, 404, "feature_disabled");
    assert_eq!(err.message, "OAuth server is disabled");
    assert!(err.is_feature_unavailable());
    let err = client
        .regenerate_oauth_client_secret("00000000-0000-0000-0000-000000000000")
        .await
        .unwrap_err();
    assert_code(&err, 404, "feature_disabled");

    let err = client.list_custom_providers(None).await.unwrap_err();
    assert_code(&err, 404, "feature_disabled");
    assert_eq!(err.message, "Custom OAuth providers are disabled");
    match Availability::from_result(client.list_custom_providers(None).await).unwrap() {
        Availability::Unavailable { code, .. } => {
            assert_eq!(code.as_deref(), Some("feature_disabled"))
        }
        other => panic!("{other:?}"),
    }
    // SSO's admin routes have no switch in v2.196.0: the list answers.
    assert!(
        Availability::from_result(client.list_sso_providers().await)
            .unwrap()
            .is_available()
    );
}

#[tokio::test]
async fn an_unknown_route_is_unavailable_not_an_error_to_show() {
    // What a server older than a surface answers: its router's plain 404.
    let t = Target::new().await;
    let answer = reqwest::Client::new()
        .get(format!("{}/admin/no-such-surface", t.url))
        .bearer_auth(t.mint(json!({"role": "service_role"})))
        .send()
        .await
        .expect("the server answers");
    assert_eq!(answer.status(), 404);
    let status = answer.status().as_u16();
    let body = answer.bytes().await.expect("a body");
    assert_eq!(&body[..], b"404 page not found\n");
    let err = GoTrueError::from_response(status, None, &body);
    assert!(err.is_feature_unavailable());
    assert_eq!(err.kind, ErrorKind::NotFound);
}
