//! The output model: `plan.json` of contract §3, a superset of the
//! legacy planner's shape.

use serde::Serialize;

use crate::config::Override;

/// Version of the plan document's shape.
pub const SCHEMA_VERSION: u32 = 1;

/// Why a job is in `to_build` (the legacy strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BuildReason {
    /// No input wheel of this release runs on the target.
    #[serde(rename = "incompatible wheel")]
    IncompatibleWheel,
    /// A pinned requirement no input satisfies.
    #[serde(rename = "missing dependency")]
    MissingDependency,
    /// A range resolved to a concrete version from inputs or an index.
    #[serde(rename = "missing compatible wheel for requirement")]
    MissingCompatibleWheel,
    /// A project planned by bounded dependency expansion.
    #[serde(rename = "dependency expansion")]
    DependencyExpansion,
    /// A release a build environment needs (contract §4.10).
    #[serde(rename = "build requirement")]
    BuildRequirement,
}

/// Why an input release is not reusable (which tag part rules it out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incompatible {
    /// `python`, `abi` or `platform`.
    pub kind: &'static str,
    /// The input files of the release.
    pub files: Vec<String>,
}

/// A build job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BuildJob {
    /// PEP 503 normalised name.
    pub name: String,
    /// PEP 440 normalised version, or `latest`.
    pub version: String,
    /// Target python tag (`cp311`).
    pub python_tag: String,
    /// Target platform tag.
    pub platform_tag: String,
    /// `name==version`, or the bare name for `latest`.
    pub source_spec: String,
    /// The legacy reason string.
    pub reason: BuildReason,
    /// 0 for inputs and their direct requirements' builds; expansion depth otherwise.
    pub depth: u32,
    /// Sorted normalised names of the projects whose requirements led here.
    pub parents: Vec<String>,
    /// For `incompatible wheel`: why no input file of the release is reusable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incompatible: Option<Incompatible>,
    /// For dependency builds: the requirements (as written) this job satisfies.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requirements: Vec<String>,
    /// Override settings for the builder (contract §4.5).
    #[serde(rename = "override", skip_serializing_if = "Option::is_none")]
    pub override_: Option<Override>,
    /// Hints recorded with known failures (contract §4.6).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<serde_json::Value>,
    /// From what and with what it is built (only with `build_graph`).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub build: Option<Box<BuildSource>>,
}

/// A build job's source and build environment (contract §4.8–4.10).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BuildSource {
    /// The sdist it is built from; `None`: no source (unbuildable).
    pub source: Option<Source>,
    /// `build-backend` of its `pyproject.toml` (PEP 517 default when absent).
    pub build_backend: Option<String>,
    /// Its build requirements whose markers hold for the target; `None`
    /// when unknown (no source, or the sdist could not be read).
    pub build_requires: Option<Vec<String>>,
    /// `name==version` of every release its build environment installs,
    /// sorted.
    pub build_deps: Vec<String>,
}

/// The sdist of a build (contract §4.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// Its file name.
    pub file: String,
    /// Absolute URL, never with credentials.
    pub url: String,
    /// The index's (or the override's) sha256 of the file, when given.
    pub sha256: Option<String>,
    /// The simple-API base URL of the index that lists it; `None` for an
    /// override's source.
    pub index: Option<String>,
}

/// A build job that cannot be carried out (contract §4.11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unbuildable {
    /// PEP 503 normalised name.
    pub name: String,
    /// Version.
    pub version: String,
    /// `no source`, `build cycle: …`, `build requirement unbuildable: …` or
    /// `build requirement missing: …`.
    pub reason: String,
}

/// A reused input release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReuseEntry {
    /// PEP 503 normalised name.
    pub name: String,
    /// PEP 440 normalised version.
    pub version: String,
    /// Path of the reusable wheel chosen (the best-ranked tag).
    pub path: String,
    /// Its file name.
    pub file: String,
}

