//! What the cloud-hypervisor target can express, and every rule
//! cloud-hypervisor applies to the command line topoc emits.
//!
//! Two kinds of rule live here:
//!
//! - *capabilities* (T200-T207): parts of the topology cloud-hypervisor has
//!   no way to carry. Each is refused with a code of its own. Three of them
//!   (HMAT, Specific Purpose Memory, emulated stand-in devices) have a
//!   closest faithful form, which the target's explicit `fallback` switch
//!   compiles instead; the finding then stays, as a warning that says what
//!   the guest loses.
//! - *mirrors* of cloud-hypervisor's own validation (T208-T218): config
//!   validation (`VmConfig::validate`, the option parser), the memory manager
//!   (`MemoryManager::new`, `create_memory_regions_from_zones`) and NUMA
//!   creation (`Vm::create_numa_nodes`), plus the places where
//!   cloud-hypervisor accepts the configuration but builds a memory map the
//!   guest cannot use. A topology this file accepts starts.
//!
//! Rules that cloud-hypervisor should apply but does not (a vCPU in two nodes,
//! distances above 255, a `device_id` naming no device) are the
//! target-independent rules T020, T051, and topoc's construction: it writes
//! `device_id` only for a device it emits. `MemoryZoneReused` and
//! `IdentifierNotUnique` cannot happen either: each node has one zone of its
//! own, named after the node (see [`crate::layout::cloud_hypervisor`]).

use super::{Ch, Context};
use crate::diag::{Diagnostic, Severity, codes};
use crate::kinds::{ChBoot, HostPolicy};
use crate::layout::cloud_hypervisor::{
    CH_OWN_PCI_DEVICES, ChLayout, HIGH_RAM_START, KVM_DEFAULT_MAX_VCPUS, KVM_MAX_MEMSLOT,
    KVM_MAX_VCPUS_CEILING, LAST_SLOT, MAX_PHYS_BITS, MEM_32BIT_RESERVED_START, RAM_64BIT_START,
};
use crate::model::DevIx;
use crate::source::Span;
use crate::target::ChProfile;
use crate::units::{fmt_cpulist, fmt_size};

/// cloud-hypervisor's vCPU limit with KVM on x86_64 (raised from 255 to 8192
/// in v48; `TooManyCpus`: "Too many CPUs: specified {n} but {limit} is the
/// limit").
pub const MAX_VCPUS: u64 = 8192;

fn fallback(p: &ChProfile) -> bool {
    p.fallback.value
}

/// Where a target setting was written, else the machine's name.
fn setting(cx: &Context, span: Span) -> Span {
    if span.is_detached() {
        cx.topo.machine.name.span
    } else {
        span
    }
}

/// A capability finding: an error, or with the fallback a warning that says
/// what the fallback did.
fn capability(d: Diagnostic, fallback: bool) -> Diagnostic {
    let mut d = d;
    if fallback {
        d.severity = Severity::Warning;
    }
    d
}

const FALLBACK_HELP: &str = "or compile the closest form with a warning: `fallback = true` under [target.cloud-hypervisor], or --fallback";

/// T200: HMAT data; cloud-hypervisor builds no HMAT.
pub fn hmat(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let p = ch.profile;
    if cx.derived.hmat.is_none() {
        return;
    }
    let t = cx.topo;
    // Every place that asks for an HMAT, in file order.
    let mut sources: Vec<(Span, String)> = Vec::new();
    if let Some(h) = t.machine.hmat.as_ref().filter(|h| h.value) {
        sources.push((h.span, "hmat = true".to_string()));
    }
    for n in &t.nodes {
        let Some(m) = &n.memory else { continue };
        if let Some(l) = &m.latency {
            sources.push((l.span, format!("{}'s latency", n.label())));
        }
        if let Some(b) = &m.bandwidth {
            sources.push((b.span, format!("{}'s bandwidth", n.label())));
        }
        for c in &m.caches {
            sources.push((c.span, format!("{}'s memory-side cache", n.label())));
        }
    }
    for e in &t.hmat {
        sources.push((e.span, "an [[hmat]] entry".to_string()));
    }
    sources.sort_by_key(|(s, _)| s.start);
    let (first, first_label) = sources
        .first()
        .cloned()
        .unwrap_or((t.machine.name.span, "this machine".to_string()));
    let d = if fallback(p) {
        Diagnostic::new(
            &codes::T200,
            "the HMAT is dropped for cloud-hypervisor (fallback): the guest gets no latency, bandwidth or memory-side cache information",
            first,
            format!("{first_label}: not in the guest"),
        )
        .help("to say so in the file, set `hmat = false` under [machine]; to keep the HMAT, compile for qemu")
        .note("distances derived from these latencies stay in the SLIT; /sys/devices/system/node/nodeN/access0 stays empty in the guest")
    } else {
        Diagnostic::new(
            &codes::T200,
            "cloud-hypervisor builds no HMAT, so the guest would lose this topology's latency, bandwidth and memory-side cache information",
            first,
            first_label,
        )
        .help(format!(
            "set `hmat = false` under [machine] to use latency only for distances, {FALLBACK_HELP}"
        ))
        .note("cloud-hypervisor's vmm/src/acpi.rs creates DSDT, FACP, MADT, MCFG, TPM2, SRAT, SLIT and VIOT, no HMAT")
    };
    let mut d = d;
    for (span, label) in sources.iter().skip(1).take(3) {
        d = d.label(*span, label.clone());
    }
    out.push(capability(d, fallback(p)));
}

