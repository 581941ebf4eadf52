//! The console's whole behaviour: tabs, screens, global keys, and the routing of inputs and
//! answers. `App::update` is pure: a message in, state changed and commands out. No I/O, no
//! clock reads (time arrives as `Msg::Clock`), so it is tested without a terminal or network.
//!
//! The app holds the screens (see `screens!` below), looks every key up in the keymap for
//! the context in force, and records which screen sent each request so that its answer goes
//! straight back there.

use crate::console::command::{
    ApiCall, ApiReply, Command, Outcome, RequestId, Task, TaskError, TaskOutcome, TaskReply,
};
use crate::console::input::{Input, Mouse, MouseKind};
use crate::console::keys::{Action, Context, Keymap};
use crate::console::screens::activity::ActivityScreen;
use crate::console::screens::audit::AuditScreen;
use crate::console::screens::detail::DetailScreen;
use crate::console::screens::dialog::Flow;
use crate::console::screens::invites::InvitesScreen;
use crate::console::screens::journal::JournalScreen;
use crate::console::screens::login::LoginScreen;
use crate::console::screens::otp::OtpScreen;
use crate::console::screens::outbox::OutboxScreen;
use crate::console::screens::palette::{Palette, PaletteOutcome};
use crate::console::screens::providers::ProvidersScreen;
use crate::console::screens::stats::StatsScreen;
use crate::console::screens::tools::ToolsScreen;
use crate::console::screens::users::{Load, UsersScreen};
use crate::console::screens::{Ctx, Effect, Flash, Level, Screen};
use crate::console::widgets::list::Click;
use crate::gotrue::{GoTrueError, Health, RequestLog, Session, Settings};
use chrono::{DateTime, Duration, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use std::collections::HashMap;

mod actions;
mod draw;

/// Rows a turn of the wheel moves.
const WHEEL_ROWS: usize = 3;
pub use draw::body_area;

/// What the app knows about where it is connected (shown in the header; never a key).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppConfig {
    pub server: String,
    pub profile: Option<String>,
    pub read_only: bool,
    pub production: bool,
    pub demo: bool,
    pub has_service_key: bool,
    /// What kind of admin key it is, for the header (`secret key`, `service_role JWT`); a
    /// key of unknown kind reads `service_role`.
    pub admin_key_kind: Option<crate::gotrue::ApiKeyKind>,
    /// Start-up warnings (config permissions, …), shown once.
    pub warnings: Vec<String>,
    /// TLS certificates are not checked: the header says so for as long as it lasts.
    pub insecure_tls: bool,
    /// Profiles of the config file, for the in-console switch.
    pub profiles: Vec<String>,
    /// Hide emails and phone numbers until revealed (screen shares, public demos).
    pub mask: bool,
    /// The `serve-ssh` operator journal, when there is one to read.
    pub journal: Option<std::path::PathBuf>,
    /// A Mailpit whose messages are the Outbox (a local stack's, or `--mailpit URL`).
    pub mailpit: Option<String>,
    /// GoTrue's database (`--db-url`, `SUPABASE_DB_URL`, the profile's `db_url`): the users
    /// list, its search and counts, and the Stats tab read it by SQL. Writes still go
    /// through GoTrue.
    pub database: Option<crate::gotrue::Secret>,
    /// The profile keeps the Session tab's session in the OS keyring between runs
    /// (`keep_session = true`); `K` on the Session tab turns it on or off for this run.
    pub keep_session: bool,
    /// Where the console keeps state between runs (an unfinished bulk run); `None`: it
    /// keeps none (over SSH, the demo).
    pub state_dir: Option<std::path::PathBuf>,
    /// The console's own preferences: keys, colours, mouse.
    pub prefs: Prefs,
}

impl AppConfig {
    /// The name state kept between runs goes by: the profile's, else the server's URL.
    pub fn profile_key(&self) -> String {
        self.profile.clone().unwrap_or_else(|| self.server.clone())
    }
}

/// The console's own preferences, whatever the server: they stay across a profile switch.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Prefs {
    /// The keys in force: the defaults with the config's `[keys]` laid over them.
    pub keys: std::sync::Arc<Keymap>,
    /// The colours: dark, light, or mono (none).
    pub theme: crate::console::widgets::theme::Theme,
    /// Clicks and the wheel (`mouse = true`, `--mouse`); off by default.
    pub mouse: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    Input(Input),
    Outcome(Outcome),
    /// A local task finished (a file, the editor).
    Task(TaskOutcome),
    /// A request finished (for the activity panel).
    Activity(RequestLog),
    /// The time now. Sent before other messages and when a wake-up is due.
    Clock(DateTime<Utc>),
    /// A profile switch finished: connected (the worker already uses the new client), or
    /// why not.
    Reconnected(Result<AppConfig, String>),
}

/// The screens the app holds: each tab's own (always there) and the sub-screens opened over
/// a tab (the user page over Users, the code entry over Session). The macro gives the
/// `ScreenId`s, the tabs' table, how each screen is made, and the one place that turns an id
/// into the screen, for keys, answers and drawing alike. Adding a tab is its file and its
/// line here (see ARCHITECTURE.md, "Adding a screen").
macro_rules! screens {
    (
        tabs { $(
            $tid:ident => $field:ident: $ty:ty = $init:expr,
                $label:literal, $go:ident, $sub:expr, $shown:expr;
        )* }
        subs { $($sid:ident => $sfield:ident: $sty:ty),* $(,)? }
    ) => {
        /// Which screen: where an answer goes, which screen is on top. A tab is named by
        /// its own screen.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum ScreenId { $($tid,)* $($sid,)* }

        impl ScreenId {
            pub const ALL: &[ScreenId] = &[$(ScreenId::$tid,)* $(ScreenId::$sid,)*];
        }

        /// The tabs, in their order.
        const TABS: &[TabInfo] = &[$(
            TabInfo {
                id: ScreenId::$tid,
                label: $label,
                go: Action::$go,
                sub: $sub,
                shown: $shown,
            },
        )*];

        struct Screens {
            $($field: $ty,)*
            $($sfield: Option<$sty>,)*
        }

        impl Screens {
            fn new(cfg: &AppConfig) -> Self {
                Screens {
                    $($field: ($init)(cfg),)*
                    $($sfield: None,)*
                }
            }

            fn get(&self, id: ScreenId) -> Option<&dyn Screen> {
                match id {
                    $(ScreenId::$tid => Some(&self.$field),)*
                    $(ScreenId::$sid => self.$sfield.as_ref().map(|s| s as &dyn Screen),)*
                }
            }

            fn get_mut(&mut self, id: ScreenId) -> Option<&mut dyn Screen> {
                match id {
                    $(ScreenId::$tid => Some(&mut self.$field),)*
                    $(ScreenId::$sid => self.$sfield.as_mut().map(|s| s as &mut dyn Screen),)*
                }
            }
        }
    };
}

