//go:build asan

package resolver

// asanEnabled: under `go test -asan` freed memory sits in ASan's quarantine,
// so RSS says nothing about leaks there; LeakSanitizer checks them at exit.
const asanEnabled = true
