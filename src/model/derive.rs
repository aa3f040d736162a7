//! SLIT distances and HMAT values: explicit ones, and the ones the link graph
//! implies. Explicit values always win.
//!
//! ## Distances
//! `d(i,i) = 10`. For i ≠ j without an explicit value, with `P` the latency
//! of the best path from i to j and `R` the reference latency
//! (`distances.reference-latency`, else 100 ns):
//!
//! `d(i,j) = round(10 × (R + P) / R)`, at least 11,
//!
//! so a link that adds R to an access doubles the distance (20). `R` is one
//! number for the whole machine and comes from the file or the default, never
//! from the nodes: a distance depends only on the path between its two nodes,
//! so adding or removing another node changes it only through a new best
//! path. Memory latencies are the HMAT's business and do not enter distances.
//! Latencies in the ratios of a vendor table give that table: with R = 100 ns,
//! paths of 20, 110 and 220 ns give 12, 21 and 32.
//!
//! A distance below 11 is raised to 11 (Linux ignores a SLIT with a remote
//! distance of 10); where links drove it there, the check stage says so
//! (T055). The Generic Initiator nodes of one device are one place (the
//! device joins them at no cost), so 11 between them is by design. Pairs with
//! no path get 255 ("unreachable"). There is a SLIT when the machine has at
//! least two nodes and at least one link or explicit distance.
//!
//! ## HMAT
//! Initiators are nodes with CPUs or Generic Initiators; targets are nodes
//! with memory. For initiator I and target T without an explicit value:
//! - latency = P(I,T) + T's `memory.latency` (needs the memory latency);
//! - bandwidth = min(T's `memory.bandwidth`, the lowest link bandwidth on the
//!   best path).
//!
//! Read and write values are only ever explicit. The attached initiator of a
//! memory node is its `initiator`, or the node itself when it has CPUs.

use super::graph::{Cost, TopologyGraph};
use super::ir::*;
use crate::source::Span;
use crate::units::{GIB, MIB};
use std::collections::BTreeMap;

/// 100 ns, the reference latency when nothing better is known.
pub const DEFAULT_REFERENCE_LATENCY: u64 = 100_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The diagonal of the SLIT.
    Local,
    /// Written in the file, at this span.
    Explicit(Span),
    /// Computed from the link graph (and memory attributes).
    Derived,
    /// No path: SLIT 255.
    Unreachable,
}

#[derive(Clone, Debug)]
pub struct Slit {
    /// `[from][to]`, indexed by `NodeIx`.
    pub matrix: Vec<Vec<u8>>,
    pub origin: Vec<Vec<Origin>>,
}

