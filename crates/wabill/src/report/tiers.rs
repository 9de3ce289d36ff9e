//! How volume tiers priced a report's charged utility and authentication
//! messages, by market name: the report's tier notes are built from these
//! counts, and partial reports carry them so that `wabill merge` rebuilds
//! the notes of the whole log exactly (the notes hold counts).

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::display::group_digits;

/// (market, category, list rate, first band, list since, table date, messages).
type Suspended = (
    String,
    String,
    Decimal,
    Decimal,
    Option<Date>,
    Option<Date>,
    u64,
);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierCounts {
    /// (market, category, band, rate, messages) priced below the list rate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub below: Vec<(String, String, u8, Decimal, u64)>,
    /// Messages at the list rate because the table is out of date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub suspended: Vec<Suspended>,
    /// Messages dated before the first tier table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<(Date, u64)>,
    /// (market, category, messages) no table covers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncovered: Vec<(String, String, u64)>,
    /// Messages priced at list rate under `--no-tiers`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub off: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Adds `n` to the entry of `key` in a list kept sorted by key.
fn add_to<K: Ord + Clone, V>(
    list: &mut Vec<V>,
    key: impl Fn(&V) -> K,
    item: V,
    n: impl Fn(&mut V, &V),
) {
    match list.binary_search_by(|v| key(v).cmp(&key(&item))) {
        Ok(i) => n(&mut list[i], &item),
        Err(i) => list.insert(i, item),
    }
}

impl TierCounts {
    pub fn is_empty(&self) -> bool {
        *self == TierCounts::default()
    }

    /// Orders every list by its key (market and category names), the
    /// order `add` keeps, so a report and a merge of parts write the same.
    pub fn sort(&mut self) {
        self.below
            .sort_by(|a, b| (&a.0, &a.1, a.2).cmp(&(&b.0, &b.1, b.2)));
        self.suspended.sort_by(|a, b| {
            (&a.0, &a.1, a.2, a.3, a.4, a.5).cmp(&(&b.0, &b.1, b.2, b.3, b.4, b.5))
        });
        self.uncovered
            .sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    }

    /// Adds another part's counts (the counts of both logs together).
    pub fn add(&mut self, other: &TierCounts) {
        for b in &other.below {
            add_to(
                &mut self.below,
                |v| (v.0.clone(), v.1.clone(), v.2),
                b.clone(),
                |a, b| a.4 += b.4,
            );
        }
        for s in &other.suspended {
            add_to(
                &mut self.suspended,
                |v| (v.0.clone(), v.1.clone(), v.2, v.3, v.4, v.5),
                s.clone(),
                |a, b| a.6 += b.6,
            );
        }
        if let Some((d, n)) = other.before {
            let e = self.before.get_or_insert((d, 0));
            e.0 = e.0.min(d);
            e.1 += n;
        }
        for u in &other.uncovered {
            add_to(
                &mut self.uncovered,
                |v| (v.0.clone(), v.1.clone()),
                u.clone(),
                |a, b| a.2 += b.2,
            );
        }
        self.off += other.off;
    }

    /// The report's notes on tiers, in a fixed order.
    pub fn notes(&self, currency: &str) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.below.is_empty() {
            let total: u64 = self.below.iter().map(|b| b.4).sum();
            let mut parts: Vec<(String, String)> = self
                .below
                .iter()
                .map(|(m, c, band, rate, n)| {
                    let name = format!("{m} {c}");
                    let text = format!("{name} band {band} at {rate}: {}", group_digits(*n));
                    (name, text)
                })
                .collect();
            parts.sort();
            let parts: Vec<String> = parts.into_iter().map(|p| p.1).collect();
            notes.push(format!(
                "volume tiers: {} priced below list rate ({}); Meta counts the \
                 portfolio's whole month, so a partial log reaches fewer",
                messages(total),
                parts.join("; ")
            ));
        }
        let mut suspended: Vec<String> = self
            .suspended
            .iter()
            .map(|(m, c, list, first, since, table, n)| {
                let since = since.map_or(String::new(), |d| format!(" since {d}"));
                let table = table.map_or(String::new(), |d| format!(" of {d}"));
                format!(
                    "volume tiers not applied to {m} {c}: its list rate {list} {currency}{since} \
                     differs from the first band {first} of the tier table{table} and no newer \
                     table is known; {} at list rate",
                    messages(*n)
                )
            })
            .collect();
        suspended.sort();
        notes.extend(suspended);
        if let Some((d, n)) = self.before {
            notes.push(format!(
                "volume tiers: no tier table known before {d}; {} of utility or \
                 authentication priced at list rate",
                messages(n)
            ));
        }
        if !self.uncovered.is_empty() {
            let total: u64 = self.uncovered.iter().map(|u| u.2).sum();
            let mut parts: Vec<String> = self
                .uncovered
                .iter()
                .map(|(m, c, n)| format!("{m} {c} ({})", messages(*n)))
                .collect();
            parts.sort();
            notes.push(format!(
                "volume tiers: no {currency} tier table for {}; {} priced at list rate",
                parts.join(", "),
                messages(total)
            ));
        }
        if self.off > 0 {
            notes.push(format!(
                "volume tiers off (--no-tiers): {} of utility or authentication priced at \
                 list rate",
                messages(self.off)
            ));
        }
        notes
    }
}

fn messages(n: u64) -> String {
    crate::display::counted(n, "message")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two parts' counts add up to the counts of the whole log, whatever
    /// the order of the parts.
    #[test]
    fn counts_add_by_key() {
        let a = TierCounts {
            below: vec![("India".into(), "utility".into(), 2, Decimal::new(10, 4), 3)],
            before: Some(("2026-03-01".parse().unwrap(), 2)),
            ..TierCounts::default()
        };
        let b = TierCounts {
            below: vec![
                ("Brazil".into(), "utility".into(), 2, Decimal::new(65, 4), 1),
                ("India".into(), "utility".into(), 2, Decimal::new(10, 4), 4),
            ],
            before: Some(("2026-02-01".parse().unwrap(), 1)),
            off: 0,
            ..TierCounts::default()
        };
        let mut ab = a.clone();
        ab.add(&b);
        let mut ba = b.clone();
        ba.add(&a);
        assert_eq!(ab, ba);
        assert_eq!(ab.below[1].4, 7);
        assert_eq!(ab.before, Some(("2026-02-01".parse().unwrap(), 3)));
        assert_eq!(
            ab.notes("USD")[0],
            "volume tiers: 8 messages priced below list rate (Brazil utility band 2 at 0.0065: 1; \
             India utility band 2 at 0.0010: 7); Meta counts the portfolio's whole month, so a \
             partial log reaches fewer"
        );
    }
}
