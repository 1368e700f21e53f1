package resolver

import "encoding/json"

// SchemaVersion is the plan shape this binding knows.
const SchemaVersion = 1

// Build reasons (the legacy strings of BuildJob.Reason).
const (
	ReasonIncompatibleWheel      = "incompatible wheel"
	ReasonMissingDependency      = "missing dependency"
	ReasonMissingCompatibleWheel = "missing compatible wheel for requirement"
	ReasonDependencyExpansion    = "dependency expansion"
	// ReasonBuildRequirement is a release a build environment needs that
	// has no wheel for the target (Config.BuildGraph; contract §4.10).
	ReasonBuildRequirement = "build requirement"
)

// How the reasons of Plan.Unbuildable start (contract §4.11); each is
// followed by what it names, except UnbuildableNoSource.
const (
	// UnbuildableNoSource: the configured indexes have no sdist of the
	// release and no override names one.
	UnbuildableNoSource = "no source"
	// UnbuildableCycle: the build environment needs, through builds, the
	// release itself ("build cycle: a==1 -> b==2 -> a==1").
	UnbuildableCycle = "build cycle: "
	// UnbuildableRequirement: the build environment needs an unbuildable
	// release ("build requirement unbuildable: x==1").
	UnbuildableRequirement = "build requirement unbuildable: "
	// UnbuildableMissing: nothing satisfies a build requirement, or a
	// requirement of a release in the build environment ("build requirement
	// missing: <requirement>").
	UnbuildableMissing = "build requirement missing: "
)

// Plan node actions (PlanNode.Action).
const (
	ActionReuse = "reuse"
	ActionFetch = "fetch"
	ActionBuild = "build"
)

// Plan is the resolver's output, plan.json (contract §3): a superset
// of the legacy planner's {"run_id", "plan": [...]}.
type Plan struct {
	SchemaVersion   int    `json:"schema_version"`
	RunID           string `json:"run_id"`
	PythonVersion   string `json:"python_version"`
	PythonTag       string `json:"python_tag"`
	PlatformTag     string `json:"platform_tag"`
	UpgradeStrategy string `json:"upgrade_strategy"`
	// Nodes is the legacy "plan" list: every reuse node, then every fetch
	// node, then every build node.
	Nodes []PlanNode `json:"plan"`
	// Reuse lists the reused input releases, in scan order.
	Reuse []ReuseEntry `json:"reuse"`
	// Fetch lists the releases to download from an index instead of
	// building them (index.fetch_compatible_wheels; contract §4.7), in the
	// order they would have had in ToBuild; with Config.BuildGraph, the
	// releases build environments need follow, sorted by name, then
	// version. Absent (nil) when empty.
	Fetch []FetchEntry `json:"fetch,omitempty"`
	// ToBuild lists the build jobs, in contract order; with
	// Config.BuildGraph, the builds build environments need follow
	// (ReasonBuildRequirement), and the unbuildable jobs stay listed.
	ToBuild []BuildJob `json:"to_build"`
	// DependencyExpansions are the expansion jobs (also in ToBuild).
	DependencyExpansions []BuildJob `json:"dependency_expansions"`
	// MissingRequirements are requirements (as written) the plan does not
	// satisfy.
	MissingRequirements []string `json:"missing_requirements"`
	// Skipped are jobs left out as known failures.
	Skipped []SkippedJob `json:"skipped"`
	// Warnings are non-fatal observations.
	Warnings []string `json:"warnings"`
	// Resolver identifies the producer.
	Resolver ResolverInfo `json:"resolver"`
	// BuildOrder, with Config.BuildGraph, is the order of the buildable
	// jobs: waves of "name==version", each wave's builds needing only
	// builds of earlier waves in their build environments (BuildJob.
	// BuildDeps), so the builds of one wave can run in parallel. Every
	// buildable job is in exactly one wave; unbuildable ones in none. Nil
	// without the build graph (see HasBuildGraph).
	BuildOrder [][]string `json:"build_order,omitempty"`
	// Unbuildable, with Config.BuildGraph, are the build jobs that cannot
	// be carried out, in ToBuild order (they stay in ToBuild).
	Unbuildable []Unbuildable `json:"unbuildable,omitempty"`
}

// HasBuildGraph reports whether the plan was made with Config.BuildGraph:
// only then does it have BuildOrder (possibly empty) and the build fields
// of its jobs.
func (p *Plan) HasBuildGraph() bool { return p.BuildOrder != nil }

// Unbuildable is a build job the builder cannot carry out (contract §4.11).
type Unbuildable struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Reason is UnbuildableNoSource, or starts with UnbuildableCycle,
	// UnbuildableRequirement or UnbuildableMissing.
	Reason string `json:"reason"`
}

