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
// returns the "cancelled" envelope. The handle is freed only after the call
// returned and the cancelling function (if it started) finished.
func callComputePlanCtx(ctx context.Context, configJSON []byte) []byte {
	if ctx.Done() == nil {
		return callComputePlan(configJSON) // cannot be cancelled: no handle needed
	}
	buf := make([]byte, len(configJSON)+1)
	copy(buf, configJSON)
	handle := C.resolver_cancel_new()
	if handle == nil {
		return callComputePlan(configJSON) // documented never to happen
	}
	var cancelling sync.WaitGroup
	cancelling.Add(1)
	stop := context.AfterFunc(ctx, func() {
		defer cancelling.Done()
		C.resolver_cancel(handle)
	})
	res := C.resolver_compute_plan_cancellable((*C.char)(unsafe.Pointer(&buf[0])), handle)
	if stop() {
		cancelling.Done() // the function never ran and now never will
	}
	cancelling.Wait()
	C.resolver_cancel_free(handle)
	if res == nil {
		return nil
	}
	defer C.resolver_free_string(res)
	n := C.strlen(res)
	out := make([]byte, n)
	copy(out, unsafe.Slice((*byte)(unsafe.Pointer(res)), n))
	return out
}
