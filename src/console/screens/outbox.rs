//! The Outbox: every mail and SMS the demo server would have sent, or the mails Mailpit
//! caught (a local stack's, `--mailpit`), so a magic link or OTP flow can be finished on
//! screen, for everyone or for one user.

use crate::console::command::{ApiCall, ApiReply, Pending, RequestId};
use crate::console::keys::Action;
use crate::console::keys::Context;
use crate::console::screens::{Ctx, Effect, Level};
use crate::console::screens::{Screen, View};
use crate::console::widgets::list::rows_fit;
use crate::console::widgets::{panel, theme, time, truncate};
use crate::gotrue::{Credential, GoTrueError, OtpType, OutboxMessage, Secret, Verification};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};

pub struct OutboxScreen {
    /// Newest first.
    messages: Vec<OutboxMessage>,
    cursor: crate::console::widgets::list::ListCursor,
    pending: Option<Pending<Vec<OutboxMessage>>>,
    verify_pending: Option<Pending<crate::gotrue::VerifyOutcome>>,
    error: Option<GoTrueError>,
    loaded: bool,
    /// Only the messages to this address or phone (the user selected in Users).
    only: Option<String>,
    /// Where the messages come from, for the title.
    source: &'static str,
}

/// The OTP type that completes a message's flow.
fn otp_type_for(kind: &str) -> OtpType {
    match kind {
        "otp_sms" => OtpType::Sms,
        "phone_change" => OtpType::PhoneChange,
        "confirmation" => OtpType::Signup,
        "invite" => OtpType::Invite,
        "recovery" => OtpType::Recovery,
        "email_change" => OtpType::EmailChange,
        "magiclink" => OtpType::Magiclink,
        _ => OtpType::Email,
    }
}

/// `token` and `type` from a `/verify?token=…&type=…` link.
fn link_token(link: &str) -> Option<(String, OtpType)> {
    let url = url::Url::parse(link).ok()?;
    let mut token = None;
    let mut kind = None;
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "token" | "token_hash" => token = Some(v.into_owned()),
            "type" => kind = v.parse::<OtpType>().ok(),
            _ => {}
        }
    }
    Some((token?, kind?))
}

impl Default for OutboxScreen {
    fn default() -> Self {
        Self::from_source("demo server")
    }
}

impl OutboxScreen {
    /// An empty Outbox whose messages come from `source` ("demo server", "Mailpit").
    pub fn from_source(source: &'static str) -> Self {
        OutboxScreen {
            messages: Vec::new(),
            cursor: Default::default(),
            pending: None,
            verify_pending: None,
            error: None,
            loaded: false,
            only: None,
            source,
        }
    }

    /// Shows only the messages to `who` (an email, or a phone without `+`), or, when that is
    /// already so or `who` is `None`, everyone's again.
    pub fn toggle_only(&mut self, who: Option<String>) {
        self.only = match (&self.only, who) {
            (Some(_), _) | (None, None) => None,
            (None, Some(w)) => Some(w.to_lowercase()),
        };
        self.cursor.reset();
    }

    pub fn only(&self) -> Option<&str> {
        self.only.as_deref()
    }

    /// The messages shown: everyone's, or one user's.
    pub fn visible(&self) -> Vec<&OutboxMessage> {
        self.messages
            .iter()
            .filter(|m| {
                self.only
                    .as_deref()
                    .is_none_or(|w| m.to.trim_start_matches('+').to_lowercase() == w)
            })
            .collect()
    }

    pub fn reload(&mut self, ctx: &mut Ctx) {
        self.pending = Some(ctx.send(ApiCall::Outbox));
    }

    pub fn is_loaded(&self) -> bool {
        self.loaded
    }

    pub fn messages(&self) -> &[OutboxMessage] {
        &self.messages
    }

    fn selected(&self) -> Option<&OutboxMessage> {
        self.visible().get(self.cursor.selected()).copied()
    }

