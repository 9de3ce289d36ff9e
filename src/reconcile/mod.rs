//! Reconciliation: wabill's estimate of a log against what Meta billed
//! (`pricing_analytics`), cell by cell (period × country × category ×
//! pricing type), with the provider's fees beside Meta's charge and an
//! optional conversion into the analyst's currency. Cells outside the
//! tolerance carry the usual causes of a difference (`causes.rs`).

pub mod actual;
mod causes;
pub mod fees;
pub mod fx;
pub mod messages;
pub mod tolerance;

pub use causes::Cause;

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::model::{Category, Direction, Message, Millis};
use crate::pricing::{Priced, PricingType, Unpriced, local_date};
use crate::refdata::markets::{MarketTable, country_str};
use crate::refdata::rates::Currency;
use crate::report::compare::percent;
use actual::ActualPoint;
use fees::Fees;
use fx::FxTable;
use tolerance::Tolerance;

/// Label of a dimension the export does not break down (merged on both
/// sides), and of a number whose country no market row gives.
pub const ALL: &str = "all";
pub const UNKNOWN: &str = "unknown";
const NONE: &str = "-";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Day,
    Month,
}

impl Granularity {
    pub fn period(self, d: Date) -> String {
        match self {
            Granularity::Day => d.to_string(),
            Granularity::Month => d.strftime("%Y-%m").to_string(),
        }
    }

    /// The first day of a period label.
    pub fn first_day(self, period: &str) -> Option<Date> {
        match self {
            Granularity::Day => period.parse().ok(),
            Granularity::Month => format!("{period}-01").parse().ok(),
        }
    }
}

/// The breakdowns the export has. Meta returns only the dimensions asked
/// for; one that no point carries is merged on the estimate's side too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dimensions {
    pub country: bool,
    pub category: bool,
    pub pricing_type: bool,
}

impl Dimensions {
    pub fn of(points: &[ActualPoint]) -> Dimensions {
        Dimensions {
            country: points.iter().any(|p| p.country.is_some()),
            category: points.iter().any(|p| p.category.is_some()),
            pricing_type: points.iter().any(|p| p.pricing_type.is_some()),
        }
    }

    fn merged(self) -> Vec<String> {
        [
            (!self.country).then_some("country"),
            (!self.category).then_some("category"),
            (!self.pricing_type).then_some("pricing_type"),
        ]
        .into_iter()
        .flatten()
        .map(String::from)
        .collect()
    }
}

/// A cell of the reconciliation; rows sort by it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub period: String,
    pub country: String,
    pub category: String,
    pub pricing_type: String,
}

impl Key {
    fn new(dims: Dimensions, period: String, country: &str, category: &str, kind: &str) -> Key {
        let or_all = |present: bool, v: &str| if present { v } else { ALL }.to_string();
        Key {
            period,
            country: or_all(dims.country, country),
            category: or_all(dims.category, category),
            pricing_type: or_all(dims.pricing_type, kind),
        }
    }

    /// A row of the log only (inbound, not delivered, platform fee).
    fn log_only(period: String, kind: &str) -> Key {
        Key {
            period,
            country: NONE.into(),
            category: NONE.into(),
            pricing_type: kind.into(),
        }
    }
}

/// Messages and cost of one cell of the estimate, and when they were sent.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Tally {
    volume: u64,
    cost: Decimal,
    first: Millis,
    last: Millis,
}

impl Tally {
    fn add(cell: &mut Option<Tally>, cost: Decimal, at: Millis) {
        match cell {
            Some(t) => {
                t.volume += 1;
                t.cost += cost;
                t.first = t.first.min(at);
                t.last = t.last.max(at);
            }
            None => {
                *cell = Some(Tally {
                    volume: 1,
                    cost,
                    first: at,
                    last: at,
                })
            }
        }
    }
}

/// What Meta counted in one cell: its volume, cost, the time it spans and
/// the tiers it names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Billed {
    volume: u64,
    cost: Decimal,
    start: Millis,
    end: Millis,
    tiers: BTreeSet<String>,
}

