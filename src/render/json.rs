use std::io::{self, Write};

use crate::report::Report;

/// The whole report; amounts are strings so no JSON reader rounds them.
pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
