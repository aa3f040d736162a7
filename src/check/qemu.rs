//! What the qemu target can express: each rule here is a limit of QEMU, of
//! the chosen QEMU version, or of the guest firmware.

use super::{Context, Qemu};
use crate::acpi::hmat_units::{EncodeError, qemu_bandwidth, qemu_latency};
use crate::diag::{Diagnostic, codes};
use crate::kinds::{Firmware, SpmDialect};
use crate::model::DataType;
use crate::source::Span;
use crate::target::{QemuProfile, Vendor};
use crate::units::{fmt_bandwidth, fmt_latency, fmt_size};

/// QEMU's `MAX_NODES`.
pub const MAX_NODES: u32 = 128;

/// Where a target setting was written, else the machine table.
fn setting(cx: &Context, span: Span) -> Span {
    if span.is_detached() {
        cx.topo.machine.name.span
    } else {
        span
    }
}

/// T100: node ids QEMU cannot take: not dense from 0, or 128 and above.
pub fn node_ids(cx: &Context, _: &QemuProfile, out: &mut Vec<Diagnostic>) {
    // Duplicate ids are T010's business: judge the distinct ids.
    // Every gap is reported, each at the node after it.
    let mut expected = 0u32;
    // Ids past QEMU's limit are reported once, together.
    let mut beyond: Vec<&crate::model::Node> = Vec::new();
    for n in &cx.topo.nodes {
        let id = n.id.value;
        if id >= MAX_NODES {
            beyond.push(n);
        } else if id > expected {
            let count = cx.topo.nodes.len();
            let missing = if id - expected == 1 {
                format!("node id {expected} is missing")
            } else {
                format!("node ids {expected} to {} are missing", id - 1)
            };
            out.push(
                Diagnostic::new(
                    &codes::T100,
                    format!("QEMU needs node ids 0, 1, 2, … without gaps; {missing}"),
                    n.id.span,
                    format!("expected id {expected} before this node"),
                )
                .help(format!(
                    "renumber the nodes so ids run from 0 to {}",
                    count.saturating_sub(1)
                ))
                .note("QEMU refuses: \"numa: Node ID missing\""),
            );
        }
        expected = expected.max(id.saturating_add(1));
    }
    if let (Some(first), Some(last)) = (beyond.first(), beyond.last()) {
        let ids: Vec<u32> = beyond.iter().map(|n| n.id.value).collect();
        let what = if ids.len() == 1 {
            format!("node id {}", ids[0])
        } else {
            format!(
                "{} node ids ({})",
                ids.len(),
                crate::units::fmt_cpulist(&ids)
            )
        };
        let mut d = Diagnostic::new(
            &codes::T100,
            format!("{what} beyond QEMU's limit of {MAX_NODES} nodes"),
            first.id.span,
            "first one too large for QEMU",
        );
        if ids.len() > 1 {
            d = d.label(last.id.span, "last one");
        }
        out.push(
            d.help(format!(
                "QEMU holds nodes 0 to {}: merge or drop nodes",
                MAX_NODES - 1
            ))
            .note("QEMU refuses: \"Max number of NUMA nodes reached\""),
        );
    }
}

/// T101: the guest does not fit QEMU's address space for the CPU model.
pub fn address_space(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    let (p, l) = (q.profile, q.layout);
    if l.max_used_gpa >= p.phys_limit() {
        out.push(
            Diagnostic::new(
                &codes::T101,
                format!(
                    "{} of RAM{} needs addresses up to {:#x}, beyond the {} physical address bits of `{}`",
                    fmt_size(l.ram_size),
                    if l.relocated_above_1tb { " (moved above 1 TiB around the AMD HyperTransport hole)" } else { "" },
                    l.max_used_gpa,
                    p.phys_bits,
                    p.cpu_model.value
                ),
                setting(cx, p.cpu_model.span),
                "CPU model",
            )
            .help("use a CPU model with more physical address bits, e.g. cpu-model = \"qemu64,phys-bits=48\", or less memory")
            .note("QEMU refuses: \"Address space limit … phys-bits too low\""),
        );
    }
    if l.slots > 256 {
        if let Some(s) = &p.memory_slots {
            out.push(Diagnostic::new(
                &codes::T101,
                format!("{} memory slots; QEMU takes at most 256", l.slots),
                s.span,
                "too many slots",
            ));
        }
    }
    if l.maxmem < l.ram_size {
        if let Some(m) = &p.max_memory {
            out.push(
                Diagnostic::new(
                    &codes::T101,
                    format!(
                        "max-memory {} is less than the nodes' {} of memory",
                        fmt_size(l.maxmem),
                        fmt_size(l.ram_size)
                    ),
                    m.span,
                    "too small",
                )
                .help("raise max-memory or remove it"),
            );
        }
    }
}

/// T102: Generic Initiators before QEMU 9.0.
pub fn generic_initiator_version(cx: &Context, p: &QemuProfile, out: &mut Vec<Diagnostic>) {
    if p.release.generic_initiator.is_some() {
        return;
    }
    for d in cx.topo.devices.iter().filter(|d| !d.gi_nodes.is_empty()) {
        out.push(
            Diagnostic::new(&codes::T102, format!("QEMU {} has no Generic Initiator support, which device \"{}\" needs", p.version.value, d.name.value), d.gi_nodes[0].span, "Generic Initiator nodes")
                .label(p.version.span, "QEMU version")
                .help("target QEMU 9.0 or later (Debian bookworm-backports has 10.0)")
                .note("QEMU 7.2 refuses: \"Parameter 'qom-type' does not accept value 'acpi-generic-initiator'\""),
        );
    }
}

