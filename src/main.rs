//! Thin: parse the command line, install the hooks, pick a run mode.

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr, eyre};
use gotrue_console::app::{App, AppConfig};
use gotrue_console::cli::{Cli, Cmd, ConsoleArgs};
use gotrue_console::config::{self, ConfigFile, Connection, ConsoleOverrides};
use gotrue_console::demo::{DemoConfig, DemoServer};
use gotrue_console::gotrue::{BaseUrl, ClientConfig, GoTrueClient};
use gotrue_console::term::Connector;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

fn main() -> Result<()> {
    // First, so that a panic restores the terminal (ratatui's hook, installed later, runs
    // before this one's report).
    color_eyre::install()?;
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().wrap_err("cannot start the async runtime")?;
    runtime.block_on(async move {
        match cli.command {
            Some(Cmd::DemoServer(args)) => {
                gotrue_console::logging::init();
                gotrue_console::demo::run_standalone(args)
                    .await
                    .map_err(|e| eyre!("demo server: {e}"))
            }
            None => console(cli.console).await,
        }
    })
}

/// The environment variables that override a profile at start-up. An in-console profile
/// switch means "that profile", so they are left out of it (a profile's own `*_env` keys
/// still read the environment).
const LAYERED_ENV: [&str; 6] = [
    "GOTRUE_URL",
    "GOTRUE_ANON_KEY",
    "GOTRUE_SERVICE_ROLE_KEY",
    "SUPABASE_URL",
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
    let mut client = ClientConfig::new(conn.url.clone());
    client.anon_key = conn.anon_key.clone();
    client.service_role_key = conn.service_role_key.clone();
    client.request_timeout = timeout;
    let app = AppConfig {
        server: conn.url.to_string(),
        profile: conn.profile.clone(),
        read_only: conn.read_only,
        production: conn.production,
        demo: false,
        has_service_key: conn.service_role_key.is_some(),
        warnings: conn.warnings.clone(),
        profiles,
    };
    (client, app)
}

/// Switches to a profile of the config file, from inside the console.
fn connector(args: &ConsoleArgs, timeout: Duration) -> Connector {
    let path = config_path(args);
    let read_only = args.read_only;
    Arc::new(move |name: &str| {
        let path = path.clone().ok_or("no config file")?;
        let file = ConfigFile::load(&path)
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("{} does not exist", path.display()))?;
        let overrides = ConsoleOverrides {
            read_only,
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
    let timeout = Duration::from_secs(args.timeout.max(1));
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
            server: demo.url().to_owned(),
            profile: Some("demo".into()),
            read_only: args.read_only,
            production: false,
            demo: true,
            has_service_key: true,
            warnings: Vec::new(),
            profiles,
        };
        _demo = Some(demo);
        (client, app)
    } else {
        let overrides = ConsoleOverrides {
            url: args.url.clone(),
            profile: args.profile.clone(),
            read_only: args.read_only,
            config_path: args.config.clone(),
        };
        // Key commands may run (up to 10 s each): off the async threads.
        let conn =
            tokio::task::spawn_blocking(move || config::resolve(&overrides, &config::process_env))
                .await
                .wrap_err("resolving the configuration")?
                .map_err(|e| eyre!("{e}"))?;
        connect(&conn, timeout, profiles)
    };

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
