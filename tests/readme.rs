//! Every ```console block of README.md and of the guide (docs/guide/*.md) runs as written, from the repository root of a fresh
//! clone, and prints exactly what the README shows.
//!
//! - Only blocks fenced exactly ```console are run. A block whose output depends on the
//!   clock or the machine (benchmark numbers, timings, progress bars), or that is only an
//!   illustration, uses another fence (```text, ```sh).
//! - In a block, a line starting with `$ ` is a command (a trailing `\` continues it on the
//!   next line); the lines after it, up to the next command or the fence, are its output:
//!   stdout and stderr merged in the order they were written, compared exactly except for
//!   trailing whitespace. Commands run through `sh` with the built `wabill` first on PATH.
//! - `echo $?` prints the exit code of the block's previous command; `cd DIR` changes the
//!   directory for the rest of the block. Each block starts at the repository root.
//! - The inputs live in the repository (`data/`, mostly `data/examples/`). Commands run in a
//!   scratch directory whose entries are symlinks to the repository's top level, so a
//!   command that writes a file (the merge example's `parts/`) writes there, never into the
//!   repository.
//!
//! A mismatch fails with the README line of the command and a diff (`-` README, `+` wabill).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One `$ ` command of a console block and the output the README shows for it.
struct Step {
    line: usize,
    command: String,
    expected: Vec<String>,
}

/// The console blocks of a README, each as its steps; `line` numbers are 1-based.
fn console_blocks(readme: &str) -> Vec<(usize, Vec<Step>)> {
    let mut blocks = Vec::new();
    let mut lines = readme.lines().enumerate().map(|(i, l)| (i + 1, l));
    while let Some((open, line)) = lines.next() {
        if line.trim_end() != "```console" {
            continue;
        }
        let mut steps: Vec<Step> = Vec::new();
        let mut continued = false;
        for (n, line) in lines.by_ref() {
            if line.starts_with("```") {
                break;
            }
            if continued {
                let step = steps.last_mut().expect("a continued command");
                step.command.push('\n');
                step.command.push_str(line);
                continued = line.ends_with('\\');
            } else if let Some(command) = line.strip_prefix("$ ") {
                continued = command.ends_with('\\');
                steps.push(Step {
                    line: n,
                    command: command.to_string(),
                    expected: Vec::new(),
                });
            } else {
                match steps.last_mut() {
                    Some(step) => step.expected.push(line.to_string()),
                    None => {
                        panic!("README.md:{n}: output before any `$ ` command in a console block")
                    }
                }
            }
        }
        assert!(
            !steps.is_empty(),
            "README.md:{open}: a console block without a command"
        );
        blocks.push((open, steps));
    }
    blocks
}

/// Lines without trailing whitespace, and without trailing empty lines.
fn normalise<S: AsRef<str>>(lines: &[S]) -> Vec<String> {
    let mut out: Vec<String> = lines
        .iter()
        .map(|l| l.as_ref().trim_end().to_string())
        .collect();
    while out.last().is_some_and(|l| l.is_empty()) {
        out.pop();
    }
    out
}

/// A line diff (longest common subsequence): `-` README only, `+` output only, and two
/// lines of context around each change (`  …` for the lines left out).
fn diff(expected: &[String], actual: &[String]) -> String {
    let (n, m) = (expected.len(), actual.len());
    let mut lcs = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if expected[i] == actual[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut lines) = (0, 0, Vec::new());
    while i < n || j < m {
        if i < n && j < m && expected[i] == actual[j] {
            lines.push(("  ", &expected[i]));
            (i, j) = (i + 1, j + 1);
        } else if j < m && (i == n || lcs[i][j + 1] > lcs[i + 1][j]) {
            lines.push(("+ ", &actual[j]));
            j += 1;
        } else {
            lines.push(("- ", &expected[i]));
            i += 1;
        }
    }
    const CONTEXT: usize = 2;
    let changed: Vec<usize> = (0..lines.len()).filter(|&k| lines[k].0 != "  ").collect();
    let near = |k: usize| changed.iter().any(|&c| c.abs_diff(k) <= CONTEXT);
    let mut out = String::new();
    let mut skipped = false;
    for (k, (mark, line)) in lines.iter().enumerate() {
        if near(k) {
            let _ = writeln!(out, "{mark}{line}");
            skipped = false;
        } else if !skipped {
            out.push_str("  …\n");
            skipped = true;
        }
    }
    out
}

/// A scratch directory standing for the repository root: a symlink to each top-level entry
/// (but `target/`), so commands read the repository's files and write beside them.
fn scratch_root(repo: &Path, doc: usize, block: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "wabill-readme-{}-{doc}-{block}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch directory");
    for entry in std::fs::read_dir(repo).expect("read the repository root") {
        let entry = entry.expect("a repository entry");
        if entry.file_name() == "target" {
            continue;
        }
        std::os::unix::fs::symlink(entry.path(), dir.join(entry.file_name()))
            .expect("link a repository entry");
    }
    dir
}

