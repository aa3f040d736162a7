//! SRAT, SLIT and HMAT into a [`Desc`], read the way Linux reads them.
//!
//! - **Nodes** are the proximity domains Linux makes nodes of
//!   ([`numa_view`]: enabled CPU, Generic Initiator and memory structures,
//!   a revision-1 table's domains cut to 8 bits). Their ids are the PXMs when
//!   those run 0, 1, 2, ... (so a table topoc built comes back with its own
//!   ids), else the PXMs in ascending order renumbered from 0, as QEMU needs
//!   them dense. A node is named `pxmP` after its domain; its comment names
//!   the Linux node the host made of it.
//! - **CPUs**: the enabled CPU structures. When their APIC ids, in table
//!   order, are exactly QEMU's for some sockets × dies × cores × threads that
//!   splits no die across nodes, that shape and that order are kept (a table
//!   QEMU built comes back byte for byte); otherwise the vCPUs are numbered
//!   node by node, one socket per CPU node when every CPU node has as many.
//! - **Memory**: a node's enabled, not hot-pluggable ranges, added up, with
//!   the 640 KiB-1 MiB hole that firmware and QEMU cut out of the first range
//!   put back (a VM cuts it again). Hot-pluggable ranges are left out.
//! - **Devices**: one per Generic Initiator device handle; its nodes are its
//!   Generic Initiator domains.
//! - **Distances**: every pair as `nodeN/distance` would show it
//!   ([`numa::distance`]); a SLIT Linux ignores gives none.
//! - **HMAT**: the last memory-level locality structure of each data type,
//!   as Linux uses it, every initiator × target value that is given, exact
//!   where the input language can carry it and as [`normalize`] reads it
//!   otherwise; attached initiators; memory-side caches. An HMAT Linux
//!   rejects gives none.
//!
//! Without an SRAT the SLIT's localities and the HMAT's domains are the
//! nodes, with stand-in CPUs (initiators) and memory (targets), each said to
//! be one.

use super::desc::{Cache, Desc, Device, Distances, HmatPair, Memory, Node, Shape, Source};
use super::{Named, warning};
use crate::acpi::hmat::{self as h, Hmat, HmatStructure, Locality};
use crate::acpi::srat::{DeviceHandle, LocalApicAffinity, MemoryAffinity, Srat, SratEntry};
use crate::acpi::{Header, Sig, Slit};
use crate::diag::{Diagnostic, codes};
use crate::kinds::{Associativity, DeviceKind, WritePolicy};
use crate::linux::hmat::{hmat_view, normalize};
use crate::linux::memory::BOOT_CUTS;
use crate::linux::numa::{self, NumaView, numa_view, slit_valid, srat_pxm};
use crate::units::{GIB, MIB, PciAddr, fmt_cpulist, fmt_size};
use std::collections::{BTreeMap, BTreeSet};

/// Where each node's memory sits in the source's physical address space, for
/// placing soft-reserved ranges ([`super::sysfs::enrich`]).
#[derive(Clone, Debug, Default)]
pub struct Placement {
    /// Per node index: `(base, length, offset in the node's memory)`.
    pub pieces: Vec<Vec<(u64, u64, u64)>>,
    /// Per node index: the Linux node the source's kernel made of it.
    pub linux: Vec<Option<u32>>,
}

impl Placement {
    /// The node and the offset in its memory of physical address `addr`.
    pub fn locate(&self, addr: u64) -> Option<(usize, u64)> {
        self.pieces.iter().enumerate().find_map(|(n, ps)| {
            ps.iter()
                .find(|&&(b, l, _)| b <= addr && addr - b < l)
                .map(|&(b, _, off)| (n, off + (addr - b)))
        })
    }

    pub fn node_of_linux(&self, linux: u32) -> Option<usize> {
        self.linux.iter().position(|&l| l == Some(linux))
    }
}

/// One proximity domain as the SRAT gives it.
#[derive(Default)]
struct Domain {
    pxm: u32,
    linux: Option<u32>,
    /// Enabled CPU structures: (structure index, APIC id).
    cpus: Vec<(usize, u32)>,
    /// Enabled, not hot-pluggable, non-empty memory: (index, base, length).
    memory: Vec<(usize, u64, u64)>,
    /// Enabled Generic Initiator structures.
    gis: Vec<usize>,
}

pub fn describe(
    srat: Option<&Named<Srat>>,
    slit: Option<&Named<Slit>>,
    hmat: Option<&Named<Hmat>>,
    out: &mut Vec<Diagnostic>,
) -> Option<Desc> {
    describe_placed(srat, slit, hmat, out).map(|(d, _)| d)
}

