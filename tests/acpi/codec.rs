//! The ACPI codec against every SRAT, SLIT and HMAT in `tests/data/`:
//! QEMU's expected tables, real firmware tables and the tables from the
//! guest-boot experiments. Each must decode, re-encode to the same bytes,
//! and decode to what the fixture index says it contains.

use std::path::Path;

use topoc::acpi::hmat::{self, Cache, CacheAttributes, HmatStructure, Locality, Mpda};
use topoc::acpi::srat::{self, DeviceHandle, GenericAffinity, LocalApicAffinity, MemoryAffinity};
use topoc::acpi::{Hmat, Slit, Srat, SratEntry, Table, decode_any, inspect};
use topoc::linux::hmat::normalize;

use crate::support::data::{all_table_files, guest_boot, qemu_table, read, real_table, short};

fn qemu(machine: &str, name: &str) -> Vec<u8> {
    read(&qemu_table(machine, name))
}

fn real(board: &str, name: &str) -> Vec<u8> {
    read(&real_table(board, name))
}

fn srat(bytes: &[u8]) -> Srat {
    match decode_any(bytes) {
        Ok(Table::Srat(t)) => t,
        other => panic!("expected a SRAT, got {other:?}"),
    }
}

fn slit(bytes: &[u8]) -> Slit {
    match decode_any(bytes) {
        Ok(Table::Slit(t)) => t,
        other => panic!("expected a SLIT, got {other:?}"),
    }
}

fn hmat(bytes: &[u8]) -> Hmat {
    match decode_any(bytes) {
        Ok(Table::Hmat(t)) => t,
        other => panic!("expected an HMAT, got {other:?}"),
    }
}

fn lapic(apic_id: u8, pxm: u32) -> SratEntry {
    SratEntry::LocalApic(LocalApicAffinity {
        pxm,
        apic_id,
        flags: srat::ENABLED,
        ..Default::default()
    })
}

fn mem(pxm: u32, base: u64, length: u64, flags: u32) -> SratEntry {
    SratEntry::Memory(MemoryAffinity {
        pxm,
        base,
        length,
        flags,
        ..Default::default()
    })
}

fn zero_mem() -> SratEntry {
    mem(0, 0, 0, 0)
}

const MIB: u64 = 1 << 20;
const EN: u32 = srat::ENABLED;
const HOTPLUG: u32 = srat::ENABLED | MemoryAffinity::HOT_PLUGGABLE;

fn assert_round_trip(path: &Path) -> Table {
    let bytes = read(path);
    let table =
        decode_any(&bytes).unwrap_or_else(|e| panic!("{} does not decode: {e}", short(path)));
    let again = table
        .to_bytes()
        .unwrap_or_else(|e| panic!("{} does not re-encode: {e}", short(path)));
    if again != bytes {
        let at = again
            .iter()
            .zip(&bytes)
            .position(|(a, b)| a != b)
            .unwrap_or(again.len().min(bytes.len()));
        panic!(
            "{} re-encodes differently: {} vs {} bytes, first difference at byte {at}",
            short(path),
            again.len(),
            bytes.len()
        );
    }
    assert_eq!(table.header().length as usize, bytes.len());
    assert_eq!(table.header().checksum, bytes[9]);
    table
}

#[test]
fn every_reference_table_round_trips_byte_identically() {
    let files = all_table_files();
    // 8 pc + 14 q35 + 16 real + 3 + 6 guest-boot: a moved folder must not
    // silently shrink this list.
    assert!(
        files.len() >= 47,
        "only {} fixture tables found",
        files.len()
    );
    for path in &files {
        let table = assert_round_trip(path);
        // Every table also renders, deterministically, in both forms.
        let text = inspect::text(&table);
        assert_eq!(text, inspect::text(&table));
        assert!(text.contains("checksum ok"), "{}:\n{text}", short(path));
        let json = inspect::json(&table);
        assert_eq!(json["checksum"]["ok"], serde_json::json!(true));
        assert_eq!(json["length"], serde_json::json!(read(path).len()));
    }
}

