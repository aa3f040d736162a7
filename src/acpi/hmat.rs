//! HMAT, the Heterogeneous Memory Attribute Table (ACPI 6.5 §5.2.28).
//!
//! HMAT refines SRAT's proximity domains with performance: which initiator
//! domain a memory domain is attached to (type 0), latency and bandwidth
//! between initiator and target domains (type 1), and memory-side caches in
//! front of a memory domain (type 2). Linux turns it into
//! `/sys/devices/system/node/nodeN/access{0,1}` and uses it to rank memory
//! tiers.
//!
//! Layout: the 36-byte header, a reserved u32 (byte 36), then structures
//! from byte 40, each starting with a u16 Type, a u16 Reserved and a u32
//! Length. Revision 2 is the ACPI 6.3+ layout; revision 1 (ACPI 6.2) has the
//! same bytes but other meanings, and Linux divides every revision-1 value
//! by 10 ([`crate::linux::hmat::normalize`]). topoc emits [`Hmat::REVISION`] (2).
//!
//! Types 1 and 2 are variable-length. A Length larger than their counts need
//! is accepted (Linux accepts it too, and hand-made tables pad type 1 to a
//! multiple of 4); the extra bytes are kept in `padding`.

use acpi_tables::AmlSink;

use super::{ChecksumPolicy, DecodeError, EncodeError, HEADER_LEN, Header, Reader, decode_header};

const SIG: [u8; 4] = *b"HMAT";
/// Header plus the reserved u32.
const FIXED_LEN: usize = HEADER_LEN + 4;
/// Type, Reserved and Length of every HMAT structure.
const STRUCT_HEADER_LEN: usize = 8;

pub const MPDA: u16 = 0;
pub const LOCALITY: u16 = 1;
pub const CACHE: u16 = 2;

/// Size of a type 0 structure, and of the fixed parts of types 1 and 2.
const MPDA_LEN: usize = 40;
const LOCALITY_FIXED_LEN: usize = 32;
const CACHE_FIXED_LEN: usize = 32;

/// ACPICA's name for HMAT structure type `kind`.
pub fn type_name(kind: u16) -> Option<&'static str> {
    Some(match kind {
        MPDA => "Memory Proximity Domain Attributes",
        LOCALITY => "System Locality Latency and Bandwidth Information",
        CACHE => "Memory Side Cache Information",
        _ => return None,
    })
}

/// A decoded HMAT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hmat {
    pub header: Header,
    /// Byte 36, reserved.
    pub reserved: u32,
    pub structures: Vec<HmatStructure>,
}

/// One HMAT structure. Every variant keeps the u16 reserved word at +2 of
/// its structure header in `header_reserved`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HmatStructure {
    /// Type 0.
    Mpda(Mpda),
    /// Type 1.
    Locality(Locality),
    /// Type 2.
    Cache(Cache),
    /// Any other type, kept raw. `bytes` is everything after the 8-byte
    /// structure header, so the structure is `8 + bytes.len()` long.
    Other {
        kind: u16,
        header_reserved: u16,
        bytes: Vec<u8>,
    },
}

/// Type 0, Memory Proximity Domain Attributes, 40 bytes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mpda {
    /// Bit 0 ([`Mpda::INITIATOR_VALID`]): `initiator` is meaningful. In
    /// revision 1 bit 0 meant processor PD valid, bit 1 memory PD valid,
    /// bit 2 reservation hint.
    pub flags: u16,
    /// +12, the attached initiator's proximity domain.
    pub initiator: u32,
    /// +16, the memory's proximity domain. Linux rejects the whole HMAT if
    /// SRAT has no enabled memory range in this domain.
    pub memory: u32,
    /// +2.
    pub header_reserved: u16,
    /// +10, u16.
    pub reserved1: u16,
    /// +20, u32.
    pub reserved2: u32,
    /// +24, u64: reserved since ACPI 6.3; the address range base in rev 1.
    pub reserved3: u64,
    /// +32, u64: reserved since ACPI 6.3; the address range length in rev 1.
    pub reserved4: u64,
}

