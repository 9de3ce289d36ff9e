//! The provider's charges against wabill's estimate (`reconcile
//! --provider-charges`) as a table, CSV, Markdown or JSON: the differing messages,
//! or the periods.

use std::io::{self, Write};

use serde::Serialize;

use super::document::{Document, Offered};
use super::grid::{Cell, Column, Grid};
use super::json::Rows;
use super::{group_digits, money, signed_money};
use crate::reconcile::Granularity;
use crate::reconcile::charges::{Amounts, ChargeReconciliation, ChargeView};
use crate::reconcile::fees::Fees;
use crate::reconcile::tolerance::Tolerance;
use crate::report::ProviderChargeLine;

impl Document for ChargeReconciliation {
    const FORMATS: &'static [Offered] = super::document::GRID_FORMATS;

    fn grid(&self) -> Grid {
        grid(self)
    }

    /// The differing messages have no totals row in CSV (the totals are
    /// the periods').
    fn csv_grid(&self) -> Grid {
        let mut grid = grid(self);
        if self.view == ChargeView::Messages {
            grid.total = None;
        }
        grid
    }

    fn json(&self, out: &mut dyn Write) -> io::Result<()> {
        let (differing, periods) = (
            grid_of(self, ChargeView::Messages),
            grid_of(self, ChargeView::Periods),
        );
        let json = Json {
            inputs: &self.inputs,
            currency: &self.currency,
            tolerance: &self.tolerance,
            fees: self.fees.as_ref(),
            granularity: self.granularity,
            view: self.view,
            compared: self.compared,
            agreeing: self.agreeing,
            differing: Rows(&differing),
            periods: Rows(&periods),
            totals: &self.totals,
            other_currencies: &self.other_currencies,
            without_price: self.without_price,
        };
        super::json::write(&json, out)
    }
}

/// The JSON: both views' rows from their grids (the differing messages,
/// the periods), the settings and totals as data.
#[derive(Serialize)]
struct Json<'a> {
    inputs: &'a [String],
    currency: &'a str,
    tolerance: &'a Tolerance,
    #[serde(skip_serializing_if = "Option::is_none")]
    fees: Option<&'a Fees>,
    granularity: Granularity,
    view: ChargeView,
    compared: u64,
    agreeing: u64,
    differing: Rows<'a>,
    periods: Rows<'a>,
    totals: &'a Amounts,
    other_currencies: &'a [ProviderChargeLine],
    without_price: u64,
}

fn messages(n: u64) -> String {
    crate::display::counted(n, "message")
}

/// The counts and totals in a few sentences; the last says what was not
/// compared.
pub fn summary(r: &ChargeReconciliation) -> String {
    let cur = &r.currency;
    let t = &r.totals;
    let mut line = format!(
        "{} with a provider price compared: {} agree, {} differ ({}); provider {} {cur} \
         against {} {cur} expected ({} {cur} of Meta's price{}): Δ {} {cur}",
        messages(r.compared),
        group_digits(r.agreeing),
        group_digits(r.differing.len() as u64),
        r.tolerance,
        money(t.provider),
        money(t.expected),
        money(t.meta),
        if r.fees.is_some() {
            format!(" + {} {cur} of fees", money(t.fees))
        } else {
            String::new()
        },
        signed_money(t.difference),
    );
    if r.view == ChargeView::Periods {
        line.push_str(&format!(
            "; {} of {} periods outside tolerance",
            r.periods_outside(),
            r.periods.len()
        ));
    }
    for c in &r.other_currencies {
        line.push_str(&format!(
            "; {} priced in {} ({} {}) not compared: wabill prices in {cur} (--currency)",
            messages(c.messages),
            c.currency,
            money(c.amount),
            c.currency
        ));
    }
    if r.without_price > 0 {
        line.push_str(&format!(
            "; {} without a provider price",
            messages(r.without_price)
        ));
    }
    line
}

