//! Linux's NUMA nodes: how it numbers them from the SRAT, the distances it
//! reads from the SLIT, the most it can have, and the online node it falls
//! back to.
//!
//! Applied to topoc's predicted SRAT, [`numa_view`] says what node ids the
//! guest should hand out; applied to the guest's own raw SRAT, how it did.

use crate::acpi::srat::{MemoryAffinity, Srat, SratEntry};
use crate::acpi::{Slit, slit};
use std::collections::{BTreeMap, BTreeSet};

/// `MAX_NUMNODES` of the guest kernel topoc predicts for: Debian's 6.1
/// kernels set `CONFIG_NODES_SHIFT=10` (with `CONFIG_MAXSMP=y`; read in
/// `config-6.1.0-56-cloud-amd64`), so 1024 nodes. `MAX_PXM_DOMAINS`
/// (include/acpi/acpi_numa.h) is then `MAX_NUMNODES` too, as it exceeds 256.
pub const MAX_NUMNODES: u32 = 1024;

/// `MAX_NUMNODES` of Debian's arm64 kernels: `CONFIG_NODES_SHIFT=4` in the
/// 6.1 cloud and generic kernels and in bookworm-backports' 6.12 (read in
/// their configs; the book's aarch64 chapter). An SRAT with more proximity
/// domains than this is not used at all: `acpi_map_pxm_to_node` runs out of
/// node ids, the kernel prints "ACPI: SRAT: Too many proximity domains." and
/// "SRAT: SRAT not used.", and the guest falls back to one fake node
/// (measured with 18 domains).
pub const ARM64_MAX_NUMNODES: u32 = 16;

/// Linux's reading of an SRAT (`acpi_numa_init`, drivers/acpi/numa/srat.c,
/// and the x86 handlers in arch/x86/mm/srat.c).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NumaView {
    /// PXM → Linux node, in the order the kernel handed node ids out.
    pub pxm_to_node: BTreeMap<u32, u32>,
    /// Enabled CPU structures in table order: (PXM, APIC id), or on Arm
    /// (PXM, ACPI Processor UID) from the GICC structures.
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
                let pxm = srat_pxm(e, rev).unwrap_or(a.pxm);
                map(pxm, &mut v);
                v.cpus.push((pxm, u32::from(a.apic_id)));
            }
            SratEntry::X2Apic(a) => {
                map(a.pxm, &mut v);
                v.cpus.push((a.pxm, a.x2apic_id));
            }
            SratEntry::Gicc(a) => {
                map(a.pxm, &mut v);
                v.cpus.push((a.pxm, a.processor_uid));
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
            let pxm = srat_pxm(e, rev).unwrap_or(m.pxm);
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

/// The proximity domain Linux reads from one SRAT structure of a table of
/// revision `revision`: under revision 1 only the low 8 bits of a type 0 or
/// type 1 domain (`acpi_numa_processor_affinity_init`,
/// `acpi_numa_memory_affinity_init`), else all 32. `None` for structures
/// without a domain.
pub fn srat_pxm(e: &SratEntry, revision: u8) -> Option<u32> {
    match e {
        SratEntry::LocalApic(a) if revision < 2 => Some(a.pxm & 0xff),
        SratEntry::Memory(m) if revision < 2 => Some(m.pxm & 0xff),
        other => other.pxm(),
    }
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
    use crate::linux::test_tables::{cpu, gi, header, mem};

    #[test]
    fn nodes_follow_first_appearance_cpus_and_gis_before_memory() {
        // The mi300a guest: CPUs in PXM 0 and 1, memory in 0..3, GIs 5 then
        // 4, and a disabled padding entry. Measured on it: GI PXM 5 → node 2,
        // PXM 4 → node 3, memory PXM 2 → node 4, PXM 3 → node 5.
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
        let v = numa_view(&s);
        let m: Vec<(u32, u32)> = v.pxm_to_node.iter().map(|(a, b)| (*a, *b)).collect();
        assert_eq!(m, [(0, 0), (1, 1), (2, 4), (3, 5), (4, 3), (5, 2)]);
        assert_eq!(v.memory.len(), 5, "the disabled padding entry is skipped");
        assert_eq!(v.node_at(0x1_8000_0000), Some(4));
        assert_eq!(v.generic_initiator_nodes(), BTreeSet::from([2, 3]));
    }

    #[test]
    fn nearest_online_node_prefers_the_lowest_id_on_ties() {
        let online = BTreeSet::from([0, 1, 2]);
        let d = |_: u32, b: u32| if b == 0 { 30 } else { 20 };
        assert_eq!(nearest_online(5, &online, &d), 1);
        assert_eq!(nearest_online(2, &online, &d), 2);
    }
}
