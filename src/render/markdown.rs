use std::io::{self, Write};

use super::{accounting_lines, group_digits, meta_line, money};
use crate::report::{Line, Report};

fn values(line: &Line) -> String {
    format!(
        "{} | {} | {} | {} | {}",
        group_digits(line.messages),
        group_digits(line.charged),
        group_digits(line.free),
        group_digits(line.not_delivered),
        money(line.cost)
    )
}

/// Pipes in cell text would break the table.
fn escape(s: &str) -> String {
    s.replace('|', "\\|")
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let keys = &report.meta.group_by;
    writeln!(out, "**wabill estimate** · {}\n", meta_line(report))?;
    let names: Vec<String> = keys.iter().map(|k| escape(k)).collect();
    writeln!(
        out,
        "| {} | messages | charged | free | not delivered | cost ({}) |",
        names.join(" | "),
        report.meta.currency
    )?;
    let aligns: Vec<&str> = keys.iter().map(|_| ":---").chain(["---:"; 5]).collect();
    writeln!(out, "| {} |", aligns.join(" | "))?;
    for row in &report.rows {
        let k: Vec<String> = row.keys.iter().map(|k| escape(k)).collect();
        writeln!(out, "| {} | {} |", k.join(" | "), values(&row.line))?;
    }
    let mut total = vec![String::new(); keys.len().max(1)];
    total[0] = "**Total**".into();
    let v = &report.totals;
    writeln!(
        out,
        "| {} | **{}** | **{}** | **{}** | **{}** | **{}** |",
        total.join(" | "),
        group_digits(v.messages),
        group_digits(v.charged),
        group_digits(v.free),
        group_digits(v.not_delivered),
        money(v.cost)
    )?;
    writeln!(out)?;
    for line in accounting_lines(report) {
        writeln!(out, "- {line}")?;
    }
    if !report.meta.rate_sources.is_empty() {
        writeln!(out, "- rates: {}", report.meta.rate_sources.join("; "))?;
    }
    Ok(())
}
