//! Stage 5, `emit`: one module per output format.
//!
//! [`ARTIFACTS`] lists every artifact: its name (for `--emit`), its file name
//! (for `--out`) and the function that renders it from a [`Compiled`]
//! topology, into memory or, for the few that grow with the square of the
//! nodes, straight to the writer ([`Render`]). Rendering cannot fail: emitters run only on checked input and
//! never re-validate.
//!
//! **Architecture invariant:** emitters see the IR, the derived values and the
//! layout; never TOML, never diagnostics.

pub mod acpi;
pub mod cloud_hypervisor;
pub mod e820;
pub mod graph;
pub mod libvirt;
pub mod qemu;
pub mod resolved;

use crate::kinds::Arch;
use crate::pipeline::Compiled;
use crate::target::TargetKind;
use std::io;

/// How an artifact comes out of its emitter.
pub enum Render {
    /// Whole, into memory. `None` when the topology has nothing for this
    /// artifact (no SLIT without distances, no HMAT without HMAT data): no
    /// file is written.
    Bytes(fn(&Compiled) -> Option<Vec<u8>>),
    /// Written while it is rendered, for artifacts that grow with the square
    /// of the nodes; always present. The error is the writer's.
    Stream(fn(&Compiled, &mut dyn io::Write) -> io::Result<()>),
}

pub struct Artifact {
    /// The name `--emit` takes.
    pub name: &'static str,
    /// The file name `--out DIR` writes.
    pub file: &'static str,
    pub description: &'static str,
    pub targets: &'static [TargetKind],
    /// The guest architectures it exists for: E820 maps and `memmap=` are
    /// x86 things, and the aarch64 `virt` machine has neither (its firmware
    /// describes memory in the UEFI memory map).
    pub arches: &'static [Arch],
    pub render: Render,
}

impl Artifact {
    /// Whether a build for `kind` of an `arch` guest writes it.
    pub fn produced_for(&self, kind: TargetKind, arch: Arch) -> bool {
        self.targets.contains(&kind) && self.arches.contains(&arch)
    }

    /// The artifact's bytes, or `None` when the topology has none.
    pub fn render(&self, c: &Compiled) -> Option<Vec<u8>> {
        match self.render {
            Render::Bytes(f) => f(c),
            Render::Stream(f) => {
                let mut out = Vec::new();
                // Writing to memory cannot fail.
                f(c, &mut out).ok()?;
                Some(out)
            }
        }
    }

    /// Writes the artifact to `w`: `Ok(false)` when the topology has none
    /// (nothing written).
    pub fn write_to(&self, c: &Compiled, w: &mut dyn io::Write) -> io::Result<bool> {
        match self.render {
            Render::Bytes(f) => match f(c) {
                Some(bytes) => w.write_all(&bytes).map(|()| true),
                None => Ok(false),
            },
            Render::Stream(f) => f(c, w).map(|()| true),
        }
    }
}

const QEMU: &[TargetKind] = &[TargetKind::Qemu];
const CH: &[TargetKind] = &[TargetKind::CloudHypervisor];
const X86: &[Arch] = &[Arch::X86_64];
const ANY_ARCH: &[Arch] = &[Arch::X86_64, Arch::Aarch64];
const AARCH64: &[Arch] = &[Arch::Aarch64];
const LIBVIRT: &[TargetKind] = &[TargetKind::Libvirt];
/// What QEMU builds, whether topoc or libvirt starts it.
const QEMU_GUEST: &[TargetKind] = &[TargetKind::Qemu, TargetKind::Libvirt];
const ALL: &[TargetKind] = &[
    TargetKind::Qemu,
    TargetKind::CloudHypervisor,
    TargetKind::Libvirt,
];

fn text(s: String) -> Option<Vec<u8>> {
    Some(s.into_bytes())
}

fn table(t: Option<crate::acpi::Table>) -> Option<Vec<u8>> {
    // Encoding fails only for tables beyond 4 GiB, which no checked topology makes.
    t.and_then(|t| t.to_bytes().ok())
}

