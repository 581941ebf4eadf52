//! `App::update` alone: a message in, state and commands out. No terminal, no network.

use chrono::{DateTime, Duration, Utc};
use gotrue_console::console::app::{App, AppConfig, Msg, Tab};
use gotrue_console::console::command::{
    ApiCall, ApiReply, Command, Outcome, RequestId, Task, TaskError, TaskOutcome, TaskReply,
};
use gotrue_console::console::input::Input;
use gotrue_console::console::keys::Context;
use gotrue_console::console::screens::users::Load;
use gotrue_console::gotrue::{GoTrueError, Listing, Session, User, UsersBatch, UsersPage};
use ratatui::crossterm::event::KeyCode;
use serde_json::json;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-06-01T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn config() -> AppConfig {
    AppConfig {
        prefs: Default::default(),
        server: "127.0.0.1:9998".into(),
        profile: Some("test".into()),
        has_service_key: true,
        admin_key_kind: None,
        ..AppConfig::default()
    }
}

fn user(n: u32, email: &str) -> User {
    serde_json::from_value(json!({
        "id": format!("00000000-0000-4000-8000-{n:012}"),
        "email": email,
        "phone": "",
        "created_at": format!("2025-01-{:02}T00:00:00Z", n % 28 + 1),
        "app_metadata": {"provider": "email", "providers": ["email"]},
        "user_metadata": {},
    }))
    .unwrap()
}

fn api_calls(cmds: &[Command]) -> Vec<(RequestId, ApiCall)> {
    cmds.iter()
        .filter_map(|c| match c {
            Command::Api(id, call) => Some((*id, call.clone())),
            _ => None,
        })
        .collect()
}

/// GoTrue's answer to users request `id`: a page by number with the total it said.
fn offset_page(id: RequestId, users: Vec<User>, total: Option<u64>) -> Msg {
    Msg::Outcome(Outcome {
        id,
        result: Ok(ApiReply::Listing(Box::new(Listing::Offset(UsersPage {
            users,
            total,
            next_page: None,
            last_page: None,
            aud: None,
        })))),
    })
}

/// The id of the stream that loads every user. A load starts with one page by cursor (the
/// probe): answered here as a server without cursors and with few users would, so that
/// every user is streamed next.
fn load_id(app: &mut App, cmds: &[Command]) -> RequestId {
    let calls = api_calls(cmds);
    if let Some((id, _)) = calls
        .iter()
        .find(|(_, c)| matches!(c, ApiCall::LoadUsers { .. }))
    {
        return *id;
    }
    let (probe, _) = calls
        .iter()
        .find(|(_, c)| matches!(c, ApiCall::UsersByCursor(_)))
        .expect("a first page of users asked for");
    let cmds = app.update(offset_page(*probe, Vec::new(), None));
    api_calls(&cmds)
        .into_iter()
        .find(|(_, c)| matches!(c, ApiCall::LoadUsers { .. }))
        .map(|(id, _)| id)
        .expect("a LoadUsers command after the first page")
}

fn load_id_started(app: &mut App) -> RequestId {
    let cmds = app.start();
    load_id(app, &cmds)
}

fn press(app: &mut App, code: KeyCode) -> Vec<Command> {
    app.update(Msg::Input(Input::key(code)))
}

fn typed(app: &mut App, text: &str) -> Vec<Command> {
    Input::text(text)
        .into_iter()
        .flat_map(|i| app.update(Msg::Input(i)))
        .collect()
}

fn batch(id: RequestId, users: Vec<User>, total: u64) -> Msg {
    let loaded = users.len() as u64;
    Msg::Outcome(Outcome {
        id,
        result: Ok(ApiReply::UsersBatch(UsersBatch {
            users,
            loaded,
            total: Some(total),
            after: None,
        })),
    })
}

fn done(id: RequestId) -> Msg {
    Msg::Outcome(Outcome {
        id,
        result: Ok(ApiReply::UsersDone),
    })
}

/// An app with three users loaded: c (newest), b, a.
fn loaded_app() -> (App, RequestId) {
    let mut app = App::new(config(), now(), (120, 40));
    let cmds = app.start();
    let id = load_id(&mut app, &cmds);
    app.update(batch(
        id,
        vec![
            user(1, "a@example.com"),
            user(2, "b@example.com"),
            user(3, "c@example.com"),
        ],
        3,
    ));
    app.update(done(id));
    (app, id)
}

fn selected_email(app: &App) -> String {
    app.users()
        .selected_row()
        .map(|r| r.email.clone())
        .unwrap_or_default()
}

#[test]
fn start_asks_for_health_settings_and_users() {
    let mut app = App::new(config(), now(), (80, 24));
    let calls: Vec<ApiCall> = api_calls(&app.start())
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    assert!(calls.contains(&ApiCall::Health));
    assert!(calls.contains(&ApiCall::Settings));
    // One page first, by cursor: the newest users at once, and how the server pages.
    assert!(calls.iter().any(|c| matches!(
        c,
        ApiCall::UsersByCursor(q) if q.cursor.is_none()
            && q.sort == Some(gotrue_console::gotrue::UserSort::CreatedDesc)
    )));
    assert!(!calls.contains(&ApiCall::Outbox), "the outbox is demo only");
    assert_eq!(app.tab(), Tab::Users);
}

#[test]
fn without_a_service_key_it_opens_on_the_session_tab_with_the_key_entry() {
    let mut app = App::new(
        AppConfig {
            prefs: Default::default(),
            has_service_key: false,
            admin_key_kind: None,
            ..config()
        },
        now(),
        (80, 24),
    );
    let calls: Vec<ApiCall> = api_calls(&app.start())
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    assert!(!calls.iter().any(|c| matches!(c, ApiCall::LoadUsers { .. })));
    assert_eq!(app.tab(), Tab::Session);
    assert_eq!(app.context(), Context::Form, "the key field has the focus");
}

#[test]
fn users_arrive_sorted_newest_first_and_the_filter_narrows_instantly() {
    let (mut app, _) = loaded_app();
    let emails: Vec<String> = app.users().view_rows().map(|r| r.email.clone()).collect();
    assert_eq!(emails, ["c@example.com", "b@example.com", "a@example.com"]);
    assert_eq!(*app.users().load_state(), Load::Done);

    press(&mut app, KeyCode::Char('/'));
    assert_eq!(app.context(), Context::Form);
    let cmds = typed(&mut app, "B@EX");
    assert!(
        api_calls(&cmds).is_empty(),
        "the instant filter asks the server nothing"
    );
    assert_eq!(app.users().visible_count(), 1);
    assert_eq!(selected_email(&app), "b@example.com");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.context(), Context::Users);
    assert_eq!(app.users().filter_text(), "B@EX", "Enter keeps the filter");

    press(&mut app, KeyCode::Char('x'));
    assert_eq!(app.users().visible_count(), 3);
    assert_eq!(
        selected_email(&app),
        "b@example.com",
        "selection kept by id"
    );
}

