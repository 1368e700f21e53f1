// Command refinery-plan computes a wheel rebuild plan in-process with the
// wheel-resolver library: a drop-in for the legacy CLI's plan step.
//
// Usage:
//
//	refinery-plan --input DIR --output DIR --python 3.11 [flags]
//	refinery-plan --config refinery.toml --output out/
//	refinery-plan --config config.json --output out/
//
// The config file is either the library's own config JSON (the contract's
// config document, docs/contract.md §2) or a legacy worker config file
// (JSON or TOML) whose [refinery] section holds those fields; flags override
// the values of either.
// The plan is written atomically to <output>/plan.json and summarised on
// standard output (on standard error with --json, which prints the plan).
//
// With --build-graph, the plan also says from what each build starts (its
// sdist), with what (its build environment) and in what order the builds
// can run (build_order's waves); the summary counts the builds and waves and
// names each job that cannot be built, with its reason.
//
// With --download DIR, the plan's fetch entries are then downloaded into
// DIR (resolver.FetchWheels: sha256 verified, atomic, files already there
// kept) and summarised; a file that fails makes the exit status 1.
//
// Exit status: 0 on success, 1 on a plan error (printed as
// "error: <code>: <message>") or a failed download, 2 on a usage error.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"syscall"

	"github.com/BurntSushi/toml"

	resolver "github.com/wheel-refinery/resolver/go-binding"
	"github.com/wheel-refinery/resolver/go-binding/service"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError is a problem with the command line or the config file.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type options struct {
	config, input, output, cache, python, platformTag, upgradeStrategy string
	indexURL, historyDB, runID, download                               string
	extraIndexURLs, trustedHosts                                       listFlag
	fallbackLatest, skipKnownFailures, strict, printJSON               bool
	fetchCompatibleWheels, buildGraph                                  bool
	set                                                                map[string]bool
}

func parseFlags(args []string, stderr io.Writer) (*options, error) {
	o := &options{}
	fs := flag.NewFlagSet("refinery-plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.config, "config", "", "config file: the resolver's config JSON, or a legacy JSON/TOML file with a [refinery] section")
	fs.StringVar(&o.input, "input", "", "directory of input wheels (input_dir)")
	fs.StringVar(&o.output, "output", "", "output directory; the plan is written to <output>/plan.json (output_dir)")
	fs.StringVar(&o.cache, "cache", "", "cache directory (cache_dir)")
	fs.StringVar(&o.python, "python", "", "target CPython MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. 3.11 or 3.11.9 (target_python)")
	fs.StringVar(&o.platformTag, "platform-tag", "", "target platform tag, default manylinux2014_s390x (target_platform_tag)")
	fs.StringVar(&o.upgradeStrategy, "upgrade-strategy", "", "pinned or eager (upgrade_strategy)")
	fs.StringVar(&o.indexURL, "index-url", "", "package index simple-API URL (index.index_url)")
	fs.Var(&o.extraIndexURLs, "extra-index-url", "further index URL; repeatable (index.extra_index_urls)")
	fs.Var(&o.trustedHosts, "trusted-host", "host allowed over plain HTTP; repeatable (index.trusted_hosts)")
	fs.BoolVar(&o.fallbackLatest, "fallback-latest", false, "consult the index for unsatisfied ranges (fallback_latest)")
	fs.BoolVar(&o.fetchCompatibleWheels, "fetch-compatible-wheels", false, "list releases the index has a wheel of for the target under fetch instead of building them (index.fetch_compatible_wheels)")
	fs.BoolVar(&o.buildGraph, "build-graph", false, "plan each build's source, build environment and the build order; needs an index (build_graph)")
	fs.BoolVar(&o.skipKnownFailures, "skip-known-failures", false, "leave known failures out of the plan (skip_known_failures)")
	fs.StringVar(&o.historyDB, "history-db", "", "legacy SQLite build history (history_db)")
	fs.StringVar(&o.runID, "run-id", "", "fixed run id (run_id)")
	fs.BoolVar(&o.strict, "strict", false, "fail when any requirement is missing (strict)")
	fs.StringVar(&o.download, "download", "", "after planning, download the plan's fetch entries into DIR (sha256 verified; see resolver.FetchWheels)")
	fs.BoolVar(&o.printJSON, "json", false, "print the plan JSON on standard output (the summary goes to standard error)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: refinery-plan [--config FILE] [--input DIR] [--output DIR] [--python X.Y] [flags]\n\nFlags:\n")
		fs.VisitAll(func(f *flag.Flag) {
			arg, help := flag.UnquoteUsage(f)
			fmt.Fprintf(stderr, "  --%s %s\n    \t%s\n", f.Name, arg, help)
		})
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q", fs.Arg(0))
	}
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	return o, nil
}

