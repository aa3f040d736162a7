//! What each QEMU release can do, and how it lays out what a guest sees, as
//! one table.
//!
//! Rules, defaults, the layout and the book read these rows; nothing else in
//! topoc compares version numbers. A row holds only what changes between
//! releases and reaches the options topoc emits; what is the same in every
//! release (the below-4 GiB split, the AMD 1 TiB relocation, 1 GiB of device
//! memory per slot, the 64-bit PCI hole, `qemu64` with 40 physical address
//! bits under TCG, SRAT revision 1 with its nodes + 2 padding) stays a
//! constant where it is used.
//!
//! Each row says how it is known ([`Known`]): only 10.0 (the release the
//! guest tests boot) and 7.2 were run here; every other row is read from
//! QEMU's source and list archive, and the book marks it so. The sources of
//! each row are in its `sources` field; `hw/i386/pc_q35.c` and
//! `hw/i386/pc_piix.c` of the 10.2 cycle (the tree with
//! `DEFINE_Q35_MACHINE_AS_LATEST(10, 2)`) hold every machine type's options
//! up to 10.2.

use crate::kinds::{QemuMachine, QemuVersion, SpmDialect};
use crate::units::{GIB, TIB};

/// How a row's facts are known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Known {
    /// Run here: the binary's refusals and a booted guest's tables.
    Run(&'static str),
    /// Read from QEMU's source and the qemu-devel archive; never run.
    Source,
}

/// The byte order of the PCI Device Handle in an SRAT Generic Initiator
/// structure (bytes 2 and 3, after the segment).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GiHandle {
    /// Device/function first, then bus: QEMU 9.0 and 9.1 before the fix
    /// (commit 16c687d84574, "hw/acpi: Fix ordering of BDF in Generic
    /// Initiator PCI Device Handle", backported to 9.0.4).
    DevfnBus,
    /// Bus first, then device/function, as ACPI specifies: 9.2 and later.
    BusDevfn,
}

/// One QEMU release.
#[derive(Debug)]
pub struct QemuRelease {
    pub version: QemuVersion,
    pub known: Known,
    /// The machine types the `q35` and `pc` aliases name in this release
    /// (its newest); SMBIOS strings carry the name.
    pub q35_machine: &'static str,
    pub pc_machine: &'static str,
    /// `mc->max_cpus` of those machine types: the highest `maxcpus` QEMU
    /// starts ("Invalid SMP CPUs N. The max CPUs supported by machine '…'
    /// is M").
    pub q35_max_cpus: u32,
    pub pc_max_cpus: u32,
    /// APIC ids of 255 and above under TCG (with `x2apic` in the CPU model);
    /// before 9.0 TCG refuses them ("requires kernel irqchip and X2APIC API
    /// support").
    pub tcg_x2apic: bool,
    /// `-object acpi-generic-initiator` and the handle it writes; `None`
    /// before 9.0 ("Parameter 'qom-type' does not accept value").
    pub generic_initiator: Option<GiHandle>,
    /// `-device sp-mem` (the merged Specific Purpose Memory series).
    pub sp_mem: bool,
    /// The HMAT carries a Memory Proximity Domain Attributes structure for
    /// nodes without memory too, and Linux then ignores the whole HMAT
    /// ("acpi/hmat: Ignoring: Invalid table"); fixed for 9.0 ("hmat acpi: Do
    /// not add Memory Proximity Domain Attributes Structure targetting non
    /// existent memory").
    pub hmat_mpda_for_memoryless: bool,
    /// q35's default TSEG (`mch` `extended-tseg-mbytes`), MiB.
    pub q35_tseg_mib: u32,
    /// SMBIOS 3.0 (64-bit) entry point by default, whose type 4 structures
    /// are 6 bytes longer than 2.8's (8.1 and 8.2).
    pub smbios_3_0: bool,
    /// The most memory one SMBIOS type 17 structure describes.
    pub smbios_dimm_max: u64,
    /// Where the row's facts come from.
    pub sources: &'static str,
}

impl QemuRelease {
    /// The SPM dialect used when the file and the command line name none:
    /// QEMU's own `sp-mem` where the release has it, the guest kernel's
    /// `memmap=` before.
    pub fn default_spm(&self) -> SpmDialect {
        if self.sp_mem {
            SpmDialect::SpMem
        } else {
            SpmDialect::KernelMemmap
        }
    }