/// Type 1, System Locality Latency and Bandwidth Information:
/// `32 + 4·I + 4·T + 2·I·T` bytes (plus any padding).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Locality {
    /// Bits 3:0 memory hierarchy (0 memory, 1-3 cache level); bit 4
    /// [`Locality::MINIMUM_TRANSFER_SIZE`]; bit 5 [`Locality::NON_SEQUENTIAL`].
    pub flags: u8,
    /// [`ACCESS_LATENCY`] .. [`WRITE_BANDWIDTH`].
    pub data_type: u8,
    pub min_transfer_size: u8,
    /// Every entry is multiplied by this: picoseconds for latency, MB/s for
    /// bandwidth (revision 2).
    pub base_unit: u64,
    pub initiators: Vec<u32>,
    pub targets: Vec<u32>,
    /// `initiators.len() × targets.len()` entries, row-major by initiator:
    /// the entry for initiator `i` and target `t` is `entries[i * T + t]`.
    /// 0 means not provided, 0xFFFF unreachable.
    pub entries: Vec<u16>,
    /// +2.
    pub header_reserved: u16,
    /// +11, u8.
    pub reserved1: u8,
    /// +20, u32.
    pub reserved2: u32,
    /// Bytes the Length covers beyond the entries.
    pub padding: Vec<u8>,
}

/// Type 2, Memory Side Cache Information: `32 + 2·n` bytes (plus any padding).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cache {
    /// The memory proximity domain this cache is in front of.
    pub memory: u32,
    /// Cache size in bytes.
    pub size: u64,
    /// See [`CacheAttributes`].
    pub attributes: u32,
    /// +28: reserved in ACPI 6.3/6.4; "Address Mode" in newer ACPICA
    /// (0 unknown, 1 extended-linear).
    pub address_mode: u16,
    pub smbios_handles: Vec<u16>,
    /// +2.
    pub header_reserved: u16,
    /// +12, u32.
    pub reserved1: u32,
    /// Bytes the Length covers beyond the SMBIOS handles.
    pub padding: Vec<u8>,
}

/// Locality data types (byte +9 of a type 1 structure).
pub const ACCESS_LATENCY: u8 = 0;
pub const READ_LATENCY: u8 = 1;
pub const WRITE_LATENCY: u8 = 2;
pub const ACCESS_BANDWIDTH: u8 = 3;
pub const READ_BANDWIDTH: u8 = 4;
pub const WRITE_BANDWIDTH: u8 = 5;

/// Whether locality data type `data_type` is a latency (otherwise bandwidth).
pub fn is_latency(data_type: u8) -> bool {
    matches!(data_type, ACCESS_LATENCY | READ_LATENCY | WRITE_LATENCY)
}

/// ACPICA's name for locality data type `data_type`.
pub fn data_type_name(data_type: u8) -> &'static str {
    match data_type {
        ACCESS_LATENCY => "access latency",
        READ_LATENCY => "read latency",
        WRITE_LATENCY => "write latency",
        ACCESS_BANDWIDTH => "access bandwidth",
        READ_BANDWIDTH => "read bandwidth",
        WRITE_BANDWIDTH => "write bandwidth",
        _ => "reserved data type",
    }
}

/// The fields packed into a memory-side cache's Cache Attributes word.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct CacheAttributes {
    /// Bits 3:0, total cache levels for this memory domain.
    pub total_levels: u8,
    /// Bits 7:4, the level this structure describes.
    pub level: u8,
    /// Bits 11:8: 0 none, 1 direct mapped, 2 complex cache indexing.
    pub associativity: u8,
    /// Bits 15:12: 0 none, 1 write-back, 2 write-through.
    pub write_policy: u8,
    /// Bits 31:16, cache line size in bytes.
    pub line_size: u16,
}

