use std::fmt;
use std::str::FromStr;

/// The category of an outbound message, as the log states it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Marketing,
    Utility,
    Authentication,
    AuthenticationInternational,
    /// A free-form (non-template) reply.
    Service,
}

impl Category {
    pub const ALL: [Category; 5] = [
        Category::Marketing,
        Category::Utility,
        Category::Authentication,
        Category::AuthenticationInternational,
        Category::Service,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Marketing => "marketing",
            Category::Utility => "utility",
            Category::Authentication => "authentication",
            Category::AuthenticationInternational => "authentication_international",
            Category::Service => "service",
        }
    }

    /// Templates are everything but service; only templates may be sent
    /// outside a customer service window.
    pub fn is_template(self) -> bool {
        self != Category::Service
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let s = s.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s))
            .ok_or(())
    }
}

/// A column of a rate card: a message category, or `any` for cards that
/// price every template alike (the 2018 model).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RateCategory {
    Of(Category),
    Any,
}

impl fmt::Display for RateCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RateCategory::Of(c) => c.fmt(f),
            RateCategory::Any => f.write_str("any"),
        }
    }
}

impl FromStr for RateCategory {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let s = s.trim();
        if s.is_empty() || s == "*" || s.eq_ignore_ascii_case("any") {
            return Ok(RateCategory::Any);
        }
        s.parse().map(RateCategory::Of)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_category_case_insensitively() {
        for c in Category::ALL {
            assert_eq!(c.as_str().to_uppercase().parse::<Category>(), Ok(c));
        }
        assert!("promo".parse::<Category>().is_err());
        assert_eq!("".parse::<RateCategory>(), Ok(RateCategory::Any));
        assert_eq!(
            "utility".parse::<RateCategory>(),
            Ok(RateCategory::Of(Category::Utility))
        );
    }
}
