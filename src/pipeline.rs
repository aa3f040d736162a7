//! The whole pipeline in one call: parse → model → layout → check.
//!
//! [`compile`] is what `check`, `build`, `inspect` and `verify` share. It
//! returns either a [`Compiled`] topology (with its warnings) or every
//! diagnostic that stopped it. Emitting is separate: a `Compiled` is exactly
//! what every emitter needs and is guaranteed valid for them.

use crate::check::{self, Context};
use crate::diag::Diagnostic;
use crate::diag::lint::{Lints, Origin, Report as LintReport, Setting};
pub use crate::layout::Layout;
use crate::layout::cloud_hypervisor::ChLayout;
use crate::layout::firmware::GuestE820;
use crate::layout::qemu::QemuLayout;
use crate::layout::virt::VirtLayout;
use crate::model::derive::{self, Derived};
use crate::model::graph::TopologyGraph;
use crate::model::{Topology, lower::lower};
use crate::parse::parse_partial;
use crate::source::SourceFile;
use crate::target::{
    ChOverrides, ChProfile, LibvirtOverrides, LibvirtProfile, QemuOverrides, Target, TargetKind,
};

/// A checked topology, laid out for one target.
pub struct Compiled {
    pub source: SourceFile,
    pub topo: Topology,
    pub derived: Derived,
    pub target: Target,
    pub layout: Layout,
    /// Warnings (errors stop the pipeline).
    pub warnings: Vec<Diagnostic>,
    /// OEM revision written into ACPI table headers (QEMU writes 1; a guest
    /// replaces firmware tables from its initrd only with a higher one).
    pub acpi_oem_revision: u32,
}

impl Compiled {
    pub fn qemu(&self) -> Option<(&crate::target::QemuProfile, &QemuLayout, &GuestE820)> {
        match (&self.target, &self.layout) {
            (Target::Qemu(p), Layout::Qemu { layout, guest }) => Some((p, layout, guest)),
            (Target::Libvirt(p), Layout::Libvirt { layout, guest, .. }) => {
                Some((&p.qemu, layout, guest))
            }
            _ => None,
        }
    }

    /// The aarch64 `virt` machine, when that is what was compiled.
    pub fn virt(&self) -> Option<(&crate::target::QemuProfile, &VirtLayout)> {
        match (&self.target, &self.layout) {
            (Target::Qemu(p), Layout::QemuVirt { layout }) => Some((p, layout)),
            _ => None,
        }
    }

    /// The libvirt profile and what libvirt makes of the topology.
    pub fn libvirt(&self) -> Option<(&LibvirtProfile, &crate::layout::libvirt::Plan)> {
        match (&self.target, &self.layout) {
            (Target::Libvirt(p), Layout::Libvirt { plan, .. }) => Some((p, plan)),
            _ => None,
        }
    }

    /// The RAM of each node with memory, on either QEMU machine.
    pub fn qemu_ram(&self) -> Option<&[crate::layout::qemu::NodeRam]> {
        match &self.layout {
            Layout::Qemu { layout, .. } => Some(&layout.nodes),
            Layout::QemuVirt { layout } => Some(&layout.nodes),
            Layout::Libvirt { layout, .. } => Some(&layout.nodes),
            Layout::CloudHypervisor { .. } => None,
        }
    }

    /// The SLIT the guest gets: the derived one, unless libvirt writes no
    /// `-numa dist` for it (every distance 10 or 20).
    pub fn slit(&self) -> Option<&derive::Slit> {
        match self.libvirt() {
            Some((_, plan)) if !plan.distances => None,
            _ => self.derived.slit.as_ref(),
        }
    }

    /// The HMAT the guest gets: the derived one, or on libvirt the one
    /// libvirt makes QEMU build from the domain XML.
    pub fn hmat(&self) -> Option<&derive::HmatData> {
        match self.libvirt() {
            Some((_, plan)) => plan.hmat.as_ref(),
            None => self.derived.hmat.as_ref(),
        }
    }

    pub fn ch(&self) -> Option<(&ChProfile, &ChLayout)> {
        match (&self.target, &self.layout) {
            (Target::CloudHypervisor(p), Layout::CloudHypervisor { layout }) => Some((p, layout)),
            _ => None,
        }
    }
}

