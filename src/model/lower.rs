//! Syntax → IR: resolve names and ids, apply defaults.
//!
//! Reports duplicate ids (T010), ids no guest kernel maps (T013), duplicate
//! names (T011), unresolved references (T012) and devices without a source
//! (T071). Everything else
//! about the *meaning* of the topology is the check stage's job.

use super::ir::*;
use crate::diag::{Diagnostic, codes, did_you_mean};
use crate::linux::numa::MAX_NUMNODES as GUEST_MAX_NUMNODES;
use crate::parse::syntax as syn;
use crate::parse::syntax::RefName;
use crate::source::{Sp, Span};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    Node,
    Any,
}

struct Names {
    /// name → (endpoint, span of the name). Nodes are indexed in sorted order.
    by_name: BTreeMap<String, (Endpoint, Span)>,
    /// id → node index.
    by_id: BTreeMap<u32, NodeIx>,
}

/// Lowers a document. Unresolvable references are reported and left out, so
/// the returned topology is always well formed and the check stage can still
/// report everything else in the same run.
pub fn lower(doc: &syn::Document) -> (Topology, Vec<Diagnostic>) {
    let mut diags = Vec::new();

    // Nodes sorted by id; a stable sort keeps file order among duplicates.
    let mut order: Vec<usize> = (0..doc.nodes.len()).collect();
    order.sort_by_key(|&i| doc.nodes[i].id.value);

    let mut names = Names {
        by_name: BTreeMap::new(),
        by_id: BTreeMap::new(),
    };
    // Report duplicates in file order so the secondary label is the first use.
    let mut first_id: BTreeMap<u32, Span> = BTreeMap::new();
    let mut first_name: BTreeMap<String, Span> = BTreeMap::new();
    let mut name_check = |name: &Sp<String>, diags: &mut Vec<Diagnostic>| {
        if let Some(&prev) = first_name.get(name.value.as_str()) {
            diags.push(
                Diagnostic::new(
                    &codes::T011,
                    format!("the name \"{}\" is used twice", name.value),
                    name.span,
                    "second use",
                )
                .label(prev, "first used here")
                .help("give every node and device its own name"),
            );
        } else {
            first_name.insert(name.value.clone(), name.span);
        }
    };
    for n in &doc.nodes {
        if let Some(&prev) = first_id.get(&n.id.value) {
            diags.push(
                Diagnostic::new(
                    &codes::T010,
                    format!("two nodes have id {}", n.id.value),
                    n.id.span,
                    "second node with this id",
                )
                .label(prev, "first node with this id")
                .help("give each node its own id; the id is the node's ACPI proximity domain"),
            );
        } else {
            first_id.insert(n.id.value, n.id.span);
        }
        if let Some(d) = pxm_beyond_guest(n) {
            diags.push(d);
        }
        if let Some(name) = &n.name {
            name_check(name, &mut diags);
        }
    }
    for d in &doc.devices {
        name_check(&d.name, &mut diags);
    }
    for (ix, &src) in order.iter().enumerate() {
        let n = &doc.nodes[src];
        names.by_id.entry(n.id.value).or_insert(ix);
        if let Some(name) = &n.name {
            names
                .by_name
                .entry(name.value.clone())
                .or_insert((Endpoint::Node(ix), name.span));
        }
    }
    for (ix, d) in doc.devices.iter().enumerate() {
        names
            .by_name
            .entry(d.name.value.clone())
            .or_insert((Endpoint::Device(ix), d.name.span));
    }

    let resolve = |r: &syn::Ref,
                   want: Want,
                   what: &str,
                   diags: &mut Vec<Diagnostic>|
     -> Option<Sp<Endpoint>> {
        let found = match &r.value {
            RefName::Id(id) => match names.by_id.get(id) {
                Some(&ix) => Some(Endpoint::Node(ix)),
                None => {
                    let ids: Vec<String> = names.by_id.keys().map(|i| i.to_string()).collect();
                    diags.push(
                        Diagnostic::new(
                            &codes::T012,
                            format!("{what} names node {id}, which does not exist"),
                            r.span,
                            "no node has this id",
                        )
                        .help(format!("node ids are {}", ids.join(", "))),
                    );
                    return None;
                }
            },
            RefName::Name(name) => match names.by_name.get(name) {
                Some(&(e, _)) => Some(e),
                None => {
                    let candidates = names
                        .by_name
                        .iter()
                        .filter(|(_, (e, _))| want == Want::Any || matches!(e, Endpoint::Node(_)));
                    let mut d = Diagnostic::new(
                        &codes::T012,
                        format!("{what} names \"{name}\", which is not defined"),
                        r.span,
                        "unknown name",
                    );
                    d = match did_you_mean(name, candidates.map(|(k, _)| k.as_str())) {
                        Some(s) => d.help(format!("did you mean \"{s}\"?")),
                        None => d.help("refer to a node or device by its `name`, or to a node by its `id` as an integer"),
                    };
                    diags.push(d);
                    return None;
                }
            },
        };
        match (found, want) {
            (Some(Endpoint::Device(dix)), Want::Node) => {
                let (_, dspan) = names.by_name[&doc.devices[dix].name.value];
                diags.push(
                    Diagnostic::new(
                        &codes::T012,
                        format!("{what} must name a node, but {} is a device", r.value),
                        r.span,
                        "a device, not a node",
                    )
                    .label(dspan, "the device is defined here")
                    .help(
                        "name the node the device initiates through (one of its `initiator-nodes`)",
                    ),
                );
                None
            }
            (Some(e), _) => Some(Sp::new(e, r.span)),
            (None, _) => None,
        }
    };
    let node_ref = |r: &syn::Ref, what: &str, diags: &mut Vec<Diagnostic>| -> Option<Sp<NodeIx>> {
        resolve(r, Want::Node, what, diags).map(|e| {
            e.map(|e| match e {
                Endpoint::Node(n) => n,
                Endpoint::Device(_) => 0,
            })
        })
    };

    // Nodes.
    let mut nodes: Vec<Node> = Vec::with_capacity(order.len());
    for &src in &order {
        let n = &doc.nodes[src];
        let initiator = n
            .initiator
            .as_ref()
            .and_then(|r| node_ref(r, "`initiator`", &mut diags));
        nodes.push(Node {
            span: n.span,
            id: n.id.clone(),
            name: n.name.clone(),
            cpus: n.cpus.clone().unwrap_or_else(|| Sp::detached(Vec::new())),
            memory: n.memory.as_ref().map(memory),
            initiator,
            gi_devices: Vec::new(),
        });
    }

    // Devices.
    let mut devices = Vec::with_capacity(doc.devices.len());
    for (dix, d) in doc.devices.iter().enumerate() {
        let source = match (&d.host, &d.emulate) {
            (Some(h), None) => Some(Sp::new(DeviceSource::Host(h.value), h.span)),
            (None, Some(e)) => Some(Sp::new(DeviceSource::Emulated(e.value), e.span)),
            (Some(h), Some(e)) => {
                diags.push(
                    Diagnostic::new(&codes::T071, format!("device \"{}\" has both `host` and `emulate`", d.name.value), e.span, "stand-in")
                        .label(h.span, "host device")
                        .help("keep `host` to pass the real device through, or `emulate` to use a stand-in"),
                );
                None
            }
            (None, None) => {
                diags.push(
                    Diagnostic::new(&codes::T071, format!("device \"{}\" has neither `host` nor `emulate`", d.name.value), d.name.span, "no source")
                        .help("add host = \"0000:41:00.0\" for VFIO passthrough, or emulate = \"pci-testdev\" for a stand-in"),
                );
                None
            }
        };
        let mut gi_nodes = Vec::new();
        if let Some(list) = &d.initiator_nodes {
            for r in &list.value {
                if let Some(n) = node_ref(r, "`initiator-nodes`", &mut diags) {
                    gi_nodes.push(n);
                }
            }
        }
        for n in &gi_nodes {
            if !nodes[n.value].gi_devices.contains(&dix) {
                nodes[n.value].gi_devices.push(dix);
            }
        }
        devices.push(Device {
            span: d.span,
            name: d.name.clone(),
            kind: d
                .kind
                .as_ref()
                .map_or(crate::kinds::DeviceKind::Gpu, |k| k.value),
            source: source.unwrap_or_else(|| {
                Sp::detached(DeviceSource::Emulated(crate::kinds::StandIn::PciTestdev))
            }),
            guest_slot: d.guest_slot.clone(),
            numa_node: d
                .numa_node
                .as_ref()
                .and_then(|r| node_ref(r, "`numa-node`", &mut diags)),
            gi_nodes,
        });
    }

    // Links.
    let mut links = Vec::new();
    for l in &doc.links {
        let from = resolve(&l.from, Want::Any, "link `from`", &mut diags);
        let to = resolve(&l.to, Want::Any, "link `to`", &mut diags);
        let (Some(from), Some(to)) = (from, to) else {
            continue;
        };
        let forward = LinkAttrs {
            latency: l.latency.clone(),
            bandwidth: l.bandwidth.clone(),
        };
        let reverse = LinkAttrs {
            latency: l
                .reverse_latency
                .clone()
                .unwrap_or_else(|| l.latency.clone()),
            bandwidth: l.reverse_bandwidth.clone().or_else(|| l.bandwidth.clone()),
        };
        links.push(Link {
            span: l.span,
            kind: l.kind.clone(),
            from,
            to,
            forward,
            reverse,
        });
    }

    // Distances.
    let mut pairs = Vec::new();
    for p in &doc.distances.pairs {
        let from = node_ref(&p.from, "distance `from`", &mut diags);
        let to = node_ref(&p.to, "distance `to`", &mut diags);
        if let (Some(from), Some(to)) = (from, to) {
            pairs.push(DistancePair {
                span: p.span,
                from,
                to,
                value: p.value.clone(),
            });
        }
    }
    // T014: one direction of a pair given twice. A pair and its reverse
    // with different values are T052's business (asymmetric distances).
    let mut first_pair: BTreeMap<(NodeIx, NodeIx), Span> = BTreeMap::new();
    for p in &pairs {
        let key = (p.from.value, p.to.value);
        match first_pair.get(&key) {
            Some(&prev) => diags.push(
                Diagnostic::new(
                    &codes::T014,
                    format!(
                        "the distance from {} to {} is given twice",
                        endpoint_name(names_by_ix(doc, &order, key.0)),
                        endpoint_name(names_by_ix(doc, &order, key.1))
                    ),
                    p.span,
                    "second value",
                )
                .label(prev, "first value")
                .help("keep one `[[distances.pair]]` per pair and direction")
                .note("topoc would take the later value and drop the other without a word"),
            ),
            None => {
                first_pair.insert(key, p.span);
            }
        }
    }
    let distances = DistanceSpec {
        span: doc.distances.span,
        asymmetric: doc.distances.asymmetric.clone(),
        reference_latency: doc.distances.reference_latency.clone(),
        pairs,
    };

    // HMAT entries.
    let mut hmat = Vec::new();
    for h in &doc.hmat {
        let initiator = node_ref(&h.initiator, "HMAT `initiator`", &mut diags);
        let target = node_ref(&h.target, "HMAT `target`", &mut diags);
        if let (Some(initiator), Some(target)) = (initiator, target) {
            hmat.push(HmatEntry {
                span: h.span,
                initiator,
                target,
                values: [
                    h.latency.clone(),
                    h.read_latency.clone(),
                    h.write_latency.clone(),
                    h.bandwidth.clone(),
                    h.read_bandwidth.clone(),
                    h.write_bandwidth.clone(),
                ],
            });
        }
    }

    // T014: one HMAT value given twice for one initiator and target.
    let mut first_value: BTreeMap<(NodeIx, NodeIx, usize), Span> = BTreeMap::new();
    for e in &hmat {
        for (k, v) in e.values.iter().enumerate() {
            let Some(v) = v else { continue };
            let key = (e.initiator.value, e.target.value, k);
            match first_value.get(&key) {
                Some(&prev) => diags.push(
                    Diagnostic::new(
                        &codes::T014,
                        format!(
                            "the HMAT {} from {} to {} is given twice",
                            DataType::ALL[k].qemu_name(),
                            endpoint_name(names_by_ix(doc, &order, e.initiator.value)),
                            endpoint_name(names_by_ix(doc, &order, e.target.value))
                        ),
                        v.span,
                        "second value",
                    )
                    .label(prev, "first value")
                    .help("keep one value per initiator, target and kind of value")
                    .note("QEMU refuses a second value for a pair (\"Duplicate configuration of the latency for initiator=…\"); topoc would have kept the later one without a word"),
                ),
                None => {
                    first_value.insert(key, v.span);
                }
            }
        }
    }

    crate::diag::sort(&mut diags);

    let m = &doc.machine;
    let c = &m.cpus;
    let cspan = c.span.unwrap_or(Span::DETACHED);
    let one = |v: &Option<Sp<u32>>| v.clone().unwrap_or_else(|| Sp::new(1, Span::DETACHED));
    let topology = CpuTopology {
        span: cspan,
        sockets: one(&c.sockets),
        dies: one(&c.dies),
        cores: one(&c.cores),
        threads: one(&c.threads),
    };
    let max = u32::try_from(topology.max_cpus()).unwrap_or(u32::MAX);
    let topo = Topology {
        machine: Machine {
            span: m.span,
            name: m.name.clone(),
            description: m.description.as_ref().map(|d| d.value.clone()),
            arch: m
                .arch
                .clone()
                .unwrap_or_else(|| Sp::detached(crate::kinds::Arch::X86_64)),
            topology,
            boot_cpus: c
                .boot
                .clone()
                .unwrap_or_else(|| Sp::new(max, Span::DETACHED)),
            hmat: m.hmat.clone(),
        },
        nodes,
        devices,
        links,
        distances,
        hmat,
        qemu: qemu_settings(&doc.qemu),
        ch: ch_settings(&doc.ch),
        libvirt: LibvirtSettings {
            version: doc.libvirt.version.clone(),
            domain_type: doc.libvirt.domain_type.clone(),
            kernel: doc.libvirt.kernel.clone(),
            initrd: doc.libvirt.initrd.clone(),
            cmdline: doc.libvirt.cmdline.clone(),
            console: doc.libvirt.console.clone(),
            fallback: doc.libvirt.fallback.clone(),
        },
    };
    (topo, diags)
}

