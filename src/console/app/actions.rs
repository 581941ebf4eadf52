//! Opening an admin dialog on the user selected in Users (or open on its page): which user,
//! whether a read-only profile allows it, and which dialog.

use super::{App, Tab};
use crate::console::keys::{Action, Context};
use crate::console::screens::bulk_dialog::BulkDialog;
use crate::console::screens::edit_user::EditUser;
use crate::console::screens::passkey_remove::RemovePasskey;
use crate::console::screens::user_actions::{ActionKind, Target, UserAction};
use crate::console::screens::{Ctx, Level};

impl App {
    /// "Why can't this user sign in?" for the open or selected user (read-only is fine).
    pub(super) fn start_diagnose(&mut self, ctx: &mut Ctx) {
        let target = match (&self.screens.detail, self.screens.users.selected_row()) {
            (Some(d), _) => Some((d.id, d.user().map(|u| u.email.clone()).unwrap_or_default())),
            (None, Some(row)) => Some((row.id, row.email.clone())),
            _ => None,
        };
        match target.filter(|_| self.tab == Tab::Users) {
            Some((id, email)) => {
                let settings = self.settings().cloned();
                let before = ctx.next_id;
                let flow =
                    crate::console::screens::diagnose::Diagnose::start(id, &email, settings, ctx);
                self.open_dialog(before, ctx, Box::new(flow));
            }
            None => ctx.flash(Level::Warn, "Select a user first"),
        }
    }

    /// Removing a passkey of the open user (their page has read them).
    pub(super) fn start_remove_passkey(&mut self, ctx: &mut Ctx) {
        if self.cfg.read_only {
            ctx.flash(Level::Warn, "Read-only profile: nothing can be changed");
            return;
        }
        let Some(d) = self
            .screens
            .detail
            .as_ref()
            .filter(|_| self.tab == Tab::Users)
        else {
            ctx.flash(Level::Warn, "Open a user first (Enter)");
            return;
        };
        let Some(passkeys) = d.passkeys() else {
            ctx.flash(
                Level::Warn,
                "Their passkeys are not read (or the server has none)",
            );
            return;
        };
        let label = d
            .user()
            .map(|u| crate::gotrue::user_label(&u.id, &u.email, &u.phone))
            .unwrap_or_else(|| d.id.to_string());
        match RemovePasskey::start(d.id, label, passkeys.to_vec(), self.cfg.production) {
            Some(flow) => self.open_dialog(ctx.next_id, ctx, Box::new(flow)),
            None => ctx.flash(Level::Info, "This user has no passkey"),
        }
    }

    /// Opens the edit dialog on the open user, or loads the selected one first.
    pub(super) fn start_edit(&mut self, ctx: &mut Ctx) {
        if self.cfg.read_only {
            ctx.flash(Level::Warn, "Read-only profile: nothing can be changed");
            return;
        }
        if self.tab != Tab::Users {
            return;
        }
        let (id, user) = match (&self.screens.detail, self.screens.users.selected_row()) {
            (Some(d), _) => (d.id, d.user().cloned()),
            (None, Some(row)) => (row.id, None),
            (None, None) => {
                ctx.flash(Level::Warn, "Select a user first");
                return;
            }
        };
        let before = ctx.next_id;
        let flow = EditUser::start(id, user, ctx);
        self.open_dialog(before, ctx, Box::new(flow));
    }

    /// Opens an admin action's dialog on the selected (or open) user.
    pub(super) fn start_action(&mut self, action: Action, ctx: &mut Ctx) {
        if self.cfg.read_only {
            ctx.flash(Level::Warn, "Read-only profile: nothing can be changed");
            return;
        }
        let kind = match action {
            Action::CreateUser => ActionKind::Create,
            Action::InviteUser => ActionKind::Invite,
            Action::BanUser => ActionKind::Ban,
            Action::UnbanUser => ActionKind::Unban,
            Action::DeleteUser => ActionKind::Delete,
            Action::PasswordHelp => ActionKind::Password,
            Action::LinksAndCodes => ActionKind::Links,
            Action::ConfirmUser => ActionKind::Confirm,
            Action::SignOutEverywhere => ActionKind::SignOut,
            Action::Impersonate => ActionKind::Impersonate,
            _ => ActionKind::Mfa,
        };
        // Users marked in the list: the action is for all of them.
        let marked = self.screens.users.marked_count();
        let creates = matches!(kind, ActionKind::Create | ActionKind::Invite);
        if marked > 0 && !creates && self.tab == Tab::Users && self.screens.detail.is_none() {
            let users = self.screens.users.marked(ctx.now);
            match BulkDialog::start(kind, users, self.cfg.production, ctx.now) {
                Some(flow) => self.open_dialog(ctx.next_id, ctx, Box::new(flow)),
                None => {
                    let key = ctx.keys.key_of(Context::Users, Action::MarkAll);
                    ctx.flash(
                        Level::Warn,
                        format!(
                            "{marked} users are marked: this is done one user at a time \
                             ({key} unmarks them)"
                        ),
                    )
                }
            }
            return;
        }
        let target = match (&self.screens.detail, self.screens.users.selected_row()) {
            (Some(d), _) if self.tab == Tab::Users => match d.user() {
                Some(u) => Some(Target::from_user(u, ctx.now)),
                None => {
                    ctx.flash(Level::Warn, "The user is still loading");
                    return;
                }
            },
            (None, Some(row)) if self.tab == Tab::Users => Some(Target {
                id: row.id,
                email: row.email.clone(),
                phone: row.phone.clone(),
                factors: Vec::new(),
                email_confirmed: row.email_confirmed,
                banned: row.banned_until.is_some_and(|t| t > ctx.now),
                deleted: row.deleted,
            }),
            _ => None,
        };
        let creates = matches!(kind, ActionKind::Create | ActionKind::Invite);
        let target = if creates { None } else { target };
        if target.is_none() && !creates {
            ctx.flash(Level::Warn, "Select a user first");
            return;
        }
        let version = self
            .health
            .as_ref()
            .and_then(|h| h.as_ref().ok())
            .map(|h| h.version.as_str());
        match UserAction::start(kind, target, self.cfg.production, version) {
            Some(a) => self.open_dialog(ctx.next_id, ctx, Box::new(a)),
            None => ctx.flash(Level::Warn, "Nothing to do for this user"),
        }
    }
}
