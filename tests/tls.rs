//! TLS: certificates are checked against the platform's roots, and `--insecure` is the loud
//! way around that for a test server. A TLS front (rustls, a self-signed certificate) is put
//! before the demo server, as a reverse proxy would be.

use gotrue_console::console::app::{App, AppConfig};
use gotrue_console::demo::{DemoConfig, DemoServer};
use gotrue_console::gotrue::{BaseUrl, ClientConfig, ErrorKind, GoTrueClient, ListUsers};
use std::sync::Arc;
use tokio::net::{TcpListener, TcpStream};

/// Listens with TLS on 127.0.0.1 and forwards every connection to `backend`. Returns the
/// `https://` URL.
async fn tls_front(backend: std::net::SocketAddr) -> String {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
            .expect("a self-signed certificate");
    let cert = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .expect("a server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake (the client distrusts the certificate) ends here.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                if let Ok(mut plain) = TcpStream::connect(backend).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
                }
            });
        }
    });
    format!("https://127.0.0.1:{}", addr.port())
}

async fn demo_behind_tls() -> (DemoServer, String) {
    let demo = DemoServer::start(DemoConfig::default())
        .await
        .expect("demo server");
    let backend = demo
        .url()
        .trim_start_matches("http://")
        .parse()
        .expect("the demo server's address");
    let url = tls_front(backend).await;
    (demo, url)
}

fn client(url: &str, demo: &DemoServer, insecure: bool) -> GoTrueClient {
    let mut config = ClientConfig::new(BaseUrl::parse(url).expect("a URL"))
        .anon_key(demo.anon_key())
        .service_role_key(demo.service_role_key());
    config.insecure_tls = insecure;
    GoTrueClient::new(config).expect("a client")
}

#[tokio::test]
async fn a_self_signed_certificate_is_refused_unless_insecure() {
    let (demo, url) = demo_behind_tls().await;
    let err = client(&url, &demo, false)
        .health()
        .await
        .expect_err("an unknown issuer is refused");
    assert_eq!(err.kind, ErrorKind::Transport, "{err}");
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "the panel says why: {err}"
    );

    let health = client(&url, &demo, true)
        .health()
        .await
        .expect("--insecure accepts it");
    assert!(health.version.contains("demo"), "{health:?}");
    let users = client(&url, &demo, true)
        .list_users(&ListUsers {
            page: 1,
            per_page: 5,
            ..Default::default()
        })
        .await
        .expect("admin calls work through TLS");
    assert_eq!(users.users.len(), 5);
}

fn export(url: &str, service_key: &str, insecure: bool) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_gotrue-console"));
    cmd.args(["users", "export", "--url", url]);
    if insecure {
        cmd.arg("--insecure");
    }
    cmd.env("GOTRUE_SERVICE_ROLE_KEY", service_key)
        .env("XDG_CONFIG_HOME", std::env::temp_dir().join("gc-tls-none"))
        .env("XDG_STATE_HOME", std::env::temp_dir().join("gc-tls-state"))
        .env_remove("GOTRUE_URL")
        .env_remove("SUPABASE_URL")
        .output()
        .expect("it runs")
}

#[tokio::test]
async fn the_command_line_insecure_flag_works_and_says_so() {
    let (demo, url) = demo_behind_tls().await;
    let key = demo.service_role_key().to_owned();
    let (u, k) = (url.clone(), key.clone());
    let refused = tokio::task::spawn_blocking(move || export(&u, &k, false))
        .await
        .expect("the command ran");
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{stderr}");
    assert!(stderr.to_lowercase().contains("certificate"), "{stderr}");
    assert!(refused.stdout.is_empty());

    let accepted = tokio::task::spawn_blocking(move || export(&url, &key, true))
        .await
        .expect("the command ran");
    let stderr = String::from_utf8_lossy(&accepted.stderr);
    assert!(accepted.status.success(), "{stderr}");
    assert!(
        stderr.contains("TLS certificates are NOT checked"),
        "{stderr}"
    );
    let lines = String::from_utf8_lossy(&accepted.stdout).lines().count();
    assert_eq!(lines, 300, "every demo user, through TLS");
}

#[test]
fn the_header_says_insecure_tls_for_as_long_as_it_lasts() {
    let now = chrono::Utc::now();
    let cfg = AppConfig {
        prefs: Default::default(),
        server: "https://auth.test".into(),
        insecure_tls: true,
        warnings: vec![gotrue_console::config::INSECURE_WARNING.to_owned()],
        ..AppConfig::default()
    };
    let mut app = App::new(cfg, now, (100, 30));
    app.start();
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).expect("a terminal");
    terminal.draw(|f| app.draw(f)).expect("a frame");
    let buffer = terminal.backend().buffer();
    let header: String = (0..100).map(|x| buffer[(x, 0)].symbol()).collect();
    assert!(header.contains("INSECURE TLS"), "{header}");
    let all: String = buffer.content().iter().map(|c| c.symbol()).collect();
    assert!(all.contains("TLS certificates are NOT checked"), "{all}");
}
