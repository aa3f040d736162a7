//! The command-line interface, defined once: `--help`, the man page and the
//! shell completions are all generated from these types.

use crate::diag::lint::{Level, Lint};
use crate::kinds::{
    ChBoot, ChVersion, Firmware, LibvirtDomainType, LibvirtVersion, QemuMachine, QemuVersion,
    SpmDialect,
};
use crate::target::TargetKind;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "topoc",
    version,
    about = "A declarative machine-topology compiler",
    long_about = "topoc reads one TOML file describing a machine (CPUs, NUMA nodes, DRAM/HBM/CXL memory, \
GPUs, links, Specific Purpose Memory), checks it as a graph, and compiles it into E820 maps, ACPI \
SRAT/SLIT/HMAT and VMM command lines.\n\nExit status: 0 success, 1 invalid topology, 2 usage or I/O error.",
    propagate_version = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Print nothing but errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more about what is done.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// When to use colour in diagnostics. `auto` colours only a terminal and respects NO_COLOR.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Lint levels for one run: each flag takes a warning's code (`T042`), its
/// name (`spm-on-cpu-node`) or `warnings` (every warning not set by code),
/// and can be repeated. They win over the file's `[lints]`.
#[derive(Args, Debug, Clone, Default)]
pub struct LintArgs {
    /// Do not report this warning (a code, its name, or `warnings`); repeatable.
    #[arg(long, value_name = "CODE", value_parser = parse_allow)]
    pub allow: Vec<Lint>,
    /// Report this warning as a warning, whatever the file says; repeatable.
    #[arg(long, value_name = "CODE", value_parser = parse_warn)]
    pub warn: Vec<Lint>,
    /// Report this warning as an error, which stops the build
    /// (`--deny warnings`: every warning not allowed by code); repeatable.
    #[arg(long, value_name = "CODE", value_parser = parse_deny)]
    pub deny: Vec<Lint>,
}

fn parse_lint(s: &str, level: Level) -> Result<Lint, String> {
    let Some(lint) = Lint::lookup(s) else {
        let names = crate::diag::codes::ALL
            .iter()
            .flat_map(|c| [c.code, c.name])
            .chain([crate::diag::lint::WARNINGS]);
        let hint = crate::diag::did_you_mean(s, names)
            .map(|n| format!(" (did you mean `{n}`?)"))
            .unwrap_or_default();
        return Err(format!(
            "no diagnostic code `{s}`{hint}: give a code, its name or `warnings`; \
             `topoc explain --list` lists them"
        ));
    };
    match lint.refuses(level) {
        Some(why) => Err(why),
        None => Ok(lint),
    }
}
fn parse_allow(s: &str) -> Result<Lint, String> {
    parse_lint(s, Level::Allow)
}
fn parse_warn(s: &str) -> Result<Lint, String> {
    parse_lint(s, Level::Warn)
}
fn parse_deny(s: &str) -> Result<Lint, String> {
    parse_lint(s, Level::Deny)
}

