//! Whether a tier table prices a charged utility or authentication message,
//! shared by the message engine and the volume pricer (forecasts).
//!
//! Meta publishes a tier table with its list rates: its first band is the
//! list rate of that day. A table applies to a market × category only while
//! its first band equals the list rate in force: when the list rate changes
//! later and no newer table is known (Pakistan utility on 2026-10-01), or a
//! user card gives another rate, the bands are not the ones Meta would use,
//! so that market × category goes at the list rate and the report says why.

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::PricingContext;
use crate::model::RateCategory;
use crate::refdata::markets::MarketId;
use crate::refdata::rates::FoundRate;
use crate::refdata::tiers::TierVersion;

/// How volume tiers priced one charged utility or authentication message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TierUse {
    /// Priced in this band (1-based) of a tier table; `below_list` when its
    /// rate is under the table's first band.
    Band { index: u8, below_list: bool },
    /// The list rate in force (since `list_since`) differs from the first
    /// band of the table of `table_from`: priced at the list rate.
    Suspended {
        table_from: Option<Date>,
        first_band: Decimal,
        list_since: Option<Date>,
    },
    /// No table covers this market × category on this date; `before` is the
    /// table's first date when the message is earlier than every table.
    NoTable { before: Option<Date> },
    /// `--no-tiers`.
    Off,
}

/// What to price a tiered message with.
pub enum TierPlan<'t> {
    Bands(&'t TierVersion),
    ListRate(TierUse),
}

/// Decides between the tier table and the list rate for one cell and date.
/// `list` is the card rate in force (`None` when no card gives one: then a
/// table that covers the cell prices it alone).
pub fn plan<'t>(
    ctx: &'t PricingContext,
    market: MarketId,
    category: RateCategory,
    date: Date,
    list: Option<&FoundRate<'_>>,
) -> TierPlan<'t> {
    if ctx.tiers.is_off() {
        return TierPlan::ListRate(TierUse::Off);
    }
    let Some(version) = ctx.tiers.version(ctx.currency, market, category, date) else {
        let before = ctx.tiers.starts.filter(|s| date < *s);
        return TierPlan::ListRate(TierUse::NoTable { before });
    };
    // A user's table (`--tiers`) applies as given; the report says so.
    if let (Some(list), Some(first)) = (list, version.list_rate())
        && list.rate != first
        && !ctx.tiers.as_given
    {
        return TierPlan::ListRate(TierUse::Suspended {
            table_from: version.from,
            first_band: first,
            list_since: list.from,
        });
    }
    TierPlan::Bands(version)
}
