//! Which customers the streaming engine may forget, so that its memory
//! follows open windows rather than every customer ever seen.
//!
//! Each row of a customer at `t` keeps it until `t + window`: the longest
//! of the service window, the entry-point reply time and a conversation
//! (24 h each by default), or for an entry-point row, the reply time plus
//! the free entry point window it may open (96 h). Once a new message
//! `horizon` (the settler's wait for status events) past that has been
//! read, every message of the customer has been priced (the settler
//! releases messages `horizon` behind the latest one) and none of its
//! windows or conversations can reach a later message, so a later row of
//! the same number starts from nothing, as it would in the sorted engine.
//! The customer is forgotten; its id may go to another number.
//!
//! Ids wait in hour buckets of a wheel for their due time: each row costs
//! O(1) (a customer seen again is looked at once more when its bucket comes
//! up, and put back in the bucket of its new due time).

use std::collections::VecDeque;

use crate::model::{Instant, Span};
use crate::pricing::{CONVERSATION_LENGTH, WindowRules};

/// Hours since the epoch of 2026-09-30T10:00Z: from then some business's
/// local date is 2026-10-01, when free entry point windows last longer.
const LONG_ENTRY_FROM_HOUR: i64 = 1_790_762_400 / 3600;

pub(super) struct Expiry {
    /// Per customer id: when its windows end at the latest (see above);
    /// `Instant::MIN` when the id is not held.
    ends: Vec<Instant>,
    /// Hour buckets of ids to look at, `wheel[0]` being hour `base`.
    wheel: VecDeque<Vec<u32>>,
    base: i64,
    horizon: Span,
    /// How long a row keeps its customer, and an entry-point row.
    window: Span,
    entry_window: Span,
    /// An entry-point row from this instant on may open the longer window
    /// of 2026-10-01 (the earliest local midnight of that day, UTC+14).
    long_entry_from: Instant,
    long_entry_window: Span,
    /// Ids held now, and at most at once.
    held: usize,
    peak: usize,
}

impl Expiry {
    /// `horizon`: how long the settler holds a message for its status events.
    pub fn new(horizon: Span, rules: &WindowRules) -> Self {
        let window = rules
            .service_window
            .max(rules.entry_point_reply)
            .max(CONVERSATION_LENGTH);
        let entry_window = window.max(rules.entry_point_reply + rules.entry_point_window);
        let long_entry_window = window.max(rules.entry_point_reply + rules.longest_entry_point());
        // 2026-10-01T00:00 at UTC+14 = 2026-09-30T10:00Z.
        let long_entry_from = Instant::at_hour(LONG_ENTRY_FROM_HOUR);
        Expiry {
            ends: Vec::new(),
            wheel: VecDeque::new(),
            base: 0,
            horizon: horizon.max(Span::ZERO),
            window,
            entry_window,
            long_entry_from,
            long_entry_window,
            held: 0,
            peak: 0,
        }
    }

    /// Notes a row of customer `id` at `at`; `entry_point`: the row comes
    /// from an ad or Page button.
    pub fn seen(&mut self, id: u32, at: Instant, entry_point: bool) {
        let i = id as usize;
        if i >= self.ends.len() {
            self.ends.resize(i + 1, Instant::MIN);
        }
        let window = if entry_point && at >= self.long_entry_from {
            self.long_entry_window
        } else if entry_point {
            self.entry_window
        } else {
            self.window
        };
        let was = self.ends[i];
        let end = at.saturating_add(window);
        self.ends[i] = was.max(end);
        if was == Instant::MIN {
            self.held += 1;
            self.peak = self.peak.max(self.held);
            self.schedule(id, end);
        }
    }

    /// Notes `id` unless it is held (an id interned for a row that was then
    /// rejected: it is forgotten like any other).
    pub fn hold(&mut self, id: u32, now: Instant) {
        if self
            .ends
            .get(id as usize)
            .is_none_or(|&t| t == Instant::MIN)
        {
            self.seen(id, now, false);
        }
    }

