package parity

import (
	"strings"
	"testing"
)

func TestNormalizeRequirement(t *testing.T) {
	same := [][2]string{
		{"Foo_Bar>=1.0,<2", "foo-bar <2, >=1.0"},
		{"lib==1.2.*", "LIB == 1.2.*"},
		{`pywin32>=300; sys_platform == "win32"`, "pywin32 >=300 ;  sys_platform == 'win32'"},
		{"zeta", " zeta "},
	}
	for _, p := range same {
		if a, b := NormalizeRequirement(p[0]), NormalizeRequirement(p[1]); a != b {
			t.Errorf("%q and %q differ: %q vs %q", p[0], p[1], a, b)
		}
	}
	different := [][2]string{
		{"lib>=2.0", "lib>=2"},
		{"lib", "lib2"},
		{"lib; python_version < '3.8'", "lib"},
	}
	for _, p := range different {
		if NormalizeRequirement(p[0]) == NormalizeRequirement(p[1]) {
			t.Errorf("%q and %q compare equal", p[0], p[1])
		}
	}
}

// The comparison must be able to fail: a plan that differs from a case's
// expectation in each compared key is reported, key by key.
func TestCheckPlanReportsEveryDifference(t *testing.T) {
	cases, err := OfflineCases()
	if err != nil {
		t.Fatal(err)
	}
	var basic *Case
	for i := range cases {
		if cases[i].Name == "07_expansion_breadth_bound" {
			basic = &cases[i]
		}
	}
	if basic == nil {
		t.Fatal("fixtures/parity/07_expansion_breadth_bound not found")
	}
	good := `{"reuse": [], "to_build": [
	  {"name": "app", "version": "1.0", "reason": "incompatible wheel"},
	  {"name": "alpha", "version": "latest", "reason": "dependency expansion"},
	  {"name": "mid", "version": "latest", "reason": "dependency expansion"}],
	 "dependency_expansions": [
	  {"name": "alpha", "version": "latest", "depth": 1, "parents": ["app"]},
	  {"name": "mid", "version": "latest", "depth": 1, "parents": ["app"]}],
	 "missing_requirements": ["zeta", "alpha", "mid"], "warnings": [],
	 "plan": [{"name": "app", "version": "1.0", "action": "build"},
	  {"name": "alpha", "version": "latest", "action": "build"},
	  {"name": "mid", "version": "latest", "action": "build"}]}`
	if diffs := basic.CheckPlan([]byte(good)); len(diffs) != 0 {
		t.Fatalf("matching plan reported: %v", diffs)
	}
	for what, bad := range map[string]string{
		"build":                 strings.Replace(good, `"mid", "version": "latest", "reason"`, `"mid", "version": "1.0", "reason"`, 1),
		"dependency_expansions": strings.Replace(good, `"depth": 1, "parents": ["app"]},`, `"depth": 2, "parents": ["app"]},`, 1),
		"missing_requirements":  strings.Replace(good, `["zeta", "alpha", "mid"]`, `["zeta", "alpha"]`, 1),
		"reuse":                 strings.Replace(good, `"reuse": []`, `"reuse": [{"name": "x", "version": "1"}]`, 1),
		"fetch": strings.Replace(strings.Replace(good, `"reuse": []`, `"reuse": [], "fetch": [{"name": "f", "version": "1", "file": "f-1-py3-none-any.whl"}]`, 1),
			`"plan": [`, `"plan": [{"name": "f", "version": "1", "action": "fetch"}, `, 1),
		"plan nodes": strings.Replace(good, `"action": "build"},
	  {"name": "alpha"`, `"action": "reuse"},
	  {"name": "alpha"`, 1),
		"missing_requirements (order)": strings.Replace(good, `["zeta", "alpha", "mid"]`, `["alpha", "zeta", "mid"]`, 1),
	} {
		what := strings.TrimSuffix(what, " (order)")
		// A changed list also changes the plan nodes made from it: the
		// list's own difference comes first.
		diffs := basic.CheckPlan([]byte(bad))
		if len(diffs) == 0 || !strings.HasPrefix(diffs[0], what) {
			t.Errorf("%s: want a %s difference first, got %v", what, what, diffs)
		}
	}
	skipped := *basic
	want := [][]any{{"x", "1", "requires_python"}}
	skipped.Expect.Skipped = &want
	if diffs := skipped.CheckPlan([]byte(good)); len(diffs) != 1 || !strings.HasPrefix(diffs[0], "skipped") {
		t.Errorf("skipped: want one skipped difference, got %v", diffs)
	}
	if diffs := basic.CheckError("invalid_wheel", "boom"); len(diffs) != 1 {
		t.Errorf("an error where a plan is expected: %v", diffs)
	}
}