/// Options that select and tune the target.
#[derive(Args, Debug, Clone)]
pub struct TargetArgs {
    /// The VMM to compile for.
    #[arg(long, value_enum, default_value_t = TargetKind::Qemu)]
    pub target: TargetKind,
    /// QEMU release (overrides `[target.qemu] version`).
    #[arg(long, value_parser = parse_version, value_name = "X.Y")]
    pub qemu_version: Option<QemuVersion>,
    /// QEMU machine type (overrides `[target.qemu] machine`).
    #[arg(long, value_parser = parse_machine, value_name = "q35|pc")]
    pub machine_type: Option<QemuMachine>,
    /// How Specific Purpose Memory reaches a QEMU guest (overrides `[target.qemu] spm`).
    #[arg(long, value_parser = parse_spm, value_name = "DIALECT")]
    pub spm_dialect: Option<SpmDialect>,
    /// Guest firmware (overrides `[target.qemu] firmware`).
    #[arg(long, value_parser = parse_firmware, value_name = "seabios|ovmf|ovmf-sp")]
    pub firmware: Option<Firmware>,
    /// QEMU `-cpu` model (overrides `[target.qemu] cpu-model`).
    #[arg(long, value_parser = parse_text, value_name = "MODEL")]
    pub cpu_model: Option<String>,
    /// cloud-hypervisor release (overrides `[target.cloud-hypervisor] version`).
    #[arg(long, value_parser = parse_ch_version, value_name = "X.Y")]
    pub ch_version: Option<ChVersion>,
    /// cloud-hypervisor boot path, which decides the guest's E820 map
    /// (overrides `[target.cloud-hypervisor] boot`).
    #[arg(long, value_parser = parse_ch_boot, value_name = "pvh|bzimage")]
    pub ch_boot: Option<ChBoot>,
    /// cloud-hypervisor `--kernel` (overrides `[target.cloud-hypervisor] kernel`).
    #[arg(long, value_parser = parse_path, value_name = "PATH")]
    pub ch_kernel: Option<String>,
    /// cloud-hypervisor `--initramfs` (overrides `[target.cloud-hypervisor] initramfs`).
    #[arg(long, value_parser = parse_path, value_name = "PATH")]
    pub ch_initramfs: Option<String>,
    /// cloud-hypervisor `--cmdline` (overrides `[target.cloud-hypervisor] cmdline`).
    #[arg(
        long,
        value_parser = parse_text,
        value_name = "TEXT",
        allow_hyphen_values = true
    )]
    pub ch_cmdline: Option<String>,
    /// cloud-hypervisor `--firmware` (overrides `[target.cloud-hypervisor] firmware`).
    #[arg(long, value_parser = parse_path, value_name = "PATH")]
    pub ch_firmware: Option<String>,
    /// libvirt release (overrides `[target.libvirt] version`).
    #[arg(long, value_parser = parse_libvirt_version, value_name = "X.Y")]
    pub libvirt_version: Option<LibvirtVersion>,
    /// libvirt `<domain type>` (overrides `[target.libvirt] domain-type`).
    #[arg(long, value_parser = parse_libvirt_domain_type, value_name = "qemu|kvm")]
    pub libvirt_domain_type: Option<LibvirtDomainType>,
    /// libvirt `<os><kernel>` (overrides `[target.libvirt] kernel`).
    #[arg(long, value_parser = parse_path, value_name = "PATH")]
    pub libvirt_kernel: Option<String>,
    /// libvirt `<os><initrd>` (overrides `[target.libvirt] initrd`).
    #[arg(long, value_parser = parse_path, value_name = "PATH")]
    pub libvirt_initrd: Option<String>,
    /// libvirt `<os><cmdline>` (overrides `[target.libvirt] cmdline`).
    #[arg(long, value_parser = parse_text, value_name = "TEXT", allow_hyphen_values = true)]
    pub libvirt_cmdline: Option<String>,
    /// A file for the guest's serial console (overrides `[target.libvirt] console`).
    #[arg(long, value_parser = parse_path, value_name = "PATH")]
    pub libvirt_console: Option<String>,
    /// Compile what the target cannot express into its closest faithful form,
    /// with a warning for each, instead of refusing it (cloud-hypervisor:
    /// HMAT dropped, SPM as ordinary RAM, stand-in devices dropped; libvirt:
    /// libvirt's initiators, one direction of each HMAT pair, devices through
    /// `<qemu:commandline>`, SPM through `memmap=`).
    #[arg(long)]
    pub fallback: bool,
    /// OEM revision in emitted ACPI table headers. QEMU writes 1; a guest
    /// kernel replaces firmware tables from its initrd only with a higher one.
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub acpi_oem_revision: u32,
}

fn keyword<K>(s: &str, parse: fn(&str) -> Option<K>, words: &[&str]) -> Result<K, String> {
    parse(s).ok_or_else(|| format!("expected one of: {}", words.join(", ")))
}

