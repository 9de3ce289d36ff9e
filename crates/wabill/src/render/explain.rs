//! Plain sentences saying why a message was charged what it was. Facts come
//! from the decision in `Priced` (the rule, the windows as intervals with
//! their bounds and length, the allowance and the count against it, the
//! rate and its source); the run's `PricingContext` gives only what a
//! customer message opens (window lengths) and the currency and market
//! names. Nothing is recomputed or restated here, so a configured
//! `--service-window-hours` can never disagree with the text
//! (docs/pricing-rules.md).

use crate::model::{Category, Direction, Instant, Message, Span, Window};
use crate::pricing::{
    ConversationRef, ConversationType, Priced, PricingContext, PricingType, RateSource, Rule,
    SERVICE_FREE_FROM, Unpriced,
};
use crate::render::group_digits;

/// "26 h", "23 h 59 min", "15 min".
pub fn duration(span: Span) -> String {
    let minutes = span.as_micros() / 60_000_000;
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

pub fn time(at: Instant) -> String {
    at.readable()
}

fn what(category: Category) -> &'static str {
    match category {
        Category::Service => "service (free-form) message",
        Category::Marketing => "marketing template",
        Category::Utility => "utility template",
        Category::Authentication => "authentication template",
        Category::AuthenticationInternational => "authentication-international template",
        Category::GeneralPurposeAi => "AI Provider (general_purpose_ai) message",
        Category::BusinessAgent => "Meta Business Agent message",
        Category::MarketingLite => "marketing template (Marketing Messages Lite)",
        Category::ReferralConversion => "message in a free entry point conversation",
    }
}

/// Where the message stands against the customer's last message.
fn since_customer(m: &Message, p: &Priced<'_>) -> String {
    match p.windows.and_then(|w| w.service_window) {
        Some(w) => format!(
            "sent {} after the customer's last message, inside the {} customer service window \
             (open until {})",
            duration(m.at - w.start),
            duration(w.len()),
            time(w.end)
        ),
        None => "sent outside any customer service window".to_string(),
    }
}

fn charge(p: &Priced<'_>, ctx: &PricingContext) -> String {
    let currency = ctx.currency.as_str();
    let category = match (p.pricing_category, p.conversation) {
        (Some(c), None) => c.to_string(),
        (Some(c), Some(_)) => format!("{c} conversation"),
        (None, Some(r)) => format!("{} conversation", r.conversation.kind),
        (None, None) => String::new(),
    };
    let rate = p.rate.map_or("?".into(), |r| r.to_string());
    let source = match p.rate_source {
        Some(RateSource::TierBand { label }) => format!(
            "volume tier for message {} of the month ({label})",
            p.counted_as.unwrap_or(0)
        ),
        Some(source) => format!("card {}", source.label()),
        None => "no card".into(),
    };
    format!(
        "{} {category} rate {rate} {currency}, {source}",
        ctx.markets.name(p.market)
    )
}

pub fn sentence(
    m: &Message,
    result: &Result<Priced<'_>, Unpriced>,
    ctx: &PricingContext,
) -> String {
    let p = match result {
        Ok(p) => p,
        Err(e) => return format!("cannot be priced: {e}."),
    };
    let w = ctx.windows.on(p.local_date);
    let service = duration(w.service_window);
    let reply = duration(w.entry_point_reply);
    // Set on every decision counted against an allowance.
    let allowance = group_digits(p.allowance.unwrap_or_default());
    let category = match m.category.filter(|_| m.direction == Direction::Out) {
        Some(c) if p.pricing_type != PricingType::Call => c,
        _ => return not_a_charge(m, p, &w, &service, &reply),
    };
    let kind = what(category);
    if let Some(r) = p.conversation {
        return conversation(kind, p, &r, ctx);
    }
    let entry = p.windows.and_then(|w| w.entry_window);
    match p.pricing_type {
        PricingType::Inbound => "customer message.".into(),
        // Answered above; kept for exhaustiveness.
        PricingType::Call => "call.".into(),
        PricingType::FreeGroupCustomerService => {
            format!("{kind} to a group whose customer service window a participant opened: free.")
        }
        PricingType::FreeBeforeBilling => {
            format!("{kind} before Meta bills Business Agent tokens (2026-08-01): free.")
        }
        PricingType::NotDelivered => {
            format!("{kind} not delivered (status failed): never charged, opens nothing.")
        }
        PricingType::FreeEntryPoint => {
            match (entry, p.windows.is_some_and(|w| w.opened_entry_window)) {
                (Some(Window { end, .. }), true) => format!(
                    "{kind}: the first reply within {reply} to a customer who came from an ad or Page button: free, \
                 and it opens a free entry point window until {}.",
                    time(end)
                ),
                (Some(Window { end, .. }), _) => format!(
                    "{kind} inside the free entry point window (open until {}): free.",
                    time(end)
                ),
                (None, _) => format!("{kind}: free entry point."),
            }
        }
        PricingType::FreeCustomerService if p.rule == Some(Rule::AnyInServiceWindow) => format!(
            "{kind} {}: free under the 2018 model.",
            since_customer(m, p)
        ),
        PricingType::FreeCustomerService => {
            format!("{kind} {}: free.", since_customer(m, p))
        }
        // Without a conversation (see `conversation`), nothing is "in" one.
        PricingType::InConversation => format!("{kind}: part of an earlier conversation, free."),
        PricingType::FreeTier if p.note == Some(crate::pricing::PAID_EXEMPT_FLAGGED) => format!(
            "{kind} number {} this month for this business number: Meta flagged it exempt \
             (pricing.subtype paid_exempt: a government or non-profit business's service \
             message past the {allowance} free): free.",
            p.counted_as.unwrap_or(0)
        ),
        PricingType::FreeTier if p.note == Some(crate::pricing::PAID_EXEMPT) => format!(
            "{kind} number {} this month for this business number: past the {allowance} free, \
             exempt (government or non-profit business in --businesses, until 2027-12-31): free.",
            p.counted_as.unwrap_or(0)
        ),
        PricingType::FreeTier => format!(
            "{kind} number {} this month for this business number: within the {allowance} free service messages.",
            p.counted_as.unwrap_or(0)
        ),
        PricingType::Regular => charged(m, p, ctx, kind, category, &service, &allowance),
    }
}

