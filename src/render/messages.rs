//! The per-message reconcile as a grid (one row per differing message),
//! or JSON.

use std::io::{self, Write};

use super::grid::{Cell, Column, Grid};
use super::{Format, Style, group_digits};
use crate::reconcile::messages::{Decision, MessageReconciliation};

pub fn render(
    r: &MessageReconciliation,
    format: Format,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        Format::Table => super::table::render(&grid(r), style, out),
        Format::Csv => super::csv::render(&grid(r), out),
        Format::Markdown => super::markdown::render(&grid(r), out),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, r)?;
            writeln!(out)
        }
    }
}

fn billable(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "billable",
        Some(false) => "not billable",
        None => "",
    }
}

/// `regular utility billable`, what is given of it.
fn short(d: &Decision) -> String {
    [
        d.pricing_type.as_str(),
        d.category.as_str(),
        billable(d.billable),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" ")
}

/// One line of counts: compared, agreeing, differing by kind.
pub fn summary(r: &MessageReconciliation) -> String {
    let kinds: Vec<String> = r
        .by_kind
        .iter()
        .map(|(k, n)| format!("{} {}", group_digits(*n), k.as_str()))
        .collect();
    let mut line = format!(
        "{} {} compared with Meta's decision: {} agree, {} differ",
        group_digits(r.compared),
        super::nouns(r.compared, "message"),
        group_digits(r.agreeing),
        group_digits(r.differing.len() as u64)
    );
    if !kinds.is_empty() {
        line.push_str(&format!(" ({})", kinds.join(", ")));
    }
    if r.without_meta > 0 {
        line.push_str(&format!(
            "; {} outbound without Meta's decision",
            group_digits(r.without_meta)
        ));
    }
    line
}

/// One row per differing message: people see its kinds and both decisions
/// in short, machines every field apart and the explanation.
pub fn grid(r: &MessageReconciliation) -> Grid {
    let text = |s: &str| Cell::Text(s.to_string());
    let flag = |b: Option<bool>| Cell::Text(b.map_or(String::new(), |b| b.to_string()));
    let columns = vec![
        Column::key("message_id"),
        Column::key("timestamp").titled("time"),
        Column::key("customer").machine_only(),
        Column::key("differs").human_only(),
        Column::key("differs").machine_only(),
        Column::key("wabill").human_only(),
        Column::key("Meta").human_only(),
        Column::key("wabill_pricing_type").machine_only(),
        Column::key("meta_pricing_type").machine_only(),
        Column::key("wabill_category").machine_only(),
        Column::key("meta_category").machine_only(),
        Column::key("wabill_billable").machine_only(),
        Column::key("meta_billable").machine_only(),
        Column::key("explain").machine_only(),
    ];
    let rows = r
        .differing
        .iter()
        .map(|d| {
            let kinds: Vec<&str> = d.differs.iter().map(|k| k.as_str()).collect();
            vec![
                text(&d.message_id),
                text(&d.timestamp),
                text(&d.customer),
                Cell::Text(kinds.join(", ")),
                Cell::Text(kinds.join(";")),
                Cell::Text(short(&d.wabill)),
                Cell::Text(short(&d.meta)),
                text(&d.wabill.pricing_type),
                text(&d.meta.pricing_type),
                text(&d.wabill.category),
                text(&d.meta.category),
                flag(d.wabill.billable),
                flag(d.meta.billable),
                text(&d.explain),
            ]
        })
        .collect();
    Grid {
        title: Some("wabill reconcile".into()),
        before: vec![format!("inputs: {}", r.inputs.join(", "))],
        columns,
        rows,
        subtotals: Vec::new(),
        total: None,
        total_label: None,
        after: vec![summary(r)],
        json_keys: false,
    }
}
