//! Meta's 2026 lines, one minimal hand-worked log each (issue 20, "Done
//! when"): groups, Direct Send, usernames, calls, the Marketing Messages
//! API's reported cost and max price, AI Providers, the Business Agent.
//! Expected figures are worked by hand from the built-in USD cards:
//! Brazil marketing 0.0625 / utility and authentication 0.0068, India
//! 0.0118 / 0.0014, Germany 0.1365 / 0.0550, Italy marketing 0.0691, North
//! America marketing 0.0250.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::util::{ok, run};

fn file(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("wabill-lines2026-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path: PathBuf = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// `wabill price` rows keyed by `message_id customer`.
fn priced(args: &[&str]) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut full = vec!["price"];
    full.extend_from_slice(args);
    let text = ok(&full);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let mut rows = BTreeMap::new();
    for record in reader.records() {
        let record = record.unwrap();
        let row: BTreeMap<String, String> = headers
            .iter()
            .zip(record.iter())
            .map(|(h, v)| (h.to_string(), v.to_string()))
            .collect();
        let key = format!("{} {}", row["message_id"], row["customer"]);
        assert!(rows.insert(key, row).is_none(), "one row per message");
    }
    rows
}

/// (pricing_type, cost) of one row.
fn cell(rows: &BTreeMap<String, BTreeMap<String, String>>, key: &str) -> (String, String) {
    let row = rows.get(key).unwrap_or_else(|| panic!("{key} in {rows:?}"));
    (row["pricing_type"].clone(), row["cost"].clone())
}

fn t(pricing_type: &str, cost: &str) -> (String, String) {
    (pricing_type.to_string(), cost.to_string())
}

/// The JSON report's total cost.
fn total(args: &[&str]) -> String {
    let mut full = vec!["estimate", "--format", "json"];
    full.extend_from_slice(args);
    let v: serde_json::Value = serde_json::from_str(&ok(&full)).unwrap();
    assert!(v["accounting"].is_object());
    v["totals"]["cost"].as_str().unwrap().to_string()
}

/// Both engines print the same bytes (the log is in time order, so the
/// streaming engine really streams).
fn engines_agree(args: &[&str]) {
    let mut memory = vec!["estimate", "--format", "json", "--engine", "memory"];
    memory.extend_from_slice(args);
    let mut stream = vec!["estimate", "--format", "json", "--engine", "stream"];
    stream.extend_from_slice(args);
    assert_eq!(ok(&memory), ok(&stream), "{args:?}");
}

const GROUPS: &str = "\
timestamp,business,customer,direction,category,message_id,status,group
2026-06-01T09:00:00Z,15550001,+5511987650001,out,group_marketing,gm1,sent,G1
2026-06-01T09:00:00Z,15550001,+919810000001,out,group_marketing,gm1,read,G1
2026-06-01T09:00:00Z,15550001,+4915112345678,out,group_marketing,gm1,failed,G1
2026-06-01T09:00:03Z,15550001,+5511987650001,out,group_marketing,gm1,delivered,G1
2026-06-01T09:30:00Z,15550001,+5511987650001,out,group_utility,gu1,delivered,G1
2026-06-01T09:30:00Z,15550001,+919810000001,out,group_utility,gu1,delivered,G1
2026-06-01T09:30:00Z,15550001,+4915112345678,out,group_utility,gu1,delivered,G1
2026-06-01T10:00:00Z,15550001,+919810000001,in,,in1,,G1
2026-06-01T11:00:00Z,15550001,+5511987650001,out,utility,gu2,delivered,G1
2026-06-01T11:00:00Z,15550001,+919810000001,out,utility,gu2,delivered,G1
2026-06-01T11:00:00Z,15550001,+4915112345678,out,utility,gu2,delivered,G1
2026-06-01T11:10:00Z,15550001,+5511987650001,out,group_marketing,gm2,delivered,G1
2026-06-01T11:10:00Z,15550001,+919810000001,out,group_marketing,gm2,delivered,G1
2026-06-01T11:10:00Z,15550001,+4915112345678,out,group_marketing,gm2,delivered,G1
2026-06-01T11:30:00Z,15550001,+5511987650001,out,utility,u1,delivered,
";

#[test]
fn groups_charge_each_delivered_participant_in_their_market() {
    let log = file("groups.csv", GROUPS);
    let rows = priced(&[&log]);
    let (br, ind, de) = ("+5511987650001", "+919810000001", "+4915112345678");
    // One marketing message, three markets: the failed participant is free,
    // `sent` then `delivered` is one delivery, `read` counts as delivered.
    assert_eq!(cell(&rows, &format!("gm1 {br}")), t("regular", "0.0625"));
    assert_eq!(cell(&rows, &format!("gm1 {ind}")), t("regular", "0.0118"));
    assert_eq!(
        cell(&rows, &format!("gm1 {de}")),
        t("not_delivered", "0.0000")
    );
    // Utility outside the group's window: charged, at 1:1 rates.
    assert_eq!(cell(&rows, &format!("gu1 {de}")), t("regular", "0.0550"));
    // India's message opens the window for the whole group: utility free
    // for every participant, marketing still charged.
    for p in [br, ind, de] {
        assert_eq!(
            cell(&rows, &format!("gu2 {p}")),
            t("free_group_customer_service", "0.0000")
        );
    }
    assert_eq!(cell(&rows, &format!("gm2 {de}")), t("regular", "0.1365"));
    // The group's window is not the participant's own 1:1 window.
    assert_eq!(cell(&rows, &format!("u1 {br}")), t("regular", "0.0068"));
    assert_eq!(rows[&format!("gm1 {br}")]["note"], "group G1");

    // 0.0625 + 0.0118 + (0.0068 + 0.0014 + 0.0550) + (0.0625 + 0.0118 + 0.1365) + 0.0068
    assert_eq!(total(&[&log]), "0.3551");
    let by_group = ok(&["estimate", &log, "--by", "group", "--format", "csv"]);
    assert_eq!(
        by_group,
        "group,messages,charged,free,not_delivered,cost,currency\n\
         -,1,1,0,0,0.0068,USD\n\
         G1,12,8,3,1,0.3483,USD\n\
         total,13,9,3,1,0.3551,USD\n"
    );
    engines_agree(&[&log, "--by", "group,market"]);
}

#[test]
fn group_utility_neither_gets_nor_counts_toward_tiers() {
    // A tier table starting at Brazil's list rate (a table applies only
    // then) with a second band from message 2: 1:1 utility templates get it
    // and count; the group utility template neither gets nor counts.
    let tiers = file(
        "tiers.csv",
        "market,category,from,to,rate,currency,effective_from\n\
         Brazil,utility,1,1,0.0068,USD,2026-01-01\n\
         Brazil,utility,2,,0.0001,USD,2026-01-01\n",
    );
    let log = file(
        "group-tiers.csv",
        "timestamp,business,customer,direction,category,message_id,group\n\
         2026-06-01T09:00:00Z,15550001,+5511987650001,out,group_utility,g1,G1\n\
         2026-06-01T09:10:00Z,15550001,+5511987650002,out,utility,u1,\n\
         2026-06-01T09:20:00Z,15550001,+5511987650003,out,utility,u2,\n",
    );
    let rows = priced(&[&log, "--tiers", &tiers]);
    assert_eq!(cell(&rows, "g1 +5511987650001"), t("regular", "0.0068"));
    let u1 = &rows["u1 +5511987650002"];
    assert_eq!(u1["cost"], "0.0068");
    assert!(
        u1["rate_source"].ends_with("(USD 2026-01-01) band 1"),
        "{u1:?}"
    );
    let u2 = &rows["u2 +5511987650003"];
    assert_eq!(u2["cost"], "0.0001");
    assert!(
        u2["rate_source"].ends_with("(USD 2026-01-01) band 2"),
        "{u2:?}"
    );
}

#[test]
fn direct_send_is_priced_as_its_category() {
    let log = file(
        "direct.csv",
        "timestamp,business,customer,direction,category,type,message_id,status\n\
         2026-09-10T10:00:00Z,15550001,+5511987650001,in,,text,i1,\n\
         2026-09-10T11:00:00Z,15550001,+5511987650001,out,utility,text,d1,delivered\n\
         2026-09-12T11:00:00Z,15550001,+5511987650001,out,utility,text,d2,delivered\n\
         2026-09-12T11:05:00Z,15550001,+5511987650001,out,authentication,text,d3,delivered\n\
         2026-10-05T10:00:00Z,15550001,+5511987650001,in,,text,i2,\n\
         2026-10-05T11:00:00Z,15550001,+5511987650001,out,utility,text,d4,delivered\n\
         2026-10-07T11:00:00Z,15550001,+5511987650001,out,utility,interactive,d5,delivered\n",
    );
    let rows = priced(&[&log]);
    let c = "+5511987650001";
    // Before 2026-10-01 utility inside the window is free, as for templates.
    assert_eq!(
        cell(&rows, &format!("d1 {c}")),
        t("free_customer_service", "0.0000")
    );
    assert_eq!(cell(&rows, &format!("d2 {c}")), t("regular", "0.0068"));
    assert_eq!(cell(&rows, &format!("d3 {c}")), t("regular", "0.0068"));
    assert_eq!(
        rows[&format!("d3 {c}")]["pricing_category"],
        "authentication"
    );
    // From 2026-10-01 inside and outside the window: charged.
    assert_eq!(cell(&rows, &format!("d4 {c}")), t("regular", "0.0068"));
    assert_eq!(cell(&rows, &format!("d5 {c}")), t("regular", "0.0068"));
    engines_agree(&[&log]);
}

#[test]
fn a_username_customer_is_priced_in_its_prefix_country() {
    let log = file(
        "users.csv",
        "timestamp,business,customer,direction,category,message_id,country\n\
         2026-08-03T10:00:00Z,15550001,US.13491208655302741918,out,marketing,u1,\n\
         2026-08-03T10:00:00Z,15550001,BR.ENT.7781,out,utility,u2,\n\
         2026-08-03T10:05:00Z,15550001,13491208655302741919,out,marketing,u3,IN\n",
    );
    let rows = priced(&[&log]);
    let u1 = &rows["u1 US.13491208655302741918"];
    assert_eq!(
        (u1["market"].as_str(), u1["cost"].as_str()),
        ("North America", "0.0250")
    );
    assert_eq!(rows["u2 BR.ENT.7781"]["market"], "Brazil");
    // No prefix, but a country: priced there.
    assert_eq!(rows["u3 13491208655302741919"]["cost"], "0.0118");
    engines_agree(&[&log]);

    let bad = file(
        "users-bad.csv",
        "timestamp,business,customer,direction,category,message_id\n\
         2026-08-03T10:00:00Z,15550001,13491208655302741918,out,marketing,u1\n",
    );
    let out = run(&["validate", &bad]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "{bad}:2:3: customer \"13491208655302741918\": a user id with neither a country \
             prefix (such as US.) nor a country: its market is unknown\n"
        )
    );
}

