//! Number formatting for the human-facing views. Machine formats print plain
//! decimals; only tables get thousands separators.

use rust_decimal::Decimal;

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

/// An exact amount with thousands separators in its integer part.
pub fn money(d: Decimal) -> String {
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
    if d.is_sign_positive() && !d.is_zero() {
        format!("+{}", money(d))
    } else {
        money(d)
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
    }

    #[test]
    fn separators() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1000), "1,000");
        assert_eq!(group_digits(1234567), "1,234,567");
        assert_eq!(money(dec!(1234567.0125)), "1,234,567.0125");
        assert_eq!(money(dec!(-1000)), "-1,000");
        assert_eq!(money(dec!(0.0000)), "0.0000");
    }
}
