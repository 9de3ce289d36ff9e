//! wabill: estimate WhatsApp Business messaging costs from message logs.
//!
//! The modules follow the data flow:
//! `input` (CSV bytes) → `validate` (messages, rejections) → `pricing`
//! (windows, models, rates from `refdata`) → `report` (aggregation) →
//! `render` (table, CSV, JSON, Markdown). `app` wires them per command.

pub mod app;
pub mod cli;
pub mod error;
pub mod forecast;
pub mod generate;
pub mod input;
pub mod model;
pub mod partition;
pub mod pricing;
pub mod reconcile;
pub mod refdata;
pub mod render;
pub mod report;
pub mod validate;
