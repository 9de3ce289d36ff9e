//! What the providers' (BSPs') readers share: the record they all write —
//! wabill's own columns, so validation and pricing never see a provider's
//! vocabulary — and a streaming splitter for their JSON event files.

use std::io::BufRead;

use super::exact::exact_numbers;
use super::{Column, Columns, InputError, Opened, Original, Records};

/// What a provider's reader hands the input layer: its rows in wabill's
/// columns (`HEADER`, in `Column` order).
pub fn opened(records: Box<dyn Records>) -> Opened {
    Opened {
        records,
        columns: Columns::canonical(),
        width: HEADER.len(),
        delimiter: None,
        headers: HEADER.iter().map(|h| h.to_string()).collect(),
    }
}

/// The fields a provider reader fills: the record's columns (`Column`),
/// in the order of `HEADER`. Meta's pricing decision (`pricing_*`) and the
/// provider's own charge (`provider_*`) are left empty when the source does
/// not carry them.
pub use super::Column as Out;

/// Header names of the record, as wabill's own CSV spells them: the
/// columns' names, in `Column` order.
pub const HEADER: [&str; Column::ALL.len()] = {
    let mut header = [""; Column::ALL.len()];
    let mut i = 0;
    while i < header.len() {
        header[i] = Column::ALL[i].name();
        i += 1;
    }
    header
};

/// A provider's referral field (a click or ad id, or a yes/no) as
/// wabill's `entry_point`: any id means the customer came from an ad.
pub fn referred(value: &str) -> &'static str {
    let none = ["", "0", "false", "no", "none", "null", "n/a"];
    if none.iter().any(|n| n.eq_ignore_ascii_case(value.trim())) {
        ""
    } else {
        "1"
    }
}

/// One message row in wabill's columns, or the reason it cannot be one
/// (the row is then rejected with that reason).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row(pub [String; HEADER.len()], pub Option<String>);

impl Row {
    pub fn set(&mut self, field: Out, value: impl AsRef<str>) -> &mut Self {
        let slot = &mut self.0[field as usize];
        slot.clear();
        slot.push_str(value.as_ref().trim());
        self
    }

    pub fn get(&self, field: Out) -> &str {
        &self.0[field as usize]
    }

    /// Marks the row as unusable, for this reason.
    pub fn reject(&mut self, reason: String) {
        self.1 = Some(reason);
    }

    /// Writes the row into `record`; a rejected row is written empty and
    /// its reason returned.
    pub fn write_to(&self, record: &mut csv::ByteRecord) -> Option<String> {
        record.clear();
        if self.1.is_some() {
            return self.1.clone();
        }
        for field in &self.0 {
            record.push_field(field.as_bytes());
        }
        None
    }
}

/// A number as providers write it: `whatsapp:+14155550101`, `+1415…`,
/// `1415…`. The `whatsapp:` channel prefix (Twilio, and providers that
/// copy it) is dropped; the rest is left to wabill's number check.
pub fn number(raw: &str) -> &str {
    let t = raw.trim();
    match t.get(..9) {
        Some(p) if p.eq_ignore_ascii_case("whatsapp:") => t[9..].trim(),
        _ => t,
    }
}

/// A provider's price as a charge: Twilio writes what it debits as a
/// negative amount (`-0.0050`); every price is kept as the positive amount
/// charged, digits unchanged (never through floating point).
pub fn charge(raw: &str) -> &str {
    let t = raw.trim();
    t.strip_prefix('-').unwrap_or(t)
}

