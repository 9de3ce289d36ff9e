//! The cost report (`estimate`, `merge`) as a grid: one row per group,
//! the counts, the cost; the model line before it, the accounting after.
//! JSON rows gather the groups in `keys` and put `conversations` last (the
//! `Line` fields `wabill merge` reads back), without the currency (in
//! `meta`).

use std::io::{self, Write};

use super::document::{Document, Format, Offered};
use super::grid::{Cell, Column, Grid};
use super::{accounting_lines, count_columns, counts, meta_line};
use serde::Serialize;

use super::json::{Rows, Totals};
use crate::report::{Accounting, Line, Meta, Partial, ProviderChargeLine, Report};

impl Document for Report {
    const FORMATS: &'static [Offered] = &[
        (Format::Table, "A terminal table (the default)."),
        (Format::Csv, ""),
        (Format::Json, ""),
        (
            Format::Markdown,
            "A GitHub-flavoured Markdown table, for pull requests and job summaries.",
        ),
        (
            Format::Html,
            "A self-contained HTML page with the table, the accounting and charts of spend by day and by market.",
        ),
        (
            Format::Xlsx,
            "An Excel workbook: sheets report, accounting, notes and provenance (amounts are binary floats there; CSV and JSON are exact).",
        ),
    ];

    fn grid(&self) -> Grid {
        grid(self)
    }

    fn after_csv(&self, out: &mut dyn Write) -> io::Result<()> {
        super::csv::provider_charges(self, out)
    }

    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        json(self, out)
    }

    fn xlsx(&self, out: &mut dyn Write) -> io::Result<()> {
        super::xlsx::estimate(self, grid(self), out)
    }

    fn other(&self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Html => super::html::estimate(self, &grid(self), out),
            _ => unreachable!("estimate does not offer {format}"),
        }
    }
}

fn values(report: &Report, line: &Line) -> Vec<Cell> {
    let mut v: Vec<Cell> = counts(report, line).into_iter().map(Cell::Count).collect();
    v.push(Cell::Money(line.cost));
    v.push(Cell::Text(report.meta.currency.clone()));
    if report.accounting.conversations.is_some() {
        v.push(Cell::Count(line.conversations.unwrap_or(0)));
    }
    if let Some(m) = &report.meta.all_in {
        let a = line.all_in.unwrap_or_default();
        v.extend([
            Cell::Money(a.meta_cost),
            Cell::Money(a.provider_fee),
            Cell::Money(a.tax),
            Cell::Money(a.total),
            Cell::Text(m.currency.clone()),
        ]);
    }
    v
}

/// What the all-in columns are, and what no group holds.
fn all_in_lines(m: &crate::report::AllInMeta) -> Vec<String> {
    let mut lines = vec![format!(
        "all-in ({}): {}; every amount exact, nothing rounded (shown at 4 places)",
        m.currency, m.rules
    )];
    if m.inbound_messages > 0 && !m.inbound_fees.is_zero() {
        lines.push(format!(
            "not in the groups: {} inbound {} with fees of {} {} (tax included)",
            super::group_digits(m.inbound_messages),
            super::nouns(m.inbound_messages, "message"),
            super::money(m.inbound_fees),
            m.currency
        ));
    }
    if !m.monthly_platform.is_zero() {
        lines.push(format!(
            "not in the total: monthly_platform {} (card currency) per billing month (no message's fee)",
            super::money(m.monthly_platform)
        ));
    }
    lines
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
    if let Some(m) = &meta.all_in {
        let c = &m.currency;
        columns.extend([
            Column::value("meta_cost").titled(format!("Meta cost ({c})")),
            Column::value("provider_fee").titled(format!("provider fee ({c})")),
            Column::value("tax").titled(format!("tax ({c})")),
            Column::value("total").titled(format!("total ({c})")),
            Column::value("all_in_currency").machine_only().not_json(),
        ]);
    }
    let rows = report
        .rows
        .iter()
        .map(|row| {
            let keys = row.keys.iter().cloned().map(Cell::Text);
            keys.chain(values(report, &row.line)).collect()
        })
        .collect();
    let mut after: Vec<String> = super::unpriced_line(report).into_iter().collect();
    after.extend(accounting_lines(report));
    if let Some(m) = &meta.all_in {
        after.extend(all_in_lines(m));
    }
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

/// The estimate's JSON: its rows and totals from the grid, the rest (meta,
/// the accounting, the provider's charges, the `partial` section that
/// `wabill merge` reads back) from the report's own serde structs. Same
/// field names as `Report`, so `merge` deserialises it as a `Report`.
#[derive(Serialize)]
struct Estimate<'a> {
    meta: &'a Meta,
    rows: Rows<'a>,
    totals: Totals<'a>,
    accounting: &'a Accounting,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    provider_charges: &'a [ProviderChargeLine],
    #[serde(skip_serializing_if = "Option::is_none")]
    partial: Option<&'a Partial>,
}

fn json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let grid = grid(report);
    let json = Estimate {
        meta: &report.meta,
        rows: Rows(&grid),
        totals: Totals(&grid),
        accounting: &report.accounting,
        provider_charges: &report.provider_charges,
        partial: report.partial.as_ref(),
    };
    super::json::write(&json, out)
}
