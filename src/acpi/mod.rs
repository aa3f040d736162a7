//! Byte-exact codec for the three ACPI NUMA tables: SRAT, SLIT and HMAT.
//!
//! Each table is a typed structure ([`Srat`], [`Slit`], [`Hmat`]) that
//! encodes to the bytes firmware would hand the OS and decodes from them
//! again. The codec is symmetric on purpose:
//!
//! - `encode(decode(x)) == x` for every table that decodes, including real
//!   firmware tables with odd reserved bytes, padding and unknown structure
//!   types. Nothing is normalised away: reserved fields, trailing bytes and
//!   unknown structures are kept so `inspect` and `verify` look at exactly
//!   what the guest sees.
//! - `decode(encode(t)) == t` for every structure that encodes. Encoding
//!   refuses values that would not survive that trip (see [`EncodeError`]).
//!
//! Nothing here knows about topoc's model: `emit` fills these structures, and
//! `inspect` ([`inspect`]) renders decoded ones for people and for JSON.
//!
//! Decoding never panics on bad input: every read is bounds-checked and every
//! problem is a [`DecodeError`] that names the table, the byte offset and what
//! was expected. A wrong checksum is its own variant and can be ignored with
//! [`ChecksumPolicy::Ignore`], because Linux only warns about it.
//!
//! The 36-byte header is built with `acpi_tables::sdt::Sdt`, which keeps the
//! length and checksum right; the crate's own SRAT/HMAT builders are not used
//! because they hard-code header revision 1, cannot emit x86 CPU affinity
//! entries, and misplace HMAT entries whenever initiators != targets (the
//! `crate_*` regression tests here and in [`srat`] and [`hmat`] pin each defect).

pub mod hmat;
pub mod hmat_units;
pub mod inspect;
pub mod slit;
pub mod srat;

use std::fmt;

pub use hmat::{CacheAttributes, Hmat, HmatStructure};
pub use slit::Slit;
pub use srat::{DeviceHandle, Srat, SratEntry};

/// Length of the common ACPI table header.
pub const HEADER_LEN: usize = 36;

/// The common 36-byte header of every ACPI system description table.
///
/// `length` and `checksum` are what decoding found; encoding ignores both and
/// computes them from the body, so a freshly built table can leave them 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Header {
    /// Table signature, for example `*b"SRAT"`.
    pub signature: [u8; 4],
    /// Length of the whole table in bytes (decoded; ignored when encoding).
    pub length: u32,
    /// Table revision: SRAT 3, SLIT 1, HMAT 2 for current layouts.
    pub revision: u8,
    /// Checksum byte as found (decoded; ignored when encoding).
    pub checksum: u8,
    /// OEM ID, ASCII, space or NUL padded.
    pub oem_id: [u8; 6],
    /// OEM table ID, ASCII.
    pub oem_table_id: [u8; 8],
    pub oem_revision: u32,
    /// Creator ID (`Asl Compiler ID` in `iasl`), ASCII by convention but not
    /// always in real firmware.
    pub creator_id: [u8; 4],
    pub creator_revision: u32,
}

impl Header {
    /// Reads the 36 header bytes. Checks nothing beyond the buffer length;
    /// the table decoders check signature, length and checksum.
    pub fn decode(bytes: &[u8]) -> Result<Header, DecodeError> {
        let r = Reader::new(bytes, None);
        if bytes.len() < HEADER_LEN {
            return Err(DecodeError::ShortBuffer {
                signature: None,
                needed: HEADER_LEN,
                available: bytes.len(),
            });
        }
        Ok(Header {
            signature: r.array(0)?,
            length: r.u32(4)?,
            revision: r.u8(8)?,
            checksum: r.u8(9)?,
            oem_id: r.array(10)?,
            oem_table_id: r.array(16)?,
            oem_revision: r.u32(24)?,
            creator_id: r.array(28)?,
            creator_revision: r.u32(32)?,
        })
    }