/// A header name reduced to compare spellings: `Date Sent`, `date_sent`
/// and `DateSent` are all `datesent`.
pub fn header_key(raw: &str) -> String {
    raw.trim_start_matches('\u{feff}')
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The first CSV line of `head` (the start of a source), as header keys.
/// An export's header must have these columns (`None`: not found); the
/// error names the missing ones and what the header has.
pub fn require_columns(
    name: &str,
    export: &str,
    required: &[(&str, Option<usize>)],
    keys: &[String],
) -> Result<(), InputError> {
    let missing: Vec<&str> = required
        .iter()
        .filter_map(|(n, c)| c.is_none().then_some(*n))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(InputError::Header {
        file: name.to_string(),
        message: format!(
            "{export} needs the columns {} (found: {})",
            missing.join(", "),
            keys.join(", ")
        ),
    })
}

pub fn header_keys(head: &[u8]) -> Vec<String> {
    let line = head.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let line = String::from_utf8_lossy(line);
    let delimiter = [',', ';', '\t']
        .into_iter()
        .max_by_key(|d| line.matches(*d).count())
        .unwrap_or(',');
    line.split(delimiter)
        .map(|h| header_key(h.trim_matches(|c: char| c == '"' || c.is_whitespace())))
        .collect()
}

/// The first JSON object of `head`, when the source is JSON (lines, an
/// array, or one object), as far as `head` holds it.
pub fn first_object(head: &[u8]) -> Option<&[u8]> {
    let start = head.iter().position(|b| {
        !b.is_ascii_whitespace() && *b != b'\xEF' && *b != b'\xBB' && *b != b'\xBF'
    })?;
    let rest = &head[start..];
    let rest = match rest.first()? {
        b'[' => {
            let i = rest[1..].iter().position(|b| !b.is_ascii_whitespace())?;
            &rest[1 + i..]
        }
        _ => rest,
    };
    (rest.first() == Some(&b'{')).then_some(rest)
}

/// The start of the first JSON object of `head` (its first 4 KiB), where a
/// reader's `detect` looks for the fields that name its format.
pub fn first_object_head(head: &[u8]) -> Option<&[u8]> {
    first_object(head).map(|o| &o[..o.len().min(4096)])
}

/// Whether `hay` has the bytes `needle`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Splits a stream of JSON values — one per line, concatenated, or the
/// elements of one top-level array — into the raw bytes of each object,
/// with the line it starts on. Memory holds one object at a time.
pub struct JsonObjects {
    name: String,
    input: Box<dyn BufRead>,
    line: u64,
    bytes: u64,
    in_array: bool,
    started: bool,
}

impl JsonObjects {
    pub fn new(name: &str, input: Box<dyn BufRead>) -> Self {
        JsonObjects {
            name: name.to_string(),
            input,
            line: 1,
            bytes: 0,
            in_array: false,
            started: false,
        }
    }

    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    fn error(&self, line: u64, message: impl Into<String>) -> InputError {
        InputError::Csv {
            at: crate::location::Location::line(self.name.clone(), line),
            message: message.into(),
        }
    }

    fn next_byte(&mut self) -> Result<Option<u8>, InputError> {
        let buf = self.input.fill_buf().map_err(|e| InputError::Io {
            file: self.name.clone(),
            error: e,
        })?;
        let Some(&b) = buf.first() else {
            return Ok(None);
        };
        self.input.consume(1);
        self.bytes += 1;
        if b == b'\n' {
            self.line += 1;
        }
        Ok(Some(b))
    }

    /// The next object into `out`; its first line, or `None` at the end.
    pub fn next_object(&mut self, out: &mut Vec<u8>) -> Result<Option<u64>, InputError> {
        out.clear();
        // Between values: whitespace, a BOM, the array's brackets, commas.
        let first = loop {
            match self.next_byte()? {
                None => return Ok(None),
                Some(b) if b.is_ascii_whitespace() || b == b',' => {}
                Some(0xEF | 0xBB | 0xBF) if !self.started => {}
                Some(b'[') if !self.started => self.in_array = true,
                Some(b']') if self.in_array => self.in_array = false,
                Some(b'{') => break b'{',
                Some(b) => {
                    return Err(self.error(
                        self.line,
                        format!(
                            "expected a JSON object, found {:?}",
                            char::from(b).escape_default().to_string()
                        ),
                    ));
                }
            }
        };
        self.started = true;
        let line = self.line;
        out.push(first);
        let (mut depth, mut strings) = (1u32, super::exact::JsonStrings::default());
        while depth > 0 {
            let Some(b) = self.next_byte()? else {
                return Err(self.error(line, "a JSON object is cut off at the end of the file"));
            };
            out.push(b);
            if !strings.inside(b) {
                match b {
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => depth -= 1,
                    _ => {}
                }
            }
        }
        Ok(Some(line))
    }
}

/// The fields of one raw CSV record, decoded leniently for mapping.
pub struct Fields<'r>(pub &'r csv::ByteRecord);

