//! Keeping the Session tab's session between runs in the OS keyring, opt-in: driven through
//! the app against the demo server, with a store of the tests' own behind the console's
//! `SessionStore` trait standing for the machine's keyring, and checked through GoTrue.

mod common;

use common::harness::{Harness, api, now, select};
use common::store::{MemoryStore, NoKeyring};
use gotrue_console::gotrue::{Credential, Secret};
use ratatui::crossterm::event::KeyCode;
use std::sync::Arc;

async fn sign_in_ada(h: &mut Harness) {
    h.char('2');
    h.char('e');
    h.text("ada@example.com");
    h.key(KeyCode::Tab);
    h.text("analytical-engine-1843");
    h.key(KeyCode::Enter);
    h.until("the session", |app| app.session().is_some()).await;
}

async fn keyring_idle(h: &mut Harness) {
    h.until("the keyring answered", |app| !app.keyring_busy())
        .await;
}

fn refresh_of(h: &Harness) -> String {
    h.app()
        .session()
        .map(|s| s.refresh_token.expose().to_owned())
        .unwrap_or_default()
}

/// `keep_session = true`: a sign-in is kept, each refresh's new tokens too; the next console
/// is signed in from the keyring (and GoTrue takes the session); signing out empties it.
#[tokio::test]
async fn a_kept_session_survives_a_restart_until_signed_out() {
    let store = MemoryStore::shared();
    let mut h = Harness::build()
        .config(|c| c.keep_session = true)
        .session_store(store.clone())
        .start()
        .await;
    keyring_idle(&mut h).await;
    assert!(store.kept("demo").is_none());
    sign_in_ada(&mut h).await;
    keyring_idle(&mut h).await;
    let kept = store.kept("demo").expect("kept on sign-in");
    assert_eq!(kept.refresh_token.expose(), refresh_of(&h));
    let s = h.screen();
    assert!(s.contains("Kept in the OS keyring for demo"), "{s}");
    assert!(
        !s.contains(kept.refresh_token.expose()),
        "no token on screen"
    );

    // R: the tokens rotate, and the kept copy follows.
    let first = refresh_of(&h);
    h.char('R');
    h.until("new tokens", |app| {
        app.session()
            .is_some_and(|s| s.refresh_token.expose() != first)
    })
    .await;
    keyring_idle(&mut h).await;
    let kept = store.kept("demo").expect("still kept");
    assert_eq!(kept.refresh_token.expose(), refresh_of(&h));

    let mut h = h.restart(|_| {}).await;
    h.until("signed in from the keyring", |app| app.session().is_some())
        .await;
    keyring_idle(&mut h).await;
    assert_eq!(refresh_of(&h), kept.refresh_token.expose());
    h.char('2');
    let s = h.screen();
    assert!(s.contains("Signed in from the OS keyring"), "{s}");
    assert!(s.contains("ada@example.com"), "{s}");
    let user = api(&h)
        .get_user(&h.app().session().unwrap().access_token)
        .await
        .expect("GoTrue takes the kept session");
    assert_eq!(user.email, "ada@example.com");

    // Signing out (this session) clears it, and the next console is signed in as nobody.
    h.char('L');
    h.char('l');
    h.until("signed out", |app| app.session().is_none()).await;
    keyring_idle(&mut h).await;
    assert!(store.kept("demo").is_none(), "signing out clears it");
    let mut h = h.restart(|_| {}).await;
    keyring_idle(&mut h).await;
    assert!(h.app().session().is_none());
}

/// Without `keep_session` nothing is kept; `K` keeps the session on screen, `K` again
/// removes it.
#[tokio::test]
async fn k_keeps_the_session_on_screen_and_k_again_stops() {
    let store = MemoryStore::shared();
    let mut h = Harness::build().session_store(store.clone()).start().await;
    sign_in_ada(&mut h).await;
    h.settle().await;
    assert!(store.kept("demo").is_none(), "opt-in: nothing kept unasked");
    assert!(!h.app().keeping_session());
    h.char('K');
    keyring_idle(&mut h).await;
    assert_eq!(
        store
            .kept("demo")
            .map(|s| s.refresh_token.expose().to_owned()),
        Some(refresh_of(&h))
    );
    let s = h.screen();
    assert!(
        s.contains("keep_session = true"),
        "says how to be signed in at start-up: {s}"
    );
    h.char('K');
    keyring_idle(&mut h).await;
    assert!(store.kept("demo").is_none());
    assert!(
        h.app().session().is_some(),
        "still signed in, only not kept"
    );
}

