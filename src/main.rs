//! Thin: parse the command line, install the hooks, pick a run mode.

use color_eyre::eyre::{Result, WrapErr, eyre};
use gotrue_console::cli::{Cli, Cmd, ConsoleArgs, ExportArgs, InviteArgs, UsersCmd};
use gotrue_console::config::{self, ConfigFile, Connection, ConsoleOverrides};
use gotrue_console::console::app::{App, AppConfig};
use gotrue_console::demo::{DemoConfig, DemoServer};
use gotrue_console::gotrue::{BaseUrl, ClientConfig, GoTrueClient};
use gotrue_console::ops::export::{ExportError, ExportFormat, ExportOptions, export_users};
use gotrue_console::term::Connector;
use std::fmt::Display;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() -> Result<()> {
    // First, so that a panic restores the terminal (ratatui's hook, installed later, runs
    // before this one's report).
    color_eyre::install()?;
    let cli = Cli::parse_checked();
    let runtime = tokio::runtime::Runtime::new().wrap_err("cannot start the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Some(Cmd::DemoServer(args)) => {
                gotrue_console::logging::init();
                gotrue_console::demo::run_standalone(args)
                    .await
                    .map_err(|e| eyre!("demo server: {e}"))
            }
            Some(Cmd::Users {
                cmd: UsersCmd::Export(args),
            }) => {
                users_export(cli.console, args).await;
                Ok(())
            }
            Some(Cmd::Users {
                cmd: UsersCmd::Invite(args),
            }) => {
                users_invite(cli.console, args).await;
                Ok(())
            }
            Some(Cmd::Doctor) => {
                doctor(cli.console).await;
                Ok(())
            }
            Some(Cmd::Completions { shell }) => {
                let mut cmd = <Cli as clap::CommandFactory>::command();
                let mut out = Vec::new();
                clap_complete::generate(shell, &mut cmd, "gotrue-console", &mut out);
                print_bytes(&out);
                Ok(())
            }
            Some(Cmd::Man) => {
                let cmd = <Cli as clap::CommandFactory>::command();
                let mut out = Vec::new();
                clap_mangen::Man::new(cmd)
                    .render(&mut out)
                    .wrap_err("rendering the manual page")?;
                print_bytes(&out);
                Ok(())
            }
            Some(Cmd::Keys) => {
                match config::keymap(config_path(&cli.console).as_deref()) {
                    Ok(keys) => print!("{}", keys.describe()),
                    Err(e) => fail(e),
                }
                Ok(())
            }
            Some(Cmd::ServeSsh(args)) => {
                gotrue_console::logging::init_daemon(args.log)
                    .map_err(|e| eyre!("serve-ssh: {e}"))?;
                gotrue_console::term::ssh::run(cli.console, args)
                    .await
                    .map_err(|e| eyre!("serve-ssh: {e}"))
            }
            None => console(cli.console).await,
        }
    })
}

/// The environment variables that override a profile at start-up. An in-console profile
/// switch means "that profile", so they are left out of it (a profile's own `*_env` keys
/// still read the environment).
const LAYERED_ENV: [&str; 8] = [
    "GOTRUE_URL",
    "GOTRUE_ANON_KEY",
    "GOTRUE_SERVICE_ROLE_KEY",
    "SUPABASE_URL",
    "SUPABASE_SECRET_KEY",
    "SUPABASE_PUBLISHABLE_KEY",
    "SUPABASE_ANON_KEY",
    "SUPABASE_SERVICE_ROLE_KEY",
];

fn config_path(args: &ConsoleArgs) -> Option<PathBuf> {
    args.config.clone().or_else(ConfigFile::default_path)
}

fn profile_names(args: &ConsoleArgs) -> Vec<String> {
    config_path(args)
        .and_then(|p| ConfigFile::load(&p).ok().flatten())
        .map(|f| f.profile_names().into_iter().map(str::to_owned).collect())
        .unwrap_or_default()
}

