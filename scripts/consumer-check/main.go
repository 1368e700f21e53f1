// Command plan-consumer is the throwaway service of `make consumer-check`
// (scripts/consumer-check.sh): a module outside this repository that requires
// github.com/wheel-refinery/resolver/go-binding as a service would, built for
// linux/amd64 and linux/s390x against the archives inside the module.
//
//	plan-consumer CONFIG.json   prints the plan (or the error envelope) on stdout
package main

import (
	"context"
	"fmt"
	"os"

	resolver "github.com/wheel-refinery/resolver/go-binding"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: plan-consumer CONFIG.json")
		os.Exit(2)
	}
	config, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	plan, err := resolver.ComputePlanJSON(context.Background(), config)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: %v\n", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "wheel-resolver %s: %d bytes of plan\n", resolver.Version(), len(plan))
	os.Stdout.Write(append(plan, '\n'))
}
