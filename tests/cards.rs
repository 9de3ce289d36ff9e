//! Every cell of every card version, priced end to end: one message per
//! market × category row of each card file, dated on the card's first day,
//! run through `wabill price`, must cost exactly the rate the file gives
//! (and a cell whose value is unknown must be refused, naming it).
//!
//! The expected values are read with a plain CSV reader, not wabill's card
//! loader, from `../shared/data/` (the project's data drop) when it is beside
//! the repository, or `$WABILL_SHARED_DATA`; otherwise from the copies in
//! `data/cards/`. When the drop is present the copies must equal it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn expected_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("WABILL_SHARED_DATA") {
        return dir.into();
    }
    let shared = root().join("../shared/data");
    if shared.join("rates-2026-01-01-usd.csv").is_file() {
        shared
    } else {
        root().join("data/cards")
    }
}

fn rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// A number in `market` on `date`: the market's longest calling-code prefix
/// valid that day, then digits unique to row `i`. `Other` has no prefix.
fn number(markets: &[HashMap<String, String>], market: &str, date: &str, i: usize) -> String {
    let prefix = markets
        .iter()
        .filter(|m| m["market"] == market)
        .filter(|m| m["effective_from"].is_empty() || m["effective_from"].as_str() <= date)
        .filter(|m| m["effective_to"].is_empty() || date <= m["effective_to"].as_str())
        .map(|m| m["prefix"].clone())
        .max_by_key(|p| p.len())
        .unwrap_or_else(|| {
            assert_eq!(market, "Other", "no prefix for {market} on {date}");
            "999".to_string()
        });
    format!("+{prefix}55{i:05}")
}

#[test]
fn built_in_cards_equal_the_data_drop() {
    let dir = expected_dir();
    if dir == root().join("data/cards") {
        eprintln!("../shared/data not found: comparing the cards with themselves only");
    }
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if !(name.starts_with("rates-") || name.starts_with("tiers-")) || !name.ends_with(".csv") {
            continue;
        }
        let copy = root().join("data/cards").join(&name);
        assert_eq!(
            std::fs::read_to_string(&copy).unwrap_or_default(),
            std::fs::read_to_string(&path).unwrap(),
            "data/cards/{name} differs from {}",
            path.display()
        );
        seen += 1;
    }
    assert!(seen >= 11, "only {seen} card files in {}", dir.display());
}

#[test]
fn every_cell_of_every_card_prices_at_its_rate() {
    let dir = expected_dir();
    let markets = rows(&root().join("data/markets.csv"));
    let tmp = std::env::temp_dir().join(format!("wabill-cards-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let mut cards: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("rates-") && n.ends_with(".csv")
        })
        .collect();
    cards.sort();
    assert!(cards.len() >= 10, "{}", dir.display());
    let mut cells = 0;
    for card in &cards {
        let name = card.file_name().unwrap().to_string_lossy().to_string();
        let cells_of_card = rows(card);
        let currency = cells_of_card[0]["currency"].clone();
        let mut log = String::from("timestamp,business,customer,direction,category,message_id\n");
        for (i, cell) in cells_of_card.iter().enumerate() {
            let date = &cell["effective_from"];
            let customer = number(&markets, &cell["market"], date, i);
            log.push_str(&format!(
                "{date}T12:00:00Z,b1,{customer},out,{},c{i}\n",
                cell["category"]
            ));
        }
        let path = tmp.join(&name);
        std::fs::write(&path, log).unwrap();
        let out = crate::util::wabill()
            .args(["price", "--currency", &currency])
            .arg(&path)
            .output()
            .unwrap();
        let priced: HashMap<String, HashMap<String, String>> = {
            let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
            let headers = reader.headers().unwrap().clone();
            reader
                .records()
                .map(|r| {
                    let r = r.unwrap();
                    let row: HashMap<String, String> = headers
                        .iter()
                        .zip(r.iter())
                        .map(|(h, v)| (h.to_string(), v.to_string()))
                        .collect();
                    (row["message_id"].clone(), row)
                })
                .collect()
        };
        for (i, cell) in cells_of_card.iter().enumerate() {
            let got = &priced[&format!("c{i}")];
            let what = format!(
                "{name}: {} {} on {}",
                cell["market"], cell["category"], cell["effective_from"]
            );
            if cell["rate"].is_empty() {
                assert_eq!(got["pricing_type"], "unpriced", "{what}: {got:?}");
                assert!(
                    got["note"].contains(&format!(
                        "no {currency} rate known for {} {}",
                        cell["market"], cell["category"]
                    )),
                    "{what}: {got:?}"
                );
            } else {
                assert_eq!(got["market"], cell["market"], "{what}");
                let want: Decimal = cell["rate"].parse().unwrap();
                let cost: Decimal = got["cost"].parse().unwrap();
                assert_eq!(cost, want, "{what}: {got:?}");
                assert_eq!(got["currency"], currency, "{what}");
            }
            cells += 1;
        }
    }
    std::fs::remove_dir_all(&tmp).ok();
    // 105 cells a full per-message card; the others are partial.
    assert!(cells > 600, "only {cells} cells priced");
}