#[test]
fn calls_open_and_refresh_the_window() {
    let log = file(
        "calls.csv",
        "timestamp,business,customer,direction,category,kind,message_id,status\n\
         2026-08-03T09:00:00Z,15550001,+5511987650001,in,,call,c1,missed\n\
         2026-08-03T10:00:00Z,15550001,+5511987650001,out,utility,,m1,delivered\n\
         2026-08-05T09:00:00Z,15550001,+5511987650001,out,,call,c2,accepted\n\
         2026-08-05T10:00:00Z,15550001,+5511987650001,out,utility,,m2,delivered\n\
         2026-08-07T09:00:00Z,15550001,+5511987650001,out,,call,c3,rejected\n\
         2026-08-07T10:00:00Z,15550001,+5511987650001,out,utility,,m3,delivered\n",
    );
    let rows = priced(&[&log]);
    let c = "+5511987650001";
    // A customer's call opens the window even unanswered; the business's
    // call opens it once accepted; a rejected one does not.
    assert_eq!(
        cell(&rows, &format!("m1 {c}")),
        t("free_customer_service", "0.0000")
    );
    assert_eq!(
        cell(&rows, &format!("m2 {c}")),
        t("free_customer_service", "0.0000")
    );
    assert_eq!(cell(&rows, &format!("m3 {c}")), t("regular", "0.0068"));
    assert_eq!(cell(&rows, &format!("c2 {c}")), t("call", ""));
    let table = ok(&["estimate", &log]);
    assert!(
        table.contains("6 rows read = 0 inbound + 3 outbound + 3 calls + 0 merged + 0 rejected"),
        "{table}"
    );
    engines_agree(&[&log]);
}

