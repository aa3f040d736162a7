//! The typed IR: one machine, names resolved, defaults applied.
//!
//! Indexes (`NodeIx`, `DevIx`) point into [`Topology::nodes`] (sorted by
//! proximity domain id) and [`Topology::devices`] (in file order). Every value
//! a diagnostic may blame keeps its span.

use crate::kinds::*;
use crate::source::{Sp, Span};
use crate::units::{CpuList, PciAddr};

pub type NodeIx = usize;
pub type DevIx = usize;

#[derive(Clone, Debug)]
pub struct Topology {
    pub machine: Machine,
    /// Sorted by `id`.
    pub nodes: Vec<Node>,
    pub devices: Vec<Device>,
    pub links: Vec<Link>,
    pub distances: DistanceSpec,
    pub hmat: Vec<HmatEntry>,
    /// `[target.qemu]` as written; the target profile combines it with flags.
    pub qemu: QemuSettings,
    /// `[target.cloud-hypervisor]` as written.
    pub ch: ChSettings,
    /// `[target.libvirt]` as written.
    pub libvirt: LibvirtSettings,
}

/// What the file says about the qemu target. Every setting keeps its span,
/// so a target diagnostic can point at it; `None` is "not written".
#[derive(Clone, Debug, Default)]
pub struct QemuSettings {
    pub version: Option<Sp<QemuVersion>>,
    pub machine: Option<Sp<QemuMachine>>,
    pub spm: Option<Sp<SpmDialect>>,
    pub firmware: Option<Sp<Firmware>>,
    pub cpu_model: Option<Sp<String>>,
    pub gic_version: Option<Sp<GicVersion>>,
    pub acpi_table_upgrade: Option<Sp<bool>>,
    pub mmio64_size: Option<Sp<u64>>,
    pub max_ram_below_4g: Option<Sp<u64>>,
    pub memory_slots: Option<Sp<u32>>,
    pub max_memory: Option<Sp<u64>>,
}

/// What the file says about the libvirt target (`[target.libvirt]`).
#[derive(Clone, Debug, Default)]
pub struct LibvirtSettings {
    pub version: Option<Sp<LibvirtVersion>>,
    pub domain_type: Option<Sp<LibvirtDomainType>>,
    pub kernel: Option<Sp<String>>,
    pub initrd: Option<Sp<String>>,
    pub cmdline: Option<Sp<String>>,
    pub console: Option<Sp<String>>,
    pub fallback: Option<Sp<bool>>,
}

/// What the file says about the cloud-hypervisor target.
#[derive(Clone, Debug, Default)]
pub struct ChSettings {
    pub version: Option<Sp<ChVersion>>,
    pub boot: Option<Sp<ChBoot>>,
    pub kernel: Option<Sp<String>>,
    pub initramfs: Option<Sp<String>>,
    pub cmdline: Option<Sp<String>>,
    pub firmware: Option<Sp<String>>,
    pub fallback: Option<Sp<bool>>,
}

#[derive(Clone, Debug)]
pub struct Machine {
    pub span: Span,
    pub name: Sp<String>,
    pub description: Option<String>,
    pub arch: Sp<Arch>,
    pub topology: CpuTopology,
    /// vCPUs online at boot.
    pub boot_cpus: Sp<u32>,
    /// `machine.hmat` as written; `None` means "when there is data".
    pub hmat: Option<Sp<bool>>,
}

#[derive(Clone, Debug)]
pub struct CpuTopology {
    pub span: Span,
    pub sockets: Sp<u32>,
    pub dies: Sp<u32>,
    pub cores: Sp<u32>,
    pub threads: Sp<u32>,
}

impl CpuTopology {
    /// sockets × dies × cores × threads, saturating.
    pub fn max_cpus(&self) -> u64 {
        [
            self.sockets.value,
            self.dies.value,
            self.cores.value,
            self.threads.value,
        ]
        .iter()
        .fold(1u64, |a, &b| a.saturating_mul(u64::from(b)))
    }

    /// (socket, die, core, thread) of a CPU index; threads vary fastest.
    pub fn coords(&self, cpu: u32) -> (u32, u32, u32, u32) {
        let t = self.threads.value;
        let c = self.cores.value;
        let d = self.dies.value;
        (cpu / (t * c * d), cpu / (t * c) % d, cpu / t % c, cpu % t)
    }
}

