//! Merging partial reports: a log split by portfolio (or business) and
//! priced part by part gives, once merged, the report of the whole log.
//!
//! Every counter of the rules is per business (windows, service allowance,
//! conversation free tier) or per portfolio (volume tiers), so the parts
//! price exactly when no business, and no portfolio that volume tiers
//! counted, is in two parts. `Partial` records what proves that, and the
//! settings that must agree.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::agent_estimate_note;
use super::tiers::TierCounts;
use super::{Accounting, ConversationAccounting, Line, Meta, ProviderChargeLine, Report, Row};
use crate::model::{Category, Direction, Message};
use crate::pricing::{Priced, PricingType, Unpriced};
use crate::refdata::businesses::{Businesses, business_key};
use crate::validate::Strings;

/// Version of the `partial` section; bumped on any change to its meaning.
pub const PARTIAL_VERSION: u32 = 1;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partial {
    pub version: u32,
    /// Everything that changes prices besides the log (model, currency,
    /// zone, window lengths, wabill's version, fingerprints of the files
    /// given); parts merge only when these are equal.
    pub settings: BTreeMap<String, String>,
    /// Business numbers (normalised like `--businesses` keys) of every
    /// message priced, inbound or outbound.
    pub businesses: Vec<String>,
    /// Portfolios whose messages volume tiers counted (only with a tier
    /// table): such a portfolio must be whole in one part.
    pub tier_portfolios: Vec<String>,
    /// Business Agent messages priced on estimated tokens, and the tokens
    /// each (the report's estimate note is rebuilt from the sum).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_estimate: Option<(u64, u64)>,
    /// How volume tiers priced this part (the tier notes are rebuilt from
    /// the sum).
    #[serde(default, skip_serializing_if = "TierCounts::is_empty")]
    pub tiers: TierCounts,
}

/// Collects a `Partial` while the aggregator sees priced messages.
#[derive(Debug)]
pub struct PartialTracker<'a> {
    businesses_file: &'a Businesses,
    tiers: bool,
    seen: Vec<bool>,
    businesses: BTreeSet<String>,
    tier_portfolios: BTreeSet<String>,
}

impl<'a> PartialTracker<'a> {
    /// `tiers`: whether a tier table is in use (without one, portfolios
    /// change nothing).
    pub fn new(businesses_file: &'a Businesses, tiers: bool) -> Self {
        PartialTracker {
            businesses_file,
            tiers,
            seen: Vec::new(),
            businesses: BTreeSet::new(),
            tier_portfolios: BTreeSet::new(),
        }
    }

    /// The same tracker with nothing seen (a pass starting over).
    pub fn reset(self) -> Self {
        PartialTracker::new(self.businesses_file, self.tiers)
    }

    pub fn see(&mut self, m: &Message, result: &Result<Priced<'_>, Unpriced>, strings: &Strings) {
        let i = m.business as usize;
        if self.seen.len() <= i {
            self.seen.resize(i + 1, false);
        }
        if !self.seen[i] {
            self.seen[i] = true;
            self.businesses
                .insert(business_key(strings.businesses.get(m.business)));
        }
        // Tier counts are per portfolio × market × category × month, over
        // charged per-message templates; conversations and service
        // messages (allowances, counted per business) are not tiered.
        let Ok(p) = result else { return };
        if self.tiers
            && m.direction == Direction::Out
            && p.counted_as.is_some()
            && p.pricing_type == PricingType::Regular
            && m.category != Some(Category::Service)
            && !p.model.is_some_and(|m| m.is_conversation())
        {
            let business = strings.businesses.get(m.business);
            let owner = self.businesses_file.tier_owner(business);
            self.tier_portfolios.insert(owner);
        }
    }

    pub fn finish(self, agent_estimate: Option<(u64, u64)>, tiers: TierCounts) -> Partial {
        Partial {
            version: PARTIAL_VERSION,
            settings: BTreeMap::new(),
            businesses: self.businesses.into_iter().collect(),
            tier_portfolios: self.tier_portfolios.into_iter().collect(),
            agent_estimate,
            tiers,
        }
    }
}

/// Why reports cannot be merged; names the reports concerned.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MergeError(pub String);

