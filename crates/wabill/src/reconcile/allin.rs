//! The all-in rules of a run (`--fees`, `--tax`, `--fx`): the fees file
//! and dated exchange rates `reconcile` reads, applied per message for the
//! reports (`report::allin`, README "Cost the way finance books it").

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::fees::Fees;
use super::fx::FxTable;
use crate::model::Currency;
use crate::refdata::markets::Country;
use crate::report::allin::{AllIn, AllInPricing, Delivery, Tax};

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

impl AllInPricing for AllInRules {
    fn currency(&self, card: Currency) -> Currency {
        self.fx.as_ref().map_or(card, |(_, _, to)| *to)
    }

    fn message(
        &self,
        meta: Decimal,
        delivery: Delivery,
        date: Date,
        home: Option<Country>,
    ) -> Result<AllIn, String> {
        let per_message = match delivery {
            Delivery::Delivered => self.fees.outbound_message,
            Delivery::Failed => self.fees.failed_message,
            Delivery::Inbound => self.fees.inbound_message,
        };
        let fee = per_message + meta * self.fees.markup_percent / Decimal::ONE_HUNDRED;
        let tax = (meta + fee) * self.tax.rate(home) / Decimal::ONE_HUNDRED;
        let rate = match &self.fx {
            Some((table, from, to)) => table.rate(*from, *to, date).map_err(|e| e.to_string())?.0,
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

    fn description(&self) -> &str {
        &self.description
    }

    fn monthly_platform(&self) -> Decimal {
        self.fees.monthly_platform
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
    }
}
