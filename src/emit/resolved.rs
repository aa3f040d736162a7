//! The resolved topology as JSON: every input value after defaults, and every
//! derived one (addresses, distances, HMAT values), for other tools.
//!
//! This is a contract: field names only grow. Sizes are bytes, latencies
//! picoseconds, bandwidths bytes per second; addresses are hex strings.

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
