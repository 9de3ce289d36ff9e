//! Raw CSV fields → `Message`, or a `Rejection` naming file, line, column,
//! value and reason. Serde-free on purpose: the hot path reads byte fields
//! straight from a reused `ByteRecord`.

mod extras;
mod interner;
mod log;
mod pending_ids;
mod phone;
pub mod plausible;
mod queue;
mod settle;
pub mod tags;
mod timestamp;

pub use interner::{Customers, Interner, MessageIds};
pub use log::{Log, LogStats, RejectSink, log_order, read_log, read_rows, report_conflicts};
pub use phone::normalize_number;
pub use settle::{IdLinks, Link, SeenIds, Settler, Unstreamable};
pub use timestamp::parse_timestamp;

use crate::input::{Column, Columns};
use crate::location::Location;
use rustc_hash::FxHashMap;

use crate::model::{
    Category, Direction, Message, MetaDecisions, MetaPricing, MetaSubtype, MetaType, SourcePos,
    Status,
};
use crate::refdata::markets::parse_country;

/// A row that could not be used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The row's line and, when one field is at fault, that field's column.
    pub at: Location,
    /// The name of the column at fault, when one is.
    pub column: Option<String>,
    pub value: String,
    pub reason: String,
}

impl std::fmt::Display for Rejection {
    /// `file:line:column: name "value": reason`, or `file:line: reason`
    /// for a whole row.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: ", self.at)?;
        if let Some(c) = &self.column {
            write!(f, "{c} {:?}: ", self.value)?;
        }
        f.write_str(&self.reason)
    }
}

/// A problem with one field, before the file and line are attached.
#[derive(Debug)]
pub struct FieldError {
    pub column: Column,
    pub value: String,
    pub reason: String,
}

pub(crate) fn field_error(column: Column, value: &[u8], reason: impl Into<String>) -> FieldError {
    FieldError {
        column,
        value: shown_value(value),
        reason: reason.into(),
    }
}

/// Longest value a diagnostic repeats in full, in characters.
const SHOWN_VALUE_CHARS: usize = 80;

/// A field as diagnostics show it: trimmed, lossily decoded, and cut after
/// `SHOWN_VALUE_CHARS` characters with its full length (`--rejects` keeps
/// the row verbatim).
pub fn shown_value(raw: &[u8]) -> String {
    let raw = raw.trim_ascii();
    let text = String::from_utf8_lossy(raw);
    match text.char_indices().nth(SHOWN_VALUE_CHARS) {
        None => text.into_owned(),
        Some((cut, _)) => format!("{}… ({} bytes)", &text[..cut], raw.len()),
    }
}

/// The strings messages refer to by index.
#[derive(Debug, Default)]
pub struct Strings {
    pub customers: Customers,
    pub businesses: Interner,
    pub message_ids: MessageIds,
    /// Group ids (`Extras::group`).
    pub groups: Interner,
    /// Template names (`Extras::template`).
    pub templates: Interner,
    /// Tag names, values and tuples (`Message::tags`).
    pub tags: tags::Tags,
}

/// Turns records into messages, interning strings.
#[derive(Default)]
pub struct Validator {
    pub strings: Strings,
    /// Meta's decisions by message id, kept with id texts (`keep_ids`).
    pub meta: MetaDecisions,
    keep_meta: bool,
    /// `--naive-tz`: the zone of timestamps written with no offset.
    pub naive_tz: Option<jiff::tz::TimeZone>,
    number: String,
    /// A customer number's value → interned id: repeat customers skip
    /// normalising, and the key lives in the table (no pointer to chase).
    customer_ids: FxHashMap<u64, u32>,
    /// Raw business field → interned id (there are only a few).
    raw_businesses: FxHashMap<Box<[u8]>, u32>,
    /// With `defer_customers`: each message's customer number value
    /// (`u64::MAX` when already resolved), looked up later in one loop.
    deferred: Vec<u64>,
    current: Option<u64>,
    defer: bool,
    /// The row's tag values, by tag index (reused).
    tag_values: Vec<Option<u32>>,
}

/// Appended to the reason an inbound row is rejected.
pub const INBOUND_LOST: &str = " (a customer message: the customer service window it would have opened is lost, \
     so replies after it may be priced as outside one)";

/// The customer id of a message whose lookup is deferred.
const UNRESOLVED: u32 = u32::MAX;

