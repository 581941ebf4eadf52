//! `gotrue-console users invite --csv FILE`: the real binary against the demo server running
//! in this process. The mail quota pauses a run, a second run without --resume is refused,
//! --resume --links-only finishes it with links and no mail, and Ctrl-C leaves a batch that
//! --resume completes with every address mailed once.

mod common;

use common::temp::{TempDir, binary_for};
use gotrue_console::demo::{DemoConfig, DemoServer, FaultConfig, OutboxKind};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

fn command(demo: &DemoServer, dir: &TempDir, args: &[&str]) -> tokio::process::Command {
    let mut cmd = binary_for(demo, dir, &["users", "invite"]);
    cmd.args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    cmd
}

async fn invite(demo: &DemoServer, dir: &TempDir, args: &[&str]) -> Output {
    let out = command(demo, dir, args)
        .output()
        .await
        .expect("the binary runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains(demo.service_role_key()),
        "the key was printed"
    );
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The results CSV: email → (status, link).
fn results(path: &Path) -> HashMap<String, (String, String)> {
    let mut reader = csv::Reader::from_path(path).expect("a results CSV");
    let header: Vec<String> = reader
        .headers()
        .expect("a header")
        .iter()
        .map(str::to_owned)
        .collect();
    let col = |name: &str| header.iter().position(|h| h == name).expect("a column");
    let (email, status, link) = (col("email"), col("status"), col("link"));
    reader
        .records()
        .map(|r| r.expect("a row"))
        .map(|r| {
            (
                r[email].to_owned(),
                (r[status].to_owned(), r[link].to_owned()),
            )
        })
        .collect()
}

/// Invitation mails per address.
fn mailed(demo: &DemoServer) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for m in demo.outbox() {
        if m.kind == OutboxKind::Invite {
            *out.entry(m.to).or_default() += 1;
        }
    }
    out
}

fn team_csv(dir: &TempDir, n: usize) -> PathBuf {
    let path = dir.path("team.csv");
    let mut text = String::from("email,team\n");
    for i in 0..n {
        text.push_str(&format!("p{i}@team.example.com,core\n"));
    }
    text.push_str("ada@example.com,x\nnot-an-address,x\n");
    std::fs::write(&path, text).expect("the list is written");
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mail_quota_pauses_and_links_only_finishes_without_mail() {
    let demo = DemoServer::start(DemoConfig {
        email_rate_limit: Some(5),
        ..DemoConfig::default()
    })
    .await
    .expect("the demo server starts");
    let dir = TempDir::new("gc-invite", "quota");
    let list = team_csv(&dir, 8);
    let list_arg = list.to_str().expect("a UTF-8 path");

    let out = invite(&demo, &dir, &["--csv", list_arg]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("paused: GoTrue's mail quota"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--resume"), "{}", stderr(&out));
    let first = results(&dir.path("team.results.csv"));
    let count = |r: &HashMap<String, (String, String)>, s: &str| {
        r.values().filter(|(status, _)| status == s).count()
    };
    assert_eq!(count(&first, "sent"), 5);
    assert_eq!(count(&first, "pending"), 3);
    assert_eq!(first["ada@example.com"].0, "already_exists");
    assert_eq!(first["not-an-address"].0, "invalid");

    // Starting over would send the five again: refused.
    let again = invite(&demo, &dir, &["--csv", list_arg]).await;
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("--resume goes on from it"),
        "{}",
        stderr(&again)
    );

    let done = invite(
        &demo,
        &dir,
        &["--csv", list_arg, "--resume", "--links-only"],
    )
    .await;
    assert!(done.status.success(), "{}", stderr(&done));
    assert!(stderr(&done).contains("3 as links"), "{}", stderr(&done));
    let last = results(&dir.path("team.results.csv"));
    assert_eq!(count(&last, "sent"), 5);
    assert_eq!(count(&last, "link"), 3);
    for (email, (status, link)) in &last {
        if status == "link" {
            assert!(link.contains("/verify?token="), "{email}: {link}");
        }
    }
    let mails = mailed(&demo);
    assert_eq!(mails.len(), 5, "links-only mailed nobody: {mails:?}");
    assert!(mails.values().all(|n| *n == 1), "{mails:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_leaves_a_batch_that_resume_finishes_mailing_each_once() {
    let demo = DemoServer::start(DemoConfig::default())
        .await
        .expect("the demo server starts");
    demo.set_faults(FaultConfig {
        latency_ms: 60,
        path_prefix: Some("/invite".into()),
        ..FaultConfig::default()
    });
    let dir = TempDir::new("gc-invite", "ctrl-c");
    let list = team_csv(&dir, 40);
    let list_arg = list.to_str().expect("a UTF-8 path");
    let state = dir.path("team.csv.invites.json");
    let child = command(&demo, &dir, &["--csv", list_arg, "--concurrency", "2"])
        .spawn()
        .expect("the binary starts");
    // Wait until some are sent, then Ctrl-C.
    let deadline = Instant::now() + Duration::from_secs(60);
    while mailed(&demo).len() < 5 {
        assert!(Instant::now() < deadline, "nothing was sent");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let pid = child.id().expect("a running invite").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .is_ok_and(|s| s.success());
    assert!(killed);
    let out = child.wait_with_output().await.expect("the run ends");
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(state.exists(), "the batch is kept");
    demo.set_faults(FaultConfig::default());

    let done = invite(&demo, &dir, &["--csv", list_arg, "--resume"]).await;
    assert!(done.status.success(), "{}", stderr(&done));
    let mails = mailed(&demo);
    assert_eq!(mails.len(), 40, "{mails:?}");
    assert!(
        mails.values().all(|n| *n == 1),
        "each address once: {mails:?}"
    );
}