/// T201: Specific Purpose Memory; cloud-hypervisor's E820 has only RAM and
/// reserved entries.
pub fn spm(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let p = ch.profile;
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        let Some(first) = m.spm.first() else { continue };
        let kind = if n.has_cpus() {
            "a node with CPUs"
        } else {
            "a memory-only node"
        };
        let d = if fallback(p) {
            Diagnostic::new(
                &codes::T201,
                format!("{}'s Specific Purpose Memory becomes ordinary RAM of {kind} (fallback)", n.label()),
                first.span,
                "ordinary RAM on cloud-hypervisor",
            )
            .help("to say so in the file, remove `spm`; to keep it Specific Purpose, compile for qemu")
            .note("the guest's page allocator owns it from boot; no driver gets it as a dax device")
        } else {
            Diagnostic::new(
                &codes::T201,
                format!("{}'s Specific Purpose Memory cannot reach a cloud-hypervisor guest", n.label()),
                first.span,
                "SPM",
            )
            .help(format!(
                "remove `spm` to make it ordinary RAM of this node, {FALLBACK_HELP}"
            ))
            .note("cloud-hypervisor writes only RAM and reserved entries into the E820 (arch/src/x86_64/mod.rs: E820_RAM, E820_RESERVED) and has no soft-reserved or EFI_MEMORY_SP type")
        };
        out.push(capability(d, fallback(p)));
    }
}

/// T202: node ids that are not 0..N-1: cloud-hypervisor's SLIT is
/// positional while its SRAT uses the ids.
pub fn node_ids(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let l = ch.layout;
    for (pos, n) in l.nodes.iter().enumerate() {
        let expected = pos as u32;
        if n.guest_numa_id == expected {
            continue;
        }
        let node = &cx.topo.nodes[n.node];
        if n.guest_numa_id >= crate::linux::numa::MAX_NUMNODES {
            return; // T013's
        }
        let mut d = Diagnostic::new(
            &codes::T202,
            format!(
                "cloud-hypervisor needs node ids 0, 1, 2, … without gaps; node id {expected} is missing"
            ),
            node.id.span,
            format!("the guest would read this node's distances from SLIT row {expected}"),
        )
        .help(format!(
            "renumber the nodes so ids run from 0 to {}",
            l.nodes.len().saturating_sub(1)
        ))
        .note("cloud-hypervisor's create_slit_table writes one row per --numa node in id order while create_srat_table uses each guest_numa_id as the proximity domain; Linux indexes the SLIT by proximity domain, so every node after the gap gets another node's distances");
        if !l.dropped_nodes.is_empty() {
            let ids: Vec<u32> = l
                .dropped_nodes
                .iter()
                .map(|&i| cx.topo.nodes[i].id.value)
                .collect();
            let which = if ids.len() == 1 {
                format!("node {} is", ids[0])
            } else {
                format!("nodes {} are", fmt_cpulist(&ids))
            };
            d = d.help(format!(
                "{which} left out with stand-in devices (fallback): give the nodes that stay the ids 0 to {}",
                l.nodes.len().saturating_sub(1)
            ));
        }
        out.push(d);
        return;
    }
}

