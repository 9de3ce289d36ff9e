use std::fmt;
use std::str::FromStr;

/// The category of an outbound message, as the log states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Marketing,
    Utility,
    Authentication,
    AuthenticationInternational,
    /// A free-form (non-template) reply.
    Service,
    /// A non-template message from an AI Provider (Meta's
    /// `general_purpose_ai`, analytics `AI_BOT`), charged per delivery.
    GeneralPurposeAi,
    /// A Meta Business Agent reply, charged per token (from 2026-08-01).
    BusinessAgent,
    /// Sent through the Marketing Messages Lite API: priced at the
    /// marketing rate, reported apart.
    MarketingLite,
    /// Meta's name for a message in a free entry point conversation (its
    /// `conversation.origin.type`); priced like a non-template message.
    ReferralConversion,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Marketing,
        Category::Utility,
        Category::Authentication,
        Category::AuthenticationInternational,
        Category::Service,
    ];

    /// Every category, the 2026 lines after `ALL` (the categories a
    /// rate card lists per market).
    pub const EVERY: [Category; 7] = [
        Category::Marketing,
        Category::Utility,
        Category::Authentication,
        Category::AuthenticationInternational,
        Category::Service,
        Category::GeneralPurposeAi,
        Category::BusinessAgent,
    ];

    /// Categories a log may give beyond the card columns (`EVERY`).
    pub const LOG_ONLY: [Category; 2] = [Category::MarketingLite, Category::ReferralConversion];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::MarketingLite => "marketing_lite",
            Category::ReferralConversion => "referral_conversion",
            Category::Marketing => "marketing",
            Category::Utility => "utility",
            Category::Authentication => "authentication",
            Category::AuthenticationInternational => "authentication_international",
            Category::Service => "service",
            Category::GeneralPurposeAi => "general_purpose_ai",
            Category::BusinessAgent => "business_agent",
        }
    }

    /// Templates are everything but service; only templates may be sent
    /// outside a customer service window.
    pub fn is_template(self) -> bool {
        !matches!(
            self,
            Category::Service
                | Category::ReferralConversion
                | Category::GeneralPurposeAi
                | Category::BusinessAgent
        )
    }

    /// The category whose rules and rates price a message of this one.
    pub fn priced_as(self) -> Category {
        match self {
            Category::MarketingLite => Category::Marketing,
            Category::ReferralConversion => Category::Service,
            c => c,
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let s = s.trim();
        // The other names Meta gives the same lines (analytics, the hyphen
        // spelling in the status reference).
        let aliases = [
            (
                "authentication-international",
                Category::AuthenticationInternational,
            ),
            ("ai_bot", Category::GeneralPurposeAi),
            ("meta_business_agent", Category::BusinessAgent),
        ];
        Category::EVERY
            .into_iter()
            .chain(Category::LOG_ONLY)
            .map(|c| (c.as_str(), c))
            .chain(aliases)
            .find(|(name, _)| name.eq_ignore_ascii_case(s))
            .map(|(_, c)| c)
            .ok_or(())
    }
}

/// A column of a rate card: a message category, `any` for cards that
/// price every template alike (the 2018 model), or a conversation column
/// (per 24 h conversation, February 2022 – June 2025).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RateCategory {
    Of(Category),
    Any,
    /// Per conversation of a category (conversation-2023 cards).
    Conversation(Category),
    /// Per conversation the customer started (conversation-2022 cards).
    UserInitiated,
    /// Per conversation the business started with a template
    /// (conversation-2022 cards).
    BusinessInitiated,
}

impl RateCategory {
    /// Whether the rate is per conversation rather than per message.
    pub fn per_conversation(self) -> bool {
        !matches!(self, RateCategory::Of(_) | RateCategory::Any)
    }

    /// The message category behind the column, if it has one.
    pub fn category(self) -> Option<Category> {
        match self {
            RateCategory::Of(c) | RateCategory::Conversation(c) => Some(c),
            _ => None,
        }
    }

    /// The same column per conversation (cards whose `unit` is conversation).
    pub fn to_conversation(self) -> Option<RateCategory> {
        match self {
            RateCategory::Of(c) => Some(RateCategory::Conversation(c)),
            RateCategory::Any => None,
            other => Some(other),
        }
    }

    /// The authentication-international column of the same unit, for an
    /// authentication column; `None` for every other column.
    /// The domestic column of an authentication-international one.
    pub fn domestic(self) -> Option<RateCategory> {
        match self {
            RateCategory::Of(Category::AuthenticationInternational) => {
                Some(RateCategory::Of(Category::Authentication))
            }
            RateCategory::Conversation(Category::AuthenticationInternational) => {
                Some(RateCategory::Conversation(Category::Authentication))
            }
            _ => None,
        }
    }

    pub fn international(self) -> Option<RateCategory> {
        match self {
            RateCategory::Of(Category::Authentication) => {
                Some(RateCategory::Of(Category::AuthenticationInternational))
            }
            RateCategory::Conversation(Category::Authentication) => Some(
                RateCategory::Conversation(Category::AuthenticationInternational),
            ),
            _ => None,
        }
    }
}

impl fmt::Display for RateCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RateCategory::Of(c) | RateCategory::Conversation(c) => c.fmt(f),
            RateCategory::Any => f.write_str("any"),
            RateCategory::UserInitiated => f.write_str("user_initiated"),
            RateCategory::BusinessInitiated => f.write_str("business_initiated"),
        }
    }
}

impl FromStr for RateCategory {
    type Err = ();

    /// Card text; a category name is per message until the card's `unit`
    /// says otherwise (`to_conversation`).
    fn from_str(s: &str) -> Result<Self, ()> {
        let s = s.trim();
        if s.is_empty() || s == "*" || s.eq_ignore_ascii_case("any") {
            return Ok(RateCategory::Any);
        }
        if s.eq_ignore_ascii_case("user_initiated") {
            return Ok(RateCategory::UserInitiated);
        }
        if s.eq_ignore_ascii_case("business_initiated") {
            return Ok(RateCategory::BusinessInitiated);
        }
        s.parse().map(RateCategory::Of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_category_case_insensitively() {
        for c in Category::ALL.into_iter().chain(Category::LOG_ONLY) {
            assert_eq!(c.as_str().to_uppercase().parse::<Category>(), Ok(c));
        }
        assert_eq!(
            "AUTHENTICATION-INTERNATIONAL".parse::<Category>(),
            Ok(Category::AuthenticationInternational)
        );
        assert_eq!(Category::MarketingLite.priced_as(), Category::Marketing);
        assert!(!Category::ReferralConversion.is_template());
        assert!("promo".parse::<Category>().is_err());
        assert_eq!("".parse::<RateCategory>(), Ok(RateCategory::Any));
        assert_eq!(
            "utility".parse::<RateCategory>(),
            Ok(RateCategory::Of(Category::Utility))
        );
        let bi = "Business_Initiated".parse::<RateCategory>();
        assert_eq!(bi, Ok(RateCategory::BusinessInitiated));
        assert!(RateCategory::BusinessInitiated.per_conversation());
        assert_eq!(
            RateCategory::Of(Category::Service).to_conversation(),
            Some(RateCategory::Conversation(Category::Service))
        );
        assert_eq!(RateCategory::Any.to_conversation(), None);
    }
}
