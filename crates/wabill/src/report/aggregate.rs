//! Folding priced messages into report lines and the accounting.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::agent_estimate_note;
use super::allin::{AllIn, AllInPricing, Delivery};
use super::merge::PartialTracker;
use super::period::Period;
use super::tiers::TierCounts;
use super::{Accounting, GroupBy, Line, Meta, ProviderChargeLine, Report, Row, Spend};
use crate::model::Category;
use crate::model::{Direction, Message};
use crate::pricing::{Priced, PricingContext, PricingType, RateSource, TierUse, Unpriced};
use crate::refdata::businesses::Businesses;
use crate::refdata::markets::{MarketId, MarketTable};
use crate::validate::{LogStats, Strings};

/// Costs are exact sums of card rates at their natural scale, never
/// rounded; how many places they show is the renderers' (`display`).
fn zero() -> Decimal {
    Decimal::ZERO
}

/// The `--by pricing_type` key part of unpriced messages: no pricing
/// type's (those are small enum values).
const UNPRICED_PART: u64 = u64::MAX;

/// What grouping needs of an unpriced message, as a pricer's answer would
/// give it: the market (and country) it is priced in and its local date;
/// nothing charged, no rate, no conversation.
fn stand_in<'t>(
    ctx: &'t PricingContext,
    m: &Message,
    result: &Result<Priced<'_>, Unpriced>,
    strings: &Strings,
) -> Priced<'t> {
    let found = ctx.market_of(m, strings);
    let local_date =
        super::period::message_date(m, result, strings, &ctx.businesses, &ctx.default_zone);
    Priced {
        model: None,
        market: found.market,
        country: found.country,
        local_date,
        pricing_type: PricingType::Regular,
        pricing_category: m.category,
        rate: None,
        cost: zero(),
        rate_source: None,
        rule: None,
        counted_as: None,
        allowance: None,
        tier: None,
        windows: None,
        conversation: result.as_ref().err().and_then(Unpriced::conversation),
        note: None,
        tokens: None,
        estimated: false,
        upper_bound: None,
    }
}

/// A group's labels in `--by` order, each with whether the message had a
/// value (a business) or only the placeholder's text (`default`).
type SortKey = Vec<(String, bool)>;

pub struct Aggregator<'a> {
    group_by: Vec<GroupBy>,
    markets: &'a MarketTable,
    groups: FxHashMap<Vec<u64>, (SortKey, Line)>,
    key: Vec<u64>,
    accounting: Accounting,
    models: BTreeSet<String>,
    rate_sources: BTreeSet<String>,
    tiers: TierNotes,
    notes: BTreeSet<&'static str>,
    /// Business Agent rows estimated, and the tokens each.
    estimated: Option<(u64, u64)>,
    /// Sum of (upper bound − cost) over rows with an upper bound.
    headroom: Option<Decimal>,
    partial: Option<PartialTracker<'a>>,
    /// The provider's own prices, by currency.
    provider_charges: Vec<ProviderChargeLine>,
    /// Cost by local day and by market, for charts; only when asked for,
    /// so the table formats pay nothing for it.
    spend: Option<(
        BTreeMap<jiff::civil::Date, Decimal>,
        BTreeMap<String, Decimal>,
    )>,
    period: Option<PeriodFilter<'a>>,
    all_in: Option<AllInState<'a>>,
    /// Finds the market and local date of an unpriced message, so it is
    /// counted in its group (`locating`); without it, only the accounting
    /// counts it.
    locator: Option<&'a PricingContext>,
}

/// The all-in rules and what they gathered outside the groups.
struct AllInState<'a> {
    rules: &'a dyn AllInPricing,
    businesses: &'a Businesses,
    card: crate::model::Currency,
    inbound: u64,
    inbound_fees: Decimal,
    /// The first message whose date has no exchange rate.
    error: Option<String>,
}

