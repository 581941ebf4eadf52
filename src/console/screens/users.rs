//! The users list: every user loaded in the background, an instant filter over what is
//! loaded, GoTrue's own filter, sorting, and a selection kept by id across reloads. Only the
//! visible rows are drawn, so 100,000 users scroll as fast as 100.

use crate::console::command::{
    ApiCall, ApiReply, Command, DbUsersQuery, Pending, RequestId, UsersPage,
};
use crate::console::keys::Action;
use crate::console::keys::Context;
use crate::console::screens::user_filter::Query;
use crate::console::screens::user_window::{Fetch, PAGE, Paging, UserWindow};
use crate::console::screens::{Ctx, Effect, Level};
use crate::console::screens::{Screen, View};
use crate::console::widgets::list::ListCursor;
use crate::console::widgets::mask::mask_label;
use crate::console::widgets::{panel, theme, thousands, time, truncate};
use crate::db::StatusCounts;
use crate::gotrue::{GoTrueError, User, UserId, UsersBatch};
use crate::gotrue::{KeysetQuery, ListUsers, Listing, UserSort};
use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Gauge, Paragraph, Row, Table};
use std::cmp::Ordering;
use std::collections::HashMap;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

pub use super::user_row::UserRow;

mod bulk;
mod passkeys;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    Created,
    LastSignIn,
    Email,
}

impl SortKey {
    fn next(self) -> Self {
        match self {
            SortKey::Created => SortKey::LastSignIn,
            SortKey::LastSignIn => SortKey::Email,
            SortKey::Email => SortKey::Created,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Created => "created",
            SortKey::LastSignIn => "last sign-in",
            SortKey::Email => "email",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    Idle,
    Loading { loaded: u64, total: Option<u64> },
    Done,
    Failed(GoTrueError),
}

/// Which text field has the focus, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Editing {
    Filter,
    ServerFilter,
}

pub struct UsersScreen {
    rows: Vec<UserRow>,
    by_id: HashMap<UserId, u32>,
    /// Every row, in sort order.
    order: Vec<u32>,
    /// `order` through the instant filter: what the table shows.
    view: Vec<u32>,
    filter: Input,
    server_filter: Option<String>,
    server_input: Input,
    editing: Option<Editing>,
    sort: SortKey,
    descending: bool,
    /// The selection and the first row shown; a page is the rows that fit.
    cursor: ListCursor,
    load: Load,
    pending: Option<Pending<UsersPage>>,
    /// The first batch of a reload replaces the rows (until then the old ones stay).
    replace_on_next: bool,
    /// The selected user, kept across reloads and re-sorts.
    keep: Option<UserId>,
    /// Whether the user has moved the selection (else it stays at the top while loading).
    chosen: bool,
    /// While the filter only grew: the views of its shorter texts, so erasing back to one
    /// takes it from here instead of searching every user again. Emptied whenever the rows
    /// or their order change.
    narrowed: Vec<(String, Vec<u32>)>,
    /// Every row's text for the instant filter, in one buffer.
    search: SearchText,
    /// A big server's list as a window of pages around the screen (`None`: every user is
    /// held in `rows`). While the instant filter has text, `rows` holds the window's rows
    /// and the filter runs over them.
    window: Option<UserWindow>,
    /// The first request of a load: its answer shows the newest users and says how the
    /// server pages, and (with page numbers) how many users there are.
    probe: Option<Pending<Listing>>,
    /// A cursor-paged list's one count (`page=1&per_page=1`).
    count: Option<Pending<Listing>>,
    /// Window pages in flight.
    fetches: Vec<(Pending<Listing>, Fetch)>,
    /// Users were created since the window was read: a reload shows them.
    outdated: bool,
    /// GoTrue's side of `/` while the list is a window.
    found: ServerSearch,
    /// When the stream of every user started, for its rate and what is left.
    streaming_since: Option<DateTime<Utc>>,
    /// Loading every user was stopped: the rows are those it had read.
    stopped: bool,
    /// The screen grew over a window: its new rows are asked for at the next clock.
    refill: bool,
    /// The clock at the last event, for the filter's conditions (bans, inactivity).
    now: DateTime<Utc>,
    /// Users marked for a bulk action.
    marks: bulk::Marks,
    /// The bulk run, going or finished.
    bulk: Option<bulk::Running>,
    /// Where an unfinished bulk run is kept between runs of the console (`None`: nowhere).
    run_file: Option<bulk::RunFile>,
    /// `has:passkey` reading each user's passkeys.
    passkey_scan: Option<passkeys::PasskeyScan>,
    /// What the last refilter asks of the passkey reading (the candidates, or stop), for
    /// the next event with a context to send.
    scan_due: Option<Option<Vec<u32>>>,
    /// The list is read from the database: always a window, in any sort, and `/` (text and
    /// conditions) is a query there once typing pauses.
    sql: Option<SqlList>,
}

/// The list read by SQL.
#[derive(Default)]
struct SqlList {
    /// The filter the window shows (as typed; empty: everyone).
    query: String,
    /// Its count in flight.
    count: Option<Pending<StatusCounts>>,
    /// How many it finds, by status.
    counts: Option<StatusCounts>,
    /// `G` was pressed before the count came: the end is where the count says.
    bottom_due: bool,
}

/// How long typing must pause before `/` asks GoTrue.
const SEARCH_PAUSE_MS: i64 = 300;
/// Users a search asks GoTrue for.
const SEARCH_LIMIT: u32 = 50;

/// `/` over a window asks GoTrue too: the query waits for typing to pause, the latest
/// query wins (the one before is cancelled), and what GoTrue found joins the rows held.
#[derive(Default)]
struct ServerSearch {
    /// The query to send, and when.
    due: Option<(String, DateTime<Utc>)>,
    /// The query asked, and its request.
    pending: Option<(String, SearchRequest)>,
    /// What GoTrue found, for which query.
    found: Option<Found>,
}

enum SearchRequest {
    Filter(Pending<Listing>),
    Id(Pending<Box<User>>),
}

impl SearchRequest {
    fn id(&self) -> RequestId {
        match self {
            SearchRequest::Filter(p) => p.id(),
            SearchRequest::Id(p) => p.id(),
        }
    }
}

struct Found {
    query: String,
    rows: Vec<UserRow>,
    /// GoTrue has more than it sent.
    more: bool,
    /// Why GoTrue was not asked, or what it said.
    note: Option<String>,
}

/// What GoTrue's filter can match: a substring of the email, or the full name; an id is
/// looked up directly; a phone number matches nothing there.
#[derive(Debug, PartialEq, Eq)]
pub enum SearchKind {
    Id(UserId),
    Phone,
    Filter,
}

pub fn search_kind(query: &str) -> SearchKind {
    let q = query.trim();
    if let Ok(id) = q.parse::<UserId>() {
        return SearchKind::Id(id);
    }
    let digits = q.chars().filter(char::is_ascii_digit).count();
    let phone_like = q
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'));
    if phone_like && digits >= 6 {
        SearchKind::Phone
    } else {
        SearchKind::Filter
    }
}

/// Up to this many users, every user is loaded (and `/`, sorting and statistics work over
/// all of them); above it the list is a window, and `L` loads everyone on request.
pub const LOAD_ALL_BELOW: u64 = 50_000;

impl UsersScreen {
    /// Keeps an unfinished bulk run in `path` (`None`: nowhere), so that a restart resumes
    /// it without sending anything twice.
    pub fn keeping_runs_in(mut self, path: Option<std::path::PathBuf>) -> Self {
        self.run_file = path.map(bulk::RunFile::new);
        self
    }

    /// Reads the list from GoTrue's database (`true`) instead of its API.
    pub fn reading_database(mut self, database: bool) -> Self {
        self.sql = database.then(SqlList::default);
        self
    }

    pub fn reads_database(&self) -> bool {
        self.sql.is_some()
    }

    /// With a database: how many users the filter finds, by status, once counted.
    pub fn database_counts(&self) -> Option<&StatusCounts> {
        self.sql.as_ref()?.counts.as_ref()
    }

    /// With a database: the filter the list shows now (the one typed is applied once typing
    /// pauses).
    pub fn database_query(&self) -> Option<&str> {
        self.sql.as_ref().map(|s| s.query.as_str())
    }

    /// Users the filter finds beyond those read (to mark everything, they must all be read).
    pub(crate) fn unheld_matches(&self) -> Option<u64> {
        let w = self.window.as_ref().filter(|_| self.sql.is_some())?;
        let total = w.total()? as u64;
        (total > w.held() as u64).then_some(total)
    }
}

impl Default for UsersScreen {
    fn default() -> Self {
        Self {
            rows: Vec::new(),
            by_id: HashMap::new(),
            order: Vec::new(),
            view: Vec::new(),
            filter: Input::default(),
            server_filter: None,
            server_input: Input::default(),
            editing: None,
            sort: SortKey::Created,
            descending: true,
            cursor: ListCursor::default(),
            load: Load::Idle,
            pending: None,
            replace_on_next: false,
            keep: None,
            chosen: false,
            narrowed: Vec::new(),
            search: SearchText::default(),
            window: None,
            probe: None,
            count: None,
            fetches: Vec::new(),
            outdated: false,
            found: ServerSearch::default(),
            streaming_since: None,
            stopped: false,
            refill: false,
            now: DateTime::<Utc>::MIN_UTC,
            marks: bulk::Marks::default(),
            bulk: None,
            run_file: None,
            passkey_scan: None,
            scan_due: None,
            sql: None,
        }
    }
}

impl UsersScreen {
    pub fn is_editing(&self) -> bool {
        self.editing.is_some()
    }

