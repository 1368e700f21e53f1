# One entry point for building, testing and benchmarking.
#   make example   plan the bundled example input (examples/service) and print a summary
#   make test      every host check CI runs: fmt, clippy, Rust tests, header drift, C harness (valgrind),
#                  sanitizers, fuzz smoke, the pool under Miri, Go tests
#   make test-s390x          cross build for IBM Z, Rust / C / Go tests under qemu-user (CI runs it too)
#   make dist consumer-check prebuilt archives in the Go module, built against from outside (CI runs it too)
CARGO ?= cargo
LIB_DIR := target/release

.PHONY: all build example test lint test-rust header header-check test-c test-go bench clean

all: build

build:
	$(CARGO) build --release --lib

# --- lint -----------------------------------------------------------------
lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -- -D warnings

# --- Rust tests --------------------------------------------------------------
test-rust:
	$(CARGO) test --all-targets

# --- header (cbindgen) and C harness -----------------------------------------
# include/wheel_resolver.h is generated from src/ffi.rs by a pinned cbindgen
# (scripts/gen-header.sh, cbindgen.toml) and committed; `make header-check`
# (CI) fails when regenerating it would change it.
#
# tests/c/harness.c proves the C ABI against the STATIC library. Linking
# libwheel_resolver.a needs these native libraries, as printed by
#   cargo rustc --release --lib --crate-type staticlib -- --print native-static-libs
# tests/it/native_static_libs.rs fails when rustc's list and this one differ.
NATIVE_STATIC_LIBS := -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
STATIC_LIB := $(LIB_DIR)/libwheel_resolver.a
HARNESS := tests/c/build/harness
HARNESS_SRC := tests/c/harness.c tests/c/json.c
HARNESS_CFLAGS := -std=c99 -g -O1 -Wall -Wextra -Werror -pedantic -Iinclude -Itests/c
# The [package] version in Cargo.toml; resolver_version() must return it.
CRATE_VERSION = $(shell awk -F'"' '/^\[/ { p = ($$0 == "[package]") } p && /^version *=/ { print $$2; exit }' Cargo.toml)
VALGRIND := valgrind --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --error-exitcode=1
# Calls per thread in the concurrency check under valgrind (50 in the plain run).
VALGRIND_ITERATIONS := 10

header:
	scripts/gen-header.sh

header-check:
	@tmp=$$(mktemp) && trap 'rm -f "$$tmp"' EXIT && \
	scripts/gen-header.sh "$$tmp" && \
	if ! diff -u --label 'include/wheel_resolver.h (committed)' --label 'regenerated from src/ffi.rs' \
		include/wheel_resolver.h "$$tmp"; then \
		echo "header-check: include/wheel_resolver.h is out of date with src/ffi.rs;" \
			"run 'make header' and commit the result" >&2; \
		exit 1; \
	fi; \
	echo "header-check: include/wheel_resolver.h is up to date"

test-c: build
	@command -v valgrind >/dev/null || { \
		echo "test-c: valgrind not found; run scripts/ci-setup.sh (or apt-get install valgrind)" >&2; \
		exit 1; }
	@test -n "$(CRATE_VERSION)" || { echo "test-c: no [package] version in Cargo.toml" >&2; exit 1; }
	@mkdir -p $(dir $(HARNESS))
	$(CC) $(HARNESS_CFLAGS) -o $(HARNESS) $(HARNESS_SRC) $(STATIC_LIB) $(NATIVE_STATIC_LIBS) -pthread
	@echo "== C harness"
	$(HARNESS) fixtures/parity $(CRATE_VERSION)
	@echo "== C harness under valgrind"
	$(VALGRIND) $(HARNESS) --iterations $(VALGRIND_ITERATIONS) fixtures/parity $(CRATE_VERSION)

# --- Go binding --------------------------------------------------------------
# go-binding/ (Go module github.com/wheel-refinery/resolver/go-binding) links
# $(LIB_DIR)/libwheel_resolver.a statically by default: see go-binding/ffi.go
# and go-binding/README.md. Go does not track that archive, so go-build
# removes the binary first (forcing a relink) and test-go runs with -count=1.
GO ?= go
GO_DIR := go-binding
GO_CLI := $(GO_DIR)/bin/refinery-plan

.PHONY: go-build

# The Rust static library, then the CLI.
go-build: build
	rm -f $(GO_CLI)
	cd $(GO_DIR) && $(GO) build -o bin/refinery-plan ./cmd/refinery-plan