impl AllInState<'_> {
    fn amounts(
        &mut self,
        m: &Message,
        meta: Decimal,
        delivery: Delivery,
        date: Date,
        strings: &Strings,
    ) -> Option<AllIn> {
        let home = self
            .businesses
            .get(strings.businesses.get(m.business))
            .and_then(|b| b.home_country);
        match self.rules.message(meta, delivery, date, home) {
            Ok(a) => Some(a),
            Err(e) => {
                self.error.get_or_insert(e);
                None
            }
        }
    }
}

/// The reporting period and what dates a message that could not be
/// priced (it has no `Priced::local_date`): its business's zone.
struct PeriodFilter<'a> {
    period: Period,
    businesses: &'a Businesses,
    default_zone: jiff::tz::TimeZone,
}

impl PeriodFilter<'_> {
    fn contains(
        &self,
        m: &Message,
        result: &Result<Priced<'_>, Unpriced>,
        strings: &Strings,
    ) -> bool {
        let date =
            super::period::message_date(m, result, strings, self.businesses, &self.default_zone);
        self.period.contains(date)
    }
}
impl<'a> Aggregator<'a> {
    pub fn new(group_by: Vec<GroupBy>, markets: &'a MarketTable) -> Self {
        Aggregator {
            group_by,
            markets,
            groups: FxHashMap::default(),
            key: Vec::new(),
            accounting: Accounting::default(),
            models: BTreeSet::new(),
            rate_sources: BTreeSet::new(),
            tiers: TierNotes::default(),
            notes: BTreeSet::new(),
            estimated: None,
            headroom: None,
            partial: None,
            provider_charges: Vec::new(),
            spend: None,
            period: None,
            all_in: None,
            locator: None,
        }
    }

    /// Counts each unpriced message in the group of the market (and local
    /// date) `ctx` finds for it, in an `unpriced` column: a total is never
    /// read as complete when it is not.
    pub fn locating(mut self, ctx: &'a PricingContext) -> Self {
        self.locator = Some(ctx);
        self
    }

    /// Also prices each message all-in (`allin`): the groups gain Meta's
    /// cost, fee, tax and total in the report currency. Such a report
    /// cannot be merged (`partial` is dropped).
    pub fn with_all_in(
        mut self,
        rules: &'a dyn AllInPricing,
        businesses: &'a Businesses,
        card: crate::model::Currency,
    ) -> Self {
        self.partial = None;
        self.all_in = Some(AllInState {
            rules,
            businesses,
            card,
            inbound: 0,
            inbound_fees: zero(),
            error: None,
        });
        self
    }

    /// Why the all-in amounts could not be computed (a date `--fx` has no
    /// rate for), if so.
    pub fn all_in_error(&self) -> Option<&str> {
        self.all_in.as_ref().and_then(|a| a.error.as_deref())
    }

    /// Reports only the messages of `period` (local dates in each
    /// business's zone, `default_zone` for businesses not listed); the
    /// others are counted as read for context. A period report cannot be
    /// merged (`partial` is dropped).
    pub fn with_period(
        mut self,
        period: Period,
        businesses: &'a Businesses,
        default_zone: jiff::tz::TimeZone,
    ) -> Self {
        self.partial = None;
        self.period = Some(PeriodFilter {
            period,
            businesses,
            default_zone,
        });
        self
    }

    /// Also collects what merging this report with others needs (the
    /// report's `partial` section); `tiers`: a tier table is in use.
    pub fn tracking_partial(mut self, businesses: &'a Businesses, tiers: bool) -> Self {
        self.partial = Some(PartialTracker::new(businesses, tiers));
        self
    }

    /// Also sums the cost by day and by market (`Report::spend`).
    pub fn with_spend(mut self) -> Self {
        self.spend = Some(Default::default());
        self
    }

    /// Forgets every message counted so far (a pass starting over).
    pub fn restart(&mut self) {
        let partial = self.partial.take().map(PartialTracker::reset);
        let spend = self.spend.is_some();
        let period = self.period.take();
        let locator = self.locator;
        let all_in = self.all_in.take().map(|a| AllInState {
            inbound: 0,
            inbound_fees: zero(),
            error: None,
            ..a
        });
        *self = Aggregator::new(std::mem::take(&mut self.group_by), self.markets);
        self.partial = partial;
        self.period = period;
        self.all_in = all_in;
        self.locator = locator;
        if spend {
            self.spend = Some(Default::default());
        }
    }

