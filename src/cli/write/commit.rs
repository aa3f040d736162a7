//! `build --out DIR` as one commit.
//!
//! With DIR locked ([`super::lock`]), the build stages every artifact in a
//! private directory `DIR/.topoc-stage-PID-RANDOM/new/`, then the new
//! manifest. The commit then
//!
//! 1. plans the operations: take away the old manifest, remove each file
//!    the old manifest lists that this build does not write, put each
//!    artifact in place, and put the new manifest in place last;
//! 2. keeps a backup (a hard link) of every file an operation removes or
//!    replaces in `…/old/`, and writes the plan to `…/plan`;
//! 3. runs the operations, each one `unlink` or `rename`, so atomic.
//!
//! The new manifest's rename is the commit point. Until then DIR has no
//! manifest; after it, DIR holds exactly this build's artifacts, the
//! manifest lists them, and the build has succeeded even if it is killed
//! before it removes its stage directory.
//!
//! If an operation fails, [`undo`] walks the plan backwards and puts back
//! what was removed or replaced, so DIR is as before, old manifest included.
//! If the process is killed before the commit point, the next writer that
//! takes DIR's lock finds the stage directory ([`recover`]) and runs the
//! same [`undo`] from what is on disk. Every step of the undo checks the
//! state before it acts, so an undo that is itself killed can be run again.

use super::lock::DirLock;
use super::{fail_point, is_plain_name, is_tag, is_temp_name, manifest, unique_tag};
use crate::text::ShowPath;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

const STAGE_PREFIX: &str = ".topoc-stage-";
const PLAN: &str = "plan";
const PLAN_HEADER: &str = "topoc-plan v1";

/// One step of a commit.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Op {
    /// Remove `DIR/name`, kept in `old/name`.
    Unlink(String),
    /// Rename `new/name` to `DIR/name`; `over`: a file of that name was
    /// there and is kept in `old/name`.
    Put { name: String, over: bool },
}

impl Op {
    fn line(&self) -> String {
        match self {
            Op::Unlink(n) => format!("unlink {n}"),
            Op::Put { name, over: true } => format!("put-over {name}"),
            Op::Put { name, over: false } => format!("put-new {name}"),
        }
    }

    fn parse(line: &str) -> Option<Op> {
        let (verb, name) = line.split_once(' ')?;
        if !(is_plain_name(name) || name == manifest::FILE) {
            return None;
        }
        let name = name.to_string();
        match verb {
            "unlink" => Some(Op::Unlink(name)),
            "put-over" => Some(Op::Put { name, over: true }),
            "put-new" => Some(Op::Put { name, over: false }),
            _ => None,
        }
    }
}

/// An output directory being written: see the module documentation.
/// Dropped without a commit, it leaves DIR as it was.
pub struct OutDir {
    lock: Option<DirLock>,
    dir: PathBuf,
    stage: PathBuf,
    /// What the old manifest lists.
    old: Vec<String>,
    /// What this build staged, in order.
    staged: Vec<String>,
    /// An undo failed: the stage directory holds the only copy of some
    /// old files, for the next writer's [`recover`].
    keep_stage: bool,
}

/// What a commit changed besides writing the artifacts.
pub struct Committed {
    /// Files an earlier build wrote that this one does not, now removed.
    pub removed: Vec<String>,
}

impl OutDir {
    /// Locks `dir` (creating it if needed), finishes off any build that was
    /// killed in it, reads its manifest and makes a stage directory.
    pub fn open(dir: &Path, notice: &dyn Fn(&str)) -> Result<OutDir, String> {
        if fs::metadata(dir).is_ok_and(|m| !m.is_dir()) {
            return Err(format!("{} is not a directory", dir.shown()));
        }
        let lock = DirLock::acquire(dir, notice)?;
        recover(dir, notice);
        let prepared = read_manifest(dir).and_then(|old| {
            let stage = dir.join(format!("{STAGE_PREFIX}{}", unique_tag()));
            let made = fs::create_dir(&stage)
                .and_then(|()| fs::create_dir(stage.join("new")))
                .and_then(|()| fs::create_dir(stage.join("old")));
            match made {
                Ok(()) => Ok((old, stage)),
                Err(e) => {
                    let _ = fs::remove_dir_all(&stage);
                    Err(format!("cannot write in {}: {e}", dir.shown()))
                }
            }
        });
        match prepared {
            Ok((old, stage)) => Ok(OutDir {
                lock: Some(lock),
                dir: dir.to_path_buf(),
                stage,
                old,
                staged: Vec::new(),
                keep_stage: false,
            }),
            Err(e) => {
                lock.release_failed();
                Err(e)
            }
        }
    }

