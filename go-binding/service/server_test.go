package service

import (
	"archive/zip"
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	resolver "github.com/wheel-refinery/resolver/go-binding"
	"github.com/wheel-refinery/resolver/go-binding/internal/silentindex"
)

// testServer is a Handler served by NewServer (the README's example
// server) on a loopback port.
type testServer struct {
	URL  string
	Addr string
	srv  *http.Server
}

func (s *testServer) Client() *http.Client { return &http.Client{Timeout: time.Minute} }

func startServer(t *testing.T, h *Handler) *testServer {
	t.Helper()
	srv := NewServer("127.0.0.1:0", h)
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		t.Skipf("no loopback listener: %v", err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	return &testServer{URL: "http://" + ln.Addr().String(), Addr: ln.Addr().String(), srv: srv}
}

func TestNewServerTimeouts(t *testing.T) {
	s := NewServer(":0", &Handler{Timeout: 30 * time.Second})
	if s.ReadHeaderTimeout != ServerReadHeaderTimeout || s.IdleTimeout == 0 || s.MaxHeaderBytes == 0 {
		t.Errorf("server: %+v", s)
	}
	// Above the longest a request can take: body + queue + plan.
	if want := DefaultBodyTimeout + DefaultQueueTimeout + 30*time.Second; s.WriteTimeout <= want || s.ReadTimeout <= want {
		t.Errorf("WriteTimeout %v / ReadTimeout %v not above %v", s.WriteTimeout, s.ReadTimeout, want)
	}
	if s := NewServer(":0", &Handler{}); s.WriteTimeout != 0 || s.ReadTimeout != 0 {
		t.Errorf("Timeout 0 must leave the whole-request timeouts off: %+v", s)
	}
}

// serveCtx runs one request through h with a context of its own.
func serveCtx(ctx context.Context, h http.Handler, method, target, body string) httpResult {
	req := httptest.NewRequest(method, target, strings.NewReader(body)).WithContext(ctx)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return httpResult{rec.Code, rec.Header(), rec.Body.Bytes()}
}

// TestHandlerAdmission: one slot, one queue place. While a plan is stuck on
// a silent index, a second request waits, a third is refused at once with
// 503 + Retry-After, the waiting one gets 503 when its wait times out; the
// stuck plan's client leaving frees the slot (its computation stops).
func TestHandlerAdmission(t *testing.T) {
	idx := silentindex.New(t)
	h := &Handler{
		Config:        stalledConfig(t, idx),
		MaxConcurrent: 1, MaxQueue: 1,
		QueueTimeout: 300 * time.Millisecond,
		RetryAfter:   1500 * time.Millisecond,
	}
	ctxA, cancelA := context.WithCancel(context.Background())
	defer cancelA()
	resA := make(chan httpResult, 1)
	go func() { resA <- serveCtx(ctxA, h, "POST", ComputePlanPath, "") }()
	if !silentindex.WaitFor(10*time.Second, func() bool { return idx.Accepted.Load() > 0 }) {
		t.Fatal("the first plan never reached the index")
	}

	resB := make(chan httpResult, 1)
	start := time.Now()
	go func() { resB <- serveCtx(context.Background(), h, "POST", ComputePlanPath, "") }()
	if !silentindex.WaitFor(5*time.Second, func() bool { return h.admission.queued.Load() == 1 }) {
		t.Fatal("the second request never queued")
	}
	c := serveCtx(context.Background(), h, "POST", ComputePlanPath, "")
	if c.status != http.StatusServiceUnavailable || c.header.Get("Retry-After") != "2" || c.errorCode(t) != string(CodeOverloaded) {
		t.Errorf("third request: %d Retry-After %q %s", c.status, c.header.Get("Retry-After"), c.body)
	}
	b := <-resB
	if b.status != http.StatusServiceUnavailable || b.header.Get("Retry-After") == "" || time.Since(start) < 250*time.Millisecond {
		t.Errorf("queued request: %d after %v: %s", b.status, time.Since(start), b.body)
	}

	cancelA()
	select {
	case a := <-resA:
		if a.status != StatusClientClosedRequest || a.errorCode(t) != string(resolver.CodeCancelled) {
			t.Errorf("cancelled request: %d %s", a.status, a.body)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the cancelled plan did not stop")
	}
	if !silentindex.WaitFor(5*time.Second, func() bool { return idx.Open.Load() == 0 }) {
		t.Errorf("the cancelled plan still holds %d index connections", idx.Open.Load())
	}
	// The slot is free again: the next request is admitted (and computes
	// until its own context ends).
	ctxD, cancelD := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancelD()
	d := serveCtx(ctxD, h, "POST", ComputePlanPath, "")
	if d.status != http.StatusGatewayTimeout || d.errorCode(t) != string(resolver.CodeTimeout) {
		t.Errorf("request after the slot was freed: %d %s", d.status, d.body)
	}
}

// TestHandlerTimeoutIs504: Handler.Timeout running out during index work
// is 504 "timeout", not 502 index_unreachable.
func TestHandlerTimeoutIs504(t *testing.T) {
	idx := silentindex.New(t)
	h := &Handler{Config: stalledConfig(t, idx), Timeout: 300 * time.Millisecond}
	start := time.Now()
	r := serve(t, h, "POST", ComputePlanPath, "", nil)
	if r.status != http.StatusGatewayTimeout || r.errorCode(t) != string(resolver.CodeTimeout) {
		t.Errorf("%d %s", r.status, r.body)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Errorf("took %v", el)
	}
}

// rawRequest sends raw bytes to addr and returns what the server answers
// (until it closes the connection or 10 s pass).
func rawRequest(t *testing.T, addr, request string, readAll bool) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	if readAll {
		b, _ := io.ReadAll(conn)
		return string(b)
	}
	line, _ := bufio.NewReader(conn).ReadString('\n')
	return line
}

func TestHandlerHTTPHardening(t *testing.T) {
	h := &Handler{Config: workerConfig(t), WorkerToken: "tok", Timeout: time.Minute, BodyTimeout: 300 * time.Millisecond}
	srv := startServer(t, h)
	client := srv.Client()
	post := func(path, body string, header map[string]string) (int, http.Header, []byte) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, b
	}
	code := func(b []byte) string {
		var env struct{ Error errorBody }
		_ = json.Unmarshal(b, &env)
		return env.Error.Code
	}

	t.Run("oversized body refused before 100 Continue", func(t *testing.T) {
		line := rawRequest(t, srv.Addr, "POST "+ComputePlanPath+" HTTP/1.1\r\nHost: x\r\n"+
			"Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 10485760\r\n\r\n", false)
		if !strings.HasPrefix(line, "HTTP/1.1 413") {
			t.Errorf("first answer line %q, want 413 (and no 100 Continue)", line)
		}
	})
	t.Run("slow body is cut off", func(t *testing.T) {
		start := time.Now()
		answer := rawRequest(t, srv.Addr, "POST "+ComputePlanPath+" HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"ta", true)
		if !strings.HasPrefix(answer, "HTTP/1.1 408") || time.Since(start) > 8*time.Second {
			t.Errorf("after %v: %.200q", time.Since(start), answer)
		}
	})
	t.Run("strict bodies", func(t *testing.T) {
		for _, body := range []string{`{}}`, `{"TARGET_PYTHON": "3.12"}`, `{"Target_Python": "3.12"}`, `{} x`, `null`, `[]`, `{"target_python": "3.12"}{}`} {
			status, _, b := post(ComputePlanPath, body, nil)
			if status != http.StatusBadRequest || code(b) != string(CodeInvalidRequest) {
				t.Errorf("body %q: %d %s", body, status, b)
			}
		}
		if status, _, b := post(ComputePlanPath, ` {"target_python": "3.11"} `+"\n", nil); status != 200 {
			t.Errorf("valid body with white space: %d %s", status, b)
		}
	})
	t.Run("echoed values are bounded", func(t *testing.T) {
		long := strings.Repeat("9", DefaultMaxBodyBytes-100)
		status, _, b := post(ComputePlanPath, `{"target_python": "`+long+`"}`, nil)
		if status != http.StatusBadRequest || code(b) != string(resolver.CodeInvalidConfig) {
			t.Errorf("%d %.300s", status, b)
		}
		if len(b) > 4096 {
			t.Errorf("error answer of %d bytes for a %d-byte value", len(b), len(long))
		}
	})
	t.Run("raw path is matched", func(t *testing.T) {
		status, _, b := post("/api%2Fplan%2Fcompute", "", nil)
		if status != http.StatusNotFound || code(b) != string(CodeNotFound) {
			t.Errorf("%d %s", status, b)
		}
		if status, _, b := post("/pl%61n", "", map[string]string{HeaderWorkerToken: "tok"}); status != http.StatusNotFound {
			t.Errorf("escaped /plan: %d %s", status, b)
		}
	})
	t.Run("worker token: header wins, query still accepted", func(t *testing.T) {
		if status, _, b := post(WorkerPlanPath+"?token=wrong", "", map[string]string{HeaderWorkerToken: "tok"}); status != 200 {
			t.Errorf("right header, wrong query: %d %s", status, b)
		}
		if status, _, _ := post(WorkerPlanPath+"?token=tok", "", map[string]string{HeaderWorkerToken: "wrong"}); status != http.StatusForbidden {
			t.Errorf("wrong header, right query: %d", status)
		}
		if status, _, b := post(WorkerPlanPath+"?token=tok", "", nil); status != 200 {
			t.Errorf("legacy query token: %d %s", status, b)
		}
	})
}

// TestHTTPStatusCodes maps every code the handler can answer with.
func TestHTTPStatusCodes(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{&resolver.Error{Code: resolver.CodeTimeout}, 504},
		{&resolver.Error{Code: resolver.CodeCancelled}, StatusClientClosedRequest},
		{&resolver.Error{Code: resolver.CodeIndexUnreachable}, 502},
		{&resolver.Error{Code: resolver.CodeInvalidConfig}, 400},
		{&resolver.Error{Code: resolver.CodeInternal}, 500},
		{&Error{Code: CodeOverloaded}, 503},
		{&Error{Code: CodeInvalidRequest}, 400},
		{&Error{Code: CodeNotFound}, 404},
		{&Error{Code: CodeForbidden}, 403},
		{&Error{Code: CodeMethodNotAllowed}, 405},
		{&Error{Code: CodeRequestTooLarge}, 413},
		{fmt.Errorf("wrapped: %w", &Error{Code: CodeOverloaded}), 503},
		{&Error{Code: "no_such_code"}, 500},
	} {
		if got := HTTPStatus(c.err); got != c.want {
			t.Errorf("%v: %d, want %d", c.err, got, c.want)
		}
	}
	if got := HTTPStatus(fmt.Errorf("wrapped: %w", context.Canceled)); got != StatusClientClosedRequest {
		t.Errorf("context.Canceled: %d", got)
	}
	if got := HTTPStatus(errors.New("x")); got != 500 {
		t.Errorf("plain error: %d", got)
	}
}

