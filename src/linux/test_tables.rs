//! Small SRAT structures for the tests of this module.

use crate::acpi::Header;
use crate::acpi::srat::{
    DeviceHandle, ENABLED, GenericAffinity, LocalApicAffinity, MemoryAffinity, SratEntry,
};

pub fn header(sig: &[u8; 4], rev: u8) -> Header {
    Header {
        signature: *sig,
        length: 0,
        revision: rev,
        checksum: 0,
        oem_id: *b"BOCHS ",
        oem_table_id: *b"BXPC    ",
        oem_revision: 1,
        creator_id: *b"BXPC",
        creator_revision: 1,
    }
}

pub fn cpu(pxm: u32, apic: u8) -> SratEntry {
    SratEntry::LocalApic(LocalApicAffinity {
        pxm,
        apic_id: apic,
        flags: ENABLED,
        ..LocalApicAffinity::default()
    })
}

pub fn mem(pxm: u32, base: u64, length: u64) -> SratEntry {
    SratEntry::Memory(MemoryAffinity {
        pxm,
        base,
        length,
        flags: ENABLED,
        ..MemoryAffinity::default()
    })
}

pub fn gi(pxm: u32) -> SratEntry {
    SratEntry::GenericInitiator(GenericAffinity {
        pxm,
        handle: DeviceHandle::Pci {
            segment: 0,
            bus: 0,
            devfn: 0x80,
        },
        flags: ENABLED,
        reserved1: 0,
        reserved2: 0,
    })
}
