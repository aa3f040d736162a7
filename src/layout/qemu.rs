//! Guest-physical layout of a QEMU x86_64 (q35 or pc) machine, as QEMU 10.0
//! builds it (`pc_q35_init`, `pc_init1`, `pc_memory_init`).
//!
//! - RAM: node backends are stacked in node-id order into one container of
//!   `-m` bytes; its first `below_4g` bytes map at GPA 0 and the rest at
//!   `above_4g_start` (4 GiB, or 1 TiB on AMD when the address space would
//!   reach the HyperTransport hole).
//! - Device memory (the hotplug region) follows high RAM, rounded up to 1 GiB,
//!   sized `maxmem - mem + 1 GiB × slots`.
//! - fw_cfg `etc/e820`: the AMD HT hole (AMD vCPU, ≥ 40 phys bits), RAM below
//!   4 GiB, RAM above 4 GiB, then whatever the chosen SPM dialect adds.
//!
//! The layout is total: it never fails and never panics, whatever the IR.
//! Whether the result is acceptable (it fits the address space, the sizes
//! add up) is the check stage's business; it reads the same numbers.

use super::Region;
use crate::e820::{Entry, Kind};
use crate::kinds::{QemuMachine, SpmDialect};
use crate::model::{DevIx, NodeIx, Topology};
use crate::target::{AMD_ABOVE_1TB_START, AMD_HT_SIZE, AMD_HT_START, QemuProfile, Vendor};
use crate::units::{GIB, MIB};

/// The 64-bit PCI hole QEMU reserves above RAM by default: `pci-hole64-size`.
pub fn pci_hole64_size(machine: QemuMachine) -> u64 {
    match machine {
        QemuMachine::Q35 | QemuMachine::Virt => 32 * GIB,
        QemuMachine::Pc => 2 * GIB,
    }
}

/// The 64-bit PCI hole of this profile: `mmio64-size`, else the default.
pub fn pci_hole64(p: &QemuProfile) -> u64 {
    p.mmio64_size
        .as_ref()
        .map_or_else(|| pci_hole64_size(p.machine.value), |s| s.value)
}

/// RAM of one node inside QEMU's boot RAM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRam {
    pub node: NodeIx,
    pub node_id: u32,
    /// Offset inside the `pc.ram` container.
    pub offset: u64,
    pub size: u64,
    /// Guest-physical pieces: one, or two when the node straddles the split.
    pub ranges: Vec<Region>,
}

/// Memory of an `sp-mem` device (SPM dialect `sp-mem`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpMem {
    pub node: NodeIx,
    pub node_id: u32,
    pub region: Region,
    /// Its backend's alignment, which placed it.
    pub align: u64,
}

/// One Specific Purpose range in guest-physical addresses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpmRegion {
    pub node: NodeIx,
    pub node_id: u32,
    pub region: Region,
}

/// Where a device sits in the guest's PCI hierarchy: its address as the
/// firmware numbers the buses (which is also what QEMU writes into the SRAT
/// Generic Initiator structure, since it rebuilds the tables after the
/// firmware has enumerated), and the host bridge it sits behind, if any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PciPlacement {
    pub device: DevIx,
    pub bus: u8,
    pub slot: u8,
    pub function: u8,
    /// Index into [`QemuLayout::bridges`] for a device with `numa-node`.
    pub bridge: Option<usize>,
    /// Its position on that bridge: the root port's slot on the bridge's
    /// bus (q35), or the device's own slot behind the bridge (pc).
    pub port: u8,
}

/// A NUMA-local PCI host bridge (`pxb-pcie` on q35, `pxb` on pc) for the
/// devices of one node. Its root bus is `bus_nr`; the firmware (SeaBIOS's
/// `pci_bios_init_bus`, OVMF's PciBusDxe within the root bridge's range)
/// numbers the buses behind it in order from `bus_nr + 1`: on q35 one per
/// root port, on pc the one bus behind the bridge's internal PCI-PCI bridge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostBridge {
    pub node: NodeIx,
    /// `numa_node=`: the QEMU node id, which QEMU writes as the bridge's
    /// `_PXM`.
    pub node_id: u32,
    /// `bus_nr=`, before it is narrowed: above 0xff QEMU refuses (T110).
    pub bus_nr: u32,
    /// Its slot on the root bus (`pcie.0` or `pci.0`).
    pub slot: u8,
    /// Devices behind it.
    pub devices: u8,
}