#[test]
fn pc_and_q35_share_their_numa_tables() {
    for name in [
        "SRAT.acpihmat",
        "SRAT.cphp",
        "SRAT.dimmpxm",
        "SRAT.memhp",
        "SRAT.numamem",
        "HMAT.acpihmat",
        "SLIT.cphp",
        "SLIT.memhp",
    ] {
        assert_eq!(qemu("pc", name), qemu("q35", name), "{name}");
    }
}

#[test]
fn qemu_headers() {
    let t = srat(&qemu("q35", "SRAT.numamem"));
    assert_eq!(&t.header.signature, b"SRAT");
    assert_eq!(t.header.revision, 1);
    assert_eq!(&t.header.oem_id, b"BOCHS ");
    assert_eq!(&t.header.oem_table_id, b"BXPC    ");
    assert_eq!(t.header.oem_revision, 1);
    assert_eq!(&t.header.creator_id, b"BXPC");
    assert_eq!(t.header.creator_revision, 1);
    assert_eq!((t.reserved1, t.reserved2), (1, 0));
    assert_eq!(hmat(&qemu("q35", "HMAT.acpihmat")).header.revision, 2);
    assert_eq!(slit(&qemu("q35", "SLIT.cphp")).header.revision, 1);
}

#[test]
fn srat_numamem() {
    let t = srat(&qemu("q35", "SRAT.numamem"));
    assert_eq!(t.header.length, 224);
    assert_eq!(
        t.entries,
        vec![
            lapic(0, 0),
            mem(1, 0, 0xA0000, EN),
            mem(1, 0x100000, 0x7F00000, EN),
            zero_mem(),
            zero_mem(),
        ]
    );
}

#[test]
fn srat_acpihmat_generic_x() {
    let t = srat(&qemu("q35", "SRAT.acpihmat-generic-x"));
    assert_eq!(t.header.length, 520);
    let mut expected = vec![
        lapic(0, 0),
        lapic(1, 3),
        lapic(2, 5),
        mem(0, 0, 0xA0000, EN),
        mem(0, 0x100000, 0x3F00000, EN),
        mem(4, 0x4000000, 64 * MIB, EN),
    ];
    expected.extend((0..5).map(|_| zero_mem()));
    expected.push(SratEntry::GenericInitiator(GenericAffinity {
        pxm: 1,
        handle: DeviceHandle::Pci {
            segment: 0,
            bus: 1,
            devfn: 0x02,
        },
        flags: EN,
        reserved1: 0,
        reserved2: 0,
    }));
    expected.push(SratEntry::GenericPort(GenericAffinity {
        pxm: 2,
        handle: DeviceHandle::Acpi {
            hid: *b"ACPI0016",
            uid: 64,
        },
        flags: EN,
        reserved1: 0,
        reserved2: 0,
    }));
    expected.push(mem(5, 0x1_0000_0000, 0x9000_0000, HOTPLUG));
    assert_eq!(t.entries, expected);

    let text = inspect::text(&Table::Srat(t));
    assert!(
        text.contains("generic initiator: PCI 0000:01:00.2"),
        "{text}"
    );
    assert!(
        text.contains("generic port: ACPI \"ACPI0016\" UID 64"),
        "{text}"
    );
}

#[test]
fn srat_xapic() {
    let t = srat(&qemu("q35", "SRAT.xapic"));
    assert_eq!(t.header.length, 5080);
    let mut expected: Vec<SratEntry> = (0..=254).map(|id| lapic(id, 0)).collect();
    expected.extend((255..=287).map(|id| {
        SratEntry::X2Apic(srat::X2ApicAffinity {
            pxm: 0,
            x2apic_id: id,
            flags: EN,
            ..Default::default()
        })
    }));
    expected.extend([
        mem(1, 0, 0xA0000, EN),
        mem(1, 0x100000, 0x7F00000, EN),
        zero_mem(),
        zero_mem(),
    ]);
    assert_eq!(t.entries, expected);
    let text = inspect::text(&Table::Srat(t));
    assert!(
        text.contains("  APIC: 0-254 (255 entries)\n  x2APIC: 255-287 (33 entries)\n"),
        "{text}"
    );
}