#[test]
fn typing_narrows_within_the_matches_and_erasing_or_editing_widens_again() {
    let (mut app, _) = loaded_app();
    press(&mut app, KeyCode::Char('/'));
    let mut counts = Vec::new();
    for c in "ab@".chars() {
        press(&mut app, KeyCode::Char(c));
        counts.push(app.users().visible_count());
    }
    press(&mut app, KeyCode::Backspace);
    counts.push(app.users().visible_count());
    press(&mut app, KeyCode::Backspace);
    counts.push(app.users().visible_count());
    // "a" is in every address ("example"), "ab" in none; erasing back to "a" finds all again.
    assert_eq!(counts, [3, 0, 0, 0, 3]);
    // Text typed anywhere narrows ("ca" holds "a"); deleting from the middle widens again.
    press(&mut app, KeyCode::Home);
    press(&mut app, KeyCode::Char('c'));
    assert_eq!(app.users().filter_text(), "ca");
    assert_eq!(app.users().visible_count(), 0);
    press(&mut app, KeyCode::Delete);
    assert_eq!(app.users().filter_text(), "c");
    assert_eq!(app.users().visible_count(), 3, "c as in .com");
}

#[test]
fn a_reload_keeps_the_selection_by_id_and_drops_answers_to_the_old_request() {
    let (mut app, old) = loaded_app();
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(selected_email(&app), "b@example.com");

    let cmds = press(&mut app, KeyCode::Char('R'));
    assert!(
        !cmds.iter().any(|c| matches!(c, Command::Cancel(_))),
        "the old load had finished: nothing to cancel"
    );
    let new = load_id(&mut app, &cmds);
    assert_ne!(new, old);
    // A reload while one runs cancels the running one.
    let newer = {
        let c = press(&mut app, KeyCode::Char('R'));
        load_id(&mut app, &c)
    };
    let cmds_again = press(&mut app, KeyCode::Char('R'));
    assert!(cmds_again.contains(&Command::Cancel(newer)));
    let new = load_id(&mut app, &cmds_again);

    // A late page of the old load changes nothing.
    app.update(batch(old, vec![user(9, "stale@example.com")], 1));
    assert!(
        app.users()
            .view_rows()
            .all(|r| r.email != "stale@example.com")
    );

    // The new load brings a newer user: b stays selected though it moved down.
    app.update(batch(
        new,
        vec![
            user(1, "a@example.com"),
            user(2, "b@example.com"),
            user(3, "c@example.com"),
            user(4, "d@example.com"),
        ],
        4,
    ));
    app.update(done(new));
    assert_eq!(app.users().visible_count(), 4);
    assert_eq!(selected_email(&app), "b@example.com");
}

#[test]
fn sort_cycles_and_reverses() {
    let (mut app, _) = loaded_app();
    press(&mut app, KeyCode::Char('s')); // last sign-in
    press(&mut app, KeyCode::Char('s')); // email, ascending
    let emails: Vec<String> = app.users().view_rows().map(|r| r.email.clone()).collect();
    assert_eq!(emails, ["a@example.com", "b@example.com", "c@example.com"]);
    press(&mut app, KeyCode::Char('S'));
    let emails: Vec<String> = app.users().view_rows().map(|r| r.email.clone()).collect();
    assert_eq!(emails, ["c@example.com", "b@example.com", "a@example.com"]);
}

#[test]
fn enter_opens_the_user_and_esc_goes_back() {
    let (mut app, _) = loaded_app();
    let cmds = press(&mut app, KeyCode::Enter);
    let calls = api_calls(&cmds);
    assert_eq!(calls.len(), 1);
    assert!(matches!(calls[0].1, ApiCall::GetUser(id) if id.to_string().ends_with("000000000003")));
    assert_eq!(app.context(), Context::Detail);
    // The answer lands in the detail screen.
    app.update(Msg::Outcome(Outcome {
        id: calls[0].0,
        result: Ok(ApiReply::User(Box::new(user(3, "c@example.com")))),
    }));
    assert_eq!(
        app.detail()
            .and_then(|d| d.user())
            .map(|u| u.email.as_str()),
        Some("c@example.com")
    );
    let cmds = press(&mut app, KeyCode::Char('y'));
    assert!(cmds.contains(&Command::Copy(
        "00000000-0000-4000-8000-000000000003".into()
    )));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.context(), Context::Users);
}

#[test]
fn a_failed_load_shows_an_error_and_r_retries() {
    let mut app = App::new(config(), now(), (80, 24));
    let id = load_id_started(&mut app);
    app.update(Msg::Outcome(Outcome {
        id,
        result: Err(GoTrueError::from_response(
            403,
            Some("not_admin"),
            br#"{"code":"not_admin","message":"User not allowed"}"#,
        )),
    }));
    assert!(
        matches!(app.users().load_state(), Load::Failed(e) if e.code.as_deref() == Some("not_admin"))
    );
    let cmds = press(&mut app, KeyCode::Char('r'));
    assert!(
        api_calls(&cmds)
            .iter()
            .any(|(_, c)| matches!(c, ApiCall::UsersByCursor(_)))
    );
}

#[test]
fn q_quits_but_types_in_a_form_and_ctrl_c_always_quits() {
    let (mut app, _) = loaded_app();
    press(&mut app, KeyCode::Char('/'));
    let cmds = press(&mut app, KeyCode::Char('q'));
    assert!(!cmds.contains(&Command::Quit));
    assert_eq!(app.users().filter_text(), "q");
    let cmds = app.update(Msg::Input(Input::ctrl('c')));
    assert!(cmds.contains(&Command::Quit));
    assert!(app.should_quit());

    let (mut app, _) = loaded_app();
    assert!(press(&mut app, KeyCode::Char('q')).contains(&Command::Quit));
}

#[test]
fn the_palette_runs_an_action_by_name() {
    let (mut app, _) = loaded_app();
    press(&mut app, KeyCode::Char(':'));
    assert!(app.overlay_open());
    typed(&mut app, "reverse");
    press(&mut app, KeyCode::Enter);
    assert!(!app.overlay_open());
    assert_eq!(selected_email(&app), "c@example.com");
    let emails: Vec<String> = app.users().view_rows().map(|r| r.email.clone()).collect();
    assert_eq!(emails, ["a@example.com", "b@example.com", "c@example.com"]);
}

