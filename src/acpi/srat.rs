//! SRAT, the System Resource Affinity Table (ACPI 6.5 §5.2.16).
//!
//! SRAT is how firmware tells the OS which proximity domain (PXM) each CPU,
//! memory range and generic initiator or port belongs to. The OS turns
//! proximity domains into NUMA nodes; SLIT and HMAT then describe the
//! distances between those domains, and devices in the DSDT point at them
//! with `_PXM`.
//!
//! Layout: the 36-byte header, a u32 that must be 1 (byte 36), a reserved
//! u64 (byte 40), then affinity structures from byte 48 on, each starting
//! with a u8 Type and a u8 Length. Types 0-6 are decoded into typed entries;
//! anything else (RINTC, future types) is kept raw in [`SratEntry::Other`].
//! Every reserved field is kept, so real firmware tables round-trip exactly.
//!
//! Linux masks Memory Affinity proximity domains to 8 bits when the header
//! revision is 1 or lower, and only reads the upper 24 bits of the type 0
//! domain from revision 2 on, so topoc emits [`Srat::REVISION`] (3). QEMU
//! still writes revision 1.

use acpi_tables::AmlSink;

use super::{ChecksumPolicy, DecodeError, EncodeError, HEADER_LEN, Header, Reader, decode_header};
use crate::units::PciAddr;

const SIG: [u8; 4] = *b"SRAT";
/// Header plus the u32 and u64 reserved words.
const FIXED_LEN: usize = HEADER_LEN + 12;

/// Type and length of each structure type with a typed decoding.
pub const LOCAL_APIC: u8 = 0;
pub const MEMORY: u8 = 1;
pub const X2APIC: u8 = 2;
pub const GICC: u8 = 3;
pub const GIC_ITS: u8 = 4;
pub const GENERIC_INITIATOR: u8 = 5;
pub const GENERIC_PORT: u8 = 6;

const fn fixed_length(kind: u8) -> Option<u8> {
    match kind {
        LOCAL_APIC => Some(16),
        MEMORY => Some(40),
        X2APIC => Some(24),
        GICC => Some(18),
        GIC_ITS => Some(12),
        GENERIC_INITIATOR | GENERIC_PORT => Some(32),
        _ => None,
    }
}

/// ACPICA's name for SRAT structure type `kind`.
pub fn type_name(kind: u16) -> Option<&'static str> {
    Some(match kind {
        0 => "Processor Local APIC/SAPIC Affinity",
        1 => "Memory Affinity",
        2 => "Processor Local x2APIC Affinity",
        3 => "GICC Affinity",
        4 => "GIC ITS Affinity",
        5 => "Generic Initiator Affinity",
        6 => "Generic Port Affinity",
        7 => "RINTC Affinity",
        _ => return None,
    })
}

/// A decoded SRAT.
///
/// Build one with [`Srat::new`] and push entries; they are emitted in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Srat {
    pub header: Header,
    /// Byte 36, "Reserved, must be 1" for backward compatibility. QEMU
    /// writes 1; cloud-hypervisor writes 0.
    pub reserved1: u32,
    /// Byte 40, reserved.
    pub reserved2: u64,
    pub entries: Vec<SratEntry>,
}

/// One SRAT affinity structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SratEntry {
    /// Type 0: an xAPIC CPU (APIC ID < 255).
    LocalApic(LocalApicAffinity),
    /// Type 1: a physical address range.
    Memory(MemoryAffinity),
    /// Type 2: an x2APIC CPU.
    X2Apic(X2ApicAffinity),
    /// Type 3: an Arm GIC CPU interface.
    Gicc(GiccAffinity),
    /// Type 4: an Arm GIC ITS.
    GicIts(GicItsAffinity),
    /// Type 5: a device that initiates memory accesses (GPU, accelerator).
    GenericInitiator(GenericAffinity),
    /// Type 6: a port to memory attached behind it (CXL host bridge).
    GenericPort(GenericAffinity),
    /// Any other type, kept raw. `bytes` is everything after the Type and
    /// Length bytes, so the structure is `2 + bytes.len()` long.
    Other { kind: u8, bytes: Vec<u8> },
}

/// Type 0, 16 bytes. The proximity domain is split in the table: bits 7:0 at
/// +2 and bits 31:8 at +9..+12; `pxm` holds all 32 bits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalApicAffinity {
    pub pxm: u32,
    pub apic_id: u8,
    /// Bit 0: enabled ([`ENABLED`]).
    pub flags: u32,
    /// Local SAPIC EID, 0 on x86.
    pub sapic_eid: u8,
    pub clock_domain: u32,
}

