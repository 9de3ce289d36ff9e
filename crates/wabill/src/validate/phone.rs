//! Customer numbers: E.164 digits, tolerating `+`, spaces, dashes, dots and
//! parentheses, and `00` for `+` (the international prefix of most
//! countries). The result has no `+`.

/// Why a customer number is not an E.164 number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    #[error("looks like a spreadsheet number (ends in .{zeros}); export the column as text")]
    Spreadsheet { zeros: String },
    #[error("unexpected character {0:?} in a phone number")]
    Character(char),
    #[error("empty")]
    Empty,
    #[error("not international: E.164 numbers start with the country code, not 0")]
    NotInternational,
    #[error("{}; E.164 numbers have 7 to 15", crate::display::plural(*.0 as u64, "digit"))]
    Length(usize),
}

/// Writes the digits of `raw` into `out` (cleared first).
pub fn normalize_number(raw: &str, out: &mut String) -> Result<(), NumberError> {
    out.clear();
    let raw = raw.trim();
    // The `+` may sit inside the parentheses of the country code: `(+44) 7700 …`.
    let (plus, body) = match raw.trim_start_matches(['(', ' ']).strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, raw),
    };
    // A spreadsheet that took the column for numbers writes 5511987654321.0:
    // the digits are right but the trailing 0 would join the number.
    if let Some((digits, zeros)) = body.rsplit_once('.')
        && !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !zeros.is_empty()
        && zeros.bytes().all(|b| b == b'0')
    {
        return Err(NumberError::Spreadsheet {
            zeros: zeros.to_string(),
        });
    }
    for c in body.chars() {
        match c {
            '0'..='9' => out.push(c),
            ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
            _ => return Err(NumberError::Character(c)),
        }
    }
    if out.is_empty() {
        return Err(NumberError::Empty);
    }
    if !plus && out.starts_with("00") {
        out.drain(..2);
    }
    if out.starts_with('0') {
        return Err(NumberError::NotInternational);
    }
    if !(7..=15).contains(&out.len()) {
        return Err(NumberError::Length(out.len()));
    }
    Ok(())
}

/// The number `normalize_number` would accept, as an integer (its digits
/// have no leading zero, so the value identifies them), read straight from
/// the raw bytes; `None` for anything unusual, which takes the slow path.
pub fn number_value(raw: &[u8]) -> Option<u64> {
    let raw = raw.trim_ascii();
    let lead = raw.iter().take_while(|b| matches!(b, b'(' | b' ')).count();
    let body = raw[lead..].strip_prefix(b"+").unwrap_or(raw);
    // A spreadsheet's `5511987654321.0` is rejected by `normalize_number`:
    // a dot (rare in numbers) sends the row there.
    if let Some(dot) = body.iter().rposition(|&b| b == b'.')
        && body[..dot].iter().all(u8::is_ascii_digit)
        && body[dot + 1..].iter().all(|&b| b == b'0')
    {
        return None;
    }
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
            "(+44) 7700 900123",
            "5511987654321.0",
            "+5511987654321.00",
            "55.11.98765.4320",
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
        normalize_number("(+44) 7700 900123", &mut s).unwrap();
        assert_eq!(s, "447700900123");
        assert!(normalize_number("(+44) +7700 900123", &mut s).is_err());
        assert!(normalize_number("015112345678", &mut s).is_err());
        assert!(normalize_number("+49 abc", &mut s).is_err());
        assert!(normalize_number("+1234", &mut s).is_err());
        assert!(normalize_number("", &mut s).is_err());
    }

    #[test]
    fn double_zero_is_the_international_prefix() {
        let mut s = String::new();
        normalize_number("0055 11 98765 4321", &mut s).unwrap();
        assert_eq!(s, "5511987654321");
        normalize_number("(0049) 151 1234 5678", &mut s).unwrap();
        assert_eq!(s, "4915112345678");
        // After a `+`, or a third zero, it is no country code.
        let err = normalize_number("+0055 11 98765 4321", &mut s).unwrap_err();
        assert_eq!(err, NumberError::NotInternational);
        let err = normalize_number("00055 11 98765 4321", &mut s).unwrap_err();
        assert_eq!(err, NumberError::NotInternational);
        assert_eq!(
            normalize_number("+1234", &mut s).unwrap_err().to_string(),
            "4 digits; E.164 numbers have 7 to 15"
        );
        // A single 0 is a national trunk prefix: no country is known.
        assert!(normalize_number("011 98765 4321", &mut s).is_err());
    }

    #[test]
    fn spreadsheet_floats_are_not_numbers() {
        let mut s = String::new();
        for raw in ["5511987654321.0", "+5511987654321.00"] {
            let err = normalize_number(raw, &mut s).unwrap_err().to_string();
            assert!(err.contains("spreadsheet number"), "{raw}: {err}");
        }
        // Dots as separators are fine, even with a 0 group.
        normalize_number("55.11.98765.4320", &mut s).unwrap();
        assert_eq!(s, "5511987654320");
        normalize_number("+1 876.555.0100", &mut s).unwrap();
        assert_eq!(s, "18765550100");
    }
}
