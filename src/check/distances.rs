//! SLIT rules: Linux throws the whole SLIT away for one bad value
//! (`slit_valid()`: a diagonal other than 10 or an off-diagonal of 10 or
//! less), so every value must be right.

use super::Context;
use crate::diag::{Diagnostic, codes};
use crate::model::derive::Origin;
use crate::source::Span;
use crate::units::fmt_latency;
use std::collections::BTreeMap;

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

/// T051: an off-diagonal distance of 10 or less (one finding per explicit
/// pair), or derived ones above 254 (one finding per node they start from).
/// An explicit 255 is the SLIT's "unreachable", which QEMU and Linux take.
pub fn distance_range(cx: &Context, out: &mut Vec<Diagnostic>) {
    for p in &cx.topo.distances.pairs {
        let v = p.value.value;
        if p.from.value != p.to.value && v <= 10 {
            out.push(
                Diagnostic::new(
                    &codes::T051,
                    format!(
                        "the distance from {} to {} is {v}, not more than the local 10",
                        cx.node_label(p.from.value),
                        cx.node_label(p.to.value)
                    ),
                    p.value.span,
                    "out of range",
                )
                .help("remote distances must be more than 10 (local); 20 is the usual default, 255 means unreachable")
                .note("Linux ignores the whole SLIT when any remote distance is 10 or less"),
            );
        }
    }
    // Derived distances: one finding per node, naming every node too far
    // from it, so a long chain gives one finding per node and not one per
    // pair (a 1,024-node chain had a million).
    let Some(slit) = &cx.derived.slit else { return };
    let n = slit.matrix.len();
    let latency = |i: usize, j: usize| cx.derived.costs[i][j].map_or(0, |c| c.latency);
    let reference = fmt_latency(cx.derived.reference_latency);
    for i in 0..n {
        let far: Vec<usize> = (0..n)
            .filter(|&j| i != j && slit.origin[i][j] == Origin::Derived && slit.matrix[i][j] == 255)
            .collect();
        let message = match far.as_slice() {
            [] => continue,
            &[j] => format!(
                "the derived distance from {} to {} exceeds 254 (path latency {} against the reference {reference})",
                cx.node_label(i),
                cx.node_label(j),
                fmt_latency(latency(i, j)),
            ),
            _ => {
                let mut list: Vec<String> = far
                    .iter()
                    .take(3)
                    .map(|&j| format!("{} ({})", cx.node_label(j), fmt_latency(latency(i, j))))
                    .collect();
                if far.len() > 3 {
                    list.push(format!("and {} more", far.len() - 3));
                }
                format!(
                    "the derived distances from {} to {} nodes exceed 254 (path latencies against the reference {reference}): {}",
                    cx.node_label(i),
                    far.len(),
                    list.join(", ")
                )
            }
        };
        out.push(
            Diagnostic::new(
                &codes::T051,
                message,
                cx.topo.nodes[i].id.span,
                "from this node",
            )
            .help(if far.len() == 1 {
                "raise `distances.reference-latency`, or give this pair an explicit distance"
            } else {
                "raise `distances.reference-latency`, or give these pairs explicit distances"
            }),
        );
    }
}

