//! The integration tests: one test binary (as ripgrep has), so that the
//! library and the command are linked once, not once per file. Each module
//! tests one area through the built `wabill` binary or the library's API;
//! `util` holds what they share. A new file in `tests/` is a module here
//! (`every_test_file_is_a_module` fails otherwise).

mod util;

mod cards;
mod cli;
mod currencies;
mod embed;
mod engine;
mod engines;
mod finance;
mod finance_allin;
mod forecast;
mod hostile;
mod html;
mod imports;
mod input;
mod issue27;
mod lines2026;
mod merge;
mod numbering_plan;
mod one_home;
mod pricing;
mod providers;
mod readers;
mod readme;
mod real_shapes;
mod reconcile;
mod safety;
mod unpriced;
mod webhooks;