    pub fn load_state(&self) -> &Load {
        &self.load
    }

    pub fn total_loaded(&self) -> usize {
        match &self.window {
            Some(w) => w.held(),
            None => self.rows.len(),
        }
    }

    pub fn visible_count(&self) -> usize {
        self.list_len()
    }

    /// The window, when the table shows it (no instant filter).
    pub fn windowed(&self) -> Option<&UserWindow> {
        self.window
            .as_ref()
            .filter(|_| self.sql.is_some() || self.filter.value().trim().is_empty())
    }

    /// Rows in the table: the window's places, or the filtered view.
    fn list_len(&self) -> usize {
        match self.windowed() {
            Some(w) => w.len(),
            None => self.view.len(),
        }
    }

    pub fn filter_text(&self) -> &str {
        self.filter.value()
    }

    pub fn server_filter(&self) -> Option<&str> {
        self.server_filter.as_deref()
    }

    pub fn selected_row(&self) -> Option<&UserRow> {
        if let Some(w) = self.windowed() {
            let at = self.cursor.selected();
            return w.row(at).filter(|_| !w.is_gone(at));
        }
        let idx = *self.view.get(self.cursor.selected())?;
        self.rows.get(idx as usize)
    }

    pub fn row(&self, id: UserId) -> Option<&UserRow> {
        if let Some(w) = &self.window {
            return w.place_of(id).and_then(|p| w.row(p));
        }
        self.by_id.get(&id).and_then(|i| self.rows.get(*i as usize))
    }

    /// The Stats tab's figures, counted from every user held (whatever the filter shows);
    /// partial unless that is every user of the server.
    pub fn count_stats(&self, now: DateTime<Utc>) -> crate::ops::stats::Stats {
        use crate::ops::stats::{Sample, Source, Tally};
        let total = match &self.window {
            Some(w) => w.total().map(|t| t as u64),
            // Everyone, once the whole list has come and GoTrue filtered nothing out.
            None if self.load == Load::Done && self.server_filter.is_none() => {
                Some(self.rows.len() as u64)
            }
            None => None,
        };
        let held = self.total_loaded() as u64;
        let mut tally = Tally::new(now, Source::Held { held, total });
        let mut add = |r: &UserRow| {
            tally.add(&Sample {
                created: r.created,
                last_sign_in: r.last_sign_in,
                providers: r.providers.split(',').filter(|p| !p.is_empty()).collect(),
                confirmed: r.confirmed(),
                invited: r.invited,
                anonymous: r.anonymous,
                banned_until: r.banned_until,
                deleted: r.deleted,
                sso: r.sso,
                mfa: r.mfa_factors > 0,
            })
        };
        match &self.window {
            Some(w) => w.rows().for_each(|(_, r)| add(r)),
            None => self.rows.iter().for_each(add),
        }
        tally.finish()
    }

    /// Rows in view order, of those held (for tests and export).
    pub fn view_rows(&self) -> Box<dyn Iterator<Item = &UserRow> + '_> {
        if let Some(w) = self.windowed() {
            let mut rows: Vec<(usize, &UserRow)> = w.rows().collect();
            rows.sort_unstable_by_key(|(p, _)| *p);
            return Box::new(rows.into_iter().map(|(_, r)| r));
        }
        Box::new(self.view.iter().filter_map(|i| self.rows.get(*i as usize)))
    }

    /// A user created or changed by an admin action: its row is replaced or added, and the
    /// order kept. In a window, a user it does not hold (a new one) shows after a reload.
    pub fn upsert(&mut self, user: &User) {
        let row = UserRow::from_user(user);
        self.marks.refresh(&row);
        if let Some(w) = &mut self.window {
            if w.place_of(user.id).is_some() {
                w.update(row.clone());
            } else {
                self.outdated = true;
            }
            if self.by_id.contains_key(&user.id) {
                self.sync_filter_rows();
            }
            return;
        }
        match self.by_id.get(&user.id) {
            Some(&i) => {
                self.rows[i as usize] = row;
                self.search.rebuild(&self.rows);
            }
            None => {
                self.by_id.insert(user.id, self.rows.len() as u32);
                self.order.push(self.rows.len() as u32);
                self.search.push(&row);
                self.rows.push(row);
            }
        }
        self.resort();
    }

    /// A deleted user leaves the list; the selection moves to its neighbour. In a window
    /// its place stays, marked deleted, until the next reload.
    pub fn remove(&mut self, id: UserId) {
        self.marks.forget(id);
        if let Some(w) = &mut self.window {
            w.mark_gone(id);
            if self.by_id.contains_key(&id) {
                self.sync_filter_rows();
            }
            return;
        }
        let Some(&gone) = self.by_id.get(&id) else {
            return;
        };
        let keep = self
            .selected_row()
            .map(|r| r.id)
            .filter(|k| *k != id)
            .or_else(|| {
                let next = self
                    .view
                    .get(self.cursor.selected() + 1)
                    .or(self.view.get(self.cursor.selected().wrapping_sub(1)));
                next.and_then(|i| self.rows.get(*i as usize)).map(|r| r.id)
            });
        self.rows.remove(gone as usize);
        self.reindex();
        // The old view's indices mean nothing now: the selection follows `keep`.
        self.view.clear();
        self.keep = keep;
        self.resort();
    }

