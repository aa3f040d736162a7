//! Every cloud-hypervisor command line the test suite emits, run through the
//! real binary: each bundled example with and without `--fallback`, every
//! `tests/cases/*.toml` and `*.fixed.toml` that checks clean for
//! cloud-hypervisor (with and without `--fallback`), and random machines
//! from `topoc-testgen` with host devices.
//!
//! A line must be accepted: `cloud-hypervisor --kernel /nonexistent <line>`
//! builds the whole VM and fails only with "Cannot open kernel file" (see
//! `tests/ch-probe/kit.rs`). Where the line needs something of the host that
//! this host lacks (a host NUMA node, hugepages, KVM's vCPU limit, a VFIO
//! device), the test predicts the binary's refusal from the host's own
//! facts, requires exactly that refusal, and requires topoc to state the
//! assumption in the line's layout: the dependence is modelled, not
//! skipped. Device lines also run with virtio-blk stand-ins in the devices'
//! slots, which must be accepted outright; `file=` backings get a sparse
//! file of their size.
//!
//! The counts of lines and runs are printed on stderr (`ch-accept:` lines).

#[path = "support/ch.rs"]
mod ch;
#[path = "ch-probe/kit.rs"]
#[allow(dead_code)]
mod kit;

use kit::{Expect, Host, Outcome};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::Path;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use topoc::kinds::ChVersion;
use topoc::pipeline::{Compiled, Options, compile};
use topoc::source::SourceFile;
use topoc::target::{ChOverrides, TargetKind};
use topoc_testgen::{Devices, generate_with};

fn binary() -> &'static ch::ChBinary {
    static BIN: OnceLock<ch::ChBinary> = OnceLock::new();
    BIN.get_or_init(|| ch::cloud_hypervisor().unwrap_or_else(|e| panic!("{e}")))
}

fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(Host::read)
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Printed past the test harness's capture, so it shows in every run.
fn note(s: &str) {
    let _ = writeln!(std::io::stderr(), "ch-accept: {s}");
}

/// The version topoc compiles for: the binary's.
fn version() -> ChVersion {
    ChVersion::parse(&binary().version)
        .unwrap_or_else(|| panic!("topoc has no version {}", binary().version))
}

/// Options from a case's `# args:` for the cloud-hypervisor target. Flags of
/// the qemu target are skipped with their value (the cloud-hypervisor target
/// ignores them on the command line too); an unknown flag fails the test, so
/// no argument is dropped unnoticed.
fn ch_options(args: &[String], fallback: bool) -> Options {
    let mut ch = ChOverrides {
        fallback,
        version: Some(version()),
        ..ChOverrides::default()
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut val = || it.next().cloned().unwrap_or_default();
        match a.as_str() {
            "--target" => assert_eq!(val(), "cloud-hypervisor", "a case for another target"),
            "--fallback" => ch.fallback = true,
            "--ch-boot" => ch.boot = topoc::kinds::ChBoot::parse(&val()),
            "--ch-kernel" => ch.kernel = Some(val()),
            "--ch-initramfs" => ch.initramfs = Some(val()),
            "--ch-cmdline" => ch.cmdline = Some(val()),
            "--ch-firmware" => ch.firmware = Some(val()),
            "--ch-version" => {
                val();
            }
            "--cpu-model" | "--firmware" | "--qemu-version" | "--machine-type"
            | "--spm-dialect" => {
                val();
            }
            // Lint levels change what stops a build, not the command line:
            // a line a `--deny` would stop is still one cloud-hypervisor
            // must accept.
            "--allow" | "--warn" | "--deny" => {
                val();
            }
            other => panic!("a case argument this test does not know: {other}"),
        }
    }
    Options {
        target: TargetKind::CloudHypervisor,
        ch,
        ..Options::default()
    }
}

fn case_args(text: &str) -> Vec<String> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| l.strip_prefix("# args:"))
        .map(|a| a.split_whitespace().map(String::from).collect())
        .unwrap_or_default()
}

/// One command line and where it came from.
struct Line {
    origin: String,
    compiled: Compiled,
}

