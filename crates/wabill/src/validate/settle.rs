//! The streaming engine's reading side: messages from a log already in time
//! order come out in exactly the order, and with exactly the merges, that
//! `read_log` (sort everything, then collapse) would give — while holding
//! only the last `horizon` of traffic.
//!
//! A message waits `horizon` after its time for later status events of the
//! same id (`sent`, then `delivered` seconds later), then is released. What
//! it cannot reproduce exactly it reports as `Unstreamable`, and the caller
//! reads the log again the straightforward way:
//! - a row earlier than one already read (the input is not sorted);
//! - a status event for a message already released (later than `horizon`);
//! - the two cases where merge order inside one timestamp would matter.
//!
//! Every message id is remembered as a 64-bit key (`SeenIds`, 8–16 bytes
//! each, kept by the reading thread) to catch late events; that set is the
//! one thing that grows with the file, and only for logs with a
//! `message_id` column.

use std::cmp::Ordering;
use std::fmt;

use super::log::{IdConflict, absorb, id_conflict, log_order};
use super::pending_ids::PendingIds;
use super::queue::ChunkQueue;
use super::{LogStats, RejectSink, Strings};
use crate::model::{Category, Instant, Message, Span, Status};
use crate::prefetch::prefetch_at;

/// Why a log cannot be priced in one streaming pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unstreamable {
    /// A row earlier than the latest one read.
    OutOfOrder { file: u32, line: u64 },
    /// A status event arriving after its message was released.
    LateEvent { file: u32, line: u64 },
    /// Rows of one id in one timestamp whose merge depends on their order.
    AmbiguousMerge { file: u32, line: u64 },
}

impl Unstreamable {
    pub fn describe(&self, files: &[String]) -> String {
        let (what, file, line) = match self {
            Unstreamable::OutOfOrder { file, line } => {
                ("a row is earlier than the one before", file, line)
            }
            Unstreamable::LateEvent { file, line } => {
                ("a status event comes long after its message", file, line)
            }
            Unstreamable::AmbiguousMerge { file, line } => (
                "rows of one message id disagree within one timestamp",
                file,
                line,
            ),
        };
        let name = files.get(*file as usize).map_or("?", String::as_str);
        format!("{what} ({})", crate::location::Location::line(name, *line))
    }
}

impl fmt::Display for Unstreamable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(&[]))
    }
}

/// A message waiting for later rows of its id. Its place in the log is
/// decided by its first row (`head`), which differs from what is priced
/// (`merged`) only in the fields later rows can change, so only those are
/// kept twice (a pending message is 88 bytes, not 160).
struct Pending {
    merged: Message,
    head: HeadFields,
}

#[derive(Clone, Copy)]
struct HeadFields {
    category: Option<Category>,
    status: Status,
    entry_point: bool,
    country: Option<[u8; 2]>,
}

impl Pending {
    fn new(m: Message) -> Self {
        Pending {
            merged: m,
            head: HeadFields {
                category: m.category,
                status: m.status,
                entry_point: m.entry_point,
                country: m.country,
            },
        }
    }

    fn head(&self) -> Message {
        let h = self.head;
        Message {
            category: h.category,
            status: h.status,
            entry_point: h.entry_point,
            country: h.country,
            ..self.merged
        }
    }
}

/// Which message ids have been seen, by 64-bit key: an open-addressing
/// table of bare keys (they are already uniform hashes), so a lookup costs
/// one cache miss, not the two of a general hash set. Its size need not be
/// a power of two (a key's slot is its high bits scaled to the size), so
/// it is sized to the ids expected rather than the next power of two: at
/// ten million ids, 99 MB rather than 128.
#[derive(Default)]
pub struct SeenIds {
    /// 0 marks an empty slot.
    slots: Vec<u64>,
    len: usize,
}

/// Slots per key when sized ahead (a load of 0.89; the estimate of ids
/// has a tenth to spare already, so the table ends near 0.8).
const SLOTS_PER_KEY: (usize, usize) = (9, 8);
/// Load at which the table doubles (linear probing stays short below it).
const MAX_LOAD: (usize, usize) = (7, 8);

impl SeenIds {
    /// Makes room for `ids` keys at once: growing by doubling would hold
    /// the old and new tables together, half again the memory at the peak.
    pub fn reserve(&mut self, ids: usize) {
        let (n, d) = SLOTS_PER_KEY;
        let needed = (ids.max(self.len).saturating_mul(n) / d).max(1024);
        if needed > self.slots.len() {
            self.rebuild(needed);
        }
    }

    /// Message ids seen so far.
    pub fn ids(&self) -> usize {
        self.len
    }

