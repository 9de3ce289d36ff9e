//! Exit codes, documented in `--help` and the README.

use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Ok = 0,
    /// Unreadable input, unpriceable messages, or rejected rows under --strict.
    Error = 1,
    Usage = 2,
    OverBudget = 3,
    /// `reconcile`: a cell outside the tolerance.
    OutsideTolerance = 4,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// A failure whose message has already been printed; carries the exit code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    pub exit: Exit,
    pub message: String,
}

impl Failure {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Failure {
            exit,
            message: message.into(),
        }
    }
}

/// A clap error message, rendered with or without ANSI styles, with its
/// leading `error:` replaced by `wabill:` (the prefix of every diagnostic).
/// Styles around the prefix are kept.
pub fn with_wabill_prefix(rendered: &str) -> String {
    const CLAP: &str = "error:";
    // The prefix is the first text of the message: only escape sequences
    // may come before it.
    match rendered.find(CLAP) {
        Some(at)
            if anstream::adapter::strip_str(&rendered[..at])
                .to_string()
                .is_empty() =>
        {
            format!("{}wabill:{}", &rendered[..at], &rendered[at + CLAP.len()..])
        }
        _ => rendered.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_prefix_becomes_wabill() {
        assert_eq!(
            with_wabill_prefix("error: unexpected argument '--x' found\n"),
            "wabill: unexpected argument '--x' found\n"
        );
        assert_eq!(
            with_wabill_prefix("\x1b[1m\x1b[31merror:\x1b[0m a value is required\n"),
            "\x1b[1m\x1b[31mwabill:\x1b[0m a value is required\n"
        );
        // Only the leading prefix: a value that says `error:` stays.
        assert_eq!(with_wabill_prefix("x error: y"), "x error: y");
    }
}
