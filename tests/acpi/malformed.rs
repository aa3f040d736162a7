//! Malformed input never panics the ACPI decoders, and anything that does
//! decode re-encodes to exactly the bytes it came from.
//!
//! The inputs are the reference tables cut, flipped and with their length
//! and count fields lied about, plus random bytes and random structures
//! (proptest). "Re-encodes exactly" is checked for every input that decodes,
//! which is the codec's symmetry promise at work on odd data.

use std::sync::OnceLock;

use proptest::prelude::*;

use topoc::acpi::hmat::{Cache, HmatStructure, Locality, Mpda};
use topoc::acpi::srat::{
    DeviceHandle, GenericAffinity, GicItsAffinity, GiccAffinity, LocalApicAffinity, MemoryAffinity,
    X2ApicAffinity,
};
use topoc::acpi::{
    ChecksumPolicy, DecodeError, Header, Hmat, Slit, Srat, SratEntry, Table, checksum, decode_any,
    decode_any_with, inspect,
};

use crate::support::data::{all_table_files, read, short};

/// Every reference table once (pc/q35 and the guest-boot copies repeat
/// some byte for byte).
fn fixtures() -> &'static [(String, Vec<u8>)] {
    static FIXTURES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let mut out: Vec<(String, Vec<u8>)> = Vec::new();
        for p in all_table_files() {
            let bytes = read(&p);
            if !out.iter().any(|(_, b)| *b == bytes) {
                out.push((short(&p), bytes));
            }
        }
        out
    })
}

/// Sets the Length field to the buffer length and fixes the checksum, so the
/// decoder gets past the header and into the body.
fn reseal(bytes: &mut [u8]) {
    if bytes.len() >= 10 {
        let len = bytes.len() as u32;
        if bytes.len() >= 8 {
            bytes[4..8].copy_from_slice(&len.to_le_bytes());
        }
        bytes[9] = checksum(bytes);
    }
}

/// Decodes `bytes` every way there is; whatever decodes must re-encode to
/// `bytes` (or, when the checksum was ignored, to `bytes` with a corrected
/// checksum) and must render.
fn exercise(bytes: &[u8]) -> Result<Table, DecodeError> {
    exercise_with(bytes, true)
}

/// [`exercise`], rendering only if `render` (the byte-flip sweep skips it
/// to stay fast in debug builds; the other tests render).
fn exercise_with(bytes: &[u8], render: bool) -> Result<Table, DecodeError> {
    let _ = Srat::decode(bytes);
    let _ = Slit::decode(bytes);
    let _ = Hmat::decode(bytes);
    if let Ok(t) = decode_any_with(bytes, ChecksumPolicy::Ignore) {
        let again = t.to_bytes().expect("a decoded table encodes");
        assert_eq!(again.len(), bytes.len());
        for (i, (a, b)) in again.iter().zip(bytes).enumerate() {
            assert!(i == 9 || a == b, "byte {i} changed in the round trip");
        }
        if render {
            let _ = inspect::text(&t);
            let _ = inspect::json(&t);
        }
    }
    let strict = decode_any(bytes);
    if let Ok(t) = &strict {
        assert_eq!(t.to_bytes().expect("a decoded table encodes"), bytes);
    }
    strict
}

#[test]
fn truncations_are_errors() {
    for (name, bytes) in fixtures() {
        for len in sweep(bytes.len()) {
            let cut = &bytes[..len];
            assert!(exercise(cut).is_err(), "{name} cut to {len} bytes decoded");
            // With Length and checksum patched, the body parser sees the cut.
            let mut sealed = cut.to_vec();
            reseal(&mut sealed);
            let _ = exercise(&sealed);
        }
    }
}

/// Positions worth a full sweep: all of them for tables up to 1 KiB; for
/// larger ones (whose structures repeat) the first 512 bytes, every 13th
/// byte and the last 64, which keeps the sweeps quick in debug builds.
fn sweep(len: usize) -> impl Iterator<Item = usize> {
    (0..len).filter(move |&p| len <= 1024 || p < 512 || p % 13 == 0 || p + 64 >= len)
}

