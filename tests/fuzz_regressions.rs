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

/// The examples and test cases on every target profile of `targets`.
#[test]
fn targets_on_every_profile() {
    let mut inputs = files("fuzz/regressions/targets", |_| true);
    let mut cases = files("examples", ext("toml"));
    cases.extend(files("tests/cases", ext("toml")));
    for case in &cases {
        let bytes = std::fs::read(case).unwrap();
        for k in 0..harness::PROFILES.len() {
            let mut input = vec![k as u8];
            input.extend_from_slice(&bytes);
            if std::panic::catch_unwind(|| harness::targets(&input)).is_err() {
                inputs.push(PathBuf::from(format!(
                    "{} on {}",
                    case.display(),
                    harness::PROFILES[k]
                )));
            }
        }
    }
    assert!(
        inputs.iter().all(|p| p.exists()),
        "panicked on:\n{inputs:#?}"
    );
    replay(harness::targets, &inputs);
}

/// Labels at the start, the middle and the end of every test case, one to
/// four at a time, and a line of 100,000 characters.
#[test]
fn render_labels_anywhere() {
    replay(harness::render, &files("fuzz/regressions/render", |_| true));
    let cases = files("tests/cases", ext("toml"));
    let long = format!("a = \"{}\" b\nc = 1\n", "é".repeat(100_000));
    let mut texts: Vec<Vec<u8>> = cases.iter().map(|p| std::fs::read(p).unwrap()).collect();
    texts.push(long.into_bytes());
    for text in &texts {
        let len = text.len() as u32;
        for n in 1..=4u8 {
            let mut input = vec![n - 1];
            for k in 0..u32::from(n) {
                input.extend_from_slice(&(len * k / 4 + k).to_le_bytes());
                input.extend_from_slice(&(k * 7).to_le_bytes());
            }
            input.extend_from_slice(text);
            harness::render(&input);
        }
    }
}

/// A chain of nodes made large by repetition, past the 64 KiB libFuzzer
/// gives the other targets.
#[test]
fn large_repeats_a_block() {
    let mut input = vec![0x00, 0x04]; // 1,024 times
    input.extend_from_slice(b"topoc = 1\n[machine]\nname = \"big\"\n[machine.cpus]\nsockets = 4\n");
    input.push(0);
    input.extend_from_slice(b"[[node]]\ncpus = \"0\"\n[[link]]\nfrom = \"a\"\nto = \"b\"\n");
    harness::large(&input);
    replay(harness::large, &files("fuzz/regressions/large", |_| true));
}

/// The golden tables as files and as a directory, with a file that is no
/// table between them.
#[test]
fn inspect_files_and_directories() {
    let mut input = Vec::new();
    for ex in ["two-socket", "mi300a"] {
        for p in files(&format!("tests/golden/{ex}"), |p| {
            ext("dat")(p) || ext("bin")(p)
        }) {
            input.extend_from_slice(&std::fs::read(p).unwrap());
            input.extend_from_slice(&[0xff, 0xfe]);
        }
    }
    input.extend_from_slice(b"not a table");
    harness::inspect(&input);
    replay(
        harness::inspect,
        &files("fuzz/regressions/inspect", |_| true),
    );
}

/// Builds of different artifact sets into one directory, with `-o` between.
#[test]
fn write_sequences() {
    let steps: &[&[u8]] = &[
        b"\x7fall seven",
        b"\x01only SRAT",
        b"\x81-o of SLIT",
        b"\x06SLIT and HMAT",
        b"\x00nothing",
        b"\x84-o of e820",
        b"\x7fall again",
    ];
    let input = steps.join(&[0xff, 0xfe][..]);
    harness::write(&input);
    replay(harness::write, &files("fuzz/regressions/write", |_| true));
}
