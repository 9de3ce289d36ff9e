//! `wabill validate`: every problem in the logs, as data on stdout, with a
//! summary by kind. Rejected rows, plus plausibility checks that need the
//! whole log: service messages outside any customer service window (WhatsApp
//! would have refused them), timestamps in the future or before 2018, and a
//! customer number that also appears without its country code.

use std::collections::{BTreeMap, HashSet};

use anyhow::Result;

use super::estimate::style_for_stdout;
use super::output::Output;
use super::settings;
use crate::cli::ValidateArgs;
use crate::engine::note;
use crate::error::Exit;
use crate::input::Column;
use crate::model::{Category, Direction, Micros};
use crate::output::rejects::RejectsFile;
use crate::pricing::Pricer;
use crate::render::problems as render;
use crate::validate::{Log, Rejection, read_log};

/// 2018-01-01T00:00:00Z: the WhatsApp Business API launched in August 2018.
const EARLIEST_PLAUSIBLE: Micros = 1_514_764_800_000_000;

struct Problem {
    kind: &'static str,
    rejection: Rejection,
}

fn at(
    log: &Log,
    m: &crate::model::Message,
    column: Column,
    value: String,
    reason: String,
) -> Rejection {
    Rejection {
        at: log.location(m.source, Some(column)),
        column: Some(column.name().to_string()),
        value,
        reason,
    }
}

pub fn run(args: &ValidateArgs) -> Result<Exit> {
    let ctx = settings::pricing_context(&args.pricing)?;
    let input = settings::read_settings(&args.input)?;
    let mut problems: Vec<Problem> = Vec::new();
    let mut rejects = args
        .input
        .rejects
        .as_deref()
        .map(RejectsFile::create)
        .transpose()?;
    let log = read_log(
        &input.sources,
        &input.options,
        true,
        &mut |r: &Rejection, record: Option<crate::input::Original<'_>>| {
            if let Some(file) = &mut rejects {
                file.write(r, record);
            }
            problems.push(Problem {
                kind: "rejected row",
                rejection: r.clone(),
            })
        },
        &mut |_, _| {},
    )?;
    if let Some(file) = rejects {
        file.finish()?;
    }

    let now = jiff::Timestamp::now().as_microsecond();
    let mut pricer = Pricer::new(&ctx);
    for m in &log.messages {
        let stamp = || {
            jiff::Timestamp::from_microsecond(m.at.as_micros())
                .map_or(String::new(), |t| t.to_string())
        };
        if m.at.as_micros() > now {
            problems.push(Problem {
                kind: "future timestamp",
                rejection: at(
                    &log,
                    m,
                    Column::Timestamp,
                    stamp(),
                    "is in the future".into(),
                ),
            });
        } else if m.at.as_micros() < EARLIEST_PLAUSIBLE {
            problems.push(Problem {
                kind: "timestamp before 2018",
                rejection: at(
                    &log,
                    m,
                    Column::Timestamp,
                    stamp(),
                    "is before 2018, when the Business API did not exist".into(),
                ),
            });
        }
        let priced = pricer.price(m, &log.strings);
        if let Err(crate::pricing::Unpriced::NoCategory) = &priced {
            let id = m.message_id.map_or(String::new(), |k| {
                log.strings.message_ids.get(k).to_string()
            });
            problems.push(Problem {
                kind: "status event without its message",
                rejection: at(
                    &log,
                    m,
                    Column::MessageId,
                    id,
                    "only status events (kind status) name this message: no row gives its \
                     category"
                        .into(),
                ),
            });
        }
        if m.direction == Direction::Out
            && m.category == Some(Category::Service)
            && m.status.is_delivered()
            && let Ok(p) = &priced
            && p.windows
                .is_some_and(|w| w.service_window.is_none() && w.entry_window.is_none())
        {
            problems.push(Problem {
                kind: "service outside window",
                rejection: at(
                    &log,
                    m,
                    Column::Category,
                    "service".into(),
                    "free-form message outside any customer service window (WhatsApp only accepts templates there)".into(),
                ),
            });
        }
    }
    // A number that is another number without its country code.
    let numbers: HashSet<&str> = (0..log.strings.customers.len() as u32)
        .map(|i| log.strings.customers.get(i))
        .collect();
    let mut reported = HashSet::new();
    for m in &log.messages {
        let digits = log.strings.customers.get(m.customer);
        for cc in 1..=3.min(digits.len().saturating_sub(7)) {
            let national = &digits[cc..];
            if numbers.contains(national) && reported.insert(national) {
                problems.push(Problem {
                    kind: "number in two formats",
                    rejection: at(
                        &log,
                        m,
                        Column::Customer,
                        format!("+{digits}"),
                        format!(
                            "+{national} also appears: the same number without its country code?"
                        ),
                    ),
                });
            }
        }
    }
    problems.sort_by(|a, b| (&a.rejection.at, a.kind).cmp(&(&b.rejection.at, b.kind)));

    let mut output = Output::open(None)?;
    let list: Vec<render::Problem<'_>> = problems
        .iter()
        .map(|p| render::Problem {
            kind: p.kind,
            rejection: &p.rejection,
        })
        .collect();
    render::render(&list, args.format, style_for_stdout(false), output.writer())?;
    output.finish()?;
    let mut by_kind: BTreeMap<&str, u64> = BTreeMap::new();
    for p in &problems {
        *by_kind.entry(p.kind).or_default() += 1;
    }
    let summary: Vec<String> = by_kind
        .iter()
        .map(|(k, n)| count(*n, k, &plural_kind(k)))
        .collect();
    let read = format!(
        "{}, {}",
        count(log.stats.rows_read, "row read", "rows read"),
        count(log.messages.len() as u64, "message", "messages")
    );
    if problems.is_empty() {
        note(&format!("{read}, no problems"));
        Ok(Exit::Ok)
    } else {
        note(&format!(
            "{read}, {}: {}",
            count(problems.len() as u64, "problem", "problems"),
            summary.join(", ")
        ));
        Ok(Exit::Error)
    }
}

/// `1 row`, `2 rows`.
fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A problem kind's plural: its first word takes the `s`
/// ("timestamps before 2018"), or its last when it ends in a noun
/// ("rejected rows").
fn plural_kind(kind: &str) -> String {
    match kind.split_once(' ') {
        Some((first, rest)) if first.ends_with("ed") => format!("{first} {rest}s"),
        Some((first, rest))
            if rest.starts_with("before")
                || rest.starts_with("in ")
                || rest.starts_with("outside") =>
        {
            format!("{first}s {rest}")
        }
        _ => format!("{kind}s"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_kinds_have_plurals() {
        assert_eq!(plural_kind("rejected row"), "rejected rows");
        assert_eq!(plural_kind("future timestamp"), "future timestamps");
        assert_eq!(
            plural_kind("timestamp before 2018"),
            "timestamps before 2018"
        );
        assert_eq!(
            plural_kind("service outside window"),
            "services outside window"
        );
        assert_eq!(
            plural_kind("number in two formats"),
            "numbers in two formats"
        );
        assert_eq!(count(1, "problem", "problems"), "1 problem");
        assert_eq!(count(0, "problem", "problems"), "0 problems");
    }
}
