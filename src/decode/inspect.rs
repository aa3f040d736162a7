//! `topoc inspect`: read binary tables, E820 maps, table directories and
//! guest dumps, and describe the topology they carry.
//!
//! Inputs are recognised by content, not by name: an ACPI signature topoc
//! knows (SRAT, SLIT, HMAT), a guest dump (the probe's begin marker), or a
//! binary E820 table (a multiple of 20 bytes). A directory is read like
//! `/sys/firmware/acpi/tables`: its SRAT, SLIT and HMAT files are inspected
//! and other tables are listed as skipped. A table with a bad checksum is
//! shown with a warning, as Linux uses it with one; a table whose structure
//! is broken is an error.

use crate::acpi::{self, ChecksumPolicy, Table};
use crate::e820::{self, Entry, KernelRules, Kind};
use crate::guest::dump::GuestDump;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::PathBuf;

/// One thing read from the inputs.
pub enum Item {
    Table {
        name: String,
        table: Table,
    },
    E820 {
        name: String,
        entries: Vec<Entry>,
    },
    /// Read but not understood as anything topoc inspects.
    Skipped {
        name: String,
        reason: String,
    },
    /// Looked like something topoc reads but is malformed.
    Invalid {
        name: String,
        error: String,
    },
}

impl Item {
    pub fn is_invalid(&self) -> bool {
        matches!(self, Item::Invalid { .. })
    }
}

const KNOWN: [&str; 3] = ["SRAT", "SLIT", "HMAT"];

/// Classifies one file's bytes.
pub fn classify(name: &str, bytes: &[u8]) -> Vec<Item> {
    let sig = bytes
        .get(..4)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .unwrap_or_default();
    if KNOWN.contains(&sig.as_str()) {
        return vec![match acpi::decode_any_with(bytes, ChecksumPolicy::Ignore) {
            Ok(table) => Item::Table {
                name: name.to_string(),
                table,
            },
            Err(e) => Item::Invalid {
                name: name.to_string(),
                error: e.to_string(),
            },
        }];
    }
    if bytes.windows(19).any(|w| w == b"=====TOPOC-DUMP-BEG") {
        let text = String::from_utf8_lossy(bytes);
        return match GuestDump::parse(&text) {
            Ok(d) => {
                let mut out = Vec::new();
                if let Some(fw) = &d.fw_cfg_e820 {
                    let entries = fw.clone();
                    out.push(Item::E820 {
                        name: format!("{name} (fw_cfg etc/e820)"),
                        entries,
                    });
                }
                for (sig, bytes) in &d.acpi_tables {
                    out.extend(classify(&format!("{name} ({sig})"), bytes));
                }
                if out.is_empty() {
                    out.push(Item::Skipped {
                        name: name.to_string(),
                        reason: "the dump holds no tables and no fw_cfg E820".into(),
                    });
                }
                out
            }
            Err(e) => vec![Item::Invalid {
                name: name.to_string(),
                error: format!("not a complete guest dump: {e}"),
            }],
        };
    }
    if bytes.len() >= 36
        && bytes[..4]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize == bytes.len()
    {
        return vec![Item::Skipped {
            name: name.to_string(),
            reason: format!("ACPI table {sig}: topoc inspects SRAT, SLIT and HMAT"),
        }];
    }
    if !bytes.is_empty() && bytes.len() % e820::ENTRY_BYTES == 0 {
        return match e820::decode(bytes) {
            Ok(entries) => vec![Item::E820 {
                name: name.to_string(),
                entries,
            }],
            Err(e) => vec![Item::Invalid {
                name: name.to_string(),
                error: e,
            }],
        };
    }
    vec![Item::Skipped {
        name: name.to_string(),
        reason: format!(
            "{} bytes: not an SRAT, SLIT or HMAT, not a guest dump, and not an E820 table (a multiple of 20 bytes)",
            bytes.len()
        ),
    }]
}

