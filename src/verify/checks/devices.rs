//! PCI devices: at their predicted addresses, and named by the SRAT's
//! Generic Initiator structures.

use super::{Ctx, Explains, Outcome, Run, Spec, lines_or_none, sorted_lines};
use crate::acpi::{DeviceHandle, SratEntry};

pub(super) const PCI: Spec = Spec {
    name: "pci.devices",
    title: "the topology's PCI devices at their predicted addresses",
    compares: "`/sys/bus/pci/devices`",
    how: "every device of the topology at its predicted address; stand-ins with their \
          vendor:device ids",
    prerequisites: &[],
    explains: Some(Explains::Instead(
        "the devices are not at their predicted addresses (see pci.devices)",
    )),
    run: Run::Once(pci),
};

pub(super) const PCI_NUMA: Spec = Spec {
    name: "pci.numa-node",
    title: "each PCI device's NUMA node is its host bridge's node",
    compares: "`/sys/bus/pci/devices/*/numa_node`",
    how: "-1 on the root bus; behind a `numa-node` host bridge, the Linux node of the bridge's \
          proximity domain when that node is online at boot, else -1",
    prerequisites: &["pci.devices"],
    explains: None,
    run: Run::Once(pci_numa),
};

pub(super) const GENERIC_INITIATORS: Spec = Spec {
    name: "gi.srat",
    title: "SRAT Generic Initiator structures name the predicted PCI devices",
    compares: "Generic Initiator structures of the guest's SRAT",
    how: "each names the predicted PCI device for its proximity domain",
    prerequisites: &[],
    explains: None,
    run: Run::Once(generic_initiators),
};

fn pci(cx: &Ctx) -> Outcome {
    if cx.p.devices.is_empty() {
        return Outcome::skip();
    }
    if cx.d.pci.is_empty() {
        return Outcome::not_applicable("the dump lists no PCI devices");
    }
    let mut exp = Vec::new();
    let mut got = Vec::new();
    let mut diffs = Vec::new();
    for dev in &cx.p.devices {
        let ids = dev
            .ids
            .map_or(String::new(), |(v, d)| format!(" {v:#06x}:{d:#06x}"));
        exp.push(format!("{} {}{ids}", dev.address, dev.name));
        let Some(p) = cx.d.pci.iter().find(|p| p.address == dev.address) else {
            diffs.push(format!("no PCI function at {} ({})", dev.address, dev.name));
            continue;
        };
        let (vendor, device) = (p.vendor.unwrap_or(0), p.device.unwrap_or(0));
        got.push(format!("{} {vendor:#06x}:{device:#06x}", p.address));
        if let Some((v, d)) = dev.ids {
            if p.vendor != Some(v) || p.device != Some(d) {
                diffs.push(format!(
                    "{}: expected {v:04x}:{d:04x}, seen {vendor:04x}:{device:04x}",
                    dev.address
                ));
            }
        }
    }
    Outcome::compared(
        exp.join("\n"),
        lines_or_none(&got),
        diffs,
        "the VM was started without the emitted -device options, or with devices on other slots",
    )
}

fn pci_numa(cx: &Ctx) -> Outcome {
    if cx.p.devices.is_empty() {
        return Outcome::skip();
    }
    let seen: Vec<_> =
        cx.p.devices
            .iter()
            .filter_map(|dev| cx.d.pci.iter().find(|p| p.address == dev.address))
            .collect();
    if seen.iter().all(|p| p.numa_node.is_none()) {
        return Outcome::not_applicable("the dump gives no device's numa_node");
    }
    let mut exp = Vec::new();
    let mut got = Vec::new();
    for dev in &cx.p.devices {
        let want = cx.guest.pci_numa_node(&cx.p.numa, dev.bridge_pxm);
        exp.push(format!("{} {} numa_node={want}", dev.address, dev.name));
        let seen =
            cx.d.pci
                .iter()
                .find(|p| p.address == dev.address)
                .and_then(|p| p.numa_node)
                .map_or_else(|| "?".to_string(), |n| n.to_string());
        got.push(format!("{} {} numa_node={seen}", dev.address, dev.name));
    }
    Outcome::compared(
        exp.join("\n"),
        got.join("\n"),
        sorted_lines(&exp, &got),
        "the VM was started without the emitted pxb host bridges, or the bridge's node is \
         offline at boot (a node whose memory is all Specific Purpose has no memory then)",
    )
}

/// `PXM p: PCI ssss:bb:dd.f (name)`.
fn gi_line(pxm: u32, segment: u16, bus: u8, devfn: u8, name: &str) -> String {
    format!(
        "PXM {pxm}: PCI {segment:04x}:{bus:02x}:{:02x}.{} ({name})",
        devfn >> 3,
        devfn & 7
    )
}

fn generic_initiators(cx: &Ctx) -> Outcome {
    let exp: Vec<String> =
        cx.p.devices
            .iter()
            .flat_map(|dev| {
                dev.generic_initiator_pxms
                    .iter()
                    .map(|&pxm| gi_line(pxm, 0, dev.bus, dev.devfn, &dev.name))
            })
            .collect();
    if exp.is_empty() {
        return Outcome::skip();
    }
    let Some(srat) = &cx.guest_srat else {
        return Outcome::not_applicable(
            cx.note_about("tables/SRAT")
                .unwrap_or_else(|| "the dump has no raw SRAT".into()),
        );
    };
    let name_of = |bus: u8, devfn: u8| {
        cx.p.devices
            .iter()
            .find(|d| d.bus == bus && d.devfn == devfn)
            .map_or("?", |d| d.name.as_str())
    };
    let got: Vec<String> = srat
        .entries
        .iter()
        .filter_map(|e| match e {
            SratEntry::GenericInitiator(g) => Some(match &g.handle {
                DeviceHandle::Pci {
                    segment,
                    bus,
                    devfn,
                } => gi_line(g.pxm, *segment, *bus, *devfn, name_of(*bus, *devfn)),
                other => format!("PXM {}: {other:?}", g.pxm),
            }),
            _ => None,
        })
        .collect();
    let mut exp_sorted = exp.clone();
    exp_sorted.sort();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    Outcome::compared(
        exp_sorted.join("\n"),
        lines_or_none(&got_sorted),
        sorted_lines(&exp, &got),
        "the acpi-generic-initiator objects are missing or point at other devices (QEMU < 9.0 \
         has none), or the devices sit on other slots (pci.devices)",
    )
}
