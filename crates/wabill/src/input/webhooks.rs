//! Meta's Cloud API webhook notifications, as a business stores them: JSON
//! lines, one JSON array, or one notification per file; each the full
//! `{"object","entry":[{"changes":[{"field","value"}]}]}` envelope, one
//! change, or a bare `value`.
//!
//! `messages[]` are inbound (`from`, or `from_user_id` for a customer known
//! only by username; a `referral` = an entry point), `statuses[]` outbound
//! (`recipient_id` or `recipient_user_id`; category from `pricing.category`,
//! else `conversation.origin.type`). The business is
//! `metadata.phone_number_id`; `metadata.display_phone_number` is kept as
//! its `business_number`, for reports. A username customer's country comes from
//! `contacts[].profile.country_code` when given. Meta's `pricing` object
//! becomes the record's `pricing_*` fields (`subtype` too: `paid_exempt`).
//! Notifications with neither
//! messages nor statuses (template or account updates) give no rows.
//!
//! Two statuses are not an outbound message's progress (Meta's status
//! table): `deleted` is the customer deleting a message they sent (read as
//! a row of that inbound message, merged into it by id), `warning` a sent
//! message naming an unavailable catalog item (read as `sent`).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::io::BufRead;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use super::envelope::{self, Piece, Unwrapped};
use super::exact::exact_numbers;
use super::{Column, Columns, Format, InputError, Opened, Original, ReadOptions, Records};

pub static FORMAT: Format = Format {
    name: "webhooks",
    description: "Meta's Cloud API webhook notifications (JSON lines, a JSON array, or one per file)",
    extensions: &[".json", ".jsonl", ".ndjson"],
    detect: |head| {
        let head = head.trim_ascii_start();
        head.starts_with(b"{") || head.starts_with(b"[")
    },
    open,
};

/// A record's fields: wabill's columns, then the status's
/// `biz_opaque_callback_data` (the sender's own tag, read as the tag
/// `callback_data`).
const WIDTH: usize = Column::ALL.len() + 1;
const CALLBACK: usize = Column::ALL.len();
/// The tag name of `biz_opaque_callback_data`.
pub const CALLBACK_TAG: &str = "callback_data";

fn open(
    name: &str,
    content: Box<dyn BufRead>,
    options: &ReadOptions,
) -> Result<Opened, InputError> {
    let mut columns = Columns::canonical();
    if options.columns.keep().wants(CALLBACK_TAG) {
        columns = columns.with_tag(CALLBACK, CALLBACK_TAG);
    }
    Ok(Opened {
        records: Box::new(Notifications {
            name: name.to_string(),
            content,
            buf: Vec::new(),
            pos: 0,
            line: 1,
            consumed: 0,
            depth: Depth::Top,
            eof: false,
            rows: Rows::default(),
            problem: None,
            last: 0..0,
            unwrapped: Unwrapped::new(),
            cut: None,
        }),
        columns,
        width: WIDTH,
        delimiter: None,
        headers: Column::ALL
            .iter()
            .map(|c| c.name())
            .chain([CALLBACK_TAG])
            .map(str::to_string)
            .collect(),
    })
}

// The notification's fields are borrowed from the text where they can be
// (`Text`): one pass of serde_json, no copy of the notification, no owned
// string per field.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Notification<'a> {
    object: Option<IgnoredAny>,
    #[serde(borrow)]
    entry: Option<Vec<Entry<'a>>>,
    /// One change (`{"field","value"}`).
    field: Option<IgnoredAny>,
    #[serde(borrow)]
    value: Option<Value<'a>>,
    // A bare `value`.
    messaging_product: Option<IgnoredAny>,
    #[serde(borrow)]
    metadata: Option<Metadata<'a>>,
    #[serde(borrow)]
    contacts: Option<Vec<Contact<'a>>>,
    #[serde(borrow)]
    messages: Option<Vec<Inbound<'a>>>,
    #[serde(borrow)]
    statuses: Option<Vec<Status<'a>>>,
    // Twilio's Messages API JSON: a Message resource, or a list page.
    account_sid: Option<IgnoredAny>,
    first_page_uri: Option<IgnoredAny>,
}

/// The keys of Meta's notifications (the envelope, a change, a `value`).
const META_KEYS: [&str; 9] = [
    "object",
    "entry",
    "field",
    "value",
    "messaging_product",
    "metadata",
    "contacts",
    "messages",
    "statuses",
];

