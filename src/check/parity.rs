//! The parity table: every refusal of QEMU 10.0, of the guest kernel and of
//! the guest firmware that the options topoc emits can reach, and what topoc
//! does about each one first.
//!
//! `topoc check` exits 0 only if QEMU starts the emitted command line and
//! the guest boots with the predicted view. This table is the account of
//! that promise, message by message: the source of the refusal (file, line,
//! function), its exact message, the condition that triggers it, and a
//! [`Verdict`]: the codes that catch it first, or why topoc's output cannot
//! reach it, or why it cannot be judged without the host, or that the
//! consumer only warns, or that topoc misses it (a gap).
//!
//! The book's chapter `reference/parity.md` is generated from [`ROWS`] by
//! `tests/book.rs`. A new refusal is one more [`Row`] here. The test below
//! holds the table to the code: every code it names is registered, every
//! "caught" row names the `tests/cases/` files that show its codes, and no
//! row is there twice.

use crate::diag::codes::{self, Code};

/// The QEMU build the rows marked [`Refuser::Qemu`] were read from.
pub const QEMU_READ: &str = "QEMU 10.0.2: the source of Debian's qemu 1:10.0.2+ds-2+deb13u1~bpo12+1 \
     (bookworm-backports, `qemu_10.0.2+ds.orig.tar.xz`), line numbers from that tree, and the \
     installed `qemu-system-x86_64` 10.0.2 started with the emitted command lines";

/// The guest kernel the rows marked [`Refuser::Linux`] were read from.
pub const LINUX_READ: &str = "Linux 6.1.192 (Debian `linux-image-6.1.0-57-cloud-amd64`, the kernel \
     the guest tests boot): messages from the kernel binary's strings, function bodies from \
     6.1 sources, behaviour from booted guests";

/// The firmware the rows marked [`Refuser::Firmware`] were read from.
pub const FIRMWARE_READ: &str = "SeaBIOS (coreboot/seabios `src/fw/paravirt.c`, `src/malloc.c`, \
     `src/e820map.c`) and Debian's OVMF (edk2 2022.11, \
     `OvmfPkg/Library/PlatformInitLib/MemDetect.c`)";

/// Who refuses, or changes what the guest gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Refuser {
    /// QEMU 10.0, at start, with topoc's command line.
    Qemu,
    /// The guest kernel, at boot.
    Linux,
    /// The guest firmware, between QEMU's tables and the kernel.
    Firmware,
}

impl Refuser {
    pub const ALL: [Refuser; 3] = [Refuser::Qemu, Refuser::Linux, Refuser::Firmware];

    pub fn as_str(self) -> &'static str {
        match self {
            Refuser::Qemu => "QEMU 10.0",
            Refuser::Linux => "Linux guest",
            Refuser::Firmware => "firmware",
        }
    }

    /// The heading of this refuser's rows.
    pub fn title(self) -> &'static str {
        match self {
            Refuser::Qemu => "QEMU 10.0",
            Refuser::Linux => "The Linux guest",
            Refuser::Firmware => "The firmware",
        }
    }

    /// The first letter of the row ids of this refuser.
    pub fn prefix(self) -> char {
        match self {
            Refuser::Qemu => 'Q',
            Refuser::Linux => 'L',
            Refuser::Firmware => 'F',
        }
    }
}

/// Where the refusal is written.
#[derive(Debug, PartialEq, Eq)]
pub struct Source {
    /// The path in the refuser's source tree.
    pub file: &'static str,
    /// The lines of the message calls in [`QEMU_READ`]'s tree; empty where
    /// the tree read gives no stable line (the kernel and the firmware).
    pub lines: &'static [u32],
    /// The function (or functions) that refuse.
    pub function: &'static str,
}

const fn at(file: &'static str, lines: &'static [u32], function: &'static str) -> Source {
    Source {
        file,
        lines,
        function,
    }
}

/// What topoc does about a row's condition.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// topoc reports it first, with these codes (errors stop the build, so
    /// QEMU never sees the line), shown by these `tests/cases/` files (stems).
    Caught {
        codes: &'static [&'static Code],
        cases: &'static [&'static str],
    },
    /// topoc's output cannot produce the condition, and why.
    Unreachable(&'static str),
    /// Only the host can tell (its memory, devices, files, accelerator), and why.
    HostDependent(&'static str),
    /// The consumer warns and goes on; topoc says nothing, and why that is fine.
    WarningOnly(&'static str),
    /// topoc lets the condition through: a file that checks clean fails.
    Gap(&'static str),
}

/// The kinds of [`Verdict`], for counting and for the book.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Caught,
    Unreachable,
    HostDependent,
    WarningOnly,
    Gap,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Caught,
        Kind::Unreachable,
        Kind::HostDependent,
        Kind::WarningOnly,
        Kind::Gap,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Caught => "caught",
            Kind::Unreachable => "unreachable",
            Kind::HostDependent => "host-dependent",
            Kind::WarningOnly => "warning only",
            Kind::Gap => "gap",
        }
    }
}

impl Verdict {
    pub fn kind(&self) -> Kind {
        match self {
            Verdict::Caught { .. } => Kind::Caught,
            Verdict::Unreachable(_) => Kind::Unreachable,
            Verdict::HostDependent(_) => Kind::HostDependent,
            Verdict::WarningOnly(_) => Kind::WarningOnly,
            Verdict::Gap(_) => Kind::Gap,
        }
    }

    /// The reason given, for every kind but [`Verdict::Caught`].
    pub fn why(&self) -> Option<&'static str> {
        match self {
            Verdict::Caught { .. } => None,
            Verdict::Unreachable(w)
            | Verdict::HostDependent(w)
            | Verdict::WarningOnly(w)
            | Verdict::Gap(w) => Some(w),
        }
    }
}

/// One refusal.
#[derive(Debug, PartialEq, Eq)]
pub struct Row {
    /// Stable id: Q (QEMU), L (Linux) or F (firmware) and a number, with a
    /// letter for a row split off a neighbour.
    pub id: &'static str,
    pub by: Refuser,
    pub source: Source,
    /// The exact messages, as format strings (`%u`, `%s`); a condition the
    /// refuser meets silently is described in parentheses.
    pub messages: &'static [&'static str],
    /// What triggers it, in topoc's terms where they differ.
    pub condition: &'static str,
    pub verdict: Verdict,
    /// Anything else worth knowing (Markdown; empty for none).
    pub note: &'static str,
    /// Codes for a neighbouring condition, which are not this row's first
    /// catch.
    pub see_also: &'static [&'static Code],
}

impl Row {
    /// Every code the row names: its catch and its see-also.
    pub fn codes(&self) -> impl Iterator<Item = &'static Code> + '_ {
        let caught: &[&Code] = match &self.verdict {
            Verdict::Caught { codes, .. } => codes,
            _ => &[],
        };
        caught.iter().chain(self.see_also).copied()
    }
}

use Refuser::{Firmware, Linux, Qemu};
use Verdict::{HostDependent, Unreachable, WarningOnly};