/// T203: an emulated stand-in device; cloud-hypervisor passes through host
/// devices only.
pub fn stand_in(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let (p, l) = (ch.profile, ch.layout);
    for &d in &l.dropped_devices {
        let dev = &cx.topo.devices[d];
        // A device with no source (or two) is T071's: nothing to point at.
        if dev.source.span.is_detached() {
            continue;
        }
        let gone: Vec<u32> = l
            .dropped_nodes
            .iter()
            .filter(|&&n| cx.topo.nodes[n].gi_devices.contains(&d))
            .map(|&n| cx.topo.nodes[n].id.value)
            .collect();
        let model = match &dev.source.value {
            crate::model::DeviceSource::Emulated(m) => m.to_string(),
            crate::model::DeviceSource::Host(a) => a.to_string(),
        };
        let diag = if fallback(p) {
            let with = match gone.len() {
                0 => String::new(),
                1 => format!(" with its Generic Initiator node {}", gone[0]),
                _ => format!(" with its Generic Initiator nodes {}", fmt_cpulist(&gone)),
            };
            Diagnostic::new(
                &codes::T203,
                format!(
                    "device \"{}\" is left out{with} (fallback): cloud-hypervisor has no {model}",
                    dev.name.value
                ),
                dev.source.span,
                "not in the cloud-hypervisor guest",
            )
            .help("to keep the device, pass a host device through, e.g. host = \"0000:41:00.0\"")
            .note("the guest sees neither the device nor a Generic Initiator for it")
        } else {
            Diagnostic::new(
                &codes::T203,
                format!("device \"{}\" is an emulated {model}, which cloud-hypervisor does not have", dev.name.value),
                dev.source.span,
                "stand-in",
            )
            .help(format!("pass a host device through instead, e.g. host = \"0000:41:00.0\", {FALLBACK_HELP}"))
            .note("cloud-hypervisor's --device takes VFIO devices only (path=/sys/bus/pci/devices/…); it emulates no pci-testdev")
        };
        out.push(capability(diag, fallback(p)));
    }
}

/// T218: more nodes with devices than cloud-hypervisor has PCI segments:
/// each `numa-node` takes a segment of its own beside segment 0.
pub fn device_numa_node(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let l = ch.layout;
    if l.segments.len() < MAX_PCI_SEGMENTS {
        return;
    }
    let Some(d) = l
        .devices
        .iter()
        .find(|d| usize::from(d.segment) >= MAX_PCI_SEGMENTS)
    else {
        return;
    };
    let dev = &cx.topo.devices[d.device];
    let span = dev.numa_node.as_ref().map_or(dev.name.span, |n| n.span);
    out.push(
        Diagnostic::new(
            &codes::T218,
            format!(
                "devices sit on {} nodes, but cloud-hypervisor has at most {MAX_PCI_SEGMENTS} PCI segments, one of them segment 0",
                l.segments.len()
            ),
            span,
            "one node too many",
        )
        .help(format!("give `numa-node` to devices on at most {} nodes", MAX_PCI_SEGMENTS - 1))
        .note(format!("each node with devices gets a PCI segment of its own; cloud-hypervisor refuses: \"Number of PCI segments ({}) not in range of 1 to {MAX_PCI_SEGMENTS}\"", l.segments.len() + 1)),
    );
}

/// cloud-hypervisor's `num_pci_segments` limit (`MAX_NUM_PCI_SEGMENTS`).
pub const MAX_PCI_SEGMENTS: usize = 96;

/// T204: host memory placement beyond one bound host node.
pub fn host_policy(cx: &Context, _: Ch, out: &mut Vec<Diagnostic>) {
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        let b = &m.backend;
        let problem = if b.host_nodes.len() > 1 {
            Some(format!(
                "{}'s memory spans host nodes {}, but cloud-hypervisor binds a zone to one host node",
                n.label(),
                fmt_cpulist(&b.host_nodes)
            ))
        } else {
            b.policy
                .filter(|&p| p != HostPolicy::Bind && !b.host_nodes.is_empty())
                .map(|policy| {
                    format!(
                        "{}'s host policy is \"{policy}\", but cloud-hypervisor only binds (MPOL_BIND)",
                        n.label()
                    )
                })
        };
        if let Some(msg) = problem {
            out.push(
                Diagnostic::new(&codes::T204, msg, m.span, "host placement")
                    .help("give `host-nodes` one node with the default `bind` policy, or split the memory into one node per host node")
                    .note("cloud-hypervisor's --memory-zone has one host_numa_node=<n>, applied with mbind(MPOL_BIND, MPOL_MF_STRICT | MPOL_MF_MOVE)"),
            );
        }
    }
}

