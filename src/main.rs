//! Thin: parse the command line, install the hooks, pick a run mode.

use color_eyre::eyre::{Result, WrapErr, eyre};
use gotrue_console::cli::{Cli, Cmd, ConsoleArgs, ExportArgs, UsersCmd};
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
async fn users_export(console: ConsoleArgs, args: ExportArgs) {
    gotrue_console::logging::init();
    let timeout = console.timeout;
    let conn = resolve_off_thread(&console)
        .await
        .unwrap_or_else(|e| fail(e));
    for warning in &conn.warnings {
        eprintln!("warning: {warning}");
    }
    if conn.service_role_key.is_none() {
        fail(
            "users export needs an admin key: SUPABASE_SECRET_KEY or GOTRUE_SERVICE_ROLE_KEY \
             (or the deprecated SUPABASE_SERVICE_ROLE_KEY), or secret_key / service_role_key \
             in the profile",
        );
    }
    let (client_config, _) = connect(&conn, timeout, Vec::new());
    let mut client = GoTrueClient::new(client_config).unwrap_or_else(|e| fail(e));
    // A bare URL may be a Supabase API URL, with GoTrue under /auth/v1.
    if client.base_url().is_bare()
        && let Ok((_, Some(base))) = client.locate().await
    {
        eprintln!("note: Auth answers under /auth/v1 at this URL: using {base}");
        client = client.with_base_url(base).unwrap_or_else(|e| fail(e));
    }

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
            "\r\x1b[Kexported {}{of} users{pace}",
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
