//! The streaming pass of `estimate`: one side reads and validates rows,
//! the other settles, prices and aggregates them. With two threads or more
//! (`--threads`) each side has a thread of its own, and batches of messages
//! travel between them with the strings interned since the previous batch,
//! so the pricing side keeps its own copy and neither waits on a lock; with
//! one, the same batches go from one side to the other on one thread, so
//! the output is the same bytes either way.

use std::cell::Cell;
use std::ops::ControlFlow;
use std::sync::mpsc;

use std::time::Duration;

use super::cpu::{self, ThreadClock};
use super::expiry::Expiry;
use super::progress::Progress;
use super::shards::Shards;
use super::{Diagnostics, PricedConsumer, Streamed, UnpricedReport};
use crate::input::{InputError, ReadOptions, Source};
use crate::model::{Instant, Message, SourcePos, Span};
use crate::pricing::{Priced, Pricer, PricingContext, Unpriced};
use crate::validate::{
    IdLinks, Link, Log, LogStats, Rejection, SeenIds, Settler, Strings, Unstreamable, Validator,
    read_rows, report_conflicts,
};

/// Messages per batch: large enough to amortise the hand-over, small
/// enough to stay in cache.
const BATCH: usize = 4096;

struct Batch {
    messages: Vec<Message>,
    /// Per message: whether no earlier row had its id (`SeenIds::first`);
    /// the pricing side links the others to their pending message.
    firsts: Vec<bool>,
    /// Customer ids given since the previous batch (new or reused), each
    /// with the end of its number in `customer_names` (one buffer for the
    /// batch rather than a string per customer).
    customers: Vec<(u32, u32)>,
    customer_names: String,
    /// Customers to forget once this batch is priced (see `Expiry`).
    forgotten: Vec<u32>,
    businesses: Vec<Box<str>>,
    groups: Vec<Box<str>>,
    templates: Vec<Box<str>>,
    tags: crate::validate::tags::TagDelta,
    files: Vec<String>,
}

/// What the reading thread has handed over so far.
struct Sent {
    customers: usize,
    /// Customer ids given so far, counting reuses.
    issued: u64,
    /// The latest new message sent.
    latest: Instant,
    businesses: usize,
    groups: usize,
    templates: usize,
    tags: crate::validate::tags::TagMark,
    files: usize,
}

impl Default for Sent {
    fn default() -> Self {
        Sent {
            customers: 0,
            issued: 0,
            latest: Instant::MIN,
            businesses: 0,
            groups: 0,
            templates: 0,
            tags: Default::default(),
            files: 0,
        }
    }
}

impl Sent {
    fn batch(
        &mut self,
        (messages, firsts): (Vec<Message>, Vec<bool>),
        validator: &mut Validator,
        log: &Log,
        expiry: &mut Expiry,
    ) -> Batch {
        // Every customer row of this batch is seen before any is forgotten.
        for m in &messages {
            expiry.seen(m.customer, m.at, m.entry_point);
        }
        let reused = validator.strings.customers.take_reused();
        let s = &validator.strings;
        let new = (self.customers..s.customers.len()).map(|id| id as u32);
        let mut customer_names = String::new();
        let customers: Vec<(u32, u32)> = reused
            .into_iter()
            .chain(new)
            .map(|id| {
                customer_names.push_str(s.customers.get(id));
                let end = u32::try_from(customer_names.len()).expect("a batch's numbers fit");
                (id, end)
            })
            .collect();
        // The settler releases messages `horizon` behind the latest new
        // message (a later row of a known id does not move it).
        self.latest = messages
            .iter()
            .zip(&firsts)
            .filter(|(_, first)| **first)
            .fold(self.latest, |t, (m, _)| t.max(m.at));
        for (id, _) in &customers {
            expiry.hold(*id, self.latest);
        }
        self.issued += customers.len() as u64;
        let mut forgotten = Vec::new();
        expiry.expire(self.latest, |id| forgotten.push(id));
        for &id in &forgotten {
            validator.forget_customer(id);
        }
        let s = &validator.strings;
        let batch = Batch {
            messages,
            firsts,
            customers,
            customer_names,
            forgotten,
            businesses: s.businesses.names_from(self.businesses).to_vec(),
            groups: s.groups.names_from(self.groups).to_vec(),
            templates: s.templates.names_from(self.templates).to_vec(),
            tags: s.tags.since(self.tags),
            files: log.files[self.files..].to_vec(),
        };
        self.tags = s.tags.mark();
        self.customers = s.customers.len();
        self.businesses = s.businesses.len();
        self.groups = s.groups.len();
        self.templates = s.templates.len();
        self.files = log.files.len();
        batch
    }
}

