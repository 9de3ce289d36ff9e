//! Pricing: time-ordered messages in, one `Priced` (or `Unpriced`) out per
//! message. The engine keeps per-pair windows and monthly counters; the
//! rules of each model live in `rules.rs` (per message) and
//! `conversation.rs` (per conversation), the data in `refdata`.

mod calendar;
mod conversation;
mod counters;
mod lines;
mod model;
mod rules;
mod source;
mod tiering;
mod volume;
mod window;

#[cfg(test)]
mod tests;

pub use calendar::{LocalCalendar, local_date};
pub use conversation::{
    CONVERSATION_LENGTH, Conversation, ConversationRef, ConversationType, Era,
    FREE_CONVERSATIONS_PER_MONTH, SERVICE_FREE_FROM,
};
pub use counters::{Counted, Renumber};
pub use lines::{AGENT_ESTIMATE, AI_INFERRED, META_COST};
pub use model::{Allowance, MODELS, Model, ModelChoice, ModelFacts};
pub use rules::Rule;
pub use source::RateSource;
pub use tiering::TierUse;
pub use volume::{Charge, Sent, Volume, VolumePricer};
pub use window::{EntryPoints, PairWindows, WindowRules, WindowState};

use rustc_hash::FxHashMap as HashMap;
use std::fmt;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;

use crate::model::{Category, Currency, Direction, Instant, Message, RateCategory, Span};
use crate::refdata::builtin::CONVERSATION_CARDS_FROM;
use crate::refdata::businesses::Businesses;
use crate::refdata::markets::{Country, MarketId, MarketMatch, MarketTable};
use crate::refdata::rates::{FoundRate, MissingRate, RateBook};
use crate::refdata::tiers::TierTable;
use crate::validate::Strings;

/// Meta's `pricing.type` vocabulary, plus `inbound` and `not_delivered`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PricingType {
    Regular,
    FreeCustomerService,
    FreeEntryPoint,
    /// Within a monthly free allowance: service messages from 2026-10-01,
    /// conversations in the conversation models.
    FreeTier,
    /// Part of a conversation an earlier message opened (and paid for).
    InConversation,
    NotDelivered,
    Inbound,
    /// Free inside a group's customer service window (Meta's
    /// `free_group_customer_service`).
    FreeGroupCustomerService,
    /// A Business Agent message before Meta bills them (2026-08-01).
    FreeBeforeBilling,
    /// A call: it opens or refreshes the window; calls are not priced here.
    Call,
}

