//! Summaries of decoded SRAT, SLIT and HMAT tables, for people and for JSON.
//!
//! `iasl -d` shows every field in table order; this shows the topology the
//! table describes: which CPUs, memory ranges and generic initiators belong
//! to which proximity domain, distances as a labelled matrix, HMAT latency
//! and bandwidth as the nanoseconds and MB/s Linux derives from them, and
//! caches decoded. It also lists what a consumer would trip over (a wrong
//! checksum, SLIT entries Linux rejects, proximity domains a revision-1
//! SRAT truncates).
//!
//! [`summary`] builds one [`TableSummary`] per table: its serialisation is
//! the JSON of `inspect --format json` (the machine contract), and
//! [`TableSummary::text`] renders the human report from the same value, so
//! the two forms cannot carry different facts. A few facts only the text
//! shows (raw entry counts, the first trailing bytes) are fields the JSON
//! skips.
//!
//! Output is deterministic: domains are sorted, lists keep table order or
//! sorted order, and the JSON keeps field order.

mod hmat;
mod slit;
mod srat;

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use super::{Sig, Table};
pub use hmat::{HmatItem, HmatSummary, LocalitySummary};
use hmat::{hmat_summary, hmat_warnings};
pub use slit::SlitSummary;
use slit::{slit_summary, slit_warnings};
pub use srat::{DomainSummary, Handle, MemoryRange, OtherStructure, SratSummary};
use srat::{srat_summary, srat_warnings};

/// The human summary of `table`, ending with a newline.
pub fn text(table: &Table) -> String {
    summary(table).text()
}

/// The JSON summary of `table`: the same facts as [`text`], plus raw values.
pub fn json(table: &Table) -> Value {
    // Plain data of numbers, strings, lists and maps: serialising cannot fail.
    serde_json::to_value(summary(table)).unwrap_or(Value::Null)
}

/// What a consumer of `table` would trip over, one sentence each.
pub fn warnings(table: &Table) -> Vec<String> {
    warnings_with(table, &checksum_state(table))
}

/// Everything `inspect` says about one table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TableSummary {
    pub signature: String,
    pub revision: u8,
    /// The encoded length, or the Length field if the table cannot be
    /// encoded (only possible for hand-built tables).
    pub length: u64,
    pub checksum: Checksum,
    pub oem_id: String,
    pub oem_table_id: String,
    pub oem_revision: u32,
    pub creator_id: String,
    pub creator_revision: u32,
    /// The table's own part, under its name (`"srat"`, `"slit"`, `"hmat"`).
    #[serde(flatten)]
    pub body: Body,
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Checksum {
    pub found: u8,
    /// What the checksum byte must be; `None` if the table cannot be encoded.
    pub expected: Option<u8>,
    pub ok: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Body {
    Srat(SratSummary),
    Slit(SlitSummary),
    Hmat(HmatSummary),
}

/// Builds the summary of `table`.
pub fn summary(table: &Table) -> TableSummary {
    let h = table.header();
    let state = checksum_state(table);
    TableSummary {
        signature: ascii(&h.signature),
        revision: h.revision,
        length: state.length,
        checksum: Checksum {
            found: h.checksum,
            expected: state.expected,
            ok: state.ok(),
        },
        oem_id: ascii(&h.oem_id),
        oem_table_id: ascii(&h.oem_table_id),
        oem_revision: h.oem_revision,
        creator_id: ascii(&h.creator_id),
        creator_revision: h.creator_revision,
        body: match table {
            Table::Srat(t) => Body::Srat(srat_summary(t)),
            Table::Slit(t) => Body::Slit(slit_summary(t)),
            Table::Hmat(t) => Body::Hmat(hmat_summary(t)),
        },
        warnings: warnings_with(table, &state),
    }
}

impl TableSummary {
    /// The human report, ending with a newline.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let checksum = match self.checksum.expected {
            Some(_) if self.checksum.ok => "checksum ok".to_string(),
            Some(e) => format!(
                "checksum BAD (found {:#04x}, expected {e:#04x})",
                self.checksum.found
            ),
            None => "checksum unknown".to_string(),
        };
        let _ = writeln!(
            out,
            "{} rev {}, {} bytes, OEM {} {}, {checksum}\n  OEM revision {:#x}, creator {} revision {:#x}",
            self.signature,
            self.revision,
            self.length,
            quoted(&self.oem_id),
            quoted(&self.oem_table_id),
            self.oem_revision,
            quoted(&self.creator_id),
            self.creator_revision,
        );
        match &self.body {
            Body::Srat(s) => s.text(&mut out),
            Body::Slit(s) => s.text(&mut out),
            Body::Hmat(s) => s.text(self.revision, &mut out),
        }
        if !self.warnings.is_empty() {
            out.push_str("warnings:\n");
            for w in &self.warnings {
                let _ = writeln!(out, "  - {w}");
            }
        }
        out
    }
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
/// should carry and its length.
struct ChecksumState {
    expected: Option<u8>,
    found: u8,
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

/// Bytes as text with non-printable bytes escaped, unquoted.
fn ascii(bytes: &[u8]) -> String {
    let quoted = Sig(bytes).to_string();
    quoted
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(&quoted)
        .to_string()
}

/// [`ascii`] text in quotes, as [`Sig`] shows it.
fn quoted(ascii: &str) -> String {
    format!("\"{ascii}\"")
}

fn hex_bytes(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acpi::Header;
    use crate::acpi::slit::Slit;
    use crate::acpi::srat::{
        self, DeviceHandle, GenericAffinity, LocalApicAffinity, MemoryAffinity, Srat, SratEntry,
    };
    use serde_json::json;

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
