use std::cmp::Ordering;
use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::{FxBuildHasher, FxHashMap};

use crate::model::MessageKey;

/// Maps strings to dense `u32` ids and back, storing each distinct string
/// once (the table holds ids and finds strings through them).
#[derive(Default)]
pub struct Interner {
    table: HashTable<u32>,
    names: Vec<Box<str>>,
    /// Ids given back by `forget`, reused before new ones (streaming).
    free: Vec<u32>,
    /// Ids `intern` took from `free` since `take_reused`.
    reused: Vec<u32>,
}

impl std::fmt::Debug for Interner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(&self.names).finish()
    }
}

fn hash(s: &str) -> u64 {
    FxBuildHasher.hash_one(s)
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(id) = self.find(s) {
            return id;
        }
        let id = match self.free.pop() {
            Some(id) => {
                self.names[id as usize] = s.into();
                self.reused.push(id);
                id
            }
            None => {
                let id = u32::try_from(self.names.len()).expect("fewer than 2^32 distinct strings");
                self.names.push(s.into());
                id
            }
        };
        let names = &self.names;
        self.table
            .insert_unique(hash(s), id, |&i| hash(&names[i as usize]));
        id
    }

    pub fn get(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    pub fn find(&self, s: &str) -> Option<u32> {
        self.table
            .find(hash(s), |&i| &*self.names[i as usize] == s)
            .copied()
    }

    /// Gives `id` back: its string is no longer found, and a later new
    /// string may take the id (the streaming engine forgets customers whose
    /// windows have closed, so memory follows open windows).
    pub fn forget(&mut self, id: u32) {
        if self.remove(id) {
            self.free.push(id);
        }
    }

    /// `forget` in a mirror, whose ids the other interner gives.
    pub fn remove(&mut self, id: u32) -> bool {
        let name = std::mem::take(&mut self.names[id as usize]);
        match self.table.find_entry(hash(&name), |&i| i == id) {
            Ok(entry) => {
                entry.remove();
                true
            }
            Err(_) => false,
        }
    }

    /// Puts `s` at `id`, as another interner assigned it (a mirror).
    pub fn insert_at(&mut self, id: u32, s: &str) {
        let i = id as usize;
        if i >= self.names.len() {
            self.names.resize_with(i + 1, Box::default);
        }
        self.names[i] = s.into();
        let names = &self.names;
        self.table
            .insert_unique(hash(s), id, |&i| hash(&names[i as usize]));
    }

    /// Ids reused since the last call, in the order `intern` took them.
    pub fn take_reused(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.reused)
    }

    /// One more than the highest id given: with `forget`, the peak number
    /// of strings held at once.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Strings held now (`len` less those forgotten).
    pub fn live(&self) -> usize {
        self.names.len() - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The strings interned since the first `start` (to mirror them).
    pub fn names_from(&self, start: usize) -> &[Box<str>] {
        &self.names[start.min(self.names.len())..]
    }
}

/// Customer numbers (E.164 digits): interned strings plus each number's
/// value and length, so that ordering two customers compares two integers
/// rather than chasing two strings (it runs for every same-second pair).
#[derive(Debug, Default)]
pub struct Customers {
    names: Interner,
    /// `value << 4 | digits`, or `u64::MAX` for a non-numeric name.
    keys: Vec<u64>,
}

impl Customers {
    pub fn intern(&mut self, digits: &str) -> u32 {
        let before = self.names.len();
        let reused = self.names.reused.len();
        let id = self.names.intern(digits);
        if self.names.len() > before || self.names.reused.len() > reused {
            self.set_key(id, digits);
        }
        id
    }

    fn set_key(&mut self, id: u32, digits: &str) {
        let key = match digits.parse::<u64>() {
            Ok(v) if digits.len() <= 15 && !digits.starts_with(['0', '+']) => {
                v << 4 | digits.len() as u64
            }
            _ => u64::MAX,
        };
        let i = id as usize;
        if i >= self.keys.len() {
            self.keys.resize(i + 1, u64::MAX);
        }
        self.keys[i] = key;
    }

