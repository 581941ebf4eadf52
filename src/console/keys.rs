//! Actions and the keymap. Every screen, dialog step and overlay has a `Context`; each
//! context's table maps keys to named actions with a description, a group and a danger flag.
//! The built-in tables below are the defaults; `Keymap::with_overrides` lays the user's
//! `[keys.<context>]` bindings from `config.toml` over them. The one `Keymap` in force drives
//! dispatch, the footer hints, the `?` help, the `:` palette, the hints drawn in dialogs, the
//! tab numbers, and `gotrue-console keys`, so they can never disagree.

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
    GoProviders,
    GoStats,
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
    RemovePasskey,
    SignOutEverywhere,
    /// Start a session as the user in the Session tab.
    Impersonate,
    /// Sign the impersonated session out (scope local).
    EndImpersonation,
    EditUser,
    NewSurface,
    EditSurface,
    Diagnose,
    ExportList,
    LoadAll,
    // marking and bulk runs
    Mark,
    MarkAll,
    ShowBulkRun,
    PauseRun,
    RegenerateSecret,
    DeleteProvider,
    DismissRun,
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
    /// The session tab's cookie forms of the session.
    SessionCookies,
    /// Keep the session in the OS keyring between runs, or stop keeping it.
    KeepSession,
    CopyTokenCookies,
    CopySsrCookie,
    CopyCookieHeader,
    RevealTokens,
    CookieEncoding,
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
    ToggleLinksOnly,
    // outbox
    UseMessage,
    UseCode,
    OutboxForUser,
    CopyLink,
    ClearOutbox,
    // the sign-out question
    ScopeLocal,
    ScopeGlobal,
    ScopeOthers,
}

impl Action {
    /// The snake_case name configs and `gotrue-console keys` use.
    pub fn name(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("{self:?}"))
    }

    /// The action a config names, if any.
    pub fn from_name(name: &str) -> Option<Action> {
        serde_json::from_value(serde_json::Value::String(name.to_owned())).ok()
    }
}

/// One key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

/// Named keys in the config syntax, with their codes.
const NAMED: &[(&str, KeyCode)] = &[
    ("enter", KeyCode::Enter),
    ("esc", KeyCode::Esc),
    ("tab", KeyCode::Tab),
    ("backspace", KeyCode::Backspace),
    ("delete", KeyCode::Delete),
    ("insert", KeyCode::Insert),
    ("up", KeyCode::Up),
    ("down", KeyCode::Down),
    ("left", KeyCode::Left),
    ("right", KeyCode::Right),
    ("home", KeyCode::Home),
    ("end", KeyCode::End),
    ("pgup", KeyCode::PageUp),
    ("pgdn", KeyCode::PageDown),
    ("space", KeyCode::Char(' ')),
];

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

    /// Reads the config syntax: `o`, `O`, `ctrl-o`, `alt-x`, `enter`, `esc`, `tab`,
    /// `shift-tab`, `f5`, `pgdn`, `up`, `space`, … (case does not matter in names).
    pub fn parse(spec: &str) -> Result<Key, String> {
        let bad = || {
            format!(
                "`{spec}` is not a key (write e.g. `o`, `O`, `ctrl-o`, `alt-x`, `enter`, `esc`, \
                 `tab`, `shift-tab`, `f5`, `pgdn`)"
            )
        };
        let mut mods = KeyModifiers::NONE;
        let mut rest = spec;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (prefix, m) = if lower.starts_with("ctrl-") {
                ("ctrl-", KeyModifiers::CONTROL)
            } else if lower.starts_with("alt-") {
                ("alt-", KeyModifiers::ALT)
            } else if lower.starts_with("shift-") {
                ("shift-", KeyModifiers::SHIFT)
            } else {
                break;
            };
            if rest.len() == prefix.len() {
                break;
            }
            mods |= m;
            rest = &rest[prefix.len()..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() && c != ' ' => {
                if mods.contains(KeyModifiers::SHIFT) {
                    mods -= KeyModifiers::SHIFT;
                    KeyCode::Char(c.to_ascii_uppercase())
                } else if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            _ => {
                let lower = rest.to_ascii_lowercase();
                if lower == "tab" && mods.contains(KeyModifiers::SHIFT) {
                    mods -= KeyModifiers::SHIFT;
                    KeyCode::BackTab
                } else if let Some(n) = lower.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
                    if !(1..=24).contains(&n) {
                        return Err(bad());
                    }
                    KeyCode::F(n)
                } else {
                    NAMED
                        .iter()
                        .find(|(name, _)| *name == lower)
                        .map(|(_, c)| *c)
                        .ok_or_else(bad)?
                }
            }
        };
        Ok(Key { code, mods })
    }

    /// The key in the config syntax (`Key::parse` reads it back).
    pub fn spec(&self) -> String {
        let base = match self.code {
            KeyCode::BackTab => return "shift-tab".into(),
            KeyCode::Char(' ') => "space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::F(n) => format!("f{n}"),
            other => NAMED
                .iter()
                .find(|(_, c)| *c == other)
                .map(|(n, _)| (*n).to_owned())
                .unwrap_or_else(|| format!("{other:?}").to_lowercase()),
        };
        let mut out = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            out.push_str("ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            out.push_str("alt-");
        }
        if self.mods.contains(KeyModifiers::SHIFT) {
            out.push_str("shift-");
        }
        out + &base
    }

    /// The key as help texts write it (`Ctrl-c`, `S-Tab`, `PgDn`, `↑`).
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
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Del".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        let mut out = String::new();
        if self.mods.contains(KeyModifiers::CONTROL) {
            out.push_str("Ctrl-");
        }
        if self.mods.contains(KeyModifiers::ALT) {
            out.push_str("Alt-");
        }
        out + &base
    }
}