// loadConfigFile returns the resolver config a JSON or TOML file holds: its
// [refinery] section (a legacy worker config), or, when it has none, the
// whole document if that is a contract config (a top-level key is a config
// field, as in examples/service/config.json). Unknown fields are left to the
// library, which names them in an invalid_config error.
func loadConfigFile(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usagef("config file: %v", err)
	}
	var doc map[string]any
	switch ext := strings.ToLower(filepath.Ext(path)); {
	case ext == ".json":
		err = decodeJSON(data, &doc)
	case ext == ".toml":
		_, err = toml.Decode(string(data), &doc)
	default:
		if err = decodeJSON(data, &doc); err != nil {
			_, err = toml.Decode(string(data), &doc)
		}
	}
	if err != nil {
		return nil, usagef("config file %s: %v", path, err)
	}
	if raw, ok := doc["refinery"]; ok {
		section, ok := raw.(map[string]any)
		if !ok {
			return nil, usagef("config file %s: [refinery] is not a table", path)
		}
		return section, nil
	}
	for key := range doc {
		if contractFields[key] {
			return doc, nil
		}
	}
	return nil, usagef("config file %s: neither a resolver config (input_dir, target_python, …) "+
		"nor a legacy file with a [refinery] section", path)
}

// contractFields are the top-level config fields of the contract, from the
// JSON names of resolver.Config.
var contractFields = func() map[string]bool {
	fields := map[string]bool{}
	t := reflect.TypeOf(resolver.Config{})
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			fields[name] = true
		}
	}
	return fields
}()

func decodeJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber() // keep integers such as timestamps exact
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

// buildConfig merges the config file and the flags into a config document.
func buildConfig(o *options) (map[string]any, error) {
	cfg := map[string]any{}
	if o.config != "" {
		section, err := loadConfigFile(o.config)
		if err != nil {
			return nil, err
		}
		cfg = section
	}
	for flagName, value := range map[string]any{
		"input":               o.input,
		"output":              o.output,
		"cache":               o.cache,
		"python":              o.python,
		"platform-tag":        o.platformTag,
		"upgrade-strategy":    o.upgradeStrategy,
		"fallback-latest":     o.fallbackLatest,
		"skip-known-failures": o.skipKnownFailures,
		"history-db":          o.historyDB,
		"run-id":              o.runID,
		"strict":              o.strict,
		"build-graph":         o.buildGraph,
	} {
		if o.set[flagName] {
			cfg[fieldOf[flagName]] = value
		}
	}
	if o.set["index-url"] || o.set["extra-index-url"] || o.set["trusted-host"] || o.set["fetch-compatible-wheels"] {
		index, _ := cfg["index"].(map[string]any)
		if index == nil {
			if cfg["index"] != nil {
				return nil, usagef("config file: index must be a table")
			}
			index = map[string]any{}
		}
		if o.set["index-url"] {
			index["index_url"] = o.indexURL
		}
		if o.set["extra-index-url"] {
			index["extra_index_urls"] = []string(o.extraIndexURLs)
		}
		if o.set["trusted-host"] {
			index["trusted_hosts"] = []string(o.trustedHosts)
		}
		if o.set["fetch-compatible-wheels"] {
			index["fetch_compatible_wheels"] = o.fetchCompatibleWheels
		}
		cfg["index"] = index
	}
	return cfg, nil
}

// fieldOf maps flag names to contract config fields.
var fieldOf = map[string]string{
	"input":               "input_dir",
	"output":              "output_dir",
	"cache":               "cache_dir",
	"python":              "target_python",
	"platform-tag":        "target_platform_tag",
	"upgrade-strategy":    "upgrade_strategy",
	"fallback-latest":     "fallback_latest",
	"skip-known-failures": "skip_known_failures",
	"history-db":          "history_db",
	"run-id":              "run_id",
	"strict":              "strict",
	"build-graph":         "build_graph",
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "refinery-plan: %v\n", err)
		}
		return 2 // the flag package has printed its own message
	}
	cfg, err := buildConfig(o)
	if err != nil {
		fmt.Fprintf(stderr, "refinery-plan: %v\n", err)
		return 2
	}
	output, _ := cfg["output_dir"].(string)
	if output == "" && !o.printJSON {
		fmt.Fprintln(stderr, "refinery-plan: --output is required (or output_dir in the config file, or --json)")
		return 2
	}
	doc, err := json.Marshal(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "refinery-plan: config: %v\n", err)
		return 2
	}

	planJSON, err := resolver.ComputePlanJSON(ctx, doc)
	if err != nil {
		fmt.Fprintf(stderr, "error: %s\n", oneLine(err.Error()))
		return 1
	}
	var plan planSummary
	if err := json.Unmarshal(planJSON, &plan); err != nil {
		fmt.Fprintf(stderr, "error: %s: the plan cannot be decoded: %v\n", resolver.CodeInternal, err)
		return 1
	}
	summaryOut := stdout
	if o.printJSON {
		summaryOut = stderr
	}
	if output != "" {
		path := filepath.Join(output, service.PlanFileName)
		if err := service.WritePlanFile(path, planJSON); err != nil {
			fmt.Fprintf(stderr, "error: %s\n", oneLine(err.Error()))
			return 1
		}
		defer fmt.Fprintf(summaryOut, "wrote %s\n", path)
	}
	if o.printJSON {
		var pretty bytes.Buffer
		_ = json.Indent(&pretty, planJSON, "", "  ")
		pretty.WriteByte('\n')
		_, _ = stdout.Write(pretty.Bytes())
	}
	summarize(summaryOut, &plan)
	if o.download != "" {
		return download(ctx, cfg, planJSON, o.download, summaryOut, stderr)
	}
	return 0
}

