//! "Why can't this user sign in?": one verdict from what the server knows: confirmation,
//! ban, deletion, identities against the providers enabled in `/settings`, MFA factors, the
//! user's recent audit entries, and recent sends (the per-user send rate limit).

use crate::console::command::{ApiCall, ApiReply, Pending, RequestId};
use crate::console::keys::Action;
use crate::console::screens::dialog::{Dialog, DialogEvent, Flow, Step};
use crate::console::screens::{Ctx, Level};
use crate::console::widgets::{theme, time};
use crate::gotrue::{AuditEntry, FactorStatus, GoTrueError, Settings, User, UserId};
use chrono::{DateTime, Duration, Utc};
use ratatui::crossterm::event::KeyEvent;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// GoTrue's default gap between two mails or SMS to one user.
const SEND_GAP_SECS: i64 = 60;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Ok,
    Note,
    Blocks,
}

/// One thing found, and how much it matters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub text: String,
}

fn finding(severity: Severity, text: impl Into<String>) -> Finding {
    Finding {
        severity,
        text: text.into(),
    }
}

/// Everything that bears on signing in, worst first. Pure: the user, the server's settings,
/// the user's recent audit entries and the time.
pub fn diagnose(
    u: &User,
    settings: Option<&Settings>,
    audit: &[AuditEntry],
    now: DateTime<Utc>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(at) = u.deleted_at {
        out.push(finding(
            Severity::Blocks,
            format!(
                "Deleted {} (soft delete): nobody can sign in as this user.",
                time::relative(at, now)
            ),
        ));
    }
    if let Some(until) = u.banned_until.filter(|t| *t > now) {
        out.push(finding(
            Severity::Blocks,
            format!(
                "Banned until {} ({}): sign-in answers user_banned. Lift the ban with u.",
                time::absolute(until),
                time::relative(until, now)
            ),
        ));
    }
    let providers = u.providers();
    let has_email = !u.email.is_empty();
    if has_email && u.email_confirmed_at.is_none() {
        let how = if u.invited_at.is_some() {
            "Invited, never accepted: the invitation link confirms the address (resend it with l)."
        } else if settings.is_some_and(|s| s.mailer_autoconfirm) {
            "Email not confirmed, though this server auto-confirms sign-ups: confirm it with c."
        } else {
            "Email not confirmed: password sign-in answers email_not_confirmed. Resend the confirmation (l) or confirm it (c)."
        };
        out.push(finding(Severity::Blocks, how));
    }
    if !u.phone.is_empty() && u.phone_confirmed_at.is_none() && !has_email {
        out.push(finding(
            Severity::Blocks,
            "Phone not confirmed: sign-in answers phone_not_confirmed.",
        ));
    }
    let sso = u.is_sso_user == Some(true) || providers.iter().any(|p| p.starts_with("sso:"));
    if sso {
        out.push(finding(
            Severity::Note,
            "An SSO (SAML) user: they sign in through their organisation's identity provider, \
             not with a password, a magic link or a code. If that fails, check the SSO provider \
             for their email's domain (its metadata and attribute mapping) and that the identity \
             provider still lets them in.",
        ));
        if settings.is_some_and(|s| !s.saml_enabled) {
            out.push(finding(
                Severity::Blocks,
                "SAML SSO is disabled on this server (/settings): no SSO user can sign in.",
            ));
        }
    }
    if u.is_anonymous == Some(true) {
        out.push(finding(
            Severity::Note,
            "An anonymous user: no email or phone to confirm, by design. Their session is all \
             they have; signed out, they cannot come back unless an email or phone was linked.",
        ));
    }
    if let Some(s) = settings {
        // SSO providers are `sso:<id>`, enabled by SAML as a whole (above).
        for p in providers.iter().filter(|p| !p.starts_with("sso:")) {
            if !s.is_provider_enabled(p) {
                out.push(finding(
                    Severity::Blocks,
                    format!("Signs in with {p}, which is disabled on this server (/settings)."),
                ));
            }
        }
        if s.disable_signup && u.invited_at.is_some() && u.email_confirmed_at.is_none() {
            out.push(finding(
                Severity::Note,
                "Sign-ups are disabled; invitations still work.",
            ));
        }
    }
    let identities = u.identities.as_deref().unwrap_or_default();
    // An anonymous user has no identity by design.
    if identities.is_empty() && u.identities.is_some() && u.is_anonymous != Some(true) {
        out.push(finding(
            Severity::Blocks,
            "No identity at all: no way to sign in until one is added (set an email or phone).",
        ));
    }
    let password_capable = providers.iter().any(|p| p == "email" || p == "phone");
    if !password_capable && !providers.is_empty() && !sso {
        out.push(finding(
            Severity::Note,
            format!(
                "Only {} sign-in: no password; a recovery mail does not help unless an email identity is added.",
                providers.join(", ")
            ),
        ));
    }
    let verified = u
        .factors
        .iter()
        .flatten()
        .filter(|f| f.status == FactorStatus::Verified)
        .count();
    if verified > 0 {
        out.push(finding(
            Severity::Note,
            format!("{verified} verified MFA factor(s): after the password a second factor is asked (aal2). A lost device: remove it with M."),
        ));
    }
    let unverified = u.factors.iter().flatten().count() - verified;
    if unverified > 0 {
        out.push(finding(
            Severity::Note,
            format!(
                "{unverified} unverified factor(s): an enrolment was started and not finished."
            ),
        ));
    }
    for (what, at) in [
        ("A confirmation mail", u.confirmation_sent_at),
        ("A recovery or magic-link mail", u.recovery_sent_at),
        ("An email-change mail", u.email_change_sent_at),
    ] {
        if let Some(at) = at {
            let ago = (now - at).num_seconds();
            if (0..SEND_GAP_SECS).contains(&ago) {
                out.push(finding(
                    Severity::Note,
                    format!(
                        "{what} went out {ago} s ago: another one waits {} s (over_email_send_rate_limit).",
                        SEND_GAP_SECS - ago
                    ),
                ));
            } else if (now - at) < Duration::days(1) {
                out.push(finding(
                    Severity::Ok,
                    format!(
                        "{what} went out {}: check spam, or hand over a link (p, l).",
                        time::relative(at, now)
                    ),
                ));
            }
        }
    }
    let failures: Vec<&AuditEntry> = audit
        .iter()
        .filter(|e| e.created_at.is_some_and(|t| now - t < Duration::days(7)))
        .collect();
    if let Some(last) = failures.iter().find(|e| e.payload.action == "login") {
        out.push(finding(
            Severity::Ok,
            format!(
                "Last successful sign-in in the audit log: {}.",
                last.created_at
                    .map(|t| time::relative(t, now))
                    .unwrap_or_default()
            ),
        ));
    }
    if !audit.is_empty() {
        let actions: Vec<&str> = audit
            .iter()
            .take(5)
            .map(|e| e.payload.action.as_str())
            .collect();
        out.push(finding(
            Severity::Ok,
            format!("Recent audit entries: {}.", actions.join(", ")),
        ));
    }
    if let Some(at) = u.last_sign_in_at {
        out.push(finding(
            Severity::Ok,
            format!("Last sign-in {}.", time::relative(at, now)),
        ));
    } else {
        out.push(finding(Severity::Note, "Has never signed in."));
    }
    out.sort_by_key(|f| std::cmp::Reverse(f.severity));
    out
}

