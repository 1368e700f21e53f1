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
	"github.com/wheel-refinery/resolver/go-binding/internal/testenv"
)

// staticLDFLAGS returns the native libraries (-l flags after the archive's
// -l:libwheel_resolver.a) of the static link line in ffi.go.
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
		// The archive line; the per-platform lines before it add only -L.
		if !strings.Contains(cond, "!resolver_shared") || !strings.Contains(flags, "libwheel_resolver") {
			continue
		}
		lines++
		fields := strings.Fields(flags)
		if len(fields) == 0 || fields[0] != "-l:libwheel_resolver.a" {
			t.Errorf("the static link line must start with the archive: %s", line)
		}
		for _, fl := range fields {
			if strings.HasPrefix(fl, "-l") && !strings.HasPrefix(fl, "-l:") {
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
// prints for the platform under test. Natively it runs cargo in its own
// target directory (target/go-native-libs) with optimisation and LTO off,
// which do not change the list, so that it neither rebuilds nor replaces the
// shared target/release artifacts; cargo replays the note when the crate is
// fresh. Cross-compiled (GOARCH=s390x under qemu-user on an x86_64 host) it
// asks about the target's own link line with --target, in the cross-test
// profile and the default target directory: the very command
// tests/it/native_static_libs.rs runs in `make test-s390x`, so the unit is already
// fresh there. Skipped when cargo is not installed or with -short.
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
	args := []string{"rustc", "--release", "--lib", "--crate-type", "staticlib"}
	env := append(os.Environ(),
		"CARGO_TARGET_DIR="+filepath.Join(root, "target", "go-native-libs"),
		"CARGO_PROFILE_RELEASE_LTO=false",
		"CARGO_PROFILE_RELEASE_OPT_LEVEL=0",
		"CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256",
	)
	if triple := testenv.CrossTriple(testenv.HostTriple()); triple != "" {
		t.Logf("cross run: asking rustc about %s", triple)
		args = []string{"rustc", "--color", "never", "--lib", "--crate-type", "staticlib",
			"--profile", "cross-test", "--target", triple}
		env = os.Environ()
	}
	cmd := exec.CommandContext(ctx, cargo, append(args, "--", "--print", "native-static-libs")...)
	cmd.Dir = root
	cmd.Env = append(env, "CARGO_TERM_COLOR=never")
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