#[test]
fn help_opens_over_any_screen_and_any_key_closes_it() {
    let (mut app, _) = loaded_app();
    press(&mut app, KeyCode::Char('?'));
    assert!(app.overlay_open());
    let cmds = press(&mut app, KeyCode::Char('q'));
    assert!(!app.overlay_open());
    assert!(
        !cmds.contains(&Command::Quit),
        "the key that closes help does nothing else"
    );
}

fn session(expires_in: i64) -> Session {
    serde_json::from_value::<Session>(json!({
        "access_token": "header.payload.sig",
        "token_type": "bearer",
        "expires_in": expires_in,
        "expires_at": now().timestamp() + expires_in,
        "refresh_token": "r1",
        "user": {"id": "00000000-0000-4000-8000-000000000001", "email": "a@example.com"}
    }))
    .unwrap()
}

/// Signs in through the login form with fabricated answers.
fn signed_in_app(expires_in: i64) -> App {
    let (mut app, _) = loaded_app();
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('e'));
    typed(&mut app, "a@example.com");
    press(&mut app, KeyCode::Tab);
    typed(&mut app, "pw-pw-pw");
    let cmds = press(&mut app, KeyCode::Enter);
    let (id, call) = api_calls(&cmds).pop().expect("a sign-in request");
    assert!(matches!(call, ApiCall::SignIn { .. }));
    app.update(Msg::Outcome(Outcome {
        id,
        result: Ok(ApiReply::Session(Box::new(session(expires_in)))),
    }));
    assert!(app.session().is_some());
    app
}

#[test]
fn the_session_is_refreshed_before_it_expires_and_a_failure_is_not_retried_in_a_loop() {
    let mut app = signed_in_app(3600);
    // Far from expiry: nothing to do, but the countdown on screen wants a tick.
    assert!(api_calls(&app.update(Msg::Clock(now() + Duration::seconds(10)))).is_empty());
    assert!(app.next_wakeup().is_some());

    // The user has moved on to the users list meanwhile.
    press(&mut app, KeyCode::Char('1'));
    let cmds = app.update(Msg::Clock(now() + Duration::seconds(3550)));
    let (id, call) = api_calls(&cmds).pop().expect("a refresh");
    assert_eq!(
        call,
        ApiCall::Refresh {
            refresh_token: gotrue_console::gotrue::Secret::new("r1")
        }
    );
    // While it runs, no second one.
    assert!(api_calls(&app.update(Msg::Clock(now() + Duration::seconds(3551)))).is_empty());
    app.update(Msg::Outcome(Outcome {
        id,
        result: Err(GoTrueError::from_response(
            400,
            Some("refresh_token_already_used"),
            br#"{"code":"refresh_token_already_used","message":"Invalid Refresh Token: Already Used"}"#,
        )),
    }));
    assert!(api_calls(&app.update(Msg::Clock(now() + Duration::seconds(3552)))).is_empty());
    assert!(
        app.flash()
            .is_some_and(|f| f.text.contains("Refreshing the session failed"))
    );
}

#[test]
fn a_sign_in_form_with_missing_fields_sends_nothing_and_keeps_what_was_typed() {
    let (mut app, _) = loaded_app();
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('e'));
    typed(&mut app, "not-an-email@");
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(api_calls(&cmds).is_empty());
    assert!(app.flash().is_some_and(|f| f.text.contains("highlighted")));
    // Still editing, text intact: fix it and go on.
    typed(&mut app, "example.com");
    press(&mut app, KeyCode::Tab);
    typed(&mut app, "pw-pw-pw");
    let cmds = press(&mut app, KeyCode::Enter);
    assert!(matches!(
        api_calls(&cmds).pop(),
        Some((_, ApiCall::SignIn { credential, .. })) if credential.to_string() == "not-an-email@example.com"
    ));
}

#[test]
fn otp_resend_waits_for_the_cooldown() {
    let mut app = signed_in_app(3600);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('o'));
    assert!(app.otp().is_some());
    press(&mut app, KeyCode::Esc); // leave the code field
    let cmds = press(&mut app, KeyCode::Char('r'));
    let (id, call) = api_calls(&cmds).pop().expect("a resend");
    assert!(
        matches!(
            call,
            ApiCall::SendOtp {
                create_user: false,
                ..
            }
        ),
        "{call:?}"
    );
    app.update(Msg::Outcome(Outcome {
        id,
        result: Ok(ApiReply::Sent { message_id: None }),
    }));
    assert!(app.otp().unwrap().cooldown_left(now()).is_some());
    let cmds = press(&mut app, KeyCode::Char('r'));
    assert!(api_calls(&cmds).is_empty(), "no resend during the cooldown");
    assert!(app.flash().is_some_and(|f| f.text.contains("new code in")));
    // After the cooldown it is allowed again.
    app.update(Msg::Clock(now() + Duration::seconds(61)));
    assert!(!api_calls(&press(&mut app, KeyCode::Char('r'))).is_empty());
}

#[test]
fn unknown_keys_say_where_to_look() {
    let (mut app, _) = loaded_app();
    press(&mut app, KeyCode::Char('Z'));
    assert!(app.flash().is_some_and(|f| f.text.contains('?')));
}

#[test]
fn while_the_first_load_runs_the_selection_stays_at_the_top() {
    let mut app = App::new(config(), now(), (120, 40));
    let id = load_id_started(&mut app);
    // Pages come oldest first; the list shows newest first.
    app.update(batch(id, vec![user(1, "a@example.com")], 3));
    assert_eq!(selected_email(&app), "a@example.com");
    app.update(batch(
        id,
        vec![user(2, "b@example.com"), user(3, "c@example.com")],
        3,
    ));
    assert_eq!(
        selected_email(&app),
        "c@example.com",
        "the top row, not the first page's user"
    );
    // Once the user moves, the selection follows that user.
    press(&mut app, KeyCode::Char('j'));
    assert_eq!(selected_email(&app), "b@example.com");
    app.update(batch(id, vec![user(4, "d@example.com")], 4));
    assert_eq!(selected_email(&app), "b@example.com");
}

/// Every user of a small server is streamed newest first, as the list shows them: each page
/// goes below the rows on screen, so the top row never changes while the rest arrives.
#[test]
fn a_small_list_loads_newest_first_and_its_top_never_jumps() {
    let mut app = App::new(config(), now(), (120, 40));
    let id = load_id_started(&mut app);
    app.update(batch(
        id,
        vec![user(20, "t@example.com"), user(19, "s@example.com")],
        4,
    ));
    let first_row = |app: &App| {
        screen(app)
            .lines()
            .find(|l| l.contains("@example.com"))
            .unwrap_or_default()
            .to_owned()
    };
    let top = first_row(&app);
    assert!(top.contains("t@example.com"), "{top}");
    app.update(batch(
        id,
        vec![user(18, "r@example.com"), user(17, "q@example.com")],
        4,
    ));
    assert_eq!(first_row(&app), top);
}

