//! The SLIT's part of a [`super::TableSummary`]: the distance matrix.

use std::fmt::Write as _;

use serde::Serialize;

use super::hex_bytes;
use crate::acpi::slit::Slit;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SlitSummary {
    pub localities: u64,
    /// The distances, one row per locality.
    pub matrix: Vec<Vec<u8>>,
    /// Bytes after the matrix that the Length field covers.
    pub trailing_bytes: usize,
    /// The first 16 of them, in hex (text only).
    #[serde(skip)]
    pub trailing_shown: String,
}

fn slit_rows(t: &Slit) -> Vec<&[u8]> {
    let n = usize::try_from(t.localities).unwrap_or(0);
    if n == 0 {
        return Vec::new();
    }
    t.matrix.chunks(n).collect()
}

pub(super) fn slit_summary(t: &Slit) -> SlitSummary {
    SlitSummary {
        localities: t.localities,
        matrix: slit_rows(t).iter().map(|r| r.to_vec()).collect(),
        trailing_bytes: t.trailing.len(),
        trailing_shown: hex_bytes(&t.trailing[..t.trailing.len().min(16)]),
    }
}

impl SlitSummary {
    pub(super) fn text(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "  {} localit{}",
            self.localities,
            if self.localities == 1 { "y" } else { "ies" }
        );
        let rows = &self.matrix;
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
            for v in row {
                let _ = write!(out, " {v:>label_w$}");
            }
            out.push('\n');
        }
        if self.trailing_bytes > 0 {
            let _ = writeln!(
                out,
                "  {} trailing bytes after the matrix: {}{}",
                self.trailing_bytes,
                self.trailing_shown,
                if self.trailing_bytes > 16 { " ..." } else { "" }
            );
        }
    }
}

pub(super) fn slit_warnings(t: &Slit, out: &mut Vec<String>) {
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
