//! The whole console in-process: the real App, worker and client, a `TestBackend` terminal,
//! and the embedded demo server on 127.0.0.1:0. Snapshots of every screen at 80x24 and
//! 120x40; flows driven by keys; waits are for conditions, never fixed sleeps.

mod common;

use common::harness::{Harness, api, now, open_ada, select, until_dialog_done};
use gotrue_console::console::app::{App, AppConfig, Msg, Tab};
use gotrue_console::console::input::Input;
use gotrue_console::console::keys::Context;
use gotrue_console::console::screens::users::Load;
use gotrue_console::demo::{DemoConfig, DemoServer};
use gotrue_console::gotrue::{BaseUrl, ClientConfig, GoTrueClient};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use std::sync::Arc;
use std::time::Duration;

/// This file's snapshots are `console__NAME.snap`.
fn snapshot(name: &str, screen: &str) {
    common::harness::snapshot(&format!("console__{name}"), screen);
}

#[tokio::test]
async fn users_screens_at_both_sizes() {
    for (w, hgt) in [(80, 24), (120, 40)] {
        let mut h = Harness::new(w, hgt).await;
        let total = h.app().users().total_loaded();
        assert!(
            total >= 200,
            "the demo seed has a few hundred users, got {total}"
        );
        let s = h.screen();
        assert!(s.contains(&format!("of {total}]")), "{s}");
        snapshot(&format!("users_{w}x{hgt}"), &s);

        h.char('/');
        h.text("ada");
        snapshot(&format!("users_filtered_{w}x{hgt}"), &h.screen());
        h.key(KeyCode::Enter);
        h.char('?');
        snapshot(&format!("help_users_{w}x{hgt}"), &h.screen());
        h.key(KeyCode::Esc);
        h.char(':');
        snapshot(&format!("palette_users_{w}x{hgt}"), &h.screen());
        h.key(KeyCode::Esc);
    }
}

#[tokio::test]
async fn detail_screens_at_both_sizes() {
    for (w, hgt) in [(80, 24), (120, 40)] {
        let mut h = Harness::new(w, hgt).await;
        open_ada(&mut h).await;
        let s = h.screen();
        assert!(s.contains("Ada Lovelace"), "{s}");
        snapshot(&format!("detail_{w}x{hgt}"), &s);
        h.char('J');
        let s = h.screen();
        assert!(s.contains("\"email\": \"ada@example.com\""), "{s}");
        snapshot(&format!("detail_raw_{w}x{hgt}"), &s);
    }
}

#[tokio::test]
async fn session_otp_outbox_and_activity_screens_at_both_sizes() {
    for (w, hgt) in [(80, 24), (120, 40)] {
        let mut h = Harness::new(w, hgt).await;
        h.char('2');
        snapshot(&format!("login_{w}x{hgt}"), &h.screen());
        h.char('o');
        snapshot(&format!("otp_{w}x{hgt}"), &h.screen());
        h.key(KeyCode::Esc);
        h.key(KeyCode::Esc);
        h.char('3');
        h.until("the outbox", |app| app.outbox().is_loaded()).await;
        snapshot(&format!("outbox_empty_{w}x{hgt}"), &h.screen());
        h.char('4');
        h.settle().await;
        let s = h.screen();
        // Requests finish in any order: the snapshot below uses fixed entries.
        assert!(s.contains("/admin/users"), "{s}");
        assert!(s.contains("/health"), "{s}");
        assert!(s.contains("200"), "{s}");
    }
}

#[test]
fn activity_screen_at_both_sizes() {
    use gotrue_console::gotrue::RequestLog;
    for (w, hgt) in [(80u16, 24u16), (120, 40)] {
        let mut app = App::new(
            AppConfig {
                prefs: Default::default(),
                server: "http://127.0.0.1:9998".into(),
                has_service_key: true,
                admin_key_kind: None,
                ..AppConfig::default()
            },
            now(),
            (w, hgt),
        );
        app.update(Msg::Clock(now()));
        let logs = [
            ("GET", "/health", Some(200), 3, None),
            ("GET", "/admin/users", Some(200), 41, None),
            ("POST", "/token", Some(400), 12, Some("invalid_credentials")),
            (
                "POST",
                "/magiclink",
                Some(429),
                5,
                Some("over_email_send_rate_limit"),
            ),
            ("GET", "/admin/users", None, 5000, Some("network error")),
        ];
        for (method, path, status, ms, code) in logs {
            app.update(Msg::Activity(RequestLog {
                method: method.into(),
                path: path.into(),
                status,
                latency: Duration::from_millis(ms),
                code: code.map(str::to_owned),
            }));
        }
        app.update(Msg::Input(Input::key(KeyCode::Char('4'))));
        let mut terminal = Terminal::new(TestBackend::new(w, hgt)).unwrap();
        terminal.draw(|f| app.draw(f)).unwrap();
        insta::assert_snapshot!(format!("activity_{w}x{hgt}"), terminal.backend());
    }
}

/// The tour a new user takes: find ada with `/`, open her, read `?`, quit.
#[tokio::test]
async fn find_ada_open_her_read_help_and_quit() {
    let mut h = Harness::new(120, 40).await;
    open_ada(&mut h).await;
    let ada = h.app().detail().and_then(|d| d.user()).cloned().unwrap();
    assert_eq!(ada.email, "ada@example.com");
    assert!(ada.verified_factors().count() >= 1, "ada has a TOTP factor");
    let s = h.screen();
    assert!(s.contains("Users › ada@example.com"), "breadcrumb: {s}");
    assert!(s.contains("totp"), "{s}");

    h.char('y');
    assert_eq!(h.copied.lock().unwrap().last(), Some(&ada.id.to_string()));

    h.char('?');
    assert!(h.screen().contains("raw JSON"));
    h.key(KeyCode::Esc);
    h.key(KeyCode::Esc);
    assert_eq!(h.app().context(), Context::Users);
    h.char('q');
    assert!(h.driver.has_quit());
}

/// The users list finds one user among many by the instant filter, and GoTrue's filter
/// reloads from the server.
#[tokio::test]
async fn server_filter_reloads_with_gotrues_filter() {
    let mut h = Harness::new(120, 40).await;
    let all = h.app().users().total_loaded();
    h.char('f');
    h.text("ada@");
    h.key(KeyCode::Enter);
    h.until("the filtered load", |app| {
        matches!(app.users().load_state(), Load::Done)
    })
    .await;
    assert_eq!(h.app().users().total_loaded(), 1);
    assert!(h.screen().contains("GoTrue filter: ada@"));
    h.char('x');
    h.until("the full list again", |app| {
        matches!(app.users().load_state(), Load::Done) && app.users().total_loaded() == all
    })
    .await;
}

