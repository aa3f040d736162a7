//! Bounded cost on any input: what topoc reads, renders and allocates stays
//! bounded, and every bound is a clear error or a summary, never a panic.
//! The inputs are generated (`topoc_testgen::hostile`); how long they take
//! is measured in `benches/`, never asserted here.

mod support;

use support::run::topoc;
use topoc_testgen::hostile;

/// `topoc ARGS` with `stdin` as standard input.
fn run_stdin(args: &[&str], stdin: impl Into<Vec<u8>>) -> support::run::Ran {
    topoc(args).stdin(stdin).run()
}

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"))
}

fn codes(report: &serde_json::Value, code: &str) -> usize {
    report["diagnostics"]
        .as_array()
        .expect("a diagnostics array")
        .iter()
        .filter(|d| d["code"] == code)
        .count()
}

#[test]
fn a_label_past_column_65536_renders_cut_around_it() {
    let (text, at) = hostile::long_line(100_000);
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').unwrap();
    let r = run_stdin(&["check", "-"], text.clone());
    assert_eq!(r.code(), 1, "{}", r.err());
    let err = r.err();
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("T002(unknown-key)"), "{err}");
    assert!(err.contains(&format!("[<stdin>:{line}:{column}]")), "{err}");
    assert!(err.contains("…") && err.contains("bogus = 1 }"), "{err}");
    assert!(err.lines().all(|l| l.chars().count() < 400), "{err}");
    // The JSON gives the same place.
    let r = run_stdin(&["check", "--format", "json", "-"], text);
    let report = json(&r.out());
    let d = &report["diagnostics"][0];
    assert_eq!(d["code"], "T002");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(line as u64), Some(column as u64))
    );
}

#[test]
fn a_long_chain_gives_one_t051_per_node_and_text_shows_twenty() {
    let text = hostile::chain(1024, false);
    let r = run_stdin(&["check", "-"], text.clone());
    assert_eq!(r.code(), 1);
    let err = r.err();
    assert_eq!(err.matches("T051(distance-range)").count(), 20, "{err}");
    assert!(
        err.contains("… and 1,004 more T051 findings (`--format json` lists every finding)"),
        "{err}"
    );
    // Every node of the chain has nodes too far from it, so 1,024 findings,
    // plus the qemu target's refusals of a machine this large.
    assert!(err.ends_with("<stdin>: 1027 errors\n"), "{err}");
    let r = run_stdin(&["check", "--format", "json", "-"], text);
    let report = json(&r.out());
    assert_eq!(codes(&report, "T051"), 1024);
    assert_eq!(report["errors"], 1027);
    // One ring: every node too far from 110 − 1 − 2 × 24 of the others.
    let r = run_stdin(
        &["check", "--format", "json", "-"],
        hostile::chain(110, true),
    );
    let report = json(&r.out());
    assert_eq!(codes(&report, "T051"), 110);
    let first = report["diagnostics"][0]["message"].as_str().unwrap();
    assert!(first.contains("to 61 nodes exceed 254"), "{first}");
}

#[test]
fn ten_thousand_duplicate_links_render_a_snippet_per_label() {
    // 128 nodes, each of the 128 ring links given 79 times: 9,984 second links.
    let text = hostile::duplicate_links(128, 79);
    let r = run_stdin(&["check", "--format", "json", "-"], text.clone());
    assert_eq!(codes(&json(&r.out()), "T082"), 128 * 78);
    let r = run_stdin(&["check", "-"], text);
    let err = r.err();
    assert_eq!(err.matches("T082(bad-link)").count(), 20);
    assert!(err.contains("… and 9,964 more T082 findings"), "{err}");
    // Each finding shows its two labels' lines, not the file between them.
    // (It drew 14.5 million lines when miette had the whole file.)
    assert!(
        err.lines().count() < 20 * 40,
        "{} lines",
        err.lines().count()
    );
}

const LIMIT: usize = 64 << 20;
const TOPOLOGY_LIMIT: usize = 8 << 20;
const TOO_LARGE: &str = "is larger than 64 MiB, the most topoc reads from one input";
const TOPOLOGY_TOO_LARGE: &str =
    "is larger than 8 MiB, the most topoc reads from one topology file";

