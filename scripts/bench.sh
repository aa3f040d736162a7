#!/usr/bin/env bash
# bench.sh — whole-process timings of topoc with hyperfine, and side by side
# with what it replaces, printed as ratios in one run:
#
#   1. scaling: `topoc check` and `topoc build` on generated machines from 2
#      to 1024 nodes (mean wall time and peak RSS per size), and on the
#      largest bundled example;
#   2. a mistake found by `topoc check` vs QEMU starting on the same
#      mistaken command line (-S) until it prints its error;
#   3. `topoc build` vs booting the guest under QEMU/TCG until the probe has
#      printed what the guest sees (the guest tests' kernel and initramfs);
#   4. `topoc build` of SRAT, SLIT and HMAT vs `iasl` compiling the same
#      tables from data-table source (.dsl made by `iasl -d` from ours).
#
#   scripts/bench.sh            everything (about 5 minutes: the boots are slow)
#   BENCH_QUICK=1 scripts/bench.sh   fewer runs, no boot
#
# Installs hyperfine (Debian) when missing; QEMU and iasl come from
# scripts/install-guest-deps.sh. The in-process numbers with peak heap per
# stage are `cargo bench`. Results and the machine they came from are kept
# in book/src/performance.md; nothing here asserts a speed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

if ! command -v hyperfine >/dev/null; then
    echo "bench.sh: installing hyperfine" >&2
    apt-get install -y hyperfine >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y hyperfine >/dev/null; }
fi
for tool in qemu-system-x86_64 iasl; do
    command -v "$tool" >/dev/null || scripts/install-guest-deps.sh
done

cargo build --release -q
cargo build --release -q -p topoc-testgen
topoc=$root/target/release/topoc
gen=$root/target/release/topoc-testgen
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
quick=${BENCH_QUICK:-}
runs=(-w 3 -m 10)
[ -n "$quick" ] && runs=(-w 1 -r 3)

# mean_ms JSON → the mean of the first result, in ms.
mean_ms() { python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["mean"]*1e3))' "$1"; }
# time_cmd NAME CMD... → mean ms of CMD (failures allowed: a refusal is a result).
time_cmd() {
    local name=$1
    shift
    hyperfine -N -i "${runs[@]}" --export-json "$work/$name.json" "$(printf '%q ' "$@")" >/dev/null 2>&1
    mean_ms "$work/$name.json"
}
# rss_mib CMD... → peak RSS of one run, MiB.
rss_mib() {
    /usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>&1 || true
    python3 -c 'import sys; print("%.1f" % (int(open(sys.argv[1]).read().split()[-1]) / 1024))' "$work/rss"
}
ratio() { python3 -c 'import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); print("%.0f×" % (b / a) if b >= a else "%.2f×" % (b / a))' "$1" "$2"; }

echo "topoc bench — $(date -u +%Y-%m-%d), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "$($topoc --version), $(qemu-system-x86_64 --version | head -1), iasl $(iasl -v 2>/dev/null | grep -o 'version [0-9]*' | head -1)"
echo

echo "## 1. Scaling (whole process; mean of hyperfine runs; build writes to tmpfs)"
echo
echo "| nodes | input KiB | check ms | check MiB | build target | build ms | build MiB | output KiB |"
echo "|------:|----------:|---------:|----------:|--------------|---------:|----------:|-----------:|"
out=/dev/shm/topoc-bench-$$
trap 'rm -rf "$work" "$out"' EXIT
sizes=(2 4 8 16 32 64 128 256 512 1024)
[ -n "$quick" ] && sizes=(2 16 128 1024)
for n in "${sizes[@]}"; do
    "$gen" "$n" 1 >"$work/g$n.toml"
    "$gen" "$n" 1 --host-devices >"$work/h$n.toml"
    kib=$(( $(wc -c <"$work/g$n.toml") / 1024 ))
    c_ms=$(time_cmd "check$n" "$topoc" check -q "$work/g$n.toml")
    c_mib=$(rss_mib "$topoc" check -q "$work/g$n.toml")
    if [ "$n" -le 128 ]; then
        b=(build -q "$work/g$n.toml" --out "$out/$n")
        what=qemu
    else
        b=(build -q --target cloud-hypervisor --fallback "$work/h$n.toml" --out "$out/$n")
        what="ch (qemu: T100)"
    fi
    b_ms=$(time_cmd "build$n" "$topoc" "${b[@]}")
    b_mib=$(rss_mib "$topoc" "${b[@]}")
    o_kib=$(( $(du -sb "$out/$n" | cut -f1) / 1024 ))
    rm -rf "$out/$n"
    echo "| $n | $kib | $c_ms | $c_mib | $what | $b_ms | $b_mib | $o_kib |"
done
echo