/// What the app draws, as text.
fn screen(app: &App) -> String {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).expect("a terminal");
    terminal.draw(|f| app.draw(f)).expect("a frame");
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn edit_text_request(cmds: &[Command]) -> (RequestId, String) {
    cmds.iter()
        .find_map(|c| match c {
            Command::Task(id, Task::EditText { text, extension }) => {
                assert_eq!(*extension, "json");
                Some((*id, text.clone()))
            }
            _ => None,
        })
        .expect("an EditText command")
}

fn ctrl(app: &mut App, c: char) -> Vec<Command> {
    app.update(Msg::Input(Input::Key(
        ratatui::crossterm::event::KeyEvent::new(
            KeyCode::Char(c),
            ratatui::crossterm::event::KeyModifiers::CONTROL,
        ),
    )))
}

#[test]
fn the_editor_gets_the_fields_as_json_and_a_bad_edit_or_no_editor_keeps_the_form() {
    let (mut app, _) = loaded_app();
    let cmds = press(&mut app, KeyCode::Char('e'));
    // The form opens on the user as the server has it now.
    if let Some((id, _)) = api_calls(&cmds)
        .into_iter()
        .find(|(_, c)| matches!(c, ApiCall::GetUser(_)))
    {
        app.update(Msg::Outcome(Outcome {
            id,
            result: Ok(ApiReply::User(Box::new(user(3, "c@example.com")))),
        }));
    }
    assert_eq!(app.context(), Context::EditUser);
    assert!(screen(&app).contains("edit as JSON in $EDITOR"));
    typed(&mut app, "x");
    let (id, text) = edit_text_request(&ctrl(&mut app, 'o'));
    assert!(
        text.contains("\"email\": \"c@example.comx\""),
        "what was typed goes out: {text}"
    );
    assert!(screen(&app).contains("Editing in $EDITOR"));
    assert!(
        app.action().is_some_and(|a| !a.is_finished()),
        "waiting for the editor"
    );

    // Text that is not JSON: the form is back as it was, with the reason; Ctrl-O reopens
    // exactly the text that came back.
    let broken = "{\n  \"email\": \"c@example.com\",\n".to_owned();
    app.update(Msg::Task(TaskOutcome {
        id,
        result: Ok(TaskReply::Edited(broken.clone())),
    }));
    let s = screen(&app);
    assert!(s.contains("not JSON"), "{s}");
    assert!(
        s.contains("c@example.comx"),
        "the form keeps what was typed: {s}"
    );
    assert_eq!(app.context(), Context::EditUser);
    let (id, text) = edit_text_request(&ctrl(&mut app, 'o'));
    assert_eq!(text, broken);

    // No editor here (over SSH): the error shows and the form stays.
    app.update(Msg::Task(TaskOutcome {
        id,
        result: Err(TaskError::Refused(
            "An external editor is only available in a local terminal".into(),
        )),
    }));
    let s = screen(&app);
    assert!(s.contains("only available in a local terminal"), "{s}");
    assert!(s.contains("c@example.comx"), "{s}");

    // A good edit goes on like a submit: the user is read again for the preview.
    let (id, text) = edit_text_request(&ctrl(&mut app, 'o'));
    assert_eq!(text, broken, "the broken text is offered until it is fixed");
    let fixed = r#"{"email": "c2@example.com", "user_metadata": {"plan": "pro"}}"#;
    let cmds = app.update(Msg::Task(TaskOutcome {
        id,
        result: Ok(TaskReply::Edited(fixed.into())),
    }));
    assert!(
        api_calls(&cmds)
            .iter()
            .any(|(_, c)| matches!(c, ApiCall::GetUser(_))),
        "{cmds:?}"
    );
}

/// New tokens are not a new session: neither the background refresh nor `R` takes the user
/// back to the Session tab from wherever they went meanwhile.
#[test]
fn a_refreshed_session_leaves_the_user_where_they_are() {
    let mut app = signed_in_app(3600);
    assert_eq!(app.tab(), Tab::Session, "signing in shows the session");
    let mut fresh = session(3600);
    fresh.refresh_token = gotrue_console::gotrue::Secret::new("r2");

    // `R`, then off to the activity tab before the answer comes.
    let (id, call) = api_calls(&press(&mut app, KeyCode::Char('R')))
        .pop()
        .expect("a refresh");
    assert!(matches!(call, ApiCall::Refresh { .. }));
    press(&mut app, KeyCode::Char('4'));
    app.update(Msg::Outcome(Outcome {
        id,
        result: Ok(ApiReply::Session(Box::new(fresh.clone()))),
    }));
    assert_eq!(app.tab(), Tab::Activity);
    assert_eq!(
        app.session().map(|s| s.refresh_token.expose().to_owned()),
        Some("r2".to_owned())
    );

    // The background refresh near expiry, with the users list open.
    press(&mut app, KeyCode::Char('1'));
    let cmds = app.update(Msg::Clock(now() + Duration::seconds(3550)));
    let (id, _) = api_calls(&cmds).pop().expect("a background refresh");
    fresh.refresh_token = gotrue_console::gotrue::Secret::new("r3");
    app.update(Msg::Outcome(Outcome {
        id,
        result: Ok(ApiReply::Session(Box::new(fresh))),
    }));
    assert_eq!(app.tab(), Tab::Users);
    assert_eq!(
        app.session().map(|s| s.refresh_token.expose().to_owned()),
        Some("r3".to_owned())
    );
}

#[test]
fn every_start_up_warning_is_counted_and_the_first_shown() {
    let mut app = App::new(
        AppConfig {
            prefs: Default::default(),
            warnings: vec![
                "env GOTRUE_URL is set, but profile `prod` was chosen".into(),
                "env SUPABASE_SECRET_KEY is set, but profile `prod` was chosen".into(),
            ],
            ..config()
        },
        now(),
        (120, 40),
    );
    app.start();
    let flash = app.flash().expect("a flash").text.clone();
    assert!(flash.starts_with("env GOTRUE_URL is set"), "{flash}");
    assert!(flash.contains("+1 more: gotrue-console doctor"), "{flash}");

    let mut one = App::new(
        AppConfig {
            prefs: Default::default(),
            warnings: vec!["only this".into()],
            ..config()
        },
        now(),
        (120, 40),
    );
    one.start();
    assert_eq!(one.flash().expect("a flash").text, "only this");
}

