//! The command-line front end: argument definitions ([`args`]), the commands,
//! and atomic output ([`write`]). This is the only module that prints or
//! touches files.

pub mod args;
pub mod write;

use crate::diag::render::{self, TextStyle};
use crate::diag::{Diagnostic, codes};
use crate::pipeline::{self, Compiled, Options};
use crate::source::SourceFile;
use crate::target::{ChOverrides, QemuOverrides};
use args::{Cli, ColorChoice, Command, Deny, Format, TargetArgs};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Exit status: success.
pub const OK: u8 = 0;
/// Exit status: the topology is invalid.
pub const INVALID: u8 = 1;
/// Exit status: usage or I/O error.
pub const USAGE: u8 = 2;

struct Ui {
    quiet: bool,
    verbose: bool,
    color: bool,
}

impl Ui {
    fn style(&self) -> TextStyle {
        let width = if self.color {
            100
        } else {
            TextStyle::PLAIN.width
        };
        TextStyle {
            color: self.color,
            width,
        }
    }
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}

fn err(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(USAGE)
}

pub fn run(cli: Cli) -> ExitCode {
    let ui = Ui {
        quiet: cli.quiet,
        verbose: cli.verbose,
        color: use_color(cli.color),
    };
    match cli.command {
        Command::Check {
            file,
            target,
            format,
            deny,
        } => check(&ui, &file, &target, format, deny),
        Command::Build {
            file,
            target,
            out,
            emit,
            output,
            format,
            deny,
            list,
        } => {
            if list {
                return list_artifacts();
            }
            let Some(file) = file else {
                return err("a topology file is required");
            };
            build(
                &ui,
                &file,
                &target,
                out.as_deref(),
                emit.as_deref(),
                output.as_deref(),
                format,
                deny,
            )
        }
        Command::Explain { code, list } => explain(code.as_deref(), list),
        Command::Schema => print_out(crate::schema::render().as_bytes()),
        Command::Graph {
            file,
            target,
            format,
            output,
        } => graph(&ui, &file, &target, format, output.as_deref()),
        Command::Inspect { inputs, format } => inspect(&inputs, format),
        Command::ProbeScript => print_out(crate::probe::PROBE_SCRIPT.as_bytes()),
        Command::Verify {
            file,
            target,
            guest,
            format,
            all,
        } => verify(&ui, &file, &target, &guest, format, all),
    }
}

fn print_out(bytes: &[u8]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::from(OK),
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(OK),
        Err(e) => err(format!("cannot write to standard output: {e}")),
    }
}

fn read_source(path: &Path) -> Result<SourceFile, ExitCode> {
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(path.display().to_string(), text)),
            Err(_) => Err(err(format!("{} is not UTF-8 text", path.display()))),
        },
        Err(e) => Err(err(format!("cannot read {}: {e}", path.display()))),
    }
}

fn options(t: &TargetArgs, deny: Option<Deny>) -> Options {
    Options {
        target: t.target,
        qemu: QemuOverrides {
            version: t.qemu_version,
            machine: t.machine_type,
            spm: t.spm_dialect,
            firmware: t.firmware,
            cpu_model: t.cpu_model.clone(),
        },
        ch: ChOverrides {
            boot: t.ch_boot,
            kernel: t.ch_kernel.clone(),
            initramfs: t.ch_initramfs.clone(),
            cmdline: t.ch_cmdline.clone(),
            firmware: t.ch_firmware.clone(),
            fallback: t.fallback,
        },
        deny_warnings: deny == Some(Deny::Warnings),
        acpi_oem_revision: t.acpi_oem_revision,
    }
}

/// Prints diagnostics: text to stderr, or one JSON document to stdout.
fn report(ui: &Ui, diags: &[Diagnostic], source: &SourceFile, format: Format) {
    match format {
        Format::Json => {
            let _ = std::io::stdout().write_all(render::json(diags, source).as_bytes());
        }
        Format::Text => {
            if ui.quiet {
                let errors: Vec<Diagnostic> =
                    diags.iter().filter(|d| d.is_error()).cloned().collect();
                if !errors.is_empty() {
                    eprint!("{}", render::text_all(&errors, source, ui.style()));
                }
            } else if !diags.is_empty() || ui.verbose {
                eprint!("{}", render::text_all(diags, source, ui.style()));
            }
        }
    }
}

