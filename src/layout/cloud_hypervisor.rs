//! Guest-physical layout of a cloud-hypervisor x86_64 guest, as
//! cloud-hypervisor builds it from the command line topoc emits.
//!
//! Everything here reproduces cloud-hypervisor's own code (read at the
//! `cloud-hypervisor/cloud-hypervisor` snapshot the book's target chapter
//! names; paths below are in that repository), so that the E820 maps and the
//! SRAT topoc predicts are the ones the guest gets:
//!
//! - RAM: `arch_memory_regions()` (`arch/src/x86_64/mod.rs`) offers two RAM
//!   ranges, `[0, 3 GiB)` and `[4 GiB, ∞)`. `create_memory_regions_from_zones`
//!   (`vmm/src/memory_manager.rs`) packs the `--memory-zone`s into them in
//!   command-line order, back to back from GPA 0, splitting a zone that does
//!   not fit below 3 GiB and continuing it at 4 GiB. Each piece is rounded
//!   down to the zone's alignment (`align_down(ram_region.1 - offset,
//!   zone_align_size)`, `memory_zone_get_align_size`: the host page size, the
//!   hugepage size, or the backing file's block size), so a hugepage zone can
//!   leave a hole below 3 GiB; when nothing of a zone fits, the zone moves on
//!   to 4 GiB and the hole is never back-filled.
//! - The area after RAM (`MemoryManager::start_addr`): right after the last
//!   RAM byte, or at 4 GiB when RAM ends below 3 GiB. topoc emits no
//!   `hotplug_size`, so no hotplug region sits there and the 64-bit PCI
//!   device area starts at that address; it ends 64 KiB + 1 MiB below
//!   2^phys_bits (`mmio_address_space_size`, `PLATFORM_DEVICE_AREA_SIZE`).
//! - The E820 maps, both of them: the PVH memmap (`configure_pvh`,
//!   `generate_ram_ranges`) and the bzImage zero page (`configure_32bit_entry`),
//!   each with the PCI MMCONFIG window reserved. The guest kernel's view adds
//!   what Linux itself adds (the ISA range on PVH) and sorts and merges.
//! - x2APIC ids: `get_x2apic_id` (`arch/src/x86_64/mod.rs`).
//!
//! The layout also decides what of the IR reaches cloud-hypervisor at all
//! (the [`ChLayout::dropped_devices`] and [`ChLayout::dropped_nodes`]): the
//! check stage refuses those, or warns about them when the fallback is on.
//!
//! The layout is total: it never fails and never panics, whatever the IR.
//! Whether cloud-hypervisor would accept the result is the check stage's
//! business; it reads the same numbers.

use super::Region;
use crate::e820::{Entry, KernelRules, Kind, sanitize};
use crate::kinds::ChBoot;
use crate::model::derive::Derived;
use crate::model::{DevIx, DeviceSource, NodeIx, Topology};
use crate::target::ChProfile;
use crate::units::{GIB, KIB, MIB};
use std::collections::BTreeSet;

