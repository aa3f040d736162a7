//! The resolved topology as JSON: every input value after defaults, and every
//! derived one (addresses, distances, HMAT values), for other tools.
//!
//! This is a contract: field names only grow. Sizes are bytes, latencies
//! picoseconds, bandwidths bytes per second; addresses are hex strings.

use crate::layout::Region;
use crate::layout::cloud_hypervisor::ChLayout;
use crate::layout::firmware::GuestE820;
use crate::layout::qemu::QemuLayout;
use crate::model::derive::{HmatValue, Origin};
use crate::pipeline::Compiled;
use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};
use serde_json::{Value, json};
use std::io;

fn origin(o: Origin) -> &'static str {
    match o {
        Origin::Local => "local",
        Origin::Explicit(_) => "explicit",
        Origin::Derived => "derived",
        Origin::Unreachable => "unreachable",
    }
}

/// A matrix, serialized row by row through `cell` without building values.
struct Rows<'a, T, F>(&'a [Vec<T>], F);

impl<T, V: Serialize, F: Fn(&T) -> V> Serialize for Rows<'_, T, F> {
    fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        struct Row<'r, T, F>(&'r [T], &'r F);
        impl<T, V: Serialize, F: Fn(&T) -> V> Serialize for Row<'_, T, F> {
            fn serialize<S: serde::Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
                let mut seq = ser.serialize_seq(Some(self.0.len()))?;
                for cell in self.0 {
                    seq.serialize_element(&(self.1)(cell))?;
                }
                seq.end()
            }
        }
        let mut seq = ser.serialize_seq(Some(self.0.len()))?;
        for row in self.0 {
            seq.serialize_element(&Row(row, &self.1))?;
        }
        seq.end()
    }
}

/// The document; field order is the output's key order.
#[derive(Serialize)]
struct Doc<S: Serialize, H: Serialize, T: Serialize> {
    topoc: &'static str,
    machine: Value,
    nodes: Vec<Value>,
    devices: Vec<Value>,
    links: Vec<Value>,
    slit: Option<S>,
    hmat: Option<H>,
    target: T,
}

#[derive(Serialize)]
#[serde(untagged)]
enum Target<'a> {
    Qemu(TargetJson<QemuLayoutJson<'a>>),
    Virt(TargetJson<VirtLayoutJson>),
    Ch(TargetJson<ChLayoutJson<'a>>),
    /// `null`.
    None,
}

/// The target section: its settings, then its layout, then what else the
/// target adds.
#[derive(Serialize)]
struct TargetJson<L: Serialize> {
    #[serde(flatten)]
    settings: Value,
    layout: L,
    #[serde(flatten)]
    rest: Value,
}

/// `[start, start + size)`, as every address range in the document.
struct RegionJson(Region);

impl Serialize for RegionJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let r = self.0;
        let mut st = s.serialize_struct("Region", 3)?;
        st.serialize_field("start", &format!("{:#x}", r.start))?;
        st.serialize_field(
            "end_inclusive",
            &format!("{:#x}", r.end().saturating_sub(1)),
        )?;
        st.serialize_field("size", &r.size)?;
        st.end()
    }
}

fn regions(rs: &[Region]) -> Vec<RegionJson> {
    rs.iter().copied().map(RegionJson).collect()
}

/// Addresses are hex strings.
fn hex<S: serde::Serializer>(v: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{v:#x}"))
}

/// The qemu target's layout: `layout::qemu::QemuLayout` in the contract's names.
#[derive(Serialize)]
struct QemuLayoutJson<'a> {
    ram_size: u64,
    below_4g: u64,
    above_4g: u64,
    above_4g_start: u64,
    relocated_above_1tb: bool,
    max_used_gpa: u64,
    nodes: Vec<NodeRamJson>,
    slots: u32,
    maxmem: u64,
    device_memory: Option<RegionJson>,
    sp_mem: Vec<NodeRegionJson>,
    spm: Vec<NodeRegionJson>,
    pci: Vec<PciJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    host_bridges: Vec<BridgeJson>,
    kernel_args: &'a [String],
}

#[derive(Serialize)]
struct NodeRamJson {
    node_id: u32,
    offset: u64,
    size: u64,
    ranges: Vec<RegionJson>,
}

#[derive(Serialize)]
struct NodeRegionJson {
    node_id: u32,
    region: RegionJson,
}

