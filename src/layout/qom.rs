//! The order in which QEMU visits its `-object`s when it builds ACPI tables.
//!
//! QEMU writes one SRAT Generic Initiator structure per
//! `-object acpi-generic-initiator`, and one Generic Port structure per
//! `-object acpi-generic-port`. It finds them by walking the QOM tree:
//! `build_srat_generic_affinity_structures` (hw/acpi/pci.c) calls
//! `object_child_foreach_recursive(object_get_root(), build_acpi_generic_initiator, …)`,
//! then makes a second walk for `build_acpi_generic_port`. Every Generic
//! Initiator therefore comes before every Generic Port. `do_object_child_foreach`
//! (qom/object.c) walks `obj->properties`, a GLib `GHashTable` keyed by
//! property name (`g_str_hash`/`g_str_equal`, made in
//! `object_initialize_with_type`). Each `-object` with an id is a `child<…>`
//! property of `/objects` (`user_creatable_add_type`, qom/object_interfaces.c).
//! So the structures come out in that table's iteration order, not in
//! command-line order. Linux numbers NUMA nodes by first appearance in the
//! SRAT (CPU and Generic Initiator structures first), so this order decides
//! which Linux node each Generic Initiator domain becomes.
//!
//! **GLib.** [`iteration_order`] replays GLib 2.74's glib/ghash.c: GLib 2.74.6
//! is what Debian bookworm's QEMU 10.0.2 links, Debian patches nothing in
//! ghash.c, and the algorithm has not changed since 2.60.
//!   - `g_str_hash` is djb2 over *signed* chars: `h = h * 33 + c`, starting at 5381.
//!   - A hash of 0 or 1 is stored as 2, because 0 marks an unused slot and 1 a
//!     tombstone (`g_hash_table_lookup_node`).
//!   - The first bucket is `(hash * 11) % prime_mod[shift]` (`g_hash_table_hash_to_index`).
//!   - Probing is quadratic over a power-of-two mask: `i = (i + ++step) & (size - 1)`.
//!   - A new table has 8 slots (`HASH_TABLE_MIN_SHIFT` = 3).
//!   - After an insert into an unused slot, `g_hash_table_maybe_resize`
//!     grows the table once `size <= noccupied + noccupied / 16`. The new shift
//!     is the bit length of `(gint)(nnodes * 1.333)`, and at least 3.
//!   - `g_hash_table_resize` rehashes *in place* (`resize_map`). It walks the
//!     old slots in order and evicts entries into their new home, following
//!     eviction chains, with a bitmap of slots that are already settled. So the
//!     result is not a plain reinsertion, and the model replays it step by step.
//!   - Iteration (`g_hash_table_iter_next`) goes through the slots in index order.
//!
//! **QEMU.** [`creation_order`] fills the table in QEMU 10.0.2's order.
//!   - `/objects` is a bare `container`, so its table holds only `child<…>`
//!     properties. `type` is a class property and lives in another table.
//!   - QEMU creates `-object`s in three passes over the command line, each in
//!     command-line order (`object_option_foreach_add`, system/vl.c):
//!     1. `object_create_pre_sandbox` makes `thread-context`, from `qemu_process_early_options`.
//!     2. `object_create_early` makes everything else, from `qemu_create_early_backends`.
//!     3. `object_create_late` makes `memory-backend-*`, `rng-egd`, `qtest`,
//!        `cryptodev-vhost-user`, `vhost-user-blk-server`, `filter-*` and
//!        `colo-compare`, from `qemu_create_late_backends`.
//!   - `acpi-generic-initiator` and `acpi-generic-port` are early. They land in
//!     the table before every memory backend, even one written before them.
//!   - A successful start removes no child. `user_creatable_add_type` deletes
//!     one only when `user_creatable_complete` fails, and QEMU then exits.
//!   - QEMU adds two children of its own, both after every `-object`.
//!     `create_default_memdev` (hw/core/machine.c) adds `pc.ram`, but only with
//!     legacy NUMA memory (no node has a `memdev`), and that cannot be combined
//!     with the NUMA nodes a Generic Initiator needs on q35/pc 5.1 and later.
//!     `-display dbus` adds `dbus-display`. topoc emits neither, so
//!     [`creation_order`] leaves them out. A caller that needs them can
//!     append them to the keys it gives [`iteration_order`].
//!
//! Evidence (QEMU 10.0.2 + GLib 2.74.6, Debian bookworm-backports, TCG):
//! guest SRATs read back from /sys/firmware/acpi/tables, and `qom-list /objects`.
//! `qom-list` returns the iteration order reversed, because `qmp_qom_list`
//! prepends. The tests below record those runs. Beyond them, 3,200 random
//! `-object` lists (1 to 250 objects, mixed types including `thread-context`)
//! matched `qom-list` exactly. A C program linked against the installed
//! libglib-2.0.so.0 also agreed on the hash and the order for random keys,
//! including non-ASCII ones.

