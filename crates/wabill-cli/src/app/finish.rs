//! The end of every command that prices a log (estimate, price, compare,
//! reconcile, forecast --from-log): whether the run failed (unpriced
//! messages, rejections under `--strict`, no message at all), where the
//! report goes, and the message and exit code, decided in one place.
//!
//! On failure the report still goes to standard output (it shows what was
//! read and what could not be priced), then the failure is returned; an
//! `-o` file is neither written nor replaced, so a good report is never
//! overwritten by an incomplete one.

use std::io::Write;

use anyhow::Result;

use super::output::{Output, Target};
use crate::color::style_for_stdout;
use crate::error::{Exit, Failure};
use wabill::render::Style;
use wabill::validate::LogStats;

/// What the run found that can make it fail.
pub struct Checks {
    /// The unpriced-messages summary, when some could not be priced.
    pub unpriced: Option<String>,
    pub stats: LogStats,
    pub strict: bool,
    pub allow_empty: bool,
}

impl Checks {
    /// The checks of a run read with `input`'s `--strict` and `--allow-empty`.
    pub fn new(unpriced: Option<String>, stats: LogStats, input: &crate::flags::InputArgs) -> Self {
        Checks {
            unpriced,
            stats,
            strict: input.strict,
            allow_empty: input.allow_empty,
        }
    }

    /// The reason the run fails, if it does.
    pub fn failure(&self) -> Option<String> {
        if let Some(summary) = &self.unpriced {
            return Some(summary.clone());
        }
        let rejected = self.stats.rejected;
        if self.strict && rejected > 0 {
            return Some(format!("{} rejected (--strict)", plural(rejected, "row")));
        }
        let messages = self.stats.rows_read
            - self.stats.rejected
            - self.stats.merged
            - self.stats.not_whatsapp;
        if messages == 0 && !self.allow_empty {
            return Some(if self.stats.rows_read == 0 {
                "the log has no rows: nothing to price (--allow-empty accepts it)".to_string()
            } else {
                format!(
                    "no usable message in {} read ({rejected} rejected{}): nothing to price \
                     (--allow-empty accepts it)",
                    plural(self.stats.rows_read, "row"),
                    match self.stats.not_whatsapp {
                        0 => String::new(),
                        n => format!(", {n} not WhatsApp"),
                    }
                )
            });
        }
        None
    }
}

/// `1 row`, `2 rows`.
pub use wabill::render::plural;

fn failed(message: String, target: &Target) -> anyhow::Error {
    let message = match target.shown() {
        Some(path) => format!("{message}; {} was not written", path.display()),
        None => message,
    };
    Failure::new(Exit::Error, message).into()
}

/// Renders a whole report to `target` unless the run failed and the target
/// is a file (colours only on a terminal, `NO_COLOR` respected); returns the
/// failure, if any, after the report.
pub fn write_report(
    target: &Target,
    checks: &Checks,
    render: impl FnOnce(&mut dyn Write, Style) -> Result<()>,
) -> Result<()> {
    let failure = checks.failure();
    if failure.is_some() && !target.is_stdout() {
        return Err(failed(failure.unwrap_or_default(), target));
    }
    let mut output = target.open()?;
    render(&mut output, style_for_stdout(!target.is_stdout()))?;
    output.finish()?;
    match failure {
        Some(message) => Err(failed(message, target)),
        None => Ok(()),
    }
}

/// The end of a per-message reconcile: its one-line summary on stderr when
/// the report is not a table (a table prints it itself), then exit 4 when
/// anything differs.
pub fn verdict(agrees: bool, summary: Option<String>) -> Exit {
    if let Some(summary) = summary {
        wabill::engine::note(&summary);
    }
    if agrees {
        Exit::Ok
    } else {
        Exit::OutsideTolerance
    }
}

/// For output written while pricing (`price`): commits the file only when
/// the run succeeded.
pub fn finish_streamed(output: Output, target: &Target, checks: &Checks) -> Result<()> {
    match checks.failure() {
        Some(message) => {
            if target.is_stdout() {
                output.finish()?;
            }
            Err(failed(message, target))
        }
        None => output.finish(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checks(rows: u64, rejected: u64, strict: bool) -> Checks {
        Checks {
            unpriced: None,
            stats: LogStats {
                rows_read: rows,
                rejected,
                merged: 0,
                ..LogStats::default()
            },
            strict,
            allow_empty: false,
        }
    }

    #[test]
    fn failures_in_order() {
        assert_eq!(checks(3, 0, true).failure(), None);
        assert_eq!(
            checks(3, 1, true).failure().unwrap(),
            "1 row rejected (--strict)"
        );
        assert!(checks(0, 0, false).failure().unwrap().contains("no rows"));
        assert!(
            checks(2, 2, false)
                .failure()
                .unwrap()
                .starts_with("no usable message in 2 rows read")
        );
        let mut empty = checks(0, 0, false);
        empty.allow_empty = true;
        assert_eq!(empty.failure(), None);
    }
}