/// Flips bytes of every fixture (see [`sweep`]); the proptest below adds
/// random multi-byte edits anywhere.
#[test]
fn byte_flips_are_survived() {
    for (_, bytes) in fixtures() {
        for pos in sweep(bytes.len()) {
            for mask in [0xFF, 0x01] {
                let mut t = bytes.clone();
                t[pos] ^= mask;
                // Unsealed, the checksum catches every single-byte flip
                // outside the Length field (a flip of byte 9 itself too).
                if !(4..8).contains(&pos) {
                    assert!(matches!(
                        decode_any(&t),
                        Err(DecodeError::BadChecksum { .. })
                            | Err(DecodeError::UnknownSignature { .. })
                    ));
                }
                if pos != 9 {
                    reseal(&mut t);
                    let _ = exercise_with(&t, false);
                }
            }
        }
    }
}

#[test]
fn wrong_table_length_fields_are_errors() {
    for (name, bytes) in fixtures() {
        let n = bytes.len() as u32;
        for claimed in [0, 1, 35, 36, n - 1, n + 1, n.saturating_mul(2), u32::MAX] {
            let mut t = bytes.clone();
            t[4..8].copy_from_slice(&claimed.to_le_bytes());
            t[9] = checksum(&t);
            let err = exercise(&t).expect_err(name);
            assert_eq!(
                err,
                DecodeError::LengthMismatch {
                    signature: [t[0], t[1], t[2], t[3]],
                    field: claimed,
                    actual: bytes.len()
                },
                "{name}"
            );
        }
        // Appending bytes the Length covers: an error unless the table has a
        // place for them (SLIT trailing bytes).
        let mut longer = bytes.clone();
        longer.extend_from_slice(&[0xAB; 3]);
        reseal(&mut longer);
        let r = exercise(&longer);
        assert_eq!(r.is_ok(), &bytes[..4] == b"SLIT", "{name}: {r:?}");
    }
}

