//! `topoc inspect`: what binary tables, E820 maps and guest dumps say.
//!
//! Pure: the command line reads the files and directories
//! (`cli/input.rs`); this classifies each input's bytes into an [`Item`]
//! and renders the report. Inputs are recognised by content, not by name:
//! an ACPI signature topoc knows (SRAT, SLIT, HMAT), a guest dump (the
//! probe's begin marker), or a binary E820 table (a multiple of 20 bytes).
//! A table with a bad checksum is shown with a warning, as Linux uses it
//! with one; a table whose structure is broken is an error.
//!
//! An [`Item`] is serialisable, and its serialisation is the JSON report;
//! the text report is rendered from the same items, and each table's part
//! from its [`TableSummary`], so the two reports carry the same facts.
//!
//! Why a module of its own: inspect is a command over several formats —
//! the ACPI codec and its summaries (`acpi/`), the E820 decoder
//! (`e820.rs`) and the dump reader (`decode/`) — so it belongs to none of
//! them; it is small because the per-table summaries stay beside their
//! decoders in `acpi/inspect/`.

use crate::acpi::inspect::TableSummary;
use crate::acpi::{self, ChecksumPolicy};
use crate::e820::{self, Entry, KernelRules, Kind};
use crate::guest::dump::GuestDump;
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::fmt::Write as _;

/// One thing read from the inputs: which input it came from, and what it is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Item {
    pub file: String,
    #[serde(flatten)]
    pub what: What,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum What {
    /// An SRAT, SLIT or HMAT.
    #[serde(rename = "acpi")]
    Table { table: Box<TableSummary> },
    /// An E820 map, as given, and as Linux would sort and merge it
    /// (`None`: Linux would not use it).
    E820 {
        #[serde(serialize_with = "json_entries")]
        entries: Vec<Entry>,
        #[serde(serialize_with = "json_linux_view")]
        linux_view: Option<Vec<Entry>>,
    },
    /// Read but not understood as anything topoc inspects.
    Skipped { reason: String },
    /// Looked like something topoc reads but is malformed.
    #[serde(rename = "error")]
    Invalid { error: String },
}

impl Item {
    fn new(file: &str, what: What) -> Item {
        Item {
            file: file.to_string(),
            what,
        }
    }

    pub fn is_invalid(&self) -> bool {
        matches!(self.what, What::Invalid { .. })
    }

    fn e820(file: &str, entries: Vec<Entry>) -> Item {
        let linux_view = e820::sanitize(&entries, KernelRules::LINUX_6_1);
        Item::new(
            file,
            What::E820 {
                entries,
                linux_view,
            },
        )
    }
}

fn json_entries<S: Serializer>(entries: &[Entry], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(entries.iter().map(e820::JsonEntry::from))
}

fn json_linux_view<S: Serializer>(view: &Option<Vec<Entry>>, s: S) -> Result<S::Ok, S::Error> {
    match view {
        Some(entries) => json_entries(entries, s),
        None => s.serialize_none(),
    }
}

const KNOWN: [&str; 3] = ["SRAT", "SLIT", "HMAT"];

/// Classifies one input's bytes; `name` names it in the report.
pub fn classify(name: &str, bytes: &[u8]) -> Vec<Item> {
    let sig = bytes
        .get(..4)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .unwrap_or_default();
    if KNOWN.contains(&sig.as_str()) {
        let what = match acpi::decode_any_with(bytes, ChecksumPolicy::Ignore) {
            Ok(table) => What::Table {
                table: Box::new(acpi::inspect::summary(&table)),
            },
            Err(e) => What::Invalid {
                error: e.to_string(),
            },
        };
        return vec![Item::new(name, what)];
    }
    if bytes.windows(19).any(|w| w == b"=====TOPOC-DUMP-BEG") {
        let text = String::from_utf8_lossy(bytes);
        return match GuestDump::parse(&text) {
            Ok(d) => {
                let mut out = Vec::new();
                if let Some(fw) = &d.fw_cfg_e820 {
                    let entries = fw.to_vec();
                    out.push(Item::e820(&format!("{name} (fw_cfg etc/e820)"), entries));
                }
                for (sig, bytes) in &d.acpi_tables {
                    out.extend(classify(&format!("{name} ({sig})"), bytes));
                }
                if out.is_empty() {
                    out.push(Item::new(
                        name,
                        What::Skipped {
                            reason: "the dump holds no tables and no fw_cfg E820".into(),
                        },
                    ));
                }
                out
            }
            Err(e) => vec![Item::new(
                name,
                What::Invalid {
                    error: format!("not a complete guest dump: {e}"),
                },
            )],
        };
    }
    if bytes.len() >= 36
        && bytes[..4]
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize == bytes.len()
    {
        return vec![Item::new(
            name,
            What::Skipped {
                reason: format!("ACPI table {sig}: topoc inspects SRAT, SLIT and HMAT"),
            },
        )];
    }
    if !bytes.is_empty() && bytes.len() % e820::ENTRY_BYTES == 0 {
        return vec![match e820::decode(bytes) {
            Ok(entries) => Item::e820(name, entries),
            Err(error) => Item::new(name, What::Invalid { error }),
        }];
    }
    vec![Item::new(
        name,
        What::Skipped {
            reason: format!(
                "{} bytes: not an SRAT, SLIT or HMAT, not a guest dump, and not an E820 table (a multiple of 20 bytes)",
                bytes.len()
            ),
        },
    )]
}

fn e820_text(name: &str, entries: &[Entry], linux_view: Option<&[Entry]>, out: &mut String) {
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
    match linux_view {
        Some(s) if s != entries => {
            let _ = writeln!(out, "  as Linux sorts and merges it ({} entries):", s.len());
            for e in s {
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
    let total = |kind: Kind| {
        entries
            .iter()
            .filter(|e| e.kind == kind)
            .fold(0u64, |sum, e| sum.saturating_add(e.size))
    };
    let _ = writeln!(
        out,
        "  RAM {}, soft-reserved {}",
        crate::units::fmt_size(total(Kind::Ram)),
        crate::units::fmt_size(total(Kind::SoftReserved))
    );
}

/// The human report.
pub fn text(items: &[Item]) -> String {
    let mut out = String::new();
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            out.push('\n');
        }
        // A line feed in a file name must not start a report line.
        let name = &*crate::text::escaped(&item.file);
        match &item.what {
            What::Table { table } => {
                let _ = writeln!(out, "{name}:");
                out.push_str(&table.text());
            }
            What::E820 {
                entries,
                linux_view,
            } => e820_text(name, entries, linux_view.as_deref(), &mut out),
            What::Skipped { reason } => {
                let _ = writeln!(out, "{name}: skipped: {reason}");
            }
            What::Invalid { error } => {
                let _ = writeln!(out, "{name}: error: {error}");
            }
        }
    }
    out
}

/// The JSON report: `{"inputs": [one object per item]}`.
/// The name and version of `inspect --format json`'s document: fields are
/// only added within a version.
pub const FORMAT: &str = "topoc-inspect/1";

pub fn json(items: &[Item]) -> Value {
    #[derive(Serialize)]
    struct Report<'a> {
        format: &'static str,
        inputs: &'a [Item],
    }
    // Plain data of numbers, strings, lists and maps: serialising cannot fail.
    serde_json::to_value(Report {
        format: FORMAT,
        inputs: items,
    })
    .unwrap_or(Value::Null)
}
