//! The guest-side check for cloud-hypervisor: `tests/ch-probe/probe.c`
//! boots under the real binary with topoc's command line and reports the
//! PVH memmap and every ACPI table it is handed; the SRAT and SLIT must
//! equal topoc's `SRAT.dat` and `SLIT.dat` byte for byte, and the memmap
//! topoc's `e820.pvh.json` entry for entry.
//!
//! Booted: every bundled example (with `--fallback` where it needs it), every
//! `tests/cases/*` file that checks clean for cloud-hypervisor and that this
//! host can start (see `expect` in `tests/ch-probe/kit.rs`: hugepage zones
//! at GPA 0 need free hugepages, host nodes must exist), a topology with two
//! passed-through devices on Generic Initiator nodes (virtio-blk stand-ins in
//! their slots), and small random machines. topoc compiles for the binary's
//! own release (`--ch-version`), and the Generic Initiator test also shows
//! that the other releases' handle would not match.
//!
//! Results are printed on stderr (`ch-probe:` lines).

#[path = "support/ch.rs"]
mod ch;
#[path = "ch-probe/kit.rs"]
#[allow(dead_code)]
mod kit;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use topoc::kinds::{ChGiHandle, ChVersion};

fn binary() -> &'static ch::ChBinary {
    static BIN: OnceLock<ch::ChBinary> = OnceLock::new();
    BIN.get_or_init(|| ch::cloud_hypervisor().unwrap_or_else(|e| panic!("{e}")))
}

fn host() -> &'static kit::Host {
    static HOST: OnceLock<kit::Host> = OnceLock::new();
    HOST.get_or_init(kit::Host::read)
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn note(s: &str) {
    let _ = writeln!(std::io::stderr(), "ch-probe: {s}");
}

