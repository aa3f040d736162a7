//! Guest-physical layout of the QEMU aarch64 `virt` machine, as QEMU 10.0
//! builds it (`hw/arm/virt.c`: `base_memmap`, `extended_memmap`,
//! `virt_set_memmap`, `virt_set_high_memmap`).
//!
//! - RAM is one region of `-m` bytes at 1 GiB (`VIRT_MEM`); the nodes'
//!   backends are stacked in it in node-id order, with no holes, so node `k`
//!   starts where node `k - 1` ends. Nodes without memory take no range.
//! - Device memory (the hotplug region) starts at the end of RAM rounded up to
//!   1 GiB and is `maxmem - mem + 1 GiB × slots` long.
//! - The high IO regions follow the top of device memory (never below
//!   256 GiB): the second GIC redistributor region (64 MiB), the high PCIe
//!   ECAM (256 MiB) and the high PCIe MMIO window (512 GiB), each aligned to
//!   its own size. A region that does not fit the CPU's physical address
//!   space is left out; memory that does not fit is QEMU's error ("Addressing
//!   limited to N bits"), which the check stage reports from
//!   [`VirtLayout::memtop`].
//! - Below 1 GiB sit the flash (0-128 MiB), the GIC, the PL011, fw_cfg,
//!   virtio-mmio and the 32-bit PCI MMIO window; nothing topoc places goes
//!   there.
//!
//! There is no E820 on `virt`: the firmware (edk2) describes memory to the
//! guest in the UEFI memory map, and the ACPI tables carry the nodes.
//!
//! The layout is total: it never fails and never panics, whatever the IR.

use super::Region;
use super::qemu::{HostBridge, NodeRam, PciPlacement, place_devices};
use crate::model::Topology;
use crate::target::QemuProfile;
use crate::units::{GIB, MIB};

/// Where RAM starts (`base_memmap[VIRT_MEM]`).
pub const RAM_BASE: u64 = GIB;
/// `LEGACY_RAMLIMIT_BYTES`: the high IO regions never start below
/// `RAM_BASE + 255 GiB` = 256 GiB.
pub const LEGACY_RAMLIMIT: u64 = 255 * GIB;
/// The 32-bit PCI MMIO window (`VIRT_PCIE_MMIO`).
pub const PCIE_MMIO: Region = Region {
    start: 0x1000_0000,
    size: 0x2eff_0000,
};
/// The flash QEMU maps at 0 (two 64 MiB banks, `VIRT_FLASH`): the firmware
/// and its variable store. edk2 2022.11 reports the second bank as
/// write-combined memory, which the guest kernel adds to memblock.
pub const FLASH: Region = Region {
    start: 0,
    size: 0x0800_0000,
};
/// The variable-store bank of [`FLASH`].
pub const FLASH_VARS: Region = Region {
    start: 0x0400_0000,
    size: 0x0400_0000,
};
/// `extended_memmap`, in placement order: name and size (also the alignment).
pub const HIGH_REGIONS: [(&str, u64); 3] = [
    ("gic-redist2", 64 * MIB),
    ("pcie-ecam", 256 * MIB),
    ("pcie-mmio", 512 * GIB),
];
/// The most vCPUs `virt` takes with GICv2 (`GIC_NCPU`), and with GICv3
/// (`mc->max_cpus`).
pub const MAX_CPUS_GICV2: u64 = 8;
pub const MAX_CPUS_GICV3: u64 = 512;

/// The flash bank the firmware hands the guest kernel as memory, if it does:
/// edk2 2022.11 maps [`FLASH_VARS`] write-combined, Linux arm64 adds it to
/// memblock (no-map) and lists it as a top-level `reserved` range; 2020.11
/// maps it uncached, and the kernel leaves it alone. The SRAT must then
/// cover it (T125, `acpi-table-upgrade`), and the node spans include it.
pub fn flash_as_memory(p: &QemuProfile) -> Option<Region> {
    (p.firmware.value == crate::kinds::Firmware::Edk2_2022_11).then_some(FLASH_VARS)
}

