//! No key is silently ignored: every key the input language accepts
//! (`parse::spec`) must reach an output or a rule.
//!
//! The test walks every table and key of the spec. For each key it writes a
//! base machine that has every table, then the same machine with that key
//! set to each of a few values (the spec's example, every keyword of an
//! enum, both booleans, the bounds of an integer), and compiles both for
//! every target (cloud-hypervisor with and without `--fallback`). A key
//! passes when one of its values changes something: an artifact's bytes or
//! the findings. A key that changes nothing is a key topoc reads and then
//! drops, which the issue tracker calls a silent bug; reserve a key for
//! later by refusing it (a rule) until it works.

use topoc::emit::ARTIFACTS;
use topoc::parse::spec::{ALL_TABLES, Field, TableSpec, Ty};
use topoc::pipeline::{Options, compile};
use topoc::source::SourceFile;
use topoc::target::{ChOverrides, TargetKind};

/// One `[table]` or `[[table]]` of the base machine: its path in the spec,
/// its header line, and its key lines.
struct Block {
    path: &'static str,
    header: &'static str,
    lines: Vec<String>,
}

fn block(path: &'static str, header: &'static str, lines: &[&str]) -> Block {
    Block {
        path,
        header,
        lines: lines.iter().map(|l| l.to_string()).collect(),
    }
}

/// A machine with every table of the language, valid for qemu: the node
/// and device names are the ones the spec's examples use.
fn base() -> Vec<Block> {
    vec![
        block("", "", &["topoc = 1"]),
        block("machine", "[machine]", &["name = \"keys\""]),
        block("machine.cpus", "[machine.cpus]", &["sockets = 2"]),
        block(
            "node",
            "[[node]]",
            &["id = 0", "name = \"socket0\"", "cpus = \"0\""],
        ),
        block(
            "node.memory",
            "[node.memory]",
            &[
                "size = \"2GiB\"",
                "latency = \"90ns\"",
                "bandwidth = \"64GiB/s\"",
            ],
        ),
        block(
            "node",
            "[[node]]",
            &["id = 1", "name = \"socket1\"", "cpus = \"1\""],
        ),
        block(
            "node.memory",
            "[node.memory]",
            &[
                "size = \"2GiB\"",
                "latency = \"90ns\"",
                "bandwidth = \"64GiB/s\"",
            ],
        ),
        block("node", "[[node]]", &["id = 2", "name = \"hbm0\""]),
        block(
            "node.memory",
            "[node.memory]",
            &[
                "size = \"2GiB\"",
                "kind = \"hbm\"",
                "latency = \"80ns\"",
                "bandwidth = \"512GiB/s\"",
            ],
        ),
        block(
            "node.memory.cache",
            "[[node.memory.cache]]",
            &["level = 1", "size = \"256MiB\""],
        ),
        block(
            "node.memory.spm",
            "[[node.memory.spm]]",
            &["offset = \"1GiB\"", "size = \"1GiB\""],
        ),
        block("node", "[[node]]", &["id = 3", "name = \"gpu0-gi\""]),
        block(
            "device",
            "[[device]]",
            &[
                "name = \"gpu0\"",
                "emulate = \"pci-testdev\"",
                "initiator-nodes = [\"gpu0-gi\"]",
            ],
        ),
        block(
            "link",
            "[[link]]",
            &[
                "from = \"socket0\"",
                "to = \"socket1\"",
                "kind = \"upi\"",
                "latency = \"100ns\"",
            ],
        ),
        block(
            "link",
            "[[link]]",
            &[
                "from = \"socket0\"",
                "to = \"hbm0\"",
                "kind = \"infinity-fabric\"",
                "latency = \"40ns\"",
            ],
        ),
        block(
            "link",
            "[[link]]",
            &[
                "from = \"gpu0\"",
                "to = \"hbm0\"",
                "kind = \"infinity-fabric\"",
                "latency = \"10ns\"",
            ],
        ),
        block("distances", "[distances]", &[]),
        block(
            "distances.pair",
            "[[distances.pair]]",
            &["from = \"socket0\"", "to = \"socket1\"", "value = 20"],
        ),
        block(
            "hmat",
            "[[hmat]]",
            &[
                "initiator = \"socket0\"",
                "target = \"hbm0\"",
                "latency = \"150ns\"",
            ],
        ),
        block("target", "[target]", &[]),
        block("target.qemu", "[target.qemu]", &[]),
        block("target.cloud-hypervisor", "[target.cloud-hypervisor]", &[]),
        block("target.libvirt", "[target.libvirt]", &[]),
    ]
}

/// The text with `key = value` set in the first block of `path` (the line
/// replaced when the block has the key).
fn render(blocks: &[Block], edit: Option<(&str, &str, &str)>) -> String {
    let mut out = String::new();
    let mut done = false;
    for b in blocks {
        if !b.header.is_empty() {
            out.push_str(b.header);
            out.push('\n');
        }
        let mut lines = b.lines.clone();
        if let Some((path, key, value)) = edit {
            if !done && b.path == path {
                done = true;
                let at = lines
                    .iter()
                    .position(|l| l.split('=').next().map(str::trim) == Some(key));
                match (at, value == REMOVE) {
                    (Some(i), true) => {
                        lines.remove(i);
                    }
                    (None, true) => {}
                    (Some(i), false) => lines[i] = format!("{key} = {value}"),
                    (None, false) => lines.push(format!("{key} = {value}")),
                }
            }
        }
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
    }
    out
}

