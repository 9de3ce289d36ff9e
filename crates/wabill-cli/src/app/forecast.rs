//! `wabill forecast`: a plan, or a log's history projected forward, priced
//! month by month.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;
use rust_decimal::Decimal;

use super::output::Target;
use super::settings::{self, zone_description};
use crate::choice::formats;
use crate::color::style_for_stdout;
use crate::error::{Exit, Failure};
use crate::flags::{
    AllInArgs, BadValue, InputArgs, PricingArgs, parse_column, parse_input_delimiter,
    parse_percent, parse_size,
};
use wabill::engine::note;
use wabill::forecast::plan::parse_plan;
use wabill::forecast::project::Method;
use wabill::forecast::{self, ForecastMeta, History, Partial, Planned};
use wabill::pricing::{PricingContext, Sent};
use wabill::render::forecast::Forecast;
use wabill::render::{Document, Format, plural};

/// An amount: a plain decimal.
fn parse_decimal(s: &str) -> Result<Decimal, wabill::refdata::csvfile::CellError> {
    wabill::refdata::csvfile::parse_amount(s)
}

/// `5%` or `0.05` a month (negative shrinks), as a fraction.
fn parse_growth(s: &str) -> Result<Decimal, BadValue> {
    let t = s.trim();
    let g = match t.strip_suffix('%') {
        Some(p) => p
            .trim()
            .parse::<Decimal>()
            .ok()
            .map(|d| d / Decimal::ONE_HUNDRED),
        None => t.parse::<Decimal>().ok().filter(|d| d.abs() < Decimal::ONE),
    }
    .ok_or_else(|| BadValue::Growth(s.to_string()))?;
    if g <= -Decimal::ONE {
        return Err(BadValue::Shrink(s.to_string()));
    }
    Ok(g.normalize())
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
        allow_hyphen_values = true,
        value_parser = parse_growth
    )]
    pub growth: Option<Decimal>,

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
    #[arg(long, value_name = "NAME=HEADER", value_parser = parse_column)]
    pub column: Vec<(wabill::input::Column, String)>,

    /// With --from-log: field delimiter (default: detected)
    #[arg(long, value_name = "CHAR", value_parser = parse_input_delimiter)]
    pub delimiter: Option<u8>,

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
    #[arg(help_heading = "Output", long, value_name = "AMOUNT", value_parser = parse_decimal)]
    pub budget: Option<Decimal>,

    /// With --budget: warn when a month reaches this share of it (80%)
    #[arg(help_heading = "Output", long, value_name = "PERCENT", requires = "budget", value_parser = parse_percent)]
    pub warn_at: Option<Decimal>,

    /// Write to FILE (atomically; `-` is standard output)
    #[arg(help_heading = "Output", short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Errors of a plan printed one by one before a count.
const SHOWN_ERRORS: usize = 30;

pub fn run(args: &ForecastArgs) -> Result<Exit> {
    let (target, format) = Target::with_format(
        args.output.as_deref(),
        args.format,
        Format::Table,
        Forecast::FORMATS,
    )?;
    let inputs: Vec<&std::path::Path> = args
        .plan
        .iter()
        .map(|p| p.as_path())
        .chain(
            args.from_log
                .iter()
                .filter(|l| *l != "-")
                .map(std::path::Path::new),
        )
        .collect();
    super::output::check_paths(&inputs, &[("-o", args.output.as_deref())])?;
    if args.chart && format != Format::Table {
        bail!("--chart adds a bar chart to the table output; svg and html are charts already");
    }
    let growth = args.growth;
    if args.plan.len() > 1 {
        return side_by_side(args, &target, format);
    }
    let (ctx, planned, meta) = match args.plan.first() {
        Some(path) => from_plan(args, path)?,
        None => from_history(args, growth)?,
    };
    let mut report = price_forecast(&ctx, planned, meta)?;
    if let Some(rules) = forecast_all_in(args, &ctx)? {
        forecast::allin::apply(&mut report, &rules, ctx.currency).map_err(|months| {
            for m in &months {
                note(&format!("cannot price all-in {m}"));
            }
            Failure::new(
                Exit::Error,
                format!(
                    "{} could not be converted; nothing was written",
                    super::finish::plural(months.len() as u64, "forecast month")
                ),
            )
        })?;
    }
    let mut output = target.open()?;
    wabill::render::write(
        &Forecast {
            report: &report,
            chart: args.chart,
        },
        format,
        style_for_stdout(!target.is_stdout()),
        output.writer(),
    )?;
    output.finish()?;
    forecast_budget(&report, args)
}

