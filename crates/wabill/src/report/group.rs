//! `--by`: the keys a report is grouped by.

use std::fmt;
use std::str::FromStr;

use crate::model::Message;
use crate::pricing::Priced;
use crate::refdata::markets::{MarketTable, country_str};
use crate::validate::Strings;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GroupBy {
    Market,
    Country,
    Category,
    Month,
    Day,
    Business,
    PricingType,
    /// The type of the conversation a message opened or joined.
    ConversationType,
    /// The group of a group message (`-` for 1:1 messages).
    Group,
}

impl GroupBy {
    pub const ALL: [GroupBy; 9] = [
        GroupBy::Market,
        GroupBy::Country,
        GroupBy::Category,
        GroupBy::Month,
        GroupBy::Day,
        GroupBy::Business,
        GroupBy::PricingType,
        GroupBy::ConversationType,
        GroupBy::Group,
    ];

    pub fn name(self) -> &'static str {
        match self {
            GroupBy::Market => "market",
            GroupBy::Country => "country",
            GroupBy::Category => "category",
            GroupBy::Month => "month",
            GroupBy::Day => "day",
            GroupBy::Business => "business",
            GroupBy::PricingType => "pricing_type",
            GroupBy::ConversationType => "conversation_type",
            GroupBy::Group => "group",
        }
    }

    /// Parses a comma-separated list such as `market,category`.
    pub fn parse_list(s: &str) -> Result<Vec<GroupBy>, UnknownGroup> {
        let mut keys = Vec::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let key: GroupBy = part.parse()?;
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    /// A compact, order-free key part; resolved to text once per group.
    pub fn part(self, m: &Message, p: &Priced<'_>) -> u64 {
        match self {
            GroupBy::Market => u64::from(p.market),
            GroupBy::Country => p.country.map_or(0, |c| u64::from(u16::from_be_bytes(c))),
            GroupBy::Category => m.category.map_or(0, |c| c as u64 + 1),
            GroupBy::Month => (p.local_date.year() as u64) << 8 | p.local_date.month() as u64,
            GroupBy::Day => {
                (p.local_date.year() as u64) << 16
                    | (p.local_date.month() as u64) << 8
                    | p.local_date.day() as u64
            }
            GroupBy::Business => u64::from(m.business),
            GroupBy::PricingType => p.pricing_type as u64,
            GroupBy::ConversationType => {
                p.conversation.map_or(0, |c| c.conversation.kind as u64 + 1)
            }
            GroupBy::Group => m.extras.group().map_or(0, |g| u64::from(g) + 1),
        }
    }

    /// Whether the message has no value for this key, so its label is a
    /// placeholder (`default`, `-`, `unknown`) that a real value may also
    /// spell: a business literally named `default` is another group than
    /// the messages without a business.
    pub fn absent(self, m: &Message, p: &Priced<'_>, strings: &Strings) -> bool {
        match self {
            GroupBy::Country => p.country.is_none(),
            GroupBy::Category => m.category.is_none(),
            GroupBy::Business => strings.businesses.get(m.business).is_empty(),
            GroupBy::ConversationType => p.conversation.is_none(),
            GroupBy::Group => m.extras.group().is_none(),
            GroupBy::Market | GroupBy::Month | GroupBy::Day | GroupBy::PricingType => false,
        }
    }

    /// The text of a key part, for any message of its group.
    pub fn label(
        self,
        m: &Message,
        p: &Priced<'_>,
        markets: &MarketTable,
        strings: &Strings,
    ) -> String {
        match self {
            GroupBy::Market => markets.name(p.market).to_string(),
            GroupBy::Country => p
                .country
                .as_ref()
                .map_or("unknown".into(), |c| country_str(c).to_string()),
            GroupBy::Category => m.category.map_or("-".into(), |c| c.to_string()),
            GroupBy::Month => p.local_date.strftime("%Y-%m").to_string(),
            GroupBy::Day => p.local_date.to_string(),
            GroupBy::Business => match strings.businesses.get(m.business) {
                "" => "default".to_string(),
                b => b.to_string(),
            },
            GroupBy::PricingType => p.pricing_type.to_string(),
            GroupBy::ConversationType => p
                .conversation
                .map_or("-".into(), |c| c.conversation.kind.to_string()),
            GroupBy::Group => m
                .extras
                .group()
                .map_or("-".into(), |g| strings.groups.get(g).to_string()),
        }
    }
}

/// A `--by` key that is not one of `GroupBy::ALL`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown group {key:?} (expected {})", GroupBy::ALL.map(GroupBy::name).join(", "))]
pub struct UnknownGroup {
    pub key: String,
}

impl FromStr for GroupBy {
    type Err = UnknownGroup;

    fn from_str(s: &str) -> Result<Self, UnknownGroup> {
        GroupBy::ALL
            .into_iter()
            .find(|g| {
                g.name() == s
                    || (s == "type" && *g == GroupBy::PricingType)
                    || (s == "conversation" && *g == GroupBy::ConversationType)
            })
            .ok_or_else(|| UnknownGroup { key: s.to_string() })
    }
}

impl fmt::Display for GroupBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