impl CacheAttributes {
    pub fn from_raw(raw: u32) -> CacheAttributes {
        CacheAttributes {
            total_levels: (raw & 0xF) as u8,
            level: ((raw >> 4) & 0xF) as u8,
            associativity: ((raw >> 8) & 0xF) as u8,
            write_policy: ((raw >> 12) & 0xF) as u8,
            line_size: (raw >> 16) as u16,
        }
    }

    /// Packs the fields; each 4-bit field keeps only its low 4 bits.
    pub fn to_raw(self) -> u32 {
        u32::from(self.total_levels & 0xF)
            | u32::from(self.level & 0xF) << 4
            | u32::from(self.associativity & 0xF) << 8
            | u32::from(self.write_policy & 0xF) << 12
            | u32::from(self.line_size) << 16
    }

    pub fn associativity_name(self) -> &'static str {
        match self.associativity {
            0 => "none",
            1 => "direct mapped",
            2 => "complex cache indexing",
            _ => "reserved",
        }
    }

    pub fn write_policy_name(self) -> &'static str {
        match self.write_policy {
            0 => "none",
            1 => "write-back",
            2 => "write-through",
            _ => "reserved",
        }
    }
}

impl Mpda {
    pub const INITIATOR_VALID: u16 = 1 << 0;
}

impl Locality {
    pub const MINIMUM_TRANSFER_SIZE: u8 = 1 << 4;
    pub const NON_SEQUENTIAL: u8 = 1 << 5;

    /// Memory hierarchy: 0 memory, 1-3 memory-side cache level.
    pub fn hierarchy(&self) -> u8 {
        self.flags & 0xF
    }

    /// The raw entry for initiator index `i` and target index `t`.
    pub fn entry(&self, i: usize, t: usize) -> Option<u16> {
        if i >= self.initiators.len() || t >= self.targets.len() {
            return None;
        }
        let index = i.checked_mul(self.targets.len())?.checked_add(t)?;
        self.entries.get(index).copied()
    }
}

impl Cache {
    pub fn decoded_attributes(&self) -> CacheAttributes {
        CacheAttributes::from_raw(self.attributes)
    }
}

impl HmatStructure {
    pub fn kind(&self) -> u16 {
        match self {
            HmatStructure::Mpda(_) => MPDA,
            HmatStructure::Locality(_) => LOCALITY,
            HmatStructure::Cache(_) => CACHE,
            HmatStructure::Other { kind, .. } => *kind,
        }
    }

    fn header_reserved(&self) -> u16 {
        match self {
            HmatStructure::Mpda(s) => s.header_reserved,
            HmatStructure::Locality(s) => s.header_reserved,
            HmatStructure::Cache(s) => s.header_reserved,
            HmatStructure::Other {
                header_reserved, ..
            } => *header_reserved,
        }
    }

