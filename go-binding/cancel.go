package resolver

// The cancellable call. No #cgo directives here: the package's flags are
// all in ffi.go and apply to every file of the package.

/*
#include <string.h>

#include "wheel_resolver.h"
*/
import "C"

import (
	"context"
	"sync"
	"unsafe"
)

// callComputePlanCtx runs resolver_compute_plan_cancellable on a NUL-free
// JSON document and returns the result copied into Go memory. When ctx is
// done before the library returns, resolver_cancel is called on the call's
// handle, so the library stops within a fraction of a second (between
// stages and wheels; a stalled index request is interrupted at once) and
// returns the "cancelled" envelope.
func callComputePlanCtx(ctx context.Context, configJSON []byte) []byte {
	return callCancellable(ctx, configJSON, callComputePlan,
		func(doc *C.char, handle *C.ResolverCancel) *C.char {
			return C.resolver_compute_plan_cancellable(doc, handle)
		})
}

// callCancellable runs one of the library's cancellable entry points
// (call) on doc with a cancel handle that ctx.Done() triggers; plain is the
// same call without a handle, for a ctx that can never be done. The handle
// is freed only after the call returned and the cancelling function (if it
// started) finished.
func callCancellable(
	ctx context.Context,
	doc []byte,
	plain func([]byte) []byte,
	call func(*C.char, *C.ResolverCancel) *C.char,
) []byte {
	if ctx.Done() == nil {
		return plain(doc) // cannot be cancelled: no handle needed
	}
	handle := C.resolver_cancel_new()
	if handle == nil {
		return plain(doc) // documented never to happen
	}
	buf := nulTerminated(doc)
	var cancelling sync.WaitGroup
	cancelling.Add(1)
	stop := context.AfterFunc(ctx, func() {
		defer cancelling.Done()
		C.resolver_cancel(handle)
	})
	res := call((*C.char)(unsafe.Pointer(&buf[0])), handle)
	if stop() {
		cancelling.Done() // the function never ran and now never will
	}
	cancelling.Wait()
	C.resolver_cancel_free(handle)
	return takeResult(res)
}
