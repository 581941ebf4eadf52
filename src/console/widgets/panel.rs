//! Result and error panels: what happened, to whom, and GoTrue's own code and message.

use crate::console::widgets::theme;
use crate::gotrue::{ErrorKind, GoTrueError};
use ratatui::text::{Line, Span};

/// A one-line advice for errors people meet, keyed by GoTrue's code or the error kind.
pub fn advice(err: &GoTrueError) -> Option<&'static str> {
    let by_code = match err.code.as_deref() {
        Some("bad_jwt") => Some(
            "The key or token was refused: it is malformed, expired, or signed with another JWT secret.",
        ),
        Some("not_admin") => Some(
            "This key is not an admin key. Admin calls need the service-role key, not the anon key.",
        ),
        Some("no_authorization") => Some("No key was sent. Configure a service-role key."),
        Some("no_service_role_key") => Some(
            "Give a service-role key (profile, GOTRUE_SERVICE_ROLE_KEY, or the key entry on the Session tab).",
        ),
        Some("invalid_credentials") => Some("Wrong email/phone or password."),
        Some("email_not_confirmed") => Some("The email is not confirmed yet: confirm it first."),
        Some("phone_not_confirmed") => Some("The phone is not confirmed yet."),
        Some("user_banned") => Some("The user is banned; an admin can lift the ban."),
        Some("otp_expired") => {
            Some("The code is wrong, used already, or expired: ask for a new one.")
        }
        Some("session_not_found") => Some("The session has ended (signed out or expired)."),
        Some("refresh_token_already_used") | Some("refresh_token_not_found") => {
            Some("The refresh token is spent or unknown: sign in again.")
        }
        Some("weak_password") => Some("Choose a longer or stronger password."),
        Some("email_exists") | Some("user_already_exists") | Some("phone_exists") => {
            Some("Someone already uses this address or number.")
        }
        Some("signup_disabled") => Some("Sign-ups are disabled on this server."),
        Some("otp_disabled") => Some("No user has this address, and codes may not create one."),
        Some(crate::gotrue::error::CUT_OFF) => Some(
            "The answer broke off: a change may have been made all the same. Look before repeating it.",
        ),
        Some("23503") => {
            Some("Rows in other tables still point at this user; a soft delete keeps them intact.")
        }
        _ => None,
    };
    by_code.or(match err.kind {
        ErrorKind::Transport => {
            Some("The server did not answer: check the URL, the network, or that GoTrue runs.")
        }
        ErrorKind::RateLimited => Some("Too many requests: wait before trying again."),
        ErrorKind::Decode => {
            Some("The answer was not GoTrue's: a proxy, a wrong URL, or a broken server.")
        }
        ErrorKind::Server => Some("GoTrue failed; its logs say more (quote the error id)."),
        _ => None,
    })
}

/// The lines of an error panel.
pub fn error_lines(what: &str, err: &GoTrueError) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{what} failed: "), theme::danger()),
        Span::styled(err.kind.label().to_owned(), theme::danger()),
    ])];
    let mut status = Vec::new();
    if let Some(s) = err.status {
        status.push(Span::styled(format!("HTTP {s}"), theme::warn()));
    }
    if let Some(code) = &err.code {
        if !status.is_empty() {
            status.push(Span::raw("  "));
        }
        status.push(Span::styled(code.clone(), theme::warn()));
    }
    if !status.is_empty() {
        lines.push(Line::from(status));
    }
    lines.push(Line::raw(err.message.clone()));
    if !err.weak_password_reasons.is_empty() {
        lines.push(Line::raw(format!(
            "reasons: {}",
            err.weak_password_reasons.join(", ")
        )));
    }
    if let Some(detail) = &err.detail {
        lines.push(Line::styled(detail.clone(), theme::dim()));
    }
    if let Some(id) = &err.error_id {
        lines.push(Line::styled(format!("error id: {id}"), theme::dim()));
    }
    if let Some(advice) = advice(err) {
        lines.push(Line::styled(advice.to_owned(), theme::info()));
    }
    lines
}

/// The lines of an error panel for local work: GoTrue's words when GoTrue failed on the
/// way, else this machine's reason.
pub fn task_error_lines(
    what: &str,
    err: &crate::console::command::TaskError,
) -> Vec<Line<'static>> {
    use crate::console::command::TaskError;
    match err {
        TaskError::GoTrue(e) => error_lines(what, e),
        TaskError::File { message, .. } | TaskError::Refused(message) => vec![
            Line::styled(format!("{what} failed:"), theme::danger()),
            Line::raw(message.clone()),
        ],
        TaskError::Keyring(e) => vec![
            Line::styled(format!("{what} failed:"), theme::danger()),
            Line::raw(e.to_string()),
        ],
    }
}

/// What a list shows when it has no rows to show: one block for every list.
pub enum LoadState<'a> {
    Loading(&'a str),
    Empty(&'a str),
    /// GoTrue (or the transport) failed: the title names the kind (forbidden, a refused key,
    /// unreachable, rate limited), the body GoTrue's words, then the keys that go on.
    Failed {
        what: &'a str,
        err: &'a GoTrueError,
        hints: Line<'static>,
    },
    /// A failure on this machine (a file), or GoTrue's on the way.
    TaskFailed {
        what: &'a str,
        err: &'a crate::console::command::TaskError,
        hints: Line<'static>,
    },
}

/// The title of a failure's panel: which way it failed.
pub fn failure_title(what: &str, err: &GoTrueError) -> String {
    match (err.kind, err.code.as_deref()) {
        (_, Some("not_admin")) => " Not an admin key ".into(),
        (_, Some("bad_jwt" | "no_authorization" | "no_service_role_key")) => {
            " The service-role key was refused ".into()
        }
        (crate::gotrue::ErrorKind::Transport, _) => " Server unreachable ".into(),
        (crate::gotrue::ErrorKind::RateLimited, _) => " Rate limited ".into(),
        _ => format!(" {what} failed "),
    }
}

/// Draws `state` in `area`: loading and empty in `block`, a failure in a danger-coloured
/// block of its own.
pub fn draw_load_state(
    frame: &mut ratatui::Frame,
    area: ratatui::layout::Rect,
    block: ratatui::widgets::Block<'static>,
    state: LoadState,
) {
    use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
    let failed = |title: String, mut lines: Vec<Line<'static>>, hints: Line<'static>| {
        lines.push(Line::raw(""));
        lines.push(hints);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme::danger())
            .title(Span::styled(title, theme::danger()));
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
    };
    let widget = match state {
        LoadState::Loading(text) | LoadState::Empty(text) => {
            Paragraph::new(Line::styled(text.to_owned(), theme::dim())).block(block)
        }
        LoadState::Failed { what, err, hints } => {
            failed(failure_title(what, err), error_lines(what, err), hints)
        }
        LoadState::TaskFailed { what, err, hints } => {
            let title = match err {
                crate::console::command::TaskError::GoTrue(e) => failure_title(what, e),
                _ => format!(" {what} failed "),
            };
            failed(title, task_error_lines(what, err), hints)
        }
    };
    frame.render_widget(widget, area);
}
