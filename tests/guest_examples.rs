//! Every bundled x86_64 example, booted: the proof that a real guest sees
//! what topoc predicts.
//!
//! For each `examples/*.toml` (found at run time) whose `[machine] arch` is
//! x86_64, the test compiles the
//! topology, boots its emitted QEMU arguments with `-nodefaults` and the
//! emitted kernel arguments under QEMU 10 (TCG) and SeaBIOS, runs topoc's
//! probe in the guest, and requires `topoc::verify` to pass on the dump. On
//! top of that:
//!
//! - one example boots under OVMF (the other firmware model: a different
//!   `BIOS-e820` map with firmware-owned windows);
//! - one example boots with topoc's own SRAT, SLIT and HMAT in place of
//!   QEMU's, through the kernel's initrd table upgrade (the tables carry OEM
//!   revision 2, above QEMU's 1), so the guest reads *our* bytes;
//! - one example hands its Specific Purpose Memory to kmem, which brings the
//!   HBM nodes online and makes their HMAT attributes and memory-side caches
//!   visible in sysfs;
//! - perturbation tests: a deliberately wrong prediction (one node's memory
//!   size, one distance, one HMAT latency) must make `verify` fail on the
//!   check that covers that value, with a clear difference. They reuse the
//!   dump of a real boot.
//!
//! Boots run in parallel on the test harness's threads (`--test-threads`,
//! by default one per core). Each dump is kept in
//! `target/guest-dumps/<case>.dump` (in Cargo's target directory) for
//! `topoc verify` by hand. Without QEMU
//! or the guest kernel the tests fail, naming `scripts/install-guest-deps.sh`:
//! a green run means the guests really booted.

mod support;

use libtest_mimic::{Arguments, Failed, Trial};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;
use support::data;
use support::guest::{BootSpec, Firmware, GuestKit};
use topoc::guest::dump::GuestDump;
use topoc::pipeline::{Compiled, Options};
use topoc::source::SourceFile;
use topoc::target::QemuOverrides;
use topoc::verify::{Report, Status};

/// One guest boot.
#[derive(Clone, Debug)]
struct Case {
    example: String,
    firmware: Firmware,
    /// Boot with topoc's SRAT/SLIT/HMAT through the initrd table upgrade.
    own_tables: bool,
    /// Hand soft-reserved memory to kmem (`topoc.kmem=1` in the test initramfs).
    kmem: bool,
}

impl Case {
    fn seabios(example: &str) -> Case {
        Case {
            example: example.to_string(),
            firmware: Firmware::Seabios,
            own_tables: false,
            kmem: false,
        }
    }

    fn name(&self) -> String {
        let mut s = format!(
            "{} {}",
            match self.firmware {
                Firmware::Seabios => "seabios",
                Firmware::Ovmf => "ovmf",
            },
            self.example
        );
        if self.own_tables {
            s.push_str(" +topoc-acpi-tables");
        }
        if self.kmem {
            s.push_str(" +kmem");
        }
        s
    }

    fn file_stem(&self) -> String {
        self.name().replace([' ', '+'], "_").replace("__", "_")
    }

    /// The OEM revision topoc writes into its tables for this boot.
    fn oem_revision(&self) -> u32 {
        if self.own_tables { 2 } else { 1 }
    }
}

fn compile_text(name: &str, text: &str, case: &Case) -> Result<Compiled, Failed> {
    let source = SourceFile::new(name, text);
    let opts = Options {
        qemu: QemuOverrides {
            firmware: Some(match case.firmware {
                Firmware::Seabios => topoc::kinds::Firmware::Seabios,
                Firmware::Ovmf => topoc::kinds::Firmware::Ovmf,
            }),
            ..QemuOverrides::default()
        },
        acpi_oem_revision: case.oem_revision(),
        ..Options::default()
    };
    topoc::pipeline::compile(&source, &opts).map_err(|diags| {
        let codes: Vec<String> = diags.iter().map(|d| format!("{d:?}")).collect();
        Failed::from(format!("{name} does not compile:\n{}", codes.join("\n")))
    })
}

