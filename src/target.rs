//! Target profiles: which VMM (and version, machine type, firmware) the
//! topology is compiled for.
//!
//! A profile is built from the file's `[target.*]` table and command-line
//! overrides; an override wins. Every setting remembers whether it came from
//! the file (with its span) so that target diagnostics can point at it.

use crate::kinds::*;
use crate::model::Topology;
use crate::source::{Sp, Span};
use crate::units::GIB;

/// Which VMM to compile for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TargetKind {
    /// QEMU (x86_64 q35 or pc).
    Qemu,
    /// cloud-hypervisor (x86_64, KVM), v52 or later.
    CloudHypervisor,
    /// libvirt domain XML (libvirt 11.3 or 11.8), for the QEMU of [target.qemu].
    Libvirt,
}

/// Command-line overrides for the qemu target; `None` keeps the file's value.
#[derive(Clone, Debug, Default)]
pub struct QemuOverrides {
    pub version: Option<QemuVersion>,
    pub machine: Option<QemuMachine>,
    pub spm: Option<SpmDialect>,
    pub firmware: Option<Firmware>,
    pub cpu_model: Option<String>,
}

/// The CPU vendor, which decides whether QEMU adds the AMD HyperTransport
/// hole to the E820 map and may relocate RAM above 1 TiB.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    Amd,
    Intel,
    /// `-cpu host`/`max`: the host decides, so the E820 cannot be predicted.
    Host,
}

#[derive(Clone, Debug)]
pub struct QemuProfile {
    pub version: Sp<QemuVersion>,
    /// What that release can do and how it lays the guest out.
    pub release: &'static crate::versions::QemuRelease,
    pub machine: Sp<QemuMachine>,
    pub spm: Sp<SpmDialect>,
    pub firmware: Sp<Firmware>,
    pub cpu_model: Sp<String>,
    /// The guest architecture (`[machine] arch`), which picks the layout:
    /// x86_64 `q35`/`pc` or aarch64 `virt`.
    pub arch: Arch,
    /// `-machine virt,gic-version=`; read only on aarch64.
    pub gic_version: Sp<GicVersion>,
    /// `acpi-table-upgrade`: the guest kernel takes topoc's SRAT, SLIT and
    /// HMAT from its initrd (OEM revision 2) in place of QEMU's.
    pub acpi_table_upgrade: Sp<bool>,
    /// `mmio64-size`: the 64-bit PCI MMIO window, when the file sizes it
    /// (`pci-hole64-size` on x86, `highmem-mmio-size` on virt).
    pub mmio64_size: Option<Sp<u64>>,
    /// What `cpu_model` says.
    pub cpu: CpuFacts,
    pub vendor: Vendor,
    /// Guest physical address bits of the CPU model under TCG.
    pub phys_bits: u8,
    pub max_ram_below_4g: Option<Sp<u64>>,
    pub memory_slots: Option<Sp<u32>>,
    pub max_memory: Option<Sp<u64>>,
}

impl QemuProfile {
    /// The highest guest physical address plus one.
    pub fn phys_limit(&self) -> u64 {
        1u64.checked_shl(u32::from(self.phys_bits))
            .unwrap_or(u64::MAX)
    }
}

/// Command-line overrides for the cloud-hypervisor target; `None` keeps the
/// file's value.
#[derive(Clone, Debug, Default)]
pub struct ChOverrides {
    pub version: Option<ChVersion>,
    pub boot: Option<ChBoot>,
    pub kernel: Option<String>,
    pub initramfs: Option<String>,
    pub cmdline: Option<String>,
    pub firmware: Option<String>,
    /// `--fallback`: only ever turns the fallback on.
    pub fallback: bool,
}

/// The cloud-hypervisor target: the release (which decides the Generic
/// Initiator's device handle bytes), how the guest boots (which E820 map it
/// gets), the payload to put on the command line, and whether what
/// cloud-hypervisor cannot express is refused or compiled into its closest
/// form.
#[derive(Clone, Debug)]
pub struct ChProfile {
    pub version: Sp<ChVersion>,
    pub boot: Sp<ChBoot>,
    pub kernel: Option<Sp<String>>,
    pub initramfs: Option<Sp<String>>,
    pub cmdline: Option<Sp<String>>,
    pub firmware: Option<Sp<String>>,
    pub fallback: Sp<bool>,
}

/// Command-line overrides for the libvirt target; `None` keeps the file's
/// value.
#[derive(Clone, Debug, Default)]
pub struct LibvirtOverrides {
    pub version: Option<LibvirtVersion>,
    pub domain_type: Option<LibvirtDomainType>,
    pub kernel: Option<String>,
    pub initrd: Option<String>,
    pub cmdline: Option<String>,
    pub console: Option<String>,
    /// `--fallback`: only ever turns the fallback on.
    pub fallback: bool,
}

