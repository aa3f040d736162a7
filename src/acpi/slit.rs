//! SLIT, the System Locality Information Table (ACPI 6.5 §5.2.17).
//!
//! SLIT gives the relative distance between every pair of localities
//! (proximity domains): a u64 count N at byte 36, then an N×N byte matrix,
//! row-major, from byte 44. 10 means local; 255 means unreachable; 0-9 are
//! reserved. Linux ignores the whole table if any diagonal entry is not 10
//! or any off-diagonal one is 10 or less.
//!
//! Real firmware sometimes declares fewer localities than it has room for
//! (the Gigabyte X299 UD4 SLIT says 1 locality in a 108-byte table, i.e. an
//! 8×8 allocation). Those bytes are kept in [`Slit::trailing`] so the table
//! round-trips, and `inspect` warns about them.

use acpi_tables::AmlSink;

use super::{ChecksumPolicy, DecodeError, EncodeError, HEADER_LEN, Header, Reader, decode_header};

const SIG: [u8; 4] = *b"SLIT";
/// Header plus the locality count.
const FIXED_LEN: usize = HEADER_LEN + 8;

/// A decoded SLIT.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slit {
    pub header: Header,
    /// Number of System Localities, N.
    pub localities: u64,
    /// N×N distances, row-major: `matrix[i * N + j]` is from i to j.
    pub matrix: Vec<u8>,
    /// Bytes after the matrix that the Length field covers but N does not.
    /// Empty in a well-formed table.
    pub trailing: Vec<u8>,
}

impl Slit {
    pub const SIGNATURE: [u8; 4] = SIG;
    pub const REVISION: u8 = 1;
    /// Distance of a locality to itself.
    pub const LOCAL: u8 = 10;
    /// Distance between localities that cannot reach each other.
    pub const UNREACHABLE: u8 = 0xFF;

    /// A SLIT from square rows; `None` if the rows are not square.
    pub fn from_rows(header: Header, rows: &[Vec<u8>]) -> Option<Slit> {
        if rows.iter().any(|r| r.len() != rows.len()) {
            return None;
        }
        Some(Slit {
            header,
            localities: rows.len() as u64,
            matrix: rows.concat(),
            trailing: Vec::new(),
        })
    }

    /// Distance from locality `from` to locality `to`.
    pub fn distance(&self, from: u64, to: u64) -> Option<u8> {
        if from >= self.localities || to >= self.localities {
            return None;
        }
        let index = from.checked_mul(self.localities)?.checked_add(to)?;
        self.matrix.get(usize::try_from(index).ok()?).copied()
    }

    /// Decodes a SLIT, verifying the checksum.
    pub fn decode(bytes: &[u8]) -> Result<Slit, DecodeError> {
        Slit::decode_with(bytes, ChecksumPolicy::Verify)
    }

    pub fn decode_with(bytes: &[u8], policy: ChecksumPolicy) -> Result<Slit, DecodeError> {
        let header = decode_header(bytes, SIG, FIXED_LEN, policy)?;
        let r = Reader::new(bytes, Some(SIG));
        let localities = r.u64(HEADER_LEN)?;
        let available = bytes.len() - FIXED_LEN;
        let needed = localities.checked_mul(localities);
        let cells = match needed.and_then(|n| usize::try_from(n).ok()) {
            Some(n) if n <= available => n,
            _ => {
                return Err(DecodeError::CountOverrun {
                    signature: SIG,
                    offset: HEADER_LEN,
                    field: "Number of System Localities",
                    count: localities,
                    needed: needed.unwrap_or(u64::MAX),
                    available: available as u64,
                });
            }
        };
        Ok(Slit {
            header,
            localities,
            matrix: r.slice(FIXED_LEN, cells)?.to_vec(),
            trailing: r.slice(FIXED_LEN + cells, available - cells)?.to_vec(),
        })
    }

    /// Encodes the table. Length and checksum come from the content.
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        self.header.expect_signature(SIG)?;
        let square = self.localities.checked_mul(self.localities);
        if square != Some(self.matrix.len() as u64) {
            return Err(EncodeError::SlitMatrixSize {
                localities: self.localities,
                matrix_len: self.matrix.len(),
            });
        }
        let mut body = Vec::with_capacity(8 + self.matrix.len() + self.trailing.len());
        body.qword(self.localities);
        body.vec(&self.matrix);
        body.vec(&self.trailing);
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
            revision: Slit::REVISION,
            checksum: 0,
            oem_id: *b"TOPOC ",
            oem_table_id: *b"TOPOCSLI",
            oem_revision: 1,
            creator_id: *b"TPOC",
            creator_revision: 1,
        }
    }

    #[test]
    fn matrix_is_row_major() {
        let slit = Slit::from_rows(
            header(),
            &[vec![10, 21, 31], vec![22, 10, 41], vec![32, 42, 10]],
        )
        .expect("square");
        let bytes = slit.to_bytes().expect("encodes");
        assert_eq!(bytes.len(), 44 + 9);
        assert_eq!(&bytes[36..44], &3u64.to_le_bytes());
        assert_eq!(&bytes[44..], &[10, 21, 31, 22, 10, 41, 32, 42, 10]);
        let back = Slit::decode(&bytes).expect("decodes");
        assert_eq!(back.distance(1, 0), Some(22));
        assert_eq!(back.distance(0, 1), Some(21));
        assert_eq!(back.distance(3, 0), None);
        assert_eq!(back.matrix, slit.matrix);
        assert!(Slit::from_rows(header(), &[vec![10, 20]]).is_none());
    }

    #[test]
    fn counts_that_overflow_or_overrun_are_errors() {
        let slit = Slit::from_rows(header(), &[vec![10, 20], vec![20, 10]]).expect("square");
        let good = slit.to_bytes().expect("encodes");
        for n in [3u64, u64::MAX, 1 << 32] {
            let mut t = good.clone();
            t[36..44].copy_from_slice(&n.to_le_bytes());
            t[9] = super::super::checksum(&t);
            let err = Slit::decode(&t).unwrap_err();
            assert!(
                matches!(err, DecodeError::CountOverrun { offset: 36, count, available: 4, .. } if count == n),
                "{err}"
            );
        }
        let mut bad = slit.clone();
        bad.localities = 3;
        assert_eq!(
            bad.to_bytes(),
            Err(EncodeError::SlitMatrixSize {
                localities: 3,
                matrix_len: 4
            })
        );
        bad.localities = u64::MAX;
        assert!(bad.to_bytes().is_err());
    }

    #[test]
    fn trailing_bytes_are_kept() {
        let mut slit = Slit::from_rows(header(), &[vec![10]]).expect("square");
        slit.trailing = vec![0; 63];
        let bytes = slit.to_bytes().expect("encodes");
        assert_eq!(bytes.len(), 108);
        let back = Slit::decode(&bytes).expect("decodes");
        assert_eq!(back.trailing.len(), 63);
        assert_eq!(back.to_bytes().expect("encodes"), bytes);
    }
}