impl Notification<'_> {
    /// Whether it has any of Meta's keys (every other field defaults).
    fn is_meta(&self) -> bool {
        self.object.is_some()
            || self.entry.is_some()
            || self.field.is_some()
            || self.value.is_some()
            || self.messaging_product.is_some()
            || self.metadata.is_some()
            || self.contacts.is_some()
            || self.messages.is_some()
            || self.statuses.is_some()
    }

    /// Whether it is Twilio's Messages API JSON: a resource, or a page
    /// whose `messages` are Twilio's. How many messages it holds.
    fn twilio(&self) -> Option<usize> {
        let messages = self.messages.as_deref().unwrap_or_default();
        (self.account_sid.is_some()
            || self.first_page_uri.is_some()
            || messages.iter().any(|m| m.account_sid.is_some()))
        .then_some(messages.len().max(1))
    }
}

/// The same of a JSON value (an envelope's content).
fn is_meta_value(v: &serde_json::Value) -> bool {
    v.as_object()
        .is_some_and(|o| META_KEYS.iter().any(|k| o.contains_key(*k)))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Entry<'a> {
    #[serde(borrow)]
    changes: Vec<Change<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Change<'a> {
    #[serde(borrow)]
    value: Value<'a>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Value<'a> {
    #[serde(borrow)]
    metadata: Option<Metadata<'a>>,
    #[serde(borrow)]
    contacts: Vec<Contact<'a>>,
    #[serde(borrow)]
    messages: Vec<Inbound<'a>>,
    #[serde(borrow)]
    statuses: Vec<Status<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Metadata<'a> {
    #[serde(borrow)]
    phone_number_id: Option<Text<'a>>,
    #[serde(borrow)]
    display_phone_number: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Contact<'a> {
    #[serde(borrow)]
    wa_id: Option<Text<'a>>,
    #[serde(borrow)]
    user_id: Option<Text<'a>>,
    #[serde(borrow)]
    profile: Option<Profile<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Profile<'a> {
    #[serde(borrow)]
    country_code: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Inbound<'a> {
    #[serde(borrow)]
    from: Option<Text<'a>>,
    #[serde(borrow)]
    from_user_id: Option<Text<'a>>,
    #[serde(borrow)]
    id: Option<Text<'a>>,
    #[serde(borrow)]
    timestamp: Option<Text<'a>>,
    referral: Option<IgnoredAny>,
    /// Twilio's, never Meta's.
    account_sid: Option<IgnoredAny>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Status<'a> {
    #[serde(borrow)]
    id: Option<Text<'a>>,
    #[serde(borrow)]
    status: Option<Text<'a>>,
    #[serde(borrow)]
    timestamp: Option<Text<'a>>,
    #[serde(borrow)]
    recipient_id: Option<Text<'a>>,
    #[serde(borrow)]
    recipient_user_id: Option<Text<'a>>,
    /// `group` for a group message: `recipient_id` is then the group and
    /// the participant is named apart (Groups API, 2026).
    #[serde(borrow)]
    recipient_type: Option<Text<'a>>,
    #[serde(borrow, alias = "participant_recipient_id")]
    recipient_participant_id: Option<Text<'a>>,
    #[serde(borrow)]
    conversation: Option<Conversation<'a>>,
    #[serde(borrow)]
    pricing: Option<Pricing<'a>>,
    /// The sender's own tag, as given when the message was sent.
    #[serde(borrow)]
    biz_opaque_callback_data: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Conversation<'a> {
    #[serde(borrow)]
    origin: Option<Origin<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Origin<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Text<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Pricing<'a> {
    #[serde(borrow, rename = "type")]
    kind: Option<Text<'a>>,
    #[serde(borrow)]
    category: Option<Text<'a>>,
    #[serde(borrow)]
    billable: Option<Text<'a>>,
    /// `paid_exempt` from 2026-10-12: a government or non-profit
    /// business's service message past the 1,000 free, not charged.
    #[serde(borrow)]
    subtype: Option<Text<'a>>,
    /// Meta's reported cost (Marketing Messages API, 2026).
    #[serde(borrow)]
    cost: Option<Cost<'a>>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Cost<'a> {
    /// As written, a JSON number or string alike (`Text`), never through
    /// a float.
    #[serde(borrow)]
    amount: Option<Text<'a>>,
    #[serde(borrow)]
    currency: Option<Text<'a>>,
}

/// A scalar as text: Meta writes timestamps as strings, some stores as
/// numbers; `billable` is a boolean. A number is its text as written (an
/// amount is never read through a float), a string its contents, borrowed
/// from the notification unless it has escapes.
#[derive(Default)]
struct Text<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{Error, Unexpected};
        let raw = <&'de RawValue>::deserialize(d)?.get();
        let expected = &"a string, number or boolean";
        match raw.as_bytes()[0] {
            b'"' => match raw[1..raw.len() - 1].contains('\\') {
                false => Ok(Text(Cow::Borrowed(&raw[1..raw.len() - 1]))),
                true => serde_json::from_str(raw).map(Text).map_err(Error::custom),
            },
            b'{' => Err(Error::invalid_type(Unexpected::Map, expected)),
            b'[' => Err(Error::invalid_type(Unexpected::Seq, expected)),
            b'n' => Ok(Text::default()),
            // A number or a boolean, as written.
            _ => Ok(Text(Cow::Borrowed(raw))),
        }
    }
}

