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
