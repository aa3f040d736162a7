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