/// Options that shape compilation.
#[derive(Clone, Debug)]
pub struct Options {
    pub target: TargetKind,
    pub qemu: QemuOverrides,
    pub ch: ChOverrides,
    /// Lint levels from the command line (`--allow/--warn/--deny`), which
    /// win over the file's `[lints]`.
    pub lints: Vec<Setting>,
    pub libvirt: LibvirtOverrides,
    /// OEM revision for emitted ACPI tables.
    pub acpi_oem_revision: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            target: TargetKind::Qemu,
            qemu: QemuOverrides::default(),
            ch: ChOverrides::default(),
            lints: Vec::new(),
            libvirt: LibvirtOverrides::default(),
            acpi_oem_revision: 1,
        }
    }
}

/// Runs parse, model, layout and check. On failure returns every diagnostic
/// (errors and warnings) in report order.
pub fn compile(source: &SourceFile, opts: &Options) -> Result<Compiled, Vec<Diagnostic>> {
    compile_linted(source, opts).0
}

/// The file's `[lints]`, then the command line's: the command line wins.
fn lints(doc: Option<&crate::parse::syntax::Document>, opts: &Options) -> Lints {
    let file = doc.into_iter().flat_map(|d| &d.lints).map(|e| Setting {
        lint: e.lint,
        level: e.level.value,
        origin: Origin::File,
    });
    Lints::new(file.chain(opts.lints.iter().copied()).collect())
}

/// [`compile`], with the lint levels it applied: allowed warnings are
/// dropped, denied ones are errors.
pub fn compile_linted(
    source: &SourceFile,
    opts: &Options,
) -> (Result<Compiled, Vec<Diagnostic>>, LintReport) {
    let doc = match parse_partial(source) {
        (Some(doc), parse_errors) if parse_errors.is_empty() => doc,
        (doc, mut parse_errors) => {
            // The file is readable but some values are not: report the
            // model's findings too, as far as a dropped value cannot cause
            // them (duplicate ids, names and pairs, ids past the guest's
            // limit); a reference to something dropped would be a false
            // T012, so references wait for the fixed file.
            if let Some(doc) = &doc {
                let (_, model) = lower(doc);
                parse_errors.extend(
                    model
                        .into_iter()
                        .filter(|d| ["T010", "T011", "T013", "T014"].contains(&d.code.code)),
                );
                crate::diag::sort(&mut parse_errors);
            }
            let mut report = LintReport {
                lints: lints(doc.as_ref(), opts),
                allowed: 0,
            };
            report.allowed = report.lints.apply(&mut parse_errors);
            return (Err(parse_errors), report);
        }
    };
    let mut report = LintReport {
        lints: lints(Some(&doc), opts),
        allowed: 0,
    };
    let (topo, mut diags) = lower(&doc);
    // More nodes than any guest maps: lowering already reported the ids past
    // the limit (T013) and the repeats that more nodes than ids imply (T010).
    // The rest of the pipeline is quadratic in the nodes (all-pairs
    // distances) and is not run: a short file of many empty `[[node]]`
    // tables would otherwise cost memory and time quadratic in its length.
    if topo.nodes.len() > crate::linux::numa::MAX_NUMNODES as usize {
        report.allowed = report.lints.apply(&mut diags);
        return (Err(diags), report);
    }
    let graph = TopologyGraph::new(&topo);
    let target = Target::resolve_all(opts.target, &topo, &opts.qemu, &opts.ch, &opts.libvirt);
    let derived = derive::derive(&topo, &graph);
    let layout = Layout::build(&topo, &derived, &target);
    {
        let cx = Context {
            topo: &topo,
            graph: &graph,
            derived: &derived,
            target: &target,
            layout: &layout,
        };
        diags.extend(check::check(&cx));
        crate::diag::sort(&mut diags);
    }
    report.allowed = report.lints.apply(&mut diags);
    if diags.iter().any(Diagnostic::is_error) {
        return (Err(diags), report);
    }
    // A guest that takes topoc's tables through the initrd table upgrade
    // replaces a firmware table only with a higher OEM revision than QEMU's 1.
    let acpi_oem_revision = if target.qemu().is_some_and(|p| p.acpi_table_upgrade.value) {
        opts.acpi_oem_revision.max(2)
    } else {
        opts.acpi_oem_revision
    };
    let compiled = Compiled {
        source: source.clone(),
        topo,
        derived,
        target,
        layout,
        warnings: diags,
        acpi_oem_revision,
    };
    (Ok(compiled), report)
}