    pub fn machine_type(&self, m: QemuMachine) -> &'static str {
        match m {
            QemuMachine::Q35 => self.q35_machine,
            QemuMachine::Pc => self.pc_machine,
            // Only the x86 SMBIOS strings read the versioned name.
            QemuMachine::Virt => "virt",
        }
    }

    pub fn max_cpus(&self, m: QemuMachine) -> u32 {
        match m {
            QemuMachine::Q35 => self.q35_max_cpus,
            QemuMachine::Pc => self.pc_max_cpus,
            // hw/arm/virt.c: `mc->max_cpus = 512` (GICv3; GICv2 stops at 8).
            QemuMachine::Virt => crate::layout::virt::MAX_CPUS_GICV3 as u32,
        }
    }

    /// Whether the book and `inspect` should call this row's output a
    /// prediction from source rather than a measured fact.
    pub fn is_measured(&self) -> bool {
        matches!(self.known, Known::Run(_))
    }
}

const PC_Q35: &str =
    "hw/i386/pc_q35.c and hw/i386/pc_piix.c (10.2-cycle tree): machine types and max_cpus";

/// Every release topoc knows, oldest first.
pub static QEMU: &[QemuRelease] = &[
    QemuRelease {
        version: QemuVersion::V7_2,
        known: Known::Run("7.2.22 (Debian bookworm)"),
        q35_machine: "pc-q35-7.2",
        pc_machine: "pc-i440fx-7.2",
        q35_max_cpus: 288,
        pc_max_cpus: 255,
        tcg_x2apic: false,
        generic_initiator: None,
        sp_mem: false,
        hmat_mpda_for_memoryless: true,
        q35_tseg_mib: 16,
        smbios_3_0: false,
        smbios_dimm_max: 16 * GIB,
        sources: "run: qemu-system-x86_64 7.2.22 refusals and a booted Linux 6.1 guest (HMAT dropped with a memory-less node); pc_q35_machine_8_0_options max_cpus 288",
    },
    QemuRelease {
        version: QemuVersion::V8_0,
        known: Known::Source,
        q35_machine: "pc-q35-8.0",
        pc_machine: "pc-i440fx-8.0",
        q35_max_cpus: 288,
        pc_max_cpus: 255,
        tcg_x2apic: false,
        generic_initiator: None,
        sp_mem: false,
        hmat_mpda_for_memoryless: true,
        q35_tseg_mib: 16,
        smbios_3_0: false,
        smbios_dimm_max: 16 * GIB,
        sources: PC_Q35,
    },
    QemuRelease {
        version: QemuVersion::V8_1,
        known: Known::Source,
        q35_machine: "pc-q35-8.1",
        pc_machine: "pc-i440fx-8.1",
        q35_max_cpus: 1024,
        pc_max_cpus: 255,
        tcg_x2apic: false,
        generic_initiator: None,
        sp_mem: false,
        hmat_mpda_for_memoryless: true,
        q35_tseg_mib: 16,
        smbios_3_0: true,
        smbios_dimm_max: 16 * GIB,
        sources: "pc_q35_machine_8_2_options max_cpus 1024; SMBIOS 3.0 entry point default for 8.1 types (pc_compat_8_0 smbios-entry-point-type)",
    },
    QemuRelease {
        version: QemuVersion::V8_2,
        known: Known::Source,
        q35_machine: "pc-q35-8.2",
        pc_machine: "pc-i440fx-8.2",
        q35_max_cpus: 1024,
        pc_max_cpus: 255,
        tcg_x2apic: false,
        generic_initiator: None,
        sp_mem: false,
        hmat_mpda_for_memoryless: true,
        q35_tseg_mib: 16,
        smbios_3_0: true,
        smbios_dimm_max: 16 * GIB,
        sources: PC_Q35,
    },
    QemuRelease {
        version: QemuVersion::V9_0,
        known: Known::Source,
        q35_machine: "pc-q35-9.0",
        pc_machine: "pc-i440fx-9.0",
        q35_max_cpus: 4096,
        pc_max_cpus: 255,
        tcg_x2apic: true,
        generic_initiator: Some(GiHandle::DevfnBus),
        sp_mem: false,
        hmat_mpda_for_memoryless: false,
        q35_tseg_mib: 16,
        smbios_3_0: false,
        smbios_dimm_max: 16 * GIB,
        sources: "mst PULL of 2024-03-12: acpi-generic-initiator (hw/acpi/pci.c, 0a5b5acdf2d8), \"pc: q35: Bump max_cpus to 4096 vcpus\", HMAT MPDA fix; apic x2APIC for TCG (PULL 2024-02-14); placement in 9.0 by pull date",
    },
    QemuRelease {
        version: QemuVersion::V9_1,
        known: Known::Source,
        q35_machine: "pc-q35-9.1",
        pc_machine: "pc-i440fx-9.1",
        q35_max_cpus: 4096,
        pc_max_cpus: 255,
        tcg_x2apic: true,
        generic_initiator: Some(GiHandle::DevfnBus),
        sp_mem: false,
        hmat_mpda_for_memoryless: false,
        q35_tseg_mib: 16,
        smbios_3_0: false,
        smbios_dimm_max: 2047 * TIB,
        sources: "hw/i386/pc.c smbios_memory_device_size (one type 17 for 9.1 types); GI handle fix 16c687d84574 merged for 9.2",
    },
    QemuRelease {
        version: QemuVersion::V9_2,
        known: Known::Source,
        q35_machine: "pc-q35-9.2",
        pc_machine: "pc-i440fx-9.2",
        q35_max_cpus: 4096,
        pc_max_cpus: 255,
        tcg_x2apic: true,
        generic_initiator: Some(GiHandle::BusDevfn),
        sp_mem: false,
        hmat_mpda_for_memoryless: false,
        q35_tseg_mib: 16,
        smbios_3_0: false,
        smbios_dimm_max: 2047 * TIB,
        sources: "16c687d84574 \"hw/acpi: Fix ordering of BDF in Generic Initiator PCI Device Handle\" (mst PULL 2024-11-04)",
    },
    QemuRelease {
        version: QemuVersion::V10_0,
        known: Known::Run("10.0.2 (Debian bookworm-backports)"),
        q35_machine: "pc-q35-10.0",
        pc_machine: "pc-i440fx-10.0",
        q35_max_cpus: 4096,
        pc_max_cpus: 255,
        tcg_x2apic: true,
        generic_initiator: Some(GiHandle::BusDevfn),
        sp_mem: false,
        hmat_mpda_for_memoryless: false,
        q35_tseg_mib: 16,
        smbios_3_0: false,
        smbios_dimm_max: 2047 * TIB,
        sources: "run: qemu-system-x86_64 10.0.2 (refusals, `-machine help`, qom-get) and every guest boot of topoc's test suite",
    },
    QemuRelease {
        version: QemuVersion::V10_1,
        known: Known::Source,
        q35_machine: "pc-q35-10.1",
        pc_machine: "pc-i440fx-10.1",
        q35_max_cpus: 4096,
        pc_max_cpus: 255,
        tcg_x2apic: true,
        generic_initiator: Some(GiHandle::BusDevfn),
        sp_mem: false,
        hmat_mpda_for_memoryless: false,
        q35_tseg_mib: 16,
        smbios_3_0: false,
        smbios_dimm_max: 2047 * TIB,
        sources: PC_Q35,
    },
    QemuRelease {
        version: QemuVersion::V10_2,
        known: Known::Source,
        q35_machine: "pc-q35-10.2",
        pc_machine: "pc-i440fx-10.2",
        q35_max_cpus: 4096,
        pc_max_cpus: 255,
        tcg_x2apic: true,
        generic_initiator: Some(GiHandle::BusDevfn),
        sp_mem: false,
        hmat_mpda_for_memoryless: false,
        q35_tseg_mib: 64,
        smbios_3_0: false,
        smbios_dimm_max: 2 * TIB,
        sources: "TSEG 16 -> 64 MiB (hw/pci-host/q35.c mch_props, pc_compat_10_1; kraxel 2025-11-06); smbios_memory_device_size 2 TiB (Mammedov 2025-09-01)",
    },
    QemuRelease {
        version: QemuVersion::V11_0,
        known: Known::Source,
        q35_machine: "pc-q35-11.0",
        pc_machine: "pc-i440fx-11.0",
        q35_max_cpus: 4096,
        pc_max_cpus: 255,
        tcg_x2apic: true,
        generic_initiator: Some(GiHandle::BusDevfn),
        sp_mem: false,
        hmat_mpda_for_memoryless: false,
        q35_tseg_mib: 64,
        smbios_3_0: false,
        smbios_dimm_max: 2 * TIB,
        sources: "\"hw: add compat machines for 11.0\" (Huth PULL 2026-01-07)",
    },
    QemuRelease {
        version: QemuVersion::V11_1,
        known: Known::Source,
        q35_machine: "pc-q35-11.1",
        pc_machine: "pc-i440fx-11.1",
        q35_max_cpus: 4096,
        pc_max_cpus: 255,
        tcg_x2apic: true,
        generic_initiator: Some(GiHandle::BusDevfn),
        sp_mem: true,
        hmat_mpda_for_memoryless: false,
        q35_tseg_mib: 64,
        smbios_3_0: false,
        smbios_dimm_max: 2 * TIB,
        sources: "sp-mem merged for 11.1: commits e83b01083631..c31b39063fe9 (hw/mem/sp-mem.c, mst tree 2026-07-05; edk2 PR 12774); machine type names by the pattern of 11.0 (pc-q35-11.1 unverified in QEMU code)",
    },
];

