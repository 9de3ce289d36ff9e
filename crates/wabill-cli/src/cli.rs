//! The command line as the user types it (clap derive). Nothing here is
//! resolved or loaded; `app::settings` turns it into a runnable plan.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::choice::{choice, formats};
use crate::error::{Exit, exit_codes_help, exit_line};

pub use wabill::engine::Engine;
use wabill::reconcile::Granularity;
use wabill::render::{Document, Format, GRID_FORMATS};

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
    #[arg(long, global = true, value_name = "CHAR", value_parser = check_delimiter)]
    pub csv_delimiter: Option<String>,

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
        if let Some(c) = self.csv_delimiter.as_deref().and_then(delimiter_byte) {
            d.delimiter = c;
        }
        d
    }
}

/// `;`, `,`, `|`, or a tab (`\t`, `tab`).
fn delimiter_byte(s: &str) -> Option<u8> {
    match s {
        "\\t" | "tab" | "\t" => Some(b'\t'),
        d if d.len() == 1
            && !d.as_bytes()[0].is_ascii_alphanumeric()
            && !matches!(d, "\"" | "\n" | "\r" | ".") =>
        {
            Some(d.as_bytes()[0])
        }
        _ => None,
    }
}

fn check_delimiter(s: &str) -> Result<String, BadValue> {
    delimiter_byte(s)
        .map(|_| s.to_string())
        .ok_or(BadValue::Delimiter)
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

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print (estimate, price, …) [default: one page with every command and its options]
    #[arg(value_name = "COMMAND", conflicts_with = "dir")]
    pub command: Option<String>,

    /// Write wabill.1 and one page per command (wabill-estimate.1, …) into DIR
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Rows to write (suffixes k and M allowed: 10M)
    #[arg(long, default_value = "1M", value_parser = parse_count)]
    pub rows: u64,
    /// Seed; the same seed and options give the same bytes
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Distinct customers [default: rows / 10]
    #[arg(long, value_parser = parse_count)]
    pub customers: Option<u64>,
    /// Business phone numbers
    #[arg(long, default_value_t = 4)]
    pub businesses: u32,
    /// First day (YYYY-MM-DD, UTC)
    #[arg(long, default_value = "2026-01-05")]
    pub start: jiff::civil::Date,
    /// Days the log spans
    #[arg(long, default_value_t = 30)]
    pub days: u32,
    /// Share of customer messages from a click-to-WhatsApp ad (0–1)
    #[arg(long, default_value_t = 0.06)]
    pub entry_point_share: f64,
    /// Share of outbound messages logged as a `sent` row plus a receipt row (0–1)
    #[arg(long, default_value_t = 0.0)]
    pub status_event_share: f64,
    /// Shuffle the rows (the header stays first)
    #[arg(long)]
    pub shuffle: bool,
    /// Write Meta's webhook notifications (JSON lines) instead of a CSV log
    #[arg(long)]
    pub webhooks: bool,
    /// Write to FILE instead of standard output
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

// Flag values checked while parsing, so a bad one is a usage error (exit 2)
// in clap's words; each keeps the text for `app` to resolve.

/// Why a flag's value is refused (clap prints it after the flag's name).
#[derive(Debug, thiserror::Error)]
pub enum BadValue {
    #[error(transparent)]
    Group(#[from] wabill::report::UnknownGroup),
    #[error("needs at least one key")]
    NoKey,
    #[error("not a 3-letter currency code (like USD)")]
    Currency,
    #[error("not a date (YYYY-MM-DD)")]
    Date,
    #[error(transparent)]
    Scenario(#[from] wabill::report::scenario::ScenarioError),
    #[error("{0:?} is not a count like 1500, 10k or 10M")]
    Count(String),
    #[error("not a percent from 0 to 100 (80% or 80)")]
    Percent,
    #[error("not a delimiter: one character other than a letter, digit, quote or dot (or \\t)")]
    Delimiter,
    #[error("{0:?} is not a size of at least 1 byte like 65536, 512K, 4M or 1G")]
    Size(String),
}

/// A size in bytes: a number, or with K, M, G (powers of 1024), at least 1.
pub fn parse_size(s: &str) -> Result<usize, BadValue> {
    let t = s.trim().replace('_', "");
    let t = t.strip_suffix(['b', 'B']).unwrap_or(&t);
    let t = t.strip_suffix(['i', 'I']).unwrap_or(t);
    let (digits, scale) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1 << 10),
        Some('m' | 'M') => (&t[..t.len() - 1], 1 << 20),
        Some('g' | 'G') => (&t[..t.len() - 1], 1 << 30),
        _ => (t, 1),
    };
    digits
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|n| *n >= 1)
        .ok_or_else(|| BadValue::Size(s.to_string()))
}