impl Fields<'_> {
    /// The field at `index` (empty when the column is absent), trimmed.
    pub fn get(&self, index: Option<usize>) -> std::borrow::Cow<'_, str> {
        let raw = index.and_then(|i| self.0.get(i)).unwrap_or(b"");
        match String::from_utf8_lossy(raw.trim_ascii()) {
            std::borrow::Cow::Borrowed(s) => std::borrow::Cow::Borrowed(s),
            owned => owned,
        }
    }

    /// The field at `index`, else (when that is empty) the one at `or`.
    pub fn get_or(&self, index: Option<usize>, or: Option<usize>) -> std::borrow::Cow<'_, str> {
        match self.get(index) {
            v if v.is_empty() => self.get(or),
            v => v,
        }
    }
}

/// A CSV reader over a provider's export.
pub type CsvReader = super::bounded::BoundedCsv;

/// Maps one raw record of a provider's CSV into `Row`; an `Err` stops the
/// reading (an export wabill cannot price without more information).
pub type MapRow = Box<dyn FnMut(&Fields, &mut Row) -> Result<(), MapError> + Send>;

/// Why a provider's export cannot be read on: it does not say what wabill
/// needs to price its messages, and every later message would be just as
/// unpriceable, so reading stops (the error names the first one).
#[derive(Debug)]
pub enum MapError {
    /// A message that is (or may be) a template, from an export that does
    /// not say its category, read without `--templates`.
    NeedsTemplates {
        export: &'static Lacking,
        /// The message's id, as the export writes it.
        id: String,
        /// What the export does say of the message (a template name, a
        /// direction), shown in parentheses.
        about: Option<String>,
        /// The export's field (0-based) the error points at, when the
        /// export is delimited and one field names the template.
        field: Option<usize>,
    },
    /// Status events and none of the events that carry the category
    /// (Gupshup's v2 `message-event` without `billing-event`).
    NoBillingEvents { status_events: u64 },
}

/// How an export falls short of naming a template's category, in the
/// words of its `MapError::NeedsTemplates`.
#[derive(Debug)]
pub struct Lacking {
    /// What the message is called: `outbound message`, `template message`.
    pub message: &'static str,
    /// What the export does not say, after the message and its details.
    pub lacks: &'static str,
    /// What `--templates` maps for this export.
    pub keys: &'static str,
    /// Advice after the flag, if any.
    pub then: &'static str,
}

impl MapError {
    /// The same error, pointing at the export's field `at` (0-based).
    pub fn at_field(mut self, at: Option<usize>) -> Self {
        if let MapError::NeedsTemplates { field, .. } = &mut self {
            *field = at;
        }
        self
    }

    /// The export's field at fault (0-based), when there is one.
    pub fn field(&self) -> Option<usize> {
        match self {
            MapError::NeedsTemplates { field, .. } => *field,
            MapError::NoBillingEvents { .. } => None,
        }
    }
}

impl std::fmt::Display for MapError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MapError::NeedsTemplates {
                export, id, about, ..
            } => {
                write!(f, "{} {id:?}", export.message)?;
                if let Some(about) = about {
                    write!(f, " ({about})")?;
                }
                write!(
                    f,
                    "{}: give --templates FILE ({}){}",
                    export.lacks, export.keys, export.then
                )
            }
            MapError::NoBillingEvents { status_events } => write!(
                f,
                "{status_events} message-events but no billing-event: these v2 \
                 message-events carry no category (no pricing.category), Gupshup's \
                 billing-events do; export those too (or v3 events, read as webhooks)"
            ),
        }
    }
}

impl std::error::Error for MapError {}

