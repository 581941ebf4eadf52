//! Removing one of a user's passkeys, from their page: which one (when there are several),
//! a confirmation (the email typed on a production profile), the call, the result.

use crate::console::command::{ApiCall, ApiReply, Pending, RequestId};
use crate::console::keys::Action;
use crate::console::screens::dialog::{Choice, Dialog, DialogEvent, Flow, Step};
use crate::console::screens::{Ctx, Effect, Level};
use crate::console::widgets::field::Field;
use crate::gotrue::{GoTrueError, Passkey, UserId};
use ratatui::crossterm::event::KeyEvent;

pub struct RemovePasskey {
    user_id: UserId,
    label: String,
    passkeys: Vec<Passkey>,
    chosen: Option<usize>,
    production: bool,
    pending: Option<Pending<ApiReply>>,
    dialog: Dialog,
}

fn name(p: &Passkey) -> String {
    p.friendly_name
        .clone()
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| format!("(unnamed) {}", p.id))
}

impl RemovePasskey {
    /// `None` when the user has no passkey to remove.
    pub fn start(
        user_id: UserId,
        label: String,
        passkeys: Vec<Passkey>,
        production: bool,
    ) -> Option<Self> {
        if passkeys.is_empty() {
            return None;
        }
        let options = passkeys
            .iter()
            .take(9)
            .enumerate()
            .map(|(i, p)| {
                let key = char::from_digit(i as u32 + 1, 10).unwrap_or('?');
                Choice::new(key, name(p), i as u16)
            })
            .collect();
        let mut me = Self {
            user_id,
            dialog: Dialog::new(
                format!("Passkeys of {label}"),
                Dialog::choose("Remove which passkey?", options),
            )
            .danger(),
            label,
            passkeys,
            chosen: None,
            production,
            pending: None,
        };
        if me.passkeys.len() == 1 {
            me.confirm(0);
        }
        Some(me)
    }

    fn confirm(&mut self, i: usize) {
        let Some(p) = self.passkeys.get(i) else {
            return;
        };
        self.chosen = Some(i);
        let lines = vec![
            format!("Remove the passkey {} of {}?", name(p), self.label),
            "They can no longer sign in with it; their other ways to sign in stay, and so do \
             sessions already started with it."
                .to_owned(),
        ];
        let typed = self.production.then(|| {
            (
                self.label.clone(),
                Field::new("email").placeholder("the user's email"),
            )
        });
        self.dialog.set_step(Step::Confirm { lines, typed });
    }
}

impl Flow for RemovePasskey {
    fn on_key(&mut self, key: KeyEvent, action: Option<Action>, ctx: &mut Ctx) -> bool {
        match self.dialog.on_key(key, action) {
            DialogEvent::Close => false,
            DialogEvent::Chosen(i) => {
                self.confirm(usize::from(i));
                true
            }
            DialogEvent::Confirmed if self.pending.is_none() => {
                let Some(p) = self.chosen.and_then(|i| self.passkeys.get(i)) else {
                    return true;
                };
                self.pending = Some(ctx.send(ApiCall::DeletePasskey {
                    user_id: self.user_id,
                    passkey_id: p.id.clone(),
                }));
                self.dialog
                    .set_step(Step::Working("Removing the passkey".into()));
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
        let which = self
            .chosen
            .and_then(|i| self.passkeys.get(i))
            .map(name)
            .unwrap_or_default();
        match pending.read(result) {
            Ok(_) => {
                let text = format!("Removed the passkey {which} of {}.", self.label);
                ctx.flash(Level::Info, text.clone());
                self.dialog.finish(text, None);
                ctx.effect(Effect::UserRefresh(self.user_id));
            }
            Err(e) => {
                ctx.flash(Level::Error, format!("Removing the passkey failed: {e}"));
                self.dialog
                    .finish(format!("The passkey {which} was not removed."), Some(e));
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