/// `--fees`, `--tax`, `--fx` on a forecast: the rules `estimate` uses, with
/// one tax rate (a forecast's volumes are no business's).
fn forecast_all_in(
    args: &ForecastArgs,
    ctx: &PricingContext,
) -> Result<Option<wabill::reconcile::allin::AllInRules>> {
    if let Some(t) = &args.all_in.tax
        && !t.by_country.is_empty()
    {
        return Err(Failure::new(
            Exit::Usage,
            format!(
                "--tax {}: a forecast takes one rate for every business (19 or 19%), not \
                 rates by country",
                t.describe()
            ),
        )
        .into());
    }
    Ok(settings::all_in(&args.all_in, ctx)?.map(|mut rules| {
        rules.description = rules.description.replace(
            "at the rate of each message's date",
            "at the rate of each forecast month's first day",
        );
        rules
    }))
}

/// `--budget` on a forecast: each month against it. A month over it is
/// named and the run exits 3 (the forecast is written); `--warn-at` names
/// the months at or past that share.
fn forecast_budget(report: &wabill::forecast::ForecastReport, args: &ForecastArgs) -> Result<Exit> {
    let Some(budget) = args.budget else {
        return Ok(Exit::Ok);
    };
    let warn_at = args.warn_at;
    let currency = match &report.meta.all_in {
        Some(a) => &a.currency,
        None => &report.meta.currency,
    };
    let money = wabill::render::money;
    let mut over = false;
    for m in &report.months {
        let cost = m.amounts.all_in.map_or(m.amounts.cost, |a| a.total);
        if cost > budget {
            over = true;
            note(&format!(
                "over budget: {} forecasts {} {currency}, over budget {} {currency} by {}",
                m.month,
                money(cost),
                money(budget),
                money(cost - budget)
            ));
        } else if let Some(w) = warn_at
            && cost * rust_decimal::Decimal::ONE_HUNDRED >= budget * w
        {
            note(&format!(
                "warning: {} forecasts {} {currency}, at or past {}% of budget {} {currency}",
                m.month,
                money(cost),
                w.normalize(),
                money(budget)
            ));
        }
    }
    if over {
        return Ok(Exit::OverBudget);
    }
    note(&format!(
        "within budget: every forecast month at most {} {currency}",
        money(budget)
    ));
    Ok(Exit::Ok)
}

/// What every forecast assumes. `log_numbers` is the number of business
/// numbers of a log's history, each with its own service allowance; a plan
/// pools `--business-numbers` allowances.
fn base_meta(ctx: &PricingContext, args: &ForecastArgs, log_numbers: Option<u64>) -> ForecastMeta {
    let tiers = args.pricing.tiers.as_ref().map(|p| p.display().to_string());
    let mut assumptions = vec![
        "each month is priced with the model, rate card, market table and tiers in force \
         on its first day"
            .to_string(),
        match &tiers {
            Some(t) => format!(
                "volume tiers from {t}; counts restart each month and are consumed in \
                 report order (market, category, window)"
            ),
            None if args.pricing.no_tiers => "no volume tiers (--no-tiers)".to_string(),
            None => "Meta's volume tiers (built-in table from 2026-04-01); counts restart each \
                     month and are consumed in report order (market, category, window)"
                .to_string(),
        },
        match log_numbers {
            None => format!(
                "from 2026-10 the first {} service messages a month are free ({} × {}), \
                 taken in report order",
                wabill::render::group_digits(
                    ctx.service_allowance.saturating_mul(args.business_numbers)
                ),
                plural(args.business_numbers, "business number"),
                wabill::render::group_digits(ctx.service_allowance)
            ),
            Some(n) => format!(
                "from 2026-10 the first {} service messages a month of each business number \
                 are free, as the log's business column says ({})",
                wabill::render::group_digits(ctx.service_allowance),
                plural(n, "number")
            ),
        },
    ];
    if ctx.businesses.is_empty() {
        assumptions.push("authentication_international only where the plan or log says so".into());
    }
    ForecastMeta {
        format_version: wabill::report::FORMAT_VERSION,
        business_numbers: log_numbers.unwrap_or(args.business_numbers),
        model: ctx.model.name().to_string(),
        currency: ctx.currency.to_string(),
        time_zone: zone_description(ctx),
        tiers,
        assumptions,
        config: args.pricing.config_shown(),
        ..ForecastMeta::default()
    }
}

