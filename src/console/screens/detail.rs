//! One user: every field, identities, MFA factors, metadata as pretty JSON, timestamps
//! relative and absolute, and the raw JSON the server sent.

use crate::console::command::{ApiCall, ApiReply, Pending, RequestId};
use crate::console::keys::Action;
use crate::console::keys::Context;
use crate::console::screens::users::UserRow;
use crate::console::screens::{Ctx, Level};
use crate::console::screens::{Screen, View};
use crate::console::widgets::mask::mask_label;
use crate::console::widgets::{panel, theme, time};
use crate::gotrue::{Availability, GoTrueError, Passkey, User, UserId};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use serde_json::{Map, Value};

pub struct DetailScreen {
    pub id: UserId,
    /// What the list knew, shown while the full user loads.
    summary: Option<UserRow>,
    user: Option<Box<User>>,
    error: Option<GoTrueError>,
    pending: Option<Pending<Box<User>>>,
    /// The user's passkeys, read beside the user (the user JSON does not carry them).
    passkeys: Option<Result<Availability<Vec<Passkey>>, GoTrueError>>,
    passkeys_pending: Option<Pending<Availability<Vec<Passkey>>>>,
    raw: bool,
    scroll: u16,
    page: u16,
}

impl DetailScreen {
    pub fn open(id: UserId, summary: Option<UserRow>, ctx: &mut Ctx) -> Self {
        let mut s = Self {
            id,
            summary,
            user: None,
            error: None,
            pending: None,
            passkeys: None,
            passkeys_pending: None,
            raw: false,
            scroll: 0,
            page: 10,
        };
        s.reload(ctx);
        s
    }

    pub fn title(&self) -> String {
        self.user
            .as_ref()
            .map(|u| u.display_name())
            .or_else(|| self.summary.as_ref().map(UserRow::label))
            .unwrap_or_else(|| self.id.to_string())
    }

    pub fn user(&self) -> Option<&User> {
        self.user.as_deref()
    }

    /// Why the last load failed, while it is on screen.
    pub fn error(&self) -> Option<&GoTrueError> {
        self.error.as_ref()
    }

    /// Whether a load is under way.
    pub fn is_loading(&self) -> bool {
        self.pending.is_some()
    }

    pub fn is_raw(&self) -> bool {
        self.raw
    }

    pub fn set_page(&mut self, rows: u16) {
        self.page = rows.max(1);
    }

    /// The user as an admin action left it.
    pub fn set_user(&mut self, user: User) {
        self.user = Some(Box::new(user));
        self.error = None;
    }

    pub fn reload(&mut self, ctx: &mut Ctx) {
        // The passkeys are asked for once the user has loaded: no second request for a
        // user that is not there, or while the server is failing.
        self.pending = Some(ctx.send(ApiCall::GetUser(self.id)));
        self.error = None;
    }

    /// Whether the passkeys' answer came (whatever it said).
    pub fn passkeys_read(&self) -> bool {
        self.passkeys.is_some()
    }

    /// The user's passkeys, once read (`None` too when the server has none of them).
    pub fn passkeys(&self) -> Option<&[Passkey]> {
        match &self.passkeys {
            Some(Ok(Availability::Available(list))) => Some(list),
            _ => None,
        }
    }
}

fn section(title: &str) -> Line<'static> {
    Line::styled(format!("── {title} "), theme::accent())
}

fn field(label: &str, value: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label:>20}  "), theme::dim()),
        Span::raw(value.into()),
    ])
}

fn when(label: &str, at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<Line<'static>> {
    at.map(|t| {
        Line::from(vec![
            Span::styled(format!("{label:>20}  "), theme::dim()),
            Span::raw(format!("{:<10}", time::relative(t, now))),
            Span::styled(format!(" {}", time::absolute(t)), theme::dim()),
        ])
    })
}

fn json_lines(map: &Map<String, Value>) -> Vec<Line<'static>> {
    if map.is_empty() {
        return vec![Line::styled("  {}", theme::dim())];
    }
    serde_json::to_string_pretty(map)
        .unwrap_or_default()
        .lines()
        .map(|l| Line::raw(format!("  {l}")))
        .collect()
}

type PasskeysRead = Option<Result<Availability<Vec<Passkey>>, GoTrueError>>;