impl HostBridge {
    /// The last bus number the bridge and what is behind it use.
    pub fn last_bus(&self, machine: QemuMachine) -> u32 {
        match machine {
            QemuMachine::Q35 | QemuMachine::Virt => self.bus_nr + u32::from(self.devices),
            QemuMachine::Pc => self.bus_nr + 1,
        }
    }

    /// `-device` id of the bridge.
    pub fn id(&self) -> String {
        format!("pxb{}", self.node_id)
    }
}

/// `-device pcie-root-port` id for a device behind a host bridge on q35.
pub fn root_port_id(device: &str) -> String {
    format!("rp-{device}")
}

/// The root bus of the first host bridge: bus numbers below it stay free for
/// the root bus's own hierarchy.
pub const FIRST_BRIDGE_BUS: u32 = 0x10;

impl PciPlacement {
    pub fn devfn(&self) -> u8 {
        (self.slot << 3) | self.function
    }
}

#[derive(Clone, Debug)]
pub struct QemuLayout {
    /// `-m`: the sum of the nodes' boot RAM.
    pub ram_size: u64,
    pub below_4g: u64,
    pub above_4g: u64,
    pub above_4g_start: u64,
    /// The AMD 1 TiB relocation happened.
    pub relocated_above_1tb: bool,
    /// The highest address QEMU considers used (`pc_max_used_gpa`).
    pub max_used_gpa: u64,
    pub nodes: Vec<NodeRam>,
    /// `-m slots=`.
    pub slots: u32,
    /// `-m maxmem=`; equal to `ram_size` when there is no device memory.
    pub maxmem: u64,
    pub device_memory: Option<Region>,
    pub sp_mem: Vec<SpMem>,
    pub spm: Vec<SpmRegion>,
    pub pci: Vec<PciPlacement>,
    /// NUMA-local host bridges, in order of their first device.
    pub bridges: Vec<HostBridge>,
    /// fw_cfg `etc/e820`, in the order QEMU adds the entries.
    pub fw_cfg_e820: Vec<Entry>,
    /// Extra guest kernel arguments (the `kernel-memmap` SPM dialect).
    pub kernel_args: Vec<String>,
}

impl QemuLayout {
    /// Guest-physical pieces of `size` bytes at `offset` inside the RAM
    /// container: one piece, or two when they straddle the end of low RAM.
    pub fn gpa_pieces(&self, offset: u64, size: u64) -> Vec<Region> {
        gpa_pieces(offset, size, self.below_4g, self.above_4g_start)
    }
}

/// The low RAM split for `ram` bytes: `(below_4g, above_4g)`.
pub fn split(machine: QemuMachine, ram: u64, max_ram_below_4g: Option<u64>) -> (u64, u64) {
    let lowmem = match machine {
        // `virt` on x86_64 is refused (T120) and laid out as q35.
        QemuMachine::Q35 | QemuMachine::Virt => {
            let mut low = if ram >= 0xb000_0000 {
                0x8000_0000
            } else {
                0xb000_0000
            };
            let limit = max_ram_below_4g.filter(|&m| m != 0).unwrap_or(4 * GIB);
            if low > limit {
                low = limit;
            }
            low
        }
        QemuMachine::Pc => {
            let limit = max_ram_below_4g.filter(|&m| m != 0).unwrap_or(0xe000_0000);
            let mut low = limit;
            if ram >= limit && low > 0xc000_0000 {
                low = 0xc000_0000;
            }
            low
        }
    };
    if ram >= lowmem {
        (lowmem, ram - lowmem)
    } else {
        (ram, 0)
    }
}

fn round_up(v: u64, align: u64) -> u64 {
    v.div_ceil(align).saturating_mul(align)
}

