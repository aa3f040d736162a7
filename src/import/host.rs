//! The host `import --host` runs on, as the files the CLI read under a root
//! directory ([`Snapshot`]), into a [`View`].
//!
//! [`WANTED`] lists what is read, as paths relative to the root with `*`
//! standing for any name in one directory: the ACPI tables (root only), the
//! NUMA node directories of sysfs and what is in them, the memory block
//! size, `/proc/iomem` (addresses need root), the dax devices and the PCI
//! devices. The CLI expands the patterns, reads each file (a directory is
//! recorded with its names, a symbolic link with the name it points to) and
//! records what it could not read and why; nothing here touches a file.
//! Every source is optional: what is absent or unreadable is listed in the
//! result. What is there but does not read is an error naming the file and
//! the byte offset.

use super::{SysOrigin, Sysfs, TableFile, View};
use crate::diag::{Diagnostic, codes};
use crate::guest::dump::{AccessClass, DaxDevice, MemorySideCache, NodeInfo, NodeLists, PciDevice};
use crate::linux::sysfs::parse_list;
use std::collections::BTreeMap;

/// What the CLI found at one path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Read {
    /// A file's bytes.
    Text(Vec<u8>),
    /// A directory and the names in it, sorted.
    Dir(Vec<String>),
    /// A symbolic link at the end of a pattern: the last part of its target.
    Link(String),
    /// Nothing there.
    Missing,
    /// There, but not readable: why.
    Unreadable(String),
}

/// The files under one root, by path relative to it (no leading `/`).
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    pub root: String,
    pub files: BTreeMap<String, Read>,
}

/// Every path the import reads, relative to the root; `*` is any name of
/// one directory.
pub const WANTED: &[&str] = &[
    "sys/firmware/acpi/tables/SRAT",
    "sys/firmware/acpi/tables/SLIT",
    "sys/firmware/acpi/tables/HMAT",
    "sys/devices/system/node",
    "sys/devices/system/node/possible",
    "sys/devices/system/node/online",
    "sys/devices/system/node/has_cpu",
    "sys/devices/system/node/has_memory",
    "sys/devices/system/node/has_generic_initiator",
    "sys/devices/system/node/node*",
    "sys/devices/system/node/node*/cpulist",
    "sys/devices/system/node/node*/meminfo",
    "sys/devices/system/node/node*/distance",
    "sys/devices/system/node/node*/access*/initiators",
    "sys/devices/system/node/node*/access*/initiators/read_latency",
    "sys/devices/system/node/node*/access*/initiators/write_latency",
    "sys/devices/system/node/node*/access*/initiators/read_bandwidth",
    "sys/devices/system/node/node*/access*/initiators/write_bandwidth",
    "sys/devices/system/node/node*/memory_side_cache/index*/size",
    "sys/devices/system/node/node*/memory_side_cache/index*/line_size",
    "sys/devices/system/node/node*/memory_side_cache/index*/indexing",
    "sys/devices/system/node/node*/memory_side_cache/index*/write_policy",
    "sys/devices/system/memory/block_size_bytes",
    "proc/iomem",
    "sys/bus/dax/devices",
    "sys/bus/dax/devices/*/size",
    "sys/bus/dax/devices/*/target_node",
    "sys/bus/dax/devices/*/numa_node",
    "sys/bus/dax/devices/*/resource",
    "sys/bus/dax/devices/*/driver",
    "sys/bus/pci/devices/*/numa_node",
    "sys/bus/pci/devices/*/vendor",
    "sys/bus/pci/devices/*/device",
    "sys/bus/pci/devices/*/class",
];

/// Whether `name` matches one segment of a [`WANTED`] pattern: `*` stands
/// for any text (`node*` is `node` and anything).
pub fn segment_matches(pattern: &str, name: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == name,
        Some((pre, post)) => {
            name.len() >= pre.len() + post.len() && name.starts_with(pre) && name.ends_with(post)
        }
    }
}

/// `root` joined with `rel`, as reports name it.
pub fn join(root: &str, rel: &str) -> String {
    let root = root.trim_end_matches('/');
    format!("{root}/{rel}")
}

/// Upper bound on what one list in sysfs may name.
const MAX_LIST: usize = 1 << 16;

struct Reader<'a> {
    s: &'a Snapshot,
    out: &'a mut Vec<Diagnostic>,
    unseen: Vec<String>,
}

