//! Meta's billing markets: which market a recipient's number belongs to on
//! a given date. Longest calling-code prefix wins among the rows valid on
//! that date; numbers that match nothing are `Other` (docs/pricing-rules.md §3).

use rustc_hash::FxHashMap as HashMap;

use jiff::civil::Date;
use serde::Deserialize;

use super::csvfile::{RefDataError, parse_date, read_rows};

/// Index into `MarketTable::names`.
pub type MarketId = u16;

/// ISO 3166 alpha-2, upper case.
pub type Country = [u8; 2];

pub const OTHER: &str = "Other";

/// The longest calling-code prefix we index (NANP area codes are 4 digits).
const MAX_PREFIX: usize = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketMatch {
    pub market: MarketId,
    /// `None` when the number matched no row (market `Other`).
    pub country: Option<Country>,
}

#[derive(Debug)]
struct Row {
    country: Country,
    market: MarketId,
    from: Option<Date>,
    to: Option<Date>,
}

impl Row {
    fn valid_on(&self, date: Date) -> bool {
        self.from.is_none_or(|f| f <= date) && self.to.is_none_or(|t| date <= t)
    }
}

#[derive(Debug)]
pub struct MarketTable {
    names: Vec<String>,
    by_prefix: HashMap<String, Vec<Row>>,
    /// Every date on which some row starts or stops applying, sorted: between
    /// two of them the whole table is constant (used for caching).
    boundaries: Vec<Date>,
}

#[derive(Deserialize)]
struct RawRow {
    prefix: String,
    country: String,
    market: String,
    #[serde(default)]
    effective_from: String,
    #[serde(default)]
    effective_to: String,
}

/// Meta spells one region two ways; cards and tables must agree on one.
pub fn canonical_market_name(name: &str) -> String {
    let name = name.trim();
    if name.eq_ignore_ascii_case("Rest of Central and Eastern Europe") {
        return "Rest of Central & Eastern Europe".to_string();
    }
    name.to_string()
}

pub fn parse_country(s: &str) -> Option<Country> {
    let b = s.trim().as_bytes();
    (b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic))
        .then(|| [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()])
}

pub fn country_str(c: &Country) -> &str {
    std::str::from_utf8(c).unwrap_or("??")
}

