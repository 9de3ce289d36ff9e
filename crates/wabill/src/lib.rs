//! wabill: estimate WhatsApp Business messaging costs from message logs.
//!
//! The modules follow the data flow:
//! `input` (any log format → records) → `validate` (messages, rejections) → `pricing`
//! (windows, models, rates from `refdata`) → `report` (aggregation) →
//! `render` (table, CSV, JSON, Markdown, HTML). `engine` runs read → price for a
//! resolved run. The `wabill` command (the `wabill-cli` package) wires these
//! per command; this crate knows nothing of its flags.

pub mod choice;
pub mod display;
pub mod engine;
pub mod forecast;
pub mod generate;
pub mod input;
pub mod location;
pub mod model;
pub(crate) mod prefetch;
pub mod pricing;
pub mod reconcile;
pub mod refdata;
pub mod rejects;
pub mod render;
pub mod report;
pub mod validate;