fn qemu_settings(s: &syn::QemuSettings) -> QemuSettings {
    QemuSettings {
        version: s.version.clone(),
        machine: s.machine.clone(),
        spm: s.spm.clone(),
        firmware: s.firmware.clone(),
        cpu_model: s.cpu_model.clone(),
        gic_version: s.gic_version.clone(),
        acpi_table_upgrade: s.acpi_table_upgrade.clone(),
        mmio64_size: s.mmio64_size.clone(),
        max_ram_below_4g: s.max_ram_below_4g.clone(),
        memory_slots: s.memory_slots.clone(),
        max_memory: s.max_memory.clone(),
    }
}

fn ch_settings(s: &syn::ChSettings) -> ChSettings {
    ChSettings {
        version: s.version.clone(),
        boot: s.boot.clone(),
        kernel: s.kernel.clone(),
        initramfs: s.initramfs.clone(),
        cmdline: s.cmdline.clone(),
        firmware: s.firmware.clone(),
        fallback: s.fallback.clone(),
    }
}

/// How a diagnostic names a node: "node 2 (hbm0)" or "node 2".
fn endpoint_name(n: &syn::Node) -> String {
    match &n.name {
        Some(name) => format!("node {} ({})", n.id.value, name.value),
        None => format!("node {}", n.id.value),
    }
}

