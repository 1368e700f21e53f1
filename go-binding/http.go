package resolver

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxBodyBytes bounds request bodies of Handler (1 MiB).
const DefaultMaxBodyBytes = 1 << 20

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
// POST bodies are optional JSON objects (at most MaxBodyBytes) that may
// override target_python, target_platform_tag and upgrade_strategy of
// Config:
//
//	{"target_python": "3.12", "upgrade_strategy": "eager"}
//
// Plans are returned as the library's JSON (Content-Type application/json,
// header X-Plan-Source: output, cache or computed). Errors are
// {"error": {"code", "message", "details"}} with status 400 for config and
// input problems, 502 for index failures, 500 otherwise; 403 for a bad
// token, 404 for no plan, 405, 413 for an oversized body, 504 when Timeout
// runs out.
//
// A Handler must not be modified while it serves requests; it is safe for
// concurrent requests.
type Handler struct {
	// Config is the base config of every request.
	Config Config
	// WorkerToken, when not empty, must be sent with /plan requests in the
	// X-Worker-Token header or the token query parameter.
	WorkerToken string
	// Timeout bounds each computation (passed on as time_budget_ms); 0 means
	// only the request's own context applies.
	Timeout time.Duration
	// MaxBodyBytes bounds request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
}

// Paths served by Handler.
const (
	WorkerPlanPath    = "/plan"
	ComputePlanPath   = "/api/plan/compute"
	HeaderWorkerToken = "X-Worker-Token"
	HeaderPlanSource  = "X-Plan-Source"
)

// Codes used only in HTTP answers, besides the library's codes.
const (
	CodeNotFound         Code = "not_found"
	CodeForbidden        Code = "forbidden"
	CodeMethodNotAllowed Code = "method_not_allowed"
	CodeInvalidRequest   Code = "invalid_request"
	CodeRequestTooLarge  Code = "request_too_large"
)

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case WorkerPlanPath:
		if !h.tokenOK(r) {
			writeError(w, http.StatusForbidden, &Error{Code: CodeForbidden, Message: "missing or wrong worker token"})
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
		writeError(w, http.StatusNotFound, &Error{Code: CodeNotFound, Message: "no such endpoint: " + r.URL.Path})
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
	writeError(w, http.StatusNotFound, &Error{Code: CodeNotFound, Message: "no plan yet: POST /plan to compute one"})
}

// planRequest is the optional body of the POST endpoints.
type planRequest struct {
	TargetPython      *string          `json:"target_python"`
	TargetPlatformTag *string          `json:"target_platform_tag"`
	UpgradeStrategy   *UpgradeStrategy `json:"upgrade_strategy"`
}

func (h *Handler) computePlan(w http.ResponseWriter, r *http.Request, persist bool) {
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, &Error{Code: CodeRequestTooLarge, Message: "request body larger than " + itoa(limit) + " bytes"})
			return
		}
		writeError(w, http.StatusBadRequest, &Error{Code: CodeInvalidRequest, Message: "reading the request body: " + err.Error()})
		return
	}
	cfg := h.Config // a copy; only scalar fields change below
	if strings.TrimSpace(string(body)) != "" {
		var req planRequest
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			writeError(w, http.StatusBadRequest, &Error{Code: CodeInvalidRequest, Message: "request body: " + err.Error()})
			return
		}
		if dec.More() {
			writeError(w, http.StatusBadRequest, &Error{Code: CodeInvalidRequest, Message: "request body: more than one JSON value"})
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
	ctx := r.Context()
	if h.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.Timeout)
		defer cancel()
	}
	_, doc, err := computeConfig(ctx, cfg)
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
	writeError(w, http.StatusMethodNotAllowed, &Error{Code: CodeMethodNotAllowed, Message: "allowed methods: " + allow})
}

// HTTPStatus maps an error of this package to an HTTP status: 400 for config
// and input problems, 502 for index failures, 504 for an expired context,
// 500 otherwise.
func HTTPStatus(err error) int {
	switch ErrorCode(err) {
	case CodeInvalidConfig, CodeInputNotFound, CodeNoInput, CodeInvalidWheel, CodeUnresolvedRequirements, CodeInvalidRequest:
		return http.StatusBadRequest
	case CodeIndexUnreachable, CodeIndexError, CodeInsecureIndex:
		return http.StatusBadGateway
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusGatewayTimeout
	}
	return http.StatusInternalServerError
}

func writeResolverError(w http.ResponseWriter, err error) {
	var rerr *Error
	if !errors.As(err, &rerr) {
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			rerr = &Error{Code: CodeTimeout, Message: "the plan took longer than allowed"}
		case errors.Is(err, context.Canceled):
			rerr = &Error{Code: CodeTimeout, Message: "the request was cancelled"}
		default:
			rerr = &Error{Code: CodeInternal, Message: err.Error()}
		}
	}
	writeError(w, HTTPStatus(err), rerr)
}

func writeError(w http.ResponseWriter, status int, e *Error) {
	body, _ := json.Marshal(struct {
		Error *Error `json:"error"`
	}{e})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
