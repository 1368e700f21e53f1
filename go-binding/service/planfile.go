package service

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	resolver "github.com/wheel-refinery/resolver/go-binding"
)

// PlanFileName is the name of the plan file in the output and cache
// directories.
const PlanFileName = "plan.json"

// Source says where LoadOrCompute found its plan.
type Source string

const (
	// SourceOutput: <output_dir>/plan.json existed.
	SourceOutput Source = "output"
	// SourceCache: <cache_dir>/plan.json existed.
	SourceCache Source = "cache"
	// SourceComputed: the plan was computed in-process (and written to
	// <cache_dir>/plan.json when cfg.CacheDir is set).
	SourceComputed Source = "computed"
)

// LoadOrCompute is the worker's plan step, in the legacy worker's order:
// <cfg.OutputDir>/plan.json if it exists, else <cfg.CacheDir>/plan.json,
// else a plan computed in-process with cfg, which is then written to
// <cfg.CacheDir>/plan.json atomically (temp file in the same directory,
// fsync, rename). Empty OutputDir or CacheDir are skipped.
//
// A plan file that exists but cannot be read or decoded is an *Error with
// CodeIOError naming the file; it is never silently recomputed. Plan files
// are read leniently: a legacy plan.json ({"run_id", "plan": [...]}) loads,
// with the fields it lacks left empty.
func LoadOrCompute(ctx context.Context, cfg resolver.Config) (*resolver.Plan, Source, error) {
	if err := ctx.Err(); err != nil {
		return nil, "", err
	}
	for _, c := range []struct {
		dir string
		src Source
	}{{cfg.OutputDir, SourceOutput}, {cfg.CacheDir, SourceCache}} {
		if c.dir == "" {
			continue
		}
		plan, _, err := ReadPlanFile(filepath.Join(c.dir, PlanFileName))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		return plan, c.src, nil
	}
	doc, err := computeJSON(ctx, cfg)
	if err != nil {
		return nil, "", err
	}
	plan, err := decodePlan(doc)
	if err != nil {
		return nil, "", &resolver.Error{
			Code:    resolver.CodeInternal,
			Message: fmt.Sprintf("internal error: the library returned a plan Go cannot decode: %v", err),
		}
	}
	if cfg.CacheDir != "" {
		if err := WritePlanFile(filepath.Join(cfg.CacheDir, PlanFileName), doc); err != nil {
			return nil, "", err
		}
	}
	return plan, SourceComputed, nil
}

// ReadPlanFile reads and decodes a plan file, returning the plan and the
// file's bytes. A missing file is an error satisfying
// errors.Is(err, fs.ErrNotExist); any other failure, including a file that
// is not a plan, is an *Error with CodeIOError naming the file.
func ReadPlanFile(path string) (*resolver.Plan, []byte, error) {
	doc, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	if err != nil {
		return nil, nil, planFileError(path, "cannot read plan file", err)
	}
	var shape map[string]json.RawMessage
	if err := json.Unmarshal(doc, &shape); err != nil {
		return nil, nil, planFileError(path, "corrupt plan file", err)
	}
	if shape == nil {
		return nil, nil, planFileError(path, "corrupt plan file", errors.New("not a JSON object"))
	}
	if _, ok := shape["plan"]; !ok {
		return nil, nil, planFileError(path, "corrupt plan file", errors.New(`no "plan" list`))
	}
	plan, err := decodePlan(doc)
	if err != nil {
		return nil, nil, planFileError(path, "corrupt plan file", err)
	}
	return plan, doc, nil
}

func planFileError(path, what string, err error) *resolver.Error {
	return &resolver.Error{
		Code:    resolver.CodeIOError,
		Message: fmt.Sprintf("%s %s: %v", what, path, err),
		Details: []resolver.ErrorDetail{{File: path, Reason: err.Error()}},
	}
}

// WritePlanFile writes a plan document to path atomically: a temp file in
// the same directory, fsync, rename, then fsync of the directory. The JSON
// is indented as the library's own plan_path output is. The directory is
// created if needed. Failures are *Error values with CodeIOError.
func WritePlanFile(path string, doc []byte) error {
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, doc, "", "  "); err != nil {
		return &resolver.Error{Code: resolver.CodeInternal, Message: fmt.Sprintf("internal error: plan for %s is not JSON: %v", path, err)}
	}
	pretty.WriteByte('\n')
	if err := writeFileAtomic(path, pretty.Bytes()); err != nil {
		return &resolver.Error{
			Code:    resolver.CodeIOError,
			Message: fmt.Sprintf("i/o error: %s: %v", path, err),
			Details: []resolver.ErrorDetail{{File: path, Reason: err.Error()}},
		}
	}
	return nil
}

// computeJSON computes a plan for cfg and returns the library's JSON
// document: the handler passes it through (decoding it would only cost
// memory) and plan files hold it as the library wrote it.
func computeJSON(ctx context.Context, cfg resolver.Config) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	doc, err := json.Marshal(cfg)
	if err != nil {
		// Only an invalid json.RawMessage in KnownFailures can get here.
		return nil, &resolver.Error{Code: resolver.CodeInvalidConfig, Message: fmt.Sprintf("invalid config: %v", err)}
	}
	return resolver.ComputePlanJSON(ctx, doc)
}

func decodePlan(doc []byte) (*resolver.Plan, error) {
	var p resolver.Plan
	if err := json.Unmarshal(doc, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func writeFileAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	// Make the rename itself durable; not every file system supports
	// syncing a directory, so a failure here is not an error.
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