#[test]
fn srat_other_qemu_cases() {
    let cphp = srat(&qemu("pc", "SRAT.cphp"));
    let mut expected: Vec<SratEntry> = [0, 1, 2].map(|a| lapic(a, 0)).to_vec();
    expected.extend([4, 5, 6].map(|a| lapic(a, 1)));
    expected.extend([
        mem(0, 0, 0xA0000, EN),
        mem(0, 0x100000, 0x3F00000, EN),
        mem(1, 0x4000000, 0x4000000, EN),
        zero_mem(),
    ]);
    assert_eq!(cphp.entries, expected);

    let dimm = srat(&qemu("q35", "SRAT.dimmpxm"));
    let mut expected: Vec<SratEntry> = (0..4).map(|i| lapic(i, u32::from(i))).collect();
    expected.extend([
        mem(0, 0, 0xA0000, EN),
        mem(0, 0x100000, 0x1F00000, EN),
        mem(1, 0x2000000, 32 * MIB, EN),
        mem(2, 0x4000000, 32 * MIB, EN),
        mem(3, 0x6000000, 32 * MIB, EN),
        mem(
            2,
            0x1_0800_0000,
            128 * MIB,
            EN | MemoryAffinity::NON_VOLATILE,
        ),
        mem(3, 0x1_0000_0000, 0xF800_0000, HOTPLUG),
    ]);
    assert_eq!(dimm.entries, expected);

    let noinit = srat(&qemu("q35", "SRAT.acpihmat-noinitiator"));
    assert_eq!(noinit.header.length, 312);
    assert_eq!(
        noinit.entries,
        vec![
            lapic(0, 0),
            lapic(1, 0),
            lapic(2, 1),
            lapic(3, 1),
            mem(0, 0, 0xA0000, EN),
            mem(0, 0x100000, 0x1F00000, EN),
            mem(1, 0x2000000, 32 * MIB, EN),
            mem(2, 0x4000000, 64 * MIB, EN),
            zero_mem(),
        ]
    );
    let text = inspect::text(&Table::Srat(noinit));
    assert!(
        text.starts_with("SRAT rev 1, 312 bytes, OEM \"BOCHS \" \"BXPC    \", checksum ok\n"),
        "{text}"
    );
}

#[test]
fn slit_cphp() {
    for machine in ["pc", "q35"] {
        let t = slit(&qemu(machine, "SLIT.cphp"));
        assert_eq!(t.header.revision, 1);
        assert_eq!(t.localities, 2);
        assert_eq!(t.matrix, vec![10, 21, 21, 10]);
        assert!(t.trailing.is_empty());
        assert_eq!(t.distance(0, 1), Some(21));
    }
}

fn mpda(flags: u16, initiator: u32, memory: u32) -> HmatStructure {
    HmatStructure::Mpda(Mpda {
        flags,
        initiator,
        memory,
        ..Default::default()
    })
}

fn locality(
    data_type: u8,
    base_unit: u64,
    initiators: &[u32],
    targets: &[u32],
    entries: &[u16],
) -> HmatStructure {
    HmatStructure::Locality(Locality {
        data_type,
        base_unit,
        initiators: initiators.to_vec(),
        targets: targets.to_vec(),
        entries: entries.to_vec(),
        ..Default::default()
    })
}

