//! Reading a guest dump: the text the probe script prints, back into types.
//!
//! The probe (`src/probe/probe.sh`, format in `book/src/reference/dump-format.md`)
//! runs inside a guest whose only channel is a serial console, so its output
//! arrives with whatever else was on that line: firmware escape sequences
//! before the begin marker, CRLF line ends, kernel messages. This parser
//! therefore looks for the markers anywhere in a line, strips terminal control
//! sequences, and treats every section as optional. What it does insist on is
//! the end marker: a dump without one was cut off (guest crash, timeout), and
//! silently comparing half a dump would report false mismatches.
//!
//! Two formats are read: version 1 (`=====TOPOC-DUMP-BEGIN v1=====`) and the
//! unversioned format of the original reference script
//! (`=====TOPOC-DUMP-BEGIN=====`), whose real boot logs are test data.
//!
//! Nothing here panics, whatever the input: a line or field that does not
//! parse is skipped and, when it matters, described in [`GuestDump::warnings`].

use crate::e820::{self, Entry, Kind};
use crate::linux::sysfs;
use std::collections::BTreeMap;
use std::fmt;

/// The marker text common to every begin marker, followed by `=====` (legacy)
/// or ` vN=====`.
const BEGIN_PREFIX: &str = "=====TOPOC-DUMP-BEGIN";
/// The end marker, the same in every version.
pub const END_MARKER: &str = "=====TOPOC-DUMP-END=====";

/// Upper bound on the numbers one node/CPU list may expand to, so that a
/// corrupted `0-4294967295` cannot exhaust memory: Debian's `NR_CPUS`, the
/// longest list a real guest prints. A dump holds one list per node section,
/// so this also bounds what a dump of many short sections makes us allocate.
const MAX_LIST_LEN: usize = 8192;

/// Upper bound on the numbers all node and CPU lists of one dump expand to
/// together. A real guest's lists name each CPU once and each node a few
/// times (8,192 + 7 × 1,024 at most); without this bound a dump of many
/// `## nodeN` sections, each with a long list, made 11.5 MB of text take
/// 6.5 GB. 2^20 numbers are 4 MiB.
pub const MAX_LIST_TOTAL: usize = 1 << 20;

/// Which dump format the begin marker announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DumpVersion {
    /// `=====TOPOC-DUMP-BEGIN=====`: the reference script's format.
    Legacy,
    /// `=====TOPOC-DUMP-BEGIN v1=====`.
    V1,
}

/// Why a text could not be read as a dump at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DumpError {
    /// No begin marker anywhere: the guest never ran the probe.
    NoBeginMarker,
    /// A begin marker without an end marker after it: the output was cut off.
    Truncated {
        /// Lines seen after the begin marker.
        lines_after_begin: usize,
    },
    /// A begin marker with a version this parser does not know.
    UnsupportedVersion(String),
    /// More than a real guest could print: what, and the bound.
    TooLarge(String),
}

impl fmt::Display for DumpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DumpError::NoBeginMarker => {
                write!(
                    f,
                    "no `{BEGIN_PREFIX} v1=====` marker: the probe did not run"
                )
            }
            DumpError::Truncated { lines_after_begin } => write!(
                f,
                "truncated dump: no `{END_MARKER}` after the begin marker \
                 ({lines_after_begin} lines followed it)"
            ),
            DumpError::UnsupportedVersion(v) => {
                write!(
                    f,
                    "unsupported dump format version `{v}` (this topoc reads v1)"
                )
            }
            DumpError::TooLarge(what) => write!(f, "not a dump a Linux guest prints: {what}"),
        }
    }
}

impl std::error::Error for DumpError {}

/// How the system booted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firmware {
    Bios,
    Efi,
}

/// One line of a kernel E820 table print (`BIOS-e820: [mem A-B] type`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct E820Line {
    pub start: u64,
    /// Inclusive, as the kernel prints it.
    pub end: u64,
    /// The kernel's type name, trimmed: `usable`, `reserved`, `ACPI data`,
    /// `soft reserved`, `type 6`, ... (v7.0+ kernels print `System RAM`,
    /// `device reserved`).
    pub kind: String,
}

impl E820Line {
    /// The E820 type behind the kernel's name, when it is one Linux prints.
    pub fn e820_kind(&self) -> Option<Kind> {
        crate::linux::e820::kind_from_name(&self.kind)
    }
}

/// One `/sys/firmware/memmap` entry (the firmware's map before kernel edits).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemmapEntry {
    pub start: u64,
    /// Inclusive.
    pub end: u64,
    /// `System RAM`, `Reserved`, `ACPI Tables`, `Soft Reserved`, ...
    pub kind: String,
}

/// One `/proc/iomem` line. Children follow their parent with a larger depth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IomemEntry {
    /// Nesting level: 0 for top-level resources.
    pub depth: usize,
    pub start: u64,
    /// Inclusive.
    pub end: u64,
    pub name: String,
}

