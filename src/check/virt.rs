//! What QEMU's aarch64 `virt` machine, its firmware and the arm64 guest
//! kernel cannot take, and the settings that name the other architecture.
//!
//! Facts: QEMU 10.0's hw/arm/virt.c and virt-acpi-build.c, and the measured
//! arm64 boots of the book's aarch64 chapter (Debian 6.1 and 6.12 arm64
//! kernels, edk2 2020.11 and 2022.11).

use super::{Context, Virt};
use crate::diag::{Diagnostic, codes};
use crate::kinds::Arch;
use crate::source::Span;

/// The span of a target setting, or the machine's name when it was not
/// written (a default or a command-line flag).
fn setting(cx: &Context, span: Span) -> Span {
    if span.is_detached() {
        cx.topo.machine.name.span
    } else {
        span
    }
}

/// T120: a QEMU machine type or firmware of the other architecture.
pub fn machine_arch(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(p) = cx.target.qemu() else { return };
    let arch = cx.topo.machine.arch.value;
    let other = |a: Arch| match a {
        Arch::X86_64 => "q35 or pc",
        Arch::Aarch64 => "virt",
    };
    if p.machine.value.arch() != arch {
        out.push(
            Diagnostic::new(
                &codes::T120,
                format!(
                    "machine = \"{}\" is an {} machine type, but the guest is {arch}",
                    p.machine.value,
                    p.machine.value.arch()
                ),
                setting(cx, p.machine.span),
                "other architecture",
            )
            .help(format!(
                "use machine = \"{}\" for an {arch} guest, or remove `machine` (the default follows `arch`)",
                other(arch)
            ))
            .note("QEMU builds each machine type in one binary only: q35 and pc in qemu-system-x86_64, virt in qemu-system-aarch64"),
        );
    }
    if p.firmware.value.arch() != arch {
        let fix = match arch {
            Arch::X86_64 => "\"seabios\", \"ovmf\" or \"ovmf-sp\"",
            Arch::Aarch64 => "\"edk2-2020.11\"",
        };
        out.push(
            Diagnostic::new(
                &codes::T120,
                format!(
                    "firmware = \"{}\" is {} firmware, but the guest is {arch}",
                    p.firmware.value,
                    p.firmware.value.arch()
                ),
                setting(cx, p.firmware.span),
                "other architecture",
            )
            .help(format!(
                "use firmware = {fix}, or remove `firmware` (the default follows `arch`)"
            ))
            .note("topoc predicts what the guest sees through the firmware it boots; firmware of the other architecture does not start"),
        );
    }
}

/// T121: RAM and device memory do not fit the CPU model's physical address
/// space (`virt_set_memmap`: "Addressing limited to N bits, but memory
/// exceeds it by M bytes").
pub fn address_space(cx: &Context, v: Virt, out: &mut Vec<Diagnostic>) {
    let (p, l) = (v.profile, v.layout);
    if l.memtop <= l.phys_limit {
        return;
    }
    out.push(
        Diagnostic::new(
            &codes::T121,
            format!(
                "RAM and device memory end at {:#x}, beyond the {} physical address bits of -cpu {}",
                l.memtop, p.phys_bits, p.cpu.model
            ),
            setting(cx, p.cpu_model.span),
            "CPU model",
        )
        .help("use less memory or max-memory, or a CPU model with more address bits (cortex-a72: 44, neoverse-n1: 48, max: 52)")
        .note(format!(
            "QEMU refuses: \"Addressing limited to {} bits, but memory exceeds it by {} bytes\"",
            p.phys_bits,
            l.memtop - l.phys_limit
        )),
    );
}

/// T126: a `mmio64-size` (`-machine virt,highmem-mmio-size=`) QEMU refuses
/// (not a power of two, below the 512 GiB default: `virt_set_highmem_mmio_size`),
/// or one that does not fit the CPU model's physical address space, where
/// QEMU quietly leaves the window out and large BARs find no room.
pub fn mmio64_size(cx: &Context, v: Virt, out: &mut Vec<Diagnostic>) {
    let (p, l) = (v.profile, v.layout);
    let Some(size) = &p.mmio64_size else { return };
    let default = crate::layout::virt::HIGH_REGIONS[2].1;
    let shown = crate::units::fmt_size(size.value);
    let refused = if !size.value.is_power_of_two() {
        Some("highmem-mmio-size is not a power of 2".to_string())
    } else if size.value < default {
        Some(
            "highmem-mmio-size cannot be set to a lower value than the default (512 GiB)"
                .to_string(),
        )
    } else {
        None
    };
    if let Some(msg) = refused {
        out.push(
            Diagnostic::new(
                &codes::T126,
                format!("mmio64-size {shown} is not a window the virt machine takes: a power of two from 512GiB on"),
                setting(cx, size.span),
                "highmem-mmio-size",
            )
            .help("use 512GiB, 1TiB, 2TiB, …")
            .note(format!("QEMU refuses: \"{msg}\"")),
        );
        return;
    }
    if let Some(h) = l.high.iter().find(|h| h.name == "pcie-mmio" && !h.enabled) {
        out.push(
            Diagnostic::new(
                &codes::T126,
                format!(
                    "the {shown} PCI MMIO window would sit at [{:#x}, {:#x}), beyond the {} physical address bits of -cpu {}",
                    h.region.start,
                    h.region.end(),
                    p.phys_bits,
                    p.cpu.model
                ),
                setting(cx, size.span),
                "highmem-mmio-size",
            )
            .help("use a smaller mmio64-size, or a CPU model with more address bits (cortex-a72: 44, neoverse-n1: 48, max: 52)")
            .note("QEMU then leaves the high MMIO window out without a word, and a device's 64-bit BARs find no room"),
        );
    }
}

