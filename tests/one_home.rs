//! Facts with one home stay there: no source file of `crates/` outside the
//! home writes its own plural or its own `Instant` → text conversion.
//! Plurals come from `wabill::display` (`plural`, `nouns`, `counted`,
//! `plural_of`); an instant's text from `Instant`'s `Display`, `readable`,
//! `utc_date` or `timestamp` (`model/time.rs`).

use std::fs;
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("read source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `file:line: text` of every line of `crates/` matching `bad`, outside
/// the files ending in one of `homes`.
fn offenders(bad: &dyn Fn(&str) -> bool, homes: &[&str]) -> Vec<String> {
    let root = crate::util::root();
    let mut files = Vec::new();
    sources(&root.join("crates"), &mut files);
    files.sort();
    let mut found = Vec::new();
    for file in files {
        let rel = file.strip_prefix(root).unwrap().display().to_string();
        if homes.iter().any(|h| rel.ends_with(h)) {
            continue;
        }
        let text = fs::read_to_string(&file).expect("read source");
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            if bad(&lines[n..(n + 5).min(lines.len())].join("\n")) {
                found.push(format!("{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    found
}

/// A singular/plural choice written by hand, `if n == 1 { "" } else { "s" }`
/// and its kin, on one line or over the few lines rustfmt makes of it:
/// `lines` is the line checked and the next four.
fn hand_made_plural(lines: &str) -> bool {
    let first = lines
        .lines()
        .next()
        .unwrap_or("")
        .replace(char::is_whitespace, "");
    let all: String = lines.replace(char::is_whitespace, "");
    if first.contains("{\"\"}else{\"s\"}") || first.contains("{\"s\"}else{\"\"}") {
        return true;
    }
    // `== 1 { "message" } else { "messages" }`
    first.match_indices("==1{").any(|(i, _)| {
        let rest = &all[i + "==1{".len()..];
        rest.starts_with('"')
            && rest
                .char_indices()
                .take(100)
                .any(|(j, _)| rest[j..].starts_with("}else{\""))
    })
}

#[test]
fn plurals_come_from_display() {
    let found = offenders(&hand_made_plural, &["crates/wabill/src/display.rs"]);
    assert!(
        found.is_empty(),
        "hand-made plurals (use wabill::display::plural, nouns, counted or plural_of):\n{}",
        found.join("\n")
    );
}

#[test]
fn instants_become_text_in_one_place() {
    let found = offenders(
        &|lines: &str| {
            lines
                .lines()
                .next()
                .is_some_and(|l| l.contains("Timestamp::from_microsecond("))
        },
        &[
            "crates/wabill/src/model/time.rs",
            // Parsing: the range check of a new timestamp, not a conversion.
            "crates/wabill/src/validate/timestamp.rs",
        ],
    );
    assert!(
        found.is_empty(),
        "Instant to text outside model/time.rs (use its Display, readable, utc_date or \
         timestamp):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checks_see_a_hand_made_plural() {
    assert!(hand_made_plural(r#"        if n == 1 { "" } else { "s" }"#));
    assert!(hand_made_plural(
        r#"    let s = if n.cells == 1 { "" } else { "s" };"#
    ));
    assert!(hand_made_plural(
        r#"if rows == 1 { "row" } else { "rows" },"#
    ));
    assert!(hand_made_plural(
        "if c.opened == 1 {\n    \"conversation\"\n} else {\n    \"conversations\"\n},"
    ));
    assert!(!hand_made_plural(
        "if path.len() == 1 {\n    path[0]\n} else {"
    ));
}