/// `ACPI: SRAT: Node N PXM P [mem A-B]`: how the kernel mapped a memory range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SratMemoryLine {
    pub node: u32,
    pub pxm: u32,
    pub start: u64,
    /// Inclusive.
    pub end: u64,
    pub hotplug: bool,
    pub non_volatile: bool,
}

/// `SRAT: PXM P -> APIC 0xA -> Node N` (printed up to Linux 6.11), or on
/// arm64 `ACPI: NUMA: SRAT: PXM P -> MPIDR 0xM -> Node N`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SratCpuLine {
    pub pxm: u32,
    /// The APIC id, or on arm64 the MPIDR.
    pub apic_id: u32,
    pub x2apic: bool,
    /// An arm64 line: `apic_id` is the MPIDR.
    pub mpidr: bool,
    pub node: u32,
}

/// `Initmem setup node N [mem A-B]` or `... as memoryless`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitmemLine {
    pub node: u32,
    /// Inclusive range; `None` for a memoryless node.
    pub range: Option<(u64, u64)>,
}

/// `ACPI: SRAT 0x000000007FFE233B 000138 (v01 BOCHS  BXPC ...)`: a table the
/// kernel found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcpiTableLine {
    pub signature: String,
    pub address: u64,
    pub length: u32,
    pub revision: u8,
    pub oem_id: String,
    pub oem_table_id: String,
}

/// The node lists under `/sys/devices/system/node`. `None`: file absent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeLists {
    pub possible: Option<Vec<u32>>,
    pub online: Option<Vec<u32>>,
    pub has_cpu: Option<Vec<u32>>,
    pub has_memory: Option<Vec<u32>>,
    pub has_normal_memory: Option<Vec<u32>>,
    pub has_generic_initiator: Option<Vec<u32>>,
}

/// `nodeN/accessK`: the best initiators for this node as a memory target,
/// and the targets for which this node is the best initiator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessClass {
    /// K in `accessK`: 0 counts every initiator, 1 only those with CPUs.
    pub class: u32,
    pub initiators: Vec<u32>,
    pub targets: Vec<u32>,
    /// Nanoseconds.
    pub read_latency: Option<u64>,
    pub write_latency: Option<u64>,
    /// MiB/s, as sysfs reports it.
    pub read_bandwidth: Option<u64>,
    pub write_bandwidth: Option<u64>,
}

/// `nodeN/memory_side_cache/indexL`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemorySideCache {
    pub level: u32,
    pub size: Option<u64>,
    pub line_size: Option<u64>,
    /// 0 direct-mapped, 1 indexed, 2 other.
    pub indexing: Option<u64>,
    /// 0 write-back, 1 write-through, 2 other.
    pub write_policy: Option<u64>,
}

/// What one online node directory showed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeInfo {
    pub id: u32,
    pub cpulist: Option<Vec<u32>>,
    /// `Node N MemTotal`, in KiB (the kernel's "kB").
    pub mem_total_kib: Option<u64>,
    /// Distances to every online node, in node-id order.
    pub distance: Option<Vec<u32>>,
    pub access: Vec<AccessClass>,
    pub memory_side_cache: Vec<MemorySideCache>,
}

impl NodeInfo {
    /// The `accessK` class, if the node had one.
    pub fn access(&self, class: u32) -> Option<&AccessClass> {
        self.access.iter().find(|a| a.class == class)
    }

    fn access_mut(&mut self, class: u32) -> &mut AccessClass {
        let pos = match self.access.iter().position(|a| a.class == class) {
            Some(pos) => pos,
            None => {
                self.access.push(AccessClass {
                    class,
                    ..AccessClass::default()
                });
                self.access.len() - 1
            }
        };
        &mut self.access[pos]
    }
}

/// One `/sys/bus/dax/devices/*` entry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DaxDevice {
    /// `dax0.0`.
    pub name: String,
    pub size: Option<u64>,
    /// The SRAT node of the range (may be offline).
    pub target_node: Option<i64>,
    /// The nearest online node.
    pub numa_node: Option<i64>,
    /// `device_dax`, `kmem`, or `None` when unbound.
    pub driver: Option<String>,
    pub resource: Option<u64>,
}

/// One PCI function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PciDevice {
    /// `0000:00:1f.2`.
    pub address: String,
    pub vendor: Option<u16>,
    pub device: Option<u16>,
    pub class: Option<u32>,
    /// -1 when the kernel knows no node.
    pub numa_node: Option<i32>,
}

/// A `!` line of the probe: something it could not see, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The section it appeared in (`dmesg`, `acpi.HMAT`, ...).
    pub section: String,
    /// The text after `!`, e.g. `absent /sys/firmware/acpi/tables/HMAT`.
    pub text: String,
}

