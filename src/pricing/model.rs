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

const PER_MESSAGE_START: Date = date(2025, 7, 1);
const PER_MESSAGE_2026_START: Date = date(2026, 10, 1);

impl Model {
    pub fn name(self) -> &'static str {
        match self {
            Model::Template2018 => "template-2018",
            Model::PerMessage2025 => "per-message-2025",
            Model::PerMessage2026_10 => "per-message-2026-10",
        }
    }

    /// The model in force on a business-local date, if wabill supports it.
    pub fn in_force(date: Date) -> Option<Model> {
        if date >= PER_MESSAGE_2026_START {
            Some(Model::PerMessage2026_10)
        } else if date >= PER_MESSAGE_START {
            Some(Model::PerMessage2025)
        } else {
            None
        }
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

impl FromStr for ModelChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let all = [
            Model::Template2018,
            Model::PerMessage2025,
            Model::PerMessage2026_10,
        ];
        if s == "auto" {
            return Ok(ModelChoice::Auto);
        }
        all.into_iter()
            .find(|m| m.name() == s)
            .map(ModelChoice::Fixed)
            .ok_or_else(|| format!("unknown model {s:?}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn models_switch_on_their_dates() {
        assert_eq!(Model::in_force(date(2025, 6, 30)), None);
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
    }
}
