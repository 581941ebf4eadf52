//! The users list's conditions, marks and bulk actions, driven through the app against the
//! demo server and checked through the API.

mod common;

use common::harness::{Harness, api, now, select, snapshot};
use gotrue_console::console::app::Msg;
use ratatui::crossterm::event::KeyCode;

/// Moves the app's clock on until the bulk run has settled: the run is paced by that clock.
async fn run_to_the_end(h: &mut Harness) {
    let mut t = now();
    for _ in 0..200 {
        t += chrono::Duration::seconds(1);
        h.driver.handle(Msg::Clock(t));
        h.settle().await;
        let settled = h.app().users().bulk_run().is_some_and(|r| r.is_settled());
        if settled {
            return;
        }
    }
    panic!("the bulk run did not end:\n{}", h.screen());
}

/// How many users `/text` shows.
fn shown_by(h: &mut Harness, filter: &str) -> usize {
    h.char('x');
    h.char('/');
    h.text(filter);
    h.key(KeyCode::Enter);
    h.app().users().visible_count()
}

#[tokio::test]
async fn conditions_in_the_filter_combine_with_its_text() {
    let mut h = Harness::new(120, 40).await;
    let all = h.app().users().visible_count();
    assert!(all > 10, "the demo has users: {all}");
    let banned = shown_by(&mut h, "is:banned");
    assert!((1..all).contains(&banned), "{}", h.screen());
    assert!(h.screen().contains("banned@example.com"), "{}", h.screen());
    let now = now();
    let really = h
        .app()
        .users()
        .view_rows()
        .filter(|r| r.banned_until.is_some_and(|t| t > now))
        .count();
    assert_eq!(really, banned, "every row shown is banned");
    assert_eq!(shown_by(&mut h, "-is:banned"), all - banned);
    // Text and a condition: both must hold.
    assert_eq!(shown_by(&mut h, "banned is:banned"), 1);
    assert_eq!(shown_by(&mut h, "ada is:banned"), 0);
    let unconfirmed = shown_by(&mut h, "is:unconfirmed");
    assert!(unconfirmed >= 1);
    assert!(
        h.screen().contains("unconfirmed@example.com"),
        "{}",
        h.screen()
    );
    assert!(
        !h.screen().contains("invited@example.com"),
        "invited is its own state"
    );
    assert!(shown_by(&mut h, "is:invited") >= 1);
    assert!(h.screen().contains("invited@example.com"), "{}", h.screen());
    // Everyone was created before tomorrow; nobody after it.
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(1)).date_naive();
    assert_eq!(shown_by(&mut h, &format!("created:..{tomorrow}")), all);
    assert_eq!(shown_by(&mut h, &format!("created:{tomorrow}..")), 0);
    // A value not understood is said, and left out.
    assert_eq!(shown_by(&mut h, "is:bann"), all);
    assert!(h.screen().contains("is: takes anonymous"), "{}", h.screen());
}

