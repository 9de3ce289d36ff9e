//! Fuzzes the read → validate → price → report path on arbitrary bytes.
//!
//! Input layout: two control bytes, then the log body.
//! - byte 0: bits 0–2 pick a header (or none: the body is the whole file,
//!   header included), bits 3–5 the pricing model, bit 6 the time zone,
//!   bit 7 whether the body is split over two files.
//! - byte 1: bits 0–1 pick the streaming engine's status-event horizon.
//!
//! Checked on every input:
//! - nothing panics (reading, validating, sorting, collapsing, pricing,
//!   aggregating);
//! - rows read = messages + merged + not WhatsApp + rejected, and every rejection reaches
//!   the sink and names a file and a data line;
//! - messages come out in time order;
//! - costs are never negative, the report's accounting balances, its totals
//!   equal the sum of its lines and the sum of the priced costs;
//! - the streaming engine (`Settler`), when it does not give up, yields
//!   exactly the messages, merges and rejections of the in-memory path.

#![no_main]

use std::ops::ControlFlow;
use std::sync::{Arc, OnceLock};

use jiff::tz::TimeZone;
use libfuzzer_sys::fuzz_target;
use rust_decimal::Decimal;

use wabill::input::{Original, ReadOptions, Source};
use wabill::model::{Message, Span};
use wabill::pricing::{Model, ModelChoice, Pricer, PricingContext, PricingType};
use wabill::report::{Aggregator, GroupBy, Line, MetaInput};
use wabill::validate::{IdLinks, Log, Rejection, SeenIds, Settler, Validator, read_log, read_rows};

const HEADERS: [&[u8]; 7] = [
    b"timestamp,business,customer,direction,category,message_id,status,entry_point\n",
    b"timestamp,customer,direction,category,message_id,status,entry_point,country\n",
    b"timestamp;business;customer;direction;category;message_id;status;entry_point\n",
    b"timestamp\tcustomer\tdirection\tcategory\tmessage_id\tstatus\tcountry\n",
    b"timestamp,customer,direction\n",
    b"\xEF\xBB\xBFmessage_id,status,timestamp,customer,direction,category,business,country,entry_point\r\n",
    b"Timestamp , Customer,DIRECTION,category,message_id\r\n",
];

const MODELS: [ModelChoice; 6] = [
    ModelChoice::Auto,
    ModelChoice::Fixed(Model::Template2018),
    ModelChoice::Fixed(Model::Conversation2022),
    ModelChoice::Fixed(Model::Conversation2023),
    ModelChoice::Fixed(Model::PerMessage2025),
    ModelChoice::Fixed(Model::PerMessage2026_10),
];

const HORIZONS: [Span; 4] = [Span::ZERO, Span::HOUR, Span::hours(24), Span::hours(72)];

fn context(model: ModelChoice, kolkata: bool) -> PricingContext {
    let (zone, name) = if kolkata {
        (
            TimeZone::get("Asia/Kolkata").expect("bundled zone"),
            "Asia/Kolkata",
        )
    } else {
        (TimeZone::UTC, "UTC")
    };
    let mut ctx = PricingContext::builtin(model).with_zone(zone, name);
    // A small allowance, so short inputs reach its end.
    ctx.service_allowance = 3;
    ctx
}

/// Built-in cards parse once, not on every input: each model in UTC and in
/// Asia/Kolkata.
fn contexts() -> &'static [PricingContext] {
    static CONTEXTS: OnceLock<Vec<PricingContext>> = OnceLock::new();
    CONTEXTS.get_or_init(|| {
        MODELS
            .iter()
            .flat_map(|m| [context(*m, false), context(*m, true)])
            .collect()
    })
}

