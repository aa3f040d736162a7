//! Pictures of a topology: `topoc graph` and the `graph-*` artifacts.
//!
//! A topology is first reduced to a [`Picture`]: the boxes a reader should
//! see (NUMA nodes with their CPUs, memory, Specific Purpose parts and
//! memory-side caches; devices with the Generic Initiator nodes they own) and
//! the lines between them (links, labelled with kind, latency and bandwidth;
//! dashed "initiates through" lines where a Generic Initiator node is not
//! drawn inside its device). Three renderers read the same picture:
//!
//! - [`svg`]: a self-contained SVG laid out by [`layout`], a small
//!   deterministic layered layout written here, so drawing needs no external
//!   program (Graphviz, a browser engine) at run time;
//! - [`dot`]: Graphviz input, for people who want Graphviz's layout;
//! - [`mermaid`]: a Mermaid flowchart, for Markdown that renders Mermaid.
//!
//! The picture is built from the IR alone ([`Topology`]) and never fails:
//! the book's property test lays out topologies that did not pass `check`.
//!
//! **Architecture invariant:** like every emitter, this module never
//! validates; it draws what the IR says, and every output is byte-identical
//! run to run.

pub mod dot;
pub mod layout;
pub mod mermaid;
pub mod svg;

use crate::kinds::{DeviceKind, LinkKind, MemKind};
use crate::model::{DeviceSource, Endpoint, Link, LinkAttrs, Topology};
use crate::units;
use std::collections::BTreeMap;

/// Where a box sits in the layered layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// A node with CPUs (and usually memory).
    Cpu,
    /// A node with memory and no CPUs: HBM, CXL.
    Memory,
    /// A device, with the Generic Initiator nodes drawn inside it.
    Device,
    /// A node with neither CPUs nor memory that no device owns.
    Other,
}

/// A node's memory, for the coloured memory bar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemBar {
    pub kind: MemKind,
    pub size: u64,
    /// Specific Purpose parts as (offset, size).
    pub spm: Vec<(u64, u64)>,
    /// The text on the bar: "HBM 4 GiB · SPM".
    pub text: String,
}

/// A Generic Initiator node drawn inside its device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chip {
    /// Identifier in dot and mermaid output.
    pub id: String,
    pub lines: Vec<String>,
}

/// One box: a node or a device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    pub role: Role,
    /// Identifier in dot and mermaid output: `n<id>` or `d<index>`.
    pub id: String,
    pub title: String,
    /// Plain text lines under the title.
    pub lines: Vec<String>,
    /// Memory-side caches, nearest the memory user first.
    pub caches: Vec<String>,
    pub memory: Option<MemBar>,
    /// Lines under the memory bar: where partial SPM sits, then latency and
    /// bandwidth ("90 ns · 1 TiB/s").
    pub after_bar: Vec<String>,
    pub chips: Vec<Chip>,
    /// Some of the node's memory is Specific Purpose.
    pub spm: bool,
    /// A node that is a Generic Initiator but is drawn on its own.
    pub generic_initiator: bool,
}

/// What a line stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    Link(LinkKind),
    /// A device initiates memory traffic through a node drawn elsewhere.
    Initiator,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    /// Item indexes; `a` is the link's `from`.
    pub a: usize,
    pub b: usize,
    pub kind: EdgeKind,
    pub label: Vec<String>,
    /// The bus (in [`Picture::buses`]) that draws this link in the SVG.
    pub bus: Option<usize>,
}

/// Links with identical attributes that join every pair of a set of boxes
/// in one row (an xGMI full mesh): the SVG draws them as one bus with one
/// label instead of n(n-1)/2 crossing lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bus {
    pub members: Vec<usize>,
    pub kind: LinkKind,
    pub label: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Picture {
    pub title: String,
    pub subtitle: Option<String>,
    pub items: Vec<Item>,
    pub edges: Vec<Edge>,
    pub buses: Vec<Bus>,
}

/// "4GiB" → "4 GiB", "120ns" → "120 ns": a space before the unit reads better.
pub fn spaced(s: &str) -> String {
    match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) if i > 0 => format!("{} {}", &s[..i], &s[i..]),
        _ => s.to_string(),
    }
}