/// The aarch64 `virt` machine's layout: `layout::virt::VirtLayout` in the
/// contract's names.
#[derive(Serialize)]
struct VirtLayoutJson {
    ram_size: u64,
    nodes: Vec<NodeRamJson>,
    slots: u32,
    maxmem: u64,
    device_memory: Option<RegionJson>,
    #[serde(serialize_with = "hex")]
    memtop: u64,
    high_regions: Vec<HighRegionJson>,
    pci: Vec<PciJson>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    host_bridges: Vec<BridgeJson>,
}

#[derive(Serialize)]
struct HighRegionJson {
    name: &'static str,
    region: RegionJson,
    enabled: bool,
}

impl VirtLayoutJson {
    fn new(l: &crate::layout::virt::VirtLayout) -> Self {
        VirtLayoutJson {
            ram_size: l.ram_size,
            nodes: nodes_json(&l.nodes),
            slots: l.slots,
            maxmem: l.maxmem,
            device_memory: l.device_memory.map(RegionJson),
            memtop: l.memtop,
            high_regions: l
                .high
                .iter()
                .map(|h| HighRegionJson {
                    name: h.name,
                    region: RegionJson(h.region),
                    enabled: h.enabled,
                })
                .collect(),
            pci: pci_json(&l.pci, &l.bridges),
            host_bridges: bridges_json(&l.bridges),
        }
    }
}

#[derive(Serialize)]
struct PciJson {
    bus: u8,
    slot: u8,
    function: u8,
    /// The node id of the host bridge the device sits behind.
    #[serde(skip_serializing_if = "Option::is_none")]
    bridge_node_id: Option<u32>,
}

fn nodes_json(nodes: &[crate::layout::qemu::NodeRam]) -> Vec<NodeRamJson> {
    nodes
        .iter()
        .map(|n| NodeRamJson {
            node_id: n.node_id,
            offset: n.offset,
            size: n.size,
            ranges: regions(&n.ranges),
        })
        .collect()
}

fn bridges_json(bridges: &[crate::layout::qemu::HostBridge]) -> Vec<BridgeJson> {
    bridges
        .iter()
        .map(|b| BridgeJson {
            node_id: b.node_id,
            bus_nr: b.bus_nr,
            slot: b.slot,
        })
        .collect()
}

fn pci_json(
    pci: &[crate::layout::qemu::PciPlacement],
    bridges: &[crate::layout::qemu::HostBridge],
) -> Vec<PciJson> {
    pci.iter()
        .map(|p| PciJson {
            bus: p.bus,
            slot: p.slot,
            function: p.function,
            bridge_node_id: p.bridge.map(|b| bridges[b].node_id),
        })
        .collect()
}

#[derive(Serialize)]
struct BridgeJson {
    node_id: u32,
    bus_nr: u32,
    slot: u8,
}

impl<'a> QemuLayoutJson<'a> {
    fn new(l: &'a QemuLayout) -> Self {
        QemuLayoutJson {
            ram_size: l.ram_size,
            below_4g: l.below_4g,
            above_4g: l.above_4g,
            above_4g_start: l.above_4g_start,
            relocated_above_1tb: l.relocated_above_1tb,
            max_used_gpa: l.max_used_gpa,
            nodes: nodes_json(&l.nodes),
            slots: l.slots,
            maxmem: l.maxmem,
            device_memory: l.device_memory.map(RegionJson),
            sp_mem: l
                .sp_mem
                .iter()
                .map(|s| NodeRegionJson {
                    node_id: s.node_id,
                    region: RegionJson(s.region),
                })
                .collect(),
            spm: l
                .spm
                .iter()
                .map(|s| NodeRegionJson {
                    node_id: s.node_id,
                    region: RegionJson(s.region),
                })
                .collect(),
            pci: pci_json(&l.pci, &l.bridges),
            host_bridges: bridges_json(&l.bridges),
            kernel_args: &l.kernel_args,
        }
    }
}

/// The guest's E820 prediction: what is not listed entry by entry.
#[derive(Serialize)]
struct GuestE820Json<'a> {
    firmware: crate::kinds::Firmware,
    windows: Vec<WindowJson<'a>>,
    assumptions: &'a [String],
}

#[derive(Serialize)]
struct WindowJson<'a> {
    region: RegionJson,
    reason: &'a str,
}