/// The libvirt target: the QEMU libvirt starts (a whole [`QemuProfile`],
/// because libvirt lays the guest out exactly as that QEMU does), the libvirt
/// release, which decides what its domain XML can express, and the payload.
#[derive(Clone, Debug)]
pub struct LibvirtProfile {
    pub qemu: QemuProfile,
    pub version: Sp<LibvirtVersion>,
    pub domain_type: Sp<LibvirtDomainType>,
    pub kernel: Option<Sp<String>>,
    pub initrd: Option<Sp<String>>,
    pub cmdline: Option<Sp<String>>,
    pub console: Option<Sp<String>>,
    pub fallback: Sp<bool>,
}

#[derive(Clone, Debug)]
pub enum Target {
    Qemu(QemuProfile),
    CloudHypervisor(ChProfile),
    Libvirt(LibvirtProfile),
}

impl Target {
    pub fn kind(&self) -> TargetKind {
        match self {
            Target::Qemu(_) => TargetKind::Qemu,
            Target::CloudHypervisor(_) => TargetKind::CloudHypervisor,
            Target::Libvirt(_) => TargetKind::Libvirt,
        }
    }

    /// The QEMU that runs the guest: the qemu target's, or the one libvirt
    /// starts.
    pub fn qemu(&self) -> Option<&QemuProfile> {
        match self {
            Target::Qemu(q) => Some(q),
            Target::Libvirt(l) => Some(&l.qemu),
            Target::CloudHypervisor(_) => None,
        }
    }

    pub fn libvirt(&self) -> Option<&LibvirtProfile> {
        match self {
            Target::Libvirt(l) => Some(l),
            _ => None,
        }
    }

    /// Whether the target builds an HMAT at all. cloud-hypervisor has no HMAT
    /// builder, so HMAT-only rules have nothing to judge there (T200 refuses
    /// HMAT data, or the fallback drops it).
    pub fn builds_hmat(&self) -> bool {
        matches!(self, Target::Qemu(_) | Target::Libvirt(_))
    }

    pub fn ch(&self) -> Option<&ChProfile> {
        match self {
            Target::CloudHypervisor(p) => Some(p),
            Target::Qemu(_) | Target::Libvirt(_) => None,
        }
    }

    /// Combines the file's settings with overrides.
    pub fn resolve(kind: TargetKind, topo: &Topology, o: &QemuOverrides) -> Target {
        Target::resolve_all(
            kind,
            topo,
            o,
            &ChOverrides::default(),
            &LibvirtOverrides::default(),
        )
    }

    /// [`Target::resolve`] with the cloud-hypervisor overrides too.
    pub fn resolve_with(
        kind: TargetKind,
        topo: &Topology,
        qemu: &QemuOverrides,
        ch: &ChOverrides,
    ) -> Target {
        Target::resolve_all(kind, topo, qemu, ch, &LibvirtOverrides::default())
    }

    /// [`Target::resolve_with`] with the libvirt overrides too.
    pub fn resolve_all(
        kind: TargetKind,
        topo: &Topology,
        qemu: &QemuOverrides,
        ch: &ChOverrides,
        libvirt: &LibvirtOverrides,
    ) -> Target {
        match kind {
            TargetKind::Qemu => Target::Qemu(qemu_profile(topo, qemu)),
            TargetKind::CloudHypervisor => Target::CloudHypervisor(ch_profile(topo, ch)),
            TargetKind::Libvirt => Target::Libvirt(libvirt_profile(topo, qemu, libvirt)),
        }
    }
}

/// A path or string setting: the flag wins over the file.
fn pick_opt(flag: &Option<String>, file: &Option<Sp<String>>) -> Option<Sp<String>> {
    match (flag, file) {
        (Some(v), _) => Some(Sp::detached(v.clone())),
        (None, f) => f.clone(),
    }
}

fn libvirt_profile(topo: &Topology, q: &QemuOverrides, o: &LibvirtOverrides) -> LibvirtProfile {
    let s = &topo.libvirt;
    let mut qemu = qemu_profile(topo, q);
    // libvirt has no Specific Purpose Memory: the one path it has is the
    // guest kernel's `memmap=` through `<os><cmdline>` (the check stage
    // refuses that without the fallback, T145), so QEMU lays the guest out
    // as for that dialect.
    qemu.spm = Sp::detached(SpmDialect::KernelMemmap);
    let fallback = if o.fallback {
        Sp::detached(true)
    } else {
        s.fallback.clone().unwrap_or(Sp::detached(false))
    };
    LibvirtProfile {
        qemu,
        version: pick(&o.version, &s.version, LibvirtVersion::V11_3),
        domain_type: pick(&o.domain_type, &s.domain_type, LibvirtDomainType::Qemu),
        kernel: pick_opt(&o.kernel, &s.kernel),
        initrd: pick_opt(&o.initrd, &s.initrd),
        cmdline: pick_opt(&o.cmdline, &s.cmdline),
        console: pick_opt(&o.console, &s.console),
        fallback,
    }
}

