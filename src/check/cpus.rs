//! CPU rules: every vCPU in exactly one node, inside the vCPU topology.

use super::{Ch, Context};
use crate::diag::{Diagnostic, codes};
use crate::units::fmt_cpulist;
use std::collections::BTreeMap;

/// T020: a CPU listed by two nodes. QEMU refuses ("CPU is already assigned
/// to node-id"); cloud-hypervisor emits two SRAT entries and the guest keeps
/// whichever it parses last.
pub fn cpu_in_two_nodes(cx: &Context, out: &mut Vec<Diagnostic>) {
    let t = cx.topo;
    let mut owner: BTreeMap<u32, usize> = BTreeMap::new();
    // (first node, second node) → CPUs they share.
    let mut clashes: BTreeMap<(usize, usize), Vec<u32>> = BTreeMap::new();
    // Walk nodes in file order so "first" means first in the file.
    let mut order: Vec<usize> = (0..t.nodes.len()).collect();
    order.sort_by_key(|&i| t.nodes[i].span.start);
    for &n in &order {
        for &c in t.nodes[n].cpus.iter() {
            match owner.get(&c) {
                Some(&first) => clashes.entry((first, n)).or_default().push(c),
                None => {
                    owner.insert(c, n);
                }
            }
        }
    }
    for ((first, second), cpus) in clashes {
        let (a, b) = (&t.nodes[first], &t.nodes[second]);
        let (what, verb) = if cpus.len() == 1 {
            (format!("CPU {}", cpus[0]), "belongs")
        } else {
            (format!("CPUs {}", fmt_cpulist(&cpus)), "belong")
        };
        out.push(
            Diagnostic::new(&codes::T020, format!("{what} {verb} to two nodes: {} and {}", a.label(), b.label()), b.cpus.span, format!("{what} again"))
                .label(a.cpus.span, format!("{what} first here"))
                .help(format!("remove {what} from one of the two `cpus` lists"))
                .note("QEMU refuses to start (\"CPU is already assigned to node-id\"); cloud-hypervisor gives the CPU two SRAT entries"),
        );
    }
}

/// T021: a CPU number beyond sockets × dies × cores × threads.
pub fn cpu_outside_topology(cx: &Context, out: &mut Vec<Diagnostic>) {
    let t = cx.topo;
    let max = t.machine.topology.max_cpus();
    for n in &t.nodes {
        let bad: Vec<u32> = n
            .cpus
            .iter()
            .copied()
            .filter(|&c| u64::from(c) >= max)
            .collect();
        if bad.is_empty() {
            continue;
        }
        out.push(
            Diagnostic::new(
                &codes::T021,
                format!(
                    "{} lists CPUs {} but the machine has only {max} vCPUs (0-{})",
                    n.label(),
                    fmt_cpulist(&bad),
                    max.saturating_sub(1)
                ),
                n.cpus.span,
                "beyond the vCPU topology",
            )
            .label(
                t.machine.topology.span,
                format!("{max} vCPUs: sockets × dies × cores × threads"),
            )
            .help("raise `[machine.cpus]` (sockets, dies, cores, threads) or drop these CPUs")
            .note("QEMU refuses to start: \"CPU index (N) should be smaller than maxcpus\""),
        );
    }
}

/// T022: a vCPU no node lists.
pub fn cpu_in_no_node(cx: &Context, out: &mut Vec<Diagnostic>) {
    let t = cx.topo;
    let max = t.machine.topology.max_cpus().min(1 << 20) as u32;
    let mut placed = vec![false; max as usize];
    for n in &t.nodes {
        for &c in n.cpus.iter() {
            if let Some(p) = placed.get_mut(c as usize) {
                *p = true;
            }
        }
    }
    let missing: Vec<u32> = (0..max).filter(|&c| !placed[c as usize]).collect();
    if missing.is_empty() {
        return;
    }
    let span = if t.machine.topology.span.is_detached() {
        t.machine.span
    } else {
        t.machine.topology.span
    };
    let what = if missing.len() == 1 {
        format!("CPU {} is", missing[0])
    } else {
        format!("CPUs {} are", fmt_cpulist(&missing))
    };
    out.push(
        Diagnostic::new(&codes::T022, format!("{what} in no node"), span, format!("{max} vCPUs here"))
            .help("add them to a node's `cpus`, or shrink `[machine.cpus]`")
            .note("QEMU puts unlisted CPUs on node 0 with a deprecation warning; cloud-hypervisor gives them no SRAT entry"),
    );
}

/// T024: more boot vCPUs than possible vCPUs.
pub fn boot_cpus(cx: &Context, out: &mut Vec<Diagnostic>) {
    let m = &cx.topo.machine;
    let max = m.topology.max_cpus();
    if u64::from(m.boot_cpus.value) > max {
        out.push(
            Diagnostic::new(
                &codes::T024,
                format!("{} boot vCPUs but sockets × dies × cores × threads is {max}", m.boot_cpus.value),
                m.boot_cpus.span,
                "more than the topology holds",
            )
            .label(m.topology.span, "the vCPU topology")
            .help(format!("set `boot` to at most {max}, or grow the topology"))
            .note("QEMU refuses -smp with more CPUs than maxcpus; cloud-hypervisor: \"Max CPUs lower than boot CPUs\""),
        );
    }
}