#[test]
fn topologies_are_bounded_at_8_mib() {
    // One byte over is refused before it is parsed …
    let r = run_stdin(&["check", "-"], vec![b'#'; TOPOLOGY_LIMIT + 1]);
    assert_eq!(r.code(), 2);
    assert_eq!(
        r.err(),
        format!("error: standard input {TOPOLOGY_TOO_LARGE}\n")
    );
    // … the limit itself is read (a comment: then every key is missing).
    let r = run_stdin(
        &["check", "--format", "json", "-"],
        vec![b'#'; TOPOLOGY_LIMIT],
    );
    assert_eq!(r.code(), 1, "{}", r.err());
    let report = json(&r.out());
    assert!(codes(&report, "T005") > 0);
    assert_eq!(report["errors"], codes(&report, "T005"));
    // Endless topologies, for every command that reads one.
    for args in [
        vec!["check", "/dev/zero"],
        vec!["build", "/dev/zero", "--emit", "srat"],
        vec!["graph", "/dev/zero"],
        vec![
            "verify",
            "/dev/zero",
            "--guest",
            "book/src/examples/two-socket.guest.txt",
        ],
    ] {
        let r = topoc(&args).run();
        assert_eq!(r.code(), 2, "{args:?}: {}", r.err());
        assert_eq!(
            r.err(),
            format!("error: /dev/zero {TOPOLOGY_TOO_LARGE}\n"),
            "{args:?}"
        );
    }
    // A regular file says its size: refused without reading it.
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.toml");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len(TOPOLOGY_LIMIT as u64 + 1).unwrap();
    let r = topoc(["check".as_ref(), big.as_os_str()]).run();
    assert_eq!(r.code(), 2);
    assert_eq!(
        r.err(),
        format!("error: {} {TOPOLOGY_TOO_LARGE}\n", big.display())
    );
}

#[test]
fn other_inputs_are_bounded_at_64_mib() {
    let r = run_stdin(&["inspect", "-"], vec![0u8; LIMIT + 1]);
    assert_eq!(r.code(), 2);
    assert_eq!(r.err(), format!("error: standard input {TOO_LARGE}\n"));
    // The limit itself is read: 64 MiB of zeros are no table.
    let r = run_stdin(&["inspect", "-"], vec![0u8; LIMIT]);
    assert_eq!(r.code(), 1, "{}", r.err());
    for args in [
        vec!["inspect", "/dev/zero"],
        vec!["verify", "examples/two-socket.toml", "--guest", "/dev/zero"],
        vec!["import", "--srat", "/dev/zero"],
        vec!["import", "--dump", "/dev/zero"],
    ] {
        let r = topoc(&args).run();
        assert_eq!(r.code(), 2, "{args:?}: {}", r.err());
        assert_eq!(
            r.err(),
            format!("error: /dev/zero {TOO_LARGE}\n"),
            "{args:?}"
        );
    }
}

#[test]
fn a_directory_inspected_is_bounded_at_256_mib_together() {
    let dir = tempfile::tempdir().unwrap();
    // Five sparse files of 60 MiB: each under the limit, 300 MiB together.
    for i in 0..5 {
        let f = std::fs::File::create(dir.path().join(format!("f{i}"))).unwrap();
        f.set_len(60 << 20).unwrap();
    }
    let r = topoc(["inspect".as_ref(), dir.path().as_os_str()]).run();
    assert_eq!(r.code(), 2);
    assert_eq!(
        r.err(),
        format!(
            "error: cannot read {}: the files read together may hold at most 256 MiB\n",
            dir.path().join("f4").display()
        )
    );
}

#[test]
fn a_dump_of_many_node_sections_is_refused_before_it_allocates() {
    let topology = "examples/two-socket.toml";
    // 11.5 MB of these made 6.5 GB; 128 lists of 8,191 CPUs already pass
    // the 2^20 numbers a dump's lists may name together.
    let dump = hostile::dump_many_nodes(200, 8191);
    let r = run_stdin(&["verify", topology, "--guest", "-"], dump.clone());
    assert_eq!(r.code(), 2);
    assert_eq!(
        r.err(),
        "error: <stdin>: not a dump a Linux guest prints: its node and CPU lists name more than \
         1048576 numbers together\n"
    );
    let r = run_stdin(&["import", "--dump", "-"], dump);
    assert_eq!(r.code(), 1);
    assert!(r.err().contains("T169(import-bad-dump)"), "{}", r.err());
    // Node numbers stop at the guest kernel's MAX_NUMNODES.
    let dump = hostile::dump_many_nodes(1025, 1);
    let r = run_stdin(&["verify", topology, "--guest", "-"], dump);
    assert_eq!(r.code(), 2);
    assert_eq!(
        r.err(),
        "error: <stdin>: not a dump a Linux guest prints: `## node1024`: Linux numbers nodes \
         below 1024\n"
    );
    // Within the bounds it is read: 1,024 nodes of 1,024 CPUs each.
    let dump = hostile::dump_many_nodes(1024, 1024);
    let r = run_stdin(&["verify", topology, "--guest", "-"], dump);
    assert_eq!(r.code(), 1, "a dump that differs: {}", r.err());
}
