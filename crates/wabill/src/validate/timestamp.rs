//! Timestamps: RFC 3339 with an offset, Unix seconds or Unix milliseconds,
//! to the microsecond (digits beyond are dropped). The common RFC 3339
//! layout is parsed by hand (it is on the hot path); anything else falls
//! back to jiff's parser.

use crate::model::Micros;

/// Unix values at or above this are milliseconds (1e11 s is the year 5138).
const MILLIS_THRESHOLD: i64 = 100_000_000_000;

/// Why a timestamp cannot be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TimestampError {
    #[error("empty")]
    Empty,
    #[error("number out of range")]
    NumberOutOfRange,
    #[error("out of the supported range of dates")]
    DateOutOfRange,
    #[error(
        "no UTC offset (add Z or +hh:mm, or say what zone such values are in with --naive-tz UTC|ZONE)"
    )]
    NoOffset,
    #[error("not RFC 3339 (2025-07-03T10:15:00Z), Unix seconds or Unix milliseconds")]
    Format,
    #[error("UTC offset beyond ±23:59")]
    Offset,
}

/// Whether the text ends in a UTC offset of 24 hours or more (`+24:00`,
/// `-2500`), which RFC 3339 does not allow (jiff reads up to ±25:59).
fn offset_beyond_a_day(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(t) = b
        .iter()
        .position(|c| *c == b'T' || *c == b't' || *c == b' ')
    else {
        return false;
    };
    let Some(sign) = b[t..].iter().rposition(|c| *c == b'+' || *c == b'-') else {
        return false;
    };
    let hours = &b[t + sign + 1..];
    hours.len() >= 2
        && hours[..2].iter().all(u8::is_ascii_digit)
        && (hours[0] - b'0') * 10 + (hours[1] - b'0') > 23
}

pub fn parse_timestamp(s: &str) -> Result<Micros, TimestampError> {
    let us = parse_any(s)?;
    // Keep every later conversion (dates, zones) total.
    jiff::Timestamp::from_microsecond(us)
        .map(|_| us)
        .map_err(|_| TimestampError::DateOutOfRange)
}

fn parse_any(s: &str) -> Result<Micros, TimestampError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(TimestampError::Empty);
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        let n: i64 = s.parse().map_err(|_| TimestampError::NumberOutOfRange)?;
        let per_unit = if n >= MILLIS_THRESHOLD {
            1000
        } else {
            1_000_000
        };
        return n
            .checked_mul(per_unit)
            .ok_or(TimestampError::DateOutOfRange);
    }
    if let Some(us) = fast_rfc3339(s.as_bytes()) {
        return Ok(us);
    }
    match s.parse::<jiff::Timestamp>() {
        Ok(_) if offset_beyond_a_day(s) => Err(TimestampError::Offset),
        Ok(t) => Ok(t.as_microsecond()),
        Err(_) => match warehouse(s) {
            Some(t) => parse_any(&t),
            None if s.parse::<jiff::civil::DateTime>().is_ok() => Err(TimestampError::NoOffset),
            None => Err(TimestampError::Format),
        },
    }
}

/// A warehouse's spelling of an instant as RFC 3339: BigQuery's
/// `2026-02-02 10:00:00 UTC` (or `GMT`), and an offset after a space, with
/// or without its colon (`2026-02-02 10:00:00 +0000`, `… -03:00`).
fn warehouse(s: &str) -> Option<String> {
    let (civil, zone) = s.rsplit_once(' ')?;
    let civil = civil.trim_end();
    if civil.parse::<jiff::civil::DateTime>().is_err() {
        return None;
    }
    let offset = match zone.as_bytes() {
        z if z.eq_ignore_ascii_case(b"UTC") || z.eq_ignore_ascii_case(b"GMT") => "Z".to_string(),
        [b'+' | b'-', h1, h2, m1, m2] if [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()) => {
            format!("{}:{}", &zone[..3], &zone[3..])
        }
        [b'+' | b'-', h1, h2, b':', m1, m2]
            if [h1, h2, m1, m2].iter().all(|d| d.is_ascii_digit()) =>
        {
            zone.to_string()
        }
        _ => return None,
    };
    Some(format!("{}{offset}", civil.replacen(' ', "T", 1)))
}

/// A timestamp with no offset (`TIMESTAMP_NTZ`, `DATETIME`), read in
/// `zone` (`--naive-tz`); any other form as `parse_timestamp` reads it.
pub fn parse_timestamp_in(s: &str, zone: &jiff::tz::TimeZone) -> Result<Micros, TimestampError> {
    match parse_timestamp(s) {
        Err(TimestampError::NoOffset) => {
            let civil: jiff::civil::DateTime =
                s.trim().parse().map_err(|_| TimestampError::Format)?;
            // A wall time a DST change skips or repeats is read the way
            // clocks do (jiff's "compatible": the later / earlier instant).
            let t = zone
                .to_timestamp(civil)
                .map_err(|_| TimestampError::DateOutOfRange)?;
            Ok(t.as_microsecond())
        }
        other => other,
    }
}

fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, d| {
        d.is_ascii_digit().then(|| acc * 10 + i64::from(d - b'0'))
    })
}