/// The flash range topoc's `virt` SRAT adds to the first memory node: only
/// for a guest that takes that SRAT from its initrd (`acpi-table-upgrade`)
/// under firmware that hands the flash over as memory.
pub fn srat_flash(p: &QemuProfile) -> Option<Region> {
    flash_as_memory(p).filter(|_| p.acpi_table_upgrade.value)
}

/// One of the high IO regions, where QEMU put it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HighRegion {
    pub name: &'static str,
    pub region: Region,
    /// It fits the physical address space, so QEMU enables it.
    pub enabled: bool,
}

#[derive(Clone, Debug)]
pub struct VirtLayout {
    /// `-m`: the sum of the nodes' memory.
    pub ram_size: u64,
    /// RAM per node, in node-id order, contiguous from [`RAM_BASE`].
    pub nodes: Vec<NodeRam>,
    /// `-m slots=`.
    pub slots: u32,
    /// `-m maxmem=`; equal to `ram_size` when there is no device memory.
    pub maxmem: u64,
    pub device_memory: Option<Region>,
    /// The end of RAM and device memory, each rounded up to 1 GiB
    /// (`memtop` in `virt_set_memmap`): it must fit the address space.
    pub memtop: u64,
    pub high: Vec<HighRegion>,
    /// The highest guest-physical address in use, plus one.
    pub highest_gpa: u64,
    /// `1 << phys_bits` of the CPU model.
    pub phys_limit: u64,
    pub pci: Vec<PciPlacement>,
    /// The `pxb-pcie` expander bridges of the nodes devices sit on, as on
    /// q35 (a root port per device behind each).
    pub bridges: Vec<HostBridge>,
}

/// The MPIDR QEMU gives vCPU `index` (`virt_cpu_mp_affinity`): Aff1 is the
/// index divided by the GIC's target-list size (8 for GICv2, 16 for v3),
/// Aff0 the rest. Linux arm64 prints it in its SRAT CPU lines.
pub fn mpidr(gic: crate::kinds::GicVersion, index: u32) -> u32 {
    let cluster = match gic {
        crate::kinds::GicVersion::V2 => 8,
        crate::kinds::GicVersion::V3 => 16,
    };
    ((index / cluster) << 8) | (index % cluster)
}

fn round_up(v: u64, align: u64) -> u64 {
    v.div_ceil(align).saturating_mul(align)
}

pub fn layout(t: &Topology, p: &QemuProfile) -> VirtLayout {
    let mut nodes = Vec::new();
    let mut offset = 0u64;
    for (ix, n) in t.nodes.iter().enumerate() {
        let size = n.memory_size();
        if size == 0 {
            continue;
        }
        nodes.push(NodeRam {
            node: ix,
            node_id: n.id.value,
            offset,
            size,
            ranges: vec![Region::new(RAM_BASE.saturating_add(offset), size)],
        });
        offset = offset.saturating_add(size);
    }
    let ram_size = offset;
    let slots = p.memory_slots.as_ref().map_or(0, |s| s.value);
    let maxmem = p.max_memory.as_ref().map_or(ram_size, |m| m.value);
    let dm_base = round_up(RAM_BASE.saturating_add(ram_size), GIB);
    // Only `maxmem` above `-m` makes device memory, as on x86 (the emitter
    // writes `slots=`/`maxmem=` only then).
    let device_memory = (maxmem > ram_size).then(|| {
        let size = (maxmem - ram_size).saturating_add(GIB.saturating_mul(u64::from(slots)));
        Region::new(dm_base, size)
    });
    let memtop = dm_base.saturating_add(round_up(device_memory.map_or(0, |r| r.size), GIB));
    let phys_limit = p.phys_limit();
    let mut base = memtop.max(RAM_BASE + LEGACY_RAMLIMIT);
    let mut highest_gpa = memtop;
    let mut high = Vec::new();
    for (name, default) in HIGH_REGIONS {
        // `highmem-mmio-size` resizes (and so realigns) the MMIO window.
        let size = match (name, &p.mmio64_size) {
            ("pcie-mmio", Some(s)) => s.value,
            _ => default,
        };
        let start = round_up(base, size.max(1));
        let region = Region::new(start, size);
        let enabled = region.end() <= phys_limit;
        high.push(HighRegion {
            name,
            region,
            enabled,
        });
        // QEMU 10.0 keeps the compact high memory map: a region left out
        // does not move the next one.
        if !enabled {
            continue;
        }
        base = region.end();
        highest_gpa = base;
    }
    // Devices with a `numa-node` sit behind that node's pxb-pcie, as on
    // q35. Only edk2 2022.11 numbers the buses behind it (T083 refuses
    // numa-node under 2020.11).
    let (pci, bridges) = place_devices(t, crate::kinds::QemuMachine::Virt, true);
    VirtLayout {
        ram_size,
        nodes,
        slots,
        maxmem,
        device_memory,
        memtop,
        high,
        highest_gpa,
        phys_limit,
        pci,
        bridges,
    }
}

