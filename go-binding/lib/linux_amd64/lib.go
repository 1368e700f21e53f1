// Package linux_amd64 holds the prebuilt static archive libwheel_resolver.a for
// linux/amd64 inside the module (put here by `make dist`, committed by the
// release process), for builds of the binding outside this repository. It has
// no Go code: the package exists so that `go mod vendor` copies the folder
// (see includebuild.go).
package linux_amd64
