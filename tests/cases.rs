//! Tests as data: one runner for every suite whose cases are files. A case
//! is one input with its expected outputs beside it; a new case is new
//! files, never new code. `UPDATE_GOLDEN=1 cargo test --test cases` rewrites
//! the expected outputs; review the diff, every changed byte must be
//! explainable.
//!
//! | suite | input | expected outputs | runs |
//! | --- | --- | --- | --- |
//! | check | `tests/cases/<CODE>-<name>.toml` | `<case>.out`, `<case>.json` | `topoc check` |
//! | examples | `examples/<name>.toml` | `tests/golden/<name>/` (qemu), `…/cloud-hypervisor/`, `…/cloud-hypervisor-fallback/`, `…/libvirt/`, `…/libvirt-fallback/` | `topoc build`, `check` |
//! | dumps | `tests/verify-data/<machine>.<boot>.dump` and `<machine>.toml` | `<machine>.<boot>.out`, `.json` | `topoc verify` |
//! | inspect | `tests/inspect/<name>.args` | `<name>.out`, `<name>.json` | `topoc inspect` |
//! | import | `tests/import/<name>.args` | `<name>.out`, `<name>.toml` | `topoc import` |
//!
//! `.out` files hold the exit status and what the run printed (no colour);
//! `.json` files the same run with `--format json`. Each suite's section
//! below says what else it requires.

mod support;

use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::data::{self, root};
use support::golden;
use support::run::{Ran, topoc};

/// `exit: N`, standard output, then standard error when there is any.
fn transcript(r: &Ran) -> String {
    let err = r.err();
    let mut s = format!("exit: {}\n{}", r.code(), r.out());
    if !err.is_empty() {
        s.push_str("--- stderr\n");
        s.push_str(&err);
    }
    s
}

/// The file stems in `dir` (relative to the repository) that end in `ext`.
fn stems(dir: &str, ext: &str) -> Vec<String> {
    data::files_with_ext(dir, ext)
        .iter()
        .filter_map(|p| p.file_name()?.to_str()?.strip_suffix(&format!(".{ext}")))
        .map(String::from)
        .collect()
}

/// The same run as text and as JSON must agree on the exit status, and the
/// JSON must be JSON.
fn text_and_json(text: &Ran, json: &Ran) -> Result<serde_json::Value, Failed> {
    if text.code() != json.code() {
        return Err(format!(
            "text run exited {} but JSON run exited {}",
            text.code(),
            json.code()
        )
        .into());
    }
    serde_json::from_slice(&json.stdout)
        .map_err(|e| format!("--format json is not JSON: {e}\n{}", json.out()).into())
}

// ------------------------------------------------------------------ check
//
// Every `tests/cases/*.toml` is a topology with known mistakes (or none),
// run through `topoc check`. Header comments of a case:
// - `# expect: T020 T021`: the codes the run must report, and no others;
//   `# expect: none` for a clean file.
// - `# args: --firmware ovmf-sp`: extra command-line arguments.
// - `# expect-count: 10`: how many diagnostics the run reports in all
//   (optional; `expect` alone compares only the set of codes).
//
// `<case>.out` is the exit status and the text diagnostics (standard error).
// A `<case>.fixed.toml` beside a case shows the fix: it must check clean.
// The `registry` trial requires a case for every registered code.

fn header(text: &str, key: &str) -> Option<String> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| {
            l.strip_prefix('#')
                .map(str::trim)
                .and_then(|l| l.strip_prefix(key))
                .map(|v| v.trim().to_string())
        })
}

