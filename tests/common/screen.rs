//! One screen on its own, driven as the app drives it (slumber's `TestComponent`): a key is
//! looked up in the screen's context in the keymap and handed over as its action (or as
//! typing in a form); what it asks for is collected; answers are handed back by request id;
//! it draws into a `TestBackend`. No app, no worker, no network.

use chrono::{DateTime, Utc};
use gotrue_console::console::command::{ApiCall, ApiReply, Command, RequestId};
use gotrue_console::console::keys::Keymap;
use gotrue_console::console::screens::{Ctx, Effect, Flash, Screen, View};
use gotrue_console::gotrue::GoTrueError;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub struct TestScreen<S: Screen> {
    pub screen: S,
    pub keys: Keymap,
    pub now: DateTime<Utc>,
    /// Everything the screen asked for, in order.
    pub commands: Vec<Command>,
    pub effects: Vec<Effect>,
    pub flash: Option<Flash>,
    /// Stands for the user selected in Users.
    pub selected_user: Option<String>,
    next_id: u64,
}

impl<S: Screen> TestScreen<S> {
    pub fn new(screen: S, now: DateTime<Utc>) -> Self {
        TestScreen {
            screen,
            keys: Keymap::default(),
            now,
            commands: Vec::new(),
            effects: Vec::new(),
            flash: None,
            selected_user: None,
            next_id: 0,
        }
    }

    /// Runs `f` with a fresh context, and keeps what it asked for.
    pub fn with<R>(&mut self, f: impl FnOnce(&mut S, &mut Ctx) -> R) -> R {
        let mut ctx = Ctx::new(self.now, false, self.next_id);
        ctx.selected_user = self.selected_user.clone();
        let out = f(&mut self.screen, &mut ctx);
        for c in &ctx.commands {
            if let Command::Api(RequestId(n), _) | Command::Task(RequestId(n), _) = c {
                self.next_id = self.next_id.max(*n);
            }
        }
        self.commands.extend(ctx.commands);
        self.effects.extend(ctx.effects);
        if ctx.flash.is_some() {
            self.flash = ctx.flash;
        }
        out
    }

    /// A key as the app would route it.
    pub fn key(&mut self, code: KeyCode) {
        let ev = KeyEvent::new(code, KeyModifiers::NONE);
        let context = self.screen.context();
        let action = self.keys.lookup(context, &ev, false);
        self.with(|s, ctx| {
            let handled = action.is_some_and(|a| s.on_action(a, ctx));
            if !handled && context.is_form() {
                s.on_text(ev, ctx);
            }
        });
    }

    /// The last GoTrue call it asked for.
    pub fn last_call(&self) -> Option<(RequestId, ApiCall)> {
        self.commands.iter().rev().find_map(|c| match c {
            Command::Api(id, call) => Some((*id, call.clone())),
            _ => None,
        })
    }

    pub fn answer(&mut self, id: RequestId, result: Result<ApiReply, GoTrueError>) {
        self.with(|s, ctx| s.on_reply(id, result, ctx));
    }

    /// The screen drawn at `width` x `height`, as text.
    pub fn render(&mut self, width: u16, height: u16) -> String {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
        self.screen
            .set_area(ratatui::layout::Rect::new(0, 0, width, height));
        let view = View {
            impersonating: None,
            keyring: None,
            now: self.now,
            masked: false,
            read_only: false,
            keys: &self.keys,
            session: None,
            server: "http://127.0.0.1:9998",
            providers: &[],
        };
        terminal
            .draw(|f| self.screen.draw(f, f.area(), &view))
            .unwrap();
        super::buffer_text(terminal.backend().buffer())
    }
}
