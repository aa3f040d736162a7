//! What libvirt makes of a topology: which nodes its domain XML carries as
//! `<cell>`s, what its `<interconnects>` can say, the initiator libvirt
//! gives every cell, and so the HMAT the guest gets.
//!
//! libvirt starts QEMU, so addresses, the E820 map and the SRAT are QEMU's
//! ([`super::qemu`]); only the NUMA arguments differ from topoc's own QEMU
//! line. libvirt's rules, as measured with 11.3 and read in
//! `libvirt/libvirt:src/conf/numa_conf.c` (`../shared/reference/libvirt.md`
//! §5):
//!
//! - cells are numbered 0..k-1; a cell has CPUs, memory or both;
//! - `<interconnects>` takes only initiators with CPUs ("NUMA nodes without
//!   CPUs can't be initiator") and only one direction of each pair, across
//!   data types ("Link already defined");
//! - every cell gets `initiator=` once there are interconnects: a cell with
//!   CPUs is its own, a CPU-less cell gets the initiator of its lowest
//!   latency (first in document order on a tie), else of its highest
//!   bandwidth, else the first cell with CPUs (`virDomainNumaGetNodeInitiator`);
//! - bandwidth reaches QEMU in whole KiB/s, rounded up.
//!
//! What the XML cannot carry goes to [`Plan::passthrough_nodes`] and
//! [`Plan::passthrough_lb`] (the `<qemu:commandline>` form measured in the
//! guest, §6) or to [`Plan::dropped`]; the check stage refuses each, or warns
//! with the fallback. The plan is total: it never fails.

use crate::model::derive::{Derived, HmatData};
use crate::model::{DataType, NodeIx, Topology};
use crate::units::KIB;

/// One HMAT value as a `<latency>`/`<bandwidth>` element or `-numa hmat-lb`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lb {
    pub initiator: NodeIx,
    pub target: NodeIx,
    pub data_type: DataType,
    /// ps for latencies; B/s for bandwidths, already rounded up to whole
    /// KiB/s where libvirt carries it.
    pub value: u64,
}

#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Nodes that become `<cell>`s: the nodes with CPUs or memory, by id.
    pub cells: Vec<NodeIx>,
    /// Nodes with neither (Generic Initiator nodes), passed through as
    /// `-numa node` in `<qemu:commandline>`.
    pub passthrough_nodes: Vec<NodeIx>,
    /// Whether QEMU gets `-numa dist` lines: libvirt writes the full matrix
    /// of the cells only when some distance is neither 10 nor 20
    /// (`virDomainNumaNodesDistancesAreBeingSet`), else none and the guest
    /// gets no SLIT; passed-through nodes then carry the whole matrix.
    pub distances: bool,
    /// Whether libvirt itself writes the cells' distances.
    pub cell_distances: bool,
    /// Whether the cells are the ids 0..k-1 and passed-through nodes come
    /// after them, as libvirt's cell numbering and QEMU's node ids require.
    pub ids_fit: bool,
    /// The `<interconnects>`, in document order (which libvirt keeps on the
    /// command line): data type by data type, initiator, then target.
    pub interconnects: Vec<Lb>,
    /// HMAT values from initiators without CPUs, passed through as
    /// `-numa hmat-lb` (in the same order).
    pub passthrough_lb: Vec<Lb>,
    /// Values the XML cannot carry at all: the second direction of a pair.
    pub dropped: Vec<Lb>,
    /// `initiator=` of each node (by index) on libvirt's command line; all
    /// `None` without interconnects.
    pub initiators: Vec<Option<NodeIx>>,
    /// The HMAT the guest gets.
    pub hmat: Option<HmatData>,
    /// The topology has HMAT data but nothing libvirt can write as an
    /// interconnect, so the guest gets no HMAT.
    pub hmat_lost: bool,
}

/// Rounds a bandwidth up to whole KiB/s, as libvirt writes it.
pub fn kib_per_s(bytes_per_s: u64) -> u64 {
    bytes_per_s.div_ceil(KIB)
}

