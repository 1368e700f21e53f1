package service_test

import (
	"context"
	"encoding/json"
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
	"github.com/wheel-refinery/resolver/go-binding/service"
)

// exampleInput is the bundled example wheelhouse (examples/service/input): a
// web service's wheels as downloaded on an x86_64 machine.
const exampleInput = "../../examples/service/input"

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
		plan, source, err := service.LoadOrCompute(context.Background(), cfg)
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
	mux.Handle(service.ComputePlanPath, &service.Handler{
		Config:  resolver.Config{InputDir: exampleInput, TargetPython: "3.11", RunID: "example-http"},
		Timeout: 2 * time.Minute,
	})
	server := httptest.NewServer(mux)
	defer server.Close()

	resp, err := http.Post(server.URL+service.ComputePlanPath, "application/json",
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
	fmt.Println(resp.Status, resp.Header.Get(service.HeaderPlanSource))
	fmt.Printf("python %s: %d reuse, %d build\n", plan.PythonVersion, len(plan.Reuse), len(plan.ToBuild))
	// Output:
	// 200 OK computed
	// python 3.12: 12 reuse, 10 build
}
