//! What Meta billed: the `pricing_analytics` data points (messages), or the
//! `conversation_analytics` ones (conversations, 2022 – June 2025), read
//! from the Graph API's JSON (`{"pricing_analytics": {"data":
//! [{"data_points": [...]}]}}`, or the bare `{"data": [...]}` of the edge)
//! or from a CSV with the same field names. Costs are parsed from their
//! text, never through a float; a file without costs (a partner's export of
//! volumes) is read as volumes only. Every error names the file, line,
//! column and value.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;

use crate::location::{LocatedError, Location};
use crate::model::Micros;
use crate::refdata::csvfile::read_table;
use crate::refdata::markets::parse_country;
use crate::validate::parse_timestamp;

/// What the points count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Unit {
    /// `pricing_analytics`: delivered messages.
    #[default]
    Messages,
    /// `conversation_analytics`: conversations opened.
    Conversations,
}

/// One data point: what Meta counted and charged for one period and one
/// country × category × pricing type (× tier × business number).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActualPoint {
    /// UTC, as Meta reports it.
    pub start: Micros,
    pub end: Option<Micros>,
    /// ISO alpha-2 upper case; `None` when the export has no country.
    pub country: Option<String>,
    /// Lower case (`marketing`, `authentication_international`, or any
    /// value Meta adds later).
    pub category: Option<String>,
    /// Lower case (`regular`, `free_customer_service`, …).
    pub pricing_type: Option<String>,
    /// `low:high`, as Meta writes it.
    pub tier: Option<String>,
    /// The business number, when the export breaks it down.
    pub phone_number: Option<String>,
    /// `conversation_direction`, lower case (conversation exports).
    pub direction: Option<String>,
    /// Messages, or conversations.
    pub volume: u64,
    /// `None` in an export of volumes only.
    pub cost: Option<Decimal>,
    /// Where the point is, for messages about it.
    pub source: Location,
}

/// The points of one file, and the currency it states, if any.
#[derive(Debug, Default)]
pub struct Export {
    pub points: Vec<ActualPoint>,
    pub currency: Option<String>,
    pub unit: Unit,
}

/// A problem in an export, at its `file:line[:column]`.
pub type ActualError = crate::location::LocatedError;

/// Reads one export; JSON when the text starts with `{`, CSV otherwise.
pub fn parse(file: &str, text: &str) -> Result<Export, ActualError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        parse_json(file, text)
    } else {
        parse_csv(file, text)
    }
}

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(borrow, default)]
    pricing_analytics: Option<Analytics<'a>>,
    #[serde(borrow, default)]
    conversation_analytics: Option<Analytics<'a>>,
    #[serde(borrow, default)]
    data: Option<Vec<DataSet<'a>>>,
    #[serde(default)]
    currency: Option<String>,
}

#[derive(Deserialize)]
struct Analytics<'a> {
    #[serde(borrow, default)]
    data: Vec<DataSet<'a>>,
}

#[derive(Deserialize)]
struct DataSet<'a> {
    #[serde(borrow, default)]
    data_points: Vec<JsonPoint<'a>>,
}

/// Every field raw, so that its text (and position) is kept.
#[derive(Deserialize)]
struct JsonPoint<'a> {
    #[serde(borrow)]
    start: Option<&'a RawValue>,
    #[serde(borrow)]
    end: Option<&'a RawValue>,
    #[serde(borrow)]
    country: Option<&'a RawValue>,
    #[serde(borrow)]
    pricing_category: Option<&'a RawValue>,
    #[serde(borrow)]
    pricing_type: Option<&'a RawValue>,
    #[serde(borrow)]
    tier: Option<&'a RawValue>,
    #[serde(borrow)]
    volume: Option<&'a RawValue>,
    #[serde(borrow)]
    cost: Option<&'a RawValue>,
    #[serde(borrow)]
    phone_number: Option<&'a RawValue>,
    // conversation_analytics
    #[serde(borrow)]
    conversation: Option<&'a RawValue>,
    #[serde(borrow)]
    conversation_type: Option<&'a RawValue>,
    #[serde(borrow)]
    conversation_category: Option<&'a RawValue>,
    #[serde(borrow)]
    conversation_direction: Option<&'a RawValue>,
}

