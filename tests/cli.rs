//! Command-line snapshots: every `tests/cmd/<command>/*.toml` case (grouped by the command it runs) runs `wabill` in its
//! `.in/` directory and compares stdout, stderr and the exit code. Expected
//! files were generated with `TRYCMD=overwrite cargo test --test cli` and then
//! checked by hand against docs/pricing-rules.md.

use std::fs;
use std::path::Path;

#[test]
fn cli_cases() {
    trycmd::TestCases::new().case("tests/cmd/**/*.toml");
}

fn stdout_of(case: &str) -> String {
    let path = Path::new("tests/cmd").join(format!("{case}.stdout"));
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Row order and file layout must not change the report: these cases price
/// the same messages (sorted, shuffled, split over two files with
/// interleaved times, and read from standard input) and must print the same
/// bytes. Checked here so that regenerating one snapshot cannot let them
/// drift apart.
#[test]
fn order_and_files_do_not_change_the_report() {
    let reference = stdout_of("estimate/010-order-sorted");
    for case in [
        "estimate/011-order-shuffled",
        "estimate/012-order-split-files",
    ] {
        assert_eq!(
            stdout_of(case),
            reference,
            "{case} differs from 010-order-sorted"
        );
    }
}

/// The four report formats of the Meta example agree on the total.
#[test]
fn every_format_of_the_meta_example_totals_0_0693() {
    assert!(stdout_of("estimate/001-meta-example-table").contains(
        "│ Total  ┆           ┆        4 ┆       2 ┆    2 ┆             0 ┆     0.0693 │"
    ));
    assert!(
        stdout_of("estimate/002-meta-example-csv").ends_with("total,total,4,2,2,0,0.0693,USD\n")
    );
    assert!(stdout_of("estimate/003-meta-example-json").contains("\"cost\": \"0.0693\""));
    assert!(
        stdout_of("estimate/004-meta-example-markdown")
            .contains("| **Total** |  | **4** | **2** | **2** | **0** | **0.0693** |")
    );
}

/// `--format svg` and `--format html` write well-formed documents: the SVG
/// parses as XML with an `svg` root and one bar per month and category, and
/// the HTML page (written as XHTML-compatible markup) parses too, embeds
/// the chart and needs no network.
#[test]
fn chart_files_are_valid_documents() {
    let run = |format: &str| {
        let out = crate::util::wabill()
            .current_dir("tests/cmd/forecast/050-forecast-plan.in")
            .args([
                "--no-config",
                "forecast",
                "--plan",
                "plan.csv",
                "--tiers",
                "tiers.csv",
            ])
            .args(["--format", format])
            .output()
            .expect("wabill runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let svg = run("svg");
    let doc = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    let text: String = doc
        .descendants()
        .filter(|n| n.is_text())
        .filter_map(|n| n.text())
        .collect();
    for label in [
        "2026-09",
        "2026-10",
        "marketing",
        "utility",
        "authentication",
    ] {
        assert!(text.contains(label), "the chart names {label}");
    }

    // The page is HTML5 (checked in a browser by tests/html.rs), not XML.
    let html = run("html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.trim_end().ends_with("</html>"));
    assert!(html.contains("<svg") && html.contains("<table id=\"report\">"));
    assert!(
        !html.contains("src=") && !html.contains("href="),
        "no external resources"
    );
    assert!(
        html.contains("<th class=\"n\">3,332.6000</th>"),
        "the total is in the page"
    );
}

/// The forecast's lines add up to its total, to the last digit.
#[test]
fn forecast_lines_sum_to_the_total() {
    let csv = stdout_of("forecast/051-forecast-plan-csv");
    let mut sum = rust_decimal::Decimal::ZERO;
    let mut total = None;
    for line in csv.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let cost: rust_decimal::Decimal = fields[6].parse().unwrap();
        if fields[0] == "total" {
            total = Some(cost);
        } else {
            sum += cost;
        }
    }
    assert_eq!(Some(sum), total);
    assert_eq!(total, Some("3332.6000".parse().unwrap()));
}

/// One colour rule for reports and messages: `--color` first, then
/// NO_COLOR, CLICOLOR_FORCE and CLICOLOR, else colour on a terminal only
/// (a pipe here); a report written to a file is never coloured.
#[test]
fn colour_follows_the_flag_and_the_usual_variables() {
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = crate::util::wabill();
        cmd.args(["--no-config"]).args(args);
        for var in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE"] {
            cmd.env_remove(var);
        }
        cmd.envs(env.iter().copied());
        let out = cmd.output().unwrap();
        let escapes = |b: &[u8]| b.contains(&0x1b);
        (escapes(&out.stdout), escapes(&out.stderr))
    };
    let report = ["estimate", "data/sample/messages.csv"];
    assert_eq!(run(&report, &[]), (false, false), "a pipe is not coloured");
    assert!(run(&report, &[("CLICOLOR_FORCE", "1")]).0);
    assert!(!run(&report, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).0);
    assert!(run(&["--color", "always", report[0], report[1]], &[]).0);
    assert!(
        !run(
            &["--color=never", report[0], report[1]],
            &[("CLICOLOR_FORCE", "1")]
        )
        .0
    );
    let bad = [
        "--color", "always", "estimate", "--format", "bogus", "x.csv",
    ];
    assert_eq!(
        run(&bad, &[]),
        (false, true),
        "clap's error follows --color"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report");
    let to_file = [report[0], report[1], "-o", file.to_str().unwrap()];
    run(&to_file, &[("CLICOLOR_FORCE", "1")]);
    assert!(
        !std::fs::read(&file).unwrap().contains(&0x1b),
        "files are plain"
    );
}

/// The config file is found where users look: `--config`, then
/// `$WABILL_CONFIG`, then `./wabill.toml`, then the user's
/// `$XDG_CONFIG_HOME/wabill/config.toml`; `--no-config` skips the search.
#[test]
fn the_config_file_is_found_where_users_look() {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &Path, tz: &str| {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, format!("tz = \"{tz}\"\n")).unwrap();
    };
    let xdg = dir.path().join("xdg");
    write(&xdg.join("wabill/config.toml"), "Asia/Kolkata");
    let named = dir.path().join("named.toml");
    write(&named, "America/Sao_Paulo");
    let project = dir.path().join("project");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample/messages.csv");
    let zone = |cwd: &Path, env: &[(&str, &Path)], extra: &[&str]| {
        let mut cmd = crate::util::wabill();
        cmd.current_dir(cwd).env_remove("WABILL_CONFIG");
        cmd.env("HOME", dir.path()).env_remove("XDG_CONFIG_HOME");
        cmd.envs(env.iter().map(|(k, v)| (*k, v.as_os_str())));
        let out = cmd
            .args(extra)
            .arg("estimate")
            .arg(&sample)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let first = text.lines().next().unwrap_or_default();
        first
            .split("time zone ")
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    fs::create_dir_all(&project).unwrap();
    assert_eq!(zone(&project, &[], &[]), "UTC", "nothing to find");
    let with_xdg = [("XDG_CONFIG_HOME", xdg.as_path())];
    assert_eq!(zone(&project, &with_xdg, &[]), "Asia/Kolkata");
    write(&project.join("wabill.toml"), "Europe/Berlin");
    assert_eq!(
        zone(&project, &with_xdg, &[]),
        "Europe/Berlin",
        "./wabill.toml first"
    );
    let with_env = [
        ("XDG_CONFIG_HOME", xdg.as_path()),
        ("WABILL_CONFIG", named.as_path()),
    ];
    assert_eq!(zone(&project, &with_env, &[]), "America/Sao_Paulo");
    let user_file = xdg.join("wabill/config.toml");
    let explicit = ["--config", user_file.to_str().unwrap()];
    assert_eq!(zone(&project, &with_env, &explicit), "Asia/Kolkata");
    assert_eq!(zone(&project, &with_env, &["--no-config"]), "UTC");
}
