//! The raw ACPI tables, byte for byte, and the initrd table upgrade that
//! puts topoc's own tables in the guest.

use super::{Ctx, Outcome, Run, Spec, field, lines_or_none};
use crate::acpi::{self, ChecksumPolicy, HEADER_LEN, Header, Table};

pub(super) const UPGRADE: Spec = Spec {
    name: "acpi.table-upgrade",
    title: "the guest replaced QEMU's tables with topoc's (initrd ACPI table upgrade)",
    compares: "`ACPI: Table Upgrade: override [SIG-…]` lines",
    how: "present for each of topoc's tables, when verifying with an OEM revision above 1",
    prerequisites: &[],
    explains: None,
    run: Run::Once(upgrade),
};

macro_rules! table_spec {
    ($sig:literal) => {
        Spec {
            name: concat!("acpi.", $sig),
            title: concat!("raw ", $sig, ", byte for byte, against topoc's"),
            compares: concat!("`/sys/firmware/acpi/tables/", $sig, "`"),
            how: concat!(
                "byte for byte against the ",
                $sig,
                " `topoc build` writes; a difference is described by header field and by \
                 structure"
            ),
            prerequisites: &[],
            explains: None,
            run: Run::Once(|cx| table(cx, $sig)),
        }
    };
}

pub(super) const SRAT: Spec = table_spec!("SRAT");
pub(super) const SLIT: Spec = table_spec!("SLIT");
pub(super) const HMAT: Spec = table_spec!("HMAT");

fn upgrade(cx: &Ctx) -> Outcome {
    let rev = cx.p.acpi_oem_revision;
    if rev <= 1 {
        return Outcome::skip();
    }
    let mut diffs = Vec::new();
    let mut seen = Vec::new();
    for sig in cx.p.tables.keys() {
        let needle = format!("Table Upgrade: override [{sig}-");
        match cx.d.dmesg.iter().find(|l| l.contains(&needle)) {
            Some(l) => seen.push(l.clone()),
            None => diffs.push(format!("no `{needle}...` line")),
        }
    }
    Outcome::compared(
        cx.p.tables
            .keys()
            .map(|s| format!("Table Upgrade: override [{s}-BOCHS -BXPC    ]"))
            .collect::<Vec<_>>()
            .join("\n"),
        lines_or_none(&seen),
        diffs,
        format!(
            "the tables were not first in the initrd as an uncompressed cpio under \
             kernel/firmware/acpi/, their OEM ID/table ID differ from the firmware's, or their \
             OEM revision ({rev}) is not above the firmware's (QEMU: 1); the kernel needs \
             CONFIG_ACPI_TABLE_UPGRADE"
        ),
    )
}

fn table(cx: &Ctx, sig: &str) -> Outcome {
    match (cx.p.tables.get(sig), cx.d.acpi_table(sig)) {
        (None, None) => Outcome::skip(),
        (Some(_), None) => {
            let why = cx
                .note_about(&format!("tables/{sig}"))
                .unwrap_or_else(|| format!("the dump has no {sig}"));
            if why.contains("unreadable") {
                return Outcome::not_applicable(why);
            }
            Outcome::compared(
                format!("topoc's {sig}"),
                "(absent)",
                vec![why],
                format!(
                    "the VM has no {sig}: started without the NUMA options (or hmat=on for HMAT)"
                ),
            )
        }
        (None, Some(b)) => Outcome::compared(
            format!("no {sig}"),
            format!("{} bytes", b.len()),
            vec![format!("the guest has a {sig} topoc did not predict")],
            "the VM was started with options topoc did not emit",
        ),
        (Some(e), Some(s)) => {
            let (he, hs) = (Header::decode(e).ok(), Header::decode(s).ok());
            let summary = |b: &[u8], h: &Option<Header>| {
                format!(
                    "{} bytes, checksum {:#04x}",
                    b.len(),
                    h.as_ref().map_or(0, |h| h.checksum)
                )
            };
            let rev_e = he.as_ref().map(|h| h.oem_revision);
            let rev_s = hs.as_ref().map(|h| h.oem_revision);
            let cause = if rev_e != rev_s {
                format!(
                    "the OEM revisions differ ({} expected, {} seen): the guest {} QEMU's table \
                     through the initrd table upgrade; verify with --acpi-oem-revision matching \
                     the tables the guest booted with",
                    rev_e.unwrap_or(0),
                    rev_s.unwrap_or(0),
                    if rev_s > rev_e { "replaced" } else { "kept" }
                )
            } else {
                format!(
                    "topoc's {sig} emitter (src/emit/acpi/{}.rs) disagrees with the VM's table, \
                     or the VM ran with other NUMA options than qemu.args",
                    sig.to_ascii_lowercase()
                )
            };
            Outcome::compared(
                summary(e, &he),
                summary(s, &hs),
                table_diffs(e, s, he.as_ref(), hs.as_ref()),
                cause,
            )
        }
    }
}