/// What the arm64 guest's `/proc/iomem` shows at its top level, as far as
/// the layout decides it (measured in the booted examples: QEMU 10.0.2,
/// edk2 2020.11 and 2022.11, Debian's 6.1 arm64 kernel). It stands in for
/// the E820 map `virt` does not have.
///
/// - edk2 2022.11 maps the variable-store flash bank as memory, which the
///   kernel lists as a top-level `reserved` range; 2020.11 does not.
/// - The 32-bit PCI window is shared by `PCI Bus` entries of `pcie.0` and of
///   the host bridges; how the firmware splits it is its own choice, so only
///   their union is predicted.
/// - RAM is `System RAM` with `reserved` islands (edk2's runtime regions and
///   allocations, which vary), so only the union of the two is predicted:
///   every node's range, contiguous from 1 GiB.
/// - `PCI ECAM` is one entry per host bridge, over its buses: `pcie.0` from
///   bus 0 to the bus before the first `pxb-pcie`, each bridge from its
///   `bus_nr` to its last root port's bus (all 256 without bridges). Only
///   with the high ECAM (it fits the address space).
/// - The high PCI MMIO window (`highmem-mmio-size`) is the union of the
///   top-level `PCI Bus` entries above 4 GiB, when it fits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IomemView {
    pub flash_reserved: Option<Region>,
    pub pci32: Region,
    /// Node RAM merged, `System RAM` and `reserved` together.
    pub ram: Vec<Region>,
    /// (window, first bus, last bus).
    pub ecam: Vec<(Region, u32, u32)>,
    pub pci64: Option<Region>,
}

impl IomemView {
    pub fn of(l: &VirtLayout, p: &QemuProfile) -> IomemView {
        let flash_reserved = flash_as_memory(p);
        let mut ram: Vec<Region> = Vec::new();
        for r in l.nodes.iter().flat_map(|n| n.ranges.iter()) {
            match ram.last_mut() {
                Some(last) if last.end() == r.start => last.size = last.size.saturating_add(r.size),
                _ => ram.push(*r),
            }
        }
        let enabled = |name: &str| l.high.iter().find(|h| h.name == name && h.enabled);
        let mut ecam = Vec::new();
        if let Some(e) = enabled("pcie-ecam") {
            let window = |first: u32, last: u32| {
                Region::new(
                    e.region.start.saturating_add(u64::from(first) << 20),
                    u64::from(last.saturating_sub(first) + 1) << 20,
                )
            };
            let root_last = l
                .bridges
                .first()
                .map_or(255, |b| b.bus_nr.saturating_sub(1));
            ecam.push((window(0, root_last), 0, root_last));
            for b in &l.bridges {
                let last = b.last_bus(crate::kinds::QemuMachine::Virt);
                ecam.push((window(b.bus_nr, last), b.bus_nr, last));
            }
        }
        IomemView {
            flash_reserved,
            pci32: PCIE_MMIO,
            ram,
            ecam,
            pci64: enabled("pcie-mmio").map(|h| h.region),
        }
    }

