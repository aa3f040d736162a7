//! The command line as users meet it: exit statuses, atomic output,
//! determinism, and `inspect` on tables we did not write.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::data::{self, root};
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

/// Whether a path below an output directory is one of topoc's working
/// files (a build's stage directory, a `-o` temporary file), not an output.
fn is_working_file(rel: &str) -> bool {
    rel.split('/')
        .any(|c| c.starts_with(".topoc-stage-") || c.contains(".topoc-tmp-"))
}

/// Every file under `dir` (recursively), with its bytes, sorted; topoc's
/// working files of an interrupted run are kept apart.
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
            } else if is_working_file(&rel) {
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

/// The exit status of a finished run, from the support runner or from a
/// `Command` a test builds itself (devices, FIFOs, a full standard output).
trait Exit {
    fn exit(&self) -> i32;
}

impl Exit for Output {
    fn exit(&self) -> i32 {
        self.status.code().unwrap_or(-1)
    }
}

impl Exit for Ran {
    fn exit(&self) -> i32 {
        self.code()
    }
}

fn status_of(o: &impl Exit) -> i32 {
    o.exit()
}

// ------------------------------------------------------------ output safety

/// The golden files of one build configuration (`tests/golden/…`), without
/// `check.out`, which pins `topoc check` rather than an artifact.
fn golden(dir: &str) -> Vec<(String, Vec<u8>)> {
    let d = root().join("tests/golden").join(dir);
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(&d)
        .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .filter(|(n, _)| n != "check.out")
        .collect();
    v.sort();
    assert!(v.len() > 3, "no goldens in {}", d.display());
    v
}

/// The names a manifest lists, in its order.
fn manifest_names(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join(".topoc-manifest")).expect("a manifest");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("# topoc-manifest v1"), "{text}");
    lines
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_string)
        .collect()
}

/// `--out` ends up holding exactly the last build's artifacts: what an
/// earlier build wrote and this one does not goes, files topoc did not
/// write stay, even when their names are artifact names of another target.
#[test]
fn build_leaves_exactly_this_builds_artifacts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = out.display().to_string();
    let ch = ["--target", "cloud-hypervisor", "--fallback"];
    // cloud-hypervisor first: no qemu.args, so the user's own is not topoc's.
    let mut args = vec!["build", "-q", "examples/mi300a.toml", "--out", &o];
    args.extend(ch);
    let r = build_with(&[], &args);
    assert_eq!(status_of(&r), 0, "{}", String::from_utf8_lossy(&r.stderr));
    std::fs::write(out.join("qemu.args"), b"the user's own\n").unwrap();
    std::fs::write(out.join("notes.txt"), b"mine\n").unwrap();
    // qemu: replaces the user's qemu.args, which is one of its artifacts.
    let r = build_with(&[], &["build", "-q", "examples/mi300a.toml", "--out", &o]);
    assert_eq!(status_of(&r), 0, "{}", String::from_utf8_lossy(&r.stderr));
    let mut want = golden("mi300a");
    want.push(("notes.txt".into(), b"mine\n".to_vec()));
    want.sort();
    assert_eq!(snapshot(&out), (want, vec![]), "after the qemu build");
    // cloud-hypervisor again, for a machine with fewer tables: qemu's files
    // (HMAT.dat, qemu.*) go, notes.txt stays.
    let mut args = vec!["build", "examples/two-socket.toml", "--out", &o];
    args.extend(ch);
    let r = build_with(&[], &args);
    assert_eq!(status_of(&r), 0, "{}", String::from_utf8_lossy(&r.stderr));
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("removed 8 an earlier build wrote there"),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let mut want = golden("two-socket/cloud-hypervisor-fallback");
    want.push(("notes.txt".into(), b"mine\n".to_vec()));
    want.sort();
    assert_eq!(
        snapshot(&out),
        (want, vec![]),
        "after the cloud-hypervisor build"
    );
    let mut listed = manifest_names(&out);
    listed.sort();
    let mut present: Vec<String> = golden("two-socket/cloud-hypervisor-fallback")
        .into_iter()
        .map(|(n, _)| n)
        .filter(|n| n != ".topoc-manifest")
        .collect();
    present.sort();
    assert_eq!(listed, present, "the manifest lists what the build wrote");
    // A manifest that names a file outside the directory makes the build
    // refuse, and touches nothing.
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, b"keep\n").unwrap();
    std::fs::write(
        out.join(".topoc-manifest"),
        b"# topoc-manifest v1\n../victim.txt\n",
    )
    .unwrap();
    let before = snapshot(&out);
    let r = build_with(&[], &["build", "-q", "examples/mi300a.toml", "--out", &o]);
    assert_eq!(status_of(&r), 2);
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("cannot be read as topoc's manifest"),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert_eq!(snapshot(&out), before);
    assert_eq!(std::fs::read(&victim).unwrap(), b"keep\n");
}