    /// False when an earlier row had this id (or, rarely, another id with
    /// the same 64 bits; the settler then declines to stream).
    pub fn first(&mut self, m: &Message) -> bool {
        m.message_id.is_none_or(|id| self.insert(id.short()))
    }

    /// `first` for a whole batch: the table is far larger than any cache,
    /// so the slot of the row `AHEAD` rows on is prefetched while this one
    /// is probed, and their misses overlap rather than stall one by one.
    pub fn mark(&mut self, messages: &[Message], firsts: &mut Vec<bool>) {
        firsts.clear();
        for (i, m) in messages.iter().enumerate() {
            if let Some(id) = messages.get(i + AHEAD).and_then(|m| m.message_id) {
                self.prefetch(id.short());
            }
            firsts.push(self.first(m));
        }
    }

    /// The slot where `key`'s probe starts: its bits scaled to the size.
    fn home(&self, key: u64) -> usize {
        ((u128::from(key) * self.slots.len() as u128) >> 64) as usize
    }

    /// Starts loading the slot `insert(key)` will probe first.
    fn prefetch(&self, key: u64) {
        prefetch_at(&self.slots, self.home(key.max(1)));
    }

    fn insert(&mut self, key: u64) -> bool {
        // Key 0 would read as empty; sharing 1's slot only risks a
        // (safe) refusal to stream.
        let key = key.max(1);
        let (n, d) = MAX_LOAD;
        if (self.len + 1) * d > self.slots.len() * n {
            self.rebuild((self.slots.len() * 2).max(1024));
        }
        let size = self.slots.len();
        let mut i = self.home(key);
        loop {
            match self.slots[i] {
                0 => {
                    self.slots[i] = key;
                    self.len += 1;
                    return true;
                }
                k if k == key => return false,
                _ => {
                    i += 1;
                    if i == size {
                        i = 0;
                    }
                }
            }
        }
    }

    fn rebuild(&mut self, size: usize) {
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        self.len = 0;
        for key in old.into_iter().filter(|k| *k != 0) {
            self.insert(key);
        }
    }
}

/// How a row relates to earlier rows of its message id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    /// No earlier row had its id (or it has none): the next new message.
    New,
    /// Another row of the pending message with this sequence number.
    Pending(u64),
    /// Another row of a message already released (or, rarely, a different
    /// id with the same 64 bits): the settler declines to stream.
    Late,
}

/// Rows ahead whose slots `mark` prefetches.
const AHEAD: usize = 16;

/// Links each row to the pending message of its id, replaying the
/// settler's releases, given whether `SeenIds` saw its id first. The two
/// halves may run on different threads: the streaming engine keeps
/// `SeenIds` on the reading thread, which needs its answer (only a first
/// row moves time on), and this on the pricing thread, which has more time
/// to spare.
pub struct IdLinks {
    /// Pending messages with an id, oldest first: time, 64-bit key and
    /// sequence number (the settler checks the full key on use; `SeenIds`
    /// keeps keys unique).
    order: ChunkQueue<PendingId>,
    /// Number (see `pushed`) of the entry at the front of `order`.
    popped: u64,
    /// `order` entries by key, each as its number truncated to 32 bits
    /// (fewer than 2^32 are pending).
    by_key: PendingIds,
    next: u64,
    latest: Instant,
    horizon: Span,
}

#[derive(Clone, Copy)]
struct PendingId {
    at: Instant,
    key: u64,
    seq: u64,
}

impl IdLinks {
    /// `horizon` as for `Settler::new`.
    pub fn new(horizon: Span) -> Self {
        IdLinks {
            order: ChunkQueue::default(),
            popped: 0,
            by_key: PendingIds::default(),
            next: 0,
            latest: Instant::MIN,
            horizon: horizon.max(Span::ZERO),
        }
    }

    /// The pending entry numbered `n` (truncated), if any.
    fn entry(order: &ChunkQueue<PendingId>, popped: u64, n: u32) -> Option<&PendingId> {
        order.get(n.wrapping_sub(popped as u32) as usize)
    }

    /// `first`: from `SeenIds::first`, fed the same rows in the same order.
    pub fn link(&mut self, m: &Message, first: bool) -> Link {
        if let Some(id) = m.message_id
            && !first
        {
            let key = id.short();
            let (order, popped) = (&self.order, self.popped);
            return self
                .by_key
                .find(key, |n| {
                    Self::entry(order, popped, n).is_some_and(|e| e.key == key)
                })
                .and_then(|n| Self::entry(order, popped, n))
                .map_or(Link::Late, |e| Link::Pending(e.seq));
        }
        // A new message: first what the settler releases before taking it.
        if m.at > self.latest {
            self.latest = m.at;
            let before = self.latest.saturating_sub(self.horizon);
            while let Some(&e) = self.order.front() {
                if e.at >= before {
                    break;
                }
                let removed = self.by_key.remove(e.key, self.popped as u32);
                debug_assert!(removed, "every pending id is in the table");
                self.order.pop_front();
                self.popped += 1;
            }
        }
        if let Some(id) = m.message_id {
            let key = id.short();
            let n = (self.popped + self.order.len() as u64) as u32;
            self.order.push_back(PendingId {
                at: m.at,
                key,
                seq: self.next,
            });
            self.by_key.insert(key, n);
        }
        self.next += 1;
        Link::New
    }

