//! Reconciliation: wabill's estimate of a log against what Meta billed
//! (`pricing_analytics`), cell by cell (period × country × category ×
//! pricing type), with the provider's fees beside Meta's charge and an
//! optional conversion into the analyst's currency. Cells outside the
//! tolerance carry the usual causes of a difference (`causes.rs`).

pub mod actual;
pub mod allin;
mod causes;
pub mod charges;
pub mod fees;
pub mod fx;
pub mod messages;
pub mod periods;
pub mod tolerance;

pub use causes::Cause;

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use rust_decimal::Decimal;
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::model::{Category, Direction, Message, Micros};
use crate::pricing::{ConversationType, Priced, PricingType, Unpriced};
use crate::refdata::markets::{Country, MarketTable, country_str};
use crate::refdata::rates::Currency;
use crate::report::compare::percent;
use actual::{ActualPoint, Unit};
use fees::Fees;
use fx::FxTable;
use periods::Periods;
use tolerance::Tolerance;

/// Label of a dimension the export does not break down (merged on both
/// sides), and of a number whose country no market row gives.
pub const ALL: &str = "all";
pub const UNKNOWN: &str = "unknown";
const NONE: &str = "-";

crate::choice! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
    #[serde(rename_all = "lowercase")]
    pub enum Granularity {
        Day = "day",
        Month = "month",
    }
}

impl Granularity {
    pub fn period(self, d: Date) -> String {
        match self {
            Granularity::Day => d.to_string(),
            Granularity::Month => d.strftime("%Y-%m").to_string(),
        }
    }

    /// The first day of the period holding `d`.
    pub fn start(self, d: Date) -> Date {
        match self {
            Granularity::Day => d,
            Granularity::Month => d.first_of_month(),
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
    first: Micros,
    last: Micros,
}

impl Tally {
    fn add(cell: &mut Option<Tally>, cost: Decimal, at: Micros) {
        Tally::merge(
            cell,
            &Tally {
                volume: 1,
                cost,
                first: at,
                last: at,
            },
        );
    }

    fn merge(cell: &mut Option<Tally>, other: &Tally) {
        match cell {
            Some(t) => {
                t.volume += other.volume;
                t.cost += other.cost;
                t.first = t.first.min(other.first);
                t.last = t.last.max(other.last);
            }
            None => *cell = Some(other.clone()),
        }
    }
}

/// An estimate cell while the log is read: no text, so that a message
/// costs a hash lookup and no allocation. Labelled once at the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Cell {
    /// The period's first day.
    period: Date,
    country: Option<Country>,
    category: &'static str,
    kind: &'static str,
}

type Cells = FxHashMap<Cell, Option<Tally>>;

/// What Meta counted in one cell: its volume, cost, the time it spans and
/// the tiers it names.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Billed {
    volume: u64,
    cost: Decimal,
    start: Micros,
    end: Micros,
    tiers: BTreeSet<String>,
}

/// The estimate's side, filled message by message as the log is priced.
pub struct Estimate {
    granularity: Granularity,
    dims: Dimensions,
    utc: bool,
    /// Meta's own periods, from the export.
    periods: Periods,
    /// Messages, or the conversations they open.
    unit: Unit,
    /// Delivered outbound messages, by day (or month) of the business's
    /// zone, or by Meta's periods with `utc`.
    cells: Cells,
    /// The same by Meta's periods (UTC periods outside the export), to
    /// recognise differences a zone explains.
    utc_cells: Cells,
    /// Log-only counts (provider fees): inbound and not delivered.
    log_only: FxHashMap<(Date, &'static str), u64>,
    range: Option<(Micros, Micros)>,
}

impl Estimate {
    pub fn new(
        granularity: Granularity,
        dims: Dimensions,
        utc: bool,
        periods: Periods,
        unit: Unit,
    ) -> Estimate {
        Estimate {
            granularity,
            dims,
            utc,
            periods,
            unit,
            cells: Cells::default(),
            utc_cells: Cells::default(),
            log_only: FxHashMap::default(),
            range: None,
        }
    }

