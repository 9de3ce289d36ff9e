//! Numbers of a JSON object read as written: an amount never passes
//! through a float. (Its own module: the provider readers and the
//! envelope reader both use it, and neither imports the other for it.)

/// Copies the JSON object at the start of `raw` into `out` with every
/// number that is not a plain integer of at most 18 digits written as a
/// string of the same text: `{"totalPrice":0.0050}` is read as
/// `"0.0050"`, so an amount never passes through a float (`text` gives it
/// as written). The providers' JSON readers go through it, and
/// Meta's webhook reader for what is not a notification (envelopes). Bytes inside strings are copied unchanged. Returns the
/// object's length in `raw`, or `None` when `raw` ends inside it (read
/// more) or does not start with `{`.
pub fn exact_numbers(raw: &[u8], out: &mut Vec<u8>) -> Option<usize> {
    out.clear();
    if raw.first() != Some(&b'{') {
        return None;
    }
    let (mut i, mut strings, mut depth) = (0, JsonStrings::default(), 0u32);
    while i < raw.len() {
        let b = raw[i];
        if strings.inside(b) {
            out.push(b);
            i += 1;
            continue;
        }
        match b {
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    out.push(b);
                    return Some(i + 1);
                }
            }
            _ => {}
        }
        if b == b'-' || b.is_ascii_digit() {
            let end = raw[i..]
                .iter()
                .position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
                .map_or(raw.len(), |n| i + n);
            let number = &raw[i..end];
            let digits = number.iter().filter(|c| c.is_ascii_digit()).count();
            if digits > 18 || number.iter().any(|c| matches!(c, b'.' | b'e' | b'E')) {
                out.push(b'"');
                out.extend_from_slice(number);
                out.push(b'"');
            } else {
                out.extend_from_slice(number);
            }
            i = end;
            continue;
        }
        out.push(b);
        i += 1;
    }
    None
}

/// Which bytes of JSON text are inside a string (its quotes included),
/// escapes followed, byte after byte.
#[derive(Default)]
pub struct JsonStrings {
    in_string: bool,
    escaped: bool,
}

impl JsonStrings {
    /// Notes the next byte; whether it is part of a string.
    pub fn inside(&mut self, b: u8) -> bool {
        if self.in_string {
            match b {
                _ if self.escaped => self.escaped = false,
                b'\\' => self.escaped = true,
                b'"' => self.in_string = false,
                _ => {}
            }
            true
        } else {
            self.in_string = b == b'"';
            self.in_string
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::provider::text;

    #[test]
    fn fractional_numbers_are_read_as_written() {
        let mut out = Vec::new();
        let raw = br#"{"p":0.0050,"q":[-1.5e-3, 7],"s":"a 0.5 \"1.0\"","n":12345678901234567890}"#;
        let mut more = raw.to_vec();
        more.extend_from_slice(b"\n{\"next\":1}");
        assert_eq!(
            exact_numbers(&more, &mut out),
            Some(raw.len()),
            "the first object"
        );
        assert_eq!(
            exact_numbers(&raw[..20], &mut out),
            None,
            "cut off: read more"
        );
        assert_eq!(exact_numbers(b"not json", &mut out), None);
        assert_eq!(exact_numbers(raw, &mut out), Some(raw.len()));
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            r#"{"p":"0.0050","q":["-1.5e-3", 7],"s":"a 0.5 \"1.0\"","n":"12345678901234567890"}"#
        );
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(text(v.get("p")), "0.0050");
        assert_eq!(text(v["q"].get(1)), "7");
    }
}
