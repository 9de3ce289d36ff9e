//! The module graph has no cycle: for each top-level module of each crate's
//! `src/` (the library, `crates/wabill`, and the command, `crates/wabill-cli`), the
//! other top-level modules its non-test code names (`crate::x`, or `x::`
//! inside a `use crate::{…}` list), and a depth-first search for a cycle.
//! Layers then stay layers: `render` lays out reports, reports never call
//! back into `render` (they share `display`), and `validate` does not
//! depend on `pricing`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The code of a file without its unit tests (everything from the first
/// `#[cfg(test)]` on; test-only files are skipped by the caller).
fn production_code(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |i| &text[..i])
}

/// Top-level module names a piece of code refers to.
fn names(code: &str) -> BTreeSet<String> {
    names_after(code, "crate::")
}

/// The first segment of each path a piece of code writes after `prefix`
/// (`crate::`, `super::`, `crate::render::`).
fn names_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices(prefix) {
        // `crate::render::x` is not `render::x` inside another path.
        if code[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let rest = &code[i + prefix.len()..];
        if let Some(list) = rest.strip_prefix('{') {
            // `use crate::{a::X, b::{Y, Z}}`: the first segment of each path.
            let end = list.find(';').unwrap_or(list.len());
            let mut depth = 0;
            let mut start = true;
            for (j, c) in list[..end].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && (c.is_ascii_alphabetic() || c == '_') => {
                        let name = ident(&list[j..]);
                        if list[j + name.len()..].starts_with("::") {
                            found.insert(name);
                        }
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(ident(rest));
        }
    }
    found
}

fn graph(src: &Path) -> Graph {
    let mut graph = Graph::new();
    let mut visit = |top: &str, path: &Path| {
        let text = fs::read_to_string(path).unwrap();
        let edges = graph.entry(top.to_string()).or_default();
        for name in names(production_code(&text)) {
            if name != top {
                edges.insert(name);
            }
        }
    };
    for entry in fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        if path.is_dir() {
            let mut stack = vec![path];
            while let Some(dir) = stack.pop() {
                for e in fs::read_dir(&dir).unwrap() {
                    let p = e.unwrap().path();
                    if p.is_dir() {
                        stack.push(p);
                    } else if p.extension().is_some_and(|x| x == "rs")
                        && p.file_name().is_some_and(|f| f != "tests.rs")
                    {
                        visit(&name, &p);
                    }
                }
            }
        } else if path.extension().is_some_and(|x| x == "rs") {
            visit(&name, &path);
        }
    }
    graph
}

/// A cycle through the graph, as the modules on it, if there is one.
fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn walk(
        graph: &Graph,
        node: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|n| n == node) {
            let mut found = path[i..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if !done.insert(node.to_string()) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = walk(graph, next, path, done) {
                return Some(c);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|start| walk(graph, start, &mut Vec::new(), &mut done))
}

fn crate_src(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("crates")
        .join(name)
        .join("src")
}

/// The graph of one folder's modules (`dir`, the module `path` such as
/// `render`): its files and subfolders, `mod.rs` aside (it is the folder
/// itself), with an edge where one names a sibling (`super::x` in a file of
/// the folder, `crate::render::x` anywhere in it).
fn folder_graph(dir: &Path, path: &str) -> Graph {
    let node = |p: &Path| p.file_stem().unwrap().to_str().unwrap().to_string();
    let mut members = BTreeMap::new();
    for entry in fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        let name = node(&p);
        if p.is_dir()
            || (p.extension().is_some_and(|x| x == "rs") && name != "mod" && name != "tests")
        {
            members.insert(name, p);
        }
    }
    let absolute = format!("crate::{path}::");
    let mut graph = Graph::new();
    for (name, p) in &members {
        let mut files = vec![(p.clone(), true)];
        let mut stack = vec![p.clone()];
        while let Some(d) = stack.pop().filter(|d| d.is_dir()) {
            for e in fs::read_dir(&d).unwrap() {
                let f = e.unwrap().path();
                if f.is_dir() {
                    stack.push(f);
                } else if f.extension().is_some_and(|x| x == "rs") && node(&f) != "tests" {
                    files.push((f, false));
                }
            }
        }
        let edges = graph.entry(name.clone()).or_default();
        for (file, direct) in files.into_iter().filter(|(f, _)| f.is_file()) {
            let text = fs::read_to_string(&file).unwrap();
            let code = production_code(&text);
            let mut found = names_after(code, &absolute);
            if direct {
                found.extend(names_after(code, "super::"));
            }
            edges.extend(
                found
                    .into_iter()
                    .filter(|n| n != name && members.contains_key(n)),
            );
        }
    }
    graph
}

