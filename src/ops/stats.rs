//! What the Stats tab shows: sign-ups per day and week, daily, weekly and monthly active
//! users (from `last_sign_in_at`), the providers breakdown, the counts by status and MFA
//! adoption. Counted here from users at hand (the console's loaded rows: partial on a big
//! server), or filled in from SQL when the console reads the database (exact). Knows nothing
//! of the UI.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use std::collections::BTreeMap;

/// Days of sign-ups and of active users shown, and weeks of sign-ups.
pub const DAYS: usize = 30;
pub const WEEKS: usize = 12;

/// One user as the statistics see it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sample<'a> {
    pub created: Option<DateTime<Utc>>,
    pub last_sign_in: Option<DateTime<Utc>>,
    /// The identities' providers (`email`, `google`, `sso:<id>`, …).
    pub providers: Vec<&'a str>,
    pub confirmed: bool,
    pub invited: bool,
    pub anonymous: bool,
    pub banned_until: Option<DateTime<Utc>>,
    pub deleted: bool,
    pub sso: bool,
    /// Has at least one verified MFA factor.
    pub mfa: bool,
}

/// Where the figures come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// The users the console holds, of `total` on the server when it is known.
    Held { held: u64, total: Option<u64> },
    /// SQL over `auth.users`: every user.
    Database,
}

