//! Package indexes (contract section 6): what the planner asks of them.
//!
//! The planner only sees [`PackageIndex`]; with no index configured it gets
//! none and never touches the network.
//!
//! - [`security`]: trusted hosts, loopback, TLS verification, credentials;
//! - [`client`]: HTTP with redirects, retries, caps, timeouts, the deadline and cancellation;
//! - [`proxy`]: forward proxies from the environment;
//! - [`dns`], [`connect`], [`stats`]: cached name look-ups, bounded kept-alive connections and their counts;
//! - [`cache`]: the HTTP cache under `index.cache_dir`;
//! - [`simple_api`] (with [`html`]): PEP 691 JSON and PEP 503 HTML pages;
//! - [`files`]: file names to versions, yanking;
//! - [`metadata`] (with [`range_reader`]): PEP 658 metadata, else the wheel's;
//! - [`remote`]: the indexes as one [`PackageIndex`], cached and concurrent.

pub mod budget;
pub mod cache;
pub mod client;
pub mod connect;
pub mod dns;
pub mod files;
pub mod html;
pub mod metadata;
pub mod proxy;
pub mod range_reader;
pub mod remote;
pub mod security;
pub mod simple_api;
pub mod stats;
pub mod trust;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use pep440_rs::Version;
use pep508_rs::PackageName;

use crate::config::{Config, IndexConfig};
use crate::error::{ResolverError, Result};
use crate::stop::Stop;
use crate::target::Target;
use crate::wheel::RequiresDist;

/// One version of a project an index offers, with the facts the candidate
/// chooser needs (contract-2 4.3/4.4). The facts are taken over the files
/// that can be used: not yanked (all files when every one is yanked), and
/// either an sdist or a wheel the target installs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexVersion {
    /// The version.
    pub version: Version,
    /// True when every file of this version is yanked (PEP 592).
    pub yanked: bool,
    /// True when some file can be built (an sdist) or fetched (a wheel the
    /// target installs).
    pub usable: bool,
    /// What the page's Requires-Python says of the target.
    pub python: PagePython,
}

/// What a project page's Requires-Python (PEP 691 `requires-python`, PEP 503
/// `data-requires-python`) says of the target for one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PagePython {
    /// Some usable file admits the target.
    Admits,
    /// Every usable file declares a Requires-Python that excludes the
    /// target (the first such specifier).
    Excludes(String),
    /// Some usable file declares none: the release's metadata decides.
    Unknown,
}

/// What a release's core metadata says that planning needs.
#[derive(Debug, Clone, Default)]
pub struct ReleaseMetadata {
    /// Requires-Dist, in file order (markers not yet evaluated).
    pub requires_dist: Vec<RequiresDist>,
    /// Requires-Python, as written.
    pub requires_python: Option<String>,
}

/// A wheel on an index that the target installs (contract-2 4.7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompatibleWheel {
    /// Its file name.
    pub file: String,
    /// Absolute URL, without credentials.
    pub url: String,
    /// The index's sha256 of the file, when it gives one.
    pub sha256: Option<String>,
    /// The simple-API base URL of the index that listed it (no credentials).
    pub index: String,
    /// Its Requires-Python as the page gives it.
    pub requires_python: Option<String>,
}

/// What the planner needs from the configured indexes.
pub trait PackageIndex: Sync {
    /// Every version the indexes offer for `name` (merged per the index
    /// strategy), ascending. An empty list: no index knows the project.
    fn versions(&self, name: &PackageName) -> Result<Vec<IndexVersion>>;

