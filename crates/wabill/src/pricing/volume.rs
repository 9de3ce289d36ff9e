//! Pricing volumes instead of messages: "N messages of category C to market
//! M in the month starting D, sent outside any window, inside the customer
//! service window, or inside a free entry point window". Forecasts use it.
//!
//! The decision per message (`rules::decide`), the cards and the tier table
//! are the ones logs are priced with; only the counting is done in bulk. The
//! monthly counters (volume tiers per market × category class, the service
//! allowance of 2026-10) carry across the calls of one `VolumePricer`, in
//! the order the caller prices its volumes.

use std::collections::HashMap;

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::{
    Model, PricingContext, PricingType, RateSource, TierUse, Unpriced, WindowState, month_of,
    rules, tiering,
};
use crate::model::{Category, Instant, RateCategory, Window};
use crate::refdata::markets::{MarketId, MarketMatch};

/// Where messages were sent relative to the free windows. This, with the
/// category, is what decides their pricing type under every model, so it is
/// what a forecast learns from history (a utility template inside the
/// service window is free in September 2026 and charged in October).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Sent {
    Outside,
    InServiceWindow,
    InEntryPoint,
}

impl Sent {
    pub const ALL: [Sent; 3] = [Sent::Outside, Sent::InServiceWindow, Sent::InEntryPoint];

    pub fn as_str(self) -> &'static str {
        match self {
            Sent::Outside => "outside",
            Sent::InServiceWindow => "customer_service",
            Sent::InEntryPoint => "entry_point",
        }
    }

    /// The window a priced log message was sent in.
    pub fn of(w: &WindowState) -> Sent {
        if w.entry_window.is_some() {
            Sent::InEntryPoint
        } else if w.service_window.is_some() {
            Sent::InServiceWindow
        } else {
            Sent::Outside
        }
    }

    /// A window state standing for every message of this kind.
    fn state(self) -> WindowState {
        // Only whether a window is open matters to the rules.
        const EPOCH_WINDOW: Window = Window {
            start: Instant::from_micros(0),
            end: Instant::from_micros(1),
        };
        WindowState {
            service_window: (self == Sent::InServiceWindow).then_some(EPOCH_WINDOW),
            last_inbound: (self == Sent::InServiceWindow).then_some(EPOCH_WINDOW.start),
            entry_window: (self == Sent::InEntryPoint).then_some(EPOCH_WINDOW),
            opened_entry_window: false,
        }
    }
}

/// Messages of one kind in one month.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Volume {
    /// Any day of the month; the month's first day picks model, card, tiers
    /// (they change only on the 1st).
    pub month: Date,
    pub market: MarketMatch,
    pub category: Category,
    pub sent: Sent,
    pub messages: u64,
    /// The business number whose own monthly service allowance the volume
    /// uses (volumes learned from a log); `None`: the allowance pooled over
    /// the forecast's business numbers (a plan).
    pub business: Option<u32>,
}

/// Part of a volume priced alike: one pricing type, one rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Charge<'t> {
    pub messages: u64,
    pub model: Model,
    pub pricing_type: PricingType,
    /// The card column a charge used (utility for charged service in 2026-10).
    pub pricing_category: Category,
    pub rate: Option<Decimal>,
    /// `rate × messages`, exact.
    pub cost: Decimal,
    pub rate_source: Option<RateSource<'t>>,
    /// How volume tiers applied (charged utility and authentication only).
    pub tier: Option<TierUse>,
}

pub struct VolumePricer<'t> {
    ctx: &'t PricingContext,
    /// Free service messages per month of volumes without a business: the
    /// per-number allowance times the number of business phone numbers the
    /// forecast assumes.
    pooled_allowance: u64,
    tier_counts: HashMap<(MarketId, Category, (i16, i8)), u64>,
    allowance_used: HashMap<(Option<u32>, (i16, i8)), u64>,
}

impl<'t> VolumePricer<'t> {
    pub fn new(ctx: &'t PricingContext, business_numbers: u64) -> Self {
        VolumePricer {
            ctx,
            pooled_allowance: ctx.service_allowance.saturating_mul(business_numbers),
            tier_counts: HashMap::new(),
            allowance_used: HashMap::new(),
        }
    }