/// The files of one input: a header (unless raw) before each part.
fn sources(header: Option<&[u8]>, body: &[u8], split: bool) -> Vec<Source> {
    let parts: Vec<&[u8]> = if split {
        let mid = body.len() / 2;
        let cut = body[mid..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(body.len(), |i| mid + i + 1);
        vec![&body[..cut], &body[cut..]]
    } else {
        vec![body]
    };
    parts
        .into_iter()
        .map(|part| {
            let mut bytes = header.unwrap_or_default().to_vec();
            bytes.extend_from_slice(part);
            Source::Bytes(Arc::from(bytes))
        })
        .collect()
}

fn check_rejection(r: &Rejection, formats: &[&str]) {
    assert_eq!(r.at.file, "<memory>");
    assert!(!formats.is_empty());
    // In CSV, line 1 is the header and a rejected row is on a later line.
    // A body without a header that starts with `{` or `[` is read as JSON
    // (format detection), where a notification on line 1 is a row.
    let first = if formats.iter().all(|f| *f == "csv") {
        2
    } else {
        1
    };
    assert!(r.at.line >= first, "rejection on line {}: {r}", r.at.line);
    assert!(!r.reason.is_empty(), "{r}");
}

fuzz_target!(|data: &[u8]| {
    let [control, horizon, body @ ..] = data else {
        return;
    };
    let header = HEADERS.get(usize::from(control & 7)).copied();
    let model = usize::from(control >> 3 & 7) % MODELS.len();
    let kolkata = control & 0x40 != 0;
    let split = control & 0x80 != 0;
    let horizon = HORIZONS[usize::from(horizon & 3)];
    let sources = sources(header, body, split);
    let options = ReadOptions::default();

    // The in-memory path, as `price` and `validate` read.
    let mut rejections = Vec::new();
    let read = read_log(
        &sources,
        &options,
        true,
        &mut |r: &Rejection, _: Option<Original<'_>>| rejections.push(r.clone()),
        &mut |_, _| {},
    );
    let log = match read {
        Ok(log) => log,
        Err(e) => {
            // A whole-file error (bad header, CSV error) names the file.
            let text = e.to_string();
            assert!(text.starts_with("<memory>"), "{text}");
            // Streaming must not read such input successfully either.
            let streamed = stream(&sources, &options, horizon);
            assert!(
                !matches!(streamed, Some(Ok(_))),
                "streaming read what the in-memory path rejected: {text}"
            );
            return;
        }
    };
    let s = &log.stats;
    assert_eq!(
        s.rows_read,
        log.messages.len() as u64 + s.merged + s.not_whatsapp + s.rejected,
        "{s:?}"
    );
    assert_eq!(s.rejected, rejections.len() as u64);
    for r in &rejections {
        check_rejection(r, &log.formats);
    }
    // Time order (inbound first at equal times). The content tie-break of
    // `log_order` is decided by each message's first row, before later
    // status events merge into it, so it is not checked on merged messages.
    assert!(
        log.messages
            .windows(2)
            .all(|w| w[0].order_key() <= w[1].order_key()),
        "messages out of time order"
    );

    // Pricing and the report.
    let ctx = &contexts()[model * 2 + usize::from(kolkata)];
    let mut pricer = Pricer::new(ctx);
    let mut aggregator = Aggregator::new(
        vec![GroupBy::Market, GroupBy::Category, GroupBy::PricingType],
        &ctx.markets,
    );
    let mut charged = Decimal::ZERO;
    for m in &log.messages {
        let result = pricer.price(m, &log.strings);
        if let Ok(p) = &result {
            assert!(p.cost >= Decimal::ZERO, "negative cost {p:?}");
            if p.pricing_type == PricingType::Regular {
                charged += p.cost;
            } else {
                assert_eq!(p.cost, Decimal::ZERO, "free message with a cost {p:?}");
            }
        }
        aggregator.add(m, &result, &log.strings);
    }
    let report = aggregator.finish(
        &log.stats,
        MetaInput {
            model: ctx.model.name().to_string(),
            currency: "USD".into(),
            time_zone: ctx.default_zone_name.clone(),
            inputs: log.files.clone(),
            input_formats: vec!["csv".into()],
        },
    );
    let acc = &report.accounting;
    assert!(acc.balances(), "{acc:?}");
    assert_eq!(acc.rows_read, s.rows_read);
    // Call rows (a `kind` column) are messages of the log, counted apart.
    assert_eq!(
        acc.inbound + acc.outbound + acc.calls,
        log.messages.len() as u64
    );
    let mut sum = Line {
        conversations: report.totals.conversations.map(|_| 0),
        ..Line::default()
    };
    for row in &report.rows {
        sum.add(&row.line);
    }
    assert_eq!(sum.cost, report.totals.cost);
    assert_eq!(sum, report.totals);
    assert_eq!(report.totals.cost, charged);
    assert_eq!(
        report.totals.messages,
        acc.charged + acc.free + acc.not_delivered
    );

    // The streaming engine agrees whenever it streams.
    if let Some(streamed) = stream(&sources, &options, horizon) {
        let (messages, stats, rejected) = streamed.expect("the in-memory path read it");
        assert_eq!(stats, log.stats, "streamed accounting differs");
        assert_eq!(rejected, rejections.len() as u64);
        // Customer ids are the interner's, which the streaming engine
        // frees and reuses: messages are compared with their customers'
        // numbers instead.
        let in_memory: Vec<(Message, String)> = log
            .messages
            .iter()
            .map(|m| {
                let name = log.strings.customers.get(m.customer).to_string();
                (Message { customer: 0, ..*m }, name)
            })
            .collect();
        assert_eq!(messages, in_memory, "streamed messages differ");
    }
});

/// Reads like `estimate --engine stream`: `None` when the input cannot be
/// streamed, else the messages in release order, the stats and the number of
/// rejections.
#[allow(clippy::type_complexity)]
fn stream(
    sources: &[Source],
    options: &ReadOptions,
    horizon: Span,
) -> Option<Result<(Vec<(Message, String)>, wabill::validate::LogStats, u64), ()>> {
    let mut validator = Validator::new(true);
    let mut log = Log::default();
    let mut settler = Settler::new(horizon);
    let mut links = IdLinks::new(horizon);
    let mut seen = SeenIds::default();
    let mut out = Vec::new();
    let mut rejected = 0u64;
    let mut sink = |_: &Rejection, _: Option<Original<'_>>| rejected += 1;
    let flow = read_rows(
        sources,
        options,
        &mut validator,
        &mut log,
        &mut sink,
        &mut |_, _| {},
        &mut |m, validator, log, sink| {
            let Log { files, stats, .. } = log;
            let first = links.link(&m, seen.first(&m));
            let strings = &validator.strings;
            match settler.push(m, first, stats, files, strings, sink, &mut |m| {
                out.push(named(m, strings))
            }) {
                Ok(()) => ControlFlow::Continue(()),
                Err(why) => ControlFlow::Break(why),
            }
        },
    );
    match flow {
        Err(_) => Some(Err(())),
        Ok(ControlFlow::Break(_)) => None,
        Ok(ControlFlow::Continue(())) => {
            let strings = &validator.strings;
            settler.finish(strings, &mut |m| out.push(named(m, strings)));
            Some(Ok((out, log.stats, rejected)))
        }
    }
}

/// A released message with its customer's number (see the comparison).
fn named(m: &Message, strings: &wabill::validate::Strings) -> (Message, String) {
    let name = strings.customers.get(m.customer).to_string();
    (Message { customer: 0, ..*m }, name)
}
