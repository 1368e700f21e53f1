package service

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	resolver "github.com/wheel-refinery/resolver/go-binding"
)

type httpResult struct {
	status int
	header http.Header
	body   []byte
}

func (r httpResult) errorCode(t *testing.T) string {
	t.Helper()
	var env struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil || env.Error.Code == "" || env.Error.Message == "" {
		t.Fatalf("not an error envelope (%d): %s", r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("error Content-Type %q", ct)
	}
	return env.Error.Code
}

func serve(t *testing.T, h http.Handler, method, target, body string, header map[string]string) httpResult {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return httpResult{rec.Code, rec.Header(), rec.Body.Bytes()}
}

func TestHandlerWorkerEndpoints(t *testing.T) {
	cfg := workerConfig(t)
	h := &Handler{Config: cfg, WorkerToken: "s3cret"}
	tok := map[string]string{HeaderWorkerToken: "s3cret"}

	// Token guard, on every method.
	for _, c := range []struct {
		method, target string
		header         map[string]string
	}{
		{"GET", "/plan", nil},
		{"GET", "/plan", map[string]string{HeaderWorkerToken: "wrong"}},
		{"GET", "/plan?token=wrong", nil},
		{"POST", "/plan", nil},
		{"POST", "/plan?token=s3cre", nil},
	} {
		r := serve(t, h, c.method, c.target, "", c.header)
		if r.status != http.StatusForbidden || r.errorCode(t) != string(CodeForbidden) {
			t.Errorf("%s %s %v: %d %s", c.method, c.target, c.header, r.status, r.body)
		}
	}

	// No plan yet: 404 JSON.
	r := serve(t, h, "GET", "/plan", "", tok)
	if r.status != http.StatusNotFound || r.errorCode(t) != string(CodeNotFound) {
		t.Fatalf("GET before any plan: %d %s", r.status, r.body)
	}

	// POST computes and stores it in the cache.
	r = serve(t, h, "POST", "/plan?token=s3cret", "", nil)
	if r.status != http.StatusOK || r.header.Get(HeaderPlanSource) != string(SourceComputed) {
		t.Fatalf("POST /plan: %d %v %s", r.status, r.header, r.body)
	}
	posted := decodeStrict(t, r.body)
	if _, err := os.Stat(filepath.Join(cfg.CacheDir, PlanFileName)); err != nil {
		t.Fatalf("POST /plan did not write the cache plan: %v", err)
	}

	// GET serves it.
	r = serve(t, h, "GET", "/plan", "", tok)
	if r.status != http.StatusOK || r.header.Get(HeaderPlanSource) != string(SourceCache) || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /plan: %d %v %s", r.status, r.header, r.body)
	}
	if got := decodeStrict(t, r.body); got.RunID != posted.RunID || len(got.Nodes) != len(posted.Nodes) {
		t.Errorf("GET served %+v, POST returned %+v", got, posted)
	}
	r = serve(t, h, "HEAD", "/plan", "", tok)
	if r.status != http.StatusOK || len(r.body) != 0 {
		t.Errorf("HEAD /plan: %d %q", r.status, r.body)
	}

	// An output plan wins.
	writeFile(t, filepath.Join(cfg.OutputDir, PlanFileName), `{"run_id": "from-output", "plan": []}`)
	r = serve(t, h, "GET", "/plan", "", tok)
	if r.status != http.StatusOK || r.header.Get(HeaderPlanSource) != string(SourceOutput) || !bytes.Contains(r.body, []byte("from-output")) {
		t.Errorf("GET /plan with an output plan: %d %s", r.status, r.body)
	}

	// A corrupt plan is a 500 naming the file, not a 404.
	writeFile(t, filepath.Join(cfg.OutputDir, PlanFileName), `{"run_id": `)
	r = serve(t, h, "GET", "/plan", "", tok)
	if r.status != http.StatusInternalServerError || r.errorCode(t) != string(resolver.CodeIOError) || !bytes.Contains(r.body, []byte(cfg.OutputDir)) {
		t.Errorf("GET /plan with a corrupt plan: %d %s", r.status, r.body)
	}

	// Other methods.
	r = serve(t, h, "DELETE", "/plan", "", tok)
	if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") == "" || r.errorCode(t) != string(CodeMethodNotAllowed) {
		t.Errorf("DELETE /plan: %d %v", r.status, r.header)
	}
}

