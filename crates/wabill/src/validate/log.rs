//! Reading a whole log (several files or stdin) into time-ordered messages.
//!
//! Pricing needs time order per business × customer and, for monthly
//! counters, across the log, so rows are validated into small `Message`s,
//! sorted, and rows that share a `message_id` (status events, webhook
//! retries) are collapsed into one message.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use super::{Rejection, Strings, Validator};
use crate::input::{Column, Columns, InputError, LogReader, Original, ReadOptions, Source};
use crate::location::Location;
use crate::model::{Message, MessageKey, SourcePos};

/// How many (business, number) pairs reading remembers as noted.
const NOTED_NUMBERS: usize = 64;

/// Receives every rejected row as soon as it is found, with the record as
/// its source wrote it when there is one (for `--rejects`).
pub trait RejectSink {
    fn reject(&mut self, rejection: &Rejection, record: Option<Original<'_>>);
}

impl<F: FnMut(&Rejection, Option<Original<'_>>)> RejectSink for F {
    fn reject(&mut self, rejection: &Rejection, record: Option<Original<'_>>) {
        self(rejection, record)
    }
}

/// The row accounting of reading: rows read = messages + merged + rejected.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct LogStats {
    pub rows_read: u64,
    pub rejected: u64,
    /// Rows folded into an earlier row of the same message (status events,
    /// exact duplicates).
    pub merged: u64,
    /// The phone numbers each business's rows show (`business_number`), by
    /// business key: reports name a business by its number (`business`
    /// may be an id). Few businesses, few numbers each.
    #[serde(skip)]
    pub business_numbers: BTreeMap<String, BTreeSet<String>>,
    /// Events read out of envelopes, by the envelope's key (part of
    /// `rows_read` as the rows they give).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unwrapped: BTreeMap<String, u64>,
    /// Rows of another channel (`kind` = `sms`: an SMS in a Twilio log):
    /// counted, never priced.
    pub not_whatsapp: u64,
    /// The kept tag columns some file has (`Columns::tags`).
    #[serde(skip)]
    pub tag_columns: BTreeSet<String>,
}

impl LogStats {
    /// Notes that a row of `business` shows the phone number `raw`.
    fn business_number(&mut self, business: &str, raw: &[u8]) {
        let raw = String::from_utf8_lossy(raw);
        let number = raw.trim();
        if number.is_empty() {
            return;
        }
        // Meta writes it as digits: shown the international way.
        let number = if number.bytes().all(|b| b.is_ascii_digit()) {
            format!("+{number}")
        } else {
            number.to_string()
        };
        // A business keyed by its number already shows it.
        let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
        if digits(&number) != digits(business) {
            self.business_numbers
                .entry(business.to_string())
                .or_default()
                .insert(number);
        }
    }
}

#[derive(Debug, Default)]
pub struct Log {
    /// In pricing order.
    pub messages: Vec<Message>,
    pub strings: Strings,
    pub files: Vec<String>,
    /// The reader of each file (`input::Format::name`).
    pub formats: Vec<&'static str>,
    /// Each file's columns, for the column numbers of diagnostics.
    pub columns: Vec<Columns>,
    pub stats: LogStats,
    /// Meta's decisions, when the log carries them and ids are kept.
    pub meta: crate::model::MetaDecisions,
}

impl Log {
    /// Where a message's row is, pointing at `column` when its file has
    /// header positions.
    pub fn location(&self, pos: SourcePos, column: Option<Column>) -> Location {
        let file = pos.file as usize;
        Location::line(&self.files[file], pos.line)
            .at_column(column.and_then(|c| self.columns.get(file).and_then(|cols| cols.number(c))))
    }
}

/// Receives each validated message; may stop the reading.
pub type MessageSink<'f, B> =
    dyn FnMut(Message, &mut Validator, &mut Log, &mut dyn RejectSink) -> ControlFlow<B> + 'f;

