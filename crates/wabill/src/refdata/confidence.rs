//! How far to trust each built-in value (`data/cards/confidence.csv`): per
//! card, with per market × category exceptions. User cards carry none.

use serde::Deserialize;

use super::csvfile::read_rows;

#[derive(Deserialize)]
struct Row {
    card: String,
    market: String,
    category: String,
    confidence: String,
}

pub struct Confidence {
    rows: Vec<Row>,
}

impl Confidence {
    pub fn builtin() -> Self {
        let rows = read_rows::<Row>("confidence.csv", super::builtin::CONFIDENCE)
            .expect("the built-in confidence table is valid");
        Confidence {
            rows: rows.into_iter().map(|(_, r)| r).collect(),
        }
    }

    /// The confidence of a built-in cell: `card` is its file name, e.g.
    /// `rates-2026-07-01-usd.csv`. The most specific row wins.
    pub fn of(&self, card: &str, market: &str, category: &str) -> Option<&str> {
        self.rows
            .iter()
            .filter(|r| r.card == card)
            .filter(|r| r.market == "*" || r.market == market)
            .filter(|r| r.category == "*" || r.category == category)
            .max_by_key(|r| (r.market != "*", r.category != "*"))
            .map(|r| r.confidence.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_specific_row_wins() {
        let c = Confidence::builtin();
        let july = "rates-2026-07-01-usd.csv";
        assert_eq!(c.of(july, "Qatar", "utility"), Some("medium-high"));
        assert_eq!(c.of(july, "Poland", "utility"), Some("medium"));
        let oct = "rates-2026-10-01-usd.csv";
        assert_eq!(
            c.of(oct, "Kazakhstan", "authentication_international"),
            Some("medium")
        );
        assert_eq!(c.of(oct, "Kazakhstan", "utility"), Some("medium-high"));
        assert_eq!(
            c.of("rates-2026-01-01-usd.csv", "India", "utility"),
            Some("high")
        );
        assert_eq!(c.of("user.csv", "India", "utility"), None);
    }

    #[test]
    fn every_built_in_card_has_a_confidence() {
        let c = Confidence::builtin();
        let cards = super::super::builtin::PER_MESSAGE_CARDS
            .iter()
            .chain(super::super::builtin::CONVERSATION_CARDS)
            .chain(super::super::builtin::TIERS);
        for (name, _) in cards {
            let file = name.trim_start_matches("built-in ");
            assert!(c.of(file, "Any", "any").is_some(), "{file}");
        }
    }
}
