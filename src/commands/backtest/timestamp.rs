//! Timestamp parsing for backtest input, fast on the common fixed layouts.
//!
//! Hundreds of thousands of rows must parse in well under a second, so the
//! usual `YYYY-MM-DD[T ]HH:MM:SS[.frac][Z|±HH:MM]` shapes are parsed by hand
//! and anything else goes to chrono's (slower, more general) parsers.

use chrono::{DateTime, NaiveDateTime};

/// Seconds since the epoch (UTC) and nanoseconds, or `None` if unparseable.
/// A timestamp without an offset is taken as UTC.
pub fn parse_timestamp(b: &[u8]) -> Option<(i64, u32)> {
    fast(b).or_else(|| slow(b))
}

fn slow(b: &[u8]) -> Option<(i64, u32)> {
    let s = std::str::from_utf8(b).ok()?;
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some((t.timestamp(), t.timestamp_subsec_nanos()));
    }
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").ok()?;
    let t = t.and_utc();
    Some((t.timestamp(), t.timestamp_subsec_nanos()))
}

fn digits(b: &[u8]) -> Option<i64> {
    let mut n = 0i64;
    for &c in b {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + i64::from(c - b'0');
    }
    Some(n)
}

fn fast(b: &[u8]) -> Option<(i64, u32)> {
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (y, mo, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    let (h, mi, s) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut rest = &b[19..];
    let mut nanos = 0u32;
    if let [b'.', tail @ ..] = rest {
        let n = tail.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        for (i, &c) in tail[..n].iter().enumerate().take(9) {
            nanos += u32::from(c - b'0') * 10u32.pow(8 - i as u32);
        }
        rest = &tail[n..];
    }
    let offset = match rest {
        [] | [b'Z'] | [b'z'] => 0,
        [sign @ (b'+' | b'-'), hh @ .., b':', m1, m2] if hh.len() == 2 => {
            let oh = digits(hh)?;
            let om = digits(&[*m1, *m2])?;
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'-' { -o } else { o }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo, d);
    Some((days * 86_400 + h * 3600 + mi * 60 + s - offset, nanos))
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn agrees_with_chrono() {
        let cases = [
            "2026-11-02T14:00:00Z",
            "2026-11-02 14:00:00",
            "2026-11-02t14:00:00z",
            "2024-02-29T23:59:59.123456789+01:00",
            "1969-12-31T23:59:59-05:30",
            "2000-03-01 00:00:00.5",
        ];
        for c in cases {
            let want = slow(c.as_bytes()).expect(c);
            assert_eq!(fast(c.as_bytes()), Some(want), "{c}");
        }
        let t: DateTime<Utc> = "2026-11-02T14:00:00Z".parse().expect("valid");
        assert_eq!(
            parse_timestamp(b"2026-11-02T14:00:00Z"),
            Some((t.timestamp(), 0))
        );
    }

    #[test]
    fn rejects_garbage() {
        for c in [
            "",
            "timestamp",
            "2026-13-01 00:00:00",
            "2026-02-30 00:00:00",
            "2026-01-01T25:00:00Z",
            "2026-01-01T00:00:00+1",
            "2026-01-01T00:00:00 UTC",
        ] {
            assert_eq!(parse_timestamp(c.as_bytes()), None, "{c}");
        }
    }
}
