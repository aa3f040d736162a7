//! What the qemu target can express: each rule here is a limit of QEMU, of
//! the chosen QEMU version, or of the guest firmware.

use super::Context;
use crate::diag::{Diagnostic, codes};
use crate::kinds::{Firmware, SpmDialect};
use crate::layout::hmat::{EncodeError, qemu_bandwidth, qemu_latency};
use crate::model::DataType;
use crate::source::Span;
use crate::target::{QemuProfile, Vendor};
use crate::units::{fmt_bandwidth, fmt_latency, fmt_size};

/// QEMU's `MAX_NODES`.
pub const MAX_NODES: u32 = 128;

fn profile<'a>(cx: &'a Context) -> Option<&'a QemuProfile> {
    cx.target.qemu()
}

/// Where a target setting was written, else the machine table.
fn setting(cx: &Context, span: Span) -> Span {
    if span.is_detached() {
        cx.topo.machine.name.span
    } else {
        span
    }
}

/// T100: node ids QEMU cannot take: not dense from 0, or 128 and above.
pub fn node_ids(cx: &Context, out: &mut Vec<Diagnostic>) {
    if profile(cx).is_none() {
        return;
    }
    // Duplicate ids are T010's business: judge the distinct ids.
    let mut expected = 0u32;
    let mut gap_reported = false;
    // Ids past QEMU's limit are reported once, together.
    let mut beyond: Vec<&crate::model::Node> = Vec::new();
    for n in &cx.topo.nodes {
        let id = n.id.value;
        if id >= crate::linux::numa::MAX_NUMNODES {
            continue; // T013's: beyond what the guest kernel maps at all
        }
        if id >= MAX_NODES {
            beyond.push(n);
        } else if id > expected && !gap_reported {
            gap_reported = true;
            let count = cx.topo.nodes.len();
            out.push(
                Diagnostic::new(
                    &codes::T100,
                    format!(
                        "QEMU needs node ids 0, 1, 2, … without gaps; node id {expected} is missing"
                    ),
                    n.id.span,
                    format!("expected id {expected} before this node"),
                )
                .help(format!(
                    "renumber the nodes so ids run from 0 to {}",
                    count.saturating_sub(1)
                ))
                .note("QEMU refuses: \"numa: Node ID missing\""),
            );
        }
        expected = expected.max(id.saturating_add(1));
    }
    if let (Some(first), Some(last)) = (beyond.first(), beyond.last()) {
        let ids: Vec<u32> = beyond.iter().map(|n| n.id.value).collect();
        let what = if ids.len() == 1 {
            format!("node id {}", ids[0])
        } else {
            format!(
                "{} node ids ({})",
                ids.len(),
                crate::units::fmt_cpulist(&ids)
            )
        };
        let mut d = Diagnostic::new(
            &codes::T100,
            format!("{what} beyond QEMU's limit of {MAX_NODES} nodes"),
            first.id.span,
            "first one too large for QEMU",
        );
        if ids.len() > 1 {
            d = d.label(last.id.span, "last one");
        }
        out.push(
            d.help(format!(
                "QEMU holds nodes 0 to {}: merge or drop nodes",
                MAX_NODES - 1
            ))
            .note("QEMU refuses: \"Max number of NUMA nodes reached\""),
        );
    }
}

/// T101: the guest does not fit QEMU's address space for the CPU model.
pub fn address_space(cx: &Context, out: &mut Vec<Diagnostic>) {
    let (Some(p), Some(l)) = (profile(cx), cx.qemu_layout) else {
        return;
    };
    if l.max_used_gpa >= p.phys_limit() {
        out.push(
            Diagnostic::new(
                &codes::T101,
                format!(
                    "{} of RAM{} needs addresses up to {:#x}, beyond the {} physical address bits of `{}`",
                    fmt_size(l.ram_size),
                    if l.relocated_above_1tb { " (moved above 1 TiB around the AMD HyperTransport hole)" } else { "" },
                    l.max_used_gpa,
                    p.phys_bits,
                    p.cpu_model.value
                ),
                setting(cx, p.cpu_model.span),
                "CPU model",
            )
            .help("use a CPU model with more physical address bits, e.g. cpu-model = \"qemu64,phys-bits=48\", or less memory")
            .note("QEMU refuses: \"Address space limit … phys-bits too low\""),
        );
    }
    if l.slots > 256 {
        if let Some(s) = &p.memory_slots {
            out.push(Diagnostic::new(
                &codes::T101,
                format!("{} memory slots; QEMU takes at most 256", l.slots),
                s.span,
                "too many slots",
            ));
        }
    }
    if l.maxmem < l.ram_size {
        if let Some(m) = &p.max_memory {
            out.push(
                Diagnostic::new(
                    &codes::T101,
                    format!(
                        "max-memory {} is less than the nodes' {} of memory",
                        fmt_size(l.maxmem),
                        fmt_size(l.ram_size)
                    ),
                    m.span,
                    "too small",
                )
                .help("raise max-memory or remove it"),
            );
        }
    }
}