/// A call, a failed message without a category, or the customer's own
/// message: what it opens.
fn not_a_charge(
    m: &Message,
    p: &Priced<'_>,
    w: &crate::pricing::WindowRules,
    service: &str,
    reply: &str,
) -> String {
    if p.pricing_type == PricingType::Call {
        return if m.direction == Direction::In || m.status.is_delivered() {
            format!(
                "call: opens (or restarts) the {service} customer service window (the customer \
                 called, or accepted the business's call)."
            )
        } else {
            "business call the customer did not accept: opens nothing.".into()
        };
    }
    if m.direction == Direction::Out {
        return "message not delivered (status failed, no category): never charged, opens nothing."
            .into();
    }
    if m.entry_point {
        return format!(
            "customer message from an ad or Page button: opens (or restarts) the {service} \
             customer service window; a reply within {reply} opens a {} free entry point window.",
            duration(w.entry_point_window)
        );
    }
    format!("customer message: opens (or restarts) the {service} customer service window.")
}

/// Why a charged message is charged, and what it costs.
fn charged(
    m: &Message,
    p: &Priced<'_>,
    ctx: &PricingContext,
    kind: &str,
    category: Category,
    service: &str,
    allowance: &str,
) -> String {
    let reason = match (p.rule, category) {
        // Also an AI Provider's service message, priced as one.
        _ if p.pricing_category == Some(Category::GeneralPurposeAi) => format!(
            "{kind}: an AI Provider's non-template message, charged per delivery in this market"
        ),
        (_, Category::BusinessAgent) => format!(
            "{kind}: {} tokens{}, charged per token even inside a window",
            p.tokens.unwrap_or(0),
            if p.estimated { " (estimated)" } else { "" }
        ),
        (Some(Rule::Allowance), _) => format!(
            "service message number {} this month for this business number: past the {allowance} free, \
             charged at the utility rate",
            p.counted_as.unwrap_or(0)
        ),
        (
            _,
            Category::Marketing | Category::Authentication | Category::AuthenticationInternational,
        ) if p.windows.and_then(|w| w.service_window).is_some() => {
            format!(
                "{kind} {}, where {kind}s are still charged",
                since_customer(m, p)
            )
        }
        (Some(Rule::UtilityChargedInWindow), _) => format!(
            "{kind} {}, charged since the rules of {}",
            since_customer(m, p),
            p.model.and_then(|m| m.facts().from).unwrap_or_default()
        ),
        _ => match p.windows.and_then(|w| w.last_inbound) {
            Some(t) => format!(
                "{kind} sent {} after the customer's last message: outside the customer service window",
                duration(m.at - t)
            ),
            None => format!(
                "{kind} with no customer message in the previous {service}: outside the customer service window"
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
    format!("{reason}{intl}; {}.", charge(p, ctx))
}

/// Conversation models: which conversation the message opened or joined,
/// and what that conversation cost.
fn conversation(kind: &str, p: &Priced<'_>, r: &ConversationRef, ctx: &PricingContext) -> String {
    let c = &r.conversation;
    let name = match c.kind {
        ConversationType::FreeEntryPoint => "free entry point".to_string(),
        ConversationType::UserInitiated => "user-initiated".to_string(),
        ConversationType::BusinessInitiated => "business-initiated".to_string(),
        k => k.to_string(),
    };
    if !r.opened {
        if p.model.is_some_and(|m| !m.is_conversation()) {
            return format!(
                "{kind} inside utility conversation #{} opened before per-message pricing began \
                 (open until {}): free, part of that conversation.",
                c.id,
                time(c.span.end)
            );
        }
        return format!(
            "{kind} inside {name} conversation #{} (opened {}, open until {}): no further charge.",
            c.id,
            time(c.span.start),
            time(c.span.end)
        );
    }
    let opens = format!(
        "opens {name} conversation #{} until {}",
        c.id,
        time(c.span.end)
    );
    let why = match c.kind {
        ConversationType::FreeEntryPoint => {
            return format!(
                "{kind}: the first reply within {} to a customer who came from an ad or Page \
                 button: {opens}, closing any other open conversation; everything in it is free.",
                duration(ctx.windows.entry_point_reply)
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
    // Conversation models have their own monthly allowance.
    let allowance = group_digits(p.allowance.unwrap_or_default());
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
            "{why}: {opens}; number {n} this month for this business: within the {allowance} free {which}."
        ),
        PricingType::Regular if p.counted_as.is_some() => format!(
            "{why}: {opens}; number {n} this month for this business: past the {allowance} free {which}; \
             charged once, {}.",
            charge(p, ctx)
        ),
        _ => format!(
            "{why}: {opens}; charged once for everything in it, {}.",
            charge(p, ctx)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        let minute = Span::from_micros(60_000_000);
        assert_eq!(duration(Span::hours(26)), "26 h");
        assert_eq!(duration(Span::hours(23) + 59 * minute), "23 h 59 min");
        assert_eq!(duration(15 * minute), "15 min");
    }
}