/// Type 1, 40 bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryAffinity {
    pub pxm: u32,
    pub base: u64,
    pub length: u64,
    /// [`ENABLED`], [`MemoryAffinity::HOT_PLUGGABLE`], [`MemoryAffinity::NON_VOLATILE`].
    pub flags: u32,
    /// +6, u16.
    pub reserved1: u16,
    /// +24, u32.
    pub reserved2: u32,
    /// +32, u64.
    pub reserved3: u64,
}

/// Type 2, 24 bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct X2ApicAffinity {
    pub pxm: u32,
    pub x2apic_id: u32,
    /// Bit 0: enabled.
    pub flags: u32,
    pub clock_domain: u32,
    /// +2, u16.
    pub reserved1: u16,
    /// +20, u32.
    pub reserved2: u32,
}

/// Type 3, 18 bytes (Arm).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GiccAffinity {
    pub pxm: u32,
    pub processor_uid: u32,
    /// Bit 0: enabled.
    pub flags: u32,
    pub clock_domain: u32,
}

/// Type 4, 12 bytes (Arm).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GicItsAffinity {
    pub pxm: u32,
    pub its_id: u32,
    /// +6, u16.
    pub reserved: u16,
}

/// Types 5 and 6, 32 bytes: Generic Initiator and Generic Port share a layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenericAffinity {
    pub pxm: u32,
    pub handle: DeviceHandle,
    /// [`ENABLED`], [`GenericAffinity::ARCHITECTURAL_TRANSACTIONS`].
    pub flags: u32,
    /// +2, u8.
    pub reserved1: u8,
    /// +28, u32.
    pub reserved2: u32,
}

/// The device a generic initiator or port stands for: the Device Handle Type
/// byte (+3) together with the 16-byte Device Handle (+8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DeviceHandle {
    /// Handle type 1. Bus is handle byte 2 and devfn byte 3 (bus first, as
    /// fixed in QEMU; early QEMU wrote a little-endian BDF, devfn first).
    Pci { segment: u16, bus: u8, devfn: u8 },
    /// Handle type 0: `_HID` (8 ASCII bytes) and `_UID`.
    Acpi { hid: [u8; 8], uid: u32 },
    /// Any other handle type, or a PCI/ACPI handle whose reserved bytes are
    /// not zero, kept as found.
    Raw { handle_type: u8, bytes: [u8; 16] },
}

/// Flag bit 0 of every SRAT structure that has flags: the entry is in use.
/// Linux skips entries without it.
pub const ENABLED: u32 = 1 << 0;

impl MemoryAffinity {
    pub const HOT_PLUGGABLE: u32 = 1 << 1;
    pub const NON_VOLATILE: u32 = 1 << 2;
    /// Bit 3, "Specific-Purpose" (ACPI 6.6). Neither `iasl` 20200925 nor
    /// Linux reads it; Specific Purpose Memory is signalled through E820/EFI.
    pub const SPECIFIC_PURPOSE: u32 = 1 << 3;
}

impl GenericAffinity {
    pub const ARCHITECTURAL_TRANSACTIONS: u32 = 1 << 1;
}

impl DeviceHandle {
    /// The PCI handle for `addr`.
    pub fn pci(addr: PciAddr) -> DeviceHandle {
        DeviceHandle::Pci {
            segment: addr.segment,
            bus: addr.bus,
            devfn: addr.devfn(),
        }
    }

    /// The PCI address of a PCI handle.
    pub fn pci_addr(&self) -> Option<PciAddr> {
        match *self {
            DeviceHandle::Pci {
                segment,
                bus,
                devfn,
            } => Some(PciAddr {
                segment,
                bus,
                device: devfn >> 3,
                function: devfn & 7,
            }),
            _ => None,
        }
    }

    /// The Device Handle Type byte.
    pub fn handle_type(&self) -> u8 {
        match self {
            DeviceHandle::Acpi { .. } => 0,
            DeviceHandle::Pci { .. } => 1,
            DeviceHandle::Raw { handle_type, .. } => *handle_type,
        }
    }

