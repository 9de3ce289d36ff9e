//! The pricing models Meta has used, and which one applies on a date.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, date};

use super::conversation::{Era, FREE_CONVERSATIONS_PER_MONTH};
use super::rules::{self, Decision};
use super::window::{EntryPoints, WindowState};
use crate::model::Category;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Model {
    /// 2018 launch: every delivered template outside the 24 h window is
    /// charged one per-country rate; category is ignored.
    Template2018,
    /// February 2022: per 24 h conversation, user- or business-initiated,
    /// 1,000 free conversations per month per business account.
    Conversation2022,
    /// 2023-06-01: per 24 h conversation of a category (marketing, utility,
    /// authentication, service); 1,000 free service conversations a month
    /// until 2024-10-31, service free from 2024-11-01.
    Conversation2023,
    /// 2025-07-01: per delivered template, by market × category; utility
    /// free inside the customer service window; service free.
    PerMessage2025,
    /// 2026-10-01: as 2025, plus utility charged inside the window and
    /// service charged at the utility rate after 1,000 free per business
    /// number per month.
    PerMessage2026_10,
}

/// `--model`: a fixed model, or each message's own date decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelChoice {
    Auto,
    Fixed(Model),
}

/// Everything wabill knows about one model besides its rule code: the
/// table below is the one place a model is described, and the CLI's
/// `--model` values, `auto`, `rates` and `explain` all read it.
#[derive(Clone, Copy, Debug)]
pub struct ModelFacts {
    pub model: Model,
    /// The `--model` value and the name in reports.
    pub name: &'static str,
    /// First business-local day `auto` picks it, up to the next model's;
    /// `None`: never picked automatically.
    pub from: Option<Date>,
    /// Conversation models: how conversations are told apart (and that
    /// the model charges conversations, not messages).
    pub conversations: Option<Era>,
    /// How replies to entry points are treated.
    pub entry_points: EntryPoints,
    /// The monthly free allowance the model counts, and its default size.
    pub allowance: Option<(Allowance, u64)>,
    /// The decision for one delivered outbound message (`rules.rs`).
    pub decide: fn(Category, &WindowState) -> Decision,
}

/// Monthly free allowances, counted per business and business-local month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Allowance {
    /// Service messages per business number (2026-10 model).
    ServiceMessages,
    /// Conversations per business account (conversation models).
    Conversations,
}

impl Allowance {
    /// Its size as the model table gives it (`--business-numbers` and
    /// tests may scale or change it per run).
    pub fn default_size(self) -> u64 {
        MODELS
            .iter()
            .find_map(|f| f.allowance.filter(|(kind, _)| *kind == self))
            .map_or(0, |(_, size)| size)
    }
}

/// The models, oldest first (docs/pricing-rules.md §1).
pub const MODELS: [ModelFacts; 5] = [
    ModelFacts {
        model: Model::Template2018,
        name: "template-2018",
        // No card for it was ever published.
        from: None,
        conversations: None,
        entry_points: EntryPoints::Ignored,
        allowance: None,
        decide: rules::template_2018,
    },
    ModelFacts {
        model: Model::Conversation2022,
        name: "conversation-2022",
        // Commonly given as the start of conversation pricing; Meta's own
        // text says only "February 2022" (docs/pricing-rules.md §1, INFERRED).
        from: Some(date(2022, 2, 1)),
        conversations: Some(Era::ByInitiator),
        entry_points: EntryPoints::JoinOpen,
        allowance: Some((Allowance::Conversations, FREE_CONVERSATIONS_PER_MONTH)),
        decide: rules::conversation,
    },
    ModelFacts {
        model: Model::Conversation2023,
        name: "conversation-2023",
        from: Some(date(2023, 6, 1)),
        conversations: Some(Era::ByCategory),
        entry_points: EntryPoints::JoinOpen,
        allowance: Some((Allowance::Conversations, FREE_CONVERSATIONS_PER_MONTH)),
        decide: rules::conversation,
    },
    ModelFacts {
        model: Model::PerMessage2025,
        name: "per-message-2025",
        from: Some(date(2025, 7, 1)),
        conversations: None,
        entry_points: EntryPoints::Reopen,
        allowance: None,
        decide: rules::per_message_2025,
    },
    ModelFacts {
        model: Model::PerMessage2026_10,
        name: "per-message-2026-10",
        from: Some(date(2026, 10, 1)),
        conversations: None,
        entry_points: EntryPoints::Reopen,
        allowance: Some((Allowance::ServiceMessages, 1000)),
        decide: rules::per_message_2026_10,
    },
];

