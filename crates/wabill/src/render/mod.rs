//! Renderers. Each report is a [`Document`]: it builds one typed
//! [`grid::Grid`] and names the [`Format`]s it offers; `table`, `csv`,
//! `markdown`, `html` and `json` lay any grid out (JSON's non-tabular
//! sections, such as `meta` and estimate's `partial`, stay serde structs),
//! and [`write()`] is the one dispatch from a format to its layout.

mod bars;
pub mod charges;
mod chart;
pub mod compare;
mod csv;
pub mod document;
mod estimate;
pub mod explain;
pub mod forecast;
pub mod grid;
pub mod html;
mod json;
mod markdown;
pub mod messages;
pub mod problems;
pub mod rates;
pub mod reconcile;
pub mod rows;
mod safe_csv;
mod table;
pub mod timeline;
pub mod xlsx;

/// The provenance line naming the `wabill.toml` a report's defaults came
/// from; the same words in every report.
pub fn defaults_line(config: &Option<String>) -> Option<String> {
    config.as_ref().map(|c| format!("defaults: {c}"))
}

pub use crate::display::{
    counted, group_digits, money, nouns, plural, plural_of, shown, shown_percent, signed_money,
};
pub use document::{Document, EXTENSIONS, Format, GRID_FORMATS, Offered, offers, write};
pub use safe_csv::{
    Dialect, SafeCsv, decimal, formula_safe, neutralize, neutralize_str, set_dialect, set_raw_csv,
    set_terminal,
};

use crate::report::{Line, Report};

/// How the table renderer may style its output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Style {
    /// Bold and colour (only on a terminal, never with NO_COLOR).
    pub color: bool,
}

