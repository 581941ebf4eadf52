//! Screens on their own, with a fake context (`common::screen::TestScreen`): no app, no
//! worker, no server. The app-level tests (`app_update.rs`, `console.rs`) cover the wiring.

mod common;

use chrono::{DateTime, Utc};
use common::screen::TestScreen;
use gotrue_console::console::command::{ApiCall, ApiReply};
use gotrue_console::console::screens::Effect;
use gotrue_console::console::screens::outbox::OutboxScreen;
use gotrue_console::console::screens::users::UsersScreen;
use gotrue_console::gotrue::{KeysetPage, Listing, OutboxMessage, User};
use ratatui::crossterm::event::KeyCode;
use serde_json::json;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-06-01T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn message(id: u64, to: &str, link: &str) -> OutboxMessage {
    serde_json::from_value(json!({
        "id": id,
        "at": format!("2025-06-01T11:{:02}:00Z", id),
        "kind": "magiclink",
        "to": to,
        "subject": "Your magic link",
        "link": link,
    }))
    .unwrap()
}

#[test]
fn the_outbox_alone_lists_selects_and_copies() {
    let mut t = TestScreen::new(OutboxScreen::from_source("demo server"), now());
    t.with(|s, ctx| s.reload(ctx));
    let (id, call) = t.last_call().expect("a request");
    assert_eq!(call, ApiCall::Outbox);
    assert!(t.render(80, 24).contains("Loading…"));
    t.answer(
        id,
        Ok(ApiReply::Outbox(vec![
            message(1, "ada@example.com", "https://a.example/1"),
            message(2, "grace@example.com", "https://a.example/2"),
        ])),
    );
    let screen = t.render(80, 24);
    assert!(screen.contains("2 messages"), "{screen}");
    // Newest first: grace's, then ada's.
    t.key(KeyCode::Char('j'));
    t.key(KeyCode::Char('y'));
    assert!(
        t.effects.contains(&Effect::Copy {
            what: "the link".into(),
            text: "https://a.example/1".into()
        }),
        "{:?}",
        t.effects
    );
    // `u` narrows to the user selected in Users.
    t.selected_user = Some("grace@example.com".into());
    t.key(KeyCode::Char('u'));
    let screen = t.render(80, 24);
    assert!(screen.contains("1 of 2 messages"), "{screen}");
}

#[test]
fn the_users_list_alone_pages_by_the_rows_that_fit() {
    let mut t = TestScreen::new(UsersScreen::default(), now());
    t.with(|s, ctx| s.reload(ctx));
    let (id, call) = t.last_call().expect("a request");
    assert!(matches!(call, ApiCall::UsersByCursor(_)), "{call:?}");
    let users: Vec<User> = (1..=50)
        .map(|n| {
            serde_json::from_value(json!({
                "id": format!("00000000-0000-4000-8000-{n:012}"),
                "email": format!("user{n:02}@example.com"),
                "created_at": format!("2025-05-01T00:{n:02}:00Z"),
            }))
            .unwrap()
        })
        .collect();
    // A server that pages by cursor, with every user on the first page: the list is whole.
    t.answer(
        id,
        Ok(ApiReply::Listing(Box::new(Listing::Keyset(KeysetPage {
            users,
            next_cursor: None,
            has_more: false,
        })))),
    );
    assert!(t.screen.windowed().is_none());
    t.screen.set_page(12);
    t.key(KeyCode::PageDown);
    let selected = t.screen.selected_row().map(|r| r.email.clone());
    // Newest first: user50 is row 0, so a page of 12 lands on user38.
    assert_eq!(selected.as_deref(), Some("user38@example.com"));
    t.key(KeyCode::Char('G'));
    assert_eq!(
        t.screen.selected_row().map(|r| r.email.as_str()),
        Some("user01@example.com")
    );
    // Enter asks the app to open the user.
    t.key(KeyCode::Enter);
    assert_eq!(t.effects.len(), 1, "{:?}", t.effects);
}

/// A real GoTrue with an empty audit log answers `X-Total-Count: 0` and no last page: the
/// title says "page 1", not "page 1 of 0".
#[test]
fn an_empty_audit_log_is_page_one_and_says_so() {
    use gotrue_console::console::screens::audit::AuditScreen;
    use gotrue_console::gotrue::AuditPage;
    let mut t = TestScreen::new(AuditScreen::default(), now());
    t.with(|s, ctx| s.load(1, ctx));
    let (id, call) = t.last_call().expect("a request");
    assert!(matches!(call, ApiCall::Audit { page: 1, .. }));
    t.answer(
        id,
        Ok(ApiReply::Audit(Box::new(AuditPage {
            entries: Vec::new(),
            total: Some(0),
            next_page: None,
            last_page: Some(0),
        }))),
    );
    let screen = t.render(80, 24);
    assert!(screen.contains("0 entries · page 1 "), "{screen}");
    assert!(screen.contains("No entries."), "{screen}");
    assert!(!screen.contains("of 0"), "{screen}");
}
