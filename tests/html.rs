//! The HTML reports in a real browser: headless Chromium loads each page,
//! and the DOM it dumps after rendering must show the table, the total and
//! the charts. A screenshot of each page, at a desktop and a phone width, is
//! kept under `target/html-screenshots/` for a person to look at.
//!
//! Chromium comes from Debian's `chromium` package (`.ci/run` installs it
//! when missing; `WABILL_CHROMIUM` names another binary). Without it a test
//! says so on stderr and skips the browser, unless `CI=true`, where it
//! fails and says how to install it. `WABILL_SKIP_BROWSER=1` skips the
//! browser anywhere.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

const CHROMIUM: &str = "/usr/bin/chromium";

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("wabill-html-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn wabill(args: &[&str]) -> (i32, Vec<u8>) {
    let out = crate::util::wabill()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--no-config")
        .args(args)
        .output()
        .unwrap();
    (out.status.code().unwrap_or(-1), out.stdout)
}

/// Whether the tests run in CI (`CI=true`, as CI services set it).
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// The browser, or `None` when the test is told to skip it or, outside CI,
/// when there is none.
fn chromium() -> Option<&'static Path> {
    if std::env::var_os("WABILL_SKIP_BROWSER").is_some_and(|v| v == "1") {
        eprintln!("WABILL_SKIP_BROWSER=1: the HTML reports are not checked in a browser");
        return None;
    }
    let chromium =
        std::env::var_os("WABILL_CHROMIUM").map_or(PathBuf::from(CHROMIUM), PathBuf::from);
    let path: &'static Path = Box::leak(chromium.into_boxed_path());
    if !path.exists() {
        let how = "install it with `sudo apt-get install -y chromium` (Debian)";
        // Required in CI (`.ci/run` installs it); a note and a skip on a
        // fresh machine, so that the README's `cargo test` passes there.
        let shown = path.display();
        assert!(!in_ci(), "{shown} is missing (CI=true requires it): {how}");
        eprintln!(
            "note: {shown} is missing: the HTML reports are not checked in a browser ({how}; \
             CI=true makes it required)"
        );
        return None;
    }
    Some(path)
}

/// Runs headless Chromium on `page` with a fresh profile and no network
/// services; returns its stdout.
fn browse(browser: &Path, page: &Path, extra: &[String]) -> String {
    // A new profile per run: tests run in parallel, and Chromium refuses a
    // profile directory another instance holds.
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let profile = scratch(&format!("profile-{}", RUNS.fetch_add(1, Ordering::Relaxed)));
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    let _ = std::fs::remove_dir_all(&profile);
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The DOM after rendering, and screenshots at desktop and phone widths.
fn render(browser: &Path, name: &str, html: &[u8]) -> String {
    let dir = scratch(name);
    let page = dir.join(format!("{name}.html"));
    std::fs::write(&page, html).unwrap();
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/html-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for (suffix, size) in [("", "1280,2400"), ("-phone", "400,3000")] {
        let png = shots.join(format!("{name}{suffix}.png"));
        let _ = std::fs::remove_file(&png);
        browse(
            browser,
            &page,
            &[
                format!("--screenshot={}", png.display()),
                format!("--window-size={size}"),
                "--hide-scrollbars".into(),
            ],
        );
        let bytes = std::fs::read(&png).expect("a screenshot");
        assert!(
            bytes.starts_with(b"\x89PNG"),
            "{} is not a PNG",
            png.display()
        );
    }
    let dom = browse(browser, &page, &["--dump-dom".into()]);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        dom.contains("<table id=\"report\">"),
        "no table in the DOM:\n{dom}"
    );
    dom
}

/// The text between `start` and the next `end` after it.
fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let i = s
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in the page"))
        + start.len();
    let j = s[i..]
        .find(end)
        .unwrap_or_else(|| panic!("{end:?} not after {start:?}"))
        + i;
    &s[i..j]
}

