//! Drawing the console: the header, the tabs and breadcrumb, the body (the screen on top,
//! then the dialog, then an overlay), the footer's key hints and the status line. It only
//! reads the app's state.

use super::{App, Overlay, ScreenId, Tab};
use crate::console::keys::{Action, Context};
use crate::console::screens::{Level, View, help};
use crate::console::widgets::{panel, theme};
use crate::gotrue::GoTrueError;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

impl App {
    /// Draws the whole frame in the theme in force.
    pub fn draw(&self, frame: &mut Frame) {
        theme::using(self.cfg.prefs.theme, || self.draw_frame(frame));
    }

    fn draw_frame(&self, frame: &mut Frame) {
        let [header, tabs, body, footer, status] = frame_areas(frame.area());
        let providers = self
            .settings()
            .map(|s| s.enabled_providers())
            .unwrap_or_default();
        let view = View {
            now: self.now,
            masked: self.masked,
            read_only: self.cfg.read_only,
            keys: &self.cfg.prefs.keys,
            session: self.session.as_ref(),
            impersonating: self.impersonating.as_deref(),
            keyring: self.keyring_note.as_ref(),
            server: &self.cfg.server,
            providers: &providers,
        };
        self.draw_header(frame, header);
        self.draw_tabs(frame, tabs);
        // An unreachable server is said on every tab, not only where it broke something.
        if let Some(Err(e)) = &self.health
            && self.tab != Tab::Users
        {
            self.draw_unreachable(frame, unreachable_banner(body)[0], e, &view);
        }
        match (self.screen_area(), &self.health) {
            (Some(area), _) => {
                if let Some(screen) = self.screens.get(self.current()) {
                    screen.draw(frame, area, &view);
                }
            }
            (None, Some(Err(e))) => self.draw_unreachable(frame, body, e, &view),
            (None, _) => self.draw_no_key(frame, body, &view),
        }
        self.draw_footer(frame, footer);
        self.draw_status(frame, status);
        if let Some(a) = &self.action {
            a.draw(frame, body, &view);
        }
        match &self.overlay {
            Some(Overlay::Help { scroll }) => help::draw(
                frame,
                body,
                &self.cfg.prefs.keys,
                self.context_under_overlay(),
                self.cfg.read_only,
                *scroll,
            ),
            Some(Overlay::Palette(p)) => p.draw(frame, body, &self.cfg.prefs.keys),
            Some(Overlay::Profiles { selected }) => self.draw_profiles(frame, body, *selected),
            Some(Overlay::Clipboard { what, text }) => self.draw_clipboard(frame, body, what, text),
            None => {}
        }
    }

