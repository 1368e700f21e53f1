#!/usr/bin/env bash
# Regenerates the C header from src/ffi.rs with a pinned cbindgen.
#
#   scripts/gen-header.sh            write include/wheel_resolver.h
#   scripts/gen-header.sh OUTFILE    write OUTFILE instead (used by `make header-check`)
#
# cbindgen is pinned: a different version may format the header differently,
# which would make `make header-check` fail for no real change. When the pinned
# version is not on PATH (or in ~/.cargo/bin) it is installed with
# `cargo install --locked`.
set -euo pipefail

CBINDGEN_VERSION="0.29.4"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/include/wheel_resolver.h}"

cbindgen_version() {
    # `cbindgen --version` prints e.g. "cbindgen 0.29.4".
    "$1" --version 2>/dev/null | awk '{print $2}'
}

find_cbindgen() {
    local candidate
    for candidate in "$(command -v cbindgen 2>/dev/null || true)" "${CARGO_HOME:-$HOME/.cargo}/bin/cbindgen"; do
        if [[ -n "$candidate" && -x "$candidate" && "$(cbindgen_version "$candidate")" == "$CBINDGEN_VERSION" ]]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

if ! cbindgen="$(find_cbindgen)"; then
    echo "gen-header: cbindgen $CBINDGEN_VERSION not found; installing it with cargo install --locked" >&2
    cargo install cbindgen --version "$CBINDGEN_VERSION" --locked
    cbindgen="$(find_cbindgen)" || {
        echo "gen-header: cbindgen $CBINDGEN_VERSION still not found after installing it" >&2
        exit 1
    }
fi

mkdir -p "$(dirname "$out")"
tmp="$(mktemp "${out}.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
"$cbindgen" --quiet --config "$root/cbindgen.toml" --crate wheel-resolver --output "$tmp" "$root"
mv "$tmp" "$out"
trap - EXIT