    /// Counts one priced message; `strings` names its business for labels.
    pub fn add(&mut self, m: &Message, result: &Result<Priced<'_>, Unpriced>, strings: &Strings) {
        if let Some(t) = &mut self.partial {
            t.see(m, result, strings);
        }
        if let Some(f) = &self.period
            && !f.contains(m, result, strings)
        {
            self.accounting.outside_period += 1;
            return;
        }
        if m.extras.call {
            self.accounting.calls += 1;
            return;
        }
        if let Some(c) = m.extras.provider_charge() {
            let inbound = u64::from(m.direction == Direction::In);
            let line = ProviderChargeLine {
                currency: String::from_utf8_lossy(&c.currency).into_owned(),
                messages: 1,
                inbound,
                outbound: 1 - inbound,
                amount: c.amount,
            };
            ProviderChargeLine::add_to(&mut self.provider_charges, &line);
        }
        if m.direction == Direction::In {
            self.add_inbound(m, result, strings);
            return;
        }
        self.accounting.outbound += 1;
        let p = match result {
            Ok(p) => p,
            Err(e) => {
                self.add_unpriced(m, result, e, strings);
                return;
            }
        };
        let mut line = self.priced_line(p);
        if let Some(a) = &mut self.all_in {
            let delivery = if p.pricing_type == PricingType::NotDelivered {
                Delivery::Failed
            } else {
                Delivery::Delivered
            };
            line.all_in = a.amounts(m, line.cost, delivery, p.local_date, strings);
        }
        if p.model.is_some_and(|m| m.is_conversation()) || p.conversation.is_some() {
            line.conversations = Some(self.count_conversation(p));
        }
        self.note_sources(p);
        if let Some((by_day, by_market)) = &mut self.spend {
            *by_day.entry(p.local_date).or_insert_with(zero) += line.cost;
            let market = self.markets.name(p.market);
            match by_market.get_mut(market) {
                Some(cost) => *cost += line.cost,
                None => {
                    by_market.insert(market.to_string(), line.cost);
                }
            }
        }
        self.group(m, p, line, strings, false);
    }

    /// The customer's message: counted, and its fee with `--fees`.
    fn add_inbound(
        &mut self,
        m: &Message,
        result: &Result<Priced<'_>, Unpriced>,
        strings: &Strings,
    ) {
        self.accounting.inbound += 1;
        if let (Some(a), Ok(p)) = (&mut self.all_in, result)
            && let Some(amounts) = a.amounts(m, zero(), Delivery::Inbound, p.local_date, strings)
        {
            a.inbound += 1;
            a.inbound_fees += amounts.total;
        }
    }

    /// A message no rate prices: counted, and in its market's group when
    /// `locating`.
    fn add_unpriced(
        &mut self,
        m: &Message,
        result: &Result<Priced<'_>, Unpriced>,
        e: &Unpriced,
        strings: &Strings,
    ) {
        let acc = &mut self.accounting;
        acc.unpriced += 1;
        if let Some(r) = e.conversation().filter(|r| r.opened) {
            let c = acc.conversations.get_or_insert_with(Default::default);
            c.opened += 1;
            c.unpriced += 1;
            *c.by_type
                .entry(r.conversation.kind.to_string())
                .or_default() += 1;
        }
        if let Some(ctx) = self.locator {
            let p = stand_in(ctx, m, result, strings);
            let line = Line {
                messages: 1,
                unpriced: 1,
                cost: zero(),
                conversations: e.conversation().map(|r| u64::from(r.opened)),
                ..Line::default()
            };
            self.group(m, &p, line, strings, true);
        }
    }

