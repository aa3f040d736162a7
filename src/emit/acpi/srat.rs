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
//!
//! For the aarch64 `virt` machine, [`build_virt`] follows `build_srat` in
//! hw/arm/virt-acpi-build.c instead. For cloud-hypervisor, [`build_ch`] follows `create_srat_table`
//! (`vmm/src/acpi.rs`) instead.

use super::{Flavor, ch_header, qemu_header};
use crate::acpi::srat::{
    DeviceHandle, ENABLED, GenericAffinity, GiccAffinity, LocalApicAffinity, MemoryAffinity, Srat,
    SratEntry, X2ApicAffinity,
};
use crate::kinds::ChGiHandle;
use crate::layout::qemu::{apic_id, generic_initiator_order, generic_initiator_order_of};
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

/// SRAT as QEMU 10.0's `build_srat` for `virt` (hw/arm/virt-acpi-build.c)
/// writes it, revision 3:
///
/// 1. one GICC Affinity structure per possible vCPU, in CPU index order, its
///    ACPI Processor UID the CPU index, enabled, clock domain 0;
/// 2. one memory affinity structure per node with memory, in node-id order,
///    contiguous from 1 GiB (no hole to cut, no padding entries);
/// 3. Generic Initiator structures, in the order QEMU walks its objects
///    (the same code as on x86, `build_srat_generic_affinity_structures`);
/// 4. device memory, hot-pluggable, in the last node;
/// 5. topoc's own addition, only for a guest that takes this table through
///    the initrd table upgrade under edk2 2022.11 (`acpi-table-upgrade`):
///    the variable-store flash bank as memory of the first memory node.
///    That edk2 reports the bank as write-combined memory, Linux arm64 adds
///    it to memblock, and a range no SRAT entry covers makes the kernel
///    fake one node (T125); covered, NUMA works (measured with QEMU 10.0.2
///    and Debian's 6.1 arm64 kernel: `SRAT: Node 0 PXM 0 [mem
///    0x04000000-0x07ffffff]`). The bank stays unusable (no-map) memory.
pub fn build_virt(c: &Compiled) -> Option<Srat> {
    let (p, l) = c.virt()?;
    let t = &c.topo;
    let mut srat = Srat::new(qemu_header(Srat::SIGNATURE, 3, c.acpi_oem_revision));
    let max = u32::try_from(t.machine.topology.max_cpus()).unwrap_or(u32::MAX);
    for cpu in 0..max {
        srat.entries.push(SratEntry::Gicc(GiccAffinity {
            pxm: t.node_of_cpu(cpu).map_or(0, |n| t.nodes[n].id.value),
            processor_uid: cpu,
            flags: ENABLED,
            clock_domain: 0,
        }));
    }
    for nr in &l.nodes {
        for r in &nr.ranges {
            srat.entries
                .push(memory(nr.node_id, r.start, r.size, ENABLED));
        }
    }
    for (dev, node) in generic_initiator_order_of(t, &l.nodes, &[]) {
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
    if let Some(dm) = l.device_memory {
        let last = t.nodes.last().map_or(0, |n| n.id.value);
        srat.entries.push(memory(
            last,
            dm.start,
            dm.size,
            ENABLED | MemoryAffinity::HOT_PLUGGABLE,
        ));
    }
    if let Some(f) = crate::layout::virt::srat_flash(p)
        && let Some(first) = l.nodes.first()
    {
        srat.entries
            .push(memory(first.node_id, f.start, f.size, ENABLED));
    }
    Some(srat)
}

pub fn build(c: &Compiled, flavor: Flavor) -> Option<Srat> {
    if flavor == Flavor::CloudHypervisor {
        return build_ch(c);
    }
    if c.virt().is_some() {
        return build_virt(c);
    }
    let (p, l, _) = c.qemu()?;
    let t = &c.topo;
    let header = qemu_header(Srat::SIGNATURE, 1, c.acpi_oem_revision);
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

    // 4. Generic Initiators. QEMU 9.0 and 9.1 wrote the handle's bus and
    //    devfn bytes the wrong way round.
    let swapped = p.release.generic_initiator == Some(crate::versions::GiHandle::DevfnBus);
    for (dev, node) in generic_initiator_order(t, l) {
        let pl = l.pci.iter().find(|p| p.device == dev);
        let (mut bus, mut devfn) = pl.map_or((0, 0), |p| (p.bus, p.devfn()));
        if swapped {
            (bus, devfn) = (devfn, bus);
        }
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

    // 5. The hotplug region; sp-mem devices (QEMU 11.1) split it. The order
    //    of the pieces with several devices is not known from the merged code
    //    (the book's qemu chapter): address order is a prediction.
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

/// cloud-hypervisor's PCI Device Handle for a device at `segment:bus:device.function`,
/// as the given release writes it (`GenericInitiatorAffinity::from_pci_bdf`,
/// `vmm/src/acpi.rs`):
///
/// - v51-v53 ([`ChGiHandle::StartEndPairs`]): segment (LE), then bus, bus,
///   device, device, function, function as start/end pairs (its comment
///   cites ACPI 6.6 Table 5-66), then zeros. This is not the segment +
///   16-bit BDF layout QEMU and the ACPI specification use, so the handle
///   decodes as raw bytes; Linux does not read the handle beyond printing
///   it. Measured: the tables a real v53.0 builds (`tests/ch_probe.rs`).
/// - from PR #8766 ([`ChGiHandle::SegmentBusDevfn`]): segment (LE), bus,
///   device << 3 | function, then zeros, which decodes as
///   [`DeviceHandle::Pci`].
pub fn ch_pci_handle(
    style: ChGiHandle,
    segment: u16,
    bus: u8,
    device: u8,
    function: u8,
) -> DeviceHandle {
    match style {
        ChGiHandle::StartEndPairs => {
            let mut bytes = [0u8; 16];
            bytes[0..2].copy_from_slice(&segment.to_le_bytes());
            bytes[2] = bus;
            bytes[3] = bus;
            bytes[4] = device;
            bytes[5] = device;
            bytes[6] = function;
            bytes[7] = function;
            DeviceHandle::from_bytes(1, bytes)
        }
        ChGiHandle::SegmentBusDevfn => DeviceHandle::Pci {
            segment,
            bus,
            devfn: (device & 0x1f) << 3 | (function & 7),
        },
    }
}

/// The SRAT cloud-hypervisor's `create_srat_table` builds: revision 3, OEM
/// "CLOUDH"/"CHSRAT  ", 12 zero bytes after the header (not the 1 the spec
/// asks for at byte 36), then for each `--numa` node in ascending
/// `guest_numa_id`:
///
/// 1. a Memory Affinity structure (enabled) per region of each of its zones,
///    covering the whole region, [0, 1 MiB) included;
/// 2. its virtio-mem hotplug regions (topoc emits none);
/// 3. a Processor Local x2APIC Affinity structure per vCPU in `cpus=` order,
///    x2APIC id from `get_x2apic_id`, enabled, clock domain 0;
/// 4. for a Generic Initiator node, one Generic Initiator Affinity structure
///    (handle type 1, flags enabled only) for the device's guest BDF, in the
///    profile's release's encoding ([`ch_pci_handle`]).
///
/// There are no padding structures and no CPU structures for vCPUs no node
/// lists.
pub fn build_ch(c: &Compiled) -> Option<Srat> {
    let (p, l) = c.ch()?;
    if l.nodes.is_empty() {
        return None;
    }
    let t = &c.topo;
    let mut srat = Srat::new(ch_header(
        Srat::SIGNATURE,
        Srat::REVISION,
        *b"CHSRAT  ",
        c.acpi_oem_revision,
    ));
    srat.reserved1 = 0;
    srat.reserved2 = 0;
    for n in &l.nodes {
        let pxm = n.guest_numa_id;
        if let Some(z) = n.zone.and_then(|z| l.zones.get(z)) {
            for r in &z.regions {
                srat.entries.push(memory(pxm, r.start, r.size, ENABLED));
            }
        }
        for &cpu in &n.cpus {
            srat.entries.push(SratEntry::X2Apic(X2ApicAffinity {
                pxm,
                x2apic_id: crate::layout::cloud_hypervisor::x2apic_id(t, cpu),
                flags: ENABLED,
                ..X2ApicAffinity::default()
            }));
        }
        if let Some((d, slot)) = n.device.and_then(|d| Some((d, l.slot(d)?))) {
            srat.entries
                .push(SratEntry::GenericInitiator(GenericAffinity {
                    pxm,
                    handle: ch_pci_handle(p.version.value.gi_handle(), l.segment(d), 0, slot, 0),
                    flags: ENABLED,
                    reserved1: 0,
                    reserved2: 0,
                }));
        }
    }
    Some(srat)
}
