//! The free windows of one business × customer pair.
//!
//! Customer service window (CSW): [last inbound, last inbound + 24 h).
//! Free entry point (FEP): an inbound message from an ad or Page button
//! makes the business's first delivered reply within 24 h free and opens
//! [reply, reply + 72 h) in which everything is free. Both intervals are
//! half-open (`model::Window`): a reply at exactly +24:00:00 is outside
//! (our choice where Meta is silent, docs/pricing-rules.md §2). Failed
//! messages neither open nor consume anything.

use crate::model::{Instant, Span, Window};

/// Window lengths; configurable because Meta leaves edges open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowRules {
    pub service_window: Span,
    pub entry_point_reply: Span,
    /// The free entry point window opened before 2026-10-01, or at any
    /// date when `entry_point_fixed`.
    pub entry_point_window: Span,
    /// The free entry point window opened from 2026-10-01: up to 7 days on
    /// Meta's page since 2026-09-28 (the date, the quarter start, is
    /// INFERRED).
    pub entry_point_window_2026_10: Span,
    /// `--entry-point-hours` gave one length for every date.
    pub entry_point_fixed: bool,
}

/// The first day a free entry point window lasts 7 days (INFERRED).
pub const LONG_ENTRY_POINT_FROM: jiff::civil::Date = jiff::civil::date(2026, 10, 1);

impl Default for WindowRules {
    fn default() -> Self {
        WindowRules {
            service_window: Span::hours(24),
            entry_point_reply: Span::hours(24),
            entry_point_window: Span::hours(72),
            entry_point_window_2026_10: Span::hours(7 * 24),
            entry_point_fixed: false,
        }
    }
}

impl WindowRules {
    /// The rules for a message of business-local `date`: its free entry
    /// point window length.
    pub fn on(self, date: jiff::civil::Date) -> WindowRules {
        if self.entry_point_fixed || date < LONG_ENTRY_POINT_FROM {
            self
        } else {
            WindowRules {
                entry_point_window: self.entry_point_window_2026_10,
                ..self
            }
        }
    }

    /// The longest free entry point window any date may open.
    pub fn longest_entry_point(&self) -> Span {
        if self.entry_point_fixed {
            self.entry_point_window
        } else {
            self.entry_point_window.max(self.entry_point_window_2026_10)
        }
    }
}

/// A moment that may be absent, in 8 bytes rather than the 16 of
/// `Option<Instant>`: millions of pairs are kept, and smaller entries mean
/// fewer cache misses. (No timestamp wabill accepts is `Instant::MIN`.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Moment(Instant);

impl Default for Moment {
    fn default() -> Self {
        Moment(Instant::MIN)
    }
}

impl Moment {
    fn get(self) -> Option<Instant> {
        (self.0 != Instant::MIN).then_some(self.0)
    }

    fn take(&mut self) -> Option<Instant> {
        std::mem::take(self).get()
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PairWindows {
    /// Time of the customer's latest message.
    last_inbound: Moment,
    /// Latest entry-point message not yet answered.
    pending_entry: Moment,
    /// Open FEP window [start, end): `end` is meaningful only with a start.
    entry_start: Moment,
    entry_end: Instant,
}

/// How a model treats a reply to an entry point while a FEP window is open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryPoints {
    /// No free entry points (2018).
    Ignored,
    /// Per-message models: the reply opens a new window from itself.
    Reopen,
    /// Conversation models: the open free entry point conversation takes the
    /// reply (and the entry point is spent); it is not extended.
    JoinOpen,
}

/// What the windows say about one outbound delivered message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WindowState {
    /// The CSW covering the message, if it is open.
    pub service_window: Option<Window>,
    /// The customer's latest message before this one, open window or not.
    pub last_inbound: Option<Instant>,
    /// The FEP window covering the message, if any (it may have just opened).
    pub entry_window: Option<Window>,
    /// This message is the reply that opened the FEP window.
    pub opened_entry_window: bool,
}

impl PairWindows {
    pub fn inbound(&mut self, at: Instant, entry_point: bool) {
        self.last_inbound = Moment(at);
        if entry_point {
            self.pending_entry = Moment(at);
        }
    }

    fn entry_window(&self) -> Option<Window> {
        self.entry_start.get().map(|start| Window {
            start,
            end: self.entry_end,
        })
    }