fn run_case(rel: &str) -> Result<(), Failed> {
    let text = std::fs::read_to_string(root().join(rel))?;
    let expect = header(&text, "expect:").ok_or("the case has no `# expect:` header")?;
    let expect: BTreeSet<String> = if expect == "none" {
        BTreeSet::new()
    } else {
        expect.split_whitespace().map(String::from).collect()
    };
    let extra = header(&text, "args:").unwrap_or_default();
    let mut args: Vec<&str> = vec!["check", "--color", "never"];
    args.extend(extra.split_whitespace());
    args.push(rel);
    let text_run = topoc(&args).run();
    let mut json_args = args.clone();
    json_args.insert(1, "--format=json");
    let json_run = topoc(&json_args).run();
    let doc = text_and_json(&text_run, &json_run)?;
    let (code, stderr) = (text_run.code(), text_run.err());
    let seen: BTreeSet<String> = doc["diagnostics"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|d| d["code"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    if seen != expect {
        return Err(format!("expected codes {expect:?}, got {seen:?}\n{stderr}").into());
    }
    if let Some(count) = header(&text, "expect-count:") {
        let want: usize = count
            .parse()
            .map_err(|e| format!("bad `# expect-count:` {count:?}: {e}"))?;
        let got = doc["diagnostics"].as_array().map_or(0, Vec::len);
        if got != want {
            return Err(format!("expected {want} diagnostics, got {got}\n{stderr}").into());
        }
    }
    let has_error = doc["errors"].as_u64().unwrap_or(0) > 0;
    let want_exit = if has_error { 1 } else { 0 };
    if code != want_exit {
        return Err(format!("exit status {code}, expected {want_exit}\n{stderr}").into());
    }
    for d in doc["diagnostics"].as_array().into_iter().flatten() {
        if d["span"].is_null() && d["code"] != "T022" {
            return Err(format!("diagnostic {} has no span", d["code"]).into());
        }
    }
    let stem = rel.trim_end_matches(".toml");
    golden::check(format!("{stem}.out"), format!("exit: {code}\n{stderr}"))?;
    golden::check(format!("{stem}.json"), &json_run.stdout)?;
    let fixed = format!("{stem}.fixed.toml");
    if root().join(&fixed).exists() {
        let mut fargs: Vec<&str> = vec!["check", "--color", "never", "--format=json"];
        fargs.extend(extra.split_whitespace());
        fargs.push(&fixed);
        let f = topoc(&fargs).run();
        let fdoc: serde_json::Value = serde_json::from_slice(&f.stdout)?;
        let n = fdoc["diagnostics"].as_array().map_or(0, Vec::len);
        if f.code() != 0 || n != 0 {
            return Err(format!(
                "{fixed} should check clean but exited {} with {n} diagnostics:\n{}",
                f.code(),
                f.out()
            )
            .into());
        }
    }
    Ok(())
}

/// `tests/cases/<case>.toml`, fixes left out.
fn cases() -> Vec<String> {
    stems("tests/cases", "toml")
        .into_iter()
        .filter(|s| !s.ends_with(".fixed"))
        .map(|s| format!("tests/cases/{s}.toml"))
        .collect()
}

/// Import-stage codes have their cases under `tests/import/` (an input
/// fixture and the file it imports into), whose headers name them.
fn import_stage(c: &topoc::diag::Code) -> bool {
    c.stage == topoc::diag::codes::Stage::Import
}

fn registry() -> Result<(), Failed> {
    let names: Vec<String> = cases()
        .iter()
        .map(|c| {
            PathBuf::from(c)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    let missing: Vec<&str> = topoc::diag::codes::ALL
        .iter()
        .filter(|c| !import_stage(c))
        .map(|c| c.code)
        .filter(|code| !names.iter().any(|n| n.starts_with(&format!("{code}-"))))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("codes without a tests/cases/<CODE>-*.toml case: {missing:?}").into())
    }
}

// --------------------------------------------------------------- examples
//
// Every bundled example, for every target: `topoc build --out` must write
// exactly the golden files, byte for byte, twice in a row, and `--emit` of
// each artifact (`topoc::emit::ARTIFACTS`) must equal its file.
// - qemu: the files under `tests/golden/<example>/`.
// - cloud-hypervisor and libvirt, plain and with `--fallback`: under
//   `tests/golden/<example>/cloud-hypervisor/`,
//   `…/cloud-hypervisor-fallback/`, `…/libvirt/` and `…/libvirt-fallback/`. Each holds `check.out` (the exit status
//   and the diagnostics of `topoc check`, so a refusal and its codes are
//   pinned too) and, when the example compiles, every artifact.

/// One way of compiling the examples.
#[derive(Clone, Copy)]
struct Variant {
    /// Golden subdirectory; `None` for the qemu goldens at the top.
    dir: Option<&'static str>,
    args: &'static [&'static str],
}

const VARIANTS: &[Variant] = &[
    Variant {
        dir: None,
        args: &[],
    },
    Variant {
        dir: Some("cloud-hypervisor"),
        args: &["--target", "cloud-hypervisor"],
    },
    Variant {
        dir: Some("cloud-hypervisor-fallback"),
        args: &["--target", "cloud-hypervisor", "--fallback"],
    },
    Variant {
        dir: Some("libvirt"),
        args: &["--target", "libvirt"],
    },
    Variant {
        dir: Some("libvirt-fallback"),
        args: &["--target", "libvirt", "--fallback"],
    },
];

/// A run that must succeed; its standard output.
fn stdout_of(args: &[&str]) -> Result<Vec<u8>, Failed> {
    Ok(topoc(args).run().ok()?.stdout)
}

/// `topoc check` as the golden `check.out` pins it: exit status and text
/// diagnostics, no colour.
fn check_text(example: &str, v: Variant) -> (i32, String) {
    let file = format!("examples/{example}.toml");
    let mut args = vec!["check", "--color", "never"];
    args.extend(v.args);
    args.push(&file);
    let r = topoc(&args).run();
    (r.code(), format!("exit: {}\n{}", r.code(), r.err()))
}

fn build_into(example: &str, v: Variant, dir: &Path) -> Result<Vec<(String, Vec<u8>)>, Failed> {
    let d = dir.to_string_lossy().into_owned();
    let file = format!("examples/{example}.toml");
    let mut args = vec!["build", "-q", &file, "--out", &d];
    args.extend(v.args);
    stdout_of(&args)?;
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    files.sort();
    Ok(files)
}

fn run_example(example: &str, v: Variant) -> Result<(), Failed> {
    let mut golden_dir = root().join("tests/golden").join(example);
    if let Some(d) = v.dir {
        golden_dir = golden_dir.join(d);
    }
    // Variants below the qemu goldens pin `topoc check` too; an example the
    // target refuses has nothing else.
    let mut produced: Vec<(String, Vec<u8>)> = Vec::new();
    let compiles = match v.dir {
        None => true,
        Some(_) => {
            let (code, out) = check_text(example, v);
            produced.push(("check.out".to_string(), out.into_bytes()));
            code == 0
        }
    };
    if compiles {
        let a = tempfile::tempdir()?;
        let b = tempfile::tempdir()?;
        let first = build_into(example, v, a.path())?;
        let second = build_into(example, v, b.path())?;
        if first != second {
            return Err("two builds of the same file differ".into());
        }
        produced.extend(first);
    }
    produced.sort();
    let mut problems = Vec::new();
    if let Err(e) = golden::check_dir(&golden_dir, &produced) {
        problems.push(e);
    }
    // Every artifact through --emit equals its file.
    if compiles {
        let path = format!("examples/{example}.toml");
        for artifact in topoc::emit::ARTIFACTS {
            let Some((_, bytes)) = produced.iter().find(|(n, _)| n == artifact.file) else {
                continue;
            };
            let mut args = vec!["build", "-q", &path, "--emit", artifact.name, "-o", "-"];
            args.extend(v.args);
            if &stdout_of(&args)? != bytes {
                problems.push(format!(
                    "--emit {} differs from {}",
                    artifact.name, artifact.file
                ));
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

// ------------------------------------------------------------------ dumps
//
// Every guest dump recorded in `tests/verify-data/` (`<machine>.<boot>.dump`,
// from `tests/guest_examples.rs`), verified against the topology it was
// booted from (`<machine>.toml` beside it), in that folder. The report is
// pinned as text (`<machine>.<boot>.out`) and JSON (`.json`), so a change
// of any check, its wording or its verdict shows in the diff.
// `tests/verify_dumps.rs` edits these dumps to test the rules one by one.

fn run_dump(stem: &str) -> Result<(), Failed> {
    let dir = root().join("tests/verify-data");
    let machine = stem.split('.').next().unwrap_or(stem);
    let (toml, dump) = (format!("{machine}.toml"), format!("{stem}.dump"));
    let args = ["verify", &toml, "--guest", &dump];
    let text = topoc(args).current_dir(&dir).run();
    let json = topoc(args.iter().chain(&["--format", "json"]))
        .current_dir(&dir)
        .run();
    text_and_json(&text, &json)?;
    golden::check(dir.join(format!("{stem}.out")), transcript(&text))?;
    golden::check(dir.join(format!("{stem}.json")), &json.stdout)?;
    Ok(())
}

// ---------------------------------------------------------------- inspect
//
// Each `tests/inspect/<name>.args` holds the arguments of one `topoc
// inspect` run (paths relative to the repository; `#` starts a comment):
// tables of QEMU, of real machines and of guest boots from `tests/data/`,
// our own artifacts, a guest dump, and inputs topoc must refuse.

fn run_inspect(stem: &str) -> Result<(), Failed> {
    let dir = root().join("tests/inspect");
    let spec = std::fs::read_to_string(dir.join(format!("{stem}.args")))?;
    let inputs: Vec<&str> = spec
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(str::split_whitespace)
        .collect();
    if inputs.is_empty() {
        return Err(format!("tests/inspect/{stem}.args names no input").into());
    }
    let text = topoc(std::iter::once("inspect").chain(inputs.iter().copied())).run();
    let json = topoc(["inspect", "--format", "json"].into_iter().chain(inputs)).run();
    text_and_json(&text, &json)?;
    golden::check(dir.join(format!("{stem}.out")), transcript(&text))?;
    golden::check(dir.join(format!("{stem}.json")), &json.stdout)?;
    Ok(())
}

// ----------------------------------------------------------------- import
//
// Each `tests/import/<name>.args` holds the arguments of one `topoc import`
// run (paths relative to the repository; `#` starts a comment) and a
// header `# expect: T163 T063` naming every code the run reports, its own
// and the check's of the file it writes (`# expect: none`). The inputs are
// the real firmware tables of `tests/data/real-tables/`, a real host's
// sysfs in `tests/data/sysfs/`, hand-made host trees in
// `tests/import/hosts/`, guest dumps, and broken tables and dumps in
// `tests/import/data/`. `<name>.toml` is the file it writes (standard
// output), `<name>.out` the exit status and standard error. The exit status
// is 1 exactly when a reported code is an error. The `import registry`
// trial requires a case for every import-stage code.

/// The codes a text report names: `T123(name)` at the start of a finding.
fn codes_in(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter_map(|l| {
            let l = l.trim_start();
            let code = l.get(..4)?;
            (code.starts_with('T')
                && code[1..].bytes().all(|b| b.is_ascii_digit())
                && l[4..].starts_with('('))
            .then(|| code.to_string())
        })
        .collect()
}

fn run_import(stem: &str) -> Result<(), Failed> {
    let dir = root().join("tests/import");
    let spec = std::fs::read_to_string(dir.join(format!("{stem}.args")))?;
    let expect = header(&spec, "expect:").ok_or("the case has no `# expect:` header")?;
    let expect: BTreeSet<String> = if expect == "none" {
        BTreeSet::new()
    } else {
        expect.split_whitespace().map(String::from).collect()
    };
    let args: Vec<&str> = spec
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(str::split_whitespace)
        .collect();
    let r = topoc(["import", "--color", "never"].into_iter().chain(args)).run();
    let seen = codes_in(&r.err());
    if seen != expect {
        return Err(format!("expected codes {expect:?}, got {seen:?}\n{}", r.err()).into());
    }
    let errors = seen.iter().any(|c| {
        topoc::diag::codes::lookup(c).is_some_and(|c| c.severity == topoc::diag::Severity::Error)
    });
    if r.code() != i32::from(errors) {
        return Err(format!(
            "exit status {}, errors reported: {errors}\n{}",
            r.code(),
            r.err()
        )
        .into());
    }
    golden::check(
        dir.join(format!("{stem}.out")),
        format!("exit: {}\n{}", r.code(), r.err()),
    )?;
    let toml = dir.join(format!("{stem}.toml"));
    if r.stdout.is_empty() {
        if toml.exists() {
            return Err(format!("{} exists but the import wrote nothing", toml.display()).into());
        }
    } else {
        golden::check(toml, &r.stdout)?;
    }
    Ok(())
}

fn import_registry() -> Result<(), Failed> {
    let mut covered: BTreeSet<String> = BTreeSet::new();
    for stem in stems("tests/import", "args") {
        let spec = std::fs::read_to_string(root().join(format!("tests/import/{stem}.args")))?;
        if let Some(e) = header(&spec, "expect:") {
            covered.extend(e.split_whitespace().map(String::from));
        }
    }
    let missing: Vec<&str> = topoc::diag::codes::ALL
        .iter()
        .filter(|c| import_stage(c) && !covered.contains(c.code))
        .map(|c| c.code)
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("import codes no tests/import/*.args case expects: {missing:?}").into())
    }
}

// ----------------------------------------------------------------- driver

fn main() {
    let args = Arguments::from_args();
    let mut trials: Vec<Trial> = cases()
        .into_iter()
        .map(|c| Trial::test(c.clone(), move || run_case(&c)))
        .collect();
    trials.push(Trial::test("registry: every code has a case", registry));
    for e in data::bundled_examples() {
        for &v in VARIANTS {
            let name = match v.dir {
                None => format!("example {e}"),
                Some(d) => format!("example {e} [{d}]"),
            };
            let e = e.clone();
            trials.push(Trial::test(name, move || run_example(&e, v)));
        }
    }
    for d in stems("tests/verify-data", "dump") {
        trials.push(Trial::test(format!("dump {d}"), move || run_dump(&d)));
    }
    for i in stems("tests/inspect", "args") {
        trials.push(Trial::test(format!("inspect {i}"), move || run_inspect(&i)));
    }
    for i in stems("tests/import", "args") {
        trials.push(Trial::test(format!("import {i}"), move || run_import(&i)));
    }
    trials.push(Trial::test(
        "import registry: every import code has a case",
        import_registry,
    ));
    libtest_mimic::run(&args, trials).exit();
}
