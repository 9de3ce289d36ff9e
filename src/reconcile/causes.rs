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
                && self
                    .tolerance
                    .accepts(u.map_or(Decimal::ZERO, |u| u.cost), act_cost)
            {
                causes.push(Cause::UtcDayShift);
                return causes;
            }
        }
        if let Some(a) = act {
            match self.log_range {
                Some((first, last)) if a.end > first && a.start <= last => {
                    if a.start < first || a.end > last + 1 {
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
            causes.push(if est.map_or(0, |e| e.volume) == act_volume {
                Cause::RateDiffers
            } else {
                Cause::VolumeDiffers
            });
        }
        causes
    }
}
