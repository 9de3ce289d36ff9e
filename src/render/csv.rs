use std::io::{self, Write};

use super::VALUE_HEADERS;
use crate::report::{Line, Report};

fn values(line: &Line, currency: &str) -> [String; 6] {
    [
        line.messages.to_string(),
        line.charged.to_string(),
        line.free.to_string(),
        line.not_delivered.to_string(),
        line.cost.to_string(),
        currency.to_string(),
    ]
}

/// One row per group, then a row whose key columns read `total`.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let keys = &report.meta.group_by;
    let currency = &report.meta.currency;
    let header = keys
        .iter()
        .map(String::as_str)
        .chain(VALUE_HEADERS)
        .chain(["currency"]);
    w.write_record(header)?;
    for row in &report.rows {
        w.write_record(row.keys.iter().cloned().chain(values(&row.line, currency)))?;
    }
    let total = std::iter::repeat_n("total".to_string(), keys.len());
    w.write_record(total.chain(values(&report.totals, currency)))?;
    w.flush()
}