impl<'a> GuestE820Json<'a> {
    fn new(g: &'a GuestE820) -> Self {
        GuestE820Json {
            firmware: g.firmware,
            windows: g
                .windows
                .iter()
                .map(|w| WindowJson {
                    region: RegionJson(w.region),
                    reason: &w.reason,
                })
                .collect(),
            assumptions: &g.assumptions,
        }
    }
}

/// The cloud-hypervisor target's layout in the contract's names. A node's
/// distances are borrowed, not copied: a 1024-node machine has a million.
#[derive(Serialize)]
struct ChLayoutJson<'a> {
    topology: [u64; 4],
    boot_vcpus: u64,
    max_vcpus: u64,
    nodes: Vec<ChNodeJson<'a>>,
    zones: Vec<ZoneJson<'a>>,
    devices: Vec<ChDeviceJson<'a>>,
    #[serde(serialize_with = "hex")]
    ram_end: u64,
    #[serde(serialize_with = "hex")]
    start_of_device_area: u64,
    #[serde(serialize_with = "hex")]
    end_of_device_area: u64,
    pvh_error: Option<&'a str>,
    assumptions: &'a [String],
}

#[derive(Serialize)]
struct ChNodeJson<'a> {
    guest_numa_id: u32,
    cpus: &'a [u32],
    memory_zone: Option<&'a str>,
    device_id: Option<&'a str>,
    distances: &'a [(u32, u8)],
}

#[derive(Serialize)]
struct ZoneJson<'a> {
    node_id: u32,
    id: &'a str,
    size: u64,
    align: u64,
    align_known: bool,
    regions: Vec<RegionJson>,
}

#[derive(Serialize)]
struct ChDeviceJson<'a> {
    id: &'a str,
    host: &'a str,
    slot: Option<u8>,
}

impl<'a> ChLayoutJson<'a> {
    fn new(l: &'a ChLayout) -> Self {
        ChLayoutJson {
            topology: l.topology,
            boot_vcpus: l.boot_vcpus,
            max_vcpus: l.max_vcpus,
            nodes: l
                .nodes
                .iter()
                .map(|n| ChNodeJson {
                    guest_numa_id: n.guest_numa_id,
                    cpus: &n.cpus,
                    memory_zone: n.memory_zone.as_deref(),
                    device_id: n.device_id.as_deref(),
                    distances: &n.distances,
                })
                .collect(),
            zones: l
                .zones
                .iter()
                .map(|z| ZoneJson {
                    node_id: z.node_id,
                    id: &z.id,
                    size: z.size,
                    align: z.align,
                    align_known: z.align_known,
                    regions: regions(&z.regions),
                })
                .collect(),
            devices: l
                .devices
                .iter()
                .map(|d| ChDeviceJson {
                    id: &d.id,
                    host: &d.host,
                    slot: d.slot,
                })
                .collect(),
            ram_end: l.ram_end,
            start_of_device_area: l.start_of_device_area,
            end_of_device_area: l.end_of_device_area,
            pvh_error: l.pvh_error.as_deref(),
            assumptions: &l.assumptions,
        }
    }
}

#[derive(Serialize)]
struct SlitJson<M: Serialize, O: Serialize> {
    localities: Vec<u32>,
    matrix: M,
    origin: O,
    reference_latency_ps: u64,
}

#[derive(Serialize)]
struct HmatJson<T: Serialize> {
    initiators: Vec<u32>,
    targets: Vec<u32>,
    attached_initiators: Vec<Option<u32>>,
    tables: Vec<T>,
}

#[derive(Serialize)]
struct HmatTableJson<V: Serialize, O: Serialize> {
    data_type: &'static str,
    unit: &'static str,
    values: V,
    origin: O,
}

#[derive(Serialize)]
struct Cpu {
    index: u32,
    apic_id: u32,
    socket: u32,
    die: u32,
    core: u32,
    thread: u32,
}