    /// The core metadata of `name==version`, as the index's metadata (PEP
    /// 658) or the wheel itself says; read at most once per call. `None`:
    /// it cannot be read (a warning says why).
    fn metadata(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<Arc<ReleaseMetadata>>>;

    /// The most specific non-yanked wheel of `name==version` the target
    /// installs, if the indexes list one.
    fn compatible_wheel(
        &self,
        name: &PackageName,
        version: &Version,
    ) -> Result<Option<CompatibleWheel>>;

    /// Looks up many projects at once (concurrently), so later `versions`
    /// calls are answered from memory.
    fn prefetch(&self, names: &[PackageName]) -> Result<()> {
        for name in names {
            self.versions(name)?;
        }
        Ok(())
    }

    /// Reads the metadata of many releases at once (concurrently), so later
    /// `metadata` calls are answered from memory.
    fn prefetch_metadata(&self, releases: &[(PackageName, Version)]) -> Result<()> {
        for (name, version) in releases {
            self.metadata(name, version)?;
        }
        Ok(())
    }

    /// Non-fatal observations made so far (skipped files, releases without
    /// usable metadata), sorted; the caller adds them to `plan.warnings`.
    fn warnings(&self) -> Vec<String> {
        Vec::new()
    }
}

/// Opens the configured indexes, or `None` when the config has no `index`
/// (then nothing touches the network). `stop` (the call's deadline and
/// cancel token) bounds every request.
///
/// Every index URL is checked before any request: plain HTTP to a host that
/// is neither loopback nor trusted is `insecure_index`.
pub fn open(
    config: &Config,
    target: &Target,
    stop: &Stop,
) -> Result<Option<Box<dyn PackageIndex>>> {
    let Some(index) = &config.index else {
        return Ok(None);
    };
    let Connection {
        client,
        bases,
        warnings,
    } = connect(index, config.cache_dir.as_deref(), stop)?;
    let remote = remote::RemoteIndexes::new(client, bases, index.strategy, target.clone());
    for w in warnings {
        remote.note(w);
    }
    Ok(Some(Box::new(remote)))
}

/// The HTTP side of the configured indexes: the client (trust, credentials,
/// proxies, cache) and the simple-API base URLs (credentials taken out).
pub struct Connection {
    /// The client.
    pub client: client::Client,
    /// `index_url`, then `extra_index_urls`, each ending in `/`.
    pub bases: Vec<url::Url>,
    /// Warnings for the plan (trust store, proxy variables).
    pub warnings: Vec<String>,
}

/// The HTTP cache directory: `index.cache_dir`, else `<cache_dir>/index-cache`
/// when the config's `cache_dir` is set; `None` when `index.cache_max_mb`
/// is 0 or neither is set.
pub fn cache_dir(index: &IndexConfig, cache_root: Option<&Path>) -> Option<PathBuf> {
    if index.cache_max_mb == Some(0) {
        return None;
    }
    index
        .cache_dir
        .clone()
        .or_else(|| cache_root.map(|r| r.join("index-cache")))
}

/// Connects to the indexes of `index` (no request is made yet). Every index
/// URL is checked first: plain HTTP to a host that is neither loopback nor
/// trusted is `insecure_index`.
pub fn connect(index: &IndexConfig, cache_root: Option<&Path>, stop: &Stop) -> Result<Connection> {
    let policy = security::TrustPolicy::new(&index.trusted_hosts);
    let mut credentials = HashMap::new();
    let mut bases = Vec::new();
    for (field, raw) in index.urls() {
        let mut url = url::Url::parse(raw.trim()).map_err(|e| {
            ResolverError::config(
                field.clone(),
                format!(
                    "`{}` is not a valid URL: {e}",
                    crate::redact::redact_url(raw)
                ),
            )
        })?;
        policy.transport(&url)?;
        if let Some(auth) = security::take_credentials(&mut url) {
            credentials.entry(security::origin(&url)).or_insert(auth);
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        url.set_fragment(None);
        bases.push(url);
    }
    let timeout = Duration::try_from_secs_f64(index.timeout_seconds)
        .map_err(|e| ResolverError::config("index.timeout_seconds", e.to_string()))?;
    let (roots, trust_warning) = trust::roots(index.ca_bundle.as_deref())?;
    let (proxies, mut warnings) = proxy::Proxies::from_env();
    warnings.extend(trust_warning);
    let cache = cache_dir(index, cache_root).map(|dir| {
        let mb = index.cache_max_mb.unwrap_or(cache::DEFAULT_MAX_MB);
        cache::HttpCache::new(dir, mb.saturating_mul(1024 * 1024))
    });
    let client = client::Client::new(policy, roots, credentials, timeout, stop.clone())
        .with_proxies(proxies)
        .with_cache(cache);
    Ok(Connection {
        client,
        bases,
        warnings,
    })
}
