// Package linux_s390x holds the prebuilt static archive libwheel_resolver.a for
// linux/s390x inside the module (put here by `make dist`, committed by the
// release process), for builds of the binding outside this repository. It has
// no Go code: the package exists so that `go mod vendor` copies the folder
// (see includebuild.go).
package linux_s390x
