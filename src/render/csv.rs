use std::io::{self, Write};

use super::{count_columns, counts};
use crate::report::{Line, Report};

fn values(report: &Report, line: &Line) -> Vec<String> {
    let mut v: Vec<String> = counts(report, line).iter().map(u64::to_string).collect();
    v.push(line.cost.to_string());
    v.push(report.meta.currency.clone());
    v
}

/// One row per group, then a row whose key columns read `total`.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut w = super::SafeCsv::from_writer(out);
    let keys = &report.meta.group_by;
    let header = keys
        .iter()
        .map(String::as_str)
        .chain(count_columns(report))
        .chain(["cost", "currency"]);
    w.write_record(header)?;
    for row in &report.rows {
        w.write_record(row.keys.iter().cloned().chain(values(report, &row.line)))?;
    }
    let total = std::iter::repeat_n("total".to_string(), keys.len());
    w.write_record(total.chain(values(report, &report.totals)))?;
    // The provider's own charges, after the total and never in it: one row
    // per currency, its messages and amount in the same columns.
    for c in &report.provider_charges {
        let key = std::iter::repeat_n("provider_charge".to_string(), keys.len());
        let mut v: Vec<String> = vec![String::new(); count_columns(report).len()];
        v[0] = c.messages.to_string();
        v.push(c.amount.to_string());
        v.push(c.currency.clone());
        w.write_record(key.chain(v))?;
    }
    w.flush()
}
