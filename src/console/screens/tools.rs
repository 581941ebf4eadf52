//! Support tools: the token inspector (paste a JWT, a `Cookie:` header or a supabase-js auth
//! cookie: see its header, claims and expiry, and the user it belongs to, refreshed when
//! expired) and the provider sign-in URL builder.

use crate::console::command::{ApiCall, ApiReply, Pending, RequestId};
use crate::console::keys::Action;
use crate::console::keys::Context;
use crate::console::screens::{Ctx, Level};
use crate::console::screens::{Screen, View};
use crate::console::widgets::field::Field;
use crate::console::widgets::{panel, theme, time};
use crate::gotrue::auth::provider_url;
use crate::gotrue::jwt::{DecodedJwt, SignatureCheck, decode_unverified};
use crate::gotrue::token_input::parse_token_input;
use crate::gotrue::{BaseUrl, GoTrueError, ProviderUrl, Secret, TokenLookup};
use chrono::DateTime;
use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use tui_input::backend::crossterm::EventHandler;

const TOKEN: usize = 0;
const PROVIDER: usize = 1;
const REDIRECT: usize = 2;
const SCOPES: usize = 3;
const PARAMS: usize = 4;

pub struct ToolsScreen {
    fields: [Field; 5],
    focus: Option<usize>,
    /// What the pasted text decoded to, locally (no request).
    decoded: Option<Result<DecodedJwt, String>>,
    lookup: Option<Result<Box<TokenLookup>, GoTrueError>>,
    pending: Option<Pending<Box<TokenLookup>>>,
    /// The signature against the server's JWKS.
    signature: Option<Result<SignatureCheck, GoTrueError>>,
    signature_pending: Option<Pending<SignatureCheck>>,
}

impl Default for ToolsScreen {
    fn default() -> Self {
        Self {
            fields: [
                Field::new("token")
                    .masked()
                    .placeholder("paste a JWT, a Cookie: header or an sb-…-auth-token cookie"),
                Field::new("provider").placeholder("github"),
                Field::new("redirect_to").placeholder("http://localhost:3000/callback"),
                Field::new("scopes").placeholder("read:user repo"),
                Field::new("extra").placeholder("prompt=consent&access_type=offline"),
            ],
            focus: None,
            decoded: None,
            lookup: None,
            pending: None,
            signature: None,
            signature_pending: None,
        }
    }
}

impl ToolsScreen {
    pub fn is_editing(&self) -> bool {
        self.focus.is_some()
    }

    pub fn signature(&self) -> Option<&Result<SignatureCheck, GoTrueError>> {
        self.signature.as_ref()
    }

    pub fn lookup(&self) -> Option<&Result<Box<TokenLookup>, GoTrueError>> {
        self.lookup.as_ref()
    }

    /// Decodes what was pasted at once, and asks GoTrue for the user behind it.
    fn inspect(&mut self, ctx: &mut Ctx) {
        let text = self.fields[TOKEN].value().trim().to_owned();
        let parsed = parse_token_input(&text);
        self.decoded = Some(match &parsed {
            Ok(t) => match &t.access_token {
                Some(a) => decode_unverified(a.expose()).map_err(|e| e.to_string()),
                None => Err("no access token; the refresh token will be used".into()),
            },
            Err(e) => Err(e.to_string()),
        });
        self.lookup = None;
        self.signature = None;
        self.signature_pending = None;
        if let Ok(t) = &parsed {
            if t.access_token.is_some() {
                self.signature_pending =
                    Some(ctx.send(ApiCall::CheckSignature(Secret::new(text.clone()))));
            }
            self.pending = Some(ctx.send(ApiCall::LookupToken(Secret::new(text))));
            self.focus = None;
        } else {
            ctx.flash(Level::Warn, "Nothing to look up in what was pasted");
        }
    }

