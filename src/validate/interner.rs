use rustc_hash::FxHashMap;

use crate::model::MessageKey;

/// Maps strings to dense `u32` ids and back, allocating once per distinct
/// string (customers and businesses repeat across rows).
#[derive(Debug, Default)]
pub struct Interner {
    ids: FxHashMap<Box<str>, u32>,
    names: Vec<Box<str>>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        let id = u32::try_from(self.names.len()).expect("fewer than 2^32 distinct strings");
        self.names.push(s.into());
        self.ids.insert(s.into(), id);
        id
    }

    pub fn get(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    pub fn find(&self, s: &str) -> Option<u32> {
        self.ids.get(s).copied()
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
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

    /// The id's text, or "" when texts are not kept.
    pub fn get(&self, key: MessageKey) -> &str {
        self.names
            .as_ref()
            .and_then(|n| n.get(&key))
            .map_or("", |s| s)
    }
}