/// The estimate's side, filled message by message as the log is priced.
pub struct Estimate {
    granularity: Granularity,
    dims: Dimensions,
    utc: bool,
    /// Delivered outbound messages, by day (or month) of the business's
    /// zone, or of UTC with `utc`.
    cells: BTreeMap<Key, Option<Tally>>,
    /// The same by UTC period, to recognise differences a zone explains.
    utc_cells: BTreeMap<Key, Option<Tally>>,
    /// Log-only counts (provider fees): inbound and not delivered.
    log_only: BTreeMap<Key, u64>,
    range: Option<(Millis, Millis)>,
}

impl Estimate {
    pub fn new(granularity: Granularity, dims: Dimensions, utc: bool) -> Estimate {
        Estimate {
            granularity,
            dims,
            utc,
            cells: BTreeMap::new(),
            utc_cells: BTreeMap::new(),
            log_only: BTreeMap::new(),
            range: None,
        }
    }

    /// Counts one message; unpriced messages fail the run elsewhere.
    pub fn add(&mut self, m: &Message, result: &Result<Priced<'_>, Unpriced>) {
        self.range = Some(match self.range {
            Some((a, b)) => (a.min(m.at), b.max(m.at)),
            None => (m.at, m.at),
        });
        let Ok(p) = result else { return };
        let utc_date = local_date(&TimeZone::UTC, m.at);
        let date = if self.utc { utc_date } else { p.local_date };
        let g = self.granularity;
        if m.direction == Direction::In || p.pricing_type == PricingType::NotDelivered {
            let kind = if m.direction == Direction::In {
                "inbound"
            } else {
                "not_delivered"
            };
            *self
                .log_only
                .entry(Key::log_only(g.period(date), kind))
                .or_default() += 1;
            return;
        }
        // Meta files authentication-international traffic under its own
        // category; everything else under the message's.
        let category = match p.pricing_category {
            Some(Category::AuthenticationInternational) => {
                Category::AuthenticationInternational.as_str()
            }
            _ => m.category.map_or(NONE, Category::as_str),
        };
        let country = p.country.as_ref().map_or(UNKNOWN, country_str);
        let kind = p.pricing_type.as_str();
        let key = |d: Date| Key::new(self.dims, g.period(d), country, category, kind);
        let (k, utc_k) = (key(date), key(utc_date));
        Tally::add(self.cells.entry(k).or_default(), p.cost, m.at);
        Tally::add(self.utc_cells.entry(utc_k).or_default(), p.cost, m.at);
    }
}

/// Groups Meta's points into cells: a point belongs to the UTC period of
/// its start and must not run past that period's end.
fn billed_cells(
    points: &[ActualPoint],
    g: Granularity,
    dims: Dimensions,
) -> Result<BTreeMap<Key, Billed>, String> {
    let mut cells: BTreeMap<Key, Billed> = BTreeMap::new();
    for p in points {
        let period = g.period(local_date(&TimeZone::UTC, p.start));
        let end = p.end.unwrap_or(p.start);
        let last = g.period(local_date(&TimeZone::UTC, end - 1));
        if p.end.is_some() && last != period {
            return Err(format!(
                "{}: the point runs from {period} to {last}, longer than one {}; use a coarser \
                 --granularity",
                p.source,
                match g {
                    Granularity::Day => "day",
                    Granularity::Month => "month",
                }
            ));
        }
        let key = Key::new(
            dims,
            period,
            p.country.as_deref().unwrap_or(UNKNOWN),
            p.category.as_deref().unwrap_or(UNKNOWN),
            p.pricing_type.as_deref().unwrap_or(UNKNOWN),
        );
        let cell = cells.entry(key).or_insert_with(|| Billed {
            cost: Decimal::new(0, 4),
            start: p.start,
            end,
            ..Billed::default()
        });
        cell.volume += p.volume;
        cell.cost += p.cost;
        cell.start = cell.start.min(p.start);
        cell.end = cell.end.max(end);
        if let Some(t) = &p.tier {
            cell.tiers.insert(t.clone());
        }
    }
    // Meta writes `0.125` or `0`; print them at the cards' four places
    // (adding to a zero keeps the other operand's scale).
    for cell in cells.values_mut() {
        if cell.cost.scale() < 4 {
            cell.cost.rescale(4);
        }
    }
    Ok(cells)
}

