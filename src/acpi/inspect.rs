//! Human and JSON summaries of decoded SRAT, SLIT and HMAT tables.
//!
//! `iasl -d` shows every field in table order; this shows the topology the
//! table describes: which CPUs, memory ranges and generic initiators belong
//! to which proximity domain, distances as a labelled matrix, HMAT latency
//! and bandwidth as the nanoseconds and MB/s Linux derives from them, and
//! caches decoded. It also lists what a consumer would trip over (a wrong
//! checksum, SLIT entries Linux rejects, proximity domains a revision-1
//! SRAT truncates).
//!
//! Output is deterministic: domains are sorted, lists keep table order or
//! sorted order, and the JSON keeps key order. The text and JSON forms carry
//! the same facts; the JSON is the machine contract for `--format json`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::hmat::{self, Cache, Hmat, HmatStructure, Locality, Mpda};
use super::slit::Slit;
use super::srat::{self, DeviceHandle, MemoryAffinity, Srat, SratEntry};
use super::{Header, Sig, Table, structure_name};
use crate::linux::hmat::normalize;
use crate::units::{fmt_cpulist, fmt_size};

/// The human summary of `table`, ending with a newline.
pub fn text(table: &Table) -> String {
    let state = checksum_state(table);
    let mut out = String::new();
    out.push_str(&header_line(table, &state));
    out.push('\n');
    match table {
        Table::Srat(t) => srat_text(t, &mut out),
        Table::Slit(t) => slit_text(t, &mut out),
        Table::Hmat(t) => hmat_text(t, &mut out),
    }
    let warnings = warnings_with(table, &state);
    if !warnings.is_empty() {
        out.push_str("warnings:\n");
        for w in warnings {
            let _ = writeln!(out, "  - {w}");
        }
    }
    out
}

/// The JSON summary of `table`: the same facts as [`text`], plus raw values.
pub fn json(table: &Table) -> Value {
    let h = table.header();
    let checksum = checksum_state(table);
    let mut v = json!({
        "signature": ascii(&h.signature),
        "revision": h.revision,
        "length": checksum.length,
        "checksum": {
            "found": h.checksum,
            "expected": checksum.expected,
            "ok": checksum.ok(),
        },
        "oem_id": ascii(&h.oem_id),
        "oem_table_id": ascii(&h.oem_table_id),
        "oem_revision": h.oem_revision,
        "creator_id": ascii(&h.creator_id),
        "creator_revision": h.creator_revision,
    });
    let body = match table {
        Table::Srat(t) => ("srat", srat_json(t)),
        Table::Slit(t) => ("slit", slit_json(t)),
        Table::Hmat(t) => ("hmat", hmat_json(t)),
    };
    if let Value::Object(map) = &mut v {
        map.insert(body.0.to_string(), body.1);
        map.insert(
            "warnings".to_string(),
            json!(warnings_with(table, &checksum)),
        );
    }
    v
}

/// What a consumer of `table` would trip over, one sentence each.
pub fn warnings(table: &Table) -> Vec<String> {
    warnings_with(table, &checksum_state(table))
}

fn warnings_with(table: &Table, state: &ChecksumState) -> Vec<String> {
    let mut out = Vec::new();
    if let (Some(expected), false) = (state.expected, state.ok()) {
        out.push(format!(
            "checksum byte is {:#04x}, expected {expected:#04x}; Linux warns \"Incorrect checksum\" and uses the table anyway",
            table.header().checksum
        ));
    }
    if let Some(err) = &state.error {
        out.push(format!("the table cannot be encoded: {err}"));
    }
    match table {
        Table::Srat(t) => srat_warnings(t, &mut out),
        Table::Slit(t) => slit_warnings(t, &mut out),
        Table::Hmat(t) => hmat_warnings(t, &mut out),
    }
    out
}