screens! {
    tabs {
        // A tab: its screen, how it is made, its label, the action (and so the key) that goes
        // there, the sub-screen that may stand over it, and when the tab is there at all.
        Users => users: UsersScreen = |c: &AppConfig| UsersScreen::default()
                .keeping_runs_in(
                    c.state_dir.as_deref().map(|d| crate::ops::bulk_users::state_file(d, &c.profile_key())),
                )
                .reading_database(c.database.is_some()),
            "Users", GoUsers, Some(ScreenId::Detail), |_| true;
        Session => login: LoginScreen = |c: &AppConfig| LoginScreen::new(c.has_service_key),
            "Session", GoSession, Some(ScreenId::Otp), |_| true;
        Outbox => outbox: OutboxScreen = |c: &AppConfig| {
                OutboxScreen::from_source(if c.mailpit.is_some() { "Mailpit" } else { "demo server" })
            },
            "Outbox", GoOutbox, None, |c| c.demo || c.mailpit.is_some();
        Activity => activity: ActivityScreen = |_: &AppConfig| ActivityScreen::default(),
            "Activity", GoActivity, None, |_| true;
        Audit => audit: AuditScreen = |_: &AppConfig| AuditScreen::default(),
            "Audit", GoAudit, None, |_| true;
        Tools => tools: ToolsScreen = |_: &AppConfig| ToolsScreen::default(),
            "Tools", GoTools, None, |_| true;
        Invites => invites: InvitesScreen = |_: &AppConfig| InvitesScreen::default(),
            "Invites", GoInvites, None, |c| !c.read_only;
        Journal => journal: JournalScreen = |c: &AppConfig| JournalScreen::new(c.journal.clone()),
            "Journal", GoJournal, None, |c| c.journal.is_some();
        Providers => providers: ProvidersScreen = |_: &AppConfig| ProvidersScreen::default(),
            "Providers", GoProviders, None, |_| true;
        Stats => stats: StatsScreen = |c: &AppConfig| StatsScreen::new(c.database.is_some()),
            "Stats", GoStats, None, |_| true;
    }
    subs {
        Detail => detail: DetailScreen,
        Otp => otp: OtpScreen,
    }
}

/// A tab is named by its own screen.
pub type Tab = ScreenId;

/// One tab: its screen, its label, the action that goes there (its key is the tab's
/// number), the sub-screen that may stand over it, and when it is shown.
struct TabInfo {
    id: ScreenId,
    label: &'static str,
    go: Action,
    sub: Option<ScreenId>,
    shown: fn(&AppConfig) -> bool,
}

impl ScreenId {
    /// The tab this is (its own screen) or stands over.
    fn info(self) -> &'static TabInfo {
        TABS.iter()
            .find(|t| t.id == self || t.sub == Some(self))
            .unwrap_or(&TABS[0])
    }

    fn label(self) -> &'static str {
        self.info().label
    }
}

/// Who sent a request: its answer goes there and nowhere else.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    Screen(ScreenId),
    /// The dialog open now (closing it forgets its requests).
    Dialog,
    Health,
    Settings,
    /// The background refresh of the user session.
    Refresh,
    /// The session kept in the OS keyring: read, saved or removed.
    Keyring,
}

/// What is asked of the OS keyring next.
#[derive(Clone, Debug, PartialEq)]
enum KeyringOp {
    Load,
    Save(Box<Session>),
    Clear,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum KeyringKind {
    Load,
    Save,
    Clear,
}

enum Overlay {
    Help {
        scroll: u16,
    },
    /// A copied text shown to copy by hand (the same copy twice).
    Clipboard {
        what: String,
        text: String,
    },
    Palette(Palette),
    Profiles {
        selected: usize,
    },
}

/// A copy repeated within this long shows the text instead.
const COPY_AGAIN_SECS: i64 = 30;

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Refresh a user session this long before it expires.
const REFRESH_MARGIN_SECS: i64 = 60;

pub struct App {
    cfg: AppConfig,
    now: DateTime<Utc>,
    size: (u16, u16),
    tab: Tab,
    screens: Screens,
    overlay: Option<Overlay>,
    /// An admin action's dialog, over whatever screen it started from.
    action: Option<Box<dyn Flow>>,
    flash: Option<Flash>,
    health: Option<Result<Health, GoTrueError>>,
    settings: Option<Result<Settings, GoTrueError>>,
    session: Option<Session>,
    /// Who waits for each request in flight (an entry goes with its last answer, its
    /// cancel, or the screen or dialog that sent it).
    owners: HashMap<RequestId, Owner>,
    refreshing: bool,
    /// The session whose background refresh failed: not retried in a loop.
    refresh_failed_for: Option<String>,
    next_id: u64,
    quit: bool,
    /// "Quit anyway?" is on screen: Ctrl-C now quits.
    asking_to_quit: bool,
    /// Emails and phones masked now (starts as `cfg.mask`; `*` toggles it).
    masked: bool,
    /// The session is one started from a user (`I`): their email, for the banner.
    impersonating: Option<String>,
    /// The last text copied, until when copying it again shows it instead.
    last_copy: Option<(String, DateTime<Utc>)>,
    /// Keeping the session in the OS keyring: on for this run (the profile's
    /// `keep_session`, or `K` on the Session tab).
    keep: bool,
    /// The one keyring task out (they go one at a time, so the last word is the keyring's),
    /// and what is to be asked next.
    keyring_out: Option<(RequestId, KeyringKind)>,
    keyring_next: Option<KeyringOp>,
    /// What the Session tab says of the keyring.
    keyring_note: Option<crate::console::screens::KeyringNote>,
    /// The session on the Session tab was read from the OS keyring.
    from_keyring: bool,
}

impl App {
    pub fn new(cfg: AppConfig, now: DateTime<Utc>, size: (u16, u16)) -> Self {
        let screens = Screens::new(&cfg);
        let tab = if cfg.has_service_key {
            Tab::Users
        } else {
            Tab::Session
        };
        let masked = cfg.mask;
        let keep = cfg.keep_session;
        let mut app = Self {
            cfg,
            now,
            size,
            tab,
            screens,
            overlay: None,
            action: None,
            flash: None,
            health: None,
            settings: None,
            session: None,
            owners: HashMap::new(),
            refreshing: false,
            refresh_failed_for: None,
            next_id: 0,
            quit: false,
            asking_to_quit: false,
            masked,
            impersonating: None,
            last_copy: None,
            keep,
            keyring_out: None,
            keyring_next: None,
            keyring_note: None,
            from_keyring: false,
        };
        app.sync_page();
        app
    }