fn text<'t>(t: &'t Option<Text<'_>>) -> &'t str {
    t.as_ref().map_or("", |t| &t.0)
}

/// Text that is not a webhook notification, as serde found it.
#[derive(Debug)]
struct NotANotification(serde_json::Error);

impl std::fmt::Display for NotANotification {
    /// serde's message without its own position (the row's line is given).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let message = self.0.to_string();
        let message = match message.rfind(" at line ") {
            Some(i) => &message[..i],
            None => &message,
        };
        write!(f, "not a webhook notification: {message}")
    }
}

/// Where the reader is in the text: between top-level values, or between
/// the elements of a top-level array.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Depth {
    Top,
    Array,
}

struct Notifications {
    name: String,
    content: Box<dyn BufRead>,
    /// Unparsed text; `buf[pos..]` is still to read.
    buf: Vec<u8>,
    pos: usize,
    /// The line at `buf[pos]`.
    line: u64,
    /// Bytes dropped from the front of `buf`.
    consumed: u64,
    depth: Depth,
    eof: bool,
    /// Rows of the current notification still to hand out.
    rows: Rows,
    /// A notification that could not be read: its line and why.
    problem: Option<(u64, String)>,
    /// Where the last notification read is in `buf` (its rows are all
    /// handed out before `buf` moves on), for `--rejects`.
    last: std::ops::Range<usize>,
    /// Notifications read out of an envelope, by its key.
    unwrapped: Unwrapped,
    /// The start of the last unreadable line when it went on past `buf`
    /// (the rest was skipped without keeping it), for `--rejects`.
    cut: Option<Vec<u8>>,
}

/// How much of an unreadable line `--rejects` keeps when it is longer than
/// what is in memory.
const CUT_KEPT: usize = 1 << 16;

/// A row to hand out: its fields, or why the text at its line is not one.
enum Row {
    Fields(csv::ByteRecord),
    Problem(String),
}

/// The rows of one notification, each with its line, written into records
/// that are handed out by swapping with the caller's, so that a record's
/// buffers are reused rather than a string allocated per field.
#[derive(Default)]
struct Rows {
    queue: VecDeque<(u64, Row)>,
    spare: Vec<csv::ByteRecord>,
}

impl Rows {
    /// A record with these columns filled, the others empty (a webhook
    /// never carries the provider's price), the sender's tag in `CALLBACK`.
    fn push(&mut self, line: u64, fields: &[(Column, &str)], callback: &str) {
        let mut values = [""; WIDTH];
        for (column, value) in fields {
            values[*column as usize] = value;
        }
        values[CALLBACK] = callback;
        let mut record = self.spare.pop().unwrap_or_default();
        record.clear();
        for v in values {
            record.push_field(v.as_bytes());
        }
        self.queue.push_back((line, Row::Fields(record)));
    }

    fn reject(&mut self, line: u64, why: String) {
        self.queue.push_back((line, Row::Problem(why)));
    }
}

