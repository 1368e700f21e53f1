package resolver_test

import (
	"context"
	"errors"
	"fmt"
	"log"

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
