package resolver

import "encoding/json"

// UpgradeStrategy says which versions to plan for requirements the inputs do
// not satisfy (contract §4.3).
type UpgradeStrategy string

const (
	// UpgradePinned respects the versions the inputs imply and consults an
	// index only with FallbackLatest. The default.
	UpgradePinned UpgradeStrategy = "pinned"
	// UpgradeEager consults the index for every unsatisfied range.
	UpgradeEager UpgradeStrategy = "eager"
)

// IndexStrategy says how versions are gathered across several indexes
// (contract §6).
type IndexStrategy string

const (
	// IndexFirstIndex takes a project's versions from the first index that
	// knows it. The default.
	IndexFirstIndex IndexStrategy = "first-index"
	// IndexBestMatch merges versions across all indexes.
	IndexBestMatch IndexStrategy = "best-match"
)

// Config is the resolver's input (contract §2). Field names follow the
// legacy config file's [refinery] section. Zero values of optional fields are
// left out of the JSON, so the library's defaults apply.
type Config struct {
	// InputDir is the directory whose *.whl files are scanned (required).
	InputDir string `json:"input_dir"`
	// CacheDir is the worker's /cache.
	CacheDir string `json:"cache_dir,omitempty"`
	// OutputDir is the worker's /output.
	OutputDir string `json:"output_dir,omitempty"`
	// TargetPython is the target CPython MAJOR.MINOR or MAJOR.MINOR.PATCH,
	// e.g. "3.11" or "3.11.9" (required). With the patch level, markers on
	// python_full_version and Requires-Python are decided for it.
	TargetPython string `json:"target_python"`
	// TargetPlatformTag defaults to "manylinux2014_s390x".
	TargetPlatformTag string `json:"target_platform_tag,omitempty"`
	// UpgradeStrategy defaults to UpgradePinned.
	UpgradeStrategy UpgradeStrategy `json:"upgrade_strategy,omitempty"`
	// FallbackLatest consults the index for unsatisfied ranges.
	FallbackLatest bool `json:"fallback_latest,omitempty"`
	// Index configures package indexes; nil means offline (no network).
	Index *IndexConfig `json:"index,omitempty"`
	// Expansion bounds dependency expansion; nil means the defaults.
	Expansion *ExpansionConfig `json:"expansion,omitempty"`
	// Overrides are per-package build settings, keyed by project name.
	Overrides map[string]Override `json:"overrides,omitempty"`
	// SkipKnownFailures leaves known failures out of to_build.
	SkipKnownFailures bool `json:"skip_known_failures,omitempty"`
	// KnownFailures are recorded build outcomes given inline.
	KnownFailures []KnownFailure `json:"known_failures,omitempty"`
	// HistoryDB is the legacy SQLite build history.
	HistoryDB string `json:"history_db,omitempty"`
	// Requirements is a pip requirements file planned like extra Requires-Dist.
	Requirements string `json:"requirements,omitempty"`
	// Constraints is a pip constraints file every chosen version must satisfy.
	Constraints string `json:"constraints,omitempty"`
	// Strict makes any missing requirement an error.
	Strict bool `json:"strict,omitempty"`
	// RunID fixes the run id; otherwise the library draws 32 random hex digits.
	RunID string `json:"run_id,omitempty"`
	// PlanPath makes the library also write the plan there, atomically, on
	// success.
	PlanPath string `json:"plan_path,omitempty"`
	// TimeBudgetMS bounds the whole call, in milliseconds. ComputePlan sets it
	// from the context's deadline; when both are given the smaller wins.
	TimeBudgetMS uint64 `json:"time_budget_ms,omitempty"`
	// BuildGraph plans, for every build job, its source (the sdist), its
	// build requirements and the releases of its build environment, and the
	// order the builds can run in: BuildJob.Source, BuildJob.BuildBackend,
	// BuildJob.BuildRequires, BuildJob.BuildDeps, Plan.BuildOrder and
	// Plan.Unbuildable (contract §4.8–4.11). Needs Index (the library answers
	// CodeInvalidConfig naming build_graph otherwise). Off, the plan is the
	// same as without the field.
	BuildGraph bool `json:"build_graph,omitempty"`
	// BuildGraphMaxJobs bounds how many releases are added for build
	// environments; nil means the default (200). Use [Uint32]: 0 is
	// meaningful (none are added; what is left out is named in warnings).
	BuildGraphMaxJobs *uint32 `json:"build_graph_max_jobs,omitempty"`
}

