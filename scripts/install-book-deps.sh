#!/usr/bin/env bash
# install-book-deps.sh — mdbook, pinned, when it is missing.
#
# mdbook is not a Debian package, so it comes from crates.io through cargo.
# The version is pinned so every machine renders the same book; only the
# `search` feature is built (no `serve`/`watch`, which pull in a web server
# and file watchers nobody uses here). A cold install takes about 7 minutes
# on a 2-core machine; an installed mdbook of the right version costs nothing.
set -euo pipefail
MDBOOK_VERSION=0.4.52
if command -v mdbook >/dev/null 2>&1 && [ "$(mdbook --version)" = "mdbook v$MDBOOK_VERSION" ]; then
    exit 0
fi
echo "installing mdbook $MDBOOK_VERSION (cargo install; a few minutes)" >&2
cargo install mdbook --locked --version "$MDBOOK_VERSION" --no-default-features --features search