/// Text from the input as a terminal may show it: control characters
/// (escape sequences, line breaks, bells) are written as `\u{1b}`, `\n`…,
/// so a log cannot move the cursor, recolour or forge lines.
pub fn printable(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(s);
    }
    std::borrow::Cow::Owned(
        s.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// The accounting as two sentences, shared by the text formats.
pub fn accounting_lines(report: &Report) -> Vec<String> {
    let a = &report.accounting;
    let reasons: Vec<String> = a
        .free_by_reason
        .iter()
        .map(|(reason, n)| format!("{} {reason}", group_digits(*n)))
        .collect();
    let stale = if a.stale_rates > 0 {
        format!(" ({} at stale rates)", group_digits(a.stale_rates))
    } else {
        String::new()
    };
    let mut outbound = format!(
        "{} outbound = {} charged{stale} + {} free",
        group_digits(a.outbound),
        group_digits(a.charged),
        group_digits(a.free)
    );
    if !reasons.is_empty() {
        outbound.push_str(&format!(" ({})", reasons.join(", ")));
    }
    outbound.push_str(&format!(
        " + {} not delivered",
        group_digits(a.not_delivered)
    ));
    if a.unpriced > 0 {
        outbound.push_str(&format!(" + {} unpriced", group_digits(a.unpriced)));
    }
    let calls = if a.calls > 0 {
        format!(" + {} {}", group_digits(a.calls), nouns(a.calls, "call"))
    } else {
        String::new()
    };
    let other = if a.not_whatsapp > 0 {
        format!(" + {} not WhatsApp", group_digits(a.not_whatsapp))
    } else {
        String::new()
    };
    let context = if report.meta.period.is_some() {
        format!(
            " + {} outside the period (read for context)",
            group_digits(a.outside_period)
        )
    } else {
        String::new()
    };
    let mut lines = vec![
        format!(
            "{} read = {} inbound + {} outbound{calls} + {} merged{other} + {} rejected{context}",
            counted(a.rows_read, "row"),
            group_digits(a.inbound),
            group_digits(a.outbound),
            group_digits(a.merged),
            group_digits(a.rejected)
        ),
        outbound,
    ];
    if !a.unwrapped.is_empty() {
        lines.push(unwrapped_line(&a.unwrapped));
    }
    if let Some(upper) = report.meta.upper_bound {
        lines.push(format!(
            "upper bound with max prices: {} {}",
            money(upper),
            report.meta.currency
        ));
    }
    lines.extend(report.meta.notes.iter().map(|n| format!("note: {n}")));
    if let Some(c) = &a.conversations {
        let types: Vec<String> = c
            .by_type
            .iter()
            .map(|(t, n)| format!("{} {t}", group_digits(*n)))
            .collect();
        let types = if types.is_empty() {
            String::new()
        } else {
            format!(" ({})", types.join(", "))
        };
        let mut line = format!(
            "{} opened{types} = {} charged + {} free",
            counted(c.opened, "conversation"),
            group_digits(c.charged),
            group_digits(c.free)
        );
        if c.unpriced > 0 {
            line.push_str(&format!(" + {} unpriced", group_digits(c.unpriced)));
        }
        lines.push(line);
    }
    lines.extend(provider_charge_lines(report));
    lines
}

/// The provider's own charges, one line per currency, and the messages
/// without a price: never part of the cost above.
pub fn provider_charge_lines(report: &Report) -> Vec<String> {
    if report.provider_charges.is_empty() {
        return Vec::new();
    }
    let mut lines: Vec<String> = report
        .provider_charges
        .iter()
        .map(|c| {
            format!(
                "provider's charge, as exported (not in the cost above): {} {} on {} ({} inbound + {} outbound)",
                shown(c.amount),
                c.currency,
                messages(c.messages),
                group_digits(c.inbound),
                group_digits(c.outbound)
            )
        })
        .collect();
    let a = &report.accounting;
    let priced: u64 = report.provider_charges.iter().map(|c| c.messages).sum();
    let without = (a.inbound + a.outbound).saturating_sub(priced);
    if without > 0 {
        lines.push(format!(
            "provider's charge: {} without a price in the export",
            messages(without)
        ));
    }
    lines
}

fn messages(n: u64) -> String {
    counted(n, "message")
}

/// One line naming the model, currency and zone used, and the reader when
/// a log was not wabill's CSV.
pub fn meta_line(report: &Report) -> String {
    let m = &report.meta;
    let model = if m.model == "auto" && !m.models_used.is_empty() {
        format!("auto ({})", m.models_used.join(", "))
    } else {
        m.model.clone()
    };
    let read = if m.input_formats.iter().any(|f| f != "csv") {
        format!(" · read as {}", m.input_formats.join(", "))
    } else {
        String::new()
    };
    let period = m
        .period
        .as_ref()
        .map_or(String::new(), |p| format!(" · period {p}"));
    format!(
        "model {model} · currency {} · time zone {}{period}{read}",
        m.currency, m.time_zone
    )
}

/// The count columns after the group keys (machine names), and their
/// values for a line: `conversations` only in reports that count them.
pub fn count_columns(report: &Report) -> Vec<&'static str> {
    let mut v = vec!["messages"];
    if report.accounting.conversations.is_some() {
        v.push("conversations");
    }
    v.extend(["charged", "free", "not_delivered"]);
    if report.totals.unpriced > 0 {
        v.push("unpriced");
    }
    v
}

pub fn counts(report: &Report, line: &Line) -> Vec<u64> {
    let mut v = vec![line.messages];
    if report.accounting.conversations.is_some() {
        v.push(line.conversations.unwrap_or(0));
    }
    v.extend([line.charged, line.free, line.not_delivered]);
    if report.totals.unpriced > 0 {
        v.push(line.unpriced);
    }
    v
}

/// The sentence after a report whose total leaves unpriced messages out.
pub fn unpriced_line(report: &Report) -> Option<String> {
    unpriced_sentence(report.totals.unpriced)
}

/// "total excludes N unpriced messages …", when N is not zero.
fn unpriced_sentence(n: u64) -> Option<String> {
    (n > 0).then(|| {
        format!(
            "total excludes {}: no known rate (see the unpriced column), so the cost is incomplete",
            counted(n, "unpriced message")
        )
    })
}

/// `3 events unwrapped from envelopes (body_params: 2, payload: 1)`: the
/// store's wrappers read through, by key.
pub fn unwrapped_line(unwrapped: &std::collections::BTreeMap<String, u64>) -> String {
    let total: u64 = unwrapped.values().sum();
    let keys: Vec<String> = unwrapped
        .iter()
        .map(|(k, n)| format!("{k}: {}", group_digits(*n)))
        .collect();
    format!(
        "{} {} unwrapped from envelopes ({})",
        group_digits(total),
        nouns(total, "event"),
        keys.join(", ")
    )
}