/// Writes the resolved topology as it serializes: a 1024-node file is 50 MB,
/// and `build` need not hold it.
pub fn write(c: &Compiled, w: &mut dyn io::Write) -> io::Result<()> {
    let t = &c.topo;
    let topo = &t.machine.topology;
    let nodes: Vec<Value> = t
        .nodes
        .iter()
        .enumerate()
        .map(|(ix, n)| {
            let cpus: Vec<Cpu> = n
                .cpus
                .iter()
                .map(|&cpu| {
                    let (socket, die, core, thread) = topo.coords(cpu);
                    Cpu {
                        index: cpu,
                        apic_id: crate::layout::qemu::apic_id(t, cpu),
                        socket,
                        die,
                        core,
                        thread,
                    }
                })
                .collect();
            let memory = n.memory.as_ref().map(|m| {
                json!({
                    "size": m.size.value,
                    "kind": m.kind,
                    "latency_ps": m.latency.as_ref().map(|v| v.value),
                    "bandwidth_bps": m.bandwidth.as_ref().map(|v| v.value),
                    "spm": m.spm.iter().map(|r| json!({"offset": r.offset.value, "size": r.size.value})).collect::<Vec<_>>(),
                    "backend": {
                        "shared": m.backend.shared,
                        "hugepages": m.backend.hugepages.map(|h| h.map_or(json!(true), |n| json!(n))),
                        "path": m.backend.path,
                        "host_nodes": m.backend.host_nodes,
                        "policy": m.backend.policy,
                        "prealloc": m.backend.prealloc,
                        "reserve": m.backend.reserve,
                    },
                    "caches": m.caches.iter().map(|k| json!({
                        "level": k.level.value, "size": k.size.value, "associativity": k.associativity,
                        "policy": k.policy, "line": k.line,
                    })).collect::<Vec<_>>(),
                })
            });
            json!({
                "id": n.id.value,
                "name": n.name.as_ref().map(|x| x.value.clone()),
                "cpus": cpus,
                "memory": memory,
                "generic_initiator_devices": n.gi_devices.iter().map(|&d| t.devices[d].name.value.clone()).collect::<Vec<_>>(),
                "attached_initiator": n.initiator.as_ref().map(|i| t.nodes[i.value].id.value),
                "index": ix,
            })
        })
        .collect();
    let devices: Vec<Value> = t
        .devices
        .iter()
        .map(|d| {
            let source = match &d.source.value {
                crate::model::DeviceSource::Host(h) => json!({"host": h.to_string()}),
                crate::model::DeviceSource::Emulated(e) => json!({"emulate": e}),
            };
            json!({
                "name": d.name.value,
                "kind": d.kind,
                "source": source,
                "initiator_nodes": d.gi_nodes.iter().map(|n| t.nodes[n.value].id.value).collect::<Vec<_>>(),
            })
        })
        .collect();
    let links: Vec<Value> = t
        .links
        .iter()
        .map(|l| {
            json!({
                "kind": l.kind.value,
                "from": t.endpoint_label(l.from.value),
                "to": t.endpoint_label(l.to.value),
                "latency_ps": l.forward.latency.value,
                "bandwidth_bps": l.forward.bandwidth.as_ref().map(|b| b.value),
                "reverse_latency_ps": l.reverse.latency.value,
                "reverse_bandwidth_bps": l.reverse.bandwidth.as_ref().map(|b| b.value),
            })
        })
        .collect();
    // The matrices serialize straight from the derived values: as
    // `serde_json::Value`s they took a tree node and a string per cell,
    // 1 GiB for 1024 nodes. The bytes are the same.
    let slit = c.derived.slit.as_ref().map(|s| SlitJson {
        localities: t.nodes.iter().map(|n| n.id.value).collect(),
        matrix: Rows(&s.matrix, |v: &u8| *v),
        origin: Rows(&s.origin, |o: &Origin| origin(*o)),
        reference_latency_ps: c.derived.reference_latency,
    });
    // The HMAT the guest gets (on libvirt, after libvirt's choices).
    let hmat = c.hmat().map(|h| HmatJson {
        initiators: h.initiators.iter().map(|&i| t.nodes[i].id.value).collect(),
        targets: h.targets.iter().map(|&i| t.nodes[i].id.value).collect(),
        attached_initiators: h
            .attached
            .iter()
            .map(|a| a.map(|i| t.nodes[i].id.value))
            .collect(),
        tables: h
            .tables
            .iter()
            .map(|tb| HmatTableJson {
                data_type: tb.data_type.qemu_name(),
                unit: if tb.data_type.is_latency() {
                    "ps"
                } else {
                    "bytes/s"
                },
                values: Rows(&tb.values, |v: &Option<HmatValue>| v.map(|x| x.value)),
                origin: Rows(&tb.values, |v: &Option<HmatValue>| {
                    v.map(|x| origin(x.origin))
                }),
            })
            .collect(),
    });
    let target = match c.qemu() {
        Some((p, l, g)) => Target::Qemu(TargetJson {
            settings: json!({
                "kind": if c.libvirt().is_some() { "libvirt" } else { "qemu" },
                "version": p.version.value,
                "machine": p.machine.value,
                "spm_dialect": p.spm.value,
                "firmware": p.firmware.value,
                "cpu_model": p.cpu_model.value,
                "vendor": p.vendor,
                "phys_bits": p.phys_bits,
            }),
            layout: QemuLayoutJson::new(l),
            rest: match c.libvirt() {
                Some((lp, _)) => json!({
                    "guest_e820": GuestE820Json::new(g),
                    "libvirt": {
                        "version": lp.version.value,
                        "domain_type": lp.domain_type.value,
                        "fallback": lp.fallback.value,
                    },
                }),
                None => json!({ "guest_e820": GuestE820Json::new(g) }),
            },
        }),
        None => match (c.virt(), c.ch()) {
            (Some((p, l)), _) => Target::Virt(TargetJson {
                settings: json!({
                    "kind": "qemu",
                    "version": p.version.value,
                    "machine": p.machine.value,
                    "gic_version": p.gic_version.value,
                    "firmware": p.firmware.value,
                    "cpu_model": p.cpu_model.value,
                    "phys_bits": p.phys_bits,
                }),
                layout: VirtLayoutJson::new(l),
                rest: json!({}),
            }),
            (None, Some((p, l))) => Target::Ch(TargetJson {
                settings: json!({
                    "kind": "cloud-hypervisor",
                    "version": p.version.value,
                    "boot": p.boot.value,
                    "fallback": p.fallback.value,
                }),
                layout: ChLayoutJson::new(l),
                rest: json!({
                    "dropped": {
                        "devices": l.dropped_devices.iter().map(|&d| &t.devices[d].name.value).collect::<Vec<_>>(),
                        "nodes": l.dropped_nodes.iter().map(|&n| t.nodes[n].id.value).collect::<Vec<_>>(),
                        "hmat": c.derived.hmat.is_some(),
                        "spm_nodes": t.nodes.iter().filter(|n| n.memory.as_ref().is_some_and(|m| !m.spm.is_empty())).map(|n| n.id.value).collect::<Vec<_>>(),
                    },
                }),
            }),
            (None, None) => Target::None,
        },
    };
    let doc = Doc {
        topoc: env!("CARGO_PKG_VERSION"),
        machine: json!({
            "name": t.machine.name.value,
            "description": t.machine.description,
            "arch": t.machine.arch.value,
            "cpus": {
                "sockets": topo.sockets.value, "dies": topo.dies.value, "cores": topo.cores.value,
                "threads": topo.threads.value, "max": topo.max_cpus(), "boot": t.machine.boot_cpus.value,
            },
            "memory": t.total_memory(),
        }),
        nodes,
        devices,
        links,
        slit,
        hmat,
        target,
    };
    write_json(&doc, w)
}

