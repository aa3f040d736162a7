//! Graph rules (T08x), and the connectivity facts other areas share so that
//! one missing link is reported once, by the most specific rule:
//!
//! - an island with memory but no initiator at all is T080's;
//! - an island whose GPU reaches its HBM but no CPU node is T073's;
//! - a node with nothing in it is T081's;
//! - any other pair of nodes without a path is T053's (distances).

use super::Context;
use crate::diag::{Diagnostic, codes};
use crate::kinds::{DeviceKind, LinkKind, MemKind};
use crate::model::{DevIx, Endpoint, NodeIx, Topology};
use crate::source::Span;
use petgraph::unionfind::UnionFind;
use std::collections::BTreeMap;

/// Connected components of the topology graph: nodes and devices, joined by
/// links and by each device's Generic Initiator edges. Links always give
/// edges in both directions, so reachability is component membership.
pub(super) struct Components {
    find: Vec<usize>,
}

impl Components {
    pub(super) fn new(t: &Topology) -> Components {
        let n = t.nodes.len();
        let mut uf = UnionFind::<usize>::new(n + t.devices.len());
        let ix = |e: Endpoint| match e {
            Endpoint::Node(i) => i,
            Endpoint::Device(d) => n + d,
        };
        for l in &t.links {
            uf.union(ix(l.from.value), ix(l.to.value));
        }
        for (d, dev) in t.devices.iter().enumerate() {
            for g in &dev.gi_nodes {
                uf.union(n + d, g.value);
            }
        }
        Components {
            find: uf.into_labeling(),
        }
    }

    pub(super) fn of_node(&self, n: NodeIx) -> usize {
        self.find[n]
    }
}

/// Whether the file states a relation between two nodes without links: an
/// explicit distance in either direction, or an `[[hmat]]` entry.
pub(super) fn explicitly_related(t: &Topology, a: NodeIx, b: NodeIx) -> bool {
    t.distances
        .pairs
        .iter()
        .any(|p| (p.from.value == a && p.to.value == b) || (p.from.value == b && p.to.value == a))
        || t.hmat.iter().any(|e| {
            (e.initiator.value == a && e.target.value == b)
                || (e.initiator.value == b && e.target.value == a)
        })
}

/// T080's findings: memory-only nodes that share no component with any
/// initiator and that the file relates to no initiator explicitly. Only when
/// the file describes connectivity at all (there is a SLIT).
pub(super) fn unreachable_memory(cx: &Context, comps: &Components) -> Vec<NodeIx> {
    if cx.derived.slit.is_none() {
        return Vec::new();
    }
    let t = cx.topo;
    let initiators = t.initiators();
    (0..t.nodes.len())
        .filter(|&m| {
            let n = &t.nodes[m];
            n.has_memory()
                && !n.is_initiator()
                && !initiators
                    .iter()
                    .any(|&i| comps.of_node(i) == comps.of_node(m))
                && !initiators.iter().any(|&i| explicitly_related(t, i, m))
                && !t.hmat.iter().any(|e| e.target.value == m)
        })
        .collect()
}

/// A GPU's HBM node: a node with HBM memory that a link joins to the GPU
/// itself or to one of its Generic Initiator nodes. Returns
/// (device, HBM node, the link's span) in link order, one per pair.
pub(super) fn gpu_hbm(t: &Topology) -> Vec<(DevIx, NodeIx, Span)> {
    let mut out: Vec<(DevIx, NodeIx, Span)> = Vec::new();
    for l in &t.links {
        for (a, b) in [(l.from.value, l.to.value), (l.to.value, l.from.value)] {
            let Endpoint::Node(m) = b else { continue };
            let hbm = t.nodes[m]
                .memory
                .as_ref()
                .is_some_and(|mem| mem.kind == MemKind::Hbm);
            if !hbm {
                continue;
            }
            let gpus: Vec<DevIx> = match a {
                Endpoint::Device(d) => vec![d],
                Endpoint::Node(g) => t.nodes[g].gi_devices.clone(),
            };
            for d in gpus {
                if t.devices[d].kind == DeviceKind::Gpu
                    && !out.iter().any(|&(x, y, _)| (x, y) == (d, m))
                {
                    out.push((d, m, l.span));
                }
            }
        }
    }
    out
}