fn tomls(dir: &str) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("read {dir}: {e}"))
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    v.sort();
    v
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

/// Each file compiled for cloud-hypervisor without and with `--fallback`;
/// the ones that check clean are lines.
fn lines_of(dir: &str) -> Vec<Line> {
    let mut out = Vec::new();
    for path in tomls(dir) {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let rel = path
            .strip_prefix(root())
            .unwrap_or(&path)
            .display()
            .to_string();
        // A case for the libvirt target is that target's business.
        if case_args(&text)
            .windows(2)
            .any(|w| w[0] == "--target" && w[1] == "libvirt")
        {
            continue;
        }
        for fallback in [false, true] {
            let opts = ch_options(&case_args(&text), fallback);
            if let Ok(compiled) = compile(&SourceFile::new(&rel, text.as_str()), &opts) {
                let flag = if fallback { " --fallback" } else { "" };
                out.push(Line {
                    origin: format!("{rel}{flag}"),
                    compiled,
                });
            }
        }
    }
    out
}

#[derive(Default)]
struct Tally {
    lines: usize,
    runs: usize,
    accepted: usize,
    device_lines: usize,
    host: BTreeMap<String, usize>,
    times: Vec<Duration>,
}

impl Tally {
    fn run(&mut self, bin: &Path, args: &[String]) -> Outcome {
        let t = Instant::now();
        let o = kit::accept(bin, args);
        self.times.push(t.elapsed());
        self.runs += 1;
        o
    }

    fn summary(&self, what: &str) {
        let mut ms: Vec<f64> = self.times.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        ms.sort_by(f64::total_cmp);
        let median = ms.get(ms.len() / 2).copied().unwrap_or(0.0);
        let total: f64 = ms.iter().sum();
        note(&format!(
            "{what}: {} command lines ({} with devices), {} runs of {} started; {} accepted, {} refused for want of the host: {:?}; {:.1} ms median per run, {:.2} s in all",
            self.lines,
            self.device_lines,
            self.runs,
            binary().path.display(),
            self.accepted,
            self.host.values().sum::<usize>(),
            self.host,
            median,
            total / 1e3,
        ));
    }
}

/// Host RAM KVM needs for a guest's memory slots at worst: 8 bytes of
/// reverse map per 4 KiB page when it shadows the guest's page tables (as
/// here, under PVM). A line that needs more than half of what the host has
/// free is not started: the test fails instead of waking the OOM killer.
fn kvm_cost(l: &topoc::layout::cloud_hypervisor::ChLayout) -> u64 {
    l.zones.iter().map(|z| z.size / 512).sum()
}

/// Runs one line (and its stand-in form) and checks the outcome.
fn check_line(line: &Line, scratch: &Path, tally: &mut Tally, seen: &mut BTreeSet<Vec<String>>) {
    let bin = &binary().path;
    let c = &line.compiled;
    let args = topoc::emit::cloud_hypervisor::args(c);
    if !seen.insert(args.clone()) {
        return; // the same line from another file
    }
    let Some((_, l)) = c.ch() else { unreachable!() };
    let cost = kvm_cost(l);
    assert!(
        cost < host().mem_available / 2,
        "{}: KVM may need {} MiB of host memory for this guest's RAM and the host has {} MiB free; not started",
        line.origin,
        cost >> 20,
        host().mem_available >> 20
    );
    let dir = scratch.join(format!("line-{}", tally.lines));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("mkdir: {e}"));
    let (args, _) = kit::with_files(&args, &dir);
    tally.lines += 1;
    let assumptions = &l.assumptions;
    let judge = |args: &[String], stand_ins: bool, tally: &mut Tally| {
        let want = kit::expect(c, args, stand_ins, host(), &binary().path);
        let outcome = tally.run(bin, args);
        assert!(
            kit::matches(&outcome, &want),
            "{}{}: cloud-hypervisor {outcome:?}, expected {want:?}\n{}",
            line.origin,
            if stand_ins {
                " (virtio-blk stand-ins)"
            } else {
                ""
            },
            args.join(" ")
        );
        match &want {
            Expect::Accepted => tally.accepted += 1,
            Expect::Unstartable(why) => {
                assert!(
                    c.warnings.iter().any(|d| d.code.code == "T217"),
                    "{}: {why}, but topoc does not warn (T217)",
                    line.origin
                );
                *tally
                    .host
                    .entry("T217: the host's execve takes the line".into())
                    .or_default() += 1;
            }
            Expect::Refused(_, assumed) | Expect::Signal(_, assumed) => {
                assert!(
                    assumptions.iter().any(|a| a.contains(assumed.as_str())),
                    "{}: the host lacks what topoc should state as an assumption ({assumed}), but its assumptions are {assumptions:?}",
                    line.origin
                );
                *tally.host.entry(assumed.clone()).or_default() += 1;
            }
        }
    };
    judge(&args, false, tally);
    if !l.devices.is_empty() {
        tally.device_lines += 1;
        let (disks, n) = kit::with_disks(&args, &dir);
        assert_eq!(n, l.devices.len());
        judge(&disks, true, tally);
    }
}