fn check_by(s: &str) -> Result<String, BadValue> {
    match wabill::report::GroupBy::parse_list(s)? {
        keys if keys.is_empty() => Err(BadValue::NoKey),
        _ => Ok(s.to_string()),
    }
}

fn check_decimal(s: &str) -> Result<String, wabill::refdata::csvfile::CellError> {
    wabill::refdata::csvfile::parse_amount(s).map(|_| s.to_string())
}

/// A budget: a plain decimal, not negative.
fn check_budget(s: &str) -> Result<String, String> {
    match wabill::refdata::csvfile::parse_amount(s) {
        Ok(d) if d.is_sign_negative() && !d.is_zero() => {
            Err(format!("{s:?} is negative: a budget is 0 or more"))
        }
        Ok(_) => Ok(s.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

/// A field delimiter: one character, or `\t` / `tab`.
fn check_input_delimiter(s: &str) -> Result<String, String> {
    match s {
        "\\t" | "tab" | "\t" => Ok(s.to_string()),
        d if d.len() == 1 && d != "\n" && d != "\r" && d != "\"" => Ok(s.to_string()),
        d => Err(format!("{d:?} must be one character (or \\t)")),
    }
}

fn check_zone(s: &str) -> Result<String, wabill::refdata::businesses::UnknownZone> {
    wabill::refdata::businesses::parse_zone(s).map(|_| s.to_string())
}

fn check_currency(s: &str) -> Result<String, BadValue> {
    wabill::refdata::rates::Currency::parse(s)
        .map(|_| s.to_string())
        .ok_or(BadValue::Currency)
}

fn check_date(s: &str) -> Result<String, BadValue> {
    s.trim()
        .parse::<jiff::civil::Date>()
        .map(|_| s.to_string())
        .map_err(|_| BadValue::Date)
}

fn check_column(s: &str) -> Result<String, wabill::input::ColumnError> {
    wabill::input::ColumnMap::default()
        .add(s)
        .map(|()| s.to_string())
}

fn check_tolerance(s: &str) -> Result<String, wabill::reconcile::tolerance::BadTolerance> {
    wabill::reconcile::tolerance::Tolerance::parse(&[s.to_string()]).map(|_| s.to_string())
}

fn check_scenario(s: &str) -> Result<String, BadValue> {
    Ok(wabill::report::scenario::split_scenario(s).map(|_| s.to_string())?)
}

/// `1500`, `10k`, `10M`, `1_000_000`.
fn parse_count(s: &str) -> Result<u64, BadValue> {
    let t = s.trim().replace('_', "");
    let (digits, scale) = match t.chars().last() {
        Some('k' | 'K') => (&t[..t.len() - 1], 1_000),
        Some('m' | 'M') => (&t[..t.len() - 1], 1_000_000),
        _ => (&t[..], 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .ok_or_else(|| BadValue::Count(s.to_string()))
}

/// Which rules and tables price the log.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Pricing")]
pub struct PricingArgs {
    // Values and help come from the model table (`pricing::MODELS`).
    #[arg(
        long,
        help = wabill::pricing::Model::help(),
        value_parser = clap::builder::PossibleValuesParser::new(wabill::pricing::Model::choices()),
    )]
    pub model: Option<String>,

    /// Rate card CSV (market,category,rate,currency,effective_from[,unit]), or
    /// Meta's downloadable rate card as published, layered over the built-in
    /// cards; repeatable, later files win. unit=conversation for
    /// per-conversation rates. Adds to the rates of wabill.toml (which come
    /// first)
    #[arg(long, value_name = "FILE")]
    pub rates: Vec<PathBuf>,

    /// Market table CSV (prefix,country,market,effective_from,effective_to)
    /// replacing the built-in one
    #[arg(long, value_name = "FILE")]
    pub markets: Option<PathBuf>,

    /// Volume tier file replacing Meta's built-in table (in force from
    /// 2026-04-01): CSV market,category,from,to,rate,currency,effective_from,
    /// or Meta's downloadable volume-tier file as published
    #[arg(long, value_name = "FILE", overrides_with = "no_tiers")]
    pub tiers: Option<PathBuf>,

    /// Price utility and authentication at list rates, with no volume tiers
    #[arg(long, overrides_with = "tiers")]
    pub no_tiers: bool,

    /// Price a cell whose current value is unknown at its last known rate
    /// (rows marked "stale since" the change) instead of failing
    #[arg(long)]
    pub stale_rates: bool,

    /// Businesses CSV (business,timezone,portfolio,home_country,ai_provider)
    #[arg(long, value_name = "FILE")]
    pub businesses: Option<PathBuf>,

    /// AI Provider markets CSV (country,from,until) replacing the built-in
    /// table of where Meta charges AI Providers' non-template messages
    #[arg(long, value_name = "FILE")]
    pub ai_markets: Option<PathBuf>,

    /// Max prices CSV (template,max_price_per_1000,currency) of Marketing
    /// Messages API templates: reports add the upper bound of their cost
    #[arg(long, value_name = "FILE")]
    pub max_price: Option<PathBuf>,

    /// Estimate Business Agent rows without a tokens value at N tokens each
    /// (Meta: about 20,000–25,000); every such row and report says so
    #[arg(long, value_name = "N")]
    pub agent_tokens_per_message: Option<u64>,

    /// Time zone of business accounts not in --businesses (IANA name) [default: UTC]
    #[arg(long, value_name = "ZONE", value_parser = check_zone)]
    pub tz: Option<String>,

    /// Card currency: any currency a built-in or --rates card is in (Meta
    /// publishes each natively; nothing is converted) [default: USD]
    #[arg(long, value_parser = check_currency)]
    pub currency: Option<String>,

    /// Length of the customer service window, in hours
    #[arg(
        long,
        value_name = "HOURS",
        default_value_t = 24,
        value_parser = clap::value_parser!(u32).range(1..),
        hide_short_help = true
    )]
    pub service_window_hours: u32,

    /// Length of the free entry point window, in hours, at every date
    /// (default: 72 h, and 7 days for windows opened from 2026-10-01)
    #[arg(
        long,
        value_name = "HOURS",
        value_parser = clap::value_parser!(u32).range(1..),
        hide_short_help = true
    )]
    pub entry_point_hours: Option<u32>,

    /// The wabill.toml that filled in defaults (set by `app::config`).
    #[arg(skip)]
    pub config_file: Option<PathBuf>,
}

