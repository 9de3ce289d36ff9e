//! Meta's own billing decision for a message, when the log carries it (a
//! webhook's `pricing` object, or the `pricing_*` columns of a CSV).

use rustc_hash::FxHashMap;

use super::{Category, MessageKey};

/// Meta's `pricing.type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MetaType {
    Regular,
    FreeCustomerService,
    FreeEntryPoint,
    FreeGroupCustomerService,
    /// The conversation era's free tier (the first 1,000 service
    /// conversations a month), as Meta's analytics and exports write it.
    FreeTier,
}

impl MetaType {
    pub const ALL: [MetaType; 5] = [
        MetaType::Regular,
        MetaType::FreeCustomerService,
        MetaType::FreeEntryPoint,
        MetaType::FreeGroupCustomerService,
        MetaType::FreeTier,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MetaType::Regular => "regular",
            MetaType::FreeCustomerService => "free_customer_service",
            MetaType::FreeEntryPoint => "free_entry_point",
            MetaType::FreeGroupCustomerService => "free_group_customer_service",
            MetaType::FreeTier => "free_tier",
        }
    }

    /// Upper- or lower-case, as Meta writes it in webhooks and analytics.
    pub fn parse(s: &str) -> Option<MetaType> {
        MetaType::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// Meta's `pricing.subtype` (webhooks from 2026-10-12; the only value
/// Meta names is `paid_exempt`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MetaSubtype {
    /// A government or non-profit business's service message past the
    /// 1,000 free a month: not charged until 2027-12-31.
    PaidExempt,
}

impl MetaSubtype {
    pub fn as_str(self) -> &'static str {
        match self {
            MetaSubtype::PaidExempt => "paid_exempt",
        }
    }

    pub fn parse(s: &str) -> Option<MetaSubtype> {
        s.trim()
            .eq_ignore_ascii_case("paid_exempt")
            .then_some(MetaSubtype::PaidExempt)
    }
}

/// What Meta decided for one message; any part may be missing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MetaPricing {
    pub pricing_type: Option<MetaType>,
    pub category: Option<Category>,
    pub billable: Option<bool>,
    pub subtype: Option<MetaSubtype>,
}

impl MetaPricing {
    pub fn is_empty(&self) -> bool {
        *self == MetaPricing::default()
    }

    /// Status events of one message: the first that says something wins,
    /// field by field.
    pub fn merge(&mut self, later: MetaPricing) {
        self.pricing_type = self.pricing_type.or(later.pricing_type);
        self.category = self.category.or(later.category);
        self.billable = self.billable.or(later.billable);
        self.subtype = self.subtype.or(later.subtype);
    }
}

/// Meta's decisions by message id; empty unless the log carries them.
#[derive(Debug, Default)]
pub struct MetaDecisions(FxHashMap<MessageKey, MetaPricing>);

impl MetaDecisions {
    pub fn add(&mut self, id: MessageKey, pricing: MetaPricing) {
        self.0.entry(id).or_default().merge(pricing);
    }

    pub fn get(&self, id: Option<MessageKey>) -> Option<&MetaPricing> {
        id.and_then(|id| self.0.get(&id))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
