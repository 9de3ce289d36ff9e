//! The cost report (`estimate`, `merge`) as a grid: one row per group,
//! the counts, the cost; the model line before it, the accounting after.
//! JSON rows gather the groups in `keys` and put `conversations` last (the
//! `Line` fields `wabill merge` reads back), without the currency (in
//! `meta`).

use super::grid::{Cell, Column, Grid};
use super::{accounting_lines, count_columns, counts, meta_line};
use crate::report::{Line, Report};

fn values(report: &Report, line: &Line) -> Vec<Cell> {
    let mut v: Vec<Cell> = counts(report, line).into_iter().map(Cell::Count).collect();
    v.push(Cell::Money(line.cost));
    v.push(Cell::Text(report.meta.currency.clone()));
    if report.accounting.conversations.is_some() {
        v.push(Cell::Count(line.conversations.unwrap_or(0)));
    }
    v
}

pub fn grid(report: &Report) -> Grid {
    let meta = &report.meta;
    let mut columns: Vec<Column> = meta.group_by.iter().map(Column::key).collect();
    columns.extend(count_columns(report).into_iter().map(|name| match name {
        "conversations" => Column::value(name).not_json(),
        _ => Column::value(name),
    }));
    columns.push(Column::value("cost").titled(format!("cost ({})", meta.currency)));
    columns.push(Column::value("currency").machine_only().not_json());
    if report.accounting.conversations.is_some() {
        columns.push(Column::value("conversations").json_only());
    }
    let rows = report
        .rows
        .iter()
        .map(|row| {
            let keys = row.keys.iter().cloned().map(Cell::Text);
            keys.chain(values(report, &row.line)).collect()
        })
        .collect();
    let mut after = accounting_lines(report);
    if !meta.rate_sources.is_empty() {
        after.push(format!(
            "rates: {}",
            crate::display::printable(&meta.rate_sources.join("; "))
        ));
    }
    after.extend(super::defaults_line(&meta.config));
    Grid {
        title: Some("wabill estimate".into()),
        before: vec![meta_line(report)],
        columns,
        rows,
        subtotals: Vec::new(),
        total: Some(values(report, &report.totals)),
        total_label: None,
        after,
        json_keys: true,
    }
}
