//! Each provider's export of a log must price exactly like the same
//! messages in wabill's own CSV: generated logs (status events, entry
//! points, failures, several businesses, many markets) are written in each
//! provider's shape, read back, and priced message by message.

use std::path::{Path, PathBuf};
use std::str::FromStr;

fn wabill(args: &[&str]) -> Vec<u8> {
    let out = crate::util::wabill()
        .args(args)
        .output()
        .expect("wabill runs");
    assert!(
        out.status.success(),
        "wabill {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wabill-providers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// One row of a generated log.
#[derive(Clone, Debug)]
struct Msg {
    timestamp: String,
    business: String,
    customer: String,
    inbound: bool,
    category: String,
    id: String,
    status: String,
    entry_point: bool,
}

fn generated(name: &str, seed: u64, businesses: u32) -> (PathBuf, Vec<Msg>) {
    let path = temp(name);
    let (seed, businesses) = (seed.to_string(), businesses.to_string());
    wabill(&[
        "generate",
        "--rows",
        "4000",
        "--seed",
        &seed,
        "--customers",
        "300",
        "--days",
        "20",
        "--businesses",
        &businesses,
        "--status-event-share",
        "0.3",
        "--entry-point-share",
        "0.2",
        "--start",
        "2026-02-01",
        "-o",
        path.to_str().unwrap(),
    ]);
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let msgs = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            Msg {
                timestamp: r[0].to_string(),
                business: r[1].trim_start_matches('+').to_string(),
                customer: r[2].trim_start_matches('+').to_string(),
                inbound: &r[3] == "in",
                category: r[4].to_string(),
                id: r[5].to_string(),
                status: r[6].to_string(),
                entry_point: !r[7].is_empty(),
            }
        })
        .collect();
    (path, msgs)
}

const TEMPLATES: &str = "name,category,id,body\n\
    spring_sale,MARKETING,HX100,\"Spring sale: {{1}} off everything!\"\n\
    order_update,UTILITY,HX200,\"Your order {{1}} ships on {{2}}.\"\n\
    login_code,AUTHENTICATION,HX300,\"{{1}} is your verification code.\"\n";

fn template(category: &str) -> Option<(&'static str, &'static str)> {
    match category {
        "marketing" => Some(("spring_sale", "Spring sale: 20% off everything!")),
        "utility" => Some(("order_update", "Your order A-17 ships on Monday.")),
        "authentication" => Some(("login_code", "482913 is your verification code.")),
        _ => None,
    }
}

fn twilio(msgs: &[Msg]) -> String {
    let mut out =
        String::from("Sid,From,To,Body,Status,SentDate,Direction,Price,PriceUnit,EntryPoint\n");
    for (i, m) in msgs.iter().enumerate() {
        let date = m.timestamp.replace('T', " ").replace('Z', " UTC");
        let (from, to) = if m.inbound {
            (&m.customer, &m.business)
        } else {
            (&m.business, &m.customer)
        };
        let (body, direction, status) = if m.inbound {
            ("Hi there", "inbound", "received")
        } else {
            let body = template(&m.category).map_or("Thanks, see you soon", |t| t.1);
            let direction = if template(&m.category).is_none() && i % 2 == 0 {
                "outbound-reply"
            } else {
                "outbound-api"
            };
            let status = match m.status.as_str() {
                "failed" => "undelivered",
                "" => "delivered",
                s => s,
            };
            (body, direction, status)
        };
        let ep = if m.entry_point { "ctwa" } else { "" };
        out.push_str(&format!(
            "{},whatsapp:+{from},whatsapp:+{to},\"{body}\",{status},{date},{direction},-0.0050,USD,{ep}\n",
            m.id
        ));
    }
    out
}

