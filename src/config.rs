//! The resolver's input: the config JSON of contract §2.
//!
//! Parsing is strict: unknown fields, wrong types and invalid values are
//! `invalid_config` errors naming the field by its dotted path.

use std::collections::BTreeMap;
use std::path::PathBuf;

use pep508_rs::PackageName;
use serde::{Deserialize, Serialize};

use crate::error::{ResolverError, Result};
pub use crate::tags::{PythonVersion, TargetPlatform};

/// Which versions to plan for requirements the inputs do not satisfy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UpgradeStrategy {
    /// Respect the versions the inputs imply; consult an index only with `fallback_latest`.
    #[default]
    Pinned,
    /// Consult the index for every unsatisfied range.
    Eager,
}

impl UpgradeStrategy {
    /// The config spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pinned => "pinned",
            Self::Eager => "eager",
        }
    }
}

/// How versions are gathered across several indexes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
pub enum IndexStrategy {
    /// A project's versions come from the first index that knows it.
    #[default]
    #[serde(rename = "first-index")]
    FirstIndex,
    /// Versions are merged across all indexes.
    #[serde(rename = "best-match")]
    BestMatch,
}

fn default_timeout() -> f64 {
    15.0
}

/// Package index settings (contract §6).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IndexConfig {
    /// The primary simple-API URL.
    pub index_url: String,
    /// Further simple-API URLs, asked after `index_url`.
    #[serde(default)]
    pub extra_index_urls: Vec<String>,
    /// Hosts (`host` or `host:port`) allowed over plain HTTP or unverified TLS.
    #[serde(default)]
    pub trusted_hosts: Vec<String>,
    /// First-index (default) or best-match.
    #[serde(default)]
    pub strategy: IndexStrategy,
    /// Bound of each request, in seconds.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: f64,
    /// Fetch a release the index has a target-compatible wheel of instead
    /// of building it (contract §4.7).
    #[serde(default)]
    pub fetch_compatible_wheels: bool,
    /// PEM file of the certificates to trust for index TLS, in place of the
    /// system's trust store (contract §6.2).
    #[serde(default)]
    pub ca_bundle: Option<PathBuf>,
    /// The HTTP cache of index answers (contract §6.7); default
    /// `<cache_dir>/index-cache` when `cache_dir` is set, else no cache.
    #[serde(default)]
    pub cache_dir: Option<PathBuf>,
    /// Size bound of the HTTP cache in MiB (default 256); 0 turns it off.
    #[serde(default)]
    pub cache_max_mb: Option<u64>,
}

impl IndexConfig {
    /// Every index URL in the order they are asked (`index_url`, then
    /// `extra_index_urls`), each with its config field path for errors.
    pub fn urls(&self) -> impl Iterator<Item = (String, &String)> {
        std::iter::once(("index.index_url".to_owned(), &self.index_url)).chain(
            self.extra_index_urls
                .iter()
                .enumerate()
                .map(|(i, u)| (format!("index.extra_index_urls[{i}]"), u)),
        )
    }
}

fn default_max_depth() -> u32 {
    2
}
fn default_max_jobs() -> u32 {
    1
}

/// Bounds of dependency expansion (contract §4.4).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExpansionConfig {
    /// Deepest expansion level; 0 turns expansion off.
    #[serde(default = "default_max_depth")]
    pub max_depth: u32,
    /// Most expansion jobs planned in all.
    #[serde(default = "default_max_jobs")]
    pub max_jobs: u32,
}

impl Default for ExpansionConfig {
    fn default() -> Self {
        Self {
            max_depth: default_max_depth(),
            max_jobs: default_max_jobs(),
        }
    }
}

/// Per-package build settings (contract §4.5).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Override {
    /// Replaces the version of a planned build of the project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// System packages the builder installs first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_packages: Option<Vec<String>>,
    /// A named system recipe for the builder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_recipe: Option<String>,
    /// Environment variables for the build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env: Option<BTreeMap<String, String>>,
    /// Free text for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The sdist to build from instead of the index's (contract §4.8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// The sha256 of `source_url`'s file, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_sha256: Option<String>,
}

/// One recorded build outcome (contract §4.6).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KnownFailure {
    /// Project name (any spelling; compared PEP 503-normalised).
    pub name: String,
    /// Version (compared PEP 440-equal).
    pub version: String,
    /// `failed`, `missing`, `system_recipe_failed`, or another status.
    pub status: String,
    /// When it happened (ISO 8601 or Unix seconds); the most recent decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<serde_json::Value>,
    /// What went wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A hint for the next attempt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hint: Option<serde_json::Value>,
}