/// T103: SPM through a QEMU dialect that the firmware then drops.
pub fn spm_firmware(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    let p = q.profile;
    if p.spm.value == SpmDialect::KernelMemmap || p.firmware.value == Firmware::OvmfSp {
        return;
    }
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        let Some(r) = m.spm.first() else { continue };
        let fw = match p.firmware.value {
            Firmware::Seabios => "SeaBIOS keeps only RAM and reserved entries of etc/e820",
            _ => {
                "Debian's OVMF (edk2 2022.11) does not handle soft-reserved entries (\"NOT HANDLED\")"
            }
        };
        out.push(
            Diagnostic::new(
                &codes::T103,
                format!("{}'s Specific Purpose Memory reaches the guest only as a soft-reserved E820 entry, which {} drops", n.label(), p.firmware.value),
                r.span,
                "SPM",
            )
            .label(p.firmware.span, "firmware")
            .label(p.spm.span, "SPM dialect")
            .help("use spm = \"kernel-memmap\" (works with any firmware), or firmware = \"ovmf-sp\" (edk2 2026-01 or later)")
            .note(format!("{fw}: the guest would lose this memory entirely")),
        );
    }
}

/// T104: Specific Purpose Memory the `sp-mem` dialect cannot place: a size
/// that is not a multiple of its backend's alignment, a node whose RAM and
/// SPM would map one backing file twice, or device memory (`max-memory`)
/// without room for the devices.
pub fn spm_dialect_shape(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    let (p, l) = (q.profile, q.layout);
    if p.spm.value != SpmDialect::SpMem {
        return;
    }
    let mut wanted = 0usize;
    for n in &cx.topo.nodes {
        let Some(m) = &n.memory else { continue };
        let Some(first) = m.spm.first() else { continue };
        wanted += 1;
        let align = crate::layout::qemu::backend_alignment(&m.backend);
        let spm = m.spm_bytes();
        if spm % align != 0 {
            out.push(
                Diagnostic::new(
                    &codes::T104,
                    format!(
                        "{}'s Specific Purpose Memory ({}) is not a multiple of its backend's {} alignment, which its sp-mem device needs",
                        n.label(),
                        fmt_size(spm),
                        fmt_size(align)
                    ),
                    first.span,
                    "SPM",
                )
                .help(format!("make the node's SPM a multiple of {}", fmt_size(align)))
                .note("QEMU places a memory device at its backend's alignment and refuses: \"backend memory size must be multiple of\" it"),
            );
        }
        if let (Some(path), false) = (m.backend.spans.path, m.all_spm()) {
            out.push(
                Diagnostic::new(
                    &codes::T104,
                    format!(
                        "with sp-mem, {}'s RAM and its Specific Purpose Memory become two backends, and both would map this file",
                        n.label()
                    ),
                    path,
                    "one file, two backends",
                )
                .label(first.span, "the SPM part")
                .help("make this node all SPM (spm = true) and put its RAM in a node of its own, or drop `path`")
                .note("each memory-backend-file maps `mem-path` from offset 0: the guest would see the same bytes as RAM and as SPM"),
            );
        }
    }
    let placed = match l.device_memory {
        Some(dm) => l
            .sp_mem
            .iter()
            .filter(|s| s.region.end() <= dm.end())
            .count(),
        None => 0,
    };
    if wanted > 0 && placed < wanted {
        let room = l.maxmem.saturating_sub(l.ram_size);
        let span = p
            .max_memory
            .as_ref()
            .map_or(cx.topo.machine.name.span, |m| m.span);
        out.push(
            Diagnostic::new(
                &codes::T104,
                format!(
                    "max-memory leaves {} of device memory, too little for the sp-mem devices of {wanted} node{}",
                    fmt_size(room),
                    if wanted == 1 { "" } else { "s" }
                ),
                span,
                "too small",
            )
            .help("raise max-memory by the nodes' Specific Purpose Memory (and its alignment padding), or remove it: topoc then sizes it")
            .note("sp-mem devices live in the hotplug region: QEMU refuses \"the configuration is not prepared for memory devices\" or \"not enough space\""),
        );
    }
}

/// T111: an SPM dialect the QEMU release does not have.
pub fn spm_dialect_version(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    let p = q.profile;
    if p.spm.value != SpmDialect::SpMem || p.release.sp_mem {
        return;
    }
    let Some(first) = cx
        .topo
        .nodes
        .iter()
        .filter_map(|n| n.memory.as_ref())
        .find_map(|m| m.spm.first())
    else {
        return;
    };
    out.push(
        Diagnostic::new(
            &codes::T111,
            format!(
                "QEMU {} has no sp-mem device; it was merged for QEMU 11.1",
                p.version.value
            ),
            setting(cx, p.spm.span),
            "SPM dialect",
        )
        .label(first.span, "Specific Purpose Memory")
        .label(setting(cx, p.version.span), "QEMU version")
        .help("use spm = \"kernel-memmap\" (every QEMU), or target QEMU 11.1")
        .note("QEMU refuses: \"'sp-mem' is not a valid device model name\""),
    );
}

/// T112: more vCPUs than the machine type takes.
pub fn max_cpus(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    let p = q.profile;
    let topo = &cx.topo.machine.topology;
    let max = topo.max_cpus();
    let limit = p.release.max_cpus(p.machine.value);
    if max <= u64::from(limit) {
        return;
    }
    let machine = p.release.machine_type(p.machine.value);
    out.push(
        Diagnostic::new(
            &codes::T112,
            format!("{max} vCPUs; QEMU {}'s {machine} takes at most {limit}", p.version.value),
            if topo.span.is_detached() { cx.topo.machine.span } else { topo.span },
            "sockets × dies × cores × threads",
        )
        .label(setting(cx, p.machine.span), "machine type")
        .help(match p.machine.value {
            crate::kinds::QemuMachine::Pc => format!("use at most {limit} vCPUs, or machine = \"q35\""),
            crate::kinds::QemuMachine::Q35 | crate::kinds::QemuMachine::Virt => format!("use at most {limit} vCPUs"),
        })
        .note(format!("QEMU refuses: \"Invalid SMP CPUs {max}. The max CPUs supported by machine '{machine}' is {limit}\"")),
    );
}

