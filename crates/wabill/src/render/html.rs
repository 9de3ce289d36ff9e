//! The estimate and the reconciliation as one self-contained HTML page: the
//! table, the accounting or notes, provenance, and SVG bar charts, with
//! inline CSS and no external resource (it opens offline and can be mailed
//! as one file). Narrow screens scroll the table and scale the charts.
//!
//! Every value that may come from the input (group keys, file names, cause
//! texts, labels) goes through `escape`; plotters escapes the chart text.
//! Nothing depends on the clock or the environment: the same report gives
//! the same bytes.

use std::io::{self, Write};

use rust_decimal::Decimal;

use super::bars::{self, BILLED, ESTIMATE, Series};
use super::grid::{Cell, Grid};
use super::{accounting_lines, meta_line, money};
use crate::reconcile::Reconciliation;
use crate::report::Report;

/// Text for HTML element content and double-quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "\
:root{color-scheme:light;font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif}\
body{margin:0;padding:1rem;color:#1b1f23;background:#fff;line-height:1.4}\
main{max-width:70rem;margin:0 auto}\
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}\
.meta{color:#57606a;margin:0 0 1rem}\
.total{font-size:1.25rem;font-weight:600}\
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid #d0d7de;border-radius:6px}\
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}\
th,td{padding:.35rem .6rem;border-bottom:1px solid #d0d7de;text-align:left;white-space:nowrap}\
thead th{background:#f6f8fa;position:sticky;top:0}\
td.n,th.n{text-align:right}\
tfoot th{background:#f6f8fa;border-top:2px solid #57606a}\
tr.off td{background:#fff1f0}\
figure{margin:0 0 1rem}figure svg{display:block;width:100%;max-width:48rem;height:auto}\
figcaption{color:#57606a;font-size:.9rem}\
ul{padding-left:1.2rem}li{margin:.2rem 0}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}\
@media (max-width:600px){body{padding:.5rem}h1{font-size:1.25rem}th,td{padding:.3rem .4rem;font-size:.9rem}}";

fn head(out: &mut dyn Write, title: &str) -> io::Result<()> {
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"en\">")?;
    writeln!(out, "<head>")?;
    writeln!(out, "<meta charset=\"utf-8\">")?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(out, "<title>{}</title>", escape(title))?;
    writeln!(out, "<style>{STYLE}</style>")?;
    writeln!(out, "</head>")?;
    writeln!(out, "<body>\n<main>")
}

fn foot(out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "<footer class=\"meta\">wabill {}</footer>",
        env!("CARGO_PKG_VERSION")
    )?;
    writeln!(out, "</main>\n</body>\n</html>")
}

/// `<th>` or `<td>` cells; `numeric` ones align right.
fn cells(tag: &str, values: &[(String, bool)]) -> String {
    values
        .iter()
        .map(|(v, numeric)| {
            let class = if *numeric { " class=\"n\"" } else { "" };
            format!("<{tag}{class}>{}</{tag}>", escape(v))
        })
        .collect()
}

/// A grid as an HTML table (people's columns; values right-aligned), the
/// totals row in the footer.
fn grid_table(out: &mut dyn Write, id: &str, grid: &Grid) -> io::Result<()> {
    let columns: Vec<_> = grid.human_columns().collect();
    let header: Vec<(String, bool)> = columns
        .iter()
        .map(|(_, c)| (c.title.clone(), !c.left))
        .collect();
    writeln!(out, "<div class=\"scroll\">\n<table id=\"{id}\">")?;
    writeln!(
        out,
        "<thead><tr>{}</tr></thead>\n<tbody>",
        cells("th", &header)
    )?;
    for (r, row) in grid.rows.iter().enumerate() {
        let v: Vec<(String, bool)> = columns
            .iter()
            .map(|(i, c)| (row[*i].human(), !c.left))
            .collect();
        let tag = if grid.is_subtotal(r) { "th" } else { "td" };
        let off = row.contains(&Cell::Check(false));
        let class = if off { " class=\"off\"" } else { "" };
        writeln!(out, "<tr{class}>{}</tr>", cells(tag, &v))?;
    }
    write!(out, "</tbody>")?;
    if let Some(total) = grid.human_total() {
        let keys = columns.iter().filter(|(_, c)| c.key).count();
        let mut v = vec![(String::new(), false); keys.max(1)];
        v[0].0 = grid.total_label().into();
        let values = columns.iter().filter(|(_, c)| !c.key);
        v.extend(
            total
                .into_iter()
                .zip(values)
                .map(|(cell, (_, c))| (cell.human(), !c.left)),
        );
        write!(
            out,
            "\n<tfoot><tr class=\"total\">{}</tr></tfoot>",
            cells("th", &v)
        )?;
    }
    writeln!(out, "\n</table>\n</div>")
}

fn list(out: &mut dyn Write, id: &str, lines: &[String]) -> io::Result<()> {
    writeln!(out, "<ul id=\"{id}\">")?;
    for line in lines {
        writeln!(out, "<li>{}</li>", escape(line))?;
    }
    writeln!(out, "</ul>")
}

fn figure(out: &mut dyn Write, id: &str, caption: &str, svg: &str) -> io::Result<()> {
    writeln!(out, "<figure id=\"{id}\">")?;
    out.write_all(svg.as_bytes())?;
    writeln!(out, "<figcaption>{}</figcaption>", escape(caption))?;
    writeln!(out, "</figure>")
}

fn provenance(out: &mut dyn Write, items: &[(&str, String)]) -> io::Result<()> {
    writeln!(out, "<h2>Provenance</h2>\n<dl id=\"provenance\">")?;
    for (term, value) in items {
        writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(term), escape(value))?;
    }
    writeln!(out, "</dl>")
}

fn split(pairs: &[(String, Decimal)]) -> (Vec<String>, Vec<Decimal>) {
    pairs.iter().cloned().unzip()
}

/// The cost report around its `grid`. Charts need `Report::spend`
/// (`Aggregator::with_spend`); without it the page has the table and the
/// accounting only. (Each report hands its page its grid and notes: the
/// layouts never import a report's module.)
pub fn estimate(report: &Report, grid: &Grid, out: &mut dyn Write) -> io::Result<()> {
    let cur = &report.meta.currency;
    head(out, &format!("wabill estimate ({cur})"))?;
    writeln!(out, "<h1>WhatsApp Business cost estimate</h1>")?;
    writeln!(out, "<p class=\"meta\">{}</p>", escape(&meta_line(report)))?;
    writeln!(
        out,
        "<p class=\"total\" id=\"total\">Total: {} {}</p>",
        escape(&money(report.totals.cost)),
        escape(cur)
    )?;
    if let Some(line) = super::unpriced_line(report) {
        writeln!(
            out,
            "<p class=\"total\" id=\"unpriced\">{}</p>",
            escape(&line)
        )?;
    }

    writeln!(out, "<h2>Cost</h2>")?;
    grid_table(out, "report", grid)?;

    writeln!(out, "<h2>Accounting</h2>")?;
    list(out, "accounting", &accounting_lines(report))?;

    if let Some(spend) = &report.spend {
        let charts: [(_, _, _, _, Draw); 2] = [
            (
                &spend.by_day,
                "day",
                "spend-by-day",
                "Cost of the outbound messages by local day.",
                bars::columns,
            ),
            (
                &spend.by_market,
                "market",
                "spend-by-market",
                "Cost of the outbound messages by market.",
                bars::rows,
            ),
        ];
        for (pairs, of, id, caption, draw) in charts {
            let (labels, amounts) = split(pairs);
            let chart = SpendChart {
                of,
                id,
                caption,
                name: "cost",
                cur,
                draw,
            };
            chart.write(out, &labels, amounts)?;
        }
    }
    by_key_charts(report, out)?;

    let m = &report.meta;
    let mut items = vec![("inputs", m.inputs.join(", "))];
    if !m.rate_sources.is_empty() {
        items.push(("rates", m.rate_sources.join("; ")));
    }
    items.push(("grouped by", m.group_by.join(", ")));
    if let Some(config) = &m.config {
        items.push(("defaults", config.clone()));
    }
    items.push(("format version", m.format_version.to_string()));
    provenance(out, &items)?;
    foot(out)
}

/// One bar chart per `--by` key: the report's groups summed by that key's
/// value (in key order), the all-in total with `--fees`/`--tax`/`--fx`,
/// else Meta's cost. Drawn from the rows, so it needs no `Report::spend`.
fn by_key_charts(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let (cur, what) = match &report.meta.all_in {
        Some(a) => (&a.currency, "all-in total"),
        None => (&report.meta.currency, "cost"),
    };
    let mut ids: Vec<String> = Vec::new();
    // The spend charts already draw Meta's cost by market and by day.
    let drawn: &[&str] = match (&report.spend, &report.meta.all_in) {
        (Some(_), None) => &["market", "day"],
        _ => &[],
    };
    for (i, key) in report.meta.group_by.iter().enumerate() {
        if drawn.contains(&key.as_str()) {
            continue;
        }
        let mut sums: std::collections::BTreeMap<&str, Decimal> = Default::default();
        for row in &report.rows {
            let amount = match &report.meta.all_in {
                Some(_) => row.line.all_in.unwrap_or_default().total,
                None => row.line.cost,
            };
            *sums
                .entry(row.keys.get(i).map_or("", String::as_str))
                .or_default() += amount;
        }
        if sums.is_empty() {
            continue;
        }
        let (labels, amounts): (Vec<String>, Vec<Decimal>) = sums
            .into_iter()
            .map(|(k, v)| (crate::display::printable(k).into_owned(), v))
            .unzip();
        let slug: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect();
        let mut id = format!("by-{slug}");
        if ids.contains(&id) {
            id = format!("by-{slug}-{i}");
        }
        ids.push(id.clone());
        let caption = format!("The {what} of the report's groups by {key}.");
        let chart = SpendChart {
            of: key,
            id: &id,
            caption: &caption,
            name: what,
            cur,
            draw: bars::rows,
        };
        chart.write(out, &labels, amounts)?;
    }
    Ok(())
}

/// A chart of one series of spend by `of` (day, market, a `--by` key)
/// under its heading "Spend by …", drawn by `draw` (columns or rows).
struct SpendChart<'a> {
    of: &'a str,
    id: &'a str,
    caption: &'a str,
    /// The series' name (`cost`, `all-in total`).
    name: &'a str,
    cur: &'a str,
    draw: Draw,
}