/// The config as it arrives (field names follow the legacy `[refinery]` section).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    input_dir: PathBuf,
    #[serde(default)]
    cache_dir: Option<PathBuf>,
    #[serde(default)]
    output_dir: Option<PathBuf>,
    target_python: String,
    #[serde(default = "default_platform")]
    target_platform_tag: String,
    #[serde(default)]
    upgrade_strategy: UpgradeStrategy,
    #[serde(default)]
    fallback_latest: bool,
    #[serde(default)]
    index: Option<IndexConfig>,
    #[serde(default)]
    expansion: ExpansionConfig,
    #[serde(default)]
    overrides: BTreeMap<String, Override>,
    #[serde(default)]
    skip_known_failures: bool,
    #[serde(default)]
    known_failures: Vec<KnownFailure>,
    #[serde(default)]
    history_db: Option<PathBuf>,
    #[serde(default)]
    requirements: Option<PathBuf>,
    #[serde(default)]
    constraints: Option<PathBuf>,
    #[serde(default)]
    strict: bool,
    #[serde(default)]
    run_id: Option<String>,
    #[serde(default)]
    plan_path: Option<PathBuf>,
    #[serde(default)]
    time_budget_ms: Option<u64>,
    #[serde(default)]
    build_graph: bool,
    #[serde(default = "default_build_graph_max_jobs")]
    build_graph_max_jobs: u32,
}

fn default_build_graph_max_jobs() -> u32 {
    200
}

fn default_platform() -> String {
    "manylinux2014_s390x".to_owned()
}

/// A parsed and validated config.
#[derive(Debug, Clone)]
pub struct Config {
    /// Directory whose `*.whl` files are scanned.
    pub input_dir: PathBuf,
    /// The worker's cache directory.
    pub cache_dir: Option<PathBuf>,
    /// The worker's output directory.
    pub output_dir: Option<PathBuf>,
    /// Target CPython as given (`3.11`).
    pub python: PythonVersion,
    /// Target platform.
    pub platform: TargetPlatform,
    /// Pinned or eager.
    pub upgrade_strategy: UpgradeStrategy,
    /// Consult the index for unsatisfied ranges.
    pub fallback_latest: bool,
    /// Package indexes; `None` means offline.
    pub index: Option<IndexConfig>,
    /// Expansion bounds.
    pub expansion: ExpansionConfig,
    /// Per-package overrides, keyed by the name as written.
    pub overrides: BTreeMap<String, Override>,
    /// Leave known failures out of `to_build`.
    pub skip_known_failures: bool,
    /// Known failures given inline.
    pub known_failures: Vec<KnownFailure>,
    /// The legacy SQLite history.
    pub history_db: Option<PathBuf>,
    /// A pip requirements file.
    pub requirements: Option<PathBuf>,
    /// A pip constraints file.
    pub constraints: Option<PathBuf>,
    /// Any missing requirement is an error.
    pub strict: bool,
    /// Fixed run id.
    pub run_id: Option<String>,
    /// Also write the plan here, atomically, on success.
    pub plan_path: Option<PathBuf>,
    /// Wall-clock budget for the whole call, in milliseconds (set by the Go binding from a context deadline).
    pub time_budget_ms: Option<u64>,
    /// Plan sources, build environments and the build order (contract §4.8–4.11).
    pub build_graph: bool,
    /// At most this many releases are added for build environments.
    pub build_graph_max_jobs: u32,
}

impl Config {
    /// The overrides keyed by normalised name (with the key as written);
    /// two keys naming one project are `invalid_config`.
    pub fn overrides_by_name(&self) -> Result<BTreeMap<PackageName, (&str, &Override)>> {
        let mut out: BTreeMap<PackageName, (&str, &Override)> = BTreeMap::new();
        for (key, ov) in &self.overrides {
            let name: PackageName = key.parse().map_err(|_| {
                ResolverError::config(format!("overrides.{key}"), "not a valid project name")
            })?;
            if let Some((other, _)) = out.get(&name) {
                return Err(ResolverError::config(
                    format!("overrides.{key}"),
                    format!(
                        "`{other}` and `{key}` are the same project ({name}); give one override"
                    ),
                ));
            }
            out.insert(name, (key.as_str(), ov));
        }
        Ok(out)
    }

    /// Parses and validates a config JSON document.
    pub fn from_json(json: &str) -> Result<Self> {
        let mut de = serde_json::Deserializer::from_str(json);
        let raw: RawConfig = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." {
                "config".to_owned()
            } else {
                path
            };
            ResolverError::config(field, e.into_inner().to_string())
        })?;
        de.end()
            .map_err(|e| ResolverError::config("config", e.to_string()))?;
        Self::validate(raw)
    }

    fn validate(raw: RawConfig) -> Result<Self> {
        if raw.input_dir.as_os_str().is_empty() {
            return Err(ResolverError::config("input_dir", "must not be empty"));
        }
        let python: PythonVersion = raw
            .target_python
            .parse()
            .map_err(|e: String| ResolverError::config("target_python", e))?;
        let platform: TargetPlatform = raw
            .target_platform_tag
            .parse()
            .map_err(|e: String| ResolverError::config("target_platform_tag", e))?;
        if let Some(index) = &raw.index {
            validate_index(index)?;
        }
        validate_overrides(&raw.overrides)?;
        validate_known_failures(&raw.known_failures)?;
        if let Some(run_id) = &raw.run_id {
            validate_run_id(run_id)?;
        }
        validate_paths(&raw)?;
        if raw.build_graph && raw.index.is_none() {
            return Err(ResolverError::config(
                "build_graph",
                "needs an index (the sources and build environments come from it)",
            ));
        }
        Ok(Self {
            input_dir: raw.input_dir,
            cache_dir: raw.cache_dir,
            output_dir: raw.output_dir,
            python,
            platform,
            upgrade_strategy: raw.upgrade_strategy,
            fallback_latest: raw.fallback_latest,
            index: raw.index,
            expansion: raw.expansion,
            overrides: raw.overrides,
            skip_known_failures: raw.skip_known_failures,
            known_failures: raw.known_failures,
            history_db: raw.history_db,
            requirements: raw.requirements,
            constraints: raw.constraints,
            strict: raw.strict,
            run_id: raw.run_id,
            plan_path: raw.plan_path,
            time_budget_ms: raw.time_budget_ms,
            build_graph: raw.build_graph,
            build_graph_max_jobs: raw.build_graph_max_jobs,
        })
    }
}

