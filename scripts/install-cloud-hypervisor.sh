#!/usr/bin/env bash
# install-cloud-hypervisor.sh — find (or build) the cloud-hypervisor binary topoc's tests run,
# and make sure the PVH probe of tests/ch_probe.rs can be built.
#
# The binary is looked up in this order; the first hit wins, and tests/support/ch.rs looks in
# exactly the same order (it never builds):
#   1. $TOPOC_CLOUD_HYPERVISOR            (must be a supported release, else this fails)
#   2. cloud-hypervisor on PATH           (when `--version` names a supported release)
#   3. the cache: ${XDG_CACHE_HOME:-$HOME/.cache}/topoc/cloud-hypervisor-v53.0/cloud-hypervisor
#   4. a build from ../shared/tools/cloud-hypervisor/build.sh beside the repository, which
#      builds v53.0 from its source tarball into that cache (4-7 minutes on 2 cores)
# Supported releases: v52.0.x, v53.0.x and v54.0.x (`[target.cloud-hypervisor] version`);
# a development build (`v53.0.0-12-gabcdef`) is not, since its tables may differ.
#
# The probe is a tiny 32-bit PVH kernel built with `gcc -m32 -ffreestanding -nostdlib` and
# GNU ld/as: no 32-bit headers or libraries are involved, so Debian's `gcc` and `binutils`
# suffice (gcc-multilib is not needed). When gcc cannot build a 32-bit object, they are
# installed with apt (root).
#
# Prints the binary's path as the last line on stdout. Exit status 0 on success, 1 on failure.
# Running it needs /dev/kvm; that is checked, not installed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_BIN=${XDG_CACHE_HOME:-$HOME/.cache}/topoc/cloud-hypervisor-v53.0/cloud-hypervisor
BUILD_SH=$ROOT/../shared/tools/cloud-hypervisor/build.sh

say() { echo "install-cloud-hypervisor: $*" >&2; }
die() { echo "install-cloud-hypervisor: error: $*" >&2; exit 1; }

HOWTO="provide a cloud-hypervisor v52.0, v53.0 or v54.0 binary: set TOPOC_CLOUD_HYPERVISOR=/path/to/cloud-hypervisor, put it on PATH as cloud-hypervisor, or place it at $CACHE_BIN (../shared/tools/cloud-hypervisor/build.sh builds v53.0 there from source)"

# The first line `--version` prints (read whole: cloud-hypervisor panics on a closed pipe).
first_line() {
    local out
    out=$("$1" --version 2>&1) || return 1
    echo "${out%%$'\n'*}"
}

# "cloud-hypervisor v53.0.0" -> "53.0"; empty for anything else (missing, not runnable,
# a development build, an unsupported release).
supported_version() {
    local v
    v=$(first_line "$1") || return 0
    case "$v" in
        "cloud-hypervisor v52.0."[0-9]*|"cloud-hypervisor v53.0."[0-9]*|"cloud-hypervisor v54.0."[0-9]*) ;;
        *) return 0 ;;
    esac
    v=${v#cloud-hypervisor v}
    [[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || return 0
    echo "${v%.*}"
}

find_binary() {
    local c ver
    if [ -n "${TOPOC_CLOUD_HYPERVISOR:-}" ]; then
        [ -x "$TOPOC_CLOUD_HYPERVISOR" ] || die "TOPOC_CLOUD_HYPERVISOR=$TOPOC_CLOUD_HYPERVISOR is not an executable file; $HOWTO"
        ver=$(supported_version "$TOPOC_CLOUD_HYPERVISOR")
        [ -n "$ver" ] || die "TOPOC_CLOUD_HYPERVISOR=$TOPOC_CLOUD_HYPERVISOR is not a supported release ($(first_line "$TOPOC_CLOUD_HYPERVISOR" || true)); $HOWTO"
        echo "$TOPOC_CLOUD_HYPERVISOR"
        return
    fi
    if c=$(command -v cloud-hypervisor 2>/dev/null); then
        ver=$(supported_version "$c")
        if [ -n "$ver" ]; then
            echo "$c"
            return
        fi
        say "ignoring $c: $(first_line "$c" || echo "no version") is not a supported release"
    fi
    if [ -x "$CACHE_BIN" ] && [ -n "$(supported_version "$CACHE_BIN")" ]; then
        echo "$CACHE_BIN"
    fi
}

# The probe's tool chain: a freestanding 32-bit object, linked as i386 and as x86_64.
probe_tools_ok() {
    local w rc=0
    command -v gcc >/dev/null 2>&1 && command -v ld >/dev/null 2>&1 && command -v as >/dev/null 2>&1 || return 1
    w=$(mktemp -d)
    printf 'void _start(void) { for (;;) __asm__ volatile("hlt"); }\n' > "$w/t.c"
    gcc -m32 -ffreestanding -fno-pic -fno-pie -nostdlib -c "$w/t.c" -o "$w/t.o" 2>/dev/null \
        && ld -m elf_i386 --oformat binary -Ttext 0x100000 -e _start -o "$w/t.bin" "$w/t.o" 2>/dev/null \
        && printf '.text\nnop\n' | as --64 -o "$w/w.o" 2>/dev/null || rc=1
    rm -rf "$w"
    return "$rc"
}

if ! probe_tools_ok; then
    say "gcc -m32 -ffreestanding, as and ld cannot build the PVH probe: installing gcc and binutils"
    [ "$(id -u)" -eq 0 ] || die "must run as root to install gcc and binutils (try: sudo $0)"
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install gcc (with -m32 support) and GNU binutils yourself"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends gcc binutils >/dev/null \
        || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends gcc binutils >/dev/null; } \
        || die "apt-get install gcc binutils failed"
    probe_tools_ok || die "gcc still cannot build a freestanding 32-bit object after installing gcc and binutils"
    say "installed gcc and binutils"
fi

bin=$(find_binary)
if [ -z "$bin" ]; then
    if [ -x "$BUILD_SH" ]; then
        say "no supported cloud-hypervisor found; building v53.0 with $BUILD_SH"
        start=$(date +%s)
        bin=$("$BUILD_SH" | tail -n 1) || die "$BUILD_SH failed; $HOWTO"
        say "build.sh took $(( $(date +%s) - start )) s"
        [ "$bin" = "$CACHE_BIN" ] || die "build.sh left the binary at $bin, not at $CACHE_BIN where the tests look"
        [ -n "$(supported_version "$bin")" ] || die "the binary build.sh made does not say it is v53.0: $(first_line "$bin" || true)"
    else
        die "no supported cloud-hypervisor found and $BUILD_SH is not there to build one; $HOWTO"
    fi
fi

[ -e /dev/kvm ] || die "/dev/kvm does not exist: the cloud-hypervisor tests need KVM"
[ -r /dev/kvm ] && [ -w /dev/kvm ] || die "/dev/kvm is not readable and writable by $(id -un): the cloud-hypervisor tests need KVM"

say "$(first_line "$bin") at $bin"
echo "$bin"
