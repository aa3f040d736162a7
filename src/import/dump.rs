//! A guest dump of `topoc probe-script` as a [`View`]: its ACPI tables when
//! the probe ran as root, and what its sysfs, `/proc/iomem` and dax sections
//! show. What the probe could not see (its `!` notes) is what the import
//! could not see.

use super::{SysOrigin, Sysfs, TableFile, View};
use crate::guest::dump::GuestDump;

/// The view of a parsed dump named `name`.
pub fn view(name: &str, d: &GuestDump) -> View {
    let table = |sig: &str| {
        d.acpi_table(sig).map(|bytes| TableFile {
            name: format!("{name} (acpi.{sig})"),
            bytes: bytes.to_vec(),
        })
    };
    let zeroed = d.iomem.iter().all(|e| e.start == 0 && e.end == 0);
    let soft_reserved = if zeroed {
        Vec::new()
    } else {
        d.iomem
            .iter()
            .filter(|e| e.name.trim().eq_ignore_ascii_case("soft reserved"))
            .map(|e| (e.start, e.end))
            .collect()
    };
    let mut unseen: Vec<String> = d
        .notes
        .iter()
        .filter(|n| n.section != "dmesg" && n.section != "fw_cfg.e820")
        .map(|n| format!("{}: {}", n.section, n.text))
        .collect();
    if zeroed && !d.iomem.is_empty() {
        unseen.push("iomem: the addresses (read without root)".to_string());
    }
    let sysfs = (!d.nodes.is_empty() || !d.dax.is_empty()).then(|| Sysfs {
        origin: SysOrigin::Dump {
            name: name.to_string(),
        },
        lists: d.node_lists.clone(),
        nodes: d.nodes.clone(),
        blocks: Default::default(),
        dax: d.dax.clone(),
        soft_reserved,
        pci: d.pci.clone(),
    });
    let kernel = d
        .kernel
        .as_deref()
        .map_or_else(String::new, |k| format!(", Linux {k}"));
    View {
        origin: format!("the guest dump {name}{kernel}"),
        srat: table("SRAT"),
        slit: table("SLIT"),
        hmat: table("HMAT"),
        sysfs,
        unseen,
    }
}