    fn encode(&self, index: usize, out: &mut Vec<u8>) -> Result<(), EncodeError> {
        let start = out.len();
        let kind = self.kind();
        let count = |field: &'static str, n: usize| {
            u32::try_from(n).map_err(|_| EncodeError::CountTooLarge {
                signature: SIG,
                index,
                field,
                count: n,
            })
        };
        out.word(kind);
        out.word(self.header_reserved());
        out.dword(0); // length, patched below
        match self {
            HmatStructure::Mpda(s) => {
                out.word(s.flags);
                out.word(s.reserved1);
                out.dword(s.initiator);
                out.dword(s.memory);
                out.dword(s.reserved2);
                out.qword(s.reserved3);
                out.qword(s.reserved4);
            }
            HmatStructure::Locality(s) => {
                let expected = s.initiators.len().checked_mul(s.targets.len());
                if expected != Some(s.entries.len()) {
                    return Err(EncodeError::LocalityEntries {
                        index,
                        initiators: s.initiators.len(),
                        targets: s.targets.len(),
                        entries: s.entries.len(),
                    });
                }
                out.byte(s.flags);
                out.byte(s.data_type);
                out.byte(s.min_transfer_size);
                out.byte(s.reserved1);
                out.dword(count(
                    "Number of Initiator Proximity Domains",
                    s.initiators.len(),
                )?);
                out.dword(count(
                    "Number of Target Proximity Domains",
                    s.targets.len(),
                )?);
                out.dword(s.reserved2);
                out.qword(s.base_unit);
                s.initiators.iter().for_each(|&v| out.dword(v));
                s.targets.iter().for_each(|&v| out.dword(v));
                s.entries.iter().for_each(|&v| out.word(v));
                out.vec(&s.padding);
            }
            HmatStructure::Cache(s) => {
                let handles = u16::try_from(s.smbios_handles.len()).map_err(|_| {
                    EncodeError::CountTooLarge {
                        signature: SIG,
                        index,
                        field: "Number of SMBIOS handles",
                        count: s.smbios_handles.len(),
                    }
                })?;
                out.dword(s.memory);
                out.dword(s.reserved1);
                out.qword(s.size);
                out.dword(s.attributes);
                out.word(s.address_mode);
                out.word(handles);
                s.smbios_handles.iter().for_each(|&v| out.word(v));
                out.vec(&s.padding);
            }
            HmatStructure::Other { kind, bytes, .. } => {
                if type_name(*kind).is_some() {
                    return Err(EncodeError::NonCanonical {
                        signature: SIG,
                        index,
                        what: "an `Other` structure has a type that decodes as a typed structure",
                    });
                }
                out.vec(bytes);
            }
        }
        let length = out.len() - start;
        match (u32::try_from(length), out.get_mut(start + 4..start + 8)) {
            (Ok(len), Some(slot)) => {
                slot.copy_from_slice(&len.to_le_bytes());
                Ok(())
            }
            _ => Err(EncodeError::StructureTooLong {
                signature: SIG,
                index,
                kind,
                length: length as u64,
                max: u64::from(u32::MAX),
            }),
        }
    }

    /// Decodes the structure at `offset` whose Length (`length`, at least
    /// 8) the caller checked against the table bounds.
    fn decode(
        r: &Reader<'_>,
        offset: usize,
        kind: u16,
        length: usize,
    ) -> Result<Self, DecodeError> {
        let at = |rel: usize| offset + rel;
        let header_reserved = r.u16(at(2))?;
        let too_small = |minimum: usize| DecodeError::StructureTooSmall {
            signature: SIG,
            offset,
            kind,
            length: length as u64,
            minimum: minimum as u64,
        };
        let overrun =
            |rel: usize, field: &'static str, count: u64, needed: u64| DecodeError::CountOverrun {
                signature: SIG,
                offset: at(rel),
                field,
                count,
                needed,
                available: length as u64,
            };
        Ok(match kind {
            MPDA => {
                if length != MPDA_LEN {
                    return Err(DecodeError::StructureLength {
                        signature: SIG,
                        offset,
                        kind,
                        length: length as u64,
                        expected: MPDA_LEN as u64,
                    });
                }
                HmatStructure::Mpda(Mpda {
                    header_reserved,
                    flags: r.u16(at(8))?,
                    reserved1: r.u16(at(10))?,
                    initiator: r.u32(at(12))?,
                    memory: r.u32(at(16))?,
                    reserved2: r.u32(at(20))?,
                    reserved3: r.u64(at(24))?,
                    reserved4: r.u64(at(32))?,
                })
            }
            LOCALITY => {
                if length < LOCALITY_FIXED_LEN {
                    return Err(too_small(LOCALITY_FIXED_LEN));
                }
                let ni = u64::from(r.u32(at(12))?);
                let nt = u64::from(r.u32(at(16))?);
                // All in u64: counts are < 2^32, so only the product can
                // overflow, and only once the sums already exceed `length`.
                let after_initiators = LOCALITY_FIXED_LEN as u64 + 4 * ni;
                if after_initiators > length as u64 {
                    return Err(overrun(
                        12,
                        "Number of Initiator Proximity Domains",
                        ni,
                        after_initiators,
                    ));
                }
                let after_targets = after_initiators + 4 * nt;
                if after_targets > length as u64 {
                    return Err(overrun(
                        16,
                        "Number of Target Proximity Domains",
                        nt,
                        after_targets,
                    ));
                }
                let cells = ni * nt; // both < length / 4, so no overflow
                let after_entries = after_targets + 2 * cells;
                if after_entries > length as u64 {
                    return Err(overrun(
                        12,
                        "Initiators x Targets entry count",
                        cells,
                        after_entries,
                    ));
                }
                // Every count is now bounded by `length`, which fits a usize.
                let (ni, nt, cells) = (ni as usize, nt as usize, cells as usize);
                let list_u32 = |start: usize, n: usize| -> Result<Vec<u32>, DecodeError> {
                    (0..n).map(|k| r.u32(at(start + 4 * k))).collect()
                };
                let initiators = list_u32(LOCALITY_FIXED_LEN, ni)?;
                let targets = list_u32(LOCALITY_FIXED_LEN + 4 * ni, nt)?;
                let entries_at = LOCALITY_FIXED_LEN + 4 * ni + 4 * nt;
                let entries = (0..cells)
                    .map(|k| r.u16(at(entries_at + 2 * k)))
                    .collect::<Result<Vec<u16>, _>>()?;
                let end = entries_at + 2 * cells;
                HmatStructure::Locality(Locality {
                    header_reserved,
                    flags: r.u8(at(8))?,
                    data_type: r.u8(at(9))?,
                    min_transfer_size: r.u8(at(10))?,
                    reserved1: r.u8(at(11))?,
                    reserved2: r.u32(at(20))?,
                    base_unit: r.u64(at(24))?,
                    initiators,
                    targets,
                    entries,
                    padding: r.slice(at(end), length - end)?.to_vec(),
                })
            }
            CACHE => {
                if length < CACHE_FIXED_LEN {
                    return Err(too_small(CACHE_FIXED_LEN));
                }
                let n = usize::from(r.u16(at(30))?);
                let end = CACHE_FIXED_LEN + 2 * n;
                if end > length {
                    return Err(overrun(
                        30,
                        "Number of SMBIOS handles",
                        n as u64,
                        end as u64,
                    ));
                }
                HmatStructure::Cache(Cache {
                    header_reserved,
                    memory: r.u32(at(8))?,
                    reserved1: r.u32(at(12))?,
                    size: r.u64(at(16))?,
                    attributes: r.u32(at(24))?,
                    address_mode: r.u16(at(28))?,
                    smbios_handles: (0..n)
                        .map(|k| r.u16(at(CACHE_FIXED_LEN + 2 * k)))
                        .collect::<Result<_, _>>()?,
                    padding: r.slice(at(end), length - end)?.to_vec(),
                })
            }
            _ => HmatStructure::Other {
                kind,
                header_reserved,
                bytes: r
                    .slice(at(STRUCT_HEADER_LEN), length - STRUCT_HEADER_LEN)?
                    .to_vec(),
            },
        })
    }
}

