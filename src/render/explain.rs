//! Plain sentences saying why a message was charged what it was. Facts come
//! from `Priced`; nothing is recomputed here.

use crate::model::{Category, Direction, Message, Millis};
use crate::pricing::{
    ConversationRef, ConversationType, Model, Priced, PricingType, SERVICE_FREE_FROM, Unpriced,
};
use crate::refdata::markets::MarketTable;

/// "26 h", "23 h 59 min", "15 min".
pub fn duration(ms: Millis) -> String {
    let minutes = ms / 60_000;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

pub fn time(ms: Millis) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(
        |_| ms.to_string(),
        |t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
}

fn what(category: Category) -> &'static str {
    match category {
        Category::Service => "service (free-form) message",
        Category::Marketing => "marketing template",
        Category::Utility => "utility template",
        Category::Authentication => "authentication template",
        Category::AuthenticationInternational => "authentication-international template",
        Category::MarketingLite => "marketing template (Marketing Messages Lite)",
        Category::ReferralConversion => "message in a free entry point conversation",
    }
}

/// Where the message stands against the customer's last message.
fn since_customer(m: &Message, p: &Priced<'_>) -> String {
    match p.windows.and_then(|w| w.service_since) {
        Some(t) => format!(
            "sent {} after the customer's last message, inside the customer service window",
            duration(m.at - t)
        ),
        None => "sent outside any customer service window".to_string(),
    }
}

fn charge(p: &Priced<'_>, markets: &MarketTable, currency: &str) -> String {
    let category = match (p.pricing_category, p.conversation) {
        (Some(c), None) => c.to_string(),
        (Some(c), Some(_)) => format!("{c} conversation"),
        (None, Some(r)) => format!("{} conversation", r.conversation.kind),
        (None, None) => String::new(),
    };
    let rate = p.rate.map_or("?".into(), |r| r.to_string());
    let source = match p.rate_source {
        Some("tiers") => format!(
            "volume tier for message {} of the month",
            p.counted_as.unwrap_or(0)
        ),
        Some(card) => format!("card {card}"),
        None => "no card".into(),
    };
    format!(
        "{} {category} rate {rate} {currency}, {source}",
        markets.name(p.market)
    )
}

pub fn sentence(
    m: &Message,
    result: &Result<Priced<'_>, Unpriced>,
    markets: &MarketTable,
    currency: &str,
) -> String {
    let p = match result {
        Ok(p) => p,
        Err(e) => return format!("cannot be priced: {e}."),
    };
    if m.direction == Direction::Out && m.category.is_none() {
        return "message not delivered (status failed, no category): never charged, opens nothing."
            .into();
    }
    let Some(category) = m.category.filter(|_| m.direction == Direction::Out) else {
        if m.entry_point {
            return "customer message from an ad or Page button: opens (or restarts) the 24 h customer service \
                    window; a reply within 24 h opens a 72 h free entry point window."
                .into();
        }
        return "customer message: opens (or restarts) the 24 h customer service window.".into();
    };
    let kind = what(category);
    if let Some(r) = p.conversation {
        return conversation(kind, p, &r, markets, currency);
    }
    let entry = p.windows.and_then(|w| w.entry_window);
    match p.pricing_type {
        PricingType::Inbound => "customer message.".into(),
        PricingType::NotDelivered => {
            format!("{kind} not delivered (status failed): never charged, opens nothing.")
        }
        PricingType::FreeEntryPoint => {
            match (entry, p.windows.is_some_and(|w| w.opened_entry_window)) {
                (Some((_, end)), true) => format!(
                    "{kind}: the first reply within 24 h to a customer who came from an ad or Page button: free, \
                 and it opens a free entry point window until {}.",
                    time(end)
                ),
                (Some((_, end)), _) => format!(
                    "{kind} inside the free entry point window (open until {}): free.",
                    time(end)
                ),
                (None, _) => format!("{kind}: free entry point."),
            }
        }
        PricingType::FreeCustomerService if p.model == Some(Model::Template2018) => format!(
            "{kind} {}: free under the 2018 model.",
            since_customer(m, p)
        ),
        PricingType::FreeCustomerService => {
            format!("{kind} {}: free.", since_customer(m, p))
        }
        // Without a conversation (see `conversation`), nothing is "in" one.
        PricingType::InConversation => format!("{kind}: part of an earlier conversation, free."),
        PricingType::FreeTier => format!(
            "{kind} number {} this month for this business number: within the 1,000 free service messages.",
            p.counted_as.unwrap_or(0)
        ),
        PricingType::Regular => {
            let reason = match (p.model, category) {
                (Some(Model::PerMessage2026_10), Category::Service) => format!(
                    "service message number {} this month for this business number: past the 1,000 free, \
                     charged at the utility rate",
                    p.counted_as.unwrap_or(0)
                ),
                (
                    _,
                    Category::Marketing
                    | Category::Authentication
                    | Category::AuthenticationInternational,
                ) if p.windows.and_then(|w| w.service_since).is_some() => {
                    format!(
                        "{kind} {}, where {kind}s are still charged",
                        since_customer(m, p)
                    )
                }
                (Some(Model::PerMessage2026_10), Category::Utility)
                    if p.windows.and_then(|w| w.service_since).is_some() =>
                {
                    format!(
                        "{kind} {}, charged since the rules of 2026-10-01",
                        since_customer(m, p)
                    )
                }
                _ => match p.windows.and_then(|w| w.last_inbound) {
                    Some(t) => format!(
                        "{kind} sent {} after the customer's last message: outside the customer service window",
                        duration(m.at - t)
                    ),
                    None => format!(
                        "{kind} with no customer message in the previous 24 h: outside the customer service window"
                    ),
                },
            };
            let intl = if p.pricing_category == Some(Category::AuthenticationInternational)
                && category == Category::Authentication
            {
                " (business based in another country: authentication-international)"
            } else {
                ""
            };
            format!("{reason}{intl}; {}.", charge(p, markets, currency))
        }
    }
}

