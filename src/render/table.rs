use std::io::{self, Write};

use comfy_table::{Attribute, Cell, CellAlignment, ContentArrangement, Table, presets};

use super::{Style, accounting_lines, count_columns, counts, group_digits, meta_line, money};
use crate::report::{Line, Report};

fn value_cells(report: &Report, line: &Line) -> Vec<String> {
    let mut v: Vec<String> = counts(report, line).into_iter().map(group_digits).collect();
    v.push(money(line.cost));
    v
}

/// An empty table in the house style. A fixed layout: the same report
/// prints the same bytes on any terminal.
pub fn new_table(style: Style) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled);
    if !style.color {
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

pub fn render(report: &Report, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let mut table = new_table(style);
    let keys = &report.meta.group_by;
    let mut header: Vec<String> = keys.clone();
    let columns = count_columns(report);
    header.extend(columns.iter().map(|c| c.replace('_', " ")));
    header.push(format!("cost ({})", report.meta.currency));
    table.set_header(header.into_iter().map(|h| {
        let cell = Cell::new(h);
        if style.color {
            cell.add_attribute(Attribute::Bold)
        } else {
            cell
        }
    }));
    for row in &report.rows {
        let cells = row
            .keys
            .iter()
            .map(|k| super::printable(k).into_owned())
            .chain(value_cells(report, &row.line));
        table.add_row(cells.map(Cell::new));
    }
    let mut total: Vec<String> = vec![String::new(); keys.len().max(1)];
    total[0] = "Total".into();
    let total_cells = total
        .into_iter()
        .chain(value_cells(report, &report.totals))
        .map(|s| {
            let cell = Cell::new(s);
            if style.color {
                cell.add_attribute(Attribute::Bold)
            } else {
                cell
            }
        });
    table.add_row(total_cells.collect::<Vec<_>>());
    let first_value = keys.len().max(1);
    for i in first_value..first_value + columns.len() + 1 {
        if let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{}", meta_line(report))?;
    writeln!(out, "{table}")?;
    for line in accounting_lines(report) {
        writeln!(out, "{line}")?;
    }
    if !report.meta.rate_sources.is_empty() {
        writeln!(out, "rates: {}", report.meta.rate_sources.join("; "))?;
    }
    if let Some(line) = super::defaults_line(&report.meta.config) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}
