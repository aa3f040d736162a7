#!/usr/bin/env bash
# test.sh — the whole test suite, guest boots included.
#
# Installs what the guest-boot tests need when it is missing (QEMU 10 from
# bookworm-backports, busybox-static, cpio, ovmf, acpica-tools; needs root
# for apt), then runs every test. The guest tests boot real Linux kernels
# under QEMU/TCG; they are part of every run, never skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-guest-deps.sh
cargo test --locked "$@"