    /// The group line of a priced outbound message, counted in the
    /// accounting (charged, not delivered, or free by reason).
    fn priced_line(&mut self, p: &Priced<'_>) -> Line {
        let acc = &mut self.accounting;
        let mut line = Line {
            messages: 1,
            cost: zero(),
            ..Line::default()
        };
        match p.pricing_type {
            PricingType::Regular => {
                acc.charged += 1;
                acc.stale_rates += u64::from(p.stale_since().is_some());
                line.charged = 1;
                line.cost += p.cost;
                if let Some(tier) = p.tier {
                    self.tiers.add(p, tier);
                }
            }
            PricingType::NotDelivered => {
                acc.not_delivered += 1;
                line.not_delivered = 1;
            }
            t => {
                acc.free += 1;
                match acc.free_by_reason.get_mut(t.as_str()) {
                    Some(n) => *n += 1,
                    None => {
                        acc.free_by_reason.insert(t.to_string(), 1);
                    }
                }
                line.free = 1;
            }
        }
        line
    }

    /// Counts the conversation `p` opened, if it did; its group line's
    /// `conversations` (1 or 0).
    fn count_conversation(&mut self, p: &Priced<'_>) -> u64 {
        let opened = p.conversation.filter(|c| c.opened);
        let c = self
            .accounting
            .conversations
            .get_or_insert_with(Default::default);
        if let Some(r) = opened {
            c.opened += 1;
            if p.pricing_type == PricingType::Regular {
                c.charged += 1;
            } else {
                c.free += 1;
            }
            *c.by_type
                .entry(r.conversation.kind.to_string())
                .or_default() += 1;
        }
        u64::from(opened.is_some())
    }

    /// The model, 2026 lines and rate card that priced `p`, for the notes.
    fn note_sources(&mut self, p: &Priced<'_>) {
        if let Some(model) = p.model
            && !self.models.contains(model.name())
        {
            self.models.insert(model.name().to_string());
        }
        self.lines_2026(p);
        if let Some(source) = p.rate_source.map(RateSource::label)
            && !self.rate_sources.contains(source)
        {
            self.rate_sources.insert(source.to_string());
        }
    }

    /// Adds `line` into the group of `m`; an `unpriced` message's pricing
    /// type is `unpriced`, a group of its own.
    fn group(
        &mut self,
        m: &Message,
        p: &Priced<'_>,
        line: Line,
        strings: &Strings,
        unpriced: bool,
    ) {
        self.key.clear();
        self.key.extend(self.group_by.iter().map(|g| match g {
            GroupBy::PricingType if unpriced => UNPRICED_PART,
            g => g.part(m, p, strings),
        }));
        match self.groups.get_mut(&self.key) {
            Some((_, total)) => total.add(&line),
            None => {
                let labels = self
                    .group_by
                    .iter()
                    .map(|g| match g {
                        GroupBy::PricingType if unpriced => ("unpriced".to_string(), true),
                        g => {
                            let label = g.label(m, p, self.markets, strings);
                            (label, !g.absent(m, p, strings))
                        }
                    })
                    .collect();
                self.groups.insert(self.key.clone(), (labels, line));
            }
        }
    }

    /// What a 2026 line adds to the report's notes and upper bound.
    fn lines_2026(&mut self, p: &Priced<'_>) {
        // Which free entry point window length applied (issue 27).
        if let Some(note) = p.note.filter(|n| {
            [
                crate::pricing::ENTRY_POINT_7_DAYS,
                crate::pricing::ENTRY_POINT_GIVEN,
                crate::pricing::PAID_EXEMPT,
                crate::pricing::PAID_EXEMPT_FLAGGED,
            ]
            .contains(n)
        }) {
            self.notes.insert(note);
        }
        if p.pricing_type != PricingType::Regular {
            return;
        }
        if let Some(note) = p.note {
            self.notes.insert(note);
        }
        if p.estimated {
            let (n, _) = self.estimated.get_or_insert((0, p.tokens.unwrap_or(0)));
            *n += 1;
        }
        if let Some(upper) = p.upper_bound {
            *self.headroom.get_or_insert_with(zero) += upper - p.cost;
        }
    }

