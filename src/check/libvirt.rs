//! What libvirt's domain XML cannot express (T140-T149).
//!
//! libvirt starts QEMU, so every QEMU rule applies to the libvirt target as
//! well; the rules here judge only what stands between the topology and the
//! XML: libvirt's NUMA model (`../shared/reference/libvirt.md` §5, §8 and
//! `libvirt/libvirt:src/conf/numa_conf.c`). Like cloud-hypervisor's limits,
//! a capability finding is an error, or with the fallback (`fallback = true`
//! under `[target.libvirt]`, or `--fallback`) a warning saying which closest
//! form the XML carries instead; the plan ([`crate::layout::libvirt::Plan`])
//! already holds that form, so the predicted tables are the fallback's.
//! Findings without a faithful form stay errors.

use super::{Context, Libvirt};
use crate::diag::{Diagnostic, Severity, codes};
use crate::kinds::{Firmware, LibvirtVersion};
use crate::source::Span;
use crate::units::{KIB, fmt_cpulist};

const FALLBACK_HELP: &str = "or compile the closest form with a warning: `fallback = true` under [target.libvirt], or --fallback";

fn capability(d: Diagnostic, fallback: bool) -> Diagnostic {
    let mut d = d;
    if fallback {
        d.severity = Severity::Warning;
    }
    d
}

fn id(cx: &Context, n: usize) -> u32 {
    cx.topo.nodes[n].id.value
}

/// T140: a CPU-less cell whose attached initiator is not the one libvirt
/// gives it: libvirt writes `initiator=` on every cell.
pub fn initiator(cx: &Context, lv: Libvirt, out: &mut Vec<Diagnostic>) {
    let (Some(h), Some(g)) = (cx.derived.hmat.as_ref(), lv.plan.hmat.as_ref()) else {
        return;
    };
    let fallback = lv.profile.fallback.value;
    for (ti, &m) in h.targets.iter().enumerate() {
        let n = &cx.topo.nodes[m];
        if n.has_cpus() || h.attached[ti] == g.attached[ti] {
            continue;
        }
        let Some(libvirt) = g.attached[ti] else {
            continue;
        };
        let (span, wanted) = match (&n.initiator, h.attached[ti]) {
            (Some(i), _) => (i.span, format!("the file's initiator {}", id(cx, i.value))),
            (None, _) => (
                n.memory.as_ref().map_or(n.span, |mm| mm.span),
                "the file's \"no attached initiator\"".to_string(),
            ),
        };
        let d = if fallback {
            Diagnostic::new(
                &codes::T140,
                format!(
                    "{} gets initiator {} from libvirt instead of {wanted} (fallback)",
                    n.label(),
                    id(cx, libvirt)
                ),
                span,
                format!("initiator {} in the guest", id(cx, libvirt)),
            )
            .help(format!(
                "to say so in the file, write `initiator = {}` on this node",
                id(cx, libvirt)
            ))
            .note("the guest's HMAT names that initiator in the node's Memory Proximity Domain Attributes")
        } else {
            Diagnostic::new(
                &codes::T140,
                format!(
                    "libvirt gives {} initiator {}, instead of {wanted}",
                    n.label(),
                    id(cx, libvirt)
                ),
                span,
                wanted,
            )
            .help(format!(
                "write `initiator = {}` on this node, {FALLBACK_HELP}",
                id(cx, libvirt)
            ))
            .note("libvirt writes `initiator=` on every cell once there are <interconnects>: the initiator of the lowest latency to it, else of the highest bandwidth, else the first cell with CPUs (virDomainNumaGetNodeInitiator)")
        };
        out.push(capability(d, fallback));
    }
}

