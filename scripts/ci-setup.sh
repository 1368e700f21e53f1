#!/usr/bin/env bash
# Installs what `make test` needs on a fresh Debian machine (run as root by
# .ci/run; also fine on a developer machine: every step is skipped when its
# tool is already there). Rust (rustup), Go, Python 3.11 + pip and gcc are
# expected to be installed already.
#
# One section per concern; append your own installs under a clearly marked
# section, pinned, and skip them when already present.
set -euo pipefail

log() { echo "ci-setup: $*"; }

# Debian packages: `apt-get update` once, only when something is missing.
apt_updated=0
apt_install() {
    if [[ $apt_updated -eq 0 ]]; then
        apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

# --- Rust toolchain components (make lint) -------------------------------------
if ! cargo fmt --version >/dev/null 2>&1; then
    log "installing rustfmt"
    rustup component add rustfmt
fi
if ! cargo clippy --version >/dev/null 2>&1; then
    log "installing clippy"
    rustup component add clippy
fi

# --- cbindgen (make header, make header-check) -----------------------------------
# Pinned: another version may format include/wheel_resolver.h differently.
# Keep in step with CBINDGEN_VERSION in scripts/gen-header.sh.
CBINDGEN_VERSION="0.29.4"
cbindgen_bin="${CARGO_HOME:-$HOME/.cargo}/bin/cbindgen"
if [[ -x "$cbindgen_bin" && "$("$cbindgen_bin" --version 2>/dev/null)" == "cbindgen $CBINDGEN_VERSION" ]]; then
    log "cbindgen $CBINDGEN_VERSION already installed"
else
    log "installing cbindgen $CBINDGEN_VERSION"
    cargo install cbindgen --version "$CBINDGEN_VERSION" --locked
fi

# --- C harness (make test-c) ---------------------------------------------------
# gcc comes with the machine; valgrind runs the leak check.
if ! command -v make >/dev/null 2>&1; then
    log "installing make"
    apt_install make
fi
if ! command -v valgrind >/dev/null 2>&1; then
    log "installing valgrind"
    apt_install valgrind
fi

# --- Python test servers ---------------------------------------------------------
# Local package-index servers for the index tests (tests/it: parity_cases.rs,
# index_*.rs, requires_python_and_fetch.rs, constraints.rs) and
# `make bench-index`: pypiserver (PEP 503 HTML; htpasswd auth made with passlib),
# devpi-server + devpi-client (PEP 691 JSON). Pinned. python3 -m http.server and
# scripts/index_test_server.py need only the stdlib; the TLS test uses openssl.
PYPISERVER_VERSION="2.4.2"
PASSLIB_VERSION="1.7.4"
DEVPI_SERVER_VERSION="6.20.3"
DEVPI_CLIENT_VERSION="7.3.0"
py_has() { [[ "$(python3 -m pip show "$1" 2>/dev/null | sed -n 's/^Version: //p')" == "$2" ]]; }
if py_has pypiserver "$PYPISERVER_VERSION" && py_has passlib "$PASSLIB_VERSION" \
    && py_has devpi-server "$DEVPI_SERVER_VERSION" && py_has devpi-client "$DEVPI_CLIENT_VERSION"; then
    log "index test servers already installed"
else
    log "installing index test servers (pypiserver, passlib, devpi-server, devpi-client)"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore \
        "pypiserver==$PYPISERVER_VERSION" "passlib==$PASSLIB_VERSION" \
        "devpi-server==$DEVPI_SERVER_VERSION" "devpi-client==$DEVPI_CLIENT_VERSION"
    # pyenv puts console scripts behind shims that need a rehash.
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
fi
if ! command -v openssl >/dev/null 2>&1; then
    log "installing openssl"
    apt_install openssl
fi

# --- Go binding (make test-go) -----------------------------------------------------
# Go itself comes with the machine; Go engineer: add any extra installs here.

# --- s390x cross build (make test-s390x, make dist, make consumer-check) -----------
# IBM Z is big-endian: the Rust tests, the C harness and the Go tests are
# cross-compiled for s390x-unknown-linux-gnu and run under qemu-user. The
# Rust target's std comes from rustup; Debian 12's cross gcc (also the C
# compiler of ring and the bundled SQLite, and cgo's CC), the s390x libc
# (headers, crt files and the sysroot qemu-s390x runs against with
# -L /usr/s390x-linux-gnu) and qemu-user come from apt, at bookworm's
# versions (gcc 12.2, qemu 7.2). .cargo/config.toml names the linker, the C
# compiler and the runner.
S390X_TARGET="s390x-unknown-linux-gnu"
if rustup target list --installed 2>/dev/null | grep -qx "$S390X_TARGET"; then
    log "rust target $S390X_TARGET already installed"
else
    log "installing rust target $S390X_TARGET"
    rustup target add "$S390X_TARGET"
fi
cross_missing=()
command -v s390x-linux-gnu-gcc >/dev/null 2>&1 || cross_missing+=(gcc-s390x-linux-gnu)
[[ -e /usr/s390x-linux-gnu/lib/libc.so.6 && -e /usr/s390x-linux-gnu/include/stdio.h ]] \
    || cross_missing+=(libc6-dev-s390x-cross)
command -v qemu-s390x >/dev/null 2>&1 || cross_missing+=(qemu-user)
if [[ ${#cross_missing[@]} -eq 0 ]]; then
    log "s390x cross toolchain and qemu-user already installed"
else
    log "installing s390x cross toolchain (${cross_missing[*]})"
    apt_install "${cross_missing[@]}"
fi

# --- Sanitizers (make test-c-asan, make test-go-asan) -------------------------------
# gcc's AddressSanitizer (with LeakSanitizer) and UBSan runtimes. On Debian 12
# gcc-12 pulls them in (libgcc-12-dev depends on libasan8 and libubsan1); they
# are installed here only when the compiler cannot find them.
san_missing=()
for rt in libasan.so:libasan8 libubsan.so:libubsan1; do
    lib="$(gcc -print-file-name="${rt%%:*}")"
    [[ -e "$lib" ]] || san_missing+=("${rt#*:}")
done
if [[ ${#san_missing[@]} -eq 0 ]]; then
    log "sanitizer runtimes already installed"
else
    log "installing sanitizer runtimes (${san_missing[*]})"
    apt_install "${san_missing[@]}"
fi

# --- Fuzzing (make test-fuzz, make fuzz, make fuzz-smoke) ---------------------------
# cargo-fuzz, pinned, for the targets in fuzz/. It needs a nightly toolchain,
# which this script does not install: without nightly, `make test-fuzz` prints
# a notice and skips the smoke run.
CARGO_FUZZ_VERSION="0.13.2"
if ! cargo +nightly --version >/dev/null 2>&1; then
    log "no nightly toolchain; cargo-fuzz not installed (make test-fuzz will skip)"
elif [[ "$(cargo fuzz --version 2>/dev/null)" == "cargo-fuzz $CARGO_FUZZ_VERSION" ]]; then
    log "cargo-fuzz $CARGO_FUZZ_VERSION already installed"
else
    log "installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

# --- Miri (make test-miri) ----------------------------------------------------------
# The pool's tests under Miri (tests/miri-pool) need nightly's miri component
# and the standard library's source (rust-src), from which cargo miri builds
# its sysroot on first use. Without nightly, `make test-miri` skips.
if ! cargo +nightly --version >/dev/null 2>&1; then
    log "no nightly toolchain; Miri not installed (make test-miri will skip)"
elif cargo +nightly miri --version >/dev/null 2>&1 \
    && rustup component list --toolchain nightly --installed 2>/dev/null | grep -qx rust-src; then
    log "miri already installed"
else
    log "installing miri and rust-src (nightly)"
    rustup component add miri rust-src --toolchain nightly
fi

log "done"
