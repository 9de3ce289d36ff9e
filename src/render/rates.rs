//! `wabill rates` as a grid: people see each rate with its currency and,
//! when not high, its confidence; machines get every field apart.

use std::io::{self, Write};

use super::grid::{Cell, Column, Grid};
use super::{Format, Style};

/// One rate of the card (or of the number's market).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateRow {
    pub market: String,
    pub category: String,
    /// Empty when the value is unknown.
    pub rate: String,
    pub currency: String,
    pub effective_from: String,
    pub card: String,
    /// How far to trust a built-in value (data/cards/SOURCES.md); empty for
    /// user cards and unknown values.
    pub confidence: String,
}

/// The rates and the sentences that say what they are.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rates {
    pub heading: Vec<String>,
    pub rows: Vec<RateRow>,
}

pub fn render(rates: &Rates, format: Format, style: Style, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => super::table::render(&grid(rates), style, out),
        Format::Csv => super::csv::render(&grid(rates), out),
        Format::Markdown => super::markdown::render(&grid(rates), out),
        Format::Xlsx => super::xlsx::render_grid(&grid(rates), out),
        Format::Json => super::json::write(&super::json::Rows(&grid(rates)), out),
    }
}

/// All columns are labels (left-aligned): a rate is read with its unit.
pub fn grid(rates: &Rates) -> Grid {
    let columns = vec![
        Column::key("market"),
        Column::key("category"),
        Column::key("rate").human_only(),
        Column::key("rate").machine_only(),
        Column::key("currency").machine_only(),
        Column::key("effective_from").titled("since"),
        Column::key("card"),
        Column::key("confidence").machine_only(),
    ];
    let text = |s: &str| Cell::Text(s.to_string());
    let rows = rates
        .rows
        .iter()
        .map(|r| {
            // Confidence beside every value that is not high.
            let shown = match (r.rate.as_str(), r.confidence.as_str()) {
                ("", _) => "unknown".to_string(),
                (rate, "high" | "") => format!("{rate} {}", r.currency),
                (rate, trust) => format!("{rate} {} ({trust})", r.currency),
            };
            vec![
                text(&r.market),
                text(&r.category),
                Cell::Text(shown),
                text(&r.rate),
                text(&r.currency),
                text(&r.effective_from),
                text(&r.card),
                text(&r.confidence),
            ]
        })
        .collect();
    Grid {
        title: Some("wabill rates".into()),
        before: rates.heading.clone(),
        columns,
        rows,
        subtotals: Vec::new(),
        total: None,
        total_label: None,
        after: Vec::new(),
        json_keys: false,
    }
}
