//! `wabill.toml`: the defaults a team shares (rate files, businesses file,
//! time zone, currency, column mapping). Flags given on the command line
//! win; paths in the file are relative to the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::cli::{Cli, Command, InputArgs, PricingArgs};

pub const DEFAULT_FILE: &str = "wabill.toml";

/// The `wabill.toml` a command's defaults came from, as every report's
/// provenance names it (`defaults: wabill.toml`).
pub fn shown(args: &PricingArgs) -> Option<String> {
    args.config_file.as_ref().map(|p| p.display().to_string())
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    model: Option<String>,
    tz: Option<String>,
    currency: Option<String>,
    #[serde(default)]
    rates: Vec<PathBuf>,
    markets: Option<PathBuf>,
    tiers: Option<PathBuf>,
    /// Like `--no-tiers` (a `--tiers` flag wins over it).
    #[serde(default)]
    no_tiers: bool,
    /// Like `--stale-rates`.
    #[serde(default)]
    stale_rates: bool,
    businesses: Option<PathBuf>,
    ai_markets: Option<PathBuf>,
    max_price: Option<PathBuf>,
    agent_tokens_per_message: Option<u64>,
    /// Column name → header, like `--column NAME=HEADER`.
    #[serde(default)]
    columns: BTreeMap<String, String>,
    /// Where the file was read from.
    #[serde(skip)]
    path: Option<PathBuf>,
}