/// The highest APIC id of the machine's possible vCPUs.
pub fn highest_apic_id(cx: &Context) -> Option<u32> {
    let max = u32::try_from(cx.topo.machine.topology.max_cpus()).ok()?;
    (max > 0).then(|| crate::layout::qemu::apic_id(cx.topo, max - 1))
}

/// T113: APIC ids of 255 and above that QEMU cannot start.
pub fn x2apic(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    let p = q.profile;
    let Some(hi) = highest_apic_id(cx) else {
        return;
    };
    if hi < 255 || p.cpu.vendor == Vendor::Host {
        return;
    }
    let topo = &cx.topo.machine.topology;
    let span = if topo.span.is_detached() {
        cx.topo.machine.span
    } else {
        topo.span
    };
    let d = if !p.release.tcg_x2apic {
        Diagnostic::new(
            &codes::T113,
            format!("the vCPUs need APIC ids up to {hi}, and QEMU {} takes none above 254 under TCG", p.version.value),
            span,
            "APIC ids are packed per socket, die and core",
        )
        .label(setting(cx, p.version.span), "QEMU version")
        .help("use fewer vCPUs (the highest APIC id must stay below 255), or target QEMU 9.0 or later")
        .note("QEMU before 9.0 refuses: \"current -smp configuration requires kernel irqchip and X2APIC API support\"")
    } else if !p.cpu.x2apic {
        Diagnostic::new(
            &codes::T113,
            format!("the vCPUs need APIC ids up to {hi}, which QEMU gives only a CPU model with x2apic"),
            setting(cx, p.cpu_model.span),
            "no x2apic",
        )
        .label(span, "the vCPU topology")
        .help(format!("add x2apic to the model: cpu-model = \"{},x2apic=on\"", p.cpu_model.value))
        .note("QEMU aborts: \"APIC ID 255 requires x2APIC feature in CPU\" (KVM turns x2apic on by itself; TCG does not)")
    } else {
        return;
    };
    out.push(d);
}

/// T114: a `max-ram-below-4g` QEMU refuses or the BIOS cannot work with.
pub fn below_4g(_: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    let Some(m) = &q.profile.max_ram_below_4g else {
        return;
    };
    let gib4 = 4 * crate::units::GIB;
    if m.value > gib4 {
        out.push(
            Diagnostic::new(
                &codes::T114,
                format!("max-ram-below-4g is {}, more than 4 GiB", fmt_size(m.value)),
                m.span,
                "above 4 GiB",
            )
            .help("use at most 4GiB: it caps the RAM QEMU places below 4 GiB")
            .note(format!("QEMU refuses: \"Machine option 'max-ram-below-4g={}' expects size less than or equal to 4G\"", m.value)),
        );
    } else if m.value < crate::units::MIB {
        out.push(
            Diagnostic::new(
                &codes::T114,
                format!("max-ram-below-4g is {}, less than the 1 MiB the BIOS and the kernel's boot code need below 4 GiB", fmt_size(m.value)),
                m.span,
                "below 1 MiB",
            )
            .help("remove it for the machine type's default, or give at least the low RAM the guest needs (the kernel and initrd load there)")
            .note("QEMU warns \"Only N bytes of RAM below the 4GiB boundary, BIOS may not work with less than 1MiB\" (0 then means its default) and refuses to load a kernel and initrd that do not fit: \"initrd is too large, cannot support\""),
        );
    }
}

/// T116: a CPU model QEMU does not have, one an x86_64 guest cannot boot on,
/// or physical address bits QEMU refuses.
pub fn cpu_model(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    let p = q.profile;
    let span = setting(cx, p.cpu_model.span);
    let model = p.cpu.model.as_str();
    if !crate::versions::X86_CPU_MODELS.contains(&model) {
        let mut d = Diagnostic::new(
            &codes::T116,
            format!("QEMU has no x86_64 CPU model \"{model}\""),
            span,
            "unknown model",
        );
        d = match crate::diag::did_you_mean(model, crate::versions::X86_CPU_MODELS.iter().copied()) {
            Some(m) => d.help(format!("did you mean \"{m}\"?")),
            None => d.help("use a model from `qemu-system-x86_64 -cpu help`, e.g. \"qemu64\" or \"EPYC-Genoa\""),
        };
        out.push(d.note(format!(
            "QEMU refuses: \"unable to find CPU model '{model}'\""
        )));
    } else if crate::versions::X86_32BIT_CPU_MODELS.contains(&model) {
        out.push(
            Diagnostic::new(
                &codes::T116,
                format!("\"{model}\" has no long mode, so an x86_64 guest kernel cannot boot on it"),
                span,
                "32-bit model",
            )
            .help("use a 64-bit model, e.g. \"qemu64\"")
            .note("QEMU starts; the kernel's setup code stops with \"This kernel requires an x86-64 CPU\", printed only to the VGA console"),
        );
    }
    if let Some(bits) = &p.cpu.bad_phys_bits {
        out.push(
            Diagnostic::new(
                &codes::T116,
                format!("phys-bits={bits} is outside the 32 to 52 bits QEMU takes"),
                span,
                "phys-bits",
            )
            .help("give phys-bits between 32 and 52, e.g. \"qemu64,phys-bits=48\"")
            .note(format!(
                "QEMU refuses: \"phys-bits should be between 32 and 52 (but is {bits})\""
            )),
        );
    }
}

