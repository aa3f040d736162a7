//! Runs ACPICA's disassembler, `iasl -d`, on table bytes and fails on any
//! complaint. `iasl` is an independent reader of the ACPI layouts, so a table
//! it decodes without a word is a table the OS's own parser (ACPICA in
//! Linux) reads the same way.
//!
//! `iasl` comes from the `acpica-tools` package; CI installs it. A missing
//! `iasl` fails the test rather than skipping it.

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What `iasl -d` produced for one table.
pub struct Disassembly {
    /// The `.dsl` text.
    pub dsl: String,
    /// stdout and stderr of the run.
    pub log: String,
}

/// Strings that mark a complaint in the `.dsl` or in iasl's output.
const COMPLAINTS: &[&str] = &[
    "Error",
    "Warning",
    "**** ",
    "Incorrect checksum",
    "invalid ASCII",
    "terminates",
    "Invalid",
    "Unknown",
];

static RUN: AtomicUsize = AtomicUsize::new(0);

fn scratch_dir(name: &str) -> PathBuf {
    let n = RUN.fetch_add(1, Ordering::Relaxed);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("iasl")
        .join(format!("{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    dir
}

/// Disassembles `bytes` (one raw table) with `iasl -d` in a scratch folder.
/// Panics if iasl is missing or produces no `.dsl`.
pub fn disassemble(name: &str, bytes: &[u8]) -> Disassembly {
    let dir = scratch_dir(name);
    let dat = dir.join(format!("{name}.dat"));
    std::fs::write(&dat, bytes).unwrap_or_else(|e| panic!("cannot write {}: {e}", dat.display()));
    let output = match Command::new("iasl")
        .arg("-d")
        .arg(&dat)
        .current_dir(&dir)
        .output()
    {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "`iasl` was not found on PATH. Install acpica-tools (Debian/Ubuntu: \
             `apt-get install acpica-tools`); CI installs it, and these tests do not skip without it."
        ),
        Err(e) => panic!("cannot run iasl: {e}"),
    };
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let dsl_path = dir.join(format!("{name}.dsl"));
    let dsl = std::fs::read_to_string(&dsl_path).unwrap_or_else(|e| {
        panic!(
            "iasl -d produced no {} ({e}); exit status {}, output:\n{log}",
            dsl_path.display(),
            output.status
        )
    });
    assert!(
        output.status.success(),
        "iasl -d exited with {}; output:\n{log}",
        output.status
    );
    Disassembly { dsl, log }
}

/// Disassembles `bytes` and panics, quoting the offending lines, if the
/// `.dsl` or iasl's output contains any complaint, or if the disassembly
/// does not cover the whole table.
pub fn assert_clean(name: &str, bytes: &[u8]) -> Disassembly {
    let d = disassemble(name, bytes);
    let complaints: Vec<&str> = d
        .dsl
        .lines()
        .chain(d.log.lines())
        .filter(|l| COMPLAINTS.iter().any(|c| l.contains(c)))
        .collect();
    assert!(
        complaints.is_empty(),
        "iasl -d complained about {name}:\n{}\n--- dsl ---\n{}\n--- log ---\n{}",
        complaints.join("\n"),
        d.dsl,
        d.log
    );
    let raw = format!(
        "Raw Table Data: Length {} (0x{:X})",
        bytes.len(),
        bytes.len()
    );
    assert!(
        d.dsl.contains(&raw),
        "iasl -d output for {name} lacks `{raw}`:\n{}",
        d.dsl
    );
    d
}
