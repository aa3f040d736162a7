//! `topoc import`: a topology file from the machine one has, a second stage
//! pair beside the compiler's:
//!
//! ```text
//! table bytes, host files, guest dump ─ decode ─▶ View ─ describe ─▶ Desc ─ fit ─▶ Desc ─ render ─▶ TOML text
//! ```
//!
//! - A [`View`] is what the sources hold, decoded but not interpreted: the
//!   SRAT, SLIT and HMAT bytes, and what sysfs and `/proc/iomem` show. The
//!   CLI fills it from table files, from the host ([`host`]: the files the
//!   CLI read under a root directory, as [`host::Snapshot`]) or from a guest
//!   dump ([`dump`]).
//! - [`describe`] interprets it through the Linux model of `crate::linux`
//!   (node numbering, the SLIT and HMAT as Linux reads them, `hmat_normalize`)
//!   into a [`desc::Desc`]: nodes, memory, devices, distances and HMAT entries
//!   in the input language's terms, each value with where it came from. Tables
//!   win over sysfs ([`tables`]); without an SRAT, sysfs describes the nodes
//!   ([`sysfs`]).
//! - [`fit::apply`] fits it to a VM: memory scaled, a subset of nodes or CPUs
//!   kept, devices passed through or stood in for, distances and HMAT values
//!   untouched.
//! - [`render::toml`] writes it as TOML text with the input language's key
//!   names and a comment on every value.
//!
//! Nothing here reads a file: `cli` reads them and hands over bytes. Bad input
//! is a diagnostic (codes T160-T173) that names the file and the byte offset
//! or line, never a panic and never a smaller machine without a word: what
//! the import leaves out or stands in for is a warning and a note in the
//! file.

pub mod desc;
pub mod dump;
pub mod fit;
pub mod host;
pub mod render;
pub mod sysfs;
pub mod tables;

use crate::acpi::{self, ChecksumPolicy, DecodeError, Hmat, Slit, Srat};
use crate::diag::{Code, Diagnostic, codes};
use crate::guest::dump::{DaxDevice, NodeInfo, NodeLists, PciDevice};
use crate::source::Span;
use std::collections::BTreeMap;

/// The bytes of one table file, and how to name it.
#[derive(Clone, Debug)]
pub struct TableFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A decoded table and the file it came from.
#[derive(Clone, Debug)]
pub struct Named<T> {
    pub name: String,
    pub table: T,
}

/// Where sysfs facts came from, to name them in comments and diagnostics.
#[derive(Clone, Debug)]
pub enum SysOrigin {
    /// Files under a root directory (`/` for the host).
    Host { root: String },
    /// A guest dump's sections.
    Dump { name: String },
}

impl SysOrigin {
    /// How to name a file (relative to the root, without a leading `/`).
    pub fn file(&self, rel: &str) -> String {
        match self {
            SysOrigin::Host { root } => host::join(root, rel),
            SysOrigin::Dump { name } => format!("{name}, {rel}"),
        }
    }
}

/// What sysfs and `/proc/iomem` showed.
#[derive(Clone, Debug)]
pub struct Sysfs {
    pub origin: SysOrigin,
    pub lists: NodeLists,
    /// Per node directory, by node number.
    pub nodes: BTreeMap<u32, NodeInfo>,
    /// Bytes of memory blocks per node (`nodeN/memoryM` links times
    /// `memory/block_size_bytes`), when the host shows them.
    pub blocks: BTreeMap<u32, u64>,
    pub dax: Vec<DaxDevice>,
    /// `Soft Reserved` ranges of `/proc/iomem`, `[start, end]` inclusive,
    /// when its addresses were readable.
    pub soft_reserved: Vec<(u64, u64)>,
    pub pci: Vec<PciDevice>,
}

/// What the sources hold, decoded as bytes and text but not interpreted.
#[derive(Clone, Debug, Default)]
pub struct View {
    /// What was imported, for `machine.description`: "host /", "tables".
    pub origin: String,
    pub srat: Option<TableFile>,
    pub slit: Option<TableFile>,
    pub hmat: Option<TableFile>,
    pub sysfs: Option<Sysfs>,
    /// Sources that were absent or unreadable, one line each.
    pub unseen: Vec<String>,
}

