//! Keyword enums shared by the input language, the IR and the outputs.
//!
//! Each enum is declared once with the word that spells it in TOML; the spec
//! (`parse::spec`) lists the words, the parser maps words to values, and
//! emitters print the same words back.

macro_rules! keywords {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $var:ident = $kw:literal),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
        pub enum $name { $($(#[$vm])* #[serde(rename = $kw)] $var),* }

        impl $name {
            /// Every spelling, in declaration order.
            pub const KEYWORDS: &'static [&'static str] = &[$($kw),*];

            pub fn parse(word: &str) -> Option<$name> {
                match word {
                    $($kw => Some($name::$var),)*
                    _ => None,
                }
            }

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$var => $kw,)*
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

keywords! {
    /// What a node's memory is.
    pub enum MemKind { Dram = "dram", Hbm = "hbm", Cxl = "cxl" }
}

keywords! {
    pub enum Arch { X86_64 = "x86_64", Aarch64 = "aarch64" }
}

keywords! {
    pub enum LinkKind {
        Xgmi = "xgmi",
        InfinityFabric = "infinity-fabric",
        Nvlink = "nvlink",
        NvlinkC2c = "nvlink-c2c",
        Cxl = "cxl",
        Upi = "upi",
        Pcie = "pcie",
        Other = "other",
    }
}

keywords! {
    pub enum DeviceKind { Gpu = "gpu", Accelerator = "accelerator", Nic = "nic", Storage = "storage", Other = "other" }
}

keywords! {
    /// Emulated stand-ins for devices, for tests without the hardware.
    pub enum StandIn { PciTestdev = "pci-testdev" }
}

keywords! {
    /// Host memory policy of a backend.
    pub enum HostPolicy { Default = "default", Preferred = "preferred", Bind = "bind", Interleave = "interleave" }
}

keywords! {
    pub enum Associativity { None = "none", Direct = "direct", Complex = "complex" }
}

keywords! {
    pub enum WritePolicy { None = "none", WriteBack = "write-back", WriteThrough = "write-through" }
}

keywords! {
    /// QEMU machine types: the x86_64 `q35` and `pc`, the aarch64 `virt`.
    pub enum QemuMachine { Q35 = "q35", Pc = "pc", Virt = "virt" }
}

keywords! {
    /// How Specific Purpose Memory reaches a QEMU guest.
    pub enum SpmDialect {
        /// The guest kernel's `memmap=<size>%<start>-1+0xefffffff`; works with every QEMU.
        KernelMemmap = "kernel-memmap",
        /// `-device sp-mem,memdev=,node=`, merged for QEMU 11.1.
        SpMem = "sp-mem",
    }
}

keywords! {
    pub enum Firmware {
        /// SeaBIOS, QEMU's default BIOS (1.16.3 in Debian's QEMU 10.0).
        Seabios = "seabios",
        /// OVMF as Debian ships it (edk2 2022.11): soft-reserved entries are not handled.
        Ovmf = "ovmf",
        /// OVMF from edk2 2026-01 or later, which passes soft-reserved memory on as EFI_MEMORY_SP.
        OvmfSp = "ovmf-sp",
        /// aarch64: edk2 ArmVirtQemu 2020.11 (Debian bullseye's `qemu-efi-aarch64`
        /// 2020.11-2+deb11u2), which maps the variable-store flash uncached.
        Edk2_2020_11 = "edk2-2020.11",
        /// aarch64: edk2 ArmVirtQemu 2022.11 (Debian bookworm's `qemu-efi-aarch64`),
        /// which maps the flash write-combined: the guest kernel fakes one node.
        Edk2_2022_11 = "edk2-2022.11",
    }
}

impl Firmware {
    /// The guest architecture the firmware is built for.
    pub fn arch(self) -> Arch {
        match self {
            Firmware::Seabios | Firmware::Ovmf | Firmware::OvmfSp => Arch::X86_64,
            Firmware::Edk2_2020_11 | Firmware::Edk2_2022_11 => Arch::Aarch64,
        }
    }
}

impl QemuMachine {
    /// The guest architecture of the machine type.
    pub fn arch(self) -> Arch {
        match self {
            QemuMachine::Q35 | QemuMachine::Pc => Arch::X86_64,
            QemuMachine::Virt => Arch::Aarch64,
        }
    }
}

keywords! {
    /// The interrupt controller of the aarch64 `virt` machine (`gic-version=`).
    pub enum GicVersion { V2 = "2", V3 = "3" }
}

keywords! {
    /// The QEMU releases topoc knows the behaviour of.
    pub enum QemuVersion {
        V7_2 = "7.2", V8_0 = "8.0", V8_1 = "8.1", V8_2 = "8.2", V9_0 = "9.0", V9_1 = "9.1",
        V9_2 = "9.2", V10_0 = "10.0", V10_1 = "10.1", V10_2 = "10.2", V11_0 = "11.0", V11_1 = "11.1",
    }
}

keywords! {
    /// The cloud-hypervisor releases topoc knows the behaviour of: the
    /// options it emits and the SRAT it predicts
    /// (`book/src/targets/cloud-hypervisor.md`, "Versions").
    pub enum ChVersion {
        /// v52.0: the first release with `pci_device_id=` (PR #7965).
        V52_0 = "52.0",
        /// v53.0: the release topoc's tests run.
        V53_0 = "53.0",
        /// The first release after v53.0, with PR #8766 (the Generic
        /// Initiator's PCI device handle as segment, bus, devfn).
        V54_0 = "54.0",
    }
}

/// How cloud-hypervisor writes a Generic Initiator's PCI Device Handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChGiHandle {
    /// v51-v53 (`GenericInitiatorAffinity::from_pci_bdf`): segment, then
    /// bus, bus, device, device, function, function, then zeros.
    StartEndPairs,
    /// From PR #8766: segment, bus, then device << 3 | function, then
    /// zeros, as the ACPI specification and QEMU have it.
    SegmentBusDevfn,
}

impl ChVersion {
    pub fn gi_handle(self) -> ChGiHandle {
        if self <= ChVersion::V53_0 {
            ChGiHandle::StartEndPairs
        } else {
            ChGiHandle::SegmentBusDevfn
        }
    }
}

keywords! {
    /// The libvirt releases the libvirt target knows: what their domain XML
    /// can say about NUMA and the QEMU arguments they make of it
    /// (`book/src/targets/libvirt.md`).
    pub enum LibvirtVersion {
        /// 11.3.0 (bookworm-backports): the release topoc's tests run. No
        /// Generic Initiator, no `memory='0'` cell QEMU takes.
        V11_3 = "11.3",
        /// 11.8.0: Generic Initiators (`<hostdev><acpi nodeset/>`) and
        /// memory-less cells. Read from libvirt's NEWS, not run here.
        V11_8 = "11.8",
    }
}

keywords! {
    /// The domain type libvirt starts: QEMU's TCG or KVM.
    pub enum LibvirtDomainType {
        /// `<domain type='qemu'>`: `-accel tcg`.
        Qemu = "qemu",
        /// `<domain type='kvm'>`: `-accel kvm`.
        Kvm = "kvm",
    }
}

keywords! {
    /// How cloud-hypervisor enters the guest, which decides the E820 map the
    /// guest kernel receives (`arch/src/x86_64/mod.rs` `configure_system`).
    pub enum ChBoot {
        /// An ELF with a PVH note (a `vmlinux`, rust-hypervisor-firmware,
        /// CLOUDHV.fd): the `hvm_start_info` memmap (`configure_pvh`).
        Pvh = "pvh",
        /// A bzImage through the 32-bit Linux boot protocol: the zero page's
        /// `e820_table` (`configure_32bit_entry`).
        Bzimage = "bzimage",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_round_trip() {
        for w in LinkKind::KEYWORDS {
            assert_eq!(LinkKind::parse(w).map(|k| k.as_str()), Some(*w));
        }
        assert_eq!(SpmDialect::parse("sp-mem"), Some(SpmDialect::SpMem));
        assert_eq!(MemKind::parse("HBM"), None);
    }
}
