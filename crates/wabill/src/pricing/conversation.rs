//! Conversation-based pricing (February 2022 – June 2025, docs/pricing-rules.md §7,
//! §1c): the conversations open between one business and one customer, and
//! which one a delivered outbound message opens or joins.
//!
//! Meta charged per 24 h conversation, opened by the delivery of a business
//! message; the message that opens a conversation carries its charge and
//! every later message in it costs nothing more. Intervals are half-open,
//! like the windows: a message at exactly +24:00:00 is outside.
//!
//! - 2022 (`ByInitiator`): one conversation at a time, user-initiated when
//!   the business answers inside the customer service window, otherwise
//!   business-initiated.
//! - 2023 (`ByCategory`): a marketing, utility or authentication template
//!   opens a conversation of its category unless one of that category is
//!   open; a service (non-template) message opens a service conversation
//!   only when none of any category is open, and otherwise joins the oldest
//!   open one. Several categories can be open at once.
//! - Both: the first reply within 24 h to an entry-point message opens a
//!   free entry point conversation for the free entry point window (72 h),
//!   which closes all others and takes every message until it ends.

use std::fmt;

use jiff::civil::{Date, date};

use super::WindowState;
use crate::model::{Category, Instant, Span, Window};

/// Marketing, utility, authentication, service and 2022 conversations last
/// 24 h from the delivery of the message that opened them.
pub const CONVERSATION_LENGTH: Span = Span::hours(24);

/// Free conversations per business account per month: any conversation in
/// 2022, service conversations from 2023-06-01 to 2024-10-31.
pub const FREE_CONVERSATIONS_PER_MONTH: u64 = 1000;

/// From this business-local date, every service conversation is free.
pub const SERVICE_FREE_FROM: Date = date(2024, 11, 1);

/// What a conversation was opened as (Meta's `conversation.origin.type`,
/// with `free_entry_point` for its `referral_conversion`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ConversationType {
    Marketing,
    Utility,
    /// Also authentication-international: one conversation class, two rates.
    Authentication,
    Service,
    UserInitiated,
    BusinessInitiated,
    FreeEntryPoint,
}

impl ConversationType {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationType::Marketing => "marketing",
            ConversationType::Utility => "utility",
            ConversationType::Authentication => "authentication",
            ConversationType::Service => "service",
            ConversationType::UserInitiated => "user_initiated",
            ConversationType::BusinessInitiated => "business_initiated",
            ConversationType::FreeEntryPoint => "free_entry_point",
        }
    }

    /// The conversation a message of `category` opens in the 2023 model.
    fn of(category: Category) -> ConversationType {
        match category.priced_as() {
            Category::Marketing => ConversationType::Marketing,
            Category::Utility => ConversationType::Utility,
            Category::Authentication | Category::AuthenticationInternational => {
                ConversationType::Authentication
            }
            // Non-template messages, and the 2026 lines met under a
            // conversation model (`--model`).
            Category::Service
            | Category::MarketingLite
            | Category::ReferralConversion
            | Category::GeneralPurposeAi
            | Category::BusinessAgent => ConversationType::Service,
        }
    }
}

impl fmt::Display for ConversationType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One conversation: its sequence number in the run (deterministic, as
/// messages are priced in a fixed order), type and span.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conversation {
    pub id: u64,
    pub kind: ConversationType,
    pub span: Window,
}

/// The conversation a message belongs to, and whether it opened it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConversationRef {
    pub conversation: Conversation,
    pub opened: bool,
}

/// How conversations are told apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Era {
    /// 2022: by who started them.
    ByInitiator,
    /// 2023 – June 2025: by template category.
    ByCategory,
}

/// The conversations open between one business and one customer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenConversations {
    /// Oldest first; at most one per type.
    open: Vec<Conversation>,
}

impl OpenConversations {
    /// Routes a delivered outbound message at `at` into the conversation it
    /// opens or joins. `w` is the state of the pair's windows after this
    /// message (which may itself have opened a free entry point window);
    /// `next_id` numbers new conversations.
    pub fn route(
        &mut self,
        era: Era,
        category: Category,
        w: &WindowState,
        at: Instant,
        next_id: &mut u64,
    ) -> ConversationRef {
        self.open.retain(|c| !c.span.ended_by(at));
        if let Some(span) = w.entry_window {
            if let Some(c) = self.find(ConversationType::FreeEntryPoint) {
                return joined(c);
            }
            // Opening a free entry point conversation closes all the others.
            self.open.clear();
            return self.start(ConversationType::FreeEntryPoint, span, next_id);
        }
        let kind = match era {
            Era::ByInitiator => {
                if let Some(c) = self.open.first() {
                    return joined(*c);
                }
                if w.service_window.is_some() {
                    ConversationType::UserInitiated
                } else {
                    ConversationType::BusinessInitiated
                }
            }
            Era::ByCategory => {
                let kind = ConversationType::of(category);
                if kind == ConversationType::Service {
                    if let Some(c) = self.open.first() {
                        return joined(*c);
                    }
                } else if let Some(c) = self.find(kind) {
                    return joined(c);
                }
                kind
            }
        };
        self.start(kind, Window::starting(at, CONVERSATION_LENGTH), next_id)
    }

