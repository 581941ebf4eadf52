//! Many users: 100k synthetic users load fast and page quickly. Debug builds
//! use fewer users so the suite stays quick; release builds use 100k
//! (`cargo test --release --test demo_scale`).

#[path = "demo_support.rs"]
mod support;

use std::time::{Duration, Instant};

use gotrue_console::demo::{DemoConfig, SYNTHETIC_PASSWORD};
use reqwest::StatusCode;
use support::{Demo, link_pages};

fn extra_users() -> usize {
    if cfg!(debug_assertions) {
        20_000
    } else {
        100_000
    }
}

#[tokio::test]
async fn many_users_load_and_page_quickly() {
    let n = extra_users();
    let started = Instant::now();
    let d = Demo::with(DemoConfig {
        extra_users: n,
        ..DemoConfig::default()
    })
    .await;
    let load = started.elapsed();
    eprintln!("{n} extra users ready in {load:?}");
    if !cfg!(debug_assertions) {
        assert!(load < Duration::from_secs(5), "100k users took {load:?}");
    }

    let first = d.list("?per_page=1000").await;
    let total: usize = first
        .header("x-total-count")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    assert!(total >= n + 300);

    // Walk every page by the Link header.
    let started = Instant::now();
    let mut page = 1;
    let mut seen = 0usize;
    let mut slowest = Duration::ZERO;
    loop {
        let t = Instant::now();
        let a = d.list(&format!("?page={page}&per_page=1000")).await;
        slowest = slowest.max(t.elapsed());
        assert_eq!(a.status, StatusCode::OK);
        seen += a.body["users"].as_array().map(Vec::len).unwrap_or(0);
        match link_pages(a.header("link").unwrap_or_default())
            .into_iter()
            .find(|(rel, _)| rel == "next")
        {
            Some((_, next)) => page = next,
            None => break,
        }
    }
    eprintln!(
        "paged {seen} users in {:?}, slowest page {slowest:?}",
        started.elapsed()
    );
    assert_eq!(seen, total);
    if !cfg!(debug_assertions) {
        assert!(
            slowest < Duration::from_millis(500),
            "slowest page {slowest:?}"
        );
    }

    // A filter scans them all and still answers.
    let filtered = d.list("?filter=.1234%40&per_page=10").await;
    assert_eq!(filtered.status, StatusCode::OK);
    assert!(filtered.header("x-total-count").is_some());

    // Synthetic users can sign in.
    let email = first.body["users"]
        .as_array()
        .and_then(|u| {
            u.iter().filter_map(|u| u["email"].as_str()).find(|e| {
                e.contains('.')
                    && e.split('@').next().is_some_and(|l| {
                        l.rsplit('.')
                            .next()
                            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
                    })
            })
        })
        .unwrap_or_default()
        .to_string();
    if !email.is_empty() {
        let a = Demo::send(
            d.req(reqwest::Method::POST, "/token?grant_type=password")
                .json(&serde_json::json!({"email": email, "password": SYNTHETIC_PASSWORD})),
        )
        .await;
        // Unconfirmed synthetic users answer email_not_confirmed; both prove the password.
        assert!(
            a.status == StatusCode::OK || a.body["error_code"] == "email_not_confirmed",
            "{}",
            a.text
        );
    }
}
