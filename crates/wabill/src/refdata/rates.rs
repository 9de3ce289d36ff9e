//! Rate cards as dated data. Every cell (market or country × category ×
//! currency) keeps all its versions; a message is priced with the version
//! whose `effective_from` is the latest one not after the message's date in
//! the business's time zone. An empty rate is a known change with an unknown
//! value: from that date the cell has no rate until a later version or a
//! user card gives one. We never guess.
//!
//! Conversation-era cards (per 24 h conversation) live in the same book
//! under their own columns (`RateCategory::Conversation`, `UserInitiated`,
//! `BusinessInitiated`), so a per-message lookup can never fall back on a
//! per-conversation rate or the reverse.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap as HashMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::csvfile::{RefDataError, column_of, parse_date, parse_rate, read_table};
use super::markets::{Country, MarketId, MarketTable, country_str, parse_country};
/// Currency is a domain type (`model::Currency`); re-exported here for the
/// readers of reference data.
pub use crate::model::Currency;
use crate::model::RateCategory;

/// What a card row is priced for: a Meta market, or one country (an ISO
/// code in the `market` column), which wins over its market.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RateKey {
    Market(MarketId),
    Country(Country),
}

#[derive(Clone, Debug)]
struct Version {
    from: Option<Date>,
    /// `None`: changed on `from`, value unknown.
    rate: Option<Decimal>,
    /// Later layers (user cards) win over earlier ones at the same date.
    layer: u8,
    card: u16,
    /// With `--stale-rates`, for an unknown value: the last known rate
    /// before it and the label saying so.
    stale: Option<(Decimal, u16)>,
}

impl Version {
    /// Sort key: among versions in force, the greatest wins. An undated row
    /// of a user card (layer > 0) overrides the built-in cards at every date;
    /// otherwise the latest date wins, and the later layer on a tie.
    fn precedence(&self) -> (bool, Option<Date>, u8) {
        (self.from.is_none() && self.layer > 0, self.from, self.layer)
    }
}

/// A rate found for a message, with the card it came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FoundRate<'a> {
    pub rate: Decimal,
    pub card: &'a str,
    pub from: Option<Date>,
    /// `--stale-rates`: the cell changed on this date to a value not
    /// published, and `rate` is the last one known before it.
    pub stale_since: Option<Date>,
    /// From a card compiled into wabill (not a user's `--rates`).
    pub builtin: bool,
}

/// Why no rate could be found; rendered into the rejection message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MissingRate {
    /// No card has ever given this cell.
    NeverGiven,
    /// A card lists the cell as changed on this date with no known value.
    UnknownSince { from: Date, card: String },
}

#[derive(Deserialize)]
struct RawRate {
    market: String,
    category: String,
    rate: String,
    currency: String,
    #[serde(default)]
    effective_from: String,
    /// `message` (default) or `conversation`.
    #[serde(default)]
    unit: String,
}

/// What a card's rates are charged per, when its rows do not say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Message,
    Conversation,
}

#[derive(Debug, Default)]
pub struct RateBook {
    cells: HashMap<(Currency, RateKey, RateCategory), Vec<Version>>,
    cards: Vec<String>,
    layers: u8,
    /// `--stale-rates` is on: unknown values fall back on the last known.
    stale: bool,
}

impl RateBook {
    /// The built-in per-message and per-conversation cards.
    pub fn builtin(markets: &mut MarketTable) -> Self {
        let mut book = RateBook::default();
        let builtin = super::builtin::PER_MESSAGE_CARDS
            .iter()
            .map(|c| (c, Unit::Message))
            .chain(
                super::builtin::CONVERSATION_CARDS
                    .iter()
                    .map(|c| (c, Unit::Conversation)),
            );
        for ((name, text), unit) in builtin {
            book.add_rows(name, text, markets, unit, false, false)
                .expect("built-in cards are valid");
        }
        book.new_layer();
        book
    }

