//! Issue 27: the cards Meta published in other currencies. EUR after
//! 2026-10-01 knows which cells changed but not their values; INR, BRL, MXN
//! and AED cards are partial: they price what they know and name the
//! market they lack.

use std::process::Output;

fn run(args: &[&str]) -> Output {
    crate::util::wabill()
        .args(args)
        .output()
        .expect("wabill runs")
}

fn log(name: &str, rows: &str) -> String {
    let dir = std::env::temp_dir().join(format!("wabill-currencies-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("timestamp,business,customer,direction,category,message_id\n{rows}"),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// `message_id` → (cost, note) of `wabill price`.
fn priced(args: &[&str]) -> Vec<(String, String, String)> {
    let mut full = vec!["price"];
    full.extend_from_slice(args);
    let out = run(&full);
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = reader.headers().unwrap().clone();
    let col = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let (id, cost, note) = (col("message_id"), col("cost"), col("note"));
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[id].to_string(), r[cost].to_string(), r[note].to_string())
        })
        .collect()
}

#[test]
fn a_partial_inr_card_prices_india_and_names_the_market_it_lacks() {
    let path = log(
        "inr.csv",
        "2026-10-15T10:00:00Z,b1,+919812345678,out,marketing,m1\n\
         2026-10-15T10:00:00Z,b1,+5511987654321,out,marketing,m2\n",
    );
    let rows = priced(&[&path, "--currency", "INR"]);
    let india = rows.iter().find(|r| r.0 == "m1").unwrap();
    assert_eq!(india.1, "0.8631");
    let brazil = rows.iter().find(|r| r.0 == "m2").unwrap();
    assert!(
        brazil
            .2
            .contains("no INR rate known for Brazil marketing on 2026-10-15 (the built-in INR cards are partial: they lack Brazil)"),
        "{brazil:?}"
    );
    let out = run(&["rates", "--currency", "INR", "--date", "2026-10-15"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("partial card"), "{text}");
}

#[test]
fn brl_mxn_and_aed_cards_price_what_they_know() {
    let path = log(
        "brl.csv",
        "2026-10-15T10:00:00Z,b1,+5511987654321,out,marketing,b1\n\
         2026-07-15T10:00:00Z,b1,+5411987654321,out,utility,a1\n",
    );
    let rows = priced(&[&path, "--currency", "BRL"]);
    assert_eq!(rows[0].1, "0.1338", "Argentina utility in BRL, July");
    assert_eq!(rows[1].1, "0.3217", "Brazil marketing in BRL, October");
    let path = log(
        "mxn.csv",
        "2026-07-15T10:00:00Z,b1,+525512345678,out,marketing,x1\n",
    );
    assert_eq!(priced(&[&path, "--currency", "MXN"])[0].1, "0.5614");
    let path = log(
        "aed.csv",
        "2026-10-15T10:00:00Z,b1,+8801712345678,out,authentication_international,d1\n",
    );
    assert_eq!(priced(&[&path, "--currency", "AED"])[0].1, "0.3526");
}

#[test]
fn eur_cells_meta_changed_on_2026_10_01_are_unknown_from_that_day() {
    let path = log(
        "eur.csv",
        "2026-09-30T10:00:00Z,b1,+525512345678,out,marketing,e1\n\
         2026-10-01T10:00:00Z,b1,+525512345678,out,marketing,e2\n\
         2026-10-01T10:00:00Z,b1,+525512345678,out,utility,e3\n",
    );
    let rows = priced(&[&path, "--currency", "EUR"]);
    let july = rows.iter().find(|r| r.0 == "e1").unwrap();
    assert!(!july.1.is_empty() && july.2.is_empty(), "{july:?}");
    let october = rows.iter().find(|r| r.0 == "e2").unwrap();
    assert!(
        october.2.contains(
            "no EUR rate known for Mexico marketing on 2026-10-01 (changed on 2026-10-01"
        ),
        "{october:?}"
    );
    // Utility did not change: still July's value.
    let utility = rows.iter().find(|r| r.0 == "e3").unwrap();
    assert_eq!(utility.1, "0.0071", "{utility:?}");
}

#[test]
fn morocco_has_an_authentication_international_rate_from_2026_10_01() {
    let path = log(
        "ma.csv",
        "2026-10-15T10:00:00Z,b1,+212612345678,out,authentication_international,k1\n",
    );
    assert_eq!(priced(&[&path])[0].1, "0.0811");
}