fn compile(
    ui: &Ui,
    file: &Path,
    t: &TargetArgs,
    deny: Option<Deny>,
    format: Format,
) -> Result<(Compiled, SourceFile), ExitCode> {
    let source = read_source(file)?;
    match pipeline::compile(&source, &options(t, deny)) {
        Ok(c) => Ok((c, source)),
        Err(diags) => {
            report(ui, &diags, &source, format);
            Err(ExitCode::from(INVALID))
        }
    }
}

fn check(ui: &Ui, file: &Path, t: &TargetArgs, format: Format, deny: Option<Deny>) -> ExitCode {
    match compile(ui, file, t, deny, format) {
        Ok((c, source)) => {
            report(ui, &c.warnings, &source, format);
            if format == Format::Text && c.warnings.is_empty() && !ui.quiet {
                eprintln!("{}", render::summary(&source.name, 0, 0));
            }
            ExitCode::from(OK)
        }
        Err(code) => code,
    }
}

#[allow(clippy::too_many_arguments)]
fn build(
    ui: &Ui,
    file: &Path,
    t: &TargetArgs,
    out: Option<&Path>,
    emit: Option<&str>,
    output: Option<&Path>,
    format: Format,
    deny: Option<Deny>,
) -> ExitCode {
    // Usage errors come before any work.
    let artifact = match emit {
        Some(name) => match crate::emit::lookup(name) {
            Some(a) if a.targets.contains(&t.target) => Some(a),
            Some(_) => return err(format!("artifact `{name}` is not produced for this target")),
            None => {
                let names: Vec<&str> = crate::emit::ARTIFACTS.iter().map(|a| a.name).collect();
                let hint = crate::diag::did_you_mean(name, names.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return err(format!(
                    "unknown artifact `{name}`{hint}; `topoc build --list` lists them"
                ));
            }
        },
        None => None,
    };
    let (c, source) = match compile(ui, file, t, deny, format) {
        Ok(x) => x,
        Err(code) => return code,
    };
    report(ui, &c.warnings, &source, format);
    if let Some(a) = artifact {
        let Some(bytes) = a.render(&c) else {
            return err(format!(
                "{} has no {} ({})",
                source.name, a.name, a.description
            ));
        };
        return match output {
            None => print_out(&bytes),
            Some(p) if p.as_os_str() == "-" => print_out(&bytes),
            Some(p) => match write::write_all(&[(p.to_path_buf(), bytes)]) {
                Ok(()) => ExitCode::from(OK),
                Err(e) => err(e),
            },
        };
    }
    let Some(dir) = out else {
        return err("give --out DIR or --emit ARTIFACT");
    };
    // One artifact in memory at a time: render, stage, drop.
    let mut tx = write::Transaction::default();
    let mut written: Vec<(PathBuf, u64)> = Vec::new();
    for a in crate::emit::for_target(t.target) {
        let path = dir.join(a.file);
        let mut len = 0;
        let staged = tx.stage_with(&path, |w| {
            let mut counted = Counted { inner: w, len: 0 };
            let present = a.write_to(&c, &mut counted)?;
            len = counted.len;
            Ok(present)
        });
        match staged {
            Ok(true) => written.push((path, len)),
            Ok(false) => {}
            Err(e) => return err(e),
        }
    }
    if let Err(e) = tx.commit() {
        return err(e);
    }
    if !ui.quiet && format == Format::Text {
        eprintln!(
            "{}: wrote {} files to {}",
            source.name,
            written.len(),
            dir.display()
        );
        if ui.verbose {
            for (p, len) in &written {
                eprintln!("  {} ({len} bytes)", p.display());
            }
        }
    }
    ExitCode::from(OK)
}

/// A writer that counts what passes through, for `--verbose`.
struct Counted<'a> {
    inner: &'a mut dyn std::io::Write,
    len: u64,
}

