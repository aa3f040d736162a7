//! Pictures stay readable: for every bundled example and for random
//! topologies, no two boxes, labels, the title or the legend overlap, box
//! contents stay inside their box, and no line crosses a box it does not
//! join. The goldens of the pictures themselves are in `tests/golden/`
//! (the `graph-*` artifacts), checked by the examples suite of `tests/cases.rs`.

mod support;

use proptest::prelude::*;
use support::data;
use topoc::emit::graph::{self, layout};
use topoc::source::SourceFile;

/// Lowers a file without checking it: the layout must cope with any IR.
fn scene(name: &str, text: &str) -> Option<layout::Scene> {
    let source = SourceFile::new(name.to_string(), text.to_string());
    let doc = topoc::parse::parse(&source).ok()?;
    let (topo, _) = topoc::model::lower::lower(&doc);
    Some(layout::layout(&graph::picture(&topo)))
}

fn assert_readable(name: &str, s: &layout::Scene) -> Result<(), String> {
    s.check().map_err(|e| format!("{name}: {e}"))?;
    let through = s.lines_through_boxes();
    if !through.is_empty() {
        return Err(format!(
            "{name}: lines through boxes (path, box): {through:?}"
        ));
    }
    Ok(())
}

#[test]
fn bundled_examples_are_readable() {
    let mut n = 0;
    for path in data::files_with_ext("examples", "toml") {
        let text = data::read_text(&path);
        let name = path.display().to_string();
        let s = scene(&name, &text).expect("example parses");
        assert_readable(&name, &s).unwrap_or_else(|e| panic!("{e}"));
        n += 1;
    }
    assert!(n >= 5, "found {n} examples");
}

/// A topology of arbitrary shape (it need not pass `check`): nodes with or
/// without CPUs and memory, SPM, caches, devices owning Generic Initiator
/// nodes, and links between any two ends.
fn arbitrary_toml(
    nodes: &[(bool, u8, bool, u8)],
    devices: &[Vec<usize>],
    links: &[(usize, usize, u8, bool)],
) -> String {
    let mut t = String::from("topoc = 1\n[machine]\nname = \"arb\"\n");
    let cpu_nodes = nodes.iter().filter(|n| n.0).count().max(1);
    t.push_str(&format!("cpus = {{ sockets = 1, cores = {cpu_nodes} }}\n"));
    let mut cpu = 0;
    let kinds = ["dram", "hbm", "cxl"];
    for (i, &(cpus, mem, spm, caches)) in nodes.iter().enumerate() {
        t.push_str(&format!("[[node]]\nid = {i}\nname = \"node-number-{i}\"\n"));
        if cpus {
            t.push_str(&format!("cpus = \"{cpu}\"\n"));
            cpu += 1;
        }
        if mem > 0 {
            t.push_str(&format!(
                "[node.memory]\nsize = \"{}GiB\"\nkind = \"{}\"\nlatency = \"{}ns\"\nbandwidth = \"{}GiB/s\"\n",
                mem,
                kinds[usize::from(mem) % 3],
                50 + u32::from(mem) * 10,
                u32::from(mem) * 100
            ));
            if spm {
                t.push_str("spm = [{ offset = 0, size = \"1GiB\" }]\n");
            }
            for l in 1..=caches {
                t.push_str(&format!(
                    "[[node.memory.cache]]\nlevel = {l}\nsize = \"{}MiB\"\n",
                    64 * u32::from(l)
                ));
            }
        }
    }
    for (d, gis) in devices.iter().enumerate() {
        let names: Vec<String> = gis
            .iter()
            .filter(|&&g| g < nodes.len())
            .map(|g| format!("\"node-number-{g}\""))
            .collect();
        t.push_str(&format!(
            "[[device]]\nname = \"accelerator{d}\"\nemulate = \"pci-testdev\"\ninitiator-nodes = [{}]\n",
            names.join(", ")
        ));
    }
    let end = |e: usize| {
        if e < nodes.len() {
            format!("\"node-number-{e}\"")
        } else {
            format!(
                "\"accelerator{}\"",
                (e - nodes.len()) % devices.len().max(1)
            )
        }
    };
    let link_kinds = ["xgmi", "pcie", "cxl", "nvlink", "other"];
    for &(a, b, k, asym) in links {
        let total = nodes.len() + devices.len();
        let (a, b) = (a % total, b % total);
        t.push_str(&format!(
            "[[link]]\nfrom = {}\nto = {}\nkind = \"{}\"\nlatency = \"{}ns\"\nbandwidth = \"{}GiB/s\"\n",
            end(a),
            end(b),
            link_kinds[usize::from(k) % link_kinds.len()],
            10 + u32::from(k) * 10,
            16 * (1 + u32::from(k))
        ));
        if asym {
            t.push_str("reverse-latency = \"999ns\"\n");
        }
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// Valid machines from the shared generator, up to 48 nodes.
    #[test]
    fn generated_machines_are_readable(nodes in 2usize..48, seed in any::<u64>()) {
        let g = topoc_testgen::generate(nodes, seed);
        let s = scene("generated", &g.toml).expect("generated TOML parses");
        if let Err(e) = assert_readable("generated", &s) {
            prop_assert!(false, "{}\n{}", e, g.toml);
        }
    }

    /// Arbitrary shapes, meshes included (they become buses).
    #[test]
    fn arbitrary_shapes_are_readable(
        nodes in prop::collection::vec((any::<bool>(), 0u8..4, any::<bool>(), 0u8..3), 1..14),
        devices in prop::collection::vec(prop::collection::vec(0usize..14, 0..5), 0..5),
        links in prop::collection::vec((0usize..20, 0usize..20, 0u8..5, any::<bool>()), 0..30),
        mesh in 0usize..7,
    ) {
        let mut links = links;
        // A full mesh among the first `mesh` nodes, all alike.
        for a in 0..mesh.min(nodes.len()) {
            for b in a + 1..mesh.min(nodes.len()) {
                links.push((a, b, 0, false));
            }
        }
        let text = arbitrary_toml(&nodes, &devices, &links);
        let Some(s) = scene("arbitrary", &text) else {
            prop_assert!(false, "does not parse:\n{}", text);
            return Ok(());
        };
        if let Err(e) = assert_readable("arbitrary", &s) {
            prop_assert!(false, "{}\n{}", e, text);
        }
    }
}

#[test]
fn pictures_are_deterministic() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/mi300x.toml"),
    )
    .expect("example");
    let a = scene("mi300x", &text).map(|s| layout_svg(&s));
    let b = scene("mi300x", &text).map(|s| layout_svg(&s));
    assert_eq!(a, b);
}

fn layout_svg(s: &layout::Scene) -> String {
    graph::svg::render(s)
}
