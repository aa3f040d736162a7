//! The resolved topology as JSON: every input value after defaults, and every
//! derived one (addresses, distances, HMAT values), for other tools.
//!
//! This is a contract: field names only grow. Sizes are bytes, latencies
//! picoseconds, bandwidths bytes per second; addresses are hex strings.

use crate::model::derive::{HmatValue, Origin};
use crate::pipeline::Compiled;
use serde::Serialize;
use serde_json::{Value, json};

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
    Qemu(TargetJson<'a, crate::layout::qemu::QemuLayout>),
    Ch(TargetJson<'a, crate::layout::cloud_hypervisor::ChLayout>),
    /// `null`.
    None,
}

/// The target section: its settings, then its layout serialized directly
/// (cloud-hypervisor's holds every node's distances: as `Value`s, a tree
/// node per pair), then what else the target adds.
#[derive(Serialize)]
struct TargetJson<'a, L: Serialize> {
    #[serde(flatten)]
    settings: Value,
    layout: &'a L,
    #[serde(flatten)]
    rest: Value,
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
    data_type: crate::model::DataType,
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

pub fn render(c: &Compiled) -> String {
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
    let hmat = c.derived.hmat.as_ref().map(|h| HmatJson {
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
                data_type: tb.data_type,
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
                "kind": "qemu",
                "version": p.version.value,
                "machine": p.machine.value,
                "spm_dialect": p.spm.value,
                "firmware": p.firmware.value,
                "cpu_model": p.cpu_model.value,
                "vendor": p.vendor,
                "phys_bits": p.phys_bits,
            }),
            layout: l,
            rest: json!({ "guest_e820": g }),
        }),
        None => match c.ch() {
            Some((p, l)) => Target::Ch(TargetJson {
                settings: json!({
                    "kind": "cloud-hypervisor",
                    "boot": p.boot.value,
                    "fallback": p.fallback.value,
                }),
                layout: l,
                rest: json!({
                    "dropped": {
                        "devices": l.dropped_devices.iter().map(|&d| &t.devices[d].name.value).collect::<Vec<_>>(),
                        "nodes": l.dropped_nodes.iter().map(|&n| t.nodes[n].id.value).collect::<Vec<_>>(),
                        "hmat": c.derived.hmat.is_some(),
                        "spm_nodes": t.nodes.iter().filter(|n| n.memory.as_ref().is_some_and(|m| !m.spm.is_empty())).map(|n| n.id.value).collect::<Vec<_>>(),
                    },
                }),
            }),
            None => Target::None,
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
    let mut s = compact_scalar_arrays(&serde_json::to_string_pretty(&doc).unwrap_or_default());
    s.push('\n');
    s
}

/// Puts every array of scalars (numbers, strings, booleans, null) on one
/// line, `[10, 21, 31]`, and leaves everything else as serde_json's pretty
/// printer laid it out. Distance and HMAT matrices then read as matrices, one
/// row per line, and the file stays a fraction of the size for large
/// machines (a 1024-node SLIT is a million cells).
fn compact_scalar_arrays(pretty: &str) -> String {
    let b = pretty.as_bytes();
    let mut out = String::with_capacity(pretty.len());
    let mut i = 0;
    let mut copied = 0;
    let mut in_string = false;
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if c == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        if c == b'[' {
            if let Some((end, items)) = scalar_array(b, i) {
                out.push_str(&pretty[copied..i]);
                out.push('[');
                out.push_str(&items.join(", "));
                out.push(']');
                i = end + 1;
                copied = i;
                continue;
            }
        }
        i += 1;
    }
    out.push_str(&pretty[copied..]);
    out
}

/// If the array opening at `open` holds only scalars, its closing index and
/// its items (trimmed, as serde_json wrote them).
fn scalar_array(b: &[u8], open: usize) -> Option<(usize, Vec<&str>)> {
    let mut items = Vec::new();
    let mut start = open + 1;
    let mut i = open + 1;
    let mut in_string = false;
    while i < b.len() {
        let c = b[i];
        if in_string {
            match c {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match c {
                b'"' => in_string = true,
                b'[' | b'{' => return None,
                b',' | b']' => {
                    let item = std::str::from_utf8(&b[start..i]).ok()?.trim();
                    if !item.is_empty() {
                        items.push(item);
                    }
                    if c == b']' {
                        return Some((i, items));
                    }
                    start = i + 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::compact_scalar_arrays;

    #[test]
    fn scalar_arrays_go_on_one_line() {
        let v = serde_json::json!({"m": [[10, 21], [21, 10]], "s": ["a,]b", "c\\\"d"], "o": [{"x": [1]}], "e": []});
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        let compact = compact_scalar_arrays(&pretty);
        let back: serde_json::Value = serde_json::from_str(&compact).unwrap();
        assert_eq!(back, v, "the same JSON value");
        assert!(compact.contains("[10, 21]"), "{compact}");
        assert!(compact.contains(r#"["a,]b", "c\\\"d"]"#), "{compact}");
        assert!(compact.contains("\"x\": [1]"), "{compact}");
        assert!(compact.contains("\"e\": []"), "{compact}");
    }
}
