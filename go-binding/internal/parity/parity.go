// Package parity runs the parity corpus (fixtures/parity) for the Go tests:
// it lists the offline cases and compares a plan or an error with a case's
// expectations, as fixtures/parity/README.md describes.
package parity

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strings"
)

// Case is one offline parity case.
type Case struct {
	Name string
	Dir  string
	// Config is config.json with input_dir made absolute.
	Config map[string]any
	Expect Expect
}

// Expect is case.json's expect object; absent keys mean empty / null.
type Expect struct {
	Reuse                [][]any  `json:"reuse"`
	Build                [][]any  `json:"build"`
	MissingRequirements  []string `json:"missing_requirements"`
	DependencyExpansions [][]any  `json:"dependency_expansions"`
	Error                *string  `json:"error"`
	ErrorMentions        []string `json:"error_mentions"`
	Warnings             int      `json:"warnings"`
	// Fetch is compared always (absent: must be empty).
	Fetch [][]any `json:"fetch"`
	// Skipped is compared only where the case gives it.
	Skipped *[][]any `json:"skipped"`
	// The build graph's keys (cases 50–54), each compared only where the
	// case gives it: see buildgraph.go.
	Source        *[][]any    `json:"source"`
	BuildRequires *[][]any    `json:"build_requires"`
	BuildBackend  *[][]any    `json:"build_backend"`
	BuildDeps     *[][]any    `json:"build_deps"`
	BuildOrder    *[][]string `json:"build_order"`
	Unbuildable   *[][]any    `json:"unbuildable"`
}

// RepoRoot is the repository root (the parent of go-binding).
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", "..", ".."))
}

// OfflineCases returns the cases without an index/ folder, sorted by name.
func OfflineCases() ([]Case, error) {
	return casesWhere(false)
}

// IndexCases returns the cases with an index/ folder (served by a local
// index; "${INDEX_URL}" in their config stands for its simple-API URL),
// sorted by name.
func IndexCases() ([]Case, error) {
	return casesWhere(true)
}

func casesWhere(withIndex bool) ([]Case, error) {
	root := filepath.Join(RepoRoot(), "fixtures", "parity")
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := filepath.Join(root, e.Name())
		if _, err := os.Stat(filepath.Join(dir, "index")); (err == nil) != withIndex {
			continue
		}
		c := Case{Name: e.Name(), Dir: dir}
		if err := readJSON(filepath.Join(dir, "config.json"), &c.Config); err != nil {
			return nil, err
		}
		var meta struct {
			Expect Expect `json:"expect"`
		}
		if err := readJSON(filepath.Join(dir, "case.json"), &meta); err != nil {
			return nil, err
		}
		c.Expect = meta.Expect
		if in, ok := c.Config["input_dir"].(string); ok && !filepath.IsAbs(in) {
			c.Config["input_dir"] = filepath.Join(dir, in)
		}
		cases = append(cases, c)
	}
	sort.Slice(cases, func(i, j int) bool { return cases[i].Name < cases[j].Name })
	return cases, nil
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// IndexDir is the folder a local index serves for an index case.
func (c Case) IndexDir() string { return filepath.Join(c.Dir, "index") }

// ConfigJSON returns the case's config with extra fields set.
func (c Case) ConfigJSON(extra map[string]any) []byte {
	return c.ConfigJSONWithIndex("", extra)
}