    /// After `rows` changed wholesale: the id index, the search text and the order (the
    /// rows' own) made again.
    fn reindex(&mut self) {
        self.by_id = self
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| (r.id, i as u32))
            .collect();
        self.search.rebuild(&self.rows);
        self.order = (0..self.rows.len() as u32).collect();
    }

    /// The ids the instant filter shows, when it is on (`None`: every loaded user).
    pub fn filtered_ids(&self) -> Option<Vec<UserId>> {
        if self.filter.value().trim().is_empty() {
            return None;
        }
        Some(self.view_rows().map(|r| r.id).collect())
    }

    pub fn set_page(&mut self, rows: usize) {
        let len = self.list_len();
        self.cursor.set_page(rows, len);
    }

    /// Starts (or restarts) loading: first one page, the newest users, whose answer says
    /// how the server pages and how many users there are; then every user when there are
    /// few, else a window of pages around the screen.
    pub fn reload(&mut self, ctx: &mut Ctx) {
        if self.sql.is_some() {
            return self.reload_sql(ctx);
        }
        self.cancel_all(ctx);
        self.keep = self.selected_row().map(|r| r.id).or(self.keep);
        self.probe = Some(ctx.send(ApiCall::UsersByCursor(KeysetQuery {
            limit: PAGE as u32,
            cursor: None,
            filter: self.server_filter.clone(),
            sort: Some(UserSort::CreatedDesc),
        })));
        self.replace_on_next = true;
        self.load = Load::Loading {
            loaded: 0,
            total: None,
        };
    }

    /// With a database: a new window for the filter and sort, its first page and its
    /// counts asked for at once (the selected user is kept when the new window has them).
    fn reload_sql(&mut self, ctx: &mut Ctx) {
        self.cancel_all(ctx);
        let keep = self.selected_row().map(|r| r.id).or(self.keep);
        let Some(sql) = self.sql.as_mut() else {
            return;
        };
        if let Some(old) = sql.count.take() {
            ctx.commands.push(Command::Cancel(old.id()));
        }
        sql.counts = None;
        sql.bottom_due = false;
        let query = sql.query.clone();
        self.show_window(UserWindow::new(Paging::Keyset, None));
        self.keep = keep;
        self.load = Load::Loading {
            loaded: 0,
            total: None,
        };
        // The first page, then its count (on a connection of its own: the rows come first).
        self.fill(ctx);
        let count = ctx.send(ApiCall::DbCounts {
            query,
            now: ctx.now,
        });
        if let Some(sql) = self.sql.as_mut() {
            sql.count = Some(count);
        }
    }

    /// With a database: the filter typed becomes the window's query.
    fn apply_sql_query(&mut self, ctx: &mut Ctx) {
        let typed = self.filter.value().trim().to_owned();
        let Some(sql) = self.sql.as_mut() else {
            return;
        };
        self.found.due = None;
        if sql.query != typed {
            sql.query = typed;
            self.reload_sql(ctx);
        }
    }

    /// Loads every user (`L`): the window gives way to the whole list, with a gauge.
    pub fn load_all(&mut self, ctx: &mut Ctx) {
        self.cancel_all(ctx);
        self.keep = self.selected_row().map(|r| r.id).or(self.keep);
        self.stream_all(ctx);
    }

    fn stream_all(&mut self, ctx: &mut Ctx) {
        let total = self.window.as_ref().and_then(UserWindow::total);
        self.pending = Some(ctx.send(ApiCall::LoadUsers {
            filter: self.server_filter.clone(),
        }));
        self.streaming_since = Some(ctx.now);
        self.stopped = false;
        self.replace_on_next = true;
        self.load = Load::Loading {
            loaded: 0,
            total: total.map(|t| t as u64),
        };
    }

    /// Stops loading every user: what was read stays, and says it is not all.
    fn stop_loading(&mut self, ctx: &mut Ctx) {
        if let Some(p) = self.pending.take() {
            ctx.commands.push(Command::Cancel(p.id()));
        }
        self.stopped = true;
        self.load = Load::Done;
        let key = ctx.keys.key_of(Context::Users, Action::Refresh);
        ctx.flash(
            Level::Info,
            format!(
                "Stopped after {} users; {key} reloads",
                thousands(self.rows.len() as u64)
            ),
        );
    }

    fn cancel_all(&mut self, ctx: &mut Ctx) {
        self.stopped = false;
        let ids = self
            .pending
            .take()
            .map(|p| p.id())
            .into_iter()
            .chain(self.probe.take().map(|p| p.id()))
            .chain(self.count.take().map(|p| p.id()))
            .chain(
                std::mem::take(&mut self.fetches)
                    .into_iter()
                    .map(|(p, _)| p.id()),
            );
        for id in ids {
            ctx.commands.push(Command::Cancel(id));
        }
    }

    /// The probe's answer: few users, every one is loaded; many, a window.
    fn probed(&mut self, listing: Listing, ctx: &mut Ctx) {
        let rows = |users: &[User]| users.iter().map(UserRow::from_user).collect::<Vec<_>>();
        match listing {
            Listing::Keyset(page) if !page.has_more => {
                let n = page.users.len() as u64;
                self.window = None;
                self.add_batch(UsersBatch {
                    users: page.users,
                    loaded: n,
                    total: Some(n),
                    after: None,
                });
                self.load = Load::Done;
            }
            Listing::Keyset(page) => {
                let mut w = UserWindow::new(Paging::Keyset, None);
                let first = Fetch::Head {
                    page: 0,
                    cursor: None,
                };
                w.cursor_page(&first, rows(&page.users), page.next_cursor, true);
                self.show_window(w);
                // One count, so that the list knows its length and `G` its end.
                self.count = Some(ctx.send(ApiCall::UsersByPage(ListUsers {
                    page: 1,
                    per_page: 1,
                    filter: self.server_filter.clone(),
                    sort: None,
                })));
                self.fill(ctx);
            }
            Listing::Offset(page) => match page.total {
                Some(total) if total > LOAD_ALL_BELOW => {
                    let mut w = UserWindow::new(Paging::Offset, Some(total as usize));
                    w.seed(rows(&page.users));
                    self.show_window(w);
                    self.fill(ctx);
                }
                total => {
                    // Few users (or no total said): every one, newest first, the first
                    // page shown meanwhile.
                    let n = page.users.len() as u64;
                    if n > 0 {
                        self.add_batch(UsersBatch {
                            users: page.users,
                            loaded: n,
                            total,
                            after: None,
                        });
                    }
                    self.pending = Some(ctx.send(ApiCall::LoadUsers {
                        filter: self.server_filter.clone(),
                    }));
                    self.streaming_since = Some(ctx.now);
                    self.stopped = false;
                    self.load = Load::Loading { loaded: n, total };
                }
            },
        }
    }

    fn show_window(&mut self, w: UserWindow) {
        self.window = Some(w);
        self.rows.clear();
        self.by_id.clear();
        self.order.clear();
        self.view.clear();
        self.search = SearchText::default();
        self.replace_on_next = false;
        self.outdated = false;
        self.load = Load::Done;
        self.cursor.reset();
        // A reload keeps the selected user when the first page holds them.
        if let Some(w) = &self.window
            && let Some(at) = self.keep.and_then(|id| w.place_of(id))
        {
            let len = w.len();
            self.cursor.select(at, len);
        }
        self.keep = None;
        self.sync_filter_rows();
    }

    /// Asks for the pages the screen and a screen's margin need, and lets go of the rows
    /// far from it. Nothing when they are held.
    pub fn fill(&mut self, ctx: &mut Ctx) {
        let page = self.cursor.page();
        let first = self.cursor.offset(page);
        let filter = self.server_filter.clone();
        let sql = self.sql.as_ref().map(|s| {
            let key = match self.sort {
                SortKey::Created => crate::db::SortKey::Created,
                SortKey::LastSignIn => crate::db::SortKey::LastSignIn,
                SortKey::Email => crate::db::SortKey::Email,
            };
            (
                s.query.clone(),
                crate::db::Sort {
                    key,
                    descending: self.descending,
                },
            )
        });
        let Some(w) = self.window.as_mut() else {
            return;
        };
        let view = first..first + page;
        for fetch in w.plan(view.clone(), page) {
            let tail = matches!(fetch, Fetch::Tail { .. });
            let call = match (&fetch, &sql) {
                (Fetch::Offset { page }, _) => ApiCall::UsersByPage(ListUsers {
                    page: u32::try_from(page + 1).unwrap_or(u32::MAX),
                    per_page: PAGE as u32,
                    filter: filter.clone(),
                    sort: Some(UserSort::CreatedDesc),
                }),
                // The tail is the list read from its other end.
                (Fetch::Head { cursor, .. } | Fetch::Tail { cursor, .. }, Some((query, sort))) => {
                    ApiCall::DbUsers(DbUsersQuery {
                        query: query.clone(),
                        sort: *sort,
                        reverse: tail,
                        cursor: cursor.clone(),
                        limit: PAGE,
                        now: ctx.now,
                    })
                }
                (Fetch::Head { cursor, .. } | Fetch::Tail { cursor, .. }, None) => {
                    ApiCall::UsersByCursor(KeysetQuery {
                        limit: PAGE as u32,
                        cursor: cursor.clone(),
                        filter: filter.clone(),
                        sort: Some(if tail {
                            UserSort::CreatedAsc
                        } else {
                            UserSort::CreatedDesc
                        }),
                    })
                }
            };
            self.fetches.push((ctx.send(call), fetch));
        }
        w.evict(view);
    }

    /// A window page's answer.
    fn fetched(&mut self, fetch: Fetch, listing: Listing, ctx: &mut Ctx) {
        let Some(w) = self.window.as_mut() else {
            return;
        };
        let rows = |users: Vec<User>| users.iter().map(UserRow::from_user).collect::<Vec<_>>();
        match (&fetch, listing) {
            (Fetch::Offset { page }, Listing::Offset(p)) => {
                w.offset_page(*page, rows(p.users), p.total);
            }
            (Fetch::Head { .. } | Fetch::Tail { .. }, Listing::Keyset(p)) => {
                w.cursor_page(&fetch, rows(p.users), p.next_cursor, p.has_more);
            }
            _ => {
                w.forget(&fetch);
                let key = ctx.keys.key_of(Context::Users, Action::Refresh);
                ctx.flash(
                    Level::Error,
                    format!("The server changed how it pages users: {key} reloads"),
                );
                return;
            }
        }
        // A new window over a database: at the user that was selected, once read.
        let kept = self.keep.and_then(|id| w.place_of(id));
        if kept.is_some() {
            self.keep = None;
        }
        if matches!(self.load, Load::Failed(_) | Load::Loading { .. }) {
            self.load = Load::Done;
        }
        let len = self.list_len();
        self.cursor
            .select(kept.unwrap_or(self.cursor.selected()), len);
        self.sync_filter_rows();
        self.fill(ctx);
    }

    /// The filter, read: its text and its conditions.
    pub fn query(&self) -> Query {
        Query::parse(self.filter.value())
    }

    /// What `/` asks GoTrue for over a window: the filter's text without its conditions
    /// (GoTrue's `filter` knows only text).
    fn search_query(&self) -> String {
        let raw = self.filter.value().trim();
        if raw.contains(':') {
            self.query().text
        } else {
            raw.to_owned()
        }
    }

    /// The filter's text changed: over a window, GoTrue is asked once typing pauses.
    fn search_later(&mut self, now: DateTime<Utc>) {
        let query = self.search_query();
        if self.window.is_none() || query.is_empty() {
            self.found.due = None;
            return;
        }
        if self.found.found.as_ref().is_some_and(|f| f.query == query) {
            self.found.due = None;
            return;
        }
        self.found.due = Some((query, now + chrono::Duration::milliseconds(SEARCH_PAUSE_MS)));
    }

    /// With a database: the typed filter is asked for once typing pauses (nothing when it
    /// is what the list shows already).
    fn search_sql_later(&mut self, now: DateTime<Utc>) {
        let typed = self.filter.value().trim();
        if self.sql.as_ref().is_some_and(|s| s.query == typed) {
            self.found.due = None;
            return;
        }
        self.found.due = Some((
            typed.to_owned(),
            now + chrono::Duration::milliseconds(SEARCH_PAUSE_MS),
        ));
    }

    /// Sends the waiting query; the one in flight before it is cancelled.
    fn search_now(&mut self, ctx: &mut Ctx) {
        let Some((query, _)) = self.found.due.take() else {
            return;
        };
        if let Some((_, old)) = self.found.pending.take() {
            ctx.commands.push(Command::Cancel(old.id()));
        }
        let request = match search_kind(&query) {
            SearchKind::Id(id) => SearchRequest::Id(ctx.send(ApiCall::GetUser(id))),
            SearchKind::Phone => {
                let key = ctx.keys.key_of(Context::Users, Action::LoadAll);
                self.found.found = Some(Found {
                    query,
                    rows: Vec::new(),
                    more: false,
                    note: Some(format!(
                        "GoTrue's filter matches emails and names, not phone numbers: \
                         {key} loads every user to search them"
                    )),
                });
                self.sync_filter_rows();
                return;
            }
            SearchKind::Filter => {
                SearchRequest::Filter(ctx.send(ApiCall::UsersByCursor(KeysetQuery {
                    limit: SEARCH_LIMIT,
                    cursor: None,
                    filter: Some(query.clone()),
                    sort: Some(UserSort::CreatedDesc),
                })))
            }
        };
        self.found.pending = Some((query, request));
    }

    /// GoTrue's answer to the search in flight.
    fn searched(&mut self, result: Result<ApiReply, GoTrueError>) {
        let Some((query, request)) = self.found.pending.take() else {
            return;
        };
        let rows = |users: Vec<User>| users.iter().map(UserRow::from_user).collect::<Vec<_>>();
        let found = match request {
            SearchRequest::Filter(p) => match p.read(result) {
                Ok(Listing::Keyset(page)) => Found {
                    query,
                    rows: rows(page.users),
                    more: page.has_more,
                    note: None,
                },
                Ok(Listing::Offset(page)) => {
                    let more = page.total.is_some_and(|t| t > page.users.len() as u64);
                    Found {
                        query,
                        rows: rows(page.users),
                        more,
                        note: None,
                    }
                }
                Err(e) => Found {
                    query,
                    rows: Vec::new(),
                    more: false,
                    note: Some(format!("GoTrue's search failed: {e}")),
                },
            },
            SearchRequest::Id(p) => match p.read(result) {
                Ok(user) => Found {
                    query,
                    rows: vec![UserRow::from_user(&user)],
                    more: false,
                    note: None,
                },
                Err(e) if e.status == Some(404) => Found {
                    query,
                    rows: Vec::new(),
                    more: false,
                    note: Some("GoTrue has no user with this id".into()),
                },
                Err(e) => Found {
                    query,
                    rows: Vec::new(),
                    more: false,
                    note: Some(format!("Looking up the id failed: {e}")),
                },
            },
        };
        self.found.found = Some(found);
        self.sync_filter_rows();
    }

    /// The filter went: GoTrue's side of it too.
    fn clear_search(&mut self, ctx: &mut Ctx) {
        self.found.due = None;
        self.found.found = None;
        if let Some((_, old)) = self.found.pending.take() {
            ctx.commands.push(Command::Cancel(old.id()));
        }
    }

    /// ` · 2,400/s · about 6 min left` while every user is streaming.
    fn pace_label(&self, loaded: u64, total: Option<u64>, now: DateTime<Utc>) -> String {
        let Some(since) = self.streaming_since else {
            return String::new();
        };
        let secs = (now - since).num_milliseconds() as f64 / 1000.0;
        time::rate_and_left(loaded, total, secs)
    }

    /// What GoTrue's side of `/` is doing, for the filter line.
    fn search_state(&self, load_all_key: &str) -> Option<String> {
        if let Some(sql) = &self.sql {
            return self.sql_state(sql);
        }
        let query = self.search_query();
        if self.window.is_none() || self.filter.value().trim().is_empty() {
            return None;
        }
        if query.is_empty() {
            return Some(format!(
                "conditions look at the {} users held; {load_all_key} loads every user",
                thousands(self.rows.len() as u64)
            ));
        }
        if self.found.pending.is_some() || self.found.due.is_some() {
            return Some("asking GoTrue…".into());
        }
        let f = self.found.found.as_ref().filter(|f| f.query == query)?;
        Some(match (&f.note, f.rows.len(), f.more) {
            (Some(note), _, _) => note.clone(),
            (None, 0, _) => "GoTrue found nobody".into(),
            (None, n, true) => format!("GoTrue: the newest {n} of more; type more to narrow"),
            (None, n, false) => format!("GoTrue found {n}"),
        })
    }

    /// With a database: what the filter found, by status (or that it is asking).
    fn sql_state(&self, sql: &SqlList) -> Option<String> {
        if self.found.due.is_some() || sql.count.is_some() {
            return Some("asking the database…".into());
        }
        if sql.query.is_empty() {
            return None;
        }
        let c = sql.counts?;
        let mut out = match c.total {
            0 => return Some("SQL: nobody".into()),
            1 => "SQL: 1 user".to_owned(),
            n => format!("SQL: {} users", thousands(n)),
        };
        // What is not plain: everyone else is a confirmed user.
        for (n, label) in [
            (c.unconfirmed, "unconfirmed"),
            (c.invited, "invited"),
            (c.anonymous, "anonymous"),
            (c.banned, "banned"),
            (c.deleted, "deleted"),
            (c.sso, "SSO"),
            (c.mfa, "MFA"),
        ] {
            if n > 0 {
                out.push_str(&format!(" · {} {label}", thousands(n)));
            }
        }
        Some(out)
    }

    /// Whether the row came from GoTrue's search, not from the rows held.
    fn found_by_gotrue(&self, id: UserId) -> bool {
        self.window
            .as_ref()
            .is_some_and(|w| w.place_of(id).is_none())
            && self
                .found
                .found
                .as_ref()
                .is_some_and(|f| f.rows.iter().any(|r| r.id == id))
    }

    /// The user selected in the window (before a filter hides it).
    fn window_selected(&self) -> Option<UserId> {
        let w = self.window.as_ref()?;
        w.row(self.cursor.selected()).map(|r| r.id)
    }

    /// A load or a page failed: said once; nothing is asked again until a key asks.
    fn failed(&mut self, e: GoTrueError, ctx: &mut Ctx) {
        ctx.flash(Level::Error, format!("Loading users failed: {e}"));
        self.load = Load::Failed(e);
    }

    /// While the instant filter has text over a window, `rows` holds the window's rows, in
    /// its order, for the filter to run over.
    fn sync_filter_rows(&mut self) {
        let Some(w) = &self.window else {
            return;
        };
        if self.filter.value().trim().is_empty() {
            return;
        }
        let mut held: Vec<(usize, UserRow)> = w
            .rows()
            .filter(|(p, _)| !w.is_gone(*p))
            .map(|(p, r)| (p, r.clone()))
            .collect();
        held.sort_unstable_by_key(|(p, _)| *p);
        let keep = self.selected_row().map(|r| r.id);
        self.rows = held.into_iter().map(|(_, r)| r).collect();
        // What GoTrue found beyond the window, after the rows held.
        let query = self.search_query();
        if let Some(f) = self.found.found.as_ref().filter(|f| f.query == query) {
            for r in &f.rows {
                if w.place_of(r.id).is_none() {
                    self.rows.push(r.clone());
                }
            }
        }
        self.reindex();
        self.narrowed.clear();
        self.keep = keep.or(self.keep);
        self.refilter();
    }

    fn add_batch(&mut self, batch: UsersBatch) {
        if self.replace_on_next {
            self.replace_on_next = false;
            // Every user is coming: the window gives way.
            self.window = None;
            self.rows.clear();
            self.by_id.clear();
            self.order.clear();
            self.search = SearchText::default();
        }
        let start = self.rows.len() as u32;
        let mut replaced = false;
        for user in &batch.users {
            let row = UserRow::from_user(user);
            if let Some(&i) = self.by_id.get(&user.id) {
                self.rows[i as usize] = row;
                replaced = true;
                continue;
            }
            self.by_id.insert(user.id, self.rows.len() as u32);
            self.search.push(&row);
            self.rows.push(row);
        }
        if replaced {
            self.search.rebuild(&self.rows);
        }
        // Merge the new rows into the sorted order: linear, not a full re-sort per page.
        let mut fresh: Vec<u32> = (start..self.rows.len() as u32).collect();
        fresh.sort_by(|a, b| self.compare(*a, *b));
        let old = std::mem::take(&mut self.order);
        self.order = merge(old, fresh, |a, b| self.compare(a, b));
        self.load = Load::Loading {
            loaded: batch.loaded,
            total: batch.total,
        };
        // Pages arriving before anyone chose a row leave the selection at the top.
        let follow = self.chosen || !self.filter.value().trim().is_empty();
        self.refilter_following(follow);
    }

    fn compare(&self, a: u32, b: u32) -> Ordering {
        let (ra, rb) = (&self.rows[a as usize], &self.rows[b as usize]);
        let ord = match self.sort {
            SortKey::Created => ra.created.cmp(&rb.created),
            SortKey::LastSignIn => ra.last_sign_in.cmp(&rb.last_sign_in),
            SortKey::Email => ra.label().cmp(&rb.label()),
        };
        let ord = if self.descending { ord.reverse() } else { ord };
        ord.then_with(|| ra.id.cmp(&rb.id))
    }

    fn resort(&mut self) {
        let mut order = std::mem::take(&mut self.order);
        order.sort_by(|a, b| self.compare(*a, *b));
        self.order = order;
        self.refilter();
    }

    /// Recomputes the view from the order and the instant filter, keeping the selection.
    /// Before anyone chose a row (the first load), the selection stays at the top instead of
    /// following whichever user happened to be first when the first page arrived.
    fn refilter(&mut self) {
        self.refilter_following(true);
    }

    fn refilter_following(&mut self, follow: bool) {
        self.refilter_from(follow, None);
    }

    /// `edited_from`: the filter's text before an edit, when only the filter changed. A
    /// filter that grew (a character typed) can only drop users, so the users in view are
    /// searched, not every loaded one; one erased back to an earlier text gets that text's
    /// view back. Anything else searches every user.
    fn refilter_from(&mut self, follow: bool, edited_from: Option<String>) {
        let keep = self
            .selected_row()
            .map(|r| r.id)
            .filter(|_| follow)
            .or(self.keep);
        if let Some(w) = self.windowed() {
            // Back to the window: at the user that was selected, if it holds them.
            let at = keep.and_then(|id| w.place_of(id));
            let len = w.len();
            self.cursor
                .select(at.unwrap_or(self.cursor.selected()), len);
            self.keep = None;
            return;
        }
        // Conditions (`is:banned`) can widen as they are typed, so only plain text narrows
        // from the view before.
        let plain = !self.filter.value().contains(':');
        let query = self.query();
        let needle = if plain {
            self.filter.value().trim().to_lowercase()
        } else {
            query.text.clone()
        };
        // One searcher for the keystroke, not one per row: `str::contains` sets up its
        // searcher on every call, which was most of a keystroke over 100,000 users.
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let text = &self.search;
        let search = |within: &[u32]| -> Vec<u32> {
            if within.len() * 8 < text.rows() {
                // A few rows: look at each.
                return within
                    .iter()
                    .copied()
                    .filter(|i| finder.find(text.row_text(*i as usize)).is_some())
                    .collect();
            }
            let hits = text.matching(&finder);
            within
                .iter()
                .copied()
                .filter(|i| hits.get(*i as usize).copied().unwrap_or(false))
                .collect()
        };
        let earlier = edited_from
            .as_ref()
            .filter(|_| plain)
            .and_then(|_| self.narrowed.iter().rposition(|(text, _)| *text == needle));
        let edited_from = edited_from.filter(|b| plain && !b.contains(':'));
        self.view = match (edited_from, earlier) {
            _ if needle.is_empty() => {
                self.narrowed.clear();
                self.order.clone()
            }
            (_, Some(at)) => {
                self.narrowed.truncate(at + 1);
                self.narrowed
                    .pop()
                    .map(|(_, view)| view)
                    .unwrap_or_default()
            }
            (Some(before), None) if !before.is_empty() && needle.contains(&before) => {
                let view = search(&self.view);
                let previous = std::mem::take(&mut self.view);
                self.narrowed.push((before, previous));
                view
            }
            _ => {
                self.narrowed.clear();
                search(&self.order)
            }
        };
        let (rows, now) = (&self.rows, self.now);
        if query.needs_passkeys() {
            // Whose passkeys to read: whom the other words leave.
            let others = query.without_passkeys();
            self.view
                .retain(|i| rows.get(*i as usize).is_some_and(|r| others.holds(r, now)));
            self.scan_due = Some(Some(self.view.clone()));
        } else if self.passkey_scan.is_some() {
            self.scan_due = Some(None);
        }
        if query.has_terms() {
            self.view
                .retain(|i| rows.get(*i as usize).is_some_and(|r| query.holds(r, now)));
        }
        let mut pos = self.cursor.selected();
        if let Some(id) = keep {
            if let Some(found) = self.position_of(id) {
                pos = found;
                self.keep = None;
            } else {
                self.keep = Some(id);
            }
        }
        self.cursor.select(pos, self.view.len());
    }

    fn position_of(&self, id: UserId) -> Option<usize> {
        let idx = *self.by_id.get(&id)?;
        self.view.iter().position(|i| *i == idx)
    }

    fn move_to(&mut self, pos: usize) {
        self.chosen = true;
        let len = self.list_len();
        self.cursor.select(pos, len);
        self.keep = None;
    }

    /// A form action while a filter field has the focus: Enter (or ↓ from the instant
    /// filter) keeps it, Esc drops the instant filter's text.
    fn field_action(&mut self, editing: Editing, action: Action, ctx: &mut Ctx) -> bool {
        match (editing, action) {
            (_, Action::Back) => {
                if editing == Editing::Filter {
                    self.filter.reset();
                    self.clear_search(ctx);
                    if self.sql.is_some() {
                        self.apply_sql_query(ctx);
                    } else {
                        self.refilter();
                    }
                }
                self.editing = None;
            }
            (Editing::Filter, Action::Submit | Action::NextField) => {
                self.editing = None;
                // Enter does not wait for the pause.
                if self.sql.is_some() {
                    self.apply_sql_query(ctx);
                }
            }
            (Editing::ServerFilter, Action::Submit) => {
                self.editing = None;
                let text = self.server_input.value().trim().to_owned();
                self.server_filter = (!text.is_empty()).then_some(text);
                self.reload(ctx);
            }
            _ => return false,
        }
        true
    }

    /// Typing into the focused filter field.
    fn type_key(&mut self, key: KeyEvent, now: DateTime<Utc>) {
        match self.editing {
            Some(Editing::Filter) if self.sql.is_some() => {
                self.filter
                    .handle_event(&ratatui::crossterm::event::Event::Key(key));
                self.search_sql_later(now);
            }
            Some(Editing::Filter) => {
                let before = self.filter.value().trim().to_lowercase();
                let raw_before = self.filter.value().to_owned();
                self.filter
                    .handle_event(&ratatui::crossterm::event::Event::Key(key));
                if self.filter.value() != raw_before {
                    self.search_later(now);
                }
                if self.window.is_some() && before.is_empty() {
                    // The filter starts over a window: over the rows it holds.
                    self.keep = self.keep.or(self.window_selected());
                    self.sync_filter_rows();
                } else if self.filter.value() != raw_before {
                    self.refilter_from(true, Some(before));
                    if self.keep.is_some() {
                        self.move_to(0);
                    }
                }
            }
            Some(Editing::ServerFilter) => {
                self.server_input
                    .handle_event(&ratatui::crossterm::event::Event::Key(key));
            }
            None => {}
        }
    }

    fn sort_label(&self) -> String {
        let dir = match (self.sort, self.descending) {
            (SortKey::Email, false) | (_, false) => "↑",
            _ => "↓",
        };
        format!("{} {dir}", self.sort.label())
    }

    /// The table title: `Users [1–18 of 12,408]`; a window says how it pages.
    pub fn title(&self) -> String {
        if let Some(w) = self.windowed() {
            let page = self.cursor.page();
            let offset = self.cursor.offset(page);
            let len = w.len();
            let last = (offset + page).min(len);
            let of = match w.total() {
                Some(t) => thousands(t as u64),
                None => format!("{}+", thousands(len.saturating_sub(1) as u64)),
            };
            let how = match w.paging() {
                Paging::Keyset => "by cursor",
                Paging::Offset => "by page",
            };
            let mut title = if self.sql.is_some() {
                format!(
                    " Users [{}–{last} of {of}] · sort {} · SQL ",
                    (offset + 1).min(last),
                    self.sort_label()
                )
            } else {
                format!(
                    " Users [{}–{last} of {of}] · newest first · a window, {how} ",
                    (offset + 1).min(last)
                )
            };
            if self.outdated {
                title.push_str("· new users: R shows them ");
            }
            title.push_str(&self.bulk_title());
            return title;
        }
        let shown = self.view.len();
        let range = if shown == 0 {
            "0".to_owned()
        } else {
            let offset = self.cursor.offset(self.cursor.page());
            let last = (offset + self.cursor.page()).min(shown);
            format!("{}–{}", offset + 1, last)
        };
        let mut title = format!(" Users [{range} of {}]", thousands(shown as u64));
        if self.stopped {
            title.push_str(" · stopped before the end: R reloads");
        }
        if shown != self.rows.len() {
            title.push_str(&format!(" of {} loaded", thousands(self.rows.len() as u64)));
        }
        title.push_str(&format!(" · sort {} ", self.sort_label()));
        title.push_str(&self.bulk_title());
        title
    }

    /// A reload that failed over rows already shown: they stay, under a panel that says why
    /// they may be out of date (the flash alone would go away).
    fn stale_error(&self) -> Option<&GoTrueError> {
        match &self.load {
            Load::Failed(err) if self.total_loaded() > 0 => Some(err),
            _ => None,
        }
    }

    fn shows_filter(&self) -> bool {
        self.editing.is_some() || !self.filter.value().is_empty() || self.server_filter.is_some()
    }

    /// The filter line, the status rows and the table: one layout for drawing and paging.
    fn areas(&self, area: Rect) -> [Rect; 3] {
        Layout::vertical([
            Constraint::Length(u16::from(self.shows_filter())),
            Constraint::Length(self.status_rows()),
            Constraint::Fill(1),
        ])
        .areas(area)
    }

    /// Rows above the table for the load's state: the progress gauge, or the failure panel.
    pub fn status_rows(&self) -> u16 {
        match self.load {
            Load::Loading { .. } => 1,
            _ if self.stale_error().is_some() => 2,
            _ => 0,
        }
    }

    fn draw_filter(&self, frame: &mut Frame, area: Rect, view: &View) {
        let mut spans = Vec::new();
        let editing_server = self.editing == Some(Editing::ServerFilter);
        let filter_label = Span::styled(
            "/ ",
            if self.editing == Some(Editing::Filter) {
                theme::key()
            } else {
                theme::dim()
            },
        );
        spans.push(filter_label);
        spans.push(Span::raw(self.filter.value().to_owned()));
        let cursor_x = area.x + 2 + self.filter.visual_cursor() as u16;
        let server_text = if editing_server {
            self.server_input.value().to_owned()
        } else {
            self.server_filter.clone().unwrap_or_default()
        };
        let server_start = area.x + 2 + self.filter.value().chars().count() as u16 + 3;
        // The `f` slot only when it is in use: beside `/`'s own search, an empty
        // "GoTrue filter:" read as if it were the one that found nobody.
        if editing_server || !server_text.is_empty() {
            spans.push(Span::raw("   "));
            spans.push(Span::styled(
                "GoTrue filter: ",
                if editing_server {
                    theme::key()
                } else {
                    theme::dim()
                },
            ));
            spans.push(Span::raw(server_text));
        }
        let load_all = view.key(Context::Users, Action::LoadAll);
        if let Some(state) = self.search_state(&load_all) {
            spans.push(Span::raw("   "));
            spans.push(Span::styled(state, theme::info()));
        }
        let query = self.query();
        if let Some(problem) = query.problems.last() {
            spans.push(Span::raw("   "));
            spans.push(Span::styled(problem.clone(), theme::warn()));
        } else if query.needs_passkeys() {
            spans.push(Span::raw("   "));
            spans.push(Span::styled(self.passkey_note(), theme::info()));
        }
        frame.render_widget(Paragraph::new(Line::from(spans)), area);
        match self.editing {
            Some(Editing::Filter) => frame.set_cursor_position((cursor_x, area.y)),
            Some(Editing::ServerFilter) => frame.set_cursor_position((
                server_start + 15 + self.server_input.visual_cursor() as u16,
                area.y,
            )),
            None => {}
        }
    }
}