    /// Starts a new layer: cards added from now on win ties over earlier ones.
    /// The built-in cards are layer 0.
    pub fn new_layer(&mut self) {
        self.layers += 1;
    }

    /// Adds a card file (one or several versions) to the current layer.
    /// Rows are per message unless their `unit` column says `conversation`
    /// (`user_initiated` and `business_initiated` are always per
    /// conversation). Meta's downloadable rate card is read as published.
    pub fn add_card(
        &mut self,
        name: &str,
        text: &str,
        markets: &mut MarketTable,
    ) -> Result<usize, RefDataError> {
        let converted = super::metafile::rates_to_csv(name, text)?;
        // A user's own CSV: its columns are the file's (Meta's file is
        // converted first, so its columns are not).
        let user_csv = converted.is_none();
        let n = self.add_rows(
            name,
            converted.as_deref().unwrap_or(text),
            markets,
            Unit::Message,
            true,
            user_csv,
        )?;
        if self.stale {
            self.fill_stale();
        }
        Ok(n)
    }

    /// `--stale-rates`: from now on a cell whose value is unknown on a date
    /// is priced at its last known rate, labelled "stale since" the change.
    pub fn allow_stale(&mut self) {
        self.stale = true;
        self.fill_stale();
    }

    fn fill_stale(&mut self) {
        let mut labels: Vec<String> = Vec::new();
        for versions in self.cells.values_mut() {
            let mut last: Option<(Decimal, u16)> = None;
            for v in versions.iter_mut() {
                match v.rate {
                    Some(r) => last = Some((r, v.card)),
                    None => {
                        v.stale = last.map(|(r, card)| {
                            let label = format!(
                                "{}, stale since {}",
                                self.cards[card as usize],
                                v.from.map_or(String::new(), |d| d.to_string())
                            );
                            let i = match self.cards.iter().chain(&labels).position(|c| *c == label)
                            {
                                Some(i) => i,
                                None => {
                                    labels.push(label);
                                    self.cards.len() + labels.len() - 1
                                }
                            };
                            (r, i as u16)
                        })
                    }
                }
            }
        }
        self.cards.extend(labels);
    }

    fn add_rows(
        &mut self,
        name: &str,
        text: &str,
        markets: &mut MarketTable,
        default_unit: Unit,
        user_file: bool,
        user_csv: bool,
    ) -> Result<usize, RefDataError> {
        let (headers, rows) = read_table::<RawRate>(name, text)?;
        let market_column = column_of(&headers, "market");
        let card_base = name.trim_start_matches("built-in ");
        for (line, raw) in &rows {
            let err = |m: String| RefDataError::new(name, *line, m);
            let key = match parse_country(&raw.market) {
                Some(c) if raw.market.trim().len() == 2 => RateKey::Country(c),
                _ if raw.market.trim().is_empty() => {
                    return Err(err("market is empty".into()));
                }
                // `Global`: a rate with no market (the Business Agent's per-token rate).
                _ if raw.market.trim().eq_ignore_ascii_case("global") => {
                    RateKey::Market(markets.intern("Global"))
                }
                _ if user_file => RateKey::Market(markets.known(&raw.market).map_err(|e| {
                    err(e.to_string()).in_column(market_column.filter(|_| user_csv))
                })?),
                _ => RateKey::Market(markets.intern(&raw.market)),
            };
            let category: RateCategory = raw.category.parse().map_err(|_| {
                err(format!(
                    "category {:?} is not marketing, utility, authentication, \
                     authentication_international, service, general_purpose_ai, \
                     business_agent, any, user_initiated or business_initiated",
                    raw.category
                ))
            })?;
            let unit = match raw.unit.trim().to_ascii_lowercase().as_str() {
                "" => default_unit,
                "message" => Unit::Message,
                "conversation" => Unit::Conversation,
                other => {
                    return Err(err(format!(
                        "unit {other:?} is not message or conversation"
                    )));
                }
            };
            let category = match unit {
                Unit::Message => category,
                Unit::Conversation => category.to_conversation().ok_or_else(|| {
                    err("category any is only for per-message (2018) cards".into())
                })?,
            };
            let currency = Currency::parse(&raw.currency).ok_or_else(|| {
                err(format!(
                    "currency {:?} is not a 3-letter code",
                    raw.currency
                ))
            })?;
            let rate = match raw.rate.trim() {
                "" => None,
                s => Some(parse_rate(s).map_err(|e| err(format!("rate {e}")))?),
            };
            let from = parse_date(&raw.effective_from).map_err(|e| err(e.to_string()))?;
            let label = match from {
                Some(d) => format!("{card_base} ({currency} {d})"),
                None => format!("{card_base} ({currency})"),
            };
            let card = match self.cards.iter().position(|c| *c == label) {
                Some(i) => i as u16,
                None => {
                    self.cards.push(label);
                    (self.cards.len() - 1) as u16
                }
            };
            let versions = self.cells.entry((currency, key, category)).or_default();
            versions.push(Version {
                from,
                rate,
                layer: self.layers,
                card,
                stale: None,
            });
            versions.sort_by_key(Version::precedence);
        }
        Ok(rows.len())
    }