/// An answer goes to the screen that asked, wherever the user went meanwhile; an answer to
/// a screen that closed is dropped; an answer of the wrong kind is an error on screen (a
/// logged bug), never silently dropped.
#[test]
fn answers_go_to_whoever_asked_and_a_wrong_kind_is_an_error() {
    let (mut app, _) = loaded_app();
    let open = api_calls(&press(&mut app, KeyCode::Enter));
    let (get, _) = open[0].clone();
    // Off to the activity tab: the user's answer still reaches the user page.
    press(&mut app, KeyCode::Char('4'));
    app.update(Msg::Outcome(Outcome {
        id: get,
        result: Ok(ApiReply::User(Box::new(user(3, "c@example.com")))),
    }));
    press(&mut app, KeyCode::Char('1'));
    assert!(app.detail().and_then(|d| d.user()).is_some());

    // R reloads; the page closes before the answer: it goes nowhere.
    let reload = api_calls(&press(&mut app, KeyCode::Char('R')));
    press(&mut app, KeyCode::Esc);
    assert!(app.detail().is_none());
    app.update(Msg::Outcome(Outcome {
        id: reload[0].0,
        result: Ok(ApiReply::User(Box::new(user(3, "changed@example.com")))),
    }));
    assert!(app.detail().is_none(), "a closed page does not come back");
    assert_eq!(selected_email(&app), "c@example.com");

    // An answer of the wrong kind for a user read: the page says so.
    let open = api_calls(&press(&mut app, KeyCode::Enter));
    app.update(Msg::Outcome(Outcome {
        id: open[0].0,
        result: Ok(ApiReply::Done),
    }));
    let s = screen(&app);
    assert!(s.contains("unexpected answer to load user"), "{s}");
}

/// Reloading again and again cancels each stream it replaces: what the app waits for does
/// not grow with every `R`.
#[test]
fn replaced_requests_are_not_waited_for() {
    let (mut app, _) = loaded_app();
    let cmds = press(&mut app, KeyCode::Char('R'));
    assert!(
        cmds.iter()
            .any(|c| matches!(c, Command::Api(_, ApiCall::UsersByCursor(_))))
    );
    let waiting = app.waiting();
    for _ in 0..5 {
        let cmds = press(&mut app, KeyCode::Char('R'));
        assert!(
            cmds.iter().any(|c| matches!(c, Command::Cancel(_))),
            "{cmds:?}"
        );
    }
    assert_eq!(app.waiting(), waiting);
    // The last stream's end: nothing left of the users list's.
    let id = {
        let c = press(&mut app, KeyCode::Char('R'));
        load_id(&mut app, &c)
    };
    app.update(done(id));
    assert_eq!(app.waiting(), waiting - 1);
}

/// `q` while invitations are being sent, or while their results are not written, asks
/// first; `n` stays, Ctrl-C twice quits; once the results are written, `q` quits at once.
#[test]
fn q_asks_before_dropping_invitations_in_flight_or_unsaved() {
    use gotrue_console::ops::bulk::{InviteEvent, RowStatus, RunEnd};
    let (mut app, _) = loaded_app();
    press(&mut app, KeyCode::Char('7'));
    app.update(Msg::Input(Input::Paste(
        "ada@example.com\ngrace@example.com".into(),
    )));
    let cmds = press(&mut app, KeyCode::Char('S'));
    let (run, _) = api_calls(&cmds)
        .into_iter()
        .find(|(_, c)| matches!(c, ApiCall::RunInvites { .. }))
        .expect("a run");

    // Sending: q asks, n stays.
    let cmds = press(&mut app, KeyCode::Char('q'));
    assert!(!cmds.contains(&Command::Quit) && !app.should_quit());
    let s = screen(&app);
    assert!(s.contains("Invitations are being sent"), "{s}");
    press(&mut app, KeyCode::Char('n'));
    assert!(app.action().is_none() && !app.should_quit());

    // Ctrl-C asks once, and quits when pressed again.
    let ctrl_c = |app: &mut App| {
        app.update(Msg::Input(Input::Key(
            ratatui::crossterm::event::KeyEvent::new(
                KeyCode::Char('c'),
                ratatui::crossterm::event::KeyModifiers::CONTROL,
            ),
        )))
    };
    assert!(!ctrl_c(&mut app).contains(&Command::Quit));
    assert!(app.action().is_some(), "the question is on screen");
    press(&mut app, KeyCode::Esc);

    // The run ends with a row sent: the results are not written yet, so q still asks.
    let row = |status| {
        Msg::Outcome(Outcome {
            id: run,
            result: Ok(ApiReply::InviteProgress(InviteEvent::Row {
                line: 1,
                status,
                in_doubt_since: None,
            })),
        })
    };
    app.update(row(RowStatus::AlreadyExists));
    app.update(Msg::Outcome(Outcome {
        id: run,
        result: Ok(ApiReply::InviteProgress(InviteEvent::Finished(
            RunEnd::Completed,
        ))),
    }));
    press(&mut app, KeyCode::Char('q'));
    let s = screen(&app);
    assert!(s.contains("results are not written"), "{s}");
    press(&mut app, KeyCode::Esc);

    // W writes them: now q quits at once.
    press(&mut app, KeyCode::Char('W'));
    let cmds = typed(&mut app, "/tmp/results.csv");
    assert!(cmds.is_empty(), "{cmds:?}");
    let cmds = press(&mut app, KeyCode::Enter);
    let write = cmds
        .iter()
        .find_map(|c| match c {
            Command::Task(id, Task::WriteInviteResults { .. }) => Some(*id),
            _ => None,
        })
        .expect("a write");
    app.update(Msg::Task(TaskOutcome {
        id: write,
        result: Ok(TaskReply::Written {
            count: 2,
            path: "/tmp/results.csv".into(),
        }),
    }));
    let cmds = press(&mut app, KeyCode::Char('q'));
    assert!(cmds.contains(&Command::Quit) && app.should_quit());
}

/// "Quit anyway?" answered yes quits.
#[test]
fn quit_anyway_yes_quits() {
    let (mut app, _) = loaded_app();
    press(&mut app, KeyCode::Char('7'));
    app.update(Msg::Input(Input::Paste("ada@example.com".into())));
    press(&mut app, KeyCode::Char('S'));
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.should_quit());
    let cmds = press(&mut app, KeyCode::Char('y'));
    assert!(cmds.contains(&Command::Quit) && app.should_quit());
}

/// Nothing unfinished: q quits at once, as before.
#[test]
fn q_quits_at_once_with_nothing_in_flight() {
    let (mut app, _) = loaded_app();
    let cmds = press(&mut app, KeyCode::Char('q'));
    assert!(cmds.contains(&Command::Quit));
}

