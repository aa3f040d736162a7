//! The topology as a directed petgraph graph, and shortest paths over it.
//!
//! Vertices are nodes and devices. Every link gives two edges (from → to with
//! the link's forward attributes, to → from with its reverse ones). A device
//! is joined to each of its Generic Initiator nodes by free edges (no latency,
//! unlimited bandwidth): traffic the device initiates leaves through those
//! nodes.
//!
//! Path cost is (latency, bottleneck bandwidth), compared lexicographically:
//! lowest total latency first, then highest bottleneck bandwidth. Extending a
//! path never improves its cost, so Dijkstra applies, with [`Cost`] as its
//! measure ([`TopologyGraph::costs_from`]).

use super::ir::*;
use petgraph::graph::{DiGraph, NodeIndex};
use std::cmp::Ordering;

/// The cost of a path: total latency (ps) and the lowest bandwidth on it
/// (B/s; `u64::MAX` is unlimited).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cost {
    pub latency: u64,
    pub bandwidth: u64,
}

impl Default for Cost {
    /// The empty path.
    fn default() -> Cost {
        Cost {
            latency: 0,
            bandwidth: u64::MAX,
        }
    }
}

impl std::ops::Add for Cost {
    type Output = Cost;
    /// Appending a hop: latencies add, bandwidth is the bottleneck.
    fn add(self, o: Cost) -> Cost {
        Cost {
            latency: self.latency.saturating_add(o.latency),
            bandwidth: self.bandwidth.min(o.bandwidth),
        }
    }
}

impl PartialOrd for Cost {
    fn partial_cmp(&self, o: &Cost) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Ord for Cost {
    fn cmp(&self, o: &Cost) -> Ordering {
        self.latency
            .cmp(&o.latency)
            .then(o.bandwidth.cmp(&self.bandwidth))
    }
}

/// What an edge stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EdgeKind {
    /// Link `index`, in its forward (from → to) or reverse direction.
    Link { index: usize, forward: bool },
    /// A device and one of its Generic Initiator nodes.
    Initiator,
}

pub struct TopologyGraph {
    pub graph: DiGraph<Endpoint, (EdgeKind, Cost)>,
    node_vx: Vec<NodeIndex>,
    device_vx: Vec<NodeIndex>,
}

impl TopologyGraph {
    pub fn new(t: &Topology) -> TopologyGraph {
        let mut graph = DiGraph::with_capacity(t.nodes.len() + t.devices.len(), t.links.len() * 2);
        let node_vx: Vec<NodeIndex> = (0..t.nodes.len())
            .map(|i| graph.add_node(Endpoint::Node(i)))
            .collect();
        let device_vx: Vec<NodeIndex> = (0..t.devices.len())
            .map(|i| graph.add_node(Endpoint::Device(i)))
            .collect();
        let vx = |e: Endpoint| match e {
            Endpoint::Node(n) => node_vx[n],
            Endpoint::Device(d) => device_vx[d],
        };
        let cost = |a: &LinkAttrs| Cost {
            latency: a.latency.value,
            bandwidth: a.bandwidth.as_ref().map_or(u64::MAX, |b| b.value),
        };
        for (index, l) in t.links.iter().enumerate() {
            let (a, b) = (vx(l.from.value), vx(l.to.value));
            graph.add_edge(
                a,
                b,
                (
                    EdgeKind::Link {
                        index,
                        forward: true,
                    },
                    cost(&l.forward),
                ),
            );
            graph.add_edge(
                b,
                a,
                (
                    EdgeKind::Link {
                        index,
                        forward: false,
                    },
                    cost(&l.reverse),
                ),
            );
        }
        for (d, dev) in t.devices.iter().enumerate() {
            for n in &dev.gi_nodes {
                graph.add_edge(
                    device_vx[d],
                    node_vx[n.value],
                    (EdgeKind::Initiator, Cost::default()),
                );
                graph.add_edge(
                    node_vx[n.value],
                    device_vx[d],
                    (EdgeKind::Initiator, Cost::default()),
                );
            }
        }
        TopologyGraph {
            graph,
            node_vx,
            device_vx,
        }
    }

    pub fn vertex(&self, e: Endpoint) -> NodeIndex {
        match e {
            Endpoint::Node(n) => self.node_vx[n],
            Endpoint::Device(d) => self.device_vx[d],
        }
    }

