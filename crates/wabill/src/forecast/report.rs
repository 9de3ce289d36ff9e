//! The forecast report: plain data, rendered by `render::forecast`.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::Serialize;

use super::Planned;
use crate::pricing::{Charge, PricingType, TierUse};
use crate::refdata::markets::{Country, country_str};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Amounts {
    pub messages: u64,
    pub charged: u64,
    pub free: u64,
    #[serde(serialize_with = "crate::display::json::amount")]
    pub cost: Decimal,
    /// With `--fees`, `--tax` or `--fx`: the all-in amounts (`allin`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_in: Option<crate::report::allin::AllIn>,
}

impl Amounts {
    fn zero() -> Self {
        Amounts {
            cost: Decimal::ZERO,
            ..Amounts::default()
        }
    }

    fn add(&mut self, other: &Amounts) {
        self.messages += other.messages;
        self.charged += other.charged;
        self.free += other.free;
        self.cost += other.cost;
        if let Some(o) = &other.all_in {
            self.all_in.get_or_insert_with(Default::default).add(o);
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForecastRow {
    pub month: String,
    pub market: String,
    pub category: String,
    pub amounts: Amounts,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MonthRow {
    pub month: String,
    #[serde(flatten)]
    pub amounts: Amounts,
    /// Cost per category, for the stacked chart.
    #[serde(serialize_with = "crate::display::json::by_key")]
    pub cost_by_category: BTreeMap<String, Decimal>,
}

/// One priced part of a volume: why it costs what it costs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Detail {
    pub month: String,
    pub market: String,
    pub country: Option<String>,
    pub category: String,
    /// outside, customer_service or entry_point.
    pub window: String,
    pub model: String,
    pub pricing_type: String,
    pub pricing_category: String,
    pub messages: u64,
    pub rate: Option<Decimal>,
    #[serde(serialize_with = "crate::display::json::amount")]
    pub cost: Decimal,
    pub rate_source: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HistoryMeta {
    pub first_month: String,
    pub last_month: String,
    pub months: usize,
    /// Delivered outbound messages learned from.
    pub messages: u64,
    pub not_delivered_ignored: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ForecastMeta {
    pub format_version: u32,
    /// `plan` or `history`.
    pub source: String,
    pub inputs: Vec<String>,
    pub model: String,
    pub models_used: Vec<String>,
    pub currency: String,
    pub time_zone: String,
    pub method: Option<String>,
    pub history: Option<HistoryMeta>,
    /// Business phone numbers sharing the 2026-10 free service allowance.
    pub business_numbers: u64,
    pub tiers: Option<String>,
    /// Card versions (and tier tables) that priced at least one message.
    pub rate_sources: Vec<String>,
    /// Every assumption, one sentence each, also printed under the table.
    pub assumptions: Vec<String>,
    /// The `wabill.toml` whose defaults applied, if one was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// With `--fees`, `--tax` or `--fx`: the all-in columns' currency and
    /// rules (`forecast::allin`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub all_in: Option<ForecastAllIn>,
}

/// The all-in columns of a forecast: their currency and rules.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ForecastAllIn {
    pub currency: String,
    pub rules: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ForecastReport {
    pub meta: ForecastMeta,
    pub rows: Vec<ForecastRow>,
    pub months: Vec<MonthRow>,
    pub totals: Amounts,
    pub details: Vec<Detail>,
}

#[derive(Default)]
pub(super) struct Builder {
    rows: BTreeMap<(String, String, String), Amounts>,
    details: Vec<Detail>,
    models: BTreeSet<String>,
    sources: BTreeSet<String>,
    /// Where volume tiers were not applied, and why.
    tier_notes: BTreeSet<String>,
}

impl Builder {
    pub(super) fn add(
        &mut self,
        p: &Planned,
        market: &str,
        country: Option<Country>,
        charges: &[Charge<'_>],
    ) {
        let month = p.month.strftime("%Y-%m").to_string();
        let row = self
            .rows
            .entry((month.clone(), market.to_string(), p.category.to_string()))
            .or_insert_with(Amounts::zero);
        for c in charges.iter().filter(|c| c.messages > 0) {
            let charged = c.pricing_type == PricingType::Regular;
            row.add(&Amounts {
                messages: c.messages,
                charged: if charged { c.messages } else { 0 },
                free: if charged { 0 } else { c.messages },
                cost: c.cost,
                all_in: None,
            });
            self.models.insert(c.model.name().to_string());
            if let Some(s) = c.rate_source {
                self.sources.insert(s.label().to_string());
            }
            match c.tier {
                Some(TierUse::Suspended {
                    table_from,
                    first_band,
                    list_since,
                }) => {
                    let since = list_since.map_or(String::new(), |d| format!(" since {d}"));
                    let table = table_from.map_or(String::new(), |d| format!(" of {d}"));
                    self.tier_notes.insert(format!(
                        "volume tiers not applied to {market} {}: its list rate {}{since} \
                         differs from the first band {first_band} of the tier table{table} and \
                         no newer table is known; priced at list rate",
                        c.pricing_category,
                        c.rate.unwrap_or_default()
                    ));
                }
                Some(TierUse::NoTable { before: Some(d) }) => {
                    self.tier_notes.insert(format!(
                        "volume tiers: no tier table known before {d}; earlier months at list rate"
                    ));
                }
                // A market × category no table covers (the markets Meta
                // split off on 2026-07-01 and 2026-10-01, a currency
                // without a table): said, never silent (issue 27).
                Some(TierUse::NoTable { before: None }) => {
                    self.tier_notes.insert(format!(
                        "volume tiers: no tier table covers {market} {}; priced at list rate",
                        c.pricing_category
                    ));
                }
                _ => {}
            }
            self.details.push(Detail {
                month: month.clone(),
                market: market.to_string(),
                country: country.map(|c| country_str(&c).to_string()),
                category: p.category.to_string(),
                window: p.sent.as_str().to_string(),
                model: c.model.name().to_string(),
                pricing_type: c.pricing_type.to_string(),
                pricing_category: c.pricing_category.to_string(),
                messages: c.messages,
                rate: c.rate,
                cost: c.cost,
                rate_source: c.rate_source.map(|s| s.label().to_string()),
            });
        }
    }

    pub(super) fn finish(self, mut meta: ForecastMeta) -> ForecastReport {
        let mut totals = Amounts::zero();
        let mut months: BTreeMap<String, MonthRow> = BTreeMap::new();
        let rows: Vec<ForecastRow> = self
            .rows
            .into_iter()
            .map(|((month, market, category), amounts)| {
                totals.add(&amounts);
                let m = months.entry(month.clone()).or_insert_with(|| MonthRow {
                    month: month.clone(),
                    amounts: Amounts::zero(),
                    cost_by_category: BTreeMap::new(),
                });
                m.amounts.add(&amounts);
                *m.cost_by_category
                    .entry(category.clone())
                    .or_insert(Decimal::ZERO) += amounts.cost;
                ForecastRow {
                    month,
                    market,
                    category,
                    amounts,
                }
            })
            .collect();
        meta.models_used = self.models.into_iter().collect();
        meta.rate_sources = self.sources.into_iter().collect();
        meta.assumptions.extend(self.tier_notes);
        ForecastReport {
            meta,
            rows,
            months: months.into_values().collect(),
            totals,
            details: self.details,
        }
    }
}
