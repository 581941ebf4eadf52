//! Actions and the key registry. One table per screen maps keys to named actions with a
//! description, a group and a danger flag; the same table drives dispatch, the footer hints,
//! the `?` help and the `:` palette, so they can never disagree.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::{Deserialize, Serialize};

/// A named user intent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    // global
    Quit,
    ForceQuit,
    Help,
    Palette,
    Back,
    NextTab,
    PrevTab,
    GoUsers,
    GoSession,
    GoOutbox,
    GoActivity,
    GoAudit,
    GoTools,
    GoInvites,
    GoJournal,
    Retry,
    SwitchProfile,
    ToggleMask,
    // lists
    Up,
    Down,
    Top,
    Bottom,
    PageUp,
    PageDown,
    Open,
    Filter,
    ServerFilter,
    ClearFilter,
    Sort,
    ReverseSort,
    Refresh,
    CopyId,
    CopyEmail,
    // detail
    ToggleRaw,
    // admin actions on a user
    CreateUser,
    InviteUser,
    BanUser,
    UnbanUser,
    DeleteUser,
    PasswordHelp,
    LinksAndCodes,
    ConfirmUser,
    RemoveMfa,
    EditUser,
    Diagnose,
    ExportList,
    // forms
    Edit,
    NextField,
    PrevField,
    Submit,
    NextMode,
    PrevMode,
    /// Edit the form's fields as one JSON document in `$VISUAL`/`$EDITOR`.
    ExternalEditor,
    // session
    RefreshSession,
    SignOut,
    OtpEntry,
    Resend,
    // pages, tools
    NextPage,
    PrevPage,
    EditProvider,
    OpenFile,
    WriteResults,
    SendInvites,
    RetryFailed,
    CancelRun,
    // outbox
    UseMessage,
    UseCode,
    OutboxForUser,
    CopyLink,
    ClearOutbox,
}

/// One key, as written in help texts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::NONE,
    }
}
const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        mods: KeyModifiers::CONTROL,
    }
}
const fn code(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}

impl Key {
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        // Shifted letters arrive as uppercase with SHIFT; compare the character only.
        match (self.code, ev.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => {
                a == b
                    && self.mods.contains(KeyModifiers::CONTROL)
                        == ev.modifiers.contains(KeyModifiers::CONTROL)
                    && self.mods.contains(KeyModifiers::ALT)
                        == ev.modifiers.contains(KeyModifiers::ALT)
            }
            // BackTab arrives with or without SHIFT depending on the terminal.
            (a, b) => {
                a == b && (ev.modifiers - KeyModifiers::SHIFT) == (self.mods - KeyModifiers::SHIFT)
            }
        }
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "S-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{base}")
        } else {
            base
        }
    }
}

/// A key binding: the keys, the action, and how help describes it.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub desc: &'static str,
    pub group: &'static str,
    /// Changes or destroys data: hidden in read-only mode, confirmed before it runs.
    pub dangerous: bool,
    /// Shown in the footer (the rest only in `?` help and the palette).
    pub hint: bool,
}

/// A binding that changes data: hidden in read-only mode.
const fn d(
    keys: &'static [Key],
    action: Action,
    desc: &'static str,
    group: &'static str,
    hint: bool,
) -> Binding {
    Binding {
        keys,
        action,
        desc,
        group,
        dangerous: true,
        hint,
    }
}

const fn b(
    keys: &'static [Key],
    action: Action,
    desc: &'static str,
    group: &'static str,
    hint: bool,
) -> Binding {
    Binding {
        keys,
        action,
        desc,
        group,
        dangerous: false,
        hint,
    }
}

/// Keys that work on every screen (unless a text field has the focus).
#[rustfmt::skip]
pub const GLOBAL: &[Binding] = &[
    b(&[k('?')], Action::Help, "help: every key", "global", true),
    b(&[k(':')], Action::Palette, "command palette", "global", true),
    b(&[k('q')], Action::Quit, "quit", "global", true),
    b(&[ctrl('c')], Action::ForceQuit, "quit, from anywhere", "global", false),
    b(&[code(KeyCode::Esc)], Action::Back, "back", "global", false),
    b(&[code(KeyCode::Tab)], Action::NextTab, "next tab", "global", false),
    b(&[code(KeyCode::BackTab)], Action::PrevTab, "previous tab", "global", false),
    b(&[k('1')], Action::GoUsers, "users", "tabs", false),
    b(&[k('2')], Action::GoSession, "session: sign in as a user", "tabs", false),
    b(&[k('3')], Action::GoOutbox, "outbox (demo server or Mailpit)", "tabs", false),
    b(&[k('4')], Action::GoActivity, "activity: every request", "tabs", false),
    b(&[k('5')], Action::GoAudit, "audit log", "tabs", false),
    b(&[k('6')], Action::GoTools, "tools: token inspector, provider URL", "tabs", false),
    b(&[k('7')], Action::GoInvites, "invitations: many at once", "tabs", false),
    b(&[k('8')], Action::GoJournal, "operator journal (serve-ssh)", "tabs", false),
    b(&[k('P')], Action::SwitchProfile, "switch profile", "global", false),
    b(&[k('*')], Action::ToggleMask, "mask or reveal emails and phone numbers", "global", false),
];