fn connect(
    conn: &Connection,
    timeout: Duration,
    profiles: Vec<String>,
) -> (ClientConfig, AppConfig) {
    let app = AppConfig {
        profiles,
        ..conn.app_config()
    };
    (conn.client_config(timeout), app)
}

/// Switches to a profile of the config file, from inside the console.
fn connector(args: &ConsoleArgs, timeout: Duration) -> Connector {
    let path = config_path(args);
    let read_only = args.read_only;
    let insecure_tls = args.insecure;
    Arc::new(move |name: &str| {
        let path = path.clone().ok_or("no config file")?;
        let file = ConfigFile::load(&path)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{} does not exist", path.display()))?;
        let overrides = ConsoleOverrides {
            read_only,
            insecure_tls,
            ..ConsoleOverrides::default()
        };
        let env = |var: &str| {
            if LAYERED_ENV.contains(&var) {
                None
            } else {
                config::process_env(var)
            }
        };
        let conn =
            config::resolve_profile(&file, name, &overrides, &env).map_err(|e| e.to_string())?;
        let profiles = file
            .profile_names()
            .into_iter()
            .map(str::to_owned)
            .collect();
        let (client, app) = connect(&conn, timeout, profiles);
        let client = GoTrueClient::new(client).map_err(|e| e.to_string())?;
        Ok((client, app))
    })
}

async fn console(args: ConsoleArgs) -> Result<()> {
    let log = gotrue_console::logging::init();
    tracing::info!(log = ?log, "gotrue-console starting");
    // A bad `[keys]` binding stops here, naming its line.
    let no_color = std::env::var("NO_COLOR").ok();
    let prefs = config::prefs(
        config_path(&args).as_deref(),
        &args.pref_flags(),
        no_color.as_deref(),
    )
    .map_err(|e| eyre!("{e}"))?;
    let timeout = args.timeout;
    let profiles = profile_names(&args);

    // The demo server lives as long as the console.
    let mut _demo: Option<DemoServer> = None;
    let (client_config, app_config) = if args.demo {
        let demo = DemoServer::start(DemoConfig {
            extra_users: args.demo_users,
            ..DemoConfig::default()
        })
        .await
        .map_err(|e| eyre!("the demo server did not start: {e}"))?;
        let base = BaseUrl::parse(demo.url()).map_err(|e| eyre!("{e}"))?;
        let client = ClientConfig {
            request_timeout: timeout,
            ..ClientConfig::new(base)
                .anon_key(demo.anon_key())
                .service_role_key(demo.service_role_key())
        };
        let app = AppConfig {
            prefs: Default::default(),
            server: demo.url().to_owned(),
            profile: Some("demo".into()),
            read_only: args.read_only,
            production: false,
            demo: true,
            has_service_key: true,
            admin_key_kind: None,
            warnings: Vec::new(),
            profiles,
            mask: false,
            journal: None,
            insecure_tls: false,
            mailpit: None,
            database: None,
            // A fresh demo server each run: nothing of an earlier one is worth keeping.
            keep_session: false,
            state_dir: None,
        };
        _demo = Some(demo);
        (client, app)
    } else {
        let overrides = args.overrides();
        // Key commands may run (up to 10 s each): off the async threads.
        let conn =
            tokio::task::spawn_blocking(move || config::resolve(&overrides, &config::process_env))
                .await
                .wrap_err("resolving the configuration")?
                .map_err(|e| eyre!("{e}"))?;
        connect(&conn, timeout, profiles)
    };

    let mut app_config = app_config;
    app_config.mask = args.mask;
    app_config.prefs = prefs;
    // On the machine that serves the console over SSH, its journal is readable here too.
    app_config.journal = gotrue_console::logging::state_dir()
        .map(|d| d.join("ssh-journal.jsonl"))
        .filter(|p| p.exists());
    // Unfinished bulk runs are kept there (not the demo's: its users are new each run).
    if !app_config.demo {
        app_config.state_dir = gotrue_console::logging::state_dir();
    }
    let client = GoTrueClient::new(client_config).map_err(|e| eyre!("{e}"))?;
    let now = chrono::Utc::now();
    let connect = connector(&args, timeout);
    gotrue_console::term::local::run(
        move |size| App::new(app_config, now, size),
        client,
        Some(connect),
    )
    .await
    .wrap_err("the terminal failed")?;
    Ok(())
}

