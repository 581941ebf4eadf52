//! The users list of a big server, as a window: rows are addressed by their place in
//! GoTrue's order (newest first), only the rows around the screen are held, and a page is
//! asked for only when the screen or a small margin around it needs one.
//!
//! Two ways to reach a place:
//! - **offset** (page numbers): any page at once;
//! - **keyset** (cursors): page `k` needs the cursor that page `k − 1` ended with, so a far
//!   place is reached a page at a time, from the newest end or from the oldest one (the
//!   list read oldest first), whichever is nearer. The cursors of pages already read are
//!   kept (a few dozen bytes each), so a page dropped from the window is fetched again
//!   without walking there.
//!
//! Pure: it says which page to fetch ([`Fetch`]) and takes the answers; the screen sends
//! the requests.

use crate::console::screens::user_row::UserRow;
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

/// Users per request: GoTrue's largest keyset page. An offset page costs GoTrue the same
/// COUNT and sort whatever its size, so fewer, larger pages are the gentler way.
pub const PAGE: usize = 1000;
/// Rows held at most: five pages (about 1.5 MB), whatever the total.
pub const MAX_ROWS: usize = 5 * PAGE;
/// Requests in flight at most.
pub const MAX_IN_FLIGHT: usize = 2;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paging {
    Offset,
    Keyset,
}

/// A page to ask GoTrue for.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Fetch {
    /// Rows `[page·PAGE, (page+1)·PAGE)` by page number (`page + 1` on the wire).
    Offset { page: usize },
    /// Newest first, from `cursor` (none: the first page): rows from `page·PAGE` on.
    Head { page: usize, cursor: Option<String> },
    /// Oldest first, from `cursor`: the `page`-th page from the end.
    Tail { page: usize, cursor: Option<String> },
}

#[derive(Clone, Debug)]
pub struct UserWindow {
    paging: Paging,
    /// Every user in the list, when known: offset pages say it, keyset lists learn it from a
    /// count or from reaching the end.
    total: Option<usize>,
    /// Rows by their place, newest first.
    head: BTreeMap<usize, UserRow>,
    /// Keyset: rows by their place from the oldest end (0 = the oldest user).
    tail: BTreeMap<usize, UserRow>,
    /// Keyset: `head_cursors[k]` starts head page `k + 1`.
    head_cursors: Vec<String>,
    tail_cursors: Vec<String>,
    in_flight: HashSet<Fetch>,
    /// Places of users deleted since their page was read: shown as gone, so the places
    /// after them keep their meaning until the next reload.
    gone: HashSet<usize>,
}

impl UserWindow {
    pub fn new(paging: Paging, total: Option<usize>) -> Self {
        Self {
            paging,
            total,
            head: BTreeMap::new(),
            tail: BTreeMap::new(),
            head_cursors: Vec::new(),
            tail_cursors: Vec::new(),
            in_flight: HashSet::new(),
            gone: HashSet::new(),
        }
    }

    pub fn paging(&self) -> Paging {
        self.paging
    }

    pub fn total(&self) -> Option<usize> {
        self.total
    }

    /// The total became known (a count), or changed.
    pub fn set_total(&mut self, total: usize) {
        self.total = Some(total);
    }

    /// Rows held now.
    pub fn held(&self) -> usize {
        self.head.len() + self.tail.len()
    }

