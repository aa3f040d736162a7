//! The command line as users meet it: exit statuses, atomic output,
//! determinism, and `inspect` on tables we did not write.

use std::path::Path;
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn topoc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(root())
        .output()
        .expect("run topoc")
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn shared(p: &str) -> String {
    let path = root().join("../shared/reference").join(p);
    assert!(
        path.exists(),
        "{} is missing: ../shared must sit beside the repository",
        path.display()
    );
    path.display().to_string()
}

#[test]
fn exit_statuses() {
    assert_eq!(code(&topoc(&["check", "examples/two-socket.toml"])), 0);
    assert_eq!(
        code(&topoc(&["check", "tests/cases/T020-cpu-in-two-nodes.toml"])),
        1
    );
    assert_eq!(code(&topoc(&["check", "no/such/file.toml"])), 2);
    assert_eq!(
        code(&topoc(&["check"])),
        2,
        "missing argument is a usage error"
    );
    assert_eq!(code(&topoc(&["frobnicate"])), 2);
    assert_eq!(
        code(&topoc(&["build", "examples/two-socket.toml"])),
        2,
        "build needs --out or --emit"
    );
    assert_eq!(
        code(&topoc(&[
            "build",
            "examples/two-socket.toml",
            "--emit",
            "no-such"
        ])),
        2
    );
    assert_eq!(code(&topoc(&["explain", "T020"])), 0);
    assert_eq!(code(&topoc(&["explain", "T999"])), 2);
    // A warning alone passes, unless warnings are denied.
    assert_eq!(
        code(&topoc(&["check", "tests/cases/T053-unreachable-node.toml"])),
        0
    );
    assert_eq!(
        code(&topoc(&[
            "check",
            "--deny",
            "warnings",
            "tests/cases/T053-unreachable-node.toml"
        ])),
        1
    );
}

#[test]
fn usage_errors_mention_did_you_mean() {
    let o = topoc(&["build", "examples/two-socket.toml", "--emit", "qemu-arg"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean `qemu-args`"));
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
    let r = topoc(&[
        "build",
        "tests/cases/T020-cpu-in-two-nodes.toml",
        "--out",
        &format!("{o}/out"),
    ]);
    assert_eq!(code(&r), 1);
    // An I/O failure half-way leaves the directory as it was.
    let r = Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args([
            "build",
            "examples/mi300a.toml",
            "--out",
            &format!("{o}/out"),
        ])
        .env("TOPOC_FAIL_AT", "write")
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(code(&r), 2, "{}", String::from_utf8_lossy(&r.stderr));
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
    let r = Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args([
            "build",
            "tests/cases/T020-cpu-in-two-nodes.toml",
            "--emit",
            "qemu-args",
            "-o",
            &target.display().to_string(),
        ])
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(code(&r), 1);
    assert!(!target.exists());
}

#[test]
fn output_does_not_depend_on_the_environment() {
    let a = topoc(&["build", "examples/grace-hopper.toml", "--emit", "resolved"]);
    let b = Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(["build", "examples/grace-hopper.toml", "--emit", "resolved"])
        .env("LANG", "de_DE.UTF-8")
        .env("TZ", "Asia/Tokyo")
        .env("RUST_BACKTRACE", "1")
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn inspect_reads_qemu_and_real_hardware_tables() {
    let o = topoc(&[
        "inspect",
        &shared("qemu-acpi-data/q35/SRAT.acpihmat-generic-x"),
        &shared("qemu-acpi-data/q35/HMAT.acpihmat-noinitiator"),
    ]);
    assert_eq!(code(&o), 0, "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("generic initiator: PCI 0000:01:00.2"),
        "{text}"
    );
    assert!(
        text.contains("memory PXM 2 with no attached initiator"),
        "{text}"
    );
    // A directory of real tables, as copied from /sys/firmware/acpi/tables.
    let o = topoc(&[
        "inspect",
        "--format",
        "json",
        &shared("real-tables/dell-poweredge-r820-4s"),
    ]);
    assert_eq!(code(&o), 0);
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
    let srat = std::fs::read(shared("qemu-acpi-data/q35/SRAT.numamem")).unwrap();
    let cut = dir.path().join("short.dat");
    std::fs::write(&cut, &srat[..100]).unwrap();
    let o = topoc(&["inspect", &cut.display().to_string()]);
    assert_eq!(code(&o), 1);
    assert!(String::from_utf8_lossy(&o.stdout).contains("error:"));
    let odd = dir.path().join("odd.bin");
    std::fs::write(&odd, [1u8; 21]).unwrap();
    assert_eq!(code(&topoc(&["inspect", &odd.display().to_string()])), 1);
    assert_eq!(code(&topoc(&["inspect", "no/such/table"])), 2);
}
