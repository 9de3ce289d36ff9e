//! Engine tests: the rulebook's worked examples and every dated switch,
//! run through `Pricer` on hand-built messages.

use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::model::{Category, Direction, HOUR_US, Message, SourcePos, Status};
use crate::refdata::businesses::Businesses;
use crate::refdata::markets::MarketTable;
use crate::refdata::rates::{Currency, RateBook};
use crate::refdata::tiers::TierTable;
use crate::validate::Strings;

fn context(model: ModelChoice, businesses: &str) -> PricingContext {
    let mut ctx = PricingContext::builtin(model);
    if !businesses.is_empty() {
        let utc = (TimeZone::UTC, "UTC".to_string());
        ctx.businesses = Businesses::parse("businesses.csv", businesses, &utc).unwrap();
    }
    ctx
}

struct Log {
    strings: Strings,
    messages: Vec<Message>,
}

impl Log {
    fn new() -> Self {
        Log {
            strings: Strings::default(),
            messages: Vec::new(),
        }
    }

    fn add(&mut self, at: &str, business: &str, customer: &str, category: Option<Category>) {
        let at = at.parse::<jiff::Timestamp>().unwrap().as_microsecond();
        self.add_ms(at, business, customer, category);
    }

    fn add_ms(&mut self, at: i64, business: &str, customer: &str, category: Option<Category>) {
        let line = self.messages.len() as u64 + 2;
        self.messages.push(Message {
            at: Instant::from_micros(at),
            direction: if category.is_some() {
                Direction::Out
            } else {
                Direction::In
            },
            category,
            status: Status::Delivered,
            entry_point: false,
            business: self.strings.businesses.intern(business),
            customer: self.strings.customers.intern(customer),
            country: None,
            message_id: None,
            source: SourcePos {
                file: 0,
                line,
                row: 0,
            },
            extras: Default::default(),
            tags: 0,
        });
    }

    fn price(&self, ctx: &PricingContext) -> Vec<Result<(PricingType, Decimal), Unpriced>> {
        self.priced(ctx)
            .into_iter()
            .map(|r| r.map(|p| (p.pricing_type, p.cost)))
            .collect()
    }

    fn priced<'a>(&'a self, ctx: &'a PricingContext) -> Vec<Result<Priced<'a>, Unpriced>> {
        let mut pricer = Pricer::new(ctx);
        self.messages
            .iter()
            .map(|m| pricer.price(m, &self.strings))
            .collect()
    }
}

use Category::*;
use PricingType::*;

/// docs/pricing-rules.md §11 example 1, on any date, and its 2026-10-01 variant.
fn meta_example(day: &str) -> Log {
    let mut log = Log::new();
    let t = |h: i64| {
        format!("{day}T00:00:00Z")
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_microsecond()
            + h * HOUR_US
    };
    log.add_ms(t(0), "", "919812345678", Some(Marketing));
    log.add_ms(t(2), "", "919812345678", None);
    log.add_ms(t(3), "", "919812345678", Some(Service));
    log.add_ms(t(4), "", "919812345678", Some(Utility));
    log.add_ms(t(30), "", "919812345678", Some(Utility));
    log
}

#[test]
fn meta_example_gives_two_charges_in_2026_q1() {
    let ctx = context(ModelChoice::Auto, "");
    let got: Vec<_> = meta_example("2026-02-02")
        .price(&ctx)
        .into_iter()
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(
        got,
        vec![
            (Regular, dec!(0.0118)),
            (Inbound, dec!(0)),
            (FreeCustomerService, dec!(0)),
            (FreeCustomerService, dec!(0)),
            (Regular, dec!(0.0014)),
        ]
    );
}

#[test]
fn meta_example_under_the_october_2026_rules() {
    let ctx = context(ModelChoice::Auto, "");
    let got: Vec<_> = meta_example("2026-10-05")
        .price(&ctx)
        .into_iter()
        .map(|r| r.unwrap().0)
        .collect();
    assert_eq!(got, vec![Regular, Inbound, FreeTier, Regular, Regular]);
}

#[test]
fn the_1001st_service_message_of_a_month_is_the_first_charged() {
    let ctx = context(ModelChoice::Auto, "");
    let mut log = Log::new();
    let start = "2026-10-31T00:00:00Z"
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_microsecond();
    log.add_ms(start, "biz", "919812345678", None);
    for i in 0..1001 {
        log.add_ms(start + 1000 + i, "biz", "919812345678", Some(Service));
    }
    // A new month starts a new allowance.
    log.add_ms(start + 24 * HOUR_US - 1, "biz", "919812345678", None);
    log.add_ms(start + 24 * HOUR_US, "biz", "919812345678", Some(Service));
    let got = log.price(&ctx);
    assert_eq!(got[1000].as_ref().unwrap().0, FreeTier);
    // India's utility rate, no tiers.
    assert_eq!(got[1001].as_ref().unwrap(), &(Regular, dec!(0.0014)));
    assert_eq!(got.last().unwrap().as_ref().unwrap().0, FreeTier);
}

#[test]
fn model_and_card_switch_at_midnight_in_the_business_zone() {
    // 2026-09-30T19:00Z is already 1 October in Kolkata, still 30 September in UTC.
    let ctx = context(
        ModelChoice::Auto,
        "business,timezone\nkolkata,Asia/Kolkata\n",
    );
    let mut log = Log::new();
    for business in ["kolkata", "utc"] {
        log.add("2026-09-30T18:00:00Z", business, "919812345678", None);
        log.add(
            "2026-09-30T19:00:00Z",
            business,
            "919812345678",
            Some(Utility),
        );
    }
    let got = log.price(&ctx);
    assert_eq!(
        got[1].as_ref().unwrap().0,
        Regular,
        "Kolkata: October rules charge utility in the window"
    );
    assert_eq!(
        got[3].as_ref().unwrap().0,
        FreeCustomerService,
        "UTC: still September"
    );
}

#[test]
fn every_switch_date_prices_by_its_own_card() {
    let ctx = context(ModelChoice::Auto, "");
    let cases = [
        ("2024-10-31T12:00:00Z", "5491112345678", Err(())), // before the conversation card
        ("2025-06-30T12:00:00Z", "5491112345678", Ok(dec!(0.0340))), // utility conversation
        ("2025-07-01T00:00:00Z", "5491112345678", Ok(dec!(0.0289))), // Argentina utility, July 2025 card
        ("2025-10-01T00:00:00Z", "5491112345678", Ok(dec!(0.0260))), // lowered on 2025-10-01
        ("2025-12-31T23:59:59Z", "14155550100", Err(())), // NA utility unknown before 2026
        ("2026-01-01T00:00:00Z", "14155550100", Ok(dec!(0.0034))),
        ("2026-06-30T12:00:00Z", "85291234567", Ok(dec!(0.0113))), // Hong Kong in Rest of APAC
        ("2026-07-01T00:00:00Z", "85291234567", Ok(dec!(0.0260))), // Hong Kong standalone
        ("2026-10-01T00:00:00Z", "9647701234567", Ok(dec!(0.0079))), // Iraq standalone
        ("2026-09-30T12:00:00Z", "9647701234567", Ok(dec!(0.0091))), // Rest of Middle East before
    ];
    for (at, customer, want) in cases {
        let mut log = Log::new();
        log.add(at, "", customer, Some(Utility));
        let got = log
            .price(&ctx)
            .remove(0)
            .map(|(_, cost)| cost)
            .map_err(|_| ());
        assert_eq!(got, want, "{at} {customer}");
    }
}

