//! SLIT: the derived distance matrix, one locality per node in id order.

use super::{Flavor, qemu_header};
use crate::acpi::slit::Slit;
use crate::pipeline::Compiled;

/// The SLIT, or `None` when the topology has no distances (QEMU then builds
/// none either: it needs at least one `-numa dist`).
pub fn build(c: &Compiled, flavor: Flavor) -> Option<Slit> {
    let slit = c.derived.slit.as_ref()?;
    let header = match flavor {
        Flavor::Qemu => qemu_header(Slit::SIGNATURE, Slit::REVISION, c.acpi_oem_revision),
    };
    Slit::from_rows(header, &slit.matrix)
}