/// T055: derived distances that the floor of 11 raised: paths shorter than
/// R/20 round to 10 or less, which Linux refuses off the diagonal. A zero
/// latency link, or a reference latency far above the links', puts them
/// there. The Generic Initiator nodes of one device are one place by design
/// and are not reported.
pub fn distance_floor(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(slit) = &cx.derived.slit else { return };
    let r = cx.derived.reference_latency;
    let t = cx.topo;
    let n = slit.matrix.len();
    let symmetric = slit.is_symmetric();
    let one_place = |i: usize, j: usize| {
        t.nodes[i]
            .gi_devices
            .iter()
            .any(|d| t.nodes[j].gi_devices.contains(d))
    };
    let mut pairs: Vec<(usize, usize, u64)> = Vec::new();
    for i in 0..n {
        for j in 0..n {
            if i == j || (symmetric && j < i) || slit.origin[i][j] != Origin::Derived {
                continue;
            }
            let Some(c) = cx.derived.costs[i][j] else {
                continue;
            };
            // round(10 × (R + P) / R) ≤ 10 exactly when 20 × P < R.
            if u128::from(c.latency) * 20 >= u128::from(r) {
                continue;
            }
            if c.latency == 0 && one_place(i, j) {
                continue;
            }
            pairs.push((i, j, c.latency));
        }
    }
    let Some(&(i0, j0, p0)) = pairs.first() else {
        return;
    };
    let floor = r / 20;
    let short: Vec<&crate::model::Link> = t
        .links
        .iter()
        .filter(|l| {
            u128::from(l.forward.latency.value) * 20 < u128::from(r)
                || u128::from(l.reverse.latency.value) * 20 < u128::from(r)
        })
        .collect();
    let arrow = if symmetric { "↔" } else { "→" };
    let mut list: Vec<String> = pairs
        .iter()
        .take(4)
        .map(|&(i, j, p)| {
            format!(
                "{} {arrow} {} ({})",
                cx.node_label(i),
                cx.node_label(j),
                fmt_latency(p)
            )
        })
        .collect();
    if pairs.len() > 4 {
        list.push(format!("and {} more", pairs.len() - 4));
    }
    let reference = t.distances.reference_latency.as_ref();
    let mut d = match (short.first(), reference) {
        (Some(l), _) => Diagnostic::new(
            &codes::T055,
            format!(
                "{} derived distance{} below 11 and raised to 11: {}",
                pairs.len(),
                if pairs.len() == 1 { " is" } else { "s are" },
                list.join(", ")
            ),
            l.forward.latency.span,
            format!(
                "{} is less than R/20 = {}",
                fmt_latency(l.forward.latency.value),
                fmt_latency(floor)
            ),
        ),
        (None, Some(rs)) => Diagnostic::new(
            &codes::T055,
            format!(
                "{} derived distance{} below 11 and raised to 11: {}",
                pairs.len(),
                if pairs.len() == 1 { " is" } else { "s are" },
                list.join(", ")
            ),
            rs.span,
            format!("paths under {} round to 10", fmt_latency(floor)),
        ),
        (None, None) => Diagnostic::new(
            &codes::T055,
            format!(
                "{} derived distance{} below 11 and raised to 11: {}",
                pairs.len(),
                if pairs.len() == 1 { " is" } else { "s are" },
                list.join(", ")
            ),
            t.nodes[i0].id.span,
            format!(
                "{} from {} is under {}",
                fmt_latency(p0),
                cx.node_label(j0),
                fmt_latency(floor)
            ),
        ),
    };
    for l in short.iter().skip(1).take(3) {
        d = d.label(l.forward.latency.span, "also under R/20");
    }
    if let (Some(rs), false) = (reference, short.is_empty()) {
        d = d.label(rs.span, "the reference latency R");
    }
    out.push(
        d.help("give every link its real latency (a link of 0 ns makes its two ends one place), or give these pairs explicit distances")
            .note(format!("distances are round(10 × (R + P) / R) with R = {}: a path P under R/20 gives 10, which Linux refuses off the diagonal (\"SLIT table looks invalid\"), so topoc writes 11 and the guest cannot tell these nodes apart from one place", fmt_latency(r))),
    );
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
    // Islands T080, T073 and T081 explain are theirs.
    let explained = super::graph::explained_islands(cx);
    let n = slit.matrix.len();
    for i in 0..n {
        if explained[i] {
            continue;
        }
        let far: Vec<usize> = (0..n)
            .filter(|&j| {
                j != i
                    && !explained[j]
                    && slit.origin[i][j] == Origin::Unreachable
                    && (i < j || slit.origin[j][i] != Origin::Unreachable)
            })
            .collect();
        if far.is_empty() {
            continue;
        }
        let targets: Vec<String> = far.iter().map(|&j| cx.node_label(j)).collect();
        let mut d = Diagnostic::new(
            &codes::T053,
            format!(
                "no link path from {} to {}; the SLIT says 255 (unreachable)",
                cx.node_label(i),
                targets.join(", ")
            ),
            cx.topo.nodes[i].id.span,
            "this node",
        );
        // Both ends: the link to add may start at either.
        for &j in far.iter().take(4) {
            d = d.label(cx.topo.nodes[j].id.span, "no path to here");
        }
        out.push(
            d.help("add a `[[link]]` that connects them, or give the pair an explicit distance"),
        );
    }
}

/// One triangle: the distance i→k against the route i→j→k.
#[derive(Clone, Copy)]
struct Triangle {
    i: usize,
    j: usize,
    k: usize,
    /// How far d(i,k) exceeds d(i,j) + d(j,k) − 10.
    excess: u32,
}

