//! The command line as users meet it: exit statuses, atomic output,
//! determinism, and `inspect` on tables we did not write.

mod support;

use std::path::Path;
use support::data;
use support::run::{Ran, topoc};

fn run(args: &[&str]) -> Ran {
    topoc(args).run()
}

fn code(args: &[&str]) -> i32 {
    run(args).code()
}

/// A file or folder of `tests/data/`, as an argument.
fn fixture(rel: &str) -> String {
    let path = data::dir().join(rel);
    assert!(path.exists(), "{} is missing", path.display());
    path.display().to_string()
}

#[test]
fn exit_statuses() {
    assert_eq!(code(&["check", "examples/two-socket.toml"]), 0);
    assert_eq!(
        code(&["check", "tests/cases/T020-cpu-in-two-nodes.toml"]),
        1
    );
    assert_eq!(code(&["check", "no/such/file.toml"]), 2);
    assert_eq!(code(&["check"]), 2, "missing argument is a usage error");
    assert_eq!(code(&["frobnicate"]), 2);
    assert_eq!(
        code(&["build", "examples/two-socket.toml"]),
        2,
        "build needs --out or --emit"
    );
    assert_eq!(
        code(&["build", "examples/two-socket.toml", "--emit", "no-such"]),
        2
    );
    assert_eq!(code(&["explain", "T020"]), 0);
    assert_eq!(code(&["explain", "T999"]), 2);
    // A warning alone passes, unless warnings are denied.
    assert_eq!(
        code(&["check", "tests/cases/T053-unreachable-node.toml"]),
        0
    );
    assert_eq!(
        code(&[
            "check",
            "--deny",
            "warnings",
            "tests/cases/T053-unreachable-node.toml"
        ]),
        1
    );
}

#[test]
fn usage_errors_mention_did_you_mean() {
    let o = run(&["build", "examples/two-socket.toml", "--emit", "qemu-arg"]);
    assert!(o.err().contains("did you mean `qemu-args`"));
}

#[test]
fn failed_build_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("qemu.args"), b"old contents\n").unwrap();
    let o = dir.path().display().to_string();
    let before: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    // An invalid topology writes nothing.
    let r = run(&[
        "build",
        "tests/cases/T020-cpu-in-two-nodes.toml",
        "--out",
        &format!("{o}/out"),
    ]);
    assert_eq!(r.code(), 1);
    // An I/O failure half-way leaves the directory as it was.
    let r = topoc([
        "build",
        "examples/mi300a.toml",
        "--out",
        &format!("{o}/out"),
    ])
    .env("TOPOC_FAIL_AT", "write")
    .run();
    assert_eq!(r.code(), 2, "{}", r.err());
    let after: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        before, after,
        "no file was added, and no temporary file left behind"
    );
    assert_eq!(
        std::fs::read(out.join("qemu.args")).unwrap(),
        b"old contents\n"
    );
    // A single-file --emit to a file is atomic too.
    let target = out.join("single.args");
    let r = run(&[
        "build",
        "tests/cases/T020-cpu-in-two-nodes.toml",
        "--emit",
        "qemu-args",
        "-o",
        &target.display().to_string(),
    ]);
    assert_eq!(r.code(), 1);
    assert!(!target.exists());
}

#[test]
fn output_does_not_depend_on_the_environment() {
    let args = ["build", "examples/grace-hopper.toml", "--emit", "resolved"];
    let a = run(&args);
    let b = topoc(args)
        .env_remove("NO_COLOR")
        .envs(&[
            ("LANG", "de_DE.UTF-8"),
            ("TZ", "Asia/Tokyo"),
            ("RUST_BACKTRACE", "1"),
        ])
        .run();
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn inspect_reads_qemu_and_real_hardware_tables() {
    let o = run(&[
        "inspect",
        &fixture("qemu-acpi/q35/SRAT.acpihmat-generic-x"),
        &fixture("qemu-acpi/q35/HMAT.acpihmat-noinitiator"),
    ]);
    assert_eq!(o.code(), 0, "{}", o.err());
    let text = o.out();
    assert!(
        text.contains("generic initiator: PCI 0000:01:00.2"),
        "{text}"
    );
    assert!(
        text.contains("memory PXM 2 with no attached initiator"),
        "{text}"
    );
    // A directory of real tables, as copied from /sys/firmware/acpi/tables.
    let o = run(&[
        "inspect",
        "--format",
        "json",
        &fixture("real-tables/dell-poweredge-r820-4s"),
    ]);
    assert_eq!(o.code(), 0);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        v["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["table"]["signature"] == "SLIT")
    );
}

#[test]
fn inspect_refuses_malformed_input_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let srat = data::read(&data::qemu_table("q35", "SRAT.numamem"));
    let cut = dir.path().join("short.dat");
    std::fs::write(&cut, &srat[..100]).unwrap();
    let o = run(&["inspect", &cut.display().to_string()]);
    assert_eq!(o.code(), 1);
    assert!(o.out().contains("error:"));
    let odd = dir.path().join("odd.bin");
    std::fs::write(&odd, [1u8; 21]).unwrap();
    assert_eq!(code(&["inspect", &odd.display().to_string()]), 1);
    assert_eq!(code(&["inspect", "no/such/table"]), 2);
}

