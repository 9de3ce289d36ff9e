//! The all-in cost (issue 29) on `forecast` and `explain`: `--fees`,
//! `--tax`, `--fx` by the rules `estimate` uses, on the files of
//! `tests/finance/` (see `finance.rs` for what they hold).

use crate::finance::{ok, run};

// plan-q1.csv: 100 German marketing messages in January 2026, 100 in
// February; 0.1365 USD each. fees.csv: 0.0010 a delivered message, 10%
// markup, 49.00 a month; fx.csv: USD→EUR 0.95 from 1 January, 0.92 from
// 1 February.
const FORECAST: [&str; 9] = [
    "forecast",
    "--plan",
    "plan-q1.csv",
    "--fees",
    "fees.csv",
    "--tax",
    "19",
    "--fx",
    "fx.csv",
];

#[test]
fn forecast_rows_and_totals_carry_the_all_in_columns() {
    let csv = ok(&[&FORECAST[..], &["--format", "csv"]].concat());
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "month,market,category,messages,charged,free,cost,currency,\
         meta_cost,provider_fee,tax,total,all_in_currency"
    );
    // January: Meta 13.65; fee 100 × 0.0010 + 10% × 13.65 = 1.465; VAT 19%
    // × 15.115 = 2.87185; each × 0.95 (the rate of 1 January).
    assert!(
        csv.contains(
            "2026-01,Germany,marketing,100,100,0,13.6500,USD,12.9675,1.39175,2.7282575,17.0875075,EUR\n"
        ),
        "{csv}"
    );
    // February: the same in USD, × 0.92.
    assert!(
        csv.contains(
            "2026-02,Germany,marketing,100,100,0,13.6500,USD,12.5580,1.3478,2.642102,16.547902,EUR\n"
        ),
        "{csv}"
    );
    assert!(
        csv.ends_with(
            "total,total,total,200,200,0,27.3000,USD,25.5255,2.73955,5.3703595,33.6354095,EUR\n"
        ),
        "{csv}"
    );
    let table = ok(&FORECAST);
    assert!(table.contains("total (EUR)"), "{table}");
    assert!(
        table.contains("USD to EUR at the rate of each forecast month's first day"),
        "{table}"
    );
    assert!(table.contains("not in the total: monthly_platform 49.0000"));
    let json = ok(&[&FORECAST[..], &["--format", "json"]].concat());
    assert!(json.contains("\"all_in\""), "{json}");
    assert!(json.contains("33.6354095"), "{json}");
}