/// T102: Generic Initiators before QEMU 9.0.
pub fn generic_initiator_version(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(p) = profile(cx) else { return };
    if p.version.value.has_generic_initiator() {
        return;
    }
    for d in cx.topo.devices.iter().filter(|d| !d.gi_nodes.is_empty()) {
        out.push(
            Diagnostic::new(&codes::T102, format!("QEMU {} has no Generic Initiator support, which device \"{}\" needs", p.version.value, d.name.value), d.gi_nodes[0].span, "Generic Initiator nodes")
                .label(p.version.span, "QEMU version")
                .help("target QEMU 9.0 or later (Debian bookworm-backports has 10.0)")
                .note("QEMU 7.2 refuses: \"Parameter 'qom-type' does not accept value 'acpi-generic-initiator'\""),
        );
    }
}

/// T103: SPM through a QEMU dialect that the firmware then drops.
pub fn spm_firmware(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(p) = profile(cx) else { return };
    if p.spm.value == SpmDialect::KernelMemmap || p.firmware.value == Firmware::OvmfSp {
        return;
    }
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        let Some(r) = m.spm.first() else { continue };
        let fw = match p.firmware.value {
            Firmware::Seabios => "SeaBIOS keeps only RAM and reserved entries of etc/e820",
            _ => {
                "Debian's OVMF (edk2 2022.11) does not handle soft-reserved entries (\"NOT HANDLED\")"
            }
        };
        out.push(
            Diagnostic::new(
                &codes::T103,
                format!("{}'s Specific Purpose Memory reaches the guest only as a soft-reserved E820 entry, which {} drops", n.label(), p.firmware.value),
                r.span,
                "SPM",
            )
            .label(p.firmware.span, "firmware")
            .label(p.spm.span, "SPM dialect")
            .help("use spm = \"kernel-memmap\" (works with any firmware), or firmware = \"ovmf-sp\" (edk2 2026-01 or later)")
            .note(format!("{fw}: the guest would lose this memory entirely")),
        );
    }
}

/// T104: SPM shapes the chosen QEMU dialect cannot express.
pub fn spm_whole_node(cx: &Context, out: &mut Vec<Diagnostic>) {
    let (Some(p), Some(l)) = (profile(cx), cx.qemu_layout) else {
        return;
    };
    if !matches!(p.spm.value, SpmDialect::NumaSpm | SpmDialect::MemmapType) {
        return;
    }
    for (ix, n) in cx.topo.nodes.iter().enumerate() {
        let Some(m) = &n.memory else { continue };
        if m.spm.is_empty() {
            continue;
        }
        if !m.all_spm() {
            out.push(
                Diagnostic::new(&codes::T104, format!("spm dialect \"{}\" marks whole nodes only, but {} is partly SPM", p.spm.value, n.label()), m.spm[0].span, "a part")
                    .label(p.spm.span, "SPM dialect")
                    .help("make the whole node SPM (spm = true), move the SPM part into its own node, or use spm = \"kernel-memmap\""),
            );
            continue;
        }
        let pieces = l
            .nodes
            .iter()
            .find(|r| r.node == ix)
            .map_or(0, |r| r.ranges.len());
        if pieces > 1 {
            out.push(
                Diagnostic::new(&codes::T104, format!("{} straddles the end of RAM below 4 GiB ({:#x}), which the proposed QEMU SPM series refuses", n.label(), l.below_4g), m.spm[0].span, "split in two")
                    .help("reorder or resize nodes so the SPM node lies wholly above 4 GiB")
                    .note("QEMU (SPM series v4+): \"SPM node N spans across 4GB boundary, not supported\""),
            );
        }
        if l.relocated_above_1tb {
            out.push(
                Diagnostic::new(&codes::T104, "the proposed QEMU SPM series computes SPM addresses from 4 GiB and ignores the AMD 1 TiB relocation", m.spm[0].span, "wrong address under the series")
                    .help("use spm = \"kernel-memmap\", or an Intel CPU model"),
            );
        }
    }
}

