//! MFA factors from the user's page: a phone factor's number changes with its name.

mod common;

use common::harness::{Harness, api, open_ada, until_dialog_done};
use gotrue_console::gotrue::{Credential, FactorType, Secret};
use ratatui::crossterm::event::KeyCode;

/// Ada enrolls a phone factor (through the API, as her app would); from her page `M` `r`
/// and its number shows, ready to change; the new one is what GoTrue keeps. An unchanged
/// form is refused before anything is sent.
#[tokio::test]
async fn a_phone_factors_number_changes_from_the_rename_form() {
    let mut h = Harness::new(120, 40).await;
    let api = api(&h);
    let session = api
        .sign_in_with_password(
            &Credential::Email("ada@example.com".into()),
            &Secret::new("analytical-engine-1843"),
        )
        .await
        .expect("Ada signs in");
    let enrolled = reqwest::Client::new()
        .post(format!("{}/factors", h.demo.url()))
        .header("apikey", h.demo.anon_key())
        .bearer_auth(session.access_token.expose())
        .json(&serde_json::json!({
            "factor_type": "phone", "phone": "+15555550123", "friendly_name": "Ada's mobile"
        }))
        .send()
        .await
        .expect("the demo answers");
    assert!(enrolled.status().is_success(), "{enrolled:?}");

    open_ada(&mut h).await;
    h.char('M');
    h.settle().await;
    h.char('r');
    h.settle().await;
    let s = h.screen();
    if s.contains("Rename which factor?") {
        let line = s
            .lines()
            .find(|l| l.contains("Ada's mobile"))
            .expect("the phone factor is offered");
        let key = line
            .trim_start_matches(|c: char| !c.is_ascii_digit())
            .chars()
            .next()
            .expect("its key");
        h.char(key);
    }
    let s = h.screen();
    assert!(s.contains("New name or number"), "{s}");
    assert!(
        s.contains("+15555550123"),
        "the number is there to change:\n{s}"
    );

    // Nothing changed: said, and nothing sent.
    h.key(KeyCode::Enter);
    assert!(
        h.screen().contains("type a new name or a new number"),
        "{}",
        h.screen()
    );

    h.key(KeyCode::Tab);
    for _ in 0.."+15555550123".len() {
        h.key(KeyCode::Backspace);
    }
    h.text("+15555550199");
    h.key(KeyCode::Enter);
    until_dialog_done(&mut h, "sending codes to").await;
    let ada = h.app().detail().map(|d| d.id).expect("Ada's page");
    let factors = api.list_factors(ada).await.expect("her factors");
    let phone = factors
        .iter()
        .find(|f| f.factor_type == FactorType::Phone)
        .expect("the phone factor");
    assert_eq!(
        phone.phone.as_deref().map(|p| p.trim_start_matches('+')),
        Some("15555550199")
    );
    assert_eq!(
        phone.friendly_name.as_deref(),
        Some("Ada's mobile"),
        "the name stays"
    );
}

/// A user's passkeys show on their page beside the factors; `K` removes one after asking,
/// and GoTrue no longer lists it; diagnose counts what is left.
#[tokio::test]
async fn passkeys_show_on_the_users_page_and_k_removes_one() {
    let mut h = Harness::new(120, 40).await;
    let api = api(&h);
    let ada = api
        .list_users(&gotrue_console::gotrue::ListUsers {
            filter: Some("ada@example.com".into()),
            ..Default::default()
        })
        .await
        .expect("a list")
        .users
        .into_iter()
        .find(|u| u.email == "ada@example.com")
        .expect("Ada");
    let mut before = api.list_passkeys(ada.id).await.expect("her passkeys");
    if before.is_empty() {
        // The demo seeds passkeys on its first users; make sure Ada has one.
        let added = reqwest::Client::new()
            .post(format!("{}/demo/users/{}/passkeys", h.demo.url(), ada.id))
            .header("apikey", h.demo.service_role_key())
            .bearer_auth(h.demo.service_role_key())
            .json(&serde_json::json!({"friendly_name": "YubiKey 5C"}))
            .send()
            .await
            .expect("the demo answers");
        assert!(added.status().is_success(), "{added:?}");
        before = api.list_passkeys(ada.id).await.expect("her passkeys");
    }
    open_ada(&mut h).await;
    h.settle().await;
    let s = h.screen();
    assert!(s.contains(&format!("Passkeys ({})", before.len())), "{s}");
    let first = before[0].friendly_name.clone().unwrap_or_default();
    assert!(s.contains(&first), "{s}");

    h.char('K');
    h.settle().await;
    if before.len() > 1 {
        h.char('1');
    }
    let s = h.screen();
    assert!(s.contains("Remove the passkey"), "{s}");
    h.char('y');
    until_dialog_done(&mut h, "Removed the passkey").await;
    h.key(KeyCode::Enter);
    let after = api.list_passkeys(ada.id).await.expect("her passkeys");
    assert_eq!(after.len(), before.len() - 1);
    assert!(
        after.iter().all(|p| p.id != before[0].id),
        "that one is gone"
    );
    h.settle().await;
    assert!(
        h.screen().contains(&format!("Passkeys ({})", after.len())),
        "the page read them again:\n{}",
        h.screen()
    );

    h.char('d');
    until_dialog_done(&mut h, "Diagnose ada@example.com").await;
    let s = h.screen();
    if after.is_empty() {
        assert!(!s.contains("passkey(s)"), "{s}");
    } else {
        assert!(s.contains(&format!("{} passkey(s)", after.len())), "{s}");
    }
}
