package resolver

// The cancellable download call. No #cgo directives here: the package's
// flags are all in ffi.go and apply to every file of the package.

/*
#include "wheel_resolver.h"
*/
import "C"

import "context"

// callFetchWheelsCtx runs resolver_fetch_wheels_cancellable on a NUL-free
// JSON document (as callComputePlanCtx does for plans): when ctx is done
// before the library returns, the call's handle is cancelled and the
// library returns the "cancelled" envelope (files already renamed into
// place stay, partial ones are removed).
func callFetchWheelsCtx(ctx context.Context, requestJSON []byte) []byte {
	return callCancellable(ctx, requestJSON, callFetchWheels,
		func(doc *C.char, handle *C.ResolverCancel) *C.char {
			return C.resolver_fetch_wheels_cancellable(doc, handle)
		})
}