fn parse_version(s: &str) -> Result<QemuVersion, String> {
    keyword(s, QemuVersion::parse, QemuVersion::KEYWORDS)
}
fn parse_machine(s: &str) -> Result<QemuMachine, String> {
    keyword(s, QemuMachine::parse, QemuMachine::KEYWORDS)
}
fn parse_spm(s: &str) -> Result<SpmDialect, String> {
    keyword(s, SpmDialect::parse, SpmDialect::KEYWORDS)
}
fn parse_firmware(s: &str) -> Result<Firmware, String> {
    keyword(s, Firmware::parse, Firmware::KEYWORDS)
}
fn parse_ch_version(s: &str) -> Result<ChVersion, String> {
    keyword(s, ChVersion::parse, ChVersion::KEYWORDS)
}
fn parse_libvirt_version(s: &str) -> Result<LibvirtVersion, String> {
    keyword(s, LibvirtVersion::parse, LibvirtVersion::KEYWORDS)
}
fn parse_libvirt_domain_type(s: &str) -> Result<LibvirtDomainType, String> {
    keyword(s, LibvirtDomainType::parse, LibvirtDomainType::KEYWORDS)
}
fn parse_ch_boot(s: &str) -> Result<ChBoot, String> {
    keyword(s, ChBoot::parse, ChBoot::KEYWORDS)
}
/// A free-text flag: refused with a control character in it, as the same
/// setting in the file is (T180).
fn parse_text(s: &str) -> Result<String, String> {
    match crate::text::first_forbidden(s) {
        Some((at, c)) => Err(format!(
            "holds {} at character {at}; remove it (T180)",
            crate::text::describe(c)
        )),
        None => Ok(s.to_string()),
    }
}
/// A file path flag: free text ([`parse_text`]), never empty (T181).
fn parse_path(s: &str) -> Result<String, String> {
    if s.is_empty() {
        return Err("is empty: it names no file (T181)".to_string());
    }
    parse_text(s)
}
fn parse_machine_name(s: &str) -> Result<String, String> {
    let mut chars = s.chars();
    let ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(s.to_string())
    } else {
        Err("a name is letters, digits, `-`, `_` and `.`, starting with a letter".to_string())
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check a topology and report every problem in one pass.
    #[command(
        after_help = "Examples:\n  topoc check examples/mi300a.toml\n  topoc check --format json --deny warnings topo.toml\n  \
topoc check --deny warnings --allow T108 --cpu-model host topo.toml\n\n\
--format json prints one report on standard output (format topoc-diagnostics/1, its schema in \
schemas/diagnostics.schema.json), usage and I/O errors included."
    )]
    Check {
        /// The topology file (`-` for standard input).
        file: PathBuf,
        #[command(flatten)]
        target: TargetArgs,
        /// Output format for diagnostics: `json` is one versioned report on standard output.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        lints: LintArgs,
    },
    /// Compile a topology into its artifacts.
    #[command(
        after_help = "Examples:\n  topoc build examples/mi300a.toml --out out/\n  topoc build examples/mi300a.toml --emit qemu-args -o -\n\nArtifacts: run `topoc build --list`."
    )]
    Build {
        /// The topology file (`-` for standard input).
        #[arg(required_unless_present = "list")]
        file: Option<PathBuf>,
        #[command(flatten)]
        target: TargetArgs,
        /// Write every artifact of the target into this directory.
        #[arg(long, value_name = "DIR", conflicts_with = "emit", required_unless_present_any = ["emit", "list"])]
        out: Option<PathBuf>,
        /// Write one artifact.
        #[arg(long, value_name = "ARTIFACT")]
        emit: Option<String>,
        /// Where `--emit` writes: a file, or `-` for standard output (the default).
        #[arg(short, long, value_name = "FILE", requires = "emit")]
        output: Option<PathBuf>,
        /// Diagnostics format: `json` is one versioned report on standard output
        /// (then `--emit` needs `-o FILE`).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[command(flatten)]
        lints: LintArgs,
        /// List the artifacts and exit.
        #[arg(long)]
        list: bool,
    },
    /// Explain a diagnostic code, like `rustc --explain`.
    #[command(
        after_help = "Examples:\n  topoc explain T020\n  topoc explain cpu-in-two-nodes\n  topoc explain --list"
    )]
    Explain {
        /// A code (T020) or its name (cpu-in-two-nodes).
        #[arg(required_unless_present = "list")]
        code: Option<String>,
        /// List every code with its title.
        #[arg(long)]
        list: bool,
    },
    /// Describe SRAT, SLIT and HMAT tables, E820 maps and guest dumps.
    #[command(
        after_help = "Inputs are recognised by content: SRAT/SLIT/HMAT tables, binary E820 tables (fw_cfg \
etc/e820), guest dumps from `topoc probe-script`, and directories such as a copy of /sys/firmware/acpi/tables.\n\n\
Examples:\n  topoc inspect out/mi300a/SRAT.dat out/mi300a/HMAT.dat\n  topoc inspect --format json tables/\n  \
topoc build examples/mi300a.toml --emit srat | topoc inspect -\n\n\
Exit status: 0 all inputs read, 1 an input is malformed, 2 an input cannot be read."
    )]
    Inspect {
        /// Files or directories (`-` for standard input).
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print the guest probe script, to run as root inside a guest.
    #[command(
        after_help = "The script is POSIX sh (busybox works), only reads, and prints the topoc dump \
format (book/src/reference/dump-format.md) between =====TOPOC-DUMP-BEGIN v1===== and \
=====TOPOC-DUMP-END=====. Hand its output to `topoc verify`.\n\n\
Examples:\n  topoc probe-script > probe.sh\n  ssh root@guest sh -s < probe.sh > guest.dump\n  \
topoc verify examples/mi300a.toml --guest guest.dump"
    )]
    ProbeScript,
    /// Compare what a guest sees with what topoc predicts for a topology.
    #[command(
        after_help = "DUMP is the output of `topoc probe-script` run in the guest (a whole serial \
console log works too). Use the same target options the VM was built with: --firmware ovmf for \
a UEFI guest, --acpi-oem-revision 2 when the guest took topoc's tables through the initrd table \
upgrade.\n\n\
Examples:\n  topoc verify examples/mi300a.toml --guest guest.dump\n  \
topoc verify examples/mi300a.toml --firmware ovmf --guest console.log --format json\n\n\
Exit status: 0 the guest agrees with every prediction, 1 it differs (each difference is \
reported with what was expected, what the guest showed and the likely cause), 2 usage or I/O \
error, an invalid topology, or a dump that cannot be read."
    )]
    Verify {
        /// The topology file (`-` for standard input).
        file: PathBuf,
        #[command(flatten)]
        target: TargetArgs,
        /// The guest dump (`-` for standard input).
        #[arg(long, value_name = "DUMP")]
        guest: PathBuf,
        /// Report format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Also list what each passing check expected.
        #[arg(long)]
        all: bool,
    },
    /// Print a JSON Schema: of the input language, or of a `--format json` document.
    #[command(
        after_help = "Examples:\n  topoc schema > topoc.schema.json\n  topoc schema diagnostics > diagnostics.schema.json"
    )]
    Schema {
        /// Which schema.
        #[arg(value_enum, default_value_t = SchemaKind::Input)]
        of: SchemaKind,
    },
    /// Write a topology file from a machine: its ACPI tables, the host, or a guest dump.
    #[command(
        after_help = "Sources: table files (--srat, --slit, --hmat, any of them), a guest dump of \
`topoc probe-script` (--dump), or the host this runs on (--host: /sys/firmware/acpi/tables as root, \
else the NUMA nodes of /sys/devices/system/node, /proc/iomem, /sys/bus/dax and the PCI devices). \
Every value in the file is commented with where it came from; what a source could not show is \
listed at the top. The file is then checked for the target, and what keeps it from checking clean \
is reported.\n\n\
Examples:\n  topoc import --host -o host.toml\n  \
topoc import --srat SRAT.dat --slit SLIT.dat --hmat HMAT.dat\n  \
topoc import --dump guest.dump -o guest.toml\n  \
topoc import --host --memory-scale 1/64 --nodes 0-1 --devices vfio -o vm.toml\n\n\
Exit status: 0 the file was written and checks clean (warnings allowed), 1 an input is malformed \
(nothing written) or the written file does not check, 2 usage or I/O error.",
        group(clap::ArgGroup::new("source").required(true).multiple(true).args(["srat", "slit", "hmat", "dump", "host"]))
    )]
    Import {
        /// An SRAT (a copy of /sys/firmware/acpi/tables/SRAT).
        #[arg(long, value_name = "FILE")]
        srat: Option<PathBuf>,
        /// A SLIT.
        #[arg(long, value_name = "FILE")]
        slit: Option<PathBuf>,
        /// An HMAT.
        #[arg(long, value_name = "FILE")]
        hmat: Option<PathBuf>,
        /// A guest dump of `topoc probe-script` (`-` for standard input).
        #[arg(long, value_name = "DUMP", conflicts_with_all = ["srat", "slit", "hmat", "host"])]
        dump: Option<PathBuf>,
        /// The host this runs on.
        #[arg(long, conflicts_with_all = ["srat", "slit", "hmat"])]
        host: bool,
        /// Where the host's /sys and /proc are, for --host (a copy of them, for tests).
        #[arg(long, value_name = "DIR", default_value = "/")]
        root: PathBuf,
        /// Where to write: a file, or `-` for standard output (the default).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// `machine.name` of the file.
        #[arg(long, value_name = "NAME", value_parser = parse_machine_name)]
        name: Option<String>,
        /// Scale every node's memory, SPM and caches: a fraction such as 1/64, or 0.25.
        #[arg(long, value_name = "FRACTION", value_parser = parse_memory_scale, conflicts_with = "memory")]
        memory_scale: Option<crate::import::fit::MemoryFit>,
        /// Scale the memory to this total, such as 16GiB.
        #[arg(long, value_name = "SIZE", value_parser = parse_memory_total)]
        memory: Option<u64>,
        /// Keep only these node ids (as imported), such as 0-1.
        #[arg(long, value_name = "IDS", value_parser = parse_ids)]
        nodes: Option<IdList>,
        /// Keep only these vCPUs (as imported), such as 0-7.
        #[arg(long, value_name = "CPUS", value_parser = parse_ids)]
        cpus: Option<IdList>,
        /// How the devices behind Generic Initiators reach the VM.
        #[arg(long, value_enum, default_value_t = ImportDevices::StandIn)]
        devices: ImportDevices,
        #[command(flatten)]
        target: TargetArgs,
    },
    /// Draw a topology: nodes with their CPUs and memory, devices, links.
    #[command(
        after_help = "SVG is drawn by topoc itself (no Graphviz or browser needed); dot is Graphviz \
input and mermaid a Mermaid flowchart. The topology is checked first: an invalid one is reported \
and not drawn.\n\n\
Examples:\n  topoc graph examples/mi300a.toml -o mi300a.svg\n  \
topoc graph examples/mi300x.toml --format dot | dot -Tpng -o mi300x.png\n  \
topoc graph examples/grace-hopper.toml --format mermaid"
    )]
    Graph {
        /// The topology file (`-` for standard input).
        file: PathBuf,
        #[command(flatten)]
        target: TargetArgs,
        /// Picture format.
        #[arg(long, value_enum, default_value_t = GraphFormat::Svg)]
        format: GraphFormat,
        /// Where to write: a file, or `-` for standard output (the default).
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

/// The schemas `topoc schema` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaKind {
    /// The input language (schemas/topoc.schema.json).
    Input,
    /// The report of `check` and `build` under `--format json`, and every
    /// command's usage and I/O errors (schemas/diagnostics.schema.json).
    Diagnostics,
    /// `verify --format json` (schemas/verify.schema.json).
    Verify,
}

