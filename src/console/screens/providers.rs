//! The Providers tab: how users can sign in. What `/settings` enables, then the server's SSO
//! (SAML) providers, its OAuth server's clients and its custom OAuth/OIDC providers. A
//! surface the server does not have (an older version, or the feature off) says so in its
//! section instead of failing the tab. `Enter` shows the selected item whole; an OAuth
//! client's secret can be regenerated (`G`), shown once, and copied.

use crate::console::command::{ApiCall, ApiReply, Pending, ProviderSurfaces, RequestId};
use crate::console::keys::{Action, Context};
use crate::console::screens::{Ctx, Level, Screen, View};
use crate::console::widgets::list::ListCursor;
use crate::console::widgets::{panel, theme};
use crate::gotrue::{Availability, CustomProvider, GoTrueError, OAuthClient, SsoProvider};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// One row of the tab: a heading, a line of words, or an item that can be selected.
#[derive(Clone, Debug, PartialEq)]
enum Entry {
    Heading(String),
    Note(String, bool),
    Item(Box<Item>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Method { name: String, on: bool },
    Sso(SsoProvider),
    OAuth(OAuthClient),
    Custom(CustomProvider),
}

#[derive(Default)]
pub struct ProvidersScreen {
    surfaces: Option<ProviderSurfaces>,
    pending: Option<Pending<Box<ProviderSurfaces>>>,
    /// Regenerating a client's secret: the client's id.
    regenerating: Option<(Pending<ApiReply>, String)>,
    /// A secret just regenerated: shown once, until another key.
    secret: Option<(String, crate::gotrue::Secret)>,
    cursor: ListCursor,
    shown: bool,
    /// The custom providers' `type` filter (`t` cycles it): GoTrue answers only that type.
    custom_type: Option<crate::gotrue::CustomProviderType>,
}

impl ProvidersScreen {
    pub fn is_loaded(&self) -> bool {
        self.surfaces.is_some()
    }

    pub fn reload(&mut self, ctx: &mut Ctx) {
        self.pending = Some(ctx.send(ApiCall::Providers {
            custom_type: self.custom_type,
        }));
    }

    fn entries(&self) -> Vec<Entry> {
        let Some(s) = &self.surfaces else {
            return Vec::new();
        };
        let mut out = Vec::new();
        out.push(Entry::Heading("Sign-in methods (/settings)".into()));
        match &s.settings {
            Ok(settings) => {
                // The enabled ones, each; the rest (GoTrue knows dozens) on one line.
                for (name, _) in settings.external.iter().filter(|(_, on)| **on) {
                    out.push(Entry::Item(Box::new(Item::Method {
                        name: name.clone(),
                        on: true,
                    })));
                }
                let off: Vec<&str> = settings
                    .external
                    .iter()
                    .filter(|(_, on)| !**on)
                    .map(|(n, _)| n.as_str())
                    .collect();
                if !off.is_empty() {
                    let shown = off.iter().take(6).copied().collect::<Vec<_>>().join(", ");
                    let more = if off.len() > 6 { ", …" } else { "" };
                    out.push(Entry::Note(
                        format!("{} disabled: {shown}{more}", off.len()),
                        false,
                    ));
                }
                let mut words = Vec::new();
                if settings.disable_signup {
                    words.push("sign-ups disabled (invitations still work)");
                }
                if settings.mailer_autoconfirm {
                    words.push("emails auto-confirmed");
                }
                if settings.phone_autoconfirm {
                    words.push("phones auto-confirmed");
                }
                if !words.is_empty() {
                    out.push(Entry::Note(words.join(" · "), false));
                }
            }
            Err(e) => out.push(Entry::Note(format!("/settings failed: {e}"), true)),
        }
        let saml_off = s.settings.as_ref().is_ok_and(|st| !st.saml_enabled);
        section(&mut out, "SSO providers (SAML)", &s.sso, Item::Sso);
        if saml_off {
            // GoTrue's admin SSO routes answer even with SAML off: only /settings tells.
            out.push(Entry::Note(
                "SAML is off on this server (saml_enabled: false): these sign nobody in".into(),
                true,
            ));
        }
        section(&mut out, "OAuth server clients", &s.oauth, Item::OAuth);
        let custom = match self.custom_type {
            None => "Custom OAuth/OIDC providers".to_owned(),
            Some(t) => format!("Custom providers of type {}", t.as_str()),
        };
        section(&mut out, &custom, &s.custom, Item::Custom);
        out
    }