    fn version(
        &self,
        currency: Currency,
        key: RateKey,
        cat: RateCategory,
        date: Date,
    ) -> Option<&Version> {
        let versions = self.cells.get(&(currency, key, cat))?;
        versions
            .iter()
            .rev()
            .find(|v| v.from.is_none_or(|f| f <= date))
    }

    /// The rate for a message to `market`/`country` in `category` on `date`.
    /// A country row beats its market's row; an exact category beats `any`.
    pub fn lookup(
        &self,
        currency: Currency,
        market: MarketId,
        country: Option<Country>,
        category: RateCategory,
        date: Date,
    ) -> Result<FoundRate<'_>, MissingRate> {
        let keys = country
            .map(RateKey::Country)
            .into_iter()
            .chain([RateKey::Market(market)]);
        // `any` is a per-message column: conversations never fall back on it.
        let cats: &[RateCategory] = if category.per_conversation() {
            &[category]
        } else {
            &[category, RateCategory::Any]
        };
        let found = cats
            .iter()
            .flat_map(|c| keys.clone().map(move |k| (k, *c)))
            .find_map(|(k, c)| self.version(currency, k, c, date));
        self.found(found)
    }

    /// The rate of `category` alone (never the `any` column) for the first
    /// of `keys` with a version in force: the 2026 lines, whose fallbacks
    /// are their own (see `pricing::lines`).
    pub fn lookup_exact(
        &self,
        currency: Currency,
        keys: &[RateKey],
        category: RateCategory,
        date: Date,
    ) -> Result<FoundRate<'_>, MissingRate> {
        let found = keys
            .iter()
            .find_map(|k| self.version(currency, *k, category, date));
        self.found(found)
    }

    fn found(&self, version: Option<&Version>) -> Result<FoundRate<'_>, MissingRate> {
        match version {
            Some(Version {
                rate: Some(rate),
                from,
                card,
                layer,
                ..
            }) => Ok(FoundRate {
                rate: *rate,
                card: &self.cards[*card as usize],
                from: *from,
                stale_since: None,
                builtin: *layer == 0,
            }),
            Some(Version {
                rate: None,
                from,
                stale: Some((rate, card)),
                layer,
                ..
            }) if self.stale => Ok(FoundRate {
                rate: *rate,
                card: &self.cards[*card as usize],
                from: *from,
                stale_since: *from,
                builtin: *layer == 0,
            }),
            Some(Version {
                rate: None,
                from,
                card,
                ..
            }) => Err(MissingRate::UnknownSince {
                from: from.unwrap_or_default(),
                card: self.cards[*card as usize].clone(),
            }),
            None => Err(MissingRate::NeverGiven),
        }
    }

    /// Whether a cell has any version in force on `date` (known or not):
    /// used to tell whether a market has an authentication-international rate.
    pub fn has_cell(
        &self,
        currency: Currency,
        market: MarketId,
        cat: RateCategory,
        date: Date,
    ) -> bool {
        self.version(currency, RateKey::Market(market), cat, date)
            .is_some()
    }

    pub fn currencies(&self) -> Vec<Currency> {
        let mut v: Vec<Currency> = self.cells.keys().map(|k| k.0).collect();
        v.sort();
        v.dedup();
        v
    }

    /// Every cell in force on `date` in `currency`, sorted by key and
    /// category: the whole card as it applied that day.
    pub fn card_on(&self, currency: Currency, date: Date) -> Vec<CardCell<'_>> {
        let mut out: BTreeMap<(RateKey, RateCategory), CardCell<'_>> = BTreeMap::new();
        for (cur, key, cat) in self.cells.keys() {
            if *cur != currency {
                continue;
            }
            if let Some(v) = self.version(currency, *key, *cat, date) {
                out.insert(
                    (*key, *cat),
                    CardCell {
                        key: *key,
                        category: *cat,
                        rate: v.rate,
                        from: v.from,
                        card: &self.cards[v.card as usize],
                        builtin: v.layer == 0,
                    },
                );
            }
        }
        out.into_values().collect()
    }
}

