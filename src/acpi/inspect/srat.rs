//! The SRAT's part of a [`super::TableSummary`]: CPUs, memory and
//! generic initiators by proximity domain.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::{ascii, hex_bytes, quoted};
use crate::acpi::srat::{self, DeviceHandle, MemoryAffinity, Srat, SratEntry};
use crate::acpi::structure_name;
use crate::units::{fmt_cpulist, fmt_size};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SratSummary {
    pub reserved1: u32,
    pub reserved2: u64,
    /// How many structures the table holds.
    pub entries: usize,
    /// Enabled structures by proximity domain, in domain order.
    pub domains: Vec<DomainSummary>,
    /// Disabled structures by proximity domain (Linux ignores them).
    pub disabled: Vec<DomainSummary>,
    /// Structures of a type topoc does not decode, in table order.
    pub other: Vec<Option<OtherStructure>>,
    /// How many structures of each type, in type order (text only).
    #[serde(skip)]
    pub counts: Vec<(u8, usize)>,
}

/// Everything SRAT says about one proximity domain.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct DomainSummary {
    pub pxm: u32,
    /// Sorted, without repeats.
    pub apic_ids: Vec<u32>,
    pub x2apic_ids: Vec<u32>,
    pub gicc_uids: Vec<u32>,
    pub gic_its_ids: Vec<u32>,
    pub memory: Vec<MemoryRange>,
    pub generic_initiators: Vec<Handle>,
    pub generic_ports: Vec<Handle>,
    /// How many entries gave each of the four id lists above, repeats
    /// included (text only).
    #[serde(skip)]
    pub cpu_entries: [usize; 4],
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemoryRange {
    pub base: u64,
    pub length: u64,
    pub flags: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Handle {
    Pci {
        segment: u16,
        bus: u8,
        devfn: u8,
        device: u8,
        function: u8,
        /// `SSSS:BB:DD.F`, when the handle is a valid PCI address.
        address: Option<String>,
    },
    Acpi {
        hid: String,
        uid: u32,
    },
    Raw {
        handle_type: u8,
        bytes: String,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OtherStructure {
    #[serde(rename = "type")]
    pub kind: u8,
    /// The structure after its type and length bytes, in hex.
    pub bytes: String,
    /// The structure's length, type and length bytes included (text only).
    #[serde(skip)]
    pub length: usize,
}

impl DomainSummary {
    fn add(&mut self, e: &SratEntry) {
        let mut cpu = |k: usize, id: u32, ids: fn(&mut Self) -> &mut Vec<u32>| {
            self.cpu_entries[k] += 1;
            ids(self).push(id);
        };
        match e {
            SratEntry::LocalApic(c) => cpu(0, u32::from(c.apic_id), |d| &mut d.apic_ids),
            SratEntry::X2Apic(c) => cpu(1, c.x2apic_id, |d| &mut d.x2apic_ids),
            SratEntry::Gicc(c) => cpu(2, c.processor_uid, |d| &mut d.gicc_uids),
            SratEntry::GicIts(c) => cpu(3, c.its_id, |d| &mut d.gic_its_ids),
            SratEntry::Memory(m) => self.memory.push(MemoryRange {
                base: m.base,
                length: m.length,
                flags: m.flags,
            }),
            SratEntry::GenericInitiator(g) => self.generic_initiators.push(handle(&g.handle)),
            SratEntry::GenericPort(g) => self.generic_ports.push(handle(&g.handle)),
            SratEntry::Other { .. } => {}
        }
    }

    fn finish(mut self) -> DomainSummary {
        for ids in [
            &mut self.apic_ids,
            &mut self.x2apic_ids,
            &mut self.gicc_uids,
            &mut self.gic_its_ids,
        ] {
            ids.sort_unstable();
            ids.dedup();
        }
        self
    }

    /// One line per fact, indented by `indent`; runs of identical lines
    /// (QEMU's empty padding entries) are written once with a count.
    fn text(&self, indent: &str, out: &mut String) {
        let mut lines: Vec<String> = Vec::new();
        let cpus = [
            ("APIC", &self.apic_ids),
            ("x2APIC", &self.x2apic_ids),
            ("GICC UID", &self.gicc_uids),
            ("GIC ITS", &self.gic_its_ids),
        ];
        for ((label, ids), n) in cpus.into_iter().zip(self.cpu_entries) {
            if n > 0 {
                lines.push(format!(
                    "{label}: {} ({n} entr{})",
                    fmt_cpulist(ids),
                    if n == 1 { "y" } else { "ies" }
                ));
            }
        }
        lines.extend(
            self.memory
                .iter()
                .map(|m| format!("memory: {}", memory_line(m.base, m.length, m.flags))),
        );
        lines.extend(
            self.generic_initiators
                .iter()
                .map(|h| format!("generic initiator: {}", h.text())),
        );
        lines.extend(
            self.generic_ports
                .iter()
                .map(|h| format!("generic port: {}", h.text())),
        );
        let mut k = 0;
        while k < lines.len() {
            let run = lines[k..].iter().take_while(|l| **l == lines[k]).count();
            if run > 1 {
                let _ = writeln!(out, "{indent}{} (x{run})", lines[k]);
            } else {
                let _ = writeln!(out, "{indent}{}", lines[k]);
            }
            k += run;
        }
    }
}

fn handle(h: &DeviceHandle) -> Handle {
    match *h {
        DeviceHandle::Pci {
            segment,
            bus,
            devfn,
        } => Handle::Pci {
            segment,
            bus,
            devfn,
            device: devfn >> 3,
            function: devfn & 7,
            address: h.pci_addr().map(|a| a.to_string()),
        },
        DeviceHandle::Acpi { hid, uid } => Handle::Acpi {
            hid: ascii(&hid),
            uid,
        },
        DeviceHandle::Raw { handle_type, bytes } => Handle::Raw {
            handle_type,
            bytes: hex_bytes(&bytes),
        },
    }
}

impl Handle {
    fn text(&self) -> String {
        match self {
            Handle::Pci { address, .. } => match address {
                Some(a) => format!("PCI {a}"),
                None => "PCI ?".to_string(),
            },
            Handle::Acpi { hid, uid } => format!("ACPI {} UID {uid}", quoted(hid)),
            Handle::Raw { handle_type, bytes } => {
                format!("handle type {handle_type}, bytes {bytes}")
            }
        }
    }
}

fn memory_flags(flags: u32) -> String {
    let mut names = Vec::new();
    if flags & MemoryAffinity::HOT_PLUGGABLE != 0 {
        names.push("hot-pluggable");
    }
    if flags & MemoryAffinity::NON_VOLATILE != 0 {
        names.push("non-volatile");
    }
    if flags & MemoryAffinity::SPECIFIC_PURPOSE != 0 {
        names.push("specific-purpose");
    }
    let known = srat::ENABLED
        | MemoryAffinity::HOT_PLUGGABLE
        | MemoryAffinity::NON_VOLATILE
        | MemoryAffinity::SPECIFIC_PURPOSE;
    let unknown = format!("flags {:#x}", flags & !known);
    if flags & !known != 0 {
        names.push(&unknown);
    }
    names.join(", ")
}

fn memory_line(base: u64, length: u64, flags: u32) -> String {
    let end = base.saturating_add(length).saturating_sub(1);
    let flags = memory_flags(flags);
    let mut s = if length == 0 {
        format!("{base:#018x} (empty)")
    } else {
        format!("{base:#018x}-{end:#018x} {}", fmt_size(length))
    };
    if !flags.is_empty() {
        let _ = write!(s, " ({flags})");
    }
    s
}

pub(super) fn srat_summary(t: &Srat) -> SratSummary {
    let mut enabled: BTreeMap<u32, DomainSummary> = BTreeMap::new();
    let mut disabled: BTreeMap<u32, DomainSummary> = BTreeMap::new();
    let mut other = Vec::new();
    let mut counts: BTreeMap<u8, usize> = BTreeMap::new();
    for e in &t.entries {
        *counts.entry(e.kind()).or_default() += 1;
        let group = match e.pxm() {
            Some(_) if e.enabled() => &mut enabled,
            Some(_) => &mut disabled,
            None => {
                other.push(match e {
                    SratEntry::Other { kind, bytes } => Some(OtherStructure {
                        kind: *kind,
                        bytes: hex_bytes(bytes),
                        length: bytes.len() + 2,
                    }),
                    _ => None,
                });
                continue;
            }
        };
        let pxm = e.pxm().unwrap_or_default();
        group
            .entry(pxm)
            .or_insert_with(|| DomainSummary {
                pxm,
                ..DomainSummary::default()
            })
            .add(e);
    }
    SratSummary {
        reserved1: t.reserved1,
        reserved2: t.reserved2,
        entries: t.entries.len(),
        domains: enabled.into_values().map(DomainSummary::finish).collect(),
        disabled: disabled.into_values().map(DomainSummary::finish).collect(),
        other,
        counts: counts.into_iter().collect(),
    }
}

impl SratSummary {
    pub(super) fn text(&self, out: &mut String) {
        let counts = self
            .counts
            .iter()
            .map(|&(k, n)| {
                let name = srat::type_name(u16::from(k)).unwrap_or("unknown");
                format!("{n} {name} (type {k})")
            })
            .collect::<Vec<_>>()
            .join("; ");
        let _ = writeln!(
            out,
            "  reserved word {}, {} entries: {counts}",
            self.reserved1, self.entries
        );
        for d in &self.domains {
            let _ = writeln!(out, "proximity domain {}:", d.pxm);
            d.text("  ", out);
        }
        if !self.disabled.is_empty() {
            let _ = writeln!(out, "disabled entries (Linux ignores them):");
            for d in &self.disabled {
                let _ = writeln!(out, "  proximity domain {}:", d.pxm);
                d.text("    ", out);
            }
        }
        for o in self.other.iter().flatten() {
            let _ = writeln!(
                out,
                "other structure ({}), {} bytes: {}",
                structure_name(&Srat::SIGNATURE, u16::from(o.kind)),
                o.length,
                o.bytes
            );
        }
    }
}

pub(super) fn srat_warnings(t: &Srat, out: &mut Vec<String>) {
    if t.reserved1 != 1 {
        out.push(format!(
            "the reserved word at byte 36 is {}; the spec says it must be 1",
            t.reserved1
        ));
    }
    let rev = t.header.revision;
    for e in &t.entries {
        match e {
            SratEntry::Memory(m) if rev <= 1 && m.pxm > 0xFF && m.flags & srat::ENABLED != 0 => {
                out.push(format!(
                    "SRAT revision {rev}: Linux masks Memory Affinity proximity domains to 8 bits, \
                     so PXM {} is read as {}",
                    m.pxm,
                    m.pxm & 0xFF
                ));
            }
            SratEntry::LocalApic(c) if rev < 2 && c.pxm > 0xFF && c.flags & srat::ENABLED != 0 => {
                out.push(format!(
                    "SRAT revision {rev}: Linux ignores bits 31:8 of the APIC {} proximity domain, \
                     so PXM {} is read as {}",
                    c.apic_id,
                    c.pxm,
                    c.pxm & 0xFF
                ));
            }
            _ => {}
        }
    }
    // The same CPU in enabled entries for different domains. Firmware often
    // lists a CPU as both xAPIC and x2APIC; that is fine if the domains agree.
    let mut seen: BTreeMap<(u8, u32), u32> = BTreeMap::new();
    for e in t.entries.iter().filter(|e| e.enabled()) {
        let key = match e {
            SratEntry::LocalApic(c) => (srat::X2APIC, u32::from(c.apic_id)),
            SratEntry::X2Apic(c) => (srat::X2APIC, c.x2apic_id),
            SratEntry::Gicc(c) => (srat::GICC, c.processor_uid),
            _ => continue,
        };
        let pxm = e.pxm().unwrap_or_default();
        let first = *seen.entry(key).or_insert(pxm);
        if first != pxm {
            out.push(format!(
                "CPU {} {} is in two proximity domains (PXM {first} and PXM {pxm})",
                if key.0 == srat::GICC {
                    "UID"
                } else {
                    "APIC ID"
                },
                key.1
            ));
        }
    }
    // Enabled memory ranges that overlap.
    let mut ranges: Vec<&MemoryAffinity> = t
        .entries
        .iter()
        .filter_map(|e| match e {
            SratEntry::Memory(m) if m.flags & srat::ENABLED != 0 && m.length > 0 => Some(m),
            _ => None,
        })
        .collect();
    ranges.sort_by_key(|m| (m.base, m.length));
    for w in ranges.windows(2) {
        if let [a, b] = w {
            if a.base.saturating_add(a.length) > b.base {
                out.push(format!(
                    "memory ranges overlap: {} in PXM {} and {} in PXM {}",
                    memory_line(a.base, a.length, a.flags),
                    a.pxm,
                    memory_line(b.base, b.length, b.flags),
                    b.pxm
                ));
            }
        }
    }
}