impl PricingType {
    pub fn as_str(self) -> &'static str {
        match self {
            PricingType::Regular => "regular",
            PricingType::FreeCustomerService => "free_customer_service",
            PricingType::FreeEntryPoint => "free_entry_point",
            PricingType::FreeTier => "free_tier",
            PricingType::InConversation => "in_conversation",
            PricingType::NotDelivered => "not_delivered",
            PricingType::Inbound => "inbound",
            PricingType::FreeGroupCustomerService => "free_group_customer_service",
            PricingType::FreeBeforeBilling => "free_before_billing",
            PricingType::Call => "call",
        }
    }

    pub fn is_free(self) -> bool {
        matches!(
            self,
            PricingType::FreeCustomerService
                | PricingType::FreeEntryPoint
                | PricingType::FreeTier
                | PricingType::InConversation
                | PricingType::FreeGroupCustomerService
                | PricingType::FreeBeforeBilling
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
    /// Data of the 2026 lines (AI Provider markets, max prices, the
    /// Business Agent estimate).
    pub lines: crate::refdata::lines::Lines,
}

impl PricingContext {
    /// The market (and country) `m` is priced in, on its business-local
    /// date: what the pricer finds, for a row it could not price (issue 27:
    /// unpriced rows name their market).
    pub fn market_of(&self, m: &Message, strings: &Strings) -> MarketMatch {
        let info = self.businesses.get(strings.businesses.get(m.business));
        let zone = info.map_or(self.default_zone.clone(), |b| b.time_zone.clone());
        let date = LocalCalendar::new(zone).date(m.at);
        match m.country {
            Some(country) => self.markets.lookup_country(country, date),
            None => self.markets.lookup(strings.customers.get(m.customer), date),
        }
    }
    /// The context `wabill` builds when no pricing flag is given: built-in
    /// markets, rate cards **and volume tiers**, no business file, USD,
    /// the default windows and service allowance, UTC. Tests, the fuzzer
    /// and the CLI start from here (the CLI through [`from_tables`]), so
    /// they price alike; change a field afterwards for a variation.
    ///
    /// [`from_tables`]: PricingContext::from_tables
    pub fn builtin(model: ModelChoice) -> PricingContext {
        let mut markets = MarketTable::builtin();
        let rates = RateBook::builtin(&mut markets);
        PricingContext::from_tables(markets, rates, None, model)
    }

    /// The built-in defaults over the given tables; `tiers: None` means the
    /// built-in volume tiers, read into `markets` now (after the rate cards,
    /// as the CLI has always done).
    pub fn from_tables(
        mut markets: MarketTable,
        rates: RateBook,
        tiers: Option<TierTable>,
        model: ModelChoice,
    ) -> PricingContext {
        let tiers = tiers.unwrap_or_else(|| TierTable::builtin(&mut markets));
        PricingContext {
            markets,
            rates,
            tiers,
            businesses: Businesses::default(),
            model,
            currency: Currency::USD,
            windows: WindowRules::default(),
            service_allowance: Allowance::ServiceMessages.default_size(),
            default_zone: TimeZone::UTC,
            default_zone_name: "UTC".to_string(),
            lines: crate::refdata::lines::Lines::builtin(),
        }
    }

    /// The business-local zone for records and businesses that name none
    /// (`--tz`): `name` is how reports write it.
    pub fn with_zone(mut self, zone: TimeZone, name: impl Into<String>) -> PricingContext {
        self.default_zone = zone;
        self.default_zone_name = name.into();
        self
    }
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
    /// Where the rate came from (card, user file, tier table, stale).
    pub rate_source: Option<RateSource<'t>>,
    /// The rule that decided (per-message models and allowances).
    pub rule: Option<Rule>,
    /// Position of this message in its monthly tier or allowance count.
    pub counted_as: Option<u64>,
    /// The size of the monthly allowance `counted_as` counts against.
    pub allowance: Option<u64>,
    /// How volume tiers applied (charged utility and authentication only).
    pub tier: Option<TierUse>,
    pub windows: Option<WindowState>,
    /// The conversation the message opened or joined (conversation models,
    /// and utility templates in a conversation still open on 2025-07-01).
    pub conversation: Option<ConversationRef>,
    /// What about this charge is inferred or estimated, for the row.
    pub note: Option<&'static str>,
    /// Business Agent tokens charged (given, or the estimate).
    pub tokens: Option<u64>,
    /// The tokens are `--agent-tokens-per-message`'s estimate.
    pub estimated: bool,
    /// With `--max-price`: the most this message can cost (Marketing
    /// Messages API templates with a max price).
    pub upper_bound: Option<Decimal>,
}

impl Priced<'_> {
    /// `--stale-rates`: the rate is the last known one, the cell having
    /// changed on this date to a value not published.
    pub fn stale_since(&self) -> Option<Date> {
        self.rate_source.and_then(RateSource::stale_since)
    }
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
        /// The conversation whose opening message this is: it still opened
        /// (later messages belong to it), only its charge is unknown.
        conversation: Option<ConversationRef>,
    },
    NoTierBand {
        market: String,
        category: Category,
        reason: crate::refdata::tiers::NoBand,
    },
    /// Planned volume × rate beyond what an exact amount can hold.
    Overflow {
        market: String,
        category: Category,
        messages: u64,
        rate: Decimal,
    },
    /// A Business Agent message with no `tokens` and no estimate.
    NoTokens,
    /// An outbound message known only by status events: no row of its id
    /// gives its category.
    NoCategory,
}

impl Unpriced {
    /// No card gives `category` in `market` on `date` (outside a conversation).
    pub fn no_rate(
        market: String,
        category: RateCategory,
        date: Date,
        currency: Currency,
        missing: MissingRate,
    ) -> Self {
        Unpriced::NoRate {
            market,
            category,
            date,
            currency,
            missing,
            conversation: None,
        }
    }

    /// The conversation the unpriced message opened or joined, if any.
    pub fn conversation(&self) -> Option<ConversationRef> {
        match self {
            Unpriced::NoRate { conversation, .. } => *conversation,
            _ => None,
        }
    }

    fn in_conversation(mut self, r: ConversationRef) -> Self {
        if let Unpriced::NoRate { conversation, .. } = &mut self {
            *conversation = Some(r);
        }
        self
    }
}