fn kaleyra(msgs: &[Msg]) -> String {
    let mut out = String::from(
        "WABA ID,WHATSAPP_ID,FROM,TO,MESSAGE_DIRECTION,SOURCE,FORMAT,REASON_FOR_FAILURE,COUNTRY,TEMPLATE_NAME,MESSAGE,CREATED_AT,FAILED_AT,SENT_AT,DELIVERED_AT,SEEN_AT,ENTRY_POINT\n",
    );
    for m in msgs {
        let (from, to) = if m.inbound {
            (&m.customer, &m.business)
        } else {
            (&m.business, &m.customer)
        };
        let t = &m.timestamp;
        let (format, name, failed, sent, delivered, seen) = if m.inbound {
            ("text", "", "", "", "", "")
        } else {
            let (format, name) = template(&m.category).map_or(("text", ""), |t| ("template", t.0));
            match m.status.as_str() {
                "failed" => (format, name, t.as_str(), "", "", ""),
                "sent" => (format, name, "", t.as_str(), "", ""),
                "read" => (format, name, "", t.as_str(), t.as_str(), t.as_str()),
                _ => (format, name, "", t.as_str(), t.as_str(), ""),
            }
        };
        let reason = if failed.is_empty() {
            ""
        } else {
            "Receiver incapable"
        };
        out.push_str(&format!(
            "W1,{},{from},{to},{},api,{format},{reason},,{name},hello,{t},{failed},{sent},{delivered},{seen},{}\n",
            m.id, m.inbound, if m.entry_point { "ad" } else { "" }
        ));
    }
    out
}

fn ycloud(msgs: &[Msg]) -> String {
    let mut out = String::new();
    for m in msgs {
        let event = if m.inbound {
            let referral = if m.entry_point {
                r#","referral":{"source_type":"ad"}"#
            } else {
                ""
            };
            format!(
                r#"{{"id":"ev-{id}","type":"whatsapp.inbound_message.received","apiVersion":"v2","createTime":"{t}","whatsappInboundMessage":{{"id":"y-{id}","wamid":"{id}","wabaId":"W1","from":"+{c}","to":"+{b}","sendTime":"{t}","type":"text"{referral}}}}}"#,
                id = m.id,
                t = m.timestamp,
                c = m.customer,
                b = m.business
            )
        } else {
            let (kind, name) = template(&m.category).map_or(("text", ""), |t| ("template", t.0));
            let status = if m.status.is_empty() {
                "delivered"
            } else {
                &m.status
            };
            format!(
                r#"{{"id":"ev-{id}-{status}","type":"whatsapp.message.updated","apiVersion":"v2","createTime":"{t}","whatsappMessage":{{"id":"y-{id}","wamid":"{id}","wabaId":"W1","from":"+{b}","to":"+{c}","type":"{kind}","template":{{"name":"{name}"}},"status":"{status}","sendTime":"{t}","pricingModel":"PMP","pricingCategory":"{cat}","totalPrice":0.0125,"currency":"USD"}}}}"#,
                id = m.id,
                t = m.timestamp,
                c = m.customer,
                b = m.business,
                cat = m.category
            )
        };
        out.push_str(&event);
        out.push('\n');
    }
    out
}

/// WATI's webhook events: a message's first row is its sent event
/// (`sessionMessageSent`, or `templateMessageSent_v2` naming the template),
/// later rows (and a delivery or failure on the first) its status events,
/// which name neither customer nor business.
fn wati(msgs: &[Msg]) -> String {
    let mut out = String::new();
    let mut seen = std::collections::HashSet::new();
    let status_event = |m: &Msg, status: &str| -> Option<String> {
        let (event, string) = match status {
            "delivered" | "" => ("sentMessageDELIVERED_v2", "Delivered"),
            "read" => ("sentMessageREAD_v2", "Read"),
            "failed" => ("templateMessageFailed", "Failed"),
            _ => return None,
        };
        Some(format!(
            r#"{{"eventType":"{event}","statusString":"{string}","localMessageId":"local-{id}","id":"w-{id}-{status}","whatsappMessageId":"{id}","text":null,"created":"{t}","channelPhoneNumber":"{b}"}}"#,
            id = m.id,
            t = m.timestamp,
            b = m.business
        ))
    };
    for m in msgs {
        let mut events = Vec::new();
        if m.inbound {
            let referral = if m.entry_point {
                r#","referral":{"source_type":"ad"}"#
            } else {
                ""
            };
            events.push(format!(
                r#"{{"id":"w-{id}","created":"{t}","whatsappMessageId":"{id}","text":"Hi","type":"text","owner":false,"eventType":"message","waId":"{c}","channelPhoneNumber":"{b}"{referral}}}"#,
                id = m.id,
                t = m.timestamp,
                c = m.customer,
                b = m.business
            ));
        } else if seen.insert(m.id.clone()) {
            events.push(match template(&m.category) {
                Some((name, _)) => format!(
                    r#"{{"eventType":"templateMessageSent_v2","localMessageId":"local-{id}","id":"w-{id}","whatsappMessageId":"{id}","templateName":"{name}","created":"{t}","waId":"{c}","type":"template","statusString":"SENT","channelPhoneNumber":"{b}"}}"#,
                    id = m.id,
                    t = m.timestamp,
                    c = m.customer,
                    b = m.business
                ),
                None => format!(
                    r#"{{"eventType":"sessionMessageSent","id":"w-{id}","whatsappMessageId":"{id}","text":"Thanks","type":"text","created":"{t}","owner":true,"statusString":"SENT","waId":"{c}","channelPhoneNumber":"{b}"}}"#,
                    id = m.id,
                    t = m.timestamp,
                    c = m.customer,
                    b = m.business
                ),
            });
            if m.status != "sent" {
                events.extend(status_event(m, &m.status));
            }
        } else {
            events.extend(status_event(m, &m.status));
        }
        for e in events {
            out.push_str(&e);
            out.push('\n');
        }
    }
    out
}

