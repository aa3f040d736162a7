//! Where the test data lives: the bundled examples, the reference data in
//! `tests/data/` (copied from elsewhere; each folder's `PROVENANCE.md` says
//! from where) and which ACPI tables it holds, for the integration tests
//! that read them (`#[path]`-included, like the other helpers here).
//!
//! Each test binary uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `tests/data/`: QEMU's expected tables, real firmware tables and the
/// guest-boot tables, inside the repository so a clone tests on its own.
pub fn reference_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// The files directly in `dir` whose names satisfy `keep`, sorted. Panics
/// if `dir` cannot be read or holds no such file, so a moved fixture folder
/// fails loudly instead of testing nothing.
pub fn files_in(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read fixture folder {}: {e}", dir.display()));
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&keep))
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no matching fixtures in {}", dir.display());
    out
}

/// The bundled examples' names (`examples/<name>.toml`), sorted. Panics if
/// there are none, so that a moved folder cannot make a test pass vacuously.
pub fn bundled_examples() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    files_in(&dir, |name| name.ends_with(".toml"))
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect()
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Whether the file name starts with one of the three table signatures
/// (either case: the guest-boot overrides are `srat.aml` and so on).
pub fn is_numa_table(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["SRAT", "SLIT", "HMAT"]
        .iter()
        .any(|s| upper.starts_with(s))
}

/// Every SRAT/SLIT/HMAT binary in the reference data: the QEMU
/// expected tables, the real firmware tables and the guest-boot tables.
pub fn all_table_files() -> Vec<PathBuf> {
    let root = reference_dir();
    let mut out = Vec::new();
    for machine in ["pc", "q35"] {
        out.extend(files_in(
            &root.join("qemu-acpi").join(machine),
            is_numa_table,
        ));
    }
    let binary = |n: &str| is_numa_table(n) && (n.ends_with(".dat") || n.ends_with(".aml"));
    let real = root.join("real-tables");
    let mut boards: Vec<PathBuf> = std::fs::read_dir(&real)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", real.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    boards.sort();
    for board in boards {
        let has_tables = std::fs::read_dir(&board)
            .map(|it| {
                it.filter_map(|e| e.ok()).any(|e| {
                    e.file_name()
                        .to_str()
                        .is_some_and(|n| binary(n) && n.ends_with(".dat"))
                })
            })
            .unwrap_or(false);
        if has_tables {
            out.extend(files_in(&board, |n| binary(n) && n.ends_with(".dat")));
        }
    }
    let boot = root.join("guest-boot-logs");
    out.extend(files_in(&boot.join("a-tables"), |n| {
        binary(n) && n.ends_with(".dat")
    }));
    for sub in ["tables", "guest-tables"] {
        out.extend(files_in(&boot.join("b-gi-override").join(sub), binary));
    }
    out
}

/// A path relative to the reference folder, for messages.
pub fn short(path: &Path) -> String {
    let root = reference_dir();
    path.strip_prefix(&root)
        .unwrap_or(path)
        .display()
        .to_string()
}
