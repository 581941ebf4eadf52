//! One module per screen: its state, its update and its draw. `update` functions are pure
//! (no I/O, no clock: time comes in `Ctx::now`); `draw` only reads.
//!
//! Every screen implements [`Screen`]; every dialog implements [`dialog::Flow`]. The app
//! looks the key up in the screen's [`Context`] and hands it the [`Action`], routes each
//! answer to the screen that sent the request, and draws it with one [`View`].

pub mod activity;
pub mod audit;
pub mod bulk_dialog;
pub mod detail;
pub mod diagnose;
pub mod dialog;
pub mod edit_user;
pub mod export_list;
pub mod help;
pub mod invites;
pub mod journal;
pub mod login;
pub mod otp;
pub mod outbox;
pub mod palette;
pub mod passkey_remove;
pub mod provider_form;
pub mod providers;
pub mod quit;
pub mod stats;
pub mod tools;
pub mod user_actions;
pub mod user_filter;
pub mod user_row;
pub mod user_window;
pub mod users;

use crate::console::command::{
    ApiCall, ApiReply, Command, Pending, RequestId, Task, TaskError, TaskReply,
};
use crate::console::keys::{Action, Context, Keymap};
use crate::gotrue::{Credential, GoTrueError, OtpType, Session, UserId};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;

/// A screen of a tab: the app asks it for its key context, hands it the actions the keymap
/// found there, its typing, its pastes and the answers to its own requests, and draws it.
pub trait Screen {
    /// The keys in force on it now (`Context::Form` while a field has the focus).
    fn context(&self) -> Context;
    /// An action of its context, a global one it takes over, or one the palette ran.
    /// `false`: not its own; the app's fallback applies (Back, Retry), else nothing.
    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool;
    /// A key no binding took while its context is a form: typing.
    fn on_text(&mut self, _key: KeyEvent, _ctx: &mut Ctx) {}
    fn on_paste(&mut self, _text: &str, _ctx: &mut Ctx) {}
    /// An answer to a request it sent (the app routes by request id).
    fn on_reply(&mut self, _id: RequestId, _result: Result<ApiReply, GoTrueError>, _ctx: &mut Ctx) {
    }
    /// An answer to a local task it sent (a file, the editor).
    fn on_task(&mut self, _id: RequestId, result: Result<TaskReply, TaskError>, _ctx: &mut Ctx) {
        crate::console::command::bug("a screen that sends no local task", &result);
    }
    /// Work that quitting now would lose (a run sending, results not written), said in a
    /// sentence: `q` asks first.
    fn unfinished(&self) -> Option<String> {
        None
    }
    /// The user went to its tab: a screen that shows the server's latest reads it now.
    fn on_show(&mut self, _ctx: &mut Ctx) {}
    /// When the screen wants the clock though nothing happens (a search that waits for
    /// typing to pause); `None`: never.
    fn wake_at(&self) -> Option<DateTime<Utc>> {
        None
    }
    /// The clock reached `ctx.now` (it is called on every clock message).
    fn on_clock(&mut self, _ctx: &mut Ctx) {}
    /// The body's size changed (or its content did): a list pages by the rows that fit.
    fn set_area(&mut self, _area: Rect) {}
    /// A click at `column`, `row` of the frame (with the mouse on): a list selects the row
    /// under it.
    fn on_click(&mut self, _column: u16, _row: u16) -> crate::console::widgets::list::Click {
        crate::console::widgets::list::Click::Missed
    }
    fn draw(&self, frame: &mut Frame, area: Rect, view: &View);
}

/// Whether `action` is for a form screen in its state: the form's keys (submit, next and
/// previous field) only while a field has the focus, the screen's own only while none has;
/// Back in either.
pub fn fits_focus(action: Action, editing: bool) -> bool {
    let form_key = matches!(
        action,
        Action::Submit | Action::NextField | Action::PrevField
    );
    action == Action::Back || form_key == editing
}

/// What every draw reads besides its own state: one props struct.
/// A line the Session tab shows about the OS keyring (kept, read back, or why not).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyringNote {
    pub text: String,
    pub warn: bool,
}

impl KeyringNote {
    pub fn info(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            warn: false,
        }
    }

    pub fn warn(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            warn: true,
        }
    }
}

pub struct View<'a> {
    pub now: DateTime<Utc>,
    /// Emails and phone numbers masked.
    pub masked: bool,
    pub read_only: bool,
    /// The keys in force, for the hints a screen draws.
    pub keys: &'a Keymap,
    pub session: Option<&'a Session>,
    /// The session is a user's, started from the admin console (their email).
    pub impersonating: Option<&'a str>,
    /// What the Session tab says of the OS keyring.
    pub keyring: Option<&'a KeyringNote>,
    pub server: &'a str,
    /// What `/settings` enables.
    pub providers: &'a [&'a str],
}

