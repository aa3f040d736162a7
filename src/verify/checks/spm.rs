//! Specific Purpose Memory: soft-reserved ranges in `/proc/iomem`, kept out
//! of System RAM and MemTotal, and their dax devices.

use super::{Ctx, Outcome, Rule, Run, Spec, kib, lines, lines_or_none, sorted_lines};
use crate::linux::guest::{overlap, total};
use crate::linux::numa::nearest_online;

/// A node numbering that differs explains the most; a command line
/// without `memmap=` the rest.
const SPM: &[&str] = &["numa.pxm-map", "kernel.cmdline"];

pub(super) const IOMEM: Spec = Spec {
    name: "spm.iomem",
    title: "soft-reserved ranges in /proc/iomem",
    compares: "`Soft Reserved` lines of `/proc/iomem`",
    how: "exactly the predicted soft-reserved ranges",
    prerequisites: SPM,
    explains: None,
    run: Run::Once(iomem),
};

pub(super) const MEMTOTAL: Spec = Spec {
    name: "spm.memtotal",
    title: "soft-reserved memory {}",
    compares: "`System RAM` in `/proc/iomem` and MemTotal",
    how: "no System RAM inside a soft-reserved range (unless kmem onlined it), and MemTotal no \
          larger than the usable RAM",
    prerequisites: SPM,
    explains: None,
    run: Run::Once(memtotal),
};

pub(super) const DAX: Spec = Spec {
    name: "spm.dax",
    title: "one dax device per soft-reserved range, on its SRAT node, bound to {}",
    compares: "`/sys/bus/dax/devices/*`",
    how: "one device per soft-reserved range: resource, size, `target_node` (the range's SRAT \
          node, even when offline), `numa_node` (the nearest node online at boot), driver \
          (`device_dax`, or `kmem` when the guest onlined them)",
    prerequisites: SPM,
    explains: None,
    run: Run::Once(dax),
};

const RULE_IOMEM_SOFT_RESERVED: Rule = Rule {
    text: "Linux >= 7.0 may keep Soft Reserved ranges out of /proc/iomem (soft_reserve_resource \
           tree; not yet seen on a running kernel): their absence is not a failure there, the \
           dax devices still are checked",
    applied_to: "spm.iomem",
};

/// The SPM checks apply when the prediction or the guest has any SPM.
fn any_spm(cx: &Ctx) -> bool {
    !cx.guest.soft_reserved.is_empty()
        || cx.d.iomem.iter().any(|e| e.name == "Soft Reserved")
        || !cx.d.dax.is_empty()
}

fn iomem(cx: &Ctx) -> Outcome {
    if !any_spm(cx) {
        return Outcome::skip();
    }
    let exp: Vec<String> = cx
        .guest
        .soft_reserved
        .iter()
        .map(|&(s, e)| format!("{:x}-{:x} : Soft Reserved", s, e - 1))
        .collect();
    let got: Vec<String> =
        cx.d.iomem
            .iter()
            .filter(|e| e.name == "Soft Reserved")
            .map(|e| format!("{:x}-{:x} : Soft Reserved", e.start, e.end))
            .collect();
    if let Some(why) = cx.iomem_missing() {
        return Outcome::not_applicable(why);
    }
    if got.is_empty() && !exp.is_empty() && cx.kernel.may_keep_soft_reserved_out_of_iomem() {
        return Outcome::not_applicable(
            "Linux >= 7.0 may keep Soft Reserved ranges out of /proc/iomem",
        )
        .rule(&RULE_IOMEM_SOFT_RESERVED);
    }
    Outcome::compared(
        exp.join("\n"),
        lines_or_none(&got),
        lines(&exp, &got),
        "the SPM ranges are elsewhere: the QEMU layout (e820.fw_cfg) or the memmap= arguments \
         (src/layout/qemu.rs kernel_args) differ",
    )
}

