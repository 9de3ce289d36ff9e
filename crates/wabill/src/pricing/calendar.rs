//! Business-local dates. Months (tiers, allowances) and rate and model
//! switches start at midnight in the business account's time zone; the
//! window rules never use civil time. One cached day per business keeps
//! time-zone conversion off the per-row path.

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

use crate::model::{Instant, Micros, Window};

#[derive(Clone, Debug)]
pub struct LocalCalendar {
    zone: TimeZone,
    /// The cached day, as an interval of UTC instants.
    day: Option<(Window, Date)>,
}

impl LocalCalendar {
    pub fn new(zone: TimeZone) -> Self {
        LocalCalendar { zone, day: None }
    }

    pub fn date(&mut self, at: Instant) -> Date {
        if let Some((day, date)) = self.day
            && day.contains(at)
        {
            return date;
        }
        let date = local_date(&self.zone, at.as_micros());
        let bound = |d: Date| {
            d.to_zoned_datetime(self.zone.clone())
                .map(|z| Instant::from_micros(z.timestamp().as_microsecond()))
                .ok()
        };
        if let (Some(start), Some(end)) = (bound(date), date.tomorrow().ok().and_then(bound)) {
            self.day = Some((Window { start, end }, date));
        }
        date
    }
}

pub fn local_date(zone: &TimeZone, at: Micros) -> Date {
    crate::model::Instant::from_micros(at)
        .timestamp()
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(zone.clone())
        .date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dates_follow_the_zone_and_the_cache_is_exact() {
        let at = |s: &str| Instant::from_micros(s.parse::<Timestamp>().unwrap().as_microsecond());
        let mut kolkata = LocalCalendar::new(TimeZone::get("Asia/Kolkata").unwrap());
        // 2026-09-30T18:30Z is midnight of 1 October in India.
        assert_eq!(
            kolkata.date(at("2026-09-30T18:29:59.999Z")),
            date(2026, 9, 30)
        );
        assert_eq!(kolkata.date(at("2026-09-30T18:30:00Z")), date(2026, 10, 1));
        assert_eq!(kolkata.date(at("2026-09-30T18:29:59Z")), date(2026, 9, 30));
        let mut la = LocalCalendar::new(TimeZone::get("America/Los_Angeles").unwrap());
        assert_eq!(la.date(at("2026-10-01T06:59:59Z")), date(2026, 9, 30));
        assert_eq!(la.date(at("2026-10-01T07:00:00Z")), date(2026, 10, 1));
    }
}