/// Maps an offset range of the RAM container to guest-physical pieces.
fn gpa_pieces(offset: u64, size: u64, below: u64, above_start: u64) -> Vec<Region> {
    let end = offset.saturating_add(size);
    let mut out = Vec::new();
    if offset < below {
        out.push(Region::new(offset, end.min(below) - offset));
    }
    if end > below {
        let s = offset.max(below);
        out.push(Region::new(above_start.saturating_add(s - below), end - s));
    }
    out.retain(|r| r.size > 0);
    out
}

/// Whether a node's memory goes into boot RAM (not into an sp-mem device).
fn boot_ram(t: &Topology, p: &QemuProfile, n: NodeIx) -> u64 {
    let Some(m) = &t.nodes[n].memory else {
        return 0;
    };
    if p.spm.value == SpmDialect::SpMem {
        m.size.value.saturating_sub(m.spm_bytes())
    } else {
        m.size.value
    }
}

pub fn layout(t: &Topology, p: &QemuProfile) -> QemuLayout {
    let machine = p.machine.value;
    let sizes: Vec<u64> = (0..t.nodes.len()).map(|n| boot_ram(t, p, n)).collect();
    let ram_size = sizes.iter().fold(0u64, |a, &b| a.saturating_add(b));
    let (below_4g, above_4g) = split(
        machine,
        ram_size,
        p.max_ram_below_4g.as_ref().map(|m| m.value),
    );

    // sp-mem devices live in device memory (the hotplug region): each at the
    // lowest free address aligned to its backend's alignment, in `-device`
    // order, so `maxmem` must leave room for them and their padding. They
    // take no memory slot (sp-mem is not a pc-dimm); `slots=` only adds
    // 1 GiB of device memory each.
    let sp_sizes: Vec<(NodeIx, u64, u64)> = if p.spm.value == SpmDialect::SpMem {
        t.nodes
            .iter()
            .enumerate()
            .filter_map(|(i, n)| {
                n.memory
                    .as_ref()
                    .map(|m| (i, m.spm_bytes(), backend_alignment(&m.backend)))
            })
            .filter(|&(_, s, _)| s > 0)
            .collect()
    } else {
        Vec::new()
    };
    let slots = p.memory_slots.as_ref().map_or(0, |s| s.value);
    // The room the devices need from the base of device memory (1 GiB
    // aligned, so the padding does not depend on where it starts).
    let sp_room = sp_sizes.iter().fold(0u64, |next, &(_, size, align)| {
        round_up(next, align).saturating_add(size)
    });
    let maxmem = p
        .max_memory
        .as_ref()
        .map_or(ram_size.saturating_add(sp_room), |m| m.value);

    let device_memory_at = |above_start: u64| -> Option<Region> {
        (maxmem > ram_size).then(|| {
            let base = round_up(above_start.saturating_add(above_4g), GIB);
            let size = (maxmem - ram_size).saturating_add(GIB.saturating_mul(u64::from(slots)));
            Region::new(base, size)
        })
    };
    let max_used = |above_start: u64| -> u64 {
        let hole_start = match device_memory_at(above_start) {
            Some(r) => r.end(),
            None => above_start.saturating_add(above_4g),
        };
        round_up(hole_start, GIB)
            .saturating_add(pci_hole64(p))
            .saturating_sub(1)
    };
    let mut above_4g_start = 4 * GIB;
    let mut relocated = false;
    let amd = p.vendor == Vendor::Amd;
    if amd && max_used(above_4g_start) >= AMD_HT_START {
        above_4g_start = AMD_ABOVE_1TB_START;
        relocated = true;
    }
    let device_memory = device_memory_at(above_4g_start);
    let max_used_gpa = max_used(above_4g_start);

    let mut nodes = Vec::new();
    let mut offset = 0u64;
    for (i, n) in t.nodes.iter().enumerate() {
        let size = sizes[i];
        if size == 0 {
            continue;
        }
        nodes.push(NodeRam {
            node: i,
            node_id: n.id.value,
            offset,
            size,
            ranges: gpa_pieces(offset, size, below_4g, above_4g_start),
        });
        offset = offset.saturating_add(size);
    }

    // sp-mem devices, in node order (the order of their `-device`s).
    let mut sp_mem = Vec::new();
    if let Some(dm) = device_memory {
        let mut next = dm.start;
        for &(node, size, align) in &sp_sizes {
            let start = round_up(next, align);
            sp_mem.push(SpMem {
                node,
                node_id: t.nodes[node].id.value,
                region: Region::new(start, size),
                align,
            });
            next = start.saturating_add(size);
        }
    }

    // SPM ranges in guest-physical terms.
    let mut spm = Vec::new();
    if p.spm.value == SpmDialect::SpMem {
        spm.extend(sp_mem.iter().map(|s| SpmRegion {
            node: s.node,
            node_id: s.node_id,
            region: s.region,
        }));
    } else {
        for nr in &nodes {
            let Some(m) = &t.nodes[nr.node].memory else {
                continue;
            };
            for r in &m.spm {
                let start = nr.offset.saturating_add(r.offset.value);
                let size = r.size.value.min(nr.size.saturating_sub(r.offset.value));
                for piece in gpa_pieces(start, size, below_4g, above_4g_start) {
                    spm.push(SpmRegion {
                        node: nr.node,
                        node_id: nr.node_id,
                        region: piece,
                    });
                }
            }
        }
    }

    // etc/e820 in QEMU's order.
    let mut e820 = Vec::new();
    if amd && p.phys_bits >= 40 {
        e820.push(Entry::new(AMD_HT_START, AMD_HT_SIZE, Kind::Reserved));
    }
    e820.push(Entry::new(0, below_4g, Kind::Ram));
    if above_4g > 0 {
        e820.push(Entry::new(above_4g_start, above_4g, Kind::Ram));
    }
    let mut kernel_args = Vec::new();
    match p.spm.value {
        SpmDialect::KernelMemmap => {
            for s in &spm {
                kernel_args.push(format!(
                    "memmap={}%{:#x}-1+{:#x}",
                    memparse_size(s.region.size),
                    s.region.start,
                    Kind::SOFT_RESERVED_CODE
                ));
            }
        }
        SpmDialect::SpMem => {
            for s in &sp_mem {
                e820.push(Entry::new(
                    s.region.start,
                    s.region.size,
                    Kind::SoftReserved,
                ));
            }
        }
    }

    let (pci, bridges) = place_devices(t, machine, true);
    QemuLayout {
        ram_size,
        below_4g,
        above_4g,
        above_4g_start,
        relocated_above_1tb: relocated,
        max_used_gpa,
        nodes,
        slots,
        maxmem,
        device_memory,
        sp_mem,
        spm,
        pci,
        bridges,
        fw_cfg_e820: e820,
        kernel_args,
    }
}

