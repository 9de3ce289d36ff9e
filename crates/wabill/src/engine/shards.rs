//! Pricing on several cores (`--threads` 3 or more): the settled messages
//! are routed by customer, with all its pairs (a group message: by
//! business × group)
//! to shards, each on a thread of its own with its own pricer — windows,
//! conversations, market cache, a mirror of the customer numbers it meets,
//! under customer ids of its own — so each shard's tables are a fraction of
//! the whole. A shard decides
//! everything that depends on one pair, in the order the settler released
//! its messages; what is counted across pairs (the service allowance per
//! business and month, volume tiers per portfolio, conversation numbers) is
//! left to the ordered merge on the calling thread, which takes the shards'
//! answers back in the settler's release order (every round records which
//! shard each message went to) and finishes them with one counting pricer.
//! The release order is the sequential engine's, so the bytes are the same
//! for every number of shards.

use std::collections::VecDeque;
use std::sync::mpsc;
use std::time::Duration;

use rustc_hash::FxHashMap;

use super::PricedSink;
use super::cpu::ThreadClock;
use crate::model::{Instant, Message};
use crate::pricing::{Counted, Priced, Pricer, PricingContext, Renumber, SweepClock, Unpriced};
use crate::validate::Strings;

/// Rounds routed but not yet merged, at most: enough for the shards to
/// work while the calling thread settles the next batch.
const IN_FLIGHT: usize = 4;
/// Messages in a round at most.
const ROUND: usize = 4096;

/// One round of work for a shard: customer numbers it has not been told
/// (id, end in `names`), names interned since the last round, the
/// messages in release order, and the customers forgotten after them.
#[derive(Default)]
struct Work {
    customers: Vec<(u32, u32)>,
    names: String,
    businesses: Vec<Box<str>>,
    templates: Vec<Box<str>>,
    messages: Vec<Message>,
    /// Sweeps of idle pairs, each before the message at its index.
    sweeps: Vec<(usize, Instant)>,
    /// From the end of this round on, customer ids may be reused.
    recycles: bool,
    forgotten: Vec<u32>,
}

/// A shard's answer for one message.
enum Decided<'a> {
    Done(Result<Priced<'a>, Unpriced>),
    /// Decided up to a shared counter (`Pricer::count`).
    Counted(Priced<'a>, Counted),
}

struct Answers<'a> {
    messages: Vec<Message>,
    decided: Vec<Decided<'a>>,
    /// The shard thread's CPU time so far, and the pairs it holds.
    cpu: Duration,
    pairs: usize,
}

/// What a shard holds: its pricer and the strings it prices with.
struct Shard<'a> {
    pricer: Pricer<'a>,
    strings: Strings,
}

impl<'a> Shard<'a> {
    fn take(&mut self, work: Work) -> Answers<'a> {
        let Shard { pricer, strings } = self;
        let mut start = 0;
        for &(id, end) in &work.customers {
            strings
                .customers
                .insert_at(id, &work.names[start as usize..end as usize]);
            start = end;
        }
        for name in &work.businesses {
            strings.businesses.intern(name);
        }
        for name in &work.templates {
            strings.templates.intern(name);
        }
        let mut sweeps = work.sweeps.iter().peekable();
        let decided = work
            .messages
            .iter()
            .enumerate()
            .map(|(i, m)| {
                while let Some((_, at)) = sweeps.next_if(|&&(before, _)| before <= i) {
                    pricer.sweep_now(*at);
                }
                let result = pricer.price(m, strings);
                match pricer.take_counted() {
                    Some(step) => Decided::Counted(
                        result.expect("a counted step is deferred before any error"),
                        step,
                    ),
                    None => Decided::Done(result),
                }
            })
            .collect();
        for (_, at) in sweeps {
            pricer.sweep_now(*at);
        }
        if work.recycles {
            pricer.recycles_ids();
        }
        for &id in &work.forgotten {
            pricer.forget_customer(id);
            strings.customers.remove(id);
        }
        Answers {
            messages: work.messages,
            decided,
            cpu: Duration::ZERO,
            pairs: pricer.live_pairs(),
        }
    }
}

