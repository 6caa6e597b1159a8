//! The shape of the code, checked from its sources: shared plumbing knows no capability, and
//! no two capabilities need each other (no circle in the import graph between capabilities;
//! a capability that needs an answer from another declares its type and the other provides it
//! at start, see `app::Registry::provide`). Tests (`#[cfg(test)]` sections) may compose
//! anything and are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Modules that compose the whole product: they may name every capability.
const COMPOSITION: &[&str] = &["api", "startup", "demo", "fuzzing", "lib", "main"];

/// Shared plumbing: it never names a capability.
const PLUMBING: &[&str] = &[
    "app",
    "auth",
    "calendar",
    "clock",
    "config",
    "db",
    "error",
    "events",
    "jobs",
    "mail",
    "referential",
    "search",
    "telemetry",
    "types",
    "web",
];

/// The top-level modules each top-level module names (`crate::x` or `crate::{x, …}`), outside
/// comments and test sections.
fn import_graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("source folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(&src).expect("inside src");
            let first = relative.components().next().expect("a component");
            let module = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned();
            let text = std::fs::read_to_string(&path).expect("source file");
            let deps = graph.entry(module.clone()).or_default();
            for name in named_modules(&text) {
                if name != module {
                    deps.insert(name);
                }
            }
        }
    }
    graph
}

fn named_modules(text: &str) -> BTreeSet<String> {
    let code: String = text
        .lines()
        .take_while(|line| line.trim() != "#[cfg(test)]")
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut names = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a, b::c, d as e}`: the first identifier of each top-level item.
            let mut depth = 0;
            let mut item_start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && (c.is_ascii_alphabetic() || c == '_') => {
                        names.insert(ident(&group[i..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            names.insert(ident(rest));
        }
    }
    names.retain(|n| !n.is_empty() && n != "self");
    names
}

/// Strongly connected components of more than one module (Tarjan).
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct State<'a> {
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on_stack.insert(v);
        if let Some(deps) = s.graph.get(v) {
            for w in deps {
                let w = w.as_str();
                if !s.graph.contains_key(w) {
                    continue;
                }
                if !s.index.contains_key(w) {
                    visit(s, w);
                    let low = s.low[v].min(s.low[w]);
                    s.low.insert(v, low);
                } else if s.on_stack.contains(w) {
                    let low = s.low[v].min(s.index[w]);
                    s.low.insert(v, low);
                }
            }
        }
        if s.low[v] == s.index[v] {
            let mut component = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                component.insert(w.to_owned());
                if w == v {
                    break;
                }
            }
            if component.len() > 1 {
                s.found.push(component);
            }
        }
    }
    let mut state = State {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !state.index.contains_key(v.as_str()) {
            visit(&mut state, v);
        }
    }
    state.found
}

fn is_capability(module: &str) -> bool {
    !COMPOSITION.contains(&module) && !PLUMBING.contains(&module)
}

#[test]
fn plumbing_names_no_capability() {
    let graph = import_graph();
    let mut wrong = Vec::new();
    for module in PLUMBING {
        let deps = graph
            .get(*module)
            .unwrap_or_else(|| panic!("no module {module}"));
        for dep in deps
            .iter()
            .filter(|d| graph.contains_key(*d) && is_capability(d))
        {
            wrong.push(format!("{module} → {dep}"));
        }
    }
    assert!(wrong.is_empty(), "plumbing naming a capability: {wrong:?}");
}

#[test]
fn no_two_capabilities_need_each_other() {
    // Capabilities and the plumbing they use; the composition is left out (it names all).
    let graph: BTreeMap<String, BTreeSet<String>> = import_graph()
        .into_iter()
        .filter(|(m, _)| !COMPOSITION.contains(&m.as_str()))
        .collect();
    let with_capability: Vec<_> = circles(&graph)
        .into_iter()
        .filter(|c| c.iter().any(|m| is_capability(m)))
        .collect();
    assert!(
        with_capability.is_empty(),
        "circles through capabilities: {with_capability:?}"
    );
}

#[test]
fn the_reader_sees_grouped_and_plain_imports() {
    let names = named_modules(
        "use crate::{AppState, offers::store, web};\nuse crate::db::now;\n\
         // crate::basket in a comment\nfn f() { crate::mail::enqueue(); }\n\
         #[cfg(test)]\nmod tests { use crate::demo; }",
    );
    let expected: BTreeSet<String> = ["AppState", "offers", "web", "db", "mail"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(names, expected);
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(String::from).collect()))
    .collect();
    let found = circles(&graph);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].len(), 3);
}

/// Every extractor that reads what a request carries answers in French: handlers take
/// `web::extract::{Path, Query, Form, Json, Multipart}`, never axum's own (whose rejections
/// are English text and whose query reader refuses a repeated parameter).
#[test]
fn handlers_use_the_french_extractors() {
    const AXUM_EXTRACTORS: &[&str] = &["Path", "Query", "Form", "Json", "Multipart"];
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut wrong = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("source folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let relative = path.strip_prefix(&src).expect("inside src").to_owned();
            if path.extension().is_none_or(|e| e != "rs") || relative == Path::new("web/extract.rs")
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("source file");
            for line in text.lines() {
                let line = line.trim();
                let imported = line
                    .strip_prefix("use axum::extract::")
                    .map(|rest| {
                        rest.trim_matches(|c| c == '{' || c == '}' || c == ';')
                            .split(',')
                            .map(str::trim)
                            .any(|name| AXUM_EXTRACTORS.contains(&name))
                    })
                    .unwrap_or(false);
                let qualified = [
                    "axum::extract::Path",
                    "axum::extract::Query",
                    "axum::Form",
                    "axum::extract::Multipart",
                ]
                .iter()
                .any(|p| line.contains(p));
                if imported || qualified {
                    wrong.push(format!("{}: {line}", relative.display()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "axum's English extractors in handlers: {wrong:?}"
    );
}
