//! The console in-process with 100,000 users loaded from the demo server (100,300 with the
//! seeded personas): drawing the users screen at 200x60, the instant filter per keystroke,
//! keystroke-to-frame with 50 requests in flight, and the heap the `App` holds.
//! Part of `cargo bench` (a release build); prints one line per figure, with its target.

use futures::StreamExt;
use gotrue_console::console::app::{App, AppConfig, Msg};
use gotrue_console::console::input::Input;
use gotrue_console::console::screens::users::Load;
use gotrue_console::demo::{DemoConfig, DemoServer, FaultConfig};
use gotrue_console::gotrue::{BaseUrl, ClientConfig, GoTrueClient};
use gotrue_console::term::{Driver, Environment};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use std::alloc::System;
use std::time::{Duration, Instant};

const USERS: usize = 100_000;
const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;

/// The system allocator behind `cap`, which counts the bytes currently allocated, so the
/// bench can tell what the `App` holds (the live heap before and after dropping it). The
/// crate keeps the `unsafe` of a `GlobalAlloc` out of this project.
#[global_allocator]
static ALLOCATOR: cap::Cap<System> = cap::Cap::new(System, usize::MAX);

/// Median and 99th percentile, in microseconds.
struct Spread {
    median: f64,
    p99: f64,
    max: f64,
    n: usize,
}

fn spread(mut samples: Vec<Duration>) -> Spread {
    samples.sort();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let at = |q: f64| us(samples[((samples.len() - 1) as f64 * q).round() as usize]);
    Spread {
        median: at(0.5),
        p99: at(0.99),
        max: us(samples[samples.len() - 1]),
        n: samples.len(),
    }
}

fn report(what: &str, target: &str, s: &Spread) {
    println!(
        "{what:<44} target {target:<9} median {:>8.1} µs  p99 {:>8.1} µs  max {:>8.1} µs  (n={})",
        s.median, s.p99, s.max, s.n
    );
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

fn key(driver: &mut Driver, code: KeyCode) {
    driver.handle(Msg::Input(Input::key(code)));
}

/// A console like `--demo` runs it, with every user loaded.
async fn loaded_driver(demo: &DemoServer) -> Driver {
    let client = GoTrueClient::new(
        ClientConfig::new(BaseUrl::parse(demo.url()).expect("url"))
            .anon_key(demo.anon_key())
            .service_role_key(demo.service_role_key()),
    )
    .expect("client");
    let cfg = AppConfig {
        server: demo.url().to_owned(),
        profile: Some("demo".into()),
        demo: true,
        has_service_key: true,
        admin_key_kind: None,
        ..AppConfig::default()
    };
    let env = Environment {
        now: Box::new(now),
        clipboard: Box::new(|_: &str| {}),
        connect: None,
        editor: None,
        session_store: None,
    };
    let mut driver = Driver::new(App::new(cfg, now(), (WIDTH, HEIGHT)), client, env);
    driver.start();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let mut asked = false;
    loop {
        let app = driver.app();
        // A list this big opens as a window: `L` loads every user.
        if !asked && app.users().windowed().is_some() {
            key(&mut driver, KeyCode::Char('L'));
            asked = true;
            continue;
        }
        if matches!(app.users().load_state(), Load::Done)
            && app.users().windowed().is_none()
            && app.health().is_some()
            && app.settings().is_some()
            && app.outbox().is_loaded()
        {
            break;
        }
        assert!(
            tokio::time::timeout_at(deadline, driver.handle_next_outcome())
                .await
                .expect("the users load within 2 minutes"),
            "the worker stopped"
        );
    }
    // The tasks behind the last answers wind down; the activity entries of the last
    // requests follow them.
    while driver.in_flight() > 0 || driver.drain() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "requests still running"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert!(driver.app().users().total_loaded() > USERS);
    driver
}

fn terminal() -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(WIDTH, HEIGHT)).expect("a test terminal")
}

/// Drawing the users screen, moving the selection between frames (so each frame differs
/// from the last one, as when scrolling).
fn frame(driver: &mut Driver) {
    let mut term = terminal();
    let mut samples = Vec::new();
    for i in 0..3000 {
        key(
            driver,
            if (i / 500) % 2 == 0 {
                KeyCode::Char('j')
            } else {
                KeyCode::Char('k')
            },
        );
        let app = driver.app();
        let started = Instant::now();
        term.draw(|f| app.draw(f)).expect("draw");
        samples.push(started.elapsed());
    }
    // The first frames fill an empty buffer; count the steady state.
    samples.drain(..100);
    report(
        "frame: users screen, 100k users, 200x60",
        "< 1 ms",
        &spread(samples),
    );
}