/// A chart figure holds an SVG with at least `bars` filled rectangles
/// besides the background, and its caption.
fn assert_chart(dom: &str, id: &str, bars: usize) {
    let figure = between(dom, &format!("<figure id=\"{id}\">"), "</figure>");
    let svg = between(figure, "<svg", "</svg>");
    let rects = svg.matches("<rect").count();
    assert!(
        rects > bars,
        "{id}: {rects} rectangles, expected more than {bars}"
    );
    assert!(svg.contains("<text"), "{id}: the chart has no labels");
    assert!(figure.contains("<figcaption>"), "{id}: no caption");
}

#[test]
fn the_estimate_page_shows_table_total_and_charts() {
    let Some(browser) = chromium() else { return };
    let log = "data/sample/messages.csv";
    let (code, html) = wabill(&["estimate", log, "--format", "html"]);
    assert_eq!(code, 0);
    let (_, table) = wabill(&["estimate", log, "--format", "csv"]);
    let table = String::from_utf8(table).unwrap();
    let dom = render(browser, "estimate", &html);

    // One body row per CSV line (header and total aside), and the total.
    let rows = table.lines().count() - 2;
    let body = between(&dom, "<tbody>", "</tbody>");
    assert_eq!(body.matches("<tr>").count(), rows);
    let total = table
        .lines()
        .last()
        .unwrap()
        .split(',')
        .nth(6)
        .unwrap()
        .to_string();
    let foot = between(&dom, "<tfoot>", "</tfoot>");
    assert!(foot.contains("<th>Total</th>"), "{foot}");
    assert!(
        foot.contains(&format!(">{total}</th>")),
        "total {total} not in {foot}"
    );
    assert!(between(&dom, "<p class=\"total\" id=\"total\">", "</p>").contains(&total));
    let accounting = between(&dom, "<ul id=\"accounting\">", "</ul>");
    assert!(accounting.contains("rows read = "), "{accounting}");
    assert!(accounting.contains(" outbound = "), "{accounting}");
    assert!(between(&dom, "<dl id=\"provenance\">", "</dl>").contains(log));
    // The sample spans several days and markets.
    assert_chart(&dom, "spend-by-day", 3);
    assert_chart(&dom, "spend-by-market", 5);
}

#[test]
fn the_reconcile_page_shows_cells_totals_and_charts() {
    let Some(browser) = chromium() else { return };
    let dir = "tests/cmd/reconcile/071-reconcile-causes.in";
    let args = |format: &'static str| {
        [
            "reconcile".to_string(),
            format!("{dir}/log.csv"),
            "--actual".into(),
            format!("{dir}/analytics.json"),
            "--tz".into(),
            "America/Sao_Paulo".into(),
            "--format".into(),
            format.into(),
        ]
    };
    let html_args = args("html");
    let (code, html) = wabill(&html_args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 4, "cells outside tolerance keep their exit code");
    let json_args = args("json");
    let (_, json) = wabill(&json_args.iter().map(String::as_str).collect::<Vec<_>>());
    let json: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let dom = render(browser, "reconcile", &html);

    let rows = json["rows"].as_array().unwrap();
    let body = between(&dom, "<tbody>", "</tbody>");
    assert_eq!(body.matches("<tr").count(), rows.len());
    let off = rows
        .iter()
        .filter(|r| r["within_tolerance"] == false)
        .count();
    assert_eq!(body.matches("<tr class=\"off\">").count(), off);
    let billed = json["totals"]["meta"]["actual"].as_str().unwrap();
    let foot = between(&dom, "<tfoot>", "</tfoot>");
    assert!(foot.contains("<th>Total</th>"), "{foot}");
    assert!(
        foot.contains(&format!(">{billed}</th>")),
        "billed {billed} not in {foot}"
    );
    assert!(between(&dom, "<ul id=\"notes\">", "</ul>").contains("cells outside tolerance"));
    assert_chart(&dom, "spend-by-day", 2);
    assert_chart(&dom, "spend-by-market", 2);
}