/// The x86_64 CPU models of QEMU 10.0.2 (`qemu-system-x86_64 -cpu help`),
/// the list `cpu-model` is checked against for every release: which release
/// first had each model is not recorded here, so a model newer than an older
/// release is not caught.
pub static X86_CPU_MODELS: &[&str] = &[
    "486",
    "486-v1",
    "Broadwell",
    "Broadwell-IBRS",
    "Broadwell-noTSX",
    "Broadwell-noTSX-IBRS",
    "Broadwell-v1",
    "Broadwell-v2",
    "Broadwell-v3",
    "Broadwell-v4",
    "Cascadelake-Server",
    "Cascadelake-Server-noTSX",
    "Cascadelake-Server-v1",
    "Cascadelake-Server-v2",
    "Cascadelake-
    Server-v3",
    "Cascadelake-Server-v4",
    "Cascadelake-Server-v5",
    "ClearwaterForest",
    "ClearwaterForest-v1",
    "Conroe",
    "Conroe-v1",
    "Cooperlake",
    "Cooperlake-v1",
    "Cooperlake-v2",
    "Denverton",
    "Denverton-v1",
    "Denverton-v2",
    "Denverton-v3",
    "Dhyana",
    "Dhyana-v1",
    "Dhyana-v2",
    "EPYC",
    "EPYC-Genoa",
    "EPYC-Genoa-v1",
    "EPYC-IBPB",
    "EPYC-Milan",
    "EPYC-Milan-v1",
    "EPYC-Milan-v2",
    "EPYC-Rome",
    "EPYC-Rome-v1",
    "EPYC-Rome-v2",
    "EPYC-
    Rome-v3",
    "EPYC-Rome-v4",
    "EPYC-v1",
    "EPYC-v2",
    "EPYC-v3",
    "EPYC-v4",
    "GraniteRapids",
    "GraniteRapids-v1",
    "GraniteRapids-v2",
    "Haswell",
    "Haswell-IBRS",
    "Haswell-noTSX",
    "Haswell-noTSX-IBRS",
    "Haswell-v1",
    "Haswell-v2",
    "Haswell-v3",
    "Haswell-v4",
    "Icelake-
    Server",
    "Icelake-Server-noTSX",
    "Icelake-Server-v1",
    "Icelake-Server-v2",
    "Icelake-
    Server-v3",
    "Icelake-Server-v4",
    "Icelake-Server-v5",
    "Icelake-Server-v6",
    "Icelake-
    Server-v7",
    "IvyBridge",
    "IvyBridge-IBRS",
    "IvyBridge-v1",
    "IvyBridge-v2",
    "KnightsMill",
    "KnightsMill-v1",
    "Nehalem",
    "Nehalem-IBRS",
    "Nehalem-v1",
    "Nehalem-v2",
    "Opteron_G1",
    "Opteron_G1-v1",
    "Opteron_G2",
    "Opteron_G2-v1",
    "Opteron_G3",
    "Opteron_G3-v1",
    "Opteron_G4",
    "Opteron_G4-v1",
    "Opteron_G5",
    "Opteron_G5-v1",
    "Penryn",
    "Penryn-v1",
    "SandyBridge",
    "SandyBridge-IBRS",
    "SandyBridge-v1",
    "SandyBridge-v2",
    "SapphireRapids",
    "SapphireRapids-v1",
    "SapphireRapids-v2",
    "SapphireRapids-v3",
    "SierraForest",
    "SierraForest-v1",
    "SierraForest-v2",
    "Skylake-Client",
    "Skylake-Client-IBRS",
    "Skylake-
    Client-noTSX-IBRS",
    "Skylake-Client-v1",
    "Skylake-Client-v2",
    "Skylake-Client-v3",
    "Skylake-
    Client-v4",
    "Skylake-Server",
    "Skylake-Server-IBRS",
    "Skylake-Server-noTSX-IBRS",
    "Skylake-
    Server-v1",
    "Skylake-Server-v2",
    "Skylake-Server-v3",
    "Skylake-Server-v4",
    "Skylake-
    Server-v5",
    "Snowridge",
    "Snowridge-v1",
    "Snowridge-v2",
    "Snowridge-v3",
    "Snowridge-v4",
    "Westmere",
    "Westmere-IBRS",
    "Westmere-v1",
    "Westmere-v2",
    "YongFeng",
    "YongFeng-v1",
    "YongFeng-v2",
    "athlon",
    "athlon-v1",
    "core2duo",
    "core2duo-v1",
    "coreduo",
    "coreduo-v1",
    "kvm32",
    "kvm32-v1",
    "kvm64",
    "kvm64-v1",
    "n270",
    "n270-v1",
    "pentium",
    "pentium-v1",
    "pentium2",
    "pentium2-v1",
    "pentium3",
    "pentium3-v1",
    "phenom",
    "phenom-v1",
    "qemu32",
    "qemu32-v1",
    "qemu64",
    "qemu64-v1",
    "base",
    "host",
    "max",
];