pub(super) enum Attempt {
    Done(Streamed),
    /// The input cannot be streamed exactly; the reason, for the user.
    Unstreamable(String),
}

/// Hands a batch on; `Break` when the pricing side has stopped.
type Deliver<'f> = dyn FnMut(Batch) -> ControlFlow<()> + 'f;
/// An emptied pair of vectors to fill next, when one is back.
type Recycle<'f> = dyn FnMut() -> (Vec<Message>, Vec<bool>) + 'f;

/// The reading side: reads and validates rows, notes which carry a message
/// id not seen before, decides which customers to forget, and hands
/// batches on.
#[allow(clippy::too_many_arguments)]
fn read_side(
    sources: &[Source],
    options: &ReadOptions,
    ctx: &PricingContext,
    settle: Span,
    diagnostics: &mut Diagnostics,
    progress: &Progress,
    deliver: &mut Deliver<'_>,
    recycle: &mut Recycle<'_>,
) -> Result<(LogStats, Vec<&'static str>, StreamStats), InputError> {
    let clock = ThreadClock::start();
    let total_bytes: u64 = sources.iter().filter_map(Source::size).sum();
    // Rows expected in all, from the bytes per row of the first rows read,
    // to size the set of message ids once.
    let expected_rows = Cell::new(None);
    let sized = Cell::new(false);
    let mut validator = Validator::new(false);
    validator.defer_customers();
    let mut expiry = Expiry::new(settle, &ctx.windows);
    let mut log = Log::default();
    let mut sent = Sent::default();
    let mut seen = SeenIds::default();
    let mut messages = (Vec::with_capacity(BATCH), Vec::with_capacity(BATCH));
    let flow = read_rows(
        sources,
        options,
        &mut validator,
        &mut log,
        &mut |r: &Rejection, rec: Option<crate::input::Original<'_>>| diagnostics.reject(r, rec),
        &mut |bytes, rows| {
            progress.update(bytes, rows);
            // First called after 65,536 rows.
            if !sized.get() && bytes > 0 {
                expected_rows.set(Some(total_bytes * 65_536 / bytes));
            }
        },
        &mut |m, validator, log, _| {
            if let Some(rows) = expected_rows.take() {
                sized.set(true);
                let read = u128::from(log.stats.rows_read.max(1));
                let ids = u128::from(rows) * seen.ids() as u128 * 11 / (10 * read);
                seen.reserve(usize::try_from(ids).unwrap_or(usize::MAX));
            }
            messages.0.push(m);
            if messages.0.len() < BATCH {
                return ControlFlow::Continue(());
            }
            validator.resolve_customers(&mut messages.0);
            seen.mark(&messages.0, &mut messages.1);
            let full = std::mem::replace(&mut messages, recycle());
            deliver(sent.batch(full, validator, log, &mut expiry))
        },
    )?;
    if flow.is_continue() {
        // Files without rows still count as inputs.
        validator.resolve_customers(&mut messages.0);
        seen.mark(&messages.0, &mut messages.1);
        let _ = deliver(sent.batch(messages, &mut validator, &log, &mut expiry));
    }
    let held = StreamStats {
        customer_ids: sent.issued,
        peak_customers: expiry.peak(),
        read_cpu: clock.elapsed(),
        ..StreamStats::default()
    };
    Ok((log.stats, log.formats, held))
}

/// The pricing side: keeps a mirror of the reader's strings, settles each
/// message (waiting for its status events), prices it and hands it on.
struct PricingSide<'a, 'c> {
    strings: Strings,
    files: Vec<String>,
    stats: LogStats,
    conflicts: Vec<(SourcePos, Rejection)>,
    /// Each row's link to the pending message of its id (`IdLinks`), and
    /// a batch's links.
    ids: IdLinks,
    links: Vec<Link>,
    settler: Settler,
    pricer: Pricer<'a>,
    unpriced: UnpricedReport,
    consumer: &'c mut dyn PricedConsumer<'a>,
    peak_pairs: usize,
    /// With `--threads` 3 or more: the shards that price the settled
    /// messages (`pricer` then prices nothing).
    shards: Option<Shards<'a>>,
}