    /// `link` for a whole batch, `firsts` from `SeenIds::mark`. The slot a
    /// row `AHEAD` rows on will probe, and that of the pending id leaving
    /// about then, are prefetched while this row is linked.
    pub fn mark(&mut self, messages: &[Message], firsts: &[bool], links: &mut Vec<Link>) {
        debug_assert_eq!(messages.len(), firsts.len());
        links.clear();
        for (i, (m, &first)) in messages.iter().zip(firsts).enumerate() {
            if let Some(id) = messages.get(i + AHEAD).and_then(|m| m.message_id) {
                self.by_key.prefetch(id.short());
            }
            if let Some(e) = self.order.get(AHEAD) {
                self.by_key.prefetch(e.key);
            }
            links.push(self.link(m, first));
        }
    }
}

pub struct Settler {
    horizon: Span,
    pending: ChunkQueue<Pending>,
    /// Sequence number of `pending[0]`.
    base: u64,
    latest: Instant,
    run: Vec<Pending>,
}

impl Settler {
    pub fn new(horizon: Span) -> Self {
        Settler {
            horizon: horizon.max(Span::ZERO),
            pending: ChunkQueue::default(),
            base: 0,
            latest: Instant::MIN,
            run: Vec::new(),
        }
    }

    /// Takes the next message in file order; releases, through `emit`, every
    /// message that no later row can change. `link`: from `IdLinks`, fed
    /// the same rows in the same order.
    #[allow(clippy::too_many_arguments)]
    pub fn push(
        &mut self,
        m: Message,
        link: Link,
        stats: &mut LogStats,
        files: &[String],
        strings: &Strings,
        sink: &mut dyn RejectSink,
        emit: &mut dyn FnMut(&Message),
    ) -> Result<(), Unstreamable> {
        let at = |m: &Message| (m.source.file, m.source.line);
        if m.at < self.latest {
            let (file, line) = at(&m);
            return Err(Unstreamable::OutOfOrder { file, line });
        }
        match link {
            Link::New => {}
            Link::Pending(seq) => {
                let pending = seq
                    .checked_sub(self.base)
                    .and_then(|i| self.pending.get_mut(i as usize))
                    .filter(|p| {
                        p.merged.message_id.is_some() && p.merged.message_id == m.message_id
                    });
                let Some(p) = pending else {
                    let (file, line) = at(&m);
                    return Err(Unstreamable::LateEvent { file, line });
                };
                return merge(p, m, stats, files, strings, sink);
            }
            Link::Late => {
                let (file, line) = at(&m);
                return Err(Unstreamable::LateEvent { file, line });
            }
        }
        if m.at > self.latest {
            self.latest = m.at;
            self.release(self.latest.saturating_sub(self.horizon), strings, emit);
        }
        self.pending.push_back(Pending::new(m));
        Ok(())
    }

    /// Hands `touch` every pending message that a batch whose last row is
    /// at `last` will release: reading their state in one short loop before
    /// the real work lets the cache misses overlap instead of stalling one
    /// by one.
    pub fn warm(&self, last: Instant, mut touch: impl FnMut(&Message)) {
        let before = last.saturating_sub(self.horizon);
        for p in self.pending.iter().take_while(|p| p.merged.at < before) {
            touch(&p.merged);
        }
    }

    /// Releases everything (end of input).
    pub fn finish(&mut self, strings: &Strings, emit: &mut dyn FnMut(&Message)) {
        self.release(Instant::MAX, strings, emit);
    }

    /// Releases messages earlier than `before`, one timestamp at a time,
    /// each timestamp's messages in log order.
    fn release(&mut self, before: Instant, strings: &Strings, emit: &mut dyn FnMut(&Message)) {
        while let Some(first) = self.pending.front() {
            let at = first.merged.at;
            if at >= before {
                break;
            }
            while self.pending.front().is_some_and(|p| p.merged.at == at) {
                let p = self.pending.pop_front().expect("checked above");
                self.base += 1;
                self.run.push(p);
            }
            if self.run.len() > 1 {
                self.run
                    .sort_by(|a, b| log_order(&a.head(), &b.head(), strings));
            }
            for p in self.run.drain(..) {
                emit(&p.merged);
            }
        }
    }
}