    /// Builds the whole table: this header followed by `body`, with the
    /// length and checksum computed.
    ///
    /// The header comes from `acpi_tables::sdt::Sdt`, which writes creator
    /// "RVAT"/0x01000000 unconditionally; bytes 28..36 are then overwritten
    /// with this header's creator through `Sdt`'s write methods, which
    /// recompute the checksum on every write.
    pub(crate) fn encode_table(&self, body: &[u8]) -> Result<Vec<u8>, EncodeError> {
        let total = HEADER_LEN as u64 + body.len() as u64;
        if total > u64::from(u32::MAX) {
            return Err(EncodeError::TableTooLong {
                signature: self.signature,
                length: total,
            });
        }
        let mut sdt = acpi_tables::sdt::Sdt::new(
            self.signature,
            HEADER_LEN as u32,
            self.revision,
            self.oem_id,
            self.oem_table_id,
            self.oem_revision,
        );
        sdt.write_bytes(28, &self.creator_id);
        sdt.write_u32(32, self.creator_revision);
        sdt.append_slice(body);
        Ok(sdt.as_slice().to_vec())
    }

    /// Checks the signature an encoder is about to write.
    pub(crate) fn expect_signature(&self, expected: [u8; 4]) -> Result<(), EncodeError> {
        if self.signature == expected {
            Ok(())
        } else {
            Err(EncodeError::WrongSignature {
                expected,
                found: self.signature,
            })
        }
    }
}

/// The value byte 9 of a table must hold so that all its bytes sum to 0
/// (mod 256). Byte 9 itself is not counted, so for a valid table
/// `checksum(t) == t[9]`. Buffers shorter than 10 bytes are summed whole.
pub fn checksum(bytes: &[u8]) -> u8 {
    let sum = bytes
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != 9)
        .fold(0u8, |acc, (_, &b)| acc.wrapping_add(b));
    0u8.wrapping_sub(sum)
}

/// What a decoder does with a wrong checksum byte.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ChecksumPolicy {
    /// Fail with [`DecodeError::BadChecksum`].
    #[default]
    Verify,
    /// Decode anyway, as Linux does (it only warns). The decoded
    /// [`Header::checksum`] keeps the wrong byte; compare it with
    /// [`Table::expected_checksum`] to report it.
    Ignore,
}

