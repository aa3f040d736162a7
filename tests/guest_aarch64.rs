//! Every bundled aarch64 example, booted on QEMU's `virt` machine: the
//! proof that a real arm64 guest sees what topoc predicts.
//!
//! For each `examples/*.toml` whose `[machine] arch` is aarch64, the test
//! compiles the topology, boots its emitted `qemu-system-aarch64` arguments
//! under TCG with `-nodefaults`, the edk2 build the topology names as `-bios`
//! (2020.11 by default; it carries QEMU's ACPI tables to the kernel; bookworm's
//! 2022.11, which numbers the buses behind a `numa-node` host bridge, only
//! with `acpi-table-upgrade`, whose `acpi-initrd` artifact then goes first in
//! the initrd: without it the guest fakes one node, T125) and the Debian
//! arm64 cloud kernel, runs topoc's probe in the
//! guest, and requires `topoc::verify` to pass on the dump, with the checks
//! that matter on Arm really compared: the node numbering (Linux arm64
//! numbers nodes in SRAT order, not by proximity domain), the SRAT CPU
//! lines with their MPIDRs, the raw SRAT against topoc's, the top level of
//! `/proc/iomem` (RAM, PCI windows, ECAM: the memory view), and the Generic
//! Initiator nodes with their device, and each `numa-node` device's node in
//! `/sys/bus/pci/devices/*/numa_node`. An example without the upgrade boots a
//! second time
//! with topoc's own SRAT, SLIT and HMAT in place of QEMU's, through the arm64
//! kernel's initrd table upgrade (OEM revision 2), so the guest reads topoc's
//! bytes, and `acpi.table-upgrade` must see that it did.
//!
//! The kit is `tests/support/guest.rs` with its aarch64 platform; without
//! QEMU, the arm64 kernel or the firmware the test fails, naming
//! `scripts/install-guest-deps.sh`. Each dump is kept in
//! `target/guest-dumps/virt_<example>.dump`.

mod support;

use support::data;
use support::guest::{BootSpec, GuestKit};
use topoc::guest::dump::GuestDump;
use topoc::pipeline::{Compiled, Options};
use topoc::source::SourceFile;
use topoc::verify::Status;

/// The aarch64 examples, compiled with tables of OEM revision `oem`.
fn examples(oem: u32) -> Vec<(String, Compiled)> {
    data::bundled_examples()
        .into_iter()
        .filter_map(|e| {
            let rel = format!("examples/{e}.toml");
            let text = data::read_text(&data::root().join(&rel));
            let opts = Options {
                acpi_oem_revision: oem,
                ..Options::default()
            };
            let c = topoc::pipeline::compile(&SourceFile::new(rel, text), &opts).ok()?;
            (c.topo.machine.arch.value == topoc::kinds::Arch::Aarch64).then_some((e, c))
        })
        .collect()
}

fn boot_and_verify(example: &str, c: &Compiled, own_tables: bool) -> Result<(), String> {
    let kit = GuestKit::prepare_aarch64().map_err(|e| format!("arm64 guest kit not ready: {e}"))?;
    let args = topoc::emit::qemu::args(c);
    let mut spec = BootSpec::new(&args);
    let (p, _) = c.virt().ok_or("not a virt machine")?;
    if p.firmware.value == topoc::kinds::Firmware::Edk2_2022_11 {
        spec.bios = Some(support::guest::EDK2_AARCH64_BOOKWORM.to_string());
    }
    // A topology with `acpi-table-upgrade` boots with its own `acpi-initrd`
    // artifact first in the initrd, as a user would.
    let upgrade = topoc::emit::lookup("acpi-initrd").and_then(|a| a.render(c));
    let upgraded = upgrade.is_some();
    spec.initrd_prefix = upgrade;
    let example = if own_tables {
        let mut tables = Vec::new();
        for artifact in ["srat", "slit", "hmat"] {
            if let Some(bytes) = topoc::emit::lookup(artifact).and_then(|a| a.render(c)) {
                tables.push((format!("{artifact}.aml"), bytes));
            }
        }
        spec.acpi_override = Some(tables);
        format!("{example}+topoc-acpi-tables")
    } else {
        example.to_string()
    };
    let example = example.as_str();
    let out = kit
        .boot(&spec)
        .map_err(|e| format!("{example}: boot failed: {e}"))?;
    eprintln!(
        "guest-time virt {example:<32} QEMU {:>6.2} s ({}, {})",
        out.wall.as_secs_f64(),
        kit.kernel_release,
        kit.qemu_version
    );
    let dir = data::target_dir().join("guest-dumps");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(format!("virt_{example}.dump")), &out.dump);
    let d =
        GuestDump::parse(&out.dump).map_err(|e| format!("{example}: dump does not parse: {e}"))?;
    if !d.warnings.is_empty() {
        return Err(format!("{example}: dump parser warnings: {:?}", d.warnings));
    }
    let r = topoc::verify::verify(c, &d);
    if !r.passed() {
        return Err(format!(
            "{example}: the arm64 guest differs from the prediction (dump in target/guest-dumps/virt_{example}.dump)\n{}",
            r.render_text(false)
        ));
    }
    let mut must_pass = vec![
        "firmware",
        "numa.pxm-map",
        "numa.srat-cpus",
        "acpi.SRAT",
        "virt.iomem",
    ];
    if c.topo.nodes.iter().any(|n| n.is_generic_initiator()) {
        must_pass.extend(["numa.has_generic_initiator", "gi.srat", "pci.devices"]);
    }
    if own_tables || upgraded {
        must_pass.push("acpi.table-upgrade");
    }
    if c.topo.devices.iter().any(|d| d.numa_node.is_some()) {
        must_pass.push("pci.numa-node");
    }
    for name in must_pass {
        match r.check(name) {
            Some(ch) if ch.status == Status::Pass => {}
            Some(ch) => {
                return Err(format!(
                    "{example}: check {name} was not compared: {:?} {}",
                    ch.status,
                    ch.reason.as_deref().unwrap_or("")
                ));
            }
            None => return Err(format!("{example}: no check {name}")),
        }
    }
    Ok(())
}

