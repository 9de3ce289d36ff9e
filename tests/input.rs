//! Where a log comes from must not change its report: a plain file, gzip
//! and zstd files, standard input (named `-`, or not named at all), a FIFO
//! and a process substitution give the same bytes — on a log that is not in
//! time order, so the engine cannot stream it and must not read it twice.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_wabill")
}

fn run(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(bin())
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("wabill runs");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let bytes = bytes.to_vec();
        std::thread::spawn(move || pipe.write_all(&bytes));
    }
    child.wait_with_output().unwrap()
}

fn ok(out: Output) -> Vec<u8> {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("wabill-input-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A generated log with status events, rows reversed (so not in time order).
fn unsorted_log(dir: &Path) -> (PathBuf, Vec<u8>) {
    let log = ok(run(
        &[
            "generate",
            "--rows",
            "3000",
            "--seed",
            "7",
            "--days",
            "5",
            "--status-event-share",
            "0.3",
        ],
        None,
    ));
    let text = String::from_utf8(log).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1..].reverse();
    let bytes = (lines.join("\n") + "\n").into_bytes();
    let path = dir.join("unsorted.csv");
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

const REPORT: [&str; 4] = ["estimate", "--format", "csv", "--by"];

fn estimate(log: &str, stdin: Option<&[u8]>) -> Vec<u8> {
    let mut args = REPORT.to_vec();
    args.push("market,category,pricing_type");
    if !log.is_empty() {
        args.push(log);
    }
    ok(run(&args, stdin))
}

#[test]
fn every_source_gives_the_plain_files_report() {
    let dir = temp_dir("sources");
    let (path, bytes) = unsorted_log(&dir);
    let plain = estimate(path.to_str().unwrap(), None);
    let text = String::from_utf8_lossy(&plain);
    assert!(text.contains("regular"), "a real report: {text}");

    let gz = dir.join("unsorted.csv.gz");
    std::fs::write(&gz, gzip(&bytes)).unwrap();
    assert_eq!(estimate(gz.to_str().unwrap(), None), plain, ".csv.gz");

    // Compressed content is found by its magic bytes, whatever the name.
    let zst = dir.join("unsorted.log");
    std::fs::write(&zst, zstd::encode_all(&bytes[..], 3).unwrap()).unwrap();
    assert_eq!(estimate(zst.to_str().unwrap(), None), plain, "zstd");

    assert_eq!(estimate("-", Some(&bytes)), plain, "stdin as -");
    assert_eq!(estimate("", Some(&bytes)), plain, "piped stdin, no LOG");
    assert_eq!(
        estimate("", Some(&gzip(&bytes))),
        plain,
        "zcat-less gzip pipe"
    );
    assert_eq!(
        estimate("/dev/stdin", Some(&bytes)),
        plain,
        "/dev/stdin, a pipe"
    );

    // `<(cat unsorted.csv)`: a pipe named /dev/fd/N.
    let substituted = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "exec \"$0\" estimate --format csv --by market,category,pricing_type <(cat {})",
            path.display()
        ))
        .arg(bin())
        .output()
        .unwrap();
    assert_eq!(ok(substituted), plain, "process substitution");

    // A FIFO: opened once (a second open would wait for a writer forever).
    let fifo = dir.join("log.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let writer = {
        let (fifo, bytes) = (fifo.clone(), bytes.clone());
        std::thread::spawn(move || std::fs::write(fifo, bytes))
    };
    assert_eq!(estimate(fifo.to_str().unwrap(), None), plain, "FIFO");
    writer.join().unwrap().unwrap();
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_empty_pipe_is_an_empty_log_and_stream_refuses_pipes() {
    // With stdin closed (not a terminal, empty), no LOG reads an empty log:
    // a failure unless --allow-empty, like an empty file.
    let out = run(&["estimate", "--format", "csv"], Some(b""));
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no rows"),
        "{out:?}"
    );
    let out = run(&["estimate", "--format", "csv", "--allow-empty"], Some(b""));
    assert!(out.status.success(), "{:?}", out);
    // `--engine stream` cannot read a pipe twice and says so.
    let out = run(&["estimate", "--engine", "stream", "-"], Some(b""));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("regular files only"),
        "{out:?}"
    );
}

#[test]
fn input_format_forces_a_reader_and_names_are_checked() {
    let out = run(&["estimate", "--input-format", "xml", "-"], Some(b""));
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("unknown input format \"xml\""),
        "{out:?}"
    );
    // A CSV read as webhooks: each line is a rejected notification.
    let out = run(
        &["validate", "--input-format", "webhooks", "-"],
        Some(b"timestamp,customer,direction\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("<stdin>:1: not a webhook notification"),
        "{stdout}"
    );
}