/// Reads every row of every source in order, handing each validated message
/// to `each` and each rejected row to `sink`. `each` may stop the pass early
/// (the streaming engine does when the input is not in time order).
pub fn read_rows<B>(
    sources: &[Source],
    options: &ReadOptions,
    validator: &mut Validator,
    log: &mut Log,
    sink: &mut dyn RejectSink,
    progress: &mut dyn FnMut(u64, u64),
    each: &mut MessageSink<'_, B>,
) -> Result<ControlFlow<B>, InputError> {
    let mut record = csv::ByteRecord::new();
    let mut bytes_before = 0;
    // The (business, number) pairs already noted: few businesses, few
    // numbers each, and webhook rows interleave them (one remembered pair
    // missed most rows, each then costing three strings).
    let mut noted: Vec<(u32, Vec<u8>)> = Vec::new();
    // A new pass: what readers join across files starts afresh.
    options.joins.reset();
    validator.naive_tz = options.naive_tz.clone();
    for (file, source) in sources.iter().enumerate() {
        let mut reader = LogReader::open(source, options)?;
        log.files.push(reader.name.clone());
        log.formats.push(reader.format.name);
        log.columns.push(reader.columns.clone());
        log.stats
            .tag_columns
            .extend(reader.columns.tags().iter().map(|(_, n)| n.to_string()));
        let file = file as u32;
        // The row's place among the rows of its line (see `SourcePos`).
        let mut at = RowCounter::default();
        while let Some(line) = reader.next_record(&mut record)? {
            let row = at.next(line);
            // A blank line (a lone `\r` in a CRLF file) is not a row.
            if record.len() == 1 && record[0].trim_ascii().is_empty() {
                continue;
            }
            log.stats.rows_read += 1;
            if log.stats.rows_read.is_multiple_of(65_536) {
                progress(bytes_before + reader.bytes_read(), log.stats.rows_read);
            }
            if record.len() == reader.width
                && reader
                    .columns
                    .field(&record, Column::Kind)
                    .trim_ascii()
                    .eq_ignore_ascii_case(crate::input::twilio::NOT_WHATSAPP.as_bytes())
            {
                log.stats.not_whatsapp += 1;
                continue;
            }
            let mut rejection = if record.len() != reader.width {
                Rejection {
                    at: Location::line(&reader.name, line),
                    column: None,
                    value: String::new(),
                    reason: reader.take_problem().unwrap_or_else(|| {
                        format!("expected {} fields, found {}", reader.width, record.len())
                    }),
                }
            } else if let Some((i, rows)) = reader.delimiter.and_then(|d| {
                swallowed_rows(
                    &record,
                    d,
                    reader.width,
                    reader.columns.get(Column::Timestamp),
                )
            }) {
                Rejection {
                    at: Location::line(&reader.name, line)
                        .at_column(reader.columns.number_of_field(i)),
                    column: Some(reader.headers[i].clone()),
                    value: super::shown_value(&record[i]),
                    reason: format!(
                        "a quoted value holds {} like rows",
                        crate::display::plural_of(
                            rows as u64,
                            "more line that looks",
                            "more lines that look"
                        ),
                    ),
                }
            } else {
                match validator.message(&record, &reader.columns, SourcePos { file, line, row }) {
                    Ok(m) => {
                        let number = reader.columns.field(&record, Column::BusinessNumber);
                        if !number.is_empty()
                            && !noted
                                .iter()
                                .any(|(b, n)| (*b, n.as_slice()) == (m.business, number))
                        {
                            let business = validator.strings.businesses.get(m.business);
                            log.stats.business_number(business, number);
                            if noted.len() < NOTED_NUMBERS {
                                noted.push((m.business, number.to_vec()));
                            }
                        }
                        let mut current = CurrentRow {
                            sink: &mut *sink,
                            record: &record,
                            reader: &reader,
                            columns: &reader.columns,
                            line,
                        };
                        if let ControlFlow::Break(b) = each(m, validator, log, &mut current) {
                            return Ok(ControlFlow::Break(b));
                        }
                        continue;
                    }
                    Err(e) => Rejection {
                        at: Location::line(&reader.name, line)
                            .at_column(reader.columns.number(e.column)),
                        column: Some(e.column.name().to_string()),
                        value: e.value,
                        reason: e.reason,
                    },
                }
            };
            if let Some(hint) = multi_line_hint(&record, line, &rejection) {
                rejection.reason.push_str(&hint);
            }
            log.stats.rejected += 1;
            sink.reject(&rejection, Some(reader.original(&record)));
        }
        for (key, n) in reader.unwrapped() {
            *log.stats.unwrapped.entry(key).or_default() += n;
        }
        bytes_before += reader.bytes_read();
        progress(bytes_before, log.stats.rows_read);
    }
    options.joins.finish()?;
    Ok(ControlFlow::Continue(()))
}

/// A quote left open joins the lines after it into one row, which then
/// has too few fields or a value with line breaks in it: say which lines
/// the row took, so that no silently swallowed row goes unnoticed.
fn multi_line_hint(record: &csv::ByteRecord, line: u64, rejection: &Rejection) -> Option<String> {
    let breaks = record
        .iter()
        .map(|f| f.trim_ascii_end().iter().filter(|b| **b == b'\n').count() as u64)
        .sum::<u64>();
    let suspicious = rejection.column.is_none() || rejection.value.contains('\n');
    (breaks > 0 && suspicious).then(|| {
        format!(
            " (this row runs over lines {line}–{}: is a closing quote missing?)",
            line + breaks
        )
    })
}

