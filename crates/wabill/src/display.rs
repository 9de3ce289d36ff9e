//! How numbers, amounts and counts are written: the display scale of
//! amounts, percentages, thousands separators and plurals. A leaf module
//! (it imports nothing of the crate), so every layer may use it — `report`,
//! `forecast` and `reconcile` name its serde helpers for their amounts —
//! without an import cycle through `render`, which lays reports out with it.
//! Machine formats print plain decimals; only people's get separators.
//!
//! Amounts are exact at their natural scale everywhere before this point
//! (a sum of four-place card rates has four places, an FX product more, a
//! provider's `0.01` two); [`shown`] is the one place that decides how
//! many places an amount is written with, in every format (table, CSV,
//! Markdown, HTML, charts' labels, explain and JSON through [`json`]).

use rust_decimal::{Decimal, RoundingStrategy};

/// Places every amount shows at least: the cards' four.
pub const DISPLAY_PLACES: u32 = 4;

/// An amount at the display scale: at least four places (`0` → `0.0000`,
/// `0.01` → `0.0100`), and the digits an exact amount has beyond them kept
/// (`0.02175`), without trailing zeros past the fourth place (`0.021750` →
/// `0.02175`). Only places are added or dropped zeros removed, so the value
/// is the same: the rulebook rounds nothing (docs/pricing-rules.md §10).
pub fn shown(d: Decimal) -> Decimal {
    let mut d = d.normalize();
    if d.scale() < DISPLAY_PLACES {
        d.rescale(DISPLAY_PLACES);
    }
    d
}

/// A percentage as reports show it: one place, half away from zero
/// (`2.46` → `2.5`, `3` → `3.0`).
pub fn shown_percent(p: Decimal) -> Decimal {
    let mut p = p.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero);
    p.rescale(1);
    p
}

/// Serde helpers writing amounts as [`shown`] strings, the one way JSON
/// writes money: the grid's cells (`render::json`) and the serde sections
/// (`#[serde(serialize_with = "crate::display::json::amount")]`).
/// Strings, so that no JSON reader rounds them; reading back (`merge`)
/// takes any scale.
pub mod json {
    use std::collections::BTreeMap;

    use rust_decimal::Decimal;
    use serde::Serializer;
    use serde::ser::SerializeMap;

    pub fn amount<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&super::shown(*d))
    }

    pub fn optional<S: Serializer>(d: &Option<Decimal>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => amount(d, s),
            None => s.serialize_none(),
        }
    }

    /// A map of amounts by name (`cost_by_category`).
    pub fn by_key<S: Serializer>(m: &BTreeMap<String, Decimal>, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(m.len()))?;
        for (k, d) in m {
            map.serialize_entry(k, &super::shown(*d).to_string())?;
        }
        map.end()
    }
}

/// "1 message", "2 messages".
pub fn plural(n: u64, noun: &str) -> String {
    format!("{n} {}", nouns(n, noun))
}

/// The noun for a count of `n`: "message" for 1, "messages" otherwise
/// (for counts printed some other way, such as with grouped digits).
pub fn nouns(n: u64, noun: &str) -> String {
    if n == 1 {
        noun.to_string()
    } else {
        format!("{noun}s")
    }
}

/// A count with grouped digits and its noun: "1 message", "1,200 messages".
pub fn counted(n: u64, noun: &str) -> String {
    format!("{} {}", group_digits(n), nouns(n, noun))
}

