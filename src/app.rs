//! The console's whole behaviour: tabs, screens, global keys, and the routing of inputs and
//! answers. `App::update` is pure: a message in, state changed and commands out. No I/O, no
//! clock reads (time arrives as `Msg::Clock`), so it is tested without a terminal or network.

use crate::command::{ApiCall, ApiReply, Command, Outcome, RequestId};
use crate::gotrue::{GoTrueError, Health, RequestLog, Session, Settings};
use crate::input::Input;
use crate::keys::{Action, Context};
use crate::screens::audit::AuditScreen;
use crate::screens::detail::DetailScreen;
use crate::screens::dialog::Flow;
use crate::screens::edit_user::EditUser;
use crate::screens::invites::InvitesScreen;
use crate::screens::login::LoginScreen;
use crate::screens::otp::OtpScreen;
use crate::screens::outbox::OutboxScreen;
use crate::screens::palette::{Palette, PaletteOutcome};
use crate::screens::tools::ToolsScreen;
use crate::screens::user_actions::{ActionKind, Target, UserAction};
use crate::screens::users::{Load, UsersScreen};
use crate::screens::{Ctx, Effect, Flash, Level, activity::ActivityScreen, help};
use crate::widgets::{panel, theme};
use chrono::{DateTime, Duration, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

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
}

#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    Input(Input),
    Outcome(Outcome),
    /// A request finished (for the activity panel).
    Activity(RequestLog),
    /// The time now. Sent before other messages and when a wake-up is due.
    Clock(DateTime<Utc>),
    /// A profile switch finished: connected (the worker already uses the new client), or
    /// why not.
    Reconnected(Result<AppConfig, String>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tab {
    Users,
    Session,
    Outbox,
    Activity,
    Audit,
    Tools,
    Invites,
    Journal,
}

impl Tab {
    fn label(self) -> &'static str {
        match self {
            Tab::Users => "Users",
            Tab::Session => "Session",
            Tab::Outbox => "Outbox",
            Tab::Activity => "Activity",
            Tab::Audit => "Audit",
            Tab::Tools => "Tools",
            Tab::Invites => "Invites",
            Tab::Journal => "Journal",
        }
    }
}

enum Overlay {
    Help { scroll: u16 },
    Palette(Palette),
    Profiles { selected: usize },
}

/// Refresh a user session this long before it expires.
const REFRESH_MARGIN_SECS: i64 = 60;

pub struct App {
    cfg: AppConfig,
    now: DateTime<Utc>,
    size: (u16, u16),
    tab: Tab,
    users: UsersScreen,
    detail: Option<DetailScreen>,
    login: LoginScreen,
    otp: Option<OtpScreen>,
    outbox: OutboxScreen,
    activity: ActivityScreen,
    audit: AuditScreen,
    tools: ToolsScreen,
    invites: InvitesScreen,
    journal: crate::screens::journal::JournalScreen,
    overlay: Option<Overlay>,
    /// An admin action's dialog, over whatever screen it started from.
    action: Option<Box<dyn Flow>>,
    flash: Option<Flash>,
    health: Option<Result<Health, GoTrueError>>,
    settings: Option<Result<Settings, GoTrueError>>,
    health_id: Option<RequestId>,
    settings_id: Option<RequestId>,
    session: Option<Session>,
    refresh_id: Option<RequestId>,
    /// The session whose background refresh failed: not retried in a loop.
    refresh_failed_for: Option<String>,
    next_id: u64,
    quit: bool,
    /// Emails and phones masked now (starts as `cfg.mask`; `*` toggles it).
    masked: bool,
}

impl App {
    pub fn new(cfg: AppConfig, now: DateTime<Utc>, size: (u16, u16)) -> Self {
        let login = LoginScreen::new(cfg.has_service_key);
        let outbox = OutboxScreen::from_source(if cfg.mailpit.is_some() {
            "Mailpit"
        } else {
            "demo server"
        });
        let tab = if cfg.has_service_key {
            Tab::Users
        } else {
            Tab::Session
        };
        let mut app = Self {
            cfg,
            now,
            size,
            tab,
            users: UsersScreen::default(),
            detail: None,
            login,
            otp: None,
            outbox,
            activity: ActivityScreen::default(),
            audit: AuditScreen::default(),
            tools: ToolsScreen::default(),
            invites: InvitesScreen::default(),
            journal: Default::default(),
            overlay: None,
            action: None,
            flash: None,
            health: None,
            settings: None,
            health_id: None,
            settings_id: None,
            session: None,
            refresh_id: None,
            refresh_failed_for: None,
            next_id: 0,
            quit: false,
            masked: false,
        };
        app.masked = app.cfg.mask;
        app.sync_page();
        app
    }