/// A field as text, trimmed. ASCII spaces go first, as bytes (cheap, and
/// they cannot change whether the rest is UTF-8); the Unicode trim is left
/// for the rare field that still starts or ends outside ASCII.
pub(crate) fn text(column: Column, raw: &[u8]) -> Result<&str, FieldError> {
    let bytes = raw.trim_ascii();
    let s = std::str::from_utf8(bytes).map_err(|_| field_error(column, raw, "not valid UTF-8"))?;
    let plain_ends =
        bytes.first().is_none_or(u8::is_ascii) && bytes.last().is_none_or(u8::is_ascii);
    Ok(if plain_ends { s } else { s.trim() })
}

/// The first of `options` equal to `s` ignoring ASCII case (no allocation:
/// this runs for several fields of every row).
fn one_of<T: Copy>(s: &str, options: &[(&str, T)]) -> Option<T> {
    options
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(s))
        .map(|(_, v)| *v)
}

fn parse_direction(s: &str) -> Option<Direction> {
    use Direction::*;
    let names = [("in", In), ("out", Out), ("inbound", In), ("outbound", Out)];
    one_of(s, &names).or_else(|| one_of(s, &[("incoming", In), ("outgoing", Out)]))
}

pub(crate) fn parse_status(s: &str) -> Option<Status> {
    use Status::*;
    let names = [
        ("", Delivered),
        ("delivered", Delivered),
        ("read", Delivered),
    ];
    one_of(s, &names).or_else(|| one_of(s, &[("sent", Sent), ("failed", Failed)]))
}

/// Meta's decision from the `pricing_*` columns; empty when they are absent.
fn meta_pricing(columns: &Columns, record: &csv::ByteRecord) -> Result<MetaPricing, FieldError> {
    let mut meta = MetaPricing::default();
    let field = |c: Column| columns.field(record, c);
    let raw = field(Column::PricingType);
    meta.pricing_type = match text(Column::PricingType, raw)? {
        "" => None,
        s => Some(MetaType::parse(s).ok_or_else(|| {
            field_error(
                Column::PricingType,
                raw,
                "expected regular, free_customer_service, free_entry_point, \
                 free_group_customer_service or free_tier",
            )
        })?),
    };
    let raw = field(Column::PricingCategory);
    meta.category = match text(Column::PricingCategory, raw)? {
        "" => None,
        s => Some(s.parse::<Category>().map_err(|_| {
            field_error(Column::PricingCategory, raw, "not a category wabill knows")
        })?),
    };
    let raw = field(Column::PricingBillable);
    meta.billable = match text(Column::PricingBillable, raw)? {
        "" => None,
        s => Some(
            one_of(
                s,
                &[("true", true), ("false", false), ("1", true), ("0", false)],
            )
            .ok_or_else(|| field_error(Column::PricingBillable, raw, "expected true or false"))?,
        ),
    };
    let raw = field(Column::PricingSubtype);
    meta.subtype = match text(Column::PricingSubtype, raw)? {
        "" => None,
        s => Some(
            MetaSubtype::parse(s)
                .ok_or_else(|| field_error(Column::PricingSubtype, raw, "expected paid_exempt"))?,
        ),
    };
    Ok(meta)
}

/// Spellings of "no entry point", including what spreadsheets and JSON
/// exports write for nothing.
const NO_ENTRY_POINT: [&str; 16] = [
    "", "0", "0.0", "false", "no", "n", "f", "none", "null", "nil", "nan", "n/a", "na", "-", "[]",
    "{}",
];

/// Spellings of "came from an ad or a Page button": yes-words and the
/// sources Meta's referral objects and exports name.
const ENTRY_POINT: [&str; 17] = [
    "1",
    "1.0",
    "true",
    "yes",
    "y",
    "t",
    "ctwa",
    "ctwa_ad",
    "click_to_whatsapp",
    "click-to-whatsapp",
    "ad",
    "ads",
    "post",
    "page",
    "fb_page",
    "page_button",
    "referral",
];

/// Whether an `entry_point` value says the customer came from an ad or a
/// Page button; `None` for a value that says neither (a rejection, never
/// 72 h of free messages on a guess).
fn parse_entry_point(s: &str) -> Option<bool> {
    let is = |list: &[&str]| list.iter().any(|n| n.eq_ignore_ascii_case(s.trim()));
    if is(&NO_ENTRY_POINT) {
        Some(false)
    } else if is(&ENTRY_POINT) {
        Some(true)
    } else {
        None
    }
}

