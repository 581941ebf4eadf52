//! Asymmetric JWTs: the demo server signing access tokens with ES256 (`--jwt-alg ES256`),
//! its JWKS, the client's signature check against it, and the token inspector saying what
//! it found.

mod common;

use common::harness::Harness;
use gotrue_console::demo::{DemoConfig, DemoServer, JwtAlg};
use gotrue_console::gotrue::jwt::{SignatureCheck, check_signature, decode_unverified};
use gotrue_console::gotrue::{Credential, GoTrueClient, Secret};
use ratatui::crossterm::event::KeyCode;

const ADA: &str = "ada@example.com";
const ADA_PASSWORD: &str = "analytical-engine-1843";

fn es256() -> DemoConfig {
    DemoConfig {
        jwt_alg: JwtAlg::Es256,
        ..DemoConfig::default()
    }
}

fn client(d: &DemoServer) -> GoTrueClient {
    common::demo_client(d)
}

async fn ada_token(c: &GoTrueClient) -> Secret {
    c.sign_in_with_password(&Credential::Email(ADA.into()), &Secret::new(ADA_PASSWORD))
        .await
        .expect("Ada signs in")
        .access_token
}

#[tokio::test]
async fn es256_tokens_verify_against_the_servers_jwks() {
    let d = DemoServer::start(es256()).await.expect("demo");
    let c = client(&d);
    let jwks = c.jwks().await.expect("the JWKS");
    assert_eq!(jwks.keys.len(), 1);
    let kid = jwks.keys[0].common.key_id.clone().expect("a kid");

    let token = ada_token(&c).await;
    let decoded = decode_unverified(token.expose()).expect("a JWT");
    assert_eq!(decoded.algorithm(), Some("ES256"));
    assert_eq!(decoded.key_id(), Some(kid.as_str()));
    assert_eq!(
        check_signature(token.expose(), &jwks),
        SignatureCheck::Verified {
            alg: "ES256".into(),
            kid: kid.clone()
        }
    );
    // GoTrue takes the token back.
    assert_eq!(c.get_user(&token).await.expect("get user").email, ADA);

    // A changed signature is caught.
    let mut parts: Vec<String> = token.expose().split('.').map(str::to_owned).collect();
    parts[2] = parts[2].chars().rev().collect();
    let forged = parts.join(".");
    assert!(matches!(
        check_signature(&forged, &jwks),
        SignatureCheck::Mismatch { .. }
    ));
    // Another server's key is not this one's.
    let other = DemoServer::start(es256()).await.expect("another demo");
    let foreign = ada_token(&client(&other)).await;
    assert!(matches!(
        check_signature(foreign.expose(), &jwks),
        SignatureCheck::UnknownKey { kid: Some(_), .. }
    ));
    // The legacy HS256 keys cannot be checked without the secret.
    let hs = check_signature(d.service_role_key(), &jwks);
    assert_eq!(
        hs,
        SignatureCheck::NeedsSecret {
            alg: "HS256".into()
        }
    );
    assert_eq!(hs.to_string(), "not verified: HS256 needs the secret");
}

#[tokio::test]
async fn an_hs256_server_has_no_public_keys() {
    let d = DemoServer::start(DemoConfig::default())
        .await
        .expect("demo");
    let c = client(&d);
    assert!(c.jwks().await.expect("the JWKS").keys.is_empty());
    let token = ada_token(&c).await;
    assert_eq!(
        decode_unverified(token.expose()).unwrap().algorithm(),
        Some("HS256")
    );
}

#[tokio::test]
async fn the_token_inspector_says_who_signed_a_token() {
    let mut h = Harness::with(120, 40, es256()).await;
    let token = ada_token(&common::harness::api(&h)).await;
    h.char('6');
    h.char('e');
    h.text(token.expose());
    h.key(KeyCode::Enter);
    h.until("the signature is checked", |app| {
        app.tools().signature().is_some() && app.tools().lookup().is_some()
    })
    .await;
    let screen = h.screen();
    assert!(screen.contains("ES256  kid "), "{screen}");
    assert!(screen.contains("verified with kid"), "{screen}");
    assert!(screen.contains(ADA), "{screen}");
    assert!(!screen.contains(token.expose()), "the token is on screen");
}
