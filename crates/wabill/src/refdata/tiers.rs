//! Volume tiers: utility and authentication rates that fall with the
//! month's charged volume per portfolio × market × category. Pricing is
//! marginal: the n-th charged message of the month pays the rate of the band
//! that contains n (docs/pricing-rules.md §5). Meta's table effective
//! 2026-04-01 is built in; `--tiers FILE` replaces it (wabill's CSV shape or
//! Meta's downloadable file), `--no-tiers` turns tiers off.

use std::collections::HashMap;

use jiff::civil::Date;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::csvfile::{RefDataError, column_of, parse_date, parse_rate, read_table};
use super::markets::{MarketId, MarketTable};
use super::rates::Currency;
use crate::model::RateCategory;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Band {
    /// First message number of the band (1-based; 0 is read as 1).
    pub from: u64,
    /// Last message number, inclusive; `None` = no upper bound.
    pub to: Option<u64>,
    pub rate: Decimal,
    /// 1-based position of the band in its table.
    pub index: u8,
    /// Where a rate from this band came from, e.g.
    /// `tiers-2026-04-01-usd.csv (USD 2026-04-01) band 2`.
    pub label: String,
}

/// The bands of one market × category as of one date.
#[derive(Debug)]
pub struct TierVersion {
    pub from: Option<Date>,
    pub bands: Vec<Band>,
}

/// A tier table with a gap: no band holds the month's `message`-th message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoBand {
    pub message: u64,
}

impl std::fmt::Display for NoBand {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no tier band contains message number {}", self.message)
    }
}

impl TierVersion {
    /// The first band's rate: Meta's list rate when the table was published.
    pub fn list_rate(&self) -> Option<Decimal> {
        self.bands.first().map(|b| b.rate)
    }

    /// The band containing the `n`-th charged message of the month.
    pub fn band(&self, n: u64) -> Result<&Band, NoBand> {
        self.bands
            .iter()
            .find(|b| b.from <= n && b.to.is_none_or(|t| n <= t))
            .ok_or(NoBand { message: n })
    }

    /// Marginal pricing in bulk: splits messages `first ..= first + count - 1`
    /// of the month (1-based) into runs, one per band they fall in.
    pub fn split(&self, first: u64, count: u64) -> Result<Vec<(u64, &Band)>, NoBand> {
        let mut runs = Vec::new();
        let (mut n, mut left) = (first.max(1), count);
        while left > 0 {
            let band = self.band(n)?;
            let run = band
                .to
                .map_or(left, |to| (to - n).saturating_add(1).min(left));
            runs.push((run, band));
            n = n.saturating_add(run);
            left -= run;
        }
        Ok(runs)
    }
}

#[derive(Debug, Default)]
pub struct TierTable {
    cells: HashMap<(Currency, MarketId, RateCategory), Vec<TierVersion>>,
    /// `--no-tiers`: list rates everywhere.
    off: bool,
    /// The first date any version applies (for the report's note).
    pub starts: Option<Date>,
    /// A table the user gave (`--tiers`): it applies as given, even where
    /// its first band is not the list rate (a negotiated table).
    pub as_given: bool,
}

#[derive(Deserialize)]
struct RawTier {
    market: String,
    category: String,
    from: String,
    #[serde(default)]
    to: String,
    rate: String,
    currency: String,
    #[serde(default)]
    effective_from: String,
}

impl TierTable {
    /// Meta's tier table built into the binary (`data/cards/tiers-*.csv`).
    pub fn builtin(markets: &mut MarketTable) -> Self {
        let mut table = TierTable::default();
        for (name, text) in super::builtin::TIERS {
            table
                .add(name, text, markets)
                .expect("the built-in tier tables are valid");
        }
        table
    }

    /// No tiers at all (`--no-tiers`).
    pub fn off() -> Self {
        TierTable {
            off: true,
            ..TierTable::default()
        }
    }

    pub fn is_off(&self) -> bool {
        self.off
    }

    /// Reads a tier file: wabill's CSV
    /// (`market,category,from,to,rate,currency,effective_from`) or Meta's
    /// downloadable volume-tier file as published.
    pub fn parse(name: &str, text: &str, markets: &mut MarketTable) -> Result<Self, RefDataError> {
        let mut table = TierTable::default();
        table.add(name, text, markets)?;
        Ok(table)
    }

