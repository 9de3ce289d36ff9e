use super::{Category, Micros};

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

/// Where a row came from: index into the list of input names, and the
/// 1-based line of the record's start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SourcePos {
    pub file: u32,
    pub line: u64,
}

/// One validated message. Strings are interned (see `validate::Interner`),
/// so a message is small and `Copy`, and millions fit in memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    pub at: Micros,
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
    pub fn order_key(&self) -> (Micros, Direction) {
        (self.at, self.direction)
    }
}