#[test]
fn every_example_and_case_line_is_accepted() {
    let scratch = kit::scratch("ch-accept-files");
    let mut tally = Tally::default();
    let mut seen = BTreeSet::new();
    let examples = lines_of("examples");
    let example_names: BTreeSet<String> = examples
        .iter()
        .map(|l| l.origin.split(' ').next().unwrap_or("").to_string())
        .collect();
    let x86_examples = tomls("examples")
        .iter()
        .filter(|p| !is_aarch64(&std::fs::read_to_string(p).unwrap_or_default()))
        .count();
    assert_eq!(
        example_names.len(),
        x86_examples,
        "every x86_64 example compiles for cloud-hypervisor, at least with --fallback"
    );
    for l in &examples {
        check_line(l, &scratch, &mut tally, &mut seen);
    }
    let cases = lines_of("tests/cases");
    assert!(cases.len() > 60, "only {} case lines", cases.len());
    for l in &cases {
        check_line(l, &scratch, &mut tally, &mut seen);
    }
    tally.summary(&format!(
        "examples and cases ({} example and {} case compiles, duplicates run once)",
        examples.len(),
        cases.len()
    ));
}

/// How many random machines: at least a hundred; `PROPTEST_CASES` raises it.
fn random_count() -> u64 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0u64)
        .max(120)
}

#[test]
fn random_machines_with_host_devices_are_accepted() {
    let scratch = kit::scratch("ch-accept-random");
    let mut tally = Tally::default();
    let mut seen = BTreeSet::new();
    let n = random_count();
    let mut nodes_seen = BTreeSet::new();
    for seed in 0..n {
        // Mostly small machines, every tenth up to 256 nodes, one of 900: a
        // 1024-node line can outgrow what execve takes (T217 refuses it).
        let nodes = match seed {
            0 => 900,
            s if s % 10 == 9 => 65 + (s * 37 % 192) as usize,
            s => 2 + (s * 7 % 63) as usize,
        };
        nodes_seen.insert(nodes);
        let g = generate_with(nodes, seed, Devices::Host);
        let opts = ch_options(&[], true);
        let compiled = compile(&SourceFile::new("generated.toml", g.toml.as_str()), &opts)
            .unwrap_or_else(|d| {
                panic!(
                    "generated machine ({nodes} nodes, seed {seed}) refused for cloud-hypervisor:\n{}\n--- toml ---\n{}",
                    d.iter()
                        .map(|d| format!("{} {}", d.code.code, d.message))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    g.toml
                )
            });
        check_line(
            &Line {
                origin: format!("topoc-testgen {nodes} {seed} --host-devices"),
                compiled,
            },
            &scratch,
            &mut tally,
            &mut seen,
        );
    }
    assert!(
        tally.lines >= 100,
        "only {} distinct random lines",
        tally.lines
    );
    tally.summary(&format!(
        "random machines ({n} generated, {} to {} nodes)",
        nodes_seen.first().copied().unwrap_or(0),
        nodes_seen.last().copied().unwrap_or(0)
    ));
}
