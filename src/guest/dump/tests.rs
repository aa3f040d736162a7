//! Tests for the dump parser. The `testdata/` files are real guest output:
//! legacy-format dumps from the reference script (QEMU 7.2, Debian 6.1 cloud
//! kernel) and v1 dumps from topoc's own probe.

use super::*;
use proptest::prelude::*;

const A_SEABIOS: &str = include_str!("../testdata/a-numa-hmat.seabios.tcg.dump.txt");
const A_OVMF_CONSOLE: &str = include_str!("../testdata/a-numa-hmat.ovmf.tcg.console.txt");
const B_GI: &str = include_str!("../testdata/b-gi-override.seabios.tcg.dump.txt");
const C_KMEM: &str = include_str!("../testdata/c-spm-memmap-full-kmem.seabios.tcg.dump.txt");
const C_HALF: &str = include_str!("../testdata/c-spm-memmap-half.seabios.tcg.dump.txt");
const C_FULL_OVMF: &str = include_str!("../testdata/c-spm-memmap-full.ovmf.tcg.dump.txt");
const D_INTEL: &str = include_str!("../testdata/d-intel-vendor.seabios.tcg.dump.txt");
const V1_NUMA: &str = include_str!("../testdata/v1-numa2.seabios.console.txt");
const V1_OVMF: &str = include_str!("../testdata/v1-plain.ovmf.console.txt");

const ALL: &[&str] = &[
    A_SEABIOS,
    A_OVMF_CONSOLE,
    B_GI,
    C_KMEM,
    C_HALF,
    C_FULL_OVMF,
    D_INTEL,
    V1_NUMA,
    V1_OVMF,
];

fn parse(text: &str) -> GuestDump {
    match GuestDump::parse(text) {
        Ok(d) => d,
        Err(e) => panic!("dump did not parse: {e}"),
    }
}

fn e(start: u64, end: u64, kind: &str) -> E820Line {
    E820Line {
        start,
        end,
        kind: kind.to_string(),
    }
}

