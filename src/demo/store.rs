//! The user table: the users held in full (the seed, and every user created or changed
//! through the API) and the synthetic users of `--users N`, which are made on demand
//! from their number ([`SyntheticSpan`]) and cost 20 bytes each until something
//! changes them. Both are kept in `(created_at, id)` order, and a page of the admin
//! list walks the two as one sorted sequence: an offset page finds its start by binary
//! search, a keyset page by its cursor, and a filter scans the synthetic users' names
//! without making them. A million users are ready in a fraction of a second and hold
//! some 20 MB; a `Vec<User>` of them took 8 s and 3.4 GiB.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::User;
use super::pagination::{Keyset, Like, Page};
use super::seed::{
    Names, SyntheticSpan, synthetic_email_number, synthetic_id, synthetic_phone_number,
};

/// A unique column another user already holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conflict {
    Id,
    Email(String),
    Phone(String),
}

type Key = (DateTime<Utc>, Uuid);

#[derive(Default)]
pub struct Users {
    /// Held in full, sorted by `(created_at, id)`, oldest first. Boxed, so that a
    /// user made in the middle of the list moves pointers, not records.
    #[allow(clippy::vec_box)]
    rows: Vec<Box<User>>,
    /// A held user's `created_at`: with the id, its sort key, found by binary search
    /// (so inserting a row renumbers nothing).
    by_id: HashMap<Uuid, DateTime<Utc>>,
    by_email: HashMap<String, Uuid>,
    by_phone: HashMap<String, Uuid>,
    synthetic: Synthetic,
}

/// The synthetic users `0..count`, made on demand.
struct Synthetic {
    span: SyntheticSpan,
    count: usize,
    /// `(id, n)` sorted by id: the one lookup that cannot be computed from the number.
    ids: Vec<(Uuid, u32)>,
    /// Numbers no longer made on demand (changed, so held in full, or deleted), sorted.
    gone: Vec<u32>,
}

impl Default for Synthetic {
    fn default() -> Self {
        Synthetic::new(0)
    }
}

impl Synthetic {
    fn new(count: usize) -> Self {
        let count = count.min(u32::MAX as usize);
        let mut ids: Vec<(Uuid, u32)> = (0..count).map(|n| (synthetic_id(n), n as u32)).collect();
        ids.sort_unstable();
        Synthetic {
            span: SyntheticSpan::new(count),
            count,
            ids,
            gone: Vec::new(),
        }
    }

    fn live(&self) -> usize {
        self.count - self.gone.len()
    }

    fn is_gone(&self, n: usize) -> bool {
        self.gone.binary_search(&(n as u32)).is_ok()
    }

    fn forget(&mut self, n: usize) {
        if let Err(at) = self.gone.binary_search(&(n as u32)) {
            self.gone.insert(at, n as u32);
        }
    }

    /// The live user number `n` behind an id.
    fn find_id(&self, id: &Uuid) -> Option<usize> {
        let at = self.ids.binary_search_by(|(i, _)| i.cmp(id)).ok()?;
        let n = self.ids.get(at)?.1 as usize;
        (!self.is_gone(n)).then_some(n)
    }

    fn find_email(&self, email: &str) -> Option<usize> {
        let n = synthetic_email_number(email).filter(|n| *n < self.count && !self.is_gone(*n))?;
        let names = Names::synthetic(n);
        let mut made = String::new();
        names.synthetic_email(n, &mut made);
        (names.has_email() && made == email).then_some(n)
    }

    fn find_phone(&self, phone: &str) -> Option<usize> {
        let n = synthetic_phone_number(phone).filter(|n| *n < self.count && !self.is_gone(*n))?;
        (!Names::synthetic(n).has_email()).then_some(n)
    }

    fn key(&self, n: usize) -> Key {
        (self.span.created_at(n), synthetic_id(n))
    }

    /// Whether synthetic user `n` sorts before `key` (its id is hashed only on a tie).
    fn before(&self, n: usize, key: &Key) -> bool {
        match self.span.created_at(n).cmp(&key.0) {
            Ordering::Equal => synthetic_id(n) < key.1,
            other => other == Ordering::Less,
        }
    }

