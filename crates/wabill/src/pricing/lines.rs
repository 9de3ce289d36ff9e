//! Meta's 2026 lines: calls, groups, AI Providers, the Meta Business Agent
//! and the Marketing Messages API (README, "2026 lines"). The 1:1 rules
//! stay in `rules.rs`; this adds what differs.

use rust_decimal::Decimal;

use super::{Priced, Pricer, PricingType, RateSource, Unpriced};
use crate::model::{Category, Currency, Direction, Message, RateCategory};
use crate::refdata::lines::{AGENT_BILLED_FROM, agent_rate_usd};
use crate::refdata::rates::{FoundRate, MissingRate, RateKey};
use crate::validate::Strings;

pub const AI_INFERRED: &str = "general_purpose_ai at the market's marketing rate (inferred)";
pub const AGENT_ESTIMATE: &str = "estimate: tokens from --agent-tokens-per-message";
pub const META_COST: &str = "Meta's reported cost";
pub const META_COST_OTHER_CURRENCY: &str =
    "Meta's reported cost is in another currency: priced from the card";

impl<'t> Pricer<'t> {
    /// A call opens or refreshes the customer's service window: any call
    /// from the customer, answered or not, and a business call the
    /// customer accepted (Meta's Calling pricing page, 2026-05-21).
    pub(super) fn call(&mut self, m: &Message, mut priced: Priced<'t>) -> Priced<'t> {
        priced.pricing_type = PricingType::Call;
        if m.direction == Direction::In || m.status.is_delivered() {
            self.pair(m).inbound(m.at, false);
        }
        priced
    }

    /// One participant's copy of a group message, or a participant's
    /// message to the group. The window is the group's (any participant
    /// opens it); in it utility and free-form messages are free, marketing
    /// never is. No free entry points, and group utility neither gets nor
    /// counts toward volume tiers.
    pub(super) fn price_group(
        &mut self,
        m: &Message,
        mut priced: Priced<'t>,
        strings: &Strings,
    ) -> Result<Priced<'t>, Unpriced> {
        let group = m.extras.group().expect("called for group rows");
        let rules = self.ctx.windows;
        let window = self.group_windows.entry((m.business, group)).or_default();
        if m.direction == Direction::In {
            if m.status.is_delivered() {
                window.inbound(m.at, false);
            }
            return Ok(priced);
        }
        if !m.status.is_delivered() {
            priced.pricing_type = PricingType::NotDelivered;
            return Ok(priced);
        }
        let windows = window.outbound(m.at, &rules, super::window::EntryPoints::Ignored);
        let date = priced.local_date;
        let model = self
            .ctx
            .model
            .resolve(date)
            .ok_or(Unpriced::NoModel { date })?;
        priced.model = Some(model);
        priced.windows = Some(windows);
        let category = m.category.ok_or(Unpriced::NoCategory)?;
        if let Some(result) = self.price_line_2026(m, category, &mut priced) {
            return result;
        }
        // From 2026-10-01 group service messages share the business
        // number's 1,000 free service messages with one-to-one ones, and
        // pay the utility rate past them (issue 27, PRICING.md §1e).
        if category == Category::Service
            && let Some((kind @ super::Allowance::ServiceMessages, _)) = model.facts().allowance
        {
            priced.pricing_type = PricingType::FreeTier;
            priced.rule = Some(super::Rule::Allowance);
            let free = self.ctx.service_allowance;
            return self.allowance(
                kind,
                free,
                m,
                &mut priced,
                RateCategory::Of(Category::Utility),
            );
        }
        match category {
            Category::Utility | Category::Service if windows.service_window.is_some() => {
                priced.pricing_type = PricingType::FreeGroupCustomerService;
                Ok(priced)
            }
            // Meta only lets free-form messages through inside a window
            // (`validate` flags those that were not); they are not charged.
            Category::Service => {
                priced.pricing_type = PricingType::FreeCustomerService;
                Ok(priced)
            }
            _ => {
                priced.pricing_type = PricingType::Regular;
                if m.extras.lite {
                    return self.price_lite(m, &mut priced, strings);
                }
                self.charge(m, &mut priced, RateCategory::Of(category), false)
            }
        }
    }