/// A value the head lacks, given by an earlier row, that this row contradicts.
fn disputed<T: PartialEq>(head: Option<T>, merged: Option<T>, new: Option<T>) -> bool {
    head.is_none() && merged.is_some() && new.is_some() && merged != new
}

/// Folds a row into the pending message of its id, exactly as sorting and
/// collapsing would: the row first in log order leads.
fn merge(
    p: &mut Pending,
    row: Message,
    stats: &mut LogStats,
    files: &[String],
    strings: &Strings,
    sink: &mut dyn RejectSink,
) -> Result<(), Unstreamable> {
    let ambiguous = || Unstreamable::AmbiguousMerge {
        file: row.source.file,
        line: row.source.line,
    };
    let head = p.head();
    if log_order(&row, &head, strings) == Ordering::Less {
        // Same timestamp, but this row sorts first: it leads, and the rows
        // seen so far follow it.
        let mut merged = row;
        absorb(&mut merged, &p.merged).map_err(|IdConflict| ambiguous())?;
        *p = Pending {
            merged,
            ..Pending::new(row)
        };
        stats.merged += 1;
        return Ok(());
    }
    // A category or country the head lacks was given by an earlier row;
    // whether this row's differing value would win depends on their order.
    if disputed(head.category, p.merged.category, row.category)
        || disputed(head.country, p.merged.country, row.country)
    {
        return Err(ambiguous());
    }
    match absorb(&mut p.merged, &row) {
        Ok(()) => stats.merged += 1,
        Err(IdConflict) => {
            stats.rejected += 1;
            sink.reject(&id_conflict(files, strings, &row, &head), None);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows at one second apart whose ids repeat (status events) both
    /// within and beyond `horizon`, some without an id.
    fn rows() -> Vec<Message> {
        use crate::model::{Direction, Extras, MessageKey, SourcePos};
        (0..20_000u64)
            .map(|i| {
                let id = match i % 7 {
                    0 => None,
                    3 => Some(i - 2), // 2 s later: still pending
                    5 => Some(i / 2), // far later: released
                    _ => Some(i),
                };
                Message {
                    at: Instant::from_micros(i as i64 * 1_000_000),
                    direction: Direction::Out,
                    category: Some(Category::Utility),
                    status: Status::Delivered,
                    entry_point: false,
                    business: 0,
                    customer: (i % 50) as u32,
                    country: None,
                    message_id: id.map(|n| MessageKey::of(&format!("wamid.{n}"))),
                    source: SourcePos {
                        file: 0,
                        line: i + 2,
                        row: 0,
                    },
                    extras: Extras::default(),
                    tags: 0,
                }
            })
            .collect()
    }

    #[test]
    fn batches_with_prefetching_answer_as_rows_one_by_one() {
        let rows = rows();
        let horizon = Span::from_micros(100 * 1_000_000);
        let (mut seen, mut links) = (SeenIds::default(), IdLinks::new(horizon));
        let one_by_one: Vec<(bool, Link)> = rows
            .iter()
            .map(|m| {
                let first = seen.first(m);
                (first, links.link(m, first))
            })
            .collect();
        let (mut seen, mut links) = (SeenIds::default(), IdLinks::new(horizon));
        let (mut firsts, mut marked) = (Vec::new(), Vec::new());
        let mut batched = Vec::new();
        for batch in rows.chunks(777) {
            seen.mark(batch, &mut firsts);
            links.mark(batch, &firsts, &mut marked);
            batched.extend(firsts.iter().copied().zip(marked.iter().copied()));
        }
        assert_eq!(batched, one_by_one);
        // Each kind of answer occurs.
        for kind in [Link::New, Link::Late] {
            assert!(one_by_one.iter().any(|(_, l)| *l == kind), "{kind:?}");
        }
        assert!(
            one_by_one
                .iter()
                .any(|(_, l)| matches!(l, Link::Pending(_)))
        );
    }

    #[test]
    fn seen_ids_remember_every_key_across_growth() {
        let mut seen = SeenIds::default();
        let keys: Vec<u64> = (0..50_000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .collect();
        assert!(keys.iter().all(|k| seen.insert(*k)), "new keys are first");
        assert_eq!(seen.ids(), keys.len());
        seen.reserve(200_000);
        assert!(
            keys.iter().all(|k| !seen.insert(*k)),
            "old keys are repeats"
        );
        assert!(seen.insert(12345), "and a new one is new");
        assert_eq!(seen.ids(), keys.len() + 1);
    }
}
