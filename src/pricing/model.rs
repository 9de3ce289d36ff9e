//! The pricing models Meta has used, and which one applies on a date.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, date};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
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

/// Commonly given as the start of conversation pricing; Meta's own text
/// says only "February 2022" (docs/pricing-rules.md §1, INFERRED).
const CONVERSATION_2022_START: Date = date(2022, 2, 1);
const CONVERSATION_2023_START: Date = date(2023, 6, 1);
const PER_MESSAGE_START: Date = date(2025, 7, 1);
const PER_MESSAGE_2026_START: Date = date(2026, 10, 1);

impl Model {
    pub fn name(self) -> &'static str {
        match self {
            Model::Template2018 => "template-2018",
            Model::Conversation2022 => "conversation-2022",
            Model::Conversation2023 => "conversation-2023",
            Model::PerMessage2025 => "per-message-2025",
            Model::PerMessage2026_10 => "per-message-2026-10",
        }
    }

    /// Whether the model charges conversations rather than messages.
    pub fn is_conversation(self) -> bool {
        matches!(self, Model::Conversation2022 | Model::Conversation2023)
    }

    /// The model in force on a business-local date, if wabill supports it.
    /// The 2018 model is never picked: no card for it was ever published.
    pub fn in_force(date: Date) -> Option<Model> {
        if date >= PER_MESSAGE_2026_START {
            Some(Model::PerMessage2026_10)
        } else if date >= PER_MESSAGE_START {
            Some(Model::PerMessage2025)
        } else if date >= CONVERSATION_2023_START {
            Some(Model::Conversation2023)
        } else if date >= CONVERSATION_2022_START {
            Some(Model::Conversation2022)
        } else {
            None
        }
    }

    pub const ALL: [Model; 5] = [
        Model::Template2018,
        Model::Conversation2022,
        Model::Conversation2023,
        Model::PerMessage2025,
        Model::PerMessage2026_10,
    ];
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
        Model::ALL
            .into_iter()
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
        for m in Model::ALL {
            assert_eq!(m.name().parse(), Ok(ModelChoice::Fixed(m)));
        }
    }
}
