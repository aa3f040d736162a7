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
//! - `targets`: `compile` on every target profile ([`PROFILES`]: the first
//!   byte picks one, the rest is the TOML): cloud-hypervisor with and
//!   without `--fallback`, pc, OVMF, OVMF-SP, each SPM dialect;
//! - `render`: the text and JSON renderers on any text and any spans (the
//!   input's first bytes place the labels): never a panic, the header's line
//!   and column are the file's, the JSON's agree, and a report's text is
//!   bounded whatever the file;
//! - `large`: `compile` on a large file made of a small input (a head, then
//!   a block repeated up to 4,096 times), so that inputs far past
//!   libFuzzer's `-max_len` run;
//! - `inspect`: the `inspect` command's reader (`cli::input::inspect_items`)
//!   on files cut from the input, as files and as a directory: the same
//!   items either way (a file named on the command line that is not a table
//!   is invalid, one in a directory skipped), text and JSON for each;
//! - `write`: the CLI's write path (`cli::write`) on a sequence of builds
//!   and `-o` writes cut from the input, into one directory holding a file
//!   of the user's: after each, the directory holds exactly that build's
//!   files and manifest, byte for byte, and the user's file.

use std::sync::OnceLock;
use topoc::acpi::{self, ChecksumPolicy};
use topoc::diag::render::{self, TextStyle};
use topoc::diag::{Diagnostic, codes};
use topoc::guest::dump::GuestDump;
use topoc::inspect;
use topoc::kinds::{Firmware, QemuMachine, QemuVersion, SpmDialect};
use topoc::pipeline::{self, Compiled, Options};
use topoc::source::SourceFile;
use topoc::target::TargetKind;

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
    compile_with(data, &Options::default());
}

/// The target profiles `targets` runs: a name, and what it sets.
pub const PROFILES: &[&str] = &[
    "qemu",
    "qemu-pc",
    "qemu-ovmf",
    "qemu-ovmf-sp",
    "qemu-sp-mem-11.1",
    "qemu-kernel-memmap-7.2",
    "cloud-hypervisor",
    "cloud-hypervisor-fallback",
];

/// The options of one of [`PROFILES`].
pub fn profile(name: &str) -> Options {
    let mut o = Options::default();
    match name {
        "qemu-pc" => o.qemu.machine = Some(QemuMachine::Pc),
        "qemu-ovmf" => o.qemu.firmware = Some(Firmware::Ovmf),
        "qemu-ovmf-sp" => o.qemu.firmware = Some(Firmware::OvmfSp),
        "qemu-sp-mem-11.1" => {
            o.qemu.spm = Some(SpmDialect::SpMem);
            o.qemu.version = Some(QemuVersion::V11_1);
        }
        "qemu-kernel-memmap-7.2" => {
            o.qemu.spm = Some(SpmDialect::KernelMemmap);
            o.qemu.version = Some(QemuVersion::V7_2);
        }
        "cloud-hypervisor" => o.target = TargetKind::CloudHypervisor,
        "cloud-hypervisor-fallback" => {
            o.target = TargetKind::CloudHypervisor;
            o.ch.fallback = true;
        }
        _ => {}
    }
    o
}

/// The first byte picks a profile of [`PROFILES`]; the rest is the TOML.
pub fn targets(data: &[u8]) {
    let Some((&pick, toml)) = data.split_first() else {
        return;
    };
    let name = PROFILES[usize::from(pick) % PROFILES.len()];
    compile_with(toml, &profile(name));
}

