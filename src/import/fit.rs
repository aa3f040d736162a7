//! Fitting an imported machine to a VM: less memory, fewer nodes or CPUs,
//! devices passed through or stood in for. Distances and HMAT values are
//! never changed: a kept pair keeps its numbers, so every ratio between them
//! stays what the host has.
//!
//! - Memory is scaled by a fraction (`--memory-scale 1/64`) or to a total
//!   (`--memory 16GiB`): each node, its Specific Purpose parts and its
//!   memory-side caches by the same factor. Node memory and SPM are rounded
//!   to whole 128 MiB memory blocks (the guest kernel's, and the unit SPM
//!   needs, T044), caches to whole MiB; nothing is rounded to zero.
//! - `--nodes` keeps the listed node ids, `--cpus` the listed vCPUs; what is
//!   left is numbered from 0 again, and a device keeps only its kept
//!   Generic Initiator nodes (none left: the device goes).
//! - `--devices` passes the devices through with VFIO at their PCI address
//!   (`vfio`), stands in for them with QEMU's `pci-testdev` (`stand-in`,
//!   the default: a file that checks and boots anywhere), or drops them and
//!   their Generic Initiator nodes (`none`).

use super::desc::{Desc, Source};
use super::tables::group_shape;
use super::{error, warning};
use crate::diag::{Diagnostic, codes};
use crate::units::{MIB, fmt_cpulist, fmt_size};

