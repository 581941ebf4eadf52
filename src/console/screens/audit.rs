//! GoTrue's audit log (`/admin/audit`): who did what, newest first, page by page, narrowed by
//! GoTrue's own `author:`, `action:` or `type:` queries.

use crate::console::command::{ApiCall, ApiReply, Pending, RequestId};
use crate::console::keys::Action;
use crate::console::keys::Context;
use crate::console::screens::{Ctx, Level};
use crate::console::screens::{Screen, View};
use crate::console::widgets::list::rows_fit;
use crate::console::widgets::{panel, theme, thousands, time};
use crate::gotrue::AuditPage;
use crate::gotrue::{AuditEntry, GoTrueError};
use ratatui::Frame;
use ratatui::crossterm::event::{Event, KeyEvent};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};
use serde_json::Value;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

const PER_PAGE: u32 = 50;

#[derive(Default)]
pub struct AuditScreen {
    entries: Vec<AuditEntry>,
    page: u32,
    last_page: Option<u32>,
    total: Option<u64>,
    query: Option<String>,
    input: Input,
    editing: bool,
    cursor: crate::console::widgets::list::ListCursor,
    pending: Option<Pending<Box<AuditPage>>>,
    error: Option<GoTrueError>,
    loaded: bool,
}

impl AuditScreen {
    pub fn is_loaded(&self) -> bool {
        self.loaded
    }

    pub fn entries(&self) -> &[AuditEntry] {
        &self.entries
    }

    pub fn is_editing(&self) -> bool {
        self.editing
    }

    pub fn load(&mut self, page: u32, ctx: &mut Ctx) {
        self.pending = Some(ctx.send(ApiCall::Audit {
            page: page.max(1),
            per_page: PER_PAGE,
            query: self.query.clone(),
        }));
        self.page = page.max(1);
    }
}

/// The query line, the table, the entry: one layout for drawing and for paging.
fn areas(area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(6),
    ])
    .areas(area)
}

impl Screen for AuditScreen {
    fn on_show(&mut self, ctx: &mut Ctx) {
        if !self.is_loaded() {
            self.load(1, ctx);
        }
    }

    fn set_area(&mut self, area: Rect) {
        self.cursor.set_table(areas(area)[1], self.entries.len());
    }

    fn on_click(&mut self, column: u16, row: u16) -> crate::console::widgets::list::Click {
        self.cursor.click(column, row, self.entries.len())
    }