    /// The items, in order, and the entry each is at.
    fn items(entries: &[Entry]) -> Vec<usize> {
        entries
            .iter()
            .enumerate()
            .filter(|(_, e)| matches!(e, Entry::Item(_)))
            .map(|(i, _)| i)
            .collect()
    }

    /// The item selected.
    pub fn selected(&self) -> Option<Item> {
        let entries = self.entries();
        let at = *Self::items(&entries).get(self.cursor.selected())?;
        match entries.into_iter().nth(at)? {
            Entry::Item(item) => Some(*item),
            _ => None,
        }
    }
}

fn section<T: Clone>(
    out: &mut Vec<Entry>,
    title: &str,
    read: &Result<Availability<Vec<T>>, GoTrueError>,
    item: fn(T) -> Item,
) {
    match read {
        Ok(Availability::Available(list)) => {
            out.push(Entry::Heading(format!("{title} ({})", list.len())));
            if list.is_empty() {
                out.push(Entry::Note("none".into(), false));
            }
            out.extend(list.iter().cloned().map(|x| Entry::Item(Box::new(item(x)))));
        }
        Ok(Availability::Unavailable { code, message }) => {
            out.push(Entry::Heading(title.to_owned()));
            let why = match code {
                Some(c) => format!("{message} ({c})"),
                None => "an older GoTrue, without it".to_owned(),
            };
            out.push(Entry::Note(format!("not on this server: {why}"), false));
        }
        Err(e) => {
            out.push(Entry::Heading(title.to_owned()));
            out.push(Entry::Note(format!("could not be read: {e}"), true));
        }
    }
}

fn item_line(item: &Item) -> Line<'static> {
    let dim = |s: String| Span::styled(s, theme::dim());
    match item {
        Item::Method { name, on } => Line::from(vec![
            Span::raw(format!("  {name:<20} ")),
            if *on {
                Span::styled("enabled", theme::ok())
            } else {
                Span::styled("disabled", theme::dim())
            },
        ]),
        Item::Sso(p) => {
            let domains: Vec<&str> = p.domains.iter().map(|d| d.domain.as_str()).collect();
            Line::from(vec![
                Span::raw(format!(
                    "  {:<28} ",
                    p.saml.as_ref().map(|s| s.entity_id.as_str()).unwrap_or("—")
                )),
                Span::raw(format!("{:<24} ", domains.join(", "))),
                if p.disabled == Some(true) {
                    Span::styled("disabled ", theme::warn())
                } else {
                    Span::raw("")
                },
                dim(p.id.clone()),
            ])
        }
        Item::OAuth(c) => Line::from(vec![
            Span::raw(format!(
                "  {:<20} ",
                c.client_name.clone().unwrap_or_else(|| "(unnamed)".into())
            )),
            Span::raw(format!(
                "{:<13} ",
                c.client_type.clone().unwrap_or_default()
            )),
            dim(c.client_id.clone()),
        ]),
        Item::Custom(p) => Line::from(vec![
            Span::raw(format!("  {:<22} ", p.identifier)),
            Span::raw(format!("{:<7} ", p.provider_type)),
            Span::raw(format!("{:<18} ", p.name)),
            if p.enabled {
                Span::styled("enabled", theme::ok())
            } else {
                Span::styled("disabled", theme::dim())
            },
        ]),
    }
}

