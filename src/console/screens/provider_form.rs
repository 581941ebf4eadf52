//! Creating and updating the Providers tab's items: SSO (SAML) providers, OAuth server
//! clients and custom OAuth/OIDC providers. One form per kind; an update opens on what GoTrue
//! holds and sends only the fields that changed. What can be checked here (a list, a JSON
//! object, yes or no, an https metadata URL, the one-of rules GoTrue enforces) is checked
//! before anything is sent; GoTrue's refusal keeps the form as typed. A newly registered
//! OAuth client's secret goes to the clipboard and never to the screen.

use crate::console::command::{ApiCall, ApiReply, Pending, RequestId, SavedSurface, SurfaceWrite};
use crate::console::keys::Action;
use crate::console::screens::dialog::{Choice, Dialog, DialogEvent, Flow, Step};
use crate::console::screens::providers::{Item, label};
use crate::console::screens::{Ctx, Effect};
use crate::console::widgets::field::Field;
use crate::console::widgets::theme;
use crate::gotrue::{
    CustomProviderParams, CustomProviderType, GoTrueError, OAuthClientParams, Secret,
    SsoProviderParams,
};
use ratatui::crossterm::event::KeyEvent;
use ratatui::text::Line;

/// What a form makes or changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sso,
    OAuth,
    Custom(CustomProviderType),
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Sso => "SSO provider",
            Kind::OAuth => "OAuth client",
            Kind::Custom(CustomProviderType::OAuth2) => "custom OAuth2 provider",
            Kind::Custom(CustomProviderType::Oidc) => "custom OIDC provider",
        }
    }

    /// The kind of an item, for `n` on it (a new one of the same kind) and `e`.
    pub fn of(item: &Item) -> Option<Kind> {
        match item {
            Item::Sso(_) => Some(Kind::Sso),
            Item::OAuth(_) => Some(Kind::OAuth),
            Item::Custom(p) if p.provider_type == "oidc" => {
                Some(Kind::Custom(CustomProviderType::Oidc))
            }
            Item::Custom(_) => Some(Kind::Custom(CustomProviderType::OAuth2)),
            Item::Method { .. } => None,
        }
    }

    const ALL: [Kind; 4] = [
        Kind::Sso,
        Kind::OAuth,
        Kind::Custom(CustomProviderType::OAuth2),
        Kind::Custom(CustomProviderType::Oidc),
    ];
}

/// One field of a form: its label, a placeholder, whether it is masked, and whether an
/// update may change it (an OAuth client's type and a custom provider's identifier cannot).
struct Spec {
    label: &'static str,
    placeholder: &'static str,
    masked: bool,
    on_update: bool,
}

const fn f(label: &'static str, placeholder: &'static str) -> Spec {
    Spec {
        label,
        placeholder,
        masked: false,
        on_update: true,
    }
}

const fn create_only(label: &'static str, placeholder: &'static str) -> Spec {
    Spec {
        label,
        placeholder,
        masked: false,
        on_update: false,
    }
}

