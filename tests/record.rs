//! The recorder: drives a fixed script of exchanges against a real GoTrue and writes what it
//! answered to `tests/fixtures/gotrue/<version>/`, which `tests/replay.rs` plays against the
//! demo server in every `cargo test`. Run it by hand, on a fresh GoTrue:
//!
//! ```sh
//! GOTRUE_BIN=… GOTRUE_MIGRATIONS=… tests/real-gotrue.sh \
//!     cargo test --test record -- --ignored --test-threads 1
//! ```
//!
//! The script needs the settings `tests/real-gotrue.sh` gives GoTrue (auto-confirm, the test
//! phone number and its code, a 1 s send frequency, refresh-token reuse interval 0) and an
//! empty user table, so that counts, pages and links come out the same on every run.
//!
//! With `GOTRUE_JWT_KEYS` set (an ES256 private JWK with `key_ops: ["sign","verify"]`), it
//! records the `asymmetric` script alone, to `asymmetric.json`; with
//! `GOTRUE_EXPERIMENTAL_CURSOR_PAGINATION_ENABLED=true`, the `keyset` script, to
//! `keyset.json`.

mod common;

use common::exchange::{Exchange, Recording, Runner, Step, fixtures_root};
use common::script;
use serde_json::Value;

#[tokio::test]
#[ignore = "needs a real GoTrue: GOTRUE_URL and GOTRUE_JWT_SECRET (tests/real-gotrue.sh)"]
async fn record_every_script() {
    let url = std::env::var("GOTRUE_URL").expect("GOTRUE_URL (run under tests/real-gotrue.sh)");
    let secret = std::env::var("GOTRUE_JWT_SECRET").expect("GOTRUE_JWT_SECRET");
    let anon = common::mint(&secret, serde_json::json!({"role": "anon"}));
    let service = common::mint(&secret, serde_json::json!({"role": "service_role"}));

    let health: Value = reqwest::get(format!("{url}/health"))
        .await
        .expect("GoTrue answers /health")
        .json()
        .await
        .expect("/health is JSON");
    let version = health["version"]
        .as_str()
        .expect("/health names a version")
        .to_owned();
    let line = health.to_string();

    let dir = fixtures_root().join(&version);
    std::fs::create_dir_all(&dir).expect("the fixtures folder");
    // A GoTrue that signs with an asymmetric key, or pages by cursor, records only that
    // script.
    let scripts = if std::env::var("GOTRUE_JWT_KEYS").is_ok_and(|k| !k.is_empty()) {
        vec![("asymmetric", script::asymmetric())]
    } else if std::env::var("GOTRUE_EXPERIMENTAL_CURSOR_PAGINATION_ENABLED")
        .is_ok_and(|v| v == "true")
    {
        vec![("keyset", script::keyset())]
    } else if std::env::var("GOTRUE_OAUTH_SERVER_ENABLED").is_ok_and(|v| v == "true") {
        vec![("surfaces", script::surfaces())]
    } else if std::env::var("GOTRUE_CUSTOM_OAUTH_ENABLED").is_ok_and(|v| v == "false") {
        vec![("surfaces_off", script::surfaces_off())]
    } else {
        script::all()
    };
    for (name, steps) in scripts {
        empty_the_database();
        if name.starts_with("surfaces") {
            empty_the_surfaces();
        }
        let mut runner = Runner::new(&url, &anon, &service);
        script::preset(&mut runner, &secret);
        let mut exchanges = Vec::new();
        for step in steps {
            let answer = runner
                .send(&step.request)
                .await
                .unwrap_or_else(|e| panic!("{}: {e}", step.name));
            if let Err(e) = runner.capture(&step.capture, &answer) {
                panic!(
                    "{}: {e}; GoTrue answered {} {}",
                    step.name,
                    answer.status,
                    String::from_utf8_lossy(&answer.bytes)
                );
            }
            let response = runner.normalize(&answer);
            let Step {
                name,
                request,
                capture,
            } = step;
            exchanges.push(Exchange {
                name,
                request,
                capture,
                response,
            });
        }
        let rec = Recording {
            script: name.to_owned(),
            gotrue: line.clone(),
            exchanges,
        };
        let mut text = serde_json::to_string_pretty(&rec).expect("a recording serialises");
        text.push('\n');
        let path = dir.join(format!("{name}.json"));
        std::fs::write(&path, text).expect("the recording is written");
        eprintln!(
            "recorded {} exchanges to {}",
            rec.exchanges.len(),
            path.display()
        );
    }
}

/// Each script starts on an empty GoTrue, as each replay starts on a fresh demo server.
fn empty_the_database() {
    let url = std::env::var("REAL_GOTRUE_DATABASE_URL")
        .expect("REAL_GOTRUE_DATABASE_URL (tests/real-gotrue.sh), to empty the users table");
    let out = std::process::Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", &url, "-c"])
        .arg("TRUNCATE auth.users, auth.audit_log_entries, auth.flow_state CASCADE")
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "emptying the database failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The tables of v2.196.0's newer admin surfaces (older versions lack some).
fn empty_the_surfaces() {
    let url = std::env::var("REAL_GOTRUE_DATABASE_URL").expect("REAL_GOTRUE_DATABASE_URL");
    let out = std::process::Command::new("psql")
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", &url, "-c"])
        .arg("TRUNCATE auth.sso_providers, auth.oauth_clients, auth.custom_oauth_providers CASCADE")
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "emptying the surfaces failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}