/// Merges two sorted lists.
/// Every row's lower-cased email, phone, id, name and providers, end to end in one string:
/// row `i` ends at `ends[i]`, each followed by a line break that no row's text holds. A
/// keystroke scans this one buffer with one SIMD searcher instead of visiting 100,000 small
/// strings scattered over the heap, and the rows cost no allocation each.
#[derive(Debug, Default)]
struct SearchText {
    text: String,
    ends: Vec<u32>,
}

impl SearchText {
    fn rows(&self) -> usize {
        self.ends.len()
    }

    fn push(&mut self, row: &UserRow) {
        let text = format!(
            "{} +{} {} {} {}",
            row.email,
            row.phone,
            row.id,
            row.name.as_deref().unwrap_or_default(),
            row.providers
        )
        .to_lowercase()
        .replace(['\n', '\r'], " ");
        self.text.push_str(&text);
        self.text.push('\n');
        self.ends
            .push(u32::try_from(self.text.len()).unwrap_or(u32::MAX));
    }

    /// After a row changed or went: rows are replaced rarely, so all is written again.
    fn rebuild(&mut self, rows: &[UserRow]) {
        self.text.clear();
        self.ends.clear();
        for row in rows {
            self.push(row);
        }
    }

    /// Row `i`'s text, without its line break.
    fn row_text(&self, i: usize) -> &[u8] {
        let start = match i {
            0 => 0,
            _ => self.ends.get(i - 1).map_or(0, |e| *e as usize),
        };
        let end = self
            .ends
            .get(i)
            .map_or(start, |e| (*e as usize).saturating_sub(1));
        self.text.as_bytes().get(start..end).unwrap_or_default()
    }