// ConfigJSONWithIndex is ConfigJSON with "${INDEX_URL}" in the index
// settings replaced by indexURL.
func (c Case) ConfigJSONWithIndex(indexURL string, extra map[string]any) []byte {
	m := map[string]any{}
	for k, v := range c.Config {
		m[k] = v
	}
	if idx, ok := m["index"].(map[string]any); ok && indexURL != "" {
		copied := map[string]any{}
		for k, v := range idx {
			if s, ok := v.(string); ok {
				v = strings.ReplaceAll(s, "${INDEX_URL}", indexURL)
			}
			copied[k] = v
		}
		m["index"] = copied
	}
	for k, v := range extra {
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return b
}

// CheckPlan compares a plan document with the expectations and returns the
// differences (none means it matches). The error expectation must be null.
func (c Case) CheckPlan(doc []byte) []string {
	var p struct {
		Reuse []struct{ Name, Version string } `json:"reuse"`
		Build []struct {
			Name, Version, Reason string
		} `json:"to_build"`
		Expansions []struct {
			Name    string   `json:"name"`
			Version string   `json:"version"`
			Depth   int      `json:"depth"`
			Parents []string `json:"parents"`
		} `json:"dependency_expansions"`
		Missing  []string                                 `json:"missing_requirements"`
		Warnings []string                                 `json:"warnings"`
		Fetch    []struct{ Name, Version, File string }   `json:"fetch"`
		Skipped  []struct{ Name, Version, Status string } `json:"skipped"`
		Nodes    []struct{ Name, Version, Action string } `json:"plan"`
	}
	if err := json.Unmarshal(doc, &p); err != nil {
		return []string{"plan is not JSON: " + err.Error()}
	}
	var diffs []string
	if c.Expect.Error != nil {
		diffs = append(diffs, fmt.Sprintf("expected error %s, got a plan", *c.Expect.Error))
	}
	got := [][]any{}
	for _, r := range p.Reuse {
		got = append(got, []any{r.Name, r.Version})
	}
	diffs = compare(diffs, "reuse", c.Expect.Reuse, got)
	got = [][]any{}
	for _, b := range p.Build {
		got = append(got, []any{b.Name, b.Version, b.Reason})
	}
	diffs = compare(diffs, "build", c.Expect.Build, got)
	got = [][]any{}
	for _, e := range p.Expansions {
		parents := []any{}
		for _, x := range e.Parents {
			parents = append(parents, x)
		}
		got = append(got, []any{e.Name, e.Version, float64(e.Depth), parents})
	}
	diffs = compare(diffs, "dependency_expansions", c.Expect.DependencyExpansions, got)
	got = [][]any{}
	for _, f := range p.Fetch {
		got = append(got, []any{f.Name, f.Version, f.File})
	}
	diffs = compare(diffs, "fetch", c.Expect.Fetch, got)
	if c.Expect.Skipped != nil {
		got = [][]any{}
		for _, s := range p.Skipped {
			got = append(got, []any{s.Name, s.Version, s.Status})
		}
		diffs = compare(diffs, "skipped", *c.Expect.Skipped, got)
	}
	// The plan nodes: reuse, then fetch, then build.
	wantNodes := [][]any{}
	for _, r := range p.Reuse {
		wantNodes = append(wantNodes, []any{r.Name, r.Version, "reuse"})
	}
	for _, f := range p.Fetch {
		wantNodes = append(wantNodes, []any{f.Name, f.Version, "fetch"})
	}
	for _, b := range p.Build {
		wantNodes = append(wantNodes, []any{b.Name, b.Version, "build"})
	}
	got = [][]any{}
	for _, n := range p.Nodes {
		got = append(got, []any{n.Name, n.Version, n.Action})
	}
	diffs = compare(diffs, "plan nodes (reuse, fetch, build)", wantNodes, got)
	// In order, as the Rust comparator (tests/common) does.
	var want, have []string
	for _, r := range c.Expect.MissingRequirements {
		want = append(want, NormalizeRequirement(r))
	}
	for _, r := range p.Missing {
		have = append(have, NormalizeRequirement(r))
	}
	if !reflect.DeepEqual(nonNil(want), nonNil(have)) {
		diffs = append(diffs, fmt.Sprintf("missing_requirements: want %q, got %q", c.Expect.MissingRequirements, p.Missing))
	}
	if len(p.Warnings) < c.Expect.Warnings {
		diffs = append(diffs, fmt.Sprintf("warnings: want at least %d, got %q", c.Expect.Warnings, p.Warnings))
	}
	return c.checkBuildGraph(diffs, doc)
}

// CheckError compares an error code and its message and details (as one
// text) with the expectations.
func (c Case) CheckError(code, text string) []string {
	if c.Expect.Error == nil {
		return []string{fmt.Sprintf("expected a plan, got error %s: %s", code, text)}
	}
	var diffs []string
	if code != *c.Expect.Error {
		diffs = append(diffs, fmt.Sprintf("error code: want %s, got %s (%s)", *c.Expect.Error, code, text))
	}
	for _, m := range c.Expect.ErrorMentions {
		if !strings.Contains(text, m) {
			diffs = append(diffs, fmt.Sprintf("error does not mention %q: %s", m, text))
		}
	}
	return diffs
}

func compare(diffs []string, what string, want, got [][]any) []string {
	if want == nil {
		want = [][]any{}
	}
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(got)
	if string(wj) != string(gj) {
		diffs = append(diffs, fmt.Sprintf("%s: want %s, got %s", what, wj, gj))
	}
	return diffs
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

var (
	nameRe  = regexp.MustCompile(`^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?`)
	sepRe   = regexp.MustCompile(`[-_.]+`)
	spaceRe = regexp.MustCompile(`\s+`)
)

// NormalizeRequirement reduces a PEP 508 requirement to a comparable key:
// the normalised name, the sorted specifier set and the marker with
// whitespace and quotes normalised.
func NormalizeRequirement(r string) string {
	spec, marker, _ := strings.Cut(r, ";")
	m := nameRe.FindStringSubmatch(spec)
	if m == nil {
		return strings.TrimSpace(r)
	}
	name := sepRe.ReplaceAllString(strings.ToLower(m[1]), "-")
	rest := strings.TrimSpace(spec[len(m[0]):])
	rest = strings.TrimSuffix(strings.TrimPrefix(rest, "("), ")")
	var specs []string
	for _, s := range strings.Split(rest, ",") {
		s = spaceRe.ReplaceAllString(s, "")
		if s != "" {
			specs = append(specs, s)
		}
	}
	sort.Strings(specs)
	marker = strings.ReplaceAll(spaceRe.ReplaceAllString(strings.TrimSpace(marker), " "), "'", `"`)
	return name + " " + strings.Join(specs, ",") + " ; " + marker
}