/// Three users marked with Space, `b`, 24 hours, Enter: each is banned (GoTrue says so),
/// the run shows a result for every row, and `/is:banned` finds them. Then `A` marks what
/// that filter shows and `D` deletes them for good, once the count is typed.
#[tokio::test]
async fn marked_users_are_banned_then_deleted_in_bulk() {
    let mut h = Harness::new(120, 40).await;
    let api = api(&h);
    let banned_before = shown_by(&mut h, "is:banned");
    let picked = [
        "ada@example.com",
        "grace@example.com",
        "unconfirmed@example.com",
    ];
    for email in picked {
        select(&mut h, email).await;
        h.char(' ');
    }
    h.char('x');
    assert_eq!(h.app().users().marked_count(), 3);
    assert!(h.screen().contains("· 3 marked"), "{}", h.screen());
    // Space again unmarks; once more marks.
    select(&mut h, "grace@example.com").await;
    h.char(' ');
    assert_eq!(h.app().users().marked_count(), 2);
    select(&mut h, "grace@example.com").await;
    h.char(' ');
    h.char('x');

    h.char('b');
    h.settle().await;
    assert!(h.screen().contains("Ban 3 marked users"), "{}", h.screen());
    h.char('2');
    let s = h.screen();
    assert!(
        s.contains("3 of the 3 marked users will be banned for 24h"),
        "{s}"
    );
    h.key(KeyCode::Enter);
    run_to_the_end(&mut h).await;
    let run = h.app().users().bulk_run().expect("a run").clone();
    assert_eq!(run.counts().done, 3, "{:?}", run.rows);
    let s = h.screen();
    assert!(s.contains("Bulk ban: 3 users"), "{s}");
    assert!(s.contains("3 done"), "{s}");
    for row in &run.rows {
        let user = api.get_user_by_id(row.user.id).await.expect("the user");
        assert!(
            user.banned_until.is_some_and(|t| t > chrono::Utc::now()),
            "{} is banned: {:?}",
            row.user.email,
            user.banned_until
        );
    }
    assert_eq!(
        h.app().users().marked_count(),
        0,
        "the marks went to the run"
    );

    // Back to the list: the banned users are found by their state.
    h.key(KeyCode::Esc);
    let banned = banned_before + 3;
    assert_eq!(shown_by(&mut h, "is:banned"), banned, "{}", h.screen());
    h.char('X'); // not the list's key: nothing happens
    h.char('B');
    h.char('X'); // the run is over: it closes
    assert!(h.app().users().bulk_run().is_none());

    // Everyone the filter shows (the three, and the demo's banned users).
    h.char('A');
    assert_eq!(h.app().users().marked_count(), banned);
    h.char('D');
    h.char('h');
    let s = h.screen();
    let what = format!("{banned} of the {banned} marked users will be deleted for good");
    assert!(s.contains(&what), "{s}");
    h.text("3");
    h.key(KeyCode::Enter);
    assert!(
        h.screen().contains("does not match"),
        "a wrong count sends nothing"
    );
    h.key(KeyCode::Backspace);
    h.text(&banned.to_string());
    h.key(KeyCode::Enter);
    run_to_the_end(&mut h).await;
    assert_eq!(
        h.app().users().bulk_run().map(|r| r.counts().done),
        Some(banned)
    );
    for email in picked.iter().chain(&["banned@example.com"]) {
        let found = api
            .list_users(&gotrue_console::gotrue::ListUsers {
                filter: Some((*email).to_owned()),
                ..Default::default()
            })
            .await
            .expect("a list");
        assert!(
            found.users.iter().all(|u| u.email != *email),
            "{email} is gone"
        );
    }
    h.key(KeyCode::Esc);
    assert_eq!(shown_by(&mut h, "is:banned"), 0, "{}", h.screen());
}

/// A bulk confirm skips who is confirmed already and says so; sign-out everywhere skips the
/// unconfirmed (one by one they are asked twice) and signs the rest out.
#[tokio::test]
async fn a_bulk_run_skips_whom_it_cannot_do_and_says_why() {
    let mut h = Harness::new(120, 40).await;
    for email in ["ada@example.com", "unconfirmed@example.com"] {
        select(&mut h, email).await;
        h.char(' ');
    }
    h.char('x');
    h.char('c');
    let s = h.screen();
    assert!(
        s.contains("1 of the 2 marked users will be confirmed"),
        "{s}"
    );
    assert!(s.contains("Skipped, 1: confirmed already"), "{s}");
    h.key(KeyCode::Enter);
    run_to_the_end(&mut h).await;
    let run = h.app().users().bulk_run().expect("a run").clone();
    assert_eq!((run.counts().done, run.counts().skipped), (1, 1));
    let api = api(&h);
    let who = run
        .rows
        .iter()
        .find(|r| r.user.email == "unconfirmed@example.com")
        .expect("the row");
    let user = api.get_user_by_id(who.user.id).await.expect("the user");
    assert!(
        user.email_confirmed_at.is_some(),
        "confirmed through the API"
    );
    h.key(KeyCode::Esc);
    h.char('X');
    assert!(
        h.app().users().bulk_run().is_some(),
        "X is the run view's key"
    );
    h.char('B');
    h.char('X');
    assert!(h.app().users().bulk_run().is_none());
}

