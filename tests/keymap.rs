//! The keymap users can change: every action a screen or dialog handles has a key where it is
//! handled; `[keys]` in config.toml rebinds, and shows in the footer and in `?`; a bad
//! binding names its line; `gotrue-console keys` prints the map in force.

mod common;

use chrono::{DateTime, Utc};
use gotrue_console::config::{ConfigError, ConfigFile};
use gotrue_console::console::app::{App, AppConfig, Msg};
use gotrue_console::console::command::Command;
use gotrue_console::console::input::Input;
use gotrue_console::console::keys::{Action, Context, Keymap};
use gotrue_console::console::screens::activity::ActivityScreen;
use gotrue_console::console::screens::audit::AuditScreen;
use gotrue_console::console::screens::detail::DetailScreen;
use gotrue_console::console::screens::dialog::{Choice, Dialog, DialogEvent, Step};
use gotrue_console::console::screens::invites::InvitesScreen;
use gotrue_console::console::screens::journal::JournalScreen;
use gotrue_console::console::screens::login::LoginScreen;
use gotrue_console::console::screens::otp::OtpScreen;
use gotrue_console::console::screens::outbox::OutboxScreen;
use gotrue_console::console::screens::tools::ToolsScreen;
use gotrue_console::console::screens::users::UsersScreen;
use gotrue_console::console::screens::{Ctx, Screen};
use gotrue_console::console::widgets::field::Field;
use gotrue_console::gotrue::{OtpType, UserId};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::Path;
use std::sync::Arc;

fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-06-01T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

fn ctx() -> Ctx {
    let mut ctx = Ctx::new(now(), false, 0);
    ctx.selected_user = Some("ada@example.com".into());
    ctx
}

/// Every action there is: the serde names are the list.
fn every_action() -> Vec<Action> {
    let mut out = Vec::new();
    let map = Keymap::default();
    for &ctx in Context::ALL {
        for b in map.bindings(ctx) {
            if !out.contains(&b.action) {
                out.push(b.action);
            }
        }
    }
    out
}

/// A way to put a screen in a state, fresh for every action tried.
type Make = Box<dyn Fn(&mut Ctx) -> Box<dyn Screen>>;

fn screens() -> Vec<(&'static str, Make)> {
    let editing = |action: Action, make: fn() -> Box<dyn Screen>| -> Make {
        Box::new(move |ctx: &mut Ctx| {
            let mut s = make();
            s.on_action(action, ctx);
            s
        })
    };
    vec![
        (
            "users",
            Box::new(|_: &mut Ctx| Box::new(UsersScreen::default()) as Box<dyn Screen>),
        ),
        (
            "users filter",
            editing(Action::Filter, || Box::new(UsersScreen::default())),
        ),
        (
            "users GoTrue filter",
            editing(Action::ServerFilter, || Box::new(UsersScreen::default())),
        ),
        (
            "detail",
            Box::new(|ctx: &mut Ctx| Box::new(DetailScreen::open(UserId::nil(), None, ctx))),
        ),
        (
            "login",
            Box::new(|_: &mut Ctx| Box::new(LoginScreen::new(true))),
        ),
        (
            "login form",
            editing(Action::Edit, || Box::new(LoginScreen::new(true))),
        ),
        (
            "otp",
            Box::new(|_: &mut Ctx| Box::new(OtpScreen::new(None, OtpType::Email, None))),
        ),
        (
            "otp form",
            editing(Action::Edit, || {
                Box::new(OtpScreen::new(None, OtpType::Email, None))
            }),
        ),
        (
            "outbox",
            Box::new(|_: &mut Ctx| Box::new(OutboxScreen::from_source("demo server"))),
        ),
        (
            "activity",
            Box::new(|_: &mut Ctx| Box::new(ActivityScreen::default())),
        ),
        (
            "audit",
            Box::new(|_: &mut Ctx| Box::new(AuditScreen::default())),
        ),
        (
            "audit query",
            editing(Action::Filter, || Box::new(AuditScreen::default())),
        ),
        (
            "tools",
            Box::new(|_: &mut Ctx| Box::new(ToolsScreen::default())),
        ),
        (
            "tools token",
            editing(Action::Edit, || Box::new(ToolsScreen::default())),
        ),
        (
            "invites",
            Box::new(|_: &mut Ctx| Box::new(InvitesScreen::default())),
        ),
        (
            "invites prompt",
            editing(Action::OpenFile, || Box::new(InvitesScreen::default())),
        ),
        (
            "journal",
            Box::new(|ctx: &mut Ctx| {
                let mut j = JournalScreen::default();
                j.load("journal.jsonl".into(), ctx);
                Box::new(j)
            }),
        ),
    ]
}