/// What the user's passkeys mean for signing in (none when the server has none of them).
pub fn passkey_finding(count: Option<usize>) -> Option<Finding> {
    match count? {
        0 => None,
        n => Some(finding(
            Severity::Ok,
            format!(
                "{n} passkey(s): they can sign in with one where the app offers passkeys, with no \
                 password or code (K on their page removes a lost one)."
            ),
        )),
    }
}

/// The one-line verdict.
pub fn verdict(findings: &[Finding]) -> (Severity, &'static str) {
    match findings.first().map(|f| f.severity) {
        Some(Severity::Blocks) => (Severity::Blocks, "Cannot sign in."),
        Some(Severity::Note) => (Severity::Note, "Can sign in, with the notes below."),
        _ => (Severity::Ok, "Nothing stands in the way of signing in."),
    }
}

pub struct Diagnose {
    settings: Option<Settings>,
    user: Option<User>,
    audit: Option<Vec<AuditEntry>>,
    user_req: Option<Pending<Box<User>>>,
    audit_req: Option<Pending<Box<crate::gotrue::AuditPage>>>,
    /// How many passkeys, once read (`Some(None)`: the server has none of them, or the
    /// read failed: the verdict does without).
    passkeys: Option<Option<usize>>,
    passkeys_req: Option<Pending<crate::gotrue::Availability<Vec<crate::gotrue::Passkey>>>>,
    now: DateTime<Utc>,
    dialog: Dialog,
}