    /// Rows the list shows: the total, else what the newest end has reached (and one more
    /// row, a placeholder saying there is more).
    pub fn len(&self) -> usize {
        match self.total {
            Some(t) => t,
            None => {
                self.head
                    .last_key_value()
                    .map_or(0, |(i, _)| i + 1)
                    .max(self.head_cursors.len() * PAGE)
                    + 1
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The row at `place`, if it is held.
    pub fn row(&self, place: usize) -> Option<&UserRow> {
        if let Some(r) = self.head.get(&place) {
            return Some(r);
        }
        let from_end = self.total?.checked_sub(place + 1)?;
        self.tail.get(&from_end)
    }

    /// Whether the user at `place` was deleted since its page was read.
    pub fn is_gone(&self, place: usize) -> bool {
        self.gone.contains(&place)
    }

    /// Every row held, with its place.
    pub fn rows(&self) -> impl Iterator<Item = (usize, &UserRow)> {
        let total = self.total;
        self.head.iter().map(|(i, r)| (*i, r)).chain(
            self.tail
                .iter()
                .filter_map(move |(j, r)| Some((total?.checked_sub(j + 1)?, r))),
        )
    }

    /// The place of the user `id`, if held.
    pub fn place_of(&self, id: crate::gotrue::UserId) -> Option<usize> {
        self.rows().find(|(_, r)| r.id == id).map(|(i, _)| i)
    }

    /// A changed user: its row is replaced where it is held.
    pub fn update(&mut self, row: UserRow) {
        let id = row.id;
        for r in self.head.values_mut().chain(self.tail.values_mut()) {
            if r.id == id {
                *r = row.clone();
            }
        }
    }

    /// A deleted user: its place stays, marked gone, until the next reload.
    pub fn mark_gone(&mut self, id: crate::gotrue::UserId) {
        if let Some(place) = self.place_of(id) {
            self.gone.insert(place);
        }
    }

    /// The pages to ask for now so that `view` (the rows on screen) and a margin of
    /// `margin` rows around it are held, at most [`MAX_IN_FLIGHT`] at a time; each is
    /// marked in flight. Nothing once they are served.
    pub fn plan(&mut self, view: Range<usize>, margin: usize) -> Vec<Fetch> {
        let len = self.len();
        let want = view.start.saturating_sub(margin)..(view.end + margin).min(len);
        let mut out = Vec::new();
        // The screen first, then the margin below it, then above it.
        let order = view
            .clone()
            .chain(view.end..want.end)
            .chain((want.start..view.start).rev());
        for place in order {
            if self.in_flight.len() >= MAX_IN_FLIGHT {
                break;
            }
            if place >= len || self.row(place).is_some() || self.is_past_end(place) {
                continue;
            }
            let Some(fetch) = self.fetch_for(place) else {
                continue;
            };
            if self.in_flight.insert(fetch.clone()) {
                out.push(fetch);
            }
        }
        out
    }

    /// A keyset list whose end is known has no rows past it.
    fn is_past_end(&self, place: usize) -> bool {
        self.total.is_some_and(|t| place >= t)
    }

    /// The request that brings `place` (or, by cursor, the next step towards it), unless
    /// one is in flight.
    fn fetch_for(&self, place: usize) -> Option<Fetch> {
        let page = place / PAGE;
        let fetch = match self.paging {
            Paging::Offset => Fetch::Offset { page },
            Paging::Keyset => {
                let head = self.head_step(page);
                let tail = self.total.and_then(|t| {
                    let from_end = t.checked_sub(place + 1)?;
                    Some(self.tail_step(from_end / PAGE))
                });
                match (head, tail) {
                    // Reachable at once from one end.
                    ((0, h), _) => h,
                    (_, Some((0, t))) => t,
                    // Else a step from the nearer end.
                    ((hs, h), Some((ts, t))) => {
                        if ts < hs {
                            t
                        } else {
                            h
                        }
                    }
                    ((_, h), None) => h,
                }
            }
        };
        (!self.in_flight.contains(&fetch)).then_some(fetch)
    }

    /// Pages still to walk before head page `page` can be asked for, and the next request
    /// on the way.
    fn head_step(&self, page: usize) -> (usize, Fetch) {
        let known = self.head_cursors.len();
        let next = page.min(known);
        let cursor = next.checked_sub(1).map(|k| self.head_cursors[k].clone());
        (page - next, Fetch::Head { page: next, cursor })
    }

    fn tail_step(&self, page: usize) -> (usize, Fetch) {
        let known = self.tail_cursors.len();
        let next = page.min(known);
        let cursor = next.checked_sub(1).map(|k| self.tail_cursors[k].clone());
        (page - next, Fetch::Tail { page: next, cursor })
    }

    /// An offset page's answer, with the total the server gave.
    pub fn offset_page(&mut self, page: usize, rows: Vec<UserRow>, total: Option<u64>) {
        self.in_flight.remove(&Fetch::Offset { page });
        if let Some(t) = total {
            self.total = Some(usize::try_from(t).unwrap_or(usize::MAX));
        }
        for (n, row) in rows.into_iter().enumerate() {
            self.head.insert(page * PAGE + n, row);
        }
    }

    /// Rows known before a page is asked for (the first answer, which was smaller).
    pub fn seed(&mut self, rows: Vec<UserRow>) {
        for (n, row) in rows.into_iter().enumerate() {
            self.head.insert(n, row);
        }
    }

    /// A cursor page's answer (a head page newest first, a tail page oldest first): its
    /// rows and the cursor of the page after it.
    pub fn cursor_page(
        &mut self,
        fetch: &Fetch,
        rows: Vec<UserRow>,
        next: Option<String>,
        has_more: bool,
    ) {
        self.in_flight.remove(fetch);
        let next = next.filter(|_| has_more);
        match fetch {
            Fetch::Head { page, .. } => self.chain_page(false, *page, rows, next),
            Fetch::Tail { page, .. } => self.chain_page(true, *page, rows, next),
            Fetch::Offset { .. } => {}
        }
    }

    /// Page `page` of one end's chain: its rows, and the cursor of the page after it; with
    /// none, that end reached the other, and the total is exact now.
    fn chain_page(&mut self, tail: bool, page: usize, rows: Vec<UserRow>, next: Option<String>) {
        let (held, cursors) = if tail {
            (&mut self.tail, &mut self.tail_cursors)
        } else {
            (&mut self.head, &mut self.head_cursors)
        };
        let start = page * PAGE;
        let n = rows.len();
        for (i, row) in rows.into_iter().enumerate() {
            held.insert(start + i, row);
        }
        match next {
            Some(c) if cursors.len() == page => cursors.push(c),
            Some(_) => {}
            None => self.total = Some(start + n),
        }
    }

    /// A request failed or was cancelled: it may be asked for again.
    pub fn forget(&mut self, fetch: &Fetch) {
        self.in_flight.remove(fetch);
    }

    /// Requests in flight.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Drops the rows farthest from `view` until at most [`MAX_ROWS`] are held; the
    /// cursors stay, so any of them is one request away.
    pub fn evict(&mut self, view: Range<usize>) {
        let over = self.held().saturating_sub(MAX_ROWS);
        if over == 0 {
            return;
        }
        let distance = |place: usize| {
            if place < view.start {
                view.start - place
            } else {
                place.saturating_sub(view.end)
            }
        };
        let mut places: Vec<(usize, bool, usize)> = self
            .head
            .keys()
            .map(|i| (distance(*i), true, *i))
            .chain(self.tail.keys().filter_map(|j| {
                let place = self.total?.checked_sub(j + 1)?;
                Some((distance(place), false, *j))
            }))
            .collect();
        places.sort_unstable_by_key(|p| std::cmp::Reverse(p.0));
        for (_, head, key) in places.into_iter().take(over) {
            if head {
                self.head.remove(&key);
            } else {
                self.tail.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gotrue::UserId;

    fn row(n: usize) -> UserRow {
        UserRow::plain(
            UserId::from_u128(n as u128 + 1),
            &format!("u{n}@example.com"),
        )
    }

    /// Users `from..to` of a list of `total`, newest first: user `n` is at place `n`.
    fn rows(range: Range<usize>) -> Vec<UserRow> {
        range.map(row).collect()
    }

    #[test]
    fn offset_asks_only_for_the_pages_the_screen_and_its_margin_need() {
        let mut w = UserWindow::new(Paging::Offset, Some(1_000_000));
        // The first answer (GoTrue's default 50) is on screen at once.
        w.seed(rows(0..50));
        assert_eq!(w.row(0).map(|r| r.email.as_str()), Some("u0@example.com"));
        // 40 rows on screen, 40 of margin: page 0 is asked for, once.
        assert_eq!(w.plan(0..40, 40), vec![Fetch::Offset { page: 0 }]);
        assert!(w.plan(0..40, 40).is_empty(), "in flight already");
        w.offset_page(0, rows(0..PAGE), Some(1_000_000));
        assert!(w.plan(0..40, 40).is_empty(), "served: nothing more");
        // G: the last page at once, not every page before it.
        let end = 1_000_000;
        assert_eq!(w.plan(end - 40..end, 40), vec![Fetch::Offset { page: 999 }]);
    }

    #[test]
    fn memory_stays_bounded_however_far_one_scrolls() {
        let mut w = UserWindow::new(Paging::Offset, Some(10_000_000));
        for page in (0..10_000).step_by(997) {
            let view = page * PAGE..page * PAGE + 40;
            for f in w.plan(view.clone(), 40) {
                let Fetch::Offset { page } = f else {
                    panic!("{f:?}")
                };
                w.offset_page(page, rows(page * PAGE..(page + 1) * PAGE), None);
            }
            w.evict(view.clone());
            assert!(w.held() <= MAX_ROWS, "{} rows held", w.held());
            assert!(w.row(view.start).is_some(), "the screen is kept");
        }
    }

    #[test]
    fn keyset_walks_page_by_page_and_keeps_the_cursors() {
        let mut w = UserWindow::new(Paging::Keyset, None);
        let first = w.plan(0..40, 40);
        assert_eq!(
            first,
            vec![Fetch::Head {
                page: 0,
                cursor: None
            }]
        );
        w.cursor_page(&first[0], rows(0..PAGE), Some("c1".into()), true);
        assert_eq!(
            w.len(),
            PAGE + 1,
            "no total: one more row says there is more"
        );
        // Without a total the list ends with one placeholder row; reaching it asks for
        // the next page, by the cursor the last one ended with.
        let bottom = w.len() - 1;
        let step = w.plan(bottom..bottom + 1, 0);
        assert_eq!(
            step,
            vec![Fetch::Head {
                page: 1,
                cursor: Some("c1".into())
            }]
        );
        w.cursor_page(&step[0], rows(PAGE..2 * PAGE), Some("c2".into()), true);
        let bottom = w.len() - 1;
        assert_eq!(bottom, 2 * PAGE);
        let step = w.plan(bottom..bottom + 1, 0);
        assert_eq!(
            step,
            vec![Fetch::Head {
                page: 2,
                cursor: Some("c2".into())
            }]
        );
        w.cursor_page(&step[0], rows(2 * PAGE..3 * PAGE), Some("c3".into()), true);
        let view = 3 * PAGE..3 * PAGE + 1;
        // Dropped from the window, page 1 is one request away.
        w.evict(3 * PAGE..3 * PAGE + 1);
        w.evict(0..1);
        let mut w2 = w.clone();
        w2.head.retain(|i, _| *i >= 2 * PAGE);
        assert_eq!(
            w2.plan(PAGE..PAGE + 10, 0),
            vec![Fetch::Head {
                page: 1,
                cursor: Some("c1".into())
            }]
        );
        // The last page: the total is exact.
        let step = w.plan(view, 0);
        w.cursor_page(&step[0], rows(3 * PAGE..3 * PAGE + 7), None, false);
        assert_eq!(w.total(), Some(3 * PAGE + 7));
        assert_eq!(w.len(), 3 * PAGE + 7);
    }

    #[test]
    fn with_a_count_the_end_of_a_keyset_list_is_its_oldest_users() {
        let total = 1_000_000;
        let mut w = UserWindow::new(Paging::Keyset, Some(total));
        let step = w.plan(0..40, 0);
        w.cursor_page(&step[0], rows(0..PAGE), Some("c1".into()), true);
        // G: the oldest page, read oldest first, is the bottom of the list.
        let end = total - 40..total;
        let step = w.plan(end.clone(), 0);
        assert_eq!(
            step,
            vec![Fetch::Tail {
                page: 0,
                cursor: None
            }]
        );
        // The oldest user first: user total-1 is at place total-1.
        let oldest: Vec<UserRow> = (0..PAGE).map(|j| row(total - 1 - j)).collect();
        w.cursor_page(&step[0], oldest, Some("t1".into()), true);
        assert_eq!(
            w.row(total - 1).map(|r| r.email.clone()),
            Some(format!("u{}@example.com", total - 1))
        );
        assert_eq!(
            w.row(total - PAGE).map(|r| r.email.clone()),
            Some(format!("u{}@example.com", total - PAGE))
        );
        assert!(w.plan(end, 0).is_empty());
        // Two pages above the bottom: by the tail's cursors, not from the top.
        let up = total - 2 * PAGE - 10..total - 2 * PAGE;
        assert_eq!(
            w.plan(up, 0),
            vec![Fetch::Tail {
                page: 1,
                cursor: Some("t1".into())
            }]
        );
    }

    #[test]
    fn a_deleted_user_keeps_its_place_and_a_failure_may_be_asked_again() {
        let mut w = UserWindow::new(Paging::Offset, Some(100));
        let f = w.plan(0..10, 0);
        w.forget(&f[0]);
        assert_eq!(w.plan(0..10, 0), f, "asked again after a failure");
        w.offset_page(0, rows(0..100), Some(100));
        let id = w.row(5).map(|r| r.id).unwrap();
        w.mark_gone(id);
        assert!(w.is_gone(5));
        assert_eq!(w.row(6).map(|r| r.email.as_str()), Some("u6@example.com"));
        assert_eq!(w.place_of(id), Some(5));
    }
}
