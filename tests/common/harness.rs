//! The whole console in-process for tests: the real App, Driver, worker and client, a
//! `TestBackend` terminal, and the embedded demo server on 127.0.0.1:0. Keys go in as a user
//! types them; waits are for conditions (an answer arrives and the app changes), never sleeps.

use chrono::{DateTime, Utc};
use gotrue_console::console::app::{App, AppConfig, Msg};
use gotrue_console::console::input::Input;
use gotrue_console::console::screens::users::Load;
use gotrue_console::console::worker::SharedStore;
use gotrue_console::demo::{DemoConfig, DemoServer};
use gotrue_console::gotrue::{BaseUrl, ClientConfig, GoTrueClient};
use gotrue_console::term::{Driver, Environment};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The console's clock in these tests: just after the seed data's newest user.
pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2025-06-01T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

pub struct Harness {
    pub driver: Driver,
    pub terminal: Terminal<TestBackend>,
    pub demo: DemoServer,
    /// What the console put on the clipboard.
    pub copied: Arc<Mutex<Vec<String>>>,
    /// The app's configuration, for a restart.
    pub cfg: AppConfig,
    /// Where the console keeps sessions (shared with a restart).
    pub store: Option<SharedStore>,
}

/// The admin key to use, given the demo server.
type KeyOf = Box<dyn FnOnce(&DemoServer) -> String>;

/// Builds a harness in one line: `Harness::build().size(80, 24).config(|c| c.read_only =
/// true).start().await`. The defaults: 120x40, a seeded demo server, its keys, and the app
/// configured as the demo (with a fixed server name, so snapshots do not depend on the port).
pub struct Build {
    width: u16,
    height: u16,
    demo: DemoConfig,
    cfg: AppConfig,
    client: Box<dyn FnOnce(ClientConfig) -> ClientConfig>,
    service_key: Option<KeyOf>,
    connect: Option<gotrue_console::term::Connector>,
    store: Option<SharedStore>,
}

impl Build {
    /// Where the console keeps a session between runs (`keep_session`).
    pub fn session_store(mut self, store: SharedStore) -> Self {
        self.store = Some(store);
        self
    }

    pub fn size(mut self, width: u16, height: u16) -> Self {
        self.width = width;
        self.height = height;
        self
    }

    /// The demo server's own settings (seed, faults, providers, …).
    pub fn demo(mut self, demo: DemoConfig) -> Self {
        self.demo = demo;
        self
    }

    /// Adjusts the app's configuration (read-only, mask, the journal, …).
    pub fn config(mut self, adjust: impl FnOnce(&mut AppConfig)) -> Self {
        adjust(&mut self.cfg);
        self
    }

    /// Adjusts the client's settings (a shorter timeout, say).
    pub fn client(mut self, adjust: impl FnOnce(ClientConfig) -> ClientConfig + 'static) -> Self {
        self.client = Box::new(adjust);
        self
    }

    /// Another admin key than the demo server's service-role key (its anon key, a forged
    /// one).
    pub fn service_key(mut self, key: impl FnOnce(&DemoServer) -> String + 'static) -> Self {
        self.service_key = Some(Box::new(key));
        self
    }

    /// Profiles to switch to with `P`.
    pub fn connect(mut self, connect: gotrue_console::term::Connector) -> Self {
        self.connect = Some(connect);
        self
    }

    /// Starts the demo server and the console; returns once the start-up requests finished.
    pub async fn start(self) -> Harness {
        let store = self.store.clone();
        let (demo, client, cfg, connect, (w, h)) = self.parts().await;
        let mut h = Harness::started(w, h, demo, client, cfg, connect, store);
        h.until_started().await;
        h
    }

    /// Starts them without waiting for the start-up requests (they may be meant to fail).
    pub async fn start_without_waiting(self) -> Harness {
        let store = self.store.clone();
        let (demo, client, cfg, connect, (w, h)) = self.parts().await;
        Harness::started(w, h, demo, client, cfg, connect, store)
    }

    #[allow(clippy::type_complexity)]
    async fn parts(
        self,
    ) -> (
        DemoServer,
        GoTrueClient,
        AppConfig,
        Option<gotrue_console::term::Connector>,
        (u16, u16),
    ) {
        let demo = DemoServer::start(self.demo).await.expect("demo server");
        let base = BaseUrl::parse(demo.url()).unwrap();
        let key = match self.service_key {
            Some(key) => key(&demo),
            None => demo.service_role_key().to_owned(),
        };
        let client = GoTrueClient::new((self.client)(
            ClientConfig::new(base)
                .anon_key(demo.anon_key())
                .service_role_key(key),
        ))
        .unwrap();
        (
            demo,
            client,
            self.cfg,
            self.connect,
            (self.width, self.height),
        )
    }
}