/// A provider's CSV export read row by row and mapped into wabill's
/// columns. A row with the wrong number of fields is passed on as it is,
/// so that it is rejected with its line like any ragged row.
pub struct MappedCsv {
    pub name: String,
    reader: CsvReader,
    raw: csv::ByteRecord,
    /// Fields in the export's header.
    pub width: usize,
    row: Row,
    map: MapRow,
    problem: Option<String>,
}

impl MappedCsv {
    /// Opens `input` positioned at its header; returns the header keys
    /// (see `header_key`) for the caller to find its columns in.
    pub fn open(
        name: &str,
        input: Box<dyn BufRead>,
    ) -> Result<(CsvReader, Vec<String>), InputError> {
        let mut input = input;
        let head = input.fill_buf().map_err(|e| InputError::Io {
            file: name.to_string(),
            error: e,
        })?;
        let line = head.split(|b| *b == b'\n').next().unwrap_or(&[]);
        let delimiter = [b',', b';', b'\t']
            .into_iter()
            .max_by_key(|d| (line.iter().filter(|b| *b == d).count(), *d == b','))
            .unwrap_or(b',');
        let limit = super::bounded::DEFAULT_MAX_ROW_BYTES;
        let mut reader = super::bounded::BoundedCsv::new(input, delimiter, limit);
        let keys = reader
            .byte_headers()
            .map_err(|e| InputError::Csv {
                at: crate::location::Location::line(name.to_string(), 1),
                message: match e {
                    Some(e) => e.to_string(),
                    None => format!("the header is a {}", super::bounded::too_long(limit)),
                },
            })?
            .iter()
            .map(|h| header_key(&String::from_utf8_lossy(h)))
            .collect();
        Ok((reader, keys))
    }

    /// The reader of an export once its columns are found: checks that the
    /// header has the `required` ones (see `require_columns`), then maps
    /// each row with `map`, the header's width being that of `keys`.
    pub fn checked(
        name: &str,
        reader: CsvReader,
        export: &str,
        required: &[(&str, Option<usize>)],
        keys: &[String],
        map: MapRow,
    ) -> Result<Self, InputError> {
        require_columns(name, export, required, keys)?;
        Ok(MappedCsv::new(name, reader, keys.len(), map))
    }

    pub fn new(name: &str, reader: CsvReader, width: usize, map: MapRow) -> Self {
        MappedCsv {
            name: name.to_string(),
            reader,
            raw: csv::ByteRecord::new(),
            width,
            row: Row::default(),
            map,
            problem: None,
        }
    }

    /// The next row in wabill's columns; its 1-based line, or `None`.
    pub fn next_record(&mut self, record: &mut csv::ByteRecord) -> Result<Option<u64>, InputError> {
        loop {
            let read = self
                .reader
                .read(&mut self.raw)
                .map_err(|e| InputError::Csv {
                    at: crate::location::Location::line(
                        self.name.clone(),
                        self.reader.error_line(&e),
                    ),
                    message: e.to_string(),
                })?;
            let line = match read {
                super::bounded::Read1::End => return Ok(None),
                super::bounded::Read1::Record(line) => line,
                super::bounded::Read1::TooLong(line) => {
                    // An empty record: rejected with this reason.
                    record.clear();
                    self.raw.clear();
                    self.problem = Some(super::bounded::too_long(self.reader.limit()));
                    return Ok(Some(line));
                }
            };
            if self.raw.len() == 1 && self.raw[0].trim_ascii().is_empty() {
                continue;
            }
            if self.raw.len() != self.width {
                // An empty record: rejected with this reason.
                record.clear();
                self.problem = Some(format!(
                    "expected {} fields, found {}",
                    self.width,
                    self.raw.len()
                ));
                return Ok(Some(line));
            }
            self.row = Row::default();
            (self.map)(&Fields(&self.raw), &mut self.row).map_err(|error| InputError::Export {
                at: crate::location::Location::line(self.name.clone(), line)
                    .at_column(error.field().map(|i| i as u64 + 1)),
                error,
            })?;
            self.problem = self.row.write_to(record);
            return Ok(Some(line));
        }
    }

    pub fn bytes_read(&self) -> u64 {
        self.reader.bytes_read()
    }

