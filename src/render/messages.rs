//! The per-message reconcile as a table, CSV (one row per differing
//! message) or JSON.

use std::io::{self, Write};

use super::table::new_table;
use super::{Style, group_digits};
use crate::cli::CompareFormat;
use crate::reconcile::messages::{Decision, MessageReconciliation};

pub fn render(
    r: &MessageReconciliation,
    format: CompareFormat,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        CompareFormat::Table => table(r, style, out),
        CompareFormat::Csv => csv(r, out),
        CompareFormat::Json => {
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

fn table(r: &MessageReconciliation, style: Style, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "inputs: {}", r.inputs.join(", "))?;
    if !r.differing.is_empty() {
        let mut t = new_table(style);
        t.set_header(["message_id", "time", "differs", "wabill", "Meta"]);
        for d in &r.differing {
            let kinds: Vec<&str> = d.differs.iter().map(|k| k.as_str()).collect();
            t.add_row([
                d.message_id.clone(),
                d.timestamp.clone(),
                kinds.join(", "),
                short(&d.wabill),
                short(&d.meta),
            ]);
        }
        writeln!(out, "{t}")?;
    }
    writeln!(out, "{}", summary(r))
}

fn csv(r: &MessageReconciliation, out: &mut dyn Write) -> io::Result<()> {
    let mut w = ::csv::Writer::from_writer(out);
    w.write_record([
        "message_id",
        "timestamp",
        "customer",
        "differs",
        "wabill_pricing_type",
        "meta_pricing_type",
        "wabill_category",
        "meta_category",
        "wabill_billable",
        "meta_billable",
        "explain",
    ])?;
    let flag = |b: Option<bool>| b.map_or(String::new(), |b| b.to_string());
    for d in &r.differing {
        let kinds: Vec<&str> = d.differs.iter().map(|k| k.as_str()).collect();
        w.write_record([
            d.message_id.as_str(),
            &d.timestamp,
            &d.customer,
            &kinds.join(";"),
            &d.wabill.pricing_type,
            &d.meta.pricing_type,
            &d.wabill.category,
            &d.meta.category,
            &flag(d.wabill.billable),
            &flag(d.meta.billable),
            &d.explain,
        ])?;
    }
    w.flush()
}