/// `users export`: every user to stdout or a file. Any failure prints one line on stderr and
/// exits 1; a file is written as `FILE.partial` and renamed only once complete.
/// The connection of a headless `users` command and its admin client (`what` names the
/// command in messages); exits with the reason when there is no admin key.
async fn admin_client(console: &ConsoleArgs, what: &str) -> (Connection, GoTrueClient) {
    let conn = headless_connection(console).await;
    let client = admin_client_of(&conn, console.timeout, what).await;
    (conn, client)
}

/// The connection of a headless command, its warnings said on stderr.
async fn headless_connection(console: &ConsoleArgs) -> Connection {
    gotrue_console::logging::init();
    let conn = resolve_off_thread(console)
        .await
        .unwrap_or_else(|e| fail(e));
    for warning in &conn.warnings {
        eprintln!("warning: {warning}");
    }
    conn
}

async fn admin_client_of(conn: &Connection, timeout: Duration, what: &str) -> GoTrueClient {
    if conn.service_role_key.is_none() {
        fail(format!(
            "{what} needs an admin key: SUPABASE_SECRET_KEY or GOTRUE_SERVICE_ROLE_KEY \
             (or the deprecated SUPABASE_SERVICE_ROLE_KEY), or secret_key / service_role_key \
             in the profile"
        ));
    }
    let (client_config, _) = connect(conn, timeout, Vec::new());
    let mut client = GoTrueClient::new(client_config).unwrap_or_else(|e| fail(e));
    // A bare URL may be a Supabase API URL, with GoTrue under /auth/v1.
    if client.base_url().is_bare()
        && let Ok((_, Some(base))) = client.locate().await
    {
        eprintln!("note: Auth answers under /auth/v1 at this URL: using {base}");
        client = client.with_base_url(base).unwrap_or_else(|e| fail(e));
    }
    client
}

/// `users export` with a database: one `COPY … TO STDOUT`, the same formats as the API's.
async fn users_export_from_db(conn: &Connection, console: &ConsoleArgs, args: ExportArgs) {
    use gotrue_console::db::{Db, DbOptions};
    use gotrue_console::ops::export::{export_db_to_file, export_users_from_db};
    let Some(url) = &conn.db_url else { return };
    let format = args.format.unwrap_or_else(|| {
        args.out
            .as_deref()
            .and_then(ExportFormat::from_path)
            .unwrap_or(ExportFormat::Ndjson)
    });
    if args.resume {
        eprintln!(
            "note: an export from the database is one COPY: it starts over (--resume is for the API's pages)"
        );
    }
    let opts = DbOptions {
        statement_timeout: console.timeout,
        ..DbOptions::default()
    };
    let (db, info) = Db::connect(url, opts)
        .await
        .unwrap_or_else(|e| fail(format!("the database: {e}")));
    for warning in &info.warnings {
        eprintln!("warning: {warning}");
    }
    eprintln!("reading users from the database {} (COPY)", info.target);
    let thousands = gotrue_console::console::widgets::thousands;
    let mut progress = Progress::new(0);
    let started = Instant::now();
    let filter = args.filter.as_deref();
    let (outcome, to) = match &args.out {
        None => {
            let r = tokio::select! {
                r = export_users_from_db(&db, format, filter, std::io::stdout(), |n, t| progress.show(n, t)) => Some(r),
                _ = tokio::signal::ctrl_c() => None,
            };
            (r, "stdout".to_owned())
        }
        Some(path) => {
            let r = tokio::select! {
                r = export_db_to_file(&db, format, filter, path, |n, t| progress.show(n, t)) => Some(r.map(|d| d.written)),
                _ = tokio::signal::ctrl_c() => None,
            };
            (r, path.display().to_string())
        }
    };
    progress.clear();
    let count = match outcome {
        Some(Ok(n)) => n,
        Some(Err(ExportError::Write(e))) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            std::process::exit(0)
        }
        Some(Err(e)) => fail(e),
        None => interrupted(),
    };
    eprintln!(
        "exported {} {} to {to} in {:.1} s (from the database)",
        thousands(count),
        if count == 1 { "user" } else { "users" },
        started.elapsed().as_secs_f64()
    );
}

