//! The numbering plan: which country an E.164 number belongs to.
//!
//! Meta prices by the recipient's country (docs/pricing-rules.md §3), and
//! several countries share a calling code (+1 NANP, +7 Russia/Kazakhstan,
//! +44 UK/Jersey/Guernsey/Isle of Man, +262, +590, +599, +47, +358, +61 …).
//! `data/numbering-plan.csv` (`prefix,country`) is generated from
//! libphonenumber's metadata and tested against it (tests/numbering_plan.rs):
//! one row per calling code naming the code's main country, and, for shared
//! codes, the longer prefixes that belong to another country. The longest
//! matching prefix decides; a number whose prefix matches no row has no
//! country (a non-geographic or unassigned code).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use serde::Deserialize;

use super::csvfile::{RefDataError, read_rows};

/// ISO 3166 alpha-2, upper case.
pub type Country = [u8; 2];

/// Two letters, upper-cased; whether they name a country is not checked.
pub fn parse_alpha2(s: &str) -> Option<Country> {
    let b = s.trim().as_bytes();
    (b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic))
        .then(|| [b[0].to_ascii_uppercase(), b[1].to_ascii_uppercase()])
}

/// The longest prefix the table holds (calling code and national digits).
const MAX_PREFIX: usize = 12;

/// A reference row's dialling prefix (`prefix`, as trimmed from `raw`: 1
/// to `max` digits) and its ISO alpha-2 `country`; `err` names the row.
pub(super) fn prefix_country(
    prefix: &str,
    raw: &str,
    country: &str,
    max: usize,
    err: &dyn Fn(String) -> RefDataError,
) -> Result<Country, RefDataError> {
    if prefix.is_empty() || prefix.len() > max || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(format!("prefix {raw:?} must be 1 to {max} digits")));
    }
    parse_alpha2(country).ok_or_else(|| err(format!("country {country:?} is not ISO alpha-2")))
}

/// ISO 3166-1 alpha-2 codes of places without a numbering plan of their own
/// in libphonenumber (Antarctica, Bouvet Island, South Georgia, Heard and
/// McDonald Islands, Pitcairn, French Southern Territories, US Minor
/// Outlying Islands): valid countries, never the country of a number.
const ISO_WITHOUT_NUMBERS: &[&str] = &["AQ", "BV", "GS", "HM", "PN", "TF", "UM"];

#[derive(Debug)]
pub struct NumberingPlan {
    by_prefix: HashMap<String, Country>,
    countries: HashSet<Country>,
    longest: usize,
}

/// A number's country and the row that gave it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Numbered {
    pub country: Country,
    /// The digits of the row that matched (`1242`, `44`).
    pub prefix: String,
}

#[derive(Deserialize)]
struct RawRow {
    prefix: String,
    country: String,
}

impl NumberingPlan {
    pub fn parse(name: &str, text: &str) -> Result<Self, RefDataError> {
        let mut plan = NumberingPlan {
            by_prefix: HashMap::default(),
            countries: HashSet::default(),
            longest: 0,
        };
        for (line, raw) in read_rows::<RawRow>(name, text)? {
            let err = |m: String| RefDataError::new(name, line, m);
            let prefix = raw.prefix.trim();
            let country = prefix_country(prefix, &raw.prefix, &raw.country, MAX_PREFIX, &err)?;
            if plan.by_prefix.insert(prefix.to_string(), country).is_some() {
                return Err(err(format!("prefix {prefix} is listed twice")));
            }
            plan.countries.insert(country);
            plan.longest = plan.longest.max(prefix.len());
        }
        for c in ISO_WITHOUT_NUMBERS {
            plan.countries.extend(parse_alpha2(c));
        }
        Ok(plan)
    }

    pub fn builtin() -> Self {
        let (name, text) = super::builtin::NUMBERING_PLAN;
        Self::parse(name, text).expect("the built-in numbering plan is valid")
    }

    /// The built-in plan, parsed once.
    pub fn shared() -> &'static NumberingPlan {
        static PLAN: std::sync::LazyLock<NumberingPlan> =
            std::sync::LazyLock::new(NumberingPlan::builtin);
        &PLAN
    }

    /// The country of E.164 `digits` (no `+`), by the longest prefix.
    pub fn country(&self, digits: &str) -> Option<Numbered> {
        let longest = digits.len().min(self.longest);
        (1..=longest).rev().find_map(|len| {
            let prefix = digits.get(..len)?;
            self.by_prefix.get(prefix).map(|c| Numbered {
                country: *c,
                prefix: prefix.to_string(),
            })
        })
    }

    /// Whether `c` is a country code at all (ISO 3166-1 alpha-2, as
    /// libphonenumber knows them, plus the few places without numbers):
    /// `XX` is not.
    pub fn is_country(&self, c: Country) -> bool {
        self.countries.contains(&c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn country(p: &NumberingPlan, digits: &str) -> String {
        p.country(digits)
            .map_or("-".into(), |n| String::from_utf8_lossy(&n.country).into())
    }

    #[test]
    fn shared_calling_codes_split_by_prefix() {
        let p = NumberingPlan::builtin();
        assert_eq!(country(&p, "14155550100"), "US");
        assert_eq!(country(&p, "16135550100"), "CA");
        assert_eq!(country(&p, "18765550100"), "JM");
        assert_eq!(country(&p, "12425550100"), "BS");
        assert_eq!(country(&p, "13405550100"), "VI");
        assert_eq!(country(&p, "77011234567"), "KZ");
        assert_eq!(country(&p, "79161234567"), "RU");
        assert_eq!(country(&p, "447700900123"), "GB");
        assert_eq!(country(&p, "441534123456"), "JE");
        assert_eq!(country(&p, "441481123456"), "GG");
        assert_eq!(country(&p, "441624123456"), "IM");
        assert_eq!(country(&p, "66812345678"), "TH");
        assert_eq!(country(&p, "35799123456"), "CY");
        // No country has +999 (unassigned) or +800 (non-geographic).
        assert_eq!(country(&p, "99912345678"), "-");
        assert_eq!(country(&p, "80012345678"), "-");
    }

    #[test]
    fn countries_are_iso_codes() {
        let p = NumberingPlan::builtin();
        for ok in ["KZ", "TH", "JE", "AQ", "US"] {
            assert!(p.is_country(parse_alpha2(ok).unwrap()), "{ok}");
        }
        for bad in ["XX", "ZZ", "QQ"] {
            assert!(!p.is_country(parse_alpha2(bad).unwrap()), "{bad}");
        }
    }

    #[test]
    fn a_prefix_listed_twice_is_an_error() {
        let Err(e) = NumberingPlan::parse("n.csv", "prefix,country\n1,US\n1,CA\n") else {
            panic!("a duplicate prefix is refused")
        };
        assert_eq!(e.to_string(), "n.csv:3: prefix 1 is listed twice");
    }
}
