package resolver_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"strings"

	resolver "github.com/wheel-refinery/resolver/go-binding"
)

// exampleInput is the bundled example wheelhouse (examples/service/input): a
// web service's wheels as downloaded on an x86_64 machine.
const exampleInput = "../examples/service/input"

// Plan the bundled example for CPython 3.11 on IBM Z and list what must be
// rebuilt.
func ExampleComputePlan() {
	plan, err := resolver.ComputePlan(context.Background(), resolver.Config{
		InputDir:          exampleInput,
		TargetPython:      "3.11",
		TargetPlatformTag: "manylinux2014_s390x",
		Expansion:         &resolver.ExpansionConfig{MaxDepth: resolver.Uint32(2), MaxJobs: resolver.Uint32(4)},
	})
	var rerr *resolver.Error
	if errors.As(err, &rerr) {
		log.Fatalf("%s: %s %v", rerr.Code, rerr.Message, rerr.Details)
	} else if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d reuse, %d build, %d missing\n", len(plan.Reuse), len(plan.ToBuild), len(plan.MissingRequirements))
	for _, job := range plan.ToBuild {
		fmt.Printf("build %s %s: %s\n", job.Name, job.Version, job.Reason)
	}
	// Output:
	// 15 reuse, 9 build, 3 missing
	// build cryptography 42.0.5: incompatible wheel
	// build grpcio 1.62.1: incompatible wheel
	// build orjson 3.9.15: incompatible wheel
	// build psycopg2-binary 2.9.9: incompatible wheel
	// build pydantic-core 2.16.3: incompatible wheel
	// build prometheus-client 0.20.0: missing dependency
	// build annotated-types latest: dependency expansion
	// build pycparser latest: dependency expansion
	// build sqlalchemy latest: dependency expansion
}

// graphPlan is a plan as ComputePlan returns it with BuildGraph (the
// fields this example reads): three builds whose build environments need
// each other (fixtures/parity/51_build_order_waves) and one release with no
// sdist on the index (52_no_source_is_unbuildable).
const graphPlan = `{
  "to_build": [
    {"name": "core", "version": "2.0", "reason": "incompatible wheel",
     "source": {"file": "core-2.0.tar.gz", "url": "https://index.example/files/core-2.0.tar.gz", "index": "https://index.example/simple/"},
     "build_backend": "setuptools.build_meta", "build_requires": ["setuptools>=61"],
     "build_deps": ["setuptools==70.0.0"]},
    {"name": "ext", "version": "1.0", "reason": "incompatible wheel",
     "source": {"file": "ext-1.0.tar.gz", "url": "https://index.example/files/ext-1.0.tar.gz", "index": "https://index.example/simple/"},
     "build_backend": "setuptools.build_meta", "build_requires": ["setuptools>=61", "core>=2"],
     "build_deps": ["core==2.0", "setuptools==70.0.0"]},
    {"name": "top", "version": "1.0", "reason": "incompatible wheel",
     "source": {"file": "top-1.0.tar.gz", "url": "https://index.example/files/top-1.0.tar.gz", "index": "https://index.example/simple/"},
     "build_backend": "setuptools.build_meta", "build_requires": ["setuptools>=61", "ext"],
     "build_deps": ["core==2.0", "ext==1.0", "setuptools==70.0.0"]},
    {"name": "binonly", "version": "1.0", "reason": "incompatible wheel",
     "source": null, "build_backend": null, "build_requires": null, "build_deps": []}
  ],
  "build_order": [["core==2.0"], ["ext==1.0"], ["top==1.0"]],
  "unbuildable": [{"name": "binonly", "version": "1.0", "reason": "no source"}]
}`

// Walk a plan's build waves: the builds of one wave can run in parallel,
// each from its sdist, with its build_deps as exact constraints (the
// versions the plan chose for its build environment), once the waves before
// it are built. The plan comes from a config with BuildGraph and an index:
//
//	plan, err := resolver.ComputePlan(ctx, resolver.Config{
//		InputDir:     "wheelhouse",
//		TargetPython: "3.11",
//		Index:        &resolver.IndexConfig{IndexURL: indexURL},
//		BuildGraph:   true,
//	})
func ExamplePlan_BuildOrder() {
	var plan resolver.Plan
	if err := json.Unmarshal([]byte(graphPlan), &plan); err != nil {
		log.Fatal(err)
	}
	if !plan.HasBuildGraph() {
		log.Fatal("the plan was made without Config.BuildGraph")
	}
	jobs := map[string]resolver.BuildJob{}
	for _, job := range plan.ToBuild {
		jobs[job.Name+"=="+job.Version] = job
	}
	for k, wave := range plan.BuildOrder {
		fmt.Printf("wave %d:\n", k+1)
		for _, pin := range wave {
			job := jobs[pin]
			fmt.Printf("  build %s from %s (%s), constraints: %s\n",
				pin, job.Source.File, *job.BuildBackend, strings.Join(job.BuildDeps, " "))
		}
	}
	for _, u := range plan.Unbuildable {
		fmt.Printf("cannot build %s %s: %s\n", u.Name, u.Version, u.Reason)
	}
	// Output:
	// wave 1:
	//   build core==2.0 from core-2.0.tar.gz (setuptools.build_meta), constraints: setuptools==70.0.0
	// wave 2:
	//   build ext==1.0 from ext-1.0.tar.gz (setuptools.build_meta), constraints: core==2.0 setuptools==70.0.0
	// wave 3:
	//   build top==1.0 from top-1.0.tar.gz (setuptools.build_meta), constraints: core==2.0 ext==1.0 setuptools==70.0.0
	// cannot build binonly 1.0: no source
}