fn parse_json<'a>(file: &'a str, text: &'a str) -> Result<Export, ActualError> {
    let top: Top<'a> = serde_json::from_str(text).map_err(|e| {
        // The position goes in front, like every other error.
        let message = e.to_string();
        let message = message
            .rsplit_once(" at line ")
            .map_or(message.as_str(), |m| m.0);
        ActualError {
            at: Location::line(file, e.line() as u64).at_column(Some(e.column() as u64)),
            message: message.to_string(),
        }
    })?;
    let (sets, unit) = match (top.pricing_analytics, top.conversation_analytics, top.data) {
        (Some(a), None, _) => (a.data, Unit::Messages),
        (None, Some(a), _) => (a.data, Unit::Conversations),
        (None, None, Some(d)) => {
            // The bare edge: its points say which it is.
            let conversations = d
                .iter()
                .flat_map(|s| &s.data_points)
                .any(|p| p.conversation.is_some());
            let unit = if conversations {
                Unit::Conversations
            } else {
                Unit::Messages
            };
            (d, unit)
        }
        (Some(_), Some(_), _) => {
            return Err(ActualError {
                at: Location::line(file, 1),
                message: "both \"pricing_analytics\" and \"conversation_analytics\": give them \
                          in separate runs (messages and conversations do not add up)"
                    .into(),
            });
        }
        (None, None, None) => {
            return Err(ActualError {
                at: Location::line(file, 1),
                message: "no \"pricing_analytics\", \"conversation_analytics\" or \"data\" \
                          field: not an analytics export"
                    .into(),
            });
        }
    };
    let mut points = Vec::new();
    // Points come in the text's order: lines are counted once, forward.
    let mut lines = LineCursor::default();
    for p in sets.iter().flat_map(|s| &s.data_points) {
        let field = |name: &'static str, raw: Option<&'a RawValue>| Field {
            file,
            text,
            name,
            raw: raw.filter(|r| r.get() != "null"),
        };
        let cells = match unit {
            Unit::Messages => Cells {
                start: field("start", p.start),
                end: field("end", p.end),
                country: field("country", p.country),
                category: field("pricing_category", p.pricing_category),
                pricing_type: field("pricing_type", p.pricing_type),
                tier: field("tier", p.tier),
                volume: field("volume", p.volume),
                cost: field("cost", p.cost),
                phone_number: field("phone_number", p.phone_number),
                direction: field("conversation_direction", None),
            },
            Unit::Conversations => Cells {
                start: field("start", p.start),
                end: field("end", p.end),
                country: field("country", p.country),
                category: field("conversation_category", p.conversation_category),
                pricing_type: field("conversation_type", p.conversation_type),
                tier: field("tier", None),
                volume: field("conversation", p.conversation),
                cost: field("cost", p.cost),
                phone_number: field("phone_number", p.phone_number),
                direction: field("conversation_direction", p.conversation_direction),
            },
        };
        let mut point = cells.point(unit)?;
        let line = p
            .start
            .map_or(1, |raw| lines.line_of(text, raw.get().as_ptr()));
        point.source = Location::line(file, line);
        points.push(point);
    }
    Ok(Export {
        points,
        currency: top.currency.map(|c| c.trim().to_ascii_uppercase()),
        unit,
    })
}

/// Line numbers of offsets that only move forward, in one pass over the
/// text (a point's line found from the start each time is quadratic).
#[derive(Default)]
struct LineCursor {
    offset: usize,
    line: u64,
}

