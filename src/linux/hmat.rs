//! What Linux makes of an HMAT (drivers/acpi/numa/hmat.c, 6.1): the value
//! it reads from each entry, and the `nodeN/access0`, `access1` and
//! `memory_side_cache` attributes it publishes for each memory target.

use super::numa::NumaView;
use crate::acpi::hmat::{self, Hmat, HmatStructure, Locality};
use std::collections::{BTreeMap, BTreeSet};

/// The value Linux derives from one locality entry (`hmat_normalize`):
/// latency in nanoseconds, bandwidth in MB/s.
///
/// - entry 0 (not provided) and 0xFFFF (unreachable): `None`;
/// - `entry × base_unit` that does not fit a u32: `None`;
/// - revision 2: latency picoseconds → nanoseconds, rounded up; bandwidth as is;
/// - revision 1: every value divided by 10, rounded up; values below 10: `None`;
/// - any other revision: `None` (Linux ignores the whole table).
///
/// Rounding is done without overflow; Linux's 32-bit `DIV_ROUND_UP` wraps
/// for values within 999 of `u32::MAX`, which no real table comes near.
pub fn normalize(entry: u16, base_unit: u64, data_type: u8, revision: u8) -> Option<u32> {
    if entry == 0 || entry == 0xFFFF {
        return None;
    }
    if base_unit > u64::from(u32::MAX / u32::from(entry)) {
        return None;
    }
    let value = u64::from(entry) * base_unit;
    let out = match revision {
        1 if value < 10 => return None,
        1 => value.div_ceil(10),
        2 if hmat::is_latency(data_type) => value.div_ceil(1000),
        2 => value,
        _ => return None,
    };
    u32::try_from(out).ok()
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
                    .and_then(|e| normalize(e, l.base_unit, l.data_type, rev))
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
            .and_then(|e| normalize(e, l.base_unit, l.data_type, rev))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acpi::Srat;
    use crate::acpi::hmat::{ACCESS_BANDWIDTH, ACCESS_LATENCY, Mpda, READ_LATENCY, WRITE_LATENCY};
    use crate::linux::numa::numa_view;
    use crate::linux::test_tables::{cpu, gi, header, mem};

    #[test]
    fn normalize_matches_linux() {
        // Revision 2: latency ps -> ns rounded up, bandwidth as is.
        assert_eq!(normalize(1, 1000, ACCESS_LATENCY, 2), Some(1));
        assert_eq!(normalize(1, 1001, READ_LATENCY, 2), Some(2));
        assert_eq!(normalize(3, 1, WRITE_LATENCY, 2), Some(1));
        assert_eq!(normalize(3, 500, ACCESS_LATENCY, 2), Some(2));
        assert_eq!(normalize(200, 4, ACCESS_BANDWIDTH, 2), Some(800));
        assert_eq!(normalize(20, 1024, ACCESS_BANDWIDTH, 2), Some(20_480));
        // Not provided / unreachable.
        assert_eq!(normalize(0, 1000, ACCESS_LATENCY, 2), None);
        assert_eq!(normalize(0xFFFF, 1000, ACCESS_LATENCY, 2), None);
        // Overflow of entry × base in 32 bits.
        assert_eq!(normalize(5, 1_000_000_000, ACCESS_LATENCY, 2), None);
        assert_eq!(
            normalize(2, u64::from(u32::MAX / 2), ACCESS_BANDWIDTH, 2),
            Some(u32::MAX - 1)
        );
        assert_eq!(
            normalize(2, u64::from(u32::MAX / 2) + 1, ACCESS_BANDWIDTH, 2),
            None
        );
        assert_eq!(normalize(1, u64::MAX, ACCESS_BANDWIDTH, 2), None);
        // Revision 1: everything / 10 rounded up, below 10 is nothing.
        assert_eq!(normalize(1, 9, ACCESS_LATENCY, 1), None);
        assert_eq!(normalize(1, 10, ACCESS_LATENCY, 1), Some(1));
        assert_eq!(normalize(11, 1, ACCESS_BANDWIDTH, 1), Some(2));
        assert_eq!(normalize(11, 1, ACCESS_BANDWIDTH, 3), None);
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
            ACCESS_LATENCY,
            10_000,
            &inits,
            &targs,
            &[1, 2, 3, 2, 1, 3, 5, 5, 1, 5, 5, 1],
        ));
        h.structures.push(loc(
            ACCESS_BANDWIDTH,
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
                loc(ACCESS_LATENCY, 10_000, &[0, 1], &[0, 2], &[1, 2, 3, 5]),
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
}
