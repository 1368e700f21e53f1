package main

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	resolver "github.com/wheel-refinery/resolver/go-binding"
	"github.com/wheel-refinery/resolver/go-binding/internal/parity"
	"github.com/wheel-refinery/resolver/go-binding/internal/testenv"
)

// cli is the refinery-plan binary built by TestMain, for the GOARCH under
// test: cross-compiled (GOARCH=s390x under qemu-user) it runs through
// $RESOLVER_TEST_EXEC, see testenv.Command.
var cli string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "refinery-plan-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cli = filepath.Join(dir, "refinery-plan")
	build := exec.Command("go", "build", "-o", cli, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintf(os.Stderr, "building refinery-plan: %v\n", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	code           int
	stdout, stderr string
}

func runCLI(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := testenv.Command(cli, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, stdout.String(), stderr.String()}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

var errorLine = regexp.MustCompile(`^error: ([a-z_]+): (.+)\n$`)

// TestParityFixtures runs the CLI over every offline parity case, with the
// case's config as a legacy JSON config file, and compares the plan it
// writes (or its error) with the case's expectations.
func TestParityFixtures(t *testing.T) {
	cases, err := parity.OfflineCases()
	if err != nil || len(cases) == 0 {
		t.Fatalf("no parity cases: %v", err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			conf := filepath.Join(tmp, "refinery.json")
			writeJSON(t, conf, map[string]any{"refinery": c.Config})
			out := filepath.Join(tmp, "out")
			r := runCLI(t, tmp, "--config", conf, "--output", out, "--run-id", "parity")
			planPath := filepath.Join(out, "plan.json")
			switch r.code {
			case 0:
				doc, err := os.ReadFile(planPath)
				if err != nil {
					t.Fatalf("no plan.json: %v (stdout %s)", err, r.stdout)
				}
				for _, d := range c.CheckPlan(doc) {
					t.Error(d)
				}
				var p resolver.Plan
				if err := json.Unmarshal(doc, &p); err != nil {
					t.Fatal(err)
				}
				want := fmt.Sprintf("%d reuse, %d fetch, %d build, %d missing, %d expansions",
					len(p.Reuse), len(p.Fetch), len(p.ToBuild), len(p.MissingRequirements), len(p.DependencyExpansions))
				if !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "wrote "+planPath) {
					t.Errorf("summary %q lacks %q", r.stdout, want)
				}
				for _, b := range p.ToBuild {
					if !strings.Contains(r.stdout, b.Reason+": ") {
						t.Errorf("summary lacks build reason %q: %s", b.Reason, r.stdout)
					}
				}
				if r.stderr != "" {
					t.Errorf("stderr on success: %s", r.stderr)
				}
			case 1:
				m := errorLine.FindStringSubmatch(r.stderr)
				if m == nil {
					t.Fatalf("stderr is not one `error: <code>: <message>` line: %q", r.stderr)
				}
				for _, d := range c.CheckError(m[1], m[2]) {
					t.Error(d)
				}
				if _, err := os.Stat(planPath); !os.IsNotExist(err) {
					t.Errorf("plan.json written on error: %v", err)
				}
			default:
				t.Fatalf("exit %d: %s%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}

func caseDir(t *testing.T, name string) string {
	t.Helper()
	return filepath.Join(parity.RepoRoot(), "fixtures", "parity", name)
}

// TestFlagsOnly runs with flags alone, relative paths resolving against the
// working directory, as the legacy CLI did.
func TestFlagsOnly(t *testing.T) {
	out := t.TempDir()
	r := runCLI(t, caseDir(t, "01_basic"), "--input", "input", "--output", out, "--python", "3.11",
		"--platform-tag", "manylinux2014_s390x", "--upgrade-strategy", "pinned", "--run-id", "flags")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "2 reuse, 0 fetch, 1 build, 0 missing, 0 expansions") || !strings.Contains(r.stdout, "incompatible wheel: 1") {
		t.Errorf("summary: %s", r.stdout)
	}
	doc, err := os.ReadFile(filepath.Join(out, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p resolver.Plan
	if err := json.Unmarshal(doc, &p); err != nil || p.RunID != "flags" {
		t.Fatalf("%v %s", err, doc)
	}
	if entries, _ := os.ReadDir(out); len(entries) != 1 {
		t.Errorf("output dir holds %d entries (temp files left?)", len(entries))
	}
}

// TestTOMLConfigAndOverrides reads a legacy TOML file and lets flags win.
func TestTOMLConfigAndOverrides(t *testing.T) {
	tmp := t.TempDir()
	conf := filepath.Join(tmp, "refinery.toml")
	toml := fmt.Sprintf(`# legacy worker config
[worker]
token = "ignored: not the resolver's section"

[refinery]
input_dir = %q
target_python = "3.12"
target_platform_tag = "manylinux2014_s390x"
upgrade_strategy = "pinned"
run_id = "from-file"
strict = true

[refinery.expansion]
max_jobs = 2
max_depth = 2

[refinery.overrides.app]
system_packages = ["gcc"]
notes = "from toml"
`, filepath.Join(caseDir(t, "07_expansion_breadth_bound"), "input"))
	if err := os.WriteFile(conf, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(tmp, "out")

	// strict = true in the file: the missing requirements fail the plan.
	r := runCLI(t, tmp, "--config", conf, "--output", out)
	if r.code != 1 || !strings.HasPrefix(r.stderr, "error: unresolved_requirements: ") || strings.Count(r.stderr, "\n") != 1 {
		t.Fatalf("strict from file: exit %d %q", r.code, r.stderr)
	}
	// --strict=false and --python override the file.
	r = runCLI(t, tmp, "--config", conf, "--output", out, "--strict=false", "--python", "3.11", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var p resolver.Plan
	dec := json.NewDecoder(strings.NewReader(r.stdout))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("--json output is not a plan: %v\n%s", err, r.stdout)
	}
	if p.RunID != "from-file" || p.PythonVersion != "3.11" || len(p.DependencyExpansions) != 2 {
		t.Errorf("plan: run %s python %s expansions %d", p.RunID, p.PythonVersion, len(p.DependencyExpansions))
	}
	if len(p.ToBuild) == 0 || p.ToBuild[0].Override == nil || p.ToBuild[0].Override.Notes != "from toml" {
		t.Errorf("override from TOML not applied: %+v", p.ToBuild)
	}
	if !strings.Contains(r.stderr, "3 build") || !strings.Contains(r.stderr, "wrote ") {
		t.Errorf("summary not on stderr with --json: %q", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "plan.json")); err != nil {
		t.Error(err)
	}
}

// TestContractConfig reads the library's own config JSON (the contract's
// config document, no [refinery] section) and lets flags win over it.
func TestContractConfig(t *testing.T) {
	tmp := t.TempDir()
	conf := filepath.Join(tmp, "config.json")
	writeJSON(t, conf, map[string]any{
		"input_dir":           filepath.Join(caseDir(t, "07_expansion_breadth_bound"), "input"),
		"target_python":       "3.12",
		"target_platform_tag": "manylinux2014_s390x",
		"run_id":              "contract-file",
		"strict":              true,
		"expansion":           map[string]any{"max_jobs": 2, "max_depth": 2},
		"overrides":           map[string]any{"app": map[string]any{"notes": "from contract json"}},
	})
	out := filepath.Join(tmp, "out")

	// strict from the file fails the plan, as the library would.
	r := runCLI(t, tmp, "--config", conf, "--output", out)
	if r.code != 1 || !strings.HasPrefix(r.stderr, "error: unresolved_requirements: ") {
		t.Fatalf("strict from contract config: exit %d %q", r.code, r.stderr)
	}
	r = runCLI(t, tmp, "--config", conf, "--output", out, "--strict=false", "--python", "3.11", "--run-id", "flag")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	doc, err := os.ReadFile(filepath.Join(out, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p resolver.Plan
	if err := json.Unmarshal(doc, &p); err != nil {
		t.Fatal(err)
	}
	if p.RunID != "flag" || p.PythonVersion != "3.11" || len(p.DependencyExpansions) != 2 {
		t.Errorf("plan: run %s python %s expansions %d", p.RunID, p.PythonVersion, len(p.DependencyExpansions))
	}
	if len(p.ToBuild) == 0 || p.ToBuild[0].Override == nil || p.ToBuild[0].Override.Notes != "from contract json" {
		t.Errorf("override from the contract config not applied: %+v", p.ToBuild)
	}

	// The same document as the legacy [refinery] section plans the same.
	legacy := filepath.Join(tmp, "refinery.json")
	var cfg map[string]any
	b, _ := os.ReadFile(conf)
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	writeJSON(t, legacy, map[string]any{"refinery": cfg, "worker": map[string]any{"token": "x"}})
	out2 := filepath.Join(tmp, "out2")
	r = runCLI(t, tmp, "--config", legacy, "--output", out2, "--strict=false", "--python", "3.11", "--run-id", "flag")
	if r.code != 0 {
		t.Fatalf("legacy: exit %d: %s", r.code, r.stderr)
	}
	if doc2, err := os.ReadFile(filepath.Join(out2, "plan.json")); err != nil || !bytes.Equal(doc, doc2) {
		t.Errorf("contract and legacy configs planned differently (%v):\n%s\n%s", err, doc, doc2)
	}

	// An unknown field of a contract config is the library's invalid_config,
	// naming it.
	writeJSON(t, conf, map[string]any{"input_dir": tmp, "target_python": "3.11", "bogus_field": 1})
	r = runCLI(t, tmp, "--config", conf, "--output", out)
	if r.code != 1 || !strings.HasPrefix(r.stderr, "error: invalid_config: ") || !strings.Contains(r.stderr, "bogus_field") {
		t.Errorf("unknown field: exit %d %q", r.code, r.stderr)
	}
}

func TestIndexFlags(t *testing.T) {
	out := t.TempDir()
	r := runCLI(t, caseDir(t, "44_index_down_fails_clearly"), "--input", "input", "--python", "3.11", "--output", out,
		"--fallback-latest", "--index-url", "http://127.0.0.1:9/simple", "--extra-index-url", "http://127.0.0.1:9/extra",
		"--trusted-host", "127.0.0.1:9")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "error: index_unreachable: ") || !strings.Contains(r.stderr, "127.0.0.1:9") {
		t.Fatalf("exit %d: %q", r.code, r.stderr)
	}
	// An insecure host that is not trusted.
	r = runCLI(t, caseDir(t, "44_index_down_fails_clearly"), "--input", "input", "--python", "3.11", "--output", out,
		"--fallback-latest", "--index-url", "http://user:hunter2@pypi.example.invalid/simple")
	if r.code != 1 || !strings.HasPrefix(r.stderr, "error: insecure_index: ") || strings.Contains(r.stderr, "hunter2") {
		t.Fatalf("exit %d: %q", r.code, r.stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	tmp := t.TempDir()
	noSection := filepath.Join(tmp, "nosection.toml")
	badTOML := filepath.Join(tmp, "bad.toml")
	os.WriteFile(noSection, []byte("[worker]\nx = 1\n"), 0o644)
	os.WriteFile(badTOML, []byte("[refinery\n"), 0o644)
	notTable := filepath.Join(tmp, "nottable.json")
	os.WriteFile(notTable, []byte(`{"refinery": "input_dir"}`), 0o644)
	noFields := filepath.Join(tmp, "nofields.json")
	os.WriteFile(noFields, []byte(`{"worker": {"token": "x"}}`), 0o644)
	for _, args := range [][]string{
		{"--bogus"},
		{"--input", "x", "--python", "3.11"}, // no --output
		{"--output", tmp, "extra-argument"},
		{"--config", filepath.Join(tmp, "missing.toml"), "--output", tmp},
		{"--config", noSection, "--output", tmp},
		{"--config", badTOML, "--output", tmp},
		{"--config", notTable, "--output", tmp},
		{"--config", noFields, "--output", tmp},
		{"--fallback-latest=maybe", "--output", tmp},
	} {
		r := runCLI(t, tmp, args...)
		if r.code != 2 || r.stderr == "" {
			t.Errorf("%q: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
	if r := runCLI(t, tmp, "--help"); r.code != 0 || !strings.Contains(r.stderr, "--upgrade-strategy") {
		t.Errorf("--help: exit %d %q", r.code, r.stderr)
	}
	// A config problem the library finds is a plan error (exit 1).
	r := runCLI(t, tmp, "--input", tmp, "--python", "eleven", "--output", tmp)
	if r.code != 1 || !strings.HasPrefix(r.stderr, "error: invalid_config: ") {
		t.Errorf("bad python: exit %d %q", r.code, r.stderr)
	}
}

// importsResolverSO reports whether an ELF binary needs libwheel_resolver.so.
func importsResolverSO(t *testing.T, path string) bool {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Skipf("not an ELF binary: %v", err)
	}
	defer f.Close()
	libs, err := f.ImportedLibraries()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range libs {
		if strings.Contains(l, "wheel_resolver") {
			return true
		}
	}
	return false
}

// TestStaticBinaryIsSelfContained: the default build links the static
// archive, so the binary needs no libwheel_resolver.so (no LD_LIBRARY_PATH,
// no rpath).
func TestStaticBinaryIsSelfContained(t *testing.T) {
	if importsResolverSO(t, cli) {
		t.Fatal("the default build depends on libwheel_resolver.so")
	}
	cmd := testenv.Command(cli, "--help")
	cmd.Env = append(os.Environ(), "LD_LIBRARY_PATH=")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
}

// TestSharedBuildTag builds with -tags resolver_shared, which links
// libwheel_resolver.so with an rpath to the build tree.
func TestSharedBuildTag(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the CLI again")
	}
	so := sharedLib(t)
	if so == "" {
		t.Skip("no shared library for this GOARCH in the build tree")
	}
	t.Logf("links %s", so)
	bin := filepath.Join(t.TempDir(), "refinery-plan-shared")
	build := exec.Command("go", "build", "-tags", "resolver_shared", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags resolver_shared: %v\n%s", err, out)
	}
	if !importsResolverSO(t, bin) {
		t.Fatal("the resolver_shared build does not use libwheel_resolver.so")
	}
	out := t.TempDir()
	cmd := testenv.Command(bin, "--input", "input", "--python", "3.11", "--output", out)
	cmd.Dir = caseDir(t, "01_basic")
	if b, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(b), "2 reuse, 0 fetch, 1 build") {
		t.Fatalf("%v: %s", err, b)
	}
}

// --fetch-compatible-wheels and an X.Y.Z --python, against a real index:
// case 45's releases that the index has for the target are fetched, and
// the summary counts them.
func TestCLIFetchCompatibleWheels(t *testing.T) {
	cases, err := parity.IndexCases()
	if err != nil {
		t.Fatal(err)
	}
	var c *parity.Case
	for i := range cases {
		if cases[i].Name == "45_fetch_compatible_index_wheel" {
			c = &cases[i]
		}
	}
	if c == nil {
		t.Fatal("fixtures/parity/45_fetch_compatible_index_wheel not found")
	}
	url := parity.StartPypiServer(t, c.IndexDir())
	out := t.TempDir()
	r := runCLI(t, c.Dir, "--input", "input", "--python", "3.11.9",
		"--fallback-latest", "--index-url", url, "--fetch-compatible-wheels", "--output", out)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "(python 3.11.9,") || !strings.Contains(r.stdout, "0 reuse, 2 fetch, 1 build") {
		t.Fatalf("summary: %s", r.stdout)
	}
	doc, err := os.ReadFile(filepath.Join(out, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range c.CheckPlan(doc) {
		t.Error(d)
	}

	// --download: the two fetch entries land in the directory, sha256
	// verified; a second run finds them present.
	wheels := filepath.Join(t.TempDir(), "wheels")
	for _, want := range []string{"2 downloaded, 0 present, 0 failed", "0 downloaded, 2 present, 0 failed"} {
		r = runCLI(t, c.Dir, "--input", "input", "--python", "3.11.9", "--fallback-latest",
			"--index-url", url, "--fetch-compatible-wheels", "--output", out, "--download", wheels)
		if r.code != 0 || !strings.Contains(r.stdout, "download into "+wheels+": "+want) {
			t.Fatalf("--download: exit %d, want %q:\n%s\n%s", r.code, want, r.stdout, r.stderr)
		}
	}
	entries, err := os.ReadDir(wheels)
	if err != nil || len(entries) != 2 {
		t.Fatalf("downloaded files: %v %v", entries, err)
	}
}

// --build-graph against a real index (case 52): the summary counts the
// builds and waves and names the job that has no source.
func TestCLIBuildGraph(t *testing.T) {
	c := indexCase(t, "52_no_source_is_unbuildable")
	url := parity.StartPypiServer(t, c.IndexDir())
	out := t.TempDir()
	r := runCLI(t, c.Dir, "--input", "input", "--python", "3.11", "--fallback-latest",
		"--index-url", url, "--build-graph", "--output", out)
	if m := errorLine.FindStringSubmatch(r.stderr); r.code == 1 && m != nil && parity.LacksBuildGraph(m[1], m[2]) {
		t.Skip("SKIPPED: the library predates build_graph (contract §4.8–4.11); this runs once it has it")
	}
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{
		"  build graph: 1 build in 1 wave, 1 unbuildable\n",
		"  unbuildable: binonly 1.0: no source\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, r.stdout)
		}
	}
	doc, err := os.ReadFile(filepath.Join(out, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range c.CheckPlan(doc) {
		t.Error(d)
	}

	// Without the flag, the plan has no build graph and the summary no line
	// about it.
	r = runCLI(t, c.Dir, "--input", "input", "--python", "3.11", "--fallback-latest",
		"--index-url", url, "--output", out)
	if r.code != 0 || strings.Contains(r.stdout, "build graph") || strings.Contains(r.stdout, "unbuildable") {
		t.Fatalf("without --build-graph: exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

func TestSummarizeBuildGraph(t *testing.T) {
	p := planSummary{
		BuildOrder: [][]string{{"core==2.0", "tool==1"}, {"app==1.0"}},
		Unbuildable: []resolver.Unbuildable{
			{Name: "binonly", Version: "1.0", Reason: "no source"},
			{Name: "loop", Version: "2", Reason: "build cycle: loop==2 -> helper==1 -> loop==2"},
		},
	}
	var b bytes.Buffer
	summarize(&b, &p)
	for _, want := range []string{
		"  build graph: 3 builds in 2 waves, 2 unbuildable\n",
		"  unbuildable: binonly 1.0: no source\n",
		"  unbuildable: loop 2: build cycle: loop==2 -> helper==1 -> loop==2\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, b.String())
		}
	}
	// An empty graph is still a graph; a plan without one says nothing.
	b.Reset()
	summarize(&b, &planSummary{BuildOrder: [][]string{}})
	if !strings.Contains(b.String(), "  build graph: 0 builds in 0 waves, 0 unbuildable\n") {
		t.Errorf("empty graph: %s", b.String())
	}
	b.Reset()
	summarize(&b, &planSummary{})
	if strings.Contains(b.String(), "build graph") {
		t.Errorf("no graph: %s", b.String())
	}
}

func indexCase(t *testing.T, name string) parity.Case {
	t.Helper()
	cases, err := parity.IndexCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("fixtures/parity/%s not found", name)
	return parity.Case{}
}

// elfMachines is the ELF machine of each GOARCH the binding links for.
var elfMachines = map[string]elf.Machine{"amd64": elf.EM_X86_64, "s390x": elf.EM_S390, "arm64": elf.EM_AARCH64}

// sharedLib is the libwheel_resolver.so a resolver_shared build links for
// this GOARCH: the first one of the build-tree folders ffi.go names that is
// built for this architecture ("" when there is none).
func sharedLib(t *testing.T) string {
	t.Helper()
	for _, dir := range testenv.BuildTreeLibDirs(parity.RepoRoot()) {
		so := filepath.Join(dir, "libwheel_resolver.so")
		f, err := elf.Open(so)
		if err != nil {
			continue
		}
		machine := f.Machine
		f.Close()
		if machine == elfMachines[runtime.GOARCH] {
			return so
		}
	}
	return ""
}
