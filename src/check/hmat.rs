//! HMAT rules that hold for every target.

use super::Context;
use crate::diag::{Diagnostic, codes};

/// T060: a node's `initiator` that cannot initiate: neither CPUs nor a
/// Generic Initiator.
pub fn attached_initiator(cx: &Context, out: &mut Vec<Diagnostic>) {
    for n in &cx.topo.nodes {
        let Some(i) = &n.initiator else { continue };
        let init = &cx.topo.nodes[i.value];
        if !init.is_initiator() {
            out.push(
                Diagnostic::new(&codes::T060, format!("{} names {} as its initiator, but that node has no CPUs and no Generic Initiator", n.label(), init.label()), i.span, "not an initiator")
                    .label(init.span, "this node initiates nothing")
                    .help("name a node with CPUs, or a node listed in a device's `initiator-nodes`"),
            );
        }
        if !n.has_memory() {
            out.push(
                Diagnostic::new(&codes::T060, format!("{} has an initiator but no memory", n.label()), i.span, "nothing to attach to")
                    .help("remove `initiator`: it describes which initiator is attached to this node's memory"),
            );
        }
    }
}

/// T061: an `[[hmat]]` entry whose ends cannot carry HMAT values.
pub fn entry_ends(cx: &Context, out: &mut Vec<Diagnostic>) {
    for e in &cx.topo.hmat {
        let (i, m) = (
            &cx.topo.nodes[e.initiator.value],
            &cx.topo.nodes[e.target.value],
        );
        if !i.is_initiator() {
            out.push(
                Diagnostic::new(
                    &codes::T061,
                    format!(
                        "HMAT initiator {} has no CPUs and no Generic Initiator",
                        i.label()
                    ),
                    e.initiator.span,
                    "not an initiator",
                )
                .help(
                    "HMAT initiators are nodes with CPUs or nodes in a device's `initiator-nodes`",
                ),
            );
        }
        if !m.has_memory() {
            out.push(
                Diagnostic::new(&codes::T061, format!("HMAT target {} has no memory", m.label()), e.target.span, "no memory")
                    .help("HMAT targets are nodes with memory")
                    .note("Linux ignores the whole HMAT when it names a memory domain the SRAT gives no memory"),
            );
        }
        if e.values.iter().all(Option::is_none) {
            out.push(
                Diagnostic::new(
                    &codes::T061,
                    "this HMAT entry gives no value",
                    e.span,
                    "no latency or bandwidth",
                )
                .help("add `latency` and/or `bandwidth` (or their read-/write- forms)"),
            );
        }
    }
}

/// T064: memory-side cache levels that skip, repeat, shrink, or outgrow the memory.
pub fn cache_levels(cx: &Context, out: &mut Vec<Diagnostic>) {
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        for (k, c) in m.caches.iter().enumerate() {
            let want = k as u8 + 1;
            if c.level.value != want {
                out.push(
                    Diagnostic::new(&codes::T064, format!("{} has cache level {} where level {want} is expected", n.label(), c.level.value), c.level.span, "out of order")
                        .help("number cache levels 1, 2, 3 without gaps or repeats")
                        .note("QEMU refuses (\"Cache level=N shall be defined first\" / \"Duplicate configuration of the side cache\")"),
                );
            }
            if c.size.value >= m.size.value {
                out.push(
                    Diagnostic::new(
                        &codes::T064,
                        format!(
                            "{}'s level {} cache is not smaller than the memory it caches",
                            n.label(),
                            c.level.value
                        ),
                        c.size.span,
                        "as large as the memory",
                    )
                    .label(m.size.span, "the memory")
                    .help("a memory-side cache is smaller than the memory behind it"),
                );
            }
            if k > 0 && c.size.value <= m.caches[k - 1].size.value {
                out.push(
                    Diagnostic::new(&codes::T064, format!("{}'s level {} cache is not larger than level {}", n.label(), c.level.value, m.caches[k - 1].level.value), c.size.span, "not larger")
                        .label(m.caches[k - 1].size.span, "the nearer level")
                        .help("each farther cache level must be larger than the one before")
                        .note("QEMU refuses: \"the size of level=N should be larger than the size of level=N-1\""),
                );
            }
        }
    }
}