    /// The bound on one row (`--max-row-bytes`).
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.reader.set_limit(limit);
        self
    }
}

/// Maps one JSON event of a provider's export into rows (none when the
/// event is not about a message); an `Err` stops the reading.
pub type MapEvent =
    Box<dyn FnMut(&serde_json::Value, &mut Vec<Row>) -> Result<(), MapError> + Send>;

/// A check at the end of a JSON export.
pub type EndCheck = Box<dyn FnMut() -> Result<(), MapError> + Send>;

/// Whether a JSON object is one of a provider's events.
pub type IsEvent = fn(&serde_json::Value) -> bool;

/// A provider's JSON event export (JSON lines, an array, or one object),
/// mapped into wabill's columns, one event in memory at a time. An object
/// that is not valid JSON becomes a row of the wrong width, rejected with
/// its line.
pub struct MappedJson {
    objects: JsonObjects,
    buf: Vec<u8>,
    /// `buf` with its fractional numbers as strings (`exact_numbers`).
    exact: Vec<u8>,
    rows: std::collections::VecDeque<(u64, Row)>,
    map: MapEvent,
    pending: Vec<Row>,
    end: Option<EndCheck>,
    /// Why the last record was made unusable, for its rejection.
    pub problem: Option<String>,
    /// The provider's name and what one of its events looks like: any
    /// other object is opened as an envelope, or rejected.
    events: Option<(&'static str, IsEvent)>,
    /// Events read out of envelopes, by key.
    unwrapped: super::envelope::Unwrapped,
}

impl MappedJson {
    pub fn new(name: &str, input: Box<dyn BufRead>, map: MapEvent) -> Self {
        MappedJson {
            objects: JsonObjects::new(name, input),
            buf: Vec::new(),
            exact: Vec::new(),
            rows: Default::default(),
            map,
            pending: Vec::new(),
            end: None,
            problem: None,
            events: None,
            unwrapped: Default::default(),
        }
    }

    /// What the provider's events look like (`provider` names it in a
    /// rejection): an object that is not one is looked into as an envelope
    /// (`envelope`), and rejected when it holds none.
    pub fn with_events(mut self, provider: &'static str, is_event: IsEvent) -> Self {
        self.events = Some((provider, is_event));
        self
    }

    /// The events of `value`: itself, or those of its envelope; a Twilio
    /// API object or an object holding no event is a rejected row.
    fn map_value(&mut self, value: serde_json::Value) -> Result<(), MapError> {
        use super::envelope::{self, Piece};
        let Some((provider, is_event)) = self.events else {
            return (self.map)(&value, &mut self.pending);
        };
        let rejected = |why: String| {
            let mut row = Row::default();
            row.reject(why);
            row
        };
        if is_event(&value) {
            return (self.map)(&value, &mut self.pending);
        }
        if envelope::is_twilio(&value) {
            self.pending.push(rejected(envelope::TWILIO.into()));
            return Ok(());
        }
        let either = |v: &serde_json::Value| is_event(v) || envelope::is_twilio(v);
        let Some((key, pieces)) = envelope::open(&value, &either) else {
            self.pending.push(rejected(format!(
                "no {provider} event in this object, nor inside it; its keys: {}",
                envelope::keys(&value)
            )));
            return Ok(());
        };
        envelope::count(&mut self.unwrapped, &key, &pieces);
        for piece in pieces {
            match piece {
                Piece::Event(v) if !is_event(&v) => {
                    self.pending.push(rejected(envelope::TWILIO.into()))
                }
                Piece::Event(v) => (self.map)(&v, &mut self.pending)?,
                Piece::Stray(why) => self.pending.push(rejected(format!("in {key}: {why}"))),
            }
        }
        Ok(())
    }

    /// A check run once at the end of the input (an `Err` is an error).
    pub fn with_end(mut self, end: EndCheck) -> Self {
        self.end = Some(end);
        self
    }