fn from_plan(
    args: &ForecastArgs,
    path: &std::path::Path,
) -> Result<(PricingContext, Vec<Planned>, ForecastMeta)> {
    let ctx = settings::pricing_context(&args.pricing)?;
    let name = path.display().to_string();
    let text = crate::output::read_input(path).with_context(|| format!("cannot read {name}"))?;
    let rows = parse_plan(&name, &text, &ctx.markets).map_err(|errors| {
        for e in errors.iter().take(SHOWN_ERRORS) {
            note(&e.to_string());
        }
        Failure::new(
            Exit::Error,
            format!(
                "{} in the plan {name}; nothing was priced",
                super::finish::plural(errors.len() as u64, "problem")
            ),
        )
    })?;
    let mut planned = Vec::new();
    for row in &rows {
        for (sent, messages) in Sent::ALL.into_iter().zip(row.split()) {
            planned.push(Planned {
                month: row.month,
                place: row.place,
                category: row.category,
                sent,
                messages,
                line: Some(row.line),
                business: None,
            });
        }
    }
    let mut meta = base_meta(&ctx, args, None);
    meta.source = "plan".into();
    meta.inputs = vec![name];
    meta.assumptions.insert(
        0,
        format!(
            "volumes from the plan ({}); window shares split each row into whole \
             messages, rounded half away from zero, the rest sent outside any window",
            super::finish::plural(rows.len() as u64, "row")
        ),
    );
    Ok((ctx, planned, meta))
}

fn from_history(
    args: &ForecastArgs,
    growth: Option<Decimal>,
) -> Result<(PricingContext, Vec<Planned>, ForecastMeta)> {
    let months = args.months.context("--from-log needs --months N")?;
    let input = history_input(args);
    let loaded = settings::load(&args.pricing, &input, false)?;
    let mut history = History::default();
    let unpriced = loaded.price_each(|m, result| {
        if let Ok(p) = result {
            history.add(m, p);
        }
    });
    if let Some(summary) = unpriced.summary() {
        return Err(Failure::new(
            Exit::Error,
            format!("{summary}; the history must be priced to learn its windows"),
        )
        .into());
    }
    let method = growth.map_or(Method::Trend, Method::Growth);
    let strings = &loaded.log.strings;
    let planned = history.project(months, method, |id| strings.businesses.get(id))?;
    let span = history.span();
    let (first, last) = (
        month(span.months[0]),
        month(span.months[span.months.len() - 1]),
    );
    let base = month(span.last_fitted().unwrap_or(span.months[0]));
    let mut meta = base_meta(&loaded.ctx, args, Some(history.business_numbers() as u64));
    meta.source = "history".into();
    meta.inputs = loaded.log.files.clone();
    meta.method = Some(method.describe(&base));
    meta.history = Some(forecast::HistoryMeta {
        first_month: first.clone(),
        last_month: last.clone(),
        months: span.months.len(),
        messages: history.messages(),
        not_delivered_ignored: history.not_delivered,
    });
    let learned = learned(&history, method, &base, months);
    meta.assumptions.splice(0..0, learned);
    Ok((loaded.ctx, planned, meta))
}