#[test]
fn hmat_acpihmat() {
    let t = hmat(&qemu("q35", "HMAT.acpihmat"));
    let cache = |memory| {
        HmatStructure::Cache(Cache {
            memory,
            size: 10240,
            attributes: 0x0008_1111,
            ..Default::default()
        })
    };
    assert_eq!(
        t.structures,
        vec![
            mpda(1, 0, 0),
            mpda(1, 0, 1),
            locality(hmat::ACCESS_LATENCY, 1000, &[0], &[0, 1], &[1, 65534]),
            locality(hmat::ACCESS_BANDWIDTH, 1, &[0], &[0, 1], &[65534, 32767]),
            cache(0),
            cache(1),
        ]
    );
    assert_eq!(
        CacheAttributes::from_raw(0x0008_1111),
        CacheAttributes {
            total_levels: 1,
            level: 1,
            associativity: 1,
            write_policy: 1,
            line_size: 8,
        }
    );
    // The hmat-lb options: latency 1 ns and 65534 ns, bandwidth 65534M and 32767M.
    let HmatStructure::Locality(lat) = &t.structures[2] else {
        panic!("structure 2 is not a locality structure");
    };
    let values: Vec<Option<u32>> = lat
        .entries
        .iter()
        .map(|&e| normalize(e, lat.base_unit, lat.data_type, t.header.revision))
        .collect();
    assert_eq!(values, vec![Some(1), Some(65534)]);
    let text = inspect::text(&Table::Hmat(t));
    assert!(
        text.contains(
            "memory PXM 0: 10KiB cache, level 1 of 1, direct mapped, write-back, 8-byte lines"
        ),
        "{text}"
    );
}

#[test]
fn hmat_acpihmat_noinitiator() {
    let t = hmat(&qemu("q35", "HMAT.acpihmat-noinitiator"));
    assert_eq!(
        t.structures,
        vec![
            mpda(1, 0, 0),
            mpda(1, 1, 1),
            mpda(0, 128, 2),
            locality(
                hmat::ACCESS_LATENCY,
                10000,
                &[0, 1],
                &[0, 1, 2],
                &[1, 2, 3, 2, 1, 3]
            ),
            locality(
                hmat::ACCESS_BANDWIDTH,
                1,
                &[0, 1],
                &[0, 1, 2],
                &[10, 5, 1, 5, 10, 1]
            ),
        ]
    );
}

/// Checks a locality structure against `initiator-target: value` pairs from
/// the QEMU command line, after Linux's normalisation; every other entry of
/// the matrix must be 0 (not provided).
fn assert_values(t: &Hmat, index: usize, expected: &[(u32, u32, u32)]) {
    let HmatStructure::Locality(l) = &t.structures[index] else {
        panic!("structure {index} is not a locality structure");
    };
    for (i, &ipd) in l.initiators.iter().enumerate() {
        for (k, &tpd) in l.targets.iter().enumerate() {
            let entry = l.entry(i, k).expect("in range");
            let value = normalize(entry, l.base_unit, l.data_type, t.header.revision);
            let want = expected
                .iter()
                .find(|&&(a, b, _)| (a, b) == (ipd, tpd))
                .map(|&(_, _, v)| v);
            assert_eq!(value, want, "initiator {ipd} target {tpd}");
        }
    }
}

#[test]
fn hmat_acpihmat_generic_x() {
    let t = hmat(&qemu("q35", "HMAT.acpihmat-generic-x"));
    let inits = [0, 1, 3, 5];
    let targets = [0, 1, 2, 3, 4, 5];
    #[rustfmt::skip]
    let lat = [
        1, 0, 10, 0, 10, 20,
        50, 0, 5, 0, 5, 50,
        2, 0, 8, 0, 8, 2,
        2, 0, 8, 0, 8, 1,
    ];
    #[rustfmt::skip]
    let bw = [
        200, 0, 50, 0, 50, 100,
        25, 0, 100, 0, 200, 25,
        100, 0, 50, 0, 50, 100,
        100, 0, 50, 0, 50, 200,
    ];
    assert_eq!(
        t.structures,
        vec![
            mpda(1, 0, 0),
            mpda(0, 128, 4),
            locality(hmat::ACCESS_LATENCY, 10000, &inits, &targets, &lat),
            locality(hmat::ACCESS_BANDWIDTH, 4, &inits, &targets, &bw),
        ]
    );
    // The hmat-lb options as given to QEMU (latency ns / bandwidth MiB/s).
    #[rustfmt::skip]
    let options = [
        (0, 0, 10, 800), (0, 2, 100, 200), (0, 4, 100, 200), (0, 5, 200, 400),
        (1, 0, 500, 100), (1, 2, 50, 400), (1, 4, 50, 800), (1, 5, 500, 100),
        (3, 0, 20, 400), (3, 2, 80, 200), (3, 4, 80, 200), (3, 5, 20, 400),
        (5, 0, 20, 400), (5, 2, 80, 200), (5, 4, 80, 200), (5, 5, 10, 800),
    ];
    let latency: Vec<_> = options.iter().map(|&(i, t, l, _)| (i, t, l)).collect();
    let bandwidth: Vec<_> = options.iter().map(|&(i, t, _, b)| (i, t, b)).collect();
    assert_values(&t, 2, &latency);
    assert_values(&t, 3, &bandwidth);
}