impl LineCursor {
    fn line_of(&mut self, text: &str, at: *const u8) -> u64 {
        let offset = (at as usize)
            .saturating_sub(text.as_ptr() as usize)
            .min(text.len());
        if offset < self.offset {
            *self = LineCursor::default();
        }
        let newlines = text.as_bytes()[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.line += newlines as u64;
        self.offset = offset;
        self.line + 1
    }
}

#[derive(Deserialize)]
struct CsvPoint {
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    pricing_category: String,
    #[serde(default)]
    pricing_type: String,
    #[serde(default)]
    tier: String,
    #[serde(default)]
    volume: String,
    #[serde(default)]
    cost: String,
    #[serde(default)]
    currency: String,
    #[serde(default)]
    phone_number: String,
    #[serde(default)]
    conversation: Option<String>,
    #[serde(default)]
    conversation_type: String,
    #[serde(default)]
    conversation_category: String,
    #[serde(default)]
    conversation_direction: String,
}

fn parse_csv(file: &str, text: &str) -> Result<Export, ActualError> {
    let (headers, rows) = read_table::<CsvPoint>(file, text)?;
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h.eq_ignore_ascii_case(name))
            .map(|i| i as u64 + 1)
    };
    let mut export = Export::default();
    // A `conversation` column makes it a conversation export.
    if rows.first().is_some_and(|(_, r)| r.conversation.is_some()) {
        export.unit = Unit::Conversations;
    }
    for (line, row) in rows {
        let field = |name: &'static str, value: &str| CsvField {
            at: Location::line(file, line).at_column(column(name)),
            name,
            value: value.trim().to_string(),
        };
        let cells = match export.unit {
            Unit::Messages => Cells {
                start: field("start", &row.start),
                end: field("end", &row.end),
                country: field("country", &row.country),
                category: field("pricing_category", &row.pricing_category),
                pricing_type: field("pricing_type", &row.pricing_type),
                tier: field("tier", &row.tier),
                volume: field("volume", &row.volume),
                cost: field("cost", &row.cost),
                phone_number: field("phone_number", &row.phone_number),
                direction: field("conversation_direction", ""),
            },
            Unit::Conversations => Cells {
                start: field("start", &row.start),
                end: field("end", &row.end),
                country: field("country", &row.country),
                category: field("conversation_category", &row.conversation_category),
                pricing_type: field("conversation_type", &row.conversation_type),
                tier: field("tier", ""),
                volume: field("conversation", row.conversation.as_deref().unwrap_or("")),
                cost: field("cost", &row.cost),
                phone_number: field("phone_number", &row.phone_number),
                direction: field("conversation_direction", &row.conversation_direction),
            },
        };
        let mut point = cells.point(export.unit)?;
        point.source = Location::line(file, line);
        export.points.push(point);
        let currency = row.currency.trim().to_ascii_uppercase();
        if !currency.is_empty() {
            match &export.currency {
                Some(c) if *c != currency => {
                    return Err(ActualError {
                        at: Location::line(file, line).at_column(column("currency")),
                        message: format!(
                            "currency {currency:?}: the file mixes currencies ({c} above)"
                        ),
                    });
                }
                _ => export.currency = Some(currency),
            }
        }
    }
    Ok(export)
}

/// A field's text and where it is, whatever the file format.
trait Cell {
    /// The text (JSON strings unquoted); `None` when absent or null.
    fn text(&self) -> Result<Option<String>, ActualError>;
    fn error(&self, message: String) -> ActualError;
}

struct Field<'a> {
    file: &'a str,
    text: &'a str,
    name: &'static str,
    raw: Option<&'a RawValue>,
}

impl Cell for Field<'_> {
    fn text(&self) -> Result<Option<String>, ActualError> {
        let Some(raw) = self.raw else {
            return Ok(None);
        };
        let s = raw.get();
        if s.starts_with('"') {
            serde_json::from_str::<String>(s)
                .map(Some)
                .map_err(|e| self.error(e.to_string()))
        } else {
            Ok(Some(s.to_string()))
        }
    }

    fn error(&self, message: String) -> ActualError {
        // The raw value borrows from the file's text: its offset gives the
        // line and column.
        let (line, column) = match self.raw {
            Some(raw) => {
                let offset =
                    (raw.get().as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize);
                let before = &self.text[..offset.min(self.text.len())];
                let line = before.matches('\n').count() as u64 + 1;
                let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
                (line, Some(column as u64))
            }
            None => (1, None),
        };
        let value = self
            .raw
            .map_or("(missing)".to_string(), |r| r.get().to_string());
        ActualError {
            at: Location::line(self.file, line).at_column(column),
            message: format!("{} {value}: {message}", self.name),
        }
    }
}

struct CsvField {
    at: Location,
    name: &'static str,
    value: String,
}

impl Cell for CsvField {
    fn text(&self) -> Result<Option<String>, ActualError> {
        Ok((!self.value.is_empty()).then(|| self.value.clone()))
    }