fn check_period(s: &str) -> Result<String, wabill::report::period::BadPeriod> {
    wabill::report::period::Period::parse(s).map(|_| s.to_string())
}

/// The reporting period: the whole log is priced, only the period reported.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Period")]
pub struct PeriodArgs {
    /// Report only messages of this period of local dates (each business's
    /// zone): 2026-02, 2026-Q1, 2026 or 2026-02-14. The whole log is still
    /// priced, so windows, allowances and tiers see every earlier message
    #[arg(long, value_name = "PERIOD", value_parser = check_period, conflicts_with_all = ["from", "to"])]
    pub period: Option<String>,

    /// Report only messages dated on or after DATE (local, YYYY-MM-DD)
    #[arg(long, value_name = "DATE", value_parser = check_date)]
    pub from: Option<String>,

    /// Report only messages dated on or before DATE (local, YYYY-MM-DD)
    #[arg(long, value_name = "DATE", value_parser = check_date)]
    pub to: Option<String>,
}

/// `80%` or `80`: a percent from 0 to 100.
pub fn parse_percent(s: &str) -> Option<rust_decimal::Decimal> {
    let t = s.trim();
    let t = t.strip_suffix('%').unwrap_or(t).trim();
    t.parse::<rust_decimal::Decimal>()
        .ok()
        .filter(|d| !d.is_sign_negative() && *d <= rust_decimal::Decimal::ONE_HUNDRED)
}