/// T122: more vCPUs than the GIC version takes (GICv2: 8).
pub fn gic_cpus(cx: &Context, v: Virt, out: &mut Vec<Diagnostic>) {
    let p = v.profile;
    let max = cx.topo.machine.topology.max_cpus();
    let limit = match p.gic_version.value {
        crate::kinds::GicVersion::V2 => crate::layout::virt::MAX_CPUS_GICV2,
        crate::kinds::GicVersion::V3 => crate::layout::virt::MAX_CPUS_GICV3,
    };
    if max <= limit {
        return;
    }
    out.push(
        Diagnostic::new(
            &codes::T122,
            format!(
                "{max} vCPUs, but the virt machine takes at most {limit} with GICv{}",
                p.gic_version.value
            ),
            setting(cx, p.gic_version.span),
            "GIC version",
        )
        .help(if limit == crate::layout::virt::MAX_CPUS_GICV2 {
            "use gic-version = \"3\" (the default), which takes up to 512 vCPUs".to_string()
        } else {
            format!("use at most {limit} vCPUs")
        })
        .note(format!(
            "QEMU refuses: \"Number of SMP CPUs requested ({max}) exceeds max CPUs supported by machine 'mach-virt' ({limit})\""
        )),
    );
}

/// The proximity domains QEMU's `virt` SRAT names, by node index: the nodes
/// of the vCPUs (a GICC structure each), of memory, of Generic Initiators,
/// and the last node when there is device memory (its hotplug range).
/// Linux hands each of them a node id.
fn srat_nodes(cx: &Context, v: Virt) -> Vec<usize> {
    let t = cx.topo;
    let mut ix: Vec<usize> = (0..t.nodes.len())
        .filter(|&i| {
            let n = &t.nodes[i];
            n.has_cpus() || n.has_memory() || n.is_generic_initiator()
        })
        .collect();
    if v.layout.device_memory.is_some() && !t.nodes.is_empty() && !ix.contains(&(t.nodes.len() - 1))
    {
        ix.push(t.nodes.len() - 1);
    }
    ix
}

/// T123: Specific Purpose Memory on `virt`, which has no way to carry it.
pub fn spm(cx: &Context, _: Virt, out: &mut Vec<Diagnostic>) {
    let note = "virt has no E820, and the guest kernel's memmap= and efi_fake_mem= are x86-only (arm64 reports them as unknown parameters); \
                QEMU's sp-mem device (11.1) hooks only into the x86 pc machines, and edk2's ArmVirtQemu marks no range EFI_MEMORY_SP";
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        let Some(r) = m.spm.first() else { continue };
        out.push(
            Diagnostic::new(
                &codes::T123,
                format!(
                    "{} has Specific Purpose Memory, which the aarch64 virt machine cannot give a guest",
                    n.label()
                ),
                r.span,
                "SPM on virt",
            )
            .help("remove `spm`: on virt the memory is ordinary System RAM of its node (a memory-only node, as GH200's GPU memory is before its driver onlines it)")
            .note(note),
        );
    }
    if let Some(d) = &cx.topo.qemu.spm {
        out.push(
            Diagnostic::new(
                &codes::T123,
                format!(
                    "spm = \"{}\" names an x86 way of passing Specific Purpose Memory; the aarch64 virt machine has none",
                    d.value
                ),
                d.span,
                "x86 only",
            )
            .help("remove `[target.qemu] spm`")
            .note(note),
        );
    }
}

