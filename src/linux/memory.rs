//! Memory as the kernel accounts for it: the block size it hot-adds memory
//! in.

use crate::units::MIB;

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
        assert_eq!(block_size(100 * G + 4096), 128 * MIB);
    }
}
