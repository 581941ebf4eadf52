//! "Quit anyway?": asked before `q` drops work in flight (a run of invitations sending, its
//! results not written). Ctrl-C asks once too, and quits when pressed again.

use crate::console::keys::Action;
use crate::console::screens::dialog::{Dialog, DialogEvent, Flow, Step};
use crate::console::screens::{Ctx, Effect};
use ratatui::crossterm::event::KeyEvent;

pub struct QuitQuestion {
    dialog: Dialog,
}

impl QuitQuestion {
    /// `reasons`: what quitting would lose, a sentence each.
    pub fn new(reasons: Vec<String>) -> Self {
        let mut lines = reasons;
        lines.push(String::new());
        lines.push("Quit anyway? (Ctrl-C again quits too)".into());
        QuitQuestion {
            dialog: Dialog::new("Quit?", Step::Confirm { lines, typed: None }).danger(),
        }
    }
}

impl Flow for QuitQuestion {
    fn on_key(&mut self, key: KeyEvent, action: Option<Action>, ctx: &mut Ctx) -> bool {
        match self.dialog.on_key(key, action) {
            DialogEvent::Confirmed => {
                ctx.effect(Effect::Quit);
                false
            }
            DialogEvent::Close => false,
            _ => true,
        }
    }

    fn on_paste(&mut self, _text: &str) {}

    fn is_finished(&self) -> bool {
        true
    }

    fn dialog(&self) -> &Dialog {
        &self.dialog
    }
}
