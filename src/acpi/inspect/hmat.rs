//! The HMAT's part of a [`super::TableSummary`]: initiator-target
//! latency and bandwidth as Linux derives them, and memory-side caches.

use std::fmt::Write as _;

use serde::Serialize;

use super::hex_bytes;
use crate::acpi::hmat::{self, Hmat, HmatStructure, Locality, Mpda};
use crate::units::fmt_size;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HmatSummary {
    pub reserved: u32,
    /// Every structure, in table order.
    pub structures: Vec<HmatItem>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HmatItem {
    MemoryProximityDomainAttributes {
        flags: u16,
        initiator_valid: bool,
        initiator: u32,
        memory: u32,
    },
    Locality(LocalitySummary),
    MemorySideCache {
        memory: u32,
        size: u64,
        attributes: u32,
        total_levels: u8,
        level: u8,
        associativity: &'static str,
        write_policy: &'static str,
        line_size: u16,
        address_mode: u16,
        smbios_handles: Vec<u16>,
    },
    Other {
        kind: u16,
        bytes: String,
        /// The structure's length, its 8 header bytes included (text only).
        #[serde(skip)]
        length: usize,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LocalitySummary {
    pub hierarchy: u8,
    pub flags: u8,
    pub data_type: u8,
    pub data_type_name: &'static str,
    pub min_transfer_size: u8,
    pub base_unit: u64,
    /// The unit of `values`.
    pub unit: &'static str,
    pub initiators: Vec<u32>,
    pub targets: Vec<u32>,
    /// Raw entries, one row per initiator (0 not provided, 65535 unreachable).
    pub entries: Vec<Vec<u16>>,
    /// What Linux derives from each entry; `None` where it has none.
    pub values: Vec<Vec<Option<u32>>>,
    pub padding_bytes: usize,
}

fn hierarchy_name(h: u8) -> String {
    match h {
        0 => "memory".to_string(),
        n => format!("level {n} memory-side cache"),
    }
}

/// (unit of entry × base unit, unit of the value Linux derives).
fn unit_text(data_type: u8, revision: u8) -> (&'static str, &'static str) {
    match (revision, hmat::is_latency(data_type)) {
        (1, _) => (
            "(revision 1 units)",
            "tenths of them, as Linux reads revision 1",
        ),
        (_, true) => ("ps", "ns"),
        (_, false) => ("MB/s", "MB/s"),
    }
}

fn locality_summary(l: &Locality, revision: u8) -> LocalitySummary {
    let entries: Vec<Vec<u16>> = (0..l.initiators.len())
        .map(|i| {
            (0..l.targets.len())
                .map(|t| l.entry(i, t).unwrap_or(0))
                .collect()
        })
        .collect();
    let values = entries
        .iter()
        .map(|row| {
            row.iter()
                .map(|&e| crate::linux::hmat::normalize(e, l.base_unit, l.data_type, revision))
                .collect()
        })
        .collect();
    LocalitySummary {
        hierarchy: l.hierarchy(),
        flags: l.flags,
        data_type: l.data_type,
        data_type_name: hmat::data_type_name(l.data_type),
        min_transfer_size: l.min_transfer_size,
        base_unit: l.base_unit,
        unit: unit_text(l.data_type, revision).1,
        initiators: l.initiators.clone(),
        targets: l.targets.clone(),
        entries,
        values,
        padding_bytes: l.padding.len(),
    }
}

pub(super) fn hmat_summary(t: &Hmat) -> HmatSummary {
    let rev = t.header.revision;
    let structures = t
        .structures
        .iter()
        .map(|s| match s {
            HmatStructure::Mpda(m) => HmatItem::MemoryProximityDomainAttributes {
                flags: m.flags,
                initiator_valid: m.flags & Mpda::INITIATOR_VALID != 0,
                initiator: m.initiator,
                memory: m.memory,
            },
            HmatStructure::Locality(l) => HmatItem::Locality(locality_summary(l, rev)),
            HmatStructure::Cache(c) => {
                let a = c.decoded_attributes();
                HmatItem::MemorySideCache {
                    memory: c.memory,
                    size: c.size,
                    attributes: c.attributes,
                    total_levels: a.total_levels,
                    level: a.level,
                    associativity: a.associativity_name(),
                    write_policy: a.write_policy_name(),
                    line_size: a.line_size,
                    address_mode: c.address_mode,
                    smbios_handles: c.smbios_handles.clone(),
                }
            }
            HmatStructure::Other { kind, bytes, .. } => HmatItem::Other {
                kind: *kind,
                bytes: hex_bytes(bytes),
                length: bytes.len() + 8,
            },
        })
        .collect();
    HmatSummary {
        reserved: t.reserved,
        structures,
    }
}

impl LocalitySummary {
    fn text(&self, revision: u8, out: &mut String) {
        let (raw_unit, unit) = (unit_text(self.data_type, revision).0, self.unit);
        let _ = writeln!(
            out,
            "{} ({}), base unit {} {raw_unit}, values in {unit}{}:",
            self.data_type_name,
            hierarchy_name(self.hierarchy),
            self.base_unit,
            if self.padding_bytes == 0 {
                String::new()
            } else {
                format!(", {} padding bytes", self.padding_bytes)
            }
        );
        let cells: Vec<Vec<String>> = self
            .entries
            .iter()
            .zip(&self.values)
            .map(|(row, values)| {
                row.iter()
                    .zip(values)
                    .map(|(&e, v)| match (e, v) {
                        (0, _) => "-".to_string(),
                        (0xFFFF, _) => "X".to_string(),
                        (_, Some(v)) => v.to_string(),
                        (_, None) => "ovf".to_string(),
                    })
                    .collect()
            })
            .collect();
        let col_labels: Vec<String> = self.targets.iter().map(|t| format!("PXM{t}")).collect();
        let row_labels: Vec<String> = self.initiators.iter().map(|i| format!("PXM{i}")).collect();
        let width = cells
            .iter()
            .flatten()
            .chain(col_labels.iter())
            .map(|s| s.chars().count())
            .max()
            .unwrap_or(1);
        let label_w = row_labels
            .iter()
            .map(|s| s.len())
            .chain(["init\\target".len()])
            .max()
            .unwrap_or(0);
        let _ = write!(out, "  {:label_w$}", "init\\target");
        for c in &col_labels {
            let _ = write!(out, " {c:>width$}");
        }
        out.push('\n');
        for (label, row) in row_labels.iter().zip(&cells) {
            let _ = write!(out, "  {label:label_w$}");
            for c in row {
                let _ = write!(out, " {c:>width$}");
            }
            out.push('\n');
        }
    }
}

impl HmatSummary {
    pub(super) fn text(&self, revision: u8, out: &mut String) {
        let _ = writeln!(out, "  {} structures", self.structures.len());
        let mpdas: Vec<String> = self
            .structures
            .iter()
            .filter_map(|s| match *s {
                HmatItem::MemoryProximityDomainAttributes {
                    initiator_valid: true,
                    initiator,
                    memory,
                    ..
                } => Some(format!(
                    "  memory PXM {memory} attached to initiator PXM {initiator}"
                )),
                HmatItem::MemoryProximityDomainAttributes {
                    initiator, memory, ..
                } => Some(format!(
                    "  memory PXM {memory} with no attached initiator (field holds {initiator})"
                )),
                _ => None,
            })
            .collect();
        if !mpdas.is_empty() {
            let _ = writeln!(out, "memory proximity domain attributes:");
            for m in mpdas {
                let _ = writeln!(out, "{m}");
            }
        }
        for s in &self.structures {
            if let HmatItem::Locality(l) = s {
                l.text(revision, out);
            }
        }
        let caches: Vec<String> = self
            .structures
            .iter()
            .filter_map(|s| match s {
                HmatItem::MemorySideCache {
                    memory,
                    size,
                    total_levels,
                    level,
                    associativity,
                    write_policy,
                    line_size,
                    address_mode,
                    smbios_handles,
                    ..
                } => {
                    let mut s = format!(
                        "  memory PXM {memory}: {} cache, level {level} of {total_levels}, \
                         {associativity}, {write_policy}, {line_size}-byte lines",
                        fmt_size(*size),
                    );
                    if *address_mode != 0 {
                        let _ = write!(s, ", address mode {address_mode}");
                    }
                    if !smbios_handles.is_empty() {
                        let handles: Vec<String> =
                            smbios_handles.iter().map(|h| format!("{h:#06x}")).collect();
                        let _ = write!(s, ", SMBIOS handles {}", handles.join(" "));
                    }
                    Some(s)
                }
                _ => None,
            })
            .collect();
        if !caches.is_empty() {
            let _ = writeln!(out, "memory-side caches:");
            for c in caches {
                let _ = writeln!(out, "{c}");
            }
        }
        for s in &self.structures {
            if let HmatItem::Other {
                kind,
                bytes,
                length,
            } = s
            {
                let _ = writeln!(
                    out,
                    "other structure (type {kind}), {length} bytes: {bytes}"
                );
            }
        }
        let unprovided = self.structures.iter().any(|s| {
            matches!(s, HmatItem::Locality(l)
                if l.entries.iter().flatten().any(|&e| e == 0 || e == 0xFFFF))
        });
        if unprovided {
            let _ = writeln!(out, "  (- = not provided, X = unreachable)");
        }
    }
}

pub(super) fn hmat_warnings(t: &Hmat, out: &mut Vec<String>) {
    match t.header.revision {
        2 => {}
        1 => out.push(
            "HMAT revision 1 (ACPI 6.2): Linux divides every latency and bandwidth value by 10"
                .to_string(),
        ),
        r => out.push(format!(
            "HMAT revision {r}: Linux accepts only 1 or 2 and ignores the table (\"Unknown revision\")"
        )),
    }
    for (index, s) in t.structures.iter().enumerate() {
        if let HmatStructure::Locality(l) = s {
            let overflow = l.entries.iter().any(|&e| {
                e != 0
                    && e != 0xFFFF
                    && crate::linux::hmat::normalize(e, l.base_unit, l.data_type, 2).is_none()
            });
            if overflow {
                out.push(format!(
                    "structure #{index}: some entries x base unit {} exceed 32 bits; Linux drops them",
                    l.base_unit
                ));
            }
        }
    }
}
