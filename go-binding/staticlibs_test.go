package resolver

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/wheel-refinery/resolver/go-binding/internal/parity"
)

// staticLDFLAGS returns the native libraries (-l flags) of the static link
// line in ffi.go.
func staticLDFLAGS(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("ffi.go")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var libs []string
	lines := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "#cgo ") || !strings.Contains(line, "LDFLAGS:") {
			continue
		}
		cond, flags, _ := strings.Cut(strings.TrimPrefix(line, "#cgo "), "LDFLAGS:")
		if !strings.Contains(cond, "!resolver_shared") {
			continue
		}
		lines++
		fields := strings.Fields(flags)
		if len(fields) == 0 || fields[0] != "${SRCDIR}/../target/release/libwheel_resolver.a" {
			t.Errorf("the static link line must start with the archive: %s", line)
		}
		for _, fl := range fields {
			if strings.HasPrefix(fl, "-l") {
				libs = append(libs, fl)
			}
		}
	}
	if lines != 1 {
		t.Fatalf("ffi.go has %d static #cgo LDFLAGS lines, want 1", lines)
	}
	return libs
}

// TestStaticLinkLibs pins the native libraries the static link needs: the
// list in ffi.go must be what
//
//	cargo rustc --release --lib --crate-type staticlib -- --print native-static-libs
//
// prints. It runs cargo in its own target directory (target/go-native-libs)
// with optimisation and LTO off, which do not change the list, so that it
// neither rebuilds nor replaces the shared target/release artifacts; cargo
// replays the note when the crate is fresh. Skipped when cargo is not
// installed or with -short.
func TestStaticLinkLibs(t *testing.T) {
	want := staticLDFLAGS(t)
	if testing.Short() {
		t.Skip("skipped in -short mode (runs cargo)")
	}
	cargo, err := exec.LookPath("cargo")
	if err != nil {
		t.Skip("cargo not installed")
	}
	root := parity.RepoRoot()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, cargo, "rustc", "--release", "--lib", "--crate-type", "staticlib",
		"--", "--print", "native-static-libs")
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"CARGO_TARGET_DIR="+filepath.Join(root, "target", "go-native-libs"),
		"CARGO_PROFILE_RELEASE_LTO=false",
		"CARGO_PROFILE_RELEASE_OPT_LEVEL=0",
		"CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256",
		"CARGO_TERM_COLOR=never",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("cargo rustc: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`native-static-libs: (.*)`).FindAllStringSubmatch(string(out), -1)
	if m == nil {
		t.Fatalf("cargo printed no native-static-libs note:\n%s", out)
	}
	got := strings.Fields(m[len(m)-1][1])
	t.Logf("rustc: %s", strings.Join(got, " "))
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ffi.go links %q after the archive, rustc says %q: update the #cgo LDFLAGS line", want, got)
	}
}
