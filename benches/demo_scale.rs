//! How the demo server and the client scale: starting a demo server of 1,000,000 synthetic
//! users (`BENCH_DEMO_USERS` for another number), its memory, single list requests (the
//! newest page, the oldest page, a filter that scans every user), and streaming all of them
//! with `per_page` 1000. Run with `cargo bench --bench demo_scale` (a release build); prints
//! one line per figure.

use futures::StreamExt;
use gotrue_console::demo::{DemoConfig, DemoServer};
use gotrue_console::gotrue::{AllUsers, BaseUrl, ClientConfig, GoTrueClient};
use std::collections::HashSet;
use std::time::Instant;

const RUNS: usize = 3;

/// This process's resident memory: `VmRSS` now, or `VmHWM` (the peak), in MiB.
fn rss_mib(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

/// Milliseconds one `GET /admin/users?{query}` takes, and the users it returned.
async fn list(http: &reqwest::Client, demo: &DemoServer, query: &str) -> (f64, usize) {
    let key = demo.service_role_key();
    let started = Instant::now();
    let body: serde_json::Value = http
        .get(format!("{}/admin/users?{query}", demo.url()))
        .bearer_auth(key)
        .header("apikey", key)
        .send()
        .await
        .expect("a list request")
        .json()
        .await
        .expect("a list body");
    let n = body["users"].as_array().map(Vec::len).unwrap_or(0);
    (started.elapsed().as_secs_f64() * 1000.0, n)
}

#[tokio::main]
async fn main() {
    let users: usize = std::env::var("BENCH_DEMO_USERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let http = reqwest::Client::new();
    let mut ready_ms = Vec::new();
    let mut ready_rss = Vec::new();
    let mut stream_ms = Vec::new();
    let (mut newest, mut oldest, mut scan) = (Vec::new(), Vec::new(), Vec::new());
    let mut seen_total = 0;
    for _ in 0..RUNS {
        let before = rss_mib("VmRSS:").unwrap_or(0.0);
        let started = Instant::now();
        let demo = DemoServer::start(DemoConfig {
            extra_users: users,
            ..DemoConfig::default()
        })
        .await
        .expect("demo server");
        ready_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        ready_rss.push(rss_mib("VmRSS:").unwrap_or(0.0) - before);

        newest.push(list(&http, &demo, "per_page=1000").await.0);
        let last_page = users / 1000 + 1;
        oldest.push(
            list(&http, &demo, &format!("per_page=1000&page={last_page}"))
                .await
                .0,
        );
        let (ms, hits) = list(&http, &demo, "per_page=50&filter=nobody-has-this").await;
        assert_eq!(hits, 0);
        scan.push(ms);

        let client = GoTrueClient::new(
            ClientConfig::new(BaseUrl::parse(demo.url()).expect("url"))
                .service_role_key(demo.service_role_key()),
        )
        .expect("client");
        let started = Instant::now();
        let mut stream = Box::pin(client.stream_all_users(AllUsers {
            per_page: 1000,
            ..AllUsers::default()
        }));
        let mut ids = HashSet::new();
        while let Some(batch) = stream.next().await {
            for u in batch.expect("a page").users {
                ids.insert(u.id);
            }
        }
        stream_ms.push(started.elapsed().as_secs_f64() * 1000.0);
        seen_total = ids.len();
        demo.shutdown().await;
    }
    assert!(seen_total >= users, "streamed {seen_total} distinct users");
    println!("demo_scale: {users} synthetic users (+ seed), median of {RUNS} runs");
    println!("start, {users} users ready:  {:>8.0} ms", median(ready_ms));
    println!(
        "memory the ready server adds: {:>6.0} MiB",
        median(ready_rss)
    );
    println!("newest page of 1000:          {:>8.1} ms", median(newest));
    println!("oldest page of 1000 (offset): {:>8.1} ms", median(oldest));
    println!("filter that matches no one:   {:>8.1} ms", median(scan));
    println!(
        "stream all {seen_total} users:    {:>8.0} ms  (per_page 1000, 4 pages at a time)",
        median(stream_ms)
    );
    if let Some(mib) = rss_mib("VmHWM:") {
        println!("peak memory (server + client): {mib:>6.0} MiB");
    }
}