/// T117: an HMAT that the QEMU release writes in a form Linux ignores.
pub fn hmat_memoryless(cx: &Context, p: &QemuProfile, out: &mut Vec<Diagnostic>) {
    if !p.release.hmat_mpda_for_memoryless || cx.derived.hmat.is_none() {
        return;
    }
    let memless: Vec<&crate::model::Node> =
        cx.topo.nodes.iter().filter(|n| !n.has_memory()).collect();
    let Some(first) = memless.first() else { return };
    let mut d = Diagnostic::new(
        &codes::T117,
        format!(
            "QEMU {} writes HMAT attributes for memory-less {}, and the guest kernel then ignores the whole HMAT",
            p.version.value,
            first.label()
        ),
        first.id.span,
        "no memory",
    )
    .label(setting(cx, p.version.span), "QEMU version");
    for n in memless.iter().skip(1).take(3) {
        d = d.label(n.id.span, "no memory either");
    }
    out.push(
        d.help("target QEMU 9.0 or later, or set `hmat = false` under [machine]")
            .note("QEMU before 9.0 adds a Memory Proximity Domain Attributes structure for every node; Linux prints \"acpi/hmat: Ignoring: Invalid table\" (measured with QEMU 7.2.22 and Linux 6.1)"),
    );
}

/// T118: more than 255 APIC ids with x2apic and no interrupt remapping.
pub fn interrupt_remapping(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    let p = q.profile;
    let Some(hi) = highest_apic_id(cx) else {
        return;
    };
    if hi < 255 || !p.cpu.x2apic || !p.release.tcg_x2apic {
        return;
    }
    out.push(
        Diagnostic::new(
            &codes::T118,
            format!("vCPUs with APIC ids above 254 (up to {hi}) need interrupt remapping, which topoc's command line has no IOMMU for"),
            setting(cx, p.cpu_model.span),
            "x2apic",
        )
        .help("under KVM the guest uses KVM's extended destination ids and sees every vCPU; under TCG keep the highest APIC id below 255")
        .note("without an IOMMU with interrupt remapping and no KVM, Linux prints \"x2apic: IRQ remapping doesn't support X2APIC mode\" and brings up only the vCPUs whose APIC id is below 255"),
    );
}

/// T090 (qemu): settings that reach nothing on this machine.
pub fn settings_without_effect(_: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    let (p, l) = (q.profile, q.layout);
    if !p.gic_version.span.is_detached() {
        out.push(
            Diagnostic::new(
                &codes::T090,
                format!(
                    "gic-version = \"{}\" changes nothing on an x86_64 machine",
                    p.gic_version.value
                ),
                p.gic_version.span,
                "no effect",
            )
            .help("remove it, or set `[machine] arch = \"aarch64\"` for the Arm virt machine it belongs to")
            .note("the GIC is the Arm virt machine's interrupt controller; q35 and pc have APICs"),
        );
    }
    if let Some(m) = &p.max_ram_below_4g {
        let in_range = m.value >= crate::units::MIB && m.value <= 4 * crate::units::GIB;
        let with = crate::layout::qemu::split(p.machine.value, l.ram_size, Some(m.value));
        let without = crate::layout::qemu::split(p.machine.value, l.ram_size, None);
        if in_range && with == without {
            out.push(
                Diagnostic::new(
                    &codes::T090,
                    format!(
                        "max-ram-below-4g = {} changes nothing: {} of the {} of RAM stay below 4 GiB either way",
                        fmt_size(m.value),
                        fmt_size(without.0),
                        fmt_size(l.ram_size)
                    ),
                    m.span,
                    "no effect",
                )
                .help("remove it, or give a value below the machine's own split")
                .note(match p.machine.value {
                    crate::kinds::QemuMachine::Q35 | crate::kinds::QemuMachine::Virt => "q35 places 2 GiB below 4 GiB once RAM reaches 2.75 GiB (all of it below that); max-ram-below-4g only lowers that",
                    crate::kinds::QemuMachine::Pc => "pc places up to 3.5 GiB below 4 GiB (3 GiB once RAM reaches it); max-ram-below-4g only lowers that",
                }),
            );
        }
    }
    if let Some(s) = &p.memory_slots {
        if s.value > 0 && l.maxmem <= l.ram_size {
            out.push(
                Diagnostic::new(
                    &codes::T090,
                    format!("memory-slots = {} has no effect without max-memory above the nodes' memory", s.value),
                    s.span,
                    "dropped",
                )
                .help("give max-memory (memory hotplug needs room above boot RAM), or remove memory-slots")
                .note("QEMU refuses slots with maxmem equal to the memory (\"memory slots were specified but maximum memory size … is equal to the initial memory size\"), so topoc leaves slots= out"),
            );
        }
    }
}

/// T036: no boot RAM: QEMU starts with its default 128 MiB and refuses the
/// NUMA nodes.
pub fn no_boot_memory(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    if q.layout.ram_size > 0 {
        return;
    }
    let all_spm = cx.topo.nodes.iter().any(|n| n.has_memory());
    out.push(
        Diagnostic::new(
            &codes::T036,
            if all_spm {
                "the guest has no boot RAM: every node's memory is an sp-mem device".to_string()
            } else {
                "the guest has no boot RAM: no node has memory".to_string()
            },
            cx.topo.machine.name.span,
            "this machine",
        )
        .help("give a node `memory` that is not Specific Purpose")
        .note("topoc would emit -m 0; QEMU takes its default 128 MiB instead and refuses: \"total memory for NUMA nodes (0x0) should equal RAM size (0x8000000)\""),
    );
}

/// T074 (qemu): one host PCI function passed through twice.
pub fn host_device_twice(cx: &Context, _: &QemuProfile, out: &mut Vec<Diagnostic>) {
    let t = cx.topo;
    for (k, d) in t.devices.iter().enumerate() {
        let crate::model::DeviceSource::Host(a) = &d.source.value else {
            continue;
        };
        let first = t.devices[..k]
            .iter()
            .find(|o| matches!(&o.source.value, crate::model::DeviceSource::Host(b) if b == a));
        if let Some(first) = first {
            out.push(
                Diagnostic::new(
                    &codes::T074,
                    format!("host device {a} is passed through twice, as \"{}\" and \"{}\"", first.name.value, d.name.value),
                    d.source.span,
                    "again",
                )
                .label(first.source.span, "first here")
                .help("pass each host function through once; list every node it initiates through in one device's `initiator-nodes`")
                .note("QEMU refuses the second vfio-pci: \"device is already attached\""),
            );
        }
    }
}

