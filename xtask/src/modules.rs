//! The module graph of each crate, read from its sources, so that a test can
//! hold the rule that no modules import each other (no cycle among them).
//!
//! A module `a` uses `b` when its code names a path into `b` (`crate::b::..`,
//! `super::..` resolved, in `use` lines or inline). Paths between a module
//! and its own ancestors are left out: a parent declares and re-exports its
//! children, and a child reaching its parent's items is ordinary nesting.
//! Comments, doc comments and string literals are skipped, and so is the
//! code of `#[cfg(test)]`-style inline test modules, which are not part of
//! the library's structure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Module path (`"a::b"`, `""` for the root) to the modules it uses.
pub(crate) type Graph = BTreeMap<String, BTreeSet<String>>;

/// The graph of the crate whose `src` directory is `src`.
pub(crate) fn graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    collect(src, src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|(m, _)| m.clone()).collect();
    let mut graph = Graph::new();
    for (module, text) in &files {
        let mut uses = BTreeSet::new();
        for path in paths(&strip(text), module) {
            if let Some(target) = longest_module(&modules, &path) {
                if !related(module, &target) {
                    uses.insert(target);
                }
            }
        }
        graph.insert(module.clone(), uses);
    }
    graph
}

/// Every cycle's modules, one sorted list per strongly connected component
/// of more than one module.
pub(crate) fn cycles(graph: &Graph) -> Vec<Vec<String>> {
    // Kosaraju: order by finish time, then collect components on the reverse graph.
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    for node in graph.keys() {
        finish(graph, node, &mut seen, &mut order);
    }
    let mut reverse: Graph = graph.keys().map(|k| (k.clone(), BTreeSet::new())).collect();
    for (from, tos) in graph {
        for to in tos {
            reverse.entry(to.clone()).or_default().insert(from.clone());
        }
    }
    let mut assigned = BTreeSet::new();
    let mut found = Vec::new();
    for node in order.iter().rev() {
        let mut component = Vec::new();
        collect_component(&reverse, node, &mut assigned, &mut component);
        if component.len() > 1 {
            component.sort();
            found.push(component);
        }
    }
    found
}

fn finish(graph: &Graph, node: &str, seen: &mut BTreeSet<String>, order: &mut Vec<String>) {
    if !seen.insert(node.to_string()) {
        return;
    }
    for next in graph.get(node).into_iter().flatten() {
        finish(graph, next, seen, order);
    }
    order.push(node.to_string());
}

fn collect_component(
    reverse: &Graph,
    node: &str,
    assigned: &mut BTreeSet<String>,
    component: &mut Vec<String>,
) {
    if !assigned.insert(node.to_string()) {
        return;
    }
    component.push(node.to_string());
    for next in reverse.get(node).into_iter().flatten() {
        collect_component(reverse, next, assigned, component);
    }
}

/// `(module path, source)` of every `.rs` file under `dir`.
fn collect(src: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(src, &path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let relative = path.strip_prefix(src).unwrap().with_extension("");
        let mut parts: Vec<String> = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        if matches!(
            parts.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            parts.pop();
        }
        if let Ok(text) = std::fs::read_to_string(&path) {
            out.push((parts.join("::"), text));
        }
    }
}

