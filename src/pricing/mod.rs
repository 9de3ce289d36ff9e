//! Pricing: time-ordered messages in, one `Priced` (or `Unpriced`) out per
//! message. The engine keeps per-pair windows and monthly counters; the
//! rules of each model live in `rules.rs`, the data in `refdata`.

mod calendar;
mod model;
mod rules;
mod volume;
mod window;

#[cfg(test)]
mod tests;

pub use calendar::{LocalCalendar, local_date};
pub use model::{Model, ModelChoice};
pub use volume::{Charge, Sent, Volume, VolumePricer};
pub use window::{PairWindows, WindowRules, WindowState};

use std::collections::HashMap;
use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;

use crate::model::{Category, Direction, Message, Millis, RateCategory};
use crate::refdata::businesses::{Businesses, DEFAULT_PORTFOLIO};
use crate::refdata::markets::{Country, MarketId, MarketMatch, MarketTable};
use crate::refdata::rates::{Currency, MissingRate, RateBook};
use crate::refdata::tiers::TierTable;
use crate::validate::Strings;

/// Meta's `pricing.type` vocabulary, plus `inbound` and `not_delivered`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PricingType {
    Regular,
    FreeCustomerService,
    FreeEntryPoint,
    /// Within the monthly free service allowance (from 2026-10-01).
    FreeTier,
    NotDelivered,
    Inbound,
}

impl PricingType {
    pub fn as_str(self) -> &'static str {
        match self {
            PricingType::Regular => "regular",
            PricingType::FreeCustomerService => "free_customer_service",
            PricingType::FreeEntryPoint => "free_entry_point",
            PricingType::FreeTier => "free_tier",
            PricingType::NotDelivered => "not_delivered",
            PricingType::Inbound => "inbound",
        }
    }

    pub fn is_free(self) -> bool {
        matches!(
            self,
            PricingType::FreeCustomerService | PricingType::FreeEntryPoint | PricingType::FreeTier
        )
    }
}

impl fmt::Display for PricingType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything the engine reads: tables and rules, fixed for a run.
pub struct PricingContext {
    pub markets: MarketTable,
    pub rates: RateBook,
    pub tiers: TierTable,
    pub businesses: Businesses,
    pub model: ModelChoice,
    pub currency: Currency,
    pub windows: WindowRules,
    /// Free service messages per business number per month (2026-10 model).
    pub service_allowance: u64,
    pub default_zone: TimeZone,
    pub default_zone_name: String,
}

/// The charge for one message and the facts behind it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Priced<'t> {
    pub model: Option<Model>,
    pub market: MarketId,
    pub country: Option<Country>,
    pub local_date: Date,
    pub pricing_type: PricingType,
    /// The rate column used: the message's category, or
    /// `authentication_international`, or utility for a charged service
    /// message in the 2026-10 model.
    pub pricing_category: Option<Category>,
    pub rate: Option<Decimal>,
    pub cost: Decimal,
    /// Where the rate came from (card or tier table).
    pub rate_source: Option<&'t str>,
    /// Position of this message in its monthly tier or allowance count.
    pub counted_as: Option<u64>,
    pub windows: Option<WindowState>,
}

/// A message that cannot be priced; the run reports it and fails.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unpriced {
    NoModel {
        date: Date,
    },
    NoRate {
        market: String,
        category: RateCategory,
        date: Date,
        currency: Currency,
        missing: MissingRate,
    },
    NoTierBand {
        market: String,
        category: Category,
        reason: String,
    },
}

impl fmt::Display for Unpriced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unpriced::NoModel { date } => write!(
                f,
                "no supported pricing model on {date} (per-message pricing starts 2025-07-01); \
                 choose one with --model"
            ),
            Unpriced::NoRate {
                market,
                category,
                date,
                currency,
                missing,
            } => {
                write!(
                    f,
                    "no {currency} rate known for {market} {category} on {date}"
                )?;
                match missing {
                    MissingRate::NeverGiven => write!(f, " (no card gives it)")?,
                    MissingRate::UnknownSince { from, card } => {
                        write!(f, " (changed on {from}, new value not published in {card})")?
                    }
                }
                write!(f, "; supply it with --rates FILE")
            }
            Unpriced::NoTierBand {
                market,
                category,
                reason,
            } => write!(f, "tier table for {market} {category}: {reason}"),
        }
    }
}

