//! `topoc inspect` pinned byte for byte on every kind of input it reads.
//!
//! Each `tests/inspect/<case>.args` names the inputs of one run, one path
//! a line (relative to the repository); beside it, `<case>.out` holds the
//! exit status and the text report, `<case>.json` the `--format json`
//! report. The inputs: topoc's own tables for every example (qemu and the
//! cloud-hypervisor fallback), E820 tables, guest dumps from
//! `tests/verify-data`, a directory laid out like
//! `/sys/firmware/acpi/tables`, a table with a bad checksum, and malformed
//! files (`tests/inspect/data/README.md` says where each came from).
//!
//! `UPDATE_GOLDEN=1 cargo test --test inspect` rewrites the goldens; review
//! the diff: every changed byte must be explained.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn cases() -> Vec<PathBuf> {
    let dir = root().join("tests/inspect");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "args"))
        .collect();
    v.sort();
    assert!(
        v.len() >= 10,
        "the inspect cases are missing from {}",
        dir.display()
    );
    v
}

/// `topoc inspect [--format json] INPUTS…`: (exit status, stdout); stderr
/// must be empty.
fn inspect(inputs: &[String], json: bool) -> (i32, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_topoc"));
    c.arg("inspect");
    if json {
        c.args(["--format", "json"]);
    }
    let o = c
        .args(inputs)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run topoc");
    assert!(
        o.stderr.is_empty(),
        "inspect {inputs:?} wrote to stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8(o.stdout).expect("inspect prints UTF-8"),
    )
}

#[test]
fn inspect_output_is_pinned_for_every_kind_of_input() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut failures = Vec::new();
    for case in cases() {
        let inputs: Vec<String> = std::fs::read_to_string(&case)
            .expect("read case")
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect();
        for input in &inputs {
            assert!(
                root().join(input).exists(),
                "{}: {input} is missing",
                case.display()
            );
        }
        let (code, text) = inspect(&inputs, false);
        let (json_code, json) = inspect(&inputs, true);
        assert_eq!(
            code,
            json_code,
            "{}: text and JSON exit differently",
            case.display()
        );
        if json_code == 0 || !json.is_empty() {
            serde_json::from_str::<serde_json::Value>(&json)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", case.display()));
        }
        for (ext, got) in [("out", format!("exit: {code}\n{text}")), ("json", json)] {
            let golden = case.with_extension(ext);
            if update {
                std::fs::write(&golden, &got).expect("write golden");
                continue;
            }
            match std::fs::read_to_string(&golden) {
                Ok(want) if want == got => {}
                Ok(want) => failures.push(format!(
                    "{} differs:\n--- expected\n{want}\n--- actual\n{got}",
                    golden.display()
                )),
                Err(e) => failures.push(format!(
                    "{}: {e}; run with UPDATE_GOLDEN=1",
                    golden.display()
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
