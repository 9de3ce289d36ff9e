//! Forecasts: monthly volumes (from a plan, or projected from a log's
//! history) priced month by month with the model, card, market table and
//! tiers in force on each month's first day, through `pricing::VolumePricer`.

pub mod plan;
pub mod project;
mod report;

pub use report::{
    Amounts, Detail, ForecastMeta, ForecastReport, ForecastRow, HistoryMeta, MonthRow,
};

use std::collections::BTreeMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use crate::model::{Category, Direction, Message};
use crate::pricing::{Priced, PricingContext, PricingType, Sent, Unpriced, Volume, VolumePricer};
use crate::refdata::markets::{Country, MarketId, MarketMatch, MarketTable, country_str};
use project::Method;

/// Where messages go: a country (mapped to its market month by month, so a
/// country leaving a regional group is priced in its new market) or a market.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Place {
    Country(Country),
    Market(MarketId),
}

impl Place {
    pub fn resolve(self, markets: &MarketTable, month: Date) -> MarketMatch {
        match self {
            Place::Country(c) => markets.lookup_country(c, month),
            Place::Market(m) => MarketMatch {
                market: m,
                country: None,
            },
        }
    }
}

/// Rounds a count to whole messages, halves away from zero.
pub fn round_count(d: Decimal) -> Option<u64> {
    d.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
        .to_u64()
}

/// Splits `n` messages into [outside, service window, entry point] by the
/// two shares: each share is rounded to whole messages and the outside part
/// takes the rest, so the parts always add up to `n`.
pub fn split_by_shares(n: u64, in_window: Decimal, entry_point: Decimal) -> [u64; 3] {
    let part = |share: Decimal| round_count(Decimal::from(n) * share).unwrap_or(0).min(n);
    let fep = part(entry_point);
    let window = part(in_window).min(n - fep);
    [n - fep - window, window, fep]
}

/// Messages of one kind planned or projected for one month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Planned {
    pub month: Date,
    pub place: Place,
    pub category: Category,
    pub sent: Sent,
    pub messages: u64,
    /// The plan line it came from, for error messages.
    pub line: Option<u64>,
}

/// Volumes that could not be priced: what and why.
pub struct PricingFailure {
    pub what: String,
    pub error: Unpriced,
}

/// Prices every volume and builds the report. Volumes are priced in the
/// report's order (month, market, country, category, window), which is the
/// order the monthly counters (tiers, service allowance) are consumed in.
pub fn price(
    ctx: &PricingContext,
    mut planned: Vec<Planned>,
    business_numbers: u64,
    mut meta: ForecastMeta,
) -> Result<ForecastReport, Vec<PricingFailure>> {
    let markets = &ctx.markets;
    let mut keyed: Vec<(String, Planned, MarketMatch)> = planned
        .drain(..)
        .map(|p| {
            let found = p.place.resolve(markets, p.month);
            (markets.name(found.market).to_string(), p, found)
        })
        .collect();
    keyed.sort_by(|(a, p, _), (b, q, _)| {
        (p.month, a, p.place, p.category, p.sent, p.line)
            .cmp(&(q.month, b, q.place, q.category, q.sent, q.line))
    });
    let mut pricer = VolumePricer::new(ctx, business_numbers);
    let mut builder = report::Builder::default();
    let mut failures = Vec::new();
    for (market, p, found) in keyed {
        if p.messages == 0 {
            continue;
        }
        let volume = Volume {
            month: p.month,
            market: found,
            category: p.category,
            sent: p.sent,
            messages: p.messages,
        };
        match pricer.price(&volume) {
            Ok(charges) => builder.add(&p, &market, found.country, &charges),
            Err(error) => {
                let line = p.line.map_or(String::new(), |l| format!("line {l}: "));
                let country = found
                    .country
                    .map_or(String::new(), |c| format!(" ({})", country_str(&c)));
                failures.push(PricingFailure {
                    what: format!(
                        "{line}{} {market}{country} {} ({} messages)",
                        p.month.strftime("%Y-%m"),
                        p.category,
                        p.messages
                    ),
                    error,
                });
            }
        }
    }
    if !failures.is_empty() {
        return Err(failures);
    }
    meta.business_numbers = business_numbers;
    Ok(builder.finish(meta))
}

