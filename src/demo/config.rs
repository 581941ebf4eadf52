//! How the demo server is set up: [`DemoConfig`] for code, [`DemoServerArgs`]
//! for the `demo-server` command line.

use std::net::SocketAddr;
use std::time::Duration;

use super::faults::FaultConfig;

pub const DEFAULT_JWT_SECRET: &str = "super-secret-jwt-token-with-at-least-32-characters-long";

/// Settings of an embedded demo server.
#[derive(Clone, Debug)]
pub struct DemoConfig {
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    /// HS256 secret for access tokens and the anon / service-role keys.
    pub jwt_secret: String,
    /// Load the persona and seed users from `assets/demo-users.json`.
    pub seed: bool,
    /// Synthetic users added on top of the seed.
    pub extra_users: usize,
    /// `GOTRUE_MAILER_AUTOCONFIRM`.
    pub mailer_autoconfirm: bool,
    /// `GOTRUE_SMS_AUTOCONFIRM`.
    pub phone_autoconfirm: bool,
    /// Per-user minimum gap between two mails or two SMS of one kind.
    pub send_frequency: Duration,
    /// `GOTRUE_PASSWORD_MIN_LENGTH`.
    pub password_min_length: usize,
    /// Access token lifetime (`GOTRUE_JWT_EXP`).
    pub jwt_exp: Duration,
    /// `GOTRUE_SITE_URL`: where mail links send the browser by default.
    pub site_url: String,
    /// Faults to inject from the start.
    pub faults: FaultConfig,
    /// OAuth providers `/settings` reports as enabled (`GOTRUE_EXTERNAL_<NAME>_ENABLED`).
    pub oauth_providers: Vec<String>,
    /// `GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED`: a sign-up with neither email nor phone
    /// makes an anonymous user.
    pub anonymous_users: bool,
    /// Serve GoTrue under `/auth/v1` behind a stand-in for Supabase's API gateway, which
    /// takes the new `sb_secret_` / `sb_publishable_` keys (see `demo::gateway`).
    pub gateway: bool,
    /// How access tokens are signed: HS256 with the secret, or ES256 with a key made at
    /// start, served at `/.well-known/jwks.json` (the legacy keys stay HS256, as Supabase's).
    pub jwt_alg: JwtAlg,
    /// `HOST:PORT` of an SMTP server that gets a copy of every mail (Mailpit).
    pub smtp: Option<String>,
    /// `GOTRUE_EXPERIMENTAL_CURSOR_PAGINATION_ENABLED`: a users list request with neither
    /// `page` nor `per_page` is paged by cursor (`limit`, `cursor`), with no total.
    pub cursor_pagination: bool,
    /// `GOTRUE_RATE_LIMIT_EMAIL_SENT`: invitation mails sent per hour at most, project-wide
    /// (unless mail is autoconfirmed, as GoTrue); past it, 429 `over_email_send_rate_limit`
    /// "email rate limit exceeded". `None`: no quota. The demo counts invitations only.
    pub email_rate_limit: Option<u32>,
    /// `GOTRUE_SAML_ENABLED` as `/settings` reports it; v2.196.0's admin SSO routes answer
    /// either way.
    pub saml_enabled: bool,
    /// `GOTRUE_OAUTH_SERVER_ENABLED`: off, `/admin/oauth/clients` answers 404
    /// `feature_disabled`.
    pub oauth_server: bool,
    /// `GOTRUE_CUSTOM_OAUTH_ENABLED`: off, `/admin/custom-providers` answers 404
    /// `feature_disabled`.
    pub custom_oauth: bool,
}

/// `--jwt-alg`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum JwtAlg {
    #[default]
    #[value(name = "HS256")]
    Hs256,
    #[value(name = "ES256")]
    Es256,
}

impl Default for DemoConfig {
    fn default() -> Self {
        DemoConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            jwt_secret: DEFAULT_JWT_SECRET.to_string(),
            seed: true,
            extra_users: 0,
            mailer_autoconfirm: false,
            phone_autoconfirm: false,
            send_frequency: Duration::from_secs(60),
            password_min_length: 6,
            jwt_exp: Duration::from_secs(3600),
            site_url: "http://localhost:3000".to_string(),
            faults: FaultConfig::default(),
            oauth_providers: vec!["github".to_string(), "google".to_string()],
            anonymous_users: false,
            gateway: false,
            jwt_alg: JwtAlg::Hs256,
            smtp: None,
            cursor_pagination: false,
            email_rate_limit: None,
            saml_enabled: false,
            oauth_server: true,
            custom_oauth: true,
        }
    }
}

