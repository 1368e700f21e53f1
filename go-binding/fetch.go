package resolver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
)

// Fetch statuses of a FetchedFile.
const (
	FetchDownloaded = "downloaded"
	FetchPresent    = "present"
	FetchFailed     = "failed"
)

// FetchReport is what FetchWheels did (contract §8).
type FetchReport struct {
	// DestDir is the destination directory.
	DestDir string `json:"dest_dir"`
	// Files has one report per distinct file, in the order of the plan's
	// fetch list.
	Files []FetchedFile `json:"files"`
	// Downloaded, Present and Failed count the files by status.
	Downloaded int `json:"downloaded"`
	Present    int `json:"present"`
	Failed     int `json:"failed"`
}

// FetchedFile is the outcome for one fetch entry.
type FetchedFile struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	// File is the wheel's file name; Path is where it is in DestDir.
	File string `json:"file"`
	Path string `json:"path"`
	// Status is FetchDownloaded, FetchPresent or FetchFailed.
	Status string `json:"status"`
	// Bytes is the file's size (0 when failed).
	Bytes uint64 `json:"bytes"`
	// Sha256 is the hash of the file on disk (empty when failed).
	Sha256 string `json:"sha256,omitempty"`
	// Verified is true when the index gave a sha256 and the file has it.
	Verified bool `json:"verified"`
	// Error says why it failed (a contract error code and a message).
	Error *FetchError `json:"error,omitempty"`
}

// FetchError is a per-file failure.
type FetchError struct {
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// Err returns an error naming the failed files, or nil when none failed.
func (r *FetchReport) Err() error {
	if r == nil || r.Failed == 0 {
		return nil
	}
	for _, f := range r.Files {
		if f.Error != nil {
			return newError(f.Error.Code, "%d of %d files failed to download; first: %s: %s",
				r.Failed, len(r.Files), f.File, f.Error.Message)
		}
	}
	return newError(CodeInternal, "%d files failed to download", r.Failed)
}

// FetchWheels downloads plan.Fetch into dir with cfg's index settings
// (credentials by origin, trust, proxies, timeouts): each file verified
// against its sha256, written to a temporary file in dir and renamed into
// place, a few at a time; files already there with the right sha256 are
// reported FetchPresent. A file that fails is reported in the FetchReport
// (see FetchReport.Err); the error is for the request as a whole (an
// *Error, or ctx.Err() when ctx was already done). A deadline on ctx bounds
// the call like cfg.TimeBudgetMS (CodeTimeout when it passes); when ctx is
// cancelled meanwhile the library stops (CodeCancelled), keeping the files
// already in place.
func FetchWheels(ctx context.Context, cfg Config, plan *Plan, dir string) (*FetchReport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ms, ok := budget(ctx); ok && (cfg.TimeBudgetMS == 0 || ms < cfg.TimeBudgetMS) {
		cfg.TimeBudgetMS = ms
	}
	fetch := []FetchEntry{}
	if plan != nil && plan.Fetch != nil {
		fetch = plan.Fetch
	}
	doc, err := json.Marshal(struct {
		Config  Config       `json:"config"`
		Fetch   []FetchEntry `json:"fetch"`
		DestDir string       `json:"dest_dir"`
	}{cfg, fetch, dir})
	if err != nil {
		return nil, newError(CodeInvalidConfig, "invalid config: %v", err)
	}
	return fetchDoc(ctx, doc)
}

// FetchWheelsJSON is FetchWheels for a request document as
// resolver_fetch_wheels takes it: {"config": <config>, "plan": <plan JSON>
// or "fetch": [<fetch entry>…], "dest_dir": "<dir>"}. A deadline on ctx is
// merged into the config as time_budget_ms.
func FetchWheelsJSON(ctx context.Context, requestJSON []byte) (*FetchReport, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if bytes.IndexByte(requestJSON, 0) >= 0 {
		return nil, newError(CodeInvalidConfig, "invalid config: request: the document holds a NUL byte")
	}
	if _, ok := budget(ctx); ok {
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(requestJSON, &obj); err == nil && obj != nil && obj["config"] != nil {
			cfg, err := withBudget(ctx, obj["config"])
			if err != nil {
				return nil, err
			}
			obj["config"] = cfg
			if doc, err := json.Marshal(obj); err == nil {
				requestJSON = doc
			}
		}
	}
	return fetchDoc(ctx, requestJSON)
}

func fetchDoc(ctx context.Context, doc []byte) (*FetchReport, error) {
	out := callFetchWheelsCtx(ctx, doc)
	if out == nil {
		return nil, newError(CodeInternal, "internal error: resolver_fetch_wheels returned NULL")
	}
	if isEnvelope(out) {
		return nil, envelopeError(ctx, out)
	}
	var report FetchReport
	if err := json.Unmarshal(out, &report); err != nil {
		return nil, newError(CodeInternal, "internal error: the library returned a report Go cannot decode: %v", err)
	}
	return &report, nil
}

// String summarises the report in one line.
func (r *FetchReport) String() string {
	return fmt.Sprintf("%d downloaded, %d present, %d failed", r.Downloaded, r.Present, r.Failed)
}