    /// Adds the bands of one more file (another date or currency).
    fn add(
        &mut self,
        name: &str,
        text: &str,
        markets: &mut MarketTable,
    ) -> Result<(), RefDataError> {
        let converted = super::metafile::tiers_to_csv(name, text)?;
        let text = converted.as_deref().unwrap_or(text);
        let base = name.trim_start_matches("built-in ");
        let table = self;
        let (headers, rows) = read_table::<RawTier>(name, text)?;
        // Meta's file is converted first: only a CSV of ours has its columns.
        let market_column = column_of(&headers, "market").filter(|_| converted.is_none());
        for (line, raw) in rows {
            let err = |m: String| RefDataError::new(name, line, m);
            let market = markets
                .known(&raw.market)
                .map_err(|e| err(e.to_string()).in_column(market_column))?;
            let category: RateCategory = raw
                .category
                .parse()
                .ok()
                .filter(|c| matches!(c, RateCategory::Of(_)))
                .ok_or_else(|| {
                    err(format!(
                        "category {:?} is not a message category",
                        raw.category
                    ))
                })?;
            let number = |s: &str, what: &str| -> Result<Option<u64>, RefDataError> {
                let s = s.trim().replace(['_', ','], "");
                if s.is_empty() || s == "--" {
                    return Ok(None);
                }
                s.parse::<u64>()
                    .map(Some)
                    .map_err(|_| err(format!("{what} {s:?} is not a whole number")))
            };
            let from = number(&raw.from, "from")?
                .ok_or_else(|| err("from is empty".into()))?
                .max(1);
            let to = number(&raw.to, "to")?;
            if to.is_some_and(|t| t < from) {
                return Err(err(format!("band {from}..{to:?} ends before it starts")));
            }
            let rate: Decimal = parse_rate(&raw.rate).map_err(|e| err(format!("rate {e}")))?;
            let currency = Currency::parse(&raw.currency).ok_or_else(|| {
                err(format!(
                    "currency {:?} is not a 3-letter code",
                    raw.currency
                ))
            })?;
            let effective = parse_date(&raw.effective_from).map_err(|e| err(e.to_string()))?;
            if let Some(d) = effective {
                table.starts = Some(table.starts.map_or(d, |s| s.min(d)));
            }
            let versions = table.cells.entry((currency, market, category)).or_default();
            let version = match versions.iter_mut().find(|v| v.from == effective) {
                Some(v) => v,
                None => {
                    versions.push(TierVersion {
                        from: effective,
                        bands: Vec::new(),
                    });
                    versions.last_mut().expect("just pushed")
                }
            };
            if version
                .bands
                .iter()
                .any(|b| b.from <= to.unwrap_or(u64::MAX) && from <= b.to.unwrap_or(u64::MAX))
            {
                return Err(err(format!(
                    "band starting at {from} overlaps another band"
                )));
            }
            if version.bands.len() >= usize::from(u8::MAX) {
                return Err(err("more than 254 bands".into()));
            }
            version.bands.push(Band {
                from,
                to,
                rate,
                index: 0,
                label: String::new(),
            });
            version.bands.sort_by_key(|b| b.from);
            let date = effective.map_or(String::new(), |d| format!(" {d}"));
            for (i, b) in version.bands.iter_mut().enumerate() {
                b.index = (i + 1) as u8;
                b.label = format!("{base} ({currency}{date}) band {}", i + 1);
            }
            versions.sort_by_key(|v| v.from);
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// The bands in force for this cell on `date`, if a table covers it.
    pub fn version(
        &self,
        currency: Currency,
        market: MarketId,
        category: RateCategory,
        date: Date,
    ) -> Option<&TierVersion> {
        if self.off {
            return None;
        }
        self.cells
            .get(&(currency, market, category))?
            .iter()
            .rev()
            .find(|v| v.from.is_none_or(|f| f <= date))
    }

    /// The band for the `n`-th charged message (1-based) of the month, if a
    /// tier table covers this cell on `date`. `Err` when the table covers the
    /// cell but no band contains `n`.
    pub fn band(
        &self,
        currency: Currency,
        market: MarketId,
        category: RateCategory,
        date: Date,
        n: u64,
    ) -> Result<Option<&Band>, NoBand> {
        match self.version(currency, market, category, date) {
            Some(v) => v.band(n).map(Some),
            None => Ok(None),
        }
    }

    /// Marginal pricing in bulk (see `TierVersion::split`); `None` when no
    /// tier table covers the cell, as for `band`.
    pub fn split(
        &self,
        currency: Currency,
        market: MarketId,
        category: RateCategory,
        date: Date,
        first: u64,
        count: u64,
    ) -> Result<Option<Vec<(u64, &Band)>>, NoBand> {
        match self.version(currency, market, category, date) {
            Some(v) => v.split(first, count).map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Category;
    use jiff::civil::date;
    use rust_decimal_macros::dec;

    const TIERS: &str = "market,category,from,to,rate,currency,effective_from\n\
        India,utility,0,1000,0.0014,USD,2026-01-01\n\
        India,utility,1001,5000,0.0012,USD,2026-01-01\n\
        India,utility,5001,,0.0010,USD,2026-01-01\n";

    #[test]
    fn marginal_bands_at_each_boundary() {
        let mut m = MarketTable::builtin();
        let t = TierTable::parse("t.csv", TIERS, &mut m).unwrap();
        let india = m.id("India").unwrap();
        let cat = RateCategory::Of(Category::Utility);
        let d = date(2026, 2, 1);
        let rate = |n| {
            t.band(Currency::USD, india, cat, d, n)
                .unwrap()
                .unwrap()
                .rate
        };
        assert_eq!(rate(1), dec!(0.0014));
        assert_eq!(rate(1000), dec!(0.0014));
        assert_eq!(rate(1001), dec!(0.0012));
        assert_eq!(rate(5000), dec!(0.0012));
        assert_eq!(rate(5001), dec!(0.0010));
        assert_eq!(rate(u64::MAX), dec!(0.0010));
        // Before the table's effective date the card rate applies.
        assert_eq!(
            t.band(Currency::USD, india, cat, date(2025, 12, 31), 1),
            Ok(None)
        );
    }

    #[test]
    fn bulk_split_is_marginal() {
        let mut m = MarketTable::builtin();
        let t = TierTable::parse("t.csv", TIERS, &mut m).unwrap();
        let india = m.id("India").unwrap();
        let cat = RateCategory::Of(Category::Utility);
        let d = date(2026, 2, 1);
        let runs = |first, count| {
            t.split(Currency::USD, india, cat, d, first, count)
                .unwrap()
                .unwrap()
                .into_iter()
                .map(|(n, b)| (n, b.rate))
                .collect::<Vec<_>>()
        };
        // Messages 901..=6100: 100 in the first band, 4,000 in the second,
        // 1,100 in the open-ended third.
        assert_eq!(
            runs(901, 5200),
            vec![
                (100, dec!(0.0014)),
                (4000, dec!(0.0012)),
                (1100, dec!(0.0010))
            ]
        );
        assert_eq!(runs(1000, 1), vec![(1, dec!(0.0014))]);
        assert_eq!(runs(1001, 1), vec![(1, dec!(0.0012))]);
        assert_eq!(runs(5, 0), vec![]);
        let other = m.id("Brazil").unwrap();
        assert_eq!(t.split(Currency::USD, other, cat, d, 1, 10), Ok(None));
    }

    #[test]
    fn overlapping_bands_are_rejected() {
        let mut m = MarketTable::builtin();
        let bad = format!("{TIERS}India,utility,4000,6000,0.0011,USD,2026-01-01\n");
        let e = TierTable::parse("t.csv", &bad, &mut m).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv:5: band starting at 4000 overlaps another band"
        );
    }

    #[test]
    fn an_unknown_market_or_a_loose_rate_is_an_error() {
        let mut m = MarketTable::builtin();
        let bad = format!("{TIERS}Indai,utility,1,10,0.0011,USD,2026-01-01\n");
        let e = TierTable::parse("t.csv", &bad, &mut m).unwrap_err();
        assert!(
            e.to_string().starts_with("t.csv:5:1: market \"Indai\""),
            "{e}"
        );
        let bad = format!("{TIERS}Brazil,utility,1,10,1e-3,USD,2026-01-01\n");
        let e = TierTable::parse("t.csv", &bad, &mut m).unwrap_err();
        assert!(e.to_string().starts_with("t.csv:5: rate \"1e-3\""), "{e}");
    }
}

#[cfg(test)]
mod meta_file_tests {
    use super::*;

    /// Meta's downloadable file and the CSV drop give the same table.
    #[test]
    fn meta_file_reads_as_the_built_in_table() {
        let mut m = MarketTable::builtin();
        // The April table (the built-in tables of later dates add cells).
        let (name, text) = crate::refdata::builtin::TIERS[0];
        let builtin = TierTable::parse(name, text, &mut m).unwrap();
        let meta = TierTable::parse(
            "USD_volume_tiers-2026-04-01.csv",
            include_str!("../../../../data/examples/meta-files/USD_volume_tiers-2026-04-01.csv"),
            &mut m,
        )
        .unwrap();
        assert_eq!(meta.cells.len(), builtin.cells.len());
        assert_eq!(meta.starts, builtin.starts);
        let bands = |v: &TierVersion| {
            v.bands
                .iter()
                .map(|b| (b.from, b.to, b.rate, b.index))
                .collect::<Vec<_>>()
        };
        for (key, versions) in &builtin.cells {
            let theirs = &meta.cells[key];
            assert_eq!(versions.len(), 1);
            assert_eq!(theirs.len(), 1);
            assert_eq!(versions[0].from, theirs[0].from);
            assert_eq!(bands(&versions[0]), bands(&theirs[0]), "{key:?}");
            assert_eq!(versions[0].bands.len(), 6, "{key:?}");
        }
    }
}