#[derive(Clone, Debug)]
pub struct Node {
    pub span: Span,
    pub id: Sp<u32>,
    pub name: Option<Sp<String>>,
    /// Sorted CPU indexes; detached and empty when the node has none.
    pub cpus: Sp<CpuList>,
    pub memory: Option<Memory>,
    /// The attached initiator for HMAT, when given.
    pub initiator: Option<Sp<NodeIx>>,
    /// Devices that name this node in `initiator-nodes` (file order).
    pub gi_devices: Vec<DevIx>,
}

impl Node {
    pub fn has_cpus(&self) -> bool {
        !self.cpus.is_empty()
    }

    pub fn has_memory(&self) -> bool {
        self.memory.as_ref().is_some_and(|m| m.size.value > 0)
    }

    pub fn memory_size(&self) -> u64 {
        self.memory.as_ref().map_or(0, |m| m.size.value)
    }

    /// A Generic Initiator node: some device initiates through it.
    pub fn is_generic_initiator(&self) -> bool {
        !self.gi_devices.is_empty()
    }

    /// An initiator for HMAT: it has CPUs or is a Generic Initiator.
    pub fn is_initiator(&self) -> bool {
        self.has_cpus() || self.is_generic_initiator()
    }

    /// "node 2 (hbm0)" or "node 2".
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("node {} ({})", self.id.value, n.value),
            None => format!("node {}", self.id.value),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Memory {
    pub span: Span,
    pub size: Sp<u64>,
    pub kind: MemKind,
    /// Specific Purpose parts, sorted by offset. `spm = true` is one part
    /// covering the whole memory.
    pub spm: Vec<SpmRange>,
    pub latency: Option<Sp<u64>>,
    pub bandwidth: Option<Sp<u64>>,
    pub backend: Backend,
    /// Sorted by level.
    pub caches: Vec<Cache>,
}

impl Memory {
    /// Whether every byte is Specific Purpose.
    pub fn all_spm(&self) -> bool {
        self.spm.iter().map(|r| r.size.value).sum::<u64>() == self.size.value
            && !self.spm.is_empty()
    }

    pub fn spm_bytes(&self) -> u64 {
        self.spm.iter().map(|r| r.size.value).sum()
    }
}

#[derive(Clone, Debug)]
pub struct SpmRange {
    pub span: Span,
    pub offset: Sp<u64>,
    pub size: Sp<u64>,
    /// Written as `spm = true`.
    pub whole: bool,
}

impl SpmRange {
    pub fn end(&self) -> u64 {
        self.offset.value.saturating_add(self.size.value)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Backend {
    pub shared: bool,
    /// `Some(None)`: the host's default hugepage size; `Some(Some(n))`: n bytes.
    pub hugepages: Option<Option<u64>>,
    pub path: Option<String>,
    pub host_nodes: Vec<u32>,
    pub policy: Option<HostPolicy>,
    pub prealloc: bool,
    pub reserve: bool,
    /// Where each setting was written, for the rules that judge them.
    pub spans: BackendSpans,
}

/// Spans of a backend's settings; `None` where the file does not give one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackendSpans {
    pub shared: Option<Span>,
    pub hugepages: Option<Span>,
    pub path: Option<Span>,
    pub host_nodes: Option<Span>,
    pub policy: Option<Span>,
    pub prealloc: Option<Span>,
    pub reserve: Option<Span>,
}

#[derive(Clone, Debug)]
pub struct Cache {
    pub span: Span,
    pub level: Sp<u8>,
    pub size: Sp<u64>,
    pub associativity: Associativity,
    pub policy: WritePolicy,
    pub line: u16,
}

#[derive(Clone, Debug)]
pub enum DeviceSource {
    /// VFIO passthrough of a host PCI function.
    Host(PciAddr),
    /// An emulated stand-in.
    Emulated(StandIn),
}

#[derive(Clone, Debug)]
pub struct Device {
    pub span: Span,
    pub name: Sp<String>,
    pub kind: DeviceKind,
    pub source: Sp<DeviceSource>,
    pub guest_slot: Option<Sp<u8>>,
    /// The node whose host bridge the device sits behind (`numa-node`).
    pub numa_node: Option<Sp<NodeIx>>,
    pub gi_nodes: Vec<Sp<NodeIx>>,
}

/// A link end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Endpoint {
    Node(NodeIx),
    Device(DevIx),
}

#[derive(Clone, Debug)]
pub struct LinkAttrs {
    pub latency: Sp<u64>,
    pub bandwidth: Option<Sp<u64>>,
}

#[derive(Clone, Debug)]
pub struct Link {
    pub span: Span,
    pub kind: Sp<LinkKind>,
    pub from: Sp<Endpoint>,
    pub to: Sp<Endpoint>,
    /// from → to.
    pub forward: LinkAttrs,
    /// to → from.
    pub reverse: LinkAttrs,
}

impl Link {
    pub fn is_asymmetric(&self) -> bool {
        self.forward.latency.value != self.reverse.latency.value
            || self.forward.bandwidth.as_ref().map(|b| b.value)
                != self.reverse.bandwidth.as_ref().map(|b| b.value)
    }
}

#[derive(Clone, Debug, Default)]
pub struct DistanceSpec {
    pub span: Option<Span>,
    pub asymmetric: Option<Sp<bool>>,
    pub reference_latency: Option<Sp<u64>>,
    pub pairs: Vec<DistancePair>,
}

#[derive(Clone, Debug)]
pub struct DistancePair {
    pub span: Span,
    pub from: Sp<NodeIx>,
    pub to: Sp<NodeIx>,
    pub value: Sp<u8>,
}

/// HMAT data types, numbered as in the ACPI table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DataType {
    AccessLatency = 0,
    ReadLatency = 1,
    WriteLatency = 2,
    AccessBandwidth = 3,
    ReadBandwidth = 4,
    WriteBandwidth = 5,
}