/// How `topoc import` brings the host's devices into the VM.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ImportDevices {
    /// QEMU's `pci-testdev` stands in for each device: a file that checks and boots anywhere.
    StandIn,
    /// Pass each device through with VFIO at its PCI address.
    Vfio,
    /// Leave the devices and their Generic Initiator nodes out.
    None,
}

/// A list of node ids or vCPUs, `0-3,8`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdList(pub Vec<u32>);

fn parse_ids(s: &str) -> Result<IdList, String> {
    crate::units::parse_cpulist(s)
        .map(IdList)
        .map_err(|e| e.message)
}

fn parse_memory_scale(s: &str) -> Result<crate::import::fit::MemoryFit, String> {
    crate::import::fit::parse_scale(s)
}

fn parse_memory_total(s: &str) -> Result<u64, String> {
    match crate::units::parse_size(s) {
        Ok(0) => Err("the total must be more than 0".to_string()),
        Ok(v) => Ok(v),
        Err(e) => Err(e.message),
    }
}

/// Formats `topoc graph` draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// A self-contained SVG picture.
    Svg,
    /// Graphviz dot.
    Dot,
    /// A Mermaid flowchart.
    Mermaid,
}

impl GraphFormat {
    /// The artifact (`emit::ARTIFACTS`) that renders this format.
    pub fn artifact(self) -> &'static str {
        match self {
            GraphFormat::Svg => "graph-svg",
            GraphFormat::Dot => "graph-dot",
            GraphFormat::Mermaid => "graph-mermaid",
        }
    }
}
