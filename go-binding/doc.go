// Package resolver is the Go binding of wheel-resolver, the Rust library that
// plans which Python wheels must be rebuilt for IBM Z (s390x).
//
// The resolver runs in-process through its C ABI (include/wheel_resolver.h):
// no Python, no subprocess. The contract it implements (config, plan, error
// codes) is docs/contract.md of the repository.
//
// # Calling it
//
//	plan, err := resolver.ComputePlan(ctx, resolver.Config{
//		InputDir:     "/input",
//		TargetPython: "3.11",
//	})
//	var rerr *resolver.Error
//	if errors.As(err, &rerr) && rerr.Code == resolver.CodeNoInput {
//		// nothing to plan
//	}
//
// [ComputePlanJSON] takes and returns the JSON documents of the contract
// unchanged, for services that only pass plans through. [LoadOrCompute] is
// the worker's "existing plan or compute one" step, and [Handler] serves the
// worker's /plan and the control-plane's /api/plan/compute endpoints.
//
// # Contexts
//
// A context that is already done returns its error without calling into the
// library. A deadline is passed to the library as the config's
// time_budget_ms (the remaining milliseconds, at least 1); the call itself
// cannot be interrupted from Go once it has started.
//
// # Errors
//
// Every failure reported by the library is an [*Error] carrying one of the
// stable codes (CodeInvalidConfig, ...), a message and per-item details.
// Messages are copied into Go memory before the C string is freed.
//
// # Concurrency
//
// The library has no global state: ComputePlan, ComputePlanJSON,
// LoadOrCompute and Handler are safe for concurrent use by any number of
// goroutines.
//
// # Linking
//
// By default the Rust static archive libwheel_resolver.a is linked into the
// Go binary, which then needs no LD_LIBRARY_PATH or rpath. It is found per
// platform (linux/amd64, linux/s390x): in this repository's build tree
// (target/release, target/s390x-unknown-linux-gnu/release) when there is
// one, else in the module's own lib/<GOOS>_<GOARCH> folder, where released
// versions carry prebuilt archives, so a service that requires the module
// needs no Rust toolchain. The build tag resolver_shared links
// libwheel_resolver.so from the build tree instead, and resolver_external
// leaves the link line to CGO_LDFLAGS. In a checkout, build the Rust library
// first: cargo build --release --lib (or make go-build). See
// go-binding/README.md.
package resolver