/// The shards' threads as the calling thread sees them, and the merge.
pub(super) struct Shards<'a> {
    to: Vec<mpsc::Sender<Work>>,
    from: Vec<mpsc::Receiver<Answers<'a>>>,
    filling: Vec<Work>,
    /// The shard of each message of the round being filled, and of each
    /// round sent and not merged.
    route: Vec<(u8, u32)>,
    rounds: VecDeque<Vec<(u8, u32)>>,
    /// Per customer id: the shards that know it, and under which id. Each
    /// shard knows customers by ids of its own, dense, so that its tables
    /// indexed by customer follow its share of them.
    told: Vec<Told>,
    locals: Vec<LocalIds>,
    /// (shard, customer id) → the shard's id, for a customer met in the
    /// shard of one of its groups.
    guests: FxHashMap<(u8, u32), u32>,
    businesses: usize,
    templates: usize,
    /// The one pricer's sweeps, and whether ids are reused yet.
    sweeps: SweepClock,
    recycles: bool,
    counter: Pricer<'a>,
    renumber: Vec<Renumber>,
    conversations: u64,
    /// The CPU time of each shard's thread and the pairs it holds, as
    /// last reported, and the most pairs held in all.
    cpu: Vec<Duration>,
    pairs: Vec<usize>,
    peak_pairs: usize,
    merge_clock: ThreadClock,
    pub(super) merge_cpu: Duration,
}

/// A shard's own customer ids: given densely, and given again once the
/// shard has forgotten the customer (after the round that says so).
#[derive(Default)]
struct LocalIds {
    next: u32,
    free: Vec<u32>,
    /// Forgotten in the round being filled: free from the next one.
    freed: Vec<u32>,
}

impl LocalIds {
    fn give(&mut self) -> u32 {
        self.free.pop().unwrap_or_else(|| {
            self.next += 1;
            self.next - 1
        })
    }

    fn sent(&mut self) {
        self.free.append(&mut self.freed);
    }
}

/// What the shards know of one customer id.
#[derive(Clone, Copy, Default)]
struct Told {
    /// The shards told its number, a bit each.
    shards: u64,
    /// Its id in its own shard (`customer_shard`), where its one-to-one
    /// messages go; in a group's shard, its id is in `Shards::guests`.
    home: u32,
}

/// Shards at most: one bit each in `Shards::told`.
pub(super) const MAX_SHARDS: usize = 64;