    /// One line per predicted range, `start-end : what` as `/proc/iomem`
    /// writes addresses (inclusive ends), in address order.
    pub fn lines(&self) -> Vec<String> {
        let mut v: Vec<(u64, String)> = Vec::new();
        let line = |r: &Region, what: &str| {
            format!("{:08x}-{:08x} : {what}", r.start, r.end().saturating_sub(1))
        };
        if let Some(f) = &self.flash_reserved {
            v.push((f.start, line(f, "reserved")));
        }
        v.push((
            self.pci32.start,
            line(&self.pci32, "PCI Bus (32-bit window)"),
        ));
        for r in &self.ram {
            v.push((r.start, line(r, "System RAM and reserved")));
        }
        for (r, a, b) in &self.ecam {
            v.push((
                r.start,
                line(r, &format!("PCI ECAM (buses {a:02x}-{b:02x})")),
            ));
        }
        if let Some(r) = &self.pci64 {
            v.push((r.start, line(r, "PCI Bus (64-bit window)")));
        }
        v.sort();
        v.into_iter().map(|(_, l)| l).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Arch;
    use crate::target::{QemuOverrides, Target};

    fn compile(src: &str) -> (Topology, VirtLayout) {
        let f = crate::source::SourceFile::new("t.toml", src);
        let doc = crate::parse::parse(&f).expect("parses");
        let (t, d) = crate::model::lower::lower(&doc);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(t.machine.arch.value, Arch::Aarch64);
        let target = Target::resolve(
            crate::target::TargetKind::Qemu,
            &t,
            &QemuOverrides::default(),
        );
        let l = layout(&t, target.qemu().expect("qemu"));
        (t, l)
    }

    /// The reference boot A (`tests/data/qemu-aarch64/a`): 1 + 1 + 2 GiB
    /// from 1 GiB on, the empty node 3 with no range, the high IO regions at
    /// 256 GiB, 0x4010000000 and 0x8000000000 as the guest's /proc/iomem
    /// shows them.
    #[test]
    fn ram_from_one_gib_in_node_order() {
        let (_, l) = compile(
            r#"
topoc = 1
[machine]
name = "a"
arch = "aarch64"
cpus = { sockets = 2, cores = 2 }
[[node]]
id = 0
cpus = "0-1"
memory = { size = "1GiB" }
[[node]]
id = 1
cpus = "2-3"
memory = { size = "1GiB" }
[[node]]
id = 2
memory = { size = "2GiB" }
[[node]]
id = 3
"#,
        );
        let ranges: Vec<(u32, u64, u64)> = l
            .nodes
            .iter()
            .map(|n| (n.node_id, n.ranges[0].start, n.ranges[0].end()))
            .collect();
        assert_eq!(
            ranges,
            vec![
                (0, 0x4000_0000, 0x8000_0000),
                (1, 0x8000_0000, 0xc000_0000),
                (2, 0xc000_0000, 0x1_4000_0000)
            ]
        );
        assert_eq!(l.device_memory, None);
        let starts: Vec<u64> = l.high.iter().map(|h| h.region.start).collect();
        assert_eq!(starts, vec![0x40_0000_0000, 0x40_1000_0000, 0x80_0000_0000]);
        assert!(l.high.iter().all(|h| h.enabled));
    }

    /// QEMU's MPIDRs, as the arm64 guest prints them (`PXM 0 -> MPIDR 0x1
    /// -> Node 0` for vCPU 1): Aff0 the index within a group of 16 (GICv3)
    /// or 8 (GICv2), Aff1 the group.
    #[test]
    fn mpidr_groups_of_the_gic_target_list() {
        use crate::kinds::GicVersion;
        assert_eq!(mpidr(GicVersion::V3, 3), 0x3);
        assert_eq!(mpidr(GicVersion::V3, 17), 0x101);
        assert_eq!(mpidr(GicVersion::V2, 9), 0x101);
    }

    /// Reference experiment D: `-m 4G,slots=2,maxmem=8G` puts device memory
    /// at 0x140000000-0x2bfffffff (4 GiB plus 1 GiB per slot).
    #[test]
    fn device_memory_after_ram() {
        let (_, l) = compile(
            r#"
topoc = 1
[machine]
name = "d"
arch = "aarch64"
cpus = { sockets = 1, cores = 2 }
[[node]]
id = 0
cpus = "0-1"
memory = { size = "4GiB" }
[target.qemu]
memory-slots = 2
max-memory = "8GiB"
"#,
        );
        assert_eq!(l.device_memory, Some(Region::new(0x1_4000_0000, 6 * GIB)));
        assert_eq!(l.memtop, 0x2_c000_0000);
    }
}
