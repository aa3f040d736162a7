//! Graphviz dot: the same picture for people who want Graphviz's layout
//! (`dot -Tsvg`). Every link is its own edge (meshes are not folded into a
//! bus), rows become `rank=same` groups and a device with its Generic
//! Initiator nodes becomes a cluster.

use super::{EdgeKind, Picture, Role};

fn q(s: &str) -> String {
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fn lines(parts: &[String]) -> String {
    q(&parts.join("\n"))
}

pub fn render(p: &Picture) -> String {
    let mut o = String::new();
    o.push_str(&format!("graph {} {{\n", q(&p.title)));
    let mut label = p.title.clone();
    if let Some(s) = &p.subtitle {
        label.push('\n');
        label.push_str(s);
    }
    o.push_str(&format!(
        "  graph [label={}, labelloc=t, fontname=\"monospace\", rankdir=TB, nodesep=0.5, ranksep=0.9];\n",
        q(&label)
    ));
    o.push_str(
        "  node [shape=box, style=\"rounded,filled\", fontname=\"monospace\", fontsize=11];\n",
    );
    o.push_str("  edge [fontname=\"monospace\", fontsize=10];\n");
    for role in [Role::Cpu, Role::Memory, Role::Device, Role::Other] {
        let members: Vec<&super::Item> = p.items.iter().filter(|i| i.role == role).collect();
        if members.is_empty() {
            continue;
        }
        for it in &members {
            let mut text = vec![it.title.clone()];
            text.extend(it.lines.iter().cloned());
            text.extend(it.caches.iter().cloned());
            if let Some(m) = &it.memory {
                text.push(m.text.clone());
            }
            text.extend(it.after_bar.iter().cloned());
            let (fill, color, style) = match it.role {
                Role::Cpu => ("#eff6ff", "#1e40af", "rounded,filled"),
                Role::Memory if it.spm => ("#ffedd5", "#c2410c", "rounded,filled,bold"),
                Role::Memory => ("#f8fafc", "#334155", "rounded,filled"),
                Role::Device => ("#fdf4ff", "#a21caf", "rounded,filled"),
                Role::Other => ("#ffffff", "#64748b", "rounded,dashed"),
            };
            let (color, style) = if it.generic_initiator {
                ("#a21caf", "rounded,dashed")
            } else {
                (color, style)
            };
            if it.chips.is_empty() {
                o.push_str(&format!(
                    "  {} [label={}, fillcolor=\"{fill}\", color=\"{color}\", style=\"{style}\"];\n",
                    it.id,
                    lines(&text)
                ));
            } else {
                o.push_str(&format!(
                    "  subgraph cluster_{} {{\n    label={};\n    style=\"rounded\";\n    color=\"{color}\";\n",
                    it.id,
                    lines(&text)
                ));
                o.push_str(&format!(
                    "    {} [label={}, fillcolor=\"{fill}\", color=\"{color}\", style=\"{style}\"];\n",
                    it.id,
                    q(&it.title)
                ));
                for c in &it.chips {
                    o.push_str(&format!(
                        "    {} [label={}, fillcolor=\"#ffffff\", color=\"#a21caf\", style=\"rounded,dashed\"];\n",
                        c.id,
                        lines(&c.lines)
                    ));
                    o.push_str(&format!(
                        "    {} -- {} [style=dotted, color=\"#a21caf\"];\n",
                        it.id, c.id
                    ));
                }
                o.push_str("  }\n");
            }
        }
        // A rank=same group would pull a device out of its cluster, so
        // only boxes drawn on their own share a rank.
        let ids: Vec<&str> = members
            .iter()
            .filter(|i| i.chips.is_empty())
            .map(|i| i.id.as_str())
            .collect();
        if ids.len() > 1 {
            o.push_str(&format!("  {{ rank=same; {}; }}\n", ids.join("; ")));
        }
    }
    for e in &p.edges {
        let (Some(a), Some(b)) = (p.items.get(e.a), p.items.get(e.b)) else {
            continue;
        };
        match e.kind {
            EdgeKind::Link(k) => o.push_str(&format!(
                "  {} -- {} [label={}, color=\"{}\", fontcolor=\"{}\"];\n",
                a.id,
                b.id,
                lines(&e.label),
                super::svg::link_color(super::layout::Stroke::Link(k)),
                super::svg::link_color(super::layout::Stroke::Link(k)),
            )),
            EdgeKind::Initiator => o.push_str(&format!(
                "  {} -- {} [style=dashed, color=\"#a21caf\", label=\"initiates through\"];\n",
                a.id, b.id
            )),
        }
    }
    o.push_str("}\n");
    o
}
