//! Which users: the `/` filter's words, read into data (free text, and conditions on a user's
//! state that combine with it). The console matches them against its loaded rows
//! (`console::screens::user_filter`); the database reads (`db::users`) turn the same
//! [`Query`] into SQL, so both say the same thing by `is:banned`.
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

use chrono::{NaiveDate, TimeDelta};

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

    pub fn parse(word: &str) -> Option<State> {
        let word = match word {
            "soft-deleted" | "soft_deleted" => "deleted",
            "unconfirmed_email" => "unconfirmed",
            w => w,
        };
        Self::ALL.iter().find(|(_, w)| *w == word).map(|(s, _)| *s)
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
