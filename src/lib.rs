//! wabill: estimate WhatsApp Business messaging costs from message logs.
//!
//! The modules follow the data flow:
//! `input` (any log format → records) → `validate` (messages, rejections) → `pricing`
//! (windows, models, rates from `refdata`) → `report` (aggregation) →
//! `render` (table, CSV, JSON, Markdown). `engine` runs read → price for a
//! resolved run; `app` wires it per command.

pub mod app;
pub mod cli;
pub mod display;
pub mod engine;
pub mod error;
pub mod forecast;
pub mod generate;
pub mod input;
pub mod location;
pub mod model;
pub mod output;
pub mod partition;
pub(crate) mod prefetch;
pub mod pricing;
pub mod reconcile;
pub mod refdata;
pub mod render;
pub mod report;
pub mod validate;
