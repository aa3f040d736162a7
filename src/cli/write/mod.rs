//! Writing outputs so that a failure or a kill never leaves a mix.
//!
//! - [`OutDir`] is `build --out DIR`: DIR ends up holding exactly this
//!   build's artifacts, listed in its manifest ([`manifest`]), or, when the
//!   build fails, exactly what it held before. How: [`commit`].
//! - [`write_file`] is `-o FILE`: a regular file (or a name not yet taken) is
//!   replaced by one rename; anything else (a character device such as
//!   `/dev/null`, a FIFO, a symbolic link such as `/dev/stdout`) is opened
//!   and written through, as a shell's `>` would, and never replaced.
//!
//! Both lock the directory they write into ([`lock`]) while they have any
//! hidden file in it, so concurrent writers wait for each other instead of
//! failing, and a writer that holds the lock may finish off what a killed
//! one left: a killed build is rolled back, a killed `-o` loses its
//! temporary file. Hidden names carry the writer's pid and a random part, so
//! no two writers ever share one.
//!
//! A directory that did not exist is created for the write and removed
//! again when the write fails.
//!
//! `TOPOC_FAIL_AT` injects failures for the tests: `write` fails the second
//! file's write, `rename` fails the second rename (after one target was
//! replaced), `abort` kills the process once two files are staged,
//! `abort-rename` kills it at the second rename, and `abort-committed` kills
//! it right after the commit point, before it cleaned up. `NAME:N` fails
//! the N-th time instead of the second (`write:1` fails `-o`'s one write).

mod commit;
mod lock;
pub mod manifest;

pub use commit::{Committed, OutDir};

use crate::text::ShowPath;
use std::fs;
use std::io::Write;
use std::path::Path;

/// What `-o FILE` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    /// The file was replaced in one rename.
    Replaced,
    /// The path is not a regular file; the bytes were written through it.
    WrittenThrough,
}

/// Writes `bytes` to `path` for `-o`: see the module documentation.
pub fn write_file(path: &Path, bytes: &[u8], notice: &dyn Fn(&str)) -> Result<Written, String> {
    match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => return Err(format!("{} is a directory", path.shown())),
        Ok(m) if !m.file_type().is_file() => {
            return write_through(path, bytes).map(|()| Written::WrittenThrough);
        }
        _ => {}
    }
    let name = path
        .file_name()
        .ok_or_else(|| format!("{} names no file", path.shown()))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let lock = lock::DirLock::acquire(dir, notice)?;
    commit::recover(dir, notice);
    let tmp = dir.join(hidden_temp_name(&name.to_string_lossy()));
    let result = (|| {
        if fail_point("write") {
            return Err(format!(
                "cannot write {}: injected failure (TOPOC_FAIL_AT=write)",
                path.shown()
            ));
        }
        let mut f = fs::File::create_new(&tmp)
            .map_err(|e| format!("cannot write {}: {e}", path.shown()))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(|e| format!("cannot write {}: {e}", path.shown()))?;
        drop(f);
        if fail_point("rename") {
            return Err(format!(
                "cannot rename {} to {}: injected failure (TOPOC_FAIL_AT=rename)",
                tmp.shown(),
                path.shown()
            ));
        }
        fs::rename(&tmp, path)
            .map_err(|e| format!("cannot rename {} to {}: {e}", tmp.shown(), path.shown()))
    })();
    match result {
        Ok(()) => {
            drop(lock);
            Ok(Written::Replaced)
        }
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            lock.release_failed();
            Err(e)
        }
    }
}

fn write_through(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .map_err(|e| format!("cannot open {}: {e}", path.shown()))?;
    f.write_all(bytes)
        .and_then(|()| f.flush())
        .map_err(|e| format!("cannot write {}: {e}", path.shown()))
}

/// `pid-random`: no two writers, nor two names of one writer, share it.
fn unique_tag() -> String {
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static SEQUENCE: AtomicU64 = AtomicU64::new(0);
    // RandomState is seeded from the OS once per process.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(SEQUENCE.fetch_add(1, Ordering::Relaxed));
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    format!("{}-{:016x}", std::process::id(), h.finish())
}

/// `.NAME.topoc-tmp-PID-RANDOM`, the temporary copy `-o` renames over NAME.
fn hidden_temp_name(name: &str) -> String {
    format!(".{name}{TEMP_MARK}{}", unique_tag())
}

const TEMP_MARK: &str = ".topoc-tmp-";

/// Whether `rest` is `PID-RANDOM` as [`unique_tag`] writes it.
fn is_tag(rest: &str) -> bool {
    let Some((pid, random)) = rest.split_once('-') else {
        return false;
    };
    !pid.is_empty()
        && pid.bytes().all(|b| b.is_ascii_digit())
        && random.len() == 16
        && random.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a directory entry is a `-o` temporary file.
fn is_temp_name(name: &str) -> bool {
    name.starts_with('.')
        && name
            .rfind(TEMP_MARK)
            .is_some_and(|i| i > 1 && is_tag(&name[i + TEMP_MARK.len()..]))
}

/// A plain file name inside one directory: no separator, not `.` or `..`,
/// no control character, and not one of topoc's own hidden names.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && !name.contains('/')
        && !name.chars().any(char::is_control)
        && !name.starts_with(".topoc-")
}

/// Failure injection for tests: with `TOPOC_FAIL_AT=<name>`, the second time
/// the program passes the named point it fails; with `<name>:<n>`, the n-th.
fn fail_point(name: &str) -> bool {
    use std::sync::Mutex;
    static COUNTS: Mutex<Vec<(String, usize)>> = Mutex::new(Vec::new());
    let Ok(v) = std::env::var("TOPOC_FAIL_AT") else {
        return false;
    };
    let (point, nth) = match v.split_once(':') {
        Some((p, n)) => (p, n.parse().unwrap_or(0)),
        None => (v.as_str(), 2),
    };
    match point {
        p if p == name => {
            let mut counts = COUNTS.lock().unwrap_or_else(|e| e.into_inner());
            let n = match counts.iter_mut().find(|(k, _)| k == name) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    counts.push((name.to_string(), 1));
                    1
                }
            };
            n == nth
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_names_are_recognised_exactly() {
        let t = hidden_temp_name("qemu.args");
        assert!(is_temp_name(&t), "{t}");
        assert!(t.starts_with(".qemu.args.topoc-tmp-"));
        assert_ne!(hidden_temp_name("a"), hidden_temp_name("a"));
        // Not ours: no tag, a tag of the old format (pid only), a user's name.
        assert!(!is_temp_name(".qemu.args.topoc-tmp-123"));
        assert!(!is_temp_name("qemu.args.topoc-tmp-1-0123456789abcdef"));
        assert!(!is_temp_name(".x.topoc-tmp-1-0123456789abcdeg"));
        assert!(is_temp_name(".x.topoc-tmp-1-0123456789abcdef"));
    }

    #[test]
    fn plain_names_stay_inside_the_directory() {
        for bad in [
            "",
            ".",
            "..",
            "a/b",
            "/etc",
            "a\nb",
            ".topoc-manifest",
            ".topoc-stage-1-x",
        ] {
            assert!(!is_plain_name(bad), "{bad:?}");
        }
        for good in ["SRAT.dat", ".hidden", "a b", "é"] {
            assert!(is_plain_name(good), "{good:?}");
        }
    }
}