# go vet, gofmt and the race-enabled tests, against the current release lib.
test-go: build
	cd $(GO_DIR) && $(GO) vet ./...
	@cd $(GO_DIR) && unformatted=$$(gofmt -l .) && if [ -n "$$unformatted" ]; then \
		echo "test-go: gofmt needed: $$unformatted" >&2; exit 1; fi
	cd $(GO_DIR) && $(GO) test -race -count=1 ./...
	@# The memory check once more without -race (whose own memory grows per call).
	cd $(GO_DIR) && $(GO) test -count=1 -run 'TestComputePlanJSONMemory' .

# Plan the bundled example (examples/service) with the CLI.
example: go-build
	$(GO_CLI) --config examples/service/refinery.toml --output out/example

test: lint test-rust header-check test-c test-c-asan test-fuzz test-miri test-go test-go-asan

clean:
	$(CARGO) clean

# --- benchmarks ----------------------------------------------------------------
# make bench: synthetic corpora (2,000 and 10,000 wheels) through the C ABI
# and the Go CLI (wall, CPU, peak RSS), each paired with the floor and then
# rung by rung with the scan ladder, then the index benchmark. Prints
# figures; nothing asserts a time. BENCH_SIZES / BENCH_RUNS override.
BENCH_PLAN := bench/build/bench_plan
BENCH_SIZES ?= 2000,10000
BENCH_RUNS ?= 5

.PHONY: bench bench-plan
$(BENCH_PLAN): bench/bench_plan.c build
	@mkdir -p $(dir $@)
	$(CC) -std=c99 -O2 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L -Iinclude -o $@ bench/bench_plan.c $(STATIC_LIB) $(NATIVE_STATIC_LIBS) -pthread

# The floor: bench/floor, the minimal program that does only the unavoidable
# work of a scan (its own crate, not part of the library's build).
FLOOR := bench/floor/target/release/metadata-floor
.PHONY: $(FLOOR)
$(FLOOR):
	cd bench/floor && $(CARGO) build --release --quiet

# The scan ladder (bench/ladder.rs, built as the example `ladder`): the rungs
# of a plan's work, each in its own process, paired with the floor.
LADDER := target/release/examples/ladder
.PHONY: $(LADDER)
$(LADDER):
	$(CARGO) build --release --example ladder

bench-plan: $(BENCH_PLAN) go-build $(FLOOR) $(LADDER)
	python3 bench/run.py $(BENCH_PLAN) $(GO_CLI) --floor $(FLOOR) --ladder $(LADDER) --sizes $(BENCH_SIZES) --runs $(BENCH_RUNS)

bench: bench-plan bench-index bench-index-latency

# make bench-serve: the HTTP load test (go-binding/cmd/bench-serve): a fresh
# server per row (the README's example server, Handler defaults), N clients
# for BENCH_SERVE_DURATION each, then the disconnect experiment. Loopback
# only; prints figures, asserts nothing; not part of `make test`.
BENCH_SERVE_CLIENTS ?= 1,4,16,64
BENCH_SERVE_DURATION ?= 10s
BENCH_SERVE_WHEELS ?= 2000

.PHONY: bench-serve
bench-serve: build
	rm -f $(GO_DIR)/bin/bench-serve
	cd $(GO_DIR) && $(GO) build -o bin/bench-serve ./cmd/bench-serve
	$(GO_DIR)/bin/bench-serve -wheels $(BENCH_SERVE_WHEELS) -clients $(BENCH_SERVE_CLIENTS) -duration $(BENCH_SERVE_DURATION)

# --- index -------------------------------------------------------------------
# bench/bench_index.rs and bench/bench_index_latency.rs (built as examples).
# Python test servers for the index tests and this benchmark: scripts/ci-setup.sh
.PHONY: bench-index bench-index-latency
bench-index:
	$(CARGO) run --release --example bench_index

# The same 60 ranges x 5 versions against scripts/index_test_server.py with
# 25 ms per request and the public index's Cache-Control / ETag: cold (empty
# HTTP cache) and warm (fresh cache) wall times, requests and connections.
# LATENCY_MS / RUNS override. Goal: cold <= 0.25 s, warm <= 0.05 s with 0 requests.
bench-index-latency:
	$(CARGO) run --release --example bench_index_latency