const SSO: &[Spec] = &[
    f("metadata URL", "https://idp.example.com/saml/metadata"),
    f("metadata XML", "or paste the IdP's metadata XML"),
    f("domains", "example.com, example.org"),
    f("attr. mapping", r#"{"keys":{"email":{"name":"mail"}}}"#),
    f(
        "name id format",
        "persistent|emailAddress|transient|unspecified",
    ),
    f("resource id", "(optional)"),
    f("disabled", "no"),
];
const SSO_URL: usize = 0;
const SSO_XML: usize = 1;
const SSO_DOMAINS: usize = 2;
const SSO_MAPPING: usize = 3;
const SSO_NAME_ID: usize = 4;
const SSO_RESOURCE: usize = 5;
const SSO_DISABLED: usize = 6;

const OAUTH: &[Spec] = &[
    f("client name", "My app"),
    f(
        "redirect URIs",
        "https://app.example.com/callback (space-separated)",
    ),
    f("client URI", "https://app.example.com"),
    f("logo URI", "(optional)"),
    f("grant types", "authorization_code refresh_token"),
    create_only("client type", "confidential|public"),
    f("auth method", "client_secret_basic|client_secret_post|none"),
];
const OA_NAME: usize = 0;
const OA_REDIRECTS: usize = 1;
const OA_URI: usize = 2;
const OA_LOGO: usize = 3;
const OA_GRANTS: usize = 4;
const OA_TYPE: usize = 5;
const OA_METHOD: usize = 6;

/// A custom provider's fields; which URL fields show depends on the type.
const CUSTOM_COMMON: &[Spec] = &[
    create_only("identifier", "custom:acme"),
    f("name", "Acme"),
    f("client id", ""),
    Spec {
        label: "client secret",
        placeholder: "(unchanged when empty)",
        masked: true,
        on_update: true,
    },
    f("scopes", "openid email profile"),
    f("PKCE", "yes"),
    f("enabled", "yes"),
];
const CU_IDENTIFIER: usize = 0;
const CU_NAME: usize = 1;
const CU_CLIENT_ID: usize = 2;
const CU_SECRET: usize = 3;
const CU_SCOPES: usize = 4;
const CU_PKCE: usize = 5;
const CU_ENABLED: usize = 6;
const CUSTOM_OIDC: &[Spec] = &[f("issuer", "https://id.example.com")];
const CUSTOM_OAUTH2: &[Spec] = &[
    f("authorize URL", "https://id.example.com/oauth/authorize"),
    f("token URL", "https://id.example.com/oauth/token"),
    f("userinfo URL", "https://id.example.com/userinfo"),
];

fn specs(kind: Kind) -> Vec<&'static Spec> {
    match kind {
        Kind::Sso => SSO.iter().collect(),
        Kind::OAuth => OAUTH.iter().collect(),
        Kind::Custom(t) => CUSTOM_COMMON
            .iter()
            .chain(match t {
                CustomProviderType::Oidc => CUSTOM_OIDC.iter(),
                CustomProviderType::OAuth2 => CUSTOM_OAUTH2.iter(),
            })
            .collect(),
    }
}

