//! Property tests over random machines from `topoc-testgen`.
//!
//! 1. Every generated topology (2 to 128 nodes: what the qemu target takes)
//!    checks clean, compiles for qemu, and its SRAT, SLIT and HMAT decode
//!    and re-encode byte for byte and say what the generator meant: the
//!    nodes, the memory of each proximity domain, the vCPUs and Generic
//!    Initiators, and the distances and HMAT initiators of the IR. The
//!    first few cases also go through `iasl -d` (bounded: each run costs a
//!    process).
//! 2. Larger machines (129 to 1024 nodes) check with exactly QEMU's node
//!    limit (T100), once for all the ids beyond it, and nothing else.
//! 3. A random single mutation of a valid topology's TOML (delete a key,
//!    change a value's type, swap a reference, duplicate a table, change a
//!    number) either still compiles into well-formed artifacts or is
//!    refused with diagnostics that each point into the file. The fuzz
//!    target's own checks (`fuzz/src/lib.rs`) are the oracle, and a few
//!    cases run the real binary to see exit status 1, never a crash.
//!
//! Case counts are small so the suite stays fast; `PROPTEST_CASES=N` runs more.

mod support;

use proptest::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::{harness, iasl};
use topoc::acpi::{self, HmatStructure, SratEntry, Table};
use topoc::pipeline::{self, Compiled, Options};
use topoc::source::SourceFile;
use topoc_testgen::{Role, Topology, generate};

/// How many generated cases also run `iasl -d` on their three tables.
const IASL_CASES: usize = 6;
static IASL_RUNS: AtomicUsize = AtomicUsize::new(0);

