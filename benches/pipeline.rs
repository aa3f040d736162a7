//! `cargo bench`: time and peak heap of `check` and `build`, in process, on
//! generated machines from 2 to 1024 nodes, so the growth rate is visible.
//!
//! A custom harness (`harness = false`), not criterion: the numbers wanted
//! are per size and include peak memory, which a counting global allocator
//! measures exactly (criterion measures time only), and it builds with no
//! extra dependency, so `cargo clippy --all-targets` in CI stays cheap.
//! Times are the minimum and median of repeated runs (at least 5, or as many
//! as fit in about 0.3 s per measurement); the minimum is the least noisy on
//! a shared machine.
//!
//! What is measured, per size:
//! - `check`: parse → model → check → layout for the qemu target, which is
//!   what `topoc check` does. Machines beyond QEMU's 128 nodes are refused
//!   (T100 per extra node), which is the real work `check` does for them.
//! - `build`: `check` plus rendering every artifact in memory (no files).
//!   For qemu up to 128 nodes; for all sizes on cloud-hypervisor with
//!   `--fallback` (devices passed through, HMAT dropped: CH cannot carry it).
//! - `out`: the bytes all artifacts add up to, and `ns/B`, time per output
//!   byte: flat when the growth is linear in the size of the output.
//!
//! A second table measures reports of invalid inputs made to be large
//! (`topoc_testgen::hostile`): check, then the text report (`text_all`, which
//! shows 20 findings per code) and the JSON report (every finding) of a
//! chain of N nodes (T051 from every node), of a ring whose every link is
//! given K times (T082 with its label far up the file), and of a label
//! past column C. `ns/finding` of the JSON stays flat when rendering is
//! linear in the findings. `cargo bench --bench pipeline -- reports` runs
//! this table alone.
//!
//! `cargo bench -- --quick` runs each measurement once (a smoke test).
//! Speed is never asserted here or in any test: `book/src/performance.md`
//! records the numbers with the machine and date.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use topoc::diag::render::{self, TextStyle};
use topoc::pipeline::{self, Compiled, Options};
use topoc::source::SourceFile;
use topoc::target::TargetKind;
use topoc_testgen::{Devices, generate_with, hostile};

