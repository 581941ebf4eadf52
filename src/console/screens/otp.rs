//! Entering a one-time code: the address it went to, the code, its type; resend with a
//! cooldown; plain words for wrong, expired and rate-limited codes.

use crate::console::command::{ApiCall, ApiReply, Pending, RequestId, Sent};
use crate::console::keys::Action;
use crate::console::keys::Context;
use crate::console::screens::{Ctx, Effect, Level};
use crate::console::screens::{Screen, View};
use crate::console::widgets::field::Field;
use crate::console::widgets::{panel, theme};
use crate::gotrue::{
    Credential, GoTrueError, OtpType, ResendType, Secret, Verification, VerifyOutcome,
};
use chrono::{DateTime, Duration, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

const TARGET: usize = 0;
const CODE: usize = 1;

/// GoTrue's default gap between two mails or SMS to one user.
const DEFAULT_COOLDOWN_SECS: i64 = 60;

pub struct OtpScreen {
    fields: [Field; 2],
    pub otp_type: OtpType,
    focus: Option<usize>,
    verify_pending: Option<Pending<VerifyOutcome>>,
    resend_pending: Option<Pending<Sent>>,
    cooldown_until: Option<DateTime<Utc>>,
    error: Option<GoTrueError>,
    message: Option<String>,
}

impl OtpScreen {
    pub fn new(target: Option<&Credential>, otp_type: OtpType, code: Option<&str>) -> Self {
        let mut fields = [
            Field::new("email or phone").placeholder("ada@example.com or +15555550100"),
            Field::new("code").placeholder("123456"),
        ];
        if let Some(t) = target {
            fields[TARGET].set(t.to_string());
        }
        if let Some(c) = code {
            fields[CODE].set(c);
        }
        let focus = if target.is_none() { TARGET } else { CODE };
        Self {
            fields,
            otp_type,
            focus: Some(focus),
            verify_pending: None,
            resend_pending: None,
            cooldown_until: None,
            error: None,
            message: None,
        }
    }

    pub fn is_editing(&self) -> bool {
        self.focus.is_some()
    }

    /// Seconds until a resend is allowed, while counting down.
    pub fn cooldown_left(&self, now: DateTime<Utc>) -> Option<i64> {
        self.cooldown_until
            .map(|u| (u - now).num_seconds())
            .filter(|s| *s > 0)
    }

    /// A send just happened elsewhere (the login form): start the countdown.
    pub fn start_cooldown(&mut self, now: DateTime<Utc>) {
        self.cooldown_until = Some(now + Duration::seconds(DEFAULT_COOLDOWN_SECS));
    }

    fn target(&self) -> Option<Credential> {
        let v = self.fields[TARGET].value().trim();
        (!v.is_empty()).then(|| {
            if self.otp_type.is_phone() {
                Credential::Phone(v.to_owned())
            } else {
                Credential::guess(v)
            }
        })
    }

    fn verify(&mut self, ctx: &mut Ctx) {
        if self.verify_pending.is_some() {
            return;
        }
        let code: String = self.fields[CODE]
            .value()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let mut ok = true;
        if self.target().is_none() {
            self.fields[TARGET].error = Some("required".into());
            ok = false;
        }
        if code.is_empty() {
            self.fields[CODE].error = Some("required".into());
            ok = false;
        } else if !code.chars().all(|c| c.is_ascii_alphanumeric()) {
            self.fields[CODE].error = Some("letters and digits only".into());
            ok = false;
        }
        let Some(target) = self.target().filter(|_| ok) else {
            ctx.flash(Level::Warn, "Check the highlighted fields");
            return;
        };
        self.error = None;
        self.message = None;
        self.focus = None;
        self.verify_pending = Some(ctx.send(ApiCall::Verify(Verification::Token {
            target,
            token: Secret::new(code),
            otp_type: self.otp_type,
        })));
    }

    fn resend(&mut self, ctx: &mut Ctx) {
        if let Some(left) = self.cooldown_left(ctx.now) {
            ctx.flash(
                Level::Warn,
                format!("You can ask for a new code in {left} s"),
            );
            return;
        }
        let Some(target) = self.target() else {
            self.fields[TARGET].error = Some("required".into());
            return;
        };
        let call = match self.otp_type {
            OtpType::Sms => ApiCall::Resend {
                kind: ResendType::Sms,
                target,
            },
            OtpType::PhoneChange => ApiCall::Resend {
                kind: ResendType::PhoneChange,
                target,
            },
            OtpType::Signup => ApiCall::Resend {
                kind: ResendType::Signup,
                target,
            },
            OtpType::EmailChange => ApiCall::Resend {
                kind: ResendType::EmailChange,
                target,
            },
            OtpType::Email | OtpType::Magiclink => ApiCall::SendOtp {
                target,
                create_user: false,
            },
            OtpType::Recovery | OtpType::Invite => {
                ctx.flash(
                    Level::Warn,
                    "Recovery and invite codes are re-sent by an admin (Users tab)",
                );
                return;
            }
        };
        self.resend_pending = Some(ctx.send(call));
    }
}

/// "…you can only request this after 42 seconds." → 42.
pub fn wait_seconds(err: &GoTrueError) -> Option<i64> {
    if err.kind != crate::gotrue::ErrorKind::RateLimited {
        return None;
    }
    let words: Vec<&str> = err.message.split_whitespace().collect();
    words
        .windows(2)
        .find(|w| w[1].starts_with("second"))
        .and_then(|w| w[0].parse().ok())
        .or(Some(DEFAULT_COOLDOWN_SECS))
}

impl Screen for OtpScreen {
    fn context(&self) -> Context {
        if self.is_editing() {
            Context::Form
        } else {
            Context::Otp
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        if !crate::console::screens::fits_focus(action, self.focus.is_some()) {
            return false;
        }
        match action {
            Action::Edit => self.focus = Some(CODE),
            Action::NextField | Action::PrevField => {
                self.focus = Some(if self.focus == Some(TARGET) {
                    CODE
                } else {
                    TARGET
                });
            }
            Action::Back if self.focus.is_some() => self.focus = None,
            Action::NextMode | Action::PrevMode => {
                let all = OtpType::ALL;
                let i = all.iter().position(|t| *t == self.otp_type).unwrap_or(0);
                let n = all.len();
                let j = if action == Action::NextMode {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                };
                self.otp_type = all[j];
            }
            Action::Submit => self.verify(ctx),
            Action::Resend => self.resend(ctx),
            _ => return false,
        }
        true
    }

    fn on_text(&mut self, key: KeyEvent, _ctx: &mut Ctx) {
        if let Some(f) = self.focus {
            self.fields[f].type_key(key);
        }
    }

    fn on_paste(&mut self, text: &str, _ctx: &mut Ctx) {
        if let Some(f) = self.focus {
            self.fields[f].paste(text);
        }
    }

    fn on_reply(&mut self, id: RequestId, result: Result<ApiReply, GoTrueError>, ctx: &mut Ctx) {
        if let Some(resend) = self.resend_pending.filter(|p| p.is(id)) {
            self.resend_pending = None;
            match resend.read(result) {
                Ok(Sent { .. }) => {
                    self.start_cooldown(ctx.now);
                    self.message = Some("A new code is on its way.".into());
                    ctx.effect(Effect::SentSomething);
                }
                Err(e) => {
                    if let Some(secs) = wait_seconds(&e) {
                        self.cooldown_until = Some(ctx.now + Duration::seconds(secs));
                    }
                    ctx.flash(Level::Error, format!("Resend failed: {e}"));
                    self.error = Some(e);
                }
            }
            return;
        }
        let Some(verify) = self.verify_pending.filter(|p| p.is(id)) else {
            return;
        };
        self.verify_pending = None;
        match verify.read(result) {
            Ok(VerifyOutcome::Session(s)) => {
                self.fields[CODE].set("");
                self.message = Some("Code accepted: signed in.".into());
                ctx.flash(Level::Info, "Code accepted");
                ctx.effect(Effect::SessionStarted(s));
            }
            Ok(VerifyOutcome::Accepted { message }) => {
                self.message = Some(message);
            }
            Err(e) => {
                if e.code.as_deref() == Some("otp_expired") {
                    self.fields[CODE].error = Some("wrong or expired".into());
                }
                ctx.flash(Level::Error, format!("Verify failed: {e}"));
                self.error = Some(e);
            }
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        let now = view.now;
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if self.focus.is_some() {
                theme::focused_border()
            } else {
                ratatui::style::Style::new()
            })
            .title(Span::styled(" Enter a one-time code ", theme::title()));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let rows = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .split(inner);
        // Every type when they fit on the line, else just the current one.
        let all: usize = OtpType::ALL.iter().map(|t| t.as_str().len() + 2).sum();
        let mut types = vec![Span::styled(format!("{:>14} ", "type"), theme::dim())];
        if all + 15 <= rows[0].width as usize {
            for t in OtpType::ALL {
                let style = if *t == self.otp_type {
                    theme::selected()
                } else {
                    theme::dim()
                };
                types.push(Span::styled(format!(" {t} "), style));
            }
        } else {
            types.push(Span::styled(
                format!(" {} ", self.otp_type),
                theme::selected(),
            ));
            types.push(Span::styled("  t/T change", theme::dim()));
        }
        frame.render_widget(Paragraph::new(Line::from(types)), rows[0]);
        self.fields[TARGET].draw(frame, rows[2], 14, self.focus == Some(TARGET));
        self.fields[CODE].draw(frame, rows[3], 14, self.focus == Some(CODE));

        let mut lines = Vec::new();
        lines.push(match self.cooldown_left(now) {
            Some(left) => Line::styled(format!("resend possible in {left} s"), theme::dim()),
            None => Line::styled("r resend the code", theme::dim()),
        });
        if self.verify_pending.is_some() || self.resend_pending.is_some() {
            lines.push(Line::styled("Working…", theme::info()));
        }
        if let Some(m) = &self.message {
            lines.push(Line::styled(m.clone(), theme::ok()));
        }
        if let Some(e) = &self.error {
            lines.extend(panel::error_lines("The code", e));
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rows[5]);
    }
}