const LITE: &str = "\
timestamp,business,customer,direction,category,template,message_id,status,cost_amount,cost_currency
2026-10-02T10:00:00Z,15550001,+5511987650001,out,marketing_lite,promo,l1,sent,,
2026-10-02T10:00:00Z,15550001,+5511987650002,out,marketing_lite,promo,l2,delivered,,
2026-10-02T10:00:00Z,15550001,+5511987650003,out,marketing_lite,plain,l3,delivered,,
2026-10-02T10:00:02Z,15550001,+5511987650001,out,marketing_lite,promo,l1,delivered,0.035,USD
";

#[test]
fn marketing_lite_uses_meta_s_cost_and_max_prices_bound_the_rest() {
    let log = file("lite.csv", LITE);
    let rows = priced(&[&log]);
    let l1 = &rows["l1 +5511987650001"];
    assert_eq!(
        (l1["cost"].as_str(), l1["rate_source"].as_str()),
        ("0.0350", "Meta's reported cost")
    );
    assert_eq!(rows["l2 +5511987650002"]["cost"], "0.0625");
    // 0.035 + 0.0625 + 0.0625
    assert_eq!(total(&[&log]), "0.1600");

    let max = file(
        "max.csv",
        "template,max_price_per_1000,currency\npromo,50,USD\n",
    );
    let rows = priced(&[&log, "--max-price", &max]);
    assert_eq!(rows["l2 +5511987650002"]["note"], "upper bound 0.05");
    let json = ok(&["estimate", &log, "--max-price", &max, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    // Meta's cost 0.035 + promo's max 0.05 + plain's rate 0.0625
    assert_eq!(v["meta"]["upper_bound"], "0.1475");
    assert_eq!(v["totals"]["cost"], "0.1600");
    engines_agree(&[&log, "--max-price", &max]);

    let eur = file(
        "max-eur.csv",
        "template,max_price_per_1000,currency\npromo,50,EUR\n",
    );
    let out = run(&["estimate", &log, "--max-price", &eur]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("max prices in EUR"));
}

const AI: &str = "\
timestamp,business,customer,direction,category,message_id
2026-03-20T10:00:00Z,15550009,+393331234567,in,,q1
2026-03-20T10:00:05Z,15550009,+393331234567,out,service,a1
2026-03-20T10:00:09Z,15550009,+393331234567,out,service,a2
2026-06-10T10:00:00Z,15550009,+393331234567,in,,q2
2026-06-10T10:00:00Z,15550009,+5511987650001,in,,q3
2026-06-10T10:00:05Z,15550009,+393331234567,out,service,a3
2026-06-10T10:00:05Z,15550009,+5511987650001,out,service,a4
2026-06-10T10:00:06Z,15550009,+5511987650001,out,utility,a5
";

#[test]
fn an_ai_provider_pays_for_non_template_messages_where_and_when_meta_charges() {
    let log = file("ai.csv", AI);
    let businesses = file(
        "ai-businesses.csv",
        "business,timezone,ai_provider\n15550009,Europe/Rome,yes\n",
    );
    let rows = priced(&[&log, "--businesses", &businesses]);
    let (it, br) = ("+393331234567", "+5511987650001");
    // Italy in March: each of the two replies, at Italy's marketing rate.
    assert_eq!(cell(&rows, &format!("a1 {it}")), t("regular", "0.0691"));
    assert_eq!(cell(&rows, &format!("a2 {it}")), t("regular", "0.0691"));
    let a1 = &rows[&format!("a1 {it}")];
    assert_eq!(a1["pricing_category"], "general_purpose_ai");
    assert_eq!(
        a1["note"],
        "general_purpose_ai at the market's marketing rate (inferred)"
    );
    // Italy in June: no longer charged (from 2026-05-13).
    assert_eq!(
        cell(&rows, &format!("a3 {it}")),
        t("free_customer_service", "0.0000")
    );
    // Brazil in June: still charged; templates are priced as usual.
    assert_eq!(cell(&rows, &format!("a4 {br}")), t("regular", "0.0625"));
    assert_eq!(
        cell(&rows, &format!("a5 {br}")),
        t("free_customer_service", "0.0000")
    );
    assert_eq!(total(&[&log, "--businesses", &businesses]), "0.2007");
    // Without the flag the same log is free.
    assert_eq!(total(&[&log]), "0.0000");
    engines_agree(&[&log, "--businesses", &businesses]);

    // Every inferred number is the user's to replace: a card's own
    // general_purpose_ai rate, and the markets and dates.
    let card = file(
        "ai-card.csv",
        "market,category,rate,currency,effective_from\nBR,general_purpose_ai,0.0600,USD,2026-03-11\n",
    );
    let rows = priced(&[&log, "--businesses", &businesses, "--rates", &card]);
    let a4 = &rows[&format!("a4 {br}")];
    assert_eq!((a4["cost"].as_str(), a4["note"].as_str()), ("0.0600", ""));
    let markets = file("ai-markets.csv", "country,from,until\nIT,2026-06-01,\n");
    let rows = priced(&[&log, "--businesses", &businesses, "--ai-markets", &markets]);
    assert_eq!(
        cell(&rows, &format!("a1 {it}")),
        t("free_customer_service", "0.0000")
    );
    assert_eq!(cell(&rows, &format!("a3 {it}")).0, "regular");
    assert_eq!(cell(&rows, &format!("a4 {br}")).0, "free_customer_service");
}

const AGENT: &str = "\
timestamp,business,customer,direction,category,message_id,tokens
2026-07-15T10:01:00Z,15550001,+5511987650001,out,business_agent,b0,
2026-08-03T10:00:00Z,15550001,+5511987650001,in,,q1,
2026-08-03T10:00:05Z,15550001,+5511987650001,out,business_agent,b1,21000
2026-08-03T10:01:00Z,15550001,+5511987650001,out,business_agent,b2,
";

#[test]
fn business_agent_rows_cost_tokens_at_the_per_token_rate() {
    let log = file("agent.csv", AGENT);
    // Without tokens and without an estimate, b2 cannot be priced.
    let out = run(&["estimate", &log]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(
            "business_agent message without tokens; give a tokens column or \
             --agent-tokens-per-message N"
        ),
        "{out:?}"
    );
    let estimate = ["--agent-tokens-per-message", "25000"];
    let mut args = vec![log.as_str()];
    args.extend_from_slice(&estimate);
    let rows = priced(&args);
    let c = "+5511987650001";
    // Before 2026-08-01 Meta does not bill them.
    assert_eq!(
        cell(&rows, &format!("b0 {c}")),
        t("free_before_billing", "0.0000")
    );
    // Inside the window, still charged: 21,000 × USD 2 / 1M.
    assert_eq!(cell(&rows, &format!("b1 {c}")), t("regular", "0.0420"));
    assert_eq!(rows[&format!("b1 {c}")]["note"], "21000 tokens");
    // The estimate: 25,000 × USD 2 / 1M, marked in the row and the report.
    assert_eq!(cell(&rows, &format!("b2 {c}")), t("regular", "0.0500"));
    assert_eq!(
        rows[&format!("b2 {c}")]["note"],
        "estimate: 25000 tokens (--agent-tokens-per-message)"
    );
    let mut report = vec!["estimate", "--format", "json"];
    report.extend_from_slice(&args);
    let v: serde_json::Value = serde_json::from_str(&ok(&report)).unwrap();
    assert_eq!(v["totals"]["cost"], "0.0920");
    assert_eq!(
        v["meta"]["notes"][0],
        "estimate: 1 business_agent message at 25000 tokens each (--agent-tokens-per-message)"
    );
    let table = ok(&["estimate", &log, "--agent-tokens-per-message", "25000"]);
    assert!(
        table.contains("note: estimate: 1 business_agent message"),
        "{table}"
    );
    engines_agree(&args);

    // A card's rate replaces Meta's global one.
    let card = file(
        "agent-card.csv",
        "market,category,rate,currency,effective_from\nGlobal,business_agent,0.000003,USD,2026-08-01\n",
    );
    let mut with_card = args.clone();
    with_card.extend_from_slice(&["--rates", &card]);
    assert_eq!(priced(&with_card)[&format!("b1 {c}")]["cost"], "0.0630");
}

/// Issue 27: max prices did not exist before the limited beta of
/// 2026-05-15: a `--max-price` table bounds nothing earlier.
#[test]
fn max_prices_bound_nothing_before_2026_05_15() {
    let early = LITE.replace("2026-10-02", "2026-05-14");
    let log = file("lite-early.csv", &early);
    let max = file(
        "max-early.csv",
        "template,max_price_per_1000,currency\npromo,50,USD\n",
    );
    let json = ok(&["estimate", &log, "--max-price", &max, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    // Meta's cost 0.035 + list 0.0625 + list 0.0625: no bound below list.
    assert_eq!(v["meta"]["upper_bound"], "0.1600");
    let on_the_day = LITE.replace("2026-10-02", "2026-05-15");
    let log = file("lite-day.csv", &on_the_day);
    let json = ok(&["estimate", &log, "--max-price", &max, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["meta"]["upper_bound"], "0.1475");
}

/// Issue 27: a `marketing_lite` template that opens a conversation in the
/// 2023 model pays the marketing conversation rate (it was unpriced).
#[test]
fn marketing_lite_opening_a_2023_conversation_pays_marketing() {
    let log = file(
        "lite-2024.csv",
        "timestamp,business,customer,direction,category,message_id,status\n\
         2024-12-02T10:00:00Z,15550001,+5511987650001,out,marketing_lite,c1,delivered\n",
    );
    let rows = priced(&[&log]);
    let row = &rows["c1 +5511987650001"];
    assert_eq!(row["cost"], "0.0625", "{row:?}");
}

/// Issue 27: from 2026-10-01 the 1,000 free service messages of a business
/// number are shared by one-to-one and group service messages: here the
/// 1,001st is a group one, and pays Brazil's utility rate.
#[test]
fn one_to_one_and_group_service_messages_share_the_1000_free() {
    let mut log =
        String::from("timestamp,business,customer,direction,category,message_id,status,group\n");
    log.push_str("2026-10-15T09:00:00Z,15550001,+5511987650001,in,,i1,delivered,\n");
    for i in 0..1000 {
        log.push_str(&format!(
            "2026-10-15T09:{:02}:{:02}Z,15550001,+5511987650001,out,service,s{i},delivered,\n",
            1 + i / 60,
            i % 60
        ));
    }
    log.push_str("2026-10-15T10:00:00Z,15550001,+5511987650002,in,,gi1,delivered,G1\n");
    log.push_str(
        "2026-10-15T10:00:05Z,15550001,+5511987650002,out,group_service,gs1,delivered,G1\n",
    );
    let path = file("shared-allowance.csv", &log);
    let rows = priced(&[&path]);
    assert_eq!(rows["s999 +5511987650001"]["cost"], "0.0000");
    let group = &rows["gs1 +5511987650002"];
    assert_eq!(
        (group["pricing_type"].as_str(), group["cost"].as_str()),
        ("regular", "0.0068"),
        "{group:?}"
    );
}

/// Issue 27: a free entry point window opened from 2026-10-01 lasts 7 days
/// (INFERRED date; Meta's page says up to 7 days since 2026-09-28), one
/// opened before lasts 72 h, `--entry-point-hours` sets one length for all,
/// and the report says which applied.
#[test]
fn entry_point_windows_last_7_days_from_2026_10_01() {
    let log = file(
        "fep7.csv",
        "timestamp,business,customer,direction,category,message_id,status,entry_point\n\
         2026-09-20T10:00:00Z,15550001,+5511987650001,in,,a0,delivered,ad\n\
         2026-09-20T11:00:00Z,15550001,+5511987650001,out,utility,a1,delivered,\n\
         2026-09-25T11:00:00Z,15550001,+5511987650001,out,marketing,a2,delivered,\n\
         2026-10-02T10:00:00Z,15550001,+5511987650002,in,,b0,delivered,ad\n\
         2026-10-02T11:00:00Z,15550001,+5511987650002,out,utility,b1,delivered,\n\
         2026-10-07T11:00:00Z,15550001,+5511987650002,out,marketing,b2,delivered,\n\
         2026-10-09T12:00:00Z,15550001,+5511987650002,out,marketing,b3,delivered,\n",
    );
    let rows = priced(&[&log]);
    let ty = |k: &str| rows[k]["pricing_type"].clone();
    // September: 72 h, so 5 days later is charged.
    assert_eq!(ty("a2 +5511987650001"), "regular");
    // October: 7 days, so 5 days later is free, 7 days and 1 h later is not.
    assert_eq!(ty("b2 +5511987650002"), "free_entry_point");
    assert_eq!(ty("b3 +5511987650002"), "regular");
    let json = ok(&["estimate", &log, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let notes = v["meta"]["notes"].to_string();
    assert!(
        notes.contains("opened from 2026-10-01 last 7 days"),
        "{notes}"
    );

    let rows = priced(&[&log, "--entry-point-hours", "72"]);
    assert_eq!(rows["b2 +5511987650002"]["pricing_type"], "regular");
    let json = ok(&[
        "estimate",
        &log,
        "--entry-point-hours",
        "72",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let notes = v["meta"]["notes"].to_string();
    assert!(notes.contains("--entry-point-hours gives"), "{notes}");
}

/// Issue 27: a tier table the user gives applies as given, with a note,
/// even where its first band is not today's list rate (a negotiated table);
/// the built-in tables keep the guard (Pakistan utility from 2026-10-01).
#[test]
fn a_user_tier_table_applies_as_given() {
    let log = file(
        "pk.csv",
        "timestamp,business,customer,direction,category,message_id,status\n\
         2026-10-15T10:00:00Z,15550001,+923001234567,out,utility,p1,delivered\n",
    );
    let builtin = priced(&[&log]);
    assert_eq!(builtin["p1 +923001234567"]["cost"], "0.0150");
    let tiers = file(
        "pk-tiers.csv",
        "market,category,from,to,rate,currency,effective_from\n\
         Pakistan,utility,1,,0.0100,USD,2026-04-01\n",
    );
    let rows = priced(&[&log, "--tiers", &tiers]);
    let row = &rows["p1 +923001234567"];
    assert_eq!(row["cost"], "0.0100", "{row:?}");
    assert!(row["note"].contains("applied as given"), "{row:?}");
    let json = ok(&["estimate", &log, "--tiers", &tiers, "--format", "json"]);
    assert!(json.contains("applied as given"), "{json}");
}

/// Issue 27: a government or non-profit business (`exempt` in
/// `--businesses`) pays no service message past the 1,000 free until
/// 2027-12-31; the report says so.
#[test]
fn an_exempt_business_pays_no_service_messages_past_the_1000() {
    let mut log =
        String::from("timestamp,business,customer,direction,category,message_id,status\n");
    log.push_str("2026-10-15T09:00:00Z,15550001,+5511987650001,in,,i1,delivered\n");
    for i in 0..1001 {
        log.push_str(&format!(
            "2026-10-15T09:{:02}:{:02}Z,15550001,+5511987650001,out,service,s{i},delivered\n",
            1 + i / 60,
            i % 60
        ));
    }
    let path = file("exempt.csv", &log);
    let plain = priced(&[&path]);
    assert_eq!(plain["s1000 +5511987650001"]["cost"], "0.0068");
    let businesses = file(
        "exempt-businesses.csv",
        "business,timezone,exempt\n15550001,UTC,yes\n",
    );
    let rows = priced(&[&path, "--businesses", &businesses]);
    let row = &rows["s1000 +5511987650001"];
    assert_eq!(row["cost"], "0.0000", "{row:?}");
    assert!(row["note"].contains("exempt"), "{row:?}");
    let json = ok(&[
        "estimate",
        &path,
        "--businesses",
        &businesses,
        "--format",
        "json",
    ]);
    assert!(json.contains("government or non-profit"), "{json}");
}