impl Diagnose {
    pub fn start(id: UserId, email: &str, settings: Option<Settings>, ctx: &mut Ctx) -> Self {
        let user_req = Some(ctx.send(ApiCall::GetUser(id)));
        // The audit log's author: query matches the actor's email (or phone).
        let audit_req = (!email.is_empty()).then(|| {
            ctx.send(ApiCall::Audit {
                page: 1,
                per_page: 20,
                query: Some(format!("author:{email}")),
            })
        });
        let passkeys_req = Some(ctx.send(ApiCall::Passkeys(id)));
        Self {
            passkeys: None,
            passkeys_req,
            settings,
            user: None,
            audit: audit_req.is_none().then(Vec::new),
            user_req,
            audit_req,
            now: ctx.now,
            dialog: Dialog::new(
                "Why can't this user sign in?",
                Step::Working("Asking GoTrue".into()),
            ),
        }
    }

    fn show(&mut self) {
        let (Some(u), Some(audit), Some(passkeys)) = (&self.user, &self.audit, self.passkeys)
        else {
            return;
        };
        let mut findings = diagnose(u, self.settings.as_ref(), audit, self.now);
        findings.extend(passkey_finding(passkeys));
        findings.sort_by_key(|f| std::cmp::Reverse(f.severity));
        let (severity, headline) = verdict(&findings);
        let style = |s: Severity| -> Style {
            match s {
                Severity::Blocks => theme::danger(),
                Severity::Note => theme::warn(),
                Severity::Ok => theme::ok(),
            }
        };
        let mut lines = vec![
            Line::from(vec![
                Span::raw(format!("{}: ", u.display_name())),
                Span::styled(headline, style(severity)),
            ]),
            Line::raw(""),
        ];
        for f in &findings {
            let mark = match f.severity {
                Severity::Blocks => "✗ ",
                Severity::Note => "! ",
                Severity::Ok => "✓ ",
            };
            lines.push(Line::from(vec![
                Span::styled(mark, style(f.severity)),
                Span::raw(f.text.clone()),
            ]));
        }
        self.dialog.title = format!("Diagnose {}", u.display_name());
        self.dialog.set_step(Step::Done { lines, copy: None });
    }
}

impl Flow for Diagnose {
    fn on_key(&mut self, key: KeyEvent, action: Option<Action>, _ctx: &mut Ctx) -> bool {
        !matches!(self.dialog.on_key(key, action), DialogEvent::Close)
    }

    fn on_paste(&mut self, _text: &str) {}

    fn on_reply(&mut self, id: RequestId, result: Result<ApiReply, GoTrueError>, ctx: &mut Ctx) {
        if let Some(req) = self.user_req.filter(|p| p.is(id)) {
            self.user_req = None;
            match req.read(result) {
                Ok(u) => self.user = Some(*u),
                Err(e) => {
                    ctx.flash(Level::Error, format!("Diagnose: {e}"));
                    self.dialog.set_step(Step::Done {
                        lines: vec![Line::styled(
                            "The user could not be loaded.",
                            theme::danger(),
                        )],
                        copy: None,
                    });
                    self.dialog.error = Some(e);
                    return;
                }
            }
        } else if let Some(req) = self.passkeys_req.take_if(|p| p.is(id)) {
            self.passkeys = Some(match req.read(result) {
                Ok(crate::gotrue::Availability::Available(list)) => Some(list.len()),
                _ => None,
            });
        } else if let Some(req) = self.audit_req.filter(|p| p.is(id)) {
            self.audit_req = None;
            // Without the audit log the verdict still stands on the user alone.
            self.audit = Some(req.read(result).map(|p| p.entries).unwrap_or_default());
        }
        self.show();
    }

    fn is_finished(&self) -> bool {
        matches!(self.dialog.step, Step::Done { .. })
    }