struct BusinessState {
    calendar: LocalCalendar,
    portfolio: u32,
    home_country: Option<Country>,
}

/// Monthly counters are keyed by business-local (year, month).
type Month = (i16, i8);

fn month_of(d: Date) -> Month {
    (d.year(), d.month())
}

/// The stateful engine. Feed it messages in `validate::sort_log` order.
pub struct Pricer<'t> {
    ctx: &'t PricingContext,
    strings: &'t Strings,
    businesses: Vec<Option<BusinessState>>,
    portfolios: Vec<String>,
    pairs: HashMap<(u32, u32), PairWindows>,
    /// Per customer: market epoch and the match cached for it.
    market_cache: Vec<Option<(usize, MarketMatch)>>,
    tier_counts: HashMap<(u32, MarketId, Category, Month), u64>,
    service_counts: HashMap<(u32, Month), u64>,
    last_sweep: Millis,
}

/// How often idle pairs are dropped, so memory follows open windows.
const SWEEP_EVERY: Millis = 6 * crate::model::HOUR_MS;

impl<'t> Pricer<'t> {
    pub fn new(ctx: &'t PricingContext, strings: &'t Strings) -> Self {
        Pricer {
            ctx,
            strings,
            businesses: Vec::new(),
            portfolios: Vec::new(),
            pairs: HashMap::new(),
            market_cache: Vec::new(),
            tier_counts: HashMap::new(),
            service_counts: HashMap::new(),
            last_sweep: Millis::MIN,
        }
    }

    fn business(&mut self, id: u32) -> &mut BusinessState {
        let i = id as usize;
        if self.businesses.len() <= i {
            self.businesses.resize_with(i + 1, || None);
        }
        if self.businesses[i].is_none() {
            let info = self.ctx.businesses.get(self.strings.businesses.get(id));
            let zone = info.map_or(self.ctx.default_zone.clone(), |b| b.time_zone.clone());
            let portfolio = info.map_or(DEFAULT_PORTFOLIO, |b| b.portfolio.as_str());
            let portfolio = match self.portfolios.iter().position(|p| p == portfolio) {
                Some(p) => p as u32,
                None => {
                    self.portfolios.push(portfolio.to_string());
                    (self.portfolios.len() - 1) as u32
                }
            };
            self.businesses[i] = Some(BusinessState {
                calendar: LocalCalendar::new(zone),
                portfolio,
                home_country: info.and_then(|b| b.home_country),
            });
        }
        self.businesses[i].as_mut().expect("initialised above")
    }

    fn market(&mut self, m: &Message, date: Date) -> MarketMatch {
        let markets = &self.ctx.markets;
        if let Some(country) = m.country {
            return markets.lookup_country(country, date);
        }
        let epoch = markets.epoch(date);
        let i = m.customer as usize;
        if self.market_cache.len() <= i {
            self.market_cache.resize(i + 1, None);
        }
        match self.market_cache[i] {
            Some((e, found)) if e == epoch => found,
            _ => {
                let found = markets.lookup(self.strings.customers.get(m.customer), date);
                self.market_cache[i] = Some((epoch, found));
                found
            }
        }
    }

    /// Drops pairs whose windows can no longer matter.
    fn sweep(&mut self, now: Millis) {
        if now < self.last_sweep.saturating_add(SWEEP_EVERY) {
            return;
        }
        self.last_sweep = now;
        let rules = self.ctx.windows;
        self.pairs.retain(|_, w| !w.expired(now, &rules));
    }