/// An amount on both sides and actual − estimate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Sides {
    pub estimated: Decimal,
    pub actual: Decimal,
    pub difference: Decimal,
}

/// The same value without trailing zeros beyond the cards' four places, so
/// a column reads alike (`0.0218`, `0.02175`, not `0.021750`); exact.
fn tidy(d: Decimal) -> Decimal {
    let mut d = d.normalize();
    if d.scale() < 4 {
        d.rescale(4);
    }
    d
}

impl Sides {
    fn new(estimated: Decimal, actual: Decimal) -> Sides {
        Sides {
            estimated: tidy(estimated),
            actual: tidy(actual),
            difference: tidy(actual - estimated),
        }
    }

    fn add(&mut self, other: &Sides) {
        *self = Sides::new(self.estimated + other.estimated, self.actual + other.actual);
    }
}

/// The row's totals in the reporting currency.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Converted {
    /// `None` on the totals row (each row uses its own rate).
    pub rate: Option<Decimal>,
    pub rate_date: Option<String>,
    #[serde(flatten)]
    pub amounts: Sides,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    pub period: String,
    pub country: String,
    pub category: String,
    pub pricing_type: String,
    pub estimated_volume: u64,
    /// `None` on rows of the log only, which Meta's analytics do not count.
    pub actual_volume: Option<u64>,
    /// Meta's charge (the billed currency).
    pub meta: Sides,
    /// Δ% = (actual − estimate) / estimate, 1 decimal, half away from zero.
    pub percent: Option<Decimal>,
    pub within_tolerance: bool,
    pub causes: Vec<Cause>,
    /// The volume tiers Meta names for the cell (`low:high`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<String>,
    /// The provider's fees, with `--fees`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<Sides>,
    /// Meta + provider, with `--fees`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<Sides>,
    /// With `--fx`: the total (or Meta's charge) converted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub converted: Option<Converted>,
}

