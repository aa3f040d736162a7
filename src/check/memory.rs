//! Memory and SPM rules that hold for every target.

use super::{Context, Qemu};
use crate::diag::{Diagnostic, codes};
use crate::kinds::{HostPolicy, SpmDialect};
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
    if let Some(q) = cx.qemu() {
        if let Some(mm) = q
            .profile
            .max_memory
            .as_ref()
            .filter(|m| m.value % (4 * KIB) != 0)
        {
            out.push(
                Diagnostic::new(
                    &codes::T031,
                    format!("max-memory is {} bytes, not a whole number of 4 KiB pages", mm.value),
                    mm.span,
                    "not page aligned",
                )
                .help(format!("use {}", fmt_size(mm.value.div_ceil(4 * KIB) * 4 * KIB)))
                .note("QEMU refuses: \"maximum memory size must by aligned to multiple of 4096 bytes\""),
            );
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

/// T042: a node with CPUs whose memory is all Specific Purpose: its CPUs
/// come up with no local memory. A node that keeps ordinary RAM beside its
/// SPM (an APU such as MI300A, whose GPU-owned HBM shares the node with the
/// cores) is what the hardware does and is not reported.
pub fn spm_on_cpu_node(cx: &Context, out: &mut Vec<Diagnostic>) {
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        let Some(first) = m.spm.first() else { continue };
        if !n.has_cpus() || !m.all_spm() {
            continue;
        }
        out.push(
            Diagnostic::new(
                &codes::T042,
                format!("{} has CPUs and makes all of its memory Specific Purpose", n.label()),
                first.span,
                "SPM",
            )
            .label(n.cpus.span, "CPUs of the same node")
            .help("keep part of the node's memory ordinary RAM (an `spm` part instead of `spm = true`), or move the SPM into a memory-only node of its own")
            .note("the guest's page allocator never gets SPM at boot: the node comes up memoryless (\"Initmem setup node N as memoryless\"), so these CPUs allocate from other nodes; dax kmem can online it later, but only as ZONE_MOVABLE, never for the kernel's own allocations"),
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
    let map = q.guest.user.as_ref().unwrap_or(&q.guest.bios);
    for (ix, n) in cx.topo.nodes.iter().enumerate() {
        let Some(m) = &n.memory else { continue };
        if m.spm.is_empty() || m.spm.iter().any(|r| r.end() > m.size.value) {
            continue; // T040's
        }
        // The soft-reserved runs the guest's E820 map will hold (after the
        // firmware and `memmap=`), each with the SPM part it comes from:
        // the firmware may keep part of a range for itself (SeaBIOS its top
        // 128 KiB of low RAM), and the kernel's dax path takes what the map
        // says, not what the file meant.
        let parts: Vec<(Region, Span)> = if p.spm.value == SpmDialect::SpMem {
            l.sp_mem
                .iter()
                .filter(|s| s.node == ix)
                .map(|s| (s.region, m.spm[0].span))
                .collect()
        } else {
            let Some(nr) = l.nodes.iter().find(|r| r.node == ix) else {
                continue;
            };
            m.spm
                .iter()
                .flat_map(|r| {
                    l.gpa_pieces(nr.offset.saturating_add(r.offset.value), r.size.value)
                        .into_iter()
                        .map(move |piece| (piece, r.span))
                })
                .collect()
        };
        let mut runs: Vec<(Region, Span, bool)> = Vec::new();
        for e in map
            .iter()
            .filter(|e| e.kind == crate::e820::Kind::SoftReserved)
        {
            let run = Region::new(e.addr, e.size);
            // A run is this node's when it starts in one of its parts (the
            // kernel merges touching ranges of neighbouring nodes).
            let starts_here = |piece: &Region| piece.start <= run.start && run.start < piece.end();
            if let Some(&(piece, span)) = parts.iter().find(|(piece, _)| starts_here(piece)) {
                // Shorter than the part: the firmware kept the rest.
                let trimmed =
                    run.end() < piece.end() && !parts.iter().any(|(p, _)| p.start == run.end());
                runs.push((run, span, trimmed));
            }
        }
        for (run, span, trimmed) in runs {
            let range = format!("[{:#x}, {:#x})", run.start, run.end());
            if run.start % HMEM_ALIGN != 0 || run.size % HMEM_ALIGN != 0 {
                let help = if trimmed {
                    "move the SPM away from what the firmware keeps for itself (its tables at the top of RAM below 4 GiB, the EBDA and BIOS area below 1 MiB): give the node a higher id, or its neighbours more memory; the guest gets only the rest of the part as soft reserved".to_string()
                } else {
                    format!(
                        "make the part's offset and size multiples of {} (the node's own start counts too)",
                        fmt_size(block)
                    )
                };
                out.push(
                    Diagnostic::new(
                        &codes::T044,
                        format!("{}'s SPM lands at guest-physical {range}, which is not 2 MiB aligned in start and size", n.label()),
                        span,
                        "not 2 MiB aligned",
                    )
                    .label(m.size.span, "the node's memory")
                    .help(help)
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

/// T032: backend settings QEMU refuses whatever the host: a host policy
/// without host nodes, an explicit `default` policy with them, host node ids
/// QEMU does not take, and `prealloc` without `reserve`.
pub fn backend_options(cx: &Context, out: &mut Vec<Diagnostic>) {
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        let b = &m.backend;
        let at = |s: Option<Span>| s.unwrap_or(m.span);
        match b.policy {
            Some(p) if p != HostPolicy::Default && b.host_nodes.is_empty() => out.push(
                Diagnostic::new(
                    &codes::T032,
                    format!("{}'s host policy \"{p}\" names no host nodes", n.label()),
                    at(b.spans.policy),
                    "no host-nodes",
                )
                .help("add host-nodes = \"0\" (the host NUMA nodes to place this memory on), or remove `policy`")
                .note(format!("QEMU refuses: \"host-nodes must be set for policy {p}\"")),
            ),
            Some(HostPolicy::Default) if !b.host_nodes.is_empty() => out.push(
                Diagnostic::new(
                    &codes::T032,
                    format!("{}'s host policy \"default\" cannot take host-nodes", n.label()),
                    at(b.spans.policy),
                    "default",
                )
                .label(at(b.spans.host_nodes), "host nodes")
                .help("remove `policy` (host-nodes alone bind the memory) or choose bind, preferred or interleave")
                .note("QEMU refuses: \"host-nodes must be empty for policy default, or you should explicitly specify a policy other than default\""),
            ),
            _ => {}
        }
        if b.prealloc && !b.reserve {
            out.push(
                Diagnostic::new(
                    &codes::T032,
                    format!(
                        "{} asks for preallocated memory without reserving it",
                        n.label()
                    ),
                    at(b.spans.reserve),
                    "reserve = false",
                )
                .label(at(b.spans.prealloc), "prealloc = true")
                .help("drop one of the two: preallocation needs the memory reserved")
                .note("QEMU refuses: \"'prealloc=on' and 'reserve=off' are incompatible\""),
            );
        }
        if cx.qemu().is_some() {
            if let Some(&h) = b.host_nodes.iter().find(|&&h| h >= 128) {
                out.push(
                    Diagnostic::new(
                        &codes::T032,
                        format!(
                            "{}'s host node {h} is beyond the 128 host nodes QEMU binds to",
                            n.label()
                        ),
                        at(b.spans.host_nodes),
                        "host node too large",
                    )
                    .help("host node ids run from 0 to 127 for QEMU")
                    .note(format!("QEMU refuses: \"Invalid host-nodes value: {h}\"")),
                );
            }
        }
    }
}

/// T033: two nodes backed by one host file: the guest would see the same
/// memory as both. A directory (written with a trailing `/`, or a hugetlbfs
/// mount given with `hugepages`) is fine: QEMU creates a file per backend.
pub fn backing_file_twice(cx: &Context, out: &mut Vec<Diagnostic>) {
    let mut seen: Vec<(&str, &crate::model::Node, Span)> = Vec::new();
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        let Some(path) = &m.backend.path else {
            continue;
        };
        if path.ends_with('/') || m.backend.hugepages.is_some() {
            continue;
        }
        let span = m.backend.spans.path.unwrap_or(m.span);
        if let Some((_, first, fspan)) = seen.iter().find(|(p, _, _)| *p == path.as_str()) {
            out.push(
                Diagnostic::new(
                    &codes::T033,
                    format!("{} and {} are both backed by {path}", first.label(), n.label()),
                    span,
                    "second node on this file",
                )
                .label(*fspan, "first node on this file")
                .help("give each node a file of its own; for a directory (e.g. a hugetlbfs mount) end the path with `/`")
                .note("each backend maps the file from offset 0, so the guest sees the same bytes at two addresses, in two nodes (QEMU starts and says nothing)"),
            );
        } else {
            seen.push((path.as_str(), n, span));
        }
    }
}

/// The RAM the guest kernel needs at the very least: QEMU's default machine
/// memory, enough for a distribution kernel and a small initramfs.
pub const MIN_USABLE_RAM: u64 = 128 * MIB;

/// Usable RAM the real-mode trampoline must find in [4 KiB, 0x9fc00).
const TRAMPOLINE_ROOM: u64 = 64 * KIB;

/// The lowest address KASLR loads the kernel at (`LOAD_PHYSICAL_ADDR`,
/// `CONFIG_PHYSICAL_START` = 16 MiB in Debian's kernels).
const KASLR_MIN: u64 = 16 * MIB;

/// T045: Specific Purpose Memory over memory the guest needs at boot, judged
/// on the guest's predicted E820 map (after the firmware and `memmap=`):
/// the low RAM the real-mode trampoline lives in, enough RAM to boot at all,
/// and (with `memmap=`) the window KASLR may place the kernel in.
pub fn spm_boot_memory(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    let l = q.layout;
    if l.spm.is_empty() {
        return;
    }
    let map = q.guest.user.as_ref().unwrap_or(&q.guest.bios);
    let ram: Vec<&crate::e820::Entry> = map
        .iter()
        .filter(|e| e.kind == crate::e820::Kind::Ram)
        .collect();
    let spm_span = |node: usize| {
        cx.topo.nodes[node]
            .memory
            .as_ref()
            .and_then(|m| m.spm.first().map(|r| r.span))
            .unwrap_or(cx.topo.nodes[node].span)
    };
    // The first SPM range by address, and its node.
    let Some(low) = l.spm.iter().min_by_key(|s| s.region.start) else {
        return;
    };
    let low_ram: u64 = ram
        .iter()
        .map(|e| {
            let a = e.addr.max(4 * KIB);
            let b = e.end().min(0x9fc00);
            b.saturating_sub(a)
        })
        .sum();
    if low_ram < TRAMPOLINE_ROOM {
        out.push(
            Diagnostic::new(
                &codes::T045,
                format!(
                    "{}'s Specific Purpose Memory starts at guest-physical {:#x}, where the guest kernel needs RAM below 640 KiB",
                    cx.node_label(low.node),
                    low.region.start
                ),
                spm_span(low.node),
                "SPM in the first MiB",
            )
            .label(cx.topo.nodes[low.node].id.span, "the lowest id with memory comes first in guest-physical memory")
            .help("give the node with the CPUs (and ordinary RAM) the lowest id, or start the SPM part at an offset of 2 MiB or more")
            .note("Linux allocates its real-mode trampoline from RAM below 1 MiB and panics without it: \"Kernel panic - not syncing: Real mode trampoline was not allocated\" (measured with Linux 6.1)"),
        );
    }
    // A firmware window (OVMF's low RAM) is RAM the firmware hands out as it
    // likes: count it as usable.
    let windows: u64 = q
        .guest
        .windows
        .iter()
        .map(|w| w.region.size)
        .fold(0u64, u64::saturating_add);
    let usable: u64 = ram
        .iter()
        .map(|e| e.size)
        .fold(windows, u64::saturating_add);
    if usable < MIN_USABLE_RAM {
        out.push(
            Diagnostic::new(
                &codes::T045,
                format!(
                    "Specific Purpose Memory leaves the guest {} of ordinary RAM, less than the {} a kernel needs to boot",
                    fmt_size(usable),
                    fmt_size(MIN_USABLE_RAM)
                ),
                spm_span(low.node),
                "SPM",
            )
            .help("keep some memory out of SPM: the page allocator gets none of it at boot")
            .note("the guest kernel decompresses and runs from ordinary RAM only; with none, it prints nothing and hangs (measured with Linux 6.1: no console output in 240 s)"),
        );
    }
    if q.profile.spm.value == SpmDialect::KernelMemmap {
        // The kernel's KASLR code reads `memmap=SIZE%START-…` as a memory
        // limit of SIZE (parse_memmap() knows only #, $, ! and @), so it
        // places the kernel anywhere in RAM below the smallest SPM size and
        // avoids none of the SPM ranges.
        let Some(limit) = l.spm.iter().map(|s| s.region.size).min() else {
            return;
        };
        if let Some(hit) = l
            .spm
            .iter()
            .filter(|s| s.region.start < limit && s.region.end() > KASLR_MIN)
            .min_by_key(|s| s.region.start)
        {
            out.push(
                Diagnostic::new(
                    &codes::T045,
                    format!(
                        "{}'s Specific Purpose Memory at guest-physical {:#x} lies where KASLR may load the guest kernel",
                        cx.node_label(hit.node),
                        hit.region.start
                    ),
                    spm_span(hit.node),
                    "SPM below the KASLR limit",
                )
                .help(format!("place the SPM above {} (e.g. give it a node with a higher id), or boot the guest with `nokaslr`", fmt_size(limit)))
                .note("the decompressor reads `memmap=SIZE%START` as a memory limit and avoids none of the ranges: the kernel image may land inside one and split it (\"hmem: probe of hmem.N failed with error -12\", measured with Linux 6.1)"),
            );
        }
    }
}
