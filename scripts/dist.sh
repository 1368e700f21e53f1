#!/usr/bin/env bash
# `make dist`: puts the prebuilt static archives and the header inside the Go
# module, where ffi.go looks for them when the Rust build tree is absent (a
# service that depends on a tagged go-binding):
#
#   go-binding/lib/linux_amd64/libwheel_resolver.a   from target/release
#   go-binding/lib/linux_s390x/libwheel_resolver.a   from target/s390x-unknown-linux-gnu/release
#   go-binding/lib/include/wheel_resolver.h          from include/
#   go-binding/lib/SHA256SUMS                        sha256 of the three, paths relative to lib/
#
# The archives are copied with their debug sections stripped (symbols kept;
# std's debug info is most of a Rust staticlib). Run after
# `make build build-s390x`. git ignores these files; the release process
# commits them on the release commit only (go-binding/README.md).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

lib=go-binding/lib
place() { # SRC_ARCHIVE PLATFORM STRIP
    local src=$1 dest="$lib/$2/libwheel_resolver.a"
    [[ -f "$src" ]] || { echo "dist: $src missing; run make build build-s390x" >&2; exit 1; }
    cp "$src" "$dest.tmp"
    "$3" --strip-debug "$dest.tmp"
    mv "$dest.tmp" "$dest"
    echo "dist: $dest ($(du -h "$dest" | cut -f1))"
}
place target/release/libwheel_resolver.a linux_amd64 strip
place target/s390x-unknown-linux-gnu/release/libwheel_resolver.a linux_s390x s390x-linux-gnu-strip
cp include/wheel_resolver.h "$lib/include/wheel_resolver.h"
(cd "$lib" && sha256sum linux_amd64/libwheel_resolver.a linux_s390x/libwheel_resolver.a \
    include/wheel_resolver.h >SHA256SUMS)
echo "dist: $lib/SHA256SUMS"
cat "$lib/SHA256SUMS"