impl fmt::Display for Unpriced {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unpriced::NoModel { date } => write!(
                f,
                "no supported pricing model on {date} (conversation pricing starts {}); \
                 choose one with --model",
                Model::first_in_force()
            ),
            Unpriced::NoRate {
                market,
                category,
                date,
                currency,
                missing,
                ..
            } => {
                let unit = if category.per_conversation() {
                    " conversation"
                } else {
                    ""
                };
                write!(
                    f,
                    "no {currency} rate known for {market} {category}{unit} on {date}"
                )?;
                match missing {
                    MissingRate::NeverGiven => match category {
                        RateCategory::UserInitiated | RateCategory::BusinessInitiated => write!(
                            f,
                            " (wabill ships no conversation-2022 card: Meta's rates were not found)"
                        )?,
                        RateCategory::Conversation(_) if *date < CONVERSATION_CARDS_FROM => write!(
                            f,
                            " (the built-in conversation card starts on {CONVERSATION_CARDS_FROM})"
                        )?,
                        _ if crate::refdata::builtin::PARTIAL_CURRENCIES
                            .contains(&currency.as_str()) =>
                        {
                            write!(
                                f,
                                " (the built-in {currency} cards are partial: they lack {market})"
                            )?
                        }
                        _ => write!(f, " (no card gives it)")?,
                    },
                    MissingRate::UnknownSince { from, card } => {
                        write!(f, " (changed on {from}, new value not published in {card})")?
                    }
                }
                if category.per_conversation() {
                    write!(
                        f,
                        "; supply it with --rates FILE (rows with unit conversation, see README)"
                    )
                } else {
                    write!(f, "; supply it with --rates FILE")
                }
            }
            Unpriced::NoTierBand {
                market,
                category,
                reason,
            } => write!(f, "tier table for {market} {category}: {reason}"),
            Unpriced::Overflow {
                market,
                category,
                messages,
                rate,
            } => write!(
                f,
                "{market} {category}: {messages} messages × {rate} overflows"
            ),
            Unpriced::NoTokens => write!(
                f,
                "business_agent message without tokens; give a tokens column or \
                 --agent-tokens-per-message N"
            ),
            Unpriced::NoCategory => write!(
                f,
                "outbound message known only by status events: no row of its message id \
                 gives its category (export the provider's billing events or template \
                 messages too)"
            ),
        }
    }
}

struct BusinessState {
    calendar: LocalCalendar,
    portfolio: u32,
    home_country: Option<Country>,
    ai_provider: bool,
    /// Government or non-profit (`--businesses` `exempt`).
    exempt: bool,
}

/// Monthly counters are keyed by business-local (year, month).
type Month = (i16, i8);

fn month_of(d: Date) -> Month {
    (d.year(), d.month())
}

/// The report's word on a free entry point window's length when it is not
/// the 72 h of Meta's docs until 2026-09-30.
pub const ENTRY_POINT_7_DAYS: &str = "free entry point windows opened from 2026-10-01 last 7 days \
     (INFERRED: Meta's page says up to 7 days since 2026-09-28; before, 72 h; \
     --entry-point-hours sets one length)";
/// Government and non-profit businesses pay no service messages until
/// this day (Meta; `pricing.subtype: "paid_exempt"` in webhooks from
/// 2026-10-12).
pub const EXEMPT_UNTIL: Date = jiff::civil::date(2027, 12, 31);
pub const PAID_EXEMPT: &str = "service messages past the 1,000 free: exempt (government or \
     non-profit business in --businesses, until 2027-12-31)";
/// Noted on a service message past the 1,000 free that Meta itself flagged
/// exempt (`pricing.subtype: "paid_exempt"`), whatever `--businesses` says.
pub const PAID_EXEMPT_FLAGGED: &str = "service messages past the 1,000 free: exempt (Meta's \
     pricing.subtype paid_exempt: government or non-profit business)";

/// The notes of a service message an exemption made free.
pub fn is_exempt_note(note: Option<&str>) -> bool {
    note.is_some_and(|n| n == PAID_EXEMPT || n == PAID_EXEMPT_FLAGGED)
}

/// Noted on messages priced by a `--tiers` table, which applies as given.
pub const TIERS_AS_GIVEN: &str = "volume tiers from --tiers, applied as given \
     (a negotiated table need not start at the list rate)";
