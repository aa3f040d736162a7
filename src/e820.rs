//! E820 memory maps: entry types, the binary layout of fw_cfg `etc/e820` and
//! the boot protocol (one record type and one decoder for both), and a model
//! of how Linux sanitises and prints a map. Linux's names for the types are
//! in [`crate::linux::e820`].
//!
//! Two producers hand a guest an E820 map: the VMM (QEMU's fw_cfg file
//! `etc/e820`, in the order QEMU adds entries, unsorted) and the firmware
//! (SeaBIOS or OVMF rebuild it). The guest kernel sorts and merges what it
//! receives ([`sanitize`]) before it prints `BIOS-e820:` lines, and again after
//! `memmap=` edits before it prints `user:` lines.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Ram,
    Reserved,
    Acpi,
    Nvs,
    Unusable,
    Pmem,
    Pram,
    SoftReserved,
    Other(u32),
}

impl Kind {
    pub const SOFT_RESERVED_CODE: u32 = 0xefff_ffff;

    pub fn code(self) -> u32 {
        match self {
            Kind::Ram => 1,
            Kind::Reserved => 2,
            Kind::Acpi => 3,
            Kind::Nvs => 4,
            Kind::Unusable => 5,
            Kind::Pmem => 7,
            Kind::Pram => 12,
            Kind::SoftReserved => Kind::SOFT_RESERVED_CODE,
            Kind::Other(c) => c,
        }
    }

    pub fn from_code(c: u32) -> Kind {
        match c {
            1 => Kind::Ram,
            2 => Kind::Reserved,
            3 => Kind::Acpi,
            4 => Kind::Nvs,
            5 => Kind::Unusable,
            7 => Kind::Pmem,
            12 => Kind::Pram,
            Kind::SOFT_RESERVED_CODE => Kind::SoftReserved,
            c => Kind::Other(c),
        }
    }

    /// The name the guest kernel topoc predicts for (Linux 6.1) prints after
    /// `BIOS-e820: [mem …]`; other kernels: [`crate::linux::e820::type_name`].
    pub fn linux_name(self) -> String {
        crate::linux::e820::type_name(self, crate::linux::e820::Names::Classic)
    }

    /// A short machine-readable name for JSON.
    pub fn json_name(self) -> String {
        match self {
            Kind::Ram => "ram".into(),
            Kind::Reserved => "reserved".into(),
            Kind::Acpi => "acpi".into(),
            Kind::Nvs => "nvs".into(),
            Kind::Unusable => "unusable".into(),
            Kind::Pmem => "pmem".into(),
            Kind::Pram => "pram".into(),
            Kind::SoftReserved => "soft-reserved".into(),
            Kind::Other(c) => format!("type-{c}"),
        }
    }
}

/// One E820 entry: `[addr, addr + size)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entry {
    pub addr: u64,
    pub size: u64,
    pub kind: Kind,
}

impl Entry {
    pub fn new(addr: u64, size: u64, kind: Kind) -> Entry {
        Entry { addr, size, kind }
    }

    /// The entry for an inclusive range as Linux prints one, `None` when
    /// `end < start`. `[0, 2^64 - 1]` has no size that fits a u64 and
    /// becomes one byte shorter.
    pub fn from_inclusive(start: u64, end: u64, kind: Kind) -> Option<Entry> {
        let size = end.checked_sub(start)?.saturating_add(1);
        Some(Entry::new(start, size, kind))
    }

    /// Exclusive end, saturating.
    pub fn end(&self) -> u64 {
        self.addr.saturating_add(self.size)
    }

    /// The line Linux prints: `[mem 0x…-0x…] usable` (end inclusive).
    pub fn linux_line(&self, who: &str) -> String {
        format!(
            "{who}: [mem {:#018x}-{:#018x}] {}",
            self.addr,
            self.end().saturating_sub(1),
            self.kind.linux_name()
        )
    }
}

/// Bytes per entry in the boot protocol and in fw_cfg `etc/e820`.
pub const ENTRY_BYTES: usize = 20;

/// Encodes entries as packed little-endian `{u64 addr; u64 size; u32 type}`.
pub fn encode(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * ENTRY_BYTES);
    for e in entries {
        out.extend_from_slice(&e.addr.to_le_bytes());
        out.extend_from_slice(&e.size.to_le_bytes());
        out.extend_from_slice(&e.kind.code().to_le_bytes());
    }
    out
}

