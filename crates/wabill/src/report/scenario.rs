//! The syntax of a `compare --scenario`: `NAME:KEY=VALUE,...`. It lives in
//! the library so that the command line parses a value into a [`Scenario`]
//! while parsing flags (a bad one is a usage error, exit 2), and
//! `app/compare.rs` applies its typed settings, without the command line
//! depending on the commands.

use std::fmt;
use std::path::PathBuf;

use crate::model::Currency;
use crate::pricing::ModelChoice;
use crate::report::allin::Tax;

/// The keys a scenario may set.
pub const SCENARIO_KEYS: [&str; 8] = [
    "model", "rates", "currency", "tiers", "markets", "fees", "tax", "fx",
];

/// A scenario's `KEY=VALUE` settings, in the order given.
pub type Settings<'a> = Vec<(&'a str, &'a str)>;

/// Why a scenario is not well formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScenarioError {
    /// No name, or a name with other characters than letters, digits, `-_.`.
    BadName,
    /// A setting without `=`.
    NotKeyValue { name: String, part: String },
    /// A key that is not one of [`SCENARIO_KEYS`].
    UnknownKey { name: String, key: String },
    /// A `model=` value that names no model.
    BadModel { name: String, why: String },
    /// A `currency=` value that is not a 3-letter code.
    BadCurrency { name: String, value: String },
    /// A `tax=` value that is not a rate.
    BadTax { name: String, why: String },
}

/// One setting of a scenario, parsed. `tiers=none` and `fees=none` are `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    Model(ModelChoice),
    /// A card layered over the common ones (repeatable).
    Rates(PathBuf),
    Currency(Currency),
    Tiers(Option<PathBuf>),
    Markets(PathBuf),
    Fees(Option<PathBuf>),
    Tax(Tax),
    Fx(PathBuf),
}

/// A `--scenario`: its name, its settings as written, and as parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    pub name: String,
    /// The `KEY=VALUE,...` text, as the report shows it.
    pub written: String,
    pub settings: Vec<Setting>,
}

impl Scenario {
    /// `NAME:KEY=VALUE,...`; `NAME` or `NAME:` alone is the common settings.
    pub fn parse(spec: &str) -> Result<Scenario, ScenarioError> {
        let (name, pairs) = split_scenario(spec)?;
        let settings = pairs
            .into_iter()
            .map(|(key, value)| setting(name, key, value))
            .collect::<Result<_, _>>()?;
        Ok(Scenario {
            name: name.to_string(),
            written: spec
                .split_once(':')
                .map_or("", |(_, s)| s)
                .trim()
                .to_string(),
            settings,
        })
    }
}

/// `none` (any case) as `None`, else the path.
fn path_or_none(value: &str) -> Option<PathBuf> {
    (!value.eq_ignore_ascii_case("none")).then(|| value.into())
}

/// One of [`SCENARIO_KEYS`] with its value, parsed.
fn setting(name: &str, key: &str, value: &str) -> Result<Setting, ScenarioError> {
    Ok(match key {
        "model" => {
            Setting::Model(
                value
                    .parse::<ModelChoice>()
                    .map_err(|e| ScenarioError::BadModel {
                        name: name.to_string(),
                        why: e.to_string(),
                    })?,
            )
        }
        "rates" => Setting::Rates(value.into()),
        "currency" => {
            Setting::Currency(
                Currency::parse(value).ok_or_else(|| ScenarioError::BadCurrency {
                    name: name.to_string(),
                    value: value.to_string(),
                })?,
            )
        }
        "tiers" => Setting::Tiers(path_or_none(value)),
        "markets" => Setting::Markets(value.into()),
        "fees" => Setting::Fees(path_or_none(value)),
        "tax" => Setting::Tax(Tax::parse(value).map_err(|e| ScenarioError::BadTax {
            name: name.to_string(),
            why: e.to_string(),
        })?),
        "fx" => Setting::Fx(value.into()),
        _ => unreachable!("split_scenario lets only SCENARIO_KEYS through"),
    })
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::BadName => {
                f.write_str("a scenario needs a name of letters, digits, - _ . before ':'")
            }
            ScenarioError::NotKeyValue { name, part } => {
                write!(f, "{name}: {part:?} is not KEY=VALUE")
            }
            ScenarioError::UnknownKey { name, key } => write!(
                f,
                "{name}: unknown key {key:?} (expected model, rates, currency, tiers, markets, \
                 fees, tax or fx)"
            ),
            ScenarioError::BadModel { name, why } | ScenarioError::BadTax { name, why } => {
                write!(f, "{name}: {why}")
            }
            ScenarioError::BadCurrency { name, value } => {
                write!(
                    f,
                    "{name}: currency {value:?} is not a 3-letter code (like USD)"
                )
            }
        }
    }
}

impl std::error::Error for ScenarioError {}

/// `NAME:KEY=VALUE,...` split into its name and settings (known keys).
pub fn split_scenario(spec: &str) -> Result<(&str, Settings<'_>), ScenarioError> {
    let (name, settings) = spec.split_once(':').unwrap_or((spec, ""));
    let name = name.trim();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.".contains(c))
    {
        return Err(ScenarioError::BadName);
    }
    let mut pairs = Vec::new();
    for part in settings.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| ScenarioError::NotKeyValue {
                name: name.to_string(),
                part: part.to_string(),
            })?;
        let (key, value) = (key.trim(), value.trim());
        if !SCENARIO_KEYS.contains(&key) {
            return Err(ScenarioError::UnknownKey {
                name: name.to_string(),
                key: key.to_string(),
            });
        }
        pairs.push((key, value));
    }
    Ok((name, pairs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_is_a_name_and_known_settings() {
        let (name, pairs) = split_scenario("eu: currency=EUR, rates=a.csv").unwrap();
        assert_eq!(name, "eu");
        assert_eq!(pairs, vec![("currency", "EUR"), ("rates", "a.csv")]);
        assert_eq!(split_scenario("base").unwrap(), ("base", vec![]));
        assert_eq!(split_scenario(":x=1"), Err(ScenarioError::BadName));
        assert!(matches!(
            split_scenario("a:currency"),
            Err(ScenarioError::NotKeyValue { .. })
        ));
        assert_eq!(
            split_scenario("a:colour=red").unwrap_err().to_string(),
            "a: unknown key \"colour\" (expected model, rates, currency, tiers, markets, fees, \
             tax or fx)"
        );
        assert!(matches!(
            Scenario::parse("a:model=nonsense"),
            Err(ScenarioError::BadModel { .. })
        ));
        assert!(matches!(
            Scenario::parse("a:currency=US"),
            Err(ScenarioError::BadCurrency { .. })
        ));
        assert!(matches!(
            Scenario::parse("a:tax=lots"),
            Err(ScenarioError::BadTax { .. })
        ));
        let s = Scenario::parse("eu: currency=EUR, tiers=none, tax=19").unwrap();
        assert_eq!(s.written, "currency=EUR, tiers=none, tax=19");
        assert_eq!(s.settings[1], Setting::Tiers(None));
    }
}