func TestHandlerNoToken(t *testing.T) {
	h := &Handler{Config: workerConfig(t)}
	if r := serve(t, h, "POST", "/plan", "", nil); r.status != http.StatusOK {
		t.Errorf("unguarded POST /plan: %d %s", r.status, r.body)
	}
}

func TestHandlerComputeEndpoint(t *testing.T) {
	cfg := workerConfig(t)
	h := &Handler{Config: cfg, WorkerToken: "only-for-worker"}

	r := serve(t, h, "POST", ComputePlanPath, "", nil)
	if r.status != http.StatusOK {
		t.Fatalf("empty body: %d %s", r.status, r.body)
	}
	p := decodeStrict(t, r.body)
	if p.PythonTag != "cp311" || p.UpgradeStrategy != "pinned" {
		t.Errorf("base config not used: %+v", p)
	}
	if entries, _ := os.ReadDir(cfg.CacheDir); len(entries) != 0 {
		t.Errorf("the control-plane endpoint wrote to the cache: %v", entries)
	}

	r = serve(t, h, "POST", ComputePlanPath, `{"target_python": "3.12", "target_platform_tag": "manylinux_2_17_s390x", "upgrade_strategy": "eager"}`, nil)
	if r.status != http.StatusOK {
		t.Fatalf("overrides: %d %s", r.status, r.body)
	}
	p = decodeStrict(t, r.body)
	if p.PythonTag != "cp312" || p.PythonVersion != "3.12" || p.PlatformTag != "manylinux_2_17_s390x" || p.UpgradeStrategy != "eager" {
		t.Errorf("overrides not applied: %+v", p)
	}
	if h.Config.TargetPython != "3.11" {
		t.Errorf("a request changed the handler's config")
	}

	for _, c := range []struct {
		body   string
		status int
		code   string
	}{
		{`{"target_python": "eleven"}`, 400, string(resolver.CodeInvalidConfig)},
		{`{"upgrade_strategy": "sometimes"}`, 400, string(resolver.CodeInvalidConfig)},
		{`{"input_dir": "/etc"}`, 400, string(CodeInvalidRequest)},
		{`{"target_python": 3.11}`, 400, string(CodeInvalidRequest)},
		{`{"target_python": "3.11"} {}`, 400, string(CodeInvalidRequest)},
		{`not json`, 400, string(CodeInvalidRequest)},
		{`{"target_python": "` + strings.Repeat("9", DefaultMaxBodyBytes) + `"}`, 413, string(CodeRequestTooLarge)},
	} {
		r := serve(t, h, "POST", ComputePlanPath, c.body, nil)
		if r.status != c.status || r.errorCode(t) != c.code {
			t.Errorf("body %.60q: %d %.300s, want %d %s", c.body, r.status, r.body, c.status, c.code)
		}
	}
	r = serve(t, h, "GET", ComputePlanPath, "", nil)
	if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "POST" {
		t.Errorf("GET compute: %d %v", r.status, r.header)
	}
	r = serve(t, h, "GET", "/elsewhere", "", nil)
	if r.status != http.StatusNotFound || r.errorCode(t) != string(CodeNotFound) {
		t.Errorf("unknown path: %d %s", r.status, r.body)
	}
}