/// The source with comments and string literals blanked out, and the bodies
/// of inline `mod tests`-like modules (those under a `cfg(... test ...)`)
/// removed.
fn strip(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let rest = &text[i..];
        if rest.starts_with("//") {
            let end = rest.find('\n').map_or(bytes.len(), |n| i + n);
            i = end;
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(bytes.len(), |n| i + n + 2);
            i = end;
        } else if rest.starts_with('"') {
            // Skip to the closing quote, honouring escapes.
            let mut j = i + 1;
            while j < bytes.len() && bytes[j] != b'"' {
                j += if bytes[j] == b'\\' { 2 } else { 1 };
            }
            out.push_str("\"\"");
            i = j + 1;
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    remove_test_modules(&out)
}

fn remove_test_modules(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(") {
        let attr_end = rest[at..].find(']').map_or(rest.len(), |n| at + n + 1);
        let attr = &rest[at..attr_end];
        let after = rest[attr_end..].trim_start();
        let is_test_mod = attr.contains("test") && after.starts_with("mod ") && {
            let header = after.split('{').next().unwrap_or("");
            !header.contains(';')
        };
        if !is_test_mod {
            out.push_str(&rest[..attr_end]);
            rest = &rest[attr_end..];
            continue;
        }
        out.push_str(&rest[..at]);
        // Skip the module's braced body.
        let open = attr_end + rest[attr_end..].find('{').unwrap_or(0);
        let mut depth = 0usize;
        let mut end = rest.len();
        for (n, c) in rest[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        end = open + n + 1;
                        break;
                    }
                }
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Absolute module paths (segments after `crate`) that `text`, the code of
/// `module`, names: `crate::..`, `super::..`, `self::..`, including each
/// item of a braced `use` group.
fn paths(text: &str, module: &str) -> Vec<Vec<String>> {
    let here: Vec<String> = if module.is_empty() {
        Vec::new()
    } else {
        module.split("::").map(str::to_string).collect()
    };
    let mut found = Vec::new();
    for (start, _) in text.match_indices("::") {
        // The identifier just before `::` must be a path root.
        let before = &text[..start];
        let root_start = before
            .rfind(|c: char| !(c.is_alphanumeric() || c == '_'))
            .map_or(0, |n| n + 1);
        let root = &before[root_start..];
        let preceded_by_path = before[..root_start].ends_with("::");
        if preceded_by_path {
            continue;
        }
        let base = match root {
            "crate" => Vec::new(),
            "self" => here.clone(),
            "super" => here[..here.len().saturating_sub(1)].to_vec(),
            _ => continue,
        };
        let tail = &text[start + 2..];
        for suffix in expand(tail) {
            let mut path = base.clone();
            let mut rest = suffix.as_slice();
            // `super::super::x`
            while let [first, more @ ..] = rest {
                if first != "super" {
                    break;
                }
                path.pop();
                rest = more;
            }
            path.extend(rest.iter().cloned());
            found.push(path);
        }
    }
    found
}

/// The paths a `use` tail (`a::b::C;`, `{a::X, b::{Y, Z}}`) names, as
/// segment lists.
fn expand(tail: &str) -> Vec<Vec<String>> {
    let tail = tail.trim_start();
    if let Some(group) = tail.strip_prefix('{') {
        let mut depth = 0usize;
        let mut items = Vec::new();
        let mut current = String::new();
        for c in group.chars() {
            match c {
                '{' => {
                    depth += 1;
                    current.push(c);
                }
                '}' if depth == 0 => break,
                '}' => {
                    depth -= 1;
                    current.push(c);
                }
                ',' if depth == 0 => items.push(std::mem::take(&mut current)),
                _ => current.push(c),
            }
        }
        items.push(current);
        return items.iter().flat_map(|item| expand(item)).collect();
    }
    let segments: Vec<String> = tail
        .split("::")
        .map(|s| {
            s.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .take_while(|s| !s.is_empty())
        .collect();
    // A path that goes on into a group: `a::{X, Y}` names `a`.
    vec![segments]
}

/// The longest prefix of `path` that is one of `modules`.
fn longest_module(modules: &BTreeSet<String>, path: &[String]) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|candidate| modules.contains(candidate))
}

/// True if one module is the other or an ancestor of it (the root is an
/// ancestor of all).
fn related(a: &str, b: &str) -> bool {
    let inside = |inner: &str, outer: &str| {
        outer.is_empty() || inner == outer || inner.starts_with(&format!("{outer}::"))
    };
    inside(a, b) || inside(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph_of(files: &[(&str, &str)]) -> Graph {
        let dir = std::env::temp_dir().join(format!(
            "xtask-modules-{}-{}",
            std::process::id(),
            files.len()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        for (path, text) in files {
            let path = dir.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let graph = graph(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        graph
    }

    #[test]
    fn mutual_imports_are_a_cycle_and_nesting_is_not() {
        let graph = graph_of(&[
            ("lib.rs", "mod a; mod b; pub use a::A;"),
            ("a.rs", "use crate::b::B; // crate::c::C is a comment\n"),
            (
                "b.rs",
                "use crate::{a::A, c};\nfn f() { let _ = \"crate::d\"; }",
            ),
            ("c/mod.rs", "mod d; use d::D;"),
            ("c/d.rs", "use super::super::a::A; use super::C;"),
        ]);
        assert_eq!(graph["a"], BTreeSet::from(["b".to_string()]));
        assert_eq!(
            graph["b"],
            BTreeSet::from(["a".to_string(), "c".to_string()])
        );
        assert_eq!(graph["c::d"], BTreeSet::from(["a".to_string()]));
        assert!(graph[""].is_empty(), "the root's re-exports are nesting");
        assert_eq!(cycles(&graph), vec![vec!["a".to_string(), "b".to_string()]]);
    }

    #[test]
    fn test_modules_do_not_count() {
        let graph = graph_of(&[
            ("lib.rs", "mod a; mod b;"),
            ("a.rs", "use crate::b::B;"),
            (
                "b.rs",
                "pub struct B;\n#[cfg(all(test, not(loom)))]\nmod tests {\n    use crate::a::f;\n    fn g() { { } }\n}\nuse crate::c::C;",
            ),
        ]);
        assert!(graph["b"].is_empty(), "{:?}", graph["b"]);
        assert!(cycles(&graph).is_empty());
    }

    #[test]
    fn no_crate_of_the_workspace_has_modules_that_import_each_other() {
        let root = crate::root();
        let mut found = Vec::new();
        for entry in std::fs::read_dir(&root).unwrap().flatten() {
            let src = entry.path().join("src");
            if !entry.path().join("Cargo.toml").is_file() || !src.is_dir() {
                continue;
            }
            for cycle in cycles(&graph(&src)) {
                let krate = entry.file_name().to_string_lossy().into_owned();
                found.push(format!("{krate}: {}", cycle.join(" <-> ")));
            }
        }
        assert!(
            found.is_empty(),
            "modules that import each other:\n{}",
            found.join("\n")
        );
    }
}
