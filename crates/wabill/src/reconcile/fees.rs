//! The provider's own charges, kept apart from Meta's: a CSV of `fee,amount`
//! rows, amounts in the billed currency (missing fees are 0):
//!
//! ```csv
//! fee,amount
//! outbound_message,0.0010   # per delivered outbound message, charged or free
//! inbound_message,0.0005    # per inbound (customer) message
//! failed_message,0.0002     # per outbound message not delivered
//! markup_percent,10         # percent added to Meta's cost
//! monthly_platform,49.00    # per billing month in the report
//! ```

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::actual::parse_amount;
use crate::refdata::{RefDataError, read_rows};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Fees {
    pub outbound_message: Decimal,
    pub inbound_message: Decimal,
    pub failed_message: Decimal,
    pub markup_percent: Decimal,
    pub monthly_platform: Decimal,
}

#[derive(Deserialize)]
struct Row {
    fee: String,
    amount: String,
}

impl Fees {
    pub fn parse(file: &str, text: &str) -> Result<Fees, RefDataError> {
        let mut fees = Fees::default();
        let mut seen: Vec<String> = Vec::new();
        for (line, row) in read_rows::<Row>(file, text)? {
            let err = |m: String| RefDataError::new(file, line, m);
            let name = row.fee.trim().to_ascii_lowercase();
            let amount = parse_amount(&row.amount)
                .ok()
                .filter(|a| !a.is_sign_negative())
                .ok_or_else(|| {
                    err(format!(
                        "column amount {:?}: not a decimal amount of 0 or more",
                        row.amount
                    ))
                })?;
            let slot = match name.as_str() {
                "outbound_message" => &mut fees.outbound_message,
                "inbound_message" => &mut fees.inbound_message,
                "failed_message" => &mut fees.failed_message,
                "markup_percent" => &mut fees.markup_percent,
                "monthly_platform" => &mut fees.monthly_platform,
                _ => {
                    return Err(err(format!(
                        "column fee {:?}: unknown fee (expected outbound_message, \
                         inbound_message, failed_message, markup_percent or monthly_platform)",
                        row.fee
                    )));
                }
            };
            if seen.contains(&name) {
                return Err(err(format!("column fee {:?}: given twice", row.fee)));
            }
            seen.push(name);
            *slot = amount;
        }
        Ok(fees)
    }

    /// The provider's charge on delivered outbound messages and Meta's cost
    /// for them. Exact: the markup is a percentage, so dividing by 100 only
    /// moves the decimal point.
    pub fn on_messages(&self, volume: u64, meta_cost: Decimal) -> Decimal {
        self.outbound_message * Decimal::from(volume)
            + meta_cost * self.markup_percent / Decimal::ONE_HUNDRED
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn fees_are_exact_and_checked() {
        let f = Fees::parse(
            "fees.csv",
            "fee,amount\n# comment\noutbound_message,0.0010\nmarkup_percent,12.5\n",
        )
        .unwrap();
        assert_eq!(
            f.on_messages(3, dec!(0.0693)),
            dec!(0.0030) + dec!(0.0086625)
        );
        assert_eq!(f.inbound_message, dec!(0));
        let e = Fees::parse("fees.csv", "fee,amount\nsetup,1\n").unwrap_err();
        assert!(
            e.to_string()
                .starts_with("fees.csv:2: column fee \"setup\": unknown fee")
        );
        let e = Fees::parse("fees.csv", "fee,amount\nmarkup_percent,-1\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "fees.csv:2: column amount \"-1\": not a decimal amount of 0 or more"
        );
    }
}
