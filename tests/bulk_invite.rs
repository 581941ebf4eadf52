//! The bulk-invite engine against the demo server: a thousand rows under injected faults,
//! every row accounted for, every invite mailed exactly once, failed rows retried, a saved
//! batch resumed, cancellation, pacing, rate limits and a refused key.

mod common;

use chrono::{Duration as TimeDelta, Utc};
use gotrue_console::demo::{DemoConfig, DemoServer, FaultConfig, OutboxKind};
use gotrue_console::gotrue::{GoTrueClient, ListUsers, RequestLog, User};
use gotrue_console::ops::bulk::{
    InviteBatch, InviteEvent, InviteOptions, RowStatus, RunEnd, run_invites,
};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Every request the client made, as its observer saw it.
type Log = Arc<Mutex<Vec<RequestLog>>>;

async fn start() -> (DemoServer, GoTrueClient, Log) {
    start_with(DemoConfig::default()).await
}

/// A demo server of these settings, and a client whose every request is logged.
async fn start_with(cfg: DemoConfig) -> (DemoServer, GoTrueClient, Log) {
    let server = DemoServer::start(cfg)
        .await
        .expect("the demo server starts");
    let log: Log = Arc::default();
    let seen = log.clone();
    let client = common::client(server.url(), server.anon_key(), server.service_role_key())
        .with_observer(Arc::new(move |l: &RequestLog| {
            seen.lock().expect("log lock").push(l.clone());
        }));
    (server, client, log)
}

/// Small waits, so a thousand rows take seconds.
fn fast() -> InviteOptions {
    InviteOptions {
        concurrency: 8,
        min_interval: Duration::from_millis(1),
        max_attempts: 5,
        backoff_base: Duration::from_millis(2),
        backoff_max: Duration::from_millis(20),
        ..InviteOptions::default()
    }
}

/// Runs the batch's pending rows to the end, applies every event, returns how the run
/// ended and the lines that got an event.
async fn run(
    client: &GoTrueClient,
    batch: &mut InviteBatch,
    opts: InviteOptions,
) -> (RunEnd, HashSet<usize>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let end = run_invites(client, batch.to_send(), opts, tx).await;
    let mut lines = HashSet::new();
    let mut last = None;
    while let Some(event) = rx.recv().await {
        if let InviteEvent::Row { line, .. } = &event {
            lines.insert(*line);
        }
        batch.apply(&event);
        last = Some(event);
    }
    assert_eq!(last, Some(InviteEvent::Finished(end.clone())));
    (end, lines)
}

/// Invite mails per address, among messages newer than `after`.
fn invites(server: &DemoServer, after: u64) -> HashMap<String, Vec<uuid::Uuid>> {
    let mut out: HashMap<String, Vec<uuid::Uuid>> = HashMap::new();
    for m in server.outbox() {
        if m.kind == OutboxKind::Invite && m.id > after {
            out.entry(m.to).or_default().push(m.user_id);
        }
    }
    out
}

fn last_outbox_id(server: &DemoServer) -> u64 {
    server.outbox().last().map_or(0, |m| m.id)
}

/// Sent rows got exactly one invite mail, to the user reported; no other row got any.
#[track_caller]
fn assert_each_sent_row_mailed_once(batch: &InviteBatch, mails: &HashMap<String, Vec<uuid::Uuid>>) {
    let mut sent = 0;
    for row in &batch.rows {
        let got = mails.get(&row.email).map(Vec::as_slice).unwrap_or_default();
        match &row.status {
            RowStatus::Sent { user_id, .. } => {
                sent += 1;
                assert_eq!(got, [*user_id], "line {} {}", row.line, row.email);
            }
            // A duplicate's address was mailed through its first line.
            RowStatus::Duplicate { .. } => {}
            other => assert!(got.is_empty(), "line {} {other:?} got {got:?}", row.line),
        }
    }
    assert_eq!(mails.values().map(Vec::len).sum::<usize>(), sent);
}