/// T075: Generic Initiator placement that QEMU accepts but that tells the
/// guest nothing: a Generic Initiator node with CPUs or memory, or one shared
/// by several devices.
pub fn initiator_placement(cx: &Context, _: &QemuProfile, out: &mut Vec<Diagnostic>) {
    let t = cx.topo;
    for (ix, n) in t.nodes.iter().enumerate() {
        let Some(&d) = n.gi_devices.first() else {
            continue;
        };
        let dev = &t.devices[d];
        let span = dev
            .gi_nodes
            .iter()
            .find(|g| g.value == ix)
            .map_or(dev.name.span, |g| g.span);
        if n.has_cpus() || n.has_memory() {
            let what = match (n.has_cpus(), n.has_memory()) {
                (true, true) => "CPUs and memory",
                (true, false) => "CPUs",
                _ => "memory",
            };
            out.push(
                Diagnostic::new(
                    &codes::T075,
                    format!("{} is a Generic Initiator node of device \"{}\" and has {what}", n.label(), dev.name.value),
                    span,
                    "Generic Initiator node",
                )
                .label(n.id.span, format!("has {what}"))
                .help("give the device a node of its own, with no CPUs and no memory, and link it to this one")
                .note("QEMU and Linux accept it, but the guest cannot tell the device's accesses from the node's own (has_generic_initiator does not list the node: it has CPUs or memory already); cloud-hypervisor refuses it (T205)"),
            );
        }
        if n.gi_devices.len() > 1 {
            let second = &t.devices[n.gi_devices[1]];
            out.push(
                Diagnostic::new(
                    &codes::T075,
                    format!("devices \"{}\" and \"{}\" share {}", dev.name.value, second.name.value, n.label()),
                    second.name.span,
                    "second device on the node",
                )
                .label(n.id.span, "the Generic Initiator node")
                .help("give each device a Generic Initiator node of its own, so the HMAT can say how each reaches memory")
                .note("QEMU writes one Generic Initiator structure per device and node; the HMAT then has one row for both devices (cloud-hypervisor refuses it: T206)"),
            );
        }
    }
}

/// T105: an attached initiator QEMU refuses.
pub fn hmat_attached_initiator(cx: &Context, _: &QemuProfile, out: &mut Vec<Diagnostic>) {
    for (ix, n) in cx.topo.nodes.iter().enumerate() {
        let Some(i) = &n.initiator else { continue };
        let init = &cx.topo.nodes[i.value];
        if !init.has_cpus() && init.is_generic_initiator() {
            out.push(
                Diagnostic::new(&codes::T105, format!("QEMU only attaches CPU nodes as initiators; {} is a Generic Initiator node", init.label()), i.span, "no CPUs")
                    .help("remove `initiator` (the guest then picks the best initiator from the HMAT values, Generic Initiators included) or name a CPU node")
                    .note("QEMU refuses: \"The initiator of NUMA node N is invalid\""),
            );
        }
        if n.has_cpus() && i.value != ix {
            out.push(
                Diagnostic::new(
                    &codes::T105,
                    format!("{} has CPUs, so QEMU makes it its own initiator", n.label()),
                    i.span,
                    "must be the node itself",
                )
                .help("remove `initiator` from nodes with CPUs")
                .note("QEMU refuses: \"The initiator of CPU NUMA node N should be itself\""),
            );
        }
    }
}

/// T106: HMAT values `-numa hmat-lb` cannot carry.
pub fn hmat_values(cx: &Context, _: &QemuProfile, out: &mut Vec<Diagnostic>) {
    let Some(h) = &cx.derived.hmat else { return };
    for table in &h.tables {
        let raw: Vec<Vec<Option<u64>>> = table
            .values
            .iter()
            .map(|r| r.iter().map(|v| v.map(|x| x.value)).collect())
            .collect();
        let res = if table.data_type.is_latency() {
            qemu_latency(&raw)
        } else {
            qemu_bandwidth(&raw)
        };
        let Err(e) = res else { continue };
        // Blame the first value involved.
        let find = |want: u64| {
            let mut span = cx.topo.machine.span;
            for (ii, row) in table.values.iter().enumerate() {
                for (ti, v) in row.iter().enumerate() {
                    if let Some(v) = v {
                        let hit = match e {
                            EncodeError::NotWholeNs { ps } => v.value == ps,
                            EncodeError::NotWholeMib { bps } => v.value == bps,
                            EncodeError::Range { .. } => {
                                table.data_type.is_latency() && v.value / 1000 == want
                                    || !table.data_type.is_latency() && v.value == want
                            }
                        };
                        if hit {
                            span = value_span(cx, v.origin, table.data_type, h.targets[ti]);
                            let _ = ii;
                            return span;
                        }
                    }
                }
            }
            span
        };
        let d = match e {
            EncodeError::NotWholeNs { ps } => Diagnostic::new(
                &codes::T106,
                format!(
                    "HMAT latency {} is not a whole number of nanoseconds",
                    fmt_latency(ps)
                ),
                find(0),
                "sub-nanosecond",
            )
            .help("QEMU's -numa hmat-lb takes latency in whole ns; round the value"),
            EncodeError::NotWholeMib { bps } => Diagnostic::new(
                &codes::T106,
                format!(
                    "HMAT bandwidth {} is not a whole number of MiB/s",
                    fmt_bandwidth(bps)
                ),
                find(0),
                "not MiB/s aligned",
            )
            .help(format!(
                "write it in MiB/s or GiB/s, e.g. \"{}MiB/s\"",
                bps >> 20
            ))
            .note("QEMU refuses: \"Bandwidth … should be 1MB aligned\""),
            EncodeError::Range {
                value,
                base,
                min,
                max,
            } => {
                let latency = table.data_type.is_latency();
                let what = if latency { "latency" } else { "bandwidth" };
                let show = |v: u64| {
                    if latency {
                        fmt_latency(v.saturating_mul(1000))
                    } else {
                        fmt_bandwidth(v)
                    }
                };
                let at = find(value);
                let mut d = Diagnostic::new(
                    &codes::T106,
                    format!(
                        "HMAT {} values from {} to {} do not fit 16-bit entries with one base unit",
                        table.data_type.qemu_name(),
                        show(min),
                        show(max)
                    ),
                    at,
                    format!("{value} / base {base} exceeds 65534"),
                );
                // Either end of the range may be the value to change.
                for (v, what) in [(min, "the smallest value"), (max, "the largest value")] {
                    let s = find(v);
                    if s != at {
                        d = d.label(s, what);
                    }
                }
                d
                .help(format!("bring the {what} values of this table within a factor of 65534 of their common unit"))
                .note("QEMU refuses values that differ from the others by more than 65534 units")
            }
        };
        out.push(d);
    }
}

