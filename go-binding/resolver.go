package resolver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Version returns the library's version, e.g. "0.1.0".
func Version() string { return callVersion() }

// ComputePlan computes a plan for cfg.
//
// A done ctx returns ctx.Err() without calling the library; a deadline is
// passed as cfg.TimeBudgetMS (the smaller of the two wins). When ctx is
// cancelled while the library runs, the library is told to stop (C ABI
// resolver_cancel) and returns within a fraction of a second with an
// *Error of code CodeCancelled (CodeTimeout when the deadline passed); the
// error also satisfies errors.Is(err, ctx.Err()). Failures reported by the
// library are *Error values.
func ComputePlan(ctx context.Context, cfg Config) (*Plan, error) {
	out, err := computeConfigJSON(ctx, cfg)
	if err != nil {
		return nil, err
	}
	plan, err := decodePlan(out)
	if err != nil {
		return nil, newError(CodeInternal, "internal error: the library returned a plan Go cannot decode: %v", err)
	}
	return plan, nil
}

// ComputePlanJSON computes a plan from a config JSON document (contract
// §2) and returns the plan JSON document as the library produced it.
//
// On failure it returns nil and an *Error (the error envelope, decoded), or
// ctx.Err() when ctx was already done. A deadline on ctx is merged into the
// document as time_budget_ms when the document is a JSON object.
func ComputePlanJSON(ctx context.Context, configJSON []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if bytes.IndexByte(configJSON, 0) >= 0 {
		return nil, newError(CodeInvalidConfig, "invalid config: config: the document holds a NUL byte")
	}
	doc, err := withBudget(ctx, configJSON)
	if err != nil {
		return nil, err
	}
	return call(ctx, doc)
}

// computeConfigJSON computes a plan for cfg, with ctx's deadline as its
// time budget when that is tighter, and returns the library's JSON.
func computeConfigJSON(ctx context.Context, cfg Config) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ms, ok := budget(ctx); ok && (cfg.TimeBudgetMS == 0 || ms < cfg.TimeBudgetMS) {
		cfg.TimeBudgetMS = ms
	}
	doc, err := json.Marshal(cfg)
	if err != nil {
		// Only an invalid json.RawMessage in KnownFailures can get here.
		return nil, newError(CodeInvalidConfig, "invalid config: %v", err)
	}
	return call(ctx, doc)
}

// call runs the library on a NUL-free document and splits plan from error.
// ctx being done while the library runs cancels the call (see
// callComputePlanCtx).
func call(ctx context.Context, doc []byte) ([]byte, error) {
	out := callComputePlanCtx(ctx, doc)
	if out == nil {
		return nil, newError(CodeInternal, "internal error: resolver_compute_plan returned NULL")
	}
	if isEnvelope(out) {
		return nil, envelopeError(ctx, out)
	}
	return out, nil
}

// envelopeError decodes the error envelope of a call (a plan or a
// download) made under ctx, with the context's error as its cause; a call
// stopped by ctx's deadline is a timeout, whichever of the deadline and
// the library's own budget stopped it first. An envelope that cannot be
// read is an `internal` error.
func envelopeError(ctx context.Context, out []byte) *Error {
	var env struct {
		Error *Error `json:"error"`
	}
	if err := json.Unmarshal(out, &env); err != nil || env.Error == nil || env.Error.Code == "" {
		return newError(CodeInternal, "internal error: unreadable error envelope: %.200q", out)
	}
	e := env.Error
	e.cause = ctx.Err()
	if d, ok := ctx.Deadline(); ok && e.cause == nil && !time.Now().Before(d) {
		// The deadline has passed but the context's timer has not fired
		// yet (seen under emulation): the budget ran out all the same.
		e.cause = context.DeadlineExceeded
	}
	if e.Code == CodeCancelled && errors.Is(e.cause, context.DeadlineExceeded) {
		// The deadline (not a caller) stopped it: the library's own budget
		// and the context's deadline fire at about the same moment, and
		// whichever came first, this is a timeout.
		e.Code = CodeTimeout
		e.Message = "timeout: the context's deadline passed (" + e.Message + ")"
	}
	return e
}

// isEnvelope reports whether a result document is an error envelope. A plan
// starts with "schema_version"; the envelope's only key is "error".
func isEnvelope(doc []byte) bool {
	doc = bytes.TrimLeft(doc, " \t\r\n")
	if !bytes.HasPrefix(doc, []byte("{")) {
		return false
	}
	doc = bytes.TrimLeft(doc[1:], " \t\r\n")
	return bytes.HasPrefix(doc, []byte(`"error"`))
}

func decodePlan(doc []byte) (*Plan, error) {
	var p Plan
	if err := json.Unmarshal(doc, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// budget returns the milliseconds left before ctx's deadline, at least 1.
func budget(ctx context.Context) (uint64, bool) {
	deadline, ok := ctx.Deadline()
	if !ok {
		return 0, false
	}
	left := time.Until(deadline)
	ms := left.Milliseconds()
	if left%time.Millisecond != 0 && left > 0 {
		ms++ // round up: a budget of 0.4 ms is 1 ms, not 0
	}
	if ms < 1 {
		ms = 1
	}
	return uint64(ms), true
}

// withBudget merges ctx's deadline into a config document as time_budget_ms.
// Documents that are not JSON objects are returned unchanged: the library
// reports them as invalid_config.
func withBudget(ctx context.Context, doc []byte) ([]byte, error) {
	ms, ok := budget(ctx)
	if !ok {
		return doc, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(doc, &obj); err != nil || obj == nil {
		return doc, nil
	}
	if old, present := obj["time_budget_ms"]; present {
		var given uint64
		if err := json.Unmarshal(old, &given); err == nil && given > 0 && given < ms {
			return doc, nil // the caller's own budget is tighter
		}
		if err := json.Unmarshal(old, &given); err != nil {
			return doc, nil // let the library name the bad field
		}
	}
	raw, _ := json.Marshal(ms)
	obj["time_budget_ms"] = raw
	out, err := json.Marshal(obj)
	if err != nil {
		return nil, newError(CodeInternal, "internal error: re-encoding the config: %v", err)
	}
	return out, nil
}