/// T141: HMAT values in both directions between two nodes; libvirt takes
/// one direction of a pair ("Link already defined").
pub fn pair(cx: &Context, lv: Libvirt, out: &mut Vec<Diagnostic>) {
    let fallback = lv.profile.fallback.value;
    let mut seen: Vec<(usize, usize)> = Vec::new();
    for l in &lv.plan.dropped {
        if seen.contains(&(l.initiator, l.target)) {
            continue;
        }
        seen.push((l.initiator, l.target));
        let (i, m) = (id(cx, l.initiator), id(cx, l.target));
        let span = cx
            .topo
            .hmat
            .iter()
            .find(|e| e.initiator.value == l.initiator && e.target.value == l.target)
            .map(|e| e.span)
            .unwrap_or(cx.topo.nodes[l.initiator].span);
        let d = if fallback {
            Diagnostic::new(
                &codes::T141,
                format!("the HMAT values from node {i} to node {m} are left out (fallback): libvirt keeps only node {m} to node {i}"),
                span,
                format!("{i} → {m}: no data in the guest"),
            )
            .help(format!("to keep them, compile for qemu; the guest reads 0 (no data) for {i} → {m}"))
        } else {
            Diagnostic::new(
                &codes::T141,
                format!("libvirt cannot carry HMAT values both from node {m} to node {i} and from node {i} to node {m}"),
                span,
                format!("{i} → {m}"),
            )
            .help(format!("give values for one direction only (derived values count: set them or leave the reverse link out), {FALLBACK_HELP}"))
            .note("libvirt refuses the second direction of an <interconnects> pair, whatever its type: \"XML error: Link already defined\"")
        };
        out.push(capability(d, fallback));
    }
}

/// T142: HMAT values from an initiator without CPUs: `<interconnects>`
/// takes only initiators with CPUs.
pub fn cpuless_initiator(cx: &Context, lv: Libvirt, out: &mut Vec<Diagnostic>) {
    let fallback = lv.profile.fallback.value;
    let mut seen: Vec<usize> = Vec::new();
    for l in &lv.plan.passthrough_lb {
        if seen.contains(&l.initiator) {
            continue;
        }
        seen.push(l.initiator);
        let n = &cx.topo.nodes[l.initiator];
        let count = lv
            .plan
            .passthrough_lb
            .iter()
            .filter(|x| x.initiator == l.initiator)
            .count();
        let d = if fallback {
            Diagnostic::new(
                &codes::T142,
                format!("{}'s {count} HMAT value(s) go through <qemu:commandline> (fallback): libvirt takes no initiator without CPUs", n.label()),
                n.span,
                "`-numa hmat-lb` passed through",
            )
            .note("libvirt marks the domain tainted \"custom-argv\"; the guest gets the values (measured with libvirt 11.3)")
        } else {
            Diagnostic::new(
                &codes::T142,
                format!(
                    "libvirt cannot carry HMAT values from {}, which has no CPUs",
                    n.label()
                ),
                n.span,
                "initiator without CPUs",
            )
            .help(format!("leave its values out, {FALLBACK_HELP}"))
            .note("libvirt refuses it: \"NUMA nodes without CPUs can't be initiator\"")
        };
        out.push(capability(d, fallback));
    }
}