    /// A context for one message: the clock, the id counter, and what screens may read.
    fn ctx(&self) -> Ctx {
        let mut ctx = Ctx::new(self.now, self.cfg.read_only, self.next_id);
        ctx.session = self.session.clone();
        ctx.server = self.cfg.server.clone();
        ctx.keys = self.cfg.prefs.keys.clone();
        ctx.selected_user = self.screens.users.selected_row().map(|r| {
            if r.email.is_empty() {
                r.phone.clone()
            } else {
                r.email.clone()
            }
        });
        ctx
    }

    /// Runs `f` on a screen and records it as the owner of the requests it sent.
    fn run<R>(
        &mut self,
        id: ScreenId,
        ctx: &mut Ctx,
        f: impl FnOnce(&mut dyn Screen, &mut Ctx) -> R,
    ) -> Option<R> {
        let before = ctx.next_id;
        let out = self.screens.get_mut(id).map(|s| f(s, ctx));
        self.claim(before, ctx, Owner::Screen(id));
        out
    }

    fn quit_now(&mut self, ctx: &mut Ctx) {
        self.quit = true;
        ctx.commands.push(Command::Quit);
    }

    /// Work quitting would lose: asks "Quit anyway?" and returns true; else false.
    fn ask_before_quitting(&mut self, ctx: &Ctx) -> bool {
        let reasons: Vec<String> = ScreenId::ALL
            .iter()
            .filter_map(|&id| self.screens.get(id).and_then(|s| s.unfinished()))
            .collect();
        if reasons.is_empty() {
            return false;
        }
        self.overlay = None;
        self.open_dialog(
            ctx.next_id,
            ctx,
            Box::new(crate::console::screens::quit::QuitQuestion::new(reasons)),
        );
        self.asking_to_quit = true;
        true
    }

    /// Runs `f` on the open dialog and records it as the owner of the requests it sent.
    fn run_dialog<R>(
        &mut self,
        ctx: &mut Ctx,
        f: impl FnOnce(&mut dyn Flow, &mut Ctx) -> R,
    ) -> Option<R> {
        let before = ctx.next_id;
        let out = self.action.as_deref_mut().map(|a| f(a, ctx));
        self.claim(before, ctx, Owner::Dialog);
        out
    }

    /// The requests `ctx` queued since `before` are `owner`'s.
    fn claim(&mut self, before: u64, ctx: &Ctx, owner: Owner) {
        for n in before + 1..=ctx.next_id {
            self.owners.insert(RequestId(n), owner);
        }
    }

    /// Queues an app request (health, settings, refresh).
    fn request(&mut self, ctx: &mut Ctx, call: ApiCall, owner: Owner) {
        let pending = ctx.send::<ApiReply>(call);
        self.owners.insert(pending.id(), owner);
    }

    /// Forgets what `owner` waits for: it closed, and its answers have nowhere to go.
    fn forget(&mut self, owner: Owner) {
        self.owners.retain(|_, o| *o != owner);
    }

    fn open_dialog(&mut self, before: u64, ctx: &Ctx, flow: Box<dyn Flow>) {
        self.forget(Owner::Dialog);
        self.asking_to_quit = false;
        self.action = Some(flow);
        self.claim(before, ctx, Owner::Dialog);
    }

    fn close_dialog(&mut self) {
        self.forget(Owner::Dialog);
        self.action = None;
        self.asking_to_quit = false;
    }

    fn close_detail(&mut self) {
        self.forget(Owner::Screen(ScreenId::Detail));
        self.screens.detail = None;
    }

    fn close_otp(&mut self) {
        self.forget(Owner::Screen(ScreenId::Otp));
        self.screens.otp = None;
    }

    /// GoTrue answered under `/auth/v1` of the URL given (a Supabase API URL): talk to it
    /// there, say so, and ask again what was asked of the bare URL.
    fn moved_to(&mut self, health: Health, base: crate::gotrue::BaseUrl) -> Vec<Command> {
        let mut ctx = self.ctx();
        ctx.commands.push(Command::UseBaseUrl(base.clone()));
        ctx.flash(
            Level::Info,
            format!("Auth answers under /auth/v1 at this URL: using {base}"),
        );
        self.cfg.server = base.to_string();
        self.health = Some(Ok(health));
        self.request(&mut ctx, ApiCall::Settings, Owner::Settings);
        self.load_first(&mut ctx);
        self.absorb(ctx)
    }

    /// Users (with a service key) and the outbox (when there is one).
    fn load_first(&mut self, ctx: &mut Ctx) {
        if self.cfg.has_service_key {
            self.with(ScreenId::Users, ctx, |s, ctx| s.users.reload(ctx));
        }
        if self.has_outbox() {
            self.with(ScreenId::Outbox, ctx, |s, ctx| s.outbox.reload(ctx));
        }
    }

    /// The first requests: server health and settings, then users (with a service key) and
    /// the outbox (on the demo server).
    pub fn start(&mut self) -> Vec<Command> {
        let mut ctx = self.ctx();
        self.request(&mut ctx, ApiCall::Health, Owner::Health);
        self.request(&mut ctx, ApiCall::Settings, Owner::Settings);
        self.load_first(&mut ctx);
        if self.cfg.has_service_key {
            self.with(ScreenId::Users, &mut ctx, |s, ctx| {
                s.users.load_kept_run(ctx)
            });
        }
        if self.keep {
            self.keyring(KeyringOp::Load, &mut ctx);
        }
        match self.cfg.warnings.as_slice() {
            [] => {}
            [w] => ctx.flash(Level::Warn, w.clone()),
            [w, rest @ ..] => ctx.flash(
                Level::Warn,
                format!(
                    "{w} (+{} more: gotrue-console doctor lists them all)",
                    rest.len()
                ),
            ),
        }
        self.absorb(ctx)
    }

    /// The session on the Session tab is a user's, started from the admin console.
    pub fn impersonating(&self) -> Option<&str> {
        self.impersonating.as_deref()
    }

    pub fn is_masked(&self) -> bool {
        self.masked
    }

    pub fn config(&self) -> &AppConfig {
        &self.cfg
    }

    pub fn should_quit(&self) -> bool {
        self.quit
    }

    pub fn tab(&self) -> Tab {
        self.tab
    }

    pub fn users(&self) -> &UsersScreen {
        &self.screens.users
    }

    pub fn detail(&self) -> Option<&DetailScreen> {
        self.screens.detail.as_ref()
    }

    pub fn otp(&self) -> Option<&OtpScreen> {
        self.screens.otp.as_ref()
    }

    pub fn outbox(&self) -> &OutboxScreen {
        &self.screens.outbox
    }

    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// What the Session tab says of the OS keyring, if anything.
    pub fn keyring_note(&self) -> Option<&crate::console::screens::KeyringNote> {
        self.keyring_note.as_ref()
    }

    /// Whether the session on the Session tab is kept in the OS keyring this run.
    pub fn keeping_session(&self) -> bool {
        self.keep
    }

