//! `gotrue-console users export`: the real binary against the demo server running in this
//! process, and the CSV / NDJSON writers of `gotrue_console::ops::export` on their own.

mod common;

use common::temp::{TempDir, binary_for};
use gotrue_console::demo::{DemoConfig, DemoServer, FaultConfig};
use gotrue_console::gotrue::{AllUsers, BaseUrl, ClientConfig, GoTrueClient, ListUsers, User};
use gotrue_console::ops::export::{CSV_COLUMNS, ExportFormat, csv_header, write_rows};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Instant;

async fn demo(cfg: DemoConfig) -> DemoServer {
    DemoServer::start(cfg)
        .await
        .expect("the demo server starts")
}

/// Runs `gotrue-console users export --url <demo> ARGS` with the demo's service-role key in
/// the environment and no config file or other connection variables in reach.
async fn export(demo: &DemoServer, dir: &TempDir, args: &[&str]) -> Output {
    let out = export_command(demo, dir, args)
        .output()
        .await
        .expect("the binary runs");
    assert_no_key(demo, &out);
    out
}

/// Whatever happened, the key is never printed.
fn assert_no_key(demo: &DemoServer, out: &Output) {
    for stream in [&out.stdout, &out.stderr] {
        assert!(
            !String::from_utf8_lossy(stream).contains(demo.service_role_key()),
            "the service-role key was printed"
        );
    }
}

fn export_command(demo: &DemoServer, dir: &TempDir, args: &[&str]) -> tokio::process::Command {
    let mut cmd = binary_for(demo, dir, &["users", "export"]);
    cmd.args(args);
    cmd
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "export failed ({}): {}",
        out.status,
        stderr(out)
    );
}

fn partial(path: &Path) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(".partial");
    PathBuf::from(p)
}

fn client(demo: &DemoServer) -> GoTrueClient {
    let base = BaseUrl::parse(demo.url()).expect("the demo URL parses");
    GoTrueClient::new(ClientConfig::new(base).service_role_key(demo.service_role_key()))
        .expect("the client builds")
}

#[derive(serde::Deserialize)]
struct IdOnly {
    id: String,
}

fn csv_records(bytes: &[u8]) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::Reader::from_reader(bytes);
    let header = reader
        .headers()
        .expect("a CSV header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .expect("well-formed CSV rows");
    (header, rows)
}

