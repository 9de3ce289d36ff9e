//! The report: plain data built once from priced messages, then rendered by
//! any of the sibling renderers in `render`.

mod aggregate;
pub mod allin;
pub mod compare;
mod group;
pub mod merge;
pub mod period;
pub mod scenario;
mod tiers;

pub use aggregate::{Aggregator, MetaInput};
pub use group::{GroupBy, UnknownGroup};
pub use merge::Partial;

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Version of the CSV and JSON field layout; bumped on any breaking change.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Line {
    /// Outbound messages in the group (charged + free + not delivered +
    /// unpriced).
    pub messages: u64,
    pub charged: u64,
    pub free: u64,
    pub not_delivered: u64,
    /// Messages no known rate could price: counted in the group (by the
    /// market they are priced in), not in its cost, which is then
    /// incomplete (issue 26). Absent from reports without any.
    #[serde(default)]
    pub unpriced: u64,
    pub cost: Decimal,
    /// Conversations opened in the group; only in reports where a
    /// conversation model priced something (`None` elsewhere, so per-message
    /// reports keep their columns).
    pub conversations: Option<u64>,
    /// Meta's cost, the provider's fee, tax and the total in the report
    /// currency, with `--fees`, `--tax` or `--fx` (`allin`).
    #[serde(default)]
    pub all_in: Option<allin::AllIn>,
}

impl Line {
    pub fn add(&mut self, other: &Line) {
        if let Some(o) = &other.all_in {
            self.all_in.get_or_insert_with(Default::default).add(o);
        }
        self.conversations = match (self.conversations, other.conversations) {
            (None, None) => None,
            (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
        };
        self.messages += other.messages;
        self.charged += other.charged;
        self.free += other.free;
        self.not_delivered += other.not_delivered;
        self.unpriced += other.unpriced;
        self.cost += other.cost;
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Row {
    /// One value per `--by` key, in the order given.
    pub keys: Vec<String>,
    #[serde(flatten)]
    pub line: Line,
}

/// Where every input row went. rows_read = inbound + outbound + calls +
/// merged + not_whatsapp + rejected + outside_period; outbound = charged +
/// free + not_delivered + unpriced.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Accounting {
    pub rows_read: u64,
    pub merged: u64,
    pub rejected: u64,
    pub inbound: u64,
    pub outbound: u64,
    /// Call rows (they open windows; calls are not priced here).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub calls: u64,
    /// Rows of another channel (an SMS in a Twilio log): never priced.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub not_whatsapp: u64,
    /// With a reporting period: the messages (inbound, outbound, calls)
    /// dated outside it, priced for context only (they open windows and
    /// count toward allowances and tiers) and not reported.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub outside_period: u64,
    pub charged: u64,
    pub free: u64,
    /// Free messages by pricing type.
    pub free_by_reason: BTreeMap<String, u64>,
    pub not_delivered: u64,
    /// Messages no known rate or model could price (the run fails).
    pub unpriced: u64,
    /// Charged messages priced at a stale rate (`--stale-rates`), part of
    /// `charged`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub stale_rates: u64,
    /// Conversations, when a conversation model priced something.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversations: Option<ConversationAccounting>,
    /// Events read out of envelopes (a store's wrapper around a webhook
    /// body), by the envelope's key; their rows are counted like others.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub unwrapped: BTreeMap<String, u64>,
}

/// Conversations opened = charged + free + unpriced; each is counted on the
/// message that opened it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationAccounting {
    pub opened: u64,
    pub charged: u64,
    pub free: u64,
    /// Opened by a message no known rate could price (the run fails).
    pub unpriced: u64,
    /// Opened, by conversation type.
    pub by_type: BTreeMap<String, u64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Accounting {
    /// Both identities of the accounting hold.
    pub fn balances(&self) -> bool {
        self.rows_read
            == self.inbound
                + self.outbound
                + self.calls
                + self.merged
                + self.not_whatsapp
                + self.rejected
                + self.outside_period
            && self.outbound == self.charged + self.free + self.not_delivered + self.unpriced
            && self.free == self.free_by_reason.values().sum::<u64>()
            && self.conversations.as_ref().is_none_or(|c| {
                c.opened == c.charged + c.free + c.unpriced
                    && c.opened == c.by_type.values().sum::<u64>()
            })
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub format_version: u32,
    pub model: String,
    /// Models that priced at least one message.
    pub models_used: Vec<String>,
    pub currency: String,
    pub time_zone: String,
    pub group_by: Vec<String>,
    /// Card versions (and tier bands) that priced at least one message.
    pub rate_sources: Vec<String>,
    pub inputs: Vec<String>,
    /// The readers that read the inputs (`--input-format` names), once each.
    #[serde(default)]
    pub input_formats: Vec<String>,
    /// What in the figures is inferred or estimated (2026 lines), and how
    /// volume tiers applied or not, and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// With `--max-price`: the most the charged messages can cost, each
    /// Marketing Messages API template at its max price unless Meta
    /// reported the cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[serde(serialize_with = "crate::display::json::optional")]
    pub upper_bound: Option<Decimal>,
    /// The `wabill.toml` whose defaults applied, if one was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// The reporting period (`--period`, `--from`/`--to`), local dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// With `--fees`, `--tax` or `--fx`: the all-in amounts' currency and
    /// rules, and what is in no group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub all_in: Option<AllInMeta>,
    /// `--budget` and `--warn-at`: the verdict, also on stderr.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget: Option<BudgetMeta>,
    /// `--budget-file`: each group's verdict (`key` is the group's value).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group_budgets: Vec<GroupBudget>,
}

/// An empty report's meta, at this format version: a report built other
/// than by the aggregator (a forecast laid out for `compare`) fills in what
/// it has.
impl Default for Meta {
    fn default() -> Self {
        Meta {
            format_version: FORMAT_VERSION,
            model: String::new(),
            models_used: Vec::new(),
            currency: String::new(),
            time_zone: String::new(),
            group_by: Vec::new(),
            rate_sources: Vec::new(),
            inputs: Vec::new(),
            input_formats: Vec::new(),
            notes: Vec::new(),
            upper_bound: None,
            config: None,
            period: None,
            all_in: None,
            budget: None,
            group_budgets: Vec::new(),
        }
    }
}

/// One group's budget of `--budget-file` and where its cost stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupBudget {
    /// The `--by` key (`column:campaign`) and the group's value (`spring`).
    pub by: String,
    pub key: String,
    #[serde(serialize_with = "crate::display::json::amount")]
    pub amount: Decimal,
    #[serde(serialize_with = "crate::display::json::amount")]
    pub cost: Decimal,
    pub status: String,
    pub verdict: String,
}

/// The budget a report was gated by, and where it stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetMeta {
    #[serde(serialize_with = "crate::display::json::amount")]
    pub amount: Decimal,
    pub currency: String,
    /// `--warn-at`, percent of the budget.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn_at: Option<Decimal>,
    /// The total as a percentage of the budget, exact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_percent: Option<Decimal>,
    /// `within`, `warning` (at or past --warn-at) or `over`.
    pub status: String,
    /// The sentence stderr shows.
    pub verdict: String,
}

/// The all-in columns' currency and rules, and the fees no group holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllInMeta {
    pub currency: String,
    pub rules: String,
    /// Inbound messages of the report and their fees (with tax), in no
    /// group (the groups are outbound messages).
    pub inbound_messages: u64,
    #[serde(serialize_with = "crate::display::json::amount")]
    pub inbound_fees: Decimal,
    /// `monthly_platform` of the fees file, per billing month: no
    /// message's, so in no group and not in the total.
    #[serde(serialize_with = "crate::display::json::amount")]
    pub monthly_platform: Decimal,
}