/// Why a byte buffer is not a well-formed SRAT, SLIT or HMAT.
///
/// Every variant names the table and, where there is one, the byte offset
/// (from the start of the table) of the field that is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// The buffer ends before the fixed part of the table (the 36-byte
    /// header, plus the table's own fixed fields once the signature is known).
    ShortBuffer {
        signature: Option<[u8; 4]>,
        needed: usize,
        available: usize,
    },
    /// The header's Length field (byte 4) disagrees with the buffer length.
    LengthMismatch {
        signature: [u8; 4],
        field: u32,
        actual: usize,
    },
    /// Byte 9 does not make the bytes sum to zero. Linux only warns about
    /// this; decode with [`ChecksumPolicy::Ignore`] to accept it.
    BadChecksum {
        signature: [u8; 4],
        expected: u8,
        found: u8,
    },
    /// A table decoder was given a table with another signature.
    WrongSignature { expected: [u8; 4], found: [u8; 4] },
    /// [`decode_any`] was given a table that is not SRAT, SLIT or HMAT.
    UnknownSignature { found: [u8; 4] },
    /// Fewer bytes remain than a structure's own type/length header needs.
    StructureHeaderOverrun {
        signature: [u8; 4],
        offset: usize,
        header_len: usize,
        remaining: usize,
    },
    /// A structure's Length is smaller than its type/length header (a zero
    /// length would make every parser loop forever).
    StructureTooSmall {
        signature: [u8; 4],
        offset: usize,
        kind: u16,
        length: u64,
        minimum: u64,
    },
    /// A structure's Length runs past the end of the table.
    StructureOverrun {
        signature: [u8; 4],
        offset: usize,
        kind: u16,
        length: u64,
        remaining: usize,
    },
    /// A structure of a known type has a Length that does not fit its
    /// layout (fixed-size types must match exactly; variable ones must hold
    /// at least what their counts say).
    StructureLength {
        signature: [u8; 4],
        offset: usize,
        kind: u16,
        length: u64,
        expected: u64,
    },
    /// A count field (SLIT localities, HMAT initiators/targets, SMBIOS
    /// handles) asks for more bytes than its table or structure holds.
    CountOverrun {
        signature: [u8; 4],
        offset: usize,
        field: &'static str,
        count: u64,
        needed: u64,
        available: u64,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DecodeError::ShortBuffer {
                signature,
                needed,
                available,
            } => {
                let what = match signature {
                    Some(s) => format!("{} table", Sig(s)),
                    None => "ACPI table".to_string(),
                };
                write!(
                    f,
                    "{what} is truncated: it ends at byte {available}, but its fixed part needs {needed} bytes"
                )
            }
            DecodeError::LengthMismatch {
                signature,
                field,
                actual,
            } => write!(
                f,
                "{}: the Length field at byte 4 says {field} bytes, but the buffer holds {actual}",
                Sig(signature)
            ),
            DecodeError::BadChecksum {
                signature,
                expected,
                found,
            } => write!(
                f,
                "{}: incorrect checksum at byte 9: found {found:#04x}, expected {expected:#04x}",
                Sig(signature)
            ),
            DecodeError::WrongSignature { expected, found } => write!(
                f,
                "signature at byte 0 is {}, expected {}",
                Sig(found),
                Sig(expected)
            ),
            DecodeError::UnknownSignature { found } => write!(
                f,
                "signature at byte 0 is {}; only SRAT, SLIT and HMAT are decoded",
                Sig(found)
            ),
            DecodeError::StructureHeaderOverrun {
                signature,
                offset,
                header_len,
                remaining,
            } => write!(
                f,
                "{}: a structure starts at byte {offset} but only {remaining} bytes remain, \
                 fewer than its {header_len}-byte type/length header",
                Sig(signature)
            ),
            DecodeError::StructureTooSmall {
                signature,
                offset,
                kind,
                length,
                minimum,
            } => write!(
                f,
                "{}: structure at byte {offset} ({}) has length {length}, less than the minimum {minimum}",
                Sig(signature),
                structure_name(signature, *kind)
            ),
            DecodeError::StructureOverrun {
                signature,
                offset,
                kind,
                length,
                remaining,
            } => write!(
                f,
                "{}: structure at byte {offset} ({}) has length {length}, \
                 but only {remaining} bytes remain in the table",
                Sig(signature),
                structure_name(signature, *kind)
            ),
            DecodeError::StructureLength {
                signature,
                offset,
                kind,
                length,
                expected,
            } => write!(
                f,
                "{}: structure at byte {offset} ({}) has length {length}, expected {expected}",
                Sig(signature),
                structure_name(signature, *kind)
            ),
            DecodeError::CountOverrun {
                signature,
                offset,
                field,
                count,
                needed,
                available,
            } => write!(
                f,
                "{}: {field} at byte {offset} is {count}, which needs {needed} bytes, \
                 but only {available} are there",
                Sig(signature)
            ),
        }
    }
}

impl std::error::Error for DecodeError {}

/// Why a table structure cannot be encoded. Decoded tables always encode;
/// these only arise from structures built by hand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// The header carries another table's signature.
    WrongSignature { expected: [u8; 4], found: [u8; 4] },
    /// The table would exceed the 32-bit Length field.
    TableTooLong { signature: [u8; 4], length: u64 },
    /// Structure `index` would exceed its Length field (u8 in SRAT, u32 in HMAT).
    StructureTooLong {
        signature: [u8; 4],
        index: usize,
        kind: u16,
        length: u64,
        max: u64,
    },
    /// A count does not fit its field (HMAT initiators/targets as u32,
    /// SMBIOS handles as u16).
    CountTooLarge {
        signature: [u8; 4],
        index: usize,
        field: &'static str,
        count: usize,
    },
    /// The SLIT matrix is not `localities × localities` bytes.
    SlitMatrixSize { localities: u64, matrix_len: usize },
    /// An HMAT locality structure's entries are not `initiators × targets`.
    LocalityEntries {
        index: usize,
        initiators: usize,
        targets: usize,
        entries: usize,
    },
    /// A raw fallback (`Other`, `DeviceHandle::Raw`) holds something that
    /// would decode as a typed value, so the table would not read back as
    /// written. Use the typed variant instead.
    NonCanonical {
        signature: [u8; 4],
        index: usize,
        what: &'static str,
    },
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::WrongSignature { expected, found } => write!(
                f,
                "header signature is {}, but this is a {} table",
                Sig(found),
                Sig(expected)
            ),
            EncodeError::TableTooLong { signature, length } => write!(
                f,
                "{} would be {length} bytes, more than the 32-bit Length field allows",
                Sig(signature)
            ),
            EncodeError::StructureTooLong {
                signature,
                index,
                kind,
                length,
                max,
            } => write!(
                f,
                "{} structure #{index} ({}) would be {length} bytes; its Length field holds at most {max}",
                Sig(signature),
                structure_name(signature, *kind)
            ),
            EncodeError::CountTooLarge {
                signature,
                index,
                field,
                count,
            } => write!(
                f,
                "{} structure #{index}: {field} is {count}, too many for its field",
                Sig(signature)
            ),
            EncodeError::SlitMatrixSize {
                localities,
                matrix_len,
            } => write!(
                f,
                "SLIT has {localities} localities but {matrix_len} matrix bytes; it needs localities squared"
            ),
            EncodeError::LocalityEntries {
                index,
                initiators,
                targets,
                entries,
            } => write!(
                f,
                "HMAT structure #{index}: {entries} entries for {initiators} initiators x {targets} targets"
            ),
            EncodeError::NonCanonical {
                signature,
                index,
                what,
            } => write!(
                f,
                "{} structure #{index}: {what}; use the typed variant so the table decodes as written",
                Sig(signature)
            ),
        }
    }
}

