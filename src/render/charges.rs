//! The provider's charges against wabill's estimate (`reconcile
//! --provider-charges`) as a table, CSV or JSON: the differing messages,
//! or the periods.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment};

use super::table::{bold_cell, new_table};
use super::{Style, group_digits, money, signed_money};
use crate::reconcile::charges::{Amounts, ChargeReconciliation, ChargeView};

/// The formats of `reconcile --provider-charges`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChargeFormat {
    Table,
    Csv,
    Json,
}

pub fn render(
    r: &ChargeReconciliation,
    format: ChargeFormat,
    style: Style,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ChargeFormat::Table => table(r, style, out),
        ChargeFormat::Csv => csv(r, out),
        ChargeFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, r)?;
            writeln!(out)
        }
    }
}

fn messages(n: u64) -> String {
    format!(
        "{} {}",
        group_digits(n),
        if n == 1 { "message" } else { "messages" }
    )
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

/// The amount columns' headers and values; fees and the expected sum only
/// with `--fees`.
fn amount_headers(r: &ChargeReconciliation) -> Vec<String> {
    let cur = &r.currency;
    let mut h = vec![format!("Meta est. ({cur})")];
    if r.fees.is_some() {
        h.extend([format!("fees ({cur})"), format!("expected ({cur})")]);
    }
    h.extend([format!("provider ({cur})"), "Δ".to_string()]);
    h
}

fn amount_cells(r: &ChargeReconciliation, a: &Amounts) -> Vec<String> {
    let mut v = vec![money(a.meta)];
    if r.fees.is_some() {
        v.extend([money(a.fees), money(a.expected)]);
    }
    v.extend([money(a.provider), signed_money(a.difference)]);
    v
}

fn table(r: &ChargeReconciliation, style: Style, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "inputs: {}", r.inputs.join(", "))?;
    let mut t = new_table(style);
    let (mut header, first_amount) = match r.view {
        ChargeView::Messages => (
            vec![
                "message_id".to_string(),
                "time".into(),
                "direction".into(),
                "pricing type".into(),
                "category".into(),
            ],
            5,
        ),
        ChargeView::Periods => (
            vec![
                match r.granularity {
                    crate::reconcile::Granularity::Day => "day",
                    crate::reconcile::Granularity::Month => "month",
                }
                .to_string(),
                "messages".into(),
                "differ".into(),
            ],
            3,
        ),
    };
    header.extend(amount_headers(r));
    if r.view == ChargeView::Periods {
        header.push("check".into());
    }
    t.set_header(header);
    match r.view {
        ChargeView::Messages => {
            for d in &r.differing {
                let mut row = vec![
                    super::printable(&d.message_id).into_owned(),
                    d.timestamp.clone(),
                    d.direction.to_string(),
                    d.pricing_type.to_string(),
                    d.category.to_string(),
                ];
                row.extend(amount_cells(r, &d.amounts));
                t.add_row(row);
            }
        }
        ChargeView::Periods => {
            for p in &r.periods {
                let mut row = vec![
                    p.period.clone(),
                    group_digits(p.messages),
                    group_digits(p.differing),
                ];
                row.extend(amount_cells(r, &p.amounts));
                row.push(if p.within_tolerance { "ok" } else { "OFF" }.into());
                t.add_row(row);
            }
        }
    }
    let mut total = vec![String::new(); first_amount];
    // Under the differing messages, the total is of every one compared.
    total[0] = match r.view {
        ChargeView::Messages => format!("Total ({} compared)", group_digits(r.compared)),
        ChargeView::Periods => "Total".into(),
    };
    if r.view == ChargeView::Periods {
        total[1] = group_digits(r.compared);
        total[2] = group_digits(r.differing.len() as u64);
    }
    total.extend(amount_cells(r, &r.totals));
    t.add_row(
        total
            .into_iter()
            .map(|c| bold_cell(style, c))
            .collect::<Vec<Cell>>(),
    );
    let numeric = if r.view == ChargeView::Periods { 1 } else { 5 };
    for i in numeric..first_amount + amount_headers(r).len() {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    writeln!(out, "{t}")?;
    writeln!(
        out,
        "expected = wabill's estimate of Meta's price{}; Δ = provider − expected",
        if r.fees.is_some() {
            " + the provider's fees (--fees)"
        } else {
            " (no --fees: Δ is the provider's markup and fees)"
        }
    )?;
    writeln!(out, "{}", summary(r))
}

fn csv(r: &ChargeReconciliation, out: &mut dyn Write) -> io::Result<()> {
    let mut w = super::SafeCsv::from_writer(out);
    let amounts = ["meta", "fees", "expected", "provider", "difference"];
    let values =
        |a: &Amounts| [a.meta, a.fees, a.expected, a.provider, a.difference].map(|d| d.to_string());
    match r.view {
        ChargeView::Messages => {
            w.write_record(
                [
                    "message_id",
                    "timestamp",
                    "direction",
                    "pricing_type",
                    "category",
                ]
                .into_iter()
                .chain(amounts)
                .chain(["currency"]),
            )?;
            for d in &r.differing {
                w.write_record(
                    [
                        d.message_id.clone(),
                        d.timestamp.clone(),
                        d.direction.to_string(),
                        d.pricing_type.to_string(),
                        d.category.to_string(),
                    ]
                    .into_iter()
                    .chain(values(&d.amounts))
                    .chain([r.currency.clone()]),
                )?;
            }
        }
        ChargeView::Periods => {
            w.write_record(
                ["period", "messages", "differing"]
                    .into_iter()
                    .chain(amounts)
                    .chain(["currency", "within_tolerance"]),
            )?;
            for p in &r.periods {
                w.write_record(
                    [
                        p.period.clone(),
                        p.messages.to_string(),
                        p.differing.to_string(),
                    ]
                    .into_iter()
                    .chain(values(&p.amounts))
                    .chain([r.currency.clone(), p.within_tolerance.to_string()]),
                )?;
            }
            w.write_record(
                [
                    "total".to_string(),
                    r.compared.to_string(),
                    r.differing.len().to_string(),
                ]
                .into_iter()
                .chain(values(&r.totals))
                .chain([r.currency.clone(), (r.periods_outside() == 0).to_string()]),
            )?;
        }
    }
    w.flush()
}
