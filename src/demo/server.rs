//! Starting and stopping the demo server.

use std::io::Write;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::config::{DemoConfig, DemoServerArgs, JwtAlg};
use super::errors::DemoError;
use super::faults::{FaultConfig, FaultState};
use super::gateway::{self, AUTH_PREFIX, GatewayKeys};
use super::jwt;
use super::listener::{ConnKill, KillableListener};
use super::model::User;
use super::outbox::OutboxMessage;
use super::routes;
use super::seed;
use super::state::{AppState, Db, Settings};
use super::store::{Conflict, Users};

/// A running demo server. Dropping it stops the server.
pub struct DemoServer {
    /// GoTrue's URL: `api_url`, plus `/auth/v1` behind the gateway.
    url: String,
    api_url: String,
    gateway: Option<Arc<GatewayKeys>>,
    secret_key: String,
    publishable_key: String,
    anon_key: String,
    service_role_key: String,
    jwt_secret: String,
    state: Arc<AppState>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// Seed plus synthetic users, and the audit history of the seed.
fn build_data(cfg: &DemoConfig) -> Result<(Db, super::audit::AuditLog), DemoError> {
    let mut rows: Vec<User> = Vec::new();
    if cfg.seed {
        for s in seed::load_seed()? {
            rows.push(s.into_user()?);
        }
    }
    let audit = seed::seed_audit(&rows);
    let users = Users::new(rows, cfg.extra_users).map_err(|c| {
        DemoError::Seed(match c {
            Conflict::Id => "duplicate user id".to_string(),
            Conflict::Email(e) => format!("duplicate email {e}"),
            Conflict::Phone(p) => format!("duplicate phone {p}"),
        })
    })?;
    Ok((
        Db {
            users,
            ..Db::default()
        },
        audit,
    ))
}

impl DemoServer {
    /// Loads the data, binds, and starts serving; returns once requests are
    /// accepted.
    pub async fn start(cfg: DemoConfig) -> Result<DemoServer, DemoError> {
        let data_cfg = cfg.clone();
        let (db, audit) = tokio::task::spawn_blocking(move || build_data(&data_cfg))
            .await
            .map_err(|e| DemoError::Seed(format!("loading users failed: {e}")))??;
        let listener = TcpListener::bind(cfg.listen)
            .await
            .map_err(|source| DemoError::Bind {
                addr: cfg.listen,
                source,
            })?;
        let local = listener.local_addr()?;
        let host = if local.ip().is_unspecified() {
            "127.0.0.1".to_string()
        } else if local.is_ipv6() {
            format!("[{}]", local.ip())
        } else {
            local.ip().to_string()
        };
        let api_url = format!("http://{host}:{}", local.port());
        let url = if cfg.gateway {
            format!("{api_url}{AUTH_PREFIX}")
        } else {
            api_url.clone()
        };
        let keys = Arc::new(GatewayKeys::new(&cfg.jwt_secret));
        let jwt_key = match cfg.jwt_alg {
            JwtAlg::Hs256 => None,
            JwtAlg::Es256 => Some(jwt::EcSigningKey::generate().map_err(DemoError::Seed)?),
        };
        let settings = Settings {
            url: url.clone(),
            jwt_secret: cfg.jwt_secret.clone(),
            jwt_key,
            jwt_exp: i64::try_from(cfg.jwt_exp.as_secs()).unwrap_or(3600),
            site_url: cfg.site_url.clone(),
            mailer_autoconfirm: cfg.mailer_autoconfirm,
            phone_autoconfirm: cfg.phone_autoconfirm,
            send_frequency: chrono::Duration::from_std(cfg.send_frequency)
                .unwrap_or(chrono::Duration::seconds(60)),
            password_min_length: cfg.password_min_length,
            otp_exp: chrono::Duration::seconds(3600),
            sms_otp_exp: chrono::Duration::seconds(60),
            test_otps: vec![("15555550100".to_string(), "123456".to_string())],
            secure_email_change: true,
            admin_roles: vec!["service_role".into(), "supabase_admin".into()],
            oauth_providers: cfg.oauth_providers.clone(),
            anonymous_users: cfg.anonymous_users,
            cursor_pagination: cfg.cursor_pagination,
            email_rate_limit: cfg.email_rate_limit,
            saml_enabled: cfg.saml_enabled,
            oauth_server: cfg.oauth_server,
            custom_oauth: cfg.custom_oauth,
        };
        let smtp = cfg
            .smtp
            .as_deref()
            .map(super::smtp::SmtpRelay::new)
            .transpose()
            .map_err(DemoError::Seed)?;
        let (shutdown, shutdown_rx) = watch::channel(false);
        let mut state = AppState::new(settings, db, audit, cfg.faults.clone(), shutdown_rx.clone());
        state.smtp = smtp;
        if cfg.seed {
            let ids: Vec<uuid::Uuid> = db_first_ids(&state, 3);
            state.set_surfaces(super::surfaces::Surfaces::seeded(
                &ids,
                super::gotime::now(),
            ));
        }
        let state = Arc::new(state);
        let app = routes::router(state.clone());
        let app = if cfg.gateway {
            gateway::wrap(app, keys.clone())
        } else {
            app
        };
        let mut stop = shutdown_rx;
        let task = tokio::spawn(async move {
            let service = app.into_make_service_with_connect_info::<ConnKill>();
            let _ = axum::serve(KillableListener::new(listener), service)
                .with_graceful_shutdown(async move {
                    let _ = stop.wait_for(|s| *s).await;
                })
                .await;
        });
        Ok(DemoServer {
            anon_key: jwt::project_key(&cfg.jwt_secret, "anon"),
            service_role_key: jwt::project_key(&cfg.jwt_secret, "service_role"),
            jwt_secret: cfg.jwt_secret,
            url,
            api_url,
            secret_key: keys.secret.clone(),
            publishable_key: keys.publishable.clone(),
            gateway: cfg.gateway.then_some(keys),
            state,
            shutdown,
            task: Some(task),
        })
    }