/// Devices a rule about Generic Initiator nodes looks at: all, unless the
/// fallback leaves stand-ins out.
fn considered(p: &ChProfile, l: &ChLayout, d: DevIx) -> bool {
    !fallback(p) || !l.dropped_devices.contains(&d)
}

/// T205: a Generic Initiator node with CPUs or memory.
pub fn initiator_resources(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let (p, l) = (ch.profile, ch.layout);
    for (ix, n) in cx.topo.nodes.iter().enumerate() {
        let devs: Vec<DevIx> = n
            .gi_devices
            .iter()
            .copied()
            .filter(|&d| considered(p, l, d))
            .collect();
        let Some(&d) = devs.first() else { continue };
        let what = match (n.has_cpus(), n.has_memory()) {
            (true, true) => "CPUs and memory",
            (true, false) => "CPUs",
            (false, true) => "memory",
            (false, false) => continue,
        };
        let dev = &cx.topo.devices[d];
        let span = dev
            .gi_nodes
            .iter()
            .find(|g| g.value == ix)
            .map_or(dev.name.span, |g| g.span);
        out.push(
            Diagnostic::new(
                &codes::T205,
                format!("{} is a Generic Initiator node of device \"{}\" and has {what}", n.label(), dev.name.value),
                span,
                "Generic Initiator node",
            )
            .label(n.id.span, format!("has {what}"))
            .help("give the device a node of its own, with no CPUs and no memory, and link it to this one")
            .note("cloud-hypervisor refuses device_id together with cpus or memory_zones: \"device_id in numa config cannot be used with cpus or memory zones\""),
        );
    }
}

/// T206: more than one device on one Generic Initiator node.
pub fn initiator_shared(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let (p, l) = (ch.profile, ch.layout);
    for n in &cx.topo.nodes {
        let devs: Vec<DevIx> = n
            .gi_devices
            .iter()
            .copied()
            .filter(|&d| considered(p, l, d))
            .collect();
        if devs.len() < 2 {
            continue;
        }
        let names: Vec<String> = devs
            .iter()
            .map(|&d| format!("\"{}\"", cx.topo.devices[d].name.value))
            .collect();
        let second = &cx.topo.devices[devs[1]];
        out.push(
            Diagnostic::new(
                &codes::T206,
                format!("devices {} share {}, but a cloud-hypervisor node has one device_id", names.join(" and "), n.label()),
                second.name.span,
                "second device on the node",
            )
            .label(n.id.span, "the Generic Initiator node")
            .help("give each device a Generic Initiator node of its own")
            .note("cloud-hypervisor's --numa takes one device_id per node (NumaNode.device_id is an Option) and writes one Generic Initiator structure for it"),
        );
    }
}

/// T207: a `--numa` node with no CPUs, no memory and no device.
pub fn empty_node(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let l = ch.layout;
    for n in &l.nodes {
        if !n.cpus.is_empty() || n.zone.is_some() || n.device.is_some() {
            continue;
        }
        let node = &cx.topo.nodes[n.node];
        if node.is_generic_initiator() && !node.has_cpus() && !node.has_memory() {
            continue; // a Generic Initiator node whose device T205/T206 or T203 explain
        }
        out.push(
            Diagnostic::new(
                &codes::T207,
                format!("{} has no CPUs, no memory and no device, which cloud-hypervisor refuses", node.label()),
                node.id.span,
                "empty node",
            )
            .help("give the node CPUs, memory or a device (`initiator-nodes`), or remove it and renumber")
            .note("cloud-hypervisor: \"numa config must specify either device_id or cpus/memory_zones\""),
        );
    }
}

/// T208: more than two threads per core (x86_64).
pub fn threads_per_core(cx: &Context, _: Ch, out: &mut Vec<Diagnostic>) {
    let th = &cx.topo.machine.topology.threads;
    if th.value > 2 {
        out.push(
            Diagnostic::new(
                &codes::T208,
                format!("{} threads per core; cloud-hypervisor takes at most 2 on x86_64", th.value),
                setting(cx, th.span),
                "threads per core",
            )
            .help("use threads = 1 or 2, and more cores")
            .note("cloud-hypervisor refuses: \"CPU topology supports at most 2 threads per core\" (ValidationError::CpuTopologyThreadsPerCore, since PR #8078)"),
        );
    }
}

