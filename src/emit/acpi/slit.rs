//! SLIT: the derived distance matrix, one locality per node in id order.
//!
//! For cloud-hypervisor the matrix is what `create_slit_table`
//! (`vmm/src/acpi.rs`) computes from the emitted `--numa distances=`: one
//! locality per `--numa` node in ascending `guest_numa_id` (a `BTreeMap`), the
//! entry for (i, j) being 10 on the diagonal, else i's distance to j when i
//! lists j, else j's distance to i (mirrored), else 20. It is positional: the
//! row of node k is row k whatever its id, which is why ids must run 0..N-1.

use super::{Flavor, ch_header, qemu_header};
use crate::acpi::slit::Slit;
use crate::pipeline::Compiled;

/// The SLIT, or `None` when the topology has no distances (QEMU then builds
/// none either: it needs at least one `-numa dist`). cloud-hypervisor builds
/// one whenever there is a `--numa` node.
pub fn build(c: &Compiled, flavor: Flavor) -> Option<Slit> {
    if flavor == Flavor::CloudHypervisor {
        return build_ch(c);
    }
    let slit = c.slit()?;
    let header = qemu_header(Slit::SIGNATURE, Slit::REVISION, c.acpi_oem_revision);
    Slit::from_rows(header, &slit.matrix)
}

fn build_ch(c: &Compiled) -> Option<Slit> {
    let (_, l) = c.ch()?;
    if l.nodes.is_empty() {
        return None;
    }
    let header = ch_header(
        Slit::SIGNATURE,
        Slit::REVISION,
        *b"CHSLIT  ",
        c.acpi_oem_revision,
    );
    // (from, to) → the first distance `from` lists for `to`, of the first
    // node with that id: what cloud-hypervisor's linear searches find, in a
    // dense id × id table so that the matrix stays quadratic (1024 nodes took
    // 8 G instructions with the searches, 23% of `build` with a BTreeMap).
    let mut index = std::collections::HashMap::with_capacity(l.nodes.len());
    for n in &l.nodes {
        let next = index.len();
        index.entry(n.guest_numa_id).or_insert(next);
    }
    let k = index.len();
    let mut listed: Vec<Option<u8>> = vec![None; k * k];
    let mut seen = vec![false; k];
    for n in &l.nodes {
        let from = index[&n.guest_numa_id];
        if std::mem::replace(&mut seen[from], true) {
            continue;
        }
        for &(to, v) in &n.distances {
            if let Some(&to) = index.get(&to) {
                listed[from * k + to].get_or_insert(v);
            }
        }
    }
    let positions: Vec<usize> = l.nodes.iter().map(|n| index[&n.guest_numa_id]).collect();
    let rows: Vec<Vec<u8>> = positions
        .iter()
        .map(|&a| {
            positions
                .iter()
                .map(|&b| {
                    if a == b {
                        Slit::LOCAL
                    } else {
                        listed[a * k + b].or(listed[b * k + a]).unwrap_or(20)
                    }
                })
                .collect()
        })
        .collect();
    Slit::from_rows(header, &rows)
}