    /// Keyring tasks still to answer or to send (tests: wait until the keyring is written).
    pub fn keyring_busy(&self) -> bool {
        self.keyring_out.is_some() || self.keyring_next.is_some()
    }

    pub fn flash(&self) -> Option<&Flash> {
        self.flash.as_ref()
    }

    pub fn activity(&self) -> &ActivityScreen {
        &self.screens.activity
    }

    pub fn audit(&self) -> &AuditScreen {
        &self.screens.audit
    }

    pub fn tools(&self) -> &ToolsScreen {
        &self.screens.tools
    }

    pub fn invites(&self) -> &InvitesScreen {
        &self.screens.invites
    }

    pub fn journal(&self) -> &JournalScreen {
        &self.screens.journal
    }

    pub fn providers(&self) -> &ProvidersScreen {
        &self.screens.providers
    }

    pub fn stats(&self) -> &StatsScreen {
        &self.screens.stats
    }

    pub fn health(&self) -> Option<&Result<Health, GoTrueError>> {
        self.health.as_ref()
    }

    pub fn settings(&self) -> Option<&Settings> {
        self.settings.as_ref().and_then(|s| s.as_ref().ok())
    }

    pub fn overlay_open(&self) -> bool {
        self.overlay.is_some()
    }

    /// The open admin action, if any.
    pub fn action(&self) -> Option<&dyn Flow> {
        self.action.as_deref()
    }

    /// The keys in force.
    pub fn keys(&self) -> &Keymap {
        &self.cfg.prefs.keys
    }

    /// Requests whose answer someone still waits for (tests: nothing leaks).
    pub fn waiting(&self) -> usize {
        self.owners.len()
    }

    /// The screen on top of the current tab.
    fn current(&self) -> ScreenId {
        let info = self.tab.info();
        match info.sub {
            Some(sub) if self.screens.get(sub).is_some() => sub,
            _ => info.id,
        }
    }

    /// Whether the console takes clicks and the wheel: the terminal turns mouse reports on.
    pub fn mouse(&self) -> bool {
        self.cfg.prefs.mouse
    }

    /// The context keys go to now: an overlay's, the dialog's step's, or the screen's.
    pub fn context(&self) -> Context {
        match &self.overlay {
            Some(Overlay::Help { .. }) => Context::Help,
            Some(Overlay::Clipboard { .. }) => Context::Clipboard,
            Some(Overlay::Palette(_)) => Context::Palette,
            Some(Overlay::Profiles { .. }) => Context::Profiles,
            None => self.context_under_overlay(),
        }
    }

    /// The context under the overlays: what `?` and `:` list.
    fn context_under_overlay(&self) -> Context {
        if let Some(a) = &self.action {
            return a.context();
        }
        self.screens
            .get(self.current())
            .map_or(Context::Global, |s| s.context())
    }

    /// When the app next needs a `Clock` message though nothing happens: a flash to clear, a
    /// countdown on screen, a session to refresh. `None`: sleep until input arrives.
    pub fn next_wakeup(&self) -> Option<DateTime<Utc>> {
        let mut at: Option<DateTime<Utc>> = self.flash.as_ref().map(|f| f.until);
        let mut consider = |t: DateTime<Utc>| at = Some(at.map_or(t, |a| a.min(t)));
        let countdown_visible = self.tab == Tab::Session
            && (self.session.is_some()
                || self
                    .screens
                    .otp
                    .as_ref()
                    .is_some_and(|o| o.cooldown_left(self.now).is_some()));
        if countdown_visible {
            consider(self.now + Duration::seconds(1));
        }
        if let Some(due) = self.refresh_due_at() {
            consider(due.max(self.now));
        }
        for &id in ScreenId::ALL {
            if let Some(t) = self.screens.get(id).and_then(|s| s.wake_at()) {
                consider(t.max(self.now));
            }
        }
        at
    }

    fn refresh_due_at(&self) -> Option<DateTime<Utc>> {
        let s = self.session.as_ref()?;
        if self.refreshing || self.refresh_failed_for.as_deref() == Some(s.refresh_token.expose()) {
            return None;
        }
        let expires = DateTime::from_timestamp(s.expires_at?, 0)?;
        let margin = REFRESH_MARGIN_SECS.min(s.expires_in / 2).max(1);
        Some(expires - Duration::seconds(margin))
    }

    pub fn update(&mut self, msg: Msg) -> Vec<Command> {
        match msg {
            Msg::Clock(now) => {
                self.now = now;
                if self.flash.as_ref().is_some_and(|f| f.until <= now) {
                    self.flash = None;
                }
                let mut ctx = self.ctx();
                for &id in ScreenId::ALL {
                    if self
                        .screens
                        .get(id)
                        .and_then(|s| s.wake_at())
                        .is_some_and(|t| t <= now)
                    {
                        self.run(id, &mut ctx, |s, ctx| s.on_clock(ctx));
                    }
                }
                let mut commands = self.absorb(ctx);
                commands.extend(self.maybe_refresh_session());
                commands
            }
            Msg::Activity(log) => {
                self.screens.activity.push(self.now, log);
                Vec::new()
            }
            Msg::Outcome(outcome) => self.on_outcome(outcome),
            Msg::Task(outcome) => self.on_task(outcome),
            Msg::Input(input) => self.on_input(input),
            Msg::Reconnected(Ok(cfg)) => self.reconnected(cfg),
            Msg::Reconnected(Err(why)) => {
                self.flash = Some(Flash {
                    level: Level::Error,
                    text: format!("Switching profile failed: {why}"),
                    until: self.now + Duration::seconds(10),
                });
                Vec::new()
            }
        }
    }

    /// A new connection: everything about the old server goes, the activity log stays.
    fn reconnected(&mut self, mut cfg: AppConfig) -> Vec<Command> {
        // The keys, the colours and the mouse are the console's, not the profile's.
        cfg.prefs = std::mem::take(&mut self.cfg.prefs);
        // So is the folder its state is kept in.
        if cfg.state_dir.is_none() {
            cfg.state_dir = self.cfg.state_dir.take();
        }
        let name = cfg.profile.clone().unwrap_or_else(|| cfg.server.clone());
        let activity = std::mem::take(&mut self.screens.activity);
        // A screen share stays masked across a profile switch.
        let masked = self.masked;
        *self = App::new(cfg, self.now, self.size);
        self.screens.activity = activity;
        self.masked = masked || self.cfg.mask;
        let commands = self.start();
        if self.flash.is_none() {
            self.flash = Some(Flash {
                level: Level::Info,
                text: format!("Connected to {name}"),
                until: self.now + Duration::seconds(4),
            });
        }
        commands
    }