    /// Counts one message; unpriced messages fail the run elsewhere.
    pub fn add(&mut self, m: &Message, result: &Result<Priced<'_>, Unpriced>) {
        self.range = Some(match self.range {
            Some((a, b)) => (a.min(m.at.as_micros()), b.max(m.at.as_micros())),
            None => (m.at.as_micros(), m.at.as_micros()),
        });
        let Ok(p) = result else { return };
        let meta_period = self.periods.period_of(m.at.as_micros());
        let period = if self.utc {
            meta_period
        } else {
            self.granularity.start(p.local_date)
        };
        if m.direction == Direction::In || p.pricing_type == PricingType::NotDelivered {
            let kind = if m.direction == Direction::In {
                "inbound"
            } else {
                "not_delivered"
            };
            *self.log_only.entry((period, kind)).or_default() += 1;
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
        // Against conversation analytics, a conversation counts once, in
        // the cell of the message that opened it, under its type (2022:
        // who opened it); a free entry point one under its message's
        // category. Messages priced per message count as messages.
        let category = match (self.unit, p.conversation) {
            (Unit::Conversations, Some(c)) if !c.opened => return,
            (Unit::Conversations, Some(c))
                if c.conversation.kind != ConversationType::FreeEntryPoint
                    && category != Category::AuthenticationInternational.as_str() =>
            {
                c.conversation.kind.as_str()
            }
            _ => category,
        };
        let cell = |period| Cell {
            period,
            country: p.country,
            category,
            kind: p.pricing_type.as_str(),
        };
        let (k, utc_k) = (cell(period), cell(meta_period));
        Tally::add(self.cells.entry(k).or_default(), p.cost, m.at.as_micros());
        Tally::add(
            self.utc_cells.entry(utc_k).or_default(),
            p.cost,
            m.at.as_micros(),
        );
    }

    /// The cells under their labels, merged over the dimensions the
    /// export does not break down.
    fn keyed(&self, cells: &Cells) -> BTreeMap<Key, Option<Tally>> {
        let mut keyed: BTreeMap<Key, Option<Tally>> = BTreeMap::new();
        for (c, tally) in cells {
            let Some(tally) = tally else { continue };
            let key = Key::new(
                self.dims,
                self.granularity.period(c.period),
                c.country.as_ref().map_or(UNKNOWN, country_str),
                c.category,
                c.kind,
            );
            Tally::merge(keyed.entry(key).or_default(), tally);
        }
        keyed
    }

    fn log_only_rows(&self) -> BTreeMap<Key, u64> {
        self.log_only
            .iter()
            .map(|(&(period, kind), &n)| (Key::log_only(self.granularity.period(period), kind), n))
            .collect()
    }
}

/// Groups Meta's points into cells, each under its period's label (see
/// `periods.rs`); points of several business numbers add up.
fn billed_cells(
    points: &[ActualPoint],
    labels: Vec<Date>,
    g: Granularity,
    dims: Dimensions,
) -> BTreeMap<Key, Billed> {
    let mut cells: BTreeMap<Key, Billed> = BTreeMap::new();
    // Points come period by period: each label is written once.
    let mut last: Option<(Date, String)> = None;
    for (p, date) in points.iter().zip(labels) {
        let end = p.end.unwrap_or(p.start);
        let period = match &last {
            Some((d, text)) if *d == date => text.clone(),
            _ => {
                let text = g.period(date);
                last = Some((date, text.clone()));
                text
            }
        };
        let key = Key::new(
            dims,
            period,
            p.country.as_deref().unwrap_or(UNKNOWN),
            p.category.as_deref().unwrap_or(UNKNOWN),
            p.pricing_type.as_deref().unwrap_or(UNKNOWN),
        );
        let cell = cells.entry(key).or_insert_with(|| Billed {
            cost: Decimal::ZERO,
            start: p.start,
            end,
            ..Billed::default()
        });
        cell.volume += p.volume;
        cell.cost += p.cost.unwrap_or_default();
        cell.start = cell.start.min(p.start);
        cell.end = cell.end.max(end);
        if let Some(t) = &p.tier {
            cell.tiers.insert(t.clone());
        }
    }
    cells
}

/// What the cells compare: cost, or volumes when the export has no cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    Cost,
    Volume,
}

impl Measure {
    /// Cost when every point has one, volume when none has; a point
    /// without cost among others with one is an error.
    pub fn of(points: &[ActualPoint]) -> Result<Measure, crate::location::LocatedError> {
        let with = points.iter().filter(|p| p.cost.is_some()).count();
        if with == points.len() {
            return Ok(Measure::Cost);
        }
        if with == 0 {
            return Ok(Measure::Volume);
        }
        let (lacking, having) = (
            points.iter().find(|p| p.cost.is_none()),
            points.iter().find(|p| p.cost.is_some()),
        );
        Err(crate::location::LocatedError {
            at: lacking.map(|p| p.source.clone()).unwrap_or_default(),
            message: format!(
                "cost missing, while {} has one: give exports with costs or without, not both",
                having.map_or(String::new(), |p| p.source.to_string())
            ),
        })
    }
}

/// An amount on both sides and actual − estimate; the actual is `None`
/// when the export has no cost (volumes only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sides {
    pub estimated: Decimal,
    pub actual: Option<Decimal>,
    pub difference: Option<Decimal>,
}

