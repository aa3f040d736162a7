//! SRAT as QEMU's `build_srat` (hw/i386/acpi-build.c) writes it:
//!
//! 1. one CPU structure per *possible* vCPU, in CPU index order: type 0 for
//!    APIC ids below 255, type 2 (x2APIC) above; always enabled;
//! 2. memory affinity for each node's boot RAM, node by node, with the
//!    640 KiB-1 MiB hole cut out and the rest split at the end of low RAM
//!    (the upper part relocated to `above_4g_start`);
//! 3. zero, disabled memory structures until there are nodes + 2 of them;
//! 4. Generic Initiator structures, in the order QEMU walks its objects;
//! 5. the hotplug region, hot-pluggable, in the last node.

use super::{Flavor, qemu_header};
use crate::acpi::srat::{
    DeviceHandle, ENABLED, GenericAffinity, LocalApicAffinity, MemoryAffinity, Srat, SratEntry,
    X2ApicAffinity,
};
use crate::layout::qemu::{apic_id, generic_initiator_id, memory_backend_id, sp_mem_backend_id};
use crate::layout::qom::iteration_order;
use crate::pipeline::Compiled;
use crate::units::{KIB, MIB};

const HOLE_640K_START: u64 = 640 * KIB;
const HOLE_640K_END: u64 = MIB;

fn memory(pxm: u32, base: u64, length: u64, flags: u32) -> SratEntry {
    SratEntry::Memory(MemoryAffinity {
        pxm,
        base,
        length,
        flags,
        ..MemoryAffinity::default()
    })
}

pub fn build(c: &Compiled, flavor: Flavor) -> Option<Srat> {
    let (_, l, _) = c.qemu()?;
    let t = &c.topo;
    let header = match flavor {
        Flavor::Qemu => qemu_header(Srat::SIGNATURE, 1, c.acpi_oem_revision),
    };
    let mut srat = Srat::new(header);

    // 1. CPUs.
    let max = u32::try_from(t.machine.topology.max_cpus()).unwrap_or(u32::MAX);
    for cpu in 0..max {
        let pxm = t.node_of_cpu(cpu).map_or(0, |n| t.nodes[n].id.value);
        let apic = apic_id(t, cpu);
        srat.entries.push(if apic < 255 {
            SratEntry::LocalApic(LocalApicAffinity {
                pxm,
                apic_id: apic as u8,
                flags: ENABLED,
                ..LocalApicAffinity::default()
            })
        } else {
            SratEntry::X2Apic(X2ApicAffinity {
                pxm,
                x2apic_id: apic,
                flags: ENABLED,
                ..X2ApicAffinity::default()
            })
        });
    }

    // 2. Memory, node by node, as QEMU walks node_mem.
    let numa_start = srat.entries.len();
    let mut next_base = 0u64;
    for (ix, n) in t.nodes.iter().enumerate() {
        let size = l.nodes.iter().find(|r| r.node == ix).map_or(0, |r| r.size);
        let pxm = n.id.value;
        let mut mem_base = next_base;
        let mut mem_len = size;
        next_base = mem_base.saturating_add(mem_len);
        if mem_base <= HOLE_640K_START && next_base > HOLE_640K_START {
            mem_len -= next_base - HOLE_640K_START;
            if mem_len > 0 {
                srat.entries.push(memory(pxm, mem_base, mem_len, ENABLED));
            }
            if next_base <= HOLE_640K_END {
                next_base = HOLE_640K_END;
                continue;
            }
            mem_base = HOLE_640K_END;
            mem_len = next_base - HOLE_640K_END;
        }
        if mem_base <= l.below_4g && next_base > l.below_4g {
            mem_len -= next_base - l.below_4g;
            if mem_len > 0 {
                srat.entries.push(memory(pxm, mem_base, mem_len, ENABLED));
            }
            mem_base = l.above_4g_start;
            mem_len = next_base - l.below_4g;
            next_base = mem_base.saturating_add(mem_len);
        }
        if mem_len > 0 {
            srat.entries.push(memory(pxm, mem_base, mem_len, ENABLED));
        }
    }

    // 3. QEMU's legacy padding: nodes + 2 memory structures at least.
    while srat.entries.len() - numa_start < t.nodes.len() + 2 {
        srat.entries.push(memory(0, 0, 0, 0));
    }

    // 4. Generic Initiators.
    for (dev, node) in gi_order(c) {
        let pl = l.pci.iter().find(|p| p.device == dev);
        let (bus, devfn) = pl.map_or((0, 0), |p| (p.bus, p.devfn()));
        srat.entries
            .push(SratEntry::GenericInitiator(GenericAffinity {
                pxm: t.nodes[node].id.value,
                handle: DeviceHandle::Pci {
                    segment: 0,
                    bus,
                    devfn,
                },
                flags: ENABLED,
                reserved1: 0,
                reserved2: 0,
            }));
    }

    // 5. The hotplug region; sp-mem devices split it (proposed QEMU series,
    //    not in any release: see the book's SPM chapter).
    if let Some(dm) = l.device_memory {
        let last = t.nodes.last().map_or(0, |n| n.id.value);
        let hot = ENABLED | MemoryAffinity::HOT_PLUGGABLE;
        let mut cursor = dm.start;
        let mut sp: Vec<_> = l.sp_mem.iter().collect();
        sp.sort_by_key(|s| s.region.start);
        for s in sp {
            if s.region.start > cursor {
                srat.entries
                    .push(memory(last, cursor, s.region.start - cursor, hot));
            }
            srat.entries
                .push(memory(s.node_id, s.region.start, s.region.size, ENABLED));
            cursor = s.region.end();
        }
        if dm.end() > cursor {
            srat.entries
                .push(memory(last, cursor, dm.end() - cursor, hot));
        }
    }
    Some(srat)
}

/// (device, node) pairs in the order QEMU emits Generic Initiator
/// structures. QEMU walks `/objects` through a GLib hash table, so the order
/// is that table's iteration order over the object ids, filled in QEMU's
/// creation order: "early" objects (`acpi-generic-initiator`) first, then the
/// "late" memory backends (see [`crate::layout::qom`]).
pub fn gi_order(c: &Compiled) -> Vec<(usize, usize)> {
    let t = &c.topo;
    let mut pairs = Vec::new();
    let mut ids = Vec::new();
    for (d, dev) in t.devices.iter().enumerate() {
        for n in &dev.gi_nodes {
            pairs.push((d, n.value));
            ids.push(generic_initiator_id(
                &dev.name.value,
                t.nodes[n.value].id.value,
            ));
        }
    }
    if let Some((_, l, _)) = c.qemu() {
        ids.extend(l.nodes.iter().map(|r| memory_backend_id(r.node_id)));
        ids.extend(l.sp_mem.iter().map(|s| sp_mem_backend_id(s.node_id)));
    }
    iteration_order(&ids)
        .into_iter()
        .filter_map(|i| pairs.get(i).copied())
        .collect()
}