/// Everything a dump says, typed. Absent data is `None` or empty; the
/// `notes` say what the probe could not see and `warnings` what this parser
/// could not read.
#[derive(Debug, Clone, PartialEq)]
pub struct GuestDump {
    pub version: DumpVersion,
    /// The probe's user id (v1 only).
    pub uid: Option<u32>,
    /// Guest uptime in seconds when the probe started and ended.
    pub uptime_start: Option<f64>,
    pub uptime_end: Option<f64>,
    /// What the topoc initramfs reported (modules loaded), or the legacy
    /// `modules` section.
    pub init_notes: Option<String>,
    /// `uname -r`.
    pub kernel: Option<String>,
    /// `/proc/cmdline`.
    pub cmdline: Option<String>,
    pub firmware: Option<Firmware>,
    /// The filtered boot log, timestamps stripped.
    pub dmesg: Vec<String>,
    /// The firmware E820 as the kernel printed it first, in order.
    pub bios_e820: Vec<E820Line>,
    /// The table after `memmap=`/`mem=` (`user:` lines).
    pub user_e820: Vec<E820Line>,
    /// `modified:` lines (`e820__update_table_print`).
    pub modified_e820: Vec<E820Line>,
    /// `extended:` lines (SETUP_E820_EXT).
    pub extended_e820: Vec<E820Line>,
    pub acpi_table_lines: Vec<AcpiTableLine>,
    pub srat_memory: Vec<SratMemoryLine>,
    pub srat_cpus: Vec<SratCpuLine>,
    pub initmem: Vec<InitmemLine>,
    /// QEMU's own `etc/e820` (fw_cfg), when the guest could read it.
    pub fw_cfg_e820: Option<Vec<Entry>>,
    /// `/sys/firmware/memmap`.
    pub memmap: Vec<MemmapEntry>,
    /// `/proc/iomem`, in file order.
    pub iomem: Vec<IomemEntry>,
    /// `/proc/meminfo` MemTotal in KiB.
    pub mem_total_kib: Option<u64>,
    pub node_lists: NodeLists,
    /// Per online node, by node id.
    pub nodes: BTreeMap<u32, NodeInfo>,
    pub dax: Vec<DaxDevice>,
    /// `hmem.N` platform devices.
    pub hmem_devices: Vec<String>,
    pub pci: Vec<PciDevice>,
    /// Raw ACPI tables by signature (`SRAT`, `SLIT`, `HMAT`), when dumped.
    pub acpi_tables: BTreeMap<String, Vec<u8>>,
    pub notes: Vec<Note>,
    pub warnings: Vec<String>,
}

impl GuestDump {
    /// Parses a dump out of `text`, which may be a whole console log.
    pub fn parse(text: &str) -> Result<GuestDump, DumpError> {
        let (version, body) = extract(text)?;
        parse_body(version, &body)
    }

    /// The raw bytes of ACPI table `signature`, if the dump had it.
    pub fn acpi_table(&self, signature: &str) -> Option<&[u8]> {
        self.acpi_tables.get(signature).map(Vec::as_slice)
    }

    pub fn node(&self, id: u32) -> Option<&NodeInfo> {
        self.nodes.get(&id)
    }

    /// PXM → Linux node, from the `SRAT: Node N PXM P` and CPU lines (the
    /// CPU line wins where the two disagree).
    pub fn pxm_to_node(&self) -> BTreeMap<u32, u32> {
        let mut map = BTreeMap::new();
        for m in &self.srat_memory {
            map.insert(m.pxm, m.node);
        }
        for c in &self.srat_cpus {
            map.insert(c.pxm, c.node);
        }
        map
    }

    /// The notes of one section.
    pub fn notes_in<'a>(&'a self, section: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.notes
            .iter()
            .filter(move |n| n.section == section)
            .map(|n| n.text.as_str())
    }
}

/// Removes terminal control sequences (OVMF clears the screen on the serial
/// line), carriage returns and other control characters from one line.
pub fn clean_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            match chars.peek() {
                Some('[') => {
                    chars.next();
                    // CSI: parameter and intermediate bytes, then one final byte.
                    for c in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            break;
                        }
                    }
                }
                Some(_) => {
                    chars.next();
                }
                None => {}
            }
        } else if c == '\t' || !c.is_control() {
            out.push(c);
        }
    }
    out
}

/// Finds the dump in `text` and returns its version and its cleaned body
/// lines (between the markers, exclusive).
///
/// The body ends at the first end marker after a begin marker; when several
/// begin markers precede it, the last one wins (a rerun on the same console).
pub fn extract(text: &str) -> Result<(DumpVersion, Vec<String>), DumpError> {
    let mut begin: Option<(Result<DumpVersion, String>, Vec<String>)> = None;
    for raw in text.split('\n') {
        let line = clean_line(raw);
        if let Some(version) = begin_marker(&line) {
            begin = Some((version, Vec::new()));
            continue;
        }
        if let Some((version, body)) = begin.as_mut() {
            if let Some(before) = line.find(END_MARKER).map(|i| line.get(..i).unwrap_or("")) {
                if !before.trim().is_empty() {
                    body.push(before.to_string());
                }
                let body = std::mem::take(body);
                return match version {
                    Ok(v) => Ok((*v, body)),
                    Err(v) => Err(DumpError::UnsupportedVersion(v.clone())),
                };
            }
            body.push(line);
        }
    }
    match begin {
        None => Err(DumpError::NoBeginMarker),
        Some((_, body)) => Err(DumpError::Truncated {
            lines_after_begin: body.len(),
        }),
    }
}