/// One cell of a card as it applied on some date.
#[derive(Clone, Debug)]
pub struct CardCell<'a> {
    pub key: RateKey,
    pub category: RateCategory,
    pub rate: Option<Decimal>,
    pub from: Option<Date>,
    pub card: &'a str,
    /// From a card compiled into wabill (not a user's `--rates`).
    pub builtin: bool,
}

impl RateKey {
    pub fn name<'m>(&self, markets: &'m MarketTable) -> std::borrow::Cow<'m, str> {
        match self {
            RateKey::Market(m) => markets.name(*m).into(),
            RateKey::Country(c) => country_str(c).to_string().into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Category;
    use jiff::civil::date;
    use rust_decimal_macros::dec;

    fn rate(
        book: &RateBook,
        m: &MarketTable,
        market: &str,
        cat: Category,
        d: Date,
    ) -> Result<Decimal, MissingRate> {
        book.lookup(
            Currency::USD,
            m.id(market).unwrap(),
            None,
            RateCategory::Of(cat),
            d,
        )
        .map(|r| r.rate)
    }

    #[test]
    fn versions_follow_the_calendar() {
        let mut m = MarketTable::builtin();
        let book = RateBook::builtin(&mut m);
        let u = Category::Utility;
        assert_eq!(
            rate(&book, &m, "Argentina", u, date(2025, 9, 30)),
            Ok(dec!(0.0289))
        );
        assert_eq!(
            rate(&book, &m, "Argentina", u, date(2025, 10, 1)),
            Ok(dec!(0.0260))
        );
        assert_eq!(
            rate(&book, &m, "North America", u, date(2025, 8, 1)),
            Err(MissingRate::NeverGiven)
        );
        assert_eq!(
            rate(&book, &m, "North America", u, date(2026, 1, 1)),
            Ok(dec!(0.0034))
        );
        // Changed twice in 2026, both values known since November 2026.
        assert_eq!(
            rate(&book, &m, "Pakistan", u, date(2026, 4, 1)),
            Ok(dec!(0.0100))
        );
        assert_eq!(
            rate(&book, &m, "Pakistan", u, date(2026, 10, 1)),
            Ok(dec!(0.0150))
        );
        // Known change, unknown value: Iraq authentication-international.
        let intl = Category::AuthenticationInternational;
        assert!(matches!(
            rate(&book, &m, "Iraq", intl, date(2026, 10, 1)),
            Err(MissingRate::UnknownSince { .. })
        ));
        // Unchanged cells carry over from the latest full card.
        assert_eq!(
            rate(&book, &m, "India", u, date(2026, 11, 1)),
            rate(&book, &m, "India", u, date(2026, 1, 1))
        );
    }

    #[test]
    fn user_cards_fill_gaps_and_win_ties() {
        let mut m = MarketTable::builtin();
        let mut book = RateBook::builtin(&mut m);
        book.new_layer();
        let user = "market,category,rate,currency,effective_from\n\
                    North America,utility,0.0040,USD,2025-07-01\n\
                    IN,marketing,0.5,USD,\n\
                    Brazil,marketing,0.07,USD,\n";
        assert_eq!(book.add_card("user.csv", user, &mut m).unwrap(), 3);
        // An undated user row overrides every built-in version.
        assert_eq!(
            rate(&book, &m, "Brazil", Category::Marketing, date(2026, 2, 1)),
            Ok(dec!(0.07))
        );
        assert_eq!(
            rate(
                &book,
                &m,
                "North America",
                Category::Utility,
                date(2025, 8, 1)
            ),
            Ok(dec!(0.0040))
        );
        // The built-in 2026-01-01 version is newer and wins after that date.
        assert_eq!(
            rate(
                &book,
                &m,
                "North America",
                Category::Utility,
                date(2026, 2, 1)
            ),
            Ok(dec!(0.0034))
        );
        let india = m.id("India").unwrap();
        let r = book.lookup(
            Currency::USD,
            india,
            Some(*b"IN"),
            RateCategory::Of(Category::Marketing),
            date(2026, 2, 1),
        );
        assert_eq!(r.unwrap().rate, dec!(0.5));
    }

    #[test]
    fn conversation_rows_have_their_own_columns() {
        let mut m = MarketTable::builtin();
        let mut book = RateBook::builtin(&mut m);
        book.new_layer();
        let user = "market,category,rate,currency,effective_from,unit\n\
                    Brazil,marketing,0.0600,USD,2023-06-01,conversation\n\
                    Brazil,business_initiated,0.0500,USD,2022-02-01,\n\
                    Brazil,marketing,0.0700,USD,2023-06-01,message\n";
        assert_eq!(book.add_card("user.csv", user, &mut m).unwrap(), 3);
        let brazil = m.id("Brazil").unwrap();
        let at = |cat, d| {
            book.lookup(Currency::USD, brazil, None, cat, d)
                .map(|r| r.rate)
        };
        let conv = RateCategory::Conversation(Category::Marketing);
        assert_eq!(at(conv, date(2024, 1, 1)), Ok(dec!(0.0600)));
        // The built-in conversation card takes over from its date.
        assert_eq!(at(conv, date(2024, 11, 1)), Ok(dec!(0.0625)));
        assert_eq!(
            at(RateCategory::Of(Category::Marketing), date(2024, 1, 1)),
            Ok(dec!(0.0700))
        );
        assert_eq!(
            at(RateCategory::BusinessInitiated, date(2022, 3, 1)),
            Ok(dec!(0.0500))
        );
        assert_eq!(
            at(RateCategory::UserInitiated, date(2022, 3, 1)),
            Err(MissingRate::NeverGiven)
        );
        let bad = "market,category,rate,currency,effective_from,unit\n\
                   Brazil,marketing,0.06,USD,,session\n";
        let e = book.add_card("bad.csv", bad, &mut m).unwrap_err();
        assert_eq!(
            e.to_string(),
            "bad.csv:2: unit \"session\" is not message or conversation"
        );
        let e = book
            .add_card("bad.csv", &bad.replace(",session", ","), &mut m)
            .map(|_| ());
        assert!(e.is_ok(), "an empty unit means message");
        let any = "market,category,rate,currency,effective_from,unit\n\
                   Brazil,any,0.06,USD,,conversation\n";
        let e = book.add_card("any.csv", any, &mut m).unwrap_err();
        assert!(e.to_string().contains("any is only for per-message"), "{e}");
    }

    #[test]
    fn stale_rates_fall_back_on_the_last_known_value() {
        let mut m = MarketTable::builtin();
        let mut book = RateBook::builtin(&mut m);
        book.new_layer();
        let user = "market,category,rate,currency,effective_from\n\
                    Brazil,marketing,0.0700,USD,2026-01-01\n\
                    Brazil,marketing,,USD,2026-11-01\n";
        book.add_card("user.csv", user, &mut m).unwrap();
        let brazil = m.id("Brazil").unwrap();
        let at = |book: &RateBook, d| {
            book.lookup(
                Currency::USD,
                brazil,
                None,
                RateCategory::Of(Category::Marketing),
                d,
            )
            .map(|r| (r.rate, r.card.to_string(), r.stale_since))
        };
        assert!(matches!(
            at(&book, date(2026, 11, 2)),
            Err(MissingRate::UnknownSince { .. })
        ));
        book.allow_stale();
        assert_eq!(
            at(&book, date(2026, 11, 2)),
            Ok((
                dec!(0.0700),
                "user.csv (USD 2026-01-01), stale since 2026-11-01".to_string(),
                Some(date(2026, 11, 1))
            ))
        );
        // Known values are untouched; a cell never known stays unknown.
        assert_eq!(at(&book, date(2026, 10, 2)).unwrap().2, None);
        let iraq = m.id("Iraq").unwrap();
        let intl = RateCategory::Of(Category::AuthenticationInternational);
        assert!(
            book.lookup(Currency::USD, iraq, None, intl, date(2026, 10, 2))
                .is_err()
        );
    }

    /// Meta's April 2026 file, read as published, gives every cell the
    /// built-in cards have in force on 2026-04-01.
    #[test]
    fn meta_rate_card_equals_the_built_in_cards() {
        let mut m = MarketTable::builtin();
        let builtin = RateBook::builtin(&mut m);
        let mut meta = RateBook::default();
        let n = meta
            .add_card(
                "USD_rates-2026-04-01.csv",
                include_str!("../../../../data/examples/meta-files/USD_rates-2026-04-01.csv"),
                &mut m,
            )
            .unwrap();
        let d = date(2026, 4, 1);
        let cells = |book: &RateBook| {
            book.card_on(Currency::USD, d)
                .into_iter()
                .filter(|c| matches!(c.category, RateCategory::Of(_)))
                .map(|c| (c.key, c.category, c.rate))
                .collect::<Vec<_>>()
        };
        assert_eq!(n, 105);
        assert_eq!(cells(&meta), cells(&builtin));
    }

    #[test]
    fn bad_rows_name_file_and_line() {
        let mut m = MarketTable::builtin();
        let mut book = RateBook::default();
        let text =
            "market,category,rate,currency,effective_from\nIndia,utility,abc,USD,2026-01-01\n";
        let e = book.add_card("x.csv", text, &mut m).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.csv:2: rate \"abc\" is not a decimal number (like 0.0625)"
        );
        for (rate, message) in [
            ("1e5", "rate \"1e5\" is not a decimal number"),
            ("1_000", "rate \"1_000\" is not a decimal number"),
            ("1000001", "rate 1000001 is above 1000000"),
            ("0.00000000000000000000000000001", "more digits than"),
        ] {
            let text = format!("market,category,rate,currency\nIndia,utility,{rate},USD\n");
            let e = book.add_card("x.csv", &text, &mut m).unwrap_err();
            assert!(e.to_string().contains(message), "{rate}: {e}");
        }
    }

    #[test]
    fn a_user_card_names_known_markets_only() {
        let mut m = MarketTable::builtin();
        let mut book = RateBook::builtin(&mut m);
        for (market, message) in [
            (
                "Brasil",
                "x.csv:3:1: market \"Brasil\" is not in the market table",
            ),
            (
                "brazil",
                "x.csv:3:1: market \"brazil\" is not known: did you mean \"Brazil\"?",
            ),
        ] {
            let text = format!(
                "market,category,rate,currency\nIndia,utility,0.01,USD\n{market},marketing,0.05,USD\n"
            );
            let e = book.add_card("x.csv", &text, &mut m).unwrap_err();
            assert!(e.to_string().starts_with(message), "{e}");
        }
    }
}