#[rustfmt::skip]
const MOVE: &[Binding] = &[
    b(&[k('k'), code(KeyCode::Up)], Action::Up, "up", "move", false),
    b(&[k('j'), code(KeyCode::Down)], Action::Down, "down", "move", false),
    b(&[k('g'), code(KeyCode::Home)], Action::Top, "top", "move", false),
    b(&[k('G'), code(KeyCode::End)], Action::Bottom, "bottom", "move", false),
    b(&[code(KeyCode::PageUp), ctrl('u')], Action::PageUp, "page up", "move", false),
    b(&[code(KeyCode::PageDown), ctrl('d')], Action::PageDown, "page down", "move", false),
];

#[rustfmt::skip]
pub const USERS: &[Binding] = &[
    b(&[code(KeyCode::Enter)], Action::Open, "open the user", "users", true),
    b(&[k('/')], Action::Filter, "filter what is loaded (instant)", "users", true),
    b(&[k('f')], Action::ServerFilter, "GoTrue filter: email or name, reloads", "users", true),
    b(&[k('x')], Action::ClearFilter, "clear both filters", "users", false),
    b(&[k('s')], Action::Sort, "sort by: created, last sign-in, email", "users", true),
    b(&[k('S')], Action::ReverseSort, "reverse the order", "users", false),
    b(&[k('R')], Action::Refresh, "reload from the server", "users", true),
    b(&[k('y')], Action::CopyId, "copy the id", "users", false),
    b(&[k('Y')], Action::CopyEmail, "copy the email", "users", false),
    b(&[k('r')], Action::Retry, "retry after an error", "users", false),
    b(&[k('E')], Action::ExportList, "export the list as filtered (CSV, NDJSON)", "users", false),
    d(&[k('n')], Action::CreateUser, "create a user", "admin", true),
    d(&[k('i')], Action::InviteUser, "invite by email", "admin", true),
    b(&[k('d')], Action::Diagnose, "diagnose: why can't this user sign in?", "admin", true),
    d(&[k('e')], Action::EditUser, "edit: email, phone, password, role, metadata", "admin", true),
    d(&[k('p')], Action::PasswordHelp, "password help: recovery mail, link, temporary password", "admin", true),
    d(&[k('l')], Action::LinksAndCodes, "links and codes: magic link, OTP, resend, generate", "admin", false),
    d(&[k('b')], Action::BanUser, "ban for a while", "admin", false),
    d(&[k('u')], Action::UnbanUser, "lift a ban", "admin", false),
    d(&[k('c')], Action::ConfirmUser, "confirm email or phone", "admin", false),
    d(&[k('D')], Action::DeleteUser, "delete, hard or soft", "admin", false),
];

#[rustfmt::skip]
pub const DETAIL: &[Binding] = &[
    b(&[k('J')], Action::ToggleRaw, "raw JSON / formatted", "user", true),
    b(&[k('R')], Action::Refresh, "reload", "user", true),
    b(&[k('y')], Action::CopyId, "copy the id", "user", true),
    b(&[k('Y')], Action::CopyEmail, "copy the email", "user", false),
    b(&[k('r')], Action::Retry, "retry after an error", "user", false),
    b(&[k('d')], Action::Diagnose, "diagnose: why can't this user sign in?", "admin", true),
    d(&[k('e')], Action::EditUser, "edit: email, phone, password, role, metadata", "admin", true),
    d(&[k('p')], Action::PasswordHelp, "password help: recovery mail, link, temporary password", "admin", true),
    d(&[k('l')], Action::LinksAndCodes, "links and codes: magic link, OTP, resend, generate", "admin", false),
    d(&[k('b')], Action::BanUser, "ban for a while", "admin", false),
    d(&[k('u')], Action::UnbanUser, "lift a ban", "admin", false),
    d(&[k('c')], Action::ConfirmUser, "confirm email or phone", "admin", false),
    d(&[k('M')], Action::RemoveMfa, "remove MFA factors", "admin", false),
    d(&[k('D')], Action::DeleteUser, "delete, hard or soft", "admin", false),
];