/// A bar chart of labelled series: `bars::columns` or `bars::rows`.
type Draw = fn(&str, &str, &[String], &[Series<'_>]) -> io::Result<String>;

impl SpendChart<'_> {
    fn write(
        &self,
        out: &mut dyn Write,
        labels: &[String],
        amounts: Vec<Decimal>,
    ) -> io::Result<()> {
        let (of, cur) = (self.of, self.cur);
        let series = [Series {
            name: self.name,
            colour: ESTIMATE,
            amounts,
        }];
        writeln!(out, "<h2>Spend by {}</h2>", escape(of))?;
        let svg = (self.draw)(&format!("Spend by {of} ({cur})"), cur, labels, &series)?;
        figure(out, self.id, self.caption, &svg)
    }
}

/// Sums of estimate and billed (Meta's charge) per distinct key, in key order.
fn sums_by(
    r: &Reconciliation,
    key: impl Fn(&crate::reconcile::Row) -> &str,
) -> (Vec<String>, Vec<Decimal>, Vec<Decimal>) {
    let mut sums: std::collections::BTreeMap<&str, (Decimal, Decimal)> = Default::default();
    for row in &r.rows {
        let e = sums.entry(key(row)).or_default();
        e.0 += row.meta.estimated;
        e.1 += row.meta.actual.unwrap_or_default();
    }
    let mut labels = Vec::new();
    let mut estimated = Vec::new();
    let mut billed = Vec::new();
    for (k, (e, b)) in sums {
        labels.push(k.to_string());
        estimated.push(e);
        billed.push(b);
    }
    (labels, estimated, billed)
}

/// The reconciliation: the table (rows outside tolerance marked), the notes
/// and charts of Meta's estimated against billed charge by period and by
/// country.
pub fn reconcile(
    r: &Reconciliation,
    grid: &Grid,
    notes: &[String],
    out: &mut dyn Write,
) -> io::Result<()> {
    let cur = &r.meta.currency;
    head(out, &format!("wabill reconcile ({cur})"))?;
    writeln!(out, "<h1>WhatsApp Business reconciliation</h1>")?;
    let t = &r.totals;
    writeln!(
        out,
        "<p class=\"total\" id=\"total\">Meta estimated {} {cur}, billed {} {cur}, Δ {}</p>",
        escape(&money(t.meta.estimated)),
        escape(&t.meta.actual.map_or_else(|| "n/a".into(), money)),
        escape(
            &t.meta
                .difference
                .map_or_else(|| "n/a".into(), super::signed_money)
        ),
        cur = escape(cur)
    )?;
    writeln!(out, "<h2>Cells</h2>")?;
    grid_table(out, "report", grid)?;
    writeln!(out, "<h2>Notes</h2>")?;
    let notes: Vec<String> = notes.iter().map(|l| l.trim().to_string()).collect();
    list(out, "notes", &notes)?;

    let period = r.meta.granularity_label();
    for (id, what, by_period, (labels, estimated, billed)) in [
        ("spend-by-day", period, true, sums_by(r, |row| &row.period)),
        (
            "spend-by-market",
            "country",
            false,
            sums_by(r, |row| &row.country),
        ),
    ] {
        let mut series = vec![Series {
            name: "estimate",
            colour: ESTIMATE,
            amounts: estimated,
        }];
        // An export without cost (volumes only) has nothing billed to draw.
        if r.rows.iter().any(|row| row.meta.actual.is_some()) {
            series.push(Series {
                name: "billed",
                colour: BILLED,
                amounts: billed,
            });
        }
        writeln!(out, "<h2>Estimate and billed by {}</h2>", escape(what))?;
        let title = format!("Meta's charge by {what} ({cur})");
        let svg = if by_period {
            bars::columns(&title, cur, &labels, &series)?
        } else {
            bars::rows(&title, cur, &labels, &series)?
        };
        figure(
            out,
            id,
            &if series.len() > 1 {
                format!(
                    "Meta's charge by {what}: wabill's estimate (blue) and Meta's billed amount \
                     (orange)."
                )
            } else {
                format!("Meta's charge by {what}: wabill's estimate (the export has no cost).")
            },
            &svg,
        )?;
    }

    let m = &r.meta;
    provenance(
        out,
        &[
            ("log", m.inputs.join(", ")),
            ("Meta's export", m.actual.join(", ")),
            ("tolerance", m.tolerance.to_string()),
            ("estimate days", m.estimate_days.clone()),
            ("format version", m.format_version.to_string()),
        ],
    )?;
    foot(out)
}

/// The forecast: the total, the stacked monthly chart by category, the
/// grid (month × market × category, each month's total when there are
/// several) and the assumptions.
pub fn forecast(
    report: &crate::forecast::ForecastReport,
    grid: &Grid,
    notes: &[String],
    out: &mut dyn Write,
) -> io::Result<()> {
    let cur = &report.meta.currency;
    head(out, &format!("wabill forecast ({cur})"))?;
    writeln!(out, "<h1>WhatsApp Business forecast</h1>")?;
    writeln!(
        out,
        "<p class=\"total\" id=\"total\">Total: {} {}</p>",
        escape(&money(report.totals.cost)),
        escape(cur)
    )?;
    writeln!(out, "<h2>Spend by month</h2>")?;
    figure(
        out,
        "spend-by-month",
        "Forecast cost of each month, stacked by category.",
        &super::chart::svg(report)?,
    )?;
    writeln!(out, "<h2>Cost</h2>")?;
    grid_table(out, "report", grid)?;
    writeln!(out, "<h2>Assumptions</h2>")?;
    let notes: Vec<String> = notes
        .iter()
        .map(|l| l.trim_start_matches("- ").to_string())
        .collect();
    list(out, "notes", &notes)?;
    foot(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("Brazil"), "Brazil");
    }

    #[test]
    fn a_row_whose_check_failed_is_marked() {
        use super::super::grid::Column;
        let grid = Grid {
            columns: vec![Column::key("cell"), Column::value("check").left()],
            rows: vec![
                vec![Cell::Text("a".into()), Cell::Check(true)],
                vec![Cell::Text("b".into()), Cell::Check(false)],
            ],
            total: Some(vec![Cell::Check(false)]),
            ..Grid::default()
        };
        let mut out = Vec::new();
        grid_table(&mut out, "report", &grid).unwrap();
        let html = String::from_utf8(out).unwrap();
        assert!(html.contains("<tr><td>a</td><td>ok</td></tr>"), "{html}");
        assert!(html.contains("<tr class=\"off\"><td>b</td><td>OFF</td></tr>"));
        assert!(html.contains("<tr class=\"total\"><th>Total</th><th>OFF</th></tr>"));
    }
}