/// Merges partial reports (each named for errors) into the report of the
/// whole log: rows are summed by key, the accounting added up, and the
/// lists united, so the result is what pricing all parts at once gives.
pub fn merge(parts: &[(String, Report)]) -> Result<Report, MergeError> {
    let err = |m: String| Err(MergeError(m));
    let Some((first_name, first)) = parts.first() else {
        return err("no reports to merge".into());
    };
    let mut owners: BTreeMap<&str, &str> = BTreeMap::new();
    let mut tier_owners: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, report) in parts {
        let Some(partial) = &report.partial else {
            return err(format!(
                "{name}: not a partial report (make each with `wabill estimate --format json`)"
            ));
        };
        if partial.version != PARTIAL_VERSION || report.meta.format_version != super::FORMAT_VERSION
        {
            return err(format!(
                "{name}: report format {} / partial version {} (this wabill reads {} / {})",
                report.meta.format_version,
                partial.version,
                super::FORMAT_VERSION,
                PARTIAL_VERSION
            ));
        }
        if !report.accounting.balances() {
            return err(format!("{name}: its accounting does not balance"));
        }
        check_same_settings(first_name, first, name, report)?;
        for b in &partial.businesses {
            if let Some(other) = owners.insert(b, name) {
                return err(format!(
                    "{other} and {name} both price business {}: parts must split the log by \
                     business or portfolio (wabill partition), each business in one part",
                    shown(b)
                ));
            }
        }
        for p in &partial.tier_portfolios {
            if let Some(other) = tier_owners.insert(p, name) {
                return err(format!(
                    "{other} and {name} both count volume tiers for portfolio {p:?}: a \
                     portfolio's tier counts must be in one part (partition with --by \
                     portfolio and the same --businesses; a business without a portfolio is \
                     its own)"
                ));
            }
        }
    }
    Ok(combine(parts.iter().map(|(_, r)| r)))
}

fn shown(business: &str) -> String {
    if business.is_empty() {
        "(none: rows without a business)".to_string()
    } else {
        format!("{business:?}")
    }
}

fn check_same_settings(
    first_name: &str,
    first: &Report,
    name: &str,
    report: &Report,
) -> Result<(), MergeError> {
    let (a, b) = (&first.meta, &report.meta);
    let differs = |what: &str, x: String, y: String| {
        Err(MergeError(format!(
            "{first_name} and {name} were priced with different {what} ({x} and {y}): \
             price every part with the same settings"
        )))
    };
    if a.model != b.model {
        return differs("--model", a.model.clone(), b.model.clone());
    }
    if a.currency != b.currency {
        return differs("--currency", a.currency.clone(), b.currency.clone());
    }
    if a.time_zone != b.time_zone {
        return differs("time zones", a.time_zone.clone(), b.time_zone.clone());
    }
    if a.group_by != b.group_by {
        return differs("--by", a.group_by.join(","), b.group_by.join(","));
    }
    let settings = |r: &Report| r.partial.as_ref().map(|p| p.settings.clone());
    let (x, y) = (
        settings(first).unwrap_or_default(),
        settings(report).unwrap_or_default(),
    );
    let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
    for key in keys {
        let (vx, vy) = (x.get(key), y.get(key));
        if vx != vy {
            let show = |v: Option<&String>| v.map_or("none".to_string(), |v| v.clone());
            return differs(key, show(vx), show(vy));
        }
    }
    Ok(())
}

/// Costs are summed at whatever scale the parts wrote them; the renderers
/// show every amount at the display scale, so the merged report reads like
/// the whole log's.
fn zero() -> Decimal {
    Decimal::ZERO
}

fn combine<'r>(reports: impl Iterator<Item = &'r Report> + Clone) -> Report {
    let first = reports.clone().next().expect("at least one report");
    let mut sums = Sums::default();
    for r in reports {
        sums.add(r);
    }
    sums.report(first)
}

/// What the parts add up to, part after part.
#[derive(Default)]
struct Sums {
    groups: BTreeMap<Vec<String>, Line>,
    accounting: Accounting,
    notes: BTreeSet<String>,
    agent_estimate: Option<(u64, u64)>,
    headroom: Option<Decimal>,
    tiers: TierCounts,
    input_formats: Vec<String>,
    models: BTreeSet<String>,
    sources: BTreeSet<String>,
    inputs: Vec<String>,
    businesses: BTreeSet<String>,
    tier_portfolios: BTreeSet<String>,
    provider_charges: Vec<ProviderChargeLine>,
}