    fn maybe_refresh_session(&mut self) -> Vec<Command> {
        let due = self.refresh_due_at().is_some_and(|d| d <= self.now);
        let Some(s) = self.session.as_ref().filter(|_| due) else {
            return Vec::new();
        };
        let refresh_token = s.refresh_token.clone();
        let mut ctx = self.ctx();
        self.refreshing = true;
        self.request(&mut ctx, ApiCall::Refresh { refresh_token }, Owner::Refresh);
        self.absorb(ctx)
    }

    /// An answer goes to whoever sent the request; one nobody waits for any more (its
    /// screen or dialog closed) is dropped by id.
    fn on_outcome(&mut self, Outcome { id, result }: Outcome) -> Vec<Command> {
        let Some(owner) = self.owners.get(&id).copied() else {
            return Vec::new();
        };
        // A stream (users, invitations) answers many times under one id.
        if !result.as_ref().is_ok_and(ApiReply::is_partial) {
            self.owners.remove(&id);
        }
        let mut ctx = self.ctx();
        match owner {
            Owner::Health => match result {
                Ok(ApiReply::HealthAt(h, base)) => return self.moved_to(h, base),
                Ok(ApiReply::Health(h)) => self.health = Some(Ok(h)),
                Ok(other) => self.health = Some(Err(unexpected("health", &other))),
                Err(e) => self.health = Some(Err(e)),
            },
            Owner::Settings => {
                self.settings = Some(match result {
                    Ok(ApiReply::Settings(s)) => Ok(*s),
                    Ok(other) => Err(unexpected("settings", &other)),
                    Err(e) => Err(e),
                })
            }
            Owner::Refresh => {
                self.refreshing = false;
                match result {
                    // In the background: the session goes on, the user stays where they are.
                    Ok(ApiReply::Session(s)) => ctx.effect(Effect::SessionRefreshed(s)),
                    Ok(other) => crate::console::command::bug("refresh session", &other),
                    Err(e) if self.keep && refresh_refused(&e) => {
                        // The kept refresh token is spent: nothing to keep, and a session
                        // that has expired is over.
                        self.refresh_failed_for = self
                            .session
                            .as_ref()
                            .map(|s| s.refresh_token.expose().to_owned());
                        let expired = self
                            .session
                            .as_ref()
                            .and_then(|s| s.seconds_left(self.now))
                            .is_none_or(|left| left <= 0);
                        if expired {
                            self.session = None;
                            self.from_keyring = false;
                        }
                        self.keyring(KeyringOp::Clear, &mut ctx);
                        ctx.flash(
                            Level::Warn,
                            format!(
                                "GoTrue refused the kept session's refresh token ({e}): removed \
                                 from the OS keyring{}",
                                if expired { "; sign in again" } else { "" }
                            ),
                        );
                    }
                    Err(e) => {
                        self.refresh_failed_for = self
                            .session
                            .as_ref()
                            .map(|s| s.refresh_token.expose().to_owned());
                        ctx.flash(Level::Error, format!("Refreshing the session failed: {e}"));
                    }
                }
            }
            Owner::Dialog => {
                self.run_dialog(&mut ctx, |a, ctx| a.on_reply(id, result, ctx));
            }
            Owner::Keyring => crate::console::command::bug("a keyring task", &result),
            Owner::Screen(screen) => {
                self.run(screen, &mut ctx, |s, ctx| s.on_reply(id, result, ctx));
            }
        }
        self.absorb(ctx)
    }

    /// A local task's answer goes to whoever sent it, like a GoTrue answer.
    fn on_task(&mut self, TaskOutcome { id, result }: TaskOutcome) -> Vec<Command> {
        let Some(owner) = self.owners.remove(&id) else {
            return Vec::new();
        };
        let mut ctx = self.ctx();
        match owner {
            Owner::Dialog => {
                self.run_dialog(&mut ctx, |a, ctx| a.on_task(id, result, ctx));
            }
            Owner::Screen(screen) => {
                self.run(screen, &mut ctx, |s, ctx| s.on_task(id, result, ctx));
            }
            Owner::Keyring => {
                self.keyring_answer(id, result, &mut ctx);
                let mut commands = self.absorb(ctx);
                // A kept session whose access token expired is refreshed at once.
                commands.extend(self.maybe_refresh_session());
                return commands;
            }
            other => crate::console::command::bug("an app request", &other),
        }
        self.absorb(ctx)
    }

    /// Asks `op` of the OS keyring, after the task out (the last word wins).
    fn keyring(&mut self, op: KeyringOp, ctx: &mut Ctx) {
        self.keyring_next = Some(op);
        self.keyring_pump(ctx);
    }

    fn keyring_pump(&mut self, ctx: &mut Ctx) {
        if self.keyring_out.is_some() {
            return;
        }
        let Some(op) = self.keyring_next.take() else {
            return;
        };
        let profile = self.cfg.profile_key();
        let (task, kind) = match op {
            KeyringOp::Load => (Task::LoadKeptSession { profile }, KeyringKind::Load),
            KeyringOp::Save(session) => (Task::KeepSession { profile, session }, KeyringKind::Save),
            KeyringOp::Clear => (Task::ForgetSession { profile }, KeyringKind::Clear),
        };
        let pending = ctx.task::<TaskReply>(task);
        self.owners.insert(pending.id(), Owner::Keyring);
        self.keyring_out = Some((pending.id(), kind));
    }

    /// The keyring answered: the session read back, kept, or removed, or why not.
    fn keyring_answer(
        &mut self,
        id: RequestId,
        result: Result<TaskReply, TaskError>,
        ctx: &mut Ctx,
    ) {
        use crate::console::screens::KeyringNote;
        use crate::ops::session_store::StoreError;
        let Some((_, kind)) = self.keyring_out.take_if(|(out, _)| *out == id) else {
            return;
        };
        let profile = self.cfg.profile_key();
        match (kind, result) {
            (KeyringKind::Load, Ok(TaskReply::KeptSession(Some(s)))) => {
                // A sign-in meanwhile wins over the kept session.
                if self.session.is_none() && self.keyring_next.is_none() {
                    let who = s
                        .user
                        .as_ref()
                        .map(|u| u.display_name())
                        .unwrap_or_default();
                    self.session = Some(*s);
                    self.impersonating = None;
                    self.from_keyring = true;
                    self.keyring_note = Some(KeyringNote::info(format!(
                        "Signed in from the OS keyring (kept for {profile})"
                    )));
                    ctx.flash(
                        Level::Info,
                        format!("Signed in as {who} from the OS keyring (kept for {profile})"),
                    );
                }
            }
            (KeyringKind::Load, Ok(TaskReply::KeptSession(None))) => {
                self.keyring_note = Some(KeyringNote::info(format!(
                    "Nothing kept in the OS keyring for {profile} yet: a sign-in will be"
                )));
            }
            (KeyringKind::Save, Ok(TaskReply::Done)) => {
                self.keyring_note = Some(KeyringNote::info(if self.from_keyring {
                    format!("Signed in from the OS keyring; kept there for {profile}")
                } else {
                    format!("Kept in the OS keyring for {profile}")
                }));
            }
            (KeyringKind::Clear, Ok(TaskReply::Done)) => {
                self.keyring_note = Some(KeyringNote::info(format!(
                    "No session kept in the OS keyring for {profile}"
                )));
            }
            (_, Err(TaskError::Keyring(e @ StoreError::Unavailable(_)))) => {
                // Said once, and not asked again this run.
                self.keep = false;
                self.keyring_next = None;
                let text = capitalized(&e.to_string());
                ctx.flash(Level::Warn, text.clone());
                self.keyring_note = Some(KeyringNote::warn(text));
            }
            (_, Err(e)) => {
                let text = capitalized(&e.to_string());
                ctx.flash(Level::Error, text.clone());
                self.keyring_note = Some(KeyringNote::warn(text));
            }
            (_, Ok(other)) => crate::console::command::bug("a keyring task", &other),
        }
        self.keyring_pump(ctx);
    }