/// T105: an attached initiator QEMU refuses.
pub fn hmat_attached_initiator(cx: &Context, out: &mut Vec<Diagnostic>) {
    if profile(cx).is_none() {
        return;
    }
    for (ix, n) in cx.topo.nodes.iter().enumerate() {
        let Some(i) = &n.initiator else { continue };
        let init = &cx.topo.nodes[i.value];
        if !init.has_cpus() && init.is_generic_initiator() {
            out.push(
                Diagnostic::new(&codes::T105, format!("QEMU only attaches CPU nodes as initiators; {} is a Generic Initiator node", init.label()), i.span, "no CPUs")
                    .help("remove `initiator` (the guest then picks the best initiator from the HMAT values, Generic Initiators included) or name a CPU node")
                    .note("QEMU refuses: \"The initiator of NUMA node N is invalid\""),
            );
        }
        if n.has_cpus() && i.value != ix {
            out.push(
                Diagnostic::new(
                    &codes::T105,
                    format!("{} has CPUs, so QEMU makes it its own initiator", n.label()),
                    i.span,
                    "must be the node itself",
                )
                .help("remove `initiator` from nodes with CPUs")
                .note("QEMU refuses: \"The initiator of CPU NUMA node N should be itself\""),
            );
        }
    }
}

/// T106: HMAT values `-numa hmat-lb` cannot carry.
pub fn hmat_values(cx: &Context, out: &mut Vec<Diagnostic>) {
    if profile(cx).is_none() {
        return;
    }
    let Some(h) = &cx.derived.hmat else { return };
    for table in &h.tables {
        let raw: Vec<Vec<Option<u64>>> = table
            .values
            .iter()
            .map(|r| r.iter().map(|v| v.map(|x| x.value)).collect())
            .collect();
        let res = if table.data_type.is_latency() {
            qemu_latency(&raw)
        } else {
            qemu_bandwidth(&raw)
        };
        let Err(e) = res else { continue };
        // Blame the first value involved.
        let find = |want: u64| {
            let mut span = cx.topo.machine.span;
            for (ii, row) in table.values.iter().enumerate() {
                for (ti, v) in row.iter().enumerate() {
                    if let Some(v) = v {
                        let hit = match e {
                            EncodeError::NotWholeNs { ps } => v.value == ps,
                            EncodeError::NotWholeMib { bps } => v.value == bps,
                            EncodeError::Range { .. } => {
                                table.data_type.is_latency() && v.value / 1000 == want
                                    || !table.data_type.is_latency() && v.value == want
                            }
                        };
                        if hit {
                            span = value_span(cx, v.origin, table.data_type, h.targets[ti]);
                            let _ = ii;
                            return span;
                        }
                    }
                }
            }
            span
        };
        let d = match e {
            EncodeError::NotWholeNs { ps } => Diagnostic::new(
                &codes::T106,
                format!(
                    "HMAT latency {} is not a whole number of nanoseconds",
                    fmt_latency(ps)
                ),
                find(0),
                "sub-nanosecond",
            )
            .help("QEMU's -numa hmat-lb takes latency in whole ns; round the value"),
            EncodeError::NotWholeMib { bps } => Diagnostic::new(
                &codes::T106,
                format!(
                    "HMAT bandwidth {} is not a whole number of MiB/s",
                    fmt_bandwidth(bps)
                ),
                find(0),
                "not MiB/s aligned",
            )
            .help(format!(
                "write it in MiB/s or GiB/s, e.g. \"{}MiB/s\"",
                bps >> 20
            ))
            .note("QEMU refuses: \"Bandwidth … should be 1MB aligned\""),
            EncodeError::Range {
                value,
                base,
                min,
                max,
            } => {
                let latency = table.data_type.is_latency();
                let what = if latency { "latency" } else { "bandwidth" };
                let show = |v: u64| {
                    if latency {
                        fmt_latency(v.saturating_mul(1000))
                    } else {
                        fmt_bandwidth(v)
                    }
                };
                Diagnostic::new(
                    &codes::T106,
                    format!("HMAT {} values from {} to {} do not fit 16-bit entries with one base unit", table.data_type.qemu_name(), show(min), show(max)),
                    find(value),
                    format!("{value} / base {base} exceeds 65534"),
                )
                .help(format!("bring the {what} values of this table within a factor of 65534 of their common unit"))
                .note("QEMU refuses values that differ from the others by more than 65534 units")
            }
        };
        out.push(d);
    }
}

