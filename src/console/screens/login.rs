//! Signing in as a user (to try what users see), signing up, magic links, OTPs, the current
//! session with its countdown, and the service-role key entry when none is configured.

use crate::console::command::{ApiCall, ApiReply, Pending, RequestId, Sent};
use crate::console::keys::Action;
use crate::console::keys::Context;
use crate::console::screens::{Ctx, Effect, Level};
use crate::console::screens::{Screen, View};
use crate::console::widgets::field::Field;
use crate::console::widgets::{panel, theme, time};
use crate::gotrue::ApiKeyKind;
use crate::gotrue::cookies::{CookieEncoding, SessionCookies, cookie_string};
use crate::gotrue::jwt::decode_unverified;
use crate::gotrue::{
    Credential, GoTrueError, OtpType, Secret, SignOutScope, SignUp, SignUpOutcome,
};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use serde_json::{Map, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    SignIn,
    SignUp,
    MagicLink,
    SendOtp,
    ServiceKey,
}

impl Mode {
    const ALL: [Mode; 5] = [
        Mode::SignIn,
        Mode::SignUp,
        Mode::MagicLink,
        Mode::SendOtp,
        Mode::ServiceKey,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Mode::SignIn => "Sign in",
            Mode::SignUp => "Sign up",
            Mode::MagicLink => "Magic link",
            Mode::SendOtp => "Send code",
            Mode::ServiceKey => "Service key",
        }
    }

    fn step(self, by: isize) -> Mode {
        let i = Mode::ALL.iter().position(|m| *m == self).unwrap_or(0) as isize;
        let n = Mode::ALL.len() as isize;
        Mode::ALL[((i + by).rem_euclid(n)) as usize]
    }
}

/// Indices into `LoginScreen::fields`.
const IDENT: usize = 0;
const PASSWORD: usize = 1;
const METADATA: usize = 2;
const KEY: usize = 3;

pub struct LoginScreen {
    pub mode: Mode,
    fields: [Field; 4],
    focus: Option<usize>,
    /// The form's request and the mode it was sent in: its answer depends on the mode
    /// (a session, a sign-up, a mail sent), so it is read as any answer.
    pending: Option<(Pending<ApiReply>, Mode)>,
    error: Option<GoTrueError>,
    message: Option<String>,
    choosing_scope: bool,
    signout_pending: Option<Pending<Sent>>,
    /// The pending request is a refresh (`R`): new tokens, the same session.
    refreshing: bool,
    /// The cookie forms of the session are open (`C`).
    cookies: Option<CookiesView>,
}

/// How the cookie forms are shown: values masked until `v`, and ssr's encoding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CookiesView {
    pub revealed: bool,
    pub encoding: CookieEncoding,
}

impl LoginScreen {
    pub fn new(has_service_key: bool) -> Self {
        Self {
            mode: if has_service_key {
                Mode::SignIn
            } else {
                Mode::ServiceKey
            },
            fields: [
                Field::new("email or phone").placeholder("ada@example.com or +15555550100"),
                Field::new("password").masked(),
                Field::new("metadata").placeholder(r#"{"full_name": "Ada"}  (JSON, optional)"#),
                Field::new("service key")
                    .masked()
                    .placeholder("eyJhbGciOi…  (kept in memory only)"),
            ],
            focus: if has_service_key { None } else { Some(KEY) },
            pending: None,
            error: None,
            message: None,
            choosing_scope: false,
            signout_pending: None,
            refreshing: false,
            cookies: None,
        }
    }

    /// The cookie forms are open.
    pub fn cookies_view(&self) -> Option<CookiesView> {
        self.cookies
    }

    /// The keys of the cookie forms: copies (tokens only reach the clipboard, never the
    /// screen, unless revealed), reveal, encoding.
    fn on_cookies_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let Some(view) = self.cookies.as_mut() else {
            return false;
        };
        let Some(session) = ctx.session.clone() else {
            self.cookies = None;
            ctx.flash(Level::Warn, "Nobody is signed in");
            return true;
        };
        let forms = SessionCookies::new(&session, &ctx.server, view.encoding);
        match action {
            Action::Back => self.cookies = None,
            Action::RevealTokens => view.revealed = !view.revealed,
            Action::CookieEncoding => {
                view.encoding = match view.encoding {
                    CookieEncoding::Base64Url => CookieEncoding::Raw,
                    CookieEncoding::Raw => CookieEncoding::Base64Url,
                };
            }
            Action::CopyTokenCookies => ctx.copy(
                "the sb-access-token and sb-refresh-token cookies",
                cookie_string(&forms.legacy).expose(),
            ),
            Action::CopySsrCookie => {
                let what = match forms.ssr.len() {
                    1 => format!("the {} cookie", forms.ssr[0].name),
                    n => format!("the {n} chunks of the auth-token cookie"),
                };
                ctx.copy(what, cookie_string(&forms.ssr).expose());
            }
            Action::CopyCookieHeader => ctx.copy("the Cookie header", forms.header().expose()),
            _ => return false,
        }
        true
    }