/// How to fit.
#[derive(Clone, Debug, Default)]
pub struct Fit {
    pub memory: Option<MemoryFit>,
    /// Node ids (as imported) to keep.
    pub nodes: Option<Vec<u32>>,
    /// vCPUs (as imported) to keep.
    pub cpus: Option<Vec<u32>>,
    pub devices: DeviceMode,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MemoryFit {
    /// Multiply by `num / den`.
    Scale { num: u64, den: u64 },
    /// Scale so the nodes add up to this many bytes.
    Total(u64),
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DeviceMode {
    #[default]
    StandIn,
    Vfio,
    None,
}

/// The unit node memory and SPM are rounded to.
pub const BLOCK: u64 = 128 * MIB;

/// Reads `1/64`, `0.5` or `2` as a fraction.
pub fn parse_scale(s: &str) -> Result<MemoryFit, String> {
    let bad =
        || format!("`{s}` is not a scale: write a fraction such as 1/64, or a number such as 0.25");
    let (num, den) = match s.trim().split_once('/') {
        Some((a, b)) => (
            a.trim().parse::<u64>().map_err(|_| bad())?,
            b.trim().parse::<u64>().map_err(|_| bad())?,
        ),
        None => {
            let t = s.trim();
            let (int, frac) = t.split_once('.').unwrap_or((t, ""));
            if frac.len() > 9 || (int.is_empty() && frac.is_empty()) {
                return Err(bad());
            }
            let den = 10u64.pow(frac.len() as u32);
            let int: u64 = if int.is_empty() {
                0
            } else {
                int.parse().map_err(|_| bad())?
            };
            let frac: u64 = if frac.is_empty() {
                0
            } else {
                frac.parse().map_err(|_| bad())?
            };
            (
                int.checked_mul(den)
                    .and_then(|x| x.checked_add(frac))
                    .ok_or_else(bad)?,
                den,
            )
        }
    };
    if num == 0 || den == 0 {
        return Err(format!("`{s}`: the scale must be more than 0"));
    }
    Ok(MemoryFit::Scale { num, den })
}

fn scaled(v: u64, num: u64, den: u64) -> u64 {
    (u128::from(v) * u128::from(num) / u128::from(den.max(1))).min(u128::from(u64::MAX)) as u64
}

/// `v` to the nearest multiple of `unit`, at least one.
fn round_to(v: u64, unit: u64) -> u64 {
    (v.saturating_add(unit / 2) / unit)
        .max(1)
        .saturating_mul(unit)
}

pub fn apply(d: &mut Desc, fit: &Fit, out: &mut Vec<Diagnostic>) {
    // The machine as imported, for a `--nodes` suggestion in its own ids.
    let before = d.aarch64.is_some().then(|| d.clone());
    if let Some(keep) = &fit.nodes {
        keep_nodes(d, keep, out);
    }
    if let Some(keep) = &fit.cpus {
        keep_cpus(d, keep, out);
    }
    devices(d, fit.devices, out);
    if let Some(m) = fit.memory {
        memory(d, m);
    }
    if let Some(before) = before {
        arm64_node_limit(d, &before, fit, out);
    }
}

/// The nodes the SRAT will name: those with CPUs, memory or a device's
/// Generic Initiator (an empty node gets no entry and is no Linux node).
fn srat_domains(d: &Desc) -> Vec<bool> {
    (0..d.nodes.len())
        .map(|i| {
            let n = &d.nodes[i];
            !n.cpus.is_empty() || n.has_memory() || d.devices.iter().any(|x| x.gi.contains(&i))
        })
        .collect()
}

/// T173: an aarch64 machine whose SRAT would name more proximity domains
/// than Debian's arm64 guest kernels take (`CONFIG_NODES_SHIFT=4`): the guest
/// would ignore the whole SRAT, and `topoc check` refuses the file (T124).
/// A GH200 host has 10 domains, two superchips 20. The file is still written,
/// as the host's own picture; the help gives a `--nodes` list, in the
/// imported ids, that keeps every node with CPUs or memory and shares the
/// remaining domains among the devices' Generic Initiator nodes, first of
/// each device first.
fn arm64_node_limit(d: &Desc, before: &Desc, fit: &Fit, out: &mut Vec<Diagnostic>) {
    let limit = crate::linux::numa::ARM64_MAX_NUMNODES as usize;
    let count = srat_domains(d).iter().filter(|&&x| x).count();
    if count <= limit {
        return;
    }
    let msg = format!(
        "the imported aarch64 machine has {count} proximity domains, but Debian's arm64 guest kernels take at most {limit} and then ignore the whole SRAT; `topoc check` refuses the file (T124)"
    );
    let help = if fit.nodes.is_some() {
        format!(
            "list fewer nodes in --nodes: at most {limit} with CPUs, memory or a Generic Initiator"
        )
    } else {
        let n = before.nodes.len();
        let mut keep: Vec<bool> = (0..n)
            .map(|i| !before.nodes[i].cpus.is_empty() || before.nodes[i].has_memory())
            .collect();
        let mut budget = limit.saturating_sub(keep.iter().filter(|&&k| k).count());
        if keep.iter().filter(|&&k| k).count() > limit {
            // More CPU and memory nodes than the kernel takes: the first ones.
            let mut seen = 0;
            for k in &mut keep {
                if *k {
                    seen += 1;
                    *k = seen <= limit;
                }
            }
        }
        let most = before.devices.iter().map(|x| x.gi.len()).max().unwrap_or(0);
        for round in 0..most {
            for dev in &before.devices {
                if let Some(&g) = dev.gi.get(round)
                    && !keep[g]
                    && budget > 0
                {
                    keep[g] = true;
                    budget -= 1;
                }
            }
        }
        let ids: Vec<u32> = (0..n)
            .filter(|&i| keep[i])
            .map(|i| before.nodes[i].id)
            .collect();
        format!(
            "fit it with --nodes {}: every node with CPUs or memory, and the devices' Generic Initiator nodes shared among them up to {limit} domains",
            fmt_cpulist(&ids)
        )
    };
    out.push(warning(&codes::T173, msg).help(help));
}

/// Renumbers after nodes were dropped: `keep[i]` says whether old node `i`
/// stays.
fn drop_nodes(d: &mut Desc, keep: &[bool]) {
    let mut new_ix = vec![None; keep.len()];
    let mut k = 0;
    for (i, &x) in keep.iter().enumerate() {
        if x {
            new_ix[i] = Some(k);
            k += 1;
        }
    }
    let old = std::mem::take(&mut d.nodes);
    for (i, mut n) in old.into_iter().enumerate() {
        let Some(j) = new_ix[i] else { continue };
        if n.id != j as u32 {
            n.id_from = format!("{}; {} before the fit", n.id_from, n.id);
            n.id = j as u32;
        }
        n.initiator = n.initiator.and_then(|(x, f)| new_ix[x].map(|y| (y, f)));
        d.nodes.push(n);
    }
    for dev in &mut d.devices {
        dev.gi = dev.gi.iter().filter_map(|&g| new_ix[g]).collect();
    }
    d.devices.retain(|x| !x.gi.is_empty());
    d.hmat
        .retain_mut(|p| match (new_ix[p.initiator], new_ix[p.target]) {
            (Some(a), Some(b)) => {
                p.initiator = a;
                p.target = b;
                true
            }
            _ => false,
        });
    if let Some(dist) = &mut d.distances {
        let rows: Vec<Vec<u8>> = dist
            .matrix
            .iter()
            .enumerate()
            .filter(|(i, _)| keep[*i])
            .map(|(_, r)| {
                r.iter()
                    .enumerate()
                    .filter(|(j, _)| keep[*j])
                    .map(|(_, v)| *v)
                    .collect()
            })
            .collect();
        dist.matrix = rows;
        dist.labels = std::mem::take(&mut dist.labels)
            .into_iter()
            .enumerate()
            .filter(|(i, _)| keep[*i])
            .map(|(_, l)| l)
            .collect();
    }
    if d.distances.as_ref().is_some_and(|x| x.matrix.len() < 2) {
        d.distances = None;
    }
    renumber_cpus(d);
}

/// vCPUs numbered from 0 again, node by node, in the old order.
fn renumber_cpus(d: &mut Desc) {
    let mut all: Vec<(u32, usize)> = d
        .nodes
        .iter()
        .enumerate()
        .flat_map(|(i, n)| n.cpus.iter().map(move |&c| (c, i)))
        .collect();
    all.sort();
    let dense = all.iter().enumerate().all(|(k, &(c, _))| c as usize == k);
    if dense {
        // The vCPUs left may still be fewer than the shape holds.
        if d.shape.cpus() != all.len() as u64 {
            d.shape = group_shape(d, false);
        }
        return;
    }
    all.sort_by_key(|&(c, i)| (i, c));
    for n in &mut d.nodes {
        n.cpus.clear();
    }
    for (k, (_, i)) in all.into_iter().enumerate() {
        d.nodes[i].cpus.push(k as u32);
    }
    d.shape = group_shape(d, false);
}

fn keep_nodes(d: &mut Desc, ids: &[u32], out: &mut Vec<Diagnostic>) {
    let unknown: Vec<u32> = ids
        .iter()
        .copied()
        .filter(|id| !d.nodes.iter().any(|n| n.id == *id))
        .collect();
    if !unknown.is_empty() {
        let have: Vec<u32> = d.nodes.iter().map(|n| n.id).collect();
        out.push(error(
            &codes::T171,
            format!(
                "--nodes {}: no imported node has id {} (the ids are {})",
                fmt_cpulist(ids),
                fmt_cpulist(&unknown),
                fmt_cpulist(&have)
            ),
        ));
        return;
    }
    // A device keeps the Generic Initiator nodes that are listed; one with
    // none left goes.
    let keep: Vec<bool> = d.nodes.iter().map(|n| ids.contains(&n.id)).collect();
    if !keep.iter().any(|&k| k) {
        out.push(error(&codes::T171, "--nodes keeps no node"));
        return;
    }
    let dropped: Vec<String> = d
        .nodes
        .iter()
        .zip(&keep)
        .filter(|(_, k)| !**k)
        .map(|(n, _)| n.name.clone())
        .collect();
    d.notes.push(format!(
        "fitted: nodes {} left out (--nodes {})",
        dropped.join(", "),
        fmt_cpulist(ids)
    ));
    drop_nodes(d, &keep);
}

fn keep_cpus(d: &mut Desc, cpus: &[u32], out: &mut Vec<Diagnostic>) {
    let have: Vec<u32> = {
        let mut v: Vec<u32> = d
            .nodes
            .iter()
            .flat_map(|n| n.cpus.iter().copied())
            .collect();
        v.sort_unstable();
        v
    };
    let unknown: Vec<u32> = cpus.iter().copied().filter(|c| !have.contains(c)).collect();
    if !unknown.is_empty() {
        out.push(error(
            &codes::T171,
            format!(
                "--cpus {}: the machine has no vCPU {} (it has {})",
                fmt_cpulist(cpus),
                fmt_cpulist(&unknown),
                fmt_cpulist(&have)
            ),
        ));
        return;
    }
    if cpus.is_empty() {
        out.push(error(&codes::T171, "--cpus keeps no vCPU"));
        return;
    }
    for n in &mut d.nodes {
        let before = n.cpus.len();
        n.cpus.retain(|c| cpus.contains(c));
        if n.cpus.len() != before {
            n.cpus_from = format!(
                "{}; {} of its {before} kept (--cpus)",
                n.cpus_from,
                n.cpus.len()
            );
        }
    }
    d.notes
        .push(format!("fitted: vCPUs {} kept (--cpus)", fmt_cpulist(cpus)));
    // A CPU node left without CPUs and without memory has nothing left.
    let keep: Vec<bool> = (0..d.nodes.len())
        .map(|i| {
            let n = &d.nodes[i];
            !n.cpus.is_empty() || n.has_memory() || d.devices.iter().any(|x| x.gi.contains(&i))
        })
        .collect();
    // HMAT values of initiators that lost every CPU go with them.
    let is_init = |d: &Desc, i: usize| {
        !d.nodes[i].cpus.is_empty() || d.devices.iter().any(|x| x.gi.contains(&i))
    };
    let gone: Vec<usize> = (0..d.nodes.len()).filter(|&i| !is_init(d, i)).collect();
    d.hmat.retain(|p| !gone.contains(&p.initiator));
    for n in &mut d.nodes {
        if n.initiator.as_ref().is_some_and(|(x, _)| gone.contains(x)) {
            n.initiator = None;
        }
    }
    drop_nodes(d, &keep);
    renumber_all_cpus(d);
}

/// After `--cpus` the shape always follows the kept vCPUs.
fn renumber_all_cpus(d: &mut Desc) {
    let mut k = 0u32;
    for n in &mut d.nodes {
        for c in &mut n.cpus {
            *c = k;
            k += 1;
        }
    }
    d.shape = group_shape(d, false);
}

fn devices(d: &mut Desc, mode: DeviceMode, out: &mut Vec<Diagnostic>) {
    match mode {
        DeviceMode::StandIn => {}
        DeviceMode::Vfio => {
            for dev in &mut d.devices {
                match dev.pci {
                    Some(a) => {
                        dev.source = Source::Host(a);
                        dev.guest_slot = None;
                    }
                    None => out.push(warning(
                        &codes::T165,
                        format!(
                            "{} has no PCI address ({}), so it cannot be passed through; it stays a stand-in",
                            dev.name, dev.about
                        ),
                    )),
                }
            }
        }
        DeviceMode::None => {
            if d.devices.is_empty() {
                return;
            }
            let gi: Vec<usize> = d.devices.iter().flat_map(|x| x.gi.clone()).collect();
            d.devices.clear();
            let keep: Vec<bool> = (0..d.nodes.len())
                .map(|i| !gi.contains(&i) || !d.nodes[i].cpus.is_empty() || d.nodes[i].has_memory())
                .collect();
            d.notes.push(
                "fitted: devices and their Generic Initiator nodes left out (--devices none)"
                    .to_string(),
            );
            drop_nodes(d, &keep);
        }
    }
}

fn memory(d: &mut Desc, m: MemoryFit) {
    let total: u64 = d
        .nodes
        .iter()
        .filter_map(|n| n.memory.as_ref())
        .map(|m| m.size)
        .fold(0, u64::saturating_add);
    let (num, den, what) = match m {
        MemoryFit::Scale { num, den } => (num, den, format!("x {num}/{den}")),
        MemoryFit::Total(t) => (
            t,
            total.max(1),
            format!("scaled to a total of {}", fmt_size(t)),
        ),
    };
    for n in &mut d.nodes {
        let Some(mem) = n.memory.as_mut() else {
            continue;
        };
        let old = mem.size;
        mem.size = round_to(scaled(old, num, den), BLOCK);
        mem.from = format!(
            "{}; {} {what} = {}, rounded to whole {} blocks",
            mem.from,
            fmt_size(old),
            fmt_size(mem.size),
            fmt_size(BLOCK)
        );
        for p in &mut mem.spm {
            let (o, s) = (p.offset, p.size);
            let whole = o == 0 && s == old;
            if whole {
                p.size = mem.size;
            } else {
                p.offset = (scaled(o, num, den).saturating_add(BLOCK / 2) / BLOCK) * BLOCK;
                p.size = round_to(scaled(s, num, den), BLOCK);
                if p.offset + p.size > mem.size {
                    p.offset = mem.size.saturating_sub(p.size);
                }
            }
            p.from = format!("{}; {what}", p.from);
        }
        for c in &mut mem.caches {
            let old = c.size;
            c.size = round_to(scaled(old, num, den), MIB);
            c.from = format!("{}; {} {what}", c.from, fmt_size(old));
        }
    }
    d.notes.push(format!(
        "fitted: memory {what} ({} before, {} after)",
        fmt_size(total),
        fmt_size(
            d.nodes
                .iter()
                .filter_map(|n| n.memory.as_ref())
                .map(|m| m.size)
                .sum()
        )
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_read_as_fractions() {
        assert_eq!(
            parse_scale("1/64"),
            Ok(MemoryFit::Scale { num: 1, den: 64 })
        );
        assert_eq!(
            parse_scale("0.25"),
            Ok(MemoryFit::Scale { num: 25, den: 100 })
        );
        assert_eq!(parse_scale("2"), Ok(MemoryFit::Scale { num: 2, den: 1 }));
        assert_eq!(parse_scale(".5"), Ok(MemoryFit::Scale { num: 5, den: 10 }));
        for bad in [
            "",
            "0",
            "1/0",
            "0/3",
            "x",
            "1/x",
            "-1",
            "1.2.3",
            "1.0000000001",
        ] {
            assert!(parse_scale(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rounding_keeps_whole_blocks_and_never_reaches_zero() {
        assert_eq!(round_to(1, BLOCK), BLOCK);
        assert_eq!(round_to(BLOCK + BLOCK / 2, BLOCK), 2 * BLOCK);
        assert_eq!(round_to(BLOCK + BLOCK / 2 - 1, BLOCK), BLOCK);
        assert_eq!(scaled(u64::MAX, 3, 2), u64::MAX, "saturates");
        assert_eq!(scaled(512 << 30, 1, 64), 8 << 30);
    }
}