/// Hands a priced message on: counted if unpriced, then to the consumer.
fn hand_on<'a>(
    unpriced: &mut UnpricedReport,
    consumer: &mut dyn PricedConsumer<'a>,
    files: &[String],
    m: &Message,
    result: &Result<Priced<'a>, Unpriced>,
    strings: &Strings,
) {
    unpriced.seen(files, m, result);
    consumer.priced(m, result, strings);
}

/// A message the settler released: priced here, or routed to its shard
/// (and what the shards have priced, merged and handed on).
fn release<'a>(
    pricer: &mut Pricer<'a>,
    shards: &mut Option<Shards<'a>>,
    unpriced: &mut UnpricedReport,
    consumer: &mut dyn PricedConsumer<'a>,
    files: &[String],
    strings: &Strings,
    m: &Message,
) {
    match shards {
        Some(shards) => shards.route(m, strings, &mut |m, r, s| {
            hand_on(unpriced, consumer, files, m, r, s)
        }),
        None => hand_on(
            unpriced,
            consumer,
            files,
            m,
            &pricer.price(m, strings),
            strings,
        ),
    }
}

impl<'a, 'c> PricingSide<'a, 'c> {
    fn new(
        ctx: &'a PricingContext,
        settle: Span,
        consumer: &'c mut dyn PricedConsumer<'a>,
        shards: Option<Shards<'a>>,
    ) -> Self {
        PricingSide {
            strings: Strings::default(),
            files: Vec::new(),
            stats: LogStats::default(),
            conflicts: Vec::new(),
            ids: IdLinks::new(settle),
            links: Vec::new(),
            settler: Settler::new(settle),
            pricer: Pricer::new(ctx),
            unpriced: UnpricedReport::default(),
            consumer,
            peak_pairs: 0,
            shards,
        }
    }

    /// Settles and prices one batch; leaves its vectors empty for reuse.
    fn take(&mut self, batch: &mut Batch) -> Result<(), Unstreamable> {
        let PricingSide {
            strings,
            files,
            stats,
            conflicts,
            ids,
            links,
            settler,
            pricer,
            unpriced,
            consumer,
            peak_pairs,
            shards,
        } = self;
        ids.mark(&batch.messages, &batch.firsts, links);
        // Bring in, in one short loop, the state this batch will touch:
        // misses overlap there rather than stalling one at a time.
        if let Some(last) = batch.messages.last() {
            settler.warm(last.at, |m| {
                if shards.is_none() {
                    pricer.warm(m);
                }
                strings.customers.warm(m.customer);
            });
        }
        let mut start = 0;
        for &(id, end) in &batch.customers {
            let name = &batch.customer_names[start as usize..end as usize];
            strings.customers.insert_at(id, name);
            start = end;
        }
        for name in &batch.businesses {
            strings.businesses.intern(name);
        }
        for name in &batch.groups {
            strings.groups.intern(name);
        }
        for name in &batch.templates {
            strings.templates.intern(name);
        }
        strings.tags.apply(std::mem::take(&mut batch.tags));
        files.append(&mut batch.files);
        for (m, link) in batch.messages.iter().zip(&*links) {
            settler.push(
                *m,
                *link,
                stats,
                files,
                strings,
                &mut |r: &Rejection, _: Option<crate::input::Original<'_>>| {
                    conflicts.push((m.source, r.clone()))
                },
                &mut |m| release(pricer, shards, unpriced, &mut **consumer, files, strings, m),
            )?;
        }
        // Their messages are priced (or routed to be): the settler
        // released them.
        for &id in &batch.forgotten {
            match shards {
                Some(shards) => shards.forget(id),
                None => pricer.forget_customer(id),
            }
            strings.customers.remove(id);
        }
        match shards {
            Some(shards) => shards.send(strings, &mut |m, r, s| {
                hand_on(unpriced, &mut **consumer, files, m, r, s)
            }),
            None => *peak_pairs = (*peak_pairs).max(pricer.live_pairs()),
        }
        batch.messages.clear();
        batch.firsts.clear();
        Ok(())
    }

    /// Releases what is still pending (end of input).
    fn finish(&mut self) {
        let PricingSide {
            strings,
            files,
            settler,
            pricer,
            unpriced,
            consumer,
            shards,
            ..
        } = self;
        settler.finish(strings, &mut |m| {
            release(pricer, shards, unpriced, &mut **consumer, files, strings, m)
        });
        if let Some(shards) = shards {
            shards.finish(strings, &mut |m, r, s| {
                hand_on(unpriced, &mut **consumer, files, m, r, s)
            });
        }
    }
}

