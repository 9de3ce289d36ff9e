//! Reference data: the market table, rate cards, volume tiers and the
//! businesses file. Built-in tables are compiled in from `data/` so the
//! binary works with no files beside it; users can add or override them.

pub mod builtin;
pub mod businesses;
pub mod confidence;
pub mod csvfile;
pub mod lines;
pub mod markets;
mod metafile;
pub mod numbering;
pub mod rates;
pub mod tiers;

pub use csvfile::{RefDataError, parse_date, read_rows};
