//! The demo server behind its stand-in for Supabase's API gateway (`demo-server --gateway`):
//! the gateway's rules over raw HTTP, then the client, the whole console and the real
//! `users export` binary through it, with the new `sb_` keys and with the legacy JWT keys.

mod common;

use common::harness::Harness;
use gotrue_console::console::app::AppConfig;
use gotrue_console::console::screens::users::Load;
use gotrue_console::demo::{DemoConfig, DemoServer};
use gotrue_console::gotrue::{
    AdminUserAttributes, ApiKeyKind, BaseUrl, ClientConfig, Credential, ErrorKind, GoTrueClient,
    ListUsers, Secret,
};
use reqwest::StatusCode;
use serde_json::Value;

const PASSWORD: &str = "correct-horse-battery-1";

async fn gateway() -> DemoServer {
    DemoServer::start(DemoConfig {
        gateway: true,
        mailer_autoconfirm: true,
        ..DemoConfig::default()
    })
    .await
    .expect("the demo server starts")
}

/// The keys a client can be given: (public, admin).
fn new_keys(d: &DemoServer) -> (&str, &str) {
    (d.publishable_key(), d.secret_key())
}

fn legacy_keys(d: &DemoServer) -> (&str, &str) {
    (d.anon_key(), d.service_role_key())
}

fn client(url: &str, (public, admin): (&str, &str)) -> GoTrueClient {
    GoTrueClient::new(
        ClientConfig::new(BaseUrl::parse(url).expect("a URL"))
            .anon_key(public)
            .service_role_key(admin),
    )
    .expect("a client")
}

struct Answer {
    status: StatusCode,
    code: Option<String>,
    body: Value,
}

async fn send(req: reqwest::RequestBuilder) -> Answer {
    let r = req.send().await.expect("an answer");
    let status = r.status();
    let code = r
        .headers()
        .get("sb-error-code")
        .or_else(|| r.headers().get("x-sb-error-code"))
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = r.json().await.unwrap_or(Value::Null);
    Answer { status, code, body }
}

#[tokio::test]
async fn the_gateway_follows_supabases_rules() {
    let d = gateway().await;
    let http = reqwest::Client::new();
    let users = format!("{}/admin/users", d.url());
    assert!(d.url().ends_with("/auth/v1"), "{}", d.url());

    let a = send(http.get(&users)).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.code.as_deref(), Some("UNAUTHORIZED_MISSING_API_KEY"));

    let a = send(http.get(&users).header("apikey", "sb_secret_not-this-one")).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(a.code.as_deref(), Some("UNAUTHORIZED_INVALID_API_KEY"));

    // The secret key alone: exchanged for a service_role JWT.
    let a = send(http.get(&users).header("apikey", d.secret_key())).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert!(a.body["users"].as_array().is_some_and(|u| !u.is_empty()));
    // ... also as a query parameter.
    let a = send(http.get(format!("{users}?apikey={}", d.secret_key()))).await;
    assert_eq!(a.status, StatusCode::OK);

    // The secret key as a bearer reaches GoTrue, which refuses it.
    let a = send(
        http.get(&users)
            .header("apikey", d.secret_key())
            .bearer_auth(d.secret_key()),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.code.as_deref(), Some("bad_jwt"));
    assert!(
        a.body["msg"]
            .as_str()
            .is_some_and(|m| m.contains("invalid number of segments")),
        "{}",
        a.body
    );

    // From a browser, the secret key is refused.
    let a = send(
        http.get(&users)
            .header("apikey", d.secret_key())
            .header("Origin", "http://localhost:3000"),
    )
    .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        a.code.as_deref(),
        Some("UNAUTHORIZED_SECRET_KEY_IN_BROWSER")
    );

    // The publishable key is anon: public calls work, admin calls do not.
    let settings = format!("{}/settings", d.url());
    let a = send(http.get(&settings).header("apikey", d.publishable_key())).await;
    assert_eq!(a.status, StatusCode::OK);
    let a = send(http.get(&users).header("apikey", d.publishable_key())).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.code.as_deref(), Some("not_admin"));

    // The legacy keys pass as they are: the service_role JWT as apikey and bearer works.
    let a = send(
        http.get(&users)
            .header("apikey", d.service_role_key())
            .bearer_auth(d.service_role_key()),
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);

    // Outside /auth/v1 there is nothing, whatever the key.
    for path in ["/admin/users", "/health", "/rest/v1/"] {
        let a = send(
            http.get(format!("{}{path}", d.api_url()))
                .header("apikey", d.secret_key()),
        )
        .await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{path}");
    }
}

