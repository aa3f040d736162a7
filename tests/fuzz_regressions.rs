//! Every input the fuzzers ever crashed on, replayed through the fuzz
//! targets' own checks (`fuzz/src/lib.rs`, included as `support::harness`), on the stable
//! toolchain and without libFuzzer. An input that crashed once is kept in
//! `fuzz/regressions/<target>/` forever; the file's name says what it found.
//! The committed inputs the fuzzers start from (examples, test cases,
//! golden tables, dump fixtures) are replayed too, so the targets' checks
//! themselves stay true of known-good input.

mod support;

use std::path::{Path, PathBuf};
use support::data::root;
use support::harness;

/// The files in `dir` that `keep` accepts, sorted; none if `dir` is missing
/// (the callers require what must be there).
fn files(dir: &str, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_file() && keep(p))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn ext(e: &'static str) -> impl Fn(&Path) -> bool {
    move |p| p.extension().is_some_and(|x| x == e)
}

/// Runs `target` on each file and names every file that panics.
fn replay(target: fn(&[u8]), inputs: &[PathBuf]) {
    let mut failed = Vec::new();
    for p in inputs {
        let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        if std::panic::catch_unwind(|| target(&bytes)).is_err() {
            failed.push(p.display().to_string());
        }
    }
    assert!(failed.is_empty(), "panicked on:\n{}", failed.join("\n"));
}

#[test]
fn compile_regressions_and_seeds() {
    let mut inputs = files("fuzz/regressions/compile", |_| true);
    assert!(!inputs.is_empty(), "fuzz/regressions/compile is empty");
    inputs.extend(files("examples", ext("toml")));
    inputs.extend(files("tests/cases", ext("toml")));
    replay(harness::compile, &inputs);
}

#[test]
fn tables_regressions_and_seeds() {
    let mut inputs = files("fuzz/regressions/tables", |_| true);
    assert!(!inputs.is_empty(), "fuzz/regressions/tables is empty");
    for ex in ["two-socket", "mi300a", "grace-hopper", "cxl-expander"] {
        inputs.extend(files(&format!("tests/golden/{ex}"), |p| {
            ext("dat")(p) || ext("bin")(p)
        }));
    }
    replay(harness::tables, &inputs);
}

#[test]
fn dump_regressions_and_seeds() {
    let mut inputs = files("fuzz/regressions/dump", |_| true);
    assert!(!inputs.is_empty(), "fuzz/regressions/dump is empty");
    inputs.extend(files("src/guest/testdata", ext("txt")));
    replay(harness::dump, &inputs);
}
