#!/usr/bin/env bash
# fuzz.sh — run topoc's cargo-fuzz targets (fuzz/) for a while each.
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]      default: 20 s each, every target
#
# Targets: compile (TOML through the whole pipeline and every emitter),
# tables (SRAT/SLIT/HMAT/E820 decoders and inspect), dump (the guest dump
# reader and verify), targets (compile on every target profile: the first
# byte picks cloud-hypervisor, --fallback, pc, OVMF, an SPM dialect ...),
# render (the diagnostic renderers, labels anywhere), large (compile on a
# block repeated up to 2 MiB), inspect (inspect's file and directory
# reader), write (the CLI's output directory and -o writes). Each run starts from a seed corpus built here from the
# examples, the test cases, generated topologies, our golden tables, the
# reference tables in tests/data/ (QEMU's, real machines', guest boots') and
# the committed guest dumps, plus whatever earlier runs added (fuzz/corpus/,
# not committed); everything it reads is in the repository. A crash stops
# the script with status 1 and leaves the input in fuzz/artifacts/<target>/:
# copy it to fuzz/regressions/<target>/ so tests/fuzz_regressions.rs keeps it.
#
# FUZZ_SEEDS_ONLY=1 only builds the seed corpora (fuzz/seeds/).
#
# cargo-fuzz needs a nightly compiler for `-Zsanitizer`; the machine has only
# stable, so RUSTC_BOOTSTRAP=1 lets stable accept the flag. Builds are
# `--dev` with no sanitizer: topoc is safe Rust, so what ASan adds is
# nothing, and a debug build (overflow checks and debug assertions on)
# compiles in a fraction of the release time. FUZZ_RELEASE=1 builds with -O
# for long runs. cargo-fuzz is installed when missing (about 3 minutes).
#
# Limits: -timeout=10 (a hang), -malloc_limit_mb=512 / -rss_limit_mb=2048
# (unbounded allocation from an input), -max_len=65536.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
secs=${1:-20}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(compile tables dump targets render large inspect write)

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz.sh: installing cargo-fuzz" >&2
    start=$(date +%s)
    cargo install cargo-fuzz --locked --version 0.13.2
    echo "fuzz.sh: cargo-fuzz installed in $(($(date +%s) - start)) s" >&2
fi

export RUSTC_BOOTSTRAP=1
build=(--dev -s none)
if [ "${FUZZ_RELEASE:-}" = 1 ]; then build=(-O -s none); fi

seed() { # seed TARGET FILE...
    local dir=fuzz/seeds/$1
    shift
    mkdir -p "$dir"
    for f in "$@"; do
        [ -f "$f" ] || continue
        cp "$f" "$dir/$(echo "$f" | sed 's#^[./]*##; s#[/ ]#_#g')"
    done
}

rm -rf fuzz/seeds
seed compile examples/*.toml tests/cases/*.toml
mkdir -p fuzz/seeds/compile
cargo build -q -p topoc-testgen
testgen=${CARGO_TARGET_DIR:-target}/debug/topoc-testgen
for n in 2 3 5 8 16 40; do
    for s in 1 2 3; do
        "$testgen" "$n" "$s" >"fuzz/seeds/compile/gen-$n-$s.toml"
    done
done
seed tables tests/golden/*/*.dat tests/golden/*/*.bin \
    $(find tests/data -type f \( -name 'SRAT*' -o -name 'SLIT*' -o -name 'HMAT*' -o -name '*.aml' \))
seed dump src/guest/testdata/* book/src/examples/*.guest.txt
# targets: each compile seed on each profile (the first byte).
mkdir -p fuzz/seeds/targets fuzz/seeds/render fuzz/seeds/large fuzz/seeds/inspect fuzz/seeds/write
for f in fuzz/seeds/compile/*; do
    for k in 0 1 2 3 4 5 6 7; do
        { printf "\\$(printf %o "$k")"; cat "$f"; } >"fuzz/seeds/targets/$k-$(basename "$f")"
    done
    # render: three labels (spans from the start of the file), then the file.
    { printf '\002\000\000\000\000\010\000\000\000\100\000\000\000\004\000\000\000\200\000\000\000\020\000\000\000'; cat "$f"; } \
        >"fuzz/seeds/render/$(basename "$f")"
done
# large: an example as the head, a link table repeated 1,024 times.
for f in examples/*.toml; do
    { printf '\000\004'; cat "$f"; printf '\000[[link]]\nfrom = "a"\nto = "b"\nkind = "upi"\n'; } \
        >"fuzz/seeds/large/$(basename "$f")"
done
# inspect: golden tables, several to an input (cut at \xff\xfe).
for d in tests/golden/*/; do
    for f in "$d"*.dat "$d"*.bin; do if [ -f "$f" ]; then cat "$f"; printf '\377\376'; fi; done \
        >"fuzz/seeds/inspect/$(basename "$d")"
done
# write: builds of different artifact sets, and -o between them.
printf '\177all\377\376\001one\377\376\201-o\377\376\006two\377\376\000none' >fuzz/seeds/write/sequence
printf '\177x' >fuzz/seeds/write/one-build

[ "${FUZZ_SEEDS_ONLY:-}" = 1 ] && exit 0

for t in "${targets[@]}"; do
    cargo fuzz build "${build[@]}" "$t"
done

status=0
mkdir -p fuzz/logs
for t in "${targets[@]}"; do
    mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t"
    log=fuzz/logs/$t.log
    echo "fuzz.sh: $t for $secs s" >&2
    if ! cargo fuzz run "${build[@]}" "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
        -max_total_time="$secs" -timeout=10 -malloc_limit_mb=512 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 ${FUZZ_EXTRA:-} \
        -artifact_prefix="$root/fuzz/artifacts/$t/" >"$log" 2>&1; then
        status=1
        echo "fuzz.sh: $t FOUND A CRASH; the input is in fuzz/artifacts/$t/:" >&2
        grep -E "panicked|ERROR|SUMMARY|Test unit written" "$log" | head -20 >&2
    fi
    runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$log" | grep -oE '[0-9]+$' || echo '?')
    cov=$(grep -oE 'DONE +cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -1 | sed 's/DONE *//' || true)
    echo "fuzz.sh: $t: $runs executions, ${cov:-no final stats (see $log)}" >&2
done
exit $status