impl Harness {
    /// The builder: servers, keys and configuration in one line.
    pub fn build() -> Build {
        Build {
            width: 120,
            height: 40,
            demo: DemoConfig::default(),
            cfg: AppConfig {
                // Fixed, so snapshots do not depend on the port.
                server: "http://127.0.0.1:9998".into(),
                profile: Some("demo".into()),
                demo: true,
                has_service_key: true,
                ..AppConfig::default()
            },
            client: Box::new(|c| c),
            service_key: None,
            connect: None,
            store: None,
        }
    }

    pub async fn new(width: u16, height: u16) -> Harness {
        Self::build().size(width, height).start().await
    }

    pub async fn with(width: u16, height: u16, demo_config: DemoConfig) -> Harness {
        Self::build()
            .size(width, height)
            .demo(demo_config)
            .start()
            .await
    }

    /// Like [`Harness::with`], with the client's settings adjusted (a shorter timeout, say).
    pub async fn with_client(
        width: u16,
        height: u16,
        demo_config: DemoConfig,
        adjust: impl FnOnce(ClientConfig) -> ClientConfig + 'static,
    ) -> Harness {
        Self::build()
            .size(width, height)
            .demo(demo_config)
            .client(adjust)
            .start()
            .await
    }

    pub async fn with_app(
        width: u16,
        height: u16,
        demo: DemoServer,
        client: GoTrueClient,
        cfg: AppConfig,
        connect: Option<gotrue_console::term::Connector>,
    ) -> Harness {
        let mut h = Self::started(width, height, demo, client, cfg, connect, None);
        h.until_started().await;
        h
    }

    /// Waits for the start-up requests to finish.
    async fn until_started(&mut self) {
        // 100,000 demo users take a while in a debug build.
        self.until_within(
            Duration::from_secs(300),
            "the start-up requests finish",
            |app| {
                matches!(app.users().load_state(), Load::Done)
                    && app.health().is_some()
                    && app.settings().is_some()
                    && (!app.config().demo || app.outbox().is_loaded())
            },
        )
        .await;
    }