    /// `K` on the Session tab: keep this session in the OS keyring, or stop keeping it.
    fn toggle_keep(&mut self, ctx: &mut Ctx) {
        let profile = self.cfg.profile_key();
        if self.keep {
            self.keep = false;
            self.keyring(KeyringOp::Clear, ctx);
            ctx.flash(
                Level::Info,
                format!("Not keeping the session: removing it from the OS keyring ({profile})"),
            );
            return;
        }
        if self.impersonating.is_some() {
            ctx.flash(
                Level::Warn,
                "A session started from a user is never kept: sign it out, then sign in as yourself",
            );
            return;
        }
        self.keep = true;
        let later = if self.cfg.keep_session {
            String::new()
        } else {
            format!("; keep_session = true in profile {profile} signs you in from it at start-up")
        };
        match self.session.clone() {
            Some(s) => {
                self.keyring(KeyringOp::Save(Box::new(s)), ctx);
                ctx.flash(
                    Level::Info,
                    format!("Keeping this session in the OS keyring{later}"),
                );
            }
            None => ctx.flash(
                Level::Info,
                format!("The next sign-in is kept in the OS keyring{later}"),
            ),
        }
    }

    fn on_input(&mut self, input: Input) -> Vec<Command> {
        let mut ctx = self.ctx();
        match input {
            Input::Resize { width, height } => {
                self.size = (width, height);
            }
            Input::Paste(text) if self.action.is_some() => {
                if let Some(a) = self.action.as_mut() {
                    a.on_paste(&text);
                }
            }
            Input::Paste(text) => {
                let current = self.current();
                self.run(current, &mut ctx, |s, ctx| s.on_paste(&text, ctx));
            }
            Input::Mouse(m) if self.cfg.prefs.mouse => self.on_mouse(m, &mut ctx),
            // Off: the terminal sends none, but one that does changes nothing.
            Input::Mouse(_) => {}
            Input::Key(key) => self.on_key(key, &mut ctx),
        }
        let commands = self.absorb(ctx);
        self.sync_page();
        commands
    }