/// `YYYY-MM`.
fn month(m: jiff::civil::Date) -> String {
    m.strftime("%Y-%m").to_string()
}

/// How `--from-log` reads the history: the forecast's own few reading
/// flags, every row counted.
fn history_input(args: &ForecastArgs) -> InputArgs {
    InputArgs {
        logs: args.from_log.clone(),
        column: args.column.clone(),
        delimiter: args.delimiter,
        input_format: None,
        templates: None,
        naive_tz: None,
        strict: false,
        rejects: None,
        quiet: args.quiet,
        allow_empty: false,
        max_row_bytes: args.max_row_bytes,
    }
}

/// What the forecast learned from the history, as its first assumptions:
/// the months read and how complete, the projection, and its weak points
/// (months without traffic, a short history; these are noted on stderr too).
fn learned(history: &History, method: Method, base: &str, months: u32) -> Vec<String> {
    let span = history.span();
    let (first, last) = (
        month(span.months[0]),
        month(span.months[span.months.len() - 1]),
    );
    let partial: Vec<String> = span
        .partial_months()
        .iter()
        .map(|(m, covered, days)| format!("{} ({covered} of {days} days)", month(*m)))
        .collect();
    let completeness = match span.treatment {
        Partial::None => "each month taken as complete".to_string(),
        Partial::LeftOut => format!(
            "covered only in part, in the business's time zone, and left out of the fit: {}",
            partial.join(", ")
        ),
        Partial::Scaled => format!(
            "no month covered in full, so the months covered in part are scaled to whole \
             months by the days covered (in the business's time zone): {}",
            partial.join(", ")
        ),
    };
    let mut learned = vec![
        format!(
            "history {first} to {last} ({}, {} delivered outbound messages; \
             {} not delivered ignored), {completeness}",
            plural(span.months.len() as u64, "month"),
            wabill::render::group_digits(history.messages()),
            wabill::render::group_digits(history.not_delivered),
        ),
        format!(
            "projection: {} for {}, per country × category × window \
             (outside, customer service, entry point), rounded to whole messages half \
             away from zero",
            method.describe(base),
            plural(months as u64, "month")
        ),
    ];
    if !span.empty.is_empty() {
        let empty: Vec<String> = span.empty.iter().map(|m| month(*m)).collect();
        let empty = empty.join(", ");
        learned.push(format!(
            "no messages at all in {empty}, between months with messages: counted as \
             months with no traffic"
        ));
        note(&format!(
            "no messages at all in {empty}, between months with messages: is an export file \
             missing?"
        ));
    }
    let fitted = span.fitted_len();
    if fitted < 3 && method == Method::Trend {
        learned.push(format!(
            "only {} of history: the trend is weak",
            plural(fitted as u64, "month")
        ));
        note(&format!(
            "only {fitted} month(s) of history; consider --growth RATE"
        ));
    }
    learned
}

fn price_forecast(
    ctx: &PricingContext,
    planned: Vec<Planned>,
    meta: ForecastMeta,
) -> Result<forecast::ForecastReport> {
    let numbers = meta.business_numbers;
    Ok(
        forecast::price(ctx, planned, numbers, meta).map_err(|failures| {
            for f in failures.iter().take(SHOWN_ERRORS) {
                note(&format!("cannot price {}: {}", f.what, f.error));
            }
            Failure::new(
                Exit::Error,
                format!(
                    "{} could not be priced",
                    super::finish::plural(failures.len() as u64, "forecast volume")
                ),
            )
        })?,
    )
}

/// A plan's name in the comparison: its file's stem, numbered when two
/// plans share one.
fn plan_name(path: &std::path::Path, metas: &[wabill::report::compare::ScenarioMeta]) -> String {
    let stem = path
        .file_stem()
        .map_or("plan".into(), |s| s.to_string_lossy().into_owned());
    let mut name = stem.clone();
    let mut n = 2;
    while metas.iter().any(|m| m.name == name) {
        name = format!("{stem}-{n}");
        n += 1;
    }
    name
}

