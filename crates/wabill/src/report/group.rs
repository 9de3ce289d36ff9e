//! `--by`: the keys a report is grouped by.

use std::fmt;
use std::str::FromStr;

use crate::model::Message;
use crate::pricing::Priced;
use crate::refdata::markets::{MarketTable, country_str};
use crate::validate::Strings;
use crate::validate::tags::NONE_LABEL;

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
    /// The template name (a `template` column, a provider's template
    /// field); `(none)` for a message without one.
    Template,
    /// ISO week (`2026-W06`), quarter (`2026-Q1`) and year of the local
    /// date, in the business's zone like `month` and `day`.
    Week,
    Quarter,
    Year,
    /// `column:NAME`: a tag, a column of the log wabill does not interpret
    /// (the text is the whole `column:NAME`, made once per run).
    Column(&'static str),
}

/// The prefix of a `--by` key naming a log column.
pub const COLUMN_PREFIX: &str = "column:";

impl GroupBy {
    /// The built-in keys (besides `column:NAME`).
    pub const ALL: [GroupBy; 13] = [
        GroupBy::Market,
        GroupBy::Country,
        GroupBy::Category,
        GroupBy::Month,
        GroupBy::Day,
        GroupBy::Business,
        GroupBy::PricingType,
        GroupBy::ConversationType,
        GroupBy::Group,
        GroupBy::Template,
        GroupBy::Week,
        GroupBy::Quarter,
        GroupBy::Year,
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
            GroupBy::Template => "template",
            GroupBy::Week => "week",
            GroupBy::Quarter => "quarter",
            GroupBy::Year => "year",
            GroupBy::Column(text) => text,
        }
    }

    /// The tag a `column:NAME` key groups by.
    pub fn tag(self) -> Option<&'static str> {
        match self {
            GroupBy::Column(text) => text.strip_prefix(COLUMN_PREFIX),
            _ => None,
        }
    }

    /// The tags these keys group by (the columns to keep while reading).
    pub fn tags(keys: &[GroupBy]) -> Vec<&'static str> {
        keys.iter().filter_map(|k| k.tag()).collect()
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
    pub fn part(self, m: &Message, p: &Priced<'_>, strings: &Strings) -> u64 {
        let date = p.local_date;
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
            GroupBy::Template => m.extras.template().map_or(0, |t| u64::from(t) + 1),
            GroupBy::Week => {
                let w = date.iso_week_date();
                (w.year() as u64) << 8 | w.week() as u64
            }
            GroupBy::Quarter => (date.year() as u64) << 8 | quarter(date) as u64,
            GroupBy::Year => date.year() as u64,
            GroupBy::Column(_) => {
                tag_value(self, m, strings).map_or(0, |(id, _)| u64::from(id) + 1)
            }
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
            GroupBy::Template => m.extras.template().is_none(),
            GroupBy::Column(_) => tag_value(self, m, strings).is_none(),
            GroupBy::Market
            | GroupBy::Month
            | GroupBy::Day
            | GroupBy::PricingType
            | GroupBy::Week
            | GroupBy::Quarter
            | GroupBy::Year => false,
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
            GroupBy::Template => m
                .extras
                .template()
                .map_or(NONE_LABEL.into(), |t| strings.templates.get(t).to_string()),
            GroupBy::Week => {
                let w = p.local_date.iso_week_date();
                format!("{:04}-W{:02}", w.year(), w.week())
            }
            GroupBy::Quarter => format!("{:04}-Q{}", p.local_date.year(), quarter(p.local_date)),
            GroupBy::Year => format!("{:04}", p.local_date.year()),
            GroupBy::Column(_) => {
                tag_value(self, m, strings).map_or(NONE_LABEL.into(), |(_, v)| v.to_string())
            }
        }
    }
}

fn quarter(date: jiff::civil::Date) -> i8 {
    (date.month() - 1) / 3 + 1
}

/// A `column:NAME` key's value for the message: its id and text.
fn tag_value<'s>(key: GroupBy, m: &Message, strings: &'s Strings) -> Option<(u32, &'s str)> {
    let name = strings.tags.find(key.tag()?)?;
    Some((
        strings.tags.value_id(m.tags, name)?,
        strings.tags.value(m.tags, name)?,
    ))
}

/// A `--by` key that is not one of `GroupBy::ALL` nor `column:NAME`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown group {key:?} (expected {}, or column:NAME for a column of the log)", GroupBy::ALL.map(GroupBy::name).join(", "))]
pub struct UnknownGroup {
    pub key: String,
}

impl FromStr for GroupBy {
    type Err = UnknownGroup;

    fn from_str(s: &str) -> Result<Self, UnknownGroup> {
        if let Some(name) = s.strip_prefix(COLUMN_PREFIX) {
            let name = name.trim().to_ascii_lowercase();
            if name.is_empty() || name.contains(',') {
                return Err(UnknownGroup { key: s.to_string() });
            }
            // Leaked once per key and run (a handful of bytes), so that a
            // key stays `Copy` like the built-in ones.
            let text: &'static str = Box::leak(format!("{COLUMN_PREFIX}{name}").into_boxed_str());
            return Ok(GroupBy::Column(text));
        }
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