/// The instant filter: words typed one character at a time, then erased. The first
/// character of each word searches every loaded user; the keys after it search the users
/// still in view, and erasing goes back to views already computed.
fn filter(driver: &mut Driver) {
    let mut first = Vec::new();
    let mut update = Vec::new();
    let mut with_frame = Vec::new();
    let mut term = terminal();
    key(driver, KeyCode::Char('/'));
    for _ in 0..20 {
        for word in ["ada@", "wanjiru.h", "example.net", "github", "zz", "e"] {
            let mut keys: Vec<KeyCode> = word.chars().map(KeyCode::Char).collect();
            keys.extend(std::iter::repeat_n(
                KeyCode::Backspace,
                word.chars().count(),
            ));
            for (i, code) in keys.into_iter().enumerate() {
                let started = Instant::now();
                key(driver, code);
                let took = started.elapsed();
                update.push(took);
                if i == 0 {
                    first.push(took);
                }
                let app = driver.app();
                term.draw(|f| app.draw(f)).expect("draw");
                with_frame.push(started.elapsed());
            }
        }
    }
    key(driver, KeyCode::Esc);
    report(
        "filter: first character, all 100k searched",
        "< 5 ms",
        &spread(first),
    );
    report(
        "filter: every keystroke (type, erase)",
        "< 5 ms",
        &spread(update),
    );
    report("filter: keystroke and its frame", "-", &spread(with_frame));
}

/// Keystroke to frame with 50 requests in flight: 50 users opened (and left) whose
/// `GET /admin/users/{id}` hang on the server, then keys go through the same steps as the
/// terminal loop (`next_message`, `handle`, `drain`, draw).
async fn latency_in_flight(driver: &mut Driver, demo: &DemoServer) {
    demo.set_faults(FaultConfig {
        hang_next: 50,
        path_prefix: Some("/admin/users/".into()),
        ..FaultConfig::default()
    });
    for _ in 0..50 {
        key(driver, KeyCode::Enter);
        key(driver, KeyCode::Esc);
        key(driver, KeyCode::Char('j'));
    }
    assert_eq!(driver.in_flight(), 50, "50 requests in flight");
    let faults = format!("{}/demo/faults", demo.url());
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now: FaultConfig = http
            .get(&faults)
            .bearer_auth(demo.service_role_key())
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .expect("GET /demo/faults")
            .json()
            .await
            .expect("faults as JSON");
        if now.hang_next == 0 {
            break; // all 50 reached the server and hang there
        }
        assert!(Instant::now() < deadline, "the 50 requests never arrived");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let (tx, mut inputs) = futures::channel::mpsc::unbounded::<Input>();
    let mut term = terminal();
    let mut samples = Vec::new();
    for i in 0..2000 {
        let code = if (i / 200) % 2 == 0 {
            KeyCode::Char('j')
        } else {
            KeyCode::Char('k')
        };
        let started = Instant::now();
        tx.unbounded_send(Input::key(code)).expect("send a key");
        let msg = driver.next_message(&mut inputs).await.expect("a message");
        driver.handle(msg);
        driver.drain();
        let app = driver.app();
        term.draw(|f| app.draw(f)).expect("draw");
        samples.push(started.elapsed());
    }
    assert_eq!(driver.in_flight(), 50, "still 50 requests in flight");
    samples.drain(..100);
    report(
        "keystroke to frame, 50 requests in flight",
        "-",
        &spread(samples),
    );
    drop(inputs.next());
    demo.set_faults(FaultConfig::default());
}

/// The heap the `App` holds with every user loaded: live bytes before and after dropping it.
async fn memory(demo: &DemoServer) {
    let driver = loaded_driver(demo).await;
    let app = driver.into_app();
    // Let the worker's finished tasks and the client's connections wind down.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let with_app = ALLOCATOR.allocated();
    let users = app.users().total_loaded();
    drop(app);
    let without = ALLOCATOR.allocated();
    let held = with_app.saturating_sub(without) as f64;
    println!(
        "{:<44} target {:<9} {:>8.1} MiB  ({:.0} bytes a user)",
        format!("memory: heap held by the App, {users} users"),
        "< 100 MB",
        held / (1024.0 * 1024.0),
        held / users as f64
    );
}

#[tokio::main]
async fn main() {
    let demo = DemoServer::start(DemoConfig {
        extra_users: USERS,
        ..DemoConfig::default()
    })
    .await
    .expect("demo server");
    println!("console: {USERS} synthetic users (+ seed), {WIDTH}x{HEIGHT}");

    memory(&demo).await;
    let mut driver = loaded_driver(&demo).await;
    frame(&mut driver);
    filter(&mut driver);
    latency_in_flight(&mut driver, &demo).await;
    drop(driver);
    demo.shutdown().await;
}