largest=$(for f in examples/*.toml; do echo "$(grep -c '^\[\[node\]\]' "$f") $f"; done | sort -n | tail -1 | cut -d' ' -f2)
ex_check=$(time_cmd excheck "$topoc" check -q "$largest")
ex_build=$(time_cmd exbuild "$topoc" build -q "$largest" --out "$out/ex")
ex_disk=$(time_cmd exdisk "$topoc" build -q "$largest" --out "$work/ex")
echo "Largest bundled example, $largest: check $ex_check ms, build $ex_build ms to tmpfs, $ex_disk ms to disk (one fsync per file)."
echo

echo "## 2. A mistake: topoc check vs QEMU reaching its error"
echo
bad=tests/cases/T020-cpu-in-two-nodes.toml
# The same machine as QEMU options: vCPU 2 in both nodes.
qemu_bad=(qemu-system-x86_64 -machine q35 -S -display none -nodefaults -monitor none -serial none
    -smp 4,sockets=2,cores=2 -m 2G
    -object memory-backend-ram,id=m0,size=1G -object memory-backend-ram,id=m1,size=1G
    -numa node,nodeid=0,cpus=0-2,memdev=m0 -numa node,nodeid=1,cpus=2-3,memdev=m1)
echo "QEMU says: $("${qemu_bad[@]}" </dev/null 2>&1 | head -1)"
echo "topoc says: $($topoc check "$bad" 2>&1 | grep -m1 '×' | sed 's/^ *× *//')"
t_bad=$(time_cmd bad "$topoc" check -q "$bad")
q_bad=$(time_cmd qbad "${qemu_bad[@]}")
echo
echo "| | ms |"
echo "|---|---:|"
echo "| topoc check | $t_bad |"
echo "| qemu-system-x86_64 -S to its error | $q_bad |"
echo "| ratio (QEMU / topoc) | $(ratio "$t_bad" "$q_bad") |"
echo

echo "## 3. topoc build vs booting the guest to see the same"
echo
kernel=$(ls target/guest-cache/kernel/*/boot/vmlinuz-* 2>/dev/null | head -1 || true)
initrd=$(ls target/guest-cache/initramfs-*.cpio 2>/dev/null | head -1 || true)
if [ -n "$quick" ]; then
    echo "(skipped with BENCH_QUICK)"
elif [ -z "$kernel" ] || [ -z "$initrd" ]; then
    echo "(no guest kernel cached: run \`cargo test --test guest_smoke\` once, then again)"
else
    ex=examples/mi300a.toml
    $topoc build -q "$ex" --out "$work/boot"
    mapfile -t qargs <"$work/boot/qemu.args"
    extra=$(cat "$work/boot/kernel-cmdline.txt" 2>/dev/null || true)
    boot=(qemu-system-x86_64 -accel tcg -nodefaults -display none -no-reboot -monitor none
        -serial "file:$work/console.log" -kernel "$kernel" -initrd "$initrd"
        -append "console=ttyS0 quiet panic=-1 nokaslr $extra" "${qargs[@]}")
    t_build=$(time_cmd build_ex "$topoc" build -q "$ex" --out "$out/boot")
    hyperfine -N -i -r 2 --export-json "$work/boot.json" "$(printf '%q ' "${boot[@]}")" >/dev/null 2>&1
    t_boot=$(mean_ms "$work/boot.json")
    if grep -q 'TOPOC-DUMP-END' "$work/console.log"; then seen="the probe's dump is complete"; else seen="NO complete dump in the console log"; fi
    echo "Guest: $(basename "$kernel"), TCG, $ex ($seen)."
    echo
    echo "| | ms |"
    echo "|---|---:|"
    echo "| topoc build | $t_build |"
    echo "| boot the guest to its dump | $t_boot |"
    echo "| ratio (boot / topoc) | $(ratio "$t_build" "$t_boot") |"
fi
echo

echo "## 4. SRAT, SLIT and HMAT: topoc build vs iasl compiling them"
echo
echo "iasl compiles each table from the data-table source \`iasl -d\` made of ours."
echo
echo "| machine | table bytes | topoc build, all artifacts (1 process) | topoc --emit each table (3 processes) | iasl, 3 tables (3 processes) | iasl / topoc build |"
echo "|---------|------------:|---------:|---------:|---------:|------:|"
"$gen" 128 1 >"$work/g128.toml"
for ex in examples/mi300a.toml "$work/g128.toml"; do
    d=$work/iasl-$(basename "$ex" .toml)
    mkdir -p "$d"
    $topoc build -q "$ex" --out "$d"
    (cd "$d" && for t in SRAT SLIT HMAT; do iasl -d "$t.dat" >/dev/null 2>&1; done)
    bytes=$(cat "$d/SRAT.dat" "$d/SLIT.dat" "$d/HMAT.dat" | wc -c)
    t_build=$(time_cmd "tb$bytes" "$topoc" build -q "$ex" --out "$out/t$bytes")
    t_each=$(time_cmd "te$bytes" sh -c "for t in srat slit hmat; do $topoc build -q $ex --emit \$t -o $d/\$t.out; done")
    i_tables=$(time_cmd "ti$bytes" sh -c "cd $d && for t in SRAT SLIT HMAT; do iasl -p \$t.out \$t.dsl >/dev/null; done")
    name=$(basename "$ex" .toml)
    [ "$name" = g128 ] && name="generated, 128 nodes"
    echo "| $name | $bytes | $t_build | $t_each | $i_tables | $(ratio "$t_build" "$i_tables") |"
done
