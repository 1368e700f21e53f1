package resolver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wheel-refinery/resolver/go-binding/internal/parity"
)

func offlineCases(t *testing.T) []parity.Case {
	t.Helper()
	cases, err := parity.OfflineCases()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no offline parity cases found")
	}
	return cases
}

func caseNamed(t *testing.T, name string) parity.Case {
	t.Helper()
	for _, c := range offlineCases(t) {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no parity case %s", name)
	return parity.Case{}
}

// basicConfig is the config of fixtures/parity/01_basic.
func basicConfig(t *testing.T) Config {
	t.Helper()
	return Config{
		InputDir:          caseNamed(t, "01_basic").Config["input_dir"].(string),
		TargetPython:      "3.11",
		TargetPlatformTag: "manylinux2014_s390x",
		RunID:             "fixed-run",
	}
}

// decodeStrict decodes a plan refusing any field the Go types do not know,
// so the types cannot fall behind the library's output.
func decodeStrict(t *testing.T, doc []byte) *Plan {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("plan does not decode strictly into resolver.Plan: %v\n%s", err, doc)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("trailing data after the plan: %v", err)
	}
	return &p
}

func TestVersion(t *testing.T) {
	v := Version()
	if v == "" || strings.ContainsAny(v, " \n") {
		t.Fatalf("Version() = %q", v)
	}
	plan, err := ComputePlan(context.Background(), basicConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	if plan.Resolver.Version != v {
		t.Errorf("plan.resolver.version %q != Version() %q", plan.Resolver.Version, v)
	}
}

// TestParityPlansDecodeStrictly runs every offline parity case through
// ComputePlanJSON, decodes each plan with DisallowUnknownFields and checks
// it (or the error) against the case's expectations.
func TestParityPlansDecodeStrictly(t *testing.T) {
	for _, c := range offlineCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			doc, err := ComputePlanJSON(context.Background(), c.ConfigJSON(map[string]any{"run_id": "parity"}))
			if err != nil {
				var rerr *Error
				if !errors.As(err, &rerr) {
					t.Fatalf("error is not a *resolver.Error: %T %v", err, err)
				}
				details, _ := json.Marshal(rerr.Details)
				for _, d := range c.CheckError(string(rerr.Code), rerr.Message+" "+string(details)) {
					t.Error(d)
				}
				return
			}
			p := decodeStrict(t, doc)
			for _, d := range c.CheckPlan(doc) {
				t.Error(d)
			}
			checkInvariants(t, p)
		})
	}
}

func checkInvariants(t *testing.T, p *Plan) {
	t.Helper()
	if p.SchemaVersion != SchemaVersion {
		t.Errorf("schema_version %d", p.SchemaVersion)
	}
	if len(p.Nodes) != len(p.Reuse)+len(p.ToBuild) {
		t.Fatalf("plan has %d nodes for %d reuse + %d to_build", len(p.Nodes), len(p.Reuse), len(p.ToBuild))
	}
	for i, n := range p.Nodes {
		want := ActionReuse
		name, version := "", ""
		if i < len(p.Reuse) {
			name, version = p.Reuse[i].Name, p.Reuse[i].Version
		} else {
			want = ActionBuild
			b := p.ToBuild[i-len(p.Reuse)]
			name, version = b.Name, b.Version
		}
		if n.Action != want || n.Name != name || n.Version != version || n.PythonTag != p.PythonTag || n.PlatformTag != p.PlatformTag {
			t.Errorf("node %d = %+v, want %s %s==%s", i, n, want, name, version)
		}
	}
	for _, b := range p.ToBuild {
		switch b.Reason {
		case ReasonIncompatibleWheel, ReasonMissingDependency, ReasonMissingCompatibleWheel, ReasonDependencyExpansion,
			ReasonBuildRequirement:
		default:
			t.Errorf("unknown reason %q", b.Reason)
		}
		if b.Parents == nil {
			t.Errorf("%s: parents is null, want a list", b.Name)
		}
	}
}