fn column(name: &str) -> usize {
    CSV_COLUMNS
        .iter()
        .position(|c| *c == name)
        .expect("a known column")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_100k_users_as_ndjson_once_each() {
    let started = Instant::now();
    let demo = demo(DemoConfig {
        seed: false,
        extra_users: 100_000,
        ..DemoConfig::default()
    })
    .await;
    let seeded = started.elapsed();
    let dir = TempDir::new("gc-export", "100k");
    let file = dir.path("users.ndjson");
    let file_arg = file.to_str().expect("a UTF-8 temp path");

    let started = Instant::now();
    let out = export(&demo, &dir, &["--format", "ndjson", "--out", file_arg]).await;
    let exported = started.elapsed();
    eprintln!("100,000 users: demo server ready in {seeded:?}, exported in {exported:?}");
    assert_success(&out);

    assert!(out.stdout.is_empty(), "with --out, nothing goes to stdout");
    assert!(
        stderr(&out).contains("exported 100,000 users to"),
        "the summary line: {}",
        stderr(&out)
    );
    assert!(!partial(&file).exists(), "the partial file was renamed");
    let started = Instant::now();
    let text = std::fs::read_to_string(&file).expect("the export file");
    let mut ids = HashSet::new();
    let mut lines = 0;
    for line in text.lines() {
        lines += 1;
        // Parsed in full (the other fields are skipped, not kept: a debug build reads 100,000
        // lines in a second this way, not seven).
        let user: IdOnly = serde_json::from_str(line).expect("each line is a user with an id");
        assert!(line.starts_with('{'), "each line is a JSON object: {line}");
        ids.insert(user.id);
    }
    assert_eq!(lines, 100_000);
    assert_eq!(ids.len(), 100_000, "every user exactly once");
    eprintln!("checked in {:?}", started.elapsed());
}

/// A server that pages by cursor is exported by cursor: every user once, no total known.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_pages_by_cursor_is_exported_by_cursor() {
    let demo = demo(DemoConfig {
        seed: false,
        extra_users: 2_500,
        cursor_pagination: true,
        ..DemoConfig::default()
    })
    .await;
    let dir = TempDir::new("gc-export", "cursor");
    let file = dir.path("users.ndjson");
    let out = export(
        &demo,
        &dir,
        &["--format", "ndjson", "--out", file.to_str().expect("UTF-8")],
    )
    .await;
    assert_success(&out);
    let text = std::fs::read_to_string(&file).expect("the export file");
    let ids: HashSet<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<IdOnly>(l)
                .expect("a user")
                .id
                .to_string()
        })
        .collect();
    assert_eq!(text.lines().count(), 2_500);
    assert_eq!(ids.len(), 2_500, "every user exactly once");
    // The client's stream, as the export reads it: by cursor, so no total is ever said
    // (pages by number always carry X-Total-Count).
    let mut stream = std::pin::pin!(client(&demo).stream_all_users(AllUsers::default()));
    let mut batches = 0;
    while let Some(batch) = futures::StreamExt::next(&mut stream).await {
        let batch = batch.expect("a page");
        assert_eq!(batch.total, None, "read by cursor");
        batches += 1;
    }
    assert_eq!(batches, 3, "three pages of 1,000");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_the_seeded_demo_as_csv_on_stdout() {
    let demo = demo(DemoConfig::default()).await;
    let total = client(&demo)
        .list_users(&ListUsers {
            per_page: 1,
            ..ListUsers::default()
        })
        .await
        .expect("the first page")
        .total
        .expect("X-Total-Count");
    let dir = TempDir::new("gc-export", "seeded");

    // Small pages: the rows of many pages, fetched concurrently, land in one file.
    let out = export(&demo, &dir, &["--format", "csv", "--per-page", "50"]).await;
    assert_success(&out);

    let (header, rows) = csv_records(&out.stdout);
    assert_eq!(header, CSV_COLUMNS);
    assert_eq!(rows.len() as u64, total, "one row per user");
    let ids: HashSet<&str> = rows.iter().filter_map(|r| r.get(column("id"))).collect();
    assert_eq!(ids.len() as u64, total, "no user twice");
    assert!(
        stderr(&out).contains(&format!(
            "exported {} users to stdout",
            gotrue_console::console::widgets::thousands(total)
        )),
        "the summary line: {}",
        stderr(&out)
    );

    let ada = rows
        .iter()
        .find(|r| r.get(column("email")) == Some("ada@example.com"))
        .expect("Ada's row");
    assert_eq!(ada.get(column("full_name")), Some("Ada Lovelace"));
    assert_eq!(ada.get(column("providers")), Some("email,github"));
    assert_eq!(ada.get(column("created_at")), Some("2023-07-02T00:00:00Z"));
    assert_eq!(ada.get(column("banned_until")), Some(""), "none: empty");
    let metadata: Value =
        serde_json::from_str(ada.get(column("user_metadata")).unwrap_or_default())
            .expect("user_metadata is JSON");
    assert_eq!(metadata["full_name"], "Ada Lovelace");
    let app: Value = serde_json::from_str(ada.get(column("app_metadata")).unwrap_or_default())
        .expect("app_metadata is JSON");
    assert_eq!(app["role"], "admin");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_exports_only_the_matching_user() {
    let demo = demo(DemoConfig::default()).await;
    let dir = TempDir::new("gc-export", "filter");
    // No --format: a .csv file asks for CSV.
    let file = dir.path("ada.csv");
    let file_arg = file.to_str().expect("a UTF-8 temp path");

    let out = export(&demo, &dir, &["--filter", "ada@", "--out", file_arg]).await;
    assert_success(&out);

    let (header, rows) = csv_records(&std::fs::read(&file).expect("the export file"));
    assert_eq!(header, CSV_COLUMNS);
    assert_eq!(rows.len(), 1, "exactly one user matches: {rows:?}");
    assert_eq!(rows[0].get(column("email")), Some("ada@example.com"));
    assert!(stderr(&out).contains("exported 1 user to"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_server_leaves_no_file_and_says_why() {
    let demo = demo(DemoConfig::default()).await;
    let dir = TempDir::new("gc-export", "faults");
    let file = dir.path("users.ndjson");
    let file_arg = file.to_str().expect("a UTF-8 temp path");
    // More failures than the client's retries: every attempt at the first page fails.
    demo.set_faults(FaultConfig {
        fail_next: 50,
        path_prefix: Some("/admin/users".into()),
        ..FaultConfig::default()
    });

    let out = export(&demo, &dir, &["--format", "ndjson", "--out", file_arg]).await;

    assert!(!out.status.success(), "the export must fail");
    assert!(!file.exists(), "no file under the final name");
    assert!(!partial(&file).exists(), "no partial file left behind");
    assert!(out.stdout.is_empty());
    // The same error the client meets, in GoTrue's words.
    let err = client(&demo)
        .list_users(&ListUsers::default())
        .await
        .expect_err("the server still fails");
    assert!(
        stderr(&out).contains(&err.to_string()),
        "stderr {:?} should carry {:?}",
        stderr(&out),
        err.to_string()
    );
    assert!(stderr(&out).contains("503"));
}

/// A user whose metadata holds everything CSV must quote.
fn awkward_user() -> User {
    serde_json::from_value(json!({
        "id": "4d56fd0f-1111-4bd1-9f32-0d6b7b0d9a01",
        "email": "jo@example.com",
        "phone": "15555550123",
        "role": "authenticated",
        "created_at": "2024-01-01T00:00:00Z",
        "email_confirmed_at": "2024-01-02T03:04:05.123456Z",
        "app_metadata": {"provider": "email", "providers": ["email", "google"]},
        "user_metadata": {
            "full_name": "Smith, \"Jo\"\nJunior",
            "bio": "a,b \"c\"\r\nd",
        },
        "some_future_field": {"x": 1},
    }))
    .expect("a user")
}

#[test]
fn csv_quotes_commas_quotes_and_newlines_in_metadata() {
    let user = awkward_user();
    let mut out = Vec::new();
    write_rows(ExportFormat::Csv, std::slice::from_ref(&user), &mut out).expect("written");
    let text = String::from_utf8(out.clone()).expect("UTF-8");
    assert!(
        text.contains(
            r#""Smith, ""Jo""
Junior""#
        ),
        "quoted, quotes doubled, newline kept: {text}"
    );

    let (header, rows) = csv_records(&out);
    assert_eq!(header, csv_header());
    assert_eq!(rows.len(), 1, "a newline inside a field is not a new row");
    let row = &rows[0];
    assert_eq!(row.len(), CSV_COLUMNS.len());
    assert_eq!(
        row.get(column("full_name")),
        Some("Smith, \"Jo\"\nJunior"),
        "read back as written"
    );
    let metadata: Value = serde_json::from_str(row.get(column("user_metadata")).unwrap_or(""))
        .expect("user_metadata is JSON");
    assert_eq!(metadata, Value::Object(user.user_metadata.clone()));
    assert_eq!(row.get(column("providers")), Some("email,google"));
    assert_eq!(
        row.get(column("email_confirmed_at")),
        Some("2024-01-02T03:04:05.123456Z")
    );
    assert_eq!(row.get(column("last_sign_in_at")), Some(""));
    assert_eq!(row.get(column("phone")), Some("15555550123"));
}

#[test]
fn csv_of_no_users_is_the_header_alone() {
    let mut out = Vec::new();
    write_rows(ExportFormat::Csv, &[], &mut out).expect("written");
    assert_eq!(
        String::from_utf8(out).expect("UTF-8"),
        format!("{}\n", CSV_COLUMNS.join(","))
    );
}

#[test]
fn ndjson_is_one_line_per_user_with_unknown_fields_kept() {
    let user = awkward_user();
    let mut out = Vec::new();
    write_rows(ExportFormat::Ndjson, &[user.clone(), user], &mut out).expect("written");
    let text = String::from_utf8(out).expect("UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "newlines in metadata stay escaped");
    let back: Value = serde_json::from_str(lines[0]).expect("JSON");
    assert_eq!(back["some_future_field"]["x"], 1);
    assert_eq!(back["user_metadata"]["full_name"], "Smith, \"Jo\"\nJunior");
}

#[test]
fn formats_by_name_and_by_file_name() {
    assert_eq!("csv".parse::<ExportFormat>(), Ok(ExportFormat::Csv));
    assert_eq!("NDJSON".parse::<ExportFormat>(), Ok(ExportFormat::Ndjson));
    assert!("xlsx".parse::<ExportFormat>().is_err());
    assert_eq!(
        ExportFormat::from_path(Path::new("out/users.CSV")),
        Some(ExportFormat::Csv)
    );
    assert_eq!(
        ExportFormat::from_path(Path::new("users.jsonl")),
        Some(ExportFormat::Ndjson)
    );
    assert_eq!(ExportFormat::from_path(Path::new("users")), None);
}

/// `users export | head -3`: three lines, then the pipe closes; that ends the export quietly.
#[tokio::test]
async fn a_reader_that_stops_early_ends_the_export_quietly() {
    use tokio::io::AsyncBufReadExt;
    let demo = demo(DemoConfig {
        extra_users: 5_000,
        ..DemoConfig::default()
    })
    .await;
    let dir = TempDir::new("gc-export", "head");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_gotrue-console"))
        .args(["users", "export", "--url", demo.url()])
        .env("GOTRUE_SERVICE_ROLE_KEY", demo.service_role_key())
        .env("XDG_CONFIG_HOME", dir.path("config"))
        .env("XDG_STATE_HOME", dir.path("state"))
        .env_remove("GOTRUE_URL")
        .env_remove("SUPABASE_URL")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    for _ in 0..3 {
        let line = lines
            .next_line()
            .await
            .expect("a line")
            .expect("not the end");
        assert!(line.starts_with('{'), "{line}");
    }
    drop(lines);
    let out = child.wait_with_output().await.expect("it ends");
    let err = stderr(&out);
    assert!(out.status.success(), "{:?}: {err}", out.status);
    assert!(
        !err.contains("Broken pipe") && !err.contains("cannot write"),
        "{err}"
    );
}

/// A demo whose user pages take 40 ms, so that an export can be caught half way.
async fn slow_demo(cfg: DemoConfig) -> DemoServer {
    let demo = demo(cfg).await;
    demo.set_faults(FaultConfig {
        latency_ms: 40,
        path_prefix: Some("/admin/users".into()),
        ..FaultConfig::default()
    });
    demo
}

fn state_of(file: &Path) -> PathBuf {
    let mut p = partial(file).into_os_string();
    p.push(".state");
    PathBuf::from(p)
}

/// Users the state beside `file` says are written, once it says so.
fn written_so_far(file: &Path) -> u64 {
    std::fs::read_to_string(state_of(file))
        .ok()
        .and_then(|t| serde_json::from_str::<Value>(&t).ok())
        .and_then(|v| v["written"].as_u64())
        .unwrap_or(0)
}

/// Starts an export of `file` and waits until its state says `at_least` users are written
/// (the server answers slowly, so that it is caught half way).
async fn export_until(
    demo: &DemoServer,
    dir: &TempDir,
    file: &Path,
    args: &[&str],
    at_least: u64,
) -> tokio::process::Child {
    let file_arg = file.to_str().expect("a UTF-8 temp path");
    let mut all = vec!["--out", file_arg];
    all.extend_from_slice(args);
    let child = export_command(demo, dir, &all)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let deadline = Instant::now() + std::time::Duration::from_secs(120);
    while written_so_far(file) < at_least {
        assert!(Instant::now() < deadline, "the export never got half way");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    child
}

/// The ids of an export file, in order.
fn exported_ids(file: &Path, format: ExportFormat) -> Vec<String> {
    let bytes = std::fs::read(file).expect("the export file");
    match format {
        ExportFormat::Csv => {
            let (header, rows) = csv_records(&bytes);
            assert_eq!(header, csv_header(), "one header, first");
            rows.iter().map(|r| r[column("id")].to_owned()).collect()
        }
        ExportFormat::Ndjson => String::from_utf8_lossy(&bytes)
            .lines()
            .map(|l| {
                serde_json::from_str::<IdOnly>(l)
                    .expect("a JSON line per user")
                    .id
            })
            .collect(),
    }
}

/// Every user the server has now, by id.
async fn ids_on_server(demo: &DemoServer) -> HashSet<String> {
    use futures::StreamExt;
    let mut ids = HashSet::new();
    let mut stream = Box::pin(client(demo).stream_all_users(AllUsers::default()));
    while let Some(batch) = stream.next().await {
        for u in batch.expect("a page").users {
            ids.insert(u.id.to_string());
        }
    }
    ids
}

/// By page: an export that fails half way leaves its partial file and state; users deleted
/// and created meanwhile do not make `--resume` skip or repeat anyone; the CSV keeps one
/// header; the state goes once the file is in place.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_that_fails_half_way_resumes_after_its_last_page() {
    let demo = slow_demo(DemoConfig {
        extra_users: 3_000,
        ..DemoConfig::default()
    })
    .await;
    let dir = TempDir::new("gc-export", "resume-page");
    let file = dir.path("users.csv");
    let child = export_until(
        &demo,
        &dir,
        &file,
        &["--per-page", "100", "--concurrency", "2"],
        600,
    )
    .await;
    // Every request fails from here on, more often than the client retries.
    demo.set_faults(FaultConfig {
        fail_next: 10_000,
        path_prefix: Some("/admin/users".into()),
        ..FaultConfig::default()
    });
    let out = child.wait_with_output().await.expect("the export ends");
    assert_no_key(&demo, &out);
    assert!(!out.status.success(), "the export must fail");
    assert!(!file.exists(), "no file under the final name");
    assert!(partial(&file).exists() && state_of(&file).exists());
    let first_run = written_so_far(&file);
    assert!(stderr(&out).contains("503"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--resume goes on from there"),
        "{}",
        stderr(&out)
    );

    // Meanwhile: ten of the users already written are deleted (the pages after them move
    // back), and five are created (they come last).
    demo.set_faults(FaultConfig::default());
    let written = exported_ids(&partial(&file), ExportFormat::Csv);
    assert!(written.len() as u64 >= first_run);
    let gotrue = client(&demo);
    for id in written.iter().skip(100).step_by(37).take(10) {
        let id: uuid::Uuid = id.parse().expect("an id");
        gotrue
            .delete_user(id, false)
            .await
            .expect("the user is deleted");
    }
    for n in 0..5 {
        gotrue
            .create_user(&gotrue_console::gotrue::AdminUserAttributes {
                email: Some(format!("late{n}@example.com")),
                ..Default::default()
            })
            .await
            .expect("a user is created");
    }

    let file_arg = file.to_str().expect("a UTF-8 temp path");
    let out = export(&demo, &dir, &["--out", file_arg, "--resume"]).await;
    assert_success(&out);
    assert!(
        stderr(&out).contains("by an earlier run"),
        "{}",
        stderr(&out)
    );
    assert!(!partial(&file).exists() && !state_of(&file).exists());
    let ids = exported_ids(&file, ExportFormat::Csv);
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "nobody twice");
    let now = ids_on_server(&demo).await;
    assert!(
        now.is_subset(&unique),
        "everyone on the server is in the file"
    );
    assert_eq!(
        unique.len(),
        now.len() + 10,
        "and the ten deleted after they were written"
    );
}

/// By cursor: Ctrl-C leaves what `--resume` needs; a resume that asks for something else
/// is refused and loses nothing; the resumed file has every user once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_export_by_cursor_resumes_after_its_last_cursor() {
    let demo = slow_demo(DemoConfig {
        extra_users: 3_000,
        cursor_pagination: true,
        ..DemoConfig::default()
    })
    .await;
    let dir = TempDir::new("gc-export", "resume-cursor");
    let file = dir.path("users.ndjson");
    let child = export_until(&demo, &dir, &file, &["--per-page", "100"], 500).await;
    let pid = child.id().expect("a running export").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .is_ok_and(|s| s.success());
    assert!(killed, "kill -INT {pid}");
    let out = child.wait_with_output().await.expect("the export ends");
    assert_no_key(&demo, &out);
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"));
    assert!(stderr(&out).contains("--resume"), "{}", stderr(&out));
    let state: Value =
        serde_json::from_str(&std::fs::read_to_string(state_of(&file)).expect("the state is left"))
            .expect("the state is JSON");
    assert!(state["after"]["cursor"].is_string(), "{state}");
    demo.set_faults(FaultConfig::default());

    // Another filter cannot go on from it, and the partial export stays.
    let file_arg = file.to_str().expect("a UTF-8 temp path");
    let refused = export(
        &demo,
        &dir,
        &["--out", file_arg, "--resume", "--filter", "ada"],
    )
    .await;
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("without --filter"),
        "{}",
        stderr(&refused)
    );
    assert!(partial(&file).exists() && state_of(&file).exists());

    let out = export(&demo, &dir, &["--out", file_arg, "--resume"]).await;
    assert_success(&out);
    let ids = exported_ids(&file, ExportFormat::Ndjson);
    let unique: HashSet<String> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), ids.len(), "nobody twice");
    assert_eq!(unique, ids_on_server(&demo).await, "everyone once");
}

/// Without `--resume`, an unfinished export is replaced, and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_resume_an_unfinished_export_starts_over() {
    let demo = slow_demo(DemoConfig {
        extra_users: 2_000,
        ..DemoConfig::default()
    })
    .await;
    let dir = TempDir::new("gc-export", "restart");
    let file = dir.path("users.ndjson");
    let mut child = export_until(&demo, &dir, &file, &["--per-page", "100"], 300).await;
    child.kill().await.expect("the export is killed");
    demo.set_faults(FaultConfig::default());
    assert!(state_of(&file).exists(), "a killed export leaves its state");

    let file_arg = file.to_str().expect("a UTF-8 temp path");
    let out = export(&demo, &dir, &["--out", file_arg]).await;
    assert_success(&out);
    assert!(stderr(&out).contains("starting over"), "{}", stderr(&out));
    assert!(!state_of(&file).exists());
    let ids = exported_ids(&file, ExportFormat::Ndjson);
    assert_eq!(ids.len(), 2_300);
    assert_eq!(
        ids.iter().cloned().collect::<HashSet<_>>(),
        ids_on_server(&demo).await
    );
}
