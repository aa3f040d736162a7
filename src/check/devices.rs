//! Device rules.

use super::Context;
use crate::diag::{Diagnostic, codes};

/// T072: a device that lists one Generic Initiator node twice.
pub fn initiator_node_twice(cx: &Context, out: &mut Vec<Diagnostic>) {
    for d in &cx.topo.devices {
        for (k, n) in d.gi_nodes.iter().enumerate() {
            if let Some(first) = d.gi_nodes[..k].iter().find(|m| m.value == n.value) {
                out.push(
                    Diagnostic::new(&codes::T072, format!("device \"{}\" lists {} twice", d.name.value, cx.node_label(n.value)), n.span, "again")
                        .label(first.span, "first here")
                        .help("list each Generic Initiator node once")
                        .note("each entry becomes one SRAT Generic Initiator structure; a duplicate describes the device twice"),
                );
            }
        }
    }
}

/// T073: a GPU whose HBM node has no link path to any CPU node.
pub fn gpu_hbm_no_cpu_path(cx: &Context, out: &mut Vec<Diagnostic>) {
    let comps = super::graph::Components::new(cx.topo);
    for (d, m, link) in super::graph::isolated_hbm(cx, &comps) {
        let dev = &cx.topo.devices[d];
        let hbm = &cx.topo.nodes[m];
        out.push(
            Diagnostic::new(
                &codes::T073,
                format!(
                    "GPU \"{}\" reaches its HBM {} but no link path joins that memory to a node with CPUs",
                    dev.name.value,
                    hbm.label()
                ),
                hbm.id.span,
                "HBM no CPU reaches",
            )
            .label(link, "the GPU's link to its HBM")
            .label(dev.name.span, "the GPU")
            .help("add a `[[link]]` from a CPU node to the HBM node or to the GPU (e.g. kind = \"nvlink-c2c\" or \"pcie\"), or give the CPU-HBM pairs explicit distances")
            .note("the CPUs' SLIT distance to this memory would be 255 and the HMAT would carry no CPU latency or bandwidth for it; QEMU and Linux accept that, and the guest's CPUs allocate from it like from any other node"),
        );
    }
}