/// The selected item, whole.
fn item_details(item: &Item) -> Vec<Line<'static>> {
    let field = |k: &str, v: String| {
        Line::from(vec![
            Span::styled(format!("{k:>22}  "), theme::dim()),
            Span::raw(v),
        ])
    };
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    match item {
        Item::Method { name, on } => vec![field(
            name,
            format!(
                "{} in /settings (GOTRUE_EXTERNAL_{}_ENABLED)",
                if *on { "enabled" } else { "disabled" },
                name.to_uppercase()
            ),
        )],
        Item::Sso(p) => {
            let saml = p.saml.clone().unwrap_or_default();
            let mut out = vec![
                field("id", p.id.clone()),
                field("entity id", saml.entity_id.clone()),
                field(
                    "domains",
                    p.domains
                        .iter()
                        .map(|d| d.domain.clone())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                field("metadata URL", opt(&saml.metadata_url)),
                field(
                    "metadata XML",
                    saml.metadata_xml
                        .as_ref()
                        .map(|x| format!("{} characters", x.len()))
                        .unwrap_or_else(|| "—".into()),
                ),
                field("name id format", opt(&saml.name_id_format)),
                field("resource id", opt(&p.resource_id)),
                field("created", opt(&p.created_at)),
            ];
            out.push(field(
                "attribute mapping",
                saml.attribute_mapping
                    .map(|m| m.to_string())
                    .unwrap_or_else(|| "—".into()),
            ));
            out
        }
        Item::OAuth(c) => vec![
            field("client id", c.client_id.clone()),
            field("name", opt(&c.client_name)),
            field("type", opt(&c.client_type)),
            field("auth method", opt(&c.token_endpoint_auth_method)),
            field("redirect URIs", c.redirect_uris.join(", ")),
            field("grant types", c.grant_types.join(", ")),
            field("registered", opt(&c.registration_type)),
            field("client URI", opt(&c.client_uri)),
            field("created", opt(&c.created_at)),
        ],
        Item::Custom(p) => vec![
            field("identifier", p.identifier.clone()),
            field("type", p.provider_type.clone()),
            field("name", p.name.clone()),
            field("client id", p.client_id.clone()),
            field("scopes", p.scopes.join(" ")),
            field("PKCE", p.pkce_enabled.to_string()),
            field("issuer", opt(&p.issuer)),
            field("authorization URL", opt(&p.authorization_url)),
            field("token URL", opt(&p.token_url)),
            field("userinfo URL", opt(&p.userinfo_url)),
        ],
    }
}

impl Screen for ProvidersScreen {
    fn on_show(&mut self, ctx: &mut Ctx) {
        if self.surfaces.is_none() && self.pending.is_none() {
            self.reload(ctx);
        }
    }

    fn context(&self) -> Context {
        Context::Providers
    }

    fn set_area(&mut self, area: Rect) {
        let len = Self::items(&self.entries()).len();
        self.cursor.set_table(area, len);
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        // A secret on screen goes at the next key (it was shown once).
        self.secret = None;
        let len = Self::items(&self.entries()).len();
        match action {
            Action::Refresh => self.reload(ctx),
            Action::NextMode => {
                use crate::gotrue::CustomProviderType as T;
                self.custom_type = match self.custom_type {
                    None => Some(T::OAuth2),
                    Some(T::OAuth2) => Some(T::Oidc),
                    Some(T::Oidc) => None,
                };
                ctx.flash(
                    Level::Info,
                    match self.custom_type {
                        None => "Custom providers: every type".to_owned(),
                        Some(t) => format!(
                            "Custom providers: only {} (?type={})",
                            t.as_str(),
                            t.as_str()
                        ),
                    },
                );
                self.reload(ctx);
            }
            Action::Open => self.shown = !self.shown,
            Action::CopyId => match self.selected() {
                Some(Item::OAuth(c)) => ctx.copy("the client id", c.client_id),
                Some(Item::Sso(p)) => ctx.copy("the provider id", p.id),
                Some(Item::Custom(p)) => ctx.copy("the identifier", p.identifier),
                _ => ctx.flash(Level::Info, "Nothing to copy here"),
            },
            Action::RegenerateSecret if ctx.read_only => {
                ctx.flash(Level::Warn, "Read-only profile: nothing can be changed")
            }
            Action::RegenerateSecret => match self.selected() {
                Some(Item::OAuth(c)) if self.regenerating.is_none() => {
                    let p = ctx.send(ApiCall::RegenerateClientSecret(c.client_id.clone()));
                    self.regenerating = Some((p, c.client_id));
                }
                Some(Item::OAuth(_)) => {}
                _ => ctx.flash(Level::Warn, "Select an OAuth client first"),
            },
            _ => return self.cursor.on_action(action, len),
        }
        true
    }

