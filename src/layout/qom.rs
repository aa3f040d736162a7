//! The order in which QEMU visits its `-object`s when it builds ACPI tables.
//!
//! QEMU writes one SRAT Generic Initiator structure per
//! `-object acpi-generic-initiator`, found by walking the QOM tree
//! (`build_srat_generic_affinity_structures` → `object_child_foreach_recursive`).
//! A QOM object keeps its children in a GLib `GHashTable` keyed by their ids,
//! so the structures come out in that hash table's iteration order, not in
//! command-line order. Linux numbers NUMA nodes by first appearance in the
//! SRAT (CPU and Generic Initiator structures first), so this order decides
//! which Linux node each Generic Initiator domain becomes.
//!
//! [`iteration_order`] reproduces GLib's table (2.74, Debian bookworm; the
//! algorithm is unchanged since 2.60): `g_str_hash` (djb2 over signed chars),
//! bucket `hash × 11 mod prime_mod[shift]`, quadratic probing, growth at
//! 15/16 occupancy to `nnodes × 1.333` rounded to a power of two, and the
//! in-place rehash of `g_hash_table_resize`. Iteration is bucket order.
//!
//! Insertion order matters through collisions and resizes. QEMU 10.0 creates
//! `-object`s in two passes (`qemu_create_early_backends`, then
//! `qemu_create_late_backends`): memory backends are "late" (so that a large
//! allocation does not delay chardevs), `acpi-generic-initiator` is "early".
//!
//! Evidence (QEMU 10.0.2, guest SRATs read back by the guest tests):
//! `examples/mi300a.toml` (objects `gi-gpu0-4`, `gi-gpu1-5`, `mem0`..`mem3`)
//! gives the Generic Initiators in PXM order 5, 4; with the backends inserted
//! first the model would say 4, 5. `examples/grace-hopper.toml` (`gi-gpu0-2`
//! .. `gi-gpu0-9`, `mem0`, `mem1`) gives 8, 7, 6, 5, 4, 3, 9, 2.

/// `prime_mod[shift]` of GLib's ghash.c.
const PRIME_MOD: [u32; 32] = [
    1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071,
    262139, 524287, 1048573, 2097143, 4194301, 8388593, 16777213, 33554393, 67108859, 134217689,
    268435399, 536870909, 1073741789, 2147483647,
];
const MIN_SHIFT: u32 = 3;

/// GLib's `g_str_hash`: djb2 over the bytes read as signed chars.
pub fn g_str_hash(s: &str) -> u32 {
    s.bytes().fold(5381u32, |h, b| {
        h.wrapping_mul(33).wrapping_add(i32::from(b as i8) as u32)
    })
}

/// A GLib hash table reduced to what decides iteration order.
struct Table {
    shift: u32,
    /// 0 unused, 1 tombstone (never made here), ≥ 2 a stored hash.
    hashes: Vec<u32>,
    /// Index into the caller's key list.
    keys: Vec<usize>,
    nnodes: usize,
    noccupied: usize,
}

impl Table {
    fn new() -> Table {
        let size = 1usize << MIN_SHIFT;
        Table {
            shift: MIN_SHIFT,
            hashes: vec![0; size],
            keys: vec![usize::MAX; size],
            nnodes: 0,
            noccupied: 0,
        }
    }

    fn size(&self) -> usize {
        1 << self.shift
    }

    fn mask(&self) -> usize {
        self.size() - 1
    }

    fn bucket(&self, hash: u32) -> usize {
        (hash.wrapping_mul(11) % PRIME_MOD[self.shift as usize]) as usize
    }

    /// `g_hash_table_insert` of a key that is not in the table yet.
    fn insert(&mut self, hash: u32, key: usize) {
        let hash = hash.max(2);
        let mut i = self.bucket(hash);
        let mut step = 0;
        while self.hashes[i] != 0 {
            step += 1;
            i = (i + step) & self.mask();
        }
        self.hashes[i] = hash;
        self.keys[i] = key;
        self.nnodes += 1;
        self.noccupied += 1;
        // g_hash_table_maybe_resize
        let size = self.size();
        if (size > self.nnodes * 4 && size > 1 << MIN_SHIFT)
            || size <= self.noccupied + self.noccupied / 16
        {
            self.resize();
        }
    }

