//! Engine tests: the rulebook's worked examples and every dated switch,
//! run through `Pricer` on hand-built messages.

use jiff::tz::TimeZone;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;

use super::*;
use crate::model::{Category, Direction, HOUR_MS, Message, SourcePos, Status};
use crate::refdata::businesses::Businesses;
use crate::refdata::markets::MarketTable;
use crate::refdata::rates::{Currency, RateBook};
use crate::refdata::tiers::TierTable;
use crate::validate::Strings;

fn context(model: ModelChoice, businesses: &str) -> PricingContext {
    let mut markets = MarketTable::builtin();
    let rates = RateBook::builtin(&mut markets);
    let utc = (TimeZone::UTC, "UTC".to_string());
    let businesses = if businesses.is_empty() {
        Businesses::default()
    } else {
        Businesses::parse("businesses.csv", businesses, &utc).unwrap()
    };
    PricingContext {
        markets,
        rates,
        tiers: TierTable::default(),
        businesses,
        model,
        currency: Currency::USD,
        windows: WindowRules::default(),
        service_allowance: 1000,
        default_zone: TimeZone::UTC,
        default_zone_name: "UTC".into(),
    }
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
        let at = at.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        self.add_ms(at, business, customer, category);
    }

    fn add_ms(&mut self, at: i64, business: &str, customer: &str, category: Option<Category>) {
        let line = self.messages.len() as u64 + 2;
        self.messages.push(Message {
            at,
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
            source: SourcePos { file: 0, line },
        });
    }

    fn price(&self, ctx: &PricingContext) -> Vec<Result<(PricingType, Decimal), Unpriced>> {
        let mut pricer = Pricer::new(ctx, &self.strings);
        self.messages
            .iter()
            .map(|m| pricer.price(m).map(|p| (p.pricing_type, p.cost)))
            .collect()
    }
}

use Category::*;
use PricingType::*;

/// PRICING.md §1d / §4 item 1, on any date, and item 9 from 2026-10-01.
fn meta_example(day: &str) -> Log {
    let mut log = Log::new();
    let t = |h: i64| {
        format!("{day}T00:00:00Z")
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond()
            + h * HOUR_MS
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
        .as_millisecond();
    log.add_ms(start, "biz", "919812345678", None);
    for i in 0..1001 {
        log.add_ms(start + 1000 + i, "biz", "919812345678", Some(Service));
    }
    // A new month starts a new allowance.
    log.add_ms(start + 24 * HOUR_MS - 1, "biz", "919812345678", None);
    log.add_ms(start + 24 * HOUR_MS, "biz", "919812345678", Some(Service));
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
        ("2025-06-30T12:00:00Z", "5491112345678", Err(())), // before per-message pricing
        ("2025-07-01T00:00:00Z", "5491112345678", Ok(dec!(0.0289))), // Argentina utility, July 2025 card
        ("2025-10-01T00:00:00Z", "5491112345678", Ok(dec!(0.0260))), // lowered on 2025-10-01
        ("2025-12-31T23:59:59Z", "14155550100", Err(())), // NA utility unknown before 2026
        ("2026-01-01T00:00:00Z", "14155550100", Ok(dec!(0.0034))),
        ("2026-06-30T12:00:00Z", "85291234567", Ok(dec!(0.0113))), // Hong Kong in Rest of APAC
        ("2026-07-01T00:00:00Z", "85291234567", Err(())),          // standalone, USD value unknown
        ("2026-10-01T00:00:00Z", "9647701234567", Err(())),        // Iraq standalone, unknown
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
    log.add("2026-07-02T00:00:00Z", "", "85291234567", Some(Marketing));
    let err = log.price(&ctx).remove(0).unwrap_err().to_string();
    assert!(err.contains("Hong Kong marketing on 2026-07-02"), "{err}");
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
                 India,utility,1,2,0.0100,USD,2026-01-01\n\
                 India,utility,3,,0.0050,USD,2026-01-01\n";
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
        vec![dec!(0.01), dec!(0.01), dec!(0.005), dec!(0.005), dec!(0.01)]
    );
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
    let mut pricer = Pricer::new(&ctx, &log.strings);
    let sentences: Vec<String> = log
        .messages
        .iter()
        .map(|m| sentence(m, &pricer.price(m), &ctx.markets, "USD"))
        .collect();
    let expect = [
        "marketing template with no customer message in the previous 24 h: outside the customer service window; India marketing rate 0.0118 USD, card rates-2026-01-01-usd.csv (USD 2026-01-01).",
        "customer message: opens (or restarts) the 24 h customer service window.",
        "utility template sent 1 h after the customer's last message, inside the customer service window: free.",
        "marketing template sent 2 h after the customer's last message, inside the customer service window, where marketing templates are still charged; India marketing rate 0.0118 USD, card rates-2026-01-01-usd.csv (USD 2026-01-01).",
        "utility template sent 26 h after the customer's last message: outside the customer service window; India utility rate 0.0014 USD, card rates-2026-01-01-usd.csv (USD 2026-01-01).",
        "customer message: opens (or restarts) the 24 h customer service window.",
        "service (free-form) message number 1 this month for this business number: within the 1,000 free service messages.",
        "utility template sent 2 h after the customer's last message, inside the customer service window, charged since the rules of 2026-10-01; India utility rate 0.0014 USD, card rates-2026-01-01-usd.csv (USD 2026-01-01).",
        "customer message from an ad or Page button: opens (or restarts) the 24 h customer service window; a reply within 24 h opens a 72 h free entry point window.",
        "service (free-form) message: the first reply within 24 h to a customer who came from an ad or Page button: free, and it opens a free entry point window until 2026-10-09 01:00:00 UTC.",
        "marketing template inside the free entry point window (open until 2026-10-09 01:00:00 UTC): free.",
        "marketing template not delivered (status failed): never charged, opens nothing.",
    ];
    for (got, want) in sentences.iter().zip(expect) {
        assert_eq!(got, want);
    }
    assert_eq!(sentences.len(), expect.len());
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
    }

    #[test]
    fn tier_boundary_inside_a_month_is_marginal() {
        let mut ctx = context(ModelChoice::Auto, "");
        ctx.tiers = TierTable::parse(
            "tiers-illustrative.csv",
            include_str!("../../data/examples/tiers-illustrative.csv"),
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
            "Kazakhstan",
            Category::Marketing,
            Sent::Outside,
            1,
        ));
        assert!(matches!(e, Err(Unpriced::NoRate { .. })), "{e:?}");
    }
}