/// A forecast as a report of rows by month, market and category, as
/// `compare` lays scenarios side by side.
fn as_report(f: &wabill::forecast::ForecastReport) -> wabill::report::Report {
    use wabill::report::{Accounting, Line, Meta, Report, Row};
    let line = |a: &forecast::Amounts| Line {
        messages: a.messages,
        charged: a.charged,
        free: a.free,
        not_delivered: 0,
        unpriced: 0,
        cost: a.cost,
        conversations: None,
        all_in: None,
    };
    Report {
        meta: Meta {
            model: f.meta.model.clone(),
            models_used: f.meta.models_used.clone(),
            currency: f.meta.currency.clone(),
            time_zone: f.meta.time_zone.clone(),
            group_by: vec!["month".into(), "market".into(), "category".into()],
            rate_sources: f.meta.rate_sources.clone(),
            inputs: f.meta.inputs.clone(),
            ..Meta::default()
        },
        rows: f
            .rows
            .iter()
            .map(|r| Row {
                keys: vec![r.month.clone(), r.market.clone(), r.category.clone()],
                line: line(&r.amounts),
            })
            .collect(),
        totals: line(&f.totals),
        accounting: Accounting::default(),
        provider_charges: Vec::new(),
        partial: None,
        spend: None,
    }
}

/// `--plan A.csv --plan B.csv`: each plan forecast, then laid side by side
/// as `compare` lays scenarios (rows by month, market and category; one
/// cost column per plan; differences against the first).
fn side_by_side(args: &ForecastArgs, target: &Target, format: Format) -> Result<Exit> {
    use wabill::report::compare::{Comparison, ScenarioMeta, compare};
    if !wabill::render::offers(Comparison::FORMATS, format) {
        return Err(Failure::new(
            Exit::Usage,
            "several --plan are compared as a table: use table, csv, json, markdown or xlsx",
        )
        .into());
    }
    let all_in = &args.all_in;
    if args.budget.is_some()
        || args.chart
        || all_in.fees.is_some()
        || all_in.tax.is_some()
        || all_in.fx.is_some()
    {
        return Err(Failure::new(
            Exit::Usage,
            "--budget, --chart, --fees, --tax and --fx take one --plan (forecast each plan on \
             its own)",
        )
        .into());
    }
    let mut reports = Vec::new();
    let mut metas: Vec<ScenarioMeta> = Vec::new();
    let mut zone = String::new();
    for path in &args.plan {
        let (ctx, planned, meta) = from_plan(args, path)?;
        let f = price_forecast(&ctx, planned, meta)?;
        let name = plan_name(path, &metas);
        zone = f.meta.time_zone.clone();
        metas.push(ScenarioMeta {
            name,
            settings: format!("plan={}", path.display()),
            model: f.meta.model.clone(),
            models_used: f.meta.models_used.clone(),
            currency: f.meta.currency.clone(),
            rate_sources: f.meta.rate_sources.clone(),
        });
        reports.push(as_report(&f));
    }
    let inputs = args.plan.iter().map(|p| p.display().to_string()).collect();
    let mut comparison = compare(&reports, metas, inputs, zone);
    comparison.meta.config = args.pricing.config_shown();
    comparison.meta.command = "forecast";
    let mut output = target.open()?;
    wabill::render::write(
        &comparison,
        format,
        style_for_stdout(!target.is_stdout()),
        output.writer(),
    )?;
    output.finish()?;
    Ok(Exit::Ok)
}

#[cfg(test)]
mod tests {
    #[test]
    fn growth_rates() {
        use super::parse_growth;
        use rust_decimal_macros::dec;
        assert_eq!(parse_growth("5%").unwrap(), dec!(0.05));
        assert_eq!(parse_growth("0.05").unwrap(), dec!(0.05));
        assert_eq!(parse_growth("-2.5%").unwrap(), dec!(-0.025));
        assert!(parse_growth("5").is_err());
        assert!(parse_growth("-100%").is_err());
        assert!(parse_growth("abc").is_err());
    }
}