    fn draw_header(&self, frame: &mut Frame, area: Rect) {
        let base = if self.cfg.production {
            theme::production()
        } else {
            theme::header()
        };
        let bold = base.add_modifier(ratatui::style::Modifier::BOLD);
        let mut spans = vec![Span::styled(" gotrue-console ", bold)];
        if self.cfg.production {
            spans.push(Span::styled(" ▲ PRODUCTION ▲ ", theme::production()));
        }
        if self.cfg.demo {
            spans.push(Span::styled(" DEMO ", theme::demo()));
        }
        if self.cfg.read_only {
            spans.push(Span::styled(" READ-ONLY ", theme::demo()));
        }
        if self.cfg.insecure_tls {
            spans.push(Span::styled(" INSECURE TLS ", theme::production()));
        }
        let server = self
            .cfg
            .server
            .trim_start_matches("https://")
            .trim_start_matches("http://");
        spans.push(Span::raw(format!(" {server}")));
        let (dot, dot_style) = match &self.health {
            None => (" … ".to_owned(), theme::dim()),
            Some(Ok(h)) => (format!(" ● {} ", h.version), theme::ok()),
            Some(Err(_)) => (" ● unreachable ".to_owned(), theme::danger()),
        };
        spans.push(Span::styled(dot, dot_style));
        if let Some(p) = &self.cfg.profile {
            spans.push(Span::styled("│ ", theme::dim()));
            spans.push(Span::raw(format!("{p} ")));
        }
        spans.push(Span::styled("│ ", theme::dim()));
        spans.push(Span::raw(
            match (&self.cfg.admin_key_kind, self.cfg.has_service_key) {
                (_, false) => "no admin key".to_owned(),
                (Some(kind), true) => kind.to_string(),
                (None, true) => "service_role".to_owned(),
            },
        ));
        if let Some(user) = self.session.as_ref().and_then(|s| s.user.as_ref()) {
            spans.push(Span::styled(" + ", theme::dim()));
            spans.push(Span::raw(crate::console::widgets::mask::mask_label(
                &user.display_name(),
                self.masked,
            )));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    fn breadcrumb(&self) -> String {
        match self.tab {
            Tab::Users => match &self.screens.detail {
                Some(d) => format!(
                    "Users › {}",
                    crate::console::widgets::mask::mask_label(&d.title(), self.masked)
                ),
                None => "Users".into(),
            },
            Tab::Session => match &self.screens.otp {
                Some(_) => "Session › Enter code".into(),
                None => "Session".into(),
            },
            t => t.label().into(),
        }
    }

    /// Where the current screen is drawn; `None` where the body says instead that the
    /// server is unreachable, or that there is no admin key for the Users tab.
    pub(super) fn screen_area(&self) -> Option<Rect> {
        let body = body_area(self.area());
        match (&self.health, self.current()) {
            (Some(Err(_)), ScreenId::Users) if self.screens.users.total_loaded() == 0 => None,
            (_, ScreenId::Users) if !self.cfg.has_service_key => None,
            (Some(Err(_)), _) if self.tab != Tab::Users => Some(unreachable_banner(body)[1]),
            _ => Some(body),
        }
    }

    /// Each tab's text on the tab line of width `width`: its key and its label (only the
    /// key, for the tabs not shown, when the line is tight); one space between tabs.
    fn tab_texts(&self, width: u16) -> Vec<(Tab, String)> {
        let crumb = self.breadcrumb();
        let full: usize = self
            .tabs()
            .iter()
            .map(|t| t.label().chars().count() + 5)
            .sum();
        // Tight? Other tabs show only their number; the breadcrumb keeps its room.
        let compact = full + crumb.chars().count() + 1 > width as usize;
        self.tabs()
            .into_iter()
            .map(|t| {
                // The tab's number is the key that goes there.
                let n = self.cfg.prefs.keys.key_of(Context::Global, t.info().go);
                let text = if compact && t != self.tab {
                    format!(" {n} ")
                } else {
                    format!(" {n} {} ", t.label())
                };
                (t, text)
            })
            .collect()
    }

    /// The tab drawn at `column` of the tab line `area`.
    pub(super) fn tab_at(&self, area: Rect, column: u16) -> Option<Tab> {
        let mut x = area.x as usize;
        for (t, text) in self.tab_texts(area.width) {
            let end = x + text.chars().count();
            if (x..end).contains(&(column as usize)) {
                return Some(t);
            }
            x = end + 1;
        }
        None
    }

    fn draw_tabs(&self, frame: &mut Frame, area: Rect) {
        let crumb = self.breadcrumb();
        let mut spans = Vec::new();
        for (t, text) in self.tab_texts(area.width) {
            let style = if t == self.tab {
                theme::selected()
            } else {
                theme::dim()
            };
            spans.push(Span::styled(text, style));
            spans.push(Span::raw(" "));
        }
        let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
        let room = (area.width as usize).saturating_sub(used + 1);
        let crumb = crate::console::widgets::truncate(&crumb, room);
        spans.push(Span::raw(
            " ".repeat(room.saturating_sub(crumb.chars().count())),
        ));
        spans.push(Span::styled(crumb, theme::title()));
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    fn draw_footer(&self, frame: &mut Frame, area: Rect) {
        let mut spans = Vec::new();
        let context = self.context();
        // `? help` always fits: it is where every other key is.
        let help = self.cfg.prefs.keys.key_of(Context::Global, Action::Help);
        let reserve = if context.is_form() || help.is_empty() {
            0
        } else {
            help.chars().count() + " help".len() + 1
        };
        let mut width = reserve;
        for b in self
            .cfg
            .prefs
            .keys
            .all(context, self.cfg.read_only)
            .into_iter()
            .filter(|b| b.hint && b.action != Action::Help)
        {
            let key = b.keys.first().map(|k| k.label()).unwrap_or_default();
            let desc = b.desc.split([':', ',']).next().unwrap_or(b.desc);
            let desc = desc.split(" (").next().unwrap_or(desc);
            let piece = key.chars().count() + desc.chars().count() + 3;
            if width + piece > area.width as usize {
                break;
            }
            width += piece;
            spans.push(Span::styled(key, theme::key()));
            spans.push(Span::styled(format!(" {desc}  "), theme::dim()));
        }
        if reserve > 0 {
            spans.push(Span::styled(help, theme::key()));
            spans.push(Span::styled(" help", theme::dim()));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
    }

    fn draw_status(&self, frame: &mut Frame, area: Rect) {
        let line = match &self.flash {
            Some(f) => {
                let style = match f.level {
                    Level::Info => theme::info(),
                    Level::Warn => theme::warn(),
                    Level::Error => theme::danger(),
                };
                Line::styled(f.text.clone(), style)
            }
            None => {
                let providers = self
                    .settings()
                    .map(|s| s.enabled_providers().join(", "))
                    .unwrap_or_default();
                if providers.is_empty() {
                    Line::raw("")
                } else {
                    Line::styled(format!("providers: {providers}"), theme::dim())
                }
            }
        };
        frame.render_widget(Paragraph::new(line), area);
    }

    /// The copied text over the whole body, from its first column and wrapped at its
    /// width, so that the terminal's own selection takes it whole.
    fn draw_clipboard(&self, frame: &mut Frame, area: Rect, what: &str, text: &str) {
        frame.render_widget(Clear, area);
        let mask = self
            .cfg
            .prefs
            .keys
            .key_of(Context::Global, Action::ToggleMask);
        let body = if self.masked {
            Line::styled(
                format!("Hidden while masking is on: {mask} reveals, then copy again."),
                theme::warn(),
            )
        } else {
            Line::raw(text.to_owned())
        };
        let lines = vec![
            Line::styled(format!("Copy {what} by hand"), theme::title()),
            Line::styled(
                "It was sent by OSC 52, which some terminals ignore, and tmux without \
                 `set -g set-clipboard on`. Select it below with the terminal's own selection \
                 (Shift-drag while the console has the mouse).",
                theme::dim(),
            ),
            Line::raw(""),
            body,
            Line::raw(""),
            Line::styled("Any key closes this.", theme::dim()),
        ];
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
    }

    fn draw_profiles(&self, frame: &mut Frame, area: Rect, selected: usize) {
        let height = (self.cfg.profiles.len() as u16 + 2).min(area.height);
        let popup = crate::console::widgets::centered(area, 40.min(area.width), height);
        let lines: Vec<Line> = self
            .cfg
            .profiles
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let current = Some(p) == self.cfg.profile.as_ref();
                let text = format!("{} {p}", if current { "●" } else { " " });
                if i == selected {
                    Line::styled(text, theme::selected())
                } else {
                    Line::raw(text)
                }
            })
            .collect();
        frame.render_widget(Clear, popup);
        frame.render_widget(
            Paragraph::new(lines).block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme::focused_border())
                    .title(Span::styled(
                        format!(
                            " Switch profile · {} ",
                            self.cfg
                                .prefs
                                .keys
                                .key_of(Context::Profiles, Action::Submit)
                        ),
                        theme::title(),
                    )),
            ),
            popup,
        );
    }