/// A release fetched from an index instead of built (contract §4.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FetchEntry {
    /// PEP 503 normalised name.
    pub name: String,
    /// PEP 440 normalised version.
    pub version: String,
    /// The wheel's file name.
    pub file: String,
    /// Absolute URL, never with credentials.
    pub url: String,
    /// The index's sha256 of the file, when it gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    /// The simple-API base URL of the index that lists it.
    pub index: String,
    /// The reason the build job would have had.
    pub reason: BuildReason,
    /// The depth the build job would have had.
    pub depth: u32,
    /// The parents the build job would have had.
    pub parents: Vec<String>,
}

/// One node of the legacy `plan` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanNode {
    /// PEP 503 normalised name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Target python tag.
    pub python_tag: String,
    /// Target platform tag.
    pub platform_tag: String,
    /// `reuse`, `fetch` or `build`.
    pub action: &'static str,
}

/// A job left out because of a known failure (contract §4.6), or an input
/// release whose Requires-Python excludes the target (contract §4.2a).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SkippedJob {
    /// PEP 503 normalised name.
    pub name: String,
    /// Version.
    pub version: String,
    /// The status of the most recent event.
    pub status: String,
    /// Its timestamp, as recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<serde_json::Value>,
    /// Its detail.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The job's reason, had it been built (absent for an input release
    /// that would have been reused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<BuildReason>,
    /// Where the decision comes from: `known_failures` or `history_db`
    /// (the deciding event), or `input` (the wheels' Requires-Python).
    pub source: &'static str,
    /// Hints recorded with the job's events (also on the job, contract §4.6).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hints: Vec<serde_json::Value>,
}

/// Identifies the producer of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResolverInfo {
    /// Crate name.
    pub name: &'static str,
    /// Crate version.
    pub version: &'static str,
}

impl ResolverInfo {
    /// This library.
    pub fn current() -> Self {
        Self {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// The whole plan document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    /// Shape version (1).
    pub schema_version: u32,
    /// Run id.
    pub run_id: String,
    /// Target `MAJOR.MINOR`.
    pub python_version: String,
    /// Target python tag.
    pub python_tag: String,
    /// Target platform tag.
    pub platform_tag: String,
    /// `pinned` or `eager`.
    pub upgrade_strategy: &'static str,
    /// Every reuse node, then every fetch node, then every build node.
    pub plan: Vec<PlanNode>,
    /// Reused releases, in scan order.
    pub reuse: Vec<ReuseEntry>,
    /// Releases fetched from an index instead of built, in the order they
    /// would have had in `to_build` (absent when empty).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fetch: Vec<FetchEntry>,
    /// Build jobs, in contract order.
    pub to_build: Vec<BuildJob>,
    /// The expansion jobs (also in `to_build`).
    pub dependency_expansions: Vec<BuildJob>,
    /// Requirements (as written) the plan does not satisfy.
    pub missing_requirements: Vec<String>,
    /// Jobs left out as known failures.
    pub skipped: Vec<SkippedJob>,
    /// Waves of `name==version` of the buildable jobs (only with
    /// `build_graph`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build_order: Option<Vec<Vec<String>>>,
    /// Build jobs that cannot be carried out (only with `build_graph`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unbuildable: Option<Vec<Unbuildable>>,
    /// Non-fatal observations.
    pub warnings: Vec<String>,
    /// Producer.
    pub resolver: ResolverInfo,
}

impl Plan {
    /// Rebuilds the legacy `plan` list from `reuse`, `fetch` and `to_build`.
    pub fn rebuild_nodes(&mut self) {
        let node = |name: &str, version: &str, action| PlanNode {
            name: name.to_owned(),
            version: version.to_owned(),
            python_tag: self.python_tag.clone(),
            platform_tag: self.platform_tag.clone(),
            action,
        };
        let mut nodes: Vec<PlanNode> = self
            .reuse
            .iter()
            .map(|r| node(&r.name, &r.version, "reuse"))
            .collect();
        nodes.extend(
            self.fetch
                .iter()
                .map(|f| node(&f.name, &f.version, "fetch")),
        );
        nodes.extend(
            self.to_build
                .iter()
                .map(|b| node(&b.name, &b.version, "build")),
        );
        self.plan = nodes;
    }
}
