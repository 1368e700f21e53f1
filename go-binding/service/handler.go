package service

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	resolver "github.com/wheel-refinery/resolver/go-binding"
)

// Defaults of Handler's request bodies.
const (
	// DefaultMaxBodyBytes bounds request bodies (1 MiB).
	DefaultMaxBodyBytes = 1 << 20
	// DefaultBodyTimeout bounds reading a request body.
	DefaultBodyTimeout = 10 * time.Second
)

// Handler serves the plan endpoints of both Go services:
//
//   - worker: GET /plan serves the existing plan (<OutputDir>/plan.json,
//     else <CacheDir>/plan.json; 404 when there is none) and POST /plan
//     computes a plan in-process and writes it to <CacheDir>/plan.json.
//     Both are guarded by WorkerToken like the legacy worker.
//   - control-plane: POST /api/plan/compute computes a plan in-process and
//     returns it without writing anything (beyond Config.PlanPath). It is
//     not token-guarded: wrap it in the control-plane's own auth.
//
// Paths are matched on the raw (still escaped) request path, so
// /api%2Fplan%2Fcompute is not /api/plan/compute.
//
// POST bodies are optional JSON objects (at most MaxBodyBytes, checked
// against Content-Length before anything is read) that may override
// target_python, target_platform_tag and upgrade_strategy of Config; keys
// are matched exactly (no case folding), and nothing may follow the object:
//
//	{"target_python": "3.12", "upgrade_strategy": "eager"}
//
// Plans are returned as the library's JSON (Content-Type application/json,
// header X-Plan-Source: output, cache or computed). Errors are
// {"error": {"code", "message", "details"}} (each string at most 512 bytes)
// with status 400 for config and input problems, 502 for index failures,
// 504 when the time budget (Timeout or the request's deadline) runs out,
// 503 with Retry-After when too many plans are computed or queued,
// 499 when the request's context was cancelled (the client left), 500
// otherwise; 403 for a bad token, 404 for no plan or an unknown path, 405,
// 413 for an oversized body, 408 for a body not received within
// BodyTimeout.
//
// Admission: at most MaxConcurrent plans are computed at once; up to
// MaxQueue more requests wait (each at most QueueTimeout) for a slot; the
// rest are answered 503 at once. A request whose client leaves (or whose
// http.TimeoutHandler fires) stops its computation within a fraction of a
// second (the library is cancelled), freeing the slot.
//
// A Handler must not be copied or modified once it serves requests; it is
// safe for concurrent requests.
type Handler struct {
	// Config is the base config of every request.
	Config resolver.Config
	// WorkerToken, when not empty, must be sent with /plan requests in the
	// X-Worker-Token header (preferred: it stays out of access logs) or, for
	// legacy callers, the token query parameter (which proxies and servers
	// log with the URL). The header wins when both are sent.
	WorkerToken string
	// Timeout bounds each computation, scan, planning and index work alike
	// (passed on as time_budget_ms; running out is 504 "timeout"); 0 means
	// only the request's own context applies.
	Timeout time.Duration
	// MaxBodyBytes bounds request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// BodyTimeout bounds reading a request body (a client that sends it
	// slowly is answered 408 and its connection closed); 0 means
	// DefaultBodyTimeout. The handler sets this read deadline itself (and
	// clears it once the body is read, so that a plan outliving it is not
	// cancelled), whatever the server's ReadTimeout.
	BodyTimeout time.Duration
	// MaxConcurrent bounds the plans computed at once by this Handler;
	// 0 means DefaultMaxConcurrent().
	MaxConcurrent int
	// MaxQueue bounds the requests waiting for a slot; 0 means
	// 2 × MaxConcurrent, negative means no waiting (503 at once when all
	// slots are taken).
	MaxQueue int
	// QueueTimeout bounds the wait for a slot; 0 means DefaultQueueTimeout.
	QueueTimeout time.Duration
	// RetryAfter is sent with 503 answers (rounded up to whole seconds);
	// 0 means DefaultRetryAfter.
	RetryAfter time.Duration

	admission struct {
		once   sync.Once
		slots  chan struct{}
		queued atomic.Int64
		limit  int64
	}
}

