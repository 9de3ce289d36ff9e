use std::io::{self, Write};

use super::{accounting_lines, count_columns, counts, group_digits, meta_line, money};
use crate::report::{Line, Report};

fn values(report: &Report, line: &Line, bold: bool) -> String {
    let mark = if bold { "**" } else { "" };
    let mut cells: Vec<String> = counts(report, line).into_iter().map(group_digits).collect();
    cells.push(money(line.cost));
    cells
        .iter()
        .map(|c| format!("{mark}{c}{mark}"))
        .collect::<Vec<_>>()
        .join(" | ")
}

/// Cell text as Markdown shows it literally: pipes would break the table,
/// line breaks the row, and HTML would be rendered (or run) by the viewer.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '|' => out.push_str("\\|"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' => out.push_str("<br>"),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let keys = &report.meta.group_by;
    writeln!(out, "**wabill estimate** · {}\n", meta_line(report))?;
    let names: Vec<String> = keys.iter().map(|k| escape(k)).collect();
    let columns: Vec<String> = count_columns(report)
        .iter()
        .map(|c| c.replace('_', " "))
        .collect();
    writeln!(
        out,
        "| {} | {} | cost ({}) |",
        names.join(" | "),
        columns.join(" | "),
        report.meta.currency
    )?;
    let aligns: Vec<&str> = keys
        .iter()
        .map(|_| ":---")
        .chain(std::iter::repeat_n("---:", columns.len() + 1))
        .collect();
    writeln!(out, "| {} |", aligns.join(" | "))?;
    for row in &report.rows {
        let k: Vec<String> = row.keys.iter().map(|k| escape(k)).collect();
        writeln!(
            out,
            "| {} | {} |",
            k.join(" | "),
            values(report, &row.line, false)
        )?;
    }
    let mut total = vec![String::new(); keys.len().max(1)];
    total[0] = "**Total**".into();
    writeln!(
        out,
        "| {} | {} |",
        total.join(" | "),
        values(report, &report.totals, true)
    )?;
    writeln!(out)?;
    for line in accounting_lines(report) {
        writeln!(out, "- {line}")?;
    }
    if !report.meta.rate_sources.is_empty() {
        writeln!(out, "- rates: {}", report.meta.rate_sources.join("; "))?;
    }
    if let Some(line) = super::defaults_line(&report.meta.config) {
        writeln!(out, "- {line}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(
            super::escape("a|b\n<script>&"),
            "a\\|b<br>&lt;script&gt;&amp;"
        );
    }
}
