//! Pending message ids by key, for `IdLinks`: which entry of its queue of
//! pending ids (numbered in push order) holds a 64-bit key.
//!
//! Every message with an id goes in and comes out again 24 h later, so a
//! general hash table pays a cache miss for each insert and each removal.
//! This one is open addressing with linear probing over 8-byte slots that
//! hold the key's high bits beside the entry number: a slot's home comes
//! from the slot alone, so a removal closes its gap by shifting later slots
//! back (no tombstones, no rehashing) without reading the queue, and a
//! caller can prefetch the slot a key will use (`prefetch`).

use crate::prefetch::prefetch_at;

#[derive(Default)]
pub(super) struct PendingIds {
    /// `tag << 32 | number`; 0 is empty (a tag is never 0).
    slots: Vec<u64>,
    len: usize,
}

/// Load at which the table doubles: linear probing stays short below it.
const MAX_LOAD: (usize, usize) = (3, 4);
const MIN_SLOTS: usize = 1024;

/// A key's high 32 bits with the lowest set, so that no slot is 0.
fn tag(key: u64) -> u64 {
    (key >> 32) | 1
}

impl PendingIds {
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// The slot a tag's probe starts at: its bits scaled to the size.
    fn home(&self, tag: u64) -> usize {
        ((tag * self.slots.len() as u64) >> 32) as usize
    }

    fn next(&self, i: usize) -> usize {
        if i + 1 == self.slots.len() { 0 } else { i + 1 }
    }

    /// Starts loading the slot where `key`'s probe begins.
    pub fn prefetch(&self, key: u64) {
        if !self.slots.is_empty() {
            prefetch_at(&self.slots, self.home(tag(key)));
        }
    }

    /// Records entry `n` under `key`; keys are unique (`SeenIds`).
    pub fn insert(&mut self, key: u64, n: u32) {
        let (num, den) = MAX_LOAD;
        if (self.len + 1) * den > self.slots.len() * num {
            self.grow();
        }
        self.place(tag(key) << 32 | u64::from(n));
        self.len += 1;
    }

    fn place(&mut self, slot: u64) {
        let mut i = self.home(slot >> 32);
        while self.slots[i] != 0 {
            i = self.next(i);
        }
        self.slots[i] = slot;
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(MIN_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![0; size]);
        for slot in old.into_iter().filter(|s| *s != 0) {
            self.place(slot);
        }
    }

    /// The number of the entry for `key`: the first whose tag matches and
    /// that `is_key` confirms (it reads the full key from the queue).
    pub fn find(&self, key: u64, mut is_key: impl FnMut(u32) -> bool) -> Option<u32> {
        if self.slots.is_empty() {
            return None;
        }
        let tag = tag(key);
        let mut i = self.home(tag);
        loop {
            let slot = self.slots[i];
            if slot == 0 {
                return None;
            }
            if slot >> 32 == tag && is_key(slot as u32) {
                return Some(slot as u32);
            }
            i = self.next(i);
        }
    }

    /// Removes entry `n`, recorded under `key`; false if it is not there.
    pub fn remove(&mut self, key: u64, n: u32) -> bool {
        if self.slots.is_empty() {
            return false;
        }
        let wanted = tag(key) << 32 | u64::from(n);
        let mut gap = self.home(wanted >> 32);
        loop {
            match self.slots[gap] {
                0 => return false,
                s if s == wanted => break,
                _ => gap = self.next(gap),
            }
        }
        // Backward shift: a later slot of the run moves into the gap unless
        // its home lies cyclically in (gap, j], where it would be unreachable.
        let mut j = gap;
        loop {
            j = self.next(j);
            let slot = self.slots[j];
            if slot == 0 {
                break;
            }
            let home = self.home(slot >> 32);
            let stays = if gap <= j {
                gap < home && home <= j
            } else {
                gap < home || home <= j
            };
            if !stays {
                self.slots[gap] = slot;
                gap = j;
            }
        }
        self.slots[gap] = 0;
        self.len -= 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{HashMap, VecDeque};

    /// Keys whose high bits collide often, so probe runs are long and wrap.
    fn key(i: u64, clustered: bool) -> u64 {
        let mixed = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        if clustered {
            // Few distinct homes (and tags): every slot of a run is a
            // candidate the shift must judge.
            (mixed & 0xFF00_0000_0000_0000) | i
        } else {
            mixed
        }
    }

    #[test]
    fn matches_a_hash_map_through_fifo_churn() {
        for clustered in [false, true] {
            let mut table = PendingIds::default();
            let mut model: HashMap<u64, u32> = HashMap::new();
            let mut fifo = VecDeque::new();
            let mut next = 0u64;
            for wave in 0..30u64 {
                for _ in 0..(wave * 389 % 3000) {
                    let k = key(next, clustered);
                    table.insert(k, next as u32);
                    model.insert(k, next as u32);
                    fifo.push_back(k);
                    next += 1;
                }
                for _ in 0..(wave * 571 % 2500) {
                    let Some(k) = fifo.pop_front() else { break };
                    let n = model.remove(&k).unwrap();
                    assert!(table.remove(k, n), "present");
                    assert!(!table.remove(k, n), "gone");
                }
                assert_eq!(table.len(), model.len());
                // The queue's side: which key each live number holds.
                let by_number: HashMap<u32, u64> = model.iter().map(|(&k, &n)| (n, k)).collect();
                let find = |k: u64| table.find(k, |m| by_number.get(&m) == Some(&k));
                for (&k, &n) in &model {
                    assert_eq!(find(k), Some(n), "live keys are found");
                }
                for i in (0..next).step_by(97) {
                    let k = key(i, clustered);
                    if !model.contains_key(&k) {
                        assert_eq!(find(k), None, "removed keys are not: {i}");
                    }
                }
            }
        }
    }

    #[test]
    fn a_confirmation_is_asked_for_tag_matches_only() {
        let mut table = PendingIds::default();
        // Same high bits, different keys: the tag alone cannot tell them apart.
        table.insert(0xABCD_0000_0000_0001, 7);
        table.insert(0xABCD_0000_0000_0002, 8);
        let found = table.find(0xABCD_0000_0000_0002, |n| n == 8);
        assert_eq!(found, Some(8));
        assert_eq!(table.find(0x1234_0000_0000_0002, |_| true), None);
        assert!(!table.remove(0xABCD_0000_0000_0002, 9), "number must match");
        assert!(!table.remove(0x1234_0000_0000_0001, 7), "tag must match");
        assert!(table.remove(0xABCD_0000_0000_0002, 8));
        assert_eq!(table.find(0xABCD_0000_0000_0001, |n| n == 7), Some(7));
    }
}
