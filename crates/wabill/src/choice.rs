//! Closed sets of named values a user picks one of (an output format, an
//! engine, a period length). Each enum lists its values once, with the name
//! users type and the help its doc comment gives; the command line builds
//! its parsers, its help and the `-o` extension check from that list, so
//! this crate needs no argument parser.

/// A value picked by name from a closed set.
pub trait Choice: Copy + PartialEq + 'static {
    /// Every value with its name and its help (its doc comment, empty when it
    /// has none), in the order help lists them.
    const ALL: &'static [(Self, &'static str, &'static str)];

    /// The name users type for this value.
    fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(value, ..)| *value == self)
            .map(|(_, name, _)| *name)
            .expect("ALL lists every value")
    }

    /// The value of that name, if the set has one.
    fn named(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, n, _)| *n == name)
            .map(|(value, ..)| *value)
    }
}

/// Declares an enum whose values are picked by name: each variant is
/// written `Variant = "name"`, after its doc comment, which becomes its help.
#[macro_export]
macro_rules! choice {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[doc = $doc:literal])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl $crate::choice::Choice for $name {
            const ALL: &'static [(Self, &'static str, &'static str)] =
                &[$( ($name::$variant, $text, concat!("" $(, $doc)*)), )*];
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str($crate::choice::Choice::name(*self))
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::Choice;

    crate::choice! {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        enum Shade {
            /// Light, as in the morning.
            Light = "light",
            Dark = "dark",
        }
    }

    #[test]
    fn names_help_and_lookup_come_from_one_list() {
        assert_eq!(Shade::Light.name(), "light");
        assert_eq!(Shade::named("dark"), Some(Shade::Dark));
        assert_eq!(Shade::named("Dark"), None);
        assert_eq!(Shade::ALL[0].2, " Light, as in the morning.");
        assert_eq!(Shade::ALL[1].2, "");
        assert_eq!(Shade::Dark.to_string(), "dark");
    }
}
