//! What sysfs and `/proc/iomem` show, into a [`Desc`] or onto one.
//!
//! - [`enrich`] adds what tables do not carry to a machine the SRAT
//!   described: Specific Purpose Memory (the dax devices' ranges, else the
//!   `Soft Reserved` ranges of `/proc/iomem`, placed in the node whose SRAT
//!   memory holds them) and what the PCI devices behind Generic Initiators
//!   are.
//! - [`describe`] describes the machine from sysfs alone, as a user without
//!   root sees it: nodes and their CPUs (`nodeN/cpulist`), memory (its memory
//!   blocks, else MemTotal rounded up to whole blocks), the distances between
//!   online nodes (`nodeN/distance`), the best initiators' HMAT values
//!   (`access0`, `access1`), memory-side caches, and memory-only nodes whose
//!   memory is all soft-reserved (offline, so only their dax devices show
//!   them). What sysfs does not show is stood in for, with a warning.

use super::desc::{Cache, Desc, Device, Distances, HmatPair, Memory, Node, Source, Spm};
use super::tables::{Placement, group_shape};
use super::{Sysfs, warning};
use crate::diag::{Diagnostic, codes};
use crate::guest::dump::{DaxDevice, PciDevice};
use crate::kinds::{Associativity, DeviceKind, WritePolicy};
use crate::linux::memory::memtotal_overhead;
use crate::units::{KIB, MIB, PciAddr, fmt_cpulist, fmt_size, parse_pci};
use std::collections::{BTreeMap, BTreeSet};

/// Memory blocks: MemTotal is rounded up to these.
const BLOCK: u64 = 128 * MIB;

/// The kind a PCI class says a device is, when it says.
fn kind_of_class(class: u32) -> Option<DeviceKind> {
    match class >> 16 {
        0x03 => Some(DeviceKind::Gpu),
        0x12 => Some(DeviceKind::Accelerator),
        0x02 => Some(DeviceKind::Nic),
        0x01 => Some(DeviceKind::Storage),
        _ => None,
    }
}

fn pci_words(p: &PciDevice) -> String {
    let mut w = vec![p.address.clone()];
    if let (Some(v), Some(d)) = (p.vendor, p.device) {
        w.push(format!("{v:04x}:{d:04x}"));
    }
    if let Some(c) = p.class {
        w.push(format!("class {c:#08x}"));
    }
    if let Some(n) = p.numa_node {
        w.push(format!("numa_node {n}"));
    }
    w.join(", ")
}

/// A dax device's range, `[start, end]` inclusive, when its address shows.
fn dax_range(x: &DaxDevice) -> Option<(u64, u64)> {
    let (start, size) = (x.resource?, x.size?);
    (size > 0 && start > 0).then(|| (start, start.saturating_add(size - 1)))
}

