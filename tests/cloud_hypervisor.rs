//! The cloud-hypervisor target against cloud-hypervisor's own rules.
//!
//! No cloud-hypervisor binary is available to run, so this file re-reads
//! the emitted command line the way cloud-hypervisor does: its option parser
//! (`option_parser/src/lib.rs`: `split_commas`, `ByteSized`, `IntegerList`,
//! `TupleList`, `StringList`), then the checks `NumaConfig::parse`,
//! `VmConfig::validate` and `Vm::create_numa_nodes` apply. Every bundled
//! example (with the fallback) and the topologies below must pass. The
//! other tests pin the SRAT and SLIT details the guest depends on.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use support::data;
use topoc::pipeline::{Compiled, Options, compile};
use topoc::source::SourceFile;
use topoc::target::{ChOverrides, TargetKind};

fn ch(name: &str, text: &str, fallback: bool) -> Compiled {
    let opts = Options {
        target: TargetKind::CloudHypervisor,
        ch: ChOverrides {
            fallback,
            ..ChOverrides::default()
        },
        ..Options::default()
    };
    match compile(&SourceFile::new(name, text), &opts) {
        Ok(c) => c,
        Err(d) => panic!(
            "{name} does not compile: {:?}",
            d.iter().map(|d| d.message.clone()).collect::<Vec<_>>()
        ),
    }
}

