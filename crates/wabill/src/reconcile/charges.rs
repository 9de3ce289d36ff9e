//! The provider's own charges against wabill's estimate (`reconcile
//! --provider-charges`): each message's price as the provider's export
//! wrote it (Twilio `Price`, YCloud `totalPrice`, Infobip
//! `pricePerMessage`, a `provider_price` column) against what wabill
//! expects it to be — Meta's price for the message, plus the provider's
//! fees of `--fees` when given. Without fees, the difference is the
//! provider's markup and fees; with them, what the contract does not
//! explain. A price in another currency than wabill's card is never
//! compared nor added to another currency: it is counted apart.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::Granularity;
use super::fees::Fees;
use super::tolerance::Tolerance;
use crate::model::{Direction, Message};
use crate::pricing::{Priced, PricingType, Unpriced};
use crate::report::ProviderChargeLine;

crate::choice! {
    /// What `--provider-charges` lists and gates the exit code on.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
    #[serde(rename_all = "lowercase")]
    pub enum ChargeView {
        /// Each message whose price differs (the default).
        Messages = "messages",
        /// The totals of each period (`--granularity`).
        Periods = "periods",
    }
}

// `choice!` variants carry doc comments only, so no `#[default]`.
#[allow(clippy::derivable_impls)]
impl Default for ChargeView {
    fn default() -> Self {
        ChargeView::Messages
    }
}

/// Amounts are exact at their natural scale; the renderers show them at
/// the display scale.
fn zero() -> Decimal {
    Decimal::ZERO
}

/// What wabill expects the provider to charge for one message, and what
/// it charged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Amounts {
    /// wabill's estimate of Meta's price (0 for inbound and free messages).
    #[serde(serialize_with = "crate::display::json::amount")]
    pub meta: Decimal,
    /// The provider's fees from `--fees` (0 without).
    #[serde(serialize_with = "crate::display::json::amount")]
    pub fees: Decimal,
    /// meta + fees.
    #[serde(serialize_with = "crate::display::json::amount")]
    pub expected: Decimal,
    /// The provider's price, as exported.
    #[serde(serialize_with = "crate::display::json::amount")]
    pub provider: Decimal,
    /// provider − expected.
    #[serde(serialize_with = "crate::display::json::amount")]
    pub difference: Decimal,
}

impl Amounts {
    fn zero() -> Self {
        Amounts {
            meta: zero(),
            fees: zero(),
            expected: zero(),
            provider: zero(),
            difference: zero(),
        }
    }

    fn add(&mut self, other: &Amounts) {
        self.meta += other.meta;
        self.fees += other.fees;
        self.expected += other.expected;
        self.provider += other.provider;
        self.difference += other.difference;
    }
}

/// A message whose provider price is outside the tolerance.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChargeDiff {
    pub message_id: String,
    pub timestamp: String,
    pub direction: &'static str,
    /// wabill's pricing type (`regular`, `free_customer_service`,
    /// `inbound`, `not_delivered`…).
    pub pricing_type: &'static str,
    pub category: &'static str,
    pub amounts: Amounts,
}

/// The compared messages of one period (`--granularity`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChargePeriod {
    pub period: String,
    pub messages: u64,
    /// Messages of the period outside the tolerance.
    pub differing: u64,
    pub amounts: Amounts,
    /// The period's totals are within the tolerance.
    pub within_tolerance: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChargeReconciliation {
    pub inputs: Vec<String>,
    /// wabill's card currency: the currency compared.
    pub currency: String,
    pub tolerance: Tolerance,
    pub fees: Option<Fees>,
    pub granularity: Granularity,
    pub view: ChargeView,
    /// Messages with a provider price in `currency`, compared.
    pub compared: u64,
    pub agreeing: u64,
    /// Compared messages outside the tolerance, in log order.
    pub differing: Vec<ChargeDiff>,
    /// The compared messages by period, in period order.
    pub periods: Vec<ChargePeriod>,
    pub totals: Amounts,
    /// Prices in another currency than `currency`: not compared, summed
    /// per currency.
    pub other_currencies: Vec<ProviderChargeLine>,
    /// Messages (inbound or outbound) without a provider price.
    pub without_price: u64,
    /// The periods while messages are added.
    open: BTreeMap<String, ChargePeriod>,
}