fn ch_profile(topo: &Topology, o: &ChOverrides) -> ChProfile {
    let s = &topo.ch;
    let fallback = if o.fallback {
        Sp::detached(true)
    } else {
        s.fallback.clone().unwrap_or(Sp::detached(false))
    };
    ChProfile {
        version: pick(&o.version, &s.version, ChVersion::V53_0),
        boot: pick(&o.boot, &s.boot, ChBoot::Pvh),
        kernel: pick_opt(&o.kernel, &s.kernel),
        initramfs: pick_opt(&o.initramfs, &s.initramfs),
        cmdline: pick_opt(&o.cmdline, &s.cmdline),
        firmware: pick_opt(&o.firmware, &s.firmware),
        fallback,
    }
}

fn pick<T: Clone>(flag: &Option<T>, file: &Option<Sp<T>>, default: T) -> Sp<T> {
    match (flag, file) {
        (Some(v), _) => Sp::detached(v.clone()),
        (None, Some(f)) => f.clone(),
        (None, None) => Sp::detached(default),
    }
}

fn qemu_profile(topo: &Topology, o: &QemuOverrides) -> QemuProfile {
    let s = &topo.qemu;
    let arch = topo.machine.arch.value;
    let aarch64 = arch == Arch::Aarch64;
    let default_cpu = if aarch64 { "cortex-a57" } else { "qemu64" };
    let cpu_model = pick(&o.cpu_model, &s.cpu_model, default_cpu.to_string());
    let mut cpu = cpu_facts(&cpu_model.value);
    if aarch64 {
        cpu = arm_cpu_facts(&cpu_model.value);
    }
    let version = pick(&o.version, &s.version, QemuVersion::V10_0);
    let release = crate::versions::qemu(version.value);
    QemuProfile {
        release,
        version,
        machine: pick(
            &o.machine,
            &s.machine,
            if aarch64 {
                QemuMachine::Virt
            } else {
                QemuMachine::Q35
            },
        ),
        spm: pick(&o.spm, &s.spm, release.default_spm()),
        firmware: pick(
            &o.firmware,
            &s.firmware,
            if aarch64 {
                Firmware::Edk2_2020_11
            } else {
                Firmware::Seabios
            },
        ),
        arch,
        gic_version: s
            .gic_version
            .clone()
            .unwrap_or(Sp::detached(GicVersion::V3)),
        acpi_table_upgrade: s.acpi_table_upgrade.clone().unwrap_or(Sp::detached(false)),
        mmio64_size: s.mmio64_size.clone(),
        vendor: cpu.vendor,
        phys_bits: cpu.phys_bits,
        cpu,
        cpu_model,
        max_ram_below_4g: s.max_ram_below_4g.clone(),
        memory_slots: s.memory_slots.clone(),
        max_memory: s.max_memory.clone(),
    }
}

/// What a `-cpu` string such as `qemu64` or
/// `qemu64,vendor=GenuineIntel,phys-bits=42,x2apic=on` says about the vCPU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CpuFacts {
    /// The model name, before the first comma.
    pub model: String,
    pub vendor: Vendor,
    /// Guest physical address bits under TCG: 40 unless `phys-bits=` says
    /// otherwise, kept within QEMU's 32..=52 so the layout stays total.
    pub phys_bits: u8,
    /// `phys-bits=` as written, when it is outside 32..=52 or unreadable
    /// (QEMU refuses: "phys-bits should be between 32 and 52").
    pub bad_phys_bits: Option<String>,
    /// `x2apic=on` or `+x2apic`: APIC ids of 255 and above.
    pub x2apic: bool,
}

