//! The booted guest: the RAM the kernel ends up with, its soft-reserved
//! ranges, and the node states of `/sys/devices/system/node` that follow
//! from them, the SRAT and the CPUs that came online.

use super::memory::{BOOT_CUTS, PAGE};
use super::numa::NumaView;
use crate::e820::{Entry, Kind};
use crate::units::GIB;
use std::collections::{BTreeMap, BTreeSet};

/// What the guest kernel has once booted. Ranges are `[start, end)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Guest {
    /// Memblock RAM: the final map's RAM after the kernel's own edits
    /// ([`BOOT_CUTS`]), in whole pages.
    pub ram: Vec<(u64, u64)>,
    /// Soft-reserved ranges of the final map.
    pub soft_reserved: Vec<(u64, u64)>,
    /// Soft-reserved memory went to kmem (System RAM) in this guest.
    pub kmem: bool,
    /// `node/possible`: every node the SRAT produced.
    pub possible: BTreeSet<u32>,
    /// `node/online`: [`Self::boot_online`] and the nodes kmem onlined.
    pub online: BTreeSet<u32>,
    /// Online at boot, before kmem hot-added anything: nodes with CPUs,
    /// boot RAM or a Generic Initiator. A memory-only node whose memory is
    /// all soft-reserved stays offline.
    pub boot_online: BTreeSet<u32>,
    pub has_cpu: BTreeSet<u32>,
    /// Nodes with RAM, kmem memory included.
    pub has_memory: BTreeSet<u32>,
    /// Nodes with boot RAM (kmem memory is `ZONE_MOVABLE`).
    pub has_normal_memory: BTreeSet<u32>,
    pub generic_initiator: BTreeSet<u32>,
    /// Linux node → CPUs.
    pub cpus: BTreeMap<u32, Vec<u32>>,
    /// Linux node → boot RAM bytes.
    pub node_ram: BTreeMap<u32, u64>,
    /// Linux node → bytes kmem hot-added.
    pub node_kmem: BTreeMap<u32, u64>,
}

impl Guest {
    /// The guest that boots on the kernel's final E820 `map` with the nodes
    /// of `numa`, the boot CPUs `cpus` (Linux CPU number, PXM), and its dax
    /// devices handed to kmem when `kmem`.
    pub fn new(numa: &NumaView, map: &[Entry], cpus: &[(u32, u32)], kmem: bool) -> Guest {
        let mut ram: Vec<(u64, u64)> = map
            .iter()
            .filter(|e| e.kind == Kind::Ram)
            .map(|e| (e.addr, e.end()))
            .collect();
        for cut in BOOT_CUTS {
            ram = subtract(ram, cut);
        }
        let ram: Vec<(u64, u64)> = ram
            .into_iter()
            .map(|(s, e)| (s.div_ceil(PAGE) * PAGE, e / PAGE * PAGE))
            .filter(|(s, e)| s < e)
            .collect();
        let soft_reserved: Vec<(u64, u64)> = map
            .iter()
            .filter(|e| e.kind == Kind::SoftReserved)
            .map(|e| (e.addr, e.end()))
            .collect();
        let mut node_ram = BTreeMap::new();
        for m in &numa.memory {
            let r = (m.start, m.end.saturating_add(1));
            let bytes = total(ram.iter().filter_map(|&x| overlap(x, r)));
            let n = node_ram.entry(m.node).or_insert(0u64);
            *n = n.saturating_add(bytes);
        }
        let mut node_kmem = BTreeMap::new();
        if kmem {
            for &(s, e) in &soft_reserved {
                if let Some(n) = numa.node_at(s) {
                    let k = node_kmem.entry(n).or_insert(0u64);
                    *k = k.saturating_add(e - s);
                }
            }
        }
        let mut node_cpus: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        for (cpu, pxm) in cpus {
            if let Some(n) = numa.node_of(*pxm) {
                node_cpus.entry(n).or_default().push(*cpu);
            }
        }
        let has_cpu: BTreeSet<u32> = node_cpus.keys().copied().collect();
        let has_normal_memory: BTreeSet<u32> = node_ram
            .iter()
            .filter(|(_, b)| **b > 0)
            .map(|(n, _)| *n)
            .collect();
        let mut has_memory = has_normal_memory.clone();
        has_memory.extend(node_kmem.keys().copied());
        let generic_initiator = numa.generic_initiator_nodes();
        let mut boot_online = has_cpu.clone();
        boot_online.extend(&has_normal_memory);
        boot_online.extend(&generic_initiator);
        let mut online = boot_online.clone();
        online.extend(&has_memory);
        Guest {
            ram,
            soft_reserved,
            kmem,
            possible: numa.possible(),
            online,
            boot_online,
            has_cpu,
            has_memory,
            has_normal_memory,
            generic_initiator,
            cpus: node_cpus,
            node_ram,
            node_kmem,
        }
    }