    /// GoTrue answered under `/auth/v1` of the URL given (a Supabase API URL): talk to it
    /// there, say so, and ask again what was asked of the bare URL.
    fn moved_to(&mut self, health: Health, base: crate::gotrue::BaseUrl) -> Vec<Command> {
        let mut ctx = Ctx::new(self.now, self.cfg.read_only, self.next_id);
        ctx.commands.push(Command::UseBaseUrl(base.clone()));
        ctx.flash(
            Level::Info,
            format!("Auth answers under /auth/v1 at this URL: using {base}"),
        );
        self.cfg.server = base.to_string();
        self.health = Some(Ok(health));
        self.settings_id = Some(ctx.request(ApiCall::Settings));
        if self.cfg.has_service_key {
            self.users.reload(&mut ctx);
        }
        if self.has_outbox() {
            self.outbox.reload(&mut ctx);
        }
        let out = ctx.finish();
        self.absorb(out)
    }

    /// The first requests: server health and settings, then users (with a service key) and
    /// the outbox (on the demo server).
    pub fn start(&mut self) -> Vec<Command> {
        let mut ctx = Ctx::new(self.now, self.cfg.read_only, self.next_id);
        self.health_id = Some(ctx.request(ApiCall::Health));
        self.settings_id = Some(ctx.request(ApiCall::Settings));
        if self.cfg.has_service_key {
            self.users.reload(&mut ctx);
        }
        if self.has_outbox() {
            self.outbox.reload(&mut ctx);
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
        let ctx_out = ctx.finish();
        self.absorb(ctx_out)
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
        &self.users
    }

    pub fn detail(&self) -> Option<&DetailScreen> {
        self.detail.as_ref()
    }

    pub fn otp(&self) -> Option<&OtpScreen> {
        self.otp.as_ref()
    }

    pub fn outbox(&self) -> &OutboxScreen {
        &self.outbox
    }

    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    pub fn flash(&self) -> Option<&Flash> {
        self.flash.as_ref()
    }

    pub fn activity(&self) -> &ActivityScreen {
        &self.activity
    }

    pub fn audit(&self) -> &AuditScreen {
        &self.audit
    }

    pub fn tools(&self) -> &ToolsScreen {
        &self.tools
    }

    pub fn invites(&self) -> &InvitesScreen {
        &self.invites
    }

    pub fn journal(&self) -> &crate::screens::journal::JournalScreen {
        &self.journal
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

    /// The key registry in force now.
    pub fn context(&self) -> Context {
        if let Some(a) = &self.action {
            return a.context();
        }
        let editing = match self.tab {
            Tab::Users if self.detail.is_none() => self.users.is_editing(),
            Tab::Audit => self.audit.is_editing(),
            Tab::Tools => self.tools.is_editing(),
            Tab::Invites => self.invites.is_editing(),
            Tab::Session => match &self.otp {
                Some(o) => o.is_editing(),
                None => self.login.is_editing(),
            },
            _ => false,
        };
        if editing {
            return Context::Form;
        }
        match self.tab {
            Tab::Users if self.detail.is_some() => Context::Detail,
            Tab::Users => Context::Users,
            Tab::Session if self.otp.is_some() => Context::Otp,
            Tab::Session => Context::Login,
            Tab::Outbox => Context::Outbox,
            Tab::Activity => Context::Activity,
            Tab::Audit => Context::Audit,
            Tab::Tools => Context::Tools,
            Tab::Invites => Context::Invites,
            Tab::Journal => Context::Activity,
        }
    }

    /// When the app next needs a `Clock` message though nothing happens: a flash to clear, a
    /// countdown on screen, a session to refresh. `None`: sleep until input arrives.
    pub fn next_wakeup(&self) -> Option<DateTime<Utc>> {
        let mut at: Option<DateTime<Utc>> = self.flash.as_ref().map(|f| f.until);
        let mut consider = |t: DateTime<Utc>| at = Some(at.map_or(t, |a| a.min(t)));
        let countdown_visible = self.tab == Tab::Session
            && (self.session.is_some()
                || self
                    .otp
                    .as_ref()
                    .is_some_and(|o| o.cooldown_left(self.now).is_some()));
        if countdown_visible {
            consider(self.now + Duration::seconds(1));
        }
        if let Some(due) = self.refresh_due_at() {
            consider(due.max(self.now));
        }
        at
    }

    fn refresh_due_at(&self) -> Option<DateTime<Utc>> {
        let s = self.session.as_ref()?;
        if self.refresh_id.is_some()
            || self.refresh_failed_for.as_deref() == Some(s.refresh_token.expose())
        {
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
                self.maybe_refresh_session()
            }
            Msg::Activity(log) => {
                self.activity.push(self.now, log);
                Vec::new()
            }
            Msg::Outcome(outcome) => self.on_outcome(outcome),
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
    fn reconnected(&mut self, cfg: AppConfig) -> Vec<Command> {
        let name = cfg.profile.clone().unwrap_or_else(|| cfg.server.clone());
        let activity = std::mem::take(&mut self.activity);
        // A screen share stays masked across a profile switch.
        let masked = self.masked;
        *self = App::new(cfg, self.now, self.size);
        self.activity = activity;
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
        let mut ctx = Ctx::new(self.now, self.cfg.read_only, self.next_id);
        self.refresh_id = Some(ctx.request(ApiCall::Refresh { refresh_token }));
        let out = ctx.finish();
        self.absorb(out)
    }

    fn on_outcome(&mut self, Outcome { id, result }: Outcome) -> Vec<Command> {
        if self.health_id == Some(id) {
            self.health_id = None;
            if let Ok(ApiReply::HealthAt(h, base)) = result {
                return self.moved_to(h, base);
            }
            self.health = Some(result.and_then(|r| match r {
                ApiReply::Health(h) => Ok(h),
                _ => Err(GoTrueError::decode(None, "unexpected answer", b"")),
            }));
            return Vec::new();
        }
        if self.settings_id == Some(id) {
            self.settings_id = None;
            self.settings = Some(result.and_then(|r| match r {
                ApiReply::Settings(s) => Ok(*s),
                _ => Err(GoTrueError::decode(None, "unexpected answer", b"")),
            }));
            return Vec::new();
        }
        let mut ctx = Ctx::new(self.now, self.cfg.read_only, self.next_id);
        if self.refresh_id == Some(id) {
            self.refresh_id = None;
            match result {
                // In the background: the session goes on, the user stays where they are.
                Ok(ApiReply::Session(s)) => ctx.effect(Effect::SessionRefreshed(s)),
                Ok(_) => {}
                Err(e) => {
                    self.refresh_failed_for = self
                        .session
                        .as_ref()
                        .map(|s| s.refresh_token.expose().to_owned());
                    ctx.flash(Level::Error, format!("Refreshing the session failed: {e}"));
                }
            }
        } else if self.action.as_ref().is_some_and(|a| a.owns(id)) {
            if let Some(a) = self.action.as_mut() {
                a.on_reply(id, result, &mut ctx);
            }
        } else if self.users.owns(id) {
            self.users.on_reply(id, result, &mut ctx);
        } else if self.detail.as_ref().is_some_and(|d| d.owns(id)) {
            if let Some(d) = self.detail.as_mut() {
                d.on_reply(id, result, &mut ctx);
            }
        } else if self.login.owns(id) {
            self.login.on_reply(id, result, &mut ctx);
        } else if self.otp.as_ref().is_some_and(|o| o.owns(id)) {
            if let Some(o) = self.otp.as_mut() {
                o.on_reply(id, result, &mut ctx);
            }
        } else if self.outbox.owns(id) {
            self.outbox.on_reply(id, result, &mut ctx);
        } else if self.audit.owns(id) {
            self.audit.on_reply(id, result, &mut ctx);
        } else if self.tools.owns(id) {
            self.tools.on_reply(id, result, &mut ctx);
        } else if self.invites.owns(id) {
            self.invites.on_reply(id, result, &mut ctx);
        } else if self.journal.owns(id) {
            self.journal.on_reply(id, result);
        }
        // Anything else answers a request nobody waits for any more: dropped by id.
        let out = ctx.finish();
        self.absorb(out)
    }

    fn on_input(&mut self, input: Input) -> Vec<Command> {
        let mut ctx = Ctx::new(self.now, self.cfg.read_only, self.next_id);
        match input {
            Input::Resize { width, height } => {
                self.size = (width, height);
            }
            Input::Paste(text) if self.action.is_some() => {
                if let Some(a) = self.action.as_mut() {
                    a.on_paste(&text);
                }
            }
            Input::Paste(text) => match self.tab {
                Tab::Users if self.detail.is_none() => self.users.on_paste(&text),
                Tab::Tools => self.tools.on_paste(&text),
                Tab::Invites if !self.cfg.read_only => self.invites.on_paste(&text, &mut ctx),
                Tab::Session => match self.otp.as_mut() {
                    Some(o) => o.on_paste(&text),
                    None => self.login.on_paste(&text),
                },
                _ => {}
            },
            Input::ScrollUp => {
                self.dispatch(Action::Up, &mut ctx);
            }
            Input::ScrollDown => {
                self.dispatch(Action::Down, &mut ctx);
            }
            Input::Key(key) => self.on_key(key, &mut ctx),
        }
        let out = ctx.finish();
        let commands = self.absorb(out);
        self.sync_page();
        commands
    }

    fn on_key(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.quit = true;
            ctx.commands.push(Command::Quit);
            return;
        }
        if let Some(a) = self.action.as_mut() {
            if !a.on_key(key, ctx) {
                self.action = None;
            }
            return;
        }
        match self.overlay.as_mut() {
            Some(Overlay::Help { scroll }) => {
                match key.code {
                    KeyCode::Char('j') | KeyCode::Down => *scroll = scroll.saturating_add(1),
                    KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1),
                    _ => self.overlay = None,
                }
                return;
            }
            Some(Overlay::Profiles { selected }) => {
                let n = self.cfg.profiles.len();
                match key.code {
                    KeyCode::Char('j') | KeyCode::Down => {
                        *selected = (*selected + 1).min(n.saturating_sub(1))
                    }
                    KeyCode::Char('k') | KeyCode::Up => *selected = selected.saturating_sub(1),
                    KeyCode::Enter => {
                        if let Some(name) = self.cfg.profiles.get(*selected).cloned() {
                            ctx.flash(Level::Info, format!("Connecting to profile {name}…"));
                            ctx.commands.push(Command::SwitchProfile(name));
                        }
                        self.overlay = None;
                    }
                    _ => self.overlay = None,
                }
                return;
            }
            Some(Overlay::Palette(p)) => {
                match p.on_key(key) {
                    PaletteOutcome::Stay => {}
                    PaletteOutcome::Close => self.overlay = None,
                    PaletteOutcome::Run(action) => {
                        self.overlay = None;
                        self.dispatch(action, ctx);
                    }
                }
                return;
            }
            None => {}
        }
        let context = self.context();
        // The users filter fields take every key (Enter and Esc close them).
        if context == Context::Form
            && matches!(
                self.tab,
                Tab::Users | Tab::Audit | Tab::Tools | Tab::Invites
            )
        {
            self.type_key(key, ctx);
            return;
        }
        if context == Context::Form {
            match Context::Form.lookup(&key, self.cfg.read_only) {
                Some(action) => self.dispatch(action, ctx),
                None => self.type_key(key, ctx),
            }
            return;
        }
        // The login screen's sign-out scope chooser takes the next key whatever it is.
        if self.tab == Tab::Session && self.otp.is_none() && self.login.is_editing() {
            self.type_key(key, ctx);
            return;
        }
        match context.lookup(&key, self.cfg.read_only) {
            Some(action) => self.dispatch(action, ctx),
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

    /// A key for the focused text field.
    fn type_key(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        match self.tab {
            Tab::Users if self.detail.is_none() => self.users.on_key(key, ctx),
            Tab::Audit => self.audit.on_key(key, ctx),
            Tab::Tools => self.tools.on_key(key, ctx),
            Tab::Invites => self.invites.on_key(key, ctx),
            Tab::Session => match self.otp.as_mut() {
                Some(o) => o.on_key(key),
                None => self.login.on_key(key, ctx, self.session.as_ref()),
            },
            _ => {}
        }
    }

    fn dispatch(&mut self, action: Action, ctx: &mut Ctx) {
        match action {
            Action::Quit | Action::ForceQuit => {
                self.quit = true;
                ctx.commands.push(Command::Quit);
                return;
            }
            Action::Help => {
                self.overlay = Some(Overlay::Help { scroll: 0 });
                return;
            }
            Action::Palette => {
                self.overlay = Some(Overlay::Palette(Palette::new(
                    self.context(),
                    self.cfg.read_only,
                )));
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
                ctx.flash(
                    Level::Info,
                    if self.masked {
                        "Emails and phone numbers are masked (* reveals)"
                    } else {
                        "Emails and phone numbers are shown (* masks)"
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
            Action::EditUser => return self.start_edit(ctx),
            Action::Diagnose => return self.start_diagnose(ctx),
            Action::ExportList if self.tab == Tab::Users && self.detail.is_none() => {
                let path = format!("users-{}.csv", self.now.format("%Y-%m-%d"));
                self.action = Some(Box::new(crate::screens::export_list::ExportList::start(
                    path,
                    self.users.server_filter().map(str::to_owned),
                    self.users.filtered_ids(),
                    self.users.total_loaded(),
                )));
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
            | Action::RemoveMfa => return self.start_action(action, ctx),
            Action::GoUsers => return self.switch_tab(Tab::Users, ctx),
            Action::GoSession => return self.switch_tab(Tab::Session, ctx),
            Action::GoOutbox => return self.switch_tab(Tab::Outbox, ctx),
            Action::GoActivity => return self.switch_tab(Tab::Activity, ctx),
            Action::GoAudit => return self.switch_tab(Tab::Audit, ctx),
            Action::GoTools => return self.switch_tab(Tab::Tools, ctx),
            Action::GoInvites => return self.switch_tab(Tab::Invites, ctx),
            Action::GoJournal => return self.switch_tab(Tab::Journal, ctx),
            _ => {}
        }
        let handled = match self.tab {
            Tab::Users => match self.detail.as_mut() {
                Some(d) => d.on_action(action, ctx),
                None => {
                    if action == Action::Retry
                        && !matches!(self.users.load_state(), Load::Failed(_))
                    {
                        false
                    } else {
                        self.users.on_action(action, ctx)
                    }
                }
            },
            Tab::Session => match self.otp.as_mut() {
                Some(o) => o.on_action(action, ctx),
                None => self.login.on_action(action, ctx, self.session.as_ref()),
            },
            Tab::Outbox if action == Action::OutboxForUser => {
                let who = self.users.selected_row().map(|r| {
                    if r.email.is_empty() {
                        r.phone.clone()
                    } else {
                        r.email.clone()
                    }
                });
                if who.is_none() && self.outbox.only().is_none() {
                    ctx.flash(Level::Warn, "Select a user in Users (1) first");
                }
                self.outbox.toggle_only(who);
                true
            }
            Tab::Outbox => self.outbox.on_action(action, ctx),
            Tab::Activity => self.activity.on_action(action),
            Tab::Audit => self.audit.on_action(action, ctx),
            Tab::Tools => self.tools.on_action(action, ctx, &self.cfg.server),
            Tab::Invites => self.invites.on_action(action, ctx),
            Tab::Journal => match (action, self.cfg.journal.clone()) {
                (Action::Refresh, Some(path)) => {
                    self.journal.load(path, ctx);
                    true
                }
                _ => self.journal.on_action(action),
            },
        };
        if handled {
            return;
        }
        if action == Action::Back {
            match self.tab {
                Tab::Users if self.detail.is_some() => self.detail = None,
                Tab::Session if self.otp.is_some() => self.otp = None,
                _ => self.flash = None,
            }
        } else if action == Action::Retry {
            // Retry what failed at start-up.
            if matches!(self.health, Some(Err(_))) || matches!(self.settings, Some(Err(_))) {
                self.health_id = Some(ctx.request(ApiCall::Health));
                self.settings_id = Some(ctx.request(ApiCall::Settings));
            }
            if matches!(self.users.load_state(), Load::Failed(_)) {
                self.users.reload(ctx);
            }
        }
    }

    /// "Why can't this user sign in?" for the open or selected user (read-only is fine).
    fn start_diagnose(&mut self, ctx: &mut Ctx) {
        let target = match (&self.detail, self.users.selected_row()) {
            (Some(d), _) => Some((d.id, d.user().map(|u| u.email.clone()).unwrap_or_default())),
            (None, Some(row)) => Some((row.id, row.email.clone())),
            _ => None,
        };
        match target.filter(|_| self.tab == Tab::Users) {
            Some((id, email)) => {
                let settings = self.settings().cloned();
                self.action = Some(Box::new(crate::screens::diagnose::Diagnose::start(
                    id, &email, settings, ctx,
                )));
            }
            None => ctx.flash(Level::Warn, "Select a user first"),
        }
    }

    /// Opens the edit dialog on the open user, or loads the selected one first.
    fn start_edit(&mut self, ctx: &mut Ctx) {
        if self.cfg.read_only {
            ctx.flash(Level::Warn, "Read-only profile: nothing can be changed");
            return;
        }
        if self.tab != Tab::Users {
            return;
        }
        let (id, user) = match (&self.detail, self.users.selected_row()) {
            (Some(d), _) => (d.id, d.user().cloned()),
            (None, Some(row)) => (row.id, None),
            (None, None) => {
                ctx.flash(Level::Warn, "Select a user first");
                return;
            }
        };
        self.action = Some(Box::new(EditUser::start(id, user, ctx)));
    }

    /// Opens an admin action's dialog on the selected (or open) user.
    fn start_action(&mut self, action: Action, ctx: &mut Ctx) {
        if self.cfg.read_only {
            ctx.flash(Level::Warn, "Read-only profile: nothing can be changed");
            return;
        }
        let kind = match action {
            Action::CreateUser => ActionKind::Create,
            Action::InviteUser => ActionKind::Invite,
            Action::BanUser => ActionKind::Ban,
            Action::UnbanUser => ActionKind::Unban,
            Action::DeleteUser => ActionKind::Delete,
            Action::PasswordHelp => ActionKind::Password,
            Action::LinksAndCodes => ActionKind::Links,
            Action::ConfirmUser => ActionKind::Confirm,
            _ => ActionKind::Mfa,
        };
        let target = match (&self.detail, self.users.selected_row()) {
            (Some(d), _) if self.tab == Tab::Users => match d.user() {
                Some(u) => Some(Target::from_user(u)),
                None => {
                    ctx.flash(Level::Warn, "The user is still loading");
                    return;
                }
            },
            (None, Some(row)) if self.tab == Tab::Users => Some(Target {
                id: row.id,
                email: row.email.clone(),
                phone: row.phone.clone(),
                factors: Vec::new(),
            }),
            _ => None,
        };
        let target = if matches!(kind, ActionKind::Create | ActionKind::Invite) {
            None
        } else {
            target
        };
        if target.is_none() && !matches!(kind, ActionKind::Create | ActionKind::Invite) {
            ctx.flash(Level::Warn, "Select a user first");
            return;
        }
        match UserAction::start(kind, target, self.cfg.production) {
            Some(a) => self.action = Some(Box::new(a)),
            None => ctx.flash(Level::Warn, "Nothing to do for this user"),
        }
    }

    /// Whether there is an Outbox to show: the demo server's, or Mailpit's.
    fn has_outbox(&self) -> bool {
        self.cfg.demo || self.cfg.mailpit.is_some()
    }

    fn tabs(&self) -> Vec<Tab> {
        let mut tabs = vec![Tab::Users, Tab::Session];
        if self.has_outbox() {
            tabs.push(Tab::Outbox);
        }
        tabs.push(Tab::Activity);
        tabs.push(Tab::Audit);
        tabs.push(Tab::Tools);
        if !self.cfg.read_only {
            tabs.push(Tab::Invites);
        }
        if self.cfg.journal.is_some() {
            tabs.push(Tab::Journal);
        }
        tabs
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
        if tab == Tab::Outbox && self.tab != Tab::Outbox {
            self.outbox.reload(ctx);
        }
        if tab == Tab::Audit && !self.audit.is_loaded() {
            self.audit.load(1, ctx);
        }
        if tab == Tab::Journal
            && let Some(path) = self.cfg.journal.clone()
        {
            self.journal.load(path, ctx);
        }
        self.tab = tab;
    }

    /// Applies what screens asked for, and returns the commands for the runner.
    fn absorb(&mut self, out: CtxOut) -> Vec<Command> {
        let CtxOut {
            next_id,
            mut commands,
            flash,
            effects,
        } = out;
        self.next_id = self.next_id.max(next_id);
        if let Some(f) = flash {
            self.flash = Some(f);
        }
        for effect in effects {
            let mut ctx = Ctx::new(self.now, self.cfg.read_only, self.next_id);
            match effect {
                Effect::OpenUser(id) => {
                    let summary = self.users.row(id).cloned();
                    self.detail = Some(DetailScreen::open(id, summary, &mut ctx));
                }
                Effect::Back => {
                    if self.detail.is_some() {
                        self.detail = None;
                    } else {
                        self.otp = None;
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
                    self.otp = Some(screen);
                    self.tab = Tab::Session;
                }
                Effect::SessionStarted(s) => {
                    self.session = Some(*s);
                    self.otp = None;
                    self.tab = Tab::Session;
                }
                Effect::SessionRefreshed(s) => self.session = Some(*s),
                Effect::SessionEnded => self.session = None,
                Effect::UseServiceKey(key) => {
                    self.cfg.admin_key_kind = Some(crate::gotrue::ApiKeyKind::of(&key));
                    ctx.commands.push(Command::SetServiceKey(key));
                    self.cfg.has_service_key = true;
                    self.users.reload(&mut ctx);
                    self.tab = Tab::Users;
                }
                Effect::SentSomething => {
                    if self.has_outbox() {
                        self.outbox.reload(&mut ctx);
                    }
                }
                Effect::UserChanged(user) => {
                    self.users.upsert(&user);
                    if let Some(d) = self.detail.as_mut().filter(|d| d.id == user.id) {
                        d.set_user(*user);
                    }
                    if self.has_outbox() {
                        self.outbox.reload(&mut ctx);
                    }
                }
                Effect::UserDeleted(id) => {
                    self.users.remove(id);
                    if self.detail.as_ref().is_some_and(|d| d.id == id) {
                        self.detail = None;
                    }
                }
                Effect::UserRefresh(id) => {
                    if let Some(d) = self.detail.as_mut().filter(|d| d.id == id) {
                        d.reload(&mut ctx);
                    }
                }
            }
            let nested = ctx.finish();
            self.next_id = self.next_id.max(nested.next_id);
            if let Some(f) = nested.flash {
                self.flash = Some(f);
            }
            commands.extend(nested.commands);
        }
        commands
    }

    /// Tells list screens how many rows fit, from the terminal size and the same layout
    /// `draw` uses.
    fn sync_page(&mut self) {
        let body = body_area(Rect::new(0, 0, self.size.0, self.size.1));
        let extra = u16::from(
            self.users.is_editing()
                || !self.users.filter_text().is_empty()
                || self.users.server_filter().is_some(),
        ) + self.users.status_rows();
        // Borders (2) and the header row (1).
        let rows = body.height.saturating_sub(3 + extra);
        self.users.set_page(rows as usize);
        if let Some(d) = self.detail.as_mut() {
            d.set_page(body.height.saturating_sub(2));
        }
    }

    // ---- drawing ----------------------------------------------------------------------

    pub fn draw(&self, frame: &mut Frame) {
        let area = frame.area();
        let [header, tabs, body, footer, status] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(area);
        self.draw_header(frame, header);
        self.draw_tabs(frame, tabs);
        // An unreachable server is said on every tab, not only where it broke something.
        let body = match &self.health {
            Some(Err(e)) if self.tab != Tab::Users => {
                let [banner, rest] =
                    Layout::vertical([Constraint::Length(9), Constraint::Fill(1)]).areas(body);
                self.draw_unreachable(frame, banner, e);
                rest
            }
            _ => body,
        };
        match self.tab {
            Tab::Users => {
                if let Some(Err(e)) = &self.health
                    && self.users.total_loaded() == 0
                {
                    self.draw_unreachable(frame, body, e);
                } else if let Some(d) = &self.detail {
                    d.draw(frame, body, self.now, self.masked);
                } else if !self.cfg.has_service_key {
                    self.draw_no_key(frame, body);
                } else {
                    self.users.draw(frame, body, self.now, self.masked);
                }
            }
            Tab::Session => match &self.otp {
                Some(o) => o.draw(frame, body, self.now),
                None => self
                    .login
                    .draw(frame, body, self.now, self.session.as_ref()),
            },
            Tab::Outbox => self.outbox.draw(frame, body, self.now, self.masked),
            Tab::Activity => self.activity.draw(frame, body),
            Tab::Audit => self.audit.draw(frame, body, self.now),
            Tab::Tools => {
                let providers = self
                    .settings()
                    .map(|s| s.enabled_providers())
                    .unwrap_or_default();
                self.tools
                    .draw(frame, body, self.now, &self.cfg.server, &providers)
            }
            Tab::Invites => self.invites.draw(frame, body),
            Tab::Journal => self.journal.draw(frame, body, self.now),
        }
        self.draw_footer(frame, footer);
        self.draw_status(frame, status);
        if let Some(a) = &self.action {
            a.draw(frame, body);
        }
        match &self.overlay {
            Some(Overlay::Help { scroll }) => {
                help::draw(frame, body, self.context(), self.cfg.read_only, *scroll)
            }
            Some(Overlay::Palette(p)) => p.draw(frame, body),
            Some(Overlay::Profiles { selected }) => self.draw_profiles(frame, body, *selected),
            None => {}
        }
    }

    fn draw_header(&self, frame: &mut Frame, area: Rect) {
        let base = if self.cfg.production {
            theme::production()
        } else {
            theme::header()
        };
        let bold = base.add_modifier(ratatui::style::Modifier::BOLD);
        let mut spans = vec![Span::styled(" gotrue-console ", bold)];
        if self.cfg.production {
            spans.push(Span::styled(" ▲ PRODUCTION ▲ ", theme::production()));
        }
        if self.cfg.demo {
            spans.push(Span::styled(" DEMO ", theme::demo()));
        }
        if self.cfg.read_only {
            spans.push(Span::styled(" READ-ONLY ", theme::demo()));
        }
        if self.cfg.insecure_tls {
            spans.push(Span::styled(" INSECURE TLS ", theme::production()));
        }
        let server = self
            .cfg
            .server
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        spans.push(Span::raw(format!(" {server}")));
        let (dot, dot_style) = match &self.health {
            None => (" … ".to_owned(), theme::dim()),
            Some(Ok(h)) => (format!(" ● {} ", h.version), theme::ok()),
            Some(Err(_)) => (" ● unreachable ".to_owned(), theme::danger()),
        };
        spans.push(Span::styled(dot, dot_style));
        if let Some(p) = &self.cfg.profile {
            spans.push(Span::styled("│ ", theme::dim()));
            spans.push(Span::raw(format!("{p} ")));
        }
        spans.push(Span::styled("│ ", theme::dim()));
        spans.push(Span::raw(
            match (&self.cfg.admin_key_kind, self.cfg.has_service_key) {
                (_, false) => "no admin key".to_owned(),
                (Some(kind), true) => kind.to_string(),
                (None, true) => "service_role".to_owned(),
            },
        ));
        if let Some(user) = self.session.as_ref().and_then(|s| s.user.as_ref()) {
            spans.push(Span::styled(" + ", theme::dim()));
            spans.push(Span::raw(crate::widgets::mask::mask_label(
                &user.display_name(),
                self.masked,
            )));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    fn breadcrumb(&self) -> String {
        match self.tab {
            Tab::Users => match &self.detail {
                Some(d) => format!(
                    "Users › {}",
                    crate::widgets::mask::mask_label(&d.title(), self.masked)
                ),
                None => "Users".into(),
            },
            Tab::Session => match &self.otp {
                Some(_) => "Session › Enter code".into(),
                None => "Session".into(),
            },
            t => t.label().into(),
        }
    }

    fn draw_tabs(&self, frame: &mut Frame, area: Rect) {
        let crumb = self.breadcrumb();
        let full: usize = self
            .tabs()
            .iter()
            .map(|t| t.label().chars().count() + 5)
            .sum();
        // Tight? Other tabs show only their number; the breadcrumb keeps its room.
        let compact = full + crumb.chars().count() + 1 > area.width as usize;
        let mut spans = Vec::new();
        for t in self.tabs() {
            let n = match t {
                Tab::Users => 1,
                Tab::Session => 2,
                Tab::Outbox => 3,
                Tab::Activity => 4,
                Tab::Audit => 5,
                Tab::Tools => 6,
                Tab::Invites => 7,
                Tab::Journal => 8,
            };
            let style = if t == self.tab {
                theme::selected()
            } else {
                theme::dim()
            };
            let text = if compact && t != self.tab {
                format!(" {n} ")
            } else {
                format!(" {n} {} ", t.label())
            };
            spans.push(Span::styled(text, style));
            spans.push(Span::raw(" "));
        }
        let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        let room = (area.width as usize).saturating_sub(used + 1);
        let crumb = crate::widgets::truncate(&crumb, room);
        spans.push(Span::raw(
            " ".repeat(room.saturating_sub(crumb.chars().count())),
        ));
        spans.push(Span::styled(crumb, theme::title()));
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    fn draw_footer(&self, frame: &mut Frame, area: Rect) {
        let mut spans = Vec::new();
        let context = self.context();
        // `? help` always fits: it is where every other key is.
        const HELP: &str = "? help";
        let reserve = if context.is_form() { 0 } else { HELP.len() + 1 };
        let mut width = reserve;
        for b in context
            .all(self.cfg.read_only)
            .into_iter()
            .filter(|b| b.hint && b.action != Action::Help)
        {
            let key = b.keys.first().map(|k| k.label()).unwrap_or_default();
            let desc = b.desc.split([':', ',']).next().unwrap_or(b.desc);
            let desc = desc.split(" (").next().unwrap_or(desc);
            let piece = key.chars().count() + desc.chars().count() + 3;
            if width + piece > area.width as usize {
                break;
            }
            width += piece;
            spans.push(Span::styled(key, theme::key()));
            spans.push(Span::styled(format!(" {desc}  "), theme::dim()));
        }
        if reserve > 0 {
            spans.push(Span::styled("?", theme::key()));
            spans.push(Span::styled(" help", theme::dim()));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    fn draw_status(&self, frame: &mut Frame, area: Rect) {
        let line = match &self.flash {
            Some(f) => {
                let style = match f.level {
                    Level::Info => theme::info(),
                    Level::Warn => theme::warn(),
                    Level::Error => theme::danger(),
                };
                Line::styled(f.text.clone(), style)
            }
            None => {
                let providers = self
                    .settings()
                    .map(|s| s.enabled_providers().join(", "))
                    .unwrap_or_default();
                if providers.is_empty() {
                    Line::raw("")
                } else {
                    Line::styled(format!("providers: {providers}"), theme::dim())
                }
            }
        };
        frame.render_widget(Paragraph::new(line), area);
    }

    fn draw_profiles(&self, frame: &mut Frame, area: Rect, selected: usize) {
        let height = (self.cfg.profiles.len() as u16 + 2).min(area.height);
        let popup = crate::widgets::centered(area, 40.min(area.width), height);
        let lines: Vec<Line> = self
            .cfg
            .profiles
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let current = Some(p) == self.cfg.profile.as_ref();
                let text = format!("{} {p}", if current { "●" } else { " " });
                if i == selected {
                    Line::styled(text, theme::selected())
                } else {
                    Line::raw(text)
                }
            })
            .collect();
        frame.render_widget(Clear, popup);
        frame.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme::focused_border())
                    .title(Span::styled(" Switch profile · Enter ", theme::title())),
            ),
            popup,
        );
    }

    fn draw_unreachable(&self, frame: &mut Frame, area: Rect, err: &GoTrueError) {
        let mut lines = panel::error_lines(&format!("Reaching {}", self.cfg.server), err);
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled("r", theme::key()),
            Span::raw(" retry   "),
            Span::styled("?", theme::key()),
            Span::raw(" help   "),
            Span::styled("P", theme::key()),
            Span::raw(" switch profile   "),
            Span::styled("q", theme::key()),
            Span::raw(" quit"),
        ]));
        frame.render_widget(Clear, area);
        frame.render_widget(
            Paragraph::new(lines)
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(" Server unreachable "),
                )
                .wrap(Wrap { trim: false }),
            area,
        );
    }

    fn draw_no_key(&self, frame: &mut Frame, area: Rect) {
        let lines = vec![
            Line::styled("No service-role key is configured.", theme::warn()),
            Line::raw(""),
            Line::raw("The users list needs GoTrue's service-role key. Give one with:"),
            Line::raw("  · a profile in ~/.config/gotrue-console/config.toml,"),
            Line::raw("  · GOTRUE_SERVICE_ROLE_KEY or SUPABASE_SERVICE_ROLE_KEY, or"),
            Line::from(vec![
                Span::raw("  · the key entry on the Session tab: press "),
                Span::styled("2", theme::key()),
                Span::raw(" (kept in memory only)."),
            ]),
        ];
        frame.render_widget(
            Paragraph::new(lines)
                .block(Block::default().borders(Borders::ALL).title(" Users "))
                .wrap(Wrap { trim: false }),
            area,
        );
    }
}

/// The body of the screen: everything but header, tabs, footer and status.
pub fn body_area(area: Rect) -> Rect {
    let [_, _, body, _, _] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    body
}

/// What a `Ctx` collected, once its borrow of the id counter ended.
pub(crate) struct CtxOut {
    next_id: u64,
    commands: Vec<Command>,
    flash: Option<Flash>,
    effects: Vec<Effect>,
}

impl Ctx {
    pub(crate) fn finish(self) -> CtxOut {
        CtxOut {
            next_id: self.next_id,
            commands: self.commands,
            flash: self.flash,
            effects: self.effects,
        }
    }
}