/// Adds Specific Purpose Memory and what the devices are to `d`, which the
/// SRAT (`srat`, placed by `placement`) described.
pub fn enrich(d: &mut Desc, s: &Sysfs, placement: &Placement, out: &mut Vec<Diagnostic>) {
    // Ranges: dax devices first, then iomem ranges no dax device covers.
    let mut ranges: Vec<(u64, u64, String)> = Vec::new();
    let mut unplaced: Vec<(&DaxDevice, u64)> = Vec::new();
    for x in &s.dax {
        match dax_range(x) {
            Some((a, b)) => ranges.push((
                a,
                b,
                format!("dax {} ({})", x.name, s.origin.file("sys/bus/dax/devices")),
            )),
            None => {
                if let Some(size) = x.size.filter(|&z| z > 0) {
                    unplaced.push((x, size));
                }
            }
        }
    }
    for &(a, b) in &s.soft_reserved {
        if !ranges.iter().any(|r| r.0 <= a && b <= r.1) {
            ranges.push((
                a,
                b,
                format!("Soft Reserved in {}", s.origin.file("proc/iomem")),
            ));
        }
    }
    ranges.sort();
    for (a, b, from) in ranges {
        let placed = placement.locate(a).and_then(|(n, off)| {
            let (m, off_end) = placement.locate(b)?;
            (m == n && off_end - off == b - a).then_some((n, off))
        });
        let Some((n, off)) = placed else {
            out.push(warning(
                &codes::T165,
                format!("{from}: soft-reserved [{a:#x}-{b:#x}] lies in no one node's SRAT memory; left out"),
            ));
            d.notes.push(format!(
                "soft-reserved [{a:#x}-{b:#x}] ({from}) is in no node's SRAT memory: left out"
            ));
            continue;
        };
        if let Some(m) = d.nodes[n].memory.as_mut() {
            add_spm(m, off, b - a + 1, format!("{from}, [{a:#x}-{b:#x}]"));
        }
    }
    for (x, size) in unplaced {
        let target = x.target_node.and_then(|t| u32::try_from(t).ok());
        let Some(n) = target.and_then(|t| placement.node_of_linux(t)) else {
            out.push(warning(
                &codes::T165,
                format!(
                    "{}: dax device {} ({}) has no address and no target node the SRAT knows; left out",
                    s.origin.file("sys/bus/dax/devices"),
                    x.name,
                    fmt_size(size)
                ),
            ));
            continue;
        };
        place_at_end(d, n, size, &x.name, s, out);
    }
    annotate_devices(d, &s.pci, &|n| placement.node_of_linux(n));
}

/// A Specific Purpose part in a node's memory, merged with its neighbours.
fn add_spm(m: &mut Memory, offset: u64, size: u64, from: String) {
    let end = offset.saturating_add(size).min(m.size);
    if end <= offset {
        return;
    }
    m.spm.push(Spm {
        offset,
        size: end - offset,
        from,
    });
    m.spm.sort_by_key(|p| p.offset);
    let mut merged: Vec<Spm> = Vec::new();
    for p in m.spm.drain(..) {
        match merged.last_mut() {
            Some(q) if q.offset + q.size >= p.offset => {
                let e = (p.offset + p.size).max(q.offset + q.size);
                q.size = e - q.offset;
                q.from = format!("{}; {}", q.from, p.from);
            }
            _ => merged.push(p),
        }
    }
    m.spm = merged;
}

/// SPM of a known size but no known address: at the end of the node.
fn place_at_end(
    d: &mut Desc,
    n: usize,
    size: u64,
    dax: &str,
    s: &Sysfs,
    out: &mut Vec<Diagnostic>,
) {
    let Some(m) = d.nodes[n].memory.as_mut() else {
        return;
    };
    let taken: u64 = m.spm.iter().map(|p| p.size).sum();
    let offset = m.size.saturating_sub(taken.saturating_add(size));
    add_spm(
        m,
        offset,
        size,
        format!(
            "dax {dax} ({}): its size; its address is not readable, so it is placed at the end of the node",
            s.origin.file("sys/bus/dax/devices")
        ),
    );
    if m.spm.iter().map(|p| p.size).sum::<u64>() < m.size {
        out.push(warning(
            &codes::T166,
            format!(
                "{}: dax device {dax} shows its size but not its address (resource needs root); its Specific Purpose Memory stands at the end of {}",
                s.origin.file("sys/bus/dax/devices"),
                d.nodes[n].name
            ),
        ));
    }
}