impl Row {
    /// The amount a payer sees: Meta + provider, or Meta alone.
    fn payable(&self) -> &Sides {
        self.total.as_ref().unwrap_or(&self.meta)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    pub cause: Cause,
    pub cells: u64,
    pub explanation: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReconcileMeta {
    pub format_version: u32,
    pub granularity: Granularity,
    /// The billed currency (Meta's and the card's).
    pub currency: String,
    /// The zone the estimate's days follow (Meta's are UTC).
    pub estimate_days: String,
    pub tolerance: Tolerance,
    /// Dimensions the export does not break down, merged on both sides.
    pub merged: Vec<String>,
    pub inputs: Vec<String>,
    pub actual: Vec<String>,
    pub log_range: Option<[String; 2]>,
    pub export_range: Option<[String; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fees: Option<Fees>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_currency: Option<String>,
}

impl ReconcileMeta {
    /// The period column's name.
    pub fn granularity_label(&self) -> &'static str {
        match self.granularity {
            Granularity::Day => "day",
            Granularity::Month => "month",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reconciliation {
    pub meta: ReconcileMeta,
    pub rows: Vec<Row>,
    pub totals: Row,
    pub cells_outside_tolerance: u64,
    pub notes: Vec<Note>,
}

/// Everything besides the two sides that shapes the result.
pub struct Settings<'a> {
    pub tolerance: Tolerance,
    pub markets: &'a MarketTable,
    pub fees: Option<&'a Fees>,
    /// The table, the billed currency and the reporting currency.
    pub fx: Option<(&'a FxTable, Currency, Currency)>,
    pub currency: String,
    pub estimate_days: String,
    pub inputs: Vec<String>,
    pub actual: Vec<String>,
}

fn time(ms: Millis) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| ms.to_string(), |t| t.to_string())
}

/// Joins the two sides into the reconciliation.
pub fn reconcile(
    estimate: Estimate,
    points: &[ActualPoint],
    s: &Settings<'_>,
) -> Result<Reconciliation, String> {
    let g = estimate.granularity;
    let billed = billed_cells(points, g, estimate.dims)?;
    let export_range = billed
        .values()
        .map(|b| (b.start, b.end))
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
    let keys: BTreeSet<&Key> = estimate.cells.keys().chain(billed.keys()).collect();
    let detect = causes::Detect {
        tolerance: s.tolerance,
        markets: s.markets,
        utc_cells: (!estimate.utc).then_some(&estimate.utc_cells),
        log_range: estimate.range,
        export_range,
        granularity: g,
        unknown: estimate
            .cells
            .keys()
            .filter(|k| k.country == UNKNOWN)
            .map(|k| (k.period.clone(), k.category.clone(), k.pricing_type.clone()))
            .collect(),
    };
    let zero = Decimal::new(0, 4);
    let mut rows = Vec::new();
    for key in keys {
        let est = estimate.cells.get(key).and_then(Option::as_ref);
        let act = billed.get(key);
        let meta = Sides::new(est.map_or(zero, |e| e.cost), act.map_or(zero, |a| a.cost));
        let within = s.tolerance.accepts(meta.estimated, meta.actual);
        let causes = if within {
            Vec::new()
        } else {
            detect.causes(key, est, act)
        };
        let (est_volume, act_volume) = (est.map_or(0, |e| e.volume), act.map_or(0, |a| a.volume));
        let provider = s.fees.map(|f| {
            Sides::new(
                f.on_messages(est_volume, meta.estimated),
                f.on_messages(act_volume, meta.actual),
            )
        });
        rows.push(Row {
            period: key.period.clone(),
            country: key.country.clone(),
            category: key.category.clone(),
            pricing_type: key.pricing_type.clone(),
            estimated_volume: est_volume,
            actual_volume: Some(act_volume),
            percent: percent(meta.difference, meta.estimated),
            meta,
            within_tolerance: within,
            causes,
            tiers: act.map_or(Vec::new(), |a| a.tiers.iter().cloned().collect()),
            provider,
            total: None,
            converted: None,
        });
    }
    if let Some(f) = s.fees {
        // Meta's analytics count neither inbound nor undelivered messages,
        // and the platform fee is monthly: these come from the log alone,
        // the same on both sides.
        let months: BTreeSet<String> = rows
            .iter()
            .filter_map(|r| g.first_day(&r.period))
            .chain(
                estimate
                    .log_only
                    .keys()
                    .filter_map(|k| g.first_day(&k.period)),
            )
            .map(|d| Granularity::Month.period(d))
            .collect();
        let mut extra: Vec<(Key, u64, Decimal)> = estimate
            .log_only
            .iter()
            .map(|(k, n)| {
                let fee = if k.pricing_type == "inbound" {
                    f.inbound_message
                } else {
                    f.failed_message
                };
                (k.clone(), *n, fee * Decimal::from(*n))
            })
            .collect();
        if !f.monthly_platform.is_zero() {
            // Labelled by month even in a day report: it sorts before the
            // month's first day.
            extra.extend(
                months
                    .into_iter()
                    .map(|m| (Key::log_only(m, "platform_fee"), 0, f.monthly_platform)),
            );
        }
        for (key, n, fee) in extra {
            rows.push(Row {
                period: key.period,
                country: key.country,
                category: key.category,
                pricing_type: key.pricing_type,
                estimated_volume: n,
                actual_volume: None,
                meta: Sides::new(zero, zero),
                percent: None,
                within_tolerance: true,
                causes: Vec::new(),
                tiers: Vec::new(),
                provider: Some(Sides::new(fee, fee)),
                total: None,
                converted: None,
            });
        }
        rows.sort_by(|a, b| {
            (&a.period, &a.country, &a.category, &a.pricing_type).cmp(&(
                &b.period,
                &b.country,
                &b.category,
                &b.pricing_type,
            ))
        });
    }
    for row in &mut rows {
        if let Some(p) = &row.provider {
            row.total = Some(Sides::new(
                row.meta.estimated + p.estimated,
                row.meta.actual + p.actual,
            ));
        }
        if let Some((table, from, to)) = s.fx {
            // Month labels convert at the rate of the month's first day.
            let date = Granularity::Day
                .first_day(&row.period)
                .or_else(|| Granularity::Month.first_day(&row.period))
                .ok_or_else(|| format!("period {:?} is not a date", row.period))?;
            let (rate, since) = table.rate(from, to, date)?;
            let pay = row.payable();
            row.converted = Some(Converted {
                rate: Some(rate),
                rate_date: Some(since.to_string()),
                amounts: Sides::new(pay.estimated * rate, pay.actual * rate),
            });
        }
    }
    let totals = totals(&rows, s);
    let cells_outside_tolerance = rows.iter().filter(|r| !r.within_tolerance).count() as u64;
    let mut counts: BTreeMap<Cause, u64> = BTreeMap::new();
    for c in rows.iter().flat_map(|r| &r.causes) {
        *counts.entry(*c).or_default() += 1;
    }
    let notes = counts
        .into_iter()
        .map(|(cause, cells)| Note {
            cause,
            cells,
            explanation: cause.explanation(),
        })
        .collect();
    Ok(Reconciliation {
        meta: ReconcileMeta {
            format_version: crate::report::FORMAT_VERSION,
            granularity: g,
            currency: s.currency.clone(),
            estimate_days: s.estimate_days.clone(),
            tolerance: s.tolerance,
            merged: estimate.dims.merged(),
            inputs: s.inputs.clone(),
            actual: s.actual.clone(),
            log_range: estimate.range.map(|(a, b)| [time(a), time(b)]),
            export_range: export_range.map(|(a, b)| [time(a), time(b)]),
            fees: s.fees.cloned(),
            report_currency: s.fx.map(|(_, _, to)| to.to_string()),
        },
        rows,
        totals,
        cells_outside_tolerance,
        notes,
    })
}

/// The totals row: every column the sum of the rows above it.
fn totals(rows: &[Row], s: &Settings<'_>) -> Row {
    let zero = || Sides::new(Decimal::new(0, 4), Decimal::new(0, 4));
    let mut t = Row {
        period: "total".into(),
        country: String::new(),
        category: String::new(),
        pricing_type: String::new(),
        estimated_volume: 0,
        actual_volume: Some(0),
        meta: zero(),
        percent: None,
        within_tolerance: true,
        causes: Vec::new(),
        tiers: Vec::new(),
        provider: s.fees.map(|_| zero()),
        total: s.fees.map(|_| zero()),
        converted: s.fx.map(|_| Converted {
            rate: None,
            rate_date: None,
            amounts: zero(),
        }),
    };
    for r in rows {
        // Log-only rows count messages Meta's analytics do not.
        if r.actual_volume.is_some() {
            t.estimated_volume += r.estimated_volume;
        }
        t.actual_volume = Some(t.actual_volume.unwrap_or(0) + r.actual_volume.unwrap_or(0));
        t.meta.add(&r.meta);
        for (sum, part) in [(&mut t.provider, &r.provider), (&mut t.total, &r.total)] {
            if let (Some(sum), Some(part)) = (sum, part) {
                sum.add(part);
            }
        }
        if let (Some(sum), Some(part)) = (&mut t.converted, &r.converted) {
            sum.amounts.add(&part.amounts);
        }
    }
    t.percent = percent(t.meta.difference, t.meta.estimated);
    t.within_tolerance = s.tolerance.accepts(t.meta.estimated, t.meta.actual);
    t
}