    /// The console stops where it is, as a killed process would: what it sent has reached
    /// the server (the answers are never read), and a new console starts on the same demo
    /// server, with the same configuration (`adjust`ed), state folder and session store.
    pub async fn restart(self, adjust: impl FnOnce(&mut AppConfig)) -> Harness {
        let Harness {
            mut driver,
            demo,
            mut cfg,
            store,
            terminal,
            ..
        } = self;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        while driver.in_flight() > 0 {
            assert!(
                tokio::time::Instant::now() < deadline,
                "requests did not end"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        drop(driver);
        adjust(&mut cfg);
        let (width, height) = (
            terminal.backend().buffer().area.width,
            terminal.backend().buffer().area.height,
        );
        let client = GoTrueClient::new(
            ClientConfig::new(BaseUrl::parse(demo.url()).unwrap())
                .anon_key(demo.anon_key())
                .service_role_key(demo.service_role_key()),
        )
        .unwrap();
        let mut h = Self::started(width, height, demo, client, cfg, None, store);
        h.until_started().await;
        h
    }

    /// The console started, its first requests sent, nothing waited for.
    fn started(
        width: u16,
        height: u16,
        demo: DemoServer,
        client: GoTrueClient,
        cfg: AppConfig,
        connect: Option<gotrue_console::term::Connector>,
        store: Option<SharedStore>,
    ) -> Harness {
        let copied = Arc::new(Mutex::new(Vec::new()));
        let sink = copied.clone();
        let env = Environment {
            now: Box::new(now),
            clipboard: Box::new(move |t: &str| sink.lock().unwrap().push(t.to_owned())),
            connect,
            editor: None,
            session_store: store.clone(),
        };
        let app = App::new(cfg.clone(), now(), (width, height));
        let mut driver = Driver::new(app, client, env);
        driver.start();
        Harness {
            driver,
            terminal: Terminal::new(TestBackend::new(width, height)).unwrap(),
            demo,
            copied,
            cfg,
            store,
        }
    }

    pub fn app(&self) -> &App {
        self.driver.app()
    }

    pub fn key(&mut self, code: KeyCode) {
        self.driver.handle(Msg::Input(Input::key(code)));
    }

    pub fn char(&mut self, c: char) {
        self.key(KeyCode::Char(c));
    }

    pub fn text(&mut self, text: &str) {
        for i in Input::text(text) {
            self.driver.handle(Msg::Input(i));
        }
    }

    /// Handles answers until `cond` holds; fails after 20 s with what it waited for.
    pub async fn until(&mut self, what: &str, cond: impl Fn(&App) -> bool) {
        self.until_within(Duration::from_secs(20), what, cond).await
    }

    pub async fn until_within(&mut self, limit: Duration, what: &str, cond: impl Fn(&App) -> bool) {
        let deadline = tokio::time::Instant::now() + limit;
        while !cond(self.driver.app()) {
            let step = tokio::time::timeout_at(deadline, self.driver.handle_next_outcome()).await;
            match step {
                Ok(true) => {}
                Ok(false) => panic!("the worker stopped while waiting for {what}"),
                Err(_) => {
                    let app = self.driver.app();
                    let state = format!(
                        "load {:?}, health {:?}, settings {}, outbox {}",
                        app.users().load_state(),
                        app.health(),
                        app.settings().is_some(),
                        app.outbox().is_loaded(),
                    );
                    panic!("timed out waiting for {what}: {state}\n{}", self.screen())
                }
            }
        }
    }

    /// Lets every request in flight finish (for a stable snapshot).
    pub async fn settle(&mut self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while self.driver.in_flight() > 0 || self.driver.drain() {
            if tokio::time::Instant::now() > deadline {
                panic!("requests did not settle");
            }
            let _ =
                tokio::time::timeout(Duration::from_millis(50), self.driver.handle_next_outcome())
                    .await;
        }
    }

    pub fn draw(&mut self) {
        let app = self.driver.app();
        self.terminal.draw(|f| app.draw(f)).unwrap();
    }

    /// The screen as text, one line per row.
    pub fn screen(&mut self) -> String {
        self.draw();
        super::buffer_text(self.terminal.backend().buffer())
    }
}

pub async fn open_ada(h: &mut Harness) {
    h.char('/');
    h.text("ada@");
    h.key(KeyCode::Enter);
    assert_eq!(h.app().users().visible_count(), 1, "{}", h.screen());
    h.key(KeyCode::Enter);
    h.until("ada's details and passkeys", |app| {
        app.detail()
            .is_some_and(|d| d.user().is_some() && d.passkeys_read())
    })
    .await;
}

/// A client of the harness's demo server, to check through the API what the console did.
pub fn api(h: &Harness) -> GoTrueClient {
    GoTrueClient::new(
        ClientConfig::new(BaseUrl::parse(h.demo.url()).unwrap())
            .anon_key(h.demo.anon_key())
            .service_role_key(h.demo.service_role_key()),
    )
    .unwrap()
}

pub async fn select(h: &mut Harness, email: &str) {
    h.char('x');
    h.char('/');
    h.text(email);
    h.key(KeyCode::Enter);
    let selected = h.app().users().selected_row().map(|r| r.email.clone());
    assert_eq!(selected.as_deref(), Some(email), "{}", h.screen());
}

pub async fn until_dialog_done(h: &mut Harness, text: &str) {
    let text = text.to_owned();
    h.until(&format!("`{text}` in the dialog"), |app| {
        app.action().is_some_and(|a| a.is_finished())
    })
    .await;
    let s = h.screen();
    assert!(s.contains(&text), "{s}");
}

/// An insta snapshot of a screen, with filters for what differs between runs: the demo
/// server's port, tokens and codes minted per run, latencies, clock times.
pub fn snapshot(name: &str, screen: &str) {
    let mut settings = insta::Settings::clone_current();
    // Beside the other test files' snapshots, named by `name` alone.
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT");
    settings.add_filter(r"token=[A-Za-z0-9_-]+", "token=TOKEN");
    settings.add_filter(r"\b\d+ ms\b", "N ms");
    settings.add_filter(r"\d\d:\d\d:\d\d ", "HH:MM:SS ");
    // Entries the server writes now, seen from the tests' fixed clock.
    settings.add_filter(r"in \d+(mo|y|d|h|m) ", "in T ");
    settings.bind(|| insta::assert_snapshot!(name, screen));
}
