//! The forecast report as a table (with an optional bar chart), CSV, JSON,
//! or a chart file (SVG, HTML).

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment};

use super::{Style, chart, group_digits, money};
use crate::cli::ForecastFormat;
use crate::forecast::{Amounts, ForecastReport};

pub fn render(
    report: &ForecastReport,
    format: ForecastFormat,
    with_chart: bool,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ForecastFormat::Table => {
            table(report, style, out)?;
            if with_chart {
                writeln!(out)?;
                chart::terminal(report, style, out)?;
            }
            Ok(())
        }
        ForecastFormat::Csv => csv(report, out),
        ForecastFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)
        }
        ForecastFormat::Svg => out.write_all(chart::svg(report)?.as_bytes()),
        ForecastFormat::Html => chart::html(report, out),
    }
}

fn values(a: &Amounts) -> [String; 4] {
    [
        group_digits(a.messages),
        group_digits(a.charged),
        group_digits(a.free),
        money(a.cost),
    ]
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
        lines.push(format!("rates: {}", m.rate_sources.join("; ")));
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

fn table(report: &ForecastReport, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let mut table = super::table::new_table(style);
    let bold = |s: String| super::table::bold_cell(style, s);
    let header = ["month", "market", "category", "messages", "charged", "free"]
        .map(String::from)
        .into_iter()
        .chain([format!("cost ({})", report.meta.currency)]);
    table.set_header(header.map(bold));
    let several_months = report.months.len() > 1;
    for month in &report.months {
        for row in report.rows.iter().filter(|r| r.month == month.month) {
            let keys = [row.month.clone(), row.market.clone(), row.category.clone()];
            table.add_row(keys.into_iter().chain(values(&row.amounts)).map(Cell::new));
        }
        if several_months {
            let keys = [month.month.clone(), "month total".into(), String::new()];
            table.add_row(
                keys.into_iter()
                    .chain(values(&month.amounts))
                    .map(bold)
                    .collect::<Vec<_>>(),
            );
        }
    }
    let keys = ["Total".to_string(), String::new(), String::new()];
    table.add_row(
        keys.into_iter()
            .chain(values(&report.totals))
            .map(bold)
            .collect::<Vec<_>>(),
    );
    for i in 3..7 {
        if let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{table}")?;
    for line in notes(report) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// One row per month × market × category, then a row whose keys read `total`.
fn csv(report: &ForecastReport, out: &mut dyn Write) -> io::Result<()> {
    let mut w = super::SafeCsv::from_writer(out);
    w.write_record([
        "month", "market", "category", "messages", "charged", "free", "cost", "currency",
    ])?;
    let plain = |a: &Amounts| {
        [
            a.messages.to_string(),
            a.charged.to_string(),
            a.free.to_string(),
            a.cost.to_string(),
            report.meta.currency.clone(),
        ]
    };
    for r in &report.rows {
        let keys = [r.month.clone(), r.market.clone(), r.category.clone()];
        w.write_record(keys.into_iter().chain(plain(&r.amounts)))?;
    }
    let keys = ["total", "total", "total"].map(String::from);
    w.write_record(keys.into_iter().chain(plain(&report.totals)))?;
    w.flush()
}
