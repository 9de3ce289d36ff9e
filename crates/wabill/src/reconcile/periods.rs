//! Meta's periods as the export gives them. Each data point covers its own
//! `[start, end)`: half-hour points, daily points that start at the
//! account's midnight (07:00 UTC for an account in California in summer),
//! monthly points. A point is labelled with the day (or month) it covers:
//! a day-long or longer point by the date of its start at the offset where
//! that start is midnight; a shorter one by the estimate's zone, as its
//! messages are. Messages are then placed in the point span that holds them
//! by binary search, so the estimate can be grouped exactly as Meta grouped.

use crate::location::LocatedError;
use jiff::civil::Date;
use jiff::tz::{Offset, TimeZone};

use super::Granularity;
use super::actual::ActualPoint;
use crate::model::{HOUR_US, Micros};
use crate::pricing::local_date;

const DAY_US: Micros = 24 * HOUR_US;
/// Shorter points are parts of a day (half hours, hours).
const SUB_DAY: Micros = 23 * HOUR_US;

/// One distinct `[start, end)` of the export and its period label.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Span {
    start: Micros,
    end: Micros,
    label: Date,
}

/// The export's spans, sorted and disjoint.
#[derive(Debug)]
pub struct Periods {
    granularity: Granularity,
    /// The estimate's zone: labels of sub-day points.
    zone: TimeZone,
    spans: Vec<Span>,
    /// UTC offsets (seconds) at which day-long points start, sorted.
    offsets: Vec<i32>,
    /// Whether some points are shorter than a day.
    sub_day: bool,
}

impl Periods {
    /// Labels every point (in `labels`, one per point) and collects the
    /// spans. Errors name a point longer than one period, or two points
    /// whose spans overlap without being the same.
    pub fn new(
        points: &[ActualPoint],
        granularity: Granularity,
        zone: TimeZone,
    ) -> Result<(Periods, Vec<Date>), LocatedError> {
        let mut periods = Periods {
            granularity,
            zone,
            spans: Vec::new(),
            offsets: Vec::new(),
            sub_day: false,
        };
        let mut labels = Vec::with_capacity(points.len());
        // (start, end, point index)
        let mut spans: Vec<(Micros, Micros, usize)> = Vec::new();
        for (i, p) in points.iter().enumerate() {
            labels.push(periods.label(p)?);
            if let Some(end) = p.end {
                spans.push((p.start, end, i));
            }
        }
        spans.sort_unstable();
        spans.dedup_by_key(|s| (s.0, s.1));
        for pair in spans.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if b.0 < a.1 {
                return Err(LocatedError {
                    at: points[b.2].source.clone(),
                    message: format!(
                        "the point's period overlaps that of {} without being the same: \
                         give points of one granularity (half-hour, daily or monthly), not several",
                        points[a.2].source
                    ),
                });
            }
        }
        periods.spans = spans
            .into_iter()
            .map(|(start, end, i)| Span {
                start,
                end,
                label: labels[i],
            })
            .collect();
        periods.offsets.sort_unstable();
        periods.offsets.dedup();
        Ok((periods, labels))
    }

    fn label(&mut self, p: &ActualPoint) -> Result<Date, LocatedError> {
        let g = self.granularity;
        let short = p.end.is_some_and(|e| e - p.start < SUB_DAY);
        let (first, last) = if short {
            self.sub_day = true;
            let end = p.end.unwrap_or(p.start + 1);
            let first = local_date(&self.zone, p.start);
            (first, local_date(&self.zone, end - 1))
        } else {
            let offset = midnight_offset(p.start);
            if !self.offsets.contains(&offset) {
                self.offsets.push(offset);
            }
            let zone = TimeZone::fixed(Offset::from_seconds(offset).unwrap_or(Offset::UTC));
            let first = local_date(&zone, p.start);
            let last = match p.end {
                // A day of a zone's daylight-saving change is 23 or 25 hours.
                Some(end) => {
                    let last = local_date(&zone, end - 1);
                    if g.start(last) != g.start(first) && end - p.start > DAY_US {
                        local_date(&zone, end - 1 - HOUR_US)
                    } else {
                        last
                    }
                }
                None => first,
            };
            (first, last)
        };
        let (period, last) = (g.start(first), g.start(last));
        if period != last {
            return Err(LocatedError {
                at: p.source.clone(),
                message: format!(
                    "the point runs from {} to {}, longer than one {}; use a coarser \
                     --granularity",
                    g.period(period),
                    g.period(last),
                    match g {
                        Granularity::Day => "day",
                        Granularity::Month => "month",
                    }
                ),
            });
        }
        Ok(period)
    }

    /// The period (its first day) of the point span holding `at`; for a
    /// message no point covers, its UTC day or month, as Meta's day-long
    /// points usually are. A binary search.
    pub fn period_of(&self, at: Micros) -> Date {
        let i = self.spans.partition_point(|s| s.start <= at);
        match i.checked_sub(1).map(|i| &self.spans[i]) {
            Some(s) if at < s.end => s.label,
            _ => self.granularity.start(local_date(&TimeZone::UTC, at)),
        }
    }

    /// How the export's days are cut, for the report: `UTC`, `UTC-07:00`,
    /// `UTC-08:00/UTC-07:00`, and the estimate's zone for parts of days.
    pub fn describe(&self, zone_name: &str) -> String {
        let mut parts: Vec<String> = Vec::new();
        if !self.offsets.is_empty() {
            let offsets: Vec<String> = self.offsets.iter().map(|&o| utc_offset(o)).collect();
            parts.push(offsets.join("/"));
        }
        if self.sub_day {
            parts.push(format!("parts of days grouped by {zone_name}"));
        }
        if parts.is_empty() {
            "UTC".into()
        } else {
            parts.join("; ")
        }
    }

    /// Whether every day-long point starts at a UTC midnight.
    pub fn utc_days(&self) -> bool {
        self.offsets.iter().all(|&o| o == 0)
    }
}