impl Reader<'_> {
    fn name(&self, rel: &str) -> String {
        join(&self.s.root, rel)
    }

    fn get(&self, rel: &str) -> Option<&Read> {
        self.s.files.get(rel)
    }

    /// A text file's content; absent and unreadable ones are noted when
    /// `what` names them for the list of what was not seen.
    fn text(&mut self, rel: &str, what: Option<&str>) -> Option<String> {
        match self.get(rel) {
            Some(Read::Text(b)) => Some(String::from_utf8_lossy(b).into_owned()),
            Some(Read::Unreadable(why)) => {
                if let Some(w) = what {
                    self.unseen
                        .push(format!("{w}: {} is unreadable ({why})", self.name(rel)));
                }
                None
            }
            _ => {
                if let Some(w) = what {
                    self.unseen
                        .push(format!("{w}: {} is absent", self.name(rel)));
                }
                None
            }
        }
    }

    fn dir(&self, rel: &str) -> Option<&[String]> {
        match self.get(rel) {
            Some(Read::Dir(names)) => Some(names),
            _ => None,
        }
    }

    fn malformed(&mut self, rel: &str, text: &str, part: &str, why: impl std::fmt::Display) {
        let offset = if part.is_empty() {
            0
        } else {
            text.find(part).unwrap_or(0)
        };
        let line = text[..offset.min(text.len())].matches('\n').count() + 1;
        self.out.push(super::error(
            &codes::T168,
            format!("{}: line {line}, byte {offset}: {why}", self.name(rel)),
        ));
    }

    fn list(&mut self, rel: &str) -> Option<Vec<u32>> {
        let text = self.text(rel, None)?;
        match parse_list(text.trim_end_matches('\n'), MAX_LIST) {
            Ok(l) => Some(l),
            Err(e) => {
                let part = match &e {
                    crate::linux::sysfs::ListError::NotANumber(p)
                    | crate::linux::sysfs::ListError::TooLarge(p) => p.clone(),
                    crate::linux::sysfs::ListError::Backwards { part, .. } => part.clone(),
                    _ => String::new(),
                };
                self.malformed(rel, &text, &part, format!("not a list: {e}"));
                None
            }
        }
    }

    /// A decimal (or `0x` hexadecimal) number.
    fn number(&mut self, rel: &str) -> Option<u64> {
        let text = self.text(rel, None)?;
        let t = text.trim();
        let v = match t.strip_prefix("0x") {
            Some(h) => u64::from_str_radix(h, 16).ok(),
            None => t.parse().ok(),
        };
        if v.is_none() {
            self.malformed(rel, &text, t, format!("`{t}` is not a number"));
        }
        v
    }

    /// A signed decimal number (`numa_node` is -1 without a node).
    fn signed(&mut self, rel: &str) -> Option<i64> {
        let text = self.text(rel, None)?;
        let t = text.trim();
        let v = t.parse().ok();
        if v.is_none() {
            self.malformed(rel, &text, t, format!("`{t}` is not a number"));
        }
        v
    }

    fn hex(&mut self, rel: &str) -> Option<u64> {
        let text = self.text(rel, None)?;
        let t = text.trim();
        let v = u64::from_str_radix(t.strip_prefix("0x").unwrap_or(t), 16).ok();
        if v.is_none() {
            self.malformed(rel, &text, t, format!("`{t}` is not a hexadecimal number"));
        }
        v
    }
}

/// `Node 0 MemTotal:  2014512 kB`.
fn meminfo_total(text: &str) -> Result<u64, (usize, String)> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if let Some(at) = line.find("MemTotal:") {
            let rest = line[at + "MemTotal:".len()..].trim();
            let num = rest.strip_suffix("kB").unwrap_or(rest).trim();
            return num.parse().map_err(|_| {
                (
                    offset + at,
                    format!("`{}` is not a MemTotal in kB", line.trim_end()),
                )
            });
        }
        offset += line.len();
    }
    Err((0, "no MemTotal line".to_string()))
}

