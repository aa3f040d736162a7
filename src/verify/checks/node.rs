//! Each node on its own: online state, SRAT memory ranges, `Initmem` span,
//! CPUs, MemTotal and distances.

use super::{Ctx, Outcome, Run, Spec, fmt_or_none, kib, lines, lines_or_none, nodes};
use crate::linux::memory::{KERNEL_START, memtotal_overhead};

const NUMBERING: &[&str] = &["numa.pxm-map"];

pub(super) const STATE: Spec = Spec {
    name: "nodeN.state",
    title: "{node}: online state",
    compares: "whether node N is online",
    how: "online when it has CPUs, boot RAM or a Generic Initiator; a memory-only node whose \
          memory is all soft-reserved stays offline",
    prerequisites: NUMBERING,
    explains: None,
    run: Run::EachNode(state),
};

pub(super) const SRAT: Spec = Spec {
    name: "nodeN.srat",
    title: "{node}: SRAT memory ranges (ACPI: SRAT: Node N PXM P lines)",
    compares: "the node's `ACPI: SRAT: Node N PXM P [mem …]` lines",
    how: "exact (ranges, order, ` hotplug`)",
    prerequisites: NUMBERING,
    explains: None,
    run: Run::EachNode(srat),
};

pub(super) const INITMEM: Spec = Spec {
    name: "nodeN.initmem",
    title: "{node}: Initmem span (the node's boot RAM, first to last page)",
    compares: "`Initmem setup node N [mem …]` / `as memoryless`",
    how: "exact: the first and last page of boot RAM inside the node's SRAT ranges",
    prerequisites: NUMBERING,
    explains: None,
    run: Run::EachNode(initmem),
};

pub(super) const CPULIST: Spec = Spec {
    name: "nodeN.cpulist",
    title: "{node}: CPUs",
    compares: "`nodeN/cpulist`",
    how: "exact",
    prerequisites: NUMBERING,
    explains: None,
    run: Run::EachNode(cpulist),
};

pub(super) const MEMTOTAL: Spec = Spec {
    name: "nodeN.memtotal",
    title: "{node}: MemTotal",
    compares: "`nodeN/meminfo` MemTotal",
    how: "within the stated bound below",
    prerequisites: NUMBERING,
    explains: None,
    run: Run::EachNode(memtotal),
};

pub(super) const DISTANCE: Spec = Spec {
    name: "nodeN.distance",
    title: "{node}: distances to the online nodes {}",
    compares: "`nodeN/distance`",
    how: "exact: one column per online node, SLIT entries remapped through PXM → node",
    prerequisites: NUMBERING,
    explains: None,
    run: Run::EachNode(distance),
};

fn state(cx: &Ctx, n: u32) -> Outcome {
    let g = &cx.guest;
    let online = g.online.contains(&n);
    let seen = cx.d.nodes.get(&n);
    let mut what = Vec::new();
    if g.has_cpu.contains(&n) {
        what.push("CPUs");
    }
    if g.has_normal_memory.contains(&n) {
        what.push("RAM");
    }
    if g.node_kmem.contains_key(&n) {
        what.push("kmem SPM");
    }
    if g.generic_initiator.contains(&n) {
        what.push("Generic Initiator");
    }
    let expected = if online {
        format!("online ({})", what.join(", "))
    } else if g.possible.contains(&n) {
        "offline (possible only: no CPUs, no RAM; soft-reserved or hot-pluggable memory only)"
            .into()
    } else {
        "not a node".into()
    };
    let seen_state = match seen {
        Some(_) => "online (has a /sys/devices/system/node directory)",
        None => "no /sys/devices/system/node directory",
    };
    let diffs = if online == seen.is_some() {
        Vec::new()
    } else if online {
        vec![format!("{} should be online", cx.p.node_label(n))]
    } else {
        vec![format!("node{n} should not be online")]
    };
    Outcome::compared(
        expected,
        seen_state,
        diffs,
        "the node's memory is (not) soft-reserved in the guest (see kernel.cmdline, e820.user), \
         or its CPUs/Generic Initiator are missing from the SRAT",
    )
}

