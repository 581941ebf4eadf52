//! What admins and support staff do to a user: create, ban and unban, delete, password help,
//! links and codes, confirm, rename or remove MFA factors. Each runs in a dialog and ends in a result
//! that names the user and what changed; a failure keeps what was typed and shows GoTrue's
//! code and message.

use crate::console::command::{ApiCall, ApiReply, Pending, RequestId};
use crate::console::keys::Action;
use crate::console::screens::dialog::{Choice, Dialog, DialogEvent, Flow, Step};
use crate::console::screens::{Ctx, Effect, Level};
use crate::console::widgets::field::Field;
use crate::console::widgets::{theme, time};
use crate::gotrue::{
    AdminUserAttributes, BanDuration, Credential, ErrorKind, Factor, FactorType,
    GenerateLinkRequest, GoTrueError, LinkType, ResendType, Secret, User, UserId,
};
use chrono::{DateTime, NaiveDate, Utc};
use ratatui::crossterm::event::KeyEvent;
use ratatui::text::{Line, Span};
use serde_json::{Map, Value};
use std::time::Duration;

/// The actions, as the key registry names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ActionKind {
    Create,
    Invite,
    Ban,
    Unban,
    Delete,
    Password,
    Links,
    Confirm,
    Mfa,
    SignOut,
    /// See what the user sees: a session as them in the Session tab.
    Impersonate,
}

/// Who an action is for.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub id: UserId,
    pub email: String,
    pub phone: String,
    /// Known factors (from the detail screen), for MFA removal.
    pub factors: Vec<Factor>,
    pub email_confirmed: bool,
    /// Banned now.
    pub banned: bool,
    pub deleted: bool,
}

impl Target {
    pub fn from_user(u: &User, now: DateTime<Utc>) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            phone: u.phone.clone(),
            factors: u.factors.clone().unwrap_or_default(),
            email_confirmed: u.email_confirmed_at.is_some() || u.confirmed_at.is_some(),
            banned: u.banned_until.is_some_and(|t| t > now),
            deleted: u.deleted_at.is_some(),
        }
    }

    pub fn label(&self) -> String {
        crate::gotrue::user_label(&self.id, &self.email, &self.phone)
    }
}

// Choice ids.
const BAN_1H: u16 = 1;
const BAN_24H: u16 = 2;
const BAN_7D: u16 = 3;
const BAN_30D: u16 = 4;
const BAN_FOREVER: u16 = 5;
const BAN_CUSTOM: u16 = 6;
const DELETE_HARD: u16 = 10;
const DELETE_SOFT: u16 = 11;
const PW_MAIL: u16 = 20;
const PW_LINK: u16 = 21;
const PW_TEMP: u16 = 22;
const LINK_MAGIC: u16 = 30;
const LINK_OTP: u16 = 31;
const LINK_RESEND_SIGNUP: u16 = 32;
const LINK_RESEND_INVITE: u16 = 33;
const LINK_GENERATE: u16 = 34;
const GEN_BASE: u16 = 40; // + index in LinkType::ALL
const CONFIRM_EMAIL: u16 = 50;
const CONFIRM_PHONE: u16 = 51;
const MFA_ALL: u16 = 60;
const MFA_ONE: u16 = 61; // + index
const MFA_RENAME: u16 = 70;
const MFA_RENAME_ONE: u16 = 71; // + index

/// The question before an action that signs in as the user (sign out everywhere, see what
/// they see): refused with the reason where it cannot be done, else what it does, with the
/// email typed on a production profile.
fn session_question(
    title: String,
    question: String,
    effects: Vec<String>,
    t: &Target,
    production: bool,
    stage: Stage,
) -> (Dialog, Stage) {
    if let Some(why) = crate::ops::signout::refusal(&t.email, t.banned, t.deleted) {
        let done = Step::Done {
            lines: vec![Line::raw(why)],
            copy: None,
        };
        return (Dialog::new(title, done), Stage::Done);
    }
    let mut lines = vec![question];
    lines.extend(effects);
    if production {
        lines.push("This is a PRODUCTION profile.".into());
    }
    let typed = production.then(|| (t.email.clone(), Field::new("confirm")));
    (
        Dialog::new(title, Step::Confirm { lines, typed }).danger(),
        stage,
    )
}

/// The ban menu's presets (and, with `custom`, a typed duration).
pub fn ban_choices(custom: bool) -> Vec<Choice> {
    let mut v = vec![
        Choice::new('1', "1 hour", BAN_1H),
        Choice::new('2', "24 hours", BAN_24H),
        Choice::new('7', "7 days", BAN_7D),
        Choice::new('3', "30 days", BAN_30D),
        Choice::new('f', "forever (100 years)", BAN_FOREVER),
    ];
    if custom {
        v.push(Choice::new(
            'c',
            "custom: 36h, 3d, 90m, or until 2026-12-31",
            BAN_CUSTOM,
        ));
    }
    v
}

/// A preset's duration.
pub fn ban_for(choice: u16) -> Option<Duration> {
    Some(match choice {
        BAN_1H => Duration::from_secs(3600),
        BAN_24H => Duration::from_secs(24 * 3600),
        BAN_7D => Duration::from_secs(7 * 24 * 3600),
        BAN_30D => Duration::from_secs(30 * 24 * 3600),
        BAN_FOREVER => FOREVER,
        _ => return None,
    })
}

/// Hard or soft.
pub fn delete_choices() -> Vec<Choice> {
    vec![
        Choice::new(
            'h',
            "hard: remove the user, identities, sessions, factors",
            DELETE_HARD,
        ),
        Choice::new(
            's',
            "soft: keep the row (for references), free email and phone",
            DELETE_SOFT,
        ),
    ]
}

/// Whether a delete choice is the soft one.
pub fn is_soft(choice: u16) -> bool {
    choice == DELETE_SOFT
}

/// `forever`: a hundred years, as GoTrue's own docs suggest (`876000h`).
const FOREVER: Duration = Duration::from_secs(876_000 * 3600);

