use super::{Category, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// Customer → business. Sorts first, so that at equal timestamps the
    /// customer's message opens its window before the business replies.
    In,
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// Delivery status. Meta charges on delivery; only `Failed` is known not to
/// have been delivered, so `Sent` (no receipt seen) is priced as delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Delivered,
    Sent,
    Failed,
}

impl Status {
    pub fn is_delivered(self) -> bool {
        self != Status::Failed
    }

    /// Status events of one message merged: a delivery receipt wins, then a
    /// failure, then a bare `sent`.
    pub fn merge(self, other: Status) -> Status {
        use Status::*;
        match (self, other) {
            (Delivered, _) | (_, Delivered) => Delivered,
            (Failed, _) | (_, Failed) => Failed,
            _ => Sent,
        }
    }
}

/// Where a row came from: index into the list of input names, the 1-based
/// line of the record's start, and the row's place among the rows of that
/// line (0 but for a webhook notification holding several messages or
/// statuses), so each row can be found again when the file is re-read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourcePos {
    pub file: u32,
    pub line: u64,
    pub row: u32,
}

/// One validated message. Strings are interned (see `validate::Interner`),
/// so a message is small and `Copy`, and millions fit in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    pub at: Instant,
    pub direction: Direction,
    /// Always `Some` on delivered outbound messages; a failed one may have
    /// none (a webhook's failure event alone).
    pub category: Option<Category>,
    pub status: Status,
    /// Inbound only: the customer came from a click-to-WhatsApp ad or a
    /// Facebook Page button.
    pub entry_point: bool,
    pub business: u32,
    /// Interned E.164 digits (no `+`).
    pub customer: u32,
    /// ISO 3166 alpha-2 override of the number's country.
    pub country: Option<[u8; 2]>,
    pub message_id: Option<MessageKey>,
    pub source: SourcePos,
    /// The 2026 lines' facts (groups, calls, Marketing Messages API,
    /// Business Agent tokens); empty on most rows.
    pub extras: Extras,
    /// The row's kept tags (`validate::tags`): 0 for none.
    pub tags: u32,
}

/// What the 2026 lines need of a row, beyond the 1:1 message fields. Each
/// comes from a log column, and a webhook reader maps Meta's fields onto
/// the same record (`recipient_type: group` → group, `recipient_participant_id`
/// → the customer, `pricing.cost` → reported cost), and the provider's own
/// price when its export gives one. Packed into 32 bytes (absent values are
/// `u32::MAX`): every message carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Extras {
    group: u32,
    template: u32,
    tokens: u32,
    /// Meta's reported cost as `cost / 10^cost_scale` (scale `u8::MAX`:
    /// none).
    cost: u32,
    cost_scale: u8,
    cost_currency: [u8; 3],
    /// The provider's price as `price / 10^price_scale`, digits as
    /// written (scale `u8::MAX`: none).
    price: u32,
    price_scale: u8,
    price_currency: [u8; 3],
    /// A call, not a message: it opens or refreshes the service window
    /// (inbound, or outbound and accepted) and is never charged here.
    pub call: bool,
    /// Sent through the Marketing Messages API (`marketing_lite`).
    pub lite: bool,
    /// Meta flagged it `pricing.subtype: "paid_exempt"`: a government or
    /// non-profit business's service message, not charged.
    pub paid_exempt: bool,
}

const ABSENT: u32 = u32::MAX;

impl Default for Extras {
    fn default() -> Self {
        Extras {
            group: ABSENT,
            template: ABSENT,
            tokens: ABSENT,
            cost: 0,
            cost_scale: u8::MAX,
            cost_currency: [0; 3],
            price: 0,
            price_scale: u8::MAX,
            price_currency: [0; 3],
            call: false,
            lite: false,
            paid_exempt: false,
        }
    }
}

fn present(v: u32) -> Option<u32> {
    (v != ABSENT).then_some(v)
}

impl Extras {
    /// Interned group id (`Strings::groups`): the row is one participant's
    /// copy of a group message, or a participant's message to the group.
    pub fn group(&self) -> Option<u32> {
        present(self.group)
    }