fn infobip(msgs: &[Msg]) -> String {
    let mut out = String::new();
    for m in msgs {
        let t = m.timestamp.replace('Z', ".000+0000");
        let result = if m.inbound {
            let referral = if m.entry_point {
                r#","referral":{"sourceType":"ad"}"#
            } else {
                ""
            };
            format!(
                r#"{{"from":"{c}","to":"{b}","integrationType":"WHATSAPP","receivedAt":"{t}","messageId":"{id}","message":{{"type":"TEXT","text":"hi"{referral}}},"price":{{"pricePerMessage":0,"currency":"EUR"}}}}"#,
                c = m.customer,
                b = m.business,
                id = m.id
            )
        } else {
            let group = match m.status.as_str() {
                "failed" => "UNDELIVERABLE",
                "sent" => "PENDING",
                _ => "DELIVERED",
            };
            let callback = template(&m.category)
                .map_or(String::new(), |t| format!(r#","callbackData":"{}""#, t.0));
            format!(
                r#"{{"bulkId":"b","messageId":"{id}","to":"{c}","sentAt":"{t}","doneAt":"{t}","messageCount":1{callback},"price":{{"pricePerMessage":0.0125,"currency":"EUR"}},"status":{{"groupName":"{group}"}}}}"#,
                c = m.customer,
                id = m.id
            )
        };
        out.push_str(&format!("{{\"results\":[{result}]}}\n"));
    }
    out
}

/// Gupshup v2: a billing-event per priced message (its category), a
/// message-event per status row, and only a `failed` event for a message
/// that never got through. The business is the app.
fn gupshup(msgs: &[Msg]) -> String {
    let failed: std::collections::HashSet<&str> = msgs
        .iter()
        .filter(|m| m.status == "failed")
        .map(|m| m.id.as_str())
        .collect();
    let mut billed = std::collections::HashSet::new();
    let mut out = String::new();
    for m in msgs {
        let ms = jiff::Timestamp::from_str(&m.timestamp)
            .unwrap()
            .as_millisecond();
        let (app, c, id) = (&m.business, &m.customer, &m.id);
        if m.inbound {
            let referral = if m.entry_point {
                r#","referral":{"source_type":"ad"}"#
            } else {
                ""
            };
            out.push_str(&format!(
                r#"{{"app":"{app}","timestamp":{ms},"version":2,"type":"message","payload":{{"id":"{id}","source":"{c}","type":"text","payload":{{"text":"hi"}}{referral}}}}}"#
            ));
            out.push('\n');
            continue;
        }
        if !failed.contains(id.as_str()) && billed.insert(id.clone()) {
            out.push_str(&format!(
                r#"{{"app":"{app}","timestamp":{ms},"version":2,"type":"billing-event","payload":{{"deductions":{{"type":"regular","model":"PMP","source":"whatsapp","billable":true,"category":"{cat}"}},"references":{{"id":"w-{id}","gsId":"{id}","destination":"{c}"}}}}}}"#,
                cat = m.category
            ));
            out.push('\n');
        }
        let kind = if m.status.is_empty() {
            "delivered"
        } else {
            &m.status
        };
        out.push_str(&format!(
            r#"{{"app":"{app}","timestamp":{ms},"version":2,"type":"message-event","payload":{{"id":"w-{id}","gsId":"{id}","type":"{kind}","destination":"{c}","payload":{{"ts":{s}}}}}}}"#,
            s = ms / 1000
        ));
        out.push('\n');
    }
    out
}

/// `wabill price` rows as the fields that say what a message cost, by id.
fn priced(log: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["price", log.to_str().unwrap(), "--format", "csv"];
    args.extend_from_slice(extra);
    let out = wabill(&args);
    let mut rows: Vec<String> = csv::Reader::from_reader(&out[..])
        .records()
        .map(|r| {
            let r = r.unwrap();
            // message_id, timestamp, customer, direction, pricing_type,
            // pricing_category, billable, rate, cost.
            [0, 1, 3, 6, 8, 9, 10, 11, 12]
                .map(|i| r[i].to_string())
                .join(",")
        })
        .collect();
    rows.sort();
    rows
}

/// Equal, or the first few differences.
fn same(got: Vec<String>, want: Vec<String>) {
    let diff: Vec<_> = got
        .iter()
        .zip(&want)
        .filter(|(g, w)| g != w)
        .take(5)
        .collect();
    assert!(
        diff.is_empty() && got.len() == want.len(),
        "{} vs {} rows; first differences: {diff:#?}",
        got.len(),
        want.len()
    );
}

/// A provider's export written to a file, with the templates file beside
/// (one per export: tests run in parallel and must not rewrite a file
/// another is reading).
fn export(name: &str, text: String) -> (PathBuf, PathBuf) {
    let (path, templates) = (temp(name), temp(&format!("{name}.templates.csv")));
    std::fs::write(&path, text).unwrap();
    std::fs::write(&templates, TEMPLATES).unwrap();
    (path, templates)
}

#[test]
fn twilio_exports_price_like_wabills_csv() {
    let (log, msgs) = generated("tw-src.csv", 11, 3);
    let (file, t) = export("tw.csv", twilio(&msgs));
    same(
        priced(&file, &["--templates", t.to_str().unwrap()]),
        priced(&log, &[]),
    );
}

#[test]
fn kaleyra_reports_price_like_wabills_csv() {
    let (log, msgs) = generated("ka-src.csv", 12, 3);
    let (file, t) = export("ka.csv", kaleyra(&msgs));
    same(
        priced(&file, &["--templates", t.to_str().unwrap()]),
        priced(&log, &[]),
    );
}

#[test]
fn ycloud_events_price_like_wabills_csv() {
    let (log, msgs) = generated("yc-src.csv", 13, 3);
    let (file, _) = export("yc.jsonl", ycloud(&msgs));
    same(priced(&file, &[]), priced(&log, &[]));
}

#[test]
fn infobip_reports_price_like_wabills_csv() {
    // Infobip's reports name no sender: one business.
    let (log, msgs) = generated("ib-src.csv", 14, 1);
    let (file, t) = export("ib.jsonl", infobip(&msgs));
    same(
        priced(&file, &["--templates", t.to_str().unwrap()]),
        priced(&log, &[]),
    );
}

#[test]
fn wati_events_price_like_wabills_csv() {
    let (log, msgs) = generated("wa-src.csv", 16, 3);
    let (file, t) = export("wa.jsonl", wati(&msgs));
    same(
        priced(&file, &["--templates", t.to_str().unwrap()]),
        priced(&log, &[]),
    );
    // Without the templates file, a template is an error that says so.
    let out = crate::util::wabill()
        .args(["estimate", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains("a WATI export names the template, not its category: give --templates FILE"),
        "{stderr}"
    );
}

#[test]
fn gupshup_events_price_like_wabills_csv() {
    let (log, msgs) = generated("gs-src.csv", 15, 3);
    let (file, _) = export("gs.json", gupshup(&msgs));
    same(priced(&file, &[]), priced(&log, &[]));
}

/// `wabill price` rows as what each message cost, without ids and times
/// (a provider's own ids, and event times a second apart), sorted.
fn costs(log: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["price", log.to_str().unwrap(), "--format", "csv"];
    args.extend_from_slice(extra);
    let out = wabill(&args);
    let mut rows: Vec<String> = csv::Reader::from_reader(&out[..])
        .records()
        .map(|r| {
            let r = r.unwrap();
            // customer, direction, category (unless not delivered),
            // pricing_type, pricing_category, billable, rate, cost.
            let category = if &r[8] == "not_delivered" { "" } else { &r[7] };
            format!(
                "{},{},{category},{}",
                &r[3],
                &r[6],
                [8, 9, 10, 11, 12].map(|i| r[i].to_string()).join(",")
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn every_sample_prices_like_the_same_messages_in_wabills_csv() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/examples");
    let want = costs(&dir.join("inputs/wabill.csv"), &[]);
    assert_eq!(want.len(), 13, "{want:#?}");
    let templates = dir.join("templates.csv");
    let t = ["--templates", templates.to_str().unwrap()];
    for name in [
        "twilio.csv",
        "kaleyra.csv",
        "ycloud.jsonl",
        "gupshup.json",
        "infobip.jsonl",
        "wati.jsonl",
    ] {
        same(costs(&dir.join("inputs").join(name), &t), want.clone());
    }
}

/// The columns of `wabill price` named `names`, row by row.
fn columns(out: &[u8], names: &[&str]) -> Vec<Vec<String>> {
    let mut reader = csv::Reader::from_reader(out);
    let header = reader.headers().unwrap().clone();
    let index: Vec<usize> = names
        .iter()
        .map(|n| header.iter().position(|h| h == *n).unwrap())
        .collect();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            index.iter().map(|i| r[*i].to_string()).collect()
        })
        .collect()
}

#[test]
fn providers_prices_are_kept_as_written_and_never_added_to_metas_cost() {
    let (log, msgs) = generated("yc-price-src.csv", 21, 2);
    let (file, _) = export("yc-price.jsonl", ycloud(&msgs));
    let out = wabill(&["price", file.to_str().unwrap(), "--format", "csv"]);
    let rows = columns(
        &out,
        &["direction", "cost", "provider_price", "provider_currency"],
    );
    // YCloud's `"totalPrice":0.0125` (a JSON number) as written, on every
    // outbound message; inbound events carry none.
    for r in &rows {
        match r[0].as_str() {
            "out" => assert_eq!((r[2].as_str(), r[3].as_str()), ("0.0125", "USD"), "{r:?}"),
            _ => assert_eq!((r[2].as_str(), r[3].as_str()), ("", ""), "{r:?}"),
        }
    }
    // Meta's cost is the same as the CSV's, price or no price.
    same(priced(&file, &[]), priced(&log, &[]));
    let outbound = rows.iter().filter(|r| r[0] == "out").count();
    let json: serde_json::Value = serde_json::from_slice(&wabill(&[
        "estimate",
        file.to_str().unwrap(),
        "--format",
        "json",
    ]))
    .unwrap();
    let want = rust_decimal::Decimal::new(125, 4) * rust_decimal::Decimal::from(outbound as u64);
    assert_eq!(json["provider_charges"][0]["amount"], want.to_string());
    assert_eq!(json["provider_charges"][0]["messages"], outbound as u64);
    let plain: serde_json::Value = serde_json::from_slice(&wabill(&[
        "estimate",
        log.to_str().unwrap(),
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["totals"], plain["totals"]);
    assert!(plain.get("provider_charges").is_none());
}

#[test]
fn a_provider_charging_in_another_currency_is_not_compared() {
    let (_, msgs) = generated("ib-eur-src.csv", 22, 1);
    let (file, t) = export("ib-eur.jsonl", infobip(&msgs));
    let out = crate::util::wabill()
        .args([
            "reconcile",
            file.to_str().unwrap(),
            "--templates",
            t.to_str().unwrap(),
            "--provider-charges",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the provider charges in EUR but wabill prices in USD"),
        "{stderr}"
    );
}
