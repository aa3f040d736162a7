//! `verify` on recorded guest dumps: fast, no QEMU needed.
//!
//! `tests/verify-data/` holds two dumps recorded by `tests/guest_examples.rs`
//! (Debian 6.1.0-56 under QEMU 10.0.2 + SeaBIOS) with the topologies they
//! were booted from. The tests edit those dumps the way other kernels or a
//! misconfigured VM would change them and check that `verify` applies its
//! kernel-version rules, reports the right failures, and that the CLI keeps
//! its exit statuses. The unedited dumps' full reports are pinned by the
//! dumps suite of `tests/cases.rs` (`<machine>.<boot>.out` and `.json`).

mod support;

use std::path::PathBuf;
use topoc::guest::dump::GuestDump;
use topoc::pipeline::{Compiled, Options};
use topoc::source::SourceFile;
use topoc::verify::{Report, Status};

fn data(name: &str) -> PathBuf {
    support::data::root().join("tests/verify-data").join(name)
}

fn read(name: &str) -> String {
    support::data::read_text(&data(name))
}

fn compiled(machine: &str) -> Compiled {
    let name = format!("{machine}.toml");
    let src = SourceFile::new(name.clone(), read(&name));
    match topoc::pipeline::compile(&src, &Options::default()) {
        Ok(c) => c,
        Err(d) => panic!("{name} does not compile: {d:?}"),
    }
}

fn verify(machine: &str, dump: &str) -> Report {
    let d = match GuestDump::parse(dump) {
        Ok(d) => d,
        Err(e) => panic!("dump does not parse: {e}"),
    };
    topoc::verify::verify(&compiled(machine), &d)
}

fn status(r: &Report, name: &str) -> Status {
    match r.check(name) {
        Some(c) => c.status,
        None => panic!("no check {name}:\n{}", r.render_text(false)),
    }
}

#[test]
fn recorded_dumps_agree_with_the_prediction() {
    for m in ["two-socket", "mi300a"] {
        let r = verify(m, &read(&format!("{m}.seabios.dump")));
        assert!(r.passed(), "{m}:\n{}", r.render_text(false));
        assert_eq!(r.summary.not_applicable, 0, "{}", r.render_text(false));
        assert!(r.rules.is_empty(), "no rule applies to 6.1: {:?}", r.rules);
    }
}

#[test]
fn srat_cpu_lines_are_optional_from_6_12_only() {
    let dump = read("two-socket.seabios.dump");
    let without: String = dump
        .lines()
        .filter(|l| !l.starts_with("SRAT: PXM"))
        .map(|l| format!("{l}\n"))
        .collect();
    // On 6.1 the lines are printed, so their absence fails.
    let r = verify("two-socket", &without);
    assert_eq!(status(&r, "numa.srat-cpus"), Status::Fail);
    // From 6.12 they are debug-only: the check does not apply, and the
    // report says which rule made it so.
    let newer = without.replace("release: 6.1.0-56-cloud-amd64", "release: 6.12.9-amd64");
    let r = verify("two-socket", &newer);
    assert!(r.passed(), "{}", r.render_text(false));
    assert_eq!(status(&r, "numa.srat-cpus"), Status::NotApplicable);
    assert!(r.rules.iter().any(|x| x.contains("6.12")), "{:?}", r.rules);
}