    pub fn next_record(&mut self, record: &mut csv::ByteRecord) -> Result<Option<u64>, InputError> {
        loop {
            if let Some((line, row)) = self.rows.pop_front() {
                self.problem = row.write_to(record);
                return Ok(Some(line));
            }
            let Some(line) = self.objects.next_object(&mut self.buf)? else {
                if let Some(mut end) = self.end.take() {
                    end().map_err(|error| InputError::WholeExport {
                        file: self.objects.name.clone(),
                        error,
                    })?;
                }
                return Ok(None);
            };
            // `buf` is one whole object (`JsonObjects`).
            exact_numbers(&self.buf, &mut self.exact);
            let value: serde_json::Value = match serde_json::from_slice(&self.exact) {
                Ok(v) => v,
                Err(e) => {
                    record.clear();
                    self.problem = Some(format!("not valid JSON: {e}"));
                    return Ok(Some(line));
                }
            };
            self.pending.clear();
            self.map_value(value).map_err(|error| InputError::Export {
                at: crate::location::Location::line(self.objects.name.clone(), line),
                error,
            })?;
            self.rows.extend(self.pending.drain(..).map(|r| (line, r)));
        }
    }

    pub fn bytes_read(&self) -> u64 {
        self.objects.bytes_read()
    }
}

impl Records for MappedCsv {
    fn next_record(&mut self, record: &mut csv::ByteRecord) -> Result<Option<u64>, InputError> {
        MappedCsv::next_record(self, record)
    }
    fn bytes_read(&self) -> u64 {
        MappedCsv::bytes_read(self)
    }
    fn take_problem(&mut self) -> Option<String> {
        self.problem.take()
    }
    /// The export's own fields.
    fn original(&self) -> Option<Original<'_>> {
        Some(Original::Fields(&self.raw))
    }
}

impl Records for MappedJson {
    fn next_record(&mut self, record: &mut csv::ByteRecord) -> Result<Option<u64>, InputError> {
        MappedJson::next_record(self, record)
    }
    fn bytes_read(&self) -> u64 {
        MappedJson::bytes_read(self)
    }
    fn take_problem(&mut self) -> Option<String> {
        self.problem.take()
    }
    /// The event the row came from (every row of an event is handed out
    /// before the next event is read).
    fn original(&self) -> Option<Original<'_>> {
        Some(Original::Text(&self.buf))
    }
    fn unwrapped(&self) -> super::envelope::Unwrapped {
        self.unwrapped.clone()
    }
}

/// The index of the first header key among `names`.
pub fn column(keys: &[String], names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| keys.iter().position(|k| k == n))
}