    /// A click or a wheel turn. Dialogs and overlays belong to the keyboard: while one is
    /// open the mouse does nothing, so a stray click cannot confirm or dismiss anything.
    fn on_mouse(&mut self, m: Mouse, ctx: &mut Ctx) {
        if self.overlay.is_some() || self.action.is_some() {
            return;
        }
        match m.kind {
            MouseKind::ScrollUp | MouseKind::ScrollDown => {
                let action = if m.kind == MouseKind::ScrollUp {
                    Action::Up
                } else {
                    Action::Down
                };
                for _ in 0..WHEEL_ROWS {
                    self.dispatch(action, ctx);
                }
            }
            MouseKind::Click => {
                let [_, tabs, ..] = draw::frame_areas(self.area());
                if m.row == tabs.y {
                    if let Some(tab) = self.tab_at(tabs, m.column) {
                        self.switch_tab(tab, ctx);
                    }
                    return;
                }
                if self.screen_area().is_none() {
                    return;
                }
                let current = self.current();
                let click = self
                    .screens
                    .get_mut(current)
                    .map(|s| s.on_click(m.column, m.row));
                if click == Some(Click::Again) {
                    self.dispatch(Action::Open, ctx);
                }
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        // Ctrl-C quits from anywhere, whatever the keymap says; with work in flight the
        // first one asks, the second quits.
        let ctrl_c =
            key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL);
        let context = self.context();
        let action = self
            .cfg
            .prefs
            .keys
            .lookup(context, &key, self.cfg.read_only);
        if ctrl_c || action == Some(Action::ForceQuit) {
            if self.asking_to_quit || !self.ask_before_quitting(ctx) {
                self.quit_now(ctx);
            }
            return;
        }
        if self.overlay.is_some() {
            self.overlay_key(key, action, ctx);
            return;
        }
        if self.action.is_some() {
            let open = self.run_dialog(ctx, |a, ctx| a.on_key(key, action, ctx));
            if open == Some(false) {
                self.close_dialog();
            }
            return;
        }
        match action {
            Some(action) => self.dispatch(action, ctx),
            // In a form, what no binding takes is typing.
            None if context.is_form() => {
                let current = self.current();
                self.run(current, ctx, |s, ctx| s.on_text(key, ctx));
            }
            None => {
                if let KeyCode::Char(c) = key.code
                    && !key.modifiers.contains(KeyModifiers::CONTROL)
                {
                    ctx.flash(
                        Level::Info,
                        format!("`{c}` does nothing here: ? lists the keys"),
                    );
                }
            }
        }
    }

    fn overlay_key(&mut self, key: KeyEvent, action: Option<Action>, ctx: &mut Ctx) {
        match self.overlay.as_mut() {
            Some(Overlay::Help { scroll }) => match action {
                Some(Action::Down) => *scroll = scroll.saturating_add(1),
                Some(Action::Up) => *scroll = scroll.saturating_sub(1),
                _ => self.overlay = None,
            },
            Some(Overlay::Clipboard { .. }) => self.overlay = None,
            Some(Overlay::Profiles { selected }) => {
                let n = self.cfg.profiles.len();
                match action {
                    Some(Action::Down) => *selected = (*selected + 1).min(n.saturating_sub(1)),
                    Some(Action::Up) => *selected = selected.saturating_sub(1),
                    Some(Action::Submit) => {
                        if let Some(name) = self.cfg.profiles.get(*selected).cloned() {
                            ctx.flash(Level::Info, format!("Connecting to profile {name}…"));
                            ctx.commands.push(Command::SwitchProfile(name));
                        }
                        self.overlay = None;
                    }
                    _ => self.overlay = None,
                }
            }
            Some(Overlay::Palette(p)) => match p.on_key(key, action) {
                PaletteOutcome::Stay => {}
                PaletteOutcome::Close => self.overlay = None,
                PaletteOutcome::Run(action) => {
                    self.overlay = None;
                    self.dispatch(action, ctx);
                }
            },
            None => {}
        }
    }

    /// An action: the app's own (quit, help, tabs, admin dialogs), else the screen's, else
    /// the fallback for Back and Retry.
    fn dispatch(&mut self, action: Action, ctx: &mut Ctx) {
        match action {
            Action::Quit | Action::ForceQuit => {
                if !self.ask_before_quitting(ctx) {
                    self.quit_now(ctx);
                }
                return;
            }
            Action::Help => {
                self.overlay = Some(Overlay::Help { scroll: 0 });
                return;
            }
            Action::Palette => {
                let bindings = self
                    .cfg
                    .prefs
                    .keys
                    .all(self.context_under_overlay(), self.cfg.read_only)
                    .into_iter()
                    .cloned()
                    .collect();
                self.overlay = Some(Overlay::Palette(Palette::new(bindings)));
                return;
            }
            Action::NextTab | Action::PrevTab => {
                let tabs = self.tabs();
                let i = tabs.iter().position(|t| *t == self.tab).unwrap_or(0);
                let n = tabs.len();
                let j = if action == Action::NextTab {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.switch_tab(tabs[j], ctx);
                return;
            }
            Action::ToggleMask => {
                self.masked = !self.masked;
                let key = self
                    .cfg
                    .prefs
                    .keys
                    .key_of(Context::Global, Action::ToggleMask);
                ctx.flash(
                    Level::Info,
                    if self.masked {
                        format!("Emails and phone numbers are masked ({key} reveals)")
                    } else {
                        format!("Emails and phone numbers are shown ({key} masks)")
                    },
                );
                return;
            }
            Action::SwitchProfile => {
                if self.cfg.profiles.is_empty() {
                    ctx.flash(
                        Level::Info,
                        "No profiles: add some to ~/.config/gotrue-console/config.toml",
                    );
                } else {
                    let current = self
                        .cfg
                        .profiles
                        .iter()
                        .position(|p| Some(p) == self.cfg.profile.as_ref())
                        .unwrap_or(0);
                    self.overlay = Some(Overlay::Profiles { selected: current });
                }
                return;
            }
            Action::KeepSession if self.current() == ScreenId::Session => {
                return self.toggle_keep(ctx);
            }
            Action::EditUser => return self.start_edit(ctx),
            Action::RemovePasskey => return self.start_remove_passkey(ctx),
            Action::NewSurface | Action::EditSurface if self.current() == ScreenId::Providers => {
                use crate::console::screens::provider_form::{Kind, SurfaceForm};
                if self.cfg.read_only {
                    ctx.flash(Level::Warn, "Read-only profile: nothing can be changed");
                    return;
                }
                let selected = self.screens.providers.selected();
                let flow = if action == Action::NewSurface {
                    Some(SurfaceForm::create(selected.as_ref().and_then(Kind::of)))
                } else {
                    selected.and_then(SurfaceForm::edit)
                };
                match flow {
                    Some(flow) => self.open_dialog(ctx.next_id, ctx, Box::new(flow)),
                    None => ctx.flash(
                        Level::Warn,
                        "Select an SSO provider, OAuth client or custom provider",
                    ),
                }
                return;
            }
            Action::DeleteProvider if self.current() == ScreenId::Providers => {
                if self.cfg.read_only {
                    ctx.flash(Level::Warn, "Read-only profile: nothing can be changed");
                    return;
                }
                match self
                    .screens
                    .providers
                    .selected()
                    .and_then(crate::console::screens::providers::DeleteItem::start)
                {
                    Some(flow) => self.open_dialog(ctx.next_id, ctx, Box::new(flow)),
                    None => ctx.flash(
                        Level::Warn,
                        "Select an SSO provider, OAuth client or custom provider",
                    ),
                }
                return;
            }
            Action::Diagnose => return self.start_diagnose(ctx),
            Action::ExportList if self.current() == ScreenId::Users => {
                let path = format!("users-{}.csv", self.now.format("%Y-%m-%d"));
                let users = &self.screens.users;
                let flow = crate::console::screens::export_list::ExportList::start(
                    path,
                    users.server_filter().map(str::to_owned),
                    match users.marked_count() {
                        0 => users.filtered_ids(),
                        _ => Some(users.marked_ids()),
                    },
                    users.total_loaded(),
                );
                self.open_dialog(ctx.next_id, ctx, Box::new(flow));
                return;
            }
            Action::CreateUser
            | Action::InviteUser
            | Action::BanUser
            | Action::UnbanUser
            | Action::DeleteUser
            | Action::PasswordHelp
            | Action::LinksAndCodes
            | Action::ConfirmUser
            | Action::RemoveMfa
            | Action::SignOutEverywhere
            | Action::Impersonate => return self.start_action(action, ctx),
            _ => {}
        }
        if let Some(t) = TABS.iter().find(|t| t.go == action) {
            return self.switch_tab(t.id, ctx);
        }
        let current = self.current();
        let handled = self
            .run(current, ctx, |s, ctx| s.on_action(action, ctx))
            .unwrap_or(false);
        if handled {
            return;
        }
        if action == Action::Back {
            match current {
                ScreenId::Detail => self.close_detail(),
                ScreenId::Otp => self.close_otp(),
                _ => self.flash = None,
            }
        } else if action == Action::Retry {
            // Retry what failed at start-up.
            if matches!(self.health, Some(Err(_))) || matches!(self.settings, Some(Err(_))) {
                self.request(ctx, ApiCall::Health, Owner::Health);
                self.request(ctx, ApiCall::Settings, Owner::Settings);
            }
            if matches!(self.screens.users.load_state(), Load::Failed(_)) {
                self.with(ScreenId::Users, ctx, |s, ctx| s.users.reload(ctx));
            }
        }
    }

    /// Runs `f` on the screens, and records `id` as the owner of what it sent.
    fn with<R>(
        &mut self,
        id: ScreenId,
        ctx: &mut Ctx,
        f: impl FnOnce(&mut Screens, &mut Ctx) -> R,
    ) -> R {
        let before = ctx.next_id;
        let out = f(&mut self.screens, ctx);
        self.claim(before, ctx, Owner::Screen(id));
        out
    }

    /// Whether there is an Outbox to show: the demo server's, or Mailpit's.
    fn has_outbox(&self) -> bool {
        self.cfg.demo || self.cfg.mailpit.is_some()
    }

    fn tabs(&self) -> Vec<Tab> {
        TABS.iter()
            .filter(|t| (t.shown)(&self.cfg))
            .map(|t| t.id)
            .collect()
    }

    fn switch_tab(&mut self, tab: Tab, ctx: &mut Ctx) {
        if !self.tabs().contains(&tab) {
            ctx.flash(
                Level::Info,
                if tab == Tab::Outbox {
                    "The outbox is the demo server's (--demo) or Mailpit's (--mailpit URL, --supabase-local)"
                } else {
                    "Not in a read-only profile"
                },
            );
            return;
        }
        if tab != self.tab {
            self.run(tab, ctx, |s, ctx| s.on_show(ctx));
        }
        self.tab = tab;
    }

    /// Applies what screens asked for (effects may ask for more), and returns the commands
    /// for the runner.
    fn absorb(&mut self, mut ctx: Ctx) -> Vec<Command> {
        while !ctx.effects.is_empty() {
            for effect in std::mem::take(&mut ctx.effects) {
                self.apply(effect, &mut ctx);
            }
        }
        // A cancelled request (a users stream replaced) sends no last answer: nobody waits.
        for command in &ctx.commands {
            if let Command::Cancel(id) = command {
                self.owners.remove(id);
            }
        }
        self.next_id = self.next_id.max(ctx.next_id);
        if let Some(f) = ctx.flash {
            self.flash = Some(f);
        }
        ctx.commands
    }

    fn apply(&mut self, effect: Effect, ctx: &mut Ctx) {
        match effect {
            Effect::OpenUser(id) => {
                let summary = self.screens.users.row(id).cloned();
                self.close_detail();
                self.with(ScreenId::Detail, ctx, |s, ctx| {
                    s.detail = Some(DetailScreen::open(id, summary, ctx))
                });
            }
            Effect::Copy { what, text } => {
                let again =
                    matches!(&self.last_copy, Some((t, until)) if *t == text && self.now <= *until);
                if again {
                    self.last_copy = None;
                    self.overlay = Some(Overlay::Clipboard { what, text });
                } else {
                    ctx.commands.push(Command::Copy(text.clone()));
                    let what = capitalized(&what);
                    ctx.flash(
                        Level::Info,
                        format!(
                            "{what} sent by OSC 52; not on your clipboard? Copy again to see it"
                        ),
                    );
                    self.last_copy = Some((text, self.now + Duration::seconds(COPY_AGAIN_SECS)));
                }
            }
            Effect::Back => {
                if self.screens.detail.is_some() {
                    self.close_detail();
                } else {
                    self.close_otp();
                }
            }
            Effect::OtpEntry {
                target,
                otp_type,
                code,
                sent,
            } => {
                let mut screen = OtpScreen::new(target.as_ref(), otp_type, code.as_deref());
                if sent {
                    screen.start_cooldown(self.now);
                }
                self.close_otp();
                self.screens.otp = Some(screen);
                self.tab = Tab::Session;
            }
            Effect::Impersonating { session, email } => {
                self.session = Some(*session);
                self.impersonating = Some(email);
                // Never kept: the keyring holds the session on the tab when it is your own.
                self.from_keyring = false;
                if self.keep {
                    self.keyring(KeyringOp::Clear, ctx);
                }
                // The Session tab says it all: the dialog's result would only cover it.
                self.close_dialog();
                self.close_otp();
                self.tab = Tab::Session;
            }
            Effect::SessionStarted(s) => {
                if self.keep {
                    self.keyring(KeyringOp::Save(s.clone()), ctx);
                }
                self.session = Some(*s);
                self.impersonating = None;
                self.from_keyring = false;
                self.close_otp();
                self.tab = Tab::Session;
            }
            Effect::SessionRefreshed(s) => {
                // Tokens rotate: the kept copy follows (never an impersonation's).
                if self.keep && self.impersonating.is_none() {
                    self.keyring(KeyringOp::Save(s.clone()), ctx);
                }
                self.session = Some(*s);
            }
            Effect::SessionEnded => {
                if self.keep {
                    self.keyring(KeyringOp::Clear, ctx);
                }
                self.session = None;
                self.impersonating = None;
                self.from_keyring = false;
            }
            Effect::UseServiceKey(key) => {
                self.cfg.admin_key_kind = Some(crate::gotrue::ApiKeyKind::of(&key));
                ctx.commands.push(Command::SetServiceKey(key));
                self.cfg.has_service_key = true;
                self.with(ScreenId::Users, ctx, |s, ctx| s.users.reload(ctx));
                self.tab = Tab::Users;
            }
            Effect::SentSomething => {
                if self.has_outbox() {
                    self.with(ScreenId::Outbox, ctx, |s, ctx| s.outbox.reload(ctx));
                }
            }
            Effect::UserChanged(user) => {
                self.screens.users.upsert(&user);
                if let Some(d) = self.screens.detail.as_mut().filter(|d| d.id == user.id) {
                    d.set_user(*user);
                }
                if self.has_outbox() {
                    self.with(ScreenId::Outbox, ctx, |s, ctx| s.outbox.reload(ctx));
                }
            }
            Effect::UserDeleted(id) => {
                self.screens.users.remove(id);
                if self.screens.detail.as_ref().is_some_and(|d| d.id == id) {
                    self.close_detail();
                }
            }
            Effect::CountStats => {
                let stats = self.screens.users.count_stats(self.now);
                self.screens.stats.set(stats);
            }
            Effect::ProvidersChanged => {
                self.with(ScreenId::Providers, ctx, |s, ctx| s.providers.reload(ctx));
            }
            Effect::StartBulk(run) => {
                self.tab = Tab::Users;
                self.with(ScreenId::Users, ctx, |s, ctx| s.users.start_bulk(*run, ctx));
            }
            Effect::Quit => self.quit_now(ctx),
            Effect::UserRefresh(id) => {
                self.with(ScreenId::Detail, ctx, |s, ctx| {
                    if let Some(d) = s.detail.as_mut().filter(|d| d.id == id) {
                        d.reload(ctx);
                    }
                });
            }
        }
    }

    /// Tells list screens how many rows fit, from the terminal size and the same layout
    /// `draw` uses.
    /// The whole frame.
    fn area(&self) -> Rect {
        Rect::new(0, 0, self.size.0, self.size.1)
    }

    fn sync_page(&mut self) {
        let body = self.screen_area().unwrap_or_else(|| body_area(self.area()));
        for &id in ScreenId::ALL {
            if let Some(s) = self.screens.get_mut(id) {
                s.set_area(body);
            }
        }
    }
}

/// GoTrue refused the refresh token itself (spent, unknown, malformed), as opposed to not
/// answering or asking to wait.
fn refresh_refused(e: &GoTrueError) -> bool {
    e.status
        .is_some_and(|s| (400..500).contains(&s) && s != 429)
}

/// An answer of the wrong kind for the request: a bug, logged, and shown as an error.
fn unexpected(what: &str, reply: &ApiReply) -> GoTrueError {
    crate::console::command::bug(what, reply);
    <GoTrueError as crate::console::command::Unexpected>::unexpected(what)
}