fn srat(cx: &Ctx, n: u32) -> Outcome {
    let fmt = |node: u32, pxm: u32, s: u64, e: u64, hp: bool| {
        format!(
            "Node {node} PXM {pxm} [mem {s:#010x}-{e:#010x}]{}",
            if hp { " hotplug" } else { "" }
        )
    };
    let exp: Vec<String> =
        cx.p.numa
            .memory
            .iter()
            .filter(|m| m.node == n)
            .map(|m| fmt(m.node, m.pxm, m.start, m.end, m.hotplug))
            .collect();
    let got: Vec<String> =
        cx.d.srat_memory
            .iter()
            .filter(|m| m.node == n)
            .map(|m| fmt(m.node, m.pxm, m.start, m.end, m.hotplug))
            .collect();
    match cx.dmesg_missing() {
        Some(why) if !exp.is_empty() => Outcome::not_applicable(why),
        None if !exp.is_empty() || !got.is_empty() => Outcome::compared(
            lines_or_none(&exp),
            lines_or_none(&got),
            lines(&exp, &got),
            "QEMU placed the node's memory elsewhere (node order, sizes, the 640 KiB hole, the \
             low/high split: compare e820.fw_cfg), or the SRAT differs (acpi.SRAT)",
        ),
        _ => Outcome::skip(),
    }
}

fn initmem(cx: &Ctx, n: u32) -> Outcome {
    if !cx.guest.possible.contains(&n) && !cx.d.initmem.iter().any(|i| i.node == n) {
        return Outcome::skip();
    }
    if let Some(why) = cx.dmesg_missing() {
        return Outcome::not_applicable(why);
    }
    if cx.d.initmem.is_empty() {
        return Outcome::not_applicable(
            "the boot log has no `Initmem setup node` lines (filtered or reworded by this kernel)",
        );
    }
    let fmt = |r: Option<(u64, u64)>| match r {
        Some((s, e)) => format!("[mem {s:#018x}-{e:#018x}]"),
        None => "memoryless".into(),
    };
    // No-map memblock memory (the flash under edk2 2022.11) inside the
    // node's SRAT ranges widens the span as RAM does.
    let nomap =
        cx.p.numa
            .memory
            .iter()
            .filter(|m| m.node == n)
            .flat_map(|m| {
                cx.p.memblock_nomap
                    .iter()
                    .map(move |&(s, e)| (s.max(m.start), e.min(m.end.saturating_add(1))))
                    .filter(|(s, e)| s < e)
            });
    let span = cx
        .guest
        .initmem_span(&cx.p.numa, n)
        .into_iter()
        .chain(nomap)
        .reduce(|a, b| (a.0.min(b.0), a.1.max(b.1)));
    let exp = fmt(span.map(|(s, e)| (s, e - 1)));
    let got: Vec<String> =
        cx.d.initmem
            .iter()
            .filter(|i| i.node == n)
            .map(|i| fmt(i.range))
            .collect();
    let diffs = if got.len() == 1 && got[0] == exp {
        Vec::new()
    } else if got.is_empty() {
        vec!["no Initmem line for this node".into()]
    } else {
        vec![format!("seen {}", got.join(", "))]
    };
    Outcome::compared(
        exp,
        lines_or_none(&got),
        diffs,
        "the node's RAM differs: its SRAT ranges (nodeN.srat) or the E820 RAM inside them \
         (e820.bios, e820.user)",
    )
}

fn cpulist(cx: &Ctx, n: u32) -> Outcome {
    let Some(seen) = cx.online_node(n) else {
        return Outcome::skip();
    };
    let exp = cx.guest.cpus.get(&n).cloned().unwrap_or_default();
    let diffs = match &seen.cpulist {
        Some(c) if *c == exp => Vec::new(),
        Some(c) => vec![format!(
            "expected CPUs {}, seen {}",
            fmt_or_none(&exp),
            fmt_or_none(c)
        )],
        None => vec!["no cpulist".into()],
    };
    Outcome::compared(
        fmt_or_none(&exp),
        seen.cpulist
            .as_deref()
            .map_or("(absent)".into(), fmt_or_none),
        diffs,
        "the node's CPU list (-numa node,cpus= / the SRAT's CPU structures) differs, or fewer \
         CPUs came online than -smp says",
    )
}

