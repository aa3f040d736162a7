//! Memory as the kernel accounts for it: the edits it makes to the E820 RAM
//! at boot, the block size it hot-adds memory in, and what a node's MemTotal
//! lacks of its RAM.

use crate::units::{KIB, MIB};

/// The page the kernel counts RAM in.
pub const PAGE: u64 = 4 * KIB;

/// The ranges the kernel takes out of E820 RAM before it hands RAM to
/// memblock, `[start, end)`: page 0 (`e820: update [mem
/// 0x00000000-0x00000fff] usable ==> reserved`) and the legacy 640 KiB–1 MiB
/// hole (`e820: remove [mem 0x000a0000-0x000fffff] usable`).
pub const BOOT_CUTS: [(u64, u64); 2] = [(0, 0x1000), (0xa0000, 0x10_0000)];

/// Where the kernel image sits when `/proc/iomem` does not say: x86-64's
/// default `CONFIG_PHYSICAL_START`, 16 MiB (the guests boot with `nokaslr`).
pub const KERNEL_START: u64 = 0x100_0000;

/// The guest kernel's memory block size: the unit memory hotplug, and so
/// dax `kmem`, onlines (arch/x86/mm/init_64.c `probe_memory_block_size()`,
/// 6.1), for boot memory ending at `boot_ram_end` (`max_pfn`). Below 64 GiB
/// it is 128 MiB; above, in a VM (QEMU sets the CPUID hypervisor bit), the
/// largest power of two from 2 GiB down to 128 MiB that divides
/// `boot_ram_end`.
pub fn block_size(boot_ram_end: u64) -> u64 {
    const MIN: u64 = 128 * MIB;
    const MAX: u64 = 2 << 30;
    const LARGE: u64 = 64 << 30;
    if boot_ram_end < LARGE {
        return MIN;
    }
    let mut bz = MAX;
    while bz > MIN && boot_ram_end % bz != 0 {
        bz >>= 1;
    }
    bz
}

/// `struct page` is 64 bytes per 4 KiB page: 1/64 of a node's RAM.
pub const MEMMAP_DIVISOR: u64 = 64;
/// Per node: `NODE_DATA`, page tables, per-CPU areas, zone tables.
pub const NODE_OVERHEAD: u64 = 16 * MIB;
/// The node holding the kernel image (text, data, bss, early allocations).
pub const KERNEL_OVERHEAD: u64 = 64 * MIB;
/// The node holding the top of RAM below 4 GiB: the 64 MiB swiotlb buffer.
pub const SWIOTLB_OVERHEAD: u64 = 64 * MIB;

/// arm64 only: the page tables of the kernel's linear map, 8 bytes per
/// 4 KiB page of all RAM (1/512 of it). Debian's arm64 kernels map the
/// linear map with pages, not blocks (`CONFIG_RODATA_FULL_DEFAULT_ENABLED=y`),
/// and memblock allocates the tables top-down, so they land in the node that
/// holds the top of RAM. Measured: an 8 GiB two-node guest's top node lacked
/// 81 MiB of its 4 GiB, 64 MiB of it struct pages.
pub const ARM64_LINEAR_MAP_DIVISOR: u64 = 512;

/// [`ARM64_LINEAR_MAP_DIVISOR`] applied: what the top node of an arm64
/// guest with `all_ram` bytes of RAM holds beyond [`memtotal_overhead`].
pub fn arm64_linear_map_tables(all_ram: u64) -> u64 {
    all_ram / ARM64_LINEAR_MAP_DIVISOR
}

/// The most a node's MemTotal falls short of its RAM, with its parts in
/// words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overhead {
    pub bytes: u64,
    pub parts: Vec<String>,
}

/// The bound for a node with `boot` bytes of boot RAM and `total` bytes of
/// RAM in all (boot RAM and what kmem hot-added), holding the kernel image
/// and the swiotlb buffer or not. A node without boot RAM has no overhead:
/// its MemTotal is exactly its kmem memory.
pub fn memtotal_overhead(
    total: u64,
    boot: u64,
    holds_kernel: bool,
    holds_swiotlb: bool,
) -> Overhead {
    let mut o = Overhead {
        bytes: 0,
        parts: Vec::new(),
    };
    if boot == 0 {
        return o;
    }
    o.bytes += total / MEMMAP_DIVISOR + NODE_OVERHEAD;
    o.parts.push(format!(
        "RAM/{MEMMAP_DIVISOR} for struct pages + {} MiB per node",
        NODE_OVERHEAD / MIB
    ));
    if holds_kernel {
        o.bytes += KERNEL_OVERHEAD;
        o.parts.push(format!(
            "{} MiB for the kernel image",
            KERNEL_OVERHEAD / MIB
        ));
    }
    if holds_swiotlb {
        o.bytes += SWIOTLB_OVERHEAD;
        o.parts
            .push(format!("{} MiB swiotlb", SWIOTLB_OVERHEAD / MIB));
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_size_follows_probe_memory_block_size() {
        const G: u64 = 1 << 30;
        // Below 64 GiB of boot RAM: 128 MiB.
        assert_eq!(block_size(34 * G), 128 * MIB);
        // Above, the largest power of two up to 2 GiB dividing the end.
        assert_eq!(block_size(100 * G), 2 * G);
        assert_eq!(block_size(100 * G + 512 * MIB), 512 * MIB);
        assert_eq!(block_size(100 * G + 4 * KIB), 128 * MIB);
    }

    #[test]
    fn memtotal_overhead_adds_what_the_node_holds() {
        let o = memtotal_overhead(64 * MIB * 64, 64 * MIB * 64, true, false);
        assert_eq!(o.bytes, 64 * MIB + NODE_OVERHEAD + KERNEL_OVERHEAD);
        assert_eq!(o.parts.len(), 2);
        assert_eq!(memtotal_overhead(MIB, 0, true, true).bytes, 0);
    }
}
