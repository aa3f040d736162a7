//! The command-line front end: argument definitions ([`args`]), reading
//! inputs ([`input`]), the commands, and safe output ([`write`]). This is
//! the only module that prints or touches files.
//!
//! Every file argument takes `-` for standard input. A failed write to
//! standard output is an I/O error (exit 2), except a closed pipe (`| head`);
//! a failed write to standard error is ignored, since nothing is left to
//! report it on, and never a panic.

pub mod args;
mod import;
pub mod input;
pub mod write;

use crate::diag::render::{self, TextStyle};
use crate::diag::{Diagnostic, codes};
use crate::pipeline::{self, Compiled, Options};
use crate::source::{SourceFile, Span, TextProblem};
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
    /// Says something that is not an error on standard error, unless `-q`.
    fn notice(&self, msg: &str) {
        if !self.quiet {
            say(&format!("note: {msg}"));
        }
    }

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

/// Writes `text` to standard error as it is. A failure is ignored: there
/// is nowhere left to report it.
fn say_raw(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Writes one line to standard error, like `eprintln!` but never a panic.
fn say(line: &str) {
    say_raw(&format!("{line}\n"));
}

fn err(msg: impl std::fmt::Display) -> ExitCode {
    say(&format!("error: {msg}"));
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
        Command::Schema => print_out(crate::parse::schema::render().as_bytes()),
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
        Command::Import {
            srat,
            slit,
            hmat,
            dump,
            host,
            root,
            output,
            name,
            memory_scale,
            memory,
            nodes,
            cpus,
            devices,
            target,
        } => import::run(
            &ui,
            &import::Sources {
                srat,
                slit,
                hmat,
                dump,
                host: host.then_some(root),
            },
            output.as_deref(),
            name.as_deref(),
            &crate::import::fit::Fit {
                memory: memory_scale.or(memory.map(crate::import::fit::MemoryFit::Total)),
                nodes: nodes.map(|l| l.0),
                cpus: cpus.map(|l| l.0),
                devices: match devices {
                    args::ImportDevices::StandIn => crate::import::fit::DeviceMode::StandIn,
                    args::ImportDevices::Vfio => crate::import::fit::DeviceMode::Vfio,
                    args::ImportDevices::None => crate::import::fit::DeviceMode::None,
                },
            },
            &target,
        ),
    }
}

/// Writes to standard output: `Err` with the exit status (after saying
/// why) when that fails.
fn write_out(bytes: &[u8]) -> Result<(), ExitCode> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        // A closed pipe (`| head`) is not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(err(format!("cannot write to standard output: {e}"))),
    }
}

fn print_out(bytes: &[u8]) -> ExitCode {
    match write_out(bytes) {
        Ok(()) => ExitCode::from(OK),
        Err(code) => code,
    }
}

/// Reads a topology file (or `-`). Text that is not TOML before it is even
/// parsed (not UTF-8, a lone carriage return) is an invalid topology: it is
/// reported as a T001 diagnostic and gives exit 1.
fn read_source(ui: &Ui, path: &Path, format: Format) -> Result<SourceFile, ExitCode> {
    let bytes = input::read_topology(path).map_err(err)?;
    match SourceFile::decode(input::name(path), bytes) {
        Ok(source) => Ok(source),
        Err((source, problem)) => {
            report(ui, &[text_diagnostic(&problem)], &source, format)?;
            Err(ExitCode::from(INVALID))
        }
    }
}