/// T209: more vCPUs than cloud-hypervisor creates, than any x86_64 KVM
/// host creates, or (a warning) than KVM creates by default.
pub fn too_many_vcpus(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let n = ch.layout.max_vcpus;
    let topo = &cx.topo.machine.topology;
    let span = if topo.span.is_detached() {
        cx.topo.machine.span
    } else {
        topo.span
    };
    let d = if n > MAX_VCPUS {
        Diagnostic::new(
            &codes::T209,
            format!("{n} vCPUs; cloud-hypervisor creates at most {MAX_VCPUS}"),
            span,
            "sockets × dies × cores × threads",
        )
        .help(format!("shrink [machine.cpus] to at most {KVM_DEFAULT_MAX_VCPUS} vCPUs, what every KVM host creates"))
        .note(format!("cloud-hypervisor refuses: \"Too many CPUs: specified {n} but {MAX_VCPUS} is the limit\""))
    } else if n > KVM_MAX_VCPUS_CEILING {
        Diagnostic::new(
            &codes::T209,
            format!("{n} vCPUs; no x86_64 KVM host creates more than {KVM_MAX_VCPUS_CEILING}"),
            span,
            "sockets × dies × cores × threads",
        )
        .help(format!("shrink [machine.cpus] to at most {KVM_DEFAULT_MAX_VCPUS} vCPUs, what every KVM host creates"))
        .note(format!("KVM's limit is CONFIG_KVM_MAX_NR_VCPUS (1024 to {KVM_MAX_VCPUS_CEILING}); cloud-hypervisor refuses: \"Maximum number of vCPUs {n} exceeds host limit <limit>\""))
    } else if n > KVM_DEFAULT_MAX_VCPUS {
        let mut d = Diagnostic::new(
            &codes::T209,
            format!("{n} vCPUs; KVM creates at most {KVM_DEFAULT_MAX_VCPUS} unless the host kernel was built for more"),
            span,
            "sockets × dies × cores × threads",
        )
        .help(format!("shrink [machine.cpus] to at most {KVM_DEFAULT_MAX_VCPUS} vCPUs, or run on a host whose kernel has CONFIG_KVM_MAX_NR_VCPUS of {n} or more"))
        .note(format!("on a default kernel cloud-hypervisor refuses: \"Maximum number of vCPUs {n} exceeds host limit {KVM_DEFAULT_MAX_VCPUS}\""));
        d.severity = Severity::Warning;
        d
    } else {
        return;
    };
    out.push(d);
}

/// T210: shared, file-backed memory with a host node.
pub fn shared_file_host_node(cx: &Context, _: Ch, out: &mut Vec<Diagnostic>) {
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        let b = &m.backend;
        if b.shared && b.path.is_some() && !b.host_nodes.is_empty() {
            out.push(
                Diagnostic::new(
                    &codes::T210,
                    format!("{}'s memory is a shared file bound to a host node, which cloud-hypervisor refuses", n.label()),
                    m.span,
                    "shared + path + host-nodes",
                )
                .help("drop `host-nodes` (place the file on the host node instead, e.g. a hugetlbfs or dax device there), or drop `shared`")
                .note("cloud-hypervisor refuses: \"Invalid to try applying a NUMA policy to a memory zone that is memory mapped with MAP_SHARED\" (InvalidSharedMemoryZoneWithHostNuma)"),
            );
        }
    }
}

/// T211: hugepages of the host's default size.
pub fn unpinned_hugepages(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let l = ch.layout;
    for z in l.zones.iter().filter(|z| !z.align_known) {
        let n = &cx.topo.nodes[z.node];
        let Some(m) = &n.memory else { continue };
        if m.backend.hugepages != Some(None) {
            continue;
        }
        out.push(
            Diagnostic::new(
                &codes::T211,
                format!("{} uses the host's default hugepage size, so where cloud-hypervisor places its memory cannot be predicted", n.label()),
                m.span,
                "hugepages = true",
            )
            .help("pin the size, e.g. hugepages = \"2MiB\" or \"1GiB\"")
            .note(format!("cloud-hypervisor rounds the zone's regions down to the size it reads from /dev/hugepages and refuses a zone that is not a multiple of it (\"Memory size is misaligned with default page size or its hugepage size\"); the prediction assumes {}", fmt_size(z.align))),
        );
    }
}

