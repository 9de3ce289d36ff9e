//! The command line as the user types it (clap derive): the top-level
//! `Cli` with its global options, and the `Command` list. Each command's
//! arguments are in its `app/<command>.rs`, next to its `run`; the groups
//! several share, and every value parser, in `flags.rs`. Nothing here is
//! resolved or loaded; `app::settings` turns the arguments into a runnable plan.

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Result;
use clap::{CommandFactory, Parser, Subcommand};

use crate::app::compare::CompareArgs;
use crate::app::estimate::EstimateArgs;
use crate::app::explain::ExplainArgs;
use crate::app::forecast::ForecastArgs;
use crate::app::generate::GenerateArgs;
use crate::app::man::ManArgs;
use crate::app::merge::MergeArgs;
use crate::app::partition::PartitionArgs;
use crate::app::price::PriceArgs;
use crate::app::rates::RatesArgs;
use crate::app::reconcile::ReconcileArgs;
use crate::app::validate::ValidateArgs;
use crate::app::{self};
use crate::error::{Exit, exit_codes_help, exit_line};
use crate::flags::{BadValue, PricingArgs, tab_or_byte};

/// The codes most commands end with.
const STANDARD: &[(Exit, Option<&str>)] =
    &[(Exit::Ok, None), (Exit::Error, None), (Exit::Usage, None)];

/// A command's examples and notes, then its "Exit codes:" line.
fn with_exits(text: &str, codes: &[(Exit, Option<&str>)]) -> String {
    format!("{text}{}", exit_line(codes))
}

#[derive(Debug, Parser)]
#[command(
    name = "wabill",
    version,
    about = "Estimate WhatsApp Business messaging costs from message logs",
    long_about = "Estimate WhatsApp Business messaging costs from message logs.\n\n\
        wabill reads CSV message logs, applies Meta's conversation, free-window and \
        per-message rules in force at each message's date, and reports what was charged, what \
        was free and why.",
    after_help = exit_codes_help(92),
    max_term_width = 100
)]
pub struct Cli {
    /// Team defaults (TOML); without it, $WABILL_CONFIG, else ./wabill.toml,
    /// else $XDG_CONFIG_HOME/wabill/config.toml is read when present.
    /// Command-line flags win over the file
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Read no config file found by looking ($WABILL_CONFIG, ./wabill.toml,
    /// the user's config.toml)
    #[arg(long, global = true)]
    pub no_config: bool,

    /// Write CSV cells exactly as read: without it, a cell from the input
    /// starting with = + - @ tab or CR gets a leading ' so that a spreadsheet
    /// does not run it as a formula
    #[arg(long, global = true)]
    pub raw_csv: bool,

    /// When to colour reports and messages: auto colours a terminal and
    /// follows NO_COLOR, CLICOLOR and CLICOLOR_FORCE
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = crate::color::When::Auto)]
    pub color: crate::color::When,
    /// CSV for Excel in a comma-decimal locale (Germany, France, Brazil…):
    /// excel-eu is --csv-bom --csv-delimiter ';' --decimal-comma
    #[arg(long, global = true, value_enum, value_name = "DIALECT")]
    pub csv_dialect: Option<CsvDialect>,

    /// Start CSV output with a UTF-8 byte order mark (Excel then reads
    /// accented text right)
    #[arg(long, global = true)]
    pub csv_bom: bool,

    /// Field delimiter of CSV output [default: ,]
    #[arg(long, global = true, value_name = "CHAR", value_parser = parse_csv_delimiter)]
    pub csv_delimiter: Option<u8>,

    /// Write amounts and percentages in CSV with a decimal comma (0,0625)
    #[arg(long, global = true)]
    pub decimal_comma: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// A named CSV dialect (`--csv-dialect`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum CsvDialect {
    /// BOM, `;` between fields, decimal comma
    ExcelEu,
}