#[test]
fn legacy_numa_hmat_seabios() {
    let d = parse(A_SEABIOS);
    assert_eq!(d.version, DumpVersion::Legacy);
    assert_eq!(d.kernel.as_deref(), Some("6.1.0-56-cloud-amd64"));
    assert_eq!(d.cmdline.as_deref(), Some("console=ttyS0 quiet panic=-1"));
    assert_eq!(d.firmware, Some(Firmware::Bios));
    assert_eq!(d.uptime_start, Some(3.19));
    assert_eq!(d.uptime_end, Some(5.08));
    assert!(
        d.init_notes
            .as_deref()
            .unwrap_or("")
            .contains("qemu_fw_cfg:ok")
    );

    assert_eq!(d.bios_e820.len(), 10);
    assert_eq!(d.bios_e820[0], e(0, 0x9fbff, "usable"));
    assert_eq!(d.bios_e820[4], e(0x7ffe0000, 0x7fffffff, "reserved"));
    assert_eq!(d.bios_e820[8], e(0x1_0000_0000, 0x1_7fff_ffff, "usable"));
    assert_eq!(
        d.bios_e820[9],
        e(0xfd_0000_0000, 0xff_ffff_ffff, "reserved")
    );
    assert_eq!(d.bios_e820[9].e820_kind(), Some(Kind::Reserved));
    assert!(d.user_e820.is_empty());
    // The legacy format has no fw_cfg section.
    assert_eq!(d.fw_cfg_e820, None);

    assert_eq!(d.srat_memory.len(), 4);
    assert_eq!(
        d.srat_memory[3],
        SratMemoryLine {
            node: 2,
            pxm: 2,
            start: 0x1_0000_0000,
            end: 0x1_7fff_ffff,
            hotplug: false,
            non_volatile: false,
        }
    );
    assert_eq!(d.srat_cpus.len(), 4);
    assert_eq!(d.srat_cpus[2].apic_id, 2);
    assert_eq!(d.srat_cpus[2].node, 1);
    assert_eq!(
        d.initmem[1],
        InitmemLine {
            node: 1,
            range: Some((0x4000_0000, 0x7ffd_ffff)),
        }
    );
    let tables: Vec<&str> = d
        .acpi_table_lines
        .iter()
        .map(|t| t.signature.as_str())
        .collect();
    assert_eq!(tables, ["SRAT", "SLIT", "HMAT"]);
    assert_eq!(d.acpi_table_lines[0].address, 0x7ffe233b);
    assert_eq!(d.acpi_table_lines[0].length, 0x138);
    assert_eq!(d.acpi_table_lines[2].revision, 2);
    assert_eq!(d.acpi_table_lines[0].oem_id, "BOCHS");
    assert_eq!(d.acpi_table_lines[0].oem_table_id, "BXPC");

    assert_eq!(d.memmap.len(), 10);
    assert_eq!(d.memmap[3].kind, "System RAM");
    assert_eq!(d.memmap[9].start, 0xfd_0000_0000);

    let sys_ram_children: Vec<&IomemEntry> = d.iomem.iter().filter(|e| e.depth == 1).collect();
    assert!(sys_ram_children.iter().any(|e| e.name == "Kernel code"));
    assert_eq!(d.iomem[0].start, 0);
    assert_eq!(d.iomem[0].end, 0xfff);
    assert_eq!(d.iomem[0].name, "Reserved");
    assert!(
        d.iomem
            .iter()
            .any(|e| e.depth == 2 && e.name == "pnp 00:04" && e.start == 0xb000_0000)
    );
    assert_eq!(d.mem_total_kib, Some(4027344));

    assert_eq!(d.node_lists.online, Some(vec![0, 1, 2]));
    assert_eq!(d.node_lists.has_cpu, Some(vec![0, 1]));
    assert_eq!(d.node_lists.has_generic_initiator, Some(vec![]));
    assert_eq!(d.nodes.len(), 3);
    let n0 = d.node(0).expect("node0");
    assert_eq!(n0.cpulist, Some(vec![0, 1]));
    assert_eq!(n0.mem_total_kib, Some(1030492));
    assert_eq!(n0.distance, Some(vec![10, 21, 31]));
    let a0 = n0.access(0).expect("access0");
    assert_eq!(a0.initiators, vec![0]);
    assert_eq!(a0.targets, vec![0, 2]);
    assert_eq!(a0.read_bandwidth, Some(10240));
    let n2 = d.node(2).expect("node2");
    assert_eq!(n2.cpulist, Some(vec![]));
    assert_eq!(n2.access(1).and_then(|a| a.read_latency), Some(30));
    assert_eq!(n2.access(1).and_then(|a| a.read_bandwidth), Some(40960));

    assert!(d.dax.is_empty());
    assert_eq!(d.pci.len(), 4);
    assert_eq!(d.pci[2].address, "0000:00:1f.2");
    assert_eq!(d.pci[2].vendor, Some(0x8086));
    assert_eq!(d.pci[2].device, Some(0x2922));
    assert_eq!(d.pci[2].class, Some(0x010601));
    assert_eq!(d.pci[2].numa_node, Some(-1));

    let srat = d.acpi_table("SRAT").expect("SRAT");
    assert_eq!(&srat[..4], b"SRAT");
    assert_eq!(srat.len(), 0x138);
    assert_eq!(d.acpi_table("SLIT").map(<[u8]>::len), Some(0x35));
    assert_eq!(d.acpi_table("HMAT").map(<[u8]>::len), Some(0x120));
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
}

#[test]
fn legacy_ovmf_console_with_escape_sequences() {
    assert!(A_OVMF_CONSOLE.starts_with('\u{1b}'));
    let d = parse(A_OVMF_CONSOLE);
    assert_eq!(d.firmware, Some(Firmware::Efi));
    assert_eq!(d.bios_e820.len(), 18);
    assert_eq!(d.bios_e820[2], e(0x800000, 0x807fff, "ACPI NVS"));
    assert_eq!(d.bios_e820[2].e820_kind(), Some(Kind::Nvs));
    assert_eq!(d.bios_e820[11].kind, "ACPI data");
    assert!(
        d.cmdline
            .as_deref()
            .unwrap_or("")
            .ends_with("initrd=initrd")
    );
    // Same SRAT bytes as under SeaBIOS, at a different address.
    let seabios = parse(A_SEABIOS);
    assert_eq!(d.acpi_table("SRAT"), seabios.acpi_table("SRAT"));
    assert_ne!(
        d.acpi_table_lines[0].address,
        seabios.acpi_table_lines[0].address
    );
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
}