#[test]
fn unknown_cells_name_market_category_and_date() {
    let ctx = context(ModelChoice::Auto, "");
    let mut log = Log::new();
    log.add(
        "2026-10-02T00:00:00Z",
        "",
        "9647701234567",
        Some(AuthenticationInternational),
    );
    let err = log.price(&ctx).remove(0).unwrap_err().to_string();
    assert!(
        err.contains("Iraq authentication_international on 2026-10-02"),
        "{err}"
    );
    assert!(err.contains("--rates"), "{err}");
}

#[test]
fn authentication_international_needs_a_foreign_home_country() {
    let ctx = context(
        ModelChoice::Auto,
        "business,timezone,portfolio,home_country\nbr,,,BR\nin,,,IN\n",
    );
    let mut log = Log::new();
    log.add(
        "2026-02-02T00:00:00Z",
        "br",
        "919812345678",
        Some(Authentication),
    );
    log.add(
        "2026-02-02T00:00:00Z",
        "in",
        "919812345678",
        Some(Authentication),
    );
    log.add(
        "2026-02-02T00:00:00Z",
        "br",
        "5511987654321",
        Some(Authentication),
    );
    let got: Vec<_> = log.price(&ctx).into_iter().map(|r| r.unwrap().1).collect();
    let mut markets = MarketTable::builtin();
    let book = RateBook::builtin(&mut markets);
    let intl = book
        .lookup(
            Currency::USD,
            markets.id("India").unwrap(),
            None,
            crate::model::RateCategory::Of(AuthenticationInternational),
            jiff::civil::date(2026, 2, 2),
        )
        .unwrap()
        .rate;
    // Brazil has no international rate: the domestic one applies.
    assert_eq!(got, vec![intl, dec!(0.0014), dec!(0.0068)]);
}

#[test]
fn tiers_are_marginal_and_reset_monthly_in_the_business_zone() {
    let mut ctx = context(
        ModelChoice::Auto,
        "business,timezone\nsp,America/Sao_Paulo\n",
    );
    let tiers = "market,category,from,to,rate,currency,effective_from\n\
                 India,utility,1,2,0.0014,USD,2026-01-01\n\
                 India,utility,3,,0.0010,USD,2026-01-01\n";
    ctx.tiers = TierTable::parse("tiers.csv", tiers, &mut ctx.markets).unwrap();
    let mut log = Log::new();
    for at in [
        "2026-02-27T12:00:00Z",
        "2026-02-27T13:00:00Z",
        "2026-02-27T14:00:00Z",
        "2026-02-28T23:00:00Z", // still February in São Paulo (UTC−3)
        "2026-03-01T03:00:00Z", // midnight in São Paulo: a new month
    ] {
        log.add(at, "sp", "919812345678", Some(Utility));
    }
    let got: Vec<_> = log.price(&ctx).into_iter().map(|r| r.unwrap().1).collect();
    assert_eq!(
        got,
        vec![
            dec!(0.0014),
            dec!(0.0014),
            dec!(0.0010),
            dec!(0.0010),
            dec!(0.0014)
        ]
    );
}

#[test]
fn a_table_applies_only_while_its_first_band_is_the_list_rate() {
    let mut ctx = context(ModelChoice::Auto, "");
    // India utility's list rate is 0.0014; this table starts at 0.0020.
    let tiers = "market,category,from,to,rate,currency,effective_from\n\
                 India,utility,1,1,0.0020,USD,2026-01-01\n\
                 India,utility,2,,0.0001,USD,2026-01-01\n";
    ctx.tiers = TierTable::parse("tiers.csv", tiers, &mut ctx.markets).unwrap();
    let mut log = Log::new();
    log.add("2026-02-02T12:00:00Z", "", "919812345678", Some(Utility));
    log.add("2026-02-02T13:00:00Z", "", "919812345678", Some(Utility));
    for p in log.priced(&ctx) {
        let p = p.unwrap();
        assert_eq!(p.cost, dec!(0.0014));
        assert_eq!(
            p.tier,
            Some(TierUse::Suspended {
                table_from: Some(jiff::civil::date(2026, 1, 1)),
                first_band: dec!(0.0020),
                list_since: Some(jiff::civil::date(2026, 1, 1)),
            })
        );
    }
}

/// `wabill explain` has one plain sentence for every pricing type.
#[test]
fn explain_has_a_sentence_for_every_pricing_type() {
    use crate::render::explain::sentence;
    let ctx = context(ModelChoice::Auto, "");
    let mut log = Log::new();
    log.add("2026-02-02T00:00:00Z", "", "919812345678", Some(Marketing)); // regular, no window
    log.add("2026-02-02T02:00:00Z", "", "919812345678", None); // inbound
    log.add("2026-02-02T03:00:00Z", "", "919812345678", Some(Utility)); // free in the window
    log.add("2026-02-02T04:00:00Z", "", "919812345678", Some(Marketing)); // charged in the window
    log.add("2026-02-03T04:00:00Z", "", "919812345678", Some(Utility)); // 26 h later
    log.add("2026-10-05T00:00:00Z", "", "919812345678", None);
    log.add("2026-10-05T01:00:00Z", "", "919812345678", Some(Service)); // free tier
    log.add("2026-10-05T02:00:00Z", "", "919812345678", Some(Utility)); // charged in the window (E4)
    log.add("2026-10-06T00:00:00Z", "", "5511987654321", None);
    log.messages.last_mut().unwrap().entry_point = true;
    log.add("2026-10-06T01:00:00Z", "", "5511987654321", Some(Service)); // opens FEP
    log.add("2026-10-07T01:00:00Z", "", "5511987654321", Some(Marketing)); // inside FEP
    log.add("2026-10-08T00:00:00Z", "", "5511987654321", Some(Marketing));
    log.messages.last_mut().unwrap().status = Status::Failed;
    let mut pricer = Pricer::explaining(&ctx);
    let sentences: Vec<String> = log
        .messages
        .iter()
        .map(|m| sentence(m, &pricer.price(m, &log.strings), &ctx))
        .collect();
    let expect = [
        "marketing template with no customer message in the previous 24 h: outside the customer service window; India marketing rate 0.0118 USD, card rates-2026-01-01-usd.csv (USD 2026-01-01).",
        "customer message: opens (or restarts) the 24 h customer service window.",
        "utility template sent 1 h after the customer's last message, inside the 24 h customer service window (open until 2026-02-03 02:00:00 UTC): free.",
        "marketing template sent 2 h after the customer's last message, inside the 24 h customer service window (open until 2026-02-03 02:00:00 UTC), where marketing templates are still charged; India marketing rate 0.0118 USD, card rates-2026-01-01-usd.csv (USD 2026-01-01).",
        "utility template sent 26 h after the customer's last message: outside the customer service window; India utility rate 0.0014 USD, card rates-2026-01-01-usd.csv (USD 2026-01-01).",
        "customer message: opens (or restarts) the 24 h customer service window.",
        "service (free-form) message number 1 this month for this business number: within the 1,000 free service messages.",
        "utility template sent 2 h after the customer's last message, inside the 24 h customer service window (open until 2026-10-06 00:00:00 UTC), charged since the rules of 2026-10-01; India utility rate 0.0014 USD, volume tier for message 1 of the month (tiers-2026-04-01-usd.csv (USD 2026-04-01) band 1).",
        "customer message from an ad or Page button: opens (or restarts) the 24 h customer service window; a reply within 24 h opens a 168 h free entry point window.",
        "service (free-form) message: the first reply within 24 h to a customer who came from an ad or Page button: free, and it opens a free entry point window until 2026-10-13 01:00:00 UTC.",
        "marketing template inside the free entry point window (open until 2026-10-13 01:00:00 UTC): free.",
        "marketing template not delivered (status failed): never charged, opens nothing.",
    ];
    for (got, want) in sentences.iter().zip(expect) {
        assert_eq!(got, want);
    }
    assert_eq!(sentences.len(), expect.len());
}

