package parity

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// UsesBuildGraph reports whether the case's config turns build_graph on
// (contract §4.8–4.11; cases 50–54).
func (c Case) UsesBuildGraph() bool {
	on, _ := c.Config["build_graph"].(bool)
	return on
}

// LacksBuildGraph reports whether an error the library returned (its code,
// and its message and details as one text) says the library does not know
// the config field build_graph: it predates the build graph. The library refuses
// every field it does not know by name, so this is told apart from a
// build_graph the library knows and rejects (no index, for example).
func LacksBuildGraph(code, text string) bool {
	return code == "invalid_config" && strings.Contains(text, "unknown field `build_graph`")
}

// graphJob is what the build-graph keys read of a to_build entry.
type graphJob struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Source  *struct {
		File string `json:"file"`
	} `json:"source"`
	BuildBackend  *string   `json:"build_backend"`
	BuildRequires *[]string `json:"build_requires"`
	BuildDeps     []string  `json:"build_deps"`
}

// checkBuildGraph compares the build-graph keys a case gives (source,
// build_requires, build_backend, build_deps, build_order, unbuildable) as
// fixtures/parity/README.md describes, and appends the differences.
func (c Case) checkBuildGraph(diffs []string, doc []byte) []string {
	e := c.Expect
	if !c.UsesBuildGraph() && e.Source == nil && e.BuildRequires == nil && e.BuildBackend == nil &&
		e.BuildDeps == nil && e.BuildOrder == nil && e.Unbuildable == nil {
		return diffs
	}
	var p struct {
		Build       []graphJob  `json:"to_build"`
		BuildOrder  *[][]string `json:"build_order"`
		Unbuildable []struct {
			Name, Version, Reason string
		} `json:"unbuildable"`
	}
	if err := json.Unmarshal(doc, &p); err != nil {
		return append(diffs, "build graph: the plan does not decode: "+err.Error())
	}
	if e.Source != nil {
		got := [][]any{}
		for _, b := range p.Build {
			var file any
			if b.Source != nil {
				file = b.Source.File
			}
			got = append(got, []any{b.Name, b.Version, file})
		}
		diffs = compare(diffs, "source", *e.Source, got)
	}
	jobs := map[string]graphJob{}
	for _, b := range p.Build {
		jobs[normalizeName(b.Name)+"=="+b.Version] = b
	}
	diffs = compareNamed(diffs, "build_requires", e.BuildRequires, jobs, normalizeRequirements,
		func(b graphJob) any {
			if b.BuildRequires == nil {
				return nil
			}
			return normalizeRequirements(toAnys(*b.BuildRequires))
		})
	diffs = compareNamed(diffs, "build_backend", e.BuildBackend, jobs, func(v any) any { return v },
		func(b graphJob) any {
			if b.BuildBackend == nil {
				return nil
			}
			return *b.BuildBackend
		})
	diffs = compareNamed(diffs, "build_deps", e.BuildDeps, jobs, pinSet,
		func(b graphJob) any { return pinSet(toAnys(b.BuildDeps)) })
	if p.BuildOrder == nil && (c.UsesBuildGraph() || e.BuildOrder != nil) {
		diffs = append(diffs, "build_order: absent, although the config turns build_graph on")
	} else if e.BuildOrder != nil {
		want, have := normalizeWaves(*e.BuildOrder), normalizeWaves(*p.BuildOrder)
		wj, _ := json.Marshal(want)
		gj, _ := json.Marshal(have)
		if string(wj) != string(gj) {
			diffs = append(diffs, fmt.Sprintf("build_order: want %s, got %s", wj, gj))
		}
	}
	if e.Unbuildable != nil {
		got := [][]any{}
		for i, u := range p.Unbuildable {
			reason := u.Reason
			// The case gives how the reason starts.
			if i < len(*e.Unbuildable) && len((*e.Unbuildable)[i]) == 3 {
				if prefix, ok := (*e.Unbuildable)[i][2].(string); ok && strings.HasPrefix(reason, prefix) {
					reason = prefix
				}
			}
			got = append(got, []any{u.Name, u.Version, reason})
		}
		diffs = compare(diffs, "unbuildable", *e.Unbuildable, got)
	}
	return diffs
}

// compareNamed compares the rows [name, version, value] a case gives for
// one key with the value of the same build job in the plan: want's value
// through norm, the job's through value.
func compareNamed(diffs []string, key string, rows *[][]any, jobs map[string]graphJob,
	norm func(any) any, value func(graphJob) any) []string {
	if rows == nil {
		return diffs
	}
	want, got := [][]any{}, [][]any{}
	for _, row := range *rows {
		if len(row) != 3 {
			return append(diffs, fmt.Sprintf("%s: case row %v is not [name, version, value]", key, row))
		}
		name, _ := row[0].(string)
		version, _ := row[1].(string)
		want = append(want, []any{name, version, norm(row[2])})
		job, ok := jobs[normalizeName(name)+"=="+version]
		if !ok {
			got = append(got, []any{name, version, "(no such build job)"})
			continue
		}
		got = append(got, []any{name, version, value(job)})
	}
	return compare(diffs, key, want, got)
}

// normalizeRequirements maps a list of requirement strings (or null) to
// their comparable keys, extras included, in order.
func normalizeRequirements(v any) any {
	list, ok := v.([]any)
	if !ok {
		return v // null stays null
	}
	out := []string{}
	for _, r := range list {
		s, _ := r.(string)
		out = append(out, NormalizeBuildRequirement(s))
	}
	return out
}

// pinSet maps a list of "name==version" to a sorted list with the names
// normalised: the comparison is as a set.
func pinSet(v any) any {
	list, _ := v.([]any)
	out := []string{}
	for _, p := range list {
		s, _ := p.(string)
		out = append(out, normalizePin(s))
	}
	sort.Strings(out)
	return out
}

func toAnys(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func normalizeWaves(waves [][]string) [][]string {
	out := [][]string{}
	for _, w := range waves {
		wave := []string{}
		for _, p := range w {
			wave = append(wave, normalizePin(p))
		}
		out = append(out, wave)
	}
	return out
}

// normalizePin normalises the name of "name==version".
func normalizePin(p string) string {
	name, version, ok := strings.Cut(p, "==")
	if !ok {
		return p
	}
	return normalizeName(name) + "==" + version
}

func normalizeName(n string) string {
	return sepRe.ReplaceAllString(strings.ToLower(strings.TrimSpace(n)), "-")
}

// NormalizeBuildRequirement is NormalizeRequirement with the extras kept
// (normalised and sorted): build requirements are compared with them.
func NormalizeBuildRequirement(r string) string {
	key := NormalizeRequirement(r)
	spec, _, _ := strings.Cut(r, ";")
	m := nameRe.FindStringSubmatch(spec)
	if m == nil || m[2] == "" {
		return key
	}
	var extras []string
	for _, x := range strings.Split(strings.Trim(m[2], "[]"), ",") {
		if x = normalizeName(x); x != "" {
			extras = append(extras, x)
		}
	}
	sort.Strings(extras)
	return key + " [" + strings.Join(extras, ",") + "]"
}