/// The passkeys section: the list, or why there is none to show.
fn passkey_lines(read: &PasskeysRead, now: DateTime<Utc>) -> Vec<Line<'static>> {
    let list = match read {
        None => {
            return vec![
                section("Passkeys"),
                Line::styled("  reading…", theme::dim()),
            ];
        }
        Some(Err(e)) => {
            return vec![
                section("Passkeys"),
                Line::styled(format!("  could not be read: {e}"), theme::warn()),
            ];
        }
        Some(Ok(Availability::Unavailable { message, .. })) => {
            return vec![
                section("Passkeys"),
                Line::styled(
                    format!("  not on this server (an older GoTrue, or passkeys off: {message})"),
                    theme::dim(),
                ),
            ];
        }
        Some(Ok(Availability::Available(list))) => list,
    };
    let mut out = vec![section(&format!("Passkeys ({})", list.len()))];
    for p in list {
        let stamp = |t: &Option<String>| {
            t.as_deref()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| time::relative(t.with_timezone(&Utc), now))
        };
        out.push(Line::from(vec![
            Span::styled(format!("{:>20}  ", "passkey"), theme::key()),
            Span::raw(format!(
                "{}  ",
                p.friendly_name
                    .clone()
                    .unwrap_or_else(|| "(unnamed)".into())
            )),
            Span::styled(
                match (stamp(&p.created_at), stamp(&p.last_used_at)) {
                    (c, Some(u)) => format!("added {}, used {u}", c.unwrap_or_default()),
                    (Some(c), None) => format!("added {c}, never used"),
                    (None, None) => String::new(),
                },
                theme::dim(),
            ),
            Span::styled(format!("  {}", p.id), theme::dim()),
        ]));
    }
    if list.is_empty() {
        out.push(Line::styled("  none", theme::dim()));
    }
    out
}