/// What re-encoding the table says about its header: the checksum it
/// should carry and its length. Computed once per rendering.
struct ChecksumState {
    expected: Option<u8>,
    found: u8,
    /// The encoded length, or the decoded Length field if the table cannot
    /// be encoded (only possible for hand-built tables).
    length: u64,
    error: Option<String>,
}

impl ChecksumState {
    fn ok(&self) -> bool {
        self.expected == Some(self.found)
    }
}

fn checksum_state(table: &Table) -> ChecksumState {
    let found = table.header().checksum;
    match table.to_bytes() {
        Ok(bytes) => ChecksumState {
            expected: bytes.get(9).copied(),
            found,
            length: bytes.len() as u64,
            error: None,
        },
        Err(e) => ChecksumState {
            expected: None,
            found,
            length: u64::from(table.header().length),
            error: Some(e.to_string()),
        },
    }
}

fn header_line(table: &Table, state: &ChecksumState) -> String {
    let h: &Header = table.header();
    let checksum = match state.expected {
        Some(_) if state.ok() => "checksum ok".to_string(),
        Some(e) => format!(
            "checksum BAD (found {:#04x}, expected {e:#04x})",
            state.found
        ),
        None => "checksum unknown".to_string(),
    };
    format!(
        "{} rev {}, {} bytes, OEM {} {}, {checksum}\n  OEM revision {:#x}, creator {} revision {:#x}",
        ascii(&h.signature),
        h.revision,
        state.length,
        Sig(&h.oem_id),
        Sig(&h.oem_table_id),
        h.oem_revision,
        Sig(&h.creator_id),
        h.creator_revision,
    )
}

/// Bytes as text with non-printable bytes escaped, unquoted.
fn ascii(bytes: &[u8]) -> String {
    let quoted = Sig(bytes).to_string();
    quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(&quoted)
        .to_string()
}

fn hex_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

// ---------------------------------------------------------------- SRAT

/// Everything SRAT says about one proximity domain.
#[derive(Default)]
struct Domain<'a> {
    apic: Vec<u32>,
    x2apic: Vec<u32>,
    gicc: Vec<u32>,
    its: Vec<u32>,
    memory: Vec<&'a MemoryAffinity>,
    initiators: Vec<&'a DeviceHandle>,
    ports: Vec<&'a DeviceHandle>,
}

impl<'a> Domain<'a> {
    fn add(&mut self, e: &'a SratEntry) {
        match e {
            SratEntry::LocalApic(c) => self.apic.push(u32::from(c.apic_id)),
            SratEntry::X2Apic(c) => self.x2apic.push(c.x2apic_id),
            SratEntry::Gicc(c) => self.gicc.push(c.processor_uid),
            SratEntry::GicIts(c) => self.its.push(c.its_id),
            SratEntry::Memory(m) => self.memory.push(m),
            SratEntry::GenericInitiator(g) => self.initiators.push(&g.handle),
            SratEntry::GenericPort(g) => self.ports.push(&g.handle),
            SratEntry::Other { .. } => {}
        }
    }
}

/// Enabled entries by domain, disabled ones by domain, and untyped ones.
type SratGroups<'a> = (
    BTreeMap<u32, Domain<'a>>,
    BTreeMap<u32, Domain<'a>>,
    Vec<&'a SratEntry>,
);

fn group(t: &Srat) -> SratGroups<'_> {
    let mut enabled: BTreeMap<u32, Domain<'_>> = BTreeMap::new();
    let mut disabled: BTreeMap<u32, Domain<'_>> = BTreeMap::new();
    let mut other = Vec::new();
    for e in &t.entries {
        match e.pxm() {
            Some(pxm) if e.enabled() => enabled.entry(pxm).or_default().add(e),
            Some(pxm) => disabled.entry(pxm).or_default().add(e),
            None => other.push(e),
        }
    }
    (enabled, disabled, other)
}

fn sorted(v: &[u32]) -> Vec<u32> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.dedup();
    v
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

