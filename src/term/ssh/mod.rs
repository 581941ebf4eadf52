//! `serve-ssh`: the console over SSH, one console per session (like charm's wish). Staff
//! connect with `ssh -p 2222 host` and their own key; the GoTrue service key stays on the
//! server.
//!
//! - Keys: public-key authentication only, against an OpenSSH `authorized_keys` file read
//!   again at every attempt ([`keys`]); every answer takes the same time; a few attempts per
//!   connection. A key's line may make it read-only or masked.
//! - Sessions: a pty is required; each session channel gets its own `App` and `Driver` on
//!   its own task ([`session`]); a panic or a dropped client ends that session only, and
//!   the client's terminal is restored whenever the server can still reach it.
//! - Limits: `--max-sessions` consoles at once, `--idle-timeout` without a key press.
//! - Journal: every session and every request that changes data ([`journal`]).

pub mod keys;
pub mod policy;
/// Masking lives with the drawing code; re-exported here where the SSH options name it.
pub use crate::console::widgets::mask;
pub mod session;

pub use mask::{mask_email, mask_phone};

use crate::cli::{ConsoleArgs, ServeSshArgs};
use crate::config;
use crate::console::app::{AppConfig, Prefs};
use crate::gotrue::ClientConfig;
use crate::ops::journal::Journal;
use keys::KeyGrant;
use russh::keys::PrivateKey;
use russh::server::{Auth, Handler, Msg, PublicKeyOffer, Session, VerifiedPublicKey};
use russh::{Channel, MethodKind, MethodSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::time::Instant;

/// Every authentication answer, yes or no, takes this long: the time tells nothing.
pub const AUTH_DELAY: Duration = Duration::from_millis(300);
/// Refused keys per connection (OpenSSH's `MaxAuthTries`); then it is disconnected.
pub const MAX_AUTH_ATTEMPTS: usize = 6;
/// A connection has this long to authenticate.
pub const LOGIN_GRACE: Duration = Duration::from_secs(60);
/// Connections not yet authenticated at once (OpenSSH's `MaxStartups`); more are dropped.
pub const MAX_STARTUPS: usize = 32;

/// What each session's console talks to.
#[derive(Clone, Debug)]
pub enum Target {
    /// A demo server of its own per session.
    Demo {
        extra_users: usize,
        timeout: Duration,
    },
    /// The server's profile: every session gets a client made from this (with its keys).
    Server {
        client: Box<ClientConfig>,
        app: Box<AppConfig>,
    },
}

/// Everything the SSH server needs.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    pub listen: SocketAddr,
    pub authorized_keys: PathBuf,
    pub host_key: PathBuf,
    pub target: Target,
    pub max_sessions: usize,
    pub idle_timeout: Duration,
    pub journal: PathBuf,
    /// Mask emails and phones in every session.
    pub mask: bool,
    /// Every session read-only.
    pub read_only: bool,
    /// The console's keys, colours and mouse, for every session.
    pub prefs: Prefs,
}

/// What every connection and session shares.
pub struct Shared {
    authorized_keys: PathBuf,
    mask: bool,
    read_only: bool,
    prefs: Prefs,
    idle_timeout: Duration,
    max_sessions: usize,
    target: Target,
    journal: Journal,
    slots: Arc<Semaphore>,
    startups: Arc<Semaphore>,
    shutdown: watch::Receiver<bool>,
}

/// A running SSH server.
pub struct SshServer {
    addr: SocketAddr,
    fingerprint: String,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    accept: tokio::task::JoinHandle<()>,
}

