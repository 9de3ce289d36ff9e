//! The streaming engine (`--engine stream`, two threads, bounded memory)
//! must print exactly the bytes of the straightforward one (`--engine
//! memory`: every message in memory, sorted, then priced) on generated logs
//! with every shape the generator makes: status events, entry points,
//! failures, several businesses, many markets.

use std::path::{Path, PathBuf};

/// Thread counts every comparison runs: one thread, reading and pricing
/// apart, and one and six shards (`--threads` 3 and 8).
const THREADS: [&str; 4] = ["1", "2", "3", "8"];

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
    let dir = std::env::temp_dir().join(format!("wabill-engines-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn generate(path: &Path, seed: u64, extra: &[&str]) {
    let seed = seed.to_string();
    let mut args = vec![
        "generate",
        "--rows",
        "40k",
        "--seed",
        &seed,
        "--customers",
        "3000",
        "--days",
        "9",
        "--start",
        "2026-09-27",
        "--status-event-share",
        "0.3",
        "-o",
        path.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    wabill(&args);
}

/// Published cards leave some cells of late 2026 unknown; an undated user
/// card (which wins over every dated one) prices everything the generator
/// sends, so no message is left unpriced.
fn flat_card() -> PathBuf {
    let path = temp("flat-card.csv");
    let markets = [
        "Argentina",
        "Brazil",
        "Colombia",
        "Egypt",
        "Germany",
        "India",
        "Indonesia",
        "Italy",
        "Malaysia",
        "Mexico",
        "Nigeria",
        "North America",
        "Pakistan",
        "Russia",
        "Saudi Arabia",
        "South Africa",
        "Spain",
        "Turkey",
        "United Arab Emirates",
        "United Kingdom",
    ];
    let mut text = String::from("market,category,rate,currency,effective_from\n");
    for (i, market) in markets.iter().enumerate() {
        for (j, category) in [
            "marketing",
            "utility",
            "authentication",
            "authentication_international",
        ]
        .iter()
        .enumerate()
        {
            text.push_str(&format!("{market},{category},0.0{i:02}{j},USD,\n"));
        }
    }
    // Tests run in parallel and each writes the card: written beside and
    // renamed, a reader never sees half a file.
    let part = temp(&format!("flat-card-{:?}.part", std::thread::current().id()));
    std::fs::write(&part, text).unwrap();
    std::fs::rename(&part, &path).unwrap();
    path
}

fn report(engine: &str, logs: &[&Path]) -> Vec<u8> {
    report_with(engine, logs, &[])
}

fn report_with(engine: &str, logs: &[&Path], extra: &[&str]) -> Vec<u8> {
    let card = flat_card();
    let mut args = vec![
        "estimate",
        "-q",
        "--engine",
        engine,
        "--format",
        "csv",
        "--rates",
        card.to_str().unwrap(),
        "--by",
        "day,business,market,category,pricing_type",
    ];
    args.extend(extra);
    args.extend(logs.iter().map(|p| p.to_str().unwrap()));
    wabill(&args)
}

#[test]
fn streaming_prints_the_same_bytes_as_sorting_in_memory() {
    for seed in [1, 2, 3] {
        let log = temp(&format!("sorted-{seed}.csv"));
        // Crosses 2026-10-01, so both per-message models and the monthly
        // service allowance are exercised.
        generate(&log, seed, &[]);
        let memory = report("memory", &[&log]);
        assert!(memory.len() > 1000, "a real report");
        assert_eq!(report("stream", &[&log]), memory, "seed {seed}");
        assert_eq!(report("auto", &[&log]), memory, "seed {seed}");
        for threads in THREADS {
            assert_eq!(
                report_with("stream", &[&log], &["--threads", threads]),
                memory,
                "seed {seed}, {threads} threads"
            );
        }
    }
}

#[test]
fn a_log_split_into_consecutive_files_streams_the_same() {
    let log = temp("whole.csv");
    generate(&log, 9, &[]);
    let text = std::fs::read_to_string(&log).unwrap();
    let (header, rows) = text.split_once('\n').unwrap();
    let rows: Vec<&str> = rows.lines().collect();
    let (a, b) = rows.split_at(rows.len() / 2);
    let (first, second) = (temp("part-1.csv"), temp("part-2.csv"));
    std::fs::write(&first, format!("{header}\n{}\n", a.join("\n"))).unwrap();
    std::fs::write(&second, format!("{header}\n{}\n", b.join("\n"))).unwrap();
    let whole = report("memory", &[&log]);
    // Only the list of input names in the report differs; compare the rows.
    assert_eq!(report("stream", &[&first, &second]), whole);
}

#[test]
fn shuffled_input_falls_back_and_still_agrees() {
    let (sorted, shuffled) = (temp("s.csv"), temp("shuffled.csv"));
    generate(&sorted, 4, &[]);
    generate(&shuffled, 4, &["--shuffle"]);
    let expected = report("memory", &[&sorted]);
    assert_eq!(report("auto", &[&shuffled]), expected);
    assert_eq!(report("memory", &[&shuffled]), expected);
    let out = crate::util::wabill()
        .args([
            "estimate",
            "-q",
            "--engine",
            "stream",
            shuffled.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "--engine stream refuses unsorted input"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot stream"));
}

/// A streaming attempt may price messages before it finds a row out of
/// order; falling back must start the report over, not count them twice.
#[test]
fn falling_back_after_pricing_some_messages_counts_each_once() {
    let log = temp("late-disorder.csv");
    std::fs::write(
        &log,
        "timestamp,customer,direction,category\n\
         2026-02-01T10:00:00Z,+919810000001,out,marketing\n\
         2026-02-03T10:00:00Z,+919810000002,out,marketing\n\
         2026-02-02T10:00:00Z,+919810000003,out,marketing\n",
    )
    .unwrap();
    let args = |engine| {
        [
            "estimate",
            "-q",
            "--engine",
            engine,
            "--format",
            "csv",
            log.to_str().unwrap(),
        ]
    };
    let memory = wabill(&args("memory"));
    assert_eq!(wabill(&args("auto")), memory);
    // On one thread the reading side stops as the pricing side finds the
    // disorder, with shards after some rounds were routed; the fallback
    // still starts the report over.
    for threads in THREADS {
        let mut run = args("auto").to_vec();
        run.extend(["--threads", threads]);
        assert_eq!(wabill(&run), memory, "--threads {threads}");
    }
    let text = String::from_utf8(memory).unwrap();
    assert!(text.ends_with("total,total,3,3,0,0,0.0354,USD\n"), "{text}");
}

/// Times keep their microseconds in both engines: a reply 100 µs inside the
/// 24 h window is free, and a template 0.8 ms before the customer's message
/// is no tie (the customer's message does not come first). A failure
/// event without a category merges the same way in both.
#[test]
fn sub_millisecond_times_decide_in_both_engines() {
    let log = temp("micros.csv");
    std::fs::write(
        &log,
        "timestamp,customer,direction,category,message_id,status\n\
         2026-02-02T10:00:00.000900Z,+5511987650001,in,,i1,\n\
         2026-02-02T12:00:00.000000Z,+5511987650002,out,utility,o2,\n\
         2026-02-02T12:00:00.000800Z,+5511987650002,in,,i2,\n\
         2026-02-03T10:00:00.000800Z,+5511987650001,out,utility,o1,sent\n\
         2026-02-03T10:00:05.123456Z,+5511987650001,out,utility,o1,delivered\n\
         2026-02-03T11:00:00Z,+5511987650003,out,marketing,o3,sent\n\
         2026-02-03T11:00:02.5Z,+5511987650003,out,,o3,failed\n",
    )
    .unwrap();
    let args = |engine| {
        [
            "estimate",
            "-q",
            "--engine",
            engine,
            "--format",
            "csv",
            "--by",
            "pricing_type",
            log.to_str().unwrap(),
        ]
    };
    let memory = wabill(&args("memory"));
    assert_eq!(wabill(&args("stream")), memory);
    let text = String::from_utf8(memory).unwrap();
    assert!(
        text.contains("\nfree_customer_service,1,0,1,0,0.0000,USD\n"),
        "{text}"
    );
    assert!(text.contains("\nregular,1,1,0,0,0.0068,USD\n"), "{text}");
    // A failure event without a category merges into its message.
    assert!(
        text.contains("\nnot_delivered,1,0,0,1,0.0000,USD\n"),
        "{text}"
    );
}

/// A spreadsheet's `5511987654321.0` is rejected by both engines (the
/// batched customer lookup once took it for a 14-digit number).
#[test]
fn spreadsheet_numbers_are_rejected_by_both_engines() {
    let log = temp("spreadsheet.csv");
    std::fs::write(
        &log,
        "timestamp,customer,direction,category,message_id\n\
         2026-02-02T10:00:00Z,+5511987654321,out,utility,n01\n\
         2026-02-02T10:11:00Z,5511987654321.0,out,utility,n12\n",
    )
    .unwrap();
    for engine in ["memory", "stream"] {
        let out = crate::util::wabill()
            .args(["estimate", "--engine", engine, "--format", "csv"])
            .arg(&log)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(":3:2: customer \"5511987654321.0\": looks like a spreadsheet number"),
            "{engine}: {stderr}"
        );
    }
}

/// The streaming engine's counters of what it held at most
/// (`WABILL_STREAM_STATS`): customer ids given, customers held, pairs held.
fn stream_stats(args: &[&str]) -> (Vec<u8>, [u64; 3]) {
    let out = crate::util::wabill()
        .args(args)
        .env("WABILL_STREAM_STATS", "1")
        .output()
        .expect("wabill runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    let line = stderr
        .lines()
        .find_map(|l| l.strip_prefix("wabill: stream stats: "))
        .unwrap_or_else(|| panic!("no stats in {stderr:?}"));
    // The counts, then `; ` and the time per stage.
    let (counts, _) = line.split_once("; ").expect("counts, then times");
    let numbers: Vec<u64> = counts
        .split(", ")
        .map(|part| part.rsplit(' ').next().unwrap().parse().unwrap())
        .collect();
    (out.stdout, numbers.try_into().unwrap())
}

fn distinct_customers(log: &Path) -> u64 {
    let text = std::fs::read_to_string(log).unwrap();
    let mut header = text.lines().next().unwrap().split(',');
    let column = header.position(|c| c == "customer").unwrap();
    let set: std::collections::HashSet<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(column).unwrap())
        .collect();
    set.len() as u64
}

/// Memory follows open windows: over 60 days, most customers are seen on
/// a few days only, and streaming forgets each one two days after its
/// windows close (its id goes to later customers), yet prints the same
/// bytes as sorting in memory, which never forgets.
#[test]
fn many_short_lived_customers_stream_the_same_with_bounded_state() {
    let log = temp("short-lived.csv");
    wabill(&[
        "generate",
        "--rows",
        "150k",
        "--seed",
        "11",
        "--customers",
        "150000",
        "--days",
        "60",
        "--start",
        "2026-08-20",
        "--entry-point-share",
        "0.3",
        "--status-event-share",
        "0.3",
        "-o",
        log.to_str().unwrap(),
    ]);
    let memory = report("memory", &[&log]);
    let card = flat_card();
    let (stream, [ids, customers, pairs]) = stream_stats(&[
        "estimate",
        "-q",
        "--engine",
        "stream",
        "--format",
        "csv",
        "--rates",
        card.to_str().unwrap(),
        "--by",
        "day,business,market,category,pricing_type",
        log.to_str().unwrap(),
    ]);
    assert_eq!(stream, memory);
    // Shards learn and forget customers under ids of their own, reused.
    for threads in THREADS {
        let sharded = report_with("stream", &[&log], &["--threads", threads]);
        assert!(sharded == memory, "--threads {threads}");
    }
    let distinct = distinct_customers(&log);
    assert!(
        ids > distinct,
        "customers forgotten and seen again get ids again"
    );
    assert!(
        customers * 3 < distinct,
        "{customers} of {distinct} held at once"
    );
    assert!(
        pairs <= customers * 4,
        "{pairs} pairs for {customers} customers"
    );
}

/// A customer forgotten while away comes back with nothing open, and one
/// whose free entry point window is still open keeps it, however many
/// customers come and go (and take forgotten ids) in between.
#[test]
fn forgetting_keeps_open_windows_and_reuses_ids_safely() {
    let log = temp("returning.csv");
    let t0 = 1_769_990_400i64; // 2026-02-02T00:00:00Z
    let at = |s: i64| jiff::Timestamp::from_second(t0 + s).unwrap().to_string();
    let h = 3600;
    let mut rows = vec![
        (0, format!("{},+5511987650001,in,,1", at(0))),
        (h, format!("{},+5511987650001,out,utility,", at(h))),
        // Inside the 72 h free entry point window the reply opened.
        (
            72 * h,
            format!("{},+5511987650001,out,marketing,", at(72 * h)),
        ),
        // Long after it, and after the customer was forgotten.
        (
            7 * 24 * h,
            format!("{},+5511987650001,out,marketing,", at(7 * 24 * h)),
        ),
        (
            7 * 24 * h + 60,
            format!("{},+5511987650001,in,,", at(7 * 24 * h + 60)),
        ),
        (
            7 * 24 * h + 120,
            format!("{},+5511987650001,out,utility,", at(7 * 24 * h + 120)),
        ),
    ];
    // Four one-off customers a minute for eight days.
    for i in 0..4 * 60 * 24 * 8 {
        let s = 2 * h + i / 4 * 60 + i % 4;
        rows.push((s, format!("{},+49151{:07},out,marketing,", at(s), i)));
    }
    rows.sort_by_key(|(s, _)| *s);
    let body: Vec<String> = rows.into_iter().map(|(_, r)| r).collect();
    std::fs::write(
        &log,
        format!(
            "timestamp,customer,direction,category,entry_point\n{}\n",
            body.join("\n")
        ),
    )
    .unwrap();
    let args = |engine| {
        [
            "estimate",
            "-q",
            "--engine",
            engine,
            "--format",
            "csv",
            "--by",
            "pricing_type",
            log.to_str().unwrap(),
        ]
    };
    let memory = wabill(&args("memory"));
    let (stream, [ids, customers, _]) = stream_stats(&args("stream"));
    assert_eq!(stream, memory);
    for threads in THREADS {
        let run = [&args("stream")[..], &["--threads", threads]].concat();
        assert!(wabill(&run) == memory, "--threads {threads}");
    }
    let text = String::from_utf8(memory).unwrap();
    assert!(text.contains("\nfree_entry_point,2,0,2,"), "{text}");
    assert!(text.contains("\nfree_customer_service,1,0,1,"), "{text}");
    assert!(ids == 46_082, "the returning customer gets a new id: {ids}");
    assert!(customers < 46_081 / 2, "{customers} held at once");
}

/// Every `estimate` case of the golden corpus (tests/cmd/estimate) prints
/// the same bytes and exits the same way with every thread count as in
/// memory: tiers, the 2026-10 service allowance, conversations, groups,
/// status events joined by id, duplicates, failures, unpriced and rejected
/// rows. Cases that read standard input or pick the engine are left out.
#[test]
fn corpus_cases_print_the_same_bytes_with_every_thread_count() {
    let dir = crate::util::root().join("tests/cmd/estimate");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    let mut compared = 0;
    for case in cases {
        let toml = std::fs::read_to_string(&case).unwrap();
        let Some(args) = toml
            .lines()
            .find_map(|l| l.strip_prefix("args = "))
            .and_then(|a| serde_json::from_str::<Vec<String>>(a).ok())
        else {
            continue;
        };
        let stdin_or_picks = ["-", "--engine", "--threads"];
        if args.first().is_none_or(|a| a != "estimate")
            || args.iter().any(|a| stdin_or_picks.contains(&a.as_str()))
            || case.with_extension("stdin").exists()
        {
            continue;
        }
        // Run in a copy of the case's files: a case may write some.
        let input = case.with_extension("in");
        let sandbox = tempfile::tempdir().unwrap();
        if input.is_dir() {
            for file in std::fs::read_dir(&input).unwrap() {
                let file = file.unwrap().path();
                std::fs::copy(&file, sandbox.path().join(file.file_name().unwrap())).unwrap();
            }
        }
        let run = |extra: &[&str]| {
            let out = crate::util::wabill()
                .current_dir(sandbox.path())
                .args(&args)
                .args(extra)
                .output()
                .unwrap();
            (out.status.code(), out.stdout)
        };
        let memory = run(&["--engine", "memory"]);
        for threads in THREADS {
            assert!(
                run(&["--threads", threads]) == memory,
                "{}: --threads {threads} differs from --engine memory",
                case.display()
            );
        }
        compared += 1;
    }
    assert!(compared > 40, "only {compared} cases compared");
}

/// A log in time order with what makes the shards' order matter: ties
/// within a second, a few businesses (one with most of the traffic, so its
/// 1,000 free service messages of 2026-10 run out), groups whose
/// participants are also one-to-one customers, inbound rows (some from an
/// ad), status events and exact duplicates joined by id, failures and
/// rejected rows. `groups`: whether group messages are written (the
/// conversation models have none); `pace` stretches the time between rows
/// (customers are then forgotten between their rows and their ids reused).
fn mixed_log(seed: u64, start: i64, rows: usize, groups: bool, pace: i64) -> String {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    let mut text = String::from(
        "timestamp,business,customer,direction,category,message_id,status,group,entry_point\n",
    );
    let mut t = start;
    let mut recent: Vec<String> = Vec::new();
    for i in 0..rows {
        t += [0, 0, 1, 5, 20, 60][next(6) as usize] * pace;
        let at = jiff::Timestamp::from_second(t).unwrap();
        let business = ["+551140000001", "+551140000002", "+919810099999"]
            [[0, 0, 0, 0, 1, 2][next(6) as usize]];
        let customer = match next(10) {
            0 => format!("+91981{:07}", next(80)),
            _ => format!("+5511987{:06}", next(400)),
        };
        let row = match next(12) {
            0 | 1 => format!(
                "{at},{business},{customer},in,,m{i},,,{}",
                if next(20) == 0 { "1" } else { "" }
            ),
            2..=5 => format!("{at},{business},{customer},out,service,m{i},delivered,,"),
            6 => format!("{at},{business},{customer},out,utility,m{i},sent,,"),
            7 => format!("{at},{business},{customer},out,marketing,m{i},read,,"),
            8 => format!("{at},{business},{customer},out,authentication,m{i},failed,,"),
            9 if groups => {
                let category =
                    ["group_service", "group_utility", "group_marketing"][next(3) as usize];
                let direction = if next(4) == 0 { "in" } else { "out" };
                let category = if direction == "in" { "" } else { category };
                format!(
                    "{at},{business},{customer},{direction},{category},g{i},delivered,G{},",
                    next(25)
                )
            }
            10 if !recent.is_empty() => {
                // A later row of a recent message: a status event, or
                // the very same row again.
                let earlier = &recent[next(recent.len() as u64) as usize];
                let fields: Vec<&str> = earlier.split(',').collect();
                let status = ["delivered", "read", "failed", fields[6]][next(4) as usize];
                format!(
                    "{at},{},{status},{},{}",
                    fields[1..6].join(","),
                    fields[7],
                    fields[8]
                )
            }
            11 => format!("{at},{business},not-a-number,out,utility,m{i},,,"),
            _ => format!("{at},{business},{customer},out,utility,m{i},delivered,,"),
        };
        if row.contains(",out,") && !row.contains(",G") {
            recent.push(row.clone());
            // Within the 24 h a message waits for its status events.
            if recent.len() > (40 / pace as usize).max(1) {
                recent.remove(0);
            }
        }
        text.push_str(&row);
        text.push('\n');
    }
    text
}

/// Generated logs where pricing depends on the order across pairs — volume
/// tiers crossed within a day (a `--tiers` table with small bands), the
/// service allowance of 2026-10 used up, conversations of the 2023 model —
/// print the same bytes with every thread count as in memory, seed after
/// seed.
#[test]
fn order_dependent_counters_agree_across_thread_counts() {
    let tiers = temp("small-tiers.csv");
    std::fs::write(
        &tiers,
        "market,category,from,to,rate,currency,effective_from\n\
         Brazil,utility,1,150,0.0068,USD,2026-01-01\n\
         Brazil,utility,151,600,0.0050,USD,2026-01-01\n\
         Brazil,utility,601,,0.0031,USD,2026-01-01\n\
         Brazil,authentication,1,40,0.0300,USD,2026-01-01\n\
         Brazil,authentication,41,,0.0200,USD,2026-01-01\n",
    )
    .unwrap();
    // 2026-09-30 12:00 UTC: the allowance starts within the log.
    let late_2026 = 1_790_769_600;
    // 2024-10-31 12:00 UTC: conversation-2023, service conversations
    // counted against the month's free ones, then (November) free; the
    // built-in conversation card starts on 2024-11-01 (unpriced before).
    let conversations = 1_730_376_000;
    for seed in 1..=3u64 {
        let by = "day,business,market,category,pricing_type";
        let cases: [(&str, String, Vec<&str>); 3] = [
            (
                "2026",
                mixed_log(seed, late_2026, 9_000, true, 1),
                vec!["--tiers", tiers.to_str().unwrap(), "--by", by],
            ),
            (
                "2026-sparse",
                mixed_log(seed, late_2026, 9_000, true, 150),
                vec![
                    "--tiers",
                    tiers.to_str().unwrap(),
                    "--by",
                    "day,business,market,category,pricing_type",
                ],
            ),
            (
                "2024",
                mixed_log(seed, conversations, 6_000, false, 1),
                vec!["--by", "day,business,market,conversation_type,pricing_type"],
            ),
        ];
        for (name, text, extra) in cases {
            let log = temp(&format!("mixed-{name}-{seed}.csv"));
            std::fs::write(&log, text).unwrap();
            let run = |more: &[&str]| {
                let out = crate::util::wabill()
                    .args(["estimate", "-q", "--format", "csv"])
                    .args(&extra)
                    .args(more)
                    .arg(&log)
                    .output()
                    .unwrap();
                (out.status.code(), String::from_utf8(out.stdout).unwrap())
            };
            let memory = run(&["--engine", "memory"]);
            assert!(
                memory.1.lines().count() > 20,
                "{name}: a real report: {memory:?}"
            );
            for threads in THREADS {
                assert!(
                    run(&["--engine", "stream", "--threads", threads]) == memory,
                    "{name}, seed {seed}: --threads {threads} differs"
                );
            }
        }
    }
}
