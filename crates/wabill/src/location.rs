//! Where a diagnostic points: `file:line:column`, as compilers and ripgrep
//! print it, so editors and terminals can jump to it. Every error or
//! rejection about a place in a file (logs, reference files, plans, Meta's
//! exports) carries one `Location`.

use std::fmt;

/// A file, a 1-based line, and the 1-based column when one is known: the
/// field's number in the file's header for delimited files. The column is
/// absent only where no single field is at fault (a record with the wrong
/// number of fields, a whole-row problem) or the reader cannot know it (a
/// JSON record, a provider export whose fields wabill rebuilds).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    pub file: String,
    pub line: u64,
    pub column: Option<u64>,
}

impl Location {
    /// A line of a file, no column.
    pub fn line(file: impl Into<String>, line: u64) -> Location {
        Location {
            file: file.into(),
            line,
            column: None,
        }
    }

    /// The same line, pointing at `column` (1-based) when it is known.
    pub fn at_column(mut self, column: Option<u64>) -> Location {
        self.column = column;
        self
    }

    /// The column as text, empty when unknown (for CSV outputs).
    pub fn column_text(&self) -> String {
        self.column.map_or(String::new(), |c| c.to_string())
    }
}

impl fmt::Display for Location {
    /// `file:line:column`, or `file:line` without a column.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)?;
        if let Some(c) = self.column {
            write!(f, ":{c}")?;
        }
        Ok(())
    }
}

/// A problem at a place in a file: `file:line[:column]: message`. The error
/// of every reader of small files (reference files, plans, Meta's exports).
#[derive(Debug, thiserror::Error)]
#[error("{at}: {message}")]
pub struct LocatedError {
    pub at: Location,
    pub message: String,
}

impl LocatedError {
    /// A problem with a whole line of `file`.
    pub fn new(file: &str, line: u64, message: impl Into<String>) -> Self {
        LocatedError {
            at: Location::line(file, line),
            message: message.into(),
        }
    }

    /// The same problem, pointing at `column` (1-based) when it is known.
    pub fn in_column(mut self, column: Option<u64>) -> Self {
        self.at.column = column;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_like_a_compiler() {
        let at = Location::line("messy.csv", 3);
        assert_eq!(at.to_string(), "messy.csv:3");
        assert_eq!(at.clone().at_column(Some(5)).to_string(), "messy.csv:3:5");
        assert_eq!(at.column_text(), "");
    }
}
