//! End-to-end proof that the guest kit works: real kernels boot under QEMU,
//! run topoc's probe, and the dump parser reads back what QEMU was told.
//!
//! These tests are not `#[ignore]`d: without QEMU or the kernel they fail
//! with a message naming `scripts/install-guest-deps.sh`.

mod support;

use support::guest::{self, BootSpec, GuestKit};
use topoc::e820::{Entry, Kind};
use topoc::guest::dump::{E820Line, GuestDump};

fn kit() -> &'static GuestKit {
    match GuestKit::prepare() {
        Ok(kit) => kit,
        Err(e) => panic!("guest kit not ready: {e}"),
    }
}

fn boot(name: &str, spec: &BootSpec) -> GuestDump {
    let kit = kit();
    let out = match kit.boot(spec) {
        Ok(out) => out,
        Err(e) => panic!("{name}: boot failed: {e}"),
    };
    eprintln!(
        "{name}: booted {} in {:.2?} (QEMU wall time)",
        kit.kernel_release, out.wall
    );
    match GuestDump::parse(&out.dump) {
        Ok(d) => {
            assert!(
                d.warnings.is_empty(),
                "{name}: parser warnings {:?}",
                d.warnings
            );
            d
        }
        Err(e) => panic!("{name}: dump did not parse: {e}\n{}", out.dump),
    }
}

fn fw_ram(d: &GuestDump) -> Vec<(u64, u64)> {
    d.fw_cfg_e820
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter(|e| e.kind == Kind::Ram)
        .map(|e| (e.addr, e.size))
        .collect()
}

/// QEMU's AMD HyperTransport hole: reserved [1 TiB - 12 GiB, 1 TiB), added
/// because TCG's default `qemu64` CPU says AuthenticAMD.
const AMD_HT: Entry = Entry {
    addr: 0xfd_0000_0000,
    size: 0x3_0000_0000,
    kind: Kind::Reserved,
};

#[test]
fn plain_q35_guest() {
    let d = boot(
        "plain",
        &BootSpec::from_args_str("-machine q35 -m 512M -smp 2"),
    );
    assert!(
        d.kernel
            .as_deref()
            .is_some_and(|k| k.contains("cloud-amd64"))
    );
    assert!(
        d.init_notes
            .as_deref()
            .is_some_and(|n| n.contains("qemu_fw_cfg:ok"))
    );
    assert_eq!(d.uid, Some(0));
    assert_eq!(fw_ram(&d), [(0, 512 << 20)]);
    assert!(
        d.fw_cfg_e820
            .as_deref()
            .unwrap_or_default()
            .contains(&AMD_HT)
    );
    // No SRAT without -numa; one node with both CPUs.
    assert_eq!(d.acpi_table("SRAT"), None);
    assert!(d.notes_in("acpi.SRAT").next().is_some());
    assert_eq!(d.node_lists.online, Some(vec![0]));
    assert_eq!(d.node(0).and_then(|n| n.cpulist.clone()), Some(vec![0, 1]));
    // SeaBIOS keeps the top 128 KiB of low RAM for its tables.
    assert!(d.bios_e820.contains(&E820Line {
        start: 0x10_0000,
        end: 0x1ffd_ffff,
        kind: "usable".into()
    }));
}