/// Reads a `-cpu` string.
///
/// Under TCG every model gets 40 physical address bits unless `phys-bits=`
/// says otherwise. The vendor comes from the model: QEMU's `qemu64` and the
/// AMD models (EPYC, Opteron, phenom, athlon) are AuthenticAMD; the rest of
/// the named models are GenuineIntel (Hygon's Dhyana and Zhaoxin's YongFeng
/// are not AMD to QEMU either); `host` and `max` follow the host.
pub fn cpu_facts(cpu: &str) -> CpuFacts {
    let mut parts = cpu.split(',');
    let name = parts.next().unwrap_or("").trim();
    let lower = name.to_ascii_lowercase();
    let mut vendor = if lower == "host" || lower == "max" {
        Vendor::Host
    } else if lower == "qemu64"
        || lower == "qemu32"
        || lower.starts_with("qemu64-")
        || lower.starts_with("epyc")
        || lower.starts_with("opteron")
        || lower.starts_with("phenom")
        || lower.starts_with("athlon")
    {
        Vendor::Amd
    } else {
        Vendor::Intel
    };
    let mut facts = CpuFacts {
        model: name.to_string(),
        vendor,
        phys_bits: 40,
        bad_phys_bits: None,
        x2apic: false,
    };
    for p in parts {
        match p.trim().split_once('=') {
            Some(("vendor", "GenuineIntel")) => vendor = Vendor::Intel,
            Some(("vendor", "AuthenticAMD")) => vendor = Vendor::Amd,
            Some(("phys-bits", v)) => match v.parse::<u8>() {
                Ok(b) if (32..=52).contains(&b) => facts.phys_bits = b,
                Ok(b) => {
                    facts.phys_bits = b.clamp(32, 52);
                    facts.bad_phys_bits = Some(v.to_string());
                }
                Err(_) => facts.bad_phys_bits = Some(v.to_string()),
            },
            Some(("x2apic", v)) => facts.x2apic = matches!(v, "on" | "true" | "yes"),
            None if p.trim() == "+x2apic" => facts.x2apic = true,
            None if p.trim() == "-x2apic" => facts.x2apic = false,
            _ => {}
        }
    }
    facts.vendor = vendor;
    facts
}

/// What an aarch64 `-cpu` string says: the model and the physical address
/// bits of its `ID_AA64MMFR0.PARange` under TCG (QEMU `target/arm/cpu64.c`
/// and `cpu32.c`/`tcg/cpu64.c` init functions): 40 bits for the Cortex-A53
/// (PARange 2), 44 for the Cortex-A57 and A72 (PARange 4), 48 for the
/// Neoverse-N1/V1/N2 (PARange 5), 52 for `max` (FEAT_LPA); each measured
/// with qemu-system-aarch64 10.0.2 ("Addressing limited to N bits"). Other models are
/// taken at 40 bits, the smallest, so the layout never promises more address
/// space than the model gives. The vendor does not apply to Arm.
pub fn arm_cpu_facts(cpu: &str) -> CpuFacts {
    let name = cpu.split(',').next().unwrap_or("").trim();
    let lower = name.to_ascii_lowercase();
    let phys_bits = match lower.as_str() {
        "max" => 52,
        "neoverse-n1" | "neoverse-v1" | "neoverse-n2" => 48,
        "cortex-a57" | "cortex-a72" => 44,
        _ => 40,
    };
    CpuFacts {
        model: name.to_string(),
        vendor: Vendor::Host,
        phys_bits,
        bad_phys_bits: None,
        x2apic: false,
    }
}

/// AMD HyperTransport hole, reserved below 1 TiB on AMD guests.
pub const AMD_HT_START: u64 = 0xfd_0000_0000;
pub const AMD_HT_SIZE: u64 = 0x3_0000_0000;
/// Where QEMU moves RAM above 4 GiB when it would reach the HT hole.
pub const AMD_ABOVE_1TB_START: u64 = 1024 * GIB;

/// The span a diagnostic about a target setting should point at.
pub fn setting_span<T>(s: &Sp<T>) -> Span {
    s.span
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_models() {
        let f = |s: &str| {
            let c = cpu_facts(s);
            (c.vendor, c.phys_bits)
        };
        assert_eq!(f("qemu64"), (Vendor::Amd, 40));
        assert_eq!(f("qemu64,vendor=GenuineIntel"), (Vendor::Intel, 40));
        assert_eq!(f("Skylake-Server,phys-bits=46"), (Vendor::Intel, 46));
        assert_eq!(f("EPYC-Genoa"), (Vendor::Amd, 40));
        assert_eq!(cpu_facts("host").vendor, Vendor::Host);
        assert_eq!(
            cpu_facts("qemu64,phys-bits=64").bad_phys_bits.as_deref(),
            Some("64")
        );
        assert!(cpu_facts("qemu64,x2apic=on").x2apic);
        assert!(cpu_facts("qemu64,+x2apic").x2apic);
        assert!(!cpu_facts("qemu64").x2apic);
    }

    /// The address bits QEMU 10.0.2 enforces on virt ("Addressing limited
    /// to N bits", measured for each model).
    #[test]
    fn arm_cpu_models() {
        assert_eq!(arm_cpu_facts("cortex-a57").phys_bits, 44);
        assert_eq!(arm_cpu_facts("cortex-a53").phys_bits, 40);
        assert_eq!(arm_cpu_facts("cortex-a72").phys_bits, 44);
        assert_eq!(arm_cpu_facts("neoverse-v1").phys_bits, 48);
        assert_eq!(arm_cpu_facts("max,pauth-impdef=on").phys_bits, 52);
        assert_eq!(arm_cpu_facts("max,pauth-impdef=on").model, "max");
    }
}