/// T212: two devices in one slot, or no slot left.
pub fn pci_slots(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let l = ch.layout;
    for (k, d) in l.devices.iter().enumerate() {
        let dev = &cx.topo.devices[d.device];
        // cloud-hypervisor's own virtio devices sit on segment 0.
        let room = usize::from(LAST_SLOT)
            - if d.segment == 0 {
                CH_OWN_PCI_DEVICES
            } else {
                0
            };
        let before = l.devices[..k]
            .iter()
            .filter(|o| o.segment == d.segment)
            .count();
        match d.slot {
            _ if before >= room => out.push(
                Diagnostic::new(
                    &codes::T212,
                    format!("no PCI slot is left for device \"{}\": cloud-hypervisor's bus on segment {} holds {room} passed-through devices", dev.name.value, d.segment),
                    dev.name.span,
                    "no slot",
                )
                .help(format!("pass at most {room} devices through"))
                .note(format!("slots 1-{LAST_SLOT} of segment 0 hold the devices and cloud-hypervisor's own virtio console and rng; with one more it refuses: \"Could not find an available device slot on the PCI bus\"")),
            ),
            None => {}
            Some(s) => {
                if let Some(first) = l.devices[..k]
                    .iter()
                    .find(|o| o.segment == d.segment && o.slot == Some(s))
                {
                    let span = dev.guest_slot.as_ref().map_or(dev.name.span, |g| g.span);
                    out.push(
                        Diagnostic::new(
                            &codes::T212,
                            format!("devices \"{}\" and \"{}\" both ask for PCI slot {s}", first.id, dev.name.value),
                            span,
                            "slot taken",
                        )
                        .label(cx.topo.devices[first.device].name.span, "first here")
                        .help("give each device its own `guest-slot`")
                        .note(format!("cloud-hypervisor refuses: \"Valid PCI device identifier but already used: {s}\"")),
                    );
                }
            }
        }
    }
}

/// T213: one host device passed through twice.
pub fn duplicate_device(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let l = ch.layout;
    for (k, d) in l.devices.iter().enumerate() {
        if let Some(first) = l.devices[..k].iter().find(|o| o.host == d.host) {
            let dev = &cx.topo.devices[d.device];
            out.push(
                Diagnostic::new(
                    &codes::T213,
                    format!("host device {} is passed through twice, as \"{}\" and \"{}\"", d.host, first.id, d.id),
                    dev.source.span,
                    "again",
                )
                .label(cx.topo.devices[first.device].source.span, "first here")
                .help("pass each host function through once; name every node it initiates through in one device's `initiator-nodes`")
                .note(format!("cloud-hypervisor refuses: \"Duplicated device path: /sys/bus/pci/devices/{}/\"", d.host)),
            );
        }
    }
}