/// `gotrue-console demo-server` options.
#[derive(Clone, Debug, clap::Args)]
pub struct DemoServerArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:9998")]
    pub listen: SocketAddr,
    /// HS256 secret for tokens and keys.
    #[arg(long, default_value = DEFAULT_JWT_SECRET)]
    pub jwt_secret: String,
    /// Synthetic users to add on top of the seed users.
    #[arg(long = "users", default_value_t = 0)]
    pub users: usize,
    /// Start without the persona and seed users.
    #[arg(long)]
    pub no_seed: bool,
    /// Confirm email and phone sign-ups at once (no confirmation message).
    #[arg(long)]
    pub autoconfirm: bool,
    /// Seconds a user must wait between two messages of one kind.
    #[arg(long, default_value_t = 60)]
    pub send_frequency: u64,
    /// Latency added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Latency added to a users page by number for every 1,000 rows it skips, in
    /// microseconds: a real server's OFFSET grows with the page (keyset pages do not).
    #[arg(long, default_value_t = 0)]
    pub offset_latency_us: u64,
    /// Share of requests that fail with 500 or 503 (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Share of mail/SMS-sending requests that answer 429 (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub rate_limit_rate: f64,
    /// Share of answers whose body is cut off (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub truncate_rate: f64,
    /// Share of answers replaced by an HTML page (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub non_json_rate: f64,
    /// Share of requests whose connection is dropped (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub drop_rate: f64,
    /// Share of requests that never get an answer (0..1).
    #[arg(long, default_value_t = 0.0)]
    pub hang_rate: f64,
    /// Seed of the fault RNG, for repeatable runs.
    #[arg(long, default_value_t = 0)]
    pub fault_seed: u64,
    /// Serve GoTrue under /auth/v1 behind a stand-in for Supabase's API gateway: an apikey
    /// is required, and the sb_secret_ / sb_publishable_ keys printed work as on a hosted
    /// project.
    #[arg(long)]
    pub gateway: bool,
    /// How access tokens are signed: HS256 with the secret, or ES256 with a key made at
    /// start and served at /.well-known/jwks.json.
    #[arg(long, value_enum, default_value = "HS256")]
    pub jwt_alg: JwtAlg,
    /// Also send every mail to this SMTP server (HOST:PORT, plain, e.g. Mailpit's 1025).
    #[arg(long, value_name = "HOST:PORT")]
    pub smtp: Option<String>,
    /// Page the users list by cursor when a request names neither page nor per_page, as
    /// GoTrue does with GOTRUE_EXPERIMENTAL_CURSOR_PAGINATION_ENABLED (read too).
    #[arg(long, env = "GOTRUE_EXPERIMENTAL_CURSOR_PAGINATION_ENABLED")]
    pub cursor_pagination: bool,
    /// Invitation mails per hour at most, project-wide, as GoTrue's
    /// GOTRUE_RATE_LIMIT_EMAIL_SENT (read too); past it, 429 over_email_send_rate_limit.
    #[arg(long, value_name = "N", env = "GOTRUE_RATE_LIMIT_EMAIL_SENT")]
    pub email_rate_limit: Option<u32>,
    /// Answer /admin/oauth/clients with 404 feature_disabled, as GoTrue with the OAuth
    /// server off.
    #[arg(long)]
    pub no_oauth_server: bool,
    /// Answer /admin/custom-providers with 404 feature_disabled, as GoTrue with custom
    /// providers off.
    #[arg(long)]
    pub no_custom_providers: bool,
    /// Report saml_enabled in /settings.
    #[arg(long)]
    pub saml: bool,
}

impl DemoServerArgs {
    pub fn to_config(&self) -> DemoConfig {
        DemoConfig {
            listen: self.listen,
            jwt_secret: self.jwt_secret.clone(),
            seed: !self.no_seed,
            extra_users: self.users,
            mailer_autoconfirm: self.autoconfirm,
            phone_autoconfirm: self.autoconfirm,
            send_frequency: Duration::from_secs(self.send_frequency),
            faults: FaultConfig {
                latency_ms: self.latency_ms,
                offset_latency_us: self.offset_latency_us,
                fail_rate: self.fail_rate,
                rate_limit_rate: self.rate_limit_rate,
                truncate_rate: self.truncate_rate,
                non_json_rate: self.non_json_rate,
                drop_rate: self.drop_rate,
                hang_rate: self.hang_rate,
                seed: self.fault_seed,
                ..FaultConfig::default()
            },
            gateway: self.gateway,
            jwt_alg: self.jwt_alg,
            smtp: self.smtp.clone(),
            cursor_pagination: self.cursor_pagination,
            email_rate_limit: self.email_rate_limit,
            saml_enabled: self.saml,
            oauth_server: !self.no_oauth_server,
            custom_oauth: !self.no_custom_providers,
            ..DemoConfig::default()
        }
    }
}
