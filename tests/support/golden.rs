//! The one golden mechanism: what a test produced must equal the committed
//! file, byte for byte. With `UPDATE_GOLDEN` set (`UPDATE_GOLDEN=1 cargo
//! test …`) the committed file is rewritten first, so the comparison passes
//! and `git diff` shows what changed; review it, every changed byte must be
//! explainable. A mismatch is reported with a line diff (text) or the first
//! differing bytes (binary).
//!
//! Paths are taken relative to the repository unless absolute. Errors are
//! `String`s, which a `libtest-mimic` trial turns into a failure with `?`
//! and a `#[test]` hands to `panic!`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::data;

/// Whether this run rewrites the goldens.
pub fn updating() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some()
}

fn shown(path: &Path) -> String {
    path.strip_prefix(data::root())
        .unwrap_or(path)
        .display()
        .to_string()
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, bytes).map_err(|e| format!("write {}: {e}", path.display()))
}

/// `actual` must equal the file at `path`.
pub fn check(path: impl AsRef<Path>, actual: impl AsRef<[u8]>) -> Result<(), String> {
    let path = data::root().join(path);
    let actual = actual.as_ref();
    if updating() {
        write(&path, actual)?;
    }
    let expected = std::fs::read(&path).map_err(|e| {
        format!(
            "missing golden {} ({e}); run with UPDATE_GOLDEN=1 to write it",
            shown(&path)
        )
    })?;
    if expected == actual {
        return Ok(());
    }
    Err(format!(
        "{} differs from what the test produced (- committed, + now; \
         UPDATE_GOLDEN=1 rewrites it):\n{}",
        shown(&path),
        diff(&expected, actual)
    ))
}

/// Every `(path, bytes)` must equal its file; reports all that differ.
pub fn check_all(files: &[(PathBuf, Vec<u8>)]) -> Result<(), String> {
    let stale: Vec<String> = files
        .iter()
        .filter_map(|(p, b)| check(p, b).err())
        .collect();
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} golden file(s) stale:\n\n{}",
            stale.len(),
            stale.join("\n\n")
        ))
    }
}

/// The regular files directly in `dir` must be exactly `files` (name,
/// bytes): none missing, none extra, each equal. With `UPDATE_GOLDEN` the
/// folder is made so: extra files are removed. Subfolders are left alone
/// (they hold other goldens).
pub fn check_dir(dir: impl AsRef<Path>, files: &[(String, Vec<u8>)]) -> Result<(), String> {
    let dir = data::root().join(dir);
    let mut wanted: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    wanted.sort_unstable();
    if updating() {
        std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
        for old in files_in(&dir)? {
            if !wanted.contains(&old.as_str()) {
                std::fs::remove_file(dir.join(&old))
                    .map_err(|e| format!("remove {}: {e}", dir.join(&old).display()))?;
            }
        }
    }
    let mut problems = Vec::new();
    let present = files_in(&dir).map_err(|e| format!("{e}; run with UPDATE_GOLDEN=1"))?;
    let extra: Vec<&String> = present
        .iter()
        .filter(|p| !wanted.contains(&p.as_str()))
        .collect();
    if !extra.is_empty() {
        problems.push(format!(
            "{} holds files the test no longer produces: {extra:?}",
            shown(&dir)
        ));
    }
    let paths: Vec<(PathBuf, Vec<u8>)> = files
        .iter()
        .map(|(n, b)| (dir.join(n), b.clone()))
        .collect();
    if let Err(e) = check_all(&paths) {
        problems.push(e);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n\n"))
    }
}

/// The names of the regular files directly in `dir`, sorted.
fn files_in(dir: &Path) -> Result<Vec<String>, String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", shown(dir)))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

// ------------------------------------------------------------------ diffs

/// Lines of context around each change, and the most lines a diff shows.
const CONTEXT: usize = 3;
const MAX_LINES: usize = 120;
/// Above this many cells (lines × lines, after the common ends are cut)
/// the diff shows the two differing middles instead of aligning them.
const MAX_CELLS: usize = 4_000_000;