/// `layout::EBDA_START`: low RAM ends here; the PVH memmap's first entry.
pub const EBDA_START: u64 = 0xa_0000;
/// `layout::HIGH_RAM_START`: 1 MiB.
pub const HIGH_RAM_START: u64 = MIB;
/// `layout::MEM_32BIT_RESERVED_START`: 3 GiB, where the 32-bit hole begins.
pub const MEM_32BIT_RESERVED_START: u64 = 3 * GIB;
/// `layout::PCI_MMCONFIG_START`: 3 GiB + 640 MiB of 32-bit device space.
pub const PCI_MMCONFIG_START: u64 = MEM_32BIT_RESERVED_START + 640 * MIB;
/// `layout::PCI_MMCONFIG_SIZE`: 256 MiB, reserved in both E820 maps.
pub const PCI_MMCONFIG_SIZE: u64 = 256 * MIB;
/// `layout::RAM_64BIT_START`: 4 GiB.
pub const RAM_64BIT_START: u64 = 4 * GIB;
/// Linux's `ISA_START_ADDRESS`..`ISA_END_ADDRESS`, which a PVH kernel adds as
/// reserved (`init_pvh_bootparams`, arch/x86/platform/pvh/enlighten.c).
pub const ISA_START: u64 = 0xa_0000;
pub const ISA_END: u64 = 0x10_0000;
/// `PLATFORM_DEVICE_AREA_SIZE` (`vmm/src/memory_manager.rs`).
pub const PLATFORM_DEVICE_AREA_SIZE: u64 = MIB;
/// `DEFAULT_MAX_PHYS_BITS`: cloud-hypervisor uses min(host, 46) physical
/// address bits (`vm.rs physical_bits`); topoc emits no `max_phys_bits`.
pub const MAX_PHYS_BITS: u8 = 46;
/// The host page size on x86_64, cloud-hypervisor's alignment for zones
/// without hugepages or a hugetlbfs file.
pub const HOST_PAGE_SIZE: u64 = 4 * KIB;
/// What the layout assumes for `hugepages = true` without a size: the x86
/// default hugepage size, which cloud-hypervisor reads from `/dev/hugepages`.
pub const ASSUMED_HUGEPAGE_SIZE: u64 = 2 * MIB;
/// Devices without a `guest-slot` get the next free slot from here, like the
/// qemu target, so the Generic Initiator handle is the same on both; once
/// slot 31 is taken, the free slots below 16 from 15 down.
pub const FIRST_AUTO_SLOT: u8 = 16;
/// The last slot of a PCI bus (`pci_device_id` must be below 32).
pub const LAST_SLOT: u8 = 31;
/// PCI devices cloud-hypervisor adds on its own to the command line topoc
/// emits: the virtio console (`--console`, `tty` by default) and the
/// virtio-rng (`--rng`, always there). They take free slots from 1 after
/// every `pci_device_id` is reserved (`reserve_explicit_device_ids`), so
/// slots 1-31 hold at most 29 passed-through devices (measured with v53.0:
/// 30 pinned devices give "Could not find an available device slot on the
/// PCI bus").
pub const CH_OWN_PCI_DEVICES: usize = 2;
/// KVM's largest memory slot: `KVM_MEM_MAX_NR_PAGES` (2^31 - 1) pages of
/// 4 KiB. Each region of a zone is one slot (`create_userspace_mapping`);
/// KVM refuses a larger one with EINVAL (measured with v53.0: a region of
/// exactly 8 TiB fails, "Failed to create user memory ... Invalid argument").
pub const KVM_MAX_MEMSLOT: u64 = ((1 << 31) - 1) * HOST_PAGE_SIZE;
/// KVM's default vCPU limit on x86_64 (`KVM_MAX_VCPUS` =
/// `CONFIG_KVM_MAX_NR_VCPUS`, 1024 unless the kernel was built with more),
/// which cloud-hypervisor reads as `KVM_CAP_MAX_VCPUS`.
pub const KVM_DEFAULT_MAX_VCPUS: u64 = 1024;
/// The most `CONFIG_KVM_MAX_NR_VCPUS` allows on x86_64.
pub const KVM_MAX_VCPUS_CEILING: u64 = 4096;

/// One `--memory-zone`: a node's memory and where cloud-hypervisor maps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Zone {
    pub node: NodeIx,
    pub node_id: u32,
    /// The zone's `id=`.
    pub id: String,
    pub size: u64,
    /// What cloud-hypervisor rounds each of the zone's regions down to.
    pub align: u64,
    /// `false` when `align` is the layout's assumption, not a known value.
    pub align_known: bool,
    /// The guest-physical regions (`GuestRegionMmap`s), in address order.
    pub regions: Vec<Region>,
}

/// One `--numa` node as topoc emits it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChNode {
    pub node: NodeIx,
    pub guest_numa_id: u32,
    pub cpus: Vec<u32>,
    /// Index into [`ChLayout::zones`].
    pub zone: Option<usize>,
    pub memory_zone: Option<String>,
    /// The device of a Generic Initiator node.
    pub device: Option<DevIx>,
    pub device_id: Option<String>,
    /// `distances=`: destination `guest_numa_id` and distance, in the order
    /// they are written.
    pub distances: Vec<(u32, u8)>,
}

/// One `--device` (VFIO passthrough).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChDevice {
    pub device: DevIx,
    pub id: String,
    /// The host PCI address, `0000:41:00.0`.
    pub host: String,
    /// `pci_device_id=`: the slot on bus 0 of its segment; `None` when all
    /// slots are taken.
    pub slot: Option<u8>,
    /// `pci_segment=`: 0, or the segment of the node named by `numa-node`.
    pub segment: u16,
}