    pub fn finish(self, stats: &LogStats, meta: MetaInput) -> Report {
        let mut accounting = self.accounting;
        accounting.rows_read = stats.rows_read;
        accounting.rejected = stats.rejected;
        accounting.merged = stats.merged;
        accounting.unwrapped = stats.unwrapped.clone();
        accounting.not_whatsapp = stats.not_whatsapp;
        // A business whose rows show its phone number is named by it.
        let (names, number_notes) = business_names(&stats.business_numbers);
        let business_at: Vec<usize> = (0..self.group_by.len())
            .filter(|i| self.group_by[*i] == GroupBy::Business)
            .collect();
        let number_notes = if business_at.is_empty() {
            Vec::new()
        } else {
            number_notes
        };
        // Rows sort by their text, so the order never depends on input order;
        // among equal labels a missing value (no business) comes before a
        // value spelt like its placeholder (a business named `default`).
        // Groups are told apart by typed key, never by label: none is lost,
        // and only a real business is renamed by its number.
        let mut sorted: Vec<(SortKey, Line)> = self
            .groups
            .into_values()
            .map(|(mut keys, line)| {
                for &i in &business_at {
                    let (label, present) = &mut keys[i];
                    if *present && let Some(name) = names.get(label.as_str()) {
                        *label = name.clone();
                    }
                }
                (keys, line)
            })
            .collect();
        sorted.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        // Every line shows conversations, or none does.
        let counts_conversations = accounting.conversations.is_some();
        let mut totals = Line {
            cost: zero(),
            conversations: counts_conversations.then_some(0),
            all_in: self.all_in.as_ref().map(|_| AllIn::default()),
            ..Line::default()
        };
        let rows: Vec<Row> = sorted
            .into_iter()
            .map(|(keys, mut line)| {
                let keys = keys.into_iter().map(|(label, _)| label).collect();
                if counts_conversations {
                    line.conversations.get_or_insert(0);
                }
                totals.add(&line);
                Row { keys, line }
            })
            .collect();
        let tier_counts = self.tiers.counts(self.markets);
        let tier_notes = tier_counts.notes(&meta.currency);
        let spend = self.spend.map(|(by_day, by_market)| Spend {
            by_day: every_day(by_day),
            by_market: by_market.into_iter().collect(),
        });
        // Each chart accounts for the whole total, like the table.
        debug_assert!(spend.as_ref().is_none_or(|s| {
            s.by_day.iter().map(|(_, c)| c).sum::<Decimal>() == totals.cost
                && s.by_market.iter().map(|(_, c)| c).sum::<Decimal>() == totals.cost
        }));
        Report {
            meta: Meta {
                format_version: super::FORMAT_VERSION,
                model: meta.model,
                models_used: self.models.into_iter().collect(),
                currency: meta.currency,
                time_zone: meta.time_zone,
                group_by: self.group_by.iter().map(|g| g.name().to_string()).collect(),
                rate_sources: self.rate_sources.into_iter().collect(),
                inputs: meta.inputs,
                input_formats: meta.input_formats,
                notes: self
                    .notes
                    .iter()
                    .filter(|n| **n != crate::pricing::AGENT_ESTIMATE)
                    .map(|n| n.to_string())
                    .chain(
                        self.estimated
                            .map(|(n, tokens)| agent_estimate_note(n, tokens)),
                    )
                    .chain(tier_notes)
                    .chain(number_notes)
                    .collect(),
                upper_bound: self.headroom.map(|h| totals.cost + h),
                config: None,
                period: self.period.map(|f| f.period.describe()),
                all_in: self.all_in.map(|a| super::AllInMeta {
                    currency: a.rules.currency(a.card).to_string(),
                    rules: a.rules.description().to_string(),
                    inbound_messages: a.inbound,
                    inbound_fees: a.inbound_fees,
                    monthly_platform: a.rules.monthly_platform(),
                }),
                budget: None,
                group_budgets: Vec::new(),
            },
            rows,
            totals,
            accounting,
            provider_charges: self.provider_charges,
            partial: self.partial.map(|t| t.finish(self.estimated, tier_counts)),
            spend,
        }
    }
}