/// The first field whose line breaks are followed by lines that would
/// parse as rows (a row's worth of delimiters and a timestamp where the
/// timestamp column is), and how many: rows swallowed by a quote left open,
/// in a column wabill may not even read. A well-formed quoted line break
/// (an address, a message text such as "Items: a, b, c") is not a row.
fn swallowed_rows(
    record: &csv::ByteRecord,
    delimiter: u8,
    width: usize,
    timestamp: Option<usize>,
) -> Option<(usize, usize)> {
    // Almost no record holds a line break: one scan of its bytes decides.
    if width < 2 || !record.as_slice().contains(&b'\n') {
        return None;
    }
    record.iter().enumerate().find_map(|(i, field)| {
        let rows = field
            .split(|b| *b == b'\n')
            .skip(1)
            .filter(|line| line.iter().filter(|b| **b == delimiter).count() >= width - 1)
            .filter(|line| {
                let at = timestamp.and_then(|t| line.split(|b| *b == delimiter).nth(t));
                at.and_then(|v| std::str::from_utf8(v).ok())
                    .is_some_and(|v| super::timestamp::parse_timestamp(v.trim()).is_ok())
            })
            .count();
        (rows > 0).then_some((i, rows))
    })
}

/// The sink handed to `read_rows`'s `each`: a rejection of the row being
/// read (an id conflict found while streaming) gets that row verbatim, and
/// its id's text when the validator does not keep id texts.
struct CurrentRow<'s, 'r> {
    sink: &'s mut dyn RejectSink,
    record: &'r csv::ByteRecord,
    /// For the record as its source wrote it (asked only on a rejection).
    reader: &'r LogReader,
    columns: &'r Columns,
    line: u64,
}

impl RejectSink for CurrentRow<'_, '_> {
    fn reject(&mut self, rejection: &Rejection, record: Option<Original<'_>>) {
        if record.is_some() || rejection.at.line != self.line {
            return self.sink.reject(rejection, record);
        }
        let mut rejection = rejection.clone();
        fill_id(&mut rejection, self.record, self.columns);
        self.sink
            .reject(&rejection, Some(self.reader.original(self.record)));
    }
}

/// Names the id of an id-conflict rejection, and its column, from the row
/// itself.
fn fill_id(rejection: &mut Rejection, record: &csv::ByteRecord, columns: &Columns) {
    if rejection.column.as_deref() != Some(Column::MessageId.name()) {
        return;
    }
    if rejection.value.is_empty() {
        rejection.value = super::shown_value(columns.field(record, Column::MessageId));
    }
    if rejection.at.column.is_none() {
        rejection.at.column = columns.number(Column::MessageId);
    }
}

/// Messages whose customers `read_log` looks up at once.
const CUSTOMER_BATCH: usize = 1024;

/// The straightforward path: every message in memory, sorted, status
/// events collapsed. Any row order gives the same log.
pub fn read_log(
    sources: &[Source],
    options: &ReadOptions,
    keep_ids: bool,
    sink: &mut dyn RejectSink,
    progress: &mut dyn FnMut(u64, u64),
) -> Result<Log, InputError> {
    // Standard input and pipes cannot be read again for the ids of
    // conflicting rows (see `report_conflicts`), so their texts are kept.
    let mut validator = Validator::new(keep_ids || !sources.iter().all(Source::rereadable));
    // Customers are looked up in batches (see `Validator::defer_customers`):
    // the lookups, a cache miss each in a table of many customers, overlap.
    validator.defer_customers();
    let mut log = Log::default();
    let mut messages = Vec::new();
    let mut resolved = 0;
    let ControlFlow::Continue(()) = read_rows::<std::convert::Infallible>(
        sources,
        options,
        &mut validator,
        &mut log,
        sink,
        progress,
        &mut |m, validator, _, _| {
            messages.push(m);
            if messages.len() - resolved >= CUSTOMER_BATCH {
                validator.resolve_customers(&mut messages[resolved..]);
                resolved = messages.len();
            }
            ControlFlow::Continue(())
        },
    )?;
    validator.resolve_customers(&mut messages[resolved..]);
    log.messages = messages;
    log.strings = validator.strings;
    log.meta = validator.meta;
    sort_log(&mut log.messages, &log.strings);
    let conflicts = collapse_status_events(&mut log);
    report_conflicts(sources, options, conflicts, sink);
    Ok(log)
}

/// Reports rows rejected for reusing a message id, in file order, each with
/// its row verbatim and its id's text. Those are found only after sorting,
/// when the records are gone, so the files are read again for those lines
/// (standard input and pipes cannot be, and their rejections keep what is
/// known).
pub fn report_conflicts(
    sources: &[Source],
    options: &ReadOptions,
    mut conflicts: Vec<(SourcePos, Rejection)>,
    sink: &mut dyn RejectSink,
) {
    conflicts.sort_by_key(|(pos, _)| *pos);
    let mut record = csv::ByteRecord::new();
    for chunk in conflicts.chunk_by(|a, b| a.0.file == b.0.file) {
        let source = &sources[chunk[0].0.file as usize];
        let mut reader = source
            .rereadable()
            .then(|| LogReader::open(source, options).ok())
            .flatten();
        // Rows are counted as `read_rows` counts them: a line of a webhook
        // file may hold several, and only one of them is the conflict.
        let mut at = RowCounter::default();
        for (pos, rejection) in chunk {
            let found = reader.as_mut().and_then(|r| {
                while let Ok(Some(line)) = r.next_record(&mut record) {
                    let here = (line, at.next(line));
                    if here >= (pos.line, pos.row) {
                        return (here == (pos.line, pos.row)).then_some(&*r);
                    }
                }
                None
            });
            match found {
                Some(r) => {
                    let mut rejection = rejection.clone();
                    fill_id(&mut rejection, &record, &r.columns);
                    sink.reject(&rejection, Some(r.original(&record)));
                }
                None => sink.reject(rejection, None),
            }
        }
    }
}