/// Where two tables differ: header fields by name, then structures.
fn table_diffs(e: &[u8], s: &[u8], he: Option<&Header>, hs: Option<&Header>) -> Vec<String> {
    if e == s {
        return Vec::new();
    }
    let mut d = Vec::new();
    match (he, hs) {
        (Some(a), Some(b)) => d.extend(header_diffs(a, b)),
        _ => {
            for (what, h, b) in [("expected", he, e), ("seen", hs, s)] {
                if h.is_none() {
                    d.push(format!(
                        "header: the {what} table has {} bytes, fewer than the {HEADER_LEN} of \
                         its header",
                        b.len()
                    ));
                }
            }
        }
    }
    let body_e = e.get(HEADER_LEN..).unwrap_or_default();
    let body_s = s.get(HEADER_LEN..).unwrap_or_default();
    if body_e == body_s {
        return d;
    }
    let first = body_e
        .iter()
        .zip(body_s)
        .position(|(a, b)| a != b)
        .unwrap_or(body_e.len().min(body_s.len()));
    let eight = |b: &[u8]| hex_bytes(b.get(first..(first + 8).min(b.len())).unwrap_or_default());
    d.push(format!(
        "body differs from byte {} (expected {}, seen {})",
        HEADER_LEN + first,
        eight(body_e),
        eight(body_s)
    ));
    // A structural summary helps more than offsets.
    let (Ok(a), Ok(b)) = (
        acpi::decode_any_with(e, ChecksumPolicy::Ignore),
        acpi::decode_any_with(s, ChecksumPolicy::Ignore),
    ) else {
        return d;
    };
    match (a, b) {
        (Table::Srat(a), Table::Srat(b)) => structures(&a.entries, &b.entries, &mut d),
        (Table::Hmat(a), Table::Hmat(b)) => structures(&a.structures, &b.structures, &mut d),
        (Table::Slit(a), Table::Slit(b)) => {
            if let Some(l) = field("localities", a.localities, b.localities, u64::to_string) {
                d.push(l);
            } else {
                let n = a.localities;
                for i in 0..n {
                    for j in 0..n {
                        d.extend(field(
                            format!("distance PXM {i} → {j}"),
                            a.distance(i, j),
                            b.distance(i, j),
                            |v| v.unwrap_or(0).to_string(),
                        ));
                    }
                }
            }
        }
        _ => d.push("different table types".into()),
    }
    d
}

/// Header fields by name, each shown as its bytes.
fn header_diffs(a: &Header, b: &Header) -> Vec<String> {
    let fields: [(&str, Vec<u8>, Vec<u8>); 8] = [
        (
            "length",
            a.length.to_le_bytes().to_vec(),
            b.length.to_le_bytes().to_vec(),
        ),
        ("revision", vec![a.revision], vec![b.revision]),
        ("checksum", vec![a.checksum], vec![b.checksum]),
        ("OEM ID", a.oem_id.to_vec(), b.oem_id.to_vec()),
        (
            "OEM table ID",
            a.oem_table_id.to_vec(),
            b.oem_table_id.to_vec(),
        ),
        (
            "OEM revision",
            a.oem_revision.to_le_bytes().to_vec(),
            b.oem_revision.to_le_bytes().to_vec(),
        ),
        ("creator ID", a.creator_id.to_vec(), b.creator_id.to_vec()),
        (
            "creator revision",
            a.creator_revision.to_le_bytes().to_vec(),
            b.creator_revision.to_le_bytes().to_vec(),
        ),
    ];
    fields
        .into_iter()
        .filter_map(|(name, x, y)| field(format!("header {name}"), x, y, |v| hex_bytes(v)))
        .collect()
}

/// Structure by structure, in table order.
fn structures<T: PartialEq + std::fmt::Debug>(a: &[T], b: &[T], d: &mut Vec<String>) {
    for i in 0..a.len().max(b.len()) {
        d.extend(field(format!("structure {i}"), a.get(i), b.get(i), |x| {
            x.map_or("nothing".into(), |x| format!("{x:?}"))
        }));
    }
}

fn hex_bytes(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