impl<'a> Shards<'a> {
    /// Starts `n` shard threads in `scope`.
    pub(super) fn spawn<'scope, 'env: 'scope>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        ctx: &'a PricingContext,
        n: usize,
    ) -> std::io::Result<Self>
    where
        'a: 'scope,
    {
        let n = n.clamp(1, MAX_SHARDS);
        let (mut to, mut from) = (Vec::new(), Vec::new());
        for i in 0..n {
            let (work_tx, work_rx) = mpsc::channel::<Work>();
            let (answer_tx, answer_rx) = mpsc::channel::<Answers<'a>>();
            std::thread::Builder::new()
                .name(format!("wabill-shard-{i}"))
                .spawn_scoped(scope, move || {
                    let clock = ThreadClock::start();
                    let mut shard = Shard {
                        pricer: Pricer::sharded(ctx),
                        strings: Strings::default(),
                    };
                    for work in work_rx {
                        let mut answers = shard.take(work);
                        answers.cpu = clock.elapsed();
                        if answer_tx.send(answers).is_err() {
                            break;
                        }
                    }
                })?;
            to.push(work_tx);
            from.push(answer_rx);
        }
        Ok(Shards {
            to,
            from,
            filling: (0..n).map(|_| Work::default()).collect(),
            route: Vec::new(),
            rounds: VecDeque::new(),
            told: Vec::new(),
            locals: (0..n).map(|_| LocalIds::default()).collect(),
            guests: FxHashMap::default(),
            businesses: 0,
            templates: 0,
            sweeps: SweepClock::default(),
            recycles: false,
            counter: Pricer::new(ctx),
            renumber: (0..n).map(|_| Renumber::default()).collect(),
            conversations: 0,
            cpu: vec![Duration::ZERO; n],
            pairs: vec![0; n],
            peak_pairs: 0,
            merge_clock: ThreadClock::start(),
            merge_cpu: Duration::ZERO,
        })
    }

    /// The shard of a message: its customer's (all the customer's pairs,
    /// so that its number and market are held once), or its group's.
    fn shard_of(&self, m: &Message) -> usize {
        match m.extras.group() {
            Some(group) => self.shard_by(u64::from(m.business) << 32 ^ u64::from(group) | 1 << 63),
            None => self.customer_shard(m.customer),
        }
    }

    fn customer_shard(&self, id: u32) -> usize {
        self.shard_by(u64::from(id))
    }

    fn shard_by(&self, key: u64) -> usize {
        let h = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        ((u128::from(h) * self.to.len() as u128) >> 64) as usize
    }

    /// Routes a released message to its shard, with its customer's number
    /// the first time that shard meets this customer; a full round is sent
    /// (the end of input releases a day of messages at once).
    pub(super) fn route(&mut self, m: &Message, strings: &Strings, emit: &mut PricedSink<'a, '_>) {
        if self.sweeps.due(m.at) {
            for work in &mut self.filling {
                work.sweeps.push((work.messages.len(), m.at));
            }
        }
        let s = self.shard_of(m);
        let id = m.customer as usize;
        if id >= self.told.len() {
            self.told.resize(id + 1, Told::default());
        }
        let home = s == self.customer_shard(m.customer);
        let work = &mut self.filling[s];
        let told = &mut self.told[id];
        let local = if told.shards & 1 << s == 0 {
            told.shards |= 1 << s;
            let local = self.locals[s].give();
            if home {
                told.home = local;
            } else {
                self.guests.insert((s as u8, m.customer), local);
            }
            work.names.push_str(strings.customers.get(m.customer));
            let end = u32::try_from(work.names.len()).expect("a round's numbers fit");
            work.customers.push((local, end));
            local
        } else if home {
            told.home
        } else {
            self.guests[&(s as u8, m.customer)]
        };
        work.messages.push(Message {
            customer: local,
            ..*m
        });
        // The merge hands the message on with its own customer id.
        self.route.push((s as u8, m.customer));
        if self.route.len() >= ROUND {
            self.send(strings, emit);
        }
    }

    /// Forgets customer `id` in the shards that know it (after its
    /// messages, which were released before).
    pub(super) fn forget(&mut self, id: u32) {
        if !self.recycles {
            self.recycles = true;
            for work in &mut self.filling {
                work.recycles = true;
            }
        }
        let Some(told) = self.told.get_mut(id as usize) else {
            return;
        };
        let Told { shards, home } = std::mem::take(told);
        let home_shard = self.customer_shard(id);
        let mut bits = shards;
        while bits != 0 {
            let s = bits.trailing_zeros() as usize;
            let local = if s == home_shard {
                home
            } else {
                self.guests
                    .remove(&(s as u8, id))
                    .expect("a shard told of it knows it")
            };
            self.locals[s].freed.push(local);
            self.filling[s].forgotten.push(local);
            bits &= bits - 1;
        }
    }

    /// Sends the round filled so far to the shards; merges the oldest
    /// rounds once `IN_FLIGHT` are out.
    pub(super) fn send(&mut self, strings: &Strings, emit: &mut PricedSink<'a, '_>) {
        let businesses = strings.businesses.names_from(self.businesses);
        let templates = strings.templates.names_from(self.templates);
        for (work, to) in self.filling.iter_mut().zip(&self.to) {
            let mut work = std::mem::take(work);
            work.businesses = businesses.to_vec();
            work.templates = templates.to_vec();
            // A shard that stopped has panicked; the scope reports it.
            let _ = to.send(work);
        }
        for locals in &mut self.locals {
            locals.sent();
        }
        self.businesses = strings.businesses.len();
        self.templates = strings.templates.len();
        self.rounds.push_back(std::mem::take(&mut self.route));
        while self.rounds.len() > IN_FLIGHT {
            self.merge_one(strings, emit);
        }
    }

    /// Sends what is left and merges every round (end of input).
    pub(super) fn finish(&mut self, strings: &Strings, emit: &mut PricedSink<'a, '_>) {
        self.send(strings, emit);
        while !self.rounds.is_empty() {
            self.merge_one(strings, emit);
        }
    }

    /// Takes the oldest round's answers from every shard and hands its
    /// messages on in release order, counted and numbered.
    fn merge_one(&mut self, strings: &Strings, emit: &mut PricedSink<'a, '_>) {
        let route = self.rounds.pop_front().expect("a round is out");
        let mut answers: Vec<_> = self
            .from
            .iter()
            .map(|rx| {
                let a = rx.recv().expect("a shard answers every round");
                (
                    a.messages.into_iter(),
                    a.decided.into_iter(),
                    a.cpu,
                    a.pairs,
                )
            })
            .collect();
        let start = self.merge_clock.elapsed();
        for (s, &(_, _, cpu, pairs)) in answers.iter().enumerate() {
            self.cpu[s] = cpu;
            self.pairs[s] = pairs;
        }
        self.peak_pairs = self.peak_pairs.max(self.pairs.iter().sum());
        for (s, customer) in route {
            let s = usize::from(s);
            let (messages, decided, _, _) = &mut answers[s];
            let m = Message {
                customer,
                ..messages.next().expect("one answer per message")
            };
            let renumber = &mut self.renumber[s];
            let result = match decided.next().expect("one answer per message") {
                Decided::Done(mut result) => {
                    renumber.result(&m, &mut result, &mut self.conversations);
                    result
                }
                Decided::Counted(mut priced, step) => {
                    renumber.priced(&m, &mut priced, &mut self.conversations);
                    self.counter.count(&m, priced, step, strings)
                }
            };
            emit(&m, &result, strings);
        }
        self.merge_cpu += self.merge_clock.elapsed() - start;
    }

    /// Shard threads' CPU time: in all, and the busiest's.
    pub(super) fn cpu(&self) -> (Duration, Duration) {
        (
            self.cpu.iter().sum(),
            self.cpu.iter().copied().max().unwrap_or_default(),
        )
    }

    /// Business × customer pairs the shards held at most (after a round).
    pub(super) fn peak_pairs(&self) -> usize {
        self.peak_pairs
    }

    pub(super) fn len(&self) -> usize {
        self.to.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Direction, SourcePos, Status};
    use crate::pricing::ModelChoice;

    /// Messages 20 s apart from `start`, of two businesses and 300
    /// customers, inbound (some from an ad) and every template category.
    fn messages(start: &str, strings: &mut Strings) -> Vec<Message> {
        let t0 = start.parse::<jiff::Timestamp>().unwrap().as_microsecond();
        let mut state = 7u64;
        (0..6000u64)
            .map(|i| {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                let r = state >> 33;
                use Category::*;
                let category =
                    [None, Some(Service), Some(Utility), Some(Marketing)][(r % 4) as usize];
                Message {
                    at: Instant::from_micros(t0 + i as i64 * 20_000_000),
                    direction: if category.is_some() {
                        Direction::Out
                    } else {
                        Direction::In
                    },
                    category,
                    status: Status::Delivered,
                    entry_point: category.is_none() && r.is_multiple_of(29),
                    business: strings
                        .businesses
                        .intern(["15550001", "15550002"][(r >> 8) as usize % 2]),
                    customer: strings
                        .customers
                        .intern(&format!("55119876{:05}", (r >> 12) % 300)),
                    country: None,
                    message_id: None,
                    source: SourcePos {
                        file: 0,
                        line: i + 2,
                        row: 0,
                    },
                    extras: Default::default(),
                    tags: 0,
                }
            })
            .collect()
    }

    fn collect<'a, 'v>(
        merged: &'v mut Vec<Result<Priced<'a>, Unpriced>>,
    ) -> impl FnMut(&Message, &Result<Priced<'a>, Unpriced>, &Strings) + 'v {
        move |_, r, _| merged.push(r.clone())
    }

    /// Sharded and merged, every price is the sequential pricer's, to the
    /// conversation numbers and the positions in the monthly counts.
    #[test]
    fn shards_and_the_merge_price_as_one_pricer() {
        // Conversations (2023 model, numbered across pairs), and the
        // 2026-10 service allowance, made small so that it runs out.
        for start in ["2024-11-04T00:00:00Z", "2026-10-03T00:00:00Z"] {
            let mut ctx = PricingContext::builtin(ModelChoice::Auto);
            ctx.service_allowance = 150;
            let mut strings = Strings::default();
            let messages = messages(start, &mut strings);
            let mut pricer = Pricer::new(&ctx);
            let one: Vec<_> = messages.iter().map(|m| pricer.price(m, &strings)).collect();
            let counted = |p: &Priced<'_>| {
                p.counted_as > Some(150) || p.conversation.is_some_and(|c| c.conversation.id > 500)
            };
            assert!(one.iter().any(|r| r.as_ref().is_ok_and(counted)), "{start}");
            for n in [1, 3, 8] {
                let mut merged: Vec<Result<Priced<'_>, Unpriced>> = Vec::new();
                std::thread::scope(|scope| {
                    let mut shards = Shards::spawn(scope, &ctx, n).unwrap();
                    let mut emit = collect(&mut merged);
                    for round in messages.chunks(333) {
                        for m in round {
                            shards.route(m, &strings, &mut emit);
                        }
                        shards.send(&strings, &mut emit);
                    }
                    shards.finish(&strings, &mut emit);
                });
                let first = merged.iter().zip(&one).position(|(a, b)| a != b);
                assert!(
                    merged.len() == one.len() && first.is_none(),
                    "{start}, {n} shards: {} of {}; first differing: {:?}",
                    merged.len(),
                    one.len(),
                    first.map(|i| (&merged[i], &one[i]))
                );
            }
        }
    }
}