/// A count and the noun's own singular or plural, for nouns that do not
/// take an `s` ("1 rejected row", "2 statuses without a message").
pub fn plural_of(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

pub fn group_digits(n: u64) -> String {
    group_str(&n.to_string())
}

fn group_str(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// An exact amount at the display scale with thousands separators in its
/// integer part.
pub fn money(d: Decimal) -> String {
    grouped(shown(d))
}

/// A percentage at one place with an explicit `+` when positive (`+2.5%`).
pub fn signed_percent(p: Decimal) -> String {
    signed(shown_percent(p), grouped) + "%"
}

/// `d` as written, with thousands separators in its integer part.
fn grouped(d: Decimal) -> String {
    let s = d.to_string();
    let (sign, body) = s.strip_prefix('-').map_or(("", s.as_str()), |b| ("-", b));
    let (int, frac) = body
        .split_once('.')
        .map_or((body, None), |(i, f)| (i, Some(f)));
    match frac {
        Some(f) => format!("{sign}{}.{f}", group_str(int)),
        None => format!("{sign}{}", group_str(int)),
    }
}

/// An amount with an explicit `+` when positive (differences).
pub fn signed_money(d: Decimal) -> String {
    signed(d, money)
}

fn signed(d: Decimal, text: fn(Decimal) -> String) -> String {
    if d.is_sign_positive() && !d.is_zero() {
        format!("+{}", text(d))
    } else {
        text(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn plurals() {
        assert_eq!(plural(0, "cell"), "0 cells");
        assert_eq!(plural(1, "cell"), "1 cell");
        assert_eq!(plural(2, "cell"), "2 cells");
        assert_eq!(nouns(1, "row"), "row");
        assert_eq!(nouns(1000, "row"), "rows");
        assert_eq!(counted(1, "message"), "1 message");
        assert_eq!(counted(1200, "message"), "1,200 messages");
        assert_eq!(plural_of(1, "box", "boxes"), "1 box");
        assert_eq!(plural_of(3, "box", "boxes"), "3 boxes");
    }

    #[test]
    fn separators() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(1234567), "1,234,567");
        assert_eq!(money(dec!(1234567.0125)), "1,234,567.0125");
        assert_eq!(money(dec!(-1000)), "-1,000.0000");
        assert_eq!(money(dec!(0.0000)), "0.0000");
    }

    #[test]
    fn amounts_show_at_least_four_places_and_every_digit_they_have() {
        let cases = [
            (dec!(0), "0.0000"),
            (dec!(0.01), "0.0100"),
            (dec!(12), "12.0000"),
            (dec!(0.0250), "0.0250"),
            (dec!(0.021750), "0.02175"),
            (dec!(0.000001), "0.000001"),
            (dec!(-0.5), "-0.5000"),
            (dec!(1.1000000000), "1.1000"),
        ];
        for (d, text) in cases {
            assert_eq!(shown(d).to_string(), text, "{d}");
            assert_eq!(shown(d), d, "the value is kept: {d}");
        }
        assert_eq!(signed_money(dec!(0.01)), "+0.0100");
        assert_eq!(signed_money(dec!(0)), "0.0000");
        assert_eq!(signed_percent(dec!(12.25)), "+12.3%");
    }

    #[test]
    fn json_writes_amounts_as_shown_strings() {
        #[derive(serde::Serialize)]
        struct Row {
            #[serde(serialize_with = "json::amount")]
            cost: Decimal,
            #[serde(serialize_with = "json::optional")]
            difference: Option<Decimal>,
            #[serde(serialize_with = "json::optional")]
            missing: Option<Decimal>,
            #[serde(serialize_with = "json::by_key")]
            by: std::collections::BTreeMap<String, Decimal>,
        }
        let row = Row {
            cost: dec!(0.01),
            difference: Some(dec!(-0.021750)),
            missing: None,
            by: [("a".to_string(), dec!(0))].into(),
        };
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"{"cost":"0.0100","difference":"-0.02175","missing":null,"by":{"a":"0.0000"}}"#
        );
    }
}

/// Text with its control characters (ESC and the rest of C0 but line
/// feed and tab, DEL, C1) written as `\u{1b}` escapes, so that a file name
/// or value from the input cannot drive the terminal it is printed on.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod printable_tests {
    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            super::printable("a\u{1b}]0;x\u{7}b\n"),
            "a\\u{1b}]0;x\\u{7}b\n"
        );
        assert_eq!(
            super::printable("\u{9b}31m\u{7f}\r"),
            "\\u{9b}31m\\u{7f}\\u{d}"
        );
        assert_eq!(super::printable("plain\ttext"), "plain\ttext");
    }
}