    /// Live synthetic users below `n`.
    fn rank(&self, n: usize) -> usize {
        n - self.gone.partition_point(|g| (*g as usize) < n)
    }

    /// The number of the `j`th live synthetic user (`j < live()`).
    fn select(&self, j: usize) -> usize {
        // The smallest n with more than j live users in 0..=n.
        let (mut lo, mut hi) = (j, (j + self.gone.len() + 1).min(self.count));
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if self.rank(mid + 1) > j {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        lo
    }

    /// The first number whose key is not below `key` (`strict`: not at or below).
    fn partition(&self, key: &Key, strict: bool) -> usize {
        let (mut lo, mut hi) = (0, self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let below = if strict {
                self.key(mid) <= *key
            } else {
                self.before(mid, key)
            };
            if below {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// Whether user `n` matches a list filter, from its names alone.
    fn matches(&self, n: usize, filter: &Filter, scratch: &mut String) -> bool {
        let names = Names::synthetic(n);
        if names.has_email() {
            names.synthetic_email(n, scratch);
            if filter.email.matches(scratch) {
                return true;
            }
        }
        scratch.clear();
        scratch.push_str(names.first);
        scratch.push(' ');
        scratch.push_str(names.last);
        filter.name.matches(scratch)
    }
}

/// `GET /admin/users?filter=`: `email LIKE %f%` or `full_name ILIKE %f%`.
struct Filter {
    email: Like,
    name: Like,
}

impl Filter {
    fn new(filter: &str) -> Option<Self> {
        if filter.is_empty() {
            return None;
        }
        let pattern = format!("%{filter}%");
        Some(Filter {
            email: Like::new(&pattern, false),
            name: Like::new(&pattern, true),
        })
    }

    fn held(&self, u: &User) -> bool {
        self.email.matches(&u.email) || u.full_name().is_some_and(|n| self.name.matches(n))
    }
}

/// A place in the merged list: the held rows before it, and the synthetic numbers below
/// it (gone ones included).
#[derive(Clone, Copy, Debug)]
struct Pos {
    held: usize,
    synthetic: usize,
}

/// One user of the merged list.
#[derive(Clone, Copy)]
enum Row<'a> {
    Held(&'a User),
    Synthetic(usize),
}

fn key_of(u: &User) -> Key {
    (u.created_at, u.id)
}

impl Users {
    /// The seed (or any rows, in any order) and `synthetic` users made on demand.
    pub fn new(rows: Vec<User>, synthetic: usize) -> Result<Self, Conflict> {
        let mut users = Users {
            synthetic: Synthetic::new(synthetic),
            ..Users::default()
        };
        let mut rows: Vec<Box<User>> = rows.into_iter().map(Box::new).collect();
        rows.sort_unstable_by_key(|u| key_of(u));
        for u in &rows {
            if users.by_id.insert(u.id, u.created_at).is_some()
                || users.synthetic.find_id(&u.id).is_some()
            {
                return Err(Conflict::Id);
            }
            if !u.email.is_empty()
                && (users.by_email.insert(u.email.clone(), u.id).is_some()
                    || users.synthetic.find_email(&u.email).is_some())
            {
                return Err(Conflict::Email(u.email.clone()));
            }
            if !u.phone.is_empty()
                && (users.by_phone.insert(u.phone.clone(), u.id).is_some()
                    || users.synthetic.find_phone(&u.phone).is_some())
            {
                return Err(Conflict::Phone(u.phone.clone()));
            }
        }
        users.rows = rows;
        Ok(users)
    }

    /// Every user, held or synthetic.
    pub fn len(&self) -> usize {
        self.rows.len() + self.synthetic.live()
    }

    /// Where a held user's row is.
    fn held_at(&self, id: &Uuid) -> Option<usize> {
        let key = (*self.by_id.get(id)?, *id);
        self.rows.binary_search_by(|u| key_of(u).cmp(&key)).ok()
    }

    fn make<'a>(&'a self, row: Row<'a>) -> Cow<'a, User> {
        match row {
            Row::Held(u) => Cow::Borrowed(u),
            Row::Synthetic(n) => Cow::Owned(self.synthetic.span.user(n)),
        }
    }

    pub fn get(&self, id: &Uuid) -> Option<Cow<'_, User>> {
        if let Some(at) = self.held_at(id) {
            return self.rows.get(at).map(|u| Cow::Borrowed(&**u));
        }
        let n = self.synthetic.find_id(id)?;
        Some(self.make(Row::Synthetic(n)))
    }

    pub fn by_email(&self, email: &str) -> Option<Cow<'_, User>> {
        let email = email.to_lowercase();
        if let Some(id) = self.by_email.get(&email) {
            return self.get(id);
        }
        let n = self.synthetic.find_email(&email)?;
        Some(self.make(Row::Synthetic(n)))
    }

    pub fn by_phone(&self, phone: &str) -> Option<Cow<'_, User>> {
        if let Some(id) = self.by_phone.get(phone) {
            return self.get(id);
        }
        let n = self.synthetic.find_phone(phone)?;
        Some(self.make(Row::Synthetic(n)))
    }

    /// Whether another user than `except` holds this email.
    pub fn email_taken(&self, email: &str, except: Option<Uuid>) -> bool {
        let email = email.to_lowercase();
        let id = self
            .by_email
            .get(&email)
            .copied()
            .or_else(|| self.synthetic.find_email(&email).map(synthetic_id));
        id.is_some_and(|id| Some(id) != except)
    }

    pub fn phone_taken(&self, phone: &str, except: Option<Uuid>) -> bool {
        let id = self
            .by_phone
            .get(phone)
            .copied()
            .or_else(|| self.synthetic.find_phone(phone).map(synthetic_id));
        id.is_some_and(|id| Some(id) != except)
    }

    pub fn insert(&mut self, user: User) -> Result<(), Conflict> {
        if self.get(&user.id).is_some() {
            return Err(Conflict::Id);
        }
        if !user.email.is_empty() && self.email_taken(&user.email, None) {
            return Err(Conflict::Email(user.email));
        }
        if !user.phone.is_empty() && self.phone_taken(&user.phone, None) {
            return Err(Conflict::Phone(user.phone));
        }
        self.hold(user);
        Ok(())
    }

    /// Adds a row whose columns are known to be free.
    fn hold(&mut self, user: User) {
        if !user.email.is_empty() {
            self.by_email.insert(user.email.clone(), user.id);
        }
        if !user.phone.is_empty() {
            self.by_phone.insert(user.phone.clone(), user.id);
        }
        self.by_id.insert(user.id, user.created_at);
        let key = key_of(&user);
        let pos = self.rows.partition_point(|u| key_of(u) < key);
        self.rows.insert(pos, Box::new(user));
    }

    pub fn remove(&mut self, id: &Uuid) -> Option<User> {
        if let Some(pos) = self.held_at(id) {
            self.by_id.remove(id);
            let user = *self.rows.remove(pos);
            if !user.email.is_empty() {
                self.by_email.remove(&user.email);
            }
            if !user.phone.is_empty() {
                self.by_phone.remove(&user.phone);
            }
            return Some(user);
        }
        let n = self.synthetic.find_id(id)?;
        self.synthetic.forget(n);
        Some(self.synthetic.span.user(n))
    }

    /// Changes a user. If the change would give it an email or phone another
    /// user holds, the user is left as it was and the conflict returned.
    pub fn update<T>(
        &mut self,
        id: &Uuid,
        change: impl FnOnce(&mut User) -> T,
    ) -> Option<Result<T, Conflict>> {
        if self.held_at(id).is_none() {
            // A synthetic user changes once it is held in full.
            let n = self.synthetic.find_id(id)?;
            let user = self.synthetic.span.user(n);
            self.synthetic.forget(n);
            self.hold(user);
        }
        let pos = self.held_at(id)?;
        let before = (**self.rows.get(pos)?).clone();
        let result = change(self.rows.get_mut(pos)?);
        let (email, phone, created_at) = {
            let u = self.rows.get(pos)?;
            (u.email.clone(), u.phone.clone(), u.created_at)
        };
        let conflict = if email != before.email
            && !email.is_empty()
            && self.email_taken(&email, Some(*id))
        {
            Some(Conflict::Email(email.clone()))
        } else if phone != before.phone && !phone.is_empty() && self.phone_taken(&phone, Some(*id))
        {
            Some(Conflict::Phone(phone.clone()))
        } else {
            None
        };
        if let Some(conflict) = conflict {
            if let Some(row) = self.rows.get_mut(pos) {
                **row = before;
            }
            return Some(Err(conflict));
        }
        if email != before.email {
            if !before.email.is_empty() {
                self.by_email.remove(&before.email);
            }
            if !email.is_empty() {
                self.by_email.insert(email, *id);
            }
        }
        if phone != before.phone {
            if !before.phone.is_empty() {
                self.by_phone.remove(&before.phone);
            }
            if !phone.is_empty() {
                self.by_phone.insert(phone, *id);
            }
        }
        if created_at != before.created_at {
            // Keep the rows sorted.
            let row = self.rows.remove(pos);
            let key = key_of(&row);
            let at = self.rows.partition_point(|u| key_of(u) < key);
            self.rows.insert(at, row);
            self.by_id.insert(*id, created_at);
        }
        Some(Ok(result))
    }

    /// The row at `pos` going up, and `pos` moved past it.
    fn next_up(&self, pos: &mut Pos) -> Option<Row<'_>> {
        let s = &self.synthetic;
        while pos.synthetic < s.count && s.is_gone(pos.synthetic) {
            pos.synthetic += 1;
        }
        let held = self.rows.get(pos.held).map(|u| &**u);
        let synthetic = (pos.synthetic < s.count).then_some(pos.synthetic);
        let take_synthetic = match (held, synthetic) {
            (Some(u), Some(n)) => s.before(n, &key_of(u)),
            (None, Some(_)) => true,
            (_, None) => false,
        };
        if take_synthetic {
            pos.synthetic += 1;
            return synthetic.map(Row::Synthetic);
        }
        pos.held += 1;
        held.map(Row::Held)
    }