#[test]
fn real_firmware_quirks() {
    // X299: a SLIT that declares 1 locality in a 108-byte table.
    let x299 = slit(&real("gigabyte-x299-ud4", "SLIT.dat"));
    assert_eq!(x299.localities, 1);
    assert_eq!(x299.matrix, vec![10]);
    assert_eq!(x299.trailing.len(), 63);
    let w = inspect::warnings(&Table::Slit(x299));
    assert!(
        w.iter()
            .any(|w| w.contains("63 bytes follow the 1x1 matrix")),
        "{w:?}"
    );

    // X299 SRAT: 16 enabled xAPIC CPUs; the other 40 type 0 entries (APIC
    // 255) and all 56 x2APIC entries (ID 0xFFFFFFFF) are disabled placeholders.
    let t = srat(&real("gigabyte-x299-ud4", "SRAT.dat"));
    let count = |k: u8| t.entries.iter().filter(|e| e.kind() == k).count();
    assert_eq!(
        (
            count(srat::LOCAL_APIC),
            count(srat::X2APIC),
            count(srat::MEMORY)
        ),
        (56, 56, 8)
    );
    assert_eq!(t.header.revision, 3);
    let enabled_apic = t
        .entries
        .iter()
        .filter(|e| e.kind() == srat::LOCAL_APIC && e.enabled())
        .count();
    assert_eq!(enabled_apic, 16);
    assert!(t.entries.iter().all(|e| match e {
        SratEntry::X2Apic(x) => x.x2apic_id == u32::MAX && !e.enabled(),
        _ => true,
    }));

    // HP DL360 G7: creator ID that is not ASCII.
    let hp = srat(&real("hp-proliant-dl360-g7-2s", "SRAT.dat"));
    assert_eq!(hp.header.creator_id, [0xD2, 0x04, 0x00, 0x00]);
    let text = inspect::text(&Table::Srat(hp));
    assert!(text.contains("creator \"\\xd2\\x04\\x00\\x00\""), "{text}");

    // Ampere Altra: Arm GICC and GIC ITS entries.
    let ampere = srat(&real("ampere-altra-ava", "SRAT.dat"));
    let count = |k: u8| ampere.entries.iter().filter(|e| e.kind() == k).count();
    assert_eq!(
        (count(srat::MEMORY), count(srat::GICC), count(srat::GIC_ITS)),
        (4, 32, 8)
    );
    assert!(matches!(
        ampere.entries.iter().find(|e| e.kind() == srat::GICC),
        Some(SratEntry::Gicc(srat::GiccAffinity {
            processor_uid: 0x800,
            flags: 1,
            ..
        }))
    ));

    // Dell R820: proximity domains 1..4, so SLIT locality 0 is unused.
    let dell = slit(&real("dell-poweredge-r820-4s", "SLIT.dat"));
    assert_eq!(dell.localities, 5);

    // Intel SPR + CXL: 4 MPDA, 4 locality structures with 2 initiators × 4 targets.
    let spr = hmat(&real("intel-spr-2s-cxl-hmat", "HMAT.dat"));
    let mpdas = spr
        .structures
        .iter()
        .filter(|s| s.kind() == hmat::MPDA)
        .count();
    assert_eq!(mpdas, 4);
    let shapes: Vec<(usize, usize)> = spr
        .structures
        .iter()
        .filter_map(|s| match s {
            HmatStructure::Locality(l) => Some((l.initiators.len(), l.targets.len())),
            _ => None,
        })
        .collect();
    assert_eq!(shapes, vec![(2, 4); 4]);
}

