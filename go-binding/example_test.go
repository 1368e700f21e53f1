package resolver_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

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

// The worker's plan step: an existing /output/plan.json wins, then
// /cache/plan.json; otherwise the plan is computed in-process and written to
// the cache, where the next call finds it.
func ExampleLoadOrCompute() {
	cache, err := os.MkdirTemp("", "resolver-example-cache-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(cache)
	cfg := resolver.Config{
		InputDir:     exampleInput,
		OutputDir:    filepath.Join(cache, "no-output-yet"),
		CacheDir:     cache,
		TargetPython: "3.11",
		RunID:        "example-run",
	}
	for i := 0; i < 2; i++ {
		plan, source, err := resolver.LoadOrCompute(context.Background(), cfg)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("plan %s from %s: %d to build\n", plan.RunID, source, len(plan.ToBuild))
	}
	// Output:
	// plan example-run from computed: 7 to build
	// plan example-run from cache: 7 to build
}

// The control-plane's POST /api/plan/compute: the request body may override
// the target of the base config.
func ExampleHandler() {
	mux := http.NewServeMux()
	mux.Handle(resolver.ComputePlanPath, &resolver.Handler{
		Config:  resolver.Config{InputDir: exampleInput, TargetPython: "3.11", RunID: "example-http"},
		Timeout: 2 * time.Minute,
	})
	server := httptest.NewServer(mux)
	defer server.Close()

	resp, err := http.Post(server.URL+resolver.ComputePlanPath, "application/json",
		strings.NewReader(`{"target_python": "3.12"}`))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var plan resolver.Plan
	if err := json.Unmarshal(body, &plan); err != nil {
		log.Fatalf("%s: %v", resp.Status, err)
	}
	fmt.Println(resp.Status, resp.Header.Get(resolver.HeaderPlanSource))
	fmt.Printf("python %s: %d reuse, %d build\n", plan.PythonVersion, len(plan.Reuse), len(plan.ToBuild))
	// Output:
	// 200 OK computed
	// python 3.12: 12 reuse, 10 build
}
