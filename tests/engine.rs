//! The engine driven directly, with resolved settings (no command line):
//! streaming and in-memory reading give the same report, for wabill's CSV
//! and for Meta's webhooks, and an unsorted log falls back to memory.

use std::sync::Arc;

use wabill::engine::{Engine, ReadSettings, load, price_streaming};
use wabill::input::{ReadOptions, Source, format_named};
use wabill::model::Span;
use wabill::pricing::{ModelChoice, PricingContext};
use wabill::report::{Aggregator, GroupBy, MetaInput, Report};

fn context() -> PricingContext {
    PricingContext::builtin(ModelChoice::Auto)
}

fn settings(text: &str) -> ReadSettings {
    ReadSettings {
        sources: vec![Source::Bytes(Arc::from(text.as_bytes()))],
        options: ReadOptions::default(),
        quiet: true,
        rejects: None,
    }
}

fn report(input: &ReadSettings, engine: Engine) -> anyhow::Result<Report> {
    let two = report_on(input, engine, 2)?;
    assert_eq!(two, report_on(input, engine, 1)?, "1 and 2 threads agree");
    Ok(two)
}

fn report_on(input: &ReadSettings, engine: Engine, threads: usize) -> anyhow::Result<Report> {
    let ctx = context();
    let by = GroupBy::parse_list("market,category,pricing_type").unwrap();
    let mut aggregator = Aggregator::new(by, &ctx.markets);
    let streamed = price_streaming(
        input,
        &ctx,
        engine,
        Span::hours(24),
        threads,
        &mut aggregator,
    )?;
    Ok(aggregator.finish(
        &streamed.stats,
        MetaInput {
            model: "auto".into(),
            currency: "USD".into(),
            time_zone: "UTC".into(),
            inputs: streamed.files,
            input_formats: streamed.formats.iter().map(|f| f.to_string()).collect(),
        },
    ))
}

const SORTED: &str = "timestamp,customer,direction,category,message_id,status,entry_point\n\
    2026-02-02T10:00:00Z,+5511987650001,in,,i1,,ctwa\n\
    2026-02-02T10:05:00Z,+5511987650001,out,utility,o1,sent,\n\
    2026-02-02T10:05:01Z,+5511987650001,out,utility,o1,delivered,\n\
    2026-02-02T11:00:00Z,+4915112345678,out,marketing,o2,read,\n\
    2026-02-02T12:00:00Z,+919810000010,out,marketing,o3,failed,\n";

#[test]
fn streaming_and_memory_agree_and_unsorted_logs_fall_back() {
    let sorted = settings(SORTED);
    let streamed = report(&sorted, Engine::Stream).unwrap();
    assert_eq!(streamed, report(&sorted, Engine::Memory).unwrap());
    assert_eq!(streamed.accounting.rejected, 0);
    assert_eq!(streamed.meta.input_formats, ["csv"]);
    assert_eq!(streamed.totals.messages, 3, "outbound messages");

    let mut lines: Vec<&str> = SORTED.lines().collect();
    lines[1..].reverse();
    let unsorted = settings(&(lines.join("\n") + "\n"));
    let err = report(&unsorted, Engine::Stream).unwrap_err();
    assert!(err.to_string().starts_with("cannot stream"), "{err}");
    let mut auto = report(&unsorted, Engine::Auto).unwrap();
    auto.meta.inputs = streamed.meta.inputs.clone();
    assert_eq!(auto, streamed);
}

#[test]
fn a_forced_reader_and_webhooks_reach_the_same_engine() {
    let line = |value: &str| {
        format!(
            "{{\"object\":\"whatsapp_business_account\",\"entry\":[{{\"changes\":[{{\"field\":\"messages\",\"value\":{value}}}]}}]}}\n"
        )
    };
    let text = [
        line(
            r#"{"metadata":{"phone_number_id":"1"},"messages":[{"from":"5511987650001","id":"i1","timestamp":"1770026400","referral":{}}]}"#,
        ),
        line(
            r#"{"metadata":{"phone_number_id":"1"},"statuses":[{"id":"o1","status":"delivered","timestamp":"1770026700","recipient_id":"5511987650001","pricing":{"type":"free_entry_point","category":"utility","billable":false}}]}"#,
        ),
    ]
    .concat();
    let mut input = settings(&text);
    let webhooks = report(&input, Engine::Auto).unwrap();
    assert_eq!(webhooks.meta.input_formats, ["webhooks"]);
    assert_eq!(webhooks.totals.free, 1);
    assert_eq!(webhooks.accounting.rejected, 0);
    // Forced to CSV, the first notification is read as a header.
    input.options.format = Some(format_named("csv").unwrap());
    let err = report(&input, Engine::Memory).unwrap_err();
    assert!(
        err.to_string()
            .contains("missing required column \"timestamp\""),
        "{err}"
    );
    // In memory, Meta's decision is kept per message id.
    let loaded = load(context(), &settings(&text), true).unwrap();
    let id = loaded.log.messages[1].message_id;
    let meta = loaded.log.meta.get(id).copied().unwrap();
    assert_eq!(
        meta.pricing_type.map(|t| t.as_str()),
        Some("free_entry_point")
    );
    assert_eq!(meta.billable, Some(false));
}
