//! Package indexes (contract section 6): what the planner asks of them.
//!
//! The planner only sees [`PackageIndex`]; with no index configured it gets
//! none and never touches the network.
//!
//! - [`security`]: trusted hosts, loopback, TLS verification, credentials;
//! - [`client`]: HTTP with redirects, retries, caps, timeouts and the deadline;
//! - [`simple_api`] (with [`html`]): PEP 691 JSON and PEP 503 HTML pages;
//! - [`files`]: file names to versions, yanking;
//! - [`metadata`] (with [`range_reader`]): PEP 658 metadata, else the wheel's;
//! - [`remote`]: the indexes as one [`PackageIndex`], cached and concurrent.

pub mod budget;
pub mod client;
pub mod files;
pub mod html;
pub mod metadata;
pub mod range_reader;
pub mod remote;
pub mod security;
pub mod simple_api;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use pep440_rs::Version;
use pep508_rs::PackageName;

use crate::config::Config;
use crate::error::{ResolverError, Result};
use crate::wheel::RequiresDist;

/// One version of a project an index offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexVersion {
    /// The version.
    pub version: Version,
    /// True when every file of this version is yanked (PEP 592).
    pub yanked: bool,
}

/// What the planner needs from the configured indexes.
pub trait PackageIndex: Sync {
    /// Every version the indexes offer for `name` (merged per the index
    /// strategy). An empty list: no index knows the project.
    fn versions(&self, name: &PackageName) -> Result<Vec<IndexVersion>>;

    /// The Requires-Dist of `name==version`, as the index's metadata (PEP 658)
    /// or the wheel itself says.
    fn requires_dist(&self, name: &PackageName, version: &Version) -> Result<Vec<RequiresDist>>;

    /// Looks up many projects at once (concurrently), so later `versions`
    /// calls are answered from memory.
    fn prefetch(&self, names: &[PackageName]) -> Result<()> {
        for name in names {
            self.versions(name)?;
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
/// (then nothing touches the network). `deadline` bounds the whole call.
///
/// Every index URL is checked before any request: plain HTTP to a host that
/// is neither loopback nor trusted is `insecure_index`.
pub fn open(config: &Config, deadline: Option<Instant>) -> Result<Option<Box<dyn PackageIndex>>> {
    let Some(index) = &config.index else {
        return Ok(None);
    };
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
    let client = client::Client::new(policy, credentials, timeout, deadline);
    let tags = crate::tags::SupportedTags::for_target(config.python, &config.platform);
    Ok(Some(Box::new(remote::RemoteIndexes::new(
        client,
        bases,
        index.strategy,
        tags,
    ))))
}