#[tokio::test]
async fn the_bulk_run_at_80x24_and_120x40() {
    for (w, hgt) in [(80u16, 24u16), (120, 40)] {
        let mut h = Harness::new(w, hgt).await;
        for email in ["ada@example.com", "banned@example.com"] {
            select(&mut h, email).await;
            h.char(' ');
        }
        h.char('x');
        h.char('u');
        let dialog = h.screen();
        assert!(
            dialog.contains("1 of the 2 marked users will be unbanned"),
            "{dialog}"
        );
        snapshot(&format!("bulk_unban_dialog_{w}x{hgt}"), &dialog);
        h.key(KeyCode::Enter);
        run_to_the_end(&mut h).await;
        snapshot(&format!("bulk_unban_run_{w}x{hgt}"), &h.screen());
    }
}

/// `has:passkey` reads each user's passkeys (the list does not carry them) and then shows
/// exactly those GoTrue lists passkeys for.
#[tokio::test]
async fn has_passkey_reads_passkeys_and_shows_who_has_one() {
    let mut h = Harness::new(120, 40).await;
    let api = api(&h);
    let mut with = Vec::new();
    let users: Vec<_> = h.app().users().view_rows().map(|r| r.id).collect();
    for id in &users {
        if !api.list_passkeys(*id).await.expect("passkeys").is_empty() {
            with.push(*id);
        }
    }
    assert!(!with.is_empty(), "the demo seeds some passkeys");
    h.char('/');
    h.text("has:passkey");
    h.key(KeyCode::Enter);
    let expected = with.len();
    h.until("every user's passkeys read", |app| {
        app.users().view_rows().count() == expected
            && app.users().view_rows().all(|r| r.passkeys.is_some())
    })
    .await;
    h.settle().await;
    let mut shown: Vec<_> = h.app().users().view_rows().map(|r| r.id).collect();
    shown.sort();
    with.sort();
    assert_eq!(shown, with);
    assert!(
        h.screen().contains("has:passkey: read for"),
        "{}",
        h.screen()
    );

    // Negated: everyone else.
    assert_eq!(shown_by(&mut h, "-has:passkey"), users.len() - expected);
}

/// How many times GoTrue's audit log says `id` was changed by an admin.
async fn changes_of(api: &gotrue_console::gotrue::GoTrueClient, id: uuid::Uuid) -> usize {
    let page = api
        .audit_log(1, 10_000, Some("action:user_modified"))
        .await
        .expect("the audit log");
    let id = id.to_string();
    page.entries
        .iter()
        .filter(|e| e.payload.action == "user_modified")
        .filter(|e| {
            e.payload
                .traits
                .as_ref()
                .and_then(|t| t.get("user_id"))
                .and_then(|v| v.as_str())
                == Some(id.as_str())
        })
        .count()
}

