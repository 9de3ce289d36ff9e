//! Data of Meta's 2026 lines that is not a rate card: where AI Providers
//! are charged (`data/ai-providers.csv`, replaceable with `--ai-markets`),
//! the built-in Business Agent token rate, and the user's max prices for
//! Marketing Messages API templates (`--max-price`).

use jiff::civil::{Date, date};
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::Deserialize;

use super::csvfile::{RefDataError, parse_date, read_rows};
use super::markets::{Country, parse_country};
use super::rates::Currency;

pub const BUILTIN_AI_MARKETS: (&str, &str) = (
    "built-in ai-providers.csv",
    include_str!("../../../../data/ai-providers.csv"),
);

/// Meta bills Business Agent tokens from this date (launch 2026-07-01).
pub const AGENT_BILLED_FROM: Date = date(2026, 8, 1);

/// Meta's one global Business Agent rate: USD 2.00 per million tokens.
pub fn agent_rate_usd() -> Decimal {
    Decimal::new(2, 6)
}

pub const AGENT_RATE_SOURCE: &str = "built-in business_agent USD 2.00 per 1M tokens (2026-08-01)";

/// Countries and business-local days where AI Providers pay for
/// non-template messages.
#[derive(Clone, Debug, Default)]
pub struct AiMarkets {
    spans: Vec<(Country, Date, Option<Date>)>,
}

#[derive(Deserialize)]
struct RawAiMarket {
    country: String,
    from: String,
    #[serde(default)]
    until: String,
}

impl AiMarkets {
    pub fn builtin() -> Self {
        let (name, text) = BUILTIN_AI_MARKETS;
        Self::parse(name, text).expect("the built-in AI Provider markets are valid")
    }

    pub fn parse(name: &str, text: &str) -> Result<Self, RefDataError> {
        let mut spans = Vec::new();
        for (line, raw) in read_rows::<RawAiMarket>(name, text)? {
            let err = |m: String| RefDataError::new(name, line, m);
            let country = parse_country(&raw.country)
                .filter(|_| raw.country.trim().len() == 2)
                .ok_or_else(|| err(format!("country {:?} is not ISO alpha-2", raw.country)))?;
            let from = parse_date(&raw.from)
                .map_err(|e| err(e.to_string()))?
                .ok_or_else(|| err("from is empty".into()))?;
            let until = parse_date(&raw.until).map_err(|e| err(e.to_string()))?;
            if until.is_some_and(|u| u < from) {
                return Err(err("until is before from".into()));
            }
            spans.push((country, from, until));
        }
        Ok(AiMarkets { spans })
    }

    /// Whether a non-template message to `country` on `day` is charged.
    pub fn covers(&self, country: Option<Country>, day: Date) -> bool {
        country.is_some_and(|c| {
            self.spans
                .iter()
                .any(|(k, from, until)| *k == c && *from <= day && until.is_none_or(|u| day <= u))
        })
    }
}

/// A template's max price per delivered message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPrice {
    pub per_message: Decimal,
    pub currency: Currency,
}

/// `--max-price FILE`: template → maximum per 1,000 deliveries.
#[derive(Clone, Debug, Default)]
pub struct MaxPrices {
    by_template: FxHashMap<String, MaxPrice>,
}

#[derive(Deserialize)]
struct RawMaxPrice {
    template: String,
    max_price_per_1000: String,
    currency: String,
}

impl MaxPrices {
    pub fn parse(name: &str, text: &str) -> Result<Self, RefDataError> {
        let mut by_template = FxHashMap::default();
        for (line, raw) in read_rows::<RawMaxPrice>(name, text)? {
            let err = |m: String| RefDataError::new(name, line, m);
            let template = raw.template.trim();
            if template.is_empty() {
                return Err(err("template is empty".into()));
            }
            let per_1000: Decimal = raw
                .max_price_per_1000
                .trim()
                .parse()
                .ok()
                .filter(|d: &Decimal| !d.is_sign_negative())
                .ok_or_else(|| {
                    err(format!(
                        "max_price_per_1000 {:?} is not a non-negative decimal",
                        raw.max_price_per_1000
                    ))
                })?;
            let currency = Currency::parse(&raw.currency).ok_or_else(|| {
                err(format!(
                    "currency {:?} is not a 3-letter code",
                    raw.currency
                ))
            })?;
            let price = MaxPrice {
                per_message: per_1000 / Decimal::ONE_THOUSAND,
                currency,
            };
            if by_template.insert(template.to_string(), price).is_some() {
                return Err(err(format!("template {template:?} appears twice")));
            }
        }
        Ok(MaxPrices { by_template })
    }

    pub fn get(&self, template: &str) -> Option<MaxPrice> {
        self.by_template.get(template).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.by_template.is_empty()
    }

    /// A currency of the file other than `currency`, if any (a WABA prices
    /// in one currency).
    pub fn currency_other_than(&self, currency: Currency) -> Option<Currency> {
        let mut others: Vec<Currency> = self
            .by_template
            .values()
            .map(|p| p.currency)
            .filter(|c| *c != currency)
            .collect();
        others.sort();
        others.first().copied()
    }
}

/// Everything the 2026 lines read, fixed for a run.
#[derive(Clone, Debug, Default)]
pub struct Lines {
    pub ai_markets: AiMarkets,
    pub max_prices: MaxPrices,
    /// `--agent-tokens-per-message`: the estimate for Business Agent rows
    /// without a `tokens` value.
    pub agent_tokens_per_message: Option<u64>,
}

impl Lines {
    pub fn builtin() -> Self {
        Lines {
            ai_markets: AiMarkets::builtin(),
            ..Lines::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ai_markets_follow_the_may_2026_table() {
        let m = AiMarkets::builtin();
        let (it, br, de, us) = (Some(*b"IT"), Some(*b"BR"), Some(*b"DE"), Some(*b"US"));
        assert!(!m.covers(it, date(2026, 2, 15)));
        assert!(m.covers(it, date(2026, 2, 16)));
        assert!(m.covers(it, date(2026, 5, 12)));
        assert!(!m.covers(it, date(2026, 5, 13)));
        assert!(!m.covers(de, date(2026, 3, 10)));
        assert!(m.covers(de, date(2026, 3, 11)));
        assert!(m.covers(br, date(2027, 1, 1)));
        assert!(!m.covers(us, date(2026, 4, 1)));
        assert!(!m.covers(None, date(2026, 4, 1)));
    }

    #[test]
    fn max_prices_are_per_thousand() {
        let p =
            MaxPrices::parse("f", "template,max_price_per_1000,currency\npromo,50,usd\n").unwrap();
        let got = p.get("promo").unwrap();
        assert_eq!(got.per_message, Decimal::new(5, 2));
        assert_eq!(got.currency, Currency::USD);
        assert!(MaxPrices::parse("f", "template,max_price_per_1000,currency\np,-1,USD\n").is_err());
    }
}
