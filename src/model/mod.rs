//! Domain types shared by every stage after validation.

mod category;
mod message;

pub use category::{Category, RateCategory};
pub use message::{Direction, Extras, Message, MessageKey, ReportedCost, SourcePos, Status};

/// Milliseconds since the Unix epoch (UTC). Windows are computed on this
/// integer clock: a day is always exactly 86 400 000 ms, never a civil day.
pub type Millis = i64;

pub const HOUR_MS: Millis = 3_600_000;