/// A ban of six marked users stopped half way (the console gone with a request out, its
/// answer never read): the next console, with the same state folder, offers the run; `B`
/// shows it with the row that was out in doubt, `p` resumes it, the row in doubt is read
/// back instead of sent again, and every user was banned by exactly one call. A finished
/// run leaves no state file.
#[tokio::test]
async fn a_bulk_run_stopped_half_way_resumes_after_a_restart_and_sends_nobody_twice() {
    let dir = common::temp::TempDir::new("bulk_actions", "resume");
    let state = dir.path("state");
    let file = state.join("bulk-demo.json");
    let mut h = Harness::build()
        .config(|c| c.state_dir = Some(state.clone()))
        .start()
        .await;
    let api = api(&h);
    shown_by(&mut h, "-is:banned");
    h.key(KeyCode::Home);
    for _ in 0..6 {
        h.char(' ');
    }
    let marked = h.app().users().marked_ids();
    assert_eq!(marked.len(), 6, "{}", h.screen());
    h.char('b');
    h.char('2');
    h.key(KeyCode::Enter);
    assert!(
        h.app().users().bulk_run().is_some(),
        "the run started: {}",
        h.screen()
    );
    assert_eq!(
        h.app().users().bulk_requests_out(),
        0,
        "nothing is sent before the state recording it is saved"
    );
    // A few rows done, then one more start: its request goes out, its answer is never read.
    let mut t = now();
    while h.app().users().bulk_run().map_or(0, |r| r.counts().done) < 2 {
        t += chrono::Duration::seconds(1);
        h.driver.handle(Msg::Clock(t));
        h.settle().await;
    }
    assert!(file.exists(), "the run is kept in {}", file.display());
    t += chrono::Duration::seconds(1);
    h.driver.handle(Msg::Clock(t));
    h.until("a row's request out", |app| {
        app.users().bulk_requests_out() > 0
    })
    .await;
    let before = h.app().users().bulk_run().unwrap().counts();
    assert!(before.done < 6 && before.working > 0, "{before:?}");

    let mut h = h.restart(|_| {}).await;
    h.until("the unfinished run read back", |app| {
        app.users().bulk_run().is_some()
    })
    .await;
    let s = h.screen();
    assert!(s.contains("An unfinished bulk ban"), "{s}");
    let run = h.app().users().bulk_run().unwrap().clone();
    assert!(run.paused, "nothing is sent before a key");
    let c = run.counts();
    assert_eq!(c.done, before.done, "{:?}", run.rows);
    assert_eq!(c.in_doubt, before.working, "what was out is in doubt");
    h.char('B');
    assert!(h.screen().contains("in doubt"), "{}", h.screen());
    h.char('p');
    run_to_the_end(&mut h).await;
    let run = h.app().users().bulk_run().unwrap().clone();
    assert_eq!(run.counts().done, 6, "{:?}", run.rows);
    assert!(
        run.rows
            .iter()
            .any(|r| r.state.detail() == "done (read back)"),
        "the row in doubt was read back, not sent: {:?}",
        run.rows
    );
    let mut ids: Vec<_> = run.rows.iter().map(|r| r.user.id).collect();
    ids.sort();
    let mut want = marked.clone();
    want.sort();
    assert_eq!(ids, want, "the same six users");
    for id in &marked {
        let user = api.get_user_by_id(*id).await.expect("the user");
        assert!(
            user.banned_until.is_some_and(|t| t > chrono::Utc::now()),
            "{id} is banned"
        );
        assert_eq!(changes_of(&api, *id).await, 1, "{id}: one call, never two");
    }
    h.settle().await;
    assert!(!file.exists(), "a finished run leaves no state file");

    // The next console offers nothing.
    let mut h = h.restart(|_| {}).await;
    h.settle().await;
    assert!(h.app().users().bulk_run().is_none());
}

/// A paused run is kept too; the next console offers it, and `X` there closes it for good:
/// the file goes, and the console after that offers nothing.
#[tokio::test]
async fn a_paused_run_is_offered_after_a_restart_and_x_closes_it_for_good() {
    let dir = common::temp::TempDir::new("bulk_actions", "closed");
    let state = dir.path("state");
    let file = state.join("bulk-demo.json");
    let mut h = Harness::build()
        .config(|c| c.state_dir = Some(state.clone()))
        .start()
        .await;
    shown_by(&mut h, "-is:banned");
    h.key(KeyCode::Home);
    for _ in 0..3 {
        h.char(' ');
    }
    h.char('b');
    h.char('2');
    h.key(KeyCode::Enter);
    h.char('p');
    h.settle().await;
    let run = h.app().users().bulk_run().unwrap().clone();
    assert!(run.paused && run.counts().pending > 0, "{:?}", run.rows);
    assert!(file.exists());

    let mut h = h.restart(|_| {}).await;
    h.until("the paused run offered", |app| {
        app.users().bulk_run().is_some()
    })
    .await;
    assert_eq!(
        h.app().users().bulk_run().map(|r| r.counts()),
        Some(run.counts())
    );
    assert!(h.screen().contains("unfinished"), "{}", h.screen());
    h.char('B');
    h.char('X');
    assert!(h.app().users().bulk_run().is_none());
    h.settle().await;
    assert!(!file.exists(), "closed: the file goes");
    let mut h = h.restart(|_| {}).await;
    h.settle().await;
    assert!(h.app().users().bulk_run().is_none());
}
