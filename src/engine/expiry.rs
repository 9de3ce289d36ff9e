//! Which customers the streaming engine may forget, so that its memory
//! follows open windows rather than every customer ever seen.
//!
//! A customer whose latest row is at `t` is forgotten once a message at
//! `t + keep` or later has been read, `keep` being the status-event horizon
//! plus the longest window (service, entry-point reply, free entry point
//! window, conversation). By then every message of the customer has been
//! priced (the settler releases messages `horizon` behind the latest one)
//! and none of its windows or conversations can reach a later message, so
//! a later row of the same number starts from nothing, as it would in the
//! sorted engine. Its id is given back and may go to another number.
//!
//! Ids wait in hour buckets of a wheel for their due time: each row costs
//! O(1) (a customer seen again is looked at once more when its bucket comes
//! up, and put back in the bucket of its new due time).

use std::collections::VecDeque;

use crate::model::{HOUR_US, Micros};
use crate::pricing::{CONVERSATION_US, WindowRules};

pub(super) struct Expiry {
    /// Per customer id: the time of its latest row; `Micros::MIN` when the
    /// id is not held.
    last_seen: Vec<Micros>,
    /// Hour buckets of ids to look at, `wheel[0]` being hour `base`.
    wheel: VecDeque<Vec<u32>>,
    base: i64,
    keep: Micros,
    /// Ids held now, and at most at once.
    held: usize,
    peak: usize,
}

impl Expiry {
    /// `horizon`: how long the settler holds a message for its status events.
    pub fn new(horizon: Micros, rules: &WindowRules) -> Self {
        let window = rules
            .service_window
            .max(rules.entry_point_reply)
            .max(rules.entry_point_window)
            .max(CONVERSATION_US);
        Expiry {
            last_seen: Vec::new(),
            wheel: VecDeque::new(),
            base: 0,
            keep: horizon.max(0).saturating_add(window),
            held: 0,
            peak: 0,
        }
    }

    /// Notes a row of customer `id` at `at`.
    pub fn seen(&mut self, id: u32, at: Micros) {
        let i = id as usize;
        if i >= self.last_seen.len() {
            self.last_seen.resize(i + 1, Micros::MIN);
        }
        let was = self.last_seen[i];
        self.last_seen[i] = was.max(at);
        if was == Micros::MIN {
            self.held += 1;
            self.peak = self.peak.max(self.held);
            self.schedule(id, at);
        }
    }

    /// Notes `id` unless it is held (an id interned for a row that was then
    /// rejected: it is forgotten like any other).
    pub fn hold(&mut self, id: u32, now: Micros) {
        if self.last_seen.get(id as usize).is_none_or(|&t| t == Micros::MIN) {
            self.seen(id, now);
        }
    }

    fn schedule(&mut self, id: u32, seen: Micros) {
        let hour = seen.saturating_add(self.keep).div_euclid(HOUR_US);
        if self.wheel.is_empty() {
            self.base = hour;
        }
        let slot = usize::try_from(hour - self.base).unwrap_or(0);
        if slot >= self.wheel.len() {
            self.wheel.resize_with(slot + 1, Vec::new);
        }
        self.wheel[slot].push(id);
    }

    /// Hands `forget` every customer no row read from now on can need,
    /// `latest` being the time of the latest new message read (the settler
    /// has released everything `horizon` before it).
    pub fn expire(&mut self, latest: Micros, mut forget: impl FnMut(u32)) {
        // Bucket `base` holds due times in [base h, base h + 1 h).
        while !self.wheel.is_empty() && (self.base + 1).saturating_mul(HOUR_US) <= latest {
            let ids = self.wheel.pop_front().expect("not empty");
            self.base += 1;
            for id in ids {
                let seen = self.last_seen[id as usize];
                if seen.saturating_add(self.keep) < latest {
                    self.last_seen[id as usize] = Micros::MIN;
                    self.held -= 1;
                    forget(id);
                } else {
                    // Seen again since: due later.
                    self.schedule(id, seen);
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

    const H: Micros = HOUR_US;

    fn expiry() -> Expiry {
        // keep = 24 h + 72 h
        Expiry::new(24 * H, &WindowRules::default())
    }

    fn expire(e: &mut Expiry, latest: Micros) -> Vec<u32> {
        let mut gone = Vec::new();
        e.expire(latest, |id| gone.push(id));
        gone
    }

    #[test]
    fn a_customer_is_forgotten_only_after_keep() {
        let mut e = expiry();
        e.seen(0, 10 * H);
        assert!(expire(&mut e, 106 * H).is_empty(), "exactly keep later");
        // Looked at once the whole hour bucket of its due time has passed.
        assert!(expire(&mut e, 107 * H - 1).is_empty());
        assert_eq!(expire(&mut e, 107 * H), vec![0]);
        assert!(expire(&mut e, 1000 * H).is_empty(), "once");
    }

    #[test]
    fn a_customer_seen_again_waits_from_its_latest_row() {
        let mut e = expiry();
        e.seen(0, 0);
        e.seen(1, 0);
        e.seen(0, 50 * H);
        assert_eq!(expire(&mut e, 97 * H), vec![1]);
        assert!(expire(&mut e, 146 * H).is_empty());
        assert_eq!(expire(&mut e, 147 * H), vec![0]);
        // Forgotten, then back: held again from the new row.
        e.seen(0, 200 * H);
        assert!(expire(&mut e, 296 * H).is_empty());
        assert_eq!(expire(&mut e, 300 * H), vec![0]);
    }

    #[test]
    fn the_peak_follows_customers_held_at_once() {
        let mut e = expiry();
        for day in 0..60 {
            let now = day * 24 * H;
            for c in 0..100 {
                e.seen(day as u32 * 100 + c, now);
            }
            expire(&mut e, now);
        }
        // keep is 4 days: a day's customers go on the fifth day after,
        // when that day's new ones have just come: six days at once.
        assert_eq!(e.peak(), 600);
    }
}
