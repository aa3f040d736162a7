//! Golden outputs for every bundled example, for every target: `topoc build
//! --out` must write exactly the golden files, byte for byte, twice in a row,
//! and `--emit` of each artifact must equal its file.
//!
//! - qemu: the files under `tests/golden/<example>/`.
//! - cloud-hypervisor, plain and with `--fallback`: under
//!   `tests/golden/<example>/cloud-hypervisor/` and
//!   `…/cloud-hypervisor-fallback/`. Each holds `check.out` (the exit status
//!   and the diagnostics of `topoc check`, so a refusal and its codes are
//!   pinned too) and, when the example compiles, every artifact.
//!
//! Run with `UPDATE_GOLDEN=1` to rewrite the goldens, then review the diff.

mod support;

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One way of compiling the examples.
#[derive(Clone, Copy)]
struct Variant {
    /// Golden subdirectory; `None` for the qemu goldens at the top.
    dir: Option<&'static str>,
    args: &'static [&'static str],
}

const VARIANTS: &[Variant] = &[
    Variant {
        dir: None,
        args: &[],
    },
    Variant {
        dir: Some("cloud-hypervisor"),
        args: &["--target", "cloud-hypervisor"],
    },
    Variant {
        dir: Some("cloud-hypervisor-fallback"),
        args: &["--target", "cloud-hypervisor", "--fallback"],
    },
];

fn topoc(args: &[&str]) -> Result<Vec<u8>, Failed> {
    let out = Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(args)
        .current_dir(root())
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "topoc {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(out.stdout)
}

/// `topoc check` as the golden `check.out` pins it: exit status and text
/// diagnostics, no colour.
fn check_text(example: &str, v: Variant) -> Result<(i32, String), Failed> {
    let file = format!("examples/{example}.toml");
    let mut args = vec!["check", "--color", "never"];
    args.extend(v.args);
    args.push(&file);
    let out = Command::new(env!("CARGO_BIN_EXE_topoc"))
        .args(&args)
        .env("NO_COLOR", "1")
        .current_dir(root())
        .output()?;
    let code = out.status.code().unwrap_or(-1);
    Ok((
        code,
        format!("exit: {code}\n{}", String::from_utf8_lossy(&out.stderr)),
    ))
}

fn build_into(example: &str, v: Variant, dir: &Path) -> Result<Vec<(String, Vec<u8>)>, Failed> {
    let d = dir.to_string_lossy().into_owned();
    let file = format!("examples/{example}.toml");
    let mut args = vec!["build", "-q", &file, "--out", &d];
    args.extend(v.args);
    topoc(&args)?;
    let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect();
    files.sort();
    Ok(files)
}

/// The golden files of a directory (subdirectories are other variants').
fn golden_files(dir: &Path) -> Result<Vec<String>, Failed> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}; run with UPDATE_GOLDEN=1", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    Ok(v)
}

fn run(example: &str, v: Variant) -> Result<(), Failed> {
    let mut golden = root().join("tests/golden").join(example);
    if let Some(d) = v.dir {
        golden = golden.join(d);
    }
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    // Variants below the qemu goldens pin `topoc check` too; an example the
    // target refuses has nothing else.
    let mut produced: Vec<(String, Vec<u8>)> = Vec::new();
    let compiles = match v.dir {
        None => true,
        Some(_) => {
            let (code, out) = check_text(example, v)?;
            produced.push(("check.out".to_string(), out.into_bytes()));
            code == 0
        }
    };
    if compiles {
        let a = tempfile::tempdir()?;
        let b = tempfile::tempdir()?;
        let first = build_into(example, v, a.path())?;
        let second = build_into(example, v, b.path())?;
        if first != second {
            return Err("two builds of the same file differ".into());
        }
        produced.extend(first);
    }
    produced.sort();
    if update {
        std::fs::create_dir_all(&golden)?;
        for old in golden_files(&golden)? {
            std::fs::remove_file(golden.join(old))?;
        }
        for (name, bytes) in &produced {
            std::fs::write(golden.join(name), bytes)?;
        }
    }
    let expected = golden_files(&golden)?;
    let names: Vec<String> = produced.iter().map(|(n, _)| n.clone()).collect();
    if names != expected {
        return Err(format!("build wrote {names:?}, goldens have {expected:?}").into());
    }
    let mut diffs = Vec::new();
    for (name, bytes) in &produced {
        let want = std::fs::read(golden.join(name))?;
        if &want != bytes {
            diffs.push(format!(
                "{name}:\n--- expected\n{}\n--- actual\n{}",
                String::from_utf8_lossy(&want),
                String::from_utf8_lossy(bytes)
            ));
        }
    }
    // Every artifact through --emit equals its file.
    if compiles {
        let listing = String::from_utf8(topoc(&["build", "--list"])?)?;
        for line in listing.lines() {
            let mut cols = line.split_whitespace();
            let (Some(name), Some(file)) = (cols.next(), cols.next()) else {
                continue;
            };
            let Some((_, bytes)) = produced.iter().find(|(n, _)| n == file) else {
                continue;
            };
            let path = format!("examples/{example}.toml");
            let mut args = vec!["build", "-q", &path, "--emit", name, "-o", "-"];
            args.extend(v.args);
            let emitted = topoc(&args)?;
            if &emitted != bytes {
                diffs.push(format!("--emit {name} differs from {file}"));
            }
        }
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.join("\n").into())
    }
}

fn examples() -> Vec<String> {
    support::data::bundled_examples()
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for e in examples() {
        for &v in VARIANTS {
            let name = match v.dir {
                None => format!("example {e}"),
                Some(d) => format!("example {e} [{d}]"),
            };
            let e = e.clone();
            trials.push(Trial::test(name, move || run(&e, v)));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
