//! Reading a whole log (several files or stdin) into time-ordered messages.
//!
//! Pricing needs time order per business × customer and, for monthly
//! counters, across the log, so rows are validated into small `Message`s,
//! sorted, and rows that share a `message_id` (status events, webhook
//! retries) are collapsed into one message.

use std::cmp::Ordering;
use std::ops::ControlFlow;

use rustc_hash::FxHashMap;

use super::{Rejection, Strings, Validator};
use crate::input::{InputError, LogReader, ReadOptions, Source};
use crate::model::{Message, MessageKey, SourcePos};

/// Receives every rejected row as soon as it is found, with the raw record
/// when there is one (for `--rejects`).
pub trait RejectSink {
    fn reject(&mut self, rejection: &Rejection, record: Option<&csv::ByteRecord>);
}

impl<F: FnMut(&Rejection, Option<&csv::ByteRecord>)> RejectSink for F {
    fn reject(&mut self, rejection: &Rejection, record: Option<&csv::ByteRecord>) {
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
}

#[derive(Debug, Default)]
pub struct Log {
    /// In pricing order.
    pub messages: Vec<Message>,
    pub strings: Strings,
    pub files: Vec<String>,
    pub stats: LogStats,
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
    progress: &mut dyn FnMut(u64),
    each: &mut MessageSink<'_, B>,
) -> Result<ControlFlow<B>, InputError> {
    let mut record = csv::ByteRecord::new();
    let mut bytes_before = 0;
    for (file, source) in sources.iter().enumerate() {
        let mut reader = LogReader::open(source, options)?;
        log.files.push(reader.name.clone());
        let file = file as u32;
        while let Some(line) = reader.next_record(&mut record)? {
            // A blank line (a lone `\r` in a CRLF file) is not a row.
            if record.len() == 1 && record[0].trim_ascii().is_empty() {
                continue;
            }
            log.stats.rows_read += 1;
            if log.stats.rows_read.is_multiple_of(65_536) {
                progress(bytes_before + reader.bytes_read());
            }
            let rejection = if record.len() != reader.width {
                Rejection {
                    file: reader.name.clone(),
                    line,
                    column: None,
                    value: String::new(),
                    reason: format!("expected {} fields, found {}", reader.width, record.len()),
                }
            } else {
                match validator.message(&record, &reader.columns, SourcePos { file, line }) {
                    Ok(m) => {
                        if let ControlFlow::Break(b) = each(m, validator, log, sink) {
                            return Ok(ControlFlow::Break(b));
                        }
                        continue;
                    }
                    Err(e) => Rejection {
                        file: reader.name.clone(),
                        line,
                        column: Some(e.column.name().to_string()),
                        value: e.value,
                        reason: e.reason,
                    },
                }
            };
            log.stats.rejected += 1;
            sink.reject(&rejection, Some(&record));
        }
        bytes_before += reader.bytes_read();
        progress(bytes_before);
    }
    Ok(ControlFlow::Continue(()))
}

/// The straightforward path: every message in memory, sorted, status
/// events collapsed. Any row order gives the same log.
pub fn read_log(
    sources: &[Source],
    options: &ReadOptions,
    keep_ids: bool,
    sink: &mut dyn RejectSink,
    progress: &mut dyn FnMut(u64),
) -> Result<Log, InputError> {
    let mut validator = Validator::new(keep_ids);
    let mut log = Log::default();
    let mut messages = Vec::new();
    let ControlFlow::Continue(()) = read_rows::<std::convert::Infallible>(
        sources,
        options,
        &mut validator,
        &mut log,
        sink,
        progress,
        &mut |m, _, _, _| {
            messages.push(m);
            ControlFlow::Continue(())
        },
    )?;
    log.messages = messages;
    log.strings = validator.strings;
    sort_log(&mut log.messages, &log.strings);
    collapse_status_events(&mut log, sink);
    Ok(log)
}

/// Time order, inbound first at equal times, then content, so the order of
/// rows and files never changes the result.
pub fn sort_log(messages: &mut [Message], strings: &Strings) {
    messages.sort_by(|a, b| log_order(a, b, strings));
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
    if (head.business, head.customer, head.direction)
        != (later.business, later.customer, later.direction)
    {
        return Err(IdConflict);
    }
    head.status = head.status.merge(later.status);
    head.category = head.category.or(later.category);
    head.entry_point |= later.entry_point;
    head.country = head.country.or(later.country);
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
        file: files[row.source.file as usize].clone(),
        line: row.source.line,
        column: Some("message_id".into()),
        value: id.to_string(),
        reason: format!(
            "already used by a different message at {}:{}",
            files[head.source.file as usize], head.source.line
        ),
    }
}

/// Rows sharing a `message_id` are one message: the earliest row gives its
/// time, and the statuses merge (delivery wins over failure over sent).
/// A row reusing an id for a different business, customer or direction is
/// rejected rather than silently merged.
fn collapse_status_events(log: &mut Log, sink: &mut dyn RejectSink) {
    let mut first: FxHashMap<MessageKey, usize> = FxHashMap::default();
    let mut kept: Vec<Message> = Vec::with_capacity(log.messages.len());
    for m in std::mem::take(&mut log.messages) {
        let Some(id) = m.message_id else {
            kept.push(m);
            continue;
        };
        match first.get(&id) {
            None => {
                first.insert(id, kept.len());
                kept.push(m);
            }
            Some(&i) => match absorb(&mut kept[i], &m) {
                Ok(()) => log.stats.merged += 1,
                Err(IdConflict) => {
                    log.stats.rejected += 1;
                    sink.reject(&id_conflict(&log.files, &log.strings, &m, &kept[i]), None);
                }
            },
        }
    }
    log.messages = kept;
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
            &mut |_: &Rejection, _: Option<&csv::ByteRecord>| rejected += 1,
            &mut |_| {},
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

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

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
