//! Reading what commands are given: a path, or `-` for standard input,
//! wherever a command takes a file, each bounded in size.

use crate::text::ShowPath;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// The name standard input goes by in reports.
pub const STDIN_NAME: &str = "<stdin>";

pub fn is_stdin(p: &Path) -> bool {
    p.as_os_str() == "-"
}

/// A path's name as given (`<stdin>` for `-`): what a JSON report calls
/// the file, and what a text report shows [`crate::text::escaped`].
pub fn name(p: &Path) -> String {
    if is_stdin(p) {
        STDIN_NAME.to_string()
    } else {
        p.to_string_lossy().into_owned()
    }
}

/// [`name`] as a message shows it: escaped, so that a line feed in a file
/// name cannot start a line topoc did not write.
pub fn shown_name(p: &Path) -> String {
    if is_stdin(p) {
        STDIN_NAME.to_string()
    } else {
        p.shown()
    }
}

/// The most bytes topoc reads from one input: a table, a guest dump, one
/// file of a directory or of `import --host`, or standard input. Far above
/// any real one (a guest dump of a large guest is a few MiB, an HMAT of
/// 1,024 nodes 12 MiB); a bigger input is a usage error, found before it is
/// all read.
pub const MAX_INPUT_BYTES: u64 = 64 << 20;

/// The most bytes of one topology file. The TOML parser holds up to about
/// 90 times the text (measured: 11.7 MB of `[[node]]` headers took 1.06 GB),
/// so this bounds a check at well under a gigabyte; a generated 1,024-node
/// machine is 240 KiB, and an import of a 256-node host with its whole SLIT
/// about 2.5 MiB.
pub const MAX_TOPOLOGY_BYTES: u64 = 8 << 20;

/// The most bytes the files of one directory read together: an `inspect`
/// of a directory (each of its files is bounded too), or `import --host`.
pub const MAX_TOTAL_BYTES: u64 = 256 << 20;

/// What a set of inputs read together may still read.
pub struct Budget {
    left: u64,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            left: MAX_TOTAL_BYTES,
        }
    }
}

/// "64 MiB".
fn mib(n: u64) -> String {
    format!("{} MiB", n >> 20)
}

/// Reads at most [`MAX_INPUT_BYTES`] from `r`, counted against `budget`;
/// `name` names the input in the error.
pub fn read_bounded(r: impl Read, name: &str, budget: &mut Budget) -> Result<Vec<u8>, String> {
    read_limited(r, name, MAX_INPUT_BYTES, budget)
}

fn read_limited(
    mut r: impl Read,
    name: &str,
    limit: u64,
    budget: &mut Budget,
) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    (&mut r)
        .take(limit.min(budget.left) + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    let n = bytes.len() as u64;
    if n > limit {
        return Err(too_large(name, limit));
    }
    if n > budget.left {
        return Err(format!(
            "cannot read {name}: the files read together may hold at most {}",
            mib(MAX_TOTAL_BYTES)
        ));
    }
    budget.left -= n;
    Ok(bytes)
}

fn too_large(name: &str, limit: u64) -> String {
    let what = if limit == MAX_TOPOLOGY_BYTES {
        "topology file"
    } else {
        "input"
    };
    format!(
        "{name} is larger than {}, the most topoc reads from one {what}",
        mib(limit)
    )
}

/// The bytes of a file, or of standard input for `-` (which can be read
/// only once per run), at most [`MAX_INPUT_BYTES`].
pub fn read(p: &Path) -> Result<Vec<u8>, String> {
    read_in(p, MAX_INPUT_BYTES, &mut Budget::default())
}

/// A topology file (or `-`), at most [`MAX_TOPOLOGY_BYTES`].
pub fn read_topology(p: &Path) -> Result<Vec<u8>, String> {
    read_in(p, MAX_TOPOLOGY_BYTES, &mut Budget::default())
}

/// Reads a path of at most `limit` bytes, counted against `budget`.
fn read_in(p: &Path, limit: u64, budget: &mut Budget) -> Result<Vec<u8>, String> {
    static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);
    if !is_stdin(p) {
        let shown = p.shown().to_string();
        let f = std::fs::File::open(p).map_err(|e| format!("cannot read {shown}: {e}"))?;
        // A regular file says its size: refuse it before reading. Devices,
        // pipes and /proc files are read up to the limit.
        if let Ok(m) = f.metadata() {
            if m.is_file() && m.len() > limit {
                return Err(too_large(&shown, limit));
            }
        }
        return read_limited(f, &shown, limit, budget);
    }
    if STDIN_TAKEN.swap(true, Ordering::Relaxed) {
        return Err("standard input (`-`) can be read only once".to_string());
    }
    read_limited(std::io::stdin().lock(), "standard input", limit, budget)
}

/// What `inspect` reads: files, `-`, and directories such as a copy of
/// `/sys/firmware/acpi/tables`, whose files are read in name order.
/// A file named on the command line must be something `inspect` reads; in
/// a directory, what is not recognised is skipped. I/O errors are `Err`.
pub fn inspect_items(paths: &[std::path::PathBuf]) -> Result<Vec<crate::inspect::Item>, String> {
    use crate::inspect::{What, classify};
    let mut out = Vec::new();
    let mut budget = Budget::default();
    for p in paths {
        if !is_stdin(p) && p.is_dir() {
            let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("cannot read {}: {e}", p.shown()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file())
                .collect();
            names.sort();
            for f in names {
                out.extend(classify(
                    &f.to_string_lossy(),
                    &read_in(&f, MAX_INPUT_BYTES, &mut budget)?,
                ));
            }
        } else {
            let bytes = read_in(p, MAX_INPUT_BYTES, &mut budget)?;
            out.extend(classify(&name(p), &bytes).into_iter().map(|mut i| {
                if let What::Skipped { reason } = i.what {
                    i.what = What::Invalid { error: reason };
                }
                i
            }));
        }
    }
    Ok(out)
}