/// T023: threads of one core, or cores of one die, in different nodes.
///
/// One finding per pair of nodes, at the finest level split between them:
/// a core (Linux's "smt" sibling check) before a die (its "llc" check, the
/// die being where QEMU shares the emulated L3). Cores of one socket on
/// different dies may sit in different nodes: Linux accepts NUMA inside a
/// package.
pub fn topology_split(cx: &Context, out: &mut Vec<Diagnostic>) {
    let t = cx.topo;
    let topo = &t.machine.topology;
    if [topo.threads.value, topo.cores.value, topo.dies.value].contains(&0) {
        return;
    }
    let max = topo.max_cpus();
    // (socket, die, core) → node → CPUs; (socket, die) → node → CPUs.
    let mut cores: BTreeMap<(u32, u32, u32), BTreeMap<usize, Vec<u32>>> = BTreeMap::new();
    let mut dies: BTreeMap<(u32, u32), BTreeMap<usize, Vec<u32>>> = BTreeMap::new();
    let mut listed: BTreeMap<u32, usize> = BTreeMap::new();
    for node in &t.nodes {
        for &c in node.cpus.iter() {
            *listed.entry(c).or_default() += 1;
        }
    }
    for (n, node) in t.nodes.iter().enumerate() {
        for &c in node.cpus.iter() {
            if u64::from(c) >= max || listed[&c] > 1 {
                continue; // T021's or T020's
            }
            let (s, d, core, _) = topo.coords(c);
            cores
                .entry((s, d, core))
                .or_default()
                .entry(n)
                .or_default()
                .push(c);
            dies.entry((s, d))
                .or_default()
                .entry(n)
                .or_default()
                .push(c);
        }
    }
    // (first node, other node) → (level, units split, CPUs of both).
    let mut pairs: BTreeMap<(usize, usize), (&str, Vec<String>)> = BTreeMap::new();
    let mut split = |level: &'static str, unit: String, by_node: &BTreeMap<usize, Vec<u32>>| {
        let nodes: Vec<&usize> = by_node.keys().collect();
        for w in nodes.windows(2) {
            let e = pairs.entry((*w[0], *w[1])).or_insert((level, Vec::new()));
            if e.0 == level {
                e.1.push(unit.clone());
            }
        }
    };
    for ((s, d, c), by_node) in &cores {
        if by_node.len() > 1 {
            let cpus: Vec<u32> = by_node.values().flatten().copied().collect();
            split(
                "smt",
                format!(
                    "core {c} of socket {s}{} (CPUs {})",
                    die_name(topo.dies.value, *d),
                    fmt_cpulist(&sorted(cpus))
                ),
                by_node,
            );
        }
    }
    for ((s, d), by_node) in &dies {
        if by_node.len() > 1 {
            let unit = if topo.dies.value > 1 {
                format!("die {d} of socket {s}")
            } else {
                format!("socket {s}")
            };
            split("llc", unit, by_node);
        }
    }
    for ((a, b), (level, units)) in pairs {
        let (na, nb) = (&t.nodes[a], &t.nodes[b]);
        let (what, note) = if level == "smt" {
            (
                "threads of",
                "Linux warns once at boot, with a stack trace: \"sched: CPU #N's smt-sibling CPU #M is not on the same node! [node: A != B]. Ignoring dependency.\" (arch/x86/kernel/smpboot.c topology_sane), and the scheduler then treats the threads as unrelated; QEMU's pc/q35 accept the split silently",
            )
        } else {
            (
                "cores of",
                "QEMU shares its emulated L3 per die, so Linux warns once at boot, with a stack trace: \"sched: CPU #N's llc-sibling CPU #M is not on the same node! [node: A != B]. Ignoring dependency.\" (topology_sane); for Intel family-6 CPU models it instead assumes Sub-NUMA Clustering and silently splits the LLC; QEMU's pc/q35 accept the split silently",
            )
        };
        out.push(
            Diagnostic::new(
                &codes::T023,
                format!("{what} {} are split between {} and {}", units.join(", "), na.label(), nb.label()),
                nb.cpus.span,
                "the rest of them",
            )
            .label(na.cpus.span, "part here")
            .help(if level == "smt" {
                "give all threads of a core to one node (CPU numbers run thread-fastest: threads × cores × dies per socket)"
            } else {
                "give all cores of a die to one node, or make each node's CPUs a die of their own (`dies`)"
            })
            .note(note),
        );
    }
}

fn die_name(dies: u32, d: u32) -> String {
    if dies > 1 {
        format!(" die {d}")
    } else {
        String::new()
    }
}

fn sorted(mut v: Vec<u32>) -> Vec<u32> {
    v.sort_unstable();
    v
}

/// T091: cloud-hypervisor builds x86_64 guests only; aarch64 is QEMU's
/// `virt` machine.
pub fn arch(cx: &Context, _: Ch, out: &mut Vec<Diagnostic>) {
    x86_only(cx, "cloud-hypervisor", out);
}

/// T091 on libvirt: the libvirt target writes x86_64 domains only.
pub fn arch_libvirt(cx: &Context, _: super::Libvirt, out: &mut Vec<Diagnostic>) {
    x86_only(cx, "libvirt", out);
}

fn x86_only(cx: &Context, target: &str, out: &mut Vec<Diagnostic>) {
    let a = &cx.topo.machine.arch;
    if a.value == crate::kinds::Arch::X86_64 {
        return;
    }
    out.push(
        Diagnostic::new(
            &codes::T091,
            format!("the {target} target compiles x86_64 guests only, not `arch = \"{}\"`", a.value),
            a.span,
            format!("not compiled for {target}"),
        )
        .help("compile it for QEMU (`--target qemu`, the aarch64 `virt` machine), or remove `arch` for an x86_64 guest")
        .note(format!("topoc's {target} target lays out and writes tables for x86_64 VMs (E820, x2APIC affinity); its aarch64 VMs are not modelled")),
    );
}
