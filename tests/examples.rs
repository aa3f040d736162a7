//! Golden outputs for every bundled example: `topoc build --out` must write
//! exactly the files under `tests/golden/<example>/`, byte for byte, twice in
//! a row, and `--emit` of each artifact must equal its file.
//!
//! Run with `UPDATE_GOLDEN=1` to rewrite the goldens, then review the diff.

use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

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

fn build_into(example: &str, dir: &Path) -> Result<Vec<(String, Vec<u8>)>, Failed> {
    let d = dir.to_string_lossy().into_owned();
    topoc(&[
        "build",
        "-q",
        &format!("examples/{example}.toml"),
        "--out",
        &d,
    ])?;
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

fn run(example: &str) -> Result<(), Failed> {
    let a = tempfile::tempdir()?;
    let b = tempfile::tempdir()?;
    let first = build_into(example, a.path())?;
    let second = build_into(example, b.path())?;
    if first != second {
        return Err("two builds of the same file differ".into());
    }
    let golden = root().join("tests/golden").join(example);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&golden);
        std::fs::create_dir_all(&golden)?;
        for (name, bytes) in &first {
            std::fs::write(golden.join(name), bytes)?;
        }
    }
    let mut expected: Vec<String> = std::fs::read_dir(&golden)
        .map_err(|e| format!("{}: {e}; run with UPDATE_GOLDEN=1", golden.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    expected.sort();
    let names: Vec<String> = first.iter().map(|(n, _)| n.clone()).collect();
    if names != expected {
        return Err(format!("build wrote {names:?}, goldens have {expected:?}").into());
    }
    let mut diffs = Vec::new();
    for (name, bytes) in &first {
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
    let listing = String::from_utf8(topoc(&["build", "--list"])?)?;
    for line in listing.lines() {
        let mut cols = line.split_whitespace();
        let (Some(name), Some(file)) = (cols.next(), cols.next()) else {
            continue;
        };
        let Some((_, bytes)) = first.iter().find(|(n, _)| n == file) else {
            continue;
        };
        let emitted = topoc(&[
            "build",
            "-q",
            &format!("examples/{example}.toml"),
            "--emit",
            name,
            "-o",
            "-",
        ])?;
        if &emitted != bytes {
            diffs.push(format!("--emit {name} differs from {file}"));
        }
    }
    if diffs.is_empty() {
        Ok(())
    } else {
        Err(diffs.join("\n").into())
    }
}

fn examples() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("examples"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| PathBuf::from(e.file_name()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn main() {
    let args = Arguments::from_args();
    let trials = examples()
        .into_iter()
        .map(|e| Trial::test(format!("example {e}"), move || run(&e)))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