/// The table, QEMU first, then the guest kernel, then the firmware.
pub static ROWS: &[Row] = &[
    // ------------------------------------------------ hw/core/numa.c: -numa node
    Row {
        id: "Q1",
        by: Qemu,
        source: at("hw/core/numa.c", &[79], "parse_numa_node"),
        messages: &["Max number of NUMA nodes reached: %u"],
        condition: "a node id of 128 (QEMU's `MAX_NODES`) or more",
        verdict: Verdict::Caught {
            codes: &[&codes::T100],
            cases: &["T013-pxm-beyond-guest"],
        },
        note: "From 1024 on, the guest kernel cannot map the id either.",
        see_also: &[&codes::T013],
    },
    Row {
        id: "Q2",
        by: Qemu,
        source: at("hw/core/numa.c", &[85], "parse_numa_node"),
        messages: &["Duplicate NUMA nodeid: %u"],
        condition: "one node id twice",
        verdict: Verdict::Caught {
            codes: &[&codes::T010],
            cases: &["T010-duplicate-node-id"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q3",
        by: Qemu,
        source: at("hw/core/numa.c", &[96], "parse_numa_node"),
        messages: &[
            "ACPI Heterogeneous Memory Attribute Table (HMAT) is disabled, enable it with -machine hmat=on before using any of hmat specific options",
        ],
        condition: "`-numa node,initiator=` without `-machine hmat=on`",
        verdict: Unreachable(
            "the emitter writes `initiator=` only for a topology with HMAT data, which also writes `hmat=on`",
        ),
        note: "Without HMAT data (no latency or bandwidth anywhere, or `hmat = false`), a memory-only node's `initiator` then reaches no output.",
        see_also: &[],
    },
    Row {
        id: "Q4",
        by: Qemu,
        source: at("hw/core/numa.c", &[103], "parse_numa_node"),
        messages: &["The initiator id %u expects an integer between 0 and 127"],
        condition: "an initiator of 128 or more (QEMU prints this and goes on)",
        verdict: Unreachable("an initiator names a node, and node ids QEMU takes stop at 127"),
        note: "",
        see_also: &[&codes::T100],
    },
    Row {
        id: "Q5",
        by: Qemu,
        source: at("hw/core/numa.c", &[115], "parse_numa_node"),
        messages: &["CPU index (%u) should be smaller than maxcpus (%d)"],
        condition: "a node's `cpus` beyond sockets × dies × cores × threads",
        verdict: Verdict::Caught {
            codes: &[&codes::T021],
            cases: &["T021-cpu-outside-topology"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q6",
        by: Qemu,
        source: at("hw/core/numa.c", &[134, 141], "parse_numa_node"),
        messages: &[
            "numa configuration should use either mem= or memdev=,mixing both is not allowed",
            "Parameter -numa node,mem is not supported by this machine type",
        ],
        condition: "`-numa node,mem=`",
        verdict: Unreachable("topoc writes `memdev=` only"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q7",
        by: Qemu,
        source: at("hw/core/numa.c", &[157], "parse_numa_node"),
        messages: &["memdev=%s is ambiguous"],
        condition: "`memdev=` names no backend, or several",
        verdict: Unreachable(
            "each node's backend is `mem<id>`, written once, and node ids are unique",
        ),
        note: "",
        see_also: &[&codes::T010],
    },
    // ------------------------------------------------ -numa dist
    Row {
        id: "Q8",
        by: Qemu,
        source: at("hw/core/numa.c", &[180], "parse_numa_distance"),
        messages: &["Parameter '%s' expects an integer between 0 and %d"],
        condition: "`src` or `dst` of 128 or more",
        verdict: Verdict::Caught {
            codes: &[&codes::T100],
            cases: &["T013-pxm-beyond-guest"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q9",
        by: Qemu,
        source: at("hw/core/numa.c", &[186], "parse_numa_distance"),
        messages: &[
            "Source/Destination NUMA node is missing. Please use '-numa node' option to declare it first.",
        ],
        condition: "a distance to a node that is not declared",
        verdict: Unreachable(
            "distances are written only between emitted nodes; a pair naming an unknown node is refused when the file is read",
        ),
        note: "",
        see_also: &[&codes::T012],
    },
    Row {
        id: "Q10",
        by: Qemu,
        source: at("hw/core/numa.c", &[192], "parse_numa_distance"),
        messages: &["NUMA distance (%u) is invalid, it shouldn't be less than 10."],
        condition: "a distance below 10",
        verdict: Verdict::Caught {
            codes: &[&codes::T051],
            cases: &["T051-distance-range"],
        },
        note: "T051 also refuses 10 off the diagonal, which QEMU takes and the guest kernel does not ([L8](#L8)).",
        see_also: &[],
    },
    Row {
        id: "Q11",
        by: Qemu,
        source: at("hw/core/numa.c", &[199], "parse_numa_distance"),
        messages: &["Local distance of node %d should be 10."],
        condition: "a node's distance to itself other than 10",
        verdict: Verdict::Caught {
            codes: &[&codes::T050],
            cases: &["T050-local-distance"],
        },
        note: "The emitter never writes the diagonal.",
        see_also: &[],
    },
    // ------------------------------------------------ -numa hmat-lb
    Row {
        id: "Q12",
        by: Qemu,
        source: at("hw/core/numa.c", &[221, 226], "parse_numa_hmat_lb"),
        messages: &[
            "Invalid initiator=%d, it should be less than %d",
            "Invalid target=%d, it should be less than %d",
        ],
        condition: "an HMAT initiator or target id beyond the node count",
        verdict: Unreachable("node ids QEMU takes run from 0 without gaps"),
        note: "",
        see_also: &[&codes::T100],
    },
    Row {
        id: "Q13",
        by: Qemu,
        source: at("hw/core/numa.c", &[232], "parse_numa_hmat_lb"),
        messages: &["Invalid initiator=%d, it isn't an initiator proximity domain"],
        condition: "an HMAT initiator with no CPU and no Generic Initiator",
        verdict: Verdict::Caught {
            codes: &[&codes::T061],
            cases: &["T061-hmat-entry-values"],
        },
        note: "Derived HMAT values come from initiators only; T061 judges the `[[hmat]]` entries.",
        see_also: &[],
    },
    Row {
        id: "Q14",
        by: Qemu,
        source: at("hw/core/numa.c", &[237], "parse_numa_hmat_lb"),
        messages: &["The target=%d should point to an existing node"],
        condition: "an HMAT target that is not declared",
        verdict: Unreachable("HMAT targets are emitted nodes"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q15",
        by: Qemu,
        source: at(
            "hw/core/numa.c",
            &[256, 260, 319, 323],
            "parse_numa_hmat_lb",
        ),
        messages: &[
            "Missing 'latency' option",
            "Invalid option 'bandwidth' since the data type is latency",
            "Missing 'bandwidth' option",
            "Invalid option 'latency' since the data type is bandwidth",
        ],
        condition: "an `hmat-lb` whose value does not match its data type",
        verdict: Unreachable(
            "the emitter writes `latency=` for latency types and `bandwidth=` for bandwidth types, one of them per entry",
        ),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q16",
        by: Qemu,
        source: at("hw/core/numa.c", &[271, 340], "parse_numa_hmat_lb"),
        messages: &[
            "Duplicate configuration of the latency for initiator=%d and target=%d",
            "Duplicate configuration of the bandwidth for initiator=%d and target=%d",
        ],
        condition: "one initiator/target pair given twice for one data type",
        verdict: Verdict::Caught {
            codes: &[&codes::T014],
            cases: &["T014-duplicate-pair"],
        },
        note: "topoc would emit one value per pair; T014 refuses the second `[[hmat]]` entry instead of letting the last one win.",
        see_also: &[],
    },
    Row {
        id: "Q17",
        by: Qemu,
        source: at("hw/core/numa.c", &[299], "parse_numa_hmat_lb"),
        messages: &[
            "Latency %u between initiator=%d and target=%d should not differ from previously entered min or max values on more than 65534",
        ],
        condition: "latencies of one table more than 65534 base units apart",
        verdict: Verdict::Caught {
            codes: &[&codes::T106],
            cases: &["T106-hmat-ranges"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q18",
        by: Qemu,
        source: at("hw/core/numa.c", &[328], "parse_numa_hmat_lb"),
        messages: &["Bandwidth %u between initiator=%d and target=%d should be 1MB aligned"],
        condition: "a bandwidth that is not a whole number of MiB/s",
        verdict: Verdict::Caught {
            codes: &[&codes::T106],
            cases: &["T106-qemu-hmat-values"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q19",
        by: Qemu,
        source: at("hw/core/numa.c", &[365], "parse_numa_hmat_lb"),
        messages: &[
            "Bandwidth %u between initiator=%d and target=%d should not differ from previously entered values on more than 65534",
        ],
        condition: "bandwidths of one table more than 65534 base units apart",
        verdict: Verdict::Caught {
            codes: &[&codes::T106],
            cases: &["T106-hmat-ranges"],
        },
        note: "",
        see_also: &[],
    },
    // ------------------------------------------------ -numa hmat-cache
    Row {
        id: "Q20",
        by: Qemu,
        source: at("hw/core/numa.c", &[397], "parse_numa_hmat_cache"),
        messages: &["Invalid node-id=%u, it should be less than %d"],
        condition: "a cache on a node id beyond the node count",
        verdict: Unreachable("caches are written for emitted nodes, whose ids run from 0"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q21",
        by: Qemu,
        source: at("hw/core/numa.c", &[403], "parse_numa_hmat_cache"),
        messages: &[
            "The latency and bandwidth information of node-id=%u should be provided before memory side cache attributes",
        ],
        condition: "a memory-side cache on a node without a non-zero latency and bandwidth from some initiator",
        verdict: Verdict::Caught {
            codes: &[&codes::T107],
            cases: &["T107-qemu-cache-without-lb"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q22",
        by: Qemu,
        source: at("hw/core/numa.c", &[410], "parse_numa_hmat_cache"),
        messages: &["Invalid level=%u, it should be larger than 0 and less than or equal to 3"],
        condition: "a cache level outside 1 to 3",
        verdict: Verdict::Caught {
            codes: &[&codes::T004],
            cases: &["T004-values-qemu-refuses"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q23",
        by: Qemu,
        source: at(
            "hw/core/numa.c",
            &[419, 427, 435, 448],
            "parse_numa_hmat_cache",
        ),
        messages: &[
            "Duplicate configuration of the side cache for node-id=%u and level=%u",
            "Cache level=%u shall be defined first",
            "Invalid size=%u, the size of level=%u should be larger than the size(%u) of level=%u",
            "Invalid size=%u, the size of level=%u should be less than the size(%u) of level=%u",
        ],
        condition: "cache levels that repeat, skip a level, or do not grow outwards",
        verdict: Verdict::Caught {
            codes: &[&codes::T064],
            cases: &["T064-cache-levels"],
        },
        note: "T064 also refuses a cache as large as its memory, which QEMU accepts: a rule of topoc's own.",
        see_also: &[],
    },
    Row {
        id: "Q24",
        by: Qemu,
        source: at("hw/core/numa.c", &[465], "set_numa_options"),
        messages: &["NUMA is not supported by this machine-type"],
        condition: "`-numa` on a machine type without NUMA",
        verdict: Unreachable("topoc emits `q35` and `pc` only, which both have NUMA"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q25",
        by: Qemu,
        source: at("hw/core/numa.c", &[494, 504], "set_numa_options"),
        messages: &[
            "ACPI Heterogeneous Memory Attribute Table (HMAT) is disabled, enable it with -machine hmat=on before using any of hmat specific options",
        ],
        condition: "`-numa hmat-lb` or `-numa hmat-cache` without `-machine hmat=on`",
        verdict: Unreachable("both come from the derived HMAT, which also writes `hmat=on`"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q26",
        by: Qemu,
        source: at("hw/core/numa.c", &[572], "validate_numa_distance"),
        messages: &[
            "The distance between node %d and %d is missing, at least one distance value between each nodes should be provided.",
        ],
        condition: "a SLIT with a pair left out",
        verdict: Unreachable(
            "when topoc writes a SLIT it writes every pair, 255 for nodes with no link path between them",
        ),
        note: "",
        see_also: &[&codes::T053],
    },
    Row {
        id: "Q27",
        by: Qemu,
        source: at("hw/core/numa.c", &[593], "validate_numa_distance"),
        messages: &[
            "At least one asymmetrical pair of distances is given, please provide distances for both directions of all node pairs.",
        ],
        condition: "an asymmetric SLIT with one direction of a pair left out",
        verdict: Unreachable("an asymmetric SLIT is written in both directions of every pair"),
        note: "",
        see_also: &[&codes::T052],
    },
    Row {
        id: "Q28",
        by: Qemu,
        source: at("hw/core/numa.c", &[681], "numa_complete_configuration"),
        messages: &["numa: Node ID missing: %d"],
        condition: "node ids with a gap",
        verdict: Verdict::Caught {
            codes: &[&codes::T100],
            cases: &["T100-qemu-node-ids"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q29",
        by: Qemu,
        source: at("hw/core/numa.c", &[697], "numa_complete_configuration"),
        messages: &["total memory for NUMA nodes (0x%x) should equal RAM size (0x%x)"],
        condition: "the backends' sizes do not add up to `-m` after QEMU rounds it up to 8 KiB, or `-m 0`, which QEMU replaces by its 128 MiB default",
        verdict: Verdict::Caught {
            codes: &[&codes::T031, &codes::T036],
            cases: &["T031-misaligned-memory", "T036-no-boot-memory"],
        },
        note: "T031: a total that is no multiple of 8 KiB; T036: no boot RAM at all.",
        see_also: &[],
    },
    // ------------------------------------------------ hw/core/machine.c
    Row {
        id: "Q30",
        by: Qemu,
        source: at("hw/core/machine.c", &[659], "machine_set_mem"),
        messages: &[
            "invalid value of maxmem: maximum memory size (0x%x) must be at least the initial memory size (0x%x)",
        ],
        condition: "`max-memory` below the nodes' memory",
        verdict: Verdict::Caught {
            codes: &[&codes::T101],
            cases: &["T101-max-memory-below-ram"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q31",
        by: Qemu,
        source: at("hw/core/machine.c", &[666], "machine_set_mem"),
        messages: &[
            "invalid value of maxmem: memory slots were specified but maximum memory size (0x%x) is equal to the initial memory size (0x%x)",
        ],
        condition: "`memory-slots` without `max-memory` above the nodes' memory",
        verdict: Verdict::Caught {
            codes: &[&codes::T090],
            cases: &["T090-no-effect"],
        },
        note: "The emitter leaves `slots=` out in that case, so QEMU never sees it; T090 says that `memory-slots` reaches nothing.",
        see_also: &[],
    },
    Row {
        id: "Q32",
        by: Qemu,
        source: at("hw/core/machine.c", &[901], "machine_set_cpu_numa_node"),
        messages: &["CPU is already assigned to node-id: %d"],
        condition: "a vCPU listed by two nodes",
        verdict: Verdict::Caught {
            codes: &[&codes::T020],
            cases: &["T020-cpu-in-two-nodes"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q33",
        by: Qemu,
        source: at("hw/core/machine.c", &[914], "machine_set_cpu_numa_node"),
        messages: &["The initiator of CPU NUMA node %d should be itself (got %u)"],
        condition: "a node with CPUs whose `initiator` is another node",
        verdict: Verdict::Caught {
            codes: &[&codes::T105],
            cases: &["T105-cpu-node-initiator"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q34",
        by: Qemu,
        source: at("hw/core/machine.c", &[1410], "numa_validate_initiator"),
        messages: &["NUMA node %u is missing, use '-numa node' option to declare it first"],
        condition: "an `initiator=` naming an undeclared node",
        verdict: Unreachable(
            "an `initiator` names a node of the file, or the file is refused when it is read",
        ),
        note: "",
        see_also: &[&codes::T012],
    },
    Row {
        id: "Q35",
        by: Qemu,
        source: at("hw/core/machine.c", &[1417], "numa_validate_initiator"),
        messages: &["The initiator of NUMA node %d is invalid"],
        condition: "an `initiator=` naming a node without CPUs (a Generic Initiator node does not count)",
        verdict: Verdict::Caught {
            codes: &[&codes::T105, &codes::T060],
            cases: &[
                "T105-qemu-attached-initiator",
                "T060-bad-attached-initiator",
            ],
        },
        note: "T105: a Generic Initiator node; T060: a node with neither CPUs nor a Generic Initiator.",
        see_also: &[],
    },
    Row {
        id: "Q36",
        by: Qemu,
        source: at(
            "hw/core/machine.c",
            &[1469, 1471],
            "machine_numa_finish_cpu_init",
        ),
        messages: &[
            "CPU(s) not present in any NUMA nodes: %s",
            "All CPU(s) up to maxcpus should be described in NUMA config, ability to start up with partial NUMA mappings is obsoleted and will be removed in future",
        ],
        condition: "a vCPU in no node (QEMU warns and puts it on node 0)",
        verdict: Verdict::Caught {
            codes: &[&codes::T022],
            cases: &["T022-cpu-in-no-node"],
        },
        note: "Stricter than QEMU, which only warns: T022 is an error.",
        see_also: &[],
    },
    Row {
        id: "Q37",
        by: Qemu,
        source: at("hw/core/machine.c", &[1523], "machine_consume_memdev"),
        messages: &["memory backend %s can't be used multiple times."],
        condition: "one backend object for two nodes",
        verdict: Unreachable("topoc writes one backend per node"),
        note: "Two backends on one host file are another matter: [Q37b](#Q37b).",
        see_also: &[],
    },
    Row {
        id: "Q37b",
        by: Qemu,
        source: at("backends/hostmem-file.c", &[], "file_backend_memory_alloc"),
        messages: &["(no check: QEMU starts)"],
        condition: "two file backends with one `mem-path`: the guest sees the same memory in two nodes",
        verdict: Verdict::Caught {
            codes: &[&codes::T033],
            cases: &["T033-backing-file-twice"],
        },
        note: "A directory (a path ending in `/`, or a hugetlbfs mount) is fine: QEMU creates one file per backend.",
        see_also: &[],
    },
    // ------------------------------------------------ hw/core/machine-smp.c: -smp
    Row {
        id: "Q38",
        by: Qemu,
        source: at("hw/core/machine-smp.c", &[115], "machine_parse_smp_config"),
        messages: &["Invalid CPU topology: CPU topology parameters must be greater than zero"],
        condition: "sockets, dies, cores or threads of 0",
        verdict: Verdict::Caught {
            codes: &[&codes::T004],
            cases: &["T004-values-qemu-refuses"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q39",
        by: Qemu,
        source: at(
            "hw/core/machine-smp.c",
            &[126, 134, 142, 150, 158],
            "machine_parse_smp_config",
        ),
        messages: &[
            "dies > 1 not supported by this machine's CPU topology",
            "modules > 1 not supported by this machine's CPU topology",
            "clusters > 1 not supported by this machine's CPU topology",
            "books > 1 not supported by this machine's CPU topology",
            "drawers > 1 not supported by this machine's CPU topology",
        ],
        condition: "a topology level the machine type lacks",
        verdict: Unreachable(
            "pc and q35 take dies and modules (hw/i386/pc.c `pc_machine_class_init`), and topoc writes no modules, clusters, books or drawers",
        ),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q40",
        by: Qemu,
        source: at("hw/core/machine-smp.c", &[231], "machine_parse_smp_config"),
        messages: &["Invalid CPU topology: product of the hierarchy must match maxcpus: %s"],
        condition: "sockets × dies × cores × threads other than `maxcpus`",
        verdict: Unreachable("topoc writes `maxcpus` as that product"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q41",
        by: Qemu,
        source: at("hw/core/machine-smp.c", &[240], "machine_parse_smp_config"),
        messages: &["Invalid CPU topology: maxcpus must be equal to or greater than smp: %s"],
        condition: "more boot vCPUs than the topology holds",
        verdict: Verdict::Caught {
            codes: &[&codes::T024],
            cases: &["T024-boot-cpus"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q42",
        by: Qemu,
        source: at("hw/core/machine-smp.c", &[256], "machine_parse_smp_config"),
        messages: &["Invalid SMP CPUs %d. The max CPUs supported by machine '%s' is %d"],
        condition: "more vCPUs than the machine type's `max_cpus`: pc 255; q35 4096 from 9.0, 1024 in 8.1 and 8.2, 288 before (hw/i386/pc.c:1790, hw/i386/pc_q35.c:353, 405, 435)",
        verdict: Verdict::Caught {
            codes: &[&codes::T112],
            cases: &["T112-qemu-max-cpus"],
        },
        note: "topoc emits the unversioned `q35` and `pc`, so the limit is that of the chosen release's newest machine type.",
        see_also: &[],
    },
    // ------------------------------------------------ hw/intc, hw/i386
    Row {
        id: "Q43",
        by: Qemu,
        source: at("hw/intc/apic_common.c", &[447], "apic_common_set_id"),
        messages: &[
            "APIC ID %d requires x2APIC feature in CPU",
            "Try x2apic=on in -cpu.",
        ],
        condition: "an APIC id of 255 or more (ids are packed per socket, die and core) on a CPU model without x2apic; QEMU aborts",
        verdict: Verdict::Caught {
            codes: &[&codes::T113],
            cases: &["T113-qemu-x2apic"],
        },
        note: "",
        see_also: &[&codes::T118],
    },
    Row {
        id: "Q44",
        by: Qemu,
        source: at("hw/i386/x86-common.c", &[99], "x86_cpus_init"),
        messages: &["current -smp configuration requires kernel irqchip and X2APIC API support."],
        condition: "under KVM, APIC ids above 255 with an in-kernel irqchip whose host kernel lacks the X2APIC API",
        verdict: HostDependent(
            "KVM only, and the host kernel decides; topoc writes no accelerator",
        ),
        note: "Under TCG, QEMU before 9.0 refuses APIC ids above 254 with this message, which T113 reports.",
        see_also: &[&codes::T113],
    },
    Row {
        id: "Q45",
        by: Qemu,
        source: at("hw/i386/pc.c", &[877], "pc_memory_init"),
        messages: &["Address space limit 0x%x < 0x%x phys-bits too low (%u)"],
        condition: "RAM or device memory beyond the CPU model's physical address bits",
        verdict: Verdict::Caught {
            codes: &[&codes::T101],
            cases: &["T101-qemu-address-space"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q46",
        by: Qemu,
        source: at("hw/i386/pc.c", &[912], "pc_memory_init"),
        messages: &["\"-memory 'slots|maxmem'\" is not supported by: %s"],
        condition: "`slots` or `maxmem` on a machine type without device memory",
        verdict: Unreachable("pc and q35 both have device memory"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q47",
        by: Qemu,
        source: at("hw/i386/pc.c", &[924], "pc_memory_init"),
        messages: &["unsupported amount of memory slots: %u"],
        condition: "more than 256 memory slots",
        verdict: Verdict::Caught {
            codes: &[&codes::T004],
            cases: &["T004-values-qemu-refuses"],
        },
        note: "",
        see_also: &[&codes::T101],
    },
    Row {
        id: "Q48",
        by: Qemu,
        source: at("hw/i386/pc.c", &[931], "pc_memory_init"),
        messages: &["maximum memory size must by aligned to multiple of %d bytes"],
        condition: "`max-memory` that is no whole number of 4 KiB pages (\"by\" is QEMU's typo)",
        verdict: Verdict::Caught {
            codes: &[&codes::T031],
            cases: &["T031-max-memory-and-hugepages"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q49",
        by: Qemu,
        source: at("hw/i386/pc.c", &[939], "pc_memory_init"),
        messages: &["unsupported amount of maximum memory: 0x%x"],
        condition: "a device-memory end that overflows 64 bits: a `max-memory` near 16 EiB",
        verdict: Verdict::Caught {
            codes: &[&codes::T101],
            cases: &["T101-qemu-address-space"],
        },
        note: "T101 compares the highest address in use, device memory included, with at most 52 physical address bits, long before 64 bits overflow.",
        see_also: &[],
    },
    Row {
        id: "Q50",
        by: Qemu,
        source: at("hw/i386/pc.c", &[1631], "pc_machine_set_max_ram_below_4g"),
        messages: &["Machine option 'max-ram-below-4g=%u' expects size less than or equal to 4G"],
        condition: "`max-ram-below-4g` above 4 GiB",
        verdict: Verdict::Caught {
            codes: &[&codes::T114],
            cases: &["T114-qemu-below-4g"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q51",
        by: Qemu,
        source: at("hw/i386/pc.c", &[1638], "pc_machine_set_max_ram_below_4g"),
        messages: &[
            "Only %u bytes of RAM below the 4GiB boundary,BIOS may not work with less than 1MiB",
        ],
        condition: "`max-ram-below-4g` below 1 MiB (QEMU warns; 0 then means its default)",
        verdict: Verdict::Caught {
            codes: &[&codes::T114],
            cases: &["T114-below-1mib"],
        },
        note: "With `-kernel` and `-initrd`, QEMU then refuses to start: [Q84](#Q84).",
        see_also: &[],
    },
    Row {
        id: "Q52",
        by: Qemu,
        source: at("hw/i386/pc_q35.c", &[174], "pc_q35_init"),
        messages: &[
            "There is possibly poor performance as the ram size (0x%x) is more then twice the size of max-ram-below-4g (%u) and max-ram-below-4g is not a multiple of 1G.",
            "Large machine and max_ram_below_4g (%u) not a multiple of 1G; possible bad performance.",
        ],
        condition: "a `max-ram-below-4g` that lowers the split to no multiple of 1 GiB on a large machine (the second message is pc's, hw/i386/pc_piix.c:167 `pc_init1`)",
        verdict: WarningOnly(
            "a performance warning: QEMU starts and the guest gets the RAM topoc predicts",
        ),
        note: "A `max-ram-below-4g` that changes nothing is another matter, which T090 reports.",
        see_also: &[&codes::T090],
    },
    Row {
        id: "Q53",
        by: Qemu,
        source: at(
            "hw/i386/pc.c",
            &[1421, 1756],
            "pc_machine_device_pre_plug_cb, pc_hotplug_allowed",
        ),
        messages: &[
            "QEMU does not support multiple vIOMMUs for x86 yet.",
            "Device assignment is not allowed without enabling caching-mode=on for Intel IOMMU.",
        ],
        condition: "an IOMMU device",
        verdict: Unreachable("topoc emits no IOMMU"),
        note: "Interrupt remapping for APIC ids above 254 would need one: [L13](#L13).",
        see_also: &[],
    },
    // ------------------------------------------------ acpi-generic-initiator
    Row {
        id: "Q54",
        by: Qemu,
        source: at("hw/acpi/pci.c", &[127], "acpi_generic_initiator_set_node"),
        messages: &["acpi-generic-initiator: Invalid NUMA node specified"],
        condition: "a Generic Initiator node of 128 or more",
        verdict: Verdict::Caught {
            codes: &[&codes::T100],
            cases: &["T013-pxm-beyond-guest"],
        },
        note: "T100 judges every node id, Generic Initiator nodes included.",
        see_also: &[],
    },
    Row {
        id: "Q55",
        by: Qemu,
        source: at("hw/acpi/pci.c", &[163], "build_acpi_generic_initiator"),
        messages: &["acpi-generic-initiator: Specified node %d is invalid."],
        condition: "a Generic Initiator node that is not declared (found when the ACPI tables are built)",
        verdict: Unreachable(
            "Generic Initiator nodes are nodes of the file, and node ids run from 0 without gaps",
        ),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q56",
        by: Qemu,
        source: at("hw/acpi/pci.c", &[170], "build_acpi_generic_initiator"),
        messages: &["acpi-generic-initiator: Specified device must be a PCI device."],
        condition: "`pci-dev=` naming something other than a PCI device",
        verdict: Unreachable(
            "`pci-dev=` is the id of a `-device` topoc writes itself; names are unique",
        ),
        note: "",
        see_also: &[&codes::T011],
    },
    Row {
        id: "Q57",
        by: Qemu,
        source: at("hw/acpi/pci.c", &[], "build_acpi_generic_initiator"),
        messages: &["(no check: QEMU and Linux accept it)"],
        condition: "a Generic Initiator node that has CPUs or memory, or that two devices share",
        verdict: Verdict::Caught {
            codes: &[&codes::T075],
            cases: &["T075-initiator-node-placement"],
        },
        note: "A warning: nothing fails, but the guest cannot tell the device's accesses from the node's own. cloud-hypervisor refuses the same placements (T205, T206).",
        see_also: &[&codes::T205, &codes::T206],
    },
    Row {
        id: "Q58",
        by: Qemu,
        source: at("hw/acpi/hmat.c", &[99], "build_hmat_lb"),
        messages: &["(assertion on the memory hierarchy)"],
        condition: "an HMAT hierarchy other than memory",
        verdict: Unreachable("topoc writes `hierarchy=memory` only"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q59",
        by: Qemu,
        source: at("hw/i386/fw_cfg.c", &[163], "fw_cfg_build_smbios"),
        messages: &["(assertion: apic_id < apic_id_limit)"],
        condition: "an APIC id beyond the limit QEMU computed",
        verdict: Unreachable("QEMU computes the limit from the same topology"),
        note: "",
        see_also: &[],
    },
    // ------------------------------------------------ PCI
    Row {
        id: "Q60",
        by: Qemu,
        source: at("hw/pci/pci.c", &[1332, 1337], "do_pci_register_device"),
        messages: &["PCI: slot %d function %d not available for %s, in use by %s,id=%s"],
        condition: "two devices in one slot, or a device in a slot the machine's own devices hold",
        verdict: Verdict::Caught {
            codes: &[&codes::T110],
            cases: &["T110-qemu-pci-slot"],
        },
        note: "With `-nodefaults`; the default devices are [Q60b](#Q60b).",
        see_also: &[],
    },
    Row {
        id: "Q60b",
        by: Qemu,
        source: at("hw/pci/pci.c", &[1332, 1337], "do_pci_register_device"),
        messages: &["PCI: slot %d function %d not available for %s, in use by %s,id=%s"],
        condition: "an explicit `guest-slot` where QEMU's default VGA or NIC sits when QEMU is started without `-nodefaults`: slots 1 and 2 on q35, 2 and 3 on pc",
        verdict: Verdict::Caught {
            codes: &[&codes::T110],
            cases: &["T110-default-device-slot"],
        },
        note: "topoc's automatic slots start at 0x10, clear of the default devices; an explicit `guest-slot` there is refused.",
        see_also: &[],
    },
    Row {
        id: "Q61",
        by: Qemu,
        source: at("hw/pci/pci.c", &[1327], "do_pci_register_device"),
        messages: &["PCI: no slot/function available for %s, all in use or reserved"],
        condition: "a device without `addr=` on a full bus, or the multifunction checks of `pci_init_multifunction`",
        verdict: Unreachable("every device gets an explicit `addr=`, function 0"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q62",
        by: Qemu,
        source: at("hw/vfio/container.c", &[926], "vfio_legacy_attach_device"),
        messages: &["device is already attached"],
        condition: "one host PCI function passed through twice",
        verdict: Verdict::Caught {
            codes: &[&codes::T074],
            cases: &["T074-host-device-twice"],
        },
        note: "cloud-hypervisor's twin is T213.",
        see_also: &[&codes::T213],
    },
    Row {
        id: "Q63",
        by: Qemu,
        source: at("hw/vfio/helpers.c", &[643], "vfio_device_get_name"),
        messages: &["vfio %s: no such host device: No such file or directory"],
        condition: "a `host` PCI address the host does not have",
        verdict: HostDependent("only the host knows its PCI devices"),
        note: "",
        see_also: &[],
    },
    // ------------------------------------------------ memory backends
    Row {
        id: "Q64",
        by: Qemu,
        source: at("backends/hostmem.c", &[76], "host_memory_backend_set_size"),
        messages: &["property 'size' of %s doesn't take value '%u'"],
        condition: "a backend of 0 bytes",
        verdict: Verdict::Caught {
            codes: &[&codes::T030],
            cases: &["T030-zero-memory"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q65",
        by: Qemu,
        source: at(
            "backends/hostmem.c",
            &[126],
            "host_memory_backend_set_host_nodes",
        ),
        messages: &["Invalid host-nodes value: %d"],
        condition: "a host node of 128 or more",
        verdict: Verdict::Caught {
            codes: &[&codes::T032],
            cases: &["T032-host-nodes"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q66",
        by: Qemu,
        source: at(
            "backends/hostmem.c",
            &[237, 479],
            "host_memory_backend_set_prealloc, host_memory_backend_set_reserve",
        ),
        messages: &["'prealloc=on' and 'reserve=off' are incompatible"],
        condition: "`prealloc = true` with `reserve = false`",
        verdict: Verdict::Caught {
            codes: &[&codes::T032],
            cases: &["T032-backend-options"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q67",
        by: Qemu,
        source: at(
            "backends/hostmem.c",
            &[355],
            "host_memory_backend_memory_complete",
        ),
        messages: &["backend '%s' memory size must be multiple of %s"],
        condition: "a node that is no whole number of its (huge)pages",
        verdict: Verdict::Caught {
            codes: &[&codes::T031],
            cases: &["T031-max-memory-and-hugepages"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q68",
        by: Qemu,
        source: at(
            "backends/hostmem.c",
            &[381],
            "host_memory_backend_memory_complete",
        ),
        messages: &[
            "host-nodes must be empty for policy default, or you should explicitly specify a policy other than default",
        ],
        condition: "an explicit `policy = \"default\"` with `host-nodes`",
        verdict: Verdict::Caught {
            codes: &[&codes::T032],
            cases: &["T032-host-nodes"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q69",
        by: Qemu,
        source: at(
            "backends/hostmem.c",
            &[386],
            "host_memory_backend_memory_complete",
        ),
        messages: &["host-nodes must be set for policy %s"],
        condition: "`policy` bind, preferred or interleave without `host-nodes`",
        verdict: Verdict::Caught {
            codes: &[&codes::T032],
            cases: &["T032-backend-options"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q70",
        by: Qemu,
        source: at(
            "backends/hostmem.c",
            &[414],
            "host_memory_backend_memory_complete",
        ),
        messages: &["cannot bind memory to host NUMA nodes: %s"],
        condition: "`mbind()` fails: a host node the host does not have",
        verdict: HostDependent("only the host knows its NUMA nodes"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q71",
        by: Qemu,
        source: at(
            "backends/hostmem.c",
            &[138, 157],
            "host_memory_backend_set_host_nodes, host_memory_backend_set_policy",
        ),
        messages: &["NUMA node binding are not supported by this QEMU"],
        condition: "`host-nodes` or `policy` on a QEMU built without libnuma",
        verdict: HostDependent("depends on how the host's QEMU was built (Debian's has libnuma)"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q72",
        by: Qemu,
        source: at(
            "backends/hostmem-file.c",
            &[52],
            "file_backend_memory_alloc",
        ),
        messages: &["can't create backend with size 0"],
        condition: "a file backend of 0 bytes",
        verdict: Verdict::Caught {
            codes: &[&codes::T030],
            cases: &["T030-zero-memory"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q72b",
        by: Qemu,
        source: at(
            "backends/hostmem-file.c",
            &[56],
            "file_backend_memory_alloc",
        ),
        messages: &["mem-path property not set"],
        condition: "a file backend without `mem-path`",
        verdict: Unreachable("topoc writes a file backend only for a node with `path`"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q73",
        by: Qemu,
        source: at("system/physmem.c", &[2074], "qemu_ram_alloc_from_file"),
        messages: &["can't open backing store %s for guest RAM"],
        condition: "a `path` that does not exist or cannot be written",
        verdict: HostDependent("only the host knows its files"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q74",
        by: Qemu,
        source: at("system/physmem.c", &[2021], "qemu_ram_alloc_from_fd"),
        messages: &[
            "%s backing store size 0x%x is too small for 'size' option 0x%x plus 'offset' option 0x%x",
        ],
        condition: "an existing file (or device) smaller than the node",
        verdict: HostDependent("only the host knows its files' sizes"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q75",
        by: Qemu,
        source: at("system/physmem.c", &[1445], "file_ram_alloc"),
        messages: &["memory size 0x%x must be equal to or larger than page size 0x%x"],
        condition: "a hugepage-backed node smaller than one hugepage",
        verdict: Verdict::Caught {
            codes: &[&codes::T031],
            cases: &["T031-max-memory-and-hugepages"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q75b",
        by: Qemu,
        source: at("system/physmem.c", &[1477], "file_ram_alloc"),
        messages: &["unable to map backing store for guest RAM: %s"],
        condition: "`mmap()` fails: no hugepages reserved on the host, or a private mapping of a device-dax path",
        verdict: HostDependent("only the host knows its hugepage pools and devices"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q76",
        by: Qemu,
        source: at("system/physmem.c", &[1876], "ram_block_add"),
        messages: &["cannot set up guest memory '%s': %s"],
        condition: "a backend larger than the host's RAM and swap, without `reserve = false` (the kernel's overcommit heuristic)",
        verdict: HostDependent("only the host knows its memory"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q77",
        by: Qemu,
        source: at(
            "hw/mem/memory-device.c",
            &[361, 206],
            "memory_device_pre_plug, memory_device_check_addable",
        ),
        messages: &[
            "the configuration is not prepared for memory devices (e.g., for memory hotplug), consider specifying the maxmem option",
            "not enough space, currently 0x%x in use of total space for memory devices 0x%x",
        ],
        condition: "`sp-mem` devices without room in device memory: a `max-memory` too small for them",
        verdict: Verdict::Caught {
            codes: &[&codes::T111, &codes::T104],
            cases: &["T111-qemu-spm-dialect-version", "T104-spm-dialect-shape"],
        },
        note: "topoc emits memory devices only for `spm = \"sp-mem\"`: QEMU 10.0 has no sp-mem (T111); for 11.1, T104 checks the room `max-memory` leaves.",
        see_also: &[],
    },
    // ------------------------------------------------ devices, CPU models
    Row {
        id: "Q78",
        by: Qemu,
        source: at("system/qdev-monitor.c", &[254], "qdev_get_device_class"),
        messages: &["'%s' is not a valid device model name"],
        condition: "`-device sp-mem` on a release without it (merged for 11.1)",
        verdict: Verdict::Caught {
            codes: &[&codes::T111],
            cases: &["T111-qemu-spm-dialect-version"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q79",
        by: Qemu,
        source: at("qapi/opts-visitor.c", &[187], "opts_check_struct"),
        messages: &["Invalid parameter '%s'"],
        condition: "`-numa node,spm=on` or `-numa node,memmap-type=spm`: SPM proposals no release took",
        verdict: Verdict::Caught {
            codes: &[&codes::T004],
            cases: &["T004-values-qemu-refuses"],
        },
        note: "The input language no longer has those dialects; the reader's hint names the proposal and QEMU's refusal.",
        see_also: &[],
    },
    Row {
        id: "Q80",
        by: Qemu,
        source: at("target/i386/cpu.c", &[8271], "x86_cpu_realizefn"),
        messages: &["phys-bits should be between 32 and 52  (but is %u)"],
        condition: "`phys-bits` outside 32 to 52 in `cpu-model`",
        verdict: Verdict::Caught {
            codes: &[&codes::T116],
            cases: &["T116-qemu-cpu-model"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q81",
        by: Qemu,
        source: at("cpu-target.c", &[62], "parse_cpu_option"),
        messages: &["unable to find CPU model '%s'"],
        condition: "a `cpu-model` QEMU does not have",
        verdict: Verdict::Caught {
            codes: &[&codes::T116],
            cases: &["T116-qemu-cpu-model"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q82",
        by: Qemu,
        source: at("target/i386/cpu.c", &[8207], "x86_cpu_realizefn"),
        messages: &["CPU model '%s' requires KVM or HVF"],
        condition: "`host` (or another model that needs the host's CPUID) under TCG",
        verdict: HostDependent(
            "the accelerator is not part of topoc's command line; under KVM the model is fine",
        ),
        note: "T108 warns that such a model leaves the CPU vendor, and so the E820, to the host.",
        see_also: &[&codes::T108],
    },
    Row {
        id: "Q83",
        by: Qemu,
        source: at("target/i386/cpu.c", &[8251], "x86_cpu_realizefn"),
        messages: &[
            "This family of AMD CPU doesn't support hyperthreading(%d). Please configure -smp options properly or try enabling topoext feature.",
        ],
        condition: "threads > 1 on an AMD model without topoext (qemu64)",
        verdict: WarningOnly(
            "QEMU warns once and starts; the guest sees the threads topoc predicts",
        ),
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q84",
        by: Qemu,
        source: at("hw/i386/x86-common.c", &[875], "x86_load_linux"),
        messages: &["qemu: initrd is too large, cannot support.(max: %u, need %d)"],
        condition: "with `-kernel` and `-initrd`: `max-ram-below-4g` below 1 MiB (measured: 512 KiB leaves 360447 bytes for the initrd)",
        verdict: Verdict::Caught {
            codes: &[&codes::T114],
            cases: &["T114-below-1mib"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "Q85",
        by: Qemu,
        source: at("hw/i386/x86-common.c", &[875], "x86_load_linux"),
        messages: &["qemu: initrd is too large, cannot support.(max: %u, need %d)"],
        condition: "with `-kernel` and `-initrd`: RAM below 4 GiB of 1 MiB or more that is still smaller than the initrd and QEMU's ACPI data",
        verdict: HostDependent(
            "the kernel and initrd are the user's files, which topoc never reads",
        ),
        note: "",
        see_also: &[&codes::T114],
    },
    // ------------------------------------------------ the guest kernel
    Row {
        id: "Q86",
        by: Qemu,
        source: at("hw/arm/virt.c", &[], "virt_set_memmap"),
        messages: &["Addressing limited to %d bits, but memory exceeds it by %llu bytes"],
        condition: "aarch64 `virt`: RAM from 1 GiB plus device memory, each rounded up to 1 GiB, ends beyond the vCPU model's physical address bits (TCG: its ID_AA64MMFR0.PARange)",
        verdict: Verdict::Caught {
            codes: &[&codes::T121],
            cases: &["T121-virt-address-space"],
        },
        note: "Measured with qemu-system-aarch64 10.0.2: cortex-a57 stops at 44 bits, cortex-a53 at 40.",
        see_also: &[],
    },
    Row {
        id: "Q87",
        by: Qemu,
        source: at("hw/arm/virt.c", &[], "machvirt_init"),
        messages: &[
            "Number of SMP CPUs requested (%d) exceeds max CPUs supported by machine 'mach-virt' (%d)",
        ],
        condition: "aarch64 `virt` with `gic-version=2` and more than 8 vCPUs (GICv3: 512)",
        verdict: Verdict::Caught {
            codes: &[&codes::T122],
            cases: &["T122-virt-gic-cpus"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "L1",
        by: Linux,
        source: at(
            "arch/x86/realmode/init.c",
            &[],
            "reserve_real_mode, init_real_mode",
        ),
        messages: &[
            "No sub-1M memory is available for the trampoline",
            "Kernel panic - not syncing: Real mode trampoline was not allocated",
        ],
        condition: "no usable RAM in [4 KiB, 0x9fc00) of the guest's E820: Specific Purpose Memory at guest-physical 0 (the node with the lowest id and memory comes first)",
        verdict: Verdict::Caught {
            codes: &[&codes::T045],
            cases: &["T045-spm-boot-memory"],
        },
        note: "Booted: the panic, with and without KASLR.",
        see_also: &[],
    },
    Row {
        id: "L2",
        by: Linux,
        source: at("(early boot)", &[], ""),
        messages: &["(nothing on the console)"],
        condition: "no ordinary RAM at all: every byte is Specific Purpose Memory",
        verdict: Verdict::Caught {
            codes: &[&codes::T045],
            cases: &["T045-all-spm"],
        },
        note: "Booted: no console output in 240 s. T045 asks for at least 128 MiB of ordinary RAM.",
        see_also: &[&codes::T042],
    },
    Row {
        id: "L3",
        by: Linux,
        source: at(
            "arch/x86/boot/compressed/kaslr.c",
            &[],
            "parse_memmap, mem_avoid_memmap",
        ),
        messages: &["(silent: the kernel image lands inside a soft-reserved range)"],
        condition: "with `memmap=SIZE%START` (the kernel-memmap dialect), the decompressor reads SIZE as a memory limit and avoids no range: SPM in RAM below the smallest SPM size can receive the kernel",
        verdict: Verdict::Caught {
            codes: &[&codes::T045],
            cases: &["T045-spm-boot-memory"],
        },
        note: "Booted with KASLR: `Kernel code` inside `Soft Reserved`, then `hmem: probe of hmem.1 failed with error -12`.",
        see_also: &[],
    },
    Row {
        id: "L4",
        by: Linux,
        source: at("drivers/dax/hmem/hmem.c", &[], "dax_hmem_probe"),
        messages: &["hmem: probe of hmem.%d failed with error -12"],
        condition: "a soft-reserved range of the guest's E820 (after the firmware) that is not 2 MiB aligned in start and size",
        verdict: Verdict::Caught {
            codes: &[&codes::T044],
            cases: &["T044-spm-alignment", "T044-top-of-low-ram"],
        },
        note: "T044 judges the guest's predicted E820, so it sees what the firmware keeps for itself ([F3](#F3)).",
        see_also: &[],
    },
    Row {
        id: "L5",
        by: Linux,
        source: at("mm/page_alloc.c", &[], "free_area_init"),
        messages: &["Initmem setup node %d as memoryless"],
        condition: "a node with CPUs whose memory is all Specific Purpose",
        verdict: Verdict::Caught {
            codes: &[&codes::T042],
            cases: &["T042-spm-on-cpu-node"],
        },
        note: "A warning: the guest boots, and the CPUs allocate from other nodes.",
        see_also: &[],
    },
    Row {
        id: "L6",
        by: Linux,
        source: at("arch/x86/mm/numa.c", &[], "numa_register_memblks"),
        messages: &["(silent: a node under NODE_MIN_SIZE, 4 MiB, is dropped)"],
        condition: "a node smaller than 4 MiB",
        verdict: Unreachable(
            "not in this kernel: booted, Linux 6.1.192 sets up a 2 MiB node (`Initmem setup node 1 [mem 0x80000000-0x801dffff]`)",
        ),
        note: "",
        see_also: &[],
    },
    Row {
        id: "L7",
        by: Linux,
        source: at("arch/x86/mm/numa.c", &[], "numa_meminfo_cover_memory"),
        messages: &["NUMA: nodes only cover %LuMB of your %LuMB e820 RAM. Not used."],
        condition: "the SRAT misses more than 1 MiB of the E820's RAM",
        verdict: Unreachable(
            "QEMU's SRAT covers every byte of `-m`; Specific Purpose Memory only takes RAM out of the E820",
        ),
        note: "",
        see_also: &[],
    },
    Row {
        id: "L8",
        by: Linux,
        source: at(
            "drivers/acpi/numa/srat.c",
            &[],
            "slit_valid, acpi_numa_slit_init",
        ),
        messages: &["ACPI: SLIT table looks invalid. Not used."],
        condition: "a diagonal other than 10, or an off-diagonal of 10 or less",
        verdict: Verdict::Caught {
            codes: &[&codes::T050, &codes::T051],
            cases: &["T050-local-distance", "T051-distance-range"],
        },
        note: "Booted: QEMU takes a remote 10 and the guest drops the whole SLIT; 255 is kept (`distance: 10 255`).",
        see_also: &[],
    },
    Row {
        id: "L9",
        by: Linux,
        source: at("drivers/acpi/numa/srat.c", &[], "acpi_numa_slit_init"),
        messages: &["(silent: the row is skipped)"],
        condition: "a SLIT row for a proximity domain with no SRAT entry: a node with no CPUs, no memory and no device",
        verdict: Verdict::Caught {
            codes: &[&codes::T081],
            cases: &["T081-empty-node"],
        },
        note: "A warning on qemu; cloud-hypervisor refuses the node (T207).",
        see_also: &[&codes::T207],
    },
    Row {
        id: "L10",
        by: Linux,
        source: at(
            "drivers/acpi/numa/srat.c",
            &[],
            "acpi_numa_memory_affinity_init, acpi_parse_gi_affinity, bad_srat",
        ),
        messages: &[
            "ACPI: SRAT: Too many proximity domains.",
            "ACPI: SRAT: SRAT not used.",
        ],
        condition: "a proximity domain of 1024 (MAX_PXM_DOMAINS) or more, or more domains than nodes",
        verdict: Verdict::Caught {
            codes: &[&codes::T013, &codes::T100],
            cases: &["T013-pxm-beyond-guest"],
        },
        note: "On qemu, T100 refuses ids from 128 first.",
        see_also: &[],
    },
    Row {
        id: "L11",
        by: Linux,
        source: at(
            "drivers/acpi/numa/srat.c",
            &[],
            "acpi_numa_memory_affinity_init, numa_add_memblk_to",
        ),
        messages: &[
            "ACPI: SRAT: Failed to add memblk to node %u [mem %#010Lx-%#010Lx]",
            "too many memblk ranges",
        ],
        condition: "more than NR_NODE_MEMBLKS (2048) memory ranges",
        verdict: Unreachable(
            "at most 128 nodes of at most three ranges each (below 4 GiB, above it, device memory)",
        ),
        note: "`numa_add_memblk_to()` is in arch/x86/mm/numa.c.",
        see_also: &[],
    },
    Row {
        id: "L12",
        by: Linux,
        source: at("arch/x86/mm/srat.c", &[], "acpi_numa_x2apic_affinity_init"),
        messages: &["SRAT: PXM %u -> APIC 0x%04x -> Node %u skipped apicid that is too big"],
        condition: "an APIC id of MAX_LOCAL_APIC (32768) or more",
        verdict: Unreachable(
            "QEMU takes at most 4096 vCPUs, and each packed level at most doubles its count, so APIC ids stay below 8 × 4096",
        ),
        note: "",
        see_also: &[&codes::T112],
    },
    Row {
        id: "L13",
        by: Linux,
        source: at(
            "arch/x86/kernel/apic/apic.c",
            &[],
            "try_to_enable_x2apic, generic_processor_info",
        ),
        messages: &[
            "x2apic: IRQ remapping doesn't support X2APIC mode",
            "APIC: Disabling requested cpu. Processor %d/0x%x ignored.",
        ],
        condition: "APIC ids above 254 without interrupt remapping (topoc writes no `intel-iommu,intremap=on,eim=on`)",
        verdict: Verdict::Caught {
            codes: &[&codes::T118],
            cases: &["T118-qemu-interrupt-remapping"],
        },
        note: "A warning: under KVM the guest can use extended destination ids instead.",
        see_also: &[],
    },
    Row {
        id: "L14",
        by: Linux,
        source: at("arch/x86/mm/numa.c", &[], "numa_init, dummy_numa_init"),
        messages: &[
            "No NUMA configuration found",
            "Faking a node at [mem %#018Lx-%#018Lx]",
        ],
        condition: "no SRAT, or an SRAT the kernel discarded",
        verdict: Verdict::Caught {
            codes: &[&codes::T013, &codes::T100],
            cases: &["T013-pxm-beyond-guest"],
        },
        note: "Only through [L10](#L10): every file has a node (the reader refuses one without), and QEMU writes an SRAT for it.",
        see_also: &[&codes::T005],
    },
    Row {
        id: "L15",
        by: Linux,
        source: at("arch/x86/mm/numa.c", &[], "numa_set_distance"),
        messages: &["Warning: invalid distance parameter, from=%d to=%d distance=%d"],
        condition: "a distance the kernel cannot store",
        verdict: Unreachable("`slit_valid()` ([L8](#L8)) has refused any such SLIT before"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "L16",
        by: Linux,
        source: at("drivers/acpi/numa/hmat.c", &[], "hmat_init"),
        messages: &["acpi/hmat: Ignoring: Unknown revision:%d"],
        condition: "an HMAT revision other than 1 or 2",
        verdict: Unreachable("QEMU writes revision 2"),
        note: "",
        see_also: &[],
    },
    Row {
        id: "L16b",
        by: Linux,
        source: at("drivers/acpi/numa/hmat.c", &[], "hmat_init"),
        messages: &["acpi/hmat: Ignoring: Invalid table"],
        condition: "a subtable the kernel refuses: QEMU before 9.0 writes memory attributes for memory-less nodes",
        verdict: Verdict::Caught {
            codes: &[&codes::T117],
            cases: &["T117-qemu-hmat-memoryless"],
        },
        note: "Measured with QEMU 7.2.22 and Linux 6.1; QEMU 10.0's tables are well formed.",
        see_also: &[],
    },
    Row {
        id: "L17",
        by: Linux,
        source: at(
            "drivers/acpi/numa/hmat.c",
            &[],
            "hmat_parse_proximity_domain",
        ),
        messages: &[
            "acpi/hmat: Memory Domain missing from SRAT",
            "acpi/hmat: Invalid Processor Domain",
        ],
        condition: "an attached initiator or memory domain without an SRAT node",
        verdict: Unreachable(
            "QEMU attaches only CPU nodes as initiators, and every memory node has its SRAT entry",
        ),
        note: "",
        see_also: &[&codes::T060, &codes::T105],
    },
    Row {
        id: "L18",
        by: Linux,
        source: at("drivers/acpi/numa/hmat.c", &[], "hmat_normalize"),
        messages: &["(silent: the value reads as 0, no data)"],
        condition: "an HMAT entry × base unit beyond 32 bits",
        verdict: Verdict::Caught {
            codes: &[&codes::T065],
            cases: &["T065-hmat-precision"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "L19",
        by: Linux,
        source: at("drivers/acpi/numa/hmat.c", &[], "hmat_parse_locality"),
        messages: &["acpi/hmat:   Initiator-Target[%u-%u]:%u nsec"],
        condition: "an HMAT value of 0, which means \"no data\"",
        verdict: Verdict::Caught {
            codes: &[&codes::T061],
            cases: &["T061-hmat-entry-values"],
        },
        note: "Booted: `latency = \"0ns\"` reads `0 nsec`.",
        see_also: &[],
    },
    Row {
        id: "L20",
        by: Linux,
        source: at("arch/x86/kernel/e820.c", &[], "__e820__range_add"),
        messages: &["too many entries; ignoring [mem %#010llx-%#010llx]"],
        condition: "more E820 entries than E820_MAX_ENTRIES (3200 with Debian's 1024 nodes), for example many SPM parts cut by `memmap=`",
        verdict: Verdict::Caught {
            codes: &[&codes::T035],
            cases: &["T035-e820-entry-limit"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "L21",
        by: Linux,
        source: at("arch/x86/kernel/head64.c", &[], "copy_bootdata"),
        messages: &["(silent: the command line is cut at COMMAND_LINE_SIZE)"],
        condition: "`memmap=` arguments longer than 2047 bytes",
        verdict: Verdict::Caught {
            codes: &[&codes::T109],
            cases: &["T109-kernel-cmdline-too-long"],
        },
        note: "",
        see_also: &[],
    },
    Row {
        id: "L22",
        by: Linux,
        source: at("arch/x86/boot/cpu.c", &[], "validate_cpu"),
        messages: &[
            "This kernel requires an %s CPU, ",
            "Unable to boot - please use a kernel appropriate for your CPU.",
        ],
        condition: "a 32-bit CPU model (`qemu32`, `486`, `pentium`…): the setup code prints to the VGA console only",
        verdict: Verdict::Caught {
            codes: &[&codes::T116],
            cases: &["T116-32-bit-model"],
        },
        note: "Booted: no serial output in 240 s.",
        see_also: &[],
    },
    // ------------------------------------------------ the firmware
    Row {
        id: "L23",
        by: Linux,
        source: at(
            "drivers/acpi/numa/srat.c",
            &[],
            "acpi_numa_gicc_affinity_init, acpi_map_pxm_to_node",
        ),
        messages: &[
            "ACPI: SRAT: Too many proximity domains.",
            "SRAT: SRAT not used.",
        ],
        condition: "an arm64 guest (Debian's kernels: CONFIG_NODES_SHIFT=4) given an SRAT with more than 16 proximity domains",
        verdict: Verdict::Caught {
            codes: &[&codes::T124],
            cases: &["T124-arm64-guest-node-limit"],
        },
        note: "Measured with 18 domains on the 6.1 arm64 cloud kernel: the guest runs with one fake node.",
        see_also: &[],
    },
    Row {
        id: "F1",
        by: Firmware,
        source: at("SeaBIOS src/fw/paravirt.c", &[], "qemu_cfg_e820"),
        messages: &["(silent: only RAM and reserved entries of etc/e820 are kept)"],
        condition: "a soft-reserved entry in fw_cfg `etc/e820`: the `sp-mem` dialect",
        verdict: Verdict::Caught {
            codes: &[&codes::T103],
            cases: &["T103-spm-dropped-by-firmware"],
        },
        note: "The memory is lost to the guest: neither RAM nor soft reserved.",
        see_also: &[],
    },
    Row {
        id: "F2",
        by: Firmware,
        source: at(
            "OvmfPkg/Library/PlatformInitLib/MemDetect.c",
            &[],
            "PlatformAddHobCB",
        ),
        messages: &["%a: Type %u [0x%Lx, 0x%Lx) (NOT HANDLED)"],
        condition: "a soft-reserved entry in fw_cfg `etc/e820`, with an OVMF older than edk2 PR #11964 (2026-01)",
        verdict: Verdict::Caught {
            codes: &[&codes::T103],
            cases: &["T103-ovmf"],
        },
        note: "`firmware = \"ovmf-sp\"` names an OVMF with that change.",
        see_also: &[],
    },
    Row {
        id: "F3",
        by: Firmware,
        source: at(
            "SeaBIOS src/malloc.c",
            &[],
            "malloc_preinit, malloc_prepboot",
        ),
        messages: &["(silent: the top of RAM below 4 GiB stays reserved)"],
        condition: "Specific Purpose Memory that ends where RAM below 4 GiB ends: SeaBIOS keeps the top of it for its high zone (QEMU's ACPI tables)",
        verdict: Verdict::Caught {
            codes: &[&codes::T044],
            cases: &["T044-top-of-low-ram"],
        },
        note: "The guest's soft-reserved range then ends 128 KiB early and is no longer 2 MiB aligned ([L4](#L4)).",
        see_also: &[],
    },
    Row {
        id: "F4",
        by: Firmware,
        source: at("SeaBIOS src/e820map.c", &[], "insert_e820"),
        messages: &["(silent past `warn_noalloc()`: the entry is dropped)"],
        condition: "more entries than SeaBIOS's list holds (`BUILD_MAX_E820`)",
        verdict: Unreachable(
            "SeaBIOS's list holds QEMU's few RAM and reserved entries and its own: soft-reserved entries never enter it ([F1](#F1)), and `memmap=` edits happen later, in the kernel's table ([L20](#L20))",
        ),
        note: "",
        see_also: &[&codes::T035],
    },
    Row {
        id: "F5",
        by: Firmware,
        source: at(
            "edk2 OvmfPkg/VirtNorFlashDxe",
            &[],
            "VirtNorFlashPlatformInitialization",
        ),
        messages: &[
            "(guest kernel) NUMA: Warning: invalid memblk node 16 [mem 0x04000000-0x07ffffff]",
            "(guest kernel) NUMA: Faking a node at [mem …]",
        ],
        condition: "aarch64 `virt` booted through edk2 2022.11 (Debian bookworm's qemu-efi-aarch64), which maps the variable-store flash write-combined; Linux arm64 adds it to memblock and no SRAT range covers it",
        verdict: Verdict::Caught {
            codes: &[&codes::T125],
            cases: &["T125-virt-firmware-numa"],
        },
        note: "edk2 2020.11 (Debian bullseye's build) maps the flash uncached and NUMA works.",
        see_also: &[],
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};

    /// `tests/cases/<stem>.toml` → (the codes of its `# expect:`, its `# args:`).
    fn cases() -> BTreeMap<String, (BTreeSet<String>, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
        let mut out = BTreeMap::new();
        for e in std::fs::read_dir(&dir).expect("tests/cases").flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(stem) = name.strip_suffix(".toml") else {
                continue;
            };
            if stem.ends_with(".fixed") {
                continue;
            }
            let text = std::fs::read_to_string(e.path()).expect("case");
            let head = |key: &str| {
                text.lines()
                    .take_while(|l| l.starts_with('#'))
                    .find_map(|l| l.strip_prefix('#')?.trim().strip_prefix(key))
                    .map(|v| v.trim().to_string())
                    .unwrap_or_default()
            };
            let expect = head("expect:")
                .split_whitespace()
                .map(String::from)
                .collect();
            out.insert(stem.to_string(), (expect, head("args:")));
        }
        out
    }

    #[test]
    fn every_code_is_registered_and_has_a_case() {
        let cases = cases();
        for row in ROWS {
            for code in row.codes() {
                assert!(
                    codes::ALL.iter().any(|c| std::ptr::eq(*c, code)),
                    "{}: {} is not in codes::ALL",
                    row.id,
                    code.code
                );
                assert!(
                    cases.values().any(|(expect, _)| expect.contains(code.code)),
                    "{}: no tests/cases/ file expects {}",
                    row.id,
                    code.code
                );
            }
        }
    }

    /// A caught row names cases that exist, run on the qemu target, and
    /// expect its codes: each case one of them, each code in some case.
    #[test]
    fn caught_rows_are_shown_by_their_cases() {
        let all = cases();
        for row in ROWS {
            let Verdict::Caught { codes, cases } = &row.verdict else {
                continue;
            };
            assert!(!codes.is_empty(), "{}: caught by no code", row.id);
            assert!(
                !cases.is_empty(),
                "{}: caught, but no case shows it",
                row.id
            );
            for stem in *cases {
                let (expect, args) = all
                    .get(*stem)
                    .unwrap_or_else(|| panic!("{}: no tests/cases/{stem}.toml", row.id));
                assert!(
                    !args.contains("cloud-hypervisor"),
                    "{}: {stem} runs on cloud-hypervisor, not on qemu",
                    row.id
                );
                assert!(
                    codes.iter().any(|c| expect.contains(c.code)),
                    "{}: {stem} expects none of the row's codes",
                    row.id
                );
            }
            for c in *codes {
                assert!(
                    cases
                        .iter()
                        .any(|s| all.get(*s).is_some_and(|(e, _)| e.contains(c.code))),
                    "{}: none of its cases expects {}",
                    row.id,
                    c.code
                );
            }
        }
    }

    #[test]
    fn rows_are_unique_and_well_formed() {
        let mut ids = BTreeSet::new();
        let mut refusals = BTreeSet::new();
        let mut last = Refuser::Qemu;
        for row in ROWS {
            assert!(ids.insert(row.id), "row {} twice", row.id);
            assert!(
                refusals.insert((
                    row.source.file,
                    row.source.lines,
                    row.messages,
                    row.condition
                )),
                "{}: the same refusal as an earlier row",
                row.id
            );
            assert!(
                row.id.starts_with(row.by.prefix())
                    && row.id[1..].starts_with(|c: char| c.is_ascii_digit()),
                "{}: ids of {} rows are {}<number>",
                row.id,
                row.by.as_str(),
                row.by.prefix()
            );
            assert!(row.by >= last, "{}: rows are grouped by refuser", row.id);
            last = row.by;
            assert!(!row.source.file.is_empty(), "{}: no source", row.id);
            assert!(!row.messages.is_empty(), "{}: no message", row.id);
            assert!(!row.condition.is_empty(), "{}: no condition", row.id);
            if let Some(why) = row.verdict.why() {
                assert!(!why.is_empty(), "{}: a verdict without a reason", row.id);
            }
            let mut seen = BTreeSet::new();
            for c in row.codes() {
                assert!(seen.insert(c.code), "{}: {} named twice", row.id, c.code);
            }
        }
    }

    /// A code named in a row's prose is one of the row's typed codes, so
    /// the test above covers it too.
    #[test]
    fn codes_in_prose_are_typed() {
        for row in ROWS {
            let named: BTreeSet<&str> = row.codes().map(|c| c.code).collect();
            let texts = [row.note, row.condition, row.verdict.why().unwrap_or("")];
            for t in texts {
                let b = t.as_bytes();
                for i in 0..b.len().saturating_sub(3) {
                    let word_start = i == 0 || !b[i - 1].is_ascii_alphanumeric();
                    if b[i] == b'T' && word_start && b[i + 1..i + 4].iter().all(u8::is_ascii_digit)
                    {
                        let code = &t[i..i + 4];
                        assert!(
                            named.contains(code),
                            "{}: the prose names {code}, which is neither its catch nor in see_also",
                            row.id
                        );
                    }
                }
            }
        }
    }

    /// Links between rows (`[Q60b](#Q60b)`) point at rows that exist.
    #[test]
    fn row_links_resolve() {
        let ids: BTreeSet<&str> = ROWS.iter().map(|r| r.id).collect();
        for row in ROWS {
            let texts = [row.note, row.condition, row.verdict.why().unwrap_or("")];
            for t in texts {
                for link in t.split("](#").skip(1) {
                    let target = link.split(')').next().unwrap_or("");
                    assert!(
                        ids.contains(target),
                        "{}: link to a missing row {target}",
                        row.id
                    );
                }
            }
        }
    }
}
