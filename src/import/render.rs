//! A [`Desc`] as TOML text in the input language (its keys as
//! `crate::parse::spec` declares them), with a comment on every value saying
//! where it came from. Written by hand, not through serde: the text is for
//! people to read and edit, and the IR is no contract.
//!
//! Layout: a header (what was read, what was not seen, what the import did),
//! `[machine]` and `[machine.cpus]`, the nodes in id order with their
//! memory, Specific Purpose parts and caches, the devices, `[distances]`
//! with every pair, and one `[[hmat]]` per initiator and target.

use super::desc::{Desc, HMAT_KEYS, Source};
use crate::units::{fmt_bandwidth, fmt_cpulist, fmt_latency, fmt_size};
use std::fmt::Write as _;

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Text safe for a comment: one line, no control characters.
fn comment(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `key = value  # from`, or without the comment when `from` is empty.
fn line(out: &mut String, key: &str, value: &str, from: &str) {
    if from.is_empty() {
        let _ = writeln!(out, "{key} = {value}");
    } else {
        let _ = writeln!(out, "{key} = {value}  # {}", comment(from));
    }
}

fn list_block(out: &mut String, title: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "# {title}");
    for i in items {
        let _ = writeln!(out, "#   - {}", comment(i));
    }
}

pub fn toml(d: &Desc) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Imported by `topoc import`: {}.",
        comment(&d.description)
    );
    list_block(&mut s, "Read:", &d.sources);
    list_block(&mut s, "Not seen:", &d.unseen);
    list_block(&mut s, "Notes:", &d.notes);
    s.push_str(
        "# The comment after a value says where it came from. Edit freely, then\n\
         # `topoc check` this file.\n",
    );
    s.push_str("topoc = 1\n\n[machine]\n");
    line(&mut s, "name", &quote(&d.name), "");
    line(&mut s, "description", &quote(&d.description), "");
    if let Some(from) = &d.aarch64 {
        line(&mut s, "arch", "\"aarch64\"", from);
    }
    if let Some(from) = &d.hmat_on {
        line(&mut s, "hmat", "true", from);
    }
    s.push_str("\n[machine.cpus]\n");
    let sh = &d.shape;
    line(&mut s, "sockets", &sh.sockets.to_string(), &sh.from);
    if sh.dies > 1 {
        line(&mut s, "dies", &sh.dies.to_string(), "");
    }
    line(&mut s, "cores", &sh.cores.to_string(), "");
    if sh.threads > 1 {
        line(&mut s, "threads", &sh.threads.to_string(), "");
    }
    for n in &d.nodes {
        s.push_str("\n[[node]]\n");
        if !n.about.is_empty() {
            let _ = writeln!(s, "# {}", comment(&n.about));
        }
        line(&mut s, "id", &n.id.to_string(), &n.id_from);
        line(&mut s, "name", &quote(&n.name), "");
        if !n.cpus.is_empty() {
            line(&mut s, "cpus", &quote(&fmt_cpulist(&n.cpus)), &n.cpus_from);
        }
        if let Some((i, from)) = &n.initiator {
            if let Some(target) = d.nodes.get(*i) {
                line(&mut s, "initiator", &quote(&target.name), from);
            }
        }
        let Some(m) = &n.memory else { continue };
        s.push_str("\n[node.memory]\n");
        line(&mut s, "size", &quote(&fmt_size(m.size)), &m.from);
        let whole = matches!(m.spm.as_slice(), [p] if p.offset == 0 && p.size == m.size);
        if whole {
            line(&mut s, "spm", "true", &m.spm[0].from);
        } else {
            for p in &m.spm {
                s.push_str("\n[[node.memory.spm]]\n");
                line(&mut s, "offset", &quote(&fmt_size(p.offset)), "");
                line(&mut s, "size", &quote(&fmt_size(p.size)), &p.from);
            }
        }
        for c in &m.caches {
            s.push_str("\n[[node.memory.cache]]\n");
            line(&mut s, "level", &c.level.to_string(), &c.from);
            line(&mut s, "size", &quote(&fmt_size(c.size)), "");
            line(
                &mut s,
                "associativity",
                &quote(c.associativity.as_str()),
                "",
            );
            line(&mut s, "policy", &quote(c.policy.as_str()), "");
            line(&mut s, "line", &c.line.to_string(), "");
        }
    }
    for dev in &d.devices {
        s.push_str("\n[[device]]\n");
        if !dev.about.is_empty() {
            let _ = writeln!(s, "# {}", comment(&dev.about));
        }
        line(&mut s, "name", &quote(&dev.name), "");
        line(&mut s, "kind", &quote(dev.kind.as_str()), &dev.kind_from);
        match dev.source {
            Source::Host(a) => line(
                &mut s,
                "host",
                &quote(&a.to_string()),
                "passed through with VFIO (--devices vfio)",
            ),
            Source::StandIn => line(
                &mut s,
                "emulate",
                &quote("pci-testdev"),
                "a stand-in; --devices vfio passes the device through instead",
            ),
        }
        if let Some(n) = dev.numa_node.and_then(|n| d.nodes.get(n)) {
            line(
                &mut s,
                "numa-node",
                &quote(&n.name),
                "the node the source's kernel gave the device (its numa_node)",
            );
        }
        if let Some(slot) = dev.guest_slot {
            line(
                &mut s,
                "guest-slot",
                &slot.to_string(),
                "the slot of its PCI address in the source",
            );
        }
        let gi: Vec<String> = dev
            .gi
            .iter()
            .filter_map(|&g| d.nodes.get(g))
            .map(|n| quote(&n.name))
            .collect();
        line(
            &mut s,
            "initiator-nodes",
            &format!("[{}]", gi.join(", ")),
            "",
        );
    }
    if let Some(dist) = &d.distances {
        s.push_str("\n[distances]\n");
        let _ = writeln!(s, "# {}", comment(&dist.from));
        let symmetric = dist.is_symmetric();
        if !symmetric {
            line(
                &mut s,
                "asymmetric",
                "true",
                "the distances differ by direction",
            );
        }
        s.push_str("pair = [\n");
        let n = dist.matrix.len().min(d.nodes.len());
        for i in 0..n {
            for j in 0..n {
                if i == j || (symmetric && j < i) {
                    continue;
                }
                let label = |k: usize| dist.labels.get(k).cloned().unwrap_or_default();
                let _ = writeln!(
                    s,
                    "  {{ from = {}, to = {}, value = {} }},  # {}[{}][{}]",
                    quote(&d.nodes[i].name),
                    quote(&d.nodes[j].name),
                    dist.matrix[i][j],
                    comment(&dist.what),
                    comment(&label(i)),
                    comment(&label(j))
                );
            }
        }
        s.push_str("]\n");
    }
    for p in &d.hmat {
        let (Some(i), Some(t)) = (d.nodes.get(p.initiator), d.nodes.get(p.target)) else {
            continue;
        };
        if p.values.iter().all(Option::is_none) {
            continue;
        }
        s.push_str("\n[[hmat]]\n");
        line(&mut s, "initiator", &quote(&i.name), "");
        line(&mut s, "target", &quote(&t.name), "");
        for (k, v) in p.values.iter().enumerate() {
            let Some((v, from)) = v else { continue };
            let text = if k < 3 {
                fmt_latency(*v)
            } else {
                fmt_bandwidth(*v)
            };
            line(&mut s, HMAT_KEYS[k], &quote(&text), from);
        }
    }
    // On aarch64 a device on its node needs the firmware that numbers the
    // buses behind its host bridge, and then topoc's SRAT in the guest's
    // initrd to keep NUMA (T083, T125).
    if d.aarch64.is_some() && d.devices.iter().any(|x| x.numa_node.is_some()) {
        s.push_str("\n[target.qemu]\n");
        line(
            &mut s,
            "firmware",
            "\"edk2-2022.11\"",
            "numbers the buses behind a device's host bridge (T083)",
        );
        line(
            &mut s,
            "acpi-table-upgrade",
            "true",
            "keeps guest NUMA under that firmware (T125)",
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::desc::*;
    use crate::kinds::{Associativity, DeviceKind, WritePolicy};
    use crate::parse::spec::{ALL_TABLES, TableSpec};
    use crate::units::{GIB, MIB, PciAddr};

    /// A machine that uses every key the renderer writes.
    fn everything() -> Desc {
        let node = |id: u32, cpus: Vec<u32>, memory: Option<Memory>| Node {
            id,
            name: format!("n{id}"),
            about: "about \"it\"\nwith a line break".to_string(),
            id_from: "from # a comment".to_string(),
            cpus,
            cpus_from: "cpus".to_string(),
            memory,
            initiator: None,
        };
        let mem = |size: u64, spm: Vec<Spm>, caches: Vec<Cache>| Memory {
            size,
            from: "size".to_string(),
            spm,
            caches,
        };
        let mut d = Desc {
            name: "all".to_string(),
            description: "every \"key\" \\ once".to_string(),
            sources: vec!["one".to_string()],
            unseen: vec!["two".to_string()],
            notes: vec!["three".to_string()],
            shape: Shape {
                sockets: 1,
                dies: 2,
                cores: 1,
                threads: 2,
                from: "shape".to_string(),
            },
            hmat_on: Some("asked".to_string()),
            ..Desc::default()
        };
        d.nodes.push(node(
            0,
            vec![0, 1],
            Some(mem(
                4 * GIB,
                vec![Spm {
                    offset: 2 * GIB,
                    size: GIB,
                    from: "part".to_string(),
                }],
                vec![Cache {
                    level: 1,
                    size: 256 * MIB,
                    associativity: Associativity::Direct,
                    policy: WritePolicy::WriteBack,
                    line: 64,
                    from: "cache".to_string(),
                }],
            )),
        ));
        d.nodes.push(node(1, vec![2, 3], None));
        let mut hbm = node(
            2,
            vec![],
            Some(mem(
                GIB,
                vec![Spm {
                    offset: 0,
                    size: GIB,
                    from: "all".to_string(),
                }],
                vec![],
            )),
        );
        hbm.initiator = Some((1, "attached".to_string()));
        d.nodes.push(hbm);
        d.nodes.push(node(3, vec![], None));
        let addr = PciAddr {
            segment: 0,
            bus: 0x41,
            device: 0,
            function: 0,
        };
        d.devices.push(Device {
            name: "gpu0".to_string(),
            kind: DeviceKind::Gpu,
            kind_from: "kind".to_string(),
            pci: Some(addr),
            source: Source::Host(addr),
            guest_slot: None,
            numa_node: None,
            gi: vec![3],
            about: "a GPU".to_string(),
        });
        d.devices.push(Device {
            name: "acc0".to_string(),
            kind: DeviceKind::Accelerator,
            kind_from: String::new(),
            pci: None,
            source: Source::StandIn,
            guest_slot: Some(17),
            numa_node: None,
            gi: vec![1],
            about: String::new(),
        });
        let mut matrix = vec![vec![20u8; 4]; 4];
        for (i, row) in matrix.iter_mut().enumerate() {
            row[i] = 10;
        }
        matrix[0][1] = 21;
        d.distances = Some(Distances {
            matrix,
            from: "table".to_string(),
            what: "SLIT".to_string(),
            labels: (0..4).map(|i| format!("PXM {i}")).collect(),
        });
        let v = |x: u64| Some((x, "value".to_string()));
        d.hmat.push(HmatPair {
            initiator: 0,
            target: 0,
            values: [
                v(90_000),
                v(91_000),
                v(92_000),
                v(100 * GIB),
                v(90 * GIB),
                v(80 * GIB),
            ],
        });
        d
    }

    fn table_of(header: &str) -> Option<&'static TableSpec> {
        let path = header.trim_matches(|c| c == '[' || c == ']');
        ALL_TABLES.iter().copied().find(|t| t.path == path)
    }

    /// Every key written is one `parse::spec` declares for its table, and
    /// the text parses without a finding.
    #[test]
    fn every_key_is_the_input_languages() {
        let text = toml(&everything());
        let mut table = table_of("").expect("root table");
        let mut in_array = false;
        let mut checked = 0;
        for line in text.lines() {
            let l = line.trim();
            if l.starts_with('#') || l.is_empty() {
                continue;
            }
            if l.starts_with('[') {
                table = table_of(l).unwrap_or_else(|| panic!("no table for {l}"));
                continue;
            }
            if in_array {
                if l == "]" {
                    in_array = false;
                    continue;
                }
                for key in ["from", "to", "value"] {
                    assert!(
                        crate::parse::spec::DISTANCE_PAIR.field(key).is_some(),
                        "distances.pair.{key}"
                    );
                }
                checked += 1;
                continue;
            }
            let key = l.split(" = ").next().unwrap_or("");
            assert!(
                table.field(key).is_some(),
                "`{key}` is not a key of [{}]:\n{text}",
                table.path
            );
            if key == "pair" {
                in_array = true;
            }
            checked += 1;
        }
        assert!(checked > 40, "only {checked} keys seen");
        let src = crate::source::SourceFile::new("rendered.toml", text.as_str());
        if let Err(diags) = crate::parse::parse(&src) {
            panic!("the rendered text does not parse: {diags:?}\n{text}");
        }
    }

    #[test]
    fn strings_and_comments_stay_on_their_line() {
        let text = toml(&everything());
        assert!(text.contains("description = \"every \\\"key\\\" \\\\ once\""));
        assert!(text.contains("# about \"it\" with a line break"));
        assert!(text.contains("spm = true  # all"));
        assert!(text.contains("asymmetric = true"));
        assert_eq!(text, toml(&everything()), "rendering is deterministic");
    }
}
