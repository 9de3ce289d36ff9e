//! Cost the way finance books it (issue 29): by any column of the log, by
//! template, week, quarter and year, for a period, in Excel, all-in. Every
//! case runs the binary on the tagged logs of `tests/finance/`.

use std::path::{Path, PathBuf};
use std::process::Output;

const DIR: &str = "tests/finance";

/// `wabill ARGS` run in `tests/finance/`, with no config file.
pub(crate) fn run(args: &[&str]) -> Output {
    crate::util::wabill()
        .current_dir(DIR)
        .arg("--no-config")
        .args(args)
        .output()
        .expect("wabill runs")
}

/// Standard output of a run that must succeed.
pub(crate) fn ok(args: &[&str]) -> String {
    let out = run(args);
    assert!(
        out.status.success(),
        "wabill {args:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn temp(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wabill-finance-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

// tagged.csv: 9 rows, 7 outbound messages (m04 is a `sent` row and its
// receipt), one inbound. Germany, January 2026 card: marketing 0.1365,
// utility and authentication 0.0550; m03 is free (inside the service window
// i02 opened), m06 was not delivered.

#[test]
fn by_a_column_of_the_log_with_none_for_messages_without_it() {
    let csv = ok(&[
        "estimate",
        "tagged.csv",
        "--by",
        "column:campaign",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(
        csv,
        "column:campaign,messages,charged,free,not_delivered,cost,currency\n\
         (none),2,1,1,0,0.0550,USD\n\
         spring,3,3,0,0,0.4095,USD\n\
         winter,2,1,0,1,0.1365,USD\n\
         total,7,5,1,1,0.6010,USD\n"
    );
}

#[test]
fn several_columns_and_built_in_keys_together() {
    let csv = ok(&[
        "estimate",
        "tagged.csv",
        "--by",
        "column:team,template,month",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(
        csv,
        "column:team,template,month,messages,charged,free,not_delivered,cost,currency\n\
         growth,spring_promo,2026-01,1,1,0,0,0.1365,USD\n\
         growth,spring_promo,2026-02,1,1,0,0,0.1365,USD\n\
         growth,spring_promo,2026-03,1,1,0,0,0.1365,USD\n\
         growth,winter_sale,2026-02,1,1,0,0,0.1365,USD\n\
         security,otp,2026-02,1,1,0,0,0.0550,USD\n\
         support,order_update,2026-02,2,0,1,1,0.0000,USD\n\
         total,total,total,7,5,1,1,0.6010,USD\n"
    );
    // Column names are matched ignoring case, like headers.
    let upper = ok(&[
        "estimate",
        "tagged.csv",
        "--by",
        "column:TEAM,template,month",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(upper, csv);
}

#[test]
fn a_misspelt_column_is_an_error_not_a_report_of_none() {
    let out = run(&["estimate", "tagged.csv", "--by", "column:campain", "-q"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--by column:campain: no log has a column \"campain\""),
        "{err}"
    );
    let out = run(&["estimate", "tagged.csv", "--by", "colour", "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("column:NAME"));
}

#[test]
fn every_engine_and_thread_count_groups_the_same() {
    let base = [
        "estimate",
        "tagged.csv",
        "--by",
        "column:campaign,column:team",
        "--format",
        "csv",
        "-q",
    ];
    let reference = ok(&[&base[..], &["--engine", "memory"]].concat());
    for threads in ["1", "2"] {
        assert_eq!(
            ok(&[&base[..], &["--threads", threads]].concat()),
            reference,
            "--threads {threads}"
        );
    }
    assert!(reference.contains("spring,growth,3,3,0,0,0.4095,USD\n"));
}

#[test]
fn weeks_quarters_and_years_follow_the_business_zone() {
    let weeks = |tz: &str| {
        ok(&[
            "estimate",
            "tagged.csv",
            "--by",
            "week",
            "--tz",
            tz,
            "--format",
            "csv",
            "-q",
        ])
    };
    let utc = weeks("UTC");
    assert!(utc.contains("2026-W07,1,1,0,0,0.1365,USD\n2026-W08,1,0,0,1,0.0000,USD\n"));
    // m06, Monday 2026-02-16 08:00 UTC, is Sunday evening in Honolulu:
    // ISO week 7 there.
    let honolulu = weeks("Pacific/Honolulu");
    assert!(
        honolulu.contains("2026-W07,2,1,0,1,0.1365,USD\n2026-W09"),
        "{honolulu}"
    );
    let quarters = ok(&[
        "estimate",
        "tagged.csv",
        "--by",
        "quarter,year",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(
        quarters,
        "quarter,year,messages,charged,free,not_delivered,cost,currency\n\
         2026-Q1,2026,7,5,1,1,0.6010,USD\n\
         total,total,7,5,1,1,0.6010,USD\n"
    );
}

#[test]
fn price_writes_the_logs_own_columns_through() {
    let csv = ok(&["price", "tagged.csv", "-q"]);
    let mut lines = csv.lines();
    let header = lines.next().unwrap();
    assert!(
        header.ends_with(",conversation_opened,campaign,team"),
        "{header}"
    );
    let m05 = lines.find(|l| l.starts_with("m05,")).unwrap();
    assert!(m05.ends_with(",winter,growth"), "{m05}");
    // A message without the tag has an empty cell.
    let m03 = csv.lines().find(|l| l.starts_with("m03,")).unwrap();
    assert!(m03.ends_with(",,support"), "{m03}");

    let kept = ok(&[
        "price",
        "tagged.csv",
        "--keep",
        "team",
        "--format",
        "json",
        "-q",
    ]);
    let first: serde_json::Value = serde_json::from_str(kept.lines().next().unwrap()).unwrap();
    assert_eq!(first["tags"], serde_json::json!({"team": "growth"}));
    let out = run(&["price", "tagged.csv", "--keep", "teams", "-q"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn webhook_callback_data_is_the_tag_callback_data() {
    let csv = ok(&[
        "estimate",
        "tagged-webhooks.jsonl",
        "--by",
        "column:callback_data",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(
        csv,
        "column:callback_data,messages,charged,free,not_delivered,cost,currency\n\
         (none),1,1,0,0,0.0550,USD\n\
         campaign=spring,1,1,0,0,0.1365,USD\n\
         campaign=winter,1,1,0,0,0.1365,USD\n\
         total,3,3,0,0,0.3280,USD\n"
    );
    let priced = ok(&["price", "tagged-webhooks.jsonl", "-q"]);
    assert!(priced.lines().next().unwrap().ends_with(",callback_data"));
    assert!(priced.contains(",campaign=spring\n"));
}

#[test]
fn partition_and_merge_keep_the_column_groups() {
    let dir = temp("partition");
    let parts = dir.join("parts");
    ok(&[
        "partition",
        "tagged.csv",
        "--parts",
        "2",
        "--out",
        s(&parts),
    ]);
    let mut reports = Vec::new();
    for entry in std::fs::read_dir(&parts).unwrap() {
        let part = entry.unwrap().path();
        let json = dir.join(format!(
            "{}.json",
            part.file_name().unwrap().to_str().unwrap()
        ));
        let out = run(&[
            "estimate",
            s(&part),
            "--by",
            "column:campaign",
            "--format",
            "json",
            "-o",
            s(&json),
            "-q",
        ]);
        if out.status.success() {
            reports.push(json);
        }
    }
    let mut args = vec!["merge"];
    args.extend(reports.iter().map(|r| s(r)));
    args.extend(["--format", "csv"]);
    let whole = ok(&[
        "estimate",
        "tagged.csv",
        "--by",
        "column:campaign",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(ok(&args), whole);
}

#[test]
fn a_period_prices_the_whole_log_but_reports_only_its_messages() {
    let feb = ok(&[
        "estimate",
        "tagged.csv",
        "--period",
        "2026-02",
        "--by",
        "column:campaign",
        "--format",
        "csv",
        "-q",
    ]);
    // m03 (1 February, 00:10) is free: the customer wrote on 31 January,
    // a message outside the period that still opens the window.
    assert_eq!(
        feb,
        "column:campaign,messages,charged,free,not_delivered,cost,currency\n\
         (none),2,1,1,0,0.0550,USD\n\
         spring,1,1,0,0,0.1365,USD\n\
         winter,2,1,0,1,0.1365,USD\n\
         total,5,3,1,1,0.3280,USD\n"
    );
    // Cutting the log to February instead loses that window.
    let dir = temp("period");
    let text = std::fs::read_to_string(Path::new(DIR).join("tagged.csv")).unwrap();
    let cut: String = text
        .lines()
        .filter(|l| !l.starts_with("2026-01") && !l.starts_with("2026-03"))
        .map(|l| format!("{l}\n"))
        .collect();
    let cut_path = dir.join("february.csv");
    std::fs::write(&cut_path, cut).unwrap();
    let cut_report = ok(&["estimate", s(&cut_path), "--format", "csv", "-q"]);
    assert!(
        cut_report.ends_with("total,total,5,4,0,1,0.3830,USD\n"),
        "{cut_report}"
    );

    let same = ok(&[
        "estimate",
        "tagged.csv",
        "--from",
        "2026-02-01",
        "--to",
        "2026-02-28",
        "--by",
        "column:campaign",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(same, feb);

    let table = ok(&["estimate", "tagged.csv", "--period", "2026-02"]);
    assert!(
        table.contains("· period 2026-02-01 to 2026-02-28"),
        "{table}"
    );
    assert!(
        table.contains(
            "9 rows read = 0 inbound + 5 outbound + 1 merged + 0 rejected \
             + 3 outside the period (read for context)"
        ),
        "{table}"
    );
    let json: serde_json::Value = serde_json::from_str(&ok(&[
        "estimate",
        "tagged.csv",
        "--period",
        "2026-02",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["accounting"]["outside_period"], 3);
    assert_eq!(json["meta"]["period"], "2026-02-01 to 2026-02-28");
}

#[test]
fn the_budget_gates_the_period_and_price_lists_its_rows() {
    // The whole log costs 0.6010: over 0.50; February alone, 0.3280, is not.
    let out = run(&["estimate", "tagged.csv", "--budget", "0.50", "-q"]);
    assert_eq!(out.status.code(), Some(3));
    let out = run(&[
        "estimate",
        "tagged.csv",
        "--period",
        "2026-02",
        "--budget",
        "0.50",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let out = run(&[
        "estimate",
        "tagged.csv",
        "--period",
        "2026-02",
        "--budget",
        "0.30",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("total 0.3280 USD exceeds"));

    let rows = ok(&["price", "tagged.csv", "--period", "2026-02", "-q"]);
    let ids: Vec<&str> = rows
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["m03", "m04", "m05", "m06", "m07"]);

    let compared = ok(&[
        "compare",
        "tagged.csv",
        "--period",
        "2026-02",
        "--scenario",
        "a:",
        "--scenario",
        "b:",
        "--format",
        "csv",
        "-q",
    ]);
    assert!(compared.contains("0.3280"), "{compared}");
    assert!(!compared.contains("0.6010"), "{compared}");

    for bad in [
        &["--period", "2026-13"][..],
        &["--from", "2026-03-01", "--to", "2026-02-01"][..],
    ] {
        let out = run(&[&["estimate", "tagged.csv", "-q"][..], bad].concat());
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
    }
}

/// A workbook's sheet as rows of cells.
fn sheet(path: &Path, name: &str) -> Vec<Vec<calamine::Data>> {
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(path).expect("a workbook");
    let range = book.worksheet_range(name).expect("the sheet");
    range.rows().map(|r| r.to_vec()).collect()
}

fn sheet_names(path: &Path) -> Vec<String> {
    use calamine::Reader;
    let book: calamine::Xlsx<_> = calamine::open_workbook(path).expect("a workbook");
    book.sheet_names()
}

/// Each cell of the sheet equals the CSV's: keys and text as text, counts
/// and amounts as numbers (amounts to the nearest double).
fn assert_same_as_csv(rows: &[Vec<calamine::Data>], csv: &str) {
    use calamine::Data;
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(rows.len(), lines.len(), "{rows:?}\n{csv}");
    for (y, (row, line)) in rows.iter().zip(&lines).enumerate() {
        let fields: Vec<&str> = line.split(',').collect();
        assert_eq!(row.len(), fields.len(), "row {y}: {row:?} vs {line}");
        for (cell, field) in row.iter().zip(&fields) {
            // A date such as 2026-02 is a key, text; -0.0100 is a number.
            let numeric = y > 0
                && field.parse::<f64>().is_ok()
                && !field.get(1..).is_some_and(|f| f.contains('-'));
            match cell {
                Data::Float(f) if numeric => assert_eq!(*f, field.parse::<f64>().unwrap()),
                Data::Int(i) if numeric => assert_eq!(*i as f64, field.parse::<f64>().unwrap()),
                Data::String(s) if !numeric => assert_eq!(s, field),
                Data::Empty => assert_eq!(*field, ""),
                other => panic!("row {y}: {other:?} for CSV {field:?}"),
            }
        }
    }
}

#[test]
fn an_xlsx_report_reads_back_equal_to_the_csv_byte_identical_each_run() {
    let dir = temp("xlsx");
    let args = [
        "estimate",
        "tagged.csv",
        "--by",
        "column:campaign,month",
        "--period",
        "2026-02",
        "-q",
    ];
    let csv = ok(&[&args[..], &["--format", "csv"]].concat());
    let first = dir.join("costs.xlsx");
    ok(&[&args[..], &["-o", s(&first)]].concat());
    assert_eq!(
        sheet_names(&first),
        ["report", "accounting", "notes and provenance"]
    );
    let report = sheet(&first, "report");
    assert_same_as_csv(&report, &csv);
    // A month stays text: Excel does not read it as a date.
    assert_eq!(report[1][1], calamine::Data::String("2026-02".into()));
    let accounting = sheet(&first, "accounting");
    assert!(accounting.contains(&vec![
        calamine::Data::String("outside_period".into()),
        calamine::Data::Float(3.0)
    ]));
    let notes = sheet(&first, "notes and provenance");
    assert!(
        notes
            .iter()
            .any(|r| r[0] == calamine::Data::String("period".into())
                && r[1] == calamine::Data::String("2026-02-01 to 2026-02-28".into()))
    );

    // The same input gives the same bytes (the creation date is fixed).
    let second = dir.join("again.xlsx");
    ok(&[&args[..], &["--format", "xlsx", "-o", s(&second)]].concat());
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap()
    );
    let stdout = run(&[&args[..], &["--format", "xlsx"]].concat()).stdout;
    assert_eq!(stdout, std::fs::read(&first).unwrap());

    // Another report, compare, from the same renderer.
    let compare = [
        "compare",
        "tagged.csv",
        "--scenario",
        "a:",
        "--scenario",
        "b:",
        "-q",
    ];
    let book = dir.join("compare.xlsx");
    ok(&[&compare[..], &["-o", s(&book)]].concat());
    assert_same_as_csv(
        &sheet(&book, "report"),
        &ok(&[&compare[..], &["--format", "csv"]].concat()),
    );
}

#[test]
fn excel_locale_csv_has_a_bom_semicolons_and_decimal_commas() {
    let eu = ok(&[
        "estimate",
        "tagged.csv",
        "--by",
        "column:campaign",
        "--csv-dialect",
        "excel-eu",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(
        eu,
        "\u{feff}column:campaign;messages;charged;free;not_delivered;cost;currency\n\
         (none);2;1;1;0;0,0550;USD\n\
         spring;3;3;0;0;0,4095;USD\n\
         winter;2;1;0;1;0,1365;USD\n\
         total;7;5;1;1;0,6010;USD\n"
    );
    let flags = ok(&[
        "estimate",
        "tagged.csv",
        "--by",
        "column:campaign",
        "--csv-bom",
        "--csv-delimiter",
        ";",
        "--decimal-comma",
        "--format",
        "csv",
        "-q",
    ]);
    assert_eq!(flags, eu);
    // price too: every row in the dialect, tags included.
    let rows = ok(&["price", "tagged.csv", "--csv-dialect", "excel-eu", "-q"]);
    assert!(rows.starts_with("\u{feff}message_id;timestamp;"));
    let m01 = rows.lines().find(|l| l.starts_with("m01;")).unwrap();
    assert!(m01.contains(";0,1365;0,1365;USD;"), "{m01}");
    assert!(m01.ends_with(";spring;growth"), "{m01}");
    // JSON stays JSON.
    let json = ok(&[
        "estimate",
        "tagged.csv",
        "--csv-dialect",
        "excel-eu",
        "--format",
        "json",
        "-q",
    ]);
    assert!(json.contains("\"cost\": \"0.6010\""), "{json}");
    let out = run(&["estimate", "tagged.csv", "--csv-delimiter", "ab", "-q"]);
    assert_eq!(out.status.code(), Some(2));
}

// fees.csv: 0.0010 per delivered outbound message, 0.0005 per inbound,
// 0.0002 per failed one, 10% markup on Meta's cost, 49.00 a month.
// fx.csv: USD→EUR 0.95 (January), 0.92 (February), 0.90 (March).
// businesses.csv: the business is in Berlin, home country DE.
const ALL_IN: [&str; 10] = [
    "--fees",
    "fees.csv",
    "--tax",
    "DE:19,*:0",
    "--fx",
    "fx.csv",
    "--businesses",
    "businesses.csv",
    "--period",
    "2026-02",
];

#[test]
fn all_in_cost_per_campaign_for_february_with_vat_in_eur() {
    let csv = ok(&[
        &["estimate", "tagged.csv", "--by", "column:campaign"][..],
        &ALL_IN,
        &["--format", "csv", "-q"],
    ]
    .concat());
    // spring = m04: Meta 0.1365 USD; fee 0.0010 + 10% × 0.1365 = 0.01465;
    // VAT 19% × 0.15115 = 0.0287185; each × 0.92 (the rate of 2 February).
    // winter adds m06, failed: fee 0.0002, VAT 0.000038, × 0.92.
    assert_eq!(
        csv,
        "column:campaign,messages,charged,free,not_delivered,cost,currency,meta_cost,provider_fee,tax,total,all_in_currency\n\
         (none),2,1,1,0,0.0550,USD,0.0506,0.0069,0.010925,0.068425,EUR\n\
         spring,1,1,0,0,0.1365,USD,0.12558,0.013478,0.02642102,0.16547902,EUR\n\
         winter,2,1,0,1,0.1365,USD,0.12558,0.013662,0.02645598,0.16569798,EUR\n\
         total,5,3,1,1,0.3280,USD,0.30176,0.03404,0.063802,0.399602,EUR\n"
    );
    let table = ok(&[&["estimate", "tagged.csv"][..], &ALL_IN].concat());
    assert!(table.contains("total (EUR)"), "{table}");
    assert!(
        table.contains("tax DE 19%, others 0%; USD to EUR at the rate of each message's date"),
        "{table}"
    );
    assert!(table.contains("not in the groups: 1 inbound message with fees of 0.0005474 EUR"));
    assert!(table.contains("not in the total: monthly_platform 49.0000"));

    // The same report as a workbook, read back equal to the CSV.
    let dir = temp("allin");
    let book = dir.join("february.xlsx");
    ok(&[
        &["estimate", "tagged.csv", "--by", "column:campaign"][..],
        &ALL_IN,
        &["-o", s(&book), "-q"],
    ]
    .concat());
    assert_same_as_csv(&sheet(&book, "report"), &csv);
}

#[test]
fn the_budget_of_an_all_in_report_is_its_total_and_missing_fx_fails() {
    let budget = |amount: &str| {
        run(&[
            &["estimate", "tagged.csv"][..],
            &ALL_IN,
            &["--budget", amount],
        ]
        .concat())
    };
    let over = budget("0.39");
    assert_eq!(over.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&over.stderr)
            .contains("total 0.399602 EUR exceeds budget 0.3900 EUR"),
        "{}",
        String::from_utf8_lossy(&over.stderr)
    );
    assert_eq!(budget("0.40").status.code(), Some(0));

    // January has no rate in this file: an error naming the date, not a
    // report with a guessed rate.
    let out = run(&[
        "estimate",
        "tagged.csv",
        "--fx",
        "fx-from-february.csv",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("fx-from-february.csv: no USD→EUR rate on or before 2026-01-28"),
        "{err}"
    );
    // Tax by country needs the businesses' home countries.
    let out = run(&["estimate", "tagged.csv", "--tax", "DE:19", "-q"]);
    assert_eq!(out.status.code(), Some(1));
    let out = run(&["estimate", "tagged.csv", "--tax", "120%", "-q"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn compare_scenarios_set_fees_tax_and_fx_to_compare_providers() {
    // Two providers' fees, VAT 19% for both: the all-in totals compared.
    let csv = ok(&[
        "compare",
        "tagged.csv",
        "--period",
        "2026-02",
        "--by",
        "column:campaign",
        "--tax",
        "19",
        "--scenario",
        "bsp_a:fees=fees.csv",
        "--scenario",
        "bsp_b:fees=fees-other.csv",
        "--format",
        "csv",
        "-q",
    ]);
    // spring: (0.1365 + 0.0010 + 10% × 0.1365) × 1.19 against
    // (0.1365 + 0.0040) × 1.19.
    assert!(
        csv.contains("spring,1,1,0.1798685,USD,1,0.167195,USD,-0.0126735,-7.0\n"),
        "{csv}"
    );
    assert!(
        csv.ends_with("total,5,3,0.43435,USD,3,0.40936,USD,-0.02499,-5.8\n"),
        "{csv}"
    );
    // fx= reports a scenario in another currency: no difference across
    // currencies.
    let table = ok(&[
        "compare",
        "tagged.csv",
        "--period",
        "2026-02",
        "--scenario",
        "usd:",
        "--scenario",
        "eur:fx=fx.csv",
    ]);
    assert!(
        table.contains("eur (EUR)") && table.contains("0.30176"),
        "{table}"
    );
    let out = run(&[
        "compare",
        "tagged.csv",
        "--scenario",
        "a:",
        "--scenario",
        "b:tax=lots",
        "-q",
    ]);
    assert_ne!(out.status.code(), Some(0));
}

#[test]
fn a_budget_warns_at_a_share_of_it_on_stderr_and_in_json() {
    // February costs 0.3280: 82% of 0.40.
    let out = run(&[
        "estimate",
        "tagged.csv",
        "--period",
        "2026-02",
        "--budget",
        "0.40",
        "--warn-at",
        "80%",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "warning: total 0.3280 USD is at or past 80% of budget 0.4000 USD (82.0% of it)"
        ),
        "{err}"
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["meta"]["budget"]["status"], "warning");
    assert_eq!(json["meta"]["budget"]["used_percent"], "82.00");
    // Below the share: within, no warning; over the budget: exit 3 as ever.
    let within = run(&[
        "estimate",
        "tagged.csv",
        "--period",
        "2026-02",
        "--budget",
        "0.50",
        "--warn-at",
        "80",
    ]);
    assert_eq!(within.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&within.stderr).contains("warning"));
    let over = run(&[
        "estimate",
        "tagged.csv",
        "--period",
        "2026-02",
        "--budget",
        "0.30",
        "--warn-at",
        "80",
    ]);
    assert_eq!(over.status.code(), Some(3));
    // --warn-at needs a budget.
    assert_eq!(
        run(&["estimate", "tagged.csv", "--warn-at", "80"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn forecast_budget_fails_naming_the_month_over_it() {
    // September 2026 forecasts 1,601.5000 USD, October 1,751.1000.
    let plan = "../cmd/forecast/050-forecast-plan.in/plan.csv";
    let out = run(&[
        "forecast", "--plan", plan, "--budget", "1700", "--format", "csv",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "over budget: 2026-10 forecasts 1,751.1000 USD, over budget 1,700.0000 USD by 51.1000"
        ),
        "{err}"
    );
    assert!(!err.contains("2026-09"), "{err}");
    assert!(!out.stdout.is_empty(), "the forecast is still written");
    let warned = run(&[
        "forecast",
        "--plan",
        plan,
        "--budget",
        "2000",
        "--warn-at",
        "85%",
    ]);
    assert_eq!(warned.status.code(), Some(0));
    let err = String::from_utf8_lossy(&warned.stderr);
    assert!(err.contains("warning: 2026-10 forecasts"), "{err}");
    assert!(!err.contains("warning: 2026-09"), "{err}");
}

#[test]
fn price_shows_each_messages_all_in_amounts_at_its_dates_rate() {
    let rows = ok(&[
        "price",
        "tagged.csv",
        "--fees",
        "fees.csv",
        "--tax",
        "19",
        "--fx",
        "fx.csv",
        "--keep",
        "campaign",
        "-q",
    ]);
    let header = rows.lines().next().unwrap();
    assert!(
        header.ends_with(",meta_cost,provider_fee,tax,total,all_in_currency,campaign"),
        "{header}"
    );
    // m01, 28 January: USD→EUR 0.95; m04, 2 February: 0.92.
    let line = |id: &str| {
        rows.lines()
            .find(|l| l.starts_with(id))
            .unwrap()
            .to_string()
    };
    assert!(
        line("m01,").ends_with(",0.129675,0.0139175,0.027282575,0.170875075,EUR,spring"),
        "{rows}"
    );
    assert!(line("m04,").ends_with(",0.12558,0.013478,0.02642102,0.16547902,EUR,spring"));
    // The inbound message carries its fee.
    assert!(line("i02,").ends_with(",0.0000,0.000475,0.00009025,0.00056525,EUR,"));
    let out = run(&["price", "tagged.csv", "--fx", "fx-from-february.csv", "-q"]);
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn two_forecast_plans_side_by_side_with_differences() {
    let csv = ok(&[
        "forecast",
        "--plan",
        "plan-a.csv",
        "--plan",
        "plan-b.csv",
        "--format",
        "csv",
    ]);
    assert_eq!(
        csv,
        "month,market,category,messages,plan-a_charged,plan-a_cost,plan-a_currency,plan-b_charged,plan-b_cost,plan-b_currency,plan-b_difference,plan-b_percent\n\
         2026-05,Germany,marketing,15000,10000,1365.0000,USD,15000,2047.5000,USD,682.5000,50.0\n\
         2026-05,Germany,utility,20000,10000,550.0000,USD,10000,550.0000,USD,0.0000,0.0\n\
         2026-06,Germany,marketing,18000,12000,1638.0000,USD,18000,2457.0000,USD,819.0000,50.0\n\
         total,total,total,53000,32000,3553.0000,USD,43000,5054.5000,USD,1501.5000,42.3\n"
    );
    // Each plan alone forecasts the same totals.
    for (plan, total) in [("plan-a.csv", "3553.0000"), ("plan-b.csv", "5054.5000")] {
        let alone = ok(&["forecast", "--plan", plan, "--format", "csv"]);
        assert!(
            alone.trim_end().ends_with(&format!("{total},USD")),
            "{alone}"
        );
    }
    let out = run(&[
        "forecast",
        "--plan",
        "plan-a.csv",
        "--plan",
        "plan-b.csv",
        "--format",
        "svg",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_budget_file_gates_each_campaign() {
    // February: spring 0.1365 (budget 0.10: over), winter 0.1365 (0.15:
    // 91%, past 80%), summer nothing (1.00).
    let out = run(&[
        "estimate",
        "tagged.csv",
        "--by",
        "column:campaign",
        "--period",
        "2026-02",
        "--budget-file",
        "campaign-budgets.csv",
        "--warn-at",
        "80%",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "over budget: column:campaign spring costs 0.1365 USD, over its budget 0.1000 USD by 0.0365"
        ),
        "{err}"
    );
    assert!(err.contains("warning: column:campaign winter costs 0.1365 USD, at or past 80%"));
    assert!(!err.contains("summer"), "{err}");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = json["meta"]["group_budgets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["over", "warning", "within"]);
    // The file's key must be one the report groups by.
    let out = run(&[
        "estimate",
        "tagged.csv",
        "--by",
        "month",
        "--budget-file",
        "campaign-budgets.csv",
        "-q",
    ]);
    assert_eq!(out.status.code(), Some(1));
}

/// `price`'s rows in a workbook: one sheet, the CSV's columns and rows,
/// amounts and counts as numbers, flags as booleans, the rest text (a
/// phone number keeps its `+`); the same bytes each run.
#[test]
fn price_rows_in_a_workbook_read_back_equal_to_the_csv() {
    use calamine::Data;
    let dir = temp("price-xlsx");
    let args = [
        "price",
        "tagged.csv",
        "--fees",
        "fees.csv",
        "--tax",
        "19",
        "-q",
    ];
    let csv = ok(&[&args[..], &["--format", "csv"]].concat());
    let book = dir.join("rows.xlsx");
    ok(&[&args[..], &["-o", s(&book)]].concat());
    assert_eq!(sheet_names(&book), ["rows"]);
    let rows = sheet(&book, "rows");
    let mut records = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = records
        .headers()
        .unwrap()
        .iter()
        .map(String::from)
        .collect();
    assert!(header.ends_with(&["campaign".to_string(), "team".to_string()]));
    let records: Vec<csv::StringRecord> = records.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), records.len() + 1);
    let names: Vec<Data> = header.iter().map(|h| Data::String(h.clone())).collect();
    assert_eq!(rows[0], names);
    let numbers = [
        "rate",
        "cost",
        "meta_cost",
        "provider_fee",
        "tax",
        "total",
        "conversation_id",
    ];
    for (row, record) in rows[1..].iter().zip(&records) {
        for ((cell, field), name) in row.iter().zip(record).zip(&header) {
            match cell {
                Data::Empty => assert_eq!(field, "", "{name}"),
                Data::Float(f) if numbers.contains(&name.as_str()) => {
                    assert_eq!(*f, field.parse::<f64>().unwrap(), "{name}")
                }
                Data::Bool(b) => assert_eq!(b.to_string(), field, "{name}"),
                Data::String(t) if !numbers.contains(&name.as_str()) => {
                    assert_eq!(t, field, "{name}")
                }
                other => panic!("{name}: {other:?} for CSV {field:?}"),
            }
        }
    }
    let customer = header.iter().position(|h| h == "customer").unwrap();
    assert!(matches!(&rows[1][customer], Data::String(c) if c.starts_with('+')));
    let again = dir.join("again.xlsx");
    ok(&[&args[..], &["--format", "xlsx", "-o", s(&again)]].concat());
    assert_eq!(
        std::fs::read(&book).unwrap(),
        std::fs::read(&again).unwrap()
    );
}