    fn mode_fields(&self) -> &'static [usize] {
        match self.mode {
            Mode::SignIn => &[IDENT, PASSWORD],
            Mode::SignUp => &[IDENT, PASSWORD, METADATA],
            Mode::MagicLink | Mode::SendOtp => &[IDENT],
            Mode::ServiceKey => &[KEY],
        }
    }

    /// The answer to "sign out which sessions?": any key that is not a scope cancels.
    fn choose_scope(&mut self, action: impl Into<Option<Action>>, ctx: &mut Ctx) {
        self.choosing_scope = false;
        let scope = match action.into() {
            Some(Action::ScopeLocal) => SignOutScope::Local,
            Some(Action::ScopeGlobal) => SignOutScope::Global,
            Some(Action::ScopeOthers) => SignOutScope::Others,
            _ => {
                ctx.flash(Level::Info, "Sign-out cancelled");
                return;
            }
        };
        if let Some(s) = &ctx.session {
            self.signout_pending = Some(ctx.send(ApiCall::SignOut {
                access_token: s.access_token.clone(),
                scope,
            }));
        }
    }

    pub fn is_editing(&self) -> bool {
        self.focus.is_some() || self.choosing_scope
    }

    /// Asking which sessions to sign out.
    pub fn is_choosing_scope(&self) -> bool {
        self.choosing_scope
    }

    pub fn is_busy(&self) -> bool {
        self.pending.is_some() || self.signout_pending.is_some()
    }

    /// Fills the identifier (from the outbox or the OTP screen).
    pub fn set_identifier(&mut self, value: &str) {
        self.fields[IDENT].set(value);
    }

    pub fn focus_first(&mut self) {
        self.focus = self.mode_fields().first().copied();
    }

    fn identifier(&self) -> Option<Credential> {
        let v = self.fields[IDENT].value().trim();
        (!v.is_empty()).then(|| Credential::guess(v))
    }

    /// Checks the form before anything is sent; errors go next to their field.
    fn validate(&mut self) -> bool {
        for f in &mut self.fields {
            f.error = None;
        }
        let mut ok = true;
        let needs_ident = self.mode != Mode::ServiceKey;
        if needs_ident {
            let v = self.fields[IDENT].value().trim().to_owned();
            let err = if v.is_empty() {
                Some("required".to_owned())
            } else if v.contains('@') {
                (!looks_like_email(&v)).then(|| "not an email address".to_owned())
            } else if self.mode == Mode::MagicLink {
                Some("a magic link needs an email".to_owned())
            } else {
                let digits = v.trim_start_matches('+');
                (digits.len() < 8 || !digits.chars().all(|c| c.is_ascii_digit()))
                    .then(|| "an email, or a phone number like +15555550100".to_owned())
            };
            if err.is_some() {
                self.fields[IDENT].error = err;
                ok = false;
            }
        }
        if matches!(self.mode, Mode::SignIn | Mode::SignUp)
            && self.fields[PASSWORD].value().is_empty()
        {
            self.fields[PASSWORD].error = Some("required".into());
            ok = false;
        }
        if self.mode == Mode::SignUp && parse_metadata(self.fields[METADATA].value()).is_err() {
            self.fields[METADATA].error = Some("must be a JSON object".into());
            ok = false;
        }
        if self.mode == Mode::ServiceKey {
            let key = self.fields[KEY].value().trim();
            if key.is_empty() {
                self.fields[KEY].error = Some("required".into());
                ok = false;
            } else {
                match ApiKeyKind::of(&Secret::new(key)) {
                    ApiKeyKind::LegacyJwt { .. } | ApiKeyKind::Secret => {}
                    ApiKeyKind::Publishable => {
                        self.fields[KEY].error =
                            Some("a publishable key: paste the secret key (sb_secret_…)".into());
                        ok = false;
                    }
                    ApiKeyKind::Opaque => {
                        self.fields[KEY].error = Some("not a JWT or an sb_secret_ key".into());
                        ok = false;
                    }
                }
            }
        }
        ok
    }

    fn submit(&mut self, ctx: &mut Ctx) {
        if self.pending.is_some() {
            ctx.flash(Level::Warn, "Still waiting for the last request");
            return;
        }
        if !self.validate() {
            ctx.flash(Level::Warn, "Check the highlighted fields");
            return;
        }
        self.error = None;
        self.message = None;
        // Validation guarantees an identifier for every mode that sends one.
        let ident = self
            .identifier()
            .unwrap_or_else(|| Credential::Email(String::new()));
        let password = Secret::new(self.fields[PASSWORD].value());
        let call = match self.mode {
            Mode::SignIn => ApiCall::SignIn {
                credential: ident,
                password,
            },
            Mode::SignUp => ApiCall::SignUp(SignUp {
                credential: ident,
                password,
                data: parse_metadata(self.fields[METADATA].value()).unwrap_or_default(),
                redirect_to: None,
            }),
            Mode::MagicLink => ApiCall::MagicLink {
                email: ident.to_string(),
            },
            Mode::SendOtp => ApiCall::SendOtp {
                target: ident,
                create_user: true,
            },
            Mode::ServiceKey => {
                let key = Secret::new(self.fields[KEY].value().trim());
                if let Some(problem) = ApiKeyKind::of(&key).admin_problem() {
                    let mut chars = problem.chars();
                    let first = chars.next().map(|c| c.to_uppercase().collect::<String>());
                    ctx.flash(
                        Level::Warn,
                        format!("{}{}", first.unwrap_or_default(), chars.as_str()),
                    );
                }
                self.focus = None;
                self.fields[KEY].set("");
                ctx.effect(Effect::UseServiceKey(key));
                self.message = Some("Key in use (kept in memory only). Loading users…".into());
                return;
            }
        };
        self.focus = None;
        self.pending = Some((ctx.send(call), self.mode));
    }

    fn draw_form(&self, frame: &mut Frame, area: Rect, view: &View) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(if self.focus.is_some() {
                theme::focused_border()
            } else {
                ratatui::style::Style::new()
            })
            .title(Span::styled(" Sign in as a user ", theme::title()));
        let inner = block.inner(area);
        frame.render_widget(block, area);

        let mut tabs = Vec::new();
        for m in Mode::ALL {
            let style = if m == self.mode {
                theme::selected()
            } else {
                theme::dim()
            };
            tabs.push(Span::styled(format!(" {} ", m.label()), style));
            tabs.push(Span::raw(" "));
        }
        let fields = self.mode_fields();
        let mut constraints = vec![Constraint::Length(1), Constraint::Length(1)];
        constraints.extend(fields.iter().map(|_| Constraint::Length(1)));
        constraints.push(Constraint::Length(1));
        constraints.push(Constraint::Fill(1));
        let rows = Layout::vertical(constraints).split(inner);
        frame.render_widget(Paragraph::new(Line::from(tabs)), rows[0]);
        for (i, f) in fields.iter().enumerate() {
            self.fields[*f].draw(frame, rows[2 + i], 15, self.focus == Some(*f));
        }
        let mut lines = Vec::new();
        if self.pending.is_some() {
            lines.push(Line::styled("Working…", theme::info()));
        }
        if let Some(m) = &self.message {
            lines.push(Line::styled(m.clone(), theme::ok()));
        }
        if let Some(e) = &self.error {
            lines.extend(panel::error_lines(self.mode.label(), e));
        }
        if lines.is_empty() {
            let hint = if self.focus.is_some() {
                let f = Context::Form;
                format!(
                    "{} submits · {} next field · {} stops editing",
                    view.key(f, Action::Submit),
                    view.key(f, Action::NextField),
                    view.key(f, Action::Back)
                )
            } else {
                let l = Context::Login;
                let modes = view.labels(l, Action::NextMode);
                format!(
                    "{} edit · {} next mode · {} enter a code",
                    view.key(l, Action::Edit),
                    modes.join("/"),
                    view.key(l, Action::OtpEntry)
                )
            };
            lines.push(Line::styled(hint, theme::dim()));
        }
        let last = rows[rows.len() - 1];
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), last);
    }

    fn draw_session(&self, frame: &mut Frame, area: Rect, view: &View) {
        let (now, session) = (view.now, view.session);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(" Session ", theme::title()));
        let mut lines = Vec::new();
        if self.choosing_scope {
            let mut spans = vec![Span::styled("Sign out: ", theme::warn())];
            for (action, label) in [
                (Action::ScopeLocal, " this session  "),
                (Action::ScopeGlobal, " all sessions  "),
                (Action::ScopeOthers, " all others  "),
                (Action::Back, " cancel"),
            ] {
                spans.push(Span::styled(
                    view.key(Context::SignOut, action),
                    theme::key(),
                ));
                spans.push(Span::raw(label));
            }
            lines.push(Line::from(spans));
        }
        match session {
            None => lines.push(Line::styled("Nobody is signed in.", theme::dim())),
            Some(s) => {
                if let Some(email) = view.impersonating {
                    lines.push(Line::styled(
                        format!(" IMPERSONATING {email} — started from the admin console "),
                        theme::danger(),
                    ));
                }
                let claims = decode_unverified(s.access_token.expose())
                    .ok()
                    .map(|d| d.claims);
                let user = s.user.as_ref();
                let row = |k: &str, v: String| {
                    Line::from(vec![
                        Span::styled(format!("{k:>10}  "), theme::dim()),
                        Span::raw(v),
                    ])
                };
                lines.push(row(
                    "user",
                    user.map(|u| u.display_name()).unwrap_or_else(|| "?".into()),
                ));
                if let Some(c) = &claims {
                    lines.push(row("role", c.role.clone().unwrap_or_default()));
                    lines.push(row(
                        "aal",
                        format!(
                            "{}  ({})",
                            c.aal.clone().unwrap_or_default(),
                            c.amr_methods().join(", ")
                        ),
                    ));
                }
                match s.seconds_left(now) {
                    Some(left) if left > 0 => lines.push(Line::from(vec![
                        Span::styled(format!("{:>10}  ", "expires"), theme::dim()),
                        Span::styled(
                            format!("in {}", time::countdown(left)),
                            if left < 120 {
                                theme::warn()
                            } else {
                                theme::ok()
                            },
                        ),
                        Span::styled("  (refreshed before it expires)", theme::dim()),
                    ])),
                    Some(_) => lines.push(row("expires", "expired".into())),
                    None => {}
                }
                let l = Context::Login;
                lines.push(Line::styled(
                    if view.impersonating.is_some() {
                        format!(
                            "{} sign this session out · {} refresh · {} as cookies",
                            view.key(l, Action::EndImpersonation),
                            view.key(l, Action::RefreshSession),
                            view.key(l, Action::SessionCookies)
                        )
                    } else {
                        format!(
                            "{} refresh now · {} sign out · {} as cookies",
                            view.key(l, Action::RefreshSession),
                            view.key(l, Action::SignOut),
                            view.key(l, Action::SessionCookies)
                        )
                    },
                    theme::dim(),
                ));
            }
        }
        if let Some(note) = view.keyring {
            lines.push(Line::styled(
                note.text.clone(),
                if note.warn {
                    theme::warn()
                } else {
                    theme::dim()
                },
            ));
        }
        frame.render_widget(
            Paragraph::new(lines)
                .block(block)
                .wrap(Wrap { trim: false }),
            area,
        );
    }
}