/// Pretty JSON with two-space indents, except that an array whose first item
/// is a scalar (number, string, boolean, null) goes on one line: `[10, 21]`.
/// Distance and HMAT matrices then read as matrices, one row per line, and a
/// 1024-node file is half the size. Ends with a newline.
fn write_json<T: Serialize>(value: &T, w: &mut dyn io::Write) -> io::Result<()> {
    let mut chunks = Chunks {
        buf: Vec::with_capacity(Chunks::SIZE),
        out: w,
    };
    let mut ser = serde_json::Serializer::with_formatter(&mut chunks, RowFormatter::default());
    value.serialize(&mut ser).map_err(io::Error::other)?;
    chunks.buf.push(b'\n');
    chunks.out.write_all(&chunks.buf)
}

/// Collects the serializer's many small writes in memory and hands them on
/// in 64 KiB pieces: through `dyn Write` each write was a call that could
/// not be inlined, a sixth of a 1024-node `build`.
struct Chunks<'a> {
    buf: Vec<u8>,
    out: &'a mut dyn io::Write,
}

impl Chunks<'_> {
    const SIZE: usize = 1 << 16;
}

impl io::Write for Chunks<'_> {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(bytes);
        if self.buf.len() >= Self::SIZE {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()
    }
}

/// How an open array is being laid out.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ArrayLayout {
    /// Nothing written yet: the first item decides.
    Undecided,
    /// First item a scalar: `[a, b, c]`.
    Inline,
    /// First item an array or object: one item per line.
    Block,
}