// Source is the sdist a build starts from (contract §4.8).
type Source struct {
	// File is the sdist's file name.
	File string `json:"file"`
	// URL is absolute and never carries credentials.
	URL string `json:"url"`
	// SHA256 is the index's hash of the file (or the override's), when
	// there is one.
	SHA256 string `json:"sha256,omitempty"`
	// Index is the simple-API base URL of the index that lists it; nil when
	// an override (Override.SourceURL) gives the source.
	Index *string `json:"index"`
}

// PlanNode is one node of the legacy "plan" list.
type PlanNode struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	PythonTag   string `json:"python_tag"`
	PlatformTag string `json:"platform_tag"`
	// Action is ActionReuse, ActionFetch or ActionBuild.
	Action string `json:"action"`
}

// ReuseEntry is a reused input release.
type ReuseEntry struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Path of the reusable wheel chosen (the best-ranked tag).
	Path string `json:"path"`
	// File is its file name.
	File string `json:"file"`
}

// FetchEntry is a release an index has a wheel of that installs on the
// target: the worker downloads it instead of building it.
type FetchEntry struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// File is the wheel's file name.
	File string `json:"file"`
	// URL is absolute and never carries credentials (they stay in the
	// config's index URLs).
	URL string `json:"url"`
	// Sha256 is the index's hash of the file, when it gives one.
	Sha256 string `json:"sha256,omitempty"`
	// Index is the simple-API base URL of the index that lists it.
	Index string `json:"index"`
	// Reason, Depth and Parents are those the build job would have had.
	Reason  string   `json:"reason"`
	Depth   int      `json:"depth"`
	Parents []string `json:"parents"`
}

// BuildJob is one job for the builder.
type BuildJob struct {
	// Name is the PEP 503 normalised name.
	Name string `json:"name"`
	// Version is the PEP 440 normalised version, or "latest".
	Version     string `json:"version"`
	PythonTag   string `json:"python_tag"`
	PlatformTag string `json:"platform_tag"`
	// SourceSpec is name==version, or the bare name for "latest".
	SourceSpec string `json:"source_spec"`
	// Reason is one of the Reason* constants.
	Reason string `json:"reason"`
	// Depth is 0 for inputs and their direct requirements' builds, the
	// expansion depth otherwise.
	Depth int `json:"depth"`
	// Parents are the sorted normalised names of the projects whose
	// requirements led here.
	Parents []string `json:"parents"`
	// Incompatible says, for "incompatible wheel", why no input file of the
	// release is reusable.
	Incompatible *Incompatible `json:"incompatible,omitempty"`
	// Requirements are, for dependency builds, the requirements (as written)
	// this job satisfies.
	Requirements []string `json:"requirements,omitempty"`
	// Override holds the override settings for the builder (contract §4.5).
	Override *Override `json:"override,omitempty"`
	// Hints are the hints recorded with known failures (contract §4.6), as
	// raw JSON values.
	Hints []json.RawMessage `json:"hints,omitempty"`

	// The build graph (Config.BuildGraph; contract §4.8–4.10): absent
	// without it. A job without a source has nil Source, BuildBackend and
	// BuildRequires, and is in Plan.Unbuildable.

	// Source is the sdist to build from; nil when there is none.
	Source *Source `json:"source,omitempty"`
	// BuildBackend is the [build-system] build-backend of the sdist's
	// pyproject.toml (setuptools.build_meta:__legacy__ when it names none);
	// nil when the sdist could not be read.
	BuildBackend *string `json:"build_backend,omitempty"`
	// BuildRequires are the [build-system] requires (as written) whose
	// markers hold for the target. Nil when nothing is known of them (no
	// source, or an sdist that could not be read: the plan's warnings say
	// which); non-nil and empty when the sdist requires nothing.
	BuildRequires []string `json:"build_requires,omitempty"`
	// BuildDeps are "name==version" of every release the build environment
	// installs (the build requirements and their runtime closure), sorted:
	// exact constraints for the build.
	BuildDeps []string `json:"build_deps,omitempty"`
}

// Incompatible explains why an input release is not reusable.
type Incompatible struct {
	// Kind is "python", "abi" or "platform".
	Kind string `json:"kind"`
	// Files are the input files of the release.
	Files []string `json:"files"`
}

// SkippedJob is a job left out because of a known failure (contract §4.6),
// or an input release whose wheels' Requires-Python excludes the target
// (Status "requires_python", Source "input"; contract §4.2a).
type SkippedJob struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Status is the status of the most recent event.
	Status string `json:"status"`
	// Timestamp is its timestamp as recorded (raw JSON string or number).
	Timestamp json.RawMessage `json:"timestamp,omitempty"`
	Detail    string          `json:"detail,omitempty"`
	// Reason is the job's reason, had it been built (empty for an input
	// release that would have been reused).
	Reason string `json:"reason,omitempty"`
	// Source says where the decision comes from: "known_failures" or
	// "history_db" (the deciding event), or "input".
	Source string `json:"source"`
	// Hints are the hints recorded with the job's events, as raw JSON.
	Hints []json.RawMessage `json:"hints,omitempty"`
}

// ResolverInfo identifies the producer of a plan.
type ResolverInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}
