//! Everything `verify` expects, gathered from one compiled topology.
//!
//! The E820 views come from the layout stage, the ACPI tables from topoc's
//! own emitters (the bytes `topoc build` writes as `SRAT.dat`, `SLIT.dat`,
//! `HMAT.dat`), and what Linux makes of those tables from [`crate::linux`].
//! The fields are public so that a test can perturb one predicted value and
//! check that `verify` notices.

use crate::acpi::{self, Hmat, Slit, Srat};
use crate::e820::Entry;
use crate::kinds::{Firmware, StandIn};
use crate::layout::firmware::FirmwareWindow;
use crate::linux::numa::{NumaView, numa_view};
use crate::model::DeviceSource;
use crate::pipeline::Compiled;
use std::collections::BTreeMap;

/// A PCI device the guest should have.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PciPrediction {
    /// The topology's name for it.
    pub name: String,
    /// `0000:00:10.0`.
    pub address: String,
    /// Vendor and device id, known for emulated stand-ins.
    pub ids: Option<(u16, u16)>,
    /// Bus and devfn, as a Generic Initiator structure names the device.
    pub bus: u8,
    pub devfn: u8,
    /// Proximity domains it initiates through.
    pub generic_initiator_pxms: Vec<u32>,
    /// The `_PXM` of the host bridge it sits behind (`numa-node`); none on
    /// the root bus.
    pub bridge_pxm: Option<u32>,
}

/// What the guest should show.
#[derive(Clone, Debug)]
pub struct Prediction {
    pub firmware: Firmware,
    /// The machine has an E820 map (QEMU's x86 machines); the aarch64 `virt`
    /// machine has none, and the E820 checks do not apply to it.
    pub e820: bool,
    /// On `virt`: the RAM the firmware's UEFI memory map gives the kernel,
    /// every node's range whole (edk2's own allocations in it stay memblock
    /// memory, reserved), which stands in for the E820 map.
    pub uefi_ram: Vec<Entry>,
    /// Memory the firmware's map gives the kernel that is no RAM: memblock
    /// memory marked no-map, in `Initmem` spans but not in MemTotal. edk2
    /// 2022.11 on `virt` reports the variable-store flash write-combined,
    /// which Linux arm64 takes for memory (`[start, end)`).
    pub memblock_nomap: Vec<(u64, u64)>,
    /// On `virt`: the top level of the guest's `/proc/iomem`, as the layout
    /// decides it.
    pub virt_iomem: Option<crate::layout::virt::IomemView>,
    /// On `virt`: the MPIDR of each vCPU index, which arm64's SRAT CPU lines
    /// print where x86 prints the APIC id.
    pub mpidr: Option<Vec<u32>>,
    /// Kernel arguments the guest must have been booted with (`memmap=`).
    pub kernel_args: Vec<String>,
    /// QEMU's fw_cfg `etc/e820`, in QEMU's order.
    pub fw_cfg: Vec<Entry>,
    /// `BIOS-e820:` lines (under OVMF: outside the firmware windows).
    pub bios: Vec<Entry>,
    /// `user:` lines after `memmap=`, when the guest gets `memmap=`.
    pub user: Option<Vec<Entry>>,
    /// Ranges whose entries the firmware decides (OVMF).
    pub windows: Vec<FirmwareWindow>,
    /// topoc's ACPI tables by signature (`SRAT`, `SLIT`, `HMAT`).
    pub tables: BTreeMap<String, Vec<u8>>,
    pub srat: Option<Srat>,
    pub slit: Option<Slit>,
    pub hmat: Option<Hmat>,
    /// Linux's reading of the predicted SRAT.
    pub numa: NumaView,
    /// Linux CPU number → PXM, for the CPUs online at boot.
    pub cpus: Vec<(u32, u32)>,
    /// PXM → the topology's label for the node (`node 2 (apu0-hbm)`).
    pub labels: BTreeMap<u32, String>,
    pub devices: Vec<PciPrediction>,
    /// OEM revision of topoc's tables: above QEMU's 1, the guest is expected
    /// to have taken them through the initrd table upgrade.
    pub acpi_oem_revision: u32,
    /// Problems building the prediction itself (a table that does not decode).
    pub problems: Vec<String>,
}

