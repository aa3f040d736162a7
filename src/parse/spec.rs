//! The input language, version 1, as data.
//!
//! Every table and key topoc reads is declared here once, with its type, its
//! default and its documentation. The reader uses it to refuse unknown keys
//! (with "did you mean"), `topoc schema` turns it into
//! `schemas/topoc.schema.json`, and the book's reference chapter is generated
//! from it. The parse stage reads keys only through this table, so the three
//! cannot drift apart.

/// The type of a key's value.
#[derive(Debug)]
pub enum Ty {
    /// A TOML integer in `[min, max]`.
    Int {
        min: i64,
        max: i64,
    },
    Bool,
    /// Free text.
    Str,
    /// An identifier: letters, digits, `-`, `_` and `.`, starting with a letter.
    Name,
    /// One of a fixed set of words.
    Enum(&'static [&'static str]),
    /// A size with a unit: `"4GiB"`. The integer `0` is also accepted.
    Size,
    /// A latency with a unit: `"120ns"`.
    Latency,
    /// A bandwidth with a unit: `"64GB/s"`.
    Bandwidth,
    /// A CPU or host-node list: `"0-3,8"`, an integer, or an array of integers.
    CpuList,
    /// A PCI address: `"0000:41:00.0"`.
    Pci,
    /// A reference to a node or device: its name, or a node id as an integer.
    Ref,
    /// An array of references.
    RefList,
    /// `true` or a size: hugepages.
    BoolOrSize,
    /// `true`/`false`, or an array of tables (SPM: the whole memory, or parts).
    BoolOrTables(&'static TableSpec),
    Table(&'static TableSpec),
    /// An array of tables (`[[node]]`).
    Tables(&'static TableSpec),
    /// Lint levels: a table whose keys are diagnostic codes (`T042`), their
    /// names (`spm-on-cpu-node`) or `warnings`, each one of
    /// [`crate::diag::lint::Level::KEYWORDS`].
    Lints,
}

#[derive(Debug)]
pub struct Field {
    pub key: &'static str,
    pub ty: Ty,
    pub required: bool,
    /// What the default is, in words, when the key is optional.
    pub default: Option<&'static str>,
    pub doc: &'static str,
    /// A TOML value, as written in a file.
    pub example: Option<&'static str>,
}

#[derive(Debug)]
pub struct TableSpec {
    /// Dotted path of the table in a document, `node.memory`.
    pub path: &'static str,
    pub doc: &'static str,
    pub fields: &'static [Field],
}

impl TableSpec {
    pub fn field(&self, key: &str) -> Option<&'static Field> {
        self.fields.iter().find(|f| f.key == key)
    }
}

const fn req(key: &'static str, ty: Ty, doc: &'static str, example: &'static str) -> Field {
    Field {
        key,
        ty,
        required: true,
        default: None,
        doc,
        example: Some(example),
    }
}

const fn opt(
    key: &'static str,
    ty: Ty,
    default: &'static str,
    doc: &'static str,
    example: &'static str,
) -> Field {
    Field {
        key,
        ty,
        required: false,
        default: Some(default),
        doc,
        example: Some(example),
    }
}

/// A word a key once took and no longer does, with what to write instead.
pub struct Retired {
    /// Dotted key, `target.qemu.spm`.
    pub key: &'static str,
    pub word: &'static str,
    pub instead: &'static str,
    pub why: &'static str,
}

/// Retired words: the reader names them with their replacement.
pub static RETIRED: &[Retired] = &[
    Retired {
        key: "target.qemu.spm",
        word: "numa-spm",
        instead: "use \"sp-mem\" (QEMU 11.1 and later) or \"kernel-memmap\" (every QEMU)",
        why: "`-numa node,spm=on` was a proposal (QEMU SPM series v2-v4) that no QEMU release took: QEMU refuses \"Invalid parameter 'spm'\"",
    },
    Retired {
        key: "target.qemu.spm",
        word: "memmap-type",
        instead: "use \"sp-mem\" (QEMU 11.1 and later) or \"kernel-memmap\" (every QEMU)",
        why: "`-numa node,memmap-type=spm` was a proposal (QEMU SPM series v5-v6) that no QEMU release took: QEMU refuses \"Invalid parameter 'memmap-type'\"",
    },
];

/// The language versions this topoc reads.
pub const VERSIONS: &[i64] = &[1];

use crate::kinds::*;

pub static ROOT: TableSpec = TableSpec {
    path: "",
    doc: "One machine: its CPUs, NUMA nodes, memory, devices and the links between them.",
    fields: &[
        req(
            "topoc",
            Ty::Int {
                min: 0,
                max: 1 << 16,
            },
            "Version of the input language this file is written in. This topoc reads version 1.",
            "1",
        ),
        req(
            "machine",
            Ty::Table(&MACHINE),
            "The machine as a whole.",
            "{ name = \"two-socket\" }",
        ),
        req(
            "node",
            Ty::Tables(&NODE),
            "NUMA nodes (ACPI proximity domains): CPUs, memory, or neither (Generic Initiator nodes).",
            "[{ id = 0, cpus = \"0-3\", memory = { size = \"4GiB\" } }]",
        ),
        opt(
            "device",
            Ty::Tables(&DEVICE),
            "no devices",
            "PCI devices that initiate memory traffic: GPUs and accelerators, passed through or emulated.",
            "[{ name = \"gpu0\", host = \"0000:41:00.0\", initiator-nodes = [\"gpu0-gi\"] }]",
        ),
        opt(
            "link",
            Ty::Tables(&LINK),
            "no links",
            "Interconnect links between nodes and devices. SLIT distances and HMAT values are derived from them.",
            "[{ from = \"socket0\", to = \"socket1\", kind = \"upi\", latency = \"110ns\" }]",
        ),
        opt(
            "distances",
            Ty::Table(&DISTANCES),
            "derived from links",
            "SLIT distances: how to derive them, and explicit values that win over derived ones.",
            "{ pair = [{ from = 0, to = 1, value = 21 }] }",
        ),
        opt(
            "hmat",
            Ty::Tables(&HMAT),
            "derived from links and memory",
            "Explicit HMAT latency and bandwidth between an initiator and a memory target; they win over derived values.",
            "[{ initiator = \"socket0\", target = \"hbm0\", latency = \"200ns\", bandwidth = \"400GiB/s\" }]",
        ),
        opt(
            "target",
            Ty::Table(&TARGET),
            "target defaults",
            "Per-target settings; command-line flags override them.",
            "{ qemu = { machine = \"q35\" } }",
        ),
        opt(
            "lints",
            Ty::Lints,
            "every warning is reported and does not stop the build",
            "Lint levels, as Cargo's `[lints]`: `\"allow\"` (not reported), `\"warn\"` or `\"deny\"` (an error) for a warning, named by its code (`T042`) or its name (`spm-on-cpu-node`), or for the group `warnings` (every warning not set by code). `--allow`, `--warn` and `--deny` on the command line win over the file. An error cannot be allowed or lowered to a warning.",
            "{ T042 = \"allow\" }",
        ),
    ],
};

pub static MACHINE: TableSpec = TableSpec {
    path: "machine",
    doc: "The machine as a whole.",
    fields: &[
        req(
            "name",
            Ty::Name,
            "A short name for the machine.",
            "\"mi300a\"",
        ),
        opt(
            "description",
            Ty::Str,
            "none",
            "Free text for people.",
            "\"2-socket APU node\"",
        ),
        opt(
            "arch",
            Ty::Enum(Arch::KEYWORDS),
            "\"x86_64\"",
            "Guest architecture. `aarch64` compiles the QEMU `virt` machine (Arm: GICC affinity, RAM from 1 GiB, no E820); cloud-hypervisor builds x86_64 only.",
            "\"x86_64\"",
        ),
        opt(
            "cpus",
            Ty::Table(&CPUS),
            "one socket with one core",
            "The vCPU topology.",
            "{ sockets = 2, cores = 4 }",
        ),
        opt(
            "hmat",
            Ty::Bool,
            "on when any latency, bandwidth or memory-side cache is given",
            "Whether to build an HMAT.",
            "true",
        ),
    ],
};

const TOPO_MAX: i64 = 4096;

pub static CPUS: TableSpec = TableSpec {
    path: "machine.cpus",
    doc: "The vCPU topology. sockets × dies × cores × threads is the number of possible vCPUs; CPU numbers in node `cpus` lists run from 0 to that number minus one, threads first.",
    fields: &[
        opt(
            "sockets",
            Ty::Int {
                min: 1,
                max: TOPO_MAX,
            },
            "1",
            "Sockets (packages).",
            "2",
        ),
        opt(
            "dies",
            Ty::Int {
                min: 1,
                max: TOPO_MAX,
            },
            "1",
            "Dies per socket.",
            "1",
        ),
        opt(
            "cores",
            Ty::Int {
                min: 1,
                max: TOPO_MAX,
            },
            "1",
            "Cores per die.",
            "4",
        ),
        opt(
            "threads",
            Ty::Int {
                min: 1,
                max: TOPO_MAX,
            },
            "1",
            "Threads per core.",
            "2",
        ),
        opt(
            "boot",
            Ty::Int {
                min: 1,
                max: TOPO_MAX,
            },
            "all of them",
            "vCPUs online at boot; the rest are hot-pluggable.",
            "4",
        ),
    ],
};

pub static NODE: TableSpec = TableSpec {
    path: "node",
    doc: "A NUMA node: one ACPI proximity domain.",
    fields: &[
        req(
            "id",
            Ty::Int {
                min: 0,
                max: u32::MAX as i64 - 1,
            },
            "The proximity domain number the guest's SRAT, SLIT and HMAT use.",
            "0",
        ),
        opt(
            "name",
            Ty::Name,
            "none",
            "A name other entries can refer to.",
            "\"socket0\"",
        ),
        opt(
            "cpus",
            Ty::CpuList,
            "no CPUs",
            "The vCPUs of this node.",
            "\"0-3\"",
        ),
        opt(
            "memory",
            Ty::Table(&MEMORY),
            "no memory",
            "The node's memory.",
            "{ size = \"4GiB\", kind = \"dram\" }",
        ),
        opt(
            "initiator",
            Ty::Ref,
            "none: the guest picks the best initiator from the HMAT",
            "The initiator attached to this node's memory in HMAT (Memory Proximity Domain Attributes). A CPU node is its own initiator.",
            "\"socket0\"",
        ),
    ],
};

pub static MEMORY: TableSpec = TableSpec {
    path: "node.memory",
    doc: "A node's memory and how the host backs it.",
    fields: &[
        req(
            "size",
            Ty::Size,
            "How much memory the node has.",
            "\"4GiB\"",
        ),
        opt(
            "kind",
            Ty::Enum(MemKind::KEYWORDS),
            "\"dram\"",
            "What the memory is: DRAM, HBM on an accelerator, or CXL-attached.",
            "\"hbm\"",
        ),
        opt(
            "spm",
            Ty::BoolOrTables(&SPM_RANGE),
            "false",
            "Specific Purpose Memory: `true` for the whole node, or a list of parts. The guest sees it as E820 soft-reserved, owned by a driver rather than the page allocator.",
            "true",
        ),
        opt(
            "latency",
            Ty::Latency,
            "none",
            "Access latency from the nearest initiator (the node's own CPUs, or the far end of the link that attaches it).",
            "\"90ns\"",
        ),
        opt(
            "bandwidth",
            Ty::Bandwidth,
            "none",
            "Access bandwidth from the nearest initiator.",
            "\"200GiB/s\"",
        ),
        opt(
            "shared",
            Ty::Bool,
            "false",
            "Map the host memory shared (`share=on`).",
            "true",
        ),
        opt(
            "hugepages",
            Ty::BoolOrSize,
            "false",
            "Back with hugepages: `true` for the host's default size, or a size.",
            "\"1GiB\"",
        ),
        opt(
            "path",
            Ty::Str,
            "anonymous memory",
            "A host file to back the memory, such as a device-dax node.",
            "\"/dev/dax0.0\"",
        ),
        opt(
            "host-nodes",
            Ty::CpuList,
            "none",
            "Host NUMA nodes to take the memory from.",
            "\"0\"",
        ),
        opt(
            "policy",
            Ty::Enum(HostPolicy::KEYWORDS),
            "\"bind\" when host-nodes is given, else \"default\"",
            "Host memory policy.",
            "\"bind\"",
        ),
        opt(
            "prealloc",
            Ty::Bool,
            "false",
            "Allocate all host memory at start.",
            "true",
        ),
        opt(
            "reserve",
            Ty::Bool,
            "true",
            "Reserve swap space for the backend; `false` lets a backend larger than free host memory start.",
            "false",
        ),
        opt(
            "cache",
            Ty::Tables(&CACHE),
            "none",
            "Memory-side caches in front of this memory (HMAT type 2), one per level.",
            "[{ level = 1, size = \"256MiB\" }]",
        ),
    ],
};

pub static SPM_RANGE: TableSpec = TableSpec {
    path: "node.memory.spm",
    doc: "A part of a node's memory marked Specific Purpose.",
    fields: &[
        opt(
            "offset",
            Ty::Size,
            "0",
            "Start, from the beginning of the node's memory.",
            "\"2GiB\"",
        ),
        req("size", Ty::Size, "Length.", "\"2GiB\""),
    ],
};

pub static CACHE: TableSpec = TableSpec {
    path: "node.memory.cache",
    doc: "A memory-side cache level.",
    fields: &[
        req(
            "level",
            Ty::Int { min: 1, max: 3 },
            "Cache level, 1 nearest the memory user.",
            "1",
        ),
        req("size", Ty::Size, "Cache size.", "\"256MiB\""),
        opt(
            "associativity",
            Ty::Enum(Associativity::KEYWORDS),
            "\"direct\"",
            "How addresses map to cache lines.",
            "\"direct\"",
        ),
        opt(
            "policy",
            Ty::Enum(WritePolicy::KEYWORDS),
            "\"write-back\"",
            "Write policy.",
            "\"write-back\"",
        ),
        opt(
            "line",
            Ty::Int { min: 1, max: 65535 },
            "64",
            "Line size in bytes.",
            "64",
        ),
    ],
};

pub static DEVICE: TableSpec = TableSpec {
    path: "device",
    doc: "A PCI device that initiates memory traffic, such as a GPU.",
    fields: &[
        req(
            "name",
            Ty::Name,
            "The device's name; also its id on the VMM command line.",
            "\"gpu0\"",
        ),
        opt(
            "kind",
            Ty::Enum(DeviceKind::KEYWORDS),
            "\"gpu\"",
            "What the device is.",
            "\"gpu\"",
        ),
        opt(
            "host",
            Ty::Pci,
            "none",
            "Host PCI address to pass through with VFIO.",
            "\"0000:41:00.0\"",
        ),
        opt(
            "emulate",
            Ty::Enum(StandIn::KEYWORDS),
            "none",
            "An emulated stand-in device, for tests without the hardware.",
            "\"pci-testdev\"",
        ),
        opt(
            "guest-slot",
            Ty::Int { min: 1, max: 31 },
            "the next free slot from 16 on the root bus (cloud-hypervisor: then from 15 down)",
            "PCI slot on the guest's root bus; it fixes the address in the SRAT Generic Initiator entry.",
            "16",
        ),
        opt(
            "numa-node",
            Ty::Ref,
            "none: the root bus, which the guest places on no node (`numa_node` -1)",
            "The node whose PCI host bridge the device sits behind: QEMU adds a NUMA-local expander bridge (`pxb-pcie` on q35, `pxb` on pc) with that node's proximity domain, so the guest reads the node as the device's `numa_node`.",
            "\"socket0\"",
        ),
        opt(
            "initiator-nodes",
            Ty::RefList,
            "none",
            "Nodes through which the device initiates memory traffic: one ACPI Generic Initiator entry each.",
            "[\"gpu0-gi\"]",
        ),
    ],
};

pub static LINK: TableSpec = TableSpec {
    path: "link",
    doc: "An interconnect link. Links are symmetric unless `reverse-*` values are given.",
    fields: &[
        req("from", Ty::Ref, "One end: a node or device.", "\"socket0\""),
        req("to", Ty::Ref, "The other end.", "\"socket1\""),
        req(
            "kind",
            Ty::Enum(LinkKind::KEYWORDS),
            "The interconnect.",
            "\"xgmi\"",
        ),
        req(
            "latency",
            Ty::Latency,
            "Latency added by crossing the link, from → to.",
            "\"40ns\"",
        ),
        opt(
            "bandwidth",
            Ty::Bandwidth,
            "unlimited",
            "Bandwidth from → to.",
            "\"64GB/s\"",
        ),
        opt(
            "reverse-latency",
            Ty::Latency,
            "same as latency",
            "Latency to → from, when the link is asymmetric.",
            "\"50ns\"",
        ),
        opt(
            "reverse-bandwidth",
            Ty::Bandwidth,
            "same as bandwidth",
            "Bandwidth to → from, when the link is asymmetric.",
            "\"32GB/s\"",
        ),
    ],
};

pub static DISTANCES: TableSpec = TableSpec {
    path: "distances",
    doc: "SLIT distances.",
    fields: &[
        opt(
            "asymmetric",
            Ty::Bool,
            "false",
            "Allow from → to and to → from to differ.",
            "true",
        ),
        opt(
            "reference-latency",
            Ty::Latency,
            "100ns",
            "The latency that distance 10 stands for when distances are derived from link latencies: a path of this latency doubles the distance (20). One value for the whole machine, so that no node moves the distances between others.",
            "\"100ns\"",
        ),
        opt(
            "pair",
            Ty::Tables(&DISTANCE_PAIR),
            "none",
            "Explicit distances; they win over derived ones.",
            "[{ from = \"socket0\", to = \"socket1\", value = 21 }]",
        ),
    ],
};

pub static DISTANCE_PAIR: TableSpec = TableSpec {
    path: "distances.pair",
    doc: "One explicit SLIT distance. Unless distances are asymmetric it sets both directions.",
    fields: &[
        req("from", Ty::Ref, "Source node.", "\"socket0\""),
        req("to", Ty::Ref, "Destination node.", "\"socket1\""),
        req(
            "value",
            Ty::Int { min: 0, max: 255 },
            "The distance; 10 means local.",
            "21",
        ),
    ],
};

pub static HMAT: TableSpec = TableSpec {
    path: "hmat",
    doc: "Explicit HMAT values for one initiator and one memory target.",
    fields: &[
        req(
            "initiator",
            Ty::Ref,
            "A node with CPUs or a Generic Initiator node.",
            "\"socket0\"",
        ),
        req("target", Ty::Ref, "A node with memory.", "\"hbm0\""),
        opt(
            "latency",
            Ty::Latency,
            "derived",
            "Access latency (read and write).",
            "\"200ns\"",
        ),
        opt(
            "read-latency",
            Ty::Latency,
            "latency",
            "Read latency.",
            "\"190ns\"",
        ),
        opt(
            "write-latency",
            Ty::Latency,
            "latency",
            "Write latency.",
            "\"210ns\"",
        ),
        opt(
            "bandwidth",
            Ty::Bandwidth,
            "derived",
            "Access bandwidth.",
            "\"400GiB/s\"",
        ),
        opt(
            "read-bandwidth",
            Ty::Bandwidth,
            "bandwidth",
            "Read bandwidth.",
            "\"400GiB/s\"",
        ),
        opt(
            "write-bandwidth",
            Ty::Bandwidth,
            "bandwidth",
            "Write bandwidth.",
            "\"300GiB/s\"",
        ),
    ],
};

pub static TARGET: TableSpec = TableSpec {
    path: "target",
    doc: "Per-target settings.",
    fields: &[
        opt(
            "qemu",
            Ty::Table(&QEMU),
            "QEMU 10.0, q35, SeaBIOS",
            "Settings for the qemu target.",
            "{ version = \"10.0\", machine = \"q35\" }",
        ),
        opt(
            "cloud-hypervisor",
            Ty::Table(&CLOUD_HYPERVISOR),
            "version 53.0, PVH boot, no payload, no fallback",
            "Settings for the cloud-hypervisor target.",
            "{ boot = \"pvh\", kernel = \"vmlinux\" }",
        ),
        opt(
            "libvirt",
            Ty::Table(&LIBVIRT),
            "libvirt 11.3, type qemu, no payload, no fallback",
            "Settings for the libvirt target; the QEMU that libvirt starts is described by [target.qemu].",
            "{ version = \"11.3\", domain-type = \"kvm\" }",
        ),
    ],
};

pub static QEMU: TableSpec = TableSpec {
    path: "target.qemu",
    doc: "Settings for the qemu target.",
    fields: &[
        opt(
            "version",
            Ty::Enum(QemuVersion::KEYWORDS),
            "\"10.0\"",
            "The QEMU release the command line is for. It decides what QEMU accepts and how it lays the guest out (the book's QEMU chapter lists each release and whether it was run or read from source).",
            "\"10.0\"",
        ),
        opt(
            "machine",
            Ty::Enum(QemuMachine::KEYWORDS),
            "\"q35\" on x86_64, \"virt\" on aarch64",
            "The machine type: `q35` or `pc` for x86_64, `virt` for aarch64.",
            "\"q35\"",
        ),
        opt(
            "gic-version",
            Ty::Enum(GicVersion::KEYWORDS),
            "\"3\"",
            "aarch64 `virt` only: the GIC version (`-machine virt,gic-version=`). GICv2 takes at most 8 vCPUs.",
            "\"3\"",
        ),
        opt(
            "spm",
            Ty::Enum(SpmDialect::KEYWORDS),
            "\"sp-mem\" from QEMU 11.1, \"kernel-memmap\" before",
            "How Specific Purpose Memory reaches the guest: QEMU's own `-device sp-mem` (QEMU 11.1 and later; needs firmware that keeps soft-reserved memory, `ovmf-sp`), or the guest kernel's `memmap=` argument (every QEMU, every firmware).",
            "\"kernel-memmap\"",
        ),
        opt(
            "firmware",
            Ty::Enum(Firmware::KEYWORDS),
            "\"seabios\" on x86_64, \"edk2-2020.11\" on aarch64",
            "The guest firmware. On x86_64 it rewrites the E820 map QEMU hands it; on aarch64 it is the edk2 build that carries QEMU's ACPI tables to the guest (2022.11 breaks guest NUMA).",
            "\"seabios\"",
        ),
        opt(
            "mmio64-size",
            Ty::Size,
            "32 GiB on q35, 2 GiB on pc, 512 GiB on virt",
            "The 64-bit PCI MMIO window, for devices with large BARs such as passed-through GPUs: `-global q35-pcihost.pci-hole64-size=` (q35), `-global i440FX-pcihost.pci-hole64-size=` (pc) or `-machine virt,highmem-mmio-size=` (virt: a power of two, not below 512 GiB). It counts in the guest's physical address space.",
            "\"1TiB\"",
        ),
        opt(
            "acpi-table-upgrade",
            Ty::Bool,
            "false",
            "The guest kernel takes topoc's SRAT, SLIT and HMAT from its initrd (Linux's ACPI table upgrade) in place of the firmware's: the tables get OEM revision 2 and the `acpi-initrd` artifact holds them as the cpio to put first in the initrd. On aarch64 with edk2 2022.11 the SRAT also covers the variable-store flash, which keeps guest NUMA working.",
            "true",
        ),
        opt(
            "cpu-model",
            Ty::Str,
            "\"qemu64\" on x86_64, \"cortex-a57\" on aarch64",
            "The `-cpu` argument, passed as written: a model, optionally followed by QEMU's comma-separated features (`qemu64,phys-bits=40`). It is pinned because the vendor changes the E820 map (the AMD HyperTransport hole); on aarch64 it bounds the guest physical address space.",
            "\"qemu64\"",
        ),
        opt(
            "max-ram-below-4g",
            Ty::Size,
            "the machine type's default",
            "Lower the amount of RAM QEMU places below 4 GiB.",
            "\"2GiB\"",
        ),
        opt(
            "memory-slots",
            Ty::Int { min: 0, max: 256 },
            "0",
            "Memory hotplug slots (`-m slots=`).",
            "2",
        ),
        opt(
            "max-memory",
            Ty::Size,
            "boot memory, plus sp-mem devices",
            "Maximum memory including hotpluggable (`-m maxmem=`).",
            "\"64GiB\"",
        ),
    ],
};

pub static CLOUD_HYPERVISOR: TableSpec = TableSpec {
    path: "target.cloud-hypervisor",
    doc: "Settings for the cloud-hypervisor target.",
    fields: &[
        opt(
            "version",
            Ty::Enum(ChVersion::KEYWORDS),
            "\"53.0\"",
            "The cloud-hypervisor release the command line is for; it decides how the SRAT writes a Generic Initiator's PCI device handle (start/end pairs up to 53.0, segment, bus and devfn from 54.0).",
            "\"53.0\"",
        ),
        opt(
            "boot",
            Ty::Enum(ChBoot::KEYWORDS),
            "\"pvh\"",
            "How the guest is entered, which decides its E820 map: `pvh` for an ELF with a PVH note (a vmlinux, rust-hypervisor-firmware, CLOUDHV.fd), `bzimage` for the 32-bit Linux boot protocol.",
            "\"pvh\"",
        ),
        opt(
            "kernel",
            Ty::Str,
            "none: add --kernel or --firmware yourself",
            "The guest kernel (`--kernel`): a vmlinux with a PVH note, or a bzImage with boot = \"bzimage\".",
            "\"/boot/vmlinux\"",
        ),
        opt(
            "initramfs",
            Ty::Str,
            "none",
            "The initramfs (`--initramfs`); needs `kernel`.",
            "\"initrd.img\"",
        ),
        opt(
            "cmdline",
            Ty::Str,
            "none",
            "The guest kernel command line (`--cmdline`); needs `kernel`.",
            "\"console=ttyS0\"",
        ),
        opt(
            "firmware",
            Ty::Str,
            "none",
            "A PVH firmware (`--firmware`), such as rust-hypervisor-firmware or CLOUDHV.fd; not together with `kernel`.",
            "\"hypervisor-fw\"",
        ),
        opt(
            "fallback",
            Ty::Bool,
            "false",
            "Compile what cloud-hypervisor cannot express into its closest faithful form (HMAT dropped, Specific Purpose Memory kept as ordinary RAM, stand-in devices dropped), each reported as a warning, instead of refusing it.",
            "true",
        ),
    ],
};

pub static LIBVIRT: TableSpec = TableSpec {
    path: "target.libvirt",
    doc: "Settings for the libvirt target. libvirt starts QEMU, so [target.qemu] still says which QEMU release, machine type and CPU model it runs.",
    fields: &[
        opt(
            "version",
            Ty::Enum(LibvirtVersion::KEYWORDS),
            "\"11.3\"",
            "The libvirt release the domain XML is for. It decides what the XML can express (Generic Initiators and memory-less cells from 11.8) and which QEMU arguments topoc predicts.",
            "\"11.3\"",
        ),
        opt(
            "domain-type",
            Ty::Enum(LibvirtDomainType::KEYWORDS),
            "\"qemu\"",
            "`<domain type=…>`: \"qemu\" (TCG) or \"kvm\".",
            "\"kvm\"",
        ),
        opt(
            "kernel",
            Ty::Str,
            "none",
            "`<os><kernel>`: a kernel for direct kernel boot (an absolute path).",
            "\"/boot/vmlinuz\"",
        ),
        opt(
            "initrd",
            Ty::Str,
            "none",
            "`<os><initrd>`; needs `kernel`.",
            "\"/boot/initrd.img\"",
        ),
        opt(
            "cmdline",
            Ty::Str,
            "none",
            "`<os><cmdline>`; needs `kernel`. topoc appends the `memmap=` arguments Specific Purpose Memory needs.",
            "\"console=ttyS0\"",
        ),
        opt(
            "console",
            Ty::Str,
            "none",
            "A file for the guest's first serial port (`<serial type='file'>`, an absolute path).",
            "\"/var/log/guest-console.log\"",
        ),
        opt(
            "fallback",
            Ty::Bool,
            "false",
            "Compile what libvirt cannot express into its closest faithful form (libvirt's own initiator choice, one direction of each HMAT pair, devices through `<qemu:commandline>`, Specific Purpose Memory through `memmap=`), each reported as a warning, instead of refusing it.",
            "true",
        ),
    ],
};

/// Every table spec, for schema and documentation generation.
pub static ALL_TABLES: &[&TableSpec] = &[
    &ROOT,
    &MACHINE,
    &CPUS,
    &NODE,
    &MEMORY,
    &SPM_RANGE,
    &CACHE,
    &DEVICE,
    &LINK,
    &DISTANCES,
    &DISTANCE_PAIR,
    &HMAT,
    &TARGET,
    &QEMU,
    &CLOUD_HYPERVISOR,
    &LIBVIRT,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_kebab_case_and_unique() {
        for t in ALL_TABLES {
            let mut seen = std::collections::BTreeSet::new();
            for f in t.fields {
                assert!(seen.insert(f.key), "{}.{} twice", t.path, f.key);
                assert!(
                    f.key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                    "{}.{} is not kebab-case",
                    t.path,
                    f.key
                );
                assert_eq!(f.required, f.default.is_none(), "{}.{}", t.path, f.key);
                assert!(
                    f.doc.ends_with('.'),
                    "{}.{} doc is a sentence",
                    t.path,
                    f.key
                );
            }
        }
    }
}