impl Cli {
    /// The CSV dialect the flags ask for.
    pub fn dialect(&self) -> wabill::render::Dialect {
        let mut d = match self.csv_dialect {
            Some(CsvDialect::ExcelEu) => wabill::render::Dialect::EXCEL_EU,
            None => wabill::render::Dialect::default(),
        };
        d.bom |= self.csv_bom;
        d.decimal_comma |= self.decimal_comma;
        if let Some(c) = self.csv_delimiter {
            d.delimiter = c;
        }
        d
    }
}

/// An output delimiter: `;`, `,`, `|`, or a tab (`\t`, `tab`).
fn parse_csv_delimiter(s: &str) -> Result<u8, BadValue> {
    match tab_or_byte(s) {
        Some(b) if !b.is_ascii_alphanumeric() && !matches!(b, b'"' | b'\n' | b'\r' | b'.') => Ok(b),
        _ => Err(BadValue::Delimiter),
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Price a log and print a cost report grouped by market, category, month…
    #[command(after_help = with_exits(concat!(
        "Examples:\n",
        "  wabill estimate data/sample/messages.csv\n",
        "  wabill estimate logs/*.csv --by month,market --format csv\n",
        "  cat log.csv | wabill estimate - --budget 50 --strict\n\n",
    ), &[(Exit::Ok, None), (Exit::Error, None), (Exit::Usage, None), (Exit::OverBudget, None)]))]
    Estimate(EstimateArgs),
    /// Print one priced row per message, in time order
    #[command(after_help = with_exits(concat!(
        "Examples:\n",
        "  wabill price data/sample/messages.csv\n",
        "  wabill price log.csv --format json | jq 'select(.billable)'\n\n",
    ), STANDARD))]
    Price(PriceArgs),
    /// Explain why a message was charged what it was, with its timeline
    #[command(after_help = concat!(
        "Examples:\n",
        "  wabill explain data/sample/messages.csv --message-id wamid.0042\n",
        "  wabill explain log.csv --customer +919810000010\n",
        "  wabill explain log.csv --customer +919810000010 --business +551140000001"
    ))]
    Explain(ExplainArgs),
    /// Check logs for problems without pricing them into a report
    #[command(after_help = with_exits(concat!(
        "Examples:\n",
        "  wabill validate data/sample/messages.csv\n",
        "  wabill validate logs/*.csv --format csv > problems.csv\n\n",
    ), &[
        (Exit::Ok, Some("no problems")),
        (Exit::Error, Some("problems found or unreadable input")),
        (Exit::Usage, None),
    ]))]
    Validate(ValidateArgs),
    /// Look up the market of a number and the rates in force on a date
    #[command(after_help = concat!(
        "Examples:\n",
        "  wabill rates --number +5511987654321 --date 2026-02-01\n",
        "  wabill rates --date 2025-07-01 --format csv\n",
        "  wabill rates --date 2026-07-01 --currency EUR"
    ))]
    Rates(RatesArgs),
    /// Forecast monthly spend from a plan, or from a log's history projected forward
    #[command(after_help = with_exits(concat!(
        "Examples:\n",
        "  wabill forecast --plan plan.csv\n",
        "  wabill forecast --plan plan.csv --format csv > forecast.csv\n",
        "  wabill forecast --from-log data/sample/messages.csv --months 6 --growth 5%\n",
        "  wabill forecast --from-log logs/*.csv --months 3 --chart\n",
        "  wabill forecast --plan plan.csv --format html -o forecast.html\n\n",
        "Plan columns: month (YYYY-MM), market (a market name or a 2-letter country;\n",
        "the header may be `country`), category, messages, and optionally\n",
        "in_window_share and free_entry_point_share (0.25 or 25%).\n\n",
    ), &[
        (Exit::Ok, None),
        (Exit::Error, Some("error (a bad plan, a volume with no known rate)")),
        (Exit::Usage, None),
        (Exit::OverBudget, Some("a month over --budget")),
    ]))]
    Forecast(ForecastArgs),
    /// Price the same log under several scenarios, side by side
    #[command(after_help = with_exits(concat!(
        "Examples:\n",
        "  wabill compare sept.csv --scenario before:model=per-message-2025 \\\n",
        "                          --scenario after:model=per-message-2026-10\n",
        "  wabill compare log.csv --scenario list: --scenario negotiated:rates=deal.csv\n",
        "  wabill compare log.csv --scenario usd: --scenario eur:currency=EUR --by market\n\n",
        "A scenario is NAME:KEY=VALUE,... with keys model, rates (repeatable),\n",
        "currency, tiers (a file, or none), markets, fees (a file, or none), tax\n",
        "(a percent), fx (a file); anything not given comes from the common flags.\n",
        "With fees, tax or fx, the scenarios' all-in totals are compared.\n\n",
    ), STANDARD))]
    Compare(CompareArgs),
    /// Compare the estimate of a log with what Meta billed (pricing analytics)
    #[command(after_help = with_exits(concat!(
        "Examples:\n",
        "  wabill reconcile jan.csv --actual pricing_analytics.json\n",
        "  wabill reconcile jan.csv --actual analytics.csv --granularity month --tolerance 0.01 --tolerance 2%\n",
        "  wabill reconcile jan.csv --actual a.json --businesses businesses.csv --utc\n",
        "  wabill reconcile jan.csv --actual a.json --fees fees.csv --fx fx.csv --format csv\n",
        "  wabill reconcile webhooks.jsonl              # per message, against Meta's decision\n\n",
        "--actual reads the Graph API's pricing_analytics JSON (data_points with start,\n",
        "end, country, pricing_category, pricing_type, tier, volume, cost) or a CSV with\n",
        "those columns (and optionally currency). Meta's days are UTC.\n",
        "--fees CSV: fee,amount rows for outbound_message, inbound_message,\n",
        "failed_message, markup_percent, monthly_platform.\n",
        "--fx CSV: date,from,to,rate; each period converts at the rate in force on\n",
        "its first day.\n\n",
        "Without --actual, each outbound message's pricing type, category and billable flag\n",
        "are compared with Meta's (webhook `pricing`, or pricing_type/pricing_category/\n",
        "pricing_billable columns); the differing messages are listed.\n\n",
    ), &[
        (Exit::Ok, Some("every cell (message) agrees")),
        (Exit::Error, None),
        (Exit::Usage, None),
        (Exit::OutsideTolerance, Some("cells outside\ntolerance (messages that differ)")),
    ]))]
    Reconcile(ReconcileArgs),
    /// Merge partial reports (estimate --format json of each part) into the whole log's report
    #[command(after_help = with_exits(concat!(
        "Examples:\n",
        "  wabill partition logs/*.csv --parts 8 --out parts --businesses businesses.csv\n",
        "  for p in parts/part-*.csv; do\n",
        "    wabill estimate \"$p\" --businesses businesses.csv --format json -o \"$p.json\"\n",
        "  done\n",
        "  wabill merge parts/part-*.csv.json\n\n",
        "The result is the report of all the parts priced together, byte for byte,\n",
        "in every format. Reports priced with different settings, or that share a\n",
        "business (or a portfolio that volume tiers counted), are refused.\n\n",
    ), &[
        (Exit::Ok, None),
        (Exit::Error, Some("error (reports that cannot be merged, unpriced messages)")),
        (Exit::Usage, None),
    ]))]
    Merge(MergeArgs),
    /// Split logs into parts that price exactly on their own (by portfolio or business)
    #[command(after_help = with_exits(concat!(
        "Examples:\n",
        "  wabill partition logs/*.csv --parts 8 --out parts\n",
        "  wabill partition - --by business --parts 4 --out parts < log.csv\n",
        "  wabill partition log.csv --parts 16 --out parts --businesses businesses.csv\n\n",
        "Writes DIR/part-00000.csv … each with the first log's header; a portfolio\n",
        "(or business) always lands in the same part, on any machine. Parts are\n",
        "created new (never through a link, a FIFO or a device), and DIR/manifest.json\n",
        "(run id, parts, rows per part) is written last: merge refuses parts that do\n",
        "not match a complete manifest.\n\n",
    ), STANDARD))]
    Partition(PartitionArgs),
    /// Print a shell completion script
    #[command(
        after_help = "Examples:\n  wabill completions bash > ~/.local/share/bash-completion/completions/wabill\n  wabill completions zsh > ~/.zfunc/_wabill"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff): one complete page, or one command's; or write one page per command
    #[command(
        after_help = "Examples:\n  wabill man > wabill.1 && man ./wabill.1\n  wabill man estimate | man -l -\n  wabill man --dir /usr/local/share/man/man1"
    )]
    Man(ManArgs),
    /// Write a synthetic message log (for benchmarks and tests)
    #[command(
        hide = true,
        after_help = "Examples:\n  wabill generate --rows 1M --seed 7 -o bench.csv\n  wabill generate --rows 10M --customers 1M --shuffle -o shuffled.csv"
    )]
    Generate(GenerateArgs),
}

