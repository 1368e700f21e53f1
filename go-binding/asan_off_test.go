//go:build !asan

package resolver

// asanEnabled: see asan_on_test.go.
const asanEnabled = false