    fn dialog(&self) -> &Dialog {
        &self.dialog
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn user(extra: serde_json::Value) -> User {
        let mut v = json!({
            "id": "00000000-0000-4000-8000-000000000001",
            "email": "ada@example.com", "phone": "",
            "email_confirmed_at": "2025-01-01T00:00:00Z",
            "last_sign_in_at": "2025-12-31T00:00:00Z",
            "app_metadata": {"provider": "email", "providers": ["email"]},
            "identities": [{"id": "x", "provider": "email", "identity_data": {}}]
        });
        if let (Some(base), Some(more)) = (v.as_object_mut(), extra.as_object()) {
            for (k, val) in more {
                base.insert(k.clone(), val.clone());
            }
        }
        serde_json::from_value(v).unwrap()
    }

    fn settings(github: bool) -> Settings {
        serde_json::from_value(json!({"external": {"email": true, "github": github}})).unwrap()
    }

    #[test]
    fn a_healthy_user_can_sign_in() {
        let f = diagnose(&user(json!({})), Some(&settings(true)), &[], now());
        assert_eq!(verdict(&f).0, Severity::Ok, "{f:?}");
    }

    #[test]
    fn bans_unconfirmed_emails_and_disabled_providers_block() {
        let u = user(json!({"banned_until": "2026-02-01T00:00:00Z"}));
        let f = diagnose(&u, None, &[], now());
        assert_eq!(verdict(&f).0, Severity::Blocks);
        assert!(f[0].text.contains("Banned until"));

        let u = user(json!({"email_confirmed_at": null}));
        let f = diagnose(&u, None, &[], now());
        assert!(f[0].text.contains("email_not_confirmed"), "{f:?}");

        let u = user(json!({"app_metadata": {"provider": "github", "providers": ["github"]}}));
        let f = diagnose(&u, Some(&settings(false)), &[], now());
        assert!(
            f.iter()
                .any(|x| x.severity == Severity::Blocks && x.text.contains("github")),
            "{f:?}"
        );
        // An expired ban is no ban.
        let u = user(json!({"banned_until": "2025-01-01T00:00:00Z"}));
        assert_eq!(verdict(&diagnose(&u, None, &[], now())).0, Severity::Ok);
    }

    #[test]
    fn an_sso_user_is_explained_and_their_provider_is_not_called_disabled() {
        let u = user(json!({
            "is_sso_user": true,
            "app_metadata": {"provider": "sso:7c3e", "providers": ["sso:7c3e"]},
            "identities": [{"id": "x", "provider": "sso:7c3e", "identity_data": {}}]
        }));
        let mut s = settings(true);
        s.saml_enabled = true;
        let f = diagnose(&u, Some(&s), &[], now());
        assert_eq!(verdict(&f).0, Severity::Note, "{f:?}");
        assert!(
            f.iter().any(|x| x.text.contains("An SSO (SAML) user")),
            "{f:?}"
        );
        assert!(!f.iter().any(|x| x.text.contains("disabled")), "{f:?}");
        s.saml_enabled = false;
        let f = diagnose(&u, Some(&s), &[], now());
        assert_eq!(verdict(&f).0, Severity::Blocks, "{f:?}");
        assert!(f[0].text.contains("SAML SSO is disabled"), "{f:?}");
    }

    #[test]
    fn an_anonymous_user_is_not_told_to_confirm() {
        let u = user(json!({
            "is_anonymous": true, "email": "", "email_confirmed_at": null,
            "app_metadata": {}, "identities": []
        }));
        let f = diagnose(&u, None, &[], now());
        assert!(
            f.iter().any(|x| x.text.contains("An anonymous user")),
            "{f:?}"
        );
        assert!(!f.iter().any(|x| x.text.contains("not confirmed")), "{f:?}");
        assert_ne!(verdict(&f).0, Severity::Blocks, "{f:?}");
    }

    #[test]
    fn passkeys_are_counted_and_none_says_nothing() {
        let f = passkey_finding(Some(2)).expect("a finding");
        assert!(f.text.starts_with("2 passkey(s)"), "{f:?}");
        assert_eq!(f.severity, Severity::Ok);
        assert!(passkey_finding(Some(0)).is_none());
        assert!(passkey_finding(None).is_none(), "a server without passkeys");
    }

    #[test]
    fn a_recent_send_explains_the_rate_limit() {
        let u = user(json!({"recovery_sent_at": "2026-01-01T11:59:40Z"}));
        let f = diagnose(&u, None, &[], now());
        assert!(
            f.iter()
                .any(|x| x.text.contains("20 s ago") && x.text.contains("40 s")),
            "{f:?}"
        );
    }
}
