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
use crate::reconcile::fees::Fees;
use crate::reconcile::fx::{FxTable, NoRate};
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

/// The rules of a run: fees, tax, and conversion into the report currency.
#[derive(Debug)]
pub struct AllInRules {
    pub fees: Fees,
    pub tax: Tax,
    /// The `--fx` table, the card currency and the report currency.
    pub fx: Option<(FxTable, Currency, Currency)>,
    /// What the report says of the rules.
    pub description: String,
}

/// What a message is, for its fee.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    Delivered,
    Failed,
    Inbound,
}

impl AllInRules {
    /// The currency of the all-in amounts.
    pub fn currency(&self, card: Currency) -> Currency {
        self.fx.as_ref().map_or(card, |(_, _, to)| *to)
    }

    /// One message's amounts: `meta` (Meta's cost, card currency) on local
    /// `date`, of a business in `home` country.
    pub fn message(
        &self,
        meta: Decimal,
        delivery: Delivery,
        date: Date,
        home: Option<Country>,
    ) -> Result<AllIn, NoRate> {
        let per_message = match delivery {
            Delivery::Delivered => self.fees.outbound_message,
            Delivery::Failed => self.fees.failed_message,
            Delivery::Inbound => self.fees.inbound_message,
        };
        let fee = per_message + meta * self.fees.markup_percent / Decimal::ONE_HUNDRED;
        let tax = (meta + fee) * self.tax.rate(home) / Decimal::ONE_HUNDRED;
        let rate = match &self.fx {
            Some((table, from, to)) => table.rate(*from, *to, date)?.0,
            None => Decimal::ONE,
        };
        let (meta, fee, tax) = (meta * rate, fee * rate, tax * rate);
        Ok(AllIn {
            meta_cost: meta,
            provider_fee: fee,
            tax,
            total: meta + fee + tax,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn fee_tax_and_fx_are_exact() {
        let fees = Fees::parse(
            "f.csv",
            "fee,amount\noutbound_message,0.0010\nmarkup_percent,10\n",
        )
        .unwrap();
        let fx = FxTable::parse("fx.csv", "date,from,to,rate\n2026-02-01,USD,EUR,0.92\n").unwrap();
        let usd = Currency::parse("USD").unwrap();
        let eur = Currency::parse("EUR").unwrap();
        let rules = AllInRules {
            fees,
            tax: Tax::parse("DE:19,*:0").unwrap(),
            fx: Some((fx, usd, eur)),
            description: String::new(),
        };
        let date = jiff::civil::date(2026, 2, 2);
        let a = rules
            .message(dec!(0.1365), Delivery::Delivered, date, Some(*b"DE"))
            .unwrap();
        // fee 0.0010 + 0.01365; tax 19% of 0.15115; all × 0.92.
        assert_eq!(a.meta_cost, dec!(0.12558));
        assert_eq!(a.provider_fee, dec!(0.013478));
        assert_eq!(a.tax, dec!(0.02642102));
        assert_eq!(a.total, a.meta_cost + a.provider_fee + a.tax);
        let other = rules
            .message(dec!(0.1365), Delivery::Delivered, date, None)
            .unwrap();
        assert_eq!(other.tax, dec!(0));
        assert!(
            rules
                .message(
                    dec!(1),
                    Delivery::Failed,
                    jiff::civil::date(2026, 1, 1),
                    None
                )
                .is_err()
        );
        assert_eq!(Tax::parse("19%").unwrap().default, dec!(19));
        assert!(Tax::parse("120").is_err());
        assert!(Tax::parse("Germany:1").is_err());
        assert!(Tax::parse("DE:1,DE:2").is_err());
        assert_eq!(
            Tax::parse("DE:19,*:0").unwrap().describe(),
            "DE 19%, others 0%"
        );
    }
}
