//! The `/` filter's words: free text, and conditions on a user's state that combine with it.
//!
//! ```text
//! ada is:unconfirmed                    ada's unconfirmed accounts
//! is:banned -is:deleted                 banned, not soft-deleted
//! provider:google inactive:90d          Google users with no sign-in for 90 days
//! created:2025-01-01..2025-03-31 has:mfa
//! ```
//!
//! Every word must hold (AND); `-` before a condition negates it. A word that is not a
//! condition is text, searched as one string with the other text words. A condition with a
//! value the filter does not know is left out, and [`Query::problems`] says what it takes.

use super::user_row::UserRow;
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

/// A state `is:` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    Anonymous,
    Unconfirmed,
    Confirmed,
    Invited,
    Banned,
    Deleted,
    Sso,
    Mfa,
}

impl State {
    pub const ALL: [(State, &'static str); 8] = [
        (State::Anonymous, "anonymous"),
        (State::Unconfirmed, "unconfirmed"),
        (State::Confirmed, "confirmed"),
        (State::Invited, "invited"),
        (State::Banned, "banned"),
        (State::Deleted, "deleted"),
        (State::Sso, "sso"),
        (State::Mfa, "mfa"),
    ];

    fn parse(word: &str) -> Option<State> {
        let word = match word {
            "soft-deleted" | "soft_deleted" => "deleted",
            "unconfirmed_email" => "unconfirmed",
            w => w,
        };
        Self::ALL.iter().find(|(_, w)| *w == word).map(|(s, _)| *s)
    }

    fn holds(self, row: &UserRow, now: DateTime<Utc>) -> bool {
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

/// One condition of the filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cond {
    Is(State),
    /// Has a passkey: the user list does not say, so it holds only where passkeys were read.
    Passkey,
    /// Signs in with this provider (`email`, `phone`, `google`, …).
    Provider(String),
    /// No sign-in for at least this long (or never).
    Inactive(TimeDelta),
    /// Created on these days (UTC), both ends included; an open end is `None`.
    Created {
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    },
}

impl Cond {
    fn holds(&self, row: &UserRow, now: DateTime<Utc>) -> bool {
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

/// A condition, maybe negated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Term {
    pub cond: Cond,
    pub negated: bool,
}

/// The filter's text, read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Query {
    /// The words that are not conditions, lower-cased, joined by one space.
    pub text: String,
    pub terms: Vec<Term>,
    /// Words that look like conditions but are not understood, each with what it takes.
    pub problems: Vec<String>,
}

/// The keys a condition word starts with, for the help line.
pub const SYNTAX: &str = "is:anonymous|unconfirmed|confirmed|invited|banned|deleted|sso|mfa  \
     has:mfa|passkey  provider:NAME  inactive:30d  created:2025-01-01..2025-03-31  -is:… negates";

impl Query {
    pub fn parse(input: &str) -> Query {
        let mut q = Query::default();
        let mut text = Vec::new();
        for word in input.split_whitespace() {
            let (negated, body) = match word.strip_prefix('-') {
                Some(rest) if rest.contains(':') => (true, rest),
                _ => (false, word),
            };
            let Some((key, value)) = body.split_once(':') else {
                text.push(word.to_lowercase());
                continue;
            };
            let key = key.to_ascii_lowercase();
            let value_lc = value.to_ascii_lowercase();
            let cond = match key.as_str() {
                "is" => State::parse(&value_lc)
                    .map(Cond::Is)
                    .ok_or_else(|| format!("is: takes {}", State::ALL.map(|(_, w)| w).join(", "))),
                "has" => match value_lc.as_str() {
                    "mfa" => Ok(Cond::Is(State::Mfa)),
                    "passkey" | "passkeys" => Ok(Cond::Passkey),
                    _ => Err("has: takes mfa or passkey".to_owned()),
                },
                "provider" if !value_lc.is_empty() => Ok(Cond::Provider(value_lc.clone())),
                "provider" => Err("provider: takes a provider's name (email, google, …)".into()),
                "inactive" => parse_span(&value_lc)
                    .map(Cond::Inactive)
                    .ok_or_else(|| "inactive: takes a span such as 30d, 12w, 6m or 1y".into()),
                "created" => parse_days(value)
                    .map(|(from, to)| Cond::Created { from, to })
                    .ok_or_else(|| {
                        "created: takes DATE, DATE..DATE, DATE.. or ..DATE (YYYY-MM-DD)".into()
                    }),
                // A colon in ordinary text (a URL, a time): text.
                _ => {
                    text.push(word.to_lowercase());
                    continue;
                }
            };
            match cond {
                Ok(cond) => q.terms.push(Term { cond, negated }),
                // Still being typed (`is:`), or a slip: said, and left out.
                Err(why) => q.problems.push(why),
            }
        }
        q.text = text.join(" ");
        q
    }

    /// Whether the conditions hold for the row (the text is searched apart).
    pub fn holds(&self, row: &UserRow, now: DateTime<Utc>) -> bool {
        self.terms
            .iter()
            .all(|t| t.cond.holds(row, now) != t.negated)
    }

    pub fn has_terms(&self) -> bool {
        !self.terms.is_empty()
    }

    /// The same query without its passkey conditions (what decides whose passkeys to read).
    pub fn without_passkeys(&self) -> Query {
        let mut q = self.clone();
        q.terms.retain(|t| t.cond != Cond::Passkey);
        q
    }

    /// Whether a condition reads passkeys, which the list does not hold.
    pub fn needs_passkeys(&self) -> bool {
        self.terms.iter().any(|t| t.cond == Cond::Passkey)
    }
}

/// `30d`, `12w`, `6m`, `1y`, or a bare number of days.
fn parse_span(value: &str) -> Option<TimeDelta> {
    let digits = value.chars().take_while(char::is_ascii_digit).count();
    let n: i64 = value[..digits].parse().ok()?;
    let days = match &value[digits..] {
        "" | "d" => n,
        "w" => n.checked_mul(7)?,
        "m" | "mo" => n.checked_mul(30)?,
        "y" => n.checked_mul(365)?,
        _ => return None,
    };
    TimeDelta::try_days(days)
}

/// `DATE`, `DATE..DATE`, `DATE..`, `..DATE`.
type Days = (Option<NaiveDate>, Option<NaiveDate>);

fn parse_days(value: &str) -> Option<Days> {
    let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    match value.split_once("..") {
        None => {
            let d = day(value)?;
            Some((Some(d), Some(d)))
        }
        Some(("", "")) => None,
        Some((from, to)) => {
            let from = if from.is_empty() {
                None
            } else {
                Some(day(from)?)
            };
            let to = if to.is_empty() { None } else { Some(day(to)?) };
            Some((from, to))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
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