fn check_percent(s: &str) -> Result<String, BadValue> {
    parse_percent(s)
        .map(|_| s.to_string())
        .ok_or(BadValue::Percent)
}

fn check_tax(s: &str) -> Result<String, wabill::report::allin::BadTax> {
    wabill::report::allin::Tax::parse(s).map(|_| s.to_string())
}

/// The all-in cost: the provider's fees, tax, a reporting currency.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "All-in cost")]
pub struct AllInArgs {
    /// Provider fees CSV (fee,amount: outbound_message, inbound_message,
    /// failed_message, markup_percent, monthly_platform), as reconcile reads
    #[arg(long, value_name = "FILE")]
    pub fees: Option<PathBuf>,

    /// VAT/GST in percent on Meta's cost and the fee (19 or 19%), or by the
    /// business's home_country (--businesses): DE:19,FR:20,*:0
    #[arg(long, value_name = "RATE", value_parser = check_tax)]
    pub tax: Option<String>,

    /// Dated exchange rates CSV (date,from,to,rate) into the reporting
    /// currency: each message at the rate in force on its local date
    #[arg(long, value_name = "FILE")]
    pub fx: Option<PathBuf>,

    /// With --fx: the currency to report in [default: the only one --fx
    /// converts the card currency into]
    #[arg(long, value_name = "CODE", requires = "fx", value_parser = check_currency)]
    pub report_currency: Option<String>,
}

/// How the logs are read.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Input")]
pub struct InputArgs {
    /// Message logs (CSV, Meta's webhook JSON or a provider's export, plain, .gz or .zst); `-`
    /// reads standard input, as does giving none when it is a pipe
    #[arg(value_name = "LOG")]
    pub logs: Vec<String>,

    /// Map a column to a differently named header, e.g. customer=to_number
    #[arg(long, value_name = "NAME=HEADER", value_parser = check_column)]
    pub column: Vec<String>,

    /// Field delimiter (default: detected from the header among , ; tab)
    #[arg(long, value_name = "CHAR", value_parser = check_input_delimiter)]
    pub delimiter: Option<String>,

    /// Read the logs as this format instead of detecting it from their
    /// content and name: csv (wabill's log), webhooks (Meta's Cloud API
    /// notifications, JSON), or a provider's export: twilio, kaleyra,
    /// ycloud, gupshup, infobip, wati
    #[arg(long, value_name = "NAME")]
    pub input_format: Option<String>,

    /// Template categories for exports that name a template but not its
    /// category (Twilio, Kaleyra, Infobip, WATI): CSV with name (or id, or body)
    /// and category columns
    #[arg(long, value_name = "FILE")]
    pub templates: Option<PathBuf>,

    /// The zone of timestamps written with no offset (a warehouse's
    /// TIMESTAMP_NTZ or DATETIME): UTC or an IANA zone such as
    /// America/Sao_Paulo. Without it such timestamps are rejected
    #[arg(long, value_name = "UTC|ZONE", value_parser = check_zone)]
    pub naive_tz: Option<String>,

    /// Fail (exit 1) if any row is rejected
    #[arg(long)]
    pub strict: bool,

    /// Write every rejected row to FILE (CSV: file, line, column, value,
    /// reason, and the record as its source wrote it: a CSV row's fields,
    /// a JSON event's text)
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,

    /// No progress or per-row diagnostics on stderr (summaries remain)
    #[arg(short, long)]
    pub quiet: bool,

    /// Accept a log with no usable message (empty, header only, or every
    /// row rejected) as a zero-cost report instead of failing (exit 1)
    #[arg(long)]
    pub allow_empty: bool,