/// [`describe`], and where each node's memory is.
pub fn describe_placed(
    srat: Option<&Named<Srat>>,
    slit: Option<&Named<Slit>>,
    hmat: Option<&Named<Hmat>>,
    out: &mut Vec<Diagnostic>,
) -> Option<(Desc, Placement)> {
    let mut d = Desc::default();
    let stand_in;
    let srat_owned;
    let srat = match srat {
        Some(s) => {
            stand_in = false;
            d.sources.push(format!(
                "SRAT {}: {}, {} structures",
                s.name,
                header_words(&s.table.header),
                s.table.entries.len()
            ));
            s
        }
        None => {
            stand_in = true;
            srat_owned = stand_in_srat(slit, hmat, &mut d, out)?;
            &srat_owned
        }
    };
    let t = &srat.table;
    let rev = t.header.revision;
    let view = numa_view(t);

    // The domains, in ascending PXM order.
    let mut doms: BTreeMap<u32, Domain> = BTreeMap::new();
    for (&pxm, &node) in &view.pxm_to_node {
        doms.insert(
            pxm,
            Domain {
                pxm,
                linux: Some(node),
                ..Domain::default()
            },
        );
    }
    let mut hotplug: Vec<String> = Vec::new();
    let mut nonvolatile: Vec<String> = Vec::new();
    let mut arm = 0usize;
    let mut ports = 0usize;
    let mut disabled = 0usize;
    for (i, e) in t.entries.iter().enumerate() {
        if !e.enabled() {
            disabled += usize::from(!matches!(e, SratEntry::Other { .. }));
            continue;
        }
        let Some(pxm) = srat_pxm(e, rev) else {
            continue;
        };
        let Some(dom) = doms.get_mut(&pxm) else {
            if matches!(e, SratEntry::GenericPort(_)) {
                ports += 1;
            }
            continue;
        };
        match e {
            SratEntry::LocalApic(a) => dom.cpus.push((i, u32::from(a.apic_id))),
            SratEntry::X2Apic(a) => dom.cpus.push((i, a.x2apic_id)),
            SratEntry::Gicc(g) => {
                arm += 1;
                dom.cpus.push((i, g.processor_uid));
            }
            SratEntry::Memory(m) if m.length > 0 => {
                let range = format!(
                    "#{i} [{:#x}-{:#x}]",
                    m.base,
                    m.base.saturating_add(m.length - 1)
                );
                if m.flags & MemoryAffinity::HOT_PLUGGABLE != 0 {
                    hotplug.push(format!("{range} PXM {pxm}, {}", fmt_size(m.length)));
                    continue;
                }
                // The virt machine's variable-store flash, which topoc's own
                // SRAT gives the first memory node under edk2 2022.11
                // (`acpi-table-upgrade`): no memory of the machine.
                let f = crate::layout::virt::FLASH_VARS;
                if arm > 0 && m.base == f.start && m.length == f.size {
                    d.notes.push(format!(
                        "SRAT memory {range} left out: the virt machine's variable-store flash, which topoc's SRAT covers under edk2 2022.11 (acpi-table-upgrade)"
                    ));
                    continue;
                }
                if m.flags & MemoryAffinity::NON_VOLATILE != 0 {
                    nonvolatile.push(range);
                }
                dom.memory.push((i, m.base, m.length));
            }
            SratEntry::GenericInitiator(_) => dom.gis.push(i),
            SratEntry::GenericPort(_) => ports += 1,
            _ => {}
        }
    }
    if disabled > 0 {
        d.notes.push(format!(
            "the SRAT has {disabled} disabled structure{}; Linux ignores them, and so does the import", if disabled == 1 { "" } else { "s" }
        ));
    }
    if arm > 0 {
        d.aarch64 = Some(format!("{}: {arm} GICC structures", srat.name));
        d.notes.push(format!(
            "the host is Arm ({arm} GICC structures); the VM is an aarch64 QEMU virt machine, with one vCPU per GICC"
        ));
    }
    if ports > 0 {
        out.push(warning(
            &codes::T165,
            format!(
                "{}: {ports} Generic Port structures (CXL host bridges) left out: the input language has no Generic Port",
                srat.name
            ),
        ));
        d.notes
            .push(format!("{ports} Generic Port structures left out"));
    }
    if !hotplug.is_empty() {
        out.push(
            warning(
                &codes::T165,
                format!(
                    "{}: hot-pluggable memory left out: {}",
                    srat.name,
                    hotplug.join("; ")
                ),
            )
            .help("boot memory is imported; for hotplug room give `[target.qemu] memory-slots` or `max-memory`"),
        );
        for h in &hotplug {
            d.notes
                .push(format!("hot-pluggable SRAT memory {h} left out"));
        }
    }
    if !nonvolatile.is_empty() {
        out.push(warning(
            &codes::T165,
            format!(
                "{}: non-volatile memory imported as RAM: {}",
                srat.name,
                nonvolatile.join(", ")
            ),
        ));
    }

    // Domains with nothing in them (a zero-length memory structure makes one).
    let empty: Vec<u32> = doms
        .values()
        .filter(|x| x.cpus.is_empty() && x.memory.is_empty() && x.gis.is_empty())
        .map(|x| x.pxm)
        .collect();
    if !empty.is_empty() {
        let list: Vec<String> = empty.iter().map(u32::to_string).collect();
        out.push(warning(
            &codes::T165,
            format!(
                "{}: PXM {} has no CPU, memory or Generic Initiator (only empty structures); left out",
                srat.name,
                list.join(", ")
            ),
        ));
        d.notes.push(format!(
            "PXM {} left out: no CPU, no memory, no device",
            list.join(", ")
        ));
        doms.retain(|_, x| !empty.contains(&x.pxm));
    }
    let doms: Vec<Domain> = doms.into_values().collect();
    let dense = doms.iter().enumerate().all(|(i, x)| x.pxm as usize == i);
    if !dense {
        let pxms: Vec<u32> = doms.iter().map(|x| x.pxm).collect();
        d.notes.push(format!(
            "the proximity domains are {}, not 0, 1, 2, ...: node ids count them from 0 in that order",
            fmt_cpulist(&pxms)
        ));
    }
    // Address ranges below the top of memory that no node's memory covers:
    // holes for devices and firmware. The VM lays its RAM out afresh.
    if !stand_in {
        let mut ranges: Vec<(u64, u64)> = doms
            .iter()
            .flat_map(|x| x.memory.iter().map(|m| (m.1, m.1.saturating_add(m.2))))
            .collect();
        ranges.sort_unstable();
        let mut gaps = Vec::new();
        let mut end = 0u64;
        for (a, b) in ranges {
            if a > end {
                gaps.push(format!("[{end:#x}-{:#x}] {}", a - 1, fmt_size(a - end)));
            }
            end = end.max(b);
        }
        if !gaps.is_empty() {
            d.notes.push(format!(
                "no node's SRAT memory covers {}; the VM lays its RAM out afresh",
                gaps.join(", ")
            ));
        }
    }
    let index_of_pxm: BTreeMap<u32, usize> =
        doms.iter().enumerate().map(|(i, x)| (x.pxm, i)).collect();

    // Nodes, memory and the placement of that memory.
    let mut placement = Placement::default();
    let hole = (BOOT_CUTS[1].0, BOOT_CUTS[1].1);
    let starts: BTreeSet<u64> = doms
        .iter()
        .flat_map(|x| x.memory.iter().map(|m| m.1))
        .collect();
    for (i, x) in doms.iter().enumerate() {
        let linux = x
            .linux
            .map_or_else(String::new, |n| format!(", host Linux node {n}"));
        let about = if stand_in {
            format!("domain {} of the SLIT/HMAT (no SRAT)", x.pxm)
        } else {
            format!("SRAT proximity domain {}{linux}", x.pxm)
        };
        let mut pieces = Vec::new();
        let mut size = 0u64;
        let mut from: Vec<String> = Vec::new();
        let mut sorted = x.memory.clone();
        sorted.sort_by_key(|m| m.1);
        for &(idx, base, len) in &sorted {
            pieces.push((base, len, size));
            size = size.saturating_add(len);
            from.push(format!("#{idx}"));
            if base.saturating_add(len) == hole.0 && starts.contains(&hole.1) {
                size = size.saturating_add(hole.1 - hole.0);
                from.push(format!(
                    "the {} hole below 1 MiB",
                    fmt_size(hole.1 - hole.0)
                ));
            }
        }
        let memory = (size > 0).then(|| {
            let mut from = if stand_in {
                format!(
                    "stand-in: no SRAT gives its size; {} for each memory domain",
                    fmt_size(STAND_IN_MEMORY)
                )
            } else {
                format!("SRAT memory {}", from.join(" + "))
            };
            let mut size = size;
            if size % 4096 != 0 {
                size -= size % 4096;
                from.push_str(", rounded down to whole 4 KiB pages");
            }
            Memory {
                size,
                from,
                spm: Vec::new(),
                caches: Vec::new(),
            }
        });
        placement.pieces.push(pieces);
        placement.linux.push(x.linux);
        d.nodes.push(Node {
            id: if dense { x.pxm } else { i as u32 },
            name: format!("pxm{}", x.pxm),
            about,
            id_from: if dense {
                "its PXM".to_string()
            } else {
                format!("PXM {}, counted from 0", x.pxm)
            },
            cpus: Vec::new(),
            cpus_from: String::new(),
            memory,
            initiator: None,
        });
    }

    cpus(&mut d, &doms, t, stand_in);
    devices(&mut d, &doms, t);
    if let Some(s) = slit {
        distances(&mut d, &doms, &view, s, out);
    }
    if let Some(hm) = hmat {
        hmat_values(&mut d, &view, &index_of_pxm, hm, out);
    }
    Some((d, placement))
}