/// T143: devices: libvirt 11.3 has no Generic Initiator and no element for
/// QEMU's stand-in models.
pub fn device(cx: &Context, lv: Libvirt, out: &mut Vec<Diagnostic>) {
    let fallback = lv.profile.fallback.value;
    let v = lv.profile.version.value;
    for dev in &cx.topo.devices {
        let gi: Vec<u32> = dev.gi_nodes.iter().map(|n| id(cx, n.value)).collect();
        let what = if gi.is_empty() {
            String::new()
        } else {
            format!(
                " and its Generic Initiator node{} {}",
                if gi.len() == 1 { "" } else { "s" },
                fmt_cpulist(&gi)
            )
        };
        let why = match (&dev.source.value, gi.is_empty(), v) {
            (crate::model::DeviceSource::Emulated(m), _, _) => {
                format!("libvirt has no element for QEMU's {m}")
            }
            (_, false, LibvirtVersion::V11_3) => {
                "libvirt 11.3 has no Generic Initiator (11.8 adds <hostdev><acpi nodeset/>)"
                    .to_string()
            }
            _ => "topoc passes host devices to libvirt through <qemu:commandline>".to_string(),
        };
        let d = if fallback {
            Diagnostic::new(
                &codes::T143,
                format!(
                    "device \"{}\"{what} {} through <qemu:commandline> (fallback): {why}",
                    dev.name.value,
                    if gi.is_empty() { "goes" } else { "go" }
                ),
                dev.source.span,
                "passed through to QEMU",
            )
            .note("the form booted with libvirt 11.3: `-numa node`, its `-numa dist` lines, the `-device` and the acpi-generic-initiator `-object`, after libvirt's own arguments; libvirt marks the domain tainted \"custom-argv\"")
        } else {
            Diagnostic::new(
                &codes::T143,
                format!(
                    "device \"{}\"{what} cannot be written as libvirt domain XML: {why}",
                    dev.name.value
                ),
                dev.source.span,
                "device",
            )
            .help(format!("compile for qemu, {FALLBACK_HELP}"))
        };
        out.push(capability(d, fallback));
    }
}

/// T144: a cell with CPUs and no memory: libvirt 11.3 writes a
/// `memory-backend-ram` of size 0, which QEMU refuses.
pub fn memoryless_cell(cx: &Context, lv: Libvirt, out: &mut Vec<Diagnostic>) {
    if lv.profile.version.value >= LibvirtVersion::V11_8 {
        return;
    }
    for &c in &lv.plan.cells {
        let n = &cx.topo.nodes[c];
        if n.has_memory() {
            continue;
        }
        out.push(
            Diagnostic::new(
                &codes::T144,
                format!("{} has CPUs and no memory, which libvirt 11.3 cannot start", n.label()),
                n.cpus.span,
                "a cell with memory='0'",
            )
            .help("give the node memory, move its CPUs to a node with memory, or set `version = \"11.8\"` under [target.libvirt] if that is what runs the guest")
            .note("libvirt 11.3 writes {\"qom-type\":\"memory-backend-ram\",\"size\":0} and QEMU exits: \"property 'size' of memory-backend-ram doesn't take value '0'\" (fixed in libvirt 11.8)"),
        );
    }
}

/// T145: Specific Purpose Memory: no libvirt release has it; the guest
/// kernel's `memmap=` through `<os><cmdline>` is the one path.
pub fn spm(cx: &Context, lv: Libvirt, out: &mut Vec<Diagnostic>) {
    let fallback = lv.profile.fallback.value;
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        let Some(first) = m.spm.first() else { continue };
        let d = match (&lv.profile.kernel, fallback) {
            (Some(_), true) => Diagnostic::new(
                &codes::T145,
                format!("{}'s Specific Purpose Memory reaches the guest as `memmap=` in <os><cmdline> (fallback)", n.label()),
                first.span,
                "memmap= on the guest kernel's command line",
            )
            .note("libvirt has no Specific Purpose Memory up to 12.5; the guest kernel marks the range soft-reserved itself, as with `spm = \"kernel-memmap\"` on the qemu target"),
            (None, true) => Diagnostic::new(
                &codes::T145,
                format!("{}'s Specific Purpose Memory needs `memmap=` on the guest kernel's command line, and the domain boots no kernel of its own (fallback)", n.label()),
                first.span,
                "memmap= (see kernel-cmdline.txt)",
            )
            .help("give `kernel` under [target.libvirt] (or --libvirt-kernel) so topoc writes it into <os><cmdline>, or add kernel-cmdline.txt's arguments to the guest's boot loader"),
            (_, false) => Diagnostic::new(
                &codes::T145,
                format!("libvirt cannot mark {}'s Specific Purpose Memory", n.label()),
                first.span,
                "SPM",
            )
            .help(format!("remove `spm` to make it ordinary RAM, {FALLBACK_HELP} (`memmap=` through <os><cmdline>)"))
            .note("no libvirt release up to 12.5 has Specific Purpose Memory"),
        };
        out.push(capability(d, fallback));
    }
}

