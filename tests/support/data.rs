//! Where the test data lives: the repository, the bundled examples, and the
//! tables made by others that `tests/data/` holds (each folder's
//! `PROVENANCE.md` says where every file came from). Everything a test
//! reads is inside the repository, so a fresh clone passes on its own.
//!
//! The listing functions panic when a folder is missing or holds nothing
//! that matches, so a moved fixture folder fails loudly instead of testing
//! nothing.

use std::path::{Path, PathBuf};

/// The repository.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Cargo's target directory (`target/`, unless `CARGO_TARGET_DIR` moves
/// it), for what tests keep between runs: the guest kernel, guest dumps.
pub fn target_dir() -> PathBuf {
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().unwrap_or(tmp).to_path_buf()
}

/// `tests/data/`: the copied reference data.
pub fn dir() -> PathBuf {
    root().join("tests/data")
}

/// One of QEMU's expected tables: `qemu_table("q35", "SRAT.numamem")`.
pub fn qemu_table(machine: &str, name: &str) -> PathBuf {
    dir().join("qemu-acpi").join(machine).join(name)
}

/// A real machine's table: `real_table("dell-poweredge-r820-4s", "SLIT.dat")`.
pub fn real_table(board: &str, name: &str) -> PathBuf {
    dir().join("real-tables").join(board).join(name)
}

/// A file of the guest-boot experiments: `guest_boot("a-tables/SRAT.dat")`.
pub fn guest_boot(rel: &str) -> PathBuf {
    dir().join("guest-boot-logs").join(rel)
}

/// The files directly in `dir` whose names satisfy `keep`, sorted.
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

/// The files directly in `rel` (relative to the repository) ending in
/// `.ext`, sorted.
pub fn files_with_ext(rel: &str, ext: &str) -> Vec<PathBuf> {
    let suffix = format!(".{ext}");
    files_in(&root().join(rel), |n| n.ends_with(&suffix))
}

/// The bundled examples' names (`examples/<name>.toml`), sorted.
pub fn bundled_examples() -> Vec<String> {
    files_with_ext("examples", "toml")
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect()
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

pub fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Whether the file name starts with one of the three table signatures
/// (either case: the guest-boot overrides are `srat.aml` and so on).
pub fn is_numa_table(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    ["SRAT", "SLIT", "HMAT"]
        .iter()
        .any(|s| upper.starts_with(s))
}

/// Every SRAT/SLIT/HMAT binary in `tests/data/`: the QEMU expected tables,
/// the real firmware tables and the guest-boot tables.
pub fn all_table_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for machine in ["pc", "q35"] {
        out.extend(files_in(
            &dir().join("qemu-acpi").join(machine),
            is_numa_table,
        ));
    }
    let binary = |n: &str| is_numa_table(n) && (n.ends_with(".dat") || n.ends_with(".aml"));
    let real = dir().join("real-tables");
    let mut boards: Vec<PathBuf> = std::fs::read_dir(&real)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", real.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    boards.sort();
    for board in boards {
        out.extend(files_in(&board, |n| binary(n) && n.ends_with(".dat")));
    }
    out.extend(files_in(&guest_boot("a-tables"), |n| {
        binary(n) && n.ends_with(".dat")
    }));
    for sub in ["tables", "guest-tables"] {
        out.extend(files_in(&guest_boot("b-gi-override").join(sub), binary));
    }
    out
}

/// A path relative to `tests/data/`, for messages.
pub fn short(path: &Path) -> String {
    path.strip_prefix(dir())
        .unwrap_or(path)
        .display()
        .to_string()
}