/// T073's findings: (GPU, HBM node, link) where the HBM's component holds an
/// initiator (else it is T080's) but no CPU node, and no explicit distance or
/// HMAT entry relates the HBM to a CPU node.
pub(super) fn isolated_hbm(cx: &Context, comps: &Components) -> Vec<(DevIx, NodeIx, Span)> {
    let t = cx.topo;
    let cpu_nodes: Vec<NodeIx> = (0..t.nodes.len())
        .filter(|&i| t.nodes[i].has_cpus())
        .collect();
    if cpu_nodes.is_empty() {
        return Vec::new();
    }
    let orphans = unreachable_memory(cx, comps);
    gpu_hbm(t)
        .into_iter()
        .filter(|&(_, m, _)| {
            !orphans.contains(&m)
                && t.initiators()
                    .iter()
                    .any(|&i| comps.of_node(i) == comps.of_node(m))
                && !cpu_nodes
                    .iter()
                    .any(|&c| comps.of_node(c) == comps.of_node(m))
                && !cpu_nodes.iter().any(|&c| explicitly_related(t, c, m))
        })
        .collect()
}

/// T081's findings: nodes with no CPUs, no memory table and no device
/// initiating through them, which no `initiator` or `[[hmat]]` names (those
/// references are T060's and T061's).
pub(super) fn empty_nodes(t: &Topology) -> Vec<NodeIx> {
    (0..t.nodes.len())
        .filter(|&i| {
            let n = &t.nodes[i];
            !n.has_cpus()
                && n.memory.is_none()
                && !n.is_generic_initiator()
                && !t
                    .nodes
                    .iter()
                    .any(|o| o.initiator.as_ref().is_some_and(|x| x.value == i))
                && !t
                    .hmat
                    .iter()
                    .any(|e| e.initiator.value == i || e.target.value == i)
        })
        .collect()
}

/// Nodes whose missing paths another rule already reports (T080, T073,
/// T081); T053 leaves them out.
pub(super) fn explained_islands(cx: &Context) -> Vec<bool> {
    let t = cx.topo;
    let comps = Components::new(t);
    let mut owned: Vec<usize> = unreachable_memory(cx, &comps)
        .into_iter()
        .map(|m| comps.of_node(m))
        .collect();
    owned.extend(
        isolated_hbm(cx, &comps)
            .into_iter()
            .map(|(_, m, _)| comps.of_node(m)),
    );
    let empty = empty_nodes(t);
    (0..t.nodes.len())
        .map(|i| owned.contains(&comps.of_node(i)) || empty.contains(&i))
        .collect()
}

/// T080: memory that no initiator can reach.
pub fn unreachable_memory_rule(cx: &Context, out: &mut Vec<Diagnostic>) {
    let comps = Components::new(cx.topo);
    for m in unreachable_memory(cx, &comps) {
        let n = &cx.topo.nodes[m];
        let span = n.memory.as_ref().map_or(n.span, |mem| mem.size.span);
        out.push(
            Diagnostic::new(
                &codes::T080,
                format!(
                    "no node with CPUs and no Generic Initiator can reach {}'s memory",
                    n.label()
                ),
                span,
                "memory nobody reaches",
            )
            .label(n.id.span, "no link joins this node to an initiator")
            .help("add a `[[link]]` from a node with CPUs (or from a device with `initiator-nodes`) to this node, or give the pairs explicit distances")
            .note("topoc would write SLIT 255 (ACPI: unreachable) from every initiator and derive no HMAT value; QEMU and Linux accept that, and the guest then allocates from this memory like any other node's"),
        );
    }
}

