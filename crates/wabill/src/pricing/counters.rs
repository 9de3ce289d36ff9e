//! Pricing in two steps, for the sharded streaming engine: a shard's
//! pricer decides everything that depends on one pair (windows,
//! conversations, markets) and stops where a monthly counter shared by
//! many pairs comes in — the service allowance per business, the volume
//! tiers per portfolio; the ordered merge counts those in the order the
//! sequential engine would, and finishes the price with the same code.

use super::{Allowance, ConversationRef, Priced, Pricer, PricingContext, Unpriced};
use std::collections::VecDeque;

use crate::model::{Instant, Message, RateCategory};
use crate::validate::Strings;

/// The last step of a price, which needs a shared monthly counter: the
/// call `Pricer::price` would have made next, with its arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counted {
    /// `allowance(kind, allowance, …, over_allowance)`.
    Allowance {
        kind: Allowance,
        allowance: u64,
        over_allowance: RateCategory,
    },
    /// A charge counted against the volume tiers.
    Tiered(RateCategory),
}

impl<'t> Pricer<'t> {
    /// A shard's pricer: `price` leaves the counted step to `take_counted`.
    pub fn sharded(ctx: &'t PricingContext) -> Self {
        Pricer {
            defers_counters: true,
            sweeps: None,
            ..Pricer::new(ctx)
        }
    }

    /// Customer ids may come back as other numbers from now on (as after
    /// `forget_customer`): a shard learns it when any shard does, as one
    /// pricer would.
    pub fn recycles_ids(&mut self) {
        self.recycles = true;
    }

    /// Keeps the counted step for the merge; `priced` is what is decided so far.
    pub(super) fn defer(&mut self, priced: &Priced<'t>, step: Counted) -> Priced<'t> {
        self.counted = Some(step);
        *priced
    }

    /// After `price` on a sharded pricer: the step left to the merge, if
    /// any (then `price`'s answer is the price decided so far).
    pub fn take_counted(&mut self) -> Option<Counted> {
        self.counted.take()
    }

    /// The merge's half: counts `m` and finishes its price, as `price`
    /// would have after deciding `priced`.
    pub fn count(
        &mut self,
        m: &Message,
        mut priced: Priced<'t>,
        step: Counted,
        strings: &Strings,
    ) -> Result<Priced<'t>, Unpriced> {
        self.business(m.business, strings);
        let result = match step {
            Counted::Allowance {
                kind,
                allowance,
                over_allowance,
            } => self.allowance(kind, allowance, m, &mut priced, over_allowance),
            Counted::Tiered(rate_category) => self.charge(m, &mut priced, rate_category, true),
        };
        // A conversation's opening message names its conversation even
        // when its rate is unknown (`price_conversation`).
        result.map_err(|e| match priced.conversation {
            Some(c) => e.in_conversation(c),
            None => e,
        })
    }
}

/// Renumbers the conversations one shard opened (numbered in the shard's
/// own order) in the order of the merge, which is the sequential
/// engine's: conversation numbers are the run's, not the shard's.
#[derive(Default)]
pub struct Renumber {
    /// Per conversation the shard opened and that may still be joined,
    /// oldest first: its number in the run and when it ends. The shard
    /// numbers from 1 without gaps, so the entry of shard number `n` is
    /// `open[n - first]`.
    open: VecDeque<(u64, Instant)>,
    first: u64,
}

impl Renumber {
    /// `r`, of a message at `now`, with the run's number; `next` numbers
    /// conversations in the run.
    fn apply(&mut self, mut r: ConversationRef, now: Instant, next: &mut u64) -> ConversationRef {
        if self.first == 0 {
            self.first = 1;
        }
        if r.opened {
            *next += 1;
            debug_assert_eq!(r.conversation.id, self.first + self.open.len() as u64);
            self.open.push_back((*next, r.conversation.span.end));
            r.conversation.id = *next;
        } else {
            let i = (r.conversation.id - self.first) as usize;
            r.conversation.id = self.open[i].0;
        }
        // Conversations are joined only before they end, and the merge
        // goes forward in time.
        while self.open.front().is_some_and(|&(_, end)| end < now) {
            self.open.pop_front();
            self.first += 1;
        }
        r
    }

    /// The run's number for the conversation of `m`'s price, if it names one.
    pub fn priced(&mut self, m: &Message, p: &mut Priced<'_>, next: &mut u64) {
        if let Some(c) = p.conversation {
            p.conversation = Some(self.apply(c, m.at, next));
        }
    }

    /// `priced` for a price or the reason there is none.
    pub fn result(
        &mut self,
        m: &Message,
        result: &mut Result<Priced<'_>, Unpriced>,
        next: &mut u64,
    ) {
        match result {
            Ok(p) => self.priced(m, p, next),
            Err(e) => {
                if let Some(c) = e.conversation() {
                    let renumbered = self.apply(c, m.at, next);
                    *e = std::mem::replace(e, Unpriced::NoTokens).in_conversation(renumbered);
                }
            }
        }
    }
}
