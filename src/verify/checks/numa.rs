//! The guest's NUMA nodes as a whole: how it numbered them, the SRAT CPU
//! lines, and the node lists of `/sys/devices/system/node`.

use super::{Ctx, Explains, Outcome, Rule, Run, Spec, lines, nodes, sets};
use crate::linux::guest::Guest;
use crate::linux::numa::numa_view;
use std::collections::{BTreeMap, BTreeSet};

pub(super) const INIT: Spec = Spec {
    name: "numa.init",
    title: "the kernel set its NUMA nodes up from the SRAT (no fallback to one fake node)",
    compares: "the boot log's NUMA fallback lines (`NUMA: Faking a node`, `SRAT: SRAT not used`, \
               `No NUMA configuration found`)",
    how: "none of them may appear; each names its cause (the arm64 firmware, the node limit)",
    prerequisites: &[],
    explains: Some(Explains::Instead(
        "the guest kernel did not use the SRAT and runs with one fake node (see numa.init): the \
         node-level differences all follow from that",
    )),
    run: Run::Once(init),
};

/// The boot-log lines of a kernel that gave up on the SRAT, with what makes
/// each happen.
const FALLBACKS: &[(&str, &str)] = &[
    (
        "Too many proximity domains",
        "more proximity domains than the guest kernel's MAX_NUMNODES (Debian arm64: 16, T124)",
    ),
    (
        "invalid memblk node",
        "memory outside every SRAT range: on arm64 the firmware's memory map (edk2 2022.11 maps \
         the variable-store flash write-combined, T125; boot edk2 2020.11)",
    ),
    (
        "no nodes coverage for",
        "memory outside every SRAT range: on arm64 the firmware's memory map (edk2 2022.11 maps \
         the variable-store flash write-combined, T125; boot edk2 2020.11)",
    ),
    ("SRAT not used", "the kernel found the SRAT unusable"),
    (
        "NUMA: Faking a node",
        "the kernel could not set NUMA up from the SRAT",
    ),
    (
        "No NUMA configuration found",
        "the kernel found no usable NUMA description",
    ),
];

fn init(cx: &Ctx) -> Outcome {
    if let Some(why) = cx.dmesg_missing() {
        return Outcome::not_applicable(why);
    }
    if cx.p.numa.pxm_to_node.len() < 2 {
        return Outcome::skip();
    }
    let seen: Vec<&String> =
        cx.d.dmesg
            .iter()
            .filter(|l| FALLBACKS.iter().any(|(m, _)| l.contains(m)))
            .collect();
    let cause = FALLBACKS
        .iter()
        .find(|(m, _)| seen.iter().any(|l| l.contains(m)))
        .map_or("", |(_, c)| c);
    Outcome::compared(
        format!(
            "{} nodes from the SRAT, no fallback line",
            cx.p.numa.pxm_to_node.len()
        ),
        if seen.is_empty() {
            "no fallback line".to_string()
        } else {
            seen.iter()
                .map(|l| l.trim().to_string())
                .collect::<Vec<_>>()
                .join("\n")
        },
        seen.iter()
            .map(|l| format!("the kernel printed: {}", l.trim()))
            .collect(),
        cause,
    )
    .self_explained()
}

pub(super) const PXM_MAP: Spec = Spec {
    name: "numa.pxm-map",
    title: "PXM → Linux node: first appearance in the SRAT (CPUs and Generic Initiators, then \
            memory)",
    compares: "proximity domain → Linux node",
    how: "Linux's first-appearance rule applied to the guest's raw SRAT, against the same rule \
          applied to topoc's SRAT; the `SRAT: Node N PXM P` lines must agree with the raw table",
    prerequisites: &["numa.init"],
    explains: Some(Explains::First(
        "the guest numbered its nodes differently (see numa.pxm-map), so node ids do not line up",
    )),
    run: Run::Once(pxm_map),
};

pub(super) const SRAT_CPUS: Spec = Spec {
    name: "numa.srat-cpus",
    title: "SRAT CPU lines: PXM -> APIC id -> node",
    compares: "`SRAT: PXM p -> APIC a -> Node n` lines",
    how: "exact, in order (see the kernel-version rules)",
    prerequisites: &["numa.init", "numa.pxm-map"],
    explains: None,
    run: Run::Once(srat_cpus),
};

/// One node list of `/sys/devices/system/node`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum List {
    Possible,
    Online,
    HasCpu,
    HasMemory,
    HasNormalMemory,
    HasGenericInitiator,
}