/// Every folder of a crate's `src/` with its module path.
fn folders(src: &Path) -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![(src.to_path_buf(), String::new())];
    while let Some((dir, path)) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                let name = p.file_name().unwrap().to_str().unwrap().to_string();
                let sub = if path.is_empty() {
                    name
                } else {
                    format!("{path}::{name}")
                };
                stack.push((p.clone(), sub.clone()));
                out.push((p, sub));
            }
        }
    }
    out.sort();
    out
}

/// Edges left out of the folder check, each with its reason (none now:
/// the JSON number copy that made `input/envelope.rs` ↔ `input/provider.rs`
/// a cycle is `input/exact.rs`).
const KNOWN_CYCLE_EDGES: &[(&str, &str, &str)] = &[];

#[test]
fn no_folder_has_an_import_cycle() {
    let mut cycles = Vec::new();
    for krate in ["wabill", "wabill-cli"] {
        let src = crate_src(krate);
        let all = folders(&src);
        assert!(!all.is_empty(), "read the folders of {krate}: {all:?}");
        for (dir, path) in all {
            let mut graph = folder_graph(&dir, &path);
            for (folder, from, to) in KNOWN_CYCLE_EDGES {
                if krate == "wabill" && path == *folder {
                    graph.get_mut(*from).map(|e| e.remove(*to));
                }
            }
            if let Some(c) = cycle(&graph) {
                cycles.push(format!("{krate} {path}/: {}", c.join(" → ")));
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles inside folders:\n{}",
        cycles.join("\n")
    );
}

#[test]
fn the_folder_check_sees_siblings() {
    let render = folder_graph(&crate_src("wabill").join("render"), "render");
    assert!(
        render["html"].contains("grid"),
        "edges are found: {render:?}"
    );
    assert!(!render.contains_key("mod"));
}

#[test]
fn the_module_graph_has_no_cycle() {
    let graph = graph(&crate_src("wabill"));
    assert!(graph.len() > 10, "read the modules: {graph:?}");
    assert!(graph["render"].contains("report"), "edges are found");
    if let Some(c) = cycle(&graph) {
        panic!("import cycle: {}", c.join(" → "));
    }
    assert!(!graph["validate"].contains("pricing"));
    assert!(!graph["report"].contains("render"));
}

#[test]
fn the_command_modules_have_no_cycle() {
    let graph = graph(&crate_src("wabill-cli"));
    assert!(graph["cli"].contains("app"), "edges are found: {graph:?}");
    // A command holds its own arguments and takes the shared groups from
    // `flags`; the command list (`cli`) is above it.
    assert!(!graph["app"].contains("cli"));
    assert!(graph["app"].contains("flags"));
    if let Some(c) = cycle(&graph) {
        panic!("import cycle: {}", c.join(" → "));
    }
}

/// The library knows no argument parser and no catch-all error type: Cargo
/// keeps them out, since a crate can only use what its manifest lists.
#[test]
fn the_library_depends_on_no_cli_crate() {
    let manifest =
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/wabill/Cargo.toml"))
            .unwrap();
    let manifest: toml::Table = manifest.parse().unwrap();
    let deps = manifest["dependencies"].as_table().unwrap();
    assert!(deps.contains_key("csv"), "read the dependencies: {deps:?}");
    for forbidden in ["clap", "clap_complete", "clap_mangen", "anyhow", "anstream"] {
        assert!(
            !deps.contains_key(forbidden),
            "crates/wabill depends on {forbidden}"
        );
    }
}

#[test]
fn the_check_sees_a_cycle_and_use_lists() {
    let mut g = Graph::new();
    g.entry("a".into()).or_default().insert("b".into());
    g.entry("b".into()).or_default().insert("c".into());
    g.entry("c".into()).or_default().insert("a".into());
    assert_eq!(cycle(&g).unwrap(), ["a", "b", "c", "a"]);
    g.get_mut("c").unwrap().clear();
    assert_eq!(cycle(&g), None);

    let code = "use crate::{model::{A, B}, pricing::Pricer};\nlet x = crate::render::plural(1, \"a\");\n#[cfg(test)]\nuse crate::app::run;";
    assert_eq!(
        names(production_code(code)),
        ["model", "pricing", "render"]
            .map(String::from)
            .into_iter()
            .collect()
    );
}
