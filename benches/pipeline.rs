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
//! `cargo bench -- --quick` runs each measurement once (a smoke test).
//! Speed is never asserted here or in any test: `book/src/performance.md`
//! records the numbers with the machine and date.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use topoc::pipeline::{self, Compiled, Options};
use topoc::source::SourceFile;
use topoc::target::TargetKind;
use topoc_testgen::{Devices, generate_with};

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

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let quick = args.iter().any(|a| a == "--quick");
    // `cargo test --benches` passes --test-style flags; run the smoke version.
    let quick = quick || args.iter().any(|a| a == "--test");
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
}
