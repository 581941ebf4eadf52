//! Timestamps as people read them: relative ("3 h ago") next to absolute (UTC).

use chrono::{DateTime, Utc};

/// `just now`, `5m ago`, `3h ago`, `12d ago`, `in 2h`, …
pub fn relative(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (now - at).num_seconds();
    let (n, future) = if secs < 0 {
        (-secs, true)
    } else {
        (secs, false)
    };
    let text = if n < 45 {
        return if future {
            "in a moment".into()
        } else {
            "just now".into()
        };
    } else if n < 3600 {
        format!("{}m", (n + 30) / 60)
    } else if n < 86_400 {
        format!("{}h", n / 3600)
    } else if n < 86_400 * 60 {
        format!("{}d", n / 86_400)
    } else if n < 86_400 * 730 {
        format!("{}mo", n / (86_400 * 30))
    } else {
        format!("{}y", n / (86_400 * 365))
    };
    if future {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

pub fn absolute(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `2025-06-01`. Written out by hand: the users list draws one per visible row on every
/// frame, and chrono's `format` parses its pattern each time.
pub fn date(at: DateTime<Utc>) -> String {
    use chrono::Datelike;
    format!("{:04}-{:02}-{:02}", at.year(), at.month(), at.day())
}

/// `40 s`, `6 min`, `2 h 5 min` for how long something will take.
pub fn span(secs: i64) -> String {
    let secs = secs.max(1);
    if secs < 90 {
        format!("{secs} s")
    } else if secs < 5400 {
        format!("{} min", (secs + 30) / 60)
    } else {
        format!("{} h {} min", secs / 3600, (secs % 3600) / 60)
    }
}

/// ` · 2,400/s · about 6 min left` for `loaded` of `total` in `secs`, once a second has
/// passed (the time left only when the total is known).
pub fn rate_and_left(loaded: u64, total: Option<u64>, secs: f64) -> String {
    if secs < 1.0 || loaded == 0 {
        return String::new();
    }
    let rate = loaded as f64 / secs;
    let mut out = format!(" · {}/s", super::thousands(rate as u64));
    if let Some(t) = total.filter(|t| *t > loaded) {
        let left = ((t - loaded) as f64 / rate).ceil() as i64;
        out.push_str(&format!(" · about {} left", span(left)));
    }
    out
}

/// `59:12` or `1:02:03` for a countdown.
pub fn countdown(secs: i64) -> String {
    if secs <= 0 {
        return "0:00".into();
    }
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times() {
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let ago = |s: i64| relative(now - chrono::Duration::seconds(s), now);
        assert_eq!(ago(10), "just now");
        assert_eq!(ago(300), "5m ago");
        assert_eq!(ago(3 * 3600), "3h ago");
        assert_eq!(ago(12 * 86_400), "12d ago");
        assert_eq!(ago(200 * 86_400), "6mo ago");
        assert_eq!(ago(800 * 86_400), "2y ago");
        assert_eq!(ago(-7200), "in 2h");
        assert_eq!(countdown(3552), "59:12");
        assert_eq!(countdown(3723), "1:02:03");
        assert_eq!(countdown(-5), "0:00");
    }

    #[test]
    fn dates_match_chrono_s_own_format() {
        for secs in [0_i64, 951_782_400, 1_748_779_200, 4_102_444_799] {
            let at = DateTime::from_timestamp(secs, 0).unwrap();
            assert_eq!(date(at), at.format("%Y-%m-%d").to_string());
        }
    }

    #[test]
    fn a_rate_and_the_time_left() {
        assert_eq!(rate_and_left(10, Some(100), 0.5), "", "not before a second");
        assert_eq!(rate_and_left(0, Some(100), 5.0), "");
        assert_eq!(rate_and_left(2_400, None, 1.0), " · 2,400/s");
        assert_eq!(
            rate_and_left(2_400, Some(1_000_000), 1.0),
            " · 2,400/s · about 7 min left"
        );
        assert_eq!(span(40), "40 s");
        assert_eq!(span(7_500), "2 h 5 min");
    }
}