func indexCaseNamed(t *testing.T, name string) Case {
	t.Helper()
	cases, err := IndexCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("fixtures/parity/%s not found", name)
	return Case{}
}

// The build-graph keys (cases 50–54) can fail too, each on its own.
func TestCheckPlanReportsBuildGraphDifferences(t *testing.T) {
	c53 := indexCaseNamed(t, "53_build_only_versions_markers_extras")
	good53 := `{"reuse": [{"name": "core", "version": "2.0"}],
	 "fetch": [{"name": "core", "version": "1.5", "file": "core-1.5-py3-none-any.whl"},
	  {"name": "setuptools", "version": "70.0.0", "file": "setuptools-70.0.0-py3-none-any.whl"},
	  {"name": "speedup", "version": "1.0", "file": "speedup-1.0-py3-none-any.whl"}],
	 "to_build": [
	  {"name": "app", "version": "1.0", "reason": "incompatible wheel",
	   "source": {"file": "app-1.0.tar.gz", "url": "http://x/app-1.0.tar.gz", "index": "http://x/simple/"},
	   "build_backend": "setuptools.build_meta",
	   "build_requires": ["Tool[Fast] >= 1 ; python_version>='3.10'", "core < 2"],
	   "build_deps": ["tool==1.0", "Speedup==1.0", "core==1.5"]},
	  {"name": "tool", "version": "1.0", "reason": "build requirement",
	   "source": {"file": "tool-1.0.tar.gz", "url": "http://x/tool-1.0.tar.gz", "index": "http://x/simple/"},
	   "build_backend": "setuptools.build_meta", "build_requires": ["setuptools>=61"],
	   "build_deps": ["setuptools==70.0.0"]}],
	 "dependency_expansions": [], "missing_requirements": [], "warnings": [],
	 "build_order": [["tool==1.0"], ["App==1.0"]], "unbuildable": [],
	 "plan": [{"name": "core", "version": "2.0", "action": "reuse"},
	  {"name": "core", "version": "1.5", "action": "fetch"},
	  {"name": "setuptools", "version": "70.0.0", "action": "fetch"},
	  {"name": "speedup", "version": "1.0", "action": "fetch"},
	  {"name": "app", "version": "1.0", "action": "build"},
	  {"name": "tool", "version": "1.0", "action": "build"}]}`
	// The order of the requirements counts; the case lists core<2 first.
	good53 = strings.Replace(good53, `["Tool[Fast] >= 1 ; python_version>='3.10'", "core < 2"]`,
		`["core < 2", "Tool[Fast] >= 1 ; python_version >= '3.10'"]`, 1)
	if diffs := c53.CheckPlan([]byte(good53)); len(diffs) != 0 {
		t.Fatalf("matching plan reported: %v", diffs)
	}
	for what, bad := range map[string]string{
		"build_requires":          strings.Replace(good53, `"core < 2", "Tool[Fast]`, `"Tool[Fast]`+"\", \"core < 2\", \"x", 1),
		"build_requires (extras)": strings.Replace(good53, `Tool[Fast] >= 1`, `Tool >= 1`, 1),
		"build_requires (null)":   strings.Replace(good53, `"build_requires": ["setuptools>=61"]`, `"build_requires": null`, 1),
		"build_deps":              strings.Replace(good53, `"Speedup==1.0", `, ``, 1),
		"build_order":             strings.Replace(good53, `[["tool==1.0"], ["App==1.0"]]`, `[["tool==1.0", "app==1.0"]]`, 1),
		"build_order (absent)":    strings.Replace(good53, `"build_order": [["tool==1.0"], ["App==1.0"]], `, ``, 1),
		"unbuildable": strings.Replace(good53, `"unbuildable": []`,
			`"unbuildable": [{"name": "app", "version": "1.0", "reason": "no source"}]`, 1),
	} {
		what, _, _ := strings.Cut(what, " (")
		diffs := c53.CheckPlan([]byte(bad))
		if len(diffs) != 1 || !strings.HasPrefix(diffs[0], what) {
			t.Errorf("%s: want one %s difference, got %v", what, what, diffs)
		}
	}

	c52 := indexCaseNamed(t, "52_no_source_is_unbuildable")
	good52 := `{"reuse": [],
	 "fetch": [{"name": "setuptools", "version": "70.0.0", "file": "setuptools-70.0.0-py3-none-any.whl"}],
	 "to_build": [
	  {"name": "app", "version": "1.0", "reason": "incompatible wheel",
	   "source": {"file": "app-1.0.tar.gz", "url": "http://x/app-1.0.tar.gz", "sha256": "ab", "index": "http://x/simple/"},
	   "build_backend": "setuptools.build_meta:__legacy__", "build_requires": ["setuptools>=40.8.0"],
	   "build_deps": ["setuptools==70.0.0"]},
	  {"name": "binonly", "version": "1.0", "reason": "incompatible wheel",
	   "source": null, "build_backend": null, "build_requires": null, "build_deps": []}],
	 "dependency_expansions": [], "missing_requirements": [], "warnings": ["binonly==1.0: no source"],
	 "build_order": [["app==1.0"]],
	 "unbuildable": [{"name": "binonly", "version": "1.0", "reason": "no source on any index"}],
	 "plan": [{"name": "setuptools", "version": "70.0.0", "action": "fetch"},
	  {"name": "app", "version": "1.0", "action": "build"},
	  {"name": "binonly", "version": "1.0", "action": "build"}]}`
	if diffs := c52.CheckPlan([]byte(good52)); len(diffs) != 0 {
		t.Fatalf("matching plan reported: %v", diffs)
	}
	for what, bad := range map[string]string{
		"source": strings.Replace(good52, `"source": null`,
			`"source": {"file": "binonly-1.0.zip", "url": "u", "index": null}`, 1),
		"build_backend": strings.Replace(good52, `"build_backend": "setuptools.build_meta:__legacy__"`,
			`"build_backend": null`, 1),
		"build_requires": strings.Replace(good52, `"build_requires": null`, `"build_requires": []`, 1),
		"unbuildable":    strings.Replace(good52, `"reason": "no source on any index"`, `"reason": "build cycle: binonly==1.0"`, 1),
		"warnings":       strings.Replace(good52, `["binonly==1.0: no source"]`, `[]`, 1),
	} {
		diffs := c52.CheckPlan([]byte(bad))
		if len(diffs) != 1 || !strings.HasPrefix(diffs[0], what) {
			t.Errorf("%s: want one %s difference, got %v", what, what, diffs)
		}
	}
}

func TestNormalizeBuildRequirement(t *testing.T) {
	if a, b := NormalizeBuildRequirement("Tool[Fast,b_x]>=1; python_version >= '3.10'"),
		NormalizeBuildRequirement(`tool [b-x, fast] >= 1 ; python_version >= "3.10"`); a != b {
		t.Errorf("equal requirements differ: %q vs %q", a, b)
	}
	if NormalizeBuildRequirement("tool[fast]>=1") == NormalizeBuildRequirement("tool>=1") {
		t.Error("extras are ignored")
	}
}

func TestLacksBuildGraph(t *testing.T) {
	old := "invalid config: build_graph: unknown field `build_graph`, expected one of `input_dir`, …"
	if !LacksBuildGraph("invalid_config", old) {
		t.Error("the unknown-field answer is not recognised")
	}
	if LacksBuildGraph("invalid_config", "invalid config: build_graph: needs an index") {
		t.Error("a build_graph the library knows and refuses is taken for a missing feature")
	}
}