async fn users_export(console: ConsoleArgs, args: ExportArgs) {
    let conn = headless_connection(&console).await;
    if conn.db_url.is_some() {
        return users_export_from_db(&conn, &console, args).await;
    }
    let client = admin_client_of(&conn, console.timeout, "users export").await;

    let format = args.format.unwrap_or_else(|| {
        args.out
            .as_deref()
            .and_then(ExportFormat::from_path)
            .unwrap_or(ExportFormat::Ndjson)
    });
    let opts = ExportOptions {
        format,
        filter: args.filter,
        per_page: args.per_page,
        concurrency: args.concurrency,
    };
    let earlier = args
        .out
        .as_deref()
        .and_then(gotrue_console::ops::export::unfinished);
    let thousands = gotrue_console::console::widgets::thousands;
    if let (Some(path), Some(n)) = (&args.out, earlier) {
        let partial = gotrue_console::ops::export::partial_paths(path).0;
        if args.resume {
            eprintln!(
                "resuming: {} users already in {}",
                thousands(n),
                partial.display()
            );
        } else {
            eprintln!(
                "note: starting over: {} held {} users of an unfinished export (--resume goes on from them)",
                partial.display(),
                thousands(n)
            );
        }
    } else if args.resume {
        eprintln!("note: no unfinished export to go on from: starting from the top");
    }
    let mut progress = Progress::new(earlier.filter(|_| args.resume).unwrap_or(0));
    let started = Instant::now();
    let (count, before, to) = match &args.out {
        None => match run_export(&client, opts, std::io::stdout(), &mut progress).await {
            Some(Ok(count)) => (count, 0, "stdout".to_owned()),
            // The reader has all it wanted (`| head`): not a failure, and nothing to say.
            Some(Err(ExportError::Write(e))) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                std::process::exit(0)
            }
            Some(Err(e)) => fail(e),
            None => interrupted(),
        },
        Some(path) => {
            // The one export path the console uses too: FILE.partial, fsynced, renamed.
            // Ctrl-C drops it; from its first batch on it leaves what --resume needs.
            let how = gotrue_console::ops::export::ToFile {
                keep: None,
                resumable: true,
                resume: args.resume,
            };
            let outcome = tokio::select! {
                r = gotrue_console::ops::export::export_to_file(
                    &client, opts, path, how, |n, t| progress.show(n, t)
                ) => Some(r),
                _ = tokio::signal::ctrl_c() => None,
            };
            progress.clear();
            let resumable = || {
                if let Some(n) = gotrue_console::ops::export::unfinished(path) {
                    eprintln!(
                        "{} holds the first {} users: the same command with --resume goes on from there",
                        gotrue_console::ops::export::partial_paths(path).0.display(),
                        thousands(n)
                    );
                }
            };
            match outcome {
                Some(Ok(done)) => (done.written, done.earlier, path.display().to_string()),
                Some(Err(e)) => {
                    eprintln!("gotrue-console: {e}");
                    resumable();
                    std::process::exit(1)
                }
                None => {
                    eprintln!("gotrue-console: interrupted");
                    resumable();
                    std::process::exit(130)
                }
            }
        }
    };
    let earlier = if before > 0 {
        format!(" ({} of them by an earlier run)", thousands(before))
    } else {
        String::new()
    };
    eprintln!(
        "exported {} {} to {to} in {:.1} s{earlier}",
        thousands(count),
        if count == 1 { "user" } else { "users" },
        started.elapsed().as_secs_f64()
    );
}