# The build graph's cost (bench/build_graph.py): 30 builds whose sdists
# (10-50 MB of incompressible payload each, pyproject.toml the last member)
# are on scripts/index_test_server.py with 25 ms per request; cold and warm
# wall time, requests, sdist bytes served and peak RSS of one plan process,
# with build_graph and without. Writes about 1 GB to a temporary directory.
# Stops with a message when the library has no build_graph. RUNS /
# LATENCY_MS override (3, 25).
.PHONY: bench-build-graph
bench-build-graph:
	$(CARGO) build --release --example plan
	python3 bench/build_graph.py --plan-bin target/release/examples/plan

# --- sanitizers ----------------------------------------------------------------
# AddressSanitizer + LeakSanitizer on the two C-ABI consumers (the C harness
# and the Go binding). The Rust static library itself is NOT instrumented:
# ASan's runtime interposes malloc/free (and strlen, memcpy, …) for the whole
# process, so what is caught is memory misuse across the C boundary — a result
# string leaked (LeakSanitizer at exit), freed twice, freed after use, read
# after resolver_free_string — plus any error in the instrumented C or Go code.
# Needs the compiler's ASan/UBSan runtimes (Debian: libasan8, libubsan1;
# scripts/ci-setup.sh, section "Sanitizers").
#   make test-c-asan   the C harness built with -fsanitize=address,undefined
#   make test-go-asan  the Go binding's tests built with `go test -asan`
.PHONY: test-c-asan test-go-asan asan-check

SANITIZE_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HARNESS_ASAN := tests/c/build/harness-asan
# LeakSanitizer is on by default on x86_64 Linux; say so anyway. Any report
# makes the process exit non-zero.
SAN_ENV := ASAN_OPTIONS=detect_leaks=1:halt_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

asan-check:
	@lib=$$($(CC) -print-file-name=libasan.so) && test -e "$$lib" || { \
		echo "asan-check: $(CC) has no ASan runtime (libasan.so); run scripts/ci-setup.sh" \
			"(or apt-get install libasan8 libubsan1)" >&2; exit 1; }

test-c-asan: build asan-check
	@test -n "$(CRATE_VERSION)" || { echo "test-c-asan: no [package] version in Cargo.toml" >&2; exit 1; }
	@mkdir -p $(dir $(HARNESS_ASAN))
	$(CC) $(HARNESS_CFLAGS) $(SANITIZE_FLAGS) -o $(HARNESS_ASAN) $(HARNESS_SRC) $(STATIC_LIB) $(NATIVE_STATIC_LIBS) -pthread
	@echo "== C harness under AddressSanitizer + LeakSanitizer + UBSan"
	$(SAN_ENV) $(HARNESS_ASAN) fixtures/parity $(CRATE_VERSION)