/// The sentences use the window lengths the run priced with, never a
/// hard-coded 24 h or 72 h.
#[test]
fn explain_uses_the_configured_window_lengths() {
    use crate::render::explain::sentence;
    let mut ctx = context(ModelChoice::Auto, "");
    ctx.windows.service_window = Span::hours(48);
    ctx.windows.entry_point_window = Span::hours(96);
    ctx.windows.entry_point_fixed = true;
    let mut log = Log::new();
    log.add("2026-02-02T00:00:00Z", "", "919812345678", None);
    log.messages.last_mut().unwrap().entry_point = true;
    log.add("2026-02-03T06:00:00Z", "", "919812345678", Some(Utility)); // 30 h later
    let mut pricer = Pricer::explaining(&ctx);
    let sentences: Vec<String> = log
        .messages
        .iter()
        .map(|m| sentence(m, &pricer.price(m, &log.strings), &ctx))
        .collect();
    assert_eq!(
        sentences[0],
        "customer message from an ad or Page button: opens (or restarts) the 48 h customer \
         service window; a reply within 24 h opens a 96 h free entry point window."
    );
    assert_eq!(
        sentences[1],
        "utility template sent 30 h after the customer's last message, inside the 48 h customer \
         service window (open until 2026-02-04 00:00:00 UTC): free."
    );
}

// ---- Conversation-based pricing (docs/pricing-rules.md §7, §11 examples 2–4) ----

/// Microseconds at `hour` hours after midnight UTC of `day`.
fn at(day: &str, hour: i64) -> i64 {
    format!("{day}T00:00:00Z")
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_microsecond()
        + hour * HOUR_US
}

/// Adds a user card (one layer) to the context.
fn with_card(ctx: &mut PricingContext, card: &str) {
    ctx.rates.new_layer();
    ctx.rates
        .add_card("user.csv", card, &mut ctx.markets)
        .expect("valid card");
}

/// Illustrative pre-November-2024 conversation rates for Brazil: the
/// built-in card starts on 2024-11-01, and no earlier service rate is known.
const BRAZIL_2024: &str = "market,category,rate,currency,effective_from,unit\n\
                           Brazil,marketing,0.0625,USD,2024-08-01,conversation\n\
                           Brazil,utility,0.0080,USD,2024-08-01,conversation\n\
                           Brazil,service,0.0300,USD,2024-08-01,conversation\n";

const BRAZIL: &str = "5511987654321";

fn types_and_costs(
    got: Vec<Result<(PricingType, Decimal), Unpriced>>,
) -> Vec<(PricingType, Decimal)> {
    got.into_iter().map(|r| r.unwrap()).collect()
}

#[test]
fn cbp_category_conversations() {
    // §4 item 2: h0 marketing opens and is charged, h4 utility opens and is
    // charged, h10 utility joins the open utility conversation.
    let ctx = context(ModelChoice::Fixed(Model::Conversation2023), "");
    let mut log = Log::new();
    log.add_ms(at("2024-12-02", 0), "", BRAZIL, Some(Marketing));
    log.add_ms(at("2024-12-02", 4), "", BRAZIL, Some(Utility));
    log.add_ms(at("2024-12-02", 10), "", BRAZIL, Some(Utility));
    let priced = log.priced(&ctx);
    let ids: Vec<_> = priced
        .iter()
        .map(|p| {
            let c = p.as_ref().unwrap().conversation.unwrap();
            (c.conversation.id, c.conversation.kind, c.opened)
        })
        .collect();
    assert_eq!(
        ids,
        vec![
            (1, ConversationType::Marketing, true),
            (2, ConversationType::Utility, true),
            (2, ConversationType::Utility, false),
        ]
    );
    assert_eq!(
        types_and_costs(log.price(&ctx)),
        vec![
            (Regular, dec!(0.0625)),
            (Regular, dec!(0.0080)),
            (InConversation, dec!(0)),
        ]
    );
}

/// §4 item 3: h0 marketing, h4 customer message, h5 interactive (service)
/// message, h25 text, h26 text.
fn service_example(day: &str) -> Log {
    let mut log = Log::new();
    log.add_ms(at(day, 0), "", BRAZIL, Some(Marketing));
    log.add_ms(at(day, 4), "", BRAZIL, None);
    log.add_ms(at(day, 5), "", BRAZIL, Some(Service));
    log.add_ms(at(day, 25), "", BRAZIL, Some(Service));
    log.add_ms(at(day, 26), "", BRAZIL, Some(Service));
    log
}

#[test]
fn cbp_service_example_after_2024_11_01() {
    let ctx = context(ModelChoice::Auto, "");
    assert_eq!(
        types_and_costs(service_example("2024-12-02").price(&ctx)),
        vec![
            (Regular, dec!(0.0625)),
            (Inbound, dec!(0)),
            // The marketing conversation is open: no service conversation.
            (InConversation, dec!(0)),
            // Marketing closed at h24: a service conversation opens, free.
            (FreeCustomerService, dec!(0)),
            (InConversation, dec!(0)),
        ]
    );
}

