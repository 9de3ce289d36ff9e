//! Customer numbers: E.164 digits, tolerating `+`, spaces, dashes, dots and
//! parentheses. The result has no `+`.

/// Writes the digits of `raw` into `out` (cleared first).
pub fn normalize_number(raw: &str, out: &mut String) -> Result<(), String> {
    out.clear();
    let raw = raw.trim();
    let body = raw.strip_prefix('+').unwrap_or(raw);
    for c in body.chars() {
        match c {
            '0'..='9' => out.push(c),
            ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
            _ => return Err(format!("unexpected character {c:?} in a phone number")),
        }
    }
    if out.is_empty() {
        return Err("empty".into());
    }
    if out.starts_with('0') {
        return Err("not international: E.164 numbers start with the country code, not 0".into());
    }
    if !(7..=15).contains(&out.len()) {
        return Err(format!("{} digits; E.164 numbers have 7 to 15", out.len()));
    }
    Ok(())
}

/// The number `normalize_number` would accept, as an integer (its digits
/// have no leading zero, so the value identifies them), read straight from
/// the raw bytes; `None` for anything unusual, which takes the slow path.
pub fn number_value(raw: &[u8]) -> Option<u64> {
    let raw = raw.trim_ascii();
    let body = raw.strip_prefix(b"+").unwrap_or(raw);
    let (mut value, mut digits) = (0u64, 0u32);
    for &b in body {
        match b {
            b'0'..=b'9' => {
                if digits == 15 {
                    return None;
                }
                value = value * 10 + u64::from(b - b'0');
                digits += 1;
            }
            b' ' | b'-' | b'.' | b'(' | b')' => {}
            _ => return None,
        }
    }
    let leading_zero = body.iter().find(|b| b.is_ascii_digit()) == Some(&b'0');
    ((7..=15).contains(&digits) && !leading_zero).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn number_value_agrees_with_normalize_number() {
        let mut s = String::new();
        for raw in [
            "+49 151-1234 5678",
            "4915112345678",
            "+1 (876) 555.0100",
            "0151 1234",
            "+",
            "123456",
            "1234567",
            "123456789012345",
            "1234567890123456",
            "+49\u{a0}151",
            " +91 98100 00010 ",
            "+49x151",
            "",
        ] {
            let normalized = normalize_number(raw, &mut s)
                .ok()
                .map(|()| s.parse::<u64>().unwrap());
            match number_value(raw.as_bytes()) {
                Some(v) => assert_eq!(Some(v), normalized, "{raw:?}"),
                // The slow path decides; the fast one may only decline.
                None => assert!(normalized.is_none() || raw.contains('\u{a0}'), "{raw:?}"),
            }
        }
    }

    #[test]
    fn tolerates_formatting_and_rejects_junk() {
        let mut s = String::new();
        normalize_number("+49 151-1234 5678", &mut s).unwrap();
        assert_eq!(s, "4915112345678");
        normalize_number("4915112345678", &mut s).unwrap();
        assert_eq!(s, "4915112345678");
        normalize_number("+1 (876) 555.0100", &mut s).unwrap();
        assert_eq!(s, "18765550100");
        assert!(normalize_number("015112345678", &mut s).is_err());
        assert!(normalize_number("+49 abc", &mut s).is_err());
        assert!(normalize_number("+1234", &mut s).is_err());
        assert!(normalize_number("", &mut s).is_err());
    }
}
