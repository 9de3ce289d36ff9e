//! read → validate → price, shared by every command that prices a log.

use std::fs::File;
use std::io::{self, IsTerminal, Write};

use anyhow::{Context, Result};

use super::settings;
use crate::cli::{InputArgs, PricingArgs};
use crate::model::Message;
use crate::pricing::{Priced, Pricer, PricingContext, Unpriced};
use crate::validate::{Log, Rejection, read_log};

/// Rejections printed one by one before switching to a count.
const SHOWN_REJECTIONS: u64 = 50;
const SHOWN_UNPRICED: u64 = 20;

pub struct Loaded {
    pub ctx: PricingContext,
    pub log: Log,
}

/// Prints rejections to stderr and writes them to `--rejects`.
struct Diagnostics {
    quiet: bool,
    shown: u64,
    rejects: Option<csv::Writer<File>>,
    write_error: Option<io::Error>,
}

impl Diagnostics {
    fn reject(&mut self, r: &Rejection, record: Option<&csv::ByteRecord>) {
        if !self.quiet && self.shown < SHOWN_REJECTIONS {
            eprintln!("wabill: rejected {r}");
        }
        self.shown += 1;
        if let Some(w) = &mut self.rejects {
            let head = [
                r.file.as_bytes(),
                r.line.to_string().as_bytes(),
                r.column.as_deref().unwrap_or("").as_bytes(),
                r.value.as_bytes(),
                r.reason.as_bytes(),
            ]
            .map(<[u8]>::to_vec);
            let fields = head.into_iter().chain(
                record
                    .into_iter()
                    .flat_map(|rec| rec.iter().map(<[u8]>::to_vec)),
            );
            if let Err(e) = w.write_record(fields) {
                self.write_error.get_or_insert(e.into());
            }
        }
    }
}

pub fn load(input: &InputArgs, pricing: &PricingArgs) -> Result<Loaded> {
    let ctx = settings::pricing_context(pricing)?;
    let log = read(input)?;
    Ok(Loaded { ctx, log })
}

/// Reads and validates the logs once; any number of contexts can price them.
pub fn read(input: &InputArgs) -> Result<Log> {
    let (sources, options) = settings::read_options(input)?;
    let rejects = match &input.rejects {
        Some(path) => {
            let mut w = csv::WriterBuilder::new()
                .flexible(true)
                .from_path(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            w.write_record(["file", "line", "column", "value", "reason", "fields…"])?;
            Some(w)
        }
        None => None,
    };
    let mut diagnostics = Diagnostics {
        quiet: input.quiet,
        shown: 0,
        rejects,
        write_error: None,
    };
    let progress =
        super::progress::Progress::new(&sources, input.quiet || !io::stderr().is_terminal());
    let log = read_log(
        &sources,
        &options,
        &mut |r: &Rejection, rec: Option<&csv::ByteRecord>| diagnostics.reject(r, rec),
        &mut |bytes| progress.update(bytes),
    )?;
    progress.finish();
    if diagnostics.shown > SHOWN_REJECTIONS && !input.quiet {
        eprintln!(
            "wabill: … and {} more rejected rows{}",
            diagnostics.shown - SHOWN_REJECTIONS,
            if input.rejects.is_some() {
                ""
            } else {
                " (write them all with --rejects FILE)"
            }
        );
    }
    if let Some(mut w) = diagnostics.rejects.take() {
        w.flush()?;
    }
    if let Some(e) = diagnostics.write_error {
        return Err(e).context("cannot write --rejects file");
    }
    Ok(log)
}

/// Counts and shows messages that could not be priced.
#[derive(Default)]
pub struct UnpricedReport {
    pub count: u64,
}

impl UnpricedReport {
    pub fn note(&mut self, log: &Log, m: &Message, e: &Unpriced) {
        self.count += 1;
        if self.count <= SHOWN_UNPRICED {
            eprintln!(
                "wabill: cannot price {}:{}: {e}",
                log.files[m.source.file as usize], m.source.line
            );
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
                "{} messages could not be priced{more}; the report is incomplete",
                self.count
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
    let mut pricer = Pricer::new(ctx, &log.strings);
    let mut unpriced = UnpricedReport::default();
    for m in &log.messages {
        let result = pricer.price(m);
        if let Err(e) = &result {
            unpriced.note(log, m, e);
        }
        each(m, &result);
    }
    unpriced
}

/// Writes a line to stderr, ignoring a closed stderr.
pub fn note(line: &str) {
    let _ = writeln!(io::stderr(), "wabill: {line}");
}