fn size(b: u64) -> String {
    spaced(&units::fmt_size(b))
}

fn latency(ps: u64) -> String {
    spaced(&units::fmt_latency(ps))
}

fn bandwidth(bps: u64) -> String {
    spaced(&units::fmt_bandwidth(bps))
}

fn attrs(a: &LinkAttrs) -> String {
    match &a.bandwidth {
        Some(b) => format!("{} · {}", latency(a.latency.value), bandwidth(b.value)),
        None => latency(a.latency.value),
    }
}

fn short_name(t: &Topology, e: Endpoint) -> String {
    match e {
        Endpoint::Node(n) => t
            .nodes
            .get(n)
            .map(|n| match &n.name {
                Some(name) => name.value.clone(),
                None => format!("node {}", n.id.value),
            })
            .unwrap_or_default(),
        Endpoint::Device(d) => t
            .devices
            .get(d)
            .map(|d| d.name.value.clone())
            .unwrap_or_default(),
    }
}

/// The label of a link: its kind, then latency and bandwidth; both
/// directions, named, when they differ.
pub fn link_label(t: &Topology, l: &Link) -> Vec<String> {
    let mut v = vec![l.kind.value.as_str().to_string()];
    if l.is_asymmetric() {
        let (a, b) = (short_name(t, l.from.value), short_name(t, l.to.value));
        v.push(format!("{a}→{b} {}", attrs(&l.forward)));
        v.push(format!("{b}→{a} {}", attrs(&l.reverse)));
    } else {
        v.push(attrs(&l.forward));
    }
    v
}

fn mem_name(k: MemKind) -> &'static str {
    match k {
        MemKind::Dram => "DRAM",
        MemKind::Hbm => "HBM",
        MemKind::Cxl => "CXL",
    }
}

fn device_kind(k: DeviceKind) -> &'static str {
    k.as_str()
}