/// `gotrue-console users invite --csv FILE`: the console's invitation runner, headless.
async fn users_invite(console: ConsoleArgs, args: InviteArgs) {
    use gotrue_console::ops::bulk::{InviteOptions, RowStatus, RunEnd, file};
    let (conn, client) = admin_client(&console, "users invite").await;
    if conn.read_only {
        fail("this profile is read-only: users invite would change the server");
    }
    if conn.production {
        eprintln!("warning: a PRODUCTION profile: these invitations go to real people");
    }
    let (mut batch, opened) = file::open(&args.csv, args.resume).unwrap_or_else(|e| fail(e));
    let state = file::state_path(&args.csv);
    let thousands = gotrue_console::console::widgets::thousands;
    match opened {
        file::Opened::Resumed { in_doubt } => eprintln!(
            "resuming {}: {} pending{}",
            state.display(),
            thousands(batch.counts().pending as u64),
            if in_doubt > 0 {
                format!(", {in_doubt} looked up first (an earlier run may have sent them)")
            } else {
                String::new()
            }
        ),
        file::Opened::Fresh if args.resume => {
            eprintln!("note: no earlier run to go on from: starting from the top")
        }
        file::Opened::Fresh => {}
    }
    let before = batch.counts();
    let opts = InviteOptions {
        concurrency: args.concurrency,
        redirect_to: args.redirect_to.clone(),
        links_only: args.links_only,
        ..InviteOptions::default()
    };
    let total = (before.pending + before.sent + before.exists + before.failed) as u64;
    let mut progress = Progress::new(before.sent as u64 + before.exists as u64);
    let verb = if args.links_only { "linked" } else { "invited" };
    let started = Instant::now();
    let cancel = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let end = file::run(&client, &mut batch, &state, opts, cancel, |b| {
        let c = b.counts();
        progress.show_as(verb, (c.sent + c.exists + c.failed) as u64, Some(total));
    })
    .await
    .unwrap_or_else(|e| fail(format!("{}: {e}", state.display())));
    progress.clear();
    let results = args
        .results
        .clone()
        .unwrap_or_else(|| file::results_path(&args.csv));
    let written = std::fs::File::create(&results)
        .map_err(gotrue_console::ops::bulk::BulkError::from)
        .and_then(|f| batch.results_csv(f));
    if let Err(e) = written {
        fail(format!("{}: {e}", results.display()));
    }
    let c = batch.counts();
    let links = batch
        .rows
        .iter()
        .filter(|r| matches!(r.status, RowStatus::Sent { link: Some(_), .. }))
        .count();
    eprintln!(
        "invited {}{}, {} already users, {} failed, {} pending, {} invalid or duplicate in {:.1} s: results in {}",
        thousands(c.sent as u64),
        if links > 0 {
            format!(" ({} as links, not mailed)", thousands(links as u64))
        } else {
            String::new()
        },
        thousands(c.exists as u64),
        thousands(c.failed as u64),
        thousands(c.pending as u64),
        thousands((c.invalid + c.duplicate) as u64),
        started.elapsed().as_secs_f64(),
        results.display()
    );
    if links > 0 {
        eprintln!("the links are in its link column: whoever has one signs in as that user");
    }
    match &end {
        RunEnd::Paused { reason } => eprintln!("paused: {reason}"),
        RunEnd::Stopped { reason } => eprintln!("stopped: {reason}"),
        RunEnd::Cancelled => eprintln!("interrupted"),
        RunEnd::Completed => {}
    }
    if c.pending + c.failed > 0 {
        eprintln!(
            "the same command with --resume goes on from {}{}",
            state.display(),
            if c.failed > 0 {
                " (failed rows stay failed: see the results)"
            } else {
                ""
            }
        );
        std::process::exit(if matches!(end, RunEnd::Cancelled) {
            130
        } else {
            1
        });
    }
}

/// Runs the export until it ends or Ctrl-C (`None`), then erases the progress line.
async fn run_export(
    client: &GoTrueClient,
    opts: ExportOptions,
    out: impl Write,
    progress: &mut Progress,
) -> Option<Result<u64, ExportError>> {
    let outcome = tokio::select! {
        r = export_users(client, opts, out, |n, t| progress.show(n, t)) => Some(r),
        _ = tokio::signal::ctrl_c() => None,
    };
    progress.clear();
    outcome
}