/// What the tables' header says, for the list of sources.
pub(crate) fn header_words(h: &Header) -> String {
    format!(
        "rev {}, OEM {} {}",
        h.revision,
        Sig(&h.oem_id),
        Sig(&h.oem_table_id)
    )
}

/// vCPUs and `[machine.cpus]`.
fn cpus(d: &mut Desc, doms: &[Domain], t: &Srat, stand_in: bool) {
    // Every enabled CPU structure in table order: (index, apic, node).
    let mut all: Vec<(usize, u32, usize)> = doms
        .iter()
        .enumerate()
        .flat_map(|(n, x)| x.cpus.iter().map(move |&(i, a)| (i, a, n)))
        .collect();
    all.sort();
    if all.is_empty() {
        return;
    }
    let x86 = !t.entries.iter().any(|e| matches!(e, SratEntry::Gicc(_)));
    let cpu_nodes = doms.iter().filter(|x| !x.cpus.is_empty()).count();
    let apics: Vec<u32> = all.iter().map(|c| c.1).collect();
    let nodes: Vec<usize> = all.iter().map(|c| c.2).collect();
    let exact = if x86 && !stand_in {
        exact_shape(&apics, &nodes, cpu_nodes)
    } else {
        None
    };
    let order: Vec<(usize, u32, usize)> = match exact {
        Some(_) => all.clone(),
        None => {
            let mut v = all.clone();
            v.sort_by_key(|c| (c.2, c.0));
            v
        }
    };
    // Per node: its vCPUs, structure indexes and APIC ids.
    type Cpus = (Vec<u32>, Vec<u32>, Vec<u32>);
    let mut per_node: BTreeMap<usize, Cpus> = BTreeMap::new();
    for (vcpu, &(idx, apic, n)) in order.iter().enumerate() {
        let e = per_node.entry(n).or_default();
        e.0.push(vcpu as u32);
        e.1.push(idx as u32);
        e.2.push(apic);
    }
    let id = if x86 { "APIC ids" } else { "processor UIDs" };
    for (n, (vcpus, idxs, mut ids)) in per_node {
        ids.sort_unstable();
        ids.dedup();
        d.nodes[n].cpus = vcpus;
        d.nodes[n].cpus_from = if stand_in {
            "stand-in: no SRAT lists its CPUs; one vCPU for each initiator domain".to_string()
        } else {
            format!("SRAT #{}: {id} {}", fmt_cpulist(&idxs), fmt_hex_list(&ids))
        };
    }
    let n = all.len() as u32;
    d.shape = match exact {
        Some((s, di, c, th)) => Shape {
            sockets: s,
            dies: di,
            cores: c,
            threads: th,
            from: format!(
                "the {n} CPU structures' APIC ids, in table order, are QEMU's for this shape"
            ),
        },
        None => group_shape(d, stand_in),
    };
}