/// Reduces a topology to what the pictures show.
pub fn picture(t: &Topology) -> Picture {
    // Which nodes are drawn inside a device: Generic Initiator nodes with no
    // CPUs, no memory and no links of their own, inside the first device
    // that names them.
    let linked: Vec<bool> = (0..t.nodes.len())
        .map(|n| {
            t.links
                .iter()
                .any(|l| l.from.value == Endpoint::Node(n) || l.to.value == Endpoint::Node(n))
        })
        .collect();
    let mut owner: Vec<Option<usize>> = vec![None; t.nodes.len()];
    for (d, dev) in t.devices.iter().enumerate() {
        for g in &dev.gi_nodes {
            let n = g.value;
            let Some(node) = t.nodes.get(n) else { continue };
            if owner[n].is_none() && !node.has_cpus() && !node.has_memory() && !linked[n] {
                owner[n] = Some(d);
            }
        }
    }

    let mut items = Vec::new();
    let mut node_item: Vec<Option<usize>> = vec![None; t.nodes.len()];
    for (n, node) in t.nodes.iter().enumerate() {
        if owner[n].is_some() {
            continue;
        }
        let role = if node.has_cpus() {
            Role::Cpu
        } else if node.has_memory() {
            Role::Memory
        } else {
            Role::Other
        };
        let title = match &node.name {
            Some(name) => format!("node {} · {}", node.id.value, name.value),
            None => format!("node {}", node.id.value),
        };
        let mut lines = Vec::new();
        if node.has_cpus() {
            lines.push(format!("CPUs {}", units::fmt_cpulist(&node.cpus.value)));
        } else if node.has_memory() {
            lines.push("memory only".to_string());
        } else if !node.is_generic_initiator() {
            lines.push("no CPUs, no memory".to_string());
        }
        if node.is_generic_initiator() {
            let devs: Vec<&str> = node
                .gi_devices
                .iter()
                .filter_map(|&d| t.devices.get(d))
                .map(|d| d.name.value.as_str())
                .collect();
            lines.push(format!("Generic Initiator of {}", devs.join(", ")));
        }
        if let Some(i) = node.initiator.as_ref().and_then(|i| t.nodes.get(i.value)) {
            lines.push(format!("attached initiator: {}", i.label()));
        }
        let mut caches = Vec::new();
        let mut memory = None;
        let mut after_bar = Vec::new();
        let mut spm = false;
        if let Some(m) = node.memory.as_ref().filter(|_| node.has_memory()) {
            for c in &m.caches {
                caches.push(format!(
                    "L{} cache {} · {} · {}",
                    c.level.value,
                    size(c.size.value),
                    c.associativity,
                    c.policy
                ));
            }
            let parts: Vec<(u64, u64)> = m
                .spm
                .iter()
                .map(|r| (r.offset.value, r.size.value))
                .collect();
            spm = !parts.is_empty();
            let mut text = format!("{} {}", mem_name(m.kind), size(m.size.value));
            if m.all_spm() {
                text.push_str(" · SPM");
            } else {
                for &(off, len) in &parts {
                    after_bar.push(format!("SPM {} at +{}", size(len), size(off)));
                }
            }
            memory = Some(MemBar {
                kind: m.kind,
                size: m.size.value,
                spm: parts,
                text,
            });
            match (&m.latency, &m.bandwidth) {
                (Some(l), Some(b)) => {
                    after_bar.push(format!("{} · {}", latency(l.value), bandwidth(b.value)))
                }
                (Some(l), None) => after_bar.push(latency(l.value)),
                (None, Some(b)) => after_bar.push(bandwidth(b.value)),
                (None, None) => {}
            }
        }
        node_item[n] = Some(items.len());
        items.push(Item {
            role,
            id: format!("n{}", node.id.value),
            title,
            lines,
            caches,
            memory,
            after_bar,
            chips: Vec::new(),
            spm,
            generic_initiator: node.is_generic_initiator(),
        });
    }
    let mut dev_item = Vec::with_capacity(t.devices.len());
    for (d, dev) in t.devices.iter().enumerate() {
        let source = match &dev.source.value {
            DeviceSource::Host(pci) => format!("VFIO {pci}"),
            DeviceSource::Emulated(s) => format!("emulated {s}"),
        };
        let mut lines = vec![source];
        if let Some(slot) = &dev.guest_slot {
            lines.push(format!("guest slot {}", slot.value));
        }
        let chips = dev
            .gi_nodes
            .iter()
            .filter(|g| owner.get(g.value).copied().flatten() == Some(d))
            .filter_map(|g| t.nodes.get(g.value))
            .map(|n| Chip {
                id: format!("n{}", n.id.value),
                lines: match &n.name {
                    Some(name) => vec![format!("GI node {}", n.id.value), name.value.clone()],
                    None => vec![format!("GI node {}", n.id.value)],
                },
            })
            .collect();
        dev_item.push(items.len());
        items.push(Item {
            role: Role::Device,
            id: format!("d{d}"),
            title: format!("{} · {}", dev.name.value, device_kind(dev.kind)),
            lines,
            caches: Vec::new(),
            memory: None,
            after_bar: Vec::new(),
            chips,
            spm: false,
            generic_initiator: false,
        });
    }
    let item_of = |e: Endpoint| -> Option<usize> {
        match e {
            Endpoint::Node(n) => node_item.get(n).copied().flatten(),
            Endpoint::Device(d) => dev_item.get(d).copied(),
        }
    };

    let mut edges = Vec::new();
    for l in &t.links {
        let (Some(a), Some(b)) = (item_of(l.from.value), item_of(l.to.value)) else {
            continue;
        };
        edges.push(Edge {
            a,
            b,
            kind: EdgeKind::Link(l.kind.value),
            label: link_label(t, l),
            bus: None,
        });
    }
    for (d, dev) in t.devices.iter().enumerate() {
        for g in &dev.gi_nodes {
            if owner.get(g.value).copied().flatten() == Some(d) {
                continue;
            }
            if let Some(n) = node_item.get(g.value).copied().flatten() {
                edges.push(Edge {
                    a: dev_item[d],
                    b: n,
                    kind: EdgeKind::Initiator,
                    label: Vec::new(),
                    bus: None,
                });
            }
        }
    }
    let buses = find_buses(&items, &mut edges);
    Picture {
        title: t.machine.name.value.clone(),
        subtitle: t.machine.description.clone(),
        items,
        edges,
        buses,
    }
}