/// The span behind an HMAT value: the explicit entry, or the target memory's
/// latency or bandwidth it was derived from.
pub(super) fn value_span(
    cx: &Context,
    origin: crate::model::derive::Origin,
    dt: DataType,
    target: usize,
) -> Span {
    let node = &cx.topo.nodes[target];
    match origin {
        crate::model::derive::Origin::Explicit(s) => s,
        _ => match &node.memory {
            Some(m) => {
                let field = if dt.is_latency() {
                    m.latency.as_ref()
                } else {
                    m.bandwidth.as_ref()
                };
                field.map_or(m.span, |f| f.span)
            }
            None => node.span,
        },
    }
}

/// T107: a memory-side cache on a node QEMU has no latency and bandwidth for.
pub fn hmat_cache_needs_lb(cx: &Context, _: &QemuProfile, out: &mut Vec<Diagnostic>) {
    for (ix, n) in cx.topo.nodes.iter().enumerate() {
        let Some(m) = &n.memory else { continue };
        let Some(c) = m.caches.first() else { continue };
        if cache_lacks_lb(cx, ix) {
            out.push(
                Diagnostic::new(&codes::T107, format!("QEMU needs latency and bandwidth for {} before it takes its memory-side cache", n.label()), c.span, "cache")
                    .help("give the node's memory `latency` and `bandwidth`, or add an `[[hmat]]` entry targeting it")
                    .note("QEMU refuses: \"The latency and bandwidth information of node-id=N should be provided before memory side cache attributes\""),
            );
        }
    }
}

/// Whether T107 applies to a node: the qemu target, a memory-side cache, and
/// no latency or no bandwidth for it from any initiator.
pub(super) fn cache_lacks_lb(cx: &Context, ix: usize) -> bool {
    if cx.qemu().is_none() {
        return false;
    }
    let Some(m) = &cx.topo.nodes[ix].memory else {
        return false;
    };
    if m.caches.is_empty() {
        return false;
    }
    let has = |dt: DataType| {
        cx.derived.hmat.as_ref().is_some_and(|h| {
            h.initiators
                .iter()
                .any(|&i| h.value(dt, i, ix).is_some_and(|v| v.value > 0))
        })
    };
    let lat =
        has(DataType::AccessLatency) || has(DataType::ReadLatency) || has(DataType::WriteLatency);
    let bw = has(DataType::AccessBandwidth)
        || has(DataType::ReadBandwidth)
        || has(DataType::WriteBandwidth);
    !(lat && bw)
}

/// T108: a CPU model whose vendor the host decides.
pub fn cpu_vendor(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    let p = q.profile;
    if p.vendor == Vendor::Host {
        out.push(
            Diagnostic::new(&codes::T108, format!("cpu-model \"{}\" takes the host's CPU vendor, so the guest's E820 cannot be predicted", p.cpu_model.value), setting(cx, p.cpu_model.span), "host-dependent")
                .help("pin a model, e.g. \"qemu64\" (AMD) or \"qemu64,vendor=GenuineIntel\"")
                .note("QEMU adds the AMD HyperTransport hole (0xfd00000000-0xffffffffff) to the E820 only for AMD vCPUs"),
        );
    }
}

/// The x86 kernel command line holds `COMMAND_LINE_SIZE - 1` bytes.
pub const KERNEL_CMDLINE_MAX: usize = 2047;

/// T109: `memmap=` arguments longer than the kernel command line.
pub fn kernel_cmdline_length(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    let l = q.layout;
    let len = l
        .kernel_args
        .iter()
        .map(|a| a.len() + 1)
        .sum::<usize>()
        .saturating_sub(1);
    if len <= KERNEL_CMDLINE_MAX {
        return;
    }
    let span = cx
        .topo
        .nodes
        .iter()
        .filter_map(|n| n.memory.as_ref())
        .find_map(|m| m.spm.first().map(|r| r.span))
        .unwrap_or(cx.topo.machine.name.span);
    out.push(
        Diagnostic::new(
            &codes::T109,
            format!(
                "the {} memmap= arguments for Specific Purpose Memory take {len} bytes, more than the {KERNEL_CMDLINE_MAX} the x86 kernel command line holds",
                l.kernel_args.len()
            ),
            span,
            "first SPM part",
        )
        .help("merge adjacent SPM parts, or use a QEMU SPM dialect with firmware = \"ovmf-sp\"")
        .note("x86 Linux keeps COMMAND_LINE_SIZE (2048) bytes of its command line and drops the rest, so later ranges would stay ordinary RAM"),
    );
}

/// The slots QEMU's default VGA card and network card take when it is
/// started without `-nodefaults` (q35: VGA 1, NIC 2; pc: VGA 2, NIC 3;
/// virt: NIC 1; measured on 10.0.2).
fn default_device_slots(machine: crate::kinds::QemuMachine) -> &'static [u8] {
    match machine {
        crate::kinds::QemuMachine::Q35 => &[1, 2],
        crate::kinds::QemuMachine::Pc => &[2, 3],
        // aarch64 `virt` has no default VGA; its default NIC
        // (virtio-net-pci) takes slot 1 (measured on 10.0.2).
        crate::kinds::QemuMachine::Virt => &[1],
    }
}