#[test]
fn every_aarch64_example_boots_and_verifies() {
    let examples = examples(1);
    assert!(
        !examples.is_empty(),
        "no aarch64 example: examples/grace-hopper.toml should be one"
    );
    let failures: Vec<String> = examples
        .iter()
        .filter_map(|(e, c)| boot_and_verify(e, c, false).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn an_arm64_guest_reads_topocs_own_tables() {
    let examples = examples(2);
    // An example that does not take its tables from the initrd already.
    let (e, c) = examples
        .iter()
        .find(|(_, c)| c.virt().is_some_and(|(p, _)| !p.acpi_table_upgrade.value))
        .expect("an aarch64 example without acpi-table-upgrade");
    if let Err(f) = boot_and_verify(e, c, true) {
        panic!("{f}");
    }
}

/// The tables of a topology with `acpi-table-upgrade` are QEMU's, except
/// for what the upgrade adds: booted once more without topoc's initrd (the
/// guest then fakes one node under edk2 2022.11, but
/// `/sys/firmware/acpi/tables` still holds what QEMU built), QEMU's SRAT,
/// SLIT and HMAT equal topoc's byte for byte once the OEM revision and the
/// checksum are set aside and, under edk2 2022.11, the SRAT's last entry (the
/// flash bank topoc adds, 40 bytes) is taken off.
#[test]
fn upgraded_tables_are_qemus_plus_the_flash_entry() {
    let examples = examples(1);
    let upgraded: Vec<&(String, Compiled)> = examples
        .iter()
        .filter(|(_, c)| c.virt().is_some_and(|(p, _)| p.acpi_table_upgrade.value))
        .collect();
    assert!(
        !upgraded.is_empty(),
        "no aarch64 example with acpi-table-upgrade: examples/grace-hopper.toml should be one"
    );
    let kit = GuestKit::prepare_aarch64().expect("arm64 guest kit");
    for (e, c) in upgraded {
        let (p, _) = c.virt().expect("virt");
        let mut spec = BootSpec::new(&topoc::emit::qemu::args(c));
        let flash = p.firmware.value == topoc::kinds::Firmware::Edk2_2022_11;
        if flash {
            spec.bios = Some(support::guest::EDK2_AARCH64_BOOKWORM.to_string());
        }
        let out = kit
            .boot(&spec)
            .unwrap_or_else(|err| panic!("{e}: boot failed: {err}"));
        let d = GuestDump::parse(&out.dump).expect("dump parses");
        // What varies between the two: the checksum (byte 9) and the OEM
        // revision (bytes 24-27).
        let plain = |b: &[u8]| {
            let mut b = b.to_vec();
            if b.len() >= 28 {
                b[9] = 0;
                b[24..28].fill(0);
            }
            b
        };
        for (sig, artifact) in [("SRAT", "srat"), ("SLIT", "slit"), ("HMAT", "hmat")] {
            let Some(mut ours) = topoc::emit::lookup(artifact).and_then(|a| a.render(c)) else {
                continue;
            };
            if sig == "SRAT" && flash {
                let tail = ours.split_off(ours.len() - 40);
                assert_eq!(
                    (tail[0], &tail[8..16]),
                    (1, &0x0400_0000u64.to_le_bytes()[..]),
                    "{e}: the SRAT's last entry is not the flash bank"
                );
                let len = u32::try_from(ours.len()).expect("small");
                ours[4..8].copy_from_slice(&len.to_le_bytes());
            }
            let qemu = d
                .acpi_table(sig)
                .unwrap_or_else(|| panic!("{e}: the guest dump has no {sig}"));
            assert!(
                plain(qemu) == plain(&ours),
                "{e}: QEMU's {sig} ({} bytes) differs from topoc's ({} bytes) beyond the upgrade",
                qemu.len(),
                ours.len()
            );
        }
    }
}