impl Notifications {
    /// Reads more text; false at the end of the input.
    fn fill(&mut self) -> Result<bool, InputError> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.consumed += self.pos as u64;
            self.pos = 0;
        }
        let name = &self.name;
        let chunk = self.content.fill_buf().map_err(|e| InputError::Io {
            file: name.clone(),
            error: e,
        })?;
        if chunk.is_empty() {
            self.eof = true;
            return Ok(false);
        }
        let n = chunk.len();
        self.buf.extend_from_slice(chunk);
        self.content.consume(n);
        Ok(true)
    }

    /// Reads until the unread text is twice as long as it was (or the
    /// input ends), so that a value re-read from its start after each read
    /// costs linear time in its length; false when nothing was added.
    fn grow(&mut self) -> Result<bool, InputError> {
        let want = 2 * (self.buf.len() - self.pos);
        let mut grew = false;
        while self.buf.len() - self.pos < want.max(1) {
            if !self.fill()? {
                break;
            }
            grew = true;
        }
        Ok(grew)
    }

    /// Moves to the end of the current line (its `\n` is left to read),
    /// dropping what it passes.
    fn skip_line(&mut self) -> Result<(), InputError> {
        loop {
            if let Some(i) = self.buf[self.pos..].iter().position(|b| *b == b'\n') {
                self.pos += i;
                return Ok(());
            }
            self.pos = self.buf.len();
            if !self.fill()? {
                return Ok(());
            }
        }
    }

    /// Moves past whitespace (and, in an array, commas), counting lines.
    fn skip_space(&mut self) -> Result<Option<u8>, InputError> {
        loop {
            while let Some(&b) = self.buf.get(self.pos) {
                match b {
                    b'\n' => self.line += 1,
                    b' ' | b'\t' | b'\r' => {}
                    b',' if self.depth == Depth::Array => {}
                    // A byte-order mark.
                    0xEF | 0xBB | 0xBF if self.consumed + self.pos as u64 <= 2 => {}
                    _ => return Ok(Some(b)),
                }
                self.pos += 1;
            }
            if !self.fill()? {
                return Ok(None);
            }
        }
    }

    /// Reads the next notification and queues its rows (or why it is
    /// none); false at the end.
    fn read_next(&mut self) -> Result<bool, InputError> {
        loop {
            match self.skip_space()? {
                None => return Ok(false),
                Some(b'[') if self.depth == Depth::Top => {
                    self.depth = Depth::Array;
                    self.pos += 1;
                }
                Some(b']') if self.depth == Depth::Array => {
                    self.depth = Depth::Top;
                    self.pos += 1;
                }
                Some(_) => break,
            }
        }
        let line = self.line;
        loop {
            let text = &self.buf[self.pos..];
            let mut values = serde_json::Deserializer::from_slice(text).into_iter::<Notification>();
            let parsed = values.next();
            let end = self.pos + values.byte_offset();
            let error = match parsed {
                None => return Ok(false),
                Some(Ok(n)) => {
                    let raw = &self.buf[self.pos..end];
                    queue(&mut self.rows, &mut self.unwrapped, line, n, raw);
                    None
                }
                Some(Err(e)) => Some(e),
            };
            let Some(error) = error else {
                self.take(end, true)?;
                return Ok(true);
            };
            // Cut off by the end of what is read: read on. An object is
            // read to its closing brace before serde's word on it counts.
            let open = self.buf[self.pos] == b'{'
                && exact_numbers(&self.buf[self.pos..], &mut Vec::new()).is_none();
            if (error.is_eof() || open) && self.grow()? {
                continue;
            }
            self.take(end, false)?;
            let why = NotANotification(error).to_string();
            self.rows.reject(line, why);
            return Ok(true);
        }
    }

    /// Moves past a notification read up to `end`, or past its line when
    /// it could not be read (JSON lines go on with the next one).
    fn take(&mut self, end: usize, read: bool) -> Result<(), InputError> {
        self.cut = None;
        let taken = if read {
            end
        } else {
            let rest = &self.buf[self.pos..];
            match rest.iter().position(|b| *b == b'\n') {
                Some(i) => self.pos + i,
                None if self.eof => self.buf.len(),
                None => {
                    // The line goes on past what is read: one unreadable
                    // line, one row, whatever its length; its start is kept.
                    self.cut = Some(rest[..rest.len().min(CUT_KEPT)].to_vec());
                    self.skip_line()?;
                    self.last = self.pos..self.pos;
                    return Ok(());
                }
            }
        };
        self.line += super::bounded::line_ends(&self.buf[self.pos..taken]);
        self.last = self.pos..taken;
        self.pos = taken;
        Ok(())
    }
}