/// Decodes a binary E820 table. The length must be a multiple of 20.
pub fn decode(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    match decode_records(bytes) {
        (entries, 0) => Ok(entries),
        (_, rest) => Err(format!(
            "an E820 table is a multiple of {ENTRY_BYTES} bytes; this one has {} ({rest} left over)",
            bytes.len(),
        )),
    }
}

/// Decodes the whole 20-byte records of a binary E820 table, and says how
/// many bytes after them did not make a record.
pub fn decode_records(bytes: &[u8]) -> (Vec<Entry>, usize) {
    let chunks = bytes.chunks_exact(ENTRY_BYTES);
    let rest = chunks.remainder().len();
    let entries = chunks
        .map(|c| {
            let mut a = [0u8; 8];
            let mut s = [0u8; 8];
            let mut t = [0u8; 4];
            a.copy_from_slice(&c[0..8]);
            s.copy_from_slice(&c[8..16]);
            t.copy_from_slice(&c[16..20]);
            Entry::new(
                u64::from_le_bytes(a),
                u64::from_le_bytes(s),
                Kind::from_code(u32::from_le_bytes(t)),
            )
        })
        .collect();
    (entries, rest)
}

/// How a particular guest kernel treats adjacent entries of one type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KernelRules {
    /// Newer kernels keep adjacent soft-reserved entries apart
    /// (`e820_type_mergeable`) so each range stays its own dax device; older
    /// ones merged them.
    pub keep_soft_reserved_apart: bool,
}

impl KernelRules {
    /// Debian bookworm's 6.1 guest kernel (6.1.0-56, 6.1.192), the one the
    /// tests boot. Measured: two adjacent `memmap=…+0xefffffff` ranges stay
    /// two `user: … soft reserved` lines, so this stable kernel already keeps
    /// soft-reserved entries apart.
    pub const LINUX_6_1: KernelRules = KernelRules {
        keep_soft_reserved_apart: true,
    };
}

/// Linux's `e820__update_table()`: sort, resolve overlaps (the highest type
/// code wins), merge touching entries of one type, drop empty ones.
/// Returns `None` where the kernel leaves the table untouched (fewer than two
/// entries, or an entry that wraps past 2^64).
pub fn sanitize(entries: &[Entry], rules: KernelRules) -> Option<Vec<Entry>> {
    if entries.len() < 2 || entries.iter().any(|e| e.addr.checked_add(e.size).is_none()) {
        return None;
    }
    // Change points: (address, is_end, entry). Starts sort before ends.
    let mut points: Vec<(u64, bool, usize)> = Vec::with_capacity(entries.len() * 2);
    for (i, e) in entries.iter().enumerate() {
        if e.size != 0 {
            points.push((e.addr, false, i));
            points.push((e.addr + e.size, true, i));
        }
    }
    points.sort_by_key(|&(a, end, _)| (a, end));
    let nomerge = |code: u32| {
        code == Kind::Pram.code()
            || (rules.keep_soft_reserved_apart && code == Kind::SOFT_RESERVED_CODE)
    };
    let mut overlap: Vec<usize> = Vec::new();
    let mut out = Vec::new();
    let (mut last_type, mut last_addr) = (0u32, 0u64);
    for (addr, is_end, i) in points {
        if is_end {
            if let Some(p) = overlap.iter().position(|&x| x == i) {
                overlap.swap_remove(p);
            }
        } else {
            overlap.push(i);
        }
        let current = overlap
            .iter()
            .map(|&x| entries[x].kind.code())
            .max()
            .unwrap_or(0);
        if current != last_type || nomerge(current) {
            if last_type != 0 && addr > last_addr {
                out.push(Entry::new(
                    last_addr,
                    addr - last_addr,
                    Kind::from_code(last_type),
                ));
            }
            if current != 0 {
                last_addr = addr;
            }
            last_type = current;
        }
    }
    Some(out)
}

/// Linux's `e820__range_update(start, size, old, new)` followed by a sanitise:
/// the parts of `[start, start+size)` that are of type `old` become `new`.
/// This is what `memmap=<size>%<start>-<old>+<new>` does.
pub fn convert_range(
    entries: &[Entry],
    start: u64,
    size: u64,
    old: Kind,
    new: Kind,
    rules: KernelRules,
) -> Vec<Entry> {
    let end = start.saturating_add(size);
    let mut out = Vec::new();
    for e in entries {
        if e.kind != old || e.end() <= start || e.addr >= end {
            out.push(*e);
            continue;
        }
        let (a, b) = (e.addr.max(start), e.end().min(end));
        if e.addr < a {
            out.push(Entry::new(e.addr, a - e.addr, e.kind));
        }
        out.push(Entry::new(a, b - a, new));
        if b < e.end() {
            out.push(Entry::new(b, e.end() - b, e.kind));
        }
    }
    sanitize(&out, rules).unwrap_or(out)
}