/// `Some(Ok(version))` for a begin-marker line, `Some(Err(text))` for a
/// begin marker with an unknown version.
fn begin_marker(line: &str) -> Option<Result<DumpVersion, String>> {
    let at = line.find(BEGIN_PREFIX)?;
    let rest = line.get(at + BEGIN_PREFIX.len()..)?;
    if rest.starts_with("=====") {
        return Some(Ok(DumpVersion::Legacy));
    }
    let tag = rest.strip_prefix(' ')?;
    let (tag, _) = tag.split_once("=====")?;
    Some(match tag {
        "v1" => Ok(DumpVersion::V1),
        other => Err(other.to_string()),
    })
}

/// Splits body lines into `(section name, lines)` in order.
fn sections(body: &[String]) -> Vec<(String, Vec<&str>)> {
    let mut out: Vec<(String, Vec<&str>)> = Vec::new();
    for line in body {
        if let Some(name) = line.strip_prefix("### ") {
            out.push((name.trim().to_string(), Vec::new()));
        } else if let Some((_, lines)) = out.last_mut() {
            lines.push(line.as_str());
        }
    }
    out
}

fn parse_body(version: DumpVersion, body: &[String]) -> Result<GuestDump, DumpError> {
    let mut d = GuestDump {
        version,
        uid: None,
        uptime_start: None,
        uptime_end: None,
        init_notes: None,
        kernel: None,
        cmdline: None,
        firmware: None,
        dmesg: Vec::new(),
        bios_e820: Vec::new(),
        user_e820: Vec::new(),
        modified_e820: Vec::new(),
        extended_e820: Vec::new(),
        acpi_table_lines: Vec::new(),
        srat_memory: Vec::new(),
        srat_cpus: Vec::new(),
        initmem: Vec::new(),
        fw_cfg_e820: None,
        memmap: Vec::new(),
        iomem: Vec::new(),
        mem_total_kib: None,
        node_lists: NodeLists::default(),
        nodes: BTreeMap::new(),
        dax: Vec::new(),
        hmem_devices: Vec::new(),
        pci: Vec::new(),
        acpi_tables: BTreeMap::new(),
        notes: Vec::new(),
        warnings: Vec::new(),
    };
    let mut budget = MAX_LIST_TOTAL;
    for (name, lines) in sections(body) {
        let mut data: Vec<&str> = Vec::with_capacity(lines.len());
        for line in lines {
            match line.strip_prefix('!') {
                Some(text) if version == DumpVersion::V1 => d.notes.push(Note {
                    section: name.clone(),
                    text: text.trim().to_string(),
                }),
                _ => data.push(line),
            }
        }
        match name.as_str() {
            "probe" => parse_probe(&mut d, &data),
            "kernel" => parse_kernel(&mut d, &data),
            "cmdline" => d.cmdline = first_line(&data).map(|s| s.trim_end().to_string()),
            "uname" => d.kernel = first_line(&data).map(|s| s.trim().to_string()),
            "uptime" => d.uptime_start = first_line(&data).and_then(parse_uptime),
            "uptime.end" => d.uptime_end = first_line(&data).and_then(parse_uptime),
            "modules" => d.init_notes = first_line(&data).map(|s| s.trim().to_string()),
            "firmware" => parse_firmware(&mut d, &data),
            "dmesg" => parse_dmesg(&mut d, &data),
            "fw_cfg.e820" => parse_fw_cfg(&mut d, &data),
            "memmap" | "e820.firmware" => parse_memmap(&mut d, &data),
            "iomem" => parse_iomem(&mut d, &data),
            "meminfo" => parse_meminfo(&mut d, &data),
            "nodes" => parse_nodes(&mut d, &data, &mut budget)?,
            "dax" => parse_dax(&mut d, &data),
            "pci" => parse_pci(&mut d, &data),
            "acpi.tables" => parse_legacy_tables(&mut d, &data),
            "end" => parse_end(&mut d, &data),
            other => {
                if let Some(sig) = other.strip_prefix("acpi.") {
                    parse_table_section(&mut d, sig, &data);
                }
                // Unknown sections (from a newer probe) are ignored.
            }
        }
    }
    Ok(d)
}

fn first_line<'a>(data: &[&'a str]) -> Option<&'a str> {
    data.first().copied()
}

/// `KEY: value` with surrounding blanks trimmed.
fn key_value(line: &str) -> Option<(&str, &str)> {
    let (k, v) = line.split_once(':')?;
    Some((k.trim(), v.trim()))
}

fn parse_uptime(s: &str) -> Option<f64> {
    s.split_whitespace()
        .next()?
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
}

fn parse_probe(d: &mut GuestDump, data: &[&str]) {
    for line in data {
        let Some((k, v)) = key_value(line) else {
            continue;
        };
        match k {
            "format" if v != "1" => d
                .warnings
                .push(format!("probe says `format: {v}` under a v1 marker")),
            "uid" => d.uid = v.parse().ok(),
            "uptime" => d.uptime_start = parse_uptime(v),
            "init" => d.init_notes = Some(v.to_string()),
            _ => {}
        }
    }
}