#[test]
fn readme_console_examples_print_what_the_readme_shows() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_wabill"))
        .parent()
        .expect("the binary's directory")
        .to_path_buf();
    let mut path = std::ffi::OsString::from(&bin_dir);
    if let Some(old) = std::env::var_os("PATH") {
        path.push(":");
        path.push(old);
    }

    // A clean environment, as on a fresh machine: no NO_COLOR, no WABILL_* debugging switch.
    let kept_env: Vec<(String, String)> = ["HOME", "TMPDIR"]
        .iter()
        .filter_map(|k| std::env::var(k).ok().map(|v| (k.to_string(), v)))
        .collect();

    let mut failures = Vec::new();
    let mut commands = 0;
    for (d, name) in documents(repo).iter().enumerate() {
        let text =
            std::fs::read_to_string(repo.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let blocks = console_blocks(&text);
        if name == "README.md" {
            assert!(!blocks.is_empty(), "README.md has no ```console block");
        }
        run_blocks(
            repo,
            d,
            name,
            &blocks,
            &kept_env,
            &path,
            &mut failures,
            &mut commands,
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {commands} commands of the README and guide print something else than \
         they show (- document, + wabill):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// README.md, then the guide's pages in name order.
fn documents(repo: &Path) -> Vec<String> {
    let mut guide: Vec<String> = std::fs::read_dir(repo.join("docs/guide"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter(|n| n.ends_with(".md"))
                .map(|n| format!("docs/guide/{n}"))
                .collect()
        })
        .unwrap_or_default();
    guide.sort();
    std::iter::once("README.md".to_string())
        .chain(guide)
        .collect()
}

/// Runs each block's commands in a fresh scratch root; a mismatch is a failure naming
/// the document's line.
#[allow(clippy::too_many_arguments)]
fn run_blocks(
    repo: &Path,
    doc: usize,
    name: &str,
    blocks: &[(usize, Vec<Step>)],
    kept_env: &[(String, String)],
    path: &std::ffi::OsString,
    failures: &mut Vec<String>,
    commands: &mut usize,
) {
    for (b, (_, steps)) in blocks.iter().enumerate() {
        let root = scratch_root(repo, doc, b);
        let mut cwd = root.clone();
        let mut last_status: Option<i32> = None;
        for step in steps {
            *commands += 1;
            let command = step.command.trim();
            let actual: Vec<String> = if command == "echo $?" {
                match last_status {
                    Some(code) => vec![code.to_string()],
                    None => vec!["(no command before `echo $?` in this block)".into()],
                }
            } else if let Some(dir) = command.strip_prefix("cd ") {
                cwd = cwd.join(dir.trim());
                if cwd.is_dir() {
                    Vec::new()
                } else {
                    vec![format!("(no directory {})", cwd.display())]
                }
            } else {
                // `exec 2>&1` first: stderr joins stdout in one pipe, in the order written,
                // for every command of a pipeline or loop.
                let out = Command::new("sh")
                    .arg("-c")
                    .arg(format!("exec 2>&1\n{}", step.command))
                    .current_dir(&cwd)
                    .env_clear()
                    .envs(kept_env.iter().cloned())
                    .env("PATH", path)
                    .stdin(Stdio::null())
                    .stderr(Stdio::null())
                    .output()
                    .expect("run sh");
                last_status = out.status.code();
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .map(str::to_string)
                    .collect()
            };
            let (expected, actual) = (normalise(&step.expected), normalise(&actual));
            if expected != actual {
                failures.push(format!(
                    "{name}:{}: $ {}\n{}",
                    step.line,
                    step.command,
                    diff(&expected, &actual)
                ));
            }
        }
        let _ = std::fs::remove_dir_all(&root);
    }
}

#[test]
fn console_blocks_are_parsed_into_commands_and_outputs() {
    let text = "intro\n```console\n$ wabill a \\\n    --b\nout 1\nout 2\n$ echo $?\n0\n```\n\
                ```text\n$ not run\n```\n```console\n$ cd x\n$ wabill c\n```\n";
    let blocks = console_blocks(text);
    assert_eq!(blocks.len(), 2);
    let (open, steps) = &blocks[0];
    assert_eq!(*open, 2);
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0].line, 3);
    assert_eq!(steps[0].command, "wabill a \\\n    --b");
    assert_eq!(steps[0].expected, ["out 1", "out 2"]);
    assert_eq!(steps[1].command, "echo $?");
    assert_eq!(steps[1].expected, ["0"]);
    assert_eq!(blocks[1].1.len(), 2);
    assert!(blocks[1].1.iter().all(|s| s.expected.is_empty()));
}

#[test]
fn the_diff_marks_missing_and_extra_lines() {
    let lines = |s: &[&str]| s.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    let d = diff(&lines(&["a", "b", "c"]), &lines(&["a", "x", "c", "d"]));
    assert_eq!(d, "  a\n- b\n+ x\n  c\n+ d\n");
    let long: Vec<String> = (0..10).map(|k| k.to_string()).collect();
    let mut changed = long.clone();
    changed[7] = "seven".into();
    assert_eq!(
        diff(&long, &changed),
        "  …\n  5\n  6\n- 7\n+ seven\n  8\n  9\n"
    );
    assert_eq!(normalise(&["a  ", "", " "]), ["a"]);
}

/// The guide's input table (docs/guide/input.md, "## Input: the message log") names every
/// column of the record (`wabill::input::Column`, the one declaration),
/// each once, with its other header (`(or `type`)`) and whether it is
/// required; nothing else.
#[test]
fn the_input_table_lists_the_record_columns() {
    use wabill::input::Column;
    let repo = crate::util::root();
    let guide = std::fs::read_to_string(repo.join("docs/guide/input.md"))
        .expect("read docs/guide/input.md");
    let section = guide
        .split("\n## Input: the message log\n")
        .nth(1)
        .expect("the guide has an input section");
    let mut seen: Vec<(String, Option<String>, bool)> = Vec::new();
    for row in section
        .lines()
        .skip_while(|l| !l.starts_with("| column |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
    {
        let cells: Vec<&str> = row.trim_matches('|').split(" | ").collect();
        let (names, required) = (cells[0].trim(), cells[1].trim() == "yes");
        let (names, other) = match names.split_once(" (or ") {
            Some((n, o)) => (
                n,
                Some(o.trim_end_matches(')').trim_matches('`').to_string()),
            ),
            None => (names, None),
        };
        for name in names.split(", ") {
            seen.push((name.trim_matches('`').to_string(), other.clone(), required));
        }
    }
    let want: Vec<(String, Option<String>, bool)> = Column::ALL
        .iter()
        .map(|c| {
            let other = match *c {
                // Written in the row's meaning, with the columns beside it.
                Column::PricingType | Column::PricingCategory | Column::PricingBillable => None,
                _ => c.alias().or(c.fallback()).map(str::to_string),
            };
            (c.name().to_string(), other, c.required())
        })
        .collect();
    let mut sorted = seen.clone();
    sorted.sort();
    let mut want_sorted = want.clone();
    want_sorted.sort();
    assert_eq!(
        sorted, want_sorted,
        "docs/guide/input.md input table (name, other header, required)"
    );
    for c in [
        Column::PricingType,
        Column::PricingCategory,
        Column::PricingBillable,
    ] {
        let alias = c.alias().expect("a dotted name");
        assert!(
            section.contains(&format!("`{alias}`")),
            "README names {alias}"
        );
    }
}

/// Every relative link of the README, the guide and the architecture page
/// leads to a file of the repository, and an `#anchor` to one of its
/// headings (GitHub's slugs).
#[test]
fn links_of_the_docs_lead_somewhere() {
    let repo = crate::util::root();
    let slug = |heading: &str| -> String {
        heading
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || *c == '-' || *c == ' ' || *c == '_')
            .map(|c| if c == ' ' { '-' } else { c })
            .collect()
    };
    let mut docs = documents(repo);
    docs.push("docs/architecture.md".into());
    let mut broken = Vec::new();
    for doc in &docs {
        let text = std::fs::read_to_string(repo.join(doc)).unwrap();
        let dir = Path::new(doc).parent().unwrap_or(Path::new(""));
        let mut rest = text.as_str();
        while let Some(at) = rest.find("](") {
            rest = &rest[at + 2..];
            let Some(end) = rest.find(')') else { break };
            let link = &rest[..end];
            if link.starts_with("http") || link.contains(' ') {
                continue;
            }
            let (path, anchor) = link.split_once('#').unwrap_or((link, ""));
            let target = if path.is_empty() {
                repo.join(doc)
            } else {
                repo.join(dir).join(path)
            };
            if !target.exists() {
                broken.push(format!("{doc}: {link}"));
                continue;
            }
            if !anchor.is_empty() && target.extension().is_some_and(|e| e == "md") {
                let page = std::fs::read_to_string(&target).unwrap();
                let found = page
                    .lines()
                    .filter_map(|l| {
                        l.trim_start_matches('#')
                            .strip_prefix(' ')
                            .filter(|_| l.starts_with('#'))
                    })
                    .any(|h| slug(h) == anchor);
                if !found {
                    broken.push(format!("{doc}: {link}"));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links that lead nowhere:\n{}",
        broken.join("\n")
    );
}