fn handle_text(h: &DeviceHandle) -> String {
    match h {
        DeviceHandle::Pci { .. } => match h.pci_addr() {
            Some(addr) => format!("PCI {addr}"),
            None => "PCI ?".to_string(),
        },
        DeviceHandle::Acpi { hid, uid } => format!("ACPI {} UID {uid}", Sig(hid)),
        DeviceHandle::Raw { handle_type, bytes } => {
            format!("handle type {handle_type}, bytes {}", hex_bytes(bytes))
        }
    }
}

fn handle_json(h: &DeviceHandle) -> Value {
    match h {
        DeviceHandle::Pci {
            segment,
            bus,
            devfn,
        } => json!({
            "type": "pci",
            "segment": segment,
            "bus": bus,
            "devfn": devfn,
            "device": devfn >> 3,
            "function": devfn & 7,
            "address": h.pci_addr().map(|a| a.to_string()),
        }),
        DeviceHandle::Acpi { hid, uid } => json!({
            "type": "acpi",
            "hid": ascii(hid),
            "uid": uid,
        }),
        DeviceHandle::Raw { handle_type, bytes } => json!({
            "type": "raw",
            "handle_type": handle_type,
            "bytes": hex_bytes(bytes),
        }),
    }
}

fn memory_line(m: &MemoryAffinity) -> String {
    let end = m.base.saturating_add(m.length).saturating_sub(1);
    let flags = memory_flags(m.flags);
    let mut s = if m.length == 0 {
        format!("{:#018x} (empty)", m.base)
    } else {
        format!("{:#018x}-{end:#018x} {}", m.base, fmt_size(m.length))
    };
    if !flags.is_empty() {
        let _ = write!(s, " ({flags})");
    }
    s
}

/// Writes one line per fact about a domain, indented by `indent`; runs of
/// identical lines (QEMU's empty padding entries) are written once with a count.
fn domain_text(d: &Domain<'_>, indent: &str, out: &mut String) {
    let mut lines: Vec<String> = Vec::new();
    let cpus = [
        ("APIC", &d.apic),
        ("x2APIC", &d.x2apic),
        ("GICC UID", &d.gicc),
        ("GIC ITS", &d.its),
    ];
    for (label, ids) in cpus {
        if !ids.is_empty() {
            lines.push(format!(
                "{label}: {} ({} entr{})",
                fmt_cpulist(&sorted(ids)),
                ids.len(),
                if ids.len() == 1 { "y" } else { "ies" }
            ));
        }
    }
    lines.extend(
        d.memory
            .iter()
            .map(|m| format!("memory: {}", memory_line(m))),
    );
    lines.extend(
        d.initiators
            .iter()
            .map(|h| format!("generic initiator: {}", handle_text(h))),
    );
    lines.extend(
        d.ports
            .iter()
            .map(|h| format!("generic port: {}", handle_text(h))),
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

fn domain_json(pxm: u32, d: &Domain<'_>) -> Value {
    json!({
        "pxm": pxm,
        "apic_ids": sorted(&d.apic),
        "x2apic_ids": sorted(&d.x2apic),
        "gicc_uids": sorted(&d.gicc),
        "gic_its_ids": sorted(&d.its),
        "memory": d.memory.iter().map(|m| json!({
            "base": m.base,
            "length": m.length,
            "flags": m.flags,
        })).collect::<Vec<_>>(),
        "generic_initiators": d.initiators.iter().map(|h| handle_json(h)).collect::<Vec<_>>(),
        "generic_ports": d.ports.iter().map(|h| handle_json(h)).collect::<Vec<_>>(),
    })
}

fn entry_counts(t: &Srat) -> String {
    let mut counts: BTreeMap<u8, usize> = BTreeMap::new();
    for e in &t.entries {
        *counts.entry(e.kind()).or_default() += 1;
    }
    counts
        .iter()
        .map(|(&k, n)| {
            let name = srat::type_name(u16::from(k)).unwrap_or("unknown");
            format!("{n} {name} (type {k})")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn srat_text(t: &Srat, out: &mut String) {
    let (enabled, disabled, other) = group(t);
    let _ = writeln!(
        out,
        "  reserved word {}, {} entries: {}",
        t.reserved1,
        t.entries.len(),
        entry_counts(t)
    );
    for (pxm, d) in &enabled {
        let _ = writeln!(out, "proximity domain {pxm}:");
        domain_text(d, "  ", out);
    }
    if !disabled.is_empty() {
        let _ = writeln!(out, "disabled entries (Linux ignores them):");
        for (pxm, d) in &disabled {
            let _ = writeln!(out, "  proximity domain {pxm}:");
            domain_text(d, "    ", out);
        }
    }
    for e in other {
        if let SratEntry::Other { kind, bytes } = e {
            let _ = writeln!(
                out,
                "other structure ({}), {} bytes: {}",
                structure_name(&Srat::SIGNATURE, u16::from(*kind)),
                bytes.len() + 2,
                hex_bytes(bytes)
            );
        }
    }
}

fn srat_json(t: &Srat) -> Value {
    let (enabled, disabled, other) = group(t);
    json!({
        "reserved1": t.reserved1,
        "reserved2": t.reserved2,
        "entries": t.entries.len(),
        "domains": enabled.iter().map(|(p, d)| domain_json(*p, d)).collect::<Vec<_>>(),
        "disabled": disabled.iter().map(|(p, d)| domain_json(*p, d)).collect::<Vec<_>>(),
        "other": other.iter().map(|e| match e {
            SratEntry::Other { kind, bytes } => json!({"type": kind, "bytes": hex_bytes(bytes)}),
            _ => Value::Null,
        }).collect::<Vec<_>>(),
    })
}

fn srat_warnings(t: &Srat, out: &mut Vec<String>) {
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
                    memory_line(a),
                    a.pxm,
                    memory_line(b),
                    b.pxm
                ));
            }
        }
    }
}