    /// The 16 Device Handle bytes.
    pub fn to_bytes(&self) -> [u8; 16] {
        let mut out = [0u8; 16];
        match self {
            DeviceHandle::Pci {
                segment,
                bus,
                devfn,
            } => {
                out[0..2].copy_from_slice(&segment.to_le_bytes());
                out[2] = *bus;
                out[3] = *devfn;
            }
            DeviceHandle::Acpi { hid, uid } => {
                out[0..8].copy_from_slice(hid);
                out[8..12].copy_from_slice(&uid.to_le_bytes());
            }
            DeviceHandle::Raw { bytes, .. } => out = *bytes,
        }
        out
    }

    /// The typed handle for these bytes; `Raw` when the type is unknown or a
    /// reserved byte is set, so that `to_bytes` gives the same bytes back.
    pub fn from_bytes(handle_type: u8, bytes: [u8; 16]) -> DeviceHandle {
        let zero = |range: std::ops::Range<usize>| bytes[range].iter().all(|&b| b == 0);
        match handle_type {
            0 if zero(12..16) => {
                let mut hid = [0u8; 8];
                hid.copy_from_slice(&bytes[0..8]);
                DeviceHandle::Acpi {
                    hid,
                    uid: u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]),
                }
            }
            1 if zero(4..16) => DeviceHandle::Pci {
                segment: u16::from_le_bytes([bytes[0], bytes[1]]),
                bus: bytes[2],
                devfn: bytes[3],
            },
            _ => DeviceHandle::Raw { handle_type, bytes },
        }
    }
}

impl SratEntry {
    /// The structure's Type byte.
    pub fn kind(&self) -> u8 {
        match self {
            SratEntry::LocalApic(_) => LOCAL_APIC,
            SratEntry::Memory(_) => MEMORY,
            SratEntry::X2Apic(_) => X2APIC,
            SratEntry::Gicc(_) => GICC,
            SratEntry::GicIts(_) => GIC_ITS,
            SratEntry::GenericInitiator(_) => GENERIC_INITIATOR,
            SratEntry::GenericPort(_) => GENERIC_PORT,
            SratEntry::Other { kind, .. } => *kind,
        }
    }

    /// The proximity domain, for every type that has one.
    pub fn pxm(&self) -> Option<u32> {
        match self {
            SratEntry::LocalApic(e) => Some(e.pxm),
            SratEntry::Memory(e) => Some(e.pxm),
            SratEntry::X2Apic(e) => Some(e.pxm),
            SratEntry::Gicc(e) => Some(e.pxm),
            SratEntry::GicIts(e) => Some(e.pxm),
            SratEntry::GenericInitiator(e) | SratEntry::GenericPort(e) => Some(e.pxm),
            SratEntry::Other { .. } => None,
        }
    }

    /// The flags word, for every type that has one.
    pub fn flags(&self) -> Option<u32> {
        match self {
            SratEntry::LocalApic(e) => Some(e.flags),
            SratEntry::Memory(e) => Some(e.flags),
            SratEntry::X2Apic(e) => Some(e.flags),
            SratEntry::Gicc(e) => Some(e.flags),
            SratEntry::GenericInitiator(e) | SratEntry::GenericPort(e) => Some(e.flags),
            SratEntry::GicIts(_) | SratEntry::Other { .. } => None,
        }
    }

    /// Whether the Enabled flag is set (GIC ITS entries have no flags and
    /// count as enabled; unknown types do not).
    pub fn enabled(&self) -> bool {
        match self {
            SratEntry::GicIts(_) => true,
            other => other.flags().is_some_and(|f| f & ENABLED != 0),
        }
    }

