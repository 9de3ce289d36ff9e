//! The flags several commands share (how logs are read, what prices them,
//! the reporting period, the all-in cost) and the value parsers of every
//! flag. A value is parsed once, here, into the type `app/` uses: a bad one
//! is a usage error (exit 2) in clap's words, whether typed or written in
//! wabill.toml (`config.rs` makes each key an argument for the same parser).

use std::path::PathBuf;

use clap::Args;
use clap::builder::TypedValueParser;
use jiff::civil::Date;
use rust_decimal::Decimal;

use wabill::model::Currency;
use wabill::pricing::ModelChoice;
use wabill::report::GroupBy;
use wabill::report::allin::Tax;
use wabill::report::period::Period;

/// A tab (`\t`, `tab`, or the character), or a one-byte value.
pub fn tab_or_byte(s: &str) -> Option<u8> {
    match s {
        "\\t" | "tab" | "\t" => Some(b'\t'),
        d if d.len() == 1 => Some(d.as_bytes()[0]),
        _ => None,
    }
}

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
    #[error("--growth {0:?}: give a percentage (5%) or a fraction (0.05) a month")]
    Growth(String),
    #[error("--growth {0:?}: a shrink of 100% or more leaves nothing to forecast")]
    Shrink(String),
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

/// `--by`: one or more keys.
pub fn parse_by(s: &str) -> Result<Vec<GroupBy>, BadValue> {
    match GroupBy::parse_list(s)? {
        keys if keys.is_empty() => Err(BadValue::NoKey),
        keys => Ok(keys),
    }
}

/// A field delimiter: one character, or `\t` / `tab`.
pub fn parse_input_delimiter(s: &str) -> Result<u8, String> {
    match tab_or_byte(s) {
        Some(b) if !matches!(b, b'\n' | b'\r' | b'"') => Ok(b),
        _ => Err(format!("{s:?} must be one character (or \\t)")),
    }
}

/// A time zone and the name it is shown by.
#[derive(Clone, Debug)]
pub struct Zone {
    pub tz: jiff::tz::TimeZone,
    /// As given, but `UTC` in any case is `UTC`.
    pub name: String,
}

pub fn parse_zone(s: &str) -> Result<Zone, wabill::refdata::businesses::UnknownZone> {
    Ok(Zone {
        tz: wabill::refdata::businesses::parse_zone(s)?,
        name: if s.eq_ignore_ascii_case("utc") {
            "UTC".to_string()
        } else {
            s.to_string()
        },
    })
}

pub fn parse_currency(s: &str) -> Result<Currency, BadValue> {
    Currency::parse(s).ok_or(BadValue::Currency)
}

pub fn parse_date(s: &str) -> Result<Date, BadValue> {
    s.trim().parse::<Date>().map_err(|_| BadValue::Date)
}

/// `NAME=HEADER`: a column and the header it is read from.
pub fn parse_column(
    s: &str,
) -> Result<(wabill::input::Column, String), wabill::input::ColumnError> {
    wabill::input::ColumnMap::mapping(s)
}

pub fn parse_input_format(
    s: &str,
) -> Result<&'static wabill::input::Format, wabill::input::UnknownFormat> {
    wabill::input::format_named(s)
}

/// `80%` or `80`: a percent from 0 to 100.
pub fn parse_percent(s: &str) -> Result<Decimal, BadValue> {
    let t = s.trim();
    let t = t.strip_suffix('%').unwrap_or(t).trim();
    t.parse::<Decimal>()
        .ok()
        .filter(|d| !d.is_sign_negative() && *d <= Decimal::ONE_HUNDRED)
        .ok_or(BadValue::Percent)
}