impl Sums {
    fn add(&mut self, r: &Report) {
        for line in &r.provider_charges {
            ProviderChargeLine::add_to(&mut self.provider_charges, line);
        }
        for row in &r.rows {
            match self.groups.get_mut(&row.keys) {
                Some(line) => line.add(&row.line),
                None => {
                    self.groups.insert(row.keys.clone(), row.line.clone());
                }
            }
        }
        add_accounting(&mut self.accounting, &r.accounting);
        self.add_notes(r);
        if let Some(upper) = r.meta.upper_bound {
            *self.headroom.get_or_insert_with(zero) += upper - r.totals.cost;
        }
        self.models.extend(r.meta.models_used.iter().cloned());
        self.sources.extend(r.meta.rate_sources.iter().cloned());
        // A file (or standard input) read by several parts is listed once.
        for (all, of_part) in [
            (&mut self.input_formats, &r.meta.input_formats),
            (&mut self.inputs, &r.meta.inputs),
        ] {
            for f in of_part {
                if !all.contains(f) {
                    all.push(f.clone());
                }
            }
        }
        if let Some(p) = &r.partial {
            self.businesses.extend(p.businesses.iter().cloned());
            self.tier_portfolios
                .extend(p.tier_portfolios.iter().cloned());
        }
    }

    /// The part's own notes; the estimate and tier notes count messages,
    /// so they are rebuilt from the sums (`report`).
    fn add_notes(&mut self, r: &Report) {
        let estimate = r.partial.as_ref().and_then(|p| p.agent_estimate);
        let part_tiers = r
            .partial
            .as_ref()
            .map(|p| p.tiers.clone())
            .unwrap_or_default();
        let counted = usize::from(estimate.is_some()) + part_tiers.notes(&r.meta.currency).len();
        let own_notes = r.meta.notes.len().saturating_sub(counted);
        self.tiers.add(&part_tiers);
        self.notes
            .extend(r.meta.notes.iter().take(own_notes).cloned());
        if let Some((n, tokens)) = estimate {
            self.agent_estimate.get_or_insert((0, tokens)).0 += n;
        }
    }

    /// The merged report, with the settings of the `first` part.
    fn report(self, first: &Report) -> Report {
        // As in the aggregator: every line shows conversations, or none does.
        let counts_conversations = self.accounting.conversations.is_some();
        let mut totals = Line {
            cost: zero(),
            conversations: counts_conversations.then_some(0),
            ..Line::default()
        };
        let rows = self
            .groups
            .into_iter()
            .map(|(keys, mut line)| {
                if counts_conversations {
                    line.conversations.get_or_insert(0);
                }
                totals.add(&line);
                Row { keys, line }
            })
            .collect();
        let agent_estimate = self.agent_estimate;
        Report {
            meta: Meta {
                format_version: first.meta.format_version,
                model: first.meta.model.clone(),
                models_used: self.models.into_iter().collect(),
                currency: first.meta.currency.clone(),
                time_zone: first.meta.time_zone.clone(),
                group_by: first.meta.group_by.clone(),
                rate_sources: self.sources.into_iter().collect(),
                inputs: self.inputs,
                input_formats: self.input_formats,
                notes: self
                    .notes
                    .into_iter()
                    .chain(agent_estimate.map(|(n, tokens)| agent_estimate_note(n, tokens)))
                    .chain(self.tiers.notes(&first.meta.currency))
                    .collect(),
                upper_bound: self.headroom.map(|h| totals.cost + h),
                config: first.meta.config.clone(),
                // Period and all-in reports have no `partial`: never merged.
                period: None,
                all_in: None,
                budget: None,
                group_budgets: Vec::new(),
            },
            rows,
            totals,
            accounting: self.accounting,
            provider_charges: self.provider_charges,
            partial: Some(Partial {
                version: PARTIAL_VERSION,
                settings: first
                    .partial
                    .as_ref()
                    .map(|p| p.settings.clone())
                    .unwrap_or_default(),
                businesses: self.businesses.into_iter().collect(),
                tier_portfolios: self.tier_portfolios.into_iter().collect(),
                agent_estimate,
                tiers: self.tiers,
            }),
            // Charts need the messages; a merged report has only their sums.
            spend: None,
        }
    }
}

