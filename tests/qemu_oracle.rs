//! QEMU as an oracle: every QEMU command line topoc emits in the test suite
//! is started with the real `qemu-system-x86_64`, or `qemu-system-aarch64`
//! for the aarch64 `virt` machine, and QEMU must accept it.
//!
//! `topoc check` exiting 0 promises that the VMM starts with the emitted
//! command line. This test holds topoc to that promise with QEMU itself as
//! the judge, for:
//!
//! - every bundled example (`examples/*.toml`);
//! - every case of `tests/cases/` that compiles for the qemu target (those
//!   that check clean or with warnings only) and every `*.fixed.toml`, each
//!   with the extra arguments of its case's `# args:` header;
//! - every golden args file (`tests/golden/*/qemu.args`), as stored;
//! - every QEMU ACPI fixture case (`tests/qemu-acpi/*.toml`), for each
//!   machine type its `# fixtures:` line names, and every measured arm64
//!   boot (`tests/qemu-aarch64/*.toml`);
//! - random machines from `topoc-testgen` (what `tests/properties.rs`
//!   generates: 2 to 24 nodes, now and then up to 128), each compiled with a
//!   random machine type (q35, pc), firmware (the file's, SeaBIOS, OVMF,
//!   OVMF-SP) and `-cpu` model (`qemu64`, `qemu64,vendor=GenuineIntel`,
//!   `phys-bits` variants); at least [`MIN_RANDOM`] distinct command lines;
//!   and the same generator's machines as aarch64 `virt` machines
//!   (`arch = "aarch64"`, GICv2 or v3, Arm `-cpu` models), at least
//!   [`MIN_RANDOM_VIRT`] of them.
//!
//! Each start is the quick start-and-quit recipe measured for the parity
//! work: TCG, `-S` (the machine is fully built, ACPI tables and fw_cfg
//! included, but no guest instruction runs), `-nodefaults`, no display,
//! monitor or serial, and QMP on stdio fed `qmp_capabilities` then `quit`.
//! The verdict is the exit status only: 0 accepted, anything else refused
//! (1 is QEMU's error exit, a signal is an abort). Firmware `ovmf` and
//! `ovmf-sp` start with `-bios /usr/share/ovmf/OVMF.fd`, as the guest kit
//! boots OVMF; under `-S` no firmware runs, so Debian's OVMF stands in for
//! the edk2 build `ovmf-sp` describes (QEMU's side of the start is the same).
//! Every `virt` line starts with `-bios` [`AARCH64_EFI`] (Debian bookworm's
//! edk2 2022.11), whatever edk2 build the file names: `virt` builds its ACPI
//! tables, and QEMU checks what goes in them (Generic Initiator devices, for
//! one), only when firmware is loaded, and under `-S` none runs.
//!
//! What depends on the host rather than on topoc is filtered out, and every
//! machine so filtered is counted and named in the output, never dropped
//! silently: file-backed memory, hugepages, host NUMA binding, preallocated
//! memory, host PCI devices, `-cpu host` (KVM only), SPM dialects of proposed
//! QEMU series that 10.0 does not have, and machines compiled for another
//! QEMU release than the installed one.
//!
//! QEMU missing is a failure that names `scripts/install-guest-deps.sh`; the
//! suite never skips. Starts run in a small pool (`QEMU_ORACLE_JOBS`,
//! default: the cores, 2 to 4). The random machines follow a seed printed in
//! the output; `QEMU_ORACLE_SEED=<seed>` replays a run and
//! `QEMU_ORACLE_RANDOM=<n>` asks for more machines. The command line and the
//! TOML of every refused machine are written under the test's temporary
//! directory, named in the failure message.

use clap::Parser as _;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use topoc::cli::args::{Cli, Command as TopocCommand, TargetArgs};
use topoc::kinds::{Firmware, QemuMachine, SpmDialect};
use topoc::pipeline::{self, Compiled, Options};
use topoc::source::SourceFile;
use topoc::target::{ChOverrides, QemuOverrides};
use topoc_testgen::{Rng, generate};

const QEMU: &str = "qemu-system-x86_64";
const QEMU_AARCH64: &str = "qemu-system-aarch64";
const OVMF: &str = "/usr/share/ovmf/OVMF.fd";
/// The edk2 image the `virt` lines start with (package qemu-efi-aarch64).
const AARCH64_EFI: &str = "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd";
const INSTALL_HINT: &str = "run `sudo scripts/install-guest-deps.sh` \
     (installs QEMU >= 10 for x86_64 and aarch64 from backports, OVMF and qemu-efi-aarch64)";