    /// For each row, whether its text holds the searcher's needle (a needle with a line
    /// break matches none, so a match never spans two rows). After a match the scan goes on at the next
    /// row, so a row costs one search however often it matches.
    fn matching(&self, finder: &memchr::memmem::Finder<'_>) -> Vec<bool> {
        let bytes = self.text.as_bytes();
        let mut hits = vec![false; self.ends.len()];
        if finder.needle().contains(&b'\n') {
            // No row's text holds a line break: only the separators do.
            return hits;
        }
        let mut pos = 0;
        let mut row = 0;
        while pos < bytes.len() {
            let Some(at) = finder.find(&bytes[pos..]) else {
                break;
            };
            let p = pos + at;
            while row < self.ends.len() && self.ends[row] as usize <= p {
                row += 1;
            }
            let Some(end) = self.ends.get(row) else {
                break;
            };
            hits[row] = true;
            pos = *end as usize;
            row += 1;
        }
        hits
    }
}

fn merge(a: Vec<u32>, b: Vec<u32>, cmp: impl Fn(u32, u32) -> Ordering) -> Vec<u32> {
    if a.is_empty() {
        return b;
    }
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if cmp(a[i], b[j]) != Ordering::Greater {
            out.push(a[i]);
            i += 1;
        } else {
            out.push(b[j]);
            j += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

impl Screen for UsersScreen {
    fn set_area(&mut self, area: Rect) {
        self.bulk_set_area(area);
        let len = self.list_len();
        let before = self.cursor.page();
        self.cursor.set_table(self.areas(area)[2], len);
        if self.window.is_some() && self.cursor.page() > before {
            self.refill = true;
        }
    }

    fn on_click(&mut self, column: u16, row: u16) -> crate::console::widgets::list::Click {
        let len = self.list_len();
        self.cursor.click(column, row, len)
    }

    fn context(&self) -> Context {
        if self.is_editing() {
            Context::Form
        } else if self.bulk_shown() {
            Context::BulkRun
        } else {
            Context::Users
        }
    }

    fn on_text(&mut self, key: KeyEvent, ctx: &mut Ctx) {
        self.now = ctx.now;
        self.type_key(key, ctx.now);
        self.sync_scan(ctx);
    }

    fn wake_at(&self) -> Option<DateTime<Utc>> {
        if self.refill {
            // At once: the app wakes no earlier than now.
            return Some(DateTime::<Utc>::MIN_UTC);
        }
        let search = self.found.due.as_ref().map(|(_, at)| *at);
        match (search, self.bulk_wake()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn unfinished(&self) -> Option<String> {
        self.bulk_busy().then(|| {
            if self.run_file.is_some() {
                "a bulk run is sending (what is out finishes; the next start offers the rest)"
                    .into()
            } else {
                "a bulk run is sending (what is out finishes; the rest is not sent)".into()
            }
        })
    }

    fn on_task(
        &mut self,
        id: RequestId,
        result: Result<crate::console::command::TaskReply, crate::console::command::TaskError>,
        ctx: &mut Ctx,
    ) {
        if !self.bulk_task(id, result, ctx) {
            tracing::debug!("an answer for a task the users list no longer waits for");
        }
    }

    fn on_clock(&mut self, ctx: &mut Ctx) {
        self.now = ctx.now;
        self.pump(ctx);
        if std::mem::take(&mut self.refill) {
            self.fill(ctx);
        }
        if self
            .found
            .due
            .as_ref()
            .is_some_and(|(_, at)| *at <= ctx.now)
        {
            if self.sql.is_some() {
                self.apply_sql_query(ctx);
            } else {
                self.search_now(ctx);
            }
        }
    }

    fn on_paste(&mut self, text: &str, ctx: &mut Ctx) {
        self.now = ctx.now;
        let text: String = text.chars().filter(|c| !c.is_control()).collect();
        match self.editing {
            Some(Editing::Filter) => {
                let started = self.filter.value().trim().is_empty();
                let v = format!("{}{}", self.filter.value(), text);
                self.filter = Input::new(v);
                if self.sql.is_some() {
                    // The database is asked once typing pauses; nothing is filtered here.
                    self.search_sql_later(ctx.now);
                } else if self.window.is_some() && started {
                    self.search_later(ctx.now);
                    self.keep = self.keep.or(self.window_selected());
                    self.sync_filter_rows();
                } else {
                    self.search_later(ctx.now);
                    self.refilter();
                }
            }
            Some(Editing::ServerFilter) => {
                let v = format!("{}{}", self.server_input.value(), text);
                self.server_input = Input::new(v);
            }
            None => {}
        }
        self.sync_scan(ctx);
    }

    /// Returns false when the action is not this screen's.
    fn on_action(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        let handled = self.act(action, ctx);
        self.sync_scan(ctx);
        handled
    }

    fn on_reply(&mut self, id: RequestId, result: Result<ApiReply, GoTrueError>, ctx: &mut Ctx) {
        self.reply(id, result, ctx);
        self.sync_scan(ctx);
    }

    fn draw(&self, frame: &mut Frame, area: Rect, view: &View) {
        if self.bulk_shown() {
            return self.draw_run(frame, area, view);
        }
        let (now, mask) = (view.now, view.masked);
        let loading = matches!(self.load, Load::Loading { .. });
        let show_filter = self.shows_filter();
        let stale = self.stale_error();
        let [filter_area, gauge_area, table_area] = self.areas(area);
        if let Some(err) = stale {
            let lines = vec![
                Line::from(vec![
                    Span::styled("Loading users failed: ", theme::danger()),
                    Span::styled(err.to_string(), theme::danger()),
                ]),
                Line::from(vec![
                    Span::styled(
                        format!(
                            "Showing the {} users loaded before it.  ",
                            thousands(self.total_loaded() as u64)
                        ),
                        theme::dim(),
                    ),
                    Span::styled(view.key(Context::Users, Action::Retry), theme::key()),
                    Span::raw(" retry  "),
                    Span::styled(panel::advice(err).unwrap_or_default(), theme::info()),
                ]),
            ];
            frame.render_widget(Paragraph::new(lines), gauge_area);
        }

        if show_filter {
            self.draw_filter(frame, filter_area, view);
        }
        if let Load::Loading { loaded, total } = self.load {
            let ratio = match total {
                Some(t) if t > 0 => (loaded as f64 / t as f64).clamp(0.0, 1.0),
                _ => 0.0,
            };
            let mut label = match total {
                Some(t) => format!("loading {} of {}", thousands(loaded), thousands(t)),
                None => format!("loading… {}", thousands(loaded)),
            };
            label.push_str(&self.pace_label(loaded, total, now));
            if self.pending.is_some() {
                let key = view.key(Context::Users, Action::LoadAll);
                label.push_str(&format!(" · {key} stops"));
            }
            frame.render_widget(
                Gauge::default()
                    .gauge_style(theme::info())
                    .ratio(ratio)
                    .label(label),
                gauge_area,
            );
        }

        let block = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(self.title(), theme::title()));
        // Nothing to show: the shared block says why (each way of failing in its title).
        let clear = view.key(Context::Users, Action::ClearFilter);
        let no_match = format!("No loaded user matches the filter ({clear} clears it)");
        let none_found = format!("GoTrue found no user for this filter ({clear} clears it)");
        let state = match &self.load {
            Load::Failed(err) if self.total_loaded() == 0 => Some(panel::LoadState::Failed {
                what: "Loading users",
                err,
                hints: view.hints(&[
                    (Context::Users, Action::Retry, "retry"),
                    (Context::Global, Action::GoSession, "session"),
                    (Context::Global, Action::Quit, "quit"),
                ]),
            }),
            _ if self.windowed().is_some_and(|w| !w.is_empty()) => None,
            _ if self.windowed().is_none() && !self.view.is_empty() => None,
            _ if loading => Some(panel::LoadState::Loading("Loading users…")),
            _ if self.found.pending.is_some() || self.found.due.is_some() => Some(
                panel::LoadState::Loading("None of the users held matches; asking GoTrue…"),
            ),
            _ if !self.rows.is_empty() => Some(panel::LoadState::Empty(&no_match)),
            _ if self.server_filter.is_some() => Some(panel::LoadState::Empty(&none_found)),
            _ => Some(panel::LoadState::Empty("No users yet")),
        };
        if let Some(state) = state {
            panel::draw_load_state(frame, table_area, block, state);
            return;
        }

        let wide = table_area.width >= 110;
        let mid = table_area.width >= 96;
        let mut header = vec!["Email / phone"];
        let mut widths = vec![Constraint::Fill(1)];
        if wide {
            header.push("Phone");
            widths.push(Constraint::Length(14));
        }
        header.push("Providers");
        widths.push(Constraint::Length(if mid { 15 } else { 11 }));
        if mid {
            header.push("Conf");
            widths.push(Constraint::Length(4));
        }
        header.extend(["Last sign-in", "Created", "Status"]);
        widths.extend([
            Constraint::Length(12),
            Constraint::Length(10),
            Constraint::Length(if mid { 20 } else { 13 }),
        ]);

        let offset = self.cursor.offset(self.cursor.page());
        let end = (offset + self.cursor.page()).min(self.list_len());
        // What each place on screen holds: a user, one deleted meanwhile, or nothing yet.
        let shown: Vec<Option<(&UserRow, bool)>> = match self.windowed() {
            Some(w) => (offset..end)
                .map(|p| w.row(p).map(|r| (r, w.is_gone(p))))
                .collect(),
            None => self.view[offset..end]
                .iter()
                .map(|idx| self.rows.get(*idx as usize).map(|r| (r, false)))
                .collect(),
        };
        let columns = header.len();
        let marking = self.marks.len() > 0;
        // A row that is one dim text in its first cell.
        let one_cell = |text: String, selected: bool| {
            let mut cells = vec![Cell::from(Span::styled(text, theme::dim()))];
            cells.extend((1..columns).map(|_| Cell::from("")));
            let row = Row::new(cells);
            if selected {
                row.style(theme::selected())
            } else {
                row
            }
        };
        let rows = shown.into_iter().enumerate().map(|(i, item)| {
            let selected = offset + i == self.cursor.selected();
            let Some((r, gone)) = item else {
                // A page on its way: a placeholder row, never a key that waits for it.
                return one_cell("…".into(), selected);
            };
            if gone {
                return one_cell(
                    format!("{} (deleted)", mask_label(&r.label(), mask)),
                    selected,
                );
            }
            // With a phone column, the first one is for the email alone. A marked user
            // shows a mark before it (and, while anyone is marked, the others a space).
            let mark = match (marking, self.marks.contains(r.id)) {
                (_, true) => Span::styled("● ", theme::accent()),
                (true, false) => Span::raw("  "),
                (false, false) => Span::raw(""),
            };
            let first = if wide && r.email.is_empty() && !r.phone.is_empty() {
                Cell::from(Line::from(vec![mark, Span::styled("—", theme::dim())]))
            } else {
                Cell::from(Line::from(vec![
                    mark,
                    Span::raw(mask_label(&r.label(), mask)),
                ]))
            };
            let mut cells = vec![first];
            if wide {
                cells.push(Cell::from(if r.phone.is_empty() {
                    String::new()
                } else {
                    mask_label(&format!("+{}", r.phone), mask)
                }));
            }
            cells.push(Cell::from(truncate(
                &r.providers,
                if mid { 15 } else { 11 },
            )));
            if mid {
                cells.push(if r.confirmed() {
                    Cell::from(Span::styled("✓", theme::ok()))
                } else if r.anonymous {
                    // Nothing to confirm.
                    Cell::from(Span::styled("–", theme::dim()))
                } else {
                    Cell::from(Span::styled("✗", theme::warn()))
                });
            }
            cells.push(Cell::from(
                r.last_sign_in
                    .map(|t| time::relative(t, now))
                    .unwrap_or_else(|| "never".into()),
            ));
            cells.push(Cell::from(r.created.map(time::date).unwrap_or_default()));
            let mut status: Vec<Span> = r
                .status(now)
                .into_iter()
                .flat_map(|(word, style)| [Span::styled(word, style), Span::raw(" ")])
                .collect();
            if self.found_by_gotrue(r.id) {
                // Found by GoTrue's search, not among the rows held.
                status.insert(0, Span::raw(" "));
                status.insert(0, Span::styled("GoTrue", theme::info()));
            }
            cells.push(Cell::from(Line::from(status)));
            let row = Row::new(cells);
            if selected {
                row.style(theme::selected())
            } else {
                row
            }
        });
        let table = Table::new(rows, widths)
            .header(Row::new(header).style(theme::title()))
            .block(block)
            .column_spacing(1);
        frame.render_widget(table, table_area);
    }
}

impl UsersScreen {
    /// Returns false when the action is not this screen's.
    fn act(&mut self, action: Action, ctx: &mut Ctx) -> bool {
        self.now = ctx.now;
        if let Some(editing) = self.editing {
            return self.field_action(editing, action, ctx);
        }
        if let Some(handled) = self.bulk_action(action, ctx) {
            return handled;
        }
        match action {
            // Retry is for a failed load; otherwise the app's (server health) applies.
            Action::Retry if !matches!(self.load, Load::Failed(_)) => return false,
            Action::Up
            | Action::Down
            | Action::Top
            | Action::Bottom
            | Action::PageUp
            | Action::PageDown => {
                let total_known = self.windowed().is_some_and(|w| w.total().is_some());
                if let Some(sql) = self.sql.as_mut() {
                    sql.bottom_due = action == Action::Bottom && !total_known;
                }
                if let Some(pos) = self.cursor.target(action, self.list_len()) {
                    self.move_to(pos);
                }
                self.fill(ctx);
            }
            Action::LoadAll if self.sql.is_some() => ctx.flash(
                Level::Info,
                "The list is read from the database: every user is a scroll away (G: the last)",
            ),
            Action::Sort | Action::ReverseSort if self.sql.is_some() => {
                if action == Action::Sort {
                    self.sort = self.sort.next();
                    self.descending = self.sort != SortKey::Email;
                } else {
                    self.descending = !self.descending;
                }
                self.reload_sql(ctx);
                ctx.flash(Level::Info, format!("Sorted by {}", self.sort_label()));
            }
            Action::ClearFilter if self.sql.is_some() => {
                self.filter.reset();
                self.clear_search(ctx);
                self.apply_sql_query(ctx);
            }
            Action::LoadAll if self.pending.is_some() => self.stop_loading(ctx),
            Action::LoadAll if self.window.is_some() || self.stopped => self.load_all(ctx),
            Action::LoadAll => ctx.flash(Level::Info, "Every user is loaded already"),
            Action::Sort | Action::ReverseSort if self.window.is_some() => {
                let key = ctx.keys.key_of(Context::Users, Action::LoadAll);
                ctx.flash(
                    Level::Info,
                    format!("A window of a big list is newest first; {key} loads every user to sort them"),
                );
            }
            Action::Retry if self.window.is_some() && self.probe.is_none() => {
                self.load = Load::Done;
                self.fill(ctx);
            }
            Action::Open => match self.selected_row() {
                Some(row) => ctx.effect(Effect::OpenUser(row.id)),
                None => ctx.flash(Level::Warn, "No user selected"),
            },
            Action::Filter => self.editing = Some(Editing::Filter),
            Action::ServerFilter if self.sql.is_some() => {
                let key = ctx.keys.key_of(Context::Users, Action::Filter);
                ctx.flash(
                    Level::Info,
                    format!("The list is read from the database: {key} searches every user there"),
                );
            }
            Action::ServerFilter => {
                self.server_input = Input::new(self.server_filter.clone().unwrap_or_default());
                self.editing = Some(Editing::ServerFilter);
            }
            Action::ClearFilter => {
                self.filter.reset();
                self.clear_search(ctx);
                if self.server_filter.take().is_some() {
                    self.reload(ctx);
                } else {
                    self.refilter();
                }
            }
            Action::Sort => {
                self.sort = self.sort.next();
                self.descending = self.sort != SortKey::Email;
                self.resort();
                ctx.flash(Level::Info, format!("Sorted by {}", self.sort_label()));
            }
            Action::ReverseSort => {
                self.descending = !self.descending;
                self.resort();
                ctx.flash(Level::Info, format!("Sorted by {}", self.sort_label()));
            }
            Action::Refresh | Action::Retry => self.reload(ctx),
            Action::CopyId => match self.selected_row() {
                Some(row) => {
                    ctx.copy("the id", row.id.to_string());
                }
                None => ctx.flash(Level::Warn, "No user selected"),
            },
            Action::CopyEmail => match self.selected_row() {
                Some(row) if !row.email.is_empty() => {
                    ctx.copy("the email", row.email.clone());
                }
                Some(_) => ctx.flash(Level::Warn, "This user has no email"),
                None => ctx.flash(Level::Warn, "No user selected"),
            },
            _ => return false,
        }
        true
    }

    fn reply(&mut self, id: RequestId, result: Result<ApiReply, GoTrueError>, ctx: &mut Ctx) {
        self.now = ctx.now;
        let Some(result) = self.bulk_reply(id, result, ctx) else {
            return;
        };
        let Some(result) = self.passkeys_reply(id, result, ctx) else {
            return;
        };
        if self
            .found
            .pending
            .as_ref()
            .is_some_and(|(_, r)| r.id() == id)
        {
            self.searched(result);
            return;
        }
        if let Some(probe) = self.probe.take_if(|p| p.is(id)) {
            match probe.read(result) {
                Ok(listing) => self.probed(listing, ctx),
                Err(e) => self.failed(e, ctx),
            }
            return;
        }
        if let Some(sql) = self.sql.as_mut()
            && let Some(count) = sql.count.take_if(|p| p.is(id))
        {
            match count.read(result) {
                Ok(counts) => {
                    sql.counts = Some(counts);
                    let to_bottom = std::mem::take(&mut sql.bottom_due);
                    if let Some(w) = self.window.as_mut() {
                        w.set_total(usize::try_from(counts.total).unwrap_or(usize::MAX));
                    }
                    let len = self.list_len();
                    if to_bottom {
                        self.move_to(len.saturating_sub(1));
                    } else {
                        self.cursor.select(self.cursor.selected(), len);
                    }
                    self.fill(ctx);
                }
                // The pages say what is wrong (the same query): the count is only its length.
                Err(e) => tracing::debug!("counting in the database failed: {e}"),
            }
            return;
        }
        if let Some(count) = self.count.take_if(|p| p.is(id)) {
            // Without the count the list still works, its length unknown.
            if let Ok(Listing::Offset(page)) = count.read(result)
                && let Some(total) = page.total
            {
                if total <= LOAD_ALL_BELOW {
                    self.stream_all(ctx);
                } else if let Some(w) = self.window.as_mut() {
                    w.set_total(total as usize);
                }
            }
            return;
        }
        if let Some(at) = self.fetches.iter().position(|(p, _)| p.is(id)) {
            let (pending, fetch) = self.fetches.swap_remove(at);
            match pending.read(result) {
                Ok(listing) => self.fetched(fetch, listing, ctx),
                Err(e) => {
                    if let Some(w) = self.window.as_mut() {
                        w.forget(&fetch);
                    }
                    self.failed(e, ctx);
                }
            }
            return;
        }
        let Some(pending) = self.pending.filter(|p| p.is(id)) else {
            return;
        };
        match pending.read(result) {
            Ok(UsersPage::Batch(batch)) => self.add_batch(batch),
            Ok(UsersPage::Done) => {
                self.pending = None;
                if self.replace_on_next {
                    // The reload found nobody: the old rows are gone.
                    self.add_batch(UsersBatch {
                        users: Vec::new(),
                        loaded: 0,
                        total: Some(0),
                        after: None,
                    });
                }
                self.load = Load::Done;
            }
            Err(e) => {
                self.pending = None;
                self.failed(e, ctx);
            }
        }
    }

    /// Sends what the last refilter asked of the passkey reading.
    fn sync_scan(&mut self, ctx: &mut Ctx) {
        if let Some(due) = self.scan_due.take() {
            self.scan_passkeys(due, Some(ctx));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(email: &str, name: Option<&str>) -> UserRow {
        UserRow {
            name: name.map(str::to_owned),
            email_confirmed: false,
            ..UserRow::plain(uuid::Uuid::nil(), email)
        }
    }

    /// The one-buffer scan finds exactly the rows whose own text holds the needle: never a
    /// match across two rows, every row however often it matches, the first and the last.
    #[test]
    fn the_search_buffer_matches_row_by_row() {
        let rows = vec![
            row("ada@example.com", Some("Ada\nLovelace")),
            row("aaa@aaa.aa", None),
            row("grace@example.org", Some("Grace Hopper")),
            row("zed@z.io", None),
        ];
        let mut text = SearchText::default();
        for r in &rows {
            text.push(r);
        }
        let each = |needle: &str| -> Vec<bool> {
            (0..rows.len())
                .map(|i| memchr::memmem::find(text.row_text(i), needle.as_bytes()).is_some())
                .collect()
        };
        for needle in [
            "a",
            "aa",
            "ada",
            "example",
            ".com",
            "z.io",
            "email",
            "hopper",
            "ada lovelace",
            "com +",
            "io +",
            "zz",
            "o",
            "@",
        ] {
            let finder = memchr::memmem::Finder::new(needle.as_bytes());
            assert_eq!(text.matching(&finder), each(needle), "needle {needle:?}");
        }
        // The end of one row and the start of the next are not one text.
        let across = memchr::memmem::Finder::new(b"email\naaa");
        assert_eq!(text.matching(&across), vec![false; 4]);
        // A name's line break is a space in the search text.
        assert!(memchr::memmem::find(text.row_text(0), b"ada lovelace").is_some());

        // After a change, all is written again and still lines up.
        let mut rows = rows;
        rows[1] = row("bob@example.net", None);
        text.rebuild(&rows);
        let finder = memchr::memmem::Finder::new(b"bob");
        assert_eq!(text.matching(&finder), vec![false, true, false, false]);
        assert_eq!(text.rows(), 4);
    }
}
