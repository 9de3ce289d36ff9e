//! Real inputs as they come (issue 25): every row of every shape is counted
//! — priced, merged, or rejected with its file and line — never lost with
//! exit 0. The samples in `tests/samples/` are minimal, written from the
//! documented shapes.

use std::path::Path;
use std::process::Output;

fn run(args: &[&str]) -> Output {
    crate::util::wabill()
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("wabill runs")
}

fn sample(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/samples")
        .join(name)
        .display()
        .to_string()
}

/// The accounting of `estimate --format json` on `files`.
fn accounting(files: &[&str], extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["estimate", "--format", "json", "--allow-empty"];
    args.extend_from_slice(files);
    args.extend_from_slice(extra);
    let out = run(&args);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{args:?}: {e}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )
    });
    let a = report["accounting"].clone();
    assert!(balances(&a), "{args:?}: {a}");
    a
}

fn count(a: &serde_json::Value, key: &str) -> u64 {
    a[key].as_u64().unwrap_or(0)
}

/// rows read = inbound + outbound + calls + merged + not WhatsApp + rejected.
fn balances(a: &serde_json::Value) -> bool {
    count(a, "rows_read")
        == count(a, "inbound")
            + count(a, "outbound")
            + count(a, "calls")
            + count(a, "merged")
            + count(a, "not_whatsapp")
            + count(a, "rejected")
}