/// [`compile`] with these options.
pub fn compile_with(data: &[u8], options: &Options) {
    let text = String::from_utf8_lossy(data);
    let source = SourceFile::new("fuzz.toml", text.as_ref());
    match pipeline::compile(&source, options) {
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
        } else if a.file.ends_with(".cpio") {
            assert!(bytes.starts_with(b"070701"), "{} is no newc cpio", a.name);
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

/// The most bytes the text report of one diagnostic may take beyond its
/// own words (message, labels, help, note): its excerpt and drawing.
const TEXT_PER_DIAGNOSTIC: usize = 16 << 10;

/// Any text with labels placed by the input: the first byte says how many
/// labels (1 to 4), each then takes 8 bytes (start and length, as u32, taken
/// modulo the text's length), and the rest is the file. Renders one
/// diagnostic as text and as JSON, and many copies of it.
pub fn render(data: &[u8]) {
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let n = usize::from(n % 4) + 1;
    if rest.len() < 8 * n {
        return;
    }
    let (spans, file) = rest.split_at(8 * n);
    let text = String::from_utf8_lossy(file);
    let source = SourceFile::new("fuzz.toml", text.as_ref());
    let len = text.len() as u64;
    let span = |k: usize| {
        let word = |i: usize| {
            u64::from(u32::from_le_bytes(
                spans[8 * k + i..8 * k + i + 4].try_into().expect("4 bytes"),
            ))
        };
        let start = word(0) % (len + 1);
        let end = (start + word(4) % 512).min(len);
        topoc::source::Span::new(start as usize, end as usize)
    };
    let mut d = Diagnostic::new(&codes::T004, "fuzzed", span(0), "primary");
    for k in 1..n {
        d = d.label(span(k), format!("label {k}"));
    }
    let out = render::text(&d, &source, TextStyle::PLAIN);
    let (line, column) = source.line_col(d.primary.span.start as usize);
    // The header names the primary label's place, unless a label before it
    // in the same snippet takes the header (miette's rule: the first
    // primary label in the snippet, which is this one).
    assert!(
        out.contains(&format!("[fuzz.toml:{line}:{column}]")),
        "the header is not at {line}:{column}:\n{out}"
    );
    let words = d.message.len()
        + d.primary.message.len()
        + d.secondary.iter().map(|l| l.message.len()).sum::<usize>();
    assert!(
        out.len() <= words + TEXT_PER_DIAGNOSTIC,
        "{} bytes of text for one diagnostic",
        out.len()
    );
    let json: serde_json::Value =
        serde_json::from_str(&render::json(std::slice::from_ref(&d), &source))
            .expect("the JSON report is JSON");
    let first = &json["diagnostics"][0];
    assert_eq!(first["line"], line);
    assert_eq!(first["column"], column);
    // Many findings of one code: the text shows 20 and counts the rest.
    let many = vec![d; 21];
    let all = render::text_all(&many, &source, TextStyle::PLAIN);
    assert!(all.contains("… and 1 more T004 finding ("), "{all}");
    assert!(all.len() <= 20 * (out.len() + 2) + 200);
}

/// The most bytes `large` makes of one input.
pub const LARGE_MAX: usize = 2 << 20;

/// A large file from a small input: the first two bytes (little-endian,
/// modulo 4,096) say how many times the block repeats; the rest is a head
/// and a block, split at the first NUL (no NUL: all head, no block).
pub fn large(data: &[u8]) {
    if data.len() < 2 {
        return;
    }
    let times = usize::from(u16::from_le_bytes([data[0], data[1]])) % 4096;
    let rest = &data[2..];
    let (head, block) = match rest.iter().position(|&b| b == 0) {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, &[][..]),
    };
    let mut file = head.to_vec();
    for _ in 0..times {
        if file.len() + block.len() > LARGE_MAX {
            break;
        }
        file.extend_from_slice(block);
    }
    compile(&file);
}

/// A directory of its own for one fuzz input, removed when dropped.
struct Scratch(std::path::PathBuf);

impl Scratch {
    fn new(what: &str) -> Scratch {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let base = if std::path::Path::new("/dev/shm").is_dir() {
            std::path::PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let dir = base.join(format!(
            "topoc-fuzz-{what}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Cuts the input into up to 8 parts at each `\xff\xfe` (a pair no table
/// starts with that often).
fn parts(data: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = data;
    while out.len() < 7 {
        match rest.windows(2).position(|w| w == [0xff, 0xfe]) {
            Some(i) => {
                out.push(&rest[..i]);
                rest = &rest[i + 2..];
            }
            None => break,
        }
    }
    out.push(rest);
    out
}

/// `inspect` through its reader: the parts as files, one by one and as a
/// directory.
pub fn inspect(data: &[u8]) {
    use topoc::cli::input::inspect_items;
    let scratch = Scratch::new("inspect");
    let mut files = Vec::new();
    for (i, part) in parts(data).iter().enumerate() {
        let p = scratch.0.join(format!("t{i}"));
        std::fs::write(&p, part).expect("a scratch file");
        files.push(p);
    }
    let dir_items = inspect_items(std::slice::from_ref(&scratch.0)).expect("the directory reads");
    let file_items = inspect_items(&files).expect("the files read");
    assert_eq!(dir_items.len(), file_items.len(), "one item list per file");
    for (d, f) in dir_items.iter().zip(&file_items) {
        assert_eq!(d.file, f.file);
        match (&d.what, &f.what) {
            (inspect::What::Skipped { reason }, inspect::What::Invalid { error }) => {
                assert_eq!(reason, error)
            }
            (a, b) => assert_eq!(a, b),
        }
    }
    for items in [&dir_items, &file_items] {
        let text = inspect::text(items);
        for f in &files {
            assert!(text.contains(&f.display().to_string()), "{text}");
        }
        let json = serde_json::to_string(&inspect::json(items)).expect("JSON");
        assert_json("the inspect report", &json);
    }
}

/// The CLI's write path: the input is a sequence of writes, each a byte
/// saying which artifact files a build writes (a bit per name of
/// [`WRITE_NAMES`]; bit 7: an `-o` of the first instead), then the contents
/// up to the next `\xff\xfe`. Each goes into one directory that also holds a
/// file of the user's named like an artifact no build writes there.
pub fn write(data: &[u8]) {
    use topoc::cli::write::{OutDir, manifest, write_file};
    let scratch = Scratch::new("write");
    let dir = scratch.0.join("out");
    let user = ("notes.txt", b"the user's own file\n".as_slice());
    std::fs::create_dir_all(&dir).expect("the output directory");
    std::fs::write(dir.join(user.0), user.1).expect("the user's file");
    let quiet = |_: &str| {};
    // What the directory must hold (the manifest aside), and what the
    // manifest lists.
    let mut files: std::collections::BTreeMap<String, Vec<u8>> =
        [(user.0.to_string(), user.1.to_vec())].into();
    let mut listed: Vec<String> = Vec::new();
    let mut built = false;
    for part in parts(data) {
        let Some((&which, contents)) = part.split_first() else {
            continue;
        };
        if which & 0x80 != 0 {
            // `-o` replaces one file and leaves the manifest alone.
            let name = WRITE_NAMES[usize::from(which) % WRITE_NAMES.len()];
            write_file(&dir.join(name), contents, &quiet).expect("-o writes");
            files.insert(name.to_string(), contents.to_vec());
        } else {
            let mut out = OutDir::open(&dir, &quiet).expect("the directory opens");
            let mut wrote = Vec::new();
            for (bit, name) in WRITE_NAMES.iter().enumerate() {
                if which & (1 << bit) == 0 {
                    continue;
                }
                // Each file differs: its name, then the contents.
                let mut bytes = name.as_bytes().to_vec();
                bytes.extend_from_slice(contents);
                let staged = out
                    .stage_with(name, |w| w.write_all(&bytes).map(|()| true))
                    .expect("stages");
                assert!(staged);
                wrote.push((name.to_string(), bytes));
            }
            out.commit().expect("commits");
            // What the last build listed and this one does not is removed;
            // nothing else is touched.
            for n in &listed {
                if !wrote.iter().any(|(m, _)| m == n) {
                    files.remove(n);
                }
            }
            listed = wrote.iter().map(|(n, _)| n.clone()).collect();
            files.extend(wrote);
            built = true;
        }
        let mut seen: Vec<String> = std::fs::read_dir(&dir)
            .expect("lists")
            .map(|e| {
                e.expect("an entry")
                    .file_name()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        seen.sort();
        let mut want: Vec<String> = files.keys().cloned().collect();
        if built {
            want.push(".topoc-manifest".to_string());
            let text = std::fs::read_to_string(dir.join(".topoc-manifest")).expect("a manifest");
            let mut got = manifest::parse(&text).expect("the manifest parses");
            got.sort();
            let mut expect = listed.clone();
            expect.sort();
            assert_eq!(got, expect, "the manifest lists the last build");
        }
        want.sort();
        assert_eq!(seen, want, "the directory holds exactly what was written");
        for (n, bytes) in &files {
            assert_eq!(&std::fs::read(dir.join(n)).expect("a file"), bytes, "{n}");
        }
    }
}

/// The artifact file names the `write` target writes.
pub const WRITE_NAMES: &[&str] = &[
    "SRAT.dat",
    "SLIT.dat",
    "HMAT.dat",
    "e820.bin",
    "qemu.args",
    "resolved.json",
    "topology.svg",
];