/// `threads`: 1 reads and prices on the calling thread; 2 reads on one
/// thread and prices on another; from 3 on, `threads - 2` shards price on
/// threads of their own (`shards.rs`) while the calling thread settles and
/// merges (see docs/architecture.md).
#[allow(clippy::too_many_arguments)]
pub(super) fn stream<'a>(
    sources: &[Source],
    options: &ReadOptions,
    ctx: &'a PricingContext,
    settle: Span,
    threads: usize,
    diagnostics: &mut Diagnostics,
    progress: &Progress,
    consumer: &mut dyn PricedConsumer<'a>,
) -> Result<Attempt, InputError> {
    let wall = std::time::Instant::now();
    let clock = ThreadClock::start();
    std::thread::scope(|scope| {
        let shards = match threads.saturating_sub(2) {
            0 => None,
            n => Some(Shards::spawn(scope, ctx, n).map_err(|e| InputError::Io {
                file: "<shard thread>".into(),
                error: e,
            })?),
        };
        let mut side = PricingSide::new(ctx, settle, consumer, shards);
        let mut outcome = Ok(());
        let reading_diagnostics = &mut *diagnostics;
        let (read, formats, held) = if threads <= 1 {
            let spare = Cell::new(None);
            let pricing_cpu = Cell::new(std::time::Duration::ZERO);
            let (read, formats, held) = read_side(
                sources,
                options,
                ctx,
                settle,
                reading_diagnostics,
                progress,
                &mut |mut batch| {
                    let start = clock.elapsed();
                    let taken = side.take(&mut batch);
                    pricing_cpu.set(pricing_cpu.get() + clock.elapsed() - start);
                    match taken {
                        Ok(()) => {
                            spare.set(Some((batch.messages, batch.firsts)));
                            ControlFlow::Continue(())
                        }
                        Err(why) => {
                            outcome = Err(why);
                            ControlFlow::Break(())
                        }
                    }
                },
                &mut || spare.take().unwrap_or_default(),
            )?;
            // The reading side's share of this thread's time.
            let read_cpu = clock.elapsed().saturating_sub(pricing_cpu.get());
            (read, formats, StreamStats { read_cpu, ..held })
        } else {
            two_threads(
                sources,
                options,
                ctx,
                settle,
                reading_diagnostics,
                progress,
                &mut side,
                &mut outcome,
            )?
        };
        if let Err(why) = outcome {
            return Ok(Attempt::Unstreamable(why.describe(&side.files)));
        }
        side.finish();
        let (shard_cpu, shard_cpu_max, merge_cpu) = side
            .shards
            .as_ref()
            .map_or(Default::default(), |s| (s.cpu().0, s.cpu().1, s.merge_cpu));
        let pricing_cpu = clock.elapsed().saturating_sub(if threads <= 1 {
            held.read_cpu
        } else {
            std::time::Duration::ZERO
        });
        StreamStats {
            peak_pairs: side
                .peak_pairs
                .max(side.shards.as_ref().map_or(0, Shards::peak_pairs)),
            shards: side.shards.as_ref().map_or(0, Shards::len),
            settle_cpu: pricing_cpu.saturating_sub(merge_cpu),
            shard_cpu,
            shard_cpu_max,
            merge_cpu,
            wall: wall.elapsed(),
            ..held
        }
        .show();
        let mut stats = side.stats;
        stats.rows_read = read.rows_read;
        stats.rejected += read.rejected;
        stats.business_numbers = read.business_numbers;
        stats.unwrapped = read.unwrapped;
        stats.not_whatsapp = read.not_whatsapp;
        stats.tag_columns = read.tag_columns;
        let streamed = Streamed {
            files: side.files,
            formats,
            stats,
            unpriced: side.unpriced,
        };
        // Rejections found while merging come after those found while reading,
        // as when the log is sorted in memory, each with its row read again.
        report_conflicts(sources, options, side.conflicts, &mut |r: &Rejection,
                                                                 rec: Option<
            crate::input::Original<'_>,
        >| {
            diagnostics.reject(r, rec)
        });
        Ok(Attempt::Done(streamed))
    })
}

