//! The engine: read → validate → price, shared by every command that
//! prices a log. It takes resolved settings (`ReadSettings`, a
//! `PricingContext`), never command-line types.

mod cpu;
mod expiry;
mod progress;
mod shards;
mod stream;

use std::io::{self, IsTerminal, Write};

use crate::display::plural;
use crate::input::InputError;
use crate::input::{ReadOptions, Source};
use crate::location::Location;
use crate::model::{Instant, Message, Span};
use crate::pricing::{Priced, Pricer, PricingContext, Unpriced};
use crate::rejects::{RejectsError, RejectsFile, RejectsTarget};
use crate::validate::{Log, LogStats, Rejection, Strings, read_log};
use progress::Progress;
use stream::Attempt;

/// Why a log could not be read or priced.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Rejects(#[from] RejectsError),
    #[error(
        "--engine stream reads regular files only (standard input and pipes cannot be read twice)"
    )]
    StreamNeedsFiles,
    #[error("cannot stream: {0}")]
    Unstreamable(String),
}

pub type Result<T, E = EngineError> = std::result::Result<T, E>;

/// Rejections printed one by one before switching to a count.
const SHOWN_REJECTIONS: u64 = 50;
const SHOWN_UNPRICED: u64 = 20;

/// How to read the logs, resolved from the command line.
#[derive(Clone, Debug, Default)]
pub struct ReadSettings {
    pub sources: Vec<Source>,
    pub options: ReadOptions,
    /// No progress bar and no per-row diagnostics.
    pub quiet: bool,
    /// Where to write rejected rows verbatim.
    pub rejects: Option<RejectsTarget>,
}

impl ReadSettings {
    /// Whether every source can be read a second time.
    fn rereadable(&self) -> bool {
        self.sources.iter().all(Source::rereadable)
    }
}

pub struct Loaded {
    pub ctx: PricingContext,
    pub log: Log,
}

/// Prints rejections to stderr and writes them to `--rejects`.
pub(crate) struct Diagnostics {
    quiet: bool,
    shown: u64,
    /// Rejections already printed by an abandoned streaming pass.
    already_printed: u64,
    rejects_target: Option<RejectsTarget>,
    rejects: Option<RejectsFile>,
}

impl Diagnostics {
    fn open(input: &ReadSettings) -> Result<Diagnostics> {
        let mut d = Diagnostics {
            quiet: input.quiet,
            shown: 0,
            already_printed: 0,
            rejects_target: input.rejects.clone(),
            rejects: None,
        };
        d.create_rejects()?;
        Ok(d)
    }

    fn create_rejects(&mut self) -> Result<()> {
        if let Some(target) = &self.rejects_target {
            self.rejects = Some(RejectsFile::create(target)?);
        }
        Ok(())
    }

    /// Starts over for a second reading of the same input: the rejects file
    /// is rewritten, and rows already printed are not printed twice.
    fn restart(&mut self) -> Result<()> {
        self.already_printed = self.already_printed.max(self.shown.min(SHOWN_REJECTIONS));
        self.shown = 0;
        self.create_rejects()
    }

    pub(crate) fn reject(&mut self, r: &Rejection, record: Option<crate::input::Original<'_>>) {
        if !self.quiet && self.shown >= self.already_printed && self.shown < SHOWN_REJECTIONS {
            note(&format!("rejected {r}"));
        }
        self.shown += 1;
        if let Some(w) = &mut self.rejects {
            w.write(r, record);
        }
    }

    fn finish(mut self) -> Result<()> {
        if self.shown > SHOWN_REJECTIONS && !self.quiet {
            note(&format!(
                "… and {} more rejected{}",
                plural(self.shown - SHOWN_REJECTIONS, "row"),
                if self.rejects_target.is_some() {
                    ""
                } else {
                    " (write them all with --rejects FILE)"
                }
            ));
        }
        if let Some(w) = self.rejects.take() {
            w.finish()?;
        }
        Ok(())
    }
}

fn progress_for(input: &ReadSettings) -> Progress {
    Progress::new(&input.sources, input.quiet || !io::stderr().is_terminal())
}