/// Numbers the records a reader hands out by their place on their line.
#[derive(Default)]
struct RowCounter {
    line: u64,
    row: u32,
}

impl RowCounter {
    /// The place on `line` of a record read from it (0 for the first).
    fn next(&mut self, line: u64) -> u32 {
        if line == self.line {
            self.row += 1;
        } else {
            (self.line, self.row) = (line, 0);
        }
        self.row
    }
}

/// Time order, inbound first at equal times, then content, so the order of
/// rows and files never changes the result.
pub fn sort_log(messages: &mut [Message], strings: &Strings) {
    // `log_order` is total (the source position breaks every tie), so an
    // unstable sort gives the same order, without a second buffer.
    let Ok(n) = u32::try_from(messages.len()) else {
        messages.sort_unstable_by(|a, b| log_order(a, b, strings));
        return;
    };
    // Sorting 16-byte integer keys (time and direction, then the row's
    // index) and moving each message once is several times cheaper than
    // sorting the messages with `log_order`: most comparisons end at the
    // time, and a key compares without touching the message or strings.
    let mut keys: Vec<u128> = messages
        .iter()
        .zip(0..n)
        .map(|(m, i)| time_key(m) << 32 | u128::from(i))
        .collect();
    keys.sort_unstable();
    permute(messages, &mut keys);
    drop(keys);
    // Rows at the same time and direction: the rest of `log_order`.
    for run in messages.chunk_by_mut(|a, b| a.order_key() == b.order_key()) {
        if run.len() > 1 {
            run.sort_unstable_by(|a, b| log_order(a, b, strings));
        }
    }
}

/// `Message::order_key` as an integer of the same order (65 bits): the
/// time with its sign bit flipped, then the direction (inbound first).
fn time_key(m: &Message) -> u128 {
    let at = (m.at.as_micros() as u64) ^ (1 << 63);
    u128::from(at) << 1 | u128::from(m.direction == crate::model::Direction::Out)
}

/// Puts `messages[keys[i] as u32]` at `i` for every `i`, in place, by
/// following the permutation's cycles (`keys` is used up as the marks): no
/// second buffer of messages.
fn permute(messages: &mut [Message], keys: &mut [u128]) {
    const DONE: u128 = u128::MAX;
    for start in 0..keys.len() {
        if keys[start] == DONE {
            continue;
        }
        let first = messages[start];
        let mut at = start;
        loop {
            let from = keys[at] as u32 as usize;
            keys[at] = DONE;
            if from == start {
                messages[at] = first;
                break;
            }
            messages[at] = messages[from];
            at = from;
        }
    }
}

/// The total order of messages in a priced log (see `sort_log`).
pub fn log_order(a: &Message, b: &Message, strings: &Strings) -> Ordering {
    a.order_key()
        .cmp(&b.order_key())
        .then_with(|| compare_content(a, b, strings))
        .then_with(|| a.source.cmp(&b.source))
}

fn compare_content(a: &Message, b: &Message, s: &Strings) -> Ordering {
    let business = if a.business == b.business {
        Ordering::Equal
    } else {
        s.businesses
            .get(a.business)
            .cmp(s.businesses.get(b.business))
    };
    business
        .then_with(|| s.customers.cmp(a.customer, b.customer))
        .then_with(|| a.category.cmp(&b.category))
        .then_with(|| a.status.cmp(&b.status))
        .then_with(|| a.message_id.cmp(&b.message_id))
        .then_with(|| (a.entry_point, a.country).cmp(&(b.entry_point, b.country)))
}

/// Another row of the same message id belongs to a different message.
pub struct IdConflict;

/// Folds `later`, a row after `head` in log order sharing its message id,
/// into `head`: delivery wins over failure over sent, and the first row
/// that gives a category or country gives it.
pub fn absorb(head: &mut Message, later: &Message) -> Result<(), IdConflict> {
    if (
        head.business,
        head.customer,
        head.direction,
        head.extras.group(),
    ) != (
        later.business,
        later.customer,
        later.direction,
        later.extras.group(),
    ) {
        return Err(IdConflict);
    }
    // Meta's cost comes on the delivered or read status.
    head.extras.absorb(&later.extras);
    head.status = head.status.merge(later.status);
    head.category = head.category.or(later.category);
    head.entry_point |= later.entry_point;
    head.country = head.country.or(later.country);
    // The first row with tags gives them (a status row rarely has any).
    if head.tags == 0 {
        head.tags = later.tags;
    }
    Ok(())
}