    /// Finishes the message's flow: a link is verified at once; a code (or any code, when
    /// `code_first`) opens the OTP entry filled in.
    fn use_message(&mut self, ctx: &mut Ctx, code_first: bool) {
        let Some(m) = self.selected().cloned() else {
            ctx.flash(Level::Warn, "The outbox is empty");
            return;
        };
        let phone = m.kind == "otp_sms" || m.kind == "phone_change";
        if code_first && m.otp.is_none() {
            ctx.flash(Level::Warn, "This message has no code");
            return;
        }
        if let Some(code) = m
            .otp
            .clone()
            .filter(|_| code_first || phone || m.link.is_none())
        {
            let target = if phone {
                Credential::Phone(m.to.clone())
            } else {
                Credential::Email(m.to.clone())
            };
            ctx.effect(Effect::OtpEntry {
                target: Some(target),
                otp_type: otp_type_for(&m.kind),
                code: Some(code),
                sent: false,
            });
            return;
        }
        match m.link.as_deref().and_then(link_token) {
            Some((token, otp_type)) => {
                self.verify_pending = Some(ctx.send(ApiCall::Verify(Verification::TokenHash {
                    token_hash: Secret::new(token),
                    otp_type,
                })));
            }
            None => ctx.flash(Level::Warn, "This message has no link or code to use"),
        }
    }
}

/// The list above, the message below: one layout for drawing and for paging.
fn areas(area: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Percentage(45), Constraint::Fill(1)]).areas(area)
}

impl Screen for OutboxScreen {
    fn on_show(&mut self, ctx: &mut Ctx) {
        self.reload(ctx);
    }

    fn set_area(&mut self, area: Rect) {
        let len = self.visible().len();
        self.cursor.set_table(areas(area)[0], len);
    }

    fn on_click(&mut self, column: u16, row: u16) -> crate::console::widgets::list::Click {
        let len = self.visible().len();
        self.cursor.click(column, row, len)
    }

    fn context(&self) -> Context {
        Context::Outbox
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let len = self.visible().len();
        if self.cursor.on_action(action, len) {
            return true;
        }
        match action {
            Action::OutboxForUser => {
                let who = ctx.selected_user.clone();
                if who.is_none() && self.only().is_none() {
                    let key = ctx.keys.key_of(Context::Global, Action::GoUsers);
                    ctx.flash(Level::Warn, format!("Select a user in Users ({key}) first"));
                }
                self.toggle_only(who);
            }
            Action::Refresh | Action::Retry => self.reload(ctx),
            Action::CopyLink => match self.selected().and_then(|m| m.link.clone()) {
                Some(link) => {
                    ctx.copy("the link", link);
                }
                None => ctx.flash(Level::Warn, "This message has no link"),
            },
            Action::UseMessage => self.use_message(ctx, false),
            Action::UseCode => self.use_message(ctx, true),
            _ => return false,
        }
        true
    }