/// QOM id of a node's boot-RAM backend (`-object memory-backend-*,id=`).
pub fn memory_backend_id(node_id: u32) -> String {
    format!("mem{node_id}")
}

/// QOM id of the backend of a node's `sp-mem` device.
pub fn sp_mem_backend_id(node_id: u32) -> String {
    format!("spm{node_id}")
}

/// QOM id of the `acpi-generic-initiator` joining `device` to a node.
pub fn generic_initiator_id(device: &str, node_id: u32) -> String {
    format!("gi-{device}-{node_id}")
}

/// `(device, node)` of every `acpi-generic-initiator`, in the order QEMU
/// writes their SRAT Generic Initiator structures: the iteration order of the
/// `/objects` hash table (see [`super::qom`]). The object list is the one the
/// qemu emitter writes, in its command-line order: node memory backends, the
/// Generic Initiators, then the sp-mem backends; `qom` applies QEMU's
/// creation phases (Generic Initiators are "early", backends "late").
pub fn generic_initiator_order(t: &Topology, l: &QemuLayout) -> Vec<(DevIx, NodeIx)> {
    let sp: Vec<u32> = l.sp_mem.iter().map(|s| s.node_id).collect();
    generic_initiator_order_of(t, &l.nodes, &sp)
}

/// [`generic_initiator_order`] from the nodes with RAM and the node ids of
/// the sp-mem devices: what both QEMU machines (x86 and `virt`) share.
pub fn generic_initiator_order_of(
    t: &Topology,
    ram: &[NodeRam],
    sp_mem_nodes: &[u32],
) -> Vec<(DevIx, NodeIx)> {
    const BACKEND: &str = "memory-backend-ram";
    const GI: &str = "acpi-generic-initiator";
    let mut gis: Vec<((DevIx, NodeIx), String)> = Vec::new();
    for (d, dev) in t.devices.iter().enumerate() {
        for n in &dev.gi_nodes {
            gis.push((
                (d, n.value),
                generic_initiator_id(&dev.name.value, t.nodes[n.value].id.value),
            ));
        }
    }
    let backends: Vec<String> = ram.iter().map(|n| memory_backend_id(n.node_id)).collect();
    let sp: Vec<String> = sp_mem_nodes
        .iter()
        .map(|&id| sp_mem_backend_id(id))
        .collect();
    let mut objects: Vec<(&str, &str)> = backends.iter().map(|id| (BACKEND, id.as_str())).collect();
    objects.extend(gis.iter().map(|(_, id)| (GI, id.as_str())));
    objects.extend(sp.iter().map(|id| (BACKEND, id.as_str())));
    super::qom::generic_initiators_in_srat_order(&objects)
        .into_iter()
        .filter_map(|id| gis.iter().find(|(_, g)| g == id).map(|(pair, _)| *pair))
        .collect()
}