/// `topoc build FILE --target cloud-hypervisor --ch-version V [extra] --out
/// DIR` with the real binary; `None` when topoc refuses the file.
fn build(file: &Path, extra: &[String], version: &str, out: &Path) -> Option<()> {
    let _ = std::fs::remove_dir_all(out);
    let status = Command::new(env!("CARGO_BIN_EXE_topoc"))
        .arg("build")
        .arg(file)
        .args(["--target", "cloud-hypervisor", "--ch-version", version])
        .args(extra)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .current_dir(root())
        .output()
        .unwrap_or_else(|e| panic!("run topoc: {e}"));
    status.status.success().then_some(())
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// topoc's `e820.pvh.json` entries as (start, size, type code).
fn predicted_memmap(out: &Path) -> Vec<(u64, u64, u32)> {
    let v: serde_json::Value = serde_json::from_slice(&read(&out.join("e820.pvh.json")))
        .unwrap_or_else(|e| panic!("e820.pvh.json: {e}"));
    let hex = |x: &serde_json::Value| {
        x.as_str()
            .and_then(|s| s.strip_prefix("0x"))
            .and_then(|s| u64::from_str_radix(s, 16).ok())
            .unwrap_or_else(|| panic!("not a hex string: {x}"))
    };
    v["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("no entries in e820.pvh.json"))
        .iter()
        .map(|e| {
            (
                hex(&e["start"]),
                e["size"].as_u64().unwrap_or_else(|| panic!("size {e}")),
                hex(&e["type_code"]) as u32,
            )
        })
        .collect()
}

/// Boots the probe with `out/ch.args` (devices replaced by stand-ins) and
/// compares; returns the one-line result, or why it differs.
fn probe(what: &str, out: &Path) -> Result<String, String> {
    let args: Vec<String> = String::from_utf8_lossy(&read(&out.join("ch.args")))
        .lines()
        .map(String::from)
        .collect();
    let (args, disks) = kit::with_disks(&args, out);
    let (args, _) = kit::with_files(&args, out);
    let seen = kit::boot(&binary().path, &args).map_err(|e| format!("{what}: {e}"))?;
    let mut report = Vec::new();
    let mut differs = Vec::new();
    for (sig, file) in [("SRAT", "SRAT.dat"), ("SLIT", "SLIT.dat")] {
        let want = read(&out.join(file));
        match seen.table(sig) {
            Some(got) if got == want.as_slice() => {
                report.push(format!("{sig} identical ({} B)", got.len()))
            }
            Some(got) => differs.push(format!(
                "{sig}: {} B predicted, {} B in the guest, first differing offsets {:?}",
                want.len(),
                got.len(),
                kit::diff_offsets(&want, got)
            )),
            None => differs.push(format!(
                "{sig}: the guest has none (tables: {:?})",
                seen.signatures()
            )),
        }
    }
    let want = predicted_memmap(out);
    if want == seen.memmap {
        report.push(format!("PVH memmap identical ({} entries)", want.len()));
    } else {
        differs.push(format!(
            "PVH memmap: predicted {want:x?}, guest {:x?}",
            seen.memmap
        ));
    }
    if seen.table("HMAT").is_some() {
        differs
            .push("the guest has an HMAT, which topoc says cloud-hypervisor never builds".into());
    }
    if !differs.is_empty() {
        return Err(format!("{what}: {}", differs.join("; ")));
    }
    let stand_ins = if disks > 0 {
        format!(", {disks} device(s) as virtio-blk stand-ins")
    } else {
        String::new()
    };
    Ok(format!(
        "{what}: {}{stand_ins}; tables {}",
        report.join(", "),
        seen.signatures().join(" ")
    ))
}

fn scratch(name: &str) -> PathBuf {
    kit::scratch(&format!("ch-probe-{name}"))
}

/// An aarch64 example: a QEMU `virt` machine, which topoc's cloud-hypervisor
/// target does not model (T091).
fn is_aarch64(text: &str) -> bool {
    topoc::pipeline::compile(
        &topoc::source::SourceFile::new("example.toml", text),
        &topoc::pipeline::Options::default(),
    )
    .is_ok_and(|c| c.topo.machine.arch.value == topoc::kinds::Arch::Aarch64)
}

#[test]
fn every_example_boots_with_the_tables_topoc_predicts() {
    let mut examples: Vec<PathBuf> = std::fs::read_dir(root().join("examples"))
        .unwrap_or_else(|e| panic!("examples: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .filter(|p| !is_aarch64(&std::fs::read_to_string(p).unwrap_or_default()))
        .collect();
    examples.sort();
    // The x86_64 ones; the aarch64 examples are QEMU virt machines.
    assert!(examples.len() >= 4);
    let mut failures = Vec::new();
    for ex in &examples {
        let name = ex
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let out = scratch(&name);
        let plain = build(ex, &[], &binary().version, &out);
        let flag = if plain.is_some() {
            ""
        } else {
            build(ex, &["--fallback".into()], &binary().version, &out).unwrap_or_else(|| {
                panic!(
                    "{} does not build for cloud-hypervisor even with --fallback",
                    ex.display()
                )
            });
            " --fallback"
        };
        match probe(&format!("examples/{name}.toml{flag}"), &out) {
            Ok(line) => note(&line),
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_clean_case_the_host_can_start_boots_with_the_predicted_tables() {
    let dir = root().join("tests/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cases: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let (mut booted, mut not_startable) = (0, Vec::new());
    let mut failures = Vec::new();
    let mut seen_lines = std::collections::BTreeSet::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let mut args: Vec<String> = text
            .lines()
            .take_while(|l| l.starts_with('#'))
            .find_map(|l| l.strip_prefix("# args:"))
            .map(|a| a.split_whitespace().map(String::from).collect())
            .unwrap_or_default();
        // The target and version are this test's; qemu-only flags do not
        // change a cloud-hypervisor line.
        if let Some(i) = args.iter().position(|a| a == "--target") {
            args.drain(i..(i + 2).min(args.len()));
        }
        let mut keep = Vec::new();
        let mut it = args.into_iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "--cpu-model" | "--firmware" | "--qemu-version" => {
                    it.next();
                }
                _ => keep.push(a),
            }
        }
        let name = f
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        for fallback in [false, true] {
            let mut extra = keep.clone();
            if fallback && !extra.iter().any(|a| a == "--fallback") {
                extra.push("--fallback".into());
            }
            let out = scratch(&format!("case-{name}-{fallback}"));
            if build(f, &extra, &binary().version, &out).is_none() {
                continue;
            }
            let line = read(&out.join("ch.args"));
            if !seen_lines.insert(line) {
                continue;
            }
            // The same compile in-process, for what the host must provide.
            let opts = topoc::pipeline::Options {
                target: topoc::target::TargetKind::CloudHypervisor,
                ch: topoc::target::ChOverrides {
                    fallback: extra.iter().any(|a| a == "--fallback"),
                    version: ChVersion::parse(&binary().version),
                    cmdline: extra
                        .iter()
                        .position(|a| a == "--ch-cmdline")
                        .and_then(|i| extra.get(i + 1).cloned()),
                    boot: extra
                        .iter()
                        .position(|a| a == "--ch-boot")
                        .and_then(|i| extra.get(i + 1))
                        .and_then(|b| topoc::kinds::ChBoot::parse(b)),
                    ..Default::default()
                },
                ..Default::default()
            };
            let c = topoc::pipeline::compile(
                &topoc::source::SourceFile::new(name.as_str(), text.as_str()),
                &opts,
            )
            .unwrap_or_else(|_| panic!("{name} builds with the CLI but not in-process"));
            let args = topoc::emit::cloud_hypervisor::args(&c);
            assert_eq!(
                args.join("\n") + "\n",
                String::from_utf8_lossy(&read(&out.join("ch.args"))),
                "{name}: the CLI and the library emit different lines"
            );
            let what = format!(
                "tests/cases/{name}{}",
                if fallback { " --fallback" } else { "" }
            );
            match kit::expect(&c, &args, true, host(), &binary().path) {
                kit::Expect::Accepted => {}
                other => {
                    not_startable.push(format!("{what} ({other:?})"));
                    continue;
                }
            }
            match probe(&what, &out) {
                Ok(line) => {
                    booted += 1;
                    note(&line)
                }
                Err(e) => failures.push(e),
            }
        }
    }
    note(&format!(
        "{booted} case lines booted; not started, as the host cannot: {not_startable:?}"
    ));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(booted >= 30, "only {booted} case lines booted");
}

/// Two GPUs passed through, each on a Generic Initiator node, one with a
/// pinned slot: the SRAT's type 5 structures carry the release's handle.
const TWO_GPUS: &str = r#"topoc = 1
[machine]
name = "two-gpus"
cpus = { sockets = 2, cores = 2 }
[[node]]
id = 0
name = "socket0"
cpus = "0-1"
memory = { size = "2GiB" }
[[node]]
id = 1
name = "socket1"
cpus = "2-3"
memory = { size = "2GiB" }
[[node]]
id = 2
name = "gpu0-gi"
[[node]]
id = 3
name = "gpu1-gi"
[[device]]
name = "gpu0"
host = "0000:41:00.0"
initiator-nodes = ["gpu0-gi"]
[[device]]
name = "gpu1"
host = "0000:c1:00.0"
guest-slot = 5
initiator-nodes = ["gpu1-gi"]
[[link]]
from = "socket0"
to = "socket1"
kind = "upi"
latency = "110ns"
[[link]]
from = "socket0"
to = "gpu0"
kind = "pcie"
latency = "200ns"
[[link]]
from = "socket1"
to = "gpu1"
kind = "pcie"
latency = "200ns"
"#;

#[test]
fn generic_initiators_carry_the_releases_device_handle() {
    let dir = scratch("two-gpus");
    let file = dir.join("two-gpus.toml");
    std::fs::write(&file, TWO_GPUS).unwrap_or_else(|e| panic!("write: {e}"));
    let own = binary().version.clone();
    let out = dir.join(format!("v{own}"));
    build(&file, &[], &own, &out).unwrap_or_else(|| panic!("two-gpus does not build"));
    let line = probe(&format!("two-gpus (version {own})"), &out).unwrap_or_else(|e| panic!("{e}"));
    note(&line);
    let srat = read(&out.join("SRAT.dat"));
    // The type 5 structures: the handle bytes of slots 16 and 5.
    let mut handles = Vec::new();
    let mut off = 48;
    while off + 2 <= srat.len() {
        let (kind, len) = (srat[off], usize::from(srat[off + 1]));
        if kind == 5 {
            handles.push(srat[off + 8..off + 24].to_vec());
        }
        off += len.max(1);
    }
    let style = ChVersion::parse(&own)
        .map(ChVersion::gi_handle)
        .unwrap_or_else(|| panic!("version {own}"));
    let expected: Vec<Vec<u8>> = [16u8, 5]
        .iter()
        .map(|&slot| {
            let mut h = vec![0u8; 16];
            match style {
                ChGiHandle::StartEndPairs => {
                    h[4] = slot;
                    h[5] = slot;
                }
                ChGiHandle::SegmentBusDevfn => h[3] = slot << 3,
            }
            h
        })
        .collect();
    assert_eq!(
        handles, expected,
        "the Generic Initiator handles topoc predicts for {own}"
    );
    // Every other release whose encoding differs predicts other bytes,
    // which the real tables just refuted.
    for other in ChVersion::KEYWORDS.iter().filter(|v| **v != own) {
        let v = ChVersion::parse(other).unwrap_or_else(|| panic!("{other}"));
        let o = dir.join(format!("v{other}"));
        build(&file, &[], other, &o).unwrap_or_else(|| panic!("two-gpus for {other}"));
        let theirs = read(&o.join("SRAT.dat"));
        if v.gi_handle() == style {
            assert_eq!(theirs, srat, "{other} writes the handle as {own} does");
        } else {
            let diff = kit::diff_offsets(&theirs, &srat);
            assert!(!diff.is_empty(), "{other} and {own} should differ");
            note(&format!(
                "two-gpus compiled for {other} ({:?}) differs from the real {own} tables at offsets {diff:?}",
                v.gi_handle()
            ));
        }
    }
}

#[test]
fn small_random_machines_boot_with_the_predicted_tables() {
    let dir = scratch("random");
    let mut failures = Vec::new();
    let mut booted = 0;
    for seed in 0..8u64 {
        let nodes = 2 + (seed as usize * 5) % 14;
        let g = topoc_testgen::generate_with(nodes, 1000 + seed, topoc_testgen::Devices::Host);
        let file = dir.join(format!("g{seed}.toml"));
        std::fs::write(&file, &g.toml).unwrap_or_else(|e| panic!("write: {e}"));
        let out = dir.join(format!("g{seed}"));
        build(&file, &["--fallback".into()], &binary().version, &out)
            .unwrap_or_else(|| panic!("generated machine {seed} does not build:\n{}", g.toml));
        match probe(
            &format!("topoc-testgen {nodes} {} --host-devices", 1000 + seed),
            &out,
        ) {
            Ok(line) => {
                booted += 1;
                note(&line)
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(booted, 8);
}