/// The quick start-and-quit recipe, before topoc's arguments.
const RECIPE: &[&str] = &[
    "-accel",
    "tcg",
    "-S",
    "-display",
    "none",
    "-nodefaults",
    "-no-user-config",
    "-monitor",
    "none",
    "-serial",
    "none",
    "-qmp",
    "stdio",
];
const QMP_INPUT: &[u8] = b"{\"execute\":\"qmp_capabilities\"}\n{\"execute\":\"quit\"}\n";
/// A start that takes longer is a failure (the slowest measured, 300
/// vCPUs under TCG, took 8 s: one thread per possible vCPU).
const TIMEOUT: Duration = Duration::from_secs(120);
/// Random command lines started per run, at least.
const MIN_RANDOM: usize = 320;
/// Random aarch64 `virt` command lines started per run, at least.
const MIN_RANDOM_VIRT: usize = 60;
/// The `-cpu` models random `virt` machines take.
const ARM_CPU_MODELS: &[&str] = &["cortex-a57", "cortex-a72", "neoverse-n1", "max"];
/// Characters of a refused command line shown in the failure message.
const SHOWN: usize = 1500;
/// Of the random machines, one in this many has 25 to 128 nodes (what
/// `tests/properties.rs` calls large); the rest 2 to 24.
const LARGE_ONE_IN: u64 = 80;
/// The `-cpu` models random machines take.
const CPU_MODELS: &[&str] = &[
    "qemu64",
    "qemu64,vendor=GenuineIntel",
    "qemu64,phys-bits=36",
    "qemu64,phys-bits=39",
    "qemu64,phys-bits=42",
    "qemu64,phys-bits=48",
    "qemu64,phys-bits=52",
    "qemu64,vendor=GenuineIntel,phys-bits=46",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Source {
    Examples,
    Cases,
    Goldens,
    QemuAcpi,
    QemuAarch64,
    Random,
    RandomVirt,
}

const SOURCES: [Source; 7] = [
    Source::Examples,
    Source::Cases,
    Source::Goldens,
    Source::QemuAcpi,
    Source::QemuAarch64,
    Source::Random,
    Source::RandomVirt,
];

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::Examples => "examples",
            Source::Cases => "cases",
            Source::Goldens => "goldens",
            Source::QemuAcpi => "qemu-acpi",
            Source::QemuAarch64 => "qemu-aarch64",
            Source::Random => "random",
            Source::RandomVirt => "random-virt",
        }
    }
}

/// One command line to start.
struct Machine {
    source: Source,
    /// What it is, enough to make it again.
    name: String,
    /// The args file it comes from, when there is one on disk.
    args_file: Option<PathBuf>,
    /// The topology, to write out when QEMU refuses it.
    toml: Option<String>,
    /// topoc's arguments.
    args: Vec<String>,
    firmware: Firmware,
    /// `qemu-system-x86_64` or `qemu-system-aarch64`.
    binary: &'static str,
}

impl Machine {
    /// The whole QEMU argument list: recipe, firmware, topoc's arguments.
    fn argv(&self) -> Vec<String> {
        let mut v: Vec<String> = RECIPE.iter().map(|s| s.to_string()).collect();
        if self.binary == QEMU_AARCH64 {
            v.extend(["-bios".to_string(), AARCH64_EFI.to_string()]);
        } else if matches!(self.firmware, Firmware::Ovmf | Firmware::OvmfSp) {
            v.extend(["-bios".to_string(), OVMF.to_string()]);
        }
        v.extend(self.args.iter().cloned());
        v
    }
}

/// What the collection found besides machines to start.
#[derive(Default)]
struct Plan {
    machines: Vec<Machine>,
    /// Host-dependent or not for this QEMU: reason → machine names.
    skipped: BTreeMap<String, Vec<String>>,
    /// Files topoc refuses (no command line), per source.
    refused_by_topoc: BTreeMap<Source, Vec<String>>,
    /// Random machines topoc refuses, by source and diagnostic code.
    random_refusal_codes: BTreeMap<(Source, String), usize>,
    /// Files compiled for cloud-hypervisor (no QEMU command line).
    other_target: Vec<String>,
    /// Inputs that must compile and do not: test failures.
    broken: Vec<String>,
    /// Random command lines that repeated an earlier one.
    random_repeats: usize,
    /// What the random machines started cover: machine type, firmware,
    /// `-cpu` model, SPM; each with how many machines.
    random_coverage: BTreeMap<String, usize>,
}