    /// AI Provider and Business Agent messages; `None` for every other.
    pub(super) fn price_line_2026(
        &mut self,
        m: &Message,
        category: Category,
        priced: &mut Priced<'t>,
    ) -> Option<Result<Priced<'t>, Unpriced>> {
        match category {
            Category::BusinessAgent => Some(self.price_agent(m, priced)),
            Category::GeneralPurposeAi => Some(self.price_ai(m, priced)),
            Category::Service
                if self.known_business(m.business).ai_provider
                    && self
                        .ctx
                        .lines
                        .ai_markets
                        .covers(priced.country, priced.local_date) =>
            {
                Some(self.price_ai(m, priced))
            }
            _ => None,
        }
    }

    fn keys(priced: &Priced<'t>) -> Vec<RateKey> {
        priced
            .country
            .map(RateKey::Country)
            .into_iter()
            .chain([RateKey::Market(priced.market)])
            .collect()
    }

    fn found(priced: &mut Priced<'t>, found: FoundRate<'t>) {
        priced.rate = Some(found.rate);
        priced.cost = found.rate;
        priced.rate_source = Some(found.into());
    }

    /// No `column` rate for the message's market on `date`.
    fn no_rate(
        &self,
        priced: &Priced<'t>,
        column: RateCategory,
        date: jiff::civil::Date,
        missing: MissingRate,
    ) -> Unpriced {
        let market = self.ctx.markets.name(priced.market).to_string();
        Unpriced::no_rate(market, column, date, self.ctx.currency, missing)
    }

    /// Each delivered non-template message of an AI Provider, never free:
    /// a card's `general_purpose_ai` rate, else the market's marketing rate
    /// (every published figure matches it; Meta's own CSV was not found).
    fn price_ai(&mut self, m: &Message, priced: &mut Priced<'t>) -> Result<Priced<'t>, Unpriced> {
        let ctx = self.ctx;
        let (date, column) = (
            priced.local_date,
            RateCategory::Of(Category::GeneralPurposeAi),
        );
        priced.pricing_type = PricingType::Regular;
        match ctx
            .rates
            .lookup_exact(ctx.currency, &Self::keys(priced), column, date)
        {
            Ok(found) => Self::found(priced, found),
            Err(MissingRate::NeverGiven) => {
                self.charge(m, priced, RateCategory::Of(Category::Marketing), false)?;
                priced.note = Some(AI_INFERRED);
            }
            Err(missing) => return Err(self.no_rate(priced, column, date, missing)),
        }
        priced.pricing_category = Some(Category::GeneralPurposeAi);
        Ok(*priced)
    }

    /// Tokens × the per-token rate: a card's `business_agent` cell (by
    /// country, market, or market `Global`), else Meta's global USD rate
    /// from 2026-08-01. Never free in a window, never tiered, not in the
    /// service allowance.
    fn price_agent(
        &mut self,
        m: &Message,
        priced: &mut Priced<'t>,
    ) -> Result<Priced<'t>, Unpriced> {
        let ctx = self.ctx;
        let (date, column) = (priced.local_date, RateCategory::Of(Category::BusinessAgent));
        priced.pricing_category = Some(Category::BusinessAgent);
        let mut keys = Self::keys(priced);
        keys.extend(ctx.markets.id("Global").map(RateKey::Market));
        let (rate, source) = match ctx.rates.lookup_exact(ctx.currency, &keys, column, date) {
            Ok(found) => (found.rate, RateSource::from(found)),
            Err(MissingRate::NeverGiven) if date < AGENT_BILLED_FROM => {
                priced.pricing_type = PricingType::FreeBeforeBilling;
                return Ok(*priced);
            }
            Err(MissingRate::NeverGiven) if ctx.currency == Currency::USD => {
                (agent_rate_usd(), RateSource::AgentRate)
            }
            Err(missing) => return Err(self.no_rate(priced, column, date, missing)),
        };
        let (tokens, estimated) = match (m.extras.tokens(), ctx.lines.agent_tokens_per_message) {
            (Some(t), _) => (t, false),
            (None, Some(t)) => (t, true),
            (None, None) => return Err(Unpriced::NoTokens),
        };
        priced.pricing_type = PricingType::Regular;
        priced.tokens = Some(tokens);
        priced.estimated = estimated;
        priced.rate = Some(rate);
        priced.cost = rate * Decimal::from(tokens);
        priced.rate_source = Some(source);
        if estimated {
            priced.note = Some(AGENT_ESTIMATE);
        }
        Ok(*priced)
    }

    /// A charged Marketing Messages API message: Meta's reported cost when
    /// the row has it (in the run's currency), else the marketing rate;
    /// with `--max-price`, the most it can cost.
    pub(super) fn price_lite(
        &mut self,
        m: &Message,
        priced: &mut Priced<'t>,
        strings: &Strings,
    ) -> Result<Priced<'t>, Unpriced> {
        let ctx = self.ctx;
        let reported = m
            .extras
            .reported_cost()
            .filter(|c| c.currency == *ctx.currency.as_str().as_bytes());
        match reported {
            Some(c) => {
                priced.pricing_category = Some(Category::Marketing);
                priced.rate = Some(c.amount);
                priced.cost = c.amount;
                priced.rate_source = Some(RateSource::MetaReported);
            }
            None => {
                self.charge(m, priced, RateCategory::Of(Category::Marketing), false)?;
                if m.extras.reported_cost().is_some() {
                    priced.note = Some(META_COST_OTHER_CURRENCY);
                }
            }
        }
        if !ctx.lines.max_prices.is_empty() {
            let max = m
                .extras
                .template()
                .and_then(|t| ctx.lines.max_prices.get(strings.templates.get(t)));
            // Max prices exist from the limited beta of 2026-05-15 on
            // (Meta's enroll-max-price page); earlier messages are at list.
            let max = max.filter(|_| priced.local_date >= MAX_PRICE_FROM);
            priced.upper_bound = Some(match (reported, max) {
                (Some(_), _) | (None, None) => priced.cost,
                (None, Some(max)) => max.per_message,
            });
        }
        Ok(*priced)
    }
}

/// The first day a business could set a max price (Marketing Messages API
/// limited beta).
pub const MAX_PRICE_FROM: jiff::civil::Date = jiff::civil::date(2026, 5, 15);