/// Monthly volumes learned from a priced log, per place × category × window.
#[derive(Default)]
pub struct History {
    series: BTreeMap<(Place, Category, Sent), BTreeMap<Date, u64>>,
    months: BTreeMap<Date, u64>,
    pub not_delivered: u64,
}

impl History {
    /// Counts one priced message: delivered outbound ones only (failed
    /// messages cost nothing and inbound ones are not sent by the business).
    pub fn add(&mut self, m: &Message, p: &Priced<'_>) {
        if m.direction == Direction::In {
            return;
        }
        if p.pricing_type == PricingType::NotDelivered {
            self.not_delivered += 1;
            return;
        }
        let (Some(category), Some(windows)) = (m.category, p.windows) else {
            return;
        };
        // A business based abroad sent authentication-international.
        let category = match p.pricing_category {
            Some(Category::AuthenticationInternational) => Category::AuthenticationInternational,
            _ => category,
        };
        let place = match p.country {
            Some(c) => Place::Country(c),
            None => Place::Market(p.market),
        };
        let month = p.local_date.first_of_month();
        *self
            .series
            .entry((place, category, Sent::of(&windows)))
            .or_default()
            .entry(month)
            .or_default() += 1;
        *self.months.entry(month).or_default() += 1;
    }

    /// Every month from the first to the last with a message (gaps count as
    /// months with no messages).
    pub fn months(&self) -> Vec<Date> {
        let (Some(first), Some(last)) = (self.months.keys().next(), self.months.keys().last())
        else {
            return Vec::new();
        };
        let mut out = Vec::new();
        let mut m = *first;
        while m <= *last {
            out.push(m);
            let Ok(next) = m.checked_add(jiff::Span::new().months(1)) else {
                break;
            };
            m = next;
        }
        out
    }

    pub fn messages(&self) -> u64 {
        self.months.values().sum()
    }

    /// The `months` months after the history, each series projected alone.
    pub fn project(&self, months: u32, method: Method) -> Result<Vec<Planned>, String> {
        let history = self.months();
        let Some(last) = history.last() else {
            return Err("the history has no delivered outbound messages to learn from".into());
        };
        let future: Vec<Date> = (1..=i64::from(months))
            .map(|k| last.checked_add(jiff::Span::new().months(k)))
            .collect::<Result<_, _>>()
            .map_err(|e| format!("cannot count {months} months after {last}: {e}"))?;
        let mut out = Vec::new();
        for ((place, category, sent), by_month) in &self.series {
            let ys: Vec<u64> = history
                .iter()
                .map(|m| by_month.get(m).copied().unwrap_or(0))
                .collect();
            let projected = project::project(&ys, months, method)
                .ok_or("the projection overflows; use a smaller growth rate or fewer months")?;
            for (month, messages) in future.iter().zip(projected) {
                out.push(Planned {
                    month: *month,
                    place: *place,
                    category: *category,
                    sent: *sent,
                    messages,
                    line: None,
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn shares_split_into_whole_messages_that_add_up() {
        assert_eq!(
            split_by_shares(1000, dec!(0.25), dec!(0.1)),
            [650, 250, 100]
        );
        // 0.5 of 3 rounds to 2 each; the entry point part is taken first.
        assert_eq!(split_by_shares(3, dec!(0.5), dec!(0.5)), [0, 1, 2]);
        assert_eq!(split_by_shares(7, dec!(0), dec!(0)), [7, 0, 0]);
        assert_eq!(split_by_shares(1, dec!(1), dec!(0)), [0, 1, 0]);
    }
}