    fn provider_request(&self) -> ProviderUrl {
        let v = |i: usize| self.fields[i].value().trim().to_owned();
        let params = url::form_urlencoded::parse(v(PARAMS).as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .filter(|(k, _)| !k.is_empty())
            .collect();
        ProviderUrl {
            provider: v(PROVIDER),
            redirect_to: Some(v(REDIRECT)).filter(|s| !s.is_empty()),
            scopes: Some(v(SCOPES)).filter(|s| !s.is_empty()),
            query_params: params,
        }
    }

    /// The provider URL, built from the fields (no request).
    pub fn provider_url(&self, server: &str) -> Option<String> {
        let req = self.provider_request();
        if req.provider.is_empty() {
            return None;
        }
        let base = BaseUrl::parse(server).ok()?;
        Some(provider_url(&base, &req))
    }

    fn draw_token(&self, frame: &mut Frame, area: Rect, view: &View) {
        let now = view.now;
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(" Token inspector ", theme::title()));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [field_area, body] =
            Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(inner);
        self.fields[TOKEN].draw(frame, field_area, 12, self.focus == Some(TOKEN));
        let mut lines = Vec::new();
        match &self.decoded {
            None => lines.push(Line::styled(
                format!(
                    "{}, paste, {}: the token's claims, expiry and user. It stays masked.",
                    view.key(Context::Tools, Action::Edit),
                    view.key(Context::Form, Action::Submit)
                ),
                theme::dim(),
            )),
            Some(Err(e)) => lines.push(Line::styled(e.clone(), theme::warn())),
            Some(Ok(jwt)) => {
                let c = &jwt.claims;
                let row = |k: &str, v: String| {
                    Line::from(vec![
                        Span::styled(format!("{k:>12}  "), theme::dim()),
                        Span::raw(v),
                    ])
                };
                lines.push(row(
                    "alg",
                    match jwt.key_id() {
                        Some(kid) => format!("{}  kid {kid}", jwt.algorithm().unwrap_or("?")),
                        None => jwt.algorithm().unwrap_or("?").to_owned(),
                    },
                ));
                let (text, style) = match &self.signature {
                    _ if self.signature_pending.is_some() => (
                        "checking against the server's keys…".to_owned(),
                        theme::info(),
                    ),
                    None => (String::new(), theme::dim()),
                    Some(Ok(c @ SignatureCheck::Verified { .. })) => (c.to_string(), theme::ok()),
                    Some(Ok(c @ SignatureCheck::Mismatch { .. })) => {
                        (c.to_string(), theme::danger())
                    }
                    Some(Ok(c @ SignatureCheck::UnknownKey { .. })) => {
                        (c.to_string(), theme::warn())
                    }
                    Some(Ok(c)) => (c.to_string(), theme::dim()),
                    Some(Err(e)) => (format!("not verified: {}", e.message), theme::warn()),
                };
                if !text.is_empty() {
                    lines.push(Line::from(vec![
                        Span::styled(format!("{:>12}  ", "signature"), theme::dim()),
                        Span::styled(text, style),
                    ]));
                }
                lines.push(row("sub", c.sub.clone().unwrap_or_default()));
                lines.push(row("role", c.role.clone().unwrap_or_default()));
                lines.push(row("aud", c.audiences().join(", ")));
                lines.push(row(
                    "email/phone",
                    format!(
                        "{} {}",
                        c.email.clone().unwrap_or_default(),
                        c.phone.clone().unwrap_or_default()
                    ),
                ));
                lines.push(row(
                    "aal / amr",
                    format!(
                        "{} / {}",
                        c.aal.clone().unwrap_or_default(),
                        c.amr_methods().join(", ")
                    ),
                ));
                lines.push(row("session", c.session_id.clone().unwrap_or_default()));
                if let Some(iat) = c.iat.and_then(|t| DateTime::from_timestamp(t, 0)) {
                    lines.push(row(
                        "issued",
                        format!("{} ({})", time::relative(iat, now), time::absolute(iat)),
                    ));
                }
                if let Some(exp) = c.exp.and_then(|t| DateTime::from_timestamp(t, 0)) {
                    let expired = exp <= now;
                    lines.push(Line::from(vec![
                        Span::styled(format!("{:>12}  ", "expires"), theme::dim()),
                        Span::styled(
                            format!("{} ({})", time::relative(exp, now), time::absolute(exp)),
                            if expired {
                                theme::danger()
                            } else {
                                theme::ok()
                            },
                        ),
                        Span::raw(if expired { "  EXPIRED" } else { "" }),
                    ]));
                }
                if c.is_anonymous == Some(true) {
                    lines.push(row("anonymous", "yes".into()));
                }
            }
        }
        if self.pending.is_some() {
            lines.push(Line::styled("Asking GoTrue who this is…", theme::info()));
        }
        match &self.lookup {
            Some(Ok(l)) => {
                lines.push(Line::raw(""));
                lines.push(Line::from(vec![
                    Span::styled("user  ", theme::dim()),
                    Span::styled(l.user.display_name(), theme::ok()),
                    Span::styled(format!("  {}", l.user.id), theme::dim()),
                ]));
                if l.refreshed.is_some() {
                    lines.push(Line::styled(
                        "The access token had expired: refreshed. The pasted refresh token is spent now.",
                        theme::warn(),
                    ));
                }
            }
            Some(Err(e)) => {
                lines.push(Line::raw(""));
                lines.extend(panel::error_lines("Looking up the user", e));
            }
            None => {}
        }
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), body);
    }

    fn draw_provider(&self, frame: &mut Frame, area: Rect, server: &str, providers: &[&str]) {
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(" Provider sign-in URL ", theme::title()));
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
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("enabled: {}", providers.join(", ")),
                theme::dim(),
            )),
            rows[0],
        );
        for (i, f) in [PROVIDER, REDIRECT, SCOPES, PARAMS].iter().enumerate() {
            self.fields[*f].draw(frame, rows[1 + i], 12, self.focus == Some(*f));
        }
        let url = self
            .provider_url(server)
            .unwrap_or_else(|| "P to type a provider · y copies the URL".into());
        frame.render_widget(
            Paragraph::new(Line::styled(url, theme::info())).wrap(Wrap { trim: false }),
            rows[5],
        );
    }
}