fn parse_kernel(d: &mut GuestDump, data: &[&str]) {
    for line in data {
        if let Some(v) = line.strip_prefix("release:") {
            d.kernel = Some(v.trim().to_string());
        } else if let Some(v) = line.strip_prefix("cmdline:") {
            d.cmdline = Some(v.trim().to_string());
        }
    }
}

fn parse_end(d: &mut GuestDump, data: &[&str]) {
    for line in data {
        if let Some(("uptime", v)) = key_value(line) {
            d.uptime_end = parse_uptime(v);
        }
    }
}

fn parse_firmware(d: &mut GuestDump, data: &[&str]) {
    match first_line(data).map(str::trim) {
        // `efi acpi`: the reference arm64 probe also says the kernel ran
        // from ACPI rather than a device tree.
        Some("efi" | "efi acpi") => d.firmware = Some(Firmware::Efi),
        Some("bios") => d.firmware = Some(Firmware::Bios),
        Some(other) => d
            .warnings
            .push(format!("unknown firmware `{other}` (expected efi or bios)")),
        None => {}
    }
}

/// Strips a `[    0.000000] ` printk timestamp (and a `<6>` level) if present.
fn strip_timestamp(line: &str) -> &str {
    let line = match line.strip_prefix('<').and_then(|r| r.split_once('>')) {
        Some((level, rest)) if level.bytes().all(|b| b.is_ascii_digit()) => rest,
        _ => line,
    };
    let stamped = line.strip_prefix('[').and_then(|rest| rest.split_once(']'));
    match stamped {
        Some((stamp, after))
            if !stamp.trim().is_empty()
                && stamp
                    .trim()
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b'.') =>
        {
            after.strip_prefix(' ').unwrap_or(after)
        }
        _ => line,
    }
}