/// What a run prints, on both streams.
fn printed(args: &[&str]) -> String {
    let out = run(args);
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Each envelope a store keeps a webhook in is opened and counted by its
/// key; an object with none of Meta's keys is a rejected row at its line.
#[test]
fn webhook_envelopes_are_unwrapped_and_strangers_rejected() {
    let file = sample("envelopes.jsonl");
    let a = accounting(&[&file], &[]);
    assert_eq!(
        (count(&a, "rows_read"), count(&a, "rejected")),
        (8, 1),
        "{a}"
    );
    assert_eq!((count(&a, "inbound"), count(&a, "outbound")), (1, 6));
    let unwrapped = &a["unwrapped"];
    for (key, n) in [
        ("body_params", 1),
        ("payload", 1),
        ("body", 1),
        ("Records[].body", 2),
        ("detail", 1),
    ] {
        assert_eq!(unwrapped[key], n, "{key}: {unwrapped}");
    }
    let err = printed(&["validate", &file]);
    assert!(
        err.contains("envelopes.jsonl:7: not a webhook notification"),
        "{err}"
    );
    assert!(err.contains("6 events unwrapped from envelopes"), "{err}");
    // Mixed into a good file, the stranger alone is not "no problems".
    let out = run(&["validate", &file]);
    assert!(!out.status.success());
}

/// A fixture file keyed by case name: each case is a notification.
#[test]
fn fixtures_keyed_by_case_name_are_read() {
    let a = accounting(&[&sample("fixtures-by-case.json")], &[]);
    assert_eq!(count(&a, "rows_read"), 3, "{a}");
    assert_eq!(
        (
            count(&a, "inbound"),
            count(&a, "outbound"),
            count(&a, "merged")
        ),
        (1, 1, 1)
    );
    assert_eq!(a["unwrapped"]["*"], 3);
}

/// Twilio's Messages API JSON is refused naming Twilio, one rejected row
/// per message, never read as Meta's inbound messages.
#[test]
fn twilio_api_json_is_refused_naming_twilio() {
    for (name, messages) in [("twilio-message.json", 1), ("twilio-page.json", 2)] {
        let file = sample(name);
        let a = accounting(&[&file], &[]);
        assert_eq!(
            (
                count(&a, "rows_read"),
                count(&a, "rejected"),
                count(&a, "inbound")
            ),
            (messages, messages, 0),
            "{name}: {a}"
        );
        let err = printed(&["validate", &file]);
        assert!(
            err.contains(&format!("{name}:1: Twilio's Messages API JSON")),
            "{err}"
        );
    }
}

/// The providers' JSON readers open the same envelopes and reject an
/// object that holds none of their events.
#[test]
fn provider_envelopes_are_unwrapped_and_strangers_rejected() {
    let cases = [
        ("ycloud-envelopes.jsonl", "YCloud", 4, 2, 4),
        ("gupshup-envelopes.jsonl", "Gupshup", 4, 3, 4),
        ("wati-envelopes.jsonl", "WATI", 3, 2, 3),
        ("infobip-envelopes.jsonl", "Infobip", 2, 1, 2),
    ];
    for (name, provider, rows, unwrapped, bad_line) in cases {
        let file = sample(name);
        let a = accounting(&[&file], &[]);
        assert_eq!(
            (count(&a, "rows_read"), count(&a, "rejected")),
            (rows, 1),
            "{name}: {a}"
        );
        let n: u64 = a["unwrapped"]
            .as_object()
            .unwrap()
            .values()
            .map(|v| v.as_u64().unwrap())
            .sum();
        assert_eq!(n, unwrapped, "{name}: {a}");
        let err = printed(&["validate", &file]);
        assert!(
            err.contains(&format!("{name}:{bad_line}: no {provider} event")),
            "{err}"
        );
    }
}

/// A WATI failure (or receipt) in the next day's file joins the message
/// sent the day before: the failed message is not charged, nothing is
/// rejected, in either engine.
#[test]
fn wati_status_events_join_messages_of_earlier_files() {
    let (day1, day2) = (sample("wati-day1.jsonl"), sample("wati-day2.jsonl"));
    let templates = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/examples/templates.csv")
        .display()
        .to_string();
    for engine in ["stream", "memory"] {
        let a = accounting(
            &[&day1, &day2],
            &["--templates", &templates, "--engine", engine],
        );
        assert_eq!(
            (
                count(&a, "rows_read"),
                count(&a, "merged"),
                count(&a, "rejected")
            ),
            (4, 2, 0),
            "{engine}: {a}"
        );
        assert_eq!(
            (count(&a, "charged"), count(&a, "not_delivered")),
            (1, 1),
            "{engine}: {a}"
        );
    }
}

/// Gupshup's billing events an hour later, in the next day's file, price
/// the message-events of the day before; without them the run still
/// refuses message-events alone.
#[test]
fn gupshup_billing_events_join_across_files() {
    let (day1, day2) = (sample("gupshup-day1.jsonl"), sample("gupshup-day2.jsonl"));
    for engine in ["stream", "memory"] {
        let a = accounting(&[&day1, &day2], &["--engine", engine]);
        assert_eq!(
            (
                count(&a, "rows_read"),
                count(&a, "merged"),
                count(&a, "charged")
            ),
            (3, 2, 1),
            "{engine}: {a}"
        );
    }
    let alone = run(&["estimate", &day1]);
    assert!(!alone.status.success());
    let err = String::from_utf8_lossy(&alone.stderr);
    assert!(
        err.contains("2 message-events but no billing-event"),
        "{err}"
    );
}

/// A Twilio log mixes channels: rows whose From and To lack `whatsapp:`
/// are SMS, counted as not WhatsApp, never priced (an SMS one-time code is
/// no authentication message), opening no window (the SMS reply leaves the
/// WhatsApp utility template after it charged), and out of the provider's
/// totals.
#[test]
fn sms_rows_of_a_twilio_log_are_not_whatsapp() {
    let file = sample("twilio-mixed.csv");
    let templates = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("data/examples/templates.csv")
        .display()
        .to_string();
    for engine in ["stream", "memory"] {
        let a = accounting(&[&file], &["--templates", &templates, "--engine", engine]);
        assert_eq!(
            (
                count(&a, "rows_read"),
                count(&a, "not_whatsapp"),
                count(&a, "inbound"),
                count(&a, "outbound"),
            ),
            (5, 2, 1, 2),
            "{engine}: {a}"
        );
        assert_eq!((count(&a, "charged"), count(&a, "free")), (1, 1), "{a}");
        assert!(a["free_by_reason"].get("free_customer_service").is_some());
    }
    let out = printed(&["estimate", &file, "--templates", &templates]);
    assert!(
        out.contains(
            "5 rows read = 1 inbound + 2 outbound + 0 merged + 2 not WhatsApp + 0 rejected"
        ),
        "{out}"
    );
    assert!(out.contains("0.0150 USD on 3 messages"), "{out}");
    let out = printed(&["validate", &file, "--templates", &templates]);
    assert!(
        out.contains("5 rows read, 3 messages, 2 not WhatsApp"),
        "{out}"
    );
    let out = printed(&[
        "reconcile",
        &file,
        "--templates",
        &templates,
        "--provider-charges",
    ]);
    assert!(
        out.contains("3 messages with a provider price compared"),
        "{out}"
    );
    assert!(out.contains("provider 0.0150 USD"), "{out}");
}

/// Meta's decision columns get one verdict from every command: Meta's own
/// `free_tier` is read by all, an unknown type rejected by all (estimate
/// used to price the row every other command rejected).
#[test]
fn decision_columns_get_one_verdict_from_every_command() {
    let file = sample("meta-decision-columns.csv");
    let a = accounting(&[&file], &[]);
    assert_eq!(count(&a, "rejected"), 1, "{a}");
    assert_eq!(count(&a, "outbound"), 2, "{a}");
    let verdict = "meta-decision-columns.csv:5:8: pricing_type \"bogus_type\"";
    for args in [
        vec!["estimate", &file],
        vec!["price", &file],
        vec!["validate", &file],
        vec!["reconcile", &file],
        vec!["explain", &file, "--message-id", "wamid.1"],
    ] {
        let out = printed(&args);
        assert!(out.contains(verdict), "{args:?}: {out}");
        assert!(!out.contains("free_tier\""), "{args:?}: {out}");
        assert_eq!(out.matches("pricing_type \"").count(), 1, "{args:?}: {out}");
    }
}

/// Meta sends `pricing` only on `sent` and one of `delivered`/`read`: the
/// other statuses (and `played`, a voice message played) merge into their
/// message like a `failed` one, so `--strict` reads a recent log.
#[test]
fn statuses_without_pricing_and_played_merge_into_their_message() {
    let file = sample("statuses-without-pricing.jsonl");
    let a = accounting(&[&file], &["--strict"]);
    assert_eq!(
        (
            count(&a, "rows_read"),
            count(&a, "outbound"),
            count(&a, "merged"),
            count(&a, "rejected"),
            count(&a, "charged")
        ),
        (7, 2, 5, 0, 2),
        "{a}"
    );
    assert!(run(&["estimate", &file, "--strict"]).status.success());
}

/// In the conversation era Meta's `billable` is true for every
/// conversation, service and free-tier ones included (only free entry
/// points are false): a CBP service reply agrees with wabill's free
/// decision, and reconcile exits 0.
#[test]
fn cbp_billable_means_what_meta_meant_in_the_conversation_era() {
    let file = sample("cbp-statuses.jsonl");
    let out = run(&["reconcile", &file]);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("2 messages compared with Meta's decision: 2 agree, 0 differ"),
        "{text}"
    );
}