    /// Stages the file `name` with the contents `fill` writes through a
    /// buffer (so that they need not be in memory at once). `fill`
    /// returning `Ok(false)` means there is no such file: nothing is
    /// staged, and the result is `Ok(false)`. On error the build is void:
    /// drop it.
    pub fn stage_with(
        &mut self,
        name: &str,
        fill: impl FnOnce(&mut dyn Write) -> std::io::Result<bool>,
    ) -> Result<bool, String> {
        let target = self.dir.join(name);
        if !is_plain_name(name) || self.staged.iter().any(|n| n == name) {
            return Err(format!(
                "cannot write {}: not a file name of its own",
                target.shown()
            ));
        }
        if fail_point("write") {
            return Err(format!(
                "cannot write {}: injected failure (TOPOC_FAIL_AT=write)",
                target.shown()
            ));
        }
        let path = self.stage.join("new").join(name);
        let result = (|| -> std::io::Result<bool> {
            let mut w = std::io::BufWriter::with_capacity(1 << 16, fs::File::create_new(&path)?);
            if !fill(&mut w)? {
                return Ok(false);
            }
            w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
            Ok(true)
        })();
        match result {
            Ok(true) => {}
            Ok(false) => {
                let _ = fs::remove_file(&path);
                return Ok(false);
            }
            Err(e) => return Err(format!("cannot write {}: {e}", target.shown())),
        }
        self.staged.push(name.to_string());
        if fail_point("abort") {
            std::process::abort();
        }
        Ok(true)
    }

    /// Puts the staged files in place of the last build's: see the module
    /// documentation. On error DIR is as it was.
    pub fn commit(mut self) -> Result<Committed, String> {
        let dir = self.dir.clone();
        let stage = self.stage.clone();
        write_synced(
            &stage.join("new").join(manifest::FILE),
            manifest::render(&self.staged).as_bytes(),
        )
        .map_err(|e| format!("cannot write {}: {e}", dir.join(manifest::FILE).shown()))?;
        let ops = self.plan()?;
        for op in &ops {
            let (Op::Unlink(name) | Op::Put { name, over: true }) = op else {
                continue;
            };
            let (from, to) = (dir.join(name), stage.join("old").join(name));
            // A hard link costs nothing; where the file system has none, a copy.
            fs::hard_link(&from, &to)
                .or_else(|_| fs::copy(&from, &to).map(drop))
                .map_err(|e| {
                    format!(
                        "cannot keep a backup of {} while replacing it: {e}",
                        from.shown()
                    )
                })?;
        }
        let mut plan = String::from(PLAN_HEADER);
        for op in &ops {
            plan.push('\n');
            plan.push_str(&op.line());
        }
        plan.push('\n');
        write_synced(&stage.join("plan.tmp"), plan.as_bytes())
            .and_then(|()| fs::rename(stage.join("plan.tmp"), stage.join(PLAN)))
            .map_err(|e| format!("cannot write in {}: {e}", dir.shown()))?;

        for op in &ops {
            if let Err(e) = run(&dir, &stage, op) {
                return Err(match undo(&dir, &stage, &ops) {
                    Ok(()) => e,
                    Err(u) => {
                        self.keep_stage = true;
                        format!(
                            "{e}; and while putting the old files back: {u}; the next topoc build \
                             into {} finishes putting them back",
                            dir.shown()
                        )
                    }
                });
            }
        }
        if fail_point("abort-committed") {
            std::process::abort();
        }
        // Make the renames durable (best effort), then clean up.
        if let Ok(d) = fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        let _ = fs::remove_dir_all(&stage);
        // Committed: nothing is left for the drop to undo.
        drop(self.lock.take());
        let removed = ops
            .iter()
            .filter_map(|op| match op {
                Op::Unlink(n) if n != manifest::FILE => Some(n.clone()),
                _ => None,
            })
            .collect();
        Ok(Committed { removed })
    }

    /// The operations of the commit, in order, after checking that every
    /// target may be replaced.
    fn plan(&self) -> Result<Vec<Op>, String> {
        let kind = |name: &str| match fs::symlink_metadata(self.dir.join(name)) {
            Ok(m) => Ok(Some(m.file_type())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read {}: {e}", self.dir.join(name).shown())),
        };
        let mut ops = Vec::new();
        if kind(manifest::FILE)?.is_some() {
            ops.push(Op::Unlink(manifest::FILE.to_string()));
        }
        for name in &self.old {
            if self.staged.contains(name) {
                continue;
            }
            // Only a regular file is still what topoc wrote there.
            if kind(name)?.is_some_and(|t| t.is_file()) {
                ops.push(Op::Unlink(name.clone()));
            }
        }
        for name in &self.staged {
            let over = match kind(name)? {
                None => false,
                Some(t) if t.is_file() || t.is_symlink() => true,
                Some(t) => {
                    return Err(format!(
                        "{} is {}: a build replaces only regular files; move it away",
                        self.dir.join(name).shown(),
                        describe(t)
                    ));
                }
            };
            ops.push(Op::Put {
                name: name.clone(),
                over,
            });
        }
        ops.push(Op::Put {
            name: manifest::FILE.to_string(),
            over: false,
        });
        Ok(ops)
    }
}

impl Drop for OutDir {
    fn drop(&mut self) {
        let Some(lock) = self.lock.take() else {
            return;
        };
        if self.keep_stage {
            return;
        }
        let _ = fs::remove_dir_all(&self.stage);
        lock.release_failed();
    }
}

fn describe(t: fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = fs::File::create(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

/// The old manifest's names; none when there is no manifest.
fn read_manifest(dir: &Path) -> Result<Vec<String>, String> {
    let path = dir.join(manifest::FILE);
    let refuse = |why: String| {
        format!(
            "{} cannot be read as topoc's manifest ({why}); move it away, and remove by hand \
             what an earlier build left",
            path.shown()
        )
    };
    match fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.shown())),
        Ok(m) if !m.file_type().is_file() => {
            return Err(refuse(describe(m.file_type()).to_string()));
        }
        Ok(_) => {}
    }
    let bytes = fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.shown()))?;
    let text = String::from_utf8(bytes).map_err(|_| refuse("it is not UTF-8".to_string()))?;
    manifest::parse(&text).map_err(refuse)
}

