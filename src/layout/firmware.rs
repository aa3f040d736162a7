//! What the guest kernel receives after the firmware rewrote QEMU's E820.
//!
//! QEMU hands the firmware fw_cfg `etc/e820`. The firmware builds the map the
//! kernel gets (INT 15h E820 under SeaBIOS, the UEFI memory map under OVMF),
//! and the kernel sorts and merges it before it prints `BIOS-e820:` lines.
//!
//! SeaBIOS 1.16.3 (Debian's, with QEMU 10.0) is modelled entry by entry:
//! it keeps only RAM and reserved entries from `etc/e820`, adds the EBDA
//! (`0x9fc00`), the BIOS area (`0xf0000`), the 256 KiB flash window below
//! 4 GiB, on q35 the MMCONFIG window and the ICH9 RCBA, and reserves at the
//! top of low RAM what its "high zone" keeps: QEMU's ACPI tables blob (128 KiB)
//! and the SMBIOS tables when they exceed 600 bytes. Devices SeaBIOS drives
//! (virtio disks, USB) allocate there too; the prediction is for a guest with
//! no such devices, which is stated in the output.
//!
//! OVMF carves its own ranges out of low RAM, which vary with its build; the
//! model gives those as one firmware-owned window and predicts the rest.

use crate::e820::{Entry, KernelRules, Kind, sanitize};
use crate::kinds::{Firmware, QemuMachine};
use crate::layout::Region;
use crate::layout::qemu::QemuLayout;
use crate::linux;
use crate::model::Topology;
use crate::target::QemuProfile;
use crate::units::{KIB, MIB};
use crate::versions::QemuRelease;

/// A stretch of the map the firmware owns: the guest's entries there are the
/// firmware's business, but they must tile the window exactly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirmwareWindow {
    pub region: Region,
    /// Why the contents are not predicted entry by entry.
    pub reason: String,
    /// The entry types the firmware may use inside the window.
    pub kinds: Vec<Kind>,
}

/// The guest kernel's view of the E820 map.
#[derive(Clone, Debug)]
pub struct GuestE820 {
    pub firmware: Firmware,
    /// What the kernel prints as `BIOS-e820:` (sorted and merged), outside
    /// any firmware window.
    pub bios: Vec<Entry>,
    /// What the kernel prints as `user:` after `memmap=` edits, when any.
    pub user: Option<Vec<Entry>>,
    pub windows: Vec<FirmwareWindow>,
    /// Assumptions the prediction rests on.
    pub assumptions: Vec<String>,
    /// Ranges of `etc/e820` the firmware drops (soft-reserved under SeaBIOS).
    pub dropped: Vec<Entry>,
}

/// The ACPI tables blob QEMU hands SeaBIOS: padded to 128 KiB.
pub const ACPI_BLOB: u64 = 128 * KIB;
/// SeaBIOS keeps SMBIOS in the f-segment up to this many bytes.
const SMBIOS_FSEG_MAX: u64 = 600;
/// The SMBIOS type 0 SeaBIOS adds when QEMU gives none: 24 bytes, "SeaBIOS",
/// the Debian version string "1.16.3-debian-1.16.3-2~bpo12+1", the date
/// "04/01/2014" and the terminators.
const SEABIOS_TYPE0: u64 = 75;

fn align_down(v: u64, a: u64) -> u64 {
    v - v % a
}

/// QEMU's SMBIOS tables for pc/q35 in bytes (no `-smbios` options): types 1,
/// 3, 4 (per socket), 16, 17, 19 (per E820 RAM entry), 32 and 127. String
/// lengths depend on the machine type name, e.g. "pc-q35-10.0"; the
/// release decides the type 4 length (6 bytes more with the SMBIOS 3.0 entry
/// point of 8.1 and 8.2) and how much memory one type 17 describes.
pub fn smbios_len(
    machine: QemuMachine,
    release: &QemuRelease,
    sockets: u32,
    ram_entries: u64,
    ram_size: u64,
) -> u64 {
    let desc = match machine {
        // `virt` on x86_64 is refused (T120) and laid out as q35.
        QemuMachine::Q35 | QemuMachine::Virt => "Standard PC (Q35 + ICH9, 2009)",
        QemuMachine::Pc => "Standard PC (i440FX + PIIX, 1996)",
    };
    let name = release.machine_type(machine).len() as u64;
    let desc = desc.len() as u64;
    let t1 = 35 + desc + name;
    let t3 = 29 + name;
    let t4_base = if release.smbios_3_0 { 61 } else { 55 };
    // "CPU%2x" grows a digit from socket 0x100 on.
    let t4: u64 = (0..u64::from(sockets))
        .map(|s| t4_base + name + u64::from(s >= 0x100))
        .sum();
    let dimms = ram_size.div_ceil(release.smbios_dimm_max).max(1);
    t1 + t3 + t4 + 25 + 53 * dimms + 33 * ram_entries + 13 + 6
}