fn memtotal(cx: &Ctx) -> Outcome {
    if !any_spm(cx) {
        return Outcome::skip();
    }
    let g = &cx.guest;
    let mut diffs = Vec::new();
    if cx.iomem_missing().is_none() {
        for e in cx.d.iomem.iter().filter(|e| e.name == "System RAM") {
            for &(s, end) in &g.soft_reserved {
                // `end` is inclusive and read from the guest: 2^64-1 has no successor.
                if let Some((a, b)) = overlap((e.start, e.end.saturating_add(1)), (s, end)) {
                    diffs.push(format!(
                        "System RAM {:x}-{:x} overlaps soft-reserved {:x}-{:x}",
                        a,
                        b - 1,
                        s,
                        end - 1
                    ));
                }
            }
        }
    }
    let usable = total(g.ram.iter().copied());
    let sr_total = total(g.soft_reserved.iter().copied());
    let limit = if g.kmem {
        usable.saturating_add(sr_total)
    } else {
        usable
    };
    match cx.d.mem_total_kib {
        Some(v) if v > kib(limit) => diffs.push(format!(
            "MemTotal {v} kB exceeds the usable RAM{} ({} kB)",
            if g.kmem { " plus kmem" } else { "" },
            kib(limit)
        )),
        Some(_) => {}
        None => diffs.push("no MemTotal in /proc/meminfo".into()),
    }
    Outcome::compared(
        format!(
            "no System RAM inside {} soft-reserved range(s) ({} kB); MemTotal at most {} kB",
            g.soft_reserved.len(),
            kib(sr_total),
            kib(limit)
        ),
        format!(
            "MemTotal {}",
            cx.d.mem_total_kib
                .map_or("(absent)".into(), |v| format!("{v} kB"))
        ),
        diffs,
        "soft-reserved memory became System RAM: the memmap= arguments did not apply, or a \
         driver (kmem) onlined it",
    )
    .detail(if g.kmem {
        "is System RAM only through kmem (System RAM (kmem))"
    } else {
        "is not System RAM and not in MemTotal"
    })
}

fn dax(cx: &Ctx) -> Outcome {
    if !any_spm(cx) {
        return Outcome::skip();
    }
    let g = &cx.guest;
    let numa = &cx.p.numa;
    let driver = if g.kmem { "kmem" } else { "device_dax" };
    let fmt = |res: u64, size: u64, target: i64, numa_node: i64, drv: &str| {
        format!(
            "resource={res:#x} size={size} target_node={target} numa_node={numa_node} driver={drv}"
        )
    };
    let exp: Vec<String> = g
        .soft_reserved
        .iter()
        .map(|&(s, e)| {
            let target = numa.node_at(s).map_or(-1, i64::from);
            // The dax device gets its numa_node when it is created, before
            // kmem onlines anything: the nearest node online at boot.
            // Measured on the mi300a guest with kmem: numa_node stays 3 and
            // 2 after nodes 4 and 5 came online.
            let near = match u32::try_from(target) {
                Ok(t) => i64::from(nearest_online(t, &g.boot_online, &|a, b| cx.distance(a, b))),
                Err(_) => -1,
            };
            fmt(s, e - s, target, near, driver)
        })
        .collect();
    let got: Vec<String> =
        cx.d.dax
            .iter()
            .map(|x| {
                fmt(
                    x.resource.unwrap_or(0),
                    x.size.unwrap_or(0),
                    x.target_node.unwrap_or(-1),
                    x.numa_node.unwrap_or(-1),
                    x.driver.as_deref().unwrap_or("(none)"),
                )
            })
            .collect();
    let modules = cx.d.init_notes.as_deref().unwrap_or_default();
    Outcome::compared(
        exp.join("\n"),
        lines_or_none(&got),
        sorted_lines(&exp, &got),
        format!(
            "the hmem/dax drivers did not bind (device_dax and dax_hmem must be loaded{}), the \
             range is not covered by the SRAT (target_node -1), or the SRAT puts it in another \
             node",
            if modules.is_empty() {
                String::new()
            } else {
                format!("; the guest said: {modules}")
            }
        ),
    )
    .detail(driver)
}
