//! How HMAT latency and bandwidth values become 16-bit entries with one
//! shared base unit per table: the encoding of the values, which can fail,
//! before [`super::hmat`] lays out the table's bytes.
//!
//! QEMU computes the base itself from the `-numa hmat-lb` values
//! (`parse_numa_hmat_lb`): latencies are whole nanoseconds and the base is the
//! largest power of ten dividing all of them; bandwidths are whole MiB/s and
//! the base is the largest power of two dividing all of them. Entries are
//! `value / base` and must stay below 65535. [`qemu_latency`] and
//! [`qemu_bandwidth`] reproduce that exactly, so the checker can refuse what
//! QEMU would refuse and the emitter can predict QEMU's table.

use crate::units::MIB;

/// One encoded table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Encoded {
    /// The table's Entry Base Unit: picoseconds for latency, MB/s for bandwidth.
    pub base_unit: u64,
    /// `[initiator][target]`; 0 where there is no value.
    pub entries: Vec<Vec<u16>>,
}

/// Why QEMU cannot take a table's values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EncodeError {
    /// A latency that is not a whole number of nanoseconds (QEMU takes ns).
    NotWholeNs { ps: u64 },
    /// A bandwidth that is not a whole number of MiB/s (QEMU: "should be 1MB aligned").
    NotWholeMib { bps: u64 },
    /// With the shared base, this value's entry would reach 65535.
    Range {
        value: u64,
        base: u64,
        min: u64,
        max: u64,
    },
}

/// The largest value an entry can hold (65535 means "unreachable").
pub const MAX_ENTRY: u64 = 65534;

fn cells(values: &[Vec<Option<u64>>]) -> impl Iterator<Item = u64> + '_ {
    values
        .iter()
        .flatten()
        .filter_map(|v| *v)
        .filter(|&v| v != 0)
}

/// QEMU's latency encoding; `values` in picoseconds.
pub fn qemu_latency(values: &[Vec<Option<u64>>]) -> Result<Encoded, EncodeError> {
    let mut base = u64::MAX;
    for ps in cells(values) {
        if ps % 1000 != 0 {
            return Err(EncodeError::NotWholeNs { ps });
        }
        let mut ns = ps / 1000;
        let mut p = 1u64;
        while ns % 10 == 0 {
            ns /= 10;
            p *= 10;
        }
        base = base.min(p);
    }
    if base == u64::MAX {
        base = 1;
    }
    let (min, max) = cells(values).fold((u64::MAX, 0), |(a, b), v| {
        (a.min(v / 1000), b.max(v / 1000))
    });
    for ns in cells(values).map(|v| v / 1000) {
        if ns / base > MAX_ENTRY {
            return Err(EncodeError::Range {
                value: ns,
                base,
                min,
                max,
            });
        }
    }
    Ok(Encoded {
        base_unit: base * 1000,
        entries: entries(values, |v| v / 1000 / base),
    })
}

/// QEMU's bandwidth encoding; `values` in bytes per second.
pub fn qemu_bandwidth(values: &[Vec<Option<u64>>]) -> Result<Encoded, EncodeError> {
    let mut bits = 0u64;
    for bps in cells(values) {
        if bps % MIB != 0 {
            return Err(EncodeError::NotWholeMib { bps });
        }
        bits |= bps;
    }
    let base = if bits == 0 {
        MIB
    } else {
        1u64 << bits.trailing_zeros()
    };
    let (min, max) = cells(values).fold((u64::MAX, 0), |(a, b), v| (a.min(v), b.max(v)));
    let span = if bits == 0 {
        0
    } else {
        64 - bits.leading_zeros() - bits.trailing_zeros()
    };
    for bps in cells(values) {
        if span > 16 || bps / base > MAX_ENTRY {
            return Err(EncodeError::Range {
                value: bps,
                base,
                min,
                max,
            });
        }
    }
    Ok(Encoded {
        base_unit: base / MIB,
        entries: entries(values, |v| v / base),
    })
}

/// The same base-unit scheme with rounding, for HMATs whose base topoc
/// chooses itself: latency bases are powers of ten picoseconds, bandwidth
/// bases powers of two MiB/s, and the base is the *smallest* one under which
/// the largest value still fits 65534. Entries are rounded to the nearest
/// unit (never below 1, since 0 means "no data"). Never fails; the loss is
/// what Linux then reads ([`crate::linux::hmat::normalize`]) shows.
pub fn rounded_latency(values: &[Vec<Option<u64>>]) -> Encoded {
    let max = cells(values).max().unwrap_or(0);
    let mut base = 1u64;
    while max.div_ceil(base) > MAX_ENTRY && base < u64::MAX / 10 {
        base *= 10;
    }
    Encoded {
        base_unit: base,
        entries: entries(values, |v| round_div(v, base).clamp(1, MAX_ENTRY)),
    }
}