impl Validator {
    /// `keep_ids`: remember message id texts for printing.
    pub fn new(keep_ids: bool) -> Self {
        Validator {
            strings: Strings {
                message_ids: MessageIds::keeping_text(keep_ids),
                ..Strings::default()
            },
            keep_meta: keep_ids,
            ..Validator::default()
        }
    }

    /// Leaves well-formed customer numbers unresolved (`UNRESOLVED`) until
    /// `resolve_customers`: the lookups, each likely a cache miss in a table
    /// of a million customers, then run back to back and overlap.
    pub fn defer_customers(&mut self) {
        self.defer = true;
    }

    /// Gives the messages validated since the last call their customer ids.
    pub fn resolve_customers(&mut self, messages: &mut [Message]) {
        debug_assert_eq!(messages.len(), self.deferred.len());
        for (m, &value) in messages.iter_mut().zip(&self.deferred) {
            if value == u64::MAX {
                continue;
            }
            m.customer = match self.customer_ids.get(&value) {
                Some(&id) => id,
                None => {
                    // The value's digits are the normalised number.
                    let id = self.strings.customers.intern_value(value);
                    self.customer_ids.insert(value, id);
                    id
                }
            };
        }
        self.deferred.clear();
    }

    /// Forgets customer `id` (streaming, once its windows have closed): a
    /// later row of the same number gets a fresh id, and `id` may go to
    /// another number.
    pub fn forget_customer(&mut self, id: u32) {
        if let Some(value) = self.strings.customers.value(id)
            && self.customer_ids.get(&value) == Some(&id)
        {
            self.customer_ids.remove(&value);
        }
        self.strings.customers.forget(id);
    }

    /// The customer's id; a business-scoped user id (`US.1349…`) names
    /// its country in `country` unless the row gives one.
    fn customer(&mut self, raw: &[u8], country: &mut Option<[u8; 2]>) -> Result<u32, FieldError> {
        let value = phone::number_value(raw);
        // A well-formed phone number (the usual case) is never a user id.
        if value.is_none()
            && let Some(id) = extras::user_id(raw, country)?
        {
            self.current = None;
            return Ok(self.strings.customers.intern(&id));
        }
        if self.defer && value.is_some() {
            self.current = value;
            return Ok(UNRESOLVED);
        }
        self.current = None;
        if let Some(id) = value.and_then(|v| self.customer_ids.get(&v)) {
            return Ok(*id);
        }
        phone::normalize_number(text(Column::Customer, raw)?, &mut self.number)
            .map_err(|reason| field_error(Column::Customer, raw, reason.to_string()))?;
        let id = self.strings.customers.intern(&self.number);
        if let Some(v) = value {
            self.customer_ids.insert(v, id);
        }
        Ok(id)
    }

    fn business(&mut self, raw: &[u8]) -> Result<u32, FieldError> {
        if let Some(&id) = self.raw_businesses.get(raw) {
            return Ok(id);
        }
        let key = crate::refdata::businesses::business_key(text(Column::Business, raw)?);
        let id = self.strings.businesses.intern(&key);
        self.raw_businesses.insert(raw.into(), id);
        Ok(id)
    }

    pub fn message(
        &mut self,
        record: &csv::ByteRecord,
        columns: &Columns,
        source: SourcePos,
    ) -> Result<Message, FieldError> {
        self.fields(record, columns, source).map_err(|mut e| {
            // Nothing else says that replies after it lose their window.
            let direction = std::str::from_utf8(columns.field(record, Column::Direction));
            if direction.ok().and_then(|d| parse_direction(d.trim())) == Some(Direction::In) {
                e.reason.push_str(INBOUND_LOST);
            }
            e
        })
    }

