//! The reconciliation as a table, CSV, JSON or an HTML page (`html.rs`).

use std::io::{self, Write};

use serde::Serialize;

use super::document::{Document, Format, Offered};
use super::grid::{Cell, Column, Grid};
use super::json::{Rows, TotalRow};
use crate::reconcile::{Cause, Note, ReconcileMeta, Reconciliation, Row, Sides};

impl Document for Reconciliation {
    const FORMATS: &'static [Offered] = &[
        (Format::Table, "A terminal table (the default)."),
        (Format::Csv, ""),
        (Format::Json, ""),
        (
            Format::Markdown,
            "A GitHub-flavoured Markdown table, with the notes",
        ),
        (
            Format::Html,
            "A self-contained HTML page with the table, the notes and charts of estimate against billed by period and by country.",
        ),
        (Format::Xlsx, super::document::XLSX_HELP),
    ];

    fn grid(&self) -> Grid {
        grid(self)
    }

    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        let grid = grid(self);
        let json = Json {
            meta: &self.meta,
            rows: Rows(&grid),
            totals: TotalRow(&grid),
            cells_outside_tolerance: self.cells_outside_tolerance,
            notes: &self.notes,
        };
        super::json::write(&json, out)
    }

    fn other(&self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        debug_assert_eq!(format, Format::Html);
        super::html::reconcile(self, &grid(self), &notes(self), out)
    }
}

/// The JSON: rows and the totals row from the grid, the settings and the
/// notes as data.
#[derive(Serialize)]
struct Json<'a> {
    meta: &'a ReconcileMeta,
    rows: Rows<'a>,
    totals: TotalRow<'a>,
    cells_outside_tolerance: u64,
    notes: &'a [Note],
}

/// Sides as JSON nests them: `meta.estimated`, `meta.actual`…
fn sides_columns(group: &str, names: [&str; 3]) -> [Column; 3] {
    let [e, a, d] = names;
    [
        Column::value(e).json_as(format!("{group}.estimated")),
        Column::value(a).json_as(format!("{group}.actual")),
        Column::value(d).json_as(format!("{group}.difference")),
    ]
}

/// The columns: the people's titles, the machines' names; the currency,
/// the provider's difference, the report currency and the rate's date are
/// for machines only, the causes differ (people read the tiers).
fn columns(r: &Reconciliation) -> Vec<Column> {
    let m = &r.meta;
    let cur = &m.currency;
    let unit = if m.unit.is_some() { "convs" } else { "msgs" };
    // Only the period is a key: the totals row reads `total` there alone.
    let mut columns = vec![
        Column::key("period").titled(m.granularity_label()),
        Column::value("country").left(),
        Column::value("category").left(),
        Column::value("pricing_type").left(),
        Column::value("estimated_volume").titled(format!("{unit} est.")),
        Column::value("actual_volume").titled(format!("{unit} Meta")),
    ];
    let [e, a, d] = sides_columns("meta", ["estimated_cost", "actual_cost", "difference"]);
    columns.extend([
        e.titled(format!("Meta est. ({cur})")),
        a.titled(format!("Meta billed ({cur})")),
        d.titled("Δ"),
        Column::value("percent").titled("Δ%"),
        Column::value("currency").machine_only().not_json(),
        // JSON reads the check and causes here, before the fees.
        Column::value("within_tolerance").json_only(),
        Column::value("causes").json_only(),
        Column::value("tiers").json_only().json_skip_empty(),
    ]);
    if m.fees.is_some() {
        let [pe, pa, pd] = sides_columns(
            "provider",
            [
                "provider_estimated",
                "provider_actual",
                "provider_difference",
            ],
        );
        let [te, ta, td] = sides_columns(
            "total",
            ["total_estimated", "total_actual", "total_difference"],
        );
        columns.extend([
            pe.titled("provider est."),
            pa.titled("provider billed"),
            pd.machine_only(),
            te.titled("total est."),
            ta.titled("total billed"),
            td.titled("Δ total"),
        ]);
    }
    if let Some(to) = &m.report_currency {
        let [ce, ca, cd] = sides_columns(
            "converted",
            [
                "converted_estimated",
                "converted_actual",
                "converted_difference",
            ],
        );
        columns.extend([
            Column::value("report_currency").machine_only().not_json(),
            Column::value("fx_rate")
                .titled(format!("{cur}→{to}"))
                .json_as("converted.rate"),
            Column::value("fx_rate_date")
                .machine_only()
                .json_as("converted.rate_date"),
            ce.titled(format!("est. ({to})")),
            ca.titled(format!("billed ({to})")),
            cd.titled(format!("Δ ({to})")),
        ]);
    }
    columns.extend([
        Column::value("within_tolerance")
            .titled("check")
            .left()
            .not_json(),
        Column::value("causes").left().human_only(),
        Column::value("causes").machine_only().not_json(),
    ]);
    columns
}