/// The shape of vCPUs numbered node by node: a socket per CPU node when
/// each has as many, else one socket.
pub(crate) fn group_shape(d: &Desc, stand_in: bool) -> Shape {
    let counts: Vec<usize> = d
        .nodes
        .iter()
        .map(|n| n.cpus.len())
        .filter(|&c| c > 0)
        .collect();
    let n = counts.iter().sum::<usize>() as u32;
    let what = if stand_in { "stand-in vCPUs" } else { "CPUs" };
    if counts.windows(2).all(|w| w[0] == w[1]) && !counts.is_empty() {
        Shape {
            sockets: counts.len() as u32,
            dies: 1,
            cores: counts[0] as u32,
            threads: 1,
            from: format!(
                "one socket per CPU node, {} {what} each; the host's own packaging is not imported",
                counts[0]
            ),
        }
    } else {
        Shape {
            sockets: 1,
            dies: 1,
            cores: n.max(1),
            threads: 1,
            from: format!(
                "{n} {what}; the nodes have different numbers of them, so one socket holds all"
            ),
        }
    }
}

/// The first sockets × dies × cores × threads whose QEMU APIC ids are
/// `apics` in order and that puts each die in one node: sockets = the CPU
/// nodes first, then fewer dies and threads before more.
pub(crate) fn exact_shape(
    apics: &[u32],
    nodes: &[usize],
    cpu_nodes: usize,
) -> Option<(u32, u32, u32, u32)> {
    let n = u32::try_from(apics.len()).ok()?;
    if n == 0 || n > 8192 {
        return None;
    }
    let divisors = |m: u32| (1..=m).filter(move |k| m % k == 0);
    let mut sockets: Vec<u32> = Vec::new();
    if let Ok(c) = u32::try_from(cpu_nodes) {
        if c > 0 && n % c == 0 {
            sockets.push(c);
        }
    }
    let first = sockets.clone();
    sockets.extend(divisors(n).filter(|s| !first.contains(s)));
    for s in sockets {
        for di in divisors(n / s) {
            for th in divisors(n / s / di) {
                let c = n / s / di / th;
                if fits(apics, nodes, di, c, th) {
                    return Some((s, di, c, th));
                }
            }
        }
    }
    None
}

fn fits(apics: &[u32], nodes: &[usize], dies: u32, cores: u32, threads: u32) -> bool {
    let per_die = cores * threads;
    let mut die_node: BTreeMap<u32, usize> = BTreeMap::new();
    for (i, (&a, &n)) in apics.iter().zip(nodes).enumerate() {
        let cpu = i as u32;
        if crate::layout::qemu::apic_id_in(dies, cores, threads, cpu) != a {
            return false;
        }
        if *die_node.entry(cpu / per_die).or_insert(n) != n {
            return false;
        }
    }
    true
}

