//! The console under the demo server's fault injection, driven by keys like a user: the users
//! list, the detail screen, the edit and create forms and a bulk invite, with hangs, 500s,
//! 503s, 429s, cut-off and non-JSON bodies and dropped connections.
//!
//! What each test holds the console to (issue #7): keys stay handled while requests hang;
//! every failure ends in a panel naming it (GoTrue's code and message, or the transport
//! error); idempotent reads are retried with backoff; a write is never repeated behind the
//! user's back; a form keeps what was typed; a bulk run accounts for every row and invites
//! nobody twice. Faults come from `*_next` counters or a fixed seed, so runs repeat.

mod common;

use common::harness::{Harness, api, open_ada, select};
use gotrue_console::console::app::{App, Msg, Tab};
use gotrue_console::console::input::Input;
use gotrue_console::console::keys::Context;
use gotrue_console::console::screens::users::Load;
use gotrue_console::demo::{DemoConfig, FaultConfig, OutboxKind};
use gotrue_console::gotrue::{AdminUserAttributes, ListUsers, User};
use gotrue_console::ops::bulk::{InviteOptions, RowStatus, RunEnd};
use ratatui::crossterm::event::KeyCode;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// Requests the console made (its activity log) with this method and path. Call after
/// `settle`: a request's log line may arrive after its answer.
fn requests(app: &App, method: &str, path: &str) -> usize {
    app.activity()
        .entries()
        .filter(|l| l.method == method && l.path == path)
        .count()
}

/// Faults on requests whose path starts with `prefix` only.
fn on(prefix: &str, faults: FaultConfig) -> FaultConfig {
    FaultConfig {
        path_prefix: Some(prefix.to_owned()),
        ..faults
    }
}

/// A user made through the API, and the list reloaded so the console shows it.
async fn fresh_user(h: &mut Harness, email: &str) -> User {
    let user = api(h)
        .create_user(&AdminUserAttributes {
            email: Some(email.to_owned()),
            email_confirm: Some(true),
            ..Default::default()
        })
        .await
        .expect("the API creates the user");
    h.char('x');
    h.char('R');
    h.until("the reload", |app| {
        matches!(app.users().load_state(), Load::Done)
    })
    .await;
    user
}

async fn server_user(h: &Harness, user: &User) -> User {
    api(h)
        .get_user_by_id(user.id)
        .await
        .expect("the user on the server")
}

async fn users_with_email(h: &Harness, email: &str) -> usize {
    api(h)
        .list_users(&ListUsers {
            filter: Some(email.to_owned()),
            ..Default::default()
        })
        .await
        .expect("the users list")
        .users
        .iter()
        .filter(|u| u.email == email)
        .count()
}

/// A seed whose first random fault at `fail_rate: 1.0` is a 500 (the rate picks 500 or 503
/// half each): found by asking the server itself, so it does not depend on its RNG.
async fn seed_for_a_500(h: &Harness) -> u64 {
    let http = reqwest::Client::new();
    for seed in 0..64 {
        h.demo.set_faults(on(
            "/settings",
            FaultConfig {
                fail_rate: 1.0,
                seed,
                ..FaultConfig::default()
            },
        ));
        let status = http
            .get(format!("{}/settings", h.demo.url()))
            .send()
            .await
            .expect("an answer")
            .status();
        if status == 500 {
            h.demo.set_faults(FaultConfig::default());
            return seed;
        }
    }
    panic!("no seed in 0..64 starts with a 500");
}