    /// The longest row of delimited text (CSV, a provider's CSV export) read;
    /// a longer row is one rejected row ("row longer than …"), skipped to its
    /// line end [default: 1M = 1,048,576 bytes]
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub max_row_bytes: Option<usize>,
}

#[derive(Debug, Args)]
pub struct EstimateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub pricing: PricingArgs,
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub all_in: AllInArgs,

    /// Group by any of market, country, category, month, day, business, pricing_type,
    /// conversation_type, group, template, week, quarter, year, or column:NAME (a
    /// column of the log; repeatable in the list)
    #[arg(help_heading = "Output", long, value_name = "KEYS", default_value = "market,category", value_parser = check_by)]
    pub by: String,

    /// Output format [default: from the -o file's extension, else table]
    #[arg(help_heading = "Output", long, value_parser = formats(wabill::report::Report::FORMATS))]
    pub format: Option<Format>,

    /// Exit 3 when the total cost (the all-in total with --fees, --tax or
    /// --fx; the period's with --period) exceeds AMOUNT
    #[arg(help_heading = "Output", long, value_name = "AMOUNT", value_parser = check_budget)]
    pub budget: Option<String>,

    /// With --budget or --budget-file: warn (stderr, and `meta.budget` in
    /// JSON) when a total reaches this share of its budget (80% or 80)
    #[arg(help_heading = "Output", long, value_name = "PERCENT", value_parser = check_percent)]
    pub warn_at: Option<String>,

    /// Budgets per group (CSV: a --by key's name, e.g. column:campaign or
    /// market, then budget): exit 3 when a group's cost (all-in total with
    /// --fees, --tax, --fx) exceeds its budget
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub budget_file: Option<PathBuf>,

    /// How to read the log: stream files in time order (memory follows open
    /// windows) and fall back to sorting in memory when they are not in order
    #[arg(long, value_parser = choice::<Engine>(), default_value_t = Engine::Auto, hide_short_help = true)]
    pub engine: Engine,

    /// Worker threads for streaming [default: every core]: 1 reads and prices
    /// on one thread, 2 read on one and price on another, N > 2 add N - 2
    /// pricing shards (the same bytes every way)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..), hide_short_help = true)]
    pub threads: Option<u16>,

    /// Write the report to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Partial reports (JSON of `wabill estimate --format json`); `-` reads standard input
    #[arg(value_name = "REPORT", required = true)]
    pub reports: Vec<String>,

    /// Output format [default: from the -o file's extension, else table]
    #[arg(long, value_parser = formats(GRID_FORMATS))]
    pub format: Option<Format>,

    /// Write the report to FILE (atomically) instead of standard output
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PartitionArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// What keeps rows together
    #[arg(long, value_enum, default_value_t = crate::partition::PartitionBy::Portfolio)]
    pub by: crate::partition::PartitionBy,

    /// Number of parts
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub parts: u32,

    /// Directory for the parts (created if missing); one that holds parts
    /// or a manifest of an earlier run is refused without --force
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// Replace the parts and manifest an earlier run left in DIR
    #[arg(long)]
    pub force: bool,

    /// Businesses CSV (business,timezone,portfolio,home_country): the portfolio of each business
    #[arg(long, value_name = "FILE")]
    pub businesses: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PriceArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub pricing: PricingArgs,
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub all_in: AllInArgs,

    /// Output format [default: from the -o file's extension, else csv]
    #[arg(help_heading = "Output", long, value_parser = formats(wabill::render::rows::FORMATS))]
    pub format: Option<Format>,

    /// Write through only these log columns that wabill does not interpret
    /// (comma-separated; repeatable) [default: every such column]
    #[arg(help_heading = "Output", long, value_name = "COLUMNS")]
    pub keep: Vec<String>,

    /// Write to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub pricing: PricingArgs,
    #[command(flatten)]
    pub all_in: AllInArgs,

    /// The message to explain
    #[arg(long, value_name = "ID", required_unless_present = "customer")]
    pub message_id: Option<String>,

    /// Show the whole timeline of this customer (with every business)
    #[arg(long, value_name = "NUMBER", conflicts_with = "message_id")]
    pub customer: Option<String>,

    /// With --customer: only this business number
    #[arg(long, value_name = "BUSINESS", requires = "customer")]
    pub business: Option<String>,

    /// Write to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub pricing: PricingArgs,

    /// Output format of the problem list [default: from the -o file's extension, else text]
    #[arg(help_heading = "Output", long, value_parser = formats(wabill::render::problems::Problems::FORMATS))]
    pub format: Option<Format>,

    /// Write to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ForecastArgs {
    /// Plan CSV: month,market|country,category,messages[,in_window_share][,free_entry_point_share];
    /// repeat it to forecast several plans side by side (one column each,
    /// differences against the first)
    #[arg(
        long,
        value_name = "FILE",
        required_unless_present = "from_log",
        conflicts_with = "from_log"
    )]
    pub plan: Vec<PathBuf>,

    /// Learn monthly volumes from these logs and project them forward
    #[arg(long = "from-log", value_name = "LOG", num_args = 1.., requires = "months")]
    pub from_log: Vec<String>,

    /// With --from-log: how many months after the history to forecast (1-120)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=120))]
    pub months: Option<u32>,

    /// With --from-log: compound monthly growth (5% or 0.05; negative shrinks)
    /// instead of a trend fitted to the history
    #[arg(
        long,
        value_name = "RATE",
        requires = "from_log",
        allow_hyphen_values = true
    )]
    pub growth: Option<String>,

    /// With --plan: business phone numbers sharing the 1,000 free service
    /// messages a month (2026-10 model); --from-log follows the log's numbers
    #[arg(
        long,
        value_name = "N",
        default_value_t = 1,
        conflicts_with = "from_log"
    )]
    pub business_numbers: u64,

    /// With --from-log: map a column to a differently named header
    #[arg(long, value_name = "NAME=HEADER", value_parser = check_column)]
    pub column: Vec<String>,

    /// With --from-log: field delimiter (default: detected)
    #[arg(long, value_name = "CHAR", value_parser = check_input_delimiter)]
    pub delimiter: Option<String>,

    /// With --from-log: the longest row read (see estimate) [default: 1M]
    #[arg(long, value_name = "BYTES", value_parser = parse_size)]
    pub max_row_bytes: Option<usize>,

    /// No per-row diagnostics on stderr
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub pricing: PricingArgs,
    #[command(flatten)]
    pub all_in: AllInArgs,

    /// Output format [default: from the -o file's extension, else table]
    #[arg(help_heading = "Output", long, value_parser = formats(wabill::render::forecast::Forecast::FORMATS))]
    pub format: Option<Format>,

    /// With table output: monthly spend as a bar chart under the table
    #[arg(help_heading = "Output", long)]
    pub chart: bool,

    /// Exit 3 when any forecast month's cost (the all-in total with --fees,
    /// --tax or --fx) exceeds AMOUNT (the months are named on stderr); the
    /// forecast is still written
    #[arg(help_heading = "Output", long, value_name = "AMOUNT", value_parser = check_decimal)]
    pub budget: Option<String>,

    /// With --budget: warn when a month reaches this share of it (80%)
    #[arg(help_heading = "Output", long, value_name = "PERCENT", requires = "budget", value_parser = check_percent)]
    pub warn_at: Option<String>,

    /// Write to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Common settings every scenario starts from.
    #[command(flatten)]
    pub pricing: PricingArgs,
    #[command(flatten)]
    pub period: PeriodArgs,
    /// Common fees, tax and FX (scenarios may set fees=, tax=, fx=).
    #[command(flatten)]
    pub all_in: AllInArgs,

    /// NAME:KEY=VALUE,... (keys: model, rates, currency, tiers, markets,
    /// fees, tax, fx: with fees, tax or fx the all-in totals are compared);
    /// two or more; differences are against the first
    #[arg(long = "scenario", value_name = "SPEC", required = true, value_parser = check_scenario)]
    pub scenarios: Vec<String>,

    /// Group by any of market, country, category, month, day, business, pricing_type,
    /// template, week, quarter, year, or column:NAME (a column of the log)
    #[arg(help_heading = "Output", long, value_name = "KEYS", default_value = "market,category", value_parser = check_by)]
    pub by: String,

    /// Output format [default: from the -o file's extension, else table]
    #[arg(help_heading = "Output", long, value_parser = formats(GRID_FORMATS))]
    pub format: Option<Format>,

    /// Write to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReconcileArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub pricing: PricingArgs,

    /// Meta's pricing analytics export (Graph API JSON or CSV); repeatable
    /// (one file per page). Without it, each message is compared with
    /// Meta's own decision carried by the log (webhooks' `pricing`)
    #[arg(long, value_name = "FILE")]
    pub actual: Vec<PathBuf>,

    /// Cells by day or month; Meta's data points (half-hour, daily from the
    /// account's midnight, monthly) are grouped into them
    #[arg(long, value_parser = choice::<Granularity>(), default_value_t = Granularity::Day)]
    pub granularity: Granularity,

    /// Allowed cost difference per cell: an amount (0.01, billed currency)
    /// and/or a share of the estimate (2%); a cell passes if it meets either
    /// [default: exact]
    #[arg(long, value_name = "AMOUNT|PERCENT", value_parser = check_tolerance)]
    pub tolerance: Vec<String>,

    /// Group the estimate by Meta's own periods (UTC days in most exports)
    /// instead of each business's time zone (billing months follow the zone)
    #[arg(long)]
    pub utc: bool,

    /// Provider fees CSV (fee,amount): shown beside Meta's charge
    #[arg(long, value_name = "FILE")]
    pub fees: Option<PathBuf>,

    /// Compare the provider's own price of each message (Twilio Price,
    /// YCloud totalPrice, Infobip pricePerMessage, a provider_price column)
    /// with wabill's estimate of Meta's price, plus --fees when given: lists
    /// the messages that differ (`periods`: the totals per --granularity
    /// period, gated by period)
    #[arg(
        long,
        value_parser = choice::<wabill::reconcile::charges::ChargeView>(),
        value_name = "VIEW",
        num_args = 0..=1,
        default_missing_value = "messages",
        conflicts_with = "actual"
    )]
    pub provider_charges: Option<wabill::reconcile::charges::ChargeView>,

    /// Dated exchange rates CSV (date,from,to,rate) into the reporting currency
    #[arg(long, value_name = "FILE")]
    pub fx: Option<PathBuf>,

    /// With --fx: the currency to report in [default: the only one --fx
    /// converts the billed currency into]
    #[arg(long, value_name = "CODE", requires = "fx", value_parser = check_currency)]
    pub report_currency: Option<String>,

    /// Output format [default: from the -o file's extension, else table]
    #[arg(help_heading = "Output", long, value_parser = formats(wabill::reconcile::Reconciliation::FORMATS))]
    pub format: Option<Format>,

    /// Write to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RatesArgs {
    /// Show the market of this number and its rates
    #[arg(long, value_name = "NUMBER")]
    pub number: Option<String>,

    /// Date the rates apply on (YYYY-MM-DD)
    #[arg(long, value_name = "DATE", value_parser = check_date)]
    pub date: String,

    #[command(flatten)]
    pub pricing: PricingArgs,

    /// Output format [default: from the -o file's extension, else table]
    #[arg(help_heading = "Output", long, value_parser = formats(GRID_FORMATS))]
    pub format: Option<Format>,

    /// Write to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The parser: every flag may be given again, its last use winning (so a
/// flag typed by the user overrides one a config file put before it).
pub fn command(color: crate::color::When) -> clap::Command {
    use clap::CommandFactory;
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
            Command::Estimate(a) => Some(&mut a.pricing),
            Command::Price(a) => Some(&mut a.pricing),
            Command::Explain(a) => Some(&mut a.pricing),
            Command::Validate(a) => Some(&mut a.pricing),
            Command::Rates(a) => Some(&mut a.pricing),
            Command::Forecast(a) => Some(&mut a.pricing),
            Command::Compare(a) => Some(&mut a.pricing),
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