/// T214: a memory map cloud-hypervisor cannot build, or builds wrong.
pub fn memory_map(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let (p, l) = (ch.profile, ch.layout);
    let span = setting(cx, p.boot.span);
    if l.zones.is_empty() {
        out.push(
            Diagnostic::new(&codes::T214, "the machine has no memory; cloud-hypervisor needs at least one memory zone", cx.topo.machine.name.span, "no node has memory")
                .help("give a node `memory`")
                .note("cloud-hypervisor refuses --memory size=0 without a --memory-zone: \"No memory zones found\""),
        );
        return;
    }
    if l.ram_end <= HIGH_RAM_START || (p.boot.value == ChBoot::Pvh && l.pvh_error.is_some()) {
        let why = l
            .pvh_error
            .clone()
            .unwrap_or_else(|| "RAM ends at or below 1 MiB".to_string());
        out.push(
            Diagnostic::new(&codes::T214, format!("cloud-hypervisor cannot build the guest's memory map: {why}"), cx.topo.nodes[l.zones[0].node].memory.as_ref().map_or(span, |m| m.size.span), "the first zone, at GPA 0")
                .help("give the node with the lowest id more than 1 MiB of memory")
                .note("cloud-hypervisor's generate_ram_ranges needs the first RAM run to cover 1 MiB (\"MemmapTableSetup\"), and the ACPI tables sit at 0xa0000"),
        );
        return;
    }
    let low_end = l
        .zones
        .iter()
        .flat_map(|z| z.regions.iter())
        .filter(|r| r.end() <= MEM_32BIT_RESERVED_START)
        .map(|r| r.end())
        .max()
        .unwrap_or(0);
    if p.boot.value == ChBoot::Bzimage
        && l.ram_end > RAM_64BIT_START
        && low_end < MEM_32BIT_RESERVED_START
    {
        let culprit = l
            .zones
            .iter()
            .find(|z| {
                z.regions
                    .first()
                    .is_some_and(|r| r.start >= RAM_64BIT_START)
                    || z.regions.len() > 1
            })
            .map(|z| z.node);
        let zspan = culprit
            .and_then(|n| cx.topo.nodes[n].memory.as_ref())
            .map_or(span, |m| m.span);
        out.push(
            Diagnostic::new(
                &codes::T214,
                format!("with boot = \"bzimage\" cloud-hypervisor's E820 calls [{low_end:#x}, 0xc0000000) RAM, but no memory is there: RAM below 3 GiB ends early because of hugepage alignment"),
                zspan,
                "aligned past the gap",
            )
            .label(span, "boot path")
            .help("boot a PVH kernel (boot = \"pvh\"), or order and size the nodes so RAM below 3 GiB ends at 3 GiB (the zones before the hugepage one a multiple of its hugepage size)")
            .note("configure_32bit_entry writes [1 MiB, 3 GiB) as one RAM entry whenever RAM reaches 4 GiB; the guest kernel would use the gap and fault"),
        );
    }
}

/// T215: RAM beyond cloud-hypervisor's address space, or a region larger
/// than a KVM memory slot.
pub fn address_space(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let l = ch.layout;
    for z in &l.zones {
        let Some(r) = z.regions.iter().find(|r| r.size > KVM_MAX_MEMSLOT) else {
            continue;
        };
        let span = cx.topo.nodes[z.node]
            .memory
            .as_ref()
            .map_or(cx.topo.machine.name.span, |m| m.size.span);
        out.push(
            Diagnostic::new(
                &codes::T215,
                format!(
                    "{}'s memory has a {} region at {:#x}, more than one KVM memory slot holds (8 TiB less 4 KiB)",
                    cx.topo.nodes[z.node].label(),
                    fmt_size(r.size),
                    r.start,
                ),
                span,
                "one memory slot",
            )
            .help("split the memory into nodes of less than 8 TiB each")
            .note("cloud-hypervisor hands each region of a zone to KVM as one memory slot; KVM takes at most 2^31 - 1 pages (KVM_MEM_MAX_NR_PAGES) and refuses a larger one: \"Failed to create user memory ... Invalid argument (os error 22)\""),
        );
    }
    if l.start_of_device_area <= l.end_of_device_area {
        return;
    }
    let span = cx
        .topo
        .nodes
        .iter()
        .rev()
        .find_map(|n| n.memory.as_ref().map(|m| m.size.span))
        .unwrap_or(cx.topo.machine.name.span);
    out.push(
        Diagnostic::new(
            &codes::T215,
            format!(
                "RAM reaches {:#x}, beyond the {MAX_PHYS_BITS} physical address bits cloud-hypervisor uses (device area ends at {:#x})",
                l.ram_end, l.end_of_device_area
            ),
            span,
            "too much memory",
        )
        .help("use less memory")
        .note("cloud-hypervisor uses min(host, 46) physical address bits and puts the PCI device area between the end of RAM and 2^bits - 64 KiB - 1 MiB; without room for it v53.0 panics in create_mmio_allocators"),
    );
}

