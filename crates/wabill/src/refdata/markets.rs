//! Meta's billing markets: which market a recipient belongs to on a given
//! date. Meta prices by the recipient's country: a number's country comes
//! from the numbering plan (`numbering.rs`), a username's ISO prefix or a
//! `country` column gives it directly, and the country's rows of this table
//! valid on that date name its market; a country the table does not list
//! (or a number of no country) is `Other` (docs/pricing-rules.md §3).

use rustc_hash::FxHashMap as HashMap;

use jiff::civil::Date;
use serde::Deserialize;

use super::csvfile::{CellError, RefDataError, parse_date, read_rows};
// The country code is the numbering plan's (it knows every country by it).
pub use super::numbering::{Country, parse_alpha2};
use super::numbering::{Numbered, NumberingPlan, prefix_country};

/// Index into `MarketTable::names`.
pub type MarketId = u16;

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
    /// Each country's rows, in file order.
    by_country: HashMap<Country, Vec<Row>>,
    plan: &'static NumberingPlan,
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

/// An ISO 3166-1 alpha-2 country code, in any case: `KZ`, `th`; `XX` is
/// none (the numbering plan knows every code with numbers).
pub fn parse_country(s: &str) -> Option<Country> {
    parse_alpha2(s).filter(|c| NumberingPlan::shared().is_country(*c))
}

pub fn country_str(c: &Country) -> &str {
    std::str::from_utf8(c).unwrap_or("??")
}

impl MarketTable {
    /// A market named in a user's rate or tier file must be one the market
    /// table knows: a misspelt market would otherwise never match a message.
    pub fn known(&self, name: &str) -> Result<MarketId, CellError> {
        if let Some(id) = self.id(name) {
            return Ok(id);
        }
        let near = self
            .names()
            .iter()
            .find(|n| n.eq_ignore_ascii_case(name.trim()));
        let name = name.trim().to_string();
        Err(match near {
            Some(n) => CellError::MarketCase {
                name,
                near: n.clone(),
            },
            None => CellError::Market(name),
        })
    }

