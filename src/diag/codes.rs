//! The registry of diagnostic codes: the one source of truth for codes,
//! their default severity, their one-line title and their long explanation.
//!
//! `topoc explain CODE`, the book's diagnostic catalog and the test that
//! requires one bad-input file per code all read [`ALL`]. A code's long
//! explanation lives in `src/diag/explain/<CODE>.md`.
//!
//! Codes are stable: once released, a code keeps its meaning. Ranges:
//! T00x input syntax and `[lints]`, T01x identity and references, T02x CPUs,
//! T03x memory, T04x SPM, T05x distances, T06x HMAT, T07x devices, T08x graph,
//! T1xx qemu target capabilities, T140-T159 libvirt target capabilities,
//! T160-T179 `import` (reading a machine's tables, host files or guest dump),
//! T180-T189 strings that reach a command line, a file, an SVG or a
//! terminal, T2xx cloud-hypervisor target
//! capabilities and the cloud-hypervisor rules topoc mirrors.

use super::Severity;

/// The stage that reports a code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// TOML syntax and the shape of the input (`parse`).
    Parse,
    /// Names, ids and references (`model`).
    Model,
    /// Graph rules over the IR (`check`).
    Check,
    /// What the chosen target, version or firmware can express (`check`, per target).
    Target,
    /// Reading a machine's tables, host files or guest dump (`import`).
    Import,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Code {
    /// The stable code, `T` plus three digits.
    pub code: &'static str,
    /// A short kebab-case name, for people who prefer words.
    pub name: &'static str,
    pub severity: Severity,
    pub stage: Stage,
    /// One line, used in the catalog.
    pub title: &'static str,
    /// Markdown: what the rule protects, what the consumer would do
    /// otherwise, and how to fix it.
    pub explanation: &'static str,
}

macro_rules! codes {
    ($( $id:ident = $code:literal $name:literal $sev:ident $stage:ident $title:literal; )*) => {
        $(
            pub static $id: Code = Code {
                code: $code,
                name: $name,
                severity: Severity::$sev,
                stage: Stage::$stage,
                title: $title,
                explanation: include_str!(concat!("explain/", $code, ".md")),
            };
        )*
        /// Every registered code, in code order.
        pub static ALL: &[&Code] = &[$(&$id),*];
    };
}