impl std::error::Error for EncodeError {}

/// A decoded SRAT, SLIT or HMAT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Table {
    Srat(Srat),
    Slit(Slit),
    Hmat(Hmat),
}

impl Table {
    pub fn header(&self) -> &Header {
        match self {
            Table::Srat(t) => &t.header,
            Table::Slit(t) => &t.header,
            Table::Hmat(t) => &t.header,
        }
    }

    /// Encodes the table; see the module doc for the round-trip guarantees.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        match self {
            Table::Srat(t) => t.to_bytes(),
            Table::Slit(t) => t.to_bytes(),
            Table::Hmat(t) => t.to_bytes(),
        }
    }

    /// The checksum byte a correct encoding of this table carries. Equal to
    /// `header().checksum` for a table decoded with a valid checksum.
    pub fn expected_checksum(&self) -> Result<u8, EncodeError> {
        let bytes = self.to_bytes()?;
        Ok(bytes.get(9).copied().unwrap_or(0))
    }
}

/// Decodes a SRAT, SLIT or HMAT, chosen by its signature, verifying the checksum.
pub fn decode_any(bytes: &[u8]) -> Result<Table, DecodeError> {
    decode_any_with(bytes, ChecksumPolicy::Verify)
}

/// [`decode_any`] with a choice of what to do about a wrong checksum.
pub fn decode_any_with(bytes: &[u8], policy: ChecksumPolicy) -> Result<Table, DecodeError> {
    let found: [u8; 4] = match bytes.get(..4).and_then(|s| s.try_into().ok()) {
        Some(sig) => sig,
        None => {
            return Err(DecodeError::ShortBuffer {
                signature: None,
                needed: HEADER_LEN,
                available: bytes.len(),
            });
        }
    };
    match &found {
        b"SRAT" => Srat::decode_with(bytes, policy).map(Table::Srat),
        b"SLIT" => Slit::decode_with(bytes, policy).map(Table::Slit),
        b"HMAT" => Hmat::decode_with(bytes, policy).map(Table::Hmat),
        _ => Err(DecodeError::UnknownSignature { found }),
    }
}

/// Checks everything the header can tell about `bytes` as table `signature`
/// whose fixed part (header included) is `fixed_len` bytes, and returns it.
pub(crate) fn decode_header(
    bytes: &[u8],
    signature: [u8; 4],
    fixed_len: usize,
    policy: ChecksumPolicy,
) -> Result<Header, DecodeError> {
    let header = Header::decode(bytes)?;
    if header.signature != signature {
        return Err(DecodeError::WrongSignature {
            expected: signature,
            found: header.signature,
        });
    }
    if u64::from(header.length) != bytes.len() as u64 {
        return Err(DecodeError::LengthMismatch {
            signature,
            field: header.length,
            actual: bytes.len(),
        });
    }
    if policy == ChecksumPolicy::Verify {
        let expected = checksum(bytes);
        if expected != header.checksum {
            return Err(DecodeError::BadChecksum {
                signature,
                expected,
                found: header.checksum,
            });
        }
    }
    if bytes.len() < fixed_len {
        return Err(DecodeError::ShortBuffer {
            signature: Some(signature),
            needed: fixed_len,
            available: bytes.len(),
        });
    }
    Ok(header)
}