/// What the PCI devices behind the devices are: their class decides the
/// kind, when it says one, and their `numa_node` the node whose host bridge
/// they sit behind.
fn annotate_devices(d: &mut Desc, pci: &[PciDevice], node_of: &dyn Fn(u32) -> Option<usize>) {
    for dev in &mut d.devices {
        let Some(addr) = dev.pci else { continue };
        let Some(p) = pci
            .iter()
            .find(|p| parse_pci(&p.address).ok() == Some(addr))
        else {
            continue;
        };
        dev.about = format!("{}; PCI {}", dev.about, pci_words(p));
        dev.numa_node = p
            .numa_node
            .and_then(|n| u32::try_from(n).ok())
            .and_then(node_of);
        if dev.numa_node.is_some() {
            dev.guest_slot = None;
        }
        if let Some(k) = p.class.and_then(kind_of_class) {
            dev.kind = k;
            dev.kind_from = format!("PCI class {:#08x}", p.class.unwrap_or(0));
        }
    }
    let named: BTreeSet<PciAddr> = d.devices.iter().filter_map(|x| x.pci).collect();
    for p in pci {
        let Ok(a) = parse_pci(&p.address) else {
            continue;
        };
        let interesting = p
            .class
            .and_then(kind_of_class)
            .is_some_and(|k| matches!(k, DeviceKind::Gpu | DeviceKind::Accelerator));
        if interesting && !named.contains(&a) {
            d.notes.push(format!(
                "PCI {} is no Generic Initiator, so it is not imported; to pass it through, add a [[device]] with host = \"{a}\"",
                pci_words(p)
            ));
        }
    }
}

/// A node's RAM from its MemTotal: MemTotal falls short of the RAM by at
/// most [`memtotal_overhead`] (struct pages, per-node data, and in the first
/// node the kernel image and swiotlb), so the RAM is the largest number of
/// whole memory blocks within MemTotal plus that bound, and never less than
/// MemTotal.
fn ram_from_memtotal(kib: u64, first: bool) -> u64 {
    let bytes = kib.saturating_mul(KIB);
    if bytes == 0 {
        return 0;
    }
    let bound = memtotal_overhead(bytes, bytes, first, first).bytes;
    let down = bytes.saturating_add(bound) / BLOCK * BLOCK;
    let up = bytes.div_ceil(BLOCK).saturating_mul(BLOCK);
    down.max(up)
}

