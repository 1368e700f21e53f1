package resolver

// The cancellable download call. No #cgo directives here: the package's
// flags are all in ffi.go and apply to every file of the package.

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

// callFetchWheelsCtx runs resolver_fetch_wheels_cancellable on a NUL-free
// JSON document (as callComputePlanCtx does for plans): when ctx is done
// before the library returns, the call's handle is cancelled and the
// library returns the "cancelled" envelope (files already renamed into
// place stay, partial ones are removed).
func callFetchWheelsCtx(ctx context.Context, requestJSON []byte) []byte {
	if ctx.Done() == nil {
		return callFetchWheels(requestJSON)
	}
	buf := make([]byte, len(requestJSON)+1)
	copy(buf, requestJSON)
	handle := C.resolver_cancel_new()
	if handle == nil {
		return callFetchWheels(requestJSON)
	}
	var cancelling sync.WaitGroup
	cancelling.Add(1)
	stop := context.AfterFunc(ctx, func() {
		defer cancelling.Done()
		C.resolver_cancel(handle)
	})
	res := C.resolver_fetch_wheels_cancellable((*C.char)(unsafe.Pointer(&buf[0])), handle)
	if stop() {
		cancelling.Done()
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