    /// Best path cost from `from` to every node (indexed by `NodeIx`);
    /// `None` where no path exists.
    pub fn costs_from(&self, from: Endpoint) -> Vec<Option<Cost>> {
        // Dijkstra over vectors indexed by vertex: petgraph's version keeps
        // its scores in a HashMap, which dominated `derive` for large
        // machines (one run per node, so n runs).
        use petgraph::visit::EdgeRef;
        use std::cmp::Reverse;
        let n = self.graph.node_count();
        let mut best: Vec<Option<Cost>> = vec![None; n];
        let mut done = vec![false; n];
        let mut heap = std::collections::BinaryHeap::new();
        let start = self.vertex(from).index();
        best[start] = Some(Cost::default());
        heap.push(Reverse((Cost::default(), start)));
        while let Some(Reverse((cost, v))) = heap.pop() {
            if std::mem::replace(&mut done[v], true) {
                continue;
            }
            for e in self.graph.edges(NodeIndex::new(v)) {
                let w = e.target().index();
                let next = cost + e.weight().1;
                if !done[w] && best[w].is_none_or(|b| next < b) {
                    best[w] = Some(next);
                    heap.push(Reverse((next, w)));
                }
            }
        }
        self.node_vx.iter().map(|v| best[v.index()]).collect()
    }

    /// All-pairs best path costs between nodes: `[from][to]`.
    ///
    /// One Dijkstra per node, except for leaves: a node whose only edge
    /// leads to a vertex with other neighbours (a memory-only node hanging
    /// off its socket, a Generic Initiator node of a device) reaches
    /// everything through that edge, so its row is the edge plus its
    /// neighbour's row. Appending a hop is monotone in [`Cost`]'s order, so
    /// the best costs are exactly Dijkstra's; large machines are mostly
    /// leaves, and this halves `derive` for them.
    pub fn node_costs(&self) -> Vec<Vec<Option<Cost>>> {
        let n = self.node_vx.len();
        let mut rows: Vec<Option<Vec<Option<Cost>>>> = vec![None; n];
        let mut leaves = Vec::new();
        for (i, row) in rows.iter_mut().enumerate() {
            match self.leaf_edge(self.node_vx[i]) {
                Some(edge) => leaves.push((i, edge)),
                None => *row = Some(self.costs_from(Endpoint::Node(i))),
            }
        }
        let mut device_rows: std::collections::BTreeMap<NodeIndex, Vec<Option<Cost>>> =
            std::collections::BTreeMap::new();
        for (i, (to, cost)) in leaves {
            let via = match self.graph[to] {
                Endpoint::Node(p) => rows[p].as_ref(),
                Endpoint::Device(_) => None,
            };
            let via = match via {
                Some(r) => r,
                // A device: its row is computed once, for all its leaves.
                None => device_rows
                    .entry(to)
                    .or_insert_with(|| self.costs_from(self.graph[to])),
            };
            let mut row: Vec<Option<Cost>> = via.iter().map(|c| c.map(|c| cost + c)).collect();
            row[i] = Some(Cost::default());
            rows[i] = Some(row);
        }
        rows.into_iter().map(Option::unwrap_or_default).collect()
    }

    /// The one edge out of a leaf vertex `v`: `v` has exactly one outgoing
    /// and one incoming edge, both to the same neighbour, and that neighbour
    /// is not itself a leaf (two leaves of each other would wait on each
    /// other).
    fn leaf_edge(&self, v: NodeIndex) -> Option<(NodeIndex, Cost)> {
        use petgraph::Direction::{Incoming, Outgoing};
        use petgraph::visit::EdgeRef;
        let mut out = self.graph.edges_directed(v, Outgoing);
        let e = out.next()?;
        if out.next().is_some() {
            return None;
        }
        let mut inc = self.graph.edges_directed(v, Incoming);
        let back = inc.next()?;
        if inc.next().is_some() || back.source() != e.target() || e.target() == v {
            return None;
        }
        let to = e.target();
        let neighbours = self
            .graph
            .neighbors_undirected(to)
            .filter(|&w| w != v)
            .count();
        (neighbours > 0).then_some((to, e.weight().1))
    }

    /// Whether the endpoint has any edge at all.
    pub fn is_isolated(&self, e: Endpoint) -> bool {
        self.graph
            .neighbors_undirected(self.vertex(e))
            .next()
            .is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_order_prefers_low_latency_then_high_bandwidth() {
        let a = Cost {
            latency: 10,
            bandwidth: 5,
        };
        let b = Cost {
            latency: 10,
            bandwidth: 9,
        };
        let c = Cost {
            latency: 20,
            bandwidth: 100,
        };
        assert!(b < a);
        assert!(a < c);
        assert_eq!((a + c).latency, 30);
        assert_eq!((a + c).bandwidth, 5);
        assert_eq!(Cost::default() + a, a);
    }
}
