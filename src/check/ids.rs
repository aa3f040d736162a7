//! Identity rules that hold for every target.

use super::Context;
use crate::diag::{Diagnostic, codes};
use crate::linux::numa::MAX_NUMNODES as GUEST_MAX_NUMNODES;

/// T013: a node id the guest kernel cannot map to a node.
///
/// Linux maps each SRAT proximity domain to a node with
/// `acpi_map_pxm_to_node()`, which fails for a domain at or above
/// `MAX_PXM_DOMAINS` or once every one of `MAX_NUMNODES` nodes is taken;
/// the SRAT parser then prints "SRAT: Too many proximity domains." and
/// discards the whole SRAT. With unique ids below the limit there cannot be
/// more domains than nodes, so the id is the one thing to judge.
pub fn pxm_beyond_guest(cx: &Context, out: &mut Vec<Diagnostic>) {
    for n in &cx.topo.nodes {
        let id = n.id.value;
        if id < GUEST_MAX_NUMNODES {
            continue;
        }
        let mut d = Diagnostic::new(
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
        ));
        if cx.target.qemu().is_some() {
            d = d.help(format!(
                "number nodes from 0 to {} at most: QEMU takes no more (\"Max number of NUMA nodes reached\")",
                super::qemu::MAX_NODES - 1
            ));
        }
        out.push(d);
    }
}
