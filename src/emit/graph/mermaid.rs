//! A Mermaid flowchart of the picture, for Markdown renderers that draw
//! Mermaid. Every link is its own edge; a device with Generic Initiator
//! nodes becomes a subgraph holding them, and SPM nodes get their own class.

use super::{EdgeKind, Picture, Role};

/// Mermaid labels are quoted; quotes inside become entities.
fn q(parts: &[String]) -> String {
    let body: Vec<String> = parts
        .iter()
        .map(|p| {
            p.replace('"', "#quot;")
                .replace('<', "#lt;")
                .replace('>', "#gt;")
        })
        .collect();
    format!("\"{}\"", body.join("<br/>"))
}

pub fn render(p: &Picture) -> String {
    let mut o = String::new();
    o.push_str("---\n");
    o.push_str(&format!("title: {}\n", p.title.replace(':', " ")));
    o.push_str("---\nflowchart TB\n");
    let mut classes: Vec<(&str, Vec<String>)> = vec![
        ("cpu", Vec::new()),
        ("mem", Vec::new()),
        ("spm", Vec::new()),
        ("dev", Vec::new()),
        ("gi", Vec::new()),
        ("other", Vec::new()),
    ];
    let mut add = |class: &str, id: &str| {
        if let Some(c) = classes.iter_mut().find(|c| c.0 == class) {
            c.1.push(id.to_string());
        }
    };
    for it in &p.items {
        let mut text = vec![it.title.clone()];
        text.extend(it.lines.iter().cloned());
        text.extend(it.caches.iter().cloned());
        if let Some(m) = &it.memory {
            text.push(m.text.clone());
        }
        text.extend(it.after_bar.iter().cloned());
        if it.chips.is_empty() {
            o.push_str(&format!("  {}[{}]\n", it.id, q(&text)));
        } else {
            o.push_str(&format!("  subgraph {} [{}]\n", it.id, q(&text)));
            for c in &it.chips {
                o.push_str(&format!("    {}[{}]\n", c.id, q(&c.lines)));
                add("gi", &c.id);
            }
            o.push_str("  end\n");
        }
        let class = match it.role {
            _ if it.generic_initiator => "gi",
            Role::Cpu => "cpu",
            Role::Memory if it.spm => "spm",
            Role::Memory => "mem",
            Role::Device => "dev",
            Role::Other => "other",
        };
        add(class, &it.id);
    }
    for e in &p.edges {
        let (Some(a), Some(b)) = (p.items.get(e.a), p.items.get(e.b)) else {
            continue;
        };
        match e.kind {
            EdgeKind::Link(_) => {
                o.push_str(&format!("  {} ---|{}| {}\n", a.id, q(&e.label), b.id));
            }
            EdgeKind::Initiator => {
                o.push_str(&format!("  {} -.-|\"initiates through\"| {}\n", a.id, b.id));
            }
        }
    }
    o.push_str("  classDef cpu fill:#eff6ff,stroke:#1e40af\n");
    o.push_str("  classDef mem fill:#f8fafc,stroke:#334155\n");
    o.push_str("  classDef spm fill:#ffedd5,stroke:#c2410c,stroke-width:3px\n");
    o.push_str("  classDef dev fill:#fdf4ff,stroke:#a21caf\n");
    o.push_str("  classDef gi fill:#ffffff,stroke:#a21caf,stroke-dasharray:4 2\n");
    o.push_str("  classDef other fill:#ffffff,stroke:#64748b,stroke-dasharray:5 3\n");
    for (class, ids) in classes {
        if !ids.is_empty() {
            o.push_str(&format!("  class {} {class}\n", ids.join(",")));
        }
    }
    o
}