/// `theme = "mono"` (or NO_COLOR): not one cell of the frame has a colour, and the selected
/// row is still marked, in reverse video.
#[test]
fn the_mono_theme_draws_without_colour() {
    use gotrue_console::console::widgets::theme::Theme;
    use ratatui::style::{Color, Modifier};
    let mut app = App::new(
        AppConfig {
            prefs: gotrue_console::console::app::Prefs {
                theme: Theme::Mono,
                ..Default::default()
            },
            ..config()
        },
        now(),
        (120, 40),
    );
    let id = load_id_started(&mut app);
    app.update(batch(
        id,
        vec![user(1, "a@example.com"), user(2, "b@example.com")],
        2,
    ));
    app.update(done(id));
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).expect("a terminal");
    terminal.draw(|f| app.draw(f)).expect("a frame");
    let buf = terminal.backend().buffer();
    let mut reversed_rows = std::collections::BTreeSet::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let cell = &buf[(x, y)];
            assert_eq!(
                (cell.fg, cell.bg),
                (Color::Reset, Color::Reset),
                "({x}, {y})"
            );
            if cell.modifier.contains(Modifier::REVERSED) {
                reversed_rows.insert(y);
            }
        }
    }
    let row_of = |text: &str| {
        (0..buf.area.height).find(|&y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
                .contains(text)
        })
    };
    let selected = row_of("b@example.com").expect("the newest user is shown");
    assert!(reversed_rows.contains(&selected), "{reversed_rows:?}");
}

fn mouse_app() -> (App, RequestId) {
    let mut app = App::new(
        AppConfig {
            prefs: gotrue_console::console::app::Prefs {
                mouse: true,
                ..Default::default()
            },
            ..config()
        },
        now(),
        (120, 40),
    );
    let id = load_id_started(&mut app);
    let users = (1..=20)
        .map(|n| user(n, &format!("u{n:02}@example.com")))
        .collect();
    app.update(batch(id, users, 20));
    app.update(done(id));
    (app, id)
}

/// Where `text` is drawn: (column, row).
fn drawn_at(app: &App, text: &str) -> (u16, u16) {
    let frame = screen(app);
    frame
        .lines()
        .enumerate()
        .find_map(|(y, line)| {
            line.find(text)
                .map(|x| (line[..x].chars().count() as u16, y as u16))
        })
        .unwrap_or_else(|| panic!("{text:?} is not on screen:\n{frame}"))
}

fn click(app: &mut App, (column, row): (u16, u16)) -> Vec<Command> {
    use gotrue_console::console::input::MouseKind;
    app.update(Msg::Input(Input::mouse(MouseKind::Click, column, row)))
}

/// `mouse = true`: a click on a tab goes there, a click on a row selects it and a second
/// opens it, the wheel moves three rows a turn.
#[test]
fn with_the_mouse_on_clicks_select_and_open_and_the_wheel_scrolls() {
    use gotrue_console::console::input::MouseKind;
    let (mut app, _) = mouse_app();
    assert!(app.mouse());
    assert_eq!(selected_email(&app), "u20@example.com", "newest first");
    let cell = drawn_at(&app, "u17@example.com");
    assert!(
        api_calls(&click(&mut app, cell)).is_empty(),
        "a first click only selects"
    );
    assert_eq!(selected_email(&app), "u17@example.com");
    let calls = api_calls(&click(&mut app, cell));
    assert!(
        matches!(&calls[..], [(_, ApiCall::GetUser(id))] if id.to_string().ends_with("000000000017")),
        "a second click opens the user: {calls:?}"
    );
    assert_eq!(app.context(), Context::Detail);
    press(&mut app, KeyCode::Esc);

    app.update(Msg::Input(Input::mouse(MouseKind::ScrollDown, 10, 10)));
    assert_eq!(selected_email(&app), "u14@example.com");
    app.update(Msg::Input(Input::mouse(MouseKind::ScrollUp, 10, 10)));
    assert_eq!(selected_email(&app), "u17@example.com");

    // The header row and the borders are no row.
    let header = drawn_at(&app, "Email");
    click(&mut app, header);
    assert_eq!(selected_email(&app), "u17@example.com");

    let tab = drawn_at(&app, "Audit");
    click(&mut app, tab);
    assert_eq!(app.tab(), Tab::Audit);
}

/// A dialog is the keyboard's: a click under it neither acts nor dismisses.
#[test]
fn the_mouse_does_nothing_while_a_dialog_or_an_overlay_is_open() {
    let (mut app, _) = mouse_app();
    let row = drawn_at(&app, "u19@example.com");
    let tab = drawn_at(&app, "Audit");
    press(&mut app, KeyCode::Char('?'));
    assert_eq!(app.context(), Context::Help);
    click(&mut app, row);
    click(&mut app, tab);
    assert_eq!(app.context(), Context::Help);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('n'));
    let dialog = app.context();
    assert_ne!(dialog, Context::Users, "n opens the create dialog");
    assert!(click(&mut app, row).is_empty());
    assert_eq!(app.context(), dialog);
    press(&mut app, KeyCode::Esc);
    assert_eq!(selected_email(&app), "u20@example.com");
    assert_eq!(app.tab(), Tab::Users);
}

/// Off (the default): the terminal sends no reports, and one that arrives changes nothing.
#[test]
fn with_the_mouse_off_a_click_changes_nothing() {
    let (mut app, _) = loaded_app();
    assert!(!app.mouse());
    let tab = drawn_at(&app, "Audit");
    let row = drawn_at(&app, "a@example.com");
    click(&mut app, tab);
    click(&mut app, row);
    assert_eq!(app.tab(), Tab::Users);
    assert_eq!(selected_email(&app), "c@example.com");
}

/// OSC 52 may go nowhere (tmux without set-clipboard, some terminals): the flash says how
/// it was sent, and the same copy again shows the text to copy by hand.
#[test]
fn copying_says_it_went_by_osc_52_and_copying_again_shows_the_text() {
    let (mut app, _) = loaded_app();
    let id = "00000000-0000-4000-8000-000000000003";
    let cmds = press(&mut app, KeyCode::Char('y'));
    assert_eq!(cmds, vec![Command::Copy(id.into())]);
    let s = screen(&app);
    assert!(
        s.contains("The id sent by OSC 52; not on your clipboard? Copy again"),
        "{s}"
    );
    let cmds = press(&mut app, KeyCode::Char('y'));
    assert!(cmds.is_empty(), "shown, not sent again: {cmds:?}");
    assert_eq!(app.context(), Context::Clipboard);
    let s = screen(&app);
    assert!(s.contains("Copy the id by hand") && s.contains(id), "{s}");
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(app.context(), Context::Users, "any key closes it");
    // A third copy sends again; another text is a new copy, not a repeat.
    assert_eq!(
        press(&mut app, KeyCode::Char('y')),
        vec![Command::Copy(id.into())]
    );
    assert_eq!(
        press(&mut app, KeyCode::Char('Y')),
        vec![Command::Copy("c@example.com".into())]
    );
    // Masked, the text stays hidden even there.
    press(&mut app, KeyCode::Char('*'));
    press(&mut app, KeyCode::Char('Y'));
    let s = screen(&app);
    assert!(s.contains("Hidden while masking is on"), "{s}");
    assert!(!s.contains("c@example.com"), "{s}");
}

