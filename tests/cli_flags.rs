//! Every console flag, with every subcommand, before it and after it: each either applies
//! or is refused with an error naming it. None is silently dropped (`--mask serve-ssh` once
//! served every email in clear).

use gotrue_console::cli::{CONSOLE_FLAGS, Cli};
use gotrue_console::console::widgets::theme::Theme;

/// How each flag is written, with a value where it takes one.
fn written(flag: &str) -> Vec<&'static str> {
    match flag {
        "url" => vec!["--url", "http://127.0.0.1:1"],
        "project_ref" => vec!["--project-ref", "abcdefghijklmnopqrst"],
        "supabase_local" => vec!["--supabase-local"],
        "mailpit" => vec!["--mailpit", "http://127.0.0.1:2"],
        "profile" => vec!["--profile", "staging"],
        "read_only" => vec!["--read-only"],
        "mask" => vec!["--mask"],
        "theme" => vec!["--theme", "mono"],
        "mouse" => vec!["--mouse"],
        "no_mouse" => vec!["--no-mouse"],
        "config" => vec!["--config", "/nonexistent/config.toml"],
        "demo" => vec!["--demo"],
        "demo_users" => vec!["--demo", "--demo-users", "5"],
        "insecure" => vec!["--insecure"],
        "timeout" => vec!["--timeout", "5s"],
        "db_url" => vec!["--db-url", "postgres://u:p@127.0.0.1:1/postgres"],
        other => panic!("{other}: a console flag this test does not know; add it"),
    }
}

const CONSOLE: [&str; 15] = [
    "url",
    "project_ref",
    "supabase_local",
    "mailpit",
    "profile",
    "read_only",
    "mask",
    "theme",
    "mouse",
    "no_mouse",
    "config",
    "demo",
    "demo_users",
    "insecure",
    "timeout",
];

/// The subcommands, with what they need besides, and the console flags each acts on.
/// Written out here, not read from the code: this is what a user may rely on.
const SUBCOMMANDS: [(&[&str], &[&str]); 8] = [
    // The console reads the database; over SSH it does not (the host's credentials).
    (
        &[],
        &[
            "url",
            "project_ref",
            "supabase_local",
            "mailpit",
            "profile",
            "read_only",
            "mask",
            "theme",
            "mouse",
            "no_mouse",
            "config",
            "demo",
            "demo_users",
            "insecure",
            "timeout",
            "db_url",
        ],
    ),
    (&["serve-ssh", "--authorized-keys", "keys"], &CONSOLE),
    (
        &["doctor"],
        &[
            "url",
            "project_ref",
            "supabase_local",
            "mailpit",
            "profile",
            "read_only",
            "config",
            "insecure",
            "timeout",
            "db_url",
        ],
    ),
    (
        &["users", "export"],
        &[
            "url",
            "project_ref",
            "supabase_local",
            "profile",
            "read_only",
            "config",
            "insecure",
            "timeout",
            "db_url",
        ],
    ),
    (&["keys"], &["config"]),
    (&["completions", "bash"], &[]),
    (&["man"], &[]),
    (&["demo-server"], &[]),
];

#[test]
fn every_console_flag_applies_or_is_refused_with_every_subcommand() {
    for (sub, takes) in SUBCOMMANDS {
        for flag in CONSOLE_FLAGS {
            let expected = takes == ["*"] || takes.contains(&flag);
            // Before the subcommand, and after it (where clap accepts it at all there).
            let before: Vec<&str> = std::iter::once("gotrue-console")
                .chain(written(flag))
                .chain(sub.iter().copied())
                .collect();
            let after: Vec<&str> = std::iter::once("gotrue-console")
                .chain(sub.iter().copied())
                .chain(written(flag))
                .collect();
            for args in [before, after] {
                match Cli::try_parse_checked_from(&args) {
                    Ok(_) => assert!(expected, "{args:?}: accepted, yet it does nothing there"),
                    Err(e) if expected => panic!("{args:?}: refused, yet it applies: {e}"),
                    Err(e) => {
                        let text = e.to_string();
                        let name = format!("--{}", flag.replace('_', "-"));
                        let named = text.contains(&name)
                            || (flag == "demo_users" && text.contains("--demo"));
                        assert!(
                            named || text.contains("unexpected argument"),
                            "{args:?}: refused without naming the flag: {text}"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn a_refusal_says_which_flag_and_which_subcommand() {
    let e = Cli::try_parse_checked_from(["gotrue-console", "--theme", "mono", "users", "export"])
        .expect_err("--theme does nothing for an export");
    assert!(
        e.to_string()
            .contains("--theme does nothing for `users export`"),
        "{e}"
    );
    let e = Cli::try_parse_checked_from(["gotrue-console", "--mask", "doctor"])
        .expect_err("--mask does nothing for doctor");
    assert!(
        e.to_string().contains("--mask does nothing for `doctor`"),
        "{e}"
    );
}

fn serve(args: &[&str]) -> Result<gotrue_console::term::ssh::ServeConfig, String> {
    let dir = std::env::temp_dir().join(format!("gc-flags-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let journal = dir.join("journal.jsonl");
    let host_key = dir.join("host_key");
    let config = dir.join("config.toml");
    let mut all = vec!["gotrue-console", "--config", config.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend_from_slice(&[
        "--authorized-keys",
        "keys",
        "--journal",
        journal.to_str().unwrap(),
        "--host-key",
        host_key.to_str().unwrap(),
    ]);
    let cli = Cli::try_parse_checked_from(&all).map_err(|e| e.to_string())?;
    let Some(gotrue_console::cli::Cmd::ServeSsh(ssh)) = cli.command else {
        panic!("serve-ssh");
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let out = runtime.block_on(gotrue_console::term::ssh::serve_config(&cli.console, &ssh));
    let _ = std::fs::remove_dir_all(&dir);
    out
}

/// What `serve-ssh` takes from the console flags, wherever they stand.
#[test]
fn serve_ssh_takes_the_console_flags_before_and_after_it() {
    for args in [
        &[
            "--mask",
            "--read-only",
            "--theme",
            "mono",
            "--mouse",
            "serve-ssh",
            "--demo",
        ][..],
        &[
            "serve-ssh",
            "--mask",
            "--read-only",
            "--theme",
            "mono",
            "--mouse",
            "--demo",
        ][..],
        &[
            "--demo",
            "--demo-users",
            "3",
            "--mask",
            "serve-ssh",
            "--read-only",
            "--theme",
            "mono",
            "--mouse",
        ][..],
    ] {
        let cfg = serve(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
        assert!(cfg.mask, "{args:?}: masked");
        assert!(cfg.read_only, "{args:?}: read-only");
        assert_eq!(cfg.prefs.theme, Theme::Mono, "{args:?}");
        assert!(cfg.prefs.mouse, "{args:?}: the mouse");
    }
    let cfg = serve(&["--demo", "--demo-users", "7", "serve-ssh"]).expect("a demo");
    assert!(
        matches!(
            cfg.target,
            gotrue_console::term::ssh::Target::Demo { extra_users: 7, .. }
        ),
        "{:?}",
        cfg.target
    );
    // A server flag with demo data is an error, not ignored.
    for flag in [
        &["--mailpit", "http://127.0.0.1:2"][..],
        &["--insecure"][..],
    ] {
        let mut args = flag.to_vec();
        args.extend(["serve-ssh", "--demo"]);
        let e = serve(&args).expect_err("refused");
        assert!(e.contains(flag[0]), "{e}");
    }
}