/// The straightforward path: the whole log in memory, in log order.
/// `keep_ids`: keep message id texts (for commands that print them).
pub fn load(ctx: PricingContext, input: &ReadSettings, keep_ids: bool) -> Result<Loaded> {
    let log = read(input, keep_ids)?;
    Ok(Loaded { ctx, log })
}

/// Reads and validates the logs once; any number of contexts can price them.
pub fn read(input: &ReadSettings, keep_ids: bool) -> Result<Log> {
    let diagnostics = Diagnostics::open(input)?;
    read_in_memory(input, keep_ids, diagnostics)
}

/// The whole log in memory, sorted, with progress and diagnostics.
fn read_in_memory(
    input: &ReadSettings,
    keep_ids: bool,
    mut diagnostics: Diagnostics,
) -> Result<Log> {
    let progress = progress_for(input);
    let log = read_log(
        &input.sources,
        &input.options,
        keep_ids,
        &mut |r: &Rejection, rec: Option<crate::input::Original<'_>>| diagnostics.reject(r, rec),
        &mut |bytes, rows| progress.update(bytes, rows),
    )?;
    progress.finish();
    diagnostics.finish()?;
    Ok(log)
}

crate::choice! {
    /// How `estimate` reads the log.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Engine {
        /// Stream files in time order; read again in memory if they are not
        Auto = "auto",
        /// Stream, and fail if the input is not in time order
        Stream = "stream",
        /// Read the whole log into memory and sort it
        Memory = "memory",
    }
}

/// Worker threads when `--threads` is not given: every core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Logs from this size on are told when they cannot be streamed.
const LARGE_LOG: u64 = 64 << 20;

/// Receives each message in log order with its price.
pub type PricedSink<'a, 'f> = dyn FnMut(&Message, &Result<Priced<'a>, Unpriced>, &Strings) + 'f;

/// What a streamed pass feeds: priced messages, and word that the pass is
/// starting over (a streaming attempt found the input unstreamable after
/// it had already priced some messages).
pub trait PricedConsumer<'a> {
    fn priced(&mut self, m: &Message, result: &Result<Priced<'a>, Unpriced>, strings: &Strings);
    fn restart(&mut self);
}

impl<'a> PricedConsumer<'a> for crate::report::Aggregator<'_> {
    fn priced(&mut self, m: &Message, result: &Result<Priced<'a>, Unpriced>, strings: &Strings) {
        self.add(m, result, strings);
    }

    fn restart(&mut self) {
        crate::report::Aggregator::restart(self);
    }
}

/// What a streamed pass leaves behind besides the priced messages.
pub struct Streamed {
    pub files: Vec<String>,
    /// The reader of each file (`input::Format::name`).
    pub formats: Vec<&'static str>,
    pub stats: LogStats,
    pub unpriced: UnpricedReport,
}

/// Prices the log in log order, handing each message and its price to
/// `each`, holding only open windows and recent messages in memory when the
/// files are in time order (see `validate::Settler`). `threads`: worker
/// threads for streaming (1: read and price on this thread; see
/// `default_threads`); sorting in memory uses one.
pub fn price_streaming<'a>(
    input: &ReadSettings,
    ctx: &'a PricingContext,
    engine: Engine,
    settle: Span,
    threads: usize,
    consumer: &mut dyn PricedConsumer<'a>,
) -> Result<Streamed> {
    let mut diagnostics = Diagnostics::open(input)?;
    // A pipe is read once: sorted in memory, since a streaming attempt
    // could not fall back to reading it again.
    let once = !input.rereadable();
    if engine == Engine::Stream && once {
        return Err(EngineError::StreamNeedsFiles);
    }
    if engine == Engine::Auto && !once || engine == Engine::Stream {
        let progress = progress_for(input);
        let attempt = stream::stream(
            &input.sources,
            &input.options,
            ctx,
            settle,
            threads,
            &mut diagnostics,
            &progress,
            consumer,
        )?;
        progress.finish();
        match attempt {
            Attempt::Done(streamed) => {
                diagnostics.finish()?;
                return Ok(streamed);
            }
            Attempt::Unstreamable(why) if engine == Engine::Stream => {
                return Err(EngineError::Unstreamable(why.to_string()));
            }
            Attempt::Unstreamable(why) => {
                // Only worth a word where memory and time could matter.
                let large = input.sources.iter().filter_map(Source::size).sum::<u64>() >= LARGE_LOG;
                if !input.quiet && large {
                    note(&format!(
                        "{why}; sorting the log in memory instead of streaming it"
                    ));
                }
                diagnostics.restart()?;
                consumer.restart();
            }
        }
    }
    let log = read_in_memory(input, false, diagnostics)?;
    let unpriced = price_messages(Pricer::new(ctx), &log, &mut |m, r, s| {
        consumer.priced(m, r, s)
    });
    Ok(Streamed {
        files: log.files,
        formats: log.formats,
        stats: log.stats,
        unpriced,
    })
}

