//! HMAT as QEMU's `build_hmat` (hw/acpi/hmat.c) writes it, revision 2:
//!
//! 1. Memory Proximity Domain Attributes for every node with memory, naming
//!    its attached initiator when it has one (initiator 128, flags 0, when not);
//! 2. one Locality structure per data type that has values, initiators being
//!    the nodes with CPUs or a Generic Initiator and targets *all* nodes
//!    (memory-less ones get 0 entries), with QEMU's base units;
//! 3. Memory Side Cache structures, node by node, level by level.

use super::{Flavor, qemu_header};
use crate::acpi::hmat::{Cache, CacheAttributes, Hmat, HmatStructure, Locality, Mpda};
use crate::acpi::hmat_units::{qemu_bandwidth, qemu_latency};
use crate::kinds::{Associativity, WritePolicy};
use crate::pipeline::Compiled;

/// QEMU's `MAX_NODES`: the initiator field of an MPDA without one.
const NO_INITIATOR: u32 = 128;

pub fn build(c: &Compiled, flavor: Flavor) -> Option<Hmat> {
    let h = c.hmat()?;
    let ram = c.qemu_ram()?;
    let t = &c.topo;
    let header = match flavor {
        Flavor::Qemu => qemu_header(Hmat::SIGNATURE, Hmat::REVISION, c.acpi_oem_revision),
        // cloud-hypervisor has no HMAT builder.
        Flavor::CloudHypervisor => return None,
    };
    let mut hmat = Hmat::new(header);

    // 1. MPDA for nodes whose boot RAM is not empty (QEMU's node_mem).
    for (ix, n) in t.nodes.iter().enumerate() {
        if !ram.iter().any(|r| r.node == ix) {
            continue;
        }
        let attached = h
            .targets
            .iter()
            .position(|&m| m == ix)
            .and_then(|p| h.attached[p]);
        let (flags, initiator) = match attached {
            Some(i) => (Mpda::INITIATOR_VALID, t.nodes[i].id.value),
            None => (0, NO_INITIATOR),
        };
        hmat.structures.push(HmatStructure::Mpda(Mpda {
            flags,
            initiator,
            memory: n.id.value,
            ..Mpda::default()
        }));
    }

    // 2. Localities: targets are all nodes.
    let initiators: Vec<u32> = h.initiators.iter().map(|&i| t.nodes[i].id.value).collect();
    let targets: Vec<u32> = t.nodes.iter().map(|n| n.id.value).collect();
    for table in &h.tables {
        let values: Vec<Vec<Option<u64>>> = table
            .values
            .iter()
            .map(|row| {
                (0..t.nodes.len())
                    .map(|node| {
                        h.targets
                            .iter()
                            .position(|&m| m == node)
                            .and_then(|p| row[p])
                            .map(|v| v.value)
                    })
                    .collect()
            })
            .collect();
        let encoded = if table.data_type.is_latency() {
            qemu_latency(&values)
        } else {
            qemu_bandwidth(&values)
        };
        // The check stage refused tables QEMU cannot encode (T106).
        let Ok(encoded) = encoded else { continue };
        hmat.structures.push(HmatStructure::Locality(Locality {
            flags: 0,
            data_type: table.data_type as u8,
            base_unit: encoded.base_unit,
            initiators: initiators.clone(),
            targets: targets.clone(),
            entries: encoded.entries.concat(),
            ..Locality::default()
        }));
    }

    // 3. Memory-side caches.
    for n in &t.nodes {
        let Some(m) = &n.memory else { continue };
        for cache in &m.caches {
            let attributes = CacheAttributes {
                total_levels: m.caches.len() as u8,
                level: cache.level.value,
                associativity: match cache.associativity {
                    Associativity::None => 0,
                    Associativity::Direct => 1,
                    Associativity::Complex => 2,
                },
                write_policy: match cache.policy {
                    WritePolicy::None => 0,
                    WritePolicy::WriteBack => 1,
                    WritePolicy::WriteThrough => 2,
                },
                line_size: cache.line,
            };
            hmat.structures.push(HmatStructure::Cache(Cache {
                memory: n.id.value,
                size: cache.size.value,
                attributes: attributes.to_raw(),
                ..Cache::default()
            }));
        }
    }
    Some(hmat)
}