#[test]
fn two_node_numa_guest() {
    let d = boot(
        "numa2",
        &BootSpec::from_args_str(
            "-machine q35 -m 2G -smp 2,sockets=2 \
             -object memory-backend-ram,id=m0,size=1G -object memory-backend-ram,id=m1,size=1G \
             -numa node,nodeid=0,memdev=m0,cpus=0 -numa node,nodeid=1,memdev=m1,cpus=1 \
             -numa dist,src=0,dst=1,val=21",
        ),
    );
    assert_eq!(d.node_lists.online, Some(vec![0, 1]));
    assert_eq!(d.node_lists.has_cpu, Some(vec![0, 1]));
    assert_eq!(
        d.node(0).and_then(|n| n.distance.clone()),
        Some(vec![10, 21])
    );
    assert_eq!(
        d.node(1).and_then(|n| n.distance.clone()),
        Some(vec![21, 10])
    );
    assert_eq!(d.node(1).and_then(|n| n.cpulist.clone()), Some(vec![1]));

    // QEMU's own E820: 2 GiB is below q35's 2.75 GiB split point, so all
    // RAM sits below 4 GiB, in one entry.
    let fw = d.fw_cfg_e820.as_deref().unwrap_or_default();
    assert_eq!(fw_ram(&d), [(0, 0x8000_0000)]);
    assert!(fw.contains(&AMD_HT));
    // ... and therefore the guest's firmware map has no RAM at or above 4 GiB.
    assert!(d.bios_e820.contains(&E820Line {
        start: 0x10_0000,
        end: 0x7ffd_ffff,
        kind: "usable".into()
    }));
    assert!(
        !d.bios_e820
            .iter()
            .any(|l| l.start >= 0x1_0000_0000 && l.kind == "usable")
    );
    assert!(d.bios_e820.contains(&E820Line {
        start: 0xfd_0000_0000,
        end: 0xff_ffff_ffff,
        kind: "reserved".into()
    }));

    // Node 1 is the upper gigabyte; node ids equal PXMs here.
    assert!(
        d.srat_memory
            .iter()
            .any(|m| m.node == 1 && m.pxm == 1 && m.start == 0x4000_0000 && m.end == 0x7fff_ffff)
    );
    let srat = d.acpi_table("SRAT").unwrap_or_default();
    assert!(srat.starts_with(b"SRAT"), "SRAT base64 missing or wrong");
    let slit = d.acpi_table("SLIT").unwrap_or_default();
    assert!(slit.starts_with(b"SLIT"));
    // SLIT: 2 localities, then the 2x2 matrix.
    assert_eq!(
        slit.get(36..48),
        Some(&[2, 0, 0, 0, 0, 0, 0, 0, 10, 21, 21, 10][..])
    );
}

#[test]
fn four_gib_numa_guest_has_ram_above_4g() {
    // At 2.75 GiB or more, q35 keeps only 2 GiB below 4 GiB and puts the
    // rest at 4 GiB: the layout the reference experiments used.
    let d = boot(
        "numa2-4G",
        &BootSpec::from_args_str(
            "-machine q35 -m 4G -smp 2,sockets=2 \
             -object memory-backend-ram,id=m0,size=2G -object memory-backend-ram,id=m1,size=2G \
             -numa node,nodeid=0,memdev=m0,cpus=0 -numa node,nodeid=1,memdev=m1,cpus=1 \
             -numa dist,src=0,dst=1,val=21",
        ),
    );
    assert_eq!(fw_ram(&d), [(0, 0x8000_0000), (0x1_0000_0000, 0x8000_0000)]);
    assert!(
        d.fw_cfg_e820
            .as_deref()
            .unwrap_or_default()
            .contains(&AMD_HT)
    );
    assert!(d.bios_e820.contains(&E820Line {
        start: 0x1_0000_0000,
        end: 0x1_7fff_ffff,
        kind: "usable".into()
    }));
    assert!(
        d.srat_memory
            .iter()
            .any(|m| m.node == 1 && m.start == 0x1_0000_0000 && m.end == 0x1_7fff_ffff)
    );
    assert_eq!(
        d.node(0).and_then(|n| n.distance.clone()),
        Some(vec![10, 21])
    );
}

