//! `wabill forecast --from-log` on minimal logs: the 2026-10 service
//! allowance follows the log's business numbers, and months the log covers
//! only in part (or not at all) are detected.

use std::path::{Path, PathBuf};
use std::process::Output;

use jiff::civil::Date;

fn temp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wabill-forecast-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn forecast(log: &Path, extra: &[&str]) -> Output {
    crate::util::wabill()
        .args(["forecast", "--from-log", log.to_str().unwrap()])
        .args(extra)
        .output()
        .expect("wabill runs")
}

fn run_csv(log: &Path, extra: &[&str]) -> String {
    let mut args = vec!["--format", "csv"];
    args.extend_from_slice(extra);
    stdout(&forecast(log, &args))
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

const HEADER: &str = "timestamp,business,customer,direction,category\n";

/// `n` Brazil marketing templates spread evenly over the days `from..=to`.
fn marketing(n: u32, from: Date, to: Date) -> String {
    let days = (to - from).get_days() + 1;
    (0..n)
        .map(|i| {
            let day = from + jiff::Span::new().days(i64::from(i) * i64::from(days) / i64::from(n));
            format!(
                "{day}T12:00:00Z,b1,+5511987650{:03},out,marketing\n",
                i % 1000
            )
        })
        .collect()
}

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

/// September 2026 replies to customers (service messages inside the
/// customer service window), `n` for each business number, every day of
/// the month; projected to October with no growth.
fn service_history(numbers: &[(&str, u32)]) -> String {
    let mut log = String::from(HEADER);
    for (b, n) in numbers {
        for i in 0..*n {
            let day = 1 + i * 30 / n;
            let customer = format!("+55119{:08}", i);
            log.push_str(&format!("2026-09-{day:02}T10:00:00Z,{b},{customer},in,\n"));
            log.push_str(&format!(
                "2026-09-{day:02}T10:01:00Z,{b},{customer},out,service\n"
            ));
        }
    }
    log
}

fn october_service(csv: &str) -> &str {
    csv.lines()
        .find(|l| l.starts_with("2026-10,Brazil,service,"))
        .unwrap_or_else(|| panic!("{csv}"))
}

#[test]
fn service_allowance_is_per_business_number_of_the_log() {
    let log = temp("two-800.csv", &service_history(&[("b1", 800), ("b2", 800)]));
    let csv = run_csv(&log, &["--months", "1", "--growth", "0%"]);
    assert_eq!(
        october_service(&csv),
        "2026-10,Brazil,service,1600,0,1600,0.0000,USD"
    );

    let log = temp(
        "1500-100.csv",
        &service_history(&[("b1", 1500), ("b2", 100)]),
    );
    let out = forecast(&log, &["--months", "1", "--growth", "0%"]);
    let table = stdout(&out);
    assert!(
        table.contains("of each business number are free"),
        "{table}"
    );
    assert!(table.contains("(2 numbers)"), "{table}");
    let csv = run_csv(&log, &["--months", "1", "--growth", "0%"]);
    // 500 past b1's 1,000 at Brazil's utility rate (0.0068).
    assert_eq!(
        october_service(&csv),
        "2026-10,Brazil,service,1600,500,1100,3.4000,USD"
    );

    // --business-numbers is for plans.
    let out = forecast(&log, &["--months", "1", "--business-numbers", "2"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn months_covered_in_part_are_left_out_of_the_fit() {
    // A steady 300 a month; the log starts on 16 January and was exported
    // on 15 April.
    let mut log = String::from(HEADER);
    log.push_str(&marketing(150, d("2026-01-16"), d("2026-01-31")));
    log.push_str(&marketing(300, d("2026-02-01"), d("2026-02-28")));
    log.push_str(&marketing(300, d("2026-03-01"), d("2026-03-31")));
    log.push_str(&marketing(150, d("2026-04-01"), d("2026-04-15")));
    let log = temp("partial.csv", &log);
    for extra in [&["--months", "2"][..], &["--months", "2", "--growth", "0%"]] {
        let csv = run_csv(&log, extra);
        assert!(
            csv.contains("2026-05,Brazil,marketing,300,"),
            "{extra:?}: {csv}"
        );
        assert!(
            csv.contains("2026-06,Brazil,marketing,300,"),
            "{extra:?}: {csv}"
        );
    }
    let table = stdout(&forecast(&log, &["--months", "1"]));
    assert!(
        table.contains(
            "covered only in part, in the business's time zone, and left out of the fit: \
             2026-01 (16 of 31 days), 2026-04 (15 of 30 days)"
        ),
        "{table}"
    );
}

#[test]
fn a_log_with_no_complete_month_is_scaled_by_the_days_covered() {
    let mut log = String::from(HEADER);
    log.push_str(&marketing(150, d("2026-04-01"), d("2026-04-15")));
    let log = temp("half-april.csv", &log);
    let csv = run_csv(&log, &["--months", "1"]);
    assert!(csv.contains("2026-05,Brazil,marketing,300,"), "{csv}");
    let table = stdout(&forecast(&log, &["--months", "1"]));
    assert!(table.contains("scaled to whole months"), "{table}");
    assert!(table.contains("2026-04 (15 of 30 days)"), "{table}");
}

#[test]
fn the_business_zone_decides_what_a_month_covers() {
    // 1 February 01:00 UTC is still 31 January in São Paulo: the log covers
    // all of February there (and a day of January).
    let mut log = String::from(HEADER);
    log.push_str("2026-02-01T01:00:00Z,b1,+5511987650999,out,marketing\n");
    log.push_str(&marketing(299, d("2026-02-01"), d("2026-02-28")));
    let log = temp("zone.csv", &log);
    let table = stdout(&forecast(
        &log,
        &["--months", "1", "--tz", "America/Sao_Paulo"],
    ));
    assert!(
        table.contains("left out of the fit: 2026-01 (1 of 31 days)"),
        "{table}"
    );
}

#[test]
fn an_empty_month_between_covered_months_is_warned_about() {
    let mut log = String::from(HEADER);
    log.push_str(&marketing(300, d("2026-01-01"), d("2026-01-31")));
    log.push_str(&marketing(300, d("2026-03-01"), d("2026-03-31")));
    let log = temp("gap.csv", &log);
    let out = forecast(&log, &["--months", "1"]);
    let table = stdout(&out);
    assert!(table.contains("no messages at all in 2026-02"), "{table}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("wabill: no messages at all in 2026-02, between months with messages"),
        "{stderr}"
    );
}