/// Counts and shows messages that could not be priced, and warns of
/// messages dated after the day of the run (priced with a card that may
/// still change).
#[derive(Default)]
pub struct UnpricedReport {
    pub count: u64,
    /// Start of tomorrow (UTC), once known.
    tomorrow: Option<Instant>,
    pub future: u64,
}

const SHOWN_FUTURE: u64 = 5;

impl UnpricedReport {
    /// Notes a priced (or unpriceable) message.
    pub fn seen(&mut self, files: &[String], m: &Message, result: &Result<Priced<'_>, Unpriced>) {
        if let Err(e) = result {
            self.note(files, m, e);
        }
        let tomorrow = *self.tomorrow.get_or_insert_with(start_of_tomorrow);
        if m.at >= tomorrow {
            self.future += 1;
            if self.future <= SHOWN_FUTURE {
                let date = m.at.utc_date().map_or(String::new(), |d| d.to_string());
                let card = match result {
                    Ok(p) => p
                        .rate_source
                        .map_or("no card (not charged)", crate::pricing::RateSource::label),
                    Err(_) => "none (unpriced)",
                };
                note(&format!(
                    "warning: {}: message dated {date}, after today: priced with the card \
                     known for that date: {card}",
                    Location::line(&files[m.source.file as usize], m.source.line)
                ));
            }
        }
    }

    pub fn note(&mut self, files: &[String], m: &Message, e: &Unpriced) {
        self.count += 1;
        if self.count <= SHOWN_UNPRICED {
            note(&format!(
                "cannot price {}: {e}",
                Location::line(&files[m.source.file as usize], m.source.line)
            ));
        }
    }

    pub fn summary(&self) -> Option<String> {
        (self.count > 0).then(|| {
            let more = self.count.saturating_sub(SHOWN_UNPRICED);
            let more = if more > 0 {
                format!(" ({more} not shown)")
            } else {
                String::new()
            };
            format!(
                "{} could not be priced{more}; the report is incomplete",
                plural(self.count, "message")
            )
        })
    }
}

impl Loaded {
    /// Prices every message in order, handing each result to `each`.
    pub fn price_each<'a>(
        &'a self,
        each: impl FnMut(&Message, &Result<Priced<'a>, Unpriced>),
    ) -> UnpricedReport {
        price_log(&self.ctx, &self.log, each)
    }
}

/// Prices every message of `log` under `ctx`, in order.
pub fn price_log<'a>(
    ctx: &'a PricingContext,
    log: &'a Log,
    mut each: impl FnMut(&Message, &Result<Priced<'a>, Unpriced>),
) -> UnpricedReport {
    price_messages(Pricer::explaining(ctx), log, &mut |m, r, _| each(m, r))
}

/// Runs `pricer` over a log in memory, noting what cannot be priced.
fn price_messages<'a>(
    mut pricer: Pricer<'a>,
    log: &Log,
    each: &mut PricedSink<'a, '_>,
) -> UnpricedReport {
    let mut unpriced = UnpricedReport::default();
    for m in &log.messages {
        let result = pricer.price(m, &log.strings);
        unpriced.seen(&log.files, m, &result);
        each(m, &result, &log.strings);
    }
    unpriced
}

fn start_of_tomorrow() -> Instant {
    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    today
        .tomorrow()
        .ok()
        .and_then(|d| d.to_zoned_datetime(jiff::tz::TimeZone::UTC).ok())
        .map_or(Instant::MAX, |z| {
            Instant::from_micros(z.timestamp().as_microsecond())
        })
}

/// Writes a line to stderr, ignoring a closed stderr.
pub fn note(line: &str) {
    let _ = writeln!(io::stderr(), "wabill: {}", crate::display::printable(line));
}