#[test]
fn cbp_service_example_before_2024_11_01() {
    let mut ctx = context(ModelChoice::Auto, "");
    with_card(&mut ctx, BRAZIL_2024);
    // Within the month's 1,000 free service conversations.
    assert_eq!(
        types_and_costs(service_example("2024-10-02").price(&ctx)),
        vec![
            (Regular, dec!(0.0625)),
            (Inbound, dec!(0)),
            (InConversation, dec!(0)),
            (FreeTier, dec!(0)),
            (InConversation, dec!(0)),
        ]
    );
    // Past them: the service conversation is charged once.
    let mut log = Log::new();
    for i in 0..1000 {
        log.add_ms(
            at("2024-10-01", 0) + i,
            "",
            &format!("55119{i:08}"),
            Some(Service),
        );
    }
    let example = service_example("2024-10-02");
    log.messages
        .extend(example.messages.iter().map(|m| Message {
            customer: log.strings.customers.intern(BRAZIL),
            ..*m
        }));
    let got = types_and_costs(log.price(&ctx));
    assert!(got[..1000].iter().all(|r| *r == (FreeTier, dec!(0))));
    assert_eq!(
        got[1000..],
        [
            (Regular, dec!(0.0625)),
            (Inbound, dec!(0)),
            (InConversation, dec!(0)),
            (Regular, dec!(0.0300)),
            (InConversation, dec!(0)),
        ]
    );
    let total: Decimal = got.iter().map(|(_, c)| c).sum();
    assert_eq!(total, dec!(0.0925));
}

#[test]
fn cbp_free_entry_point_example() {
    // §4 item 4: the customer comes from an ad at 10:00, the business
    // replies with a template at 22:00: a free entry point conversation for
    // 72 h, in which every template is free; it closes the marketing
    // conversation opened at 09:00.
    let ctx = context(ModelChoice::Auto, "");
    let mut log = Log::new();
    let day = "2024-12-02";
    log.add_ms(at(day, 9), "", BRAZIL, Some(Marketing));
    log.add_ms(at(day, 10), "", BRAZIL, None);
    log.messages.last_mut().unwrap().entry_point = true;
    log.add_ms(at(day, 22), "", BRAZIL, Some(Utility));
    log.add_ms(at(day, 23), "", BRAZIL, Some(Marketing));
    log.add_ms(at(day, 33) + 1, "", BRAZIL, Some(Marketing)); // CSW closed, FEP open
    log.add_ms(at(day, 22 + 72) - 1, "", BRAZIL, Some(Utility));
    log.add_ms(at(day, 22 + 72), "", BRAZIL, Some(Marketing)); // FEP over
    let priced = log.priced(&ctx);
    let got: Vec<_> = priced
        .iter()
        .map(|p| {
            let p = p.as_ref().unwrap();
            (
                p.pricing_type,
                p.cost,
                p.conversation.map(|c| (c.conversation.id, c.opened)),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (Regular, dec!(0.0625), Some((1, true))),
            (Inbound, dec!(0), None),
            (FreeEntryPoint, dec!(0), Some((2, true))),
            (InConversation, dec!(0), Some((2, false))),
            (InConversation, dec!(0), Some((2, false))),
            (InConversation, dec!(0), Some((2, false))),
            (Regular, dec!(0.0625), Some((3, true))),
        ]
    );
    let fep = priced[2]
        .as_ref()
        .unwrap()
        .conversation
        .unwrap()
        .conversation;
    assert_eq!(
        (fep.span.start.as_micros(), fep.span.end.as_micros()),
        (at(day, 22), at(day, 94))
    );
}

#[test]
fn free_conversations_reset_monthly_in_the_business_zone() {
    let mut ctx = context(
        ModelChoice::Auto,
        "business,timezone\nsp,America/Sao_Paulo\n",
    );
    with_card(&mut ctx, BRAZIL_2024);
    let mut log = Log::new();
    for i in 0..1000 {
        let customer = format!("55119{i:08}");
        log.add_ms(at("2024-09-10", 0) + i, "sp", &customer, Some(Service));
    }
    // 23:00 on 30 September in São Paulo (UTC−3): still September.
    log.add("2024-10-01T02:00:00Z", "sp", BRAZIL, Some(Service));
    // Midnight on 1 October in São Paulo: a new allowance.
    log.add("2024-10-02T03:00:00Z", "sp", BRAZIL, Some(Service));
    // Another business account has its own allowance.
    log.add("2024-10-01T02:00:00Z", "other", BRAZIL, Some(Service));
    let priced = log.priced(&ctx);
    let last: Vec<_> = priced[1000..]
        .iter()
        .map(|p| {
            let p = p.as_ref().unwrap();
            (p.pricing_type, p.cost, p.counted_as)
        })
        .collect();
    assert_eq!(
        last,
        vec![
            (Regular, dec!(0.0300), Some(1001)),
            (FreeTier, dec!(0), Some(1)),
            (FreeTier, dec!(0), Some(1)),
        ]
    );
}

#[test]
fn a_log_crossing_2025_07_01_prices_both_sides() {
    let ctx = context(ModelChoice::Auto, "");
    let mut log = Log::new();
    log.add("2025-06-30T20:00:00Z", "", BRAZIL, Some(Utility)); // opens a utility conversation
    log.add("2025-06-30T21:00:00Z", "", BRAZIL, Some(Marketing)); // opens a marketing one
    log.add("2025-07-01T10:00:00Z", "", BRAZIL, Some(Utility)); // free: utility conversation open
    log.add("2025-07-01T12:00:00Z", "", BRAZIL, Some(Marketing)); // per message: charged
    log.add("2025-07-01T20:00:00Z", "", BRAZIL, Some(Utility)); // conversation closed: charged
    let priced = log.priced(&ctx);
    let got: Vec<_> = priced
        .iter()
        .map(|p| {
            let p = p.as_ref().unwrap();
            (p.model.unwrap(), p.pricing_type, p.cost)
        })
        .collect();
    use Model::*;
    assert_eq!(
        got,
        vec![
            (Conversation2023, Regular, dec!(0.0080)),
            (Conversation2023, Regular, dec!(0.0625)),
            (PerMessage2025, InConversation, dec!(0)),
            (PerMessage2025, Regular, dec!(0.0625)),
            (PerMessage2025, Regular, dec!(0.0068)),
        ]
    );
    let utility = priced[0].as_ref().unwrap().conversation.unwrap();
    let kept = priced[2].as_ref().unwrap().conversation.unwrap();
    assert_eq!(kept.conversation, utility.conversation);
    assert!(!kept.opened);
    assert_eq!(priced[3].as_ref().unwrap().conversation, None);
}

#[test]
fn conversation_2022_by_initiator_with_1000_free_a_month() {
    let mut ctx = context(ModelChoice::Fixed(Model::Conversation2022), "");
    let mut log = Log::new();
    for i in 0..999 {
        let customer = format!("55119{i:08}");
        log.add_ms(at("2022-05-01", 0) + i, "", &customer, Some(Marketing));
    }
    log.add_ms(at("2022-05-02", 0), "", BRAZIL, None);
    log.add_ms(at("2022-05-02", 1), "", BRAZIL, Some(Service)); // 1,000th: user-initiated, free
    log.add_ms(at("2022-05-02", 2), "", BRAZIL, Some(Marketing)); // same conversation
    log.add_ms(at("2022-05-03", 2), "", BRAZIL, Some(Utility)); // 1,001st: business-initiated
    let got = log.price(&ctx);
    assert_eq!(got[1000].as_ref().unwrap(), &(FreeTier, dec!(0)));
    assert_eq!(got[1001].as_ref().unwrap(), &(InConversation, dec!(0)));
    // No card is shipped for 2022: the error says what to supply.
    let err = got[1002].as_ref().unwrap_err().to_string();
    assert!(
        err.contains("Brazil business_initiated conversation on 2022-05-03"),
        "{err}"
    );
    assert!(err.contains("ships no conversation-2022 card"), "{err}");
    assert!(err.contains("--rates"), "{err}");
    with_card(
        &mut ctx,
        "market,category,rate,currency,effective_from\n\
         Brazil,user_initiated,0.0200,USD,2022-02-01\n\
         Brazil,business_initiated,0.0500,USD,2022-02-01\n",
    );
    let got = log.price(&ctx);
    assert_eq!(got[1002].as_ref().unwrap(), &(Regular, dec!(0.0500)));
    let priced = log.priced(&ctx);
    let kinds: Vec<_> = priced[1000..]
        .iter()
        .map(|p| p.as_ref().unwrap().conversation.unwrap().conversation.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            ConversationType::UserInitiated,
            ConversationType::UserInitiated,
            ConversationType::BusinessInitiated,
        ]
    );
}