/// A build killed while it replaces files leaves no manifest (the marker
/// of a complete build) until the next writer undoes it; one killed after
/// its commit point is complete and stays.
#[test]
fn a_build_killed_while_renaming_is_undone_by_the_next_writer() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = out.display().to_string();
    let r = build_with(
        &[],
        &["build", "-q", "examples/two-socket.toml", "--out", &o],
    );
    assert_eq!(status_of(&r), 0, "{}", String::from_utf8_lossy(&r.stderr));
    std::fs::write(out.join("notes.txt"), b"mine\n").unwrap();
    let before = snapshot(&out);
    let old = golden("two-socket");
    let new = golden("mi300a");

    // Killed at the second rename: one artifact is new, the rest old.
    let r = build_with(
        &[("TOPOC_FAIL_AT", "abort-rename")],
        &["build", "examples/mi300a.toml", "--out", &o],
    );
    assert_eq!(r.status.code(), None, "the process was killed by a signal");
    let (files, temps) = snapshot(&out);
    assert!(
        !temps.is_empty(),
        "the stage directory is left for recovery"
    );
    assert!(
        !files.iter().any(|(n, _)| n == ".topoc-manifest"),
        "no manifest while a build is incomplete"
    );
    let mut changed = 0;
    for (name, bytes) in &files {
        let was = old.iter().find(|(n, _)| n == name).map(|(_, b)| b);
        let is = new.iter().find(|(n, _)| n == name).map(|(_, b)| b);
        assert!(
            name == "notes.txt" || was == Some(bytes) || is == Some(bytes),
            "{name} is neither the old nor the new file"
        );
        if was != Some(bytes) && name != "notes.txt" {
            changed += 1;
        }
    }
    assert_eq!(changed, 1, "exactly the first rename happened");

    // The next writer (a build that then fails on its own) undoes it first.
    let r = build_with(
        &[("TOPOC_FAIL_AT", "write")],
        &["build", "examples/grace-hopper.toml", "--out", &o],
    );
    assert_eq!(status_of(&r), 2, "{}", String::from_utf8_lossy(&r.stderr));
    assert!(
        String::from_utf8_lossy(&r.stderr).contains("was interrupted while it replaced files"),
        "{}",
        String::from_utf8_lossy(&r.stderr)
    );
    assert_eq!(snapshot(&out), before, "the interrupted build was undone");

    // Killed after the commit point: the new build is complete and stays.
    let r = build_with(
        &[("TOPOC_FAIL_AT", "abort-committed:1")],
        &["build", "examples/mi300a.toml", "--out", &o],
    );
    assert_eq!(r.status.code(), None, "the process was killed by a signal");
    let mut want = new.clone();
    want.push(("notes.txt".into(), b"mine\n".to_vec()));
    want.sort();
    let (files, temps) = snapshot(&out);
    assert_eq!(files, want, "a committed build is complete");
    assert!(!temps.is_empty());
    let r = build_with(
        &[("TOPOC_FAIL_AT", "write")],
        &["build", "examples/grace-hopper.toml", "--out", &o],
    );
    assert_eq!(status_of(&r), 2);
    assert_eq!(snapshot(&out), (want, vec![]), "kept, and cleaned up");
}