/// A built-in binding (the tables below).
#[derive(Clone, Copy, Debug)]
pub struct Def {
    keys: &'static [Key],
    action: Action,
    desc: &'static str,
    group: &'static str,
    dangerous: bool,
    hint: bool,
}

/// A binding in force: the keys, the action, and how help describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Binding {
    pub keys: Vec<Key>,
    pub action: Action,
    pub desc: &'static str,
    pub group: &'static str,
    /// Changes or destroys data: hidden in read-only mode, confirmed before it runs.
    pub dangerous: bool,
    /// Shown in the footer (the rest only in `?` help and the palette).
    pub hint: bool,
}

impl From<&Def> for Binding {
    fn from(d: &Def) -> Self {
        Binding {
            keys: d.keys.to_vec(),
            action: d.action,
            desc: d.desc,
            group: d.group,
            dangerous: d.dangerous,
            hint: d.hint,
        }
    }
}

/// A binding that changes data: hidden in read-only mode.
const fn d(
    keys: &'static [Key],
    action: Action,
    desc: &'static str,
    group: &'static str,
    hint: bool,
) -> Def {
    Def {
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
) -> Def {
    Def {
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
pub const GLOBAL: &[Def] = &[
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
    b(&[k('9')], Action::GoProviders, "providers: sign-in methods, SSO, OAuth clients, custom", "tabs", false),
    b(&[k('0')], Action::GoStats, "stats: sign-ups, active users, providers, MFA adoption", "tabs", false),
    b(&[k('P')], Action::SwitchProfile, "switch profile", "global", false),
    b(&[k('*')], Action::ToggleMask, "mask or reveal emails and phone numbers", "global", false),
];

#[rustfmt::skip]
pub const MOVE: &[Def] = &[
    b(&[k('k'), code(KeyCode::Up)], Action::Up, "up", "move", false),
    b(&[k('j'), code(KeyCode::Down)], Action::Down, "down", "move", false),
    b(&[k('g'), code(KeyCode::Home)], Action::Top, "top", "move", false),
    b(&[k('G'), code(KeyCode::End)], Action::Bottom, "bottom", "move", false),
    b(&[code(KeyCode::PageUp), ctrl('u')], Action::PageUp, "page up", "move", false),
    b(&[code(KeyCode::PageDown), ctrl('d')], Action::PageDown, "page down", "move", false),
];

#[rustfmt::skip]
pub const USERS: &[Def] = &[
    b(&[code(KeyCode::Enter)], Action::Open, "open the user", "users", true),
    b(&[k('/')], Action::Filter, "filter the list (a big list asks GoTrue too)", "users", true),
    b(&[k('f')], Action::ServerFilter, "GoTrue filter: email or name, reloads", "users", true),
    b(&[k('x')], Action::ClearFilter, "clear both filters", "users", false),
    b(&[k('s')], Action::Sort, "sort by: created, last sign-in, email", "users", true),
    b(&[k('S')], Action::ReverseSort, "reverse the order", "users", false),
    b(&[k('R')], Action::Refresh, "reload from the server", "users", true),
    b(&[k('y')], Action::CopyId, "copy the id", "users", false),
    b(&[k('Y')], Action::CopyEmail, "copy the email", "users", false),
    b(&[k('r')], Action::Retry, "retry after an error", "users", false),
    b(&[k('E')], Action::ExportList, "export the list as filtered (CSV, NDJSON)", "users", false),
    b(&[k('L')], Action::LoadAll, "load every user, not a window of them", "users", false),
    b(&[k(' ')], Action::Mark, "mark or unmark the user, for a bulk action", "users", false),
    b(&[k('A')], Action::MarkAll, "mark every user the filter shows (again: unmark all)", "users", false),
    b(&[k('B')], Action::ShowBulkRun, "show the bulk run: a result for every user", "users", false),
    d(&[k('n')], Action::CreateUser, "create a user", "admin", true),
    d(&[k('i')], Action::InviteUser, "invite by email", "admin", true),
    b(&[k('d')], Action::Diagnose, "diagnose: why can't this user sign in?", "admin", true),
    d(&[k('e')], Action::EditUser, "edit: email, phone, password, role, metadata", "admin", true),
    d(&[k('p')], Action::PasswordHelp, "password help: recovery mail, link, temporary password", "admin", true),
    d(&[k('l')], Action::LinksAndCodes, "links and codes: magic link, OTP, resend, generate", "admin", false),
    d(&[k('b')], Action::BanUser, "ban for a while", "admin", false),
    d(&[k('u')], Action::UnbanUser, "lift a ban", "admin", false),
    d(&[k('c')], Action::ConfirmUser, "confirm email or phone", "admin", false),
    d(&[k('O')], Action::SignOutEverywhere, "sign out everywhere: revoke their refresh tokens", "admin", false),
    d(&[k('I')], Action::Impersonate, "see what the user sees: sign in as them", "admin", false),
    d(&[k('D')], Action::DeleteUser, "delete, hard or soft", "admin", false),
];

#[rustfmt::skip]
pub const DETAIL: &[Def] = &[
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
    d(&[k('M')], Action::RemoveMfa, "MFA factors: rename or remove", "admin", false),
    d(&[k('K')], Action::RemovePasskey, "passkeys: remove one", "admin", false),
    d(&[k('O')], Action::SignOutEverywhere, "sign out everywhere: revoke their refresh tokens", "admin", false),
    d(&[k('I')], Action::Impersonate, "see what the user sees: sign in as them", "admin", false),
    d(&[k('D')], Action::DeleteUser, "delete, hard or soft", "admin", false),
];

#[rustfmt::skip]
pub const LOGIN: &[Def] = &[
    b(&[k('e'), code(KeyCode::Enter)], Action::Edit, "edit the form", "session", true),
    b(&[k('m'), code(KeyCode::Right)], Action::NextMode, "next: sign in, sign up, magic link, code, key", "session", true),
    b(&[k('M'), code(KeyCode::Left)], Action::PrevMode, "previous mode", "session", false),
    b(&[k('o')], Action::OtpEntry, "enter a one-time code", "session", true),
    b(&[k('R')], Action::RefreshSession, "refresh the session now", "session", true),
    b(&[k('L')], Action::SignOut, "sign out (choose the scope)", "session", true),
    b(&[k('X')], Action::EndImpersonation, "sign the impersonated session out (this session only)", "session", true),
    b(&[k('C')], Action::SessionCookies, "the session as cookies, for a web app or curl", "session", true),
    b(&[k('K')], Action::KeepSession, "keep this session in the OS keyring between runs (on/off)", "session", false),
];

/// The session tab's cookie forms of the session.
#[rustfmt::skip]
pub const COOKIES: &[Def] = &[
    b(&[k('a')], Action::CopyTokenCookies, "copy the sb-access-token and sb-refresh-token cookies", "cookies", true),
    b(&[k('s')], Action::CopySsrCookie, "copy the @supabase/ssr sb-…-auth-token cookie, every chunk", "cookies", true),
    b(&[k('h')], Action::CopyCookieHeader, "copy a Cookie: header for curl", "cookies", true),
    b(&[k('v')], Action::RevealTokens, "reveal or hide the cookie values", "cookies", true),
    b(&[k('b')], Action::CookieEncoding, "base64url (ssr's default) or raw JSON", "cookies", true),
    b(&[code(KeyCode::Esc)], Action::Back, "close the cookies", "cookies", true),
];

/// While a form field has the focus: everything else is typing.
#[rustfmt::skip]
pub const FORM: &[Def] = &[
    b(&[code(KeyCode::Enter)], Action::Submit, "submit", "form", true),
    b(&[code(KeyCode::Tab), code(KeyCode::Down)], Action::NextField, "next field", "form", true),
    b(&[code(KeyCode::BackTab), code(KeyCode::Up)], Action::PrevField, "previous field", "form", false),
    b(&[code(KeyCode::Esc)], Action::Back, "stop editing", "form", true),
    b(&[ctrl('c')], Action::ForceQuit, "quit", "form", false),
];

/// A dialog's form that stopped editing: edit again, or close.
#[rustfmt::skip]
pub const STOPPED: &[Def] = &[
    b(&[k('e'), code(KeyCode::Enter)], Action::Edit, "edit the form again", "dialog", true),
    b(&[code(KeyCode::Esc)], Action::Back, "close the dialog", "dialog", true),
    b(&[ctrl('c')], Action::ForceQuit, "quit", "dialog", false),
];

/// A dialog's choice: an option's own key (shown beside it), or move and Enter.
#[rustfmt::skip]
pub const CHOOSE: &[Def] = &[
    b(&[code(KeyCode::Enter)], Action::Submit, "go on (choose the option in the bar)", "dialog", true),
    b(&[code(KeyCode::Esc)], Action::Back, "cancel or close", "dialog", true),
    b(&[code(KeyCode::Up), k('k')], Action::Up, "previous option", "dialog", false),
    b(&[code(KeyCode::Down), k('j')], Action::Down, "next option", "dialog", false),
    b(&[ctrl('c')], Action::ForceQuit, "quit", "dialog", false),
];

/// A dialog's question (what cannot be undone asks to type the target's email instead,
/// which is a form).
#[rustfmt::skip]
pub const CONFIRM: &[Def] = &[
    b(&[code(KeyCode::Enter), k('y')], Action::Submit, "go on (confirm)", "dialog", true),
    b(&[code(KeyCode::Esc), k('n')], Action::Back, "cancel or close", "dialog", true),
    b(&[ctrl('c')], Action::ForceQuit, "quit", "dialog", false),
];

/// A dialog while its request runs.
#[rustfmt::skip]
pub const WORKING: &[Def] = &[
    b(&[code(KeyCode::Esc)], Action::Back, "close (the request still finishes)", "dialog", true),
    b(&[ctrl('c')], Action::ForceQuit, "quit", "dialog", false),
];

/// A dialog's result or failure.
#[rustfmt::skip]
pub const RESULT: &[Def] = &[
    b(&[code(KeyCode::Enter), k('q')], Action::Submit, "go on (close)", "dialog", true),
    b(&[code(KeyCode::Esc)], Action::Back, "cancel or close", "dialog", true),
    b(&[k('y')], Action::CopyLink, "copy what the result offers (a link)", "dialog", false),
    b(&[ctrl('c')], Action::ForceQuit, "quit", "dialog", false),
];

/// The `?` overlay.
#[rustfmt::skip]
pub const HELP: &[Def] = &[
    b(&[k('j'), code(KeyCode::Down)], Action::Down, "scroll down", "help", true),
    b(&[k('k'), code(KeyCode::Up)], Action::Up, "scroll up", "help", true),
    b(&[code(KeyCode::Esc)], Action::Back, "close (any other key too)", "help", true),
];

/// A copied text, shown to copy by hand: any key closes it.
#[rustfmt::skip]
pub const CLIPBOARD: &[Def] = &[
    b(&[code(KeyCode::Esc)], Action::Back, "close (any other key too)", "clipboard", true),
];

/// The `:` palette: typing narrows the list.
#[rustfmt::skip]
pub const PALETTE: &[Def] = &[
    b(&[code(KeyCode::Enter)], Action::Submit, "run the action", "palette", true),
    b(&[code(KeyCode::Esc)], Action::Back, "close", "palette", true),
    b(&[code(KeyCode::Up)], Action::Up, "previous action", "palette", false),
    b(&[code(KeyCode::Down)], Action::Down, "next action", "palette", false),
    b(&[ctrl('c')], Action::ForceQuit, "quit", "palette", false),
];

/// The profile switcher (`P`).
#[rustfmt::skip]
pub const PROFILES: &[Def] = &[
    b(&[code(KeyCode::Enter)], Action::Submit, "connect to the profile", "profiles", true),
    b(&[code(KeyCode::Esc)], Action::Back, "close (any other key too)", "profiles", true),
    b(&[k('k'), code(KeyCode::Up)], Action::Up, "previous profile", "profiles", false),
    b(&[k('j'), code(KeyCode::Down)], Action::Down, "next profile", "profiles", false),
];

/// The user editor's form adds its own key to the form's.
#[rustfmt::skip]
pub const EDIT_USER: &[Def] = &[
    b(&[ctrl('o')], Action::ExternalEditor, "edit as JSON in $EDITOR", "form", true),
];

#[rustfmt::skip]
pub const OTP: &[Def] = &[
    b(&[k('e'), code(KeyCode::Enter)], Action::Edit, "edit the form", "otp", true),
    b(&[k('t'), code(KeyCode::Right)], Action::NextMode, "next OTP type", "otp", true),
    b(&[k('T'), code(KeyCode::Left)], Action::PrevMode, "previous OTP type", "otp", false),
    b(&[k('r')], Action::Resend, "resend the code", "otp", true),
];

#[rustfmt::skip]
pub const OUTBOX: &[Def] = &[
    b(&[k('v'), code(KeyCode::Enter)], Action::UseMessage, "use it: verify the link (or enter the code)", "outbox", true),
    b(&[k('c')], Action::UseCode, "enter its code on the OTP screen", "outbox", true),
    b(&[k('u')], Action::OutboxForUser, "only the mails of the user selected in Users / everyone's", "outbox", false),
    b(&[k('y')], Action::CopyLink, "copy the link", "outbox", true),
    b(&[k('R')], Action::Refresh, "reload", "outbox", true),
    b(&[k('r')], Action::Retry, "retry after an error", "outbox", false),
];

pub const ACTIVITY: &[Def] = &[];

#[rustfmt::skip]
pub const STATS: &[Def] = &[
    b(&[k('R')], Action::Refresh, "count again", "stats", true),
    b(&[k('t')], Action::NextMode, "sign-ups per day or per week", "stats", true),
];

#[rustfmt::skip]
pub const JOURNAL: &[Def] = &[
    b(&[k('R')], Action::Refresh, "reload the journal", "journal", true),
];

/// The session tab's sign-out question: which sessions end.
#[rustfmt::skip]
pub const SIGN_OUT: &[Def] = &[
    b(&[k('l')], Action::ScopeLocal, "sign out this session", "sign out", true),
    b(&[k('g')], Action::ScopeGlobal, "sign out everywhere", "sign out", true),
    b(&[k('o')], Action::ScopeOthers, "sign out the other sessions", "sign out", true),
    b(&[code(KeyCode::Esc)], Action::Back, "keep the session", "sign out", true),
    b(&[ctrl('c')], Action::ForceQuit, "quit", "sign out", false),
];

#[rustfmt::skip]
pub const AUDIT: &[Def] = &[
    b(&[k('/')], Action::Filter, "GoTrue query: author:, action:, type:", "audit", true),
    b(&[k('x')], Action::ClearFilter, "clear the query", "audit", false),
    b(&[k(']')], Action::NextPage, "next page", "audit", true),
    b(&[k('[')], Action::PrevPage, "previous page", "audit", true),
    b(&[k('R')], Action::Refresh, "reload", "audit", true),
    b(&[k('r')], Action::Retry, "retry after an error", "audit", false),
];

#[rustfmt::skip]
pub const INVITES: &[Def] = &[
    b(&[k('o')], Action::OpenFile, "open a CSV of invitations", "invites", true),
    d(&[k('S')], Action::SendInvites, "send the pending invitations", "invites", true),
    d(&[k('F')], Action::RetryFailed, "retry the failed rows", "invites", true),
    b(&[k('C')], Action::CancelRun, "cancel the sending", "invites", false),
    b(&[k('K')], Action::ToggleLinksOnly, "links only: generate invite links, mail nothing (on/off)", "invites", false),
    b(&[k('W')], Action::WriteResults, "write the results as CSV", "invites", true),
];

#[rustfmt::skip]
pub const BULK_RUN: &[Def] = &[
    b(&[k('p')], Action::PauseRun, "pause or resume the bulk run", "bulk", true),
    d(&[k('F')], Action::RetryFailed, "send the failed rows again (in doubt: read back first)", "bulk", true),
    b(&[k('W')], Action::WriteResults, "write the results as CSV", "bulk", true),
    b(&[k('X')], Action::DismissRun, "close a finished run", "bulk", false),
    b(&[k('B')], Action::ShowBulkRun, "back to the list (the run goes on)", "bulk", false),
];

#[rustfmt::skip]
pub const PROVIDERS: &[Def] = &[
    b(&[code(KeyCode::Enter)], Action::Open, "show the selected provider or client whole", "providers", true),
    b(&[k('R')], Action::Refresh, "read them again", "providers", true),
    b(&[k('y')], Action::CopyId, "copy its id", "providers", true),
    b(&[k('t')], Action::NextMode, "custom providers of one type: all, oauth2, oidc", "providers", false),
    d(&[k('n')], Action::NewSurface, "add a provider or client: SSO, OAuth client or custom (asks which)", "providers", true),
    d(&[k('e')], Action::EditSurface, "edit the selected one (only what changed is sent)", "providers", true),
    d(&[k('S')], Action::RegenerateSecret, "new secret for the OAuth client (shown once, copied)", "providers", false),
    d(&[k('D')], Action::DeleteProvider, "delete the SSO provider, OAuth client or custom provider", "providers", false),
];

#[rustfmt::skip]
pub const TOOLS: &[Def] = &[
    b(&[k('e'), code(KeyCode::Enter)], Action::Edit, "paste a token or cookie to inspect", "tools", true),
    b(&[k('o')], Action::EditProvider, "build a provider sign-in URL", "tools", true),
    b(&[k('y')], Action::CopyLink, "copy the provider URL", "tools", true),
];

/// Declares the contexts: each one's variant, its config name, its table, what more it
/// takes (the movement keys for a list, the form's keys for a form of its own), whether it
/// is a screen (where the global keys work too) or a form or question (where only its own
/// keys act), and what it is. A new screen's context is one line here and its table.
macro_rules! contexts {
    ($(
        $(#[$doc:meta])*
        $ctx:ident = $name:literal, $table:ident, $more:expr, $kind:ident, $about:literal;
    )*) => {
        /// Where keys mean something: every screen, dialog step and overlay has one.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Context {
            $($(#[$doc])* $ctx,)*
        }

        impl Context {
            pub const ALL: &[Context] = &[$(Context::$ctx,)*];

            /// The snake_case name of `[keys.<name>]` and `gotrue-console keys`.
            pub fn name(self) -> &'static str {
                match self {
                    $(Context::$ctx => $name,)*
                }
            }

            /// What the context is, for `gotrue-console keys`.
            pub fn about(self) -> &'static str {
                match self {
                    $(Context::$ctx => $about,)*
                }
            }

            /// The built-in table, with what more it takes.
            fn defaults(self) -> Vec<Binding> {
                let (own, more): (&[Def], &[Def]) = match self {
                    $(Context::$ctx => ($table, $more),)*
                };
                own.iter().chain(more.iter()).map(Binding::from).collect()
            }

            /// Keys type into a field or answer a question: only its own keys act, not the
            /// global ones.
            pub fn is_form(self) -> bool {
                match self {
                    $(Context::$ctx => contexts!(@form $kind),)*
                }
            }
        }
    };
    (@form screen) => { false };
    (@form form) => { true };
}

const NONE: &[Def] = &[];

contexts! {
    /// Keys on every screen that is not a form.
    Global = "global", GLOBAL, NONE, form, "every screen that is not a form";
    Users = "users", USERS, MOVE, screen, "the users list";
    /// The users list showing its bulk run.
    BulkRun = "bulk_run", BULK_RUN, MOVE, screen, "a bulk run's rows, over the users list";
    Detail = "detail", DETAIL, MOVE, screen, "a user's page";
    Login = "login", LOGIN, NONE, screen, "the session tab";
    /// The session tab's question: which sessions to sign out.
    SignOut = "sign_out", SIGN_OUT, NONE, form, "the session tab's sign-out question";
    /// The session tab's cookie forms.
    Cookies = "cookies", COOKIES, NONE, screen, "the session as cookies";
    Otp = "otp", OTP, NONE, screen, "the one-time code screen";
    Outbox = "outbox", OUTBOX, MOVE, screen, "the outbox";
    Activity = "activity", ACTIVITY, MOVE, screen, "the activity tab";
    Audit = "audit", AUDIT, MOVE, screen, "the audit log";
    Tools = "tools", TOOLS, NONE, screen, "the tools tab";
    Invites = "invites", INVITES, MOVE, screen, "the invitations tab";
    Journal = "journal", JOURNAL, MOVE, screen, "the operator journal";
    Stats = "stats", STATS, NONE, screen, "the stats tab";
    Providers = "providers", PROVIDERS, MOVE, screen, "the providers tab";
    /// A text field has the focus: everything that is not bound here is typing.
    Form = "form", FORM, NONE, form, "a text field with the focus (other keys type)";
    /// The user editor's form.
    EditUser = "edit_user", EDIT_USER, FORM, form, "the user editor's form";
    /// A dialog's form after Esc: no field takes typing.
    Stopped = "stopped", STOPPED, NONE, form, "a dialog's form after Esc (no field takes typing)";
    /// A dialog's choice.
    Choose = "choose", CHOOSE, NONE, form, "a dialog's choice (each option's own key works too)";
    /// A dialog's yes-or-no question.
    Confirm = "confirm", CONFIRM, NONE, form, "a dialog's question";
    /// A dialog waiting for its answer.
    Working = "working", WORKING, NONE, form, "a dialog while its request runs";
    /// A dialog's result or failure.
    Result = "result", RESULT, NONE, form, "a dialog's result";
    /// The `?` overlay.
    Help = "help", HELP, NONE, form, "the ? overlay";
    /// The `:` palette.
    Palette = "palette", PALETTE, NONE, form, "the : palette (other keys type)";
    /// The profile switcher.
    Profiles = "profiles", PROFILES, NONE, form, "the profile switcher";
    /// A copied text shown to copy by hand.
    Clipboard = "clipboard", CLIPBOARD, NONE, form, "a copied text shown to copy by hand";
}

impl Context {
    pub fn from_name(name: &str) -> Option<Context> {
        Context::ALL.iter().copied().find(|c| c.name() == name)
    }
}

/// One of the user's bindings: `[keys.<context>] <action> = "key"` (or a list; `[]` unbinds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyOverride {
    pub context: String,
    pub action: String,
    pub keys: Vec<String>,
    /// The config line it is on, for messages.
    pub line: usize,
}

/// A binding that cannot be: which line, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct KeymapError {
    pub line: usize,
    pub problem: String,
}

/// The keys in force: the built-in tables with the user's bindings laid over them.
#[derive(Clone, Debug, PartialEq)]
pub struct Keymap {
    /// One table per context, in `Context::ALL` order.
    tables: Vec<Vec<Binding>>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            tables: Context::ALL.iter().map(|c| c.defaults()).collect(),
        }
    }
}