#[rustfmt::skip]
pub const LOGIN: &[Binding] = &[
    b(&[k('e'), code(KeyCode::Enter)], Action::Edit, "edit the form", "session", true),
    b(&[k('m'), code(KeyCode::Right)], Action::NextMode, "next: sign in, sign up, magic link, code, key", "session", true),
    b(&[k('M'), code(KeyCode::Left)], Action::PrevMode, "previous mode", "session", false),
    b(&[k('o')], Action::OtpEntry, "enter a one-time code", "session", true),
    b(&[k('R')], Action::RefreshSession, "refresh the session now", "session", true),
    b(&[k('L')], Action::SignOut, "sign out (choose the scope)", "session", true),
];

/// While a form field has the focus: everything else is typing.
#[rustfmt::skip]
pub const FORM: &[Binding] = &[
    b(&[code(KeyCode::Enter)], Action::Submit, "submit", "form", true),
    b(&[code(KeyCode::Tab), code(KeyCode::Down)], Action::NextField, "next field", "form", true),
    b(&[code(KeyCode::BackTab), code(KeyCode::Up)], Action::PrevField, "previous field", "form", false),
    b(&[code(KeyCode::Esc)], Action::Back, "stop editing", "form", true),
    b(&[ctrl('c')], Action::ForceQuit, "quit", "form", false),
];

/// A dialog's question, choice or result (its own line says which keys answer it).
#[rustfmt::skip]
pub const DIALOG: &[Binding] = &[
    b(&[code(KeyCode::Enter)], Action::Submit, "go on (choose, confirm or close)", "dialog", true),
    b(&[code(KeyCode::Esc)], Action::Back, "cancel or close", "dialog", true),
    b(&[ctrl('c')], Action::ForceQuit, "quit", "dialog", false),
];

/// The user editor's form adds its own key to the form's.
#[rustfmt::skip]
pub const EDIT_USER: &[Binding] = &[
    b(&[ctrl('o')], Action::ExternalEditor, "edit as JSON in $EDITOR", "form", true),
];

#[rustfmt::skip]
pub const OTP: &[Binding] = &[
    b(&[k('e'), code(KeyCode::Enter)], Action::Edit, "edit the form", "otp", true),
    b(&[k('t'), code(KeyCode::Right)], Action::NextMode, "next OTP type", "otp", true),
    b(&[k('T'), code(KeyCode::Left)], Action::PrevMode, "previous OTP type", "otp", false),
    b(&[k('r')], Action::Resend, "resend the code", "otp", true),
];

#[rustfmt::skip]
pub const OUTBOX: &[Binding] = &[
    b(&[k('v'), code(KeyCode::Enter)], Action::UseMessage, "use it: verify the link (or enter the code)", "outbox", true),
    b(&[k('c')], Action::UseCode, "enter its code on the OTP screen", "outbox", true),
    b(&[k('u')], Action::OutboxForUser, "only the mails of the user selected in Users / everyone's", "outbox", false),
    b(&[k('y')], Action::CopyLink, "copy the link", "outbox", true),
    b(&[k('R')], Action::Refresh, "reload", "outbox", true),
    b(&[k('r')], Action::Retry, "retry after an error", "outbox", false),
];

pub const ACTIVITY: &[Binding] = &[];

#[rustfmt::skip]
pub const AUDIT: &[Binding] = &[
    b(&[k('/')], Action::Filter, "GoTrue query: author:, action:, type:", "audit", true),
    b(&[k('x')], Action::ClearFilter, "clear the query", "audit", false),
    b(&[k(']')], Action::NextPage, "next page", "audit", true),
    b(&[k('[')], Action::PrevPage, "previous page", "audit", true),
    b(&[k('R')], Action::Refresh, "reload", "audit", true),
    b(&[k('r')], Action::Retry, "retry after an error", "audit", false),
];

#[rustfmt::skip]
pub const INVITES: &[Binding] = &[
    b(&[k('o')], Action::OpenFile, "open a CSV of invitations", "invites", true),
    d(&[k('S')], Action::SendInvites, "send the pending invitations", "invites", true),
    d(&[k('F')], Action::RetryFailed, "retry the failed rows", "invites", true),
    b(&[k('C')], Action::CancelRun, "cancel the sending", "invites", false),
    b(&[k('W')], Action::WriteResults, "write the results as CSV", "invites", true),
];

