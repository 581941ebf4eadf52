//! Mailpit as the Outbox, against a real Mailpit on loopback: the demo server relays its
//! mails there (`--smtp`), the client reads them back through Mailpit's REST API with their
//! links and codes, and the console finishes a magic-link sign-in from the Outbox tab.
//!
//! Needs the `mailpit` binary (`go install github.com/axllent/mailpit@v1.33.1`): `MAILPIT_BIN`,
//! else `mailpit` on PATH or in ~/go/bin. `.ci/run` installs it; in CI its absence fails.

mod common;

use common::harness::Harness;
use gotrue_console::console::app::AppConfig;
use gotrue_console::demo::{DemoConfig, DemoServer};
use gotrue_console::gotrue::{GoTrueClient, OutboxMessage};
use gotrue_console::mailpit::MailpitClient;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn mailpit_bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("MAILPIT_BIN") {
        return Some(PathBuf::from(p));
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("mailpit"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        let home = std::env::var_os("HOME")?;
        Some(PathBuf::from(home).join("go/bin/mailpit")).filter(|p| p.is_file())
    })
}

struct Mailpit {
    child: Child,
    http: String,
    smtp: String,
    dir: PathBuf,
}

impl Drop for Mailpit {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// A fresh Mailpit on loopback, or `None` (and a note) where none is installed outside CI.
async fn mailpit() -> Option<Mailpit> {
    let Some(bin) = mailpit_bin() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "Mailpit is not installed: .ci/run installs it (go install github.com/axllent/mailpit@v1.33.1)"
        );
        eprintln!(
            "SKIPPED: no mailpit binary (set MAILPIT_BIN, or go install github.com/axllent/mailpit@v1.33.1)"
        );
        return None;
    };
    let dir = std::env::temp_dir().join(format!(
        "gc-mailpit-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let (smtp, http) = (
        format!("127.0.0.1:{}", free_port()),
        format!("127.0.0.1:{}", free_port()),
    );
    let child = Command::new(bin)
        .args([
            "--smtp",
            &smtp,
            "--listen",
            &http,
            "--disable-version-check",
        ])
        .arg("--database")
        .arg(dir.join("mailpit.db"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mailpit starts");
    let m = Mailpit {
        child,
        http: format!("http://{http}"),
        smtp,
        dir,
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let up = reqwest::get(format!("{}/api/v1/info", m.http))
            .await
            .is_ok_and(|r| r.status().is_success());
        if up {
            return Some(m);
        }
        assert!(Instant::now() < deadline, "Mailpit did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Reads Mailpit until a message to `to` is there.
async fn until_mail(m: &MailpitClient, to: &str) -> OutboxMessage {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(msg) = m
            .messages()
            .await
            .expect("Mailpit answers")
            .into_iter()
            .find(|x| x.to == to)
        {
            return msg;
        }
        assert!(Instant::now() < deadline, "no mail to {to} reached Mailpit");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A Mailpit, a demo server relaying to it, and two mails sent: a magic link to Ada and a
/// recovery mail to Grace. `None` where no Mailpit is installed outside CI.
async fn two_mails_sent() -> Option<(Mailpit, DemoServer, GoTrueClient, MailpitClient)> {
    let mp = mailpit().await?;
    let d = DemoServer::start(DemoConfig {
        smtp: Some(mp.smtp.clone()),
        ..DemoConfig::default()
    })
    .await
    .expect("demo");
    let c = common::demo_client(&d);
    c.send_magic_link("ada@example.com", None)
        .await
        .expect("a magic link");
    c.reset_password_for_email("grace@example.com", None)
        .await
        .expect("a recovery mail");
    let reader = MailpitClient::new(&mp.http).expect("a Mailpit client");
    Some((mp, d, c, reader))
}

#[tokio::test]
async fn the_demo_servers_mails_reach_mailpit_with_their_links_and_codes() {
    let Some((_mailpit, d, _, reader)) = two_mails_sent().await else {
        return;
    };
    let magic = until_mail(&reader, "ada@example.com").await;
    let sent = d.outbox();
    let original = sent
        .iter()
        .find(|m| m.to == "ada@example.com")
        .expect("in the demo's own outbox too");
    assert_eq!(magic.kind, "magiclink");
    assert_eq!(magic.subject, original.subject);
    assert_eq!(magic.link, original.link, "the link is read back whole");
    assert_eq!(magic.otp, original.otp, "the code is read back");
    let recovery = until_mail(&reader, "grace@example.com").await;
    assert_eq!(recovery.kind, "recovery");
}

#[tokio::test]
async fn the_console_finishes_a_magic_link_from_mailpit() {
    let Some((mp, d, c, reader)) = two_mails_sent().await else {
        return;
    };
    until_mail(&reader, "ada@example.com").await;
    until_mail(&reader, "grace@example.com").await;

    // Not the demo: the Outbox can only be Mailpit's.
    let cfg = AppConfig {
        prefs: Default::default(),
        server: d.url().to_owned(),
        has_service_key: true,
        mailpit: Some(mp.http.clone()),
        ..AppConfig::default()
    };
    let mut h = Harness::with_app(120, 40, d, c, cfg, None).await;
    h.char('3');
    h.until("Mailpit's messages are listed", |app| {
        app.outbox().is_loaded() && !app.outbox().messages().is_empty()
    })
    .await;
    let screen = h.screen();
    assert!(screen.contains("Outbox · Mailpit · 2 messages"), "{screen}");
    // Only the selected user's mail, then everyone's again.
    h.char('1');
    common::harness::select(&mut h, "ada@example.com").await;
    h.char('3');
    h.char('u');
    assert_eq!(h.app().outbox().visible().len(), 1);
    let screen = h.screen();
    assert!(
        screen.contains("1 of 2 messages, only ada@example.com"),
        "{screen}"
    );
    assert!(!screen.contains("grace@example.com"), "{screen}");
    h.char('v');
    h.until("the link signed Ada in", |app| app.session().is_some())
        .await;
    let screen = h.screen();
    assert!(screen.contains("ada@example.com"), "{screen}");
    h.char('3');
    h.char('u');
    assert_eq!(h.app().outbox().visible().len(), 2);
}