    /// The row just below `pos`, and `pos` moved before it.
    fn next_down(&self, pos: &mut Pos) -> Option<Row<'_>> {
        let s = &self.synthetic;
        while pos.synthetic > 0 && s.is_gone(pos.synthetic - 1) {
            pos.synthetic -= 1;
        }
        let held = pos
            .held
            .checked_sub(1)
            .and_then(|i| self.rows.get(i))
            .map(|u| &**u);
        let synthetic = pos.synthetic.checked_sub(1);
        let take_synthetic = match (held, synthetic) {
            (Some(u), Some(n)) => !s.before(n, &key_of(u)),
            (None, Some(_)) => true,
            (_, None) => false,
        };
        if take_synthetic {
            pos.synthetic -= 1;
            return synthetic.map(Row::Synthetic);
        }
        pos.held = pos.held.saturating_sub(1);
        held.map(Row::Held)
    }

    /// The place with `k` users before it, oldest first: `k` split between the held rows
    /// and the live synthetic users by binary search.
    fn nth(&self, k: usize) -> Pos {
        let s = &self.synthetic;
        let held = self.rows.len();
        let (mut lo, mut hi) = (k.saturating_sub(s.live()), k.min(held));
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let j = k - mid;
            // Too few held rows if a synthetic user taken sorts after the next held one.
            let too_few = j > 0
                && self
                    .rows
                    .get(mid)
                    .is_some_and(|u| !s.before(s.select(j - 1), &key_of(u)));
            if too_few {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        let j = k - lo;
        Pos {
            held: lo,
            synthetic: if j == 0 { 0 } else { s.select(j - 1) + 1 },
        }
    }

    /// The rows from `pos` in the chosen direction.
    fn walk(&self, mut pos: Pos, ascending: bool) -> impl Iterator<Item = Row<'_>> {
        std::iter::from_fn(move || {
            if ascending {
                self.next_up(&mut pos)
            } else {
                self.next_down(&mut pos)
            }
        })
    }

    fn matches(&self, row: Row<'_>, filter: &Filter, scratch: &mut String) -> bool {
        match row {
            Row::Held(u) => filter.held(u),
            Row::Synthetic(n) => self.synthetic.matches(n, filter, scratch),
        }
    }

    /// One page of `GET /admin/users`: `filter` is `email LIKE %f%` or
    /// `user_metadata.full_name ILIKE %f%`. Returns the rows and the total.
    pub fn page(&self, filter: &str, ascending: bool, page: &Page) -> (Vec<Cow<'_, User>>, u64) {
        let offset = page.offset();
        let limit = page.limit();
        let Some(filter) = Filter::new(filter) else {
            let total = self.len();
            let start = if ascending {
                self.nth(offset.min(total))
            } else {
                self.nth(total.saturating_sub(offset))
            };
            let rows = self.walk(start, ascending).take(limit);
            return (rows.map(|r| self.make(r)).collect(), total as u64);
        };
        let start = if ascending {
            Pos {
                held: 0,
                synthetic: 0,
            }
        } else {
            Pos {
                held: self.rows.len(),
                synthetic: self.synthetic.count,
            }
        };
        let mut scratch = String::new();
        let mut total = 0u64;
        let mut out = Vec::new();
        for row in self.walk(start, ascending) {
            if self.matches(row, &filter, &mut scratch) {
                if (total as usize) >= offset && out.len() < limit {
                    out.push(self.make(row));
                }
                total += 1;
            }
        }
        (out, total)
    }

    /// One keyset page (`FindUsersInAudienceKeyset`): the users after `keyset.after` in
    /// `(created_at, id)` order, newest first unless `ascending`, through the same filter as
    /// [`Self::page`], up to `limit + 1` of them (the extra one says there is more).
    pub fn keyset_page(
        &self,
        filter: &str,
        ascending: bool,
        keyset: &Keyset,
    ) -> Vec<Cow<'_, User>> {
        let take = keyset.limit.saturating_add(1);
        // Rows strictly after the cursor in the chosen direction.
        let start = match keyset.after {
            None if ascending => Pos {
                held: 0,
                synthetic: 0,
            },
            None => Pos {
                held: self.rows.len(),
                synthetic: self.synthetic.count,
            },
            Some(c) => {
                let key = (c.created_at, c.id);
                Pos {
                    held: self.rows.partition_point(|u| {
                        if ascending {
                            key_of(u) <= key
                        } else {
                            key_of(u) < key
                        }
                    }),
                    synthetic: self.synthetic.partition(&key, ascending),
                }
            }
        };
        let rows = self.walk(start, ascending);
        let Some(filter) = Filter::new(filter) else {
            return rows.take(take).map(|r| self.make(r)).collect();
        };
        let mut scratch = String::new();
        rows.filter(|r| self.matches(*r, &filter, &mut scratch))
            .take(take)
            .map(|r| self.make(r))
            .collect()
    }

    /// The users held in full, oldest first: the seed and every user created or changed
    /// since the start. Synthetic users have no pending email or phone change, so a
    /// search for one looks only here.
    pub fn held(&self) -> impl Iterator<Item = &User> {
        self.rows.iter().map(|u| &**u)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone, Utc};

    fn user(n: i64, email: &str) -> User {
        let at = Utc
            .timestamp_opt(1_700_000_000 + n, 0)
            .single()
            .unwrap_or_default();
        let mut u = User::blank(Uuid::new_v4(), at);
        u.email = email.to_string();
        u
    }

    /// Pages walked by cursor, both ways, with ties on `created_at`: every row once, in
    /// `(created_at, id)` order.
    #[test]
    fn keyset_pages_visit_every_row_once_even_with_equal_times() {
        use crate::demo::pagination::{Cursor, Keyset};
        let rows: Vec<User> = (0..23)
            .map(|n| user(n / 4, &format!("u{n}@x.io")))
            .collect();
        let users = Users::new(rows, 0).unwrap_or_default();
        for ascending in [false, true] {
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let mut page = users.keyset_page("", ascending, &Keyset { limit: 5, after });
                let more = page.len() > 5;
                page.truncate(5);
                seen.extend(page.iter().map(|u| (u.created_at, u.id)));
                if !more {
                    break;
                }
                let last = page.last().unwrap();
                after = Some(Cursor {
                    created_at: last.created_at,
                    id: last.id,
                });
            }
            let mut want: Vec<_> = users.held().map(|u| (u.created_at, u.id)).collect();
            if !ascending {
                want.reverse();
            }
            assert_eq!(seen, want, "ascending: {ascending}");
        }
        // Through a filter: only matches, still in order.
        let page = users.keyset_page(
            "u1",
            false,
            &Keyset {
                limit: 50,
                after: None,
            },
        );
        let emails: Vec<&str> = page.iter().map(|u| u.email.as_str()).collect();
        assert_eq!(emails.len(), 11, "u1 and u10..u19: {emails:?}");
    }

    #[test]
    fn sorted_paging_and_updates() {
        let mut users = Users::new(
            vec![user(3, "c@x.io"), user(1, "a@x.io"), user(2, "b@x.io")],
            0,
        )
        .unwrap_or_default();
        let p = Page {
            page: 1,
            per_page: 2,
        };
        let (rows, total) = users.page("", false, &p);
        assert_eq!(total, 3);
        assert_eq!(
            rows.iter().map(|u| u.email.as_str()).collect::<Vec<_>>(),
            ["c@x.io", "b@x.io"]
        );
        let mut late = user(0, "d@x.io");
        late.created_at += Duration::days(1);
        let late_id = late.id;
        assert!(users.insert(late).is_ok());
        assert_eq!(users.page("", false, &p).0[0].id, late_id);
        assert_eq!(users.by_email("D@X.io").map(|u| u.id), Some(late_id));
        let a = users.by_email("a@x.io").map(|u| u.id).unwrap_or_default();
        let clash = users.update(&a, |u| u.email = "b@x.io".into());
        assert_eq!(clash, Some(Err(Conflict::Email("b@x.io".into()))));
        assert_eq!(
            users.get(&a).map(|u| u.email.clone()).as_deref(),
            Some("a@x.io")
        );
        assert!(users.remove(&a).is_some());
        assert!(users.by_email("a@x.io").is_none());
        assert_eq!(users.len(), 3);
        assert_eq!(users.page("x.io", true, &p).1, 3);
        assert_eq!(users.page("b@", true, &p).1, 1);
    }

    /// Every user in `(created_at, id)` order, read the slow way: each one made in full.
    fn everyone(users: &Users) -> Vec<User> {
        let mut all: Vec<User> = users.held().cloned().collect();
        let s = &users.synthetic;
        all.extend(
            (0..s.count)
                .filter(|n| !s.is_gone(*n))
                .map(|n| s.span.user(n)),
        );
        all.sort_by_key(key_of);
        all
    }

    fn ids<'a>(rows: impl IntoIterator<Item = &'a User>) -> Vec<Uuid> {
        rows.into_iter().map(|u| u.id).collect()
    }

    /// Held rows and synthetic users read as one sorted table, whichever way it is read:
    /// offset pages and keyset pages, both ways, through filters, and after synthetic
    /// users are changed, deleted and joined by new users between them.
    #[test]
    fn synthetic_users_page_like_a_table_of_all_of_them() {
        use crate::demo::pagination::{Cursor, like_matches};
        const N: usize = 700;
        let span = SyntheticSpan::new(N);
        // Held users at times among the synthetic ones, and one before and after all.
        let mut held: Vec<User> = (0..40)
            .map(|k| {
                let at = span.created_at(k * 17) + chrono::Duration::milliseconds(3);
                let mut u = User::blank(Uuid::new_v4(), at);
                u.email = format!("held{k}@example.com");
                u
            })
            .collect();
        held.push(User::blank(
            Uuid::new_v4(),
            span.created_at(0) - chrono::Duration::days(9),
        ));
        held.push(User::blank(
            Uuid::new_v4(),
            span.created_at(N - 1) + chrono::Duration::days(9),
        ));
        let mut users = Users::new(held, N).unwrap_or_default();
        assert_eq!(users.len(), N + 42);

        // Change some synthetic users, delete others, add new ones in between.
        let e = (2..N)
            .find(|n| Names::synthetic(*n).has_email())
            .unwrap_or(2);
        let old = span.user(e).email;
        assert!(users.email_taken(&old, None));
        let changed = users.update(&synthetic_id(e), |u| u.email = "renamed@example.com".into());
        assert_eq!(changed, Some(Ok(())));
        assert!(!users.email_taken(&old, None), "{old} is free once changed");
        assert_eq!(
            users.by_email("renamed@example.com").map(|u| u.id),
            Some(synthetic_id(e))
        );
        for n in [0, 1, 6, 300, N - 1] {
            let gone = users.remove(&synthetic_id(n));
            assert_eq!(gone.map(|u| u.id), Some(synthetic_id(n)));
            assert!(users.get(&synthetic_id(n)).is_none());
        }
        let mut late = User::blank(Uuid::new_v4(), span.created_at(400));
        late.email = "between@example.com".into();
        assert!(users.insert(late).is_ok());
        let taken = span.user(9);
        let mut clash = User::blank(Uuid::new_v4(), span.created_at(9));
        clash.email = taken.email.clone();
        clash.phone = taken.phone.clone();
        assert!(
            users.insert(clash).is_err(),
            "a synthetic user's column is taken"
        );
        let all = everyone(&users);
        assert_eq!(users.len(), all.len());
        assert_eq!(all.len(), N + 42 - 5 + 1);

        // Offset pages, both ways, at a page size that cuts through everything.
        for ascending in [true, false] {
            let want: Vec<Uuid> = if ascending {
                ids(&all)
            } else {
                ids(all.iter().rev())
            };
            let mut seen = Vec::new();
            for page in 1.. {
                let (rows, total) = users.page("", ascending, &Page { page, per_page: 37 });
                assert_eq!(total as usize, all.len());
                if rows.is_empty() {
                    break;
                }
                seen.extend(rows.iter().map(|u| u.id));
            }
            assert_eq!(seen, want, "offset, ascending: {ascending}");

            // Keyset pages, both ways.
            let mut seen = Vec::new();
            let mut after = None;
            loop {
                let mut rows = users.keyset_page("", ascending, &Keyset { limit: 50, after });
                let more = rows.len() > 50;
                rows.truncate(50);
                seen.extend(rows.iter().map(|u| u.id));
                let Some(last) = rows.last().filter(|_| more) else {
                    break;
                };
                after = Some(Cursor {
                    created_at: last.created_at,
                    id: last.id,
                });
            }
            assert_eq!(seen, want, "keyset, ascending: {ascending}");

            // Filters match what the users made in full hold.
            for filter in ["held1", ".1", "ADA", "example.org", "1@", "a_a", "Zoe"] {
                let pattern = format!("%{filter}%");
                let hit = |u: &&User| {
                    like_matches(&pattern, &u.email, false)
                        || u.full_name()
                            .is_some_and(|n| like_matches(&pattern, n, true))
                };
                let mut want: Vec<Uuid> = ids(all.iter().filter(hit));
                if !ascending {
                    want.reverse();
                }
                let (rows, total) = users.page(
                    filter,
                    ascending,
                    &Page {
                        page: 2,
                        per_page: 5,
                    },
                );
                assert_eq!(total as usize, want.len(), "filter {filter}");
                let page2: Vec<Uuid> = want.iter().skip(5).take(5).copied().collect();
                assert_eq!(ids(rows.iter().map(|u| &**u)), page2, "filter {filter}");
                let first = users.keyset_page(
                    filter,
                    ascending,
                    &Keyset {
                        limit: 8,
                        after: None,
                    },
                );
                let head: Vec<Uuid> = want.iter().take(9).copied().collect();
                assert_eq!(
                    ids(first.iter().map(|u| &**u)),
                    head,
                    "keyset filter {filter}"
                );
            }
        }

        // Every user is found by id, email and phone, as the table holds it.
        for u in &all {
            assert_eq!(
                users.get(&u.id).map(|g| g.email.clone()),
                Some(u.email.clone())
            );
            if !u.email.is_empty() {
                assert_eq!(
                    users.by_email(&u.email.to_uppercase()).map(|g| g.id),
                    Some(u.id)
                );
            }
            if !u.phone.is_empty() {
                assert_eq!(users.by_phone(&u.phone).map(|g| g.id), Some(u.id));
                assert!(users.phone_taken(&u.phone, None));
                assert!(!users.phone_taken(&u.phone, Some(u.id)));
            }
        }
    }
}