#[tokio::test]
async fn the_client_works_through_the_gateway_with_either_kind_of_key() {
    let d = gateway().await;
    for keys in [new_keys(&d), legacy_keys(&d)] {
        let c = client(d.url(), keys);
        let page = c
            .list_users(&ListUsers::default())
            .await
            .expect("admin list");
        assert!(!page.users.is_empty());
        let email = format!(
            "gw-{}@example.com",
            &uuid::Uuid::new_v4().simple().to_string()[..10]
        );
        let user = c
            .create_user(&AdminUserAttributes {
                email: Some(email.clone()),
                password: Some(Secret::new(PASSWORD)),
                email_confirm: Some(true),
                ..Default::default()
            })
            .await
            .expect("admin create");
        // A user call: the public key as apikey, the user's own token as the bearer.
        let session = c
            .sign_in_with_password(&Credential::Email(email.clone()), &Secret::new(PASSWORD))
            .await
            .expect("sign in");
        let me = c.get_user(&session.access_token).await.expect("get user");
        assert_eq!(me.id, user.id);
        c.health().await.expect("health");
    }
    // A publishable key as the admin key: the gateway makes it anon, GoTrue says not_admin.
    let c = client(d.url(), (d.publishable_key(), d.publishable_key()));
    let err = c.list_users(&ListUsers::default()).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Auth, "{err:?}");
    assert_eq!(err.code.as_deref(), Some("not_admin"));
}

#[tokio::test]
async fn an_sb_key_is_never_sent_as_the_bearer() {
    // Without the gateway no one exchanges it: GoTrue sees no Authorization at all.
    let d = DemoServer::start(DemoConfig::default())
        .await
        .expect("demo");
    let c = client(d.url(), new_keys(&d));
    let err = c.list_users(&ListUsers::default()).await.unwrap_err();
    assert_eq!(err.code.as_deref(), Some("no_authorization"), "{err:?}");
    assert_eq!(err.status, Some(401));
}

async fn console_through(d: DemoServer, keys: (&str, &str)) -> Harness {
    let c = client(d.url(), keys);
    let cfg = AppConfig {
        prefs: Default::default(),
        server: d.api_url().to_owned(),
        has_service_key: true,
        admin_key_kind: Some(ApiKeyKind::of(&Secret::new(keys.1))),
        ..AppConfig::default()
    };
    Harness::with_app(120, 40, d, c, cfg, None).await
}

#[tokio::test]
async fn the_console_works_through_the_gateway_with_either_kind_of_key() {
    for new in [true, false] {
        let d = gateway().await;
        let keys = if new { new_keys(&d) } else { legacy_keys(&d) };
        let keys = (keys.0.to_owned(), keys.1.to_owned());
        let mut h = console_through(d, (&keys.0, &keys.1)).await;
        assert!(matches!(h.app().users().load_state(), Load::Done));
        assert!(
            h.app().users().total_loaded() > 100,
            "the seed users are listed"
        );
        assert!(matches!(h.app().health(), Some(Ok(_))));
        let screen = h.screen();
        let kind = if new {
            "secret key"
        } else {
            "service_role JWT"
        };
        assert!(
            screen.contains(kind),
            "the header names the key kind:\n{screen}"
        );
        for key in [&keys.0, &keys.1] {
            assert!(!screen.contains(key.as_str()), "a key is on screen");
        }
        // Open a user: the detail is read through the gateway too.
        common::harness::open_ada(&mut h).await;
        let screen = h.screen();
        assert!(screen.contains("ada@example.com"), "{screen}");
    }
}

