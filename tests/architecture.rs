//! The invariants ARCHITECTURE.md states, checked on the source.
//!
//! Each stage knows only the stages before it, and a few things happen in
//! one place only: files and processes in `cli`, TOML in `parse`. The test
//! reads every `src/**/*.rs`, drops comments and everything from a
//! file's `#[cfg(test)]` on (tests may compile a topology end to end), and
//! looks for the paths a module must not use. A violation names the file
//! and line, so moving code across a boundary fails here, not in review.

use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// (path relative to `src/`, line number, code) of every non-test,
/// non-comment line.
fn code_lines() -> Vec<(String, usize, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &mut files);
    assert!(files.len() > 50, "only {} source files found", files.len());
    let mut out = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(&root)
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let text = std::fs::read_to_string(&f).unwrap_or_else(|e| panic!("{rel}: {e}"));
        for (i, line) in text.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with("#[cfg(test)]") {
                break;
            }
            if t.starts_with("//") {
                continue;
            }
            out.push((rel.clone(), i + 1, line.to_string()));
        }
    }
    out
}

/// Fails listing every line of a file `in_scope` that contains one of
/// `forbidden`.
fn forbid(rule: &str, in_scope: impl Fn(&str) -> bool, forbidden: &[&str]) {
    let hits: Vec<String> = code_lines()
        .into_iter()
        .filter(|(f, _, _)| in_scope(f))
        .filter(|(_, _, l)| forbidden.iter().any(|p| l.contains(p)))
        .map(|(f, n, l)| format!("src/{f}:{n}: {}", l.trim()))
        .collect();
    assert!(hits.is_empty(), "{rule}:\n{}", hits.join("\n"));
}

fn under(dir: &'static str) -> impl Fn(&str) -> bool {
    move |f: &str| f.starts_with(dir)
}

#[test]
fn only_the_cli_touches_files_processes_and_the_environment() {
    forbid(
        "only src/cli (and main.rs) may read or write files, start processes or read the environment",
        |f| !f.starts_with("cli/") && f != "main.rs",
        &[
            "std::fs",
            "std::process",
            "std::env",
            "File::open",
            "File::create",
        ],
    );
}

#[test]
fn only_parse_knows_toml() {
    forbid(
        "only src/parse may use the toml crate",
        |f| !f.starts_with("parse/"),
        &["toml::"],
    );
}

#[test]
fn the_ir_and_the_layouts_are_not_a_contract() {
    forbid(
        "model and layout types must not serialize: the resolved JSON has its own output types (emit/resolved.rs)",
        |f| f.starts_with("model/") || f.starts_with("layout/"),
        &["Serialize", "serde::"],
    );
}

#[test]
fn stages_know_only_the_stages_before_them() {
    forbid(
        "parse knows no later stage",
        under("parse/"),
        &[
            "crate::model",
            "crate::check",
            "crate::layout",
            "crate::emit",
            "crate::pipeline",
            "crate::target",
        ],
    );
    forbid(
        "model knows no later stage (lowering reads parse::syntax)",
        under("model/"),
        &[
            "crate::check",
            "crate::layout",
            "crate::emit",
            "crate::pipeline",
        ],
    );
    forbid(
        "model reads syntax only while lowering",
        |f| f.starts_with("model/") && f != "model/lower.rs",
        &["crate::parse"],
    );
    forbid(
        "layouts never see TOML, diagnostics or emitters",
        under("layout/"),
        &[
            "crate::parse",
            "crate::diag",
            "crate::check",
            "crate::emit",
            "crate::pipeline",
        ],
    );
    forbid(
        "emitters never validate and never see TOML or diagnostics",
        under("emit/"),
        &["crate::parse", "crate::diag", "crate::check"],
    );
    forbid(
        "import writes the input language and compiles nothing: it knows no model, check, emitter or pipeline, and reads no file (the CLI does)",
        under("import/"),
        &[
            "crate::model",
            "crate::check",
            "crate::emit",
            "crate::pipeline",
            "crate::target",
            "crate::cli",
        ],
    );
    forbid(
        "the check stage runs inside the pipeline and knows nothing of the CLI",
        under("check/"),
        &["crate::pipeline", "crate::cli", "crate::parse"],
    );
}

#[test]
fn file_names_are_shown_escaped() {
    forbid(
        "a path is named to people with crate::text::ShowPath::shown, which escapes a line feed or an escape in a file name; Path::display prints them raw",
        |_| true,
        &[".display()"],
    );
}
