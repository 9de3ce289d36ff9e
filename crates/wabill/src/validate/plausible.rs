//! Whole-log plausibility checks (`wabill validate`): problems no single row
//! shows on its own — timestamps in the future or before the Business API
//! existed, status events whose message never appears, service messages
//! outside any customer service window (WhatsApp refuses them), and a
//! customer number that also appears without its country code.
//!
//! What pricing knows of a message comes in through a closure: `pricing`
//! reads this module's strings, so depending on it here would be a cycle.

use std::collections::HashSet;

use super::{Log, Rejection};
use crate::input::Column;
use crate::model::{Category, Direction, Instant, Message};

/// 2018-01-01T00:00:00Z: the WhatsApp Business API launched in August 2018.
const EARLIEST_PLAUSIBLE: Instant = Instant::from_micros(1_514_764_800_000_000);

/// The kinds of problem `validate` reports, in their summary's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    RejectedRow,
    FutureTimestamp,
    TimestampBefore2018,
    StatusWithoutMessage,
    ServiceOutsideWindow,
    NumberInTwoFormats,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::RejectedRow => "rejected row",
            Kind::FutureTimestamp => "future timestamp",
            Kind::TimestampBefore2018 => "timestamp before 2018",
            Kind::StatusWithoutMessage => "status event without its message",
            Kind::ServiceOutsideWindow => "service outside window",
            Kind::NumberInTwoFormats => "number in two formats",
        }
    }

    pub fn plural(self) -> &'static str {
        match self {
            Kind::RejectedRow => "rejected rows",
            Kind::FutureTimestamp => "future timestamps",
            Kind::TimestampBefore2018 => "timestamps before 2018",
            Kind::StatusWithoutMessage => "status events without their message",
            Kind::ServiceOutsideWindow => "services outside window",
            Kind::NumberInTwoFormats => "numbers in two formats",
        }
    }
}

/// One problem: its kind and where and why.
#[derive(Clone, Debug)]
pub struct Problem {
    pub kind: Kind,
    pub rejection: Rejection,
}

/// What pricing says of a message, as far as the checks need it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pricing {
    /// Only status events name the message: no row gives its category.
    NoCategory,
    /// Priced, and no customer service or entry-point window was open.
    OutsideEveryWindow,
    /// Anything else (priced inside a window, or not priced for another
    /// reason that rejected rows already report).
    Other,
}

/// The whole-log problems of `log`, in file order (then kind), with `now`
/// as the limit for future timestamps and `pricing` telling each message's
/// pricing in log order.
pub fn whole_log(
    log: &Log,
    now: Instant,
    mut pricing: impl FnMut(&Message) -> Pricing,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut push = |kind, m: &Message, column, value, reason: &str| {
        problems.push(Problem {
            kind,
            rejection: Rejection {
                at: log.location(m.source, Some(column)),
                column: Some(Column::name(column).to_string()),
                value,
                reason: reason.to_string(),
            },
        })
    };
    for m in &log.messages {
        let stamp = || m.at.to_string();
        if m.at > now {
            push(
                Kind::FutureTimestamp,
                m,
                Column::Timestamp,
                stamp(),
                "is in the future",
            );
        } else if m.at < EARLIEST_PLAUSIBLE {
            push(
                Kind::TimestampBefore2018,
                m,
                Column::Timestamp,
                stamp(),
                "is before 2018, when the Business API did not exist",
            );
        }
        match pricing(m) {
            Pricing::NoCategory => {
                let id = m.message_id.map_or(String::new(), |k| {
                    log.strings.message_ids.get(k).to_string()
                });
                push(
                    Kind::StatusWithoutMessage,
                    m,
                    Column::MessageId,
                    id,
                    "only status events (kind status) name this message: no row gives its \
                     category",
                );
            }
            Pricing::OutsideEveryWindow
                if m.direction == Direction::Out
                    && m.category == Some(Category::Service)
                    && m.status.is_delivered() =>
            {
                push(
                    Kind::ServiceOutsideWindow,
                    m,
                    Column::Category,
                    "service".into(),
                    "free-form message outside any customer service window (WhatsApp only \
                     accepts templates there)",
                );
            }
            _ => {}
        }
    }
    for (m, digits, national) in numbers_without_country_code(log) {
        push(
            Kind::NumberInTwoFormats,
            m,
            Column::Customer,
            format!("+{digits}"),
            &format!("+{national} also appears: the same number without its country code?"),
        );
    }
    problems
        .sort_by(|a, b| (&a.rejection.at, a.kind.name()).cmp(&(&b.rejection.at, b.kind.name())));
    problems
}