#[derive(Clone, Debug)]
pub struct ChLayout {
    /// `--cpus topology=`: threads per core, cores per die, dies per
    /// package, packages.
    pub topology: [u64; 4],
    pub boot_vcpus: u64,
    pub max_vcpus: u64,
    pub nodes: Vec<ChNode>,
    pub zones: Vec<Zone>,
    pub devices: Vec<ChDevice>,
    /// PCI segments from 1 on, one per node with devices (`numa-node`), in
    /// order of their first device: `--platform num_pci_segments=` is one
    /// more, and each node lists its segment in `--numa pci_segments=`.
    pub segments: Vec<NodeIx>,
    /// Devices cloud-hypervisor cannot take (emulated stand-ins), left out.
    pub dropped_devices: Vec<DevIx>,
    /// Generic Initiator nodes left with no device once those are out.
    pub dropped_nodes: Vec<NodeIx>,
    /// One past the highest RAM byte (0 without RAM).
    pub ram_end: u64,
    /// `start_of_device_area`: where the 64-bit PCI device area begins.
    pub start_of_device_area: u64,
    /// `end_of_device_area` (inclusive) with 46 physical address bits, the
    /// most cloud-hypervisor uses; a host with fewer bits lowers it.
    pub end_of_device_area: u64,
    /// The PVH memmap (`hvm_memmap_table_entry`s), in cloud-hypervisor's order.
    pub pvh_memmap: Vec<Entry>,
    /// Why cloud-hypervisor cannot build the PVH memmap, when it cannot.
    pub pvh_error: Option<String>,
    /// The bzImage zero page `e820_table`, in cloud-hypervisor's order.
    pub bzimage_e820: Vec<Entry>,
    /// What the prediction rests on.
    pub assumptions: Vec<String>,
}

impl ChLayout {
    /// The map cloud-hypervisor hands the guest for this boot path.
    pub fn boot_e820(&self, boot: ChBoot) -> &[Entry] {
        match boot {
            ChBoot::Pvh => &self.pvh_memmap,
            ChBoot::Bzimage => &self.bzimage_e820,
        }
    }

    /// The map the guest kernel prints as `BIOS-e820:` for this boot path:
    /// on PVH Linux appends the ISA range as reserved
    /// (`init_pvh_bootparams`), then either way it sorts and merges
    /// (`e820__update_table`).
    pub fn guest_e820(&self, boot: ChBoot) -> Vec<Entry> {
        let mut table = self.boot_e820(boot).to_vec();
        if boot == ChBoot::Pvh && table.len() < crate::linux::e820::ZEROPAGE_ENTRIES - 1 {
            table.push(Entry::new(ISA_START, ISA_END - ISA_START, Kind::Reserved));
        }
        sanitize(&table, KernelRules::LINUX_6_1).unwrap_or(table)
    }

    /// The `--numa` node of an IR node, when it is emitted.
    pub fn node(&self, n: NodeIx) -> Option<&ChNode> {
        self.nodes.iter().find(|c| c.node == n)
    }

    /// The slot of an emitted device.
    pub fn slot(&self, d: DevIx) -> Option<u8> {
        self.devices
            .iter()
            .find(|c| c.device == d)
            .and_then(|c| c.slot)
    }

    /// The PCI segment of device `d` (0 when it is not emitted).
    pub fn segment(&self, d: DevIx) -> u16 {
        self.devices
            .iter()
            .find(|c| c.device == d)
            .map_or(0, |c| c.segment)
    }

    /// The segments whose host bridge is node `n`'s.
    pub fn segments_of(&self, n: NodeIx) -> Vec<u16> {
        self.segments
            .iter()
            .enumerate()
            .filter(|&(_, &m)| m == n)
            .map(|(k, _)| u16::try_from(k + 1).unwrap_or(u16::MAX))
            .collect()
    }
}

