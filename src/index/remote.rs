//! The configured indexes as one [`PackageIndex`]: `index_url` then
//! `extra_index_urls`, first-index or best-match, every project fetched at
//! most once per call, independent projects looked up concurrently.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use pep440_rs::Version;
use pep508_rs::PackageName;
use url::Url;

use super::budget::{ByteBudget, MAX_RETAINED_INDEX_BYTES, PARSE_BYTES_IN_FLIGHT};
use super::client::{index_error, Client};
use super::files::Project;
use super::security::shown;
use super::simple_api::ACCEPT;
use super::{metadata, IndexVersion, PackageIndex};
use crate::config::IndexStrategy;
use crate::error::{ResolverError, Result};
use crate::tags::SupportedTags;
use crate::wheel::RequiresDist;

/// Most concurrent project look-ups.
pub const MAX_THREADS: usize = 8;
/// The most bytes of one project page.
pub const PAGE_CAP: u64 = 64 * 1024 * 1024;

type Slot = Arc<Mutex<Option<Arc<Project>>>>;

/// The indexes of one call.
pub struct RemoteIndexes {
    client: Client,
    /// Simple-API base URLs (ending in `/`), in the order asked.
    bases: Vec<Url>,
    strategy: IndexStrategy,
    tags: SupportedTags,
    projects: Mutex<HashMap<PackageName, Slot>>,
    /// Heap bytes the cached projects keep (capped).
    retained: AtomicUsize,
    /// What the pages being parsed may take ([`PARSE_BYTES_IN_FLIGHT`]).
    parses: Arc<ByteBudget>,
    warnings: Mutex<Vec<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RemoteIndexes {
    /// Indexes at `bases` (credentials already taken out) through `client`.
    pub fn new(
        client: Client,
        bases: Vec<Url>,
        strategy: IndexStrategy,
        tags: SupportedTags,
    ) -> Self {
        Self {
            client,
            bases,
            strategy,
            tags,
            projects: Mutex::new(HashMap::new()),
            retained: AtomicUsize::new(0),
            parses: ByteBudget::new(PARSE_BYTES_IN_FLIGHT),
            warnings: Mutex::new(Vec::new()),
        }
    }

    /// The project's files, fetched once per call.
    fn project(&self, name: &PackageName) -> Result<Arc<Project>> {
        let slot = lock(&self.projects)
            .entry(name.clone())
            .or_default()
            .clone();
        let mut guard = lock(&slot);
        if let Some(p) = guard.as_ref() {
            return Ok(p.clone());
        }
        let project = Arc::new(self.fetch_project(name)?);
        *guard = Some(project.clone());
        Ok(project)
    }

    fn fetch_project(&self, name: &PackageName) -> Result<Project> {
        let mut merged: Option<Project> = None;
        let mut warnings = Vec::new();
        for base in &self.bases {
            let Some(found) = self.fetch_page(base, name, &mut warnings)? else {
                continue;
            };
            match (&mut merged, self.strategy) {
                (None, IndexStrategy::FirstIndex) => {
                    merged = Some(found);
                    break;
                }
                (None, IndexStrategy::BestMatch) => merged = Some(found),
                (Some(m), _) => m.merge(found),
            }
        }
        lock(&self.warnings).extend(warnings);
        Ok(merged.unwrap_or_default())
    }

    /// One index's page for `name`; `None` when that index does not know it.
    fn fetch_page(
        &self,
        base: &Url,
        name: &PackageName,
        warnings: &mut Vec<String>,
    ) -> Result<Option<Project>> {
        let url = base
            .join(&format!("{name}/"))
            .map_err(|e| index_error(base, &format!("cannot form the project URL: {e}")))?;
        let Some(resp) = self.client.get(&url, &[("Accept", ACCEPT)], PAGE_CAP)? else {
            return Ok(None);
        };
        // The body's reservation (bodies in flight) is held until it is
        // parsed and dropped, with the response; the parse reserves what
        // its result may take at most (parses in flight), until that is
        // counted in what the call keeps. Reservations are always taken in
        // that order and nobody waits while holding a parse reservation.
        let over_cap = || {
            index_error(
                &resp.url,
                &format!(
                    "the project pages read in this call list more files than fit in {MAX_RETAINED_INDEX_BYTES} bytes (the cap on what a call keeps of them)"
                ),
            )
        };
        let estimate = Project::estimate_heap_bytes(resp.body.len(), resp.url.as_str().len());
        // Parsing is local work that always ends: wait as long as the call
        // may last.
        let Some(parsing) = self.parses.reserve(estimate as u64, self.client.deadline()) else {
            return Err(ResolverError::IndexUnreachable {
                url: shown(&resp.url),
                message: "the time budget (time_budget_ms) ran out waiting to parse the page (other large pages in flight)".into(),
            });
        };
        if self.retained.load(Ordering::Relaxed) > MAX_RETAINED_INDEX_BYTES {
            return Err(over_cap()); // the call fails anyway: parse no more
        }
        let project = Project::from_page(
            name,
            &resp.body,
            resp.content_type.as_deref(),
            &resp.url,
            warnings,
        )
        .map_err(|e| index_error(&resp.url, &e))?;
        let bytes = project.heap_bytes();
        let total = self.retained.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if total > MAX_RETAINED_INDEX_BYTES {
            return Err(over_cap());
        }
        drop(parsing);
        drop(resp);
        Ok(Some(project))
    }
}

impl PackageIndex for RemoteIndexes {
    fn versions(&self, name: &PackageName) -> Result<Vec<IndexVersion>> {
        let project = self.project(name)?;
        Ok(project
            .versions()
            .map(|(version, files)| IndexVersion {
                version: version.clone(),
                yanked: files.all_yanked(),
            })
            .collect())
    }

    fn requires_dist(&self, name: &PackageName, version: &Version) -> Result<Vec<RequiresDist>> {
        let project = self.project(name)?;
        let mut warnings = Vec::new();
        let files = project
            .files(version)
            .map(|f| f.to_project_files())
            .unwrap_or_default();
        let result = metadata::requires_dist(
            &self.client,
            name,
            version,
            &files,
            &self.tags,
            &mut warnings,
        );
        lock(&self.warnings).extend(warnings);
        result
    }

    fn prefetch(&self, names: &[PackageName]) -> Result<()> {
        let mut todo: Vec<&PackageName> = names.iter().collect();
        todo.sort();
        todo.dedup();
        let threads = todo.len().min(MAX_THREADS);
        if threads <= 1 {
            for name in todo {
                self.project(name)?;
            }
            return Ok(());
        }
        let next = AtomicUsize::new(0);
        let mut results: Vec<(usize, Result<()>)> = std::thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    s.spawn(|| {
                        let mut out = Vec::new();
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            let Some(name) = todo.get(i) else {
                                return out;
                            };
                            let r = self.project(name).map(|_| ());
                            let failed = r.is_err();
                            out.push((i, r));
                            if failed {
                                // Stop handing out work: the call fails anyway.
                                next.fetch_add(todo.len(), Ordering::Relaxed);
                                return out;
                            }
                        }
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| match w.join() {
                    Ok(v) => v,
                    Err(p) => std::panic::resume_unwind(p),
                })
                .collect()
        });
        results.sort_by_key(|(i, _)| *i);
        results.into_iter().try_for_each(|(_, r)| r)
    }

    fn warnings(&self) -> Vec<String> {
        let mut w = lock(&self.warnings).clone();
        w.sort();
        w.dedup();
        w
    }
}