#[test]
fn conversations_before_the_shipped_card_ask_for_rates() {
    let ctx = context(ModelChoice::Auto, "");
    let mut log = Log::new();
    log.add("2024-03-01T12:00:00Z", "", BRAZIL, Some(Marketing));
    let err = log.price(&ctx).remove(0).unwrap_err().to_string();
    assert_eq!(
        err,
        "no USD rate known for Brazil marketing conversation on 2024-03-01 (the built-in \
         conversation card starts on 2024-11-01); supply it with --rates FILE (rows with unit \
         conversation, see README)"
    );
}

#[test]
fn authentication_international_conversations() {
    let ctx = context(
        ModelChoice::Auto,
        "business,timezone,portfolio,home_country\nbr,,,BR\n",
    );
    let mut log = Log::new();
    log.add(
        "2024-12-02T00:00:00Z",
        "br",
        "919812345678",
        Some(Authentication),
    );
    log.add(
        "2024-12-02T01:00:00Z",
        "br",
        "919812345678",
        Some(Authentication),
    );
    log.add("2024-12-02T00:00:00Z", "br", BRAZIL, Some(Authentication));
    assert_eq!(
        types_and_costs(log.price(&ctx)),
        vec![
            (Regular, dec!(0.0280)),
            (InConversation, dec!(0)),
            (Regular, dec!(0.0315)),
        ]
    );
}

#[test]
fn per_message_cards_never_borrow_conversation_rates() {
    // North America utility is unknown on the July 2025 card; the
    // conversation card's 0.0040 must not fill the gap.
    let ctx = context(ModelChoice::Auto, "");
    let mut log = Log::new();
    log.add("2025-08-01T00:00:00Z", "", "14155550100", Some(Utility));
    assert!(log.price(&ctx).remove(0).is_err());
}

/// `wabill explain` says which conversation a message opened or joined.
#[test]
fn explain_has_a_sentence_for_every_conversation_case() {
    use crate::render::explain::sentence;
    let mut ctx = context(ModelChoice::Auto, "");
    with_card(&mut ctx, BRAZIL_2024);
    let mut log = Log::new();
    for i in 0..1000 {
        log.add_ms(
            at("2024-10-01", 0) + i,
            "",
            &format!("55119{i:08}"),
            Some(Service),
        );
    }
    let before = service_example("2024-10-02");
    let after = service_example("2024-12-02");
    for m in before.messages.iter().chain(&after.messages) {
        log.messages.push(Message {
            customer: log.strings.customers.intern(BRAZIL),
            ..*m
        });
    }
    let mut pricer = Pricer::explaining(&ctx);
    let sentences: Vec<String> = log
        .messages
        .iter()
        .map(|m| sentence(m, &pricer.price(m, &log.strings), &ctx))
        .collect();
    let expect = [
        "service (free-form) message with no conversation of any category open: opens service conversation #1 until 2024-10-02 00:00:00 UTC; number 1 this month for this business: within the 1,000 free service conversations.",
        "marketing template with no marketing conversation open: opens marketing conversation #1001 until 2024-10-03 00:00:00 UTC; charged once for everything in it, Brazil marketing conversation rate 0.0625 USD, card user.csv (USD 2024-08-01).",
        "customer message: opens (or restarts) the 24 h customer service window.",
        "service (free-form) message inside marketing conversation #1001 (opened 2024-10-02 00:00:00 UTC, open until 2024-10-03 00:00:00 UTC): no further charge.",
        "service (free-form) message with no conversation of any category open: opens service conversation #1002 until 2024-10-04 01:00:00 UTC; number 1001 this month for this business: past the 1,000 free service conversations; charged once, Brazil service conversation rate 0.0300 USD, card user.csv (USD 2024-08-01).",
        "service (free-form) message inside service conversation #1002 (opened 2024-10-03 01:00:00 UTC, open until 2024-10-04 01:00:00 UTC): no further charge.",
        "marketing template with no marketing conversation open: opens marketing conversation #1003 until 2024-12-03 00:00:00 UTC; charged once for everything in it, Brazil marketing conversation rate 0.0625 USD, card rates-2024-11-01-usd-conversation.csv (USD 2024-11-01).",
        "customer message: opens (or restarts) the 24 h customer service window.",
        "service (free-form) message inside marketing conversation #1003 (opened 2024-12-02 00:00:00 UTC, open until 2024-12-03 00:00:00 UTC): no further charge.",
        "service (free-form) message with no conversation of any category open: opens service conversation #1004 until 2024-12-04 01:00:00 UTC; service conversations are free from 2024-11-01.",
        "service (free-form) message inside service conversation #1004 (opened 2024-12-03 01:00:00 UTC, open until 2024-12-04 01:00:00 UTC): no further charge.",
    ];
    assert_eq!(sentences[0], expect[0]);
    assert_eq!(sentences[1000..], expect[1..]);
}

mod volumes {
    use super::*;
    use jiff::civil::date;

