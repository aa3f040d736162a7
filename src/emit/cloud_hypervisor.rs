//! The cloud-hypervisor command line in three forms (an args file with one
//! argument per line, a shell-quoted line, a JSON array) and the E820 maps
//! cloud-hypervisor hands the guest.
//!
//! The options follow cloud-hypervisor's option parser
//! (`option_parser/src/lib.rs`), which is stricter than QEMU's:
//!
//! - sizes (`ByteSized`) take only the suffixes `K`, `M`, `G`, powers of
//!   1024, else plain bytes: there is no `T`;
//! - a CPU list (`IntegerList`) splits on commas, so it needs brackets once it
//!   has one, and a range needs start < end: one CPU is written `3`, never
//!   `3-3`;
//! - `distances=` (`TupleList`) needs its brackets even for one pair;
//! - a value with a comma, a bracket or a quote is quoted, quotes doubled
//!   (`split_commas`, `dequote`).
//!
//! Each repeatable option (`--memory-zone`, `--numa`, `--device`) is given
//! once per value; cloud-hypervisor appends either way.

use crate::e820::{Entry, JsonEntry};
use crate::layout::cloud_hypervisor::{ChLayout, Zone};
use crate::model::Topology;
use crate::pipeline::Compiled;
use crate::target::ChProfile;
use crate::units::{GIB, KIB, MIB, ranges};
use serde::Serialize;
use std::fmt::Write as _;

/// The binary the shell line starts with.
pub const CH_BINARY: &str = "cloud-hypervisor";

/// A `ByteSized` value: the largest of `G`, `M`, `K` that is exact, else bytes.
pub fn ch_size(bytes: u64) -> String {
    for (suffix, mult) in [("G", GIB), ("M", MIB), ("K", KIB)] {
        if bytes >= mult && bytes % mult == 0 {
            return format!("{}{suffix}", bytes / mult);
        }
    }
    bytes.to_string()
}

/// An `IntegerList`: `3`, `0-3`, `[0-3,8]`.
pub fn ch_cpus(cpus: &[u32]) -> String {
    let items: Vec<String> = ranges(cpus)
        .into_iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect();
    if items.len() > 1 {
        format!("[{}]", items.join(","))
    } else {
        items.concat()
    }
}