impl Source {
    pub fn is_partial(&self) -> bool {
        match self {
            Source::Held { held, total } => total.is_none_or(|t| t > *held),
            Source::Database => false,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stats {
    pub source: Source,
    pub as_of: DateTime<Utc>,
    pub users: u64,
    /// Sign-ups on each of the [`DAYS`] days to `signups_until`, oldest first.
    pub signups_daily: Vec<(NaiveDate, u64)>,
    /// The last day the sign-up charts show: today, or the day of the newest sign-up when
    /// nobody signed up since (an old or idle project still shows its shape, said so).
    pub signups_until: NaiveDate,
    /// Sign-ups in each of the [`WEEKS`] weeks to `signups_until`'s (Monday first).
    pub signups_weekly: Vec<(NaiveDate, u64)>,
    /// Users whose last sign-in falls on each of the [`DAYS`] days to `sign_ins_until`.
    pub last_sign_in_daily: Vec<(NaiveDate, u64)>,
    /// Today, or the day of the newest sign-in when nobody signed in since.
    pub sign_ins_until: NaiveDate,
    /// Signed in within the last 24 hours, 7 days and 30 days.
    pub dau: u64,
    pub wau: u64,
    pub mau: u64,
    /// Users per provider, most first (a user with two providers counts in both).
    pub providers: Vec<(String, u64)>,
    pub unconfirmed: u64,
    pub invited: u64,
    pub banned: u64,
    pub anonymous: u64,
    pub sso: u64,
    pub deleted: u64,
    /// Users with a verified MFA factor.
    pub mfa: u64,
}

impl Stats {
    /// MFA adoption among users who can sign in with a password or link (not anonymous):
    /// a share from 0 to 1, `None` with no such user.
    pub fn mfa_share(&self) -> Option<f64> {
        let base = self.users.saturating_sub(self.anonymous);
        (base > 0).then(|| self.mfa as f64 / base as f64)
    }
}

/// The Monday of `day`'s week.
pub fn week_of(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

/// The last `n` days up to `today`, oldest first.
pub fn last_days(today: NaiveDate, n: usize) -> Vec<NaiveDate> {
    (0..n as u64)
        .rev()
        .map(|back| today - Days::new(back))
        .collect()
}

/// The Mondays of the last `n` weeks up to `today`'s, oldest first.
pub fn last_weeks(today: NaiveDate, n: usize) -> Vec<NaiveDate> {
    let this = week_of(today);
    (0..n as u64)
        .rev()
        .map(|back| this - Days::new(7 * back))
        .collect()
}

/// The last day a chart shows: today, or the newest day with something when that is older.
pub fn until(today: NaiveDate, newest: Option<NaiveDate>) -> NaiveDate {
    newest.map_or(today, |n| n.min(today))
}

/// Counts, one user at a time.
pub struct Tally {
    now: DateTime<Utc>,
    /// Sign-ups and last sign-ins by day, every day (a few thousand at most).
    days: BTreeMap<NaiveDate, u64>,
    active: BTreeMap<NaiveDate, u64>,
    providers: BTreeMap<String, u64>,
    stats: Stats,
}

impl Tally {
    pub fn new(now: DateTime<Utc>, source: Source) -> Self {
        let today = now.date_naive();
        Self {
            now,
            days: BTreeMap::new(),
            active: BTreeMap::new(),
            providers: BTreeMap::new(),
            stats: Stats {
                source,
                as_of: now,
                users: 0,
                signups_daily: Vec::new(),
                signups_until: today,
                signups_weekly: Vec::new(),
                last_sign_in_daily: Vec::new(),
                sign_ins_until: today,
                dau: 0,
                wau: 0,
                mau: 0,
                providers: Vec::new(),
                unconfirmed: 0,
                invited: 0,
                banned: 0,
                anonymous: 0,
                sso: 0,
                deleted: 0,
                mfa: 0,
            },
        }
    }

    pub fn add(&mut self, u: &Sample) {
        let s = &mut self.stats;
        s.users += 1;
        if let Some(c) = u.created {
            *self.days.entry(c.date_naive()).or_default() += 1;
        }
        if let Some(l) = u.last_sign_in {
            *self.active.entry(l.date_naive()).or_default() += 1;
            let ago = self.now - l;
            s.dau += u64::from(ago <= chrono::Duration::days(1));
            s.wau += u64::from(ago <= chrono::Duration::days(7));
            s.mau += u64::from(ago <= chrono::Duration::days(30));
        }
        for p in &u.providers {
            // SSO providers are named by their id: one bucket for all of them.
            let name = if p.starts_with("sso:") { "sso" } else { p };
            *self.providers.entry(name.to_owned()).or_default() += 1;
        }
        s.unconfirmed += u64::from(!u.anonymous && !u.confirmed && !u.invited);
        s.invited += u64::from(u.invited && !u.confirmed);
        s.banned += u64::from(u.banned_until.is_some_and(|b| b > self.now));
        s.anonymous += u64::from(u.anonymous);
        s.sso += u64::from(u.sso);
        s.deleted += u64::from(u.deleted);
        s.mfa += u64::from(u.mfa);
    }

    /// Counts already made elsewhere (SQL's `GROUP BY`): `n` sign-ups on `day`.
    pub fn signups_on(&mut self, day: NaiveDate, n: u64) {
        *self.days.entry(day).or_default() += n;
    }

    /// `n` users whose last sign-in was on `day`.
    pub fn last_sign_ins_on(&mut self, day: NaiveDate, n: u64) {
        *self.active.entry(day).or_default() += n;
    }

    /// `n` users with provider `name` (an `sso:<id>` joins the `sso` bucket, as in [`Tally::add`]).
    pub fn provider(&mut self, name: &str, n: u64) {
        let name = if name.starts_with("sso:") {
            "sso"
        } else {
            name
        };
        *self.providers.entry(name.to_owned()).or_default() += n;
    }

    /// The figures that are plain counts (users, actives, statuses, MFA), for a caller that
    /// counted them itself; the charts come from the calls above.
    pub fn counts_mut(&mut self) -> &mut Stats {
        &mut self.stats
    }

    /// The figures SQL counted over every user (`db::stats`), as of `now`.
    pub fn from_database(now: DateTime<Utc>, f: crate::db::stats::UserFigures) -> Stats {
        let mut t = Tally::new(now, Source::Database);
        for (day, n) in f.signups {
            t.signups_on(day, n);
        }
        for (day, n) in f.last_sign_ins {
            t.last_sign_ins_on(day, n);
        }
        for (name, n) in &f.providers {
            t.provider(name, *n);
        }
        let s = t.counts_mut();
        s.users = f.users;
        s.dau = f.dau;
        s.wau = f.wau;
        s.mau = f.mau;
        s.unconfirmed = f.unconfirmed;
        s.invited = f.invited;
        s.banned = f.banned;
        s.anonymous = f.anonymous;
        s.sso = f.sso;
        s.deleted = f.deleted;
        s.mfa = f.mfa;
        t.finish()
    }

    pub fn finish(mut self) -> Stats {
        let today = self.now.date_naive();
        let at = |m: &BTreeMap<NaiveDate, u64>, d: &NaiveDate| m.get(d).copied().unwrap_or(0);
        let s = &mut self.stats;
        s.signups_until = until(today, self.days.keys().next_back().copied());
        s.signups_daily = last_days(s.signups_until, DAYS)
            .into_iter()
            .map(|d| (d, at(&self.days, &d)))
            .collect();
        s.signups_weekly = last_weeks(s.signups_until, WEEKS)
            .into_iter()
            .map(|w| (w, (0..7).map(|i| at(&self.days, &(w + Days::new(i)))).sum()))
            .collect();
        s.sign_ins_until = until(today, self.active.keys().next_back().copied());
        s.last_sign_in_daily = last_days(s.sign_ins_until, DAYS)
            .into_iter()
            .map(|d| (d, at(&self.active, &d)))
            .collect();
        let mut providers: Vec<(String, u64)> = self.providers.into_iter().collect();
        providers.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        self.stats.providers = providers;
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .expect("a time")
    }

    #[test]
    fn days_weeks_and_actives_count_each_user_once() {
        // Wednesday 2026-12-02, noon.
        let now = at(2026, 12, 2, 12);
        let mut t = Tally::new(
            now,
            Source::Held {
                held: 4,
                total: Some(4),
            },
        );
        let user = |created, last, providers: Vec<&'static str>| Sample {
            created: Some(created),
            last_sign_in: last,
            providers,
            confirmed: true,
            ..Default::default()
        };
        t.add(&user(
            at(2026, 12, 2, 9),
            Some(at(2026, 12, 2, 10)),
            vec!["email"],
        ));
        t.add(&user(
            at(2026, 11, 30, 9),
            Some(at(2026, 11, 28, 10)),
            vec!["email", "google"],
        ));
        t.add(&user(
            at(2026, 11, 29, 9),
            Some(at(2026, 11, 10, 10)),
            vec!["google"],
        ));
        // Long ago: in no bar, but a user all the same.
        t.add(&user(at(2025, 1, 1, 9), None, vec!["sso:4b1c"]));
        let s = t.finish();
        assert_eq!(s.users, 4);
        assert_eq!(s.signups_daily.len(), DAYS);
        assert_eq!(s.signups_daily.last(), Some(&(now.date_naive(), 1)));
        assert_eq!(s.signups_daily.iter().map(|d| d.1).sum::<u64>(), 3);
        // This week (from Monday 11-30): two; the week before (Sunday 11-29): one.
        let weeks = &s.signups_weekly;
        assert_eq!(weeks.len(), WEEKS);
        assert_eq!(
            weeks[WEEKS - 1],
            (NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(), 2)
        );
        assert_eq!(
            weeks[WEEKS - 2],
            (NaiveDate::from_ymd_opt(2026, 11, 23).unwrap(), 1)
        );
        assert_eq!((s.dau, s.wau, s.mau), (1, 2, 3));
        assert_eq!(
            s.providers,
            vec![("email".into(), 2), ("google".into(), 2), ("sso".into(), 1)]
        );
        assert!(!s.source.is_partial());
    }

    #[test]
    fn an_idle_project_shows_the_days_up_to_its_newest_sign_up() {
        let now = at(2026, 12, 2, 12);
        let mut t = Tally::new(now, Source::Database);
        t.add(&Sample {
            created: Some(at(2025, 5, 31, 9)),
            last_sign_in: Some(at(2025, 5, 20, 9)),
            ..Default::default()
        });
        let s = t.finish();
        let newest = NaiveDate::from_ymd_opt(2025, 5, 31).unwrap();
        assert_eq!(s.signups_until, newest);
        assert_eq!(s.signups_daily.last(), Some(&(newest, 1)));
        assert_eq!(
            s.sign_ins_until,
            NaiveDate::from_ymd_opt(2025, 5, 20).unwrap()
        );
        assert_eq!(s.last_sign_in_daily.last().map(|d| d.1), Some(1));
        assert_eq!(
            (s.dau, s.wau, s.mau),
            (0, 0, 0),
            "active counts stay relative to now"
        );
    }

    #[test]
    fn statuses_follow_the_users_list() {
        let now = at(2026, 12, 2, 12);
        let mut t = Tally::new(
            now,
            Source::Held {
                held: 5,
                total: None,
            },
        );
        t.add(&Sample {
            anonymous: true,
            ..Default::default()
        });
        t.add(&Sample {
            invited: true,
            ..Default::default()
        });
        t.add(&Sample::default());
        t.add(&Sample {
            confirmed: true,
            mfa: true,
            banned_until: Some(at(2027, 1, 1, 0)),
            ..Default::default()
        });
        t.add(&Sample {
            confirmed: true,
            banned_until: Some(at(2026, 1, 1, 0)),
            ..Default::default()
        });
        let s = t.finish();
        assert_eq!(
            (s.anonymous, s.invited, s.unconfirmed, s.banned),
            (1, 1, 1, 1)
        );
        // One of the four who are not anonymous.
        assert_eq!(s.mfa_share(), Some(0.25));
        assert!(s.source.is_partial(), "no total known");
    }

    #[test]
    fn counts_from_sql_chart_as_the_same_users_counted_here() {
        let now = at(2026, 12, 2, 12);
        let users = [
            Sample {
                created: Some(at(2026, 12, 1, 9)),
                last_sign_in: Some(at(2026, 12, 2, 8)),
                providers: vec!["email", "sso:abc"],
                confirmed: true,
                sso: true,
                mfa: true,
                ..Default::default()
            },
            Sample {
                created: Some(at(2026, 11, 20, 9)),
                last_sign_in: Some(at(2026, 11, 28, 8)),
                providers: vec!["google"],
                anonymous: true,
                ..Default::default()
            },
            Sample {
                created: Some(at(2026, 11, 20, 23)),
                providers: vec!["email", "sso:def"],
                invited: true,
                ..Default::default()
            },
        ];
        let mut t = Tally::new(now, Source::Database);
        for u in &users {
            t.add(u);
        }
        let counted = t.finish();
        let figures = crate::db::stats::UserFigures {
            users: 3,
            dau: 1,
            wau: 2,
            mau: 2,
            unconfirmed: 0,
            invited: 1,
            banned: 0,
            anonymous: 1,
            sso: 1,
            deleted: 0,
            mfa: 1,
            signups: vec![
                (at(2026, 12, 1, 0).date_naive(), 1),
                (at(2026, 11, 20, 0).date_naive(), 2),
            ],
            last_sign_ins: vec![
                (at(2026, 12, 2, 0).date_naive(), 1),
                (at(2026, 11, 28, 0).date_naive(), 1),
            ],
            // As SQL groups them: each SSO provider by its own name.
            providers: vec![
                ("email".into(), 2),
                ("sso:abc".into(), 1),
                ("sso:def".into(), 1),
                ("google".into(), 1),
            ],
        };
        assert_eq!(Tally::from_database(now, figures), counted);
        assert!(counted.providers.contains(&("sso".to_owned(), 2)));
    }
}
