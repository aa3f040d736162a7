//! E820 as Linux names it and holds it: the type names of its boot log
//! (renamed in 7.0) and of its resource tree, and the sizes of the tables
//! the map passes through.
//!
//! The numeric types and the binary format are in [`crate::e820`]; this is
//! the kernel's vocabulary for them (arch/x86/kernel/e820.c).

use crate::e820::Kind;

/// The vocabulary of a kernel's `BIOS-e820:` and `user:` lines
/// (`e820_print_type()`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Names {
    /// Up to 6.19: `usable`, `reserved`, `persistent (type N)`.
    Classic,
    /// From 7.0 (Ingo Molnar's E820 series, tag x86-boot-2026-02-09):
    /// `System RAM`, `device reserved`, `persistent RAM (type N)`.
    Renamed,
}

/// Every type the boot log names: (type, up to 6.19, from 7.0). The rest
/// print as `type N`; only types 7 and 12 are "persistent" (type 6, which
/// old NVDIMM firmware used, has no name and prints as `type 6`).
const BOOT_LOG: [(Kind, &str, &str); 8] = [
    (Kind::Ram, "usable", "System RAM"),
    (Kind::Reserved, "reserved", "device reserved"),
    (Kind::Acpi, "ACPI data", "ACPI data"),
    (Kind::Nvs, "ACPI NVS", "ACPI NVS"),
    (Kind::Unusable, "unusable", "unusable"),
    (Kind::Pmem, "persistent (type 7)", "persistent RAM (type 7)"),
    (
        Kind::Pram,
        "persistent (type 12)",
        "persistent RAM (type 12)",
    ),
    (Kind::SoftReserved, "soft reserved", "soft reserved"),
];

/// The name the boot log prints after `[mem …]` for `kind`.
pub fn type_name(kind: Kind, names: Names) -> String {
    match BOOT_LOG.iter().find(|(k, _, _)| *k == kind) {
        Some((_, classic, _)) if names == Names::Classic => (*classic).to_string(),
        Some((_, _, renamed)) => (*renamed).to_string(),
        None => format!("type {}", kind.code()),
    }
}

/// The type behind a boot-log name of either vocabulary, surrounding blanks
/// ignored. `type N` is read for any N: kernels before 5.5 printed
/// soft-reserved memory as `type 4026531839`. A name no kernel prints, such
/// as `persistent (type 6)`, is `None`.
pub fn kind_from_name(name: &str) -> Option<Kind> {
    let name = name.trim();
    if let Some((k, _, _)) = BOOT_LOG
        .iter()
        .find(|(_, classic, renamed)| *classic == name || *renamed == name)
    {
        return Some(*k);
    }
    let code = name.strip_prefix("type ")?;
    Some(Kind::from_code(code.parse().ok()?))
}

/// The type behind a resource name of `/proc/iomem` or
/// `/sys/firmware/memmap` (`e820_type_to_string()`); `None` for
/// "Unknown E820 type" and for names that are not E820 types.
pub fn kind_from_resource_name(name: &str) -> Option<Kind> {
    Some(match name {
        "System RAM" => Kind::Ram,
        "Reserved" => Kind::Reserved,
        "ACPI Tables" => Kind::Acpi,
        "ACPI Non-volatile Storage" => Kind::Nvs,
        "Unusable memory" => Kind::Unusable,
        "Persistent Memory" => Kind::Pmem,
        "Persistent Memory (legacy)" => Kind::Pram,
        "Soft Reserved" => Kind::SoftReserved,
        _ => return None,
    })
}

/// `E820_MAX_ENTRIES_ZEROPAGE`: the boot protocol's `boot_params.e820_table`.
pub const ZEROPAGE_ENTRIES: usize = 128;

/// The kernel's own table, `E820_MAX_ENTRIES` =
/// `E820_MAX_ENTRIES_ZEROPAGE + 3 * MAX_NUMNODES`
/// (arch/x86/include/asm/e820/types.h).
pub const KERNEL_ENTRIES: usize = ZEROPAGE_ENTRIES + 3 * super::numa::MAX_NUMNODES as usize;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_e820_print_type() {
        assert_eq!(type_name(Kind::Ram, Names::Classic), "usable");
        assert_eq!(type_name(Kind::Ram, Names::Renamed), "System RAM");
        assert_eq!(
            type_name(Kind::Pram, Names::Classic),
            "persistent (type 12)"
        );
        assert_eq!(
            type_name(Kind::Pmem, Names::Renamed),
            "persistent RAM (type 7)"
        );
        assert_eq!(type_name(Kind::Other(6), Names::Classic), "type 6");
        assert_eq!(type_name(Kind::Other(6), Names::Renamed), "type 6");
        // Every name reads back as its type, in both vocabularies.
        for k in [Kind::Other(6), Kind::Other(0x1234)]
            .into_iter()
            .chain(BOOT_LOG.iter().map(|(k, _, _)| *k))
        {
            for n in [Names::Classic, Names::Renamed] {
                assert_eq!(kind_from_name(&type_name(k, n)), Some(k), "{k:?} {n:?}");
            }
        }
    }

    #[test]
    fn only_types_7_and_12_are_persistent() {
        // e820_print_type(): `case E820_TYPE_PMEM: case E820_TYPE_PRAM:
        // pr_cont("persistent (type %u)", type)`, `default: pr_cont("type
        // %u", type)`: type 6 is never "persistent".
        assert_eq!(kind_from_name("persistent (type 6)"), None);
        assert_eq!(kind_from_name("persistent RAM (type 6)"), None);
        assert_eq!(kind_from_name("type 6"), Some(Kind::Other(6)));
        assert_eq!(kind_from_name("persistent (type 12)"), Some(Kind::Pram));
        assert_eq!(kind_from_name("persistent RAM (type 7)"), Some(Kind::Pmem));
        assert_eq!(kind_from_name(" System RAM"), Some(Kind::Ram));
        assert_eq!(
            kind_from_name("type 4026531839"),
            Some(Kind::SoftReserved),
            "before 5.5"
        );
        assert_eq!(kind_from_name("nonsense"), None);
        assert_eq!(kind_from_name("type x"), None);
    }

    #[test]
    fn resource_names() {
        assert_eq!(kind_from_resource_name("ACPI Tables"), Some(Kind::Acpi));
        assert_eq!(
            kind_from_resource_name("Soft Reserved"),
            Some(Kind::SoftReserved)
        );
        assert_eq!(kind_from_resource_name("Unknown E820 type"), None);
        assert_eq!(KERNEL_ENTRIES, 3200);
    }
}
