//! The imported machine: what `import` learnt from its sources, before it is
//! fitted to a VM ([`super::fit`]) and written as TOML ([`super::render`]).
//!
//! It is shaped like the input language (nodes, memory, devices, distances,
//! HMAT entries), not like the IR: it carries no spans and no derived values,
//! but every value keeps where it came from, in words, for the comment the
//! file shows beside it.

use crate::kinds::{Associativity, DeviceKind, WritePolicy};
use crate::units::PciAddr;

/// Where a value came from, in words: the comment written beside it.
pub type From = String;

/// The whole imported machine.
#[derive(Clone, Debug, Default)]
pub struct Desc {
    /// `machine.name`.
    pub name: String,
    /// `machine.description`.
    pub description: String,
    /// One line per source that was read: what it is and what it held.
    pub sources: Vec<String>,
    /// What the import could not see, one line each ("the result says what
    /// it could not see").
    pub unseen: Vec<String>,
    /// What else a reader of the file should know: quirks of the input and
    /// what the import did about them, one line each.
    pub notes: Vec<String>,
    pub shape: Shape,
    /// In id order; ids run 0, 1, 2, ... .
    pub nodes: Vec<Node>,
    pub devices: Vec<Device>,
    pub distances: Option<Distances>,
    pub hmat: Vec<HmatPair>,
    /// Write `machine.hmat = true`: an HMAT was read but nothing in the file
    /// would otherwise ask for one.
    pub hmat_on: Option<From>,
    /// Write `machine.arch = "aarch64"`: the tables describe an Arm machine
    /// (GICC structures), and the VM is QEMU's aarch64 `virt`.
    pub aarch64: Option<From>,
}

/// `[machine.cpus]`.
#[derive(Clone, Debug)]
pub struct Shape {
    pub sockets: u32,
    pub dies: u32,
    pub cores: u32,
    pub threads: u32,
    pub from: From,
}

impl Default for Shape {
    fn default() -> Shape {
        Shape {
            sockets: 1,
            dies: 1,
            cores: 1,
            threads: 1,
            from: String::new(),
        }
    }
}

impl Shape {
    pub fn cpus(&self) -> u64 {
        [self.sockets, self.dies, self.cores, self.threads]
            .iter()
            .fold(1u64, |a, &b| a.saturating_mul(u64::from(b)))
    }
}

/// One `[[node]]`.
#[derive(Clone, Debug)]
pub struct Node {
    pub id: u32,
    pub name: String,
    /// The comment line above the node: what it was in the source.
    pub about: String,
    pub id_from: From,
    /// vCPUs, ascending.
    pub cpus: Vec<u32>,
    pub cpus_from: From,
    pub memory: Option<Memory>,
    /// The attached initiator (index into [`Desc::nodes`]).
    pub initiator: Option<(usize, From)>,
}

impl Node {
    pub fn has_memory(&self) -> bool {
        self.memory.is_some()
    }
}

/// `[node.memory]`.
#[derive(Clone, Debug)]
pub struct Memory {
    pub size: u64,
    pub from: From,
    /// Specific Purpose parts, by offset.
    pub spm: Vec<Spm>,
    /// Memory-side caches, by level.
    pub caches: Vec<Cache>,
}

/// One `[[node.memory.spm]]`.
#[derive(Clone, Debug)]
pub struct Spm {
    pub offset: u64,
    pub size: u64,
    pub from: From,
}

/// One `[[node.memory.cache]]`.
#[derive(Clone, Debug)]
pub struct Cache {
    pub level: u8,
    pub size: u64,
    pub associativity: Associativity,
    pub policy: WritePolicy,
    pub line: u16,
    pub from: From,
}

/// How a device reaches the VM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// `host = "..."`: passed through with VFIO.
    Host(PciAddr),
    /// `emulate = "pci-testdev"`.
    StandIn,
}

/// One `[[device]]`.
#[derive(Clone, Debug)]
pub struct Device {
    pub name: String,
    pub kind: DeviceKind,
    pub kind_from: From,
    /// The PCI address the source names it by (a host address from the
    /// host's tables, a guest address from a guest's).
    pub pci: Option<PciAddr>,
    pub source: Source,
    pub guest_slot: Option<u8>,
    /// The node whose host bridge it sits behind (index into
    /// [`Desc::nodes`]): the node the source's kernel gave the device.
    pub numa_node: Option<usize>,
    /// Generic Initiator nodes (indexes into [`Desc::nodes`]), ascending id.
    pub gi: Vec<usize>,
    pub about: String,
}

/// `[distances]`: every pair, from one table.
#[derive(Clone, Debug)]
pub struct Distances {
    /// `[from][to]` by node index.
    pub matrix: Vec<Vec<u8>>,
    /// What the matrix is, for the comment above it ("SLIT, 4 localities").
    pub from: From,
    /// How each node is named in the source, for the comment on each pair:
    /// `SLIT[PXM 0][PXM 1]` is `what` = "SLIT" and labels "PXM 0", "PXM 1".
    pub what: String,
    pub labels: Vec<String>,
}

impl Distances {
    pub fn is_symmetric(&self) -> bool {
        let n = self.matrix.len();
        (0..n).all(|i| (0..n).all(|j| self.matrix[i][j] == self.matrix[j][i]))
    }
}

/// HMAT data types as the input language's `[[hmat]]` keys, in ACPI order.
pub const HMAT_KEYS: [&str; 6] = [
    "latency",
    "read-latency",
    "write-latency",
    "bandwidth",
    "read-bandwidth",
    "write-bandwidth",
];

/// One `[[hmat]]`: the values of one initiator and one target, indexed like
/// [`HMAT_KEYS`]; latencies in ps, bandwidths in B/s.
#[derive(Clone, Debug)]
pub struct HmatPair {
    pub initiator: usize,
    pub target: usize,
    pub values: [Option<(u64, From)>; 6],
}
