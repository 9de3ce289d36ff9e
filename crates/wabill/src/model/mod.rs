//! Domain types shared by every stage after validation.

mod category;
mod message;
mod meta;
mod money;
mod time;

pub use category::{Category, RateCategory};
pub use message::{
    Direction, Extras, Message, MessageKey, ProviderCharge, ReportedCost, SourcePos, Status,
};
pub use meta::{MetaDecisions, MetaPricing, MetaSubtype, MetaType};
pub use money::Currency;
pub use time::{Instant, Micros, Span, Window};

/// An hour in raw microseconds (`Span::HOUR` is the typed one).
pub const HOUR_US: Micros = Span::HOUR.as_micros();
