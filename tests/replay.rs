//! Plays every exchange recorded from a real GoTrue (`tests/fixtures/gotrue/<version>/`,
//! written by `tests/record.rs`) against a fresh demo server, and compares the status,
//! GoTrue's error code, the headers that matter and the JSON shape (keys present, types,
//! null versus absent, and every value that is not volatile or prose).
//!
//! A failure names the exchange and the field. [`KNOWN`] lists the differences that are
//! understood and kept, each with its reason; it should shrink, not grow.

mod common;

use common::exchange::{Difference, Recording, Runner, compare, fixtures_root, load_version};
use gotrue_console::demo::DemoServer;
use std::time::Duration;

/// The version the demo server follows.
const NEWEST: &str = "v2.196.0";

/// Understood differences: (recording, exchange name prefix, field prefix, why).
const KNOWN: &[(&str, &str, &str, &str)] = &[
    (
        "auth",
        "health",
        "body /version",
        "the demo server names itself: v2.196.0-demo, so no one takes it for a GoTrue",
    ),
    (
        "auth",
        "health",
        "body /description",
        "the description says it is the gotrue-console demo server",
    ),
];

fn known(script: &str, d: &Difference) -> bool {
    KNOWN.iter().any(|(s, ex, field, _)| {
        *s == script && d.exchange.starts_with(ex) && d.field.starts_with(field)
    })
}

/// Replays one recording on a fresh demo server; the differences not in [`KNOWN`].
async fn replay(rec: &Recording) -> Vec<Difference> {
    let demo = DemoServer::start(common::replay_demo_config())
        .await
        .expect("the demo server starts");
    demo.set_refresh_token_reuse_interval(Duration::ZERO);
    let mut runner = Runner::new(demo.url(), demo.anon_key(), demo.service_role_key());
    common::script::preset(&mut runner, demo.jwt_secret());
    let mut out = Vec::new();
    for ex in &rec.exchanges {
        let answer = match runner.send(&ex.request).await {
            Ok(a) => a,
            Err(e) => {
                out.push(Difference {
                    exchange: ex.name.clone(),
                    field: "request".into(),
                    recorded: format!("{}", ex.response.status),
                    replayed: e,
                });
                continue;
            }
        };
        let replayed = runner.normalize(&answer);
        out.extend(compare(&ex.name, &ex.response, &replayed));
        if let Err(e) = runner.capture(&ex.capture, &answer) {
            out.push(Difference {
                exchange: ex.name.clone(),
                field: "capture".into(),
                recorded: format!("{:?}", ex.capture),
                replayed: e,
            });
        }
    }
    out.retain(|d| !known(&rec.script, d));
    out
}

async fn check(script: &str) {
    let recs = load_version(NEWEST);
    let rec = recs
        .iter()
        .find(|r| r.script == script)
        .unwrap_or_else(|| panic!("no recording named {script} for {NEWEST}"));
    assert!(!rec.exchanges.is_empty(), "{script} has no exchanges");
    let diffs = replay(rec).await;
    assert!(
        diffs.is_empty(),
        "the demo server answers {} of {} exchanges of {script} unlike {}:\n{}",
        diffs
            .iter()
            .map(|d| &d.exchange)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        rec.exchanges.len(),
        rec.gotrue,
        diffs
            .iter()
            .map(|d| format!("  {d}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[tokio::test]
async fn auth_calls_answer_like_gotrue() {
    check("auth").await;
}

#[tokio::test]
async fn admin_calls_answer_like_gotrue() {
    check("admin").await;
}

#[tokio::test]
async fn errors_answer_like_gotrue() {
    check("errors").await;
}

#[tokio::test]
async fn bodies_gotrue_takes_are_taken() {
    check("leniency").await;
}

/// Every recording's folder is a version, and each names the GoTrue it came from.
#[test]
fn recordings_say_where_they_came_from() {
    let root = fixtures_root();
    let mut versions = 0;
    for entry in std::fs::read_dir(&root).expect("tests/fixtures/gotrue") {
        let dir = entry.expect("a folder entry").path();
        let version = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        for rec in load_version(&version) {
            assert!(
                rec.gotrue.contains(&format!("\"version\":\"{version}\"")),
                "{version}/{}: recorded from {}",
                rec.script,
                rec.gotrue
            );
        }
        versions += 1;
    }
    assert!(versions >= 1);
    assert!(
        KNOWN.iter().all(|k| !k.3.is_empty()),
        "every known difference says why"
    );
}