// download fetches the plan's fetch entries into dir and reports them.
func download(ctx context.Context, cfg map[string]any, planJSON []byte, dir string, out, stderr io.Writer) int {
	req, err := json.Marshal(map[string]any{
		"config":   cfg,
		"plan":     json.RawMessage(planJSON),
		"dest_dir": dir,
	})
	if err != nil {
		fmt.Fprintf(stderr, "error: %s: %v\n", resolver.CodeInternal, err)
		return 1
	}
	report, err := resolver.FetchWheelsJSON(ctx, req)
	if err != nil {
		fmt.Fprintf(stderr, "error: %s\n", oneLine(err.Error()))
		return 1
	}
	fmt.Fprintf(out, "download into %s: %s\n", dir, report)
	for _, f := range report.Files {
		if f.Error != nil {
			fmt.Fprintf(stderr, "  failed %s: %s: %s\n", f.File, f.Error.Code, oneLine(f.Error.Message))
		}
	}
	if report.Failed > 0 {
		return 1
	}
	return 0
}

// planSummary is the part of a plan the summary prints. Decoding only this
// (not the whole resolver.Plan) keeps the CLI's memory close to the
// library's on large inputs.
type planSummary struct {
	RunID           string     `json:"run_id"`
	PythonVersion   string     `json:"python_version"`
	PlatformTag     string     `json:"platform_tag"`
	UpgradeStrategy string     `json:"upgrade_strategy"`
	Reuse           []struct{} `json:"reuse"`
	Fetch           []struct{} `json:"fetch"`
	ToBuild         []struct {
		Reason string `json:"reason"`
	} `json:"to_build"`
	DependencyExpansions []struct{} `json:"dependency_expansions"`
	MissingRequirements  []string   `json:"missing_requirements"`
	Skipped              []struct{} `json:"skipped"`
	Warnings             []string   `json:"warnings"`
	// BuildOrder is nil unless the plan was made with build_graph.
	BuildOrder  [][]string             `json:"build_order"`
	Unbuildable []resolver.Unbuildable `json:"unbuildable"`
}

// summaryLines is how many missing requirements (and warnings) the summary
// lists before saying how many more there are; plan.json has them all.
const summaryLines = 20

// summarize prints a short human summary of a plan.
func summarize(w io.Writer, p *planSummary) {
	fmt.Fprintf(w, "plan %s (python %s, %s, %s): %d reuse, %d fetch, %d build, %d missing, %d expansions",
		p.RunID, p.PythonVersion, p.PlatformTag, p.UpgradeStrategy,
		len(p.Reuse), len(p.Fetch), len(p.ToBuild), len(p.MissingRequirements), len(p.DependencyExpansions))
	if len(p.Skipped) > 0 {
		fmt.Fprintf(w, ", %d skipped", len(p.Skipped))
	}
	fmt.Fprintln(w)
	if len(p.ToBuild) > 0 {
		counts := map[string]int{}
		for _, b := range p.ToBuild {
			counts[b.Reason]++
		}
		reasons := make([]string, 0, len(counts))
		for r := range counts {
			reasons = append(reasons, r)
		}
		sort.Strings(reasons)
		parts := make([]string, len(reasons))
		for i, r := range reasons {
			parts[i] = fmt.Sprintf("%s: %d", r, counts[r])
		}
		fmt.Fprintf(w, "  build reasons: %s\n", strings.Join(parts, ", "))
	}
	if p.BuildOrder != nil {
		summarizeBuildGraph(w, p)
	}
	listAtMost(w, "missing", p.MissingRequirements)
	listAtMost(w, "warning", p.Warnings)
}

// summarizeBuildGraph prints how many builds run in how many waves, and
// each job that cannot be built with its reason.
func summarizeBuildGraph(w io.Writer, p *planSummary) {
	builds := 0
	for _, wave := range p.BuildOrder {
		builds += len(wave)
	}
	fmt.Fprintf(w, "  build graph: %s in %s, %d unbuildable\n",
		plural(builds, "build"), plural(len(p.BuildOrder), "wave"), len(p.Unbuildable))
	lines := make([]string, len(p.Unbuildable))
	for i, u := range p.Unbuildable {
		lines[i] = fmt.Sprintf("%s %s: %s", u.Name, u.Version, u.Reason)
	}
	listAtMost(w, "unbuildable", lines)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// listAtMost prints up to summaryLines items, then how many were left out.
func listAtMost(w io.Writer, label string, items []string) {
	for i, item := range items {
		if i == summaryLines {
			fmt.Fprintf(w, "  … and %d more %s lines (see plan.json)\n", len(items)-summaryLines, label)
			return
		}
		fmt.Fprintf(w, "  %s: %s\n", label, oneLine(item))
	}
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
