package resolver

// All cgo directives of the binding live in this file.
//
// Default (static): the Rust static archive is linked into the Go binary, so
// the binary needs neither LD_LIBRARY_PATH nor an rpath at run time. The
// archive is looked up, first match wins, for the GOARCH being built:
//
//	linux/amd64  ../target/release                          (this repository's build tree)
//	             lib/linux_amd64                            (prebuilt, inside the module)
//	linux/s390x  ../target/s390x-unknown-linux-gnu/release  (cross build tree)
//	             ../target/release                          (native build on IBM Z)
//	             lib/linux_s390x                            (prebuilt, inside the module)
//
// The linker skips an archive of another architecture and goes on to the
// next folder, so GOARCH=s390x CC=s390x-linux-gnu-gcc go build works on an
// x86_64 host without extra flags. `make dist` fills lib/ (release process:
// go-binding/README.md); in a checkout the build tree wins over lib/. The
// header comes from ../include, else from lib/include. The native libraries
// after the archive are what
//
//	cargo rustc --release --lib --crate-type staticlib -- --print native-static-libs
//
// prints (the same on both targets); TestStaticLinkLibs keeps the list below
// in step with it for the GOARCH under test.
//
// Build tag resolver_shared: link libwheel_resolver.so from the build tree
// instead (same folders, without lib/), with an rpath to it (deploy the .so
// next to the binary, or set LD_LIBRARY_PATH, when the build tree is not
// present at run time).
//
// Build tag resolver_external: no link flags at all; the builder supplies
// them through CGO_LDFLAGS (and the header directory through CGO_CFLAGS when
// neither header folder is there).

/*
#cgo CFLAGS: -I${SRCDIR}/../include -I${SRCDIR}/lib/include
#cgo linux,amd64,!resolver_external LDFLAGS: -L${SRCDIR}/../target/release
#cgo linux,amd64,!resolver_shared,!resolver_external LDFLAGS: -L${SRCDIR}/lib/linux_amd64
#cgo linux,amd64,resolver_shared,!resolver_external LDFLAGS: -Wl,-rpath,${SRCDIR}/../target/release
#cgo linux,s390x,!resolver_external LDFLAGS: -L${SRCDIR}/../target/s390x-unknown-linux-gnu/release -L${SRCDIR}/../target/release
#cgo linux,s390x,!resolver_shared,!resolver_external LDFLAGS: -L${SRCDIR}/lib/linux_s390x
#cgo linux,s390x,resolver_shared,!resolver_external LDFLAGS: -Wl,-rpath,${SRCDIR}/../target/s390x-unknown-linux-gnu/release -Wl,-rpath,${SRCDIR}/../target/release
#cgo !resolver_shared,!resolver_external LDFLAGS: -l:libwheel_resolver.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
#cgo resolver_shared,!resolver_external LDFLAGS: -lwheel_resolver

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
	buf := nulTerminated(configJSON)
	return takeResult(C.resolver_compute_plan((*C.char)(unsafe.Pointer(&buf[0]))))
}

// callFetchWheels runs resolver_fetch_wheels on a NUL-free JSON document
// and returns the result copied into Go memory (the C string is freed).
func callFetchWheels(requestJSON []byte) []byte {
	buf := nulTerminated(requestJSON)
	return takeResult(C.resolver_fetch_wheels((*C.char)(unsafe.Pointer(&buf[0]))))
}

// nulTerminated copies doc into a NUL-terminated buffer. It is passed to
// the library as a pointer into Go memory: the buffer holds no Go pointers
// and the Rust side only borrows it for the duration of the call, which the
// cgo pointer rules allow.
func nulTerminated(doc []byte) []byte {
	buf := make([]byte, len(doc)+1)
	copy(buf, doc)
	return buf
}

// takeResult copies a result string the library returned into Go memory
// and frees it with resolver_free_string. NULL (which the contract rules
// out) gives nil, which callers treat as an internal error.
func takeResult(res *C.char) []byte {
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
