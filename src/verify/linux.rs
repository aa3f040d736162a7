//! What a Linux x86-64 guest makes of firmware tables: node numbering from
//! the SRAT, distances from the SLIT, and the HMAT performance attributes it
//! publishes in sysfs.
//!
//! Each function is a transcription of the kernel code named in its doc
//! (Linux 6.1, the Debian guest the tests boot; the differences later kernels
//! make are listed in `book/src/reference/verify.md`). They are applied to
//! topoc's predicted tables to say what the guest should show, and to the
//! guest's own raw tables to say how it numbered its nodes.

use crate::acpi::hmat::{self, Hmat, HmatStructure, Locality};
use crate::acpi::srat::{MemoryAffinity, Srat, SratEntry};
use crate::acpi::{Slit, slit};
use std::collections::{BTreeMap, BTreeSet};

/// Linux's reading of an SRAT (`acpi_numa_init`, drivers/acpi/numa/srat.c,
/// and the x86 handlers in arch/x86/mm/srat.c).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NumaView {
    /// PXM → Linux node, in the order the kernel handed node ids out.
    pub pxm_to_node: BTreeMap<u32, u32>,
    /// Enabled CPU structures in table order: (PXM, APIC id).
    pub cpus: Vec<(u32, u32)>,
    /// PXMs of enabled Generic Initiator structures, in table order.
    pub generic_initiators: Vec<u32>,
    /// Enabled memory structures in table order, as the kernel prints them.
    pub memory: Vec<SratMemory>,
}

/// `ACPI: SRAT: Node N PXM P [mem A-B]` (end inclusive).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SratMemory {
    pub node: u32,
    pub pxm: u32,
    pub start: u64,
    pub end: u64,
    pub hotplug: bool,
    pub non_volatile: bool,
}

impl NumaView {
    pub fn node_of(&self, pxm: u32) -> Option<u32> {
        self.pxm_to_node.get(&pxm).copied()
    }

    /// Linux node → PXM.
    pub fn pxm_of(&self, node: u32) -> Option<u32> {
        self.pxm_to_node
            .iter()
            .find(|(_, n)| **n == node)
            .map(|(p, _)| *p)
    }

    /// Every node the SRAT produced (`numa_nodes_parsed`, which becomes
    /// `node_possible_map`).
    pub fn possible(&self) -> BTreeSet<u32> {
        self.pxm_to_node.values().copied().collect()
    }

    /// The node whose SRAT memory ranges hold `addr` (`phys_to_target_node`).
    pub fn node_at(&self, addr: u64) -> Option<u32> {
        self.memory
            .iter()
            .find(|m| m.start <= addr && addr <= m.end)
            .map(|m| m.node)
    }

    pub fn generic_initiator_nodes(&self) -> BTreeSet<u32> {
        self.generic_initiators
            .iter()
            .filter_map(|p| self.node_of(*p))
            .collect()
    }
}

/// Node numbering: `acpi_map_pxm_to_node()` gives a PXM the lowest unused
/// node id the first time it is seen. `acpi_numa_init()` first walks the CPU
/// structures (types 0, 2, 3) and Generic Initiators (type 5) together in
/// table order, then the memory structures (type 1). Disabled structures are
/// skipped. Under SRAT revision 1 (QEMU's) only the low 8 bits of a type 0 or
/// type 1 proximity domain count.
pub fn numa_view(srat: &Srat) -> NumaView {
    let rev = srat.header.revision;
    let mut v = NumaView::default();
    let mut next = 0u32;
    let mut map = |pxm: u32, v: &mut NumaView| -> u32 {
        if let Some(n) = v.pxm_to_node.get(&pxm) {
            return *n;
        }
        let n = next;
        next += 1;
        v.pxm_to_node.insert(pxm, n);
        n
    };
    for e in srat.entries.iter().filter(|e| e.enabled()) {
        match e {
            SratEntry::LocalApic(a) => {
                let pxm = if rev < 2 { a.pxm & 0xff } else { a.pxm };
                map(pxm, &mut v);
                v.cpus.push((pxm, u32::from(a.apic_id)));
            }
            SratEntry::X2Apic(a) => {
                map(a.pxm, &mut v);
                v.cpus.push((a.pxm, a.x2apic_id));
            }
            SratEntry::Gicc(a) => {
                map(a.pxm, &mut v);
            }
            SratEntry::GenericInitiator(g) => {
                map(g.pxm, &mut v);
                v.generic_initiators.push(g.pxm);
            }
            _ => {}
        }
    }
    for e in srat.entries.iter().filter(|e| e.enabled()) {
        if let SratEntry::Memory(m) = e {
            let pxm = if rev <= 1 { m.pxm & 0xff } else { m.pxm };
            let node = map(pxm, &mut v);
            if m.length == 0 {
                continue;
            }
            v.memory.push(SratMemory {
                node,
                pxm,
                start: m.base,
                end: m.base.saturating_add(m.length - 1),
                // CONFIG_MEMORY_HOTPLUG=y in Debian's kernels.
                hotplug: m.flags & MemoryAffinity::HOT_PLUGGABLE != 0,
                non_volatile: m.flags & MemoryAffinity::NON_VOLATILE != 0,
            });
        }
    }
    v
}