    pub fn price(&mut self, v: &Volume) -> Result<Vec<Charge<'t>>, Unpriced> {
        let date = v.month.first_of_month();
        let model = self
            .ctx
            .model
            .resolve(date)
            .ok_or(Unpriced::NoModel { date })?;
        if model.is_conversation() {
            // A plan counts messages; conversations cannot be derived from it.
            return Err(Unpriced::NoModel { date });
        }
        let decision = rules::decide(model, v.category, &v.sent.state());
        let free = |n, pricing_type| Charge {
            messages: n,
            model,
            pricing_type,
            pricing_category: v.category,
            rate: None,
            cost: Decimal::ZERO,
            rate_source: None,
            tier: None,
        };
        match decision.pricing_type {
            PricingType::Regular => self.charge(
                v,
                model,
                v.messages,
                decision.rate_category,
                decision.tiered,
            ),
            PricingType::FreeTier => {
                let allowance = match v.business {
                    Some(_) => self.ctx.service_allowance,
                    None => self.pooled_allowance,
                };
                let used = self
                    .allowance_used
                    .entry((v.business, month_of(date)))
                    .or_default();
                let within = v.messages.min(allowance.saturating_sub(*used));
                *used += within;
                let mut charges = vec![free(within, PricingType::FreeTier)];
                let over = v.messages - within;
                if over > 0 {
                    charges.extend(self.charge(v, model, over, decision.rate_category, false)?);
                }
                Ok(charges)
            }
            t => Ok(vec![free(v.messages, t)]),
        }
    }

    fn charge(
        &mut self,
        v: &Volume,
        model: Model,
        n: u64,
        rate_category: RateCategory,
        tiered: bool,
    ) -> Result<Vec<Charge<'t>>, Unpriced> {
        let ctx = self.ctx;
        let date = v.month.first_of_month();
        let market_name = || ctx.markets.name(v.market.market).to_string();
        let pricing_category = match rate_category {
            RateCategory::Of(c) | RateCategory::Conversation(c) => c,
            RateCategory::Any | RateCategory::UserInitiated | RateCategory::BusinessInitiated => {
                v.category
            }
        };
        let charge =
            |messages, rate: Decimal, source: RateSource<'t>| -> Result<Charge<'t>, Unpriced> {
                let cost = Decimal::from(messages).checked_mul(rate).ok_or_else(|| {
                    Unpriced::Overflow {
                        market: market_name(),
                        category: pricing_category,
                        messages,
                        rate,
                    }
                })?;
                Ok(Charge {
                    messages,
                    model,
                    pricing_type: PricingType::Regular,
                    pricing_category,
                    rate: Some(rate),
                    cost,
                    rate_source: Some(source),
                    tier: None,
                })
            };
        let list = ctx.rates.lookup(
            ctx.currency,
            v.market.market,
            v.market.country,
            rate_category,
            date,
        );
        if tiered && let RateCategory::Of(category) = rate_category {
            let class = rules::tier_class(category);
            let count = self
                .tier_counts
                .entry((v.market.market, class, month_of(date)))
                .or_default();
            let first = *count + 1;
            *count = count.saturating_add(n);
            let plan = tiering::plan(
                ctx,
                v.market.market,
                rate_category,
                date,
                list.as_ref().ok(),
            );
            if let tiering::TierPlan::Bands(version) = plan {
                let runs = version
                    .split(first, n)
                    .map_err(|reason| Unpriced::NoTierBand {
                        market: market_name(),
                        category,
                        reason,
                    })?;
                let first = version.list_rate();
                return runs
                    .into_iter()
                    .map(|(k, band)| {
                        let mut c =
                            charge(k, band.rate, RateSource::TierBand { label: &band.label })?;
                        c.tier = Some(TierUse::Band {
                            index: band.index,
                            below_list: first.is_some_and(|l| band.rate < l),
                        });
                        Ok(c)
                    })
                    .collect();
            }
            if let tiering::TierPlan::ListRate(why) = plan {
                let found = list.map_err(|missing| {
                    Unpriced::no_rate(market_name(), rate_category, date, ctx.currency, missing)
                })?;
                let mut c = charge(n, found.rate, found.into())?;
                c.tier = Some(why);
                return Ok(vec![c]);
            }
        }
        let found = list.map_err(|missing| {
            Unpriced::no_rate(market_name(), rate_category, date, ctx.currency, missing)
        })?;
        Ok(vec![charge(n, found.rate, found.into())?])
    }
}