    fn schedule(&mut self, id: u32, end: Instant) {
        let hour = end.saturating_add(self.horizon).hour();
        if self.wheel.is_empty() {
            self.base = hour;
        }
        // Due before the first bucket (an entry point came first): buckets
        // in front, no more than the longest window's hours.
        while hour < self.base {
            self.wheel.push_front(Vec::new());
            self.base -= 1;
        }
        let slot = usize::try_from(hour - self.base).expect("not before base");
        if slot >= self.wheel.len() {
            self.wheel.resize_with(slot + 1, Vec::new);
        }
        self.wheel[slot].push(id);
    }

    /// Hands `forget` every customer no row read from now on can need,
    /// `latest` being the time of the latest new message read (the settler
    /// has released everything `horizon` before it).
    pub fn expire(&mut self, latest: Instant, mut forget: impl FnMut(u32)) {
        // Bucket `base` holds due times in [base h, base h + 1 h).
        while !self.wheel.is_empty() && Instant::at_hour(self.base + 1) <= latest {
            let ids = self.wheel.pop_front().expect("not empty");
            self.base += 1;
            for id in ids {
                let end = self.ends[id as usize];
                if end.saturating_add(self.horizon) < latest {
                    self.ends[id as usize] = Instant::MIN;
                    self.held -= 1;
                    forget(id);
                } else {
                    // Seen again since: due later.
                    self.schedule(id, end);
                }
            }
        }
    }

    /// Customers held at most at once.
    pub fn peak(&self) -> usize {
        self.peak
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = Span::HOUR.as_micros();

    fn at(us: i64) -> Instant {
        Instant::from_micros(us)
    }

    /// Kept 24 h + 24 h after a row, 24 h + 96 h after an entry point.
    fn expiry() -> Expiry {
        Expiry::new(Span::hours(24), &WindowRules::default())
    }

    fn expire(e: &mut Expiry, latest: i64) -> Vec<u32> {
        let mut gone = Vec::new();
        e.expire(at(latest), |id| gone.push(id));
        gone
    }

    #[test]
    fn a_customer_is_forgotten_only_after_its_windows_and_the_horizon() {
        let mut e = expiry();
        e.seen(0, at(10 * H), false);
        e.seen(1, at(10 * H), true);
        assert!(expire(&mut e, 58 * H).is_empty(), "exactly 48 h later");
        // Looked at once the whole hour bucket of its due time has passed.
        assert!(expire(&mut e, 59 * H - 1).is_empty());
        assert_eq!(expire(&mut e, 59 * H), vec![0]);
        // The entry point's free window may still be open.
        assert!(expire(&mut e, 130 * H).is_empty());
        assert_eq!(expire(&mut e, 131 * H), vec![1]);
        assert!(expire(&mut e, 1000 * H).is_empty(), "once");
    }

    #[test]
    fn a_customer_seen_again_waits_from_its_latest_row() {
        let mut e = expiry();
        e.seen(0, at(0), false);
        e.seen(1, at(0), false);
        e.seen(0, at(50 * H), false);
        assert_eq!(expire(&mut e, 49 * H), vec![1]);
        assert!(expire(&mut e, 98 * H).is_empty());
        assert_eq!(expire(&mut e, 99 * H), vec![0]);
        // Forgotten, then back: held again from the new row.
        e.seen(0, at(200 * H), false);
        assert!(expire(&mut e, 248 * H).is_empty());
        assert_eq!(expire(&mut e, 250 * H), vec![0]);
    }

    #[test]
    fn an_earlier_due_time_is_not_held_behind_a_later_one() {
        let mut e = expiry();
        e.seen(0, at(0), true);
        e.seen(1, at(H), false);
        assert_eq!(expire(&mut e, 74 * H), vec![1]);
        assert_eq!(expire(&mut e, 121 * H), vec![0]);
    }

    #[test]
    fn the_peak_follows_customers_held_at_once() {
        let mut e = expiry();
        for day in 0..60 {
            let now = day * 24 * H;
            for c in 0..100 {
                e.seen(day as u32 * 100 + c, at(now), false);
            }
            expire(&mut e, now);
        }
        // Kept 48 h: a day's customers go on the third day after, when
        // that day's new ones have just come: four days at once.
        assert_eq!(e.peak(), 400);
    }
}
