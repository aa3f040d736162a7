#!/usr/bin/env bash
# test.sh — the whole test suite, guest boots included.
#
# Installs what the guest-boot tests need when it is missing (QEMU 10 for
# x86_64 and aarch64 and libvirt 11.3 from bookworm-backports,
# busybox-static, cpio, ovmf, acpica-tools, qemu-efi-aarch64, the arm64
# package lists and bullseye's edk2 for the arm64 guests; needs root for
# apt), then runs every test. The guest tests boot real Linux kernels under
# QEMU/TCG, directly and through libvirt (tests/libvirt_boot.rs, no daemon);
# they are part of every run, never skipped.
#
# Then it runs each fuzz target for 20 s (scripts/fuzz.sh), and builds the
# book with mdbook (installed when missing): the tests have already proved
# its generated pages current (tests/book.rs), and the build proves every
# chapter, include and link in SUMMARY.md resolves.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-guest-deps.sh
scripts/install-book-deps.sh
cargo test --locked "$@"
# A short run of each fuzz target (about 3 minutes with the build; cargo-fuzz
# is installed when missing, about 3 more). Crashes found before are already
# replayed by tests/fuzz_regressions.rs; this looks for new ones.
scripts/fuzz.sh 20
mdbook build book
