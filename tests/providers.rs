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

/// Moves the cursor to the first item `is` picks.
fn select(h: &mut Harness, is: fn(&gotrue_console::console::screens::providers::Item) -> bool) {
    for _ in 0..50 {
        if h.app().providers().selected().is_some_and(|i| is(&i)) {
            return;
        }
        h.char('j');
    }
    panic!("no such item:\n{}", h.screen());
}

fn paste(h: &mut Harness, text: &str) {
    h.driver.handle(gotrue_console::console::app::Msg::Input(
        gotrue_console::console::input::Input::Paste(text.to_owned()),
    ));
}

/// `n` `s`: a SAML provider from its metadata XML pasted over many lines, with two domains;
/// a domain another provider holds is GoTrue's refusal under the form as typed; `e` then
/// changes the domains, and GoTrue holds only what was changed.
#[tokio::test]
async fn an_sso_provider_is_created_from_pasted_metadata_then_edited() {
    use gotrue_console::console::screens::providers::Item;
    let mut h = Harness::new(120, 40).await;
    let api = api(&h);
    open_tab(&mut h).await;
    let xml = include_str!("fixtures/saml/idp-metadata.xml").replace("ENTITY", "acme");
    h.char('n');
    assert!(h.screen().contains("What to add?"), "{}", h.screen());
    h.char('s');
    assert!(h.screen().contains("New SSO provider"), "{}", h.screen());
    // Metadata URL empty; Tab to the XML, pasted as the clipboard holds it (many lines).
    h.key(KeyCode::Tab);
    paste(&mut h, &xml);
    h.key(KeyCode::Tab);
    h.text("acme.example, acme.test");
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.text("nonsense");
    h.key(KeyCode::Enter);
    let s = h.screen();
    assert!(s.contains("name id format: one of persistent"), "{s}");
    assert!(api.list_sso_providers().await.expect("list").is_empty());
    for _ in 0.."nonsense".len() {
        h.key(KeyCode::Backspace);
    }
    h.text("email");
    h.key(KeyCode::Enter);
    common::harness::until_dialog_done(
        &mut h,
        "Created the SSO provider https://idp.gotrue-console.test/acme",
    )
    .await;
    let s = h.screen();
    assert!(
        s.contains("Users of acme.example, acme.test sign in through it"),
        "{s}"
    );
    let made = api.list_sso_providers().await.expect("list");
    assert_eq!(made.len(), 1);
    let saml = made[0].saml.clone().expect("saml");
    assert_eq!(
        saml.name_id_format.as_deref(),
        Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
    );
    let whole = api
        .get_sso_provider(&made[0].id)
        .await
        .expect("the provider");
    let xml_kept = whole.saml.and_then(|s| s.metadata_xml).unwrap_or_default();
    assert!(
        xml_kept.contains("entityID=\"https://idp.gotrue-console.test/acme\""),
        "{xml_kept}"
    );
    h.key(KeyCode::Enter);
    h.until("the new provider listed", |app| {
        app.action().is_none() && app.providers().selected().is_some()
    })
    .await;
    h.settle().await;
    assert!(
        h.screen().contains("SSO providers (SAML) (1)"),
        "{}",
        h.screen()
    );

    // A second provider cannot take acme.test: GoTrue says so, the form stays as typed.
    h.char('n');
    h.char('s');
    h.key(KeyCode::Tab);
    paste(
        &mut h,
        &include_str!("fixtures/saml/idp-metadata.xml").replace("ENTITY", "other"),
    );
    h.key(KeyCode::Tab);
    h.text("acme.test");
    h.key(KeyCode::Enter);
    h.until("GoTrue's refusal", |app| {
        app.action()
            .is_some_and(|a| a.is_finished() && a.dialog().error.is_some())
    })
    .await;
    let s = h.screen();
    assert!(s.contains("sso_domain_already_exists"), "{s}");
    assert!(s.contains("acme.test"), "the form as typed:\n{s}");
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);
    assert_eq!(api.list_sso_providers().await.expect("list").len(), 1);

    // `e` on it: the domains change; nothing else is sent.
    select(&mut h, |i| matches!(i, Item::Sso(_)));
    h.char('e');
    let s = h.screen();
    assert!(
        s.contains("Edit the SSO provider https://idp.gotrue-console.test/acme"),
        "{s}"
    );
    h.key(KeyCode::Enter);
    assert!(h.screen().contains("Nothing changed"), "{}", h.screen());
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    for _ in 0..", acme.test".len() {
        h.key(KeyCode::Backspace);
    }
    h.key(KeyCode::Enter);
    common::harness::until_dialog_done(&mut h, "Saved the SSO provider").await;
    let now = api
        .get_sso_provider(&made[0].id)
        .await
        .expect("the provider");
    let domains: Vec<_> = now.domains.iter().map(|d| d.domain.as_str()).collect();
    assert_eq!(domains, ["acme.example"]);
    assert_eq!(now.saml.and_then(|s| s.name_id_format), saml.name_id_format);
}

