//! A grid as a GitHub-flavoured Markdown table, with a bold heading and
//! the sentences after it as a list.

use std::io::{self, Write};

use super::grid::{Cell, Grid};

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

/// Bold, except an empty cell (`****` would show as text).
fn bold(t: String) -> String {
    if t.is_empty() { t } else { format!("**{t}**") }
}

fn text(cell: &Cell) -> String {
    escape(&cell.human())
}

pub fn render(grid: &Grid, out: &mut dyn Write) -> io::Result<()> {
    let heading: Vec<String> = grid
        .title
        .iter()
        .map(|t| format!("**{t}**"))
        .chain(grid.before.iter().cloned())
        .collect();
    if !heading.is_empty() {
        writeln!(out, "{}\n", heading.join(" · "))?;
    }
    let columns: Vec<_> = grid.human_columns().collect();
    let titles: Vec<String> = columns.iter().map(|(_, c)| escape(&c.title)).collect();
    writeln!(out, "| {} |", titles.join(" | "))?;
    let aligns: Vec<&str> = columns
        .iter()
        .map(|(_, c)| if c.left { ":---" } else { "---:" })
        .collect();
    writeln!(out, "| {} |", aligns.join(" | "))?;
    for (r, row) in grid.rows.iter().enumerate() {
        let mark = if grid.is_subtotal(r) { "**" } else { "" };
        let cells: Vec<String> = columns
            .iter()
            .map(|(i, _)| match text(&row[*i]) {
                t if mark.is_empty() => t,
                t => bold(t),
            })
            .collect();
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    if let Some(total) = grid.human_total() {
        let keys = columns.iter().filter(|(_, c)| c.key).count();
        let mut cells = vec![String::new(); keys.max(1)];
        cells[0] = bold(escape(grid.total_label()));
        cells.extend(total.into_iter().map(|c| bold(text(c))));
        writeln!(out, "| {} |", cells.join(" | "))?;
    }
    if !grid.after.is_empty() {
        writeln!(out)?;
    }
    for line in &grid.after {
        // A sentence that is itself an item (`- assumption`) or indented
        // (a cause under `causes:`) nests under the one before it.
        match line.strip_prefix("- ").or_else(|| line.strip_prefix("  ")) {
            Some(item) => writeln!(out, "  - {}", item.trim_start())?,
            None => writeln!(out, "- {line}")?,
        }
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