/// Each customer number that is another customer number of the log with a
/// one- to three-digit country code in front (numbers of at least eight
/// digits), once per shorter number: the first message naming it, its
/// digits and the shorter number.
fn numbers_without_country_code(log: &Log) -> Vec<(&Message, &str, &str)> {
    let customers = &log.strings.customers;
    let numbers: HashSet<&str> = (0..customers.len() as u32)
        .map(|i| customers.get(i))
        .collect();
    let mut reported = HashSet::new();
    let mut found = Vec::new();
    for m in &log.messages {
        let digits = customers.get(m.customer);
        for cc in 1..=3.min(digits.len().saturating_sub(7)) {
            let national = &digits[cc..];
            if numbers.contains(national) && reported.insert(national) {
                found.push((m, digits, national));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{Original, ReadOptions, Source};
    use crate::validate::read_log;

    fn log(text: &str) -> Log {
        read_log(
            &[Source::Bytes(text.as_bytes().into())],
            &ReadOptions::default(),
            true,
            &mut |r: &Rejection, _: Option<Original<'_>>| panic!("rejected: {r}"),
            &mut |_, _| {},
        )
        .unwrap()
    }

    const HEADER: &str = "timestamp,business,customer,direction,category,message_id,status\n";

    /// 2026-03-01T00:00:00Z.
    const NOW: Instant = Instant::from_micros(1_772_323_200_000_000);

    fn kinds(problems: &[Problem]) -> Vec<(Kind, u64, String)> {
        problems
            .iter()
            .map(|p| (p.kind, p.rejection.at.line, p.rejection.value.clone()))
            .collect()
    }

    #[test]
    fn timestamps_outside_the_plausible_range() {
        let log = log(&format!(
            "{HEADER}2017-12-31T23:59:59Z,+1555,+4915110000001,in,,a,\n\
             2018-01-01T00:00:00Z,+1555,+4915110000001,in,,b,\n\
             2026-03-01T00:00:00Z,+1555,+4915110000001,in,,c,\n\
             2026-03-01T00:00:01Z,+1555,+4915110000001,in,,d,\n"
        ));
        let got = whole_log(&log, NOW, |_| Pricing::Other);
        assert_eq!(
            kinds(&got),
            [
                (
                    Kind::TimestampBefore2018,
                    2,
                    "2017-12-31T23:59:59Z".to_string()
                ),
                (Kind::FutureTimestamp, 5, "2026-03-01T00:00:01Z".to_string()),
            ]
        );
        assert_eq!(got[1].rejection.column.as_deref(), Some("timestamp"));
    }

    #[test]
    fn service_outside_every_window_only_when_delivered_and_outbound() {
        let log = log(&format!(
            "{HEADER}2026-02-01T00:00:00Z,+1555,+4915110000001,out,service,a,delivered\n\
             2026-02-01T00:00:01Z,+1555,+4915110000001,out,service,b,failed\n\
             2026-02-01T00:00:02Z,+1555,+4915110000001,out,marketing,c,delivered\n"
        ));
        let got = whole_log(&log, NOW, |_| Pricing::OutsideEveryWindow);
        assert_eq!(
            kinds(&got),
            [(Kind::ServiceOutsideWindow, 2, "service".to_string())]
        );
        assert!(whole_log(&log, NOW, |_| Pricing::Other).is_empty());
    }

    #[test]
    fn a_status_without_its_message_names_the_id() {
        let log = log(&format!(
            "{HEADER}2026-02-01T00:00:00Z,+1555,+4915110000001,out,marketing,a,delivered\n"
        ));
        let got = whole_log(&log, NOW, |_| Pricing::NoCategory);
        assert_eq!(
            kinds(&got),
            [(Kind::StatusWithoutMessage, 2, "a".to_string())]
        );
    }

    #[test]
    fn a_number_also_written_without_its_country_code() {
        let log = log(&format!(
            "{HEADER}2026-02-01T00:00:00Z,+1555,+4915110000001,in,,a,\n\
             2026-02-01T00:00:01Z,+1555,+15110000001,in,,b,\n\
             2026-02-01T00:00:02Z,+1555,+4915110000001,in,,c,\n"
        ));
        let got = whole_log(&log, NOW, |_| Pricing::Other);
        assert_eq!(
            kinds(&got),
            [(Kind::NumberInTwoFormats, 2, "+4915110000001".to_string())]
        );
        assert!(
            got[0]
                .rejection
                .reason
                .contains("+15110000001 also appears")
        );
    }

    #[test]
    fn every_kind_has_its_plural() {
        assert_eq!(Kind::RejectedRow.plural(), "rejected rows");
        assert_eq!(
            Kind::StatusWithoutMessage.plural(),
            "status events without their message"
        );
    }
}