impl View<'_> {
    /// `r retry   Esc back`: each action's first key and what it does, for panels.
    pub fn hints(&self, items: &[(Context, Action, &str)]) -> ratatui::text::Line<'static> {
        use ratatui::text::Span;
        let mut spans = Vec::new();
        for (ctx, action, label) in items {
            let key = self.key(*ctx, *action);
            if key.is_empty() {
                continue;
            }
            if !spans.is_empty() {
                spans.push(Span::raw("   "));
            }
            spans.push(Span::styled(key, crate::console::widgets::theme::key()));
            spans.push(Span::raw(format!(" {label}")));
        }
        ratatui::text::Line::from(spans)
    }

    /// The first key of `action` in `ctx`, as help writes it.
    pub fn key(&self, ctx: Context, action: Action) -> String {
        self.keys.key_of(ctx, action)
    }

    /// Every key of `action` in `ctx` (or the global table), as help writes them.
    pub fn labels(&self, ctx: Context, action: Action) -> Vec<String> {
        self.keys
            .all(ctx, false)
            .into_iter()
            .find(|b| b.action == action)
            .map(|b| {
                b.keys
                    .iter()
                    .map(crate::console::keys::Key::label)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every key of `action` in `ctx`, single characters first: `y or Enter`.
    pub fn keys_or(&self, ctx: Context, action: Action) -> String {
        let mut keys = self.labels(ctx, action);
        keys.sort_by_key(|k| k.chars().count() > 1);
        keys.join(" or ")
    }
}

/// How loud a status-line message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// A status-line message that clears itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flash {
    pub level: Level,
    pub text: String,
    pub until: DateTime<Utc>,
}

/// Something a screen asks the app to do beyond its own state.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    OpenUser(UserId),
    /// Leave the current sub-screen (detail → list, OTP → login).
    Back,
    /// Open the OTP entry, pre-filled.
    OtpEntry {
        target: Option<Credential>,
        otp_type: OtpType,
        code: Option<String>,
        /// A code was just sent: the resend countdown starts now.
        sent: bool,
    },
    /// A user session began (sign-in, verify, refresh): the app keeps it.
    SessionStarted(Box<Session>),
    /// A session as a user, started from the admin console: marked on the Session tab.
    Impersonating {
        session: Box<Session>,
        email: String,
    },
    /// New tokens for the session in use: kept, and the user stays where they are.
    SessionRefreshed(Box<Session>),
    SessionEnded,
    /// A service-role key was typed in: reconnect and load users.
    UseServiceKey(crate::gotrue::Secret),
    /// A mail or SMS went out: the outbox has something new.
    SentSomething,
    /// An admin action changed a user: refresh the list row and the open detail.
    UserChanged(Box<crate::gotrue::User>),
    UserDeleted(UserId),
    /// An SSO provider, OAuth client or custom provider changed: the tab reads them again.
    ProvidersChanged,
    /// The Stats tab wants its figures: counted from the users held.
    CountStats,
    /// A bulk action was confirmed: the users list runs it.
    StartBulk(Box<crate::ops::bulk_users::BulkRun>),
    /// Something about the user changed that the answer did not carry: reload it.
    UserRefresh(UserId),
    /// Quit after all (the question about unfinished work was answered yes).
    Quit,
    /// Put `text` on the clipboard by OSC 52; `what` names it ("the link").
    Copy {
        what: String,
        text: String,
    },
}

/// What an update may do besides changing its own screen.
pub struct Ctx {
    pub now: DateTime<Utc>,
    pub read_only: bool,
    pub(crate) next_id: u64,
    pub commands: Vec<Command>,
    pub flash: Option<Flash>,
    pub effects: Vec<Effect>,
    /// The user session the console holds, if any (read-only here: `Effect`s change it).
    pub session: Option<Session>,
    /// The server's URL.
    pub server: String,
    /// The email (or phone) of the user selected in Users, if any.
    pub selected_user: Option<String>,
    /// The keys in force, for messages that name one.
    pub keys: std::sync::Arc<Keymap>,
}

impl Ctx {
    pub fn new(now: DateTime<Utc>, read_only: bool, next_id: u64) -> Self {
        Self {
            now,
            read_only,
            next_id,
            commands: Vec::new(),
            flash: None,
            effects: Vec::new(),
            session: None,
            server: String::new(),
            selected_user: None,
            keys: Default::default(),
        }
    }

    fn next(&mut self) -> RequestId {
        self.next_id += 1;
        RequestId(self.next_id)
    }

    /// Queues a GoTrue call; its answer will be read as a `T`.
    pub fn send<T>(&mut self, call: ApiCall) -> Pending<T> {
        let id = self.next();
        let pending = Pending::new(id, call.label());
        self.commands.push(Command::Api(id, call));
        pending
    }

    /// Queues work on this machine (a file, the editor); its answer will be read as a `T`.
    pub fn task<T>(&mut self, task: Task) -> Pending<T> {
        let id = self.next();
        let pending = Pending::new(id, task.label());
        self.commands.push(Command::Task(id, task));
        pending
    }

    pub fn flash(&mut self, level: Level, text: impl Into<String>) {
        let secs = match level {
            Level::Info => 4,
            Level::Warn => 6,
            Level::Error => 8,
        };
        self.flash = Some(Flash {
            level,
            text: text.into(),
            until: self.now + chrono::Duration::seconds(secs),
        });
    }

    /// Copies `text` (called `what` in messages) to the terminal's clipboard. The same copy
    /// again soon after shows the text to copy by hand, for terminals that ignore OSC 52.
    pub fn copy(&mut self, what: impl Into<String>, text: impl Into<String>) {
        self.effects.push(Effect::Copy {
            what: what.into(),
            text: text.into(),
        });
    }

    pub fn effect(&mut self, effect: Effect) {
        self.effects.push(effect);
    }
}
