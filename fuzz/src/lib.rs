//! What each fuzz target does with one input, and what it demands of topoc.
//!
//! The same functions run in two places: under libFuzzer (`fuzz_targets/`,
//! through `scripts/fuzz.sh`) and in the normal test suite, where
//! `tests/fuzz_regressions.rs` (through `tests/support/mod.rs`) includes this file and replays every input in
//! `fuzz/regressions/<target>/` (each crash the fuzzer found) and the seed
//! corpora. So a crash found once stays a test forever, without nightly.
//!
//! Beyond "no panic, no hang, no unbounded allocation" (libFuzzer's own
//! `-timeout` and `-malloc_limit_mb` catch the last two), each target
//! asserts the contracts a malformed input must not break:
//! - `compile`: a rejected file has at least one error and every diagnostic
//!   points into the file; a compiled one emits every artifact, its binary
//!   tables decode and re-encode byte for byte, and its JSON is JSON;
//! - `tables`: a table that decodes re-encodes to the same bytes (the codec's
//!   documented symmetry), and inspect describes anything it is given;
//! - `dump`: a dump that parses can be verified against every bundled example
//!   and rendered as text and JSON.

use std::sync::OnceLock;
use topoc::acpi::{self, ChecksumPolicy};
use topoc::diag::render::{self, TextStyle};
use topoc::guest::dump::GuestDump;
use topoc::inspect;
use topoc::pipeline::{self, Compiled, Options};
use topoc::source::SourceFile;

/// The bundled examples, for targets that need a compiled topology.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "two-socket.toml",
        include_str!("../../examples/two-socket.toml"),
    ),
    ("mi300a.toml", include_str!("../../examples/mi300a.toml")),
    (
        "grace-hopper.toml",
        include_str!("../../examples/grace-hopper.toml"),
    ),
    (
        "cxl-expander.toml",
        include_str!("../../examples/cxl-expander.toml"),
    ),
];

fn examples() -> &'static [Compiled] {
    static COMPILED: OnceLock<Vec<Compiled>> = OnceLock::new();
    COMPILED.get_or_init(|| {
        EXAMPLES
            .iter()
            .filter_map(|(name, text)| {
                pipeline::compile(&SourceFile::new(*name, *text), &Options::default()).ok()
            })
            .collect()
    })
}

fn assert_json(what: &str, text: &str) {
    if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
        panic!("{what} is not JSON ({e}):\n{text}");
    }
}

/// TOML → parse → model → check → layout → every artifact.
pub fn compile(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let source = SourceFile::new("fuzz.toml", text.as_ref());
    match pipeline::compile(&source, &Options::default()) {
        Err(diags) => {
            assert!(
                diags.iter().any(|d| d.is_error()),
                "compile failed without an error: {diags:?}"
            );
            for d in &diags {
                let spans = std::iter::once(&d.primary).chain(&d.secondary);
                for l in spans {
                    assert!(
                        !l.span.is_detached() && l.span.range().end <= text.len(),
                        "{} has a span outside the file: {:?} (file is {} bytes)",
                        d.code.code,
                        l.span,
                        text.len()
                    );
                }
            }
            let _ = render::text_all(&diags, &source, TextStyle::PLAIN);
            assert_json("the JSON diagnostics", &render::json(&diags, &source));
        }
        Ok(c) => {
            let _ = render::text_all(&c.warnings, &source, TextStyle::PLAIN);
            emit_all(&c);
        }
    }
}

/// Renders every artifact of a compiled topology and checks each is well
/// formed. Shared with the property tests' idea of "not malformed".
pub fn emit_all(c: &Compiled) {
    for a in topoc::emit::for_target(c.target.kind(), c.topo.machine.arch.value) {
        let Some(bytes) = a.render(c) else { continue };
        if a.file.ends_with(".json") {
            let text = std::str::from_utf8(&bytes)
                .unwrap_or_else(|e| panic!("{} is not UTF-8: {e}", a.name));
            assert_json(a.name, text);
        } else if a.file.ends_with(".dat") {
            let table = acpi::decode_any(&bytes)
                .unwrap_or_else(|e| panic!("emitted {} does not decode: {e}", a.name));
            assert!(
                table.to_bytes().ok().as_deref() == Some(&bytes[..]),
                "emitted {} does not re-encode to itself",
                a.name
            );
        } else if a.file.ends_with(".bin") {
            let entries = topoc::e820::decode(&bytes)
                .unwrap_or_else(|e| panic!("emitted {} does not decode: {e}", a.name));
            assert_eq!(topoc::e820::encode(&entries), bytes, "{}", a.name);
        } else {
            assert!(
                std::str::from_utf8(&bytes).is_ok(),
                "{} is not UTF-8",
                a.name
            );
        }
    }
}

/// Binary input → SRAT/SLIT/HMAT decoders, the E820 decoder and `inspect`.
pub fn tables(data: &[u8]) {
    if let Ok(t) = acpi::decode_any(data) {
        match t.to_bytes() {
            Ok(bytes) => assert!(
                bytes == data,
                "a table that decodes does not re-encode to the same bytes"
            ),
            Err(e) => panic!("a table that decodes does not encode: {e}"),
        }
    }
    if let Ok(t) = acpi::decode_any_with(data, ChecksumPolicy::Ignore) {
        let _ = acpi::inspect::text(&t);
        let _ = acpi::inspect::warnings(&t);
        let _ = serde_json::to_string(&acpi::inspect::json(&t));
    }
    if let Ok(entries) = topoc::e820::decode(data) {
        assert_eq!(topoc::e820::encode(&entries), data);
        let _ = topoc::e820::sanitize(&entries, topoc::e820::KernelRules::LINUX_6_1);
    }
    let items = inspect::classify("fuzz", data);
    let _ = inspect::text(&items);
    let _ = serde_json::to_string(&inspect::json(&items));
}

/// Text → the guest dump reader, then `verify` against every example.
pub fn dump(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let Ok(d) = GuestDump::parse(&text) else {
        return;
    };
    for c in examples() {
        let r = topoc::verify::verify(c, &d);
        let _ = r.render_text(true);
        assert_json("the verify report", &r.render_json());
    }
    let items = inspect::classify("fuzz", data);
    let _ = inspect::text(&items);
}
