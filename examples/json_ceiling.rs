//! The parse ceiling for webhook notifications: one pass of serde_json over
//! a file of JSON lines into borrowed structs of only the fields a pricer
//! needs (everything else skipped unread), amounts kept as their text and
//! read exactly, counting rows. wabill's webhook reader cannot price the
//! notifications faster than this parses them.
//!
//! cargo run --release --example json_ceiling -- FILE

use std::borrow::Cow;
use std::io::BufRead;
use std::str::FromStr;
use std::time::Instant;

use serde::Deserialize;
use serde_json::value::RawValue;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Notification<'a> {
    #[serde(borrow)]
    entry: Vec<Entry<'a>>,
    #[serde(borrow)]
    value: Option<Value<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entry<'a> {
    #[serde(borrow)]
    changes: Vec<Change<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Change<'a> {
    #[serde(borrow)]
    value: Value<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Value<'a> {
    #[serde(borrow)]
    metadata: Option<Metadata<'a>>,
    #[serde(borrow)]
    messages: Vec<Inbound<'a>>,
    #[serde(borrow)]
    statuses: Vec<Status<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metadata<'a> {
    #[serde(borrow)]
    phone_number_id: Cow<'a, str>,
    #[serde(borrow)]
    display_phone_number: Cow<'a, str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Inbound<'a> {
    #[serde(borrow)]
    from: Cow<'a, str>,
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    timestamp: Cow<'a, str>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Status<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    #[serde(borrow)]
    status: Cow<'a, str>,
    #[serde(borrow)]
    timestamp: Cow<'a, str>,
    #[serde(borrow)]
    recipient_id: Cow<'a, str>,
    #[serde(borrow)]
    pricing: Option<Pricing<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Pricing<'a> {
    #[serde(borrow, rename = "type")]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    category: Cow<'a, str>,
    #[serde(borrow)]
    cost: Option<Cost<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cost<'a> {
    /// A number or a string, as written (never through a float).
    #[serde(borrow)]
    amount: Option<&'a RawValue>,
    #[serde(borrow)]
    currency: Cow<'a, str>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: json_ceiling FILE")?;
    let start = Instant::now();
    let mut reader = std::io::BufReader::with_capacity(1 << 16, std::fs::File::open(&path)?);
    let mut line = Vec::new();
    let (mut notifications, mut rows, mut bytes, mut text) = (0u64, 0u64, 0u64, 0u64);
    let mut cost = rust_decimal::Decimal::ZERO;
    while reader.read_until(b'\n', &mut line)? > 0 {
        bytes += line.len() as u64;
        if !line.trim_ascii().is_empty() {
            let n: Notification = serde_json::from_slice(&line)?;
            notifications += 1;
            let values = n.entry.iter().flat_map(|e| &e.changes).map(|c| &c.value);
            for v in values.chain(n.value.as_ref()) {
                let business = v.metadata.as_ref().map_or(0, |m| {
                    m.phone_number_id.len() + m.display_phone_number.len()
                });
                for m in &v.messages {
                    rows += 1;
                    text += (business + m.from.len() + m.id.len() + m.timestamp.len()) as u64;
                }
                for s in &v.statuses {
                    rows += 1;
                    text += (business
                        + s.id.len()
                        + s.status.len()
                        + s.timestamp.len()
                        + s.recipient_id.len()) as u64;
                    let Some(p) = &s.pricing else { continue };
                    text += (p.kind.len() + p.category.len()) as u64;
                    if let Some(c) = &p.cost {
                        text += c.currency.len() as u64;
                        if let Some(amount) = c.amount {
                            cost +=
                                rust_decimal::Decimal::from_str(amount.get().trim_matches('"'))?;
                        }
                    }
                }
            }
        }
        line.clear();
    }
    eprintln!(
        "{notifications} notifications, {rows} rows, {text} bytes of fields, cost {cost}, \
         {bytes} bytes in {:.3} s",
        start.elapsed().as_secs_f64()
    );
    println!("{rows}");
    Ok(())
}
