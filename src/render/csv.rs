//! A grid as CSV: machine names, plain decimals, machines' columns (the
//! currency too), formulas neutralised; the totals row reads `total` in
//! each key column. The sentences around the table are for people only.

use std::io::{self, Write};

use super::grid::{Cell, Grid};

pub fn render(grid: &Grid, out: &mut dyn Write) -> io::Result<()> {
    let mut w = super::SafeCsv::from_writer(out);
    let columns: Vec<_> = grid.machine_columns().collect();
    w.write_record(columns.iter().map(|(_, c)| c.name.as_str()))?;
    for (_, row) in grid
        .rows
        .iter()
        .enumerate()
        .filter(|(r, _)| !grid.is_subtotal(*r))
    {
        w.write_record(columns.iter().map(|(i, _)| row[*i].machine()))?;
    }
    if let Some(total) = grid.machine_total() {
        let keys = columns.iter().filter(|(_, c)| c.key).count();
        let label = std::iter::repeat_n("total".to_string(), keys);
        w.write_record(label.chain(total.into_iter().map(Cell::machine)))?;
    }
    w.flush()
}
