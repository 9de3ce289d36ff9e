//! The comparison as a grid: per scenario its charged count, cost and
//! currency (people see the cost, titled with the currency), then per later
//! scenario the difference and percentage against the first.

use std::io::{self, Write};

use serde::Serialize;

use super::document::{Document, Offered};
use super::grid::{Cell, Column, Grid};
use super::json::{Rows, TotalRow};
use crate::report::compare::{CompareMeta, CompareRow, Comparison};

/// The JSON: rows and the totals row from the grid; per row a list of the
/// scenarios' costs and one of the differences (`scenarios.0.cost`…).
#[derive(Serialize)]
struct Json<'a> {
    meta: &'a CompareMeta,
    rows: Rows<'a>,
    totals: TotalRow<'a>,
}

impl Document for Comparison {
    const FORMATS: &'static [Offered] = super::document::GRID_FORMATS;

    fn grid(&self) -> Grid {
        grid(self)
    }

    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        let grid = grid(self);
        let json = Json {
            meta: &self.meta,
            rows: Rows(&grid),
            totals: TotalRow(&grid),
        };
        super::json::write(&json, out)
    }
}

fn values(c: &Comparison, row: &CompareRow) -> Vec<Cell> {
    let mut v = vec![Cell::Count(row.messages)];
    for (s, meta) in row.scenarios.iter().zip(&c.meta.scenarios) {
        v.push(Cell::Text(s.scenario.clone()));
        v.push(Cell::Count(s.charged));
        if c.has_unpriced() {
            v.push(Cell::Count(s.unpriced));
        }
        v.push(Cell::Money(s.cost));
        v.push(Cell::Text(meta.currency.clone()));
    }
    for d in &row.differences {
        v.push(Cell::Text(d.scenario.clone()));
        v.push(Cell::Text(d.versus.clone()));
        let (no_difference, no_percent) = if d.incomplete {
            ("unpriced", "unpriced")
        } else {
            ("-", "n/a")
        };
        v.push(
            d.difference
                .map_or(Cell::Missing(no_difference), Cell::Difference),
        );
        v.push(d.percent.map_or(Cell::Missing(no_percent), Cell::Percent));
    }
    v
}

pub fn grid(c: &Comparison) -> Grid {
    let scenarios = &c.meta.scenarios;
    let mut columns: Vec<Column> = c.meta.group_by.iter().map(Column::key).collect();
    columns.push(Column::value("messages"));
    for (i, s) in scenarios.iter().enumerate() {
        let json = |field: &str| format!("scenarios.{i}.{field}");
        columns.extend([
            Column::value("scenario")
                .json_only()
                .json_as(json("scenario")),
            Column::value(format!("{}_charged", s.name))
                .machine_only()
                .json_as(json("charged")),
        ]);
        if c.has_unpriced() {
            columns.push(
                Column::value(format!("{}_unpriced", s.name))
                    .titled(format!("{} unpriced", s.name))
                    .json_as(json("unpriced")),
            );
        }
        columns.extend([
            Column::value(format!("{}_cost", s.name))
                .titled(format!("{} ({})", s.name, s.currency))
                .json_as(json("cost")),
            Column::value(format!("{}_currency", s.name))
                .machine_only()
                .not_json(),
        ]);
    }
    for (i, s) in scenarios.iter().skip(1).enumerate() {
        let json = |field: &str| format!("differences.{i}.{field}");
        columns.extend([
            Column::value("scenario")
                .json_only()
                .json_as(json("scenario")),
            Column::value("versus").json_only().json_as(json("versus")),
            Column::value(format!("{}_difference", s.name))
                .titled(format!("Δ {}", s.name))
                .json_as(json("difference")),
            Column::value(format!("{}_percent", s.name))
                .titled(format!("Δ% {}", s.name))
                .json_as(json("percent")),
        ]);
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
    for s in &c.totals.scenarios {
        after.extend(super::unpriced_sentence(s.unpriced).map(|l| format!("{}: {l}", s.scenario)));
    }
    after.extend(super::defaults_line(&c.meta.config));
    Grid {
        title: Some(format!("wabill {}", c.meta.command)),
        before: Vec::new(),
        columns,
        rows,
        subtotals: Vec::new(),
        total: Some(values(c, &c.totals)),
        total_label: None,
        after,
        json_keys: true,
    }
}
