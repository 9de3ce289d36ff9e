//! The comparison as a grid: per scenario its charged count, cost and
//! currency (people see the cost, titled with the currency), then per later
//! scenario the difference and percentage against the first.

use std::io::{self, Write};

use super::grid::{Cell, Column, Grid};
use super::{Format, Style};
use crate::report::compare::{CompareRow, Comparison};

pub fn render(c: &Comparison, format: Format, style: Style, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => super::table::render(&grid(c), style, out),
        Format::Csv => super::csv::render(&grid(c), out),
        Format::Markdown => super::markdown::render(&grid(c), out),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, c)?;
            writeln!(out)
        }
    }
}

fn values(c: &Comparison, row: &CompareRow) -> Vec<Cell> {
    let mut v = vec![Cell::Count(row.messages)];
    for (s, meta) in row.scenarios.iter().zip(&c.meta.scenarios) {
        v.push(Cell::Count(s.charged));
        v.push(Cell::Money(s.cost));
        v.push(Cell::Text(meta.currency.clone()));
    }
    for d in &row.differences {
        v.push(d.difference.map_or(Cell::Missing("-"), Cell::Difference));
        v.push(d.percent.map_or(Cell::Missing("n/a"), Cell::Percent));
    }
    v
}

pub fn grid(c: &Comparison) -> Grid {
    let scenarios = &c.meta.scenarios;
    let mut columns: Vec<Column> = c.meta.group_by.iter().map(Column::key).collect();
    columns.push(Column::value("messages"));
    for s in scenarios {
        columns.push(Column::value(format!("{}_charged", s.name)).machine_only());
        columns.push(
            Column::value(format!("{}_cost", s.name))
                .titled(format!("{} ({})", s.name, s.currency)),
        );
        columns.push(Column::value(format!("{}_currency", s.name)).machine_only());
    }
    for s in scenarios.iter().skip(1) {
        columns
            .push(Column::value(format!("{}_difference", s.name)).titled(format!("Δ {}", s.name)));
        columns.push(Column::value(format!("{}_percent", s.name)).titled(format!("Δ% {}", s.name)));
    }
    let rows = c
        .rows
        .iter()
        .map(|row| {
            let keys = row.keys.iter().cloned().map(Cell::Text);
            keys.chain(values(c, row)).collect()
        })
        .collect();
    let mut after = vec![format!(
        "differences against {}; time zone {}",
        scenarios[0].name, c.meta.time_zone
    )];
    for s in scenarios {
        let model = if s.model == "auto" && !s.models_used.is_empty() {
            format!("auto ({})", s.models_used.join(", "))
        } else {
            s.model.clone()
        };
        let settings = if s.settings.is_empty() {
            "common settings".to_string()
        } else {
            s.settings.clone()
        };
        after.push(format!(
            "{} ({settings}): model {model} · rates: {}",
            s.name,
            s.rate_sources.join("; ")
        ));
    }
    after.extend(super::defaults_line(&c.meta.config));
    Grid {
        title: Some("wabill compare".into()),
        before: Vec::new(),
        columns,
        rows,
        subtotals: Vec::new(),
        total: Some(values(c, &c.totals)),
        total_label: None,
        after,
        json_keys: false,
    }
}
