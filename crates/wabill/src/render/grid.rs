//! The one shape every tabular report is laid out from: typed columns,
//! rows of typed cells, a totals row and the sentences around the table.
//! A report builds its `Grid` once; the table, CSV, Markdown, HTML and JSON
//! renderers only lay it out, each deciding how a cell kind looks (thousands
//! separators for people, plain decimals for machines, typed values in
//! JSON), so the display scale of money, the `+` on differences and the
//! placeholders are written once.
//!
//! In JSON (`render::json::Rows`, `Totals`, `TotalRow`) a row is an object
//! keyed by its JSON columns' names, in column order (the key columns
//! gathered into a `keys` array first with `Grid::json_keys`); a name such
//! as `meta.estimated` nests neighbouring columns in an object, and
//! `scenarios.0.cost` makes a list of them, so each report keeps its JSON
//! shape. What is not a table (a report's `meta`, the accounting,
//! estimate's `partial` section that `wabill merge` reads back) stays the
//! report's own serde structs around those rows: `partial` is a versioned
//! contract between runs, not a layout.

use rust_decimal::Decimal;

use super::{group_digits, money, shown, shown_percent, signed_money};
use crate::display::signed_percent;

/// One column: its machine name (the CSV header), its title for people
/// (table and Markdown), and where it is shown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub title: String,
    /// A label such as a group key: the totals row writes `total` in it.
    pub key: bool,
    /// Left-aligned for people (labels and text); numbers are right-aligned.
    pub left: bool,
    /// Shown in the table and Markdown (people's formats); the currency of
    /// each amount, say, is in the people's column title instead.
    pub human: bool,
    /// Shown in CSV (machines' format).
    pub machine: bool,
    /// A field of each JSON row object.
    pub json: bool,
    /// Its JSON name when not `name`; `meta.estimated` nests the value in
    /// an object `meta` with the neighbouring columns of the same prefix.
    pub json_name: Option<String>,
    /// Left out of a JSON row when empty (an empty list).
    pub json_skip_empty: bool,
}

impl Column {
    /// A group key column (`market`).
    pub fn key(name: impl Into<String>) -> Self {
        let name = name.into();
        Column {
            title: name.clone(),
            name,
            key: true,
            left: true,
            human: true,
            machine: true,
            json: true,
            json_name: None,
            json_skip_empty: false,
        }
    }

    /// A value column; the title is the name with spaces (`not delivered`).
    pub fn value(name: impl Into<String>) -> Self {
        let name = name.into();
        Column {
            title: name.replace('_', " "),
            name,
            key: false,
            left: false,
            human: true,
            machine: true,
            json: true,
            json_name: None,
            json_skip_empty: false,
        }
    }