pub const ENTRY_POINT_GIVEN: &str =
    "free entry point windows last the hours --entry-point-hours gives, at every date";

fn entry_point_note(rules: &WindowRules, date: Date) -> Option<&'static str> {
    if rules.entry_point_fixed {
        Some(ENTRY_POINT_GIVEN)
    } else if date >= window::LONG_ENTRY_POINT_FROM {
        Some(ENTRY_POINT_7_DAYS)
    } else {
        None
    }
}

/// The stateful engine. Feed it messages in `validate::sort_log` order.
pub struct Pricer<'t> {
    ctx: &'t PricingContext,
    businesses: Vec<Option<BusinessState>>,
    portfolios: HashMap<String, u32>,
    pairs: HashMap<(u32, u32), PairWindows>,
    /// Group customer service windows, per business × group.
    group_windows: HashMap<(u32, u32), PairWindows>,
    /// Per customer: market epoch and the match cached for it.
    market_cache: Vec<Option<(usize, MarketMatch)>>,
    tier_counts: HashMap<(u32, MarketId, Category, Month), u64>,
    allowance_counts: HashMap<(Allowance, u32, Month), u64>,
    /// Open conversations per pair; empty unless a conversation model ran.
    conversations: HashMap<(u32, u32), conversation::OpenConversations>,
    /// The id of the latest conversation opened.
    last_conversation: u64,
    /// When to drop idle pairs; `None` in a shard, which is told when
    /// (`sweep_now`), so that every shard drops what one pricer would.
    sweeps: Option<SweepClock>,
    /// How long a customer's last message is remembered past its windows.
    history: Span,
    /// Customer ids may be forgotten and given to other numbers
    /// (`forget_customer`, streaming).
    recycles: bool,
    /// Card lookups by cell and day: a handful of distinct answers serve
    /// millions of messages.
    rate_cache: HashMap<RateQuery, Result<FoundRate<'t>, MissingRate>>,
    /// A shard's pricer (`Pricer::sharded`): the monthly counters are
    /// left to the ordered merge, and the step that needs them is kept in
    /// `counted`.
    defers_counters: bool,
    counted: Option<Counted>,
}

type RateQuery = (MarketId, Option<Country>, RateCategory, Date);

/// How often idle pairs are dropped, so memory follows open windows.
const SWEEP_EVERY: Span = Span::hours(6);

/// When a pricer drops idle pairs: at the first message `SWEEP_EVERY`
/// after the last time (the sharded engine keeps this clock on the
/// settled messages of all shards and tells each shard).
#[derive(Clone, Copy, Debug)]
pub struct SweepClock {
    last: Instant,
}

impl Default for SweepClock {
    fn default() -> Self {
        SweepClock { last: Instant::MIN }
    }
}

impl SweepClock {
    /// Whether a message at `now` sweeps first.
    pub fn due(&mut self, now: Instant) -> bool {
        let due = now >= self.last.saturating_add(SWEEP_EVERY);
        if due {
            self.last = now;
        }
        due
    }
}

impl<'t> Pricer<'t> {
    pub fn new(ctx: &'t PricingContext) -> Self {
        Pricer {
            ctx,
            businesses: Vec::new(),
            portfolios: HashMap::default(),
            pairs: HashMap::default(),
            group_windows: HashMap::default(),
            market_cache: Vec::new(),
            tier_counts: HashMap::default(),
            allowance_counts: HashMap::default(),
            conversations: HashMap::default(),
            rate_cache: HashMap::default(),
            history: Span::ZERO,
            recycles: false,
            last_conversation: 0,
            sweeps: Some(SweepClock::default()),
            defers_counters: false,
            counted: None,
        }
    }

    fn business(&mut self, id: u32, strings: &Strings) -> &mut BusinessState {
        let i = id as usize;
        if self.businesses.len() <= i {
            self.businesses.resize_with(i + 1, || None);
        }
        if self.businesses[i].is_none() {
            let info = self.ctx.businesses.get(strings.businesses.get(id));
            let zone = info.map_or(self.ctx.default_zone.clone(), |b| b.time_zone.clone());
            // Tiers count per portfolio; a business without one is its own.
            let portfolio = match info.map(|b| b.portfolio.as_str()).filter(|p| !p.is_empty()) {
                Some(p) => format!("p:{p}"),
                None => format!("b:{}", strings.businesses.get(id)),
            };
            let next = self.portfolios.len() as u32;
            let portfolio = *self.portfolios.entry(portfolio).or_insert(next);
            self.businesses[i] = Some(BusinessState {
                calendar: LocalCalendar::new(zone),
                portfolio,
                home_country: info.and_then(|b| b.home_country),
                ai_provider: info.is_some_and(|b| b.ai_provider),
                exempt: info.is_some_and(|b| b.exempt),
            });
        }
        self.businesses[i].as_mut().expect("initialised above")
    }

