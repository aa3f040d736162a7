//! `topoc import`: reads the sources (table files, a guest dump, or the
//! files of `crate::import::host::WANTED` under a root), hands them to
//! `crate::import`, checks the text it gives like `topoc check` would, and
//! writes it through the same writer as `-o` everywhere.

use super::args::TargetArgs;
use super::{INVALID, OK, Ui, err, input, options, say, say_raw, write, write_out};
use crate::diag::render;
use crate::diag::{Diagnostic, codes};
use crate::import::host::{Read, Snapshot, WANTED, segment_matches};
use crate::import::{TableFile, View, fit::Fit};
use crate::source::SourceFile;
use crate::text::ShowPath;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What to import from.
pub(super) struct Sources {
    pub srat: Option<PathBuf>,
    pub slit: Option<PathBuf>,
    pub hmat: Option<PathBuf>,
    pub dump: Option<PathBuf>,
    /// `--host`: the root directory.
    pub host: Option<PathBuf>,
}

/// The most names one directory listing records.
const MAX_NAMES: usize = 1 << 20;

fn table(path: &Option<PathBuf>) -> Result<Option<TableFile>, String> {
    match path {
        None => Ok(None),
        Some(p) => Ok(Some(TableFile {
            name: input::shown_name(p),
            bytes: input::read(p)?,
        })),
    }
}

/// Reads every file [`WANTED`] names under `root`.
fn snapshot(root: &Path) -> Snapshot {
    let mut s = Snapshot {
        root: root.shown(),
        files: BTreeMap::new(),
    };
    let mut budget = input::Budget::default();
    for pattern in WANTED {
        let segs: Vec<&str> = pattern.split('/').collect();
        expand(root, "", &segs, &mut s.files, &mut budget);
    }
    s
}

fn rel_join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() {
        name.to_string()
    } else {
        format!("{prefix}/{name}")
    }
}

fn expand(
    root: &Path,
    prefix: &str,
    segs: &[&str],
    files: &mut BTreeMap<String, Read>,
    budget: &mut input::Budget,
) {
    let Some((seg, rest)) = segs.split_first() else {
        return;
    };
    if seg.contains('*') {
        let names = match list(root, prefix, files) {
            Some(n) => n,
            None => return,
        };
        for n in names.iter().filter(|n| segment_matches(seg, n)) {
            let p = rel_join(prefix, n);
            if rest.is_empty() {
                record(root, &p, files, budget);
            } else {
                expand(root, &p, rest, files, budget);
            }
        }
    } else {
        let p = rel_join(prefix, seg);
        if rest.is_empty() {
            record(root, &p, files, budget);
        } else {
            expand(root, &p, rest, files, budget);
        }
    }
}

/// The names in directory `rel`, recorded as a [`Read::Dir`].
fn list(root: &Path, rel: &str, files: &mut BTreeMap<String, Read>) -> Option<Vec<String>> {
    if let Some(Read::Dir(n)) = files.get(rel) {
        return Some(n.clone());
    }
    let path = root.join(rel);
    match std::fs::read_dir(&path) {
        Ok(rd) => {
            let mut names: Vec<String> = rd
                .filter_map(|e| e.ok())
                .take(MAX_NAMES)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            files.insert(rel.to_string(), Read::Dir(names.clone()));
            Some(names)
        }
        Err(e) => {
            files.entry(rel.to_string()).or_insert(problem(&e));
            None
        }
    }
}

fn problem(e: &std::io::Error) -> Read {
    if e.kind() == std::io::ErrorKind::NotFound {
        Read::Missing
    } else {
        Read::Unreadable(e.to_string())
    }
}

