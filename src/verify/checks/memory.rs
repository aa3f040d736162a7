//! The arm64 guest's memory view: the top level of `/proc/iomem` on `virt`,
//! which has no E820 map ([`crate::layout::virt::IomemView`] says what is
//! predicted and why only so much).

use super::{Ctx, Outcome, Run, Spec, lines};
use crate::guest::dump::IomemEntry;
use crate::layout::virt::RAM_BASE;
use crate::units::GIB;

pub(super) const IOMEM_VIRT: Spec = Spec {
    name: "virt.iomem",
    title: "the memory view on virt: top-level /proc/iomem",
    compares: "top-level `/proc/iomem` ranges: `reserved` below RAM, `PCI Bus`, `System RAM` \
               with `reserved`, `PCI ECAM`",
    how: "the flash bank as `reserved` with edk2 2022.11 only; the union of the 32-bit and of \
          the 64-bit `PCI Bus` windows; the union of `System RAM` and `reserved` from 1 GiB, \
          every node's range; one `PCI ECAM` range per host bridge over its buses",
    prerequisites: &[],
    explains: None,
    run: Run::Once(iomem_virt),
};

/// `[start, end]` ranges merged where they touch or overlap.
fn merged(mut v: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    v.sort_unstable();
    let mut out: Vec<(u64, u64)> = Vec::new();
    for (s, e) in v {
        match out.last_mut() {
            Some(last) if s <= last.1.saturating_add(1) => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

/// The guest's top level, read the way [`IomemView::lines`] writes it.
///
/// [`IomemView::lines`]: crate::layout::virt::IomemView::lines
fn seen_lines(iomem: &[IomemEntry]) -> Vec<String> {
    let top: Vec<&IomemEntry> = iomem.iter().filter(|e| e.depth == 0).collect();
    let range = |e: &&IomemEntry| (e.start, e.end);
    let pci = |e: &&&IomemEntry| e.name.starts_with("PCI Bus");
    let mut v: Vec<(u64, String)> = Vec::new();
    let mut push =
        |(s, e): (u64, u64), what: &str| v.push((s, format!("{s:08x}-{e:08x} : {what}")));
    for e in top
        .iter()
        .filter(|e| e.name == "reserved" && e.end < RAM_BASE)
    {
        push(range(e), "reserved");
    }
    for r in merged(
        top.iter()
            .filter(pci)
            .filter(|e| e.end < 4 * GIB)
            .map(range)
            .collect(),
    ) {
        push(r, "PCI Bus (32-bit window)");
    }
    let ram = top
        .iter()
        .filter(|e| (e.name == "System RAM" || e.name == "reserved") && e.start >= RAM_BASE)
        .map(range)
        .collect();
    for r in merged(ram) {
        push(r, "System RAM and reserved");
    }
    let ecam: Vec<&&IomemEntry> = top.iter().filter(|e| e.name == "PCI ECAM").collect();
    let base = ecam.iter().map(|e| e.start).min().unwrap_or(0);
    for e in &ecam {
        let bus = |a: u64| (a - base) >> 20;
        push(
            range(e),
            &format!("PCI ECAM (buses {:02x}-{:02x})", bus(e.start), bus(e.end)),
        );
    }
    for r in merged(
        top.iter()
            .filter(pci)
            .filter(|e| e.start >= 4 * GIB)
            .map(range)
            .collect(),
    ) {
        push(r, "PCI Bus (64-bit window)");
    }
    v.sort();
    v.into_iter().map(|(_, l)| l).collect()
}

fn iomem_virt(cx: &Ctx) -> Outcome {
    let Some(view) = &cx.p.virt_iomem else {
        return Outcome::skip();
    };
    if let Some(why) = cx.iomem_missing() {
        return Outcome::not_applicable(why);
    }
    if cx.d.iomem.is_empty() {
        return Outcome::not_applicable("the dump has no /proc/iomem");
    }
    let exp = view.lines();
    let got = seen_lines(&cx.d.iomem);
    let diffs = lines(&exp, &got);
    Outcome::compared(
        exp.join("\n"),
        got.join("\n"),
        diffs,
        "the RAM layout (node sizes, device memory), the firmware (2022.11 maps the flash), \
         the host bridges' bus numbers or mmio64-size differ from what the guest ran with",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(depth: usize, start: u64, end: u64, name: &str) -> IomemEntry {
        IomemEntry {
            depth,
            start,
            end,
            name: name.to_string(),
        }
    }

    /// grace-hopper's booted guest (edk2 2022.11, one host bridge, a 1 TiB
    /// window), abridged: children are ignored, RAM islands merge.
    #[test]
    fn reads_the_top_level_as_the_prediction_writes_it() {
        let iomem = [
            e(0, 0x0400_0000, 0x07ff_ffff, "reserved"),
            e(0, 0x0800_0000, 0x0800_ffff, "GICD"),
            e(0, 0x1000_0000, 0x1020_0fff, "PCI Bus 0000:10"),
            e(1, 0x1000_0000, 0x100f_ffff, "PCI Bus 0000:11"),
            e(0, 0x1020_1000, 0x3efe_ffff, "PCI Bus 0000:00"),
            e(0, 0x4000_0000, 0x1_3c43_ffff, "System RAM"),
            e(1, 0xf800_0000, 0xffff_ffff, "reserved"),
            e(0, 0x1_3c44_0000, 0x1_3c72_ffff, "reserved"),
            e(0, 0x1_3c73_0000, 0x2_3fff_ffff, "System RAM"),
            e(0, 0x40_1000_0000, 0x40_10ff_ffff, "PCI ECAM"),
            e(0, 0x40_1100_0000, 0x40_111f_ffff, "PCI ECAM"),
            e(0, 0x100_0000_0000, 0x1ff_ffff_ffff, "PCI Bus 0000:00"),
        ];
        assert_eq!(
            seen_lines(&iomem),
            [
                "04000000-07ffffff : reserved",
                "10000000-3efeffff : PCI Bus (32-bit window)",
                "40000000-23fffffff : System RAM and reserved",
                "4010000000-4010ffffff : PCI ECAM (buses 00-0f)",
                "4011000000-40111fffff : PCI ECAM (buses 10-11)",
                "10000000000-1ffffffffff : PCI Bus (64-bit window)",
            ]
        );
    }
}