impl DataType {
    pub const ALL: [DataType; 6] = [
        DataType::AccessLatency,
        DataType::ReadLatency,
        DataType::WriteLatency,
        DataType::AccessBandwidth,
        DataType::ReadBandwidth,
        DataType::WriteBandwidth,
    ];

    pub fn is_latency(self) -> bool {
        (self as u8) < 3
    }

    /// QEMU's `data-type=` spelling.
    pub fn qemu_name(self) -> &'static str {
        match self {
            DataType::AccessLatency => "access-latency",
            DataType::ReadLatency => "read-latency",
            DataType::WriteLatency => "write-latency",
            DataType::AccessBandwidth => "access-bandwidth",
            DataType::ReadBandwidth => "read-bandwidth",
            DataType::WriteBandwidth => "write-bandwidth",
        }
    }

    pub fn from_u8(v: u8) -> Option<DataType> {
        DataType::ALL.get(usize::from(v)).copied()
    }
}

#[derive(Clone, Debug)]
pub struct HmatEntry {
    pub span: Span,
    pub initiator: Sp<NodeIx>,
    pub target: Sp<NodeIx>,
    /// Indexed by `DataType as usize`; latencies in ps, bandwidths in B/s.
    pub values: [Option<Sp<u64>>; 6],
}

impl Topology {
    pub fn node_by_id(&self, id: u32) -> Option<NodeIx> {
        self.nodes.binary_search_by_key(&id, |n| n.id.value).ok()
    }

    pub fn endpoint_label(&self, e: Endpoint) -> String {
        match e {
            Endpoint::Node(n) => self.nodes[n].label(),
            Endpoint::Device(d) => format!("device {}", self.devices[d].name.value),
        }
    }

    /// Sum of every node's memory: QEMU's `-m` and the guest's boot RAM.
    pub fn total_memory(&self) -> u64 {
        self.nodes
            .iter()
            .map(Node::memory_size)
            .fold(0u64, u64::saturating_add)
    }

    /// Initiator nodes (CPUs or Generic Initiator), ascending id.
    pub fn initiators(&self) -> Vec<NodeIx> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].is_initiator())
            .collect()
    }

    /// Nodes with memory, ascending id.
    pub fn memory_nodes(&self) -> Vec<NodeIx> {
        (0..self.nodes.len())
            .filter(|&i| self.nodes[i].has_memory())
            .collect()
    }

    /// Which node a CPU belongs to (the first, if the input lists it twice).
    pub fn node_of_cpu(&self, cpu: u32) -> Option<NodeIx> {
        self.nodes
            .iter()
            .position(|n| n.cpus.binary_search(&cpu).is_ok())
    }
}
