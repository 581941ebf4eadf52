//! The `/` filter against the list's rows: the words are read by [`crate::gotrue::user_query`]
//! (shared with the database reads, which turn them into SQL); here they are matched against a
//! [`UserRow`]. Every word must hold (AND); `-` negates a condition.

pub use crate::gotrue::user_query::{Cond, Query, SYNTAX, State, Term};

use super::user_row::UserRow;
use chrono::{DateTime, Utc};

impl State {
    pub fn holds(self, row: &UserRow, now: DateTime<Utc>) -> bool {
        match self {
            State::Anonymous => row.anonymous,
            // What the status column calls unconfirmed: an anonymous user has nothing to
            // confirm, and an invited one is "invited".
            State::Unconfirmed => !row.anonymous && !row.confirmed() && !row.invited,
            State::Confirmed => row.confirmed(),
            State::Invited => row.invited && !row.confirmed(),
            State::Banned => row.banned_until.is_some_and(|u| u > now),
            State::Deleted => row.deleted,
            State::Sso => row.sso,
            State::Mfa => row.mfa_factors > 0,
        }
    }
}

impl Cond {
    pub fn holds(&self, row: &UserRow, now: DateTime<Utc>) -> bool {
        match self {
            Cond::Is(state) => state.holds(row, now),
            Cond::Passkey => row.passkeys.is_some_and(|n| n > 0),
            Cond::Provider(p) => row
                .providers
                .split(',')
                .any(|have| have.eq_ignore_ascii_case(p)),
            Cond::Inactive(span) => row.last_sign_in.is_none_or(|t| now - t >= *span),
            Cond::Created { from, to } => row.created.is_some_and(|c| {
                let day = c.date_naive();
                from.is_none_or(|f| day >= f) && to.is_none_or(|t| day <= t)
            }),
        }
    }
}

impl Query {
    /// Whether the conditions hold for the row (the text is searched apart).
    pub fn holds(&self, row: &UserRow, now: DateTime<Utc>) -> bool {
        self.terms
            .iter()
            .all(|t| t.cond.holds(row, now) != t.negated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};
    use uuid::Uuid;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0)
            .single()
            .expect("a date")
    }

    fn user() -> UserRow {
        UserRow {
            providers: "email,google".into(),
            created: Some(at(2025, 2, 10)),
            last_sign_in: Some(at(2026, 11, 1)),
            ..UserRow::plain(Uuid::nil(), "ada@example.com")
        }
    }

    const NOW: fn() -> DateTime<Utc> = || at(2026, 12, 2);

    #[test]
    fn words_that_are_not_conditions_are_the_text() {
        let q = Query::parse("  Ada   is:banned  http://x.test LOVELACE ");
        assert_eq!(q.text, "ada http://x.test lovelace");
        assert_eq!(
            q.terms,
            vec![Term {
                cond: Cond::Is(State::Banned),
                negated: false
            }]
        );
        assert!(q.problems.is_empty());
    }

    #[test]
    fn each_state_matches_what_the_status_column_says() {
        let now = NOW();
        let plain = user();
        let holds = |s: &str, r: &UserRow| Query::parse(s).holds(r, now);
        assert!(holds("is:confirmed", &plain));
        assert!(!holds("is:unconfirmed", &plain));
        let anon = UserRow {
            anonymous: true,
            email_confirmed: false,
            email: String::new(),
            ..user()
        };
        assert!(holds("is:anonymous", &anon));
        assert!(
            !holds("is:unconfirmed", &anon),
            "anonymous is not unconfirmed"
        );
        let invited = UserRow {
            invited: true,
            email_confirmed: false,
            ..user()
        };
        assert!(holds("is:invited", &invited));
        assert!(!holds("is:unconfirmed", &invited));
        let banned = UserRow {
            banned_until: Some(now + TimeDelta::hours(1)),
            ..user()
        };
        assert!(holds("is:banned", &banned));
        let ban_over = UserRow {
            banned_until: Some(now - TimeDelta::hours(1)),
            ..user()
        };
        assert!(
            !holds("is:banned", &ban_over),
            "a ban that ended is not a ban"
        );
        let deleted = UserRow {
            deleted: true,
            ..user()
        };
        assert!(holds("is:soft-deleted", &deleted) && holds("is:deleted", &deleted));
        assert!(holds("-is:deleted", &plain) && !holds("-is:deleted", &deleted));
        let mfa = UserRow {
            mfa_factors: 2,
            ..user()
        };
        assert!(holds("has:mfa", &mfa) && holds("is:mfa", &mfa) && !holds("has:mfa", &plain));
        let sso = UserRow {
            sso: true,
            ..user()
        };
        assert!(holds("is:sso", &sso) && !holds("is:sso", &plain));
    }

    #[test]
    fn providers_inactivity_and_creation_days() {
        let now = NOW();
        let r = user();
        let holds = |s: &str, r: &UserRow| Query::parse(s).holds(r, now);
        assert!(holds("provider:Google", &r));
        assert!(!holds("provider:goo", &r), "a provider is named whole");
        // Last sign-in a month before now.
        assert!(holds("inactive:30d", &r) && !holds("inactive:32", &r));
        assert!(holds("inactive:4w", &r) && !holds("inactive:5w", &r));
        let never = UserRow {
            last_sign_in: None,
            ..user()
        };
        assert!(holds("inactive:10y", &never), "never signed in is inactive");
        assert!(holds("created:2025-02-10", &r));
        assert!(holds("created:2025-01-01..2025-03-31", &r));
        assert!(holds("created:2025-02-10..", &r) && !holds("created:2025-02-11..", &r));
        assert!(holds("created:..2025-02-10", &r) && !holds("created:..2025-02-09", &r));
        // A month alone is not a day: said, not guessed.
        assert_eq!(Query::parse("created:2025-02..").problems.len(), 1);
    }

    #[test]
    fn every_word_must_hold() {
        let now = NOW();
        let q = Query::parse("is:confirmed provider:github");
        assert!(!q.holds(&user(), now));
        let q = Query::parse("is:confirmed provider:google -has:mfa");
        assert!(q.holds(&user(), now));
    }

    #[test]
    fn a_value_not_understood_is_said_and_left_out() {
        let q = Query::parse("is: is:bann inactive:soon created:2025-13-01 has:cake");
        assert!(q.terms.is_empty());
        assert_eq!(q.problems.len(), 5);
        assert!(q.problems[0].starts_with("is: takes anonymous"));
        assert!(q.problems[2].starts_with("inactive:"));
        assert!(q.problems[3].starts_with("created:"));
        assert!(Query::parse("created:..").problems[0].starts_with("created:"));
    }

    #[test]
    fn passkeys_hold_only_where_they_were_read() {
        let now = NOW();
        let q = Query::parse("has:passkey");
        assert!(q.needs_passkeys());
        assert!(!q.holds(&user(), now), "not read: not shown");
        let read = UserRow {
            passkeys: Some(1),
            ..user()
        };
        assert!(q.holds(&read, now));
        let none = UserRow {
            passkeys: Some(0),
            ..user()
        };
        assert!(!q.holds(&none, now) && Query::parse("-has:passkey").holds(&none, now));
    }
}