    fn draw_unreachable(&self, frame: &mut Frame, area: Rect, err: &GoTrueError, view: &View) {
        let mut lines = panel::error_lines(&format!("Reaching {}", self.cfg.server), err);
        lines.push(Line::raw(""));
        lines.push(view.hints(&[
            (Context::Users, Action::Retry, "retry"),
            (Context::Global, Action::Help, "help"),
            (Context::Global, Action::SwitchProfile, "switch profile"),
            (Context::Global, Action::Quit, "quit"),
        ]));
        frame.render_widget(Clear, area);
        frame.render_widget(
            Paragraph::new(lines)
                .block(
                    Block::default()
                        .borders(Borders::ALL)
                        .title(" Server unreachable "),
                )
                .wrap(Wrap { trim: false }),
            area,
        );
    }

    fn draw_no_key(&self, frame: &mut Frame, area: Rect, view: &View) {
        let lines = vec![
            Line::styled("No service-role key is configured.", theme::warn()),
            Line::raw(""),
            Line::raw("The users list needs GoTrue's service-role key. Give one with:"),
            Line::raw("  · a profile in ~/.config/gotrue-console/config.toml,"),
            Line::raw("  · GOTRUE_SERVICE_ROLE_KEY or SUPABASE_SERVICE_ROLE_KEY, or"),
            Line::from(vec![
                Span::raw("  · the key entry on the Session tab: press "),
                Span::styled(view.key(Context::Global, Action::GoSession), theme::key()),
                Span::raw(" (kept in memory only)."),
            ]),
        ];
        frame.render_widget(
            Paragraph::new(lines)
                .block(Block::default().borders(Borders::ALL).title(" Users "))
                .wrap(Wrap { trim: false }),
            area,
        );
    }
}

/// Above the screen of a tab other than Users, while the server is unreachable: the
/// banner that says so.
fn unreachable_banner(body: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Length(9), Constraint::Fill(1)]).areas(body)
}

/// Header, tabs, body, footer and status line: the frame's one layout.
pub(super) fn frame_areas(area: Rect) -> [Rect; 5] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// The body of the screen: everything but header, tabs, footer and status.
pub fn body_area(area: Rect) -> Rect {
    frame_areas(area)[2]
}