/// Devices without `numa-node` go on the root bus: the slot the file asks
/// for, else the next free slot from 0x10 (low slots belong to QEMU's own
/// devices). A device with `numa-node` goes behind that node's host bridge,
/// which takes the next free root-bus slot when its first device is placed;
/// bridges get root bus numbers in that order, each after the buses of the
/// one before.
///
/// With `bridged` false every device goes on the root bus, `numa-node` or
/// not: the targets that do not place devices on nodes (virt, libvirt) say
/// so with T083.
pub fn place_devices(
    t: &Topology,
    machine: QemuMachine,
    bridged: bool,
) -> (Vec<PciPlacement>, Vec<HostBridge>) {
    let mut used: Vec<u8> = t
        .devices
        .iter()
        .filter(|d| d.numa_node.is_none() || !bridged)
        .filter_map(|d| d.guest_slot.as_ref().map(|s| s.value))
        .collect();
    let mut next = 0x10u8;
    let mut next_free = |used: &mut Vec<u8>| {
        while used.contains(&next) && next < 0x1f {
            next += 1;
        }
        used.push(next);
        next
    };
    let mut bridges: Vec<HostBridge> = Vec::new();
    let mut pci: Vec<PciPlacement> = t
        .devices
        .iter()
        .enumerate()
        .map(|(i, d)| match d.numa_node.as_ref().filter(|_| bridged) {
            None => PciPlacement {
                device: i,
                bus: 0,
                slot: d
                    .guest_slot
                    .as_ref()
                    .map_or_else(|| next_free(&mut used), |s| s.value),
                function: 0,
                bridge: None,
                port: 0,
            },
            Some(node) => {
                let b = match bridges.iter().position(|b| b.node == node.value) {
                    Some(b) => b,
                    None => {
                        bridges.push(HostBridge {
                            node: node.value,
                            node_id: t.nodes[node.value].id.value,
                            bus_nr: 0,
                            slot: next_free(&mut used),
                            devices: 0,
                        });
                        bridges.len() - 1
                    }
                };
                let port = bridges[b].devices;
                bridges[b].devices = port.saturating_add(1);
                PciPlacement {
                    device: i,
                    bus: 0,
                    slot: 0,
                    function: 0,
                    bridge: Some(b),
                    port,
                }
            }
        })
        .collect();
    let mut bus = FIRST_BRIDGE_BUS;
    for b in &mut bridges {
        b.bus_nr = bus;
        bus = b.last_bus(machine) + 1;
    }
    let narrow = |bus: u32| u8::try_from(bus).unwrap_or(u8::MAX);
    for pl in &mut pci {
        let Some(b) = pl.bridge else { continue };
        let b = &bridges[b];
        (pl.bus, pl.slot) = match machine {
            QemuMachine::Q35 | QemuMachine::Virt => (narrow(b.bus_nr + 1 + u32::from(pl.port)), 0),
            QemuMachine::Pc => (narrow(b.bus_nr + 1), pl.port),
        };
    }
    (pci, bridges)
}

