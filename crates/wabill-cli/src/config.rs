//! `wabill.toml`: the defaults a team shares (rate files, businesses file,
//! time zone, currency, column mapping). Flags given on the command line
//! win; paths in the file are relative to the file.

use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::FromArgMatches;
use serde::Deserialize;

use crate::cli::Cli;
use crate::error::{Exit, Failure};

pub const DEFAULT_FILE: &str = "wabill.toml";

/// The environment variable naming a config file (like `--config`).
pub const ENV_VAR: &str = "WABILL_CONFIG";

/// The config file a run without `--config` reads, where users look for one:
/// `$WABILL_CONFIG` (which must exist), the project's `./wabill.toml`, then
/// the user's own file.
fn discover() -> Option<PathBuf> {
    if let Some(named) = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(named));
    }
    if Path::new(DEFAULT_FILE).is_file() {
        return Some(PathBuf::from(DEFAULT_FILE));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("wabill").join("config.toml")).filter(|p| p.is_file())
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
    /// Reads the first of: `--config FILE`, `$WABILL_CONFIG`, `./wabill.toml`,
    /// the user's `$XDG_CONFIG_HOME/wabill/config.toml` (`~/.config/…` when
    /// unset). `--no-config` reads none but a `--config` given with it.
    pub fn load(explicit: Option<&Path>, skip_default: bool) -> Result<Config> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None if skip_default => return Ok(Config::default()),
            None => match discover() {
                Some(p) => p,
                None => return Ok(Config::default()),
            },
        };
        let text = crate::output::read_input(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        // A key or value the file cannot have is a usage error, like a bad flag.
        let mut config: Config = toml::from_str(&text).map_err(|e| {
            Failure::new(
                Exit::Usage,
                format!("{}: {}", path.display(), e.to_string().trim_end()),
            )
        })?;
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
        // On every run, not only on a terminal: a log of a scripted run
        // says where its defaults came from.
        wabill::engine::note(&format!("defaults from {}", path.display()));
        config.path = Some(path);
        Ok(config)
    }

    /// The file's settings as the command-line arguments they stand for,
    /// each with its key: `tz = "Asia/Kolkata"` is `--tz=Asia/Kolkata`,
    /// `rates = [a, b]` is `--rates=a --rates=b`, `no_tiers = true` is
    /// `--no-tiers`, `[columns] customer = "to"` is `--column=customer=to`.
    fn arguments(&self) -> Vec<(&'static str, OsString)> {
        let mut out = Vec::new();
        let mut flag = |key: &'static str, value: Option<&OsStr>| {
            let mut arg = OsString::from(format!("--{}", key.replace('_', "-")));
            if let Some(value) = value {
                arg.push("=");
                arg.push(value);
            }
            out.push((key, arg));
        };
        fn text(s: &Option<String>) -> Option<&OsStr> {
            s.as_deref().map(OsStr::new)
        }
        fn path(p: &Option<PathBuf>) -> Option<&OsStr> {
            p.as_deref().map(Path::as_os_str)
        }
        for (key, value) in [
            ("model", text(&self.model)),
            ("tz", text(&self.tz)),
            ("currency", text(&self.currency)),
            ("markets", path(&self.markets)),
            ("tiers", path(&self.tiers)),
            ("businesses", path(&self.businesses)),
            ("ai_markets", path(&self.ai_markets)),
            ("max_price", path(&self.max_price)),
        ] {
            if let Some(value) = value {
                flag(key, Some(value));
            }
        }
        for card in &self.rates {
            flag("rates", Some(card.as_os_str()));
        }
        if let Some(n) = self.agent_tokens_per_message {
            flag("agent_tokens_per_message", Some(OsStr::new(&n.to_string())));
        }
        for (key, on) in [
            ("no_tiers", self.no_tiers),
            ("stale_rates", self.stale_rates),
        ] {
            if on {
                flag(key, None);
            }
        }
        for (name, header) in &self.columns {
            let mapping = format!("{name}={header}");
            out.push(("columns", OsString::from(format!("--column={mapping}"))));
        }
        out
    }

    /// The command line again, with the file's settings as arguments
    /// before the user's own (right after the command's name), parsed by the
    /// same parser: a bad value gets the flag's own error and exit 2, named
    /// after the file and key; a flag given on the command line wins, as a
    /// flag's last use does; a list (cards, column mappings) starts with the
    /// file's. A command without a flag for a key ignores that key.
    pub fn apply(&self, cli: Cli, args: &[OsString]) -> Result<Cli> {
        let Some(file) = &self.path else {
            return Ok(cli);
        };
        let root = crate::cli::command(cli.color);
        let matches = root.clone().try_get_matches_from(args)?;
        let Some(name) = matches.subcommand_name() else {
            return Ok(cli);
        };
        let sub = root
            .find_subcommand(name)
            .expect("the parsed command is one of the parser's");
        let mut extra = Vec::new();
        for (key, arg) in self.arguments() {
            let text = arg.to_string_lossy();
            let long = text[2..].split('=').next().unwrap_or_default();
            if !sub.get_arguments().any(|a| a.get_long() == Some(long)) {
                continue;
            }
            // The flag alone, so that an error is the file's and not the
            // command line's. Only the value is judged here: what else the
            // command needs (a log, --plan or --from-log) is the command line's.
            let alone = sub
                .clone()
                .no_binary_name(true)
                .mut_args(|a| a.required(false));
            if let Err(e) = alone.try_get_matches_from([&arg])
                && e.kind() != clap::error::ErrorKind::MissingRequiredArgument
            {
                let message = e.render().to_string();
                let message = message.lines().next().unwrap_or_default();
                let message = message.strip_prefix("error: ").unwrap_or(message);
                // The file's key, not the flag it stands for, is named.
                let message = match message.split_once(" for '--") {
                    Some((value, rest)) => match rest.split_once("': ") {
                        Some((_, why)) => format!("{value}: {why}"),
                        None => value.to_string(),
                    },
                    None => message.to_string(),
                };
                return Err(Failure::new(
                    Exit::Usage,
                    format!("{}: {key}: {message}", file.display()),
                )
                .into());
            }
            extra.push(arg);
        }
        if extra.is_empty() {
            let mut cli = cli;
            if let Some(pricing) = cli.command.pricing_mut() {
                pricing.config_file = Some(file.clone());
            }
            return Ok(cli);
        }
        let at = command_position(args, name);
        let mut with_file: Vec<OsString> = args[..=at].to_vec();
        with_file.extend(extra);
        with_file.extend_from_slice(&args[at + 1..]);
        let matches = root.try_get_matches_from(&with_file)?;
        let mut cli = Cli::from_arg_matches(&matches)?;
        if let Some(pricing) = cli.command.pricing_mut() {
            pricing.config_file = Some(file.clone());
        }
        Ok(cli)
    }
}