impl Sides {
    fn new(estimated: Decimal, actual: Decimal) -> Sides {
        Sides {
            estimated,
            actual: Some(actual),
            difference: Some(actual - estimated),
        }
    }

    fn estimate_only(estimated: Decimal) -> Sides {
        Sides {
            estimated,
            actual: None,
            difference: None,
        }
    }

    fn add(&mut self, other: &Sides) {
        let estimated = self.estimated + other.estimated;
        *self = match self.actual.zip(other.actual) {
            Some((a, b)) => Sides::new(estimated, a + b),
            None => Sides::estimate_only(estimated),
        };
    }
}

/// The row's totals in the reporting currency.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Converted {
    /// `None` on the totals row (each row uses its own rate).
    /// An exchange rate, not an amount: written as given.
    pub rate: Option<Decimal>,
    pub rate_date: Option<String>,
    pub amounts: Sides,
}

#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// Δ% = (actual − estimate) / estimate, exact (shown at 1 decimal, half
    /// away from zero).
    pub percent: Option<Decimal>,
    pub within_tolerance: bool,
    pub causes: Vec<Cause>,
    /// The volume tiers Meta names for the cell (`low:high`).
    pub tiers: Vec<String>,
    /// The provider's fees, with `--fees`.
    pub provider: Option<Sides>,
    /// Meta + provider, with `--fees`.
    pub total: Option<Sides>,
    /// With `--fx`: the total (or Meta's charge) converted.
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
    /// How Meta's days are cut (`UTC`, `UTC−07:00`, …).
    pub meta_days: String,
    /// What the export counts, when not messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<&'static str>,
    /// What the cells compare, when not cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compared: Option<Measure>,
    /// Data points given more than once and counted once.
    #[serde(skip_serializing_if = "is_zero")]
    pub duplicate_points: u64,
    pub inputs: Vec<String>,
    pub actual: Vec<String>,
    pub log_range: Option<[String; 2]>,
    pub export_range: Option<[String; 2]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fees: Option<Fees>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_currency: Option<String>,
    /// The `wabill.toml` whose defaults applied, if one was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
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

#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// Cost, or volumes for an export without cost (then no fees or fx).
    pub measure: Measure,
    /// Points dropped as given twice.
    pub duplicate_points: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn time(us: Micros) -> String {
    crate::model::Instant::from_micros(us).to_string()
}

/// Why two sides cannot be joined.
#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error("the export has no cost (volumes only): --fees and --fx need Meta's cost")]
    FeesNeedCost,
    #[error(transparent)]
    NoRate(#[from] fx::NoRate),
    #[error("period {0:?} is not a date")]
    Period(String),
}

/// Joins the two sides into the reconciliation.
/// `labels` are the points' periods (`Periods::new`).
pub fn reconcile(
    estimate: Estimate,
    points: &[ActualPoint],
    labels: Vec<Date>,
    s: &Settings<'_>,
) -> Result<Reconciliation, ReconcileError> {
    let g = estimate.granularity;
    let volumes = s.measure == Measure::Volume;
    if volumes && (s.fees.is_some() || s.fx.is_some()) {
        return Err(ReconcileError::FeesNeedCost);
    }
    let billed = billed_cells(points, labels, g, estimate.dims);
    let cells = estimate.keyed(&estimate.cells);
    let utc_cells = estimate.keyed(&estimate.utc_cells);
    let log_only = estimate.log_only_rows();
    let export_range = billed
        .values()
        .map(|b| (b.start, b.end))
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
    let keys: BTreeSet<&Key> = cells.keys().chain(billed.keys()).collect();
    let detect = causes::Detect {
        tolerance: s.tolerance,
        markets: s.markets,
        utc_cells: (!estimate.utc).then_some(&utc_cells),
        log_range: estimate.range,
        export_range,
        granularity: g,
        volumes,
        utc_days: estimate.periods.utc_days(),
        unknown: cells
            .keys()
            .filter(|k| k.country == UNKNOWN)
            .map(|k| (k.period.clone(), k.category.clone(), k.pricing_type.clone()))
            .collect(),
    };
    let mut rows: Vec<Row> = keys
        .into_iter()
        .map(|key| {
            let est = cells.get(key).and_then(Option::as_ref);
            compared_row(key, est, billed.get(key), s, &detect)
        })
        .collect();
    if let Some(f) = s.fees {
        let extra = log_only_fee_rows(f, &rows, &log_only, g);
        rows.extend(extra);
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
        complete(row, s)?;
    }
    let totals = totals(&rows, s);
    let cells_outside_tolerance = rows.iter().filter(|r| !r.within_tolerance).count() as u64;
    let notes = notes(&rows);
    Ok(Reconciliation {
        meta: reconcile_meta(&estimate, s, export_range),
        rows,
        totals,
        cells_outside_tolerance,
        notes,
    })
}