pub fn guest_e820(t: &Topology, p: &QemuProfile, l: &QemuLayout) -> GuestE820 {
    let rules = KernelRules::LINUX_6_1;
    let low_top = l.below_4g;
    let dropped: Vec<Entry> = match p.firmware.value {
        Firmware::OvmfSp => Vec::new(),
        _ => l
            .fw_cfg_e820
            .iter()
            .filter(|e| !matches!(e.kind, Kind::Ram | Kind::Reserved))
            .copied()
            .collect(),
    };
    let mut assumptions = Vec::new();
    let mut windows = Vec::new();
    let mut map: Vec<Entry> = Vec::new();
    match p.firmware.value {
        Firmware::Seabios => {
            let ram_entries = l.fw_cfg_e820.iter().filter(|e| e.kind == Kind::Ram).count() as u64;
            let smbios = smbios_len(
                p.machine.value,
                p.release,
                t.machine.topology.sockets.value,
                ram_entries,
                l.ram_size,
            ) + SEABIOS_TYPE0;
            let mut lowest = low_top;
            if smbios > SMBIOS_FSEG_MAX {
                lowest = align_down(lowest.saturating_sub(smbios), 16);
            }
            lowest = align_down(lowest.saturating_sub(ACPI_BLOB), 64);
            let reserved_start = align_down(lowest, 4 * KIB).max(MIB.min(low_top));
            assumptions.push(format!(
                "SeaBIOS 1.16.3 keeps [{reserved_start:#x}, {low_top:#x}) for QEMU's 128 KiB ACPI blob{}; \
                 disks, USB or other devices SeaBIOS drives would lower the start in 4 KiB steps",
                if smbios > SMBIOS_FSEG_MAX { " and the SMBIOS tables" } else { "" }
            ));
            let ebda = 0x9fc00u64.min(low_top);
            map.push(Entry::new(0, ebda, Kind::Ram));
            if low_top > ebda {
                map.push(Entry::new(
                    ebda,
                    0xa0000u64.min(low_top) - ebda,
                    Kind::Reserved,
                ));
            }
            map.push(Entry::new(0xf0000, 0x10000, Kind::Reserved));
            if reserved_start > MIB {
                map.push(Entry::new(MIB, reserved_start - MIB, Kind::Ram));
            }
            if low_top > reserved_start {
                map.push(Entry::new(
                    reserved_start,
                    low_top - reserved_start,
                    Kind::Reserved,
                ));
            }
            if p.machine.value == QemuMachine::Q35 {
                map.push(Entry::new(0xb000_0000, 256 * MIB, Kind::Reserved));
                map.push(Entry::new(0xfed1_c000, 16 * KIB, Kind::Reserved));
            }
            map.push(Entry::new(0xfffc_0000, 256 * KIB, Kind::Reserved));
            map.extend(l.fw_cfg_e820.iter().filter(|e| match e.kind {
                Kind::Ram => e.addr >= 1 << 32,
                Kind::Reserved => true,
                _ => false,
            }));
        }
        Firmware::Ovmf | Firmware::OvmfSp | Firmware::Edk2_2020_11 | Firmware::Edk2_2022_11 => {
            // OVMF builds the UEFI memory map; the EFI stub turns it into E820.
            map.push(Entry::new(0, 0xa0000u64.min(low_top), Kind::Ram));
            if low_top > MIB {
                windows.push(FirmwareWindow {
                    region: Region::new(MIB, low_top - MIB),
                    reason: "OVMF allocates its own ACPI, NVS and reserved ranges in low RAM; they depend on the OVMF build".into(),
                    kinds: vec![Kind::Ram, Kind::Reserved, Kind::Acpi, Kind::Nvs],
                });
            }
            if p.machine.value == QemuMachine::Q35 {
                map.push(Entry::new(0xb000_0000, 256 * MIB, Kind::Reserved));
            }
            map.extend(l.fw_cfg_e820.iter().filter(|e| match e.kind {
                Kind::Ram => e.addr >= 1 << 32,
                Kind::SoftReserved => p.firmware.value == Firmware::OvmfSp,
                _ => false,
            }));
            assumptions.push("OVMF passes RAM above 4 GiB through unchanged and does not report QEMU's reserved entries".into());
        }
    }
    let bios = sanitize(&map, rules).unwrap_or(map);
    let user = (!l.kernel_args.is_empty()).then(|| {
        let mut spm: Vec<Region> = l.spm.iter().map(|s| s.region).collect();
        spm.sort();
        soft_reserve(&bios, &spm, rules)
    });
    GuestE820 {
        firmware: p.firmware.value,
        bios,
        user,
        windows,
        assumptions,
        dropped,
    }
}