/// Sign in with the phone persona's test code: send, read it in the outbox, verify it.
#[tokio::test]
async fn send_an_otp_read_it_in_the_outbox_verify_and_sign_out() {
    let mut h = Harness::new(120, 40).await;
    h.char('2');
    // Modes: sign in → sign up → magic link → send code.
    for _ in 0..3 {
        h.char('m');
    }
    h.char('e');
    h.text("ada@example.com");
    h.key(KeyCode::Enter);
    h.until("the OTP entry", |app| app.otp().is_some()).await;
    assert!(
        h.app().otp().unwrap().cooldown_left(now()).is_some(),
        "a code was just sent: resend waits"
    );

    // The code is in the outbox: use it from there.
    h.key(KeyCode::Esc); // leave the code field
    h.key(KeyCode::Esc); // leave the OTP screen
    h.char('3');
    h.until("the mail in the outbox", |app| {
        app.outbox()
            .messages()
            .iter()
            .any(|m| m.to == "ada@example.com" && m.otp.is_some())
    })
    .await;
    let s = h.screen();
    assert!(s.contains("ada@example.com"), "{s}");
    h.char('c');
    assert!(
        h.app().otp().is_some(),
        "c opens the OTP entry filled in\n{}",
        h.screen()
    );
    assert_eq!(h.app().tab(), Tab::Session);
    h.key(KeyCode::Enter);
    h.until("the session", |app| app.session().is_some()).await;
    let who = h.app().session().and_then(|s| s.user.clone()).unwrap();
    assert_eq!(who.email, "ada@example.com");
    let s = h.screen();
    assert!(
        s.contains("+ ada@example.com"),
        "the header names the user: {s}"
    );
    assert!(s.contains("expires"), "{s}");

    // Sign out of this session only.
    h.char('L');
    h.char('l');
    h.until("signed out", |app| app.session().is_none()).await;

    // The demo server agrees: the token is no longer good.
    let outbox = h.demo.outbox();
    assert!(outbox.iter().any(|m| m.to == "ada@example.com"));
}

/// A magic link from the outbox is verified by its token: the user is signed in.
#[tokio::test]
async fn a_magic_link_from_the_outbox_signs_in() {
    let mut h = Harness::new(120, 40).await;
    h.char('2');
    h.char('m');
    h.char('m'); // magic link
    h.char('e');
    h.text("unconfirmed@example.com");
    h.key(KeyCode::Enter);
    h.char('3');
    h.until("the magic link", |app| {
        app.outbox()
            .messages()
            .iter()
            .any(|m| m.to == "unconfirmed@example.com" && m.link.is_some())
    })
    .await;
    h.char('v');
    h.until("the session", |app| app.session().is_some()).await;
    assert_eq!(
        h.app()
            .session()
            .and_then(|s| s.user.as_ref())
            .map(|u| u.email.as_str()),
        Some("unconfirmed@example.com")
    );
}

/// A wrong password keeps the form and shows GoTrue's code and message.
#[tokio::test]
async fn a_wrong_password_shows_gotrues_error_and_keeps_the_form() {
    let mut h = Harness::new(120, 40).await;
    h.char('2');
    h.char('e');
    h.text("ada@example.com");
    h.key(KeyCode::Tab);
    h.text("not-her-password");
    h.key(KeyCode::Enter);
    h.until("the error", |app| {
        app.flash()
            .is_some_and(|f| f.text.contains("invalid_credentials"))
    })
    .await;
    let s = h.screen();
    assert!(s.contains("invalid_credentials"), "{s}");
    assert!(s.contains("Invalid login credentials"), "{s}");
    assert!(
        s.contains("ada@example.com"),
        "the form keeps the address: {s}"
    );
    assert!(h.app().session().is_none());
}

/// 100,000 users: the newest at once, in a window of pages (never all of them); `G` reaches
/// the oldest with a page or two; `L` loads every user, and then `/` searches them all.
#[tokio::test]
async fn a_hundred_thousand_users_are_a_window_until_l_loads_them_all() {
    use gotrue_console::console::screens::user_window::MAX_ROWS;
    let mut h = Harness::with(
        120,
        40,
        DemoConfig {
            extra_users: 100_000,
            ..DemoConfig::default()
        },
    )
    .await;
    h.until("the first screen", |app| {
        app.users().windowed().is_some() && app.users().selected_row().is_some()
    })
    .await;
    let total = h
        .app()
        .users()
        .windowed()
        .and_then(|w| w.total())
        .unwrap_or(0);
    assert!(total >= 100_000, "{total}");
    assert!(h.app().users().total_loaded() <= MAX_ROWS);
    let s = h.screen();
    assert!(
        s.contains(&format!(
            "of {}]",
            gotrue_console::console::widgets::thousands(total as u64)
        )),
        "{s}"
    );
    assert!(s.contains("a window, by page"), "{s}");
    h.char('G');
    h.until("the last user", |app| app.users().selected_row().is_some())
        .await;
    let last = h.app().users().selected_row().map(|r| r.created);
    h.char('g');
    h.until("the first user again", |app| {
        app.users().selected_row().is_some()
    })
    .await;
    assert!(
        h.app().users().selected_row().map(|r| r.created) > last,
        "newest first"
    );
    assert!(
        h.app().users().total_loaded() <= MAX_ROWS,
        "bounded after G and g"
    );

    h.char('L');
    // Paced, in a debug build, beside other tests: give it time.
    h.until_within(std::time::Duration::from_secs(120), "every user", |app| {
        app.users().windowed().is_none()
            && matches!(app.users().load_state(), Load::Done)
            && app.users().total_loaded() >= 100_000
    })
    .await;
    h.char('/');
    h.text("ada@example.com");
    assert_eq!(h.app().users().visible_count(), 1);
}