    /// A pricer that remembers each customer's last message for a week
    /// after its windows close, for explanations ("26 h after…"). Costs
    /// are the same; only memory grows.
    pub fn explaining(ctx: &'t PricingContext) -> Self {
        Pricer {
            history: Span::hours(7 * 24),
            ..Pricer::new(ctx)
        }
    }

    /// Reads, without changing anything, the state pricing `m` will need,
    /// so that it is in cache when `price` comes (see `Settler::warm`).
    pub fn warm(&self, m: &Message) {
        std::hint::black_box(self.market_cache.get(m.customer as usize).copied());
        std::hint::black_box(self.pairs.get(&(m.business, m.customer)));
    }

    /// A business `price` has already set up.
    fn known_business(&self, id: u32) -> &BusinessState {
        self.businesses[id as usize]
            .as_ref()
            .expect("set up at the start of price")
    }

    fn market(&mut self, m: &Message, date: Date, strings: &Strings) -> MarketMatch {
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
                let found = markets.lookup(strings.customers.get(m.customer), date);
                self.market_cache[i] = Some((epoch, found));
                found
            }
        }
    }

    /// Forgets customer `id`, whose windows have all closed: the id may
    /// come back as another number. Its pairs stay until the next sweep
    /// but, closed, read as new (see `price`); conversations that ended
    /// are dropped when next routed.
    pub fn forget_customer(&mut self, id: u32) {
        self.recycles = true;
        if let Some(cached) = self.market_cache.get_mut(id as usize) {
            *cached = None;
        }
    }

    /// The windows of the message's business × customer pair.
    fn pair(&mut self, m: &Message) -> &mut PairWindows {
        let pair = self.pairs.entry((m.business, m.customer)).or_default();
        if self.recycles && pair.expired(m.at, &self.ctx.windows, self.history) {
            // Perhaps another customer's, who had this id before: closed
            // windows read as none, as for a pair never seen.
            *pair = PairWindows::default();
        }
        pair
    }

    /// Business × customer pairs held now.
    pub fn live_pairs(&self) -> usize {
        self.pairs.len()
    }

    /// Drops pairs whose windows can no longer matter, as of `now`.
    pub fn sweep_now(&mut self, now: Instant) {
        let rules = self.ctx.windows;
        let history = self.history;
        self.pairs.retain(|_, w| !w.expired(now, &rules, history));
        self.group_windows
            .retain(|_, w| !w.expired(now, &rules, history));
        self.conversations.retain(|_, c| !c.expired(now));
    }

    /// Prices the next message; `strings` resolves its interned ids.
    pub fn price(&mut self, m: &Message, strings: &Strings) -> Result<Priced<'t>, Unpriced> {
        if let Some(clock) = &mut self.sweeps
            && clock.due(m.at)
        {
            self.sweep_now(m.at);
        }
        let business = self.business(m.business, strings);
        let date = business.calendar.date(m.at);
        let found = self.market(m, date, strings);
        let mut priced = Priced {
            model: None,
            market: found.market,
            country: found.country,
            local_date: date,
            pricing_type: PricingType::Inbound,
            pricing_category: None,
            rate: None,
            cost: Decimal::ZERO,
            rate_source: None,
            rule: None,
            counted_as: None,
            allowance: None,
            tier: None,
            windows: None,
            conversation: None,
            note: None,
            tokens: None,
            estimated: false,
            upper_bound: None,
        };
        if m.extras.call {
            return Ok(self.call(m, priced));
        }
        if m.extras.group().is_some() {
            return self.price_group(m, priced, strings);
        }
        let ctx = self.ctx;
        let pair = self.pair(m);
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
        let model = ctx.model.resolve(date).ok_or(Unpriced::NoModel { date })?;
        priced.model = Some(model);
        let facts = model.facts();
        let windows = pair.outbound(m.at, &ctx.windows.on(date), facts.entry_points);
        priced.windows = Some(windows);
        if windows.opened_entry_window {
            priced.note = entry_point_note(&ctx.windows, date);
        }
        // Only status events (`kind` = `status`) lack one: no row of the
        // message gave it.
        let category = m.category.ok_or(Unpriced::NoCategory)?;
        if let Some(era) = facts.conversations {
            return self.price_conversation(m, era, category, &windows, &mut priced);
        }
        if let Some(c) = self.utility_conversation(m, category, &windows) {
            // Opened before 2025-07-01 and still open: Meta keeps later
            // utility templates in it, free (docs/pricing-rules.md §7, transition).
            priced.pricing_type = PricingType::InConversation;
            priced.conversation = Some(ConversationRef {
                conversation: c,
                opened: false,
            });
            return Ok(priced);
        }
        if let Some(result) = self.price_line_2026(m, category, &mut priced) {
            return result;
        }
        let decision = rules::decide(model, category, &windows);
        priced.pricing_type = decision.pricing_type;
        priced.rule = Some(decision.rule);
        if m.extras.lite && decision.pricing_type == PricingType::Regular {
            return self.price_lite(m, &mut priced, strings);
        }
        match decision.pricing_type {
            PricingType::Regular => {
                self.charge(m, &mut priced, decision.rate_category, decision.tiered)
            }
            // From 2026-10-01 the first `service_allowance` service messages
            // per business number per month are free; later ones pay the
            // utility rate.
            PricingType::FreeTier => {
                let (kind, _) = facts
                    .allowance
                    .expect("a model counting allowances names it");
                self.allowance(
                    kind,
                    self.ctx.service_allowance,
                    m,
                    &mut priced,
                    decision.rate_category,
                )
            }
            _ => Ok(priced),
        }
    }

    /// A utility conversation open for this pair at this message, if the
    /// message is a utility template outside a free entry point window.
    fn utility_conversation(
        &self,
        m: &Message,
        category: Category,
        windows: &WindowState,
    ) -> Option<Conversation> {
        if category != Category::Utility
            || windows.entry_window.is_some()
            || self.conversations.is_empty()
        {
            return None;
        }
        self.conversations
            .get(&(m.business, m.customer))?
            .open_at(ConversationType::Utility, m.at)
    }

    /// Conversation models: the message opens or joins a conversation; only
    /// an opening message can cost anything.
    fn price_conversation(
        &mut self,
        m: &Message,
        era: conversation::Era,
        category: Category,
        windows: &WindowState,
        priced: &mut Priced<'t>,
    ) -> Result<Priced<'t>, Unpriced> {
        let routed = self
            .conversations
            .entry((m.business, m.customer))
            .or_default()
            .route(era, category, windows, m.at, &mut self.last_conversation);
        priced.conversation = Some(routed);
        if !routed.opened {
            priced.pricing_type = PricingType::InConversation;
            return Ok(*priced);
        }
        let column = |c: Category| RateCategory::Conversation(c);
        let (pricing_type, rate_category) = match routed.conversation.kind {
            ConversationType::FreeEntryPoint => {
                priced.pricing_type = PricingType::FreeEntryPoint;
                return Ok(*priced);
            }
            ConversationType::Service if priced.local_date >= SERVICE_FREE_FROM => {
                priced.pricing_type = PricingType::FreeCustomerService;
                return Ok(*priced);
            }
            ConversationType::Service => (PricingType::FreeTier, column(Category::Service)),
            ConversationType::UserInitiated => (PricingType::FreeTier, RateCategory::UserInitiated),
            ConversationType::BusinessInitiated => {
                (PricingType::FreeTier, RateCategory::BusinessInitiated)
            }
            // Marketing, utility, authentication: never free. A
            // `marketing_lite` template opens a marketing conversation and
            // pays its rate.
            _ => (PricingType::Regular, column(category.priced_as())),
        };
        priced.pricing_type = pricing_type;
        let result = if pricing_type == PricingType::FreeTier {
            priced.rule = Some(Rule::Allowance);
            let (kind, free) = priced
                .model
                .and_then(|m| m.facts().allowance)
                .expect("conversation models count conversations");
            self.allowance(kind, free, m, priced, rate_category)
        } else {
            self.charge(m, priced, rate_category, false)
        };
        result.map_err(|e| e.in_conversation(routed))
    }

    /// Counts one use of a monthly allowance (per business, business-local
    /// month); past it, the message pays `over_allowance` without tiers.
    fn allowance(
        &mut self,
        kind: Allowance,
        allowance: u64,
        m: &Message,
        priced: &mut Priced<'t>,
        over_allowance: RateCategory,
    ) -> Result<Priced<'t>, Unpriced> {
        if self.defers_counters {
            return Ok(self.defer(
                priced,
                Counted::Allowance {
                    kind,
                    allowance,
                    over_allowance,
                },
            ));
        }
        let count = self
            .allowance_counts
            .entry((kind, m.business, month_of(priced.local_date)))
            .or_default();
        *count += 1;
        priced.counted_as = Some(*count);
        priced.allowance = Some(allowance);
        // Meta's own flag is its word on the message: one of the paid
        // service messages past its count of the 1,000 (which sees all the
        // business's traffic), exempt. Free, as wabill's own count may say
        // anyway, and noted as Meta's.
        if kind == Allowance::ServiceMessages && m.extras.paid_exempt {
            priced.note = Some(PAID_EXEMPT_FLAGGED);
            return Ok(*priced);
        }
        if *count <= allowance {
            return Ok(*priced);
        }
        if kind == Allowance::ServiceMessages
            && priced.local_date <= EXEMPT_UNTIL
            && self.known_business(m.business).exempt
        {
            priced.note = Some(PAID_EXEMPT);
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
        if tiered && self.defers_counters {
            return Ok(self.defer(priced, Counted::Tiered(rate_category)));
        }
        let ctx = self.ctx;
        let date = priced.local_date;
        let rate_category = self.international(m, priced, rate_category);
        priced.pricing_category = rate_category.category();
        let market_name = || ctx.markets.name(priced.market).to_string();
        let query = (priced.market, priced.country, rate_category, date);
        let list = self
            .rate_cache
            .entry(query)
            .or_insert_with(|| {
                ctx.rates
                    .lookup(ctx.currency, query.0, query.1, query.2, query.3)
            })
            .clone();
        if let Ok(found) = &list {
            priced.rate = Some(found.rate);
            priced.cost = found.rate;
            priced.rate_source = Some(RateSource::from(*found));
        }
        if tiered && let RateCategory::Of(category) = rate_category {
            let class = rules::tier_class(category);
            let portfolio = self.known_business(m.business).portfolio;
            let n = self
                .tier_counts
                .entry((portfolio, priced.market, class, month_of(date)))
                .or_default();
            *n += 1;
            priced.counted_as = Some(*n);
            match tiering::plan(ctx, priced.market, rate_category, date, list.as_ref().ok()) {
                tiering::TierPlan::Bands(version) => {
                    let band = version.band(*n).map_err(|reason| Unpriced::NoTierBand {
                        market: market_name(),
                        category,
                        reason,
                    })?;
                    priced.rate = Some(band.rate);
                    priced.cost = band.rate;
                    priced.rate_source = Some(RateSource::TierBand { label: &band.label });
                    // Where the built-in guard would have set it aside.
                    let off_list = list
                        .as_ref()
                        .ok()
                        .zip(version.list_rate())
                        .is_some_and(|(l, first)| l.rate != first);
                    if ctx.tiers.as_given && off_list {
                        priced.note = Some(TIERS_AS_GIVEN);
                    }
                    priced.tier = Some(TierUse::Band {
                        index: band.index,
                        below_list: version.list_rate().is_some_and(|l| band.rate < l),
                    });
                    return Ok(*priced);
                }
                tiering::TierPlan::ListRate(why) => priced.tier = Some(why),
            }
        }
        list.map_err(|missing| {
            Unpriced::no_rate(market_name(), rate_category, date, ctx.currency, missing)
        })?;
        Ok(*priced)
    }

    /// Authentication templates from a business based in another country go
    /// at the market's authentication-international rate, where it has one;
    /// to a recipient in the business's home country they always pay the
    /// domestic rate, even when the log says `authentication_international`.
    fn international(
        &mut self,
        m: &Message,
        priced: &Priced<'t>,
        rc: RateCategory,
    ) -> RateCategory {
        let home = self.known_business(m.business).home_country;
        if let Some(domestic) = rc.domestic() {
            return if home.is_some() && home == priced.country {
                domestic
            } else {
                rc
            };
        }
        let Some(intl) = rc.international() else {
            return rc;
        };
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