macro_rules! list_spec {
    ($name:literal, $list:expr, $what:literal) => {
        Spec {
            name: concat!("numa.", $name),
            title: concat!("/sys/devices/system/node/", $name, ": ", $what),
            compares: concat!("`/sys/devices/system/node/", $name, "`: ", $what),
            how: "exact set",
            prerequisites: &["numa.init", "numa.pxm-map"],
            explains: None,
            run: Run::Once(|cx| node_list(cx, $list, $name)),
        }
    };
}

pub(super) const POSSIBLE: Spec =
    list_spec!("possible", List::Possible, "every node the SRAT names");
pub(super) const ONLINE: Spec = list_spec!(
    "online",
    List::Online,
    "nodes with CPUs, boot RAM or a Generic Initiator (a memory-only node whose memory is all \
     soft-reserved stays offline)"
);
pub(super) const HAS_CPU: Spec = list_spec!("has_cpu", List::HasCpu, "nodes with online CPUs");
pub(super) const HAS_MEMORY: Spec = list_spec!(
    "has_memory",
    List::HasMemory,
    "nodes with RAM (soft-reserved memory counts only once kmem onlines it)"
);
pub(super) const HAS_NORMAL_MEMORY: Spec = list_spec!(
    "has_normal_memory",
    List::HasNormalMemory,
    "nodes with boot RAM (kmem memory is ZONE_MOVABLE)"
);
pub(super) const HAS_GENERIC_INITIATOR: Spec = list_spec!(
    "has_generic_initiator",
    List::HasGenericInitiator,
    "nodes of SRAT Generic Initiator structures"
);

/// From 6.12 the SRAT CPU lines are debug-only.
const RULE_SRAT_CPU_DEBUG: Rule = Rule {
    text: "Linux >= 6.12 prints `SRAT: PXM p -> APIC a -> Node n` only at debug level: CPU \
           affinity is checked through the raw SRAT and nodeN/cpulist instead",
    applied_to: "numa.srat-cpus",
};