    /// See `Interner::forget`.
    pub fn forget(&mut self, id: u32) {
        self.names.forget(id);
    }

    /// See `Interner::remove`.
    pub fn remove(&mut self, id: u32) {
        self.names.remove(id);
    }

    /// See `Interner::insert_at`.
    pub fn insert_at(&mut self, id: u32, digits: &str) {
        self.names.insert_at(id, digits);
        self.set_key(id, digits);
    }

    /// See `Interner::take_reused`.
    pub fn take_reused(&mut self) -> Vec<u32> {
        self.names.take_reused()
    }

    /// See `Interner::live`.
    pub fn live(&self) -> usize {
        self.names.live()
    }

    pub fn get(&self, id: u32) -> &str {
        self.names.get(id)
    }

    pub fn find(&self, digits: &str) -> Option<u32> {
        self.names.find(digits)
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn names_from(&self, start: usize) -> &[Box<str>] {
        self.names.names_from(start)
    }

    /// Reads the customer's ordering key into cache (see `Settler::warm`).
    pub fn warm(&self, id: u32) {
        std::hint::black_box(self.keys.get(id as usize).copied());
    }

    /// The order of the two numbers as text, without reading the text.
    pub fn cmp(&self, a: u32, b: u32) -> Ordering {
        if a == b {
            return Ordering::Equal;
        }
        let (ka, kb) = (self.keys[a as usize], self.keys[b as usize]);
        if ka == u64::MAX || kb == u64::MAX {
            return self.get(a).cmp(self.get(b));
        }
        let (va, la) = (ka >> 4, (ka & 15) as u32);
        let (vb, lb) = (kb >> 4, (kb & 15) as u32);
        // Pad the shorter with zeros; on a tie the shorter is a prefix.
        let (pa, pb) = (
            va * 10u64.pow(lb.saturating_sub(la)),
            vb * 10u64.pow(la.saturating_sub(lb)),
        );
        pa.cmp(&pb).then(la.cmp(&lb))
    }
}

/// The text of message ids, kept only for commands that print them
/// (`price`, `explain`, `validate`); `estimate` needs only their keys.
#[derive(Debug, Default)]
pub struct MessageIds {
    names: Option<FxHashMap<MessageKey, Box<str>>>,
}

impl MessageIds {
    pub fn keeping_text(keep: bool) -> Self {
        MessageIds {
            names: keep.then(FxHashMap::default),
        }
    }

    pub fn key(&mut self, id: &str) -> MessageKey {
        let key = MessageKey::of(id);
        if let Some(names) = &mut self.names {
            names.entry(key).or_insert_with(|| id.into());
        }
        key
    }

    /// The key of one participant's copy of a group message: the id's
    /// rows merge per participant, and the id prints as given.
    pub fn key_for(&mut self, id: &str, participant: &str) -> MessageKey {
        let key = MessageKey::of(&format!("{id}\u{1f}{participant}"));
        if let Some(names) = &mut self.names {
            names.entry(key).or_insert_with(|| id.into());
        }
        key
    }

    /// The id's text, or "" when texts are not kept.
    pub fn get(&self, key: MessageKey) -> &str {
        self.names
            .as_ref()
            .and_then(|n| n.get(&key))
            .map_or("", |s| s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_order_like_their_digits() {
        let numbers = [
            "4915112345678",
            "491511234567",
            "4915112345679",
            "919810000010",
            "5511987654321",
            "1415555010",
            "14155550100",
            "9",
            "99",
            "989",
            "12x",
        ];
        let mut c = Customers::default();
        let ids: Vec<u32> = numbers.iter().map(|n| c.intern(n)).collect();
        for (i, a) in numbers.iter().enumerate() {
            for (j, b) in numbers.iter().enumerate() {
                assert_eq!(c.cmp(ids[i], ids[j]), a.cmp(b), "{a} vs {b}");
            }
        }
    }
}