/// Queues the rows of what was read at `line` (`raw`, its text): a
/// notification's, a rejection for each message of Twilio's API JSON, the
/// notifications of an envelope (counted by its key), or the rejection of
/// an object that is none of these.
fn queue(rows: &mut Rows, unwrapped: &mut Unwrapped, line: u64, n: Notification, raw: &[u8]) {
    if let Some(messages) = n.twilio() {
        for _ in 0..messages {
            rows.reject(line, envelope::TWILIO.to_string());
        }
        return;
    }
    if n.is_meta() {
        return notification_rows(&n, line, rows);
    }
    // Not a notification: looked into as an envelope, its amounts as
    // written (`exact_numbers`).
    let mut exact = Vec::new();
    let value: Option<serde_json::Value> =
        exact_numbers(raw, &mut exact).and_then(|_| serde_json::from_slice(&exact).ok());
    let is_event = |v: &serde_json::Value| is_meta_value(v) || envelope::is_twilio(v);
    let Some((key, pieces)) = value.as_ref().and_then(|v| envelope::open(v, &is_event)) else {
        let keys = value.as_ref().map_or("none".into(), envelope::keys);
        rows.reject(
            line,
            format!(
                "not a webhook notification: an object with none of Meta's keys \
                 ({}) and none inside it; its keys: {keys}",
                META_KEYS.join(", ")
            ),
        );
        return;
    };
    envelope::count(unwrapped, &key, &pieces);
    for piece in pieces {
        match piece {
            Piece::Event(v) if envelope::is_twilio(&v) => {
                rows.reject(line, envelope::TWILIO.to_string());
            }
            // Read back from its text, as a notification is.
            Piece::Event(v) => {
                let text = serde_json::to_vec(&v).unwrap_or_default();
                match serde_json::from_slice::<Notification>(&text) {
                    Ok(n) => notification_rows(&n, line, rows),
                    Err(e) => rows.reject(line, format!("in {key}: {}", NotANotification(e))),
                }
            }
            Piece::Stray(why) => rows.reject(line, format!("in {key}: {why}")),
        }
    }
}

/// The rows of one notification, in canonical column order.
fn notification_rows(n: &Notification, line: u64, rows: &mut Rows) {
    let changes = n.entry.iter().flatten().flat_map(|e| &e.changes);
    for v in changes.map(|c| &c.value).chain(&n.value) {
        value_rows(
            &v.metadata,
            &v.contacts,
            &v.messages,
            &v.statuses,
            line,
            rows,
        );
    }
    let messages = n.messages.as_deref().unwrap_or_default();
    let statuses = n.statuses.as_deref().unwrap_or_default();
    if n.metadata.is_some() || !messages.is_empty() || !statuses.is_empty() {
        let contacts = n.contacts.as_deref().unwrap_or_default();
        value_rows(&n.metadata, contacts, messages, statuses, line, rows);
    }
}

/// A username customer's country, from the contact of that user.
fn country_of<'c>(contacts: &'c [Contact], user: &str) -> &'c str {
    contacts
        .iter()
        .find(|c| text(&c.user_id) == user || text(&c.wa_id) == user)
        .and_then(|c| c.profile.as_ref())
        .map_or("", |p| text(&p.country_code))
}