/// A value as the option parser reads it back: quoted, quotes doubled, when
/// it holds a comma, a bracket or a quote, begins or ends with white space
/// (the parser trims each value, `str::trim`) or is empty (the parser takes
/// `key=` for no value). Inside quotes only `"` is special (`split_commas`),
/// and `dequote` turns `""` back into one quote, so every string is written
/// exactly. Names (ids, `memory_zones=`) are identifiers and never need it.
pub fn ch_value(s: &str) -> String {
    let bare = !s.is_empty()
        && !s.contains([',', '[', ']', '"'])
        && !s.starts_with(char::is_whitespace)
        && !s.ends_with(char::is_whitespace);
    if !bare {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One `--memory-zone` value.
fn zone(t: &Topology, z: &Zone) -> String {
    let mut s = format!("id={},size={}", z.id, ch_size(z.size));
    let Some(m) = &t.nodes[z.node].memory else {
        return s;
    };
    let b = &m.backend;
    if let Some(path) = &b.path {
        s.push_str(&format!(",file={}", ch_value(path)));
    }
    if b.shared {
        s.push_str(",shared=on");
    }
    if let Some(hp) = &b.hugepages {
        s.push_str(",hugepages=on");
        if let Some(size) = hp {
            s.push_str(&format!(",hugepage_size={}", ch_size(*size)));
        }
    }
    // The check stage allows at most one host node, bound (T204).
    if let Some(&h) = b.host_nodes.first() {
        s.push_str(&format!(",host_numa_node={h}"));
    }
    if b.prealloc {
        s.push_str(",prefault=on");
    }
    s
}

/// The topology's cloud-hypervisor arguments, one element per argument.
pub fn args(c: &Compiled) -> Vec<String> {
    match c.ch() {
        Some((p, l)) => args_of(&c.topo, p, l),
        None => Vec::new(),
    }
}

/// [`args`] from the parts, for the check stage, which measures the line
/// before there is a compiled topology (T217).
pub fn args_of(t: &Topology, p: &ChProfile, l: &ChLayout) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    let mut push = |flag: &str, val: String| {
        a.push(flag.to_string());
        a.push(val);
    };
    let [threads, cores, dies, packages] = l.topology;
    push(
        "--cpus",
        format!(
            "boot={},max={},topology={threads}:{cores}:{dies}:{packages}",
            l.boot_vcpus, l.max_vcpus
        ),
    );
    push("--memory", "size=0".to_string());
    for z in &l.zones {
        push("--memory-zone", zone(t, z));
    }
    for n in &l.nodes {
        let mut s = format!("guest_numa_id={}", n.guest_numa_id);
        if !n.cpus.is_empty() {
            s.push_str(&format!(",cpus={}", ch_cpus(&n.cpus)));
        }
        if !n.distances.is_empty() {
            // Written in place: 1024 nodes list a million pairs.
            s.push_str(",distances=[");
            for (i, (dest, v)) in n.distances.iter().enumerate() {
                let sep = if i == 0 { "" } else { "," };
                let _ = write!(s, "{sep}{dest}@{v}");
            }
            s.push(']');
        }
        if let Some(id) = &n.device_id {
            s.push_str(&format!(",device_id={id}"));
        }
        if let Some(z) = &n.memory_zone {
            s.push_str(&format!(",memory_zones=[{z}]"));
        }
        let segments = l.segments_of(n.node);
        if !segments.is_empty() {
            let list: Vec<String> = segments.iter().map(u16::to_string).collect();
            let _ = write!(s, ",pci_segments=[{}]", list.join(","));
        }
        push("--numa", s);
    }
    for d in &l.devices {
        let mut s = format!(
            "path={},id={}",
            ch_value(&format!("/sys/bus/pci/devices/{}/", d.host)),
            d.id
        );
        if d.segment != 0 {
            let _ = write!(s, ",pci_segment={}", d.segment);
        }
        if let Some(slot) = d.slot {
            s.push_str(&format!(",pci_device_id={slot}"));
        }
        push("--device", s);
    }
    if !l.segments.is_empty() {
        push(
            "--platform",
            format!("num_pci_segments={}", l.segments.len() + 1),
        );
    }
    for (flag, v) in [
        ("--firmware", &p.firmware),
        ("--kernel", &p.kernel),
        ("--initramfs", &p.initramfs),
        ("--cmdline", &p.cmdline),
    ] {
        if let Some(v) = v {
            a.extend(ch_flag(flag, &v.value));
        }
    }
    a
}

/// A flag with a free-text value, as cloud-hypervisor's clap reads it back:
/// two arguments, or one `--flag=value` when the value starts with `-`,
/// which clap would otherwise take for a flag of its own and refuse.
pub fn ch_flag(flag: &str, value: &str) -> Vec<String> {
    if value.starts_with('-') {
        vec![format!("{flag}={value}")]
    } else {
        vec![flag.to_string(), value.to_string()]
    }
}

/// The args file: one argument per line.
pub fn args_file(c: &Compiled) -> String {
    let mut s = args(c).join("\n");
    s.push('\n');
    s
}

/// The command line as one shell-quoted line, starting with the binary.
pub fn shell_line(c: &Compiled) -> String {
    let mut words = vec![CH_BINARY.to_string()];
    words.extend(args(c).iter().map(|w| super::qemu::shell_quote(w)));
    let mut s = words.join(" ");
    s.push('\n');
    s
}

/// The arguments as a JSON array of strings.
pub fn json_args(c: &Compiled) -> String {
    let mut s = serde_json::to_string_pretty(&args(c)).unwrap_or_default();
    s.push('\n');
    s
}

fn layout(c: &Compiled) -> Option<&ChLayout> {
    c.ch().map(|(_, l)| l)
}

fn lines(entries: &[Entry], who: &str) -> String {
    entries
        .iter()
        .map(|e| format!("{}\n", e.linux_line(who)))
        .collect()
}

/// The PVH memmap (`hvm_start_info.memmap_paddr`), one entry per line, in
/// cloud-hypervisor's order.
pub fn pvh_text(c: &Compiled) -> String {
    layout(c).map_or_else(String::new, |l| lines(&l.pvh_memmap, "pvh-memmap"))
}

/// The bzImage zero page's `e820_table`, one entry per line.
pub fn bzimage_text(c: &Compiled) -> String {
    layout(c).map_or_else(String::new, |l| lines(&l.bzimage_e820, "zero-page-e820"))
}

#[derive(Serialize)]
struct VmmJson<'a> {
    view: &'static str,
    boot: &'static str,
    structure: &'static str,
    order: &'static str,
    entries: Vec<JsonEntry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
}

