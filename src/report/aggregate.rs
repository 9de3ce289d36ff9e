//! Folding priced messages into report lines and the accounting.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use rustc_hash::FxHashMap;

use super::{Accounting, GroupBy, Line, Meta, Report, Row};
use crate::model::{Direction, Message};
use crate::pricing::{Priced, PricingType, Unpriced};
use crate::refdata::markets::MarketTable;
use crate::validate::{LogStats, Strings};

/// Costs start at four decimal places so that an all-free group prints like
/// the others (`0.0000`); sums of card rates are exact and never rounded.
fn zero() -> Decimal {
    Decimal::new(0, 4)
}

pub struct Aggregator<'a> {
    group_by: Vec<GroupBy>,
    markets: &'a MarketTable,
    groups: FxHashMap<Vec<u64>, (Vec<String>, Line)>,
    key: Vec<u64>,
    accounting: Accounting,
    models: BTreeSet<String>,
    rate_sources: BTreeSet<String>,
}

impl<'a> Aggregator<'a> {
    pub fn new(group_by: Vec<GroupBy>, markets: &'a MarketTable) -> Self {
        Aggregator {
            group_by,
            markets,
            groups: FxHashMap::default(),
            key: Vec::new(),
            accounting: Accounting::default(),
            models: BTreeSet::new(),
            rate_sources: BTreeSet::new(),
        }
    }

    /// Forgets every message counted so far (a pass starting over).
    pub fn restart(&mut self) {
        *self = Aggregator::new(std::mem::take(&mut self.group_by), self.markets);
    }

    /// Counts one priced message; `strings` names its business for labels.
    pub fn add(&mut self, m: &Message, result: &Result<Priced<'_>, Unpriced>, strings: &Strings) {
        let acc = &mut self.accounting;
        if m.direction == Direction::In {
            acc.inbound += 1;
            return;
        }
        acc.outbound += 1;
        let p = match result {
            Ok(p) => p,
            Err(e) => {
                acc.unpriced += 1;
                if let Some(r) = e.conversation().filter(|r| r.opened) {
                    let c = acc.conversations.get_or_insert_with(Default::default);
                    c.opened += 1;
                    c.unpriced += 1;
                    *c.by_type
                        .entry(r.conversation.kind.to_string())
                        .or_default() += 1;
                }
                return;
            }
        };
        let mut line = Line {
            messages: 1,
            cost: zero(),
            ..Line::default()
        };
        match p.pricing_type {
            PricingType::Regular => {
                acc.charged += 1;
                line.charged = 1;
                line.cost += p.cost;
            }
            PricingType::NotDelivered => {
                acc.not_delivered += 1;
                line.not_delivered = 1;
            }
            t => {
                acc.free += 1;
                match acc.free_by_reason.get_mut(t.as_str()) {
                    Some(n) => *n += 1,
                    None => {
                        acc.free_by_reason.insert(t.to_string(), 1);
                    }
                }
                line.free = 1;
            }
        }
        if p.model.is_some_and(|m| m.is_conversation()) || p.conversation.is_some() {
            let opened = p.conversation.filter(|c| c.opened);
            line.conversations = Some(u64::from(opened.is_some()));
            let c = acc.conversations.get_or_insert_with(Default::default);
            if let Some(r) = opened {
                c.opened += 1;
                if p.pricing_type == PricingType::Regular {
                    c.charged += 1;
                } else {
                    c.free += 1;
                }
                *c.by_type
                    .entry(r.conversation.kind.to_string())
                    .or_default() += 1;
            }
        }
        if let Some(model) = p.model
            && !self.models.contains(model.name())
        {
            self.models.insert(model.name().to_string());
        }
        if let Some(source) = p.rate_source
            && !self.rate_sources.contains(source)
        {
            self.rate_sources.insert(source.to_string());
        }
        self.key.clear();
        self.key.extend(self.group_by.iter().map(|g| g.part(m, p)));
        match self.groups.get_mut(&self.key) {
            Some((_, total)) => total.add(&line),
            None => {
                let labels = self
                    .group_by
                    .iter()
                    .map(|g| g.label(m, p, self.markets, strings))
                    .collect();
                self.groups.insert(self.key.clone(), (labels, line));
            }
        }
    }

    pub fn finish(self, stats: &LogStats, meta: MetaInput) -> Report {
        let mut accounting = self.accounting;
        accounting.rows_read = stats.rows_read;
        accounting.rejected = stats.rejected;
        accounting.merged = stats.merged;
        // Rows sort by their text, so the order never depends on input order.
        let sorted: BTreeMap<Vec<String>, Line> = self.groups.into_values().collect();
        // Every line shows conversations, or none does.
        let counts_conversations = accounting.conversations.is_some();
        let mut totals = Line {
            cost: zero(),
            conversations: counts_conversations.then_some(0),
            ..Line::default()
        };
        let rows: Vec<Row> = sorted
            .into_iter()
            .map(|(keys, mut line)| {
                if counts_conversations {
                    line.conversations.get_or_insert(0);
                }
                totals.add(&line);
                Row { keys, line }
            })
            .collect();
        Report {
            meta: Meta {
                format_version: super::FORMAT_VERSION,
                model: meta.model,
                models_used: self.models.into_iter().collect(),
                currency: meta.currency,
                time_zone: meta.time_zone,
                group_by: self.group_by.iter().map(|g| g.name().to_string()).collect(),
                rate_sources: self.rate_sources.into_iter().collect(),
                inputs: meta.inputs,
                config: None,
            },
            rows,
            totals,
            accounting,
        }
    }
}

/// The parts of `Meta` that come from the run's settings.
pub struct MetaInput {
    pub model: String,
    pub currency: String,
    pub time_zone: String,
    pub inputs: Vec<String>,
}