/// An action a screen takes is bound to a key in the context it is in at the time (or in
/// the global table, outside forms). The journal's reload was handled and bound nowhere.
#[test]
fn every_action_a_screen_handles_has_a_key_there() {
    let map = Keymap::default();
    let mut missing = Vec::new();
    for (name, make) in screens() {
        for action in every_action() {
            let mut ctx = ctx();
            let mut screen = make(&mut ctx);
            let context = screen.context();
            if screen.on_action(action, &mut ctx) {
                let bound = map.all(context, false).iter().any(|b| b.action == action);
                if !bound {
                    missing.push(format!("{name} ({}): {}", context.name(), action.name()));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "handled but bound nowhere:\n{}",
        missing.join("\n")
    );
}

/// The same for each dialog step: what it answers has a key in the step's context.
#[test]
fn every_action_a_dialog_step_answers_has_a_key_there() {
    let map = Keymap::default();
    type MakeStep = fn() -> Step;
    let steps: Vec<(&str, MakeStep)> = vec![
        ("choose", || {
            Dialog::choose(
                "Which?",
                vec![Choice::new('a', "A", 1), Choice::new('b', "B", 2)],
            )
        }),
        ("form", || {
            Dialog::form("Fill", vec![Field::new("one"), Field::new("two")])
        }),
        ("confirm", || Step::Confirm {
            lines: vec!["Sure?".into()],
            typed: None,
        }),
        ("working", || Step::Working("Working".into())),
        ("result", || Step::Done {
            lines: Vec::new(),
            copy: Some("https://example.com".into()),
        }),
    ];
    let mut missing = Vec::new();
    for (name, step) in steps {
        for action in every_action() {
            let mut d = Dialog::new("Test", step());
            let context = d.context();
            let before = format!("{:?}", (d.form_values(), selected(&d)));
            let event = d.on_key(
                KeyEvent::new(KeyCode::Null, KeyModifiers::NONE),
                Some(action),
            );
            let after = format!("{:?}", (d.form_values(), selected(&d)));
            let handled = event != DialogEvent::None || before != after;
            if handled && !map.all(context, false).iter().any(|b| b.action == action) {
                missing.push(format!("{name} ({}): {}", context.name(), action.name()));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "answered but bound nowhere:\n{}",
        missing.join("\n")
    );
}

fn selected(d: &Dialog) -> Option<usize> {
    match &d.step {
        Step::Choose { selected, .. } => Some(*selected),
        Step::Form { focus, .. } => Some(*focus),
        _ => None,
    }
}

fn parse(text: &str) -> Result<ConfigFile, ConfigError> {
    ConfigFile::parse(text, Path::new("/etc/gotrue-console/config.toml"))
}

#[test]
fn a_keys_table_rebinds_and_bad_bindings_name_their_line() {
    let file = parse(
        "[keys.users]\nopen = \"o\"\ncopy_email = []\n\n[keys.global]\nquit = [\"q\", \"ctrl-q\"]\n",
    )
    .expect("a good keys table");
    let map = file.keymap().expect("a keymap");
    let o = KeyEvent::new(KeyCode::Char('o'), KeyModifiers::NONE);
    assert_eq!(map.lookup(Context::Users, &o, false), Some(Action::Open));
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    assert_eq!(
        map.lookup(Context::Users, &enter, false),
        None,
        "open is o alone"
    );
    let cq = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::CONTROL);
    assert_eq!(map.lookup(Context::Outbox, &cq, false), Some(Action::Quit));

    for (text, line, says) in [
        (
            "[keys.users]\nfly = \"f\"\n",
            2,
            "`fly` is not an action of keys.users",
        ),
        (
            "\n[keys.usres]\nopen = \"o\"\n",
            3,
            "`keys.usres` is not a context",
        ),
        (
            "[keys.users]\nopen = \"hyper-o\"\n",
            2,
            "`hyper-o` is not a key",
        ),
        (
            "[keys.users]\n# d diagnoses already\nopen = \"d\"\n",
            3,
            "`d` would do two things in keys.users",
        ),
    ] {
        let err = parse(text).expect_err(text);
        let msg = err.to_string();
        assert!(
            matches!(err, ConfigError::Keys { line: l, .. } if l == line),
            "{text:?}: {msg}"
        );
        assert!(msg.contains(says), "{text:?}: {msg}");
        assert!(msg.contains(&format!("line {line}")), "{msg}");
    }
    // A key that is not a string or a list is TOML's own error, with its line.
    let err = parse("[keys.users]\nopen = 3\n").expect_err("a number");
    assert!(err.to_string().contains("line 2"), "{err}");
}

fn screen_text(app: &App) -> String {
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).expect("a terminal");
    terminal.draw(|f| app.draw(f)).expect("a frame");
    common::buffer_text(terminal.backend().buffer())
}

/// A rebinding works, and the footer, `?` and the tab numbers say so.
#[test]
fn rebound_keys_work_and_show_in_the_footer_help_and_tabs() {
    let file = parse(
        "[keys.users]\nfilter = \"ctrl-f\"\n\n[keys.global]\nhelp = \"f1\"\ngo_session = \"s\"\n\
         [keys.users.sort]\n",
    );
    // `[keys.users.sort]` is a table where a key belongs: TOML's shape error.
    assert!(file.is_err());
    let file = parse(
        "[keys.users]\nfilter = \"ctrl-f\"\nsort = \"o\"\n\n[keys.global]\nhelp = \"f1\"\ngo_session = \"z\"\n",
    )
    .expect("keys");
    let cfg = AppConfig {
        prefs: gotrue_console::console::app::Prefs {
            keys: Arc::new(file.keymap().expect("a keymap")),
            ..Default::default()
        },
        server: "127.0.0.1:9998".into(),
        has_service_key: true,
        ..AppConfig::default()
    };
    let mut app = App::new(cfg, now(), (100, 30));
    app.start();
    let text = screen_text(&app);
    let footer = text.lines().nth(28).unwrap_or_default();
    assert!(footer.contains("Ctrl-f filter the list"), "{footer}");
    assert!(footer.contains("o sort by"), "{footer}");
    assert!(footer.contains("F1 help"), "{footer}");
    let tabs = text.lines().nth(1).unwrap_or_default();
    assert!(tabs.contains(" z Session "), "{tabs}");

    // `/` no longer filters; Ctrl-f does.
    app.update(Msg::Input(Input::key(KeyCode::Char('/'))));
    assert_eq!(app.context(), Context::Users);
    app.update(Msg::Input(Input::Key(KeyEvent::new(
        KeyCode::Char('f'),
        KeyModifiers::CONTROL,
    ))));
    assert_eq!(
        app.context(),
        Context::Form,
        "the filter field has the focus"
    );
    app.update(Msg::Input(Input::key(KeyCode::Esc)));

    // `?` is F1 now, and lists the new keys.
    app.update(Msg::Input(Input::key(KeyCode::Char('?'))));
    assert!(!app.overlay_open());
    app.update(Msg::Input(Input::key(KeyCode::F(1))));
    assert!(app.overlay_open());
    let help = screen_text(&app);
    assert!(help.contains("Ctrl-f"), "{help}");
    assert!(help.contains("filter the list"), "{help}");
    app.update(Msg::Input(Input::key(KeyCode::Esc)));

    // z goes to the Session tab.
    app.update(Msg::Input(Input::key(KeyCode::Char('z'))));
    assert_eq!(app.tab(), gotrue_console::console::app::Tab::Session);
}

/// Quit can be moved off `q`; Ctrl-c always quits.
#[test]
fn quit_follows_the_keymap_and_ctrl_c_always_quits() {
    let file = parse("[keys.global]\nquit = \"ctrl-q\"\n").expect("keys");
    let cfg = AppConfig {
        prefs: gotrue_console::console::app::Prefs {
            keys: Arc::new(file.keymap().expect("a keymap")),
            ..Default::default()
        },
        server: "127.0.0.1:9998".into(),
        has_service_key: true,
        ..AppConfig::default()
    };
    let mut app = App::new(cfg.clone(), now(), (100, 30));
    let out = app.update(Msg::Input(Input::key(KeyCode::Char('q'))));
    assert!(!out.contains(&Command::Quit) && !app.should_quit());
    let out = app.update(Msg::Input(Input::Key(KeyEvent::new(
        KeyCode::Char('q'),
        KeyModifiers::CONTROL,
    ))));
    assert!(out.contains(&Command::Quit));
    let mut app = App::new(cfg, now(), (100, 30));
    let out = app.update(Msg::Input(Input::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    ))));
    assert!(out.contains(&Command::Quit));
}

/// `gotrue-console keys` prints every context with the config's bindings, and refuses a
/// bad one with its line.
#[test]
fn the_keys_command_prints_the_map_in_force() {
    let dir = std::env::temp_dir().join(format!("gtc-keys-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("config.toml");
    std::fs::write(&path, "[keys.users]\nopen = [\"o\", \"enter\"]\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gotrue-console"))
        .arg("--config")
        .arg(&path)
        .arg("keys")
        .env_remove("GOTRUE_CONSOLE_PROFILE")
        .output()
        .expect("gotrue-console keys");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for &ctx in Context::ALL {
        assert!(text.contains(&format!("[keys.{}]", ctx.name())), "{text}");
    }
    let users = &text[text.find("[keys.users]").unwrap()..];
    let users = &users[..users.find("\n\n").unwrap()];
    assert!(
        users
            .lines()
            .any(|l| l.contains("o, enter") && l.contains("open ") && l.contains("open the user")),
        "{users}"
    );

    std::fs::write(&path, "[keys.users]\n\nopen = \"nope-key\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gotrue-console"))
        .arg("--config")
        .arg(&path)
        .arg("keys")
        .output()
        .expect("gotrue-console keys");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("line 3") && err.contains("`nope-key` is not a key"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_config_file_names_a_theme_and_a_wrong_one_names_its_line() {
    use gotrue_console::console::widgets::theme::Theme;
    let file = parse("theme = \"light\"\n").expect("a theme");
    assert_eq!(file.theme, Some(Theme::Light));
    let err = parse("\ntheme = \"purple\"\n").expect_err("no such theme");
    assert!(err.to_string().contains("line 2"), "{err}");
}

/// `mouse = true` turns the mouse on; `--mouse` and `--no-mouse` win over the file; off
/// when neither says.
#[test]
fn the_mouse_is_off_unless_the_file_or_a_flag_turns_it_on() {
    use gotrue_console::config::{PrefFlags, prefs};
    let dir = std::env::temp_dir().join(format!("gc-mouse-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let on = dir.join("on.toml");
    std::fs::write(&on, "mouse = true\n").unwrap();
    let flag = |mouse| PrefFlags {
        mouse,
        ..PrefFlags::default()
    };
    let mouse = |path: Option<&Path>, mouse| prefs(path, &flag(mouse), None).unwrap().mouse;
    assert!(!mouse(None, None), "off by default");
    assert!(!mouse(Some(&dir.join("missing.toml")), None));
    assert!(mouse(Some(&on), None));
    assert!(!mouse(Some(&on), Some(false)), "--no-mouse");
    assert!(mouse(None, Some(true)), "--mouse");
    let err = parse("\nmouse = \"yes\"\n").expect_err("a boolean");
    assert!(err.to_string().contains("line 2"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}