/// The rows of one `value` (its messages, then its statuses).
fn value_rows(
    metadata: &Option<Metadata>,
    contacts: &[Contact],
    messages: &[Inbound],
    statuses: &[Status],
    line: u64,
    rows: &mut Rows,
) {
    let business = metadata
        .as_ref()
        .map_or("", |m| match text(&m.phone_number_id) {
            "" => text(&m.display_phone_number),
            id => id,
        });
    // Shown in reports beside the id (`business` stays the key).
    let number = metadata
        .as_ref()
        .map_or("", |m| text(&m.display_phone_number));
    for m in messages {
        // A customer known only by username is priced in its country.
        let (customer, country) = match (text(&m.from), text(&m.from_user_id)) {
            ("", user) => (user, country_of(contacts, user)),
            (number, _) => (number, ""),
        };
        customer_row(
            CustomerRow {
                at: text(&m.timestamp),
                customer,
                business,
                id: text(&m.id),
                entry_point: m.referral.is_some(),
                country,
                number,
            },
            line,
            rows,
        );
    }
    for s in statuses {
        // A group message's status names the group and the participant.
        let (recipient, group) = match text(&s.recipient_type) {
            t if t.eq_ignore_ascii_case("group") => {
                (text(&s.recipient_participant_id), text(&s.recipient_id))
            }
            _ => (text(&s.recipient_id), ""),
        };
        let (customer, country) = match (recipient, text(&s.recipient_user_id)) {
            ("", user) => (user, country_of(contacts, user)),
            (number, _) => (number, ""),
        };
        let cost = s.pricing.as_ref().and_then(|p| p.cost.as_ref());
        let pricing = s.pricing.as_ref();
        let origin = s
            .conversation
            .as_ref()
            .and_then(|c| c.origin.as_ref())
            .map_or("", |o| text(&o.kind));
        let category = match pricing.map_or("", |p| text(&p.category)) {
            "" => origin,
            c => c,
        };
        let status = match MetaStatus::of(text(&s.status)) {
            MetaStatus::Deleted => {
                // The customer deleted a message they sent: a status of
                // that inbound message, which was received all the
                // same (and opened its window).
                customer_row(
                    CustomerRow {
                        at: text(&s.timestamp),
                        customer,
                        business,
                        id: text(&s.id),
                        entry_point: false,
                        country,
                        number,
                    },
                    line,
                    rows,
                );
                continue;
            }
            MetaStatus::Warning => "sent",
            MetaStatus::Played => "read",
            MetaStatus::Other(s) => s,
        };
        // A warning or `played` is only ever a status event of its
        // message (it may name no category), and so is any status that
        // names none (Meta sends `pricing` only on `sent` and one of
        // `delivered`/`read`): merged into its message by id, never a
        // message of its own.
        let kind = match MetaStatus::of(text(&s.status)) {
            MetaStatus::Warning | MetaStatus::Played => "status",
            _ if category.is_empty() => "status",
            _ => "",
        };
        let (pricing_type, pricing_category, billable, subtype) =
            pricing.map_or(("", "", "", ""), |p| {
                let subtype = text(&p.subtype);
                (text(&p.kind), text(&p.category), text(&p.billable), subtype)
            });
        rows.push(
            line,
            &[
                (Column::Timestamp, text(&s.timestamp)),
                (Column::Customer, customer),
                (Column::Direction, "out"),
                (Column::Category, category),
                (Column::Business, business),
                (Column::MessageId, text(&s.id)),
                (Column::Status, status),
                (Column::Country, country),
                (Column::Group, group),
                (Column::Kind, kind),
                (Column::CostAmount, cost.map_or("", |c| text(&c.amount))),
                (Column::CostCurrency, cost.map_or("", |c| text(&c.currency))),
                (Column::PricingType, pricing_type),
                (Column::PricingCategory, pricing_category),
                (Column::PricingBillable, billable),
                (Column::BusinessNumber, number),
                (Column::PricingSubtype, subtype),
            ],
            text(&s.biz_opaque_callback_data),
        );
    }
}

/// The `status` values of Meta's statuses that are not a message's
/// progress (`sent`, `delivered`, `read`, `failed` are read as written).
enum MetaStatus<'a> {
    /// "A message sent by the user was deleted by the user": the status
    /// names the customer's own (inbound) message.
    Deleted,
    /// "A message your business sent contains an item in a catalog that is
    /// not available or does not exist": the message was sent; it says
    /// nothing of its delivery, so it counts as `sent` (a delivery receipt
    /// or a failure of the same message wins over it).
    Warning,
    /// A voice message the customer played: a receipt (read as `read`).
    Played,
    Other(&'a str),
}

impl<'a> MetaStatus<'a> {
    fn of(status: &'a str) -> Self {
        if status.eq_ignore_ascii_case("deleted") {
            MetaStatus::Deleted
        } else if status.eq_ignore_ascii_case("warning") {
            MetaStatus::Warning
        } else if status.eq_ignore_ascii_case("played") {
            MetaStatus::Played
        } else {
            MetaStatus::Other(status)
        }
    }
}

/// The fields of a customer's message (or of a status naming one).
struct CustomerRow<'a> {
    at: &'a str,
    customer: &'a str,
    business: &'a str,
    id: &'a str,
    entry_point: bool,
    country: &'a str,
    number: &'a str,
}

fn customer_row(m: CustomerRow<'_>, line: u64, rows: &mut Rows) {
    let entry_point = if m.entry_point { "1" } else { "" };
    rows.push(
        line,
        &[
            (Column::Timestamp, m.at),
            (Column::Customer, m.customer),
            (Column::Direction, "in"),
            (Column::Business, m.business),
            (Column::MessageId, m.id),
            (Column::EntryPoint, entry_point),
            (Column::Country, m.country),
            (Column::BusinessNumber, m.number),
        ],
        "",
    );
}

impl Records for Notifications {
    fn next_record(&mut self, record: &mut csv::ByteRecord) -> Result<Option<u64>, InputError> {
        loop {
            if let Some((line, row)) = self.rows.queue.pop_front() {
                match row {
                    Row::Fields(mut fields) => {
                        std::mem::swap(record, &mut fields);
                        self.rows.spare.push(fields);
                    }
                    // An empty record: `take_problem` says why.
                    Row::Problem(why) => {
                        record.clear();
                        self.problem = Some((line, why));
                    }
                }
                return Ok(Some(line));
            }
            if !self.read_next()? {
                return Ok(None);
            }
        }
    }

