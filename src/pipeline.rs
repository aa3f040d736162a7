//! The whole pipeline in one call: parse → model → check → layout.
//!
//! [`compile`] is what `check`, `build`, `inspect` and `verify` share. It
//! returns either a [`Compiled`] topology (with its warnings) or every
//! diagnostic that stopped it. Emitting is separate: a `Compiled` is exactly
//! what every emitter needs and is guaranteed valid for them.

use crate::check::{self, Context};
use crate::diag::Diagnostic;
use crate::layout::cloud_hypervisor::{self, ChLayout};
use crate::layout::firmware::{self, GuestE820};
use crate::layout::qemu::{self, QemuLayout};
use crate::model::derive::{self, Derived};
use crate::model::graph::TopologyGraph;
use crate::model::{Topology, lower::lower};
use crate::parse::parse;
use crate::source::SourceFile;
use crate::target::{ChOverrides, ChProfile, QemuOverrides, Target, TargetKind};

/// Target-specific results of the layout stage.
#[derive(Clone, Debug)]
pub enum Layout {
    Qemu {
        layout: QemuLayout,
        guest: GuestE820,
    },
    CloudHypervisor {
        layout: ChLayout,
    },
}

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
            _ => None,
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
    /// `--deny warnings`: warnings become errors.
    pub deny_warnings: bool,
    /// OEM revision for emitted ACPI tables.
    pub acpi_oem_revision: u32,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            target: TargetKind::Qemu,
            qemu: QemuOverrides::default(),
            ch: ChOverrides::default(),
            deny_warnings: false,
            acpi_oem_revision: 1,
        }
    }
}

/// Runs parse, model, check and layout. On failure returns every diagnostic
/// (errors and warnings) in report order.
pub fn compile(source: &SourceFile, opts: &Options) -> Result<Compiled, Vec<Diagnostic>> {
    let doc = parse(source)?;
    let (topo, mut diags) = lower(&doc);
    let graph = TopologyGraph::new(&topo);
    let target = Target::resolve_with(opts.target, &topo, &opts.qemu, &opts.ch);
    if topo.nodes.len() > crate::linux::numa::MAX_NUMNODES as usize {
        return Err(too_many_nodes(&topo, &graph, &target, diags));
    }
    let derived = derive::derive(&topo, &graph);
    let qemu_layout = target.qemu().map(|p| qemu::layout(&topo, p));
    let ch_layout = target
        .ch()
        .map(|p| cloud_hypervisor::layout(&topo, &derived, p));
    {
        let cx = Context {
            topo: &topo,
            graph: &graph,
            derived: &derived,
            target: &target,
            qemu_layout: qemu_layout.as_ref(),
            ch_layout: ch_layout.as_ref(),
        };
        diags.extend(check::check(&cx));
        crate::diag::sort(&mut diags);
    }
    if opts.deny_warnings {
        for d in &mut diags {
            d.severity = crate::diag::Severity::Error;
        }
    }
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    let layout = match (&target, qemu_layout, ch_layout) {
        (Target::Qemu(p), Some(l), _) => {
            let guest = firmware::guest_e820(&topo, p, &l);
            Layout::Qemu { layout: l, guest }
        }
        (Target::Qemu(p), None, _) => {
            let l = qemu::layout(&topo, p);
            let guest = firmware::guest_e820(&topo, p, &l);
            Layout::Qemu { layout: l, guest }
        }
        (Target::CloudHypervisor(_), _, Some(l)) => Layout::CloudHypervisor { layout: l },
        (Target::CloudHypervisor(p), _, None) => Layout::CloudHypervisor {
            layout: cloud_hypervisor::layout(&topo, &derived, p),
        },
    };
    Ok(Compiled {
        source: source.clone(),
        topo,
        derived,
        target,
        layout,
        warnings: diags,
        acpi_oem_revision: opts.acpi_oem_revision,
    })
}

/// A file with more nodes than any guest has proximity domains is refused
/// on its node ids alone: T013 for ids past the limit, T010 (already found
/// while lowering) for the repeats that more nodes than ids imply. The rest
/// of the pipeline is quadratic in the nodes (all-pairs distances) and is
/// not run: a short file of many empty `[[node]]` tables would otherwise
/// cost memory and time quadratic in its length.
fn too_many_nodes(
    topo: &Topology,
    graph: &TopologyGraph,
    target: &Target,
    mut diags: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let derived = Derived {
        reference_latency: derive::reference_latency(topo),
        costs: Vec::new(),
        slit: None,
        hmat: None,
    };
    let cx = Context {
        topo,
        graph,
        derived: &derived,
        target,
        qemu_layout: None,
        ch_layout: None,
    };
    for rule in check::RULES.iter().filter(|r| r.code.code == "T013") {
        (rule.run)(&cx, &mut diags);
    }
    crate::diag::sort(&mut diags);
    diags
}