    /// `g_hash_table_resize`: new shift from `nnodes × 1.333`, then the
    /// in-place relocation of `resize_map` (evicting chains through a bitmap).
    fn resize(&mut self) {
        let old_size = self.size();
        let mut n = (self.nnodes as f64 * 1.333) as u64;
        let mut shift = 0;
        while n != 0 {
            n >>= 1;
            shift += 1;
        }
        self.shift = shift.clamp(MIN_SHIFT, 31);
        let new_size = self.size();
        if new_size > old_size {
            self.hashes.resize(new_size, 0);
            self.keys.resize(new_size, usize::MAX);
        }
        let mut moved = vec![false; new_size.max(old_size)];
        for i in 0..old_size {
            let h = self.hashes[i];
            if h < 2 {
                self.hashes[i] = 0;
                continue;
            }
            if moved[i] {
                continue;
            }
            self.hashes[i] = 0;
            let (mut hash, mut key) = (h, self.keys[i]);
            self.keys[i] = usize::MAX;
            loop {
                let mut j = self.bucket(hash);
                let mut step = 0;
                while moved[j] {
                    step += 1;
                    j = (j + step) & self.mask();
                }
                moved[j] = true;
                let replaced = self.hashes[j];
                self.hashes[j] = hash;
                let evicted = std::mem::replace(&mut self.keys[j], key);
                if replaced < 2 {
                    break;
                }
                hash = replaced;
                key = evicted;
            }
        }
        if new_size < old_size {
            self.hashes.truncate(new_size);
            self.keys.truncate(new_size);
        }
        self.noccupied = self.nnodes;
    }
}

/// The order in which a GLib string-keyed hash table, filled with `keys` in
/// the given order, iterates them: indexes into `keys`. Duplicate keys are
/// not expected (QOM ids are unique); a duplicate is stored twice.
pub fn iteration_order<S: AsRef<str>>(keys: &[S]) -> Vec<usize> {
    let mut t = Table::new();
    for (i, k) in keys.iter().enumerate() {
        t.insert(g_str_hash(k.as_ref()), i);
    }
    t.hashes
        .iter()
        .zip(&t.keys)
        .filter(|(h, _)| **h >= 2)
        .map(|(_, k)| *k)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(keys: &[&str]) -> Vec<String> {
        iteration_order(keys)
            .into_iter()
            .map(|i| keys[i].to_string())
            .collect()
    }

    #[test]
    fn hash_is_glibs_djb2() {
        assert_eq!(g_str_hash(""), 5381);
        assert_eq!(g_str_hash("a"), 5381 * 33 + 97);
        // A byte above 0x7f counts as negative (signed char).
        assert_eq!(g_str_hash("\u{e9}"), {
            let h = 5381u32
                .wrapping_mul(33)
                .wrapping_add(0xc3u8 as i8 as i32 as u32);
            h.wrapping_mul(33).wrapping_add(0xa9u8 as i8 as i32 as u32)
        });
    }

    #[test]
    fn matches_qemu_10_0_srat_order_for_the_examples() {
        // Measured (see the module doc): early objects first, then backends.
        let mi300a = order(&["gi-gpu0-4", "gi-gpu1-5", "mem0", "mem1", "mem2", "mem3"]);
        let gis: Vec<&String> = mi300a.iter().filter(|k| k.starts_with("gi-")).collect();
        assert_eq!(gis, ["gi-gpu1-5", "gi-gpu0-4"]);
        let mut keys: Vec<String> = (2..=9).map(|n| format!("gi-gpu0-{n}")).collect();
        keys.extend(["mem0".to_string(), "mem1".to_string()]);
        let gh: Vec<String> = iteration_order(&keys)
            .into_iter()
            .map(|i| keys[i].clone())
            .filter(|k| k.starts_with("gi-"))
            .collect();
        let pxms: Vec<&str> = gh.iter().map(|k| &k[8..]).collect();
        assert_eq!(pxms, ["8", "7", "6", "5", "4", "3", "9", "2"]);
    }

    #[test]
    fn every_key_comes_out_once_through_resizes() {
        let keys: Vec<String> = (0..200).map(|i| format!("obj{i}")).collect();
        let mut o = iteration_order(&keys);
        o.sort_unstable();
        assert_eq!(o, (0..200).collect::<Vec<_>>());
    }
}