fn memtotal(cx: &Ctx, n: u32) -> Outcome {
    let Some(seen) = cx.online_node(n) else {
        return Outcome::skip();
    };
    let g = &cx.guest;
    let numa = &cx.p.numa;
    let kernel_at =
        cx.d.iomem
            .iter()
            .find(|e| e.name == "Kernel code")
            .map_or(KERNEL_START, |e| e.start);
    let boot = g.node_ram.get(&n).copied().unwrap_or(0);
    let hot = g.node_kmem.get(&n).copied().unwrap_or(0);
    let total = boot.saturating_add(hot);
    let o = memtotal_overhead(
        total,
        boot,
        numa.node_at(kernel_at) == Some(n),
        g.swiotlb_top().and_then(|top| numa.node_at(top)) == Some(n),
    );
    let mut o = o;
    // arm64 (virt, no E820): the linear map's page tables sit in the node
    // holding the top of RAM.
    if !cx.p.e820 && boot > 0 {
        let top = cx.p.uefi_ram.iter().map(|e| e.end()).max().unwrap_or(0);
        if top > 0 && numa.node_at(top - 1) == Some(n) {
            let all: u64 = cx.p.uefi_ram.iter().map(|e| e.size).sum();
            let tables = crate::linux::memory::arm64_linear_map_tables(all);
            o.bytes += tables;
            o.parts.push(format!(
                "RAM/{} of all nodes for the arm64 linear map's page tables",
                crate::linux::memory::ARM64_LINEAR_MAP_DIVISOR
            ));
        }
    }
    let bound = o.bytes;
    let exp = if bound == 0 {
        format!("{} kB", kib(total))
    } else {
        format!(
            "between {} kB and {} kB (RAM {} kB{}, less at most {} kB: {})",
            kib(total - bound.min(total)),
            kib(total),
            kib(boot),
            if hot > 0 {
                format!(" + {} kB kmem", kib(hot))
            } else {
                String::new()
            },
            kib(bound),
            o.parts.join(", ")
        )
    };
    let diffs = match seen.mem_total_kib {
        None => vec!["no MemTotal".into()],
        Some(v) if v > kib(total) => vec![format!(
            "MemTotal {v} kB exceeds the node's RAM, {} kB, by {} kB",
            kib(total),
            v - kib(total)
        )],
        Some(v) if v < kib(total - bound.min(total)) => vec![format!(
            "MemTotal {v} kB is {} kB below the node's RAM, more than the {} kB bound",
            kib(total) - v,
            kib(bound)
        )],
        Some(_) => Vec::new(),
    };
    Outcome::compared(
        exp,
        seen.mem_total_kib
            .map_or("(absent)".into(), |v| format!("{v} kB")),
        diffs,
        "the node has a different amount of RAM (nodeN.srat, e820), soft-reserved memory \
         counted as RAM (kernel.cmdline), or more memory reserved than the bound allows \
         (crashkernel=, hugepages=)",
    )
}

fn distance(cx: &Ctx, n: u32) -> Outcome {
    let Some(seen) = cx.online_node(n) else {
        return Outcome::skip();
    };
    let online = &cx.guest.online;
    let exp: Vec<u32> = online.iter().map(|&m| cx.distance(n, m)).collect();
    let fmt = |v: &[u32]| v.iter().map(u32::to_string).collect::<Vec<_>>().join(" ");
    let diffs = match &seen.distance {
        Some(v) if *v == exp => Vec::new(),
        Some(v) => {
            let mut d = Vec::new();
            if v.len() != exp.len() {
                d.push(format!(
                    "{} columns, expected {} (one per online node)",
                    v.len(),
                    exp.len()
                ));
            }
            for ((m, e), s) in online.iter().zip(&exp).zip(v) {
                if e != s {
                    d.push(format!("to node{m}: expected {e}, seen {s}"));
                }
            }
            d
        }
        None => vec!["no distance file".into()],
    };
    Outcome::compared(
        fmt(&exp),
        seen.distance.as_deref().map_or("(absent)".into(), fmt),
        diffs,
        "the SLIT differs from topoc's (acpi.SLIT; derived distances: model/derive.rs), or a \
         different set of nodes is online",
    )
    .detail(nodes(online))
}
