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

use crate::diag::lint::{Level, Origin, Setting};
use crate::diag::render::{self, FailureKind, TextStyle};
use crate::diag::{Diagnostic, codes};
use crate::pipeline::{self, Compiled, Options};
use crate::source::{SourceFile, Span, TextProblem};
use crate::target::{ChOverrides, LibvirtOverrides, QemuOverrides};
use crate::text::{ShowPath, escaped};
use args::{Cli, ColorChoice, Command, Format, LintArgs, TargetArgs};
use std::cell::RefCell;
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
    /// Under `--format json`: the report printed at the end of the run.
    json: Option<RefCell<render::Report>>,
    /// Warnings the lint levels allowed, for the text summary.
    allowed: std::cell::Cell<usize>,
}

impl Ui {
    /// A usage or I/O error: said on standard error, or recorded in the
    /// JSON report under `--format json`. Exit status 2.
    fn fail(&self, kind: FailureKind, msg: impl std::fmt::Display) -> ExitCode {
        match &self.json {
            Some(r) => {
                r.borrow_mut().fail(kind, msg.to_string());
                ExitCode::from(USAGE)
            }
            None => err(msg),
        }
    }

    fn usage(&self, msg: impl std::fmt::Display) -> ExitCode {
        self.fail(FailureKind::Usage, msg)
    }

    fn io(&self, msg: impl std::fmt::Display) -> ExitCode {
        self.fail(FailureKind::Io, msg)
    }

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
/// A line may quote a path or value as the user gave it: its control
/// characters are escaped, so none reaches the terminal.
fn say(line: &str) {
    say_raw(&format!("{}\n", crate::text::visible(line)));
}

/// What clap says about the arguments: a usage error, or help and version.
/// clap quotes a refused argument as it was given and, on a terminal, prints
/// it inside its own colour sequences; so a usage error is printed as plain
/// text (clap's rendering without styles, which drops escape sequences)
/// with every other control character escaped ([`crate::text::visible`]).
/// Help and version hold nothing the user typed and print as clap prints
/// them.
pub fn clap_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        e.exit()
    }
    let mut plain = e.render().to_string();
    // clap quotes an argument (or the value after `--flag=`) as given; one
    // with a line feed would break the message into lines topoc did not
    // write, so each such argument is escaped whole, the longest first.
    let mut odd: Vec<String> = std::env::args_os()
        .skip(1)
        .flat_map(|a| {
            let a = a.to_string_lossy().into_owned();
            let value = a.split_once('=').map(|(_, v)| v.to_string());
            std::iter::once(a).chain(value)
        })
        .filter(|a| a.chars().any(crate::text::is_forbidden))
        .collect();
    odd.sort_by_key(|a| std::cmp::Reverse(a.len()));
    for a in &odd {
        plain = plain.replace(a.as_str(), &escaped(a));
    }
    say_raw(&crate::text::visible(&plain));
    ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(USAGE))
}

fn err(msg: impl std::fmt::Display) -> ExitCode {
    say(&format!("error: {msg}"));
    ExitCode::from(USAGE)
}

/// The binary's entry: parses the command line and runs it. A usage error
/// of the command line itself is reported as JSON when the command line
/// asks for `--format json`, like every other error.
pub fn main() -> ExitCode {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    match <Cli as clap::Parser>::try_parse_from(&args) {
        Ok(cli) => run(cli),
        Err(e) => usage_error(&args, e),
    }
}

/// `--format json` (or `--format=json`) before any `--`.
fn asks_for_json(args: &[std::ffi::OsString]) -> bool {
    let args: Vec<&std::ffi::OsStr> = args
        .iter()
        .skip(1)
        .map(|a| a.as_os_str())
        .take_while(|a| *a != "--")
        .collect();
    args.iter().any(|a| *a == "--format=json")
        || args
            .windows(2)
            .any(|w| w[0] == "--format" && w[1] == "json")
}

/// The first argument that names a subcommand.
fn subcommand_of(args: &[std::ffi::OsString]) -> Option<String> {
    let cmd = <Cli as clap::CommandFactory>::command();
    args.iter().skip(1).find_map(|a| {
        let a = a.to_str()?;
        cmd.get_subcommands()
            .any(|s| s.get_name() == a)
            .then(|| a.to_string())
    })
}