/// One editing model: a form that opens (a dialog, the code screen) takes typing at once;
/// a tab's form (Session), browsed with the number keys, after `e`. In all of them the
/// first Esc stops editing and keeps what was typed; the next goes back or closes.
#[test]
fn every_form_stops_editing_at_the_first_esc_and_keeps_what_was_typed() {
    let (mut app, _) = loaded_app();
    press(&mut app, KeyCode::Char('2'));
    assert_eq!(app.tab(), Tab::Session);
    assert_eq!(app.context(), Context::Login, "a tab waits for e");
    press(&mut app, KeyCode::Char('e'));
    assert_eq!(app.context(), Context::Form);
    typed(&mut app, "ada@example.com");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.context(), Context::Login);
    assert!(screen(&app).contains("ada@example.com"), "kept");

    press(&mut app, KeyCode::Char('o'));
    assert!(app.otp().is_some());
    assert_eq!(
        app.context(),
        Context::Form,
        "the code screen opens editing"
    );
    typed(&mut app, "123456");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.context(), Context::Otp, "Esc stops editing");
    assert!(screen(&app).contains("123456"), "the code is kept");
    press(&mut app, KeyCode::Char('e'));
    typed(&mut app, "7");
    press(&mut app, KeyCode::Esc);
    assert!(screen(&app).contains("1234567"));
    press(&mut app, KeyCode::Esc);
    assert!(app.otp().is_none(), "the second Esc goes back");
    assert_eq!(app.context(), Context::Login);

    press(&mut app, KeyCode::Char('1'));
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(
        app.context(),
        Context::Form,
        "a dialog's form opens editing"
    );
    typed(&mut app, "grace@example.com");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.context(), Context::Stopped);
    assert!(app.action().is_some(), "still open");
    let s = screen(&app);
    assert!(
        s.contains("grace@example.com") && s.contains("edits again"),
        "{s}"
    );
    press(&mut app, KeyCode::Char('q'));
    assert!(!app.should_quit(), "q neither quits nor types there");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.context(), Context::Form, "Enter edits again");
    typed(&mut app, "x");
    assert!(screen(&app).contains("grace@example.comx"));
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    assert!(app.action().is_none(), "the second Esc closes");
}

/// The focused field shows without colour: a `▸` before its label and its room underlined.
#[test]
fn the_focused_field_shows_without_colour() {
    use ratatui::style::Modifier;
    let (mut app, _) = loaded_app();
    press(&mut app, KeyCode::Char('n'));
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).expect("a terminal");
    terminal.draw(|f| app.draw(f)).expect("a frame");
    let buffer = terminal.backend().buffer();
    let rows: Vec<String> = (0..40)
        .map(|y| (0..120).map(|x| buffer[(x, y)].symbol()).collect())
        .collect();
    let y = rows
        .iter()
        .position(|r| r.contains("▸ email or phone"))
        .expect("the marker on the focused field");
    let x = rows[y]
        .find("email or phone")
        .map(|i| rows[y][..i].chars().count())
        .unwrap();
    let underlined = buffer[(x as u16 + 16, y as u16)]
        .modifier
        .contains(Modifier::UNDERLINED);
    assert!(underlined, "the field's room is underlined");
    let other = rows.iter().find(|r| r.contains("password (empty")).unwrap();
    assert!(!other.contains('▸'), "only one field has the marker");
}

/// An app whose server has 100,000 users and pages by number: the first answer (GoTrue's
/// default 50, newest first) makes the list a window.
fn window_app() -> App {
    window_app_and_fetches().0
}

/// [`window_app`], and what the first answer asked for next.
fn window_app_and_fetches() -> (App, Vec<Command>) {
    let mut app = App::new(config(), now(), (120, 40));
    let cmds = app.start();
    let (probe, _) = api_calls(&cmds)
        .into_iter()
        .find(|(_, c)| matches!(c, ApiCall::UsersByCursor(_)))
        .expect("the first page");
    let users = (1..=50)
        .map(|n| user(n, &format!("new{n:02}@example.com")))
        .collect();
    let next = app.update(offset_page(probe, users, Some(100_000)));
    (app, next)
}

fn tick(app: &mut App, ms: i64) -> Vec<Command> {
    app.update(Msg::Clock(now() + Duration::milliseconds(ms)))
}

/// `/` over a window filters the rows held at once and, once typing pauses, asks GoTrue:
/// the latest query wins, what GoTrue found is marked, an id is looked up, a phone number
/// is said to be beyond GoTrue's filter.
#[test]
fn slash_over_a_window_asks_gotrue_once_typing_pauses() {
    let mut app = window_app();
    assert!(app.users().windowed().is_some());
    assert!(screen(&app).contains("of 100,000]"), "{}", screen(&app));
    press(&mut app, KeyCode::Char('/'));
    let cmds = typed(&mut app, "grac");
    assert!(
        api_calls(&cmds).is_empty(),
        "nothing while typing: {cmds:?}"
    );
    assert!(app.next_wakeup().is_some(), "a wake-up for the pause");
    let cmds = tick(&mut app, 300);
    let calls = api_calls(&cmds);
    let [(first, ApiCall::UsersByCursor(q))] = &calls[..] else {
        panic!("one search: {calls:?}");
    };
    assert_eq!(q.filter.as_deref(), Some("grac"));
    // More typing: the next query replaces the first, which is cancelled.
    typed(&mut app, "e");
    let cmds = tick(&mut app, 700);
    assert!(cmds.contains(&Command::Cancel(*first)), "{cmds:?}");
    let (second, _) = api_calls(&cmds)[0].clone();
    app.update(Msg::Outcome(Outcome {
        id: second,
        result: Ok(ApiReply::Listing(Box::new(Listing::Keyset(
            gotrue_console::gotrue::KeysetPage {
                users: vec![user(900, "grace@example.com")],
                next_cursor: None,
                has_more: false,
            },
        )))),
    }));
    assert_eq!(
        selected_email(&app),
        "grace@example.com",
        "{}",
        screen(&app)
    );
    let s = screen(&app);
    assert!(s.contains("GoTrue found 1") && s.contains("GoTrue "), "{s}");
    // An id: looked up directly.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('/'));
    let id = "00000000-0000-4000-8000-000000000900";
    typed(&mut app, id);
    let calls = api_calls(&tick(&mut app, 1100));
    assert!(
        matches!(&calls[..], [(_, ApiCall::GetUser(u))] if u.to_string() == id),
        "{calls:?}"
    );
    // A phone number: GoTrue's filter cannot match it, and says so.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('/'));
    typed(&mut app, "+1 555 555 0100");
    assert!(api_calls(&tick(&mut app, 1500)).is_empty());
    assert!(
        screen(&app).contains("not phone numbers"),
        "{}",
        screen(&app)
    );
}