/// T081: a node with neither CPUs, memory nor a device initiating through it.
pub fn empty_node(cx: &Context, out: &mut Vec<Diagnostic>) {
    for i in empty_nodes(cx.topo) {
        let n = &cx.topo.nodes[i];
        out.push(
            Diagnostic::new(
                &codes::T081,
                format!("{} has no CPUs, no memory and no device initiating through it", n.label()),
                n.id.span,
                "an empty node",
            )
            .label(n.span, "this node")
            .help("give it `cpus` or `memory`, list it in a device's `initiator-nodes`, or remove it")
            .note("QEMU writes no SRAT entry for it, so Linux never brings it online and drops its SLIT row; cloud-hypervisor refuses: \"numa config must specify either device_id or cpus/memory_zones\""),
        );
    }
}

/// The link kinds whose ends topoc constrains; every other kind may join
/// any two ends.
fn kind_problem(kind: LinkKind, a: Endpoint, b: Endpoint) -> Option<&'static str> {
    let devices = [a, b]
        .iter()
        .filter(|e| matches!(e, Endpoint::Device(_)))
        .count();
    match kind {
        LinkKind::Upi if devices > 0 => Some("UPI joins CPU sockets: both ends must be nodes"),
        LinkKind::Pcie if devices == 0 => {
            Some("PCIe attaches a device: one end must be a `[[device]]`")
        }
        _ => None,
    }
}

/// T082: a link from an entity to itself, a second link between one pair,
/// a link that repeats a device's Generic Initiator edge, or a link kind
/// whose ends cannot be right.
pub fn bad_link(cx: &Context, out: &mut Vec<Diagnostic>) {
    let t = cx.topo;
    let mut seen: BTreeMap<(Endpoint, Endpoint), usize> = BTreeMap::new();
    for (k, l) in t.links.iter().enumerate() {
        let (a, b) = (l.from.value, l.to.value);
        let key = (a.min(b), a.max(b));
        let (from, to) = (t.endpoint_label(a), t.endpoint_label(b));
        let d = if a == b {
            Some(
                Diagnostic::new(&codes::T082, format!("a link from {from} to itself"), l.to.span, "the same end")
                    .label(l.from.span, "from here")
                    .help("remove the link, or name the other end")
                    .note("a link to itself adds no path: topoc's distance and HMAT derivation ignores it"),
            )
        } else if let Some(&first) = seen.get(&key) {
            Some(
                Diagnostic::new(&codes::T082, format!("a second link between {from} and {to}"), l.span, "again")
                    .label(t.links[first].span, "first link")
                    .help("describe the connection as one link; for parallel links, give it their combined bandwidth")
                    .note("topoc's shortest-path derivation uses only the better of parallel links, so the other one changes nothing"),
            )
        } else if let Some((dev, node)) = match (a, b) {
            (Endpoint::Device(d), Endpoint::Node(n)) | (Endpoint::Node(n), Endpoint::Device(d)) => {
                Some((d, n))
            }
            _ => None,
        }
        .filter(|&(d, n)| t.devices[d].gi_nodes.iter().any(|g| g.value == n))
        {
            Some(
                Diagnostic::new(
                    &codes::T082,
                    format!("device \"{}\" is already joined to its Generic Initiator {}", t.devices[dev].name.value, t.nodes[node].label()),
                    l.span,
                    "repeats the initiator edge",
                )
                .label(t.devices[dev].gi_nodes.iter().find(|g| g.value == node).map_or(t.devices[dev].span, |g| g.span), "Generic Initiator node")
                .help("remove the link: a device and its `initiator-nodes` are one place, at no cost")
                .note("topoc joins a device to its Generic Initiator nodes with free edges, so this link never lies on a best path"),
            )
        } else {
            kind_problem(l.kind.value, a, b).map(|why| {
                Diagnostic::new(
                    &codes::T082,
                    format!("a `{}` link between {from} and {to}", l.kind.value),
                    l.kind.span,
                    "wrong kind for these ends",
                )
                .label(l.span, "this link")
                .help(format!("{why}; use another `kind` (e.g. \"cxl\", \"nvlink\", \"infinity-fabric\" or \"other\")"))
                .note("the kind is documentation for people and tools reading the topology; topoc's derivation does not look at it, so a wrong kind misleads silently")
            })
        };
        seen.entry(key).or_insert(k);
        if let Some(d) = d {
            out.push(d);
        }
    }
}