#[test]
fn the_forecast_page_shows_table_total_and_chart() {
    let Some(browser) = chromium() else { return };
    let dir = "tests/cmd/forecast/050-forecast-plan.in";
    let args = |format| {
        [
            "forecast".to_string(),
            "--plan".into(),
            format!("{dir}/plan.csv"),
            "--tiers".into(),
            format!("{dir}/tiers.csv"),
            "--format".into(),
            String::from(format),
        ]
    };
    let run = |format| {
        let a = args(format);
        wabill(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let (code, html) = run("html");
    assert_eq!(code, 0);
    let (_, csv) = run("csv");
    let csv = String::from_utf8(csv).unwrap();
    let dom = render(browser, "forecast", &html);

    // One body row per CSV line (header and total aside) and one per
    // month's total (the CSV leaves them to machines to sum).
    let months: std::collections::BTreeSet<&str> = csv
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').next())
        .filter(|m| *m != "total")
        .collect();
    let body = between(&dom, "<tbody>", "</tbody>");
    assert_eq!(
        body.matches("<tr>").count(),
        csv.lines().count() - 2 + months.len()
    );
    assert!(body.contains("<th>month total</th>"), "{body}");
    let foot = between(&dom, "<tfoot>", "</tfoot>");
    assert!(foot.contains("<th>Total</th>"), "{foot}");
    assert!(foot.contains(">3,332.6000</th>"), "{foot}");
    assert!(between(&dom, "<p class=\"total\" id=\"total\">", "</p>").contains("3,332.6000"));
    assert!(between(&dom, "<ul id=\"notes\">", "</ul>").contains("forecast from"));
    // Two months, four categories.
    assert_chart(&dom, "spend-by-month", 4);
}

/// A business name with markup is shown as text, never run as markup.
#[test]
fn values_from_the_log_cannot_inject_markup() {
    let Some(browser) = chromium() else { return };
    let dir = scratch("inject");
    let log = dir.join("log.csv");
    std::fs::write(
        &log,
        "timestamp,business,customer,direction,category,message_id,status\n\
         2026-02-02T10:00:00Z,<img src=x onerror=alert(1)>,+919810000010,out,marketing,m1,delivered\n",
    )
    .unwrap();
    let (code, html) = wabill(&[
        "estimate",
        log.to_str().unwrap(),
        "--by",
        "business",
        "--format",
        "html",
    ]);
    assert_eq!(code, 0);
    let dom = render(browser, "inject", &html);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        !dom.contains("<img"),
        "markup from the log became an element"
    );
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;"), "{dom}");
}

#[test]
fn the_page_is_the_same_bytes_every_run() {
    let log = "data/sample/messages.csv";
    let (_, a) = wabill(&["estimate", log, "--format", "html"]);
    let (_, b) = wabill(&["estimate", log, "--format", "html"]);
    assert_eq!(a, b);
    let page = String::from_utf8(a).unwrap();
    assert!(page.contains("<meta name=\"viewport\""));
    // Self-contained: nothing fetched from anywhere.
    for needle in ["http://", "https://", "<script", "<link", "src="] {
        let outside_svg = page.replace("http://www.w3.org/2000/svg", "");
        assert!(!outside_svg.contains(needle), "the page refers to {needle}");
    }
}

/// A chart per `--by` key, each drawn once: Meta's cost by market and by
/// day are the spend charts, so `--by market,day,category` adds only the
/// category chart; all-in, the market chart draws the all-in totals.
#[test]
fn the_estimate_page_draws_each_chart_once() {
    let log = "data/sample/messages.csv";
    let figures = |extra: &[&str]| {
        let (code, html) = wabill(&[&["estimate", log, "--format", "html"], extra].concat());
        assert_eq!(code, 0);
        let html = String::from_utf8(html).unwrap();
        html.split("<figure id=\"")
            .skip(1)
            .map(|f| f.split('"').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        figures(&["--by", "market,day,category"]),
        ["spend-by-day", "spend-by-market", "by-category"]
    );
    assert_eq!(
        figures(&["--by", "market", "--tax", "19"]),
        ["spend-by-day", "spend-by-market", "by-market"]
    );
}