/// The alignment QEMU gives a memory backend's region
/// (`memory_region_get_alignment`), which places a memory device: 2 MiB for
/// anonymous RAM on an x86_64 host (`QEMU_VMALLOC_ALIGN`), the hugepage size
/// for hugetlb memfd, the page size for a file (its hugepage size when
/// `hugepages` says the path is on hugetlbfs). A hugetlb backend of the
/// host's default size is assumed to use 2 MiB pages.
pub fn backend_alignment(b: &crate::model::Backend) -> u64 {
    match (&b.path, b.hugepages) {
        (_, Some(Some(size))) => size.max(4 * 1024),
        (_, Some(None)) => 2 * MIB,
        (Some(_), None) => 4 * 1024,
        (None, None) => 2 * MIB,
    }
}

/// A size the kernel's `memparse()` reads back exactly: `2G`, `512M`, or hex bytes.
pub fn memparse_size(bytes: u64) -> String {
    for (suffix, mult) in [("G", GIB), ("M", MIB), ("K", 1024)] {
        if bytes >= mult && bytes % mult == 0 {
            return format!("{}{suffix}", bytes / mult);
        }
    }
    format!("{bytes:#x}")
}

/// APIC id of a CPU index: threads, cores, dies, sockets from the low bits,
/// each field ceil(log2(count)) bits wide (QEMU `x86_apicid_from_topo_ids`).
pub fn apic_id(t: &Topology, cpu: u32) -> u32 {
    let topo = &t.machine.topology;
    apic_id_in(topo.dies.value, topo.cores.value, topo.threads.value, cpu)
}

