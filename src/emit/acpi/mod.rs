//! ACPI SRAT, SLIT and HMAT, filled from the IR, the derived values and the
//! layout, in the flavor of the target.
//!
//! - [`Flavor::Qemu`] predicts the tables QEMU 10.0 builds for the emitted
//!   command line byte for byte (`build_srat`, `build_slit`, `build_hmat`):
//!   its revisions and OEM ids, its entry order, its zero padding entries,
//!   its all-nodes HMAT target list and its base units.
//!
//! - [`Flavor::CloudHypervisor`] predicts what cloud-hypervisor's
//!   `create_srat_table` and `create_slit_table` (`vmm/src/acpi.rs`) build for
//!   the emitted command line: SRAT revision 3 with 12 zero bytes after the
//!   header, memory / x2APIC / Generic Initiator structures node by node,
//!   its own PCI device-handle bytes, a positional SLIT with mirrored and
//!   default distances. It builds no HMAT.
//!
//! The byte layouts live in [`crate::acpi`]; this module only decides what
//! goes in them.

pub mod hmat;
pub mod initrd;
pub mod slit;
pub mod srat;

use crate::acpi::Header;

/// Whose conventions the tables follow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavor {
    Qemu,
    CloudHypervisor,
}

impl Flavor {
    /// The flavor of the target a topology was compiled for.
    pub fn of(c: &crate::pipeline::Compiled) -> Flavor {
        match c.target.kind() {
            crate::target::TargetKind::Qemu | crate::target::TargetKind::Libvirt => Flavor::Qemu,
            crate::target::TargetKind::CloudHypervisor => Flavor::CloudHypervisor,
        }
    }
}

/// cloud-hypervisor's header fields: `Sdt::new(sig, 36, revision, *b"CLOUDH",
/// oem_table_id, 1)` (`vmm/src/acpi.rs`) from rust-vmm `acpi_tables` 0.2.1,
/// whose `Sdt::new` writes `CREATOR_ID` "RVAT" and `CREATOR_REVISION`
/// `[0, 0, 0, 1]`, i.e. 0x01000000 read as the little-endian u32 it is.
pub fn ch_header(
    signature: [u8; 4],
    revision: u8,
    oem_table_id: [u8; 8],
    oem_revision: u32,
) -> Header {
    Header {
        signature,
        length: 0,
        revision,
        checksum: 0,
        oem_id: *b"CLOUDH",
        oem_table_id,
        oem_revision,
        creator_id: *b"RVAT",
        creator_revision: u32::from_le_bytes([0, 0, 0, 1]),
    }
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