/// What the reconciliation says of its sides and settings.
fn reconcile_meta(
    estimate: &Estimate,
    s: &Settings<'_>,
    export_range: Option<(Micros, Micros)>,
) -> ReconcileMeta {
    let volumes = s.measure == Measure::Volume;
    ReconcileMeta {
        format_version: crate::report::FORMAT_VERSION,
        granularity: estimate.granularity,
        currency: s.currency.clone(),
        estimate_days: s.estimate_days.clone(),
        tolerance: s.tolerance,
        merged: estimate.dims.merged(),
        meta_days: estimate.periods.describe(&s.estimate_days),
        unit: (estimate.unit == Unit::Conversations).then_some("conversations"),
        compared: volumes.then_some(Measure::Volume),
        duplicate_points: s.duplicate_points,
        inputs: s.inputs.clone(),
        actual: s.actual.clone(),
        log_range: estimate.range.map(|(a, b)| [time(a), time(b)]),
        export_range: export_range.map(|(a, b)| [time(a), time(b)]),
        fees: s.fees.cloned(),
        report_currency: s.fx.map(|(_, _, to)| to.to_string()),
        config: None,
    }
}

/// One cell of the comparison: the estimate's and Meta's side of `key`,
/// whether they agree within the tolerance and, when not, the likely causes.
fn compared_row(
    key: &Key,
    est: Option<&Tally>,
    act: Option<&Billed>,
    s: &Settings<'_>,
    detect: &causes::Detect<'_>,
) -> Row {
    let zero = Decimal::ZERO;
    let volumes = s.measure == Measure::Volume;
    let (est_volume, act_volume) = (est.map_or(0, |e| e.volume), act.map_or(0, |a| a.volume));
    let est_cost = est.map_or(zero, |e| e.cost);
    let (meta, within, pct) = if volumes {
        // The tolerance applies to the counts.
        let (e, a) = (Decimal::from(est_volume), Decimal::from(act_volume));
        (
            Sides::estimate_only(est_cost),
            s.tolerance.accepts(e, a),
            percent(a - e, e),
        )
    } else {
        let meta = Sides::new(est_cost, act.map_or(zero, |a| a.cost));
        let actual = meta.actual.unwrap_or_default();
        let within = s.tolerance.accepts(meta.estimated, actual);
        let pct = percent(actual - meta.estimated, meta.estimated);
        (meta, within, pct)
    };
    let causes = if within {
        Vec::new()
    } else {
        detect.causes(key, est, act)
    };
    let provider = s.fees.map(|f| {
        Sides::new(
            f.on_messages(est_volume, meta.estimated),
            f.on_messages(act_volume, meta.actual.unwrap_or_default()),
        )
    });
    Row {
        period: key.period.clone(),
        country: key.country.clone(),
        category: key.category.clone(),
        pricing_type: key.pricing_type.clone(),
        estimated_volume: est_volume,
        actual_volume: Some(act_volume),
        percent: pct,
        meta,
        within_tolerance: within,
        causes,
        tiers: act.map_or(Vec::new(), |a| a.tiers.iter().cloned().collect()),
        provider,
        total: None,
        converted: None,
    }
}

/// The provider's fees that come from the log alone, the same on both
/// sides: Meta's analytics count neither inbound nor undelivered messages,
/// and the platform fee is monthly.
fn log_only_fee_rows(
    f: &Fees,
    rows: &[Row],
    log_only: &BTreeMap<Key, u64>,
    g: Granularity,
) -> Vec<Row> {
    let zero = Decimal::ZERO;
    let months: BTreeSet<String> = rows
        .iter()
        .filter_map(|r| g.first_day(&r.period))
        .chain(log_only.keys().filter_map(|k| g.first_day(&k.period)))
        .map(|d| Granularity::Month.period(d))
        .collect();
    let mut extra: Vec<(Key, u64, Decimal)> = log_only
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
    extra
        .into_iter()
        .map(|(key, n, fee)| Row {
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
        })
        .collect()
}