/// A failed write creates no directory: not `--out`'s, not `-o`'s parent.
#[test]
fn a_failed_build_creates_no_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new/a/b");
    let r = build_with(
        &[("TOPOC_FAIL_AT", "write")],
        &[
            "build",
            "examples/mi300a.toml",
            "--out",
            &out.display().to_string(),
        ],
    );
    assert_eq!(status_of(&r), 2, "{}", String::from_utf8_lossy(&r.stderr));
    assert!(
        !dir.path().join("new").exists(),
        "--out created a directory"
    );
    let file = dir.path().join("other/x/qemu.args");
    let r = build_with(
        &[("TOPOC_FAIL_AT", "write:1")],
        &[
            "build",
            "examples/mi300a.toml",
            "--emit",
            "qemu-args",
            "-o",
            &file.display().to_string(),
        ],
    );
    assert_eq!(status_of(&r), 2, "{}", String::from_utf8_lossy(&r.stderr));
    assert!(!dir.path().join("other").exists(), "-o created a directory");
    // An existing directory stays, and so does the rest of a new path that
    // succeeds.
    let r = build_with(
        &[],
        &[
            "build",
            "-q",
            "examples/mi300a.toml",
            "--out",
            &out.display().to_string(),
        ],
    );
    assert_eq!(status_of(&r), 0);
    assert!(out.join(".topoc-manifest").is_file());
}

/// Builds run in parallel into one directory all succeed, and leave it
/// holding exactly one build's artifacts and its manifest.
#[test]
fn parallel_builds_into_one_directory_all_succeed() {
    let configs: &[(&str, &[&str], &str)] = &[
        ("two-socket", &[], "two-socket"),
        ("mi300a", &[], "mi300a"),
        ("grace-hopper", &[], "grace-hopper"),
        (
            "mi300x",
            &["--target", "cloud-hypervisor", "--fallback"],
            "mi300x/cloud-hypervisor-fallback",
        ),
        (
            "two-socket",
            &["--target", "cloud-hypervisor", "--fallback"],
            "two-socket/cloud-hypervisor-fallback",
        ),
        ("cxl-expander", &[], "cxl-expander"),
    ];
    let goldens: Vec<Vec<(String, Vec<u8>)>> = configs.iter().map(|c| golden(c.2)).collect();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("notes.txt"), b"mine\n").unwrap();
    for round in 0..4 {
        let mut children = Vec::new();
        for k in 0..8 {
            let (example, extra, _) = configs[(round + k) % configs.len()];
            let mut c = Command::new(env!("CARGO_BIN_EXE_topoc"));
            c.args(["build", "-q", &format!("examples/{example}.toml"), "--out"])
                .arg(&out)
                .args(extra)
                .current_dir(root())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped());
            children.push((example, c.spawn().expect("spawn topoc")));
        }
        for (example, child) in children {
            let o = child.wait_with_output().unwrap();
            assert_eq!(
                status_of(&o),
                0,
                "round {round}, {example}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
        let (mut files, temps) = snapshot(&out);
        assert!(temps.is_empty(), "round {round}: left behind {temps:?}");
        let i = files
            .iter()
            .position(|(n, _)| n == "notes.txt")
            .expect("notes.txt stays");
        assert_eq!(files.remove(i).1, b"mine\n");
        assert!(
            goldens.contains(&files),
            "round {round}: the directory is not one build's artifacts: {:?}",
            files.iter().map(|(n, _)| n).collect::<Vec<_>>()
        );
    }
}

/// A writer waits for the directory's lock, and says so when that lasts; a
/// reader that holds it shared (`flock --shared`) keeps builds out.
#[test]
fn a_build_waits_for_the_directory_lock() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let marker = dir.path().join("locked");
    let mut reader = Command::new("flock")
        .arg("--shared")
        .arg(&out)
        .args(["-c", &format!("touch '{}'; sleep 3", marker.display())])
        .spawn()
        .expect("util-linux flock");
    while !marker.exists() {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let started = std::time::Instant::now();
    let r = build_with(
        &[],
        &[
            "build",
            "examples/two-socket.toml",
            "--out",
            &out.display().to_string(),
        ],
    );
    let waited = started.elapsed();
    reader.wait().unwrap();
    assert_eq!(status_of(&r), 0, "{}", String::from_utf8_lossy(&r.stderr));
    assert!(
        waited >= std::time::Duration::from_secs(2),
        "it did not wait: {waited:?}"
    );
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(
        err.contains("note: waiting for another topoc writing to") && err.contains("lock"),
        "{err}"
    );
}