    fn encode(&self, index: usize, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        let kind = self.kind();
        out.byte(kind);
        out.byte(0); // length, patched below
        match self {
            SratEntry::LocalApic(e) => {
                let [pd0, pd1, pd2, pd3] = e.pxm.to_le_bytes();
                out.byte(pd0);
                out.byte(e.apic_id);
                out.dword(e.flags);
                out.byte(e.sapic_eid);
                out.vec(&[pd1, pd2, pd3]);
                out.dword(e.clock_domain);
            }
            SratEntry::Memory(e) => {
                out.dword(e.pxm);
                out.word(e.reserved1);
                out.qword(e.base);
                out.qword(e.length);
                out.dword(e.reserved2);
                out.dword(e.flags);
                out.qword(e.reserved3);
            }
            SratEntry::X2Apic(e) => {
                out.word(e.reserved1);
                out.dword(e.pxm);
                out.dword(e.x2apic_id);
                out.dword(e.flags);
                out.dword(e.clock_domain);
                out.dword(e.reserved2);
            }
            SratEntry::Gicc(e) => {
                out.dword(e.pxm);
                out.dword(e.processor_uid);
                out.dword(e.flags);
                out.dword(e.clock_domain);
            }
            SratEntry::GicIts(e) => {
                out.dword(e.pxm);
                out.word(e.reserved);
                out.dword(e.its_id);
            }
            SratEntry::GenericInitiator(e) | SratEntry::GenericPort(e) => {
                let bytes = e.handle.to_bytes();
                let typed_raw = match e.handle {
                    DeviceHandle::Raw { handle_type, .. } => !matches!(
                        DeviceHandle::from_bytes(handle_type, bytes),
                        DeviceHandle::Raw { .. }
                    ),
                    _ => false,
                };
                if typed_raw {
                    return Err(EncodeError::NonCanonical {
                        signature: SIG,
                        index,
                        what: "a raw device handle holds a valid PCI or ACPI handle",
                    });
                }
                out.byte(e.reserved1);
                out.byte(e.handle.handle_type());
                out.dword(e.pxm);
                out.vec(&bytes);
                out.dword(e.flags);
                out.dword(e.reserved2);
            }
            SratEntry::Other { kind, bytes } => {
                if fixed_length(*kind).is_some() {
                    return Err(EncodeError::NonCanonical {
                        signature: SIG,
                        index,
                        what: "an `Other` entry has a type that decodes as a typed entry",
                    });
                }
                out.vec(bytes);
            }
        }
        let length = out.len() - start;
        match (u8::try_from(length), out.get_mut(start + 1)) {
            (Ok(len), Some(slot)) => {
                *slot = len;
                Ok(())
            }
            _ => Err(EncodeError::StructureTooLong {
                signature: SIG,
                index,
                kind: u16::from(kind),
                length: length as u64,
                max: u64::from(u8::MAX),
            }),
        }
    }

    /// Decodes the structure at `offset`, whose Type and Length were read
    /// and checked against the table bounds by the caller.
    fn decode(r: &Reader<'_>, offset: usize, kind: u8, length: u8) -> Result<Self, DecodeError> {
        let expected = fixed_length(kind).unwrap_or(length);
        if expected != length {
            return Err(DecodeError::StructureLength {
                signature: SIG,
                offset,
                kind: u16::from(kind),
                length: u64::from(length),
                expected: u64::from(expected),
            });
        }
        let at = |rel: usize| offset + rel;
        Ok(match kind {
            LOCAL_APIC => {
                let high: [u8; 3] = r.array(at(9))?;
                SratEntry::LocalApic(LocalApicAffinity {
                    pxm: u32::from_le_bytes([r.u8(at(2))?, high[0], high[1], high[2]]),
                    apic_id: r.u8(at(3))?,
                    flags: r.u32(at(4))?,
                    sapic_eid: r.u8(at(8))?,
                    clock_domain: r.u32(at(12))?,
                })
            }
            MEMORY => SratEntry::Memory(MemoryAffinity {
                pxm: r.u32(at(2))?,
                reserved1: r.u16(at(6))?,
                base: r.u64(at(8))?,
                length: r.u64(at(16))?,
                reserved2: r.u32(at(24))?,
                flags: r.u32(at(28))?,
                reserved3: r.u64(at(32))?,
            }),
            X2APIC => SratEntry::X2Apic(X2ApicAffinity {
                reserved1: r.u16(at(2))?,
                pxm: r.u32(at(4))?,
                x2apic_id: r.u32(at(8))?,
                flags: r.u32(at(12))?,
                clock_domain: r.u32(at(16))?,
                reserved2: r.u32(at(20))?,
            }),
            GICC => SratEntry::Gicc(GiccAffinity {
                pxm: r.u32(at(2))?,
                processor_uid: r.u32(at(6))?,
                flags: r.u32(at(10))?,
                clock_domain: r.u32(at(14))?,
            }),
            GIC_ITS => SratEntry::GicIts(GicItsAffinity {
                pxm: r.u32(at(2))?,
                reserved: r.u16(at(6))?,
                its_id: r.u32(at(8))?,
            }),
            GENERIC_INITIATOR | GENERIC_PORT => {
                let g = GenericAffinity {
                    reserved1: r.u8(at(2))?,
                    pxm: r.u32(at(4))?,
                    handle: DeviceHandle::from_bytes(r.u8(at(3))?, r.array(at(8))?),
                    flags: r.u32(at(24))?,
                    reserved2: r.u32(at(28))?,
                };
                if kind == GENERIC_INITIATOR {
                    SratEntry::GenericInitiator(g)
                } else {
                    SratEntry::GenericPort(g)
                }
            }
            _ => SratEntry::Other {
                kind,
                bytes: r
                    .slice(at(2), usize::from(length).saturating_sub(2))?
                    .to_vec(),
            },
        })
    }
}