    /// Applies the windows to an outbound delivered message at `at`; the
    /// first reply to an entry point opens the FEP window.
    pub fn outbound(
        &mut self,
        at: Instant,
        rules: &WindowRules,
        entry_points: EntryPoints,
    ) -> WindowState {
        let last_inbound = self.last_inbound.get();
        let service_window = last_inbound
            .map(|t| Window::starting(t, rules.service_window))
            .filter(|w| w.contains(at));
        let mut state = WindowState {
            service_window,
            last_inbound,
            entry_window: None,
            opened_entry_window: false,
        };
        if entry_points == EntryPoints::Ignored {
            return state;
        }
        let open = self.entry_window().filter(|w| w.contains(at));
        // The first delivered reply after an entry-point message spends it,
        // whether or not a window is already open.
        let answered = self
            .pending_entry
            .take()
            .is_some_and(|t| Window::starting(t, rules.entry_point_reply).contains(at));
        match open {
            Some(w) if !answered || entry_points == EntryPoints::JoinOpen => {
                state.entry_window = Some(w);
            }
            _ if answered => {
                let window = Window::starting(at, rules.entry_point_window);
                (self.entry_start, self.entry_end) = (Moment(window.start), window.end);
                state.entry_window = Some(window);
                state.opened_entry_window = true;
            }
            _ => {}
        }
        state
    }

    /// True once nothing here can affect a message at or after `now`, so the
    /// pair's state can be dropped. `history` keeps the customer's last
    /// message longer than any window needs it, so explanations can still
    /// say "sent 26 h after the customer's last message".
    pub fn expired(&self, now: Instant, rules: &WindowRules, history: Span) -> bool {
        let needed = rules.service_window.max(rules.entry_point_reply) + history;
        self.last_inbound
            .get()
            .is_none_or(|t| Window::starting(t, needed).ended_by(now))
            && self.entry_window().is_none_or(|w| w.ended_by(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Span = Span::HOUR;

    /// The instant `n` µs after the epoch (tests count in hours: `t(24 * H)`).
    fn t(span: Span) -> Instant {
        Instant::from_micros(span.as_micros())
    }

    #[test]
    fn service_window_is_half_open() {
        let rules = WindowRules::default();
        let mut w = PairWindows::default();
        w.inbound(t(Span::ZERO), false);
        assert_eq!(
            w.outbound(
                t(24 * H) - Span::from_micros(1),
                &rules,
                EntryPoints::Reopen
            )
            .service_window
            .map(|w| w.start),
            Some(t(Span::ZERO))
        );
        assert_eq!(
            w.outbound(t(24 * H), &rules, EntryPoints::Reopen)
                .service_window
                .map(|w| w.start),
            None
        );
    }

    #[test]
    fn a_new_inbound_message_resets_the_window() {
        let rules = WindowRules::default();
        let mut w = PairWindows::default();
        w.inbound(t(Span::ZERO), false);
        w.inbound(t(20 * H), false);
        assert_eq!(
            w.outbound(t(30 * H), &rules, EntryPoints::Reopen)
                .service_window
                .map(|w| w.start),
            Some(t(20 * H))
        );
    }

    #[test]
    fn entry_point_reply_opens_72_hours_once() {
        let rules = WindowRules::default();
        let mut w = PairWindows::default();
        w.inbound(t(Span::ZERO), true);
        let first = w.outbound(t(12 * H), &rules, EntryPoints::Reopen);
        assert!(first.opened_entry_window);
        assert_eq!(
            first.entry_window,
            Some(Window {
                start: t(12 * H),
                end: t(84 * H)
            })
        );
        let later = w.outbound(
            t(84 * H) - Span::from_micros(1),
            &rules,
            EntryPoints::Reopen,
        );
        assert!(!later.opened_entry_window);
        assert!(later.entry_window.is_some());
        assert_eq!(
            w.outbound(t(84 * H), &rules, EntryPoints::Reopen)
                .entry_window,
            None
        );
    }

    #[test]
    fn a_new_entry_point_inside_an_open_window_reopens_or_joins() {
        let rules = WindowRules::default();
        for (mode, end) in [
            (EntryPoints::Reopen, 133 * H),
            (EntryPoints::JoinOpen, 73 * H),
        ] {
            let mut w = PairWindows::default();
            w.inbound(t(Span::ZERO), true);
            w.outbound(t(H), &rules, mode);
            w.inbound(t(60 * H), true);
            let reply = w.outbound(t(61 * H), &rules, mode);
            assert_eq!(reply.entry_window.map(|w| w.end), Some(t(end)), "{mode:?}");
            assert_eq!(reply.opened_entry_window, mode == EntryPoints::Reopen);
            // Spent either way: nothing opens after the window ends.
            assert_eq!(
                w.outbound(t(end), &rules, mode).entry_window,
                None,
                "{mode:?}"
            );
        }
    }

    #[test]
    fn late_reply_to_an_entry_point_opens_nothing() {
        let rules = WindowRules::default();
        let mut w = PairWindows::default();
        w.inbound(t(Span::ZERO), true);
        assert_eq!(
            w.outbound(t(24 * H), &rules, EntryPoints::Reopen)
                .entry_window,
            None
        );
        // The pending entry point is spent: a later reply does not open one.
        assert_eq!(
            w.outbound(t(25 * H), &rules, EntryPoints::Reopen)
                .entry_window,
            None
        );
    }
}