codes! {
    T001 = "T001" "toml-syntax" Error Parse "The file is not valid TOML";
    T002 = "T002" "unknown-key" Error Parse "A key the input language does not define";
    T003 = "T003" "wrong-type" Error Parse "A value of the wrong TOML type";
    T004 = "T004" "invalid-value" Error Parse "A value outside what its key accepts";
    T005 = "T005" "missing-key" Error Parse "A required key is missing";
    T006 = "T006" "unsupported-version" Error Parse "The file asks for a language version topoc does not know";
    T007 = "T007" "unknown-lint" Error Parse "A `[lints]` key that names no diagnostic code";
    T008 = "T008" "error-lint-level" Error Parse "A `[lints]` level that would allow an error or lower it to a warning";
    T009 = "T009" "lint-twice" Error Parse "One diagnostic given two levels in `[lints]`";
    T010 = "T010" "duplicate-node-id" Error Model "Two nodes share one proximity domain id";
    T011 = "T011" "duplicate-name" Error Model "Two entities share one name";
    T012 = "T012" "unknown-reference" Error Model "A reference names no node or device";
    T013 = "T013" "pxm-beyond-guest" Error Model "A node id beyond the proximity domains the guest kernel maps";
    T014 = "T014" "duplicate-pair" Error Model "A distance or an HMAT value given twice for one pair";
    T020 = "T020" "cpu-in-two-nodes" Error Check "A vCPU is listed by two nodes";
    T021 = "T021" "cpu-outside-topology" Error Check "A node lists a vCPU beyond the vCPU topology";
    T022 = "T022" "cpu-in-no-node" Error Check "A vCPU belongs to no node";
    T023 = "T023" "cpu-topology-split" Warning Check "Threads of one core, or cores of one die, are split across nodes";
    T024 = "T024" "boot-cpus" Error Check "More boot vCPUs than the topology holds";
    T030 = "T030" "zero-memory" Error Check "A node's memory is zero bytes";
    T031 = "T031" "misaligned-memory" Error Check "A memory size is not whole pages, whole hugepages or a total QEMU keeps";
    T032 = "T032" "backend-options" Error Check "Host memory settings a backend cannot take together";
    T033 = "T033" "backing-file-twice" Error Check "Two nodes backed by one host file";
    T035 = "T035" "e820-entry-limit" Error Check "The guest's E820 map has more entries than a table on its way holds";
    T036 = "T036" "no-boot-memory" Error Target "The guest has no boot RAM";
    T040 = "T040" "spm-outside-node" Error Check "An SPM part runs past its node's memory";
    T041 = "T041" "spm-overlap" Error Check "Two SPM parts of one node overlap";
    T042 = "T042" "spm-on-cpu-node" Warning Check "A node with CPUs whose memory is all Specific Purpose";
    T044 = "T044" "spm-alignment" Error Check "SPM the kernel's dax path cannot take whole: not 2 MiB aligned or not whole memory blocks";
    T045 = "T045" "spm-boot-memory" Error Target "Specific Purpose Memory over memory the guest kernel needs to boot";
    T050 = "T050" "local-distance" Error Check "A node's distance to itself is not 10";
    T051 = "T051" "distance-range" Error Check "A remote distance of 10 or less, or a derived one above 254";
    T052 = "T052" "asymmetric-distance" Error Check "Distances differ by direction without `asymmetric = true`";
    T053 = "T053" "unreachable-node" Warning Check "Two nodes have no link path between them";
    T054 = "T054" "distance-triangle" Warning Check "An explicit distance breaks the triangle inequality with the derived ones";
    T055 = "T055" "distance-floor" Warning Check "Derived distances below 11, raised to 11";
    T060 = "T060" "bad-attached-initiator" Error Check "A node's `initiator` cannot be attached to its memory";
    T061 = "T061" "bad-hmat-entry" Error Check "An `[[hmat]]` entry has ends or values HMAT cannot carry";
    T062 = "T062" "hmat-target-without-data" Warning Check "A memory-only node the HMAT has no value and no initiator for";
    T063 = "T063" "partial-hmat-matrix" Warning Check "An HMAT table has values for some initiator/target pairs but not others";
    T064 = "T064" "cache-levels" Error Check "Memory-side cache levels skip, repeat, shrink or outgrow the memory";
    T065 = "T065" "hmat-precision" Error Check "HMAT values the guest reads more than 1% off";
    T070 = "T070" "bad-pci-address" Error Parse "A PCI address is malformed";
    T071 = "T071" "device-source" Error Model "A device needs exactly one of a host address or a stand-in";
    T072 = "T072" "initiator-node-twice" Error Check "A device lists one Generic Initiator node twice";
    T073 = "T073" "gpu-hbm-no-cpu-path" Error Check "A GPU's HBM node has no link path to any CPU node";
    T074 = "T074" "host-device-twice" Error Target "One host PCI function passed through twice";
    T075 = "T075" "initiator-node-placement" Warning Target "A Generic Initiator node with CPUs or memory, or shared by devices";
    T080 = "T080" "unreachable-memory" Error Check "Memory no initiator can reach";
    T081 = "T081" "empty-node" Warning Check "A node with no CPUs, no memory and no device";
    T082 = "T082" "bad-link" Error Check "A link to itself, a second link between one pair, or a kind with the wrong ends";
    T083 = "T083" "device-numa-node" Error Target "A device `numa-node` the guest cannot show";
    T090 = "T090" "no-effect" Warning Target "A setting that reaches nothing on this machine";
    T091 = "T091" "unsupported-arch" Error Check "An architecture the target does not compile";
    T100 = "T100" "qemu-node-ids" Error Target "Node ids QEMU cannot take";
    T101 = "T101" "qemu-address-space" Error Target "The guest does not fit QEMU's address space";
    T102 = "T102" "qemu-no-generic-initiator" Error Target "The QEMU version has no Generic Initiators";
    T103 = "T103" "spm-dropped-by-firmware" Error Target "The firmware drops the soft-reserved entries SPM needs";
    T104 = "T104" "spm-dialect-shape" Error Target "Specific Purpose Memory the sp-mem dialect cannot place";
    T105 = "T105" "qemu-attached-initiator" Error Target "An attached initiator QEMU refuses";
    T106 = "T106" "qemu-hmat-values" Error Target "HMAT values QEMU's hmat-lb cannot carry";
    T107 = "T107" "qemu-cache-without-lb" Error Target "A memory-side cache on a node without latency and bandwidth";
    T108 = "T108" "unpinned-cpu-vendor" Warning Target "The CPU model leaves the vendor, and so the E820, to the host";
    T109 = "T109" "kernel-cmdline-too-long" Error Target "The memmap= arguments SPM needs do not fit the kernel command line";
    T110 = "T110" "qemu-pci-slot" Error Target "Two devices share a PCI slot, or a device takes one the machine holds";
    T111 = "T111" "qemu-spm-dialect-version" Error Target "The QEMU release has no such SPM dialect";
    T112 = "T112" "qemu-max-cpus" Error Target "More vCPUs than the machine type takes";
    T113 = "T113" "qemu-x2apic" Error Target "APIC ids of 255 and above that QEMU cannot start";
    T114 = "T114" "qemu-below-4g" Error Target "A max-ram-below-4g QEMU refuses or the BIOS cannot work with";
    T116 = "T116" "qemu-cpu-model" Error Target "A CPU model QEMU lacks, without long mode, or with bad phys-bits";
    T117 = "T117" "qemu-hmat-memoryless" Error Target "An HMAT the QEMU release writes in a form Linux ignores";
    T118 = "T118" "qemu-interrupt-remapping" Warning Target "APIC ids above 254 without interrupt remapping";
    T119 = "T119" "qemu-command-line-too-long" Error Target "A QEMU command line longer than execve takes";
    T120 = "T120" "machine-arch-mismatch" Error Target "A QEMU machine type or firmware of the other architecture";
    T121 = "T121" "virt-address-space" Error Target "Memory beyond the aarch64 CPU model's physical address bits";
    T122 = "T122" "virt-gic-cpus" Error Target "More vCPUs than the virt machine's GIC version takes";
    T123 = "T123" "virt-no-spm" Error Target "Specific Purpose Memory on the aarch64 virt machine, which cannot carry it";
    T124 = "T124" "arm64-guest-node-limit" Error Target "More proximity domains than Debian's arm64 kernels take";
    T125 = "T125" "virt-firmware-numa" Error Target "Firmware under which the arm64 guest fakes one NUMA node";
    T126 = "T126" "virt-mmio64-size" Error Target "A 64-bit PCI MMIO window the virt machine refuses or cannot place";
    T140 = "T140" "libvirt-initiator" Error Target "A CPU-less node whose initiator libvirt picks otherwise";
    T141 = "T141" "libvirt-hmat-pair" Error Target "HMAT values in both directions of a node pair";
    T142 = "T142" "libvirt-cpuless-initiator" Error Target "HMAT values from an initiator without CPUs";
    T143 = "T143" "libvirt-device" Error Target "A device the libvirt domain XML cannot describe";
    T144 = "T144" "libvirt-memoryless-cell" Error Target "A node with CPUs and no memory, on libvirt 11.3";
    T145 = "T145" "libvirt-no-spm" Error Target "Specific Purpose Memory libvirt cannot mark";
    T146 = "T146" "libvirt-node-ids" Error Target "Node ids libvirt's cell numbering cannot keep";
    T147 = "T147" "libvirt-unsupported-setting" Error Target "A setting the libvirt target does not carry";
    T148 = "T148" "libvirt-cache-size" Error Target "A memory-side cache size that is not whole KiB";
    T149 = "T149" "libvirt-no-hmat" Error Target "HMAT data without a value libvirt can write as an interconnect";
    T160 = "T160" "import-malformed-table" Error Import "An ACPI table to import does not decode";
    T161 = "T161" "import-table-checksum" Warning Import "An ACPI table to import has a wrong checksum";
    T162 = "T162" "import-wrong-table" Error Import "A table file given for one table holds another";
    T163 = "T163" "import-unknown-domain" Warning Import "A SLIT locality or HMAT domain that no SRAT domain has";
    T164 = "T164" "import-ignored-table" Warning Import "A SLIT or HMAT that Linux ignores, imported as Linux reads it";
    T165 = "T165" "import-left-out" Warning Import "Something in the input that the input language cannot carry, left out";
    T166 = "T166" "import-stand-in" Warning Import "A value the input does not give, stood in for";
    T167 = "T167" "import-missing-file" Error Import "A host file the import needs is missing or unreadable";
    T168 = "T168" "import-malformed-file" Error Import "A host file that does not read as Linux writes it";
    T169 = "T169" "import-bad-dump" Error Import "A guest dump that cannot be read";
    T170 = "T170" "import-inconsistent" Error Import "Host files that contradict each other";
    T171 = "T171" "import-fit" Error Import "A fitting option that cannot apply to the imported machine";
    T172 = "T172" "import-nothing" Error Import "The sources describe no machine";
    T173 = "T173" "import-arm64-node-limit" Warning Import "An imported aarch64 machine with more proximity domains than Debian's arm64 kernels take";
    T180 = "T180" "control-character" Error Parse "A string holds a control character";
    T181 = "T181" "empty-path" Error Parse "A file path that is empty";
    T200 = "T200" "ch-no-hmat" Error Target "HMAT data cloud-hypervisor cannot build";
    T201 = "T201" "ch-no-spm" Error Target "Specific Purpose Memory cloud-hypervisor cannot mark";
    T202 = "T202" "ch-node-ids" Error Target "Node ids cloud-hypervisor's positional SLIT misplaces";
    T203 = "T203" "ch-stand-in-device" Error Target "An emulated stand-in device cloud-hypervisor does not have";
    T204 = "T204" "ch-host-memory-policy" Error Target "Host memory placement cloud-hypervisor cannot express";
    T205 = "T205" "ch-initiator-node-resources" Error Target "A Generic Initiator node with CPUs or memory";
    T206 = "T206" "ch-initiator-node-shared" Error Target "Two devices on one Generic Initiator node";
    T207 = "T207" "ch-empty-node" Error Target "A node with no CPUs, no memory and no device";
    T208 = "T208" "ch-threads-per-core" Error Target "More than 2 threads per core";
    T209 = "T209" "ch-too-many-vcpus" Error Target "More vCPUs than cloud-hypervisor creates";
    T210 = "T210" "ch-shared-file-host-node" Error Target "A shared, file-backed memory bound to a host node";
    T211 = "T211" "ch-unpinned-hugepage-size" Warning Target "Hugepages of the host's default size leave the layout to the host";
    T212 = "T212" "ch-pci-slot" Error Target "Two devices in one PCI slot, or no slot left";
    T213 = "T213" "ch-duplicate-device" Error Target "One host PCI device passed through twice";
    T214 = "T214" "ch-memory-map" Error Target "A memory map cloud-hypervisor cannot build, or builds wrong";
    T215 = "T215" "ch-address-space" Error Target "The guest does not fit cloud-hypervisor's address space or a KVM memory slot";
    T216 = "T216" "ch-payload" Error Target "A kernel, firmware, initramfs and cmdline combination cloud-hypervisor will not boot as written";
    T217 = "T217" "ch-command-line-too-long" Error Target "A cloud-hypervisor command line longer than execve takes";
    T218 = "T218" "ch-device-numa-node" Error Target "More nodes with devices than cloud-hypervisor has PCI segments";
}