    /// GoTrue's base URL, e.g. `http://127.0.0.1:41234`; behind the gateway
    /// `http://127.0.0.1:41234/auth/v1`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The project's API URL, as Supabase's `SUPABASE_URL` (`API_URL` of a local stack): the
    /// server itself, without `/auth/v1`.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// Whether GoTrue is behind the gateway stand-in.
    pub fn has_gateway(&self) -> bool {
        self.gateway.is_some()
    }

    /// The project's `sb_secret_` key: accepted by the gateway only.
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// The project's `sb_publishable_` key: accepted by the gateway only.
    pub fn publishable_key(&self) -> &str {
        &self.publishable_key
    }

    /// An HS256 key with role `anon`.
    pub fn anon_key(&self) -> &str {
        &self.anon_key
    }

    /// An HS256 key with role `service_role`.
    pub fn service_role_key(&self) -> &str {
        &self.service_role_key
    }

    pub fn jwt_secret(&self) -> &str {
        &self.jwt_secret
    }

    /// Replaces the fault injection settings (and reseeds their RNG).
    pub fn set_faults(&self, f: FaultConfig) {
        *self.state.faults() = FaultState::new(f);
    }

    /// Every message sent so far, oldest first.
    pub fn outbox(&self) -> Vec<OutboxMessage> {
        self.state.outbox().list()
    }

    /// Changes `GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL` (10 s by
    /// default), so tests need not wait for it.
    pub fn set_refresh_token_reuse_interval(&self, interval: std::time::Duration) {
        self.state.set_reuse_interval(interval);
    }

    /// Stops accepting, releases hung requests, waits for the server task.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

impl std::fmt::Debug for DemoServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// Runs the server from the command line: prints one JSON line with the URL
/// and keys, then serves until Ctrl-C or SIGTERM.
pub async fn run_standalone(args: DemoServerArgs) -> Result<(), DemoError> {
    let server = DemoServer::start(args.to_config()).await?;
    let mut line = serde_json::json!({
        "url": server.url(),
        "anon_key": server.anon_key(),
        "service_role_key": server.service_role_key(),
    });
    if server.has_gateway() {
        line["api_url"] = server.api_url().into();
        line["secret_key"] = server.secret_key().into();
        line["publishable_key"] = server.publishable_key().into();
    }
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
    }
    wait_for_signal().await?;
    server.shutdown().await;
    Ok(())
}

#[cfg(unix)]
async fn wait_for_signal() -> Result<(), DemoError> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r?,
        _ = term.recv() => {}
    }
    Ok(())
}

#[cfg(not(unix))]
async fn wait_for_signal() -> Result<(), DemoError> {
    tokio::signal::ctrl_c().await?;
    Ok(())
}

/// The first `n` users held, oldest first, for seeding what hangs off users.
fn db_first_ids(state: &AppState, n: usize) -> Vec<uuid::Uuid> {
    let db = state.read();
    let mut users: Vec<_> = db.users.held().map(|u| (u.created_at, u.id)).collect();
    users.sort();
    users.into_iter().take(n).map(|(_, id)| id).collect()
}
