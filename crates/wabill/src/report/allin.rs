//! The all-in cost of each message, as finance books it: Meta's cost, the
//! provider's fee (`--fees`, the file `reconcile` reads), tax (`--tax`,
//! VAT/GST in percent, optionally per the business's home country) and the
//! total, each converted into a reporting currency (`--fx`, the rate in
//! force on the message's local date).
//!
//! Every amount is exact (rust_decimal): a fee is the file's amount plus
//! `markup_percent` × Meta's cost / 100, tax is `rate` × (Meta's cost +
//! fee) / 100, a conversion is one product; nothing is rounded (reports
//! show 4 places). Fees that are no message's (`monthly_platform`) and
//! inbound messages' fees are not in any group: the report states them.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::model::Currency;
use crate::refdata::markets::Country;

/// One message's (or a group's) all-in amounts, in the report currency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllIn {
    pub meta_cost: Decimal,
    pub provider_fee: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
}

impl AllIn {
    pub fn add(&mut self, other: &AllIn) {
        self.meta_cost += other.meta_cost;
        self.provider_fee += other.provider_fee;
        self.tax += other.tax;
        self.total += other.total;
    }
}

/// `--tax`: a rate for every business, or rates by home country.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tax {
    /// Percent for businesses with no rate of their own (0 when not given).
    pub default: Decimal,
    pub by_country: Vec<(Country, Decimal)>,
}

/// A `--tax` value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--tax {0:?}: expected a percent (19 or 19%) or COUNTRY:PERCENT pairs (DE:19,FR:20,*:0)")]
pub struct BadTax(pub String);

impl Tax {
    /// `19`, `19%`, `7.5%`, or `DE:19,FR:20%,*:0` (`*`: every other business).
    pub fn parse(s: &str) -> Result<Tax, BadTax> {
        let bad = || BadTax(s.to_string());
        let percent = |v: &str| -> Result<Decimal, BadTax> {
            let v = v.trim();
            let v = v.strip_suffix('%').unwrap_or(v).trim();
            v.parse::<Decimal>()
                .ok()
                .filter(|d| !d.is_sign_negative() && *d <= Decimal::ONE_HUNDRED)
                .ok_or_else(bad)
        };
        let mut tax = Tax::default();
        if !s.contains(':') {
            tax.default = percent(s)?;
            return Ok(tax);
        }
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (country, rate) = part.split_once(':').ok_or_else(bad)?;
            let rate = percent(rate)?;
            match country.trim() {
                "*" => tax.default = rate,
                c => {
                    let code = crate::refdata::markets::parse_country(c).ok_or_else(bad)?;
                    if tax.by_country.iter().any(|(k, _)| *k == code) {
                        return Err(bad());
                    }
                    tax.by_country.push((code, rate));
                }
            }
        }
        Ok(tax)
    }

    pub fn rate(&self, country: Option<Country>) -> Decimal {
        country
            .and_then(|c| self.by_country.iter().find(|(k, _)| *k == c))
            .map_or(self.default, |(_, r)| *r)
    }

    /// As the report states it: `19%`, or `DE 19%, FR 20%, others 0%`.
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = self
            .by_country
            .iter()
            .map(|(c, r)| {
                format!(
                    "{} {}%",
                    crate::refdata::markets::country_str(c),
                    r.normalize()
                )
            })
            .collect();
        if parts.is_empty() {
            return format!("{}%", self.default.normalize());
        }
        parts.push(format!("others {}%", self.default.normalize()));
        parts.join(", ")
    }
}

/// What a message is, for its fee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    Failed,
    Inbound,
}

/// What prices a message all-in: the fees, tax and FX of a run
/// (`reconcile::allin::AllInRules`), seen by the report through this trait
/// so that reports do not depend on the reconciliation's tables.
pub trait AllInPricing: std::fmt::Debug {
    /// One message's amounts: `meta` (Meta's cost, card currency) on local
    /// `date`, of a business in `home` country; `Err`: why it cannot be
    /// converted (no exchange rate for the date).
    fn message(
        &self,
        meta: Decimal,
        delivery: Delivery,
        date: Date,
        home: Option<Country>,
    ) -> Result<AllIn, String>;
    /// The currency of the all-in amounts.
    fn currency(&self, card: Currency) -> Currency;
    /// What the report says of the rules.
    fn description(&self) -> &str;
    /// The fees file's `monthly_platform` (no message's fee).
    fn monthly_platform(&self) -> Decimal;
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn tax_rates_by_country_or_for_all() {
        assert_eq!(Tax::parse("19%").unwrap().default, dec!(19));
        assert!(Tax::parse("120").is_err());
        assert!(Tax::parse("Germany:1").is_err());
        assert!(Tax::parse("DE:1,DE:2").is_err());
        let t = Tax::parse("DE:19,*:0").unwrap();
        assert_eq!(t.describe(), "DE 19%, others 0%");
        assert_eq!(t.rate(Some(*b"DE")), dec!(19));
        assert_eq!(t.rate(Some(*b"FR")), dec!(0));
    }
}