/// Warehouse timestamps as BigQuery and Snowflake export them: `… UTC`,
/// an offset after a space, and zoneless values once the user says what
/// zone they are in (`--naive-tz`); without it those are refused.
#[test]
fn warehouse_timestamps_are_read_as_exported() {
    let a = accounting(&[&sample("warehouse-times.csv")], &[]);
    assert_eq!(
        (count(&a, "rows_read"), count(&a, "rejected")),
        (4, 0),
        "{a}"
    );
    // The reply 5 minutes after the customer's message is in its window.
    assert_eq!(count(&a, "free"), 2, "{a}");
    let ntz = sample("warehouse-ntz.csv");
    let refused = accounting(&[&ntz], &[]);
    assert_eq!(count(&refused, "rejected"), 3, "{refused}");
    assert!(printed(&["validate", &ntz]).contains("--naive-tz"));
    let a = accounting(&[&ntz], &["--naive-tz", "UTC"]);
    assert_eq!((count(&a, "rejected"), count(&a, "free")), (0, 1), "{a}");
    let price = printed(&["price", &ntz, "--naive-tz", "America/Sao_Paulo"]);
    assert!(price.contains("n01,2026-02-02T10:00:00Z"), "{price}");
    assert!(price.contains("n03,2026-02-03T12:00:00Z"), "{price}");
    let bad = run(&["estimate", &ntz, "--naive-tz", "Mars/Base"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// Meta's rate cards as Meta publishes them: CRLF line ends, a title with
/// the effective date, prose lines with a link in a later column (before
/// and after the table), `Authentication-International` broken over two
/// lines inside quotes, `n/a` cells; and the conversation-era card ("Cost
/// per conversation", currency `$US`), read as a per-conversation card.
#[test]
fn metas_rate_cards_are_read_as_published() {
    let card = sample("meta-card-2026-04-01.csv");
    let out = run(&[
        "rates",
        "--date",
        "2026-04-02",
        "--rates",
        &card,
        "--number",
        "+919810000010",
        "--format",
        "csv",
    ]);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("authentication_international,0.0304"),
        "{text}"
    );
    let conv = sample("meta-card-conversation-2024-11-01.csv");
    let out = run(&[
        "rates",
        "--date",
        "2024-11-02",
        "--rates",
        &conv,
        "--number",
        "+5511987654321",
    ]);
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("marketing per conversation"), "{text}");
    assert!(text.contains("0.0625 USD"), "{text}");
}

/// The older business-scoped user ids `user.<hex>` are customers, priced in
/// the country of `contacts[].profile.country_code`.
#[test]
fn bsuids_of_the_user_hex_form_are_priced_by_their_contact_country() {
    let a = accounting(&[&sample("bsuid-user-hex.jsonl")], &[]);
    assert_eq!(
        (
            count(&a, "rejected"),
            count(&a, "inbound"),
            count(&a, "charged")
        ),
        (0, 1, 1),
        "{a}"
    );
    let out = printed(&["estimate", &sample("bsuid-user-hex.jsonl")]);
    assert!(out.contains("Brazil"), "{out}");
}

/// Gupshup's PMP `sent` message-events carry `pricing.category`: they name
/// the message's category, so a log of message-events alone is priced.
#[test]
fn gupshup_pmp_message_events_carry_the_category() {
    let a = accounting(&[&sample("gupshup-pmp-message-events.jsonl")], &[]);
    assert_eq!(
        (
            count(&a, "rows_read"),
            count(&a, "outbound"),
            count(&a, "merged"),
            count(&a, "charged"),
            count(&a, "free"),
            count(&a, "rejected")
        ),
        (5, 2, 2, 1, 1, 0),
        "{a}"
    );
}

/// A YCloud update that names only the message (its id and status) is a
/// status event of the message an earlier event named, merged into it;
/// with no such event it is a rejected row saying so.
#[test]
fn ycloud_updates_naming_only_the_message_merge_into_it() {
    let file = sample("ycloud-status-by-id.jsonl");
    let a = accounting(&[&file], &["--strict"]);
    assert_eq!(
        (
            count(&a, "rows_read"),
            count(&a, "outbound"),
            count(&a, "merged"),
            count(&a, "rejected")
        ),
        (3, 1, 2, 0),
        "{a}"
    );
}