#[test]
fn forecast_budget_gates_the_all_in_total_of_each_month() {
    // January costs 13.65 USD but 17.0875075 EUR all-in: over 17.
    let out = run(&[&FORECAST[..], &["--budget", "17", "--format", "csv"]].concat());
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "over budget: 2026-01 forecasts 17.0875075 EUR, over budget 17.0000 EUR by 0.0875075"
        ),
        "{err}"
    );
    assert!(!err.contains("2026-02 forecasts"), "{err}");
    // Without the all-in rules, both months are within it.
    let out = run(&["forecast", "--plan", "plan-q1.csv", "--budget", "17"]);
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn forecast_without_a_rate_for_a_month_or_with_tax_by_country_fails() {
    let out = run(&[
        "forecast",
        "--plan",
        "plan-q1.csv",
        "--fx",
        "fx-from-february.csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2026-01"), "{err}");
    let out = run(&["forecast", "--plan", "plan-q1.csv", "--tax", "DE:19,*:0"]);
    assert_eq!(out.status.code(), Some(2));
    let out = run(&[
        "forecast",
        "--plan",
        "plan-q1.csv",
        "--plan",
        "plan-a.csv",
        "--tax",
        "19",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

const EXPLAIN: [&str; 9] = [
    "--fees",
    "fees.csv",
    "--tax",
    "DE:19,*:0",
    "--businesses",
    "businesses.csv",
    "--fx",
    "fx.csv",
    "-q",
];

#[test]
fn explain_gives_each_messages_fee_tax_and_all_in_total() {
    let text = ok(&[
        &["explain", "tagged.csv", "--customer", "+4915112340003"][..],
        &EXPLAIN,
    ]
    .concat());
    // m05, 9 February: 0.1365 USD; fee 0.0010 + 0.01365, VAT 19%, × 0.92.
    assert!(
        text.contains(
            "All-in EUR: Meta cost 0.12558 + provider fee 0.013478 + tax 0.02642102 = 0.16547902."
        ),
        "{text}"
    );
    // m06 failed: the failed_message fee 0.0002 and its VAT, × 0.92.
    assert!(
        text.contains(
            "All-in EUR: Meta cost 0.0000 + provider fee 0.000184 + tax 0.00003496 = 0.00021896."
        ),
        "{text}"
    );
    // The sum, as estimate's `winter` group has it.
    assert!(
        text.contains(
            "all-in total of the 2 messages shown: 0.16569798 EUR (Meta cost 0.12558 + \
             provider fee 0.013662 + tax 0.02645598)"
        ),
        "{text}"
    );
    // The inbound message carries its fee (local date 1 February, 0.92).
    let text = ok(&[
        &["explain", "tagged.csv", "--customer", "+4915112340002"][..],
        &EXPLAIN,
    ]
    .concat());
    assert!(
        text.contains("provider fee 0.00046 + tax 0.0000874 = 0.0005474."),
        "{text}"
    );
    // Without the flags, no all-in text.
    let plain = ok(&[
        "explain",
        "tagged.csv",
        "--customer",
        "+4915112340003",
        "-q",
    ]);
    assert!(!plain.contains("All-in"), "{plain}");
    assert!(!plain.contains("all-in total"), "{plain}");
}

#[test]
fn explain_without_a_rate_for_a_messages_date_fails() {
    let out = run(&[
        "explain",
        "tagged.csv",
        "--message-id",
        "m01",
        "--fx",
        "fx-from-february.csv",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
}

/// The `<figure id="…">` of a page, up to its end.
fn figure<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("<figure id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no figure {id}"));
    let end = start + html[start..].find("</figure>").unwrap();
    &html[start..end]
}

#[test]
fn the_html_report_draws_one_chart_per_by_key() {
    let html = ok(&[
        "estimate",
        "tagged.csv",
        "--by",
        "column:campaign,market",
        "--format",
        "html",
        "-q",
    ]);
    assert!(html.contains("<h2>Spend by column:campaign</h2>"), "{html}");
    let campaigns = figure(&html, "by-column-campaign");
    for label in ["(none)", "spring", "winter"] {
        assert!(campaigns.contains(label), "{label}: {campaigns}");
    }
    // One bar per campaign, besides the background.
    assert!(campaigns.matches("<rect").count() > 3, "{campaigns}");
    // Meta's cost by market is the spend chart, not drawn twice.
    assert!(!html.contains("<figure id=\"by-market\">"), "{html}");
    let markets = figure(&html, "spend-by-market");
    assert!(markets.contains("Germany"), "{markets}");
    assert!(html.contains("<figure id=\"spend-by-day\">"));
    // All-in: the chart is of the all-in total, in its currency.
    let html = ok(&[
        &[
            "estimate",
            "tagged.csv",
            "--by",
            "column:team",
            "--format",
            "html",
        ][..],
        &EXPLAIN,
    ]
    .concat());
    let teams = figure(&html, "by-column-team");
    assert!(teams.contains("Spend by column:team (EUR)"), "{teams}");
    assert!(teams.contains("all-in total"), "{teams}");
}

#[test]
fn a_chart_label_from_the_log_is_text_not_markup() {
    let dir = std::env::temp_dir().join(format!("wabill-allin-html-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("log.csv");
    std::fs::write(
        &log,
        "timestamp,business,customer,direction,category,message_id,status,team\n\
         2026-02-02T10:00:00Z,+4930100001,+4915112340001,out,marketing,m1,delivered,<img src=x>\n",
    )
    .unwrap();
    let html = ok(&[
        "estimate",
        log.to_str().unwrap(),
        "--by",
        "column:team",
        "--format",
        "html",
        "-q",
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    let chart = figure(&html, "by-column-team");
    assert!(!chart.contains("<img"), "{chart}");
    assert!(chart.contains("&lt;img"), "{chart}");
}