/// Every request hangs; every key still does what it does, at once: help, the palette, tabs,
/// typing into the filter and into a form, opening and leaving a user, quitting.
#[tokio::test]
async fn keys_are_handled_while_every_request_hangs() {
    let mut h = Harness::new(120, 40).await;
    let loaded = h.app().users().total_loaded();
    h.demo.set_faults(FaultConfig {
        hang_rate: 1.0,
        ..FaultConfig::default()
    });

    // The reload hangs; the rows already loaded stay usable.
    h.char('R');
    assert!(matches!(h.app().users().load_state(), Load::Loading { .. }));
    h.char('?');
    assert!(h.app().overlay_open(), "help opens");
    assert!(h.screen().contains("filter the list"), "{}", h.screen());
    h.key(KeyCode::Esc);
    h.char(':');
    assert!(h.app().overlay_open(), "the palette opens");
    h.key(KeyCode::Esc);
    assert!(!h.app().overlay_open());
    h.char('/');
    h.text("ada@");
    assert_eq!(h.app().users().visible_count(), 1);
    assert!(h.screen().contains("ada@example.com"));
    h.key(KeyCode::Enter);

    // Opening the user: her full record hangs, the summary shows, keys work.
    h.key(KeyCode::Enter);
    assert!(h.app().detail().is_some_and(|d| d.is_loading()));
    let s = h.screen();
    assert!(
        s.contains("Loading…") && s.contains("ada@example.com"),
        "{s}"
    );
    h.char('J');
    assert!(h.app().detail().is_some_and(|d| d.is_raw()));
    h.key(KeyCode::Esc);
    assert_eq!(h.app().context(), Context::Users);

    // Tabs, typing into the sign-in form, pasting a list, while all of that hangs.
    h.key(KeyCode::Tab);
    assert_eq!(h.app().tab(), Tab::Session);
    h.char('e');
    h.text("grace@example.com");
    assert!(h.screen().contains("grace@example.com"));
    h.key(KeyCode::Esc);
    h.char('4');
    assert_eq!(h.app().tab(), Tab::Activity);
    h.char('7');
    h.driver
        .handle(Msg::Input(Input::Paste("a@example.com\n".into())));
    assert_eq!(h.app().invites().batch().map(|b| b.rows.len()), Some(1));
    h.char('1');
    assert_eq!(h.app().tab(), Tab::Users);
    assert_eq!(
        h.app().users().total_loaded(),
        loaded,
        "the old rows are kept"
    );
    assert!(
        h.driver.in_flight() >= 2,
        "the list and the user are still waiting: {}",
        h.driver.in_flight()
    );
    h.char('q');
    assert!(h.driver.has_quit());
}

/// Answers that take seconds: keys are handled meanwhile, the answers land when they come,
/// and a reload pressed while one is slow replaces it (the older answer is dropped).
#[tokio::test]
async fn slow_answers_land_while_keys_keep_working() {
    let mut h = Harness::new(120, 40).await;
    h.demo.set_faults(FaultConfig {
        latency_ms: 1500,
        ..FaultConfig::default()
    });
    let started = Instant::now();
    open_ada_slowly(&mut h);
    // Keys while her record is on its way.
    h.char('?');
    assert!(h.app().overlay_open());
    h.key(KeyCode::Esc);
    h.char('J');
    h.char('J');
    h.char('R'); // a second load: the first one's answer no longer counts
    assert!(h.app().detail().is_some_and(|d| d.is_loading()));
    h.until("ada's record", |app| {
        app.detail().and_then(|d| d.user()).is_some()
    })
    .await;
    assert!(started.elapsed() >= Duration::from_millis(1500));
    assert!(!h.app().detail().is_some_and(|d| d.is_loading()));
    assert!(h.screen().contains("Ada Lovelace"));
    h.settle().await;
    let path = format!("/admin/users/{}", h.app().detail().map(|d| d.id).unwrap());
    assert_eq!(requests(h.app(), "GET", &path), 2, "both loads went out");
}

/// `/ada@`, Enter, Enter: her detail screen opens and its load starts (not waited for).
fn open_ada_slowly(h: &mut Harness) {
    h.char('/');
    h.text("ada@");
    h.key(KeyCode::Enter);
    h.key(KeyCode::Enter);
    assert!(h.app().detail().is_some_and(|d| d.is_loading()));
}