#[derive(Serialize)]
pub struct JsonEntry {
    pub start: String,
    pub end_inclusive: String,
    pub size: u64,
    #[serde(rename = "type")]
    pub kind: String,
    pub type_code: String,
}

impl From<&Entry> for JsonEntry {
    fn from(e: &Entry) -> JsonEntry {
        JsonEntry {
            start: format!("{:#x}", e.addr),
            end_inclusive: format!("{:#x}", e.end().saturating_sub(1)),
            size: e.size,
            kind: e.kind.json_name(),
            type_code: format!("{:#x}", e.kind.code()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const L: KernelRules = KernelRules::LINUX_6_1;

    #[test]
    fn binary_round_trip() {
        let t = vec![
            Entry::new(0, 0x8000_0000, Kind::Ram),
            Entry::new(0xfd_0000_0000, 0x3_0000_0000, Kind::Reserved),
        ];
        let b = encode(&t);
        assert_eq!(b.len(), 40);
        assert_eq!(&b[16..20], &[1, 0, 0, 0]);
        assert_eq!(decode(&b).unwrap(), t);
        assert!(decode(&b[..39]).is_err());
        let (head, rest) = decode_records(&b[..39]);
        assert_eq!((head.as_slice(), rest), (&t[..1], 19));
        // Every type code survives the trip through `Kind`.
        for code in [0, 1, 6, 7, 12, 13, Kind::SOFT_RESERVED_CODE, u32::MAX] {
            assert_eq!(Kind::from_code(code).code(), code);
        }
    }

    #[test]
    fn linux_line_format() {
        let e = Entry::new(0x10_0000, 0x7ff0_0000 - 0x2_0000, Kind::Ram);
        assert_eq!(
            e.linux_line("BIOS-e820"),
            "BIOS-e820: [mem 0x0000000000100000-0x000000007ffdffff] usable"
        );
        assert_eq!(
            Entry::from_inclusive(0, u64::MAX, Kind::Ram),
            Some(Entry::new(0, u64::MAX, Kind::Ram))
        );
        assert_eq!(Entry::from_inclusive(2, 1, Kind::Ram), None);
    }

    #[test]
    fn sanitize_sorts_merges_and_lets_higher_types_win() {
        let t = [
            Entry::new(0x1000, 0x1000, Kind::Ram),
            Entry::new(0, 0x1000, Kind::Ram),
            Entry::new(0x1800, 0x100, Kind::Reserved),
            Entry::new(0x5000, 0, Kind::Ram),
        ];
        let s = sanitize(&t, L).unwrap();
        assert_eq!(
            s,
            vec![
                Entry::new(0, 0x1800, Kind::Ram),
                Entry::new(0x1800, 0x100, Kind::Reserved),
                Entry::new(0x1900, 0x700, Kind::Ram),
            ]
        );
        assert!(sanitize(&t[..1], L).is_none());
        assert!(sanitize(&[Entry::new(u64::MAX, 2, Kind::Ram), t[0]], L).is_none());
    }

    #[test]
    fn soft_reserved_merging_depends_on_kernel() {
        let t = [
            Entry::new(0, 0x1000, Kind::SoftReserved),
            Entry::new(0x1000, 0x1000, Kind::SoftReserved),
        ];
        assert_eq!(sanitize(&t, L).unwrap().len(), 2);
        let old = KernelRules {
            keep_soft_reserved_apart: false,
        };
        assert_eq!(sanitize(&t, old).unwrap().len(), 1);
    }

    #[test]
    fn memmap_conversion_splits_ram() {
        let t = [
            Entry::new(0, 0x9fc00, Kind::Ram),
            Entry::new(0x1_0000_0000, 0x8000_0000, Kind::Ram),
        ];
        let c = convert_range(
            &t,
            0x1_4000_0000,
            0x4000_0000,
            Kind::Ram,
            Kind::SoftReserved,
            L,
        );
        assert_eq!(
            c,
            vec![
                Entry::new(0, 0x9fc00, Kind::Ram),
                Entry::new(0x1_0000_0000, 0x4000_0000, Kind::Ram),
                Entry::new(0x1_4000_0000, 0x4000_0000, Kind::SoftReserved),
            ]
        );
    }
}