/// What the host must provide for cloud-hypervisor to start the command
/// line at all: these depend on the host, not on cloud-hypervisor, so topoc
/// states them instead of refusing (`tests/ch_accept.rs` predicts the
/// binary's refusal from each of them on the host it runs on).
fn host_assumptions(
    t: &Topology,
    zones: &[Zone],
    devices: &[ChDevice],
    max_vcpus: u64,
) -> Vec<String> {
    use crate::units::fmt_size;
    let mut out = Vec::new();
    if max_vcpus > KVM_DEFAULT_MAX_VCPUS {
        out.push(format!(
            "the host's KVM creates {max_vcpus} vCPUs (KVM_CAP_MAX_VCPUS: {KVM_DEFAULT_MAX_VCPUS} unless the kernel was built with a larger CONFIG_KVM_MAX_NR_VCPUS, at most {KVM_MAX_VCPUS_CEILING})"
        ));
    }
    for z in zones {
        let Some(m) = &t.nodes[z.node].memory else {
            continue;
        };
        let b = &m.backend;
        if let Some(&h) = b.host_nodes.first() {
            out.push(format!(
                "the host has NUMA node {h}, which zone {} is bound to (host_numa_node={h}; mbind fails with EINVAL otherwise)",
                z.id
            ));
        }
        if let Some(hp) = &b.hugepages {
            if hp.is_none() && b.path.is_none() {
                out.push(format!(
                    "/dev/hugepages is a hugetlbfs mount (cloud-hypervisor reads zone {}'s hugepage size from it)",
                    z.id
                ));
            }
            let first = z.regions.first().is_some_and(|r| r.start == 0);
            out.push(format!(
                "the host has {} of free {} hugepages for zone {} (cloud-hypervisor maps them with MAP_NORESERVE, so a missing page kills it with SIGBUS when first touched{})",
                fmt_size(z.size),
                fmt_size(z.align),
                z.id,
                if first {
                    "; this zone holds GPA 0, where the ACPI tables are written at start"
                } else {
                    ""
                }
            ));
        }
        if let Some(path) = &b.path {
            out.push(format!(
                "the backing file {path} of zone {} exists, is not a directory and holds {} (cloud-hypervisor opens it and never creates it)",
                z.id,
                fmt_size(z.size)
            ));
        }
    }
    for d in devices {
        out.push(format!(
            "host PCI device {} is bound to vfio-pci and /dev/vfio/vfio exists",
            d.host
        ));
    }
    out
}

/// `memory_zone_get_align_size`: hugepage size when given; the hugetlbfs
/// block size for `hugepages` without a size or a backing file (assumed 2 MiB
/// and page size respectively: the host decides); else the page size.
fn zone_align(t: &Topology, n: NodeIx) -> (u64, bool) {
    let Some(m) = &t.nodes[n].memory else {
        return (HOST_PAGE_SIZE, true);
    };
    match (&m.backend.hugepages, &m.backend.path) {
        (Some(Some(size)), _) => ((*size).max(1), true),
        (Some(None), _) => (ASSUMED_HUGEPAGE_SIZE, false),
        (None, Some(_)) => (HOST_PAGE_SIZE, false),
        (None, None) => (HOST_PAGE_SIZE, true),
    }
}

/// cloud-hypervisor's `align_down`: a mask, so exact for powers of two.
fn align_down(v: u64, align: u64) -> u64 {
    v & !(align.max(1) - 1)
}

/// x2APIC id of a vCPU index: `get_x2apic_id(cpu, Some(topology))` packs
/// thread | core | die | socket, each field ceil(log2(count)) bits wide
/// (`u16::BITS - (n - 1).leading_zeros()`), threads varying fastest.
pub fn x2apic_id(t: &Topology, cpu: u32) -> u32 {
    let topo = &t.machine.topology;
    let (th, co, di) = (
        u64::from(topo.threads.value.max(1)),
        u64::from(topo.cores.value.max(1)),
        u64::from(topo.dies.value.max(1)),
    );
    let width = |n: u64| 64 - (n - 1).leading_zeros();
    let cpu = u64::from(cpu);
    let thread = cpu % th;
    let core = cpu / th % co;
    let die = cpu / (th * co) % di;
    let socket = cpu / (th * co * di);
    let (tw, cw, dw) = (width(th), width(co), width(di));
    let id = thread | core << tw | die << (tw + cw) | socket.checked_shl(tw + cw + dw).unwrap_or(0);
    u32::try_from(id).unwrap_or(u32::MAX)
}

/// The zone ids: a named node's name (names are unique across nodes and
/// devices, which share cloud-hypervisor's one identifier namespace), else
/// `mem<id>`, made unique against every name and earlier id, so that
/// `IdentifierNotUnique` and `MemoryZoneReused` cannot happen.
fn zone_ids(t: &Topology, nodes: &[NodeIx]) -> Vec<String> {
    let mut taken: BTreeSet<String> = t
        .nodes
        .iter()
        .filter_map(|n| n.name.as_ref().map(|s| s.value.clone()))
        .chain(t.devices.iter().map(|d| d.name.value.clone()))
        .collect();
    let mut out = Vec::new();
    for &n in nodes {
        let node = &t.nodes[n];
        let id = match &node.name {
            Some(name) => name.value.clone(),
            None => {
                let base = format!("mem{}", node.id.value);
                let mut id = base.clone();
                let mut k = 1;
                while taken.contains(&id) {
                    id = format!("{base}-{k}");
                    k += 1;
                }
                id
            }
        };
        taken.insert(id.clone());
        out.push(id);
    }
    out
}