impl Hmat {
    pub const SIGNATURE: [u8; 4] = SIG;
    /// The revision topoc emits: the ACPI 6.3+ layout and units.
    pub const REVISION: u8 = 2;

    pub fn new(header: Header) -> Hmat {
        Hmat {
            header,
            reserved: 0,
            structures: Vec::new(),
        }
    }

    /// Decodes an HMAT, verifying the checksum.
    pub fn decode(bytes: &[u8]) -> Result<Hmat, DecodeError> {
        Hmat::decode_with(bytes, ChecksumPolicy::Verify)
    }

    pub fn decode_with(bytes: &[u8], policy: ChecksumPolicy) -> Result<Hmat, DecodeError> {
        let header = decode_header(bytes, SIG, FIXED_LEN, policy)?;
        let r = Reader::new(bytes, Some(SIG));
        let reserved = r.u32(HEADER_LEN)?;
        let mut structures = Vec::new();
        let mut offset = FIXED_LEN;
        while offset < r.len() {
            let remaining = r.len() - offset;
            if remaining < STRUCT_HEADER_LEN {
                return Err(DecodeError::StructureHeaderOverrun {
                    signature: SIG,
                    offset,
                    header_len: STRUCT_HEADER_LEN,
                    remaining,
                });
            }
            let kind = r.u16(offset)?;
            let length = r.u32(offset + 4)?;
            if (length as usize) < STRUCT_HEADER_LEN {
                return Err(DecodeError::StructureTooSmall {
                    signature: SIG,
                    offset,
                    kind,
                    length: u64::from(length),
                    minimum: STRUCT_HEADER_LEN as u64,
                });
            }
            if u64::from(length) > remaining as u64 {
                return Err(DecodeError::StructureOverrun {
                    signature: SIG,
                    offset,
                    kind,
                    length: u64::from(length),
                    remaining,
                });
            }
            let length = length as usize; // <= remaining
            structures.push(HmatStructure::decode(&r, offset, kind, length)?);
            offset += length;
        }
        Ok(Hmat {
            header,
            reserved,
            structures,
        })
    }