/// Offsets of every structure in a SRAT (u8 lengths) or HMAT (u32 lengths).
fn structure_offsets(bytes: &[u8]) -> Vec<usize> {
    let (mut off, header_len) = match &bytes[..4] {
        b"SRAT" => (48, 2),
        b"HMAT" => (40, 8),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    while off + header_len <= bytes.len() {
        out.push(off);
        let len = if header_len == 2 {
            usize::from(bytes[off + 1])
        } else {
            u32::from_le_bytes([
                bytes[off + 4],
                bytes[off + 5],
                bytes[off + 6],
                bytes[off + 7],
            ]) as usize
        };
        off += len.max(1);
    }
    out
}

#[test]
fn wrong_structure_lengths_are_errors() {
    for (name, bytes) in fixtures() {
        let is_srat = &bytes[..4] == b"SRAT";
        let offsets = structure_offsets(bytes);
        for &off in &offsets {
            let cur = if is_srat {
                u32::from(bytes[off + 1])
            } else {
                u32::from_le_bytes([
                    bytes[off + 4],
                    bytes[off + 5],
                    bytes[off + 6],
                    bytes[off + 7],
                ])
            };
            let lens: Vec<u32> = if is_srat {
                vec![0, 1, cur - 1, cur + 1, 0xFF]
            } else {
                vec![0, 7, 8, cur - 1, cur + 1, cur + 4, 0xFFFF_FFFF]
            };
            for len in lens {
                let mut t = bytes.clone();
                if is_srat {
                    t[off + 1] = len as u8;
                } else {
                    t[off + 4..off + 8].copy_from_slice(&len.to_le_bytes());
                }
                reseal(&mut t);
                // Never a panic. Every SRAT structure in the fixtures has a
                // fixed-size type, so any other length is an error; in HMAT
                // a length below the 8-byte header, a wrong MPDA length and
                // a last structure running past the end are errors.
                let r = exercise(&t);
                let kind = u16::from_le_bytes([bytes[off], bytes[off + 1]]);
                let last = off == *offsets.last().unwrap_or(&0);
                let must_fail = is_srat || len < 8 || kind == 0 || (last && len > cur);
                if must_fail {
                    assert!(r.is_err(), "{name} @{off} length {len} decoded");
                }
                if len < if is_srat { 2 } else { 8 } {
                    assert!(
                        matches!(r, Err(DecodeError::StructureTooSmall { .. })),
                        "{name} @{off} length {len}: {r:?}"
                    );
                }
            }
        }
    }
}

#[test]
fn overflowing_counts_are_errors() {
    for (name, bytes) in fixtures() {
        match &bytes[..4] {
            b"SLIT" => {
                for n in [u64::MAX, 1 << 32, (1 << 32) + 1, 0xFFFF_FFFF, 1 << 63] {
                    let mut t = bytes.clone();
                    t[36..44].copy_from_slice(&n.to_le_bytes());
                    reseal(&mut t);
                    assert!(
                        matches!(
                            exercise(&t),
                            Err(DecodeError::CountOverrun { offset: 36, .. })
                        ),
                        "{name} with {n} localities"
                    );
                }
            }
            b"HMAT" => {
                for off in structure_offsets(bytes) {
                    let kind = u16::from_le_bytes([bytes[off], bytes[off + 1]]);
                    let fields: &[(usize, u32)] = match kind {
                        1 => &[
                            (12, u32::MAX),
                            (16, u32::MAX),
                            (12, 0x8000_0000),
                            (16, 0x4000_0001),
                        ],
                        2 => &[(30, 0xFFFF)],
                        _ => &[],
                    };
                    for &(rel, v) in fields {
                        let mut t = bytes.clone();
                        if rel == 30 {
                            t[off + 30..off + 32].copy_from_slice(&(v as u16).to_le_bytes());
                        } else {
                            t[off + rel..off + rel + 4].copy_from_slice(&v.to_le_bytes());
                        }
                        reseal(&mut t);
                        assert!(
                            matches!(exercise(&t), Err(DecodeError::CountOverrun { .. })),
                            "{name} structure @{off} field +{rel} = {v:#x}"
                        );
                    }
                }
            }
            _ => {}
        }
    }
}

// ------------------------------------------------------------ proptest

fn sealed_table() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(vec![*b"SRAT", *b"SLIT", *b"HMAT"]),
        prop::collection::vec(any::<u8>(), 0..400),
    )
        .prop_map(|(sig, body)| {
            let mut t = sig.to_vec();
            t.extend_from_slice(&body);
            reseal(&mut t);
            t
        })
}

fn header_for(sig: [u8; 4]) -> impl Strategy<Value = Header> {
    (
        any::<u8>(),
        any::<[u8; 6]>(),
        any::<[u8; 8]>(),
        any::<u32>(),
        any::<[u8; 4]>(),
        any::<u32>(),
    )
        .prop_map(
            move |(revision, oem_id, oem_table_id, oem_revision, creator_id, creator_revision)| {
                Header {
                    signature: sig,
                    length: 0,
                    revision,
                    checksum: 0,
                    oem_id,
                    oem_table_id,
                    oem_revision,
                    creator_id,
                    creator_revision,
                }
            },
        )
}

fn device_handle() -> impl Strategy<Value = DeviceHandle> {
    prop_oneof![
        (any::<u16>(), any::<u8>(), any::<u8>()).prop_map(|(segment, bus, devfn)| {
            DeviceHandle::Pci {
                segment,
                bus,
                devfn,
            }
        }),
        (any::<[u8; 8]>(), any::<u32>()).prop_map(|(hid, uid)| DeviceHandle::Acpi { hid, uid }),
        // Raw only where it is the canonical decoding.
        (2u8.., any::<[u8; 16]>())
            .prop_map(|(handle_type, bytes)| DeviceHandle::Raw { handle_type, bytes }),
        (0u8..2, any::<[u8; 16]>(), 4usize..16).prop_map(|(handle_type, mut bytes, k)| {
            let k = if handle_type == 0 { 12 + k % 4 } else { k };
            bytes[k] |= 1;
            DeviceHandle::Raw { handle_type, bytes }
        }),
    ]
}