/// The system allocator, counting live and peak bytes.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call forwards to `System` with the caller's arguments; the
// counters are only statistics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(l) };
        if !p.is_null() {
            grew(l.size());
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) };
        LIVE.fetch_sub(l.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        let q = unsafe { System.realloc(p, l, new) };
        if !q.is_null() {
            LIVE.fetch_sub(l.size(), Ordering::Relaxed);
            grew(new);
        }
        q
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

struct Sample {
    min: Duration,
    median: Duration,
    peak: usize,
}

fn measure<T>(quick: bool, mut f: impl FnMut() -> T) -> Sample {
    // Peak heap of one run, above what was live before it.
    let base = LIVE.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    black_box(f());
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    let mut times = Vec::new();
    let budget = Duration::from_millis(300);
    let start = Instant::now();
    while times.len() < if quick { 1 } else { 5 } || (start.elapsed() < budget && times.len() < 200)
    {
        let t = Instant::now();
        black_box(f());
        times.push(t.elapsed());
        if quick {
            break;
        }
    }
    times.sort();
    Sample {
        min: times[0],
        median: times[times.len() / 2],
        peak,
    }
}

fn render_all(c: &Compiled) -> usize {
    topoc::emit::for_target(c.target.kind(), c.topo.machine.arch.value)
        .filter_map(|a| a.render(c))
        .map(|b| b.len())
        .sum()
}

fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

fn mib(b: usize) -> String {
    format!("{:.2}", b as f64 / (1 << 20) as f64)
}

fn row(size: usize, what: &str, outcome: &str, s: &Sample, out: usize) {
    let per_byte = if out > 0 {
        format!("{:.1}", s.min.as_nanos() as f64 / out as f64)
    } else {
        "-".into()
    };
    println!(
        "| {size:>5} | {what:<14} | {outcome:<12} | {:>9} | {:>9} | {:>8} | {:>10} | {per_byte:>6} |",
        ms(s.min),
        ms(s.median),
        mib(s.peak),
        out
    );
}

/// One row of the second table: check, text report, JSON report.
fn report_row(what: &str, text: &str, quick: bool) {
    let source = SourceFile::new(format!("{what}.toml"), text);
    let qemu = Options::default();
    let diags = match pipeline::compile(&source, &qemu) {
        Err(d) => d,
        Ok(c) => c.warnings,
    };
    let check = measure(quick, || pipeline::compile(&source, &qemu).is_ok());
    let text_out = render::text_all(&diags, &source, TextStyle::PLAIN);
    let text = measure(quick, || {
        render::text_all(&diags, &source, TextStyle::PLAIN).len()
    });
    let json_out = render::json(&diags, &source);
    let json = measure(quick, || render::json(&diags, &source).len());
    println!(
        "| {what:<22} | {:>9} | {:>8} | {:>9} | {:>10} | {:>9} | {:>11} | {:>10} | {:>10.0} |",
        source.text.len(),
        diags.len(),
        ms(check.min),
        ms(text.min),
        text_out.len(),
        ms(json.min),
        json_out.len(),
        json.min.as_nanos() as f64 / diags.len().max(1) as f64,
    );
}

fn reports(quick: bool) {
    println!();
    println!("reports of large invalid inputs: times in ms (minimum), sizes in bytes");
    println!();
    println!(
        "| input                  | in bytes  | findings | check ms  | text ms    | text B    | json ms     | json B     | ns/finding |"
    );
    println!(
        "|------------------------|----------:|---------:|----------:|-----------:|----------:|------------:|-----------:|-----------:|"
    );
    for n in [128, 256, 512, 1024] {
        report_row(&format!("chain-{n}"), &hostile::chain(n, false), quick);
    }
    for k in [10, 40, 80] {
        report_row(
            &format!("ring-128-links-x{k}"),
            &hostile::duplicate_links(128, k),
            quick,
        );
    }
    for c in [100_000, 1_000_000] {
        report_row(
            &format!("label-at-column-{c}"),
            &hostile::long_line(c).0,
            quick,
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    // `cargo test --benches` passes --test-style flags; run the smoke version.
    let quick = quick || args.iter().any(|a| a == "--test");
    if args.iter().any(|a| a == "reports") {
        reports(quick);
        return;
    }
    let sizes = [2usize, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
    let seed = 1;
    println!(
        "topoc pipeline benchmark: generated machines (topoc-testgen seed {seed}), times in ms, peak heap in MiB"
    );
    println!();
    println!(
        "| nodes | what           | outcome      |   min ms  | median ms | peak MiB |  out bytes |  ns/B  |"
    );
    println!(
        "|------:|----------------|--------------|----------:|----------:|---------:|-----------:|-------:|"
    );
    for &n in &sizes {
        let stand_in = generate_with(n, seed, Devices::StandIn);
        let source = SourceFile::new(format!("gen-{n}.toml"), stand_in.toml.as_str());
        let qemu = Options::default();
        let result = pipeline::compile(&source, &qemu);
        let outcome = match &result {
            Ok(_) => "ok".to_string(),
            Err(d) => format!("{} errors", d.iter().filter(|d| d.is_error()).count()),
        };
        let s = measure(quick, || pipeline::compile(&source, &qemu).is_ok());
        row(n, "check qemu", &outcome, &s, 0);
        if let Ok(c) = &result {
            let out = render_all(c);
            let s = measure(quick, || {
                pipeline::compile(&source, &qemu).map(|c| render_all(&c))
            });
            row(n, "build qemu", "ok", &s, out);
        }

        let host = generate_with(n, seed, Devices::Host);
        let source = SourceFile::new(format!("gen-{n}-host.toml"), host.toml.as_str());
        let mut ch = Options {
            target: TargetKind::CloudHypervisor,
            ..Options::default()
        };
        ch.ch.fallback = true;
        match pipeline::compile(&source, &ch) {
            Ok(c) => {
                let out = render_all(&c);
                let s = measure(quick, || {
                    pipeline::compile(&source, &ch).map(|c| render_all(&c))
                });
                row(n, "build ch", "ok, no HMAT", &s, out);
            }
            Err(d) => {
                let codes: Vec<&str> = d
                    .iter()
                    .filter(|d| d.is_error())
                    .map(|d| d.code.code)
                    .collect();
                println!("| {n:>5} | build ch       | refused: {codes:?} |");
            }
        }
    }
    reports(quick);
}