/// Reads files and directories. I/O errors are returned as `Err`.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Item>, String> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut names: Vec<PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("cannot read {}: {e}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file())
                .collect();
            names.sort();
            for f in names {
                let bytes =
                    std::fs::read(&f).map_err(|e| format!("cannot read {}: {e}", f.display()))?;
                // A tables directory holds every table and more: what is not
                // recognised is skipped, what is recognised but broken is an error.
                out.extend(classify(&f.display().to_string(), &bytes));
            }
        } else {
            let bytes =
                std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            // A file named on the command line must be something topoc reads.
            out.extend(
                classify(&p.display().to_string(), &bytes)
                    .into_iter()
                    .map(|i| match i {
                        Item::Skipped { name, reason } => Item::Invalid {
                            name,
                            error: reason,
                        },
                        other => other,
                    }),
            );
        }
    }
    Ok(out)
}

fn e820_text(name: &str, entries: &[Entry], out: &mut String) {
    let _ = writeln!(out, "E820 {name}: {} entries, as given", entries.len());
    for e in entries {
        let _ = writeln!(
            out,
            "  [mem {:#018x}-{:#018x}] {}",
            e.addr,
            e.end().saturating_sub(1),
            e.kind.linux_name()
        );
    }
    match e820::sanitize(entries, KernelRules::LINUX_6_1) {
        Some(s) if s.as_slice() != entries => {
            let _ = writeln!(out, "  as Linux sorts and merges it ({} entries):", s.len());
            for e in &s {
                let _ = writeln!(out, "  {}", e.linux_line("BIOS-e820"));
            }
        }
        Some(_) => {}
        None => {
            let _ = writeln!(
                out,
                "  Linux would not use this table as it is (fewer than 2 entries, or an entry wrapping past 2^64)"
            );
        }
    }
    // Sizes come from the input and may add up past 2^64: saturate.
    let ram: u64 = entries
        .iter()
        .filter(|e| e.kind == Kind::Ram)
        .fold(0u64, |sum, e| sum.saturating_add(e.size));
    let sp: u64 = entries
        .iter()
        .filter(|e| e.kind == Kind::SoftReserved)
        .fold(0u64, |sum, e| sum.saturating_add(e.size));
    let _ = writeln!(
        out,
        "  RAM {}, soft-reserved {}",
        crate::units::fmt_size(ram),
        crate::units::fmt_size(sp)
    );
}

/// The human report.
pub fn text(items: &[Item]) -> String {
    let mut out = String::new();
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        match item {
            Item::Table { name, table } => {
                let _ = writeln!(out, "{name}:");
                out.push_str(&crate::acpi::inspect::text(table));
            }
            Item::E820 { name, entries } => e820_text(name, entries, &mut out),
            Item::Skipped { name, reason } => {
                let _ = writeln!(out, "{name}: skipped: {reason}");
            }
            Item::Invalid { name, error } => {
                let _ = writeln!(out, "{name}: error: {error}");
            }
        }
    }
    out
}

/// The JSON report: one object per item.
pub fn json(items: &[Item]) -> Value {
    let list: Vec<Value> = items
        .iter()
        .map(|i| match i {
            Item::Table { name, table } => json!({ "file": name, "kind": "acpi", "table": crate::acpi::inspect::json(table) }),
            Item::E820 { name, entries } => json!({
                "file": name,
                "kind": "e820",
                "entries": entries.iter().map(e820::JsonEntry::from).collect::<Vec<_>>(),
                "linux_view": e820::sanitize(entries, KernelRules::LINUX_6_1).map(|s| s.iter().map(e820::JsonEntry::from).collect::<Vec<_>>()),
            }),
            Item::Skipped { name, reason } => json!({ "file": name, "kind": "skipped", "reason": reason }),
            Item::Invalid { name, error } => json!({ "file": name, "kind": "error", "error": error }),
        })
        .collect();
    json!({ "inputs": list })
}
