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
}

pub fn decide(model: Model, category: Category, w: &WindowState) -> Decision {
    // Meta's own names for marketing (Lite API) and entry point messages
    // follow the rules of the category they are priced as.
    let category = category.priced_as();
    let charge = |rate_category, tiered| Decision {
        pricing_type: PricingType::Regular,
        rate_category,
        tiered,
    };
    let free = |pricing_type| Decision {
        pricing_type,
        rate_category: RateCategory::Of(category),
        tiered: false,
    };
    let in_service_window = w.service_since.is_some();
    let tiered = matches!(
        category,
        Category::Utility | Category::Authentication | Category::AuthenticationInternational
    );
    match model {
        // 2018: one rate per country for anything outside the window.
        Model::Template2018 if in_service_window => free(PricingType::FreeCustomerService),
        Model::Template2018 => charge(RateCategory::Any, false),
        _ if w.entry_window.is_some() => free(PricingType::FreeEntryPoint),
        Model::PerMessage2025 => match category {
            // Non-template messages are free (Meta only lets them through
            // inside a window; `validate` flags those that were not).
            Category::Service => free(PricingType::FreeCustomerService),
            Category::Utility if in_service_window => free(PricingType::FreeCustomerService),
            _ => charge(RateCategory::Of(category), tiered),
        },
        // Conversation models price conversations, not messages: the engine
        // routes them through `conversation.rs` and never asks here. What a
        // charge would be is the conversation of the message's category.
        Model::Conversation2022 | Model::Conversation2023 => {
            charge(RateCategory::Conversation(category), false)
        }
        Model::PerMessage2026_10 => match category {
            // Counted against the monthly allowance; the engine charges the
            // utility rate past it, without tiers.
            Category::Service => Decision {
                pricing_type: PricingType::FreeTier,
                rate_category: RateCategory::Of(Category::Utility),
                tiered: false,
            },
            _ => charge(RateCategory::Of(category), tiered),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(service: bool, entry: bool) -> WindowState {
        WindowState {
            service_since: service.then_some(0),
            last_inbound: service.then_some(0),
            entry_window: entry.then_some((0, 1)),
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