pub fn pvh_json(c: &Compiled) -> String {
    let Some(l) = layout(c) else {
        return String::new();
    };
    render(&VmmJson {
        view: "vmm",
        boot: "pvh",
        structure: "hvm_start_info memmap (hvm_memmap_table_entry)",
        order: "as cloud-hypervisor's configure_pvh writes the entries",
        entries: l.pvh_memmap.iter().map(JsonEntry::from).collect(),
        error: l.pvh_error.as_deref(),
    })
}

pub fn bzimage_json(c: &Compiled) -> String {
    let Some(l) = layout(c) else {
        return String::new();
    };
    render(&VmmJson {
        view: "vmm",
        boot: "bzimage",
        structure: "boot_params.e820_table",
        order: "as cloud-hypervisor's configure_32bit_entry adds the entries",
        entries: l.bzimage_e820.iter().map(JsonEntry::from).collect(),
        error: None,
    })
}

/// The `BIOS-e820:` lines the guest kernel prints for the profile's boot path.
pub fn guest_text(c: &Compiled) -> String {
    let Some((p, l)) = c.ch() else {
        return String::new();
    };
    lines(&l.guest_e820(p.boot.value), "BIOS-e820")
}

#[derive(Serialize)]
struct GuestJson {
    view: &'static str,
    boot: String,
    bios_e820: Vec<JsonEntry>,
    assumptions: Vec<String>,
}

pub fn guest_json(c: &Compiled) -> String {
    let Some((p, l)) = c.ch() else {
        return String::new();
    };
    render(&GuestJson {
        view: "guest",
        boot: p.boot.value.to_string(),
        bios_e820: l
            .guest_e820(p.boot.value)
            .iter()
            .map(JsonEntry::from)
            .collect(),
        assumptions: l.assumptions.clone(),
    })
}

fn render<T: Serialize>(v: &T) -> String {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_syntax() {
        assert_eq!(ch_size(2 * GIB), "2G");
        assert_eq!(ch_size(1024 * GIB), "1024G", "no T suffix");
        assert_eq!(ch_size(1536 * MIB), "1536M");
        assert_eq!(ch_size(4097), "4097");
        assert_eq!(ch_cpus(&[3]), "3", "never 3-3");
        assert_eq!(ch_cpus(&[0, 1, 2, 3]), "0-3");
        assert_eq!(ch_cpus(&[0, 1, 2, 3, 8]), "[0-3,8]");
        assert_eq!(ch_cpus(&[0, 2]), "[0,2]");
        assert_eq!(ch_value("/dev/shm/a"), "/dev/shm/a");
        assert_eq!(ch_value("/tmp/a,b"), "\"/tmp/a,b\"");
        assert_eq!(ch_value("a\"b"), "\"a\"\"b\"");
        assert_eq!(ch_value(" a"), "\" a\"");
        assert_eq!(ch_value("a "), "\"a \"");
        assert_eq!(ch_value(""), "\"\"");
        assert_eq!(
            ch_flag("--kernel", "/boot/vmlinux"),
            ["--kernel", "/boot/vmlinux"]
        );
        assert_eq!(ch_flag("--cmdline", "-x"), ["--cmdline=-x"]);
    }
}