/// `split_commas`: commas split unless inside brackets or quotes.
fn split_commas(s: &str) -> Result<Vec<String>, String> {
    let (mut list, mut cur, mut depth, mut quoted) = (Vec::new(), String::new(), 0i32, false);
    for c in s.trim().chars() {
        match c {
            '"' => quoted = !quoted,
            _ if quoted => {}
            '[' => depth += 1,
            ']' => {
                depth -= 1;
                if depth < 0 {
                    return Err(format!("unbalanced brackets in {s}"));
                }
            }
            ',' if depth == 0 => {
                list.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    list.push(cur);
    if quoted || depth != 0 {
        return Err(format!("Invalid syntax: {s}"));
    }
    Ok(list)
}

/// `OptionParser::parse` with the given known keys.
fn options(value: &str, known: &[&str]) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for opt in split_commas(value)? {
        let (k, v) = opt
            .split_once('=')
            .ok_or(format!("Invalid syntax: {opt}"))?;
        if !known.contains(&k) {
            return Err(format!("Unknown option: {k}"));
        }
        out.insert(k.to_string(), v.trim().to_string());
    }
    Ok(out)
}

fn byte_sized(s: &str) -> Result<u64, String> {
    let (num, shift) = match s.chars().last() {
        Some('K') => (&s[..s.len() - 1], 10),
        Some('M') => (&s[..s.len() - 1], 20),
        Some('G') => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    num.parse::<u64>()
        .map(|n| n << shift)
        .map_err(|_| format!("bad size {s}"))
}

/// `IntegerList`: optional brackets, `N` or `A-B` with A < B.
fn integer_list(s: &str) -> Result<Vec<u64>, String> {
    let mut out = Vec::new();
    for item in s.trim().trim_matches(|c| c == '[' || c == ']').split(',') {
        let parts: Vec<&str> = item.split('-').collect();
        let n = |t: &str| {
            t.parse::<u64>()
                .map_err(|_| format!("bad integer {t} in {s}"))
        };
        match parts.as_slice() {
            [a] => out.push(n(a)?),
            [a, b] => {
                let (a, b) = (n(a)?, n(b)?);
                if a >= b {
                    return Err(format!("range {item} needs start < end"));
                }
                out.extend(a..=b);
            }
            _ => return Err(format!("bad item {item}")),
        }
    }
    Ok(out)
}

/// `TupleList<u64, u64>`: mandatory outer brackets, `a@b` items.
fn tuple_list(s: &str) -> Result<Vec<(u64, u64)>, String> {
    let body = s
        .trim()
        .strip_prefix('[')
        .and_then(|b| b.strip_suffix(']'))
        .ok_or(format!("UnbalancedOutsideBrackets: {s}"))?;
    split_commas(body)?
        .iter()
        .map(|t| {
            let (a, b) = t.split_once('@').ok_or(format!("bad tuple {t}"))?;
            Ok((
                a.parse().map_err(|_| format!("bad key {a}"))?,
                b.parse().map_err(|_| format!("bad value {b}"))?,
            ))
        })
        .collect()
}

/// What cloud-hypervisor would refuse in these arguments, or `Ok`.
fn validate(args: &[String]) -> Result<(), String> {
    let mut pairs = args.chunks(2);
    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut zones: BTreeSet<String> = BTreeSet::new();
    let mut devices: BTreeSet<String> = BTreeSet::new();
    let mut slots: BTreeSet<u64> = BTreeSet::new();
    let mut nodes: Vec<BTreeMap<String, String>> = Vec::new();
    let mut max_vcpus = 0;
    let mut memory_size_zero = false;
    for pair in &mut pairs {
        let [flag, value] = pair else {
            return Err("odd argument count".into());
        };
        match flag.as_str() {
            "--cpus" => {
                let o = options(value, &["boot", "max", "topology"])?;
                let boot: u64 = o["boot"].parse().map_err(|_| "boot")?;
                max_vcpus = o["max"].parse().map_err(|_| "max")?;
                if max_vcpus < boot {
                    return Err("Max CPUs lower than boot CPUs".into());
                }
                let t: Vec<u64> = o["topology"]
                    .split(':')
                    .map(|p| p.parse::<u16>().map(u64::from))
                    .collect::<Result<_, _>>()
                    .map_err(|_| "Error parsing --cpus")?;
                if t.len() != 4 || t.contains(&0) {
                    return Err("No part of the CPU topology can be zero".into());
                }
                if t[0] > 2 {
                    return Err("CPU topology supports at most 2 threads per core".into());
                }
                if t.iter().product::<u64>() != max_vcpus {
                    return Err("Product of CPU topology parts does not match maximum vCPU".into());
                }
            }
            "--memory" => memory_size_zero = options(value, &["size"])?["size"] == "0",
            "--memory-zone" => {
                let o = options(
                    value,
                    &[
                        "id",
                        "size",
                        "file",
                        "shared",
                        "hugepages",
                        "hugepage_size",
                        "host_numa_node",
                        "prefault",
                    ],
                )?;
                let id = o.get("id").ok_or("id missing")?.clone();
                if !ids.insert(id.clone()) || id.starts_with("__") {
                    return Err(format!("Identifier {id} is not unique"));
                }
                zones.insert(id);
                byte_sized(o.get("size").ok_or("size")?)?;
                if let Some(hp) = o.get("hugepage_size") {
                    if o.get("hugepages").map(String::as_str) != Some("on") {
                        return Err("Huge page size specified but huge pages not enabled".into());
                    }
                    if !byte_sized(hp)?.is_power_of_two() {
                        return Err(format!("Huge page size is not power of 2: {hp}"));
                    }
                }
                if o.contains_key("file")
                    && o.get("shared").map(String::as_str) == Some("on")
                    && o.contains_key("host_numa_node")
                {
                    return Err("InvalidSharedMemoryZoneWithHostNuma".into());
                }
            }
            "--numa" => {
                let o = options(
                    value,
                    &[
                        "guest_numa_id",
                        "cpus",
                        "distances",
                        "device_id",
                        "memory_zones",
                        "pci_segments",
                    ],
                )?;
                if !o.contains_key("guest_numa_id") {
                    return Err("guest_numa_id is required for all NUMA nodes".into());
                }
                if o.contains_key("device_id")
                    && (o.contains_key("cpus") || o.contains_key("memory_zones"))
                {
                    return Err(
                        "device_id in numa config cannot be used with cpus or memory zones".into(),
                    );
                }
                if !o.contains_key("device_id")
                    && !o.contains_key("cpus")
                    && !o.contains_key("memory_zones")
                {
                    return Err(
                        "numa config must specify either device_id or cpus/memory_zones".into(),
                    );
                }
                if let Some(c) = o.get("cpus") {
                    if c.contains(',') && !c.starts_with('[') {
                        return Err(format!("unbracketed list {c} splits the option"));
                    }
                    integer_list(c)?;
                }
                if let Some(d) = o.get("distances") {
                    for (_, dist) in tuple_list(d)? {
                        if dist > 255 {
                            return Err(format!("distance {dist} is truncated by `as u8`"));
                        }
                    }
                }
                nodes.push(o);
            }
            "--device" => {
                let o = options(value, &["path", "id", "pci_device_id"])?;
                let id = o.get("id").ok_or("device id")?.clone();
                if !ids.insert(id.clone()) {
                    return Err(format!("Identifier {id} is not unique"));
                }
                devices.insert(id);
                if let Some(s) = o.get("pci_device_id") {
                    let s: u64 = s.parse().map_err(|_| "pci_device_id")?;
                    if s == 0 || s >= 32 || !slots.insert(s) {
                        return Err(format!("bad or reused pci_device_id {s}"));
                    }
                }
            }
            "--kernel" | "--firmware" | "--initramfs" | "--cmdline" => {}
            other => return Err(format!("unexpected flag {other}")),
        }
    }
    if !zones.is_empty() && !memory_size_zero {
        return Err("Memory configuration is not valid".into());
    }
    if memory_size_zero && zones.is_empty() {
        return Err("No memory zones found".into());
    }
    // Vm::create_numa_nodes and VmConfig::validate across nodes.
    let node_ids: Vec<u64> = nodes
        .iter()
        .map(|n| n["guest_numa_id"].parse::<u64>().unwrap_or(u64::MAX))
        .collect();
    let mut seen_ids = BTreeSet::new();
    let mut used_zones = BTreeSet::new();
    let mut vcpus = BTreeSet::new();
    for (n, id) in nodes.iter().zip(&node_ids) {
        if !seen_ids.insert(*id) {
            return Err("Can't define twice the same NUMA node".into());
        }
        for z in n
            .get("memory_zones")
            .map(|z| {
                z.trim_matches(|c| c == '[' || c == ']')
                    .split(',')
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
        {
            if !zones.contains(z) {
                return Err(format!("Unknown memory zone '{z}'"));
            }
            if !used_zones.insert(z.to_string()) {
                return Err(format!("Memory zone: {z} belongs to multiple NUMA nodes"));
            }
        }
        if let Some(d) = n.get("distances") {
            let mut dests = BTreeSet::new();
            for (dest, _) in tuple_list(d)? {
                if !node_ids.contains(&dest) {
                    return Err(format!("Unknown destination NUMA node {dest}"));
                }
                if !dests.insert(dest) {
                    return Err(format!("Destination NUMA node {dest} has been already set"));
                }
            }
        }
        if let Some(c) = n.get("cpus") {
            for cpu in integer_list(c)? {
                // Not refused by cloud-hypervisor, but topoc promises it.
                if cpu >= max_vcpus || !vcpus.insert(cpu) {
                    return Err(format!("vCPU {cpu} beyond max or in two nodes"));
                }
            }
        }
        if let Some(d) = n.get("device_id") {
            // cloud-hypervisor only warns; topoc promises a known device.
            if !devices.contains(d) {
                return Err(format!("device_id '{d}' not found in device manager"));
            }
        }
    }
    // Unused zones get no SRAT entry; topoc puts every zone in a node.
    if used_zones.len() != zones.len() {
        return Err("a memory zone in no NUMA node".into());
    }
    // Positional SLIT: ids must be 0..N-1.
    if node_ids.iter().enumerate().any(|(i, &id)| id != i as u64) {
        return Err("guest_numa_ids are not 0..N-1".into());
    }
    Ok(())
}

/// (file name, text) of every bundled example.
/// The x86_64 examples: cloud-hypervisor's.
fn examples() -> Vec<(String, String)> {
    data::files_with_ext("examples", "toml")
        .iter()
        .map(|p| {
            let name = p.file_name().unwrap_or_default().to_string_lossy();
            (name.into_owned(), data::read_text(p))
        })
        .filter(|(_, text)| !is_aarch64(text))
        .collect()
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

const VFIO_GI: &str = r#"topoc = 1
[machine]
name = "vfio"
cpus = { sockets = 2, cores = 2, threads = 2 }
[[node]]
id = 0
name = "socket0"
cpus = "0-3"
memory = { size = "4GiB", host-nodes = "0", hugepages = "1GiB" }
[[node]]
id = 1
name = "socket1"
cpus = "4-7"
memory = { size = "4GiB", host-nodes = "1", hugepages = "1GiB" }
[[node]]
id = 2
name = "gpu0-gi"
[[node]]
id = 3
[[device]]
name = "gpu0"
host = "0000:41:00.0"
initiator-nodes = ["gpu0-gi", 3]
[[device]]
name = "nic0"
kind = "nic"
host = "0000:c1:00.1"
guest-slot = 5
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
[distances]
pair = [{ from = 2, to = 3, value = 12 }]
"#;

#[test]
fn every_example_command_line_is_one_cloud_hypervisor_accepts() {
    for (name, text) in examples() {
        let c = ch(&name, &text, true);
        let args = topoc::emit::cloud_hypervisor::args(&c);
        if let Err(e) = validate(&args) {
            panic!("{name}: cloud-hypervisor would refuse: {e}\n{args:?}");
        }
    }
    let c = ch("vfio.toml", VFIO_GI, false);
    let args = topoc::emit::cloud_hypervisor::args(&c);
    validate(&args).unwrap_or_else(|e| panic!("vfio: {e}\n{args:?}"));
}

#[test]
fn vfio_generic_initiators_name_their_device_and_pinned_slot() {
    let c = ch("vfio.toml", VFIO_GI, false);
    let args = topoc::emit::cloud_hypervisor::args(&c);
    let joined = args.join(" ");
    assert!(
        joined
            .contains("--device path=/sys/bus/pci/devices/0000:41:00.0/,id=gpu0,pci_device_id=16"),
        "{joined}"
    );
    assert!(
        joined.contains("--device path=/sys/bus/pci/devices/0000:c1:00.1/,id=nic0,pci_device_id=5"),
        "{joined}"
    );
    // One device on two Generic Initiator nodes: each names it.
    assert!(
        joined.contains("--numa guest_numa_id=2,distances=[3@12],device_id=gpu0"),
        "{joined}"
    );
    assert!(
        joined.contains("--numa guest_numa_id=3,device_id=gpu0"),
        "{joined}"
    );
    assert!(
        joined.contains(
            "--memory-zone id=socket0,size=4G,hugepages=on,hugepage_size=1G,host_numa_node=0"
        ),
        "{joined}"
    );
    assert!(joined.contains("topology=2:2:1:2"), "{joined}");

    // The SRAT: GI structures with cloud-hypervisor's handle bytes for
    // 0000:00:10.0 (from_pci_bdf: segment, bus, bus, device, device, ...).
    let srat = topoc::emit::acpi::srat::build(&c, topoc::emit::acpi::Flavor::CloudHypervisor)
        .unwrap_or_else(|| panic!("an SRAT"));
    let bytes = srat.to_bytes().unwrap_or_default();
    assert_eq!(&bytes[0..4], b"SRAT");
    assert_eq!(bytes[8], 3, "revision 3");
    assert_eq!(&bytes[10..16], b"CLOUDH");
    assert_eq!(&bytes[16..24], b"CHSRAT  ");
    assert_eq!(&bytes[28..32], b"RVAT");
    assert_eq!(&bytes[32..36], &[0, 0, 0, 1]);
    assert_eq!(&bytes[36..48], &[0u8; 12], "12 zero bytes after the header");
    let mut off = 48;
    let mut gi = Vec::new();
    let mut kinds = Vec::new();
    while off < bytes.len() {
        let (kind, len) = (bytes[off], bytes[off + 1] as usize);
        kinds.push(kind);
        if kind == 5 {
            gi.push(bytes[off..off + len].to_vec());
        }
        off += len;
    }
    // Node 0: 1 memory region (4 GiB of 1 GiB pages: 3 GiB below, 1 above
    // -> two regions), 4 x2APIC; node 1: memory, 4 x2APIC; nodes 2 and 3: GI.
    assert_eq!(kinds, [1, 1, 2, 2, 2, 2, 1, 2, 2, 2, 2, 5, 5], "{kinds:?}");
    assert_eq!(gi.len(), 2);
    for (g, pxm) in gi.iter().zip([2u8, 3]) {
        assert_eq!(g[3], 1, "PCI handle type");
        assert_eq!(g[4], pxm);
        assert_eq!(
            &g[8..24],
            &[0, 0, 0, 0, 16, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(&g[24..28], &[1, 0, 0, 0], "enabled only");
    }
}

#[test]
fn asymmetric_distances_reach_cloud_hypervisors_slit() {
    // create_slit_table takes a node's own distance before the mirrored
    // one, so both directions written give an asymmetric SLIT.
    let text = r#"topoc = 1
[machine]
name = "asym"
cpus = { sockets = 3 }
[[node]]
id = 0
cpus = "0"
memory = { size = "1GiB" }
[[node]]
id = 1
cpus = "1"
memory = { size = "1GiB" }
[[node]]
id = 2
cpus = "2"
memory = { size = "1GiB" }
[distances]
asymmetric = true
pair = [
  { from = 0, to = 1, value = 20 },
  { from = 1, to = 0, value = 30 },
  { from = 0, to = 2, value = 25 },
  { from = 2, to = 0, value = 25 },
  { from = 1, to = 2, value = 40 },
  { from = 2, to = 1, value = 40 },
]
"#;
    let c = ch("asym.toml", text, false);
    let args = topoc::emit::cloud_hypervisor::args(&c);
    validate(&args).unwrap_or_else(|e| panic!("{e}"));
    let joined = args.join(" ");
    assert!(
        joined.contains("guest_numa_id=0,cpus=0,distances=[1@20,2@25]"),
        "{joined}"
    );
    assert!(
        joined.contains("guest_numa_id=1,cpus=1,distances=[0@30,2@40]"),
        "{joined}"
    );
    let slit = topoc::emit::acpi::slit::build(&c, topoc::emit::acpi::Flavor::CloudHypervisor)
        .unwrap_or_else(|| panic!("a SLIT"));
    assert_eq!(slit.matrix, vec![10, 20, 25, 30, 10, 40, 25, 40, 10]);
}

#[test]
fn without_distances_cloud_hypervisor_writes_20() {
    let text = r#"topoc = 1
[machine]
name = "flat"
cpus = { sockets = 2 }
[[node]]
id = 0
cpus = "0"
memory = { size = "1GiB" }
[[node]]
id = 1
cpus = "1"
memory = { size = "1GiB" }
"#;
    let c = ch("flat.toml", text, false);
    assert!(c.derived.slit.is_none(), "topoc derives no SLIT");
    let slit = topoc::emit::acpi::slit::build(&c, topoc::emit::acpi::Flavor::CloudHypervisor)
        .unwrap_or_else(|| panic!("cloud-hypervisor builds one anyway"));
    assert_eq!(slit.matrix, vec![10, 20, 20, 10]);
    assert_eq!(&slit.header.oem_table_id, b"CHSLIT  ");
}

#[test]
fn hugepage_zones_leave_a_hole_the_pvh_memmap_shows() {
    let text = r#"topoc = 1
[machine]
name = "hole"
cpus = { sockets = 2 }
[[node]]
id = 0
cpus = "0"
memory = { size = "2560MiB" }
[[node]]
id = 1
cpus = "1"
memory = { size = "2GiB", hugepages = "1GiB" }
"#;
    let c = ch("hole.toml", text, false);
    let pvh = topoc::emit::cloud_hypervisor::pvh_text(&c);
    assert_eq!(
        pvh,
        "pvh-memmap: [mem 0x0000000000000000-0x000000000009ffff] usable\n\
         pvh-memmap: [mem 0x0000000000100000-0x000000009fffffff] usable\n\
         pvh-memmap: [mem 0x0000000100000000-0x000000017fffffff] usable\n\
         pvh-memmap: [mem 0x00000000e8000000-0x00000000f7ffffff] reserved\n"
    );
    // The bzImage map would claim the hole; T214 refuses that boot path.
    let bz = topoc::emit::cloud_hypervisor::bzimage_text(&c);
    assert!(
        bz.contains("[mem 0x0000000000100000-0x00000000bfffffff] usable"),
        "{bz}"
    );
}

#[test]
fn each_target_writes_only_its_own_artifacts() {
    let names = |k: TargetKind| -> Vec<&'static str> {
        topoc::emit::for_target(k, topoc::kinds::Arch::X86_64)
            .map(|a| a.name)
            .collect()
    };
    let (qemu, ch) = (names(TargetKind::Qemu), names(TargetKind::CloudHypervisor));
    for n in &ch {
        assert!(
            !n.starts_with("qemu")
                && !n.starts_with("e820-vmm")
                && *n != "kernel-cmdline"
                && *n != "hmat",
            "cloud-hypervisor produces the qemu artifact {n}"
        );
    }
    for n in &qemu {
        assert!(
            !n.starts_with("ch-") && !n.starts_with("e820-pvh") && !n.starts_with("e820-bzimage"),
            "qemu produces the cloud-hypervisor artifact {n}"
        );
    }
    for shared in ["srat", "slit", "e820-guest", "resolved"] {
        assert!(qemu.contains(&shared) && ch.contains(&shared), "{shared}");
    }
    // Asking for another target's artifact is a usage error.
    let out = support::run::topoc([
        "build",
        "examples/two-socket.toml",
        "--target",
        "cloud-hypervisor",
        "--fallback",
        "--emit",
        "qemu-args",
    ])
    .run();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.err().contains("not produced for this target"));
}