/// `P` switches to another profile: the worker talks to the new server before the app's
/// first request, and the list shows the new server's users.
#[tokio::test]
async fn switching_profile_reconnects_and_reloads() {
    let second = DemoServer::start(DemoConfig {
        seed: false,
        ..DemoConfig::default()
    })
    .await
    .unwrap();
    // The second server has exactly one user.
    let second_client = GoTrueClient::new(
        ClientConfig::new(BaseUrl::parse(second.url()).unwrap())
            .service_role_key(second.service_role_key()),
    )
    .unwrap();
    second_client
        .create_user(&gotrue_console::gotrue::AdminUserAttributes {
            email: Some("only@second.example".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let connect: gotrue_console::term::Connector = Arc::new(move |name: &str| {
        if name != "second" {
            return Err(format!("no profile {name}"));
        }
        Ok((
            second_client.clone(),
            AppConfig {
                prefs: Default::default(),
                server: "http://second".into(),
                profile: Some("second".into()),
                has_service_key: true,
                admin_key_kind: None,
                profiles: vec!["first".into(), "second".into()],
                ..AppConfig::default()
            },
        ))
    });
    let mut h = Harness::build()
        .config(|c| {
            c.server = "http://first".into();
            c.profile = Some("first".into());
            c.demo = false;
            c.profiles = vec!["first".into(), "second".into()];
        })
        .connect(connect)
        .start()
        .await;
    assert!(h.app().users().total_loaded() > 100);
    h.char('P');
    assert!(h.screen().contains("Switch profile"));
    h.char('j');
    h.key(KeyCode::Enter);
    h.until("the second profile's users", |app| {
        app.config().profile.as_deref() == Some("second")
            && matches!(app.users().load_state(), Load::Done)
    })
    .await;
    let emails: Vec<String> = h
        .app()
        .users()
        .view_rows()
        .map(|r| r.email.clone())
        .collect();
    assert_eq!(emails, ["only@second.example"]);
    assert!(h.screen().contains("second"));
}

/// A request that never answers blocks nothing: keys keep working, and the list can be
/// filtered and left while its reload hangs.
#[tokio::test]
async fn a_hanging_request_never_blocks_keys() {
    use gotrue_console::demo::FaultConfig;
    let mut h = Harness::new(120, 40).await;
    h.demo.set_faults(FaultConfig {
        hang_next: 1,
        path_prefix: Some("/admin/users".into()),
        ..FaultConfig::default()
    });
    h.char('R');
    assert!(matches!(h.app().users().load_state(), Load::Loading { .. }));
    // The old rows stay usable while the new load hangs.
    h.char('/');
    h.text("ada@");
    assert_eq!(h.app().users().visible_count(), 1);
    h.key(KeyCode::Esc);
    h.char('2');
    assert_eq!(h.app().tab(), Tab::Session);
    h.char('1');
    h.char('q');
    assert!(h.driver.has_quit());
}

/// A key GoTrue refuses and a key that is not an admin key get their own panels.
#[tokio::test]
async fn refused_and_non_admin_keys_get_their_own_panels() {
    for (key_role, title, code) in [
        (None, "The service-role key was refused", "bad_jwt"),
        (Some("anon"), "Not an admin key", "not_admin"),
    ] {
        let mut h = Harness::build()
            .size(100, 30)
            .service_key(move |demo| match key_role {
                Some(_) => demo.anon_key().to_owned(),
                None => "eyJhbGciOiJIUzI1NiJ9.eyJyb2xlIjoic2VydmljZV9yb2xlIn0.forged".to_owned(),
            })
            .config(|c| {
                c.demo = false;
                c.profile = None;
            })
            .start_without_waiting()
            .await;
        h.until("the load fails", |app| {
            matches!(app.users().load_state(), Load::Failed(_))
        })
        .await;
        let screen = h.screen();
        assert!(screen.contains(title), "{screen}");
        assert!(screen.contains(code), "{screen}");
        assert!(screen.contains("retry"), "{screen}");
    }
}

#[tokio::test]
async fn create_a_user_then_ban_unban_confirm_and_delete_it() {
    let mut h = Harness::new(120, 40).await;
    let before = h.app().users().total_loaded();
    h.char('n');
    // A taken address: GoTrue's error, the form kept.
    h.text("ada@example.com");
    h.key(KeyCode::Enter);
    h.until("the refusal", |app| {
        app.flash().is_some_and(|f| f.text.contains("email_exists"))
    })
    .await;
    let s = h.screen();
    assert!(
        s.contains("email_exists") && s.contains("ada@example.com"),
        "{s}"
    );
    for _ in 0.."ada@example.com".len() {
        h.key(KeyCode::Backspace);
    }
    h.text("hopper@example.com");
    h.key(KeyCode::Tab); // password: empty, generated
    h.key(KeyCode::Tab);
    h.text("no"); // not confirmed
    h.key(KeyCode::Enter);
    until_dialog_done(&mut h, "Created hopper@example.com").await;
    assert!(h.screen().contains("Password (shown once)"));
    h.key(KeyCode::Enter);
    assert_eq!(h.app().users().total_loaded(), before + 1);

    let api = api(&h);
    let created = api
        .list_users(&gotrue_console::gotrue::ListUsers {
            filter: Some("hopper@".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let user = created
        .users
        .first()
        .cloned()
        .expect("the user exists on the server");
    assert!(user.email_confirmed_at.is_none());

    // Ban for 24 hours.
    select(&mut h, "hopper@example.com").await;
    h.char('b');
    h.char('2');
    h.char('y');
    until_dialog_done(&mut h, "is banned until").await;
    h.key(KeyCode::Enter);
    assert!(
        api.get_user_by_id(user.id)
            .await
            .unwrap()
            .is_banned_at(chrono::Utc::now())
    );
    assert!(h.screen().contains("banned"));

    // Unban.
    h.char('u');
    h.char('y');
    until_dialog_done(&mut h, "no longer banned").await;
    h.key(KeyCode::Enter);
    assert!(
        !api.get_user_by_id(user.id)
            .await
            .unwrap()
            .is_banned_at(chrono::Utc::now())
    );

    // Confirm the email.
    h.char('c');
    h.char('e');
    h.char('y');
    until_dialog_done(&mut h, "is confirmed").await;
    h.key(KeyCode::Enter);
    assert!(
        api.get_user_by_id(user.id)
            .await
            .unwrap()
            .email_confirmed_at
            .is_some()
    );

    // Delete: the email must be typed.
    h.char('D');
    h.char('h');
    h.text("wrong@example.com");
    h.key(KeyCode::Enter);
    assert!(h.screen().contains("does not match"));
    for _ in 0.."wrong@example.com".len() {
        h.key(KeyCode::Backspace);
    }
    h.text("hopper@example.com");
    h.key(KeyCode::Enter);
    until_dialog_done(&mut h, "Deleted hopper@example.com").await;
    h.key(KeyCode::Enter);
    let err = api.get_user_by_id(user.id).await.unwrap_err();
    assert_eq!(err.code.as_deref(), Some("user_not_found"));
    assert_eq!(h.app().users().total_loaded(), before);
}

#[tokio::test]
async fn password_help_link_works_and_mfa_factors_are_removed() {
    let mut h = Harness::new(120, 40).await;
    select(&mut h, "ada@example.com").await;
    h.char('p');
    h.char('l');
    until_dialog_done(&mut h, "recovery link for ada@example.com").await;
    h.char('y');
    let link = h
        .copied
        .lock()
        .unwrap()
        .last()
        .cloned()
        .expect("the link was copied");
    assert!(link.contains("type=recovery"), "{link}");
    h.key(KeyCode::Enter);
    // The link is real: its token signs Ada in.
    let token = url::Url::parse(&link)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let out = api(&h)
        .verify_otp(&gotrue_console::gotrue::Verification::TokenHash {
            token_hash: gotrue_console::gotrue::Secret::new(token),
            otp_type: gotrue_console::gotrue::OtpType::Recovery,
        })
        .await
        .unwrap();
    assert!(matches!(
        out,
        gotrue_console::gotrue::VerifyOutcome::Session(_)
    ));

    // Temporary password: shown once, and it works.
    h.char('p');
    h.char('t');
    h.char('y');
    until_dialog_done(&mut h, "has a new password").await;
    let s = h.screen();
    let password = s
        .lines()
        .find_map(|l| l.split("Password (shown once): ").nth(1))
        .map(|rest| {
            rest.split_whitespace()
                .next()
                .unwrap_or_default()
                .trim_end_matches('│')
                .to_owned()
        })
        .expect("the password is on screen");
    h.key(KeyCode::Enter);
    api(&h)
        .sign_in_with_password(
            &gotrue_console::gotrue::Credential::Email("ada@example.com".into()),
            &gotrue_console::gotrue::Secret::new(password),
        )
        .await
        .expect("the temporary password signs in");

    // MFA: open Ada, remove her factor.
    h.key(KeyCode::Enter);
    h.until("ada's details", |app| {
        app.detail().and_then(|d| d.user()).is_some()
    })
    .await;
    let ada = h.app().detail().and_then(|d| d.user()).cloned().unwrap();
    assert!(!ada.factors.clone().unwrap_or_default().is_empty());
    // Rename it first: the one factor goes straight to the form; the dialog says what a
    // removal does on this server's version (the demo follows v2.196.0).
    h.char('M');
    h.settle().await;
    assert!(
        h.screen().contains("drop to aal1 at their next refresh"),
        "{}",
        h.screen()
    );
    h.char('r');
    h.text("Ada's old phone");
    h.key(KeyCode::Enter);
    until_dialog_done(&mut h, "Renamed the factor").await;
    h.key(KeyCode::Enter);
    let factors = api(&h).list_factors(ada.id).await.unwrap();
    assert_eq!(factors[0].friendly_name.as_deref(), Some("Ada's old phone"));
    h.char('M');
    h.char('1');
    h.char('y');
    until_dialog_done(&mut h, "Removed the MFA factor").await;
    h.key(KeyCode::Enter);
    assert!(api(&h).list_factors(ada.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn read_only_hides_and_refuses_every_change() {
    let mut h = Harness::build()
        .config(|c| {
            c.read_only = true;
            c.demo = false;
            c.profile = None;
        })
        .start()
        .await;
    for key in ['n', 'b', 'u', 'D', 'p', 'l', 'c'] {
        h.char(key);
        assert!(
            h.app().action().is_none(),
            "`{key}` opened an action in read-only mode"
        );
    }
    h.char('?');
    let s = h.screen();
    assert!(!s.contains("create a user"), "{s}");
    assert!(s.contains("Read-only"), "{s}");
}

#[tokio::test]
async fn edit_previews_the_change_and_guards_against_lost_updates() {
    let mut h = Harness::new(120, 40).await;
    let api = api(&h);
    let user = api
        .create_user(&gotrue_console::gotrue::AdminUserAttributes {
            email: Some("lovelace@example.com".into()),
            user_metadata: serde_json::json!({"team": "engines", "theme": "dark"})
                .as_object()
                .cloned(),
            ..Default::default()
        })
        .await
        .unwrap();
    h.char('R');
    h.until("the reload", |app| {
        matches!(app.users().load_state(), Load::Done)
    })
    .await;
    select(&mut h, "lovelace@example.com").await;
    h.char('e');
    h.until("the edit form", |app| {
        app.action().is_some_and(|a| a.is_typing())
    })
    .await;
    let s = h.screen();
    assert!(
        s.contains("\"team\":\"engines\""),
        "the form shows the metadata: {s}"
    );

    // Meanwhile someone else changes the user.
    api.update_user_by_id(
        user.id,
        &gotrue_console::gotrue::AdminUserAttributes {
            app_metadata: serde_json::json!({"plan": "pro"}).as_object().cloned(),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    // Replace the user_metadata: drop theme, change team.
    for _ in 0..4 {
        h.key(KeyCode::Tab);
    }
    for _ in 0..80 {
        h.key(KeyCode::Backspace);
    }
    h.text(r#"{"team": "analytical"}"#);
    h.key(KeyCode::Enter);
    h.until("the preview", |app| {
        app.action().is_some_and(|a| a.is_finished())
    })
    .await;
    let s = h.screen();
    assert!(s.contains("Someone changed this user"), "{s}");
    assert!(s.contains("app_metadata.plan"), "what they changed: {s}");
    assert!(s.contains("user_metadata.team"), "what I change: {s}");
    assert!(s.contains("user_metadata.theme: −"), "{s}");
    h.char('y');
    h.until("saved", |app| {
        app.action().is_some_and(|a| a.is_finished())
            && app.flash().is_some_and(|f| f.text.starts_with("Saved"))
    })
    .await;
    let after = api.get_user_by_id(user.id).await.unwrap();
    assert_eq!(
        after.user_metadata.get("team"),
        Some(&serde_json::json!("analytical"))
    );
    assert_eq!(
        after.user_metadata.get("theme"),
        None,
        "the removed key is gone"
    );
    assert_eq!(
        after.app_metadata.get("plan"),
        Some(&serde_json::json!("pro")),
        "their change kept"
    );
}

#[tokio::test]
async fn audit_log_pages_and_queries() {
    let mut h = Harness::new(120, 40).await;
    // Something to audit: a sign-in.
    api(&h)
        .sign_in_with_password(
            &gotrue_console::gotrue::Credential::Email("ada@example.com".into()),
            &gotrue_console::gotrue::Secret::new("analytical-engine-1843"),
        )
        .await
        .unwrap();
    h.char('5');
    h.until("the audit log", |app| app.audit().is_loaded())
        .await;
    assert!(!h.app().audit().entries().is_empty(), "{}", h.screen());
    h.char('/');
    h.text("action:login");
    h.key(KeyCode::Enter);
    h.until("the login entries", |app| {
        app.audit().is_loaded()
            && !app.audit().entries().is_empty()
            && app
                .audit()
                .entries()
                .iter()
                .all(|e| e.payload.action == "login")
    })
    .await;
    let s = h.screen();
    assert!(s.contains("ada@example.com"), "{s}");
    assert!(s.contains("login"), "{s}");
}

#[tokio::test]
async fn token_inspector_finds_the_user_and_refreshes_an_expired_token() {
    use base64::Engine;
    let mut h = Harness::new(120, 40).await;
    let session = api(&h)
        .sign_in_with_password(
            &gotrue_console::gotrue::Credential::Email("ada@example.com".into()),
            &gotrue_console::gotrue::Secret::new("analytical-engine-1843"),
        )
        .await
        .unwrap();
    h.char('6');
    h.char('e');
    h.driver.handle(Msg::Input(Input::Paste(
        session.access_token.expose().to_owned(),
    )));
    let s = h.screen();
    assert!(
        !s.contains(session.access_token.expose()),
        "the token stays masked"
    );
    h.key(KeyCode::Enter);
    h.until("the user", |app| app.tools().lookup().is_some())
        .await;
    let s = h.screen();
    assert!(s.contains("ada@example.com"), "{s}");
    assert!(s.contains("authenticated"), "the role claim: {s}");
    assert!(!s.contains(session.access_token.expose()));

    // A supabase-js cookie whose access token has expired: refreshed.
    let claims = gotrue_console::gotrue::jwt::decode_unverified(session.access_token.expose())
        .unwrap()
        .claims;
    let mut expired = serde_json::to_value(&claims).unwrap();
    expired["exp"] = serde_json::json!(chrono::Utc::now().timestamp() - 60);
    let expired = jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        &expired,
        &jsonwebtoken::EncodingKey::from_secret(h.demo.jwt_secret().as_bytes()),
    )
    .unwrap();
    let cookie = serde_json::json!({"access_token": expired, "refresh_token": session.refresh_token.expose()});
    let cookie = format!(
        "sb-demo-auth-token=base64-{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(cookie.to_string())
    );
    h.char('e');
    for _ in 0..2000 {
        h.key(KeyCode::Backspace);
    }
    h.driver.handle(Msg::Input(Input::Paste(cookie)));
    h.key(KeyCode::Enter);
    h.until("the refreshed lookup", |app| {
        app.tools()
            .lookup()
            .is_some_and(|l| l.as_ref().is_ok_and(|l| l.refreshed.is_some()))
    })
    .await;
    let s = h.screen();
    assert!(s.contains("refreshed"), "{s}");

    // The provider URL builder.
    h.char('o');
    h.text("github");
    h.key(KeyCode::Tab);
    h.text("http://localhost:3000/cb");
    h.key(KeyCode::Enter);
    h.char('y');
    let url = h.copied.lock().unwrap().last().cloned().unwrap();
    assert!(url.contains("/authorize?provider=github"), "{url}");
    assert!(
        url.contains("redirect_to=http%3A%2F%2Flocalhost%3A3000%2Fcb"),
        "{url}"
    );
}

#[tokio::test]
async fn audit_and_tools_screens_at_both_sizes() {
    for (w, hgt) in [(80, 24), (120, 40)] {
        let mut h = Harness::new(w, hgt).await;
        h.char('6');
        snapshot(&format!("tools_{w}x{hgt}"), &h.screen());
        h.char('5');
        h.until("the audit log", |app| app.audit().is_loaded())
            .await;
        let s = h.screen();
        assert!(s.contains("Audit log"), "{s}");
        snapshot(&format!("audit_{w}x{hgt}"), &s);
    }
}

#[tokio::test]
async fn diagnose_names_what_blocks_a_sign_in() {
    let mut h = Harness::new(120, 40).await;
    for (email, expected) in [
        ("banned@example.com", "Banned until"),
        ("unconfirmed@example.com", "email_not_confirmed"),
        ("ada@example.com", "verified MFA factor"),
    ] {
        select(&mut h, email).await;
        h.char('d');
        h.until("the verdict", |app| {
            app.action().is_some_and(|a| a.is_finished())
        })
        .await;
        let s = h.screen();
        assert!(s.contains(expected), "{email}: {s}");
        h.key(KeyCode::Esc);
    }
}

#[tokio::test]
async fn invite_one_user_with_metadata_and_a_redirect() {
    let mut h = Harness::new(120, 40).await;
    h.char('i');
    h.text("newcomer@example.com");
    h.key(KeyCode::Tab);
    h.text("not a url");
    h.key(KeyCode::Enter);
    assert!(h.screen().contains("redirect_to must be a full URL"));
    for _ in 0.."not a url".len() {
        h.key(KeyCode::Backspace);
    }
    h.text("http://localhost:3000/welcome");
    h.key(KeyCode::Tab);
    h.text(r#"{"team": "support"}"#);
    h.key(KeyCode::Enter);
    until_dialog_done(&mut h, "Invited newcomer@example.com").await;
    let invited = h
        .demo
        .outbox()
        .into_iter()
        .find(|m| m.to == "newcomer@example.com")
        .expect("the invitation is in the outbox");
    assert!(
        invited
            .link
            .unwrap_or_default()
            .contains("redirect_to=http")
    );
    let page = api(&h)
        .list_users(&gotrue_console::gotrue::ListUsers {
            filter: Some("newcomer@".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let u = &page.users[0];
    assert!(u.invited_at.is_some());
    assert_eq!(
        u.user_metadata.get("team"),
        Some(&serde_json::json!("support"))
    );
}

#[tokio::test]
async fn export_the_filtered_list_from_the_console() {
    let mut h = Harness::new(120, 40).await;
    let dir = std::env::temp_dir().join(format!("gc-export-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ada.csv");
    h.char('/');
    h.text("ada@");
    h.key(KeyCode::Enter);
    h.char('E');
    for _ in 0..40 {
        h.key(KeyCode::Backspace);
    }
    h.driver
        .handle(Msg::Input(Input::Paste(path.display().to_string())));
    h.key(KeyCode::Enter);
    h.until("the export", |app| {
        app.action().is_some_and(|a| a.is_finished())
    })
    .await;
    assert!(h.screen().contains("Wrote 1 users"), "{}", h.screen());
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "a header and ada: {text}");
    assert!(lines[0].starts_with("id,email"));
    assert!(lines[1].contains("ada@example.com") && lines[1].contains("Ada Lovelace"));
    assert!(!dir.join("ada.csv.partial").exists());
    // The one user the filter shows was asked for by id, not found by reading every user.
    // (The request log arrives on its own channel: wait for the by-id entry, after which
    // everything sent before it is in, in order.)
    let by_id = |l: &gotrue_console::gotrue::RequestLog| {
        l.method == "GET" && l.path.starts_with("/admin/users/")
    };
    h.until("GET /admin/users/{id} in the request log", |app| {
        app.activity().entries().any(by_id)
    })
    .await;
    let log: Vec<String> = h
        .app()
        .activity()
        .entries()
        .skip_while(|l| !by_id(l))
        .map(|l| format!("{} {}", l.method, l.path))
        .collect();
    assert!(
        !log.iter().any(|l| l == "GET /admin/users"),
        "no list was read for the export: {log:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn invite_a_pasted_list_once_each_and_write_the_results() {
    let mut h = Harness::new(120, 40).await;
    h.char('7');
    let list = "alan@example.com\nnot-an-address\nkatherine@example.com\nada@example.com\nmary@example.com\nmary@example.com\n";
    h.driver.handle(Msg::Input(Input::Paste(list.into())));
    let c = h.app().invites().batch().unwrap().counts();
    assert_eq!((c.total(), c.pending, c.invalid, c.duplicate), (6, 4, 1, 1));
    h.char('S');
    h.until("the run's end", |app| app.invites().last_end().is_some())
        .await;
    let c = h.app().invites().batch().unwrap().counts();
    assert_eq!(
        (c.sent, c.exists, c.failed, c.pending),
        (3, 1, 0, 0),
        "{}",
        h.screen()
    );
    let s = h.screen();
    assert!(
        s.contains("already_exists") && s.contains("duplicate of line 5"),
        "{s}"
    );

    // Sending again sends nothing: every row is settled.
    h.char('S');
    assert!(h.app().invites().last_end().is_some(), "no new run started");
    let invites: Vec<String> = h
        .demo
        .outbox()
        .into_iter()
        .filter(|m| {
            m.subject.to_lowercase().contains("invite")
                || format!("{:?}", m.kind).contains("Invite")
        })
        .map(|m| m.to)
        .collect();
    for who in [
        "alan@example.com",
        "katherine@example.com",
        "mary@example.com",
    ] {
        assert_eq!(
            invites.iter().filter(|t| *t == who).count(),
            1,
            "{who}: {invites:?}"
        );
    }
    assert!(!invites.contains(&"ada@example.com".to_owned()));

    // The results as CSV.
    let path = std::env::temp_dir().join(format!("gc-invites-{}.csv", uuid::Uuid::new_v4()));
    h.char('W');
    for _ in 0..40 {
        h.key(KeyCode::Backspace);
    }
    h.driver
        .handle(Msg::Input(Input::Paste(path.display().to_string())));
    h.key(KeyCode::Enter);
    h.until("the results file", |app| {
        app.flash().is_some_and(|f| f.text.starts_with("Wrote"))
    })
    .await;
    let csv = std::fs::read_to_string(&path).unwrap();
    assert_eq!(csv.lines().count(), 7, "{csv}");
    assert!(
        csv.lines()
            .any(|l| l.contains("ada@example.com") && l.contains("already_exists"))
    );
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn mask_mode_hides_emails_and_phones_until_revealed() {
    let mut h = Harness::build()
        .config(|c| {
            c.mask = true;
            c.profile = None;
        })
        .start()
        .await;
    h.char('/');
    h.text("ada@");
    h.key(KeyCode::Enter);
    let s = h.screen();
    assert!(!s.contains("ada@example.com"), "{s}");
    assert!(s.contains("a••@example.com"), "{s}");
    h.key(KeyCode::Enter);
    h.until("ada", |app| app.detail().and_then(|d| d.user()).is_some())
        .await;
    let s = h.screen();
    assert!(
        !s.contains("ada@example.com"),
        "the detail and breadcrumb are masked too: {s}"
    );
    h.char('J');
    assert!(
        !h.screen().contains("ada@example.com"),
        "no raw JSON while masked"
    );
    h.char('*');
    assert!(h.screen().contains("ada@example.com"));
    assert!(!h.app().is_masked());
}

#[tokio::test]
async fn the_operator_journal_is_readable_in_the_console() {
    use gotrue_console::ops::journal::{JournalEntry, JournalEvent};
    let path = std::env::temp_dir().join(format!("gc-journal-{}.jsonl", uuid::Uuid::new_v4()));
    let mut start = JournalEntry::new(
        "s1-abcdef",
        "SHA256:abc",
        "alice@laptop",
        JournalEvent::SessionStart,
    );
    start.role = Some("read-only".into());
    let mut action = JournalEntry::new(
        "s1-abcdef",
        "SHA256:abc",
        "alice@laptop",
        JournalEvent::Action,
    );
    action.action = Some("delete user".into());
    action.target = Some("banned@example.com".into());
    let text = format!(
        "{}\nnot json\n{}\n",
        serde_json::to_string(&start).unwrap(),
        serde_json::to_string(&action).unwrap()
    );
    std::fs::write(&path, text).unwrap();

    let journal = path.clone();
    let mut h = Harness::build()
        .config(|c| {
            c.journal = Some(journal);
            c.demo = false;
            c.profile = None;
        })
        .start()
        .await;
    h.char('8');
    h.until("the journal", |app| app.journal().is_loaded())
        .await;
    assert_eq!(
        h.app().journal().entries().len(),
        2,
        "the unreadable line is skipped"
    );
    let s = h.screen();
    assert!(s.contains("alice@laptop"), "{s}");
    assert!(
        s.contains("delete user banned@example.com"),
        "newest first: {s}"
    );
    let _ = std::fs::remove_file(&path);
}

/// Ctrl-O in the user editor: the fields go to the editor as JSON (never the password), what
/// comes back is previewed, saved, and really changed on the server.
#[tokio::test]
async fn the_external_editor_changes_a_user_through_the_preview() {
    let mut h = Harness::new(120, 40).await;
    let seen = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let log = seen.clone();
    h.driver
        .set_editor(Some(Box::new(move |text: &str, ext: &str| {
            assert_eq!(ext, "json");
            log.lock().unwrap().push(text.to_owned());
            let mut doc: serde_json::Value =
                serde_json::from_str(text).map_err(|e| e.to_string())?;
            doc["user_metadata"]["plan"] = "pro".into();
            doc["role"] = "support".into();
            Ok(serde_json::to_string_pretty(&doc).unwrap())
        })));
    select(&mut h, "ada@example.com").await;
    h.char('e');
    h.until("the edit form", |app| app.context() == Context::EditUser)
        .await;
    // A password typed in the form stays in the form.
    h.key(KeyCode::Tab);
    h.key(KeyCode::Tab);
    h.text("Typed-Only-Here-42");
    h.driver
        .handle(gotrue_console::console::app::Msg::Input(Input::Key(
            ratatui::crossterm::event::KeyEvent::new(
                KeyCode::Char('o'),
                ratatui::crossterm::event::KeyModifiers::CONTROL,
            ),
        )));
    h.until("the preview", |app| {
        app.action().is_some_and(|a| a.is_finished())
    })
    .await;
    let sent = seen.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert!(
        sent[0].contains("\"email\": \"ada@example.com\""),
        "{}",
        sent[0]
    );
    assert!(!sent[0].contains("Typed-Only-Here-42"), "{}", sent[0]);
    let s = h.screen();
    assert!(s.contains("Save these changes?"), "{s}");
    assert!(s.contains("user_metadata.plan: + \"pro\""), "{s}");
    assert!(s.contains("role: authenticated → support"), "{s}");
    assert!(s.contains("password: changed"), "{s}");
    h.char('y');
    until_dialog_done(&mut h, "Saved ada@example.com").await;

    let ada = api(&h)
        .get_user_by_id(
            h.app()
                .users()
                .selected_row()
                .map(|r| r.id)
                .expect("ada is selected"),
        )
        .await
        .expect("ada");
    assert_eq!(ada.user_metadata["plan"], "pro");
    assert_eq!(ada.role.as_deref(), Some("support"));
    assert_eq!(
        ada.user_metadata["full_name"], "Ada Lovelace",
        "the rest is kept"
    );
}

fn list_requests(app: &App) -> usize {
    app.activity()
        .entries()
        .filter(|l| l.method == "GET" && l.path == "/admin/users")
        .count()
}

/// Both paging modes at 200,000 users on the demo server: the newest users first, nothing
/// asked for once the window is served, `/` finding a user outside the window through
/// GoTrue, and keys answered at once while every page hangs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_thousand_users_by_page_and_by_cursor() {
    use gotrue_console::console::screens::user_window::MAX_ROWS;
    use gotrue_console::demo::FaultConfig;
    for cursor in [false, true] {
        let mut h = Harness::with(
            120,
            40,
            DemoConfig {
                extra_users: 200_000,
                cursor_pagination: cursor,
                ..DemoConfig::default()
            },
        )
        .await;
        let how = if cursor { "by cursor" } else { "by page" };
        h.until("the newest users", |app| {
            app.users().windowed().is_some() && app.users().selected_row().is_some()
        })
        .await;
        h.settle().await;
        let s = h.screen();
        assert!(s.contains(&format!("a window, {how}")), "{s}");
        assert!(s.contains("of 200,300]"), "the count is known: {s}");
        let w = h.app().users().windowed().expect("a window");
        let newest = w.rows().filter_map(|(_, r)| r.created).max();
        assert_eq!(
            h.app().users().selected_row().and_then(|r| r.created),
            newest,
            "{how}: the newest user is at the top"
        );
        assert!(h.app().users().total_loaded() <= MAX_ROWS);

        // Served: moving inside the window, and time passing, ask for nothing.
        let asked = list_requests(h.app());
        h.key(KeyCode::Down);
        h.key(KeyCode::Up);
        h.driver
            .handle(Msg::Clock(now() + chrono::Duration::minutes(10)));
        h.settle().await;
        assert_eq!(list_requests(h.app()), asked, "{how}: nothing once served");

        // `/` for a user far outside the window: GoTrue finds her once typing pauses.
        h.char('/');
        h.text("ada@example.com");
        h.driver
            .handle(Msg::Clock(now() + chrono::Duration::minutes(11)));
        h.until("GoTrue's answer", |app| {
            app.users()
                .selected_row()
                .is_some_and(|r| r.email == "ada@example.com")
        })
        .await;
        assert!(h.screen().contains("GoTrue found 1"), "{}", h.screen());
        h.key(KeyCode::Esc);

        // Every page hangs: G shows placeholders and keys still act at once.
        h.demo.set_faults(FaultConfig {
            hang_rate: 1.0,
            path_prefix: Some("/admin/users".into()),
            ..FaultConfig::default()
        });
        h.char('G');
        assert!(
            h.screen().contains('…'),
            "{how}: placeholders: {}",
            h.screen()
        );
        h.char('g');
        assert!(
            h.app().users().selected_row().is_some(),
            "the top is still held"
        );
        h.char('?');
        assert!(h.app().overlay_open());
        h.key(KeyCode::Esc);
        h.demo.set_faults(FaultConfig::default());
    }
}

/// An anonymous user has nothing to confirm: the list says "anonymous", never
/// "unconfirmed", and the export marks it.
#[tokio::test]
async fn anonymous_users_show_as_anonymous() {
    let mut h = Harness::build()
        .demo(DemoConfig {
            anonymous_users: true,
            ..DemoConfig::default()
        })
        .start()
        .await;
    let signed_up: serde_json::Value = reqwest::Client::new()
        .post(format!("{}/signup", h.demo.url()))
        .header("apikey", h.demo.anon_key())
        .json(&serde_json::json!({}))
        .send()
        .await
        .expect("an anonymous sign-up")
        .json()
        .await
        .expect("a session");
    let id = signed_up["user"]["id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert_eq!(signed_up["user"]["is_anonymous"], true, "{signed_up}");
    h.char('R');
    let uid: uuid::Uuid = id.parse().expect("an id");
    h.until("the anonymous user listed", |app| {
        app.users().row(uid).is_some()
    })
    .await;
    h.char('/');
    h.text(&id);
    h.key(KeyCode::Enter);
    assert_eq!(h.app().users().selected_row().map(|r| r.id), Some(uid));
    let screen = h.screen();
    let line = screen
        .lines()
        .find(|l| l.starts_with('│') && l.contains(&id[..8]))
        .unwrap_or_default()
        .to_string();
    assert!(line.contains("anonymous"), "{screen}");
    assert!(
        !line.contains("unconfirmed") && !line.contains('✗'),
        "{line}"
    );
    let user = api(&h).get_user_by_id(uid).await.expect("the user");
    let fields = gotrue_console::ops::export::csv_fields(&user);
    let column = |name: &str| {
        gotrue_console::ops::export::CSV_COLUMNS
            .iter()
            .position(|c| *c == name)
            .map(|i| fields[i].clone())
    };
    assert_eq!(column("is_anonymous").as_deref(), Some("true"));
    assert_eq!(column("is_sso_user").as_deref(), Some("false"));
}

/// `O` signs a user out everywhere: the dialog says what it does and what remains, an
/// unconfirmed user is asked about twice, a phone-only user is refused with the reason,
/// and afterwards the user's refresh tokens are refused.
#[tokio::test]
async fn sign_out_everywhere_from_the_list() {
    let mut h = Harness::new(120, 40).await;
    let api = api(&h);
    let session = api
        .sign_in_with_password(
            &gotrue_console::gotrue::Credential::Email("ada@example.com".into()),
            &gotrue_console::gotrue::Secret::new("analytical-engine-1843"),
        )
        .await
        .expect("Ada signs in");
    select(&mut h, "ada@example.com").await;
    h.char('O');
    h.settle().await;
    let s = h.screen();
    assert!(s.contains("scope=global"), "{s}");
    assert!(s.contains("access tokens already issued"), "{s}");
    h.char('y');
    until_dialog_done(&mut h, "Signed ada@example.com out everywhere").await;
    assert!(h.screen().contains("JWT expiry"), "{}", h.screen());
    h.key(KeyCode::Enter);
    let err = api
        .refresh_session(&session.refresh_token)
        .await
        .expect_err("the refresh token is revoked");
    assert_eq!(
        err.code.as_deref(),
        Some("refresh_token_not_found"),
        "{err:?}"
    );

    // Unconfirmed: a second question, as the link confirms the email.
    select(&mut h, "unconfirmed@example.com").await;
    h.char('O');
    h.settle().await;
    assert!(h.screen().contains("not confirmed"), "{}", h.screen());
    h.char('y');
    h.settle().await;
    assert!(h.screen().contains("never did"), "{}", h.screen());
    h.key(KeyCode::Esc);
    assert!(
        h.app().action().is_none(),
        "Esc at the second question sends nothing"
    );

    // Phone only: refused, and why.
    h.char('x');
    h.char('/');
    h.text("15555550100");
    h.key(KeyCode::Enter);
    h.char('O');
    h.settle().await;
    assert!(h.screen().contains("has no email"), "{}", h.screen());
}

/// Links only from the Invites tab: `K`, then `S`: each row gets its invite link, GoTrue has
/// the user invited, and no mail went out.
#[tokio::test]
async fn invites_tab_links_only_mails_nothing() {
    use gotrue_console::ops::bulk::RowStatus;
    let mut h = Harness::new(120, 40).await;
    h.char('7');
    h.driver.handle(Msg::Input(Input::Paste(
        "linked.one@example.com\nlinked.two@example.com\n".into(),
    )));
    h.char('K');
    h.char('S');
    h.until("the run's end", |app| {
        !app.invites().is_running() && app.invites().last_end().is_some()
    })
    .await;
    let batch = h.app().invites().batch().cloned().expect("a batch");
    for row in &batch.rows {
        match &row.status {
            RowStatus::Sent {
                user_id,
                link: Some(link),
                ..
            } => {
                assert!(link.contains("/verify?token="), "{link}");
                let user = api(&h).get_user_by_id(*user_id).await.expect("the user");
                assert!(user.invited_at.is_some());
            }
            other => panic!("{}: {other:?}", row.email),
        }
    }
    assert!(
        h.demo.outbox().iter().all(|m| !m.to.starts_with("linked.")),
        "no mail went out"
    );
}

/// Masks the session's countdown: the demo server mints tokens on the wall clock, the tests'
/// console runs on a fixed one.
fn without_countdown(screen: &str) -> String {
    screen
        .lines()
        .map(|l| match (l.find("expires  in "), l.find("  (refreshed")) {
            (Some(a), Some(b)) if a < b => {
                format!("{}{:<w$}{}", &l[..a], "expires  in T", &l[b..], w = b - a)
            }
            _ => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Cookie values and lengths that differ per run (tokens, timestamps in the JSON); the
/// chunk size, 3180, stays.
fn redact_cookie_values(screen: &str) -> String {
    screen
        .lines()
        .map(|l| {
            let Some(i) = l.find("  sb-") else {
                return l.to_owned();
            };
            let rest = &l[i + 2..];
            let name_end = rest.find(' ').unwrap_or(rest.len());
            let value = &rest[name_end..];
            if value.contains("(3180 chars)") {
                return l.to_owned();
            }
            let box_end = value.find('│').unwrap_or(value.len());
            let shown = if value.contains("••••") {
                " •••• (N chars)"
            } else {
                " VALUE"
            };
            format!(
                "{}{}{:<w$}{}",
                &l[..i + 2],
                &rest[..name_end],
                shown,
                &value[box_end..],
                w = value[..box_end].chars().count()
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

async fn sign_in_ada(h: &mut Harness) {
    h.char('2');
    h.char('e');
    h.text("ada@example.com");
    h.key(KeyCode::Tab);
    h.text("analytical-engine-1843");
    h.key(KeyCode::Enter);
    h.until("the session", |app| app.session().is_some()).await;
}

/// `C` on the session tab: the session as cookies, values masked until `v`; each form is
/// copied whole, and what is copied is a session GoTrue takes (its refresh token works).
#[tokio::test]
async fn the_session_as_cookies_masked_copied_and_usable() {
    use gotrue_console::gotrue::token_input::parse_token_input;
    for (w, hgt) in [(80, 24), (120, 40)] {
        let mut h = Harness::new(w, hgt).await;
        sign_in_ada(&mut h).await;
        h.char('C');
        assert_eq!(h.app().context(), Context::Cookies);
        let s = h.screen();
        let session = h.app().session().cloned().unwrap();
        assert!(!s.contains(&session.access_token.expose()[..20]), "{s}");
        assert!(!s.contains(session.refresh_token.expose()), "{s}");
        assert!(s.contains("sb-127-auth-token"), "{s}");
        snapshot(
            &format!("session_cookies_{w}x{hgt}"),
            &redact_cookie_values(&without_countdown(&s)),
        );
        h.char('v');
        let s = h.screen();
        assert!(
            s.contains(&session.access_token.expose()[..20]),
            "v reveals: {s}"
        );
        snapshot(
            &format!("session_cookies_revealed_{w}x{hgt}"),
            &redact_cookie_values(&without_countdown(&s)),
        );
        h.char('v');

        // Each copy is the whole form, and reads back as this session.
        for (key, starts) in [
            ('a', "sb-access-token="),
            // Ada's session with her metadata is past 3180 characters: chunks.
            ('s', "sb-127-auth-token.0=base64-"),
            ('h', "Cookie: sb-access-token="),
        ] {
            h.char(key);
            let copied = h.copied.lock().unwrap().last().cloned().unwrap();
            assert!(copied.starts_with(starts), "{key}: {}", &copied[..30]);
            let t = parse_token_input(&copied).expect("our own cookie parses");
            assert_eq!(t.refresh_token.as_ref(), Some(&session.refresh_token));
        }
        // Raw JSON instead: the JSON, URI-encoded.
        h.char('b');
        h.char('s');
        let copied = h.copied.lock().unwrap().last().cloned().unwrap();
        assert!(
            copied.starts_with("sb-127-auth-token.0=%7B%22access_token%22"),
            "{}",
            &copied[..40]
        );
        let t = parse_token_input(&copied).unwrap();
        let refreshed = api(&h)
            .refresh_session(t.refresh_token.as_ref().unwrap())
            .await
            .expect("the copied refresh token is the session's");
        assert_eq!(
            refreshed.user.map(|u| u.email).as_deref(),
            Some("ada@example.com")
        );
        h.key(KeyCode::Esc);
        assert_eq!(h.app().context(), Context::Login);
    }
}

/// `I` on a user: after a question, a session as them on the Session tab, marked; GoTrue
/// records the sign-in; `X` signs that one session out, and its refresh token is dead.
/// Refused where sign-out-everywhere refuses, asked twice for an unconfirmed email.
#[tokio::test]
async fn see_what_the_user_sees_then_sign_that_session_out() {
    for (w, hgt) in [(80, 24), (120, 40)] {
        let mut h = Harness::new(w, hgt).await;
        let api = api(&h);
        select(&mut h, "ada@example.com").await;
        let ada = h.app().users().selected_row().cloned().unwrap();
        let before = api.get_user_by_id(ada.id).await.unwrap().last_sign_in_at;
        h.char('I');
        h.settle().await;
        let s = h.screen();
        assert!(s.contains("see what they see"), "{s}");
        assert!(
            s.contains("last_sign_in_at"),
            "the question says what it records: {s}"
        );
        h.char('y');
        h.until("the impersonation", |app| app.impersonating().is_some())
            .await;
        assert_eq!(h.app().impersonating(), Some("ada@example.com"));
        assert_eq!(h.app().tab(), Tab::Session);
        let session = h.app().session().cloned().unwrap();
        assert_eq!(session.user.as_ref().map(|u| u.id), Some(ada.id));
        let s = h.screen();
        assert!(s.contains("IMPERSONATING ada@example.com"), "{s}");
        assert!(s.contains("aal1"), "{s}");
        assert!(!s.contains(session.refresh_token.expose()), "{s}");
        snapshot(
            &format!("session_impersonating_{w}x{hgt}"),
            &without_countdown(&s),
        );
        let after = api.get_user_by_id(ada.id).await.unwrap().last_sign_in_at;
        assert!(
            after > before,
            "GoTrue records the sign-in: {before:?} → {after:?}"
        );

        // X: this session only, at once.
        h.char('X');
        h.until("signed out", |app| app.session().is_none()).await;
        assert_eq!(h.app().impersonating(), None);
        let err = api
            .refresh_session(&session.refresh_token)
            .await
            .expect_err("the impersonated session's refresh token is revoked");
        assert_eq!(
            err.code.as_deref(),
            Some("refresh_token_not_found"),
            "{err:?}"
        );
    }

    let mut h = Harness::new(120, 40).await;
    // Unconfirmed: a second question, as the link confirms the email.
    select(&mut h, "unconfirmed@example.com").await;
    h.char('I');
    h.settle().await;
    assert!(h.screen().contains("not confirmed"), "{}", h.screen());
    h.char('y');
    h.settle().await;
    assert!(h.screen().contains("never did"), "{}", h.screen());
    h.key(KeyCode::Esc);
    assert!(h.app().session().is_none());
    // Phone only: refused, and why.
    h.char('x');
    h.char('/');
    h.text("15555550100");
    h.key(KeyCode::Enter);
    h.char('I');
    h.settle().await;
    assert!(h.screen().contains("has no email"), "{}", h.screen());
}

/// A read-only profile offers no impersonation.
#[tokio::test]
async fn read_only_offers_no_impersonation() {
    let mut h = Harness::build()
        .config(|c| c.read_only = true)
        .start()
        .await;
    select(&mut h, "ada@example.com").await;
    h.char('I');
    h.settle().await;
    assert!(h.app().session().is_none());
    assert!(h.app().action().is_none(), "{}", h.screen());
}