/// Which rules and tables price the log.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Pricing")]
pub struct PricingArgs {
    // Values and help come from the model table (`pricing::MODELS`).
    #[arg(
        long,
        help = wabill::pricing::Model::help(),
        value_parser = clap::builder::PossibleValuesParser::new(wabill::pricing::Model::choices())
            .try_map(|name| name.parse::<ModelChoice>()),
    )]
    pub model: Option<ModelChoice>,

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
    #[arg(long, value_name = "ZONE", value_parser = parse_zone)]
    pub tz: Option<Zone>,

    /// Card currency: any currency a built-in or --rates card is in (Meta
    /// publishes each natively; nothing is converted) [default: USD]
    #[arg(long, value_parser = parse_currency)]
    pub currency: Option<Currency>,

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

    /// The wabill.toml that filled in defaults (set by `config.rs`).
    #[arg(skip)]
    pub config_file: Option<PathBuf>,
}

impl PricingArgs {
    /// The `wabill.toml` a command's defaults came from, as every report's
    /// provenance names it (`defaults: wabill.toml`).
    pub fn config_shown(&self) -> Option<String> {
        self.config_file.as_ref().map(|p| p.display().to_string())
    }
}

/// The reporting period: the whole log is priced, only the period reported.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Period")]
pub struct PeriodArgs {
    /// Report only messages of this period of local dates (each business's
    /// zone): 2026-02, 2026-Q1, 2026 or 2026-02-14. The whole log is still
    /// priced, so windows, allowances and tiers see every earlier message
    #[arg(long, value_name = "PERIOD", value_parser = Period::parse, conflicts_with_all = ["from", "to"])]
    pub period: Option<Period>,

    /// Report only messages dated on or after DATE (local, YYYY-MM-DD)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub from: Option<Date>,

    /// Report only messages dated on or before DATE (local, YYYY-MM-DD)
    #[arg(long, value_name = "DATE", value_parser = parse_date)]
    pub to: Option<Date>,
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
    #[arg(long, value_name = "RATE", value_parser = Tax::parse)]
    pub tax: Option<Tax>,

    /// Dated exchange rates CSV (date,from,to,rate) into the reporting
    /// currency: each message at the rate in force on its local date
    #[arg(long, value_name = "FILE")]
    pub fx: Option<PathBuf>,

    /// With --fx: the currency to report in [default: the only one --fx
    /// converts the card currency into]
    #[arg(long, value_name = "CODE", requires = "fx", value_parser = parse_currency)]
    pub report_currency: Option<Currency>,
}

/// A priced log's flags, in this order in every command that takes them
/// all (estimate, price, compare): how it is read, what prices it, the
/// period reported, the all-in cost.
#[derive(Debug, Clone, Args)]
pub struct PricedLogArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub pricing: PricingArgs,
    #[command(flatten)]
    pub period: PeriodArgs,
    #[command(flatten)]
    pub all_in: AllInArgs,
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
    #[arg(long, value_name = "NAME=HEADER", value_parser = parse_column)]
    pub column: Vec<(wabill::input::Column, String)>,

    /// Field delimiter (default: detected from the header among , ; tab)
    #[arg(long, value_name = "CHAR", value_parser = parse_input_delimiter)]
    pub delimiter: Option<u8>,

    /// Read the logs as this format instead of detecting it from their
    /// content and name: csv (wabill's log), webhooks (Meta's Cloud API
    /// notifications, JSON), or a provider's export: twilio, kaleyra,
    /// ycloud, gupshup, infobip, wati
    #[arg(long, value_name = "NAME", value_parser = parse_input_format)]
    pub input_format: Option<&'static wabill::input::Format>,

    /// Template categories for exports that name a template but not its
    /// category (Twilio, Kaleyra, Infobip, WATI): CSV with name (or id, or body)
    /// and category columns
    #[arg(long, value_name = "FILE")]
    pub templates: Option<PathBuf>,

    /// The zone of timestamps written with no offset (a warehouse's
    /// TIMESTAMP_NTZ or DATETIME): UTC or an IANA zone such as
    /// America/Sao_Paulo. Without it such timestamps are rejected
    #[arg(long, value_name = "UTC|ZONE", value_parser = parse_zone)]
    pub naive_tz: Option<Zone>,

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
