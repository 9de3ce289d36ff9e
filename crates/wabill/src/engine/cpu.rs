//! The CPU time of the calling thread, for `WABILL_STREAM_STATS`'s
//! per-stage figures (a benchmark projects more cores from them). Read
//! only when that variable is set: otherwise every reading is zero.

use std::time::Duration;

/// Whether the stats line is asked for.
pub(super) fn wanted() -> bool {
    std::env::var_os("WABILL_STREAM_STATS").is_some()
}

/// A thread's CPU time since `start`, on the thread that started it.
pub(super) struct ThreadClock {
    at_start: Option<Duration>,
}

impl ThreadClock {
    pub(super) fn start() -> Self {
        ThreadClock {
            at_start: wanted().then(thread_cpu).flatten(),
        }
    }

    /// CPU time of this thread since `start` (zero when not measured).
    pub(super) fn elapsed(&self) -> Duration {
        self.at_start
            .and_then(|s| Some(thread_cpu()?.saturating_sub(s)))
            .unwrap_or_default()
    }
}

/// Time the calling thread has run, from Linux's scheduler statistics
/// (nanoseconds on the CPU, the first field); `None` elsewhere.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}