fn add_accounting(a: &mut Accounting, b: &Accounting) {
    a.rows_read += b.rows_read;
    for (key, n) in &b.unwrapped {
        *a.unwrapped.entry(key.clone()).or_default() += n;
    }
    a.merged += b.merged;
    a.calls += b.calls;
    a.not_whatsapp += b.not_whatsapp;
    a.outside_period += b.outside_period;
    a.stale_rates += b.stale_rates;
    a.rejected += b.rejected;
    a.inbound += b.inbound;
    a.outbound += b.outbound;
    a.charged += b.charged;
    a.free += b.free;
    for (reason, n) in &b.free_by_reason {
        *a.free_by_reason.entry(reason.clone()).or_default() += n;
    }
    a.not_delivered += b.not_delivered;
    a.unpriced += b.unpriced;
    if let Some(bc) = &b.conversations {
        let ac: &mut ConversationAccounting = a.conversations.get_or_insert_with(Default::default);
        ac.opened += bc.opened;
        ac.charged += bc.charged;
        ac.free += bc.free;
        ac.unpriced += bc.unpriced;
        for (kind, n) in &bc.by_type {
            *ac.by_type.entry(kind.clone()).or_default() += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(business: &str, keys: &[&str], cost: Decimal, conversations: bool) -> Report {
        let line = Line {
            messages: 2,
            charged: 1,
            free: 1,
            not_delivered: 0,
            unpriced: 0,
            cost,
            conversations: conversations.then_some(1),
            all_in: None,
        };
        let accounting = Accounting {
            rows_read: 2,
            outbound: 2,
            charged: 1,
            free: 1,
            free_by_reason: BTreeMap::from([("free_customer_service".to_string(), 1)]),
            conversations: conversations.then(|| ConversationAccounting {
                opened: 1,
                charged: 1,
                by_type: BTreeMap::from([("marketing".to_string(), 1)]),
                ..Default::default()
            }),
            ..Default::default()
        };
        Report {
            meta: Meta {
                model: "auto".into(),
                models_used: vec![business.into()],
                currency: "USD".into(),
                time_zone: "UTC".into(),
                group_by: vec!["market".into()],
                inputs: vec!["<stdin>".into()],
                input_formats: vec!["csv".into()],
                ..Meta::default()
            },
            rows: vec![Row {
                keys: keys.iter().map(|k| k.to_string()).collect(),
                line: line.clone(),
            }],
            totals: line,
            accounting,
            provider_charges: vec![],
            partial: Some(Partial {
                version: PARTIAL_VERSION,
                settings: BTreeMap::from([("tz".to_string(), "UTC".to_string())]),
                businesses: vec![business.into()],
                tier_portfolios: vec![],
                agent_estimate: None,
                tiers: TierCounts::default(),
            }),
            spend: None,
        }
    }

    /// The 2026 lines' notes, estimate and upper bound merge to what the
    /// whole log gives: notes united, estimates summed, bounds kept exact.
    #[test]
    fn notes_estimates_and_upper_bounds_merge_exactly() {
        let mut a = report("1", &["Brazil"], Decimal::new(625, 4), false);
        let mut b = report("2", &["India"], Decimal::new(1, 2), false);
        a.meta.notes = vec!["inferred".into(), agent_estimate_note(1, 20_000)];
        a.partial.as_mut().unwrap().agent_estimate = Some((1, 20_000));
        a.meta.upper_bound = Some(Decimal::new(700, 4));
        b.meta.notes = vec!["cost reported".into(), agent_estimate_note(2, 20_000)];
        b.partial.as_mut().unwrap().agent_estimate = Some((2, 20_000));
        b.accounting.calls = 2;
        b.accounting.rows_read += 2;
        let merged = merge(&[("a".into(), a), ("b".into(), b)]).unwrap();
        assert_eq!(
            merged.meta.notes,
            vec![
                "cost reported".to_string(),
                "inferred".to_string(),
                agent_estimate_note(3, 20_000)
            ]
        );
        // 0.0625 + 0.01 = 0.0725 in cost, and a's 0.0075 of headroom.
        assert_eq!(merged.meta.upper_bound, Some(Decimal::new(800, 4)));
        assert_eq!(merged.accounting.calls, 2);
        assert!(merged.accounting.balances());
    }

    #[test]
    fn rows_sum_by_key_and_conversations_show_everywhere_once_any_part_has_them() {
        let a = report("1", &["Brazil"], Decimal::new(625, 4), true);
        let b = report("2", &["Brazil"], Decimal::new(1, 2), false);
        let c = report("3", &["India"], Decimal::new(0, 4), false);
        let merged = merge(&[("a".into(), a), ("b".into(), b), ("c".into(), c)]).unwrap();
        assert_eq!(merged.rows.len(), 2);
        assert_eq!(merged.rows[0].line.cost.to_string(), "0.0725");
        assert_eq!(merged.rows[0].line.conversations, Some(1));
        assert_eq!(merged.rows[1].line.conversations, Some(0));
        assert_eq!(merged.totals.cost.to_string(), "0.0725");
        assert_eq!(merged.totals.messages, 6);
        assert!(merged.accounting.balances());
        assert_eq!(merged.accounting.free_by_reason["free_customer_service"], 3);
        assert_eq!(merged.meta.inputs, vec!["<stdin>".to_string()]);
        assert_eq!(merged.meta.models_used, vec!["1", "2", "3"]);
        assert_eq!(
            merged.partial.unwrap().businesses,
            vec!["1".to_string(), "2".into(), "3".into()]
        );
    }

    /// The report as `--format json` writes it.
    fn json(report: &Report) -> String {
        let mut out = Vec::new();
        crate::render::write(
            report,
            crate::render::Format::Json,
            Default::default(),
            &mut out,
        )
        .unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Amounts at their natural scale (2 and 6 places) go through JSON at
    /// the display scale, read back at any scale, and merge to the sum; the
    /// rows of each format add up to the total.
    #[test]
    fn amounts_at_any_scale_round_trip_through_json_and_sum_to_the_total() {
        let a = report("1", &["Brazil"], Decimal::new(1, 2), false);
        let b = report("2", &["India"], Decimal::new(21750, 6), false);
        let parts: Vec<(String, Report)> = [("a", a), ("b", b)]
            .into_iter()
            .map(|(name, r)| {
                let json = json(&r);
                (name.to_string(), serde_json::from_str(&json).unwrap())
            })
            .collect();
        assert_eq!(parts[0].1.totals.cost, Decimal::new(1, 2));
        assert_eq!(parts[1].1.totals.cost.to_string(), "0.02175");
        let merged = merge(&parts).unwrap();
        let sum: Decimal = merged.rows.iter().map(|r| r.line.cost).sum();
        assert_eq!(sum, merged.totals.cost);
        assert_eq!(merged.totals.cost, Decimal::new(3175, 5));
        let json: serde_json::Value = serde_json::from_str(&json(&merged)).unwrap();
        assert_eq!(json["rows"][0]["cost"], "0.0100");
        assert_eq!(json["rows"][1]["cost"], "0.02175");
        assert_eq!(json["totals"]["cost"], "0.03175");
        let mut csv = Vec::new();
        crate::render::write(
            &merged,
            crate::render::Format::Csv,
            Default::default(),
            &mut csv,
        )
        .unwrap();
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.contains("Brazil,2,1,1,0,0.0100,USD\n"), "{csv}");
        assert!(csv.contains("India,2,1,1,0,0.02175,USD\n"), "{csv}");
        assert!(csv.contains("total,4,2,2,0,0.03175,USD\n"), "{csv}");
        let mut table = Vec::new();
        crate::render::write(
            &merged,
            crate::render::Format::Table,
            Default::default(),
            &mut table,
        )
        .unwrap();
        let table = String::from_utf8(table).unwrap();
        assert!(
            table.contains(" 0.0100 ") && table.contains(" 0.03175 "),
            "{table}"
        );
    }

    #[test]
    fn a_setting_missing_from_one_part_is_a_difference() {
        let a = report("1", &["Brazil"], Decimal::new(625, 4), false);
        let mut b = report("2", &["Brazil"], Decimal::new(625, 4), false);
        b.partial.as_mut().unwrap().settings.clear();
        let e = merge(&[("a".into(), a), ("b".into(), b)]).unwrap_err();
        assert!(e.0.contains("different tz (UTC and none)"), "{e}");
    }
}