impl SshServer {
    /// Loads (or makes) the host key, opens the journal, binds and starts accepting.
    pub async fn start(cfg: ServeConfig) -> Result<SshServer, String> {
        let host_key = {
            let path = cfg.host_key.clone();
            tokio::task::spawn_blocking(move || keys::load_or_create_host_key(&path))
                .await
                .map_err(|e| e.to_string())??
        };
        let fingerprint = keys::fingerprint(host_key.public_key());
        // A missing file is not fatal (no key gets in until it exists), but it is said.
        if let Err(e) = std::fs::metadata(&cfg.authorized_keys) {
            tracing::warn!(path = %cfg.authorized_keys.display(), error = %e,
                "authorized_keys not readable: no key can connect");
        }
        let journal = Journal::open(&cfg.journal)?;
        let listener = TcpListener::bind(cfg.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", cfg.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let (stop, shutdown) = watch::channel(false);
        let shared = Arc::new(Shared {
            authorized_keys: cfg.authorized_keys,
            mask: cfg.mask,
            read_only: cfg.read_only,
            prefs: cfg.prefs,
            idle_timeout: cfg.idle_timeout,
            max_sessions: cfg.max_sessions,
            target: cfg.target,
            journal,
            slots: Arc::new(Semaphore::new(cfg.max_sessions)),
            startups: Arc::new(Semaphore::new(MAX_STARTUPS)),
            shutdown,
        });
        let config = Arc::new(russh_config(host_key));
        let accept = tokio::spawn(accept_loop(listener, config, shared.clone()));
        tracing::info!(%addr, host_key = %fingerprint, "ssh server listening");
        Ok(SshServer {
            addr,
            fingerprint,
            shared,
            stop,
            accept,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The host key's `SHA256:…` fingerprint, for staff to check on first connect.
    pub fn host_key_fingerprint(&self) -> &str {
        &self.fingerprint
    }

    pub fn journal_path(&self) -> &Path {
        self.shared.journal.path()
    }

    /// Consoles running now.
    pub fn active_sessions(&self) -> usize {
        self.shared.max_sessions - self.shared.slots.available_permits()
    }

    /// Stops accepting, tells every session to end (each restores its client's terminal
    /// and says why), and waits for them a few seconds at most.
    pub async fn shutdown(self) {
        self.accept.abort();
        let _ = self.stop.send(true);
        let all = u32::try_from(self.shared.max_sessions).unwrap_or(u32::MAX);
        let _ =
            tokio::time::timeout(Duration::from_secs(5), self.shared.slots.acquire_many(all)).await;
    }
}

fn russh_config(host_key: PrivateKey) -> russh::server::Config {
    russh::server::Config {
        methods: MethodSet::from(&[MethodKind::PublicKey][..]),
        auth_rejection_time: AUTH_DELAY,
        auth_rejection_time_initial: Some(AUTH_DELAY),
        max_auth_attempts: MAX_AUTH_ATTEMPTS,
        keys: vec![host_key],
        // Idle consoles are closed by --idle-timeout; keepalives find clients that vanished.
        inactivity_timeout: None,
        keepalive_interval: Some(Duration::from_secs(30)),
        keepalive_max: 3,
        nodelay: true,
        ..Default::default()
    }
}

async fn accept_loop(
    listener: TcpListener,
    config: Arc<russh::server::Config>,
    shared: Arc<Shared>,
) {
    loop {
        let (socket, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(startup) = shared.startups.clone().try_acquire_owned() else {
            tracing::warn!(%peer, "too many connections authenticating: dropped");
            continue;
        };
        let config = config.clone();
        let shared = shared.clone();
        tokio::spawn(async move {
            let authenticated = Arc::new(std::sync::atomic::AtomicBool::new(false));
            let handler = Connection {
                shared,
                peer: Some(peer),
                grant: None,
                failures: 0,
                startup: Some(startup),
                authenticated: authenticated.clone(),
            };
            // Also bounds the exchange of version strings: a silent client is dropped.
            let running = match tokio::time::timeout(
                LOGIN_GRACE,
                russh::server::run_stream(config, socket, handler),
            )
            .await
            {
                Ok(Ok(running)) => running,
                Ok(Err(e)) => {
                    tracing::debug!(%peer, error = %e, "ssh handshake failed");
                    return;
                }
                Err(_) => return,
            };
            let handle = running.handle();
            let grace = async {
                tokio::time::sleep(LOGIN_GRACE).await;
                if authenticated.load(std::sync::atomic::Ordering::SeqCst) {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                result = running => {
                    if let Err(e) = result {
                        tracing::debug!(%peer, error = %e, "ssh connection ended");
                    }
                }
                () = grace => {
                    let _ = handle
                        .disconnect(
                            russh::Disconnect::ByApplication,
                            "authentication took too long".into(),
                            String::new(),
                        )
                        .await;
                }
            }
        });
    }
}

/// One SSH connection: its authentication, then its session channels.
struct Connection {
    shared: Arc<Shared>,
    peer: Option<SocketAddr>,
    grant: Option<KeyGrant>,
    /// Keys refused so far.
    failures: usize,
    /// Counts this connection among those authenticating, until it is.
    startup: Option<tokio::sync::OwnedSemaphorePermit>,
    authenticated: Arc<std::sync::atomic::AtomicBool>,
}

impl Connection {
    /// The grant for `key` from the authorized_keys file as it is now.
    async fn lookup(&mut self, key: &russh::keys::PublicKey) -> Option<KeyGrant> {
        if self.failures >= MAX_AUTH_ATTEMPTS {
            return None;
        }
        let path = self.shared.authorized_keys.clone();
        let grant = match tokio::fs::read(&path).await {
            Ok(bytes) => keys::find_key(&String::from_utf8_lossy(&bytes), key, self.shared.mask),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "authorized_keys not readable");
                None
            }
        };
        if grant.is_none() {
            self.failures += 1;
        }
        grant
    }
}

fn answer(grant: &Option<KeyGrant>) -> Auth {
    if grant.is_some() {
        Auth::Accept
    } else {
        Auth::Reject {
            proceed_with_methods: Some(MethodSet::from(&[MethodKind::PublicKey][..])),
            partial_success: false,
        }
    }
}

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        Ok(answer(&None))
    }

    async fn auth_password(&mut self, _user: &str, _password: &str) -> Result<Auth, Self::Error> {
        self.failures += 1;
        Ok(answer(&None))
    }

    async fn auth_publickey_offered(
        &mut self,
        _user: &str,
        offer: PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        let started = Instant::now();
        let grant = self.lookup(offer.public_key).await;
        // Yes takes as long as no (russh pads the no).
        tokio::time::sleep_until(started + AUTH_DELAY).await;
        Ok(answer(&grant))
    }

    async fn auth_publickey(
        &mut self,
        _user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let started = Instant::now();
        let grant = self.lookup(key.public_key).await;
        tokio::time::sleep_until(started + AUTH_DELAY).await;
        let auth = answer(&grant);
        if let Some(g) = &grant {
            tracing::info!(key = %g.fingerprint, comment = %g.comment, peer = ?self.peer,
                "ssh key accepted");
            self.authenticated
                .store(true, std::sync::atomic::Ordering::SeqCst);
            self.startup = None;
        }
        self.grant = grant;
        Ok(auth)
    }

    async fn auth_openssh_certificate(
        &mut self,
        _user: &str,
        _certificate: &russh::keys::Certificate,
    ) -> Result<Auth, Self::Error> {
        self.failures += 1;
        Ok(answer(&None))
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(grant) = self.grant.clone() else {
            // Dropping the reply refuses the channel.
            return Ok(());
        };
        reply.accept().await;
        let who = session::Visitor {
            grant,
            peer: self.peer,
        };
        tokio::spawn(session::run(
            channel,
            session.handle(),
            self.shared.clone(),
            who,
        ));
        Ok(())
    }
}

/// The state folder's file `name`.
fn state_file(name: &str) -> Result<PathBuf, String> {
    crate::logging::state_dir()
        .map(|d| d.join(name))
        .ok_or_else(|| format!("no state folder for {name}: give its path"))
}

/// Builds the server's configuration from the command line: the profile (resolved here,
/// once: its keys never leave this process) or `--demo`.
pub async fn serve_config(
    console: &ConsoleArgs,
    args: &ServeSshArgs,
) -> Result<ServeConfig, String> {
    let timeout = console.timeout;
    // The config file's `[keys]`, theme and mouse apply to every session, demo or not.
    let path = console
        .config
        .clone()
        .or_else(config::ConfigFile::default_path);
    let no_color = std::env::var("NO_COLOR").ok();
    let prefs = config::prefs(path.as_deref(), &console.pref_flags(), no_color.as_deref())
        .map_err(|e| e.to_string())?;
    let demo = args.demo || console.demo;
    let target = if demo {
        let server = [
            ("--url", console.url.is_some()),
            ("--project-ref", console.project_ref.is_some()),
            ("--supabase-local", console.supabase_local),
            ("--profile", console.profile.is_some()),
            ("--mailpit", console.mailpit.is_some()),
            ("--insecure", console.insecure),
        ];
        if let Some((flag, _)) = server.iter().find(|(_, given)| *given) {
            return Err(format!(
                "--demo serves demo data: {flag} is for a server of your own; leave it out"
            ));
        }
        Target::Demo {
            extra_users: args.demo_users.max(console.demo_users),
            timeout,
        }
    } else {
        let overrides = console.overrides();
        // Key commands may run (up to 10 s each): off the async threads.
        let conn =
            tokio::task::spawn_blocking(move || config::resolve(&overrides, &config::process_env))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
        for warning in &conn.warnings {
            eprintln!("warning: {warning}");
        }
        if conn.service_role_key.is_none() {
            eprintln!(
                "warning: no service-role key: sessions open on the Session tab and can only \
                 sign in as users (or type a key)"
            );
        }
        let client = conn.client_config(timeout);
        // Warnings were printed above, for the operator; sessions start clean.
        let app = AppConfig {
            warnings: Vec::new(),
            // The server's keyring and files are not a remote user's.
            keep_session: false,
            state_dir: None,
            // Nor is its database: a remote user reads through GoTrue's API.
            database: None,
            ..conn.app_config()
        };
        Target::Server {
            client: Box::new(client),
            app: Box::new(app),
        }
    };
    Ok(ServeConfig {
        listen: args.listen,
        authorized_keys: args.authorized_keys.clone(),
        host_key: match &args.host_key {
            Some(p) => p.clone(),
            None => state_file("ssh_host_ed25519_key")?,
        },
        target,
        max_sessions: args.max_sessions,
        idle_timeout: args.idle_timeout,
        journal: match &args.journal {
            Some(p) => p.clone(),
            None => state_file("ssh-journal.jsonl")?,
        },
        // `--mask` before or after `serve-ssh`.
        mask: args.mask || console.mask,
        read_only: console.read_only,
        prefs,
    })
}

/// `gotrue-console serve-ssh`: serves until Ctrl-C or SIGTERM, then closes every session
/// cleanly.
pub async fn run(console: ConsoleArgs, args: ServeSshArgs) -> Result<(), String> {
    let cfg = serve_config(&console, &args).await?;
    let server = SshServer::start(cfg).await?;
    // Listen for the signals before saying how to stop: a SIGTERM sent the moment the line
    // appears must stop the server cleanly, not kill it.
    let stop = stop_signal();
    tracing::info!(addr = %server.local_addr(), host_key = %server.host_key_fingerprint(),
        "serving the console over ssh");
    eprintln!(
        "gotrue-console: serving the console over SSH on {} (host key {})\n\
         journal: {}\nconnect with: ssh -p {} {}\nCtrl-C stops.",
        server.local_addr(),
        server.host_key_fingerprint(),
        server.journal_path().display(),
        server.local_addr().port(),
        server.local_addr().ip(),
    );
    stop.await;
    let open = server.active_sessions();
    eprintln!(
        "gotrue-console: stopping ({open} {} open)",
        if open == 1 { "session" } else { "sessions" }
    );
    server.shutdown().await;
    Ok(())
}

/// Ctrl-C or SIGTERM. The handlers are in place when this returns; the future ends at the
/// first of the two.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                _ => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        // --idle-timeout takes the console's one duration grammar (crate::duration).
        let parse = crate::duration::parse_flag;
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("30m"), Ok(Duration::from_secs(1800)));
        assert_eq!(parse("2h"), Ok(Duration::from_secs(7200)));
        assert_eq!(parse("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse("1d"), Ok(Duration::from_secs(86_400)));
        assert!(parse("0").is_err());
        assert!(parse("m").is_err());
        assert!(parse("99999999999999999w").is_err());
        assert_eq!(session::human_duration(Duration::from_secs(1800)), "30 min");
    }
}