/// `0x0-0x3,0x10`.
fn fmt_hex_list(ids: &[u32]) -> String {
    crate::units::ranges(ids)
        .iter()
        .map(|&(a, b)| {
            if a == b {
                format!("{a:#x}")
            } else {
                format!("{a:#x}-{b:#x}")
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// One device per Generic Initiator handle, PCI ones in address order.
fn devices(d: &mut Desc, doms: &[Domain], t: &Srat) {
    let mut by_handle: Vec<(DeviceHandle, Vec<usize>, Vec<usize>)> = Vec::new();
    for (n, x) in doms.iter().enumerate() {
        for &i in &x.gis {
            let Some(SratEntry::GenericInitiator(g)) = t.entries.get(i) else {
                continue;
            };
            match by_handle.iter_mut().find(|(h, _, _)| *h == g.handle) {
                Some((_, nodes, idx)) => {
                    if !nodes.contains(&n) {
                        nodes.push(n);
                    }
                    idx.push(i);
                }
                None => by_handle.push((g.handle.clone(), vec![n], vec![i])),
            }
        }
    }
    by_handle.sort_by_key(|(h, _, idx)| {
        (
            h.pci_addr().is_none(),
            h.pci_addr(),
            idx.iter().min().copied(),
        )
    });
    for (k, (handle, mut nodes, mut idx)) in by_handle.into_iter().enumerate() {
        nodes.sort_unstable();
        idx.sort_unstable();
        let pci = handle.pci_addr();
        let what = match (&handle, pci) {
            (_, Some(a)) => format!("PCI {a}"),
            (DeviceHandle::Acpi { hid, uid }, _) => format!("ACPI {} UID {uid}", Sig(hid)),
            (DeviceHandle::Raw { handle_type, bytes }, _) => format!(
                "handle type {handle_type}, bytes {}",
                bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
            ),
            (DeviceHandle::Pci { .. }, None) => String::new(),
        };
        let idx: Vec<u32> = idx.iter().map(|&i| i as u32).collect();
        d.devices.push(Device {
            name: format!("gpu{k}"),
            kind: DeviceKind::Gpu,
            kind_from: "the SRAT does not say what the device is".to_string(),
            pci,
            source: Source::StandIn,
            guest_slot: pci.and_then(guest_slot),
            numa_node: None,
            gi: nodes,
            about: format!("Generic Initiator {what} (SRAT #{})", fmt_cpulist(&idx)),
        });
    }
}

/// The root-bus slot a stand-in can keep: a PCI address on bus 0, function
/// 0, in the slots topoc gives devices (below the ICH9 at 0x1f, above the
/// host bridge and VGA at 0 and 1).
fn guest_slot(a: PciAddr) -> Option<u8> {
    (a.segment == 0 && a.bus == 0 && a.function == 0 && (2..0x1f).contains(&a.device))
        .then_some(a.device)
}

/// Every pair's distance as Linux reads the SLIT.
fn distances(
    d: &mut Desc,
    doms: &[Domain],
    view: &NumaView,
    s: &Named<Slit>,
    out: &mut Vec<Diagnostic>,
) {
    let slit = &s.table;
    d.sources.push(format!(
        "SLIT {}: {}, {} localities",
        s.name,
        header_words(&slit.header),
        slit.localities
    ));
    if !slit.trailing.is_empty() {
        d.notes.push(format!(
            "the SLIT's Length covers {} bytes after its {}x{} matrix; Linux reads only the matrix",
            slit.trailing.len(),
            slit.localities,
            slit.localities
        ));
    }
    if !slit_valid(slit) {
        out.push(
            warning(
                &codes::T164,
                format!(
                    "{}: the SLIT has a diagonal entry other than 10 or an off-diagonal one of 10 or less; Linux ignores it, so the import gives no distances (10 local, 20 remote)",
                    s.name
                ),
            ),
        );
        d.notes
            .push("the SLIT is one Linux ignores; no distances imported".to_string());
        return;
    }
    let unused: Vec<u32> = (0..slit.localities.min(u64::from(u32::MAX)) as u32)
        .filter(|p| !doms.iter().any(|x| x.pxm == *p))
        .collect();
    if !unused.is_empty() {
        out.push(warning(
            &codes::T163,
            format!(
                "{}: SLIT localities {} are no node's: no SRAT domain has them (Linux skips them too); left out",
                s.name,
                fmt_cpulist(&unused)
            ),
        ));
        d.notes.push(format!(
            "SLIT localities {} belong to no node and are left out",
            fmt_cpulist(&unused)
        ));
    }
    let beyond: Vec<u32> = doms
        .iter()
        .map(|x| x.pxm)
        .filter(|&p| u64::from(p) >= slit.localities)
        .collect();
    if !beyond.is_empty() {
        out.push(warning(
            &codes::T163,
            format!(
                "{}: the SLIT has {} localities, so PXM {} has no row; Linux gives it 10 local and 20 remote, and so does the import",
                s.name,
                slit.localities,
                fmt_cpulist(&beyond)
            ),
        ));
    }
    if doms.len() < 2 {
        d.notes.push(
            "one node: its SLIT says nothing, and topoc builds none for one node".to_string(),
        );
        return;
    }
    let n = doms.len();
    let mut matrix = vec![vec![10u8; n]; n];
    for (i, a) in doms.iter().enumerate() {
        for (j, b) in doms.iter().enumerate() {
            let (Some(la), Some(lb)) = (a.linux, b.linux) else {
                continue;
            };
            let v = numa::distance(Some(slit), view, la, lb);
            matrix[i][j] = u8::try_from(v).unwrap_or(255);
        }
    }
    d.distances = Some(Distances {
        matrix,
        from: format!("SLIT {}, {} localities", s.name, slit.localities),
        what: "SLIT".to_string(),
        labels: doms.iter().map(|x| format!("PXM {}", x.pxm)).collect(),
    });
}

/// Latency (ps) or bandwidth (B/s) of one entry, and how it was read.
fn entry_value(l: &Locality, e: u16, rev: u8) -> Result<(u64, String), String> {
    let unit = if h::is_latency(l.data_type) {
        "ps"
    } else {
        "MB/s"
    };
    let raw = format!("{e} x {} {unit}", l.base_unit);
    if e == 0xFFFF {
        return Err(format!("{raw}: unreachable"));
    }
    if rev == 2 {
        let Some(v) = u64::from(e).checked_mul(l.base_unit) else {
            return Err(format!("{raw} overflows"));
        };
        if h::is_latency(l.data_type) {
            if v % 1000 == 0 {
                return Ok((v, raw));
            }
            return match normalize(e, l.base_unit, l.data_type, rev) {
                Some(ns) => Ok((
                    u64::from(ns) * 1000,
                    format!("{raw}, read by Linux as {ns} ns (QEMU takes whole ns)"),
                )),
                None => Err(format!("{raw}: beyond what Linux reads")),
            };
        }
        return v
            .checked_mul(MIB)
            .map(|b| (b, format!("{raw} (the guest reads the same number)")))
            .ok_or_else(|| format!("{raw} overflows"));
    }
    match normalize(e, l.base_unit, l.data_type, rev) {
        Some(v) if h::is_latency(l.data_type) => Ok((
            u64::from(v) * 1000,
            format!("{raw}, revision 1: Linux reads {v} ns"),
        )),
        Some(v) => Ok((
            u64::from(v) * MIB,
            format!("{raw}, revision 1: Linux reads {v} MB/s"),
        )),
        None => Err(format!("{raw}: Linux reads no value")),
    }
}

fn hmat_values(
    d: &mut Desc,
    view: &NumaView,
    index_of_pxm: &BTreeMap<u32, usize>,
    hm: &Named<Hmat>,
    out: &mut Vec<Diagnostic>,
) {
    let t = &hm.table;
    d.sources.push(format!(
        "HMAT {}: {}, {} structures",
        hm.name,
        header_words(&t.header),
        t.structures.len()
    ));
    let cpu_linux: BTreeSet<u32> = d
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, n)| !n.cpus.is_empty())
        .filter_map(|(i, _)| {
            index_of_pxm
                .iter()
                .find(|&(_, &ix)| ix == i)
                .and_then(|(p, _)| view.node_of(*p))
        })
        .collect();
    let targets: BTreeSet<u32> = view.memory.iter().map(|m| m.node).collect();
    if let Err(e) = hmat_view(t, view, &|n| cpu_linux.contains(&n), &targets) {
        let why = match e {
            crate::linux::hmat::HmatRejected::Revision(r) => format!("revision {r}"),
            crate::linux::hmat::HmatRejected::MemoryDomainNotInSrat(p) => {
                format!("memory domain {p} has no SRAT memory")
            }
            crate::linux::hmat::HmatRejected::InvalidProcessorDomain(p) => {
                format!("initiator domain {p} is not in the SRAT")
            }
        };
        out.push(warning(
            &codes::T164,
            format!(
                "{}: Linux ignores this HMAT ({why}), so the import gives no HMAT values",
                hm.name
            ),
        ));
        d.notes
            .push(format!("the HMAT is one Linux ignores ({why})"));
        return;
    }
    let rev = t.header.revision;
    let node = |pxm: u32| index_of_pxm.get(&pxm).copied();
    let is_initiator = |d: &Desc, n: usize| {
        !d.nodes[n].cpus.is_empty() || d.devices.iter().any(|dev| dev.gi.contains(&n))
    };
    let mut unknown: BTreeSet<u32> = BTreeSet::new();
    let mut skipped: Vec<String> = Vec::new();
    // Attached initiators.
    for (k, s) in t.structures.iter().enumerate() {
        let HmatStructure::Mpda(p) = s else { continue };
        if rev != 2 || p.flags & h::Mpda::INITIATOR_VALID == 0 {
            continue;
        }
        let (Some(m), Some(i)) = (node(p.memory), node(p.initiator)) else {
            unknown.extend(
                [p.memory, p.initiator]
                    .iter()
                    .filter(|x| node(**x).is_none()),
            );
            continue;
        };
        if !d.nodes[m].has_memory() {
            continue;
        }
        if i == m && !d.nodes[m].cpus.is_empty() {
            continue; // topoc attaches a CPU node to its own memory.
        }
        if !is_initiator(d, i) {
            skipped.push(format!(
                "#{k}: attached initiator PXM {} has no CPU and no Generic Initiator",
                p.initiator
            ));
            continue;
        }
        d.nodes[m].initiator = Some((i, format!("HMAT #{k}, Memory Proximity Domain Attributes")));
    }
    // The locality structure Linux uses for each data type.
    let mut last: [Option<(usize, &Locality)>; 6] = [None; 6];
    for (k, s) in t.structures.iter().enumerate() {
        let HmatStructure::Locality(l) = s else {
            continue;
        };
        if l.hierarchy() != 0 {
            skipped.push(format!(
                "#{k}: {} of memory-side cache level {}",
                h::data_type_name(l.data_type),
                l.hierarchy()
            ));
            continue;
        }
        if let Some(slot) = last.get_mut(usize::from(l.data_type)) {
            *slot = Some((k, l));
        }
    }
    let mut pairs: BTreeMap<(usize, usize), HmatPair> = BTreeMap::new();
    for (dt, slot) in last.iter().enumerate() {
        let Some((k, l)) = slot else { continue };
        for (ii, &ipxm) in l.initiators.iter().enumerate() {
            for (ti, &tpxm) in l.targets.iter().enumerate() {
                let Some(e) = l.entry(ii, ti).filter(|&e| e != 0) else {
                    continue;
                };
                let (Some(i), Some(m)) = (node(ipxm), node(tpxm)) else {
                    unknown.extend([ipxm, tpxm].iter().filter(|x| node(**x).is_none()));
                    continue;
                };
                if !is_initiator(d, i) {
                    skipped.push(format!(
                        "#{k}: initiator PXM {ipxm} has no CPU and no Generic Initiator"
                    ));
                    continue;
                }
                if !d.nodes[m].has_memory() {
                    skipped.push(format!("#{k}: target PXM {tpxm} has no memory"));
                    continue;
                }
                match entry_value(l, e, rev) {
                    Ok((v, how)) => {
                        let p = pairs.entry((i, m)).or_insert_with(|| HmatPair {
                            initiator: i,
                            target: m,
                            values: Default::default(),
                        });
                        p.values[dt] = Some((
                            v,
                            format!("HMAT #{k} {}: {how}", h::data_type_name(l.data_type)),
                        ));
                    }
                    Err(why) => skipped.push(format!("#{k} PXM {ipxm} -> {tpxm}: {why}")),
                }
            }
        }
    }
    d.hmat = pairs.into_values().collect();
    // Memory-side caches.
    for (k, s) in t.structures.iter().enumerate() {
        let HmatStructure::Cache(c) = s else { continue };
        let Some(m) = node(c.memory) else {
            unknown.insert(c.memory);
            continue;
        };
        let a = c.decoded_attributes();
        let Some(mem) = d.nodes[m].memory.as_mut() else {
            skipped.push(format!(
                "#{k}: a cache of PXM {} , which has no memory",
                c.memory
            ));
            continue;
        };
        if !(1..=3).contains(&a.level) || a.line_size == 0 {
            skipped.push(format!(
                "#{k}: a cache of level {} with {}-byte lines",
                a.level, a.line_size
            ));
            continue;
        }
        mem.caches.push(Cache {
            level: a.level,
            size: c.size,
            associativity: match a.associativity {
                1 => Associativity::Direct,
                2 => Associativity::Complex,
                _ => Associativity::None,
            },
            policy: match a.write_policy {
                1 => WritePolicy::WriteBack,
                2 => WritePolicy::WriteThrough,
                _ => WritePolicy::None,
            },
            line: a.line_size,
            from: format!("HMAT #{k}, Memory Side Cache"),
        });
        mem.caches.sort_by_key(|c| c.level);
    }
    unknown.retain(|p| !index_of_pxm.contains_key(p));
    if !unknown.is_empty() {
        let list: Vec<u32> = unknown.into_iter().collect();
        out.push(warning(
            &codes::T163,
            format!(
                "{}: HMAT domains {} are no node's (no SRAT domain has them); their values are left out",
                hm.name,
                fmt_cpulist(&list)
            ),
        ));
    }
    if !skipped.is_empty() {
        out.push(warning(
            &codes::T165,
            format!(
                "{}: {} HMAT values the input language cannot carry, left out: {}",
                hm.name,
                skipped.len(),
                skipped
                    .iter()
                    .take(4)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ")
                    + if skipped.len() > 4 { "; ..." } else { "" }
            ),
        ));
        for s in skipped {
            d.notes.push(format!("HMAT {s}: left out"));
        }
    }
    let asks = !d.hmat.is_empty()
        || d.nodes.iter().any(|n| {
            n.initiator.is_some() || n.memory.as_ref().is_some_and(|m| !m.caches.is_empty())
        });
    if !asks {
        d.hmat_on = Some(format!(
            "HMAT {} has no value the file carries otherwise",
            hm.name
        ));
    }
}

/// Stand-in memory for each memory domain when there is no SRAT.
pub const STAND_IN_MEMORY: u64 = GIB;

/// Without an SRAT: an SRAT of stand-ins for the domains the SLIT and HMAT
/// name: a CPU for each initiator, memory for each target, both for a SLIT
/// locality the HMAT does not name.
fn stand_in_srat(
    slit: Option<&Named<Slit>>,
    hmat: Option<&Named<Hmat>>,
    d: &mut Desc,
    out: &mut Vec<Diagnostic>,
) -> Option<Named<Srat>> {
    let mut initiators: BTreeSet<u32> = BTreeSet::new();
    let mut targets: BTreeSet<u32> = BTreeSet::new();
    if let Some(hm) = hmat {
        for s in &hm.table.structures {
            match s {
                HmatStructure::Mpda(p) => {
                    targets.insert(p.memory);
                    if p.flags & h::Mpda::INITIATOR_VALID != 0 {
                        initiators.insert(p.initiator);
                    }
                }
                HmatStructure::Locality(l) => {
                    initiators.extend(l.initiators.iter().copied());
                    for (ti, &tp) in l.targets.iter().enumerate() {
                        if (0..l.initiators.len()).any(|ii| l.entry(ii, ti).unwrap_or(0) != 0) {
                            targets.insert(tp);
                        }
                    }
                }
                HmatStructure::Cache(c) => {
                    targets.insert(c.memory);
                }
                HmatStructure::Other { .. } => {}
            }
        }
    }
    if let Some(s) = slit {
        for p in 0..s.table.localities.min(1024) as u32 {
            if !initiators.contains(&p) && !targets.contains(&p) {
                initiators.insert(p);
                targets.insert(p);
            }
        }
    }
    if initiators.is_empty() && targets.is_empty() {
        return None;
    }
    let names: Vec<&str> = [slit.map(|s| s.name.as_str()), hmat.map(|h| h.name.as_str())]
        .into_iter()
        .flatten()
        .collect();
    out.push(
        warning(
            &codes::T166,
            format!(
                "no SRAT: {} name {} domains, but not their CPUs or memory; each initiator gets one stand-in vCPU and each memory target {} of stand-in memory",
                names.join(" and "),
                initiators.union(&targets).count(),
                fmt_size(STAND_IN_MEMORY)
            ),
        )
        .help("give the host's SRAT too (--srat, from /sys/firmware/acpi/tables/SRAT as root), or edit the CPUs and sizes"),
    );
    d.unseen
        .push("the SRAT: CPUs and memory sizes below are stand-ins".to_string());
    let mut srat = Srat::new(Header {
        signature: *b"SRAT",
        length: 0,
        revision: Srat::REVISION,
        checksum: 0,
        oem_id: *b"TOPOC ",
        oem_table_id: *b"STANDIN ",
        oem_revision: 1,
        creator_id: *b"TPOC",
        creator_revision: 1,
    });
    for (k, &p) in initiators.iter().enumerate() {
        srat.entries.push(SratEntry::LocalApic(LocalApicAffinity {
            pxm: p,
            apic_id: (k & 0xff) as u8,
            flags: crate::acpi::srat::ENABLED,
            ..LocalApicAffinity::default()
        }));
    }
    for (k, &p) in targets.iter().enumerate() {
        srat.entries.push(SratEntry::Memory(MemoryAffinity {
            pxm: p,
            base: 4 * GIB + k as u64 * STAND_IN_MEMORY,
            length: STAND_IN_MEMORY,
            flags: crate::acpi::srat::ENABLED,
            ..MemoryAffinity::default()
        }));
    }
    Some(Named {
        name: "(stand-in SRAT)".to_string(),
        table: srat,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apic_ids_find_qemus_shape() {
        // Two sockets of two cores: ids 0-3, one node per socket.
        assert_eq!(
            exact_shape(&[0, 1, 2, 3], &[0, 0, 1, 1], 2),
            Some((2, 1, 2, 1))
        );
        // Three cores per socket leave a gap in the ids (2 bits of cores).
        assert_eq!(
            exact_shape(&[0, 1, 2, 4, 5, 6], &[0, 0, 0, 1, 1, 1], 2),
            Some((2, 1, 3, 1))
        );
        // Nodes 0, 1, 0, 1 split every die of two cores: one core per die.
        assert_eq!(
            exact_shape(&[0, 1, 2, 3], &[0, 1, 0, 1], 2),
            Some((2, 2, 1, 1))
        );
        // Real firmware: ids that start at 16 are no QEMU shape.
        assert_eq!(exact_shape(&[16, 17, 18, 19], &[0, 0, 0, 0], 1), None);
        assert_eq!(exact_shape(&[], &[], 0), None);
    }

    #[test]
    fn placement_finds_the_node_and_offset() {
        let p = Placement {
            pieces: vec![
                vec![(0, 0xa0000, 0), (0x10_0000, 0x7ff0_0000, 0x10_0000)],
                vec![(0x1_0000_0000, 1 << 30, 0)],
            ],
            linux: vec![Some(0), Some(1)],
        };
        assert_eq!(p.locate(0x10_0000), Some((0, 0x10_0000)));
        assert_eq!(p.locate(0x1_0000_1000), Some((1, 0x1000)));
        assert_eq!(p.locate(0xb0000), None, "the hole is nobody's");
        assert_eq!(p.node_of_linux(1), Some(1));
    }
}