/// Everything a compile shows for each target: the findings and every
/// artifact's bytes.
fn outputs(text: &str) -> Vec<String> {
    let mut v = Vec::new();
    for (kind, fallback) in [
        (TargetKind::Qemu, false),
        (TargetKind::CloudHypervisor, false),
        (TargetKind::CloudHypervisor, true),
        (TargetKind::Libvirt, false),
        (TargetKind::Libvirt, true),
    ] {
        let opts = Options {
            target: kind,
            ch: ChOverrides {
                fallback,
                ..ChOverrides::default()
            },
            libvirt: topoc::target::LibvirtOverrides {
                fallback,
                ..Default::default()
            },
            ..Options::default()
        };
        match compile(&SourceFile::new("keys.toml", text), &opts) {
            Ok(c) => {
                for d in &c.warnings {
                    v.push(format!("{kind:?} warning {} {}", d.code.code, d.message));
                }
                for a in ARTIFACTS {
                    if let Some(bytes) = a.render(&c) {
                        v.push(format!(
                            "{kind:?} {} {}",
                            a.name,
                            String::from_utf8_lossy(&bytes)
                        ));
                    }
                }
            }
            Err(diags) => {
                for d in diags {
                    v.push(format!("{kind:?} finding {} {}", d.code.code, d.message));
                }
            }
        }
    }
    v
}

/// Written instead of a value: the key taken out of the block.
const REMOVE: &str = "<remove>";

/// The values to try for a key: the spec's example, values of its type that
/// differ from the base machine's, and leaving it out.
fn candidates(f: &Field) -> Vec<String> {
    let mut v: Vec<String> = f.example.iter().map(|e| e.to_string()).collect();
    let alt = |v: &mut Vec<String>, xs: &[&str]| v.extend(xs.iter().map(|x| x.to_string()));
    match &f.ty {
        Ty::Enum(words) => v.extend(words.iter().map(|w| format!("\"{w}\""))),
        Ty::Bool => alt(&mut v, &["true", "false"]),
        Ty::Int { min, max } => {
            v.push(min.to_string());
            v.push(max.to_string());
            v.push(((min + max) / 2).to_string());
        }
        Ty::BoolOrTables(_) | Ty::BoolOrSize => alt(&mut v, &["true", "false"]),
        Ty::Str | Ty::Name => {
            if let Some(e) = f.example {
                v.push(format!("{}-other\"", e.trim_end_matches('"')));
            }
        }
        Ty::Size => alt(&mut v, &["\"128MiB\"", "\"1GiB\""]),
        Ty::Latency => alt(&mut v, &["\"120ns\"", "\"1us\""]),
        Ty::Bandwidth => alt(&mut v, &["\"32GiB/s\"", "\"1TiB/s\""]),
        Ty::Ref => alt(&mut v, &["\"socket1\"", "\"hbm0\"", "1"]),
        Ty::RefList => alt(&mut v, &["[\"socket1\"]", "[\"hbm0\", \"gpu0-gi\"]"]),
        Ty::CpuList => alt(&mut v, &["\"1\"", "\"0-1\""]),
        Ty::Pci => alt(&mut v, &["\"0000:42:00.0\""]),
        Ty::Table(_) | Ty::Tables(_) => {}
        // An error given a level is refused (T008), so the key reaches a
        // rule even on a machine without warnings.
        Ty::Lints => alt(&mut v, &["{ warnings = \"deny\" }", "{ T020 = \"allow\" }"]),
    }
    v.push(REMOVE.to_string());
    v.dedup();
    v
}

/// Keys that are containers of other keys: their own keys are walked.
fn is_container(f: &Field) -> bool {
    matches!(f.ty, Ty::Table(_) | Ty::Tables(_))
}

fn walk(t: &TableSpec, blocks: &[Block], before: &[String], silent: &mut Vec<String>) {
    for f in t.fields.iter().filter(|f| !is_container(f)) {
        let changes = candidates(f).iter().any(|value| {
            let text = render(blocks, Some((t.path, f.key, value)));
            outputs(&text) != before
        });
        if !changes {
            let full = if t.path.is_empty() {
                f.key.to_string()
            } else {
                format!("{}.{}", t.path, f.key)
            };
            silent.push(format!("{full} (tried {})", candidates(f).join(", ")));
        }
    }
}

#[test]
fn every_key_reaches_an_output_or_a_rule() {
    let blocks = base();
    let text = render(&blocks, None);
    let before = outputs(&text);
    assert!(
        before.iter().any(|l| l.starts_with("Qemu qemu-args")),
        "the base machine must compile for qemu:\n{}\n{text}",
        before.join("\n")
    );
    let mut silent = Vec::new();
    let mut walked = 0;
    for t in ALL_TABLES {
        assert!(
            t.path.is_empty() || blocks.iter().any(|b| b.path == t.path),
            "the base machine has no [{}] table: add one, so its keys are walked",
            t.path
        );
        walked += t.fields.iter().filter(|f| !is_container(f)).count();
        walk(t, &blocks, &before, &mut silent);
    }
    assert!(walked > 60, "only {walked} keys walked");
    assert!(
        silent.is_empty(),
        "keys that change no output and no finding (read, then dropped):\n{}",
        silent.join("\n")
    );
}