    fn fields(
        &mut self,
        record: &csv::ByteRecord,
        columns: &Columns,
        source: SourcePos,
    ) -> Result<Message, FieldError> {
        let field = |c: Column| columns.field(record, c);

        let raw = field(Column::Timestamp);
        let raw_text = text(Column::Timestamp, raw)?;
        let at = match &self.naive_tz {
            None => timestamp::parse_timestamp(raw_text),
            Some(zone) => timestamp::parse_timestamp_in(raw_text, zone),
        }
        .map_err(|reason| field_error(Column::Timestamp, raw, reason.to_string()))?;

        let raw = field(Column::Direction);
        let direction = parse_direction(text(Column::Direction, raw)?)
            .ok_or_else(|| field_error(Column::Direction, raw, "expected in or out"))?;

        let raw = field(Column::Country);
        let mut country = match text(Column::Country, raw)? {
            "" => None,
            s => Some(parse_country(s).ok_or_else(|| {
                field_error(
                    Column::Country,
                    raw,
                    "expected an ISO 3166 alpha-2 code such as DE",
                )
            })?),
        };

        let customer_raw = field(Column::Customer);
        let customer = self.customer(customer_raw, &mut country)?;

        let mut extras = extras::read(&mut self.strings, record, columns)?;
        let tags = self.tags(record, columns);

        let raw = field(Column::Category);
        let category = match (direction, text(Column::Category, raw)?) {
            (Direction::In, _) => None,
            (Direction::Out, "") if extras.call => None,
            // A webhook's failure event names no category, nor does a
            // provider's status event (`kind` = `status`): it is a status
            // row of its message (merged by id), not a message of its own.
            (Direction::Out, "")
                if (parse_status(text(Column::Status, field(Column::Status))?)
                    == Some(Status::Failed)
                    || text(Column::Kind, field(Column::Kind))?.eq_ignore_ascii_case("status"))
                    && !text(Column::MessageId, field(Column::MessageId))?.is_empty() =>
            {
                None
            }
            (Direction::Out, "") => {
                return Err(field_error(
                    Column::Category,
                    raw,
                    "required on outbound messages",
                ));
            }
            (Direction::Out, s) => Some(
                extras::category(s, &mut extras)
                    .map_err(|reason| field_error(Column::Category, raw, reason))?,
            ),
        };

        let raw = field(Column::Status);
        let status = if extras.call {
            extras::call_status(text(Column::Status, raw)?)
        } else {
            parse_status(text(Column::Status, raw)?)
        }
        .ok_or_else(|| {
            field_error(
                Column::Status,
                raw,
                if extras.call {
                    "expected accepted, answered, missed, rejected or failed for a call"
                } else {
                    "expected sent, delivered, read or failed"
                },
            )
        })?;

        let raw = field(Column::EntryPoint);
        let entry_point = direction == Direction::In
            && parse_entry_point(text(Column::EntryPoint, raw)?).ok_or_else(|| {
                field_error(
                    Column::EntryPoint,
                    raw,
                    "expected empty/0/false/no/null for none, or 1/true/yes/ctwa/ad/page for \
                     an ad or Page button",
                )
            })?;

        let business = self.business(field(Column::Business))?;

        let message_id = match text(Column::MessageId, field(Column::MessageId))? {
            "" => None,
            // A group message's rows share its id; each participant's
            // copy is its own delivery.
            id if extras.group().is_some() => Some(
                self.strings
                    .message_ids
                    .key_for(id, &extras::participant_key(customer_raw)),
            ),
            id => Some(self.strings.message_ids.key(id)),
        };

        // Checked whether or not it is kept: one verdict for a row, whatever
        // the command.
        let meta = meta_pricing(columns, record)?;
        extras.paid_exempt = meta.subtype == Some(MetaSubtype::PaidExempt);
        if self.keep_meta
            && let Some(id) = message_id
            && !meta.is_empty()
        {
            self.meta.add(id, meta);
        }

        if self.defer {
            self.deferred.push(self.current.take().unwrap_or(u64::MAX));
        }
        Ok(Message {
            at: crate::model::Instant::from_micros(at),
            direction,
            category,
            status,
            entry_point,
            business,
            customer,
            country,
            message_id,
            source,
            extras,
            tags,
        })
    }