// ---------------------------------------------------------------- SLIT

fn slit_rows(t: &Slit) -> Vec<&[u8]> {
    let n = usize::try_from(t.localities).unwrap_or(0);
    if n == 0 {
        return Vec::new();
    }
    t.matrix.chunks(n).collect()
}

fn slit_text(t: &Slit, out: &mut String) {
    let _ = writeln!(
        out,
        "  {} localit{}",
        t.localities,
        if t.localities == 1 { "y" } else { "ies" }
    );
    let rows = slit_rows(t);
    if rows.is_empty() {
        return;
    }
    let label_w = format!("PXM{}", rows.len() - 1).len();
    let _ = write!(out, "  {:label_w$}", "");
    for j in 0..rows.len() {
        let _ = write!(out, " {:>label_w$}", format!("PXM{j}"));
    }
    out.push('\n');
    for (i, row) in rows.iter().enumerate() {
        let _ = write!(out, "  {:label_w$}", format!("PXM{i}"));
        for v in row.iter() {
            let _ = write!(out, " {v:>label_w$}");
        }
        out.push('\n');
    }
    if !t.trailing.is_empty() {
        let shown = &t.trailing[..t.trailing.len().min(16)];
        let _ = writeln!(
            out,
            "  {} trailing bytes after the matrix: {}{}",
            t.trailing.len(),
            hex_bytes(shown),
            if shown.len() < t.trailing.len() {
                " ..."
            } else {
                ""
            }
        );
    }
}

fn slit_json(t: &Slit) -> Value {
    json!({
        "localities": t.localities,
        "matrix": slit_rows(t).iter().map(|r| r.to_vec()).collect::<Vec<_>>(),
        "trailing_bytes": t.trailing.len(),
    })
}