fn example_text(example: &str) -> Result<String, Failed> {
    let path = data::root()
        .join("examples")
        .join(format!("{example}.toml"));
    std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn compile(case: &Case) -> Result<Compiled, Failed> {
    compile_text(
        &format!("examples/{}.toml", case.example),
        &example_text(&case.example)?,
        case,
    )
}

fn kit() -> Result<&'static GuestKit, Failed> {
    GuestKit::prepare().map_err(|e| format!("guest kit not ready: {e}").into())
}

/// Boots a case once per test process; concurrent callers wait for it.
fn dump_of(case: &Case) -> Result<String, Failed> {
    type Cell = Arc<OnceLock<Result<String, String>>>;
    static BOOTS: OnceLock<Mutex<BTreeMap<String, Cell>>> = OnceLock::new();
    let cell = {
        let mut map = BOOTS
            .get_or_init(|| Mutex::new(BTreeMap::new()))
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        map.entry(case.name()).or_default().clone()
    };
    cell.get_or_init(|| boot(case))
        .clone()
        .map_err(Failed::from)
}

fn boot(case: &Case) -> Result<String, String> {
    let kit = kit().map_err(|e| format!("{e:?}"))?;
    let c = compile(case).map_err(|e| format!("{e:?}"))?;
    let args = topoc::emit::qemu::args(&c);
    let mut spec = BootSpec::new(&args);
    spec.firmware = case.firmware;
    let (_, layout, _) = c.qemu().ok_or("not a qemu target")?;
    spec.kernel_cmdline_extra = layout.kernel_args.join(" ");
    if case.kmem {
        spec.kernel_cmdline_extra.push_str(" topoc.kmem=1");
    }
    if case.own_tables {
        let mut tables = Vec::new();
        for artifact in ["srat", "slit", "hmat"] {
            if let Some(bytes) = topoc::emit::lookup(artifact).and_then(|a| a.render(&c)) {
                tables.push((format!("{artifact}.aml"), bytes));
            }
        }
        spec.acpi_override = Some(tables);
    }
    let started = Instant::now();
    let out = kit
        .boot(&spec)
        .map_err(|e| format!("{}: boot failed: {e}", case.name()))?;
    eprintln!(
        "guest-time {:<40} QEMU {:>6.2} s (with setup {:.2} s)",
        case.name(),
        out.wall.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    let dir = data::target_dir().join("guest-dumps");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("{}.dump", case.file_stem())), &out.dump);
    Ok(out.dump)
}

fn parse(case: &Case, text: &str) -> Result<GuestDump, Failed> {
    let d =
        GuestDump::parse(text).map_err(|e| format!("{}: dump does not parse: {e}", case.name()))?;
    if !d.warnings.is_empty() {
        return Err(format!("{}: dump parser warnings: {:?}", case.name(), d.warnings).into());
    }
    Ok(d)
}

