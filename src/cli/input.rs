//! Reading what commands are given: a path, or `-` for standard input,
//! wherever a command takes a file.

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

/// The bytes of a file, or of standard input for `-` (which can be read
/// only once per run).
pub fn read(p: &Path) -> Result<Vec<u8>, String> {
    static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);
    if !is_stdin(p) {
        return std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.shown()));
    }
    if STDIN_TAKEN.swap(true, Ordering::Relaxed) {
        return Err("standard input (`-`) can be read only once".to_string());
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read standard input: {e}"))?;
    Ok(bytes)
}

/// What `inspect` reads: files, `-`, and directories such as a copy of
/// `/sys/firmware/acpi/tables`, whose files are read in name order.
/// A file named on the command line must be something `inspect` reads; in
/// a directory, what is not recognised is skipped. I/O errors are `Err`.
pub fn inspect_items(paths: &[std::path::PathBuf]) -> Result<Vec<crate::inspect::Item>, String> {
    use crate::inspect::{What, classify};
    let mut out = Vec::new();
    for p in paths {
        if !is_stdin(p) && p.is_dir() {
            let mut names: Vec<std::path::PathBuf> = std::fs::read_dir(p)
                .map_err(|e| format!("cannot read {}: {e}", p.shown()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.is_file())
                .collect();
            names.sort();
            for f in names {
                out.extend(classify(&f.to_string_lossy(), &read(&f)?));
            }
        } else {
            let bytes = read(p)?;
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