/// The span behind an HMAT value: the explicit entry, or the target memory's
/// latency or bandwidth it was derived from.
pub(super) fn value_span(
    cx: &Context,
    origin: crate::model::derive::Origin,
    dt: DataType,
    target: usize,
) -> Span {
    let node = &cx.topo.nodes[target];
    match origin {
        crate::model::derive::Origin::Explicit(s) => s,
        _ => match &node.memory {
            Some(m) => {
                let field = if dt.is_latency() {
                    m.latency.as_ref()
                } else {
                    m.bandwidth.as_ref()
                };
                field.map_or(m.span, |f| f.span)
            }
            None => node.span,
        },
    }
}

/// T107: a memory-side cache on a node QEMU has no latency and bandwidth for.
pub fn hmat_cache_needs_lb(cx: &Context, out: &mut Vec<Diagnostic>) {
    if profile(cx).is_none() {
        return;
    }
    for (ix, n) in cx.topo.nodes.iter().enumerate() {
        let Some(m) = &n.memory else { continue };
        let Some(c) = m.caches.first() else { continue };
        if cache_lacks_lb(cx, ix) {
            out.push(
                Diagnostic::new(&codes::T107, format!("QEMU needs latency and bandwidth for {} before it takes its memory-side cache", n.label()), c.span, "cache")
                    .help("give the node's memory `latency` and `bandwidth`, or add an `[[hmat]]` entry targeting it")
                    .note("QEMU refuses: \"The latency and bandwidth information of node-id=N should be provided before memory side cache attributes\""),
            );
        }
    }
}

/// Whether T107 applies to a node: the qemu target, a memory-side cache, and
/// no latency or no bandwidth for it from any initiator.
pub(super) fn cache_lacks_lb(cx: &Context, ix: usize) -> bool {
    if profile(cx).is_none() {
        return false;
    }
    let Some(m) = &cx.topo.nodes[ix].memory else {
        return false;
    };
    if m.caches.is_empty() {
        return false;
    }
    let has = |dt: DataType| {
        cx.derived.hmat.as_ref().is_some_and(|h| {
            h.initiators
                .iter()
                .any(|&i| h.value(dt, i, ix).is_some_and(|v| v.value > 0))
        })
    };
    let lat =
        has(DataType::AccessLatency) || has(DataType::ReadLatency) || has(DataType::WriteLatency);
    let bw = has(DataType::AccessBandwidth)
        || has(DataType::ReadBandwidth)
        || has(DataType::WriteBandwidth);
    !(lat && bw)
}

/// T108: a CPU model whose vendor the host decides.
pub fn cpu_vendor(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(p) = profile(cx) else { return };
    if p.vendor == Vendor::Host {
        out.push(
            Diagnostic::new(&codes::T108, format!("cpu-model \"{}\" takes the host's CPU vendor, so the guest's E820 cannot be predicted", p.cpu_model.value), setting(cx, p.cpu_model.span), "host-dependent")
                .help("pin a model, e.g. \"qemu64\" (AMD) or \"qemu64,vendor=GenuineIntel\"")
                .note("QEMU adds the AMD HyperTransport hole (0xfd00000000-0xffffffffff) to the E820 only for AMD vCPUs"),
        );
    }
}

/// The x86 kernel command line holds `COMMAND_LINE_SIZE - 1` bytes.
pub const KERNEL_CMDLINE_MAX: usize = 2047;

