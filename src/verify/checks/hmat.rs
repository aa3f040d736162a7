//! What the guest registers from the HMAT: `nodeN/access0`, `access1` and
//! the memory-side caches, or nothing when topoc predicts no HMAT.

use super::{Ctx, Outcome, Run, Spec, field, lines, lines_or_none, node_words, nodes};
use crate::linux::guest::Guest;
use crate::linux::hmat::{HmatRejected, TargetView, hmat_view};
use crate::verify::Prediction;
use std::collections::{BTreeMap, BTreeSet};

pub(super) const ABSENT: Spec = Spec {
    name: "hmat.absent",
    title: "no HMAT: no node has accessN attributes",
    compares: "`nodeN/accessK` when topoc predicts no HMAT",
    how: "no node has them",
    prerequisites: &[],
    explains: None,
    run: Run::Once(absent),
};

pub(super) const VALID: Spec = Spec {
    name: "hmat.valid",
    title: "topoc's HMAT is one Linux accepts",
    compares: "topoc's own HMAT",
    how: "Linux would not ignore it (`acpi/hmat: Ignoring: …`); in the report only when it would",
    prerequisites: &[],
    explains: None,
    run: Run::Once(valid),
};

pub(super) const ACCESS0: Spec = Spec {
    name: "nodeN.access0",
    title: "{node}: access0 (best initiators of all kinds)",
    compares: "`nodeN/access0/{initiators,targets}` and the four performance files",
    how: "exact, following Linux's best-initiator rules below",
    prerequisites: &["numa.pxm-map"],
    explains: None,
    run: Run::EachOnlineNode(|cx, n| access(cx, n, 0)),
};

pub(super) const ACCESS1: Spec = Spec {
    name: "nodeN.access1",
    title: "{node}: access1 (best CPU initiators)",
    compares: "`nodeN/access1/{initiators,targets}` and the four performance files",
    how: "as `nodeN.access0`, counting only initiators with CPUs",
    prerequisites: &["numa.pxm-map"],
    explains: None,
    run: Run::EachOnlineNode(|cx, n| access(cx, n, 1)),
};

pub(super) const MEMORY_SIDE_CACHE: Spec = Spec {
    name: "nodeN.memory-side-cache",
    title: "{node}: memory-side caches",
    compares: "`nodeN/memory_side_cache/indexL/*`",
    how: "exact: size, line size, indexing, write policy",
    prerequisites: &["numa.pxm-map"],
    explains: None,
    run: Run::EachOnlineNode(memory_side_cache),
};

/// What Linux registers from topoc's HMAT for the nodes predicted online.
pub(super) struct Registered {
    /// Why Linux would ignore the whole table.
    rejected: Option<HmatRejected>,
    /// Memory target node → what it registers.
    targets: BTreeMap<u32, TargetView>,
    /// (initiator node, access class) → its targets.
    initiator_targets: BTreeMap<(u32, usize), BTreeSet<u32>>,
}

