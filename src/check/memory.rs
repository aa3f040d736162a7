//! Memory and SPM rules that hold for every target.

use super::{Context, Qemu};
use crate::diag::{Diagnostic, codes};
use crate::kinds::SpmDialect;
use crate::layout::Region;
use crate::layout::firmware::{e820_hops, memory_block_size};
use crate::source::Span;
use crate::units::{KIB, MIB, fmt_size};

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
    // QEMU's rounding of -m; cloud-hypervisor takes each zone as it is.
    if total % (8 * KIB) != 0 && cx.qemu().is_some() {
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

/// T035: the guest's E820 map has more entries than a table on its way to
/// the kernel holds (the layout's prediction, see
/// [`crate::layout::firmware::e820_hops`]).
pub fn e820_entries(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    let p = q.profile;
    let Some(hop) = e820_hops(q.guest).into_iter().find(|h| h.overflows()) else {
        return;
    };
    // The entries beyond the fixed few come from SPM parts: blame the node
    // with the most.
    let busiest = cx
        .topo
        .nodes
        .iter()
        .filter_map(|n| n.memory.as_ref().filter(|m| !m.spm.is_empty()))
        .max_by_key(|m| m.spm.len());
    let (span, label) = match busiest {
        Some(m) => (m.spm[0].span, format!("{} SPM parts here", m.spm.len())),
        None => (cx.topo.machine.name.span, "this machine".to_string()),
    };
    out.push(
        Diagnostic::new(
            &codes::T035,
            format!(
                "the guest's E820 map would need {} entries in {}, which holds {}",
                hop.entries, hop.holder, hop.capacity
            ),
            span,
            label,
        )
        .label(p.spm.span, "SPM dialect")
        .label(p.firmware.span, "firmware")
        .help("merge adjacent SPM parts, or give SPM whole nodes: every SPM part splits a RAM entry in two")
        .note(format!("{}: the guest loses the memory those entries describe", hop.overflow)),
    );
}

/// T042: Specific Purpose Memory on a node that has CPUs.
pub fn spm_on_cpu_node(cx: &Context, out: &mut Vec<Diagnostic>) {
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        let Some(first) = m.spm.first() else { continue };
        if !n.has_cpus() {
            continue;
        }
        let how = if m.all_spm() {
            "all of its memory"
        } else {
            "part of its memory"
        };
        out.push(
            Diagnostic::new(
                &codes::T042,
                format!("{} has CPUs and makes {how} Specific Purpose", n.label()),
                first.span,
                "SPM",
            )
            .label(n.cpus.span, "CPUs of the same node")
            .help("move the SPM into a memory-only node of its own (with a `[[link]]` to this one), or drop `spm` here")
            .note("the guest's page allocator never gets SPM at boot: a node whose memory is all SPM comes up memoryless (\"Initmem setup node N as memoryless\"), so these CPUs allocate from other nodes; dax kmem can online it later, but only as ZONE_MOVABLE, never for the kernel's own allocations"),
        );
    }
}

/// The 2 MiB (`PMD_SIZE`) alignment dax_hmem asks of every range.
const HMEM_ALIGN: u64 = 2 * MIB;

/// T044: SPM the kernel's dax path cannot take whole: a guest-physical range
/// not 2 MiB aligned (no dax device at all), or not whole memory blocks
/// (kmem onlines only the aligned inside, or nothing).
pub fn spm_alignment(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    let (p, l) = (q.profile, q.layout);
    let block = memory_block_size(q.guest);
    for (ix, n) in cx.topo.nodes.iter().enumerate() {
        let Some(m) = &n.memory else { continue };
        if m.spm.is_empty() || m.spm.iter().any(|r| r.end() > m.size.value) {
            continue; // T040's
        }
        // Guest-physical runs of touching SPM, each with its first part.
        let mut runs: Vec<(Region, Span)> = Vec::new();
        if p.spm.value == SpmDialect::SpMem {
            for s in l.sp_mem.iter().filter(|s| s.node == ix) {
                runs.push((s.region, m.spm[0].span));
            }
        } else {
            let Some(nr) = l.nodes.iter().find(|r| r.node == ix) else {
                continue;
            };
            for r in &m.spm {
                for piece in l.gpa_pieces(nr.offset.saturating_add(r.offset.value), r.size.value) {
                    match runs.last_mut() {
                        Some((run, _)) if run.end() == piece.start => run.size += piece.size,
                        _ => runs.push((piece, r.span)),
                    }
                }
            }
        }
        for (run, span) in runs {
            let range = format!("[{:#x}, {:#x})", run.start, run.end());
            if run.start % HMEM_ALIGN != 0 || run.size % HMEM_ALIGN != 0 {
                out.push(
                    Diagnostic::new(
                        &codes::T044,
                        format!("{}'s SPM lands at guest-physical {range}, which is not 2 MiB aligned in start and size", n.label()),
                        span,
                        "not 2 MiB aligned",
                    )
                    .label(m.size.span, "the node's memory")
                    .help(format!("make the part's offset and size multiples of {} (the node's own start counts too)", fmt_size(block)))
                    .note("dax_hmem asks alloc_dax_region() for PMD_SIZE (2 MiB) alignment, which refuses any other range: the hmem probe fails and the soft-reserved memory is never usable"),
                );
                continue;
            }
            let start = run.start.div_ceil(block).saturating_mul(block);
            let end = run.end() / block * block;
            let usable = end.saturating_sub(start);
            if usable == run.size {
                continue;
            }
            let what = if usable == 0 {
                "kmem cannot online any of it".to_string()
            } else {
                format!(
                    "kmem can online only {} of its {}",
                    fmt_size(usable),
                    fmt_size(run.size)
                )
            };
            out.push(
                Diagnostic::new(
                    &codes::T044,
                    format!("{}'s SPM at guest-physical {range} is not whole {} memory blocks: {what}", n.label(), fmt_size(block)),
                    span,
                    "not whole memory blocks",
                )
                .label(m.size.span, "the node's memory")
                .help(format!("make the part's offset and size multiples of {} (the node's own start counts too)", fmt_size(block)))
                .note(format!("dax kmem hot-adds whole memory blocks only ({} here: 128 MiB below 64 GiB of boot RAM, per probe_memory_block_size()); it trims each range to them and refuses one left empty (\"mapping0: … too small after alignment\", \"rejecting DAX region without any memory after alignment\")", fmt_size(block))),
            );
        }
    }
}