/// T124: more proximity domains than Debian's arm64 kernels take; the guest
/// then ignores the whole SRAT.
pub fn guest_node_limit(cx: &Context, v: Virt, out: &mut Vec<Diagnostic>) {
    let nodes = srat_nodes(cx, v);
    let limit = crate::linux::numa::ARM64_MAX_NUMNODES as usize;
    if nodes.len() <= limit {
        return;
    }
    let first = &cx.topo.nodes[nodes[limit]];
    out.push(
        Diagnostic::new(
            &codes::T124,
            format!(
                "the SRAT names {} proximity domains, but Debian's arm64 kernels take at most {limit}: the guest ignores the whole SRAT",
                nodes.len()
            ),
            first.span,
            format!("domain {} of {}", limit + 1, nodes.len()),
        )
        .help(format!(
            "keep at most {limit} nodes with CPUs, memory or a Generic Initiator (one GH200 GPU's 8 GI nodes fit beside a CPU and an HBM node; two GPUs do not: give each GPU fewer GI nodes)"
        ))
        .note("CONFIG_NODES_SHIFT=4 in Debian's 6.1 and 6.12 arm64 kernels: the guest prints \"ACPI: SRAT: Too many proximity domains.\" and \"SRAT: SRAT not used.\", and runs with one fake node, no SLIT and no HMAT"),
    );
}

/// T125: firmware under which the arm64 guest kernel fakes one node, unless
/// the guest takes topoc's SRAT, which covers the flash, from its initrd.
pub fn firmware_numa(cx: &Context, v: Virt, out: &mut Vec<Diagnostic>) {
    let p = v.profile;
    // With the upgrade, topoc's SRAT covers the flash.
    if crate::layout::virt::flash_as_memory(p).is_none()
        || crate::layout::virt::srat_flash(p).is_some()
        || srat_nodes(cx, v).len() < 2
    {
        return;
    }
    out.push(
        Diagnostic::new(
            &codes::T125,
            "with edk2 2022.11 the arm64 guest kernel drops the SRAT and fakes one NUMA node".to_string(),
            setting(cx, p.firmware.span),
            "firmware",
        )
        .help("use firmware = \"edk2-2020.11\" (Debian bullseye's qemu-efi-aarch64 2020.11-2+deb11u2, the default), or keep 2022.11 and add acpi-table-upgrade = true under [target.qemu]: the guest then takes topoc's SRAT, which also covers the flash, from its initrd")
        .note(format!(
            "edk2 2022.11 (Debian bookworm's qemu-efi-aarch64) reports the variable-store flash [{:#x}, {:#x}) as write-combined memory; \
             Linux adds it to memblock, no SRAT range covers it, and the guest prints \"NUMA: Warning: invalid memblk node 16\" and \"NUMA: Faking a node\"",
            crate::layout::virt::FLASH_VARS.start,
            crate::layout::virt::FLASH_VARS.end()
        )),
    );
}

/// T083 on virt: the rules q35 has (a `guest-slot` beside `numa-node`, an
/// offline node, a generated id taken), and the firmware that numbers no
/// bus behind a host bridge: edk2 2020.11's ArmVirtQemu knows one root
/// bridge only (extra root buses came to ArmVirtPkg in 2021).
pub fn device_numa_node(cx: &Context, v: Virt, out: &mut Vec<Diagnostic>) {
    super::qemu::device_numa_node_on(cx, pci_view(v), out);
    if v.profile.firmware.value != crate::kinds::Firmware::Edk2_2020_11 {
        return;
    }
    for d in &cx.topo.devices {
        let Some(node) = &d.numa_node else { continue };
        out.push(
            Diagnostic::new(
                &codes::T083,
                format!(
                    "under edk2 2020.11 the arm64 guest never finds device \"{}\" behind the host bridge of {}",
                    d.name.value,
                    cx.topo.nodes[node.value].label()
                ),
                node.span,
                "behind a pxb-pcie",
            )
            .help("use firmware = \"edk2-2022.11\" with acpi-table-upgrade = true under [target.qemu] (2022.11 numbers the buses behind the bridge; the upgrade keeps guest NUMA, T125), or remove `numa-node` to keep the device on pcie.0")
            .note("measured with QEMU 10.0.2 and Debian's 6.1 arm64 kernel: edk2 2020.11 numbers no bus behind a pxb-pcie root port, so the guest never finds the device and QEMU's Generic Initiator structures name 0000:00:00.0; edk2 2022.11 numbers them (root port at bus_nr, device on bus_nr + 1) and the device reads the bridge's node"),
        );
    }
}

/// T110 on virt: the slot rules of q35, with virt's own slots (gpex-root at
/// 0, the default NIC at 1).
pub fn pci_slots(cx: &Context, v: Virt, out: &mut Vec<Diagnostic>) {
    super::qemu::pci_slots_on(cx, pci_view(v), out);
}

fn pci_view(v: Virt<'_>) -> super::qemu::PciView<'_> {
    super::qemu::PciView {
        machine: v.profile.machine.value,
        pci: &v.layout.pci,
        bridges: &v.layout.bridges,
    }
}
