//go:build resolver_includebuild

package resolver

// The prebuilt archives (lib/linux_amd64, lib/linux_s390x) and the header
// (lib/include) live in folders without Go code of their own, which
// `go mod vendor` would leave out: it copies only the folders of packages
// that something imports. These blank imports make each folder such a
// package. The build tag is never set, so nothing is imported in a real
// build; `go mod vendor` considers every build tag and so keeps the folders.
// (The same device as wasmtime-go's includebuild.go.)
import (
	_ "github.com/wheel-refinery/resolver/go-binding/lib/include"
	_ "github.com/wheel-refinery/resolver/go-binding/lib/linux_amd64"
	_ "github.com/wheel-refinery/resolver/go-binding/lib/linux_s390x"
)
