//! A first-in first-out queue in fixed-size chunks, for the streaming
//! engine's pending messages: a `VecDeque` doubles its buffer as it grows
//! and keeps the largest one, up to twice the peak (and both buffers at
//! once while growing); this one holds the messages it has, plus at most
//! two chunks, and gives chunks back as they empty.

use std::collections::VecDeque;

/// Items per chunk.
const CHUNK: usize = 4096;

pub struct ChunkQueue<T> {
    /// Every chunk but the first and the last holds `CHUNK` items; items
    /// leave from the front of the first and join at the back of the last.
    chunks: VecDeque<VecDeque<T>>,
    /// One emptied chunk kept for the next push (no churn at a boundary).
    spare: Option<VecDeque<T>>,
    len: usize,
}

impl<T> Default for ChunkQueue<T> {
    fn default() -> Self {
        ChunkQueue {
            chunks: VecDeque::new(),
            spare: None,
            len: 0,
        }
    }
}

impl<T> ChunkQueue<T> {
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn push_back(&mut self, item: T) {
        if self.chunks.back().is_none_or(|c| c.len() == CHUNK) {
            let chunk = self
                .spare
                .take()
                .unwrap_or_else(|| VecDeque::with_capacity(CHUNK));
            self.chunks.push_back(chunk);
        }
        self.chunks
            .back_mut()
            .expect("pushed above")
            .push_back(item);
        self.len += 1;
    }

    #[inline]
    pub fn pop_front(&mut self) -> Option<T> {
        let first = self.chunks.front_mut()?;
        let item = first.pop_front()?;
        if first.is_empty() {
            self.spare = self.chunks.pop_front();
        }
        self.len -= 1;
        Some(item)
    }

    #[inline]
    pub fn front(&self) -> Option<&T> {
        self.chunks.front().and_then(VecDeque::front)
    }

    /// Where item `i` (0 = the front) lives.
    #[inline]
    fn locate(&self, i: usize) -> Option<(usize, usize)> {
        if i >= self.len {
            return None;
        }
        let first = self.chunks.front()?.len();
        if i < first {
            Some((0, i))
        } else {
            let j = i - first;
            Some((1 + j / CHUNK, j % CHUNK))
        }
    }

    #[inline]
    pub fn get(&self, i: usize) -> Option<&T> {
        let (c, j) = self.locate(i)?;
        self.chunks[c].get(j)
    }

    #[inline]
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        let (c, j) = self.locate(i)?;
        self.chunks[c].get_mut(j)
    }

    /// Front to back.
    pub fn iter(&self) -> impl Iterator<Item = &T> {
        self.chunks.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_like_a_vecdeque_across_chunk_boundaries() {
        let mut q = ChunkQueue::default();
        let mut model = VecDeque::new();
        let mut next = 0u64;
        // Pushes and pops in uneven waves, so the front chunk is often
        // partly consumed when items are looked up by index.
        for wave in 0..40 {
            for _ in 0..(wave * 997 % 9000) {
                q.push_back(next);
                model.push_back(next);
                next += 1;
            }
            for _ in 0..(wave * 1231 % 7000) {
                assert_eq!(q.pop_front(), model.pop_front());
            }
            assert_eq!(q.len(), model.len());
            assert_eq!(q.front(), model.front());
            for i in (0..model.len()).step_by(577).chain([model.len()]) {
                assert_eq!(q.get(i), model.get(i), "index {i}");
            }
            if let Some(x) = q.get_mut(model.len() / 2) {
                *x += 1;
                *model.get_mut(model.len() / 2).unwrap() += 1;
            }
            assert!(q.iter().eq(model.iter()));
        }
        while let Some(x) = model.pop_front() {
            assert_eq!(q.pop_front(), Some(x));
        }
        assert_eq!(q.pop_front(), None);
        assert!(q.chunks.is_empty(), "chunks given back");
    }
}