/// `n` `o`: an OAuth client registered from the form; its secret goes to the clipboard and
/// never to the screen; `e` renames it.
#[tokio::test]
async fn an_oauth_client_is_registered_and_renamed_from_the_tab() {
    use gotrue_console::console::screens::providers::Item;
    let mut h = Harness::new(120, 40).await;
    let api = api(&h);
    open_tab(&mut h).await;
    h.char('n');
    h.char('o');
    h.text("Billing");
    h.key(KeyCode::Enter);
    assert!(
        h.screen().contains("redirect URIs: at least one"),
        "{}",
        h.screen()
    );
    h.key(KeyCode::Tab);
    h.text("https://billing.example.com/cb https://billing.example.com/cb2");
    h.key(KeyCode::Enter);
    common::harness::until_dialog_done(&mut h, "Registered the OAuth client Billing").await;
    let copied = h
        .copied
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("the secret copied");
    let s = h.screen();
    assert!(!s.contains(&copied), "the secret is not on screen:\n{s}");
    assert!(s.contains("copies the secret again"), "{s}");
    let clients = api.list_oauth_clients().await.expect("clients");
    assert_eq!(clients.len(), 1);
    assert_eq!(clients[0].redirect_uris.len(), 2);
    h.key(KeyCode::Enter);
    h.settle().await;

    select(&mut h, |i| matches!(i, Item::OAuth(_)));
    h.char('e');
    for _ in 0.."Billing".len() {
        h.key(KeyCode::Backspace);
    }
    h.text("Billing portal");
    h.key(KeyCode::Enter);
    common::harness::until_dialog_done(&mut h, "Saved the OAuth client Billing portal").await;
    let now = api
        .get_oauth_client(&clients[0].client_id)
        .await
        .expect("the client");
    assert_eq!(now.client_name.as_deref(), Some("Billing portal"));
    assert_eq!(now.redirect_uris, clients[0].redirect_uris);
}

