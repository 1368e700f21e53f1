package resolver

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wheel-refinery/resolver/go-binding/internal/silentindex"
)

// stalledConfig plans an input with an unsatisfied range against idx with
// 30 s per request: without cancellation the call takes minutes.
func stalledConfig(t *testing.T, idx *silentindex.Index) Config {
	return Config{
		InputDir:       caseNamed(t, "44_index_down_fails_clearly").Config["input_dir"].(string),
		TargetPython:   "3.11",
		FallbackLatest: true,
		Index:          &IndexConfig{IndexURL: idx.URL, TimeoutSeconds: 30},
	}
}

// TestContextCancelReachesTheLibrary: cancelling the context of a call that
// waits on a silent index stops the library's work: the call returns
// cancelled, long before the 30 s request timeout, and its index
// connection is closed.
func TestContextCancelReachesTheLibrary(t *testing.T) {
	idx := silentindex.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err := ComputePlan(ctx, stalledConfig(t, idx))
	elapsed := time.Since(start)
	t.Logf("returned after %v: %v", elapsed, err)
	if ErrorCode(err) != CodeCancelled || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want code cancelled wrapping context.Canceled", err)
	}
	if elapsed > 10*time.Second {
		t.Errorf("the cancel did not reach the library: %v", elapsed)
	}
	if idx.Accepted.Load() == 0 {
		t.Errorf("the call never reached the index")
	}
	if !silentindex.WaitFor(5*time.Second, func() bool { return idx.Open.Load() == 0 }) {
		t.Errorf("%d index connections still open after the call returned", idx.Open.Load())
	}
	// ComputePlanJSON takes the same path.
	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel2)
	doc := caseNamed(t, "44_index_down_fails_clearly").ConfigJSON(map[string]any{
		"index": map[string]any{"index_url": idx.URL, "timeout_seconds": 30},
	})
	if _, err := ComputePlanJSON(ctx2, doc); ErrorCode(err) != CodeCancelled {
		t.Errorf("ComputePlanJSON: %v", err)
	}
}

// TestManyCancelledCallsLeaveNothingRunning: 20 calls stuck on a silent
// index whose contexts are cancelled after 300 ms leave no connection (and
// so no computation) behind within 3 s.
func TestManyCancelledCallsLeaveNothingRunning(t *testing.T) {
	idx := silentindex.New(t)
	cfg := stalledConfig(t, idx)
	const n = 20
	var wg sync.WaitGroup
	codes := make([]Code, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
			defer cancel()
			time.AfterFunc(300*time.Millisecond, cancel)
			_, err := ComputePlan(ctx, cfg)
			codes[i] = ErrorCode(err)
		}(i)
	}
	wg.Wait()
	for i, c := range codes {
		if c != CodeCancelled {
			t.Errorf("call %d: %q, want cancelled", i, c)
		}
	}
	if !silentindex.WaitFor(3*time.Second, func() bool { return idx.Open.Load() == 0 }) {
		t.Errorf("%d index connections still open 3 s after the calls returned", idx.Open.Load())
	}
}

// TestDeadlineIsTimeoutDuringIndexWork: a deadline that runs out while the
// library waits on the index is "timeout", not index_unreachable (the
// service's 504: service.TestLibraryTimeoutsAre504).
func TestDeadlineIsTimeoutDuringIndexWork(t *testing.T) {
	idx := silentindex.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	_, err := ComputePlan(ctx, stalledConfig(t, idx))
	if ErrorCode(err) != CodeTimeout || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want timeout", err)
	}
}

// TestDeadlineIsTimeoutDuringDownload: a deadline that runs out while a
// download waits on a silent server is "timeout" too, as for a plan
// (whether the context's timer or the library's budget stops it first).
func TestDeadlineIsTimeoutDuringDownload(t *testing.T) {
	idx := silentindex.New(t)
	cfg := basicConfig(t)
	cfg.Index = &IndexConfig{IndexURL: idx.URL + "/", TimeoutSeconds: 30}
	origin := strings.TrimSuffix(idx.URL, "/simple")
	plan := &Plan{Fetch: []FetchEntry{{Name: "x", Version: "1.0", File: "x-1.0-py3-none-any.whl",
		URL: origin + "/files/x-1.0-py3-none-any.whl", Sha256: strings.Repeat("0", 64), Index: idx.URL + "/"}}}
	for i := 0; i < 3; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
		start := time.Now()
		report, err := FetchWheels(ctx, cfg, plan, t.TempDir())
		cancel()
		if ErrorCode(err) != CodeTimeout || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("run %d: err = %v (report %v), want timeout", i, err, report)
		}
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("run %d took %v", i, took)
		}
	}
}