/// A readable difference between `expected` and `actual`.
pub fn diff(expected: &[u8], actual: &[u8]) -> String {
    match (std::str::from_utf8(expected), std::str::from_utf8(actual)) {
        (Ok(a), Ok(b)) => text_diff(a, b),
        _ => binary_diff(expected, actual),
    }
}

fn binary_diff(a: &[u8], b: &[u8]) -> String {
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = at - at % 16;
    let hex = |bytes: &[u8]| {
        let end = (from + 32).min(bytes.len());
        bytes
            .get(from..end)
            .unwrap_or_default()
            .iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "binary: {} bytes committed, {} now; first difference at byte {at} (0x{at:x})\n\
         - {from:#06x}: {}\n+ {from:#06x}: {}",
        a.len(),
        b.len(),
        hex(a),
        hex(b)
    )
}

/// One line of an edit script.
#[derive(Clone, Copy, PartialEq)]
enum Op {
    Same,
    Del,
    Add,
}

fn text_diff(a: &str, b: &str) -> String {
    let a: Vec<&str> = a.split_inclusive('\n').collect();
    let b: Vec<&str> = b.split_inclusive('\n').collect();
    let head = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut script: Vec<(Op, &str)> = a[..head].iter().map(|l| (Op::Same, *l)).collect();
    if ma.len().saturating_mul(mb.len()) <= MAX_CELLS {
        script.extend(align(ma, mb));
    } else {
        script.extend(ma.iter().map(|l| (Op::Del, *l)));
        script.extend(mb.iter().map(|l| (Op::Add, *l)));
    }
    script.extend(a[a.len() - tail..].iter().map(|l| (Op::Same, *l)));
    render(&script)
}

/// A shortest edit script by longest common subsequence.
fn align<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<(Op, &'a str)> {
    let w = b.len() + 1;
    // lcs[i * w + j]: the LCS length of a[i..] and b[j..].
    let mut lcs = vec![0u32; (a.len() + 1) * w];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i * w + j] = if a[i] == b[j] {
                lcs[(i + 1) * w + j + 1] + 1
            } else {
                lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len() + b.len());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push((Op::Same, a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
            // Deletions before additions, as diff(1) shows them.
            out.push((Op::Del, a[i]));
            i += 1;
        } else {
            out.push((Op::Add, b[j]));
            j += 1;
        }
    }
    out
}

/// Hunks with line numbers (of the committed file) and a little context.
fn render(script: &[(Op, &str)]) -> String {
    let changed: Vec<usize> = (0..script.len())
        .filter(|&k| script[k].0 != Op::Same)
        .collect();
    if changed.is_empty() {
        // Same lines, so the bytes differ only where lines are cut.
        return "(the texts differ only in their last line's ending)".to_string();
    }
    let mut keep = vec![false; script.len()];
    for &k in &changed {
        let lo = k.saturating_sub(CONTEXT);
        let hi = (k + CONTEXT + 1).min(script.len());
        keep[lo..hi].iter_mut().for_each(|x| *x = true);
    }
    let mut out = String::new();
    let mut shown = 0;
    let mut line = 1; // line number in the committed file
    let mut in_hunk = false;
    for (k, &(op, text)) in script.iter().enumerate() {
        if keep[k] {
            if !in_hunk {
                let _ = writeln!(out, "@@ line {line} @@");
                in_hunk = true;
            }
            if shown == MAX_LINES {
                let rest = changed.iter().filter(|&&c| c >= k).count();
                let _ = writeln!(out, "… and {rest} more changed lines");
                return out;
            }
            let mark = match op {
                Op::Same => ' ',
                Op::Del => '-',
                Op::Add => '+',
            };
            let body = text.strip_suffix('\n');
            let _ = match body {
                Some(b) => writeln!(out, "{mark} {b}"),
                None => writeln!(out, "{mark} {text}⏎ (no newline at the end)"),
            };
            shown += 1;
        } else {
            in_hunk = false;
        }
        if op != Op::Add {
            line += 1;
        }
    }
    out
}