/// `n` `i`: a custom OIDC provider; `e` disables it without retyping its secret.
#[tokio::test]
async fn a_custom_oidc_provider_is_created_and_disabled() {
    use gotrue_console::console::screens::providers::Item;
    let mut h = Harness::new(120, 40).await;
    let api = api(&h);
    open_tab(&mut h).await;
    h.char('n');
    h.char('i');
    let s = h.screen();
    assert!(s.contains("New custom OIDC provider"), "{s}");
    assert!(
        !s.contains("token URL"),
        "OIDC asks for the issuer only:\n{s}"
    );
    for (i, v) in [
        "custom:acme",
        "Acme ID",
        "acme-client",
        "acme-secret-value",
        "openid email",
        "",
        "",
        "https://203.0.113.10",
    ]
    .iter()
    .enumerate()
    {
        if i > 0 {
            h.key(KeyCode::Tab);
        }
        h.text(v);
    }
    assert!(
        !h.screen().contains("acme-secret-value"),
        "the secret is masked"
    );
    h.key(KeyCode::Enter);
    common::harness::until_dialog_done(&mut h, "Created the custom provider Acme ID (custom:acme)")
        .await;
    let made = api.get_custom_provider("custom:acme").await.expect("made");
    assert_eq!(made.provider_type, "oidc");
    assert_eq!(made.scopes, ["openid", "email"]);
    assert_eq!(made.issuer.as_deref(), Some("https://203.0.113.10"));
    h.key(KeyCode::Enter);
    h.settle().await;

    select(&mut h, |i| matches!(i, Item::Custom(_)));
    h.char('e');
    assert!(
        !h.screen().contains("identifier"),
        "an identifier cannot change:\n{}",
        h.screen()
    );
    // name, client id, client secret, scopes, PKCE, enabled.
    for _ in 0..5 {
        h.key(KeyCode::Tab);
    }
    for _ in 0..3 {
        h.key(KeyCode::Backspace);
    }
    h.text("no");
    h.key(KeyCode::Enter);
    common::harness::until_dialog_done(&mut h, "Saved the custom provider Acme ID").await;
    assert!(h.screen().contains("It is disabled"), "{}", h.screen());
    let now = api
        .get_custom_provider("custom:acme")
        .await
        .expect("still there");
    assert!(!now.enabled);
    assert_eq!(now.client_id, "acme-client");
}

#[tokio::test]
async fn the_provider_forms_at_80x24_and_120x40() {
    for (w, hgt) in [(80u16, 24u16), (120, 40)] {
        let mut h = Harness::new(w, hgt).await;
        open_tab(&mut h).await;
        h.char('n');
        snapshot(&format!("providers_new_{w}x{hgt}"), &h.screen());
        h.char('2');
        snapshot(&format!("providers_new_oauth2_{w}x{hgt}"), &h.screen());
    }
}

/// `t` asks GoTrue for the custom providers of one type (`?type=`), then the other, then all.
#[tokio::test]
async fn t_shows_the_custom_providers_of_one_type() {
    use gotrue_console::gotrue::{CustomProviderParams, Secret};
    let mut h = Harness::new(120, 40).await;
    let api = api(&h);
    for (t, id, name) in [
        ("oauth2", "custom:plain", "Plain OAuth"),
        ("oidc", "custom:openid", "Open ID"),
    ] {
        let oauth2 = t == "oauth2";
        api.create_custom_provider(&CustomProviderParams {
            provider_type: Some(t.into()),
            identifier: Some(id.into()),
            name: Some(name.into()),
            client_id: Some("c".into()),
            client_secret: Some(Secret::new("s")),
            issuer: (!oauth2).then(|| "https://203.0.113.10".into()),
            authorization_url: oauth2.then(|| "https://203.0.113.10/authorize".into()),
            token_url: oauth2.then(|| "https://203.0.113.10/token".into()),
            userinfo_url: oauth2.then(|| "https://203.0.113.10/userinfo".into()),
            ..Default::default()
        })
        .await
        .expect("a custom provider");
    }
    open_tab(&mut h).await;
    let s = h.screen();
    assert!(s.contains("Custom OAuth/OIDC providers (2)"), "{s}");
    h.char('t');
    h.settle().await;
    let s = h.screen();
    assert!(s.contains("Custom providers of type oauth2 (1)"), "{s}");
    assert!(s.contains("Plain OAuth") && !s.contains("Open ID"), "{s}");
    h.char('t');
    h.settle().await;
    let s = h.screen();
    assert!(s.contains("Custom providers of type oidc (1)"), "{s}");
    assert!(s.contains("Open ID") && !s.contains("Plain OAuth"), "{s}");
    h.char('t');
    h.settle().await;
    assert!(
        h.screen().contains("Custom OAuth/OIDC providers (2)"),
        "{}",
        h.screen()
    );
}
