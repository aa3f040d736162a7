//! The spanned syntax tree: what the file says, with units parsed and every
//! value's span kept, but names not yet resolved and defaults not yet applied.

pub use super::reader::{BoolOrSize, RefName};
use crate::kinds::*;
use crate::source::{Sp, Span};
use crate::units::{CpuList, PciAddr};

pub type Ref = Sp<RefName>;

#[derive(Clone, Debug)]
pub struct Document {
    pub version: Sp<i64>,
    pub machine: Machine,
    pub nodes: Vec<Node>,
    pub devices: Vec<Device>,
    pub links: Vec<Link>,
    pub distances: Distances,
    pub hmat: Vec<HmatEntry>,
    pub qemu: QemuSettings,
    pub ch: ChSettings,
    pub libvirt: LibvirtSettings,
    /// `[lints]`, in file order, each lint once.
    pub lints: Vec<LintEntry>,
}

/// One key of `[lints]`: what it names and the level it sets.
#[derive(Clone, Debug)]
pub struct LintEntry {
    /// The key's span.
    pub key: Span,
    pub lint: crate::diag::lint::Lint,
    pub level: Sp<crate::diag::lint::Level>,
}

#[derive(Clone, Debug)]
pub struct Machine {
    pub span: Span,
    pub name: Sp<String>,
    pub description: Option<Sp<String>>,
    pub arch: Option<Sp<Arch>>,
    pub cpus: Cpus,
    pub hmat: Option<Sp<bool>>,
}

#[derive(Clone, Debug, Default)]
pub struct Cpus {
    pub span: Option<Span>,
    pub sockets: Option<Sp<u32>>,
    pub dies: Option<Sp<u32>>,
    pub cores: Option<Sp<u32>>,
    pub threads: Option<Sp<u32>>,
    pub boot: Option<Sp<u32>>,
}

#[derive(Clone, Debug)]
pub struct Node {
    pub span: Span,
    pub id: Sp<u32>,
    pub name: Option<Sp<String>>,
    pub cpus: Option<Sp<CpuList>>,
    pub memory: Option<Memory>,
    pub initiator: Option<Ref>,
}

#[derive(Clone, Debug)]
pub struct Memory {
    pub span: Span,
    pub size: Sp<u64>,
    pub kind: Option<Sp<MemKind>>,
    pub spm: Spm,
    pub latency: Option<Sp<u64>>,
    pub bandwidth: Option<Sp<u64>>,
    pub shared: Option<Sp<bool>>,
    pub hugepages: Option<Sp<BoolOrSize>>,
    pub path: Option<Sp<String>>,
    pub host_nodes: Option<Sp<CpuList>>,
    pub policy: Option<Sp<HostPolicy>>,
    pub prealloc: Option<Sp<bool>>,
    pub reserve: Option<Sp<bool>>,
    pub caches: Vec<Cache>,
}

#[derive(Clone, Debug)]
pub enum Spm {
    /// Not given, or `spm = false`.
    None,
    /// `spm = true`: the whole memory.
    Whole(Span),
    /// `spm = [{ offset, size }, ...]`.
    Parts(Vec<SpmPart>),
}

#[derive(Clone, Debug)]
pub struct SpmPart {
    pub span: Span,
    pub offset: Option<Sp<u64>>,
    pub size: Sp<u64>,
}

#[derive(Clone, Debug)]
pub struct Cache {
    pub span: Span,
    pub level: Sp<u8>,
    pub size: Sp<u64>,
    pub associativity: Option<Sp<Associativity>>,
    pub policy: Option<Sp<WritePolicy>>,
    pub line: Option<Sp<u16>>,
}

#[derive(Clone, Debug)]
pub struct Device {
    pub span: Span,
    pub name: Sp<String>,
    pub kind: Option<Sp<DeviceKind>>,
    pub host: Option<Sp<PciAddr>>,
    pub emulate: Option<Sp<StandIn>>,
    pub guest_slot: Option<Sp<u8>>,
    pub numa_node: Option<Ref>,
    pub initiator_nodes: Option<Sp<Vec<Ref>>>,
}

#[derive(Clone, Debug)]
pub struct Link {
    pub span: Span,
    pub from: Ref,
    pub to: Ref,
    pub kind: Sp<LinkKind>,
    pub latency: Sp<u64>,
    pub bandwidth: Option<Sp<u64>>,
    pub reverse_latency: Option<Sp<u64>>,
    pub reverse_bandwidth: Option<Sp<u64>>,
}

#[derive(Clone, Debug, Default)]
pub struct Distances {
    pub span: Option<Span>,
    pub asymmetric: Option<Sp<bool>>,
    pub reference_latency: Option<Sp<u64>>,
    pub pairs: Vec<DistancePair>,
}

#[derive(Clone, Debug)]
pub struct DistancePair {
    pub span: Span,
    pub from: Ref,
    pub to: Ref,
    pub value: Sp<u8>,
}

#[derive(Clone, Debug)]
pub struct HmatEntry {
    pub span: Span,
    pub initiator: Ref,
    pub target: Ref,
    pub latency: Option<Sp<u64>>,
    pub read_latency: Option<Sp<u64>>,
    pub write_latency: Option<Sp<u64>>,
    pub bandwidth: Option<Sp<u64>>,
    pub read_bandwidth: Option<Sp<u64>>,
    pub write_bandwidth: Option<Sp<u64>>,
}

#[derive(Clone, Debug, Default)]
pub struct QemuSettings {
    pub span: Option<Span>,
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

/// `[target.libvirt]` as written.
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

/// `[target.cloud-hypervisor]` as written.
#[derive(Clone, Debug, Default)]
pub struct ChSettings {
    pub span: Option<Span>,
    pub version: Option<Sp<ChVersion>>,
    pub boot: Option<Sp<ChBoot>>,
    pub kernel: Option<Sp<String>>,
    pub initramfs: Option<Sp<String>>,
    pub cmdline: Option<Sp<String>>,
    pub firmware: Option<Sp<String>>,
    pub fallback: Option<Sp<bool>>,
}