func TestComputePlanTyped(t *testing.T) {
	plan, err := ComputePlan(context.Background(), basicConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	if plan.RunID != "fixed-run" || plan.PythonTag != "cp311" || plan.PythonVersion != "3.11" ||
		plan.PlatformTag != "manylinux2014_s390x" || plan.UpgradeStrategy != string(UpgradePinned) {
		t.Errorf("plan header: %+v", plan)
	}
	if len(plan.Reuse) != 2 || len(plan.ToBuild) != 1 || plan.ToBuild[0].Name != "nativepkg" ||
		plan.ToBuild[0].SourceSpec != "nativepkg==2.0.0" {
		t.Errorf("plan: reuse %+v to_build %+v", plan.Reuse, plan.ToBuild)
	}
	if plan.ToBuild[0].Incompatible == nil || plan.ToBuild[0].Incompatible.Kind == "" {
		t.Errorf("incompatible wheel without an explanation: %+v", plan.ToBuild[0])
	}
	checkInvariants(t, plan)
}

// TestEveryConfigFieldAccepted sends a Config with every field set but the
// build graph's (they need an index: TestBuildGraphConfigFields); the
// library rejects unknown fields, so a misspelt tag fails here.
func TestEveryConfigFieldAccepted(t *testing.T) {
	dir := t.TempDir()
	reqs := filepath.Join(dir, "requirements.txt")
	cons := filepath.Join(dir, "constraints.txt")
	for _, f := range []string{reqs, cons} {
		if err := os.WriteFile(f, []byte("\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := basicConfig(t)
	cfg.CacheDir = filepath.Join(dir, "cache")
	cfg.OutputDir = filepath.Join(dir, "output")
	cfg.UpgradeStrategy = UpgradePinned
	cfg.FallbackLatest = true
	cfg.Index = &IndexConfig{
		IndexURL:       "https://user:secret@pypi.example.invalid/simple",
		ExtraIndexURLs: []string{"https://extra.example.invalid/simple"},
		TrustedHosts:   []string{"extra.example.invalid"},
		Strategy:       IndexBestMatch,
		TimeoutSeconds: 3,
	}
	cfg.Expansion = &ExpansionConfig{MaxDepth: Uint32(0), MaxJobs: Uint32(3)}
	cfg.Overrides = map[string]Override{"NativePkg": {
		Version: "2.0.1", SystemPackages: []string{"libffi-devel"}, SystemRecipe: "ffi",
		Env: map[string]string{"CFLAGS": "-O2"}, Notes: "needs ffi",
	}}
	cfg.SkipKnownFailures = true
	cfg.KnownFailures = []KnownFailure{{
		Name: "nativepkg", Version: "2.0.1", Status: "built",
		Timestamp: json.RawMessage(`"2024-01-02T03:04:05Z"`), Detail: "ok", Hint: json.RawMessage(`{"use":"clang"}`),
	}}
	cfg.HistoryDB = filepath.Join(dir, "missing-history.db")
	cfg.Requirements = reqs
	cfg.Constraints = cons
	cfg.Strict = true
	cfg.PlanPath = filepath.Join(dir, "plan-copy.json")
	cfg.TimeBudgetMS = 60_000

	doc, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]any
	_ = json.Unmarshal(doc, &fields)
	if len(fields) != 19 {
		t.Errorf("a fully set Config has %d JSON fields, want 19: %s", len(fields), doc)
	}
	// The library knows history_db: a missing file is input_not_found, not
	// an unknown-field invalid_config.
	if _, err := ComputePlan(context.Background(), cfg); ErrorCode(err) != CodeInputNotFound || !strings.Contains(err.Error(), "history_db") {
		t.Fatalf("missing history_db: %v\n%s", err, doc)
	}
	cfg.HistoryDB = ""
	plan, err := ComputePlan(context.Background(), cfg)
	if err != nil {
		t.Fatalf("library rejected a fully set config: %v\n%s", err, doc)
	}
	if len(plan.ToBuild) != 1 || plan.ToBuild[0].Version != "2.0.1" || plan.ToBuild[0].Override == nil ||
		plan.ToBuild[0].Override.SystemRecipe != "ffi" || plan.ToBuild[0].Override.Env["CFLAGS"] != "-O2" {
		t.Errorf("override not applied: %+v", plan.ToBuild)
	}
	if len(plan.ToBuild[0].Hints) != 1 || string(plan.ToBuild[0].Hints[0]) != `{"use":"clang"}` {
		t.Errorf("hints: %s", plan.ToBuild[0].Hints)
	}
	if _, err := os.Stat(cfg.PlanPath); err != nil {
		t.Errorf("plan_path not written: %v", err)
	}
}

func TestSkippedKnownFailures(t *testing.T) {
	cfg := basicConfig(t)
	cfg.SkipKnownFailures = true
	cfg.KnownFailures = []KnownFailure{{Name: "NativePkg", Version: "2.0.0", Status: "failed", Timestamp: json.RawMessage(`1700000000`), Detail: "gcc died"}}
	doc, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	out, err := ComputePlanJSON(context.Background(), doc)
	if err != nil {
		t.Fatal(err)
	}
	p := decodeStrict(t, out)
	if len(p.ToBuild) != 0 || len(p.Skipped) != 1 {
		t.Fatalf("to_build %+v skipped %+v", p.ToBuild, p.Skipped)
	}
	s := p.Skipped[0]
	if s.Name != "nativepkg" || s.Status != "failed" || string(s.Timestamp) != "1700000000" || s.Detail != "gcc died" || s.Reason != ReasonIncompatibleWheel {
		t.Errorf("skipped: %+v (timestamp %s)", s, s.Timestamp)
	}
	checkInvariants(t, p)
}

func TestErrors(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name     string
		doc      string
		code     Code
		mentions string
	}{
		{"not json", `{`, CodeInvalidConfig, ""},
		{"not an object", `[1]`, CodeInvalidConfig, ""},
		{"nul byte", "{\"input_dir\": \"x\x00\"}", CodeInvalidConfig, "NUL"},
		{"unknown field", `{"input_dir": "x", "target_python": "3.11", "bogus": 1}`, CodeInvalidConfig, "bogus"},
		{"bad python", `{"input_dir": "x", "target_python": "eleven"}`, CodeInvalidConfig, "target_python"},
		{"missing input", `{"input_dir": "/nonexistent/wheels", "target_python": "3.11"}`, CodeInputNotFound, "/nonexistent/wheels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, err := ComputePlanJSON(ctx, []byte(c.doc))
			if out != nil {
				t.Errorf("output on error: %s", out)
			}
			var rerr *Error
			if !errors.As(err, &rerr) {
				t.Fatalf("err = %T %v, want *Error", err, err)
			}
			if rerr.Code != c.code || ErrorCode(err) != c.code {
				t.Errorf("code = %s, want %s (%v)", rerr.Code, c.code, err)
			}
			if !errors.Is(err, &Error{Code: c.code}) || errors.Is(err, &Error{Code: CodeInternal}) {
				t.Errorf("errors.Is by code does not work for %v", err)
			}
			if !strings.HasPrefix(err.Error(), string(c.code)+": ") {
				t.Errorf("Error() = %q", err.Error())
			}
			if details, _ := json.Marshal(rerr.Details); !strings.Contains(rerr.Message+string(details), c.mentions) {
				t.Errorf("error does not mention %q: %v %s", c.mentions, err, details)
			}
		})
	}
	t.Run("invalid wheel details", func(t *testing.T) {
		c := caseNamed(t, "28_invalid_inputs_fail_clearly")
		_, err := ComputePlanJSON(ctx, c.ConfigJSON(nil))
		var rerr *Error
		if !errors.As(err, &rerr) || rerr.Code != CodeInvalidWheel || len(rerr.Details) < 2 {
			t.Fatalf("err = %#v", err)
		}
		for _, d := range rerr.Details {
			if d.File == "" || d.Reason == "" {
				t.Errorf("detail without file or reason: %+v", d)
			}
		}
	})
}

func TestCancelledContextDoesNotCall(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A missing input_dir would be input_not_found if the library ran.
	cfg := Config{InputDir: "/nonexistent", TargetPython: "3.11"}
	if _, err := ComputePlan(ctx, cfg); !errors.Is(err, context.Canceled) || ErrorCode(err) != "" {
		t.Errorf("ComputePlan: %v", err)
	}
	if _, err := ComputePlanJSON(ctx, []byte(`{"input_dir": "/nonexistent", "target_python": "3.11"}`)); !errors.Is(err, context.Canceled) {
		t.Errorf("ComputePlanJSON: %v", err)
	}
	dctx, dcancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer dcancel()
	if _, err := ComputePlan(dctx, cfg); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("expired deadline: %v", err)
	}
}

