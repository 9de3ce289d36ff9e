//! The syntax of a `compare --scenario`: `NAME:KEY=VALUE,...`. It lives in
//! the library so that the command line can check a value while parsing
//! flags (a usage error, exit 2) and `app/compare.rs` can apply the same
//! reading, without the command line depending on the commands.

use std::fmt;

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
            ScenarioError::BadModel { name, why } => write!(f, "{name}: {why}"),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// `NAME:KEY=VALUE,...` split into its name and settings, checked.
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
        if key == "model" {
            value
                .parse::<crate::pricing::ModelChoice>()
                .map_err(|e| ScenarioError::BadModel {
                    name: name.to_string(),
                    why: e.to_string(),
                })?;
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
            split_scenario("a:model=nonsense"),
            Err(ScenarioError::BadModel { .. })
        ));
    }
}
