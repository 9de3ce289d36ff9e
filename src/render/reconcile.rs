//! The reconciliation as a table, CSV, JSON or an HTML page (`html.rs`).

use std::io::{self, Write};

use comfy_table::{Attribute, Cell, CellAlignment, Color};

use super::grid::{self, Column, Grid};
use super::{Style, group_digits, money, signed_money};
use crate::reconcile::{Cause, Reconciliation, Row, Sides};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReconcileFormat {
    /// A terminal table (the default).
    Table,
    Csv,
    Json,
    /// A GitHub-flavoured Markdown table, with the notes
    Markdown,
    /// A self-contained HTML page with the table, the notes and charts of
    /// estimate against billed by period and by country.
    Html,
}

pub fn render(
    r: &Reconciliation,
    format: ReconcileFormat,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ReconcileFormat::Table => table(r, style, out),
        ReconcileFormat::Csv => csv(r, out),
        ReconcileFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, r)?;
            writeln!(out)
        }
        ReconcileFormat::Markdown => super::markdown::render(&grid(r), out),
        ReconcileFormat::Html => super::html::reconcile(r, out),
    }
}

fn sides(s: &Sides, v: &mut Vec<String>) {
    let na = || "n/a".to_string();
    v.extend([
        money(s.estimated),
        s.actual.map_or_else(na, money),
        s.difference.map_or_else(na, signed_money),
    ]);
}

/// The value columns of a row, in header order.
pub(super) fn values(row: &Row) -> Vec<String> {
    let mut v = vec![
        group_digits(row.estimated_volume),
        row.actual_volume.map_or("–".into(), group_digits),
    ];
    sides(&row.meta, &mut v);
    v.push(
        row.percent
            .map_or("n/a".into(), |p| format!("{}%", signed_money(p))),
    );
    if let (Some(p), Some(t)) = (&row.provider, &row.total) {
        v.extend([money(p.estimated), p.actual.map_or("n/a".into(), money)]);
        sides(t, &mut v);
    }
    if let Some(c) = &row.converted {
        v.push(c.rate.map_or(String::new(), |r| r.to_string()));
        sides(&c.amounts, &mut v);
    }
    v
}

/// The cause codes; a tier cause names Meta's tier.
pub(super) fn causes_text(row: &Row) -> String {
    let codes: Vec<String> = row
        .causes
        .iter()
        .map(|c| match c {
            Cause::VolumeTier if !row.tiers.is_empty() => {
                format!("{} (tier {})", c.code(), row.tiers.join(", "))
            }
            c => c.code().to_string(),
        })
        .collect();
    codes.join(", ")
}

/// The column names, in the order of `values` framed by the four keys and
/// the check and causes columns.
pub(super) fn header(r: &Reconciliation) -> Vec<String> {
    let cur = &r.meta.currency;
    let unit = if r.meta.unit.is_some() {
        "convs"
    } else {
        "msgs"
    };
    let mut header: Vec<String> = vec![
        r.meta.granularity_label().into(),
        "country".into(),
        "category".into(),
        "pricing type".into(),
        format!("{unit} est."),
        format!("{unit} Meta"),
        format!("Meta est. ({cur})"),
        format!("Meta billed ({cur})"),
        "Δ".into(),
        "Δ%".into(),
    ];
    if r.meta.fees.is_some() {
        header.extend(
            [
                "provider est.",
                "provider billed",
                "total est.",
                "total billed",
                "Δ total",
            ]
            .map(String::from),
        );
    }
    if let Some(to) = &r.meta.report_currency {
        header.extend([
            format!("{cur}→{to}"),
            format!("est. ({to})"),
            format!("billed ({to})"),
            format!("Δ ({to})"),
        ]);
    }
    header.extend(["check".into(), "causes".into()]);
    header
}