fn pxm_map(cx: &Ctx) -> Outcome {
    let fmt = |m: &BTreeMap<u32, u32>| {
        m.iter()
            .map(|(p, n)| format!("PXM {p} → node{n}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let expected = &cx.p.numa.pxm_to_node;
    let from_lines = cx.d.pxm_to_node();
    let diff = |seen: &BTreeMap<u32, u32>, only_seen: bool| -> Vec<String> {
        let mut d = Vec::new();
        for (p, n) in expected {
            match seen.get(p) {
                Some(s) if s == n => {}
                Some(s) => d.push(format!(
                    "PXM {p}: expected node{n}, the guest made it node{s}"
                )),
                None if !only_seen => d.push(format!(
                    "PXM {p}: expected node{n}, not in the guest's SRAT"
                )),
                None => {}
            }
        }
        for (p, s) in seen {
            if !expected.contains_key(p) {
                d.push(format!("PXM {p} → node{s}: not predicted"));
            }
        }
        d
    };
    if let Some(srat) = &cx.guest_srat {
        let seen = numa_view(srat).pxm_to_node;
        let mut diffs = diff(&seen, false);
        for (p, n) in &from_lines {
            if seen.get(p) != Some(n) {
                diffs.push(format!(
                    "the boot log maps PXM {p} to node{n}, the raw SRAT gives {}",
                    seen.get(p).map_or("nothing".into(), |s| format!("node{s}"))
                ));
            }
        }
        return Outcome::compared(
            fmt(expected),
            format!(
                "{}\n(from the guest's raw SRAT, checked against its SRAT boot-log lines)",
                fmt(&seen)
            ),
            diffs,
            "the order of the SRAT's CPU and Generic Initiator structures differs from topoc's \
             (Generic Initiators come in QEMU's /objects hash order: src/layout/qom.rs, \
             src/emit/acpi/srat.rs)",
        );
    }
    let diffs = diff(&from_lines, true);
    let unseen: Vec<String> = expected
        .keys()
        .filter(|p| !from_lines.contains_key(p))
        .map(u32::to_string)
        .collect();
    if diffs.is_empty() && !unseen.is_empty() {
        let why = cx
            .note_about("tables/SRAT")
            .unwrap_or_else(|| "the dump has no raw SRAT".into());
        return Outcome::not_applicable(format!(
            "{why}; the boot log does not show PXM {} (Generic Initiator and, from Linux 6.12, \
             CPU structures are printed at debug level only)",
            unseen.join(", ")
        ));
    }
    Outcome::compared(
        fmt(expected),
        format!("{}\n(from the SRAT boot-log lines)", fmt(&from_lines)),
        diffs,
        "the SRAT's entry order differs from topoc's",
    )
}

/// `PXM p -> APIC 0xaa -> Node n`, or `X2APIC 0xaaaa`.
fn cpu_line(pxm: u32, apic: u32, x2apic: bool, node: u32) -> String {
    if x2apic {
        format!("PXM {pxm} -> X2APIC {apic:#06x} -> Node {node}")
    } else {
        format!("PXM {pxm} -> APIC {apic:#04x} -> Node {node}")
    }
}

/// arm64's `PXM p -> MPIDR 0xm -> Node n`.
fn mpidr_line(pxm: u32, mpidr: u32, node: u32) -> String {
    format!("PXM {pxm} -> MPIDR {mpidr:#x} -> Node {node}")
}

fn srat_cpus(cx: &Ctx) -> Outcome {
    let numa = &cx.p.numa;
    let expected: Vec<String> = numa
        .cpus
        .iter()
        .map(|&(pxm, id)| {
            let node = numa.node_of(pxm).unwrap_or(u32::MAX);
            match &cx.p.mpidr {
                Some(m) => mpidr_line(pxm, m.get(id as usize).copied().unwrap_or(id), node),
                None => cpu_line(pxm, id, id >= 0x100, node),
            }
        })
        .collect();
    if let Some(why) = cx.dmesg_missing() {
        return Outcome::not_applicable(why);
    }
    if cx.d.srat_cpus.is_empty() {
        if !cx.kernel.prints_srat_cpu_lines() {
            return Outcome::not_applicable("Linux >= 6.12 prints these lines at debug level only")
                .rule(&RULE_SRAT_CPU_DEBUG);
        }
        if expected.is_empty() {
            return Outcome::skip();
        }
    }
    let seen: Vec<String> =
        cx.d.srat_cpus
            .iter()
            .map(|c| {
                if c.mpidr {
                    mpidr_line(c.pxm, c.apic_id, c.node)
                } else {
                    cpu_line(c.pxm, c.apic_id, c.x2apic, c.node)
                }
            })
            .collect();
    Outcome::compared(
        expected.join("\n"),
        seen.join("\n"),
        lines(&expected, &seen),
        "the CPU-to-node assignment or the APIC id encoding (layout::qemu::apic_id) differs, or \
         the VM was started with another -smp",
    )
}

impl List {
    fn predicted(self, g: &Guest) -> &BTreeSet<u32> {
        match self {
            List::Possible => &g.possible,
            List::Online => &g.online,
            List::HasCpu => &g.has_cpu,
            List::HasMemory => &g.has_memory,
            List::HasNormalMemory => &g.has_normal_memory,
            List::HasGenericInitiator => &g.generic_initiator,
        }
    }

    fn cause(self) -> &'static str {
        match self {
            List::Online | List::HasMemory => {
                "a node's memory is not where the SRAT/E820 prediction puts it (see the nodeN.srat \
                 and e820 checks), or SPM was (not) handed to kmem"
            }
            List::HasGenericInitiator => {
                "the SRAT lacks the Generic Initiator structures (QEMU < 9.0, or the \
                 acpi-generic-initiator objects were not on the command line)"
            }
            List::Possible | List::HasCpu | List::HasNormalMemory => {
                "the SRAT differs from topoc's (see acpi.SRAT)"
            }
        }
    }
}

fn node_list(cx: &Ctx, list: List, file: &str) -> Outcome {
    let l = &cx.d.node_lists;
    let seen = match list {
        List::Possible => &l.possible,
        List::Online => &l.online,
        List::HasCpu => &l.has_cpu,
        List::HasMemory => &l.has_memory,
        List::HasNormalMemory => &l.has_normal_memory,
        List::HasGenericInitiator => &l.has_generic_initiator,
    };
    let expected = list.predicted(&cx.guest);
    let Some(seen) = seen else {
        if list == List::HasGenericInitiator && expected.is_empty() {
            return Outcome::skip();
        }
        let why = cx
            .note_about(&format!("node/{file}"))
            .unwrap_or_else(|| format!("the dump has no node/{file}"));
        return Outcome::compared(
            nodes(expected),
            "(absent)",
            vec![why],
            "the guest kernel lacks NUMA support (CONFIG_NUMA, CONFIG_ACPI_NUMA) or ran with \
             numa=off",
        )
        .self_explained();
    };
    let seen: BTreeSet<u32> = seen.iter().copied().collect();
    let diffs = sets(
        expected,
        &seen,
        |n| cx.p.node_label(*n),
        |n| format!("node{n}"),
    );
    Outcome::compared(nodes(expected), nodes(&seen), diffs, list.cause())
}