/// `prime_mod[shift]` of GLib's ghash.c: the largest prime below `1 << shift`.
const PRIME_MOD: [u32; 32] = [
    1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071,
    262139, 524287, 1048573, 2097143, 4194301, 8388593, 16777213, 33554393, 67108859, 134217689,
    268435399, 536870909, 1073741789, 2147483647,
];
/// `HASH_TABLE_MIN_SHIFT`.
const MIN_SHIFT: u32 = 3;
/// `UNUSED_HASH_VALUE`. `TOMBSTONE_HASH_VALUE` (1) needs a removal, and there
/// are none here.
const UNUSED: u32 = 0;

/// The bytes GLib sees of `s`: a C string ends at its first NUL.
fn c_bytes(s: &str) -> &[u8] {
    let b = s.as_bytes();
    match b.iter().position(|&c| c == 0) {
        Some(n) => &b[..n],
        None => b,
    }
}

/// GLib's `g_str_hash`: djb2 over the bytes read as signed chars, in 32 bits.
pub fn g_str_hash(s: &str) -> u32 {
    g_str_hash_bytes(c_bytes(s))
}

fn g_str_hash_bytes(b: &[u8]) -> u32 {
    b.iter().fold(5381u32, |h, &c| {
        h.wrapping_mul(33).wrapping_add(i32::from(c as i8) as u32)
    })
}

/// A GLib hash table reduced to what decides iteration order.
struct Table {
    shift: u32,
    /// 0 unused, 1 tombstone (never made here), ≥ 2 a stored hash.
    hashes: Vec<u32>,
    /// Index into the caller's key list, where `hashes` is ≥ 2.
    keys: Vec<usize>,
    nnodes: usize,
    noccupied: usize,
}

