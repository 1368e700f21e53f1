package resolver

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/wheel-refinery/resolver/go-binding/internal/parity"
)

var (
	rustFieldRe   = regexp.MustCompile(`^\s*(?:pub(?:\([a-z]+\))?\s+)?([a-z_][a-z0-9_]*)\s*:`)
	rustRenameRe  = regexp.MustCompile(`#\[serde\([^\]]*\brename\s*=\s*"([^"]+)"`)
	rustFlattenRe = regexp.MustCompile(`#\[serde\([^\]]*\bflatten\b`)
	// The struct a flattened field holds: `x: T`, `Option<T>`, `Option<Box<T>>`.
	rustFlattenedTypeRe = regexp.MustCompile(`:\s*(?:Option<)?(?:Box<)?([A-Z][A-Za-z0-9_]*)`)
)

// rustFields returns the serialised field names of a struct in a Rust
// source file (serde renames applied).
func rustFields(t *testing.T, file, name string) []string {
	t.Helper()
	fields, ok := rustStructFields(t, file, name)
	if !ok {
		t.Fatalf("%s: no struct %s", file, name)
	}
	return fields
}

// rustStructFields is rustFields, false when the file has no such struct.
func rustStructFields(t *testing.T, file, name string) ([]string, bool) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(parity.RepoRoot(), file))
	if err != nil {
		t.Skipf("Rust sources not available: %v", err)
	}
	lines := strings.Split(string(src), "\n")
	start := -1
	for i, l := range lines {
		if regexp.MustCompile(`^\s*(pub\s+)?struct\s+` + name + `\s*\{`).MatchString(l) {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, false
	}
	var fields []string
	rename, flatten := "", false
	for _, l := range lines[start+1:] {
		if strings.HasPrefix(l, "}") {
			break
		}
		trimmed := strings.TrimSpace(l)
		if strings.HasPrefix(trimmed, "//") {
			continue
		}
		if strings.HasPrefix(trimmed, "#[") {
			if m := rustRenameRe.FindStringSubmatch(trimmed); m != nil {
				rename = m[1]
			}
			flatten = flatten || rustFlattenRe.MatchString(trimmed)
			continue
		}
		if m := rustFieldRe.FindStringSubmatch(l); m != nil {
			switch {
			case flatten:
				// A flattened field's own fields are serialised in its place.
				inner := rustFlattenedTypeRe.FindStringSubmatch(l)
				if inner == nil {
					t.Fatalf("%s: %s.%s is flattened, but its type is not a named struct", file, name, m[1])
				}
				fields = append(fields, rustFields(t, file, inner[1])...)
			case rename != "":
				fields = append(fields, rename)
			default:
				fields = append(fields, m[1])
			}
			rename, flatten = "", false
		}
	}
	sort.Strings(fields)
	return fields, true
}

func goFields(v any) []string {
	var fields []string
	typ := reflect.TypeOf(v)
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields = append(fields, name)
		}
	}
	sort.Strings(fields)
	return fields
}

// TestGoTypesMatchRustSources keeps every Go type in step with the Rust
// struct it mirrors, in both directions, including the optional fields the
// parity fixtures never produce.
func TestGoTypesMatchRustSources(t *testing.T) {
	for _, c := range []struct {
		file, rust string
		goType     any
	}{
		{"src/config.rs", "RawConfig", Config{}},
		{"src/config.rs", "IndexConfig", IndexConfig{}},
		{"src/config.rs", "ExpansionConfig", ExpansionConfig{}},
		{"src/config.rs", "Override", Override{}},
		{"src/config.rs", "KnownFailure", KnownFailure{}},
		{"src/plan.rs", "Plan", Plan{}},
		{"src/plan.rs", "PlanNode", PlanNode{}},
		{"src/plan.rs", "ReuseEntry", ReuseEntry{}},
		{"src/plan.rs", "BuildJob", BuildJob{}},
		{"src/plan.rs", "Incompatible", Incompatible{}},
		{"src/plan.rs", "SkippedJob", SkippedJob{}},
		{"src/plan.rs", "ResolverInfo", ResolverInfo{}},
		{"src/error.rs", "ErrorDetail", ErrorDetail{}},
	} {
		rust := rustFields(t, c.file, c.rust)
		goF := goFields(c.goType)
		if !reflect.DeepEqual(rust, goF) {
			t.Errorf("%s %s has fields %q; Go %T has %q", c.file, c.rust, rust, c.goType, goF)
		}
	}
}

// TestBuildGraphTypesMatchRustSources compares the types only the build
// graph has (contract §4.8–4.11) with the Rust structs they mirror.
func TestBuildGraphTypesMatchRustSources(t *testing.T) {
	for _, c := range []struct {
		file, rust string
		goType     any
	}{
		{"src/plan.rs", "Source", Source{}},
		{"src/plan.rs", "Unbuildable", Unbuildable{}},
	} {
		if goF, rust := goFields(c.goType), rustFields(t, c.file, c.rust); !reflect.DeepEqual(rust, goF) {
			t.Errorf("%s %s has fields %q; Go %T has %q", c.file, c.rust, rust, c.goType, goF)
		}
	}
}

// TestCodesMatchRustSources checks that every code the library can return
// has a Code constant.
func TestCodesMatchRustSources(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(parity.RepoRoot(), "src/error.rs"))
	if err != nil {
		t.Skipf("Rust sources not available: %v", err)
	}
	known := map[Code]bool{
		CodeInvalidConfig: true, CodeInputNotFound: true, CodeNoInput: true, CodeInvalidWheel: true,
		CodeIndexUnreachable: true, CodeIndexError: true, CodeInsecureIndex: true,
		CodeUnresolvedRequirements: true, CodeIOError: true, CodeInternal: true,
		CodeTimeout: true, CodeCancelled: true,
	}
	re := regexp.MustCompile(`=>\s*"([a-z_]+)"`)
	found := 0
	for _, m := range re.FindAllStringSubmatch(string(src), -1) {
		found++
		if !known[Code(m[1])] {
			t.Errorf("src/error.rs returns code %q, which has no Go constant", m[1])
		}
	}
	if found != len(known) {
		t.Errorf("src/error.rs has %d codes, Go knows %d", found, len(known))
	}
}