/// The distance between two nodes as `nodeN/distance` shows it: the SLIT
/// entry of their PXMs (`acpi_numa_slit_init` copies the matrix through
/// `pxm_to_node`), or 10 local / 20 remote without a (valid) SLIT.
pub fn distance(slit: Option<&Slit>, numa: &NumaView, from: u32, to: u32) -> u32 {
    let local = if from == to { 10 } else { 20 };
    let Some(s) = slit.filter(|s| slit_valid(s)) else {
        return local;
    };
    match (numa.pxm_of(from), numa.pxm_of(to)) {
        (Some(a), Some(b)) => s
            .distance(u64::from(a), u64::from(b))
            .map_or(local, u32::from),
        _ => local,
    }
}

/// `slit_valid()`: every diagonal entry 10, every other one above 10.
pub fn slit_valid(s: &Slit) -> bool {
    let n = s.localities;
    (0..n).all(|i| {
        (0..n).all(|j| {
            let d = s.distance(i, j).unwrap_or(0);
            if i == j {
                d == slit::Slit::LOCAL
            } else {
                d > slit::Slit::LOCAL
            }
        })
    })
}

/// One `nodeN/accessK` class of a memory target.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Access {
    /// Linux nodes linked as initiators.
    pub initiators: BTreeSet<u32>,
    /// Nanoseconds.
    pub read_latency: u32,
    pub write_latency: u32,
    /// MB/s as the HMAT gives it (QEMU: MiB/s).
    pub read_bandwidth: u32,
    pub write_bandwidth: u32,
}

/// One `nodeN/memory_side_cache/indexL`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SideCache {
    pub level: u32,
    pub size: u64,
    pub line_size: u64,
    /// 0 direct-mapped, 1 indexed, 2 other (`enum cache_indexing`).
    pub indexing: u64,
    /// 0 write-back, 1 write-through, 2 other (`enum cache_write_policy`).
    pub write_policy: u64,
}

/// What the HMAT registers for one memory target node.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TargetView {
    pub node: u32,
    pub pxm: u32,
    /// `access0` (every initiator) and `access1` (initiators with CPUs).
    pub access: [Access; 2],
    pub caches: Vec<SideCache>,
}

/// Why the guest drops a whole HMAT (`acpi/hmat: Ignoring: ...`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HmatRejected {
    Revision(u8),
    MemoryDomainNotInSrat(u32),
    InvalidProcessorDomain(u32),
}