impl Screen for ToolsScreen {
    fn context(&self) -> Context {
        if self.is_editing() {
            Context::Form
        } else {
            Context::Tools
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        if let Some(f) = self.focus {
            let n = self.fields.len();
            match action {
                Action::Back => self.focus = None,
                Action::NextField => self.focus = Some((f + 1) % n),
                Action::PrevField => self.focus = Some((f + n - 1) % n),
                Action::Submit if f == TOKEN => self.inspect(ctx),
                Action::Submit => self.focus = None,
                _ => return false,
            }
            return true;
        }
        let server = ctx.server.clone();
        let server = server.as_str();
        match action {
            Action::Edit => self.focus = Some(TOKEN),
            Action::EditProvider => self.focus = Some(PROVIDER),
            Action::CopyLink => match self.provider_url(server) {
                Some(url) => {
                    ctx.copy("the provider URL", url);
                }
                None => {
                    let key = ctx.keys.key_of(Context::Tools, Action::EditProvider);
                    ctx.flash(Level::Warn, format!("Type a provider first ({key})"))
                }
            },
            _ => return false,
        }
        true
    }

    fn on_text(&mut self, key: KeyEvent, _ctx: &mut Ctx) {
        if let Some(f) = self.focus {
            self.fields[f].input.handle_event(&Event::Key(key));
        }
    }

    fn on_paste(&mut self, text: &str, _ctx: &mut Ctx) {
        if let Some(f) = self.focus {
            let clean: String = text.chars().filter(|c| *c != '\n' && *c != '\r').collect();
            let v = format!("{}{}", self.fields[f].value(), clean.trim());
            self.fields[f].set(v);
        }
    }

    fn on_reply(&mut self, id: RequestId, result: Result<ApiReply, GoTrueError>, _ctx: &mut Ctx) {
        if let Some(pending) = self.signature_pending.filter(|p| p.is(id)) {
            self.signature_pending = None;
            self.signature = Some(pending.read(result));
            return;
        }
        if let Some(pending) = self.pending.filter(|p| p.is(id)) {
            self.pending = None;
            self.lookup = Some(pending.read(result));
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        let (_now, server, providers) = (view.now, view.server, view.providers);
        let [token_area, provider_area] =
            Layout::vertical([Constraint::Fill(3), Constraint::Length(9)]).areas(area);
        self.draw_token(frame, token_area, view);
        self.draw_provider(frame, provider_area, server, providers);
    }
}