/// Where the command's name is in `args`: after the program name and any
/// global flags (`--config FILE` and `--color WHEN` take a value).
fn command_position(args: &[OsString], name: &str) -> usize {
    let mut i = 1;
    while i < args.len() {
        match args[i].to_str() {
            Some("--config" | "--color") => i += 2,
            Some(a) if a == name => return i,
            _ => i += 1,
        }
    }
    unreachable!("clap parsed {name} from these arguments")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Command;

    fn config(text: &str) -> Config {
        let mut config: Config = toml::from_str(text).unwrap();
        config.path = Some(PathBuf::from("team/wabill.toml"));
        config
    }

    fn parse(config: &Config, args: &[&str]) -> Result<Cli> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        let cli = Cli::from_arg_matches(
            &crate::cli::command(Default::default()).get_matches_from(&args),
        )?;
        config.apply(cli, &args)
    }

    fn estimate(cli: Cli) -> crate::app::estimate::EstimateArgs {
        let Command::Estimate(a) = cli.command else {
            unreachable!()
        };
        a
    }

    #[test]
    fn flags_win_over_the_file() {
        let config = config(
            "tz = \"Asia/Kolkata\"\ncurrency = \"EUR\"\nrates = [\"negotiated.csv\"]\n[columns]\ncustomer = \"to\"\n",
        );
        let args = [
            "wabill",
            "estimate",
            "log.csv",
            "--tz",
            "UTC",
            "--column",
            "customer=phone",
        ];
        let a = estimate(parse(&config, &args).unwrap());
        assert_eq!(a.log.pricing.tz.map(|z| z.name).as_deref(), Some("UTC"));
        assert_eq!(
            a.log.pricing.currency.map(|c| c.to_string()).as_deref(),
            Some("EUR")
        );
        assert_eq!(a.log.pricing.rates, vec![PathBuf::from("negotiated.csv")]);
        assert_eq!(
            a.log.pricing.config_file,
            Some(PathBuf::from("team/wabill.toml"))
        );
        // The flag's mapping comes last and so wins.
        let customer = wabill::input::Column::Customer;
        assert_eq!(
            a.log.input.column,
            vec![
                (customer, "to".to_string()),
                (customer, "phone".to_string())
            ]
        );
    }

    #[test]
    fn global_flags_before_the_command_are_kept() {
        let config = config("tz = \"Asia/Kolkata\"\n");
        let args = [
            "wabill",
            "--color",
            "never",
            "--raw-csv",
            "estimate",
            "log.csv",
        ];
        let cli = parse(&config, &args).unwrap();
        assert!(cli.raw_csv);
        let a = estimate(cli);
        assert_eq!(
            a.log.pricing.tz.map(|z| z.name).as_deref(),
            Some("Asia/Kolkata")
        );
        assert_eq!(a.log.input.logs, vec!["log.csv".to_string()]);
    }

    #[test]
    fn no_tiers_in_the_file_yields_to_a_tiers_flag() {
        let config = config("no_tiers = true\nstale_rates = true\n");
        let p = estimate(parse(&config, &["wabill", "estimate", "log.csv"]).unwrap())
            .log
            .pricing;
        assert!(p.no_tiers && p.stale_rates);
        let args = ["wabill", "estimate", "log.csv", "--tiers", "t.csv"];
        let p = estimate(parse(&config, &args).unwrap()).log.pricing;
        assert!(!p.no_tiers);
        assert_eq!(p.tiers, Some(PathBuf::from("t.csv")));
    }

    #[test]
    fn a_bad_value_in_the_file_is_a_usage_error_naming_file_and_key() {
        let config = config("tz = \"Europe/Berln\"\n");
        let err = parse(&config, &["wabill", "estimate", "log.csv"]).unwrap_err();
        let failure = err.downcast_ref::<Failure>().expect("a usage failure");
        assert_eq!(failure.exit, Exit::Usage);
        assert!(
            failure
                .message
                .starts_with("team/wabill.toml: tz: invalid value 'Europe/Berln': ")
                && !failure.message.contains("--tz"),
            "{}",
            failure.message
        );
    }

    #[test]
    fn a_command_without_the_flag_ignores_the_key() {
        let config = config("tz = \"Asia/Kolkata\"\n[columns]\ncustomer = \"to\"\n");
        let args = ["wabill", "merge", "a.json", "b.json"];
        assert!(matches!(
            parse(&config, &args).unwrap().command,
            Command::Merge(_)
        ));
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(toml::from_str::<Config>("timezone = \"UTC\"").is_err());
    }

    #[test]
    fn the_2026_lines_settings_come_from_the_file_unless_flagged() {
        let config = config(
            "max_price = \"max.csv\"\nagent_tokens_per_message = 22000\nai_markets = \"ai.csv\"\n",
        );
        let args = [
            "wabill",
            "estimate",
            "log.csv",
            "--agent-tokens-per-message",
            "25000",
        ];
        let a = estimate(parse(&config, &args).unwrap());
        assert_eq!(a.log.pricing.agent_tokens_per_message, Some(25000));
        assert_eq!(a.log.pricing.max_price, Some(PathBuf::from("max.csv")));
        assert_eq!(a.log.pricing.ai_markets, Some(PathBuf::from("ai.csv")));
    }
}
