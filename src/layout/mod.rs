//! Stage 3, `layout`: guest-physical addresses per target.
//!
//! A target's layout says where every node's memory lands, which E820 map the
//! VMM hands the firmware, and where devices sit. The QEMU target has two
//! machines: x86_64 `q35`/`pc` ([`qemu`]) and aarch64 `virt` ([`virt`]),
//! picked by `[machine] arch`. [`firmware`] then predicts
//! the map the guest kernel receives after the firmware rewrote it.
//!
//! **Architecture invariant:** layouts are total functions of a lowered IR and
//! a target profile: they never fail. Targets differ only here and in their
//! emitters.

pub mod cloud_hypervisor;
pub mod firmware;
pub mod libvirt;
pub mod qemu;
pub mod qom;
pub mod virt;

use crate::model::Topology;
use crate::model::derive::Derived;
use crate::target::Target;

/// A topology laid out for its target: built once, before the check stage,
/// so rules judge the very numbers the emitters print.
#[derive(Clone, Debug)]
pub enum Layout {
    Qemu {
        layout: qemu::QemuLayout,
        /// The map the guest kernel receives after the firmware.
        guest: firmware::GuestE820,
    },
    /// QEMU's aarch64 `virt` machine: no E820, so no guest map beside it.
    QemuVirt {
        layout: virt::VirtLayout,
    },
    CloudHypervisor {
        layout: cloud_hypervisor::ChLayout,
    },
    /// libvirt starts QEMU, which lays the guest out as it always does; the
    /// plan says what of the topology the domain XML carries.
    Libvirt {
        layout: qemu::QemuLayout,
        guest: firmware::GuestE820,
        plan: Box<libvirt::Plan>,
    },
}

impl Layout {
    /// Lays the topology out for its target. Total, like every layout.
    pub fn build(topo: &Topology, derived: &Derived, target: &Target) -> Layout {
        match target {
            Target::Qemu(p) if p.arch == crate::kinds::Arch::Aarch64 => Layout::QemuVirt {
                layout: virt::layout(topo, p),
            },
            Target::Qemu(p) => {
                let layout = qemu::layout(topo, p);
                let guest = firmware::guest_e820(topo, p, &layout);
                Layout::Qemu { layout, guest }
            }
            Target::CloudHypervisor(p) => Layout::CloudHypervisor {
                layout: cloud_hypervisor::layout(topo, derived, p),
            },
            Target::Libvirt(p) => {
                let mut layout = qemu::layout(topo, &p.qemu);
                // libvirt numbers expander buses itself: devices stay on the
                // root bus (T083).
                (layout.pci, layout.bridges) =
                    qemu::place_devices(topo, p.qemu.machine.value, false);
                let guest = firmware::guest_e820(topo, &p.qemu, &layout);
                let plan = Box::new(libvirt::plan(topo, derived));
                Layout::Libvirt {
                    layout,
                    guest,
                    plan,
                }
            }
        }
    }
}

/// `[start, start + size)` in guest-physical address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Region {
    pub start: u64,
    pub size: u64,
}

impl Region {
    pub fn new(start: u64, size: u64) -> Region {
        Region { start, size }
    }

    pub fn end(&self) -> u64 {
        self.start.saturating_add(self.size)
    }

    pub fn overlaps(&self, o: &Region) -> bool {
        self.start < o.end() && o.start < self.end()
    }
}
