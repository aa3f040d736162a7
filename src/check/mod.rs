//! Stage 4, `check`: named rules over the IR, its graph, the target and the
//! target's layout.
//!
//! Each rule has a registered code ([`crate::diag::codes`]), looks at the
//! [`Context`] and pushes diagnostics; the runner runs every rule and sorts
//! the findings, so one run reports everything in a stable order. The layout
//! is built once before any rule runs ([`crate::layout::Layout::build`]), so
//! rules judge the very numbers the emitters will print, and a checked
//! topology emits without further validation. Where a rule applies is
//! declared in the registry ([`Run`]): a QEMU rule is handed the QEMU view
//! and never runs for another target.
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
mod exec;
mod graph;
mod hmat;
mod libvirt;
mod memory;
pub mod parity;
mod qemu;
mod virt;

use crate::diag::{Code, Diagnostic, codes};
use crate::layout::Layout;
use crate::layout::cloud_hypervisor::ChLayout;
use crate::layout::firmware::GuestE820;
use crate::layout::qemu::QemuLayout;
use crate::layout::virt::VirtLayout;
use crate::model::derive::{Derived, HmatData};
use crate::model::graph::TopologyGraph;
use crate::model::{NodeIx, Topology};
use crate::target::{ChProfile, LibvirtProfile, QemuProfile, Target};

/// Everything a rule may look at: the IR, its graph and derived values, the
/// target profile and the target's layout, built once before any rule runs.
pub struct Context<'a> {
    pub topo: &'a Topology,
    pub graph: &'a TopologyGraph,
    pub derived: &'a Derived,
    pub target: &'a Target,
    pub layout: &'a Layout,
}

impl<'a> Context<'a> {
    pub fn node_label(&self, n: NodeIx) -> String {
        self.topo.nodes[n].label()
    }

    /// The QEMU machine being built, when the target runs QEMU.
    pub fn qemu(&self) -> Option<Qemu<'a>> {
        match (self.target, self.layout) {
            (Target::Qemu(profile), Layout::Qemu { layout, guest }) => Some(Qemu {
                profile,
                layout,
                guest,
            }),
            (Target::Libvirt(p), Layout::Libvirt { layout, guest, .. }) => Some(Qemu {
                profile: &p.qemu,
                layout,
                guest,
            }),
            _ => None,
        }
    }

    /// The aarch64 `virt` machine being built.
    pub fn virt(&self) -> Option<Virt<'a>> {
        match (self.target, self.layout) {
            (Target::Qemu(profile), Layout::QemuVirt { layout }) => Some(Virt { profile, layout }),
            _ => None,
        }
    }

    /// The cloud-hypervisor VM being built, when that is the target.
    pub fn ch(&self) -> Option<Ch<'a>> {
        match (self.target, self.layout) {
            (Target::CloudHypervisor(profile), Layout::CloudHypervisor { layout }) => {
                Some(Ch { profile, layout })
            }
            _ => None,
        }
    }

    /// The libvirt domain being built, when that is the target.
    pub fn libvirt(&self) -> Option<Libvirt<'a>> {
        match (self.target, self.layout) {
            (Target::Libvirt(profile), Layout::Libvirt { layout, plan, .. }) => Some(Libvirt {
                profile,
                layout,
                plan,
            }),
            _ => None,
        }
    }

    /// The derived HMAT, when the target builds one and the topology has data.
    pub fn hmat(&self) -> Option<&'a HmatData> {
        self.derived
            .hmat
            .as_ref()
            .filter(|_| self.target.builds_hmat())
    }
}

/// What a QEMU rule judges: the profile, QEMU's layout and the guest's E820.
#[derive(Clone, Copy)]
pub struct Qemu<'a> {
    pub profile: &'a QemuProfile,
    pub layout: &'a QemuLayout,
    pub guest: &'a GuestE820,
}

/// What a rule for the aarch64 `virt` machine judges: the QEMU profile and
/// the `virt` layout.
#[derive(Clone, Copy)]
pub struct Virt<'a> {
    pub profile: &'a QemuProfile,
    pub layout: &'a VirtLayout,
}

/// What a cloud-hypervisor rule judges: the profile and its layout.
#[derive(Clone, Copy)]
pub struct Ch<'a> {
    pub profile: &'a ChProfile,
    pub layout: &'a ChLayout,
}

/// What a libvirt rule judges: the profile, QEMU's layout and libvirt's plan.
#[derive(Clone, Copy)]
pub struct Libvirt<'a> {
    pub profile: &'a LibvirtProfile,
    pub layout: &'a QemuLayout,
    pub plan: &'a crate::layout::libvirt::Plan,
}