impl Table {
    fn new() -> Table {
        let size = 1usize << MIN_SHIFT;
        Table {
            shift: MIN_SHIFT,
            hashes: vec![UNUSED; size],
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

    /// `g_hash_table_hash_to_index`.
    fn bucket(&self, hash: u32) -> usize {
        let m = PRIME_MOD
            .get(self.shift as usize)
            .copied()
            .unwrap_or(PRIME_MOD[31]);
        (hash.wrapping_mul(11) % m) as usize
    }

    /// `g_hash_table_insert` of `keys[key]`. `g_str_equal` compares the C
    /// strings. A key already present keeps its slot (GLib replaces only the
    /// value), so the call changes nothing.
    fn insert(&mut self, keys: &[&[u8]], key: usize) {
        let Some(&bytes) = keys.get(key) else {
            return;
        };
        // g_hash_table_lookup_node: the "real hash" adjustment, then probing.
        let hash = g_str_hash_bytes(bytes).max(2);
        let mut i = self.bucket(hash);
        let mut step = 0;
        while self.hashes[i] != UNUSED {
            if self.hashes[i] == hash && keys.get(self.keys[i]) == Some(&bytes) {
                return;
            }
            step += 1;
            i = (i + step) & self.mask();
        }
        // g_hash_table_insert_node into an unused slot.
        self.hashes[i] = hash;
        self.keys[i] = key;
        self.nnodes += 1;
        self.noccupied += 1;
        // g_hash_table_maybe_resize
        let size = self.size();
        if (size > self.nnodes.saturating_mul(4) && size > 1 << MIN_SHIFT)
            || size <= self.noccupied + self.noccupied / 16
        {
            self.resize();
        }
    }

    /// `g_hash_table_resize`: the new shift from `nnodes × 1.333`, then the
    /// in-place relocation of `resize_map` (evicting chains through a bitmap).
    fn resize(&mut self) {
        let old_size = self.size();
        // g_hash_table_set_shift_from_size: a double made a gint, then its bit
        // length (g_hash_table_find_closest_shift). The clamp to prime_mod's
        // 32 entries never bites: GLib would need 2^31 slots.
        let n = (self.nnodes as f64 * 1.333) as u64;
        self.shift = (u64::BITS - n.leading_zeros()).clamp(MIN_SHIFT, 31);
        let new_size = self.size();
        if new_size > old_size {
            self.hashes.resize(new_size, UNUSED);
            self.keys.resize(new_size, usize::MAX);
        }
        let mut moved = vec![false; new_size.max(old_size)];
        for i in 0..old_size {
            let h = self.hashes[i];
            if h < 2 {
                // Unused, or a tombstone being cleared.
                self.hashes[i] = UNUSED;
                continue;
            }
            if moved[i] {
                continue;
            }
            self.hashes[i] = UNUSED;
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

/// The order in which GLib 2.74 iterates a `GHashTable` made with
/// `g_str_hash`/`g_str_equal` after `keys` are inserted in the given order,
/// with no removals. Returns indexes into `keys`.
///
/// A key equal to an earlier one, compared as a C string (up to its first
/// NUL), leaves the table unchanged and does not appear. QEMU refuses a
/// duplicate id anyway ("attempt to add duplicate property").
pub fn iteration_order<S: AsRef<str>>(keys: &[S]) -> Vec<usize> {
    let bytes: Vec<&[u8]> = keys.iter().map(|k| c_bytes(k.as_ref())).collect();
    let mut t = Table::new();
    for i in 0..bytes.len() {
        t.insert(&bytes, i);
    }
    t.hashes
        .iter()
        .zip(&t.keys)
        .filter(|(h, _)| **h >= 2)
        .map(|(_, k)| *k)
        .collect()
}

/// [`iteration_order`] for the ids of `/objects` children, listed in the order
/// QEMU inserted them (see [`creation_order`]).
pub fn objects_iteration_order(ids_in_insertion_order: &[&str]) -> Vec<usize> {
    iteration_order(ids_in_insertion_order)
}

/// When QEMU 10.0.2's system/vl.c creates an `-object`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// `object_create_pre_sandbox`, from `qemu_process_early_options`.
    PreSandbox,
    /// `object_create_early`, from `qemu_create_early_backends`.
    Early,
    /// `object_create_late`, from `qemu_create_late_backends`.
    Late,
}

/// The creation phase of an `-object` with this `qom-type`
/// (`object_create_pre_sandbox` and `object_create_early` in system/vl.c).
pub fn creation_phase(qom_type: &str) -> Phase {
    const LATE: [&str; 11] = [
        "rng-egd",
        "qtest",
        "cryptodev-vhost-user",
        "vhost-user-blk-server",
        "filter-buffer",
        "filter-dump",
        "filter-mirror",
        "filter-redirector",
        "colo-compare",
        "filter-rewriter",
        "filter-replay",
    ];
    if qom_type == "thread-context" {
        Phase::PreSandbox
    } else if LATE.contains(&qom_type) || qom_type.starts_with("memory-backend-") {
        Phase::Late
    } else {
        Phase::Early
    }
}

/// The order in which QEMU adds `objects` as children of `/objects`. The
/// input is `(qom-type, id)` in command-line order, and the result holds
/// indexes into it. Within a phase, objects keep their command-line order.
pub fn creation_order(objects: &[(&str, &str)]) -> Vec<usize> {
    let mut ix: Vec<usize> = (0..objects.len()).collect();
    // Stable, so command-line order holds within a phase.
    ix.sort_by_key(|&i| objects.get(i).map(|o| creation_phase(o.0)));
    ix
}

/// The ids of the `objects` whose type is `qom_type`, in the order that
/// `object_child_foreach_recursive(object_get_root(), …)` visits them.
/// `objects` is the `-object` list as `(qom-type, id)` in command-line order.
pub fn walk_order<'a>(objects: &[(&str, &'a str)], qom_type: &str) -> Vec<&'a str> {
    let created = creation_order(objects);
    let ids: Vec<&str> = created
        .iter()
        .filter_map(|&i| objects.get(i).map(|o| o.1))
        .collect();
    objects_iteration_order(&ids)
        .into_iter()
        .filter_map(|k| created.get(k).and_then(|&i| objects.get(i)))
        .filter(|(t, _)| *t == qom_type)
        .map(|&(_, id)| id)
        .collect()
}