# Every test of the module, TestConcurrentCallsAgree (16 goroutines) and
# TestComputePlanJSONMemory (5,500 calls) included. GOFLAGS=-asan also
# instruments the refinery-plan binary that the cmd tests build and run, so
# its runs get the leak check too. -asan excludes -race (test-go keeps that).
# `-asan` binaries run the leak check at exit only since Go 1.25 (go.mod's
# `go 1.22` does not change that); with an older toolchain this target stops
# rather than pass without checking leaks.
test-go-asan: build asan-check
	@v=$$($(GO) env GOVERSION); minor=$${v#go1.}; minor=$${minor%%[!0-9]*}; \
	if [ -n "$$minor" ] && [ "$$minor" -lt 25 ]; then \
		echo "test-go-asan: $$v runs no leak check in -asan binaries; needs Go 1.25 or newer" >&2; \
		exit 1; fi
	cd $(GO_DIR) && CGO_ENABLED=1 GOFLAGS=-asan $(SAN_ENV) $(GO) test -asan -count=1 ./...

# --- fuzzing -----------------------------------------------------------------
# cargo-fuzz targets in fuzz/ (its own workspace, own target dir fuzz/target;
# nightly + `cargo install cargo-fuzz --version 0.13.2 --locked`), one after
# another, each for FUZZ_SECONDS on one core. Seeds: fuzz/seeds/<target>
# (committed, read only); what libFuzzer finds goes to fuzz/corpus/<target>
# and crashes to fuzz/artifacts/<target> (both git-ignored). A crash fails
# the run: turn the input into a test in tests/it/fuzz_regressions.rs.
# test-fuzz (for CI): fuzz-smoke when a nightly toolchain and cargo-fuzz are
# installed, otherwise a notice and success.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := wheel_filename wheel_zip metadata_text requires_dist config_json \
	simple_html simple_json content_range sdist_archive build_system
FUZZ_CARGO := $(CARGO) +nightly fuzz
FUZZ_FLAGS := --fuzz-dir fuzz --target-dir fuzz/target

.PHONY: fuzz fuzz-build fuzz-smoke test-fuzz

fuzz-build:
	$(FUZZ_CARGO) build $(FUZZ_FLAGS)

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
		echo "== fuzz $$t ($(FUZZ_SECONDS) s)"; \
		mkdir -p fuzz/corpus/$$t; \
		$(FUZZ_CARGO) run $(FUZZ_FLAGS) $$t fuzz/corpus/$$t fuzz/seeds/$$t -- \
			-max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -verbosity=0 \
			|| exit 1; \
	done

fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=10

test-fuzz:
	@if ! $(CARGO) +nightly --version >/dev/null 2>&1; then \
		echo "test-fuzz: no nightly toolchain; fuzz smoke skipped (rustup toolchain install nightly)"; \
	elif ! $(CARGO) +nightly fuzz --version >/dev/null 2>&1; then \
		echo "test-fuzz: cargo-fuzz not installed; fuzz smoke skipped (scripts/ci-setup.sh installs it)"; \
	else \
		$(MAKE) fuzz-smoke; \
	fi

# --- Miri -------------------------------------------------------------------------
# src/pool.rs hands workers a job body whose lifetime it extends with
# transmute (docs/pool.md says why that is sound); Miri checks its tests for
# undefined behaviour and data races. They run through tests/miri-pool, a
# crate of pool.rs alone (own workspace, target dir target/miri-pool): the
# library's dependencies include C (ring, the bundled SQLite) that Miri
# cannot run. Needs nightly with the miri and rust-src components
# (scripts/ci-setup.sh adds them); without nightly, a notice and success, as
# test-fuzz. -Zmiri-ignore-leaks: the pool's idle workers are process-wide
# and still waiting for work when the test binary ends. About 15 s of tests.
MIRI_POOL_FLAGS ?= -Zmiri-ignore-leaks

.PHONY: test-miri
test-miri:
	@if ! $(CARGO) +nightly --version >/dev/null 2>&1; then \
		echo "test-miri: no nightly toolchain; Miri run of the pool skipped (rustup toolchain install nightly)"; \
	elif ! $(CARGO) +nightly miri --version >/dev/null 2>&1; then \
		echo "test-miri: Miri not installed; skipped (scripts/ci-setup.sh adds it)"; \
	else \
		cd tests/miri-pool && MIRIFLAGS="$(MIRI_POOL_FLAGS)" \
			$(CARGO) +nightly miri test --lib --target-dir ../../target/miri-pool; \
	fi

# --- IBM Z (s390x): cross build, tests under qemu-user ---------------------------
# The Rust library cross-compiled for s390x-unknown-linux-gnu (big-endian) on
# an x86_64 host with Debian's s390x cross gcc (linker, and C compiler of ring
# and the bundled SQLite), its tests run under qemu-user: .cargo/config.toml
# sets the linker, CC and the cargo runner; scripts/ci-setup.sh (section
# "s390x cross build") installs the target, the cross packages and qemu-user.
#   make build-s390x      target/s390x-unknown-linux-gnu/release/libwheel_resolver.{a,so}
#   make test-s390x       Rust tests, the C harness, the Go tests, all under qemu-s390x,
#                         then the x86_64/s390x plan comparison
# The Rust tests are built in the cross-test profile (Cargo.toml: dev with
# opt-level 1), the C harness and the Go tests link the release archive
# (which `make dist` ships too). Valgrind, the sanitizers and -race stay
# host-only: none of them runs under qemu-user.
S390X_TARGET := s390x-unknown-linux-gnu
S390X_CC := s390x-linux-gnu-gcc
S390X_QEMU := qemu-s390x -L /usr/s390x-linux-gnu
S390X_LIB_DIR := target/$(S390X_TARGET)/release
S390X_GO_ENV := GOOS=linux GOARCH=s390x CGO_ENABLED=1 CC=$(S390X_CC)
HARNESS_S390X := tests/c/build/harness-s390x

.PHONY: build-s390x test-s390x test-rust-s390x test-c-s390x test-go-s390x parity-s390x go-build-s390x

build-s390x:
	$(CARGO) build --release --lib --target $(S390X_TARGET)

# Unit, integration, doc tests (the doc tests run through the runner too) and
# the examples' build. The index-server tests start pypiserver / devpi on the
# host's loopback; only the Rust side runs emulated.
# RESOLVER_TEST_EXEC: tests that re-run their own binary in a child process
# (tests/it/common/child.rs) run it under the same emulator.
# --test-threads=1: qemu-user (Debian's 7.2) can deadlock a child forked
# while other guest threads run (seen once: a test server's fork hung in a
# futex while another test was planning); one test at a time keeps the
# other threads idle when the tests start their servers.
test-rust-s390x:
	RESOLVER_TEST_EXEC="$(S390X_QEMU)" $(CARGO) test --profile cross-test --target $(S390X_TARGET) -- --test-threads=1

test-c-s390x: build-s390x
	@test -n "$(CRATE_VERSION)" || { echo "test-c-s390x: no [package] version in Cargo.toml" >&2; exit 1; }
	@mkdir -p $(dir $(HARNESS_S390X))
	$(S390X_CC) $(HARNESS_CFLAGS) -o $(HARNESS_S390X) $(HARNESS_SRC) $(S390X_LIB_DIR)/libwheel_resolver.a $(NATIVE_STATIC_LIBS) -pthread
	@echo "== C harness (s390x, qemu-user)"
	$(S390X_QEMU) $(HARNESS_S390X) fixtures/parity $(CRATE_VERSION)

# go vet for s390x, then every Go test cross-compiled and run under qemu
# (go test -exec); the CLI tests run the CLI they build through the same
# emulator (RESOLVER_TEST_EXEC, go-binding/internal/testenv). ffi.go finds
# the s390x archive by itself: no CGO_LDFLAGS.
test-go-s390x: build-s390x
	cd $(GO_DIR) && $(S390X_GO_ENV) $(GO) vet ./...
	cd $(GO_DIR) && $(S390X_GO_ENV) RESOLVER_TEST_EXEC="$(S390X_QEMU)" \
		$(GO) test -exec "$(S390X_QEMU)" -count=1 ./...

# The CLI for s390x (go-binding/bin/refinery-plan-s390x; run it with qemu-s390x).
go-build-s390x: build-s390x
	rm -f $(GO_DIR)/bin/refinery-plan-s390x
	cd $(GO_DIR) && $(S390X_GO_ENV) $(GO) build -o bin/refinery-plan-s390x ./cmd/refinery-plan

# Every parity case (and the bundled example) planned by the x86_64 and the
# s390x build of examples/plan.rs with a fixed run id: the plans must be
# byte-identical (big-endian and 64-bit host alike). Needs the examples of
# `make test-rust` and `make test-rust-s390x` (built again when missing).
parity-s390x:
	$(CARGO) build --example plan
	$(CARGO) build --example plan --profile cross-test --target $(S390X_TARGET)
	scripts/compare-arch-plans.sh target/debug/examples/plan \
		"$(S390X_QEMU) target/$(S390X_TARGET)/cross-test/examples/plan"

test-s390x: test-rust-s390x test-c-s390x test-go-s390x parity-s390x

# --- the Go module for other repositories -----------------------------------------
# make dist            prebuilt archives (linux/amd64, linux/s390x) + header + SHA256SUMS
#                      into go-binding/lib/ (scripts/dist.sh; git-ignored, committed
#                      only by the release process: go-binding/README.md)
# make consumer-check  a throwaway module outside the repository requires the binding
#                      through `replace`, is vendored and built for amd64 and s390x,
#                      and plans examples/service natively and under qemu-s390x
#                      (scripts/consumer-check.sh). CI runs it.
.PHONY: dist consumer-check

dist: build build-s390x
	scripts/dist.sh

consumer-check: dist
	scripts/consumer-check.sh

# --- real-world check (opt-in; needs the public network; never in CI) -------------
# Downloads shared/realworld's wheelhouse once with pip and plans it for
# manylinux2014_s390x against the index in RESOLVER_INDEX_URL / PIP_INDEX_URL
# (else pip's default), with fetch_compatible_wheels and build_graph; prints
# what it fetches, builds and why, each build's sdist, the build waves and
# what cannot be built. REALWORLD_PYTHON=3.11.9 (or 3.9), REALWORLD_PLATFORM
# and REALWORLD_BUILD_GRAPH=0 (plan without the build graph) override. Then
# REALWORLD_RUNS (10) cold runs, a process each with a fresh cache_dir, and
# as many in one process: wall time, look-ups, connections and TLS
# handshakes per host; fails if a run takes over 2 s or looks a host up twice.
.PHONY: realworld
realworld:
	$(CARGO) build --release --example plan --example plan_runs
	python3 scripts/realworld.py --plan-bin target/release/examples/plan --runs-bin target/release/examples/plan_runs