#[test]
fn legacy_generic_initiator_override() {
    let d = parse(B_GI);
    assert_eq!(d.node_lists.has_generic_initiator, Some(vec![2]));
    assert_eq!(d.node_lists.has_memory, Some(vec![0, 1, 3]));
    // PXM 2 (memory) became node 3: node numbers are not PXMs.
    assert_eq!(d.pxm_to_node().get(&2), Some(&3));
    let n3 = d.node(3).expect("node3");
    assert_eq!(n3.access(0).map(|a| a.initiators.clone()), Some(vec![2]));
    assert_eq!(n3.access(1).map(|a| a.initiators.clone()), Some(vec![0]));
    assert!(
        d.dmesg
            .iter()
            .any(|l| l.contains("Table Upgrade: override"))
    );
    assert_eq!(d.pci[1].vendor, Some(0x1b36));
    assert_eq!(d.acpi_table("SRAT").map(<[u8]>::len), Some(0x158));
}

#[test]
fn legacy_soft_reserved_with_kmem() {
    let d = parse(C_KMEM);
    assert_eq!(
        d.user_e820.last(),
        Some(&e(0x1_0000_0000, 0x1_7fff_ffff, "soft reserved"))
    );
    assert_eq!(
        d.user_e820.last().and_then(E820Line::e820_kind),
        Some(Kind::SoftReserved)
    );
    assert_eq!(
        d.initmem.last(),
        Some(&InitmemLine {
            node: 2,
            range: None
        })
    );
    assert_eq!(
        d.dax,
        vec![DaxDevice {
            name: "dax0.0".to_string(),
            size: Some(2 << 30),
            target_node: Some(2),
            numa_node: Some(0),
            driver: Some("kmem".to_string()),
            resource: Some(0x1_0000_0000),
        }]
    );
    assert_eq!(d.hmem_devices, vec!["hmem.0".to_string()]);
    let depths: Vec<(usize, &str)> = d
        .iomem
        .iter()
        .filter(|e| e.start == 0x1_0000_0000)
        .map(|e| (e.depth, e.name.as_str()))
        .collect();
    assert_eq!(
        depths,
        [
            (0, "hmem.0"),
            (1, "Soft Reserved"),
            (2, "dax0.0"),
            (3, "System RAM (kmem)")
        ]
    );
}

#[test]
fn legacy_half_soft_reserved_and_others() {
    let d = parse(C_HALF);
    assert_eq!(d.dax.len(), 1);
    assert_eq!(d.dax[0].driver.as_deref(), Some("device_dax"));
    assert_eq!(d.dax[0].resource, Some(0x1_4000_0000));
    let d = parse(C_FULL_OVMF);
    assert_eq!(d.firmware, Some(Firmware::Efi));
    assert!(!d.user_e820.is_empty());
    let d = parse(D_INTEL);
    // No AMD HyperTransport hole with an Intel vendor string.
    assert!(d.bios_e820.iter().all(|l| l.start < 0xfd_0000_0000));
}

#[test]
fn v1_numa_guest_from_topoc_probe() {
    let d = parse(V1_NUMA);
    assert_eq!(d.version, DumpVersion::V1);
    assert_eq!(d.uid, Some(0));
    assert!(d.uptime_start.is_some() && d.uptime_end.is_some());
    assert!(d.kernel.as_deref().unwrap_or("").contains("cloud-amd64"));
    assert!(d.cmdline.as_deref().unwrap_or("").contains("nokaslr"));
    assert!(
        d.init_notes
            .as_deref()
            .unwrap_or("")
            .contains("qemu_fw_cfg:ok")
    );
    assert_eq!(d.node_lists.online, Some(vec![0, 1]));
    assert_eq!(
        d.node(0).and_then(|n| n.distance.clone()),
        Some(vec![10, 21])
    );
    assert_eq!(
        d.node(1).and_then(|n| n.distance.clone()),
        Some(vec![21, 10])
    );
    let fw = d.fw_cfg_e820.as_ref().expect("fw_cfg etc/e820");
    assert!(fw.contains(&Entry::new(0, 0x8000_0000, Kind::Ram)));
    assert!(fw.contains(&Entry::new(0xfd_0000_0000, 0x3_0000_0000, Kind::Reserved)));
    assert_eq!(d.acpi_table("SRAT").map(|t| &t[..4]), Some(&b"SRAT"[..]));
    assert_eq!(d.acpi_table("SLIT").map(|t| &t[..4]), Some(&b"SLIT"[..]));
    assert_eq!(d.acpi_table("HMAT"), None);
    assert!(
        d.notes_in("acpi.HMAT")
            .any(|n| n.starts_with("absent /sys/firmware/acpi/tables/HMAT"))
    );
    assert_eq!(d.srat_memory.len(), 3);
    assert!(!d.pci.is_empty() && d.pci.iter().all(|p| p.vendor.is_some()));
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
}