/// The rejection of a row whose id belongs to another message.
pub fn id_conflict(
    files: &[String],
    strings: &Strings,
    row: &Message,
    head: &Message,
) -> Rejection {
    let id = row.message_id.map_or("", |k| strings.message_ids.get(k));
    Rejection {
        at: Location::line(&files[row.source.file as usize], row.source.line),
        column: Some("message_id".into()),
        value: id.to_string(),
        reason: format!(
            "already used by a different message at {}",
            Location::line(&files[head.source.file as usize], head.source.line)
        ),
    }
}

/// Rows sharing a `message_id` are one message: the earliest row gives its
/// time, and the statuses merge (delivery wins over failure over sent).
/// A row reusing an id for a different business, customer or direction is
/// rejected rather than silently merged; those rejections are returned.
fn collapse_status_events(log: &mut Log) -> Vec<(SourcePos, Rejection)> {
    // Rows of one id, found by sorting (id, position) pairs: a fraction of
    // the memory of a hash map over every id, and no random access.
    let mut ids: Vec<(MessageKey, usize)> = log
        .messages
        .iter()
        .enumerate()
        .filter_map(|(i, m)| m.message_id.map(|id| (id, i)))
        .collect();
    ids.sort_unstable();
    let mut folded = vec![false; log.messages.len()];
    let mut conflicts = Vec::new();
    for rows in ids.chunk_by(|a, b| a.0 == b.0) {
        // Positions ascend: the head is the row first in log order.
        let head = rows[0].1;
        for &(_, i) in &rows[1..] {
            let m = log.messages[i];
            folded[i] = true;
            match absorb(&mut log.messages[head], &m) {
                Ok(()) => log.stats.merged += 1,
                Err(IdConflict) => {
                    log.stats.rejected += 1;
                    let head = &log.messages[head];
                    conflicts.push((m.source, id_conflict(&log.files, &log.strings, &m, head)));
                }
            }
        }
    }
    let mut position = 0;
    log.messages.retain(|_| {
        position += 1;
        !folded[position - 1]
    });
    conflicts
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn read_bytes(bytes: &[u8], tag: &str) -> Result<Log, InputError> {
        let path =
            std::env::temp_dir().join(format!("wabill-log-{}-{tag}.csv", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        let mut rejected = 0u64;
        let log = read_log(
            &[Source::Path(path.clone())],
            &ReadOptions::default(),
            true,
            &mut |_: &Rejection, _: Option<Original<'_>>| rejected += 1,
            &mut |_, _| {},
        );
        std::fs::remove_file(&path).ok();
        if let Ok(log) = &log {
            assert_eq!(
                log.stats.rejected, rejected,
                "every rejection reaches the sink"
            );
        }
        log
    }

    const HEADER: &str = "timestamp,customer,direction,category,message_id,status,entry_point\n";

    /// A rejected record's fields (a JSON text as one), as text.
    fn texts(rec: Original<'_>) -> Vec<String> {
        let text = |f: &[u8]| String::from_utf8_lossy(f).into_owned();
        match rec {
            Original::Fields(r) => r.iter().map(text).collect(),
            Original::Text(t) => vec![text(t)],
        }
    }

    /// Each rejection with its record's fields, as text.
    type Seen = Vec<(Rejection, Option<Vec<String>>)>;

    fn read_memory(text: &str, keep_ids: bool) -> (Log, Seen) {
        let mut seen = Vec::new();
        let log = read_log(
            &[Source::Bytes(text.as_bytes().into())],
            &ReadOptions::default(),
            keep_ids,
            &mut |r: &Rejection, rec: Option<Original<'_>>| {
                seen.push((r.clone(), rec.map(texts)));
            },
            &mut |_, _| {},
        )
        .unwrap();
        (log, seen)
    }

    #[test]
    fn a_rejected_customer_message_says_its_window_is_lost() {
        let text = format!(
            "{HEADER}2026-02-02T10:00:00,+5511987650001,in,,,,\n\
             2026-02-02T10:00:00,+5511987650001,out,utility,,,\n"
        );
        let (_, seen) = read_memory(&text, false);
        let reasons: Vec<_> = seen.iter().map(|(r, _)| r.reason.as_str()).collect();
        assert_eq!(reasons.len(), 2);
        assert!(
            reasons[0].ends_with(super::super::INBOUND_LOST),
            "{}",
            reasons[0]
        );
        assert!(!reasons[1].contains("window"), "{}", reasons[1]);
    }

    const CONFLICT: &str = "timestamp,customer,direction,category,message_id\n\
        2026-02-02T10:00:05Z,+5511987650002,out,utility,dup\n\
        2026-02-02T10:00:00Z,+5511987650001,out,utility,dup\n";

    /// A row reusing another message's id is rejected naming the id, with
    /// the row verbatim, whether or not id texts are kept.
    #[test]
    fn id_conflicts_name_the_id_and_keep_the_row() {
        for keep_ids in [false, true] {
            let (log, seen) = read_memory(CONFLICT, keep_ids);
            assert_eq!(log.messages.len(), 1);
            assert_eq!(log.stats.rejected, 1);
            let [(r, fields)] = &seen[..] else {
                panic!("one rejection: {seen:?}")
            };
            assert_eq!(
                r.to_string(),
                "<memory>:2:5: message_id \"dup\": already used by a different message at <memory>:3"
            );
            assert_eq!(
                fields.as_deref(),
                Some(
                    &[
                        "2026-02-02T10:00:05Z",
                        "+5511987650002",
                        "out",
                        "utility",
                        "dup"
                    ]
                    .map(String::from)[..]
                )
            );
        }
    }

    /// A webhook line holding several statuses: the conflict named is the
    /// status that reuses the id, not the line's first one.
    #[test]
    fn id_conflicts_on_a_line_of_several_rows_name_their_own_row() {
        let status = |id: &str, at: u64, to: &str| {
            format!(
                r#"{{"id":"{id}","status":"delivered","timestamp":"{at}","recipient_id":"{to}","pricing":{{"category":"utility"}}}}"#
            )
        };
        let line = |statuses: &[String]| {
            format!(
                r#"{{"metadata":{{"phone_number_id":"B1"}},"statuses":[{}]}}"#,
                statuses.join(",")
            )
        };
        let text = format!(
            "{}\n{}\n",
            line(&[status("wamid.A", 1750000000, "5511987650001")]),
            line(&[
                status("wamid.B", 1750000100, "5511987650002"),
                status("wamid.A", 1750000200, "5511987650003"),
                status("wamid.C", 1750000300, "5511987650004"),
            ]),
        );
        for keep_ids in [false, true] {
            let (log, seen) = read_memory(&text, keep_ids);
            assert_eq!(log.messages.len(), 3, "keep_ids {keep_ids}");
            let [(r, fields)] = &seen[..] else {
                panic!("one rejection: {seen:?}")
            };
            assert_eq!(r.value, "wamid.A", "keep_ids {keep_ids}: {r}");
            assert_eq!(r.at.line, 2);
            assert!(
                r.reason.ends_with("at <memory>:1"),
                "keep_ids {keep_ids}: {r}"
            );
            let notification = fields.as_deref().unwrap();
            assert!(notification[0].contains("wamid.B"), "{notification:?}");
        }
    }

    /// A webhook's `deleted` status (the customer deleted their message)
    /// merges into that inbound message, and a `warning` status into its
    /// outbound message without undoing its delivery: neither is a new
    /// message nor a rejected row.
    #[test]
    fn deleted_and_warning_statuses_merge_into_their_messages() {
        let meta = r#""metadata":{"phone_number_id":"B1"}"#;
        let text = [
            format!(
                r#"{{{meta},"messages":[{{"from":"5511987650001","id":"wamid.in","timestamp":"1750000000","type":"text"}}]}}"#
            ),
            format!(
                r#"{{{meta},"statuses":[{{"id":"wamid.out","status":"delivered","timestamp":"1750000060","recipient_id":"5511987650001","pricing":{{"category":"marketing","type":"regular"}}}}]}}"#
            ),
            format!(
                r#"{{{meta},"statuses":[{{"id":"wamid.out","status":"warning","timestamp":"1750000070","recipient_id":"5511987650001"}},{{"id":"wamid.in","status":"deleted","timestamp":"1750000090","recipient_id":"5511987650001"}}]}}"#
            ),
        ]
        .join("\n");
        let (log, seen) = read_memory(&text, false);
        assert!(seen.is_empty(), "{seen:?}");
        assert_eq!(log.stats.rows_read, 4);
        assert_eq!(log.stats.merged, 2);
        let [inbound, outbound] = &log.messages[..] else {
            panic!("two messages: {:?}", log.messages)
        };
        assert_eq!(inbound.direction, crate::model::Direction::In);
        assert!(
            inbound.at < outbound.at,
            "the message's own time, not its deletion's"
        );
        assert_eq!(outbound.direction, crate::model::Direction::Out);
        assert_eq!(outbound.status, crate::model::Status::Delivered);
    }

    /// The streaming engine finds the same conflict while reading the row.
    #[test]
    fn streamed_id_conflicts_name_the_id_and_keep_the_row() {
        let sorted = "timestamp,customer,direction,category,message_id\n\
            2026-02-02T10:00:00Z,+5511987650001,out,utility,dup\n\
            2026-02-02T10:00:05Z,+5511987650002,out,utility,dup\n";
        let mut validator = Validator::new(false);
        let mut log = Log::default();
        let mut settler = super::super::Settler::new(crate::model::Span::ZERO);
        let mut links = super::super::IdLinks::new(crate::model::Span::ZERO);
        let mut ids = super::super::SeenIds::default();
        let mut seen = Vec::new();
        let mut sink = |r: &Rejection, rec: Option<Original<'_>>| {
            seen.push((r.to_string(), rec.map(|rec| texts(rec).len())));
        };
        let flow = read_rows::<super::super::Unstreamable>(
            &[Source::Bytes(sorted.as_bytes().into())],
            &ReadOptions::default(),
            &mut validator,
            &mut log,
            &mut sink,
            &mut |_, _| {},
            &mut |m, validator, log, sink| {
                let Log { files, stats, .. } = log;
                let first = links.link(&m, ids.first(&m));
                match settler.push(
                    m,
                    first,
                    stats,
                    files,
                    &validator.strings,
                    sink,
                    &mut |_| {},
                ) {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(why) => ControlFlow::Break(why),
                }
            },
        )
        .unwrap();
        assert!(flow.is_continue());
        assert_eq!(
            seen,
            [(
                "<memory>:3:5: message_id \"dup\": already used by a different message at <memory>:2"
                    .to_string(),
                Some(5)
            )]
        );
    }

    /// Meta's digits get a `+`; a number that is the business key itself
    /// adds nothing; several numbers are all kept, in order.
    #[test]
    fn business_numbers_are_kept_per_business() {
        let mut stats = LogStats::default();
        stats.business_number("1065", b" 15550001111 ");
        stats.business_number("1065", b"+44 20 7946 0000");
        stats.business_number("1065", b"15550001111");
        stats.business_number("15550100", b"+1 (555) 0100");
        stats.business_number("2", b"");
        let shown: Vec<(&str, Vec<&str>)> = stats
            .business_numbers
            .iter()
            .map(|(b, n)| (b.as_str(), n.iter().map(String::as_str).collect()))
            .collect();
        assert_eq!(shown, [("1065", vec!["+15550001111", "+44 20 7946 0000"])]);
    }

    /// An unclosed quote swallows the rows after it into one: the rejection
    /// says which lines it took.
    #[test]
    fn an_unclosed_quote_names_the_lines_it_swallowed() {
        let text = format!(
            "{HEADER}2026-02-02T10:00:00Z,\"+5511987650001,out,utility,a,,\n\
             2026-02-02T11:00:00Z,+5511987650001,out,utility,b,,\n\
             2026-02-02T12:00:00Z,+5511987650001,out,utility,c,,\n"
        );
        let (log, seen) = read_memory(&text, false);
        assert_eq!(log.stats.rows_read, 1);
        assert_eq!(
            seen[0].0.to_string(),
            "<memory>:2: expected 7 fields, found 2 \
             (this row runs over lines 2–4: is a closing quote missing?)"
        );
        // In the last column the swallowed lines become one long value.
        // In the last column, even one wabill ignores on outbound messages,
        // the swallowed lines make a value with the right number of fields.
        let text = format!(
            "{HEADER}2026-02-02T10:00:00Z,+5511987650001,out,utility,a,sent,\"no\n\
             2026-02-02T11:00:00Z,+5511987650001,out,utility,b,,\n\
             2026-02-02T12:00:00Z,+5511987650001,out,utility,c,,\n"
        );
        let (log, seen) = read_memory(&text, false);
        assert_eq!(log.stats.rows_read, 1);
        assert_eq!(log.messages.len(), 0);
        assert_eq!(
            seen[0].0.to_string(),
            "<memory>:2:7: entry_point \"no\\n2026-02-02T11:00:00Z,+5511987650001,out,utility,b,,\\n2026-02-02T12:00:00Z,+551… (106 bytes)\": \
             a quoted value holds 2 more lines that look like rows \
             (this row runs over lines 2–4: is a closing quote missing?)"
        );
        // A quoted line break in a well-formed row is no problem, even
        // with a delimiter or two after it.
        let text = format!(
            "{HEADER}2026-02-02T10:00:00Z,+5511987650001,out,utility,a,sent,\"x\ny, z, w\"\n"
        );
        let (log, seen) = read_memory(&text, false);
        assert!(seen.is_empty(), "{seen:?}");
        assert_eq!(log.messages.len(), 1);
        // Nor is a message text whose second line has a row's worth of
        // commas but no timestamp where a row has one.
        let text = "timestamp,customer,direction,category,text\n\
             2026-02-02T10:00:00Z,+5511987650001,out,utility,\"Promo!\nItems: a, b, c, d, e\"\n";
        let (log, seen) = read_memory(text, false);
        assert!(seen.is_empty(), "{seen:?}");
        assert_eq!(log.messages.len(), 1);
    }

    /// Diagnostics quote a long value's start and length, not all of it.
    #[test]
    fn long_values_are_cut_in_diagnostics() {
        let long = "m".repeat(100_000);
        let text = format!("{HEADER}2026-02-02T10:00:00Z,+5511987650001,out,{long},a,,\n");
        let (_, seen) = read_memory(&text, false);
        let (r, fields) = &seen[0];
        assert_eq!(r.value, format!("{}… (100000 bytes)", "m".repeat(80)));
        assert_eq!(
            fields.as_ref().unwrap()[3].len(),
            100_000,
            "--rejects keeps it all"
        );
        assert_eq!(super::super::shown_value(" é ".as_bytes()), "é");
    }

    /// Messages from few values each, so that many share a time and
    /// direction and the rest of `log_order` decides.
    /// Time, outbound, then business, customer, category, status, id and
    /// position choices.
    type Row = (i64, bool, u8, u8, u8, u8, u8, u32);

    fn tied_messages(rows: &[Row], strings: &mut Strings) -> Vec<Message> {
        use crate::model::{Category, Direction, Extras, Instant, Status};
        let businesses = ["15550100002", "b", "15550100001"].map(|b| strings.businesses.intern(b));
        let customers = ["5511987650001", "551198765", "919004337", "user.x", "0123"]
            .map(|c| strings.customers.intern(c));
        rows.iter()
            .map(|&(at, out, b, c, cat, st, id, line)| Message {
                at: Instant::from_micros(at),
                direction: if out { Direction::Out } else { Direction::In },
                category: [None, Some(Category::Utility), Some(Category::Marketing)]
                    [cat as usize % 3],
                status: [Status::Delivered, Status::Sent, Status::Failed][st as usize % 3],
                entry_point: id % 2 == 0,
                business: businesses[b as usize % businesses.len()],
                customer: customers[c as usize % customers.len()],
                country: (id % 3 == 0).then_some(*b"BR"),
                message_id: (id % 4 != 0).then(|| MessageKey::of(&format!("wamid.{}", id % 5))),
                source: SourcePos {
                    file: line % 2,
                    line: u64::from(line / 2),
                    row: line % 3,
                },
                extras: Extras::default(),
                tags: 0,
            })
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// `sort_log` (integer keys, then `log_order` within ties) puts
        /// messages in exactly `log_order`'s order, extreme times included.
        #[test]
        fn sort_log_is_log_order(rows in proptest::collection::vec(
            (
                prop_oneof![0i64..3, Just(i64::MIN), Just(i64::MAX), Just(-1i64), any::<i64>()],
                any::<bool>(),
                any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>(),
                0u32..8,
            ),
            0..60,
        )) {
            let mut strings = Strings::default();
            let mut messages = tied_messages(&rows, &mut strings);
            let mut expected = messages.clone();
            expected.sort_by(|a, b| log_order(a, b, &strings));
            sort_log(&mut messages, &strings);
            prop_assert_eq!(messages, expected);
        }

        /// Arbitrary bytes after a valid header never panic, and every row is
        /// a message, a merged status event or a rejection.
        #[test]
        fn arbitrary_bytes_are_accounted_for(body in proptest::collection::vec(any::<u8>(), 0..600)) {
            let mut bytes = HEADER.as_bytes().to_vec();
            bytes.extend(&body);
            if let Ok(log) = read_bytes(&bytes, "fuzz") {
                let s = &log.stats;
                prop_assert_eq!(s.rows_read, log.messages.len() as u64 + s.merged + s.rejected);
            }
        }

        /// Rows made of plausible and implausible field values.
        #[test]
        fn messy_rows_are_accounted_for(rows in proptest::collection::vec(
            (
                prop_oneof!["2026-02-0[1-9]T1[0-9]:00:00Z", "17[0-9]{8}", "[a-z ]{0,5}", "2026-13-01T00:00:00Z"],
                prop_oneof!["\\+91 98[0-9]{8}", "0[0-9]{6}", "\\+[0-9]{3}", "[a-z]{3}"],
                prop_oneof!["in", "out", "OUT", "x"],
                prop_oneof!["marketing", "utility", "service", "", "promo"],
                prop_oneof!["m[0-9]", ""],
                prop_oneof!["", "sent", "delivered", "failed", "lost"],
            ),
            0..30,
        )) {
            let mut text = HEADER.to_string();
            for (t, c, d, cat, id, st) in &rows {
                text.push_str(&format!("{t},{c},{d},{cat},{id},{st},\n"));
            }
            let log = read_bytes(text.as_bytes(), "messy").unwrap();
            let s = &log.stats;
            prop_assert_eq!(s.rows_read, rows.len() as u64);
            prop_assert_eq!(s.rows_read, log.messages.len() as u64 + s.merged + s.rejected);
            prop_assert!(log.messages.windows(2).all(|w| w[0].order_key() <= w[1].order_key()));
        }
    }
}