    pub fn titled(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// A value column of text (`ok`), left-aligned like a label.
    pub fn left(mut self) -> Self {
        self.left = true;
        self
    }

    /// Only in machine formats (CSV).
    pub fn machine_only(mut self) -> Self {
        self.human = false;
        self
    }

    /// Only in people's formats (table, Markdown).
    pub fn human_only(mut self) -> Self {
        self.machine = false;
        self.json = false;
        self
    }

    /// Only in JSON: a field whose place or presence there differs from
    /// the CSV column's.
    pub fn json_only(mut self) -> Self {
        self.human = false;
        self.machine = false;
        self
    }

    /// Not in JSON (CSV's `currency` column, where JSON has it in `meta`).
    pub fn not_json(mut self) -> Self {
        self.json = false;
        self
    }

    /// Named `name` in JSON (`meta.estimated`: nested, see `json_name`).
    pub fn json_as(mut self, name: impl Into<String>) -> Self {
        self.json_name = Some(name.into());
        self
    }

    /// Left out of a JSON row when its list is empty.
    pub fn json_skip_empty(mut self) -> Self {
        self.json_skip_empty = true;
        self
    }

    /// The field's name in JSON.
    pub fn json_name(&self) -> &str {
        self.json_name.as_deref().unwrap_or(&self.name)
    }
}

/// A typed value; renderers choose its text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    /// Text, often from the input (escaped by each renderer as it needs).
    Text(String),
    Count(u64),
    /// A number people read without separators (a line number).
    Number(u64),
    /// An exact amount at its natural scale, shown at the display scale
    /// (`display::shown`).
    Money(Decimal),
    /// A difference of amounts: `+` when positive for people.
    Difference(Decimal),
    /// A percentage, exact: shown at one place (`+2.5%` for people, `2.5`
    /// for machines).
    Percent(Decimal),
    /// Several values (cause codes): joined for people and CSV, a list in
    /// JSON.
    List(Vec<String>),
    /// No value: people see the placeholder, machines an empty cell.
    Missing(&'static str),
    /// A check: `ok` or `OFF` for people (the table shows `OFF` in red),
    /// `true` or `false` for machines. HTML marks a row whose check failed.
    Check(bool),
}

impl Cell {
    /// The cell as people read it (table, Markdown), before escaping.
    pub fn human(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) => group_digits(*n),
            Cell::Number(n) => n.to_string(),
            Cell::Money(d) => money(*d),
            Cell::Difference(d) => signed_money(*d),
            Cell::Percent(p) => signed_percent(*p),
            Cell::List(items) => items.join(", "),
            Cell::Missing(placeholder) => (*placeholder).to_string(),
            Cell::Check(ok) => if *ok { "ok" } else { "OFF" }.to_string(),
        }
    }

    /// The cell as machines read it (CSV): plain decimals, no separators.
    pub fn machine(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Count(n) | Cell::Number(n) => n.to_string(),
            Cell::Money(d) | Cell::Difference(d) => shown(*d).to_string(),
            Cell::Percent(p) => shown_percent(*p).to_string(),
            Cell::List(items) => items.join(";"),
            Cell::Missing(_) => String::new(),
            Cell::Check(ok) => ok.to_string(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Grid {
    /// Markdown's bold heading (`wabill estimate`).
    pub title: Option<String>,
    /// Sentences before the table (people's formats only).
    pub before: Vec<String>,
    pub columns: Vec<Column>,
    /// One cell per column.
    pub rows: Vec<Vec<Cell>>,
    /// Indexes of rows that are subtotals (a month's total): in bold, and
    /// for people only, since machines sum the rows themselves.
    pub subtotals: Vec<usize>,
    /// The totals row: one cell per value (non-key) column.
    pub total: Option<Vec<Cell>>,
    /// What the totals row reads for people in its first key column, when
    /// not `Total` (`Total (12 compared)`: a total of more than the rows).
    pub total_label: Option<String>,
    /// Sentences after the table (people's formats only).
    pub after: Vec<String>,
    /// JSON gathers the key columns of a row into one `keys` array (the
    /// `--by` groups of estimate and compare).
    pub json_keys: bool,
}

impl Grid {
    pub fn keys(&self) -> usize {
        self.columns.iter().filter(|c| c.key).count()
    }

    /// The columns people see, with their indexes.
    pub fn human_columns(&self) -> impl Iterator<Item = (usize, &Column)> {
        self.columns.iter().enumerate().filter(|(_, c)| c.human)
    }

    /// The totals row's label for people.
    pub fn total_label(&self) -> &str {
        self.total_label.as_deref().unwrap_or("Total")
    }

    /// Whether row `i` is a subtotal.
    pub fn is_subtotal(&self, i: usize) -> bool {
        self.subtotals.contains(&i)
    }

    /// The columns of JSON rows, with their indexes.
    pub fn json_columns(&self) -> impl Iterator<Item = (usize, &Column)> {
        self.columns.iter().enumerate().filter(|(_, c)| c.json)
    }

    /// The totals row's values for JSON's value columns, with their
    /// columns.
    pub fn json_total(&self) -> Option<Vec<(&Column, &Cell)>> {
        let values = self.columns.iter().filter(|c| !c.key);
        self.total
            .as_ref()
            .map(|total| values.zip(total).filter(|(c, _)| c.json).collect())
    }

    /// The columns machines see, with their indexes.
    pub fn machine_columns(&self) -> impl Iterator<Item = (usize, &Column)> {
        self.columns.iter().enumerate().filter(|(_, c)| c.machine)
    }

    /// The totals row's values for people's columns.
    pub fn human_total(&self) -> Option<Vec<&Cell>> {
        self.total_where(|c| c.human)
    }

    /// The totals row's values for machines' columns.
    pub fn machine_total(&self) -> Option<Vec<&Cell>> {
        self.total_where(|c| c.machine)
    }

    fn total_where(&self, shown: impl Fn(&Column) -> bool) -> Option<Vec<&Cell>> {
        let values = self.columns.iter().filter(|c| !c.key);
        self.total.as_ref().map(|total| {
            values
                .zip(total)
                .filter(|(c, _)| shown(c))
                .map(|(_, cell)| cell)
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn people_and_machines_read_each_kind_differently() {
        let cells = [
            (Cell::Count(12345), "12,345", "12345"),
            (Cell::Money(dec!(1234.5000)), "1,234.5000", "1234.5000"),
            (Cell::Difference(dec!(0.0100)), "+0.0100", "0.0100"),
            (Cell::Difference(dec!(-2)), "-2.0000", "-2.0000"),
            // Amounts computed at scale 2 and 6 read at the display scale.
            (Cell::Money(dec!(1234.5)), "1,234.5000", "1234.5000"),
            (Cell::Money(dec!(0.01)), "0.0100", "0.0100"),
            (Cell::Money(dec!(0.021750)), "0.02175", "0.02175"),
            (Cell::Money(dec!(0.000001)), "0.000001", "0.000001"),
            (Cell::Difference(dec!(0.002500)), "+0.0025", "0.0025"),
            (Cell::Percent(dec!(2.5)), "+2.5%", "2.5"),
            (Cell::Percent(dec!(-6.25)), "-6.3%", "-6.3"),
            (Cell::Percent(dec!(1234.5678)), "+1,234.6%", "1234.6"),
            (Cell::Percent(dec!(0)), "0.0%", "0.0"),
            (Cell::Missing("n/a"), "n/a", ""),
            (Cell::Text("a,b".into()), "a,b", "a,b"),
            (Cell::Check(true), "ok", "true"),
            (Cell::Check(false), "OFF", "false"),
        ];
        for (cell, human, machine) in cells {
            assert_eq!(cell.human(), human, "{cell:?}");
            assert_eq!(cell.machine(), machine, "{cell:?}");
        }
    }

    #[test]
    fn the_total_skips_machine_only_columns() {
        let grid = Grid {
            columns: vec![
                Column::key("market"),
                Column::value("cost"),
                Column::value("currency").machine_only(),
            ],
            total: Some(vec![Cell::Money(dec!(1)), Cell::Text("USD".into())]),
            ..Grid::default()
        };
        assert_eq!(grid.keys(), 1);
        assert_eq!(grid.human_total(), Some(vec![&Cell::Money(dec!(1))]));
        assert_eq!(grid.human_columns().count(), 2);
        assert_eq!(grid.machine_total().map(|t| t.len()), Some(2));
    }
}

/// The renderers over one small grid: each shows what it should.
#[cfg(test)]
mod layout_tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn sample() -> Grid {
        Grid {
            title: Some("wabill test".into()),
            before: vec!["before".into()],
            columns: vec![
                Column::key("market"),
                Column::value("messages"),
                Column::value("cost").titled("cost (USD)"),
                Column::value("currency").machine_only(),
                Column::value("delta").titled("Δ").human_only(),
            ],
            rows: vec![
                vec![
                    Cell::Text("=cmd|x".into()),
                    Cell::Count(1234),
                    Cell::Money(dec!(1000.0625)),
                    Cell::Text("USD".into()),
                    Cell::Difference(dec!(0.5)),
                ],
                vec![
                    Cell::Text("month total".into()),
                    Cell::Count(1234),
                    Cell::Money(dec!(1000.0625)),
                    Cell::Text("USD".into()),
                    Cell::Missing("n/a"),
                ],
            ],
            subtotals: vec![1],
            total: Some(vec![
                Cell::Count(1234),
                Cell::Money(dec!(1000.0625)),
                Cell::Text("USD".into()),
                Cell::Missing("-"),
            ]),
            total_label: None,
            after: vec!["after".into(), "- nested".into()],
            json_keys: false,
        }
    }

    fn text(f: impl Fn(&mut Vec<u8>) -> std::io::Result<()>) -> String {
        let mut out = Vec::new();
        f(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_has_machine_columns_plain_numbers_no_subtotals() {
        let csv = text(|out| super::super::csv::render(&sample(), out));
        assert_eq!(
            csv,
            "market,messages,cost,currency\n'=cmd|x,1234,1000.0625,USD\ntotal,1234,1000.0625,USD\n"
        );
    }

    #[test]
    fn markdown_has_people_columns_escaped_and_bold_totals() {
        let md = text(|out| super::super::markdown::render(&sample(), out));
        assert_eq!(
            md,
            "**wabill test** · before\n\n\
             | market | messages | cost (USD) | Δ |\n\
             | :--- | ---: | ---: | ---: |\n\
             | =cmd\\|x | 1,234 | 1,000.0625 | +0.5000 |\n\
             | **month total** | **1,234** | **1,000.0625** | **n/a** |\n\
             | **Total** | **1,234** | **1,000.0625** | **-** |\n\
             \n- after\n  - nested\n"
        );
    }

    #[test]
    fn people_read_the_total_label_machines_total() {
        let grid = Grid {
            total_label: Some("Total (3 compared)".into()),
            ..sample()
        };
        let md = text(|out| super::super::markdown::render(&grid, out));
        assert!(
            md.contains("| **Total (3 compared)** | **1,234** |"),
            "{md}"
        );
        let table =
            text(|out| super::super::table::render(&grid, super::super::Style::default(), out));
        assert!(table.contains("Total (3 compared)"), "{table}");
        let csv = text(|out| super::super::csv::render(&grid, out));
        assert!(csv.ends_with("total,1234,1000.0625,USD\n"), "{csv}");
    }

    #[test]
    fn table_has_people_columns_and_the_sentences() {
        let table =
            text(|out| super::super::table::render(&sample(), super::super::Style::default(), out));
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines[0], "before");
        assert!(lines[2].contains("cost (USD)") && !lines[2].contains("currency"));
        assert!(
            lines
                .iter()
                .any(|l| l.contains("1,000.0625") && l.contains("+0.5"))
        );
        assert!(
            lines
                .iter()
                .any(|l| l.contains("Total") && l.contains(" - "))
        );
        assert_eq!(lines[lines.len() - 2..], ["after", "- nested"]);
    }
}