#[test]
fn v1_ovmf_console() {
    let d = parse(V1_OVMF);
    assert_eq!(d.version, DumpVersion::V1);
    assert_eq!(d.firmware, Some(Firmware::Efi));
    assert!(d.bios_e820.len() > 10);
    assert!(d.fw_cfg_e820.as_ref().is_some_and(|f| !f.is_empty()));
    assert!(d.acpi_table("SRAT").is_none());
    assert!(d.notes_in("acpi.SRAT").next().is_some());
    assert!(d.warnings.is_empty(), "{:?}", d.warnings);
}

#[test]
fn every_real_dump_parses_cleanly() {
    for text in ALL {
        let d = parse(text);
        assert!(!d.bios_e820.is_empty());
        assert!(!d.iomem.is_empty());
        assert!(d.kernel.is_some() && d.cmdline.is_some() && d.firmware.is_some());
        assert!(!d.nodes.is_empty());
        assert!(d.warnings.is_empty(), "{:?}", d.warnings);
        // CRLF line ends (a Windows terminal log) read the same.
        let crlf = text.replace('\n', "\r\n");
        assert_eq!(parse(&crlf), d);
    }
}

#[test]
fn missing_end_marker_is_a_truncated_dump() {
    let cut = A_SEABIOS.split("### acpi.tables").next().unwrap_or("");
    assert!(matches!(
        GuestDump::parse(cut),
        Err(DumpError::Truncated { .. })
    ));
    assert_eq!(
        GuestDump::parse("kernel panic\n"),
        Err(DumpError::NoBeginMarker)
    );
    assert_eq!(
        GuestDump::parse("=====TOPOC-DUMP-BEGIN v9=====\n=====TOPOC-DUMP-END=====\n"),
        Err(DumpError::UnsupportedVersion("v9".to_string()))
    );
}

#[test]
fn minimal_and_garbage_wrapped_dumps() {
    let text = "boot noise\n\u{1b}[2J\u{1b}[01;01H=====TOPOC-DUMP-BEGIN v1=====\r\n\
                ### firmware\r\nefi\r\n=====TOPOC-DUMP-END=====\r\ntrailing\n";
    let d = parse(text);
    assert_eq!(d.firmware, Some(Firmware::Efi));
    assert!(d.bios_e820.is_empty() && d.nodes.is_empty() && d.fw_cfg_e820.is_none());
    // An empty dump is still a dump.
    let d = parse("=====TOPOC-DUMP-BEGIN v1=====\n=====TOPOC-DUMP-END=====");
    assert_eq!(d.kernel, None);
    // The last begin marker before the end marker wins.
    let d = parse(
        "=====TOPOC-DUMP-BEGIN v1=====\n### firmware\nbios\n\
         =====TOPOC-DUMP-BEGIN v1=====\n### firmware\nefi\n=====TOPOC-DUMP-END=====\n",
    );
    assert_eq!(d.firmware, Some(Firmware::Efi));
}

#[test]
fn blob_encodings_and_bad_blobs() {
    let text = "=====TOPOC-DUMP-BEGIN v1=====\n\
                ### acpi.SLIT\nformat: hex\n 53 4c 49 54\n 00\n\
                ### acpi.SRAT\nformat: base64\nU1JB!\n\
                ### fw_cfg.e820\nformat: base64\nAAAAAAAAAAAAAAAAAAAAAAEAAAAA\n\
                =====TOPOC-DUMP-END=====\n";
    let d = parse(text);
    assert_eq!(d.acpi_table("SLIT"), Some(&b"SLIT\0"[..]));
    assert_eq!(d.acpi_table("SRAT"), None);
    // 21 bytes: one whole record and one spare byte (a warning).
    assert_eq!(d.fw_cfg_e820, Some(vec![Entry::new(0, 0, Kind::Ram)]));
    assert_eq!(d.warnings.len(), 2, "{:?}", d.warnings);
}

