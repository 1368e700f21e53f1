// Package include holds wheel_resolver.h inside the module (put here by
// `make dist`, committed by the release process), for builds of the binding
// outside this repository. It has no Go code: the package exists so that
// `go mod vendor` copies the folder (see includebuild.go).
package include
