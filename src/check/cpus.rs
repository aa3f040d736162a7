//! CPU rules: every vCPU in exactly one node, inside the vCPU topology.

use super::Context;
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
