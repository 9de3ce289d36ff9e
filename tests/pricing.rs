//! Library-level tests through the public API: read → price → aggregate.
//! Worked examples from docs/pricing-rules.md §11 and properties over small generated
//! logs (February 2026, where the built-in USD card is complete).

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use wabill::input::{ReadOptions, Source};
use wabill::model::{Category, Direction, Message};
use wabill::pricing::{Model, ModelChoice, Pricer, PricingContext, PricingType};
use wabill::refdata::businesses::Businesses;
use wabill::refdata::tiers::TierTable;
use wabill::report::{Aggregator, GroupBy, MetaInput, Report};
use wabill::validate::{Log, Rejection, read_log};

const HEADER: &str = "timestamp,business,customer,direction,category,message_id,status,entry_point";
const HOUR_US: i64 = 3_600_000_000;

// ---------------------------------------------------------------- harness

/// A CSV file under the system temp dir, removed on drop.
struct TempCsv(PathBuf);

impl TempCsv {
    fn new(text: &str) -> TempCsv {
        static N: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "wabill-pricing-test-{}-{}.csv",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, text).expect("write temp log");
        TempCsv(path)
    }

    fn source(&self) -> Source {
        Source::Path(self.0.clone())
    }
}

impl Drop for TempCsv {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

struct Setup {
    model: ModelChoice,
    tiers: Option<&'static str>,
    businesses: Option<&'static str>,
    zone: &'static str,
    service_allowance: u64,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            model: ModelChoice::Auto,
            tiers: None,
            businesses: None,
            zone: "UTC",
            service_allowance: wabill::pricing::Allowance::ServiceMessages.default_size(),
        }
    }
}

fn context(setup: &Setup) -> PricingContext {
    let zone = if setup.zone == "UTC" {
        TimeZone::UTC
    } else {
        TimeZone::get(setup.zone).expect("known zone")
    };
    let mut ctx =
        PricingContext::builtin(setup.model).with_zone(zone.clone(), setup.zone.to_string());
    if let Some(text) = setup.tiers {
        ctx.tiers = TierTable::parse("tiers.csv", text, &mut ctx.markets).expect("valid tiers");
    }
    if let Some(text) = setup.businesses {
        ctx.businesses = Businesses::parse("businesses.csv", text, &(zone, setup.zone.to_string()))
            .expect("valid businesses");
    }
    ctx.service_allowance = setup.service_allowance;
    ctx
}

/// What pricing said about one message, owned.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Outcome {
    message: Message,
    id: String,
    pricing_type: Option<PricingType>,
    pricing_category: Option<Category>,
    cost: Option<Decimal>,
    counted_as: Option<u64>,
    /// (conversation id, opened it), priced or not.
    conversation: Option<(u64, bool)>,
}

struct Run {
    log: Log,
    rejections: Vec<Rejection>,
    outcomes: Vec<Outcome>,
    report: Report,
}

impl Run {
    fn outcome(&self, id: &str) -> &Outcome {
        self.outcomes
            .iter()
            .find(|o| o.id == id)
            .unwrap_or_else(|| panic!("no message {id}"))
    }

    fn total(&self) -> Decimal {
        self.report.totals.cost
    }

    /// The report as JSON without `meta.inputs` (file names differ).
    fn comparable(&self) -> serde_json::Value {
        let mut json = Vec::new();
        wabill::render::write(
            &self.report,
            wabill::render::Format::Json,
            Default::default(),
            &mut json,
        )
        .expect("report serializes");
        let mut v: serde_json::Value = serde_json::from_slice(&json).expect("JSON");
        v["meta"]
            .as_object_mut()
            .expect("meta object")
            .remove("inputs");
        v
    }
}

