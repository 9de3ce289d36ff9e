//! Tags: the columns of a log that wabill does not interpret (a campaign,
//! a team, a cost centre, Meta's `biz_opaque_callback_data`), kept for
//! `--by column:NAME` and written through by `price`.
//!
//! Memory stays small at any scale: each tag value is interned once, and
//! a message holds one `u32`, the id of its interned tuple of value ids
//! (id 0: no tag at all). A million messages of three campaigns share
//! three tuples.

use std::hash::BuildHasher;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use super::Interner;

/// No value for this tag in a tuple.
const ABSENT: u32 = u32::MAX;

/// The label of a message without a value for a tag.
pub const NONE_LABEL: &str = "(none)";

/// Tag names, values and the tuples messages refer to.
#[derive(Debug)]
pub struct Tags {
    names: Vec<Box<str>>,
    values: Interner,
    /// Tuples by id; each holds a value id (or `ABSENT`) per name, and
    /// ends before trailing absent values. Id 0 is the empty tuple.
    sets: Vec<Box<[u32]>>,
    table: HashTable<u32>,
}

impl Default for Tags {
    fn default() -> Self {
        let mut table = HashTable::new();
        let sets: Vec<Box<[u32]>> = vec![Box::new([])];
        table.insert_unique(hash(&sets[0]), 0, |_| 0);
        Tags {
            names: Vec::new(),
            values: Interner::default(),
            sets,
            table,
        }
    }
}

fn hash(set: &[u32]) -> u64 {
    FxBuildHasher.hash_one(set)
}

/// How far another `Tags` has been given this one's entries (a mirror on
/// another thread, see `Tags::since`); the default is a new `Tags`.
#[derive(Clone, Copy, Debug)]
pub struct TagMark {
    names: usize,
    values: usize,
    sets: usize,
}

impl Default for TagMark {
    /// Where a new `Tags` is: it has the empty tuple already.
    fn default() -> Self {
        TagMark {
            names: 0,
            values: 0,
            sets: 1,
        }
    }
}

/// The entries added since a `TagMark`, to apply to a mirror.
#[derive(Debug, Default)]
pub struct TagDelta {
    names: Vec<Box<str>>,
    values: Vec<Box<str>>,
    sets: Vec<Box<[u32]>>,
}

impl Tags {
    /// The index of tag `name`, added when new.
    pub fn name_index(&mut self, name: &str) -> usize {
        match self.find(name) {
            Some(i) => i,
            None => {
                self.names.push(name.into());
                self.names.len() - 1
            }
        }
    }

    /// The index of tag `name` (ASCII case ignored), if a log had it.
    pub fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n.eq_ignore_ascii_case(name))
    }

    /// Every tag name, in order of first appearance.
    pub fn names(&self) -> &[Box<str>] {
        &self.names
    }

    pub fn intern_value(&mut self, value: &str) -> u32 {
        self.values.intern(value)
    }

    /// The id of the tuple `values` (a value id or `None` per name index).
    pub fn intern_set(&mut self, values: &[Option<u32>]) -> u32 {
        let end = values
            .iter()
            .rposition(Option::is_some)
            .map_or(0, |i| i + 1);
        let set: Vec<u32> = values[..end].iter().map(|v| v.unwrap_or(ABSENT)).collect();
        let h = hash(&set);
        if let Some(&id) = self.table.find(h, |&i| *self.sets[i as usize] == *set) {
            return id;
        }
        let id = u32::try_from(self.sets.len()).expect("fewer than 2^32 tag tuples");
        self.sets.push(set.into());
        let sets = &self.sets;
        self.table
            .insert_unique(h, id, |&i| hash(&sets[i as usize]));
        id
    }

    /// The value of tag `name` (an index) in tuple `set`.
    pub fn value(&self, set: u32, name: usize) -> Option<&str> {
        let id = *self.sets.get(set as usize)?.get(name)?;
        (id != ABSENT).then(|| self.values.get(id))
    }

    /// The value id of tag `name` in tuple `set` (a compact group key).
    pub fn value_id(&self, set: u32, name: usize) -> Option<u32> {
        let id = *self.sets.get(set as usize)?.get(name)?;
        (id != ABSENT).then_some(id)
    }

    /// Where the entries are now.
    pub fn mark(&self) -> TagMark {
        TagMark {
            names: self.names.len(),
            values: self.values.len(),
            sets: self.sets.len(),
        }
    }

    /// The entries added since `mark`.
    pub fn since(&self, mark: TagMark) -> TagDelta {
        TagDelta {
            names: self.names[mark.names..].to_vec(),
            values: self.values.names_from(mark.values).to_vec(),
            sets: self.sets[mark.sets..].to_vec(),
        }
    }

    /// Adds entries another `Tags` gave out since this one's copy: the ids
    /// stay the same.
    pub fn apply(&mut self, delta: TagDelta) {
        self.names.extend(delta.names);
        for v in &delta.values {
            self.values.intern(v);
        }
        for set in delta.sets {
            let id = u32::try_from(self.sets.len()).expect("fewer than 2^32 tag tuples");
            let h = hash(&set);
            self.sets.push(set);
            let sets = &self.sets;
            self.table
                .insert_unique(h, id, |&i| hash(&sets[i as usize]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuples_are_shared_and_mirrored_with_the_same_ids() {
        let mut t = Tags::default();
        let campaign = t.name_index("campaign");
        let team = t.name_index("team");
        assert_eq!(t.name_index("CAMPAIGN"), campaign);
        let spring = t.intern_value("spring");
        assert_eq!(t.intern_set(&[None, None]), 0);
        let a = t.intern_set(&[Some(spring), None]);
        assert_eq!(t.intern_set(&[Some(spring)]), a);
        let mut mirror = Tags::default();
        mirror.apply(t.since(TagMark::default()));
        let mark = t.mark();
        let sales = t.intern_value("sales");
        let b = t.intern_set(&[None, Some(sales)]);
        mirror.apply(t.since(mark));
        for tags in [&t, &mirror] {
            assert_eq!(tags.value(a, campaign), Some("spring"));
            assert_eq!(tags.value(a, team), None);
            assert_eq!(tags.value(b, team), Some("sales"));
            assert_eq!(tags.value(0, campaign), None);
        }
        assert_ne!(a, b);
    }
}