#[tokio::test]
async fn users_export_works_through_the_gateway_as_a_user_would_run_it() {
    let d = gateway().await;
    let dir = std::env::temp_dir().join(format!("gc-gateway-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("config")).expect("a temp dir");
    let total = client(d.url(), new_keys(&d))
        .list_users(&ListUsers::default())
        .await
        .expect("a count")
        .total
        .expect("X-Total-Count");
    let runs: [(&str, &str, &str, &str); 3] = [
        // Supabase's way: the API URL and the secret key.
        (
            "SUPABASE_URL",
            d.api_url(),
            "SUPABASE_SECRET_KEY",
            d.secret_key(),
        ),
        // GoTrue's way through the gateway, with the legacy key.
        (
            "GOTRUE_URL",
            d.url(),
            "GOTRUE_SERVICE_ROLE_KEY",
            d.service_role_key(),
        ),
        // The API URL given as GoTrue's: found under /auth/v1, and said so.
        (
            "GOTRUE_URL",
            d.api_url(),
            "SUPABASE_SECRET_KEY",
            d.secret_key(),
        ),
    ];
    for (url_var, url, key_var, key) in runs {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_gotrue-console"));
        cmd.args(["users", "export", "--format", "ndjson"])
            .env(url_var, url)
            .env(key_var, key)
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .env("XDG_STATE_HOME", dir.join("state"))
            .stdin(std::process::Stdio::null());
        for var in common::CONNECTION_VARS {
            if *var != url_var && *var != key_var {
                cmd.env_remove(var);
            }
        }
        let out = cmd.output().await.expect("the binary runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{url_var} + {key_var}: {stderr}");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            stdout.lines().count() as u64,
            total,
            "{url_var} + {key_var}: every user once"
        );
        for stream in [&stdout, &stderr] {
            assert!(!stream.contains(key), "the key was printed");
        }
        let noted = stderr.contains("Auth answers under /auth/v1 at this URL");
        assert_eq!(
            noted,
            url == d.api_url() && url_var == "GOTRUE_URL",
            "{stderr}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_api_url_given_as_gotrues_is_found_under_auth_v1() {
    let d = gateway().await;
    let c = client(d.api_url(), new_keys(&d));
    let (health, moved) = c.locate().await.expect("located");
    assert_eq!(health.name, "GoTrue");
    assert_eq!(moved.map(|b| b.to_string()), Some(d.url().to_owned()));
    // GoTrue itself stays where it is, with no second request.
    let plain = DemoServer::start(DemoConfig::default())
        .await
        .expect("demo");
    let (_, moved) = client(plain.url(), legacy_keys(&plain))
        .locate()
        .await
        .expect("located");
    assert_eq!(moved, None);
    // Nothing answers under /auth/v1 either: the first error stands.
    let err = client(&format!("{}/nowhere", d.api_url()), new_keys(&d))
        .locate()
        .await
        .unwrap_err();
    assert_eq!(err.status, Some(404), "{err:?}");
}

#[tokio::test]
async fn the_console_given_the_api_url_moves_to_auth_v1_and_says_so() {
    let d = gateway().await;
    let c = client(d.api_url(), new_keys(&d));
    let cfg = AppConfig {
        prefs: Default::default(),
        server: d.api_url().to_owned(),
        has_service_key: true,
        admin_key_kind: Some(ApiKeyKind::Secret),
        ..AppConfig::default()
    };
    let url = d.url().to_owned();
    let mut h = Harness::with_app(120, 40, d, c, cfg, None).await;
    assert_eq!(h.app().config().server, url);
    assert!(h.app().users().total_loaded() > 100);
    assert!(h.app().settings().is_some());
    let screen = h.screen();
    assert!(
        screen.contains("Auth answers under /auth/v1 at this URL"),
        "{screen}"
    );
}