fn table(r: &Reconciliation, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let mut table = super::table::new_table(style);
    let bold = |s: String| super::table::bold_cell(style, s);
    let header = header(r);
    let width = header.len();
    table.set_header(header.into_iter().map(bold));
    let check = |ok: bool| {
        if ok {
            Cell::new("ok")
        } else if style.color {
            Cell::new("OFF")
                .fg(Color::Red)
                .add_attribute(Attribute::Bold)
        } else {
            Cell::new("OFF")
        }
    };
    for row in &r.rows {
        let mut cells: Vec<Cell> = [&row.period, &row.country, &row.category, &row.pricing_type]
            .into_iter()
            .cloned()
            .chain(values(row))
            .map(Cell::new)
            .collect();
        cells.push(check(row.within_tolerance));
        cells.push(Cell::new(causes_text(row)));
        table.add_row(cells);
    }
    let t = &r.totals;
    let mut cells: Vec<Cell> = [
        "Total".to_string(),
        String::new(),
        String::new(),
        String::new(),
    ]
    .into_iter()
    .chain(values(t))
    .map(bold)
    .collect();
    cells.push(check(t.within_tolerance));
    cells.push(Cell::new(""));
    table.add_row(cells);
    for i in 4..width - 2 {
        if let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{table}")?;
    for line in notes(r) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// The people's view as a grid (Markdown): the table's columns and notes.
/// The cells are the table's text; the table and CSV are laid out below.
pub fn grid(r: &Reconciliation) -> Grid {
    let header = header(r);
    let width = header.len();
    let columns = header
        .into_iter()
        .enumerate()
        .map(|(i, title)| match i {
            0..4 => Column::key(title.clone()),
            i if i >= width - 2 => Column::value(title.clone()).left(),
            _ => Column::value(title.clone()),
        })
        .collect();
    let check = |ok: bool| grid::Cell::Text(if ok { "ok" } else { "OFF" }.into());
    let text = |s: &str| grid::Cell::Text(s.to_string());
    let rows = r
        .rows
        .iter()
        .map(|row| {
            let keys = [&row.period, &row.country, &row.category, &row.pricing_type];
            let mut cells: Vec<grid::Cell> = keys.into_iter().map(|k| text(k)).collect();
            cells.extend(values(row).into_iter().map(grid::Cell::Text));
            cells.push(check(row.within_tolerance));
            cells.push(grid::Cell::Text(causes_text(row)));
            cells
        })
        .collect();
    let mut total: Vec<grid::Cell> = values(&r.totals)
        .into_iter()
        .map(grid::Cell::Text)
        .collect();
    total.push(check(r.totals.within_tolerance));
    total.push(text(""));
    Grid {
        title: Some("wabill reconcile".into()),
        columns,
        rows,
        total: Some(total),
        after: notes(r),
        ..Grid::default()
    }
}

/// The lines under the table: tolerance, days, ranges, causes, fees, FX.
pub(super) fn notes(r: &Reconciliation) -> Vec<String> {
    let mut lines = Vec::new();
    let m = &r.meta;
    let cells = r
        .rows
        .iter()
        .filter(|row| row.actual_volume.is_some())
        .count();
    if m.compared.is_some() {
        lines.push(format!(
            "{} of {} outside tolerance ({}); the export has no cost: volumes compared, \
             Δ% of the estimated count",
            r.cells_outside_tolerance,
            super::plural(cells as u64, "cell"),
            m.tolerance
        ));
    } else {
        lines.push(format!(
            "{} of {} outside tolerance ({}); Δ = billed − estimate, Δ% of the estimate",
            r.cells_outside_tolerance,
            super::plural(cells as u64, "cell"),
            m.tolerance
        ));
    }
    lines.push(format!(
        "estimate days: {}; Meta's analytics days: {}",
        m.estimate_days, m.meta_days
    ));
    if let Some(unit) = m.unit {
        lines.push(format!(
            "the export counts {unit}: each is counted once on the estimate's side, in the cell \
             of the message that opened it"
        ));
    }
    if let Some([a, b]) = &m.log_range {
        lines.push(match &m.export_range {
            Some([c, d]) => format!("log {a} – {b}; export {c} – {d}"),
            None => format!("log {a} – {b}; the export has no data points"),
        });
    }
    if !m.merged.is_empty() {
        lines.push(format!(
            "the export has no {} breakdown: merged (\"all\") on both sides",
            m.merged.join(" or ")
        ));
    }
    if !r.notes.is_empty() {
        lines.push("causes:".to_string());
        for n in &r.notes {
            let s = if n.cells == 1 { "" } else { "s" };
            lines.push(format!(
                "  {} ({} cell{s}): {}",
                n.cause.code(),
                n.cells,
                n.explanation
            ));
        }
    }
    if let Some(f) = &m.fees {
        lines.push(format!(
            "provider fees: {} per outbound message, {} per inbound, {} per failed, markup {}% of \
             Meta's cost, {} a month; inbound, not_delivered and platform_fee rows come from the \
             log alone (Meta's analytics do not count them)",
            f.outbound_message,
            f.inbound_message,
            f.failed_message,
            f.markup_percent,
            f.monthly_platform
        ));
    }
    if let Some(to) = &m.report_currency {
        let what = if m.fees.is_some() {
            "totals"
        } else {
            "Meta's charges"
        };
        lines.push(format!(
            "{what} converted {}→{to} at the rate in force on each period's first day; exact \
             products, not rounded",
            m.currency
        ));
    }
    lines.extend(super::defaults_line(&m.config));
    lines
}

/// One row per cell, then a `total` row; amounts are plain decimals.
fn csv(r: &Reconciliation, out: &mut dyn Write) -> io::Result<()> {
    let mut w = super::SafeCsv::from_writer(out);
    let m = &r.meta;
    let mut header: Vec<&str> = vec![
        "period",
        "country",
        "category",
        "pricing_type",
        "estimated_volume",
        "actual_volume",
        "estimated_cost",
        "actual_cost",
        "difference",
        "percent",
        "currency",
    ];
    if m.fees.is_some() {
        header.extend([
            "provider_estimated",
            "provider_actual",
            "provider_difference",
            "total_estimated",
            "total_actual",
            "total_difference",
        ]);
    }
    if m.report_currency.is_some() {
        header.extend([
            "report_currency",
            "fx_rate",
            "fx_rate_date",
            "converted_estimated",
            "converted_actual",
            "converted_difference",
        ]);
    }
    header.extend(["within_tolerance", "causes"]);
    w.write_record(&header)?;
    let record = |row: &Row| {
        let mut v = vec![
            row.period.clone(),
            row.country.clone(),
            row.category.clone(),
            row.pricing_type.clone(),
            row.estimated_volume.to_string(),
            row.actual_volume.map_or(String::new(), |n| n.to_string()),
            row.meta.estimated.to_string(),
            row.meta.actual.map_or(String::new(), |d| d.to_string()),
            row.meta.difference.map_or(String::new(), |d| d.to_string()),
            row.percent.map_or(String::new(), |p| p.to_string()),
            m.currency.clone(),
        ];
        let plain = |s: &Sides, v: &mut Vec<String>| {
            v.extend(
                [Some(s.estimated), s.actual, s.difference]
                    .map(|d| d.map_or(String::new(), |d| d.to_string())),
            )
        };
        if let (Some(p), Some(t)) = (&row.provider, &row.total) {
            plain(p, &mut v);
            plain(t, &mut v);
        }
        if let (Some(c), Some(to)) = (&row.converted, &m.report_currency) {
            v.push(to.clone());
            v.push(c.rate.map_or(String::new(), |r| r.to_string()));
            v.push(c.rate_date.clone().unwrap_or_default());
            plain(&c.amounts, &mut v);
        }
        v.push(row.within_tolerance.to_string());
        let causes: Vec<&str> = row.causes.iter().map(|c| c.code()).collect();
        v.push(causes.join(";"));
        v
    };
    for row in &r.rows {
        w.write_record(record(row))?;
    }
    w.write_record(record(&r.totals))?;
    w.flush()
}