impl Keymap {
    /// The defaults with `overrides` applied, or the first binding that cannot be.
    pub fn with_overrides(overrides: &[KeyOverride]) -> Result<Keymap, KeymapError> {
        let mut map = Keymap::default();
        // Which line last set each (context, action): conflicts name the user's line.
        let mut lines: Vec<(Context, Action, usize)> = Vec::new();
        for o in overrides {
            let err = |problem: String| KeymapError {
                line: o.line,
                problem,
            };
            let ctx = Context::from_name(&o.context).ok_or_else(|| {
                err(format!(
                    "`keys.{}` is not a context (contexts: {})",
                    o.context,
                    Context::ALL
                        .iter()
                        .map(|c| c.name())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            let table = &mut map.tables[ctx as usize];
            let action = Action::from_name(&o.action)
                .filter(|a| table.iter().any(|b| b.action == *a))
                .ok_or_else(|| {
                    let known: Vec<String> = table.iter().map(|b| b.action.name()).collect();
                    err(format!(
                        "`{}` is not an action of keys.{} (its actions: {})",
                        o.action,
                        ctx.name(),
                        known.join(", ")
                    ))
                })?;
            let keys = o
                .keys
                .iter()
                .map(|s| Key::parse(s).map_err(&err))
                .collect::<Result<Vec<_>, _>>()?;
            if let Some(b) = table.iter_mut().find(|b| b.action == action) {
                b.keys = keys;
            }
            lines.retain(|(c, a, _)| !(*c == ctx && *a == action));
            lines.push((ctx, action, o.line));
        }
        for &ctx in Context::ALL {
            if let Some((key, first, second)) = map.clash(ctx) {
                let line = lines
                    .iter()
                    .rev()
                    .find(|(c, a, _)| {
                        (*c == ctx || *c == Context::Global) && (*a == first || *a == second)
                    })
                    .map_or(0, |(_, _, l)| *l);
                return Err(KeymapError {
                    line,
                    problem: format!(
                        "`{}` would do two things in keys.{}: {} and {}",
                        key.spec(),
                        ctx.name(),
                        first.name(),
                        second.name()
                    ),
                });
            }
        }
        Ok(map)
    }

    /// A key bound to two actions in one context (with the global keys, outside forms).
    pub fn clash(&self, ctx: Context) -> Option<(Key, Action, Action)> {
        let mut seen: Vec<(Key, Action)> = Vec::new();
        for b in self.all(ctx, false) {
            for key in &b.keys {
                match seen.iter().find(|(k, _)| k == key) {
                    Some((_, other)) if *other != b.action => {
                        return Some((*key, *other, b.action));
                    }
                    Some(_) => {}
                    None => seen.push((*key, b.action)),
                }
            }
        }
        None
    }

    /// The context's own table.
    pub fn bindings(&self, ctx: Context) -> &[Binding] {
        &self.tables[ctx as usize]
    }

    /// Every binding in force in `ctx`: its own first, then the global ones (except in a
    /// form); read-only hides what changes data.
    pub fn all(&self, ctx: Context, read_only: bool) -> Vec<&Binding> {
        let own = self.bindings(ctx).iter();
        let global: &[Binding] = if ctx.is_form() || ctx == Context::Global {
            &[]
        } else {
            self.bindings(Context::Global)
        };
        own.chain(global.iter())
            .filter(|b| !(read_only && b.dangerous))
            .filter(|b| !b.keys.is_empty())
            .collect()
    }

    pub fn lookup(&self, ctx: Context, ev: &KeyEvent, read_only: bool) -> Option<Action> {
        self.all(ctx, read_only)
            .into_iter()
            .find(|b| b.keys.iter().any(|key| key.matches(ev)))
            .map(|b| b.action)
    }

    /// The first key of `action` in `ctx` (or the global table), as help writes it; empty
    /// when the user unbound it.
    pub fn key_of(&self, ctx: Context, action: Action) -> String {
        self.all(ctx, false)
            .into_iter()
            .find(|b| b.action == action)
            .and_then(|b| b.keys.first())
            .map(Key::label)
            .unwrap_or_default()
    }

    /// Every context's keys, actions and descriptions, as `gotrue-console keys` prints them.
    pub fn describe(&self) -> String {
        let mut out = String::new();
        for &ctx in Context::ALL {
            out.push_str(&format!("[keys.{}]  # {}\n", ctx.name(), ctx.about()));
            for b in self.bindings(ctx) {
                let keys = if b.keys.is_empty() {
                    "(unbound)".to_owned()
                } else {
                    b.keys.iter().map(Key::spec).collect::<Vec<_>>().join(", ")
                };
                out.push_str(&format!(
                    "  {:<18} {:<22} {}{}\n",
                    keys,
                    b.action.name(),
                    b.desc,
                    if b.dangerous { " (changes data)" } else { "" }
                ));
            }
            out.push('\n');
        }
        out
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

    fn over(context: &str, action: &str, keys: &[&str], line: usize) -> KeyOverride {
        KeyOverride {
            context: context.into(),
            action: action.into(),
            keys: keys.iter().map(|s| (*s).to_owned()).collect(),
            line,
        }
    }

    #[test]
    fn lookup_finds_screen_then_global_keys() {
        let map = Keymap::default();
        let ev = press(KeyCode::Char('/'), KeyModifiers::NONE);
        assert_eq!(map.lookup(Context::Users, &ev, false), Some(Action::Filter));
        let ev = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(map.lookup(Context::Users, &ev, false), Some(Action::Quit));
        assert_eq!(
            map.lookup(Context::Form, &ev, false),
            None,
            "q types in a form"
        );
        let ev = press(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(
            map.lookup(Context::Form, &ev, false),
            Some(Action::ForceQuit)
        );
        let ev = press(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(map.lookup(Context::Users, &ev, false), Some(Action::Bottom));
        let ev = press(KeyCode::Down, KeyModifiers::NONE);
        assert_eq!(map.lookup(Context::Users, &ev, false), Some(Action::Down));
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        let map = Keymap::default();
        for &ctx in Context::ALL {
            assert_eq!(map.clash(ctx), None, "{ctx:?}");
        }
    }

    #[test]
    fn key_syntax_reads_back_what_it_writes() {
        for (spec, key) in [
            ("o", k('o')),
            ("O", k('O')),
            ("shift-o", k('O')),
            ("ctrl-o", ctrl('o')),
            ("Ctrl-O", ctrl('o')),
            ("enter", code(KeyCode::Enter)),
            ("esc", code(KeyCode::Esc)),
            ("tab", code(KeyCode::Tab)),
            ("shift-tab", code(KeyCode::BackTab)),
            ("f5", code(KeyCode::F(5))),
            ("pgdn", code(KeyCode::PageDown)),
            ("space", k(' ')),
            ("-", k('-')),
        ] {
            assert_eq!(Key::parse(spec), Ok(key), "{spec}");
            assert_eq!(Key::parse(&key.spec()), Ok(key), "{spec} → {}", key.spec());
        }
        let alt = Key::parse("alt-x").unwrap();
        assert!(alt.matches(&press(KeyCode::Char('x'), KeyModifiers::ALT)));
        assert!(!alt.matches(&press(KeyCode::Char('x'), KeyModifiers::NONE)));
        for bad in ["", "ctrl-", "f99", "enterr", "ab"] {
            assert!(Key::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn overrides_rebind_and_unbind() {
        let map = Keymap::with_overrides(&[
            over("users", "open", &["o", "enter"], 3),
            over("global", "quit", &["ctrl-q"], 5),
            over("users", "copy_email", &[], 6),
        ])
        .unwrap();
        let o = press(KeyCode::Char('o'), KeyModifiers::NONE);
        assert_eq!(map.lookup(Context::Users, &o, false), Some(Action::Open));
        let q = press(KeyCode::Char('q'), KeyModifiers::NONE);
        assert_eq!(map.lookup(Context::Users, &q, false), None);
        let cq = press(KeyCode::Char('q'), KeyModifiers::CONTROL);
        assert_eq!(map.lookup(Context::Detail, &cq, false), Some(Action::Quit));
        let y = press(KeyCode::Char('Y'), KeyModifiers::SHIFT);
        assert_eq!(map.lookup(Context::Users, &y, false), None, "unbound");
        assert_eq!(map.key_of(Context::Users, Action::Quit), "Ctrl-q");
    }

    #[test]
    fn bad_bindings_name_their_line() {
        let e = Keymap::with_overrides(&[over("users", "fly", &["f"], 7)]).unwrap_err();
        assert_eq!(e.line, 7);
        assert!(
            e.problem.contains("`fly` is not an action of keys.users"),
            "{e}"
        );
        let e = Keymap::with_overrides(&[over("userz", "open", &["o"], 2)]).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.problem.contains("not a context"), "{e}");
        let e = Keymap::with_overrides(&[over("users", "open", &["hyper-o"], 4)]).unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.problem.contains("`hyper-o` is not a key"), "{e}");
        // `d` already diagnoses in the users list.
        let e = Keymap::with_overrides(&[over("users", "open", &["d"], 9)]).unwrap_err();
        assert_eq!(e.line, 9);
        assert!(e.problem.contains("two things in keys.users"), "{e}");
        // A global key may not collide with a screen's either.
        let e = Keymap::with_overrides(&[over("global", "help", &["/"], 11)]).unwrap_err();
        assert_eq!(e.line, 11);
    }

    #[test]
    fn actions_have_serde_names_for_keybinding_configs() {
        assert_eq!(Action::ServerFilter.name(), "server_filter");
        assert_eq!(
            Action::from_name("server_filter"),
            Some(Action::ServerFilter)
        );
    }
}
