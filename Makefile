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

# --- header (cbindgen) and C harness: see section below ---------------------

# --- Go binding: see section below ------------------------------------------

test: lint test-rust header-check test-c test-go

clean:
	$(CARGO) clean
