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
// time_budget_ms (the remaining milliseconds, at least 1), which bounds the
// whole call (scan, planning, index): running out is an *Error with
// CodeTimeout. A context cancelled while the library runs cancels the call
// through the C ABI's cancel handle (resolver_cancel): the library stops
// within a fraction of a second, also when it waits on an index that does
// not answer, and returns CodeCancelled. Either error also satisfies
// errors.Is(err, ctx.Err()).
//
// # Errors
//
// Every failure reported by the library is an [*Error] carrying one of the
// stable codes (CodeInvalidConfig, ...), a message and per-item details.
// Messages are copied into Go memory before the C string is freed.
//
// # Concurrency
//
// The library keeps nothing of a call in global state: ComputePlan,
// ComputePlanJSON, LoadOrCompute and Handler are safe for concurrent use by
// any number of goroutines. Its parallel work runs on one bounded pool of
// threads per process (max(cores, 8)), whatever the number of calls; each
// call also occupies the calling goroutine's OS thread while it runs, so
// bound the number of concurrent calls (Handler does: MaxConcurrent).
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