/// Every file under `dir` (recursively), with its bytes, sorted; hidden
/// temporary files of an interrupted run are kept apart.
fn snapshot(dir: &Path) -> (Vec<(String, Vec<u8>)>, Vec<String>) {
    let mut files = Vec::new();
    let mut temps = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(dir).unwrap().display().to_string();
            if p.is_dir() {
                stack.push(p);
            } else if rel.contains(".topoc-") {
                temps.push(rel);
            } else {
                files.push((rel, std::fs::read(&p).unwrap()));
            }
        }
    }
    files.sort();
    temps.sort();
    (files, temps)
}

fn build_with(env: &[(&str, &str)], args: &[&str]) -> Ran {
    topoc(args).envs(env).run()
}

/// A failure at any step of `build --out`, including after some targets
/// were already replaced, and an interruption (the process killed) leave the
/// output directory exactly as it was; the next build cleans up after the
/// killed one.
#[test]
fn failed_or_interrupted_build_leaves_the_directory_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = out.display().to_string();
    // An earlier build of another machine, plus a file of the user's.
    let r = build_with(
        &[],
        &["build", "-q", "examples/two-socket.toml", "--out", &o],
    );
    assert_eq!(r.code(), 0, "{}", r.err());
    std::fs::write(out.join("notes.txt"), b"mine\n").unwrap();
    let before = snapshot(&out);
    assert!(before.1.is_empty());

    for point in ["write", "rename"] {
        // mi300a writes files two-socket did not (HMAT.dat), so a rollback
        // must both restore replaced files and remove new ones.
        let r = build_with(
            &[("TOPOC_FAIL_AT", point)],
            &["build", "examples/mi300a.toml", "--out", &o],
        );
        assert_eq!(r.code(), 2, "{point}: {}", r.err());
        assert!(r.err().contains("injected failure"), "{point}: {}", r.err());
        assert_eq!(snapshot(&out), before, "after a failed {point}");
    }

    // Killed half-way: the targets are untouched; only hidden temporary
    // files are left, and the next build removes them.
    let r = build_with(
        &[("TOPOC_FAIL_AT", "abort")],
        &["build", "examples/mi300a.toml", "--out", &o],
    );
    assert_eq!(r.status.code(), None, "the process was killed by a signal");
    let (files, temps) = snapshot(&out);
    assert_eq!(files, before.0, "an interrupted build replaced a target");
    assert!(
        !temps.is_empty(),
        "the abort point is after a temporary file"
    );
    let r = build_with(&[], &["build", "-q", "examples/mi300a.toml", "--out", &o]);
    assert_eq!(r.code(), 0, "{}", r.err());
    let (files, temps) = snapshot(&out);
    assert!(temps.is_empty(), "left behind: {temps:?}");
    assert!(files.iter().any(|(n, _)| n == "notes.txt"));
}

/// The same input gives the same bytes in every artifact, whatever the
/// environment, the working directory, or the process (each run has its
/// own HashMap seeds).
#[test]
fn every_artifact_is_byte_identical_across_runs_and_environments() {
    let dir = tempfile::tempdir().unwrap();
    let strange: &[(&str, &str)] = &[
        ("LANG", "tr_TR.UTF-8"),
        ("LC_ALL", "tr_TR.UTF-8"),
        ("TZ", "Pacific/Chatham"),
        ("COLUMNS", "7"),
        ("TERM", "dumb"),
        ("CLICOLOR_FORCE", "1"),
        ("RUST_BACKTRACE", "full"),
        ("HOME", "/nonexistent"),
    ];
    for input in data::files_with_ext("examples", "toml") {
        let name = input.file_stem().unwrap().to_string_lossy().into_owned();
        let input = input.display().to_string();
        let a = dir.path().join(format!("{name}-a"));
        let b = dir.path().join(format!("{name}-b"));
        let r = build_with(
            &[],
            &["build", "-q", &input, "--out", &a.display().to_string()],
        );
        assert_eq!(r.code(), 0, "{name}: {}", r.err());
        let r = topoc(["build", "-q", &input, "--out", &b.display().to_string()])
            .current_dir(dir.path())
            .env_clear()
            .envs(strange)
            .run();
        assert_eq!(r.code(), 0, "{name}: {}", r.err());
        let (sa, sb) = (snapshot(&a), snapshot(&b));
        assert!(!sa.0.is_empty());
        assert_eq!(sa, sb, "{name}: outputs differ between runs");
    }
}