// IndexConfig configures the package indexes (contract §6).
type IndexConfig struct {
	// IndexURL is the primary simple-API URL (required).
	IndexURL string `json:"index_url"`
	// ExtraIndexURLs are asked after IndexURL.
	ExtraIndexURLs []string `json:"extra_index_urls,omitempty"`
	// TrustedHosts (host or host:port) may be used over plain HTTP or
	// unverified TLS.
	TrustedHosts []string `json:"trusted_hosts,omitempty"`
	// Strategy defaults to IndexFirstIndex.
	Strategy IndexStrategy `json:"strategy,omitempty"`
	// TimeoutSeconds bounds each request; 0 means the default (15).
	TimeoutSeconds float64 `json:"timeout_seconds,omitempty"`
	// FetchCompatibleWheels lists a release the index has a wheel of that
	// installs on the target in Plan.Fetch instead of building it.
	FetchCompatibleWheels bool `json:"fetch_compatible_wheels,omitempty"`
	// CABundle is a PEM file of the certificates to trust for index TLS, in
	// place of the system trust store (which honours SSL_CERT_FILE and
	// SSL_CERT_DIR).
	CABundle string `json:"ca_bundle,omitempty"`
	// CacheDir holds the HTTP cache of index answers; empty means
	// <Config.CacheDir>/index-cache when Config.CacheDir is set, else no
	// cache.
	CacheDir string `json:"cache_dir,omitempty"`
	// CacheMaxMB bounds the HTTP cache (MiB); nil means 256, 0 turns the
	// cache off.
	CacheMaxMB *uint64 `json:"cache_max_mb,omitempty"`
}

// ExpansionConfig bounds dependency expansion (contract §4.4). Nil fields take
// the defaults (max_depth 2, max_jobs 1); use [Uint32] to set them, since 0 is
// meaningful (max_depth 0 turns expansion off).
type ExpansionConfig struct {
	MaxDepth *uint32 `json:"max_depth,omitempty"`
	MaxJobs  *uint32 `json:"max_jobs,omitempty"`
}

// Uint32 returns a pointer to v, for ExpansionConfig and
// Config.BuildGraphMaxJobs.
func Uint32(v uint32) *uint32 { return &v }

// Override holds per-package build settings (contract §4.5). Version replaces
// the version of a planned build; the other fields are copied onto the
// project's to_build entry for the builder.
type Override struct {
	Version        string            `json:"version,omitempty"`
	SystemPackages []string          `json:"system_packages,omitempty"`
	SystemRecipe   string            `json:"system_recipe,omitempty"`
	Env            map[string]string `json:"env,omitempty"`
	Notes          string            `json:"notes,omitempty"`
	// SourceURL, with Config.BuildGraph, is the sdist the build uses instead
	// of the one on the index (BuildJob.Source then has a nil Index);
	// SourceSHA256 is its hash (contract §4.8).
	SourceURL    string `json:"source_url,omitempty"`
	SourceSHA256 string `json:"source_sha256,omitempty"`
}

// KnownFailure is one recorded build outcome (contract §4.6).
type KnownFailure struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Status is "failed", "missing", "system_recipe_failed" or another status.
	Status string `json:"status"`
	// Timestamp is an ISO 8601 string or Unix seconds, as raw JSON.
	Timestamp json.RawMessage `json:"timestamp,omitempty"`
	Detail    string          `json:"detail,omitempty"`
	// Hint is any JSON value, attached to the job's to_build entry as hints.
	Hint json.RawMessage `json:"hint,omitempty"`
}
