//! The one duration grammar of the console: ban lengths, `--idle-timeout` and `--timeout`.
//!
//! One or more `<number><unit>` parts, spaces allowed between them: `36h`, `1h30m`,
//! `2w 3d`. Units: `w` (weeks), `d`, `h`, `m` (minutes), `s`; `min` and `sec` are taken too.
//! Where a bare number is allowed it means seconds (`--timeout 30`). Zero is refused, and so
//! is anything too long to count (`99999999999999999w`), with a message rather than an
//! overflow.

use std::time::Duration;

/// What a bare number means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bare {
    /// Seconds (command-line flags).
    Seconds,
    /// Not a duration (a ban length must say its unit).
    Refused,
}

pub const HINT: &str = "like 90s, 30m, 36h, 3d, 2w or 1h30m";

/// Parses `text` by the grammar above.
pub fn parse(text: &str, bare: Bare) -> Result<Duration, String> {
    let text = text.trim().to_lowercase();
    if text.is_empty() {
        return Err(format!("no duration: {HINT}"));
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return match bare {
            Bare::Seconds => finish(
                text.parse::<u64>()
                    .map_err(|_| format!("`{text}` is too long a duration"))?,
                &text,
            ),
            Bare::Refused => Err(format!("`{text}` needs a unit: {HINT}")),
        };
    }
    let mut total: u64 = 0;
    let mut rest = text.as_str();
    while !rest.trim_start().is_empty() {
        rest = rest.trim_start();
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(format!("`{text}` is not a duration: {HINT}"));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{text}` is too long a duration"))?;
        rest = rest[digits..].trim_start();
        let unit_len = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let seconds_per = match &rest[..unit_len] {
            "w" => 7 * 86_400,
            "d" => 86_400,
            "h" => 3_600,
            "m" | "min" => 60,
            "s" | "sec" => 1,
            "" => return Err(format!("`{text}`: a number without a unit: {HINT}")),
            other => return Err(format!("`{text}`: `{other}` is no unit (w, d, h, m, s)")),
        };
        rest = &rest[unit_len..];
        total = n
            .checked_mul(seconds_per)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(|| format!("`{text}` is too long a duration"))?;
    }
    finish(total, &text)
}

fn finish(secs: u64, text: &str) -> Result<Duration, String> {
    if secs == 0 {
        return Err(format!("`{text}`: the duration must be more than zero"));
    }
    // GoTrue reads ban lengths as a Go duration (nanoseconds in an int64): keep within it.
    if secs > i64::MAX as u64 / 1_000_000_000 {
        return Err(format!("`{text}` is too long a duration"));
    }
    Ok(Duration::from_secs(secs))
}

/// For clap: a flag's duration, a bare number being seconds.
pub fn parse_flag(text: &str) -> Result<Duration, String> {
    parse(text, Bare::Seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grammar() {
        let secs = |t: &str, b| parse(t, b).map(|d| d.as_secs());
        assert_eq!(secs("36h", Bare::Refused), Ok(36 * 3600));
        assert_eq!(secs("1h30m", Bare::Refused), Ok(5400));
        assert_eq!(secs("2w 3d", Bare::Refused), Ok(17 * 86_400));
        assert_eq!(secs(" 90 s ", Bare::Refused), Ok(90));
        assert_eq!(secs("30", Bare::Seconds), Ok(30));
        assert_eq!(secs("10min", Bare::Seconds), Ok(600));
        assert!(
            parse("30", Bare::Refused)
                .unwrap_err()
                .contains("needs a unit")
        );
        assert!(
            parse("0h", Bare::Refused)
                .unwrap_err()
                .contains("more than zero")
        );
        assert!(parse("3y", Bare::Refused).unwrap_err().contains("no unit"));
        assert!(parse("h", Bare::Refused).is_err());
        assert!(parse("", Bare::Seconds).is_err());
        for huge in [
            "99999999999999999w",
            "18446744073709551616s",
            "300000000000h",
        ] {
            assert!(
                parse(huge, Bare::Refused).unwrap_err().contains("too long"),
                "{huge}"
            );
        }
    }
}
