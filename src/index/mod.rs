//! Package indexes (contract §6): what the planner asks of them.
//!
//! The planner only sees [`PackageIndex`]; with no index configured it gets
//! none and never touches the network.
//!
//! The modules are layered: each imports only from the layers below it
//! (as uv's `uv-client` stacks its HTTP cache, its cached client and its
//! registry client). Bottom to top:
//!
//! 1. Foundations, importing nothing from this directory:
//!    [`package_index`] (the [`PackageIndex`] trait and its answers),
//!    [`budget`] (bytes in flight), [`stats`] (look-ups, connections and
//!    TLS handshakes per host, for tests and benchmarks), [`security`] (trusted hosts, loopback,
//!    TLS verification, credentials), [`proxy`] (forward proxies from the
//!    environment), [`trust`] (the trust store), [`html`] (anchors of an
//!    HTML page), and [`cache`] (the HTTP cache under `index.cache_dir`:
//!    headers in, fresh / revalidate / store decisions out, and the store).
//! 2. [`dns`] (one cached name look-up per host for the process; over
//!    `stats`), [`connect`] (connections counted, and at most
//!    [`connect::PER_HOST`] requests in flight per origin; over `stats`),
//!    [`response`] (a response read whole; over `budget` and `cache`),
//!    [`transport`] (the ureq agents; over `security`, `dns`, `connect`) and [`simple_api`]
//!    (PEP 691 JSON and PEP 503 HTML pages; over `html`).
//! 3. [`client`]: HTTP with redirects, retries, caps, timeouts, the deadline
//!    and cancellation (over `transport`, `connect`, `response`, `proxy`, `security`,
//!    `budget`, `cache`'s header types); and [`files`] (file names to
//!    versions, yanking; over `simple_api`).
//! 4. [`cached_client`]: the client behind the cache (over `client`,
//!    `cache`, `response`).
//! 5. [`range_reader`]: a wheel read through range requests (over
//!    `cached_client`).
//! 6. [`metadata`]: PEP 658 metadata, else the wheel's (over
//!    `range_reader`, `cached_client`, `files`, `package_index`).
//! 7. [`sdist_reader`]: an sdist's build system, streamed or read through
//!    ranges, cached by the sdist's hash (over `range_reader`,
//!    `cached_client`, `package_index`).
//! 8. [`remote`]: the indexes as one [`PackageIndex`], cached and
//!    concurrent (over `metadata`, `sdist_reader`, `cached_client`, `files`,
//!    `simple_api`, `package_index`, `budget`).
//! 9. This module: [`open`] and [`connect`] put them together from the
//!    config.

pub mod budget;
pub mod cache;
pub mod cached_client;
pub mod client;
pub mod connect;
pub mod dns;
pub mod files;
pub mod html;
pub mod metadata;
pub mod package_index;
pub mod proxy;
pub mod range_reader;
pub mod remote;
pub mod response;
pub mod sdist_reader;
pub mod security;
pub mod simple_api;
pub mod stats;
pub mod transport;
pub mod trust;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[cfg_attr(not(feature = "internals"), allow(unused_imports))]
pub use package_index::{
    BuildSystemRead, CompatibleWheel, IndexVersion, PackageIndex, PagePython, ReleaseMetadata,
    SdistFile,
};

use crate::config::{Config, IndexConfig};
use crate::error::{ResolverError, Result};
use crate::stop::Stop;
use crate::target::Target;

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
        cache,
        bases,
        warnings,
    } = connect(index, config.cache_dir.as_deref(), stop)?;
    let client = cached_client::CachedClient::new(client, cache);
    let sdist_cache = cache_dir(index, config.cache_dir.as_deref()).map(|d| d.join("sdist"));
    let remote = remote::RemoteIndexes::new(client, bases, index.strategy, target.clone())
        .with_sdist_cache(sdist_cache);
    for w in warnings {
        remote.note(w);
    }
    Ok(Some(Box::new(remote)))
}

/// The HTTP side of the configured indexes: the client (trust, credentials,
/// proxies), the HTTP cache and the simple-API base URLs (credentials taken
/// out).
pub struct Connection {
    /// The client (no cache: see [`cached_client::CachedClient`]).
    pub client: client::Client,
    /// The HTTP cache, when one is configured.
    pub cache: Option<cache::HttpCache>,
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
        .with_proxies(proxies);
    Ok(Connection {
        client,
        cache,
        bases,
        warnings,
    })
}