/// One path at the end of a pattern: a file's bytes, a directory's names,
/// a symbolic link to a directory's target name.
fn record(root: &Path, rel: &str, files: &mut BTreeMap<String, Read>, budget: &mut input::Budget) {
    if files.contains_key(rel) {
        return;
    }
    let path = root.join(rel);
    let read = match std::fs::symlink_metadata(&path) {
        Err(e) => problem(&e),
        Ok(m) if m.file_type().is_symlink() && path.is_dir() => match std::fs::read_link(&path) {
            Ok(t) => Read::Link(
                t.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            Err(e) => problem(&e),
        },
        Ok(_) if path.is_dir() => {
            list(root, rel, files);
            return;
        }
        Ok(_) => match std::fs::File::open(&path) {
            Err(e) => problem(&e),
            // Bounded like every input: a file too large does not read,
            // which stops the import.
            Ok(f) => match input::read_bounded(f, &path.shown().to_string(), budget) {
                Ok(bytes) => Read::Text(bytes),
                Err(e) => Read::Unreadable(e),
            },
        },
    };
    files.insert(rel.to_string(), read);
}

/// Prints import diagnostics (they point at input files, not at TOML).
fn report_findings(ui: &Ui, diags: &[Diagnostic]) {
    let none = SourceFile::new("import", "");
    for d in diags {
        if ui.quiet && !d.is_error() {
            continue;
        }
        say_raw(&render::text(d, &none, ui.style()));
        say_raw("\n");
    }
}

pub(super) fn run(
    ui: &Ui,
    src: &Sources,
    output: Option<&Path>,
    name: Option<&str>,
    fit: &Fit,
    t: &TargetArgs,
) -> ExitCode {
    let mut findings: Vec<Diagnostic> = Vec::new();
    let view = if let Some(dump) = &src.dump {
        let text = match input::read(dump) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => return err(e),
        };
        let dname = input::shown_name(dump);
        match crate::guest::dump::GuestDump::parse(&text) {
            Ok(d) => crate::import::dump::view(&dname, &d),
            Err(e) => {
                findings.push(crate::import::error(&codes::T169, format!("{dname}: {e}")));
                report_findings(ui, &findings);
                return ExitCode::from(INVALID);
            }
        }
    } else if let Some(root) = &src.host {
        if !root.is_dir() {
            return err(format!("--root {}: not a directory", root.shown()));
        }
        let snap = snapshot(root);
        let view = crate::import::host::view(&snap, &mut findings);
        // A file that does not read stops the import before it describes
        // a machine without it.
        if findings.iter().any(Diagnostic::is_error) {
            report_findings(ui, &findings);
            return ExitCode::from(INVALID);
        }
        view
    } else {
        let (srat, slit, hmat) = match (table(&src.srat), table(&src.slit), table(&src.hmat)) {
            (Ok(a), Ok(b), Ok(c)) => (a, b, c),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return err(e),
        };
        let names: Vec<&str> = [&srat, &slit, &hmat]
            .into_iter()
            .flatten()
            .map(|f| f.name.as_str())
            .collect();
        View {
            origin: format!("the tables {}", names.join(", ")),
            srat,
            slit,
            hmat,
            ..View::default()
        }
    };
    let out = crate::import::import(&view, name, fit);
    findings.extend(out.diagnostics);
    report_findings(ui, &findings);
    let Some(text) = out.toml else {
        return ExitCode::from(INVALID);
    };
    // Check the result as `topoc check` would.
    let shown = match output {
        Some(p) if !input::is_stdin(p) => p.shown(),
        _ => "<imported>".to_string(),
    };
    let source = SourceFile::new(shown.clone(), text.clone());
    let checked = crate::pipeline::compile(&source, &options(t, Vec::new()));
    let (diags, clean) = match &checked {
        Ok(c) => (c.warnings.clone(), true),
        Err(d) => (d.clone(), false),
    };
    match output {
        Some(p) if !input::is_stdin(p) => {
            if let Err(e) = write::write_file(p, text.as_bytes(), &|m| ui.notice(m)) {
                return err(e);
            }
        }
        _ => {
            if let Err(code) = write_out(text.as_bytes()) {
                return code;
            }
        }
    }
    if !(diags.is_empty() || (ui.quiet && clean)) {
        let shown_diags: Vec<Diagnostic> = if ui.quiet {
            diags.iter().filter(|d| d.is_error()).cloned().collect()
        } else {
            diags.clone()
        };
        say_raw(&render::text_all(&shown_diags, &source, ui.style()));
    }
    if !ui.quiet {
        let what = match (clean, diags.len()) {
            (true, 0) => "it checks clean".to_string(),
            (true, 1) => "it checks, with 1 warning (above)".to_string(),
            (true, n) => format!("it checks, with {n} warnings (above)"),
            (false, _) => "it does not check: see the findings above".to_string(),
        };
        let warned = match findings.len() {
            0 => String::new(),
            1 => " (1 import warning)".to_string(),
            n => format!(" ({n} import warnings)"),
        };
        let place = match output {
            Some(p) if !input::is_stdin(p) => p.shown(),
            _ => "standard output".to_string(),
        };
        say(&format!("import: wrote {place}{warned}; {what}"));
    }
    ExitCode::from(if clean { OK } else { INVALID })
}