/// What the kernel's `memmap=<size>%<start>-1+0xefffffff` arguments make of
/// a table: the RAM inside each (sorted, disjoint) region becomes soft
/// reserved. One pass and one sanitize, as [`crate::e820::convert_range`]
/// region by region would give, without its quadratic cost for many parts.
fn soft_reserve(table: &[Entry], regions: &[Region], rules: KernelRules) -> Vec<Entry> {
    let mut out = Vec::with_capacity(table.len() + 2 * regions.len());
    for e in table {
        if e.kind != Kind::Ram {
            out.push(*e);
            continue;
        }
        let mut cur = e.addr;
        let first = regions.partition_point(|r| r.end() <= e.addr);
        for r in regions[first..].iter().take_while(|r| r.start < e.end()) {
            let (a, b) = (r.start.max(e.addr), r.end().min(e.end()));
            if cur < a {
                out.push(Entry::new(cur, a - cur, Kind::Ram));
            }
            if a < b {
                out.push(Entry::new(a, b - a, Kind::SoftReserved));
            }
            cur = cur.max(b);
        }
        if cur < e.end() {
            out.push(Entry::new(cur, e.end() - cur, Kind::Ram));
        }
    }
    sanitize(&out, rules).unwrap_or(out)
}

/// SeaBIOS's `BUILD_MAX_E820`: its own E820 list (src/config.h, 32 entries; src/e820map.c drops further
/// entries with `warn_noalloc()`).
pub const SEABIOS_E820_ENTRIES: usize = 32;

/// One place the guest's E820 map passes through on its way into the
/// kernel, with the entries it would have to hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct E820Hop {
    /// Who holds the table, e.g. "the boot zero page (boot_params.e820_table)".
    pub holder: &'static str,
    /// Entries predicted there.
    pub entries: usize,
    /// Entries it can hold.
    pub capacity: usize,
    /// What happens to the entries beyond `capacity`.
    pub overflow: &'static str,
}

impl E820Hop {
    pub fn overflows(&self) -> bool {
        self.entries > self.capacity
    }
}

/// The tables the guest's E820 map passes through, in boot order, with the
/// entries each would hold.
///
/// - SeaBIOS keeps its own list (`BUILD_MAX_E820` = 32) and hands it out by
///   INT 15h E820; the kernel's real-mode setup (`arch/x86/boot/memory.c
///   detect_memory_e820()`) copies at most 128 entries into the zero page and
///   silently stops there.
/// - Under OVMF the EFI stub builds the map from the UEFI memory map and puts
///   entries beyond 128 into a `SETUP_E820_EXT` setup_data node, so only the
///   kernel's table limits it; the firmware window's entries are not
///   predicted, so the count is a lower bound.
/// - `memmap=` edits (the kernel-memmap SPM dialect) happen in the kernel's
///   own table (`E820_MAX_ENTRIES`); `__e820__range_add()` prints "too many
///   entries; ignoring [mem …]" and drops the rest.
pub fn e820_hops(g: &GuestE820) -> Vec<E820Hop> {
    let mut hops = Vec::new();
    match g.firmware {
        Firmware::Seabios => {
            hops.push(E820Hop {
                holder: "SeaBIOS's E820 list (BUILD_MAX_E820)",
                entries: g.bios.len(),
                capacity: SEABIOS_E820_ENTRIES,
                overflow: "SeaBIOS drops the entries beyond it (warn_noalloc)",
            });
            hops.push(E820Hop {
                holder: "the boot zero page (boot_params.e820_table)",
                entries: g.bios.len(),
                capacity: linux::e820::ZEROPAGE_ENTRIES,
                overflow: "the kernel's setup code stops reading INT 15h E820 after 128 entries",
            });
        }
        Firmware::Ovmf | Firmware::OvmfSp | Firmware::Edk2_2020_11 | Firmware::Edk2_2022_11 => hops
            .push(E820Hop {
                holder: "the kernel's E820 table (E820_MAX_ENTRIES)",
                entries: g.bios.len(),
                capacity: linux::e820::KERNEL_ENTRIES,
                overflow: "the kernel prints \"too many entries; ignoring [mem …]\" and drops them",
            }),
    }
    if let Some(user) = &g.user {
        hops.push(E820Hop {
            holder: "the kernel's E820 table after memmap= (E820_MAX_ENTRIES)",
            entries: user.len(),
            capacity: linux::e820::KERNEL_ENTRIES,
            overflow: "the kernel prints \"too many entries; ignoring [mem …]\" and drops them",
        });
    }
    hops
}

