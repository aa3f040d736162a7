//! SLIT rules: Linux throws the whole SLIT away for one bad value
//! (`slit_valid()`: a diagonal other than 10 or an off-diagonal of 10 or
//! less), so every value must be right.

use super::Context;
use crate::diag::{Diagnostic, codes};
use crate::model::derive::Origin;
use crate::units::fmt_latency;

/// T050: an explicit distance from a node to itself other than 10.
pub fn local_distance(cx: &Context, out: &mut Vec<Diagnostic>) {
    for p in &cx.topo.distances.pairs {
        if p.from.value == p.to.value && p.value.value != 10 {
            out.push(
                Diagnostic::new(&codes::T050, format!("the distance from {} to itself is {}, not 10", cx.node_label(p.from.value), p.value.value), p.value.span, "must be 10")
                    .help("remove this pair: a node's distance to itself is always 10")
                    .note("Linux ignores the whole SLIT (\"SLIT table looks invalid. Not used.\"); QEMU refuses (\"Local distance of node N should be 10\")"),
            );
        }
    }
}

/// T051: an off-diagonal distance of 10 or less, or above 254.
pub fn distance_range(cx: &Context, out: &mut Vec<Diagnostic>) {
    for p in &cx.topo.distances.pairs {
        let v = p.value.value;
        if p.from.value != p.to.value && (v <= 10 || v > 254) {
            out.push(
                Diagnostic::new(
                    &codes::T051,
                    format!(
                        "the distance from {} to {} is {v}, outside 11..=254",
                        cx.node_label(p.from.value),
                        cx.node_label(p.to.value)
                    ),
                    p.value.span,
                    "out of range",
                )
                .help(if v <= 10 {
                    "remote distances must be more than 10 (local); 20 is the usual default"
                } else {
                    "use at most 254; 255 means unreachable"
                })
                .note("Linux ignores the whole SLIT when any remote distance is 10 or less"),
            );
        }
    }
    let Some(slit) = &cx.derived.slit else { return };
    let n = slit.matrix.len();
    for i in 0..n {
        for j in 0..n {
            if i != j && slit.origin[i][j] == Origin::Derived && slit.matrix[i][j] == 255 {
                let lat = cx.derived.costs[i][j].map_or(0, |c| c.latency);
                out.push(
                    Diagnostic::new(
                        &codes::T051,
                        format!(
                            "the derived distance from {} to {} exceeds 254 (path latency {} against the reference {})",
                            cx.node_label(i),
                            cx.node_label(j),
                            fmt_latency(lat),
                            fmt_latency(cx.derived.reference_latency)
                        ),
                        cx.topo.nodes[i].id.span,
                        "from this node",
                    )
                    .help("raise `distances.reference-latency`, or give this pair an explicit distance"),
                );
            }
        }
    }
}

/// T052: distances that differ by direction when the file does not say the
/// SLIT is asymmetric.
pub fn asymmetric(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(slit) = &cx.derived.slit else { return };
    if cx
        .topo
        .distances
        .asymmetric
        .as_ref()
        .is_some_and(|a| a.value)
    {
        return;
    }
    let n = slit.matrix.len();
    for i in 0..n {
        for j in (i + 1)..n {
            let (a, b) = (slit.matrix[i][j], slit.matrix[j][i]);
            if a == b {
                continue;
            }
            let span_of = |o: Origin| match o {
                Origin::Explicit(s) => Some(s),
                _ => None,
            };
            let (si, sj) = (span_of(slit.origin[i][j]), span_of(slit.origin[j][i]));
            let primary = sj.or(si).unwrap_or(cx.topo.nodes[j].id.span);
            let mut d = Diagnostic::new(
                &codes::T052,
                format!(
                    "the distance from {} to {} is {a} but back is {b}",
                    cx.node_label(i),
                    cx.node_label(j)
                ),
                primary,
                format!("{b} here"),
            );
            if let (Some(s), true) = (si, si != sj) {
                d = d.label(s, format!("{a} here"));
            }
            for l in cx.topo.links.iter().filter(|l| l.is_asymmetric()) {
                d = d.label(l.span, "asymmetric link");
            }
            out.push(
                d.help("set `distances.asymmetric = true` if the machine really is asymmetric, or make both directions equal")
                    .note("QEMU then needs every pair in both directions; cloud-hypervisor cannot express asymmetric distances"),
            );
        }
    }
}

/// T053: node pairs with no path between them.
pub fn unreachable(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(slit) = &cx.derived.slit else { return };
    let n = slit.matrix.len();
    for i in 0..n {
        let targets: Vec<String> = (0..n)
            .filter(|&j| {
                j != i
                    && slit.origin[i][j] == Origin::Unreachable
                    && (i < j || slit.origin[j][i] != Origin::Unreachable)
            })
            .map(|j| cx.node_label(j))
            .collect();
        if targets.is_empty() {
            continue;
        }
        out.push(
            Diagnostic::new(
                &codes::T053,
                format!(
                    "no link path from {} to {}; the SLIT says 255 (unreachable)",
                    cx.node_label(i),
                    targets.join(", ")
                ),
                cx.topo.nodes[i].id.span,
                "this node",
            )
            .help("add a `[[link]]` that connects them, or give the pair an explicit distance"),
        );
    }
}
