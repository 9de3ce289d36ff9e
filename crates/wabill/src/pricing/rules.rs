//! The decision each model makes for one delivered outbound message, given
//! the state of its windows. Pure: no counters, no rates.

use super::{Model, PricingType, WindowState};
use crate::model::{Category, RateCategory};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub pricing_type: PricingType,
    /// The card column a charge would use.
    pub rate_category: RateCategory,
    /// Whether volume tiers apply to a charge.
    pub tiered: bool,
    /// Which rule decided: what `explain` says, as data.
    pub rule: Rule,
}

/// The rule behind a decision, so that the sentence explaining it is built
/// from the decision rather than by matching model × category again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// 2018: anything inside the customer service window is free.
    AnyInServiceWindow,
    /// Free inside the customer service window (utility, service).
    FreeInServiceWindow,
    /// Inside a free entry point window.
    EntryPoint,
    /// Counted against the model's monthly allowance; charged past it.
    Allowance,
    /// Utility charged inside the customer service window (from the
    /// 2026-10 model's start date).
    UtilityChargedInWindow,
    /// Charged at the category's rate.
    Charged,
}

/// The decision of `model` for one delivered outbound message.
pub fn decide(model: Model, category: Category, w: &WindowState) -> Decision {
    // Meta's own names for marketing (Lite API) and entry point messages
    // follow the rules of the category they are priced as.
    (model.facts().decide)(category.priced_as(), w)
}

fn charge(rate_category: RateCategory, tiered: bool) -> Decision {
    Decision {
        pricing_type: PricingType::Regular,
        rate_category,
        tiered,
        rule: Rule::Charged,
    }
}

fn free(pricing_type: PricingType, category: Category, rule: Rule) -> Decision {
    Decision {
        pricing_type,
        rate_category: RateCategory::Of(category),
        tiered: false,
        rule,
    }
}

/// Volume tiers apply to utility and authentication.
fn tiered(category: Category) -> bool {
    matches!(
        category,
        Category::Utility | Category::Authentication | Category::AuthenticationInternational
    )
}

/// The count a tiered message adds to: authentication-international
/// shares the authentication count (one tier ladder, two rates).
pub fn tier_class(category: Category) -> Category {
    match category {
        Category::AuthenticationInternational => Category::Authentication,
        c => c,
    }
}

/// 2018: one rate per country for anything outside the window; category
/// and entry points are ignored.
pub fn template_2018(category: Category, w: &WindowState) -> Decision {
    if w.service_window.is_some() {
        free(
            PricingType::FreeCustomerService,
            category,
            Rule::AnyInServiceWindow,
        )
    } else {
        charge(RateCategory::Any, false)
    }
}

/// Conversation models price conversations, not messages: the engine
/// routes them through `conversation.rs` and never asks here. What a charge
/// would be is the conversation of the message's category.
pub fn conversation(category: Category, w: &WindowState) -> Decision {
    if w.entry_window.is_some() {
        return free(PricingType::FreeEntryPoint, category, Rule::EntryPoint);
    }
    charge(RateCategory::Conversation(category), false)
}

pub fn per_message_2025(category: Category, w: &WindowState) -> Decision {
    if w.entry_window.is_some() {
        return free(PricingType::FreeEntryPoint, category, Rule::EntryPoint);
    }
    let in_service_window = w.service_window.is_some();
    match category {
        // Non-template messages are free (Meta only lets them through
        // inside a window; `validate` flags those that were not).
        Category::Service => free(
            PricingType::FreeCustomerService,
            category,
            Rule::FreeInServiceWindow,
        ),
        Category::Utility if in_service_window => free(
            PricingType::FreeCustomerService,
            category,
            Rule::FreeInServiceWindow,
        ),
        _ => charge(RateCategory::Of(category), tiered(category)),
    }
}

pub fn per_message_2026_10(category: Category, w: &WindowState) -> Decision {
    if w.entry_window.is_some() {
        return free(PricingType::FreeEntryPoint, category, Rule::EntryPoint);
    }
    match category {
        // Counted against the monthly allowance; the engine charges the
        // utility rate past it, without tiers.
        Category::Service => free(PricingType::FreeTier, Category::Utility, Rule::Allowance),
        Category::Utility if w.service_window.is_some() => Decision {
            rule: Rule::UtilityChargedInWindow,
            ..charge(RateCategory::Of(category), true)
        },
        _ => charge(RateCategory::Of(category), tiered(category)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Instant, Span, Window};

    fn state(service: bool, entry: bool) -> WindowState {
        let w = Window::starting(Instant::from_micros(0), Span::from_micros(1));
        WindowState {
            service_window: service.then_some(w),
            last_inbound: service.then_some(w.start),
            entry_window: entry.then_some(w),
            opened_entry_window: false,
        }
    }

    fn ty(model: Model, c: Category, service: bool, entry: bool) -> PricingType {
        decide(model, c, &state(service, entry)).pricing_type
    }

    use Category::*;
    use PricingType::*;

    #[test]
    fn per_message_2025() {
        let m = Model::PerMessage2025;
        assert_eq!(ty(m, Marketing, true, false), Regular);
        assert_eq!(ty(m, Authentication, true, false), Regular);
        assert_eq!(ty(m, Utility, true, false), FreeCustomerService);
        assert_eq!(ty(m, Utility, false, false), Regular);
        assert_eq!(ty(m, Service, true, false), FreeCustomerService);
        assert_eq!(ty(m, Marketing, false, true), FreeEntryPoint);
    }

    #[test]
    fn per_message_2026_10() {
        let m = Model::PerMessage2026_10;
        assert_eq!(ty(m, Utility, true, false), Regular);
        assert_eq!(ty(m, Service, true, false), FreeTier);
        assert_eq!(ty(m, Service, true, true), FreeEntryPoint);
        assert_eq!(ty(m, Marketing, true, true), FreeEntryPoint);
        let service = decide(m, Service, &state(true, false));
        assert_eq!(service.rate_category, RateCategory::Of(Utility));
        assert!(!service.tiered);
    }

    #[test]
    fn template_2018_ignores_category_and_entry_points() {
        let m = Model::Template2018;
        assert_eq!(ty(m, Marketing, true, false), FreeCustomerService);
        assert_eq!(ty(m, Service, false, false), Regular);
        assert_eq!(
            decide(m, Utility, &state(false, false)).rate_category,
            RateCategory::Any
        );
    }
}