/// The session's cookie forms: names, sizes, and values masked unless revealed.
fn draw_cookies(
    frame: &mut Frame,
    area: Rect,
    view: &View,
    session: &crate::gotrue::Session,
    c: CookiesView,
) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme::focused_border())
        .title(Span::styled(" The session as cookies ", theme::title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let forms = SessionCookies::new(session, view.server, c.encoding);
    let width = inner.width as usize;
    let value_line = |name: &str, value: &Secret| {
        let len = value.expose().chars().count();
        let shown = if c.revealed {
            let room = width.saturating_sub(name.len() + 4);
            let mut v: String = value.expose().chars().take(room).collect();
            if len > room {
                v.pop();
                v.push('…');
            }
            v
        } else {
            format!("•••• ({len} chars)")
        };
        Line::from(vec![
            Span::styled(format!("  {name} "), theme::dim()),
            Span::raw(shown),
        ])
    };
    let cx = Context::Cookies;
    let key = |a| Span::styled(view.key(cx, a), theme::key());
    let mut lines = vec![Line::from(vec![
        key(Action::CopyTokenCookies),
        Span::raw(" gotrue-js setAuthCookie"),
    ])];
    for k in &forms.legacy {
        lines.push(value_line(&k.name, &k.value));
    }
    let encoding = match c.encoding {
        CookieEncoding::Base64Url => "base64url",
        CookieEncoding::Raw => "raw JSON",
    };
    lines.push(Line::from(vec![
        key(Action::CopySsrCookie),
        Span::raw(format!(" @supabase/ssr, {encoding}")),
        Span::styled(
            match forms.ssr.len() {
                1 => String::new(),
                n => format!(" · {n} chunks"),
            },
            theme::dim(),
        ),
    ]));
    for k in &forms.ssr {
        lines.push(value_line(&k.name, &k.value));
    }
    lines.push(Line::from(vec![
        key(Action::CopyCookieHeader),
        Span::raw(" Cookie: header for curl -H"),
    ]));
    lines.push(Line::styled(
        format!(
            "{} {} · {} {} · {} close",
            view.key(cx, Action::RevealTokens),
            if c.revealed { "hide" } else { "reveal" },
            view.key(cx, Action::CookieEncoding),
            match c.encoding {
                CookieEncoding::Base64Url => "raw JSON",
                CookieEncoding::Raw => "base64url",
            },
            view.key(cx, Action::Back),
        ),
        theme::dim(),
    ));
    frame.render_widget(Paragraph::new(lines), inner);
}

fn looks_like_email(v: &str) -> bool {
    match v.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !v.contains(' ')
        }
        None => false,
    }
}

