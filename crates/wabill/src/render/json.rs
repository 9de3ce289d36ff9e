//! JSON: a grid's rows and totals laid out as objects of typed values, and
//! the whole estimate (`Report`) around them. Amounts are strings at the
//! display scale (`display::shown`), so no JSON reader rounds them.

use std::io::{self, Write};

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::grid::{Cell, Column, Grid};
use super::shown_percent;

/// A cell as a JSON value: counts as numbers, amounts and percentages as
/// strings, a missing value as `null`, a check as a boolean.
impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Text(t) => s.serialize_str(t),
            Cell::Count(n) | Cell::Number(n) => s.serialize_u64(*n),
            Cell::Money(d) | Cell::Difference(d) => crate::display::json::amount(d, s),
            Cell::Percent(p) => s.collect_str(&shown_percent(*p)),
            Cell::List(items) => items.serialize(s),
            Cell::Missing(_) => s.serialize_none(),
            Cell::Check(ok) => s.serialize_bool(*ok),
        }
    }
}

/// A grid's rows (not its subtotals, which are for people) as a list of
/// objects keyed by the JSON columns' names (`fields`).
pub struct Rows<'a>(pub &'a Grid);

impl Serialize for Rows<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let grid = self.0;
        let rows: Vec<&Vec<Cell>> = (grid.rows.iter().enumerate())
            .filter(|(i, _)| !grid.is_subtotal(*i))
            .map(|(_, r)| r)
            .collect();
        let mut seq = s.serialize_seq(Some(rows.len()))?;
        for cells in rows {
            seq.serialize_element(&RowObject {
                grid,
                cells,
                total: false,
            })?;
        }
        seq.end()
    }
}

struct RowObject<'a> {
    grid: &'a Grid,
    cells: &'a [Cell],
    /// The totals row: its `keys` are `["total"]`.
    total: bool,
}

impl Serialize for RowObject<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let columns: Vec<_> = self.grid.json_columns().collect();
        let mut map = s.serialize_map(None)?;
        if self.grid.json_keys && self.total {
            map.serialize_entry("keys", &["total"])?;
        } else if self.grid.json_keys {
            let keys: Vec<&Cell> = (columns.iter())
                .filter(|(_, c)| c.key)
                .map(|(i, _)| &self.cells[*i])
                .collect();
            map.serialize_entry("keys", &keys)?;
        }
        let values: Vec<(&Column, &Cell)> = (columns.into_iter())
            .filter(|(_, c)| !(self.grid.json_keys && c.key))
            .map(|(i, c)| (c, &self.cells[i]))
            .collect();
        fields(&mut map, &values)?;
        map.end()
    }
}

/// The fields of one object, in column order. A name `a.b` nests the run
/// of neighbouring columns named `a.…` in an object `a`, left out when all
/// its values are missing (fees a row does not have); a run whose next
/// segments are numbers (`scenarios.0.cost`, `scenarios.1.cost`) is a list
/// of such objects. An empty list is left out where the column says so.
fn fields<M: SerializeMap>(map: &mut M, values: &[(&Column, &Cell)]) -> Result<(), M::Error> {
    let leaves: Vec<(Vec<&str>, &Column, &Cell)> = values
        .iter()
        .map(|(c, cell)| (c.json_name().split('.').collect(), *c, *cell))
        .collect();
    for (name, node) in tree(&leaves) {
        if node.shown() {
            map.serialize_entry(name, &node)?;
        }
    }
    Ok(())
}

/// A value of a JSON row: one cell, or a group of neighbouring columns.
enum Node<'a> {
    Leaf(&'a Column, &'a Cell),
    Group(Vec<(&'a str, Node<'a>)>),
}

/// The leaves grouped by their paths' first segment, runs of neighbours
/// only, in order.
fn tree<'a>(leaves: &[(Vec<&'a str>, &'a Column, &'a Cell)]) -> Vec<(&'a str, Node<'a>)> {
    let mut out: Vec<(&'a str, Node<'a>)> = Vec::new();
    let mut i = 0;
    while i < leaves.len() {
        let (path, column, cell) = &leaves[i];
        let head = path[0];
        if path.len() == 1 {
            out.push((head, Node::Leaf(column, cell)));
            i += 1;
            continue;
        }
        let run: Vec<(Vec<&'a str>, &'a Column, &'a Cell)> = leaves[i..]
            .iter()
            .take_while(|(p, _, _)| p.len() > 1 && p[0] == head)
            .map(|(p, c, cell)| (p[1..].to_vec(), *c, *cell))
            .collect();
        i += run.len();
        out.push((head, Node::Group(tree(&run))));
    }
    out
}

impl Node<'_> {
    /// Whether the value is written at all.
    fn shown(&self) -> bool {
        match self {
            Node::Leaf(column, Cell::List(items)) => !(column.json_skip_empty && items.is_empty()),
            Node::Leaf(..) => true,
            Node::Group(children) => children.iter().any(|(_, n)| n.has_value()),
        }
    }

    /// Whether any cell under it has a value.
    fn has_value(&self) -> bool {
        match self {
            Node::Leaf(_, cell) => !matches!(cell, Cell::Missing(_)),
            Node::Group(children) => children.iter().any(|(_, n)| n.has_value()),
        }
    }
}