fn failure_text(case: &Case, r: &Report) -> String {
    format!(
        "{}: the guest differs from the prediction (dump in target/guest-dumps/{}.dump)\n{}",
        case.name(),
        case.file_stem(),
        r.render_text(false)
            .lines()
            .filter(|l| !l.starts_with("ok "))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

/// Boot, verify, require agreement.
fn run_boot(case: &Case) -> Result<(), Failed> {
    let c = compile(case)?;
    let d = parse(case, &dump_of(case)?)?;
    let r = topoc::verify::verify(&c, &d);
    if !r.passed() {
        return Err(failure_text(case, &r).into());
    }
    // What each kind of boot is for must really have been looked at.
    let must_pass: Vec<&str> = {
        let mut v = vec!["e820.fw_cfg", "e820.bios", "numa.pxm-map", "acpi.SRAT"];
        if case.own_tables {
            v.push("acpi.table-upgrade");
        }
        if !c.qemu().is_some_and(|(_, l, _)| l.kernel_args.is_empty()) {
            v.extend([
                "kernel.cmdline",
                "e820.user",
                "spm.iomem",
                "spm.memtotal",
                "spm.dax",
            ]);
        }
        if c.topo.nodes.iter().any(|n| n.is_generic_initiator()) {
            v.extend(["numa.has_generic_initiator", "gi.srat", "pci.devices"]);
        }
        v
    };
    for name in must_pass {
        match r.check(name) {
            Some(ch) if ch.status == Status::Pass => {}
            Some(ch) => {
                return Err(format!(
                    "{}: check {name} did not run: {:?} {}",
                    case.name(),
                    ch.status,
                    ch.reason.as_deref().unwrap_or("")
                )
                .into());
            }
            None => return Err(format!("{}: no check {name}", case.name()).into()),
        }
    }
    if case.kmem
        && !r
            .checks
            .iter()
            .any(|ch| ch.name.ends_with(".memory-side-cache") && ch.status == Status::Pass)
    {
        let has_cache = c
            .topo
            .nodes
            .iter()
            .any(|n| n.memory.as_ref().is_some_and(|m| !m.caches.is_empty()));
        if has_cache {
            return Err(format!("{}: no memory-side cache was compared", case.name()).into());
        }
    }
    Ok(())
}

/// Verifies the dump of `base` against a wrong prediction and requires the
/// named check to fail with a difference.
fn expect_failure(
    base: &Case,
    c: &Compiled,
    prediction: Option<topoc::verify::Prediction>,
    must_fail: &[&str],
) -> Result<(), Failed> {
    let d = parse(base, &dump_of(base)?)?;
    let r = match prediction {
        Some(p) => topoc::verify::verify_prediction(c, &p, &d),
        None => topoc::verify::verify(c, &d),
    };
    if r.passed() {
        return Err("verify passed a wrong prediction".into());
    }
    let text = r.render_text(false);
    for name in must_fail {
        let Some(ch) = r.check(name) else {
            return Err(format!("no check {name} in the report:\n{text}").into());
        };
        if ch.status != Status::Fail || ch.differences.is_empty() || ch.cause.is_none() {
            return Err(format!(
                "check {name} did not fail with a difference and a cause:\n{text}"
            )
            .into());
        }
        if !text.contains(&format!("FAIL  {name}")) || !text.contains("expected:") {
            return Err(format!("the text report does not show {name}:\n{text}").into());
        }
    }
    Ok(())
}

/// The second `size = "2GiB"` of two-socket (node 1) becomes 1 GiB: QEMU's
/// map, the SRAT and node 1's memory all move.
fn perturb_memory() -> Result<(), Failed> {
    let base = Case::seabios("two-socket");
    let text = example_text("two-socket")?;
    let at = text
        .match_indices("size = \"2GiB\"")
        .nth(1)
        .map(|(i, _)| i)
        .ok_or("two-socket no longer has two 2GiB nodes")?;
    let mut wrong = text.clone();
    wrong.replace_range(at..at + 13, "size = \"1GiB\"");
    let c = compile_text("two-socket (node 1: 1GiB)", &wrong, &base)?;
    expect_failure(
        &base,
        &c,
        None,
        &["e820.fw_cfg", "node1.srat", "node1.memtotal"],
    )
}

/// One SLIT distance of the compiled two-socket changed from 21 to 31.
fn perturb_distance() -> Result<(), Failed> {
    let base = Case::seabios("two-socket");
    let mut c = compile(&base)?;
    let slit = c.derived.slit.as_mut().ok_or("two-socket has no SLIT")?;
    slit.matrix[0][1] = slit.matrix[0][1].saturating_add(10);
    slit.matrix[1][0] = slit.matrix[0][1];
    expect_failure(
        &base,
        &c,
        None,
        &["acpi.SLIT", "node0.distance", "node1.distance"],
    )
}

/// The predicted HMAT says node 0's local latency is 10 ns more.
fn perturb_hmat() -> Result<(), Failed> {
    let base = Case::seabios("two-socket");
    let c = compile(&base)?;
    let mut p = topoc::verify::Prediction::new(&c);
    let hmat = p.hmat.as_mut().ok_or("two-socket has no HMAT")?;
    let mut changed = false;
    for s in &mut hmat.structures {
        if let topoc::acpi::HmatStructure::Locality(l) = s {
            if topoc::acpi::hmat::is_latency(l.data_type) && !changed {
                // Initiator 0, target 0: one more base unit.
                l.entries[0] += 1;
                changed = true;
            }
        }
    }
    if !changed {
        return Err("two-socket's HMAT has no latency table".into());
    }
    expect_failure(&base, &c, Some(p), &["node0.access0", "node0.access1"])
}

/// The x86_64 examples: this kit boots x86 guests (SeaBIOS/OVMF, the amd64
/// cloud kernel). The aarch64 ones are QEMU `virt` machines, which
/// `tests/qemu_oracle.rs` starts with `qemu-system-aarch64`.
fn examples() -> Vec<String> {
    data::bundled_examples()
        .into_iter()
        .filter(|e| {
            let path = data::root().join(format!("examples/{e}.toml"));
            let text = data::read_text(&path);
            let c =
                topoc::pipeline::compile(&SourceFile::new(e.clone(), text), &Options::default());
            c.map_or(true, |c| {
                c.topo.machine.arch.value == topoc::kinds::Arch::X86_64
            })
        })
        .collect()
}

/// The example that exercises the most (SPM, Generic Initiators, caches),
/// else the first one.
fn richest(examples: &[String], prefer: &str) -> Option<String> {
    examples
        .iter()
        .find(|e| *e == prefer)
        .or_else(|| examples.first())
        .cloned()
}

fn main() {
    let args = Arguments::from_args();
    let examples = examples();
    let mut cases: Vec<Case> = examples.iter().map(|e| Case::seabios(e)).collect();
    if let Some(e) = richest(&examples, "mi300a") {
        cases.push(Case {
            firmware: Firmware::Ovmf,
            ..Case::seabios(&e)
        });
        cases.push(Case {
            kmem: true,
            ..Case::seabios(&e)
        });
    }
    // Devices behind NUMA-local host bridges: OVMF numbers the buses behind
    // them itself (PciBusDxe), SeaBIOS in its own loop; both must agree
    // with the prediction.
    if let Some(e) = examples.iter().find(|e| e.as_str() == "mi300x") {
        cases.push(Case {
            firmware: Firmware::Ovmf,
            ..Case::seabios(e)
        });
    }
    // Generic Initiator nodes of several devices, in our own tables.
    if let Some(e) = richest(&examples, "mi300x") {
        cases.push(Case {
            own_tables: true,
            ..Case::seabios(&e)
        });
    }
    // Slow boots first, so that two threads finish together.
    cases.sort_by_key(|c| (c.firmware != Firmware::Ovmf, c.name()));
    let mut trials: Vec<Trial> = cases
        .into_iter()
        .map(|c| Trial::test(format!("boot {}", c.name()), move || run_boot(&c)))
        .collect();
    // These need examples/two-socket.toml and say so if it is gone.
    trials.push(Trial::test(
        "perturbed memory size fails verify",
        perturb_memory,
    ));
    trials.push(Trial::test(
        "perturbed distance fails verify",
        perturb_distance,
    ));
    trials.push(Trial::test(
        "perturbed HMAT latency fails verify",
        perturb_hmat,
    ));
    let started = Instant::now();
    let conclusion = libtest_mimic::run(&args, trials);
    eprintln!("guest-time total {:.2} s", started.elapsed().as_secs_f64());
    conclusion.exit();
}