/// The HMAT as Linux 6.1 registers it (drivers/acpi/numa/hmat.c), for the
/// targets in `targets` (Linux nodes that are online; others are registered
/// only when their memory comes online).
///
/// - Targets are the PXMs of the SRAT's enabled memory structures; an
///   initiator is any PXM listed in a locality structure that has a node,
///   with `has_cpu` from `has_cpu(node)`.
/// - A Memory Proximity Domain Attributes structure with the initiator-valid
///   flag names the attached initiator. `access0` then links only that
///   initiator, with its own values; `access1` does the same if that node has
///   CPUs, and otherwise falls back to the best CPU initiator.
/// - Without an attached initiator, the candidates (sorted by PXM; for
///   `access1` only those with CPUs) are narrowed attribute by attribute, in
///   the order write latency, read latency, write bandwidth, read bandwidth,
///   to those that tie the best value (lowest latency, highest bandwidth,
///   zeros ignored); all survivors are linked and each attribute reports its
///   best value.
/// - Only the last locality structure of each data type with memory
///   hierarchy 0 counts; access types fill both read and write.
pub fn hmat_view(
    table: &Hmat,
    numa: &NumaView,
    has_cpu: &dyn Fn(u32) -> bool,
    targets: &BTreeSet<u32>,
) -> Result<Vec<TargetView>, HmatRejected> {
    let rev = table.header.revision;
    if rev != 1 && rev != 2 {
        return Err(HmatRejected::Revision(rev));
    }
    // Targets: SRAT memory PXMs (srat_parse_mem_affinity), in SRAT order.
    let mut target_pxms: Vec<u32> = Vec::new();
    for m in &numa.memory {
        if !target_pxms.contains(&m.pxm) {
            target_pxms.push(m.pxm);
        }
    }
    let mut attached: BTreeMap<u32, u32> = BTreeMap::new();
    let mut parsed: BTreeMap<u32, [Access; 2]> = BTreeMap::new();
    let mut caches: BTreeMap<u32, Vec<SideCache>> = BTreeMap::new();
    // hmat_init parses all type 0 structures, then all type 1, then type 2.
    for s in &table.structures {
        if let HmatStructure::Mpda(p) = s {
            if rev == 2 {
                if !target_pxms.contains(&p.memory) {
                    return Err(HmatRejected::MemoryDomainNotInSrat(p.memory));
                }
                if p.flags & hmat::Mpda::INITIATOR_VALID != 0 {
                    if numa.node_of(p.initiator).is_none() {
                        return Err(HmatRejected::InvalidProcessorDomain(p.initiator));
                    }
                    attached.insert(p.memory, p.initiator);
                }
            }
        }
    }
    let mut initiators: BTreeMap<u32, bool> = BTreeMap::new(); // pxm → has_cpu
    // localities_types[]: WRITE_LATENCY, READ_LATENCY, WRITE_BANDWIDTH, READ_BANDWIDTH.
    let mut loc_types: [Option<&Locality>; 4] = [None; 4];
    for s in &table.structures {
        let HmatStructure::Locality(l) = s else {
            continue;
        };
        for (ii, &ipxm) in l.initiators.iter().enumerate() {
            if let Some(n) = numa.node_of(ipxm) {
                initiators.entry(ipxm).or_insert_with(|| has_cpu(n));
            }
            if l.hierarchy() != 0 {
                continue;
            }
            for (ti, &tpxm) in l.targets.iter().enumerate() {
                let value = l
                    .entry(ii, ti)
                    .and_then(|e| hmat::normalize(e, l.base_unit, l.data_type, rev))
                    .unwrap_or(0);
                if target_pxms.contains(&tpxm) && attached.get(&tpxm) == Some(&ipxm) {
                    let a = parsed.entry(tpxm).or_default();
                    update_access(&mut a[0], l.data_type, value);
                    if numa.node_of(ipxm).is_some_and(has_cpu) {
                        update_access(&mut a[1], l.data_type, value);
                    }
                }
            }
        }
        if l.hierarchy() == 0 {
            match l.data_type {
                hmat::ACCESS_LATENCY => {
                    loc_types[0] = Some(l);
                    loc_types[1] = Some(l);
                }
                hmat::ACCESS_BANDWIDTH => {
                    loc_types[2] = Some(l);
                    loc_types[3] = Some(l);
                }
                hmat::WRITE_LATENCY => loc_types[0] = Some(l),
                hmat::READ_LATENCY => loc_types[1] = Some(l),
                hmat::WRITE_BANDWIDTH => loc_types[2] = Some(l),
                hmat::READ_BANDWIDTH => loc_types[3] = Some(l),
                _ => {}
            }
        }
    }
    for s in &table.structures {
        let HmatStructure::Cache(c) = s else {
            continue;
        };
        if !target_pxms.contains(&c.memory) {
            continue;
        }
        let a = c.decoded_attributes();
        caches.entry(c.memory).or_default().push(SideCache {
            level: u32::from(a.level),
            size: c.size,
            line_size: u64::from(a.line_size),
            indexing: match a.associativity {
                1 => 0,
                2 => 1,
                _ => 2,
            },
            write_policy: match a.write_policy {
                1 => 0,
                2 => 1,
                _ => 2,
            },
        });
    }

    let perf = |l: &Locality, ipxm: u32, tpxm: u32| -> u32 {
        let Some(i) = l.initiators.iter().position(|&p| p == ipxm) else {
            return 0;
        };
        let Some(t) = l.targets.iter().position(|&p| p == tpxm) else {
            return 0;
        };
        l.entry(i, t)
            .and_then(|e| hmat::normalize(e, l.base_unit, l.data_type, rev))
            .unwrap_or(0)
    };

    let mut out = Vec::new();
    for &tpxm in &target_pxms {
        let Some(node) = numa.node_of(tpxm) else {
            continue;
        };
        if !targets.contains(&node) {
            continue;
        }
        let mut view = TargetView {
            node,
            pxm: tpxm,
            access: parsed.get(&tpxm).cloned().unwrap_or_default(),
            caches: caches.get(&tpxm).cloned().unwrap_or_default(),
        };
        for class in 0..2usize {
            // An attached initiator: link it alone (access1 only if it has CPUs).
            if let Some(&ipxm) = attached.get(&tpxm) {
                let inode = numa.node_of(ipxm);
                if let Some(n) = inode.filter(|&n| class == 0 || has_cpu(n)) {
                    view.access[class].initiators.insert(n);
                    continue;
                }
            }
            if loc_types.iter().all(Option::is_none) {
                continue;
            }
            // Candidates, sorted by PXM (the BTreeMap's order).
            let mut alive: BTreeSet<u32> = initiators.keys().copied().collect();
            for loc in &loc_types {
                let Some(loc) = loc else { continue };
                let mut best = 0u32;
                for (&ipxm, &cpu) in &initiators {
                    if class == 1 && !cpu {
                        alive.remove(&ipxm);
                        continue;
                    }
                    if !alive.contains(&ipxm) {
                        continue;
                    }
                    let value = perf(loc, ipxm, tpxm);
                    if update_best(loc.data_type, value, &mut best) {
                        // bitmap_clear(p_nodes, 0, pxm): drop every lower PXM.
                        alive.retain(|&p| p >= ipxm);
                    }
                    if value != best {
                        alive.remove(&ipxm);
                    }
                }
                if best != 0 {
                    update_access(&mut view.access[class], loc.data_type, best);
                }
            }
            view.access[class].initiators = alive.iter().filter_map(|&p| numa.node_of(p)).collect();
        }
        out.push(view);
    }
    Ok(out)
}