/// A rule: its code, and where it applies with the function that applies it.
pub struct Rule {
    pub code: &'static Code,
    pub run: Run,
}

/// Where a rule applies. The runner calls a target rule only for its
/// target, with that target's view, so rule bodies never ask which target
/// they are on.
pub enum Run {
    /// Every target.
    Every(fn(&Context, &mut Vec<Diagnostic>)),
    /// Every QEMU machine (x86_64 and aarch64): what QEMU itself refuses
    /// whichever machine it builds.
    QemuAny(fn(&Context, &QemuProfile, &mut Vec<Diagnostic>)),
    /// QEMU's x86_64 machines (`q35`, `pc`).
    Qemu(fn(&Context, Qemu, &mut Vec<Diagnostic>)),
    /// QEMU's aarch64 `virt` machine.
    Virt(fn(&Context, Virt, &mut Vec<Diagnostic>)),
    /// cloud-hypervisor.
    Ch(fn(&Context, Ch, &mut Vec<Diagnostic>)),
    /// libvirt (whose QEMU also gets the `Qemu` rules).
    Libvirt(fn(&Context, Libvirt, &mut Vec<Diagnostic>)),
    /// Targets that build an HMAT, when the topology has HMAT data.
    Hmat(fn(&Context, &HmatData, &mut Vec<Diagnostic>)),
}

impl Run {
    /// Which targets the rule applies to, in words (for the catalog).
    pub fn applies_to(&self) -> &'static str {
        match self {
            Run::Every(_) => "every target",
            Run::QemuAny(_) => "qemu",
            Run::Qemu(_) => "qemu (q35, pc)",
            Run::Virt(_) => "qemu (virt)",
            Run::Ch(_) => "cloud-hypervisor",
            Run::Libvirt(_) => "libvirt",
            Run::Hmat(_) => "targets that build an HMAT",
        }
    }

    fn apply(&self, cx: &Context, out: &mut Vec<Diagnostic>) {
        match self {
            Run::Every(f) => f(cx, out),
            Run::QemuAny(f) => {
                if let Some(p) = cx.target.qemu() {
                    f(cx, p, out)
                }
            }
            Run::Qemu(f) => {
                if let Some(q) = cx.qemu() {
                    f(cx, q, out)
                }
            }
            Run::Virt(f) => {
                if let Some(v) = cx.virt() {
                    f(cx, v, out)
                }
            }
            Run::Ch(f) => {
                if let Some(c) = cx.ch() {
                    f(cx, c, out)
                }
            }
            Run::Libvirt(f) => {
                if let Some(l) = cx.libvirt() {
                    f(cx, l, out)
                }
            }
            Run::Hmat(f) => {
                if let Some(h) = cx.hmat() {
                    f(cx, h, out)
                }
            }
        }
    }
}