/// `create_memory_regions_from_zones` over `arch_memory_regions()`'s two RAM
/// ranges.
fn place(zones: &mut [Zone]) {
    let ram = [
        (0u64, MEM_32BIT_RESERVED_START),
        (RAM_64BIT_START, u64::MAX),
    ];
    if zones.is_empty() {
        return;
    }
    let mut zi = 0usize;
    let mut zone_offset = 0u64;
    'ranges: for (start, size) in ram {
        let mut offset = 0u64;
        loop {
            let available = align_down(size - offset, zones[zi].align);
            if available == 0 {
                break;
            }
            let zone_rest = zones[zi].size.saturating_sub(zone_offset);
            let region_start = start.saturating_add(offset);
            let (len, next_zone, consumed) = if zone_rest <= available {
                offset += zone_rest;
                (zone_rest, true, zone_rest == available)
            } else {
                zone_offset += available;
                (available, false, true)
            };
            if len > 0 {
                zones[zi].regions.push(Region::new(region_start, len));
            }
            if next_zone {
                zone_offset = 0;
                zi += 1;
                if zi == zones.len() {
                    break 'ranges;
                }
            }
            if consumed {
                break;
            }
        }
    }
}

/// `generate_ram_ranges` + `configure_pvh`: low RAM, the contiguous runs of
/// guest memory (the first clipped to start at 1 MiB), MMCONFIG reserved.
fn pvh_memmap(regions: &[Region]) -> (Vec<Entry>, Option<String>) {
    let mut out = vec![Entry::new(0, EBDA_START, Kind::Ram)];
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for r in regions {
        match runs.last_mut() {
            Some((_, end)) if *end == r.start => *end = r.end(),
            _ => runs.push((r.start, r.end())),
        }
    }
    let mut error = None;
    match runs.first() {
        Some(&(s, e))
            if s <= HIGH_RAM_START && e > HIGH_RAM_START && e <= MEM_32BIT_RESERVED_START =>
        {
            out.push(Entry::new(HIGH_RAM_START, e - HIGH_RAM_START, Kind::Ram));
        }
        Some(&(s, e)) => {
            error = Some(format!(
                "the first RAM run [{s:#x}, {e:#x}) does not start at or below 1 MiB and end above 1 MiB and at or below 3 GiB"
            ));
        }
        None => error = Some("there is no RAM".to_string()),
    }
    for &(s, e) in runs.iter().skip(1) {
        out.push(Entry::new(s, e - s, Kind::Ram));
    }
    out.push(Entry::new(
        PCI_MMCONFIG_START,
        PCI_MMCONFIG_SIZE,
        Kind::Reserved,
    ));
    (out, error)
}

/// `configure_32bit_entry`: low RAM, `[1 MiB, min(RAM end, 3 GiB))`, then one
/// entry from 4 GiB to the end of RAM, whatever holes lie in between,
/// MMCONFIG reserved.
fn bzimage_e820(ram_end: u64) -> Vec<Entry> {
    let mut out = vec![Entry::new(0, EBDA_START, Kind::Ram)];
    let mem_end = ram_end.saturating_sub(1);
    if mem_end < MEM_32BIT_RESERVED_START {
        out.push(Entry::new(
            HIGH_RAM_START,
            (mem_end + 1).saturating_sub(HIGH_RAM_START),
            Kind::Ram,
        ));
    } else {
        out.push(Entry::new(
            HIGH_RAM_START,
            MEM_32BIT_RESERVED_START - HIGH_RAM_START,
            Kind::Ram,
        ));
        if mem_end > RAM_64BIT_START {
            out.push(Entry::new(
                RAM_64BIT_START,
                mem_end - RAM_64BIT_START + 1,
                Kind::Ram,
            ));
        }
    }
    out.push(Entry::new(
        PCI_MMCONFIG_START,
        PCI_MMCONFIG_SIZE,
        Kind::Reserved,
    ));
    out
}