fn parse_hex(s: &str) -> Option<u64> {
    let s = s.trim();
    let digits = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    if digits.is_empty() {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// A decimal or `0x` hexadecimal number.
fn parse_num(s: &str) -> Option<u64> {
    let s = s.trim();
    if s.starts_with("0x") || s.starts_with("0X") {
        parse_hex(s)
    } else {
        s.parse().ok()
    }
}

/// `0xA-0xB` (both hex, `0x` optional) to an inclusive pair.
fn parse_hex_range(s: &str) -> Option<(u64, u64)> {
    let (a, b) = s.trim().split_once('-')?;
    Some((parse_hex(a)?, parse_hex(b)?))
}

/// `[mem 0xA-0xB]` somewhere in `s`: the range and the text after `]`.
fn mem_range(s: &str) -> Option<(u64, u64, &str)> {
    let (_, rest) = s.split_once("[mem ")?;
    let (range, after) = rest.split_once(']')?;
    let (a, b) = parse_hex_range(range)?;
    Some((a, b, after))
}

fn parse_dmesg(d: &mut GuestDump, data: &[&str]) {
    for raw in data {
        let line = strip_timestamp(raw);
        if line.trim().is_empty() {
            continue;
        }
        d.dmesg.push(line.to_string());
        parse_dmesg_line(d, line);
    }
}

fn parse_dmesg_line(d: &mut GuestDump, line: &str) {
    if let Some((who, rest)) = line.split_once(": [mem ") {
        let target = match who.trim() {
            "BIOS-e820" => Some(&mut d.bios_e820),
            "user" => Some(&mut d.user_e820),
            "modified" => Some(&mut d.modified_e820),
            "extended" => Some(&mut d.extended_e820),
            _ => None,
        };
        if let Some(target) = target {
            let entry = rest.split_once(']').and_then(|(range, kind)| {
                let (start, end) = parse_hex_range(range)?;
                Some(E820Line {
                    start,
                    end,
                    kind: kind.trim().to_string(),
                })
            });
            target.extend(entry);
            return;
        }
    }
    if let Some((_, rest)) = line.split_once("SRAT: Node ") {
        if let Some(m) = parse_srat_memory(rest) {
            d.srat_memory.push(m);
        }
        return;
    }
    if let Some((_, rest)) = line.split_once("SRAT: PXM ") {
        if let Some(c) = parse_srat_cpu(rest) {
            d.srat_cpus.push(c);
        }
        return;
    }
    if let Some((_, rest)) = line.split_once("Initmem setup node ") {
        let (node, tail) = rest.split_once(' ').unwrap_or((rest, ""));
        if let Ok(node) = node.parse() {
            let range = mem_range(tail).map(|(a, b, _)| (a, b));
            if range.is_some() || tail.contains("memoryless") {
                d.initmem.push(InitmemLine { node, range });
            }
        }
        return;
    }
    if let Some(t) = line.strip_prefix("ACPI: ").and_then(parse_acpi_table_line) {
        d.acpi_table_lines.push(t);
    }
}

/// `N PXM P [mem 0xA-0xB] hotplug non-volatile`
fn parse_srat_memory(rest: &str) -> Option<SratMemoryLine> {
    let mut words = rest.split_whitespace();
    let node = words.next()?.parse().ok()?;
    if words.next()? != "PXM" {
        return None;
    }
    let pxm = words.next()?.parse().ok()?;
    let (start, end, flags) = mem_range(rest)?;
    Some(SratMemoryLine {
        node,
        pxm,
        start,
        end,
        hotplug: flags.contains("hotplug"),
        non_volatile: flags.contains("non-volatile"),
    })
}

/// `P -> APIC 0xA -> Node N`, `P -> X2APIC 0xA -> Node N`, or arm64's
/// `P -> MPIDR 0xM -> Node N`.
fn parse_srat_cpu(rest: &str) -> Option<SratCpuLine> {
    let w: Vec<&str> = rest.split_whitespace().collect();
    match w.as_slice() {
        [
            pxm,
            "->",
            kind @ ("APIC" | "X2APIC" | "MPIDR"),
            apic,
            "->",
            "Node",
            node,
            ..,
        ] => Some(SratCpuLine {
            pxm: pxm.parse().ok()?,
            apic_id: u32::try_from(parse_hex(apic)?).ok()?,
            x2apic: *kind == "X2APIC",
            mpidr: *kind == "MPIDR",
            node: node.parse().ok()?,
        }),
        _ => None,
    }
}

/// `SRAT 0x000000007FFE233B 000138 (v01 BOCHS  BXPC     00000001 BXPC 00000001)`
fn parse_acpi_table_line(rest: &str) -> Option<AcpiTableLine> {
    let (signature, rest) = rest.split_once(' ')?;
    if signature.len() != 4 || !signature.bytes().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    let rest = rest.trim_start();
    let (address, rest) = rest.split_once(' ')?;
    let address = address.strip_prefix("0x")?;
    let address = u64::from_str_radix(address, 16).ok()?;
    let rest = rest.trim_start();
    let (length, rest) = rest.split_once(' ')?;
    let length = u32::from_str_radix(length, 16).ok()?;
    // "(v01 OEMID_ OEMTABLE ...": fixed-width, space-padded fields.
    let inner = rest.trim_start().strip_prefix("(v")?;
    let revision = inner.get(..2)?.parse().ok()?;
    let oem_id = inner.get(3..9)?.trim().to_string();
    let oem_table_id = inner.get(10..18)?.trim().to_string();
    Some(AcpiTableLine {
        signature: signature.to_string(),
        address,
        length,
        revision,
        oem_id,
        oem_table_id,
    })
}

/// Decodes a blob section: v1 has a `format:` line then data lines.
fn decode_blob(data: &[&str]) -> Result<Vec<u8>, String> {
    let mut format = None;
    let mut payload = String::new();
    for line in data {
        let t = line.trim();
        if let Some(f) = t.strip_prefix("format:") {
            format = Some(f.trim().to_string());
        } else {
            payload.push_str(t);
            payload.push('\n');
        }
    }
    match format.as_deref() {
        Some("base64") => decode_base64(&payload),
        Some("hex") => decode_hex(&payload),
        Some(other) => Err(format!("unknown encoding `{other}`")),
        None if payload.trim().is_empty() => Err("no data".to_string()),
        None => Err("no `format:` line".to_string()),
    }
}

fn parse_fw_cfg(d: &mut GuestDump, data: &[&str]) {
    if data.iter().all(|l| l.trim().is_empty()) {
        return; // absent; the note says why
    }
    match decode_blob(data) {
        Ok(bytes) => {
            let (entries, rest) = e820::decode_records(&bytes);
            if rest != 0 {
                d.warnings.push(format!(
                    "fw_cfg etc/e820 is {} bytes, not a multiple of 20: {rest} trailing bytes ignored",
                    bytes.len()
                ));
            }
            d.fw_cfg_e820 = Some(entries);
        }
        Err(e) => d.warnings.push(format!("fw_cfg etc/e820: {e}")),
    }
}

fn parse_memmap(d: &mut GuestDump, data: &[&str]) {
    for line in data {
        let Some((range, kind)) = line.trim().split_once(' ') else {
            continue;
        };
        if let Some((start, end)) = parse_hex_range(range) {
            d.memmap.push(MemmapEntry {
                start,
                end,
                kind: kind.trim().to_string(),
            });
        }
    }
}

fn parse_iomem(d: &mut GuestDump, data: &[&str]) {
    for line in data {
        let body = line.trim_start_matches(' ');
        let indent = line.len() - body.len();
        let Some((range, name)) = body.split_once(" : ") else {
            continue;
        };
        if let Some((start, end)) = parse_hex_range(range) {
            d.iomem.push(IomemEntry {
                depth: indent / 2,
                start,
                end,
                name: name.trim_end().to_string(),
            });
        }
    }
}

fn parse_meminfo(d: &mut GuestDump, data: &[&str]) {
    for line in data {
        if let Some(("MemTotal", v)) = key_value(line) {
            d.mem_total_kib = parse_kib(v);
        }
    }
}

fn parse_kib(v: &str) -> Option<u64> {
    let v = v.trim();
    let v = v.strip_suffix("kB").unwrap_or(v);
    v.trim().parse().ok()
}

/// A kernel list such as `0-2,5` (empty string: empty list).
fn parse_list(s: &str) -> Option<Vec<u32>> {
    sysfs::parse_list(s, MAX_LIST_LEN).ok()
}

/// `node0 node2` to `[0, 2]`; other words are skipped.
fn parse_node_words(s: &str) -> Vec<u32> {
    s.split_whitespace()
        .filter_map(|w| w.strip_prefix("node")?.parse().ok())
        .collect()
}

fn list_field(d: &mut GuestDump, what: &str, v: &str) -> Option<Vec<u32>> {
    let list = parse_list(v);
    if list.is_none() {
        d.warnings.push(format!("cannot read {what} list `{v}`"));
    }
    list
}

/// Takes a list's length from what the dump's lists may still name.
fn spend(budget: &mut usize, list: &Option<Vec<u32>>) -> Result<(), DumpError> {
    let n = list.as_ref().map_or(0, Vec::len);
    *budget = budget.checked_sub(n).ok_or_else(|| {
        DumpError::TooLarge(format!(
            "its node and CPU lists name more than {MAX_LIST_TOTAL} numbers together"
        ))
    })?;
    Ok(())
}

fn parse_nodes(d: &mut GuestDump, data: &[&str], budget: &mut usize) -> Result<(), DumpError> {
    let mut current: Option<NodeInfo> = None;
    for line in data {
        if let Some(name) = line.strip_prefix("## ") {
            if let Some(n) = current.take() {
                d.nodes.insert(n.id, n);
            }
            match name
                .trim()
                .strip_prefix("node")
                .and_then(|n| n.parse().ok())
            {
                Some(id) if id >= crate::linux::numa::MAX_NUMNODES => {
                    return Err(DumpError::TooLarge(format!(
                        "`{}`: Linux numbers nodes below {}",
                        line.trim(),
                        crate::linux::numa::MAX_NUMNODES
                    )));
                }
                Some(id) => {
                    current = Some(NodeInfo {
                        id,
                        ..NodeInfo::default()
                    })
                }
                None => d.warnings.push(format!("bad node header `{line}`")),
            }
            continue;
        }
        let Some((k, v)) = key_value(line) else {
            continue;
        };
        let Some(node) = current.as_mut() else {
            let list = list_field(d, k, v);
            spend(budget, &list)?;
            let l = &mut d.node_lists;
            match k {
                "possible" => l.possible = list,
                "online" => l.online = list,
                "has_cpu" => l.has_cpu = list,
                "has_memory" => l.has_memory = list,
                "has_normal_memory" => l.has_normal_memory = list,
                "has_generic_initiator" => l.has_generic_initiator = list,
                _ => {}
            }
            continue;
        };
        match k {
            "cpulist" => {
                node.cpulist = parse_list(v);
                spend(budget, &node.cpulist)?;
            }
            "MemTotal" => node.mem_total_kib = parse_kib(v),
            "distance" => {
                node.distance = v
                    .split_whitespace()
                    .map(|w| w.parse().ok())
                    .collect::<Option<Vec<u32>>>();
            }
            _ => {
                let access = k.split_once('.').and_then(|(class, attr)| {
                    let class = class.strip_prefix("access")?.parse::<u32>().ok()?;
                    Some((class, attr))
                });
                if let Some((class, attr)) = access {
                    let a = node.access_mut(class);
                    match attr {
                        "initiators" => a.initiators = parse_node_words(v),
                        "targets" => a.targets = parse_node_words(v),
                        "read_latency" => a.read_latency = v.parse().ok(),
                        "write_latency" => a.write_latency = v.parse().ok(),
                        "read_bandwidth" => a.read_bandwidth = v.parse().ok(),
                        "write_bandwidth" => a.write_bandwidth = v.parse().ok(),
                        _ => {}
                    }
                } else if let Some(level) = k
                    .strip_prefix("memory_side_cache.index")
                    .or_else(|| k.strip_prefix("index"))
                    .and_then(|l| l.parse().ok())
                {
                    node.memory_side_cache.push(parse_cache(level, v));
                }
            }
        }
    }
    if let Some(n) = current {
        d.nodes.insert(n.id, n);
    }
    Ok(())
}

/// `size=N line_size=N indexing=N write_policy=N` pairs.
fn pairs(s: &str) -> impl Iterator<Item = (&str, &str)> {
    s.split_whitespace().filter_map(|w| w.split_once('='))
}

fn parse_cache(level: u32, v: &str) -> MemorySideCache {
    let mut c = MemorySideCache {
        level,
        ..MemorySideCache::default()
    };
    for (k, v) in pairs(v) {
        let v = parse_num(v);
        match k {
            "size" => c.size = v,
            "line_size" => c.line_size = v,
            "indexing" => c.indexing = v,
            "write_policy" => c.write_policy = v,
            _ => {}
        }
    }
    c
}

fn parse_signed(v: &str) -> Option<i64> {
    v.trim().parse().ok()
}

fn parse_dax(d: &mut GuestDump, data: &[&str]) {
    for line in data {
        let line = line.trim();
        if let Some(h) = line
            .strip_prefix("hmem:")
            .or_else(|| line.strip_prefix("platform:"))
        {
            d.hmem_devices.push(h.trim().to_string());
            continue;
        }
        let Some((name, rest)) = line.split_once(' ') else {
            continue;
        };
        if !name.starts_with("dax") {
            continue;
        }
        let mut dev = DaxDevice {
            name: name.to_string(),
            ..DaxDevice::default()
        };
        for (k, v) in pairs(rest) {
            match k {
                "size" => dev.size = parse_num(v),
                "target_node" => dev.target_node = parse_signed(v),
                "numa_node" => dev.numa_node = parse_signed(v),
                "driver" => dev.driver = Some(v.to_string()).filter(|s| !s.is_empty()),
                "resource" => dev.resource = parse_num(v),
                _ => {}
            }
        }
        d.dax.push(dev);
    }
}

fn parse_pci(d: &mut GuestDump, data: &[&str]) {
    for line in data {
        let mut words = line.split_whitespace();
        let Some(address) = words.next() else {
            continue;
        };
        let mut dev = PciDevice {
            address: address.to_string(),
            ..PciDevice::default()
        };
        for w in words {
            if let Some(v) = w.strip_prefix("numa_node=") {
                dev.numa_node = v.parse().ok();
            } else if let Some(v) = w.strip_prefix("class=") {
                dev.class = parse_hex(v).and_then(|c| u32::try_from(c).ok());
            } else if let Some((v, dv)) = w.split_once(':') {
                dev.vendor = parse_hex(v).and_then(|v| u16::try_from(v).ok());
                dev.device = parse_hex(dv).and_then(|v| u16::try_from(v).ok());
            } else if dev.class.is_none() {
                dev.class = parse_hex(w).and_then(|c| u32::try_from(c).ok());
            }
        }
        d.pci.push(dev);
    }
}

fn parse_table_section(d: &mut GuestDump, sig: &str, data: &[&str]) {
    if data.iter().all(|l| l.trim().is_empty()) {
        return; // absent; the note says why
    }
    match decode_blob(data) {
        Ok(bytes) => {
            d.acpi_tables.insert(sig.to_string(), bytes);
        }
        Err(e) => d.warnings.push(format!("ACPI table {sig}: {e}")),
    }
}

/// The reference script's `acpi.tables` section: a listing line, then per
/// table `## SIG base64` ... `## SIG end`, or `## SIG absent`.
fn parse_legacy_tables(d: &mut GuestDump, data: &[&str]) {
    let mut current: Option<(String, String)> = None;
    for line in data {
        if let Some(h) = line.strip_prefix("## ") {
            let mut w = h.split_whitespace();
            let (sig, what) = (w.next().unwrap_or(""), w.next().unwrap_or(""));
            match what {
                "base64" => current = Some((sig.to_string(), String::new())),
                "end" => {
                    if let Some((sig, payload)) = current.take() {
                        match decode_base64(&payload) {
                            Ok(bytes) => {
                                d.acpi_tables.insert(sig, bytes);
                            }
                            Err(e) => d.warnings.push(format!("ACPI table {sig}: {e}")),
                        }
                    }
                }
                "absent" => d.notes.push(Note {
                    section: format!("acpi.{sig}"),
                    text: format!("absent /sys/firmware/acpi/tables/{sig}"),
                }),
                _ => {}
            }
        } else if let Some((_, payload)) = current.as_mut() {
            payload.push_str(line.trim());
        }
    }
    if let Some((sig, _)) = current {
        d.warnings
            .push(format!("ACPI table {sig}: no `## {sig} end` line"));
    }
}

/// Decodes standard base64 (RFC 4648 alphabet, `=` padding optional),
/// ignoring whitespace.
pub fn decode_base64(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let mut acc: u32 = 0;
    let mut bits = 0u32;
    let mut padding = false;
    for (i, b) in s.bytes().enumerate() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => {
                padding = true;
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => continue,
            _ => return Err(format!("invalid base64 byte 0x{b:02x} at offset {i}")),
        };
        if padding {
            return Err(format!("base64 data after `=` padding at offset {i}"));
        }
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 {
        return Err("base64 data ends in the middle of a byte".to_string());
    }
    Ok(out)
}

/// Decodes whitespace-separated hex bytes (`od -An -tx1` output).
pub fn decode_hex(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    for word in s.split_whitespace() {
        if word.len() % 2 != 0 {
            return Err(format!("odd number of hex digits in `{word}`"));
        }
        let bytes = word.as_bytes();
        for pair in bytes.chunks_exact(2) {
            let text = std::str::from_utf8(pair).map_err(|_| format!("bad hex `{word}`"))?;
            out.push(u8::from_str_radix(text, 16).map_err(|_| format!("bad hex `{word}`"))?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