    fn error(&self, message: String) -> ActualError {
        ActualError {
            at: self.at.clone(),
            message: format!("{} {:?}: {message}", self.name, self.value),
        }
    }
}

struct Cells<C> {
    start: C,
    end: C,
    country: C,
    category: C,
    pricing_type: C,
    tier: C,
    volume: C,
    cost: C,
    phone_number: C,
    direction: C,
}

impl<C: Cell> Cells<C> {
    fn point(&self, unit: Unit) -> Result<ActualPoint, ActualError> {
        let required = |c: &C| -> Result<String, ActualError> {
            c.text()?.ok_or_else(|| c.error("missing".into()))
        };
        let time = |c: &C, s: String| parse_timestamp(&s).map_err(|e| c.error(e.to_string()));
        let start = time(&self.start, required(&self.start)?)?;
        let end = match self.end.text()? {
            Some(s) => Some(time(&self.end, s)?),
            None => None,
        };
        if end.is_some_and(|e| e <= start) {
            return Err(self.end.error("ends before it starts".into()));
        }
        let country = match self.country.text()? {
            Some(s) => Some(
                parse_country(&s)
                    .map(|c| String::from_utf8_lossy(&c).into_owned())
                    .ok_or_else(|| self.country.error("not an ISO 3166 alpha-2 code".into()))?,
            ),
            None => None,
        };
        let word = |c: &C| -> Result<Option<String>, ActualError> {
            Ok(c.text()?
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty()))
        };
        let volume = required(&self.volume)?;
        let what = match unit {
            Unit::Messages => "messages",
            Unit::Conversations => "conversations",
        };
        let volume = volume
            .trim()
            .parse::<u64>()
            .map_err(|_| self.volume.error(format!("not a whole number of {what}")))?;
        let cost = match self.cost.text()? {
            Some(c) => Some(parse_amount(&c).map_err(|e| self.cost.error(e.to_string()))?),
            None => None,
        };
        let direction = word(&self.direction)?;
        let category = match unit {
            Unit::Messages => word(&self.category)?,
            // 2022 conversations have no category: who opened them is it.
            Unit::Conversations => word(&self.category)?.or_else(|| direction.clone()),
        };
        let pricing_type = word(&self.pricing_type)?.map(|t| match t.as_str() {
            // Meta's conversation types name the free entry point shorter.
            "free_entry" => "free_entry_point".to_string(),
            _ => t,
        });
        Ok(ActualPoint {
            start,
            end,
            country,
            category,
            pricing_type,
            tier: self.tier.text()?.map(|s| s.trim().to_string()),
            phone_number: self.phone_number.text()?.map(|s| s.trim().to_string()),
            direction,
            volume,
            cost,
            source: Location::default(),
        })
    }
}

/// Points given more than once (overlapping `--actual` files): how many
/// were dropped, and the first pair seen.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Duplicates {
    pub dropped: u64,
    pub first: Option<(Location, Location)>,
}

/// Keeps one of each data point, identified by its period and every
/// dimension; the same point with other figures is an error (which one
/// would be right?). One hash pass.
pub fn dedupe(points: Vec<ActualPoint>) -> Result<(Vec<ActualPoint>, Duplicates), LocatedError> {
    type Id<'p> = (Micros, Option<Micros>, [Option<&'p str>; 6]);
    fn id(p: &ActualPoint) -> Id<'_> {
        (
            p.start,
            p.end,
            [
                p.country.as_deref(),
                p.category.as_deref(),
                p.pricing_type.as_deref(),
                p.tier.as_deref(),
                p.phone_number.as_deref(),
                p.direction.as_deref(),
            ],
        )
    }
    let mut seen: HashMap<Id<'_>, usize> = HashMap::with_capacity(points.len());
    let mut keep = vec![true; points.len()];
    let mut dup = Duplicates::default();
    for (i, p) in points.iter().enumerate() {
        match seen.entry(id(p)) {
            Entry::Vacant(v) => {
                v.insert(i);
            }
            Entry::Occupied(o) => {
                let first = &points[*o.get()];
                if (first.volume, first.cost) != (p.volume, p.cost) {
                    let figures = |p: &ActualPoint| match p.cost {
                        Some(c) => format!("volume {}, cost {c}", p.volume),
                        None => format!("volume {}", p.volume),
                    };
                    return Err(LocatedError {
                        at: p.source.clone(),
                        message: format!(
                            "the same data point as {} with other figures ({} there, {} here): \
                             the exports disagree; fetch the period again",
                            first.source,
                            figures(first),
                            figures(p)
                        ),
                    });
                }
                keep[i] = false;
                dup.dropped += 1;
                dup.first
                    .get_or_insert_with(|| (first.source.clone(), p.source.clone()));
            }
        }
    }
    drop(seen);
    let mut keep = keep.into_iter();
    let points = points
        .into_iter()
        .filter(|_| keep.next().unwrap_or(true))
        .collect();
    Ok((points, dup))
}