impl ChargeReconciliation {
    pub fn new(
        inputs: Vec<String>,
        currency: &str,
        tolerance: Tolerance,
        fees: Option<Fees>,
        granularity: Granularity,
        view: ChargeView,
    ) -> Self {
        ChargeReconciliation {
            inputs,
            currency: currency.to_string(),
            tolerance,
            fees,
            granularity,
            view,
            compared: 0,
            agreeing: 0,
            differing: Vec::new(),
            periods: Vec::new(),
            totals: Amounts::zero(),
            other_currencies: Vec::new(),
            without_price: 0,
            open: BTreeMap::new(),
        }
    }

    /// The provider's fees for one message under `--fees`: per inbound,
    /// per outbound delivered (plus the markup on Meta's price), per
    /// outbound not delivered. The monthly platform fee is on no message.
    fn fees_for(&self, m: &Message, delivered: bool, meta: Decimal) -> Decimal {
        let Some(f) = &self.fees else {
            return zero();
        };
        match (m.direction, delivered) {
            (Direction::In, _) => f.inbound_message,
            (Direction::Out, true) => f.on_messages(1, meta),
            (Direction::Out, false) => f.failed_message,
        }
    }

    /// Adds one priced message; `period` is its period label and
    /// `describe` its id and time (only asked for a differing message).
    pub fn add(
        &mut self,
        m: &Message,
        result: &Result<Priced<'_>, Unpriced>,
        period: String,
        describe: impl FnOnce() -> (String, String),
    ) {
        if m.extras.call {
            return;
        }
        let Some(charge) = m.extras.provider_charge() else {
            self.without_price += 1;
            return;
        };
        let currency = String::from_utf8_lossy(&charge.currency);
        if currency != self.currency {
            let inbound = u64::from(m.direction == Direction::In);
            let line = ProviderChargeLine {
                currency: currency.into_owned(),
                messages: 1,
                inbound,
                outbound: 1 - inbound,
                amount: charge.amount,
            };
            ProviderChargeLine::add_to(&mut self.other_currencies, &line);
            return;
        }
        let (pricing_type, meta) = match result {
            Ok(p) if p.pricing_type == PricingType::Regular => (p.pricing_type.as_str(), p.cost),
            Ok(p) => (p.pricing_type.as_str(), zero()),
            // The run fails on an unpriced message; it is still listed.
            Err(_) => ("unpriced", zero()),
        };
        let delivered = m.status.is_delivered();
        let fees = self.fees_for(m, delivered, meta);
        let expected = meta + fees;
        let amounts = Amounts {
            meta,
            fees,
            expected,
            provider: charge.amount,
            difference: charge.amount - expected,
        };
        self.compared += 1;
        self.totals.add(&amounts);
        let within = self.tolerance.accepts(expected, charge.amount);
        let p = self
            .open
            .entry(period.clone())
            .or_insert_with(|| ChargePeriod {
                period,
                messages: 0,
                differing: 0,
                amounts: Amounts::zero(),
                within_tolerance: true,
            });
        p.messages += 1;
        p.amounts.add(&amounts);
        if within {
            self.agreeing += 1;
            return;
        }
        p.differing += 1;
        let (message_id, timestamp) = describe();
        self.differing.push(ChargeDiff {
            message_id,
            timestamp,
            direction: m.direction.as_str(),
            pricing_type,
            category: m.category.map_or("", |c| c.as_str()),
            amounts,
        });
    }

    /// Closes the periods: each is checked against the tolerance on its
    /// totals.
    pub fn finish(&mut self) {
        self.periods = std::mem::take(&mut self.open)
            .into_values()
            .map(|mut p| {
                p.within_tolerance = self
                    .tolerance
                    .accepts(p.amounts.expected, p.amounts.provider);
                p
            })
            .collect();
    }

    /// Periods outside the tolerance.
    pub fn periods_outside(&self) -> usize {
        self.periods.iter().filter(|p| !p.within_tolerance).count()
    }

    /// Whether what the view lists (messages, or periods) all agree.
    pub fn agrees(&self) -> bool {
        match self.view {
            ChargeView::Messages => self.differing.is_empty(),
            ChargeView::Periods => self.periods_outside() == 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn amounts_add_exactly() {
        let mut a = Amounts::zero();
        a.add(&Amounts {
            meta: dec!(0.0625),
            fees: dec!(0.005),
            expected: dec!(0.0675),
            provider: dec!(0.0675),
            difference: dec!(0.0000),
        });
        a.add(&Amounts {
            meta: dec!(0),
            fees: dec!(0.005),
            expected: dec!(0.005),
            provider: dec!(0.0050),
            difference: dec!(0.0000),
        });
        assert_eq!(a.expected, dec!(0.0725));
        assert_eq!(a.provider, dec!(0.0725));
        assert!(a.difference.is_zero());
    }
}
