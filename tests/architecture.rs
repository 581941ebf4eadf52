//! The layout shows the architecture, and stays that way: no module imports one that imports
//! it back (directly or around a circle), the GoTrue client and the database reads know nothing of the console, and
//! the console knows nothing of the terminal, the demo server, the config file or the command
//! line. Read from the sources, so a new `use` that breaks it fails here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Every module of the library (`console::app`, `ops::bulk::model`, …) and its source.
fn modules() -> BTreeMap<String, String> {
    fn walk(dir: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).expect("src") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))
                    .expect("under src")
                    .with_extension("");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts == ["main"] {
                    continue;
                }
                if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                    parts.pop();
                }
                let text = std::fs::read_to_string(&path).expect("readable");
                // Unit tests may reach anywhere.
                let text = match text.find("#[cfg(test)]\nmod tests") {
                    Some(i) => text[..i].to_owned(),
                    None => text,
                };
                // Comments name modules without using them.
                let code: String = text
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect::<Vec<_>>()
                    .join("\n");
                out.insert(parts.join("::"), code);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src")),
        &mut out,
    );
    out
}

/// `crate::a::b::C` (or `super::b::C`) → the longest module it names.
fn referenced(text: &str, from: &str, mods: &BTreeMap<String, String>) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    // A file's `super::` is its parent module.
    let parent = from.rsplit_once("::").map_or("", |(p, _)| p);
    let text = text.replace("super::", &format!("crate::{parent}::"));
    let text = text.replace("crate::::", "crate::");
    let mut rest = text.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let path: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
        for n in (1..=parts.len()).rev() {
            let candidate = parts[..n].join("::");
            if mods.contains_key(&candidate) {
                // A module and its own parent or children are one unit.
                let related = candidate == from
                    || from.starts_with(&format!("{candidate}::"))
                    || candidate.starts_with(&format!("{from}::"));
                if !related {
                    out.insert(candidate);
                }
                break;
            }
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let mods = modules();
    mods.iter()
        .map(|(m, text)| (m.clone(), referenced(text, m, &mods)))
        .collect()
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let g = graph();
    assert!(g.contains_key("console::app") && g.contains_key("ops::bulk::model"));
    // Tarjan's strongly connected components: any with two or more modules is a circle.
    struct State<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on: BTreeSet<&'a str>,
        next: usize,
        circles: Vec<Vec<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        s.index.insert(v, s.next);
        s.low.insert(v, s.next);
        s.next += 1;
        s.stack.push(v);
        s.on.insert(v);
        let g = s.g;
        for w in g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(lw);
            } else if s.on.contains(w) {
                let iw = s.index[w];
                let lv = s.low.get_mut(v).expect("visited");
                *lv = (*lv).min(iw);
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = s.stack.pop() {
                s.on.remove(w);
                comp.push(w.to_owned());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                comp.sort();
                s.circles.push(comp);
            }
        }
    }
    let mut s = State {
        g: &g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        circles: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    assert!(s.circles.is_empty(), "import circles: {:?}", s.circles);
}

#[test]
fn the_layers_point_one_way() {
    let g = graph();
    let forbidden = [
        // The client knows nothing of the UI or of what drives it.
        (
            "gotrue",
            &["console", "term", "demo", "ops", "config", "cli", "db"][..],
        ),
        // The database reads know nothing of the UI either (they share the client's types).
        (
            "db",
            &["console", "term", "demo", "ops", "config", "cli"][..],
        ),
        // The console knows nothing of the terminal, the demo server or the command line.
        ("console", &["term", "demo", "config", "cli", "doctor"][..]),
        // Shared work has no UI in it.
        ("ops", &["console", "term", "demo", "config", "cli"][..]),
        // The demo server shares no types with the client (a client bug cannot hide).
        ("demo", &["gotrue", "console", "term", "ops", "db"][..]),
    ];
    let mut wrong = Vec::new();
    for (m, deps) in &g {
        for (layer, never) in forbidden {
            if m == layer || m.starts_with(&format!("{layer}::")) {
                for d in deps {
                    let top = d.split("::").next().unwrap_or_default();
                    if never.contains(&top) {
                        wrong.push(format!("{m} uses {d}"));
                    }
                }
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