/// Bounds-checked little-endian reads at absolute table offsets, so that no
/// malformed table can make a decoder index out of range.
#[derive(Clone, Copy)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    signature: Option<[u8; 4]>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8], signature: Option<[u8; 4]>) -> Reader<'a> {
        Reader { data, signature }
    }

    pub(crate) fn len(&self) -> usize {
        self.data.len()
    }

    pub(crate) fn slice(&self, offset: usize, len: usize) -> Result<&'a [u8], DecodeError> {
        offset
            .checked_add(len)
            .and_then(|end| self.data.get(offset..end))
            .ok_or(DecodeError::ShortBuffer {
                signature: self.signature,
                needed: offset.saturating_add(len),
                available: self.data.len(),
            })
    }

    pub(crate) fn array<const N: usize>(&self, offset: usize) -> Result<[u8; N], DecodeError> {
        let s = self.slice(offset, N)?;
        let mut out = [0u8; N];
        out.copy_from_slice(s);
        Ok(out)
    }

    pub(crate) fn u8(&self, offset: usize) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(offset)?[0])
    }

    pub(crate) fn u16(&self, offset: usize) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.array(offset)?))
    }

    pub(crate) fn u32(&self, offset: usize) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array(offset)?))
    }

    pub(crate) fn u64(&self, offset: usize) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array(offset)?))
    }
}

/// Shows a signature or other short ASCII field quoted, with non-printable
/// bytes as `\xNN` escapes (real firmware has them, see the HP DL360 SRAT).
pub(crate) struct Sig<'a>(pub(crate) &'a [u8]);

impl fmt::Display for Sig<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for &b in self.0 {
            if b.is_ascii_graphic() || b == b' ' {
                if b == b'"' || b == b'\\' {
                    f.write_str("\\")?;
                }
                write!(f, "{}", b as char)?;
            } else {
                write!(f, "\\x{b:02x}")?;
            }
        }
        f.write_str("\"")
    }
}

