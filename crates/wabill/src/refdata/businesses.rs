//! Per-business settings: time zone (for month boundaries and rate
//! switches), portfolio (volume tiers are counted per portfolio) and home
//! country (for authentication-international rates).

use std::collections::HashMap;

use jiff::tz::TimeZone;
use serde::Deserialize;

use super::csvfile::{RefDataError, read_rows};
use super::markets::{Country, parse_country};

#[derive(Clone, Debug)]
pub struct Business {
    pub time_zone: TimeZone,
    pub zone_name: String,
    pub portfolio: String,
    pub home_country: Option<Country>,
    /// An "AI Provider" under Meta's 2026 terms: its non-template messages
    /// to some markets are charged (`general_purpose_ai`).
    pub ai_provider: bool,
    /// An eligible government or non-profit business: its service messages
    /// past the 1,000 free are free too until 2027-12-31 (Meta's
    /// `pricing.subtype: "paid_exempt"`).
    pub exempt: bool,
}

#[derive(Deserialize)]
struct RawBusiness {
    business: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    portfolio: String,
    #[serde(default)]
    home_country: String,
    #[serde(default)]
    ai_provider: String,
    #[serde(default)]
    exempt: String,
}

/// A time zone name that is not in the IANA database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a known IANA time zone (e.g. Asia/Kolkata)")]
pub struct UnknownZone(pub String);

pub fn parse_zone(name: &str) -> Result<TimeZone, UnknownZone> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("utc") || name == "Z" {
        return Ok(TimeZone::UTC);
    }
    TimeZone::get(name).map_err(|_| UnknownZone(name.to_string()))
}

#[derive(Debug, Default)]
pub struct Businesses {
    by_key: HashMap<String, Business>,
}

/// Business numbers are matched like customer numbers: ignoring `+`,
/// spaces and dashes, so `+55 11 4000-0000` and `551140000000` agree.
pub fn business_key(s: &str) -> String {
    let t = s.trim();
    let digits: String = t
        .chars()
        .filter(|c| !matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'))
        .collect();
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        digits
    } else {
        t.to_string()
    }
}

impl Businesses {
    /// Who owns a business's volume tier counts: `portfolio:NAME`, or
    /// `business:NUMBER` for a business without a portfolio (its own).
    pub fn tier_owner(&self, business: &str) -> String {
        match self.get(business).filter(|b| !b.portfolio.is_empty()) {
            Some(b) => format!("portfolio:{}", b.portfolio),
            None => format!("business:{}", business_key(business)),
        }
    }

    pub fn parse(
        name: &str,
        text: &str,
        default_zone: &(TimeZone, String),
    ) -> Result<Self, RefDataError> {
        let mut by_key = HashMap::new();
        for (line, raw) in read_rows::<RawBusiness>(name, text)? {
            let err = |m: String| RefDataError::new(name, line, m);
            let (time_zone, zone_name) = if raw.timezone.trim().is_empty() {
                default_zone.clone()
            } else {
                (
                    parse_zone(&raw.timezone).map_err(|e| err(e.to_string()))?,
                    raw.timezone.trim().to_string(),
                )
            };
            let home_country = match raw.home_country.trim() {
                "" => None,
                s => Some(
                    parse_country(s)
                        .ok_or_else(|| err(format!("home_country {s:?} is not ISO alpha-2")))?,
                ),
            };
            let ai_provider = match raw.ai_provider.trim().to_ascii_lowercase().as_str() {
                "" | "no" | "false" | "0" | "n" => false,
                "yes" | "true" | "1" | "y" | "ai_provider" => true,
                other => return Err(err(format!("ai_provider {other:?} is not yes or no"))),
            };
            let exempt = match raw.exempt.trim().to_ascii_lowercase().as_str() {
                "" | "no" | "false" | "0" | "n" => false,
                "yes" | "true" | "1" | "y" | "paid_exempt" | "government" | "non_profit"
                | "nonprofit" => true,
                other => return Err(err(format!("exempt {other:?} is not yes or no"))),
            };
            let portfolio = match raw.portfolio.trim() {
                // No portfolio: the business is its own (see `Pricer`).
                "" => String::new(),
                p => p.to_string(),
            };
            let key = business_key(&raw.business);
            if key.is_empty() {
                return Err(err("business is empty".into()));
            }
            by_key.insert(
                key,
                Business {
                    time_zone,
                    zone_name,
                    portfolio,
                    home_country,
                    ai_provider,
                    exempt,
                },
            );
        }
        Ok(Businesses { by_key })
    }

    pub fn get(&self, business: &str) -> Option<&Business> {
        self.by_key.get(&business_key(business))
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}