    pub fn set_group(&mut self, group: Option<u32>) {
        self.group = group.unwrap_or(ABSENT);
    }

    /// Interned template name (`Strings::templates`), for max prices.
    pub fn template(&self) -> Option<u32> {
        present(self.template)
    }

    pub fn set_template(&mut self, template: Option<u32>) {
        self.template = template.unwrap_or(ABSENT);
    }

    /// Business Agent tokens Meta billed for the message.
    pub fn tokens(&self) -> Option<u64> {
        present(self.tokens).map(u64::from)
    }

    /// `Err` (the reason) for more tokens than one message can hold.
    pub fn set_tokens(&mut self, tokens: Option<u64>) -> Result<(), &'static str> {
        self.tokens = match tokens {
            None => ABSENT,
            Some(t) => u32::try_from(t)
                .ok()
                .filter(|t| *t != ABSENT)
                .ok_or("more tokens than one message can have")?,
        };
        Ok(())
    }

    /// Meta's own per-message cost (`pricing.cost`) in a currency.
    pub fn reported_cost(&self) -> Option<ReportedCost> {
        (self.cost_scale != u8::MAX).then(|| ReportedCost {
            amount: rust_decimal::Decimal::new(i64::from(self.cost), u32::from(self.cost_scale)),
            currency: self.cost_currency,
        })
    }

    /// `Err` (the reason) for an amount with more than 9 significant
    /// digits (no per-message charge has them).
    pub fn set_reported_cost(&mut self, cost: Option<ReportedCost>) -> Result<(), &'static str> {
        let Some(c) = cost else {
            self.cost_scale = u8::MAX;
            return Ok(());
        };
        let amount = c.amount.normalize();
        let too_long = "more than 9 significant digits";
        let mantissa = u32::try_from(amount.mantissa()).map_err(|_| too_long)?;
        self.cost = mantissa;
        self.cost_scale = u8::try_from(amount.scale()).map_err(|_| too_long)?;
        self.cost_currency = c.currency;
        Ok(())
    }

    /// The provider's (BSP's) own price for the message, as its export
    /// wrote it: never part of Meta's cost.
    pub fn provider_charge(&self) -> Option<ProviderCharge> {
        (self.price_scale != u8::MAX).then(|| ProviderCharge {
            amount: rust_decimal::Decimal::new(i64::from(self.price), u32::from(self.price_scale)),
            currency: self.price_currency,
        })
    }

    /// `Err` (the reason) for an amount with more than 9 significant
    /// digits. The digits are kept as written (`0.0050` stays `0.0050`)
    /// when they fit.
    pub fn set_provider_charge(
        &mut self,
        charge: Option<ProviderCharge>,
    ) -> Result<(), &'static str> {
        let Some(c) = charge else {
            self.price_scale = u8::MAX;
            return Ok(());
        };
        let too_long = "more than 9 significant digits";
        let fits = |d: rust_decimal::Decimal| {
            u32::try_from(d.mantissa())
                .ok()
                .zip(u8::try_from(d.scale()).ok())
        };
        let (mantissa, scale) = fits(c.amount)
            .or_else(|| fits(c.amount.normalize()))
            .ok_or(too_long)?;
        (self.price, self.price_scale, self.price_currency) = (mantissa, scale, c.currency);
        Ok(())
    }

    /// Folds a later row of the same message in: the first row that gives
    /// a value gives it.
    pub fn absorb(&mut self, later: &Extras) {
        self.call |= later.call;
        self.lite |= later.lite;
        self.paid_exempt |= later.paid_exempt;
        for (mine, theirs) in [
            (&mut self.template, later.template),
            (&mut self.tokens, later.tokens),
        ] {
            if *mine == ABSENT {
                *mine = theirs;
            }
        }
        if self.cost_scale == u8::MAX {
            (self.cost, self.cost_scale, self.cost_currency) =
                (later.cost, later.cost_scale, later.cost_currency);
        }
        if self.price_scale == u8::MAX {
            (self.price, self.price_scale, self.price_currency) =
                (later.price, later.price_scale, later.price_currency);
        }
    }
}

