//! Why a cell differs: the usual causes, recognised from the two sides.
//! Only cells outside the tolerance are examined; each may carry several.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::Serialize;

use super::{Billed, Granularity, Key, Tally, UNKNOWN};
use crate::model::Micros;
use crate::reconcile::tolerance::Tolerance;
use crate::refdata::markets::{MarketTable, parse_country};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// The cell agrees once the estimate is grouped by UTC days.
    UtcDayShift,
    /// The cell agrees once the estimate is grouped by Meta's periods,
    /// whose days start at another hour than UTC's and the estimate's.
    DayShift,
    /// Meta billed a period the log has no messages for.
    OutsideLog,
    /// The log covers only part of the period Meta billed.
    PartialLog,
    /// The log has messages in a period the export does not cover.
    OutsideExport,
    /// Numbers no market row knows (priced as Other), or a country the
    /// market table does not list.
    UnknownCountry,
    /// Meta's rate per message is below the estimate's in a tiered
    /// category: a volume tier reached on traffic outside the log.
    VolumeTier,
    /// Same volume, different cost.
    RateDiffers,
    /// Different volume, none of the above.
    VolumeDiffers,
}

impl Cause {
    pub fn code(self) -> &'static str {
        match self {
            Cause::UtcDayShift => "utc_day_shift",
            Cause::DayShift => "day_shift",
            Cause::OutsideLog => "outside_log",
            Cause::PartialLog => "partial_log",
            Cause::OutsideExport => "outside_export",
            Cause::UnknownCountry => "unknown_country",
            Cause::VolumeTier => "volume_tier",
            Cause::RateDiffers => "rate_differs",
            Cause::VolumeDiffers => "volume_differs",
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            Cause::UtcDayShift => {
                "the cell matches when the estimate is grouped by UTC days: Meta's analytics \
                 days are UTC while the estimate (and the billing month) follows the business's \
                 time zone; the differences cancel between adjacent periods (--utc groups the \
                 estimate in UTC)"
            }
            Cause::DayShift => {
                "the cell matches when the estimate is grouped by Meta's own periods: the \
                 export's days start at the account's midnight, not the estimate's (see the \
                 days line); the differences cancel between adjacent periods (--tz with the \
                 account's zone, or --utc, groups the estimate as Meta does)"
            }
            Cause::OutsideLog => {
                "Meta billed messages in a period the log has no messages for: the log is \
                 incomplete or starts later than the export"
            }
            Cause::PartialLog => {
                "the log starts or ends inside the period Meta billed: messages before its first \
                 or after its last row are missing"
            }
            Cause::OutsideExport => {
                "the log has messages in a period the export does not cover: fetch a longer \
                 range from Meta"
            }
            Cause::UnknownCountry => {
                "no market row knows these numbers or this country: wabill priced them as Other \
                 while Meta names a country; add the prefix with --markets or a country column"
            }
            Cause::VolumeTier => {
                "Meta's rate per message is below the estimate's in a tiered category: a volume \
                 tier was reached on traffic not in this log (other accounts of the portfolio); \
                 price with --tiers and --businesses portfolios"
            }
            Cause::RateDiffers => {
                "the same number of messages at a different cost: a rate card out of date, or a \
                 different currency or market"
            }
            Cause::VolumeDiffers => {
                "a different number of messages: rows missing from the log, or messages Meta \
                 classified differently (category, pricing type, window)"
            }
        }
    }
}

pub(super) struct Detect<'a> {
    pub tolerance: Tolerance,
    pub markets: &'a MarketTable,
    /// The estimate by UTC period; `None` when it already is.
    pub utc_cells: Option<&'a BTreeMap<Key, Option<Tally>>>,
    pub log_range: Option<(Micros, Micros)>,
    pub export_range: Option<(Micros, Micros)>,
    pub granularity: Granularity,
    /// The export has no cost: only volumes are compared.
    pub volumes: bool,
    /// Meta's day-long periods start at UTC midnights.
    pub utc_days: bool,
    /// (period, category, pricing type) of estimate cells whose numbers
    /// have no country.
    pub unknown: BTreeSet<(String, String, String)>,
}

const TIERED: [&str; 3] = ["utility", "authentication", "authentication_international"];

