//! Shared by the test binaries (each uses a part, hence `dead_code` allowed): the whole
//! console in-process ([`harness`]), and the server a test talks to: a real GoTrue when
//! `GOTRUE_URL` and `GOTRUE_JWT_SECRET` are set (CI runs the suite against one), else a fresh
//! embedded demo server configured like the real one in `tests/real-gotrue.sh`.
#![allow(dead_code)]

pub mod exchange;
pub mod harness;
pub mod pg;
pub mod screen;
pub mod script;
pub mod store;
pub mod temp;

use gotrue_console::demo::{DemoConfig, DemoServer};
use gotrue_console::gotrue::{
    AdminUserAttributes, BaseUrl, ClientConfig, Credential, GoTrueClient, Secret, Session, User,
};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::{Value, json};
use std::time::Duration;

/// A terminal buffer as text, one line per row.
pub fn buffer_text(buf: &ratatui::buffer::Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

pub struct Target {
    /// Carries the anon and the service-role key.
    pub client: GoTrueClient,
    pub url: String,
    pub jwt_secret: String,
    /// Whether this is a real GoTrue rather than the demo server.
    pub real: bool,
    demo: Option<DemoServer>,
}

impl Target {
    pub async fn new() -> Target {
        match (
            std::env::var("GOTRUE_URL"),
            std::env::var("GOTRUE_JWT_SECRET"),
        ) {
            (Ok(url), Ok(secret)) if !url.is_empty() => {
                let anon = mint(&secret, json!({"role": "anon"}));
                let service = mint(&secret, json!({"role": "service_role"}));
                Target {
                    client: client(&url, &anon, &service),
                    url,
                    jwt_secret: secret,
                    real: true,
                    demo: None,
                }
            }
            _ => {
                let demo = DemoServer::start(ci_like_demo_config())
                    .await
                    .expect("the demo server starts");
                // As GOTRUE_SECURITY_REFRESH_TOKEN_REUSE_INTERVAL=0 in tests/real-gotrue.sh.
                demo.set_refresh_token_reuse_interval(Duration::ZERO);
                Target {
                    client: client(demo.url(), demo.anon_key(), demo.service_role_key()),
                    url: demo.url().to_owned(),
                    jwt_secret: demo.jwt_secret().to_owned(),
                    real: false,
                    demo: Some(demo),
                }
            }
        }
    }

    pub fn demo(&self) -> Option<&DemoServer> {
        self.demo.as_ref()
    }

    /// A client of the same server with other keys (a user's token as "service key", …).
    pub fn client_with_service_key(&self, key: &str) -> GoTrueClient {
        client(
            &self.url,
            &mint(&self.jwt_secret, json!({"role": "anon"})),
            key,
        )
    }

    /// A confirmed email user with a password, created through the admin API.
    pub async fn confirmed_user(&self, password: &str) -> User {
        self.client
            .create_user(&AdminUserAttributes {
                email: Some(unique_email("user")),
                password: Some(Secret::new(password)),
                email_confirm: Some(true),
                ..Default::default()
            })
            .await
            .expect("admin creates a confirmed user")
    }

    pub async fn signed_in(&self, user: &User, password: &str) -> Session {
        self.client
            .sign_in_with_password(
                &Credential::Email(user.email.clone()),
                &Secret::new(password),
            )
            .await
            .expect("the user signs in")
    }

    /// Signs a token with the server's secret, as GoTrue would.
    pub fn mint(&self, claims: Value) -> String {
        mint(&self.jwt_secret, claims)
    }
}

/// The demo server with the settings `tests/real-gotrue.sh` gives the real GoTrue, so that
/// one suite passes on both.
pub fn ci_like_demo_config() -> DemoConfig {
    DemoConfig {
        mailer_autoconfirm: true,
        phone_autoconfirm: true,
        send_frequency: Duration::from_secs(1),
        site_url: "http://127.0.0.1:3000".to_owned(),
        oauth_providers: vec!["github".to_owned()],
        anonymous_users: true,
        ..DemoConfig::default()
    }
}

/// [`ci_like_demo_config`] with no users, as the real GoTrue a recording was made on.
pub fn replay_demo_config() -> DemoConfig {
    DemoConfig {
        seed: false,
        ..ci_like_demo_config()
    }
}

/// Every environment variable the console reads a connection from: a test that runs the
/// binary removes the ones it does not set, so the machine's own cannot leak in.
pub const CONNECTION_VARS: &[&str] = &[
    "GOTRUE_URL",
    "GOTRUE_ANON_KEY",
    "GOTRUE_SERVICE_ROLE_KEY",
    "SUPABASE_URL",
    "SUPABASE_ANON_KEY",
    "SUPABASE_SERVICE_ROLE_KEY",
    "SUPABASE_SECRET_KEY",
    "SUPABASE_PUBLISHABLE_KEY",
    "GOTRUE_CONSOLE_PROFILE",
    "SUPABASE_DB_URL",
];

/// A client of a demo server with its legacy anon and service-role keys.
pub fn demo_client(d: &DemoServer) -> GoTrueClient {
    client(d.url(), d.anon_key(), d.service_role_key())
}

pub fn client(url: &str, anon: &str, service: &str) -> GoTrueClient {
    let base = BaseUrl::parse(url).expect("a valid server URL");
    GoTrueClient::new(
        ClientConfig::new(base)
            .anon_key(anon)
            .service_role_key(service),
    )
    .expect("the client builds")
}

pub fn mint(secret: &str, mut claims: Value) -> String {
    let now = chrono::Utc::now().timestamp();
    if let Some(obj) = claims.as_object_mut() {
        obj.entry("iss").or_insert(json!("gotrue-console-tests"));
        obj.entry("iat").or_insert(json!(now));
        obj.entry("exp").or_insert(json!(now + 3600));
    }
    encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("a JWT is minted")
}

/// An address no other test (or earlier run against the same server) uses.
pub fn unique_email(tag: &str) -> String {
    format!(
        "{tag}-{}@example.com",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// A random US number in the 555-01xx fictional range with a unique suffix.
pub fn unique_phone() -> String {
    let n = uuid::Uuid::new_v4().as_u128() % 10_000_000;
    format!("1555{n:07}")
}
