//! Writing outputs so that a failure changes nothing: every file is written
//! to a temporary name in its final directory, flushed, and only then renamed
//! over the target. Renames within one directory are atomic.
//!
//! A build writes several files, so a rename can fail after others have
//! succeeded. Before the first rename every existing target is hard-linked
//! to a backup name; if a rename fails, the targets already replaced are put
//! back from their backups (or removed, if they are new), so the directory is
//! exactly as it was. A process killed before its renames leaves its targets
//! untouched; its hidden temporary files (`.NAME.topoc-tmp-PID`) are removed
//! by the next build that writes NAME.
//!
//! `TOPOC_FAIL_AT` injects failures for the tests: `write` fails the second
//! file's write, `rename` fails the second rename (after one target was
//! replaced), and `abort` kills the process once two temporary files are
//! written, as an interruption would.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

fn sibling(path: &Path, tag: &str, pid: u32) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.topoc-{tag}-{pid}"))
}

fn temp_name(path: &Path) -> PathBuf {
    sibling(path, "tmp", std::process::id())
}

fn backup_name(path: &Path) -> PathBuf {
    sibling(path, "old", std::process::id())
}

/// Removes temporary files and backups of `path` that earlier, interrupted
/// runs left behind. Best effort: a file that cannot be removed stays.
fn remove_leftovers(path: &Path) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return;
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let prefix = format!(".{}.topoc-", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if let Some(rest) = n.strip_prefix(&prefix) {
            let is_ours = ["tmp-", "old-"].iter().any(|t| {
                rest.strip_prefix(t)
                    .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
            });
            if is_ours {
                let _ = fs::remove_file(e.path());
            }
        }
    }
}

/// One file on its way: its temporary copy, its target, and the backup of
/// what the target held (`None`: the target did not exist).
struct Pending {
    tmp: PathBuf,
    path: PathBuf,
    backup: Option<PathBuf>,
}

/// A set of files written all or none. [`Transaction::stage`] writes one
/// file's temporary copy at once, so a caller can render, stage and drop one
/// artifact at a time instead of holding every output in memory (a 1024-node
/// build writes 60 MB); [`Transaction::commit`] renames them all into place.
/// Dropped uncommitted, it removes its temporary files and changes nothing.
#[derive(Default)]
pub struct Transaction {
    pending: Vec<Pending>,
}

impl Transaction {
    /// Writes `bytes` to a temporary file beside `path`, creating the parent
    /// directory. On error the transaction is void: drop it.
    pub fn stage(&mut self, path: &Path, bytes: &[u8]) -> Result<(), String> {
        self.stage_with(path, |w| w.write_all(bytes).map(|()| true))
            .map(drop)
    }

    /// Like [`Transaction::stage`], with the contents written by `fill`
    /// through a buffer, so that they need not be in memory at once.
    /// `fill` returning `Ok(false)` means there is no such file: nothing is
    /// staged, and the result is `Ok(false)`.
    pub fn stage_with(
        &mut self,
        path: &Path,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<bool>,
    ) -> Result<bool, String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        remove_leftovers(path);
        if fail_point("write") {
            return Err(format!(
                "cannot write {}: injected failure (TOPOC_FAIL_AT=write)",
                path.display()
            ));
        }
        let tmp = temp_name(path);
        let result = (|| -> std::io::Result<bool> {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, fs::File::create(&tmp)?);
            if !fill(&mut w)? {
                return Ok(false);
            }
            w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            Ok(true)
        })();
        match result {
            Ok(true) => {}
            Ok(false) => {
                let _ = fs::remove_file(&tmp);
                return Ok(false);
            }
            Err(e) => {
                let _ = fs::remove_file(&tmp);
                return Err(format!("cannot write {}: {e}", path.display()));
            }
        }
        self.pending.push(Pending {
            tmp,
            path: path.to_path_buf(),
            backup: None,
        });
        if fail_point("abort") {
            std::process::abort();
        }
        Ok(true)
    }

    /// Renames every staged file over its target. If one rename fails, the
    /// targets already replaced get their old contents back (or go away, if
    /// they are new), and the error says which rename failed.
    pub fn commit(mut self) -> Result<(), String> {
        // Keep what every existing target holds, to put it back if a rename fails.
        for i in 0..self.pending.len() {
            let path = self.pending[i].path.clone();
            if fs::symlink_metadata(&path).is_err() {
                continue;
            }
            let backup = backup_name(&path);
            let _ = fs::remove_file(&backup);
            // A hard link costs nothing; where the file system has none, a copy.
            fs::hard_link(&path, &backup)
                .or_else(|_| fs::copy(&path, &backup).map(drop))
                .map_err(|e| {
                    format!(
                        "cannot keep a backup of {} while replacing it: {e}",
                        path.display()
                    )
                })?;
            self.pending[i].backup = Some(backup);
        }
        for i in 0..self.pending.len() {
            let p = &self.pending[i];
            let result = if fail_point("rename") {
                Err(std::io::Error::other(
                    "injected failure (TOPOC_FAIL_AT=rename)",
                ))
            } else {
                fs::rename(&p.tmp, &p.path)
            };
            if let Err(e) = result {
                let message = format!(
                    "cannot rename {} to {}: {e}",
                    p.tmp.display(),
                    p.path.display()
                );
                roll_back(&self.pending[..i]);
                return Err(message);
            }
        }
        Ok(())
    }
}

impl Drop for Transaction {
    /// Temporary files and backups go, committed or not: after a commit the
    /// temporary names no longer exist and the backups are not needed.
    fn drop(&mut self) {
        for p in &self.pending {
            let _ = fs::remove_file(&p.tmp);
            if let Some(b) = &p.backup {
                let _ = fs::remove_file(b);
            }
        }
    }
}

/// Writes all files or none: [`Transaction`] over a list.
pub fn write_all(files: &[(PathBuf, Vec<u8>)]) -> Result<(), String> {
    let mut tx = Transaction::default();
    for (path, bytes) in files {
        tx.stage(path, bytes)?;
    }
    tx.commit()
}

/// Undoes renames already done: each target gets its backup back, or goes
/// away if it did not exist before.
fn roll_back(done: &[Pending]) {
    for p in done.iter().rev() {
        match &p.backup {
            Some(b) => {
                let _ = fs::rename(b, &p.path);
            }
            None => {
                let _ = fs::remove_file(&p.path);
            }
        }
    }
}

/// Failure injection for tests: with `TOPOC_FAIL_AT=<name>`, the second time
/// the program passes the named point it fails.
fn fail_point(name: &str) -> bool {
    use std::sync::Mutex;
    static COUNTS: Mutex<Vec<(String, usize)>> = Mutex::new(Vec::new());
    match std::env::var("TOPOC_FAIL_AT") {
        Ok(v) if v == name => {
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
            n == 2
        }
        _ => false,
    }
}