fn generic() -> impl Strategy<Value = GenericAffinity> {
    (
        any::<u32>(),
        device_handle(),
        any::<u32>(),
        any::<u8>(),
        any::<u32>(),
    )
        .prop_map(
            |(pxm, handle, flags, reserved1, reserved2)| GenericAffinity {
                pxm,
                handle,
                flags,
                reserved1,
                reserved2,
            },
        )
}

fn srat_entry() -> impl Strategy<Value = SratEntry> {
    prop_oneof![
        (
            any::<u32>(),
            any::<u8>(),
            any::<u32>(),
            any::<u8>(),
            any::<u32>()
        )
            .prop_map(|(pxm, apic_id, flags, sapic_eid, clock_domain)| {
                SratEntry::LocalApic(LocalApicAffinity {
                    pxm,
                    apic_id,
                    flags,
                    sapic_eid,
                    clock_domain,
                })
            }),
        (
            any::<u32>(),
            any::<u64>(),
            any::<u64>(),
            any::<u32>(),
            any::<u16>(),
            any::<u32>(),
            any::<u64>()
        )
            .prop_map(
                |(pxm, base, length, flags, reserved1, reserved2, reserved3)| {
                    SratEntry::Memory(MemoryAffinity {
                        pxm,
                        base,
                        length,
                        flags,
                        reserved1,
                        reserved2,
                        reserved3,
                    })
                }
            ),
        (
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            any::<u16>(),
            any::<u32>()
        )
            .prop_map(
                |(pxm, x2apic_id, flags, clock_domain, reserved1, reserved2)| {
                    SratEntry::X2Apic(X2ApicAffinity {
                        pxm,
                        x2apic_id,
                        flags,
                        clock_domain,
                        reserved1,
                        reserved2,
                    })
                }
            ),
        (any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()).prop_map(
            |(pxm, processor_uid, flags, clock_domain)| SratEntry::Gicc(GiccAffinity {
                pxm,
                processor_uid,
                flags,
                clock_domain,
            })
        ),
        (any::<u32>(), any::<u32>(), any::<u16>()).prop_map(|(pxm, its_id, reserved)| {
            SratEntry::GicIts(GicItsAffinity {
                pxm,
                its_id,
                reserved,
            })
        }),
        generic().prop_map(SratEntry::GenericInitiator),
        generic().prop_map(SratEntry::GenericPort),
        (7u8.., prop::collection::vec(any::<u8>(), 0..=253))
            .prop_map(|(kind, bytes)| SratEntry::Other { kind, bytes }),
    ]
}

fn srat_table() -> impl Strategy<Value = Srat> {
    (
        header_for(*b"SRAT"),
        any::<u32>(),
        any::<u64>(),
        prop::collection::vec(srat_entry(), 0..24),
    )
        .prop_map(|(header, reserved1, reserved2, entries)| Srat {
            header,
            reserved1,
            reserved2,
            entries,
        })
}

fn slit_table() -> impl Strategy<Value = Slit> {
    (
        header_for(*b"SLIT"),
        0usize..12,
        prop::collection::vec(any::<u8>(), 0..8),
        any::<u64>(),
    )
        .prop_map(|(header, n, trailing, seed)| Slit {
            header,
            localities: n as u64,
            matrix: (0..n * n)
                .map(|k| (seed.rotate_left(k as u32) as u8) ^ (k as u8))
                .collect(),
            trailing,
        })
}