impl std::io::Write for Counted<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// `topoc graph`: check the topology, then draw it.
fn graph(
    ui: &Ui,
    file: &Path,
    t: &TargetArgs,
    format: args::GraphFormat,
    output: Option<&Path>,
) -> ExitCode {
    let Some(a) = crate::emit::lookup(format.artifact()) else {
        return err(format!("no artifact `{}`", format.artifact()));
    };
    let (c, source) = match compile(ui, file, t, None, Format::Text) {
        Ok(x) => x,
        Err(code) => return code,
    };
    report(ui, &c.warnings, &source, Format::Text);
    let Some(bytes) = a.render(&c) else {
        return err(format!("{} has no {}", source.name, a.name));
    };
    match output {
        None => print_out(&bytes),
        Some(p) if p.as_os_str() == "-" => print_out(&bytes),
        Some(p) => match write::write_all(&[(p.to_path_buf(), bytes)]) {
            Ok(()) => {
                // Like `build --out`: say what was written, unless -q.
                if !ui.quiet {
                    eprintln!("{}: drew {}", source.name, p.display());
                }
                ExitCode::from(OK)
            }
            Err(e) => err(e),
        },
    }
}

fn inspect(inputs: &[PathBuf], format: Format) -> ExitCode {
    use crate::decode::inspect;
    let items = match inspect::load(inputs) {
        Ok(i) => i,
        Err(e) => return err(e),
    };
    let out = match format {
        Format::Text => inspect::text(&items),
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&inspect::json(&items)).unwrap_or_default();
            s.push('\n');
            s
        }
    };
    let code = print_out(out.as_bytes());
    if items.iter().any(inspect::Item::is_invalid) {
        ExitCode::from(INVALID)
    } else {
        code
    }
}

/// `topoc verify`: 0 when the guest agrees, 1 when it differs, 2 when the
/// topology or the dump cannot be used (the prediction needs a valid
/// topology, so an invalid one is a usage error here).
fn verify(
    ui: &Ui,
    file: &Path,
    t: &TargetArgs,
    guest: &Path,
    format: Format,
    all: bool,
) -> ExitCode {
    let text = if guest.as_os_str() == "-" {
        let mut s = String::new();
        match std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
            Ok(_) => s,
            Err(e) => return err(format!("cannot read the dump from standard input: {e}")),
        }
    } else {
        match std::fs::read(guest) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => return err(format!("cannot read {}: {e}", guest.display())),
        }
    };
    let dump = match crate::guest::dump::GuestDump::parse(&text) {
        Ok(d) => d,
        Err(e) => return err(format!("{}: {e}", guest.display())),
    };
    let (c, source) = match compile(ui, file, t, None, Format::Text) {
        Ok(x) => x,
        Err(_) => return ExitCode::from(USAGE),
    };
    if format == Format::Text && !ui.quiet {
        report(ui, &c.warnings, &source, format);
        for w in &dump.warnings {
            eprintln!("warning: {}: {w}", guest.display());
        }
    }
    let r = crate::verify::verify(&c, &dump);
    let out = match format {
        Format::Json => r.render_json(),
        Format::Text => r.render_text(all || ui.verbose),
    };
    let code = print_out(out.as_bytes());
    if code != ExitCode::from(OK) {
        return code;
    }
    ExitCode::from(if r.passed() { OK } else { INVALID })
}

fn list_artifacts() -> ExitCode {
    let mut s = String::new();
    for a in crate::emit::ARTIFACTS {
        s.push_str(&format!(
            "{:<18} {:<20} {}\n",
            a.name, a.file, a.description
        ));
    }
    print_out(s.as_bytes())
}

fn explain(code: Option<&str>, list: bool) -> ExitCode {
    if list {
        let mut s = String::new();
        for c in codes::ALL {
            s.push_str(&format!(
                "{}  {:<8} {:<28} {}\n",
                c.code,
                c.severity.as_str(),
                c.name,
                c.title
            ));
        }
        return print_out(s.as_bytes());
    }
    let Some(code) = code else {
        return err("give a code, e.g. `topoc explain T020`");
    };
    match codes::lookup(code) {
        Some(c) => print_out(
            format!(
                "{}\n\nSeverity: {}. Name: {}.\n",
                c.explanation.trim_end(),
                c.severity.as_str(),
                c.name
            )
            .as_bytes(),
        ),
        None => {
            let names = codes::ALL.iter().flat_map(|c| [c.code, c.name]);
            let hint = crate::diag::did_you_mean(code, names)
                .map(|s| format!(" (did you mean {s}?)"))
                .unwrap_or_default();
            err(format!(
                "no diagnostic code `{code}`{hint}; `topoc explain --list` lists them"
            ))
        }
    }
}
