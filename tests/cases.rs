//! Tests as data: every `tests/cases/*.toml` is a topology with known
//! mistakes (or none), run through the real `topoc check` binary.
//!
//! Header comments of a case:
//! - `# expect: T020 T021` — the codes the run must report, and no others;
//!   `# expect: none` for a clean file.
//! - `# args: --spm-dialect numa-spm` — extra command-line arguments.
//! - `# expect-count: 10` — how many diagnostics the run reports in all
//!   (optional; `expect` alone compares only the set of codes).
//!
//! Goldens beside each case: `<case>.out` (exit status and the text
//! diagnostics, no colour) and `<case>.json` (`--format json`). Run with
//! `UPDATE_GOLDEN=1` to rewrite them, then review the diff: every changed byte
//! must be explainable.
//!
//! A `<case>.fixed.toml` beside a case shows the fix: it must check clean.
//! The `registry` trial requires a case for every registered code.

use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

fn topoc(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run topoc");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

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

fn golden(path: &Path, actual: &str) -> Result<(), Failed> {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, actual).map_err(|e| format!("write {}: {e}", path.display()))?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(path).map_err(|e| {
        format!(
            "missing golden {} ({e}); run with UPDATE_GOLDEN=1",
            path.display()
        )
    })?;
    if expected != actual {
        return Err(format!(
            "{} differs.\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        )
        .into());
    }
    Ok(())
}

fn run_case(rel: &str) -> Result<(), Failed> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(rel))?;
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
    let (code, _, stderr) = topoc(&args);
    let mut json_args = args.clone();
    json_args.insert(1, "--format=json");
    let (jcode, json, _) = topoc(&json_args);
    if code != jcode {
        return Err(format!("text run exited {code} but JSON run exited {jcode}").into());
    }
    let doc: serde_json::Value = serde_json::from_str(&json)
        .map_err(|e| format!("--format json is not JSON: {e}\n{json}"))?;
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
    golden(
        &root.join(format!("{stem}.out")),
        &format!("exit: {code}\n{stderr}"),
    )?;
    golden(&root.join(format!("{stem}.json")), &json)?;
    let fixed = root.join(format!("{stem}.fixed.toml"));
    if fixed.exists() {
        let rel_fixed = format!("{stem}.fixed.toml");
        let mut fargs: Vec<&str> = vec!["check", "--color", "never", "--format=json"];
        fargs.extend(extra.split_whitespace());
        fargs.push(&rel_fixed);
        let (fcode, fjson, _) = topoc(&fargs);
        let fdoc: serde_json::Value = serde_json::from_str(&fjson)?;
        let n = fdoc["diagnostics"].as_array().map_or(0, Vec::len);
        if fcode != 0 || n != 0 {
            return Err(format!(
                "{rel_fixed} should check clean but exited {fcode} with {n} diagnostics:\n{fjson}"
            )
            .into());
        }
    }
    Ok(())
}

fn cases() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut v: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".toml") && !n.ends_with(".fixed.toml"))
                .map(|n| format!("tests/cases/{n}"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
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
        .map(|c| c.code)
        .filter(|code| !names.iter().any(|n| n.starts_with(&format!("{code}-"))))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("codes without a tests/cases/<CODE>-*.toml case: {missing:?}").into())
    }
}

fn main() {
    let args = Arguments::from_args();
    let mut trials: Vec<Trial> = cases()
        .into_iter()
        .map(|c| Trial::test(c.clone(), move || run_case(&c)))
        .collect();
    trials.push(Trial::test("registry: every code has a case", registry));
    libtest_mimic::run(&args, trials).exit();
}