pub fn plan(t: &Topology, derived: &Derived) -> Plan {
    let n = t.nodes.len();
    let cells: Vec<NodeIx> = (0..n)
        .filter(|&i| t.nodes[i].has_cpus() || t.nodes[i].has_memory())
        .collect();
    let passthrough_nodes: Vec<NodeIx> = (0..n).filter(|i| !cells.contains(i)).collect();
    let ids_fit = cells
        .iter()
        .chain(&passthrough_nodes)
        .enumerate()
        .all(|(k, &i)| t.nodes[i].id.value as usize == k);
    let cell_distances = derived.slit.as_ref().is_some_and(|s| {
        cells
            .iter()
            .any(|&i| cells.iter().any(|&j| !matches!(s.matrix[i][j], 10 | 20)))
    });
    let distances = derived.slit.is_some() && (cell_distances || !passthrough_nodes.is_empty());
    let mut plan = Plan {
        distances,
        cell_distances,
        cells,
        passthrough_nodes,
        ids_fit,
        initiators: vec![None; n],
        ..Plan::default()
    };
    let Some(h) = &derived.hmat else {
        return plan;
    };

    // Of the two directions of a pair the XML keeps the one from the lower
    // id; a direction alone is kept.
    let has_any = |i: NodeIx, m: NodeIx| {
        h.tables
            .iter()
            .any(|tb| h.value(tb.data_type, i, m).is_some())
    };
    let cpu = |i: NodeIx| t.nodes[i].has_cpus();
    for table in &h.tables {
        for &i in &h.initiators {
            for &m in &h.targets {
                let Some(v) = h.value(table.data_type, i, m) else {
                    continue;
                };
                let mut lb = Lb {
                    initiator: i,
                    target: m,
                    data_type: table.data_type,
                    value: v.value,
                };
                if !cpu(i) {
                    plan.passthrough_lb.push(lb);
                    continue;
                }
                if !table.data_type.is_latency() {
                    lb.value = kib_per_s(v.value).saturating_mul(KIB);
                }
                // The reverse direction competes only when it would be an
                // interconnect too (its initiator has CPUs and it has memory).
                let reverse = i != m && cpu(m) && t.nodes[i].has_memory() && has_any(m, i);
                if reverse && m < i {
                    plan.dropped.push(lb);
                } else {
                    plan.interconnects.push(lb);
                }
            }
        }
    }

    // Without an interconnect libvirt writes no `hmat=on`, and QEMU takes
    // no `hmat-lb` without it: the guest gets no HMAT at all (T149).
    if plan.interconnects.is_empty() {
        plan.passthrough_lb.clear();
        plan.hmat_lost = true;
        return plan;
    }
    {
        let first_cpu = plan.cells.iter().copied().find(|&c| cpu(c));
        for &c in &plan.cells {
            plan.initiators[c] = if cpu(c) {
                Some(c)
            } else {
                pick_initiator(&plan.interconnects, c).or(first_cpu)
            };
        }
    }

    // The guest's HMAT: the derived one with libvirt's initiators, KiB
    // bandwidths and without what the XML drops. Without interconnects
    // libvirt writes no `hmat=on` and the guest gets no HMAT.
    if !plan.interconnects.is_empty() {
        let mut g = h.clone();
        for (ti, &m) in h.targets.iter().enumerate() {
            g.attached[ti] = plan.initiators[m];
        }
        for table in &mut g.tables {
            for (ii, &i) in h.initiators.iter().enumerate() {
                for (ti, &m) in h.targets.iter().enumerate() {
                    let Some(v) = &mut table.values[ii][ti] else {
                        continue;
                    };
                    let key = |l: &Lb| {
                        l.initiator == i && l.target == m && l.data_type == table.data_type
                    };
                    if let Some(l) = plan.interconnects.iter().find(|l| key(l)) {
                        v.value = l.value;
                    } else if plan.dropped.iter().any(key) {
                        table.values[ii][ti] = None;
                    }
                }
            }
        }
        plan.hmat = Some(g);
    }
    plan
}

/// libvirt's initiator for a CPU-less cell (`virDomainNumaGetNodeInitiator`):
/// lowest latency, else highest bandwidth, first in document order on ties.
fn pick_initiator(interconnects: &[Lb], cell: NodeIx) -> Option<NodeIx> {
    let mut best_latency: Option<(u64, NodeIx)> = None;
    let mut best_bandwidth: Option<(u64, NodeIx)> = None;
    for l in interconnects.iter().filter(|l| l.target == cell) {
        if l.data_type.is_latency() {
            if best_latency.is_none_or(|(v, _)| l.value < v) {
                best_latency = Some((l.value, l.initiator));
            }
        } else if best_bandwidth.is_none_or(|(v, _)| l.value > v) {
            best_bandwidth = Some((l.value, l.initiator));
        }
    }
    best_latency.or(best_bandwidth).map(|(_, i)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lb(initiator: NodeIx, target: NodeIx, data_type: DataType, value: u64) -> Lb {
        Lb {
            initiator,
            target,
            data_type,
            value,
        }
    }

    #[test]
    fn initiator_choice_follows_libvirt() {
        use DataType::*;
        // Lowest latency wins; a tie goes to the first in document order.
        let l = [
            lb(0, 2, AccessLatency, 40),
            lb(1, 2, AccessLatency, 40),
            lb(1, 2, AccessBandwidth, 900),
        ];
        assert_eq!(pick_initiator(&l, 2), Some(0));
        // Without latencies, the highest bandwidth.
        let l = [lb(0, 2, AccessBandwidth, 5), lb(1, 2, AccessBandwidth, 9)];
        assert_eq!(pick_initiator(&l, 2), Some(1));
        assert_eq!(pick_initiator(&l, 3), None);
    }

    #[test]
    fn bandwidth_rounds_up_to_kib() {
        assert_eq!(kib_per_s(1_500_000_000), 1_464_844);
        assert_eq!(kib_per_s(200 * crate::units::GIB), 209_715_200);
    }
}
