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
        let id = u32::try_from(self.names.len()).expect("fewer than 2^32 distinct strings");
        self.names.push(s.into());
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

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The strings interned since the first `start` (to mirror them).
    pub fn names_from(&self, start: usize) -> &[Box<str>] {
        &self.names[start.min(self.names.len())..]
    }
}

/// Customer numbers (E.164 digits), interned to dense `u32` ids. A number
/// of at most 15 digits without a leading zero (every well-formed one) is
/// held as its value and length plus its digits inline: no heap string per
/// customer, and it is found and forgotten by its value, without reading
/// text (the streaming engine forgets customers as often as it meets new
/// ones). Other names (business-scoped user ids) are kept as strings.
#[derive(Default)]
pub struct Customers {
    /// Ids, hashed by `key` (numbers) or by text (other names).
    table: HashTable<u32>,
    /// Per id: `value << 4 | digits`, `OTHER` for a name kept in `others`,
    /// or `FREE`.
    keys: Vec<u64>,
    /// Per id: a number's digits (the first `digits` bytes).
    digits: Vec<[u8; 15]>,
    others: FxHashMap<u32, Box<str>>,
    /// Ids given back by `forget`, reused before new ones (streaming).
    free: Vec<u32>,
    /// Ids `intern` took from `free` since `take_reused`.
    reused: Vec<u32>,
}

const OTHER: u64 = u64::MAX;
const FREE: u64 = u64::MAX - 1;

impl std::fmt::Debug for Customers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries((0..self.keys.len() as u32).map(|id| self.get(id)))
            .finish()
    }
}

/// A number's key (see `Customers::keys`), or `OTHER`.
fn number_key(digits: &str) -> u64 {
    match digits.parse::<u64>() {
        Ok(v) if digits.len() <= 15 && !digits.starts_with(['0', '+']) => {
            v << 4 | digits.len() as u64
        }
        _ => OTHER,
    }
}

/// The hash `Customers::table` files `id` under.
fn hash_id(keys: &[u64], others: &FxHashMap<u32, Box<str>>, id: u32) -> u64 {
    match keys[id as usize] {
        OTHER => hash(&others[&id]),
        key => FxBuildHasher.hash_one(key),
    }
}

impl Customers {
    fn hash_of(&self, id: u32) -> u64 {
        hash_id(&self.keys, &self.others, id)
    }

    pub fn intern(&mut self, digits: &str) -> u32 {
        if let Some(id) = self.find(digits) {
            return id;
        }
        let id = self.next_id();
        self.insert_at(id, digits);
        id
    }

    /// A free id (reused first, see `forget`) or a new one.
    fn next_id(&mut self) -> u32 {
        match self.free.pop() {
            Some(id) => {
                self.reused.push(id);
                id
            }
            None => u32::try_from(self.keys.len()).expect("fewer than 2^32 customers"),
        }
    }

    /// `intern` of the number whose value is `value`, without building
    /// its text on the heap or parsing it back: a value's digits never
    /// start with 0, so at most 15 of them are its key directly.
    pub fn intern_value(&mut self, value: u64) -> u32 {
        let mut buf = [0u8; 20];
        let mut i = buf.len();
        let mut v = value;
        loop {
            i -= 1;
            buf[i] = b'0' + (v % 10) as u8;
            v /= 10;
            if v == 0 {
                break;
            }
        }
        let digits = &buf[i..];
        if digits.len() > 15 {
            return self.intern(std::str::from_utf8(digits).expect("ASCII digits"));
        }
        let key = value << 4 | digits.len() as u64;
        if let Some(id) = self.find_key(key) {
            return id;
        }
        let id = self.next_id();
        self.put(id, key, digits);
        id
    }

    /// Puts `digits` at `id`, as another `Customers` assigned it (a mirror).
    pub fn insert_at(&mut self, id: u32, digits: &str) {
        self.put(id, number_key(digits), digits.as_bytes());
    }

    /// Files `digits`, whose key is `key`, under `id`.
    fn put(&mut self, id: u32, key: u64, digits: &[u8]) {
        let i = id as usize;
        if i >= self.keys.len() {
            self.keys.resize(i + 1, FREE);
            self.digits.resize(i + 1, [0; 15]);
        }
        self.keys[i] = key;
        let h = if key == OTHER {
            let name = std::str::from_utf8(digits).expect("given as text");
            self.others.insert(id, name.into());
            hash(name)
        } else {
            self.digits[i][..digits.len()].copy_from_slice(digits);
            FxBuildHasher.hash_one(key)
        };
        let (keys, others) = (&self.keys, &self.others);
        self.table
            .insert_unique(h, id, |&j| hash_id(keys, others, j));
    }