#[test]
fn base64_decoder() {
    assert_eq!(decode_base64("").as_deref(), Ok(&b""[..]));
    assert_eq!(decode_base64("TQ==").as_deref(), Ok(&b"M"[..]));
    assert_eq!(decode_base64("TWE=").as_deref(), Ok(&b"Ma"[..]));
    assert_eq!(decode_base64("TWFu").as_deref(), Ok(&b"Man"[..]));
    assert_eq!(decode_base64("TWFu\nTWE").as_deref(), Ok(&b"ManMa"[..]));
    assert_eq!(decode_base64("+/8=").as_deref(), Ok(&[0xfb, 0xff][..]));
    assert!(decode_base64("T").is_err());
    assert!(decode_base64("TQ==TQ==").is_err());
    assert!(decode_base64("T\u{e9}").is_err());
}

#[test]
fn small_parsers() {
    assert_eq!(parse_list("0-2,5"), Some(vec![0, 1, 2, 5]));
    assert_eq!(parse_list(""), Some(vec![]));
    assert_eq!(parse_list("2-1"), None);
    assert_eq!(parse_list("0-4294967295"), None);
    assert_eq!(parse_list("0-8191").map(|l| l.len()), Some(8192));
    assert_eq!(parse_list("0-8192"), None);
    assert_eq!(
        strip_timestamp("[    0.000000] BIOS-e820: x"),
        "BIOS-e820: x"
    );
    assert_eq!(strip_timestamp("<6>[    1.5] a"), "a");
    assert_eq!(strip_timestamp("[mem 0x0-0x1]"), "[mem 0x0-0x1]");
    assert_eq!(clean_line("\u{1b}[=3h\u{1b}[2Jab\rc\u{7}"), "abc");
    // v7.0-style line: two spaces before the name.
    let mut d = parse("=====TOPOC-DUMP-BEGIN v1=====\n=====TOPOC-DUMP-END=====");
    parse_dmesg_line(
        &mut d,
        "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff]  System RAM",
    );
    assert_eq!(d.bios_e820[0].e820_kind(), Some(Kind::Ram));
}

/// Line-level mutations of a real dump: drop, duplicate, truncate, swap.
fn mutate(text: &str, ops: &[(u8, usize, usize)]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for &(op, a, b) in ops {
        if lines.is_empty() {
            break;
        }
        let i = a % lines.len();
        let j = b % lines.len();
        match op % 6 {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(j, l);
            }
            2 => {
                let l = &mut lines[i];
                let cut = (b % (l.len() + 1)).min(l.len());
                let cut = (0..=cut)
                    .rev()
                    .find(|c| l.is_char_boundary(*c))
                    .unwrap_or(0);
                l.truncate(cut);
            }
            3 => lines.swap(i, j),
            4 => lines[i].push_str(" 0xffffffffffffffffffff -1 node99999999999"),
            _ => lines[i] = lines[i].replace(['0', 'x'], "f"),
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_text_never_panics(s in "\\PC{0,400}") {
        let _ = GuestDump::parse(&s);
        let wrapped = format!("=====TOPOC-DUMP-BEGIN v1=====\n{s}\n=====TOPOC-DUMP-END=====");
        prop_assert!(GuestDump::parse(&wrapped).is_ok());
    }

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let s = String::from_utf8_lossy(&bytes);
        let wrapped = format!("=====TOPOC-DUMP-BEGIN=====\n### nodes\n{s}\n### dmesg\n{s}\n\
                               ### acpi.tables\n## SRAT base64\n{s}\n## SRAT end\n\
                               =====TOPOC-DUMP-END=====");
        let _ = GuestDump::parse(&wrapped);
        let _ = decode_base64(&s);
        let _ = decode_hex(&s);
    }

    #[test]
    fn mutated_real_dumps_never_panic(
        which in 0..ALL.len(),
        ops in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 0..12),
    ) {
        let text = mutate(ALL[which], &ops);
        let _ = GuestDump::parse(&text);
    }
}