/// The UTC offset (seconds) at which `start` is midnight: from UTC−10:00
/// (Hawaii) to UTC+13:00 (New Zealand's summer), the range where accounts
/// are; 07:00 UTC is UTC−07:00, 18:30 UTC is UTC+05:30.
fn midnight_offset(start: Micros) -> i32 {
    let of_day = start.rem_euclid(DAY_US) / 1_000_000;
    let offset = if of_day <= 10 * 3600 {
        -of_day
    } else {
        DAY_US / 1_000_000 - of_day
    };
    offset as i32
}

fn utc_offset(seconds: i32) -> String {
    if seconds == 0 {
        return "UTC".into();
    }
    let sign = if seconds < 0 { '−' } else { '+' };
    let s = seconds.unsigned_abs();
    format!("UTC{sign}{:02}:{:02}", s / 3600, s % 3600 / 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(start: &str, end: &str) -> ActualPoint {
        let ms = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_microsecond();
        ActualPoint {
            start: ms(start),
            end: Some(ms(end)),
            country: None,
            category: None,
            pricing_type: None,
            tier: None,
            phone_number: None,
            direction: None,
            volume: 1,
            cost: None,
            source: crate::location::Location::line("a.json", 1),
        }
    }

    #[test]
    fn daily_points_at_the_accounts_midnight() {
        // California: 07:00 UTC in summer, 08:00 after the clocks go back
        // (2026-11-01 is 25 hours long).
        let points = [
            point("2026-10-31T07:00:00Z", "2026-11-01T07:00:00Z"),
            point("2026-11-01T07:00:00Z", "2026-11-02T08:00:00Z"),
            point("2026-11-02T08:00:00Z", "2026-11-03T08:00:00Z"),
        ];
        let (p, labels) = Periods::new(&points, Granularity::Day, TimeZone::UTC).unwrap();
        let text = |l: &[Date], g: Granularity| l.iter().map(|d| g.period(*d)).collect::<Vec<_>>();
        assert_eq!(
            text(&labels, Granularity::Day),
            ["2026-10-31", "2026-11-01", "2026-11-02"]
        );
        assert_eq!(p.describe("UTC"), "UTC−08:00/UTC−07:00");
        let at = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_microsecond();
        let day = |s: &str| Granularity::Day.period(p.period_of(at(s)));
        assert_eq!(day("2026-11-01T06:59:59Z"), "2026-10-31");
        assert_eq!(day("2026-11-02T07:30:00Z"), "2026-11-01");
        // Outside every point: the UTC day.
        assert_eq!(day("2026-11-03T08:00:00Z"), "2026-11-03");
        assert_eq!(day("2026-10-31T06:00:00Z"), "2026-10-31");
        let (_, months) = Periods::new(&points, Granularity::Month, TimeZone::UTC).unwrap();
        assert_eq!(
            text(&months, Granularity::Month),
            ["2026-10", "2026-11", "2026-11"]
        );
    }

    #[test]
    fn india_and_half_hours() {
        let (_, labels) = Periods::new(
            &[point("2026-01-04T18:30:00Z", "2026-01-05T18:30:00Z")],
            Granularity::Day,
            TimeZone::UTC,
        )
        .unwrap();
        assert_eq!(labels, [jiff::civil::date(2026, 1, 5)]);
        // Half hours follow the estimate's zone.
        let sp = TimeZone::get("America/Sao_Paulo").unwrap();
        let (p, labels) = Periods::new(
            &[
                point("2026-01-06T02:30:00Z", "2026-01-06T03:00:00Z"),
                point("2026-01-06T03:00:00Z", "2026-01-06T03:30:00Z"),
            ],
            Granularity::Day,
            sp,
        )
        .unwrap();
        assert_eq!(
            labels,
            [jiff::civil::date(2026, 1, 5), jiff::civil::date(2026, 1, 6)]
        );
        assert_eq!(
            p.describe("America/Sao_Paulo"),
            "parts of days grouped by America/Sao_Paulo"
        );
    }

    #[test]
    fn too_long_or_overlapping() {
        let err = Periods::new(
            &[point("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")],
            Granularity::Day,
            TimeZone::UTC,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("longer than one day"), "{err}");
        let err = Periods::new(
            &[
                point("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
                point("2026-01-01T12:00:00Z", "2026-01-01T12:30:00Z"),
            ],
            Granularity::Day,
            TimeZone::UTC,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("overlaps"), "{err}");
    }
}