fn run_sources(ctx: &PricingContext, sources: &[Source]) -> Run {
    let mut rejections = Vec::new();
    let log = read_log(
        sources,
        &ReadOptions::default(),
        true,
        &mut |r: &Rejection, _: Option<wabill::input::Original<'_>>| rejections.push(r.clone()),
        &mut |_, _| {},
    )
    .expect("readable log");
    let mut pricer = Pricer::new(ctx);
    let mut aggregator = Aggregator::new(
        vec![GroupBy::Market, GroupBy::Category, GroupBy::PricingType],
        &ctx.markets,
    );
    let mut outcomes = Vec::new();
    for m in &log.messages {
        let result = pricer.price(m, &log.strings);
        aggregator.add(m, &result, &log.strings);
        let ok = result.as_ref().ok();
        outcomes.push(Outcome {
            message: *m,
            id: m.message_id.map_or(String::new(), |i| {
                log.strings.message_ids.get(i).to_string()
            }),
            pricing_type: ok.map(|p| p.pricing_type),
            pricing_category: ok.and_then(|p| p.pricing_category),
            cost: ok.map(|p| p.cost),
            counted_as: ok.and_then(|p| p.counted_as),
            conversation: match &result {
                Ok(p) => p.conversation,
                Err(e) => e.conversation(),
            }
            .map(|c| (c.conversation.id, c.opened)),
        });
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
    Run {
        log,
        rejections,
        outcomes,
        report,
    }
}

fn run_csv(setup: &Setup, csv: &str) -> Run {
    let file = TempCsv::new(csv);
    run_sources(&context(setup), &[file.source()])
}

fn log_of(rows: &[&str]) -> String {
    let mut s = format!("{HEADER}\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

// ------------------------------------------------------- worked examples

#[test]
fn meta_example_charges_marketing_and_the_late_utility_only() {
    let run = run_csv(
        &Setup::default(),
        &log_of(&[
            "2026-02-02T00:00:00Z,+551140000001,+5511987654321,out,marketing,h0,,",
            "2026-02-02T02:00:00Z,+551140000001,+5511987654321,in,,h2,,",
            "2026-02-02T03:00:00Z,+551140000001,+5511987654321,out,service,h3,,",
            "2026-02-02T04:00:00Z,+551140000001,+5511987654321,out,utility,h4,,",
            "2026-02-03T06:00:00Z,+551140000001,+5511987654321,out,utility,h30,,",
        ]),
    );
    let charged: Vec<&str> = run
        .outcomes
        .iter()
        .filter(|o| o.pricing_type == Some(PricingType::Regular))
        .map(|o| o.id.as_str())
        .collect();
    assert_eq!(charged, ["h0", "h30"]);
    // Brazil, 2026-01-01 card: marketing 0.0625 + utility 0.0068.
    assert_eq!(run.total(), dec!(0.0693));
    assert_eq!(run.report.accounting.charged, 2);
    assert_eq!(run.report.accounting.free, 2);
}

#[test]
fn sleekflow_example_three_charges_or_one_inside_the_window() {
    // docs/pricing-rules.md §11 example 8, first half: all outside any window.
    let outside = run_csv(
        &Setup::default(),
        &log_of(&[
            "2026-02-02T10:00:00Z,+551140000001,+5511987654321,out,marketing,s1,,",
            "2026-02-02T11:00:00Z,+551140000001,+5511987654321,out,utility,s2,,",
            "2026-02-02T12:00:00Z,+551140000001,+5511987654321,out,utility,s3,,",
        ]),
    );
    assert_eq!(outside.report.accounting.charged, 3);
    assert_eq!(outside.total(), dec!(0.0625) + dec!(0.0068) + dec!(0.0068));

    // Second half: the customer wrote first, so both utilities are free.
    let inside = run_csv(
        &Setup::default(),
        &log_of(&[
            "2026-02-02T09:30:00Z,+551140000001,+5511987654321,in,,s0,,",
            "2026-02-02T10:00:00Z,+551140000001,+5511987654321,out,marketing,s1,,",
            "2026-02-02T11:00:00Z,+551140000001,+5511987654321,out,utility,s2,,",
            "2026-02-02T12:00:00Z,+551140000001,+5511987654321,out,utility,s3,,",
        ]),
    );
    assert_eq!(inside.report.accounting.charged, 1);
    assert_eq!(
        inside.outcome("s1").pricing_type,
        Some(PricingType::Regular)
    );
    assert_eq!(inside.total(), dec!(0.0625));
}

#[test]
fn reply_at_exactly_24_hours_is_outside_the_window() {
    let run = run_csv(
        &Setup::default(),
        &log_of(&[
            "2026-02-02T10:00:00Z,b,+5511987650001,in,,a-in,,",
            "2026-02-03T09:59:59.999Z,b,+5511987650001,out,utility,a-out,,",
            "2026-02-02T10:00:00Z,b,+5511987650002,in,,b-in,,",
            "2026-02-03T10:00:00Z,b,+5511987650002,out,utility,b-out,,",
        ]),
    );
    assert_eq!(
        run.outcome("a-out").pricing_type,
        Some(PricingType::FreeCustomerService)
    );
    assert_eq!(
        run.outcome("b-out").pricing_type,
        Some(PricingType::Regular)
    );
}

#[test]
fn e4_rules_charge_in_window_utility_and_count_service_messages() {
    // §4 item 9: Meta's example re-run from 2026-10-01.
    let run = run_csv(
        &Setup::default(),
        &log_of(&[
            "2026-10-05T00:00:00Z,+551140000001,+5511987654321,out,marketing,h0,,",
            "2026-10-05T02:00:00Z,+551140000001,+5511987654321,in,,h2,,",
            "2026-10-05T03:00:00Z,+551140000001,+5511987654321,out,service,h3,,",
            "2026-10-05T04:00:00Z,+551140000001,+5511987654321,out,utility,h4,,",
            "2026-10-06T06:00:00Z,+551140000001,+5511987654321,out,utility,h30,,",
        ]),
    );
    assert_eq!(run.outcome("h3").pricing_type, Some(PricingType::FreeTier));
    assert_eq!(run.outcome("h3").counted_as, Some(1));
    assert_eq!(run.outcome("h4").pricing_type, Some(PricingType::Regular));
    assert_eq!(run.outcome("h4").cost, Some(dec!(0.0068)));
    assert_eq!(run.total(), dec!(0.0625) + dec!(0.0068) + dec!(0.0068));
}

#[test]
fn e4_service_allowance_is_per_business_number_and_month() {
    // An allowance of 2 instead of 1,000 keeps the log small; the third
    // service message of a business number in a month pays the utility rate,
    // without tiers even when a tier table covers utility.
    let setup = Setup {
        service_allowance: 2,
        tiers: Some(
            "market,category,from,to,rate,currency,effective_from\n\
             Brazil,utility,1,,0.0001,USD,2026-01-01\n",
        ),
        ..Setup::default()
    };
    let run = run_csv(
        &setup,
        &log_of(&[
            "2026-10-05T00:00:00Z,b1,+5511987650001,in,,i1,,",
            "2026-10-05T00:00:00Z,b2,+5511987650001,in,,i2,,",
            "2026-10-05T01:00:00Z,b1,+5511987650001,out,service,s1,,",
            "2026-10-05T02:00:00Z,b1,+5511987650001,out,service,s2,,",
            // Failed: not counted against the allowance.
            "2026-10-05T02:30:00Z,b1,+5511987650001,out,service,s2f,failed,",
            "2026-10-05T03:00:00Z,b1,+5511987650001,out,service,s3,,",
            // Another business number has its own allowance.
            "2026-10-05T03:00:00Z,b2,+5511987650001,out,service,t1,,",
            // November: the count restarts.
            "2026-11-01T00:00:00Z,b1,+5511987650001,in,,i3,,",
            "2026-11-01T01:00:00Z,b1,+5511987650001,out,service,s4,,",
        ]),
    );
    let ty = |id| run.outcome(id).pricing_type;
    assert_eq!(ty("s1"), Some(PricingType::FreeTier));
    assert_eq!(ty("s2"), Some(PricingType::FreeTier));
    assert_eq!(ty("s2f"), Some(PricingType::NotDelivered));
    assert_eq!(ty("s3"), Some(PricingType::Regular));
    assert_eq!(run.outcome("s3").pricing_category, Some(Category::Utility));
    assert_eq!(run.outcome("s3").cost, Some(dec!(0.0068)));
    assert_eq!(run.outcome("s3").counted_as, Some(3));
    assert_eq!(ty("t1"), Some(PricingType::FreeTier));
    assert_eq!(ty("s4"), Some(PricingType::FreeTier));
    assert_eq!(run.outcome("s4").counted_as, Some(1));
    assert_eq!(run.total(), dec!(0.0068));
}

const TIERS: &str = "market,category,from,to,rate,currency,effective_from\n\
    Brazil,utility,1,2,0.0068,USD,2026-01-01\n\
    Brazil,utility,3,,0.005,USD,2026-01-01\n\
    Brazil,authentication,1,2,0.0068,USD,2026-01-01\n\
    Brazil,authentication,3,,0.006,USD,2026-01-01\n";

#[test]
fn volume_tiers_are_marginal() {
    let setup = Setup {
        tiers: Some(TIERS),
        ..Setup::default()
    };
    let run = run_csv(
        &setup,
        &log_of(&[
            "2026-02-02T10:00:00Z,b,+5511987650001,out,utility,u1,,",
            "2026-02-03T10:00:00Z,b,+5511987650002,out,utility,u2,,",
            "2026-02-04T10:00:00Z,b,+5511987650003,out,utility,u3,,",
            "2026-02-05T10:00:00Z,b,+5511987650004,out,utility,u4,,",
        ]),
    );
    let costs: Vec<Decimal> = run.outcomes.iter().filter_map(|o| o.cost).collect();
    assert_eq!(
        costs,
        [dec!(0.0068), dec!(0.0068), dec!(0.005), dec!(0.005)],
        "bands 1–2 at the list rate 0.0068, 3+ at 0.005"
    );
    assert_eq!(run.total(), dec!(0.0236));
}

#[test]
fn free_and_failed_messages_do_not_count_toward_tiers() {
    let setup = Setup {
        tiers: Some(TIERS),
        ..Setup::default()
    };
    let run = run_csv(
        &setup,
        &log_of(&[
            "2026-02-02T09:00:00Z,b,+5511987650001,in,,i1,,",
            "2026-02-02T10:00:00Z,b,+5511987650001,out,utility,free1,,",
            "2026-02-02T10:00:00Z,b,+5511987650002,out,utility,failed1,failed,",
            "2026-02-03T10:00:00Z,b,+5511987650002,out,utility,u1,,",
            "2026-02-03T11:00:00Z,b,+5511987650002,out,utility,u2,,",
            "2026-02-03T12:00:00Z,b,+5511987650002,out,utility,u3,,",
        ]),
    );
    assert_eq!(run.outcome("u1").counted_as, Some(1));
    assert_eq!(run.outcome("u3").counted_as, Some(3));
    assert_eq!(run.total(), dec!(0.0186));
}

#[test]
fn tier_count_resets_on_the_first_in_the_business_zone() {
    // São Paulo is UTC−3: 2026-03-01T02:00Z is still 28 February there.
    let setup = Setup {
        tiers: Some(TIERS),
        businesses: Some("business,timezone,portfolio,home_country\nb,America/Sao_Paulo,acme,BR\n"),
        ..Setup::default()
    };
    let rows = [
        "2026-02-26T10:00:00Z,b,+5511987650001,out,utility,u1,,",
        "2026-02-27T10:00:00Z,b,+5511987650001,out,utility,u2,,",
        "2026-03-01T02:59:59Z,b,+5511987650001,out,utility,u3,,",
        "2026-03-01T03:00:00Z,b,+5511987650001,out,utility,u4,,",
        "2026-03-02T03:00:00Z,b,+5511987650001,out,utility,u5,,",
    ];
    let run = run_csv(&setup, &log_of(&rows));
    let cost = |id| run.outcome(id).cost;
    assert_eq!(cost("u3"), Some(dec!(0.005)), "3rd of February (local)");
    assert_eq!(cost("u4"), Some(dec!(0.0068)), "1st of March (local)");
    assert_eq!(cost("u5"), Some(dec!(0.0068)), "2nd of March (local)");
    assert_eq!(run.total(), dec!(0.0322));

    // In UTC the same messages split 2 + 3.
    let utc = run_csv(
        &Setup {
            tiers: Some(TIERS),
            ..Setup::default()
        },
        &log_of(&rows),
    );
    let costs: Vec<Decimal> = utc.outcomes.iter().filter_map(|o| o.cost).collect();
    assert_eq!(
        costs,
        [
            dec!(0.0068),
            dec!(0.0068),
            dec!(0.0068),
            dec!(0.0068),
            dec!(0.005)
        ]
    );
}

#[test]
fn tiers_are_counted_per_portfolio() {
    let setup = Setup {
        tiers: Some(TIERS),
        businesses: Some(
            "business,timezone,portfolio,home_country\n\
             b1,UTC,acme,\nb2,UTC,acme,\nb3,UTC,other,\n",
        ),
        ..Setup::default()
    };
    let run = run_csv(
        &setup,
        &log_of(&[
            "2026-02-02T10:00:00Z,b1,+5511987650001,out,utility,u1,,",
            "2026-02-02T11:00:00Z,b2,+5511987650001,out,utility,u2,,",
            "2026-02-02T12:00:00Z,b3,+5511987650001,out,utility,u3,,",
            "2026-02-02T13:00:00Z,b2,+5511987650001,out,utility,u4,,",
        ]),
    );
    assert_eq!(run.outcome("u3").counted_as, Some(1), "other portfolio");
    assert_eq!(
        run.outcome("u4").counted_as,
        Some(3),
        "b1 and b2 share acme"
    );
    assert_eq!(run.outcome("u4").cost, Some(dec!(0.005)));
}

#[test]
fn failed_reply_does_not_use_up_the_free_entry_point() {
    let run = run_csv(
        &Setup::default(),
        &log_of(&[
            "2026-02-02T10:00:00Z,b,+5511987650001,in,,e1,,ctwa",
            "2026-02-02T11:00:00Z,b,+5511987650001,out,marketing,e2,failed,",
            "2026-02-02T12:00:00Z,b,+5511987650001,out,marketing,e3,,",
            "2026-02-05T11:59:59Z,b,+5511987650001,out,marketing,e4,,",
            "2026-02-05T12:00:00Z,b,+5511987650001,out,marketing,e5,,",
        ]),
    );
    let ty = |id| run.outcome(id).pricing_type;
    assert_eq!(ty("e2"), Some(PricingType::NotDelivered));
    assert_eq!(ty("e3"), Some(PricingType::FreeEntryPoint));
    assert_eq!(ty("e4"), Some(PricingType::FreeEntryPoint));
    assert_eq!(ty("e5"), Some(PricingType::Regular));
}

/// A customer comes back from an ad while a free entry point window is
/// open: the first reply to the new entry point opens a new window
/// `[reply, reply + 72 h)`, even inside the old one.
#[test]
fn reply_to_a_new_entry_point_inside_an_open_window_opens_a_new_window() {
    let run = run_csv(
        &Setup::default(),
        &log_of(&[
            // Old window [01:00 on the 2nd, 01:00 on the 5th).
            "2026-02-02T00:00:00Z,b,+5511987650001,in,,a-e1,,ctwa",
            "2026-02-02T01:00:00Z,b,+5511987650001,out,service,a-r1,,",
            "2026-02-04T12:00:00Z,b,+5511987650001,in,,a-e2,,ctwa",
            // New window [13:00 on the 4th, 13:00 on the 7th).
            "2026-02-04T13:00:00Z,b,+5511987650001,out,service,a-r2,,",
            "2026-02-07T12:59:59Z,b,+5511987650001,out,marketing,a-m1,,",
            "2026-02-07T13:00:00Z,b,+5511987650001,out,marketing,a-m2,,",
            // The same, with a message after the old window ends: it must
            // not open a window of its own (that one would end on the 8th).
            "2026-02-02T00:00:00Z,b,+5511987650002,in,,b-e1,,ctwa",
            "2026-02-02T01:00:00Z,b,+5511987650002,out,service,b-r1,,",
            "2026-02-04T12:00:00Z,b,+5511987650002,in,,b-e2,,ctwa",
            "2026-02-04T13:00:00Z,b,+5511987650002,out,service,b-r2,,",
            "2026-02-05T08:00:00Z,b,+5511987650002,out,marketing,b-m1,,",
            "2026-02-07T20:00:00Z,b,+5511987650002,out,marketing,b-m2,,",
        ]),
    );
    let ty = |id| run.outcome(id).pricing_type;
    for id in ["a-r1", "a-r2", "a-m1", "b-r1", "b-r2", "b-m1"] {
        assert_eq!(ty(id), Some(PricingType::FreeEntryPoint), "{id}");
    }
    assert_eq!(ty("a-m2"), Some(PricingType::Regular));
    assert_eq!(ty("b-m2"), Some(PricingType::Regular));
}

/// Conversation-2023: the reply to the new entry point joins the open free
/// entry point conversation and spends it; once that conversation ends, a
/// marketing template opens an ordinary, charged conversation.
#[test]
fn conversation_reply_to_a_new_entry_point_joins_the_open_one() {
    let run = run_csv(
        &Setup::default(),
        &log_of(&[
            "2024-12-02T00:00:00Z,b,+5511987650001,in,,e1,,ctwa",
            "2024-12-02T01:00:00Z,b,+5511987650001,out,service,r1,,",
            "2024-12-04T12:00:00Z,b,+5511987650001,in,,e2,,ctwa",
            "2024-12-04T13:00:00Z,b,+5511987650001,out,service,r2,,",
            "2024-12-05T08:00:00Z,b,+5511987650001,out,marketing,m1,,",
        ]),
    );
    let ty = |id| run.outcome(id).pricing_type;
    assert_eq!(ty("r1"), Some(PricingType::FreeEntryPoint));
    assert_eq!(ty("r2"), Some(PricingType::InConversation));
    assert_eq!(run.outcome("r2").conversation, Some((1, false)));
    assert_eq!(ty("m1"), Some(PricingType::Regular));
    assert_eq!(run.outcome("m1").conversation, Some((2, true)));
    assert_eq!(run.total(), dec!(0.0625));
}

/// A log's `authentication_international` to a recipient in the business's
/// home country pays the domestic rate; elsewhere, or with no home country
/// known, it keeps the international one.
#[test]
fn authentication_international_at_home_pays_domestic() {
    let run = run_csv(
        &Setup {
            businesses: Some("business,timezone,portfolio,home_country\nin,,,IN\nbr,,,BR\n"),
            ..Setup::default()
        },
        &log_of(&[
            "2026-02-02T10:00:00Z,in,+919812345678,out,authentication_international,home,,",
            "2026-02-02T10:00:00Z,br,+919812345678,out,authentication_international,abroad,,",
            "2026-02-02T10:00:00Z,other,+919812345678,out,authentication_international,unknown,,",
        ]),
    );
    let paid = |id| (run.outcome(id).pricing_category, run.outcome(id).cost);
    assert_eq!(
        paid("home"),
        (Some(Category::Authentication), Some(dec!(0.0014)))
    );
    let intl = (
        Some(Category::AuthenticationInternational),
        Some(dec!(0.0280)),
    );
    assert_eq!(paid("abroad"), intl);
    assert_eq!(paid("unknown"), intl);
}

/// `(+44) 7700 …`: parentheses around the country code and its `+` are
/// formatting, like spaces.
#[test]
fn plus_inside_parentheses_is_a_valid_number() {
    let run = run_csv(
        &Setup::default(),
        &log_of(&["2026-02-02T10:00:00Z,b,(+44) 7700 900123,out,marketing,uk,,"]),
    );
    assert!(run.rejections.is_empty(), "{:?}", run.rejections);
    assert_eq!(
        run.log
            .strings
            .customers
            .get(run.outcome("uk").message.customer),
        "447700900123"
    );
    assert_eq!(run.report.accounting.charged, 1);
}

/// A webhook's `failed` status row names no category: it merges into its
/// message (which is then not charged) instead of being rejected. Without a
/// message id it has nothing to merge into and is still rejected.
#[test]
fn failed_status_row_without_category_merges_into_its_message() {
    let run = run_csv(
        &Setup::default(),
        &log_of(&[
            "2026-02-02T10:00:00Z,b,+5511987650001,out,marketing,f1,sent,",
            "2026-02-02T10:00:03Z,b,+5511987650001,out,,f1,failed,",
            "2026-02-02T11:00:00Z,b,+5511987650001,out,,f2,failed,",
            "2026-02-02T12:00:00Z,b,+5511987650001,out,,,failed,",
        ]),
    );
    assert_eq!(
        run.outcome("f1").pricing_type,
        Some(PricingType::NotDelivered)
    );
    assert_eq!(
        run.outcome("f1").message.category,
        Some(Category::Marketing)
    );
    assert_eq!(
        run.outcome("f2").pricing_type,
        Some(PricingType::NotDelivered)
    );
    let lines: Vec<u64> = run.rejections.iter().map(|r| r.at.line).collect();
    assert_eq!(lines, [5]);
    let a = &run.report.accounting;
    assert_eq!((a.merged, a.charged, a.not_delivered), (1, 0, 2));
    assert_eq!(run.total(), dec!(0));
}

#[test]

fn failed_inbound_message_opens_no_window() {
    let run = run_csv(
        &Setup::default(),
        &log_of(&[
            "2026-02-02T10:00:00Z,b,+5511987650001,in,,i1,failed,",
            "2026-02-02T11:00:00Z,b,+5511987650001,out,utility,u1,,",
        ]),
    );
    assert_eq!(run.outcome("u1").pricing_type, Some(PricingType::Regular));
}

#[test]

fn rejections_in_crlf_files_name_their_own_line() {
    let run = run_csv(
        &Setup::default(),
        "timestamp,customer,direction,category\r\n\
         2026-02-02T03:00:00Z,+5511987654321,out,utility\r\n\
         2026-02-02T04:00:00Z,+5511987654321,out,promo\r\n",
    );
    let lines: Vec<u64> = run.rejections.iter().map(|r| r.at.line).collect();
    assert_eq!(lines, [3]);
}

#[test]

fn merged_rows_do_not_depend_on_row_order() {
    let a = "2026-02-02T10:00:00Z,b,+5511987650001,in,,w1,,";
    let b = "2026-02-02T10:00:00Z,b,+5511987650001,in,,w1,,ctwa";
    let reply = "2026-02-03T09:00:00Z,b,+5511987650001,out,marketing,w2,,";
    let first = run_csv(&Setup::default(), &log_of(&[a, b, reply]));
    let second = run_csv(&Setup::default(), &log_of(&[b, a, reply]));
    assert_eq!(first.comparable(), second.comparable());
}

#[test]
fn lf_file_rejections_name_their_own_line() {
    // The same file with LF line ends (the control for the CRLF bug above),
    // with a quoted field spanning two lines before the bad row.
    let run = run_csv(
        &Setup::default(),
        "timestamp,customer,direction,category,note\n\
         2026-02-02T03:00:00Z,+5511987654321,out,utility,\"two\nlines\"\n\
         2026-02-02T04:00:00Z,+5511987654321,out,promo,x\n",
    );
    let lines: Vec<u64> = run.rejections.iter().map(|r| r.at.line).collect();
    assert_eq!(lines, [4]);
}

#[test]
fn template_2018_prices_before_july_2025_with_a_user_card() {
    let mut ctx = context(&Setup {
        model: ModelChoice::Fixed(Model::Template2018),
        ..Setup::default()
    });
    ctx.rates.new_layer();
    ctx.rates
        .add_card(
            "rates-2018.csv",
            "market,category,rate,currency,effective_from\nBrazil,any,0.0375,USD,2018-08-01\n",
            &mut ctx.markets,
        )
        .expect("valid card");
    let text = log_of(&[
        "2025-06-30T10:00:00Z,b,+5511987654321,out,marketing,x1,,",
        "2025-06-30T11:00:00Z,b,+5511987654321,in,,x2,,",
        "2025-06-30T12:00:00Z,b,+5511987654321,out,utility,x3,,",
    ]);
    let file = TempCsv::new(&text);
    let run = run_sources(&ctx, &[file.source()]);
    assert_eq!(run.outcome("x1").cost, Some(dec!(0.0375)));
    assert_eq!(
        run.outcome("x3").pricing_type,
        Some(PricingType::FreeCustomerService)
    );
    assert_eq!(run.report.accounting.unpriced, 0);

    // Under `auto` the same log is priced per conversation (2023 model):
    // a marketing and a utility conversation, from the built-in card.
    let auto = run_csv(&Setup::default(), &text);
    assert_eq!(auto.report.accounting.unpriced, 0);
    assert_eq!(auto.outcome("x1").cost, Some(dec!(0.0625)));
    assert_eq!(auto.outcome("x3").cost, Some(dec!(0.0080)));
}

// ------------------------------------------------------------ properties

/// Customers in markets whose February 2026 cells are all known, plus one
/// unmatched number (Other).
const CUSTOMERS: [&str; 5] = [
    "+5511987650001",
    "+919810000010",
    "+4915112345678",
    "+14155550101",
    "+68221234",
];
const BUSINESSES: [&str; 2] = ["+551140000001", "+551140000002"];
const CATEGORIES: [&str; 5] = [
    "marketing",
    "utility",
    "authentication",
    "authentication_international",
    "service",
];
const STATUSES: [&str; 5] = ["", "delivered", "read", "sent", "failed"];

#[derive(Clone, Debug)]
struct Row {
    /// Seconds after 2026-02-02T00:00:00Z.
    at: i64,
    business: usize,
    customer: usize,
    inbound: bool,
    category: usize,
    status: usize,
    entry_point: bool,
    /// `Some(k)`: message id `m{k}` from a small pool, so ids repeat.
    id: Option<u8>,
    /// An unusable row (bad timestamp).
    broken: bool,
    /// Status events: rows sharing the id `g{n}` of one message.
    group: Option<usize>,
}

impl Row {
    fn csv(&self, n: usize) -> String {
        let at = Timestamp::from_second(1_769_990_400 + self.at).expect("in range");
        let timestamp = if self.broken {
            "not-a-time".to_string()
        } else {
            at.to_string()
        };
        let id = match (self.group, self.id) {
            (Some(g), _) => format!("g{g}"),
            (None, Some(k)) => format!("m{k}"),
            (None, None) => format!("u{n}"),
        };
        format!(
            "{timestamp},{},{},{},{},{id},{},{}",
            BUSINESSES[self.business],
            CUSTOMERS[self.customer],
            if self.inbound { "in" } else { "out" },
            if self.inbound {
                ""
            } else {
                CATEGORIES[self.category]
            },
            STATUSES[self.status],
            if self.inbound && self.entry_point {
                "ctwa"
            } else {
                ""
            },
        )
    }
}

fn row() -> impl Strategy<Value = Row> {
    (
        // Whole hours over six days, sometimes one second early, so that
        // exact 24 h and 72 h boundaries come up often.
        (0i64..144, prop::bool::weighted(0.2)).prop_map(|(h, early)| h * 3600 - i64::from(early)),
        0..BUSINESSES.len(),
        0..CUSTOMERS.len(),
        prop::bool::weighted(0.35),
        0..CATEGORIES.len(),
        0..STATUSES.len(),
        prop::bool::weighted(0.4),
        prop::option::weighted(0.15, 0u8..4),
        prop::bool::weighted(0.03),
    )
        .prop_map(
            |(at, business, customer, inbound, category, status, entry_point, id, broken)| Row {
                at: at.max(0),
                business,
                customer,
                inbound,
                category,
                status,
                entry_point,
                id,
                broken,
                group: None,
            },
        )
}

/// Up to 40 rows: random ones, plus some status events (a copy of an
/// earlier row under a shared id, later and with another status).
fn rows() -> impl Strategy<Value = Vec<Row>> {
    (
        prop::collection::vec(row(), 0..32),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                prop::sample::select(vec![0i64, 5, 3600, 25 * 3600]),
                0..STATUSES.len(),
            ),
            0..8,
        ),
    )
        .prop_map(|(mut rows, echoes)| {
            if rows.is_empty() {
                return rows;
            }
            for (i, delay, status) in echoes {
                let i = i.index(rows.len());
                rows[i].group = Some(i);
                let echo = Row {
                    at: rows[i].at + delay,
                    status,
                    ..rows[i].clone()
                };
                rows.push(echo);
            }
            rows
        })
}

fn csv_of(rows: &[Row], numbers: &[usize]) -> String {
    let mut s = format!("{HEADER}\n");
    for (r, n) in rows.iter().zip(numbers) {
        s.push_str(&r.csv(*n));
        s.push('\n');
    }
    s
}

/// Each row keeps its own unique id (`u{n}`) however the rows are moved.
fn numbered(rows: &[Row]) -> Vec<usize> {
    (0..rows.len()).collect()
}

fn run_rows(setup: &Setup, rows: &[Row]) -> Run {
    run_csv(setup, &csv_of(rows, &numbered(rows)))
}

fn per_message_2025() -> Setup {
    Setup {
        model: ModelChoice::Fixed(Model::PerMessage2025),
        ..Setup::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// (a) Every row is accounted for.
    #[test]
    fn accounting_balances(rows in rows()) {
        let run = run_rows(&Setup::default(), &rows);
        let a = &run.report.accounting;
        prop_assert!(a.balances(), "{a:?}");
        prop_assert_eq!(a.rows_read, rows.len() as u64);
        prop_assert_eq!(a.rows_read, a.inbound + a.outbound + a.merged + a.rejected);
        prop_assert_eq!(a.outbound, a.charged + a.free + a.not_delivered + a.unpriced);
        prop_assert_eq!(a.rejected, run.rejections.len() as u64);
        prop_assert_eq!(
            a.inbound + a.outbound,
            run.log.messages.len() as u64
        );
    }

    /// (b) The total is the exact sum of the charged messages' costs, and of
    /// the report rows.
    #[test]
    fn total_is_the_exact_sum_of_costs(rows in rows()) {
        let run = run_rows(&Setup::default(), &rows);
        let charged: Decimal = run
            .outcomes
            .iter()
            .filter(|o| o.pricing_type == Some(PricingType::Regular))
            .filter_map(|o| o.cost)
            .sum();
        prop_assert_eq!(run.total(), charged);
        let by_rows: Decimal = run.report.rows.iter().map(|r| r.line.cost).sum();
        prop_assert_eq!(run.total(), by_rows);
        let free_cost: Decimal = run
            .outcomes
            .iter()
            .filter(|o| o.pricing_type != Some(PricingType::Regular))
            .filter_map(|o| o.cost)
            .sum();
        prop_assert_eq!(free_cost, Decimal::ZERO);
    }

    /// (c) Row order and the split into files do not change the report.
    #[test]
    fn order_and_files_do_not_change_the_report(
        rows in rows(),
        seed in any::<u64>(),
        split in any::<prop::sample::Index>(),
    ) {
        let numbers = numbered(&rows);
        let reference = run_csv(&Setup::default(), &csv_of(&rows, &numbers)).comparable();

        // Shuffle rows (ids travel with their rows).
        let mut order: Vec<usize> = numbers.clone();
        let mut state = seed | 1;
        for i in (1..order.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let shuffled_rows: Vec<Row> = order.iter().map(|&i| rows[i].clone()).collect();
        let shuffled = run_csv(&Setup::default(), &csv_of(&shuffled_rows, &order));
        prop_assert_eq!(&shuffled.comparable(), &reference);

        // Split the shuffled rows over two files.
        let cut = if order.is_empty() { 0 } else { split.index(order.len() + 1) };
        let first = TempCsv::new(&csv_of(&shuffled_rows[..cut], &order[..cut]));
        let second = TempCsv::new(&csv_of(&shuffled_rows[cut..], &order[cut..]));
        let ctx = context(&Setup::default());
        let two = run_sources(&ctx, &[second.source(), first.source()]);
        prop_assert_eq!(&two.comparable(), &reference);
    }

    /// (d) Under per-message-2025 a customer message can only open windows:
    /// adding one never increases the total.
    #[test]
    fn adding_an_inbound_message_never_increases_the_cost(
        rows in rows(),
        extra in row(),
    ) {
        let setup = per_message_2025();
        let before = run_rows(&setup, &rows);
        let inbound = Row {
            inbound: true,
            // A fresh id: merging it into an existing message would move
            // that message, which is not what this property is about.
            id: None,
            broken: false,
            group: None,
            ..extra
        };
        let mut more = rows.clone();
        more.push(inbound);
        let after = run_rows(&setup, &more);
        prop_assert!(
            after.total() <= before.total(),
            "{} > {}", after.total(), before.total()
        );
    }

    /// (e) No cost is negative, and rates are positive where charged.
    #[test]
    fn costs_are_never_negative(rows in rows()) {
        let run = run_rows(&Setup::default(), &rows);
        for o in &run.outcomes {
            if let Some(cost) = o.cost {
                prop_assert!(cost >= Decimal::ZERO, "{o:?}");
                if o.pricing_type == Some(PricingType::Regular) {
                    prop_assert!(cost > Decimal::ZERO, "{o:?}");
                }
            }
        }
        for r in &run.report.rows {
            prop_assert!(r.line.cost >= Decimal::ZERO);
        }
    }

    /// (f) Under per-message-2025 a charged utility template never follows a
    /// delivered message from the same customer to the same business within
    /// 24 h (a failed message opens no window).
    #[test]
    fn charged_utility_is_never_inside_a_service_window(rows in rows()) {
        let run = run_rows(&per_message_2025(), &rows);
        for o in &run.outcomes {
            let m = &o.message;
            if o.pricing_type != Some(PricingType::Regular)
                || m.category != Some(Category::Utility)
            {
                continue;
            }
            let opened_by = run.log.messages.iter().find(|i| {
                i.direction == Direction::In
                    && i.status.is_delivered()
                    && i.business == m.business
                    && i.customer == m.customer
                    && i.at <= m.at
                    && (m.at - i.at).as_micros() < 24 * HOUR_US
            });
            prop_assert!(opened_by.is_none(), "{m:?} charged after {opened_by:?}");
        }
    }

    /// Free messages are exactly the non-charged delivered outbound ones, and
    /// free_entry_point only happens after an entry-point message.
    #[test]
    fn free_entry_point_needs_an_entry_point_message(rows in rows()) {
        let run = run_rows(&Setup::default(), &rows);
        for o in &run.outcomes {
            if o.pricing_type != Some(PricingType::FreeEntryPoint) {
                continue;
            }
            let m = &o.message;
            let ad = run.log.messages.iter().any(|i| {
                i.direction == Direction::In
                    && i.entry_point
                    && i.business == m.business
                    && i.customer == m.customer
                    && i.at <= m.at
                    && (m.at - i.at).as_micros() < (24 + 72) * HOUR_US
            });
            prop_assert!(ad, "{m:?} free_entry_point with no entry-point message");
        }
    }
}

fn conversation_2023() -> Setup {
    Setup {
        model: ModelChoice::Fixed(Model::Conversation2023),
        ..Setup::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// (g) Conversations: each one is opened by exactly one message, holds
    /// messages of one business × customer pair within 72 h of its opening,
    /// and only the opening message costs anything; the report counts each
    /// once, and the accounting balances.
    #[test]
    fn each_conversation_is_opened_and_paid_once(rows in rows()) {
        let run = run_rows(&conversation_2023(), &rows);
        let a = &run.report.accounting;
        prop_assert!(a.balances(), "{a:?}");
        let mut openers = std::collections::BTreeMap::new();
        for o in &run.outcomes {
            if let Some((id, true)) = o.conversation {
                prop_assert!(openers.insert(id, o.message).is_none(), "{id} opened twice");
            }
        }
        for o in &run.outcomes {
            let m = &o.message;
            let Some((id, opened)) = o.conversation else {
                prop_assert!(
                    m.direction == Direction::In || !m.status.is_delivered(),
                    "{o:?} outside any conversation"
                );
                continue;
            };
            let first = openers.get(&id);
            prop_assert!(first.is_some(), "{id} never opened");
            let first = first.expect("checked");
            prop_assert_eq!((first.business, first.customer), (m.business, m.customer));
            prop_assert!(first.at <= m.at && (m.at - first.at).as_micros() < 72 * HOUR_US, "{o:?}");
            if !opened {
                prop_assert_eq!(o.cost, Some(Decimal::ZERO));
                prop_assert_eq!(o.pricing_type, Some(PricingType::InConversation));
            }
        }
        let c = a.conversations.clone().unwrap_or_default();
        prop_assert_eq!(c.opened, openers.len() as u64);
        prop_assert_eq!(run.report.totals.conversations.unwrap_or(0), c.opened - c.unpriced);
    }
}

/// The generator's timestamps are the ones the tests assume.
#[test]
fn generator_base_time_is_2_february_2026() {
    let r = Row {
        at: 0,
        business: 0,
        customer: 0,
        inbound: false,
        category: 0,
        status: 0,
        entry_point: false,
        id: None,
        broken: false,
        group: None,
    };
    assert!(
        r.csv(0).starts_with("2026-02-02T00:00:00Z,"),
        "{}",
        r.csv(0)
    );
    let run = run_rows(&Setup::default(), &[r]);
    assert_eq!(run.total(), dec!(0.0625));
}
