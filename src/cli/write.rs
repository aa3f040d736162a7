//! Writing outputs so that a failure changes nothing: every file is written
//! to a temporary name in its final directory, flushed, and only then renamed
//! over the target. Renames within one directory are atomic.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

fn temp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.topoc-tmp-{}", std::process::id()))
}

fn write_temp(path: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let tmp = temp_name(path);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Writes all files or none. `files` are (path, contents); their parent
/// directories are created first. On error, the temporary files are removed
/// and no target file has changed.
pub fn write_all(files: &[(PathBuf, Vec<u8>)]) -> Result<(), String> {
    let mut temps: Vec<(PathBuf, PathBuf)> = Vec::new();
    let cleanup = |temps: &[(PathBuf, PathBuf)]| {
        for (tmp, _) in temps {
            let _ = fs::remove_file(tmp);
        }
    };
    for (path, bytes) in files {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Err(e) = fs::create_dir_all(dir) {
                cleanup(&temps);
                return Err(format!("cannot create {}: {e}", dir.display()));
            }
        }
        if fail_point("write") {
            cleanup(&temps);
            return Err(format!(
                "cannot write {}: injected failure (TOPOC_FAIL_AT=write)",
                path.display()
            ));
        }
        match write_temp(path, bytes) {
            Ok(tmp) => temps.push((tmp, path.clone())),
            Err(e) => {
                cleanup(&temps);
                return Err(format!("cannot write {}: {e}", path.display()));
            }
        }
    }
    for (i, (tmp, path)) in temps.iter().enumerate() {
        if let Err(e) = fs::rename(tmp, path) {
            cleanup(&temps[i..]);
            return Err(format!(
                "cannot rename {} to {}: {e}",
                tmp.display(),
                path.display()
            ));
        }
    }
    Ok(())
}

/// Failure injection for tests: `TOPOC_FAIL_AT=write` makes the second file
/// write fail, after one temporary file exists, to prove nothing changes.
fn fail_point(name: &str) -> bool {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNT: AtomicUsize = AtomicUsize::new(0);
    match std::env::var("TOPOC_FAIL_AT") {
        Ok(v) if v == name => COUNT.fetch_add(1, Ordering::SeqCst) == 1,
        _ => false,
    }
}