    /// A PCI device's `numa_node`: the node of the `_PXM` of the host bridge
    /// it sits behind, when that node is online at boot, else -1. x86's
    /// `pci_acpi_scan_root` drops a node that is not online when it scans
    /// the bridge (so kmem onlining the node later does not change it), and
    /// every device takes its bus's node (`pci_device_add`). QEMU's root bus
    /// (`pcie.0`, `pci.0`) has no `_PXM`.
    pub fn pci_numa_node(&self, numa: &NumaView, bridge_pxm: Option<u32>) -> i64 {
        bridge_pxm
            .and_then(|pxm| numa.node_of(pxm))
            .filter(|node| self.boot_online.contains(node))
            .map_or(-1, i64::from)
    }

    /// What `Initmem setup node N [mem …]` spans: the first to the last
    /// byte of boot RAM inside the node's SRAT ranges, `[start, end)`;
    /// `None` for a memoryless node.
    pub fn initmem_span(&self, numa: &NumaView, node: u32) -> Option<(u64, u64)> {
        let ranges: Vec<(u64, u64)> = numa
            .memory
            .iter()
            .filter(|m| m.node == node)
            .map(|m| (m.start, m.end.saturating_add(1)))
            .collect();
        let pieces: Vec<(u64, u64)> = self
            .ram
            .iter()
            .flat_map(|&x| ranges.iter().filter_map(move |&r| overlap(x, r)))
            .collect();
        pieces
            .iter()
            .map(|p| p.0)
            .min()
            .zip(pieces.iter().map(|p| p.1).max())
    }

    /// The last byte of RAM below 4 GiB, where the swiotlb bounce buffer
    /// goes.
    pub fn swiotlb_top(&self) -> Option<u64> {
        self.ram
            .iter()
            .filter(|(s, _)| *s < 4 * GIB)
            .map(|&(_, e)| e.min(4 * GIB) - 1)
            .max()
    }
}

/// The bytes in `[start, end)` ranges, saturating: ranges read from a guest
/// may overlap or span the whole address space.
pub fn total(ranges: impl IntoIterator<Item = (u64, u64)>) -> u64 {
    ranges
        .into_iter()
        .fold(0, |t, (s, e)| t.saturating_add(e.saturating_sub(s)))
}

/// `[start, end)` pieces of `pieces` minus `cut`.
fn subtract(pieces: Vec<(u64, u64)>, cut: (u64, u64)) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    for (s, e) in pieces {
        if cut.1 <= s || cut.0 >= e {
            out.push((s, e));
            continue;
        }
        if s < cut.0 {
            out.push((s, cut.0));
        }
        if cut.1 < e {
            out.push((cut.1, e));
        }
    }
    out
}

/// The overlap of two `[start, end)` ranges, if they share a byte.
pub fn overlap(a: (u64, u64), b: (u64, u64)) -> Option<(u64, u64)> {
    let s = a.0.max(b.0);
    let e = a.1.min(b.1);
    (s < e).then_some((s, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acpi::Srat;
    use crate::linux::numa::numa_view;
    use crate::linux::test_tables::{cpu, header, mem};
    use crate::units::MIB;

    #[test]
    fn a_node_of_soft_reserved_memory_stays_offline_until_kmem() {
        // Node 0: CPU and 1 GiB RAM; node 1: 256 MiB, all soft-reserved.
        let mut s = Srat::new(header(b"SRAT", 1));
        s.entries = vec![cpu(0, 0), mem(0, 0, 1 << 30), mem(1, 1 << 30, 256 * MIB)];
        let numa = numa_view(&s);
        let map = [
            Entry::new(0, 0x9fc00, Kind::Ram),
            Entry::new(MIB, (1 << 30) - MIB, Kind::Ram),
            Entry::new(1 << 30, 256 * MIB, Kind::SoftReserved),
        ];
        let g = Guest::new(&numa, &map, &[(0, 0)], false);
        assert_eq!(g.online, BTreeSet::from([0]));
        assert_eq!(g.possible, BTreeSet::from([0, 1]));
        // Page 0 and 640 KiB–1 MiB are not RAM; 0x9fc00 is cut to a page.
        assert_eq!(g.ram[0], (0x1000, 0x9f000));
        assert_eq!(g.initmem_span(&numa, 0), Some((0x1000, 1 << 30)));
        assert_eq!(g.initmem_span(&numa, 1), None);
        assert_eq!(g.swiotlb_top(), Some((1 << 30) - 1));
        let g = Guest::new(&numa, &map, &[(0, 0)], true);
        assert_eq!(g.online, BTreeSet::from([0, 1]));
        assert_eq!(g.node_kmem.get(&1), Some(&(256 * MIB)));
        assert!(!g.has_normal_memory.contains(&1));
    }
}
