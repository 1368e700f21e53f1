package service

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	resolver "github.com/wheel-refinery/resolver/go-binding"
)

func workerConfig(t *testing.T) resolver.Config {
	t.Helper()
	cfg := basicConfig(t)
	dir := t.TempDir()
	cfg.OutputDir = filepath.Join(dir, "output")
	cfg.CacheDir = filepath.Join(dir, "cache")
	for _, d := range []string{cfg.OutputDir, cfg.CacheDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return cfg
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoadOrComputeOrder(t *testing.T) {
	ctx := context.Background()
	cfg := workerConfig(t)
	cachePlan := filepath.Join(cfg.CacheDir, PlanFileName)

	// Nothing there: computed and written to the cache.
	plan, src, err := LoadOrCompute(ctx, cfg)
	if err != nil || src != SourceComputed || plan.RunID != "fixed-run" {
		t.Fatalf("first call: %v %q %+v", err, src, plan)
	}
	written, err := os.ReadFile(cachePlan)
	if err != nil {
		t.Fatal(err)
	}
	strictPlan := decodeStrict(t, written)
	if strictPlan.RunID != "fixed-run" || len(strictPlan.ToBuild) != 1 || !strings.HasSuffix(string(written), "}\n") {
		t.Errorf("cache plan: %s", written)
	}
	entries, _ := os.ReadDir(cfg.CacheDir)
	if len(entries) != 1 {
		t.Errorf("cache dir holds %d entries, want only plan.json (temp files left?)", len(entries))
	}
	if _, err := os.Stat(filepath.Join(cfg.OutputDir, PlanFileName)); !os.IsNotExist(err) {
		t.Errorf("output plan written: %v", err)
	}

	// The cache plan is used next, even with a different config.
	cfg2 := cfg
	cfg2.RunID = "other-run"
	plan, src, err = LoadOrCompute(ctx, cfg2)
	if err != nil || src != SourceCache || plan.RunID != "fixed-run" {
		t.Fatalf("second call: %v %q %+v", err, src, plan)
	}

	// An output plan (here a legacy one) wins over the cache.
	writeFile(t, filepath.Join(cfg.OutputDir, PlanFileName),
		`{"run_id": "legacy", "plan": [{"name": "a", "version": "1", "python_tag": "3.11", "platform_tag": "manylinux2014_s390x", "action": "reuse"}]}`)
	plan, src, err = LoadOrCompute(ctx, cfg2)
	if err != nil || src != SourceOutput || plan.RunID != "legacy" || len(plan.Nodes) != 1 {
		t.Fatalf("third call: %v %q %+v", err, src, plan)
	}

	// No directories at all: computed, nothing written.
	cfg3 := basicConfig(t)
	if _, src, err := LoadOrCompute(ctx, cfg3); err != nil || src != SourceComputed {
		t.Fatalf("no dirs: %v %q", err, src)
	}
}

func TestLoadOrComputeCreatesCacheDir(t *testing.T) {
	cfg := basicConfig(t)
	cfg.CacheDir = filepath.Join(t.TempDir(), "new", "cache")
	if _, src, err := LoadOrCompute(context.Background(), cfg); err != nil || src != SourceComputed {
		t.Fatalf("%v %q", err, src)
	}
	if _, err := os.Stat(filepath.Join(cfg.CacheDir, PlanFileName)); err != nil {
		t.Fatal(err)
	}
}

func TestLoadOrComputeCorruptPlan(t *testing.T) {
	for _, c := range []struct{ name, content string }{
		{"truncated", `{"run_id": "x", "plan": [`},
		{"empty", ``},
		{"not an object", `[1, 2]`},
		{"null", `null`},
		{"no plan list", `{"run_id": "x"}`},
		{"wrong types", `{"run_id": 7, "plan": []}`},
	} {
		for _, where := range []string{"output", "cache"} {
			t.Run(c.name+"/"+where, func(t *testing.T) {
				cfg := workerConfig(t)
				dir := cfg.OutputDir
				if where == "cache" {
					dir = cfg.CacheDir
				}
				path := filepath.Join(dir, PlanFileName)
				writeFile(t, path, c.content)
				plan, src, err := LoadOrCompute(context.Background(), cfg)
				var rerr *resolver.Error
				if !errors.As(err, &rerr) || rerr.Code != resolver.CodeIOError || !strings.Contains(rerr.Message, path) {
					t.Fatalf("err = %v, want io_error naming %s", err, path)
				}
				if plan != nil || src != "" {
					t.Errorf("plan %v source %q on error", plan, src)
				}
				if len(rerr.Details) != 1 || rerr.Details[0].File != path {
					t.Errorf("details: %+v", rerr.Details)
				}
				// Not silently recomputed: the corrupt file is untouched.
				if b, _ := os.ReadFile(path); string(b) != c.content {
					t.Errorf("corrupt plan file rewritten: %s", b)
				}
			})
		}
	}
}

func TestLoadOrComputeUnreadablePlan(t *testing.T) {
	cfg := workerConfig(t)
	// A directory where the plan file should be: reading fails, not "absent".
	if err := os.Mkdir(filepath.Join(cfg.CacheDir, PlanFileName), 0o755); err != nil {
		t.Fatal(err)
	}
	_, _, err := LoadOrCompute(context.Background(), cfg)
	if resolver.ErrorCode(err) != resolver.CodeIOError || !strings.Contains(err.Error(), cfg.CacheDir) {
		t.Fatalf("err = %v", err)
	}
}

func TestLoadOrComputeErrorWritesNothing(t *testing.T) {
	cfg := workerConfig(t)
	cfg.InputDir = filepath.Join(t.TempDir(), "missing")
	_, _, err := LoadOrCompute(context.Background(), cfg)
	if resolver.ErrorCode(err) != resolver.CodeInputNotFound {
		t.Fatalf("err = %v", err)
	}
	if entries, _ := os.ReadDir(cfg.CacheDir); len(entries) != 0 {
		t.Errorf("cache dir not empty after a failed plan: %v", entries)
	}
}

// TestLoadOrComputeConcurrent: many workers racing on an empty cache all
// get a plan and leave exactly one complete plan.json behind.
func TestLoadOrComputeConcurrent(t *testing.T) {
	cfg := workerConfig(t)
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			plan, _, err := LoadOrCompute(context.Background(), cfg)
			if err != nil || plan.RunID != "fixed-run" {
				t.Errorf("%v %+v", err, plan)
			}
		}()
	}
	wg.Wait()
	entries, _ := os.ReadDir(cfg.CacheDir)
	if len(entries) != 1 || entries[0].Name() != PlanFileName {
		t.Errorf("cache dir: %v", entries)
	}
	b, _ := os.ReadFile(filepath.Join(cfg.CacheDir, PlanFileName))
	decodeStrict(t, b)
}

// TestLoadOrComputeCancelledContextDoesNotCall: a done context returns its
// error before any plan file is read or the library is called.
func TestLoadOrComputeCancelledContextDoesNotCall(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// A missing input_dir would be input_not_found if the library ran.
	cfg := resolver.Config{InputDir: "/nonexistent", TargetPython: "3.11"}
	if _, _, err := LoadOrCompute(ctx, cfg); !errors.Is(err, context.Canceled) || resolver.ErrorCode(err) != "" {
		t.Errorf("LoadOrCompute: %v", err)
	}
	dctx, dcancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer dcancel()
	if _, _, err := LoadOrCompute(dctx, cfg); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("expired deadline: %v", err)
	}
}