impl Slit {
    pub fn is_symmetric(&self) -> bool {
        let n = self.matrix.len();
        (0..n).all(|i| (0..n).all(|j| self.matrix[i][j] == self.matrix[j][i]))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HmatValue {
    /// ps for latencies, B/s for bandwidths.
    pub value: u64,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct HmatTable {
    pub data_type: DataType,
    /// `[initiator position][target position]`.
    pub values: Vec<Vec<Option<HmatValue>>>,
}

#[derive(Clone, Debug)]
pub struct HmatData {
    /// Initiator nodes, ascending id.
    pub initiators: Vec<NodeIx>,
    /// Memory nodes, ascending id.
    pub targets: Vec<NodeIx>,
    /// Attached initiator of each target (Memory Proximity Domain Attributes).
    pub attached: Vec<Option<NodeIx>>,
    /// One table per data type that has at least one value, in type order.
    pub tables: Vec<HmatTable>,
    /// Position in `initiators` and in `targets` of each node (by
    /// `NodeIx`), so [`HmatData::value`] is O(1): rules and emitters ask
    /// for every pair, and a linear search made that cubic in the nodes.
    initiator_pos: Vec<Option<usize>>,
    target_pos: Vec<Option<usize>>,
}

impl HmatData {
    pub fn table(&self, t: DataType) -> Option<&HmatTable> {
        self.tables.iter().find(|x| x.data_type == t)
    }

    /// The value for a pair, by node index.
    pub fn value(&self, t: DataType, initiator: NodeIx, target: NodeIx) -> Option<HmatValue> {
        let i = (*self.initiator_pos.get(initiator)?)?;
        let j = (*self.target_pos.get(target)?)?;
        self.table(t)?.values[i][j]
    }
}

#[derive(Clone, Debug)]
pub struct Derived {
    /// R in the distance formula, ps.
    pub reference_latency: u64,
    /// Best path between nodes, `[from][to]`.
    pub costs: Vec<Vec<Option<Cost>>>,
    pub slit: Option<Slit>,
    pub hmat: Option<HmatData>,
}

/// Whether the topology carries HMAT data (or asks for an HMAT).
pub fn wants_hmat(t: &Topology) -> bool {
    if let Some(h) = &t.machine.hmat {
        return h.value;
    }
    // An attached initiator is HMAT data too (its Memory Proximity Domain
    // Attributes), and QEMU takes `initiator=` only with `hmat=on`.
    !t.hmat.is_empty()
        || t.nodes.iter().any(|n| n.initiator.is_some())
        || t.nodes
            .iter()
            .filter_map(|n| n.memory.as_ref())
            .any(|m| m.latency.is_some() || m.bandwidth.is_some() || !m.caches.is_empty())
}

/// `R`: the file's `distances.reference-latency`, else 100 ns. Never taken
/// from the nodes, so that no node can move the distances of others.
pub fn reference_latency(t: &Topology) -> u64 {
    t.distances
        .reference_latency
        .as_ref()
        .map_or(DEFAULT_REFERENCE_LATENCY, |r| r.value.max(1))
}

/// `round(10 × (R + P) / R)`, at least 11, saturating at 255 (which the check
/// stage reports when the pair is reachable).
pub fn distance_for(path_latency: u64, reference: u64) -> u8 {
    let r = u128::from(reference.max(1));
    let p = u128::from(path_latency);
    let d = (20 * (r + p) + r) / (2 * r);
    d.clamp(11, 255) as u8
}

pub fn derive(t: &Topology, g: &TopologyGraph) -> Derived {
    let costs = g.node_costs();
    let reference = reference_latency(t);
    let n = t.nodes.len();
    let slit = (n >= 2 && (!t.links.is_empty() || !t.distances.pairs.is_empty())).then(|| {
        let mut matrix = vec![vec![0u8; n]; n];
        let mut origin = vec![vec![Origin::Unreachable; n]; n];
        for i in 0..n {
            for j in 0..n {
                (matrix[i][j], origin[i][j]) = if i == j {
                    (10, Origin::Local)
                } else {
                    match costs[i][j] {
                        Some(c) => (distance_for(c.latency, reference), Origin::Derived),
                        None => (255, Origin::Unreachable),
                    }
                };
            }
        }
        let symmetric = !t.distances.asymmetric.as_ref().is_some_and(|a| a.value);
        let written: std::collections::BTreeSet<(NodeIx, NodeIx)> = t
            .distances
            .pairs
            .iter()
            .map(|q| (q.from.value, q.to.value))
            .collect();
        for p in &t.distances.pairs {
            let (a, b) = (p.from.value, p.to.value);
            matrix[a][b] = p.value.value;
            origin[a][b] = Origin::Explicit(p.span);
            if symmetric && a != b {
                // The reverse direction follows unless it is written too.
                if !written.contains(&(b, a)) {
                    matrix[b][a] = p.value.value;
                    origin[b][a] = Origin::Explicit(p.span);
                }
            }
        }
        Slit { matrix, origin }
    });

    let hmat = wants_hmat(t).then(|| derive_hmat(t, &costs));
    Derived {
        reference_latency: reference,
        costs,
        slit,
        hmat,
    }
}

fn derive_hmat(t: &Topology, costs: &[Vec<Option<Cost>>]) -> HmatData {
    let initiators = t.initiators();
    let targets = t.memory_nodes();
    let attached = targets
        .iter()
        .map(|&m| {
            let node = &t.nodes[m];
            node.initiator
                .as_ref()
                .map(|i| i.value)
                .or(node.has_cpus().then_some(m))
        })
        .collect();
    // Explicit values by (initiator, target, type); a later entry wins.
    let mut explicit_values: BTreeMap<(NodeIx, NodeIx, usize), (u64, Span)> = BTreeMap::new();
    for e in &t.hmat {
        for (k, v) in e.values.iter().enumerate() {
            if let Some(v) = v {
                explicit_values.insert((e.initiator.value, e.target.value, k), (v.value, e.span));
            }
        }
    }
    let mut tables = Vec::new();
    for dt in DataType::ALL {
        // Only access latency and bandwidth are ever derived; the other
        // types exist only where an entry gives them. Skipping those saves
        // allocating (and dropping) four initiator × target tables.
        let derivable = matches!(dt, DataType::AccessLatency | DataType::AccessBandwidth);
        if !derivable && !t.hmat.iter().any(|e| e.values[dt as usize].is_some()) {
            continue;
        }
        let mut values = vec![vec![None; targets.len()]; initiators.len()];
        let mut any = false;
        for (ii, &i) in initiators.iter().enumerate() {
            for (ti, &m) in targets.iter().enumerate() {
                let explicit = explicit_values.get(&(i, m, dt as usize)).copied();
                let v = match explicit {
                    Some((value, span)) => Some(HmatValue {
                        value,
                        origin: Origin::Explicit(span),
                    }),
                    None => derived_value(t, costs, dt, i, m),
                };
                any |= v.is_some();
                values[ii][ti] = v;
            }
        }
        if any {
            tables.push(HmatTable {
                data_type: dt,
                values,
            });
        }
    }
    let positions = |nodes: &[NodeIx]| {
        let mut pos = vec![None; t.nodes.len()];
        for (k, &n) in nodes.iter().enumerate() {
            pos[n] = Some(k);
        }
        pos
    };
    HmatData {
        initiator_pos: positions(&initiators),
        target_pos: positions(&targets),
        initiators,
        targets,
        attached,
        tables,
    }
}

fn derived_value(
    t: &Topology,
    costs: &[Vec<Option<Cost>>],
    dt: DataType,
    i: NodeIx,
    m: NodeIx,
) -> Option<HmatValue> {
    let mem = t.nodes[m].memory.as_ref()?;
    let path = if i == m {
        Cost::default()
    } else {
        costs[i][m]?
    };
    let value = match dt {
        DataType::AccessLatency => path.latency.checked_add(mem.latency.as_ref()?.value)?,
        DataType::AccessBandwidth => {
            let bw = mem
                .bandwidth
                .as_ref()
                .map_or(u64::MAX, |b| b.value)
                .min(path.bandwidth);
            if bw == u64::MAX {
                return None;
            }
            bw
        }
        _ => return None,
    };
    Some(HmatValue {
        value,
        origin: Origin::Derived,
    })
}

/// HMAT's bandwidth unit as QEMU and Linux use it: MiB/s (the ACPI text says
/// "MB/s"; QEMU divides bytes/s by 2^20 and Linux's sysfs documents MiB/s).
pub const HMAT_BANDWIDTH_UNIT: u64 = MIB;

/// Largest guest physical address the default x86 CPU model can reach
/// (40 bits), used by the checker as the address-width limit.
pub const QEMU64_PHYS_LIMIT: u64 = 1024 * GIB;

#[cfg(test)]
mod tests {
    use super::*;

    fn slit_of(name: &str, text: &str) -> Vec<Vec<u8>> {
        let src = crate::source::SourceFile::new(name, text);
        let c = crate::pipeline::compile(&src, &crate::pipeline::Options::default())
            .unwrap_or_else(|d| panic!("{name}: {} findings", d.len()));
        c.derived
            .slit
            .unwrap_or_else(|| panic!("{name} has no SLIT"))
            .matrix
    }

    /// The vendor tables of the book's derivation chapter.
    #[test]
    fn vendor_tables_come_out_of_ratio_latencies() {
        let ring = slit_of(
            "slit-4s-ring.toml",
            include_str!("../../book/src/reference/slit-4s-ring.toml"),
        );
        assert_eq!(
            ring,
            [
                [10, 21, 32, 21],
                [21, 10, 21, 32],
                [32, 21, 10, 21],
                [21, 32, 21, 10]
            ]
        );
        let nps2 = slit_of(
            "slit-2s-nps2.toml",
            include_str!("../../book/src/reference/slit-2s-nps2.toml"),
        );
        assert_eq!(
            nps2,
            [
                [10, 12, 32, 32],
                [12, 10, 32, 32],
                [32, 32, 10, 12],
                [32, 32, 12, 10]
            ]
        );
    }

    #[test]
    fn distance_formula() {
        // R = 100 ns: a 100 ns path doubles the distance.
        assert_eq!(distance_for(100_000, 100_000), 20);
        assert_eq!(distance_for(110_000, 100_000), 21);
        assert_eq!(distance_for(0, 100_000), 11, "never 10 off the diagonal");
        assert_eq!(distance_for(4_000, 100_000), 11);
        assert_eq!(distance_for(15_000, 100_000), 12, "11.5 rounds up");
        assert_eq!(distance_for(u64::MAX, 1), 255);
    }
}