/// The ids of the `acpi-generic-initiator` objects, in the order QEMU 10.0.2
/// writes their SRAT Generic Initiator Affinity structures. `objects` is the
/// `-object` list as `(qom-type, id)` in command-line order.
pub fn generic_initiators_in_srat_order<'a>(objects: &[(&str, &'a str)]) -> Vec<&'a str> {
    walk_order(objects, "acpi-generic-initiator")
}

/// The ids of the `acpi-generic-port` objects in SRAT order. They follow every
/// Generic Initiator, because QEMU walks the tree a second time for them.
pub fn generic_ports_in_srat_order<'a>(objects: &[(&str, &'a str)]) -> Vec<&'a str> {
    walk_order(objects, "acpi-generic-port")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GI: &str = "acpi-generic-initiator";
    const GP: &str = "acpi-generic-port";
    const RAM: &str = "memory-backend-ram";

    fn order(keys: &[&str]) -> Vec<String> {
        iteration_order(keys)
            .into_iter()
            .map(|i| keys[i].to_string())
            .collect()
    }

    /// Owned `(qom-type, id)` pairs, borrowed for the functions under test.
    fn srat(objects: &[(&str, String)]) -> Vec<String> {
        let refs: Vec<(&str, &str)> = objects.iter().map(|(t, i)| (*t, i.as_str())).collect();
        generic_initiators_in_srat_order(&refs)
            .into_iter()
            .map(str::to_string)
            .collect()
    }

    fn obj(t: &'static str, id: &str) -> (&'static str, String) {
        (t, id.to_string())
    }

    /// `gi-{dev}-{node}` ids, as topoc names them.
    fn gis(dev: &str, nodes: impl IntoIterator<Item = u32>) -> Vec<(&'static str, String)> {
        nodes
            .into_iter()
            .map(|n| (GI, format!("gi-{dev}-{n}")))
            .collect()
    }

    fn ids(dev: &str, nodes: &[u32]) -> Vec<String> {
        nodes.iter().map(|n| format!("gi-{dev}-{n}")).collect()
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
        // Values printed by the real g_str_hash of libglib 2.74.6.
        assert_eq!(g_str_hash("mem0"), 2090504372);
        assert_eq!(g_str_hash("mem1"), 2090504373);
        // Ids found to hash to 0, 1 and 2 (used by a measured case below).
        assert_eq!(g_str_hash("W2r5dfukQWJO"), 0);
        assert_eq!(g_str_hash("KwPC06oRsTNK"), 1);
        assert_eq!(g_str_hash("yidq-c7LnsAQ"), 2);
        // GLib stops at a NUL.
        assert_eq!(g_str_hash("mem0\0x"), g_str_hash("mem0"));
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

    #[test]
    fn a_duplicate_keeps_the_first_slot() {
        assert_eq!(
            objects_iteration_order(&["a", "b", "a"]),
            objects_iteration_order(&["a", "b"])
        );
        assert_eq!(objects_iteration_order(&["a", "a\0b"]), [0]);
        assert!(objects_iteration_order(&[]).is_empty());
    }

    #[test]
    fn phases_follow_system_vl_c() {
        assert_eq!(creation_phase("thread-context"), Phase::PreSandbox);
        assert_eq!(creation_phase(GI), Phase::Early);
        assert_eq!(creation_phase(GP), Phase::Early);
        assert_eq!(creation_phase("iothread"), Phase::Early);
        assert_eq!(creation_phase("memory-backend-file"), Phase::Late);
        assert_eq!(creation_phase("filter-mirror"), Phase::Late);
        let objects = [
            (RAM, "mem0"),
            (GI, "g1"),
            ("thread-context", "tc"),
            (RAM, "mem1"),
            (GI, "g2"),
        ];
        assert_eq!(creation_order(&objects), [2, 1, 4, 0, 3]);
    }

    // Every case below was measured on QEMU 10.0.2 (Debian
    // 1:10.0.2+ds-2+deb13u1~bpo12+1) linking GLib 2.74.6 (libglib2.0-0
    // 2.74.6-2+deb12u8). Each is a q35 guest under TCG with `pci-testdev`
    // devices `gpu0` (slot 0x10) and `gpu1` (slot 0x11) and enough `-numa node`s.
    // We read the Generic Initiator structures back from the guest's SRAT and
    // keyed them by (proximity domain, devfn). Each case's `qom-list /objects`
    // matched objects_iteration_order as well.

    /// `-object memory-backend-ram,id=mem0,size=4G -object memory-backend-ram,id=mem1,size=4G`
    /// then `gi-gpu0-2` .. `gi-gpu0-9` (examples/grace-hopper.toml's command line).
    #[test]
    fn measured_8_gis_after_two_backends() {
        let mut o = vec![obj(RAM, "mem0"), obj(RAM, "mem1")];
        o.extend(gis("gpu0", 2..=9));
        assert_eq!(srat(&o), ids("gpu0", &[8, 7, 6, 5, 4, 3, 9, 2]));
        // qom-list /objects, reversed:
        let created: Vec<String> =
            creation_order(&o.iter().map(|(t, i)| (*t, i.as_str())).collect::<Vec<_>>())
                .into_iter()
                .map(|i| o[i].1.clone())
                .collect();
        let created: Vec<&str> = created.iter().map(String::as_str).collect();
        assert_eq!(
            order(&created),
            [
                "gi-gpu0-8",
                "gi-gpu0-7",
                "mem1",
                "gi-gpu0-6",
                "mem0",
                "gi-gpu0-5",
                "gi-gpu0-4",
                "gi-gpu0-3",
                "gi-gpu0-9",
                "gi-gpu0-2"
            ]
        );
    }

    /// The same objects, Generic Initiators written first and in reverse
    /// order: the order they are created in changes, the table does not.
    #[test]
    fn measured_8_gis_reversed_on_the_command_line() {
        let mut o = gis("gpu0", (2..=9).rev());
        o.extend([obj(RAM, "mem0"), obj(RAM, "mem1")]);
        assert_eq!(srat(&o), ids("gpu0", &[8, 7, 6, 5, 4, 3, 9, 2]));
    }

    /// `mem0`, `mem1` (512M each) then 1, 2, 3, 16 and 40 Generic
    /// Initiators `gi-gpu0-2` onwards.
    #[test]
    fn measured_1_2_3_16_40_gis() {
        let run = |k: u32| {
            let mut o = vec![obj(RAM, "mem0"), obj(RAM, "mem1")];
            o.extend(gis("gpu0", 2..k + 2));
            srat(&o)
        };
        assert_eq!(run(1), ids("gpu0", &[2]));
        assert_eq!(run(2), ids("gpu0", &[2, 3]));
        assert_eq!(run(3), ids("gpu0", &[2, 4, 3]));
        assert_eq!(
            run(16),
            ids(
                "gpu0",
                &[4, 7, 12, 15, 2, 10, 5, 8, 13, 16, 3, 6, 11, 14, 9, 17]
            )
        );
        // The late backends matter here: created first, they would swap 15/30 and 16/31.
        assert_eq!(
            run(40),
            ids(
                "gpu0",
                &[
                    25, 40, 3, 15, 30, 20, 9, 36, 10, 26, 41, 4, 31, 16, 21, 37, 11, 27, 5, 32, 17,
                    22, 38, 12, 28, 6, 18, 33, 23, 39, 13, 29, 7, 19, 34, 24, 2, 14, 8, 35
                ]
            )
        );
    }

    /// `memory-backend-ram,id=ram-a`, then Generic Initiators with these ids
    /// for nodes 1..8.
    #[test]
    fn measured_other_id_spellings() {
        let mut o = vec![obj(RAM, "ram-a")];
        for id in [
            "x",
            "GI_Upper-7",
            "initiator.a",
            "a",
            "b0",
            "zz.zz_zz-zz",
            "gi-hopper-gpu-node-0000000007",
            "Q",
        ] {
            o.push(obj(GI, id));
        }
        assert_eq!(
            srat(&o),
            [
                "a",
                "initiator.a",
                "Q",
                "b0",
                "gi-hopper-gpu-node-0000000007",
                "x",
                "GI_Upper-7",
                "zz.zz_zz-zz"
            ]
        );
    }

    /// `mem0 gi-gpu0-0 mem1 gi-gpu0-1 … mem7 gi-gpu0-7` on the command line.
    #[test]
    fn measured_interleaved_with_backends() {
        let mut o = Vec::new();
        for n in 0..8 {
            o.push(obj(RAM, &format!("mem{n}")));
            o.push(obj(GI, &format!("gi-gpu0-{n}")));
        }
        assert_eq!(srat(&o), ids("gpu0", &[4, 7, 2, 5, 0, 3, 6, 1]));
    }

    /// 12 backends `node0-ram` .. `node11-ram`, then `gi-gpu0-0` .. `gi-gpu0-11`.
    #[test]
    fn measured_many_backends() {
        let mut o: Vec<_> = (0..12).map(|n| obj(RAM, &format!("node{n}-ram"))).collect();
        o.extend(gis("gpu0", 0..12));
        assert_eq!(
            srat(&o),
            ids("gpu0", &[4, 7, 2, 5, 10, 8, 0, 3, 6, 11, 9, 1])
        );
    }

    /// `mem0 mem1`, `gi-gpu0-2..5`, `gi-gpu1-2..5`.
    #[test]
    fn measured_two_devices() {
        let mut o = vec![obj(RAM, "mem0"), obj(RAM, "mem1")];
        o.extend(gis("gpu0", 2..6));
        o.extend(gis("gpu1", 2..6));
        assert_eq!(
            srat(&o),
            [
                "gi-gpu1-4",
                "gi-gpu1-3",
                "gi-gpu1-2",
                "gi-gpu0-5",
                "gi-gpu0-4",
                "gi-gpu0-3",
                "gi-gpu0-2",
                "gi-gpu1-5"
            ]
        );
    }

    /// `mem0 mem1` (256M), `gi-gpu0-2..21`, `gi-gpu1-2..21`: 40 Generic Initiators.
    #[test]
    fn measured_two_devices_40_gis() {
        let mut o = vec![obj(RAM, "mem0"), obj(RAM, "mem1")];
        o.extend(gis("gpu0", 2..22));
        o.extend(gis("gpu1", 2..22));
        let want: Vec<String> = [
            (0, 3),
            (0, 15),
            (1, 18),
            (0, 20),
            (0, 9),
            (1, 7),
            (0, 10),
            (1, 13),
            (0, 4),
            (0, 16),
            (1, 2),
            (1, 19),
            (0, 21),
            (1, 8),
            (0, 11),
            (1, 14),
            (0, 5),
            (1, 3),
            (0, 17),
            (1, 9),
            (0, 12),
            (1, 15),
            (1, 20),
            (0, 6),
            (0, 18),
            (1, 10),
            (1, 4),
            (1, 16),
            (0, 13),
            (1, 21),
            (0, 7),
            (1, 5),
            (0, 19),
            (1, 11),
            (0, 2),
            (0, 14),
            (1, 17),
            (0, 8),
            (1, 6),
            (1, 12),
        ]
        .iter()
        .map(|(d, n)| format!("gi-gpu{d}-{n}"))
        .collect();
        assert_eq!(srat(&o), want);
    }

    /// `iothread io0, mem0, gi-gpu0-1, thread-context tc0, secret sec0,
    /// gi-gpu0-2, mem3, gi-gpu0-3, iothread io1, gi-gpu0-4, gi-gpu0-5`.
    /// qom-list (reversed): gi-gpu0-1 io1 tc0 io0 sec0 gi-gpu0-5 gi-gpu0-4
    /// gi-gpu0-3 mem3 gi-gpu0-2 mem0.
    #[test]
    fn measured_with_other_object_types() {
        let mut o = vec![obj("iothread", "io0"), obj(RAM, "mem0")];
        o.extend(gis("gpu0", [1]));
        o.extend([obj("thread-context", "tc0"), obj("secret", "sec0")]);
        o.extend(gis("gpu0", [2]));
        o.push(obj(RAM, "mem3"));
        o.extend(gis("gpu0", [3]));
        o.push(obj("iothread", "io1"));
        o.extend(gis("gpu0", [4, 5]));
        assert_eq!(srat(&o), ids("gpu0", &[1, 5, 4, 3, 2]));
    }

    /// `mem0 mem1 gi-gpu0-2..6`, with and without a trailing
    /// `-object thread-context,id=tc6`. The thread-context is created first,
    /// before the Generic Initiators, and that swaps 5 and 6. Created with the
    /// early objects, it would give 6, 5, 4, 3, 2.
    #[test]
    fn measured_thread_context_is_created_first() {
        let mut o = vec![obj(RAM, "mem0"), obj(RAM, "mem1")];
        o.extend(gis("gpu0", 2..7));
        assert_eq!(srat(&o), ids("gpu0", &[2, 4, 6, 3, 5]));
        o.push(obj("thread-context", "tc6"));
        assert_eq!(srat(&o), ids("gpu0", &[5, 6, 4, 3, 2]));
    }

    /// Ids whose g_str_hash is 0 (W2r5…, FPeQ…, UabH…), 1 (KwPC…, ggl9…, L6RA…)
    /// and 2 (yidq…, WkMH…, c7B2…). GLib stores all nine as hash 2, in one
    /// probe chain. After `mem0`, as Generic Initiators for nodes 1..9, in this
    /// order and reversed.
    #[test]
    fn measured_hashes_0_and_1_count_as_2() {
        let keys = [
            "W2r5dfukQWJO",
            "KwPC06oRsTNK",
            "yidq-c7LnsAQ",
            "FPeQmEUYxGHh",
            "ggl9tgCTq-pi",
            "WkMH_HheTtpZ",
            "UabHB.VzdICk",
            "L6RAvNQaVDCT",
            "c7B2xmQCbwfw",
        ];
        let mut o = vec![obj(RAM, "mem0")];
        o.extend(keys.iter().map(|k| obj(GI, k)));
        assert_eq!(
            srat(&o),
            [
                "yidq-c7LnsAQ",
                "FPeQmEUYxGHh",
                "L6RAvNQaVDCT",
                "WkMH_HheTtpZ",
                "W2r5dfukQWJO",
                "KwPC06oRsTNK",
                "c7B2xmQCbwfw",
                "UabHB.VzdICk",
                "ggl9tgCTq-pi"
            ]
        );
        let mut o = vec![obj(RAM, "mem0")];
        o.extend(keys.iter().rev().map(|k| obj(GI, k)));
        assert_eq!(
            srat(&o),
            [
                "UabHB.VzdICk",
                "WkMH_HheTtpZ",
                "KwPC06oRsTNK",
                "FPeQmEUYxGHh",
                "c7B2xmQCbwfw",
                "L6RAvNQaVDCT",
                "W2r5dfukQWJO",
                "yidq-c7LnsAQ",
                "ggl9tgCTq-pi"
            ]
        );
    }

    /// `-machine q35,cxl=on`, a `pxb-cxl` bridge `cxl.1`, `mem0`, then
    /// `gp-cxl-5, gi-gpu0-1, gp-cxl-6, gi-gpu0-2, gp-cxl-7, gi-gpu0-3,
    /// gp-cxl-8, gi-gpu0-4, gp-cxl-9`. The SRAT lists GI domains 1 4 3 2
    /// and then Generic Port domains 7 6 5 9 8.
    #[test]
    fn measured_generic_ports_follow_generic_initiators() {
        let mut o = vec![obj(RAM, "mem0")];
        for n in 1..=4 {
            o.push(obj(GP, &format!("gp-cxl-{}", n + 4)));
            o.push(obj(GI, &format!("gi-gpu0-{n}")));
        }
        o.push(obj(GP, "gp-cxl-9"));
        let refs: Vec<(&str, &str)> = o.iter().map(|(t, i)| (*t, i.as_str())).collect();
        assert_eq!(
            generic_initiators_in_srat_order(&refs),
            ["gi-gpu0-1", "gi-gpu0-4", "gi-gpu0-3", "gi-gpu0-2"]
        );
        assert_eq!(
            generic_ports_in_srat_order(&refs),
            ["gp-cxl-7", "gp-cxl-6", "gp-cxl-5", "gp-cxl-9", "gp-cxl-8"]
        );
    }
}
