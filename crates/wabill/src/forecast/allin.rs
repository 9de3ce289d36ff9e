//! The all-in cost of a forecast (`forecast --fees --tax --fx`): each priced
//! volume's Meta cost, provider fee, tax and total, by the rules `estimate`
//! uses (`report::allin`), summed into the rows, months and totals.
//!
//! A volume of `n` delivered messages costing `c` in all is priced as one
//! message of cost `c` plus `n - 1` messages of cost 0: the fee is
//! `n` × the per-message fee + markup × `c`, and tax and conversion are
//! linear, so the amounts are exact. A forecast month converts at the rate
//! in force on its first day. Tax is the one rate for every business (a
//! forecast's volumes are not a business's).

use jiff::civil::Date;
use rust_decimal::Decimal;

use super::{ForecastAllIn, ForecastReport};
use crate::model::Currency;
use crate::report::allin::{AllIn, AllInPricing, Delivery};

/// The all-in amounts of `messages` delivered messages costing `cost`.
pub fn volume(
    rules: &dyn AllInPricing,
    cost: Decimal,
    messages: u64,
    date: Date,
) -> Result<AllIn, String> {
    let mut sum = rules.message(cost, Delivery::Delivered, date, None)?;
    if messages > 1 {
        let one = rules.message(Decimal::ZERO, Delivery::Delivered, date, None)?;
        let rest = Decimal::from(messages - 1);
        sum.add(&AllIn {
            meta_cost: one.meta_cost * rest,
            provider_fee: one.provider_fee * rest,
            tax: one.tax * rest,
            total: one.total * rest,
        });
    }
    Ok(sum)
}

/// Adds the all-in amounts to every row, month and the totals of `report`
/// (priced in `card` currency). `Err`: each month that cannot be converted
/// (no exchange rate for its first day), once.
pub fn apply(
    report: &mut ForecastReport,
    rules: &dyn AllInPricing,
    card: Currency,
) -> Result<(), Vec<String>> {
    let mut failures: Vec<String> = Vec::new();
    for row in &mut report.rows {
        row.amounts.all_in = Some(AllIn::default());
    }
    for m in &mut report.months {
        m.amounts.all_in = Some(AllIn::default());
    }
    report.totals.all_in = Some(AllIn::default());
    for d in &report.details {
        if d.messages == 0 {
            continue;
        }
        let Ok(date) = Date::strptime("%Y-%m-%d", format!("{}-01", d.month)) else {
            failures.push(format!("{}: not a month", d.month));
            continue;
        };
        let a = match volume(rules, d.cost, d.messages, date) {
            Ok(a) => a,
            Err(e) => {
                let e = format!("{}: {e}", d.month);
                if !failures.contains(&e) {
                    failures.push(e);
                }
                continue;
            }
        };
        let add = |x: &mut Option<AllIn>| x.get_or_insert_with(Default::default).add(&a);
        if let Some(r) = report
            .rows
            .iter_mut()
            .find(|r| (&r.month, &r.market, &r.category) == (&d.month, &d.market, &d.category))
        {
            add(&mut r.amounts.all_in);
        }
        if let Some(m) = report.months.iter_mut().find(|m| m.month == d.month) {
            add(&mut m.amounts.all_in);
        }
        add(&mut report.totals.all_in);
    }
    if !failures.is_empty() {
        return Err(failures);
    }
    let currency = rules.currency(card).to_string();
    report.meta.assumptions.push(format!(
        "all-in ({currency}): {}; every amount exact, nothing rounded (shown at 4 places)",
        rules.description()
    ));
    if !rules.monthly_platform().is_zero() {
        report.meta.assumptions.push(format!(
            "not in the total: monthly_platform {} (card currency) per billing month (no \
             message's fee)",
            crate::display::money(rules.monthly_platform())
        ));
    }
    report.meta.all_in = Some(ForecastAllIn {
        currency,
        rules: rules.description().to_string(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reconcile::allin::AllInRules;
    use crate::reconcile::fees::Fees;
    use crate::report::allin::Tax;
    use rust_decimal_macros::dec;

    #[test]
    fn a_volume_is_its_messages_all_in() {
        let rules = AllInRules {
            fees: Fees::parse(
                "f.csv",
                "fee,amount\noutbound_message,0.0010\nmarkup_percent,10\n",
            )
            .unwrap(),
            tax: Tax::parse("19").unwrap(),
            fx: None,
            description: String::new(),
        };
        let date = jiff::civil::date(2026, 2, 1);
        let three = volume(&rules, dec!(0.3), 3, date).unwrap();
        let mut each = AllIn::default();
        for _ in 0..3 {
            each.add(
                &rules
                    .message(dec!(0.1), Delivery::Delivered, date, None)
                    .unwrap(),
            );
        }
        assert_eq!(three, each);
        // fee 3 × 0.0010 + 10% of 0.3; tax 19% of 0.333.
        assert_eq!(three.provider_fee, dec!(0.033));
        assert_eq!(three.tax, dec!(0.06327));
    }
}