/// The amount columns: fees and the expected sum are for people only
/// with `--fees`; machines always read them (zero fees without).
fn amount_columns(r: &ChargeReconciliation) -> Vec<Column> {
    let cur = &r.currency;
    let with_fees = |c: Column| {
        if r.fees.is_some() {
            c
        } else {
            c.machine_only()
        }
    };
    vec![
        Column::value("meta").titled(format!("Meta est. ({cur})")),
        with_fees(Column::value("fees").titled(format!("fees ({cur})"))),
        with_fees(Column::value("expected").titled(format!("expected ({cur})"))),
        Column::value("provider").titled(format!("provider ({cur})")),
        Column::value("difference").titled("Δ"),
        Column::value("currency").machine_only().not_json(),
    ]
}

fn amount_cells(r: &ChargeReconciliation, a: &Amounts) -> Vec<Cell> {
    vec![
        Cell::Money(a.meta),
        Cell::Money(a.fees),
        Cell::Money(a.expected),
        Cell::Money(a.provider),
        Cell::Difference(a.difference),
        Cell::Text(r.currency.clone()),
    ]
}

/// The differing messages or the periods as one grid, with the inputs
/// before and the definition of Δ and the summary after. Under the
/// differing messages the total is of every message compared, so machines
/// get no totals row there (it is not the sum of the rows).
pub fn grid(r: &ChargeReconciliation) -> Grid {
    grid_of(r, r.view)
}

/// The grid of one view, whichever the report shows.
fn grid_of(r: &ChargeReconciliation, view: ChargeView) -> Grid {
    let text = |s: &str| Cell::Text(s.to_string());
    let (mut columns, rows, total_label, mut total) = match view {
        ChargeView::Messages => (
            vec![
                Column::key("message_id"),
                Column::key("timestamp").titled("time"),
                Column::key("direction"),
                Column::key("pricing_type").titled("pricing type"),
                Column::key("category"),
            ],
            r.differing
                .iter()
                .map(|d| {
                    let mut row = [
                        &d.message_id,
                        &d.timestamp,
                        d.direction,
                        d.pricing_type,
                        d.category,
                    ]
                    .map(text)
                    .to_vec();
                    row.extend(amount_cells(r, &d.amounts));
                    row
                })
                .collect(),
            Some(format!("Total ({} compared)", group_digits(r.compared))),
            Vec::new(),
        ),
        ChargeView::Periods => (
            vec![
                Column::key("period").titled(match r.granularity {
                    crate::reconcile::Granularity::Day => "day",
                    crate::reconcile::Granularity::Month => "month",
                }),
                Column::value("messages"),
                Column::value("differing").titled("differ"),
            ],
            r.periods
                .iter()
                .map(|p| {
                    let mut row = vec![
                        text(&p.period),
                        Cell::Count(p.messages),
                        Cell::Count(p.differing),
                    ];
                    row.extend(amount_cells(r, &p.amounts));
                    row.extend([
                        Cell::Check(p.within_tolerance),
                        Cell::Check(p.within_tolerance),
                    ]);
                    row
                })
                .collect(),
            None,
            vec![
                Cell::Count(r.compared),
                Cell::Count(r.differing.len() as u64),
            ],
        ),
    };
    columns.extend(amount_columns(r));
    total.extend(amount_cells(r, &r.totals));
    if view == ChargeView::Periods {
        // People read each period's check; machines the whole's too.
        columns.extend([
            Column::value("check").left().human_only(),
            Column::value("within_tolerance").machine_only(),
        ]);
        total.extend([Cell::Missing(""), Cell::Check(r.periods_outside() == 0)]);
    }
    let expected = format!(
        "expected = wabill's estimate of Meta's price{}; Δ = provider − expected",
        if r.fees.is_some() {
            " + the provider's fees (--fees)"
        } else {
            " (no --fees: Δ is the provider's markup and fees)"
        }
    );
    Grid {
        title: Some("wabill reconcile --provider-charges".into()),
        before: vec![format!("inputs: {}", r.inputs.join(", "))],
        columns,
        rows,
        total: Some(total),
        total_label,
        after: vec![expected, summary(r)],
        ..Grid::default()
    }
}
