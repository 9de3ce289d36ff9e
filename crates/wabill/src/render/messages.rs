//! The per-message reconcile as a grid (one row per differing message),
//! laid out as a table, CSV, Markdown or JSON.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::document::{Document, Offered};
use super::grid::{Cell, Column, Grid};
use super::group_digits;
use super::json::Rows;
use crate::reconcile::messages::{Decision, Kind, MessageReconciliation};

/// The JSON: the differing messages from the grid, the counts as data.
#[derive(Serialize)]
struct Json<'a> {
    inputs: &'a [String],
    compared: u64,
    agreeing: u64,
    without_meta: u64,
    by_kind: &'a BTreeMap<Kind, u64>,
    differing: Rows<'a>,
}

impl Document for MessageReconciliation {
    const FORMATS: &'static [Offered] = super::document::GRID_FORMATS;

    fn grid(&self) -> Grid {
        grid(self)
    }

    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        let grid = grid(self);
        let json = Json {
            inputs: &self.inputs,
            compared: self.compared,
            agreeing: self.agreeing,
            without_meta: self.without_meta,
            by_kind: &self.by_kind,
            differing: Rows(&grid),
        };
        super::json::write(&json, out)
    }
}

fn billable(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "billable",
        Some(false) => "not billable",
        None => "",
    }
}

/// `regular utility billable`, what is given of it.
fn short(d: &Decision) -> String {
    [
        d.pricing_type.as_str(),
        d.category.as_str(),
        d.subtype.as_str(),
        billable(d.billable),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" ")
}

/// One line of counts: compared, agreeing, differing by kind.
pub fn summary(r: &MessageReconciliation) -> String {
    let kinds: Vec<String> = r
        .by_kind
        .iter()
        .map(|(k, n)| format!("{} {}", group_digits(*n), k.as_str()))
        .collect();
    let mut line = format!(
        "{} {} compared with Meta's decision: {} agree, {} differ",
        group_digits(r.compared),
        super::nouns(r.compared, "message"),
        group_digits(r.agreeing),
        group_digits(r.differing.len() as u64)
    );
    if !kinds.is_empty() {
        line.push_str(&format!(" ({})", kinds.join(", ")));
    }
    if r.without_meta > 0 {
        line.push_str(&format!(
            "; {} outbound without Meta's decision",
            group_digits(r.without_meta)
        ));
    }
    line
}

/// One row per differing message: people see its kinds and both decisions
/// in short, machines every field apart and the explanation.
pub fn grid(r: &MessageReconciliation) -> Grid {
    let text = |s: &str| Cell::Text(s.to_string());
    let flag = |b: Option<bool>| b.map_or(Cell::Missing(""), Cell::Check);
    // JSON nests each side's decision (`wabill.category`); CSV interleaves
    // the two sides, so the sides are JSON's own columns.
    let side = |who: &str| {
        ["pricing_type", "category", "billable"].map(|field| {
            Column::key(field)
                .json_only()
                .json_as(format!("{who}.{field}"))
        })
    };
    let mut columns = vec![
        Column::key("message_id"),
        Column::key("timestamp").titled("time"),
        Column::key("customer").machine_only(),
        Column::key("differs").human_only(),
        Column::key("differs").machine_only(),
    ];
    columns.extend(side("wabill"));
    columns.extend(side("meta"));
    columns.extend([
        Column::key("wabill").human_only(),
        Column::key("Meta").human_only(),
        Column::key("wabill_pricing_type").machine_only().not_json(),
        Column::key("meta_pricing_type").machine_only().not_json(),
        Column::key("wabill_category").machine_only().not_json(),
        Column::key("meta_category").machine_only().not_json(),
        Column::key("wabill_billable").machine_only().not_json(),
        Column::key("meta_billable").machine_only().not_json(),
        Column::key("explain").machine_only(),
    ]);
    let decision = |d: &Decision| [text(&d.pricing_type), text(&d.category), flag(d.billable)];
    let rows = r
        .differing
        .iter()
        .map(|d| {
            let kinds: Vec<String> = d.differs.iter().map(|k| k.as_str().to_string()).collect();
            let mut row = vec![
                text(&d.message_id),
                text(&d.timestamp),
                text(&d.customer),
                Cell::Text(kinds.join(", ")),
                Cell::List(kinds),
            ];
            row.extend(decision(&d.wabill));
            row.extend(decision(&d.meta));
            row.extend([
                Cell::Text(short(&d.wabill)),
                Cell::Text(short(&d.meta)),
                text(&d.wabill.pricing_type),
                text(&d.meta.pricing_type),
                text(&d.wabill.category),
                text(&d.meta.category),
                flag(d.wabill.billable),
                flag(d.meta.billable),
                text(&d.explain),
            ]);
            row
        })
        .collect();
    Grid {
        title: Some("wabill reconcile".into()),
        before: vec![format!("inputs: {}", r.inputs.join(", "))],
        columns,
        rows,
        subtotals: Vec::new(),
        total: None,
        total_label: None,
        after: vec![summary(r)],
        json_keys: false,
    }
}