/// `exported 12,000 / 100,300 users` on stderr, redrawn in place a few times a second, and
/// only when stderr is a terminal.
struct Progress {
    tty: bool,
    last: Option<Instant>,
    drawn: bool,
    started: Instant,
    base: u64,
}

impl Progress {
    const EVERY: Duration = Duration::from_millis(200);

    /// `base`: users an earlier run wrote, counted in the figures but not in the rate.
    fn new(base: u64) -> Self {
        Progress {
            tty: std::io::stderr().is_terminal(),
            last: None,
            drawn: false,
            started: Instant::now(),
            base,
        }
    }

    fn show(&mut self, loaded: u64, total: Option<u64>) {
        self.show_as("exported", loaded, total);
    }

    /// `{verb} 12,000 / 100,300 users · 2,400/s · about 1 min left`.
    fn show_as(&mut self, verb: &str, loaded: u64, total: Option<u64>) {
        if !self.tty || self.last.is_some_and(|t| t.elapsed() < Self::EVERY) {
            return;
        }
        self.last = Some(Instant::now());
        let of = total
            .map(|t| format!(" / {}", gotrue_console::console::widgets::thousands(t)))
            .unwrap_or_default();
        let pace = gotrue_console::console::widgets::time::rate_and_left(
            loaded.saturating_sub(self.base),
            total.map(|t| t.saturating_sub(self.base)),
            self.started.elapsed().as_secs_f64(),
        );
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[K{verb} {}{of} users{pace}",
            gotrue_console::console::widgets::thousands(loaded)
        );
        let _ = err.flush();
        self.drawn = true;
    }

    /// Erases the progress line so the next line starts clean.
    fn clear(&mut self) {
        if self.drawn {
            eprint!("\r\x1b[K");
            self.drawn = false;
        }
    }
}

/// Writes to stdout; a reader that has all it wanted (`| head`) is not a failure.
fn print_bytes(bytes: &[u8]) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => fail(format!("cannot write to stdout: {e}")),
    }
}

fn fail(message: impl Display) -> ! {
    eprintln!("gotrue-console: {message}");
    std::process::exit(1)
}

/// Ctrl-C: the shell's convention, 128 + SIGINT.
fn interrupted() -> ! {
    eprintln!("gotrue-console: interrupted");
    std::process::exit(130)
}

/// `gotrue-console doctor`: every check, printed; exit 0 only if the console can work.
async fn doctor(console: ConsoleArgs) {
    gotrue_console::logging::init();
    let timeout = console.timeout;
    let conn = match resolve_off_thread(&console).await {
        Ok(conn) => conn,
        Err(e) => {
            println!("✗ config      {e}");
            std::process::exit(1);
        }
    };
    let (client_config, _) = connect(&conn, timeout, Vec::new());
    let client = GoTrueClient::new(client_config).unwrap_or_else(|e| fail(e));
    let mut checks = gotrue_console::doctor::paths(
        config_path(&console).as_deref(),
        gotrue_console::logging::state_dir().as_deref(),
    );
    checks.extend(gotrue_console::doctor::run(&conn, &client, chrono::Utc::now()).await);
    print!("{}", gotrue_console::doctor::render(&checks));
    let ok = gotrue_console::doctor::can_work(&checks);
    println!(
        "{}",
        if ok {
            "The console can work with this connection."
        } else {
            "The console cannot work with this connection: see the ✗ lines."
        }
    );
    std::process::exit(if ok { 0 } else { 1 });
}

/// Resolves the connection of the command line's flags. Key commands may run (up to 10 s
/// each): off the async threads.
async fn resolve_off_thread(console: &ConsoleArgs) -> Result<Connection, String> {
    let overrides = console.overrides();
    tokio::task::spawn_blocking(move || config::resolve(&overrides, &config::process_env))
        .await
        .map_err(|e| format!("resolving the configuration: {e}"))?
        .map_err(|e| e.to_string())
}