/// Every check rule, in code order.
pub static RULES: &[Rule] = &[
    Rule {
        code: &codes::T020,
        run: Run::Every(cpus::cpu_in_two_nodes),
    },
    Rule {
        code: &codes::T021,
        run: Run::Every(cpus::cpu_outside_topology),
    },
    Rule {
        code: &codes::T022,
        run: Run::Every(cpus::cpu_in_no_node),
    },
    Rule {
        code: &codes::T023,
        run: Run::Every(cpus::topology_split),
    },
    Rule {
        code: &codes::T024,
        run: Run::Every(cpus::boot_cpus),
    },
    Rule {
        code: &codes::T030,
        run: Run::Every(memory::zero_memory),
    },
    Rule {
        code: &codes::T031,
        run: Run::Every(memory::misaligned_memory),
    },
    Rule {
        code: &codes::T032,
        run: Run::Every(memory::backend_options),
    },
    Rule {
        code: &codes::T033,
        run: Run::Every(memory::backing_file_twice),
    },
    Rule {
        code: &codes::T035,
        run: Run::Qemu(memory::e820_entries),
    },
    Rule {
        code: &codes::T036,
        run: Run::Qemu(qemu::no_boot_memory),
    },
    Rule {
        code: &codes::T040,
        run: Run::Every(memory::spm_outside_node),
    },
    Rule {
        code: &codes::T041,
        run: Run::Every(memory::spm_overlap),
    },
    Rule {
        code: &codes::T042,
        run: Run::Every(memory::spm_on_cpu_node),
    },
    Rule {
        code: &codes::T044,
        run: Run::Qemu(memory::spm_alignment),
    },
    Rule {
        code: &codes::T045,
        run: Run::Qemu(memory::spm_boot_memory),
    },
    Rule {
        code: &codes::T050,
        run: Run::Every(distances::local_distance),
    },
    Rule {
        code: &codes::T051,
        run: Run::Every(distances::distance_range),
    },
    Rule {
        code: &codes::T052,
        run: Run::Every(distances::asymmetric),
    },
    Rule {
        code: &codes::T053,
        run: Run::Every(distances::unreachable),
    },
    Rule {
        code: &codes::T054,
        run: Run::Every(distances::triangle),
    },
    Rule {
        code: &codes::T055,
        run: Run::Every(distances::distance_floor),
    },
    Rule {
        code: &codes::T060,
        run: Run::Every(hmat::attached_initiator),
    },
    Rule {
        code: &codes::T061,
        run: Run::Every(hmat::entry_ends),
    },
    Rule {
        code: &codes::T062,
        run: Run::Hmat(hmat::target_without_data),
    },
    Rule {
        code: &codes::T063,
        run: Run::Hmat(hmat::partial_matrix),
    },
    Rule {
        code: &codes::T064,
        run: Run::Every(hmat::cache_levels),
    },
    Rule {
        code: &codes::T065,
        run: Run::Hmat(hmat::precision),
    },
    Rule {
        code: &codes::T072,
        run: Run::Every(devices::initiator_node_twice),
    },
    Rule {
        code: &codes::T073,
        run: Run::Every(devices::gpu_hbm_no_cpu_path),
    },
    Rule {
        code: &codes::T074,
        run: Run::QemuAny(qemu::host_device_twice),
    },
    Rule {
        code: &codes::T075,
        run: Run::QemuAny(qemu::initiator_placement),
    },
    Rule {
        code: &codes::T080,
        run: Run::Every(graph::unreachable_memory_rule),
    },
    Rule {
        code: &codes::T081,
        run: Run::Every(graph::empty_node),
    },
    Rule {
        code: &codes::T082,
        run: Run::Every(graph::bad_link),
    },
    Rule {
        code: &codes::T083,
        run: Run::Qemu(qemu::device_numa_node),
    },
    Rule {
        code: &codes::T083,
        run: Run::Virt(virt::device_numa_node),
    },
    Rule {
        code: &codes::T083,
        run: Run::Libvirt(libvirt::device_numa_node),
    },
    Rule {
        code: &codes::T090,
        run: Run::Qemu(qemu::settings_without_effect),
    },
    Rule {
        code: &codes::T091,
        run: Run::Ch(cpus::arch),
    },
    Rule {
        code: &codes::T091,
        run: Run::Libvirt(cpus::arch_libvirt),
    },
    Rule {
        code: &codes::T100,
        run: Run::QemuAny(qemu::node_ids),
    },
    Rule {
        code: &codes::T101,
        run: Run::Qemu(qemu::address_space),
    },
    Rule {
        code: &codes::T102,
        run: Run::QemuAny(qemu::generic_initiator_version),
    },
    Rule {
        code: &codes::T103,
        run: Run::Qemu(qemu::spm_firmware),
    },
    Rule {
        code: &codes::T104,
        run: Run::Qemu(qemu::spm_dialect_shape),
    },
    Rule {
        code: &codes::T105,
        run: Run::QemuAny(qemu::hmat_attached_initiator),
    },
    Rule {
        code: &codes::T106,
        run: Run::QemuAny(qemu::hmat_values),
    },
    Rule {
        code: &codes::T107,
        run: Run::QemuAny(qemu::hmat_cache_needs_lb),
    },
    Rule {
        code: &codes::T108,
        run: Run::Qemu(qemu::cpu_vendor),
    },
    Rule {
        code: &codes::T109,
        run: Run::Qemu(qemu::kernel_cmdline_length),
    },
    Rule {
        code: &codes::T110,
        run: Run::Qemu(qemu::pci_slots),
    },
    Rule {
        code: &codes::T110,
        run: Run::Virt(virt::pci_slots),
    },
    Rule {
        code: &codes::T111,
        run: Run::Qemu(qemu::spm_dialect_version),
    },
    Rule {
        code: &codes::T112,
        run: Run::Qemu(qemu::max_cpus),
    },
    Rule {
        code: &codes::T113,
        run: Run::Qemu(qemu::x2apic),
    },
    Rule {
        code: &codes::T114,
        run: Run::Qemu(qemu::below_4g),
    },
    Rule {
        code: &codes::T116,
        run: Run::Qemu(qemu::cpu_model),
    },
    Rule {
        code: &codes::T117,
        run: Run::QemuAny(qemu::hmat_memoryless),
    },
    Rule {
        code: &codes::T118,
        run: Run::Qemu(qemu::interrupt_remapping),
    },
    Rule {
        code: &codes::T119,
        run: Run::QemuAny(qemu::command_line_length),
    },
    Rule {
        code: &codes::T120,
        run: Run::Every(virt::machine_arch),
    },
    Rule {
        code: &codes::T121,
        run: Run::Virt(virt::address_space),
    },
    Rule {
        code: &codes::T122,
        run: Run::Virt(virt::gic_cpus),
    },
    Rule {
        code: &codes::T123,
        run: Run::Virt(virt::spm),
    },
    Rule {
        code: &codes::T124,
        run: Run::Virt(virt::guest_node_limit),
    },
    Rule {
        code: &codes::T125,
        run: Run::Virt(virt::firmware_numa),
    },
    Rule {
        code: &codes::T126,
        run: Run::Virt(virt::mmio64_size),
    },
    Rule {
        code: &codes::T140,
        run: Run::Libvirt(libvirt::initiator),
    },
    Rule {
        code: &codes::T141,
        run: Run::Libvirt(libvirt::pair),
    },
    Rule {
        code: &codes::T142,
        run: Run::Libvirt(libvirt::cpuless_initiator),
    },
    Rule {
        code: &codes::T143,
        run: Run::Libvirt(libvirt::device),
    },
    Rule {
        code: &codes::T144,
        run: Run::Libvirt(libvirt::memoryless_cell),
    },
    Rule {
        code: &codes::T145,
        run: Run::Libvirt(libvirt::spm),
    },
    Rule {
        code: &codes::T146,
        run: Run::Libvirt(libvirt::ids),
    },
    Rule {
        code: &codes::T147,
        run: Run::Libvirt(libvirt::unsupported),
    },
    Rule {
        code: &codes::T148,
        run: Run::Libvirt(libvirt::cache_size),
    },
    Rule {
        code: &codes::T149,
        run: Run::Libvirt(libvirt::no_hmat),
    },
    Rule {
        code: &codes::T200,
        run: Run::Ch(cloud_hypervisor::hmat),
    },
    Rule {
        code: &codes::T201,
        run: Run::Ch(cloud_hypervisor::spm),
    },
    Rule {
        code: &codes::T202,
        run: Run::Ch(cloud_hypervisor::node_ids),
    },
    Rule {
        code: &codes::T203,
        run: Run::Ch(cloud_hypervisor::stand_in),
    },
    Rule {
        code: &codes::T218,
        run: Run::Ch(cloud_hypervisor::device_numa_node),
    },
    Rule {
        code: &codes::T204,
        run: Run::Ch(cloud_hypervisor::host_policy),
    },
    Rule {
        code: &codes::T205,
        run: Run::Ch(cloud_hypervisor::initiator_resources),
    },
    Rule {
        code: &codes::T206,
        run: Run::Ch(cloud_hypervisor::initiator_shared),
    },
    Rule {
        code: &codes::T207,
        run: Run::Ch(cloud_hypervisor::empty_node),
    },
    Rule {
        code: &codes::T208,
        run: Run::Ch(cloud_hypervisor::threads_per_core),
    },
    Rule {
        code: &codes::T209,
        run: Run::Ch(cloud_hypervisor::too_many_vcpus),
    },
    Rule {
        code: &codes::T210,
        run: Run::Ch(cloud_hypervisor::shared_file_host_node),
    },
    Rule {
        code: &codes::T211,
        run: Run::Ch(cloud_hypervisor::unpinned_hugepages),
    },
    Rule {
        code: &codes::T212,
        run: Run::Ch(cloud_hypervisor::pci_slots),
    },
    Rule {
        code: &codes::T213,
        run: Run::Ch(cloud_hypervisor::duplicate_device),
    },
    Rule {
        code: &codes::T214,
        run: Run::Ch(cloud_hypervisor::memory_map),
    },
    Rule {
        code: &codes::T215,
        run: Run::Ch(cloud_hypervisor::address_space),
    },
    Rule {
        code: &codes::T216,
        run: Run::Ch(cloud_hypervisor::payload),
    },
    Rule {
        code: &codes::T217,
        run: Run::Ch(cloud_hypervisor::command_line_length),
    },
];

/// Runs every rule; returns the findings sorted.
pub fn check(cx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in RULES {
        let before = out.len();
        rule.run.apply(cx, &mut out);
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
