package resolver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/wheel-refinery/resolver/go-binding/internal/parity"
)

var (
	buildGraphOnce sync.Once
	buildGraphErr  error
)

// skipWithoutBuildGraph skips the test when the linked library predates
// the build graph (contract §4.8–4.11): asked for build_graph without an index, such
// a library refuses the field as unknown, while one that has it refuses the
// config for want of an index.
func skipWithoutBuildGraph(t *testing.T) {
	t.Helper()
	buildGraphOnce.Do(func() {
		cfg := Config{InputDir: filepath.Join(parity.RepoRoot(), "fixtures", "parity", "01_basic", "input"),
			TargetPython: "3.11", BuildGraph: true}
		_, buildGraphErr = ComputePlan(context.Background(), cfg)
	})
	if e, ok := buildGraphErr.(*Error); ok {
		details, _ := json.Marshal(e.Details)
		if parity.LacksBuildGraph(string(e.Code), e.Message+" "+string(details)) {
			t.Skip("SKIPPED: the library predates build_graph (contract §4.8–4.11); this runs once it has it")
		}
	}
}

// TestBuildGraphNeedsIndex: build_graph without an index is invalid_config
// naming build_graph (contract §2).
func TestBuildGraphNeedsIndex(t *testing.T) {
	skipWithoutBuildGraph(t)
	cfg := basicConfig(t)
	cfg.BuildGraph = true
	_, err := ComputePlan(context.Background(), cfg)
	if ErrorCode(err) != CodeInvalidConfig || !strings.Contains(err.Error(), "build_graph") {
		t.Fatalf("build_graph without an index: %v", err)
	}
}

// TestBuildGraphConfigFields sends every build-graph field of Config and
// Override (the library refuses unknown fields, so a misspelt tag fails
// here) against case 52's index: the override gives binonly, which has no
// sdist on the index, a source (index nil), and build_graph_max_jobs 0
// leaves out what the build environments need.
func TestBuildGraphConfigFields(t *testing.T) {
	skipWithoutBuildGraph(t)
	var c parity.Case
	cases, err := parity.IndexCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range cases {
		if x.Name == "52_no_source_is_unbuildable" {
			c = x
		}
	}
	if c.Name == "" {
		t.Fatal("fixtures/parity/52_no_source_is_unbuildable not found")
	}
	sdist, err := os.ReadFile(filepath.Join(c.IndexDir(), "app-1.0.tar.gz"))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(sdist)
	url := parity.StartPypiServer(t, c.IndexDir())
	sourceURL := strings.TrimSuffix(url, "simple/") + "packages/app-1.0.tar.gz"
	cfg := Config{
		InputDir:     c.Config["input_dir"].(string),
		TargetPython: "3.11",
		RunID:        "graph",
		Index:        &IndexConfig{IndexURL: url},
		BuildGraph:   true,
		Overrides: map[string]Override{"binonly": {
			SourceURL: sourceURL, SourceSHA256: hex.EncodeToString(sum[:]),
		}},
	}
	doc, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ComputePlanJSON(context.Background(), doc)
	if err != nil {
		t.Fatalf("%v\n%s", err, doc)
	}
	p := decodeStrict(t, out)
	checkBuildGraphInvariants(t, p)
	var binonly *BuildJob
	for i := range p.ToBuild {
		if p.ToBuild[i].Name == "binonly" {
			binonly = &p.ToBuild[i]
		}
	}
	if binonly == nil || binonly.Source == nil || binonly.Source.URL != sourceURL || binonly.Source.Index != nil ||
		binonly.Source.SHA256 != hex.EncodeToString(sum[:]) {
		t.Fatalf("the override's source is not binonly's: %+v", binonly)
	}
	if len(p.Unbuildable) != 0 || len(p.BuildOrder) != 1 || len(p.BuildOrder[0]) != 2 {
		t.Errorf("with a source, binonly builds beside app: order %q, unbuildable %+v", p.BuildOrder, p.Unbuildable)
	}

	// build_graph_max_jobs 0: no release is added for build environments
	// (setuptools is not fetched) and the warnings name what was left out.
	cfg.BuildGraphMaxJobs = Uint32(0)
	p, err = ComputePlan(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range p.Fetch {
		if f.Name == "setuptools" {
			t.Errorf("build_graph_max_jobs 0 still adds %s==%s", f.Name, f.Version)
		}
	}
	if !strings.Contains(strings.Join(p.Warnings, "\n"), "setuptools") {
		t.Errorf("no warning names the setuptools left out: %q", p.Warnings)
	}
}

// checkBuildGraphInvariants checks what contract §4.10–4.11 promise of any
// plan made with build_graph: every buildable job in exactly one wave, after
// the builds its environment needs; unbuildable jobs in none, in to_build
// order; build_deps sorted.
func checkBuildGraphInvariants(t *testing.T, p *Plan) {
	t.Helper()
	if !p.HasBuildGraph() {
		t.Fatal("a plan made with build_graph has no build_order")
	}
	builds := map[string]int{} // name==version -> index in to_build
	for i, b := range p.ToBuild {
		if b.Version == "latest" {
			continue // no concrete version: the contract names no source for it
		}
		builds[b.Name+"=="+b.Version] = i
		if b.BuildDeps == nil {
			t.Errorf("%s==%s: build_deps is absent", b.Name, b.Version)
		}
		if !sort.StringsAreSorted(b.BuildDeps) {
			t.Errorf("%s==%s: build_deps not sorted: %q", b.Name, b.Version, b.BuildDeps)
		}
		if b.Source == nil && (b.BuildBackend != nil || b.BuildRequires != nil || len(b.BuildDeps) != 0) {
			t.Errorf("%s==%s: no source, yet a build environment: %+v", b.Name, b.Version, b)
		}
	}
	unbuildable := map[string]bool{}
	last := -1
	for _, u := range p.Unbuildable {
		pin := u.Name + "==" + u.Version
		i, ok := builds[pin]
		if !ok {
			t.Errorf("unbuildable %s is no build job", pin)
			continue
		}
		if i <= last {
			t.Errorf("unbuildable not in to_build order at %s", pin)
		}
		last = i
		unbuildable[pin] = true
		if u.Reason != UnbuildableNoSource && !strings.HasPrefix(u.Reason, UnbuildableCycle) &&
			!strings.HasPrefix(u.Reason, UnbuildableRequirement) && !strings.HasPrefix(u.Reason, UnbuildableMissing) {
			t.Errorf("unbuildable %s: unknown reason %q", pin, u.Reason)
		}
	}
	wave := map[string]int{}
	for k, w := range p.BuildOrder {
		for _, pin := range w {
			if _, ok := builds[pin]; !ok || unbuildable[pin] {
				t.Errorf("wave %d: %s is no buildable job", k, pin)
			}
			if _, seen := wave[pin]; seen {
				t.Errorf("%s is in two waves", pin)
			}
			wave[pin] = k
		}
	}
	for pin := range builds {
		if _, ok := wave[pin]; !ok && !unbuildable[pin] {
			t.Errorf("buildable %s is in no wave", pin)
		}
	}
	for pin, k := range wave {
		least := 0
		for _, dep := range p.ToBuild[builds[pin]].BuildDeps {
			if d, ok := wave[dep]; ok && d+1 > least {
				least = d + 1
			}
		}
		if k != least {
			t.Errorf("%s is in wave %d; its build_deps put it in wave %d", pin, k, least)
		}
	}
}
