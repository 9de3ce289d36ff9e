//! Side-by-side comparison of one log priced under several scenarios:
//! each scenario's `Report` (same grouping), joined on the group keys, with
//! the difference and percentage against the first scenario.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;

use super::{Line, Report};

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ScenarioMeta {
    pub name: String,
    /// The scenario's own settings as given (`model=…,rates=…`).
    pub settings: String,
    pub model: String,
    pub models_used: Vec<String>,
    pub currency: String,
    pub rate_sources: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioCost {
    pub scenario: String,
    pub charged: u64,
    /// Messages of the group no known rate could price in this scenario:
    /// its cost leaves them out.
    pub unpriced: u64,
    pub cost: Decimal,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub scenario: String,
    pub versus: String,
    /// `None` when the two scenarios price in different currencies, or
    /// either leaves unpriced messages out (`incomplete`).
    pub difference: Option<Decimal>,
    /// Percentage of the first scenario's cost, exact (shown at 1 decimal,
    /// half away from zero); `None` when that cost is zero or the
    /// currencies differ.
    pub percent: Option<Decimal>,
    /// Either cost leaves unpriced messages out: no difference is given,
    /// since it would not be one.
    pub incomplete: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompareRow {
    pub keys: Vec<String>,
    pub messages: u64,
    pub scenarios: Vec<ScenarioCost>,
    pub differences: Vec<Difference>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CompareMeta {
    pub format_version: u32,
    pub group_by: Vec<String>,
    pub inputs: Vec<String>,
    pub time_zone: String,
    pub scenarios: Vec<ScenarioMeta>,
    /// The `wabill.toml` whose defaults applied, if one was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
    /// The command that compared (`compare`, or `forecast` of several
    /// plans), for the Markdown heading.
    #[serde(skip)]
    pub command: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comparison {
    pub meta: CompareMeta,
    pub rows: Vec<CompareRow>,
    pub totals: CompareRow,
}

impl Comparison {
    /// Whether any scenario left messages unpriced (its `unpriced`
    /// columns are then shown).
    pub fn has_unpriced(&self) -> bool {
        self.totals.scenarios.iter().any(|s| s.unpriced > 0)
    }
}

/// `diff` as a percentage of `base`, as exact as a division allows; the
/// one place reports show is the renderers' (`display::shown_percent`).
pub fn percent(diff: Decimal, base: Decimal) -> Option<Decimal> {
    if base.is_zero() {
        return None;
    }
    diff.checked_mul(Decimal::ONE_HUNDRED)?.checked_div(base)
}

fn row(keys: Vec<String>, lines: &[Option<&Line>], scenarios: &[ScenarioMeta]) -> CompareRow {
    let zero = Line {
        cost: Decimal::ZERO,
        ..Line::default()
    };
    let lines: Vec<&Line> = lines.iter().map(|l| l.unwrap_or(&zero)).collect();
    let costs: Vec<ScenarioCost> = lines
        .iter()
        .zip(scenarios)
        .map(|(l, s)| ScenarioCost {
            scenario: s.name.clone(),
            charged: l.charged,
            unpriced: l.unpriced,
            cost: l.cost,
        })
        .collect();
    let base = &costs[0];
    let differences = costs
        .iter()
        .zip(scenarios)
        .skip(1)
        .map(|(c, s)| {
            let same_currency = s.currency == scenarios[0].currency;
            let incomplete = c.unpriced > 0 || base.unpriced > 0;
            let difference = (same_currency && !incomplete).then(|| c.cost - base.cost);
            Difference {
                scenario: c.scenario.clone(),
                versus: base.scenario.clone(),
                difference,
                percent: difference.and_then(|d| percent(d, base.cost)),
                incomplete,
            }
        })
        .collect();
    CompareRow {
        keys,
        // The same log in every scenario: the first one's count stands.
        messages: lines.iter().map(|l| l.messages).max().unwrap_or(0),
        scenarios: costs,
        differences,
    }
}

/// Joins the scenario reports; `reports` and `scenarios` are in the same
/// order, the first being the reference.
pub fn compare(
    reports: &[Report],
    scenarios: Vec<ScenarioMeta>,
    inputs: Vec<String>,
    time_zone: String,
) -> Comparison {
    // Joined on the labels and, for labels a report repeats (no business
    // and a business named `default`, in that order), on the occurrence.
    let mut joined: BTreeMap<(Vec<String>, usize), Vec<Option<&Line>>> = BTreeMap::new();
    for (i, report) in reports.iter().enumerate() {
        let mut seen: BTreeMap<&[String], usize> = BTreeMap::new();
        for r in &report.rows {
            let n = seen.entry(&r.keys).or_default();
            joined
                .entry((r.keys.clone(), *n))
                .or_insert_with(|| vec![None; reports.len()])[i] = Some(&r.line);
            *n += 1;
        }
    }
    let rows = joined
        .into_iter()
        .map(|((keys, _), lines)| row(keys, &lines, &scenarios))
        .collect();
    let totals: Vec<Option<&Line>> = reports.iter().map(|r| Some(&r.totals)).collect();
    let totals = row(vec!["total".into()], &totals, &scenarios);
    Comparison {
        meta: CompareMeta {
            format_version: super::FORMAT_VERSION,
            group_by: reports
                .first()
                .map(|r| r.meta.group_by.clone())
                .unwrap_or_default(),
            inputs,
            time_zone,
            scenarios,
            config: None,
            command: "compare",
        },
        rows,
        totals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn percentages_are_exact_and_shown_at_one_place_half_away_from_zero() {
        use crate::display::shown_percent;
        let shown = |d, b| percent(d, b).map(shown_percent);
        assert_eq!(percent(dec!(1), dec!(8)), Some(dec!(12.5)));
        assert_eq!(shown(dec!(1), dec!(3)), Some(dec!(33.3)));
        assert_eq!(shown(dec!(-1), dec!(16)), Some(dec!(-6.3)));
        assert_eq!(percent(dec!(-1), dec!(16)), Some(dec!(-6.25)));
        assert_eq!(percent(dec!(1), dec!(0)), None);
        assert_eq!(shown(dec!(1), dec!(1)).unwrap().to_string(), "100.0");
    }
}