/// The cost report. Its JSON is written by `render::json` (rows and totals
/// from the grid, the other sections from their serde structs below) and
/// read back here by `wabill merge`, at any scale of its amounts.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Report {
    pub meta: Meta,
    pub rows: Vec<Row>,
    pub totals: Line,
    pub accounting: Accounting,
    /// The provider's own prices the log carries (Twilio `Price`, YCloud
    /// `totalPrice`, Infobip `pricePerMessage`, a `provider_price`
    /// column), one line per currency: what the provider charged, kept
    /// apart from Meta's cost above and never added to it.
    #[serde(default)]
    pub provider_charges: Vec<ProviderChargeLine>,
    /// What an exact merge of partial reports needs (`wabill merge`); only
    /// `estimate` fills it in.
    #[serde(default)]
    pub partial: Option<Partial>,
    /// Cost by day and by market for the HTML charts, when collected
    /// (`Aggregator::with_spend`); not part of the CSV/JSON layout.
    #[serde(skip)]
    pub spend: Option<Spend>,
}

/// The provider's charges in one currency: the sum of its prices as
/// exported, over the messages (inbound and outbound) that have one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderChargeLine {
    pub currency: String,
    pub messages: u64,
    pub inbound: u64,
    pub outbound: u64,
    #[serde(serialize_with = "crate::display::json::amount")]
    pub amount: Decimal,
}

impl ProviderChargeLine {
    /// Adds `other`'s messages and amount into the line of its currency in
    /// `lines` (kept in currency order); currencies are never summed together.
    pub fn add_to(lines: &mut Vec<ProviderChargeLine>, other: &ProviderChargeLine) {
        match lines.binary_search_by(|l| l.currency.cmp(&other.currency)) {
            Ok(i) => {
                let l = &mut lines[i];
                l.messages += other.messages;
                l.inbound += other.inbound;
                l.outbound += other.outbound;
                l.amount += other.amount;
            }
            Err(i) => lines.insert(i, other.clone()),
        }
    }
}

/// Cost of the outbound messages by local day and by market, in key order;
/// each list sums to the report's total.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Spend {
    pub by_day: Vec<(String, Decimal)>,
    pub by_market: Vec<(String, Decimal)>,
}

/// The report's note on Business Agent messages whose tokens were estimated.
pub fn agent_estimate_note(n: u64, tokens: u64) -> String {
    format!(
        "estimate: {} at {tokens} tokens each (--agent-tokens-per-message)",
        crate::display::plural(n, "business_agent message")
    )
}
