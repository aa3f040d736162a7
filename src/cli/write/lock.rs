//! The lock a writer holds on its directory, and the directories it created.
//!
//! The lock is `flock(2)` on the directory itself (no lock file is created):
//! exclusive for a writer, and a reader that wants to see one complete build
//! can take it shared (`flock --shared out/ tar cf - out/`). A writer holds it
//! from before it creates its first hidden file in the directory until it has
//! removed its last one, so a lock holder knows that any hidden topoc file it
//! finds belongs to a writer that died.

use crate::text::ShowPath;
use std::fs::{self, File};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

/// How long a writer waits for the lock before it says that it waits.
const NOTICE_AFTER: Duration = Duration::from_secs(2);

/// An exclusive lock on one directory, held until dropped.
pub struct DirLock {
    /// The open directory; the lock lives and dies with it.
    _file: File,
    /// Directories [`DirLock::acquire`] created, outermost first.
    created: Vec<PathBuf>,
}

impl DirLock {
    /// Locks `dir`, creating it and any missing parents first. Waits while
    /// another writer holds the lock and, when that lasts, says so once
    /// through `notice`.
    pub fn acquire(dir: &Path, notice: &dyn Fn(&str)) -> Result<DirLock, String> {
        let mut created = Vec::new();
        // A writer whose build failed removes the directory it created; one
        // that waited for it then holds a lock on a directory that is gone,
        // and starts over. Each round needs another writer to fail, so a
        // bound is only a guard.
        for _ in 0..64 {
            created.extend(create_missing(dir)?);
            let file = File::open(dir).map_err(|e| format!("cannot open {}: {e}", dir.shown()))?;
            let meta = file
                .metadata()
                .map_err(|e| format!("cannot open {}: {e}", dir.shown()))?;
            if !meta.is_dir() {
                return Err(format!("{} is not a directory", dir.shown()));
            }
            lock(&file, dir, notice)?;
            let same =
                fs::metadata(dir).is_ok_and(|m| m.dev() == meta.dev() && m.ino() == meta.ino());
            if same {
                return Ok(DirLock {
                    _file: file,
                    created,
                });
            }
            // Gone or replaced while we waited; what we created went with it.
            created.retain(|d| d.is_dir());
        }
        Err(format!(
            "cannot lock {}: it was removed and re-created by other processes 64 times",
            dir.shown()
        ))
    }

    /// Gives up the lock after a failed write: the directories this writer
    /// created go again, if nothing else has been put in them.
    pub fn release_failed(self) {
        for d in self.created.iter().rev() {
            if fs::remove_dir(d).is_err() {
                break;
            }
        }
    }
}

fn lock(file: &File, dir: &Path, notice: &dyn Fn(&str)) -> Result<(), String> {
    use rustix::fs::{FlockOperation, flock};
    let fail = |e: std::io::Error| format!("cannot lock {}: {e}", dir.shown());
    match flock(file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => return Ok(()),
        Err(rustix::io::Errno::WOULDBLOCK) => {}
        Err(e) => return Err(fail(e.into())),
    }
    // Wait in a thread on a second descriptor of the same open file (the
    // lock belongs to the open file, so it stays held by `file`), to say
    // that we wait once it lasts.
    let waiter = file.try_clone().map_err(fail)?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(flock(&waiter, FlockOperation::LockExclusive));
    });
    let result = match rx.recv_timeout(NOTICE_AFTER) {
        Ok(r) => r,
        Err(_) => {
            notice(&format!(
                "waiting for another topoc writing to {} to finish (it holds the directory's lock)",
                dir.shown()
            ));
            rx.recv().unwrap_or(Err(rustix::io::Errno::INTR))
        }
    };
    result.map_err(|e| fail(e.into()))
}

/// Creates `dir` and its missing parents; returns those it created,
/// outermost first. A parent that a failed writer removes meanwhile is
/// created again.
fn create_missing(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let mut created = Vec::new();
    for _ in 0..64 {
        match create_missing_once(dir, &mut created) {
            Ok(true) => return Ok(created),
            Ok(false) => continue,
            Err(e) => {
                for c in created.iter().rev() {
                    let _ = fs::remove_dir(c);
                }
                return Err(e);
            }
        }
    }
    Err(format!(
        "cannot create {}: its parents were removed by other processes 64 times",
        dir.shown()
    ))
}

/// One attempt: `Ok(false)` when a parent vanished under it.
fn create_missing_once(dir: &Path, created: &mut Vec<PathBuf>) -> Result<bool, String> {
    let mut missing = Vec::new();
    let mut p = dir;
    loop {
        match fs::symlink_metadata(p) {
            Ok(_) => break,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => missing.push(p.to_path_buf()),
            Err(e) => return Err(format!("cannot create {}: {e}", dir.shown())),
        }
        match p.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => p = parent,
            _ => break,
        }
    }
    for d in missing.iter().rev() {
        match fs::create_dir(d) {
            Ok(()) => created.push(d.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(format!("cannot create {}: {e}", d.shown())),
        }
    }
    Ok(true)
}
