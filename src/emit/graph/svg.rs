//! Writes a laid-out [`Scene`] as a self-contained SVG: no scripts, no
//! external fonts or images, one `<defs>` for the SPM hatching. Text uses a
//! monospace font stack because the layout measured it as monospace.

use super::layout::{Fill, Scene, Stroke, Swatch, Text};
use crate::kinds::{LinkKind, MemKind};
use std::fmt::Write as _;

const FONTS: &str = "DejaVu Sans Mono, Menlo, Consolas, Liberation Mono, monospace";

/// Colour of a line and its label, by link kind.
pub fn link_color(s: Stroke) -> &'static str {
    match s {
        Stroke::Initiator => "#a21caf",
        Stroke::Link(k) => match k {
            LinkKind::Xgmi => "#c2410c",
            LinkKind::InfinityFabric => "#b45309",
            LinkKind::Nvlink | LinkKind::NvlinkC2c => "#15803d",
            LinkKind::Cxl => "#7c3aed",
            LinkKind::Upi => "#1d4ed8",
            LinkKind::Pcie => "#475569",
            LinkKind::Other => "#57534e",
        },
    }
}

/// Fill of a memory bar, by memory kind.
pub fn memory_color(k: MemKind) -> &'static str {
    match k {
        MemKind::Dram => "#bfdbfe",
        MemKind::Hbm => "#bbf7d0",
        MemKind::Cxl => "#ddd6fe",
    }
}

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            c => o.push(c),
        }
    }
    o
}

fn text(out: &mut String, t: &Text, fill: &str) {
    let _ = writeln!(
        out,
        r#"<text x="{}" y="{}" font-size="{}"{}{} fill="{fill}">{}</text>"#,
        t.x,
        t.y,
        t.size,
        if t.bold { r#" font-weight="bold""# } else { "" },
        if t.middle {
            r#" text-anchor="middle""#
        } else {
            ""
        },
        esc(&t.text)
    );
}

fn points(p: &[(i32, i32)]) -> String {
    p.iter()
        .map(|(x, y)| format!("{x},{y}"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn swatch(out: &mut String, s: Swatch, x: i32, y: i32, w: i32, h: i32) {
    let (fill, stroke, dash) = match s {
        Swatch::Cpu => ("#eff6ff", "#1e40af", ""),
        Swatch::Memory(k) => (memory_color(k), "#475569", ""),
        Swatch::Spm => ("url(#topoc-spm)", "#c2410c", ""),
        Swatch::Cache => ("#fef08a", "#a16207", ""),
        Swatch::Device => ("#fdf4ff", "#a21caf", ""),
        Swatch::Initiator => ("#ffffff", "#a21caf", r#" stroke-dasharray="4 2""#),
    };
    let _ = writeln!(
        out,
        r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="3" fill="{fill}" stroke="{stroke}"{dash}/>"#
    );
}

/// Renders the scene.
pub fn render(s: &Scene) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="{FONTS}">"#,
        w = s.width,
        h = s.height
    );
    if let Some(t) = s.title.first() {
        let _ = writeln!(o, "<title>{}</title>", esc(&t.text));
    }
    o.push_str(concat!(
        "<defs>\n",
        r##"<pattern id="topoc-spm" patternUnits="userSpaceOnUse" width="8" height="8" patternTransform="rotate(45)">"##,
        r##"<rect width="8" height="8" fill="#ffedd5"/><rect width="3" height="8" fill="#fb923c"/></pattern>"##,
        "\n</defs>\n"
    ));
    let _ = writeln!(
        o,
        r##"<rect x="0" y="0" width="{}" height="{}" fill="#ffffff"/>"##,
        s.width, s.height
    );
    for t in &s.title {
        text(&mut o, t, "#0f172a");
    }

    // Lines first, so boxes and labels sit on top of them.
    for p in &s.paths {
        let color = link_color(p.stroke);
        let dash = if p.stroke == Stroke::Initiator {
            r#" stroke-dasharray="6 4""#
        } else {
            ""
        };
        let width = if p.bus { 4 } else { 2 };
        let _ = writeln!(
            o,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="{width}"{dash} stroke-linejoin="round"/>"#,
            points(&p.points)
        );
    }

    for b in &s.boxes {
        use super::Role;
        let (fill, stroke, dash) = match b.role {
            Role::Cpu => ("#eff6ff", "#1e40af", ""),
            Role::Memory => ("#f8fafc", "#334155", ""),
            Role::Device => ("#fdf4ff", "#a21caf", ""),
            Role::Other => ("#ffffff", "#64748b", r#" stroke-dasharray="5 3""#),
        };
        let (stroke, dash) = if b.generic_initiator {
            ("#a21caf", r#" stroke-dasharray="5 3""#)
        } else {
            (stroke, dash)
        };
        let width = if b.spm { "2.5" } else { "1.5" };
        let stroke = if b.spm { "#c2410c" } else { stroke };
        let r = b.rect;
        let _ = writeln!(
            o,
            r#"<rect x="{}" y="{}" width="{}" height="{}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="{width}"{dash}/>"#,
            r.x, r.y, r.w, r.h
        );
        for t in &b.texts {
            text(&mut o, t, "#0f172a");
        }
        for st in &b.strips {
            let r = st.rect;
            let _ = writeln!(
                o,
                r##"<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="#fef08a" stroke="#a16207"/>"##,
                r.x, r.y, r.w, r.h
            );
            text(&mut o, &st.text, "#422006");
        }
        for seg in &b.bar {
            let r = seg.rect;
            let (fill, stroke) = match seg.fill {
                Fill::Memory(k) => (memory_color(k), "#475569"),
                Fill::Spm => ("url(#topoc-spm)", "#c2410c"),
            };
            let _ = writeln!(
                o,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{fill}" stroke="{stroke}"/>"#,
                r.x, r.y, r.w, r.h
            );
        }
        if let Some(t) = &b.bar_text {
            let _ = writeln!(
                o,
                r##"<text x="{}" y="{}" font-size="{}" text-anchor="middle" font-weight="bold" fill="#0f172a" stroke="#ffffff" stroke-width="3" paint-order="stroke">{}</text>"##,
                t.x,
                t.y,
                t.size,
                esc(&t.text)
            );
        }
        for c in &b.chips {
            let r = c.rect;
            let _ = writeln!(
                o,
                r##"<rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="#ffffff" stroke="#a21caf" stroke-dasharray="4 2"/>"##,
                r.x, r.y, r.w, r.h
            );
            for t in &c.texts {
                text(&mut o, t, "#701a75");
            }
        }
    }

    for l in &s.labels {
        let color = link_color(l.stroke);
        if let Some([a, b]) = l.leader {
            let _ = writeln!(
                o,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{color}" stroke-width="1" stroke-dasharray="2 2"/>"#,
                a.0, a.1, b.0, b.1
            );
        }
        let r = l.rect;
        let _ = writeln!(
            o,
            r##"<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="#ffffff" fill-opacity="0.92" stroke="{color}" stroke-width="0.75"/>"##,
            r.x, r.y, r.w, r.h
        );
        for t in &l.texts {
            text(&mut o, t, color);
        }
    }

    for e in &s.legend {
        swatch(&mut o, e.swatch, e.rect.x, e.rect.y, e.rect.w, e.rect.h);
        text(&mut o, &e.text, "#334155");
    }
    o.push_str("</svg>\n");
    o
}
