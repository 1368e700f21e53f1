package resolver

import (
	"context"
	"testing"

	"github.com/wheel-refinery/resolver/go-binding/internal/parity"
)

// TestIndexParityCases plans every index case of fixtures/parity through
// the binding, each against a real pypiserver serving the case's index/.
func TestIndexParityCases(t *testing.T) {
	cases, err := parity.IndexCases()
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 12 {
		t.Fatalf("want 12 index cases with an index/ folder, found %d", len(cases))
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			if c.UsesBuildGraph() {
				skipWithoutBuildGraph(t)
			}
			url := parity.StartPypiServer(t, c.IndexDir())
			doc, err := ComputePlanJSON(context.Background(), c.ConfigJSONWithIndex(url, nil))
			if err != nil {
				t.Fatalf("%v", err)
			}
			for _, d := range c.CheckPlan(doc) {
				t.Error(d)
			}
			if c.UsesBuildGraph() {
				checkBuildGraphInvariants(t, decodeStrict(t, doc))
			}
		})
	}
}
