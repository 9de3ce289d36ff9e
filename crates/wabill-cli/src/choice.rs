//! clap's side of the library's `Choice` sets: one value parser for every
//! enum picked by name, with the names, help and error clap would give a
//! `ValueEnum`.

use std::ffi::OsStr;
use std::marker::PhantomData;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use wabill::choice::Choice;
use wabill::render::{Format, Offered};

/// `value_parser = choice::<Format>()`.
pub fn choice<T: Choice + Send + Sync>() -> ChoiceParser<T> {
    ChoiceParser(PhantomData)
}

#[derive(Clone, Copy)]
pub struct ChoiceParser<T>(PhantomData<T>);

/// A value's help as clap derives it from a doc comment: one line, without
/// its closing full stop.
fn possible(name: &'static str, doc: &'static str) -> PossibleValue {
    let help = doc.trim();
    let help = help.strip_suffix('.').unwrap_or(help);
    let value = PossibleValue::new(name);
    if help.is_empty() {
        value
    } else {
        value.help(help)
    }
}

impl<T: Choice + Send + Sync> ChoiceParser<T> {
    fn values() -> impl Iterator<Item = PossibleValue> {
        T::ALL.iter().map(|(_, name, doc)| possible(name, doc))
    }
}

impl<T: Choice + Send + Sync> TypedValueParser for ChoiceParser<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let name = PossibleValuesParser::new(Self::values()).parse_ref(cmd, arg, value)?;
        Ok(T::named(&name).expect("the parser accepts listed names only"))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(Self::values()))
    }
}

/// `value_parser = formats(Report::FORMATS)`: the formats one report
/// offers, with its help for each.
pub fn formats(offered: &'static [Offered]) -> FormatParser {
    FormatParser(offered)
}

#[derive(Clone, Copy)]
pub struct FormatParser(&'static [Offered]);

impl FormatParser {
    fn values(&self) -> impl Iterator<Item = PossibleValue> + '_ {
        self.0
            .iter()
            .map(|(format, doc)| possible(format.name(), doc))
    }
}

impl TypedValueParser for FormatParser {
    type Value = Format;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<Format, clap::Error> {
        let name = PossibleValuesParser::new(self.values()).parse_ref(cmd, arg, value)?;
        Ok(Format::named(&name).expect("the parser accepts listed names only"))
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.values()))
    }
}