/// [`apic_id`] for a shape of `dies` per socket, `cores` per die and
/// `threads` per core (all at least 1), without a topology: what `import`
/// matches a table's APIC ids against.
pub fn apic_id_in(dies: u32, cores: u32, threads: u32, cpu: u32) -> u32 {
    let width = |n: u32| {
        if n <= 1 {
            0
        } else {
            32 - (n - 1).leading_zeros()
        }
    };
    let (t, c, d) = (threads.max(1), cores.max(1), dies.max(1));
    let (socket, die, core, thread) = (cpu / (t * c * d), cpu / (t * c) % d, cpu / t % c, cpu % t);
    let (tw, cw, dw) = (width(t), width(c), width(d));
    (socket << (tw + cw + dw)) | (die << (tw + cw)) | (core << tw) | thread
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q35_and_pc_splits_match_qemu() {
        // Measured with QEMU 10.0.2 (see the layout chapter of the book).
        assert_eq!(split(QemuMachine::Q35, 2815 * MIB, None), (2815 * MIB, 0));
        assert_eq!(
            split(QemuMachine::Q35, 2816 * MIB, None),
            (2 * GIB, 0x3000_0000)
        );
        assert_eq!(
            split(QemuMachine::Q35, 3 * GIB, Some(4 * GIB)),
            (2 * GIB, GIB)
        );
        assert_eq!(
            split(QemuMachine::Q35, 4 * GIB, Some(1536 * MIB)),
            (0x6000_0000, 4 * GIB - 0x6000_0000)
        );
        assert_eq!(split(QemuMachine::Pc, 3583 * MIB, None), (3583 * MIB, 0));
        assert_eq!(
            split(QemuMachine::Pc, 3584 * MIB, None),
            (3 * GIB, 512 * MIB)
        );
        assert_eq!(
            split(QemuMachine::Pc, 3968 * MIB, Some(4 * GIB)),
            (3968 * MIB, 0)
        );
        assert_eq!(
            split(QemuMachine::Pc, 4 * GIB, Some(2 * GIB)),
            (2 * GIB, 2 * GIB)
        );
        assert_eq!(
            split(QemuMachine::Pc, 5 * GIB, Some(3584 * MIB)),
            (3 * GIB, 2 * GIB)
        );
    }

    #[test]
    fn pieces_split_at_the_low_ram_end() {
        let p = gpa_pieces(GIB, 2 * GIB, 2 * GIB, 4 * GIB);
        assert_eq!(p, vec![Region::new(GIB, GIB), Region::new(4 * GIB, GIB)]);
        assert_eq!(
            gpa_pieces(3 * GIB, GIB, 2 * GIB, 4 * GIB),
            vec![Region::new(5 * GIB, GIB)]
        );
    }

    #[test]
    fn generic_initiators_in_qemu_10_0_srat_order() {
        // Measured: the recorded guest of the earlier mi300a example
        // (tests/verify-data/mi300a.seabios.dump) lists PXM 5 before PXM 4.
        let src = crate::source::SourceFile::new(
            "mi300a.toml",
            include_str!("../../tests/verify-data/mi300a.toml"),
        );
        let c = crate::pipeline::compile(&src, &crate::pipeline::Options::default())
            .unwrap_or_else(|_| panic!("mi300a compiles"));
        let (_, l, _) = c.qemu().unwrap_or_else(|| panic!("qemu target"));
        let ids: Vec<u32> = generic_initiator_order(&c.topo, l)
            .into_iter()
            .map(|(_, n)| c.topo.nodes[n].id.value)
            .collect();
        assert_eq!(ids, [5, 4]);
    }

    /// The merged sp-mem device: in `-device` order, each at its backend's
    /// alignment, `maxmem` sized for them with no slots.
    #[test]
    fn sp_mem_devices_sit_at_their_backends_alignment() {
        let src = crate::source::SourceFile::new(
            "sp-mem.toml",
            r#"topoc = 1
[machine]
name = "sp-mem"
[[node]]
id = 0
cpus = "0"
memory = { size = "256MiB" }
[[node]]
id = 1
memory = { size = "128MiB", spm = true }
[[node]]
id = 2
memory = { size = "1GiB", hugepages = "1GiB", spm = true }
[target.qemu]
version = "11.1"
firmware = "ovmf-sp"
"#,
        );
        let c = crate::pipeline::compile(&src, &crate::pipeline::Options::default())
            .unwrap_or_else(|d| panic!("{:?}", d.iter().map(|d| &d.message).collect::<Vec<_>>()));
        let (p, l, _) = c.qemu().unwrap_or_else(|| panic!("qemu target"));
        assert_eq!(p.spm.value, SpmDialect::SpMem, "the default on 11.1");
        let starts: Vec<u64> = l.sp_mem.iter().map(|s| s.region.start).collect();
        // RAM is all below 4 GiB, so device memory starts at 4 GiB: the
        // 128 MiB RAM-backed device there, the 1 GiB hugetlb one at the
        // next 1 GiB boundary, not at 0x108000000.
        assert_eq!(starts, [0x1_0000_0000, 0x1_4000_0000]);
        assert_eq!(l.slots, 0);
        assert_eq!(l.maxmem, 256 * MIB + 2 * GIB);
        let args = crate::emit::qemu::args(&c);
        assert!(args.contains(&"256M,maxmem=2304M".to_string()), "{args:?}");
        let soft: Vec<(u64, u64)> = l
            .fw_cfg_e820
            .iter()
            .filter(|e| e.kind == Kind::SoftReserved)
            .map(|e| (e.addr, e.size))
            .collect();
        assert_eq!(soft, [(0x1_0000_0000, 128 * MIB), (0x1_4000_0000, GIB)]);
    }

    #[test]
    fn memparse_sizes() {
        assert_eq!(memparse_size(2 * GIB), "2G");
        assert_eq!(memparse_size(1536 * MIB), "1536M");
        assert_eq!(memparse_size(4097), "0x1001");
    }
}