/// `-o` onto a FIFO, a character device or a symbolic link such as
/// `/dev/stdout` writes through it, and the node stays what it was.
#[test]
fn output_onto_a_device_or_fifo_writes_through_it() {
    use std::os::unix::fs::FileTypeExt;
    let expected = run(&["build", "examples/two-socket.toml", "--emit", "qemu-args"]).stdout;
    assert!(!expected.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let emit = |o: &Path| {
        build_with(
            &[],
            &[
                "build",
                "examples/two-socket.toml",
                "--emit",
                "qemu-args",
                "-o",
                &o.display().to_string(),
            ],
        )
    };
    // A FIFO with a reader on the other end.
    let fifo = dir.path().join("fifo");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let reader = Command::new("cat")
        .arg(&fifo)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let r = emit(&fifo);
    let still_fifo = std::fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo();
    if !still_fifo {
        // Unblock the reader, still waiting on the replaced node.
        let _ = Command::new("kill").arg(reader.id().to_string()).status();
    }
    let got = reader.wait_with_output().unwrap().stdout;
    assert_eq!(status_of(&r), 0, "{}", String::from_utf8_lossy(&r.stderr));
    assert!(still_fifo, "the FIFO was replaced");
    assert_eq!(got, expected);
    // A character device. As root, one of our own (the null device made
    // with mknod), so that a regression cannot replace the system's
    // /dev/null; otherwise /dev/null itself.
    let null = dir.path().join("null");
    let own = Command::new("mknod")
        .arg(&null)
        .args(["c", "1", "3"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let null = if own {
        null
    } else {
        PathBuf::from("/dev/null")
    };
    let r = emit(&null);
    assert_eq!(status_of(&r), 0, "{}", String::from_utf8_lossy(&r.stderr));
    assert!(
        std::fs::symlink_metadata(&null)
            .unwrap()
            .file_type()
            .is_char_device(),
        "{} was replaced",
        null.display()
    );
    // A link to standard output, as /dev/stdout is (ours: a regression must
    // not replace the system's /dev/stdout when the tests run as root).
    let stdout = dir.path().join("stdout");
    std::os::unix::fs::symlink("/proc/self/fd/1", &stdout).unwrap();
    let r = emit(&stdout);
    assert_eq!(status_of(&r), 0, "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(r.stdout, expected);
    assert!(
        std::fs::symlink_metadata(&stdout)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    // A directory is refused.
    let r = emit(dir.path());
    assert_eq!(status_of(&r), 2);
    assert!(String::from_utf8_lossy(&r.stderr).contains("is a directory"));
}

/// Runs topoc with its standard output on `/dev/full`.
fn to_full(args: &[&str]) -> Output {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .stdout(full)
        .output()
        .expect("run topoc")
}

/// A failed write to standard output is an I/O error, whatever the
/// command and whatever it found; a failed write to standard error is no
/// panic.
#[test]
fn write_errors_on_standard_output_exit_2() {
    // Our own link to standard output, not /dev/stdout (see above).
    let dir = tempfile::tempdir().unwrap();
    let stdout = dir.path().join("stdout");
    std::os::unix::fs::symlink("/proc/self/fd/1", &stdout).unwrap();
    let stdout = stdout.display().to_string();
    let runs: &[&[&str]] = &[
        &["schema"],
        &["probe-script"],
        &["explain", "T020"],
        &["explain", "--list"],
        &["build", "--list"],
        &[
            "build",
            "examples/two-socket.toml",
            "--emit",
            "qemu-args",
            "-o",
            "-",
        ],
        &[
            "build",
            "examples/two-socket.toml",
            "--emit",
            "qemu-args",
            "-o",
            &stdout,
        ],
        &[
            "build",
            "--format",
            "json",
            "examples/two-socket.toml",
            "--emit",
            "srat",
        ],
        &["check", "--format", "json", "examples/two-socket.toml"],
        &[
            "check",
            "--format",
            "json",
            "tests/cases/T020-cpu-in-two-nodes.toml",
        ],
        &["graph", "examples/two-socket.toml"],
        &["inspect", "tests/golden/two-socket/SRAT.dat"],
        &[
            "inspect",
            "--format",
            "json",
            "tests/inspect/data/21-bytes.bin",
        ],
        &[
            "verify",
            "tests/verify-data/two-socket.toml",
            "--guest",
            "tests/verify-data/two-socket.seabios.dump",
        ],
    ];
    for args in runs {
        let o = to_full(args);
        assert_eq!(
            status_of(&o),
            2,
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("error: cannot write to standard output") || err.contains("No space left"),
            "{args:?}: {err}"
        );
    }
    // Standard error on /dev/full: the exit status still says what was found.
    for (args, want) in [
        (&["check", "tests/cases/T020-cpu-in-two-nodes.toml"][..], 1),
        (&["check", "examples/two-socket.toml"][..], 0),
        (&["check", "no/such/file.toml"][..], 2),
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let o = Command::new(env!("CARGO_BIN_EXE_topoc"))
            .args(args)
            .current_dir(root())
            .stderr(full)
            .output()
            .unwrap();
        assert_eq!(status_of(&o), want, "{args:?}");
    }
}

// ------------------------------------------------------------ inputs

/// Runs topoc with `input` on its standard input.
fn topoc_stdin(args: &[&str], input: &[u8]) -> Ran {
    topoc(args).stdin(input.to_vec()).run()
}

/// `-` is standard input for every file argument of every command, and
/// gives the same result as the file.
#[test]
fn dash_reads_standard_input_everywhere() {
    let toml = std::fs::read(root().join("examples/two-socket.toml")).unwrap();
    // The run on the file, with the file's name as standard input's.
    let same = |args_file: &[&str], args_stdin: &[&str], input: &[u8]| {
        let a = run(args_file);
        let b = topoc_stdin(args_stdin, input);
        assert_eq!(
            status_of(&b),
            status_of(&a),
            "{args_stdin:?}: {}",
            String::from_utf8_lossy(&b.stderr)
        );
        let file = args_file
            .iter()
            .zip(args_stdin)
            .find(|(_, s)| **s == "-")
            .map(|(f, _)| *f)
            .unwrap();
        assert_eq!(
            String::from_utf8_lossy(&b.stdout),
            String::from_utf8_lossy(&a.stdout).replace(file, "<stdin>"),
            "{args_stdin:?}"
        );
        b
    };
    let r = same(
        &["check", "examples/two-socket.toml"],
        &["check", "-"],
        &toml,
    );
    assert_eq!(status_of(&r), 0);
    assert_eq!(String::from_utf8_lossy(&r.stderr), "<stdin>: ok\n");
    same(
        &[
            "check",
            "--format",
            "json",
            "tests/cases/T020-cpu-in-two-nodes.toml",
        ],
        &["check", "--format", "json", "-"],
        &std::fs::read(root().join("tests/cases/T020-cpu-in-two-nodes.toml")).unwrap(),
    );
    same(
        &["build", "examples/two-socket.toml", "--emit", "qemu-args"],
        &["build", "-", "--emit", "qemu-args"],
        &toml,
    );
    same(
        &["graph", "examples/two-socket.toml"],
        &["graph", "-"],
        &toml,
    );
    // build --out from standard input.
    let dir = tempfile::tempdir().unwrap();
    let o = dir.path().join("out").display().to_string();
    let r = topoc_stdin(&["build", "-q", "-", "--out", &o], &toml);
    assert_eq!(status_of(&r), 0, "{}", String::from_utf8_lossy(&r.stderr));
    assert_eq!(
        snapshot(&dir.path().join("out")),
        (golden("two-socket"), vec![])
    );
    // inspect: the pipeline the issue asked for.
    let srat = run(&[
        "build",
        "examples/two-socket.toml",
        "--emit",
        "srat",
        "-o",
        "-",
    ])
    .stdout;
    let r = topoc_stdin(&["inspect", "-"], &srat);
    assert_eq!(status_of(&r), 0, "{}", String::from_utf8_lossy(&r.stderr));
    let file = run(&["inspect", "tests/golden/two-socket/SRAT.dat"]).stdout;
    assert_eq!(
        String::from_utf8_lossy(&r.stdout),
        String::from_utf8_lossy(&file).replace("tests/golden/two-socket/SRAT.dat", "<stdin>")
    );
    // Something inspect does not read, on standard input, is an error.
    let r = topoc_stdin(&["inspect", "-"], &[1u8; 21]);
    assert_eq!(status_of(&r), 1);
    // verify: the dump or the topology from standard input.
    let dump = std::fs::read(root().join("tests/verify-data/two-socket.seabios.dump")).unwrap();
    let by_file = [
        "verify",
        "tests/verify-data/two-socket.toml",
        "--guest",
        "tests/verify-data/two-socket.seabios.dump",
    ];
    same(
        &by_file,
        &[
            "verify",
            "tests/verify-data/two-socket.toml",
            "--guest",
            "-",
        ],
        &dump,
    );
    same(
        &by_file,
        &[
            "verify",
            "-",
            "--guest",
            "tests/verify-data/two-socket.seabios.dump",
        ],
        &std::fs::read(root().join("tests/verify-data/two-socket.toml")).unwrap(),
    );
    // Standard input is read once.
    for args in [
        &["verify", "-", "--guest", "-"][..],
        &["inspect", "-", "-"][..],
    ] {
        let r = topoc_stdin(args, &srat);
        assert_eq!(status_of(&r), 2, "{args:?}");
        assert!(
            String::from_utf8_lossy(&r.stderr)
                .contains("standard input (`-`) can be read only once"),
            "{args:?}: {}",
            String::from_utf8_lossy(&r.stderr)
        );
    }
}

/// A topology that is not UTF-8 is an invalid topology (exit 1, T001 at
/// the first bad byte), in text and JSON alike.
#[test]
fn non_utf8_topology_is_invalid_not_an_io_error() {
    let mut latin1 = std::fs::read(root().join("examples/two-socket.toml")).unwrap();
    let at = latin1.windows(7).position(|w| w == b"socket0").unwrap() + 6;
    latin1[at] = 0xe9; // "socket\xe9": é in Latin-1
    let r = topoc_stdin(&["check", "-"], &latin1);
    assert_eq!(status_of(&r), 1, "{}", String::from_utf8_lossy(&r.stderr));
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains("T001(toml-syntax)"), "{err}");
    assert!(
        err.contains("the file is not UTF-8 text (byte 0xe9)"),
        "{err}"
    );
    let line = 1 + latin1[..at].iter().filter(|&&b| b == b'\n').count();
    let column = at
        - latin1[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    assert!(err.contains(&format!("<stdin>:{line}:{column}]")), "{err}");
    let r = topoc_stdin(&["check", "--format", "json", "-"], &latin1);
    assert_eq!(status_of(&r), 1);
    let v: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["errors"], 1);
    assert_eq!(v["diagnostics"][0]["code"], "T001");
    assert_eq!(v["diagnostics"][0]["line"], line);
    assert_eq!(v["diagnostics"][0]["column"], column);
    // build and graph refuse it the same way, and write nothing.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let r = topoc_stdin(
        &["build", "-", "--out", &out.display().to_string()],
        &latin1,
    );
    assert_eq!(status_of(&r), 1);
    assert!(!out.exists());
    assert_eq!(status_of(&topoc_stdin(&["graph", "-"], &latin1)), 1);
    // A UTF-16 file says what it is.
    let utf16: Vec<u8> = [0xff, 0xfe]
        .into_iter()
        .chain("topoc = 1\n".encode_utf16().flat_map(u16::to_le_bytes))
        .collect();
    let r = topoc_stdin(&["check", "-"], &utf16);
    assert_eq!(status_of(&r), 1);
    assert!(String::from_utf8_lossy(&r.stderr).contains("UTF-16 byte-order mark"));
}

/// Line numbers in diagnostics count LF, CRLF and lone CR line endings as
/// an editor does.
#[test]
fn line_numbers_are_right_whatever_the_line_endings() {
    let lf = std::fs::read_to_string(root().join("tests/cases/T001-toml-syntax.toml")).unwrap();
    let line_of = |s: &str| {
        let v: serde_json::Value = serde_json::from_slice(
            &topoc_stdin(&["check", "--format", "json", "-"], s.as_bytes()).stdout,
        )
        .unwrap();
        (
            v["diagnostics"][0]["line"].as_u64().unwrap(),
            v["diagnostics"][0]["column"].as_u64().unwrap(),
            v["diagnostics"][0]["message"].as_str().unwrap().to_string(),
        )
    };
    // The golden case's error, with LF and with CRLF endings.
    let (line, column, _) = line_of(&lf);
    assert_eq!((line, column), (7, 19));
    assert_eq!(line_of(&lf.replace('\n', "\r\n")).0, 7);
    // Lone CRs from line 5 on: the first one ends line 5, and text and
    // JSON both say so.
    let mut lines: Vec<&str> = lf.lines().collect();
    let tail = lines.split_off(4).join("\r");
    let mixed = format!("{}\n{tail}\r", lines.join("\n"));
    let (line, column, message) = line_of(&mixed);
    assert!(message.contains("carriage return"), "{message}");
    assert_eq!(
        (line, column as usize),
        (5, lf.lines().nth(4).unwrap().len() + 1)
    );
    let r = topoc_stdin(&["check", "-"], mixed.as_bytes());
    assert_eq!(status_of(&r), 1);
    let err = String::from_utf8_lossy(&r.stderr);
    assert!(err.contains(&format!("<stdin>:5:{column}]")), "{err}");
    assert!(
        err.contains(" 5 │ "),
        "the excerpt is numbered as an editor shows it: {err}"
    );
    assert!(
        !err.contains('\r'),
        "no carriage return reaches the terminal: {err}"
    );
}

// ------------------------------------------------------------ lint levels

/// `--deny warnings` becomes usable: the warnings a file is known to raise
/// are allowed by code, in the file or on the command line, and every other
/// warning still stops the build.
#[test]
fn lint_levels_on_the_command_line_and_in_the_file() {
    let t042 = "tests/cases/T042-spm-on-cpu-node.toml";
    assert_eq!(code(&["check", "--deny", "warnings", t042]), 1);
    assert_eq!(
        code(&["check", "--deny", "warnings", "--allow", "T042", t042]),
        0
    );
    let r = run(&[
        "check",
        "--deny",
        "warnings",
        "--allow",
        "spm-on-cpu-node",
        t042,
    ]);
    assert_eq!(r.code(), 0, "{}", r.err());
    assert!(
        !r.err().contains("T042("),
        "an allowed warning is not shown"
    );
    // --cpu-model host raises T108 on every machine.
    let allowed = "tests/cases/lints-deny-warnings.toml";
    let host = ["check", "--cpu-model", "host", "--deny", "warnings"];
    let with = |extra: &[&str]| {
        let mut a: Vec<&str> = host.to_vec();
        a.extend(extra);
        a.push(allowed);
        run(&a)
    };
    assert_eq!(with(&[]).code(), 1, "T108 is denied");
    assert!(with(&[]).err().contains("T108"));
    assert_eq!(with(&["--allow", "T108"]).code(), 0);
    // The command line wins over the file's `T042 = "allow"`.
    let r = with(&["--allow", "T108", "--warn", "T042"]);
    assert_eq!(
        r.code(),
        1,
        "--warn T042 puts T042 back under --deny warnings"
    );
    assert!(r.err().contains("T042"));
    assert_eq!(code(&["check", "--deny", "T042", allowed]), 1);
    assert_eq!(code(&["check", allowed]), 0);
    // A denied warning stops `build` like any error, and writes nothing.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let r = run(&[
        "build",
        t042,
        "--deny",
        "T042",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code(), 1, "{}", r.err());
    assert!(!out.exists(), "a failed build creates no directory");
    let r = run(&[
        "build",
        t042,
        "--allow",
        "T042",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(r.code(), 0, "{}", r.err());
    assert!(out.join("SRAT.dat").exists());
}

/// What the lint flags refuse is a usage error (exit 2) that says why.
#[test]
fn lint_flags_refuse_errors_unknown_codes_and_contradictions() {
    let file = "tests/cases/T042-spm-on-cpu-node.toml";
    for (args, says) in [
        (
            &["--allow", "T020"][..],
            "T020 (cpu-in-two-nodes) is an error, and an error cannot be allowed",
        ),
        (
            &["--warn", "qemu-node-ids"][..],
            "cannot be lowered to a warning",
        ),
        (&["--deny", "T42"][..], "did you mean `T042`"),
        (&["--allow", "warning"][..], "did you mean `warnings`"),
        (
            &["--allow", "T042", "--deny", "spm-on-cpu-node"][..],
            "`T042` is given both --allow and --deny",
        ),
        (
            &["--warn", "warnings", "--allow", "warnings"][..],
            "`warnings` is given both --allow and --warn",
        ),
    ] {
        let mut a = vec!["check"];
        a.extend(args);
        a.push(file);
        let r = run(&a);
        assert_eq!(r.code(), 2, "{args:?}");
        assert!(r.err().contains(says), "{args:?}: {}", r.err());
    }
    // Denying an error changes nothing, and repeating a level is no
    // contradiction.
    assert_eq!(
        code(&["check", "--deny", "T020", "--deny", "T020", file]),
        0
    );
    assert_eq!(
        code(&[
            "check",
            "--deny",
            "T020",
            "tests/cases/T020-cpu-in-two-nodes.toml"
        ]),
        1
    );
}