// TestLibraryTimeoutsAre504: a deadline that runs out while the library
// waits on the index (a plan) or on a server (a download) is 504, not 502.
func TestLibraryTimeoutsAre504(t *testing.T) {
	idx := silentindex.New(t)
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	_, err := resolver.ComputePlan(ctx, stalledConfig(t, idx))
	if resolver.ErrorCode(err) != resolver.CodeTimeout || HTTPStatus(err) != 504 {
		t.Errorf("plan: %v: status %d, want timeout 504", err, HTTPStatus(err))
	}

	cfg := basicConfig(t)
	cfg.Index = &resolver.IndexConfig{IndexURL: idx.URL + "/", TimeoutSeconds: 30}
	origin := strings.TrimSuffix(idx.URL, "/simple")
	plan := &resolver.Plan{Fetch: []resolver.FetchEntry{{Name: "x", Version: "1.0", File: "x-1.0-py3-none-any.whl",
		URL: origin + "/files/x-1.0-py3-none-any.whl", Sha256: strings.Repeat("0", 64), Index: idx.URL + "/"}}}
	dctx, dcancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer dcancel()
	_, err = resolver.FetchWheels(dctx, cfg, plan, t.TempDir())
	if resolver.ErrorCode(err) != resolver.CodeTimeout || HTTPStatus(err) != 504 {
		t.Errorf("download: %v: status %d, want timeout 504", err, HTTPStatus(err))
	}
}