/// Slots the machine's own devices hold on the root bus: the host bridge at 0
/// on all three, ICH9's LPC/SATA/SMBus functions at 31 on q35, PIIX3 at 1 on
/// pc.
fn machine_slots(machine: crate::kinds::QemuMachine) -> &'static [u8] {
    match machine {
        crate::kinds::QemuMachine::Q35 => &[0, 0x1f],
        crate::kinds::QemuMachine::Pc => &[0, 1],
        // `gpex-root`, the host bridge, at 0; slot 0x1f is free on virt,
        // but topoc's own placement stays below it as on q35.
        crate::kinds::QemuMachine::Virt => &[0],
    }
}

/// T110: two devices in one PCI slot, or a device in a slot the machine
/// itself holds.
pub fn pci_slots(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    pci_slots_on(cx, PciView::of_qemu(q), out);
}

/// The PCI placement a slot or bridge rule judges, on either QEMU machine
/// family (x86 q35/pc from [`Qemu`], aarch64 `virt` from its layout).
#[derive(Clone, Copy)]
pub struct PciView<'a> {
    pub machine: crate::kinds::QemuMachine,
    pub pci: &'a [crate::layout::qemu::PciPlacement],
    pub bridges: &'a [crate::layout::qemu::HostBridge],
}

impl<'a> PciView<'a> {
    pub fn of_qemu(q: Qemu<'a>) -> PciView<'a> {
        PciView {
            machine: q.profile.machine.value,
            pci: &q.layout.pci,
            bridges: &q.layout.bridges,
        }
    }
}

/// [`pci_slots`] on a [`PciView`]: also the `virt` machine's T110.
pub fn pci_slots_on(cx: &Context, l: PciView, out: &mut Vec<Diagnostic>) {
    let reserved = machine_slots(l.machine);
    for (k, pl) in l.pci.iter().enumerate() {
        if pl.bridge.is_some() {
            continue;
        }
        let d = &cx.topo.devices[pl.device];
        let span = d.guest_slot.as_ref().map_or(d.name.span, |s| s.span);
        let auto = d.guest_slot.is_none();
        let taken = l.pci[..k]
            .iter()
            .find(|o| o.bridge.is_none() && o.slot == pl.slot);
        if auto && (taken.is_some() || reserved.contains(&pl.slot)) {
            let free = (0x10u8..0x1f).filter(|s| !reserved.contains(s)).count();
            out.push(
                Diagnostic::new(
                    &codes::T110,
                    format!("no free PCI slot is left for device \"{}\": topoc places devices in the {free} slots from 0x10 to 0x1e", d.name.value),
                    span,
                    "one device too many",
                )
                .help("give some devices an explicit `guest-slot` below 0x10, or use fewer devices")
                .note("QEMU refuses: \"PCI: slot N function 0 not available for …, in use by …\""),
            );
        } else if reserved.contains(&pl.slot) {
            out.push(
                Diagnostic::new(
                    &codes::T110,
                    format!("PCI slot {:#x} belongs to the {} machine's own devices", pl.slot, l.machine),
                    span,
                    "taken by the machine",
                )
                .help("choose another `guest-slot`; topoc places devices from slot 0x10 on when none is given")
                .note("QEMU refuses: \"PCI: slot N function 0 not available for …, in use by …\" (q35: host bridge at 0, ICH9 at 0x1f; pc: host bridge at 0, PIIX3 at 1; virt: gpex-root at 0)"),
            );
        } else if !auto && default_device_slots(l.machine).contains(&pl.slot) {
            out.push(
                Diagnostic::new(
                    &codes::T110,
                    format!("PCI slot {:#x} is where QEMU puts its default VGA or network card on {}", pl.slot, l.machine),
                    span,
                    "taken by a default device",
                )
                .help("choose a `guest-slot` from 0x10 on (topoc's own choice when none is given), or below 0x1f on q35")
                .note("QEMU started without -nodefaults refuses: \"PCI: slot N function 0 not available for …, in use by VGA\" (q35: VGA in slot 1, NIC in 2; pc: 2 and 3; virt: its virtio-net-pci NIC in 1; measured on 10.0.2)"),
            );
        } else if let Some(other) = taken {
            let first = &cx.topo.devices[other.device];
            out.push(
                Diagnostic::new(
                    &codes::T110,
                    format!(
                        "devices \"{}\" and \"{}\" both sit in PCI slot {:#x}",
                        first.name.value, d.name.value, pl.slot
                    ),
                    span,
                    "second device in the slot",
                )
                .label(
                    first
                        .guest_slot
                        .as_ref()
                        .map_or(first.name.span, |s| s.span),
                    "first device in the slot",
                )
                .help("give each device its own `guest-slot`")
                .note("QEMU refuses: \"PCI: slot N function 0 not available for …, in use by …\""),
            );
        }
    }
    for (b, br) in l.bridges.iter().enumerate() {
        let Some(first) = l.pci.iter().find(|pl| pl.bridge == Some(b)) else {
            continue;
        };
        let d = &cx.topo.devices[first.device];
        let span = d.numa_node.as_ref().map_or(d.name.span, |s| s.span);
        let node = cx.topo.nodes[br.node].label();
        let shared = l
            .pci
            .iter()
            .any(|o| o.bridge.is_none() && o.slot == br.slot)
            || l.bridges[..b].iter().any(|o| o.slot == br.slot);
        if shared || reserved.contains(&br.slot) {
            out.push(
                Diagnostic::new(
                    &codes::T110,
                    format!("no free PCI slot is left on the root bus for the host bridge of {node}"),
                    span,
                    "its devices need a bridge",
                )
                .help("put devices of several nodes behind fewer bridges (fewer distinct `numa-node`s), or use fewer devices on the root bus")
                .note("each `numa-node` adds one expander bridge in a slot of the root bus, from 0x10 on, beside the devices placed there"),
            );
        }
        if br.devices > 32 {
            out.push(
                Diagnostic::new(
                    &codes::T110,
                    format!("{} devices sit behind the host bridge of {node}, which has 32 slots", br.devices),
                    span,
                    "its devices need a bridge",
                )
                .help("put some of these devices on another node's bridge or on the root bus (no `numa-node`)")
                .note(match l.machine {
                    crate::kinds::QemuMachine::Q35 | crate::kinds::QemuMachine::Virt => "on q35 each device behind the bridge takes a root port in one of the 32 slots of the bridge's bus",
                    crate::kinds::QemuMachine::Pc => "on pc the devices share the 32 slots of the bus behind the bridge",
                }),
            );
        } else if br.last_bus(l.machine) > 0xff {
            out.push(
                Diagnostic::new(
                    &codes::T110,
                    format!("the host bridge of {node} needs PCI bus numbers above 0xff"),
                    span,
                    "one device too many behind bridges",
                )
                .help("use fewer devices behind host bridges: each takes a bus of its own on q35")
                .note(format!("bridges take root bus numbers from {:#x} on, each followed by the buses behind it; QEMU refuses `bus_nr` above 255", crate::layout::qemu::FIRST_BRIDGE_BUS)),
            );
        }
    }
}

/// T119: a QEMU command line longer than Linux's execve takes: `-numa
/// hmat-lb` grows with initiators × targets × kinds of value, `-numa dist`
/// with the square of the nodes.
pub fn command_line_length(cx: &Context, p: &QemuProfile, out: &mut Vec<Diagnostic>) {
    if cx.topo.nodes.len() > MAX_NODES as usize {
        return; // T100's: QEMU takes no such machine at all
    }
    // The line of whichever machine is built: x86 q35/pc, or aarch64 virt.
    let args = match (cx.qemu(), cx.virt()) {
        (Some(q), _) => crate::emit::qemu::args_of(cx.topo, cx.derived, p, q.layout),
        (None, Some(v)) => crate::emit::qemu::virt_args_of(cx.topo, cx.derived, p, v.layout),
        (None, None) => return,
    };
    let binary = crate::emit::qemu::binary(cx.topo.machine.arch.value);
    let total = super::exec::exec_bytes(binary, &args);
    out.extend(super::exec::too_long(
        &codes::T119,
        "QEMU",
        cx.topo.nodes.len(),
        total,
        cx.topo.machine.name.span,
        "use fewer nodes, or `hmat = false` under [machine] (the HMAT's -numa hmat-lb options are most of the line)",
    ));
}

/// T083: a device's `numa-node` the guest cannot show: a `guest-slot`
/// beside it (the slot is on the root bus, the device sits behind the
/// node's bridge), or a node Linux keeps offline at boot, whose bridge it
/// then places on no node (see [`crate::linux::guest::Guest::pci_numa_node`]).
pub fn device_numa_node(cx: &Context, q: Qemu, out: &mut Vec<Diagnostic>) {
    device_numa_node_on(cx, PciView::of_qemu(q), out);
}

/// [`device_numa_node`] on a [`PciView`]: also the `virt` machine's T083.
pub fn device_numa_node_on(cx: &Context, l: PciView, out: &mut Vec<Diagnostic>) {
    // The ids topoc gives the bridges and root ports share `-device`'s
    // namespace with the devices' own names.
    for d in &cx.topo.devices {
        let bridge = l.bridges.iter().find(|b| b.id() == d.name.value);
        let port = l.pci.iter().find(|pl| {
            pl.bridge.is_some()
                && l.machine != crate::kinds::QemuMachine::Pc
                && crate::layout::qemu::root_port_id(&cx.topo.devices[pl.device].name.value)
                    == d.name.value
        });
        let what = match (bridge, port) {
            (Some(b), _) => format!("the host bridge of {}", cx.topo.nodes[b.node].label()),
            (None, Some(pl)) => format!(
                "the root port of device \"{}\"",
                cx.topo.devices[pl.device].name.value
            ),
            (None, None) => continue,
        };
        out.push(
            Diagnostic::new(
                &codes::T083,
                format!("device name \"{}\" is the id topoc gives {what}", d.name.value),
                d.name.span,
                "taken by a generated id",
            )
            .help("rename the device: topoc names host bridges pxb<node id> and root ports rp-<device>")
            .note(format!("QEMU refuses: \"Duplicate ID '{}' for device\"", d.name.value)),
        );
    }
    for d in &cx.topo.devices {
        let Some(node) = &d.numa_node else { continue };
        if let Some(slot) = &d.guest_slot {
            out.push(
                Diagnostic::new(
                    &codes::T083,
                    format!("device \"{}\" has both `guest-slot` and `numa-node`", d.name.value),
                    slot.span,
                    "a slot on the root bus",
                )
                .label(node.span, "behind this node's host bridge")
                .help("remove `guest-slot`: a device behind a node's host bridge gets its own bus (q35) or the next slot there (pc)"),
            );
        }
        let n = &cx.topo.nodes[node.value];
        let online = n.has_cpus()
            || !n.gi_devices.is_empty()
            || n.memory.as_ref().is_some_and(|m| !m.all_spm());
        if !online {
            out.push(
                Diagnostic::new(
                    &codes::T083,
                    format!("device \"{}\" sits behind the host bridge of {}, which the guest brings up with no CPUs, boot RAM or Generic Initiator", d.name.value, n.label()),
                    node.span,
                    "offline at boot",
                )
                .help("place the device on the node whose CPUs drive it, or keep part of this node's memory ordinary RAM")
                .note("Linux drops a host bridge's node that is not online when it scans the bridge, so the device's numa_node would read -1, not this node, even after kmem onlines the memory"),
            );
        }
    }
}