/// The import: the TOML text (when the sources gave a machine) and every
/// diagnostic, errors first to last in the order found.
#[derive(Debug)]
pub struct Outcome {
    pub toml: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Describes, fits and renders `view`. With an error among the
/// diagnostics there is no text: an input that is wrong gives no file.
pub fn import(view: &View, name: Option<&str>, fit: &fit::Fit) -> Outcome {
    let mut diags = Vec::new();
    let desc = describe(view, name, &mut diags);
    let toml = match desc {
        Some(mut d) if !diags.iter().any(Diagnostic::is_error) => {
            fit::apply(&mut d, fit, &mut diags);
            (!diags.iter().any(Diagnostic::is_error)).then(|| render::toml(&d))
        }
        _ => None,
    };
    Outcome {
        toml,
        diagnostics: diags,
    }
}

/// The machine `view` describes, or `None` (with an error) when it
/// describes none.
pub fn describe(view: &View, name: Option<&str>, out: &mut Vec<Diagnostic>) -> Option<desc::Desc> {
    let srat = view
        .srat
        .as_ref()
        .and_then(|f| decode(f, *b"SRAT", Srat::decode_with, out));
    let slit = view
        .slit
        .as_ref()
        .and_then(|f| decode(f, *b"SLIT", Slit::decode_with, out));
    let hmat = view
        .hmat
        .as_ref()
        .and_then(|f| decode(f, *b"HMAT", Hmat::decode_with, out));
    if out.iter().any(Diagnostic::is_error) {
        return None;
    }
    let mut d = if srat.is_some() || (view.sysfs.is_none() && (slit.is_some() || hmat.is_some())) {
        let (mut d, placement) =
            tables::describe_placed(srat.as_ref(), slit.as_ref(), hmat.as_ref(), out)?;
        if let Some(s) = &view.sysfs {
            sysfs::enrich(&mut d, s, &placement, out);
        }
        d
    } else if let Some(s) = &view.sysfs {
        if slit.is_some() || hmat.is_some() {
            out.push(warning(
                &codes::T165,
                "without an SRAT the SLIT and HMAT cannot be placed on nodes; sysfs describes the machine instead",
            ));
        }
        sysfs::describe(s, out)?
    } else {
        let why = if view.unseen.is_empty() {
            String::new()
        } else {
            format!(": {}", view.unseen.join("; "))
        };
        out.push(error(
            &codes::T172,
            format!("{} gives no NUMA node to import{why}", view.origin),
        ));
        return None;
    };
    d.name = name.map_or_else(|| "imported".to_string(), str::to_string);
    // A file name may hold anything; the description is free text, which
    // takes no control character (T180).
    d.description = format!("imported from {}", crate::text::escaped(&view.origin));
    d.unseen.extend(view.unseen.iter().cloned());
    if d.nodes.is_empty() {
        out.push(error(
            &codes::T172,
            format!("{} describes no NUMA node", view.origin),
        ));
        return None;
    }
    Some(d)
}

/// Decodes one table file as table `sig`: a wrong checksum is a warning
/// (Linux only warns), anything else malformed an error naming the byte.
fn decode<T>(
    f: &TableFile,
    sig: [u8; 4],
    with: fn(&[u8], ChecksumPolicy) -> Result<T, DecodeError>,
    out: &mut Vec<Diagnostic>,
) -> Option<Named<T>> {
    let sig_s = String::from_utf8_lossy(&sig).into_owned();
    match with(&f.bytes, ChecksumPolicy::Verify) {
        Ok(table) => Some(Named {
            name: f.name.clone(),
            table,
        }),
        Err(DecodeError::BadChecksum {
            expected, found, ..
        }) => {
            out.push(
                warning(
                    &codes::T161,
                    format!(
                        "{}: byte 9: the {sig_s} checksum is {found:#04x}, expected {expected:#04x}; imported anyway, as Linux uses it",
                        f.name
                    ),
                )
                .help("nothing to do for the import; the VM gets a table with a correct checksum"),
            );
            with(&f.bytes, ChecksumPolicy::Ignore)
                .ok()
                .map(|table| Named {
                    name: f.name.clone(),
                    table,
                })
        }
        Err(e @ (DecodeError::WrongSignature { .. } | DecodeError::UnknownSignature { .. })) => {
            let found = acpi::decode_any_with(&f.bytes, ChecksumPolicy::Ignore)
                .map(|t| String::from_utf8_lossy(&t.header().signature).into_owned())
                .ok();
            let mut d = error(&codes::T162, format!("{}: {e}", f.name));
            if let Some(other) = found {
                d = d.help(format!(
                    "this is the {other}: give it as --{}",
                    other.to_lowercase()
                ));
            }
            out.push(d);
            None
        }
        Err(e) => {
            out.push(
                error(&codes::T160, format!("{}: {e}", f.name))
                    .help(format!("give the {sig_s} as the firmware has it, e.g. a copy of /sys/firmware/acpi/tables/{sig_s} (as root)")),
            );
            None
        }
    }
}

/// A diagnostic about an input file: it has no place in a TOML source, so
/// its span is detached and its message names the file and the offset.
pub(crate) fn error(code: &'static Code, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::new(code, msg, Span::DETACHED, "")
}

pub(crate) fn warning(code: &'static Code, msg: impl Into<String>) -> Diagnostic {
    Diagnostic::new(code, msg, Span::DETACHED, "")
}
