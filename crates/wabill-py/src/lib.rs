//! `wabill._wabill`, the extension module of the Python package: the
//! wabill command run in process (the same code as the binary), and the
//! library's partition keys for cluster jobs. The Python API
//! (python/wabill/__init__.py) builds on these.

use std::sync::Arc;

use pyo3::prelude::*;

use wabill::input::{Column, LogReader, ReadOptions, Source, format_named};
use wabill::refdata::businesses::{Businesses, parse_zone};

/// `wabill._errors.WabillError(message, exit_code)`.
fn wabill_error(py: Python<'_>, message: String, exit: u8) -> PyErr {
    match py
        .import("wabill._errors")
        .and_then(|m| m.getattr("WabillError"))
        .and_then(|class| class.call1((message, exit)))
    {
        Ok(error) => PyErr::from_value(error),
        Err(e) => e,
    }
}

/// The `wabill` command: `argv` with the program's name first; prints as
/// the binary does and returns its exit code (the console script).
#[pyfunction]
fn main(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| wabill_cli::main_from(argv))
}

/// The `wabill` command run for the Python API: returns the exit code, or
/// raises `WabillError` with the message the command would print.
#[pyfunction]
fn run(py: Python<'_>, argv: Vec<String>) -> PyResult<u8> {
    py.detach(|| wabill_cli::run(argv))
        .map_err(|e| wabill_error(py, e.message, e.exit))
}

fn load_businesses(py: Python<'_>, path: Option<&str>, tz: &str) -> PyResult<Businesses> {
    let Some(path) = path else {
        return Ok(Businesses::default());
    };
    let zone = parse_zone(tz).map_err(|e| wabill_error(py, format!("--tz: {e}"), 2))?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| wabill_error(py, format!("cannot read {path}: {e}"), 1))?;
    Businesses::parse(path, &text, &(zone, tz.to_string()))
        .map_err(|e| wabill_error(py, e.to_string(), 1))
}

/// The key whose rows must be priced together, for each business number:
/// `portfolio:NAME` for a business the businesses file puts in a portfolio,
/// else `business:NUMBER` (as `wabill partition --by portfolio`).
#[pyfunction]
#[pyo3(signature = (businesses, businesses_file=None, tz="UTC"))]
fn portfolio_of(
    py: Python<'_>,
    businesses: Vec<String>,
    businesses_file: Option<&str>,
    tz: &str,
) -> PyResult<Vec<String>> {
    let table = load_businesses(py, businesses_file, tz)?;
    Ok(py.detach(|| businesses.iter().map(|b| table.tier_owner(b)).collect()))
}

/// The key (as `portfolio_of`) of each text of a log that every reader of
/// wabill reads on its own: a line of webhook JSON lines (one notification
/// a line), or a CSV row with its `header` before it. A text read to no
/// message (an empty line) has the key `""`; one whose messages belong to
/// two keys is an error.
#[pyfunction]
#[pyo3(signature = (texts, header=None, input_format=None, businesses_file=None, tz="UTC"))]
fn portfolio_of_records(
    py: Python<'_>,
    texts: Vec<String>,
    header: Option<String>,
    input_format: Option<&str>,
    businesses_file: Option<&str>,
    tz: &str,
) -> PyResult<Vec<String>> {
    let table = load_businesses(py, businesses_file, tz)?;
    let mut options = ReadOptions::default();
    if let Some(name) = input_format {
        options.format = Some(
            format_named(name).map_err(|e| wabill_error(py, format!("--input-format: {e}"), 2))?,
        );
    }
    let keys = py.detach(|| {
        // All texts read at once, each record's key found by its line;
        // where the whole does not read (a broken text), text by text, so
        // that the error names the text.
        keys_at_once(&texts, header.as_deref(), &options, &table)
            .or_else(|_| keys_one_by_one(&texts, header.as_deref(), &options, &table))
    });
    keys.map_err(|e| wabill_error(py, e, 1))
}

#[pymodule]
fn _wabill(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(main, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(portfolio_of, m)?)?;
    m.add_function(wrap_pyfunction!(portfolio_of_records, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}

/// The owners of the records of `bytes`, by 1-based line.
fn owners_by_line(
    bytes: Vec<u8>,
    options: &ReadOptions,
    table: &Businesses,
) -> Result<Vec<(u64, String)>, String> {
    let mut reader =
        LogReader::open(&Source::Bytes(Arc::from(bytes)), options).map_err(|e| e.to_string())?;
    let mut record = csv::ByteRecord::new();
    let mut owners = Vec::new();
    while let Some(line) = reader.next_record(&mut record).map_err(|e| e.to_string())? {
        let business = String::from_utf8_lossy(reader.columns.field(&record, Column::Business));
        owners.push((line, table.tier_owner(&business)));
    }
    Ok(owners)
}

fn joined(texts: &[String], header: Option<&str>) -> Vec<u8> {
    let mut bytes = Vec::new();
    if let Some(h) = header {
        bytes.extend_from_slice(h.trim_end().as_bytes());
        bytes.push(b'\n');
    }
    for text in texts {
        bytes.extend_from_slice(text.trim_end_matches(['\r', '\n']).as_bytes());
        bytes.push(b'\n');
    }
    bytes
}

/// Sets the key of text `i`; two different keys are an error.
fn set_key(keys: &mut [Option<String>], i: usize, owner: String) -> Result<(), String> {
    match &keys[i] {
        Some(k) if *k != owner => Err(format!(
            "record {i} holds messages of {k} and {owner}: split it so that each record \
             belongs to one"
        )),
        _ => {
            keys[i] = Some(owner);
            Ok(())
        }
    }
}

fn keys_at_once(
    texts: &[String],
    header: Option<&str>,
    options: &ReadOptions,
    table: &Businesses,
) -> Result<Vec<String>, String> {
    if texts
        .iter()
        .any(|t| t.trim_end_matches(['\r', '\n']).contains(['\n', '\r']))
    {
        return Err("a text of several lines".into());
    }
    let first = u64::from(header.is_some()) + 1;
    let mut keys = vec![None; texts.len()];
    for (line, owner) in owners_by_line(joined(texts, header), options, table)? {
        let i = line
            .checked_sub(first)
            .map(|i| i as usize)
            .filter(|i| *i < texts.len())
            .ok_or_else(|| format!("a record at line {line}"))?;
        set_key(&mut keys, i, owner)?;
    }
    Ok(keys.into_iter().map(Option::unwrap_or_default).collect())
}

fn keys_one_by_one(
    texts: &[String],
    header: Option<&str>,
    options: &ReadOptions,
    table: &Businesses,
) -> Result<Vec<String>, String> {
    let mut keys = vec![None; texts.len()];
    for (i, text) in texts.iter().enumerate() {
        if text.trim().is_empty() {
            continue;
        }
        let owners = owners_by_line(joined(std::slice::from_ref(text), header), options, table)
            .map_err(|e| format!("record {i}: {e}"))?;
        for (_, owner) in owners {
            set_key(&mut keys, i, owner)?;
        }
    }
    Ok(keys.into_iter().map(Option::unwrap_or_default).collect())
}