/// The detail screen's read under each fault: retried with backoff while the failure may
/// pass, and then a panel naming the problem; `r` retries, and a read that fails only twice
/// loads on its own.
#[tokio::test]
async fn a_failing_read_is_retried_then_shown_in_a_panel() {
    let mut h = Harness::new(120, 40).await;
    open_ada(&mut h).await;
    h.settle().await;
    let id = h.app().detail().map(|d| d.id).unwrap();
    let path = format!("/admin/users/{id}");
    // (fault, attempts the client makes, what the panel says)
    let cases: [(FaultConfig, usize, &[&str]); 4] = [
        (
            FaultConfig {
                fail_next: 4,
                ..FaultConfig::default()
            },
            4,
            &[
                "server error",
                "HTTP 503",
                "Service Unavailable (demo fault)",
            ],
        ),
        (
            FaultConfig {
                drop_next: 4,
                ..FaultConfig::default()
            },
            4,
            &["network error", "request failed", "GoTrue runs"],
        ),
        (
            FaultConfig {
                truncate_next: 4,
                ..FaultConfig::default()
            },
            4,
            // Cut off after the head (a 200 whose body broke off), or before it.
            &[],
        ),
        (
            // A whole answer that is not GoTrue's (a proxy's page) would only come again.
            FaultConfig {
                non_json_next: 1,
                ..FaultConfig::default()
            },
            1,
            &[
                "unreadable answer",
                "HTTP 200",
                "unexpected answer from the server",
                "Checking your browser",
            ],
        ),
    ];
    for (fault, attempts, says) in cases {
        let before = requests(h.app(), "GET", &path);
        h.demo.set_faults(on(&path, fault.clone()));
        let started = Instant::now();
        h.char('R');
        h.until("the load's end", |app| {
            app.detail().is_some_and(|d| !d.is_loading())
        })
        .await;
        h.settle().await;
        let elapsed = started.elapsed();
        assert!(
            h.app().detail().and_then(|d| d.error()).is_some(),
            "{fault:?}"
        );
        let s = h.screen();
        assert!(s.contains("Loading the user failed"), "{fault:?}\n{s}");
        for text in says {
            assert!(s.contains(text), "{fault:?}: `{text}` missing\n{s}");
        }
        if fault.truncate_next > 0 {
            assert!(
                s.contains("HTTP 200  answer_cut_off") && s.contains("the answer was cut off")
                    || s.contains("network error") && s.contains("connection closed"),
                "{s}"
            );
        }
        assert!(s.contains("r retry"), "{s}");
        assert_eq!(
            requests(h.app(), "GET", &path) - before,
            attempts,
            "{fault:?}"
        );
        if attempts == 4 {
            // Waits of 250, 500 and 1000 ms between the attempts.
            assert!(elapsed >= Duration::from_millis(1750), "{elapsed:?}");
        }
    }

    // `r` retries by hand; a read that fails twice loads on the third attempt unaided.
    h.demo.set_faults(on(
        &path,
        FaultConfig {
            fail_next: 2,
            ..FaultConfig::default()
        },
    ));
    let before = requests(h.app(), "GET", &path);
    h.char('r');
    h.until("the user", |app| {
        app.detail()
            .is_some_and(|d| !d.is_loading() && d.error().is_none() && d.user().is_some())
    })
    .await;
    h.settle().await;
    assert_eq!(requests(h.app(), "GET", &path) - before, 3);
    let s = h.screen();
    assert!(!s.contains("r retry   Esc back"), "the panel is gone: {s}");
    assert!(s.contains("Ada Lovelace"), "{s}");
}

/// The users list: every page read is retried; a reload that still fails keeps the rows it
/// had under a panel that says why, and `r` loads them again.
#[tokio::test]
async fn a_failed_reload_keeps_the_rows_under_a_panel() {
    let mut h = Harness::new(120, 40).await;
    h.settle().await;
    let loaded = h.app().users().total_loaded();
    let before = requests(h.app(), "GET", "/admin/users");
    h.demo.set_faults(on(
        "/admin/users",
        FaultConfig {
            fail_next: 4,
            ..FaultConfig::default()
        },
    ));
    h.char('R');
    h.until("the failure", |app| {
        matches!(app.users().load_state(), Load::Failed(_))
    })
    .await;
    h.settle().await;
    assert_eq!(requests(h.app(), "GET", "/admin/users") - before, 4);
    let s = h.screen();
    assert!(
        s.contains("Loading users failed: 503: Service Unavailable (demo fault)"),
        "{s}"
    );
    assert!(
        s.contains(&format!("Showing the {loaded} users loaded before it")),
        "{s}"
    );
    assert!(s.contains(&format!("of {loaded}]")), "the rows stay: {s}");
    h.char('r');
    h.until("the reload", |app| {
        matches!(app.users().load_state(), Load::Done)
    })
    .await;
    assert_eq!(h.app().users().total_loaded(), loaded);
    assert!(!h.screen().contains("Showing the"), "the panel is gone");
}