impl Config {
    /// Reads `--config FILE`, else `./wabill.toml` when present.
    pub fn load(explicit: Option<&Path>, skip_default: bool) -> Result<Config> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None if skip_default => return Ok(Config::default()),
            None if Path::new(DEFAULT_FILE).is_file() => PathBuf::from(DEFAULT_FILE),
            None => return Ok(Config::default()),
        };
        let text = crate::output::read_input(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut config: Config =
            toml::from_str(&text).with_context(|| format!("{}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
        let rebase = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        config.rates.iter_mut().for_each(rebase);
        config.markets.iter_mut().for_each(rebase);
        config.tiers.iter_mut().for_each(rebase);
        config.businesses.iter_mut().for_each(rebase);
        config.ai_markets.iter_mut().for_each(rebase);
        config.max_price.iter_mut().for_each(rebase);
        config.check(&path)?;
        // On every run, not only on a terminal: a log of a scripted run
        // says where its defaults came from.
        crate::engine::note(&format!("defaults from {}", path.display()));
        config.path = Some(path);
        Ok(config)
    }

    /// Checks the values the file gives, so that an error names the file
    /// and the key (not the flag the value stands in for).
    fn check(&self, path: &Path) -> Result<()> {
        let at = |key: &str| format!("{}: {key}", path.display());
        if let Some(tz) = &self.tz {
            crate::refdata::businesses::parse_zone(tz).with_context(|| at("tz"))?;
        }
        if let Some(model) = &self.model
            && !model.eq_ignore_ascii_case("auto")
        {
            model
                .parse::<crate::pricing::ModelChoice>()
                .with_context(|| at("model"))?;
        }
        if let Some(currency) = &self.currency
            && crate::refdata::rates::Currency::parse(currency).is_none()
        {
            anyhow::bail!(
                "{}: {currency:?} is not a 3-letter currency code",
                at("currency")
            );
        }
        for (column, header) in &self.columns {
            crate::input::ColumnMap::default()
                .add(&format!("{column}={header}"))
                .with_context(|| at(&format!("columns.{column}")))?;
        }
        Ok(())
    }

    fn fill_pricing(&self, args: &mut PricingArgs) {
        args.model = args.model.take().or_else(|| self.model.clone());
        args.tz = args.tz.take().or_else(|| self.tz.clone());
        args.currency = args.currency.take().or_else(|| self.currency.clone());
        // The file's cards first: a card on the command line wins over them.
        let mut rates = self.rates.clone();
        rates.append(&mut args.rates);
        args.rates = rates;
        args.config_file.clone_from(&self.path);
        args.markets = args.markets.take().or_else(|| self.markets.clone());
        if self.no_tiers && args.tiers.is_none() {
            args.no_tiers = true;
        }
        if !args.no_tiers {
            args.tiers = args.tiers.take().or_else(|| self.tiers.clone());
        }
        args.stale_rates |= self.stale_rates;
        args.businesses = args.businesses.take().or_else(|| self.businesses.clone());
        args.ai_markets = args.ai_markets.take().or_else(|| self.ai_markets.clone());
        args.max_price = args.max_price.take().or_else(|| self.max_price.clone());
        args.agent_tokens_per_message = args
            .agent_tokens_per_message
            .or(self.agent_tokens_per_message);
    }

    fn fill_input(&self, args: &mut InputArgs) {
        self.fill_columns(&mut args.column);
    }

    fn fill_columns(&self, flags: &mut Vec<String>) {
        // File mappings first, so a flag for the same column overrides it.
        let mut columns: Vec<String> = self
            .columns
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        columns.append(flags);
        *flags = columns;
    }

    /// Fills every flag the user left out from the file.
    pub fn apply(&self, cli: &mut Cli) {
        match &mut cli.command {
            Command::Estimate(a) => {
                self.fill_pricing(&mut a.pricing);
                self.fill_input(&mut a.input);
            }
            Command::Price(a) => {
                self.fill_pricing(&mut a.pricing);
                self.fill_input(&mut a.input);
            }
            Command::Explain(a) => {
                self.fill_pricing(&mut a.pricing);
                self.fill_input(&mut a.input);
            }
            Command::Validate(a) => {
                self.fill_pricing(&mut a.pricing);
                self.fill_input(&mut a.input);
            }
            Command::Rates(a) => self.fill_pricing(&mut a.pricing),
            Command::Forecast(a) => {
                self.fill_pricing(&mut a.pricing);
                self.fill_columns(&mut a.column);
            }
            Command::Compare(a) => {
                self.fill_pricing(&mut a.pricing);
                self.fill_input(&mut a.input);
            }
            Command::Reconcile(a) => {
                self.fill_pricing(&mut a.pricing);
                self.fill_input(&mut a.input);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn flags_win_over_the_file() {
        let config: Config = toml::from_str(
            "tz = \"Asia/Kolkata\"\ncurrency = \"EUR\"\nrates = [\"negotiated.csv\"]\n[columns]\ncustomer = \"to\"\n",
        )
        .unwrap();
        let mut cli = Cli::parse_from([
            "wabill",
            "estimate",
            "log.csv",
            "--tz",
            "UTC",
            "--column",
            "customer=phone",
        ]);
        config.apply(&mut cli);
        let Command::Estimate(a) = &cli.command else {
            unreachable!()
        };
        assert_eq!(a.pricing.tz.as_deref(), Some("UTC"));
        assert_eq!(a.pricing.currency.as_deref(), Some("EUR"));
        assert_eq!(a.pricing.rates, vec![PathBuf::from("negotiated.csv")]);
        // The flag's mapping comes last and so wins.
        assert_eq!(
            a.input.column,
            vec!["customer=to".to_string(), "customer=phone".to_string()]
        );
    }

    #[test]
    fn no_tiers_in_the_file_yields_to_a_tiers_flag() {
        let config: Config = toml::from_str("no_tiers = true\nstale_rates = true\n").unwrap();
        let parse = |extra: &[&str]| {
            let mut cli = Cli::parse_from(["wabill", "estimate", "log.csv"].iter().chain(extra));
            config.apply(&mut cli);
            let Command::Estimate(a) = cli.command else {
                unreachable!()
            };
            a.pricing
        };
        let p = parse(&[]);
        assert!(p.no_tiers && p.stale_rates);
        let p = parse(&["--tiers", "t.csv"]);
        assert!(!p.no_tiers);
        assert_eq!(p.tiers, Some(PathBuf::from("t.csv")));
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(toml::from_str::<Config>("timezone = \"UTC\"").is_err());
    }
}

#[cfg(test)]
mod lines_tests {
    use super::*;
    use clap::Parser;

    #[test]
    fn the_2026_lines_settings_come_from_the_file_unless_flagged() {
        let config: Config = toml::from_str(
            "max_price = \"max.csv\"\nagent_tokens_per_message = 22000\nai_markets = \"ai.csv\"\n",
        )
        .unwrap();
        let mut cli = Cli::parse_from([
            "wabill",
            "estimate",
            "log.csv",
            "--agent-tokens-per-message",
            "25000",
        ]);
        config.apply(&mut cli);
        let Command::Estimate(a) = &cli.command else {
            unreachable!()
        };
        assert_eq!(a.pricing.agent_tokens_per_message, Some(25000));
        assert_eq!(a.pricing.max_price, Some(PathBuf::from("max.csv")));
        assert_eq!(a.pricing.ai_markets, Some(PathBuf::from("ai.csv")));
    }
}