impl Plan {
    /// Adds a compiled machine, or records why it is not started.
    fn add(&mut self, source: Source, name: String, c: &Compiled) {
        // libvirt writes its own QEMU line, which tests/libvirt_oracle.rs
        // starts; topoc's QEMU line is not what runs there.
        let Some(p) = c.target.qemu().filter(|_| c.libvirt().is_none()) else {
            self.other_target.push(name);
            return;
        };
        let args = qemu_args(c);
        let version = p.version.value.as_str();
        if version != installed_qemu().release {
            self.skip(
                format!(
                    "compiled for QEMU {version}; the installed QEMU is {}",
                    installed_qemu().release
                ),
                name,
            );
            return;
        }
        let toml = Some(c.source.text.to_string());
        self.add_args(
            source,
            name,
            None,
            toml,
            args,
            p.firmware.value,
            p.spm.value,
            binary_of(c),
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn add_args(
        &mut self,
        source: Source,
        name: String,
        args_file: Option<PathBuf>,
        toml: Option<String>,
        args: Vec<String>,
        firmware: Firmware,
        spm: SpmDialect,
        binary: &'static str,
    ) {
        if let Some(reason) = not_startable(&args, spm) {
            self.skip(reason, name);
            return;
        }
        self.machines.push(Machine {
            source,
            name,
            args_file,
            toml,
            args,
            firmware,
            binary,
        });
    }

    fn skip(&mut self, reason: String, name: String) {
        self.skipped.entry(reason).or_default().push(name);
    }
}

/// The QEMU binary a compiled machine starts with.
fn binary_of(c: &Compiled) -> &'static str {
    if c.virt().is_some() {
        QEMU_AARCH64
    } else {
        QEMU
    }
}

/// The qemu-args artifact, as `topoc build --emit qemu-args` writes it, one
/// argument a line.
fn qemu_args(c: &Compiled) -> Vec<String> {
    let artifact = topoc::emit::lookup("qemu-args").expect("the qemu-args artifact");
    let bytes = artifact.render(c).unwrap_or_default();
    split_args_file(&String::from_utf8_lossy(&bytes))
}

/// The guest kernel arguments the machine needs (the `kernel-memmap` SPM
/// dialect's `memmap=`), empty without SPM.
fn kernel_cmdline(c: &Compiled) -> String {
    let artifact = topoc::emit::lookup("kernel-cmdline").expect("the kernel-cmdline artifact");
    let bytes = artifact.render(c).unwrap_or_default();
    String::from_utf8_lossy(&bytes).trim().to_string()
}

fn split_args_file(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// Why a command line cannot be judged on this host by this QEMU, if so.
fn not_startable(args: &[String], spm: SpmDialect) -> Option<String> {
    let values = || {
        args.windows(2)
            .filter(|w| w[0].starts_with('-'))
            .map(|w| (w[0].as_str(), w[1].as_str()))
    };
    let has_option = |flag: &str, key: &str| {
        values().any(|(f, v)| {
            f == flag
                && v.split(',')
                    .any(|kv| kv == key || kv.starts_with(&format!("{key}=")))
        })
    };
    if has_option("-object", "mem-path") {
        return Some("file-backed memory (mem-path=): needs the host's file".into());
    }
    if values().any(|(f, v)| f == "-object" && v.split(',').any(|kv| kv == "hugetlb=on")) {
        return Some("hugepage memory (hugetlb=on): needs the host's hugepage pool".into());
    }
    if has_option("-object", "host-nodes") {
        return Some("host NUMA binding (host-nodes=): needs the host's NUMA nodes".into());
    }
    if values().any(|(f, v)| f == "-object" && v.split(',').any(|kv| kv == "prealloc=on")) {
        return Some("preallocated memory (prealloc=on): takes the host's RAM up front".into());
    }
    if values().any(|(f, v)| f == "-device" && v.starts_with("vfio-pci")) {
        return Some("host PCI device (vfio-pci,host=): needs the host's device".into());
    }
    if values().any(|(f, v)| f == "-cpu" && v.split(',').next() == Some("host")) {
        return Some("-cpu host: needs KVM; the oracle runs TCG".into());
    }
    if values().any(|(f, v)| f == "-device" && v.starts_with("sp-mem,")) {
        return Some(format!(
            "SPM dialect `{spm}`: QEMU 11.1's sp-mem device, not in QEMU 10.0 (only kernel-memmap is)"
        ));
    }
    None
}

/// The installed QEMU.
struct InstalledQemu {
    /// `10.0.2`.
    full: String,
    /// `10.0`: what `[target.qemu] version` spells.
    release: String,
}

fn installed_qemu() -> &'static InstalledQemu {
    static Q: std::sync::OnceLock<InstalledQemu> = std::sync::OnceLock::new();
    Q.get_or_init(|| {
        let x86 = installed(QEMU);
        let arm = installed(QEMU_AARCH64);
        assert_eq!(
            x86.full, arm.full,
            "{QEMU} and {QEMU_AARCH64} are different releases; the oracle compiles for one: {INSTALL_HINT}"
        );
        x86
    })
}

/// The version of one QEMU binary, which must be 10.0 or later.
fn installed(binary: &str) -> InstalledQemu {
    let out = Command::new(binary)
        .arg("--version")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {binary} ({e}): the QEMU oracle needs it; {INSTALL_HINT}")
        });
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let full = text
        .split_whitespace()
        .skip_while(|w| *w != "version")
        .nth(1)
        .unwrap_or_else(|| panic!("cannot read the version from `{binary} --version`: {text:?}"))
        .to_string();
    let mut parts = full.split('.');
    let major: u32 = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    let minor = parts.next().unwrap_or("0");
    assert!(
        major >= 10,
        "{binary} is version {full}; the QEMU oracle needs 10.0 or later: {INSTALL_HINT}"
    );
    InstalledQemu {
        release: format!("{major}.{minor}"),
        full,
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `*.toml` files in `dir` (relative to the repository), sorted; panics
/// when there are none, so a moved folder cannot make the oracle vacuous.
fn tomls(dir: &str, keep: impl Fn(&str) -> bool) -> Vec<String> {
    let path = root().join(dir);
    let mut v: Vec<String> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".toml") && keep(n))
        .map(|n| format!("{dir}/{n}"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no .toml files in {}", path.display());
    v
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

/// The value of a `# key` header line, as `tests/cases.rs` reads it.
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

/// Options for `topoc check <extra> file`, parsed by topoc's own command
/// line definition so a case's `# args:` mean what they mean to the binary.
fn options_from_args(extra: &str, file: &str) -> Result<Options, String> {
    let mut argv = vec!["topoc", "check"];
    argv.extend(extra.split_whitespace());
    argv.push(file);
    let cli = Cli::try_parse_from(&argv).map_err(|e| format!("`{}`: {e}", argv.join(" ")))?;
    let TopocCommand::Check { target, .. } = cli.command else {
        return Err(format!("`{}` is not a check", argv.join(" ")));
    };
    Ok(options(&target))
}

fn options(t: &TargetArgs) -> Options {
    Options {
        target: t.target,
        qemu: QemuOverrides {
            version: t.qemu_version,
            machine: t.machine_type,
            spm: t.spm_dialect,
            firmware: t.firmware,
            cpu_model: t.cpu_model.clone(),
        },
        ch: ChOverrides {
            boot: t.ch_boot,
            kernel: t.ch_kernel.clone(),
            initramfs: t.ch_initramfs.clone(),
            cmdline: t.ch_cmdline.clone(),
            firmware: t.ch_firmware.clone(),
            fallback: t.fallback,
            version: t.ch_version,
        },
        lints: Vec::new(),
        libvirt: Default::default(),
        acpi_oem_revision: t.acpi_oem_revision,
    }
}

fn codes(diags: &[topoc::diag::Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| format!("{} {}", d.code.code, d.message))
        .collect::<Vec<_>>()
        .join("; ")
}

fn collect_examples(plan: &mut Plan) {
    for rel in tomls("examples", |_| true) {
        let source = SourceFile::new(rel.clone(), read(&rel));
        match pipeline::compile(&source, &Options::default()) {
            Ok(c) => plan.add(Source::Examples, rel, &c),
            Err(d) => plan.broken.push(format!(
                "{rel}: a bundled example does not compile: {}",
                codes(&d)
            )),
        }
    }
}

fn collect_cases(plan: &mut Plan) {
    for rel in tomls("tests/cases", |n| !n.ends_with(".fixed.toml")) {
        let text = read(&rel);
        let extra = header(&text, "args:").unwrap_or_default();
        let opts = match options_from_args(&extra, &rel) {
            Ok(o) => o,
            Err(e) => {
                plan.broken
                    .push(format!("{rel}: bad `# args:` header: {e}"));
                continue;
            }
        };
        let name = |file: &str| {
            if extra.is_empty() {
                file.to_string()
            } else {
                format!("{file} {extra}")
            }
        };
        match pipeline::compile(&SourceFile::new(rel.clone(), text), &opts) {
            Ok(c) => plan.add(Source::Cases, name(&rel), &c),
            Err(_) if opts.target != topoc::target::TargetKind::Qemu => {
                plan.other_target.push(name(&rel))
            }
            Err(_) => plan
                .refused_by_topoc
                .entry(Source::Cases)
                .or_default()
                .push(name(&rel)),
        }
        let fixed = format!("{}.fixed.toml", rel.trim_end_matches(".toml"));
        if root().join(&fixed).exists() {
            let source = SourceFile::new(fixed.clone(), read(&fixed));
            match pipeline::compile(&source, &opts) {
                Ok(c) => plan.add(Source::Cases, name(&fixed), &c),
                Err(d) => plan.broken.push(format!(
                    "{fixed}: a fixed case does not compile: {}",
                    codes(&d)
                )),
            }
        }
    }
}

fn collect_goldens(plan: &mut Plan) {
    let dir = root().join("tests/golden");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("qemu.args").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no tests/golden/*/qemu.args");
    for name in names {
        let rel = format!("tests/golden/{name}/qemu.args");
        let args = split_args_file(&read(&rel));
        // The golden is the example's output: the example says which
        // firmware it runs with (the args file does not).
        let example = format!("examples/{name}.toml");
        let source = SourceFile::new(example.clone(), read(&example));
        let (firmware, spm, binary) = match pipeline::compile(&source, &Options::default()) {
            Ok(c) => match c.target.qemu() {
                Some(p) => (p.firmware.value, p.spm.value, binary_of(&c)),
                None => {
                    plan.broken
                        .push(format!("{example} does not compile for qemu"));
                    continue;
                }
            },
            Err(d) => {
                plan.broken.push(format!("{example}: {}", codes(&d)));
                continue;
            }
        };
        plan.add_args(
            Source::Goldens,
            rel.clone(),
            Some(root().join(&rel)),
            None,
            args,
            firmware,
            spm,
            binary,
        );
    }
}

fn collect_qemu_acpi(plan: &mut Plan) {
    for rel in tomls("tests/qemu-acpi", |_| true) {
        let text = read(&rel);
        let Some(fixtures) = text.lines().find_map(|l| l.strip_prefix("# fixtures:")) else {
            plan.broken.push(format!("{rel} has no `# fixtures:` line"));
            continue;
        };
        let machines: BTreeSet<&str> = fixtures
            .split_whitespace()
            .filter_map(|f| f.split_once('/').map(|(m, _)| m))
            .collect();
        for m in machines {
            let Some(machine) = QemuMachine::parse(m) else {
                plan.broken
                    .push(format!("{rel}: unknown machine {m:?} in `# fixtures:`"));
                continue;
            };
            let mut opts = Options::default();
            opts.qemu.machine = Some(machine);
            match pipeline::compile(&SourceFile::new(rel.clone(), text.clone()), &opts) {
                Ok(c) => plan.add(Source::QemuAcpi, format!("{rel} --machine-type {m}"), &c),
                Err(d) => plan.broken.push(format!("{rel} ({m}): {}", codes(&d))),
            }
        }
    }
}

/// The measured arm64 boots (`tests/qemu-aarch64/*.toml`), as topoc writes
/// their command lines.
fn collect_qemu_aarch64(plan: &mut Plan) {
    let cases = tomls("tests/qemu-aarch64", |_| true);
    assert!(!cases.is_empty(), "no tests/qemu-aarch64/*.toml");
    for rel in cases {
        let source = SourceFile::new(rel.clone(), read(&rel));
        match pipeline::compile(&source, &Options::default()) {
            Ok(c) if c.virt().is_some() => plan.add(Source::QemuAarch64, rel, &c),
            Ok(_) => plan
                .broken
                .push(format!("{rel}: not compiled as a virt machine")),
            Err(d) => plan.broken.push(format!("{rel}: {}", codes(&d))),
        }
    }
}

/// The generator's machines as aarch64 `virt` machines: distinct command
/// lines, at least `want` of them started (or as many attempts as four
/// times that).
fn collect_random_virt(plan: &mut Plan, seed: u64, want: usize) {
    let mut rng = Rng::new(seed ^ 0xa64);
    let mut seen: BTreeSet<Vec<String>> = BTreeSet::new();
    let started = |plan: &Plan| {
        plan.machines
            .iter()
            .filter(|m| m.source == Source::RandomVirt)
            .count()
    };
    let mut attempts = 0;
    while started(plan) < want && attempts < 4 * want {
        attempts += 1;
        // Debian's arm64 guests take 16 nodes (T124): most machines stay
        // within it, a few go beyond to see topoc refuse them.
        let nodes = 2 + rng.below(16) as usize;
        let gen_seed = rng.next_u64();
        let cpu = rng.pick(ARM_CPU_MODELS);
        let gic = rng.pick(&["2", "3"]);
        let t = generate(nodes, gen_seed);
        // The generator's x86 firmware table gives way to the virt one.
        let mut toml = t
            .toml
            .replacen("[machine]\n", "[machine]\narch = \"aarch64\"\n", 1);
        for fw in ["seabios", "ovmf"] {
            toml = toml.replace(&format!("\n[target.qemu]\nfirmware = \"{fw}\"\n"), "\n");
        }
        // Half of them take edk2 2022.11 with topoc's tables in the guest's
        // initrd, which lets devices sit behind their nodes' pxb-pcie
        // bridges (T083); a quarter size the 64-bit MMIO window.
        let upgrade = rng.below(2) == 0;
        let mmio = (rng.below(4) == 0).then(|| rng.pick(&["512GiB", "1TiB", "2TiB"]));
        let mut settings = format!("gic-version = \"{gic}\"\n");
        if upgrade {
            settings.push_str("firmware = \"edk2-2022.11\"\nacpi-table-upgrade = true\n");
        }
        if let Some(m) = mmio {
            settings.push_str(&format!("mmio64-size = \"{m}\"\n"));
        }
        let toml = format!("{toml}\n[target.qemu]\n{settings}");
        let mut opts = Options::default();
        opts.qemu.cpu_model = Some(cpu.to_string());
        let name = format!(
            "topoc-testgen {nodes} {gen_seed} as aarch64, gic-version {gic}{}{} | topoc build --cpu-model {cpu}",
            if upgrade {
                ", edk2-2022.11 + acpi-table-upgrade"
            } else {
                ""
            },
            mmio.map(|m| format!(", mmio64-size {m}"))
                .unwrap_or_default()
        );
        let source = SourceFile::new(format!("gen-virt-{nodes}-{gen_seed:x}.toml"), toml.as_str());
        match pipeline::compile(&source, &opts) {
            Ok(c) => {
                if c.virt().is_none() {
                    plan.broken
                        .push(format!("{name}: not compiled as a virt machine"));
                    continue;
                }
                if !seen.insert(qemu_args(&c)) {
                    plan.random_repeats += 1;
                    continue;
                }
                let before = plan.machines.len();
                plan.add(Source::RandomVirt, name, &c);
                if plan.machines.len() > before {
                    let mut tags = vec![
                        format!("virt -cpu {cpu}"),
                        format!("virt gic-version={gic}"),
                    ];
                    if upgrade {
                        tags.push("virt edk2-2022.11 with acpi-table-upgrade".to_string());
                    }
                    if mmio.is_some() {
                        tags.push("virt mmio64-size".to_string());
                    }
                    if c.virt().is_some_and(|(_, l)| !l.bridges.is_empty()) {
                        tags.push("virt host bridges".to_string());
                    }
                    for tag in tags {
                        *plan.random_coverage.entry(tag).or_default() += 1;
                    }
                }
            }
            Err(d) => {
                for code in d.iter().filter(|d| d.is_error()).map(|d| d.code.code) {
                    *plan
                        .random_refusal_codes
                        .entry((Source::RandomVirt, code.to_string()))
                        .or_default() += 1;
                }
                plan.refused_by_topoc
                    .entry(Source::RandomVirt)
                    .or_default()
                    .push(name);
            }
        }
    }
}

/// The random machines: distinct command lines, at least `want` of them
/// started (or as many attempts as four times that).
fn collect_random(plan: &mut Plan, seed: u64, want: usize) {
    let mut rng = Rng::new(seed);
    let mut seen: BTreeSet<Vec<String>> = BTreeSet::new();
    let mut attempts = 0;
    let started = |plan: &Plan| {
        plan.machines
            .iter()
            .filter(|m| m.source == Source::Random)
            .count()
    };
    while started(plan) < want && attempts < 4 * want {
        attempts += 1;
        let nodes = if rng.below(LARGE_ONE_IN) == 0 {
            25 + rng.below(104) as usize
        } else {
            2 + rng.below(23) as usize
        };
        let gen_seed = rng.next_u64();
        let machine = rng.pick(&[QemuMachine::Q35, QemuMachine::Pc]);
        let firmware = rng.pick(&[
            None,
            Some(Firmware::Seabios),
            Some(Firmware::Ovmf),
            Some(Firmware::OvmfSp),
        ]);
        let cpu = rng.pick(CPU_MODELS);
        let t = generate(nodes, gen_seed);
        let mut opts = Options::default();
        opts.qemu.machine = Some(machine);
        opts.qemu.firmware = firmware;
        opts.qemu.cpu_model = Some(cpu.to_string());
        let mut name = format!(
            "topoc-testgen {nodes} {gen_seed} | topoc build --machine-type {machine} --cpu-model {cpu}"
        );
        if let Some(f) = firmware {
            let _ = write!(name, " --firmware {f}");
        }
        let source = SourceFile::new(format!("gen-{nodes}-{gen_seed:x}.toml"), t.toml.as_str());
        match pipeline::compile(&source, &opts) {
            Ok(c) => {
                let Some((p, _, _)) = c.qemu() else {
                    plan.broken.push(format!("{name}: not compiled for qemu"));
                    continue;
                };
                // What QEMU is started with: ovmf and ovmf-sp start alike.
                let key = {
                    let bios = matches!(p.firmware.value, Firmware::Ovmf | Firmware::OvmfSp);
                    let mut k = vec![bios.to_string()];
                    k.extend(qemu_args(&c));
                    k
                };
                if !seen.insert(key) {
                    plan.random_repeats += 1;
                    continue;
                }
                let before = plan.machines.len();
                plan.add(Source::Random, name, &c);
                if plan.machines.len() > before {
                    let spm = if kernel_cmdline(&c).is_empty() {
                        "no SPM".to_string()
                    } else {
                        format!("SPM {}", p.spm.value)
                    };
                    let mut tags = vec![
                        p.machine.value.to_string(),
                        p.firmware.value.to_string(),
                        format!("-cpu {}", p.cpu_model.value),
                        spm,
                    ];
                    if c.topo.devices.iter().any(|d| d.numa_node.is_some()) {
                        tags.push(format!("host bridges on {}", p.machine.value));
                    }
                    for tag in tags {
                        *plan.random_coverage.entry(tag).or_default() += 1;
                    }
                }
            }
            Err(d) => {
                for code in d.iter().filter(|d| d.is_error()).map(|d| d.code.code) {
                    *plan
                        .random_refusal_codes
                        .entry((Source::Random, code.to_string()))
                        .or_default() += 1;
                }
                plan.refused_by_topoc
                    .entry(Source::Random)
                    .or_default()
                    .push(name);
            }
        }
    }
}

/// How one start ended.
enum Verdict {
    Accepted,
    Exit(i32),
    Signal(i32),
    TimedOut,
    NotStarted(String),
}

struct Outcome {
    verdict: Verdict,
    stderr: String,
    wall: Duration,
}

fn describe(status: ExitStatus) -> Verdict {
    use std::os::unix::process::ExitStatusExt as _;
    match (status.code(), status.signal()) {
        (Some(0), _) => Verdict::Accepted,
        (Some(c), _) => Verdict::Exit(c),
        (None, Some(s)) => Verdict::Signal(s),
        (None, None) => Verdict::Exit(-1),
    }
}

/// Starts QEMU on one machine and quits it through QMP.
fn start(m: &Machine) -> Outcome {
    let began = Instant::now();
    let qemu = m.binary;
    let spawned = Command::new(qemu)
        .args(m.argv())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match spawned {
        Ok(c) => c,
        Err(e) => {
            let why = match e.kind() {
                std::io::ErrorKind::NotFound => format!("cannot start {qemu}: {e}; {INSTALL_HINT}"),
                // E2BIG: no VMM can be started with this command line.
                _ if e.raw_os_error() == Some(7) => format!(
                    "the command line cannot be executed: {} arguments, {} bytes, beyond the \
                     kernel's limit for a new program's arguments and environment ({e})",
                    m.argv().len() + 1,
                    m.argv().iter().map(|a| a.len() + 1).sum::<usize>() + qemu.len() + 1
                ),
                _ => format!("cannot start {qemu}: {e}"),
            };
            return Outcome {
                verdict: Verdict::NotStarted(why),
                stderr: String::new(),
                wall: began.elapsed(),
            };
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        // QEMU that refuses the command line may exit before it reads its
        // input: a broken pipe here is its verdict arriving early.
        let _ = stdin.write_all(QMP_INPUT);
    }
    let mut err = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        if let Some(e) = err.as_mut() {
            let _ = e.read_to_string(&mut s);
        }
        s
    });
    let verdict = loop {
        match child.try_wait() {
            Ok(Some(status)) => break describe(status),
            Ok(None) if began.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break Verdict::TimedOut;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                break Verdict::NotStarted(format!("waiting for {qemu}: {e}"));
            }
        }
    };
    let stderr = reader.join().unwrap_or_default();
    Outcome {
        verdict,
        stderr,
        wall: began.elapsed(),
    }
}

/// Starts every machine on `jobs` threads; outcomes in machine order.
fn start_all(machines: &[Machine], jobs: usize) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Outcome>>> =
        Mutex::new((0..machines.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(m) = machines.get(i) else { break };
                    let o = start(m);
                    results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(o);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .map(|o| {
            o.unwrap_or(Outcome {
                verdict: Verdict::NotStarted("no outcome recorded".into()),
                stderr: String::new(),
                wall: Duration::ZERO,
            })
        })
        .collect()
}

fn jobs() -> usize {
    std::env::var("QEMU_ORACLE_JOBS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|&j| j > 0)
        .unwrap_or_else(|| {
            std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .clamp(2, 4)
        })
}

fn random_seed() -> u64 {
    if let Some(s) = std::env::var("QEMU_ORACLE_SEED").ok().and_then(|v| {
        let v = v.trim();
        match v.strip_prefix("0x") {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => v.parse().ok(),
        }
    }) {
        return s;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    Rng::new(nanos ^ u64::from(std::process::id())).next_u64()
}

/// Writes straight to the process's stderr: the test harness captures
/// `eprintln!` of passing tests, and these counts belong in every run's
/// output.
fn say(text: &str) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(text.as_bytes());
    let _ = e.flush();
}

/// The command line as a shell line, cut after [`SHOWN`] characters (the
/// args file holds all of it).
fn shell_line(binary: &str, argv: &[String]) -> String {
    let line = std::iter::once(binary.to_string())
        .chain(argv.iter().map(|w| topoc::emit::qemu::shell_quote(w)))
        .collect::<Vec<_>>()
        .join(" ");
    match line.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!(
            "{} … ({} arguments, {} bytes in all)",
            &line[..cut],
            argv.len(),
            line.len()
        ),
        None => line,
    }
}

fn slug(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    s.chars().take(120).collect()
}

/// Keeps a refused machine's args (and TOML) for the reader; returns the
/// args file to name.
fn keep_refused(dir: &Path, index: usize, m: &Machine) -> PathBuf {
    if let Some(f) = &m.args_file {
        return f.clone();
    }
    let base = format!("{index:04}-{}", slug(&m.name));
    let _ = std::fs::create_dir_all(dir);
    let args = dir.join(format!("{base}.args"));
    let mut text = m.args.join("\n");
    text.push('\n');
    let _ = std::fs::write(&args, text);
    if let Some(toml) = &m.toml {
        let _ = std::fs::write(dir.join(format!("{base}.toml")), toml);
    }
    args
}

/// The stack limit QEMU is started with: T119 warns that a command line
/// above 2 MiB starts only with `ulimit -s` at four times its size, and the
/// oracle starts such lines that way (the largest topoc emits without an
/// error is 6 MiB, so 4 × 6 MiB and room for the environment).
const STACK_LIMIT: u64 = 32 << 20;

/// Raises this process's stack soft limit, which the QEMU children inherit
/// and which decides how much `execve` takes for their arguments.
fn raise_stack_limit() -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut l = getrlimit(Resource::Stack);
    let want = match l.maximum {
        Some(max) => STACK_LIMIT.min(max),
        None => STACK_LIMIT,
    };
    if l.current.is_some_and(|c| c < want) {
        l.current = Some(want);
        setrlimit(Resource::Stack, l)
            .unwrap_or_else(|e| panic!("cannot raise the stack limit: {e}"));
    }
    getrlimit(Resource::Stack).current.unwrap_or(u64::MAX)
}

#[test]
fn qemu_accepts_every_emitted_command_line() {
    let qemu = installed_qemu();
    let stack = raise_stack_limit();
    eprintln!(
        "qemu-oracle: QEMU starts with a stack limit of {} KiB (ulimit -s), as T119 advises for lines above 2 MiB",
        stack / 1024
    );
    let seed = random_seed();
    let want_random = std::env::var("QEMU_ORACLE_RANDOM")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(MIN_RANDOM)
        .max(MIN_RANDOM);

    let collecting = Instant::now();
    let mut plan = Plan::default();
    collect_examples(&mut plan);
    collect_cases(&mut plan);
    collect_goldens(&mut plan);
    collect_qemu_acpi(&mut plan);
    collect_qemu_aarch64(&mut plan);
    collect_random(&mut plan, seed, want_random);
    collect_random_virt(&mut plan, seed, MIN_RANDOM_VIRT);
    let collect_time = collecting.elapsed();

    assert!(
        plan.broken.is_empty(),
        "qemu-oracle: inputs that must compile do not:\n{}",
        plan.broken.join("\n")
    );
    if plan
        .machines
        .iter()
        .any(|m| matches!(m.firmware, Firmware::Ovmf | Firmware::OvmfSp))
    {
        assert!(
            Path::new(OVMF).is_file(),
            "{OVMF} not found: the OVMF machines start with it; {INSTALL_HINT}"
        );
    }
    assert!(
        Path::new(AARCH64_EFI).is_file(),
        "{AARCH64_EFI} not found: the virt machines start with it; {INSTALL_HINT}"
    );

    let jobs = jobs();
    let starting = Instant::now();
    let outcomes = start_all(&plan.machines, jobs);
    let wall = starting.elapsed();

    let mut per_source: BTreeMap<Source, (usize, usize)> = BTreeMap::new();
    let mut failures = String::new();
    let mut refused = 0;
    let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("qemu-oracle");
    let _ = std::fs::remove_dir_all(&keep);
    for (i, (m, o)) in plan.machines.iter().zip(&outcomes).enumerate() {
        let e = per_source.entry(m.source).or_default();
        e.0 += 1;
        let what = match &o.verdict {
            Verdict::Accepted => {
                e.1 += 1;
                continue;
            }
            Verdict::Exit(c) => format!("exit status {c}"),
            Verdict::Signal(s) => format!("killed by signal {s} (QEMU aborted)"),
            Verdict::TimedOut => format!("did not quit within {} s (killed)", TIMEOUT.as_secs()),
            Verdict::NotStarted(why) => why.clone(),
        };
        refused += 1;
        let args_file = keep_refused(&keep, i, m);
        let _ = write!(
            failures,
            "\n[{}] {}\n  args file: {}\n  verdict:   {what} after {:.0} ms\n  command:   {}\n  stderr:\n",
            m.source.name(),
            m.name,
            args_file.display(),
            o.wall.as_secs_f64() * 1000.0,
            shell_line(m.binary, &m.argv()),
        );
        let stderr = o.stderr.trim_end();
        if stderr.is_empty() {
            failures.push_str("    (nothing)\n");
        }
        for line in stderr.lines().take(20) {
            let _ = writeln!(failures, "    {line}");
        }
    }

    // The report, in every run.
    let started = plan.machines.len();
    let sources = SOURCES
        .iter()
        .map(|s| format!("{} {}", s.name(), per_source.get(s).map_or(0, |e| e.0)))
        .collect::<Vec<_>>()
        .join(", ");
    let mut walls: Vec<Duration> = outcomes.iter().map(|o| o.wall).collect();
    walls.sort();
    let median = walls.get(walls.len() / 2).copied().unwrap_or_default();
    let slowest = outcomes
        .iter()
        .zip(&plan.machines)
        .max_by_key(|(o, _)| o.wall)
        .map(|(o, m)| format!("{:.2} s ({})", o.wall.as_secs_f64(), m.name))
        .unwrap_or_default();
    let mut report = format!(
        "qemu-oracle: {started} command lines started, {} accepted ({sources}) in {:.1} s \
         [QEMU {}, {jobs} jobs, random seed {seed:#x}]\n",
        started - refused,
        wall.as_secs_f64(),
        qemu.full,
    );
    let _ = writeln!(
        report,
        "qemu-oracle: per start median {:.0} ms, slowest {slowest}; collecting took {:.1} s",
        median.as_secs_f64() * 1000.0,
        collect_time.as_secs_f64()
    );
    let skipped: usize = plan.skipped.values().map(Vec::len).sum();
    let _ = writeln!(
        report,
        "qemu-oracle: {skipped} not started, host- or release-dependent:"
    );
    for (reason, names) in &plan.skipped {
        let _ = writeln!(report, "  {} × {reason}: {}", names.len(), names.join(", "));
    }
    for (source, names) in &plan.refused_by_topoc {
        let _ = write!(
            report,
            "qemu-oracle: {} {} refused by topoc (no command line to start)",
            names.len(),
            source.name()
        );
        if matches!(source, Source::Random | Source::RandomVirt) {
            let by_code = plan
                .random_refusal_codes
                .iter()
                .filter(|((s, _), _)| s == source)
                .map(|((_, c), n)| format!("{c} ×{n}"))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = write!(report, ": {by_code}");
        } else {
            report.push_str(": their cases' mistakes");
        }
        report.push('\n');
    }
    let _ = writeln!(
        report,
        "qemu-oracle: {} files for cloud-hypervisor (no QEMU command line); {} random repeats dropped",
        plan.other_target.len(),
        plan.random_repeats
    );
    let coverage = plan
        .random_coverage
        .iter()
        .map(|(tag, n)| format!("{tag} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let _ = writeln!(report, "qemu-oracle: random machines cover {coverage}");
    say(&report);

    // The random machines must cover what they are there to cover, or a
    // change to the generator or the overrides would quietly test less.
    let mut wanted: Vec<String> = vec![
        "q35".into(),
        "pc".into(),
        "seabios".into(),
        "ovmf".into(),
        "ovmf-sp".into(),
        "SPM kernel-memmap".into(),
        "host bridges on q35".into(),
        "host bridges on pc".into(),
        "virt gic-version=2".into(),
        "virt gic-version=3".into(),
    ];
    wanted.extend(CPU_MODELS.iter().map(|m| format!("-cpu {m}")));
    wanted.extend(ARM_CPU_MODELS.iter().map(|m| format!("virt -cpu {m}")));
    let missing: Vec<&String> = wanted
        .iter()
        .filter(|w| !plan.random_coverage.contains_key(*w))
        .collect();
    assert!(
        missing.is_empty(),
        "qemu-oracle: no random machine started with {missing:?}:\n{report}"
    );

    let virt_started = per_source.get(&Source::RandomVirt).map_or(0, |e| e.0);
    assert!(
        virt_started >= MIN_RANDOM_VIRT,
        "qemu-oracle: only {virt_started} distinct random virt command lines to start, {MIN_RANDOM_VIRT} wanted:\n{report}"
    );
    let random_started = per_source.get(&Source::Random).map_or(0, |e| e.0);
    assert!(
        random_started >= want_random,
        "qemu-oracle: only {random_started} distinct random command lines to start, {want_random} wanted \
         (topoc refused the others or they repeated):\n{report}"
    );
    assert!(
        refused == 0,
        "qemu-oracle: QEMU {} refused {refused} of {started} command lines topoc emitted \
         (each is a topoc bug: a missing rule or a wrong emission; \
         replay the random ones with QEMU_ORACLE_SEED={seed:#x}):\n{failures}\n{report}",
        qemu.full
    );
}

/// The filter knows topoc's own spelling of every host-dependent backend and
/// device: each one, compiled for qemu, is recognised with its reason, and
/// the same machine with anonymous memory is started.
#[test]
fn host_dependent_machines_are_recognised() {
    let machine = |memory_extra: &str, device: &str| {
        format!(
            "topoc = 1\n[machine]\nname = \"host\"\ncpus = {{ sockets = 1, cores = 2 }}\n\
             [[node]]\nid = 0\nname = \"n0\"\ncpus = \"0-1\"\n\
             memory = {{ size = \"1GiB\"{memory_extra} }}\n{device}"
        )
    };
    let cases = [
        (machine("", ""), None),
        (machine(", shared = true, reserve = false", ""), None),
        (
            machine(", path = \"/dev/dax0.0\"", ""),
            Some("file-backed memory"),
        ),
        (machine(", hugepages = true", ""), Some("hugepage memory")),
        (
            machine(", hugepages = \"2MiB\"", ""),
            Some("hugepage memory"),
        ),
        (
            machine(", host-nodes = \"0\"", ""),
            Some("host NUMA binding"),
        ),
        (
            machine(", prealloc = true", ""),
            Some("preallocated memory"),
        ),
        (
            machine(
                "",
                "[[device]]\nname = \"gpu0\"\nkind = \"gpu\"\nhost = \"0000:41:00.0\"\n",
            ),
            Some("host PCI device"),
        ),
    ];
    for (toml, want) in cases {
        let c = pipeline::compile(
            &SourceFile::new("host.toml", toml.as_str()),
            &Options::default(),
        )
        .unwrap_or_else(|d| panic!("does not compile: {}\n{toml}", codes(&d)));
        let args = qemu_args(&c);
        let got = not_startable(&args, SpmDialect::KernelMemmap);
        match want {
            None => assert_eq!(got, None, "{args:?}"),
            Some(reason) => assert!(
                got.as_deref().is_some_and(|g| g.starts_with(reason)),
                "expected {reason:?}, got {got:?} for {args:?}"
            ),
        }
    }
    let host_cpu = ["-cpu".to_string(), "host".to_string()];
    assert!(not_startable(&host_cpu, SpmDialect::KernelMemmap).is_some());
    let sp_mem = [
        "-device".to_string(),
        "sp-mem,id=sp-mem1,memdev=spm1,node=1".to_string(),
    ];
    let got = not_startable(&sp_mem, SpmDialect::SpMem).unwrap_or_default();
    assert!(got.contains("not in QEMU 10.0"), "sp-mem: {got:?}");
}