/// Segments and slots for the emitted devices. A device with `numa-node`
/// goes on the PCI segment of that node (one per node, from 1 on, in order
/// of the first device; the segment's host bridge has the node's `_PXM`),
/// the others on segment 0. Within a segment: `guest-slot`, else the next
/// free slot from [`FIRST_AUTO_SLOT`] to 31, then from 15 down to 1; `None`
/// once every slot is taken.
fn place_devices(t: &Topology, devices: &[DevIx]) -> (Vec<ChDevice>, Vec<NodeIx>) {
    let mut segments: Vec<NodeIx> = Vec::new();
    let segment_of: Vec<u16> = devices
        .iter()
        .map(|&d| match &t.devices[d].numa_node {
            None => 0,
            Some(n) => {
                let k = match segments.iter().position(|&m| m == n.value) {
                    Some(k) => k,
                    None => {
                        segments.push(n.value);
                        segments.len() - 1
                    }
                };
                u16::try_from(k + 1).unwrap_or(u16::MAX)
            }
        })
        .collect();
    let mut used: Vec<(u16, u8)> = devices
        .iter()
        .zip(&segment_of)
        .filter_map(|(&d, &seg)| t.devices[d].guest_slot.as_ref().map(|s| (seg, s.value)))
        .collect();
    let order: Vec<u8> = (FIRST_AUTO_SLOT..=LAST_SLOT)
        .chain((1..FIRST_AUTO_SLOT).rev())
        .collect();
    let placed = devices
        .iter()
        .zip(&segment_of)
        .map(|(&d, &segment)| {
            let dev = &t.devices[d];
            let slot = match &dev.guest_slot {
                Some(s) => Some(s.value),
                None => {
                    let free = order
                        .iter()
                        .copied()
                        .find(|s| !used.contains(&(segment, *s)));
                    if let Some(s) = free {
                        used.push((segment, s));
                    }
                    free
                }
            };
            let host = match &dev.source.value {
                DeviceSource::Host(a) => a.to_string(),
                DeviceSource::Emulated(e) => e.to_string(),
            };
            ChDevice {
                device: d,
                id: dev.name.value.clone(),
                host,
                slot,
                segment,
            }
        })
        .collect();
    (placed, segments)
}