/// Conversation models: which conversation the message opened or joined,
/// and what that conversation cost.
fn conversation(
    kind: &str,
    p: &Priced<'_>,
    r: &ConversationRef,
    markets: &MarketTable,
    currency: &str,
) -> String {
    let c = &r.conversation;
    let name = match c.kind {
        ConversationType::FreeEntryPoint => "free entry point".to_string(),
        ConversationType::UserInitiated => "user-initiated".to_string(),
        ConversationType::BusinessInitiated => "business-initiated".to_string(),
        k => k.to_string(),
    };
    if !r.opened {
        if matches!(
            p.model,
            Some(Model::PerMessage2025 | Model::PerMessage2026_10)
        ) {
            return format!(
                "{kind} inside utility conversation #{} opened before per-message pricing began \
                 (open until {}): free, part of that conversation.",
                c.id,
                time(c.end)
            );
        }
        return format!(
            "{kind} inside {name} conversation #{} (opened {}, open until {}): no further charge.",
            c.id,
            time(c.start),
            time(c.end)
        );
    }
    let opens = format!("opens {name} conversation #{} until {}", c.id, time(c.end));
    let why = match c.kind {
        ConversationType::FreeEntryPoint => {
            return format!(
                "{kind}: the first reply within 24 h to a customer who came from an ad or Page \
                 button: {opens}, closing any other open conversation; everything in it is free."
            );
        }
        ConversationType::UserInitiated => {
            format!("{kind} inside the customer service window and no conversation open")
        }
        ConversationType::BusinessInitiated => {
            format!("{kind} outside any customer service window and no conversation open")
        }
        ConversationType::Service => format!("{kind} with no conversation of any category open"),
        _ => format!("{kind} with no {name} conversation open"),
    };
    let n = p.counted_as.unwrap_or(0);
    let which = if c.kind == ConversationType::Service {
        "service conversations"
    } else {
        "conversations"
    };
    match p.pricing_type {
        PricingType::FreeCustomerService => {
            format!("{why}: {opens}; service conversations are free from {SERVICE_FREE_FROM}.")
        }
        PricingType::FreeTier => format!(
            "{why}: {opens}; number {n} this month for this business: within the 1,000 free {which}."
        ),
        PricingType::Regular if p.counted_as.is_some() => format!(
            "{why}: {opens}; number {n} this month for this business: past the 1,000 free {which}; \
             charged once, {}.",
            charge(p, markets, currency)
        ),
        _ => format!(
            "{why}: {opens}; charged once for everything in it, {}.",
            charge(p, markets, currency)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(26 * 3_600_000), "26 h");
        assert_eq!(duration(23 * 3_600_000 + 59 * 60_000), "23 h 59 min");
        assert_eq!(duration(15 * 60_000), "15 min");
    }
}