// The paths Handler serves and the headers it reads or sets.
const (
	WorkerPlanPath    = "/plan"
	ComputePlanPath   = "/api/plan/compute"
	HeaderWorkerToken = "X-Worker-Token"
	HeaderPlanSource  = "X-Plan-Source"
)

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// The raw path: an escaped slash (%2F) is not a path separator.
	switch r.URL.EscapedPath() {
	case WorkerPlanPath:
		if !h.tokenOK(r) {
			refuse(w, http.StatusForbidden, &Error{Code: CodeForbidden, Message: "missing or wrong worker token"})
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
			h.getPlan(w, r)
		case http.MethodPost:
			h.computePlan(w, r, true)
		default:
			methodNotAllowed(w, "GET, HEAD, POST")
		}
	case ComputePlanPath:
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "POST")
			return
		}
		h.computePlan(w, r, false)
	default:
		refuse(w, http.StatusNotFound, &Error{Code: CodeNotFound, Message: "no such endpoint: " + r.URL.EscapedPath()})
	}
}

func (h *Handler) tokenOK(r *http.Request) bool {
	if h.WorkerToken == "" {
		return true
	}
	got := r.Header.Get(HeaderWorkerToken)
	if got == "" {
		got = r.URL.Query().Get("token")
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(h.WorkerToken)) == 1
}

func (h *Handler) getPlan(w http.ResponseWriter, r *http.Request) {
	for _, c := range []struct {
		dir string
		src Source
	}{{h.Config.OutputDir, SourceOutput}, {h.Config.CacheDir, SourceCache}} {
		if c.dir == "" {
			continue
		}
		_, doc, err := ReadPlanFile(filepath.Join(c.dir, PlanFileName))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			writeResolverError(w, err)
			return
		}
		writePlan(w, r, c.src, doc)
		return
	}
	refuse(w, http.StatusNotFound, &Error{Code: CodeNotFound, Message: "no plan yet: POST /plan to compute one"})
}

// planRequest is the optional body of the POST endpoints.
type planRequest struct {
	TargetPython      *string                   `json:"target_python"`
	TargetPlatformTag *string                   `json:"target_platform_tag"`
	UpgradeStrategy   *resolver.UpgradeStrategy `json:"upgrade_strategy"`
}

// parsePlanRequest decodes a POST body strictly: one JSON object, nothing
// after it, keys spelled exactly as documented (encoding/json alone would
// accept TARGET_PYTHON and a trailing "}").
func parsePlanRequest(body []byte) (*planRequest, *Error) {
	bad := func(msg string) (*planRequest, *Error) {
		return nil, &Error{Code: CodeInvalidRequest, Message: "request body: " + msg}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var fields map[string]json.RawMessage
	if err := dec.Decode(&fields); err != nil {
		return bad("not a JSON object: " + err.Error())
	}
	if fields == nil {
		return bad("not a JSON object (null)")
	}
	if rest := bytes.TrimSpace(body[dec.InputOffset():]); len(rest) > 0 {
		return bad("data after the JSON object")
	}
	req := &planRequest{}
	for key, raw := range fields {
		var target any
		switch key {
		case "target_python":
			target = &req.TargetPython
		case "target_platform_tag":
			target = &req.TargetPlatformTag
		case "upgrade_strategy":
			target = &req.UpgradeStrategy
		default:
			return bad(fmt.Sprintf("unknown field %q (allowed: target_python, target_platform_tag, upgrade_strategy)", key))
		}
		if err := json.Unmarshal(raw, target); err != nil {
			return bad(fmt.Sprintf("field %q must be a string", key))
		}
	}
	return req, nil
}

func (h *Handler) computePlan(w http.ResponseWriter, r *http.Request, persist bool) {
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	if r.ContentLength > limit {
		// Refused before reading: no "100 Continue" is sent, and the
		// connection is not kept for a body nobody will read.
		w.Header().Set("Connection", "close")
		refuse(w, http.StatusRequestEntityTooLarge, &Error{Code: CodeRequestTooLarge, Message: "request body larger than " + itoa(limit) + " bytes"})
		return
	}
	bodyTimeout := h.BodyTimeout
	if bodyTimeout <= 0 {
		bodyTimeout = DefaultBodyTimeout
	}
	// Not supported by every ResponseWriter (httptest's recorder): then the
	// server's own timeouts are all there is.
	rc := http.NewResponseController(w)
	deadlineSet := rc.SetReadDeadline(time.Now().Add(bodyTimeout)) == nil
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if deadlineSet && err == nil {
		// Cleared, or the server's background read (which notices a client
		// that leaves) would time out and cancel the computation. (Kept
		// after a failed read: the connection is being closed anyway.)
		_ = rc.SetReadDeadline(time.Time{})
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		var netErr net.Error
		switch {
		case errors.As(err, &tooBig):
			refuse(w, http.StatusRequestEntityTooLarge, &Error{Code: CodeRequestTooLarge, Message: "request body larger than " + itoa(limit) + " bytes"})
		case errors.As(err, &netErr) && netErr.Timeout():
			w.Header().Set("Connection", "close")
			refuse(w, http.StatusRequestTimeout, &Error{Code: CodeInvalidRequest, Message: "the request body was not received within " + bodyTimeout.String()})
		default:
			refuse(w, http.StatusBadRequest, &Error{Code: CodeInvalidRequest, Message: "reading the request body: " + err.Error()})
		}
		return
	}
	cfg := h.Config // a copy; only scalar fields change below
	if len(bytes.TrimSpace(body)) != 0 {
		req, rerr := parsePlanRequest(body)
		if rerr != nil {
			refuse(w, http.StatusBadRequest, rerr)
			return
		}
		if req.TargetPython != nil {
			cfg.TargetPython = *req.TargetPython
		}
		if req.TargetPlatformTag != nil {
			cfg.TargetPlatformTag = *req.TargetPlatformTag
		}
		if req.UpgradeStrategy != nil {
			cfg.UpgradeStrategy = *req.UpgradeStrategy
		}
	}
	release, ok := h.admit(w, r)
	if !ok {
		return
	}
	defer release()
	ctx := r.Context()
	if h.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.Timeout)
		defer cancel()
	}
	doc, err := computeJSON(ctx, cfg)
	if err != nil {
		writeResolverError(w, err)
		return
	}
	if persist && cfg.CacheDir != "" {
		if err := WritePlanFile(filepath.Join(cfg.CacheDir, PlanFileName), doc); err != nil {
			writeResolverError(w, err)
			return
		}
	}
	writePlan(w, r, SourceComputed, doc)
}