pub fn layout(t: &Topology, derived: &Derived, p: &ChProfile) -> ChLayout {
    // Devices: VFIO passthrough only; cloud-hypervisor has no emulated
    // stand-in for a GPU.
    let (devices, dropped_devices): (Vec<DevIx>, Vec<DevIx>) = (0..t.devices.len())
        .partition(|&d| matches!(t.devices[d].source.value, DeviceSource::Host(_)));

    // Nodes: every node, except Generic Initiator nodes whose devices are
    // all left out (they would be empty, which cloud-hypervisor refuses).
    let mut emitted: Vec<NodeIx> = Vec::new();
    let mut dropped_nodes = Vec::new();
    for (ix, n) in t.nodes.iter().enumerate() {
        let bare = !n.has_cpus() && !n.has_memory();
        if bare
            && n.is_generic_initiator()
            && n.gi_devices.iter().all(|d| dropped_devices.contains(d))
        {
            dropped_nodes.push(ix);
        } else {
            emitted.push(ix);
        }
    }

    // Zones, in node id order: that is the command-line order.
    let with_memory: Vec<NodeIx> = emitted
        .iter()
        .copied()
        .filter(|&n| t.nodes[n].has_memory())
        .collect();
    let ids = zone_ids(t, &with_memory);
    let mut zones: Vec<Zone> = with_memory
        .iter()
        .zip(ids)
        .map(|(&n, id)| {
            let (align, align_known) = zone_align(t, n);
            Zone {
                node: n,
                node_id: t.nodes[n].id.value,
                id,
                size: t.nodes[n].memory_size(),
                align,
                align_known,
                regions: Vec::new(),
            }
        })
        .collect();
    place(&mut zones);
    let mut regions: Vec<Region> = zones.iter().flat_map(|z| z.regions.clone()).collect();
    regions.sort();
    let ram_end = regions.iter().map(Region::end).max().unwrap_or(0);
    let start_of_device_area = if ram_end == 0 || ram_end - 1 < MEM_32BIT_RESERVED_START {
        RAM_64BIT_START
    } else {
        ram_end
    };
    let end_of_device_area = (1u64 << MAX_PHYS_BITS) - (1 << 16) - PLATFORM_DEVICE_AREA_SIZE - 1;
    let (pvh, pvh_error) = pvh_memmap(&regions);

    // Distances: each node's own row, from the SLIT topoc derived. When the
    // matrix is symmetric, each node lists only the nodes after it and
    // cloud-hypervisor's create_slit_table mirrors the rest.
    let symmetric = derived.slit.as_ref().is_none_or(|s| {
        emitted
            .iter()
            .all(|&i| emitted.iter().all(|&j| s.matrix[i][j] == s.matrix[j][i]))
    });
    let (placed, segments) = place_devices(t, &devices);
    let nodes: Vec<ChNode> = emitted
        .iter()
        .enumerate()
        .map(|(pos, &n)| {
            let node = &t.nodes[n];
            let zone = zones.iter().position(|z| z.node == n);
            let device = (!node.has_cpus() && !node.has_memory())
                .then(|| {
                    node.gi_devices
                        .iter()
                        .copied()
                        .find(|d| devices.contains(d))
                })
                .flatten();
            let distances = match &derived.slit {
                Some(s) => emitted
                    .iter()
                    .enumerate()
                    .filter(|&(q, &m)| m != n && (!symmetric || q > pos))
                    .map(|(_, &m)| (t.nodes[m].id.value, s.matrix[n][m]))
                    .collect(),
                None => Vec::new(),
            };
            ChNode {
                node: n,
                guest_numa_id: node.id.value,
                cpus: node.cpus.value.clone(),
                zone,
                memory_zone: zone.map(|z| zones[z].id.clone()),
                device,
                device_id: device.map(|d| t.devices[d].name.value.clone()),
                distances,
            }
        })
        .collect();

    let mut assumptions = vec![
        format!(
            "the host's page size is {} (x86_64)",
            crate::units::fmt_size(HOST_PAGE_SIZE)
        ),
        format!(
            "the host has at least {MAX_PHYS_BITS} physical address bits (cloud-hypervisor uses at most that many)"
        ),
    ];
    for z in zones.iter().filter(|z| !z.align_known) {
        let what = match t.nodes[z.node]
            .memory
            .as_ref()
            .map(|m| &m.backend.hugepages)
        {
            Some(Some(None)) => format!(
                "hugepages of {} (the host's default, read from /dev/hugepages or the backing file)",
                crate::units::fmt_size(z.align)
            ),
            _ => format!(
                "a backing file whose file system block size is at most {} (not hugetlbfs)",
                crate::units::fmt_size(z.align)
            ),
        };
        assumptions.push(format!("zone {} is aligned to {what}", z.id));
    }
    assumptions.extend(host_assumptions(
        t,
        &zones,
        &placed,
        t.machine.topology.max_cpus(),
    ));
    if p.firmware.is_some() {
        assumptions.push(
            "the guest kernel's E820 comes from the firmware, which rewrites the map cloud-hypervisor hands it; the guest view is that of a direct kernel boot".to_string(),
        );
    }

    let topo = &t.machine.topology;
    ChLayout {
        topology: [
            u64::from(topo.threads.value),
            u64::from(topo.cores.value),
            u64::from(topo.dies.value),
            u64::from(topo.sockets.value),
        ],
        boot_vcpus: u64::from(t.machine.boot_cpus.value),
        max_vcpus: topo.max_cpus(),
        nodes,
        zones,
        devices: placed,
        segments,
        dropped_devices,
        dropped_nodes,
        ram_end,
        start_of_device_area,
        end_of_device_area,
        pvh_memmap: pvh,
        pvh_error,
        bzimage_e820: bzimage_e820(ram_end),
        assumptions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zone(size: u64, align: u64) -> Zone {
        Zone {
            node: 0,
            node_id: 0,
            id: String::new(),
            size,
            align,
            align_known: true,
            regions: Vec::new(),
        }
    }

    #[test]
    fn zones_split_at_the_hole_as_the_memory_manager_comment_says() {
        // memory_manager.rs: zones of 1G and 4G over 0-3G and 4G-6G give
        // 0-1G, 1G-3G and 4G-6G.
        let mut z = vec![zone(GIB, 4 * KIB), zone(4 * GIB, 4 * KIB)];
        place(&mut z);
        assert_eq!(z[0].regions, vec![Region::new(0, GIB)]);
        assert_eq!(
            z[1].regions,
            vec![Region::new(GIB, 2 * GIB), Region::new(4 * GIB, 2 * GIB)]
        );
    }

    #[test]
    fn hugepage_zones_leave_a_hole_below_3g() {
        // 2.5 GiB of small pages, then 1 GiB pages: nothing of the second
        // zone fits in the 0.5 GiB left, so it starts at 4 GiB; the third
        // zone follows it and the hole stays.
        let mut z = vec![
            zone(2560 * MIB, 4 * KIB),
            zone(2 * GIB, GIB),
            zone(256 * MIB, 4 * KIB),
        ];
        place(&mut z);
        assert_eq!(z[0].regions, vec![Region::new(0, 2560 * MIB)]);
        assert_eq!(z[1].regions, vec![Region::new(4 * GIB, 2 * GIB)]);
        assert_eq!(z[2].regions, vec![Region::new(6 * GIB, 256 * MIB)]);
        // A 1 GiB-page zone that straddles: 1 GiB below, the rest above.
        let mut z = vec![zone(1536 * MIB, 4 * KIB), zone(3 * GIB, GIB)];
        place(&mut z);
        assert_eq!(
            z[1].regions,
            vec![Region::new(1536 * MIB, GIB), Region::new(4 * GIB, 2 * GIB)]
        );
    }

    #[test]
    fn e820_maps() {
        let regions = [
            Region::new(0, 2 * GIB),
            Region::new(2 * GIB, GIB),
            Region::new(4 * GIB, GIB),
        ];
        let (pvh, err) = pvh_memmap(&regions);
        assert!(err.is_none());
        assert_eq!(
            pvh,
            vec![
                Entry::new(0, 0xa_0000, Kind::Ram),
                Entry::new(MIB, 3 * GIB - MIB, Kind::Ram),
                Entry::new(4 * GIB, GIB, Kind::Ram),
                Entry::new(0xe800_0000, 256 * MIB, Kind::Reserved),
            ]
        );
        // bzImage claims all of [1 MiB, 3 GiB) once RAM reaches 4 GiB,
        // whatever ends below 3 GiB.
        assert_eq!(
            bzimage_e820(5 * GIB),
            vec![
                Entry::new(0, 0xa_0000, Kind::Ram),
                Entry::new(MIB, 3 * GIB - MIB, Kind::Ram),
                Entry::new(4 * GIB, GIB, Kind::Ram),
                Entry::new(0xe800_0000, 256 * MIB, Kind::Reserved),
            ]
        );
        assert_eq!(
            bzimage_e820(2 * GIB)[1],
            Entry::new(MIB, 2 * GIB - MIB, Kind::Ram)
        );
        let (_, err) = pvh_memmap(&[Region::new(0, 512 * KIB)]);
        assert!(err.is_some());
    }

    #[test]
    fn x2apic_ids_follow_get_x2apic_id() {
        // arch/src/x86_64/mod.rs test_get_x2apic_id: topology (2, 3, 1, 1).
        let src = crate::source::SourceFile::new(
            "t.toml",
            "topoc = 1\n[machine]\nname = \"t\"\ncpus = { sockets = 1, cores = 3, threads = 2 }\n[[node]]\nid = 0\ncpus = \"0-5\"\nmemory = { size = \"1GiB\" }\n",
        );
        let doc = crate::parse::parse(&src).unwrap_or_else(|_| panic!("parses"));
        let (t, _) = crate::model::lower::lower(&doc);
        let ids: Vec<u32> = (0..6).map(|c| x2apic_id(&t, c)).collect();
        assert_eq!(ids, [0, 1, 2, 3, 4, 5]);
        let src = crate::source::SourceFile::new(
            "t.toml",
            "topoc = 1\n[machine]\nname = \"t\"\ncpus = { sockets = 2, cores = 3, threads = 2 }\n[[node]]\nid = 0\ncpus = \"0-11\"\nmemory = { size = \"1GiB\" }\n",
        );
        let doc = crate::parse::parse(&src).unwrap_or_else(|_| panic!("parses"));
        let (t, _) = crate::model::lower::lower(&doc);
        // CPU 6 is socket 1, core 0, thread 0: 1 << (1 + 2) = 8.
        assert_eq!(x2apic_id(&t, 6), 8);
        assert_eq!(x2apic_id(&t, 7), 9);
        assert_eq!(x2apic_id(&t, 8), 10);
    }
}