    /// Encodes the table. Length and checksum come from the content.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        self.header.expect_signature(SIG)?;
        let mut body = Vec::new();
        body.dword(self.reserved);
        for (index, s) in self.structures.iter().enumerate() {
            s.encode(index, &mut body)?;
        }
        self.header.encode_table(&body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(revision: u8) -> Header {
        Header {
            signature: SIG,
            length: 0,
            revision,
            checksum: 0,
            oem_id: *b"TOPOC ",
            oem_table_id: *b"TOPOCHMA",
            oem_revision: 1,
            creator_id: *b"TPOC",
            creator_revision: 1,
        }
    }

    /// Encodes and decodes `t`, clearing the decoded-only header fields.
    fn round_trip(t: &Hmat) -> Hmat {
        let mut back = Hmat::decode(&t.to_bytes().expect("encodes")).expect("decodes");
        back.header.length = t.header.length;
        back.header.checksum = t.header.checksum;
        back
    }

    #[test]
    fn cache_attributes_unpack() {
        // QEMU's acpihmat case: 1 level, level 1, direct, write-back, line 8.
        let a = CacheAttributes::from_raw(0x0008_1111);
        assert_eq!(
            a,
            CacheAttributes {
                total_levels: 1,
                level: 1,
                associativity: 1,
                write_policy: 1,
                line_size: 8
            }
        );
        assert_eq!(a.to_raw(), 0x0008_1111);
        assert_eq!(a.associativity_name(), "direct mapped");
        assert_eq!(a.write_policy_name(), "write-back");
    }

    #[test]
    fn locality_entries_are_row_major_by_initiator() {
        let loc = Locality {
            data_type: ACCESS_LATENCY,
            base_unit: 1000,
            initiators: vec![0, 1],
            targets: vec![0, 1, 2],
            entries: vec![1, 2, 3, 4, 5, 6],
            ..Default::default()
        };
        assert_eq!(loc.entry(1, 0), Some(4));
        assert_eq!(loc.entry(0, 2), Some(3));
        assert_eq!(loc.entry(2, 0), None);
        let mut hmat = Hmat::new(header(Hmat::REVISION));
        hmat.structures.push(HmatStructure::Locality(loc.clone()));
        let bytes = hmat.to_bytes().expect("encodes");
        assert_eq!(bytes.len(), 40 + 32 + 8 + 12 + 12);
        // Entry (1, 0) = 4 sits right after row 0.
        let entries = 40 + 32 + 8 + 12;
        assert_eq!(&bytes[entries + 6..entries + 8], &4u16.to_le_bytes());
        assert_eq!(round_trip(&hmat), hmat);

        let mut bad = loc;
        bad.entries.pop();
        hmat.structures[0] = HmatStructure::Locality(bad);
        assert!(matches!(
            hmat.to_bytes(),
            Err(EncodeError::LocalityEntries { entries: 5, .. })
        ));
    }

    #[test]
    fn counts_that_overrun_the_structure_are_errors() {
        let mut hmat = Hmat::new(header(Hmat::REVISION));
        hmat.structures.push(HmatStructure::Locality(Locality {
            initiators: vec![0],
            targets: vec![0],
            entries: vec![7],
            ..Default::default()
        }));
        let good = hmat.to_bytes().expect("encodes");
        let patch = |rel: usize, v: u32| {
            let mut t = good.clone();
            t[40 + rel..40 + rel + 4].copy_from_slice(&v.to_le_bytes());
            t[9] = super::super::checksum(&t);
            Hmat::decode(&t)
        };
        for v in [3, u32::MAX] {
            assert!(matches!(
                patch(12, v),
                Err(DecodeError::CountOverrun { offset: 52, .. })
            ));
            assert!(matches!(
                patch(16, v),
                Err(DecodeError::CountOverrun { offset: 56, .. })
            ));
        }
        assert!(matches!(
            patch(4, 7),
            Err(DecodeError::StructureTooSmall { offset: 40, .. })
        ));
        assert!(matches!(
            patch(4, 1000),
            Err(DecodeError::StructureOverrun { offset: 40, .. })
        ));
    }

    #[test]
    fn padding_is_kept() {
        let mut hmat = Hmat::new(header(Hmat::REVISION));
        hmat.structures.push(HmatStructure::Locality(Locality {
            initiators: vec![0, 1, 3],
            targets: vec![0, 1, 2],
            entries: vec![1; 9],
            padding: vec![0, 0],
            ..Default::default()
        }));
        hmat.structures.push(HmatStructure::Cache(Cache {
            memory: 1,
            size: 1 << 30,
            attributes: 0x0040_1121,
            smbios_handles: vec![0x10],
            padding: vec![0, 0],
            ..Default::default()
        }));
        let bytes = hmat.to_bytes().expect("encodes");
        assert_eq!(bytes.len(), 40 + 76 + 36);
        assert_eq!(round_trip(&hmat), hmat);
    }

    /// Two defects of the crate's HMAT builder that topoc works around by
    /// encoding its own: the header revision is hard-coded to 1 (Linux then
    /// divides every value by 10), and `set_entry_value` indexes with the
    /// initiator count instead of the target count, misplacing entries when
    /// I != T. If this test fails, the crate changed: reconsider using it.
    #[test]
    fn crate_hmat_defects() {
        use acpi_tables::Aml;
        use acpi_tables::hmat as crate_hmat;
        let mut table = crate_hmat::HMAT::new(*b"TOPOC ", *b"TOPOCHMA", 1);
        let mut loc = crate_hmat::SystemLocality::new(
            crate_hmat::LocalityType::Memory,
            crate_hmat::DataType::AccessLatency,
            crate_hmat::MinTransferSize::SizeByteAligned,
            1000,
            2,
            3,
        );
        for (k, pd) in [0, 1].into_iter().enumerate() {
            loc.set_initiator_value(k, pd);
        }
        for (k, pd) in [0, 1, 2].into_iter().enumerate() {
            loc.set_target_value(k, pd);
        }
        // Initiator index 1, target index 0: belongs at 1 * 3 + 0 = 3.
        loc.set_entry_value(1, 0, 0x1234);
        table.add_system_locality(loc);
        let mut bytes = Vec::new();
        table.to_aml_bytes(&mut bytes);

        let decoded = Hmat::decode(&bytes).expect("crate output decodes");
        assert_eq!(decoded.header.revision, 1, "crate HMAT revision");
        let HmatStructure::Locality(l) = &decoded.structures[0] else {
            panic!(
                "expected a locality structure, got {:?}",
                decoded.structures[0]
            );
        };
        assert_eq!(l.entry(1, 0), Some(0xFFFF), "the intended cell stays unset");
        assert_eq!(
            l.entry(0, 2),
            Some(0x1234),
            "the value lands at 1 * 2 + 0 = 2"
        );
    }
}
