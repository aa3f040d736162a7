//! ACPI SRAT, SLIT and HMAT, filled from the IR, the derived values and the
//! layout, in the flavor of the target.
//!
//! - [`Flavor::Qemu`] predicts the tables QEMU 10.0 builds for the emitted
//!   command line byte for byte (`build_srat`, `build_slit`, `build_hmat`):
//!   its revisions and OEM ids, its entry order, its zero padding entries,
//!   its all-nodes HMAT target list and its base units.
//!
//! The byte layouts live in [`crate::acpi`]; this module only decides what
//! goes in them.

pub mod hmat;
pub mod slit;
pub mod srat;

use crate::acpi::Header;

/// Whose conventions the tables follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    Qemu,
}

/// QEMU's header fields (`acpi_table_begin`, `ACPI_BUILD_APPNAME6/8`).
pub fn qemu_header(signature: [u8; 4], revision: u8, oem_revision: u32) -> Header {
    Header {
        signature,
        length: 0,
        revision,
        checksum: 0,
        oem_id: *b"BOCHS ",
        oem_table_id: *b"BXPC    ",
        oem_revision,
        creator_id: *b"BXPC",
        creator_revision: 1,
    }
}