impl Serialize for Node<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Leaf(_, cell) => cell.serialize(s),
            // `0`, `1`…: a list.
            Node::Group(children)
                if children
                    .iter()
                    .all(|(k, _)| k.bytes().all(|b| b.is_ascii_digit())) =>
            {
                let mut seq = s.serialize_seq(Some(children.len()))?;
                for (_, node) in children {
                    seq.serialize_element(node)?;
                }
                seq.end()
            }
            Node::Group(children) => {
                let mut map = s.serialize_map(None)?;
                for (name, node) in children {
                    if node.shown() {
                        map.serialize_entry(name, node)?;
                    }
                }
                map.end()
            }
        }
    }
}

/// A grid's totals row as one object of its JSON value columns (`null`
/// without a totals row).
pub struct Totals<'a>(pub &'a Grid);

impl Serialize for Totals<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.json_total() {
            None => s.serialize_none(),
            Some(values) => {
                let mut map = s.serialize_map(None)?;
                fields(&mut map, &values)?;
                map.end()
            }
        }
    }
}

/// A grid's totals row as a row: its key columns read `total`, as in CSV
/// (a `keys` array reads `["total"]`).
pub struct TotalRow<'a>(pub &'a Grid);

impl Serialize for TotalRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let grid = self.0;
        let Some(total) = &grid.total else {
            return s.serialize_none();
        };
        // Key columns come first, as CSV's totals row assumes too.
        let label = Cell::Text("total".into());
        let cells: Vec<Cell> = std::iter::repeat_n(label, grid.keys())
            .chain(total.iter().cloned())
            .collect();
        RowObject {
            grid,
            cells: &cells,
            total: true,
        }
        .serialize(s)
    }
}

/// Any serialisable value, pretty-printed, with a final newline.
pub fn write(value: &impl Serialize, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::grid::Column;
    use rust_decimal_macros::dec;

    fn grid() -> Grid {
        Grid {
            columns: vec![
                Column::key("period"),
                Column::value("messages"),
                Column::value("cost").json_as("meta.cost"),
                Column::value("billed").json_as("meta.billed"),
                Column::value("currency").machine_only().not_json(),
                Column::value("fee").json_as("fees.0.amount"),
                Column::value("fee2").json_as("fees.1.amount"),
                Column::value("provider").json_as("provider.cost"),
                Column::value("causes").json_only(),
                Column::value("tiers").json_only().json_skip_empty(),
                Column::value("ok"),
                Column::value("people").human_only(),
            ],
            rows: vec![
                vec![
                    Cell::Text("2026-01".into()),
                    Cell::Count(3),
                    Cell::Money(dec!(0.01)),
                    Cell::Missing("n/a"),
                    Cell::Text("USD".into()),
                    Cell::Money(dec!(1)),
                    Cell::Difference(dec!(-0.021750)),
                    Cell::Missing("n/a"),
                    Cell::List(vec!["a".into(), "b".into()]),
                    Cell::List(vec![]),
                    Cell::Check(false),
                    Cell::Text("only people".into()),
                ],
                vec![
                    Cell::Text("subtotal".into()),
                    Cell::Count(3),
                    Cell::Money(dec!(0.01)),
                    Cell::Missing("n/a"),
                    Cell::Text("USD".into()),
                    Cell::Money(dec!(1)),
                    Cell::Money(dec!(1)),
                    Cell::Money(dec!(2)),
                    Cell::List(vec![]),
                    Cell::List(vec!["t".into()]),
                    Cell::Check(true),
                    Cell::Missing(""),
                ],
            ],
            subtotals: vec![1],
            total: Some(vec![
                Cell::Count(3),
                Cell::Money(dec!(0.01)),
                Cell::Money(dec!(0.5)),
                Cell::Text("USD".into()),
                Cell::Money(dec!(1)),
                Cell::Money(dec!(1)),
                Cell::Money(dec!(3)),
                Cell::List(vec![]),
                Cell::List(vec![]),
                Cell::Check(true),
                Cell::Missing(""),
            ]),
            ..Grid::default()
        }
    }

    #[test]
    fn rows_are_typed_objects_nested_by_path_without_subtotals() {
        let g = grid();
        assert_eq!(
            serde_json::to_string(&Rows(&g)).unwrap(),
            r#"[{"period":"2026-01","messages":3,"meta":{"cost":"0.0100","billed":null},"fees":[{"amount":"1.0000"},{"amount":"-0.02175"}],"causes":["a","b"],"ok":false}]"#
        );
    }

    #[test]
    fn totals_are_the_value_columns_or_a_row_reading_total() {
        let g = grid();
        assert_eq!(
            serde_json::to_string(&Totals(&g)).unwrap(),
            r#"{"messages":3,"meta":{"cost":"0.0100","billed":"0.5000"},"fees":[{"amount":"1.0000"},{"amount":"1.0000"}],"provider":{"cost":"3.0000"},"causes":[],"ok":true}"#
        );
        let row = serde_json::to_value(TotalRow(&g)).unwrap();
        assert_eq!(row["period"], "total");
        let keyed = Grid {
            json_keys: true,
            ..grid()
        };
        let row = serde_json::to_value(TotalRow(&keyed)).unwrap();
        assert_eq!(row["keys"], serde_json::json!(["total"]));
        let rows = serde_json::to_value(Rows(&keyed)).unwrap();
        assert_eq!(rows[0]["keys"], serde_json::json!(["2026-01"]));
        assert!(rows[0].get("period").is_none());
    }

    #[test]
    fn a_grid_without_totals_writes_null() {
        let g = Grid {
            total: None,
            ..grid()
        };
        assert_eq!(serde_json::to_string(&Totals(&g)).unwrap(), "null");
        assert_eq!(serde_json::to_string(&TotalRow(&g)).unwrap(), "null");
    }
}