/// Finds full meshes: four or more boxes of one role, every pair joined by
/// a link of the same kind and attributes, and nothing else in that group.
fn find_buses(items: &[Item], edges: &mut [Edge]) -> Vec<Bus> {
    // Group links by their drawn label and kind, in first-seen order.
    let mut groups: BTreeMap<(String, Vec<String>), Vec<usize>> = BTreeMap::new();
    let mut first_seen: Vec<(String, Vec<String>)> = Vec::new();
    for (i, e) in edges.iter().enumerate() {
        let EdgeKind::Link(k) = e.kind else { continue };
        if e.a == e.b {
            continue;
        }
        let key = (k.as_str().to_string(), e.label.clone());
        if !groups.contains_key(&key) {
            first_seen.push(key.clone());
        }
        groups.entry(key).or_default().push(i);
    }
    let mut buses = Vec::new();
    for key in first_seen {
        let Some(group) = groups.get(&key) else {
            continue;
        };
        // Connected components of the group over items (union-find).
        let mut parent: BTreeMap<usize, usize> = BTreeMap::new();
        fn find(p: &mut BTreeMap<usize, usize>, x: usize) -> usize {
            let mut r = x;
            while let Some(&q) = p.get(&r) {
                if q == r {
                    break;
                }
                r = q;
            }
            p.insert(x, r);
            r
        }
        for &i in group {
            let (a, b) = (edges[i].a, edges[i].b);
            parent.entry(a).or_insert(a);
            parent.entry(b).or_insert(b);
            let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
            if ra != rb {
                parent.insert(ra.max(rb), ra.min(rb));
            }
        }
        let mut comps: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        let keys: Vec<usize> = parent.keys().copied().collect();
        for x in keys {
            let r = find(&mut parent, x);
            comps.entry(r).or_default().push(x);
        }
        for members in comps.into_values() {
            let n = members.len();
            if n < 4 {
                continue;
            }
            let role = items[members[0]].role;
            if members.iter().any(|&m| items[m].role != role) {
                continue;
            }
            let in_comp: Vec<usize> = group
                .iter()
                .copied()
                .filter(|&i| members.contains(&edges[i].a))
                .collect();
            let mut pairs: Vec<(usize, usize)> = in_comp
                .iter()
                .map(|&i| (edges[i].a.min(edges[i].b), edges[i].a.max(edges[i].b)))
                .collect();
            pairs.sort_unstable();
            pairs.dedup();
            if pairs.len() != in_comp.len() || pairs.len() != n * (n - 1) / 2 {
                continue;
            }
            let Some(&first) = in_comp.first() else {
                continue;
            };
            let EdgeKind::Link(kind) = edges[first].kind else {
                continue;
            };
            let bus = buses.len();
            for &i in &in_comp {
                edges[i].bus = Some(bus);
            }
            let mut label = edges[first].label.clone();
            if let Some(k) = label.first_mut() {
                *k = format!("{k} full mesh · {} links", pairs.len());
            }
            buses.push(Bus {
                members,
                kind,
                label,
            });
        }
    }
    buses
}

/// The picture as SVG.
pub fn render_svg(t: &Topology) -> String {
    svg::render(&layout::layout(&picture(t)))
}

/// The picture as Graphviz dot.
pub fn render_dot(t: &Topology) -> String {
    dot::render(&picture(t))
}

/// The picture as a Mermaid flowchart.
pub fn render_mermaid(t: &Topology) -> String {
    mermaid::render(&picture(t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_get_a_space() {
        assert_eq!(spaced("4GiB"), "4 GiB");
        assert_eq!(spaced("120ns"), "120 ns");
        assert_eq!(spaced("1.5GB/s"), "1.5 GB/s");
        assert_eq!(spaced("x"), "x");
    }
}
