//! How the demo server and the client scale: seeding 100,000 users, streaming all of them
//! with `per_page` 1000, and the process's peak memory. Run with
//! `cargo bench --bench demo_scale` (a release build); prints one line per figure.

use futures::StreamExt;
use gotrue_console::demo::{DemoConfig, DemoServer};
use gotrue_console::gotrue::{AllUsers, BaseUrl, ClientConfig, GoTrueClient};
use std::collections::HashSet;
use std::time::Instant;

const USERS: usize = 100_000;
const RUNS: usize = 3;

/// Peak resident memory of this process (VmHWM), in MiB.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

#[tokio::main]
async fn main() {
    let mut seed_ms = Vec::new();
    let mut stream_ms = Vec::new();
    let mut seen_total = 0;
    for _ in 0..RUNS {
        let started = Instant::now();
        let demo = DemoServer::start(DemoConfig {
            extra_users: USERS,
            ..DemoConfig::default()
        })
        .await
        .expect("demo server");
        seed_ms.push(started.elapsed().as_secs_f64() * 1000.0);

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
    assert!(seen_total >= USERS, "streamed {seen_total} distinct users");
    println!("demo_scale: {USERS} synthetic users (+ seed), median of {RUNS} runs");
    println!("seed {USERS} users:           {:>8.0} ms", median(seed_ms));
    println!(
        "stream all {seen_total} users:     {:>8.0} ms  (per_page 1000, 4 pages at a time)",
        median(stream_ms)
    );
    if let Some(mib) = peak_rss_mib() {
        println!("peak memory (server + client): {mib:>6.0} MiB");
    }
}