impl MarketTable {
    pub fn parse(name: &str, text: &str) -> Result<Self, RefDataError> {
        let mut table = MarketTable {
            names: vec![OTHER.to_string()],
            by_prefix: HashMap::default(),
            boundaries: Vec::new(),
        };
        for (line, raw) in read_rows::<RawRow>(name, text)? {
            let err = |m: String| RefDataError::new(name, line, m);
            let prefix = raw.prefix.trim().trim_start_matches('+');
            if prefix.is_empty()
                || prefix.len() > MAX_PREFIX
                || !prefix.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(err(format!(
                    "prefix {:?} must be 1 to {MAX_PREFIX} digits",
                    raw.prefix
                )));
            }
            let country = parse_country(&raw.country)
                .ok_or_else(|| err(format!("country {:?} is not ISO alpha-2", raw.country)))?;
            let from = parse_date(&raw.effective_from).map_err(|e| err(e.to_string()))?;
            let to = parse_date(&raw.effective_to).map_err(|e| err(e.to_string()))?;
            if let (Some(f), Some(t)) = (from, to)
                && t < f
            {
                return Err(err("effective_to is before effective_from".into()));
            }
            table.boundaries.extend(from);
            table.boundaries.extend(to.and_then(|t| t.tomorrow().ok()));
            let market = table.intern(&raw.market);
            table
                .by_prefix
                .entry(prefix.to_string())
                .or_default()
                .push(Row {
                    country,
                    market,
                    from,
                    to,
                });
        }
        if table.by_prefix.is_empty() {
            // An empty table would price every number as Other.
            return Err(RefDataError::new(name, 1, "the market table has no rows"));
        }
        table.boundaries.sort();
        table.boundaries.dedup();
        Ok(table)
    }

    pub fn builtin() -> Self {
        let (name, text) = super::builtin::MARKETS;
        Self::parse(name, text).expect("the built-in market table is valid")
    }

    /// Returns the id of a market name, adding it if new (rate cards may name
    /// markets the table does not list yet).
    pub fn intern(&mut self, name: &str) -> MarketId {
        let name = canonical_market_name(name);
        match self.names.iter().position(|n| *n == name) {
            Some(i) => i as MarketId,
            None => {
                self.names.push(name);
                (self.names.len() - 1) as MarketId
            }
        }
    }

    pub fn id(&self, name: &str) -> Option<MarketId> {
        let name = canonical_market_name(name);
        self.names
            .iter()
            .position(|n| *n == name)
            .map(|i| i as MarketId)
    }

    pub fn name(&self, id: MarketId) -> &str {
        &self.names[id as usize]
    }

    pub fn other(&self) -> MarketId {
        0
    }

    /// The period of the table a date falls in; two dates with the same epoch
    /// map every number alike.
    pub fn epoch(&self, date: Date) -> usize {
        self.boundaries.partition_point(|b| *b <= date)
    }

    /// Market of E.164 `digits` (no `+`) on `date`.
    pub fn lookup(&self, digits: &str, date: Date) -> MarketMatch {
        let longest = digits.len().min(MAX_PREFIX);
        for len in (1..=longest).rev() {
            let Some(rows) = self.by_prefix.get(&digits[..len]) else {
                continue;
            };
            if let Some(row) = rows.iter().find(|r| r.valid_on(date)) {
                return MarketMatch {
                    market: row.market,
                    country: Some(row.country),
                };
            }
        }
        MarketMatch {
            market: self.other(),
            country: None,
        }
    }

    /// Market of a country given as an override. Canada shares the `1` row,
    /// whose country is recorded as `US`.
    pub fn lookup_country(&self, country: Country, date: Date) -> MarketMatch {
        let key = if &country == b"CA" { *b"US" } else { country };
        let mut best: Option<(usize, &Row)> = None;
        for (prefix, rows) in &self.by_prefix {
            for row in rows.iter().filter(|r| r.country == key && r.valid_on(date)) {
                // The shortest prefix is the country's own code (1 rather
                // than 1876), so it names the country's main market.
                if best.is_none_or(|(len, _)| prefix.len() < len) {
                    best = Some((prefix.len(), row));
                }
            }
        }
        MarketMatch {
            market: best.map_or(self.other(), |(_, r)| r.market),
            country: Some(country),
        }
    }

    /// All market names, `Other` first.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn name_on(t: &MarketTable, digits: &str, d: Date) -> String {
        t.name(t.lookup(digits, d).market).to_string()
    }

    #[test]
    fn longest_prefix_and_dates() {
        let t = MarketTable::builtin();
        let d = date(2026, 2, 1);
        assert_eq!(name_on(&t, "14155550100", d), "North America");
        assert_eq!(name_on(&t, "18765550100", d), "Rest of Latin America");
        assert_eq!(name_on(&t, "919812345678", d), "India");
        assert_eq!(name_on(&t, "85291234567", d), "Rest of Asia Pacific");
        assert_eq!(name_on(&t, "85291234567", date(2026, 7, 1)), "Hong Kong");
        assert_eq!(name_on(&t, "263771234567", date(2025, 9, 30)), OTHER);
        assert_eq!(
            name_on(&t, "263771234567", date(2025, 10, 1)),
            "Rest of Africa"
        );
        assert_eq!(name_on(&t, "77011234567", date(2026, 9, 30)), "Russia");
        assert_eq!(name_on(&t, "77011234567", date(2026, 10, 1)), "Kazakhstan");
        assert_eq!(name_on(&t, "6821234", d), OTHER);
    }

    #[test]
    fn country_override() {
        let t = MarketTable::builtin();
        let d = date(2026, 2, 1);
        let m = t.lookup_country(*b"CA", d);
        assert_eq!(t.name(m.market), "North America");
        assert_eq!(
            t.name(t.lookup_country(*b"JM", d).market),
            "Rest of Latin America"
        );
        assert_eq!(t.name(t.lookup_country(*b"ZZ", d).market), OTHER);
    }

    #[test]
    fn epochs_change_only_at_boundaries() {
        let t = MarketTable::builtin();
        assert_eq!(t.epoch(date(2026, 1, 1)), t.epoch(date(2026, 6, 30)));
        assert_ne!(t.epoch(date(2026, 6, 30)), t.epoch(date(2026, 7, 1)));
    }

    #[test]
    fn a_table_without_rows_is_an_error() {
        let header = "prefix,country,market,effective_from,effective_to\n";
        let Err(e) = MarketTable::parse("m.csv", header) else {
            panic!("an empty table is refused")
        };
        assert_eq!(e.to_string(), "m.csv:1: the market table has no rows");
    }
}
