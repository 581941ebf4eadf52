//! Thin: parse the command line, install the hooks, pick a run mode.

use clap::Parser;
use color_eyre::eyre::{Result, WrapErr, eyre};
use gotrue_console::app::{App, AppConfig};
use gotrue_console::cli::{Cli, Cmd, ConsoleArgs};
use gotrue_console::config::{self, ConsoleOverrides};
use gotrue_console::demo::{DemoConfig, DemoServer};
use gotrue_console::gotrue::{BaseUrl, ClientConfig, GoTrueClient};
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

async fn console(args: ConsoleArgs) -> Result<()> {
    let log = gotrue_console::logging::init();
    tracing::info!(log = ?log, "gotrue-console starting");
    let timeout = Duration::from_secs(args.timeout.max(1));

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
        let conn = config::resolve(&overrides, &config::process_env).map_err(|e| eyre!("{e}"))?;
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
        };
        (client, app)
    };

    let client = GoTrueClient::new(client_config).map_err(|e| eyre!("{e}"))?;
    let now = chrono::Utc::now();
    gotrue_console::term::local::run(move |size| App::new(app_config, now, size), client)
        .await
        .wrap_err("the terminal failed")?;
    Ok(())
}