    fn volume(
        ctx: &PricingContext,
        d: Date,
        market: &str,
        c: Category,
        sent: Sent,
        n: u64,
    ) -> Volume {
        let id = ctx.markets.id(market).unwrap();
        Volume {
            month: d,
            market: crate::refdata::markets::MarketMatch {
                market: id,
                country: None,
            },
            category: c,
            sent,
            messages: n,
            business: None,
        }
    }

    fn cost(charges: &[Charge<'_>]) -> Decimal {
        charges.iter().map(|c| c.cost).sum()
    }

    #[test]
    fn utility_in_the_window_is_charged_from_october_2026() {
        let ctx = context(ModelChoice::Auto, "");
        let mut p = VolumePricer::new(&ctx, 1);
        let sept = date(2026, 9, 1);
        let oct = date(2026, 10, 1);
        let u = Category::Utility;
        fn price<'t>(p: &mut VolumePricer<'t>, v: Volume) -> Vec<Charge<'t>> {
            p.price(&v).unwrap()
        }
        let v = |d, sent, n| volume(&ctx, d, "Brazil", u, sent, n);
        assert_eq!(
            cost(&price(&mut p, v(sept, Sent::Outside, 1000))),
            dec!(6.8000)
        );
        let in_window = price(&mut p, v(sept, Sent::InServiceWindow, 500));
        assert_eq!(in_window[0].pricing_type, PricingType::FreeCustomerService);
        assert_eq!(cost(&in_window), dec!(0.0000));
        let in_window = price(&mut p, v(oct, Sent::InServiceWindow, 500));
        assert_eq!(in_window[0].pricing_type, PricingType::Regular);
        assert_eq!(in_window[0].model, Model::PerMessage2026_10);
        assert_eq!(cost(&in_window), dec!(3.4000));
        let fep = price(&mut p, v(oct, Sent::InEntryPoint, 100));
        assert_eq!(fep[0].pricing_type, PricingType::FreeEntryPoint);
        assert_eq!(cost(&fep), dec!(0.0000));
    }

    #[test]
    fn service_allowance_is_shared_over_the_month() {
        let ctx = context(ModelChoice::Auto, "");
        let mut p = VolumePricer::new(&ctx, 1);
        let oct = date(2026, 10, 1);
        let s = Category::Service;
        let first = p
            .price(&volume(&ctx, oct, "Brazil", s, Sent::InServiceWindow, 1500))
            .unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(
            (first[0].messages, first[0].pricing_type),
            (1000, PricingType::FreeTier)
        );
        assert_eq!(
            (first[1].messages, first[1].pricing_category),
            (500, Category::Utility)
        );
        assert_eq!(cost(&first), dec!(3.4000));
        // The allowance is per business number, not per market.
        let india = p
            .price(&volume(&ctx, oct, "India", s, Sent::InServiceWindow, 200))
            .unwrap();
        assert_eq!(cost(&india), dec!(0.2800));
        // A new month starts a new allowance; two numbers double it.
        let mut two = VolumePricer::new(&ctx, 2);
        let nov = two
            .price(&volume(
                &ctx,
                date(2026, 11, 1),
                "Brazil",
                s,
                Sent::InServiceWindow,
                1500,
            ))
            .unwrap();
        assert_eq!(cost(&nov), dec!(0.0000));
        // Volumes of a log's business numbers each have their own 1,000,
        // whatever the pooled count: 1,500 and 100 leave 500 charged.
        let mut own = VolumePricer::new(&ctx, 5);
        let of = |business, n| Volume {
            business: Some(business),
            ..volume(&ctx, oct, "Brazil", s, Sent::InServiceWindow, n)
        };
        let charged: u64 = [of(0, 1500), of(1, 100)]
            .iter()
            .flat_map(|v| own.price(v).unwrap())
            .filter(|c| c.pricing_type == PricingType::Regular)
            .map(|c| c.messages)
            .sum();
        assert_eq!(charged, 500);
    }

    #[test]
    fn tier_boundary_inside_a_month_is_marginal() {
        let mut ctx = context(ModelChoice::Auto, "");
        ctx.tiers = TierTable::parse(
            "tiers-illustrative.csv",
            include_str!("../../../../data/examples/tiers-illustrative.csv"),
            &mut ctx.markets,
        )
        .unwrap();
        let mut p = VolumePricer::new(&ctx, 1);
        let feb = date(2026, 2, 1);
        let u = Category::Utility;
        // 100,000 at 0.0014 + 50,000 at 0.0013.
        let c = p
            .price(&volume(&ctx, feb, "India", u, Sent::Outside, 150_000))
            .unwrap();
        assert_eq!(
            c.iter().map(|c| c.messages).collect::<Vec<_>>(),
            vec![100_000, 50_000]
        );
        assert_eq!(cost(&c), dec!(205.0000));
        // The count carries on: the next 10 are all in the second band.
        let c = p
            .price(&volume(&ctx, feb, "India", u, Sent::Outside, 10))
            .unwrap();
        assert_eq!(cost(&c), dec!(0.0130));
        // Authentication-international shares the authentication count.
        let a = Category::Authentication;
        let ai = Category::AuthenticationInternational;
        p.price(&volume(&ctx, feb, "India", a, Sent::Outside, 99_999))
            .unwrap();
        let c = p
            .price(&volume(&ctx, feb, "India", ai, Sent::Outside, 2))
            .unwrap();
        assert_eq!(cost(&c), dec!(0.0280) + dec!(0.0250));
        // March starts from zero again.
        let c = p
            .price(&volume(
                &ctx,
                date(2026, 3, 1),
                "India",
                u,
                Sent::Outside,
                1,
            ))
            .unwrap();
        assert_eq!(cost(&c), dec!(0.0014));
    }

    #[test]
    fn unknown_rates_and_models_are_errors() {
        let ctx = context(ModelChoice::Auto, "");
        let mut p = VolumePricer::new(&ctx, 1);
        let e = p.price(&volume(
            &ctx,
            date(2025, 6, 1),
            "Brazil",
            Category::Marketing,
            Sent::Outside,
            1,
        ));
        assert!(matches!(e, Err(Unpriced::NoModel { .. })));
        let e = p.price(&volume(
            &ctx,
            date(2026, 10, 1),
            "Nepal",
            Category::AuthenticationInternational,
            Sent::Outside,
            1,
        ));
        assert!(matches!(e, Err(Unpriced::NoRate { .. })), "{e:?}");
    }
}

/// Meta's April 2026 table, built in: band limits and rates as printed in
/// Meta's file (`data/examples/meta-files/USD_volume_tiers-2026-04-01.csv`),
/// copied here by hand.
mod meta_tiers {
    use super::*;
    use crate::pricing::volume::{Sent, Volume, VolumePricer};
    use crate::refdata::markets::MarketMatch;
    use jiff::civil::date;