#[test]
fn guest_boot_override_tables() {
    let root = guest_boot("b-gi-override");
    // What the guest exposed is exactly what was handed to it.
    for (ours, guest) in [
        ("srat.aml", "SRAT.dat"),
        ("slit.aml", "SLIT.dat"),
        ("hmat.aml", "HMAT.dat"),
    ] {
        assert_eq!(
            read(&root.join("tables").join(ours)),
            read(&root.join("guest-tables").join(guest)),
            "{ours}"
        );
    }
    // make-tables.py packed the GI handle as a little-endian BDF (devfn
    // first), so bytes +2/+3 read as bus 0x10, devfn 0 in the ACPI layout,
    // not the intended 00:02.0. Linux does not look at the handle.
    let t = srat(&read(&root.join("tables/srat.aml")));
    let gi = t
        .entries
        .iter()
        .find_map(|e| match e {
            SratEntry::GenericInitiator(g) => Some(g),
            _ => None,
        })
        .expect("a generic initiator");
    assert_eq!(gi.pxm, 3);
    assert_eq!(
        gi.handle,
        DeviceHandle::Pci {
            segment: 0,
            bus: 0x10,
            devfn: 0
        }
    );
    // Its locality structures are padded to a multiple of 4 bytes.
    let h = hmat(&read(&root.join("tables/hmat.aml")));
    for s in &h.structures {
        if let HmatStructure::Locality(l) = s {
            assert_eq!(
                (l.initiators.len(), l.targets.len(), l.padding.len()),
                (3, 3, 2)
            );
        }
    }
}

/// The text form is a documented output: pin it for one table of each kind.
#[test]
fn inspect_text_is_pinned() {
    let text = |name: &str| inspect::text(&decode_any(&qemu("q35", name)).expect("decodes"));
    assert_eq!(
        text("SRAT.acpihmat-noinitiator"),
        r#"SRAT rev 1, 312 bytes, OEM "BOCHS " "BXPC    ", checksum ok
  OEM revision 0x1, creator "BXPC" revision 0x1
  reserved word 1, 9 entries: 4 Processor Local APIC/SAPIC Affinity (type 0); 5 Memory Affinity (type 1)
proximity domain 0:
  APIC: 0-1 (2 entries)
  memory: 0x0000000000000000-0x000000000009ffff 640KiB
  memory: 0x0000000000100000-0x0000000001ffffff 31MiB
proximity domain 1:
  APIC: 2-3 (2 entries)
  memory: 0x0000000002000000-0x0000000003ffffff 32MiB
proximity domain 2:
  memory: 0x0000000004000000-0x0000000007ffffff 64MiB
disabled entries (Linux ignores them):
  proximity domain 0:
    memory: 0x0000000000000000 (empty)
"#
    );
    assert_eq!(
        text("SLIT.cphp"),
        r#"SLIT rev 1, 48 bytes, OEM "BOCHS " "BXPC    ", checksum ok
  OEM revision 0x1, creator "BXPC" revision 0x1
  2 localities
       PXM0 PXM1
  PXM0   10   21
  PXM1   21   10
"#
    );
    assert_eq!(
        text("HMAT.acpihmat-noinitiator"),
        r#"HMAT rev 2, 288 bytes, OEM "BOCHS " "BXPC    ", checksum ok
  OEM revision 0x1, creator "BXPC" revision 0x1
  5 structures
memory proximity domain attributes:
  memory PXM 0 attached to initiator PXM 0
  memory PXM 1 attached to initiator PXM 1
  memory PXM 2 with no attached initiator (field holds 128)
access latency (memory), base unit 10000 ps, values in ns:
  init\target PXM0 PXM1 PXM2
  PXM0          10   20   30
  PXM1          20   10   30
access bandwidth (memory), base unit 1 MB/s, values in MB/s:
  init\target PXM0 PXM1 PXM2
  PXM0          10    5    1
  PXM1           5   10    1
"#
    );
}
