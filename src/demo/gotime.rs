//! Go's ways with time, as GoTrue shows them: RFC 3339 with trimmed fractional
//! seconds (`time.RFC3339Nano`) and `time.ParseDuration` for `ban_duration`.

use chrono::{DateTime, Duration, DurationRound, Utc};

/// A timestamp as GoTrue stores it: Postgres keeps microseconds.
pub fn now() -> DateTime<Utc> {
    truncate(Utc::now())
}

/// Drops sub-microsecond precision, like a round trip through Postgres.
pub fn truncate(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(Duration::microseconds(1)).unwrap_or(t)
}

/// `time.Time` marshalled by Go: `2024-05-01T10:11:12.5Z`, trailing zeros of
/// the fraction trimmed and no fraction at all on a whole second.
pub fn format(t: &DateTime<Utc>) -> String {
    let base = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let micros = t.timestamp_subsec_micros();
    if micros == 0 {
        return format!("{base}Z");
    }
    let frac = format!("{micros:06}");
    format!("{base}.{}Z", frac.trim_end_matches('0'))
}

/// `time.ParseDuration`, with Go's error texts (GoTrue puts them in the
/// `invalid format for ban duration: …` message).
pub fn parse_duration(input: &str) -> Result<Duration, String> {
    let quoted = go_quote(input);
    let invalid = || format!("time: invalid duration {quoted}");
    let mut s = input;
    let mut negative = false;
    if let Some(rest) = s.strip_prefix('-') {
        negative = true;
        s = rest;
    } else if let Some(rest) = s.strip_prefix('+') {
        s = rest;
    }
    if s == "0" {
        return Ok(Duration::zero());
    }
    if s.is_empty() {
        return Err(invalid());
    }
    let mut total: f64 = 0.0;
    while !s.is_empty() {
        // The number: digits, optionally a fraction.
        let int_len = s.bytes().take_while(u8::is_ascii_digit).count();
        let (int_part, rest) = s.split_at(int_len);
        let mut rest = rest;
        let mut frac_part = "";
        let mut had_dot = false;
        if let Some(after_dot) = rest.strip_prefix('.') {
            had_dot = true;
            let frac_len = after_dot.bytes().take_while(u8::is_ascii_digit).count();
            frac_part = &after_dot[..frac_len];
            rest = &after_dot[frac_len..];
        }
        if int_part.is_empty() && frac_part.is_empty() {
            // ".s" or "s": no digits at all.
            let _ = had_dot;
            return Err(invalid());
        }
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| *c == '.' || c.is_ascii_digit())
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        let (unit, tail) = rest.split_at(unit_len);
        if unit.is_empty() {
            return Err(format!("time: missing unit in duration {quoted}"));
        }
        let nanos_per_unit: f64 = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            other => {
                return Err(format!(
                    "time: unknown unit {} in duration {quoted}",
                    go_quote(other)
                ));
            }
        };
        let number: f64 = format!(
            "{}.{}",
            if int_part.is_empty() { "0" } else { int_part },
            if frac_part.is_empty() { "0" } else { frac_part }
        )
        .parse()
        .map_err(|_| invalid())?;
        total += number * nanos_per_unit;
        if total > i64::MAX as f64 {
            return Err(invalid());
        }
        s = tail;
    }
    let nanos = total.round() as i64;
    Ok(Duration::nanoseconds(if negative { -nanos } else { nanos }))
}

/// Go's `%q`-ish quoting used in duration errors (enough for printable input).
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn formats_like_go() {
        let t = Utc
            .with_ymd_and_hms(2024, 5, 1, 10, 11, 12)
            .single()
            .unwrap_or_default();
        assert_eq!(format(&t), "2024-05-01T10:11:12Z");
        let t = t + Duration::microseconds(500_000);
        assert_eq!(format(&t), "2024-05-01T10:11:12.5Z");
        let t = t + Duration::microseconds(123);
        assert_eq!(format(&t), "2024-05-01T10:11:12.500123Z");
    }

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_duration("24h"), Ok(Duration::hours(24)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::minutes(90)));
        assert_eq!(parse_duration("876000h"), Ok(Duration::hours(876_000)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::milliseconds(1500)));
        assert_eq!(parse_duration("0"), Ok(Duration::zero()));
        assert_eq!(parse_duration("-2m"), Ok(Duration::minutes(-2)));
        assert_eq!(
            parse_duration("1d"),
            Err("time: unknown unit \"d\" in duration \"1d\"".to_string())
        );
        assert_eq!(
            parse_duration("12"),
            Err("time: missing unit in duration \"12\"".to_string())
        );
        assert_eq!(
            parse_duration("forever"),
            Err("time: invalid duration \"forever\"".to_string())
        );
        assert_eq!(
            parse_duration(""),
            Err("time: invalid duration \"\"".to_string())
        );
    }
}
