//! Per-message reconcile: wabill's decision for each message against the
//! one Meta sent with it (a webhook's `pricing` object, or a log's
//! `pricing_*` columns): pricing type, category and billable flag.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Category, Direction, Message, MetaPricing, MetaSubtype};
use crate::pricing::{Priced, PricingType, Unpriced};

/// What can differ between the two decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    PricingType,
    Category,
    Billable,
    Subtype,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::PricingType => "pricing_type",
            Kind::Category => "category",
            Kind::Billable => "billable",
            Kind::Subtype => "subtype",
        }
    }
}

/// One side's decision, in Meta's words.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    pub pricing_type: String,
    pub category: String,
    pub billable: Option<bool>,
    /// `paid_exempt` where an exemption made a service message free.
    pub subtype: String,
}

/// A message on which wabill and Meta disagree.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Differing {
    pub message_id: String,
    pub timestamp: String,
    pub customer: String,
    pub differs: Vec<Kind>,
    pub wabill: Decision,
    pub meta: Decision,
    /// Why wabill decided as it did (`wabill explain`'s sentence).
    pub explain: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageReconciliation {
    pub inputs: Vec<String>,
    /// Outbound messages with a decision from Meta, compared.
    pub compared: u64,
    pub agreeing: u64,
    /// Outbound messages without one (failed statuses, logs without it).
    pub without_meta: u64,
    /// Differing messages by kind of difference (a message may count in
    /// several).
    pub by_kind: BTreeMap<Kind, u64>,
    /// In log order.
    pub differing: Vec<Differing>,
}

/// wabill's decision in Meta's vocabulary: Meta names the category a
/// message was priced in (authentication_international where it applied).
/// What `billable` means depends on the era: per message (from 2025-07-01)
/// only `regular` messages are billable; per conversation (CBP) Meta marks
/// every conversation billable, free-tier and service ones included (they
/// are billable, if not charged, and appear on the invoice), and only
/// conversations opened from a free entry point are not.
///
/// A service message past the 1,000 free that an exemption made free is,
/// in Meta's words (**INFERRED**: Meta documents only the subtype), a
/// `regular` message of subtype `paid_exempt` that is not billable.
pub fn wabill_decision(m: &Message, p: &Priced<'_>) -> Decision {
    let category = match (p.pricing_category, m.category) {
        (Some(Category::AuthenticationInternational), Some(Category::Authentication)) => {
            Some(Category::AuthenticationInternational)
        }
        (_, logged) => logged,
    };
    let category = category.map_or(String::new(), |c| c.as_str().to_string());
    if crate::pricing::is_exempt_note(p.note) {
        return Decision {
            pricing_type: PricingType::Regular.as_str().to_string(),
            category,
            billable: Some(false),
            subtype: MetaSubtype::PaidExempt.as_str().to_string(),
        };
    }
    Decision {
        pricing_type: p.pricing_type.as_str().to_string(),
        category,
        billable: Some(match p.model {
            Some(model) if model.is_conversation() => p.pricing_type != PricingType::FreeEntryPoint,
            _ => p.pricing_type == PricingType::Regular,
        }),
        subtype: String::new(),
    }
}

fn meta_decision(meta: &MetaPricing) -> Decision {
    Decision {
        pricing_type: meta
            .pricing_type
            .map_or(String::new(), |t| t.as_str().to_string()),
        category: meta
            .category
            .map_or(String::new(), |c| c.as_str().to_string()),
        billable: meta.billable,
        subtype: meta
            .subtype
            .map_or(String::new(), |s| s.as_str().to_string()),
    }
}

/// What differs; a part Meta did not give is not compared.
pub fn differences(wabill: &Decision, meta: &Decision) -> Vec<Kind> {
    let mut kinds = Vec::new();
    if !meta.pricing_type.is_empty() && meta.pricing_type != wabill.pricing_type {
        kinds.push(Kind::PricingType);
    }
    if !meta.category.is_empty() && meta.category != wabill.category {
        kinds.push(Kind::Category);
    }
    if meta.billable.is_some() && meta.billable != wabill.billable {
        kinds.push(Kind::Billable);
    }
    if !meta.subtype.is_empty() && meta.subtype != wabill.subtype {
        kinds.push(Kind::Subtype);
    }
    kinds
}

impl MessageReconciliation {
    /// Adds one priced message; `describe` gives the id, time, customer and
    /// explanation of a differing one (only then computed).
    pub fn add(
        &mut self,
        m: &Message,
        result: &Result<Priced<'_>, Unpriced>,
        meta: Option<&MetaPricing>,
        describe: impl FnOnce() -> (String, String, String, String),
    ) {
        if m.direction != Direction::Out {
            return;
        }
        let Some(meta) = meta.filter(|meta| !meta.is_empty()) else {
            self.without_meta += 1;
            return;
        };
        self.compared += 1;
        let wabill = match result {
            Ok(p) => wabill_decision(m, p),
            Err(_) => Decision {
                pricing_type: "unpriced".into(),
                ..Decision::default()
            },
        };
        let meta = meta_decision(meta);
        let differs = differences(&wabill, &meta);
        if differs.is_empty() {
            self.agreeing += 1;
            return;
        }
        for k in &differs {
            *self.by_kind.entry(*k).or_default() += 1;
        }
        let (message_id, timestamp, customer, explain) = describe();
        self.differing.push(Differing {
            message_id,
            timestamp,
            customer,
            differs,
            wabill,
            meta,
            explain,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(t: &str, c: &str, b: Option<bool>) -> Decision {
        Decision {
            pricing_type: t.into(),
            category: c.into(),
            billable: b,
            subtype: String::new(),
        }
    }

    #[test]
    fn only_what_meta_gives_is_compared() {
        let wabill = d("regular", "utility", Some(true));
        assert!(differences(&wabill, &d("regular", "utility", Some(true))).is_empty());
        assert!(differences(&wabill, &d("", "", None)).is_empty());
        assert_eq!(
            differences(&wabill, &d("free_customer_service", "utility", Some(false))),
            [Kind::PricingType, Kind::Billable]
        );
        assert_eq!(
            differences(&wabill, &d("regular", "marketing", None)),
            [Kind::Category]
        );
    }
}
