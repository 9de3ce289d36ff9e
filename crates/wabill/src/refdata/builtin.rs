//! The tables shipped in `data/`, compiled into the binary.

macro_rules! card {
    ($file:literal) => {
        (
            concat!("built-in ", $file),
            include_str!(concat!("../../../../data/cards/", $file)),
        )
    };
}

/// (name, CSV text) of each per-message rate card, oldest first.
pub const PER_MESSAGE_CARDS: &[(&str, &str)] = &[
    card!("rates-2025-07-01-usd.csv"),
    card!("rates-2025-10-01-usd.csv"),
    card!("rates-2026-01-01-usd.csv"),
    card!("rates-2026-04-01-usd.csv"),
    card!("rates-2026-07-01-usd.csv"),
    card!("rates-2026-07-01-eur.csv"),
    card!("rates-2026-07-01-brl.csv"),
    card!("rates-2026-07-01-mxn.csv"),
    card!("rates-2026-10-01-usd.csv"),
    card!("rates-2026-10-01-eur.csv"),
    card!("rates-2026-10-01-inr.csv"),
    card!("rates-2026-10-01-brl.csv"),
    card!("rates-2026-10-01-aed.csv"),
];

/// Currencies whose built-in cards list only some markets (Meta publishes
/// every currency's whole card; these rows are what the sources show).
pub const PARTIAL_CURRENCIES: &[&str] = &["AED", "BRL", "INR", "MXN"];

/// Conversation-based cards (per 24 h conversation), loaded under their own
/// rate columns because their unit differs. Nothing earlier is known.
pub const CONVERSATION_CARDS: &[(&str, &str)] = &[
    card!("rates-2024-11-01-usd-conversation.csv"),
    card!("rates-2025-02-01-usd-conversation.csv"),
    card!("rates-2025-04-01-usd-conversation.csv"),
];

/// The first date the built-in conversation cards cover; earlier
/// conversations need a user card.
pub const CONVERSATION_CARDS_FROM: jiff::civil::Date = jiff::civil::date(2024, 11, 1);

pub const MARKETS: (&str, &str) = (
    "built-in markets.csv",
    include_str!("../../../../data/markets.csv"),
);

/// Meta's volume-tier tables, each in force from its `effective_from`.
pub const TIERS: &[(&str, &str)] = &[
    card!("tiers-2026-04-01-usd.csv"),
    card!("tiers-2026-10-01-usd.csv"),
    card!("tiers-2026-10-01-brl.csv"),
];

/// How far to trust each built-in value (`data/cards/confidence.csv`).
pub const CONFIDENCE: &str = include_str!("../../../../data/cards/confidence.csv");

/// Number → country, generated from libphonenumber's metadata
/// (tests/numbering_plan.rs).
pub const NUMBERING_PLAN: (&str, &str) = (
    "built-in numbering-plan.csv",
    include_str!("../../../../data/numbering-plan.csv"),
);