    fn on_reply(&mut self, id: RequestId, result: Result<ApiReply, GoTrueError>, ctx: &mut Ctx) {
        if let Some((p, client)) = self.regenerating.take_if(|(p, _)| p.is(id)) {
            match p.read(result) {
                Ok(ApiReply::OAuthClient(c)) => match c.client_secret.clone() {
                    Some(secret) => {
                        ctx.copy("the new client secret", secret.expose().to_owned());
                        self.secret = Some((client, secret));
                        self.reload(ctx);
                    }
                    None => ctx.flash(Level::Warn, "GoTrue answered without a secret"),
                },
                Ok(_) => ctx.flash(
                    Level::Error,
                    "Regenerating the secret: an unexpected answer",
                ),
                Err(e) => ctx.flash(Level::Error, format!("Regenerating the secret failed: {e}")),
            }
            return;
        }
        let Some(p) = self.pending.take_if(|p| p.is(id)) else {
            return;
        };
        match p.read(result) {
            Ok(s) => self.surfaces = Some(*s),
            Err(e) => ctx.flash(Level::Error, format!("Loading the providers failed: {e}")),
        }
        let len = Self::items(&self.entries()).len();
        self.cursor.select(self.cursor.selected(), len);
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(" Providers ", theme::title()));
        if self.surfaces.is_none() {
            panel::draw_load_state(
                frame,
                area,
                block,
                panel::LoadState::Loading("Asking GoTrue for its providers…"),
            );
            return;
        }
        let details = self
            .shown
            .then(|| self.selected().map(|i| item_details(&i)))
            .flatten();
        let secret_rows = u16::from(self.secret.is_some()) * 4;
        let detail_rows = details.as_ref().map_or(0, |d| d.len() as u16 + 2);
        let [list_area, secret_area, detail_area] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(secret_rows),
            Constraint::Length(detail_rows),
        ])
        .areas(area);
        let entries = self.entries();
        let items = Self::items(&entries);
        let selected_entry = items.get(self.cursor.selected()).copied();
        let lines: Vec<Line> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| match e {
                Entry::Heading(t) => Line::styled(format!("── {t} "), theme::accent()),
                Entry::Note(t, warn) => Line::styled(
                    format!("  {t}"),
                    if *warn { theme::warn() } else { theme::dim() },
                ),
                Entry::Item(item) => {
                    let line = item_line(item);
                    if Some(i) == selected_entry {
                        line.style(theme::selected())
                    } else {
                        line
                    }
                }
            })
            .collect();
        // Keep the selected row in view.
        let inner_rows = list_area.height.saturating_sub(2) as usize;
        let top = selected_entry
            .map(|s| s.saturating_sub(inner_rows.saturating_sub(1)))
            .unwrap_or(0);
        frame.render_widget(
            Paragraph::new(lines).block(block).scroll((top as u16, 0)),
            list_area,
        );
        if let Some((client, secret)) = &self.secret {
            let text = if view.masked {
                "•••• (masked: * reveals)".to_owned()
            } else {
                secret.expose().to_owned()
            };
            frame.render_widget(
                Paragraph::new(vec![
                    Line::styled(
                        format!(
                            "New secret of {client}, shown once (sent to the clipboard by OSC 52):"
                        ),
                        theme::warn(),
                    ),
                    Line::raw(text),
                    Line::styled(
                        "The old one no longer works. Any key hides this.",
                        theme::dim(),
                    ),
                ])
                .wrap(Wrap { trim: false }),
                secret_area,
            );
        }
        if let Some(d) = details {
            frame.render_widget(
                Paragraph::new(d).block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(Span::styled(" Selected ", theme::title())),
                ),
                detail_area,
            );
        }
    }
}