/// `hmat_update_target_access`.
fn update_access(a: &mut Access, data_type: u8, value: u32) {
    match data_type {
        hmat::ACCESS_LATENCY => {
            a.read_latency = value;
            a.write_latency = value;
        }
        hmat::READ_LATENCY => a.read_latency = value,
        hmat::WRITE_LATENCY => a.write_latency = value,
        hmat::ACCESS_BANDWIDTH => {
            a.read_bandwidth = value;
            a.write_bandwidth = value;
        }
        hmat::READ_BANDWIDTH => a.read_bandwidth = value,
        hmat::WRITE_BANDWIDTH => a.write_bandwidth = value,
        _ => {}
    }
}

/// `hmat_update_best`: lower latency or higher bandwidth wins; 0 is no data.
fn update_best(data_type: u8, value: u32, best: &mut u32) -> bool {
    if value == 0 {
        return false;
    }
    let better = if hmat::is_latency(data_type) {
        *best == 0 || *best > value
    } else {
        *best == 0 || *best < value
    };
    if better {
        *best = value;
    }
    better
}

/// `numa_map_to_online_node`: the node itself when online, else the online
/// node at the smallest distance (the first, by id, on a tie).
pub fn nearest_online(node: u32, online: &BTreeSet<u32>, dist: &dyn Fn(u32, u32) -> u32) -> u32 {
    if online.contains(&node) {
        return node;
    }
    let mut best: Option<(u32, u32)> = None;
    for &n in online {
        let d = dist(node, n);
        if best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, n));
        }
    }
    best.map_or(node, |(_, n)| n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acpi::Header;
    use crate::acpi::hmat::{Locality, Mpda};
    use crate::acpi::srat::{DeviceHandle, ENABLED, GenericAffinity, LocalApicAffinity};

    fn header(sig: &[u8; 4], rev: u8) -> Header {
        Header {
            signature: *sig,
            length: 0,
            revision: rev,
            checksum: 0,
            oem_id: *b"BOCHS ",
            oem_table_id: *b"BXPC    ",
            oem_revision: 1,
            creator_id: *b"BXPC",
            creator_revision: 1,
        }
    }

    fn cpu(pxm: u32, apic: u8) -> SratEntry {
        SratEntry::LocalApic(LocalApicAffinity {
            pxm,
            apic_id: apic,
            flags: ENABLED,
            ..LocalApicAffinity::default()
        })
    }

    fn mem(pxm: u32, base: u64, length: u64) -> SratEntry {
        SratEntry::Memory(MemoryAffinity {
            pxm,
            base,
            length,
            flags: ENABLED,
            ..MemoryAffinity::default()
        })
    }

    fn gi(pxm: u32) -> SratEntry {
        SratEntry::GenericInitiator(GenericAffinity {
            pxm,
            handle: DeviceHandle::Pci {
                segment: 0,
                bus: 0,
                devfn: 0x80,
            },
            flags: ENABLED,
            reserved1: 0,
            reserved2: 0,
        })
    }

    /// The mi300a guest: CPUs in PXM 0 and 1, memory in 0..3, GIs 5 then 4.
    fn mi300a() -> NumaView {
        let mut s = Srat::new(header(b"SRAT", 1));
        s.entries = vec![
            cpu(0, 0),
            cpu(0, 1),
            cpu(1, 2),
            cpu(1, 3),
            mem(0, 0, 0xa0000),
            mem(0, 0x10_0000, 0x7ff0_0000),
            mem(1, 0x1_0000_0000, 0x8000_0000),
            mem(2, 0x1_8000_0000, 1 << 32),
            mem(3, 0x2_8000_0000, 1 << 32),
            mem(0, 0, 0),
            gi(5),
            gi(4),
        ];
        if let SratEntry::Memory(m) = &mut s.entries[9] {
            m.flags = 0;
        }
        numa_view(&s)
    }

    #[test]
    fn nodes_follow_first_appearance_cpus_and_gis_before_memory() {
        // Measured on the mi300a guest: GI PXM 5 → node 2, PXM 4 → node 3,
        // memory PXM 2 → node 4, PXM 3 → node 5.
        let v = mi300a();
        let m: Vec<(u32, u32)> = v.pxm_to_node.iter().map(|(a, b)| (*a, *b)).collect();
        assert_eq!(m, [(0, 0), (1, 1), (2, 4), (3, 5), (4, 3), (5, 2)]);
        assert_eq!(v.memory.len(), 5, "the disabled padding entry is skipped");
        assert_eq!(v.node_at(0x1_8000_0000), Some(4));
        assert_eq!(v.generic_initiator_nodes(), BTreeSet::from([2, 3]));
    }

    fn loc(dt: u8, base: u64, inits: &[u32], targs: &[u32], entries: &[u16]) -> HmatStructure {
        HmatStructure::Locality(Locality {
            data_type: dt,
            base_unit: base,
            initiators: inits.to_vec(),
            targets: targs.to_vec(),
            entries: entries.to_vec(),
            ..Locality::default()
        })
    }

    #[test]
    fn best_initiators_ties_and_attached_initiators() {
        // Two CPU nodes (PXM 0, 1), two GIs (PXM 4, 5) and an HBM node (PXM 2)
        // whose best initiators are the GIs, tied.
        let mut s = Srat::new(header(b"SRAT", 1));
        s.entries = vec![
            cpu(0, 0),
            cpu(1, 1),
            gi(4),
            gi(5),
            mem(0, 0, 1 << 30),
            mem(1, 1 << 30, 1 << 30),
            mem(2, 1 << 31, 1 << 30),
        ];
        let numa = numa_view(&s);
        let mut h = Hmat {
            header: header(b"HMAT", 2),
            reserved: 0,
            structures: Vec::new(),
        };
        h.structures.push(HmatStructure::Mpda(Mpda {
            flags: Mpda::INITIATOR_VALID,
            initiator: 0,
            memory: 0,
            ..Mpda::default()
        }));
        let inits = [0, 1, 4, 5];
        let targs = [0, 1, 2];
        // latency entries ×10 ns; rows are initiators.
        h.structures.push(loc(
            hmat::ACCESS_LATENCY,
            10_000,
            &inits,
            &targs,
            &[1, 2, 3, 2, 1, 3, 5, 5, 1, 5, 5, 1],
        ));
        h.structures.push(loc(
            hmat::ACCESS_BANDWIDTH,
            1024,
            &inits,
            &targs,
            &[4, 1, 2, 1, 4, 2, 1, 1, 8, 1, 1, 8],
        ));
        let cpus = |n: u32| n < 2;
        let v = hmat_view(&h, &numa, &cpus, &BTreeSet::from([0, 1, 4])).unwrap();
        assert_eq!(v.len(), 3);
        // PXM 0: attached initiator 0, its own values in both classes.
        assert_eq!(v[0].access[0].initiators, BTreeSet::from([0]));
        assert_eq!(v[0].access[0].read_latency, 10);
        assert_eq!(v[0].access[1].read_bandwidth, 4096);
        // PXM 1: no MPDA, best is node 1.
        assert_eq!(v[1].access[0].initiators, BTreeSet::from([1]));
        // PXM 2 (node 4): GIs tie in access0; access1 = best CPU initiator(s):
        // 0 and 1 tie at 30 ns and 2048 MB/s.
        assert_eq!(v[2].node, 4);
        assert_eq!(v[2].access[0].initiators, BTreeSet::from([2, 3]));
        assert_eq!(v[2].access[0].read_latency, 10);
        assert_eq!(v[2].access[0].write_bandwidth, 8192);
        assert_eq!(v[2].access[1].initiators, BTreeSet::from([0, 1]));
        assert_eq!(v[2].access[1].read_latency, 30);
        // Offline targets are not registered.
        let v = hmat_view(&h, &numa, &cpus, &BTreeSet::from([0])).unwrap();
        assert_eq!(v.len(), 1);
    }

    #[test]
    fn an_attached_generic_initiator_rules_access0_only() {
        // CPU PXM 0, GI PXM 1, memory PXM 2 whose MPDA names the GI.
        let mut s = Srat::new(header(b"SRAT", 1));
        s.entries = vec![
            cpu(0, 0),
            gi(1),
            mem(0, 0, 1 << 30),
            mem(2, 1 << 30, 1 << 30),
        ];
        let numa = numa_view(&s);
        let h = Hmat {
            header: header(b"HMAT", 2),
            reserved: 0,
            structures: vec![
                HmatStructure::Mpda(Mpda {
                    flags: Mpda::INITIATOR_VALID,
                    initiator: 1,
                    memory: 2,
                    ..Mpda::default()
                }),
                // 20 ns from the CPU, 50 ns from the GI: the GI is worse, but attached.
                loc(
                    hmat::ACCESS_LATENCY,
                    10_000,
                    &[0, 1],
                    &[0, 2],
                    &[1, 2, 3, 5],
                ),
            ],
        };
        let cpus = |n: u32| n == 0;
        let v = hmat_view(&h, &numa, &cpus, &BTreeSet::from([0, 2])).unwrap();
        let t = v.iter().find(|t| t.pxm == 2).unwrap();
        assert_eq!(t.access[0].initiators, BTreeSet::from([1]));
        assert_eq!(t.access[0].read_latency, 50);
        // access1 falls back to the best CPU initiator.
        assert_eq!(t.access[1].initiators, BTreeSet::from([0]));
        assert_eq!(t.access[1].read_latency, 20);
    }

    #[test]
    fn nearest_online_node_prefers_the_lowest_id_on_ties() {
        let online = BTreeSet::from([0, 1, 2]);
        let d = |_: u32, b: u32| if b == 0 { 30 } else { 20 };
        assert_eq!(nearest_online(5, &online, &d), 1);
        assert_eq!(nearest_online(2, &online, &d), 2);
    }
}