#[test]
fn e820_names_follow_the_kernel_version() {
    let dump = read("two-socket.seabios.dump");
    let renamed: String = dump
        .lines()
        .map(|l| {
            if l.starts_with("BIOS-e820:") {
                l.replace("] usable", "] System RAM")
                    .replace("] reserved", "] device reserved")
            } else {
                l.to_string()
            }
        })
        .map(|l| format!("{l}\n"))
        .collect();
    let v7 = renamed.replace("release: 6.1.0-56-cloud-amd64", "release: 7.0.1-amd64");
    let r = verify("two-socket", &v7);
    assert!(r.passed(), "{}", r.render_text(false));
    assert!(r.rules.iter().any(|x| x.contains("7.0")), "{:?}", r.rules);
    // 7.0 names on a 6.1 kernel, or 6.1 names on a 7.0 kernel, are wrong.
    assert_eq!(
        status(&verify("two-socket", &renamed), "e820.bios"),
        Status::Fail
    );
    let old_names = dump.replace("release: 6.1.0-56-cloud-amd64", "release: 7.0.1-amd64");
    assert_eq!(
        status(&verify("two-socket", &old_names), "e820.bios"),
        Status::Fail
    );
}

#[test]
fn a_guest_without_memmap_is_blamed_on_the_command_line() {
    let dump = read("mi300a.seabios.dump");
    // Drop the memmap= arguments and what they did.
    let without: String = dump
        .lines()
        .filter(|l| !l.starts_with("user: ") && !l.contains("==> soft reserved"))
        .map(|l| {
            if let Some(rest) = l.strip_prefix("cmdline: ") {
                let kept: Vec<&str> = rest
                    .split_whitespace()
                    .filter(|w| !w.starts_with("memmap="))
                    .collect();
                format!("cmdline: {}\n", kept.join(" "))
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let r = verify("mi300a", &without);
    assert_eq!(status(&r, "kernel.cmdline"), Status::Fail);
    let user = r
        .check("e820.user")
        .map(|c| c.cause.clone().unwrap_or_default());
    assert!(
        user.as_deref()
            .is_some_and(|c| c.contains("kernel.cmdline")),
        "{user:?}"
    );
}

#[test]
fn a_different_node_numbering_is_named_as_the_cause() {
    // Swap the two GPU nodes in the prediction:
    // the guest's numbering then differs and the per-node checks say so.
    let c = compiled("mi300a");
    let mut p = topoc::verify::Prediction::new(&c);
    let (a, b) = (p.numa.pxm_to_node[&4], p.numa.pxm_to_node[&5]);
    p.numa.pxm_to_node.insert(4, b);
    p.numa.pxm_to_node.insert(5, a);
    let d = GuestDump::parse(&read("mi300a.seabios.dump")).unwrap_or_else(|e| panic!("{e}"));
    let r = topoc::verify::verify_prediction(&c, &p, &d);
    assert_eq!(status(&r, "numa.pxm-map"), Status::Fail);
    let cause = r
        .failures()
        .filter(|c| c.name.starts_with("node"))
        .filter_map(|c| c.cause.clone())
        .next()
        .unwrap_or_default();
    assert!(cause.contains("numa.pxm-map"), "{}", r.render_text(false));
}

/// Replaces the body of each named section.
fn with_sections(dump: &str, bodies: &[(&str, &str)]) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in dump.lines() {
        if let Some(name) = line.strip_prefix("### ") {
            skipping = false;
            out.push_str(line);
            out.push('\n');
            if let Some((_, body)) = bodies.iter().find(|(n, _)| *n == name) {
                out.push_str(body);
                out.push('\n');
                skipping = true;
            }
            continue;
        }
        if line.starts_with("=====TOPOC-DUMP-END") {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn a_dump_taken_without_root_says_what_it_could_not_check() {
    let dump = read("mi300a.seabios.dump");
    let zeroed: String = dump
        .split("### iomem\n")
        .nth(1)
        .and_then(|rest| rest.split("### ").next())
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let body = l.trim_start();
            let indent = &l[..l.len() - body.len()];
            match body.split_once(" : ") {
                Some((_, name)) => format!("{indent}00000000-00000000 : {name}"),
                None => l.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let iomem = format!("!not-root /proc/iomem shows zero addresses to other users\n{zeroed}");
    let user = with_sections(
        &dump,
        &[
            ("dmesg", "!unreadable dmesg (not root)"),
            ("iomem", &iomem),
            (
                "fw_cfg.e820",
                "!unreadable /sys/firmware/qemu_fw_cfg/by_name/etc/e820/raw (not root)",
            ),
            (
                "acpi.SRAT",
                "!unreadable /sys/firmware/acpi/tables/SRAT (not root)",
            ),
            (
                "acpi.SLIT",
                "!unreadable /sys/firmware/acpi/tables/SLIT (not root)",
            ),
            (
                "acpi.HMAT",
                "!unreadable /sys/firmware/acpi/tables/HMAT (not root)",
            ),
        ],
    );
    let r = verify("mi300a", &user);
    assert!(r.passed(), "{}", r.render_text(false));
    for name in [
        "e820.fw_cfg",
        "e820.bios",
        "e820.user",
        "numa.srat-cpus",
        "numa.pxm-map",
        "node0.srat",
        "node0.initmem",
        "spm.iomem",
        "gi.srat",
        "acpi.SRAT",
    ] {
        assert_eq!(status(&r, name), Status::NotApplicable, "{name}");
        let reason = r
            .check(name)
            .and_then(|c| c.reason.clone())
            .unwrap_or_default();
        assert!(!reason.is_empty(), "{name} has no reason");
    }
    // What sysfs shows to anyone is still compared.
    for name in [
        "numa.online",
        "node0.cpulist",
        "node0.memtotal",
        "node0.distance",
        "spm.dax",
    ] {
        assert_eq!(status(&r, name), Status::Pass, "{name}");
    }
}

#[test]
fn json_report_has_every_check() {
    let r = verify("two-socket", &read("two-socket.seabios.dump"));
    let v: serde_json::Value =
        serde_json::from_str(&r.render_json()).unwrap_or_else(|e| panic!("bad JSON: {e}"));
    let checks = v["checks"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(checks, r.checks.len());
    assert_eq!(v["summary"]["fail"], 0);
    assert_eq!(v["checks"][0]["status"], "pass");
}

/// `topoc ARGS` in `tests/verify-data/`, with `stdin` fed to it.
fn topoc(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut cmd = support::run::topoc(args).current_dir(data(""));
    if let Some(input) = stdin {
        cmd = cmd.stdin(input);
    }
    let r = cmd.run();
    (r.code(), r.out(), r.err())
}

#[test]
fn cli_exit_statuses() {
    let (code, out, _) = topoc(
        &[
            "verify",
            "two-socket.toml",
            "--guest",
            "two-socket.seabios.dump",
        ],
        None,
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("guest agrees"), "{out}");
    // The right dump for another topology: differences, exit 1.
    let (code, out, _) = topoc(
        &[
            "verify",
            "mi300a.toml",
            "--guest",
            "two-socket.seabios.dump",
        ],
        None,
    );
    assert_eq!(code, 1);
    assert!(
        out.contains("FAIL") && out.contains("likely cause"),
        "{out}"
    );
    // JSON from standard input.
    let dump = read("two-socket.seabios.dump");
    let (code, out, _) = topoc(
        &[
            "verify",
            "two-socket.toml",
            "--guest",
            "-",
            "--format",
            "json",
        ],
        Some(&dump),
    );
    assert_eq!(code, 0);
    assert!(out.trim_start().starts_with('{'), "{out}");
    // A dump cut off before its end marker, and a missing file: exit 2.
    let cut: String = dump.lines().take(40).map(|l| format!("{l}\n")).collect();
    let (code, _, err) = topoc(&["verify", "two-socket.toml", "--guest", "-"], Some(&cut));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("truncated"), "{err}");
    let (code, _, _) = topoc(&["verify", "two-socket.toml", "--guest", "nope.dump"], None);
    assert_eq!(code, 2);
    // probe-script prints the probe.
    let (code, out, _) = topoc(&["probe-script"], None);
    assert_eq!(code, 0);
    assert_eq!(out, topoc::probe::PROBE_SCRIPT);
}