/// A row's totals (Meta's charge plus the provider's) and, with `--fx`,
/// its payable amounts converted at the rate of its period's first day.
fn complete(row: &mut Row, s: &Settings<'_>) -> Result<(), ReconcileError> {
    if let Some(p) = &row.provider {
        row.total = Some(Sides::new(
            row.meta.estimated + p.estimated,
            row.meta.actual.unwrap_or_default() + p.actual.unwrap_or_default(),
        ));
    }
    if let Some((table, from, to)) = s.fx {
        // Month labels convert at the rate of the month's first day.
        let date = Granularity::Day
            .first_day(&row.period)
            .or_else(|| Granularity::Month.first_day(&row.period))
            .ok_or_else(|| ReconcileError::Period(row.period.clone()))?;
        let (rate, since) = table.rate(from, to, date)?;
        let pay = row.payable();
        row.converted = Some(Converted {
            rate: Some(rate),
            rate_date: Some(since.to_string()),
            amounts: Sides::new(pay.estimated * rate, pay.actual.unwrap_or_default() * rate),
        });
    }
    Ok(())
}

/// One note per cause found, with the number of cells it explains.
fn notes(rows: &[Row]) -> Vec<Note> {
    let mut counts: BTreeMap<Cause, u64> = BTreeMap::new();
    for c in rows.iter().flat_map(|r| &r.causes) {
        *counts.entry(*c).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(cause, cells)| Note {
            cause,
            cells,
            explanation: cause.explanation(),
        })
        .collect()
}

/// The totals row: every column the sum of the rows above it.
fn totals(rows: &[Row], s: &Settings<'_>) -> Row {
    let zero = || Sides::new(Decimal::ZERO, Decimal::ZERO);
    let volumes = s.measure == Measure::Volume;
    let mut t = Row {
        period: "total".into(),
        country: String::new(),
        category: String::new(),
        pricing_type: String::new(),
        estimated_volume: 0,
        actual_volume: Some(0),
        meta: if volumes {
            Sides::estimate_only(Decimal::ZERO)
        } else {
            zero()
        },
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
    (t.percent, t.within_tolerance) = match t.meta.actual {
        Some(actual) => (
            percent(actual - t.meta.estimated, t.meta.estimated),
            s.tolerance.accepts(t.meta.estimated, actual),
        ),
        None => {
            let e = Decimal::from(t.estimated_volume);
            let a = Decimal::from(t.actual_volume.unwrap_or(0));
            (percent(a - e, e), s.tolerance.accepts(e, a))
        }
    };
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn point(cost: Option<Decimal>, source: &str) -> ActualPoint {
        ActualPoint {
            start: 0,
            end: None,
            country: None,
            category: None,
            pricing_type: None,
            tier: None,
            phone_number: None,
            direction: None,
            volume: 1,
            cost,
            source: {
                let (file, line) = source.rsplit_once(':').unwrap();
                crate::location::Location::line(file, line.parse().unwrap())
            },
        }
    }

    #[test]
    fn costs_on_every_point_or_on_none() {
        let with = point(Some(dec!(0.1)), "a.json:3");
        let without = point(None, "b.json:2");
        assert_eq!(
            Measure::of(std::slice::from_ref(&with)).unwrap(),
            Measure::Cost
        );
        assert_eq!(
            Measure::of(std::slice::from_ref(&without)).unwrap(),
            Measure::Volume
        );
        assert_eq!(
            Measure::of(&[with, without]).unwrap_err().to_string(),
            "b.json:2: cost missing, while a.json:3 has one: give exports with costs or \
             without, not both"
        );
    }

    #[test]
    fn sides_without_an_actual_add_up_the_estimate() {
        let mut s = Sides::estimate_only(dec!(0.1));
        s.add(&Sides::estimate_only(dec!(0.0625)));
        assert_eq!(
            (s.estimated, s.actual, s.difference),
            (dec!(0.1625), None, None)
        );
        let mut s = Sides::new(dec!(0.1), dec!(0.2));
        s.add(&Sides::new(dec!(0.1), dec!(0)));
        assert_eq!(s.difference, Some(dec!(0.0000)));
    }
}