impl Detect<'_> {
    pub fn causes(&self, key: &Key, est: Option<&Tally>, act: Option<&Billed>) -> Vec<Cause> {
        let mut causes = Vec::new();
        let act_volume = act.map_or(0, |a| a.volume);
        let act_cost = act.map_or(Decimal::ZERO, |a| a.cost);
        if let Some(utc) = self.utc_cells {
            let u = utc.get(key).and_then(Option::as_ref);
            if u.map_or(0, |u| u.volume) == act_volume
                && (self.volumes
                    || self
                        .tolerance
                        .accepts(u.map_or(Decimal::ZERO, |u| u.cost), act_cost))
            {
                causes.push(if self.utc_days {
                    Cause::UtcDayShift
                } else {
                    Cause::DayShift
                });
                return causes;
            }
        }
        let est_volume = est.map_or(0, |e| e.volume);
        if let Some(a) = act {
            match self.log_range {
                Some((first, last)) if a.end > first && a.start <= last => {
                    // Missing rows show as missing messages: a cell whose
                    // volumes agree lost none, whatever the log's span.
                    if (a.start < first || a.end > last + 1) && est_volume != act_volume {
                        causes.push(Cause::PartialLog);
                    }
                }
                _ => causes.push(Cause::OutsideLog),
            }
        } else if let Some(e) = est {
            let inside = self
                .export_range
                .is_some_and(|(start, end)| start <= e.first && e.last < end);
            if !inside {
                causes.push(Cause::OutsideExport);
            }
        }
        let unknown_peer = est.is_none()
            && self.unknown.contains(&(
                key.period.clone(),
                key.category.clone(),
                key.pricing_type.clone(),
            ));
        let unlisted = act.is_some()
            && parse_country(&key.country).is_some_and(|c| {
                self.granularity.first_day(&key.period).is_some_and(|d| {
                    self.markets.lookup_country(c, d).market == self.markets.other()
                })
            });
        if key.country == UNKNOWN || unknown_peer || unlisted {
            causes.push(Cause::UnknownCountry);
        }
        if let (Some(e), Some(a)) = (est, act)
            && !self.volumes
            && TIERED.contains(&key.category.as_str())
            && key.pricing_type == "regular"
            && e.volume > 0
            && a.volume > 0
            // a.cost / a.volume < e.cost / e.volume, without dividing.
            && a.cost * Decimal::from(e.volume) < e.cost * Decimal::from(a.volume)
        {
            causes.push(Cause::VolumeTier);
        }
        if causes.is_empty() {
            causes.push(if est_volume == act_volume {
                Cause::RateDiffers
            } else {
                Cause::VolumeDiffers
            });
        }
        causes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const DAY: Micros = 86_400_000_000;

    fn key(category: &str) -> Key {
        Key {
            period: "2026-01-06".into(),
            country: "IN".into(),
            category: category.into(),
            pricing_type: "regular".into(),
        }
    }

    /// A log that starts at noon inside the day Meta billed.
    fn causes(category: &str, est: (u64, Decimal), act: (u64, Decimal)) -> Vec<Cause> {
        let markets = MarketTable::builtin();
        let day = 1_767_657_600_000_000; // 2026-01-06T00:00:00Z
        let detect = Detect {
            tolerance: Tolerance::default(),
            markets: &markets,
            utc_cells: None,
            log_range: Some((day + DAY / 2, day + 2 * DAY)),
            export_range: Some((day, day + DAY)),
            granularity: Granularity::Day,
            volumes: false,
            utc_days: true,
            unknown: BTreeSet::new(),
        };
        let tally = Tally {
            volume: est.0,
            cost: est.1,
            first: day + DAY / 2,
            last: day + DAY / 2,
        };
        let billed = Billed {
            volume: act.0,
            cost: act.1,
            start: day,
            end: day + DAY,
            tiers: BTreeSet::new(),
        };
        detect.causes(&key(category), Some(&tally), Some(&billed))
    }

    #[test]
    fn partial_log_only_when_volumes_differ() {
        // Same volume at a lower rate: nothing is missing from the log.
        assert_eq!(
            causes("utility", (2, dec!(0.0028)), (2, dec!(0.0024))),
            [Cause::VolumeTier]
        );
        assert_eq!(
            causes("marketing", (2, dec!(0.2)), (2, dec!(0.1))),
            [Cause::RateDiffers]
        );
        // Fewer messages in the log than Meta billed: the missing morning.
        assert_eq!(
            causes("marketing", (2, dec!(0.2)), (3, dec!(0.3))),
            [Cause::PartialLog]
        );
    }
}
