//! `wabill validate`'s problem list: one line per problem as a compiler
//! prints it (the default), or a grid of its fields, or JSON.

use std::io::{self, Write};

use super::document::{Document, Format, Offered};
use super::grid::{Cell, Column, Grid};
use crate::validate::Rejection;

/// One problem: its kind (`rejected row`) and where and why.
pub struct Problem<'a> {
    pub kind: &'static str,
    pub rejection: &'a Rejection,
}

/// `validate`'s list of problems.
pub struct Problems<'a>(pub &'a [Problem<'a>]);

impl Document for Problems<'_> {
    const FORMATS: &'static [Offered] = &[
        (
            Format::Text,
            "`file:line:column: name \"value\": reason`, then a summary by kind",
        ),
        (Format::Table, "A terminal table"),
        (Format::Csv, ""),
        (Format::Json, ""),
        (Format::Markdown, "A GitHub-flavoured Markdown table"),
    ];

    fn grid(&self) -> Grid {
        grid(self.0)
    }

    fn other(&self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        debug_assert_eq!(format, Format::Text);
        for p in self.0 {
            // Problems name files and values from the input: on a
            // terminal their control characters are escaped.
            let line = p.rejection.to_string();
            if super::safe_csv::to_terminal() {
                writeln!(out, "{}", crate::display::printable(&line))?;
            } else {
                writeln!(out, "{line}")?;
            }
        }
        Ok(())
    }
}

/// Every field a label (left-aligned); line numbers without separators,
/// as editors show them. In JSON the numbers are numbers, and the column
/// number and name `null` when no one field is at fault.
pub fn grid(problems: &[Problem<'_>]) -> Grid {
    let columns = [
        "file",
        "line",
        "column_number",
        "column",
        "value",
        "kind",
        "reason",
    ]
    .into_iter()
    .map(Column::key)
    .collect();
    let rows = problems
        .iter()
        .map(|p| {
            let r = p.rejection;
            let text = |s: &str| Cell::Text(s.to_string());
            vec![
                text(&r.at.file),
                Cell::Number(r.at.line),
                r.at.column.map_or(Cell::Missing(""), Cell::Number),
                r.column.as_deref().map_or(Cell::Missing(""), text),
                text(&r.value),
                text(p.kind),
                text(&r.reason),
            ]
        })
        .collect();
    Grid {
        title: Some("wabill validate".into()),
        columns,
        rows,
        ..Grid::default()
    }
}
