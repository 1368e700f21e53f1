package resolver

// All cgo directives of the binding live in this file.
//
// Default (static): the Rust static archive is linked into the Go binary, so
// the binary needs neither LD_LIBRARY_PATH nor an rpath at run time. The
// native libraries after the archive are what
//
//	cargo rustc --release --lib --crate-type staticlib -- --print native-static-libs
//
// prints; TestStaticLinkLibs keeps the list below in step with it.
//
// Build tag resolver_shared: link libwheel_resolver.so instead, with an rpath
// to the build tree (deploy the .so next to the binary, or set
// LD_LIBRARY_PATH, when the build tree is not present at run time).
//
// Build tag resolver_external: no link flags at all; the builder supplies
// them through CGO_LDFLAGS (and the header directory through CGO_CFLAGS),
// e.g. when the module is vendored without the Rust build tree.

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#cgo !resolver_shared,!resolver_external LDFLAGS: ${SRCDIR}/../target/release/libwheel_resolver.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
#cgo resolver_shared,!resolver_external LDFLAGS: -L${SRCDIR}/../target/release -lwheel_resolver -Wl,-rpath,${SRCDIR}/../target/release

#include <string.h>

#include "wheel_resolver.h"
*/
import "C"

import (
	"unsafe"
)

// callComputePlan runs resolver_compute_plan on a NUL-free JSON document and
// returns the result copied into Go memory. The C string is freed before
// returning, whatever happens.
func callComputePlan(configJSON []byte) []byte {
	// The config is passed as a pointer into Go memory: the buffer holds no
	// Go pointers and the Rust side only borrows it for the duration of the
	// call, which the cgo pointer rules allow. It must be NUL-terminated.
	buf := make([]byte, len(configJSON)+1)
	copy(buf, configJSON)
	res := C.resolver_compute_plan((*C.char)(unsafe.Pointer(&buf[0])))
	if res == nil {
		// The contract says never NULL; treat it as an internal error.
		return nil
	}
	defer C.resolver_free_string(res)
	n := C.strlen(res)
	out := make([]byte, n)
	copy(out, unsafe.Slice((*byte)(unsafe.Pointer(res)), n))
	return out
}

// callFetchWheels runs resolver_fetch_wheels on a NUL-free JSON document
// and returns the result copied into Go memory (the C string is freed).
func callFetchWheels(requestJSON []byte) []byte {
	buf := make([]byte, len(requestJSON)+1)
	copy(buf, requestJSON)
	res := C.resolver_fetch_wheels((*C.char)(unsafe.Pointer(&buf[0])))
	if res == nil {
		return nil
	}
	defer C.resolver_free_string(res)
	n := C.strlen(res)
	out := make([]byte, n)
	copy(out, unsafe.Slice((*byte)(unsafe.Pointer(res)), n))
	return out
}

// callVersion returns resolver_version(), which is static and never freed.
func callVersion() string {
	return C.GoString(C.resolver_version())
}
