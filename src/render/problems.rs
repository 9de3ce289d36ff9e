//! `wabill validate`'s problem list: one line per problem as a compiler
//! prints it (the default), or a grid of its fields, or JSON.

use std::io::{self, Write};

use serde::Serialize;

use super::Style;
use super::grid::{Cell, Column, Grid};
use crate::validate::Rejection;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProblemFormat {
    /// `file:line:column: name "value": reason`, then a summary by kind
    Text,
    /// A terminal table
    Table,
    Csv,
    Json,
    /// A GitHub-flavoured Markdown table
    Markdown,
}

/// One problem: its kind (`rejected row`) and where and why.
pub struct Problem<'a> {
    pub kind: &'static str,
    pub rejection: &'a Rejection,
}

#[derive(Serialize)]
struct Record<'a> {
    file: &'a str,
    line: u64,
    /// The field's 1-based number in the file, when one field is at fault.
    column_number: Option<u64>,
    column: Option<&'a str>,
    value: &'a str,
    kind: &'a str,
    reason: &'a str,
}

pub fn render(
    problems: &[Problem<'_>],
    format: ProblemFormat,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ProblemFormat::Text => {
            for p in problems {
                writeln!(out, "{}", p.rejection)?;
            }
            Ok(())
        }
        ProblemFormat::Table => super::table::render(&grid(problems), style, out),
        ProblemFormat::Csv => super::csv::render(&grid(problems), out),
        ProblemFormat::Markdown => super::markdown::render(&grid(problems), out),
        ProblemFormat::Json => {
            let records: Vec<Record<'_>> = problems
                .iter()
                .map(|p| {
                    let r = p.rejection;
                    Record {
                        file: &r.at.file,
                        line: r.at.line,
                        column_number: r.at.column,
                        column: r.column.as_deref(),
                        value: &r.value,
                        kind: p.kind,
                        reason: &r.reason,
                    }
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &records)?;
            writeln!(out)
        }
    }
}

/// Every field a label (left-aligned); line numbers without separators,
/// as editors show them.
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
            [
                r.at.file.clone(),
                r.at.line.to_string(),
                r.at.column_text(),
                r.column.clone().unwrap_or_default(),
                r.value.clone(),
                p.kind.to_string(),
                r.reason.clone(),
            ]
            .into_iter()
            .map(Cell::Text)
            .collect()
        })
        .collect();
    Grid {
        title: Some("wabill validate".into()),
        columns,
        rows,
        ..Grid::default()
    }
}
