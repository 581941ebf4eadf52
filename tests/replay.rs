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
    let mut config = common::replay_demo_config();
    if rec.script == "asymmetric" {
        // Recorded from a GoTrue whose GOTRUE_JWT_KEYS held an ES256 signing key and the
        // HS256 secret for verification, as a Supabase project after its key rotation.
        config.jwt_alg = gotrue_console::demo::JwtAlg::Es256;
    }
    if rec.script == "surfaces_off" {
        // Recorded from a GoTrue with GOTRUE_OAUTH_SERVER_ENABLED=false and
        // GOTRUE_CUSTOM_OAUTH_ENABLED=false.
        config.oauth_server = false;
        config.custom_oauth = false;
    }
    if rec.script == "keyset" {
        // Recorded from a GoTrue with GOTRUE_EXPERIMENTAL_CURSOR_PAGINATION_ENABLED=true.
        config.cursor_pagination = true;
    }
    let demo = DemoServer::start(config)
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

#[tokio::test]
async fn asymmetric_signing_answers_like_gotrue() {
    check("asymmetric").await;
}

#[tokio::test]
async fn cursor_paging_answers_like_gotrue() {
    check("keyset").await;
}

#[tokio::test]
async fn admin_surfaces_answer_like_gotrue() {
    check("surfaces").await;
}

#[tokio::test]
async fn switched_off_surfaces_answer_like_gotrue() {
    check("surfaces_off").await;
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

/// Every call the client makes (src/gotrue/) has recorded exchanges: method and path, with
/// ids as `{id}`. A new client call needs a new exchange in tests/common/script.rs.
#[test]
fn every_client_call_is_recorded() {
    const CLIENT_CALLS: &[(&str, &str)] = &[
        ("GET", "/health"),
        ("GET", "/settings"),
        ("POST", "/signup"),
        ("POST", "/token?grant_type=password"),
        ("POST", "/token?grant_type=refresh_token"),
        ("POST", "/magiclink"),
        ("POST", "/otp"),
        ("POST", "/verify"),
        ("POST", "/resend"),
        ("POST", "/recover"),
        ("GET", "/user"),
        ("PUT", "/user"),
        ("POST", "/logout"),
        ("POST", "/factors"),
        ("POST", "/invite"),
        ("GET", "/admin/users"),
        ("POST", "/admin/users"),
        ("GET", "/admin/users/{id}"),
        ("PUT", "/admin/users/{id}"),
        ("DELETE", "/admin/users/{id}"),
        ("GET", "/admin/users/{id}/factors"),
        ("DELETE", "/admin/users/{id}/factors/{id}"),
        ("POST", "/admin/generate_link"),
        ("GET", "/admin/audit"),
        // DELETE /admin/users/{id}/passkeys/{id} succeeds only after a WebAuthn ceremony,
        // which no script can hold: tests/conformance_admin_surfaces.rs deletes one.
        ("GET", "/admin/users/{id}/passkeys"),
        ("GET", "/admin/sso/providers"),
        ("POST", "/admin/sso/providers"),
        ("GET", "/admin/sso/providers/{id}"),
        ("PUT", "/admin/sso/providers/{id}"),
        ("DELETE", "/admin/sso/providers/{id}"),
        ("GET", "/admin/oauth/clients"),
        ("POST", "/admin/oauth/clients"),
        ("GET", "/admin/oauth/clients/{id}"),
        ("PUT", "/admin/oauth/clients/{id}"),
        ("DELETE", "/admin/oauth/clients/{id}"),
        ("POST", "/admin/oauth/clients/{id}/regenerate_secret"),
        ("GET", "/admin/custom-providers"),
        ("POST", "/admin/custom-providers"),
        ("GET", "/admin/custom-providers/custom:acme"),
        ("PUT", "/admin/custom-providers/custom:acme"),
        ("DELETE", "/admin/custom-providers/custom:acme"),
    ];
    let recorded: std::collections::BTreeSet<(String, String)> = load_version(NEWEST)
        .iter()
        .flat_map(|r| r.exchanges.iter())
        .filter(|e| e.response.status < 400)
        .map(|e| (e.request.method.clone(), route_of(&e.request.path)))
        .collect();
    let missing: Vec<_> = CLIENT_CALLS
        .iter()
        .filter(|(m, p)| !recorded.contains(&((*m).to_owned(), (*p).to_owned())))
        .collect();
    assert!(
        missing.is_empty(),
        "no successful exchange recorded for {missing:?}"
    );
}

/// `/admin/users/${x_id}/factors?page=1` → `/admin/users/{id}/factors`; the grant type is
/// kept, as it names the call.
fn route_of(path: &str) -> String {
    let (route, query) = path.split_once('?').unwrap_or((path, ""));
    let route: Vec<String> = route
        .split('/')
        .map(|seg| {
            if seg.starts_with("${") || uuid::Uuid::parse_str(seg).is_ok() {
                "{id}".to_owned()
            } else {
                seg.to_owned()
            }
        })
        .collect();
    let route = route.join("/");
    match query.split('&').find(|q| q.starts_with("grant_type=")) {
        Some(grant) => format!("{route}?{grant}"),
        None => route,
    }
}

/// Each error of the errors script was recorded twice: with the API version header (the
/// modern shape) and without it (the legacy shape), and the two shapes differ as GoTrue's do.
#[test]
fn errors_are_recorded_in_both_shapes() {
    let recs = load_version(NEWEST);
    let errors = recs
        .iter()
        .find(|r| r.script == "errors")
        .expect("the errors recording");
    let by_name: std::collections::HashMap<&str, &common::exchange::Exchange> = errors
        .exchanges
        .iter()
        .map(|e| (e.name.as_str(), e))
        .collect();
    let mut pairs = 0;
    for e in errors.exchanges.iter().filter(|e| e.request.api_version) {
        if e.name.starts_with("setup:") {
            continue;
        }
        let legacy = by_name
            .get(format!("{} (no version header)", e.name).as_str())
            .unwrap_or_else(|| panic!("{} has no twin without the version header", e.name));
        assert!(!legacy.request.api_version);
        assert_eq!(e.response.status, legacy.response.status, "{}", e.name);
        let coded = e.response.headers.contains_key("x-sb-error-code");
        if coded && e.response.status < 500 {
            // Modern: {"code": "<error code>", "message"}; legacy: {"code": <status>, "error_code", "msg"}.
            assert!(e.response.body["code"].is_string(), "{}", e.name);
            assert!(e.response.body.get("message").is_some(), "{}", e.name);
            assert_eq!(
                legacy.response.body["code"].as_u64(),
                Some(u64::from(legacy.response.status)),
                "{}",
                legacy.name
            );
            assert!(legacy.response.body.get("msg").is_some(), "{}", legacy.name);
        }
        pairs += 1;
    }
    assert!(pairs >= 60, "only {pairs} errors recorded in both shapes");
}