/// Models without long mode: QEMU starts them, but an x86_64 guest kernel
/// stops in its setup code ("This kernel requires an x86-64 CPU", on the VGA
/// console only). `base` is QEMU's featureless model.
pub static X86_32BIT_CPU_MODELS: &[&str] = &[
    "486",
    "486-v1",
    "athlon",
    "athlon-v1",
    "coreduo",
    "coreduo-v1",
    "kvm32",
    "kvm32-v1",
    "n270",
    "n270-v1",
    "pentium",
    "pentium-v1",
    "pentium2",
    "pentium2-v1",
    "pentium3",
    "pentium3-v1",
    "qemu32",
    "qemu32-v1",
    "base",
];

/// The row of a release.
pub fn qemu(v: QemuVersion) -> &'static QemuRelease {
    QEMU.iter()
        .find(|r| r.version == v)
        .unwrap_or(&QEMU[QEMU.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_has_one_row_in_order() {
        assert_eq!(QEMU.len(), QemuVersion::KEYWORDS.len());
        for (row, word) in QEMU.iter().zip(QemuVersion::KEYWORDS) {
            assert_eq!(row.version.as_str(), *word);
            assert!(row.q35_machine.ends_with(word));
            assert!(row.pc_machine.ends_with(word));
            assert!(!row.sources.is_empty());
        }
        assert!(QEMU.windows(2).all(|w| w[0].version < w[1].version));
    }

    #[test]
    fn defaults_follow_the_release() {
        assert_eq!(
            qemu(QemuVersion::V10_0).default_spm(),
            SpmDialect::KernelMemmap
        );
        assert_eq!(qemu(QemuVersion::V11_1).default_spm(), SpmDialect::SpMem);
        assert!(qemu(QemuVersion::V8_2).generic_initiator.is_none());
        assert_eq!(qemu(QemuVersion::V10_0).max_cpus(QemuMachine::Q35), 4096);
        assert_eq!(qemu(QemuVersion::V8_0).max_cpus(QemuMachine::Q35), 288);
    }
}