fn cases(default: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn compile(t: &Topology) -> Result<Compiled, String> {
    let source = SourceFile::new("generated.toml", t.toml.as_str());
    pipeline::compile(&source, &Options::default()).map_err(|diags| {
        diags
            .iter()
            .map(|d| format!("{} {}", d.code.code, d.message))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

fn artifact(c: &Compiled, name: &str) -> Option<Vec<u8>> {
    let a = topoc::emit::lookup(name).unwrap_or_else(|| panic!("no artifact {name}"));
    a.render(c)
}

fn decode(name: &str, bytes: &[u8]) -> Table {
    let t = acpi::decode_any(bytes).unwrap_or_else(|e| panic!("{name} does not decode: {e}"));
    assert_eq!(
        t.to_bytes().as_deref().ok(),
        Some(bytes),
        "{name} does not re-encode to the same bytes"
    );
    t
}

/// The properties of one generated machine that the qemu target takes.
/// `allowed`: warning codes the machine may raise (none for small ones).
fn valid_machine(t: &Topology, allowed: &[&str]) {
    let c = match compile(t) {
        Ok(c) => c,
        Err(e) => panic!(
            "a generated topology is refused:\n{e}\n--- toml ---\n{}",
            t.toml
        ),
    };
    let warnings: Vec<_> = c
        .warnings
        .iter()
        .map(|d| d.code.code)
        .filter(|c| !allowed.contains(c))
        .collect();
    assert!(warnings.is_empty(), "warnings {warnings:?}:\n{}", t.toml);
    harness::emit_all(&c);

    // The IR is the generator's machine: nodes in id order, memory, CPUs.
    assert_eq!(c.topo.nodes.len(), t.nodes.len());
    for (ir, g) in c.topo.nodes.iter().zip(&t.nodes) {
        assert_eq!(ir.id.value, g.id);
        assert_eq!(ir.memory_size(), g.memory, "memory of node {}", g.id);
        assert_eq!(
            ir.cpus.value.len() as u64,
            g.cpus.map_or(0, |(a, b)| u64::from(b - a + 1))
        );
    }

    // SRAT: memory per domain, one CPU entry per vCPU, one GI entry per GI node.
    let srat = artifact(&c, "srat").expect("a SRAT");
    let Table::Srat(srat) = decode("SRAT", &srat) else {
        panic!("SRAT decodes as another table")
    };
    let mut memory: BTreeMap<u32, u64> = BTreeMap::new();
    let mut cpus: BTreeMap<u32, u64> = BTreeMap::new();
    let mut gis: BTreeMap<u32, u64> = BTreeMap::new();
    for e in &srat.entries {
        match e {
            SratEntry::Memory(m) if m.flags & 1 == 1 => {
                *memory.entry(m.pxm).or_default() += m.length
            }
            SratEntry::LocalApic(a) => *cpus.entry(a.pxm).or_default() += 1,
            SratEntry::X2Apic(a) => *cpus.entry(a.pxm).or_default() += 1,
            SratEntry::GenericInitiator(g) => *gis.entry(g.pxm).or_default() += 1,
            _ => {}
        }
    }
    // QEMU leaves the legacy hole [640 KiB, 1 MiB) out of the SRAT: the
    // domain that starts at address 0 is that much short.
    if let Some(low) = srat.entries.iter().find_map(|e| match e {
        SratEntry::Memory(m) if m.base == 0 && m.length > 0 => Some(m.pxm),
        _ => None,
    }) {
        *memory.entry(low).or_default() += 0x10_0000 - 0xa_0000;
    }
    let want_mem: BTreeMap<u32, u64> = t.memory_nodes().map(|n| (n.id, n.memory)).collect();
    assert_eq!(memory, want_mem, "SRAT memory per proximity domain");
    let want_cpus: BTreeMap<u32, u64> = t
        .nodes
        .iter()
        .filter_map(|n| n.cpus.map(|(a, b)| (n.id, u64::from(b - a + 1))))
        .collect();
    assert_eq!(cpus, want_cpus, "SRAT vCPUs per proximity domain");
    let want_gis: BTreeMap<u32, u64> = t
        .nodes
        .iter()
        .filter(|n| n.role == Role::Initiator)
        .map(|n| (n.id, 1))
        .collect();
    assert_eq!(gis, want_gis, "SRAT Generic Initiators");

    // SLIT: every node, the IR's distances.
    let slit = artifact(&c, "slit").expect("a SLIT: every generated machine has links");
    let Table::Slit(slit) = decode("SLIT", &slit) else {
        panic!("SLIT decodes as another table")
    };
    let n = t.nodes.len();
    assert_eq!(slit.localities, n as u64);
    let ir = &c.derived.slit.as_ref().expect("an IR SLIT").matrix;
    for (i, row) in ir.iter().enumerate() {
        assert_eq!(&slit.matrix[i * n..(i + 1) * n], &row[..], "SLIT row {i}");
        assert_eq!(slit.matrix[i * n + i], 10);
    }
    if !t.asymmetric {
        assert!(c.derived.slit.as_ref().is_some_and(|s| s.is_symmetric()));
    }

    // HMAT: one proximity-domain structure per memory node; every locality
    // table covers every initiator and every memory node.
    let hmat = artifact(&c, "hmat").expect("an HMAT: every memory node has latency");
    let Table::Hmat(hmat) = decode("HMAT", &hmat) else {
        panic!("HMAT decodes as another table")
    };
    let initiators: Vec<u32> = t.initiators().map(|n| n.id).collect();
    let targets: Vec<u32> = t.memory_nodes().map(|n| n.id).collect();
    let mut mpda = Vec::new();
    let mut tables = 0;
    for s in &hmat.structures {
        match s {
            HmatStructure::Mpda(m) => mpda.push(m.memory),
            HmatStructure::Locality(l) => {
                tables += 1;
                assert_eq!(l.initiators, initiators, "HMAT initiators");
                // QEMU lists every proximity domain as a target, memory or not.
                assert_eq!(l.targets, (0..n as u32).collect::<Vec<_>>(), "HMAT targets");
                for (ii, i) in l.initiators.iter().enumerate() {
                    for &m in &targets {
                        let e = l.entries[ii * l.targets.len() + m as usize];
                        assert!(
                            e != 0 && e != 0xffff,
                            "the HMAT is full: no value for {i} → {m}"
                        );
                    }
                }
            }
            _ => {}
        }
    }
    mpda.sort_unstable();
    assert_eq!(mpda, targets, "HMAT memory proximity domains");
    assert!(tables >= 2, "latency and bandwidth tables");

    if IASL_RUNS.fetch_add(1, Ordering::Relaxed) < IASL_CASES {
        for name in ["srat", "slit", "hmat"] {
            if let Some(bytes) = artifact(&c, name) {
                iasl::assert_clean(&format!("gen-{n}-{name}"), &bytes);
            }
        }
    }
}

proptest! {
    #![proptest_config(cases(24))]

    #[test]
    fn generated_machines_compile_and_tables_agree(n in 2usize..=24, seed in any::<u64>()) {
        let t = generate(n, seed);
        valid_machine(&t, &[]);
        shortcut_costs_are_dijkstras(&t.toml);
    }
}

proptest! {
    #![proptest_config(cases(4))]

    #[test]
    fn large_machines_compile_up_to_qemus_limit(n in 25usize..=128, seed in any::<u64>()) {
        // About a hundred nodes with a full HMAT make a QEMU command line
        // above the 2 MiB execve takes with the default stack limit: T119
        // warns and says which `ulimit -s` starts it.
        valid_machine(&generate(n, seed), &["T119"]);
    }

    #[test]
    fn beyond_qemus_limit_only_the_node_limit_is_reported(n in 129usize..=1024, seed in any::<u64>()) {
        let t = generate(n, seed);
        let diags = match compile(&t) {
            Ok(_) => panic!("{n} nodes compiled for qemu, whose limit is 128"),
            Err(e) => e,
        };
        let lines: Vec<&str> = diags.lines().collect();
        prop_assert!(lines.iter().all(|l| l.starts_with("T100 ")), "{}", diags);
        // One finding names every id past the limit.
        prop_assert_eq!(lines.len(), 1, "{}", diags);
    }
}

/// The ways one edit can break a file, applied at `pick` among the
/// candidate lines.
#[derive(Clone, Copy, Debug)]
enum Mutation {
    DeleteKey,
    ChangeType,
    SwapReference,
    DuplicateTable,
    ChangeNumber,
}

const MUTATIONS: [Mutation; 5] = [
    Mutation::DeleteKey,
    Mutation::ChangeType,
    Mutation::SwapReference,
    Mutation::DuplicateTable,
    Mutation::ChangeNumber,
];

fn key_value(line: &str) -> Option<(&str, &str)> {
    let (k, v) = line.split_once(" = ")?;
    (!k.starts_with('#') && !k.starts_with('[')).then_some((k, v))
}

/// Applies one mutation to `toml`; `None` when the file has no place for it.
fn mutate(t: &Topology, m: Mutation, pick: usize, value: u64) -> Option<String> {
    let lines: Vec<&str> = t.toml.lines().collect();
    let kv: Vec<usize> = (0..lines.len())
        .filter(|&i| key_value(lines[i]).is_some())
        .collect();
    let nth = |v: &[usize]| (!v.is_empty()).then(|| v[pick % v.len()]);
    let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    match m {
        Mutation::DeleteKey => {
            out.remove(nth(&kv)?);
        }
        Mutation::ChangeType => {
            let i = nth(&kv)?;
            let (k, v) = key_value(lines[i])?;
            let others = [
                "42",
                "\"text\"",
                "true",
                "[1, 2]",
                "{ a = 1 }",
                "1.5",
                "-1",
                "1979-05-27",
            ];
            let new = others
                .iter()
                .cycle()
                .skip(value as usize % others.len())
                .find(|o| **o != v)?;
            out[i] = format!("{k} = {new}");
        }
        Mutation::SwapReference => {
            let refs: Vec<usize> = kv
                .iter()
                .copied()
                .filter(|&i| {
                    matches!(
                        key_value(lines[i]).map(|(k, _)| k),
                        Some("from" | "to" | "initiator" | "target" | "initiator-nodes")
                    )
                })
                .collect();
            let i = nth(&refs)?;
            let (k, _) = key_value(lines[i])?;
            let names: Vec<String> = t
                .nodes
                .iter()
                .map(|n| format!("\"{}\"", n.name))
                .chain((0..t.devices).map(|d| format!("\"gpu{d}\"")))
                .chain(["\"nowhere\"".to_string(), "7".to_string()])
                .collect();
            let name = &names[value as usize % names.len()];
            out[i] = if k == "initiator-nodes" {
                format!("{k} = [{name}]")
            } else {
                format!("{k} = {name}")
            };
        }
        Mutation::DuplicateTable => {
            let heads: Vec<usize> = (0..lines.len())
                .filter(|&i| lines[i].starts_with('['))
                .collect();
            let start = nth(&heads)?;
            let end = (start + 1..lines.len())
                .find(|&i| lines[i].starts_with('['))
                .unwrap_or(lines.len());
            let block: Vec<String> = out[start..end].to_vec();
            out.extend(std::iter::once(String::new()).chain(block));
        }
        Mutation::ChangeNumber => {
            let nums: Vec<usize> = kv
                .iter()
                .copied()
                .filter(|&i| lines[i].bytes().any(|b| b.is_ascii_digit()))
                .collect();
            let i = nth(&nums)?;
            let numbers = [
                0u64,
                1,
                3,
                127,
                128,
                255,
                256,
                1023,
                4096,
                65535,
                u32::MAX as u64,
                u64::MAX,
            ];
            let new = numbers[value as usize % numbers.len()].to_string();
            // Replace the first run of digits on the line.
            let line = lines[i];
            let a = line.find(|c: char| c.is_ascii_digit())?;
            let b = line[a..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(line.len(), |k| a + k);
            out[i] = format!("{}{new}{}", &line[..a], &line[b..]);
        }
    }
    Some(out.join("\n") + "\n")
}

/// `node_costs` takes shortcuts for leaf nodes; they must give exactly the
/// costs of one Dijkstra per node.
fn shortcut_costs_are_dijkstras(text: &str) {
    let source = SourceFile::new("costs.toml", text);
    let Ok(doc) = topoc::parse::parse(&source) else {
        return;
    };
    let (topo, _) = topoc::model::lower::lower(&doc);
    let g = topoc::model::graph::TopologyGraph::new(&topo);
    let each: Vec<_> = (0..topo.nodes.len())
        .map(|i| g.costs_from(topoc::model::Endpoint::Node(i)))
        .collect();
    assert_eq!(g.node_costs(), each, "{text}");
}

static PROCESS_RUNS: AtomicUsize = AtomicUsize::new(0);
/// How many mutated files also go through the real binary.
const PROCESS_CASES: usize = 12;

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn single_mutations_are_valid_or_diagnosed(
        n in 2usize..=12,
        seed in any::<u64>(),
        which in 0usize..5,
        pick in any::<usize>(),
        value in any::<u64>(),
    ) {
        let t = generate(n, seed);
        let m = MUTATIONS[which];
        let Some(text) = mutate(&t, m, pick, value) else {
            return Ok(());
        };
        // The fuzz target's oracle: no panic; refused files carry errors whose
        // spans all lie in the file; compiled files emit well-formed artifacts.
        harness::compile(text.as_bytes());
        shortcut_costs_are_dijkstras(&text);

        if PROCESS_RUNS.fetch_add(1, Ordering::Relaxed) < PROCESS_CASES {
            let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let file = dir.path().join("mutated.toml");
            std::fs::write(&file, &text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let out = support::run::topoc([std::ffi::OsStr::new("check"), file.as_os_str()]).run();
            let code = out.status.code();
            let valid = pipeline::compile(&SourceFile::new("m", text.as_str()), &Options::default()).is_ok();
            prop_assert_eq!(code, Some(if valid { 0 } else { 1 }), "{:?}:\n{}\n{}", m, text, String::from_utf8_lossy(&out.stderr));
        }
    }
}

/// `t` with one more node: memory-only, `latency` fast or slow, joined by one
/// link to the node at `at`. A leaf cannot shorten a path between others.
fn with_leaf_node(t: &Topology, at: usize, memory_latency_ns: u64, link_ns: u64) -> String {
    let id = t.nodes.iter().map(|n| n.id).max().map_or(0, |m| m + 1);
    let anchor = &t.nodes[at % t.nodes.len()].name;
    format!(
        "{}\n[[node]]\nid = {id}\nname = \"extra-leaf\"\nmemory = {{ size = \"1GiB\", kind = \"hbm\", latency = \"{memory_latency_ns}ns\", bandwidth = \"512GiB/s\" }}\n\n[[link]]\nfrom = \"{anchor}\"\nto = \"extra-leaf\"\nkind = \"other\"\nlatency = \"{link_ns}ns\"\n",
        t.toml
    )
}

proptest! {
    #![proptest_config(cases(24))]

    /// Distances stay where they are: adding a node (here a memory-only leaf,
    /// with a memory latency far below or above the others') changes no
    /// derived distance between two other nodes.
    #[test]
    fn adding_a_node_moves_no_other_distance(
        n in 2usize..=16,
        seed in any::<u64>(),
        at in any::<usize>(),
        memory_latency_ns in prop_oneof![1u64..=20, 500u64..=5000],
        link_ns in 10u64..=400,
    ) {
        let t = generate(n, seed);
        let before = compile(&t).unwrap_or_else(|e| panic!("{e}\n{}", t.toml));
        let grown = with_leaf_node(&t, at, memory_latency_ns, link_ns);
        let after = pipeline::compile(&SourceFile::new("grown.toml", grown.as_str()), &Options::default())
            .unwrap_or_else(|d| panic!("{}\n{grown}", d.iter().map(|d| format!("{} {}", d.code.code, d.message)).collect::<Vec<_>>().join("\n")));
        let (Some(a), Some(b)) = (&before.derived.slit, &after.derived.slit) else {
            // A machine without links has no SLIT; the leaf's link gives one.
            prop_assert!(before.derived.slit.is_none());
            return Ok(());
        };
        // The new node has the highest id, so it is last and the other
        // nodes keep their positions.
        for i in 0..a.matrix.len() {
            for j in 0..a.matrix.len() {
                prop_assert_eq!(
                    a.matrix[i][j], b.matrix[i][j],
                    "distance {} → {} moved when a node was added\n{}", i, j, grown
                );
            }
        }
    }
}
