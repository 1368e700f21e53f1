// Package testenv helps the tests run both natively and cross-compiled under
// an emulator (GOARCH=s390x under qemu-user, `make test-go-s390x`).
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// ExecEnv names the environment variable that holds the command (split on
// white space) which runs a binary built for the GOARCH under test, e.g.
// "qemu-s390x -L /usr/s390x-linux-gnu". Empty or unset: binaries run directly.
// `go test -exec` only wraps the test binary itself; tests that build and run
// another binary (the CLI tests) prefix it with this.
const ExecEnv = "RESOLVER_TEST_EXEC"

// Command is exec.Command for a binary built for the GOARCH under test: it
// runs through $RESOLVER_TEST_EXEC when that is set.
func Command(name string, args ...string) *exec.Cmd {
	wrapper := strings.Fields(os.Getenv(ExecEnv))
	if len(wrapper) == 0 {
		return exec.Command(name, args...)
	}
	return exec.Command(wrapper[0], append(append(wrapper[1:], name), args...)...)
}

// rustTriples maps GOARCH (on linux) to the Rust target triple.
var rustTriples = map[string]string{
	"amd64": "x86_64-unknown-linux-gnu",
	"s390x": "s390x-unknown-linux-gnu",
	"arm64": "aarch64-unknown-linux-gnu",
}

// RustTriple is the Rust target triple of the platform this binary was built
// for ("" when the binding has no mapping for it).
func RustTriple() string {
	if runtime.GOOS != "linux" {
		return ""
	}
	return rustTriples[runtime.GOARCH]
}

// CrossTriple is RustTriple when it differs from the host triple rustc
// reports (a cross run: cargo needs --target), else "". hostTriple is the
// "host:" line of `rustc -vV`.
func CrossTriple(hostTriple string) string {
	if t := RustTriple(); t != "" && t != hostTriple {
		return t
	}
	return ""
}

// HostTriple asks rustc for the host triple ("" when rustc is missing).
func HostTriple() string {
	out, err := exec.Command("rustc", "-vV").Output()
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "host: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// BuildTreeLibDirs are the build-tree folders ffi.go links from for this
// GOARCH, in its order (repoRoot is the repository root).
func BuildTreeLibDirs(repoRoot string) []string {
	dirs := []string{}
	if runtime.GOARCH == "s390x" {
		dirs = append(dirs, filepath.Join(repoRoot, "target", "s390x-unknown-linux-gnu", "release"))
	}
	return append(dirs, filepath.Join(repoRoot, "target", "release"))
}
