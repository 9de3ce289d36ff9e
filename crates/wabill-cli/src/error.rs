//! Exit codes: the `Exit` enum is their one home. Their meanings are data
//! here (`Exit::meaning`); `wabill --help`, each command's "Exit codes:"
//! line (`exit_line`) and, checked by a test, the README's table come from it.

use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    Ok = 0,
    /// Unreadable input, unpriceable messages, or rejected rows under --strict.
    Error = 1,
    Usage = 2,
    OverBudget = 3,
    /// `reconcile`: a cell (message, provider price) outside the tolerance.
    OutsideTolerance = 4,
}

impl Exit {
    /// Every code, in order.
    pub const ALL: [Exit; 5] = [
        Exit::Ok,
        Exit::Error,
        Exit::Usage,
        Exit::OverBudget,
        Exit::OutsideTolerance,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }

    /// What the code means, in full: the `--help` text (without the
    /// backticks) and the README's table row (as written).
    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Ok => "success",
            Exit::Error => {
                "error: unreadable input or reference file (an error in `wabill.toml` names the \
                 file and the key), a message with no known rate, a rejected row under \
                 `--strict`, a log with no message (without `--allow-empty`; `validate` gives \
                 the same verdict as `estimate` on an empty, header-only or Graph API error \
                 file), an output (`-o`, `--rejects`) that is a file the run reads (a log, a \
                 card, `wabill.toml`, an `--actual` export, a `merge` input), problems found by \
                 `validate`, a `partition` folder holding an earlier run's parts (without \
                 `--force`), or reports `merge` refuses (including parts that do not match \
                 their manifest)"
            }
            Exit::Usage => {
                "usage error: an unknown flag, a missing or bad flag value (`--by`, `--budget` \
                 (negative too), `--tz`, `--currency`, `--date`, `--column`, `--tolerance`, \
                 `--scenario`, `--delimiter`, `--service-window-hours 0`, `--entry-point-hours \
                 0`, `--growth`, `--max-row-bytes`, `-` given twice) here or in `wabill.toml`, \
                 or an `-o` extension naming no format the command writes (`.tsv`, `.parquet`, \
                 `.pdf`; `.txt` is text, written only by `validate` and `explain`; `.xlsx` only \
                 by reports laid out as a table and by `price`), or a workbook (`xlsx`) to be \
                 printed on a terminal; the message starts `wabill:` like every \
                 other and keeps clap's usage line and tip"
            }
            Exit::OverBudget => {
                "the total (or with `--budget-file`, a group's; with `forecast`, a month's) \
                 exceeds `--budget`"
            }
            Exit::OutsideTolerance => {
                "`reconcile`: a cell differs from Meta's figure by more than `--tolerance`; \
                 without `--actual`, a message's pricing differs from Meta's own decision; \
                 with `--provider-charges`, a message's (or with `periods`, a period's) \
                 provider price differs from the expected one by more than `--tolerance`"
            }
        }
    }

    /// The word a command's "Exit codes:" line uses unless the command says
    /// more.
    pub fn word(self) -> &'static str {
        match self {
            Exit::Ok => "ok",
            Exit::Error => "error",
            Exit::Usage => "usage",
            Exit::OverBudget => "over budget",
            Exit::OutsideTolerance => "outside tolerance",
        }
    }
}

/// What is written when a run fails (the `--help` text and the README,
/// below the table).
pub const OUTPUT_ON_FAILURE: &str = "A closed output pipe is not an error (exit 0); a closed standard \
     output (`wabill … >&-`) is (exit 1), since the report would be lost. SIGINT, SIGTERM and \
     SIGHUP remove the temporary files of `-o` and `--rejects` (the old file stays as it was). \
     With 1, no `-o` file is written or replaced; with 3 and 4 the report is written first.";

/// The "Exit codes:" block of `wabill --help`: every code and its meaning,
/// wrapped to `width` columns.
pub fn exit_codes_help(width: usize) -> String {
    let mut out = String::from("Exit codes:");
    let rows = Exit::ALL
        .iter()
        .map(|e| (format!("  {}  ", e.code()), e.meaning()))
        .chain([("  ".to_string(), OUTPUT_ON_FAILURE)]);
    for (first, text) in rows {
        let text = text.replace('`', "");
        let indent = first.len();
        let mut line = first;
        let mut empty = true;
        for word in text.split(' ') {
            if !empty && line.len() + 1 + word.len() > width {
                out.push('\n');
                out.push_str(&line);
                line = " ".repeat(indent);
                empty = true;
            }
            if !empty {
                line.push(' ');
            }
            line.push_str(word);
            empty = false;
        }
        out.push('\n');
        out.push_str(&line);
    }
    out
}

/// A command's line, `Exit codes: 0 ok, 1 error, 2 usage`: the codes it
/// can end with, each with the command's own words or `Exit::word`.
pub fn exit_line(codes: &[(Exit, Option<&str>)]) -> String {
    let codes: Vec<String> = codes
        .iter()
        .map(|(exit, words)| format!("{} {}", exit.code(), words.unwrap_or(exit.word())))
        .collect();
    format!("Exit codes: {}", codes.join(", "))
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

    /// The README's "Exit codes" table lists every code of `Exit` with its
    /// meaning, word for word.
    #[test]
    fn readme_exit_codes_are_the_enum() {
        let readme = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));
        let section = readme
            .split("\n## Exit codes\n")
            .nth(1)
            .expect("README has an \"## Exit codes\" section");
        let rows: Vec<(String, String)> = section
            .lines()
            .skip_while(|l| !l.starts_with("|---"))
            .skip(1)
            .take_while(|l| l.starts_with('|'))
            .map(|l| {
                let cells: Vec<&str> = l.trim_matches('|').split(" | ").collect();
                assert_eq!(cells.len(), 2, "README row {l:?}");
                (cells[0].trim().to_string(), cells[1].trim().to_string())
            })
            .collect();
        let want: Vec<(String, String)> = Exit::ALL
            .iter()
            .map(|e| (e.code().to_string(), e.meaning().to_string()))
            .collect();
        assert_eq!(rows, want);
        let prose = section.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            prose.contains(OUTPUT_ON_FAILURE),
            "README: {OUTPUT_ON_FAILURE}"
        );
    }

    #[test]
    fn help_lists_every_code_within_the_width() {
        let help = exit_codes_help(92);
        for exit in Exit::ALL {
            assert!(help.contains(&format!("\n  {}  ", exit.code())), "{help}");
        }
        assert!(help.lines().all(|l| l.len() <= 92), "{help}");
        assert!(help.contains("(without --allow-empty"), "{help}");
        assert_eq!(
            exit_line(&[(Exit::Ok, None), (Exit::Usage, Some("bad flag"))]),
            "Exit codes: 0 ok, 2 bad flag"
        );
    }

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
