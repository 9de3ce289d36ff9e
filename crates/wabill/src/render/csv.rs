//! A grid as CSV: machine names, plain decimals, machines' columns (the
//! currency too), formulas neutralised; the totals row reads `total` in
//! each key column. The sentences around the table are for people only.

use std::io::{self, Write};

use super::grid::{Cell, Grid};

/// A cell as CSV writes it: amounts and percentages in the dialect's
/// decimal mark.
fn machine(cell: &Cell) -> String {
    match cell {
        Cell::Money(_) | Cell::Difference(_) | Cell::Percent(_) => {
            super::safe_csv::decimal(cell.machine())
        }
        _ => cell.machine(),
    }
}

pub fn render(grid: &Grid, out: &mut dyn Write) -> io::Result<()> {
    super::safe_csv::write_bom(out)?;
    let mut w = super::SafeCsv::from_writer(out);
    let columns: Vec<_> = grid.machine_columns().collect();
    w.write_record(columns.iter().map(|(_, c)| c.name.as_str()))?;
    for (_, row) in grid
        .rows
        .iter()
        .enumerate()
        .filter(|(r, _)| !grid.is_subtotal(*r))
    {
        w.write_record(columns.iter().map(|(i, _)| machine(&row[*i])))?;
    }
    if let Some(total) = grid.machine_total() {
        let keys = columns.iter().filter(|(_, c)| c.key).count();
        let label = std::iter::repeat_n("total".to_string(), keys);
        w.write_record(label.chain(total.into_iter().map(machine)))?;
    }
    w.flush()
}

/// The estimate's provider charges after its total, never in it: one row
/// per currency whose key columns read `provider_charge`, with the
/// messages priced and the amount in the report's columns.
pub fn provider_charges(report: &crate::report::Report, out: &mut dyn Write) -> io::Result<()> {
    let mut w = super::SafeCsv::from_writer(out);
    let keys = report.meta.group_by.len();
    for c in &report.provider_charges {
        let key = std::iter::repeat_n("provider_charge".to_string(), keys);
        let mut v: Vec<String> = vec![String::new(); super::count_columns(report).len()];
        v[0] = c.messages.to_string();
        v.push(super::decimal(super::shown(c.amount).to_string()));
        v.push(c.currency.clone());
        w.write_record(key.chain(v))?;
    }
    w.flush()
}