/// T146: node ids libvirt cannot number: cells are 0..k-1, and nodes
/// without CPUs or memory (passed through) must come after them.
pub fn ids(cx: &Context, lv: Libvirt, out: &mut Vec<Diagnostic>) {
    if lv.plan.ids_fit {
        return;
    }
    let order = lv.plan.cells.iter().chain(&lv.plan.passthrough_nodes);
    for (k, &n) in order.enumerate() {
        let node = &cx.topo.nodes[n];
        if node.id.value as usize == k {
            continue;
        }
        let cell = lv.plan.cells.contains(&n);
        out.push(
            Diagnostic::new(
                &codes::T146,
                format!("{} cannot be numbered by libvirt: it would be {} {k}", node.label(), if cell { "cell" } else { "passed-through node" }),
                node.id.span,
                format!("id {}", node.id.value),
            )
            .help("number the nodes with CPUs or memory 0, 1, 2, … and give nodes with neither the ids after them")
            .note("libvirt numbers <cell>s 0..k-1 in order and gives QEMU their index as nodeid; a node libvirt does not carry can only follow them"),
        );
        return;
    }
}

/// T147: settings the libvirt target does not carry into the domain XML.
pub fn unsupported(cx: &Context, lv: Libvirt, out: &mut Vec<Diagnostic>) {
    let q = &lv.profile.qemu;
    let t = cx.topo;
    let name = t.machine.name.span;
    let pick = |s: Span| if s.is_detached() { name } else { s };
    let mut found: Vec<(Span, String)> = Vec::new();
    if let Some(m) = &q.max_ram_below_4g {
        found.push((pick(m.span), "max-ram-below-4g".to_string()));
    }
    if let Some(m) = &q.memory_slots {
        found.push((pick(m.span), "memory-slots".to_string()));
    }
    if let Some(m) = &q.max_memory {
        found.push((pick(m.span), "max-memory".to_string()));
    }
    if let Some(m) = &q.mmio64_size {
        found.push((pick(m.span), "mmio64-size".to_string()));
    }
    if q.firmware.value != Firmware::Seabios {
        found.push((
            pick(q.firmware.span),
            format!("firmware \"{}\"", q.firmware.value),
        ));
    }
    if q.cpu_model.value.contains(',') {
        found.push((
            pick(q.cpu_model.span),
            format!("cpu-model \"{}\" with options", q.cpu_model.value),
        ));
    }
    if lv.profile.kernel.is_none() {
        for (s, key) in [
            (&lv.profile.initrd, "initrd"),
            (&lv.profile.cmdline, "cmdline"),
        ] {
            if let Some(s) = s {
                found.push((pick(s.span), format!("`{key}` without `kernel`")));
            }
        }
    }
    for n in &t.nodes {
        let Some(m) = &n.memory else { continue };
        let b = &m.backend;
        let s = &b.spans;
        // A host binding <numatune><memnode> expresses is carried.
        let bound = crate::emit::libvirt::host_binding(m).is_some();
        let opts = [
            (s.shared, "shared"),
            (s.hugepages, "hugepages"),
            (s.path, "path"),
            (s.host_nodes.filter(|_| !bound), "host-nodes"),
            (s.policy.filter(|_| !bound), "host-policy"),
            (s.prealloc, "prealloc"),
            (s.reserve, "reserve"),
        ];
        for (span, key) in opts {
            if let Some(span) = span {
                found.push((span, format!("{}'s `{key}`", n.label())));
            }
        }
    }
    for (span, what) in found {
        out.push(
            Diagnostic::new(
                &codes::T147,
                format!("the libvirt target does not carry {what} into the domain XML"),
                span,
                what,
            )
            .help("remove it, or compile for qemu")
            .note("topoc predicts libvirt's QEMU arguments only for the XML it has run through libvirt: RAM cells (bound to host nodes or not), SeaBIOS, a plain CPU model, no memory hotplug"),
        );
    }
}

