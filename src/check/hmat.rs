//! HMAT rules that hold for every target.

use super::Context;
use super::graph::{Components, unreachable_memory};
use super::qemu::{cache_lacks_lb, value_span};
use crate::acpi::hmat_units::{qemu_bandwidth, qemu_latency, rounded_bandwidth, rounded_latency};
use crate::diag::{Diagnostic, codes};
use crate::model::NodeIx;
use crate::model::derive::{HmatData, Origin};
use crate::units::{MIB, fmt_bandwidth, fmt_latency};

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
        for (k, v) in e.values.iter().enumerate() {
            if let Some(v) = v.as_ref().filter(|v| v.value == 0) {
                let what = if k < 3 { "latency" } else { "bandwidth" };
                out.push(
                    Diagnostic::new(
                        &codes::T061,
                        format!("this HMAT entry gives {} = 0", crate::model::DataType::ALL[k].qemu_name()),
                        v.span,
                        "0 means no data",
                    )
                    .help(format!("give the real {what}, or leave the key out"))
                    .note("an HMAT entry of 0 means \"no data\" to QEMU and Linux: the guest reads no value for this pair (\"Initiator-Target[…]:0 nsec\")"),
                );
            }
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

/// T062's findings: HMAT targets without CPUs, without an attached
/// initiator, with no value from any initiator in any table, that T080
/// (no initiator reaches them) and T107 (QEMU refuses their cache) do not
/// already report.
fn targets_without_data(cx: &Context, h: &HmatData) -> Vec<NodeIx> {
    let orphans = unreachable_memory(cx, &Components::new(cx.topo));
    h.targets
        .iter()
        .enumerate()
        .filter(|&(ti, &m)| {
            let n = &cx.topo.nodes[m];
            !n.has_cpus()
                && n.initiator.is_none()
                && !orphans.contains(&m)
                && !cache_lacks_lb(cx, m)
                && !h
                    .tables
                    .iter()
                    .any(|t| t.values.iter().any(|row| row[ti].is_some()))
        })
        .map(|(_, &m)| m)
        .collect()
}

/// T062: a memory-only node for which the HMAT carries nothing.
pub fn target_without_data(cx: &Context, h: &HmatData, out: &mut Vec<Diagnostic>) {
    for m in targets_without_data(cx, h) {
        let n = &cx.topo.nodes[m];
        let Some(mem) = &n.memory else { continue };
        out.push(
            Diagnostic::new(
                &codes::T062,
                format!("the HMAT has no latency or bandwidth for {} from any initiator, and it names no attached initiator", n.label()),
                mem.span,
                "no HMAT data for this memory",
            )
            .label(n.id.span, "a node without CPUs")
            .help("give this memory `latency` and `bandwidth` (topoc derives each initiator's values over the links), add `[[hmat]]` entries that target it, or name its `initiator`")
            .note("QEMU writes 0 (no data) in every entry for it; Linux then reports no latency or bandwidth for the node under access0/access1, so memory tiering and applications cannot tell it from other memory (which initiators Linux links for it is unverified)"),
        );
    }
}

/// T063: an HMAT table with values for some initiator/target pairs but not
/// others. Pairs without a link path are T053's (or T080's, T073's), and
/// targets without any data are T062's (or T107's).
pub fn partial_matrix(cx: &Context, h: &HmatData, out: &mut Vec<Diagnostic>) {
    let skip = targets_without_data(cx, h);
    let orphans = unreachable_memory(cx, &Components::new(cx.topo));
    let connected = |i: NodeIx, m: NodeIx| {
        i == m
            || cx
                .derived
                .slit
                .as_ref()
                .is_none_or(|s| s.origin[i][m] != Origin::Unreachable)
    };
    for table in &h.tables {
        let mut have = 0usize;
        let mut missing: Vec<(NodeIx, NodeIx)> = Vec::new();
        for (ii, &i) in h.initiators.iter().enumerate() {
            for (ti, &m) in h.targets.iter().enumerate() {
                if skip.contains(&m)
                    || orphans.contains(&m)
                    || cache_lacks_lb(cx, m)
                    || !connected(i, m)
                {
                    continue;
                }
                match table.values[ii][ti] {
                    Some(_) => have += 1,
                    None => missing.push((i, m)),
                }
            }
        }
        let Some(&(_, first_target)) = missing.first() else {
            continue;
        };
        if have == 0 {
            continue;
        }
        let dt = table.data_type;
        let mut list: Vec<String> = missing
            .iter()
            .take(6)
            .map(|&(i, m)| format!("{} → {}", cx.node_label(i), cx.node_label(m)))
            .collect();
        if missing.len() > 6 {
            list.push(format!("and {} more", missing.len() - 6));
        }
        let primary = value_span(cx, Origin::Derived, dt, first_target);
        let mut d = Diagnostic::new(
            &codes::T063,
            format!(
                "HMAT {} has values for {have} of {} initiator/target pairs; missing: {}",
                dt.qemu_name(),
                have + missing.len(),
                list.join(", ")
            ),
            primary,
            format!("no {} for this target from some initiators", dt.qemu_name()),
        );
        if let Some(e) = cx
            .topo
            .hmat
            .iter()
            .find(|e| e.values[dt as usize].is_some())
        {
            d = d.label(e.span, "values given here");
        }
        let help = match dt {
            crate::model::DataType::AccessLatency => {
                "give the target's memory `latency` so topoc derives every pair over the links, or add `[[hmat]]` entries with `latency` for the missing pairs"
            }
            crate::model::DataType::AccessBandwidth => {
                "give the target's memory `bandwidth` so topoc derives every pair over the links, or add `[[hmat]]` entries with `bandwidth` for the missing pairs"
            }
            _ => {
                "read and write values are never derived: add them for the missing pairs, or give plain `latency`/`bandwidth` instead"
            }
        };
        out.push(
            d.help(help)
                .note("QEMU writes 0 (no data) for a missing pair; Linux ignores zeros when it picks a node's best initiator, so an initiator without a value is never chosen, even when it is the nearest"),
        );
    }
}

/// The relative error above which T065 reports.
const PRECISION: f64 = 0.01;

/// T065: HMAT values the guest reads more than 1% off what the file says,
/// once they are 16-bit entries with one base unit per table and Linux has
/// read them back (`hmat_normalize`). The qemu target encodes exactly what
/// it accepts (T106 refuses the rest), so there only Linux's 32-bit
/// overflow loses values; where topoc chooses the base it rounds
/// ([`rounded_latency`]).
pub fn precision(cx: &Context, h: &HmatData, out: &mut Vec<Diagnostic>) {
    for table in &h.tables {
        let dt = table.data_type;
        let latency = dt.is_latency();
        let raw: Vec<Vec<Option<u64>>> = table
            .values
            .iter()
            .map(|r| r.iter().map(|v| v.map(|x| x.value)).collect())
            .collect();
        let encoded = if cx.qemu().is_some() {
            let res = if latency {
                qemu_latency(&raw)
            } else {
                qemu_bandwidth(&raw)
            };
            match res {
                Ok(e) => e,
                Err(_) => continue, // T106's
            }
        } else if latency {
            rounded_latency(&raw)
        } else {
            rounded_bandwidth(&raw)
        };
        // (relative error, what the guest reads, initiator pos, target pos)
        let mut worst: Option<(f64, Option<u64>, usize, usize)> = None;
        for (ii, row) in table.values.iter().enumerate() {
            for (ti, v) in row.iter().enumerate() {
                let Some(v) = v.filter(|v| v.value > 0) else {
                    continue;
                };
                let entry = encoded.entries[ii][ti];
                let read = crate::linux::hmat::normalize(
                    entry,
                    encoded.base_unit,
                    dt as u8,
                    crate::acpi::Hmat::REVISION,
                )
                .map(u64::from);
                let want = if latency {
                    v.value as f64 / 1000.0
                } else {
                    v.value as f64 / MIB as f64
                };
                let err = read.map_or(1.0, |r| (r as f64 - want).abs() / want);
                if err > PRECISION && worst.is_none_or(|w| err > w.0) {
                    worst = Some((err, read, ii, ti));
                }
            }
        }
        let Some((err, read, ii, ti)) = worst else {
            continue;
        };
        let Some(v) = table.values[ii][ti] else {
            continue;
        };
        let (shown, got, unit) = if latency {
            (fmt_latency(v.value), read.map(|r| format!("{r} ns")), "ps")
        } else {
            (
                fmt_bandwidth(v.value),
                read.map(|r| format!("{r} MB/s")),
                "MB/s",
            )
        };
        let got = got.unwrap_or_else(|| "0 (no data)".into());
        let entry = encoded.entries[ii][ti];
        out.push(
            Diagnostic::new(
                &codes::T065,
                format!(
                    "HMAT {} {} → {} of {shown} reaches the guest as {got}, {:.0}% off (entry {entry} × base unit {} {unit})",
                    dt.qemu_name(),
                    cx.node_label(h.initiators[ii]),
                    cx.node_label(h.targets[ti]),
                    err * 100.0,
                    encoded.base_unit
                ),
                value_span(cx, v.origin, dt, h.targets[ti]),
                "loses precision",
            )
            .help(if latency {
                "keep HMAT latencies below 4.29 ms (2³² ps) and within a factor of 65534 of each other"
            } else {
                "keep HMAT bandwidths below 4 PB/s (2³² MB/s) and within a factor of 65534 of each other"
            })
            .note("Linux reads entry × base unit (drivers/acpi/numa/hmat.c hmat_normalize): a product beyond 32 bits becomes 0 (no data), and latencies are rounded up to whole ns"),
        );
    }
}