/// Estimated, billed and their difference; `n/a` where the export has none.
fn sides(s: Option<&Sides>, v: &mut Vec<Cell>) {
    v.extend([
        s.map_or(Cell::Missing("n/a"), |s| Cell::Money(s.estimated)),
        s.and_then(|s| s.actual)
            .map_or(Cell::Missing("n/a"), Cell::Money),
        s.and_then(|s| s.difference)
            .map_or(Cell::Missing("n/a"), Cell::Difference),
    ]);
}

/// One cell per column of `columns`.
fn cells(r: &Reconciliation, row: &Row) -> Vec<Cell> {
    let m = &r.meta;
    let text = |s: &str| Cell::Text(s.to_string());
    let mut v: Vec<Cell> = [&row.period, &row.country, &row.category, &row.pricing_type]
        .map(|k| text(k))
        .into();
    v.extend([
        Cell::Count(row.estimated_volume),
        row.actual_volume.map_or(Cell::Missing("–"), Cell::Count),
    ]);
    sides(Some(&row.meta), &mut v);
    v.push(row.percent.map_or(Cell::Missing("n/a"), Cell::Percent));
    v.push(text(&m.currency));
    let codes: Vec<String> = row.causes.iter().map(|c| c.code().to_string()).collect();
    v.extend([
        Cell::Check(row.within_tolerance),
        Cell::List(codes.clone()),
        Cell::List(row.tiers.clone()),
    ]);
    if m.fees.is_some() {
        sides(row.provider.as_ref(), &mut v);
        sides(row.total.as_ref(), &mut v);
    }
    if let Some(to) = &m.report_currency {
        v.push(text(to));
        let c = row.converted.as_ref();
        let rate = c.and_then(|c| c.rate);
        v.push(rate.map_or(Cell::Missing(""), |r| Cell::Text(r.to_string())));
        v.push(
            c.and_then(|c| c.rate_date.as_deref())
                .map_or(Cell::Missing(""), text),
        );
        sides(c.map(|c| &c.amounts), &mut v);
    }
    v.extend([
        Cell::Check(row.within_tolerance),
        Cell::Text(causes_text(row)),
        Cell::List(codes),
    ]);
    v
}

/// The cause codes; a tier cause names Meta's tier.
fn causes_text(row: &Row) -> String {
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

/// The reconciliation as one grid: a row per cell, the totals row (its
/// check the whole's) and the notes. Table, CSV, Markdown and the HTML
/// page's table all lay it out.
pub fn grid(r: &Reconciliation) -> Grid {
    let total = cells(r, &r.totals).split_off(1);
    Grid {
        title: Some("wabill reconcile".into()),
        columns: columns(r),
        rows: r.rows.iter().map(|row| cells(r, row)).collect(),
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
            lines.push(format!(
                "  {} ({}): {}",
                n.cause.code(),
                super::plural(n.cells, "cell"),
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
