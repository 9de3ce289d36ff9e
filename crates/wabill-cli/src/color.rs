//! When wabill colours its output: one rule for reports on stdout and for
//! messages on stderr. `--color never|always|auto` decides; `auto` (the
//! default) is anstream's reading of the usual variables — `NO_COLOR`
//! turns colour off, `CLICOLOR_FORCE` on, `CLICOLOR=0` off — and otherwise
//! colours a terminal only. A report written to a file is never coloured.

use std::ffi::OsString;
use std::io;

use anstream::ColorChoice;

/// `--color`'s values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum When {
    /// Colour a terminal, following NO_COLOR, CLICOLOR and CLICOLOR_FORCE
    #[default]
    Auto,
    /// Always colour (not a report written to a file)
    Always,
    /// Never colour
    Never,
}

impl When {
    fn choice(self) -> ColorChoice {
        match self {
            When::Auto => ColorChoice::Auto,
            When::Always => ColorChoice::Always,
            When::Never => ColorChoice::Never,
        }
    }
}

/// The `--color` of a command line, read before clap parses it so that
/// clap's own errors and help follow it too; the last one given wins, and a
/// bad value is left for clap to report.
pub fn from_args(args: &[OsString]) -> When {
    let mut when = When::Auto;
    let mut args = args.iter().skip(1).map(|a| a.to_str().unwrap_or(""));
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        let value = match arg.strip_prefix("--color") {
            Some("") => args.next().unwrap_or(""),
            Some(rest) => match rest.strip_prefix('=') {
                Some(value) => value,
                None => continue,
            },
            None => continue,
        };
        when = match value {
            "always" => When::Always,
            "never" => When::Never,
            "auto" => When::Auto,
            _ => when,
        };
    }
    when
}

/// Sets the rule for the whole run: stderr messages (through anstream) and
/// clap's help and errors.
pub fn apply(when: When) {
    when.choice().write_global();
}

/// clap's colour setting for the same rule.
pub fn for_clap(when: When) -> clap::ColorChoice {
    match when {
        When::Auto => clap::ColorChoice::Auto,
        When::Always => clap::ColorChoice::Always,
        When::Never => clap::ColorChoice::Never,
    }
}

/// Whether a report on stdout is coloured.
pub fn stdout(to_file: bool) -> bool {
    !to_file && anstream::AutoStream::choice(&io::stdout()) != ColorChoice::Never
}

/// A report's style: coloured by the rule above (never in a file).
pub fn style_for_stdout(to_file: bool) -> wabill::render::Style {
    wabill::render::Style {
        color: stdout(to_file),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn when(args: &[&str]) -> When {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        from_args(&args)
    }

    #[test]
    fn the_last_color_flag_wins_and_values_after_dashes_are_not_flags() {
        assert_eq!(when(&["wabill", "estimate", "x.csv"]), When::Auto);
        assert_eq!(
            when(&["wabill", "--color", "never", "estimate"]),
            When::Never
        );
        assert_eq!(
            when(&["wabill", "estimate", "--color=always"]),
            When::Always
        );
        assert_eq!(
            when(&["wabill", "--color=never", "estimate", "--color", "always"]),
            When::Always
        );
        assert_eq!(
            when(&["wabill", "estimate", "--", "--color=never"]),
            When::Auto
        );
        assert_eq!(when(&["wabill", "--colour=never"]), When::Auto);
        assert_eq!(when(&["wabill", "--color=purple"]), When::Auto);
    }
}