impl Srat {
    pub const SIGNATURE: [u8; 4] = SIG;
    /// The revision topoc emits (ACPI 6.3+ layout; see the module doc).
    pub const REVISION: u8 = 3;

    /// An empty SRAT with the reserved word at 1, as the spec requires.
    pub fn new(header: Header) -> Srat {
        Srat {
            header,
            reserved1: 1,
            reserved2: 0,
            entries: Vec::new(),
        }
    }

    /// Decodes a SRAT, verifying the checksum.
    pub fn decode(bytes: &[u8]) -> Result<Srat, DecodeError> {
        Srat::decode_with(bytes, ChecksumPolicy::Verify)
    }

    pub fn decode_with(bytes: &[u8], policy: ChecksumPolicy) -> Result<Srat, DecodeError> {
        let header = decode_header(bytes, SIG, FIXED_LEN, policy)?;
        let r = Reader::new(bytes, Some(SIG));
        let reserved1 = r.u32(36)?;
        let reserved2 = r.u64(40)?;
        let mut entries = Vec::new();
        let mut offset = FIXED_LEN;
        while offset < r.len() {
            let remaining = r.len() - offset;
            if remaining < 2 {
                return Err(DecodeError::StructureHeaderOverrun {
                    signature: SIG,
                    offset,
                    header_len: 2,
                    remaining,
                });
            }
            let kind = r.u8(offset)?;
            let length = r.u8(offset + 1)?;
            if length < 2 {
                return Err(DecodeError::StructureTooSmall {
                    signature: SIG,
                    offset,
                    kind: u16::from(kind),
                    length: u64::from(length),
                    minimum: 2,
                });
            }
            if usize::from(length) > remaining {
                return Err(DecodeError::StructureOverrun {
                    signature: SIG,
                    offset,
                    kind: u16::from(kind),
                    length: u64::from(length),
                    remaining,
                });
            }
            entries.push(SratEntry::decode(&r, offset, kind, length)?);
            offset += usize::from(length);
        }
        Ok(Srat {
            header,
            reserved1,
            reserved2,
            entries,
        })
    }

    /// Encodes the table. Length and checksum come from the content; the
    /// header's `length` and `checksum` fields are ignored.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        self.header.expect_signature(SIG)?;
        let mut body = Vec::new();
        body.dword(self.reserved1);
        body.qword(self.reserved2);
        for (index, entry) in self.entries.iter().enumerate() {
            entry.encode(index, &mut body)?;
        }
        self.header.encode_table(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        Header {
            signature: SIG,
            length: 0,
            revision: Srat::REVISION,
            checksum: 0,
            oem_id: *b"TOPOC ",
            oem_table_id: *b"TOPOCSRA",
            oem_revision: 1,
            creator_id: *b"TPOC",
            creator_revision: 1,
        }
    }

    #[test]
    fn local_apic_splits_the_proximity_domain() {
        let mut srat = Srat::new(header());
        srat.entries.push(SratEntry::LocalApic(LocalApicAffinity {
            pxm: 0x1234_5678,
            apic_id: 9,
            flags: ENABLED,
            sapic_eid: 0,
            clock_domain: 0xAABB_CCDD,
        }));
        let bytes = srat.to_bytes().expect("encodes");
        let e = &bytes[48..];
        assert_eq!(&e[..4], &[0, 16, 0x78, 9]);
        assert_eq!(&e[4..8], &1u32.to_le_bytes());
        assert_eq!(&e[8..12], &[0, 0x56, 0x34, 0x12]);
        assert_eq!(&e[12..16], &0xAABB_CCDDu32.to_le_bytes());
        let back = Srat::decode(&bytes).expect("decodes");
        assert_eq!(back.entries, srat.entries);
    }