/// T148: a memory-side cache whose size is not whole KiB: libvirt's cache
/// size is a number of KiB.
pub fn cache_size(cx: &Context, _lv: Libvirt, out: &mut Vec<Diagnostic>) {
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        for c in &m.caches {
            if c.size.value % KIB != 0 {
                out.push(
                    Diagnostic::new(
                        &codes::T148,
                        format!("{}'s level {} cache of {} bytes is not a whole number of KiB", n.label(), c.level.value, c.size.value),
                        c.size.span,
                        "not whole KiB",
                    )
                    .help("give the cache size in whole KiB")
                    .note("libvirt 11.3 reads <cache><size value> as KiB whatever unit= says, so topoc writes every size in KiB"),
                );
            }
        }
    }
}

/// T149: HMAT data (attached initiators, values from initiators without
/// CPUs) but no value libvirt can write as an interconnect: libvirt then
/// writes no `hmat=on` and the guest gets no HMAT.
pub fn no_hmat(cx: &Context, lv: Libvirt, out: &mut Vec<Diagnostic>) {
    if !lv.plan.hmat_lost {
        return;
    }
    let fallback = lv.profile.fallback.value;
    let t = cx.topo;
    let span = t
        .nodes
        .iter()
        .find_map(|n| n.initiator.as_ref().map(|i| i.span))
        .or(t.hmat.first().map(|e| e.span))
        .unwrap_or(t.machine.name.span);
    let d = if fallback {
        Diagnostic::new(
            &codes::T149,
            "the HMAT is dropped for libvirt (fallback): nothing in it is a value from a node with CPUs",
            span,
            "not in the guest",
        )
        .help("give a latency or bandwidth from a node with CPUs (e.g. memory `latency`) to keep an HMAT")
    } else {
        Diagnostic::new(
            &codes::T149,
            "libvirt writes no HMAT for this topology: it has no latency or bandwidth from a node with CPUs",
            span,
            "HMAT data",
        )
        .help(format!(
            "give a latency or bandwidth from a node with CPUs, or leave the HMAT data out, {FALLBACK_HELP}"
        ))
        .note("libvirt adds hmat=on only for <interconnects>, which take initiators with CPUs; QEMU takes no hmat-lb or initiator= without it")
    };
    out.push(capability(d, fallback));
}

/// T083 on libvirt: the libvirt target writes every device on the root bus;
/// libvirt numbers a `pcie-expander-bus` and its root ports itself, which
/// topoc does not predict yet.
pub fn device_numa_node(cx: &Context, lv: Libvirt, out: &mut Vec<Diagnostic>) {
    let fallback = lv.profile.fallback.value;
    for d in &cx.topo.devices {
        let Some(node) = &d.numa_node else { continue };
        let node_label = cx.topo.nodes[node.value].label();
        let diag = if fallback {
            Diagnostic::new(
                &codes::T083,
                format!(
                    "device \"{}\" goes on the root bus, not behind a host bridge of {node_label} (fallback)",
                    d.name.value
                ),
                node.span,
                "not in the libvirt guest",
            )
            .note("the guest reads numa_node -1 for the device")
        } else {
            Diagnostic::new(
                &codes::T083,
                format!(
                    "the libvirt target puts device \"{}\" on the root bus, not behind a host bridge of {node_label}",
                    d.name.value
                ),
                node.span,
                "not on libvirt yet",
            )
            .help(format!("remove `numa-node` for the libvirt target, or compile for QEMU or cloud-hypervisor, which place devices on their nodes, {FALLBACK_HELP}"))
            .note("libvirt's pcie-expander-bus controller takes a <node>, but libvirt assigns its bus numbers and root ports itself, and topoc does not predict those yet")
        };
        out.push(capability(diag, fallback));
    }
}