/// T216: a payload combination cloud-hypervisor will not boot, or whose
/// parts it silently drops.
pub fn payload(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let p = ch.profile;
    if let Some(f) = &p.firmware {
        if let Some(k) = &p.kernel {
            out.push(
                Diagnostic::new(&codes::T216, "cloud-hypervisor takes a kernel or a firmware, not both", setting(cx, k.span), "kernel")
                    .label(f.span, "firmware")
                    .help("remove `firmware` to boot the kernel directly, or `kernel` to boot the firmware")
                    .note("cloud-hypervisor refuses: \"Specifying a kernel is not supported when a firmware is provided\" (PayloadConfigError::FirmwarePlusOtherPayloads)"),
            );
        }
        for (what, s) in [("initramfs", &p.initramfs), ("cmdline", &p.cmdline)] {
            if let (Some(s), None) = (s, &p.kernel) {
                out.push(
                    Diagnostic::new(&codes::T216, format!("cloud-hypervisor ignores `{what}` when it boots a firmware"), setting(cx, s.span), what)
                        .label(f.span, "firmware")
                        .help(format!("remove `{what}`, or boot a kernel instead of the firmware"))
                        .note(format!("cloud-hypervisor only warns, \"Ignoring {what} parameter as firmware is provided as the payload\", and drops it")),
                );
            }
        }
    } else if p.kernel.is_none() {
        for (what, s) in [("initramfs", &p.initramfs), ("cmdline", &p.cmdline)] {
            if let Some(s) = s {
                out.push(
                    Diagnostic::new(&codes::T216, format!("`{what}` without a kernel"), setting(cx, s.span), what)
                        .help("add `kernel`, or remove this")
                        .note(format!("cloud-hypervisor refuses --{what} without --kernel or --firmware: \"the following required arguments were not provided: <--firmware <firmware>|--kernel <kernel>>\"")),
                );
            }
        }
    }
}

/// T217: a command line longer than Linux's execve takes (only machines of
/// hundreds of nodes, whose `distances=` lists grow with the square). One
/// argument never reaches execve's 128 KiB per argument (`MAX_ARG_STRLEN`):
/// a node's `--numa` lists at most 1023 distances, about 9 KiB.
pub fn command_line_length(cx: &Context, ch: Ch, out: &mut Vec<Diagnostic>) {
    let args = crate::emit::cloud_hypervisor::args_of(cx.topo, ch.profile, ch.layout);
    let total = super::exec::exec_bytes(crate::emit::cloud_hypervisor::CH_BINARY, &args);
    out.extend(super::exec::too_long(
        &codes::T217,
        "cloud-hypervisor",
        ch.layout.nodes.len(),
        total,
        cx.topo.machine.name.span,
        "use fewer nodes, or symmetric distances (each node then lists only the nodes after it)",
    ));
}

#[cfg(test)]
mod tests {
    use crate::diag::Severity;
    use crate::pipeline::{Options, compile};
    use crate::source::SourceFile;
    use crate::target::{ChOverrides, TargetKind};

    /// A hub with `n - 1` memory-only nodes around it; `asymmetric` makes one
    /// pair asymmetric, so every node lists its whole row.
    fn star(n: usize, asymmetric: bool) -> String {
        let mut s = String::from(
            "topoc = 1\n[machine]\nname = \"star\"\n[[node]]\nid = 0\nname = \"hub\"\ncpus = \"0\"\nmemory = { size = \"1GiB\" }\n",
        );
        for k in 1..n {
            s.push_str(&format!(
                "[[node]]\nid = {k}\nmemory = {{ size = \"2MiB\" }}\n"
            ));
        }
        for k in 1..n {
            s.push_str(&format!(
                "[[link]]\nfrom = \"hub\"\nto = {k}\nkind = \"cxl\"\nlatency = \"150ns\"\n"
            ));
        }
        if asymmetric {
            s.push_str("[distances]\nasymmetric = true\npair = [{ from = 1, to = 2, value = 30 }, { from = 2, to = 1, value = 40 }]\n");
        }
        s
    }

    fn t217(text: &str) -> Vec<Severity> {
        let opts = Options {
            target: TargetKind::CloudHypervisor,
            ch: ChOverrides::default(),
            ..Options::default()
        };
        let diags = match compile(&SourceFile::new("star.toml", text), &opts) {
            Ok(c) => c.warnings,
            Err(d) => d,
        };
        diags
            .iter()
            .filter(|d| d.code.code == "T217")
            .map(|d| d.severity)
            .collect()
    }

    #[test]
    fn command_line_length_tiers() {
        assert_eq!(t217(&star(300, false)), []);
        assert_eq!(t217(&star(760, false)), [Severity::Warning]);
        // Whole rows: 1000 × 999 pairs of about 7 bytes, past 6 MiB.
        assert_eq!(t217(&star(1000, true)), [Severity::Error]);
    }
}