/// The syntax node at a sorted index.
fn names_by_ix<'a>(doc: &'a syn::Document, order: &[usize], ix: NodeIx) -> &'a syn::Node {
    &doc.nodes[order[ix]]
}

/// T013: a node id the guest kernel cannot map to a node.
///
/// Linux maps each SRAT proximity domain to a node with
/// `acpi_map_pxm_to_node()`, which fails for a domain at or above
/// `MAX_PXM_DOMAINS` or once every one of `MAX_NUMNODES` nodes is taken;
/// the SRAT parser then prints "SRAT: Too many proximity domains." and
/// discards the whole SRAT. With unique ids below the limit there cannot be
/// more domains than nodes, so the id is the one thing to judge. It is
/// judged here, before anything else, because a file with more nodes than
/// the limit is refused on its ids alone (see `pipeline::compile`).
fn pxm_beyond_guest(n: &syn::Node) -> Option<Diagnostic> {
    let id = n.id.value;
    (id >= GUEST_MAX_NUMNODES).then(|| {
        Diagnostic::new(
            &codes::T013,
            format!(
                "node id {id} is beyond the {GUEST_MAX_NUMNODES} proximity domains the guest kernel maps"
            ),
            n.id.span,
            "too large for the guest",
        )
        .help("number nodes from 0; proximity domain ids need not match the host's")
        .note(format!(
            "Linux ({GUEST_MAX_NUMNODES} = MAX_NUMNODES = MAX_PXM_DOMAINS with Debian's CONFIG_NODES_SHIFT=10) prints \"ACPI: SRAT: Too many proximity domains.\" and then \"SRAT not used\": the guest boots without NUMA"
        ))
    })
}