/// A provider's own price for one message: amount in currency units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProviderCharge {
    pub amount: rust_decimal::Decimal,
    pub currency: [u8; 3],
}

/// Meta's reported cost of one message: amount in currency units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReportedCost {
    pub amount: rust_decimal::Decimal,
    pub currency: [u8; 3],
}

#[cfg(test)]
mod extras_tests {
    use super::*;

    #[test]
    fn extras_pack_into_32_bytes_and_round_trip() {
        assert_eq!(std::mem::size_of::<Extras>(), 32);
        let mut e = Extras::default();
        assert_eq!(
            (e.group(), e.template(), e.tokens(), e.reported_cost()),
            (None, None, None, None)
        );
        e.set_group(Some(0));
        e.set_tokens(Some(21_000)).unwrap();
        assert!(e.set_tokens(Some(u64::from(u32::MAX))).is_err());
        let cost = ReportedCost {
            amount: "0.0350".parse().unwrap(),
            currency: *b"USD",
        };
        e.set_reported_cost(Some(cost)).unwrap();
        assert_eq!(e.reported_cost().unwrap().amount, "0.035".parse().unwrap());
        assert!(
            e.set_reported_cost(Some(ReportedCost {
                amount: "12345678901.5".parse().unwrap(),
                currency: *b"USD"
            }))
            .is_err()
        );
        // The provider's price keeps its digits as written.
        let price = ProviderCharge {
            amount: "0.00500".parse().unwrap(),
            currency: *b"USD",
        };
        e.set_provider_charge(Some(price)).unwrap();
        assert_eq!(e.provider_charge().unwrap().amount.to_string(), "0.00500");
        assert_eq!(
            e.reported_cost(),
            Some(cost).map(|c| ReportedCost {
                amount: "0.035".parse().unwrap(),
                ..c
            })
        );
        // Trailing zeros give way only when the digits would not fit.
        let long = ProviderCharge {
            amount: "0.12000000000".parse().unwrap(),
            currency: *b"EUR",
        };
        let mut l = Extras::default();
        l.set_provider_charge(Some(long)).unwrap();
        assert_eq!(l.provider_charge().unwrap().amount.to_string(), "0.12");
        assert!(
            l.set_provider_charge(Some(ProviderCharge {
                amount: "12345678901.5".parse().unwrap(),
                currency: *b"USD"
            }))
            .is_err()
        );
        let mut head = Extras::default();
        head.absorb(&e);
        assert_eq!(head.tokens(), Some(21_000));
        assert_eq!(head.provider_charge(), Some(price));
        // Group is not merged: rows of one id must agree on it.
        assert_eq!(head.group(), None);
    }
}

/// A `message_id`'s 128-bit fingerprint (xxh3). Equal ids give equal keys;
/// two distinct ids share one with probability about n²/2¹²⁹ (nil for any
/// real log), so messages are matched without keeping their id strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageKey(std::num::NonZeroU64, u64);

impl MessageKey {
    pub fn of(id: &str) -> MessageKey {
        let h = xxhash_rust::xxh3::xxh3_128(id.as_bytes());
        let high = std::num::NonZeroU64::new((h >> 64) as u64).unwrap_or(std::num::NonZeroU64::MIN);
        MessageKey(high, h as u64)
    }

    /// 64 well-mixed bits, for hash tables keyed by message.
    pub fn short(self) -> u64 {
        self.1
    }
}

impl Message {
    /// The order the pricing engine needs: time, then inbound before
    /// outbound. Ties beyond that are broken by content in
    /// `validate::sort_log`, so any input order prices the same.
    pub fn order_key(&self) -> (Instant, Direction) {
        (self.at, self.direction)
    }
}

#[cfg(test)]
mod size_tests {
    #[test]
    fn a_message_with_its_tags_stays_small() {
        // Tags are one interned tuple id (4 bytes, 8 with alignment: the
        // message was 88 bytes without them); their values live once in
        // `Strings::tags`, whatever the number of messages.
        assert_eq!(std::mem::size_of::<super::Message>(), 96);
    }
}