/// Each override names a valid project, and its version, if any, is PEP 440.
fn validate_overrides(overrides: &BTreeMap<String, Override>) -> Result<()> {
    for (name, ov) in overrides {
        if name.parse::<pep508_rs::PackageName>().is_err() {
            return Err(ResolverError::config(
                format!("overrides.{name}"),
                "not a valid project name",
            ));
        }
        if let Some(v) = &ov.version {
            if v.parse::<pep440_rs::Version>().is_err() {
                return Err(ResolverError::config(
                    format!("overrides.{name}.version"),
                    format!("`{v}` is not a PEP 440 version"),
                ));
            }
        }
        if let Some(url) = &ov.source_url {
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                return Err(ResolverError::config(
                    format!("overrides.{name}.source_url"),
                    format!("`{}` is not an http(s) URL", crate::redact::redact_url(url)),
                ));
            }
        }
        if let Some(sha) = &ov.source_sha256 {
            if sha.len() != 64 || !sha.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(ResolverError::config(
                    format!("overrides.{name}.source_sha256"),
                    "must be 64 hex digits",
                ));
            }
        }
    }
    Ok(())
}

/// Each known failure names a valid project and PEP 440 version, and a status.
fn validate_known_failures(known_failures: &[KnownFailure]) -> Result<()> {
    for (i, kf) in known_failures.iter().enumerate() {
        if kf.name.parse::<pep508_rs::PackageName>().is_err() {
            return Err(ResolverError::config(
                format!("known_failures[{i}].name"),
                format!("`{}` is not a valid project name", kf.name),
            ));
        }
        if kf.version.parse::<pep440_rs::Version>().is_err() {
            return Err(ResolverError::config(
                format!("known_failures[{i}].version"),
                format!("`{}` is not a PEP 440 version", kf.version),
            ));
        }
        if kf.status.trim().is_empty() {
            return Err(ResolverError::config(
                format!("known_failures[{i}].status"),
                "must not be empty",
            ));
        }
    }
    Ok(())
}

/// A run id is 1 to 128 characters, safe in a file name.
fn validate_run_id(run_id: &str) -> Result<()> {
    if run_id.is_empty()
        || run_id.len() > 128
        || !run_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
    {
        return Err(ResolverError::config(
            "run_id",
            "must be 1 to 128 characters of A-Z, a-z, 0-9, '-', '_' or '.'",
        ));
    }
    Ok(())
}

/// No optional path given is empty.
fn validate_paths(raw: &RawConfig) -> Result<()> {
    for (field, path) in [
        ("history_db", &raw.history_db),
        ("requirements", &raw.requirements),
        ("constraints", &raw.constraints),
        ("plan_path", &raw.plan_path),
        ("cache_dir", &raw.cache_dir),
        ("output_dir", &raw.output_dir),
    ] {
        if path.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
            return Err(ResolverError::config(field, "must not be empty"));
        }
    }
    Ok(())
}

/// Checks the index settings (also for `resolver_fetch_wheels`).
pub(crate) fn validate_index(index: &IndexConfig) -> Result<()> {
    for (field, url) in index.urls() {
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(ResolverError::config(
                field,
                format!("`{}` is not an http(s) URL", crate::redact::redact_url(url)),
            ));
        }
    }
    for (i, host) in index.trusted_hosts.iter().enumerate() {
        if host.trim().is_empty() || host.contains('/') || host.contains('@') {
            return Err(ResolverError::config(
                format!("index.trusted_hosts[{i}]"),
                format!("`{host}` is not a host or host:port"),
            ));
        }
    }
    if index
        .cache_dir
        .as_ref()
        .is_some_and(|p| p.as_os_str().is_empty())
    {
        return Err(ResolverError::config(
            "index.cache_dir",
            "must not be empty",
        ));
    }
    if !(index.timeout_seconds.is_finite() && index.timeout_seconds > 0.0) {
        return Err(ResolverError::config(
            "index.timeout_seconds",
            "must be a positive number",
        ));
    }
    Ok(())
}