    #[test]
    fn pci_handle_is_bus_then_devfn() {
        let h = DeviceHandle::pci(PciAddr {
            segment: 0x0102,
            bus: 0x41,
            device: 2,
            function: 1,
        });
        assert_eq!(&h.to_bytes()[..4], &[0x02, 0x01, 0x41, 0x11]);
        assert_eq!(DeviceHandle::from_bytes(1, h.to_bytes()), h);
        let mut dirty = h.to_bytes();
        dirty[15] = 1;
        assert!(matches!(
            DeviceHandle::from_bytes(1, dirty),
            DeviceHandle::Raw { handle_type: 1, .. }
        ));
    }

    #[test]
    fn encoding_rejects_what_would_not_read_back() {
        let mut srat = Srat::new(header());
        srat.entries.push(SratEntry::Other {
            kind: MEMORY,
            bytes: vec![0; 38],
        });
        assert!(matches!(
            srat.to_bytes(),
            Err(EncodeError::NonCanonical { index: 0, .. })
        ));
        srat.entries[0] = SratEntry::Other {
            kind: 7,
            bytes: vec![0; 254],
        };
        assert!(matches!(
            srat.to_bytes(),
            Err(EncodeError::StructureTooLong { length: 256, .. })
        ));
        srat.entries[0] = SratEntry::GenericInitiator(GenericAffinity {
            pxm: 1,
            handle: DeviceHandle::Raw {
                handle_type: 1,
                bytes: [0; 16],
            },
            flags: ENABLED,
            reserved1: 0,
            reserved2: 0,
        });
        assert!(matches!(
            srat.to_bytes(),
            Err(EncodeError::NonCanonical { .. })
        ));
        srat.header.signature = *b"SLIT";
        assert!(matches!(
            srat.to_bytes(),
            Err(EncodeError::WrongSignature { .. })
        ));
    }

    #[test]
    fn structure_framing_errors() {
        let srat = Srat::new(header());
        let base = srat.to_bytes().expect("encodes");
        let with = |tail: &[u8]| {
            let mut t = base.clone();
            t.extend_from_slice(tail);
            let len = t.len() as u32;
            t[4..8].copy_from_slice(&len.to_le_bytes());
            t[9] = super::super::checksum(&t);
            Srat::decode(&t)
        };
        assert!(matches!(
            with(&[1]),
            Err(DecodeError::StructureHeaderOverrun { offset: 48, .. })
        ));
        assert!(matches!(
            with(&[9, 0]),
            Err(DecodeError::StructureTooSmall { offset: 48, .. })
        ));
        assert!(matches!(
            with(&[9, 5, 0]),
            Err(DecodeError::StructureOverrun {
                offset: 48,
                length: 5,
                remaining: 3,
                ..
            })
        ));
        let err = with(&[0, 4, 0, 0]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"SRAT\": structure at byte 48 (type 0, Processor Local APIC/SAPIC Affinity) \
             has length 4, expected 16"
        );
        assert_eq!(
            with(&[7, 4, 0xAA, 0xBB]).expect("decodes").entries,
            vec![SratEntry::Other {
                kind: 7,
                bytes: vec![0xAA, 0xBB]
            }]
        );
    }

    /// The crate's SRAT builder hard-codes header revision 1, under which
    /// Linux masks Memory Affinity proximity domains to 8 bits. topoc
    /// encodes its own SRAT for that reason (and because the crate cannot
    /// emit type 0/2 CPU entries). If this fails, the crate now writes
    /// another revision: reconsider using it.
    #[test]
    fn crate_srat_hard_codes_revision_1() {
        use acpi_tables::Aml;
        let mut srat = acpi_tables::srat::SRAT::new(*b"TOPOC ", *b"TOPOCSRA", 1);
        srat.add_memory_affinity(
            acpi_tables::srat::MemoryAffinity::new(0x1FF, 0x1000, 0x2000).enabled(),
        );
        let mut bytes = Vec::new();
        srat.to_aml_bytes(&mut bytes);
        let decoded = Srat::decode(&bytes).expect("crate output decodes");
        assert_eq!(decoded.header.revision, 1);
        assert_eq!(decoded.reserved1, 1);
        // The body itself is right: our decoder reads back what was asked for.
        assert_eq!(
            decoded.entries,
            vec![SratEntry::Memory(MemoryAffinity {
                pxm: 0x1FF,
                base: 0x1000,
                length: 0x2000,
                flags: ENABLED,
                ..Default::default()
            })]
        );
    }
}
