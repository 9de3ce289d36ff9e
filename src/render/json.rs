//! JSON: a grid's rows and totals laid out as objects of typed values, and
//! the whole estimate (`Report`) around them. Amounts are strings at the
//! display scale (`render::number::shown`), so no JSON reader rounds them.

use std::io::{self, Write};

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};

use super::grid::{Cell, Column, Grid};
use super::{shown, shown_percent};
use crate::report::{Accounting, Meta, Partial, ProviderChargeLine, Report};

/// A cell as a JSON value: counts as numbers, amounts and percentages as
/// strings, a missing value as `null`, a check as a boolean.
impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Text(t) => s.serialize_str(t),
            Cell::Count(n) | Cell::Number(n) => s.serialize_u64(*n),
            Cell::Money(d) | Cell::Difference(d) => s.collect_str(&shown(*d)),
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
            seq.serialize_element(&RowObject { grid, cells })?;
        }
        seq.end()
    }
}

struct RowObject<'a> {
    grid: &'a Grid,
    cells: &'a [Cell],
}

impl Serialize for RowObject<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let columns: Vec<_> = self.grid.json_columns().collect();
        let mut map = s.serialize_map(None)?;
        if self.grid.json_keys {
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
/// its values are missing (fees a row does not have); an empty list is
/// left out where the column says so.
fn fields<M: SerializeMap>(map: &mut M, values: &[(&Column, &Cell)]) -> Result<(), M::Error> {
    let prefix = |c: &Column| {
        c.json_name()
            .split_once('.')
            .map(|(p, f)| (p.to_string(), f.to_string()))
    };
    let mut i = 0;
    while i < values.len() {
        let (column, cell) = values[i];
        let Some((group, _)) = prefix(column) else {
            i += 1;
            let empty = matches!(cell, Cell::List(items) if items.is_empty());
            if !(column.json_skip_empty && empty) {
                map.serialize_entry(column.json_name(), cell)?;
            }
            continue;
        };
        let run: Vec<(String, &Cell)> = values[i..]
            .iter()
            .map_while(|(c, cell)| {
                prefix(c)
                    .filter(|(p, _)| *p == group)
                    .map(|(_, f)| (f, *cell))
            })
            .collect();
        i += run.len();
        if !run.iter().all(|(_, cell)| matches!(cell, Cell::Missing(_))) {
            map.serialize_entry(&group, &Nested(run))?;
        }
    }
    Ok(())
}

struct Nested<'a>(Vec<(String, &'a Cell)>);

impl Serialize for Nested<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, cell) in &self.0 {
            map.serialize_entry(name, cell)?;
        }
        map.end()
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

/// A grid's totals row as a row: its key columns read `total`, as in CSV.
pub struct TotalRow<'a>(pub &'a Grid);

impl Serialize for TotalRow<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let grid = self.0;
        let Some(total) = &grid.total else {
            return s.serialize_none();
        };
        let label = Cell::Text("total".into());
        let mut values = total.iter();
        let cells: Vec<Cell> = (grid.columns.iter())
            .map(|c| {
                if c.key {
                    &label
                } else {
                    values.next().unwrap_or(&label)
                }
            })
            .cloned()
            .collect();
        RowObject {
            grid,
            cells: &cells,
        }
        .serialize(s)
    }
}

/// Any serialisable value, pretty-printed, with a final newline.
pub fn write(value: &impl Serialize, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// The estimate's JSON: its rows and totals from the grid, the rest (meta,
/// the accounting, the provider's charges, the `partial` section that
/// `wabill merge` reads back) from the report's own serde structs. Same
/// field names as `Report`, so `merge` deserialises it as a `Report`.
#[derive(Serialize)]
struct Estimate<'a> {
    meta: &'a Meta,
    rows: Rows<'a>,
    totals: Totals<'a>,
    accounting: &'a Accounting,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    provider_charges: &'a [ProviderChargeLine],
    #[serde(skip_serializing_if = "Option::is_none")]
    partial: Option<&'a Partial>,
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let grid = super::estimate::grid(report);
    let json = Estimate {
        meta: &report.meta,
        rows: Rows(&grid),
        totals: Totals(&grid),
        accounting: &report.accounting,
        provider_charges: &report.provider_charges,
        partial: report.partial.as_ref(),
    };
    write(&json, out)
}
