//go:build !cgo

package resolver

import "context"

// The binding calls the Rust library through cgo, and this build has cgo
// turned off: CGO_ENABLED=0, or a cross build (Go disables cgo when GOARCH
// differs from the host's unless CGO_ENABLED=1 is set). Build with
// CGO_ENABLED=1 and CC set to a C compiler for the target, e.g.
//
//	GOARCH=s390x CGO_ENABLED=1 CC=s390x-linux-gnu-gcc go build ./...
//
// The undefined name below is then the one error the compiler reports.
var _ = resolver_needs_cgo__build_with_CGO_ENABLED_1_and_CC_for_the_target

// Stand-ins for the functions of the cgo files (ffi.go, cancel.go,
// fetch_ffi.go) that the other files call, so that their absence adds no
// errors to the one above. TestBuildWithoutCgo keeps this list complete.

func callComputePlanCtx(context.Context, []byte) []byte { return nil }

func callFetchWheelsCtx(context.Context, []byte) []byte { return nil }

func callVersion() string { return "" }