fn usage_error(args: &[std::ffi::OsString], e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if !asks_for_json(args)
        || matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion)
    {
        return clap_error(e);
    }
    let mut r = render::Report::new(subcommand_of(args).as_deref());
    // clap's text, without the `error: ` the report's `failure` already says.
    let text = e.render().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    r.fail(FailureKind::Usage, text.trim_end());
    match write_out(r.render().as_bytes()) {
        Ok(()) => ExitCode::from(USAGE),
        Err(code) => code,
    }
}

/// The name of a command that was asked for `--format json`.
fn json_command(c: &Command) -> Option<&'static str> {
    match c {
        Command::Check {
            format: Format::Json,
            ..
        } => Some("check"),
        Command::Build {
            format: Format::Json,
            list: false,
            ..
        } => Some("build"),
        Command::Inspect {
            format: Format::Json,
            ..
        } => Some("inspect"),
        Command::Verify {
            format: Format::Json,
            ..
        } => Some("verify"),
        _ => None,
    }
}

pub fn run(cli: Cli) -> ExitCode {
    let command = json_command(&cli.command);
    let ui = Ui {
        quiet: cli.quiet,
        verbose: cli.verbose,
        color: use_color(cli.color),
        json: command.map(|c| RefCell::new(render::Report::new(Some(c)))),
        allowed: std::cell::Cell::new(0),
    };
    let code = dispatch(&ui, cli.command);
    // Under --format json, `check` and `build` always print their report;
    // `inspect` and `verify` print their own documents, and the report
    // only when they fail before them.
    match ui.json.map(RefCell::into_inner) {
        Some(r) if matches!(command, Some("check" | "build")) || r.has_failure() => {
            match write_out(r.render().as_bytes()) {
                Ok(()) => code,
                Err(c) => c,
            }
        }
        _ => code,
    }
}

