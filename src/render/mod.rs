//! Renderers: sibling functions over the same `Report`, each writing to any
//! `Write`. Only this module and `input` do I/O on data.

mod chart;
pub mod compare;
mod csv;
pub mod explain;
pub mod forecast;
mod json;
mod markdown;
mod number;
mod table;

pub use number::{group_digits, money};

use std::io::{self, Write};

use crate::report::Report;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A terminal table (the default).
    Table,
    Csv,
    Json,
    /// A GitHub-flavoured Markdown table, for pull requests and job summaries.
    Markdown,
}

/// How the table renderer may style its output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// Bold and colour (only on a terminal, never with NO_COLOR).
    pub color: bool,
}

pub fn render(
    report: &Report,
    format: Format,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => table::render(report, style, out),
        Format::Csv => csv::render(report, out),
        Format::Json => json::render(report, out),
        Format::Markdown => markdown::render(report, out),
    }
}

/// The accounting as two sentences, shared by the text formats.
pub fn accounting_lines(report: &Report) -> Vec<String> {
    let a = &report.accounting;
    let reasons: Vec<String> = a
        .free_by_reason
        .iter()
        .map(|(reason, n)| format!("{} {reason}", group_digits(*n)))
        .collect();
    let mut outbound = format!(
        "{} outbound = {} charged + {} free",
        group_digits(a.outbound),
        group_digits(a.charged),
        group_digits(a.free)
    );
    if !reasons.is_empty() {
        outbound.push_str(&format!(" ({})", reasons.join(", ")));
    }
    outbound.push_str(&format!(
        " + {} not delivered",
        group_digits(a.not_delivered)
    ));
    if a.unpriced > 0 {
        outbound.push_str(&format!(" + {} unpriced", group_digits(a.unpriced)));
    }
    vec![
        format!(
            "{} rows read = {} inbound + {} outbound + {} merged + {} rejected",
            group_digits(a.rows_read),
            group_digits(a.inbound),
            group_digits(a.outbound),
            group_digits(a.merged),
            group_digits(a.rejected)
        ),
        outbound,
    ]
}

/// One line naming the model, currency and zone used.
pub fn meta_line(report: &Report) -> String {
    let m = &report.meta;
    let model = if m.model == "auto" && !m.models_used.is_empty() {
        format!("auto ({})", m.models_used.join(", "))
    } else {
        m.model.clone()
    };
    format!(
        "model {model} · currency {} · time zone {}",
        m.currency, m.time_zone
    )
}

/// The column headers after the group keys.
pub const VALUE_HEADERS: [&str; 5] = ["messages", "charged", "free", "not_delivered", "cost"];
