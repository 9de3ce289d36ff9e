//! Hostile input (issue 26): bounded memory and time whatever the input,
//! nothing clobbered, no injection. Inputs are generated in temporary
//! directories; nothing large is kept in the repository.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const HEADER: &str =
    "timestamp,business,customer,direction,category,message_id,status,entry_point\n";
const ROW: &str =
    "2026-02-02T00:00:00Z,+551140000001,+5511987654321,out,marketing,wamid.h0,delivered,\n";

fn wabill(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wabill"))
        .current_dir(dir)
        .arg("--no-config")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("wabill runs")
}

/// wabill with its address space limited to `mb` megabytes (`ulimit -v`):
/// a run that buffers more aborts.
fn wabill_within(dir: &Path, mb: u64, args: &[&str]) -> Output {
    Command::new("sh")
        .current_dir(dir)
        .arg("-c")
        .arg(format!(
            "ulimit -v {}; exec \"$0\" --no-config \"$@\"",
            mb * 1024
        ))
        .arg(env!("CARGO_BIN_EXE_wabill"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("sh runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A zstd file: the header, `bytes` copies of `fill` on one line, a good row.
fn bomb(path: &Path, fill: u8, bytes: usize) {
    let file = fs::File::create(path).unwrap();
    let mut z = zstd::Encoder::new(file, 3).unwrap();
    z.write_all(HEADER.as_bytes()).unwrap();
    let chunk = vec![fill; 1 << 20];
    for _ in 0..bytes >> 20 {
        z.write_all(&chunk).unwrap();
    }
    z.write_all(b"\n").unwrap();
    z.write_all(ROW.as_bytes()).unwrap();
    z.finish().unwrap();
}

#[test]
fn a_compression_bomb_of_nul_bytes_is_one_rejected_row_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    bomb(&dir.path().join("bomb.csv.zst"), 0, 400 << 20);
    let out = wabill_within(dir.path(), 250, &["estimate", "bomb.csv.zst"]);
    let err = text(&out.stderr) + &text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(
            "bomb.csv.zst:2: row longer than 1048576 bytes (--max-row-bytes raises the bound)"
        ),
        "{err}"
    );
    assert!(
        err.contains("2 rows read = 0 inbound + 1 outbound + 0 merged + 1 rejected"),
        "{err}"
    );
}

#[test]
fn a_line_of_commas_is_one_rejected_row_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    bomb(&dir.path().join("commas.csv.zst"), b',', 64 << 20);
    let out = wabill_within(dir.path(), 250, &["validate", "commas.csv.zst"]);
    let err = text(&out.stderr);
    let all = text(&out.stdout) + &err;
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert_eq!(all.matches("row longer than").count(), 1, "{all}");
}

#[test]
fn max_row_bytes_raises_and_lowers_the_bound() {
    let dir = tempfile::tempdir().unwrap();
    let id = "x".repeat(2 << 20);
    let row = ROW.replace("wamid.h0", &id);
    fs::write(dir.path().join("long.csv"), format!("{HEADER}{row}{ROW}")).unwrap();
    let out = wabill(dir.path(), &["estimate", "long.csv"]);
    let err = text(&out.stderr) + &text(&out.stdout);
    assert!(
        err.contains("long.csv:2: row longer than 1048576 bytes"),
        "{err}"
    );
    assert!(err.contains("1 rejected"), "{err}");
    let out = wabill(
        dir.path(),
        &["estimate", "long.csv", "--max-row-bytes", "4M"],
    );
    let err = text(&out.stderr) + &text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("0 rejected"), "{err}");
    // Every command that reads a log takes it.
    for cmd in [
        &["price", "long.csv"][..],
        &["validate", "long.csv"],
        &["explain", "long.csv", "--message-id", "wamid.h0"],
        &["reconcile", "long.csv"],
        &["forecast", "--from-log", "long.csv", "--months", "1"],
    ] {
        let mut args = cmd.to_vec();
        args.extend(["--max-row-bytes", "100"]);
        let out = wabill(dir.path(), &args);
        let all = text(&out.stdout) + &text(&out.stderr);
        assert!(all.contains("row longer than 100 bytes"), "{cmd:?}: {all}");
    }
    let out = wabill(
        dir.path(),
        &["estimate", "long.csv", "--max-row-bytes", "0"],
    );
    assert_eq!(out.status.code(), Some(2));
    let out = wabill(
        dir.path(),
        &["estimate", "long.csv", "--max-row-bytes", "lots"],
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_long_garbage_line_of_json_lines_is_one_rejected_row() {
    let dir = tempfile::tempdir().unwrap();
    let mut garbage = vec![b'x'; 10 << 20];
    garbage.push(b'\n');
    fs::write(dir.path().join("garbage.jsonl"), garbage).unwrap();
    let out = wabill(
        dir.path(),
        &[
            "estimate",
            "--input-format",
            "webhooks",
            "garbage.jsonl",
            "--allow-empty",
        ],
    );
    let err = text(&out.stderr) + &text(&out.stdout);
    assert!(
        err.contains("1 row read = 0 inbound + 0 outbound + 0 merged + 1 rejected"),
        "{err}"
    );
}

#[test]
fn one_large_json_notification_is_read_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    // One webhook notification of about 16 MB (80,000 statuses).
    let mut statuses = Vec::new();
    for i in 0..80_000 {
        statuses.push(format!(
            r#"{{"id":"wamid.{i}","status":"delivered","timestamp":"1770000000","recipient_id":"5511987654{:03}","pricing":{{"billable":true,"pricing_model":"PMP","category":"marketing","type":"regular","padding":"{}"}}}}"#,
            i % 1000,
            "p".repeat(50)
        ));
    }
    let text_ = format!(
        r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{{"messaging_product":"whatsapp","metadata":{{"display_phone_number":"551140000001","phone_number_id":"1"}},"statuses":[{}]}}}}]}}]}}"#,
        statuses.join(",")
    );
    assert!(text_.len() > 15 << 20);
    fs::write(dir.path().join("big.json"), text_).unwrap();
    let start = Instant::now();
    let out = wabill(dir.path(), &["estimate", "big.json"]);
    let took = start.elapsed();
    let err = text(&out.stderr) + &text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("80,000 rows read"), "{err}");
    // Quadratic re-reading took about a minute here; linear takes seconds.
    assert!(took < Duration::from_secs(25), "took {took:?}");
}