// TestHandlerErrorStatuses maps the library's errors to statuses through a
// real request per code.
func TestHandlerErrorStatuses(t *testing.T) {
	input := func(name string) string { return caseNamed(t, name).Config["input_dir"].(string) }
	for _, c := range []struct {
		name   string
		cfg    resolver.Config
		status int
		code   string
	}{
		{"input_not_found", resolver.Config{InputDir: "/nonexistent/in", TargetPython: "3.11"}, 400, string(resolver.CodeInputNotFound)},
		{"no_input", resolver.Config{InputDir: input("29_empty_input_fails"), TargetPython: "3.11"}, 400, string(resolver.CodeNoInput)},
		{"invalid_wheel", resolver.Config{InputDir: input("28_invalid_inputs_fail_clearly"), TargetPython: "3.11"}, 400, string(resolver.CodeInvalidWheel)},
		{"unresolved_requirements", resolver.Config{InputDir: input("04_unpinned_unsatisfied_offline"), TargetPython: "3.11", Strict: true}, 400, string(resolver.CodeUnresolvedRequirements)},
		{"index_unreachable", resolver.Config{InputDir: input("44_index_down_fails_clearly"), TargetPython: "3.11", FallbackLatest: true,
			Index: &resolver.IndexConfig{IndexURL: "http://127.0.0.1:9/simple", TimeoutSeconds: 2}}, 502, string(resolver.CodeIndexUnreachable)},
		{"insecure_index", resolver.Config{InputDir: input("44_index_down_fails_clearly"), TargetPython: "3.11", FallbackLatest: true,
			Index: &resolver.IndexConfig{IndexURL: "http://pypi.example.invalid/simple", TimeoutSeconds: 2}}, 502, string(resolver.CodeInsecureIndex)},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			h := &Handler{Config: c.cfg}
			r := serve(t, h, "POST", ComputePlanPath, "", nil)
			if r.status != c.status || r.errorCode(t) != c.code {
				t.Errorf("%d %s, want %d %s", r.status, r.body, c.status, c.code)
			}
		})
	}
	if HTTPStatus(&resolver.Error{Code: resolver.CodeIOError}) != 500 || HTTPStatus(&resolver.Error{Code: resolver.CodeInternal}) != 500 {
		t.Error("io_error and internal must be 500")
	}
}

// TestHandlerOverLoopback serves the handler on a real listener and sends
// concurrent requests with a real client.
func TestHandlerOverLoopback(t *testing.T) {
	cfg := workerConfig(t)
	// 16 requests at once: all are admitted (2 computing, the rest queued).
	srv := startServer(t, &Handler{Config: cfg, WorkerToken: "tok", Timeout: time.Minute, MaxConcurrent: 2, MaxQueue: 16, QueueTimeout: time.Minute})
	client := srv.Client()

	post := func(path, body string, header map[string]string) (int, []byte, error) {
		req, err := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}

	const n = 16
	var wg sync.WaitGroup
	results := make([]string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			path, hdr := ComputePlanPath, map[string]string(nil)
			if i%2 == 1 {
				path, hdr = WorkerPlanPath, map[string]string{HeaderWorkerToken: "tok"}
			}
			status, body, err := post(path, `{"target_python": "3.11"}`, hdr)
			if err != nil || status != 200 {
				results[i] = fmt.Sprintf("error %d %v %s", status, err, body)
				return
			}
			var p resolver.Plan
			if err := json.Unmarshal(body, &p); err != nil {
				results[i] = err.Error()
				return
			}
			results[i] = fmt.Sprintf("%s %d %d", p.RunID, len(p.Reuse), len(p.ToBuild))
		}(i)
	}
	wg.Wait()
	for i, r := range results {
		if r != "fixed-run 2 1" {
			t.Errorf("request %d: %s", i, r)
		}
	}

	resp, err := client.Get(srv.URL + "/plan?token=tok")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get(HeaderPlanSource) != "cache" {
		t.Fatalf("GET /plan: %d %s", resp.StatusCode, body)
	}
	decodeStrict(t, body)

	resp, err = client.Get(srv.URL + "/plan")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET /plan without token: %d", resp.StatusCode)
	}

	status, body, err := post(ComputePlanPath, strings.Repeat(" ", DefaultMaxBodyBytes+10), nil)
	if err != nil || status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body over the wire: %d %v %s", status, err, body)
	}
}
