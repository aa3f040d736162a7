//! Memory and SPM rules that hold for every target.

use super::Context;
use crate::diag::{Diagnostic, codes};
use crate::units::{KIB, fmt_size};

/// T030: a node memory of zero bytes.
pub fn zero_memory(cx: &Context, out: &mut Vec<Diagnostic>) {
    for n in &cx.topo.nodes {
        if let Some(m) = &n.memory {
            if m.size.value == 0 {
                out.push(
                    Diagnostic::new(
                        &codes::T030,
                        format!("{} has a memory of 0 bytes", n.label()),
                        m.size.span,
                        "zero",
                    )
                    .help("give the memory a size, or remove `memory` to make a memory-less node")
                    .note("QEMU refuses a 0-byte backend (\"can't create backend with size 0\")"),
                );
            }
        }
    }
}

/// T031: sizes that are not whole pages (4 KiB), not whole hugepages, or a
/// total QEMU would round.
pub fn misaligned_memory(cx: &Context, out: &mut Vec<Diagnostic>) {
    let mut total = 0u64;
    let mut first = None;
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        let size = m.size.value;
        total = total.saturating_add(size);
        first.get_or_insert(m.size.span);
        if size == 0 {
            continue;
        }
        if size % (4 * KIB) != 0 {
            out.push(
                Diagnostic::new(&codes::T031, format!("{} memory is {size} bytes, not a whole number of 4 KiB pages", n.label()), m.size.span, "not page aligned")
                    .help(format!("use {} or {}", fmt_size(size / (4 * KIB) * 4 * KIB), fmt_size(size.div_ceil(4 * KIB) * 4 * KIB)))
                    .note("guests use memory in whole pages; QEMU and the kernel drop or refuse the partial page"),
            );
            continue;
        }
        if let Some(Some(hp)) = m.backend.hugepages {
            if !hp.is_power_of_two() || hp < 4 * KIB {
                out.push(
                    Diagnostic::new(
                        &codes::T031,
                        format!("hugepage size {} is not a power of two", fmt_size(hp)),
                        m.span,
                        "bad hugepage size",
                    )
                    .help("x86 hugepages are 2MiB or 1GiB"),
                );
            } else if size % hp != 0 {
                out.push(
                    Diagnostic::new(
                        &codes::T031,
                        format!(
                            "{} memory ({}) is not a multiple of its hugepage size {}",
                            n.label(),
                            fmt_size(size),
                            fmt_size(hp)
                        ),
                        m.size.span,
                        "not a whole number of hugepages",
                    )
                    .help(format!("use {}", fmt_size(size.div_ceil(hp) * hp)))
                    .note(
                        "QEMU refuses: \"backend memory size must be multiple of\" the page size",
                    ),
                );
            }
        }
    }
    if total % (8 * KIB) != 0 {
        if let Some(span) = first {
            out.push(
                Diagnostic::new(&codes::T031, format!("the nodes' memory adds up to {total} bytes, not a multiple of 8 KiB"), span, "first memory")
                    .help("make the total a multiple of 8 KiB")
                    .note("QEMU rounds -m up to 8 KiB and then refuses: \"total memory for NUMA nodes should equal RAM size\""),
            );
        }
    }
}

/// T040: an SPM part that runs past the end of its node's memory.
pub fn spm_outside_node(cx: &Context, out: &mut Vec<Diagnostic>) {
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        for r in &m.spm {
            if r.end() > m.size.value {
                out.push(
                    Diagnostic::new(
                        &codes::T040,
                        format!(
                            "SPM part [{}, +{}) runs past the end of {}'s {} of memory",
                            fmt_size(r.offset.value),
                            fmt_size(r.size.value),
                            n.label(),
                            fmt_size(m.size.value)
                        ),
                        r.span,
                        "outside the node's memory",
                    )
                    .label(m.size.span, "the node's memory")
                    .help("shrink the part or its offset, or grow the node's memory"),
                );
            }
        }
    }
}

/// T041: two SPM parts of one node that overlap.
pub fn spm_overlap(cx: &Context, out: &mut Vec<Diagnostic>) {
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        for w in m.spm.windows(2) {
            if w[1].offset.value < w[0].end() {
                out.push(
                    Diagnostic::new(
                        &codes::T041,
                        format!("two SPM parts of {} overlap", n.label()),
                        w[1].span,
                        "overlaps the other part",
                    )
                    .label(w[0].span, "this part")
                    .help("make the parts disjoint, or merge them into one"),
                );
            }
        }
    }
}
