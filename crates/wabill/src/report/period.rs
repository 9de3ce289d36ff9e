//! `--period` / `--from` `--to`: the reporting period. The whole log is
//! priced (service windows, allowances and volume tiers see every earlier
//! message), and only the messages whose local date (the business's zone)
//! falls in the period are reported, totalled and gated; the others are
//! counted in the accounting as read for context.

use jiff::civil::Date;

/// Days from `from` to `to`, both included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: Date,
    pub to: Date,
}

/// A `--period`, `--from` or `--to` value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadPeriod {
    #[error("--period {0:?}: expected YYYY-MM, YYYY-Qn, YYYY or YYYY-MM-DD")]
    Period(String),
    #[error("--from {from} is after --to {to}")]
    Reversed { from: Date, to: Date },
}

impl Period {
    /// The period from `--from` to `--to` (either may be open: the log's
    /// first or last day); `None` without either.
    pub fn between(from: Option<Date>, to: Option<Date>) -> Result<Option<Period>, BadPeriod> {
        if from.is_none() && to.is_none() {
            return Ok(None);
        }
        let period = Period {
            from: from.unwrap_or(Date::MIN),
            to: to.unwrap_or(Date::MAX),
        };
        if period.from > period.to {
            return Err(BadPeriod::Reversed {
                from: period.from,
                to: period.to,
            });
        }
        Ok(Some(period))
    }

    /// `2026-02` (a month), `2026-Q1`, `2026`, or one day `2026-02-14`.
    pub fn parse(s: &str) -> Result<Period, BadPeriod> {
        let bad = || BadPeriod::Period(s.to_string());
        let t = s.trim();
        if let Ok(day) = t.parse::<Date>() {
            return Ok(Period { from: day, to: day });
        }
        let year = |y: &str| {
            (y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
                .then(|| y.parse::<i16>().ok())
                .flatten()
                .ok_or_else(bad)
        };
        let span = |y: i16, first: i8, months: i8| -> Result<Period, BadPeriod> {
            let from = Date::new(y, first, 1).map_err(|_| bad())?;
            let last = Date::new(y, first + months - 1, 1).map_err(|_| bad())?;
            Ok(Period {
                from,
                to: last.last_of_month(),
            })
        };
        match t.split_once('-') {
            None => span(year(t)?, 1, 12),
            Some((y, q)) if q.len() == 2 && q.starts_with(['Q', 'q']) => {
                let q: i8 = q[1..].parse().map_err(|_| bad())?;
                if !(1..=4).contains(&q) {
                    return Err(bad());
                }
                span(year(y)?, (q - 1) * 3 + 1, 3)
            }
            Some((y, m)) if m.len() == 2 => {
                let m: i8 = m.parse().map_err(|_| bad())?;
                if !(1..=12).contains(&m) {
                    return Err(bad());
                }
                span(year(y)?, m, 1)
            }
            Some(_) => Err(bad()),
        }
    }

    pub fn contains(&self, date: Date) -> bool {
        self.from <= date && date <= self.to
    }

    /// As the report names it: `2026-02-01 to 2026-02-28`.
    pub fn describe(&self) -> String {
        match (self.from == Date::MIN, self.to == Date::MAX) {
            (true, _) => format!("until {}", self.to),
            (_, true) => format!("from {}", self.from),
            _ if self.from == self.to => self.from.to_string(),
            _ => format!("{} to {}", self.from, self.to),
        }
    }
}

/// A message's local date: the one pricing found, or, for a message that
/// could not be priced, its time in its business's zone.
pub fn message_date(
    m: &crate::model::Message,
    result: &Result<crate::pricing::Priced<'_>, crate::pricing::Unpriced>,
    strings: &crate::validate::Strings,
    businesses: &crate::refdata::businesses::Businesses,
    default_zone: &jiff::tz::TimeZone,
) -> Date {
    match result {
        Ok(p) => p.local_date,
        Err(_) => {
            let zone = businesses
                .get(strings.businesses.get(m.business))
                .map_or(default_zone, |b| &b.time_zone);
            crate::pricing::local_date(zone, m.at.as_micros())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> String {
        Period::parse(s).map_or_else(|e| e.to_string(), |p| p.describe())
    }

    #[test]
    fn months_quarters_years_and_days() {
        assert_eq!(p("2026-02"), "2026-02-01 to 2026-02-28");
        assert_eq!(p("2024-02"), "2024-02-01 to 2024-02-29");
        assert_eq!(p("2026-Q4"), "2026-10-01 to 2026-12-31");
        assert_eq!(p("2026"), "2026-01-01 to 2026-12-31");
        assert_eq!(p("2026-02-14"), "2026-02-14");
        for bad in ["2026-13", "2026-Q5", "26-02", "feb", "2026-2"] {
            assert!(p(bad).starts_with("--period"), "{bad}");
        }
        let day = |s: &str| s.parse::<Date>().unwrap();
        let open = Period::between(Some(day("2026-02-10")), None)
            .unwrap()
            .unwrap();
        assert_eq!(open.describe(), "from 2026-02-10");
        assert!(Period::between(Some(day("2026-03-01")), Some(day("2026-02-01"))).is_err());
        assert_eq!(Period::between(None, None), Ok(None));
    }
}