/// Bandwidths in bytes per second; see [`rounded_latency`].
pub fn rounded_bandwidth(values: &[Vec<Option<u64>>]) -> Encoded {
    let max = cells(values).max().unwrap_or(0);
    let mut base = MIB;
    while max.div_ceil(base) > MAX_ENTRY && base < u64::MAX / 2 {
        base *= 2;
    }
    Encoded {
        base_unit: base / MIB,
        entries: entries(values, |v| round_div(v, base).clamp(1, MAX_ENTRY)),
    }
}

fn round_div(v: u64, d: u64) -> u64 {
    v / d + u64::from(v % d >= d.div_ceil(2))
}

fn entries(values: &[Vec<Option<u64>>], f: impl Fn(u64) -> u64) -> Vec<Vec<u16>> {
    values
        .iter()
        .map(|row| {
            row.iter()
                .map(|v| v.filter(|&x| x != 0).map_or(0, |x| f(x) as u16))
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    const NS: u64 = 1000;

    fn one(v: &[u64]) -> Vec<Vec<Option<u64>>> {
        vec![v.iter().map(|&x| Some(x)).collect()]
    }

    #[test]
    fn latency_matches_qemu_test_data() {
        // acpihmat-noinitiator: 10/20/30 ns → unit 10000 ps, entries 1,2,3.
        let e = qemu_latency(&one(&[10 * NS, 20 * NS, 30 * NS])).unwrap();
        assert_eq!(e.base_unit, 10_000);
        assert_eq!(e.entries, vec![vec![1, 2, 3]]);
        // acpihmat: 1 and 65534 ns → unit 1000 ps.
        let e = qemu_latency(&one(&[NS, 65534 * NS])).unwrap();
        assert_eq!((e.base_unit, e.entries[0][1]), (1000, 65534));
        assert!(matches!(
            qemu_latency(&one(&[NS, 65535 * NS])),
            Err(EncodeError::Range { .. })
        ));
        assert_eq!(
            qemu_latency(&one(&[1500])),
            Err(EncodeError::NotWholeNs { ps: 1500 })
        );
    }

    #[test]
    fn rounding_scheme() {
        // 1 ns and 100 ms: the smallest power-of-ten base that fits is 10 ns.
        let e = rounded_latency(&one(&[NS, 100_000 * NS]));
        assert_eq!(e.base_unit, 10_000);
        assert_eq!(e.entries, vec![vec![1, 10_000]]);
        // Exact values stay exact.
        let e = rounded_bandwidth(&one(&[MIB, 1000 * MIB]));
        assert_eq!((e.base_unit, e.entries[0][1]), (1, 1000));
        let e = rounded_bandwidth(&one(&[MIB, 100_000 * MIB]));
        assert_eq!(e.base_unit, 2);
        assert_eq!(e.entries[0][0], 1, "0.5 rounds up to 1, never to 0");
    }

    #[test]
    fn bandwidth_matches_qemu_test_data() {
        // acpihmat-generic-x: 800M/400M/200M/100M → unit 4 MB/s.
        let e = qemu_bandwidth(&one(&[800 * MIB, 400 * MIB, 200 * MIB, 100 * MIB])).unwrap();
        assert_eq!(e.base_unit, 4);
        assert_eq!(e.entries, vec![vec![200, 100, 50, 25]]);
        assert!(qemu_bandwidth(&one(&[MIB, 65534 * MIB])).is_ok());
        assert!(qemu_bandwidth(&one(&[MIB, 65535 * MIB])).is_err());
        assert!(qemu_bandwidth(&one(&[MIB, 65536 * MIB])).is_err());
        assert!(matches!(
            qemu_bandwidth(&one(&[1_000_000])),
            Err(EncodeError::NotWholeMib { .. })
        ));
        // 10G, 5G, 40G, 20G → unit 1024 MB/s, entry 10 (guest-boot experiment a).
        let e = qemu_bandwidth(&one(&[10 << 30, 5 << 30, 40 << 30, 20 << 30])).unwrap();
        assert_eq!((e.base_unit, e.entries[0][0]), (1024, 10));
    }
}