/// A SLIT with QEMU's OEM ID and OEM table ID, so that the kernel's table
/// upgrade replaces QEMU's, holding the given 2x2 matrix.
fn slit_2x2(matrix: [u8; 4]) -> Vec<u8> {
    let mut t = Vec::new();
    t.extend_from_slice(b"SLIT");
    t.extend_from_slice(&48u32.to_le_bytes());
    t.push(1); // revision
    t.push(0); // checksum, set below
    t.extend_from_slice(b"BOCHS ");
    t.extend_from_slice(b"BXPC    ");
    // The kernel only upgrades a table whose OEM revision is strictly
    // greater than the firmware's (QEMU's is 1); an equal one is skipped.
    t.extend_from_slice(&2u32.to_le_bytes()); // OEM revision
    t.extend_from_slice(b"TOPC");
    t.extend_from_slice(&1u32.to_le_bytes()); // creator revision
    t.extend_from_slice(&2u64.to_le_bytes()); // localities
    t.extend_from_slice(&matrix);
    let sum = t.iter().fold(0u8, |s, b| s.wrapping_add(*b));
    t[9] = 0u8.wrapping_sub(sum);
    t
}

#[test]
fn acpi_override_under_ovmf() {
    let ours = slit_2x2([10, 31, 31, 10]);
    let mut spec = BootSpec::from_args_str(
        "-machine q35 -m 1G -smp 2,sockets=2 \
         -object memory-backend-ram,id=m0,size=512M -object memory-backend-ram,id=m1,size=512M \
         -numa node,nodeid=0,memdev=m0,cpus=0 -numa node,nodeid=1,memdev=m1,cpus=1 \
         -numa dist,src=0,dst=1,val=21",
    );
    spec.firmware = guest::Firmware::Ovmf;
    spec.acpi_override = Some(vec![("slit.aml".to_string(), ours.clone())]);
    let d = boot("override-ovmf", &spec);
    assert_eq!(d.firmware, Some(topoc::guest::dump::Firmware::Efi));
    assert!(
        d.dmesg
            .iter()
            .any(|l| l.contains("Table Upgrade: override [SLIT-")),
        "no table upgrade in {:#?}",
        d.dmesg
    );
    // The kernel parsed our bytes, not QEMU's 21.
    assert_eq!(d.acpi_table("SLIT"), Some(&ours[..]));
    assert_eq!(
        d.node(0).and_then(|n| n.distance.clone()),
        Some(vec![10, 31])
    );
    // QEMU's E820 is what the command line says, whatever the firmware.
    assert_eq!(fw_ram(&d), [(0, 1 << 30)]);
    assert!(d.bios_e820.len() > 8, "OVMF builds a longer map");
}

/// A guest that prints its whole dump but never powers off is stopped after
/// the grace period, and the boot still counts: the dump is all a test reads.
#[test]
fn a_guest_that_does_not_power_off_is_stopped_after_its_dump() {
    let mut spec = BootSpec::from_args_str("-machine q35 -m 512M -smp 1");
    spec.kernel_cmdline_extra = "topoc.hang-after-dump=1".into();
    spec.poweroff_grace = std::time::Duration::from_secs(1);
    let out = match kit().boot(&spec) {
        Ok(out) => out,
        Err(e) => panic!("a guest that stays up after its dump must still count: {e}"),
    };
    let d = match GuestDump::parse(&out.dump) {
        Ok(d) => d,
        Err(e) => panic!("dump did not parse: {e}"),
    };
    assert_eq!(fw_ram(&d), [(0, 512 << 20)]);
    // The kill came from the grace period, not from the 180 s bound.
    assert!(
        out.wall < std::time::Duration::from_secs(120),
        "{:?}",
        out.wall
    );
}

/// A guest killed at the time bound before its dump is complete is booted
/// once more, and both failures are reported; the error says it hung.
#[test]
fn a_hung_guest_is_retried_once_then_reported() {
    let mut spec = BootSpec::from_args_str("-machine q35 -m 512M -smp 1");
    // No kernel reaches its dump in 200 ms of TCG.
    spec.timeout = std::time::Duration::from_millis(200);
    match kit().boot(&spec) {
        Ok(out) => panic!(
            "a 200 ms bound cannot be met, yet got a dump:\n{}",
            out.dump
        ),
        Err(e) => {
            assert!(e.hung, "{e}");
            assert!(e.message.contains("did not exit within 200ms"), "{e}");
            assert!(
                e.message.contains("a second boot, after the first hung"),
                "{e}"
            );
        }
    }
}
