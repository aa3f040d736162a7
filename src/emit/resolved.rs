//! The resolved topology as JSON: every input value after defaults, and every
//! derived one (addresses, distances, HMAT values), for other tools.
//!
//! This is a contract: field names only grow. Sizes are bytes, latencies
//! picoseconds, bandwidths bytes per second; addresses are hex strings.

use crate::model::derive::Origin;
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
    let slit = c.derived.slit.as_ref().map(|s| {
        json!({
            "localities": t.nodes.iter().map(|n| n.id.value).collect::<Vec<_>>(),
            "matrix": s.matrix,
            "origin": s.origin.iter().map(|r| r.iter().map(|o| origin(*o)).collect::<Vec<_>>()).collect::<Vec<_>>(),
            "reference_latency_ps": c.derived.reference_latency,
        })
    });
    let hmat = c.derived.hmat.as_ref().map(|h| {
        json!({
            "initiators": h.initiators.iter().map(|&i| t.nodes[i].id.value).collect::<Vec<_>>(),
            "targets": h.targets.iter().map(|&i| t.nodes[i].id.value).collect::<Vec<_>>(),
            "attached_initiators": h.attached.iter().map(|a| a.map(|i| t.nodes[i].id.value)).collect::<Vec<_>>(),
            "tables": h.tables.iter().map(|tb| json!({
                "data_type": tb.data_type,
                "unit": if tb.data_type.is_latency() { "ps" } else { "bytes/s" },
                "values": tb.values.iter().map(|r| r.iter().map(|v| v.map(|x| x.value)).collect::<Vec<_>>()).collect::<Vec<_>>(),
                "origin": tb.values.iter().map(|r| r.iter().map(|v| v.map(|x| origin(x.origin))).collect::<Vec<_>>()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    });
    let target = match c.qemu() {
        Some((p, l, g)) => json!({
            "kind": "qemu",
            "version": p.version.value,
            "machine": p.machine.value,
            "spm_dialect": p.spm.value,
            "firmware": p.firmware.value,
            "cpu_model": p.cpu_model.value,
            "vendor": p.vendor,
            "phys_bits": p.phys_bits,
            "layout": l,
            "guest_e820": g,
        }),
        None => match c.ch() {
            Some((p, l)) => json!({
                "kind": "cloud-hypervisor",
                "boot": p.boot.value,
                "fallback": p.fallback.value,
                "layout": l,
                "dropped": {
                    "devices": l.dropped_devices.iter().map(|&d| &t.devices[d].name.value).collect::<Vec<_>>(),
                    "nodes": l.dropped_nodes.iter().map(|&n| t.nodes[n].id.value).collect::<Vec<_>>(),
                    "hmat": c.derived.hmat.is_some(),
                    "spm_nodes": t.nodes.iter().filter(|n| n.memory.as_ref().is_some_and(|m| !m.spm.is_empty())).map(|n| n.id.value).collect::<Vec<_>>(),
                },
            }),
            None => Value::Null,
        },
    };
    let doc = json!({
        "topoc": env!("CARGO_PKG_VERSION"),
        "machine": {
            "name": t.machine.name.value,
            "description": t.machine.description,
            "arch": t.machine.arch.value,
            "cpus": {
                "sockets": topo.sockets.value, "dies": topo.dies.value, "cores": topo.cores.value,
                "threads": topo.threads.value, "max": topo.max_cpus(), "boot": t.machine.boot_cpus.value,
            },
            "memory": t.total_memory(),
        },
        "nodes": nodes,
        "devices": devices,
        "links": links,
        "slit": slit,
        "hmat": hmat,
        "target": target,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}