/// A JSON value as text: strings as they are, numbers and booleans as
/// written, anything else empty.
pub fn text(value: Option<&serde_json::Value>) -> String {
    match value {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

/// Every record of `records` as text, a rejected one as `rejected: why`
/// (the readers' unit tests).
#[cfg(test)]
pub(crate) fn read_all(records: &mut dyn Records) -> Result<Vec<Vec<String>>, InputError> {
    let mut record = csv::ByteRecord::new();
    let mut rows = Vec::new();
    while records.next_record(&mut record)?.is_some() {
        rows.push(match records.take_problem() {
            Some(p) => vec![format!("rejected: {p}")],
            None => record
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect(),
        });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(input: &str) -> Result<Vec<(u64, String)>, InputError> {
        let mut reader =
            JsonObjects::new("t.json", Box::new(std::io::Cursor::new(input.to_string())));
        let mut out = Vec::new();
        let mut all = Vec::new();
        while let Some(line) = reader.next_object(&mut out)? {
            all.push((line, String::from_utf8(out.clone()).unwrap()));
        }
        Ok(all)
    }

    #[test]
    fn splits_json_lines_arrays_and_single_objects() {
        let lines = objects("{\"a\":1}\n{\"b\":\"}{\\\"\"}\n\n{\"c\":[1,{\"d\":2}]}\n").unwrap();
        assert_eq!(
            lines,
            vec![
                (1, "{\"a\":1}".to_string()),
                (2, "{\"b\":\"}{\\\"\"}".to_string()),
                (4, "{\"c\":[1,{\"d\":2}]}".to_string()),
            ]
        );
        let array = objects("\u{feff}[\n {\"a\":1},\n {\"b\":2}\n]\n").unwrap();
        assert_eq!(
            array,
            vec![(2, "{\"a\":1}".into()), (3, "{\"b\":2}".into())]
        );
        assert_eq!(objects("{\"a\":\n1}").unwrap().len(), 1);
        let cut = objects("{\"a\":1}\n{\"b\":").unwrap_err().to_string();
        assert_eq!(
            cut,
            "t.json:2: a JSON object is cut off at the end of the file"
        );
        let junk = objects("{\"a\":1}\nnope").unwrap_err().to_string();
        assert!(
            junk.starts_with("t.json:2: expected a JSON object"),
            "{junk}"
        );
    }

    #[test]
    fn reads_numbers_prices_and_headers_as_providers_write_them() {
        assert_eq!(number(" whatsapp:+14155550101 "), "+14155550101");
        assert_eq!(number("WhatsApp:+4915"), "+4915");
        assert_eq!(number("+4915"), "+4915");
        assert_eq!(charge("-0.00500"), "0.00500");
        assert_eq!(charge("0.0118"), "0.0118");
        assert_eq!(header_key("\u{feff}Date Sent"), "datesent");
        assert_eq!(header_key("date_sent"), "datesent");
        assert_eq!(
            header_keys(b"\"Sid\";\"Date Sent\";To\nx"),
            ["sid", "datesent", "to"]
        );
        assert_eq!(first_object(b" [ {\"a\":1}"), Some(&b"{\"a\":1}"[..]));
        assert_eq!(first_object(b"timestamp,customer"), None);
    }

    /// An amount of 20 significant digits (a float keeps about 17) comes
    /// out of every JSON reader as written: Meta's reported cost in a
    /// webhook, a YCloud `totalPrice`, an Infobip `pricePerMessage`.
    #[test]
    fn twenty_digit_amounts_survive_every_json_reader() {
        use crate::input::{LogReader, ReadOptions, Source};
        let readers: [(&str, &str, Column); 3] = [
            (
                "webhooks",
                r#"{"metadata":{"phone_number_id":"B1"},"statuses":[{"id":"w1","status":"delivered","timestamp":"1780000000","recipient_id":"5511987650001","pricing":{"type":"regular","category":"marketing_lite","cost":{"amount":AMOUNT,"currency":"USD"}}}]}"#,
                Column::CostAmount,
            ),
            (
                "ycloud",
                r#"{"id":"e1","type":"whatsapp.message.updated","apiVersion":"v2","createTime":"2026-02-10T08:05:00.000Z","whatsappMessage":{"id":"y1","wamid":"wamid.1","wabaId":"W","from":"+551140000001","to":"+919810000010","type":"text","status":"delivered","sendTime":"2026-02-10T08:05:00.000Z","pricingCategory":"service","totalPrice":AMOUNT,"currency":"USD"}}"#,
                Column::ProviderPrice,
            ),
            (
                "infobip",
                r#"{"results":[{"from":"919810000010","to":"551140000001","integrationType":"WHATSAPP","receivedAt":"2026-02-10T08:00:00.000+0000","messageId":"ib-1","message":{"type":"TEXT","text":"Hello"},"price":{"pricePerMessage":AMOUNT,"currency":"USD"}}],"messageCount":1,"pendingMessageCount":0}"#,
                Column::ProviderPrice,
            ),
        ];
        for amount in [
            "12345678.901234567891",
            "12345678901234567891",
            "0.12345678901234567891",
        ] {
            for (format, event, column) in readers {
                let text = event.replace("AMOUNT", amount);
                let source = Source::Bytes(text.as_bytes().into());
                let mut reader = LogReader::open(&source, &ReadOptions::default()).unwrap();
                assert_eq!(reader.format.name, format);
                let mut record = csv::ByteRecord::new();
                reader.next_record(&mut record).unwrap().unwrap();
                let got = String::from_utf8_lossy(reader.columns.field(&record, column));
                assert_eq!(got, amount, "{format}");
            }
        }
    }
}