fn dispatch(ui: &Ui, command: Command) -> ExitCode {
    match command {
        Command::Check {
            file,
            target,
            format,
            lints,
        } => check(ui, &file, &target, format, &lints),
        Command::Build {
            file,
            target,
            out,
            emit,
            output,
            format,
            lints,
            list,
        } => {
            if list {
                return list_artifacts();
            }
            let Some(file) = file else {
                return ui.usage("a topology file is required");
            };
            build(
                ui,
                &file,
                &target,
                out.as_deref(),
                emit.as_deref(),
                output.as_deref(),
                format,
                &lints,
            )
        }
        Command::Explain { code, list } => explain(code.as_deref(), list),
        Command::Schema { of } => print_out(
            match of {
                args::SchemaKind::Input => crate::parse::schema::render(),
                args::SchemaKind::Diagnostics => render::render_schema(),
                args::SchemaKind::Verify => crate::verify::render_schema(),
            }
            .as_bytes(),
        ),
        Command::Graph {
            file,
            target,
            format,
            output,
        } => graph(ui, &file, &target, format, output.as_deref()),
        Command::Inspect { inputs, format } => inspect(ui, &inputs, format),
        Command::ProbeScript => print_out(crate::probe::PROBE_SCRIPT.as_bytes()),
        Command::Verify {
            file,
            target,
            guest,
            format,
            all,
        } => verify(ui, &file, &target, &guest, format, all),
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
            ui,
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
    let bytes = input::read_topology(path).map_err(|e| ui.io(e))?;
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

/// The command line's lint settings; one lint given two levels is a usage
/// error.
fn lint_settings(l: &LintArgs) -> Result<Vec<Setting>, String> {
    let mut out: Vec<Setting> = Vec::new();
    let flags = [
        (Level::Allow, &l.allow),
        (Level::Warn, &l.warn),
        (Level::Deny, &l.deny),
    ];
    for (level, lints) in flags {
        for &lint in lints {
            if let Some(s) = out.iter().find(|s| s.lint == lint && s.level != level) {
                return Err(format!(
                    "`{}` is given both --{} and --{}: give it one level",
                    lint.key(),
                    s.level.as_str(),
                    level.as_str()
                ));
            }
            out.push(Setting {
                lint,
                level,
                origin: Origin::CommandLine,
            });
        }
    }
    Ok(out)
}

fn options(t: &TargetArgs, lints: Vec<Setting>) -> Options {
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
        lints,
        libvirt: LibvirtOverrides {
            version: t.libvirt_version,
            domain_type: t.libvirt_domain_type,
            kernel: t.libvirt_kernel.clone(),
            initrd: t.libvirt_initrd.clone(),
            cmdline: t.libvirt_cmdline.clone(),
            console: t.libvirt_console.clone(),
            fallback: t.fallback,
        },
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
    match (format, &ui.json) {
        (Format::Json, Some(r)) => r.borrow_mut().add(diags, source),
        (Format::Json, None) => write_out(render::json(diags, source).as_bytes())?,
        (Format::Text, _) => {
            if ui.quiet {
                let errors: Vec<Diagnostic> =
                    diags.iter().filter(|d| d.is_error()).cloned().collect();
                if !errors.is_empty() {
                    say_raw(&render::text_all(&errors, source, ui.style()));
                }
            } else if !diags.is_empty() || ui.verbose {
                say_raw(&render::text_report(
                    diags,
                    source,
                    ui.style(),
                    ui.allowed.get(),
                ));
            }
        }
    }
    Ok(())
}

fn compile(
    ui: &Ui,
    file: &Path,
    opts: &Options,
    format: Format,
) -> Result<(Compiled, SourceFile), ExitCode> {
    let source = read_source(ui, file, format)?;
    let (result, lints) = pipeline::compile_linted(&source, opts);
    ui.allowed.set(lints.allowed);
    if let Some(r) = &ui.json {
        r.borrow_mut().lints(&lints);
    }
    match result {
        Ok(c) => Ok((c, source)),
        Err(diags) => {
            report(ui, &diags, &source, format)?;
            Err(ExitCode::from(INVALID))
        }
    }
}

fn check(ui: &Ui, file: &Path, t: &TargetArgs, format: Format, lints: &LintArgs) -> ExitCode {
    let lints = match lint_settings(lints) {
        Ok(l) => l,
        Err(e) => return ui.usage(e),
    };
    match compile(ui, file, &options(t, lints), format) {
        Ok((c, source)) => {
            if let Err(code) = report(ui, &c.warnings, &source, format) {
                return code;
            }
            if format == Format::Text && c.warnings.is_empty() && !ui.quiet {
                say(&render::summary_with(
                    &escaped(&source.name),
                    0,
                    0,
                    ui.allowed.get(),
                ));
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
    lints: &LintArgs,
) -> ExitCode {
    // Usage errors come before any work.
    let lints = match lint_settings(lints) {
        Ok(l) => l,
        Err(e) => return ui.usage(e),
    };
    if format == Format::Json && emit.is_some() && output.is_none_or(input::is_stdin) {
        return ui.usage(
            "--format json prints its report on standard output: give `-o FILE` for the artifact",
        );
    }
    let artifact = match emit {
        Some(name) => match crate::emit::lookup(name) {
            Some(a) if a.targets.contains(&t.target) => Some(a),
            Some(_) => {
                return ui.usage(format!("artifact `{name}` is not produced for this target"));
            }
            None => {
                let names: Vec<&str> = crate::emit::ARTIFACTS.iter().map(|a| a.name).collect();
                let hint = crate::diag::did_you_mean(name, names.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return ui.usage(format!(
                    "unknown artifact `{name}`{hint}; `topoc build --list` lists them"
                ));
            }
        },
        None => None,
    };
    let (c, source) = match compile(ui, file, &options(t, lints), format) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if let Err(code) = report(ui, &c.warnings, &source, format) {
        return code;
    }
    let notice = |m: &str| ui.notice(m);
    let arch = c.topo.machine.arch.value;
    if let Some(a) = artifact.filter(|a| !a.arches.contains(&arch)) {
        return err(format!(
            "artifact `{}` is not produced for an {arch} guest: {} exists only on x86_64 \
             (QEMU's aarch64 `virt` machine has no E820; its firmware describes memory in the UEFI memory map)",
            a.name, a.description
        ));
    }
    if let Some(a) = artifact {
        let Some(bytes) = a.render(&c) else {
            return ui.usage(format!(
                "{} has no {} ({})",
                escaped(&source.name),
                a.name,
                a.description
            ));
        };
        return match output {
            Some(p) if !input::is_stdin(p) => match write::write_file(p, &bytes, &notice) {
                Ok(_) => ExitCode::from(OK),
                Err(e) => ui.io(e),
            },
            _ => print_out(&bytes),
        };
    }
    let Some(dir) = out else {
        return ui.usage("give --out DIR or --emit ARTIFACT");
    };
    // One artifact in memory at a time: render, stage, drop.
    let mut staged = match write::OutDir::open(dir, &notice) {
        Ok(o) => o,
        Err(e) => return ui.io(e),
    };
    let mut written: Vec<(PathBuf, u64)> = Vec::new();
    for a in crate::emit::for_target(t.target, arch) {
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
            Err(e) => return ui.io(e),
        }
    }
    let committed = match staged.commit() {
        Ok(c) => c,
        Err(e) => return ui.io(e),
    };
    if !ui.quiet && format == Format::Text {
        let mut line = format!(
            "{}: wrote {} files to {}",
            escaped(&source.name),
            written.len(),
            dir.shown()
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
                say(&format!("  {} ({len} bytes)", p.shown()));
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
    let (c, source) = match compile(ui, file, &options(t, Vec::new()), Format::Text) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if let Err(code) = report(ui, &c.warnings, &source, Format::Text) {
        return code;
    }
    let Some(bytes) = a.render(&c) else {
        return err(format!("{} has no {}", escaped(&source.name), a.name));
    };
    match output {
        Some(p) if !input::is_stdin(p) => match write::write_file(p, &bytes, &|m| ui.notice(m)) {
            Ok(_) => {
                // Like `build --out`: say what was written, unless -q.
                if !ui.quiet {
                    say(&format!("{}: drew {}", escaped(&source.name), p.shown()));
                }
                ExitCode::from(OK)
            }
            Err(e) => err(e),
        },
        _ => print_out(&bytes),
    }
}

fn inspect(ui: &Ui, inputs: &[PathBuf], format: Format) -> ExitCode {
    use crate::inspect;
    let items = match input::inspect_items(inputs) {
        Ok(i) => i,
        Err(e) => return ui.io(e),
    };
    let out = match format {
        // File names and table bytes are shown, never obeyed.
        Format::Text => crate::text::visible(&inspect::text(&items)).into_owned(),
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
        return ui.usage(
            "standard input (`-`) can be read only once: give the topology or the dump as a file",
        );
    }
    // A dump is a console log as often as not: bytes that are not UTF-8
    // are replaced, not refused.
    let text = match input::read(guest) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => return ui.io(e),
    };
    let guest_name = input::shown_name(guest);
    let dump = match crate::guest::dump::GuestDump::parse(&text) {
        Ok(d) => d,
        Err(e) => return ui.usage(format!("{guest_name}: {e}")),
    };
    // The prediction needs a valid topology: an invalid one is a usage
    // error here, its diagnostics in the report under --format json.
    let (c, source) = match compile(ui, file, &options(t, Vec::new()), format) {
        Ok(x) => x,
        Err(_) if ui.json.is_none() => return ExitCode::from(USAGE),
        Err(_) => {
            return ui.usage(format!(
                "{}: the topology is invalid; verify needs one that checks",
                input::name(file)
            ));
        }
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
        Format::Text => crate::text::visible(&r.render_text(all || ui.verbose)).into_owned(),
    };
    if let Err(code) = write_out(out.as_bytes()) {
        return code;
    }
    ExitCode::from(if r.passed() { OK } else { INVALID })
}

fn list_artifacts() -> ExitCode {
    let mut s = String::new();
    for a in crate::emit::ARTIFACTS {
        let only = if a.arches.contains(&crate::kinds::Arch::Aarch64) {
            ""
        } else {
            " (x86_64 only)"
        };
        s.push_str(&format!(
            "{:<18} {:<20} {}{only}\n",
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