    fn context(&self) -> Context {
        if self.editing {
            Context::Form
        } else {
            Context::Audit
        }
    }

    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        if self.editing {
            match action {
                Action::Back => self.editing = false,
                Action::Submit => {
                    self.editing = false;
                    let q = self.input.value().trim().to_owned();
                    self.query = (!q.is_empty()).then_some(q);
                    self.load(1, ctx);
                }
                _ => return false,
            }
            return true;
        }
        // PgUp/PgDn move a screenful like every list; ] and [ turn GoTrue's pages.
        if self.cursor.on_action(action, self.entries.len()) {
            return true;
        }
        match action {
            Action::NextPage => {
                if self.last_page.is_none_or(|l| self.page < l) {
                    self.load(self.page + 1, ctx);
                } else {
                    ctx.flash(Level::Info, "That is the last page");
                }
            }
            Action::PrevPage => {
                if self.page > 1 {
                    self.load(self.page - 1, ctx);
                }
            }
            Action::Filter => {
                self.input = Input::new(self.query.clone().unwrap_or_default());
                self.editing = true;
            }
            Action::ClearFilter => {
                self.query = None;
                self.input.reset();
                self.load(1, ctx);
            }
            Action::Refresh | Action::Retry => self.load(self.page, ctx),
            _ => return false,
        }
        true
    }

    fn on_text(&mut self, key: KeyEvent, _ctx: &mut Ctx) {
        self.input.handle_event(&Event::Key(key));
    }

    fn on_reply(&mut self, id: RequestId, result: Result<ApiReply, GoTrueError>, ctx: &mut Ctx) {
        let Some(pending) = self.pending.filter(|p| p.is(id)) else {
            return;
        };
        self.pending = None;
        self.loaded = true;
        match pending.read(result) {
            Ok(page) => {
                self.entries = page.entries;
                self.total = page.total;
                self.last_page = page.last_page;
                self.cursor.reset();
                self.error = None;
            }
            Err(e) => {
                ctx.flash(Level::Error, format!("Loading the audit log failed: {e}"));
                self.error = Some(e);
            }
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        let now = view.now;
        let [query_area, table_area, detail_area] = areas(area);
        let q = if self.editing {
            self.input.value().to_owned()
        } else {
            self.query.clone().unwrap_or_default()
        };
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled(
                    "/ ",
                    if self.editing {
                        theme::key()
                    } else {
                        theme::dim()
                    },
                ),
                Span::raw(q),
                Span::styled(
                    if self.editing || self.query.is_some() {
                        ""
                    } else {
                        "author:ada@example.com · action:login · type:account"
                    },
                    theme::dim(),
                ),
            ])),
            query_area,
        );
        if self.editing {
            frame.set_cursor_position((
                query_area.x + 2 + self.input.visual_cursor() as u16,
                query_area.y,
            ));
        }
        // An empty log has no last page to speak of: "page 1", not "page 1 of 0".
        let pages = match self.last_page.filter(|l| *l > 0) {
            Some(l) => format!("page {} of {l}", self.page),
            None => format!("page {}", self.page),
        };
        let title = format!(
            " Audit log · {} entries · {pages} ",
            self.total.map(thousands).unwrap_or_else(|| "?".into())
        );
        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(title, theme::title()));
        let state = match &self.error {
            Some(err) => Some(panel::LoadState::Failed {
                what: "Loading the audit log",
                err,
                hints: view.hints(&[(Context::Audit, Action::Retry, "retry")]),
            }),
            None if !self.entries.is_empty() => None,
            None if self.loaded => Some(panel::LoadState::Empty("No entries.")),
            None => Some(panel::LoadState::Loading("Loading…")),
        };
        if let Some(state) = state {
            panel::draw_load_state(frame, table_area, block, state);
        } else {
            let fit = rows_fit(table_area);
            let offset = self.cursor.offset(fit);
            let wide = table_area.width >= 100;
            let rows = self
                .entries
                .iter()
                .enumerate()
                .skip(offset)
                .take(fit.max(1))
                .map(|(i, e)| {
                    let mut cells = vec![
                        e.created_at
                            .map(|t| time::relative(t, now))
                            .unwrap_or_default(),
                        e.payload.action.clone(),
                        e.payload.log_type.clone(),
                        e.payload.actor_username.clone().unwrap_or_default(),
                    ];
                    if wide {
                        cells.push(e.ip_address.clone().unwrap_or_default());
                    }
                    let row = Row::new(cells);
                    if i == self.cursor.selected() {
                        row.style(theme::selected())
                    } else {
                        row
                    }
                });
            let mut widths = vec![
                Constraint::Length(9),
                Constraint::Length(22),
                Constraint::Length(8),
                Constraint::Fill(1),
            ];
            let mut header = vec!["When", "Action", "Type", "Actor"];
            if wide {
                widths.push(Constraint::Length(15));
                header.push("IP");
            }
            let table = Table::new(rows, widths)
                .header(Row::new(header).style(theme::title()))
                .block(block);
            frame.render_widget(table, table_area);
        }
        let mut lines = Vec::new();
        if let Some(e) = self.entries.get(self.cursor.selected()) {
            if let Some(t) = e.created_at {
                lines.push(Line::raw(format!(
                    "{} · {}",
                    time::absolute(t),
                    e.payload.action
                )));
            }
            lines.push(Line::raw(format!(
                "actor {} {}",
                e.payload.actor_username.clone().unwrap_or_default(),
                e.payload.actor_id.clone().unwrap_or_default()
            )));
            if let Some(Value::Object(traits)) = &e.payload.traits {
                for (k, v) in traits {
                    lines.push(Line::styled(format!("{k}: {v}"), theme::dim()));
                }
            }
        }
        frame.render_widget(
            Paragraph::new(lines)
                .block(Block::default().borders(Borders::TOP))
                .wrap(Wrap { trim: true }),
            detail_area,
        );
    }
}
