//! Time on wabill's integer clock: microseconds since the Unix epoch (UTC).
//! A day is always exactly 86 400 000 000 µs, never a civil day (civil
//! dates come from `pricing::calendar`). Instants and lengths are distinct
//! types so that `at + at` does not compile; both are 8-byte `Copy`
//! newtypes over `i64`, so they cost nothing over the bare integer.

use std::fmt;
use std::ops::{Add, Mul, Sub};

/// Raw microseconds, for parsing and storage formats.
pub type Micros = i64;

/// A point in time: microseconds since the Unix epoch (UTC).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(Micros);

/// A length of time in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span(Micros);

/// A half-open interval `[start, end)`: a message at exactly `end` is
/// outside. Every window and conversation in the pricing rules is one
/// (our choice where Meta is silent, docs/pricing-rules.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub start: Instant,
    pub end: Instant,
}

impl Instant {
    /// Before every timestamp wabill accepts; a sentinel for "none".
    pub const MIN: Instant = Instant(Micros::MIN);
    pub const MAX: Instant = Instant(Micros::MAX);

    pub const fn from_micros(us: Micros) -> Instant {
        Instant(us)
    }

    pub const fn as_micros(self) -> Micros {
        self.0
    }

    pub fn saturating_add(self, span: Span) -> Instant {
        Instant(self.0.saturating_add(span.0))
    }

    pub fn saturating_sub(self, span: Span) -> Instant {
        Instant(self.0.saturating_sub(span.0))
    }

    /// The number of the hour `self` falls in, counted from the epoch
    /// (floored: an instant before the epoch is in a negative hour).
    pub fn hour(self) -> i64 {
        self.0.div_euclid(Span::HOUR.0)
    }

    /// The start of hour number `n` (saturating at the ends of time).
    pub fn at_hour(n: i64) -> Instant {
        Instant(n.saturating_mul(Span::HOUR.0))
    }

    /// The instant as a jiff timestamp: the one conversion to civil time.
    /// `None` only outside jiff's years -9999 to 9999, which no message
    /// reaches (`validate::parse_timestamp` refuses them).
    pub fn timestamp(self) -> Option<jiff::Timestamp> {
        jiff::Timestamp::from_microsecond(self.0).ok()
    }

    /// The UTC calendar day.
    pub fn utc_date(self) -> Option<jiff::civil::Date> {
        self.timestamp()
            .map(|t| t.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
    }

    /// `2026-02-01 10:00:00 UTC`, as explanations and timelines write it
    /// (the microseconds when out of range, as `Display`).
    pub fn readable(self) -> String {
        self.timestamp().map_or_else(
            || self.0.to_string(),
            |t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
        )
    }
}

/// RFC 3339 in UTC as jiff writes it (`2026-02-01T10:00:00Z`,
/// `2026-02-01T10:00:00.5Z`): the timestamp of CSV and JSON reports and of
/// messages. Out of jiff's range, the microseconds (never an empty text).
impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.timestamp() {
            Some(t) => fmt::Display::fmt(&t, f),
            None => write!(f, "{}", self.0),
        }
    }
}

impl Span {
    pub const ZERO: Span = Span(0);
    pub const HOUR: Span = Span(3_600_000_000);

    pub const fn from_micros(us: Micros) -> Span {
        Span(us)
    }

    pub const fn hours(n: i64) -> Span {
        Span(n * Span::HOUR.0)
    }

    pub const fn as_micros(self) -> Micros {
        self.0
    }
}

impl Window {
    /// `[start, start + len)`.
    pub fn starting(start: Instant, len: Span) -> Window {
        Window {
            start,
            end: start + len,
        }
    }

    /// Whether `at` falls inside: `start <= at < end`.
    pub fn contains(self, at: Instant) -> bool {
        self.start <= at && at < self.end
    }

    /// Whether the window is over at `at` (nothing from `at` on is inside).
    pub fn ended_by(self, at: Instant) -> bool {
        at >= self.end
    }

    pub fn len(self) -> Span {
        self.end - self.start
    }
}

impl Add<Span> for Instant {
    type Output = Instant;
    fn add(self, span: Span) -> Instant {
        Instant(self.0 + span.0)
    }
}

impl Sub<Span> for Instant {
    type Output = Instant;
    fn sub(self, span: Span) -> Instant {
        Instant(self.0 - span.0)
    }
}

impl Sub for Instant {
    type Output = Span;
    fn sub(self, earlier: Instant) -> Span {
        Span(self.0 - earlier.0)
    }
}

impl Add for Span {
    type Output = Span;
    fn add(self, other: Span) -> Span {
        Span(self.0 + other.0)
    }
}

impl Mul<Span> for i64 {
    type Output = Span;
    fn mul(self, span: Span) -> Span {
        Span(self * span.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instant_as_text() {
        let at = Instant::from_micros(1_769_940_000_500_000); // 2026-02-01T10:00:00.5Z
        assert_eq!(at.to_string(), "2026-02-01T10:00:00.5Z");
        assert_eq!(at.readable(), "2026-02-01 10:00:00 UTC");
        assert_eq!(at.utc_date().unwrap().to_string(), "2026-02-01");
        // Out of jiff's range: the microseconds, never an empty text.
        assert_eq!(Instant::MAX.to_string(), i64::MAX.to_string());
        assert_eq!(Instant::MAX.readable(), i64::MAX.to_string());
        assert_eq!(Instant::MAX.utc_date(), None);
    }

    #[test]
    fn windows_are_half_open() {
        let w = Window::starting(Instant::from_micros(10), Span::from_micros(5));
        assert!(!w.contains(Instant::from_micros(9)));
        assert!(w.contains(Instant::from_micros(10)));
        assert!(w.contains(Instant::from_micros(14)));
        assert!(!w.contains(Instant::from_micros(15)));
        assert!(w.ended_by(Instant::from_micros(15)));
        assert!(!w.ended_by(Instant::from_micros(14)));
        assert_eq!(w.len(), Span::from_micros(5));
        assert_eq!(std::mem::size_of::<Option<Window>>(), 24);
        assert_eq!(std::mem::size_of::<Instant>(), 8);
    }

    #[test]
    fn hours_are_floored_and_saturate() {
        let h = Span::HOUR.as_micros();
        assert_eq!(Instant::from_micros(0).hour(), 0);
        assert_eq!(Instant::from_micros(h - 1).hour(), 0);
        assert_eq!(Instant::from_micros(h).hour(), 1);
        assert_eq!(Instant::from_micros(-1).hour(), -1);
        assert_eq!(Instant::at_hour(3), Instant::from_micros(3 * h));
        assert_eq!(Instant::at_hour(i64::MAX), Instant::MAX);
        assert_eq!(Instant::MIN.saturating_sub(Span::HOUR), Instant::MIN);
        assert_eq!(Instant::MAX.saturating_add(Span::HOUR), Instant::MAX);
    }
}