/// serde_json's pretty layout with [`ArrayLayout::Inline`] arrays. An item's
/// separator is held back until its first byte shows whether it is a scalar.
#[derive(Default)]
struct RowFormatter {
    level: usize,
    arrays: Vec<ArrayLayout>,
    /// `Some(first)` between `begin_array_value` and the item's first write.
    pending: Option<bool>,
    /// Whether the innermost open object has a member yet.
    has_value: bool,
}

impl RowFormatter {
    fn indent<W: ?Sized + io::Write>(&self, w: &mut W) -> io::Result<()> {
        for _ in 0..self.level {
            w.write_all(b"  ")?;
        }
        Ok(())
    }

    /// Writes the separator held back for the array item that starts now.
    fn item<W: ?Sized + io::Write>(&mut self, w: &mut W, scalar: bool) -> io::Result<()> {
        let Some(first) = self.pending.take() else {
            return Ok(());
        };
        let Some(layout) = self.arrays.last_mut() else {
            return Ok(());
        };
        if *layout == ArrayLayout::Undecided {
            *layout = if scalar {
                ArrayLayout::Inline
            } else {
                ArrayLayout::Block
            };
        }
        match (*layout, first) {
            (ArrayLayout::Inline, true) => Ok(()),
            (ArrayLayout::Inline, false) => w.write_all(b", "),
            (_, true) => {
                w.write_all(b"\n")?;
                self.indent(w)
            }
            (_, false) => {
                w.write_all(b",\n")?;
                self.indent(w)
            }
        }
    }
}

/// Scalar writers: each first writes the held-back separator.
macro_rules! scalar_writers {
    ($($name:ident($ty:ty)),* $(,)?) => {$(
        fn $name<W: ?Sized + io::Write>(&mut self, w: &mut W, v: $ty) -> io::Result<()> {
            self.item(w, true)?;
            CompactFormatter.$name(w, v)
        }
    )*};
}

impl Formatter for RowFormatter {
    scalar_writers!(
        write_bool(bool),
        write_i8(i8),
        write_i16(i16),
        write_i32(i32),
        write_i64(i64),
        write_i128(i128),
        write_u8(u8),
        write_u16(u16),
        write_u32(u32),
        write_u64(u64),
        write_u128(u128),
        write_f32(f32),
        write_f64(f64),
        write_number_str(&str),
    );

    fn write_null<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.item(w, true)?;
        w.write_all(b"null")
    }

    fn begin_string<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.item(w, true)?;
        w.write_all(b"\"")
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.item(w, false)?;
        self.level += 1;
        self.arrays.push(ArrayLayout::Undecided);
        w.write_all(b"[")
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level -= 1;
        if self.arrays.pop() == Some(ArrayLayout::Block) {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(b"]")
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        _w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.pending = Some(first);
        Ok(())
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        Ok(())
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.item(w, false)?;
        self.level += 1;
        self.has_value = false;
        w.write_all(b"{")
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.level -= 1;
        if self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(b"}")
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        w.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(w)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::write_json;

    fn to_json(v: &serde_json::Value) -> String {
        let mut out = Vec::new();
        write_json(v, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn scalar_arrays_go_on_one_line() {
        let v = serde_json::json!({"m": [[10, 21], [21, 10]], "s": ["a,]b", "c\\\"d"], "o": [{"x": [1]}], "e": [], "n": {}, "z": [null, true]});
        let compact = to_json(&v);
        let back: serde_json::Value = serde_json::from_str(&compact).unwrap();
        assert_eq!(back, v, "the same JSON value");
        assert!(compact.contains("[10, 21]"), "{compact}");
        assert!(compact.contains(r#"["a,]b", "c\\\"d"]"#), "{compact}");
        assert!(compact.contains("\"x\": [1]"), "{compact}");
        assert!(compact.contains("\"e\": []"), "{compact}");
        let small = serde_json::json!({"a": [[1, 2], []], "b": {"c": [{}, {"d": null}]}, "e": {}});
        assert_eq!(
            to_json(&small),
            "{\n  \"a\": [\n    [1, 2],\n    []\n  ],\n  \"b\": {\n    \"c\": [\n      {},\n      {\n        \"d\": null\n      }\n    ]\n  },\n  \"e\": {}\n}\n"
        );
    }
}