/// Looks a code up by its code (`T010`) or its name (`duplicate-node-id`),
/// case-insensitively.
pub fn lookup(key: &str) -> Option<&'static Code> {
    ALL.iter()
        .copied()
        .find(|c| c.code.eq_ignore_ascii_case(key) || c.name.eq_ignore_ascii_case(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_is_well_formed() {
        let mut seen = std::collections::BTreeSet::new();
        for c in ALL {
            assert!(seen.insert(c.code), "duplicate code {}", c.code);
            assert!(c.code.len() == 4 && c.code.starts_with('T'), "{}", c.code);
            assert!(c.code[1..].chars().all(|d| d.is_ascii_digit()));
            assert!(
                c.explanation.starts_with(&format!("# {}", c.code)),
                "{}.md must start with '# {}'",
                c.code,
                c.code
            );
            assert!(
                !c.title.ends_with('.'),
                "{}: titles have no full stop",
                c.code
            );
        }
        let names: std::collections::BTreeSet<_> = ALL.iter().map(|c| c.name).collect();
        assert_eq!(names.len(), ALL.len(), "names are unique");
        let codes: Vec<_> = ALL.iter().map(|c| c.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted, "ALL is in code order");
    }

    #[test]
    fn lookup_by_code_or_name() {
        assert_eq!(lookup("t010").map(|c| c.code), Some("T010"));
        assert_eq!(lookup("duplicate-name").map(|c| c.code), Some("T011"));
        assert!(lookup("T999").is_none());
    }
}