/// The view of the host under `s.root`.
pub fn view(s: &Snapshot, out: &mut Vec<Diagnostic>) -> View {
    let mut r = Reader {
        s,
        out,
        unseen: Vec::new(),
    };
    let mut v = View {
        origin: format!(
            "the host ({})",
            if s.root.is_empty() { "/" } else { &s.root }
        ),
        ..View::default()
    };
    for sig in ["SRAT", "SLIT", "HMAT"] {
        let rel = format!("sys/firmware/acpi/tables/{sig}");
        let what = format!("the {sig}");
        if let Some(Read::Text(b)) = r.get(&rel) {
            let t = TableFile {
                name: r.name(&rel),
                bytes: b.clone(),
            };
            match sig {
                "SRAT" => v.srat = Some(t),
                "SLIT" => v.slit = Some(t),
                _ => v.hmat = Some(t),
            }
        } else {
            r.text(&rel, Some(&what));
        }
    }
    let node_root = "sys/devices/system/node";
    let Some(entries) = r.dir(node_root).map(<[String]>::to_vec) else {
        r.unseen.push(format!(
            "NUMA nodes: {} is absent (a kernel without NUMA)",
            r.name(node_root)
        ));
        v.unseen = r.unseen;
        return v;
    };
    let lists = NodeLists {
        possible: r.list(&format!("{node_root}/possible")),
        online: r.list(&format!("{node_root}/online")),
        has_cpu: r.list(&format!("{node_root}/has_cpu")),
        has_memory: r.list(&format!("{node_root}/has_memory")),
        has_generic_initiator: r.list(&format!("{node_root}/has_generic_initiator")),
        ..NodeLists::default()
    };
    let block = r.hex("sys/devices/system/memory/block_size_bytes");
    let mut nodes = BTreeMap::new();
    let mut blocks = BTreeMap::new();
    for e in &entries {
        let Some(n) = e.strip_prefix("node").and_then(|x| x.parse::<u32>().ok()) else {
            continue;
        };
        let dir = format!("{node_root}/{e}");
        let mut info = NodeInfo {
            id: n,
            ..NodeInfo::default()
        };
        info.cpulist = r.list(&format!("{dir}/cpulist"));
        let meminfo = format!("{dir}/meminfo");
        if let Some(text) = r.text(&meminfo, None) {
            match meminfo_total(&text) {
                Ok(kib) => info.mem_total_kib = Some(kib),
                Err((offset, why)) => {
                    let part = text.get(offset..).unwrap_or("").to_string();
                    let part = part.lines().next().unwrap_or("").to_string();
                    r.malformed(&meminfo, &text, &part, why);
                }
            }
        }
        let distance = format!("{dir}/distance");
        if let Some(text) = r.text(&distance, None) {
            let mut row = Vec::new();
            for w in text.split_whitespace() {
                match w.parse::<u32>() {
                    Ok(x) => row.push(x),
                    Err(_) => {
                        r.malformed(&distance, &text, w, format!("`{w}` is not a distance"));
                        row.clear();
                        break;
                    }
                }
            }
            if !row.is_empty() {
                info.distance = Some(row);
            }
        }
        let names = r.dir(&dir).map(<[String]>::to_vec).unwrap_or_default();
        if let Some(bs) = block {
            let count = names
                .iter()
                .filter(|m| {
                    m.strip_prefix("memory")
                        .is_some_and(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()))
                })
                .count() as u64;
            blocks.insert(n, count.saturating_mul(bs));
        }
        for a in names.iter().filter(|x| x.starts_with("access")) {
            let Ok(class) = a["access".len()..].parse::<u32>() else {
                continue;
            };
            let base = format!("{dir}/{a}/initiators");
            let initiators: Vec<u32> = r
                .dir(&base)
                .unwrap_or(&[])
                .iter()
                .filter_map(|x| x.strip_prefix("node").and_then(|y| y.parse().ok()))
                .collect();
            let mut ac = AccessClass {
                class,
                initiators,
                ..AccessClass::default()
            };
            ac.read_latency = r.number(&format!("{base}/read_latency"));
            ac.write_latency = r.number(&format!("{base}/write_latency"));
            ac.read_bandwidth = r.number(&format!("{base}/read_bandwidth"));
            ac.write_bandwidth = r.number(&format!("{base}/write_bandwidth"));
            info.access.push(ac);
        }
        let caches = format!("{dir}/memory_side_cache");
        let levels: Vec<String> = s
            .files
            .keys()
            .filter_map(|k| k.strip_prefix(&format!("{caches}/")))
            .filter_map(|k| k.split('/').next())
            .filter(|k| k.starts_with("index"))
            .map(str::to_string)
            .collect::<std::collections::BTreeSet<String>>()
            .into_iter()
            .collect();
        for l in levels {
            let Ok(level) = l["index".len()..].parse::<u32>() else {
                continue;
            };
            let c = format!("{caches}/{l}");
            info.memory_side_cache.push(MemorySideCache {
                level,
                size: r.number(&format!("{c}/size")),
                line_size: r.number(&format!("{c}/line_size")),
                indexing: r.number(&format!("{c}/indexing")),
                write_policy: r.number(&format!("{c}/write_policy")),
            });
        }
        nodes.insert(n, info);
    }
    if block.is_none() {
        r.unseen.push(format!(
            "memory blocks: {} is absent, so node memory comes from MemTotal",
            r.name("sys/devices/system/memory/block_size_bytes")
        ));
    }
    // Soft-reserved ranges.
    let mut soft_reserved = Vec::new();
    if let Some(text) = r.text("proc/iomem", Some("Soft Reserved ranges")) {
        let mut zero = true;
        for line in text.lines() {
            let Some((range, name)) = line.split_once(" : ") else {
                continue;
            };
            let Some((a, b)) = range.trim().split_once('-') else {
                continue;
            };
            let (Ok(a), Ok(b)) = (u64::from_str_radix(a, 16), u64::from_str_radix(b, 16)) else {
                r.malformed(
                    "proc/iomem",
                    &text,
                    line,
                    format!("`{}` is not a range", range.trim()),
                );
                continue;
            };
            zero &= a == 0 && b == 0;
            if name.trim().eq_ignore_ascii_case("soft reserved") {
                soft_reserved.push((a, b));
            }
        }
        if zero {
            soft_reserved.clear();
            r.unseen.push(format!(
                "Soft Reserved addresses: {} shows zeros without root",
                r.name("proc/iomem")
            ));
        }
    }
    // dax devices.
    let mut dax = Vec::new();
    let dax_root = "sys/bus/dax/devices";
    for name in r.dir(dax_root).map(<[String]>::to_vec).unwrap_or_default() {
        let d = format!("{dax_root}/{name}");
        let resource = r.get(&format!("{d}/resource")).cloned();
        let dev = DaxDevice {
            size: r.number(&format!("{d}/size")),
            target_node: r.signed(&format!("{d}/target_node")),
            numa_node: r.signed(&format!("{d}/numa_node")),
            driver: match r.get(&format!("{d}/driver")) {
                Some(Read::Link(t)) => Some(t.clone()),
                _ => None,
            },
            resource: match resource {
                Some(Read::Text(_)) => r.hex(&format!("{d}/resource")),
                Some(Read::Unreadable(_)) => {
                    r.unseen.push(format!(
                        "dax device addresses: {} is unreadable (needs root)",
                        r.name(&format!("{d}/resource"))
                    ));
                    None
                }
                _ => None,
            },
            name,
        };
        dax.push(dev);
    }
    // PCI devices.
    let mut pci = Vec::new();
    let pci_root = "sys/bus/pci/devices";
    let pci_names: Vec<String> = s
        .files
        .keys()
        .filter_map(|k| k.strip_prefix(&format!("{pci_root}/")))
        .filter_map(|k| k.split('/').next())
        .map(str::to_string)
        .collect::<std::collections::BTreeSet<String>>()
        .into_iter()
        .collect();
    for name in pci_names {
        let d = format!("{pci_root}/{name}");
        pci.push(PciDevice {
            vendor: r
                .hex(&format!("{d}/vendor"))
                .and_then(|x| u16::try_from(x).ok()),
            device: r
                .hex(&format!("{d}/device"))
                .and_then(|x| u16::try_from(x).ok()),
            class: r
                .hex(&format!("{d}/class"))
                .and_then(|x| u32::try_from(x).ok()),
            numa_node: r
                .signed(&format!("{d}/numa_node"))
                .and_then(|x| i32::try_from(x).ok()),
            address: name,
        });
    }
    v.sysfs = Some(Sysfs {
        origin: SysOrigin::Host {
            root: s.root.clone(),
        },
        lists,
        nodes,
        blocks,
        dax,
        soft_reserved,
        pci,
    });
    v.unseen = r.unseen;
    v
}
