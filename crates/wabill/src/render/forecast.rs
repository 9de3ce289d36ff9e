//! The forecast report as a table (with an optional bar chart), CSV, JSON,
//! or a chart file (SVG, HTML).

use std::io::{self, Write};

use serde::Serialize;

use super::document::{Document, Format, Offered};
use super::grid::{Cell, Column, Grid};
use super::json::{Rows, Totals};
use super::{Style, chart, group_digits};
use crate::forecast::{Amounts, Detail, ForecastMeta, ForecastReport, MonthRow};

/// A forecast as written: the report, and whether a terminal table is
/// followed by its chart (`--chart`).
pub struct Forecast<'a> {
    pub report: &'a ForecastReport,
    pub chart: bool,
}

impl Document for Forecast<'_> {
    /// The report formats and two chart files.
    const FORMATS: &'static [Offered] = &[
        (Format::Table, ""),
        (Format::Csv, ""),
        (Format::Json, ""),
        (Format::Markdown, "A GitHub-flavoured Markdown table"),
        (Format::Svg, "A stacked monthly chart by category (SVG)"),
        (
            Format::Html,
            "A self-contained HTML page: the chart, the table and the assumptions",
        ),
        (
            Format::Xlsx,
            "An Excel workbook: the table (numbers as numbers), then its notes",
        ),
    ];

    fn grid(&self) -> Grid {
        grid(self.report)
    }

    fn after_table(&self, style: Style, out: &mut dyn Write) -> io::Result<()> {
        if self.chart {
            writeln!(out)?;
            chart::terminal(self.report, style, out)?;
        }
        Ok(())
    }

    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        let report = self.report;
        let grid = grid(report);
        let json = Json {
            meta: &report.meta,
            rows: Rows(&grid),
            months: &report.months,
            totals: Totals(&grid),
            details: &report.details,
        };
        super::json::write(&json, out)
    }

    fn other(&self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Svg => out.write_all(chart::svg(self.report)?.as_bytes()),
            Format::Html => {
                super::html::forecast(self.report, &grid(self.report), &notes(self.report), out)
            }
            _ => unreachable!("forecast does not offer {format}"),
        }
    }
}

/// The forecast's JSON: rows and totals from the grid (without its month
/// subtotals), the months by category and the priced details as data.
#[derive(Serialize)]
struct Json<'a> {
    meta: &'a ForecastMeta,
    rows: Rows<'a>,
    months: &'a [MonthRow],
    totals: Totals<'a>,
    details: &'a [Detail],
}

/// The sentences under a table or chart: what was assumed and which cards.
pub fn notes(report: &ForecastReport) -> Vec<String> {
    let m = &report.meta;
    let model = if m.model == "auto" && !m.models_used.is_empty() {
        format!("auto ({})", m.models_used.join(", "))
    } else {
        m.model.clone()
    };
    let mut lines = vec![format!(
        "forecast from {} {} · model {model} · currency {} · time zone {}",
        m.source,
        m.inputs.join(", "),
        m.currency,
        m.time_zone
    )];
    lines.extend(m.assumptions.iter().map(|a| format!("- {a}")));
    if !m.rate_sources.is_empty() {
        lines.push(format!(
            "rates: {}",
            crate::display::printable(&m.rate_sources.join("; "))
        ));
    }
    lines.extend(super::defaults_line(&m.config));
    lines.extend(tier_splits(report));
    lines
}

/// One line per planned volume that crosses a volume-tier band, with its
/// runs: `2026-05 Brazil utility = 250,000 × 0.0068 (band 1) + …`.
fn tier_splits(report: &ForecastReport) -> Vec<String> {
    let band = |d: &crate::forecast::Detail| {
        d.rate_source
            .as_deref()
            .and_then(|s| s.rsplit_once(" band "))
            .map(|(_, b)| b.to_string())
    };
    let mut lines = Vec::new();
    let details = &report.details;
    let mut i = 0;
    while i < details.len() {
        let d = &details[i];
        let same = |e: &crate::forecast::Detail| {
            (&e.month, &e.market, &e.category, &e.window)
                == (&d.month, &d.market, &d.category, &d.window)
                && band(e).is_some()
        };
        let run = details[i..].iter().take_while(|e| same(e)).count();
        if run > 1 {
            let parts: Vec<String> = details[i..i + run]
                .iter()
                .map(|e| {
                    format!(
                        "{} × {} (band {})",
                        group_digits(e.messages),
                        e.rate.unwrap_or_default(),
                        band(e).unwrap_or_default()
                    )
                })
                .collect();
            lines.push(format!(
                "volume tiers: {} {} {} = {}",
                d.month,
                d.market,
                d.category,
                parts.join(" + ")
            ));
        }
        i += run.max(1);
    }
    lines
}

/// One row per month × market × category (with each month's total for
/// people when there are several months), then the totals.
pub fn grid(report: &ForecastReport) -> Grid {
    let currency = &report.meta.currency;
    let mut columns: Vec<Column> = ["month", "market", "category"]
        .into_iter()
        .map(Column::key)
        .collect();
    columns.extend(["messages", "charged", "free"].map(Column::value));
    columns.push(Column::value("cost").titled(format!("cost ({currency})")));
    columns.push(Column::value("currency").machine_only().not_json());
    let all_in = report.meta.all_in.as_ref();
    if let Some(m) = all_in {
        let c = &m.currency;
        columns.extend([
            Column::value("meta_cost").titled(format!("Meta cost ({c})")),
            Column::value("provider_fee").titled(format!("provider fee ({c})")),
            Column::value("tax").titled(format!("tax ({c})")),
            Column::value("total").titled(format!("total ({c})")),
            Column::value("all_in_currency").machine_only().not_json(),
        ]);
    }
    let values = |a: &Amounts| {
        let mut v = vec![
            Cell::Count(a.messages),
            Cell::Count(a.charged),
            Cell::Count(a.free),
            Cell::Money(a.cost),
            Cell::Text(currency.clone()),
        ];
        if let Some(m) = all_in {
            let x = a.all_in.unwrap_or_default();
            v.extend([
                Cell::Money(x.meta_cost),
                Cell::Money(x.provider_fee),
                Cell::Money(x.tax),
                Cell::Money(x.total),
                Cell::Text(m.currency.clone()),
            ]);
        }
        v
    };
    let text = |s: &str| Cell::Text(s.to_string());
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut subtotals = Vec::new();
    let several_months = report.months.len() > 1;
    for month in &report.months {
        for row in report.rows.iter().filter(|r| r.month == month.month) {
            let keys = [text(&row.month), text(&row.market), text(&row.category)];
            rows.push(keys.into_iter().chain(values(&row.amounts)).collect());
        }
        if several_months {
            subtotals.push(rows.len());
            let keys = [text(&month.month), text("month total"), text("")];
            rows.push(keys.into_iter().chain(values(&month.amounts)).collect());
        }
    }
    Grid {
        title: Some("wabill forecast".into()),
        before: Vec::new(),
        columns,
        rows,
        subtotals,
        total: Some(values(&report.totals)),
        total_label: None,
        after: notes(report),
        json_keys: false,
    }
}