    /// The id of the row's tuple of kept tags (0 without any). A value is
    /// kept as written, trimmed; bytes that are not UTF-8 are shown as
    /// U+FFFD (a tag is a label, never interpreted).
    fn tags(&mut self, record: &csv::ByteRecord, columns: &Columns) -> u32 {
        if columns.tags().is_empty() {
            return 0;
        }
        self.tag_values.clear();
        for (field, name) in columns.tags() {
            let i = self.strings.tags.name_index(name);
            if self.tag_values.len() <= i {
                self.tag_values.resize(i + 1, None);
            }
            let raw = record.get(*field).unwrap_or(b"").trim_ascii();
            if raw.is_empty() {
                continue;
            }
            let value = String::from_utf8_lossy(raw);
            let value = value.trim();
            if !value.is_empty() {
                self.tag_values[i] = Some(self.strings.tags.intern_value(value));
            }
        }
        self.strings.tags.intern_set(&self.tag_values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn validate(header: &str, row: &str) -> Result<(Message, Validator), FieldError> {
        let headers = csv::ByteRecord::from(header.split(',').collect::<Vec<_>>());
        let columns = Columns::resolve(&headers, &Default::default()).unwrap();
        let record = csv::ByteRecord::from(row.split(',').collect::<Vec<_>>());
        let mut v = Validator::new(true);
        let m = v.message(
            &record,
            &columns,
            SourcePos {
                file: 0,
                line: 2,
                row: 0,
            },
        )?;
        Ok((m, v))
    }

    fn rejected(header: &str, row: &str) -> FieldError {
        match validate(header, row) {
            Err(e) => e,
            Ok(_) => panic!("{row} was accepted"),
        }
    }

    const HEADER: &str = "timestamp,customer,direction,category,status,country,message_id,pricing.type,pricing_category,pricing_billable";

    #[test]
    fn text_trims_ascii_and_unicode_spaces_and_refuses_bad_utf8() {
        assert_eq!(text(Column::Status, b"  sent\t").unwrap(), "sent");
        assert_eq!(
            text(Column::Status, b" \xC2\xA0read\xE2\x80\x83 ").unwrap(),
            "read"
        );
        assert_eq!(
            text(Column::Status, "  délivré ".as_bytes()).unwrap(),
            "délivré"
        );
        assert_eq!(text(Column::Status, b"   ").unwrap(), "");
        let e = text(Column::Status, b" \xC3 ").unwrap_err();
        assert_eq!(e.reason, "not valid UTF-8");
    }

    #[test]
    fn usernames_take_the_country_column_then_their_prefix() {
        let (m, v) = validate(HEADER, "1770026400,BR.1349,out,utility,,,,,,").unwrap();
        assert_eq!(m.country, Some(*b"BR"));
        assert_eq!(v.strings.customers.get(m.customer), "BR.1349");
        let (m, _) = validate(HEADER, "1770026400,US.ENT.77,out,utility,,DE,,,,").unwrap();
        assert_eq!(m.country, Some(*b"DE"));
        let e = rejected(HEADER, "1770026400,13491208655302741918,out,utility,,,,,,");
        assert!(
            e.reason
                .starts_with("a user id with neither a country prefix"),
            "{}",
            e.reason
        );
        // Not a username: the number's own reason.
        let e = rejected(HEADER, "1770026400,abc,out,utility,,,,,,");
        assert!(!e.reason.contains("username"), "{}", e.reason);
    }

    #[test]
    fn failed_rows_need_no_category_and_metas_decision_is_kept() {
        let (m, _) = validate(HEADER, "1770026400,+4915112345678,out,,failed,,m1,,,").unwrap();
        assert_eq!((m.category, m.status), (None, Status::Failed));
        assert!(validate(HEADER, "1770026400,+4915112345678,out,,sent,,m1,,,").is_err());
        let (m, v) = validate(
            HEADER,
            "1770026400,+4915112345678,out,MARKETING_LITE,read,,m2,REGULAR,marketing_lite,true",
        )
        .unwrap();
        assert_eq!(m.category, Some(Category::MarketingLite));
        let meta = v.meta.get(m.message_id).copied().unwrap();
        assert_eq!(meta.pricing_type, Some(MetaType::Regular));
        assert_eq!(meta.category, Some(Category::MarketingLite));
        assert_eq!(meta.billable, Some(true));
        let e = rejected(
            HEADER,
            "1770026400,+4915112345678,out,utility,,,m3,,group_x,",
        );
        assert_eq!(
            (e.column, e.value.as_str()),
            (Column::PricingCategory, "group_x")
        );
    }
}

#[cfg(test)]
mod entry_point_tests {
    use super::parse_entry_point;

    #[test]
    fn nothing_is_no_entry_point_and_junk_is_refused() {
        for none in [
            "", "0", "0.0", "null", "NULL", "NaN", "N/A", "[]", "none", " false ",
        ] {
            assert_eq!(parse_entry_point(none), Some(false), "{none:?}");
        }
        for yes in ["1", "true", "Yes", "ctwa", "ad", "page"] {
            assert_eq!(parse_entry_point(yes), Some(true), "{yes:?}");
        }
        for junk in ["maybe", "2", "undefined", "{\"a\":1}"] {
            assert_eq!(parse_entry_point(junk), None, "{junk:?}");
        }
    }
}