/// Runs one operation, with the failure points of the tests.
fn run(dir: &Path, stage: &Path, op: &Op) -> Result<(), String> {
    match op {
        Op::Unlink(name) => {
            let p = dir.join(name);
            fs::remove_file(&p).map_err(|e| format!("cannot remove {}: {e}", p.shown()))
        }
        Op::Put { name, .. } => {
            let (from, to) = (stage.join("new").join(name), dir.join(name));
            if fail_point("abort-rename") {
                std::process::abort();
            }
            let result = if fail_point("rename") {
                Err(std::io::Error::other(
                    "injected failure (TOPOC_FAIL_AT=rename)",
                ))
            } else {
                fs::rename(&from, &to)
            };
            result.map_err(|e| format!("cannot rename {} to {}: {e}", from.shown(), to.shown()))
        }
    }
}

fn exists(p: &Path) -> bool {
    fs::symlink_metadata(p).is_ok()
}

/// Undoes whatever of `ops` was done, judging each step by what is on
/// disk, latest first. Safe to run again after it was interrupted.
fn undo(dir: &Path, stage: &Path, ops: &[Op]) -> Result<(), String> {
    let mut first_error = None;
    for op in ops.iter().rev() {
        let result = match op {
            Op::Put { name, over } => {
                let (new, old, target) = (
                    stage.join("new").join(name),
                    stage.join("old").join(name),
                    dir.join(name),
                );
                if exists(&new) {
                    Ok(()) // never put in place
                } else if *over {
                    if exists(&old) {
                        fs::rename(&old, &target)
                    } else {
                        Ok(()) // put back already
                    }
                } else {
                    match fs::remove_file(&target) {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                        _ => Ok(()),
                    }
                }
                .map_err(|e| format!("cannot restore {}: {e}", target.shown()))
            }
            Op::Unlink(name) => {
                let (old, target) = (stage.join("old").join(name), dir.join(name));
                if exists(&target) || !exists(&old) {
                    Ok(()) // never removed, or put back already
                } else {
                    fs::rename(&old, &target)
                        .map_err(|e| format!("cannot restore {}: {e}", target.shown()))
                }
            }
        };
        if let Err(e) = result {
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Finishes off what killed writers left in `dir`, whose lock the caller
/// holds: a build killed before its commit point is undone, one killed
/// after it is kept, and their stage directories and `-o` temporary files
/// are removed. What cannot be undone is left for the next writer, and
/// said through `notice`.
pub fn recover(dir: &Path, notice: &dyn Fn(&str)) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_file() && is_temp_name(&name) {
            let _ = fs::remove_file(entry.path());
            continue;
        }
        let Some(tag) = name.strip_prefix(STAGE_PREFIX) else {
            continue;
        };
        if !kind.is_dir() || !is_tag(tag) {
            continue;
        }
        let stage = entry.path();
        let pid = tag.split('-').next().unwrap_or_default();
        match fs::read_to_string(stage.join(PLAN)) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {} // killed before any change
            Err(e) => {
                notice(&format!(
                    "cannot read {}: {e}; left as it is",
                    stage.join(PLAN).shown()
                ));
                continue;
            }
            Ok(text) => {
                let mut lines = text.lines();
                let ops: Option<Vec<Op>> = if lines.next() == Some(PLAN_HEADER) {
                    lines.map(Op::parse).collect()
                } else {
                    None
                };
                let Some(ops) = ops else {
                    notice(&format!(
                        "{} is not a plan topoc wrote; left as it is",
                        stage.join(PLAN).shown()
                    ));
                    continue;
                };
                let committed = !exists(&stage.join("new").join(manifest::FILE));
                if !committed {
                    if let Err(e) = undo(dir, &stage, &ops) {
                        notice(&format!(
                            "a build into {} (process {pid}) was interrupted, and undoing it \
                             failed: {e}",
                            dir.shown()
                        ));
                        continue;
                    }
                    notice(&format!(
                        "a build into {} (process {pid}) was interrupted while it replaced \
                         files; its changes were undone",
                        dir.shown()
                    ));
                }
            }
        }
        let _ = fs::remove_dir_all(&stage);
    }
}