/// The guest kernel's memory block size for this map
/// ([`linux::memory::block_size`]), at the end of its boot memory
/// (`max_pfn`): the last RAM entry of the kernel's final table, or the end of
/// a firmware window, which holds RAM. Soft-reserved memory does not count.
pub fn memory_block_size(g: &GuestE820) -> u64 {
    let table = g.user.as_ref().unwrap_or(&g.bios);
    let ram_end = table
        .iter()
        .filter(|e| e.kind == Kind::Ram)
        .map(Entry::end)
        .chain(g.windows.iter().map(|w| w.region.end()))
        .max()
        .unwrap_or(0);
    linux::memory::block_size(ram_end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guest(bios: Vec<Entry>, user: Option<Vec<Entry>>) -> GuestE820 {
        GuestE820 {
            firmware: Firmware::Seabios,
            bios,
            user,
            windows: Vec::new(),
            assumptions: Vec::new(),
            dropped: Vec::new(),
        }
    }

    #[test]
    fn memory_block_size_is_taken_at_the_end_of_boot_ram() {
        const G: u64 = 1 << 30;
        let ram = |start: u64, size: u64| Entry::new(start, size, Kind::Ram);
        // Below 64 GiB of boot RAM: 128 MiB.
        assert_eq!(
            memory_block_size(&guest(vec![ram(0, 2 * G), ram(4 * G, 30 * G)], None)),
            128 * MIB
        );
        // Above, the largest power of two up to 2 GiB dividing the end of
        // the last RAM entry, not of the first.
        assert_eq!(
            memory_block_size(&guest(
                vec![ram(0, 2 * G), ram(4 * G, 96 * G + 512 * MIB)],
                None
            )),
            512 * MIB
        );
        // Soft-reserved memory at the top does not count (max_pfn is RAM).
        let user = vec![
            ram(4 * G, 64 * G),
            Entry::new(68 * G, 384 * MIB, Kind::SoftReserved),
        ];
        assert_eq!(memory_block_size(&guest(Vec::new(), Some(user))), 2 * G);
    }

    #[test]
    fn e820_hops_under_seabios() {
        let g = guest(
            vec![Entry::new(0, 0x9fc00, Kind::Ram); 3],
            Some(vec![Entry::new(0, 1, Kind::Ram); 3201]),
        );
        let hops = e820_hops(&g);
        assert_eq!(hops.len(), 3);
        assert!(!hops[0].overflows() && !hops[1].overflows());
        assert_eq!((hops[2].entries, hops[2].capacity), (3201, 3200));
        assert!(hops[2].overflows());
    }

    #[test]
    fn smbios_lengths_match_qemu_10_0() {
        // Measured: pc-q35-10.0 is 213 + 66·sockets + 33·ram entries.
        assert_eq!(
            smbios_len(
                QemuMachine::Q35,
                crate::versions::qemu(crate::kinds::QemuVersion::V10_0),
                1,
                1,
                2 << 30
            ),
            213 + 66 + 33
        );
        assert_eq!(
            smbios_len(
                QemuMachine::Q35,
                crate::versions::qemu(crate::kinds::QemuVersion::V10_0),
                4,
                1,
                2 << 30
            ),
            510
        );
        // pc-i440fx-10.0 is 222 + 69·sockets + 33·ram entries.
        assert_eq!(
            smbios_len(
                QemuMachine::Pc,
                crate::versions::qemu(crate::kinds::QemuVersion::V10_0),
                1,
                2,
                4 << 30
            ),
            357
        );
    }
}
