//! `--fx`: dated exchange rates (`date,from,to,rate`). A cell converts at
//! the latest rate dated on or before its period's first day. Conversions
//! are exact products (nothing is rounded); rates are never inverted, since
//! 1/rate is not exact: give the direction you need.

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::actual::parse_amount;
use crate::model::Currency;
use crate::refdata::{RefDataError, parse_date, read_rows};

#[derive(Debug)]
pub struct FxTable {
    file: String,
    /// (from, to, date) → rate, sorted for lookup.
    rates: Vec<(Currency, Currency, Date, Decimal)>,
}

#[derive(Deserialize)]
struct Row {
    date: String,
    from: String,
    to: String,
    rate: String,
}

impl FxTable {
    pub fn parse(file: &str, text: &str) -> Result<FxTable, RefDataError> {
        let mut rates = Vec::new();
        for (line, row) in read_rows::<Row>(file, text)? {
            let err = |m: String| RefDataError::new(file, line, m);
            let date = parse_date(&row.date)
                .map_err(|e| err(format!("column date: {e}")))?
                .ok_or_else(|| err("column date: empty".into()))?;
            let currency = |column: &str, v: &str| {
                Currency::parse(v)
                    .ok_or_else(|| err(format!("column {column} {v:?}: not a 3-letter currency")))
            };
            let from = currency("from", &row.from)?;
            let to = currency("to", &row.to)?;
            let rate = parse_amount(&row.rate)
                .ok()
                // At most 10^7: above any currency pair, and low enough that
                // converting any amount cannot overflow.
                .filter(|r| r.is_sign_positive() && !r.is_zero() && *r <= Decimal::from(10_000_000))
                .ok_or_else(|| {
                    err(format!(
                        "column rate {:?}: not a positive decimal up to 10000000",
                        row.rate
                    ))
                })?;
            if rates
                .iter()
                .any(|(f, t, d, _)| (*f, *t, *d) == (from, to, date))
            {
                return Err(err(format!("{from}→{to} on {date} is given twice")));
            }
            rates.push((from, to, date, rate));
        }
        rates.sort();
        Ok(FxTable {
            file: file.to_string(),
            rates,
        })
    }

    /// The only currency `from` converts into, when there is just one.
    pub fn single_target(&self, from: Currency) -> Option<Currency> {
        let mut targets = self.rates.iter().filter(|r| r.0 == from).map(|r| r.1);
        let first = targets.next()?;
        targets.all(|t| t == first).then_some(first)
    }

    /// The rate in force on `date`: its value and the date it is from.
    pub fn rate(
        &self,
        from: Currency,
        to: Currency,
        date: Date,
    ) -> Result<(Decimal, Date), NoRate> {
        if from == to {
            return Ok((Decimal::ONE, date));
        }
        self.rates
            .iter()
            .rev()
            .find(|r| r.0 == from && r.1 == to && r.2 <= date)
            .map(|r| (r.3, r.2))
            .ok_or_else(|| NoRate {
                file: self.file.clone(),
                from,
                to,
                date,
            })
    }
}

/// No exchange rate in the `--fx` file for a period.
#[derive(Debug, thiserror::Error)]
#[error("{file}: no {from}→{to} rate on or before {date}")]
pub struct NoRate {
    pub file: String,
    pub from: Currency,
    pub to: Currency,
    pub date: Date,
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use rust_decimal_macros::dec;

    #[test]
    fn latest_rate_on_or_before() {
        let t = FxTable::parse(
            "fx.csv",
            "date,from,to,rate\n2026-01-01,USD,BRL,5.4321\n2026-01-15,USD,BRL,5.5\n",
        )
        .unwrap();
        let (usd, brl) = (
            Currency::parse("USD").unwrap(),
            Currency::parse("BRL").unwrap(),
        );
        assert_eq!(
            t.rate(usd, brl, date(2026, 1, 14)).unwrap(),
            (dec!(5.4321), date(2026, 1, 1))
        );
        assert_eq!(t.rate(usd, brl, date(2026, 1, 15)).unwrap().0, dec!(5.5));
        assert_eq!(
            t.rate(usd, brl, date(2025, 12, 31))
                .unwrap_err()
                .to_string(),
            "fx.csv: no USD→BRL rate on or before 2025-12-31"
        );
        assert!(t.rate(brl, usd, date(2026, 2, 1)).is_err());
        assert_eq!(t.single_target(usd), Some(brl));
        let e = FxTable::parse("fx.csv", "date,from,to,rate\n2026-01-01,USD,BRL,0\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "fx.csv:2: column rate \"0\": not a positive decimal up to 10000000"
        );
        let huge = "date,from,to,rate\n2026-01-01,USD,BRL,79228162514264337593543950335\n";
        assert!(FxTable::parse("fx.csv", huge).is_err());
    }
}
