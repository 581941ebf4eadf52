//! One module per screen: its state, its update and its draw. `update` functions are pure
//! (no I/O, no clock: time comes in `Ctx::now`); `draw` only reads.

pub mod activity;
pub mod audit;
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
pub mod tools;
pub mod user_actions;
pub mod users;

use crate::command::{ApiCall, Command, RequestId};
use crate::gotrue::{Credential, OtpType, Session, UserId};
use chrono::{DateTime, Utc};

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
    /// Something about the user changed that the answer did not carry: reload it.
    UserRefresh(UserId),
}

/// What an update may do besides changing its own screen.
pub struct Ctx {
    pub now: DateTime<Utc>,
    pub read_only: bool,
    pub(crate) next_id: u64,
    pub commands: Vec<Command>,
    pub flash: Option<Flash>,
    pub effects: Vec<Effect>,
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
        }
    }

    /// Queues a GoTrue call and returns its id.
    pub fn request(&mut self, call: ApiCall) -> RequestId {
        self.next_id += 1;
        let id = RequestId(self.next_id);
        self.commands.push(Command::Api(id, call));
        id
    }

    /// Asks for `text` to be edited in the user's `$EDITOR` (a file named `*.{extension}`);
    /// the edited text comes back as `ApiReply::Edited` under the returned id.
    pub fn edit_text(&mut self, text: String, extension: &'static str) -> RequestId {
        self.next_id += 1;
        let id = RequestId(self.next_id);
        self.commands.push(Command::EditText {
            id,
            text,
            extension,
        });
        id
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

    pub fn effect(&mut self, effect: Effect) {
        self.effects.push(effect);
    }
}
