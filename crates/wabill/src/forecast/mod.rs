//! Forecasts: monthly volumes (from a plan, or projected from a log's
//! history) priced month by month with the model, card, market table and
//! tiers in force on each month's first day, through `pricing::VolumePricer`.

pub mod allin;
pub mod plan;
pub mod project;
mod report;

pub use report::{
    Amounts, Detail, ForecastAllIn, ForecastMeta, ForecastReport, ForecastRow, HistoryMeta,
    MonthRow,
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
    /// Learned from a log: the business number (its rank by name) whose own
    /// monthly service allowance these messages use. Plans pool theirs.
    pub business: Option<u32>,
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
        (p.month, a, p.place, p.category, p.sent, p.business, p.line)
            .cmp(&(q.month, b, q.place, q.category, q.sent, q.business, q.line))
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
            business: p.business,
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
                        "{line}{} {market}{country} {} ({})",
                        p.month.strftime("%Y-%m"),
                        p.category,
                        crate::display::plural(p.messages, "message")
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

/// Monthly volumes learned from a priced log, per place × category × window
/// × business number.
#[derive(Default)]
pub struct History {
    series: BTreeMap<(Place, Category, Sent, u32), BTreeMap<Date, u64>>,
    months: BTreeMap<Date, u64>,
    pub not_delivered: u64,
    /// First and last business-local days of any message: how much of its
    /// first and last months the log covers.
    covered: Option<(Date, Date)>,
}

/// Days a month's log covers, of its days (when only part of it).
pub type Coverage = Option<(i8, i8)>;

/// How the history's months enter the projection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// Every month from the first to the last with a delivered message.
    pub months: Vec<Date>,
    /// Per month: `Some((days covered, days in the month))` when the log
    /// covers only part of it (only the first and last months can be).
    pub partial: Vec<Coverage>,
    /// Months with no message at all between months with some.
    pub empty: Vec<Date>,
    pub treatment: Partial,
}

/// What is done with months covered only in part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partial {
    /// Every month is complete.
    None,
    /// Partial months are left out of the fit.
    LeftOut,
    /// No complete month: partial months are scaled to whole months by the
    /// days they cover.
    Scaled,
}

impl Span {
    /// The months the fit uses, each with the coverage its volumes are
    /// scaled up from (when `Scaled`), and how many history months follow
    /// the last of them.
    fn fitted(&self) -> (Vec<(Date, Coverage)>, u32) {
        let all = self
            .months
            .iter()
            .copied()
            .zip(self.partial.iter().copied());
        match self.treatment {
            Partial::None => (all.map(|(m, _)| (m, None)).collect(), 0),
            Partial::Scaled => (all.collect(), 0),
            Partial::LeftOut => {
                let skip = u32::from(self.partial.last().is_some_and(Option::is_some));
                (all.filter(|(_, p)| p.is_none()).collect(), skip)
            }
        }
    }

    /// The last month the projection starts from.
    pub fn last_fitted(&self) -> Option<Date> {
        self.fitted().0.last().map(|f| f.0)
    }

    /// How many months the fit uses.
    pub fn fitted_len(&self) -> usize {
        self.fitted().0.len()
    }

    /// The months covered in part, with their coverage.
    pub fn partial_months(&self) -> Vec<(Date, i8, i8)> {
        self.months
            .iter()
            .zip(&self.partial)
            .filter_map(|(m, p)| p.map(|(covered, days)| (*m, covered, days)))
            .collect()
    }
}

impl History {
    /// Counts one priced message: delivered outbound ones only (failed
    /// messages cost nothing and inbound ones are not sent by the business);
    /// every message tells how much of the months the log covers.
    pub fn add(&mut self, m: &Message, p: &Priced<'_>) {
        let day = p.local_date;
        self.covered = Some(match self.covered {
            Some((first, last)) => (first.min(day), last.max(day)),
            None => (day, day),
        });
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
            .entry((place, category, Sent::of(&windows), m.business))
            .or_default()
            .entry(month)
            .or_default() += 1;
        *self.months.entry(month).or_default() += 1;
    }