/// What the dialog waits for next.
#[derive(Clone, Debug, PartialEq)]
enum Stage {
    Menu,
    CustomBan,
    ConfirmBan(BanDuration),
    ConfirmUnban,
    ConfirmDelete {
        soft: bool,
    },
    ConfirmTempPassword,
    GenerateForm(LinkType),
    ConfirmConfirm {
        email: bool,
    },
    ConfirmMfa(Vec<uuid::Uuid>),
    RenameFactor(uuid::Uuid),
    /// `again`: the second question, for an unconfirmed email the link would confirm.
    ConfirmSignOut {
        again: bool,
    },
    /// `again`: as for the sign-out, the second question for an unconfirmed email.
    ConfirmImpersonate {
        again: bool,
    },
    CreateForm,
    InviteForm,
    Working,
    /// A hard delete failed on rows that point at the user: offer a soft delete.
    OfferSoft,
    Done,
}

pub struct UserAction {
    pub kind: ActionKind,
    target: Option<Target>,
    pub dialog: Dialog,
    stage: Stage,
    /// What it sent: each action's answer has its own kind, read as any answer.
    pending: Vec<Pending<ApiReply>>,
    production: bool,
}

impl UserAction {
    /// Opens the dialog for `kind` on `target` (`None` only for Create). `version` is the
    /// server's, from `/health`, for what a change does there.
    pub fn start(
        kind: ActionKind,
        target: Option<Target>,
        production: bool,
        version: Option<&str>,
    ) -> Option<Self> {
        let label = target.as_ref().map(Target::label).unwrap_or_default();
        let (dialog, stage) = match kind {
            ActionKind::Create => (create_dialog(), Stage::CreateForm),
            ActionKind::Invite => (
                Dialog::new(
                    "Invite a user",
                    Dialog::form(
                        "GoTrue creates the user and mails an invitation link.",
                        vec![
                            Field::new("email").placeholder("grace@example.com"),
                            Field::new("redirect_to").placeholder("(the site URL)"),
                            Field::new("user_metadata").placeholder(r#"{"team": "support"}"#),
                        ],
                    ),
                ),
                Stage::InviteForm,
            ),
            ActionKind::Ban => (
                Dialog::new(
                    format!("Ban {label}"),
                    Dialog::choose(
                        "For how long? Banned users cannot sign in or refresh.",
                        ban_choices(true),
                    ),
                )
                .danger(),
                Stage::Menu,
            ),
            ActionKind::Unban => (
                Dialog::new(
                    format!("Unban {label}"),
                    Step::Confirm {
                        lines: vec![format!("Lift the ban on {label}?")],
                        typed: None,
                    },
                ),
                Stage::ConfirmUnban,
            ),
            ActionKind::Delete => (
                Dialog::new(
                    format!("Delete {label}"),
                    Dialog::choose("Delete how?", delete_choices()),
                )
                .danger(),
                Stage::Menu,
            ),
            ActionKind::Password => {
                let mut options = Vec::new();
                if target.as_ref().is_some_and(|t| !t.email.is_empty()) {
                    options.push(Choice::new('m', "send a recovery mail", PW_MAIL));
                    options.push(Choice::new(
                        'l',
                        "generate a recovery link (no mail) to hand over",
                        PW_LINK,
                    ));
                }
                options.push(Choice::new(
                    't',
                    "set a temporary password (generated, shown once)",
                    PW_TEMP,
                ));
                (
                    Dialog::new(
                        format!("Password help for {label}"),
                        Dialog::choose("What does the user need?", options),
                    ),
                    Stage::Menu,
                )
            }
            ActionKind::Links => {
                let t = target.as_ref()?;
                let mut options = Vec::new();
                if !t.email.is_empty() {
                    options.push(Choice::new('m', "send a magic link", LINK_MAGIC));
                }
                options.push(Choice::new(
                    'o',
                    if t.email.is_empty() {
                        "send a one-time code by SMS"
                    } else {
                        "send a one-time code by mail"
                    },
                    LINK_OTP,
                ));
                if !t.email.is_empty() {
                    options.push(Choice::new(
                        'c',
                        "resend the signup confirmation",
                        LINK_RESEND_SIGNUP,
                    ));
                    options.push(Choice::new(
                        'i',
                        "resend the invitation",
                        LINK_RESEND_INVITE,
                    ));
                    options.push(Choice::new(
                        'g',
                        "generate a link and code (no mail)…",
                        LINK_GENERATE,
                    ));
                }
                (
                    Dialog::new(
                        format!("Links and codes for {label}"),
                        Dialog::choose("Send or generate:", options),
                    ),
                    Stage::Menu,
                )
            }
            ActionKind::Confirm => {
                let t = target.as_ref()?;
                let mut options = Vec::new();
                if !t.email.is_empty() {
                    options.push(Choice::new(
                        'e',
                        format!("confirm the email {}", t.email),
                        CONFIRM_EMAIL,
                    ));
                }
                if !t.phone.is_empty() {
                    options.push(Choice::new(
                        'p',
                        format!("confirm the phone +{}", t.phone),
                        CONFIRM_PHONE,
                    ));
                }
                (
                    Dialog::new(
                        format!("Confirm {label}"),
                        Dialog::choose("Mark as confirmed:", options),
                    ),
                    Stage::Menu,
                )
            }
            ActionKind::SignOut => {
                let t = target.as_ref()?;
                session_question(
                    format!("Sign {label} out everywhere"),
                    format!("Sign {label} out everywhere?"),
                    crate::ops::signout::effects(t.email_confirmed),
                    t,
                    production,
                    Stage::ConfirmSignOut { again: false },
                )
            }
            ActionKind::Impersonate => {
                let t = target.as_ref()?;
                session_question(
                    format!("Sign in as {label}"),
                    format!("Start a session as {label}, to see what they see?"),
                    crate::ops::signout::impersonation_effects(t.email_confirmed),
                    t,
                    production,
                    Stage::ConfirmImpersonate { again: false },
                )
            }
            ActionKind::Mfa => {
                let t = target.as_ref()?;
                let mut options = Vec::new();
                for (i, f) in t.factors.iter().enumerate().take(9) {
                    let key = char::from_digit(i as u32 + 1, 10).unwrap_or('?');
                    options.push(Choice::new(
                        key,
                        format!("remove {}", factor_name(f)),
                        MFA_ONE + i as u16,
                    ));
                }
                if t.factors.len() > 1 {
                    options.push(Choice::new('a', "remove all factors", MFA_ALL));
                }
                if !t.factors.is_empty() {
                    options.push(Choice::new('r', "rename a factor", MFA_RENAME));
                }
                let dialog = if options.is_empty() {
                    Dialog::new(
                        format!("MFA factors of {label}"),
                        Step::Done {
                            lines: vec![Line::raw(format!("{label} has no MFA factor."))],
                            copy: None,
                        },
                    )
                } else {
                    Dialog::new(
                        format!("MFA factors of {label}"),
                        Dialog::choose(mfa_removal_effect(version), options),
                    )
                    .danger()
                };
                (dialog, Stage::Menu)
            }
        };
        Some(Self {
            kind,
            target,
            dialog,
            stage,
            pending: Vec::new(),
            production,
        })
    }

    /// Whether the action has ended (a result or a failure is on screen), for tests and
    /// for the loop's idea of "busy".
    pub fn is_finished(&self) -> bool {
        match self.stage {
            Stage::Done | Stage::OfferSoft => true,
            Stage::CreateForm | Stage::InviteForm | Stage::RenameFactor(_) => {
                self.dialog.error.is_some()
            }
            _ => false,
        }
    }

    pub fn is_typing(&self) -> bool {
        self.dialog.is_typing()
    }

    fn label(&self) -> String {
        self.target.as_ref().map(Target::label).unwrap_or_default()
    }

    /// Returns false when the dialog closed.
    pub fn on_key(&mut self, key: KeyEvent, action: Option<Action>, ctx: &mut Ctx) -> bool {
        match self.dialog.on_key(key, action) {
            DialogEvent::None => true,
            DialogEvent::Close => {
                if self.stage == Stage::Working {
                    // The request runs on; its answer is dropped by id.
                    ctx.flash(Level::Warn, "Closed; the request already sent still runs");
                }
                false
            }
            DialogEvent::Copy(text) => {
                ctx.copy("the link", text);
                true
            }
            DialogEvent::Chosen(id) => {
                self.chosen(id, ctx);
                true
            }
            DialogEvent::Submitted(values) => {
                self.submitted(values, ctx);
                true
            }
            DialogEvent::Confirmed => {
                self.confirmed(ctx);
                true
            }
        }
    }

    pub fn on_paste(&mut self, text: &str) {
        self.dialog.on_paste(text);
    }

    fn request(&mut self, call: ApiCall, ctx: &mut Ctx) {
        let what = call.label().to_owned();
        self.pending.push(ctx.send(call));
        if matches!(
            self.stage,
            Stage::CreateForm | Stage::InviteForm | Stage::RenameFactor(_)
        ) {
            // The form stays on screen (and keeps its input if GoTrue refuses it).
            self.dialog.error = None;
            self.dialog.note = Some(format!("{}…", capitalise(&what)));
        } else {
            self.dialog.set_step(Step::Working(capitalise(&what)));
        }
        if !matches!(self.stage, Stage::RenameFactor(_)) {
            // A rename stays at its form: sending the same name again changes nothing.
            self.stage = Stage::Working;
        }
    }

    fn typed_confirmation(&self) -> Option<(String, Field)> {
        let t = self.target.as_ref()?;
        let expected = if t.email.is_empty() {
            t.id.to_string()
        } else {
            t.email.clone()
        };
        Some((expected, Field::new("confirm")))
    }

    fn chosen(&mut self, id: u16, ctx: &mut Ctx) {
        let label = self.label();
        let Some(t) = self.target.clone() else { return };
        match (self.kind, id) {
            (ActionKind::Ban, BAN_CUSTOM) => {
                self.stage = Stage::CustomBan;
                self.dialog.set_step(Dialog::form(
                    "36h, 3d, 90m, 1h30m, or until 2026-12-31",
                    vec![Field::new("ban for").placeholder("3d")],
                ));
            }
            (ActionKind::Ban, _) => {
                let d = ban_for(id).unwrap_or(FOREVER);
                self.confirm_ban(BanDuration::For(d), ctx.now);
            }
            // The soft-delete offer after a failed hard delete: the user confirmed already.
            (ActionKind::Delete, DELETE_SOFT) if self.stage == Stage::OfferSoft => {
                self.request(
                    ApiCall::DeleteUser {
                        id: t.id,
                        soft: true,
                    },
                    ctx,
                );
            }
            (ActionKind::Delete, DELETE_HARD | DELETE_SOFT) => {
                let soft = id == DELETE_SOFT;
                self.stage = Stage::ConfirmDelete { soft };
                let mut lines = vec![if soft {
                    format!(
                        "Soft-delete {label}? The row stays, marked deleted; email and phone are freed."
                    )
                } else {
                    format!("Delete {label} for good? This cannot be undone.")
                }];
                if self.production {
                    lines.push("This is a PRODUCTION profile.".into());
                }
                self.dialog.set_step(Step::Confirm {
                    lines,
                    typed: self.typed_confirmation(),
                });
            }
            (ActionKind::Password, PW_MAIL) => self.request(
                ApiCall::Recover {
                    email: t.email.clone(),
                },
                ctx,
            ),
            (ActionKind::Password, PW_LINK) => self.request(
                ApiCall::GenerateLink(Box::new(GenerateLinkRequest::new(
                    LinkType::Recovery,
                    t.email.clone(),
                ))),
                ctx,
            ),
            (ActionKind::Password, PW_TEMP) => {
                self.stage = Stage::ConfirmTempPassword;
                self.dialog.set_step(Step::Confirm {
                    lines: vec![
                        format!("Replace the password of {label} with a generated one?"),
                        "It is shown once; the user's sessions end.".into(),
                    ],
                    typed: None,
                });
            }
            (ActionKind::Links, LINK_MAGIC) => self.request(
                ApiCall::MagicLink {
                    email: t.email.clone(),
                },
                ctx,
            ),
            (ActionKind::Links, LINK_OTP) => {
                let target = if t.email.is_empty() {
                    Credential::Phone(t.phone.clone())
                } else {
                    Credential::Email(t.email.clone())
                };
                self.request(
                    ApiCall::SendOtp {
                        target,
                        create_user: false,
                    },
                    ctx,
                );
            }
            (ActionKind::Links, LINK_RESEND_SIGNUP) => self.request(
                ApiCall::Resend {
                    kind: ResendType::Signup,
                    target: Credential::Email(t.email.clone()),
                },
                ctx,
            ),
            (ActionKind::Links, LINK_RESEND_INVITE) => self.request(
                ApiCall::Invite {
                    email: t.email.clone(),
                    data: None,
                    redirect_to: None,
                },
                ctx,
            ),
            (ActionKind::Links, LINK_GENERATE) => {
                let options = LinkType::ALL
                    .iter()
                    .enumerate()
                    .map(|(i, lt)| {
                        let key = char::from_digit(i as u32 + 1, 10).unwrap_or('?');
                        Choice::new(key, lt.as_str(), GEN_BASE + i as u16)
                    })
                    .collect();
                self.dialog
                    .set_step(Dialog::choose("Which link? (no mail is sent)", options));
            }
            (ActionKind::Links, id) if (GEN_BASE..GEN_BASE + 10).contains(&id) => {
                let Some(lt) = LinkType::ALL.get(usize::from(id - GEN_BASE)).copied() else {
                    return;
                };
                if lt.needs_password() || lt.needs_new_email() {
                    self.stage = Stage::GenerateForm(lt);
                    let field = if lt.needs_password() {
                        Field::new("password").masked()
                    } else {
                        Field::new("new email").placeholder("new@example.com")
                    };
                    self.dialog
                        .set_step(Dialog::form(format!("{lt} link for {label}"), vec![field]));
                } else {
                    self.request(
                        ApiCall::GenerateLink(Box::new(GenerateLinkRequest::new(
                            lt,
                            t.email.clone(),
                        ))),
                        ctx,
                    );
                }
            }
            (ActionKind::Confirm, CONFIRM_EMAIL | CONFIRM_PHONE) => {
                let email = id == CONFIRM_EMAIL;
                self.stage = Stage::ConfirmConfirm { email };
                self.dialog.set_step(Step::Confirm {
                    lines: vec![if email {
                        format!("Mark {} as confirmed?", t.email)
                    } else {
                        format!("Mark +{} as confirmed?", t.phone)
                    }],
                    typed: None,
                });
            }
            (ActionKind::Mfa, MFA_ALL) => {
                let ids: Vec<_> = t.factors.iter().map(|f| f.id).collect();
                self.stage = Stage::ConfirmMfa(ids);
                self.dialog.set_step(Step::Confirm {
                    lines: vec![format!(
                        "Remove all {} MFA factors of {label}?",
                        t.factors.len()
                    )],
                    typed: None,
                });
            }
            (ActionKind::Mfa, MFA_RENAME) if t.factors.len() == 1 => {
                self.chosen(MFA_RENAME_ONE, ctx);
            }
            (ActionKind::Mfa, MFA_RENAME) => {
                let options = t
                    .factors
                    .iter()
                    .enumerate()
                    .take(9)
                    .map(|(i, f)| {
                        let key = char::from_digit(i as u32 + 1, 10).unwrap_or('?');
                        Choice::new(key, factor_name(f), MFA_RENAME_ONE + i as u16)
                    })
                    .collect();
                self.dialog
                    .set_step(Dialog::choose("Rename which factor?", options));
            }
            (ActionKind::Mfa, id) if (MFA_RENAME_ONE..MFA_RENAME_ONE + 9).contains(&id) => {
                if let Some(f) = t.factors.get(usize::from(id - MFA_RENAME_ONE)) {
                    self.stage = Stage::RenameFactor(f.id);
                    let mut fields = vec![Field::new("name").placeholder("Work phone")];
                    let prompt = if f.factor_type == FactorType::Phone {
                        // A phone factor's number can change too (GoTrue checks E.164).
                        let mut phone = Field::new("phone").placeholder("+15555550100");
                        phone.set(
                            f.phone
                                .clone()
                                .map(|p| format!("+{}", p.trim_start_matches('+')))
                                .unwrap_or_default(),
                        );
                        fields.push(phone);
                        format!("New name or number for {} of {label}", factor_name(f))
                    } else {
                        format!("New name for {} of {label}", factor_name(f))
                    };
                    self.dialog.set_step(Dialog::form(prompt, fields));
                }
            }
            (ActionKind::Mfa, id) if (MFA_ONE..MFA_ONE + 9).contains(&id) => {
                if let Some(f) = t.factors.get(usize::from(id - MFA_ONE)) {
                    self.stage = Stage::ConfirmMfa(vec![f.id]);
                    self.dialog.set_step(Step::Confirm {
                        lines: vec![format!(
                            "Remove the factor {} of {label}?",
                            f.friendly_name.clone().unwrap_or_else(|| f.id.to_string())
                        )],
                        typed: None,
                    });
                }
            }
            _ => {}
        }
    }

    fn confirm_ban(&mut self, d: BanDuration, now: DateTime<Utc>) {
        let label = self.label();
        let until = match d {
            BanDuration::For(d) => chrono::Duration::from_std(d)
                .ok()
                .and_then(|d| now.checked_add_signed(d))
                .map(time::absolute)
                .unwrap_or_else(|| "far in the future".into()),
            BanDuration::Unban => String::new(),
        };
        self.stage = Stage::ConfirmBan(d);
        self.dialog.set_step(Step::Confirm {
            lines: vec![
                format!("Ban {label} for {}?", d.to_go()),
                format!("Until about {until} (GoTrue's clock decides)."),
            ],
            typed: None,
        });
    }

    fn submitted(&mut self, values: Vec<String>, ctx: &mut Ctx) {
        let Some(first) = values.first().map(|v| v.trim().to_owned()) else {
            return;
        };
        match self.stage.clone() {
            Stage::CustomBan => match parse_ban(&first, ctx.now) {
                Ok(d) => self.confirm_ban(BanDuration::For(d), ctx.now),
                Err(why) => self.dialog.note = Some(why),
            },
            Stage::GenerateForm(lt) => {
                let Some(t) = &self.target else { return };
                if first.is_empty() {
                    self.dialog.note = Some("required".into());
                    return;
                }
                let mut req = GenerateLinkRequest::new(lt, t.email.clone());
                if lt.needs_password() {
                    req.password = Some(Secret::new(first));
                } else {
                    req.new_email = Some(first);
                }
                self.request(ApiCall::GenerateLink(Box::new(req)), ctx);
            }
            Stage::RenameFactor(factor_id) => {
                let Some(t) = &self.target else { return };
                let old_phone = t
                    .factors
                    .iter()
                    .find(|f| f.id == factor_id)
                    .and_then(|f| f.phone.clone())
                    .unwrap_or_default();
                // Only a number that changed is sent.
                let phone = values.get(1).map(|p| p.trim().to_owned()).filter(|p| {
                    !p.is_empty() && p.trim_start_matches('+') != old_phone.trim_start_matches('+')
                });
                if first.is_empty() && phone.is_none() {
                    // GoTrue would answer 200 and change nothing.
                    self.dialog.note = Some(
                        if values.len() > 1 {
                            "type a new name or a new number"
                        } else {
                            "a name is required"
                        }
                        .into(),
                    );
                    return;
                }
                self.request(
                    ApiCall::RenameFactor {
                        user_id: t.id,
                        factor_id,
                        name: (!first.is_empty()).then_some(first),
                        phone,
                    },
                    ctx,
                );
            }
            Stage::InviteForm => match invite_values(&values) {
                Ok((email, redirect_to, data)) => self.request(
                    ApiCall::Invite {
                        email,
                        data,
                        redirect_to,
                    },
                    ctx,
                ),
                Err(why) => self.dialog.note = Some(why),
            },
            Stage::CreateForm => match create_attrs(&values) {
                Ok((attrs, generate)) => self.request(
                    ApiCall::CreateUser {
                        attrs: Box::new(attrs),
                        generate_password: generate,
                    },
                    ctx,
                ),
                Err(why) => self.dialog.note = Some(why),
            },
            _ => {}
        }
    }

    fn confirmed(&mut self, ctx: &mut Ctx) {
        let Some(t) = self.target.clone() else { return };
        match self.stage.clone() {
            Stage::ConfirmBan(d) => self.request(
                ApiCall::UpdateUser(
                    t.id,
                    Box::new(AdminUserAttributes {
                        ban_duration: Some(d),
                        ..Default::default()
                    }),
                ),
                ctx,
            ),
            Stage::ConfirmUnban => self.request(
                ApiCall::UpdateUser(
                    t.id,
                    Box::new(AdminUserAttributes {
                        ban_duration: Some(BanDuration::Unban),
                        ..Default::default()
                    }),
                ),
                ctx,
            ),
            Stage::ConfirmDelete { soft } => {
                self.request(ApiCall::DeleteUser { id: t.id, soft }, ctx)
            }
            Stage::ConfirmTempPassword => self.request(ApiCall::SetTemporaryPassword(t.id), ctx),
            Stage::ConfirmConfirm { email } => self.request(
                ApiCall::UpdateUser(
                    t.id,
                    Box::new(AdminUserAttributes {
                        email_confirm: email.then_some(true),
                        phone_confirm: (!email).then_some(true),
                        ..Default::default()
                    }),
                ),
                ctx,
            ),
            Stage::ConfirmSignOut { again: false } if !t.email_confirmed => {
                // Asked twice: the link confirms an email the user never confirmed.
                self.stage = Stage::ConfirmSignOut { again: true };
                self.dialog.set_step(Step::Confirm {
                    lines: vec![format!(
                        "This also confirms {}, which its owner never did. Sign {} out everywhere all the same?",
                        t.email,
                        t.label()
                    )],
                    typed: None,
                });
            }
            Stage::ConfirmImpersonate { again: false } if !t.email_confirmed => {
                self.stage = Stage::ConfirmImpersonate { again: true };
                self.dialog.set_step(Step::Confirm {
                    lines: vec![format!(
                        "This also confirms {}, which its owner never did. Sign in as {} all the same?",
                        t.email,
                        t.label()
                    )],
                    typed: None,
                });
            }
            Stage::ConfirmImpersonate { .. } => self.request(
                ApiCall::Impersonate {
                    user_id: t.id,
                    email: t.email.clone(),
                },
                ctx,
            ),
            Stage::ConfirmSignOut { .. } => self.request(
                ApiCall::SignOutEverywhere {
                    user_id: t.id,
                    email: t.email.clone(),
                },
                ctx,
            ),
            Stage::ConfirmMfa(ids) => {
                for factor_id in ids {
                    self.pending.push(ctx.send(ApiCall::DeleteFactor {
                        user_id: t.id,
                        factor_id,
                    }));
                }
                self.stage = Stage::Working;
                self.dialog
                    .set_step(Step::Working("Removing MFA factors".into()));
            }
            _ => {}
        }
    }

    pub fn on_reply(
        &mut self,
        id: RequestId,
        result: Result<ApiReply, GoTrueError>,
        ctx: &mut Ctx,
    ) {
        let Some(pos) = self.pending.iter().position(|p| p.is(id)) else {
            return;
        };
        let pending = self.pending.remove(pos);
        let label = self.label();
        match pending.read(result) {
            Err(e) => self.failed(e, ctx),
            Ok(ApiReply::UserSaved { user, password }) => {
                let name = user.display_name();
                let mut lines = vec![Line::styled(self.saved_text(&user, ctx.now), theme::ok())];
                if let Some(p) = password {
                    lines.push(Line::raw(""));
                    lines.push(Line::from(vec![
                        Span::raw("Password (shown once): "),
                        Span::styled(p.expose().to_owned(), theme::key()),
                    ]));
                }
                self.finish(lines, None);
                ctx.flash(Level::Info, format!("{} {name}", past_tense(self.kind)));
                ctx.effect(Effect::UserChanged(user));
            }
            Ok(ApiReply::Session(session)) if self.kind == ActionKind::Impersonate => {
                let email = self
                    .target
                    .as_ref()
                    .map(|t| t.email.clone())
                    .unwrap_or_default();
                self.finish(
                    vec![
                        Line::styled(
                            format!("Signed in as {label}: the session is on the Session tab."),
                            theme::ok(),
                        ),
                        Line::raw(
                            "X there signs this session out (scope=local); C shows it as cookies.",
                        ),
                    ],
                    None,
                );
                ctx.flash(Level::Warn, format!("Impersonating {label}"));
                ctx.effect(Effect::Impersonating { session, email });
                if let Some(t) = &self.target {
                    ctx.effect(Effect::UserRefresh(t.id));
                }
            }
            Ok(ApiReply::SignedOutEverywhere(done)) => {
                let until = done
                    .tokens_valid_until
                    .map(|t| format!("until {} at the latest", time::absolute(t)))
                    .unwrap_or_else(|| "until they expire".into());
                self.finish(
                    vec![
                        Line::styled(
                            format!("Signed {label} out everywhere: every refresh token of theirs is revoked."),
                            theme::ok(),
                        ),
                        Line::raw(format!(
                            "Access tokens issued before now still work {until} (the server's JWT expiry is {} s).",
                            done.jwt_expiry_secs
                        )),
                    ],
                    None,
                );
                ctx.flash(Level::Info, format!("Signed {label} out everywhere"));
                if let Some(t) = &self.target {
                    ctx.effect(Effect::UserRefresh(t.id));
                }
            }
            Ok(ApiReply::Factor(f)) => {
                let name = f.friendly_name.clone().unwrap_or_default();
                let text = match &f.phone {
                    Some(p) if f.factor_type == FactorType::Phone => format!(
                        "The factor of {label} is now {name}, sending codes to +{}.",
                        p.trim_start_matches('+')
                    ),
                    _ => format!("Renamed the factor of {label} to {name}."),
                };
                self.finish(vec![Line::styled(text, theme::ok())], None);
                ctx.flash(Level::Info, format!("Changed the MFA factor of {label}"));
                if let Some(t) = &self.target {
                    ctx.effect(Effect::UserRefresh(t.id));
                }
            }
            Ok(ApiReply::Done) if self.kind == ActionKind::Mfa => {
                if self.pending.is_empty() {
                    self.finish(
                        vec![Line::styled(
                            format!("Removed the MFA factor(s) of {label}."),
                            theme::ok(),
                        )],
                        None,
                    );
                    ctx.flash(Level::Info, format!("Removed MFA factors of {label}"));
                    if let Some(t) = &self.target {
                        ctx.effect(Effect::UserRefresh(t.id));
                    }
                }
            }
            Ok(ApiReply::Done) => {
                let Some(t) = self.target.clone() else { return };
                self.finish(
                    vec![Line::styled(format!("Deleted {label}."), theme::ok())],
                    None,
                );
                ctx.flash(Level::Info, format!("Deleted {label}"));
                ctx.effect(Effect::UserDeleted(t.id));
            }
            Ok(ApiReply::Sent { .. }) => {
                let what = match self.kind {
                    ActionKind::Password => "Recovery mail sent to",
                    _ => "Sent to",
                };
                self.finish(
                    vec![Line::styled(format!("{what} {label}."), theme::ok())],
                    None,
                );
                ctx.flash(Level::Info, format!("{what} {label}"));
                ctx.effect(Effect::SentSomething);
            }
            Ok(ApiReply::Link(link)) => {
                let url = link.action_link.expose().to_owned();
                let lines = vec![
                    Line::styled(
                        format!(
                            "{} link for {label} (no mail was sent):",
                            link.verification_type
                        ),
                        theme::ok(),
                    ),
                    Line::raw(url.clone()),
                    Line::raw(""),
                    Line::from(vec![
                        Span::raw("Code: "),
                        Span::styled(link.email_otp.expose().to_owned(), theme::key()),
                    ]),
                    Line::styled(
                        "Whoever has the link signs in as this user: hand it over privately.",
                        theme::warn(),
                    ),
                ];
                self.finish(lines, Some(url));
            }
            Ok(other) => crate::console::command::bug(&format!("{:?}", self.kind), &other),
        }
    }

    fn saved_text(&self, user: &User, now: DateTime<Utc>) -> String {
        let name = user.display_name();
        match self.kind {
            ActionKind::Create => format!("Created {name} ({})", user.id),
            ActionKind::Invite => format!("Invited {name}: the invitation mail went out"),
            ActionKind::Ban => match user.banned_until {
                Some(t) if t > now => format!("{name} is banned until {}", time::absolute(t)),
                _ => format!("{name} is not banned"),
            },
            ActionKind::Unban => format!("{name} is no longer banned"),
            ActionKind::Confirm => format!("{name} is confirmed"),
            ActionKind::Password => format!("{name} has a new password; their sessions ended"),
            ActionKind::Links => format!("Invitation sent again to {name}"),
            _ => format!("Saved {name}"),
        }
    }

    fn finish(&mut self, lines: Vec<Line<'static>>, copy: Option<String>) {
        self.stage = Stage::Done;
        self.dialog.set_step(Step::Done { lines, copy });
    }

    /// A failure: back to the step that sent it, with GoTrue's words; a hard delete blocked
    /// by references offers a soft delete.
    fn failed(&mut self, e: GoTrueError, ctx: &mut Ctx) {
        ctx.flash(Level::Error, format!("{}: {e}", self.dialog.title));
        if self.kind == ActionKind::Delete && e.kind == ErrorKind::Server {
            self.stage = Stage::OfferSoft;
            self.dialog.set_step(Dialog::choose(
                "The hard delete failed. When rows in other tables still point at the user (a \
                 foreign key), GoTrue cannot remove it; a soft delete keeps the row and frees \
                 the email and phone.",
                vec![Choice::new('s', "soft-delete instead", DELETE_SOFT)],
            ));
            self.dialog.error = Some(e);
            return;
        }
        if let Stage::RenameFactor(_) = self.stage {
            // The name is still there, as typed.
            self.dialog.note = None;
            self.dialog.error = Some(e);
            return;
        }
        if matches!(self.kind, ActionKind::Create | ActionKind::Invite) {
            // The form is still there, as typed: fix it and submit again.
            self.stage = if self.kind == ActionKind::Create {
                Stage::CreateForm
            } else {
                Stage::InviteForm
            };
            // Sent but unanswered: say so, as the same Enter may repeat what was done.
            self.dialog.note = e.may_have_been_applied().then(|| {
                if self.kind == ActionKind::Create {
                    "No whole answer came back: the user may have been created. Submitting \
                     again is safe (GoTrue refuses a taken address)."
                } else {
                    "No whole answer came back: the invitation may have gone out. Look the \
                     user up (R on the list) before sending it again."
                }
                .to_owned()
            });
            self.dialog.error = Some(e);
            return;
        }
        self.stage = Stage::Done;
        self.dialog.set_step(Step::Done {
            lines: vec![Line::styled(
                format!("{} failed.", self.dialog.title),
                theme::danger(),
            )],
            copy: None,
        });
        self.dialog.error = Some(e);
    }
}

impl Flow for UserAction {
    fn on_key(&mut self, key: KeyEvent, action: Option<Action>, ctx: &mut Ctx) -> bool {
        UserAction::on_key(self, key, action, ctx)
    }
    fn on_paste(&mut self, text: &str) {
        UserAction::on_paste(self, text)
    }
    fn on_reply(&mut self, id: RequestId, result: Result<ApiReply, GoTrueError>, ctx: &mut Ctx) {
        UserAction::on_reply(self, id, result, ctx)
    }
    fn is_finished(&self) -> bool {
        UserAction::is_finished(self)
    }
    fn dialog(&self) -> &Dialog {
        &self.dialog
    }
}

/// A factor as the menus name it: its friendly name, type and status.
fn factor_name(f: &Factor) -> String {
    // The name as the user gave it; the type and status in lower case.
    format!(
        "{} {} ({})",
        f.friendly_name.as_deref().unwrap_or("(unnamed)"),
        format!("{:?}", f.factor_type).to_lowercase(),
        format!("{:?}", f.status).to_lowercase()
    )
}

/// What removing a factor does to the user's sessions on this server. GoTrue v2.193.0
/// began to downgrade the sessions that passed the factor to aal1
/// (`Factor.DowngradeSessionsToAAL1` in `adminUserDeleteFactor`); older servers leave
/// them at aal2.
pub fn mfa_removal_effect(version: Option<&str>) -> String {
    let parsed = version.and_then(crate::gotrue::release);
    match (parsed, version) {
        (Some(v), Some(shown)) if v >= (2, 193, 0) => format!(
            "On this GoTrue ({shown}) the sessions that passed a removed factor drop to aal1 at their next refresh; access tokens already issued keep aal2 until they expire."
        ),
        (Some(_), Some(shown)) => format!(
            "On this GoTrue ({shown}, before v2.193.0) removing a factor leaves the user's sessions at aal2: sign them out to end that."
        ),
        _ => "From GoTrue v2.193.0 the sessions that passed a removed factor drop to aal1; older servers leave them at aal2 (this server's version is unknown).".into(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn past_tense(kind: ActionKind) -> &'static str {
    match kind {
        ActionKind::Create => "Created",
        ActionKind::Invite => "Invited",
        ActionKind::Ban => "Banned",
        ActionKind::Unban => "Unbanned",
        ActionKind::Confirm => "Confirmed",
        ActionKind::Password => "New password for",
        ActionKind::Links => "Invited again",
        _ => "Updated",
    }
}

/// `36h`, `3d`, `90m`, `1h30m`, `2w`, or `until 2026-12-31` (midnight UTC).
pub fn parse_ban(text: &str, now: DateTime<Utc>) -> Result<Duration, String> {
    let text = text.trim().to_lowercase();
    if let Some(date) = text.strip_prefix("until") {
        let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
            .map_err(|_| "a date like 2026-12-31".to_owned())?;
        let at = date
            .and_hms_opt(0, 0, 0)
            .map(|d| d.and_utc())
            .ok_or("a date like 2026-12-31")?;
        return (at - now)
            .to_std()
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| "that date has passed".to_owned());
    }
    crate::duration::parse(&text, crate::duration::Bare::Refused)
}

const C_IDENT: usize = 0;
const C_PASSWORD: usize = 1;
const C_CONFIRM: usize = 2;
const C_ROLE: usize = 3;
const C_USER_META: usize = 4;
const C_APP_META: usize = 5;

fn create_dialog() -> Dialog {
    Dialog::new(
        "Create a user",
        Dialog::form(
            "A new user; an empty password is generated and shown once.",
            vec![
                Field::new("email or phone").placeholder("grace@example.com or +15555550123"),
                Field::new("password")
                    .masked()
                    .placeholder("(empty: generate one)"),
                Field::new("confirmed").placeholder("yes"),
                Field::new("role").placeholder("authenticated"),
                Field::new("user_metadata").placeholder(r#"{"full_name": "Grace Hopper"}"#),
                Field::new("app_metadata").placeholder("{}"),
            ],
        ),
    )
}

fn json_object(text: &str, what: &str) -> Result<Option<Map<String, Value>>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => Ok(Some(m)),
        Ok(_) => Err(format!("{what} must be a JSON object")),
        Err(e) => Err(format!("{what} is not JSON: {e}")),
    }
}

/// An invitation as the form gives it: email, redirect_to, metadata.
type InviteValues = (String, Option<String>, Option<Map<String, Value>>);

/// The invite form's values, checked.
fn invite_values(values: &[String]) -> Result<InviteValues, String> {
    let get = |i: usize| values.get(i).map(|v| v.trim()).unwrap_or_default();
    let email = get(0).to_lowercase();
    if !email
        .rsplit_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'))
    {
        return Err("an email address is required".into());
    }
    let redirect = get(1);
    if !redirect.is_empty() && url::Url::parse(redirect).is_err() {
        return Err("redirect_to must be a full URL (https://…)".into());
    }
    Ok((
        email,
        (!redirect.is_empty()).then(|| redirect.to_owned()),
        json_object(get(2), "user_metadata")?,
    ))
}

/// The create form's values → attributes, and whether to generate the password.
fn create_attrs(values: &[String]) -> Result<(AdminUserAttributes, bool), String> {
    let get = |i: usize| values.get(i).map(|v| v.trim()).unwrap_or_default();
    let ident = get(C_IDENT);
    if ident.is_empty() {
        return Err("an email or a phone number is required".into());
    }
    let confirmed = !matches!(get(C_CONFIRM).to_lowercase().as_str(), "no" | "n" | "false");
    let mut attrs = AdminUserAttributes::default();
    match Credential::guess(ident) {
        Credential::Email(e) => {
            if !e.contains('@') || !e.rsplit('@').next().is_some_and(|d| d.contains('.')) {
                return Err("not an email address".into());
            }
            attrs.email = Some(e);
            attrs.email_confirm = Some(confirmed);
        }
        Credential::Phone(p) => {
            let digits = p.trim_start_matches('+');
            if digits.len() < 8 || !digits.chars().all(|c| c.is_ascii_digit()) {
                return Err("not an email address or a phone number like +15555550123".into());
            }
            attrs.phone = Some(p);
            attrs.phone_confirm = Some(confirmed);
        }
    }
    let password = values.get(C_PASSWORD).cloned().unwrap_or_default();
    let generate = password.is_empty();
    if !generate {
        attrs.password = Some(Secret::new(password));
    }
    let role = get(C_ROLE);
    if !role.is_empty() {
        attrs.role = Some(role.to_owned());
    }
    attrs.user_metadata = json_object(get(C_USER_META), "user_metadata")?;
    attrs.app_metadata = json_object(get(C_APP_META), "app_metadata")?;
    Ok((attrs, generate))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn ban_durations() {
        assert_eq!(parse_ban("36h", now()), Ok(Duration::from_secs(36 * 3600)));
        assert_eq!(parse_ban("3d", now()), Ok(Duration::from_secs(3 * 86400)));
        assert_eq!(parse_ban("1h30m", now()), Ok(Duration::from_secs(5400)));
        assert_eq!(
            parse_ban("until 2026-01-02", now()),
            Ok(Duration::from_secs(86400))
        );
        assert!(
            parse_ban("until 2025-01-01", now())
                .unwrap_err()
                .contains("passed")
        );
        assert!(parse_ban("soon", now()).is_err());
        assert!(parse_ban("3", now()).is_err());
        assert!(parse_ban("0h", now()).is_err());
    }

    #[test]
    fn create_form_values() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (a, generate) = create_attrs(&v(&[
            "grace@example.com",
            "",
            "",
            "",
            r#"{"full_name":"G"}"#,
            "",
        ]))
        .unwrap();
        assert!(generate);
        assert_eq!(a.email.as_deref(), Some("grace@example.com"));
        assert_eq!(a.email_confirm, Some(true));
        assert_eq!(a.user_metadata.unwrap()["full_name"], "G");
        let (a, generate) =
            create_attrs(&v(&["+15555550123", "pw-pw-pw", "no", "", "", ""])).unwrap();
        assert!(!generate);
        assert_eq!(a.phone_confirm, Some(false));
        assert!(create_attrs(&v(&["", "", "", "", "", ""])).is_err());
        assert!(
            create_attrs(&v(&["x@y.z", "", "", "", "[1]", ""]))
                .unwrap_err()
                .contains("object")
        );
        assert!(create_attrs(&v(&["nope", "", "", "", "", ""])).is_err());
    }

    /// What removing a factor does depends on the release: v2.193.0 began downgrading the
    /// sessions that passed it.
    #[test]
    fn mfa_removal_says_what_this_servers_release_does() {
        assert!(mfa_removal_effect(Some("v2.196.0")).contains("drop to aal1"));
        assert!(mfa_removal_effect(Some("v2.193.0")).contains("drop to aal1"));
        assert!(mfa_removal_effect(Some("v2.196.0-demo")).contains("drop to aal1"));
        let old = mfa_removal_effect(Some("v2.189.0"));
        assert!(
            old.contains("before v2.193.0") && old.contains("at aal2"),
            "{old}"
        );
        for unknown in [None, Some(""), Some("unknown"), Some("v2.x")] {
            assert!(mfa_removal_effect(unknown).contains("version is unknown"));
        }
        assert_eq!(crate::gotrue::release("v2.196.0"), Some((2, 196, 0)));
        assert_eq!(crate::gotrue::release("2.193.1-rc.2"), Some((2, 193, 1)));
        assert_eq!(crate::gotrue::release("v2.196"), None);
        assert_eq!(crate::gotrue::release("v2.196.0.1"), None);
    }
}
