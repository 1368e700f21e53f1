# One entry point for building, testing and benchmarking.
#   make example   plan the bundled example input (examples/service) and print a summary
#   make test      every check CI runs: fmt, clippy, Rust tests, header drift, C harness (valgrind), Go tests
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
# tests/static_libs.rs fails when rustc's list and this one differ.
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

# Plan the bundled example (examples/service) with the CLI.
example: go-build
	$(GO_CLI) --config examples/service/refinery.toml --output out/example

test: lint test-rust header-check test-c test-go

clean:
	$(CARGO) clean

# --- index -------------------------------------------------------------------
# Python test servers for the index tests and this benchmark: scripts/ci-setup.sh
.PHONY: bench-index
bench-index:
	$(CARGO) run --release --example bench_index