/// A window asks only for what the screen needs; once it is held, nothing more, however
/// long the console stays open.
#[test]
fn an_idle_window_asks_for_nothing() {
    // The first 50 are on screen; the screen's margin wants the rest of page 0, once.
    let (mut app, cmds) = window_app_and_fetches();
    let calls = api_calls(&cmds);
    assert!(
        matches!(&calls[..], [(_, ApiCall::UsersByPage(q))] if q.page == 1 && q.per_page == 1000),
        "{calls:?}"
    );
    let (id, _) = calls[0].clone();
    let users = (1..=1000)
        .map(|n| user(n, &format!("u{n}@example.com")))
        .collect();
    let cmds = app.update(offset_page(id, users, Some(100_000)));
    assert!(api_calls(&cmds).is_empty(), "served: {cmds:?}");
    assert!(
        api_calls(&press(&mut app, KeyCode::Char('j'))).is_empty(),
        "held already"
    );
    for ms in [1_000, 60_000, 3_600_000] {
        assert!(api_calls(&tick(&mut app, ms)).is_empty());
    }
    // G: the last page, at once.
    let calls = api_calls(&press(&mut app, KeyCode::Char('G')));
    assert!(
        matches!(&calls[..], [(_, ApiCall::UsersByPage(q))] if q.page == 100),
        "{calls:?}"
    );
}

/// `L` over a window streams every user with a gauge that says how fast and how long; `L`
/// again stops it, keeping what was read, and the title says it is not all.
#[test]
fn l_loads_every_user_with_a_gauge_and_l_again_stops() {
    let mut app = window_app();
    let calls = api_calls(&press(&mut app, KeyCode::Char('L')));
    let [(id, ApiCall::LoadUsers { .. })] = &calls[..] else {
        panic!("{calls:?}");
    };
    let users = (1..=20)
        .map(|n| user(n, &format!("all{n:02}@example.com")))
        .collect();
    app.update(batch(*id, users, 100_000));
    app.update(Msg::Clock(now() + Duration::seconds(2)));
    let s = screen(&app);
    assert!(
        s.contains("loading 20 of 100,000 · 10/s · about 2 h 46 min left · L stops"),
        "{s}"
    );
    let cmds = press(&mut app, KeyCode::Char('L'));
    assert!(cmds.contains(&Command::Cancel(*id)), "{cmds:?}");
    assert!(screen(&app).contains("stopped before the end: R reloads"));
    assert_eq!(app.users().visible_count(), 20);
    // The stream's late answer changes nothing.
    app.update(done(*id));
    assert_eq!(app.users().visible_count(), 20);
}

#[test]
fn what_gotrue_can_search_for() {
    use gotrue_console::console::screens::users::{SearchKind, search_kind};
    assert!(matches!(
        search_kind("7d3c1ed4-3c0b-4b69-9d7a-0e5f0b3c1a11"),
        SearchKind::Id(_)
    ));
    assert_eq!(search_kind("+1 (555) 555-0100"), SearchKind::Phone);
    assert_eq!(search_kind("15555550100"), SearchKind::Phone);
    assert_eq!(search_kind("ada@"), SearchKind::Filter);
    assert_eq!(search_kind("Ada Lovelace"), SearchKind::Filter);
    assert_eq!(
        search_kind("2024"),
        SearchKind::Filter,
        "too short for a phone"
    );
}

/// A reload of a window keeps the selected user when its first page holds them.
#[test]
fn a_reloaded_window_keeps_the_selected_user() {
    let mut app = window_app();
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('j'));
    let chosen = selected_email(&app);
    assert_eq!(chosen, "new03@example.com");
    let cmds = press(&mut app, KeyCode::Char('R'));
    let (probe, _) = api_calls(&cmds)
        .into_iter()
        .find(|(_, c)| matches!(c, ApiCall::UsersByCursor(_)))
        .expect("a new first page");
    let users = (1..=50)
        .map(|n| user(n, &format!("new{n:02}@example.com")))
        .collect();
    app.update(offset_page(probe, users, Some(100_001)));
    assert_eq!(selected_email(&app), chosen);
}

/// A taller screen over a window asks for the rows it now shows, without a key: the app
/// wakes at once for it.
#[test]
fn a_taller_screen_asks_for_the_rows_it_now_shows() {
    let (mut app, cmds) = window_app_and_fetches();
    let (page0, _) = api_calls(&cmds)[0].clone();
    // The margin's page failed: nothing is asked again by itself.
    app.update(Msg::Outcome(Outcome {
        id: page0,
        result: Err(GoTrueError::from_response(
            503,
            None,
            br#"{"message":"busy"}"#,
        )),
    }));
    assert!(
        api_calls(&tick(&mut app, 1_000)).is_empty(),
        "no retry loop"
    );
    app.update(Msg::Input(Input::Resize {
        width: 120,
        height: 80,
    }));
    assert!(
        app.next_wakeup()
            .is_some_and(|t| t <= now() + Duration::seconds(1))
    );
    let calls = api_calls(&tick(&mut app, 1_100));
    assert!(
        matches!(&calls[..], [(_, ApiCall::UsersByPage(q))] if q.page == 1),
        "{calls:?}"
    );
}

/// `K` on the Invites tab: the next run generates links and mails nothing; `K` again mails.
#[test]
fn links_only_is_a_switch_on_the_invites_tab() {
    let (mut app, _) = loaded_app();
    press(&mut app, KeyCode::Char('7'));
    app.update(Msg::Input(Input::Paste("grace@example.com".into())));
    press(&mut app, KeyCode::Char('K'));
    assert!(
        screen(&app).contains("links only: no mail"),
        "{}",
        screen(&app)
    );
    let cmds = press(&mut app, KeyCode::Char('S'));
    let links_only = api_calls(&cmds).into_iter().find_map(|(_, c)| match c {
        ApiCall::RunInvites { links_only, .. } => Some(links_only),
        _ => None,
    });
    assert_eq!(links_only, Some(true));
}