/// T109: `memmap=` arguments longer than the kernel command line.
pub fn kernel_cmdline_length(cx: &Context, out: &mut Vec<Diagnostic>) {
    let (Some(_), Some(l)) = (profile(cx), cx.qemu_layout) else {
        return;
    };
    let len = l
        .kernel_args
        .iter()
        .map(|a| a.len() + 1)
        .sum::<usize>()
        .saturating_sub(1);
    if len <= KERNEL_CMDLINE_MAX {
        return;
    }
    let span = cx
        .topo
        .nodes
        .iter()
        .filter_map(|n| n.memory.as_ref())
        .find_map(|m| m.spm.first().map(|r| r.span))
        .unwrap_or(cx.topo.machine.name.span);
    out.push(
        Diagnostic::new(
            &codes::T109,
            format!(
                "the {} memmap= arguments for Specific Purpose Memory take {len} bytes, more than the {KERNEL_CMDLINE_MAX} the x86 kernel command line holds",
                l.kernel_args.len()
            ),
            span,
            "first SPM part",
        )
        .help("merge adjacent SPM parts, or use a QEMU SPM dialect with firmware = \"ovmf-sp\"")
        .note("x86 Linux keeps COMMAND_LINE_SIZE (2048) bytes of its command line and drops the rest, so later ranges would stay ordinary RAM"),
    );
}

/// Slots the machine's own devices hold on the root bus: the host bridge at 0
/// on both, ICH9's LPC/SATA/SMBus functions at 31 on q35, PIIX3 at 1 on pc.
fn machine_slots(machine: crate::kinds::QemuMachine) -> &'static [u8] {
    match machine {
        crate::kinds::QemuMachine::Q35 => &[0, 0x1f],
        crate::kinds::QemuMachine::Pc => &[0, 1],
    }
}

/// T110: two devices in one PCI slot, or a device in a slot the machine
/// itself holds.
pub fn pci_slots(cx: &Context, out: &mut Vec<Diagnostic>) {
    let (Some(p), Some(l)) = (profile(cx), cx.qemu_layout) else {
        return;
    };
    let reserved = machine_slots(p.machine.value);
    for (k, pl) in l.pci.iter().enumerate() {
        let d = &cx.topo.devices[pl.device];
        let span = d.guest_slot.as_ref().map_or(d.name.span, |s| s.span);
        let auto = d.guest_slot.is_none();
        let taken = l.pci[..k].iter().find(|o| o.slot == pl.slot);
        if auto && (taken.is_some() || reserved.contains(&pl.slot)) {
            let free = (0x10u8..0x1f).filter(|s| !reserved.contains(s)).count();
            out.push(
                Diagnostic::new(
                    &codes::T110,
                    format!("no free PCI slot is left for device \"{}\": topoc places devices in the {free} slots from 0x10 to 0x1e", d.name.value),
                    span,
                    "one device too many",
                )
                .help("give some devices an explicit `guest-slot` below 0x10, or use fewer devices")
                .note("QEMU refuses: \"PCI: slot N function 0 not available for …, in use by …\""),
            );
        } else if reserved.contains(&pl.slot) {
            out.push(
                Diagnostic::new(
                    &codes::T110,
                    format!("PCI slot {:#x} belongs to the {} machine's own devices", pl.slot, p.machine.value),
                    span,
                    "taken by the machine",
                )
                .help("choose another `guest-slot`; topoc places devices from slot 0x10 on when none is given")
                .note("QEMU refuses: \"PCI: slot N function 0 not available for …, in use by …\" (q35: host bridge at 0, ICH9 at 0x1f; pc: host bridge at 0, PIIX3 at 1)"),
            );
        } else if let Some(other) = taken {
            let first = &cx.topo.devices[other.device];
            out.push(
                Diagnostic::new(
                    &codes::T110,
                    format!(
                        "devices \"{}\" and \"{}\" both sit in PCI slot {:#x}",
                        first.name.value, d.name.value, pl.slot
                    ),
                    span,
                    "second device in the slot",
                )
                .label(
                    first
                        .guest_slot
                        .as_ref()
                        .map_or(first.name.span, |s| s.span),
                    "first device in the slot",
                )
                .help("give each device its own `guest-slot`")
                .note("QEMU refuses: \"PCI: slot N function 0 not available for …, in use by …\""),
            );
        }
    }
}