func TestDeadlineBecomesTimeBudget(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	doc, err := withBudget(ctx, []byte(`{"input_dir": "in", "target_python": "3.11"}`))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	ms, _ := m["time_budget_ms"].(float64)
	if ms < 80_000 || ms > 90_000 || m["input_dir"] != "in" {
		t.Errorf("withBudget: %s", doc)
	}
	// A tighter budget given by the caller wins.
	doc, _ = withBudget(ctx, []byte(`{"time_budget_ms": 5}`))
	if string(doc) != `{"time_budget_ms": 5}` {
		t.Errorf("caller's tighter budget replaced: %s", doc)
	}
	// Not an object: left for the library to reject.
	doc, _ = withBudget(ctx, []byte(`[1]`))
	if string(doc) != `[1]` {
		t.Errorf("non-object changed: %s", doc)
	}
	// No deadline: untouched.
	doc, _ = withBudget(context.Background(), []byte(`{"a": 1}`))
	if string(doc) != `{"a": 1}` {
		t.Errorf("no deadline changed: %s", doc)
	}
	// At least 1 ms even when the deadline is (nearly) due.
	nctx, ncancel := context.WithTimeout(context.Background(), time.Microsecond)
	defer ncancel()
	time.Sleep(time.Millisecond)
	if ms, ok := budget(nctx); !ok || ms != 1 {
		t.Errorf("budget of an expired deadline = %d, %v", ms, ok)
	}
	// End to end, the library accepts the budget.
	if _, err := ComputePlan(ctx, basicConfig(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := ComputePlanJSON(ctx, caseNamed(t, "01_basic").ConfigJSON(nil)); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentCallsAgree runs 16 goroutines computing the same plan with
// a fixed run_id; every result must be byte-identical.
func TestConcurrentCallsAgree(t *testing.T) {
	const workers, rounds = 16, 10
	cases := offlineCases(t)
	docs := make([][]byte, len(cases))
	want := make([]string, len(cases))
	for i, c := range cases {
		docs[i] = c.ConfigJSON(map[string]any{"run_id": "concurrent"})
		out, err := ComputePlanJSON(context.Background(), docs[i])
		want[i] = fmt.Sprintf("%s|%v", out, err)
	}
	var wg sync.WaitGroup
	errs := make(chan string, workers*rounds*len(cases))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for r := 0; r < rounds; r++ {
				for k := range cases {
					i := (k + w) % len(cases) // goroutines run different cases at once
					out, err := ComputePlanJSON(context.Background(), docs[i])
					if got := fmt.Sprintf("%s|%v", out, err); got != want[i] {
						errs <- fmt.Sprintf("goroutine %d, %s: got %.300s, want %.300s", w, cases[i].Name, got, want[i])
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

// TestComputePlanJSONMemory makes thousands of calls and checks that the
// resident set size does not grow beyond a small bound: every C string is
// freed and nothing accumulates on either side.
func TestComputePlanJSONMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("memory check skipped in -short mode")
	}

	const warmup, calls = 2000, 10000
	// A leaked result (~1.4 KiB here) would grow RSS by ~14 MiB; without
	// -race the noise is ~1 MiB. Under -race the detector's own memory grows
	// with every call, so the bound is looser there (make test-go-asan runs
	// the exact leak check, LeakSanitizer).
	bound := int64(4 << 20) // bytes of RSS growth tolerated
	if raceEnabled {
		bound = 16 << 20
	}
	doc := caseNamed(t, "01_basic").ConfigJSON(map[string]any{"run_id": "mem"})
	ctx := context.Background()
	run := func(n int) {
		for i := 0; i < n; i++ {
			out, err := ComputePlanJSON(ctx, doc)
			if err != nil || len(out) == 0 {
				t.Fatalf("call %d: %v", i, err)
			}
		}
	}
	run(warmup)
	settle()
	before := rss(t)
	start := time.Now()
	run(calls)
	elapsed := time.Since(start)
	settle()
	after := rss(t)
	t.Logf("RSS after %d warm-up calls: %.1f MiB; after %d more: %.1f MiB (growth %+.1f MiB, bound %d MiB); %.0f µs/call",
		warmup, mib(before), calls, mib(after), mib(after-before), bound>>20, float64(elapsed.Microseconds())/calls)
	if asanEnabled {
		// The calls ran (LeakSanitizer checks them at exit); RSS under ASan's
		// quarantine of freed memory says nothing about leaks.
		return
	}
	if after-before > bound {
		t.Errorf("RSS grew by %.1f MiB over %d calls", mib(after-before), calls)
	}
}

// settle returns freed Go memory to the OS so that RSS reflects live data.
func settle() {
	runtime.GC()
	debug.FreeOSMemory()
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

// rss reads the resident set size from /proc/self/statm.
func rss(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skipf("no /proc/self/statm: %v", err)
	}
	var size, resident int64
	if _, err := fmt.Sscan(string(b), &size, &resident); err != nil {
		t.Fatal(err)
	}
	return resident * int64(os.Getpagesize())
}

// BenchmarkComputePlanExample plans the bundled example (examples/service)
// in-process: go test -run '^$' -bench Example -benchtime 20x.
func BenchmarkComputePlanExample(b *testing.B) {
	root := parity.RepoRoot()
	input := filepath.Join(root, "examples", "service", "input")
	if _, err := os.Stat(input); err != nil {
		b.Skipf("no example input: %v", err)
	}
	cfg := Config{
		InputDir: input, TargetPython: "3.11", TargetPlatformTag: "manylinux2014_s390x",
		UpgradeStrategy: UpgradePinned, Expansion: &ExpansionConfig{MaxDepth: Uint32(2), MaxJobs: Uint32(4)},
	}
	ctx := context.Background()
	start := time.Now()
	if _, err := ComputePlan(ctx, cfg); err != nil {
		b.Fatal(err)
	}
	b.Logf("first call: %v", time.Since(start))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := ComputePlan(ctx, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// TestDeadlineBoundsIndexWait: an index that accepts connections and never
// answers (with a 30 s request timeout) must not hold the call beyond the
// context's deadline, which reaches the library as time_budget_ms.
func TestDeadlineBoundsIndexWait(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback listener: %v", err)
	}
	// Accept and hold every connection without answering.
	var held []net.Conn
	acceptDone := make(chan struct{})
	go func() {
		defer close(acceptDone)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	defer func() {
		ln.Close()
		<-acceptDone
		for _, c := range held {
			c.Close()
		}
	}()

	cfg := Config{
		InputDir:       caseNamed(t, "44_index_down_fails_clearly").Config["input_dir"].(string),
		TargetPython:   "3.11",
		FallbackLatest: true,
		Index:          &IndexConfig{IndexURL: "http://" + ln.Addr().String() + "/simple", TimeoutSeconds: 30},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = ComputePlan(ctx, cfg)
	elapsed := time.Since(start)
	t.Logf("returned after %v: %v", elapsed, err)
	if elapsed > 5*time.Second {
		t.Errorf("the call outlived its 500 ms deadline by far: %v", elapsed)
	}
	var rerr *Error
	if !errors.As(err, &rerr) {
		t.Fatalf("err = %T %v, want *Error", err, err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("errors.Is(err, context.DeadlineExceeded) is false for %v", err)
	}
}