/// T054: an explicit distance that, with the distances derived from links,
/// breaks the triangle inequality: d(i,k) − 10 > (d(i,j) − 10) + (d(j,k) − 10)
/// by more than rounding can explain (1).
///
/// Distances measure latency above local (10): `d − 10 = 10 × P / R`, and
/// shortest-path latencies obey `P(i,k) ≤ P(i,j) + P(j,k)`, so derived
/// distances alone satisfy the inequality within 1 (each is rounded by at
/// most ½). A violation therefore needs an explicit value, which topoc does
/// not feed back into the links; triples of explicit values only are the
/// file's own numbers and are left alone.
pub fn triangle(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(slit) = &cx.derived.slit else { return };
    let n = slit.matrix.len();
    let explicit: Vec<(usize, usize)> = (0..n)
        .flat_map(|a| (0..n).map(move |b| (a, b)))
        .filter(|&(a, b)| a != b && matches!(slit.origin[a][b], Origin::Explicit(_)))
        .collect();
    if explicit.is_empty() {
        return;
    }
    let symmetric = slit.is_symmetric();
    let ok = |a: usize, b: usize| (11..=254).contains(&slit.matrix[a][b]);
    let d = |a: usize, b: usize| u32::from(slit.matrix[a][b]);
    let span = |a: usize, b: usize| match slit.origin[a][b] {
        Origin::Explicit(s) => Some(s),
        _ => None,
    };
    // Worst triangle per blamed explicit value.
    let mut worst: BTreeMap<Span, (Triangle, usize)> = BTreeMap::new();
    let mut consider = |i: usize, j: usize, k: usize| {
        if i == j || j == k || i == k || (symmetric && i > k) {
            return;
        }
        if !(ok(i, k) && ok(i, j) && ok(j, k)) {
            return;
        }
        let spans = [span(i, k), span(i, j), span(j, k)];
        if spans.iter().all(Option::is_some) {
            return;
        }
        let via = d(i, j) + d(j, k) - 10;
        if d(i, k) <= via + 1 {
            return;
        }
        // Blame the long side when it is explicit, else the explicit short side.
        let Some(blame) = spans[0].or(spans[1]).or(spans[2]) else {
            return;
        };
        let tri = Triangle {
            i,
            j,
            k,
            excess: d(i, k) - via,
        };
        let e = worst
            .entry(blame)
            .or_insert((Triangle { excess: 0, ..tri }, 0));
        e.1 += 1;
        if tri.excess > e.0.excess {
            e.0 = tri;
        }
    };
    for &(a, b) in &explicit {
        for x in 0..n {
            consider(a, b, x); // (i,j) = (a,b)
            consider(x, a, b); // (j,k) = (a,b)
            consider(a, x, b); // (i,k) = (a,b)
        }
    }
    for (blame, (tri, count)) in worst {
        let Triangle { i, j, k, excess } = tri;
        let via = d(i, j) + d(j, k) - 10;
        let long_explicit = span(i, k) == Some(blame);
        let (label, help) = if long_explicit {
            (
                format!("{} here", d(i, k)),
                format!(
                    "lower this distance to at most {via}, or remove it and let topoc derive it from the links"
                ),
            )
        } else {
            (
                "shorter than the links say".to_string(),
                format!(
                    "express this closeness as a `[[link]]` so the derived distances follow it, or give {} → {} an explicit distance of at most {}",
                    cx.node_label(i),
                    cx.node_label(k),
                    via
                ),
            )
        };
        let more = if count > 1 {
            format!(" ({count} such triangles)")
        } else {
            String::new()
        };
        let mut diag = Diagnostic::new(
            &codes::T054,
            format!(
                "the distance from {} to {} is {}, but through {} it is {} + {} − 10 = {via}: {excess} more than the detour{more}",
                cx.node_label(i),
                cx.node_label(k),
                d(i, k),
                cx.node_label(j),
                d(i, j),
                d(j, k)
            ),
            blame,
            label,
        );
        for s in [span(i, k), span(i, j), span(j, k)].into_iter().flatten() {
            if s != blame {
                diag = diag.label(s, "explicit distance");
            }
        }
        out.push(
            diag.help(help)
                .note("no consumer checks this: QEMU and Linux take any distances in 11..=254, and Linux orders its page-allocator fallback and its scheduler's NUMA levels by them, so the guest treats the direct pair as farther than the detour"),
        );
    }
}