impl Cli {
    /// Runs the command, the global CSV settings applied first.
    pub fn run(&self) -> Result<Exit> {
        wabill::render::set_raw_csv(self.raw_csv);
        wabill::render::set_dialect(self.dialect());
        match &self.command {
            Command::Estimate(args) => app::estimate::run(args),
            Command::Price(args) => app::price::run(args),
            Command::Explain(args) => app::explain::run(args),
            Command::Validate(args) => app::validate::run(args),
            Command::Rates(args) => app::rates::run(args),
            Command::Generate(args) => app::generate::run(args),
            Command::Forecast(args) => app::forecast::run(args),
            Command::Compare(args) => app::compare::run(args),
            Command::Reconcile(args) => app::reconcile::run(args),
            Command::Merge(args) => app::merge::run(args),
            Command::Partition(args) => app::partition::run(args),
            Command::Completions { shell } => {
                // clap_complete panics on a failed write: generate in memory.
                let mut script = Vec::new();
                clap_complete::generate(*shell, &mut Cli::command(), "wabill", &mut script);
                let mut out = io::stdout().lock();
                out.write_all(&script)?;
                out.flush()?;
                Ok(Exit::Ok)
            }
            Command::Man(args) => app::man::run(args, Cli::command()),
        }
    }
}

/// The parser: every flag may be given again, its last use winning (so a
/// flag typed by the user overrides one a config file put before it).
pub fn command(color: crate::color::When) -> clap::Command {
    fn overriding(cmd: clap::Command) -> clap::Command {
        let names: Vec<String> = cmd
            .get_subcommands()
            .map(|s| s.get_name().to_string())
            .collect();
        names
            .iter()
            .fold(cmd.args_override_self(true), |cmd, name| {
                cmd.mut_subcommand(name, overriding)
            })
    }
    overriding(Cli::command()).color(crate::color::for_clap(color))
}

impl Command {
    /// The pricing settings of a command that prices.
    pub fn pricing_mut(&mut self) -> Option<&mut PricingArgs> {
        match self {
            Command::Estimate(a) => Some(&mut a.log.pricing),
            Command::Price(a) => Some(&mut a.log.pricing),
            Command::Explain(a) => Some(&mut a.pricing),
            Command::Validate(a) => Some(&mut a.pricing),
            Command::Rates(a) => Some(&mut a.pricing),
            Command::Forecast(a) => Some(&mut a.pricing),
            Command::Compare(a) => Some(&mut a.log.pricing),
            Command::Reconcile(a) => Some(&mut a.pricing),
            Command::Generate(_)
            | Command::Merge(_)
            | Command::Partition(_)
            | Command::Completions { .. }
            | Command::Man(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn verify_cli() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
