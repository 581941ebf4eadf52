//! The Providers tab, driven against the demo server: what `/settings` enables, the SSO
//! providers, the OAuth server's clients and the custom providers; a surface the server
//! lacks says so; an OAuth client's secret is regenerated, shown once and copied.

mod common;

use common::harness::{Harness, api, snapshot};
use gotrue_console::demo::DemoConfig;
use gotrue_console::gotrue::OAuthClientParams;
use ratatui::crossterm::event::KeyCode;

async fn open_tab(h: &mut Harness) {
    h.char('9');
    h.until("the providers", |app| app.providers().is_loaded())
        .await;
}

#[tokio::test]
async fn the_tab_lists_every_surface_and_a_new_secret_is_shown_once() {
    let mut h = Harness::new(120, 40).await;
    let api = api(&h);
    let client = api
        .register_oauth_client(&OAuthClientParams {
            client_name: Some("Support portal".into()),
            redirect_uris: Some(vec!["https://portal.example.com/callback".into()]),
            ..Default::default()
        })
        .await
        .expect("a client");
    let old = client
        .client_secret
        .clone()
        .expect("a secret at registration");
    open_tab(&mut h).await;
    let s = h.screen();
    for part in [
        "Sign-in methods (/settings)",
        "SSO providers (SAML) (0)",
        "SAML is off on this server",
        "OAuth server clients (1)",
        "Support portal",
        "Custom OAuth/OIDC providers (0)",
    ] {
        assert!(s.contains(part), "{part}:\n{s}");
    }
    assert!(!s.contains(old.expose()), "a secret is never listed");

    // Down to the client, Enter: it whole.
    while h.app().providers().selected().is_some_and(|i| {
        !matches!(
            i,
            gotrue_console::console::screens::providers::Item::OAuth(_)
        )
    }) {
        h.char('j');
    }
    h.key(KeyCode::Enter);
    let s = h.screen();
    assert!(s.contains("https://portal.example.com/callback"), "{s}");

    h.char('S');
    h.settle().await;
    let s = h.screen();
    assert!(s.contains("shown once"), "{s}");
    let copied = h
        .copied
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("the secret copied");
    assert_ne!(copied, old.expose(), "a new secret");
    assert!(s.contains(&copied), "shown (masking is off):\n{s}");
    h.char('j');
    assert!(!h.screen().contains(&copied), "gone at the next key");
}

#[tokio::test]
async fn a_surface_the_server_lacks_says_so() {
    let mut h = Harness::with(
        120,
        40,
        DemoConfig {
            oauth_server: false,
            custom_oauth: false,
            ..DemoConfig::default()
        },
    )
    .await;
    open_tab(&mut h).await;
    let s = h.screen();
    assert!(
        s.contains("not on this server: OAuth server is disabled (feature_disabled)"),
        "{s}"
    );
    assert!(
        s.contains("not on this server: Custom OAuth providers are disabled"),
        "{s}"
    );
    assert!(!s.contains("failed"), "{s}");
}

#[tokio::test]
async fn the_providers_tab_at_80x24_and_120x40() {
    for (w, hgt) in [(80u16, 24u16), (120, 40)] {
        let mut h = Harness::new(w, hgt).await;
        open_tab(&mut h).await;
        snapshot(&format!("providers_{w}x{hgt}"), &h.screen());
    }
}

/// `D` on an OAuth client: its id typed to confirm, then GoTrue no longer has it and the
/// tab reads the clients again.
#[tokio::test]
async fn an_oauth_client_is_deleted_once_its_id_is_typed() {
    let mut h = Harness::new(120, 40).await;
    let api = api(&h);
    let client = api
        .register_oauth_client(&OAuthClientParams {
            client_name: Some("Old portal".into()),
            redirect_uris: Some(vec!["https://old.example.com/callback".into()]),
            ..Default::default()
        })
        .await
        .expect("a client");
    open_tab(&mut h).await;
    while h.app().providers().selected().is_some_and(|i| {
        !matches!(
            i,
            gotrue_console::console::screens::providers::Item::OAuth(_)
        )
    }) {
        h.char('j');
    }
    h.char('D');
    let s = h.screen();
    assert!(s.contains("Delete the OAuth client Old portal"), "{s}");
    h.text("not-the-id");
    h.key(KeyCode::Enter);
    assert!(h.screen().contains("does not match"), "{}", h.screen());
    assert_eq!(api.list_oauth_clients().await.expect("clients").len(), 1);
    for _ in 0.."not-the-id".len() {
        h.key(KeyCode::Backspace);
    }
    h.text(&client.client_id);
    h.key(KeyCode::Enter);
    common::harness::until_dialog_done(&mut h, "Deleted the OAuth client Old portal").await;
    assert!(api.list_oauth_clients().await.expect("clients").is_empty());
    h.key(KeyCode::Enter);
    h.settle().await;
    assert!(
        h.screen().contains("OAuth server clients (0)"),
        "{}",
        h.screen()
    );
}