/// Empty → no metadata; else a JSON object.
fn parse_metadata(text: &str) -> Result<Option<Map<String, Value>>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        _ => Err(()),
    }
}

impl Screen for LoginScreen {
    fn context(&self) -> Context {
        if self.choosing_scope {
            Context::SignOut
        } else if self.cookies.is_some() {
            Context::Cookies
        } else if self.focus.is_some() {
            Context::Form
        } else {
            Context::Login
        }
    }

    /// Form keys (`Submit`, `NextField`, …) and the screen's own actions.
    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        if self.choosing_scope {
            self.choose_scope(action, ctx);
            return true;
        }
        if self.cookies.is_some() {
            return self.on_cookies_action(action, ctx);
        }
        if !crate::console::screens::fits_focus(action, self.focus.is_some()) {
            return false;
        }
        let session = ctx.session.clone();
        let session = session.as_ref();
        let fields = self.mode_fields();
        match action {
            Action::Edit => self.focus = fields.first().copied(),
            Action::NextField | Action::PrevField => {
                let pos = self
                    .focus
                    .and_then(|f| fields.iter().position(|x| *x == f))
                    .unwrap_or(0);
                let n = fields.len();
                let next = if action == Action::NextField {
                    (pos + 1) % n
                } else {
                    (pos + n - 1) % n
                };
                self.focus = Some(fields[next]);
            }
            Action::Back if self.focus.is_some() => self.focus = None,
            Action::Submit => self.submit(ctx),
            Action::NextMode | Action::PrevMode => {
                self.mode = self
                    .mode
                    .step(if action == Action::NextMode { 1 } else { -1 });
                self.error = None;
                self.message = None;
            }
            Action::OtpEntry => {
                let target = self.identifier();
                ctx.effect(Effect::OtpEntry {
                    otp_type: match &target {
                        Some(Credential::Phone(_)) => OtpType::Sms,
                        _ => OtpType::Email,
                    },
                    target,
                    code: None,
                    sent: false,
                });
            }
            Action::RefreshSession => match session {
                Some(s) => {
                    self.pending = Some((
                        ctx.send(ApiCall::Refresh {
                            refresh_token: s.refresh_token.clone(),
                        }),
                        Mode::SignIn,
                    ));
                    self.refreshing = true;
                }
                None => ctx.flash(Level::Warn, "No session to refresh: sign in first"),
            },
            Action::SignOut => match session {
                Some(_) => self.choosing_scope = true,
                None => ctx.flash(Level::Warn, "Nobody is signed in"),
            },
            // One key, no question: the session on screen only (an impersonation's, above all).
            Action::EndImpersonation => match session {
                Some(s) => {
                    self.signout_pending = Some(ctx.send(ApiCall::SignOut {
                        access_token: s.access_token.clone(),
                        scope: SignOutScope::Local,
                    }));
                }
                None => ctx.flash(Level::Warn, "Nobody is signed in"),
            },
            Action::SessionCookies => match session {
                Some(_) => self.cookies = Some(CookiesView::default()),
                None => ctx.flash(Level::Warn, "No session to show as cookies: sign in first"),
            },
            _ => return false,
        }
        true
    }

    fn on_text(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        if self.choosing_scope {
            self.choose_scope(None, ctx);
            return;
        }
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
        if let Some(signout) = self.signout_pending.filter(|p| p.is(id)) {
            self.signout_pending = None;
            match signout.read(result) {
                Ok(Sent { .. }) => {
                    ctx.effect(Effect::SessionEnded);
                    ctx.flash(Level::Info, "Signed out");
                }
                Err(e) => {
                    // A session GoTrue no longer knows is over all the same.
                    if e.code.as_deref() == Some("session_not_found") {
                        ctx.effect(Effect::SessionEnded);
                    }
                    ctx.flash(Level::Error, format!("Sign-out failed: {e}"));
                    self.error = Some(e);
                }
            }
            return;
        }
        let Some((pending, mode)) = self.pending.filter(|(p, _)| p.is(id)) else {
            return;
        };
        self.pending = None;
        let refreshing = std::mem::take(&mut self.refreshing);
        match pending.read(result) {
            Ok(ApiReply::Session(s)) if refreshing => {
                ctx.flash(Level::Info, "Session refreshed: new tokens");
                ctx.effect(Effect::SessionRefreshed(s));
            }
            Ok(ApiReply::Session(s)) => {
                self.fields[PASSWORD].set("");
                let who = s
                    .user
                    .as_ref()
                    .map(|u| u.display_name())
                    .unwrap_or_default();
                ctx.flash(Level::Info, format!("Signed in as {who}"));
                ctx.effect(Effect::SessionStarted(s));
            }
            Ok(ApiReply::SignedUp(SignUpOutcome::Session(s))) => {
                self.fields[PASSWORD].set("");
                self.message = Some("Signed up and signed in (auto-confirmed).".into());
                ctx.effect(Effect::SessionStarted(s));
            }
            Ok(ApiReply::SignedUp(SignUpOutcome::ConfirmationSent(u))) => {
                self.fields[PASSWORD].set("");
                self.message = Some(format!(
                    "Confirmation sent to {}. Confirm it (outbox on the demo server), then sign in.",
                    u.display_name()
                ));
                ctx.effect(Effect::SentSomething);
            }
            Ok(ApiReply::Sent { .. }) => {
                let to = self.fields[IDENT].value().trim().to_owned();
                if mode == Mode::SendOtp {
                    ctx.flash(Level::Info, format!("Code sent to {to}"));
                    ctx.effect(Effect::OtpEntry {
                        otp_type: if to.contains('@') {
                            OtpType::Email
                        } else {
                            OtpType::Sms
                        },
                        target: Some(Credential::guess(&to)),
                        code: None,
                        sent: true,
                    });
                } else {
                    self.message = Some(format!("Magic link sent to {to}."));
                }
                ctx.effect(Effect::SentSomething);
            }
            Ok(other) => crate::console::command::bug(mode.label(), &other),
            Err(e) => {
                match e.code.as_deref() {
                    Some("weak_password") | Some("same_password") => {
                        self.fields[PASSWORD].error = Some(e.message.clone());
                    }
                    Some("email_exists")
                    | Some("user_already_exists")
                    | Some("phone_exists")
                    | Some("email_not_confirmed")
                    | Some("phone_not_confirmed") => {
                        self.fields[IDENT].error = Some(e.message.clone());
                    }
                    _ => {}
                }
                ctx.flash(Level::Error, format!("{} failed: {e}", mode.label()));
                self.error = Some(e);
            }
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        let [form_area, session_area] = if area.width >= 100 {
            Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(area)
        } else {
            Layout::vertical([Constraint::Fill(1), Constraint::Length(8)]).areas(area)
        };
        match (self.cookies, view.session) {
            (Some(c), Some(session)) => draw_cookies(frame, form_area, view, session, c),
            _ => self.draw_form(frame, form_area, view),
        }
        self.draw_session(frame, session_area, view);
    }
}