    fn builtin() -> PricingContext {
        context(ModelChoice::Auto, "")
    }

    /// (last message of the band, rate); `u64::MAX` for the open band.
    type Bands = &'static [(u64, Decimal)];

    const INDIA_UTILITY: Bands = &[
        (25_000_000, dec!(0.0014)),
        (50_000_000, dec!(0.0013)),
        (100_000_000, dec!(0.0012)),
        (200_000_000, dec!(0.0011)),
        (300_000_000, dec!(0.0011)),
        (u64::MAX, dec!(0.0010)),
    ];
    const INDIA_AUTHENTICATION: Bands = &[
        (750_000, dec!(0.0014)),
        (15_000_000, dec!(0.0013)),
        (20_000_000, dec!(0.0012)),
        (50_000_000, dec!(0.0011)),
        (100_000_000, dec!(0.0011)),
        (u64::MAX, dec!(0.0010)),
    ];
    const INDIA_INTERNATIONAL: Bands = &[
        (750_000, dec!(0.0304)),
        (15_000_000, dec!(0.0286)),
        (20_000_000, dec!(0.0268)),
        (50_000_000, dec!(0.0249)),
        (100_000_000, dec!(0.0231)),
        (u64::MAX, dec!(0.0213)),
    ];
    const BRAZIL_UTILITY: Bands = &[
        (250_000, dec!(0.0068)),
        (2_000_000, dec!(0.0065)),
        (17_000_000, dec!(0.0061)),
        (35_000_000, dec!(0.0058)),
        (70_000_000, dec!(0.0054)),
        (u64::MAX, dec!(0.0051)),
    ];
    const BRAZIL_AUTHENTICATION: Bands = &[
        (500_000, dec!(0.0068)),
        (3_000_000, dec!(0.0065)),
        (5_250_000, dec!(0.0061)),
        (10_000_000, dec!(0.0058)),
        (20_000_000, dec!(0.0054)),
        (u64::MAX, dec!(0.0051)),
    ];
    const EGYPT_INTERNATIONAL: Bands = &[
        (300_000, dec!(0.0650)),
        (2_000_000, dec!(0.0618)),
        (10_000_000, dec!(0.0585)),
        (20_000_000, dec!(0.0553)),
        (40_000_000, dec!(0.0520)),
        (u64::MAX, dec!(0.0488)),
    ];

    fn volume(ctx: &PricingContext, market: &str, c: Category, n: u64) -> Volume {
        Volume {
            month: date(2026, 4, 1),
            market: MarketMatch {
                market: ctx.markets.id(market).unwrap(),
                country: None,
            },
            category: c,
            sent: Sent::Outside,
            messages: n,
            business: None,
        }
    }

    #[test]
    fn april_table_at_each_band_boundary() {
        let ctx = builtin();
        let cases: [(&str, Category, Bands); 6] = [
            ("India", Utility, INDIA_UTILITY),
            ("India", Authentication, INDIA_AUTHENTICATION),
            ("India", AuthenticationInternational, INDIA_INTERNATIONAL),
            ("Brazil", Utility, BRAZIL_UTILITY),
            ("Brazil", Authentication, BRAZIL_AUTHENTICATION),
            ("Egypt", AuthenticationInternational, EGYPT_INTERNATIONAL),
        ];
        for (market, category, bands) in cases {
            // The first message pays the list rate.
            let mut p = VolumePricer::new(&ctx, 1);
            let first = p.price(&volume(&ctx, market, category, 1)).unwrap();
            assert_eq!(first[0].rate, Some(bands[0].1), "{market} {category} #1");
            for pair in bands.windows(2) {
                let ((last, rate), (_, next)) = (pair[0], pair[1]);
                // Messages 1..=last, then message last + 1: marginal.
                let mut p = VolumePricer::new(&ctx, 1);
                let upto = p.price(&volume(&ctx, market, category, last)).unwrap();
                let tail = upto.last().unwrap();
                assert_eq!(tail.rate, Some(rate), "{market} {category} #{last}");
                let after = p.price(&volume(&ctx, market, category, 1)).unwrap();
                assert_eq!(
                    after[0].rate,
                    Some(next),
                    "{market} {category} #{}",
                    last + 1
                );
                assert!(
                    matches!(
                        after[0].rate_source,
                        Some(RateSource::TierBand { label }) if label.starts_with("tiers-2026-04-01-usd.csv")
                    ),
                    "{after:?}"
                );
                // The bulk cost is the sum of the runs, band by band.
                let mut bound = 0;
                let mut want = Decimal::ZERO;
                for (to, r) in bands {
                    let n = (*to).min(last) - bound;
                    want += Decimal::from(n) * r;
                    bound = (*to).min(last);
                }
                assert_eq!(upto.iter().map(|c| c.cost).sum::<Decimal>(), want);
            }
        }
    }

    #[test]
    fn egypt_international_counts_with_authentication_message_by_message() {
        let ctx = builtin();
        let mut log = Log::new();
        let start = jiff::Timestamp::from_second(1_775_044_800).unwrap(); // 2026-04-01T12:00Z
        let us = start.as_microsecond(); // the log clock is in microseconds
        for i in 0..300_000 {
            log.add_ms(us + i, "", "201001234567", Some(Authentication));
        }
        log.add_ms(
            us + 300_000,
            "",
            "201001234567",
            Some(AuthenticationInternational),
        );
        let priced = log.priced(&ctx);
        let p = priced[299_999].as_ref().unwrap();
        assert_eq!((p.cost, p.counted_as), (dec!(0.0036), Some(300_000)));
        let p = priced[300_000].as_ref().unwrap();
        // Message 300,001 of Egypt's authentication count: band 2 of the
        // international bands.
        assert_eq!((p.cost, p.counted_as), (dec!(0.0618), Some(300_001)));
        assert_eq!(
            p.tier,
            Some(TierUse::Band {
                index: 2,
                below_list: true
            })
        );
    }

    #[test]
    fn a_later_list_rate_suspends_the_april_table() {
        let ctx = builtin();
        let mut log = Log::new();
        log.add("2026-03-31T12:00:00Z", "", "923001234567", Some(Utility));
        log.add("2026-05-01T12:00:00Z", "", "923001234567", Some(Utility));
        log.add("2026-10-01T12:00:00Z", "", "923001234567", Some(Utility));
        let got: Vec<_> = log
            .priced(&ctx)
            .into_iter()
            .map(|p| p.map(|p| (p.cost, p.tier)).unwrap())
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    dec!(0.0054),
                    Some(TierUse::NoTable {
                        before: Some(date(2026, 4, 1))
                    })
                ),
                (
                    dec!(0.0100),
                    Some(TierUse::Band {
                        index: 1,
                        below_list: false
                    })
                ),
                (
                    dec!(0.0150),
                    Some(TierUse::Suspended {
                        table_from: Some(date(2026, 4, 1)),
                        first_band: dec!(0.0100),
                        list_since: Some(date(2026, 10, 1)),
                    })
                ),
            ]
        );
    }

    #[test]
    fn no_tiers_prices_at_list_rate() {
        let mut ctx = builtin();
        ctx.tiers = TierTable::off();
        let mut p = VolumePricer::new(&ctx, 1);
        let c = p.price(&volume(&ctx, "Brazil", Utility, 300_000)).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].cost, dec!(2040.0000));
    }
}