/// Each business's report label when its rows show a phone number: the
/// number, then the key it is priced under (`+15550001111 (1065…)`), and a
/// note for a business whose rows show several numbers (the first in
/// order names it, whatever the order of the rows).
fn business_names(
    numbers: &BTreeMap<String, BTreeSet<String>>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let mut names = BTreeMap::new();
    let mut notes = Vec::new();
    for (business, shown) in numbers {
        let Some(first) = shown.first().filter(|_| !business.is_empty()) else {
            continue;
        };
        names.insert(business.clone(), format!("{first} ({business})"));
        if shown.len() > 1 {
            let all: Vec<&str> = shown.iter().map(String::as_str).collect();
            notes.push(format!(
                "business {business} shows {} phone numbers ({}): named by {first}",
                shown.len(),
                all.join(", ")
            ));
        }
    }
    (names, notes)
}

/// Every day from the first to the last, quiet days at zero, so a chart's
/// axis is even in time.
fn every_day(by_day: BTreeMap<jiff::civil::Date, Decimal>) -> Vec<(String, Decimal)> {
    let (Some((&first, _)), Some((&last, _))) = (by_day.first_key_value(), by_day.last_key_value())
    else {
        return Vec::new();
    };
    let mut days = Vec::new();
    let mut day = first;
    while day <= last {
        days.push((
            day.to_string(),
            by_day.get(&day).copied().unwrap_or_else(zero),
        ));
        match day.tomorrow() {
            Ok(next) => day = next,
            Err(_) => break,
        }
    }
    days
}

/// The parts of `Meta` that come from the run's settings.
pub struct MetaInput {
    pub model: String,
    pub currency: String,
    pub time_zone: String,
    pub inputs: Vec<String>,
    pub input_formats: Vec<String>,
}

/// How volume tiers priced the charged utility and authentication
/// messages, for the report's notes.
/// (market, category, list rate, first band, list since, table date).
type Suspension = (
    MarketId,
    Category,
    Decimal,
    Decimal,
    Option<Date>,
    Option<Date>,
);

#[derive(Default)]
struct TierNotes {
    /// (market, category, band) → (rate, messages) below the list rate.
    below: BTreeMap<(MarketId, Category, u8), (Decimal, u64)>,
    /// Messages at the list rate because the table is out of date.
    suspended: BTreeMap<Suspension, u64>,
    /// Messages dated before the first tier table.
    before: Option<(Date, u64)>,
    /// (market, category) → messages no table covers.
    uncovered: BTreeMap<(MarketId, Category), u64>,
    off: u64,
}

impl TierNotes {
    fn add(&mut self, p: &Priced<'_>, tier: TierUse) {
        let Some(category) = p.pricing_category else {
            return;
        };
        match tier {
            TierUse::Band {
                index,
                below_list: true,
            } => {
                let e = self
                    .below
                    .entry((p.market, category, index))
                    .or_insert((p.cost, 0));
                e.1 += 1;
            }
            TierUse::Band { .. } => {}
            TierUse::Suspended {
                table_from,
                first_band,
                list_since,
            } => {
                let list = p.rate.unwrap_or_default();
                *self
                    .suspended
                    .entry((p.market, category, list, first_band, list_since, table_from))
                    .or_default() += 1;
            }
            TierUse::NoTable { before: Some(d) } => {
                let e = self.before.get_or_insert((d, 0));
                e.1 += 1;
            }
            TierUse::NoTable { before: None } => {
                *self.uncovered.entry((p.market, category)).or_default() += 1;
            }
            TierUse::Off => self.off += 1,
        }
    }

    /// The counts by market name, which is what the notes and a merge of
    /// partial reports need.
    fn counts(&self, markets: &MarketTable) -> TierCounts {
        let name = |m: &MarketId| markets.name(*m).to_string();
        let mut counts = TierCounts {
            below: self
                .below
                .iter()
                .map(|((m, c, band), (rate, n))| (name(m), c.to_string(), *band, *rate, *n))
                .collect(),
            suspended: self
                .suspended
                .iter()
                .map(|((m, c, list, first, since, table), n)| {
                    (name(m), c.to_string(), *list, *first, *since, *table, *n)
                })
                .collect(),
            before: self.before,
            uncovered: self
                .uncovered
                .iter()
                .map(|((m, c), n)| (name(m), c.to_string(), *n))
                .collect(),
            off: self.off,
        };
        counts.sort();
        counts
    }
}
