//! Domain types shared by every stage after validation.

mod category;
mod message;
mod meta;
mod money;

pub use category::{Category, RateCategory};
pub use message::{Direction, Extras, Message, MessageKey, ReportedCost, SourcePos, Status};
pub use meta::{MetaDecisions, MetaPricing, MetaType};
pub use money::Currency;

/// Microseconds since the Unix epoch (UTC): the precision logs give (API
/// and webhook exports carry up to microseconds), so a reply 100 µs inside a
/// window is inside. Windows are computed on this integer clock: a day is
/// always exactly 86 400 000 000 µs, never a civil day.
pub type Micros = i64;

pub const HOUR_US: Micros = 3_600_000_000;
