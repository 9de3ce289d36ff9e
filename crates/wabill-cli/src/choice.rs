//! clap's side of the library's `Choice` sets: one value parser for every
//! enum picked by name, with the names, help and error clap would give a
//! `ValueEnum`.

use std::ffi::OsStr;
use std::marker::PhantomData;

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use wabill::choice::Choice;

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