    fn on_reply(&mut self, id: RequestId, result: Result<ApiReply, GoTrueError>, ctx: &mut Ctx) {
        if let Some(pending) = self.verify_pending.filter(|p| p.is(id)) {
            self.verify_pending = None;
            match pending.read(result) {
                Ok(crate::gotrue::VerifyOutcome::Session(s)) => {
                    ctx.flash(Level::Info, "Link verified: signed in (Session tab)");
                    ctx.effect(Effect::SessionStarted(s));
                }
                Ok(crate::gotrue::VerifyOutcome::Accepted { message }) => {
                    ctx.flash(Level::Info, message);
                }
                Err(e) => {
                    ctx.flash(Level::Error, format!("Verifying the link failed: {e}"));
                    self.error = Some(e);
                }
            }
            return;
        }
        let Some(pending) = self.pending.filter(|p| p.is(id)) else {
            return;
        };
        self.pending = None;
        match pending.read(result) {
            Ok(mut list) => {
                let keep = self.selected().map(|m| m.id);
                // Newest first: by time where messages have one (Mailpit's ids are hashes).
                list.sort_by_key(|m| std::cmp::Reverse((m.at, m.id)));
                self.messages = list;
                let pos = keep
                    .and_then(|id| self.visible().iter().position(|m| m.id == id))
                    .unwrap_or(0);
                let len = self.visible().len();
                self.cursor.select(pos, len);
                self.error = None;
                self.loaded = true;
            }
            Err(e) => self.error = Some(e),
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        let (now, mask) = (view.now, view.masked);
        let [list_area, body_area] = areas(area);
        let visible = self.visible();
        let title = match &self.only {
            None => format!(" Outbox · {} · {} messages ", self.source, visible.len()),
            Some(w) => format!(
                " Outbox · {} · {} of {} messages, only {} ({}: everyone's) ",
                self.source,
                visible.len(),
                self.messages.len(),
                crate::console::widgets::mask::mask_label(w, mask),
                view.key(Context::Outbox, Action::OutboxForUser)
            ),
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(title, theme::title()));
        let u = view.key(Context::Outbox, Action::OutboxForUser);
        let only_empty = format!("Nothing sent to this user yet. {u} shows everyone's.");
        let state = match &self.error {
            Some(err) => Some(panel::LoadState::Failed {
                what: "Loading the outbox",
                err,
                hints: view.hints(&[(Context::Outbox, Action::Retry, "retry")]),
            }),
            None if !visible.is_empty() => None,
            None if !self.loaded => Some(panel::LoadState::Loading("Loading…")),
            None if self.only.is_some() => Some(panel::LoadState::Empty(&only_empty)),
            None => Some(panel::LoadState::Empty(
                "Nothing sent yet. Sign-ups, magic links, codes and invites land here.",
            )),
        };
        if let Some(state) = state {
            panel::draw_load_state(frame, list_area, block, state);
        } else {
            let rows_fit = rows_fit(list_area);
            let offset = self.cursor.offset(rows_fit);
            let rows = visible
                .iter()
                .enumerate()
                .skip(offset)
                .take(rows_fit.max(1))
                .map(|(i, m)| {
                    let row = Row::new(vec![
                        m.at.map(|t| time::relative(t, now)).unwrap_or_default(),
                        m.kind.clone(),
                        crate::console::widgets::mask::mask_label(&m.to, mask),
                        m.subject.clone(),
                    ]);
                    if i == self.cursor.selected() {
                        row.style(theme::selected())
                    } else {
                        row
                    }
                });
            let table = Table::new(
                rows,
                [
                    Constraint::Length(9),
                    Constraint::Length(12),
                    Constraint::Length(28),
                    Constraint::Fill(1),
                ],
            )
            .header(Row::new(["Sent", "Kind", "To", "Subject"]).style(theme::title()))
            .block(block);
            frame.render_widget(table, list_area);
        }

        let mut lines = Vec::new();
        if mask && self.selected().is_some() {
            lines.push(Line::styled(
                format!(
                    "Masked: the message names its recipient. {} reveals it.",
                    view.key(Context::Global, Action::ToggleMask)
                ),
                theme::warn(),
            ));
        } else if let Some(m) = self.selected() {
            lines.push(Line::from(vec![
                Span::styled("To: ", theme::dim()),
                Span::raw(m.to.clone()),
                Span::styled("   Subject: ", theme::dim()),
                Span::raw(m.subject.clone()),
            ]));
            if let Some(code) = &m.otp {
                lines.push(Line::from(vec![
                    Span::styled("Code: ", theme::dim()),
                    Span::styled(code.clone(), theme::key()),
                ]));
            }
            if let Some(link) = &m.link {
                lines.push(Line::from(vec![
                    Span::styled("Link: ", theme::dim()),
                    Span::raw(truncate(link, 400)),
                ]));
            }
            lines.push(Line::raw(""));
            lines.extend(m.body.lines().map(|l| Line::raw(l.to_owned())));
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                "v use it (verify the link) · c enter the code · y copy the link",
                theme::dim(),
            ));
        }
        frame.render_widget(
            Paragraph::new(lines)
                .block(Block::default().borders(Borders::ALL).title(" Message "))
                .wrap(Wrap { trim: false }),
            body_area,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_tokens() {
        let (t, k) =
            link_token("http://127.0.0.1:9/verify?token=abc123&type=magiclink&redirect_to=x")
                .unwrap();
        assert_eq!(t, "abc123");
        assert_eq!(k, OtpType::Magiclink);
        assert!(link_token("not a url").is_none());
        assert!(link_token("http://x/verify?type=signup").is_none());
    }
}
