//! The user table. Rows are kept sorted by `created_at` so a page of the
//! admin list is a slice; maps from id, email and phone to the row keep
//! lookups O(1) even with 100k users.

use std::collections::HashMap;

use uuid::Uuid;

use super::model::User;
use super::pagination::{Keyset, Page, like_matches};

/// A unique column another user already holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Conflict {
    Id,
    Email(String),
    Phone(String),
}

#[derive(Default)]
pub struct Users {
    /// Sorted by `(created_at, id)`, oldest first.
    rows: Vec<User>,
    by_id: HashMap<Uuid, usize>,
    by_email: HashMap<String, Uuid>,
    by_phone: HashMap<String, Uuid>,
}

impl Users {
    /// Builds the table from rows in any order.
    pub fn from_rows(mut rows: Vec<User>) -> Result<Self, Conflict> {
        rows.sort_unstable_by_key(|u| (u.created_at, u.id));
        let mut users = Users {
            by_id: HashMap::with_capacity(rows.len()),
            by_email: HashMap::with_capacity(rows.len()),
            by_phone: HashMap::with_capacity(rows.len() / 4),
            rows,
        };
        for i in 0..users.rows.len() {
            let (id, email, phone) = {
                let u = &users.rows[i];
                (u.id, u.email.clone(), u.phone.clone())
            };
            if users.by_id.insert(id, i).is_some() {
                return Err(Conflict::Id);
            }
            if !email.is_empty() && users.by_email.insert(email.clone(), id).is_some() {
                return Err(Conflict::Email(email));
            }
            if !phone.is_empty() && users.by_phone.insert(phone.clone(), id).is_some() {
                return Err(Conflict::Phone(phone));
            }
        }
        Ok(users)
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn get(&self, id: &Uuid) -> Option<&User> {
        self.by_id.get(id).and_then(|i| self.rows.get(*i))
    }

    pub fn by_email(&self, email: &str) -> Option<&User> {
        self.by_email
            .get(&email.to_lowercase())
            .and_then(|id| self.get(id))
    }

    pub fn by_phone(&self, phone: &str) -> Option<&User> {
        self.by_phone.get(phone).and_then(|id| self.get(id))
    }

    /// Whether another user than `except` holds this email.
    pub fn email_taken(&self, email: &str, except: Option<Uuid>) -> bool {
        self.by_email
            .get(&email.to_lowercase())
            .is_some_and(|id| Some(*id) != except)
    }

    pub fn phone_taken(&self, phone: &str, except: Option<Uuid>) -> bool {
        self.by_phone
            .get(phone)
            .is_some_and(|id| Some(*id) != except)
    }

    pub fn insert(&mut self, user: User) -> Result<(), Conflict> {
        if self.by_id.contains_key(&user.id) {
            return Err(Conflict::Id);
        }
        if !user.email.is_empty() && self.by_email.contains_key(&user.email) {
            return Err(Conflict::Email(user.email));
        }
        if !user.phone.is_empty() && self.by_phone.contains_key(&user.phone) {
            return Err(Conflict::Phone(user.phone));
        }
        let key = (user.created_at, user.id);
        let pos = self.rows.partition_point(|u| (u.created_at, u.id) < key);
        if !user.email.is_empty() {
            self.by_email.insert(user.email.clone(), user.id);
        }
        if !user.phone.is_empty() {
            self.by_phone.insert(user.phone.clone(), user.id);
        }
        self.rows.insert(pos, user);
        self.reindex_from(pos);
        Ok(())
    }

    pub fn remove(&mut self, id: &Uuid) -> Option<User> {
        let pos = self.by_id.remove(id)?;
        let user = self.rows.remove(pos);
        if !user.email.is_empty() {
            self.by_email.remove(&user.email);
        }
        if !user.phone.is_empty() {
            self.by_phone.remove(&user.phone);
        }
        self.reindex_from(pos);
        Some(user)
    }

    fn reindex_from(&mut self, pos: usize) {
        for (i, u) in self.rows.iter().enumerate().skip(pos) {
            self.by_id.insert(u.id, i);
        }
    }

    /// Changes a user. If the change would give it an email or phone another
    /// user holds, the user is left as it was and the conflict returned.
    pub fn update<T>(
        &mut self,
        id: &Uuid,
        change: impl FnOnce(&mut User) -> T,
    ) -> Option<Result<T, Conflict>> {
        let pos = *self.by_id.get(id)?;
        let before = self.rows.get(pos)?.clone();
        let result = {
            let user = self.rows.get_mut(pos)?;
            change(user)
        };
        let (email, phone) = {
            let u = self.rows.get(pos)?;
            (u.email.clone(), u.phone.clone())
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
                *row = before;
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
        Some(Ok(result))
    }

    /// One page of `GET /admin/users`: `filter` is `email LIKE %f%` or
    /// `user_metadata.full_name ILIKE %f%`. Returns the rows and the total.
    pub fn page(&self, filter: &str, ascending: bool, page: &Page) -> (Vec<&User>, u64) {
        let offset = page.offset();
        let limit = page.limit();
        let ordered: Box<dyn Iterator<Item = &User>> = if ascending {
            Box::new(self.rows.iter())
        } else {
            Box::new(self.rows.iter().rev())
        };
        if filter.is_empty() {
            let total = self.rows.len() as u64;
            return (ordered.skip(offset).take(limit).collect(), total);
        }
        let pattern = format!("%{filter}%");
        let mut total = 0u64;
        let mut out = Vec::new();
        for u in ordered {
            let hit = like_matches(&pattern, &u.email, false)
                || u.full_name()
                    .is_some_and(|n| like_matches(&pattern, n, true));
            if hit {
                if (total as usize) >= offset && out.len() < limit {
                    out.push(u);
                }
                total += 1;
            }
        }
        (out, total)
    }

    /// One keyset page (`FindUsersInAudienceKeyset`): the users after `keyset.after` in
    /// `(created_at, id)` order, newest first unless `ascending`, through the same filter as
    /// [`Self::page`], up to `limit + 1` of them (the extra one says there is more).
    pub fn keyset_page(&self, filter: &str, ascending: bool, keyset: &Keyset) -> Vec<&User> {
        let take = keyset.limit.saturating_add(1);
        let key = |u: &User| (u.created_at, u.id);
        // Rows strictly after the cursor in the chosen direction.
        let rows: &[User] = match keyset.after {
            None => &self.rows,
            Some(c) if ascending => {
                let at = self
                    .rows
                    .partition_point(|u| key(u) <= (c.created_at, c.id));
                &self.rows[at..]
            }
            Some(c) => {
                let at = self.rows.partition_point(|u| key(u) < (c.created_at, c.id));
                &self.rows[..at]
            }
        };
        let ordered: Box<dyn Iterator<Item = &User>> = if ascending {
            Box::new(rows.iter())
        } else {
            Box::new(rows.iter().rev())
        };
        if filter.is_empty() {
            return ordered.take(take).collect();
        }
        let pattern = format!("%{filter}%");
        ordered
            .filter(|u| {
                like_matches(&pattern, &u.email, false)
                    || u.full_name()
                        .is_some_and(|n| like_matches(&pattern, n, true))
            })
            .take(take)
            .collect()
    }

    /// Every user (oldest first).
    pub fn iter(&self) -> impl Iterator<Item = &User> {
        self.rows.iter()
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
        let users = Users::from_rows(rows).unwrap_or_default();
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
            let mut want: Vec<_> = users.iter().map(|u| (u.created_at, u.id)).collect();
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
        let mut users = Users::from_rows(vec![
            user(3, "c@x.io"),
            user(1, "a@x.io"),
            user(2, "b@x.io"),
        ])
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
        assert_eq!(users.get(&a).map(|u| u.email.as_str()), Some("a@x.io"));
        assert!(users.remove(&a).is_some());
        assert!(users.by_email("a@x.io").is_none());
        assert_eq!(users.len(), 3);
        assert_eq!(users.page("x.io", true, &p).1, 3);
        assert_eq!(users.page("b@", true, &p).1, 1);
    }
}