func writePlan(w http.ResponseWriter, r *http.Request, src Source, doc []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(HeaderPlanSource, string(src))
	w.Header().Set("Content-Length", itoa(int64(len(doc))))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(doc)
	}
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	refuse(w, http.StatusMethodNotAllowed, &Error{Code: CodeMethodNotAllowed, Message: "allowed methods: " + allow})
}

// writeResolverError answers err: a *resolver.Error as it is, a bare
// context error as "timeout" or "cancelled", anything else as "internal".
func writeResolverError(w http.ResponseWriter, err error) {
	var rerr *resolver.Error
	if !errors.As(err, &rerr) {
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			rerr = &resolver.Error{Code: resolver.CodeTimeout, Message: "the plan took longer than allowed"}
		case errors.Is(err, context.Canceled):
			rerr = &resolver.Error{Code: resolver.CodeCancelled, Message: "the request was cancelled"}
		default:
			rerr = &resolver.Error{Code: resolver.CodeInternal, Message: err.Error()}
		}
	}
	writeError(w, HTTPStatus(err), string(rerr.Code), rerr.Message, rerr.Details)
}

// refuse answers a request the service refused itself.
func refuse(w http.ResponseWriter, status int, e *Error) {
	writeError(w, status, string(e.Code), e.Message, nil)
}

// maxEchoed bounds every string of an error answer: messages may quote
// values from the request, which can be up to MaxBodyBytes long.
const maxEchoed = 512

func bounded(s string) string {
	if len(s) <= maxEchoed {
		return s
	}
	cut := maxEchoed
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "… (" + itoa(int64(len(s)-cut)) + " more bytes)"
}

// errorBody is the error object of an answer, {"error": <errorBody>}: the
// shape of the library's error envelope, for its codes and this package's.
type errorBody struct {
	Code    string                 `json:"code"`
	Message string                 `json:"message"`
	Details []resolver.ErrorDetail `json:"details,omitempty"`
}

func writeError(w http.ResponseWriter, status int, code, message string, details []resolver.ErrorDetail) {
	out := &errorBody{Code: code, Message: bounded(message)}
	if n := len(details); n > 0 {
		out.Details = make([]resolver.ErrorDetail, n)
		for i, d := range details {
			out.Details[i] = resolver.ErrorDetail{File: bounded(d.File), Field: bounded(d.Field), Reason: bounded(d.Reason)}
		}
	}
	body, _ := json.Marshal(struct {
		Error *errorBody `json:"error"`
	}{out})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
