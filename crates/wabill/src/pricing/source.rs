//! Where a message's rate came from, as a typed value: reports list the
//! labels, `explain` says which kind it was.

use jiff::civil::Date;

use super::lines::META_COST;
use crate::refdata::lines::AGENT_RATE_SOURCE;
use crate::refdata::rates::FoundRate;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RateSource<'t> {
    /// A rate card row: `card` is its label, `from` the date its version
    /// took effect (`None`: an undated row).
    Card {
        card: &'t str,
        from: Option<Date>,
        /// Compiled into wabill rather than a user's `--rates` file.
        builtin: bool,
    },
    /// `--stale-rates`: the cell changed on `since` to a value not
    /// published; the rate is the last known one, `label` says so.
    Stale { label: &'t str, since: Date },
    /// A volume tier band; `label` names the table, version and band.
    TierBand { label: &'t str },
    /// The row's own cost as Meta reported it (Marketing Messages API).
    MetaReported,
    /// The built-in Business Agent rate.
    AgentRate,
}

impl<'t> RateSource<'t> {
    /// The text reports list under "rates".
    pub fn label(self) -> &'t str {
        match self {
            RateSource::Card { card, .. } => card,
            RateSource::Stale { label, .. } => label,
            RateSource::TierBand { label } => label,
            RateSource::MetaReported => META_COST,
            RateSource::AgentRate => AGENT_RATE_SOURCE,
        }
    }

    pub fn stale_since(self) -> Option<Date> {
        match self {
            RateSource::Stale { since, .. } => Some(since),
            _ => None,
        }
    }
}

impl<'t> From<FoundRate<'t>> for RateSource<'t> {
    fn from(found: FoundRate<'t>) -> Self {
        match found.stale_since {
            Some(since) => RateSource::Stale {
                label: found.card,
                since,
            },
            None => RateSource::Card {
                card: found.card,
                from: found.from,
                builtin: found.builtin,
            },
        }
    }
}