    /// The open conversation of `kind` at `at`, if any (used for utility
    /// conversations still open after 2025-07-01).
    pub fn open_at(&self, kind: ConversationType, at: Instant) -> Option<Conversation> {
        // Open conversations started at or before `at`: only the end matters.
        self.find(kind).filter(|c| !c.span.ended_by(at))
    }

    /// True once no conversation is open at or after `now`.
    pub fn expired(&self, now: Instant) -> bool {
        self.open.iter().all(|c| c.span.ended_by(now))
    }

    fn find(&self, kind: ConversationType) -> Option<Conversation> {
        self.open.iter().copied().find(|c| c.kind == kind)
    }

    fn start(
        &mut self,
        kind: ConversationType,
        span: Window,
        next_id: &mut u64,
    ) -> ConversationRef {
        *next_id += 1;
        let conversation = Conversation {
            id: *next_id,
            kind,
            span,
        };
        self.open.push(conversation);
        ConversationRef {
            conversation,
            opened: true,
        }
    }
}

fn joined(conversation: Conversation) -> ConversationRef {
    ConversationRef {
        conversation,
        opened: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: Span = Span::HOUR;

    fn outside() -> WindowState {
        WindowState {
            service_window: None,
            last_inbound: None,
            entry_window: None,
            opened_entry_window: false,
        }
    }

    fn in_window(since: Span) -> WindowState {
        let since = Instant::from_micros(since.as_micros());
        WindowState {
            service_window: Some(Window::starting(since, 24 * H)),
            last_inbound: Some(since),
            ..outside()
        }
    }

    /// (type, opened) of each step.
    fn run(era: Era, steps: &[(Span, Category, WindowState)]) -> Vec<(u64, &'static str, bool)> {
        let mut open = OpenConversations::default();
        let mut id = 0;
        steps
            .iter()
            .map(|(at, c, w)| {
                let at = Instant::from_micros(at.as_micros());
                let r = open.route(era, *c, w, at, &mut id);
                (r.conversation.id, r.conversation.kind.as_str(), r.opened)
            })
            .collect()
    }

    #[test]
    fn categories_open_their_own_conversations() {
        use Category::*;
        let got = run(
            Era::ByCategory,
            &[
                (Span::ZERO, Marketing, outside()),
                (4 * H, Utility, outside()),
                (10 * H, Utility, outside()),
                (23 * H, Marketing, outside()),
                (24 * H, Marketing, outside()),
            ],
        );
        assert_eq!(
            got,
            vec![
                (1, "marketing", true),
                (2, "utility", true),
                (2, "utility", false),
                (1, "marketing", false),
                // Half-open: at exactly +24 h the first one has closed.
                (3, "marketing", true),
            ]
        );
    }

    #[test]
    fn service_joins_any_open_conversation() {
        use Category::*;
        let got = run(
            Era::ByCategory,
            &[
                (Span::ZERO, Marketing, outside()),
                (5 * H, Service, in_window(4 * H)),
                (25 * H, Service, in_window(4 * H)),
                (26 * H, Service, in_window(4 * H)),
                // A template during a service conversation opens its own.
                (27 * H, Utility, in_window(4 * H)),
            ],
        );
        assert_eq!(
            got,
            vec![
                (1, "marketing", true),
                (1, "marketing", false),
                (2, "service", true),
                (2, "service", false),
                (3, "utility", true),
            ]
        );
    }

    #[test]
    fn authentication_international_shares_the_authentication_conversation() {
        use Category::*;
        let got = run(
            Era::ByCategory,
            &[
                (Span::ZERO, Authentication, outside()),
                (H, AuthenticationInternational, outside()),
            ],
        );
        assert_eq!(got[1], (1, "authentication", false));
    }

    #[test]
    fn free_entry_point_closes_the_others_and_blocks_new_ones() {
        use Category::*;
        let fep = |opened| WindowState {
            entry_window: Some(Window {
                start: Instant::from_micros((2 * H).as_micros()),
                end: Instant::from_micros((74 * H).as_micros()),
            }),
            opened_entry_window: opened,
            ..in_window(H)
        };
        let got = run(
            Era::ByCategory,
            &[
                (Span::ZERO, Marketing, outside()),
                (2 * H, Utility, fep(true)),
                (3 * H, Marketing, fep(false)),
                (73 * H, Service, fep(false)),
                (74 * H, Marketing, outside()),
            ],
        );
        assert_eq!(
            got,
            vec![
                (1, "marketing", true),
                (2, "free_entry_point", true),
                (2, "free_entry_point", false),
                (2, "free_entry_point", false),
                // The marketing conversation was closed, so this opens a new one.
                (3, "marketing", true),
            ]
        );
    }

    #[test]
    fn the_2022_model_has_one_conversation_at_a_time() {
        use Category::*;
        let got = run(
            Era::ByInitiator,
            &[
                (Span::ZERO, Marketing, outside()),
                (3 * H, Service, in_window(2 * H)),
                (3 * H, Utility, in_window(2 * H)),
                (24 * H, Service, in_window(2 * H)),
                (48 * H, Utility, outside()),
            ],
        );
        assert_eq!(
            got,
            vec![
                (1, "business_initiated", true),
                (1, "business_initiated", false),
                (1, "business_initiated", false),
                (2, "user_initiated", true),
                (3, "business_initiated", true),
            ]
        );
    }
}