/// `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)`, `T` or space. `None` means "let
/// the general parser decide", never "invalid".
fn fast_rfc3339(b: &[u8]) -> Option<Micros> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let (hour, minute, second) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }
    let mut rest = &b[19..];
    let mut micros = 0;
    if rest.first() == Some(&b'.') {
        let n = rest[1..].iter().take_while(|d| d.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        let frac = &rest[1..1 + n];
        let mut scaled = 0;
        for i in 0..6 {
            scaled = scaled * 10 + frac.get(i).map_or(0, |d| i64::from(d - b'0'));
        }
        micros = scaled;
        rest = &rest[1 + n..];
    }
    let offset_min = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let h = digits(&[*h1, *h2])?;
            let m = digits(&[*m1, *m2])?;
            if h > 23 || m > 59 {
                return None;
            }
            let off = h * 60 + m;
            if *sign == b'-' { -off } else { off }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    Some(secs * 1_000_000 + micros)
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 (Howard Hinnant's algorithm).
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
    use proptest::prelude::*;

    #[test]
    fn offsets_beyond_a_day_are_refused() {
        for bad in [
            "2026-02-02T00:00:00+24:00",
            "2026-02-02T00:00:00-25:30",
            "2026-02-02 00:00:00+2400",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
        assert!(parse_timestamp("2026-02-02T00:00:00+23:59").is_ok());
        assert!(parse_timestamp("2026-02-02T00:00:00-23:59").is_ok());
    }

    #[test]
    fn accepts_the_documented_forms() {
        let z = parse_timestamp("2025-07-03T10:15:00Z").unwrap();
        assert_eq!(z, 1_751_537_700_000_000);
        assert_eq!(parse_timestamp("2025-07-03T12:15:00+02:00"), Ok(z));
        assert_eq!(parse_timestamp("2025-07-03 10:15:00Z"), Ok(z));
        assert_eq!(parse_timestamp("1751537700"), Ok(z));
        assert_eq!(parse_timestamp("1751537700000"), Ok(z));
        assert_eq!(parse_timestamp("2025-07-03T10:15:00.250Z"), Ok(z + 250_000));
        // Microseconds are kept; digits beyond them are dropped.
        assert_eq!(parse_timestamp("2025-07-03T10:15:00.000100Z"), Ok(z + 100));
        assert_eq!(
            parse_timestamp("2025-07-03T10:15:00.123456789Z"),
            Ok(z + 123_456)
        );
        assert_eq!(
            parse_timestamp("2025-07-03T10:15:00.123456789+00:00:00"),
            Ok(z + 123_456)
        );
        assert_eq!(
            parse_timestamp("2025-07-03T10:15:00"),
            Err(TimestampError::NoOffset)
        );
        assert!(parse_timestamp("2025-02-30T10:15:00Z").is_err());
        assert!(parse_timestamp("yesterday").is_err());
        assert!(parse_timestamp("").is_err());
        assert!(parse_timestamp("99999999999999999999").is_err());
        assert_eq!(
            parse_timestamp("9999999999999999"),
            Err(TimestampError::DateOutOfRange)
        );
    }

    #[test]
    fn reads_warehouse_spellings() {
        let z = parse_timestamp("2026-02-02T10:00:00Z").unwrap();
        for s in [
            "2026-02-02 10:00:00 UTC",
            "2026-02-02 10:00:00 GMT",
            "2026-02-02T10:00:00 UTC",
            "2026-02-02 10:00:00 +0000",
            "2026-02-02 07:00:00 -0300",
            "2026-02-02 07:00:00 -03:00",
        ] {
            assert_eq!(parse_timestamp(s), Ok(z), "{s}");
        }
        assert_eq!(
            parse_timestamp("2026-02-02 10:00:00.250 UTC"),
            Ok(z + 250_000)
        );
        assert!(parse_timestamp("2026-02-02 10:00:00 CET").is_err());
        assert!(parse_timestamp("2026-02-02 10:00:00 +00").is_err());
        // Zoneless: refused, unless the zone is given.
        assert_eq!(
            parse_timestamp("2026-02-02 10:00:00"),
            Err(TimestampError::NoOffset)
        );
        let utc = jiff::tz::TimeZone::UTC;
        assert_eq!(parse_timestamp_in("2026-02-02 10:00:00", &utc), Ok(z));
        let sp = jiff::tz::TimeZone::get("America/Sao_Paulo").unwrap();
        assert_eq!(parse_timestamp_in("2026-02-02T07:00:00", &sp), Ok(z));
        assert_eq!(parse_timestamp_in("2026-02-02T10:00:00Z", &sp), Ok(z));
    }

    proptest! {
        /// The hand-written fast path agrees with jiff on every instant.
        #[test]
        fn fast_path_matches_jiff(secs in 0i64..4_102_444_800, us in 0i64..1_000_000, off in -14i64*60..=14*60) {
            let t = jiff::Timestamp::from_microsecond(secs * 1_000_000 + us).unwrap();
            let offset = jiff::tz::Offset::from_seconds((off * 60) as i32).unwrap();
            let text = t.to_zoned_datetime(jiff::tz::TimeZone::fixed(offset)).strftime("%Y-%m-%dT%H:%M:%S%.6f%:z").to_string();
            prop_assert_eq!(fast_rfc3339(text.as_bytes()), Some(t.as_microsecond()));
        }
    }
}
