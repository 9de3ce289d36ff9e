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

#[cfg(test)]
mod tests {
    use super::*;

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