/// An exact decimal from its text: plain (`0.0625`) or scientific
/// (`6.25e-2`), as a JSON number or string may be written.
pub fn parse_amount(s: &str) -> Result<Decimal, &'static str> {
    let s = s.trim();
    let plain = |c: char| c.is_ascii_digit() || matches!(c, '.' | '-' | '+');
    if s.is_empty() || !s.chars().all(|c| plain(c) || matches!(c, 'e' | 'E')) {
        return Err("not a decimal amount");
    }
    let parsed = if s.contains(['e', 'E']) {
        Decimal::from_scientific(s)
    } else {
        Decimal::from_str_exact(s.strip_prefix('+').unwrap_or(s))
    };
    let amount = parsed.map_err(|_| "not a decimal amount that fits 28 digits exactly")?;
    // Far above any bill, and low enough that no sum of them overflows.
    if amount.abs() > Decimal::from(1_000_000_000_000_000u64) {
        return Err("not a plausible amount (above 10^15)");
    }
    Ok(amount)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    const GRAPH: &str = r#"{
  "pricing_analytics": {
    "data": [
      {
        "data_points": [
          {"start": 1767571200, "end": 1767657600, "country": "IN",
           "pricing_type": "REGULAR", "pricing_category": "AUTHENTICATION_INTERNATIONAL",
           "tier": "0:750000", "volume": 3, "cost": 0.0840000000000000000001},
          {"start": 1767571200, "end": 1767657600, "country": "br",
           "pricing_type": "FREE_CUSTOMER_SERVICE", "pricing_category": "SERVICE",
           "volume": 10, "cost": 0, "some_new_field": [1, 2]}
        ]
      }
    ],
    "paging": {"cursors": {}}
  },
  "id": "123"
}"#;

    #[test]
    fn graph_json_keeps_every_digit_and_tolerates_new_fields() {
        let e = parse("a.json", GRAPH).unwrap();
        assert_eq!(e.points.len(), 2);
        let p = &e.points[0];
        assert_eq!(p.start, 1_767_571_200_000_000);
        assert_eq!(p.cost, Some(dec!(0.0840000000000000000001)));
        assert_eq!(p.category.as_deref(), Some("authentication_international"));
        assert_eq!(p.tier.as_deref(), Some("0:750000"));
        assert_eq!(e.points[1].country.as_deref(), Some("BR"));
        assert_eq!(
            e.points[1].pricing_type.as_deref(),
            Some("free_customer_service")
        );
    }

    #[test]
    fn errors_name_line_column_and_value() {
        let bad = GRAPH.replace("\"volume\": 10", "\"volume\": 1.5");
        let err = parse("a.json", &bad).unwrap_err().to_string();
        assert_eq!(
            err,
            "a.json:11:22: volume 1.5: not a whole number of messages"
        );
        let err = parse(
            "b.csv",
            "start,country,pricing_category,volume,cost\n1767571200,IN,MARKETING,2,0.0x\n",
        )
        .unwrap_err()
        .to_string();
        assert_eq!(err, "b.csv:2:5: cost \"0.0x\": not a decimal amount");
    }

    #[test]
    fn csv_with_dates_and_string_costs() {
        let e = parse(
            "c.csv",
            "start,end,country,pricing_category,pricing_type,volume,cost,currency\n\
             2026-01-05T00:00:00Z,2026-01-06T00:00:00Z,IN,marketing,regular,2,6.25e-2,usd\n",
        )
        .unwrap();
        assert_eq!(e.points[0].cost, Some(dec!(0.0625)));
        assert_eq!(e.currency.as_deref(), Some("USD"));
    }

    #[test]
    fn each_point_names_its_line() {
        let e = parse("a.json", GRAPH).unwrap();
        assert_eq!(e.points[0].source.to_string(), "a.json:6");
        assert_eq!(e.points[1].source.to_string(), "a.json:9");
    }

    /// Meta's documented shape (2022 – June 2025), a 2023 breakdown.
    const CONVERSATIONS: &str = r#"{"conversation_analytics": {"data": [{"data_points": [
  {"start": 1693526400, "end": 1693612800, "conversation": 2, "phone_number": "15550001",
   "country": "BR", "conversation_type": "REGULAR", "conversation_direction": "BUSINESS_INITIATED",
   "conversation_category": "MARKETING", "cost": 0.125},
  {"start": 1693526400, "end": 1693612800, "conversation": 1, "phone_number": "15550001",
   "country": "BR", "conversation_type": "FREE_ENTRY", "conversation_direction": "USER_INITIATED",
   "conversation_category": "SERVICE", "cost": 0}
]}]}, "id": "1"}"#;

    #[test]
    fn conversation_analytics() {
        let e = parse("c.json", CONVERSATIONS).unwrap();
        assert_eq!(e.unit, Unit::Conversations);
        let p = &e.points[0];
        assert_eq!((p.volume, p.cost), (2, Some(dec!(0.125))));
        assert_eq!(p.category.as_deref(), Some("marketing"));
        assert_eq!(p.pricing_type.as_deref(), Some("regular"));
        assert_eq!(p.direction.as_deref(), Some("business_initiated"));
        assert_eq!(p.phone_number.as_deref(), Some("15550001"));
        assert_eq!(
            e.points[1].pricing_type.as_deref(),
            Some("free_entry_point")
        );
        // 2022: no category, the direction names the conversation.
        let e = parse(
            "d.csv",
            "start,end,country,conversation,conversation_type,conversation_direction,cost\n\
             2022-05-04T00:00:00Z,2022-05-05T00:00:00Z,US,3,FREE_TIER,USER_INITIATED,0\n",
        )
        .unwrap();
        assert_eq!(e.unit, Unit::Conversations);
        assert_eq!(e.points[0].category.as_deref(), Some("user_initiated"));
        assert_eq!(e.points[0].volume, 3);
    }

    #[test]
    fn volumes_without_cost() {
        let e = parse(
            "v.json",
            r#"{"data": [{"data_points": [{"start": 1767571200, "end": 1767657600,
               "country": "IN", "pricing_category": "MARKETING", "volume": 4}]}]}"#,
        )
        .unwrap();
        assert_eq!((e.points[0].volume, e.points[0].cost), (4, None));
        assert_eq!(e.unit, Unit::Messages);
    }

    #[test]
    fn the_same_point_twice_is_counted_once() {
        let a = parse("a.json", GRAPH).unwrap().points;
        let b = parse("b.json", GRAPH).unwrap().points;
        let (kept, dup) = dedupe(a.iter().chain(&b).cloned().collect()).unwrap();
        assert_eq!(kept, a);
        assert_eq!(dup.dropped, 2);
        assert_eq!(
            dup.first,
            Some((Location::line("a.json", 6), Location::line("b.json", 6)))
        );
        // Another business number is another point.
        let mut other = b[0].clone();
        other.phone_number = Some("15550002".into());
        let (kept, dup) = dedupe(vec![a[0].clone(), other]).unwrap();
        assert_eq!((kept.len(), dup.dropped), (2, 0));
        // The same point with other figures: which is right?
        let mut changed = b[1].clone();
        changed.volume += 1;
        let err = dedupe(vec![a[1].clone(), changed]).unwrap_err().to_string();
        assert!(
            err.starts_with("b.json:9: the same data point as a.json:9"),
            "{err}"
        );
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("0.0693").unwrap(), dec!(0.0693));
        assert_eq!(parse_amount("+1").unwrap(), dec!(1));
        assert!(parse_amount("1_0").is_err());
        assert!(parse_amount("NaN").is_err());
        assert!(parse_amount("").is_err());
    }
}