    pub fn parse(name: &str, text: &str) -> Result<Self, RefDataError> {
        let mut table = MarketTable {
            names: vec![OTHER.to_string()],
            by_country: HashMap::default(),
            plan: NumberingPlan::shared(),
            boundaries: Vec::new(),
        };
        for (line, raw) in read_rows::<RawRow>(name, text)? {
            let err = |m: String| RefDataError::new(name, line, m);
            let prefix = raw.prefix.trim().trim_start_matches('+');
            let country = prefix_country(prefix, &raw.prefix, &raw.country, MAX_PREFIX, &err)?;
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
            let rows = table.by_country.entry(country).or_default();
            // One country, one market on any day: rows of a country that
            // overlap in time must agree (a country spans several prefixes).
            let overlaps = |r: &Row| {
                r.from.is_none_or(|f| to.is_none_or(|t| f <= t))
                    && from.is_none_or(|f| r.to.is_none_or(|t| f <= t))
            };
            if let Some(clash) = rows.iter().find(|r| r.market != market && overlaps(r)) {
                let other = table.names[clash.market as usize].clone();
                return Err(err(format!(
                    "country {} is in {} and in {other} on the same dates",
                    country_str(&country),
                    table.names[market as usize]
                )));
            }
            rows.push(Row { market, from, to });
        }
        if table.by_country.is_empty() {
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

    /// Market of E.164 `digits` (no `+`) on `date`: the number's country
    /// by the numbering plan, then that country's market.
    pub fn lookup(&self, digits: &str, date: Date) -> MarketMatch {
        match self.plan.country(digits) {
            Some(n) => self.lookup_country(n.country, date),
            None => MarketMatch {
                market: self.other(),
                country: None,
            },
        }
    }

    /// Market of a country (a username's prefix, a `country` column, a
    /// number's country) on `date`; `Other` when the table does not list it.
    pub fn lookup_country(&self, country: Country, date: Date) -> MarketMatch {
        let market = self
            .by_country
            .get(&country)
            .and_then(|rows| rows.iter().find(|r| r.valid_on(date)))
            .map_or(self.other(), |r| r.market);
        MarketMatch {
            market,
            country: Some(country),
        }
    }

    /// The match for `digits` and, in words, the rules that decided it
    /// (for `wabill rates --number`).
    pub fn explain(&self, digits: &str, date: Date) -> (MarketMatch, String) {
        match self.plan.country(digits) {
            None => (
                self.lookup(digits, date),
                "no country has this calling code in the numbering plan: Other".to_string(),
            ),
            Some(Numbered { country, prefix }) => self.explain_country(
                country,
                &format!("by the numbering plan (prefix +{prefix})"),
                date,
            ),
        }
    }

    /// The match for a country given `how` (`by the username's prefix`),
    /// and the rules in words.
    pub fn explain_country(
        &self,
        country: Country,
        how: &str,
        date: Date,
    ) -> (MarketMatch, String) {
        let found = self.lookup_country(country, date);
        let c = country_str(&country);
        let listed = self
            .by_country
            .get(&country)
            .is_some_and(|rows| rows.iter().any(|r| r.valid_on(date)));
        let market = if listed {
            format!("market {} by Meta's country table", self.name(found.market))
        } else {
            format!("{c} is not in Meta's country table on {date}: Other")
        };
        (found, format!("country {c} {how}; {market}"))
    }

    /// Whether `c` is an ISO 3166-1 alpha-2 country code (`XX` is not).
    pub fn is_country(&self, c: Country) -> bool {
        self.plan.is_country(c)
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
    fn numbers_go_by_country_then_market_with_dates() {
        let t = MarketTable::builtin();
        let d = date(2026, 2, 1);
        assert_eq!(name_on(&t, "14155550100", d), "North America");
        assert_eq!(name_on(&t, "16135550100", d), "North America");
        assert_eq!(name_on(&t, "18765550100", d), "Rest of Latin America");
        // Bahamas and the US Virgin Islands: NANP, not in Meta's table.
        assert_eq!(name_on(&t, "12425550100", d), OTHER);
        assert_eq!(name_on(&t, "13405550100", d), OTHER);
        assert_eq!(name_on(&t, "919812345678", d), "India");
        assert_eq!(name_on(&t, "66812345678", d), "Rest of Asia Pacific");
        assert_eq!(name_on(&t, "85291234567", d), "Rest of Asia Pacific");
        assert_eq!(name_on(&t, "85291234567", date(2026, 7, 1)), "Hong Kong");
        assert_eq!(name_on(&t, "263771234567", date(2025, 9, 30)), OTHER);
        assert_eq!(
            name_on(&t, "263771234567", date(2025, 10, 1)),
            "Rest of Africa"
        );
        // Kazakhstan: Other until 2026-09-30 (INFERRED), then its own market.
        assert_eq!(name_on(&t, "77011234567", date(2026, 9, 30)), OTHER);
        assert_eq!(name_on(&t, "77011234567", date(2026, 10, 1)), "Kazakhstan");
        assert_eq!(name_on(&t, "79161234567", date(2026, 10, 1)), "Russia");
        // Jersey, Guernsey, Isle of Man: +44 but not the United Kingdom.
        assert_eq!(name_on(&t, "447700900123", d), "United Kingdom");
        assert_eq!(name_on(&t, "447797123456", d), OTHER);
        assert_eq!(name_on(&t, "441481123456", d), OTHER);
        assert_eq!(name_on(&t, "447624123456", d), OTHER);
        // Cook Islands (+682): a country Meta does not list.
        assert_eq!(name_on(&t, "6821234", d), OTHER);
        let m = t.lookup("35799123456", d);
        assert_eq!((t.name(m.market), m.country), (OTHER, Some(*b"CY")));
        assert_eq!(t.lookup("99912345678", d).country, None);
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
        assert_eq!(
            t.name(t.lookup_country(*b"TH", d).market),
            "Rest of Asia Pacific"
        );
        assert_eq!(
            t.name(t.lookup_country(*b"KZ", date(2026, 9, 30)).market),
            OTHER
        );
        assert_eq!(t.name(t.lookup_country(*b"JE", d).market), OTHER);
        assert_eq!(t.name(t.lookup_country(*b"ZZ", d).market), OTHER);
        assert!(!t.is_country(*b"XX"));
    }

    #[test]
    fn explains_the_rule_that_decided() {
        let t = MarketTable::builtin();
        let (_, why) = t.explain("66812345678", date(2026, 2, 1));
        assert_eq!(
            why,
            "country TH by the numbering plan (prefix +66); \
             market Rest of Asia Pacific by Meta's country table"
        );
        let (_, why) = t.explain("12425550100", date(2026, 2, 1));
        assert_eq!(
            why,
            "country BS by the numbering plan (prefix +1242); \
             BS is not in Meta's country table on 2026-02-01: Other"
        );
    }

    #[test]
    fn a_country_in_two_markets_at_once_is_an_error() {
        let text = "prefix,country,market,effective_from,effective_to\n\
                    76,KZ,Kazakhstan,2026-10-01,\n77,KZ,Russia,,\n";
        let Err(e) = MarketTable::parse("m.csv", text) else {
            panic!("a clash is refused")
        };
        assert_eq!(
            e.to_string(),
            "m.csv:3: country KZ is in Russia and in Kazakhstan on the same dates"
        );
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
