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