/// How an item is named in a dialog: "the SSO provider <entity id>", ….
pub fn label(item: &Item) -> String {
    match item {
        Item::Sso(p) => format!(
            "the SSO provider {}",
            p.saml
                .as_ref()
                .map(|s| s.entity_id.as_str())
                .unwrap_or(&p.id)
        ),
        Item::OAuth(c) => format!(
            "the OAuth client {}",
            c.client_name.as_deref().unwrap_or(&c.client_id)
        ),
        Item::Custom(p) => format!("the custom provider {}", p.name),
        Item::Method { name, .. } => format!("the sign-in method {name}"),
    }
}

/// Deleting the selected SSO provider, OAuth client or custom provider: its id typed to
/// confirm, the call, the result; the tab reads them again.
pub struct DeleteItem {
    what: crate::console::command::SurfaceId,
    label: String,
    pending: Option<Pending<ApiReply>>,
    dialog: crate::console::screens::dialog::Dialog,
}

impl DeleteItem {
    /// `None` for an item that cannot be deleted here (a sign-in method).
    pub fn start(item: Item) -> Option<Self> {
        use crate::console::command::SurfaceId;
        let label = label(&item);
        let (what, typed, effect) = match item {
            Item::Sso(p) => (
                SurfaceId::Sso(p.id.clone()),
                p.id,
                "Its users can no longer sign in through it; their accounts stay.",
            ),
            Item::OAuth(c) => (
                SurfaceId::OAuthClient(c.client_id.clone()),
                c.client_id,
                "Apps using it can no longer sign users in or refresh their tokens.",
            ),
            Item::Custom(p) => (
                SurfaceId::Custom(p.identifier.clone()),
                p.identifier,
                "Users who sign in with it can no longer do so; their accounts stay.",
            ),
            Item::Method { .. } => return None,
        };
        use crate::console::screens::dialog::{Dialog, Step};
        let dialog = Dialog::new(
            format!("Delete {label}"),
            Step::Confirm {
                lines: vec![
                    format!("Delete {label}? This cannot be undone."),
                    effect.into(),
                ],
                typed: Some((typed, crate::console::widgets::field::Field::new("id"))),
            },
        )
        .danger();
        Some(Self {
            what,
            label,
            pending: None,
            dialog,
        })
    }
}

impl crate::console::screens::dialog::Flow for DeleteItem {
    fn on_key(
        &mut self,
        key: ratatui::crossterm::event::KeyEvent,
        action: Option<Action>,
        ctx: &mut Ctx,
    ) -> bool {
        use crate::console::screens::dialog::{DialogEvent, Step};
        match self.dialog.on_key(key, action) {
            DialogEvent::Close => false,
            DialogEvent::Confirmed if self.pending.is_none() => {
                self.pending = Some(ctx.send(ApiCall::DeleteSurface(self.what.clone())));
                self.dialog.set_step(Step::Working("Deleting".into()));
                true
            }
            _ => true,
        }
    }

    fn on_paste(&mut self, text: &str) {
        self.dialog.on_paste(text);
    }

    fn on_reply(&mut self, id: RequestId, result: Result<ApiReply, GoTrueError>, ctx: &mut Ctx) {
        let Some(pending) = self.pending.take_if(|p| p.is(id)) else {
            return;
        };
        match pending.read(result) {
            Ok(_) => {
                ctx.effect(crate::console::screens::Effect::ProvidersChanged);
                self.dialog.finish(format!("Deleted {}.", self.label), None);
            }
            Err(e) => self
                .dialog
                .finish(format!("{} was not deleted.", self.label), Some(e)),
        }
    }

    fn is_finished(&self) -> bool {
        self.pending.is_none()
    }

    fn dialog(&self) -> &crate::console::screens::dialog::Dialog {
        &self.dialog
    }
}