fn memory(m: &syn::Memory) -> Memory {
    let mut spm = match &m.spm {
        syn::Spm::None => Vec::new(),
        syn::Spm::Whole(span) => vec![SpmRange {
            span: *span,
            offset: Sp::new(0, *span),
            size: Sp::new(m.size.value, *span),
            whole: true,
        }],
        syn::Spm::Parts(parts) => parts
            .iter()
            .map(|p| SpmRange {
                span: p.span,
                offset: p.offset.clone().unwrap_or_else(|| Sp::new(0, p.span)),
                size: p.size.clone(),
                whole: false,
            })
            .collect(),
    };
    spm.sort_by_key(|r| (r.offset.value, r.size.value));
    let mut caches: Vec<Cache> = m
        .caches
        .iter()
        .map(|c| Cache {
            span: c.span,
            level: c.level.clone(),
            size: c.size.clone(),
            associativity: c
                .associativity
                .as_ref()
                .map_or(crate::kinds::Associativity::Direct, |a| a.value),
            policy: c
                .policy
                .as_ref()
                .map_or(crate::kinds::WritePolicy::WriteBack, |p| p.value),
            line: c.line.as_ref().map_or(64, |l| l.value),
        })
        .collect();
    caches.sort_by_key(|c| c.level.value);
    let host_nodes = m
        .host_nodes
        .as_ref()
        .map(|h| h.value.clone())
        .unwrap_or_default();
    let policy = match &m.policy {
        Some(p) => Some(p.value),
        None if !host_nodes.is_empty() => Some(crate::kinds::HostPolicy::Bind),
        None => None,
    };
    Memory {
        span: m.span,
        size: m.size.clone(),
        kind: m
            .kind
            .as_ref()
            .map_or(crate::kinds::MemKind::Dram, |k| k.value),
        spm,
        latency: m.latency.clone(),
        bandwidth: m.bandwidth.clone(),
        backend: Backend {
            shared: m.shared.as_ref().is_some_and(|s| s.value),
            hugepages: m.hugepages.as_ref().and_then(|h| match h.value {
                syn::BoolOrSize::Bool(true) => Some(None),
                syn::BoolOrSize::Bool(false) => None,
                syn::BoolOrSize::Size(n) => Some(Some(n)),
            }),
            path: m.path.as_ref().map(|p| p.value.clone()),
            host_nodes,
            policy,
            prealloc: m.prealloc.as_ref().is_some_and(|p| p.value),
            reserve: m.reserve.as_ref().is_none_or(|r| r.value),
            spans: BackendSpans {
                shared: m.shared.as_ref().map(|v| v.span),
                hugepages: m.hugepages.as_ref().map(|v| v.span),
                path: m.path.as_ref().map(|v| v.span),
                host_nodes: m.host_nodes.as_ref().map(|v| v.span),
                policy: m.policy.as_ref().map(|v| v.span),
                prealloc: m.prealloc.as_ref().map(|v| v.span),
                reserve: m.reserve.as_ref().map(|v| v.span),
            },
        },
        caches,
    }
}