/// Saving an edit when the PUT gets a 503, loses its connection or has its answer cut off:
/// sent once, never again unasked; the form comes back as typed with the error in its
/// panel; the user's own Enter sends it again, once.
#[tokio::test]
async fn a_failed_save_is_not_repeated_and_the_form_keeps_its_input() {
    let mut h = Harness::new(120, 40).await;
    let cases = [
        (
            "503",
            FaultConfig {
                fail_next: 1,
                ..FaultConfig::default()
            },
            &["HTTP 503", "Service Unavailable (demo fault)"][..],
        ),
        (
            "drop",
            FaultConfig {
                drop_next: 1,
                ..FaultConfig::default()
            },
            &["network error", "request failed"][..],
        ),
        (
            "cut",
            FaultConfig {
                truncate_next: 1,
                ..FaultConfig::default()
            },
            // Checked below: the answer breaks off after its head or before.
            &[][..],
        ),
    ];
    for (name, fault, says) in cases {
        let email = format!("edit-{name}@faults.example.com");
        let user = fresh_user(&mut h, &email).await;
        let path = format!("/admin/users/{}", user.id);
        select(&mut h, &email).await;
        h.char('e');
        h.until("the edit form", |app| {
            app.action().is_some_and(|a| a.is_typing())
        })
        .await;
        for _ in 0..4 {
            h.key(KeyCode::Tab); // to user_metadata
        }
        for _ in 0..80 {
            h.key(KeyCode::Backspace);
        }
        let typed = format!(r#"{{"team":"{name}"}}"#);
        h.text(&typed);
        h.key(KeyCode::Enter);
        h.until("the preview", |app| {
            app.action().is_some_and(|a| a.is_finished())
        })
        .await;
        assert!(h.screen().contains("Save these changes?"), "{}", h.screen());

        // Only the save meets the fault.
        h.demo.set_faults(on(&path, fault.clone()));
        h.char('y');
        h.until("the failed save", |app| {
            app.flash()
                .is_some_and(|f| f.text.starts_with("Saving failed"))
        })
        .await;
        h.settle().await;
        assert_eq!(requests(h.app(), "PUT", &path), 1, "{name}: sent once");
        let s = h.screen();
        assert!(s.contains(&typed), "{name}: the form keeps the input\n{s}");
        assert!(s.contains(&format!("Edit {email} failed: ")), "{s}");
        assert!(
            s.contains("No whole answer came back: the change may have been"),
            "{name}: the form says the save may have gone through\n{s}"
        );
        for text in says {
            assert!(s.contains(text), "{name}: `{text}` missing\n{s}");
        }
        if name == "cut" {
            assert!(
                s.contains("answer_cut_off") && s.contains("a change may have been made")
                    || s.contains("network error"),
                "{s}"
            );
        }
        let on_server = server_user(&h, &user).await;
        if name == "cut" {
            // The server made the change; only its answer was lost.
            assert_eq!(on_server.user_metadata.get("team"), Some(&name.into()));
        } else {
            // Had the client sent it again, the second try would have gone through.
            assert_eq!(on_server.user_metadata.get("team"), None, "{name}");
        }

        // The user sends it again: once.
        h.demo.set_faults(FaultConfig::default());
        h.key(KeyCode::Enter);
        h.until("the preview", |app| {
            app.action().is_some_and(|a| a.is_finished())
        })
        .await;
        h.char('y');
        h.until("saved", |app| {
            app.flash().is_some_and(|f| f.text.starts_with("Saved"))
        })
        .await;
        h.settle().await;
        assert_eq!(requests(h.app(), "PUT", &path), 2, "{name}");
        let on_server = server_user(&h, &user).await;
        assert_eq!(on_server.user_metadata.get("team"), Some(&name.into()));
        h.key(KeyCode::Enter); // close the dialog
        assert!(h.app().action().is_none());
    }
}

/// Creating a user: a 500 and a request that never answers (cut by the client's timeout)
/// each end in the form's panel with what was typed, the POST made once; Enter creates the
/// user, once.
#[tokio::test]
async fn a_failed_create_shows_the_error_keeps_the_form_and_is_sent_once() {
    let mut h = Harness::with_client(120, 40, DemoConfig::default(), |mut c| {
        c.request_timeout = Duration::from_secs(1);
        c
    })
    .await;
    let seed = seed_for_a_500(&h).await;
    let cases = [
        (
            "fivehundred",
            FaultConfig {
                fail_rate: 1.0,
                seed,
                ..FaultConfig::default()
            },
            &[
                "HTTP 500",
                "unexpected_failure",
                "Unexpected failure, please check server logs",
            ][..],
        ),
        (
            "hang",
            FaultConfig {
                hang_next: 1,
                ..FaultConfig::default()
            },
            &["network error", "timed out"][..],
        ),
    ];
    for (name, fault, says) in cases {
        let email = format!("create-{name}@faults.example.com");
        h.settle().await;
        let posts = requests(h.app(), "POST", "/admin/users");
        h.char('n');
        h.text(&email);
        h.demo.set_faults(on("/admin/users", fault.clone()));
        h.key(KeyCode::Enter);
        h.until("the refusal", |app| {
            app.flash()
                .is_some_and(|f| f.text.starts_with("Create a user:"))
        })
        .await;
        h.settle().await;
        h.demo.set_faults(FaultConfig::default());
        let s = h.screen();
        assert!(
            s.contains(&email),
            "{name}: the form keeps the address\n{s}"
        );
        assert!(
            s.contains("No whole answer came back: the user may have been"),
            "{name}\n{s}"
        );
        for text in says {
            assert!(s.contains(text), "{name}: `{text}` missing\n{s}");
        }
        assert_eq!(
            requests(h.app(), "POST", "/admin/users") - posts,
            1,
            "{name}"
        );
        assert_eq!(
            users_with_email(&h, &email).await,
            0,
            "{name}: not created, and not sent again"
        );

        h.key(KeyCode::Enter);
        h.until("the user", |app| {
            app.action().is_some_and(|a| a.is_finished())
                && app.flash().is_some_and(|f| f.text.starts_with("Created"))
        })
        .await;
        h.settle().await;
        assert_eq!(
            requests(h.app(), "POST", "/admin/users") - posts,
            2,
            "{name}"
        );
        assert_eq!(users_with_email(&h, &email).await, 1, "{name}");
        h.key(KeyCode::Enter);
    }
}

/// An invitation refused with 429: GoTrue's code in the form's panel, the address kept,
/// nothing mailed; Enter sends it, once.
#[tokio::test]
async fn a_rate_limited_invite_keeps_the_form_and_mails_once() {
    let mut h = Harness::new(120, 40).await;
    let email = "limited@faults.example.com";
    h.char('i');
    h.text(email);
    h.demo.set_faults(on(
        "/invite",
        FaultConfig {
            rate_limit_next: 1,
            ..FaultConfig::default()
        },
    ));
    h.key(KeyCode::Enter);
    h.until("the refusal", |app| {
        app.flash()
            .is_some_and(|f| f.text.contains("over_email_send_rate_limit"))
    })
    .await;
    h.settle().await;
    let s = h.screen();
    for text in [
        email,
        "HTTP 429",
        "over_email_send_rate_limit",
        "email rate limit exceeded",
        "wait before trying again",
    ] {
        assert!(s.contains(text), "`{text}` missing\n{s}");
    }
    assert!(
        !s.contains("No whole answer came back"),
        "a 429 is a refusal: nothing was done\n{s}"
    );
    assert_eq!(requests(h.app(), "POST", "/invite"), 1);
    let mailed = |h: &Harness| {
        h.demo
            .outbox()
            .iter()
            .filter(|m| m.to == email && m.kind == OutboxKind::Invite)
            .count()
    };
    assert_eq!(mailed(&h), 0);
    h.key(KeyCode::Enter);
    h.until("the invitation", |app| {
        app.flash().is_some_and(|f| f.text.starts_with("Invited"))
    })
    .await;
    h.settle().await;
    assert_eq!(mailed(&h), 1);
    assert_eq!(requests(h.app(), "POST", "/invite"), 2);
}

/// A bulk invite of 300 rows through the Invites tab while `/invite` answers 429, 500 and
/// 503 and drops connections at random (fixed seed): the run ends, every row is accounted
/// for, the failed rows go again with `F` `S`, and in the end each address got one mail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bulk_invite_under_faults_accounts_for_every_row() {
    let mut h = Harness::new(120, 40).await;
    h.driver.set_invite_options(InviteOptions {
        concurrency: 8,
        min_interval: Duration::from_millis(1),
        backoff_base: Duration::from_millis(2),
        backoff_max: Duration::from_millis(20),
        ..InviteOptions::default()
    });
    let mut list = String::new();
    let new: Vec<String> = (0..290)
        .map(|i| format!("bulk{i}@faults.example.com"))
        .collect();
    for email in &new {
        let _ = writeln!(list, "{email}");
    }
    // Already a user, unusable, and a repeat.
    for extra in [
        "ada@example.com",
        "not-an-address",
        "two@@faults.example.com",
        "BULK7@faults.example.com",
    ] {
        let _ = writeln!(list, "{extra}");
    }
    h.char('7');
    h.driver.handle(Msg::Input(Input::Paste(list)));
    let c = h.app().invites().batch().unwrap().counts();
    assert_eq!(
        (c.total(), c.pending, c.invalid, c.duplicate),
        (294, 291, 2, 1)
    );

    h.demo.set_faults(on(
        "/invite",
        // No 429: that is the mail quota, which pauses a run (tests/bulk_invite.rs).
        FaultConfig {
            fail_rate: 0.1,
            drop_rate: 0.05,
            seed: 7,
            ..FaultConfig::default()
        },
    ));
    let mut rounds = 0;
    loop {
        rounds += 1;
        h.char('S');
        // Keys keep working while it runs.
        h.char('4');
        h.char('7');
        h.until_within(Duration::from_secs(120), "the run's end", |app| {
            !app.invites().is_running() && app.invites().last_end().is_some()
        })
        .await;
        assert_eq!(h.app().invites().last_end(), Some(&RunEnd::Completed));
        let c = h.app().invites().batch().unwrap().counts();
        // Every row has a result.
        assert_eq!(c.pending + c.sending, 0, "round {rounds}\n{}", h.screen());
        assert_eq!(
            c.sent + c.exists + c.failed + c.invalid + c.duplicate,
            c.total(),
            "round {rounds}: {c:?}"
        );
        if c.failed == 0 {
            break;
        }
        // Failed rows show GoTrue's code or the transport error.
        let s = h.screen();
        assert!(s.contains("failed"), "{s}");
        assert!(
            rounds < 10,
            "rows still failing after {rounds} rounds: {c:?}"
        );
        h.char('F');
    }
    let batch = h.app().invites().batch().unwrap().clone();
    let c = batch.counts();
    assert_eq!((c.sent, c.exists, c.failed), (290, 1, 0), "{c:?}");

    // The demo server's outbox: one invitation per address that was sent, none to others.
    let mut mails: HashMap<String, Vec<uuid::Uuid>> = HashMap::new();
    for m in h.demo.outbox() {
        if m.kind == OutboxKind::Invite {
            mails.entry(m.to).or_default().push(m.user_id);
        }
    }
    for row in &batch.rows {
        let got = mails.get(&row.email).cloned().unwrap_or_default();
        match &row.status {
            RowStatus::Sent { user_id, .. } => {
                assert_eq!(got, [*user_id], "line {} {}", row.line, row.email);
            }
            RowStatus::Duplicate { .. } => assert_eq!(got.len(), 1, "{}", row.email),
            other => assert!(got.is_empty(), "line {} {other:?}: {got:?}", row.line),
        }
    }
    assert_eq!(mails.values().map(Vec::len).sum::<usize>(), 290);
}
