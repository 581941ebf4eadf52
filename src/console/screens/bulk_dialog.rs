//! The question before a bulk action on the marked users: how (a ban's length, hard or soft
//! delete), what will be sent and what skipped, and a confirmation — the count typed for a
//! delete, and for everything on a production profile. Confirmed, the users list runs it.

use crate::console::keys::Action;
use crate::console::screens::dialog::{Dialog, DialogEvent, Flow, Step};
use crate::console::screens::user_actions::{
    ActionKind, ban_choices, ban_for, delete_choices, is_soft,
};
use crate::console::screens::{Ctx, Effect};
use crate::console::widgets::field::Field;
use crate::console::widgets::{count_of, thousands};
use crate::gotrue::BanDuration;
use crate::ops::bulk_users::{BulkAction, BulkRun, Marked, RowState};
use ratatui::crossterm::event::KeyEvent;

pub struct BulkDialog {
    users: Vec<Marked>,
    production: bool,
    /// Chosen (after the menu, for a ban or a delete).
    action: Option<BulkAction>,
    dialog: Dialog,
}

impl BulkDialog {
    /// `None` for an action that is done one user at a time.
    pub fn start(
        kind: ActionKind,
        users: Vec<Marked>,
        production: bool,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Option<Self> {
        let n = count_of(users.len(), "marked user", "marked users");
        let (title, action, step) = match kind {
            ActionKind::Ban => (
                format!("Ban {n}"),
                None,
                Dialog::choose(
                    "For how long? Banned users cannot sign in or refresh.",
                    ban_choices(false),
                ),
            ),
            ActionKind::Delete => (
                format!("Delete {n}"),
                None,
                Dialog::choose("Delete how?", delete_choices()),
            ),
            ActionKind::Unban => (
                format!("Unban {n}"),
                Some(BulkAction::Unban),
                Step::Working(String::new()),
            ),
            ActionKind::Confirm => (
                format!("Confirm {n}"),
                Some(BulkAction::Confirm),
                Step::Working(String::new()),
            ),
            ActionKind::SignOut => (
                format!("Sign out {n} everywhere"),
                Some(BulkAction::SignOutEverywhere),
                Step::Working(String::new()),
            ),
            _ => return None,
        };
        let mut me = Self {
            users,
            production,
            action: None,
            dialog: Dialog::new(title, step).danger(),
        };
        if let Some(a) = action {
            me.confirm(a, now);
        }
        Some(me)
    }

    fn confirm(&mut self, action: BulkAction, now: chrono::DateTime<chrono::Utc>) {
        self.action = Some(action);
        let plan = BulkRun::plan(action, self.users.clone(), now);
        let c = plan.counts();
        let what = match action {
            BulkAction::Delete { soft: false } => "deleted for good (this cannot be undone)".into(),
            BulkAction::Delete { soft: true } => {
                "soft-deleted: rows kept, marked deleted; emails and phones freed".into()
            }
            BulkAction::Ban(d) => format!("banned for {}", d.to_go()),
            BulkAction::Unban => "unbanned".into(),
            BulkAction::Confirm => "confirmed (email, or phone for phone-only users)".into(),
            BulkAction::SignOutEverywhere => "signed out everywhere".into(),
        };
        let mut lines = vec![format!(
            "{} of the {} will be {what}.",
            thousands(c.pending as u64),
            count_of(c.total(), "marked user", "marked users")
        )];
        // Why the others are skipped, most common first.
        let mut reasons: Vec<(String, usize)> = Vec::new();
        for r in &plan.rows {
            if let RowState::Skipped(why) = &r.state {
                match reasons.iter_mut().find(|(w, _)| w == why) {
                    Some((_, n)) => *n += 1,
                    None => reasons.push((why.clone(), 1)),
                }
            }
        }
        reasons.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        for (why, n) in reasons.iter().take(3) {
            lines.push(format!("Skipped, {}: {why}", thousands(*n as u64)));
        }
        if action == BulkAction::SignOutEverywhere {
            lines.extend(crate::ops::signout::effects(true));
        }
        lines.push(
            "Two at a time, paced; a result for every user (B shows them); p pauses; an \
             unclear answer is read back before anything is sent again."
                .into(),
        );
        let typed = (matches!(action, BulkAction::Delete { .. }) || self.production).then(|| {
            let count = c.pending.to_string();
            (
                count,
                Field::new("count").placeholder("the number of users"),
            )
        });
        self.dialog.set_step(Step::Confirm { lines, typed });
        if c.pending == 0 {
            self.dialog.set_step(Step::Done {
                lines: vec![ratatui::text::Line::raw(
                    "Nothing to send: every marked user is skipped (see why above).",
                )],
                copy: None,
            });
            self.dialog.note = reasons.first().map(|(w, n)| format!("{n} skipped: {w}"));
        }
    }
}

impl Flow for BulkDialog {
    fn on_key(&mut self, key: KeyEvent, action: Option<Action>, ctx: &mut Ctx) -> bool {
        match self.dialog.on_key(key, action) {
            DialogEvent::Close => false,
            DialogEvent::Chosen(id) => {
                let chosen = match ban_for(id) {
                    Some(d) => BulkAction::Ban(BanDuration::For(d)),
                    None => BulkAction::Delete { soft: is_soft(id) },
                };
                self.confirm(chosen, ctx.now);
                true
            }
            DialogEvent::Confirmed => {
                let Some(action) = self.action else {
                    return true;
                };
                let run = BulkRun::plan(action, std::mem::take(&mut self.users), ctx.now);
                ctx.effect(Effect::StartBulk(Box::new(run)));
                false
            }
            _ => true,
        }
    }

    fn on_paste(&mut self, text: &str) {
        self.dialog.on_paste(text);
    }

    fn is_finished(&self) -> bool {
        true
    }

    fn dialog(&self) -> &Dialog {
        &self.dialog
    }
}