fn slit_warnings(t: &Slit, out: &mut Vec<String>) {
    if !t.trailing.is_empty() {
        out.push(format!(
            "{} bytes follow the {}x{} matrix; the Length field covers them but the locality count does not",
            t.trailing.len(),
            t.localities,
            t.localities
        ));
    }
    let rows = slit_rows(t);
    let mut invalid = None;
    'outer: for (i, row) in rows.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            if (i == j && v != Slit::LOCAL) || (i != j && v <= Slit::LOCAL) {
                invalid = Some((i, j, v));
                break 'outer;
            }
        }
    }
    if let Some((i, j, v)) = invalid {
        let why = if i == j {
            "a diagonal entry must be 10"
        } else {
            "an off-diagonal entry must be more than 10"
        };
        out.push(format!(
            "Linux ignores this SLIT (\"SLIT table looks invalid. Not used.\"): entry [{i}][{j}] is {v}; {why}"
        ));
    }
}

// ---------------------------------------------------------------- HMAT

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

fn cell(entry: u16, l: &Locality, revision: u8) -> String {
    match entry {
        0 => "-".to_string(),
        0xFFFF => "X".to_string(),
        e => match normalize(e, l.base_unit, l.data_type, revision) {
            Some(v) => v.to_string(),
            None => "ovf".to_string(),
        },
    }
}