impl Prediction {
    pub fn new(c: &Compiled) -> Prediction {
        let mut problems = Vec::new();
        let mut tables = BTreeMap::new();
        for (artifact, sig) in [("srat", "SRAT"), ("slit", "SLIT"), ("hmat", "HMAT")] {
            if let Some(bytes) = crate::emit::lookup(artifact).and_then(|a| a.render(c)) {
                tables.insert(sig.to_string(), bytes);
            }
        }
        let srat = tables
            .get("SRAT")
            .and_then(|b| decode(b, "SRAT", &mut problems, Srat::decode));
        let slit = tables
            .get("SLIT")
            .and_then(|b| decode(b, "SLIT", &mut problems, Slit::decode));
        let hmat = tables
            .get("HMAT")
            .and_then(|b| decode(b, "HMAT", &mut problems, Hmat::decode));
        let numa = srat.as_ref().map(numa_view).unwrap_or_default();

        let t = &c.topo;
        let labels = t.nodes.iter().map(|n| (n.id.value, n.label())).collect();
        // Linux numbers CPUs in MADT order, which QEMU writes in CPU index
        // order, the same order as the SRAT's CPU structures.
        let boot = t.machine.boot_cpus.value as usize;
        let cpus = numa
            .cpus
            .iter()
            .take(boot)
            .enumerate()
            .map(|(i, (pxm, _))| (i as u32, *pxm))
            .collect();

        let pci_of = |pci: &[crate::layout::qemu::PciPlacement],
                      bridges: &[crate::layout::qemu::HostBridge]|
         -> Vec<PciPrediction> {
            pci.iter()
                .map(|pl| {
                    let d = &t.devices[pl.device];
                    PciPrediction {
                        name: d.name.value.clone(),
                        address: format!("0000:{:02x}:{:02x}.{}", pl.bus, pl.slot, pl.function),
                        ids: match &d.source.value {
                            DeviceSource::Emulated(StandIn::PciTestdev) => Some((0x1b36, 0x0005)),
                            DeviceSource::Host(_) => None,
                        },
                        bus: pl.bus,
                        devfn: pl.devfn(),
                        generic_initiator_pxms: d
                            .gi_nodes
                            .iter()
                            .map(|n| t.nodes[n.value].id.value)
                            .collect(),
                        bridge_pxm: pl.bridge.map(|b| bridges[b].node_id),
                    }
                })
                .collect()
        };
        let e820 = c.qemu().is_some();
        let memblock_nomap = c
            .virt()
            .and_then(|(p, _)| crate::layout::virt::flash_as_memory(p))
            .map(|f| (f.start, f.end()))
            .into_iter()
            .collect();
        let (uefi_ram, mpidr) = match c.virt() {
            Some((p, l)) => (
                l.nodes
                    .iter()
                    .flat_map(|n| n.ranges.iter())
                    .map(|r| Entry::new(r.start, r.size, crate::e820::Kind::Ram))
                    .collect(),
                Some(
                    (0..u32::try_from(t.machine.topology.max_cpus()).unwrap_or(u32::MAX))
                        .map(|i| crate::layout::virt::mpidr(p.gic_version.value, i))
                        .collect(),
                ),
            ),
            None => (Vec::new(), None),
        };
        let (firmware, kernel_args, fw_cfg, bios, user, windows, devices) =
            match (c.qemu(), c.virt()) {
                (Some((p, l, g)), _) => (
                    p.firmware.value,
                    l.kernel_args.clone(),
                    l.fw_cfg_e820.clone(),
                    g.bios.clone(),
                    g.user.clone(),
                    g.windows.clone(),
                    pci_of(&l.pci, &l.bridges),
                ),
                (None, Some((p, l))) => (
                    p.firmware.value,
                    Vec::new(),
                    Vec::new(),
                    Vec::new(),
                    None,
                    Vec::new(),
                    pci_of(&l.pci, &l.bridges),
                ),
                (None, None) => (
                    Firmware::Seabios,
                    Vec::new(),
                    Vec::new(),
                    Vec::new(),
                    None,
                    Vec::new(),
                    Vec::new(),
                ),
            };
        Prediction {
            firmware,
            e820,
            uefi_ram,
            memblock_nomap,
            virt_iomem: c
                .virt()
                .map(|(p, l)| crate::layout::virt::IomemView::of(l, p)),
            mpidr,
            kernel_args,
            fw_cfg,
            bios,
            user,
            windows,
            tables,
            srat,
            slit,
            hmat,
            numa,
            cpus,
            labels,
            devices,
            acpi_oem_revision: c.acpi_oem_revision,
            problems,
        }
    }

    /// `node 4 (PXM 2, apu0-hbm)`, or `node 4 (PXM 2)`.
    pub fn node_label(&self, node: u32) -> String {
        match self.numa.pxm_of(node) {
            Some(pxm) => match self.labels.get(&pxm) {
                Some(l) => match l.split_once('(') {
                    Some((_, name)) => format!("node{node} (PXM {pxm}, {}", name),
                    None => format!("node{node} (PXM {pxm})"),
                },
                None => format!("node{node} (PXM {pxm})"),
            },
            None => format!("node{node}"),
        }
    }
}

fn decode<T>(
    bytes: &[u8],
    sig: &str,
    problems: &mut Vec<String>,
    f: fn(&[u8]) -> Result<T, acpi::DecodeError>,
) -> Option<T> {
    match f(bytes) {
        Ok(t) => Some(t),
        Err(e) => {
            problems.push(format!("topoc's own {sig} does not decode: {e}"));
            None
        }
    }
}
