//! Envelopes: the wrappers stores put around a webhook's body. A JSON
//! object that is not itself an event of the reader's format is looked
//! into: a member holding an event (`{"query_params":[],"body_params":{…}}`,
//! `{"received_at":…,"payload":{…}}`), or the event as a JSON string
//! (`{"body":"{…}"}`), a list of records each holding one (SQS's
//! `{"Records":[{"body":"…"}]}`), an EventBridge `detail`, or a fixture
//! file keyed by case name (`{"case_a":{…},"case_b":{…}}`). What is found is
//! read as the event it is, and counted by the key it came from; an object
//! that holds no event at all is a rejected row, never a row that vanishes.

use std::collections::BTreeMap;

use serde_json::Value;

use super::exact::exact_numbers;

/// How deep an envelope may nest (`Records[].body` is two levels).
const DEPTH: u32 = 4;

/// What an envelope held.
#[derive(Debug)]
pub enum Piece {
    /// An event of the reader's format.
    Event(Value),
    /// Something beside the events that is not one (an SQS record without
    /// a body that is an event): a rejected row, with this reason.
    Stray(String),
}

/// The events inside `value` when it is an envelope, with the key they
/// were found under (`body_params`, `Records[].body`; `*` when several
/// members of one object each hold events, as a fixture file keyed by case
/// name does). `None` when nothing in it is an event.
pub fn open(value: &Value, is_event: &dyn Fn(&Value) -> bool) -> Option<(String, Vec<Piece>)> {
    find(value, is_event, DEPTH, true)
}

fn find(
    value: &Value,
    is_event: &dyn Fn(&Value) -> bool,
    depth: u32,
    top: bool,
) -> Option<(String, Vec<Piece>)> {
    if !top && is_event(value) {
        return Some((String::new(), vec![Piece::Event(value.clone())]));
    }
    if depth == 0 {
        return None;
    }
    match value {
        Value::String(s) => {
            let inner = parse_embedded(s)?;
            if is_event(&inner) {
                return Some((String::new(), vec![Piece::Event(inner)]));
            }
            find(&inner, is_event, depth - 1, false)
        }
        Value::Array(items) => {
            let found: Vec<Option<(String, Vec<Piece>)>> = items
                .iter()
                .map(|v| find(v, is_event, depth - 1, false))
                .collect();
            let key = found.iter().flatten().map(|(k, _)| k.clone()).next()?;
            let mut pieces = Vec::new();
            for (i, f) in found.into_iter().enumerate() {
                match f {
                    Some((_, p)) => pieces.extend(p),
                    None => pieces.push(Piece::Stray(format!(
                        "element {} of the list holds no event (its keys: {})",
                        i + 1,
                        keys(&items[i])
                    ))),
                }
            }
            Some((join("[]", &key), pieces))
        }
        Value::Object(members) => {
            let found: Vec<(&String, (String, Vec<Piece>))> = members
                .iter()
                .filter_map(|(k, v)| find(v, is_event, depth - 1, false).map(|f| (k, f)))
                .collect();
            match found.len() {
                0 => None,
                1 => {
                    let (k, (inner, pieces)) = found.into_iter().next()?;
                    Some((join(k, &inner), pieces))
                }
                _ => Some((
                    "*".to_string(),
                    found.into_iter().flat_map(|(_, (_, p))| p).collect(),
                )),
            }
        }
        _ => None,
    }
}

fn join(outer: &str, inner: &str) -> String {
    match (outer, inner) {
        (o, "") => o.to_string(),
        ("[]", i) => format!("[].{i}"),
        (o, i) if i.starts_with("[]") => format!("{o}{i}"),
        (o, i) => format!("{o}.{i}"),
    }
}

/// A JSON object or array written as a string, read with its amounts as
/// written (`exact_numbers`).
fn parse_embedded(s: &str) -> Option<Value> {
    let t = s.trim();
    if !(t.starts_with('{') || t.starts_with('[')) {
        return None;
    }
    let wrapped = format!("{{\"_\":{t}}}");
    let mut exact = Vec::new();
    let n = exact_numbers(wrapped.as_bytes(), &mut exact)?;
    if n != wrapped.len() {
        return None;
    }
    let mut v: Value = serde_json::from_slice(&exact).ok()?;
    Some(v.get_mut("_")?.take())
}

/// An object's keys, for a rejection (`a, b, c`), or what the value is.
pub fn keys(value: &Value) -> String {
    match value {
        Value::Object(m) if m.is_empty() => "none".to_string(),
        Value::Object(m) => {
            let mut names: Vec<&str> = m.keys().map(String::as_str).take(8).collect();
            if m.len() > 8 {
                names.push("…");
            }
            names.join(", ")
        }
        Value::Array(_) => "a list".to_string(),
        _ => "not an object".to_string(),
    }
}

