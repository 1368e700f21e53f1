package service

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	resolver "github.com/wheel-refinery/resolver/go-binding"
	"github.com/wheel-refinery/resolver/go-binding/internal/parity"
	"github.com/wheel-refinery/resolver/go-binding/internal/silentindex"
)

// caseNamed is the offline parity case called name.
func caseNamed(t *testing.T, name string) parity.Case {
	t.Helper()
	cases, err := parity.OfflineCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no parity case %s", name)
	return parity.Case{}
}

// basicConfig is the config of fixtures/parity/01_basic.
func basicConfig(t *testing.T) resolver.Config {
	t.Helper()
	return resolver.Config{
		InputDir:          caseNamed(t, "01_basic").Config["input_dir"].(string),
		TargetPython:      "3.11",
		TargetPlatformTag: "manylinux2014_s390x",
		RunID:             "fixed-run",
	}
}

// stalledConfig plans an input with an unsatisfied range against idx with
// 30 s per request: without cancellation the call takes minutes.
func stalledConfig(t *testing.T, idx *silentindex.Index) resolver.Config {
	return resolver.Config{
		InputDir:       caseNamed(t, "44_index_down_fails_clearly").Config["input_dir"].(string),
		TargetPython:   "3.11",
		FallbackLatest: true,
		Index:          &resolver.IndexConfig{IndexURL: idx.URL, TimeoutSeconds: 30},
	}
}

// decodeStrict decodes a plan refusing any field the Go types do not know,
// so the types cannot fall behind the library's output.
func decodeStrict(t *testing.T, doc []byte) *resolver.Plan {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var p resolver.Plan
	if err := dec.Decode(&p); err != nil {
		t.Fatalf("plan does not decode strictly into resolver.Plan: %v\n%s", err, doc)
	}
	if _, err := dec.Token(); err != io.EOF {
		t.Fatalf("trailing data after the plan: %v", err)
	}
	return &p
}