#[rustfmt::skip]
pub const TOOLS: &[Binding] = &[
    b(&[k('e'), code(KeyCode::Enter)], Action::Edit, "paste a token or cookie to inspect", "tools", true),
    b(&[k('o')], Action::EditProvider, "build a provider sign-in URL", "tools", true),
    b(&[k('y')], Action::CopyLink, "copy the provider URL", "tools", true),
];

/// Which registry applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Context {
    Users,
    Detail,
    Login,
    Otp,
    Outbox,
    Activity,
    Audit,
    Tools,
    Invites,
    Form,
    /// The user editor's form.
    EditUser,
    /// A dialog that is not a form: a choice, a question, a result.
    Dialog,
}

impl Context {
    /// The screen's own bindings; lists get the movement keys too.
    pub fn bindings(self) -> Vec<&'static Binding> {
        let own: &[Binding] = match self {
            Context::Users => USERS,
            Context::Detail => DETAIL,
            Context::Login => LOGIN,
            Context::Otp => OTP,
            Context::Outbox => OUTBOX,
            Context::Activity => ACTIVITY,
            Context::Audit => AUDIT,
            Context::Tools => TOOLS,
            Context::Invites => INVITES,
            Context::Form => FORM,
            Context::EditUser => EDIT_USER,
            Context::Dialog => DIALOG,
        };
        let moves = match self {
            Context::Users
            | Context::Detail
            | Context::Outbox
            | Context::Activity
            | Context::Audit
            | Context::Invites => MOVE,
            Context::EditUser => FORM,
            _ => &[],
        };
        own.iter().chain(moves.iter()).collect()
    }

    /// Every binding in force here, screen first, then the global ones (except in a form).
    pub fn all(self, read_only: bool) -> Vec<&'static Binding> {
        let mut out = self.bindings();
        if !self.is_form() {
            out.extend(GLOBAL.iter());
        }
        out.retain(|b| !(read_only && b.dangerous));
        out
    }

    /// Keys type into a field or answer a dialog: only its own keys act, not the global ones.
    pub fn is_form(self) -> bool {
        matches!(self, Context::Form | Context::EditUser | Context::Dialog)
    }

    pub fn lookup(self, ev: &KeyEvent, read_only: bool) -> Option<Action> {
        self.all(read_only)
            .into_iter()
            .find(|b| b.keys.iter().any(|key| key.matches(ev)))
            .map(|b| b.action)
    }
}

/// `j/↓` style label for a binding's keys.
pub fn keys_label(binding: &Binding) -> String {
    binding
        .keys
        .iter()
        .map(Key::label)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(c: KeyCode, m: KeyModifiers) -> KeyEvent {
        KeyEvent::new(c, m)
    }

    #[test]
    fn lookup_finds_screen_then_global_keys() {
        let ev = press(KeyCode::Char('/'), KeyModifiers::NONE);
        assert_eq!(Context::Users.lookup(&ev, false), Some(Action::Filter));
        let ev = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(Context::Users.lookup(&ev, false), Some(Action::Quit));
        assert_eq!(Context::Form.lookup(&ev, false), None, "q types in a form");
        let ev = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(Context::Form.lookup(&ev, false), Some(Action::ForceQuit));
        let ev = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(Context::Users.lookup(&ev, false), Some(Action::Bottom));
        let ev = press(KeyCode::Down, KeyModifiers::NONE);
        assert_eq!(Context::Users.lookup(&ev, false), Some(Action::Down));
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for ctx in [
            Context::Users,
            Context::Detail,
            Context::Login,
            Context::Otp,
            Context::Outbox,
            Context::Activity,
            Context::Audit,
            Context::Tools,
            Context::Invites,
            Context::Form,
            Context::EditUser,
            Context::Dialog,
        ] {
            let all = ctx.all(false);
            let mut seen: Vec<(Key, Action)> = Vec::new();
            for b in &all {
                for key in b.keys {
                    if let Some((_, other)) = seen.iter().find(|(k, _)| k == key) {
                        // A screen may take over a global key (Tab in a form), never twice
                        // within its own table.
                        let own = ctx.bindings();
                        let in_own = own.iter().filter(|o| o.keys.contains(key)).count();
                        assert!(
                            in_own <= 1,
                            "{ctx:?}: {} bound to {other:?} and {:?}",
                            key.label(),
                            b.action
                        );
                    } else {
                        seen.push((*key, b.action));
                    }
                }
            }
        }
    }

    #[test]
    fn actions_have_serde_names_for_keybinding_configs() {
        assert_eq!(
            serde_json::to_string(&Action::ServerFilter).unwrap(),
            "\"server_filter\""
        );
    }
}
