//! Stage 3, `check`: named rules over the IR, its graph and the target.
//!
//! Each rule has a registered code ([`crate::diag::codes`]), looks at the
//! [`Context`] and pushes diagnostics; the runner runs every rule and sorts
//! the findings, so one run reports everything in a stable order. Target
//! rules ask the target's layout for the numbers they judge (the same
//! numbers the emitters will print), so a checked topology always lays out
//! and emits without further validation.
//!
//! **Architecture invariant:** rules never format output and never change the
//! IR. To add a rule: register its code in `diag/codes.rs` with an
//! explanation in `diag/explain/`, write the function in the file of its area
//! here, list it in [`RULES`], and add `tests/cases/<code>-*.toml` with its
//! golden output.

mod cloud_hypervisor;
mod cpus;
mod devices;
mod distances;
mod graph;
mod hmat;
mod ids;
mod memory;
mod qemu;

use crate::diag::{Code, Diagnostic, codes};
use crate::layout::qemu::QemuLayout;
use crate::model::derive::Derived;
use crate::model::graph::TopologyGraph;
use crate::model::{NodeIx, Topology};
use crate::target::Target;

/// Everything a rule may look at.
pub struct Context<'a> {
    pub topo: &'a Topology,
    pub graph: &'a TopologyGraph,
    pub derived: &'a Derived,
    pub target: &'a Target,
    /// The qemu layout, when the target is qemu.
    pub qemu_layout: Option<&'a QemuLayout>,
    /// The cloud-hypervisor layout, when the target is cloud-hypervisor.
    pub ch_layout: Option<&'a crate::layout::cloud_hypervisor::ChLayout>,
}

impl Context<'_> {
    pub fn node_label(&self, n: NodeIx) -> String {
        self.topo.nodes[n].label()
    }
}

/// A rule: its code and the function that applies it.
pub struct Rule {
    pub code: &'static Code,
    pub run: fn(&Context, &mut Vec<Diagnostic>),
}

/// Every check rule, in code order.
pub static RULES: &[Rule] = &[
    Rule {
        code: &codes::T013,
        run: ids::pxm_beyond_guest,
    },
    Rule {
        code: &codes::T020,
        run: cpus::cpu_in_two_nodes,
    },
    Rule {
        code: &codes::T021,
        run: cpus::cpu_outside_topology,
    },
    Rule {
        code: &codes::T022,
        run: cpus::cpu_in_no_node,
    },
    Rule {
        code: &codes::T023,
        run: cpus::topology_split,
    },
    Rule {
        code: &codes::T024,
        run: cpus::boot_cpus,
    },
    Rule {
        code: &codes::T030,
        run: memory::zero_memory,
    },
    Rule {
        code: &codes::T031,
        run: memory::misaligned_memory,
    },
    Rule {
        code: &codes::T035,
        run: memory::e820_entries,
    },
    Rule {
        code: &codes::T040,
        run: memory::spm_outside_node,
    },
    Rule {
        code: &codes::T041,
        run: memory::spm_overlap,
    },
    Rule {
        code: &codes::T042,
        run: memory::spm_on_cpu_node,
    },
    Rule {
        code: &codes::T044,
        run: memory::spm_alignment,
    },
    Rule {
        code: &codes::T050,
        run: distances::local_distance,
    },
    Rule {
        code: &codes::T051,
        run: distances::distance_range,
    },
    Rule {
        code: &codes::T052,
        run: distances::asymmetric,
    },
    Rule {
        code: &codes::T053,
        run: distances::unreachable,
    },
    Rule {
        code: &codes::T054,
        run: distances::triangle,
    },
    Rule {
        code: &codes::T060,
        run: hmat::attached_initiator,
    },
    Rule {
        code: &codes::T061,
        run: hmat::entry_ends,
    },
    Rule {
        code: &codes::T062,
        run: hmat::target_without_data,
    },
    Rule {
        code: &codes::T063,
        run: hmat::partial_matrix,
    },
    Rule {
        code: &codes::T064,
        run: hmat::cache_levels,
    },
    Rule {
        code: &codes::T065,
        run: hmat::precision,
    },
    Rule {
        code: &codes::T072,
        run: devices::initiator_node_twice,
    },
    Rule {
        code: &codes::T073,
        run: devices::gpu_hbm_no_cpu_path,
    },
    Rule {
        code: &codes::T080,
        run: graph::unreachable_memory_rule,
    },
    Rule {
        code: &codes::T081,
        run: graph::empty_node,
    },
    Rule {
        code: &codes::T082,
        run: graph::bad_link,
    },
    Rule {
        code: &codes::T100,
        run: qemu::node_ids,
    },
    Rule {
        code: &codes::T101,
        run: qemu::address_space,
    },
    Rule {
        code: &codes::T102,
        run: qemu::generic_initiator_version,
    },
    Rule {
        code: &codes::T103,
        run: qemu::spm_firmware,
    },
    Rule {
        code: &codes::T104,
        run: qemu::spm_whole_node,
    },
    Rule {
        code: &codes::T105,
        run: qemu::hmat_attached_initiator,
    },
    Rule {
        code: &codes::T106,
        run: qemu::hmat_values,
    },
    Rule {
        code: &codes::T107,
        run: qemu::hmat_cache_needs_lb,
    },
    Rule {
        code: &codes::T108,
        run: qemu::cpu_vendor,
    },
    Rule {
        code: &codes::T109,
        run: qemu::kernel_cmdline_length,
    },
    Rule {
        code: &codes::T110,
        run: qemu::pci_slots,
    },
    Rule {
        code: &codes::T200,
        run: cloud_hypervisor::hmat,
    },
    Rule {
        code: &codes::T201,
        run: cloud_hypervisor::spm,
    },
    Rule {
        code: &codes::T202,
        run: cloud_hypervisor::node_ids,
    },
    Rule {
        code: &codes::T203,
        run: cloud_hypervisor::stand_in,
    },
    Rule {
        code: &codes::T204,
        run: cloud_hypervisor::host_policy,
    },
    Rule {
        code: &codes::T205,
        run: cloud_hypervisor::initiator_resources,
    },
    Rule {
        code: &codes::T206,
        run: cloud_hypervisor::initiator_shared,
    },
    Rule {
        code: &codes::T207,
        run: cloud_hypervisor::empty_node,
    },
    Rule {
        code: &codes::T208,
        run: cloud_hypervisor::threads_per_core,
    },
    Rule {
        code: &codes::T209,
        run: cloud_hypervisor::too_many_vcpus,
    },
    Rule {
        code: &codes::T210,
        run: cloud_hypervisor::shared_file_host_node,
    },
    Rule {
        code: &codes::T211,
        run: cloud_hypervisor::unpinned_hugepages,
    },
    Rule {
        code: &codes::T212,
        run: cloud_hypervisor::pci_slots,
    },
    Rule {
        code: &codes::T213,
        run: cloud_hypervisor::duplicate_device,
    },
    Rule {
        code: &codes::T214,
        run: cloud_hypervisor::memory_map,
    },
    Rule {
        code: &codes::T215,
        run: cloud_hypervisor::address_space,
    },
    Rule {
        code: &codes::T216,
        run: cloud_hypervisor::payload,
    },
];

/// Runs every rule; returns the findings sorted.
pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in RULES {
        let before = out.len();
        (rule.run)(cx, &mut out);
        debug_assert!(
            out[before..]
                .iter()
                .all(|d| std::ptr::eq(d.code, rule.code)),
            "rule {} reported another code",
            rule.code.code
        );
    }
    crate::diag::sort(&mut out);
    out
}