/// The SAML NameID formats GoTrue takes, by their short names.
const NAME_ID_FORMATS: [(&str, &str); 4] = [
    (
        "persistent",
        "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
    ),
    (
        "emailAddress",
        "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    ),
    (
        "transient",
        "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
    ),
    (
        "unspecified",
        "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    ),
];

fn short_name_id(urn: &str) -> String {
    NAME_ID_FORMATS
        .iter()
        .find(|(_, u)| *u == urn)
        .map(|(s, _)| (*s).to_owned())
        .unwrap_or_else(|| urn.to_owned())
}

fn name_id(value: &str) -> Result<String, String> {
    let v = match value.trim() {
        "email" => "emailAddress",
        v => v,
    };
    NAME_ID_FORMATS
        .iter()
        .find(|(s, u)| s.eq_ignore_ascii_case(v) || *u == v)
        .map(|(_, u)| (*u).to_owned())
        .ok_or_else(|| {
            format!("name id format: one of persistent, emailAddress, transient, unspecified (not {v:?})")
        })
}

/// A list typed as words separated by spaces or commas.
fn list(value: &str) -> Vec<String> {
    value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn yes_no(label: &str, value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "on" | "1" => Ok(true),
        "no" | "n" | "false" | "off" | "0" => Ok(false),
        other => Err(format!("{label}: yes or no (not {other:?})")),
    }
}

fn yes(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

/// `Some` when the field changed from what the form opened with (always on a create).
fn changed<'a>(values: &'a [String], initial: &[String], i: usize) -> Option<&'a str> {
    let v = values.get(i).map(String::as_str).unwrap_or("");
    (initial.get(i).map(String::as_str) != Some(v)).then_some(v)
}

/// A text field: `None` when unchanged; an update may clear it (`Some("")`); a create leaves
/// an empty one out.
fn text(values: &[String], initial: &[String], i: usize, update: bool) -> Option<String> {
    let v = changed(values, initial, i)?.trim();
    (update || !v.is_empty()).then(|| v.to_owned())
}

/// What the form's values ask GoTrue to do, or why they cannot be sent.
fn write(
    kind: Kind,
    id: Option<&str>,
    values: &[String],
    initial: &[String],
) -> Result<SurfaceWrite, String> {
    let update = id.is_some();
    let value = |i: usize| values.get(i).map(|s| s.trim()).unwrap_or("");
    let w = match kind {
        Kind::Sso => {
            let url = text(values, initial, SSO_URL, false);
            let xml = text(values, initial, SSO_XML, false);
            if value(SSO_URL).is_empty() && value(SSO_XML).is_empty() && !update {
                return Err("Give the IdP's metadata: its URL or its XML".into());
            }
            if url.is_some() && xml.is_some() {
                return Err("Give one of metadata URL and metadata XML, not both".into());
            }
            if let Some(u) = &url
                && !u.starts_with("https://")
            {
                return Err("metadata URL: GoTrue fetches it over https only".into());
            }
            if let Some(x) = &xml
                && !x.starts_with('<')
            {
                return Err(
                    "metadata XML: paste the XML document itself (it starts with <)".into(),
                );
            }
            let mapping = match changed(values, initial, SSO_MAPPING).map(str::trim) {
                None => None,
                Some("") => Some(serde_json::json!({})),
                Some(m) => match serde_json::from_str::<serde_json::Value>(m) {
                    Ok(v) if v.is_object() => Some(v),
                    Ok(_) => return Err("attr. mapping: a JSON object, like {\"keys\":{…}}".into()),
                    Err(e) => return Err(format!("attr. mapping: not JSON ({e})")),
                },
            };
            let name_id_format = match text(values, initial, SSO_NAME_ID, update) {
                Some(v) if v.is_empty() => Some(v),
                Some(v) => Some(name_id(&v)?),
                None => None,
            };
            let disabled = match changed(values, initial, SSO_DISABLED) {
                Some(v) if !v.trim().is_empty() || update => Some(yes_no("disabled", v)?),
                _ => None,
            };
            let p = SsoProviderParams {
                provider_type: (!update).then(|| "saml".to_owned()),
                metadata_url: url,
                metadata_xml: xml,
                domains: changed(values, initial, SSO_DOMAINS).map(list),
                attribute_mapping: mapping,
                name_id_format,
                resource_id: text(values, initial, SSO_RESOURCE, update),
                disabled,
            };
            match id {
                Some(id) => SurfaceWrite::UpdateSso(id.to_owned(), p),
                None => SurfaceWrite::CreateSso(p),
            }
        }
        Kind::OAuth => {
            let redirects = changed(values, initial, OA_REDIRECTS).map(list);
            if redirects.as_ref().is_some_and(Vec::is_empty)
                || (!update && value(OA_REDIRECTS).is_empty())
            {
                return Err("redirect URIs: at least one".into());
            }
            let client_type = if update {
                None
            } else {
                match value(OA_TYPE) {
                    "" => None,
                    t @ ("confidential" | "public") => Some(t.to_owned()),
                    t => return Err(format!("client type: confidential or public (not {t:?})")),
                }
            };
            let grants = changed(values, initial, OA_GRANTS)
                .map(list)
                .filter(|g| update || !g.is_empty());
            let p = OAuthClientParams {
                client_name: text(values, initial, OA_NAME, update),
                redirect_uris: redirects,
                client_uri: text(values, initial, OA_URI, update),
                logo_uri: text(values, initial, OA_LOGO, update),
                grant_types: grants,
                client_type,
                token_endpoint_auth_method: text(values, initial, OA_METHOD, false),
            };
            match id {
                Some(id) => SurfaceWrite::UpdateOAuth(id.to_owned(), p),
                None => SurfaceWrite::RegisterOAuth(p),
            }
        }
        Kind::Custom(t) => {
            let identifier = value(CU_IDENTIFIER);
            if !update && !identifier.starts_with("custom:") {
                return Err("identifier: custom:<name>, like custom:acme".into());
            }
            let secret = value(CU_SECRET);
            if !update && (value(CU_CLIENT_ID).is_empty() || secret.is_empty()) {
                return Err("client id and client secret: both are needed".into());
            }
            let flag = |i: usize, label: &str| match changed(values, initial, i) {
                Some(v) if !v.trim().is_empty() => yes_no(label, v).map(Some),
                _ => Ok(None),
            };
            let url = |i: usize| text(values, initial, CU_ENABLED + 1 + i, update);
            let (issuer, authorize, token, userinfo) = match t {
                CustomProviderType::Oidc => (url(0), None, None, None),
                CustomProviderType::OAuth2 => (None, url(0), url(1), url(2)),
            };
            let p = CustomProviderParams {
                provider_type: (!update).then(|| t.as_str().to_owned()),
                identifier: (!update).then(|| identifier.to_owned()),
                name: text(values, initial, CU_NAME, update),
                client_id: text(values, initial, CU_CLIENT_ID, update),
                client_secret: (!secret.is_empty()).then(|| Secret::new(secret.to_owned())),
                scopes: changed(values, initial, CU_SCOPES).map(list),
                pkce_enabled: flag(CU_PKCE, "PKCE")?,
                enabled: flag(CU_ENABLED, "enabled")?,
                issuer,
                authorization_url: authorize,
                token_url: token,
                userinfo_url: userinfo,
            };
            match id {
                Some(id) => SurfaceWrite::UpdateCustom(id.to_owned(), p),
                None => SurfaceWrite::CreateCustom(p),
            }
        }
    };
    if update && w == unchanged(&w) {
        return Err("Nothing changed".into());
    }
    Ok(w)
}

/// The same write with nothing set: what an update that changes nothing looks like.
fn unchanged(w: &SurfaceWrite) -> SurfaceWrite {
    match w {
        SurfaceWrite::UpdateSso(id, _) => SurfaceWrite::UpdateSso(id.clone(), Default::default()),
        SurfaceWrite::UpdateOAuth(id, _) => {
            SurfaceWrite::UpdateOAuth(id.clone(), Default::default())
        }
        SurfaceWrite::UpdateCustom(id, _) => {
            SurfaceWrite::UpdateCustom(id.clone(), Default::default())
        }
        other => other.clone(),
    }
}

/// The values an update's form opens with: what GoTrue holds.
fn initial_values(item: &Item) -> Vec<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    match item {
        Item::Sso(p) => {
            let saml = p.saml.clone().unwrap_or_default();
            vec![
                opt(&saml.metadata_url),
                // The XML stays where it is unless some is pasted.
                String::new(),
                p.domains
                    .iter()
                    .map(|d| d.domain.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
                saml.attribute_mapping
                    .filter(|m| m.as_object().is_some_and(|o| !o.is_empty()))
                    .map(|m| m.to_string())
                    .unwrap_or_default(),
                saml.name_id_format
                    .as_deref()
                    .map(short_name_id)
                    .unwrap_or_default(),
                opt(&p.resource_id),
                yes(p.disabled == Some(true)),
            ]
        }
        Item::OAuth(c) => vec![
            opt(&c.client_name),
            c.redirect_uris.join(" "),
            opt(&c.client_uri),
            opt(&c.logo_uri),
            c.grant_types.join(" "),
            opt(&c.client_type),
            opt(&c.token_endpoint_auth_method),
        ],
        Item::Custom(p) => {
            let mut v = vec![
                p.identifier.clone(),
                p.name.clone(),
                p.client_id.clone(),
                String::new(),
                p.scopes.join(" "),
                yes(p.pkce_enabled),
                yes(p.enabled),
            ];
            if p.provider_type == "oidc" {
                v.push(opt(&p.issuer));
            } else {
                v.extend([
                    opt(&p.authorization_url),
                    opt(&p.token_url),
                    opt(&p.userinfo_url),
                ]);
            }
            v
        }
        Item::Method { .. } => Vec::new(),
    }
}

/// The id an update's route takes.
fn route_id(item: &Item) -> Option<String> {
    match item {
        Item::Sso(p) => Some(p.id.clone()),
        Item::OAuth(c) => Some(c.client_id.clone()),
        Item::Custom(p) => Some(p.identifier.clone()),
        Item::Method { .. } => None,
    }
}

pub struct SurfaceForm {
    /// `None` while the kind is being chosen.
    kind: Option<Kind>,
    /// The item an update changes, with the id its route takes.
    editing: Option<(Item, String)>,
    values: Vec<String>,
    initial: Vec<String>,
    dialog: Dialog,
    pending: Option<Pending<Box<SavedSurface>>>,
    /// The field in focus when the form was sent: a refusal returns to it.
    focus: usize,
}

impl SurfaceForm {
    /// A new item: the kind is asked first, the one given preselected.
    pub fn create(preselect: Option<Kind>) -> Self {
        let options = vec![
            Choice::new('s', "SSO provider (SAML 2.0)", 0),
            Choice::new('o', "OAuth server client", 1),
            Choice::new('2', "custom OAuth2 provider", 2),
            Choice::new('i', "custom OIDC provider", 3),
        ];
        let mut step = Dialog::choose("What to add?", options);
        if let (Step::Choose { selected, .. }, Some(k)) = (&mut step, preselect) {
            *selected = Kind::ALL.iter().position(|x| *x == k).unwrap_or(0);
        }
        Self {
            kind: None,
            editing: None,
            values: Vec::new(),
            initial: Vec::new(),
            dialog: Dialog::new("New provider", step),
            pending: None,
            focus: 0,
        }
    }

    /// The form of an update, on what GoTrue holds; `None` for a sign-in method.
    pub fn edit(item: Item) -> Option<Self> {
        let kind = Kind::of(&item)?;
        let id = route_id(&item)?;
        let initial = initial_values(&item);
        let mut s = Self {
            kind: Some(kind),
            values: initial.clone(),
            initial,
            dialog: Dialog::new(
                format!("Edit {}", label(&item)),
                Step::Working(String::new()),
            ),
            editing: Some((item, id)),
            pending: None,
            focus: 0,
        };
        s.show_form(None);
        Some(s)
    }

    fn show_form(&mut self, note: Option<String>) {
        let Some(kind) = self.kind else {
            return;
        };
        let update = self.editing.is_some();
        let fields = specs(kind)
            .into_iter()
            .enumerate()
            .filter(|(_, s)| !update || s.on_update)
            .map(|(i, s)| {
                let mut field = Field::new(s.label).placeholder(s.placeholder);
                if update && kind == Kind::Sso && i == SSO_XML {
                    field = field.placeholder("(kept; paste new XML of the same entity id)");
                }
                if s.masked {
                    field = field.masked();
                    if !update {
                        // Needed on a create; only an edit keeps the old one.
                        field = field.placeholder("");
                    }
                }
                field.set(self.values.get(i).cloned().unwrap_or_default());
                field
            })
            .collect();
        let prompt = if update {
            "Change what needs changing; only what changed is sent."
        } else {
            "Empty fields are left to GoTrue's defaults."
        };
        if !update {
            self.dialog.title = format!("New {}", kind.noun());
        }
        let mut step = Dialog::form(prompt, fields);
        if let Step::Form { focus, fields, .. } = &mut step {
            *focus = self.focus.min(fields.len().saturating_sub(1));
        }
        self.dialog.set_step(step);
        self.dialog.note = note;
    }

    /// The form's values in spec order (an update's form hides the fields it cannot change:
    /// they keep what the form opened with).
    fn full_values(&self, shown: Vec<String>) -> Vec<String> {
        let Some(kind) = self.kind else {
            return shown;
        };
        let update = self.editing.is_some();
        let mut shown = shown.into_iter();
        specs(kind)
            .into_iter()
            .enumerate()
            .map(|(i, s)| {
                if update && !s.on_update {
                    self.initial.get(i).cloned().unwrap_or_default()
                } else {
                    shown.next().unwrap_or_default()
                }
            })
            .collect()
    }

    fn submitted(&mut self, shown: Vec<String>, ctx: &mut Ctx) {
        let Some(kind) = self.kind else {
            return;
        };
        if let Step::Form { focus, .. } = &self.dialog.step {
            self.focus = *focus;
        }
        self.values = self.full_values(shown);
        let id = self.editing.as_ref().map(|(_, id)| id.as_str());
        match write(kind, id, &self.values, &self.initial) {
            // The form stays as it is, the field in focus too.
            Err(why) => self.dialog.note = Some(why),
            Ok(w) => {
                self.pending = Some(ctx.send(ApiCall::SaveSurface(Box::new(w))));
                self.dialog.set_step(Step::Working("Saving".into()));
            }
        }
    }

    fn saved(&mut self, saved: SavedSurface, ctx: &mut Ctx) {
        ctx.effect(Effect::ProvidersChanged);
        let verb = if self.editing.is_some() {
            "Saved"
        } else {
            "Created"
        };
        let mut lines = Vec::new();
        let mut copy = None;
        match saved {
            SavedSurface::Sso(p) => {
                let entity = p
                    .saml
                    .as_ref()
                    .map(|s| s.entity_id.clone())
                    .unwrap_or_default();
                lines.push(format!("{verb} the SSO provider {entity}."));
                lines.push(format!("id {}", p.id));
                let domains: Vec<&str> = p.domains.iter().map(|d| d.domain.as_str()).collect();
                lines.push(if domains.is_empty() {
                    "No domains: users reach it only by its id".into()
                } else {
                    format!("Users of {} sign in through it.", domains.join(", "))
                });
            }
            SavedSurface::OAuth(c) => {
                let name = c.client_name.clone().unwrap_or_else(|| "(unnamed)".into());
                let verb = if self.editing.is_some() {
                    "Saved"
                } else {
                    "Registered"
                };
                lines.push(format!("{verb} the OAuth client {name}."));
                lines.push(format!("client id {}", c.client_id));
                match c.client_secret {
                    Some(secret) => {
                        ctx.copy("the new client secret", secret.expose().to_owned());
                        lines.push(
                            "Its secret went to the clipboard (OSC 52); GoTrue shows it only now."
                                .into(),
                        );
                        copy = Some(secret.expose().to_owned());
                    }
                    None if self.editing.is_none() => {
                        lines.push("A public client: it has no secret.".into());
                    }
                    None => {}
                }
            }
            SavedSurface::Custom(p) => {
                lines.push(format!(
                    "{verb} the custom provider {} ({}).",
                    p.name, p.identifier
                ));
                lines.push(if p.enabled {
                    format!("Users can sign in with provider={}.", p.identifier)
                } else {
                    "It is disabled: nobody signs in with it yet.".into()
                });
            }
        }
        let mut styled: Vec<Line<'static>> = Vec::new();
        for (i, l) in lines.into_iter().enumerate() {
            styled.push(if i == 0 {
                Line::styled(l, theme::ok())
            } else {
                Line::raw(l)
            });
        }
        self.dialog.set_step(Step::Done {
            lines: styled,
            copy: copy.clone(),
        });
        if copy.is_some() {
            self.dialog.copy_label = Some("the secret again");
        }
    }
}

impl Flow for SurfaceForm {
    fn on_key(&mut self, key: KeyEvent, action: Option<Action>, ctx: &mut Ctx) -> bool {
        match self.dialog.on_key(key, action) {
            DialogEvent::Close => false,
            DialogEvent::Chosen(i) => {
                self.kind = Kind::ALL.get(usize::from(i)).copied();
                self.values = Vec::new();
                self.focus = 0;
                self.show_form(None);
                true
            }
            DialogEvent::Submitted(values) if self.pending.is_none() => {
                self.submitted(values, ctx);
                true
            }
            DialogEvent::Copy(text) => {
                ctx.copy("the client secret", text);
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
            Ok(saved) => self.saved(*saved, ctx),
            Err(e) => {
                // Back to the form as typed, with GoTrue's word under it.
                self.show_form(None);
                self.dialog.error = Some(e);
            }
        }
    }

    fn is_finished(&self) -> bool {
        self.pending.is_none()
    }

    fn dialog(&self) -> &Dialog {
        &self.dialog
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vals(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn an_sso_provider_needs_its_metadata_one_way() {
        let blank = vals(&["", "", "", "", "", "", ""]);
        assert!(write(Kind::Sso, None, &blank, &[]).is_err());
        let both = vals(&["https://idp/x", "<x/>", "", "", "", "", ""]);
        assert!(
            write(Kind::Sso, None, &both, &[])
                .unwrap_err()
                .contains("not both")
        );
        let http = vals(&["http://idp/x", "", "", "", "", "", ""]);
        assert!(
            write(Kind::Sso, None, &http, &[])
                .unwrap_err()
                .contains("https")
        );
        let ok = vals(&["", "<md/>", "a.com, b.com", "", "email", "", ""]);
        let Ok(SurfaceWrite::CreateSso(p)) = write(Kind::Sso, None, &ok, &[]) else {
            panic!("a valid create")
        };
        assert_eq!(p.provider_type.as_deref(), Some("saml"));
        assert_eq!(
            p.domains,
            Some(vec!["a.com".to_owned(), "b.com".to_owned()])
        );
        assert_eq!(
            p.name_id_format.as_deref(),
            Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress")
        );
        assert_eq!(p.metadata_url, None);
        assert_eq!(p.disabled, None);
    }

    #[test]
    fn an_update_sends_only_what_changed() {
        let initial = vals(&["https://idp/m", "", "a.com", "", "", "", "no"]);
        let mut v = initial.clone();
        assert_eq!(
            write(Kind::Sso, Some("id"), &v, &initial),
            Err("Nothing changed".into())
        );
        v[SSO_DOMAINS] = "a.com b.com".into();
        v[SSO_DISABLED] = "yes".into();
        let Ok(SurfaceWrite::UpdateSso(id, p)) = write(Kind::Sso, Some("id"), &v, &initial) else {
            panic!("an update")
        };
        assert_eq!(id, "id");
        assert_eq!(
            p,
            SsoProviderParams {
                domains: Some(vec!["a.com".into(), "b.com".into()]),
                disabled: Some(true),
                ..Default::default()
            }
        );
    }

    #[test]
    fn an_oauth_client_needs_a_redirect_and_a_known_type() {
        let none = vals(&["App", "", "", "", "", "", ""]);
        assert!(write(Kind::OAuth, None, &none, &[]).is_err());
        let bad = vals(&["App", "https://a/cb", "", "", "", "secret", ""]);
        assert!(
            write(Kind::OAuth, None, &bad, &[])
                .unwrap_err()
                .contains("client type")
        );
        let ok = vals(&[
            "App",
            "https://a/cb, https://b/cb",
            "",
            "",
            "",
            "public",
            "none",
        ]);
        let Ok(SurfaceWrite::RegisterOAuth(p)) = write(Kind::OAuth, None, &ok, &[]) else {
            panic!("a valid register")
        };
        assert_eq!(p.redirect_uris.map(|r| r.len()), Some(2));
        assert_eq!(p.client_type.as_deref(), Some("public"));
        assert_eq!(p.client_uri, None);
    }

    #[test]
    fn a_custom_provider_keeps_its_secret_unless_one_is_typed() {
        let t = CustomProviderType::Oidc;
        let initial = vals(&[
            "custom:acme",
            "Acme",
            "cid",
            "",
            "openid",
            "yes",
            "yes",
            "https://i",
        ]);
        let mut v = initial.clone();
        v[CU_ENABLED] = "no".into();
        let Ok(SurfaceWrite::UpdateCustom(id, p)) =
            write(Kind::Custom(t), Some("custom:acme"), &v, &initial)
        else {
            panic!("an update")
        };
        assert_eq!(id, "custom:acme");
        assert_eq!(p.client_secret, None);
        assert_eq!(p.enabled, Some(false));
        assert_eq!(p.identifier, None);
        let create = vals(&["acme", "Acme", "cid", "s3cret", "", "", "", "https://i"]);
        assert!(
            write(Kind::Custom(t), None, &create, &[])
                .unwrap_err()
                .contains("custom:")
        );
    }
}