impl Model {
    /// This model's line in `MODELS`.
    pub fn facts(self) -> &'static ModelFacts {
        // `MODELS` lists the models in declaration order (tested below).
        &MODELS[self as usize]
    }

    pub fn name(self) -> &'static str {
        self.facts().name
    }

    /// Whether the model charges conversations rather than messages.
    pub fn is_conversation(self) -> bool {
        self.facts().conversations.is_some()
    }

    /// The model in force on a business-local date, if wabill supports it:
    /// the one with the latest start not after `date`.
    pub fn in_force(date: Date) -> Option<Model> {
        MODELS
            .iter()
            .rev()
            .find(|f| f.from.is_some_and(|from| from <= date))
            .map(|f| f.model)
    }

    /// The first day `auto` has a model for.
    pub fn first_in_force() -> Date {
        MODELS
            .iter()
            .find_map(|f| f.from)
            .expect("some model is picked by date")
    }

    /// Every model, oldest first.
    pub fn all() -> impl Iterator<Item = Model> {
        MODELS.iter().map(|f| f.model)
    }

    /// The `--model` values: `auto`, then each model's name.
    pub fn choices() -> impl Iterator<Item = &'static str> {
        std::iter::once("auto").chain(MODELS.iter().map(|f| f.name))
    }

    /// `--model`'s help, with the dates `auto` switches on.
    pub fn help() -> String {
        let dates: Vec<String> = MODELS
            .iter()
            .filter_map(|f| Some(format!("{} from {}", f.name, f.from?)))
            .collect();
        format!(
            "Pricing model [default: auto]: auto picks per message by its date ({})",
            dates.join(", ")
        )
    }
}

impl ModelChoice {
    pub fn resolve(self, date: Date) -> Option<Model> {
        match self {
            ModelChoice::Fixed(m) => Some(m),
            ModelChoice::Auto => Model::in_force(date),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ModelChoice::Auto => "auto",
            ModelChoice::Fixed(m) => m.name(),
        }
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A `--model` value that names no model.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown model {0:?}")]
pub struct UnknownModel(pub String);

impl FromStr for ModelChoice {
    type Err = UnknownModel;

    fn from_str(s: &str) -> Result<Self, UnknownModel> {
        if s == "auto" {
            return Ok(ModelChoice::Auto);
        }
        Model::all()
            .find(|m| m.name() == s)
            .map(ModelChoice::Fixed)
            .ok_or_else(|| UnknownModel(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_switch_on_their_dates() {
        assert_eq!(Model::in_force(date(2022, 1, 31)), None);
        assert_eq!(
            Model::in_force(date(2022, 2, 1)),
            Some(Model::Conversation2022)
        );
        assert_eq!(
            Model::in_force(date(2023, 5, 31)),
            Some(Model::Conversation2022)
        );
        assert_eq!(
            Model::in_force(date(2023, 6, 1)),
            Some(Model::Conversation2023)
        );
        assert_eq!(
            Model::in_force(date(2025, 6, 30)),
            Some(Model::Conversation2023)
        );
        assert_eq!(
            Model::in_force(date(2025, 7, 1)),
            Some(Model::PerMessage2025)
        );
        assert_eq!(
            Model::in_force(date(2026, 9, 30)),
            Some(Model::PerMessage2025)
        );
        assert_eq!(
            Model::in_force(date(2026, 10, 1)),
            Some(Model::PerMessage2026_10)
        );
        assert_eq!("auto".parse(), Ok(ModelChoice::Auto));
        assert_eq!(
            "template-2018".parse(),
            Ok(ModelChoice::Fixed(Model::Template2018))
        );
        assert_eq!(Allowance::ServiceMessages.default_size(), 1000);
        assert_eq!(Allowance::Conversations.default_size(), 1000);
        for m in Model::all() {
            assert_eq!(m.facts().model, m);
            assert_eq!(m.name().parse(), Ok(ModelChoice::Fixed(m)));
        }
    }
}