/// A session started from a user (`I`) is never kept: the keyring's copy of your own goes
/// when it leaves the tab, its refresh is not saved, and `K` refuses it.
#[tokio::test]
async fn an_impersonation_is_never_kept() {
    let store = MemoryStore::shared();
    let mut h = Harness::build()
        .config(|c| c.keep_session = true)
        .session_store(store.clone())
        .start()
        .await;
    sign_in_ada(&mut h).await;
    keyring_idle(&mut h).await;
    assert!(store.kept("demo").is_some());
    h.char('1');
    select(&mut h, "grace@example.com").await;
    h.char('I');
    h.settle().await;
    h.char('y');
    h.until("the impersonation", |app| app.impersonating().is_some())
        .await;
    keyring_idle(&mut h).await;
    assert!(
        store.kept("demo").is_none(),
        "an impersonation is never kept"
    );
    let first = refresh_of(&h);
    h.char('R');
    h.until("new tokens", |app| {
        app.session()
            .is_some_and(|s| s.refresh_token.expose() != first)
    })
    .await;
    h.settle().await;
    assert!(store.kept("demo").is_none(), "nor its refresh");
    // K turns keeping off; once more, it refuses while the impersonation is on.
    h.char('K');
    keyring_idle(&mut h).await;
    h.char('K');
    let s = h.screen();
    assert!(s.contains("never kept"), "{s}");
    assert!(!h.app().keeping_session());
    h.settle().await;
    assert!(store.kept("demo").is_none());
    let mut h = h.restart(|_| {}).await;
    keyring_idle(&mut h).await;
    assert!(
        h.app().session().is_none(),
        "nobody comes back from the keyring"
    );
}

/// A kept session whose access token expired is refreshed at start-up (the new tokens kept);
/// one whose refresh token GoTrue refuses is removed, and nobody is signed in.
#[tokio::test]
async fn an_expired_kept_session_is_refreshed_or_removed() {
    let store = MemoryStore::shared();
    let h = Harness::build().session_store(store.clone()).start().await;
    let mut session = api(&h)
        .sign_in_with_password(
            &Credential::Email("ada@example.com".into()),
            &Secret::new("analytical-engine-1843"),
        )
        .await
        .expect("a session");
    session.expires_at = Some(now().timestamp() - 60);
    store.put("demo", &session);

    let mut h = h.restart(|c| c.keep_session = true).await;
    h.until("refreshed", |app| {
        app.session()
            .is_some_and(|s| s.refresh_token.expose() != session.refresh_token.expose())
    })
    .await;
    keyring_idle(&mut h).await;
    let kept = store.kept("demo").expect("kept");
    assert_eq!(
        kept.refresh_token.expose(),
        refresh_of(&h),
        "the new tokens are kept"
    );

    let mut spent = kept.clone();
    spent.refresh_token = Secret::new("not-a-refresh-token");
    spent.expires_at = Some(now().timestamp() - 60);
    store.put("demo", &spent);
    let mut h = h.restart(|_| {}).await;
    h.until("the refusal", |app| {
        app.flash().is_some_and(|f| f.text.contains("refused"))
    })
    .await;
    keyring_idle(&mut h).await;
    assert!(h.app().session().is_none(), "{}", h.screen());
    assert!(store.kept("demo").is_none(), "a refused session is removed");
}

/// A machine without a usable keyring (this kind of container): the console says so plainly
/// and goes on signed in; nothing is kept, nowhere else.
#[tokio::test]
async fn no_usable_keyring_is_said_plainly() {
    let mut h = Harness::build()
        .config(|c| c.keep_session = true)
        .session_store(Arc::new(NoKeyring))
        .start()
        .await;
    sign_in_ada(&mut h).await;
    keyring_idle(&mut h).await;
    let note = h.app().keyring_note().cloned().expect("a note");
    assert!(note.warn, "{note:?}");
    assert!(note.text.contains("No usable OS keyring here"), "{note:?}");
    assert!(note.text.contains("not kept"), "{note:?}");
    assert!(
        h.screen().contains("No usable OS keyring here"),
        "{}",
        h.screen()
    );
    assert!(h.app().session().is_some(), "still signed in");
    assert!(!h.app().keeping_session(), "not asked again this run");
    h.char('R');
    h.settle().await;
    assert!(!h.app().keyring_busy());
}