// writeWheels writes n minimal wheels (METADATA only) into a new directory.
func writeWheels(t *testing.T, n int) string {
	t.Helper()
	dir := t.TempDir()
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("pkg%d", i)
		f, err := os.Create(filepath.Join(dir, name+"-1.0-py3-none-any.whl"))
		if err != nil {
			t.Fatal(err)
		}
		zw := zip.NewWriter(f)
		w, _ := zw.Create(name + "-1.0.dist-info/METADATA")
		fmt.Fprintf(w, "Metadata-Version: 2.1\nName: %s\nVersion: 1.0\nRequires-Dist: six>=1\n", name)
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	return dir
}

// TestHandlerTimeoutBoundsTheScan: a Timeout far shorter than the scan of
// the input is a 504 "timeout" (it used to bound index requests only, and
// such a request got its 200 long after the budget).
func TestHandlerTimeoutBoundsTheScan(t *testing.T) {
	input := writeWheels(t, 3000)
	h := &Handler{Config: resolver.Config{InputDir: input, TargetPython: "3.11"}, Timeout: 5 * time.Millisecond}
	r := serve(t, h, "POST", ComputePlanPath, "", nil)
	if r.status != http.StatusGatewayTimeout || r.errorCode(t) != string(resolver.CodeTimeout) {
		t.Errorf("%d %.300s", r.status, r.body)
	}
	// Without the short timeout the same input plans.
	h = &Handler{Config: resolver.Config{InputDir: input, TargetPython: "3.11"}, Timeout: time.Minute}
	if r := serve(t, h, "POST", ComputePlanPath, "", nil); r.status != http.StatusOK {
		t.Errorf("%d %.300s", r.status, r.body)
	}
}