async fn confirmed_users(client: &GoTrueClient) -> Vec<User> {
    let page = client
        .list_users(&ListUsers {
            per_page: 1000,
            ..ListUsers::default()
        })
        .await
        .expect("the seed users list");
    page.users
        .into_iter()
        .filter(|u| !u.email.is_empty() && u.is_email_confirmed() && u.deleted_at.is_none())
        .collect()
}

/// GoTrue's answer to an address it will not take.
fn refused_by_gotrue(s: &RowStatus) -> bool {
    matches!(
        s,
        RowStatus::Failed { status: Some(400), code: Some(code), .. } if code == "validation_failed"
    )
}

fn row_of<'a>(batch: &'a InviteBatch, email: &str) -> &'a RowStatus {
    &batch
        .rows
        .iter()
        .find(|r| r.email == email)
        .unwrap_or_else(|| panic!("no row for {email}"))
        .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_rows_under_faults_each_invited_exactly_once() {
    let started = Instant::now();
    let (server, client, log) = start().await;
    let confirmed = confirmed_users(&client).await;
    assert!(confirmed.len() >= 20, "the seed has confirmed users");
    let tag = &uuid::Uuid::new_v4().simple().to_string()[..8];

    // 1,000 rows: 925 new, 1 invited earlier (re-invited), 20 confirmed users, 2 that GoTrue
    // refuses, 20 invalid, 32 duplicates. As a CSV with metadata columns.
    let mut csv = String::from("Email,Name,Team,data\n");
    let new: Vec<String> = (0..925)
        .map(|i| format!("invitee{i}-{tag}@bulk.example.com"))
        .collect();
    for (i, email) in new.iter().enumerate() {
        let _ = writeln!(
            csv,
            "{email},Person {i},\"Team, {}\",\"{{\"\"n\"\": {i}}}\"",
            i % 7
        );
    }
    let _ = writeln!(csv, "Invited@Example.com,Ivy,,");
    let existing: Vec<&str> = confirmed
        .iter()
        .take(20)
        .map(|u| u.email.as_str())
        .collect();
    for email in &existing {
        let _ = writeln!(csv, " {} ,Existing,,", email.to_uppercase());
    }
    let refused = [
        format!("josé-{tag}@example.com"),
        format!("dash-{tag}@-bad.example.com"),
    ];
    for email in &refused {
        let _ = writeln!(csv, "{email},Refused,,");
    }
    for i in 0..20 {
        let bad = match i % 4 {
            0 => String::new(),
            1 => format!("no-at-sign-{i}"),
            2 => format!("nodot{i}@localhost"),
            _ => format!("two@@{i}.example.com"),
        };
        let _ = writeln!(csv, "{bad},Invalid {i},,");
    }
    for i in 0..32 {
        let _ = writeln!(csv, "{},Again,,", new[i * 13].to_uppercase());
    }
    let mut batch = InviteBatch::from_csv(csv.as_bytes()).expect("the CSV parses");
    assert_eq!(batch.rows.len(), 1000);
    let c = batch.counts();
    assert_eq!((c.pending, c.invalid, c.duplicate), (948, 20, 32));
    let row0 = batch.rows.first().expect("a first row");
    assert_eq!(row0.data["Team"], "Team, 0");
    assert_eq!(row0.data["n"], 0);

    // /invite fails 5% (500 or 503, before doing anything), is cut off after doing its work
    // 5% (an unreadable 200), and drops the connection 2% (before its work). (A 429 is the
    // mail quota, which pauses the run: `the_mail_quota_pauses_…` below.)
    let baseline = last_outbox_id(&server);
    server.set_faults(FaultConfig {
        fail_rate: 0.05,
        truncate_rate: 0.05,
        drop_rate: 0.02,
        path_prefix: Some("/invite".into()),
        seed: 7,
        ..FaultConfig::default()
    });

    // First run: two attempts per row, so some rows fail.
    let first = Instant::now();
    let (end, lines) = run(
        &client,
        &mut batch,
        InviteOptions {
            max_attempts: 2,
            ..fast()
        },
    )
    .await;
    let first = first.elapsed();
    assert_eq!(end, RunEnd::Completed);
    assert_eq!(
        lines.len(),
        948,
        "every pending row, and only those, was worked on"
    );
    let c = batch.counts();
    let first_counts = c;
    assert_eq!(c.total(), 1000);
    assert_eq!((c.pending, c.sending), (0, 0), "{c:?}");
    assert_eq!((c.invalid, c.duplicate), (20, 32), "{c:?}");
    assert_eq!(c.sent + c.exists + c.failed, 948, "{c:?}");
    assert!(c.failed > 2, "some rows failed twice in a row: {c:?}");
    // With two attempts, a row may fail on two 429s before GoTrue says what it thinks of it.
    let limited = |s: &RowStatus| {
        matches!(
            s,
            RowStatus::Failed {
                status: Some(429),
                ..
            }
        )
    };
    for email in &existing {
        let s = row_of(&batch, email);
        assert!(
            *s == RowStatus::AlreadyExists || limited(s),
            "{email}: {s:?}"
        );
    }
    for email in &refused {
        let s = row_of(&batch, email);
        assert!(refused_by_gotrue(s) || limited(s), "{email}: {s:?}");
    }
    let ivy = row_of(&batch, "invited@example.com");
    assert!(
        matches!(ivy, RowStatus::Sent { .. }) || limited(ivy),
        "{ivy:?}"
    );
    assert_each_sent_row_mailed_once(&batch, &invites(&server, baseline));

    // The faults did happen, and some invites were known to be sent only by looking them up.
    let seen: Vec<RequestLog> = log
        .lock()
        .expect("log lock")
        .iter()
        .filter(|l| l.path == "/invite")
        .cloned()
        .collect();
    let with = |status: Option<u16>, code: Option<&str>| {
        seen.iter()
            .filter(|l| l.status == status && l.code.as_deref() == code)
            .count()
    };
    let mut kinds: HashMap<(Option<u16>, Option<String>), usize> = HashMap::new();
    for l in &seen {
        *kinds.entry((l.status, l.code.clone())).or_default() += 1;
    }
    eprintln!("POST /invite answers: {kinds:?}");
    let clean = with(Some(200), None);
    assert!(with(Some(500), Some("unexpected_failure")) > 0);
    assert!(with(Some(503), Some("server error")) > 0);
    // A dropped connection (before GoTrue's work) and a cut-off answer (after it) both reach
    // the client as a network error: only the lookup tells them apart.
    assert!(with(None, Some("network error")) > 0);
    assert!(
        clean < c.sent,
        "{} rows sent but only {clean} clean answers: the cut-off ones were found by lookup",
        c.sent
    );

    // Save, load (a resumed session), retry the failed rows: only they are worked on.
    let dir = std::env::temp_dir().join(format!("bulk-invite-{tag}"));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let path = dir.join("batch.json");
    batch.save(&path).expect("saved");
    let mut resumed = InviteBatch::load(&path).expect("loaded");
    assert_eq!(resumed, batch);
    let failed_lines: HashSet<usize> = resumed
        .rows
        .iter()
        .filter(|r| matches!(r.status, RowStatus::Failed { .. }))
        .map(|r| r.line)
        .collect();
    assert_eq!(resumed.retry_failed(), failed_lines.len());
    let second = Instant::now();
    let (end, lines) = run(
        &client,
        &mut resumed,
        InviteOptions {
            max_attempts: 8,
            ..fast()
        },
    )
    .await;
    let second = second.elapsed();
    assert_eq!(end, RunEnd::Completed);
    assert_eq!(
        lines, failed_lines,
        "the second run touched only the failed rows"
    );
    let c = resumed.counts();
    assert_eq!(c.total(), 1000);
    assert_eq!((c.pending, c.sending, c.failed), (0, 0, 2), "{c:?}");
    assert_eq!(c.sent, 926, "925 new addresses and the earlier invitee");
    assert_eq!(c.exists, 20, "{c:?}");
    for email in &existing {
        assert_eq!(
            row_of(&resumed, email),
            &RowStatus::AlreadyExists,
            "{email}"
        );
    }
    for email in &refused {
        let s = row_of(&resumed, email);
        assert!(refused_by_gotrue(s), "{email}: {s:?}");
    }
    for row in resumed
        .rows
        .iter()
        .filter(|r| !failed_lines.contains(&r.line))
    {
        let before = batch.row(row.line).expect("same lines");
        assert_eq!(row.status, before.status, "line {}", row.line);
    }
    assert_each_sent_row_mailed_once(&resumed, &invites(&server, baseline));

    // A third run of the finished batch sends nothing at all.
    assert!(resumed.to_send().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "1,000 rows: first run {first:?} ({first_counts:?}), retry run {second:?}, whole test {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn ambiguous_failures_are_looked_up_before_any_resend() {
    let (server, client, log) = start().await;
    let one = |email: &str| InviteBatch::from_text(email);
    let opts = InviteOptions {
        concurrency: 1,
        ..fast()
    };

    // Cut off after GoTrue invited: found by the lookup, not sent again.
    let baseline = last_outbox_id(&server);
    server.set_faults(FaultConfig {
        truncate_next: 1,
        path_prefix: Some("/invite".into()),
        ..FaultConfig::default()
    });
    let mut cut = one("cut@bulk.example.com");
    let (tx, mut rx) = mpsc::unbounded_channel();
    run_invites(&client, cut.to_send(), opts.clone(), tx).await;
    let mut statuses = Vec::new();
    while let Some(event) = rx.recv().await {
        if let InviteEvent::Row { status, .. } = &event {
            statuses.push(status.label());
        }
        cut.apply(&event);
    }
    assert_eq!(statuses, ["sending", "sent"]);
    assert_eq!(cut.rows[0].in_doubt_since, None);
    assert_each_sent_row_mailed_once(&cut, &invites(&server, baseline));
    let posts = |log: &Log| {
        log.lock()
            .expect("log lock")
            .iter()
            .filter(|l| l.path == "/invite")
            .count()
    };
    assert_eq!(posts(&log), 1, "one POST /invite: the lookup settled it");

    // 503 and a dropped connection before GoTrue did anything: looked up, absent, sent again.
    for (name, faults) in [
        (
            "fail",
            FaultConfig {
                fail_next: 1,
                ..FaultConfig::default()
            },
        ),
        (
            "drop",
            FaultConfig {
                drop_next: 1,
                ..FaultConfig::default()
            },
        ),
    ] {
        let baseline = last_outbox_id(&server);
        server.set_faults(FaultConfig {
            path_prefix: Some("/invite".into()),
            ..faults
        });
        let mut batch = one(&format!("{name}@bulk.example.com"));
        let (tx, mut rx) = mpsc::unbounded_channel();
        run_invites(&client, batch.to_send(), opts.clone(), tx).await;
        let mut attempts = Vec::new();
        while let Some(event) = rx.recv().await {
            if let InviteEvent::Row {
                status: RowStatus::Sending { attempt },
                ..
            } = &event
            {
                attempts.push(*attempt);
            }
            batch.apply(&event);
        }
        assert_eq!(attempts, [1, 2], "{name}");
        assert!(
            matches!(batch.rows[0].status, RowStatus::Sent { .. }),
            "{name}"
        );
        assert_each_sent_row_mailed_once(&batch, &invites(&server, baseline));
    }
}

#[tokio::test]
async fn rows_in_doubt_are_looked_up_first() {
    let (server, client, log) = start().await;
    let confirmed = confirmed_users(&client).await;
    let existing = &confirmed.first().expect("a confirmed seed user").email;
    // An invite that went through in a run that was cancelled before it heard back.
    let delivered = "delivered@bulk.example.com";
    let user = client
        .invite_user_by_email(delivered, None, None)
        .await
        .expect("invited");
    let baseline = last_outbox_id(&server);
    let requests_before = log.lock().expect("log lock").len();

    let mut batch = InviteBatch::from_text(&format!(
        "{delivered}\ninvited@example.com\n{existing}\nfresh@bulk.example.com\n"
    ));
    let since = Utc::now() - TimeDelta::seconds(1);
    for row in &mut batch.rows {
        row.in_doubt_since = Some(since);
    }
    let (end, _) = run(&client, &mut batch, fast()).await;
    assert_eq!(end, RunEnd::Completed);

    // Found invited since the attempt: sent, no new mail.
    assert!(
        matches!(row_of(&batch, delivered), RowStatus::Sent { user_id, .. } if *user_id == user.id),
        "{:?}",
        row_of(&batch, delivered)
    );
    // Invited long before (Ivy, from the seed): that was not our attempt, so she is invited.
    assert!(matches!(
        row_of(&batch, "invited@example.com"),
        RowStatus::Sent { .. }
    ));
    // A confirmed user: already there, nothing sent.
    assert_eq!(row_of(&batch, existing), &RowStatus::AlreadyExists);
    assert!(matches!(
        row_of(&batch, "fresh@bulk.example.com"),
        RowStatus::Sent { .. }
    ));
    assert!(batch.rows.iter().all(|r| r.in_doubt_since.is_none()));

    let mails = invites(&server, baseline);
    assert!(!mails.contains_key(delivered), "{mails:?}");
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert_eq!(mails["invited@example.com"].len(), 1);
    assert_eq!(mails["fresh@bulk.example.com"].len(), 1);
    let posted = log.lock().expect("log lock")[requests_before..]
        .iter()
        .filter(|l| l.path == "/invite")
        .count();
    assert_eq!(posted, 2, "only Ivy and the fresh address were POSTed");
}

#[tokio::test]
async fn a_row_whose_fate_cannot_be_checked_is_not_sent_again() {
    let (server, client, log) = start().await;
    let baseline = last_outbox_id(&server);
    let posts = |log: &Log| {
        log.lock()
            .expect("log lock")
            .iter()
            .filter(|l| l.path == "/invite")
            .count()
    };
    let opts = InviteOptions {
        concurrency: 1,
        ..fast()
    };

    // In doubt from an earlier run, and the lookup fails three times: no invite is sent.
    server.set_faults(FaultConfig {
        fail_next: 3,
        path_prefix: Some("/admin/users".into()),
        ..FaultConfig::default()
    });
    let mut batch = InviteBatch::from_text("unsure@bulk.example.com\n");
    let since = Utc::now();
    batch.rows[0].in_doubt_since = Some(since);
    run(&client, &mut batch, opts.clone()).await;
    assert!(
        matches!(
            &batch.rows[0].status,
            RowStatus::Failed { status: Some(503), message, .. }
                if message.starts_with("could not check whether an earlier attempt went through")
        ),
        "{:?}",
        batch.rows[0].status
    );
    assert_eq!(batch.rows[0].in_doubt_since, Some(since));
    assert_eq!(posts(&log), 0);

    // A 503 on the invite, then on every lookup: failed, still in doubt, sent once only.
    server.set_faults(FaultConfig {
        fail_next: 4,
        ..FaultConfig::default()
    });
    let mut other = InviteBatch::from_text("unclear@bulk.example.com\n");
    run(&client, &mut other, opts.clone()).await;
    assert!(matches!(
        other.rows[0].status,
        RowStatus::Failed {
            status: Some(503),
            ..
        }
    ));
    assert!(other.rows[0].in_doubt_since.is_some());
    assert_eq!(posts(&log), 1);

    // With the server well again, retrying looks first, finds nothing, and sends.
    server.set_faults(FaultConfig::default());
    assert!(invites(&server, baseline).is_empty());
    for b in [&mut batch, &mut other] {
        let before = last_outbox_id(&server);
        assert_eq!(b.retry_failed(), 1);
        run(&client, b, opts.clone()).await;
        assert!(matches!(b.rows[0].status, RowStatus::Sent { .. }));
        assert_eq!(b.rows[0].in_doubt_since, None);
        assert_each_sent_row_mailed_once(b, &invites(&server, before));
    }
    assert_eq!(posts(&log), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelling_mid_run_then_resuming_sends_each_invite_once() {
    let (server, client, _log) = start().await;
    let baseline = last_outbox_id(&server);
    server.set_faults(FaultConfig {
        latency_ms: 100,
        path_prefix: Some("/invite".into()),
        ..FaultConfig::default()
    });
    let text: String = (0..200)
        .map(|i| format!("cancel{i}@bulk.example.com\n"))
        .collect();
    let mut batch = InviteBatch::from_text(&text);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let task = {
        let client = client.clone();
        let jobs = batch.to_send();
        let opts = InviteOptions {
            concurrency: 4,
            min_interval: Duration::ZERO,
            ..fast()
        };
        tokio::spawn(async move { run_invites(&client, jobs, opts, tx).await })
    };
    // Abort with rows both done and in flight (each request takes 100 ms at the server).
    while batch.counts().sent < 40 || batch.counts().sending == 0 {
        let event = rx.recv().await.expect("the run goes on");
        batch.apply(&event);
    }
    let in_flight: Vec<usize> = batch
        .rows
        .iter()
        .filter(|r| matches!(r.status, RowStatus::Sending { .. }))
        .map(|r| r.line)
        .collect();
    task.abort();
    assert!(task.await.is_err_and(|e| e.is_cancelled()));
    let mut last = None;
    while let Some(event) = rx.recv().await {
        batch.apply(&event);
        last = Some(event);
    }
    assert_eq!(last, Some(InviteEvent::Finished(RunEnd::Cancelled)));
    let c = batch.counts();
    assert_eq!(c.sending, 0, "{c:?}");
    // A row in flight either finished before the abort took hold, or is pending in doubt.
    for line in &in_flight {
        let row = batch.row(*line).expect("a row");
        let in_doubt = row.status == RowStatus::Pending && row.in_doubt_since.is_some();
        assert!(
            matches!(row.status, RowStatus::Sent { .. }) || in_doubt,
            "{row:?}"
        );
    }
    assert!(c.sent >= 40 && c.sent < 200, "{c:?}");

    // Resume from the saved batch, without the latency.
    server.set_faults(FaultConfig::default());
    let path = std::env::temp_dir().join(format!("bulk-cancel-{}.json", uuid::Uuid::new_v4()));
    batch.save(&path).expect("saved");
    let mut resumed = InviteBatch::load(&path).expect("loaded");
    let _ = std::fs::remove_file(&path);
    let already: HashSet<usize> = resumed
        .rows
        .iter()
        .filter(|r| matches!(r.status, RowStatus::Sent { .. }))
        .map(|r| r.line)
        .collect();
    let (end, lines) = run(&client, &mut resumed, fast()).await;
    assert_eq!(end, RunEnd::Completed);
    assert!(
        lines.is_disjoint(&already),
        "no Sent row was worked on again"
    );
    assert_eq!(resumed.counts().sent, 200);
    assert_each_sent_row_mailed_once(&resumed, &invites(&server, baseline));
}

#[tokio::test]
async fn dropping_the_run_reports_the_row_in_flight() {
    let (server, client, _log) = start().await;
    let baseline = last_outbox_id(&server);
    server.set_faults(FaultConfig {
        latency_ms: 300,
        path_prefix: Some("/invite".into()),
        ..FaultConfig::default()
    });
    let mut batch = InviteBatch::from_text("dropped@bulk.example.com\nlater@bulk.example.com\n");
    let (tx, mut rx) = mpsc::unbounded_channel();
    {
        let opts = InviteOptions {
            concurrency: 1,
            ..fast()
        };
        let run = run_invites(&client, batch.to_send(), opts, tx);
        tokio::pin!(run);
        // Drive the run until its first request is under way, then drop it.
        loop {
            tokio::select! {
                end = &mut run => panic!("the run ended early: {end:?}"),
                Some(event) = rx.recv() => {
                    let sending = matches!(event, InviteEvent::Row { status: RowStatus::Sending { .. }, .. });
                    batch.apply(&event);
                    if sending {
                        break;
                    }
                }
            }
        }
    }
    let mut events = Vec::new();
    while let Some(event) = rx.recv().await {
        batch.apply(&event);
        events.push(event);
    }
    assert!(
        matches!(
            &events[..],
            [
                InviteEvent::Row {
                    line: 1,
                    status: RowStatus::Pending,
                    in_doubt_since: Some(_)
                },
                InviteEvent::Finished(RunEnd::Cancelled)
            ]
        ),
        "{events:?}"
    );
    assert_eq!(batch.counts().in_doubt, 1);

    // Whatever became of the cut-off request, the next run mails each address once.
    server.set_faults(FaultConfig::default());
    let (end, _) = run(&client, &mut batch, fast()).await;
    assert_eq!(end, RunEnd::Completed);
    assert_eq!(batch.counts().sent, 2);
    assert_each_sent_row_mailed_once(&batch, &invites(&server, baseline));
}

/// GoTrue's "email rate limit exceeded" (429 `over_email_send_rate_limit`, no "after N
/// seconds") is the project's mail quota (`GOTRUE_RATE_LIMIT_EMAIL_SENT`, here 3 an hour):
/// retrying burns attempts for nothing, so the run pauses at once with the rest pending, and
/// a run while the quota is still used up asks once and pauses again. Each sent row is
/// mailed once.
#[tokio::test]
async fn the_mail_quota_pauses_the_run_with_the_rest_pending() {
    let (server, client, log) = start_with(DemoConfig {
        email_rate_limit: Some(3),
        ..DemoConfig::default()
    })
    .await;
    let invite_requests = || {
        log.lock()
            .expect("log lock")
            .iter()
            .filter(|l| l.path.ends_with("/invite"))
            .count()
    };
    let baseline = last_outbox_id(&server);
    let text: String = (0..5)
        .map(|n| format!("quota{n}@bulk.example.com\n"))
        .collect();
    let mut batch = InviteBatch::from_text(&text);
    let opts = InviteOptions {
        concurrency: 1,
        max_attempts: 5,
        ..fast()
    };
    let (end, _) = run(&client, &mut batch, opts.clone()).await;
    assert!(
        matches!(&end, RunEnd::Paused { reason } if reason.contains("mail quota")),
        "{end:?}"
    );
    let c = batch.counts();
    assert_eq!((c.sent, c.pending, c.failed), (3, 2, 0), "{c:?}");
    assert_eq!(invite_requests(), 4, "three sent, one refused, no retry");
    assert!(
        batch.rows.iter().all(|r| r.in_doubt_since.is_none()),
        "a 429 did nothing"
    );

    let (end, _) = run(&client, &mut batch, opts).await;
    assert!(matches!(end, RunEnd::Paused { .. }), "{end:?}");
    assert_eq!(invite_requests(), 5, "one question, then the pause");
    assert_eq!(batch.counts().pending, 2);
    assert_each_sent_row_mailed_once(&batch, &invites(&server, baseline));
    assert_eq!(invites(&server, baseline).len(), 3);
}

#[tokio::test]
async fn a_refused_key_stops_the_run() {
    let (server, _client, _log) = start().await;
    // The anon key where the service key belongs: GoTrue answers 403 not_admin.
    let client = common::client(server.url(), server.anon_key(), server.anon_key());
    let mut batch = InviteBatch::from_text(
        "a@bulk.example.com\nb@bulk.example.com\nc@bulk.example.com\nd@bulk.example.com\n",
    );
    let opts = InviteOptions {
        concurrency: 1,
        ..fast()
    };
    let (end, lines) = run(&client, &mut batch, opts).await;
    assert!(
        matches!(&end, RunEnd::Stopped { reason } if reason.contains("not_admin")),
        "{end:?}"
    );
    assert_eq!(lines, HashSet::from([1]));
    let c = batch.counts();
    assert_eq!((c.failed, c.pending), (1, 3), "{c:?}");
    assert!(server.outbox().iter().all(|m| m.to != "a@bulk.example.com"));
}

#[tokio::test]
async fn requests_are_paced_across_the_whole_run() {
    let (_server, client, _log) = start().await;
    let text: String = (0..9)
        .map(|i| format!("paced{i}@bulk.example.com\n"))
        .collect();
    let mut batch = InviteBatch::from_text(&text);
    let opts = InviteOptions {
        concurrency: 4,
        min_interval: Duration::from_millis(30),
        ..fast()
    };
    let started = Instant::now();
    run(&client, &mut batch, opts).await;
    assert_eq!(batch.counts().sent, 9);
    // Nine requests, 30 ms apart however many run at once.
    assert!(
        started.elapsed() >= Duration::from_millis(240),
        "{:?}",
        started.elapsed()
    );
}