/// Events unwrapped from envelopes, by the key they came from.
pub type Unwrapped = BTreeMap<String, u64>;

/// Notes the events of `pieces` as unwrapped from `key`.
pub fn count(unwrapped: &mut Unwrapped, key: &str, pieces: &[Piece]) {
    let n = pieces
        .iter()
        .filter(|p| matches!(p, Piece::Event(_)))
        .count() as u64;
    if n > 0 {
        *unwrapped.entry(key.to_string()).or_default() += n;
    }
}

/// Twilio's Messages API JSON (one Message resource, or a list page of
/// them): never a webhook nor a provider's event.
pub fn is_twilio(value: &Value) -> bool {
    let resource = |v: &Value| {
        v.get("account_sid").is_some() && v.get("sid").is_some()
            || text_starts(v.get("uri"), "/2010-04-01/Accounts/")
    };
    resource(value)
        || value.get("first_page_uri").is_some()
        || value
            .get("messages")
            .and_then(Value::as_array)
            .is_some_and(|m| m.iter().any(resource))
}

fn text_starts(v: Option<&Value>, prefix: &str) -> bool {
    v.and_then(Value::as_str)
        .is_some_and(|s| s.starts_with(prefix))
}

/// The rejection of Twilio's Messages API JSON.
pub const TWILIO: &str = "Twilio's Messages API JSON (a Message resource or a list page), not \
     a WhatsApp event: export the messages from Twilio's console as CSV and read them with \
     --input-format twilio";

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(v: &Value) -> bool {
        v.get("entry").is_some()
    }

    fn opened(text: &str) -> Option<(String, usize, usize)> {
        let v: Value = serde_json::from_str(text).unwrap();
        open(&v, &meta).map(|(k, p)| {
            let events = p.iter().filter(|p| matches!(p, Piece::Event(_))).count();
            (k, events, p.len() - events)
        })
    }

    #[test]
    fn finds_events_in_the_usual_envelopes() {
        let n = r#"{"object":"whatsapp_business_account","entry":[]}"#;
        let s = serde_json::to_string(n).unwrap();
        let cases = [
            (
                format!(r#"{{"query_params":[],"body_params":{n}}}"#),
                "body_params",
            ),
            (
                format!(r#"{{"received_at":"2026-02-02","payload":{n}}}"#),
                "payload",
            ),
            (format!(r#"{{"id":1,"body":{s}}}"#), "body"),
            (
                format!(r#"{{"Records":[{{"messageId":"1","body":{s}}},{{"body":{s}}}]}}"#),
                "Records[].body",
            ),
            (format!(r#"{{"detail-type":"x","detail":{n}}}"#), "detail"),
        ];
        for (text, key) in cases {
            let (k, events, stray) = opened(&text).unwrap();
            assert_eq!(k, key, "{text}");
            assert_eq!(stray, 0, "{text}");
            assert!(events >= 1, "{text}");
        }
        let fixture = format!(r#"{{"case_a":{n},"case_b":{n},"about":"two cases"}}"#);
        assert_eq!(opened(&fixture), Some(("*".into(), 2, 0)));
        let mixed = format!(r#"{{"Records":[{{"body":{s}}},{{"body":"hello"}}]}}"#);
        assert_eq!(opened(&mixed), Some(("Records[].body".into(), 1, 1)));
        assert_eq!(opened(r#"{"a":1,"b":{"c":"d"}}"#), None);
        assert_eq!(opened(n), None, "an event is not its own envelope");
    }

    #[test]
    fn embedded_amounts_are_read_as_written() {
        let v = parse_embedded(r#"{"p": 0.12345678901234567891}"#).unwrap();
        assert_eq!(v["p"], "0.12345678901234567891");
    }

    #[test]
    fn twilio_messages_api_json_is_told_apart() {
        let one: Value = serde_json::from_str(
            r#"{"account_sid":"ACx","sid":"SMx","from":"whatsapp:+14155238886","to":"whatsapp:+15005550006","status":"delivered"}"#,
        )
        .unwrap();
        assert!(is_twilio(&one));
        let page: Value = serde_json::from_str(&format!(
            r#"{{"messages":[{one}],"page":0,"page_size":50,"first_page_uri":"/2010-04-01/Accounts/ACx/Messages.json?PageSize=50&Page=0"}}"#
        ))
        .unwrap();
        assert!(is_twilio(&page));
        let meta: Value = serde_json::from_str(r#"{"messages":[{"from":"1","id":"w"}]}"#).unwrap();
        assert!(!is_twilio(&meta));
    }
}