    fn bytes_read(&self) -> u64 {
        self.consumed + self.pos as u64
    }

    fn take_problem(&mut self) -> Option<String> {
        self.problem.take().map(|(_, why)| why)
    }

    fn unwrapped(&self) -> Unwrapped {
        self.unwrapped.clone()
    }

    /// The notification (or unreadable line) the row came from.
    fn original(&self) -> Option<Original<'_>> {
        if let Some(cut) = &self.cut {
            return Some(Original::Text(cut.trim_ascii()));
        }
        let text = self.buf.get(self.last.clone()).unwrap_or_default();
        Some(Original::Text(text.trim_ascii()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{LogReader, Source};

    fn read(text: &str) -> Vec<(u64, Vec<String>)> {
        let source = Source::Bytes(text.as_bytes().into());
        let mut reader = LogReader::open(&source, &ReadOptions::default()).unwrap();
        assert_eq!(reader.format.name, "webhooks");
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while let Some(line) = reader.next_record(&mut record).unwrap() {
            let mut fields: Vec<String> = record
                .iter()
                .map(|f| String::from_utf8_lossy(f).into_owned())
                .collect();
            if fields.is_empty() {
                fields.push(reader.take_problem().unwrap());
            }
            out.push((line, fields));
        }
        out
    }

    const STATUS: &str = r#"{"object":"whatsapp_business_account","entry":[{"id":"W","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"106540352242922"},"statuses":[{"id":"wamid.1","status":"delivered","timestamp":"1750000000","recipient_id":"5511987650001","conversation":{"id":"c","origin":{"type":"marketing"}},"pricing":{"billable":true,"pricing_model":"PMP","type":"regular","category":"marketing"}},{"id":"wamid.2","status":"failed","timestamp":"1750000001","recipient_id":"5511987650001","errors":[{"code":131026}]}]}}]}]}"#;

    #[test]
    fn statuses_are_outbound_rows_with_metas_decision() {
        let rows = read(STATUS);
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].1,
            [
                "1750000000",
                "5511987650001",
                "out",
                "marketing",
                "106540352242922",
                "wamid.1",
                "delivered",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "regular",
                "marketing",
                "true",
                "15550001111",
                // No provider's price in Meta's notifications.
                "",
                "",
                // No `pricing.subtype`.
                "",
                // No biz_opaque_callback_data on this status.
                ""
            ]
        );
        assert_eq!(rows[1].1[3], "", "a failed status without pricing");
        assert_eq!(rows[1].1[6], "failed");
    }

    /// `pricing.subtype` (Meta, from 2026-10-12) is the record's
    /// `pricing_subtype`.
    #[test]
    fn the_pricing_subtype_is_read() {
        let rows = read(
            r#"{"metadata":{"phone_number_id":"B1"},"statuses":[{"id":"wamid.e","status":"delivered","timestamp":"1792054860","recipient_id":"5511987650001","pricing":{"billable":false,"pricing_model":"PMP","type":"regular","category":"service","subtype":"paid_exempt"}}]}"#,
        );
        assert_eq!(rows[0].1[Column::PricingSubtype as usize], "paid_exempt");
        assert_eq!(rows[0].1[Column::PricingCategory as usize], "service");
    }

    /// Every status Meta documents, as the row it becomes: (status,
    /// direction, status column). `deleted` is about the customer's own
    /// message; `warning` says the message was sent, nothing more.
    #[test]
    fn every_documented_status_becomes_a_row_of_its_message() {
        let cases = [
            ("sent", "out", "sent"),
            ("delivered", "out", "delivered"),
            ("read", "out", "read"),
            ("failed", "out", "failed"),
            ("warning", "out", "sent"),
            ("WARNING", "out", "sent"),
            ("deleted", "in", ""),
            ("Deleted", "in", ""),
        ];
        for (status, direction, written) in cases {
            let text = format!(
                r#"{{"metadata":{{"phone_number_id":"B1","display_phone_number":"15550001111"}},"statuses":[{{"id":"wamid.x","status":"{status}","timestamp":"1750000000","recipient_id":"5511987650001","pricing":{{"category":"utility"}}}}]}}"#
            );
            let rows = read(&text);
            let [(_, r)] = &rows[..] else {
                panic!("{status}: one row: {rows:?}")
            };
            assert_eq!(
                (r[1].as_str(), r[2].as_str(), r[5].as_str(), r[6].as_str()),
                ("5511987650001", direction, "wamid.x", written),
                "{status}"
            );
            assert_eq!((r[4].as_str(), r[18].as_str()), ("B1", "15550001111"));
            // A customer's message has no category; an outbound one keeps it.
            let category = if direction == "in" { "" } else { "utility" };
            assert_eq!(r[3], category, "{status}");
            let kind = if status.eq_ignore_ascii_case("warning") {
                "status"
            } else {
                ""
            };
            assert_eq!(r[10], kind, "{status}");
        }
    }