    pub fn price(&mut self, m: &Message) -> Result<Priced<'t>, Unpriced> {
        self.sweep(m.at);
        let business = self.business(m.business);
        let date = business.calendar.date(m.at);
        let found = self.market(m, date);
        let mut priced = Priced {
            model: None,
            market: found.market,
            country: found.country,
            local_date: date,
            pricing_type: PricingType::Inbound,
            pricing_category: None,
            rate: None,
            // Four places, like the cards, so free rows print as 0.0000.
            cost: Decimal::new(0, 4),
            rate_source: None,
            counted_as: None,
            windows: None,
        };
        let pair = self.pairs.entry((m.business, m.customer)).or_default();
        if m.direction == Direction::In {
            // A message that was not delivered opens no window.
            if m.status.is_delivered() {
                pair.inbound(m.at, m.entry_point);
            }
            return Ok(priced);
        }
        if !m.status.is_delivered() {
            priced.pricing_type = PricingType::NotDelivered;
            return Ok(priced);
        }
        let model = self
            .ctx
            .model
            .resolve(date)
            .ok_or(Unpriced::NoModel { date })?;
        priced.model = Some(model);
        let windows = pair.outbound(m.at, &self.ctx.windows, model != Model::Template2018);
        priced.windows = Some(windows);
        let category = m
            .category
            .expect("validated: outbound messages have a category");
        let decision = rules::decide(model, category, &windows);
        priced.pricing_type = decision.pricing_type;
        match decision.pricing_type {
            PricingType::Regular => {
                self.charge(m, &mut priced, decision.rate_category, decision.tiered)
            }
            PricingType::FreeTier => self.service_allowance(m, &mut priced, decision.rate_category),
            _ => Ok(priced),
        }
    }

    /// From 2026-10-01 the first `service_allowance` service messages per
    /// business number per month are free; later ones pay the utility rate.
    fn service_allowance(
        &mut self,
        m: &Message,
        priced: &mut Priced<'t>,
        over_allowance: RateCategory,
    ) -> Result<Priced<'t>, Unpriced> {
        let count = self
            .service_counts
            .entry((m.business, month_of(priced.local_date)))
            .or_default();
        *count += 1;
        priced.counted_as = Some(*count);
        if *count <= self.ctx.service_allowance {
            return Ok(*priced);
        }
        priced.pricing_type = PricingType::Regular;
        let counted = priced.counted_as;
        self.charge(m, priced, over_allowance, false)?;
        priced.counted_as = counted;
        Ok(*priced)
    }

    fn charge(
        &mut self,
        m: &Message,
        priced: &mut Priced<'t>,
        rate_category: RateCategory,
        tiered: bool,
    ) -> Result<Priced<'t>, Unpriced> {
        let ctx = self.ctx;
        let date = priced.local_date;
        let rate_category = self.international(m, priced, rate_category);
        if let RateCategory::Of(c) = rate_category {
            priced.pricing_category = Some(c);
        }
        let market_name = || ctx.markets.name(priced.market).to_string();
        if tiered && let RateCategory::Of(category) = rate_category {
            // Authentication-international shares the authentication count.
            let class = match category {
                Category::AuthenticationInternational => Category::Authentication,
                c => c,
            };
            let portfolio = self.business(m.business).portfolio;
            let n = self
                .tier_counts
                .entry((portfolio, priced.market, class, month_of(date)))
                .or_default();
            *n += 1;
            priced.counted_as = Some(*n);
            let band = ctx
                .tiers
                .band(ctx.currency, priced.market, rate_category, date, *n)
                .map_err(|reason| Unpriced::NoTierBand {
                    market: market_name(),
                    category,
                    reason,
                })?;
            if let Some(band) = band {
                priced.rate = Some(band.rate);
                priced.cost = band.rate;
                priced.rate_source = Some("tiers");
                return Ok(*priced);
            }
        }
        let found = ctx
            .rates
            .lookup(
                ctx.currency,
                priced.market,
                priced.country,
                rate_category,
                date,
            )
            .map_err(|missing| Unpriced::NoRate {
                market: market_name(),
                category: rate_category,
                date,
                currency: ctx.currency,
                missing,
            })?;
        priced.rate = Some(found.rate);
        priced.cost = found.rate;
        priced.rate_source = Some(found.card);
        Ok(*priced)
    }

    /// Authentication templates from a business based in another country go
    /// at the market's authentication-international rate, where it has one.
    fn international(
        &mut self,
        m: &Message,
        priced: &Priced<'t>,
        rc: RateCategory,
    ) -> RateCategory {
        if rc != RateCategory::Of(Category::Authentication) {
            return rc;
        }
        let home = self.business(m.business).home_country;
        let intl = RateCategory::Of(Category::AuthenticationInternational);
        match (home, priced.country) {
            (Some(home), Some(to))
                if home != to
                    && self.ctx.rates.has_cell(
                        self.ctx.currency,
                        priced.market,
                        intl,
                        priced.local_date,
                    ) =>
            {
                intl
            }
            _ => rc,
        }
    }
}
