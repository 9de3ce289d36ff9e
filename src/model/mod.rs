//! Domain types shared by every stage after validation.

mod category;
mod message;
mod meta;

pub use category::{Category, RateCategory};
pub use message::{Direction, Message, MessageKey, SourcePos, Status};
pub use meta::{MetaDecisions, MetaPricing, MetaType};

/// Milliseconds since the Unix epoch (UTC). Windows are computed on this
/// integer clock: a day is always exactly 86 400 000 ms, never a civil day.
pub type Millis = i64;

pub const HOUR_MS: Millis = 3_600_000;