    /// A group message's status names the group and the participant; a
    /// marketing_lite status carries Meta's cost.
    #[test]
    fn group_statuses_and_reported_costs_fill_their_columns() {
        let group = r#"{"metadata":{"phone_number_id":"B1"},"statuses":[{"id":"wamid.g","status":"read","timestamp":"1780000000","recipient_type":"group","recipient_id":"G77","recipient_participant_id":"5511987650001","pricing":{"type":"regular","category":"marketing_lite","cost":{"amount":0.0571,"currency":"USD"}}}]}"#;
        let rows = read(group);
        let r = &rows[0].1;
        assert_eq!((r[1].as_str(), r[9].as_str()), ("5511987650001", "G77"));
        assert_eq!((r[12].as_str(), r[13].as_str()), ("0.0571", "USD"));
    }

    /// Every scalar is its text as written: an amount never goes through a
    /// float (more digits than an f64 holds, an exponent, trailing zeros),
    /// a string with escapes is unescaped, a boolean and a number are their
    /// words; a map where a scalar belongs rejects the notification.
    #[test]
    fn scalars_are_read_as_written() {
        let status = |amount: &str, id: &str| {
            format!(
                r#"{{"metadata":{{"phone_number_id":"B1"}},"statuses":[{{"id":{id},"status":"sent","timestamp":1780000000,"recipient_id":"5511987650001","pricing":{{"billable":false,"category":"marketing","cost":{{"amount":{amount},"currency":"USD"}}}}}}]}}"#
            )
        };
        for (amount, written) in [
            ("0.10000000000000000000001", "0.10000000000000000000001"),
            ("1.50e-2", "1.50e-2"),
            ("123456789012345678901234", "123456789012345678901234"),
            ("0.0500", "0.0500"),
            (r#""0.0571""#, "0.0571"),
            ("null", ""),
        ] {
            let rows = read(&status(amount, r#""wamid.a""#));
            let r = &rows[0].1;
            assert_eq!(r[Column::CostAmount as usize], written, "{amount}");
            assert_eq!(r[Column::Timestamp as usize], "1780000000");
            assert_eq!(r[Column::PricingBillable as usize], "false");
        }
        let rows = read(&status("1", r#""wamid.\u0041\"q""#));
        assert_eq!(rows[0].1[Column::MessageId as usize], r#"wamid.A"q"#);
        let rows = read(&status("1", r#"{"x":1}"#));
        assert!(
            rows[0].1[0].contains("invalid type: map, expected a string, number or boolean"),
            "{rows:?}"
        );
    }

    #[test]
    fn reads_lines_arrays_bare_values_and_usernames() {
        let inbound = r#"{"metadata":{"phone_number_id":"B1"},"contacts":[{"user_id":"US.123","profile":{"name":"x","country_code":"US"}}],"messages":[{"from_user_id":"US.123","id":"wamid.in","timestamp":1750000000,"type":"text","referral":{"source_type":"ad"}}]}"#;
        let text = format!("[\n{STATUS},\n{inbound}\n]\n");
        let rows = read(&text);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[2].0, 3, "the line the notification starts on");
        let r = &rows[2].1;
        assert_eq!((r[1].as_str(), r[2].as_str()), ("US.123", "in"));
        assert_eq!((r[7].as_str(), r[8].as_str()), ("1", "US"));
        // JSON lines, a change object, and a line that is not JSON.
        let change = r#"{"field":"messages","value":{"metadata":{"phone_number_id":"B2"},"messages":[{"from":"4915112345678","id":"m","timestamp":"1750000000"}]}}"#;
        let text = format!("{STATUS}\nnot json\n{change}\n");
        let rows = read(&text);
        assert_eq!(rows.len(), 4);
        assert!(
            rows[2].1[0].starts_with("not a webhook notification"),
            "{rows:?}"
        );
        assert_eq!(rows[2].0, 2);
        assert_eq!((rows[3].0, rows[3].1[4].as_str()), (3, "B2"));
    }
}