fn locality_text(l: &Locality, revision: u8, out: &mut String) {
    let (raw_unit, unit) = unit_text(l.data_type, revision);
    let _ = writeln!(
        out,
        "{} ({}), base unit {} {raw_unit}, values in {unit}{}:",
        hmat::data_type_name(l.data_type),
        hierarchy_name(l.hierarchy()),
        l.base_unit,
        if l.padding.is_empty() {
            String::new()
        } else {
            format!(", {} padding bytes", l.padding.len())
        }
    );
    let cells: Vec<Vec<String>> = (0..l.initiators.len())
        .map(|i| {
            (0..l.targets.len())
                .map(|t| cell(l.entry(i, t).unwrap_or(0), l, revision))
                .collect()
        })
        .collect();
    let col_labels: Vec<String> = l.targets.iter().map(|t| format!("PXM{t}")).collect();
    let row_labels: Vec<String> = l.initiators.iter().map(|i| format!("PXM{i}")).collect();
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

fn locality_json(l: &Locality, revision: u8) -> Value {
    let rows = |f: &dyn Fn(u16) -> Value| -> Vec<Vec<Value>> {
        (0..l.initiators.len())
            .map(|i| {
                (0..l.targets.len())
                    .map(|t| f(l.entry(i, t).unwrap_or(0)))
                    .collect()
            })
            .collect()
    };
    json!({
        "type": "locality",
        "hierarchy": l.hierarchy(),
        "flags": l.flags,
        "data_type": l.data_type,
        "data_type_name": hmat::data_type_name(l.data_type),
        "min_transfer_size": l.min_transfer_size,
        "base_unit": l.base_unit,
        "unit": unit_text(l.data_type, revision).1,
        "initiators": l.initiators,
        "targets": l.targets,
        "entries": rows(&|e| json!(e)),
        "values": rows(&|e| json!(normalize(e, l.base_unit, l.data_type, revision))),
        "padding_bytes": l.padding.len(),
    })
}

fn mpda_text(m: &Mpda) -> String {
    if m.flags & Mpda::INITIATOR_VALID != 0 {
        format!(
            "  memory PXM {} attached to initiator PXM {}",
            m.memory, m.initiator
        )
    } else {
        format!(
            "  memory PXM {} with no attached initiator (field holds {})",
            m.memory, m.initiator
        )
    }
}

fn cache_text(c: &Cache) -> String {
    let a = c.decoded_attributes();
    let mut s = format!(
        "  memory PXM {}: {} cache, level {} of {}, {}, {}, {}-byte lines",
        c.memory,
        fmt_size(c.size),
        a.level,
        a.total_levels,
        a.associativity_name(),
        a.write_policy_name(),
        a.line_size
    );
    if c.address_mode != 0 {
        let _ = write!(s, ", address mode {}", c.address_mode);
    }
    if !c.smbios_handles.is_empty() {
        let handles: Vec<String> = c
            .smbios_handles
            .iter()
            .map(|h| format!("{h:#06x}"))
            .collect();
        let _ = write!(s, ", SMBIOS handles {}", handles.join(" "));
    }
    s
}

fn hmat_text(t: &Hmat, out: &mut String) {
    let rev = t.header.revision;
    let _ = writeln!(out, "  {} structures", t.structures.len());
    let mpdas: Vec<&Mpda> = t
        .structures
        .iter()
        .filter_map(|s| match s {
            HmatStructure::Mpda(m) => Some(m),
            _ => None,
        })
        .collect();
    if !mpdas.is_empty() {
        let _ = writeln!(out, "memory proximity domain attributes:");
        for m in mpdas {
            let _ = writeln!(out, "{}", mpda_text(m));
        }
    }
    for s in &t.structures {
        if let HmatStructure::Locality(l) = s {
            locality_text(l, rev, out);
        }
    }
    let caches: Vec<&Cache> = t
        .structures
        .iter()
        .filter_map(|s| match s {
            HmatStructure::Cache(c) => Some(c),
            _ => None,
        })
        .collect();
    if !caches.is_empty() {
        let _ = writeln!(out, "memory-side caches:");
        for c in caches {
            let _ = writeln!(out, "{}", cache_text(c));
        }
    }
    for s in &t.structures {
        if let HmatStructure::Other { kind, bytes, .. } = s {
            let _ = writeln!(
                out,
                "other structure (type {kind}), {} bytes: {}",
                bytes.len() + 8,
                hex_bytes(bytes)
            );
        }
    }
    if t.structures.iter().any(|s| {
        matches!(s, HmatStructure::Locality(l) if l.entries.iter().any(|&e| e == 0 || e == 0xFFFF))
    }) {
        let _ = writeln!(out, "  (- = not provided, X = unreachable)");
    }
}

fn hmat_json(t: &Hmat) -> Value {
    let rev = t.header.revision;
    let structures: Vec<Value> = t
        .structures
        .iter()
        .map(|s| match s {
            HmatStructure::Mpda(m) => json!({
                "type": "memory_proximity_domain_attributes",
                "flags": m.flags,
                "initiator_valid": m.flags & Mpda::INITIATOR_VALID != 0,
                "initiator": m.initiator,
                "memory": m.memory,
            }),
            HmatStructure::Locality(l) => locality_json(l, rev),
            HmatStructure::Cache(c) => {
                let a = c.decoded_attributes();
                json!({
                    "type": "memory_side_cache",
                    "memory": c.memory,
                    "size": c.size,
                    "attributes": c.attributes,
                    "total_levels": a.total_levels,
                    "level": a.level,
                    "associativity": a.associativity_name(),
                    "write_policy": a.write_policy_name(),
                    "line_size": a.line_size,
                    "address_mode": c.address_mode,
                    "smbios_handles": c.smbios_handles,
                })
            }
            HmatStructure::Other { kind, bytes, .. } => json!({
                "type": "other",
                "kind": kind,
                "bytes": hex_bytes(bytes),
            }),
        })
        .collect();
    json!({
        "reserved": t.reserved,
        "structures": structures,
    })
}

fn hmat_warnings(t: &Hmat, out: &mut Vec<String>) {
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
                e != 0 && e != 0xFFFF && normalize(e, l.base_unit, l.data_type, 2).is_none()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acpi::srat::{GenericAffinity, LocalApicAffinity};

    fn header(sig: &[u8; 4], revision: u8) -> Header {
        Header {
            signature: *sig,
            length: 0,
            revision,
            checksum: 0,
            oem_id: *b"BOCHS ",
            oem_table_id: *b"BXPC    ",
            oem_revision: 1,
            creator_id: *b"BXPC",
            creator_revision: 1,
        }
    }

    /// What `inspect` normally sees: a table decoded from bytes.
    fn decoded(t: &Table) -> Table {
        crate::acpi::decode_any(&t.to_bytes().expect("encodes")).expect("decodes")
    }

    #[test]
    fn srat_summary_groups_by_domain() {
        let mut t = Srat::new(header(b"SRAT", 1));
        for (apic, pxm) in [(0, 0), (1, 0), (2, 1)] {
            t.entries.push(SratEntry::LocalApic(LocalApicAffinity {
                pxm,
                apic_id: apic,
                flags: srat::ENABLED,
                ..Default::default()
            }));
        }
        t.entries.push(SratEntry::Memory(MemoryAffinity {
            pxm: 1,
            base: 0x1_0000_0000,
            length: 1 << 30,
            flags: srat::ENABLED | MemoryAffinity::HOT_PLUGGABLE,
            ..Default::default()
        }));
        t.entries.push(SratEntry::Memory(MemoryAffinity::default()));
        t.entries.push(SratEntry::GenericInitiator(GenericAffinity {
            pxm: 2,
            handle: DeviceHandle::Pci {
                segment: 0,
                bus: 1,
                devfn: 0x02,
            },
            flags: srat::ENABLED,
            reserved1: 0,
            reserved2: 0,
        }));
        let table = decoded(&Table::Srat(t));
        let s = text(&table);
        assert!(
            s.starts_with("SRAT rev 1, 208 bytes, OEM \"BOCHS \" \"BXPC    \", checksum ok\n"),
            "{s}"
        );
        assert!(
            s.contains("proximity domain 0:\n  APIC: 0-1 (2 entries)\n"),
            "{s}"
        );
        assert!(s.contains(
            "proximity domain 1:\n  APIC: 2 (1 entry)\n  memory: 0x0000000100000000-0x000000013fffffff 1GiB (hot-pluggable)\n"
        ), "{s}");
        assert!(
            s.contains("proximity domain 2:\n  generic initiator: PCI 0000:01:00.2\n"),
            "{s}"
        );
        assert!(s.contains("disabled entries"), "{s}");
        assert_eq!(text(&table), s, "deterministic");
        let j = json(&table);
        assert_eq!(j["srat"]["domains"][0]["apic_ids"], json!([0, 1]));
        assert_eq!(
            j["srat"]["domains"][2]["generic_initiators"][0]["address"],
            json!("0000:01:00.2")
        );
        assert_eq!(j["checksum"]["ok"], json!(true));
    }

    #[test]
    fn slit_summary_flags_what_linux_rejects() {
        let mut t =
            Slit::from_rows(header(b"SLIT", 1), &[vec![10, 21], vec![10, 10]]).expect("square");
        t.trailing = vec![0; 3];
        let table = decoded(&Table::Slit(t));
        let s = text(&table);
        assert!(
            s.contains("       PXM0 PXM1\n  PXM0   10   21\n  PXM1   10   10\n"),
            "{s}"
        );
        let w = warnings(&table);
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("3 bytes follow the 2x2 matrix"));
        assert!(w[1].contains("entry [1][0] is 10"));
    }

    #[test]
    fn bad_checksum_is_reported() {
        let mut t = Slit::from_rows(header(b"SLIT", 1), &[vec![10]]).expect("square");
        let good = t.to_bytes().expect("encodes")[9];
        t.header.checksum = good.wrapping_add(1);
        let table = Table::Slit(t);
        assert!(text(&table).contains(&format!(
            "checksum BAD (found {:#04x}, expected {good:#04x})",
            good.wrapping_add(1)
        )));
        assert_eq!(json(&table)["checksum"]["ok"], json!(false));
    }
}