/// A machine from sysfs alone.
pub fn describe(s: &Sysfs, out: &mut Vec<Diagnostic>) -> Option<Desc> {
    let mut d = Desc::default();
    let node_dir = |n: u32, leaf: &str| {
        s.origin
            .file(&format!("sys/devices/system/node/node{n}/{leaf}"))
    };
    d.sources.push(format!(
        "sysfs {}: {} node director{}",
        s.origin.file("sys/devices/system/node"),
        s.nodes.len(),
        if s.nodes.len() == 1 { "y" } else { "ies" }
    ));
    // Nodes: the directories, and offline nodes dax devices target.
    let mut numbers: BTreeSet<u32> = s.nodes.keys().copied().collect();
    let mut dax_of: BTreeMap<u32, Vec<&DaxDevice>> = BTreeMap::new();
    for x in &s.dax {
        let target = x.target_node.and_then(|t| u32::try_from(t).ok());
        match target {
            Some(t) => {
                numbers.insert(t);
                dax_of.entry(t).or_default().push(x);
            }
            None => out.push(warning(
                &codes::T165,
                format!(
                    "{}: dax device {} has no target node; left out",
                    s.origin.file("sys/bus/dax/devices"),
                    x.name
                ),
            )),
        }
    }
    let numbers: Vec<u32> = numbers.into_iter().collect();
    let dense = numbers.iter().enumerate().all(|(i, &n)| n as usize == i);
    if !dense {
        d.notes.push(format!(
            "the nodes are {}, not 0, 1, 2, ...: ids count them from 0",
            fmt_cpulist(&numbers)
        ));
    }
    let gi_nodes: BTreeSet<u32> = s
        .lists
        .has_generic_initiator
        .clone()
        .unwrap_or_default()
        .into_iter()
        .collect();
    let mut stood_in: Vec<String> = Vec::new();
    let mut next_cpu = 0u32;
    // The kernel image and the swiotlb buffer sit in low memory: the first
    // node with memory.
    let first_memory = numbers.iter().copied().find(|n| {
        s.nodes
            .get(n)
            .is_some_and(|i| i.mem_total_kib.is_some_and(|k| k > 0))
    });
    for (i, &n) in numbers.iter().enumerate() {
        let info = s.nodes.get(&n);
        let mut node = Node {
            id: if dense { n } else { i as u32 },
            name: format!("node{n}"),
            about: match info {
                Some(_) => format!("host Linux node {n}"),
                None => format!("host Linux node {n}, offline: only its dax devices show it"),
            },
            id_from: if dense {
                "its Linux node number".to_string()
            } else {
                format!("Linux node {n}, counted from 0")
            },
            cpus: Vec::new(),
            cpus_from: String::new(),
            memory: None,
            initiator: None,
        };
        if let Some(info) = info {
            match &info.cpulist {
                Some(list) if !list.is_empty() => {
                    let k = u32::try_from(list.len()).unwrap_or(u32::MAX);
                    let end = next_cpu.saturating_add(k);
                    node.cpus = (next_cpu..end).collect();
                    next_cpu = end;
                    node.cpus_from = format!(
                        "{}: host CPUs {}",
                        node_dir(n, "cpulist"),
                        fmt_cpulist(list)
                    );
                }
                Some(_) => {}
                None => {
                    out.push(super::error(
                        &codes::T167,
                        format!(
                            "{}: missing or unreadable; the node's CPUs are unknown",
                            node_dir(n, "cpulist")
                        ),
                    ));
                }
            }
            let boot = match (s.blocks.get(&n), info.mem_total_kib) {
                (Some(&b), _) => {
                    Some((b, format!("{}: its memory blocks", node_dir(n, "memory*"))))
                }
                (None, Some(kib)) => {
                    let size = ram_from_memtotal(kib, first_memory == Some(n));
                    if size > 0 {
                        stood_in.push(format!("{} ({} kB → {})", node.name, kib, fmt_size(size)));
                    }
                    Some((
                        size,
                        format!(
                            "{}: MemTotal {kib} kB plus at most what the kernel keeps of a node, in whole {} memory blocks",
                            node_dir(n, "meminfo"),
                            fmt_size(BLOCK)
                        ),
                    ))
                }
                (None, None) => {
                    out.push(super::error(
                        &codes::T167,
                        format!(
                            "{}: missing or unreadable, and no memory blocks show; the node's memory is unknown",
                            node_dir(n, "meminfo")
                        ),
                    ));
                    None
                }
            };
            if let Some((size, from)) = boot.filter(|b| b.0 > 0) {
                node.memory = Some(Memory {
                    size,
                    from,
                    spm: Vec::new(),
                    caches: Vec::new(),
                });
            }
        }
        // Soft-reserved memory shows as dax devices of the node; memory a
        // kmem driver onlined is already in the node's blocks.
        for x in dax_of.get(&n).into_iter().flatten() {
            let size = x.size.unwrap_or(0);
            if size == 0 {
                continue;
            }
            let onlined = x.driver.as_deref() == Some("kmem") && info.is_some();
            let m = node.memory.get_or_insert_with(|| Memory {
                size: 0,
                from: String::new(),
                spm: Vec::new(),
                caches: Vec::new(),
            });
            let offset = if onlined {
                m.size.saturating_sub(size)
            } else {
                let o = m.size;
                m.size = m.size.saturating_add(size);
                o
            };
            let what = format!("dax {} ({})", x.name, s.origin.file("sys/bus/dax/devices"));
            m.from = if m.from.is_empty() {
                format!("{what}: its size")
            } else if onlined {
                m.from.clone()
            } else {
                format!("{} + {what}", m.from)
            };
            add_spm(m, offset, size, format!("{what}, {}", fmt_size(size)));
        }
        d.nodes.push(node);
    }
    if !stood_in.is_empty() {
        out.push(warning(
            &codes::T166,
            format!(
                "no memory blocks show, so node memory comes from MemTotal and what the kernel keeps of a node at most: {}",
                stood_in.join(", ")
            ),
        ));
    }
    let index: BTreeMap<u32, usize> = numbers.iter().enumerate().map(|(i, &n)| (n, i)).collect();

    // Generic Initiator nodes: the PCI devices whose numa_node they are,
    // else a stand-in each.
    let mut k = 0usize;
    for &g in &gi_nodes {
        let Some(&ix) = index.get(&g) else { continue };
        let found = s.pci.iter().find(|p| p.numa_node == i32::try_from(g).ok());
        let pci = found.and_then(|p| parse_pci(&p.address).ok());
        let (kind, kind_from, about) = match found {
            Some(p) => (
                p.class.and_then(kind_of_class).unwrap_or(DeviceKind::Gpu),
                format!("PCI class {:#08x}", p.class.unwrap_or(0)),
                format!("the PCI device whose numa_node is the Generic Initiator node {g}"),
            ),
            None => {
                out.push(warning(
                    &codes::T166,
                    format!(
                        "{}: node {g} is a Generic Initiator, but no PCI device names it as its numa_node; a stand-in device initiates through it",
                        s.origin.file("sys/devices/system/node/has_generic_initiator")
                    ),
                ));
                (
                    DeviceKind::Gpu,
                    "unknown: sysfs does not say which device the Generic Initiator is".to_string(),
                    format!("stands in for the unknown Generic Initiator of node {g}"),
                )
            }
        };
        d.devices.push(Device {
            name: format!("gpu{k}"),
            kind,
            kind_from,
            pci,
            source: Source::StandIn,
            guest_slot: None,
            numa_node: None,
            gi: vec![ix],
            about,
        });
        k += 1;
    }

    // Distances: each online node's row lists the online nodes in order.
    let online: Vec<u32> = s.nodes.keys().copied().collect();
    let n = numbers.len();
    let mut matrix = vec![vec![20u8; n]; n];
    for (i, row) in matrix.iter_mut().enumerate() {
        row[i] = 10;
    }
    let mut any = false;
    let mut missing: Vec<String> = Vec::new();
    for (&a, info) in &s.nodes {
        let Some(row) = &info.distance else {
            missing.push(format!("node{a}"));
            continue;
        };
        if row.len() != online.len() {
            out.push(super::error(
                &codes::T170,
                format!(
                    "{}: {} distances for {} online nodes ({})",
                    node_dir(a, "distance"),
                    row.len(),
                    online.len(),
                    fmt_cpulist(&online)
                ),
            ));
            continue;
        }
        for (j, &b) in online.iter().enumerate() {
            let (Some(&x), Some(&y)) = (index.get(&a), index.get(&b)) else {
                continue;
            };
            matrix[x][y] = u8::try_from(row[j]).unwrap_or(255);
            any = true;
        }
    }
    let offline: Vec<u32> = numbers
        .iter()
        .copied()
        .filter(|x| !s.nodes.contains_key(x))
        .collect();
    if !missing.is_empty() {
        d.unseen
            .push(format!("the distances of {}", missing.join(", ")));
    }
    if n >= 2 && any {
        if !offline.is_empty() {
            out.push(warning(
                &codes::T166,
                format!(
                    "sysfs shows distances only between online nodes; 20 stands in for those of offline node{} {}",
                    if offline.len() == 1 { "" } else { "s" },
                    fmt_cpulist(&offline)
                ),
            ));
        }
        d.distances = Some(Distances {
            matrix,
            from: format!(
                "{}: each node's distance row",
                s.origin.file("sys/devices/system/node")
            ),
            what: "distance".to_string(),
            labels: numbers.iter().map(|x| format!("node{x}")).collect(),
        });
    }

    // HMAT: the best initiators of each target, as access0 and access1 show
    // them: (latency read, write; bandwidth read, write) and where from.
    type Seen = ([Option<u64>; 4], String);
    let mut seen: BTreeMap<(usize, usize), Seen> = BTreeMap::new();
    let initiator = |d: &Desc, i: usize| {
        !d.nodes[i].cpus.is_empty() || d.devices.iter().any(|x| x.gi.contains(&i))
    };
    for (&t, info) in &s.nodes {
        let Some(&ti) = index.get(&t) else { continue };
        for a in &info.access {
            for &i in &a.initiators {
                let Some(&ii) = index.get(&i) else { continue };
                if !initiator(&d, ii) || !d.nodes[ti].has_memory() {
                    continue;
                }
                seen.entry((ii, ti)).or_insert_with(|| {
                    (
                        [
                            a.read_latency,
                            a.write_latency,
                            a.read_bandwidth,
                            a.write_bandwidth,
                        ]
                        .map(|v| v.filter(|&v| v > 0)),
                        node_dir(t, &format!("access{}/initiators", a.class)),
                    )
                });
            }
        }
    }
    // Access types when reads and writes agree everywhere, else both.
    let same = seen.values().all(|(v, _)| v[0] == v[1] && v[2] == v[3]);
    let mut pairs: BTreeMap<(usize, usize), HmatPair> = BTreeMap::new();
    for (&(ii, ti), (v, dir)) in &seen {
        let mut p = HmatPair {
            initiator: ii,
            target: ti,
            values: Default::default(),
        };
        let lat = |x: Option<u64>| x.map(|ns| ns.saturating_mul(1000));
        let bw = |x: Option<u64>| x.map(|m| m.saturating_mul(MIB));
        if same {
            p.values[0] = lat(v[0]).map(|x| (x, format!("{dir}/read_latency, write_latency")));
            p.values[3] = bw(v[2]).map(|x| (x, format!("{dir}/read_bandwidth, write_bandwidth")));
        } else {
            p.values[1] = lat(v[0]).map(|x| (x, format!("{dir}/read_latency")));
            p.values[2] = lat(v[1]).map(|x| (x, format!("{dir}/write_latency")));
            p.values[4] = bw(v[2]).map(|x| (x, format!("{dir}/read_bandwidth")));
            p.values[5] = bw(v[3]).map(|x| (x, format!("{dir}/write_bandwidth")));
        }
        pairs.insert((ii, ti), p);
    }
    for (&t, info) in &s.nodes {
        let Some(&ti) = index.get(&t) else { continue };
        // Memory-side caches.
        for c in &info.memory_side_cache {
            let Some(m) = d.nodes[ti].memory.as_mut() else {
                continue;
            };
            let (Some(size), Some(line)) = (c.size, c.line_size) else {
                continue;
            };
            let (Ok(level), Ok(line)) = (u8::try_from(c.level), u16::try_from(line)) else {
                continue;
            };
            if !(1..=3).contains(&level) || line == 0 {
                continue;
            }
            m.caches.push(Cache {
                level,
                size,
                associativity: match c.indexing {
                    Some(0) => Associativity::Direct,
                    Some(1) => Associativity::Complex,
                    _ => Associativity::None,
                },
                policy: match c.write_policy {
                    Some(0) => WritePolicy::WriteBack,
                    Some(1) => WritePolicy::WriteThrough,
                    _ => WritePolicy::None,
                },
                line,
                from: node_dir(t, &format!("memory_side_cache/index{}", c.level)),
            });
            m.caches.sort_by_key(|c| c.level);
        }
    }
    d.hmat = pairs.into_values().collect();
    if !d.hmat.is_empty() {
        d.notes.push(
            "sysfs shows HMAT values only for each memory node's best initiators (access0, access1); other pairs have none"
                .to_string(),
        );
    }
    // From sysfs alone a node's id is its Linux number.
    let ids: Vec<u32> = d.nodes.iter().map(|n| n.id).collect();
    annotate_devices(&mut d, &s.pci, &|n| ids.iter().position(|&id| id == n));
    d.shape = group_shape(&d, false);
    Some(d)
}