    /// Every month from the first to the last with a message (gaps count as
    /// months with no messages), and which of them the log covers in part.
    pub fn span(&self) -> Span {
        let mut months = Vec::new();
        if let (Some(first), Some(last)) = (self.months.keys().next(), self.months.keys().last()) {
            let mut m = *first;
            while m <= *last {
                months.push(m);
                let Ok(next) = m.checked_add(jiff::Span::new().months(1)) else {
                    break;
                };
                m = next;
            }
        }
        let empty = months
            .iter()
            .filter(|m| !self.months.contains_key(m))
            .copied()
            .collect();
        // A month is covered from the log's first day in it (or its 1st) to
        // its last day in it (or the month's end), in the business's zone.
        let partial: Vec<Coverage> = months
            .iter()
            .map(|m| {
                let days = m.days_in_month();
                let (from, to) = self.covered?;
                let start = if from.first_of_month() == *m {
                    from.day()
                } else {
                    1
                };
                let end = if to.first_of_month() == *m {
                    to.day()
                } else {
                    days
                };
                (start > 1 || end < days).then_some((end - start + 1, days))
            })
            .collect();
        let treatment = if partial.iter().all(Option::is_none) {
            Partial::None
        } else if partial.iter().any(Option::is_none) {
            Partial::LeftOut
        } else {
            Partial::Scaled
        };
        Span {
            months,
            partial,
            empty,
            treatment,
        }
    }

    pub fn messages(&self) -> u64 {
        self.months.values().sum()
    }

    /// Distinct business numbers with delivered outbound messages.
    pub fn business_numbers(&self) -> usize {
        let ids: std::collections::BTreeSet<u32> = self.series.keys().map(|k| k.3).collect();
        ids.len()
    }

    /// The `months` months after the history, each series projected alone.
    /// `name` gives a business id's number, so that businesses are told
    /// apart in an order that does not depend on the order of the log.
    pub fn project<'s>(
        &self,
        months: u32,
        method: Method,
        name: impl Fn(u32) -> &'s str,
    ) -> Result<Vec<Planned>, ProjectError> {
        let span = self.span();
        let Some(&last) = span.months.last() else {
            return Err(ProjectError::NoHistory);
        };
        let future: Vec<Date> = (1..=i64::from(months))
            .map(|k| last.checked_add(jiff::Span::new().months(k)))
            .collect::<Result<_, _>>()
            .map_err(|error| ProjectError::Calendar {
                months,
                last,
                error,
            })?;
        let mut ids: Vec<u32> = self.series.keys().map(|k| k.3).collect();
        ids.sort_by(|a, b| name(*a).cmp(name(*b)));
        ids.dedup();
        let rank = |id: u32| ids.iter().position(|i| *i == id).unwrap_or(0) as u32;
        let (fitted, skip) = span.fitted();
        let mut out = Vec::new();
        for ((place, category, sent, business), by_month) in &self.series {
            let ys: Vec<u64> = fitted
                .iter()
                .map(|(m, partial)| {
                    let n = by_month.get(m).copied().unwrap_or(0);
                    match partial {
                        Some((covered, days)) => round_count(
                            Decimal::from(n) * Decimal::from(*days) / Decimal::from(*covered),
                        )
                        .unwrap_or(n),
                        None => n,
                    }
                })
                .collect();
            let projected =
                project::project(&ys, skip, months, method).ok_or(ProjectError::Overflow)?;
            for (month, messages) in future.iter().zip(projected) {
                out.push(Planned {
                    month: *month,
                    place: *place,
                    category: *category,
                    sent: *sent,
                    messages,
                    line: None,
                    business: Some(rank(*business)),
                });
            }
        }
        Ok(out)
    }
}

/// Why a history cannot be projected.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    #[error("the history has no delivered outbound messages to learn from")]
    NoHistory,
    #[error("cannot count {months} months after {last}: {error}")]
    Calendar {
        months: u32,
        last: Date,
        error: jiff::Error,
    },
    #[error("the projection overflows; use a smaller growth rate or fewer months")]
    Overflow,
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