#[test]
fn tiers_count_per_portfolio_and_a_business_without_one_is_its_own() {
    let mut ctx = context(
        ModelChoice::Auto,
        "business,timezone,portfolio\na,UTC,P1\nb,UTC,P1\nc,UTC,\n",
    );
    let tiers = "market,category,from,to,rate,currency,effective_from\n\
                 India,utility,1,1,0.0014,USD,2026-01-01\n\
                 India,utility,2,,0.0010,USD,2026-01-01\n";
    ctx.tiers = TierTable::parse("tiers.csv", tiers, &mut ctx.markets).unwrap();
    let mut log = Log::new();
    // a and b share P1; c has no portfolio; d is not in the file.
    for (i, business) in ["a", "b", "c", "d", "d"].into_iter().enumerate() {
        log.add_ms(
            1_770_000_000_000_000 + i as i64, // microseconds: 2026-02-02
            business,
            "919812345678",
            Some(Utility),
        );
    }
    let got: Vec<_> = log.price(&ctx).into_iter().map(|r| r.unwrap().1).collect();
    assert_eq!(
        got,
        vec![
            dec!(0.0014),
            dec!(0.0010),
            dec!(0.0014),
            dec!(0.0014),
            dec!(0.0010)
        ]
    );
}

/// docs/pricing-rules.md §9, Meta's Business Agent example: a marketing template,
/// then three customer messages answered by the agent twice and a person
/// once, then a utility template, all within one hour. Meta counts 1
/// charge in July 2026, 3 from August (2 agent), 5 from October (with the
/// service reply and the utility template; Meta's example ignores the free
/// service allowance, so it is 0 here).
#[test]
fn meta_business_agent_example() {
    let mut ctx = context(ModelChoice::Auto, "");
    ctx.service_allowance = 0;
    ctx.lines.agent_tokens_per_message = Some(20_000);
    let charges = |day: &str| {
        let mut log = Log::new();
        let c = "5511987650001";
        let at = |m: i64| format!("{day}T10:{m:02}:00Z");
        log.add(&at(0), "", c, Some(Marketing));
        log.add(&at(1), "", c, None);
        log.add(&at(2), "", c, Some(BusinessAgent));
        log.add(&at(3), "", c, None);
        log.add(&at(4), "", c, Some(BusinessAgent));
        log.add(&at(5), "", c, None);
        log.add(&at(6), "", c, Some(Service));
        log.add(&at(7), "", c, Some(Utility));
        log.price(&ctx)
            .into_iter()
            .map(|r| r.unwrap())
            .filter(|(t, _)| *t == Regular)
            .map(|(_, cost)| cost)
            .collect::<Vec<_>>()
    };
    assert_eq!(charges("2026-07-01"), vec![dec!(0.0625)]);
    // 20,000 tokens × USD 2 / 1M = 0.04 each.
    assert_eq!(
        charges("2026-08-03"),
        vec![dec!(0.0625), dec!(0.04), dec!(0.04)]
    );
    assert_eq!(
        charges("2026-10-05"),
        vec![
            dec!(0.0625),
            dec!(0.04),
            dec!(0.04),
            dec!(0.0068),
            dec!(0.0068)
        ]
    );
}

/// An AI Provider's reply is charged even inside a free entry point
/// window (Meta names no exemption); its templates keep the usual rules.
#[test]
fn ai_provider_replies_are_charged_inside_free_windows() {
    let ctx = context(
        ModelChoice::Auto,
        "business,timezone,ai_provider\n15550009,UTC,yes\n",
    );
    let mut log = Log::new();
    let at = "2026-06-10T10:00:00Z"
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_microsecond();
    log.add_ms(at, "15550009", "5511987650001", None);
    log.messages[0].entry_point = true;
    log.add_ms(at + 1_000_000, "15550009", "5511987650001", Some(Marketing));
    log.add_ms(at + 2_000_000, "15550009", "5511987650001", Some(Service));
    let got: Vec<_> = log.priced(&ctx).into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(got[1].pricing_type, FreeEntryPoint);
    assert_eq!((got[2].pricing_type, got[2].cost), (Regular, dec!(0.0625)));
    assert_eq!(got[2].pricing_category, Some(GeneralPurposeAi));
    assert_eq!(got[2].note, Some(AI_INFERRED));
}

/// An AI Provider's service message is explained as the AI message it is
/// priced as, in the 2026-10 model too (not as a service message past the
/// free allowance, which it never counted against).
#[test]
fn explain_names_an_ai_providers_service_message() {
    use crate::render::explain::sentence;
    let ctx = context(
        ModelChoice::Auto,
        "business,timezone,ai_provider\n15550009,UTC,yes\n",
    );
    let mut log = Log::new();
    log.add("2026-11-10T10:00:00Z", "15550009", "5511987650001", None);
    log.add(
        "2026-11-10T11:00:00Z",
        "15550009",
        "5511987650001",
        Some(Service),
    );
    let mut pricer = Pricer::new(&ctx);
    let sentences: Vec<String> = log
        .messages
        .iter()
        .map(|m| sentence(m, &pricer.price(m, &log.strings), &ctx))
        .collect();
    assert!(
        sentences[1].starts_with(
            "service (free-form) message: an AI Provider's non-template message, charged per \
             delivery in this market;"
        ),
        "{}",
        sentences[1]
    );
}

/// A group's window lasts 24 h from the latest participant message; a
/// failed participant message opens nothing.
#[test]
fn group_windows_close_after_24_hours() {
    let ctx = context(ModelChoice::Auto, "");
    let mut log = Log::new();
    let group = log.strings.groups.intern("G1");
    let at = "2026-06-01T10:00:00Z"
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_microsecond();
    log.add_ms(at, "", "919810000001", None);
    log.add_ms(at + HOUR_US, "", "919810000002", None);
    log.messages[1].status = Status::Failed;
    log.add_ms(at + 24 * HOUR_US - 1, "", "5511987650001", Some(Utility));
    log.add_ms(at + 24 * HOUR_US, "", "5511987650001", Some(Utility));
    for m in &mut log.messages {
        m.extras.set_group(Some(group));
    }
    let got = log.price(&ctx);
    assert_eq!(got[2], Ok((FreeGroupCustomerService, dec!(0))));
    assert_eq!(got[3], Ok((Regular, dec!(0.0068))));
}