    /// Gives `id` back: its number is no longer found, and a later new
    /// number may take the id (the streaming engine forgets customers whose
    /// windows have closed, so memory follows open windows).
    pub fn forget(&mut self, id: u32) {
        if self.remove(id) {
            self.free.push(id);
        }
    }

    /// `forget` in a mirror, whose ids the other `Customers` gives.
    pub fn remove(&mut self, id: u32) -> bool {
        let i = id as usize;
        if self.keys.get(i).is_none_or(|&k| k == FREE) {
            return false;
        }
        let hash = self.hash_of(id);
        if let Ok(entry) = self.table.find_entry(hash, |&j| j == id) {
            entry.remove();
        }
        if self.keys[i] == OTHER {
            self.others.remove(&id);
        }
        self.keys[i] = FREE;
        true
    }

    /// Ids reused since the last call, in the order `intern` took them.
    pub fn take_reused(&mut self) -> Vec<u32> {
        std::mem::take(&mut self.reused)
    }

    /// Customers held now (`len` less those forgotten).
    pub fn live(&self) -> usize {
        self.keys.len() - self.free.len()
    }

    /// The number (or name) of `id`.
    pub fn get(&self, id: u32) -> &str {
        let i = id as usize;
        match self.keys[i] {
            OTHER => &self.others[&id],
            FREE => "",
            key => {
                std::str::from_utf8(&self.digits[i][..(key & 15) as usize]).expect("ASCII digits")
            }
        }
    }

    pub fn find(&self, digits: &str) -> Option<u32> {
        match number_key(digits) {
            OTHER => self
                .table
                .find(hash(digits), |&i| {
                    self.keys[i as usize] == OTHER && &*self.others[&i] == digits
                })
                .copied(),
            key => self.find_key(key),
        }
    }

    fn find_key(&self, key: u64) -> Option<u32> {
        self.table
            .find(FxBuildHasher.hash_one(key), |&i| {
                self.keys[i as usize] == key
            })
            .copied()
    }

    /// The number's value, when it is one (no leading zero, at most 15
    /// digits): what `phone::number_value` reads.
    pub fn value(&self, id: u32) -> Option<u64> {
        match self.keys[id as usize] {
            OTHER | FREE => None,
            key => Some(key >> 4),
        }
    }

    /// One more than the highest id given: with `forget`, the peak number
    /// of customers held at once.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
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
        if ka >= FREE || kb >= FREE {
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
    fn forgotten_customers_give_back_their_ids_and_are_not_found() {
        let mut c = Customers::default();
        let a = c.intern("4915112345678");
        let b = c.intern("US.1349");
        assert_eq!((c.get(a), c.get(b)), ("4915112345678", "US.1349"));
        assert_eq!(c.value(a), Some(4_915_112_345_678));
        assert_eq!(c.value(b), None);
        assert_eq!(c.intern_value(4_915_112_345_678), a);
        let mut zero = Customers::default();
        let id = zero.intern_value(0);
        assert_eq!(zero.get(id), "0");
        c.forget(a);
        c.forget(b);
        c.forget(a);
        assert_eq!((c.find("4915112345678"), c.find("US.1349")), (None, None));
        assert_eq!(c.live(), 0);
        // Reused, latest given back first; the texts trade places.
        assert_eq!(c.intern("4915112345678"), b);
        assert_eq!(c.intern("US.1349"), a);
        assert_eq!(c.take_reused(), vec![b, a]);
        assert_eq!((c.get(a), c.get(b)), ("US.1349", "4915112345678"));
        assert_eq!(c.find("US.1349"), Some(a));
        // A mirror removes without giving the id back.
        let mut m = Customers::default();
        m.insert_at(3, "14155550100");
        assert_eq!(m.find("14155550100"), Some(3));
        m.remove(3);
        assert_eq!(m.find("14155550100"), None);
        assert_eq!(m.intern("14155550100"), 4);
    }

    #[test]
    fn interning_a_value_is_interning_its_digits() {
        let values = [
            4915112345678u64,
            1,
            100_000_000_000_000,
            999_999_999_999_999,
            1_000_000_000_000_000,
        ];
        let (mut by_value, mut by_text) = (Customers::default(), Customers::default());
        for round in 0..2 {
            for &v in &values {
                let (a, b) = (by_value.intern_value(v), by_text.intern(&v.to_string()));
                assert_eq!(a, b, "{v}, round {round}");
                assert_eq!(by_value.get(a), v.to_string());
                assert_eq!(by_value.find(&v.to_string()), Some(a));
            }
        }
        // A forgotten id is reused, and recorded as such, alike.
        by_value.forget(1);
        by_text.forget(1);
        assert_eq!(by_value.intern_value(77), by_text.intern("77"));
        assert_eq!(by_value.take_reused(), by_text.take_reused());
        assert_eq!(by_value.len(), by_text.len());
    }

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