fn hmat_structure() -> impl Strategy<Value = HmatStructure> {
    prop_oneof![
        any::<(u16, u32, u32, u16, u16, u32, u64, u64)>().prop_map(
            |(
                flags,
                initiator,
                memory,
                header_reserved,
                reserved1,
                reserved2,
                reserved3,
                reserved4,
            )| {
                HmatStructure::Mpda(Mpda {
                    flags,
                    initiator,
                    memory,
                    header_reserved,
                    reserved1,
                    reserved2,
                    reserved3,
                    reserved4,
                })
            }
        ),
        (
            any::<(u8, u8, u8, u64, u16, u8, u32)>(),
            prop::collection::vec(any::<u32>(), 0..6),
            prop::collection::vec(any::<u32>(), 0..7),
            prop::collection::vec(any::<u16>(), 42),
            prop::collection::vec(any::<u8>(), 0..4),
        )
            .prop_map(|(f, initiators, targets, pool, padding)| {
                let (
                    flags,
                    data_type,
                    min_transfer_size,
                    base_unit,
                    header_reserved,
                    reserved1,
                    reserved2,
                ) = f;
                let entries = pool[..initiators.len() * targets.len()].to_vec();
                HmatStructure::Locality(Locality {
                    flags,
                    data_type,
                    min_transfer_size,
                    base_unit,
                    initiators,
                    targets,
                    entries,
                    header_reserved,
                    reserved1,
                    reserved2,
                    padding,
                })
            }),
        (
            any::<(u32, u64, u32, u16, u16, u32)>(),
            prop::collection::vec(any::<u16>(), 0..5),
            prop::collection::vec(any::<u8>(), 0..4),
        )
            .prop_map(|(f, smbios_handles, padding)| {
                let (memory, size, attributes, address_mode, header_reserved, reserved1) = f;
                HmatStructure::Cache(Cache {
                    memory,
                    size,
                    attributes,
                    address_mode,
                    smbios_handles,
                    header_reserved,
                    reserved1,
                    padding,
                })
            }),
        (
            3u16..,
            any::<u16>(),
            prop::collection::vec(any::<u8>(), 0..40)
        )
            .prop_map(|(kind, header_reserved, bytes)| HmatStructure::Other {
                kind,
                header_reserved,
                bytes,
            }),
    ]
}

fn hmat_table() -> impl Strategy<Value = Hmat> {
    (
        header_for(*b"HMAT"),
        any::<u32>(),
        prop::collection::vec(hmat_structure(), 0..10),
    )
        .prop_map(|(header, reserved, structures)| Hmat {
            header,
            reserved,
            structures,
        })
}

/// encode → decode gives the table back; the decoded header carries the
/// length and checksum that were computed.
fn assert_symmetric(table: Table) {
    let bytes = table.to_bytes().expect("a generated table encodes");
    let back = decode_any(&bytes).expect("an encoded table decodes");
    let mut expected = table;
    let h = match &mut expected {
        Table::Srat(t) => &mut t.header,
        Table::Slit(t) => &mut t.header,
        Table::Hmat(t) => &mut t.header,
    };
    h.length = bytes.len() as u32;
    h.checksum = bytes[9];
    assert_eq!(back, expected);
    assert_eq!(back.to_bytes().expect("encodes"), bytes);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = exercise(&bytes);
    }

    #[test]
    fn random_sealed_tables_never_panic(bytes in sealed_table()) {
        let _ = exercise(&bytes);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
        seal in any::<bool>(),
    ) {
        let all = fixtures();
        let (_, bytes) = &all[pick.index(all.len())];
        let mut t = bytes.clone();
        for (at, v) in edits {
            let i = at.index(t.len());
            t[i] = v;
        }
        if truncate {
            t.truncate(cut.index(t.len() + 1));
        }
        if seal {
            reseal(&mut t);
        }
        let _ = exercise(&t);
    }

    #[test]
    fn srat_structures_round_trip(t in srat_table()) {
        assert_symmetric(Table::Srat(t));
    }

    #[test]
    fn slit_structures_round_trip(t in slit_table()) {
        assert_symmetric(Table::Slit(t));
    }

    #[test]
    fn hmat_structures_round_trip(t in hmat_table()) {
        assert_symmetric(Table::Hmat(t));
    }
}
