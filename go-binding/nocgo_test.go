package resolver

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// noCgoName is the undefined name of nocgo.go: the one error of a build
// without cgo.
const noCgoName = "resolver_needs_cgo__build_with_CGO_ENABLED_1_and_CC_for_the_target"

// TestBuildWithoutCgo builds the packages with CGO_ENABLED=0: each build
// fails with exactly one error, nocgo.go's undefined name, and not with the
// cgo functions it lacks (which nocgo.go must stub whenever a file without
// cgo starts calling a new one).
func TestBuildWithoutCgo(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			t.Skip("no go command to build with")
		}
	}
	for _, pkg := range []string{".", "./service", "./cmd/refinery-plan"} {
		cmd := exec.Command(goTool, "build", "-o", os.DevNull, pkg)
		// GOFLAGS may carry -race or -asan, which need cgo.
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=")
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Errorf("%s: the build without cgo succeeded", pkg)
			continue
		}
		var errs []string
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if !strings.HasPrefix(line, "#") { // "# <package>" headers
				errs = append(errs, line)
			}
		}
		if len(errs) != 1 || !strings.Contains(errs[0], "undefined: "+noCgoName) {
			t.Errorf("%s: want the one error %q, got:\n%s", pkg, noCgoName, out)
		}
	}
}
