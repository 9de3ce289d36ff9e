//! A hint to the processor to start loading memory it will soon read.
//!
//! The streaming engine's tables (message ids, pending ids) are far larger
//! than the cache, so each probe is a cache miss. Asking for a row's slot a
//! few rows ahead lets those misses overlap instead of stalling one at a
//! time. A hint never changes a result; where it is not available it is
//! nothing.

/// Starts loading the cache line holding `p` into every cache level.
#[inline(always)]
pub fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `prefetch` reads nothing the program sees and cannot fault,
    // whatever the address; SSE is part of every x86-64 processor.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// Prefetches `slice[i]` when it exists (out of range: nothing).
#[inline(always)]
pub fn prefetch_at<T>(slice: &[T], i: usize) {
    if let Some(item) = slice.get(i) {
        prefetch(item);
    }
}
