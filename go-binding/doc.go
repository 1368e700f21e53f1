// Package resolver is the Go binding of wheel-resolver, the Rust library that
// plans which Python wheels must be rebuilt for IBM Z (s390x).
//
// The library runs in-process through its C ABI (include/wheel_resolver.h):
// no Python, no subprocess. The contract it implements (config, plan, error
// codes, downloads) is docs/contract.md of the repository; [Config], [Plan]
// and [FetchReport] mirror its documents field for field.
//
// This package only binds the library: [ComputePlan] (a [Config] in, a
// [Plan] out), [ComputePlanJSON] (the contract's JSON documents in and out
// unchanged, for callers that only pass plans through), [FetchWheels] (the
// downloads of a plan's fetch list) and [Version]. The worker's plan files
// and the HTTP service are package
// github.com/wheel-refinery/resolver/go-binding/service.
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
// # Contexts
//
// A context that is already done returns its error without calling into the
// library. A deadline is passed to the library as the config's
// time_budget_ms (the remaining milliseconds, at least 1; the smaller of it
// and Config.TimeBudgetMS wins), which bounds the whole call (scan,
// planning, index): running out is an *Error with CodeTimeout. A context
// cancelled while the library runs cancels the call through the C ABI's
// cancel handle (resolver_cancel): the library stops within a fraction of a
// second, also when it waits on an index that does not answer, and returns
// CodeCancelled. Either error also satisfies errors.Is(err, ctx.Err()).
//
// # Errors
//
// Every failure reported by the library is an [*Error] carrying one of the
// stable codes of contract §5 ([CodeInvalidConfig], ...), a message
// and per-item details; [ErrorCode] returns the code of any error. Results
// and messages are copied into Go memory before the C string is freed.
//
// # Concurrency
//
// ComputePlan, ComputePlanJSON and FetchWheels are safe for concurrent use
// by any number of goroutines: the library keeps no call's state in global
// variables. Its parallel work runs on one thread pool per process,
// whatever the number of calls: at most max(cores, 50) threads and never
// more than 64, started on first use and exiting after 30 s idle. A scan
// uses one thread per core; index look-ups up to 50 at once. Each call also
// holds the calling goroutine's OS thread while it runs (and works on it),
// so bound the number of concurrent calls (service.Handler does:
// MaxConcurrent).
//
// # Linking
//
// A build needs cgo (CGO_ENABLED=1 and a C compiler for the target); without
// it the package fails to compile with the one error
// "undefined: resolver_needs_cgo__build_with_CGO_ENABLED_1_and_CC_for_the_target".
// By default the Rust static archive libwheel_resolver.a is linked into the
// Go binary, which then needs no LD_LIBRARY_PATH or rpath. It is found per
// platform (linux/amd64, linux/s390x): in this repository's build tree
// (target/release, target/s390x-unknown-linux-gnu/release) when there is
// one, else in the module's own lib/<GOOS>_<GOARCH> folder, where released
// versions carry prebuilt archives, so a program that requires the module
// needs no Rust toolchain. The build tag resolver_shared links
// libwheel_resolver.so from the build tree instead, and resolver_external
// leaves the link line to CGO_LDFLAGS. In a checkout, build the Rust library
// first: cargo build --release --lib (or make go-build). See ffi.go and
// go-binding/README.md.
package resolver
