//! `gotrue-console doctor`: the real binary against demo servers, with and without the
//! gateway, with each kind of key, and against nothing at all.

mod common;

use gotrue_console::demo::{DemoConfig, DemoServer};
use std::process::Output;

async fn doctor(vars: &[(&str, &str)]) -> (Output, String) {
    let dir = std::env::temp_dir().join(format!(
        "gc-doctor-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_gotrue-console"));
    cmd.arg("doctor")
        .env("XDG_CONFIG_HOME", dir.join("config"))
        .env("XDG_STATE_HOME", dir.join("state"))
        .stdin(std::process::Stdio::null());
    for var in common::CONNECTION_VARS {
        cmd.env_remove(var);
    }
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = cmd.output().await.expect("the binary runs");
    let _ = std::fs::remove_dir_all(&dir);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for (k, v) in vars {
        if k.ends_with("_KEY") {
            assert!(!text.contains(v), "{k} was printed:\n{text}");
        }
    }
    (out, text)
}

fn line<'a>(text: &'a str, what: &str) -> &'a str {
    text.lines()
        .find(|l| l.chars().skip(2).collect::<String>().starts_with(what))
        .unwrap_or_else(|| panic!("no {what} line in:\n{text}"))
}

#[tokio::test]
async fn a_working_connection_passes_every_check() {
    let d = DemoServer::start(DemoConfig::default())
        .await
        .expect("demo");
    let (out, text) = doctor(&[
        ("GOTRUE_URL", d.url()),
        ("GOTRUE_SERVICE_ROLE_KEY", d.service_role_key()),
        ("GOTRUE_ANON_KEY", d.anon_key()),
    ])
    .await;
    assert!(out.status.success(), "{text}");
    assert!(line(&text, "url").contains("(env GOTRUE_URL)"), "{text}");
    assert!(line(&text, "admin key").contains("service_role JWT  (env GOTRUE_SERVICE_ROLE_KEY)"));
    assert!(line(&text, "public key").contains("anon JWT"));
    assert!(line(&text, "GoTrue").contains("v2.196.0-demo"));
    assert!(line(&text, "clock").starts_with('✓'), "{text}");
    assert!(line(&text, "TLS").contains("plain http on this machine"));
    assert!(
        line(&text, "settings").contains("providers: email"),
        "{text}"
    );
    assert!(
        line(&text, "admin call").contains("listing users works"),
        "{text}"
    );
    assert!(text.contains("The console can work with this connection."));
    // Where it reads its configuration and keeps its state.
    let config = line(&text, "config file");
    assert!(
        config.contains("/config/gotrue-console/config.toml (none there"),
        "{text}"
    );
    assert!(
        line(&text, "state").contains("/state/gotrue-console (the log"),
        "{text}"
    );
}

#[tokio::test]
async fn the_new_keys_through_the_gateway_pass() {
    let d = DemoServer::start(DemoConfig {
        gateway: true,
        ..DemoConfig::default()
    })
    .await
    .expect("demo");
    let (out, text) = doctor(&[
        ("SUPABASE_URL", d.api_url()),
        ("SUPABASE_SECRET_KEY", d.secret_key()),
        ("SUPABASE_PUBLISHABLE_KEY", d.publishable_key()),
    ])
    .await;
    assert!(out.status.success(), "{text}");
    assert!(line(&text, "admin key").contains("secret key  (env SUPABASE_SECRET_KEY)"));
    assert!(line(&text, "public key").contains("publishable key"));
    assert!(line(&text, "url").contains("/auth/v1"));

    // The API URL given as GoTrue's: it works, with a hint to say /auth/v1.
    let (out, text) = doctor(&[
        ("GOTRUE_URL", d.api_url()),
        ("SUPABASE_SECRET_KEY", d.secret_key()),
    ])
    .await;
    assert!(out.status.success(), "{text}");
    let gotrue = line(&text, "GoTrue");
    assert!(
        gotrue.starts_with('!') && gotrue.contains("under /auth/v1"),
        "{text}"
    );
    assert!(line(&text, "public key").starts_with('!'), "{text}");
}

#[tokio::test]
async fn a_secret_key_on_a_bare_gotrue_fails_with_a_hint() {
    let d = DemoServer::start(DemoConfig::default())
        .await
        .expect("demo");
    let (out, text) = doctor(&[
        ("GOTRUE_URL", d.url()),
        ("SUPABASE_SECRET_KEY", "sb_secret_0123456789abcdef"),
    ])
    .await;
    assert_eq!(out.status.code(), Some(1), "{text}");
    let admin = line(&text, "admin call");
    assert!(
        admin.starts_with('✗') && admin.contains("no_authorization"),
        "{text}"
    );
    assert!(
        text.contains("works only through Supabase's gateway"),
        "{text}"
    );

    // A publishable key as the admin key is caught before any request.
    let (out, text) = doctor(&[
        ("GOTRUE_URL", d.url()),
        ("GOTRUE_SERVICE_ROLE_KEY", "sb_publishable_0123456789abcdef"),
    ])
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(line(&text, "admin key").starts_with('✗'), "{text}");
}

#[tokio::test]
async fn nothing_listening_fails_with_a_hint() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let port = listener.local_addr().expect("an address").port();
    drop(listener);
    let url = format!("http://127.0.0.1:{port}");
    let (out, text) = doctor(&[("GOTRUE_URL", &url), ("GOTRUE_SERVICE_ROLE_KEY", "x.y.z")]).await;
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(line(&text, "GoTrue").starts_with('✗'), "{text}");
    assert!(text.contains("hint: check the URL"), "{text}");
    // No config at all: the config line says what is missing.
    let (out, text) = doctor(&[]).await;
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("✗ config") && text.contains("no GoTrue URL"),
        "{text}"
    );
}