/// Reads on a thread of its own while this one prices; batches travel
/// through a bounded channel and their emptied vectors come back.
#[allow(clippy::too_many_arguments)]
fn two_threads<'a>(
    sources: &[Source],
    options: &ReadOptions,
    ctx: &'a PricingContext,
    settle: Span,
    diagnostics: &mut Diagnostics,
    progress: &Progress,
    side: &mut PricingSide<'a, '_>,
    outcome: &mut Result<(), Unstreamable>,
) -> Result<(LogStats, Vec<&'static str>, StreamStats), InputError> {
    let (tx, rx) = mpsc::sync_channel::<Batch>(8);
    let (recycle_tx, recycle_rx) = mpsc::channel::<(Vec<Message>, Vec<bool>)>();
    std::thread::scope(|scope| {
        let reader = std::thread::Builder::new()
            .name("wabill-read".into())
            .spawn_scoped(scope, move || {
                read_side(
                    sources,
                    options,
                    ctx,
                    settle,
                    diagnostics,
                    progress,
                    &mut |batch| match tx.send(batch) {
                        Ok(()) => ControlFlow::Continue(()),
                        // The pricing side stopped: the input is unstreamable.
                        Err(_) => ControlFlow::Break(()),
                    },
                    &mut || recycle_rx.try_recv().unwrap_or_default(),
                )
            })
            .map_err(|e| InputError::Io {
                file: "<reader thread>".into(),
                error: e,
            })?;
        for mut batch in rx.iter() {
            if let Err(why) = side.take(&mut batch) {
                *outcome = Err(why);
                break;
            }
            let _ = recycle_tx.send((batch.messages, batch.firsts));
        }
        // Unblocks the reader if it is waiting to send.
        drop(rx);
        reader.join().expect("the reading thread does not panic")
    })
}

/// What the streaming pass held at most, and where its time went,
/// printed to stderr when `WABILL_STREAM_STATS` is set (tests and
/// benchmarks check that memory follows open windows, and project more
/// cores from the time per stage).
#[derive(Default)]
struct StreamStats {
    /// Customer ids given, counting each reuse (a customer forgotten and
    /// seen again counts twice).
    customer_ids: u64,
    /// Customers held at once, at most.
    peak_customers: usize,
    /// Business × customer pairs the pricers held, at most (after a batch).
    peak_pairs: usize,
    /// CPU time of the reading side (parse, validate, seen ids, expiry).
    read_cpu: Duration,
    /// CPU time of the calling thread's pricing side but the merge: id
    /// links and settling, and pricing when there are no shards.
    settle_cpu: Duration,
    shards: usize,
    /// CPU time of the shards in all, and of the busiest.
    shard_cpu: Duration,
    shard_cpu_max: Duration,
    /// CPU time of the ordered merge: counters and the aggregator.
    merge_cpu: Duration,
    /// Wall time of the whole pass.
    wall: Duration,
}

impl StreamStats {
    /// One line: the counts as before, then `key=value` pairs separated
    /// by spaces (seconds of CPU per stage; zero where not measured).
    fn show(&self) {
        if cpu::wanted() {
            let s = |d: Duration| format!("{:.3}", d.as_secs_f64());
            eprintln!(
                "wabill: stream stats: customer ids given {}, peak customers held {}, peak pairs held {}; \
                 read_cpu_s={} settle_cpu_s={} shards={} shard_cpu_total_s={} \
                 shard_cpu_max_s={} merge_cpu_s={} wall_s={}",
                self.customer_ids,
                self.peak_customers,
                self.peak_pairs,
                s(self.read_cpu),
                s(self.settle_cpu),
                self.shards,
                s(self.shard_cpu),
                s(self.shard_cpu_max),
                s(self.merge_cpu),
                s(self.wall),
            );
        }
    }
}