impl Registered {
    pub(super) fn new(p: &Prediction, g: &Guest) -> Option<Registered> {
        let table = p.hmat.as_ref()?;
        let has_cpu = |n: u32| g.has_cpu.contains(&n);
        let (views, rejected) = match hmat_view(table, &p.numa, &has_cpu, &g.online) {
            Ok(v) => (v, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        let mut initiator_targets: BTreeMap<(u32, usize), BTreeSet<u32>> = BTreeMap::new();
        for v in &views {
            for (k, a) in v.access.iter().enumerate() {
                for &i in &a.initiators {
                    initiator_targets.entry((i, k)).or_default().insert(v.node);
                }
            }
        }
        Some(Registered {
            rejected,
            targets: views.into_iter().map(|v| (v.node, v)).collect(),
            initiator_targets,
        })
    }
}

fn absent(cx: &Ctx) -> Outcome {
    if cx.p.hmat.is_some() {
        return Outcome::skip();
    }
    let with_access: BTreeSet<u32> =
        cx.d.nodes
            .values()
            .filter(|n| !n.access.is_empty())
            .map(|n| n.id)
            .collect();
    if with_access.is_empty() {
        return Outcome::skip();
    }
    Outcome::compared(
        "(no access attributes)",
        format!("attributes on {}", nodes(&with_access)),
        vec!["the guest has HMAT attributes topoc did not predict".into()],
        "the VM was started with hmat=on and -numa hmat-lb options topoc did not emit",
    )
}

fn valid(cx: &Ctx) -> Outcome {
    match cx.hmat.as_ref().and_then(|h| h.rejected.as_ref()) {
        Some(e) => Outcome::compared(
            "a valid HMAT",
            format!("{e:?}"),
            vec![format!("Linux would ignore topoc's HMAT: {e:?}")],
            "a bug in src/emit/acpi/hmat.rs",
        ),
        None => Outcome::skip(),
    }
}

/// `latency read … ns, write … ns; bandwidth read … MB/s, write … MB/s`.
fn values(v: [Option<u64>; 4]) -> String {
    let o = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
    format!(
        "latency read {} ns, write {} ns; bandwidth read {} MB/s, write {} MB/s",
        o(v[0]),
        o(v[1]),
        o(v[2]),
        o(v[3])
    )
}

const VALUE_FILES: [&str; 4] = [
    "read_latency",
    "write_latency",
    "read_bandwidth",
    "write_bandwidth",
];

fn access(cx: &Ctx, n: u32, class: usize) -> Outcome {
    let Some(h) = &cx.hmat else {
        return Outcome::skip();
    };
    let view = h.targets.get(&n);
    let exp_targets = h
        .initiator_targets
        .get(&(n, class))
        .cloned()
        .unwrap_or_default();
    let seen = cx.d.nodes.get(&n).and_then(|s| s.access(class as u32));
    if view.is_none() && exp_targets.is_empty() && seen.is_none() {
        return Outcome::skip();
    }
    let exp_init = view
        .map(|v| v.access[class].initiators.clone())
        .unwrap_or_default();
    let exp_vals = view.map(|v| {
        let a = &v.access[class];
        [
            a.read_latency,
            a.write_latency,
            a.read_bandwidth,
            a.write_bandwidth,
        ]
        .map(|x| Some(u64::from(x)))
    });
    let exp_text = match exp_vals {
        Some(vals) => format!(
            "initiators {}; targets {}; {}",
            node_words(&exp_init),
            node_words(&exp_targets),
            values(vals)
        ),
        None => format!("targets {} (not a memory target)", node_words(&exp_targets)),
    };
    let mut diffs = Vec::new();
    let seen_text = match seen {
        None => {
            diffs.push(format!("no access{class} directory"));
            "(absent)".to_string()
        }
        Some(s) => {
            let si: BTreeSet<u32> = s.initiators.iter().copied().collect();
            let st: BTreeSet<u32> = s.targets.iter().copied().collect();
            diffs.extend(field("initiators", &exp_init, &si, |x| node_words(x)));
            diffs.extend(field("targets", &exp_targets, &st, |x| node_words(x)));
            let got = [
                s.read_latency,
                s.write_latency,
                s.read_bandwidth,
                s.write_bandwidth,
            ];
            let exp = exp_vals.unwrap_or([None; 4]);
            for ((what, e), g) in VALUE_FILES.iter().zip(exp).zip(got) {
                diffs.extend(field(what, e, g, |v| {
                    v.map_or("no file".into(), |v| v.to_string())
                }));
            }
            format!(
                "initiators {}; targets {}; {}",
                node_words(&si),
                node_words(&st),
                values(got)
            )
        }
    };
    Outcome::compared(
        exp_text,
        seen_text,
        diffs,
        if class == 0 {
            "the HMAT differs (acpi.HMAT): values (QEMU's base units, ps → ns rounding), the \
             attached initiator of the Memory Proximity Domain Attributes, or the tie rules"
        } else {
            "the HMAT differs (acpi.HMAT); access1 counts only initiators with CPUs"
        },
    )
}

fn memory_side_cache(cx: &Ctx, n: u32) -> Outcome {
    let Some(h) = &cx.hmat else {
        return Outcome::skip();
    };
    let expected = h.targets.get(&n).map_or(&[][..], |v| v.caches.as_slice());
    let seen =
        cx.d.nodes
            .get(&n)
            .map_or(&[][..], |s| s.memory_side_cache.as_slice());
    if expected.is_empty() && seen.is_empty() {
        return Outcome::skip();
    }
    let fmt =
        |level: u32, size: Option<u64>, line: Option<u64>, ix: Option<u64>, wp: Option<u64>| {
            let o = |v: Option<u64>| v.map_or("-".to_string(), |v| v.to_string());
            format!(
                "index{level}: size={} line_size={} indexing={} write_policy={}",
                o(size),
                o(line),
                o(ix),
                o(wp)
            )
        };
    let exp: Vec<String> = expected
        .iter()
        .map(|c| {
            fmt(
                c.level,
                Some(c.size),
                Some(c.line_size),
                Some(c.indexing),
                Some(c.write_policy),
            )
        })
        .collect();
    let got: Vec<String> = seen
        .iter()
        .map(|c| fmt(c.level, c.size, c.line_size, c.indexing, c.write_policy))
        .collect();
    Outcome::compared(
        exp.join("\n"),
        lines_or_none(&got),
        lines(&exp, &got),
        "the HMAT's memory-side cache structures differ (acpi.HMAT)",
    )
}