/// Every artifact, in the order `build --out` writes them.
pub static ARTIFACTS: &[Artifact] = &[
    Artifact {
        name: "qemu-args",
        file: "qemu.args",
        description: "QEMU arguments, one per line",
        targets: QEMU,
        arches: ANY_ARCH,
        render: Render::Bytes(|c| text(qemu::args_file(c))),
    },
    Artifact {
        name: "qemu-cmdline",
        file: "qemu.sh.txt",
        description: "the QEMU command line, shell-quoted on one line",
        targets: QEMU,
        arches: ANY_ARCH,
        render: Render::Bytes(|c| text(qemu::shell_line(c))),
    },
    Artifact {
        name: "qemu-json",
        file: "qemu.args.json",
        description: "QEMU arguments as a JSON array",
        targets: QEMU,
        arches: ANY_ARCH,
        render: Render::Bytes(|c| text(qemu::json_args(c))),
    },
    Artifact {
        name: "kernel-cmdline",
        file: "kernel-cmdline.txt",
        description: "guest kernel arguments the topology needs (memmap= for SPM)",
        targets: QEMU_GUEST,
        arches: X86,
        render: Render::Bytes(|c| text(qemu::kernel_cmdline(c))),
    },
    Artifact {
        name: "e820-vmm",
        file: "e820.fw_cfg.bin",
        description: "fw_cfg etc/e820 as QEMU builds it (binary, 20-byte entries)",
        targets: QEMU_GUEST,
        arches: X86,
        render: Render::Bytes(|c| Some(e820::vmm_binary(c))),
    },
    Artifact {
        name: "e820-vmm-text",
        file: "e820.fw_cfg.txt",
        description: "fw_cfg etc/e820 as text, in QEMU's order",
        targets: QEMU_GUEST,
        arches: X86,
        render: Render::Bytes(|c| text(e820::vmm_text(c))),
    },
    Artifact {
        name: "e820-vmm-json",
        file: "e820.fw_cfg.json",
        description: "fw_cfg etc/e820 as JSON",
        targets: QEMU_GUEST,
        arches: X86,
        render: Render::Bytes(|c| text(e820::vmm_json(c))),
    },
    Artifact {
        name: "e820-guest",
        file: "e820.guest.txt",
        description: "the E820 lines the guest kernel prints (BIOS-e820:, user:)",
        targets: ALL,
        arches: X86,
        render: Render::Bytes(|c| match c.ch() {
            Some(_) => text(cloud_hypervisor::guest_text(c)),
            None => text(e820::guest_text(c)),
        }),
    },
    Artifact {
        name: "e820-guest-json",
        file: "e820.guest.json",
        description: "the guest's E820 view as JSON, with firmware windows and assumptions",
        targets: ALL,
        arches: X86,
        render: Render::Bytes(|c| match c.ch() {
            Some(_) => text(cloud_hypervisor::guest_json(c)),
            None => text(e820::guest_json(c)),
        }),
    },
    Artifact {
        name: "srat",
        file: "SRAT.dat",
        description: "ACPI SRAT as the guest reads it (binary): the VMM's, or topoc's own with acpi-table-upgrade",
        targets: ALL,
        arches: ANY_ARCH,
        render: Render::Bytes(|c| {
            table(acpi::srat::build(c, acpi::Flavor::of(c)).map(crate::acpi::Table::Srat))
        }),
    },
    Artifact {
        name: "slit",
        file: "SLIT.dat",
        description: "ACPI SLIT (binary); absent without distances (qemu)",
        targets: ALL,
        arches: ANY_ARCH,
        render: Render::Bytes(|c| {
            table(acpi::slit::build(c, acpi::Flavor::of(c)).map(crate::acpi::Table::Slit))
        }),
    },
    Artifact {
        name: "hmat",
        file: "HMAT.dat",
        description: "ACPI HMAT (binary); absent without HMAT data",
        targets: QEMU_GUEST,
        arches: ANY_ARCH,
        render: Render::Bytes(|c| {
            table(acpi::hmat::build(c, acpi::Flavor::Qemu).map(crate::acpi::Table::Hmat))
        }),
    },
    Artifact {
        name: "iomem-guest",
        file: "iomem.guest.txt",
        description: "aarch64 virt: the top level of the guest's /proc/iomem as predicted (RAM, PCI windows, ECAM), in place of an E820 map",
        targets: QEMU,
        arches: AARCH64,
        render: Render::Bytes(|c| text(qemu::iomem_guest(c))),
    },
    Artifact {
        name: "acpi-initrd",
        file: "acpi-initrd.cpio",
        description: "topoc's SRAT, SLIT and HMAT as the cpio to put first in the guest's initrd (ACPI table upgrade); only with acpi-table-upgrade",
        targets: QEMU_GUEST,
        arches: ANY_ARCH,
        render: Render::Bytes(acpi::initrd::render),
    },
    Artifact {
        name: "libvirt-xml",
        file: "domain.xml",
        description: "the libvirt domain XML",
        targets: LIBVIRT,
        arches: X86,
        render: Render::Bytes(|c| libvirt::domain_xml(c).map(String::into_bytes)),
    },
    Artifact {
        name: "libvirt-fragments",
        file: "domain-fragments.xml",
        description: "only the topology's elements, to paste into an existing domain",
        targets: LIBVIRT,
        arches: X86,
        render: Render::Bytes(|c| libvirt::fragments_xml(c).map(String::into_bytes)),
    },
    Artifact {
        name: "libvirt-argv",
        file: "libvirt.argv",
        description: "the QEMU arguments libvirt generates from the domain (domxml-to-native), one per line",
        targets: LIBVIRT,
        arches: X86,
        render: Render::Bytes(|c| text(libvirt::argv_file(c))),
    },
    Artifact {
        name: "ch-args",
        file: "ch.args",
        description: "cloud-hypervisor arguments, one per line",
        targets: CH,
        arches: ANY_ARCH,
        render: Render::Bytes(|c| text(cloud_hypervisor::args_file(c))),
    },
    Artifact {
        name: "ch-cmdline",
        file: "ch.sh.txt",
        description: "the cloud-hypervisor command line, shell-quoted on one line",
        targets: CH,
        arches: ANY_ARCH,
        render: Render::Bytes(|c| text(cloud_hypervisor::shell_line(c))),
    },
    Artifact {
        name: "ch-json",
        file: "ch.args.json",
        description: "cloud-hypervisor arguments as a JSON array",
        targets: CH,
        arches: ANY_ARCH,
        render: Render::Bytes(|c| text(cloud_hypervisor::json_args(c))),
    },
    Artifact {
        name: "e820-pvh",
        file: "e820.pvh.txt",
        description: "the PVH memmap cloud-hypervisor hands a PVH kernel or firmware, in its order",
        targets: CH,
        arches: X86,
        render: Render::Bytes(|c| text(cloud_hypervisor::pvh_text(c))),
    },
    Artifact {
        name: "e820-pvh-json",
        file: "e820.pvh.json",
        description: "the PVH memmap as JSON",
        targets: CH,
        arches: X86,
        render: Render::Bytes(|c| text(cloud_hypervisor::pvh_json(c))),
    },
    Artifact {
        name: "e820-bzimage",
        file: "e820.bzimage.txt",
        description: "the zero page e820_table cloud-hypervisor hands a bzImage, in its order",
        targets: CH,
        arches: X86,
        render: Render::Bytes(|c| text(cloud_hypervisor::bzimage_text(c))),
    },
    Artifact {
        name: "e820-bzimage-json",
        file: "e820.bzimage.json",
        description: "the bzImage e820_table as JSON",
        targets: CH,
        arches: X86,
        render: Render::Bytes(|c| text(cloud_hypervisor::bzimage_json(c))),
    },
    Artifact {
        name: "resolved",
        file: "topology.json",
        description: "the resolved topology with every derived value",
        targets: ALL,
        arches: ANY_ARCH,
        render: Render::Stream(resolved::write),
    },
    Artifact {
        name: "graph-svg",
        file: "topology.svg",
        description: "a picture of the topology (SVG, as `topoc graph` draws it)",
        targets: ALL,
        arches: ANY_ARCH,
        render: Render::Bytes(|c| text(graph::render_svg(&c.topo))),
    },
    Artifact {
        name: "graph-dot",
        file: "topology.dot",
        description: "the topology as Graphviz dot",
        targets: ALL,
        arches: ANY_ARCH,
        render: Render::Bytes(|c| text(graph::render_dot(&c.topo))),
    },
    Artifact {
        name: "graph-mermaid",
        file: "topology.mmd",
        description: "the topology as a Mermaid flowchart",
        targets: ALL,
        arches: ANY_ARCH,
        render: Render::Bytes(|c| text(graph::render_mermaid(&c.topo))),
    },
];

pub fn lookup(name: &str) -> Option<&'static Artifact> {
    ARTIFACTS.iter().find(|a| a.name == name)
}

/// The artifacts a target produces for a guest architecture.
pub fn for_target(kind: TargetKind, arch: Arch) -> impl Iterator<Item = &'static Artifact> {
    ARTIFACTS.iter().filter(move |a| a.produced_for(kind, arch))
}