/// Human name of structure type `kind` in table `signature`, as ACPICA names it.
pub(crate) fn structure_name(signature: &[u8; 4], kind: u16) -> String {
    let name = match signature {
        b"SRAT" => srat::type_name(kind),
        b"HMAT" => hmat::type_name(kind),
        _ => None,
    };
    match name {
        Some(n) => format!("type {kind}, {n}"),
        None => format!("type {kind}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(sig: &[u8; 4]) -> Header {
        Header {
            signature: *sig,
            length: 0,
            revision: 3,
            checksum: 0,
            oem_id: *b"TOPOC ",
            oem_table_id: *b"TOPOCTBL",
            oem_revision: 7,
            creator_id: *b"TPOC",
            creator_revision: 0x0102_0304,
        }
    }

    #[test]
    fn checksum_makes_the_sum_zero() {
        let mut t = vec![0u8; 40];
        t[..4].copy_from_slice(b"TEST");
        t[20] = 0xAB;
        t[39] = 0x17;
        t[9] = checksum(&t);
        assert_eq!(t.iter().fold(0u8, |a, &b| a.wrapping_add(b)), 0);
        // Byte 9 is not counted, so the result does not depend on it.
        t[9] = 0x55;
        let c = checksum(&t);
        t[9] = c;
        assert_eq!(t.iter().fold(0u8, |a, &b| a.wrapping_add(b)), 0);
        assert_eq!(checksum(&[]), 0);
        assert_eq!(checksum(&[1, 2, 3]), 0u8.wrapping_sub(6));
    }

    #[test]
    fn checksum_agrees_with_the_crate() {
        let sdt = acpi_tables::sdt::Sdt::new(*b"ABCD", 64, 9, *b"OEMID ", *b"TABLEID ", 5);
        let bytes = sdt.as_slice();
        assert_eq!(checksum(bytes), bytes[9]);
    }

    #[test]
    fn header_encoding_overrides_the_crate_creator() {
        let h = header(b"TEST");
        let bytes = h.encode_table(&[1, 2, 3, 4]).expect("encodes");
        assert_eq!(bytes.len(), 40);
        assert_eq!(&bytes[0..4], b"TEST");
        assert_eq!(
            u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]),
            40
        );
        assert_eq!(bytes[8], 3);
        assert_eq!(&bytes[10..16], b"TOPOC ");
        assert_eq!(&bytes[16..24], b"TOPOCTBL");
        assert_eq!(&bytes[24..28], &7u32.to_le_bytes());
        assert_eq!(&bytes[28..32], b"TPOC");
        assert_eq!(&bytes[32..36], &0x0102_0304u32.to_le_bytes());
        assert_eq!(&bytes[36..], &[1, 2, 3, 4]);
        assert_eq!(bytes[9], checksum(&bytes));
        assert_eq!(bytes.iter().fold(0u8, |a, &b| a.wrapping_add(b)), 0);

        let back = Header::decode(&bytes).expect("decodes");
        assert_eq!(
            back,
            Header {
                length: 40,
                checksum: bytes[9],
                ..h
            }
        );
    }

    /// The crate's `Sdt` always writes creator "RVAT"/0x01000000; this is why
    /// `encode_table` overwrites bytes 28..36. If this fails the crate has
    /// learnt to take a creator and the override can go.
    #[test]
    fn crate_sdt_hard_codes_the_creator() {
        let sdt = acpi_tables::sdt::Sdt::new(*b"TEST", 36, 1, *b"OEMID ", *b"TABLEID ", 1);
        assert_eq!(&sdt.as_slice()[28..32], b"RVAT");
        assert_eq!(&sdt.as_slice()[32..36], &0x0100_0000u32.to_le_bytes());
    }

    #[test]
    fn header_errors_are_specific() {
        assert_eq!(
            Header::decode(&[0; 10]),
            Err(DecodeError::ShortBuffer {
                signature: None,
                needed: 36,
                available: 10
            })
        );
        let good = header(b"SLIT")
            .encode_table(&[1, 0, 0, 0, 0, 0, 0, 0, 10])
            .expect("encodes");
        assert!(decode_header(&good, *b"SLIT", 44, ChecksumPolicy::Verify).is_ok());
        assert_eq!(
            decode_header(&good, *b"SRAT", 48, ChecksumPolicy::Verify),
            Err(DecodeError::WrongSignature {
                expected: *b"SRAT",
                found: *b"SLIT"
            })
        );
        let mut bad = good.clone();
        bad[9] = bad[9].wrapping_add(1);
        let err = decode_header(&bad, *b"SLIT", 44, ChecksumPolicy::Verify).unwrap_err();
        assert_eq!(
            err,
            DecodeError::BadChecksum {
                signature: *b"SLIT",
                expected: good[9],
                found: bad[9]
            }
        );
        assert!(err.to_string().contains("checksum at byte 9"));
        assert!(decode_header(&bad, *b"SLIT", 44, ChecksumPolicy::Ignore).is_ok());
        let err = decode_header(&good[..44], *b"SLIT", 44, ChecksumPolicy::Verify).unwrap_err();
        assert_eq!(
            err,
            DecodeError::LengthMismatch {
                signature: *b"SLIT",
                field: 45,
                actual: 44
            }
        );
        assert_eq!(
            err.to_string(),
            "\"SLIT\": the Length field at byte 4 says 45 bytes, but the buffer holds 44"
        );
    }

    #[test]
    fn signatures_print_escaped() {
        assert_eq!(Sig(b"SRAT").to_string(), "\"SRAT\"");
        assert_eq!(
            Sig(&[0xd2, 0x04, 0, 0]).to_string(),
            "\"\\xd2\\x04\\x00\\x00\""
        );
        assert_eq!(
            decode_any(b"SR").unwrap_err(),
            DecodeError::ShortBuffer {
                signature: None,
                needed: 36,
                available: 2
            }
        );
        let err = decode_any(b"FACP").unwrap_err();
        assert_eq!(err, DecodeError::UnknownSignature { found: *b"FACP" });
        assert_eq!(
            err.to_string(),
            "signature at byte 0 is \"FACP\"; only SRAT, SLIT and HMAT are decoded"
        );
    }
}