fn text_diagnostic(problem: &TextProblem) -> Diagnostic {
    match *problem {
        TextProblem::NotUtf8 {
            offset,
            byte,
            utf16,
        } => {
            let d = Diagnostic::new(
                &codes::T001,
                format!("TOML syntax error: the file is not UTF-8 text (byte {byte:#04x})"),
                Span::new(offset, offset + '\u{fffd}'.len_utf8()),
                "not UTF-8",
            )
            .help("TOML files are UTF-8: convert it, e.g. `iconv -f LATIN1 -t UTF-8`");
            if utf16 {
                d.note("the file starts with a UTF-16 byte-order mark; save it as UTF-8")
            } else {
                d
            }
        }
        TextProblem::LoneCr { offset, count } => Diagnostic::new(
            &codes::T001,
            "TOML syntax error: a carriage return not followed by a line feed".to_string(),
            Span::new(offset, offset),
            "line ends with a lone CR",
        )
        .help(format!(
            "TOML lines end with LF or CRLF; {count} line{} of this file end{} with a lone CR \
             (classic Mac OS line endings): convert it, e.g. `tr '\\r' '\\n'`",
            if count == 1 { "" } else { "s" },
            if count == 1 { "s" } else { "" }
        )),
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
            version: t.ch_version,
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

/// Prints diagnostics: text to stderr, or one JSON document to stdout
/// (`Err` with the exit status when stdout cannot be written).
fn report(
    ui: &Ui,
    diags: &[Diagnostic],
    source: &SourceFile,
    format: Format,
) -> Result<(), ExitCode> {
    match format {
        Format::Json => write_out(render::json(diags, source).as_bytes())?,
        Format::Text => {
            if ui.quiet {
                let errors: Vec<Diagnostic> =
                    diags.iter().filter(|d| d.is_error()).cloned().collect();
                if !errors.is_empty() {
                    say_raw(&render::text_all(&errors, source, ui.style()));
                }
            } else if !diags.is_empty() || ui.verbose {
                say_raw(&render::text_all(diags, source, ui.style()));
            }
        }
    }
    Ok(())
}

fn compile(
    ui: &Ui,
    file: &Path,
    t: &TargetArgs,
    deny: Option<Deny>,
    format: Format,
) -> Result<(Compiled, SourceFile), ExitCode> {
    let source = read_source(ui, file, format)?;
    match pipeline::compile(&source, &options(t, deny)) {
        Ok(c) => Ok((c, source)),
        Err(diags) => {
            report(ui, &diags, &source, format)?;
            Err(ExitCode::from(INVALID))
        }
    }
}

fn check(ui: &Ui, file: &Path, t: &TargetArgs, format: Format, deny: Option<Deny>) -> ExitCode {
    match compile(ui, file, t, deny, format) {
        Ok((c, source)) => {
            if let Err(code) = report(ui, &c.warnings, &source, format) {
                return code;
            }
            if format == Format::Text && c.warnings.is_empty() && !ui.quiet {
                say(&render::summary(&source.name, 0, 0));
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
    if let Err(code) = report(ui, &c.warnings, &source, format) {
        return code;
    }
    let notice = |m: &str| ui.notice(m);
    if let Some(a) = artifact {
        let Some(bytes) = a.render(&c) else {
            return err(format!(
                "{} has no {} ({})",
                source.name, a.name, a.description
            ));
        };
        return match output {
            Some(p) if !input::is_stdin(p) => match write::write_file(p, &bytes, &notice) {
                Ok(_) => ExitCode::from(OK),
                Err(e) => err(e),
            },
            _ => print_out(&bytes),
        };
    }
    let Some(dir) = out else {
        return err("give --out DIR or --emit ARTIFACT");
    };
    // One artifact in memory at a time: render, stage, drop.
    let mut staged = match write::OutDir::open(dir, &notice) {
        Ok(o) => o,
        Err(e) => return err(e),
    };
    let mut written: Vec<(PathBuf, u64)> = Vec::new();
    for a in crate::emit::for_target(t.target) {
        let mut len = 0;
        let result = staged.stage_with(a.file, |w| {
            let mut counted = Counted { inner: w, len: 0 };
            let present = a.write_to(&c, &mut counted)?;
            len = counted.len;
            Ok(present)
        });
        match result {
            Ok(true) => written.push((dir.join(a.file), len)),
            Ok(false) => {}
            Err(e) => return err(e),
        }
    }
    let committed = match staged.commit() {
        Ok(c) => c,
        Err(e) => return err(e),
    };
    if !ui.quiet && format == Format::Text {
        let mut line = format!(
            "{}: wrote {} files to {}",
            source.name,
            written.len(),
            dir.display()
        );
        if !committed.removed.is_empty() {
            line.push_str(&format!(
                "; removed {} an earlier build wrote there ({})",
                committed.removed.len(),
                committed.removed.join(", ")
            ));
        }
        say(&line);
        if ui.verbose {
            for (p, len) in &written {
                say(&format!("  {} ({len} bytes)", p.display()));
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
    if let Err(code) = report(ui, &c.warnings, &source, Format::Text) {
        return code;
    }
    let Some(bytes) = a.render(&c) else {
        return err(format!("{} has no {}", source.name, a.name));
    };
    match output {
        Some(p) if !input::is_stdin(p) => match write::write_file(p, &bytes, &|m| ui.notice(m)) {
            Ok(_) => {
                // Like `build --out`: say what was written, unless -q.
                if !ui.quiet {
                    say(&format!("{}: drew {}", source.name, p.display()));
                }
                ExitCode::from(OK)
            }
            Err(e) => err(e),
        },
        _ => print_out(&bytes),
    }
}

fn inspect(inputs: &[PathBuf], format: Format) -> ExitCode {
    use crate::inspect;
    let items = match input::inspect_items(inputs) {
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
    if let Err(code) = write_out(out.as_bytes()) {
        return code;
    }
    if items.iter().any(inspect::Item::is_invalid) {
        ExitCode::from(INVALID)
    } else {
        ExitCode::from(OK)
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
    if input::is_stdin(file) && input::is_stdin(guest) {
        return err(
            "standard input (`-`) can be read only once: give the topology or the dump as a file",
        );
    }
    // A dump is a console log as often as not: bytes that are not UTF-8
    // are replaced, not refused.
    let text = match input::read(guest) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => return err(e),
    };
    let guest_name = input::name(guest);
    let dump = match crate::guest::dump::GuestDump::parse(&text) {
        Ok(d) => d,
        Err(e) => return err(format!("{guest_name}: {e}")),
    };
    let (c, source) = match compile(ui, file, t, None, Format::Text) {
        Ok(x) => x,
        Err(_) => return ExitCode::from(USAGE),
    };
    if format == Format::Text && !ui.quiet {
        if let Err(code) = report(ui, &c.warnings, &source, format) {
            return code;
        }
        for w in &dump.warnings {
            say(&format!("warning: {guest_name}: {w}"));
        }
    }
    let r = crate::verify::verify(&c, &dump);
    let out = match format {
        Format::Json => r.render_json(),
        Format::Text => r.render_text(all || ui.verbose),
    };
    if let Err(code) = write_out(out.as_bytes()) {
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
