//! The comparison as a table, CSV or JSON.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment};

use super::{Style, group_digits, money, signed_money};
use crate::cli::CompareFormat;
use crate::report::compare::{CompareRow, Comparison};

pub fn render(
    c: &Comparison,
    format: CompareFormat,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        CompareFormat::Table => table(c, style, out),
        CompareFormat::Csv => csv(c, out),
        CompareFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, c)?;
            writeln!(out)
        }
    }
}

fn cells(row: &CompareRow) -> Vec<String> {
    let mut v = vec![group_digits(row.messages)];
    v.extend(row.scenarios.iter().map(|s| money(s.cost)));
    for d in &row.differences {
        v.push(d.difference.map_or("-".into(), signed_money));
        v.push(
            d.percent
                .map_or("n/a".into(), |p| format!("{}%", signed_money(p))),
        );
    }
    v
}

fn table(c: &Comparison, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let mut table = super::table::new_table(style);
    let bold = |s: String| super::table::bold_cell(style, s);
    let scenarios = &c.meta.scenarios;
    let mut header: Vec<String> = c.meta.group_by.clone();
    header.push("messages".into());
    header.extend(
        scenarios
            .iter()
            .map(|s| format!("{} ({})", s.name, s.currency)),
    );
    for s in scenarios.iter().skip(1) {
        header.push(format!("Δ {}", s.name));
        header.push(format!("Δ% {}", s.name));
    }
    let width = header.len();
    table.set_header(header.into_iter().map(bold));
    let keys = c.meta.group_by.len();
    for row in &c.rows {
        table.add_row(row.keys.iter().cloned().chain(cells(row)).map(Cell::new));
    }
    let mut total = vec![String::new(); keys];
    total[0] = "Total".into();
    table.add_row(
        total
            .into_iter()
            .chain(cells(&c.totals))
            .map(bold)
            .collect::<Vec<_>>(),
    );
    for i in keys..width {
        if let Some(column) = table.column_mut(i) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{table}")?;
    writeln!(
        out,
        "differences against {}; time zone {}",
        scenarios[0].name, c.meta.time_zone
    )?;
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
        writeln!(
            out,
            "{} ({settings}): model {model} · rates: {}",
            s.name,
            s.rate_sources.join("; ")
        )?;
    }
    if let Some(line) = super::defaults_line(&c.meta.config) {
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// One row per group; per scenario `NAME_charged`, `NAME_cost`, then per
/// later scenario `NAME_difference`, `NAME_percent`; then a `total` row.
fn csv(c: &Comparison, out: &mut dyn Write) -> io::Result<()> {
    let mut w = super::SafeCsv::from_writer(out);
    let scenarios = &c.meta.scenarios;
    let mut header: Vec<String> = c.meta.group_by.clone();
    header.push("messages".into());
    for s in scenarios {
        header.push(format!("{}_charged", s.name));
        header.push(format!("{}_cost", s.name));
        header.push(format!("{}_currency", s.name));
    }
    for s in scenarios.iter().skip(1) {
        header.push(format!("{}_difference", s.name));
        header.push(format!("{}_percent", s.name));
    }
    w.write_record(&header)?;
    let record = |row: &CompareRow, keys: Vec<String>| {
        let mut v = keys;
        v.push(row.messages.to_string());
        for (s, meta) in row.scenarios.iter().zip(scenarios) {
            v.push(s.charged.to_string());
            v.push(s.cost.to_string());
            v.push(meta.currency.clone());
        }
        for d in &row.differences {
            v.push(d.difference.map_or(String::new(), |x| x.to_string()));
            v.push(d.percent.map_or(String::new(), |x| x.to_string()));
        }
        v
    };
    for row in &c.rows {
        w.write_record(record(row, row.keys.clone()))?;
    }
    let total = vec!["total".to_string(); c.meta.group_by.len()];
    w.write_record(record(&c.totals, total))?;
    w.flush()
}