fn user_lines(
    u: &User,
    passkeys: &PasskeysRead,
    now: DateTime<Utc>,
    mask: bool,
) -> Vec<Line<'static>> {
    let mut out = vec![section("User")];
    out.push(field("id", u.id.to_string()));
    out.push(field(
        "email",
        if u.email.is_empty() {
            "—".into()
        } else {
            mask_label(&u.email, mask)
        },
    ));
    out.push(field(
        "phone",
        if u.phone.is_empty() {
            "—".into()
        } else {
            mask_label(&format!("+{}", u.phone), mask)
        },
    ));
    if let Some(name) = u.full_name() {
        out.push(field("name", name.to_owned()));
    }
    out.push(field("role", u.role.clone().unwrap_or_default()));
    out.push(field("aud", u.aud.clone().unwrap_or_default()));
    out.push(field("providers", u.providers().join(", ")));
    if let Some(new) = &u.new_email {
        out.push(field("pending email", new.clone()));
    }
    if let Some(new) = &u.new_phone {
        out.push(field("pending phone", format!("+{new}")));
    }
    if u.is_anonymous == Some(true) {
        out.push(field("anonymous", "yes"));
    }
    if u.is_sso_user == Some(true) {
        out.push(field("SSO user", "yes"));
    }

    out.push(section("State"));
    let banned = u.is_banned_at(now);
    out.push(Line::from(vec![
        Span::styled(format!("{:>20}  ", "status"), theme::dim()),
        if u.deleted_at.is_some() {
            Span::styled("deleted ", theme::dim())
        } else {
            Span::raw("")
        },
        if banned {
            Span::styled("banned ", theme::danger())
        } else {
            Span::raw("")
        },
        if u.is_confirmed() {
            Span::styled("confirmed", theme::ok())
        } else if u.invited_at.is_some() {
            Span::styled("invited, not accepted", theme::info())
        } else {
            Span::styled("unconfirmed", theme::warn())
        },
    ]));
    let times = [
        ("banned until", u.banned_until.filter(|_| banned)),
        ("deleted", u.deleted_at),
        ("email confirmed", u.email_confirmed_at),
        ("phone confirmed", u.phone_confirmed_at),
        ("invited", u.invited_at),
        ("confirmation sent", u.confirmation_sent_at),
        ("recovery sent", u.recovery_sent_at),
        ("email change sent", u.email_change_sent_at),
        ("last sign-in", u.last_sign_in_at),
        ("created", u.created_at),
        ("updated", u.updated_at),
    ];
    out.extend(times.iter().filter_map(|(l, t)| when(l, *t, now)));
    if u.last_sign_in_at.is_none() {
        out.push(field("last sign-in", "never"));
    }

    let identities = u.identities.as_deref().unwrap_or_default();
    out.push(section(&format!("Identities ({})", identities.len())));
    for i in identities {
        let email = i
            .email
            .clone()
            .or_else(|| {
                i.identity_data
                    .get("email")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .unwrap_or_default();
        let mut spans = vec![
            Span::styled(format!("{:>20}  ", i.provider), theme::key()),
            Span::raw(mask_label(&email, mask)),
        ];
        // Email and phone identities' subject is the user id itself: only OAuth ones say more.
        if i.provider != "email" && i.provider != "phone" {
            spans.push(Span::styled(format!("  subject {}", i.id), theme::dim()));
        }
        out.push(Line::from(spans));
        if let Some(line) = when("last sign-in", i.last_sign_in_at, now) {
            out.push(line);
        }
    }
    if identities.is_empty() {
        out.push(Line::styled("  none", theme::dim()));
    }

    let factors = u.factors.as_deref().unwrap_or_default();
    out.push(section(&format!("MFA factors ({})", factors.len())));
    for f in factors {
        out.push(Line::from(vec![
            Span::styled(
                format!("{:>20}  ", format!("{:?}", f.factor_type).to_lowercase()),
                theme::key(),
            ),
            Span::raw(format!(
                "{}  ",
                f.friendly_name
                    .clone()
                    .unwrap_or_else(|| "(unnamed)".into())
            )),
            Span::styled(
                format!("{:?}", f.status).to_lowercase(),
                if f.status == crate::gotrue::FactorStatus::Verified {
                    theme::ok()
                } else {
                    theme::warn()
                },
            ),
            Span::styled(format!("  {}", f.id), theme::dim()),
        ]));
    }
    if factors.is_empty() {
        out.push(Line::styled("  none", theme::dim()));
    }
    out.extend(passkey_lines(passkeys, now));

    out.push(section("user_metadata"));
    out.extend(json_lines(&u.user_metadata));
    out.push(section("app_metadata"));
    out.extend(json_lines(&u.app_metadata));
    if !u.extra.is_empty() {
        out.push(section("Other fields"));
        out.extend(json_lines(&u.extra));
    }
    out
}

impl Screen for DetailScreen {
    fn set_area(&mut self, area: Rect) {
        // Borders.
        self.set_page(area.height.saturating_sub(2));
    }

    fn context(&self) -> Context {
        Context::Detail
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        match action {
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::Down => self.scroll = self.scroll.saturating_add(1),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(self.page),
            Action::PageDown => self.scroll = self.scroll.saturating_add(self.page),
            Action::Top => self.scroll = 0,
            Action::Bottom => self.scroll = u16::MAX / 2,
            Action::ToggleRaw => {
                self.raw = !self.raw;
                self.scroll = 0;
            }
            Action::Refresh | Action::Retry => self.reload(ctx),
            Action::CopyId => {
                ctx.copy("the id", self.id.to_string());
            }
            Action::CopyEmail => {
                let email = self
                    .user
                    .as_ref()
                    .map(|u| u.email.clone())
                    .or_else(|| self.summary.as_ref().map(|s| s.email.clone()))
                    .unwrap_or_default();
                if email.is_empty() {
                    ctx.flash(Level::Warn, "This user has no email");
                } else {
                    ctx.copy("the email", email);
                }
            }
            _ => return false,
        }
        true
    }

    fn on_reply(&mut self, id: RequestId, result: Result<ApiReply, GoTrueError>, ctx: &mut Ctx) {
        if let Some(p) = self.passkeys_pending.take_if(|p| p.is(id)) {
            self.passkeys = Some(p.read(result));
            return;
        }
        let Some(pending) = self.pending.filter(|p| p.is(id)) else {
            return;
        };
        self.pending = None;
        match pending.read(result) {
            Ok(user) => {
                self.user = Some(user);
                self.error = None;
                if self.passkeys_pending.is_none() {
                    self.passkeys_pending = Some(ctx.send(ApiCall::Passkeys(self.id)));
                }
            }
            Err(e) => {
                ctx.flash(Level::Error, format!("Loading the user failed: {e}"));
                self.error = Some(e);
            }
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        let (now, mask) = (view.now, view.masked);
        let mode = if self.raw { "raw JSON" } else { "details" };
        let block = Block::default().borders(Borders::ALL).title(Span::styled(
            format!(" {} · {mode} ", mask_label(&self.title(), mask)),
            theme::title(),
        ));
        let mut lines = Vec::new();
        if let Some(err) = &self.error {
            lines.extend(panel::error_lines("Loading the user", err));
            lines.push(view.hints(&[
                (Context::Detail, Action::Retry, "retry"),
                (Context::Global, Action::Back, "back"),
            ]));
            lines.push(Line::raw(""));
        }
        match (&self.user, self.raw) {
            (Some(_), true) if mask => {
                lines.push(Line::styled(
                    format!(
                        "The raw JSON holds emails and phone numbers: {} reveals them first.",
                        view.key(Context::Global, Action::ToggleMask)
                    ),
                    theme::warn(),
                ));
            }
            (Some(user), true) => {
                let text = serde_json::to_string_pretty(user.as_ref()).unwrap_or_default();
                lines.extend(text.lines().map(|l| Line::raw(l.to_owned())));
            }
            (Some(user), false) => lines.extend(user_lines(user, &self.passkeys, now, mask)),
            (None, _) if self.pending.is_some() => {
                lines.push(Line::styled("Loading…", theme::dim()));
            }
            (None, _) => {}
        }
        let max_scroll = (lines.len() as u16).saturating_sub(area.height.saturating_sub(2));
        frame.render_widget(
            Paragraph::new(lines)
                .block(block)
                .wrap(Wrap { trim: false })
                .scroll((self.scroll.min(max_scroll), 0)),
            area,
        );
    }
}
