//! A grid as a terminal table (comfy-table), with its sentences around it.

use std::io::{self, Write};

use comfy_table::{Attribute, Cell, CellAlignment, Color, ContentArrangement, Table, presets};

use super::Style;
use super::grid::{self, Grid};

/// An empty table in the house style. A fixed layout: the same report
/// prints the same bytes on any terminal.
pub fn new_table(style: Style) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    // The caller decided (the command line's colour rule): comfy-table
    // must not ask the terminal again.
    if style.color {
        table.enforce_styling();
    } else {
        table.force_no_tty();
    }
    table
}

/// A cell in bold where colour is on (totals rows).
pub fn bold_cell(style: Style, text: String) -> Cell {
    let cell = Cell::new(text);
    if style.color {
        cell.add_attribute(Attribute::Bold)
    } else {
        cell
    }
}

/// Text as the terminal shows it: input text cannot move the cursor.
fn text(cell: &grid::Cell) -> String {
    match cell {
        grid::Cell::Text(s) => super::printable(s).into_owned(),
        c => c.human(),
    }
}

/// A grid cell in the table, in bold if `bold` (subtotals, totals); a
/// check is never bold, and a failed one is red where colour is on.
fn cell(style: Style, c: &grid::Cell, bold: bool) -> Cell {
    match c {
        grid::Cell::Check(false) if style.color => Cell::new(c.human())
            .fg(Color::Red)
            .add_attribute(Attribute::Bold),
        grid::Cell::Check(_) => Cell::new(c.human()),
        c if bold => bold_cell(style, text(c)),
        c => Cell::new(text(c)),
    }
}

/// The sentences before, the table (values right-aligned, the totals row
/// in bold reading `Total`), the sentences after.
pub fn render(grid: &Grid, style: Style, out: &mut dyn Write) -> io::Result<()> {
    for line in &grid.before {
        writeln!(out, "{line}")?;
    }
    if grid.rows.is_empty() && grid.total.is_none() {
        // Nothing to tabulate (no differing message): the sentences say so.
        for line in &grid.after {
            writeln!(out, "{line}")?;
        }
        return Ok(());
    }
    let mut table = new_table(style);
    let columns: Vec<_> = grid.human_columns().collect();
    table.set_header(
        columns
            .iter()
            .map(|(_, c)| bold_cell(style, c.title.clone())),
    );
    for (r, row) in grid.rows.iter().enumerate() {
        let bold = grid.is_subtotal(r);
        table.add_row(columns.iter().map(|(i, _)| cell(style, &row[*i], bold)));
    }
    if let Some(total) = grid.human_total() {
        let keys = columns.iter().filter(|(_, c)| c.key).count();
        let mut label = vec![String::new(); keys.max(1)];
        label[0] = grid.total_label().into();
        let label = label.into_iter().map(|s| bold_cell(style, s));
        table.add_row(label.chain(total.into_iter().map(|c| cell(style, c, true))));
    }
    for (i, (_, c)) in columns.iter().enumerate() {
        if !c.left
            && let Some(column) = table.column_mut(i)
        {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{table}")?;
    for line in &grid.after {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
